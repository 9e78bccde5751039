//! The queue's error groups in place of the list: what went wrong, for how many mails,
//! since when and where; Enter lists the mails of a group (as a filter term, so the
//! bulk actions act on it).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::i18n::Txt;
use crate::model::ErrorGroup;
use crate::time::format_age;
use crate::tui::app::App;
use crate::tui::keys::Action;
use crate::tui::widgets::table::ListTable;

#[derive(Debug, Clone, Default)]
pub struct ErrorGroupsView {
    /// None until loaded.
    pub groups: Option<Vec<ErrorGroup>>,
    pub selected: usize,
}

impl ErrorGroupsView {
    /// A key of the view; the filter term of the group chosen with Enter.
    pub fn act(&mut self, a: Action) -> Option<String> {
        let n = self.groups.as_ref().map_or(0, Vec::len);
        match a {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            Action::Open => {
                return self
                    .groups
                    .as_ref()
                    .and_then(|g| g.get(self.selected))
                    .map(|g| g.filter.clone());
            }
            _ => {}
        }
        None
    }

    /// New figures; the selection stays on its group where it still is.
    pub fn loaded(&mut self, groups: Vec<ErrorGroup>) {
        let was = self
            .groups
            .as_ref()
            .and_then(|g| g.get(self.selected))
            .map(|g| g.fingerprint.clone());
        self.selected = was
            .and_then(|f| groups.iter().position(|g| g.fingerprint == f))
            .unwrap_or(0)
            .min(groups.len().saturating_sub(1));
        self.groups = Some(groups);
    }
}

const COLUMNS: [Txt; 6] = [
    Txt::ErrMails,
    Txt::ErrFailed,
    Txt::ErrRetried,
    Txt::ErrLastSeen,
    Txt::Domain,
    Txt::ErrText,
];

pub fn draw(f: &mut Frame, app: &App, view: &ErrorGroupsView, area: Rect) {
    let lang = app.lang;
    let block = Block::default()
        .borders(Borders::TOP)
        .title(Txt::ErrorGroups.t(lang));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(groups) = &view.groups else {
        f.render_widget(
            Paragraph::new(Txt::Loading.t(lang)).style(app.theme.muted()),
            inner,
        );
        return;
    };
    if groups.is_empty() {
        f.render_widget(
            Paragraph::new(Txt::NoErrors.t(lang)).style(app.theme.muted()),
            inner,
        );
        return;
    }
    // The selected group's example in full under the table.
    let [table, example] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(3)]).areas(inner);
    let widths = [
        Constraint::Length(6),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(8),
        Constraint::Length(14),
        Constraint::Min(20),
    ];
    let list = ListTable {
        columns: &COLUMNS,
        widths: &widths,
        spacing: 1,
    };
    list.draw(f, app, table, groups, view.selected, |g| {
        let domains = match g.top_domains.as_slice() {
            [] => String::new(),
            [(d, _)] => d.clone(),
            [(d, _), rest @ ..] => format!("{d} +{}", rest.len()),
        };
        let last = g
            .last_seen
            .map_or("-".to_string(), |t| format_age(app.now - t));
        vec![
            (g.mails.to_string(), app.theme.accent()),
            (g.failed.to_string(), app.theme.error()),
            (g.deferred.to_string(), app.theme.warn()),
            (last, Default::default()),
            (domains, Default::default()),
            (g.fingerprint.clone(), Default::default()),
        ]
    });
    if let Some(g) = groups.get(view.selected) {
        f.render_widget(
            Paragraph::new(format!("#{} {}", g.example_id, g.example))
                .style(app.theme.muted())
                .wrap(ratatui::widgets::Wrap { trim: true })
                .block(Block::default().borders(Borders::TOP)),
            example,
        );
    }
}
