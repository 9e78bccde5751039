//! The keys of the pane in view, then the ones that work everywhere, from the key table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::i18n::Txt;
use crate::tui::app::App;
use crate::tui::keys::{Scope, shown};
use crate::tui::widgets::chrome::centered;

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let mut lines = Vec::new();
    for (title, scope) in [
        (Txt::KeysPane, app.scope()),
        (Txt::KeysGlobal, Scope::Global),
    ] {
        lines.push(Line::styled(title.t(lang), app.theme.title()));
        for (keys, label) in shown(scope, false) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<10}"), app.theme.accent()),
                Span::raw(label.t(lang)),
            ]));
        }
        if scope == Scope::Global {
            break;
        }
    }
    let r = centered(area, 60, (lines.len() as u16 + 2).min(area.height));
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(Txt::HelpTitle.t(lang)),
        ),
        r,
    );
}
