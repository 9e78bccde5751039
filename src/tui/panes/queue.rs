//! The mail queue: a live list with filters and search, details, the queue shape, and
//! the actions on the mails the user chose (the marked ones, else the one selected).

use std::collections::BTreeSet;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use super::Ctx;
use crate::i18n::{Txt, messages};
use crate::model::Level;
use crate::model::filter::{Filter, FilterError, StatusValue, Term, Test, complete};
use crate::queue::Breakdown;
use crate::queue::{
    Cursor, Mail, MailAction, MailDetail, MailId, MailQuery, MailStatus, MailSummary, QueueShape,
    StatusFilter,
};
use crate::time::format_age;
use crate::tui::app::App;
use crate::tui::keys::{Action, Scope, action_for, key_for};
use crate::tui::modal::{Ask, Modal, Picker, PickerKind, Prompt, PromptKind};
use crate::tui::msg::Command;
use crate::tui::panes::error_groups::ErrorGroupsView;
use crate::tui::why;
use crate::tui::widgets::input::LineInput;
use crate::tui::widgets::scroll::{self, Scroll};
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

/// A filter's name for a narrow strip.
fn filter_short(f: StatusFilter) -> Txt {
    match f {
        StatusFilter::All => Txt::AllShort,
        StatusFilter::Held => Txt::HeldShort,
        StatusFilter::Status(MailStatus::Pending) => Txt::PendingShort,
        StatusFilter::Status(MailStatus::Sending) => Txt::SendingShort,
        StatusFilter::Status(MailStatus::Sent) => Txt::SentShort,
        StatusFilter::Status(MailStatus::Failed) => Txt::FailedShort,
        StatusFilter::Status(MailStatus::Cancelled) => Txt::CancelledShort,
    }
}

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

/// How many of the newest mails the console's search reads when no index serves it:
/// a page and its count stay within about 50 ms at a million mails on either database
/// (`queue_bench --filters`), and the header says when the search was limited.
pub const SEARCH_WINDOW: u32 = 40_000;

/// A bulk action by filter under way: how far it has got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkRun {
    pub action: MailAction,
    pub done: u64,
    pub total: i64,
    pub stopping: bool,
}

#[derive(Debug, Clone, Default)]
pub struct QueuePane {
    pub filter: StatusFilter,
    pub search: Option<String>,
    /// The search being typed after `/` (the list follows it as it is typed).
    pub search_input: Option<LineInput>,
    /// How many mails the search matches, in the filter shown (None without a search).
    pub matched: Option<i64>,
    /// The search as the filter language reads it: the last text that parsed, so a
    /// half-typed term never empties the list.
    pub search_filter: Filter,
    /// Where the search text goes wrong (nothing is run while it does).
    pub search_error: Option<FilterError>,
    /// What Tab offered when it could not choose (shown while typing).
    pub completions: Vec<String>,
    /// The bulk action by filter running, if one is.
    pub bulk: Option<BulkRun>,
    /// The filter of the bulk action being asked about, as shown, when it is not the
    /// list's (a domain of the shape).
    pub bulk_shown: Option<String>,
    /// The page shown and the pages above it (for paging back up).
    pub cursor: Option<Cursor>,
    pub cursor_stack: Vec<Option<Cursor>>,
    pub rows: Vec<MailSummary>,
    pub selected: usize,
    pub selected_id: Option<MailId>,
    pub marked: BTreeSet<MailId>,
    pub detail: Option<MailDetail>,
    /// A mail's details asked for from elsewhere (the work log): shown when they come
    /// though the mail is not the one selected in the list.
    pub wanted: Option<MailId>,
    pub detail_scroll: Scroll,
    /// How far the details scroll at the screen's size (set by the app before a key).
    pub detail_max: u16,
    pub frozen: bool,
    /// The newest mail listed when the list was frozen; mails after it are "new".
    pub frozen_after: MailId,
    /// Mails of this list that arrived while frozen.
    pub new_since_frozen: i64,
    pub show_shape: bool,
    pub shape: Option<QueueShape>,
    /// The domain row chosen in the shape.
    pub shape_selected: usize,
    /// The error groups, when shown in place of the list.
    pub errors: Option<ErrorGroupsView>,
    pub oldest_first: bool,
    /// Mails of this list above the page shown (newer ones, newest first).
    pub above: i64,
    pub loading: bool,
    /// A change arrived while a load was running: load again when it returns.
    pub stale: bool,
}
impl QueuePane {
    pub fn scope(&self) -> Scope {
        if self.detail.is_some() {
            Scope::Detail
        } else if self.errors.is_some() {
            Scope::Errors
        } else if self.show_shape {
            Scope::Shape
        } else {
            Scope::Queue
        }
    }

    pub fn query(&self) -> MailQuery {
        MailQuery {
            status: self.filter,
            filter: self.search_filter.clone(),
            cursor: self.cursor,
            limit: PAGE,
            oldest_first: self.oldest_first,
            window: Some(SEARCH_WINDOW),
        }
    }

    /// Whether the search shown looked at the newest `SEARCH_WINDOW` mails only (the
    /// queue holding more, and no index serving the filter).
    pub fn search_limited(&self, total: i64) -> bool {
        !self.search_filter.is_indexed() && total > i64::from(SEARCH_WINDOW)
    }

    pub fn reload(&mut self) -> Vec<Command> {
        self.loading = true;
        self.stale = false;
        vec![Command::LoadQueue(self.query())]
    }

    pub fn loaded(
        &mut self,
        query: MailQuery,
        rows: Vec<MailSummary>,
        above: i64,
        matched: Option<i64>,
    ) -> Vec<Command> {
        if query != self.query() {
            // An answer to a query no longer shown (the filter changed meanwhile).
            return Vec::new();
        }
        self.loading = false;
        // So much mail arrived above the selected one that it fell off the first page:
        // keep the view where it was (the page from the old top row down) instead of
        // showing, and selecting, other mails. The old rows stay until that page comes.
        if let Some(id) = self.selected_id
            && query.cursor.is_none()
            && !query.oldest_first
            && rows.len() as u32 == query.limit
            && rows.last().is_some_and(|last| last.id > id)
            && let Some(top) = self.rows.first().map(|r| r.id)
        {
            self.cursor_stack.push(None);
            self.cursor = Some(Cursor::Before(top + 1));
            return self.reload();
        }
        self.rows = rows;
        self.above = above;
        self.matched = matched;
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
        let same = self
            .detail
            .as_ref()
            .is_some_and(|old| old.mail.id == d.mail.id);
        let wanted = self.wanted == Some(d.mail.id);
        if wanted {
            self.wanted = None;
        }
        if same || wanted || self.selected_id == Some(d.mail.id) {
            if !same {
                // Another mail's details start at their top; a refresh keeps the place.
                self.detail_scroll = Scroll::default();
            }
            self.detail = Some(d);
        }
    }

    /// Opens the details of a mail whether or not the list shows it.
    pub fn open_mail(&mut self, id: MailId) -> Vec<Command> {
        self.wanted = Some(id);
        vec![Command::LoadDetail(id)]
    }

    /// Another process changed something: reload unless frozen (then count it) or a
    /// load is running (then load again when it returns).
    pub fn changed(&mut self) -> Vec<Command> {
        let mut cmds = Vec::new();
        if self.frozen {
            cmds.push(Command::CountNew(self.new_mails_query(), self.frozen_after));
        } else if self.loading {
            self.stale = true;
        } else {
            cmds.extend(self.reload());
        }
        cmds.extend(self.refresh_extras());
        cmds
    }

    /// The list as frozen, counted from its top: what mails newer than the frozen ones
    /// are matched against, whatever the order shown.
    fn new_mails_query(&self) -> MailQuery {
        MailQuery {
            cursor: None,
            oldest_first: false,
            ..self.query()
        }
    }

    /// The count of mails that arrived while frozen.
    pub fn new_counted(&mut self, query: MailQuery, after: MailId, n: i64) {
        if self.frozen && after == self.frozen_after && query == self.new_mails_query() {
            self.new_since_frozen = n;
        }
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
        if self.errors.is_some() {
            cmds.push(Command::LoadErrorGroups);
        }
        cmds
    }

    /// Typing after `/`: the list is filtered as the text changes; Enter keeps the
    /// search and leaves the prompt, Esc clears the search.
    pub fn search_key(&mut self, k: &KeyEvent, senders: &[String]) -> Vec<Command> {
        let Some(input) = self.search_input.as_mut() else {
            return Vec::new();
        };
        match action_for(Scope::Search, k) {
            Some(Action::Back) => {
                self.search_input = None;
                self.completions.clear();
                self.set_search(None)
            }
            Some(Action::Submit) => {
                // A search that does not parse stays open to be put right.
                if self.search_error.is_none() {
                    self.search_input = None;
                    self.completions.clear();
                }
                Vec::new()
            }
            Some(Action::Complete) => {
                let text = input.text();
                let domains: Vec<String> = self
                    .shape
                    .iter()
                    .flat_map(|s| s.rows.iter().map(|r| r.domain.clone()))
                    .collect();
                let c = complete(&text, &domains, senders);
                let Some(done) = common_prefix(&c.candidates) else {
                    self.completions.clear();
                    return Vec::new();
                };
                self.completions = if c.candidates.len() > 1 {
                    c.candidates
                } else {
                    Vec::new()
                };
                let completed = format!("{}{done}", &text[..c.start]);
                if completed == text {
                    return Vec::new();
                }
                *input = LineInput::new(&completed);
                self.set_search(Some(completed))
            }
            _ => {
                if input.key(*k) {
                    let text = input.text();
                    self.completions.clear();
                    self.set_search(Some(text))
                } else {
                    Vec::new()
                }
            }
        }
    }

    /// Pasted text goes into the search being typed.
    pub fn search_paste(&mut self, text: &str) -> Vec<Command> {
        let Some(input) = self.search_input.as_mut() else {
            return Vec::new();
        };
        if !input.paste(text) {
            return Vec::new();
        }
        let text = input.text();
        self.set_search(Some(text))
    }

    /// Searches for `text` (nothing for empty text) from the top of the list; a text
    /// that does not parse is kept with its error, and the list stays as it was.
    fn set_search(&mut self, raw: Option<String>) -> Vec<Command> {
        // Parsed as typed, so that a position it reports is a column of the input.
        let parsed = Filter::parse(raw.as_deref().unwrap_or(""));
        let text = raw.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        let filter = match parsed {
            Ok(f) => f,
            Err(e) => {
                self.search = text;
                self.search_error = Some(e);
                return Vec::new();
            }
        };
        self.search_error = None;
        self.search = text;
        if filter == self.search_filter {
            return Vec::new();
        }
        self.search_filter = filter;
        if self.search.is_none() {
            self.matched = None;
        }
        self.first_page()
    }

    pub fn first_page(&mut self) -> Vec<Command> {
        self.cursor = None;
        self.cursor_stack.clear();
        self.selected = 0;
        self.selected_id = None;
        self.reload()
    }

    /// A key of the shape: move between domains, list one's mails, hold or release
    /// all its pending mail (asked first, as any action on every matching mail).
    fn shape_act(&mut self, a: Action) -> Vec<Command> {
        let rows = self.shape.as_ref().map_or(0, |s| s.rows.len());
        let domain = self
            .shape
            .as_ref()
            .and_then(|s| s.rows.get(self.shape_selected))
            .map(|r| r.domain.clone());
        match (a, domain) {
            (Action::Up, _) => self.shape_selected = self.shape_selected.saturating_sub(1),
            (Action::Down, _) => {
                self.shape_selected = (self.shape_selected + 1).min(rows.saturating_sub(1))
            }
            (Action::Open, Some(d)) => {
                self.show_shape = false;
                self.filter = StatusFilter::All;
                return self.set_search(Some(format!("domain:{d}")));
            }
            (Action::Hold | Action::Release, Some(d)) => {
                let (action, status) = if a == Action::Hold {
                    (MailAction::Hold, "pending")
                } else {
                    (MailAction::Release, "held")
                };
                let text = format!("domain:{d} status:{status}");
                return match Filter::parse(&text) {
                    Ok(filter) => {
                        self.bulk_shown = Some(text);
                        vec![Command::LoadBreakdown(action, filter)]
                    }
                    Err(_) => Vec::new(),
                };
            }
            _ => {}
        }
        Vec::new()
    }

    /// What the list shows as one filter: the status tab and the search.
    pub fn list_filter(&self) -> Filter {
        let status = match self.filter {
            StatusFilter::All => None,
            StatusFilter::Held => Some(StatusValue::Held),
            StatusFilter::Status(s) => Some(StatusValue::Status(s)),
        };
        let tab = Filter {
            terms: status
                .map(|s| Term {
                    negated: false,
                    test: Test::Status(vec![s]),
                })
                .into_iter()
                .collect(),
        };
        tab.and(self.search_filter.clone())
    }

    /// The list's filter as it would be typed (for the question before a bulk action).
    pub fn list_filter_text(&self) -> String {
        let status = match self.filter {
            StatusFilter::All => None,
            StatusFilter::Held => Some("status:held".to_string()),
            StatusFilter::Status(s) => Some(format!("status:{s}")),
        };
        status
            .into_iter()
            .chain(self.search.clone())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// An action was picked for every matching mail: first what it would meet.
    pub fn bulk_picked(&mut self, verb: &str) -> Vec<Command> {
        let action = match verb {
            "retry" => MailAction::Retry,
            "hold" => MailAction::Hold,
            "release" => MailAction::Release,
            "cancel" => MailAction::Cancel,
            "delete" => MailAction::Delete,
            _ => return Vec::new(),
        };
        self.bulk_shown = None;
        vec![Command::LoadBreakdown(action, self.list_filter())]
    }

    /// The breakdown is in: ask (naming what it meets), or say why nothing would be done.
    pub fn breakdown_loaded(
        &mut self,
        action: MailAction,
        filter: Filter,
        breakdown: Breakdown,
        ctx: &mut Ctx,
    ) {
        if breakdown.applicable == 0 {
            self.bulk_shown = None;
            ctx.say(false, messages::bulk_nothing(action, &breakdown, ctx.lang));
            return;
        }
        let shown = self
            .bulk_shown
            .take()
            .unwrap_or_else(|| self.list_filter_text());
        ctx.open(Modal::Confirm(Ask::Bulk {
            action,
            filter,
            shown,
            breakdown,
        }));
    }

    /// Agreed to: the action runs on the mails the breakdown counted, and no others.
    pub fn bulk_agreed(
        &mut self,
        action: MailAction,
        filter: &Filter,
        breakdown: &Breakdown,
        rate: Option<crate::queue::Rate>,
    ) -> Vec<Command> {
        self.bulk = Some(BulkRun {
            action,
            done: 0,
            total: breakdown.applicable,
            stopping: false,
        });
        vec![Command::Bulk(action, breakdown.bounded(filter), rate)]
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
        if self.detail.is_some()
            && self
                .detail_scroll
                .act(a, self.detail_max, detail_room(ctx.height))
        {
            return Vec::new();
        }
        if let Some(view) = self.errors.as_mut()
            && a != Action::ErrorGroups
        {
            let Some(term) = view.act(a) else {
                return Vec::new();
            };
            // The group's mails, whatever their status: the list shows what it counted.
            self.errors = None;
            self.filter = StatusFilter::All;
            return self.set_search(Some(term));
        }
        if self.show_shape && a != Action::Shape {
            return self.shape_act(a);
        }
        match a {
            Action::ErrorGroups => {
                if self.errors.take().is_some() {
                    return Vec::new();
                }
                self.errors = Some(ErrorGroupsView::default());
                vec![Command::LoadErrorGroups]
            }
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
            // Esc steps back: out of the details, else out of the search.
            Action::Back if self.detail.is_some() => {
                self.detail = None;
                Vec::new()
            }
            Action::Back => self.set_search(None),
            Action::Search => {
                self.search_input = Some(LineInput::new(self.search.as_deref().unwrap_or("")));
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
            Action::MarkPage => {
                self.marked.extend(self.rows.iter().map(|r| r.id));
                Vec::new()
            }
            Action::InvertMarks => {
                for r in &self.rows {
                    if !self.marked.remove(&r.id) {
                        self.marked.insert(r.id);
                    }
                }
                Vec::new()
            }
            Action::Bulk => {
                if self.bulk.is_some() {
                    return vec![Command::StopBulk];
                }
                let items = [
                    MailAction::Retry,
                    MailAction::Hold,
                    MailAction::Release,
                    MailAction::Cancel,
                    MailAction::Delete,
                ]
                .iter()
                .map(|a| {
                    (
                        a.verb().to_string(),
                        messages::verb(*a).t(ctx.lang).to_string(),
                    )
                })
                .collect();
                let mut picker = Picker::new(PickerKind::BulkAction, Txt::BulkTitle, items);
                picker.width = 44;
                ctx.open(Modal::Picker(picker));
                Vec::new()
            }
            Action::Retry => self.mail_action(MailAction::Retry, ctx),
            Action::Hold => self.mail_action(MailAction::Hold, ctx),
            Action::Release => self.mail_action(MailAction::Release, ctx),
            Action::Cancel => self.mail_action(MailAction::Cancel, ctx),
            Action::Delete => self.mail_action(MailAction::Delete, ctx),
            Action::PauseResume => vec![Command::SetPaused(!ctx.paused)],
            Action::Flush => vec![Command::Flush],
            Action::Freeze => {
                self.frozen = !self.frozen;
                self.new_since_frozen = 0;
                if self.frozen {
                    self.frozen_after = self.rows.iter().map(|r| r.id).max().unwrap_or(0);
                    Vec::new()
                } else {
                    // Thawed: whatever changed meanwhile is shown.
                    self.reload()
                }
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
    } else if let Some(view) = &app.queue.errors {
        super::error_groups::draw(f, app, view, area);
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

/// A row's "Next": when a deferred mail goes, what a due one waits for (the header says
/// it in full), when a stale sender's claim comes back; `-` for the rest.
fn next_cell(app: &App, blocker: Option<&why::Blocker>, r: &MailSummary) -> String {
    let lang = app.lang;
    match r.status {
        MailStatus::Pending if r.held => "-".into(),
        MailStatus::Pending => match blocker {
            Some(why::Blocker::Server { next_try, .. }) => {
                app.clock.hm(r.next_attempt_at.max(*next_try))
            }
            Some(why::Blocker::Disabled) => Txt::NextOff.t(lang).into(),
            Some(why::Blocker::Paused { .. }) => Txt::NextPaused.t(lang).into(),
            Some(why::Blocker::NoSender) => Txt::NextNoSender.t(lang).into(),
            Some(why::Blocker::SignIn { .. }) => Txt::NextSignIn.t(lang).into(),
            None if r.next_attempt_at <= app.now => Txt::Now.t(lang).into(),
            None => format_age(r.next_attempt_at - app.now),
        },
        MailStatus::Sending => {
            match (
                why::stale_claimant(&app.overview, r.claimed_by.as_deref(), app.now),
                r.lease_until,
            ) {
                (Some(_), Some(back)) => format!("↺{}", app.clock.hm(back)),
                _ => "-".into(),
            }
        }
        _ => "-".into(),
    }
}

fn draw_queue(f: &mut Frame, app: &App, area: Rect) {
    let lang = app.lang;
    let [filters, table_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    // Every filter with its count; where that does not fit, short names; then counts
    // only on the chosen one; where even that does not fit, the chosen filter alone
    // between f/F's arrows.
    let strip = |short: bool, all_counts: bool, others: bool| -> Vec<Span<'static>> {
        if !others {
            return vec![Span::styled(
                format!(
                    " ◂ {} {} ▸ ",
                    filter_label(app.queue.filter).t(lang),
                    app.overview.counts.get(app.queue.filter)
                ),
                app.theme.selection(),
            )];
        }
        FILTERS
            .iter()
            .map(|flt| {
                let chosen = *flt == app.queue.filter;
                let name = if short && !chosen {
                    filter_short(*flt)
                } else {
                    filter_label(*flt)
                };
                let label = if all_counts || chosen {
                    format!(" {} {} ", name.t(lang), app.overview.counts.get(*flt))
                } else {
                    format!(" {} ", name.t(lang))
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
    // What the list is narrowed or held to comes after the filters, and is never the
    // part cut off: the other filters' counts go first.
    let mut extras: Vec<Span<'static>> = Vec::new();
    if let Some(b) = &app.queue.bulk {
        extras.push(Span::styled(
            format!(
                " {}",
                messages::bulk_progress(
                    b.action,
                    b.done,
                    b.total,
                    key_for(Scope::Queue, Action::Bulk),
                    b.stopping,
                    lang
                )
            ),
            app.theme.warn(),
        ));
    }
    if let Some(s) = &app.queue.search {
        match &app.queue.search_error {
            Some(e) => extras.push(Span::styled(
                format!(" /{s}: {}", messages::filter_error_at(e.at, lang)),
                app.theme.error(),
            )),
            None => {
                let limited = app
                    .queue
                    .search_limited(app.overview.counts.total())
                    .then_some(SEARCH_WINDOW);
                extras.push(Span::styled(
                    format!(
                        " /{s}: {}",
                        messages::search_matches(app.queue.matched, limited, lang)
                    ),
                    app.theme.accent(),
                ))
            }
        }
    }
    if !app.queue.marked.is_empty() {
        extras.push(Span::styled(
            format!(" {}", messages::marked(app.queue.marked.len(), lang)),
            app.theme.accent(),
        ));
    }
    if app.queue.oldest_first {
        extras.push(Span::styled(
            format!(" ↑ {}", Txt::OldestFirst.t(lang)),
            app.theme.accent(),
        ));
    }
    if app.queue.above > 0 {
        extras.push(Span::styled(
            format!(
                " {}",
                messages::mails_above(
                    app.queue.above,
                    app.queue.oldest_first,
                    key_for(Scope::Queue, Action::Top),
                    lang
                )
            ),
            app.theme.warn(),
        ));
    }
    if app.queue.frozen {
        extras.push(Span::styled(
            format!(
                " {} ({} {})",
                Txt::Frozen.t(lang),
                app.queue.new_since_frozen,
                Txt::NewSinceFrozen.t(lang)
            ),
            app.theme.warn(),
        ));
    }
    let width = |l: &[Span]| l.iter().map(|s| s.content.chars().count()).sum::<usize>();
    let room = (filters.width as usize).saturating_sub(width(&extras));
    let spans = [
        (false, true, true),
        (true, true, true),
        (true, false, true),
        (false, false, false),
    ]
    .into_iter()
    .map(|(short, all, others)| strip(short, all, others))
    .find(|s| width(s) <= room)
    .unwrap_or_else(|| strip(false, false, false));
    let mut spans = spans;
    spans.extend(extras);
    let fitted = crate::tui::widgets::table::fit_spans(spans, filters.width);
    f.render_widget(Paragraph::new(Line::from(fitted)), filters);

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
            // "123 KB +2"
            Constraint::Length(9),
        ],
        spacing: 1,
    };
    let blocker = why::blocker(&app.overview, app.now);
    table.draw(
        f,
        app,
        table_area,
        &app.queue.rows,
        app.queue.selected,
        |r| {
            let (status, status_style) = status_text(app, r.status, r.held);
            let next = next_cell(app, blocker.as_ref(), r);
            let mark = if app.queue.marked.contains(&r.id) {
                "●"
            } else {
                " "
            };
            let base = app.theme.base();
            vec![
                (format!("{mark}{}", r.id), base),
                (status, status_style),
                (r.attempts.to_string(), base),
                (format_age(app.now - r.created_at), base),
                (next, base),
                (r.to.clone(), base),
                // A row another program wrote badly: shown lossily, and said so.
                (
                    if r.damaged.is_empty() {
                        r.subject.clone()
                    } else {
                        format!("⚠ {}", r.subject)
                    },
                    base,
                ),
                (
                    format!(
                        "{}{}",
                        size_text(r.size),
                        if r.attachment_count > 0 {
                            format!(" +{}", r.attachment_count)
                        } else {
                            String::new()
                        }
                    ),
                    base,
                ),
            ]
        },
    );
}

/// Rows the details have on a screen this size (below the tabs, the header and the
/// rule; above the key line).
pub fn detail_room(height: u16) -> u16 {
    height.saturating_sub(5).max(1)
}

/// How far the details of the mail in view scroll at the app's size.
pub fn detail_max(app: &App) -> u16 {
    match &app.queue.detail {
        Some(d) => scroll::max_offset(&detail_lines(app, d), app.width, detail_room(app.height)),
        None => 0,
    }
}

/// What keeps this mail from leaving, or when it goes next, in one line (None for a
/// mail with nothing to wait for: sent, cancelled).
fn waiting_line(app: &App, m: &Mail, d: &MailDetail) -> Option<Line<'static>> {
    let lang = app.lang;
    let clock = &app.clock;
    let (text, style) = match m.status {
        MailStatus::Pending if m.held => (
            messages::mail_held(key_for(Scope::Detail, Action::Release), lang),
            app.theme.warn(),
        ),
        MailStatus::Pending => match why::blocker(&app.overview, app.now) {
            Some(b) => (why::header_text(&b, app), app.theme.error()),
            None if m.next_attempt_at > app.now => (
                messages::mail_next_try(
                    &clock.hm_zone(m.next_attempt_at),
                    &format_age(m.next_attempt_at - app.now),
                    key_for(Scope::Detail, Action::Retry),
                    lang,
                ),
                app.theme.accent(),
            ),
            None => (messages::mail_due(lang), app.theme.ok()),
        },
        MailStatus::Sending => {
            let back = m.lease_until.map(|t| clock.hm_zone(t)).unwrap_or_default();
            match why::stale_claimant(&app.overview, m.claimed_by.as_deref(), app.now) {
                Some(s) => (
                    messages::mail_back_at(&s.name(), &back, lang),
                    app.theme.warn(),
                ),
                None => (
                    messages::mail_sending(m.claimed_by.as_deref().unwrap_or("?"), &back, lang),
                    app.theme.accent(),
                ),
            }
        }
        MailStatus::Failed => {
            let last = d.log.iter().rev().find(|e| e.level == Level::Error);
            let (at, why) = match last {
                Some(e) => (
                    clock.full(e.time),
                    crate::i18n::worklog::message(&e.message, lang).into_owned(),
                ),
                None => (
                    String::new(),
                    crate::i18n::foreign::text(m.last_error.as_deref().unwrap_or_default(), lang)
                        .into_owned(),
                ),
            };
            (
                messages::mail_failed(&at, &why, key_for(Scope::Detail, Action::Retry), lang),
                app.theme.error(),
            )
        }
        MailStatus::Sent | MailStatus::Cancelled => return None,
    };
    Some(Line::styled(text, style))
}

/// Every line of a mail's details, for drawing and for knowing how far they scroll.
pub fn detail_lines(app: &App, d: &MailDetail) -> Vec<Line<'static>> {
    let lang = app.lang;
    let clock = &app.clock;
    let m = &d.mail;
    let (status, style) = status_text(app, m.status, m.held);
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("#{}  ", m.id), app.theme.title()),
        Span::styled(status, style),
        Span::raw(format!("  {} {}", Txt::ColTries.t(lang), m.attempts)),
    ])];
    lines.extend(waiting_line(app, m, d));
    // Labels in the reader's language, padded to one column.
    let field = |label: Txt, value: String| {
        Line::from(vec![
            Span::styled(format!("{:<11}", label.t(lang)), app.theme.muted()),
            Span::raw(value),
        ])
    };
    lines.push(field(
        Txt::HFrom,
        m.from_address
            .clone()
            .unwrap_or_else(|| Txt::MailAccount.t(lang).to_string()),
    ));
    lines.push(field(Txt::HTo, m.to.clone()));
    if !m.cc.is_empty() {
        lines.push(field(Txt::HCc, m.cc.clone()));
    }
    if !m.bcc.is_empty() {
        lines.push(field(Txt::HBcc, m.bcc.clone()));
    }
    lines.push(field(Txt::HSubject, m.subject.clone()));
    if !m.damaged.is_empty() {
        lines.push(Line::styled(
            format!("⚠ {}", m.damaged.join("; ")),
            app.theme.error(),
        ));
    }
    lines.push(field(Txt::HCreated, clock.full(m.created_at)));
    if let (Some(at), Some(by)) = (m.sent_at, &m.sent_by) {
        lines.push(field(
            Txt::HSent,
            messages::sent_by(&clock.full(at), by, lang),
        ));
    }
    if let Some(id) = &m.message_id {
        lines.push(Line::from(format!("Message-ID: {id}")));
    }
    // A failed mail's error is its "Failed" line at the top.
    if let Some(e) = m
        .last_error
        .as_ref()
        .filter(|_| m.status != MailStatus::Failed)
    {
        lines.push(Line::styled(
            format!(
                "{}: {}",
                Txt::Error.t(lang),
                crate::i18n::foreign::text(e, lang)
            ),
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
                .detail_beyond_message()
                .map(|d| format!(" — {}", crate::i18n::foreign::text(d, lang)))
                .unwrap_or_default();
            lines.push(Line::styled(
                format!(
                    "  {}  {}{detail}",
                    clock.full(e.time),
                    crate::i18n::worklog::message(&e.message, lang)
                ),
                style,
            ));
        }
    }
    lines.push(Line::styled(Txt::Body.t(lang), app.theme.title()));
    lines.extend(m.body_text.lines().map(|l| Line::from(format!("  {l}"))));
    lines
}

fn draw_detail(f: &mut Frame, app: &App, area: Rect) {
    let Some(d) = &app.queue.detail else { return };
    scroll::draw(
        f,
        area,
        detail_lines(app, d),
        app.queue.detail_scroll,
        "",
        app.theme.muted(),
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
    let table = shape_table(app, s).row_highlight_style(app.theme.selection());
    // The totals row first, then the domains; the window follows the chosen domain.
    let mut state =
        ratatui::widgets::TableState::default().with_selected(Some(app.queue.shape_selected + 1));
    f.render_stateful_widget(
        table.block(
            Block::default()
                .borders(Borders::TOP)
                .title(Txt::QueueShape.t(lang)),
        ),
        area,
        &mut state,
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

/// The longest text every candidate starts with (None without candidates).
fn common_prefix(candidates: &[String]) -> Option<String> {
    let first = candidates.first()?;
    let mut len = first.len();
    for c in &candidates[1..] {
        len = first
            .char_indices()
            .zip(c.chars())
            .find(|((_, a), b)| a != b)
            .map_or(len.min(c.len()), |((i, _), _)| i.min(len));
    }
    Some(first[..len].to_string())
}

#[cfg(test)]
mod tests {

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use crate::i18n::Lang;
    use crate::model::{
        Cursor, Filter, MailAction, MailId, MailQuery, MailStatus, MailSummary, StatusFilter,
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
            above: 0,
            matched: None,
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
            lease_until: None,
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
            above: 0,
            matched: None,
        });
    }

    fn draw_text(a: &mut App, width: u16, height: u16) -> String {
        use ratatui::Terminal;
        use ratatui::backend::TestBackend;
        a.update(Msg::Resize(width, height));
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|f| crate::tui::view::draw(f, a)).unwrap();
        let buffer = terminal.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..height {
            for x in 0..width {
                out.push_str(buffer[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    fn app() -> App {
        let mut a = App::new(Lang::En, Theme::default(), 0);
        a.start();
        a
    }

    fn group(print: &str, mails: i64) -> crate::model::ErrorGroup {
        crate::model::ErrorGroup {
            fingerprint: print.into(),
            code: None,
            status: None,
            mails,
            failed: mails,
            deferred: 0,
            first_seen: None,
            last_seen: None,
            top_domains: vec![],
            example_id: 1,
            example: print.into(),
            filter: crate::model::error_group::group_term(print),
        }
    }

    #[test]
    fn enter_on_an_error_group_lists_its_mails() {
        let mut a = app();
        loaded(&mut a, &[5, 4, 3]);
        a.update(key(KeyCode::Char('f')));
        let cmds = a.update(key(KeyCode::Char('E')));
        assert_eq!(cmds, vec![Command::LoadErrorGroups]);
        // Refreshed with the list while shown.
        let cmds = a.update(Msg::Changed);
        assert!(cmds.contains(&Command::LoadErrorGroups), "{cmds:?}");
        a.update(Msg::ErrorGroupsLoaded(vec![
            group("RCPT TO *: 550 5.1.1 user unknown", 131),
            group("MAIL: 451 4.7.1 try later", 12),
        ]));
        // List keys do not act on mails behind the view.
        assert!(a.update(key(KeyCode::Char('d'))).is_empty());
        assert!(a.modal.is_none());
        a.update(key(KeyCode::Down));
        let cmds = a.update(key(KeyCode::Enter));
        let want = Filter::parse("error=\"MAIL: 451 4.7.1 try later\"").unwrap();
        assert!(
            matches!(&cmds[..], [Command::LoadQueue(q)] if q.filter == want && q.status == StatusFilter::All),
            "{cmds:?}"
        );
        assert!(a.queue.errors.is_none());
        assert_eq!(
            a.queue.search.as_deref(),
            Some("error=\"MAIL: 451 4.7.1 try later\"")
        );
        // Esc leaves the view without choosing.
        a.update(key(KeyCode::Char('E')));
        a.update(key(KeyCode::Esc));
        assert!(a.queue.errors.is_none());
    }

    #[test]
    fn h_and_u_on_a_domain_of_the_shape_hold_and_release_its_mail_after_asking() {
        use crate::model::{QueueShape, ShapeRow};
        use crate::queue::Breakdown;
        let mut a = app();
        loaded(&mut a, &[5, 4, 3]);
        a.update(key(KeyCode::Char('s')));
        let row = |d: &str| ShapeRow {
            domain: d.into(),
            total: 3,
            counts: vec![3],
        };
        a.update(Msg::ShapeLoaded(QueueShape {
            buckets: vec!["5".into()],
            rows: vec![row("onet.pl"), row("wp.pl")],
            total: row("TOTAL"),
        }));
        a.update(key(KeyCode::Down));
        a.update(key(KeyCode::Down));
        let cmds = a.update(key(KeyCode::Char('h')));
        let want = Filter::parse("domain:wp.pl status:pending").unwrap();
        assert!(
            matches!(&cmds[..], [Command::LoadBreakdown(MailAction::Hold, f)] if *f == want),
            "{cmds:?}"
        );
        a.update(Msg::BreakdownLoaded {
            action: MailAction::Hold,
            filter: want,
            breakdown: Breakdown {
                matched: 3,
                applicable: 3,
                by_status: vec![("pending".into(), 3)],
                newest: Some(5),
                ..Breakdown::default()
            },
        });
        assert!(
            matches!(&a.modal, Some(Modal::Confirm(Ask::Bulk { shown, .. })) if shown == "domain:wp.pl status:pending")
        );
        a.update(key(KeyCode::Char('n')));
        let cmds = a.update(key(KeyCode::Char('u')));
        assert!(
            matches!(&cmds[..], [Command::LoadBreakdown(MailAction::Release, f)] if *f == Filter::parse("domain:wp.pl status:held").unwrap())
        );
        // Enter lists the domain's mails.
        a.update(key(KeyCode::Up));
        let cmds = a.update(key(KeyCode::Enter));
        assert!(!a.queue.show_shape);
        assert!(
            matches!(&cmds[..], [Command::LoadQueue(q)] if q.filter == Filter::parse("domain:onet.pl").unwrap())
        );
    }

    #[test]
    fn a_search_no_index_serves_says_it_read_the_newest_mails_only() {
        let mut a = app();
        loaded(&mut a, &[5, 4, 3]);
        a.overview.counts.sent = i64::from(super::SEARCH_WINDOW) + 1;
        for (text, limited) in [("faktura", true), ("status:failed", false)] {
            a.update(key(KeyCode::Char('/')));
            for c in text.chars() {
                a.update(key(KeyCode::Char(c)));
            }
            a.update(key(KeyCode::Enter));
            let screen = draw_text(&mut a, 120, 24);
            assert_eq!(
                screen.contains("in the newest 40,000"),
                limited,
                "{text}: {screen}"
            );
            a.update(key(KeyCode::Esc));
        }
        a.lang = Lang::Pl;
        a.update(key(KeyCode::Char('/')));
        a.update(key(KeyCode::Char('x')));
        assert!(draw_text(&mut a, 120, 24).contains("wśród najnowszych 40 000"));
    }

    #[test]
    fn a_marks_the_page_and_star_inverts_it() {
        let mut a = app();
        loaded(&mut a, &[5, 4, 3]);
        a.update(key(KeyCode::Char(' ')));
        assert_eq!(a.queue.marked.iter().copied().collect::<Vec<_>>(), [5]);
        a.update(key(KeyCode::Char('*')));
        assert_eq!(a.queue.marked.iter().copied().collect::<Vec<_>>(), [3, 4]);
        a.update(key(KeyCode::Char('A')));
        assert_eq!(
            a.queue.marked.iter().copied().collect::<Vec<_>>(),
            [3, 4, 5]
        );
    }

    #[test]
    fn bulk_asks_with_the_breakdown_then_runs_on_what_it_counted() {
        use crate::queue::Breakdown;
        let mut a = app();
        loaded(&mut a, &[5, 4, 3]);
        // The failed tab, searched for a domain: that is the filter acted on.
        a.update(key(KeyCode::Char('f')));
        a.update(key(KeyCode::Char('f')));
        a.update(key(KeyCode::Char('f')));
        a.update(key(KeyCode::Char('f')));
        assert_eq!(a.queue.filter, StatusFilter::Status(MailStatus::Failed));
        a.update(key(KeyCode::Char('/')));
        for c in "domain:onet.pl".chars() {
            a.update(key(KeyCode::Char(c)));
        }
        a.update(key(KeyCode::Enter));
        a.update(key(KeyCode::Char('B')));
        assert!(matches!(a.modal, Some(Modal::Picker(_))));
        a.update(key(KeyCode::Down));
        let cmds = a.update(key(KeyCode::Enter));
        let want = Filter::parse("status:failed domain:onet.pl").unwrap();
        assert!(
            matches!(&cmds[..], [Command::LoadBreakdown(MailAction::Hold, f)] if *f == want),
            "{cmds:?}"
        );
        // Nothing it could do: said, nothing asked.
        a.update(Msg::BreakdownLoaded {
            action: MailAction::Hold,
            filter: want.clone(),
            breakdown: Breakdown {
                matched: 3,
                by_status: vec![("failed".into(), 3)],
                not_applicable: vec![("failed".into(), 3)],
                newest: Some(5),
                ..Breakdown::default()
            },
        });
        assert!(a.modal.is_none());
        assert!(
            a.status
                .as_ref()
                .unwrap()
                .1
                .starts_with("hold: none of the matching mails"),
            "{:?}",
            a.status
        );
        let breakdown = Breakdown {
            matched: 3,
            applicable: 3,
            by_status: vec![("failed".into(), 3)],
            top_domains: vec![("onet.pl".into(), 3)],
            newest: Some(5),
            ..Breakdown::default()
        };
        a.update(Msg::BreakdownLoaded {
            action: MailAction::Cancel,
            filter: want.clone(),
            breakdown: breakdown.clone(),
        });
        assert!(
            matches!(&a.modal, Some(Modal::Confirm(Ask::Bulk { shown, .. })) if shown == "status:failed domain:onet.pl")
        );
        // `g` runs it at 300 a minute instead.
        let gently = a.update(key(KeyCode::Char('g')));
        assert!(
            matches!(&gently[..], [Command::Bulk(MailAction::Cancel, _, Some(r))] if r.per_minute == 300),
            "{gently:?}"
        );
        a.queue.bulk = None;
        a.update(Msg::BreakdownLoaded {
            action: MailAction::Cancel,
            filter: want.clone(),
            breakdown: breakdown.clone(),
        });
        let cmds = a.update(key(KeyCode::Char('y')));
        assert!(
            matches!(&cmds[..], [Command::Bulk(MailAction::Cancel, f, None)] if *f == breakdown.bounded(&want)),
            "{cmds:?}"
        );
        assert!(a.queue.bulk.is_some());
        // While it runs, B stops it; the header tells how far it has got.
        a.update(Msg::BulkProgress(2));
        assert_eq!(a.update(key(KeyCode::Char('B'))), vec![Command::StopBulk]);
        a.update(Msg::BulkStopping);
        let screen = draw_text(&mut a, 100, 24);
        assert!(
            screen.contains("cancel: 2/3 · stopping after this batch"),
            "{screen}"
        );
        a.update(Msg::BulkDone(Ok(crate::tui::msg::Done::Bulk {
            action: MailAction::Cancel,
            done: 2,
            stopped: true,
        })));
        assert!(a.queue.bulk.is_none());
        assert_eq!(
            a.status.as_ref().unwrap().1,
            "cancelled 2 mails; stopped, the rest left as they were"
        );
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
    fn freeze_counts_the_mails_that_arrived_and_reloads_when_thawed() {
        let mut a = app();
        loaded(&mut a, &[7, 6]);
        a.update(key(KeyCode::Char('z')));
        // A change while frozen: the list stays, the new mails are counted, not events.
        let cmds = a.update(Msg::Changed);
        assert!(!cmds.iter().any(|c| matches!(c, Command::LoadQueue(_))));
        let (query, after) = cmds
            .iter()
            .find_map(|c| match c {
                Command::CountNew(q, after) => Some((q.clone(), *after)),
                _ => None,
            })
            .expect("counted");
        assert_eq!(after, 7, "counted from the newest mail frozen");
        a.update(Msg::NewCounted {
            query: query.clone(),
            after,
            n: 3,
        });
        assert_eq!(a.queue.new_since_frozen, 3);
        // Another change that brought no mail leaves the count as the database says.
        a.update(Msg::Changed);
        a.update(Msg::NewCounted { query, after, n: 3 });
        assert_eq!(a.queue.new_since_frozen, 3);
        let cmds = a.update(key(KeyCode::Char('z')));
        assert!(matches!(cmds[..], [Command::LoadQueue(_)]));
        assert_eq!(a.queue.new_since_frozen, 0);
    }

    #[test]
    fn the_selection_stays_on_its_mail_when_hundreds_arrive_above_it() {
        let mut a = app();
        let first: Vec<MailId> = (501..=700).rev().collect();
        loaded(&mut a, &first);
        for _ in 0..3 {
            a.update(key(KeyCode::Down));
        }
        assert_eq!(a.queue.selected_id, Some(697));
        // 300 mails arrive: the first page now ends above the selected mail.
        a.update(Msg::Changed);
        let newest: Vec<MailId> = (801..=1000).rev().collect();
        let cmds = {
            let q = a.queue_query();
            a.update(Msg::QueueLoaded {
                query: q,
                rows: newest.iter().map(|i| summary(*i)).collect(),
                above: 0,
                matched: None,
            })
        };
        // The view is asked for the page from the old top down; meanwhile nothing moved.
        assert!(
            matches!(&cmds[..], [Command::LoadQueue(q)] if q.cursor == Some(Cursor::Before(701))),
            "{cmds:?}"
        );
        assert_eq!(a.queue.selected_id, Some(697));
        assert_eq!(a.queue.rows[a.queue.selected].id, 697);
        let q = a.queue_query();
        a.update(Msg::QueueLoaded {
            query: q,
            rows: first.iter().map(|i| summary(*i)).collect(),
            above: 300,
            matched: None,
        });
        assert_eq!((a.queue.selected, a.queue.selected_id), (3, Some(697)));
        assert_eq!(a.queue.above, 300);
        // An action goes to that mail, and the question names it.
        a.update(key(KeyCode::Char('d')));
        assert!(matches!(
            &a.modal,
            Some(Modal::Confirm(Ask::Mails { ids, .. })) if *ids == [697]
        ));
        a.update(key(KeyCode::Esc));
        // g goes to the newest mails.
        let cmds = a.update(key(KeyCode::Char('g')));
        assert!(matches!(&cmds[..], [Command::LoadQueue(q)] if q.cursor.is_none()));
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
            above: 0,
            matched: None,
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
        let cmds = a.update(key(KeyCode::Char('q')));
        assert!(!a.quit);
        // The list follows the text as it is typed.
        assert!(
            matches!(&cmds[..], [Command::LoadQueue(q)] if q.filter == Filter::parse("q").unwrap())
        );
        assert!(a.update(key(KeyCode::Enter)).is_empty(), "Enter keeps it");
        assert_eq!(a.queue.search.as_deref(), Some("q"));
        a.update(key(KeyCode::Char('q')));
        assert!(a.quit);
    }

    #[test]
    fn a_search_that_does_not_parse_runs_nothing_and_says_where() {
        let mut a = app();
        a.update(key(KeyCode::Char('/')));
        for c in "status:failed".chars() {
            a.update(key(KeyCode::Char(c)));
        }
        assert_eq!(
            a.queue.search_filter,
            Filter::parse("status:failed").unwrap()
        );
        // `status:f` on the way was no status: the list stayed as it was meanwhile.
        let mut cmds = Vec::new();
        for c in " subjct:x".chars() {
            cmds = a.update(key(KeyCode::Char(c)));
        }
        assert!(cmds.is_empty(), "nothing run: {cmds:?}");
        // On the way `subjct` was a word and filtered the list; `subjct:` is kept back.
        assert_eq!(
            a.queue.search_filter,
            Filter::parse("status:failed subjct").unwrap(),
            "the last good filter is kept"
        );
        let e = a.queue.search_error.clone().unwrap();
        assert_eq!(e.at, 14);
        // Enter does not leave a search that does not parse; the error is on screen.
        a.update(key(KeyCode::Enter));
        assert!(a.queue.search_input.is_some());
        for lang in [Lang::En, Lang::Pl] {
            a.lang = lang;
            let screen = draw_text(&mut a, 100, 24);
            let want = match lang {
                Lang::En => "at 15: `subjct:` is not a qualifier",
                Lang::Pl => "znak 15: `subjct:` nie jest kwalifikatorem",
            };
            assert!(screen.contains(want), "{screen}");
        }
        // Put right, it runs.
        for _ in 0..9 {
            a.update(key(KeyCode::Backspace));
        }
        let cmds = a.update(key(KeyCode::Char(' ')));
        assert!(a.queue.search_error.is_none());
        assert!(cmds.is_empty(), "the same filter is not loaded again");
    }

    #[test]
    fn tab_completes_qualifiers_and_values() {
        let mut a = app();
        a.queue.shape = Some(crate::model::QueueShape {
            rows: vec![crate::model::ShapeRow {
                domain: "onet.pl".into(),
                total: 3,
                counts: vec![],
            }],
            ..Default::default()
        });
        a.update(key(KeyCode::Char('/')));
        for c in "-dom".chars() {
            a.update(key(KeyCode::Char(c)));
        }
        a.update(key(KeyCode::Tab));
        assert_eq!(a.queue.search.as_deref(), Some("-domain:"));
        let cmds = a.update(key(KeyCode::Tab));
        assert_eq!(a.queue.search.as_deref(), Some("-domain:onet.pl"));
        assert!(
            matches!(&cmds[..], [Command::LoadQueue(q)] if q.filter == Filter::parse("-domain:onet.pl").unwrap())
        );
        // Several candidates: their common start, and the candidates shown.
        a.update(key(KeyCode::Char('s')));
        a.update(key(KeyCode::Tab));
        assert_eq!(a.queue.search.as_deref(), Some("-domain:onet.pl s"));
        assert_eq!(
            a.queue.completions,
            vec!["status:", "subject:", "sender:", "size:", "sent:"]
        );
        a.update(key(KeyCode::Char('t')));
        assert!(a.queue.completions.is_empty());
        a.update(key(KeyCode::Tab));
        assert_eq!(a.queue.search.as_deref(), Some("-domain:onet.pl status:"));
    }

    #[test]
    fn search_filters_as_typed_edits_like_a_line_and_esc_clears_it() {
        let ctrl = |c| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
        let mut a = app();
        a.update(key(KeyCode::Char('/')));
        for c in "faktura".chars() {
            a.update(key(KeyCode::Char(c)));
        }
        assert_eq!(a.queue.search.as_deref(), Some("faktura"));
        // Ctrl-A goes to the start: typed text lands there; Ctrl-K cuts to the end.
        a.update(ctrl('a'));
        a.update(key(KeyCode::Char('#')));
        assert_eq!(a.queue.search.as_deref(), Some("#faktura"));
        let cmds = a.update(ctrl('k'));
        assert!(a.queue.search_input.is_some(), "still typing");
        assert_eq!(a.queue.search.as_deref(), Some("#"));
        assert!(
            matches!(&cmds[..], [Command::LoadQueue(q)] if q.filter == Filter::parse("#").unwrap())
        );
        // Esc while typing clears the search, and the whole list is back.
        let cmds = a.update(key(KeyCode::Esc));
        assert!(a.queue.search_input.is_none() && a.queue.search.is_none());
        assert!(matches!(&cmds[..], [Command::LoadQueue(q)] if q.filter.is_empty()));
        // A kept search is cleared by Esc in the list too; terms never pile up.
        a.update(key(KeyCode::Char('/')));
        a.update(key(KeyCode::Char('x')));
        a.update(key(KeyCode::Enter));
        a.update(key(KeyCode::Char('/')));
        a.update(key(KeyCode::Char('y')));
        assert_eq!(a.queue.search.as_deref(), Some("xy"));
        a.update(key(KeyCode::Enter));
        a.update(key(KeyCode::Esc));
        assert!(a.queue.search.is_none());
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
            above: 0,
            matched: None,
        });
        assert!(a.queue.rows.iter().all(|r| r.id != 77));
    }
}
