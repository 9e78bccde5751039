//! The work log: what the sender and the admins did, newest first, following new
//! entries unless the user scrolls; filtered by level or to one mail.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row};

use crate::i18n::Txt;
use crate::model::{Level, LogEntry, LogFilter, MailId};
use crate::time::format_age;
use crate::tui::app::App;
use crate::tui::keys::Action;
use crate::tui::msg::Command;
use crate::tui::widgets::table::ListTable;

/// Work-log entries shown.
pub const LOG_LIMIT: u32 = 500;

#[derive(Debug, Clone)]
pub struct WorkLogPane {
    pub entries: Vec<LogEntry>,
    pub min_level: Option<Level>,
    pub mail: Option<MailId>,
    pub follow: bool,
    pub selected: usize,
}

impl Default for WorkLogPane {
    fn default() -> Self {
        WorkLogPane {
            entries: Vec::new(),
            min_level: None,
            mail: None,
            follow: true,
            selected: 0,
        }
    }
}
impl WorkLogPane {
    pub fn filter(&self) -> LogFilter {
        LogFilter {
            mail_id: self.mail,
            min_level: self.min_level,
            before_id: None,
            limit: LOG_LIMIT,
        }
    }

    pub fn loaded(&mut self, filter: LogFilter, entries: Vec<LogEntry>) {
        if filter != self.filter() {
            return;
        }
        let keep = self.entries.get(self.selected).map(|e| e.id);
        self.entries = entries;
        self.selected = if self.follow {
            0
        } else {
            keep.and_then(|id| self.entries.iter().position(|e| e.id == id))
                .unwrap_or(0)
        };
    }

    pub fn act(&mut self, a: Action) -> Vec<Command> {
        match a {
            Action::Up | Action::Down => {
                let len = self.entries.len();
                if len > 0 {
                    let d: isize = if a == Action::Up { -1 } else { 1 };
                    self.selected =
                        (self.selected as isize + d).clamp(0, len as isize - 1) as usize;
                    self.follow = self.selected == 0;
                }
                Vec::new()
            }
            Action::Level => {
                self.min_level = match self.min_level {
                    None => Some(Level::Warn),
                    Some(Level::Warn) => Some(Level::Error),
                    _ => None,
                };
                vec![Command::LoadLog(self.filter())]
            }
            Action::MailOnly => {
                self.mail = match self.mail {
                    Some(_) => None,
                    None => self.entries.get(self.selected).and_then(|e| e.mail_id),
                };
                vec![Command::LoadLog(self.filter())]
            }
            Action::Follow => {
                self.follow = !self.follow;
                if self.follow {
                    self.selected = 0;
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let [filters, table_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let level = app
        .log
        .min_level
        .map(|l| format!("{l}+"))
        .unwrap_or_else(|| Txt::All.t(lang).to_string());
    let mut spans = vec![
        Span::styled(
            format!(" {}: ", Txt::LevelFilter.t(lang)),
            app.theme.muted(),
        ),
        Span::styled(level, app.theme.accent()),
    ];
    if let Some(m) = app.log.mail {
        spans.push(Span::styled(
            format!("  {}: #{m}", Txt::MailFilter.t(lang)),
            app.theme.accent(),
        ));
    }
    if app.log.follow {
        spans.push(Span::styled(
            format!("  {}", Txt::Follow.t(lang)),
            app.theme.ok(),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), filters);
    if app.log.entries.is_empty() {
        f.render_widget(
            Paragraph::new(Txt::NoEntries.t(lang)).style(app.theme.muted()),
            table_area,
        );
        return;
    }
    let table = ListTable {
        columns: &[
            Txt::ColTime,
            Txt::ColLevel,
            Txt::ColSource,
            Txt::ColMail,
            Txt::ColMessage,
        ],
        widths: &[
            Constraint::Length(5),
            Constraint::Length(6),
            Constraint::Length(7),
            Constraint::Length(7),
            Constraint::Min(20),
        ],
        spacing: 1,
    };
    table.draw(
        f,
        app,
        table_area,
        &app.log.entries,
        app.log.selected,
        |e| {
            let style = match e.level {
                Level::Error => app.theme.error(),
                Level::Warn => app.theme.warn(),
                Level::Info => app.theme.base(),
            };
            let msg = match &e.detail {
                Some(d) => format!("{} — {d}", e.message),
                None => e.message.clone(),
            };
            Row::new(vec![
                Cell::from(format_age(app.now - e.time)),
                Cell::from(e.level.to_string()).style(style),
                Cell::from(e.source.clone()),
                Cell::from(e.mail_id.map(|m| m.to_string()).unwrap_or_default()),
                Cell::from(msg),
            ])
        },
    );
}
