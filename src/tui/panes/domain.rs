//! Domain [Domena] (SPEC §5): whether operators log in with a domain, and which.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::i18n::{Lang, Txt};
use crate::settings::Tab;
use crate::tui::app::App;
use crate::tui::widgets::form::Field;
use crate::tui::widgets::tab_editor::{Selector, TabEditor, form_pane};

pub struct DomainPane {
    pub editor: TabEditor,
}

impl DomainPane {
    pub fn new(lang: Lang) -> DomainPane {
        DomainPane {
            editor: TabEditor::new(Tab::Domain, Selector::Whole, domain_fields(), lang),
        }
    }

    /// The domain pane's fields follow `use_domain` too.
    pub fn refresh_sections(&mut self) {
        let form = &mut self.editor.form;
        form.hidden.clear();
        if form.value("use_domain") != "true" {
            form.hidden.extend(["domain_name", "group"]);
        }
        form.settle_focus();
    }
}

pub fn domain_fields() -> Vec<Field> {
    vec![
        Field::yes_no("use_domain", Txt::FUseDomain),
        Field::text("domain_name", Txt::FDomainName),
        Field::text("group", Txt::FGroup).with_placeholder(Txt::OAllGroups),
    ]
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    form_pane(
        f,
        app,
        area,
        &app.settings.domain.editor,
        Txt::TabDomain,
        &[],
    );
}
