//! The work log: what the sender and the admins did, newest first, following new
//! entries unless the user moves off the newest; filtered by level or to one mail; one
//! entry in full (wrapped, scrollable) on Enter, with a jump to its mail.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::i18n::{Txt, messages, worklog};
use crate::model::{Level, LogEntry, LogFilter, MailId};
use crate::time::format_age;
use crate::tui::app::App;
use crate::tui::keys::{Action, Scope, key_for};
use crate::tui::msg::Command;
use crate::tui::widgets::scroll::{self, Scroll};
use crate::tui::widgets::table::ListTable;

/// Work-log entries shown.
pub const LOG_LIMIT: u32 = 500;

/// Rows PgUp/PgDn move in the list.
const PAGE_ROWS: usize = 10;

#[derive(Debug, Clone)]
pub struct WorkLogPane {
    pub entries: Vec<LogEntry>,
    pub min_level: Option<Level>,
    pub mail: Option<MailId>,
    /// The newest entry stays selected and in view as entries arrive.
    pub follow: bool,
    pub selected: usize,
    /// Entries that arrived above the selected one since following stopped.
    pub new_above: usize,
    /// The entry read in full, kept as it was opened (the list may drop it).
    pub open: Option<LogEntry>,
    pub open_scroll: Scroll,
    /// How far the open entry scrolls at the screen's size (set before each key).
    pub open_max: u16,
}

impl Default for WorkLogPane {
    fn default() -> Self {
        WorkLogPane {
            entries: Vec::new(),
            min_level: None,
            mail: None,
            follow: true,
            selected: 0,
            new_above: 0,
            open: None,
            open_scroll: Scroll::default(),
            open_max: 0,
        }
    }
}
impl WorkLogPane {
    pub fn scope(&self) -> Scope {
        if self.open.is_some() {
            Scope::LogEntry
        } else {
            Scope::WorkLog
        }
    }

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
        let old_top = self.entries.first().map(|e| e.id);
        if !self.follow
            && let Some(top) = old_top
        {
            self.new_above += entries.iter().take_while(|e| e.id > top).count();
        }
        self.entries = entries;
        self.selected = if self.follow {
            0
        } else {
            keep.and_then(|id| self.entries.iter().position(|e| e.id == id))
                .unwrap_or(0)
        };
    }

    /// The mail of the entry read in full, if it names one.
    pub fn open_mail(&self) -> Option<MailId> {
        self.open.as_ref().and_then(|e| e.mail_id)
    }

    fn select(&mut self, to: usize) {
        self.selected = to.min(self.entries.len().saturating_sub(1));
        self.follow = self.selected == 0;
        if self.follow {
            self.new_above = 0;
        }
    }

    pub fn act(&mut self, a: Action) -> Vec<Command> {
        if self.open.is_some() {
            if a == Action::Back {
                self.open = None;
            } else {
                self.open_scroll.act(a, self.open_max, PAGE_ROWS as u16);
            }
            return Vec::new();
        }
        match a {
            Action::Up => self.select(self.selected.saturating_sub(1)),
            Action::Down => self.select(self.selected + 1),
            Action::PageUp => self.select(self.selected.saturating_sub(PAGE_ROWS)),
            Action::PageDown => self.select(self.selected + PAGE_ROWS),
            Action::Top => self.select(0),
            Action::Open => {
                self.open = self.entries.get(self.selected).cloned();
                self.open_scroll = Scroll::default();
            }
            Action::Level => {
                self.min_level = match self.min_level {
                    None => Some(Level::Warn),
                    Some(Level::Warn) => Some(Level::Error),
                    _ => None,
                };
                return vec![Command::LoadLog(self.filter())];
            }
            Action::MailOnly => {
                self.mail = match self.mail {
                    Some(_) => None,
                    None => self.entries.get(self.selected).and_then(|e| e.mail_id),
                };
                return vec![Command::LoadLog(self.filter())];
            }
            Action::Follow => {
                if self.follow {
                    self.follow = false;
                } else {
                    self.select(0);
                }
            }
            _ => {}
        }
        Vec::new()
    }
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    if app.log.open.is_some() {
        draw_entry(f, app, area);
        return;
    }
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
    let follow_key = key_for(Scope::WorkLog, Action::Follow);
    if app.log.follow {
        spans.push(Span::styled(
            format!("  {} ({follow_key})", Txt::Following.t(lang)),
            app.theme.ok(),
        ));
    } else {
        spans.push(Span::styled(
            format!("  {} ({follow_key})", Txt::NotFollowing.t(lang)),
            app.theme.muted(),
        ));
        if app.log.new_above > 0 {
            spans.push(Span::styled(
                format!(
                    "  {}",
                    messages::mails_above(
                        app.log.new_above as i64,
                        false,
                        key_for(Scope::WorkLog, Action::Top),
                        lang
                    )
                ),
                app.theme.warn(),
            ));
        }
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
            let style = level_style(app, e.level);
            let msg = match e.detail_beyond_message() {
                Some(d) => format!(
                    "{} — {}",
                    worklog::message(&e.message, lang),
                    crate::i18n::foreign::text(d, lang)
                ),
                None => worklog::message(&e.message, lang).into_owned(),
            };
            let base = app.theme.base();
            vec![
                (format_age(app.now - e.time), base),
                (worklog::level(e.level, lang).to_string(), style),
                (worklog::source(&e.source, lang).to_string(), base),
                (e.mail_id.map(|m| m.to_string()).unwrap_or_default(), base),
                (msg, base),
            ]
        },
    );
}

fn level_style(app: &App, level: Level) -> ratatui::style::Style {
    match level {
        Level::Error => app.theme.error(),
        Level::Warn => app.theme.warn(),
        Level::Info => app.theme.base(),
    }
}

/// The open entry as lines: every field, the message and its detail in full.
fn entry_lines(app: &App, e: &LogEntry) -> Vec<Line<'static>> {
    let lang = app.lang;
    let field = |label: Txt, value: String| {
        Line::from(vec![
            Span::styled(format!("{:<9}", label.t(lang)), app.theme.muted()),
            Span::raw(value),
        ])
    };
    let mut lines = vec![
        field(Txt::ColTimeFull, app.clock.full(e.time)),
        Line::from(vec![
            Span::styled(format!("{:<9}", Txt::ColLevel.t(lang)), app.theme.muted()),
            Span::styled(worklog::level(e.level, lang), level_style(app, e.level)),
        ]),
        field(Txt::ColSource, worklog::source(&e.source, lang).to_string()),
    ];
    if let Some(m) = e.mail_id {
        lines.push(field(
            Txt::ColMail,
            format!(
                "#{m} ({}: {})",
                key_for(Scope::LogEntry, Action::GoMail),
                Txt::KGoMail.t(lang)
            ),
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(Txt::Message.t(lang), app.theme.title()));
    lines.extend(
        worklog::message(&e.message, lang)
            .lines()
            .map(|l| Line::from(format!("  {l}"))),
    );
    if let Some(d) = e.detail_beyond_message() {
        lines.push(Line::styled(Txt::Detail.t(lang), app.theme.title()));
        lines.extend(
            crate::i18n::foreign::text(d, lang)
                .lines()
                .map(|l| Line::from(format!("  {l}"))),
        );
    }
    lines
}

/// How far the open entry scrolls at the app's size.
pub fn entry_max(app: &App) -> u16 {
    match &app.log.open {
        Some(e) => scroll::max_offset(
            &entry_lines(app, e),
            app.width,
            super::queue::detail_room(app.height),
        ),
        None => 0,
    }
}

fn draw_entry(f: &mut Frame, app: &App, area: Rect) {
    let Some(e) = &app.log.open else { return };
    scroll::draw(
        f,
        area,
        entry_lines(app, e),
        app.log.open_scroll,
        &format!(" {} #{} ", Txt::LogEntryTitle.t(app.lang), e.id),
        app.theme.muted(),
    );
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use crate::i18n::Lang;
    use crate::model::{Level, LogEntry};
    use crate::tui::app::{App, Pane};
    use crate::tui::keys::Scope;
    use crate::tui::msg::{Command, Msg};
    use crate::tui::theme::Theme;

    fn entry(id: i64, mail: Option<i64>) -> LogEntry {
        LogEntry {
            id,
            time: 0,
            level: Level::Warn,
            source: "sender".into(),
            mail_id: mail,
            message: format!("entry {id} ") + &"long words ".repeat(40),
            detail: Some((0..30).map(|i| format!("line {i}\n")).collect()),
        }
    }

    fn key(a: &mut App, c: KeyCode) -> Vec<Command> {
        a.update(Msg::Key(KeyEvent::new(c, KeyModifiers::NONE)))
    }

    fn loaded(a: &mut App, ids: &[i64]) {
        let filter = a.log_filter();
        a.update(Msg::LogLoaded {
            filter,
            entries: ids.iter().map(|i| entry(*i, Some(i * 10))).collect(),
        });
    }

    fn log_app() -> App {
        let mut a = App::new(Lang::En, Theme::default(), 0);
        a.start();
        a.width = 80;
        a.height = 24;
        key(&mut a, KeyCode::Char('3'));
        assert_eq!(a.pane, Pane::WorkLog);
        a
    }

    #[test]
    fn follow_keeps_the_newest_and_off_counts_what_arrived() {
        let mut a = log_app();
        loaded(&mut a, &[3, 2, 1]);
        assert!(a.log.follow);
        loaded(&mut a, &[4, 3, 2, 1]);
        assert_eq!(a.log.selected, 0, "following: the newest is selected");
        // Moving off the newest stops following; arrivals are counted above.
        key(&mut a, KeyCode::Down);
        assert!(!a.log.follow);
        loaded(&mut a, &[6, 5, 4, 3, 2, 1]);
        assert_eq!(a.log.entries[a.log.selected].id, 3, "held on its entry");
        assert_eq!(a.log.new_above, 2);
        // F follows again: to the newest, the count gone.
        key(&mut a, KeyCode::Char('F'));
        assert!(a.log.follow);
        assert_eq!((a.log.selected, a.log.new_above), (0, 0));
        // F again stops following where the selection is.
        key(&mut a, KeyCode::Char('F'));
        assert!(!a.log.follow);
        loaded(&mut a, &[7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(a.log.entries[a.log.selected].id, 6);
        // g goes to the newest and follows.
        key(&mut a, KeyCode::Char('g'));
        assert!(a.log.follow);
    }

    #[test]
    fn an_entry_opens_in_full_scrolls_steps_back_and_jumps_to_its_mail() {
        let mut a = log_app();
        loaded(&mut a, &[3, 2, 1]);
        key(&mut a, KeyCode::Down);
        key(&mut a, KeyCode::Enter);
        assert_eq!(a.scope(), Scope::LogEntry);
        assert_eq!(a.log.open.as_ref().map(|e| e.id), Some(2));
        // The entry is taller than the screen: it scrolls, and not past its end.
        for _ in 0..200 {
            key(&mut a, KeyCode::Down);
        }
        let max = super::entry_max(&a);
        assert!(max > 0);
        assert_eq!(a.log.open_scroll.offset, max);
        // An arriving entry does not close or change the one being read.
        loaded(&mut a, &[4, 3, 2, 1]);
        assert_eq!(a.log.open.as_ref().map(|e| e.id), Some(2));
        // q steps back out of the entry; it does not quit.
        key(&mut a, KeyCode::Char('q'));
        assert!(!a.quit);
        assert_eq!(a.scope(), Scope::WorkLog);
        // m opens the entry's mail in the queue pane, though the list does not show it.
        key(&mut a, KeyCode::Enter);
        let cmds = key(&mut a, KeyCode::Char('m'));
        assert_eq!(a.pane, Pane::Queue);
        assert!(cmds.contains(&Command::LoadDetail(20)), "{cmds:?}");
        let mail = crate::model::Mail {
            id: 20,
            ..crate::model::Mail::sample()
        };
        a.update(Msg::DetailLoaded(Box::new(crate::model::MailDetail {
            mail,
            attachments: Vec::new(),
            log: Vec::new(),
        })));
        assert_eq!(a.queue.detail.as_ref().map(|d| d.mail.id), Some(20));
        assert_eq!(a.scope(), Scope::Detail);
    }
}
