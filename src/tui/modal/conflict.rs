//! Someone else saved the tab first: the fields that differ, then reload or overwrite.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use serde_json::Value;

use crate::i18n::Txt;
use crate::settings::{Tab, changed_fields};
use crate::tui::app::App;
use crate::tui::keys::{Scope, choices};
use crate::tui::widgets::chrome::centered;
use crate::tui::widgets::table::fit;

/// Their document and version, and each differing field: (field, mine, theirs).
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub theirs: Value,
    pub version: i64,
    pub differences: Vec<(String, String, String)>,
}

impl Conflict {
    /// The fields where `mine` and `theirs` differ, named as the CLI names them
    /// (`companies[0].nip`).
    pub fn new(tab: Tab, mine: &Value, theirs: Value, version: i64) -> Conflict {
        let differences = changed_fields(tab, mine, &theirs)
            .into_iter()
            .map(|c| (c.field, c.old, c.new))
            .collect();
        Conflict {
            theirs,
            version,
            differences,
        }
    }
}

pub fn draw(f: &mut Frame, app: &App, area: Rect, c: &Conflict) {
    let mut lines = Vec::new();
    let width = c
        .differences
        .iter()
        .take(8)
        .map(|(f, _, _)| f.chars().count())
        .max()
        .unwrap_or(0)
        .min(28);
    for (field, mine, theirs) in c.differences.iter().take(8) {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:<width$}  ", fit(field, width as u16)),
                app.theme.accent(),
            ),
            Span::raw(format!("{mine}  ≠  {theirs}")),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled(
        choices(Scope::Conflict, app.lang),
        app.theme.muted(),
    ));
    let r = centered(area, 72, lines.len() as u16 + 2);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(Txt::ConflictTitle.t(app.lang))
                .border_style(app.theme.warn()),
        ),
        r,
    );
}
