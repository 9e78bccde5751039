//! API authorization [Autoryzacja API] (SPEC §3): the company and the default ERP
//! operator's login, for a single-company deployment.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::i18n::{Lang, Txt};
use crate::settings::Tab;
use crate::tui::app::App;
use crate::tui::widgets::form::Field;
use crate::tui::widgets::tab_editor::{Selector, TabEditor, form_pane};

pub struct ApiAuthPane {
    pub editor: TabEditor,
}

impl ApiAuthPane {
    pub fn new(lang: Lang) -> ApiAuthPane {
        ApiAuthPane {
            editor: TabEditor::new(
                Tab::ApiAuth,
                Selector::Whole,
                vec![
                    Field::text("company_name", Txt::FCompanyName),
                    Field::text("login", Txt::FDefaultErpLogin),
                    Field::secret("password", Txt::FPassword),
                ],
                lang,
            ),
        }
    }
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    form_pane(
        f,
        app,
        area,
        &app.settings.api_auth.editor,
        Txt::TabApiAuth,
        &[],
    );
}
