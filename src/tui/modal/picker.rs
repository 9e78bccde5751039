//! A list to choose one item from: ↑↓ move, Enter chooses, any other key closes.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{Modal, Reply};
use crate::i18n::Txt;
use crate::tui::app::App;
use crate::tui::keys::Action;
use crate::tui::widgets::chrome::centered;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickerKind {
    /// A mail-server preset (its index in `PRESETS`).
    Preset,
    Mask,
    Operator,
    DefaultTexts,
    /// The action to take on every mail the queue's filter matches.
    BulkAction,
}

pub struct Picker {
    pub kind: PickerKind,
    pub title: Txt,
    /// (value, label)
    pub items: Vec<(String, String)>,
    pub selected: usize,
    /// Columns of the popup.
    pub width: u16,
}

impl Picker {
    pub fn new(kind: PickerKind, title: Txt, items: Vec<(String, String)>) -> Picker {
        Picker {
            kind,
            title,
            items,
            selected: 0,
            width: 56,
        }
    }

    pub fn key(mut self, action: Option<Action>) -> Reply {
        let n = self.items.len().max(1);
        match action {
            Some(Action::Up) => self.selected = (self.selected + n - 1) % n,
            Some(Action::Down) => self.selected = (self.selected + 1) % n,
            Some(Action::Open) => {
                return match self.items.get(self.selected) {
                    Some((value, _)) => Reply::Picked(self.kind, value.clone()),
                    None => Reply::Closed,
                };
            }
            _ => return Reply::Closed,
        }
        Reply::Open(Modal::Picker(self))
    }

    pub fn draw(&self, f: &mut Frame, app: &App, area: Rect) {
        let lines: Vec<Line> = self
            .items
            .iter()
            .enumerate()
            .map(|(i, (_, label))| {
                if i == self.selected {
                    Line::styled(format!(" {label}"), app.theme.selection())
                } else {
                    Line::from(format!(" {label}"))
                }
            })
            .collect();
        let r = centered(area, self.width, (lines.len() as u16 + 2).min(area.height));
        f.render_widget(Clear, r);
        f.render_widget(
            Paragraph::new(lines).block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(self.title.t(app.lang)),
            ),
            r,
        );
    }
}
