//! The mail queue: a live list with filters and search, details, the queue shape, and
//! the actions on the mails the user chose (the marked ones, else the one selected).

use std::collections::BTreeSet;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};

use super::Ctx;
use crate::i18n::Txt;
use crate::model::Level;
use crate::queue::{
    Cursor, MailAction, MailDetail, MailId, MailQuery, MailStatus, MailSummary, QueueShape,
    StatusFilter,
};
use crate::time::{format_age, format_rfc3339};
use crate::tui::app::App;
use crate::tui::keys::{Action, Scope, action_for};
use crate::tui::modal::{Ask, Modal, Prompt, PromptKind};
use crate::tui::msg::Command;
use crate::tui::widgets::input;
use crate::tui::widgets::table::ListTable;

/// Rows fetched per page of the queue.
pub const PAGE: u32 = 200;

/// The status filters in the order `f` walks them.
pub const FILTERS: [StatusFilter; 7] = [
    StatusFilter::All,
    StatusFilter::Status(MailStatus::Pending),
    StatusFilter::Held,
    StatusFilter::Status(MailStatus::Sending),
    StatusFilter::Status(MailStatus::Failed),
    StatusFilter::Status(MailStatus::Sent),
    StatusFilter::Status(MailStatus::Cancelled),
];

pub fn filter_label(f: StatusFilter) -> Txt {
    match f {
        StatusFilter::All => Txt::All,
        StatusFilter::Held => Txt::Held,
        StatusFilter::Status(MailStatus::Pending) => Txt::Pending,
        StatusFilter::Status(MailStatus::Sending) => Txt::Sending,
        StatusFilter::Status(MailStatus::Sent) => Txt::Sent,
        StatusFilter::Status(MailStatus::Failed) => Txt::Failed,
        StatusFilter::Status(MailStatus::Cancelled) => Txt::Cancelled,
    }
}

#[derive(Debug, Clone, Default)]
pub struct QueuePane {
    pub filter: StatusFilter,
    pub search: Option<String>,
    /// Text being typed after `/`.
    pub search_input: Option<String>,
    /// The page shown and the pages above it (for paging back up).
    pub cursor: Option<Cursor>,
    pub cursor_stack: Vec<Option<Cursor>>,
    pub rows: Vec<MailSummary>,
    pub selected: usize,
    pub selected_id: Option<MailId>,
    pub marked: BTreeSet<MailId>,
    pub detail: Option<MailDetail>,
    pub frozen: bool,
    /// Changes seen while frozen.
    pub new_since_frozen: u64,
    pub show_shape: bool,
    pub shape: Option<QueueShape>,
    pub oldest_first: bool,
    pub loading: bool,
    /// A change arrived while a load was running: load again when it returns.
    pub stale: bool,
}
impl QueuePane {
    pub fn scope(&self) -> Scope {
        if self.detail.is_some() {
            Scope::Detail
        } else if self.show_shape {
            Scope::Shape
        } else {
            Scope::Queue
        }
    }

    pub fn query(&self) -> MailQuery {
        MailQuery {
            status: self.filter,
            search: self.search.clone(),
            cursor: self.cursor,
            limit: PAGE,
            oldest_first: self.oldest_first,
        }
    }

    pub fn reload(&mut self) -> Vec<Command> {
        self.loading = true;
        self.stale = false;
        vec![Command::LoadQueue(self.query())]
    }

    pub fn loaded(&mut self, query: MailQuery, rows: Vec<MailSummary>) -> Vec<Command> {
        if query != self.query() {
            // An answer to a query no longer shown (the filter changed meanwhile).
            return Vec::new();
        }
        self.loading = false;
        self.rows = rows;
        // The selection follows its mail across refreshes.
        self.selected = self
            .selected_id
            .and_then(|id| self.rows.iter().position(|r| r.id == id))
            .unwrap_or_else(|| self.selected.min(self.rows.len().saturating_sub(1)));
        self.selected_id = self.rows.get(self.selected).map(|r| r.id);
        if self.stale {
            return self.reload();
        }
        Vec::new()
    }

    pub fn detail_loaded(&mut self, d: MailDetail) {
        if self
            .detail
            .as_ref()
            .is_some_and(|old| old.mail.id == d.mail.id)
            || self.selected_id == Some(d.mail.id)
        {
            self.detail = Some(d);
        }
    }

    /// Another process changed something: reload unless frozen (then count it) or a
    /// load is running (then load again when it returns).
    pub fn changed(&mut self) -> Vec<Command> {
        let mut cmds = Vec::new();
        if self.frozen {
            self.new_since_frozen += 1;
        } else if self.loading {
            self.stale = true;
        } else {
            cmds.extend(self.reload());
        }
        cmds.extend(self.refresh_extras());
        cmds
    }

    /// The details and the shape in view, loaded again.
    pub fn refresh_extras(&self) -> Vec<Command> {
        let mut cmds = Vec::new();
        if let Some(d) = &self.detail {
            cmds.push(Command::LoadDetail(d.mail.id));
        }
        if self.show_shape {
            cmds.push(Command::LoadShape);
        }
        cmds
    }

    /// Typing after `/`: Enter searches, Esc leaves the search as it was.
    pub fn search_key(&mut self, k: &KeyEvent) -> Vec<Command> {
        let Some(text) = self.search_input.as_mut() else {
            return Vec::new();
        };
        match action_for(Scope::Search, k) {
            Some(Action::Back) => {
                self.search_input = None;
                Vec::new()
            }
            Some(Action::Submit) => {
                let text = self.search_input.take().unwrap_or_default();
                self.search = Some(text.trim().to_string()).filter(|t| !t.is_empty());
                self.first_page()
            }
            _ => {
                input::edit_line(text, k);
                Vec::new()
            }
        }
    }

    pub fn first_page(&mut self) -> Vec<Command> {
        self.cursor = None;
        self.cursor_stack.clear();
        self.selected = 0;
        self.selected_id = None;
        self.reload()
    }

    /// The mails an action applies to: the marked ones, else the selected one.
    fn targets(&self) -> Vec<MailId> {
        if let Some(d) = &self.detail {
            return vec![d.mail.id];
        }
        if !self.marked.is_empty() {
            return self.marked.iter().copied().collect();
        }
        self.selected_id.into_iter().collect()
    }

    fn mail_action(&mut self, action: MailAction, ctx: &mut Ctx) -> Vec<Command> {
        let ids = self.targets();
        if ids.is_empty() {
            return Vec::new();
        }
        match action {
            // Destructive: ask first.
            MailAction::Delete | MailAction::Cancel => {
                ctx.open(Modal::Confirm(Ask::Mails { action, ids }));
                Vec::new()
            }
            // Sending a sent or cancelled mail again reaches every recipient once more:
            // ask first, naming the mails and where they go.
            MailAction::Retry if ids.iter().any(|id| self.resends(*id)) => {
                let mails = ids.iter().map(|id| (*id, self.recipients(*id))).collect();
                ctx.open(Modal::Confirm(Ask::Resend { ids, mails }));
                Vec::new()
            }
            _ => vec![Command::Act(action, ids)],
        }
    }

    /// A mail's status and recipients as this pane knows them (its details, else its
    /// row); None for a mail not in view.
    fn known(&self, id: MailId) -> Option<(MailStatus, &str)> {
        match &self.detail {
            Some(d) if d.mail.id == id => Some((d.mail.status, d.mail.to.as_str())),
            _ => self
                .rows
                .iter()
                .find(|r| r.id == id)
                .map(|r| (r.status, r.to.as_str())),
        }
    }

    /// Whether retrying this mail sends it again: sent or cancelled, or not in view
    /// (a mark kept from another page), which is asked about rather than guessed.
    fn resends(&self, id: MailId) -> bool {
        self.known(id)
            .is_none_or(|(s, _)| matches!(s, MailStatus::Sent | MailStatus::Cancelled))
    }

    fn recipients(&self, id: MailId) -> String {
        self.known(id)
            .map(|(_, to)| to.to_string())
            .unwrap_or_default()
    }

    fn move_selection(&mut self, delta: isize) {
        let len = self.rows.len();
        if len == 0 {
            return;
        }
        let next = (self.selected as isize + delta).clamp(0, len as isize - 1) as usize;
        self.selected = next;
        self.selected_id = self.rows.get(next).map(|r| r.id);
    }

    pub fn act(&mut self, a: Action, ctx: &mut Ctx) -> Vec<Command> {
        let visible = usize::from(ctx.height.saturating_sub(9)).max(1) as isize;
        match a {
            Action::Sort => {
                self.oldest_first = !self.oldest_first;
                self.first_page()
            }
            Action::SaveEml => {
                let id = self.detail.as_ref().map(|d| d.mail.id).or(self.selected_id);
                // Ask where, with a name in the console's folder ready to accept.
                if let Some(id) = id {
                    let mut prompt = Prompt::new(PromptKind::SaveEml(id), ctx.lang);
                    if let Some(f) = prompt.form.get_mut("path") {
                        f.set(&serde_json::Value::String(format!("mail-{id}.eml")));
                    }
                    ctx.open(Modal::Prompt(prompt));
                }
                Vec::new()
            }
            Action::Up => {
                self.move_selection(-1);
                Vec::new()
            }
            Action::Down => {
                self.move_selection(1);
                Vec::new()
            }
            Action::PageDown => {
                if self.selected + 1 < self.rows.len() {
                    self.move_selection(visible);
                    return Vec::new();
                }
                // At the end of this page: fetch the next one by keyset.
                match self.rows.last() {
                    Some(last) if self.rows.len() as u32 == PAGE => {
                        self.cursor_stack.push(self.cursor);
                        self.cursor = Some(Cursor::Before(last.id));
                        self.selected = 0;
                        self.selected_id = None;
                        self.reload()
                    }
                    _ => Vec::new(),
                }
            }
            Action::PageUp => {
                if self.selected > 0 {
                    self.move_selection(-visible);
                    return Vec::new();
                }
                match self.cursor_stack.pop() {
                    Some(previous) => {
                        self.cursor = previous;
                        self.selected = 0;
                        self.selected_id = None;
                        self.reload()
                    }
                    None => Vec::new(),
                }
            }
            Action::Top => self.first_page(),
            Action::Open => match self.selected_id {
                Some(id) => vec![Command::LoadDetail(id)],
                None => Vec::new(),
            },
            Action::Back => {
                self.detail = None;
                Vec::new()
            }
            Action::Search => {
                self.search_input = Some(self.search.clone().unwrap_or_default());
                Vec::new()
            }
            Action::NextFilter | Action::PrevFilter => {
                let i = FILTERS.iter().position(|f| *f == self.filter).unwrap_or(0);
                let n = FILTERS.len();
                let j = if a == Action::NextFilter {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.filter = FILTERS[j];
                self.marked.clear();
                self.first_page()
            }
            Action::Mark => {
                if let Some(id) = self.selected_id
                    && !self.marked.remove(&id)
                {
                    self.marked.insert(id);
                }
                self.move_selection(1);
                Vec::new()
            }
            Action::Retry => self.mail_action(MailAction::Retry, ctx),
            Action::Hold => self.mail_action(MailAction::Hold, ctx),
            Action::Release => self.mail_action(MailAction::Release, ctx),
            Action::Cancel => self.mail_action(MailAction::Cancel, ctx),
            Action::Delete => self.mail_action(MailAction::Delete, ctx),
            Action::PauseResume => vec![Command::SetPaused(!ctx.paused)],
            Action::Freeze => {
                self.frozen = !self.frozen;
                if !self.frozen && self.new_since_frozen > 0 {
                    self.new_since_frozen = 0;
                    return self.reload();
                }
                Vec::new()
            }
            Action::Shape => {
                self.show_shape = !self.show_shape;
                if self.show_shape {
                    vec![Command::LoadShape]
                } else {
                    Vec::new()
                }
            }
            _ => Vec::new(),
        }
    }
}

/// The list, the details of one mail, or the queue shape.
pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    if app.queue.detail.is_some() {
        draw_detail(f, app, area);
    } else if app.queue.show_shape {
        draw_shape(f, app, area);
    } else {
        draw_queue(f, app, area);
    }
}

fn status_text(app: &App, status: MailStatus, held: bool) -> (String, Style) {
    let (txt, style) = match (status, held) {
        (MailStatus::Pending, true) => (Txt::Held, app.theme.warn()),
        (MailStatus::Pending, false) => (Txt::Pending, app.theme.accent()),
        (MailStatus::Sending, _) => (Txt::Sending, app.theme.accent()),
        (MailStatus::Sent, _) => (Txt::Sent, app.theme.ok()),
        (MailStatus::Failed, _) => (Txt::Failed, app.theme.error()),
        (MailStatus::Cancelled, _) => (Txt::Cancelled, app.theme.muted()),
    };
    (txt.t(app.lang).to_string(), style)
}

fn size_text(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{} KB", b / 1024),
        b => format!("{:.1} MB", b as f64 / 1_048_576.0),
    }
}

fn draw_queue(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let [filters, table_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    // Every filter with its count; where that does not fit, counts only on the chosen one.
    let strip = |all_counts: bool| -> Vec<Span<'static>> {
        FILTERS
            .iter()
            .map(|flt| {
                let chosen = *flt == app.queue.filter;
                let label = if all_counts || chosen {
                    format!(
                        " {} {} ",
                        filter_label(*flt).t(lang),
                        app.overview.counts.get(*flt)
                    )
                } else {
                    format!(" {} ", filter_label(*flt).t(lang))
                };
                Span::styled(
                    label,
                    if chosen {
                        app.theme.selection()
                    } else {
                        app.theme.muted()
                    },
                )
            })
            .collect()
    };
    let mut spans = strip(true);
    if spans
        .iter()
        .map(|s| s.content.chars().count())
        .sum::<usize>()
        > filters.width as usize
    {
        spans = strip(false);
    }
    if let Some(s) = &app.queue.search {
        spans.push(Span::styled(format!(" /{s}"), app.theme.accent()));
    }
    if app.queue.oldest_first {
        spans.push(Span::styled(
            format!(" ↑ {}", Txt::OldestFirst.t(lang)),
            app.theme.accent(),
        ));
    }
    if app.queue.frozen {
        spans.push(Span::styled(
            format!(
                " {} ({} {})",
                Txt::Frozen.t(lang),
                app.queue.new_since_frozen,
                Txt::NewSinceFrozen.t(lang)
            ),
            app.theme.warn(),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), filters);

    if app.queue.rows.is_empty() {
        let text = if app.queue.loading {
            Txt::Loading
        } else {
            Txt::NoMails
        };
        f.render_widget(
            Paragraph::new(text.t(lang)).style(app.theme.muted()),
            table_area,
        );
        return;
    }
    let table = ListTable {
        columns: &[
            Txt::ColId,
            Txt::ColStatus,
            Txt::ColTries,
            Txt::ColAge,
            Txt::ColNext,
            Txt::ColTo,
            Txt::ColSubject,
            Txt::ColSize,
        ],
        widths: &[
            Constraint::Length(8),
            Constraint::Length(10),
            Constraint::Length(5),
            Constraint::Length(4),
            Constraint::Length(8),
            Constraint::Fill(2),
            Constraint::Fill(3),
            Constraint::Length(8),
        ],
        spacing: 1,
    };
    table.draw(
        f,
        app,
        table_area,
        &app.queue.rows,
        app.queue.selected,
        |r| {
            let (status, status_style) = status_text(app, r.status, r.held);
            let next = if r.status == MailStatus::Pending && !r.held {
                if r.next_attempt_at <= app.now {
                    Txt::Now.t(lang).to_string()
                } else {
                    format_age(r.next_attempt_at - app.now)
                }
            } else {
                "-".into()
            };
            let mark = if app.queue.marked.contains(&r.id) {
                "●"
            } else {
                " "
            };
            Row::new(vec![
                Cell::from(format!("{mark}{}", r.id)),
                Cell::from(status).style(status_style),
                Cell::from(r.attempts.to_string()),
                Cell::from(format_age(app.now - r.created_at)),
                Cell::from(next),
                Cell::from(r.to.clone()),
                // A row another program wrote badly: shown lossily, and said so.
                Cell::from(if r.damaged.is_empty() {
                    r.subject.clone()
                } else {
                    format!("⚠ {}", r.subject)
                }),
                Cell::from(format!(
                    "{}{}",
                    size_text(r.size),
                    if r.attachment_count > 0 {
                        format!(" +{}", r.attachment_count)
                    } else {
                        String::new()
                    }
                )),
            ])
        },
    );
}

fn draw_detail(f: &mut Frame, app: &App, area: Rect) {
    let Some(d) = &app.queue.detail else { return };
    let lang = app.lang;
    let m = &d.mail;
    let (status, style) = status_text(app, m.status, m.held);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("#{}  ", m.id), app.theme.title()),
            Span::styled(status, style),
            Span::raw(format!("  {} {}", Txt::ColTries.t(lang), m.attempts)),
        ]),
        Line::from(format!(
            "From:     {}",
            m.from_address.as_deref().unwrap_or("(mail account)")
        )),
        Line::from(format!("To:       {}", m.to)),
    ];
    if !m.cc.is_empty() {
        lines.push(Line::from(format!("Cc:       {}", m.cc)));
    }
    if !m.bcc.is_empty() {
        lines.push(Line::from(format!("Bcc:      {}", m.bcc)));
    }
    lines.push(Line::from(format!("Subject:  {}", m.subject)));
    if !m.damaged.is_empty() {
        lines.push(Line::styled(
            format!("⚠ {}", m.damaged.join("; ")),
            app.theme.error(),
        ));
    }
    lines.push(Line::from(format!(
        "Created:  {}",
        format_rfc3339(m.created_at)
    )));
    if let (Some(at), Some(by)) = (m.sent_at, &m.sent_by) {
        lines.push(Line::from(format!(
            "Sent:     {} by {by}",
            format_rfc3339(at)
        )));
    }
    if let Some(id) = &m.message_id {
        lines.push(Line::from(format!("Message-ID: {id}")));
    }
    if let Some(e) = &m.last_error {
        lines.push(Line::styled(
            format!("{}: {e}", Txt::Error.t(lang)),
            app.theme.error(),
        ));
    }
    if !d.attachments.is_empty() {
        lines.push(Line::styled(Txt::Attachments.t(lang), app.theme.title()));
        for a in &d.attachments {
            lines.push(Line::from(format!(
                "  {}  {}  {}",
                a.file_name,
                a.content_type,
                size_text(a.size)
            )));
        }
    }
    if !d.log.is_empty() {
        lines.push(Line::styled(Txt::History.t(lang), app.theme.title()));
        for e in &d.log {
            let style = match e.level {
                Level::Error => app.theme.error(),
                Level::Warn => app.theme.warn(),
                Level::Info => app.theme.base(),
            };
            let detail = e
                .detail
                .as_deref()
                .map(|d| format!(" — {d}"))
                .unwrap_or_default();
            lines.push(Line::styled(
                format!("  {}  {}{detail}", format_rfc3339(e.time), e.message),
                style,
            ));
        }
    }
    lines.push(Line::styled(Txt::Body.t(lang), app.theme.title()));
    lines.extend(m.body_text.lines().map(|l| Line::from(format!("  {l}"))));
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::TOP)),
        area,
    );
}

fn draw_shape(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let Some(s) = &app.queue.shape else {
        f.render_widget(
            Paragraph::new(Txt::Loading.t(lang)).style(app.theme.muted()),
            area,
        );
        return;
    };
    let table = shape_table(app, s);
    f.render_widget(
        table.block(
            Block::default()
                .borders(Borders::TOP)
                .title(Txt::QueueShape.t(lang)),
        ),
        area,
    );
}

fn shape_table<'a>(app: &App, s: &'a QueueShape) -> Table<'a> {
    let mut header = vec![Cell::from(Txt::Domain.t(app.lang)), Cell::from("T")];
    header.extend(s.buckets.iter().map(|b| Cell::from(b.as_str())));
    let rows = std::iter::once(&s.total).chain(s.rows.iter()).map(|r| {
        let mut cells = vec![
            Cell::from(if r.domain == "TOTAL" {
                Txt::Total.t(app.lang).to_string()
            } else {
                r.domain.clone()
            }),
            Cell::from(r.total.to_string()),
        ];
        cells.extend(r.counts.iter().map(|n| Cell::from(n.to_string())));
        Row::new(cells)
    });
    let mut widths = vec![Constraint::Min(16), Constraint::Length(6)];
    widths.extend(s.buckets.iter().map(|_| Constraint::Length(5)));
    Table::new(rows, widths).header(Row::new(header).style(app.theme.title()))
}

#[cfg(test)]
mod tests {

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use crate::i18n::Lang;
    use crate::model::{
        Cursor, MailAction, MailId, MailQuery, MailStatus, MailSummary, StatusFilter,
    };

    use crate::tui::app::{App, PAGE};
    use crate::tui::modal::{Ask, Modal};
    use crate::tui::msg::{Command, Msg};
    use crate::tui::theme::Theme;

    #[test]
    fn save_eml_asks_where_first() {
        let mut a = App::new(Lang::En, Theme::default(), 0);
        a.start();
        let q = a.queue_query();
        a.update(Msg::QueueLoaded {
            query: q,
            rows: vec![summary(7)],
        });
        let key =
            |a: &mut App, c: KeyCode| a.update(Msg::Key(KeyEvent::new(c, KeyModifiers::NONE)));
        assert!(
            key(&mut a, KeyCode::Char('e')).is_empty(),
            "nothing written yet"
        );
        assert!(matches!(a.modal, Some(Modal::Prompt(_))));
        let cmds = key(&mut a, KeyCode::Enter);
        assert!(
            matches!(&cmds[..], [Command::SaveEml { id: 7, path }] if path == "mail-7.eml"),
            "{cmds:?}"
        );
        key(&mut a, KeyCode::Char('e'));
        assert!(key(&mut a, KeyCode::Esc).is_empty(), "Esc writes nothing");
        assert!(a.modal.is_none());
    }

    fn summary(id: MailId) -> MailSummary {
        MailSummary {
            id,
            status: MailStatus::Pending,
            held: false,
            priority: 0,
            to: "a@b.pl".into(),
            subject: format!("m{id}"),
            attempts: 0,
            created_at: 0,
            next_attempt_at: 0,
            sent_at: None,
            last_error: None,
            claimed_by: None,
            size: 10,
            attachment_count: 0,
            damaged: Vec::new(),
        }
    }

    fn key(c: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
    }

    fn loaded(app: &mut App, ids: &[MailId]) {
        let q = app.queue_query();
        app.update(Msg::QueueLoaded {
            query: q,
            rows: ids.iter().map(|i| summary(*i)).collect(),
        });
    }

    fn app() -> App {
        let mut a = App::new(Lang::En, Theme::default(), 0);
        a.start();
        a
    }

    #[test]
    fn selection_stays_on_its_mail_across_refreshes() {
        let mut a = app();
        loaded(&mut a, &[5, 4, 3]);
        a.update(key(KeyCode::Down));
        assert_eq!(a.queue.selected_id, Some(4));
        // A new mail arrives on top: the selection follows mail 4.
        let cmds = a.update(Msg::Changed);
        assert!(cmds.iter().any(|c| matches!(c, Command::LoadQueue(_))));
        loaded(&mut a, &[6, 5, 4, 3]);
        assert_eq!((a.queue.selected, a.queue.selected_id), (2, Some(4)));
    }

    #[test]
    fn freeze_counts_changes_and_reloads_when_thawed() {
        let mut a = app();
        loaded(&mut a, &[1]);
        a.update(key(KeyCode::Char('z')));
        let cmds = a.update(Msg::Changed);
        assert!(!cmds.iter().any(|c| matches!(c, Command::LoadQueue(_))));
        a.update(Msg::Changed);
        assert_eq!(a.queue.new_since_frozen, 2);
        let cmds = a.update(key(KeyCode::Char('z')));
        assert!(matches!(cmds[..], [Command::LoadQueue(_)]));
    }

    #[test]
    fn destructive_actions_ask_first_and_marks_are_bulk() {
        let mut a = app();
        loaded(&mut a, &[3, 2, 1]);
        a.update(key(KeyCode::Char(' ')));
        a.update(key(KeyCode::Char(' ')));
        assert_eq!(a.queue.marked.iter().copied().collect::<Vec<_>>(), [2, 3]);
        assert!(a.update(key(KeyCode::Char('d'))).is_empty());
        assert!(matches!(
            &a.modal,
            Some(Modal::Confirm(Ask::Mails {
                action: MailAction::Delete,
                ids
            })) if *ids == [2, 3]
        ));
        // Anything but yes cancels.
        assert!(a.update(key(KeyCode::Char('n'))).is_empty());
        assert!(a.modal.is_none());
        a.update(key(KeyCode::Char('d')));
        let cmds = a.update(key(KeyCode::Char('y')));
        assert_eq!(cmds, vec![Command::Act(MailAction::Delete, vec![2, 3])]);
        // Retry needs no confirmation.
        let cmds = a.update(key(KeyCode::Char('r')));
        assert_eq!(cmds, vec![Command::Act(MailAction::Retry, vec![2, 3])]);
    }

    #[test]
    fn sending_a_sent_mail_again_asks_first_and_names_it() {
        let mut a = app();
        let mut sent = summary(9);
        sent.status = MailStatus::Sent;
        sent.to = "jan@firma.pl".into();
        let q = a.queue_query();
        a.update(Msg::QueueLoaded {
            query: q,
            rows: vec![sent, summary(8)],
        });
        assert!(
            a.update(key(KeyCode::Char('r'))).is_empty(),
            "asked, not sent"
        );
        match &a.modal {
            Some(Modal::Confirm(Ask::Resend { ids, mails })) => {
                assert_eq!(ids, &[9]);
                assert_eq!(mails, &[(9, "jan@firma.pl".to_string())]);
            }
            _ => panic!("no question"),
        }
        // No sends it nowhere; yes sends exactly that mail.
        assert!(a.update(key(KeyCode::Esc)).is_empty());
        a.update(key(KeyCode::Char('r')));
        assert_eq!(
            a.update(key(KeyCode::Char('y'))),
            vec![Command::Act(MailAction::Retry, vec![9])]
        );
        // A pending mail is retried at once.
        a.update(key(KeyCode::Down));
        assert_eq!(
            a.update(key(KeyCode::Char('r'))),
            vec![Command::Act(MailAction::Retry, vec![8])]
        );
    }

    #[test]
    fn typing_q_in_search_does_not_quit() {
        let mut a = app();
        a.update(key(KeyCode::Char('/')));
        a.update(key(KeyCode::Char('q')));
        assert!(!a.quit);
        let cmds = a.update(key(KeyCode::Enter));
        assert_eq!(a.queue.search.as_deref(), Some("q"));
        assert!(matches!(&cmds[..], [Command::LoadQueue(q)] if q.search.as_deref() == Some("q")));
        a.update(key(KeyCode::Char('q')));
        assert!(a.quit);
    }

    #[test]
    fn filters_and_keyset_paging() {
        let mut a = app();
        let cmds = a.update(key(KeyCode::Char('f')));
        assert!(
            matches!(&cmds[..], [Command::LoadQueue(q)] if q.status == StatusFilter::Status(MailStatus::Pending))
        );
        let ids: Vec<MailId> = (1..=PAGE as i64).rev().map(|i| i + 1000).collect();
        loaded(&mut a, &ids);
        a.queue.selected = ids.len() - 1;
        let cmds = a.update(key(KeyCode::PageDown));
        assert!(
            matches!(&cmds[..], [Command::LoadQueue(q)] if q.cursor == Some(Cursor::Before(1001)))
        );
        loaded(&mut a, &[1000, 999]);
        let cmds = a.update(key(KeyCode::PageUp));
        assert!(matches!(&cmds[..], [Command::LoadQueue(q)] if q.cursor.is_none()));
        // A late answer for another query is ignored.
        let stale = MailQuery {
            status: StatusFilter::Held,
            ..a.queue_query()
        };
        a.update(Msg::QueueLoaded {
            query: stale,
            rows: vec![summary(77)],
        });
        assert!(a.queue.rows.iter().all(|r| r.id != 77));
    }
}
