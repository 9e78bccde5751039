//! The console's state and its one way of changing: `update(msg) -> Vec<Command>`.
//! Panes hold view state only; every read and write of data is a `Command`.

use std::collections::BTreeSet;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keys::{Action, Scope, action_for};
use super::mail_server::{MailServerView, TestOutcome};
use super::modal::{Ask, Leave, Modal, Picker, PickerKind, Prompt, PromptKind, Reply, SignIn};
use super::msg::{Command, Msg, Overview};
use super::settings_panes::{self, PaneConfig, SettingsPanes, TabEditor};
use super::theme::Theme;
use crate::i18n::{Lang, Txt};
use crate::queue::{
    Cursor, MailAction, MailDetail, MailId, MailQuery, MailStatus, MailSummary, QueueShape,
    StatusFilter,
};
use crate::settings::Tab;
use crate::time::Millis;
use crate::worklog::{Level, LogEntry, LogFilter};

/// Rows fetched per page of the queue.
pub const PAGE: u32 = 200;
/// Work-log entries shown.
pub const LOG_LIMIT: u32 = 500;
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    MailServer,
    Queue,
    WorkLog,
    Templates,
    ApiAuth,
    Erp,
    Domain,
    Tools,
    ApiSystems,
    Storage,
}

impl Pane {
    pub fn title(self) -> Txt {
        match self {
            Pane::MailServer => Txt::TabMailServer,
            Pane::Queue => Txt::TabQueue,
            Pane::WorkLog => Txt::TabWorkLog,
            Pane::Templates => Txt::TabTemplates,
            Pane::ApiAuth => Txt::TabApiAuth,
            Pane::Erp => Txt::TabErp,
            Pane::Domain => Txt::TabDomain,
            Pane::Tools => Txt::TabTools,
            Pane::ApiSystems => Txt::TabApiSystems,
            Pane::Storage => Txt::TabStorage,
        }
    }

    /// The settings tab a pane edits.
    pub fn tab(self) -> Option<Tab> {
        Some(match self {
            Pane::MailServer => Tab::MailServer,
            Pane::Templates => Tab::Templates,
            Pane::ApiAuth => Tab::ApiAuth,
            Pane::Erp => Tab::Erp,
            Pane::Domain => Tab::Domain,
            Pane::Tools => Tab::Tools,
            Pane::ApiSystems => Tab::ApiSystems,
            Pane::Storage => Tab::Storage,
            Pane::Queue | Pane::WorkLog => return None,
        })
    }

    /// The panes this deployment shows, in number-key order: mail first, then every
    /// settings tab its config keys call for (SPEC §3-§5, §8).
    pub fn shown(config: &PaneConfig) -> Vec<Pane> {
        let mut panes = vec![
            Pane::MailServer,
            Pane::Queue,
            Pane::WorkLog,
            Pane::Templates,
        ];
        if config.multi_company {
            panes.push(Pane::Erp);
        } else {
            panes.extend([Pane::ApiAuth, Pane::Domain]);
        }
        panes.extend([Pane::Tools, Pane::ApiSystems]);
        if config.storage_visible() {
            panes.push(Pane::Storage);
        }
        panes
    }
}

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
pub struct QueueView {
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

#[derive(Debug, Clone)]
pub struct LogView {
    pub entries: Vec<LogEntry>,
    pub min_level: Option<Level>,
    pub mail: Option<MailId>,
    pub follow: bool,
    pub selected: usize,
}

impl Default for LogView {
    fn default() -> Self {
        LogView {
            entries: Vec::new(),
            min_level: None,
            mail: None,
            follow: true,
            selected: 0,
        }
    }
}

pub struct App {
    pub lang: Lang,
    pub theme: Theme,
    pub pane: Pane,
    pub width: u16,
    pub height: u16,
    pub now: Millis,
    /// The popup open, if any: it has the keys and is drawn on top.
    pub modal: Option<Modal>,
    /// The last outcome, shown in the bottom line: (is error, text).
    pub status: Option<(bool, String)>,
    pub queue: QueueView,
    pub log: LogView,
    pub mail: MailServerView,
    pub overview: Overview,
    /// Where the embedded sender stands, if this console runs one.
    pub embedded_sender: Option<String>,
    pub quit: bool,
    pub config: PaneConfig,
    /// The panes shown, in number-key order.
    pub panes: Vec<Pane>,
    pub settings: SettingsPanes,
}

impl App {
    pub fn new(lang: Lang, theme: Theme, now: Millis) -> App {
        App {
            lang,
            theme,
            pane: Pane::Queue,
            width: MIN_WIDTH,
            height: MIN_HEIGHT,
            now,
            modal: None,
            status: None,
            queue: QueueView::default(),
            log: LogView::default(),
            mail: MailServerView::new(lang),
            overview: Overview::default(),
            embedded_sender: None,
            quit: false,
            panes: Pane::shown(&PaneConfig::default()),
            settings: SettingsPanes::new(lang),
            config: PaneConfig::default(),
        }
    }

    /// The deployment's config keys decide which settings panes and sections show.
    pub fn with_config(mut self, config: PaneConfig) -> App {
        self.panes = Pane::shown(&config);
        self.settings = SettingsPanes::new(self.lang);
        self.config = config;
        self
    }

    /// The editor of a settings pane other than Mail server.
    fn editor(&mut self) -> Option<&mut TabEditor> {
        let tab = self.pane.tab()?;
        self.settings.editor_mut(tab)
    }

    /// Whether a pane holds changes not saved yet.
    pub fn pane_dirty(&self, pane: Pane) -> bool {
        match pane {
            Pane::MailServer => self.mail.dirty(),
            p => p
                .tab()
                .and_then(|t| self.settings.editor(t))
                .is_some_and(TabEditor::dirty),
        }
    }

    /// What to load first.
    pub fn start(&mut self) -> Vec<Command> {
        self.queue.loading = true;
        let mut cmds = vec![
            Command::LoadOverview,
            Command::LoadQueue(self.queue_query()),
            Command::LoadLog(self.log_filter()),
            Command::LoadSignInStatus,
        ];
        cmds.extend(
            self.panes
                .iter()
                .filter_map(|p| p.tab())
                .map(Command::LoadSettings),
        );
        if self.panes.contains(&Pane::Storage) {
            cmds.push(Command::LoadOperators);
        }
        cmds
    }

    pub fn queue_query(&self) -> MailQuery {
        MailQuery {
            status: self.queue.filter,
            search: self.queue.search.clone(),
            cursor: self.queue.cursor,
            limit: PAGE,
            oldest_first: self.queue.oldest_first,
        }
    }

    pub fn log_filter(&self) -> LogFilter {
        LogFilter {
            mail_id: self.log.mail,
            min_level: self.log.min_level,
            before_id: None,
            limit: LOG_LIMIT,
        }
    }

    pub fn scope(&self) -> Scope {
        match self.pane {
            Pane::Queue if self.queue.detail.is_some() => Scope::Detail,
            Pane::Queue => Scope::Queue,
            Pane::WorkLog => Scope::WorkLog,
            Pane::MailServer if self.mail.editing() => Scope::Form,
            Pane::MailServer => Scope::MailServer,
            Pane::Templates if self.settings.templates.editing() => Scope::TemplatesForm,
            p if p
                .tab()
                .and_then(|t| self.settings.editor(t))
                .is_some_and(TabEditor::editing) =>
            {
                Scope::Form
            }
            Pane::Templates => Scope::Templates,
            Pane::ApiAuth => Scope::ApiAuth,
            Pane::Erp => Scope::Erp,
            Pane::Domain => Scope::Domain,
            Pane::Tools => Scope::Tools,
            Pane::ApiSystems => Scope::ApiSystems,
            Pane::Storage => Scope::Storage,
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Command> {
        match msg {
            Msg::Key(k) => self.key(k),
            Msg::Paste(text) => {
                if let Some(m) = self.modal.as_mut() {
                    m.paste(&text);
                } else if let Some(input) = self.queue.search_input.as_mut() {
                    input.extend(text.chars().filter(|c| !c.is_control()));
                } else if let Some(e) = self.editor().filter(|e| e.editing()) {
                    e.form.paste(&text);
                    e.refresh_warnings();
                } else if self.pane == Pane::MailServer && self.mail.editing() {
                    if self.mail.in_test {
                        self.mail.test.paste(&text)
                    } else {
                        self.mail.account.paste(&text)
                    }
                }
                Vec::new()
            }
            Msg::SettingsLoaded {
                tab: Tab::MailServer,
                doc,
                version,
            } => {
                // Someone else's save must not wipe what is being typed here.
                if !self.mail.dirty() || !self.mail.loaded {
                    let sendmail =
                        doc.get("send_with").and_then(|v| v.as_str()) == Some("sendmail");
                    self.mail.loaded(doc.clone(), version);
                    // The profile section says whether the MTA is there.
                    if sendmail && !self.mail.checking {
                        self.mail.checking = true;
                        self.mail.check_progress.clear();
                        return vec![Command::CheckSmtp(doc)];
                    }
                }
                Vec::new()
            }
            Msg::SettingsLoaded { tab, doc, version } => {
                if let Some(e) = self.settings.editor_mut(tab)
                    && (!e.dirty() || !e.loaded)
                {
                    e.loaded_doc(doc, version);
                    if tab == Tab::Erp {
                        self.settings.new_keys.clear();
                        self.settings.refresh_erp_sections();
                    }
                    if tab == Tab::Domain {
                        self.settings.refresh_domain_sections();
                    }
                }
                Vec::new()
            }
            Msg::SettingsSaved { tab, version } => {
                if tab == Tab::MailServer {
                    // What was saved is what is stored now; the reload brings it back.
                    self.mail.account.dirty = false;
                    self.mail.version = version;
                } else if let Some(e) = self.settings.editor_mut(tab) {
                    e.saved(version);
                }
                self.status = Some((
                    false,
                    format!("{}: {tab} (version {version})", Txt::Saved.t(self.lang)),
                ));
                vec![Command::LoadSettings(tab)]
            }
            Msg::SettingsInvalid { tab, errors } => {
                let text: Vec<String> = errors
                    .iter()
                    .map(|e| {
                        let what = match &e.problem {
                            Some(p) => crate::i18n::problem(p, self.lang),
                            None => e.message.clone(),
                        };
                        format!("{}: {what}", e.field.rsplit('.').next().unwrap_or(&e.field))
                    })
                    .collect();
                self.status = Some((true, text.join("; ")));
                match self.settings.editor_mut(tab) {
                    Some(e) => {
                        e.show_errors(&errors);
                        if tab == Tab::Erp {
                            self.settings.refresh_erp_sections();
                        }
                    }
                    None => self.mail.invalid(&errors),
                }
                Vec::new()
            }
            Msg::SettingsConflict {
                tab,
                theirs,
                version,
            } => {
                let conflict = match self.settings.editor_mut(tab) {
                    Some(e) => e.conflicted(theirs, version),
                    None => self.mail.conflicted(theirs, version),
                };
                self.modal = Some(Modal::Conflict { tab, conflict });
                Vec::new()
            }
            Msg::SignInCode {
                uri,
                code,
                qr,
                expires_in,
            } => {
                if matches!(self.modal, Some(Modal::SignIn(SignIn::Starting))) {
                    self.modal = Some(Modal::SignIn(SignIn::Code {
                        uri,
                        code,
                        qr,
                        expires_at: self.now + expires_in.as_millis() as Millis,
                    }));
                }
                Vec::new()
            }
            Msg::SignInDone { login, result } => {
                self.status = Some(match &result {
                    Ok(()) => (false, format!("{} {login}", Txt::LoggedInUser.t(self.lang))),
                    Err(why) => (
                        true,
                        format!("{} {login}: {why}", Txt::CouldNotLogIn.t(self.lang)),
                    ),
                });
                if matches!(self.modal, Some(Modal::SignIn(_))) {
                    self.modal = Some(Modal::SignIn(SignIn::Done { login, result }));
                }
                Vec::new()
            }
            Msg::SignInStatus(status) => {
                self.mail.sign_in_status = status;
                Vec::new()
            }
            Msg::KeyInfos(infos) => {
                self.settings.key_infos = infos;
                Vec::new()
            }
            Msg::PrivateKeyRead { company_id, result } => {
                match result {
                    Ok((pem, info)) => {
                        // The company the key was loaded for, wherever the selection is now.
                        let e = &mut self.settings.erp;
                        if let Some(company) = e
                            .working
                            .get_mut("companies")
                            .and_then(|c| c.as_array_mut())
                            .and_then(|c| {
                                c.iter_mut()
                                    .find(|c| settings_panes::item_text(c, "id") == company_id)
                            })
                        {
                            company["private_key"] = serde_json::Value::String(pem);
                            self.settings.new_keys.insert(company_id, info);
                            e.changed = true;
                        }
                    }
                    Err(text) => self.status = Some((true, text)),
                }
                Vec::new()
            }
            Msg::OperatorsLoaded(list) => {
                self.settings.operators = Some(list);
                Vec::new()
            }
            Msg::AnonymizeCount { days, count } => {
                if count == 0 {
                    self.status = Some((
                        false,
                        crate::i18n::messages::anonymize_nothing(days, self.lang),
                    ));
                } else {
                    self.modal = Some(Modal::Confirm(Ask::Anonymize { days, count }));
                }
                Vec::new()
            }
            Msg::CheckProgress(step) => {
                if self.mail.checking {
                    self.mail.check_progress.push(step);
                }
                Vec::new()
            }
            Msg::CheckDone(report) => {
                self.mail.checking = false;
                self.mail.check = Some(report);
                Vec::new()
            }
            Msg::TestQueued(id) => {
                self.mail.test_mail = Some((id, TestOutcome::Waiting));
                self.status = Some((false, format!("{} {id}", Txt::TestQueued.t(self.lang))));
                vec![Command::WatchMail(id)]
            }
            Msg::TestState(id, outcome) => {
                if self.mail.test_mail.as_ref().is_some_and(|(t, _)| *t == id) {
                    self.mail.test_mail = Some((id, outcome));
                }
                Vec::new()
            }
            Msg::Resize(w, h) => {
                self.width = w;
                self.height = h;
                Vec::new()
            }
            Msg::Tick(now) => {
                self.now = now;
                Vec::new()
            }
            Msg::Changed => self.changed(),
            Msg::Terminate => {
                self.quit = true;
                Vec::new()
            }
            Msg::EmbeddedSender(state) => {
                self.embedded_sender = Some(state);
                Vec::new()
            }
            Msg::QueueLoaded { query, rows } => self.queue_loaded(query, rows),
            Msg::Overview(o) => {
                self.overview = o;
                Vec::new()
            }
            Msg::DetailLoaded(d) => {
                if self
                    .queue
                    .detail
                    .as_ref()
                    .is_some_and(|old| old.mail.id == d.mail.id)
                    || self.queue.selected_id == Some(d.mail.id)
                {
                    self.queue.detail = Some(*d);
                }
                Vec::new()
            }
            Msg::LogLoaded { filter, entries } => {
                if filter == self.log_filter() {
                    let keep = self.log.entries.get(self.log.selected).map(|e| e.id);
                    self.log.entries = entries;
                    self.log.selected = if self.log.follow {
                        0
                    } else {
                        keep.and_then(|id| self.log.entries.iter().position(|e| e.id == id))
                            .unwrap_or(0)
                    };
                }
                Vec::new()
            }
            Msg::ShapeLoaded(s) => {
                self.queue.shape = Some(s);
                Vec::new()
            }
            Msg::ActionDone(result) => {
                self.status = Some(match result {
                    Ok(done) => (false, done.text(self.lang)),
                    Err(text) => (true, text),
                });
                self.queue.marked.clear();
                self.reload()
            }
            Msg::LoadFailed(text) => {
                self.queue.loading = false;
                self.status = Some((true, text));
                Vec::new()
            }
        }
    }

    fn changed(&mut self) -> Vec<Command> {
        let mut cmds = vec![Command::LoadOverview, Command::LoadLog(self.log_filter())];
        if self.queue.frozen {
            self.queue.new_since_frozen += 1;
        } else if self.queue.loading {
            self.queue.stale = true;
        } else {
            cmds.extend(self.reload_queue());
        }
        if let Some(d) = &self.queue.detail {
            cmds.push(Command::LoadDetail(d.mail.id));
        }
        if self.queue.show_shape {
            cmds.push(Command::LoadShape);
        }
        if let Some((id, TestOutcome::Waiting)) = &self.mail.test_mail {
            cmds.push(Command::WatchMail(*id));
        }
        if !self.mail.dirty() {
            cmds.push(Command::LoadSettings(Tab::MailServer));
        }
        if self.pane == Pane::MailServer {
            cmds.push(Command::LoadSignInStatus);
        }
        cmds.extend(self.refresh_pane());
        cmds
    }

    /// What the pane in view needs loaded again (its tab, unless it holds unsaved
    /// changes; the operators list).
    fn refresh_pane(&self) -> Vec<Command> {
        let mut cmds = Vec::new();
        if let Some(tab) = self.pane.tab()
            && tab != Tab::MailServer
            && !self.pane_dirty(self.pane)
        {
            cmds.push(Command::LoadSettings(tab));
        }
        if self.pane == Pane::Storage {
            cmds.push(Command::LoadOperators);
        }
        cmds
    }

    fn reload(&mut self) -> Vec<Command> {
        let mut cmds = vec![Command::LoadOverview, Command::LoadLog(self.log_filter())];
        cmds.extend(self.reload_queue());
        if let Some(d) = &self.queue.detail {
            cmds.push(Command::LoadDetail(d.mail.id));
        }
        cmds
    }

    fn reload_queue(&mut self) -> Vec<Command> {
        self.queue.loading = true;
        self.queue.stale = false;
        vec![Command::LoadQueue(self.queue_query())]
    }

    fn queue_loaded(&mut self, query: MailQuery, rows: Vec<MailSummary>) -> Vec<Command> {
        if query != self.queue_query() {
            // An answer to a query no longer shown (the filter changed meanwhile).
            return Vec::new();
        }
        self.queue.loading = false;
        self.queue.rows = rows;
        // The selection follows its mail across refreshes.
        self.queue.selected = self
            .queue
            .selected_id
            .and_then(|id| self.queue.rows.iter().position(|r| r.id == id))
            .unwrap_or_else(|| {
                self.queue
                    .selected
                    .min(self.queue.rows.len().saturating_sub(1))
            });
        self.queue.selected_id = self.queue.rows.get(self.queue.selected).map(|r| r.id);
        if self.queue.stale {
            return self.reload_queue();
        }
        Vec::new()
    }

    fn key(&mut self, k: KeyEvent) -> Vec<Command> {
        if k.kind == crossterm::event::KeyEventKind::Release {
            return Vec::new();
        }
        // The popup first, then text input, then the pane, then global keys.
        if let Some(modal) = self.modal.take() {
            return self.reply(modal.key(&k));
        }
        if self.queue.search_input.is_some() {
            return self.search_key(k);
        }
        if self.pane != Pane::MailServer
            && matches!(self.scope(), Scope::Form | Scope::TemplatesForm)
        {
            return self.settings_form_key(k);
        }
        if self.scope() == Scope::Form {
            // In a field of several lines, Enter and the arrows belong to the text.
            if self.mail.focused_multi_line()
                && matches!(k.code, KeyCode::Enter | KeyCode::Up | KeyCode::Down)
            {
                return self.mail.edit_key(k);
            }
            return match action_for(Scope::Form, &k) {
                Some(a) => self.act(a),
                None => self.mail.edit_key(k),
            };
        }
        match action_for(self.scope(), &k) {
            Some(a) => self.act(a),
            None => Vec::new(),
        }
    }

    /// Acts on what the popup answered.
    fn reply(&mut self, reply: Reply) -> Vec<Command> {
        match reply {
            Reply::Open(m) => {
                self.modal = Some(m);
                Vec::new()
            }
            Reply::Closed => Vec::new(),
            Reply::Yes(Ask::Mails { action, ids }) => vec![Command::Act(action, ids)],
            Reply::Yes(Ask::Leave(target)) => self.leave(target),
            Reply::Yes(ask) => self.confirmed(ask),
            Reply::ReloadTheirs { tab, conflict } => {
                match self.settings.editor_mut(tab) {
                    Some(e) => {
                        e.form.dirty = false;
                        e.loaded_doc(conflict.theirs, conflict.version);
                    }
                    None => {
                        self.mail.account.dirty = false;
                        self.mail.loaded(conflict.theirs, conflict.version);
                    }
                }
                Vec::new()
            }
            Reply::Overwrite { tab, conflict } => match self.settings.editor_mut(tab) {
                Some(e) => {
                    e.version = conflict.version;
                    e.save()
                }
                None => {
                    self.mail.version = conflict.version;
                    self.mail.save()
                }
            },
            Reply::Picked(PickerKind::Preset, value) => {
                if let Ok(i) = value.parse() {
                    self.mail.apply_preset(i);
                }
                Vec::new()
            }
            Reply::Picked(kind, value) => self.picked(kind, value),
            Reply::Submit(prompt) => self.submit_prompt(prompt),
            Reply::CancelSignIn => vec![Command::CancelSignIn],
        }
    }

    /// Leaving drops the unsaved changes: the stored values come back.
    fn leave(&mut self, target: Leave) -> Vec<Command> {
        for pane in self.panes.clone() {
            if !self.pane_dirty(pane) {
                continue;
            }
            match pane.tab().and_then(|t| self.settings.editor_mut(t)) {
                Some(e) => {
                    let (doc, version) = (e.stored.clone(), e.version);
                    e.form.dirty = false;
                    e.form.editing = false;
                    e.loaded_doc(doc, version);
                }
                None => {
                    let (doc, version) = (self.mail.stored.clone(), self.mail.version);
                    self.mail.loaded(doc, version);
                }
            }
        }
        self.settings.refresh_erp_sections();
        self.settings.refresh_domain_sections();
        match target {
            Leave::To(p) => {
                self.pane = p;
                self.refresh_pane()
            }
            Leave::Quit => {
                self.quit = true;
                Vec::new()
            }
        }
    }

    fn search_key(&mut self, k: KeyEvent) -> Vec<Command> {
        let Some(input) = self.queue.search_input.as_mut() else {
            return Vec::new();
        };
        match k.code {
            KeyCode::Esc => {
                self.queue.search_input = None;
                Vec::new()
            }
            KeyCode::Enter => {
                let text = self.queue.search_input.take().unwrap_or_default();
                self.queue.search = Some(text.trim().to_string()).filter(|t| !t.is_empty());
                self.first_page()
            }
            KeyCode::Backspace => {
                input.pop();
                Vec::new()
            }
            KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
                input.push(c);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn first_page(&mut self) -> Vec<Command> {
        self.queue.cursor = None;
        self.queue.cursor_stack.clear();
        self.queue.selected = 0;
        self.queue.selected_id = None;
        self.reload_queue()
    }

    /// Switches panes, asking first when the pane has unsaved changes.
    fn go(&mut self, to: Pane) -> Vec<Command> {
        if to == self.pane {
            return Vec::new();
        }
        if self.pane_dirty(self.pane) {
            self.modal = Some(Modal::Confirm(Ask::Leave(Leave::To(to))));
            Vec::new()
        } else {
            self.pane = to;
            self.refresh_pane()
        }
    }

    /// The mails an action applies to: the marked ones, else the selected one.
    fn targets(&self) -> Vec<MailId> {
        if let Some(d) = &self.queue.detail {
            return vec![d.mail.id];
        }
        if !self.queue.marked.is_empty() {
            return self.queue.marked.iter().copied().collect();
        }
        self.queue.selected_id.into_iter().collect()
    }

    fn mail_action(&mut self, action: MailAction) -> Vec<Command> {
        let ids = self.targets();
        if ids.is_empty() {
            return Vec::new();
        }
        match action {
            // Destructive: ask first.
            MailAction::Delete | MailAction::Cancel => {
                self.modal = Some(Modal::Confirm(Ask::Mails { action, ids }));
                Vec::new()
            }
            _ => vec![Command::Act(action, ids)],
        }
    }

    fn move_selection(&mut self, delta: isize) {
        let len = self.queue.rows.len();
        if len == 0 {
            return;
        }
        let next = (self.queue.selected as isize + delta).clamp(0, len as isize - 1) as usize;
        self.queue.selected = next;
        self.queue.selected_id = self.queue.rows.get(next).map(|r| r.id);
    }

    fn act(&mut self, a: Action) -> Vec<Command> {
        let visible = usize::from(self.height.saturating_sub(9)).max(1) as isize;
        match a {
            Action::Quit if self.panes.iter().any(|p| self.pane_dirty(*p)) => {
                self.modal = Some(Modal::Confirm(Ask::Leave(Leave::Quit)));
                Vec::new()
            }
            Action::Quit => {
                self.quit = true;
                Vec::new()
            }
            Action::Help => {
                self.modal = Some(Modal::Help);
                Vec::new()
            }
            Action::GoPane(i) => match self.panes.get(i) {
                Some(p) => self.go(*p),
                None => Vec::new(),
            },
            Action::NextPane | Action::PrevPane => {
                let i = self.panes.iter().position(|p| *p == self.pane).unwrap_or(0);
                let n = self.panes.len();
                let j = if a == Action::NextPane {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.go(self.panes[j])
            }
            _ if self.pane != Pane::MailServer && self.pane.tab().is_some() => {
                self.settings_action(a)
            }
            Action::EditAccount => {
                self.mail.in_test = false;
                self.mail.account.editing = true;
                self.mail.account.settle_focus();
                Vec::new()
            }
            Action::EditTest => {
                self.mail.in_test = true;
                self.mail.test.editing = true;
                self.mail.test.settle_focus();
                Vec::new()
            }
            Action::Save => self.mail.save(),
            Action::Authorize => {
                let lang = self.lang;
                let say = |t: Txt| Some((true, t.t(lang).to_string()));
                if self.mail.account.value("send_with") == "sendmail" {
                    self.status = say(Txt::HintSendmailOauth);
                } else if self.mail.account.value("auth_method") != "oauth2" {
                    self.status = say(Txt::NeedsOauth);
                } else if self.mail.dirty()
                    || self.mail.stored.get("auth_method").and_then(|v| v.as_str())
                        != Some("oauth2")
                {
                    let key = super::keys::key_for(Scope::MailServer, Action::Save);
                    self.status = Some((true, crate::i18n::messages::save_first(key, lang)));
                } else {
                    self.modal = Some(Modal::SignIn(SignIn::Starting));
                    return vec![Command::StartSignIn];
                }
                Vec::new()
            }
            Action::Presets => {
                let items = super::mail_server::PRESETS
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let label =
                            format!("{:<14} {}:{}  {}", p.name, p.server, p.port, p.encryption);
                        (i.to_string(), label)
                    })
                    .collect();
                let mut picker = Picker::new(PickerKind::Preset, Txt::Presets, items);
                picker.width = 60;
                self.modal = Some(Modal::Picker(picker));
                Vec::new()
            }
            Action::Check => match self.mail.account.document(&self.mail.stored) {
                Some(doc) => {
                    self.mail.checking = true;
                    self.mail.check = None;
                    self.mail.check_progress.clear();
                    vec![Command::CheckSmtp(doc)]
                }
                None => Vec::new(),
            },
            Action::LeaveForm => {
                self.mail.account.editing = false;
                self.mail.test.editing = false;
                Vec::new()
            }
            Action::NextField | Action::PrevField => {
                let completing = a == Action::NextField
                    && self.mail.in_test
                    && self
                        .mail
                        .test
                        .focused()
                        .is_some_and(|f| f.key == "attachment")
                    && self.mail.complete_path();
                if !completing {
                    let form = if self.mail.in_test {
                        &mut self.mail.test
                    } else {
                        &mut self.mail.account
                    };
                    form.move_focus(a == Action::NextField);
                }
                Vec::new()
            }
            Action::Sort => {
                self.queue.oldest_first = !self.queue.oldest_first;
                self.first_page()
            }
            Action::SaveEml => {
                let id = self
                    .queue
                    .detail
                    .as_ref()
                    .map(|d| d.mail.id)
                    .or(self.queue.selected_id);
                // Ask where, with a name in the console's folder ready to accept.
                if let Some(id) = id {
                    let mut prompt = Prompt::new(PromptKind::SaveEml(id), self.lang);
                    if let Some(f) = prompt.form.get_mut("path") {
                        f.set(&serde_json::Value::String(format!("mail-{id}.eml")));
                    }
                    self.modal = Some(Modal::Prompt(prompt));
                }
                Vec::new()
            }
            Action::ShowPassword => {
                if let Some(f) = self.mail.account.get_mut("password") {
                    f.toggle_shown();
                }
                Vec::new()
            }
            Action::Up | Action::Down if self.pane == Pane::WorkLog => {
                let len = self.log.entries.len();
                if len > 0 {
                    let d: isize = if a == Action::Up { -1 } else { 1 };
                    self.log.selected =
                        (self.log.selected as isize + d).clamp(0, len as isize - 1) as usize;
                    self.log.follow = self.log.selected == 0;
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
                if self.queue.selected + 1 < self.queue.rows.len() {
                    self.move_selection(visible);
                    return Vec::new();
                }
                // At the end of this page: fetch the next one by keyset.
                match self.queue.rows.last() {
                    Some(last) if self.queue.rows.len() as u32 == PAGE => {
                        self.queue.cursor_stack.push(self.queue.cursor);
                        self.queue.cursor = Some(Cursor::Before(last.id));
                        self.queue.selected = 0;
                        self.queue.selected_id = None;
                        self.reload_queue()
                    }
                    _ => Vec::new(),
                }
            }
            Action::PageUp => {
                if self.queue.selected > 0 {
                    self.move_selection(-visible);
                    return Vec::new();
                }
                match self.queue.cursor_stack.pop() {
                    Some(previous) => {
                        self.queue.cursor = previous;
                        self.queue.selected = 0;
                        self.queue.selected_id = None;
                        self.reload_queue()
                    }
                    None => Vec::new(),
                }
            }
            Action::Top => self.first_page(),
            Action::Open => {
                let id = self.queue.selected_id;
                match id {
                    Some(id) => vec![Command::LoadDetail(id)],
                    None => Vec::new(),
                }
            }
            Action::Back => {
                self.queue.detail = None;
                Vec::new()
            }
            Action::Search => {
                self.queue.search_input = Some(self.queue.search.clone().unwrap_or_default());
                Vec::new()
            }
            Action::NextFilter | Action::PrevFilter => {
                let i = FILTERS
                    .iter()
                    .position(|f| *f == self.queue.filter)
                    .unwrap_or(0);
                let n = FILTERS.len();
                let j = if a == Action::NextFilter {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.queue.filter = FILTERS[j];
                self.queue.marked.clear();
                self.first_page()
            }
            Action::Mark => {
                if let Some(id) = self.queue.selected_id
                    && !self.queue.marked.remove(&id)
                {
                    self.queue.marked.insert(id);
                }
                self.move_selection(1);
                Vec::new()
            }
            Action::Retry => self.mail_action(MailAction::Retry),
            Action::Hold => self.mail_action(MailAction::Hold),
            Action::Release => self.mail_action(MailAction::Release),
            Action::Cancel => self.mail_action(MailAction::Cancel),
            Action::Delete => self.mail_action(MailAction::Delete),
            Action::PauseResume => vec![Command::SetPaused(!self.overview.paused)],
            Action::Freeze => {
                self.queue.frozen = !self.queue.frozen;
                if !self.queue.frozen && self.queue.new_since_frozen > 0 {
                    self.queue.new_since_frozen = 0;
                    return self.reload_queue();
                }
                Vec::new()
            }
            Action::Shape => {
                self.queue.show_shape = !self.queue.show_shape;
                if self.queue.show_shape {
                    vec![Command::LoadShape]
                } else {
                    Vec::new()
                }
            }
            Action::Level => {
                self.log.min_level = match self.log.min_level {
                    None => Some(Level::Warn),
                    Some(Level::Warn) => Some(Level::Error),
                    _ => None,
                };
                vec![Command::LoadLog(self.log_filter())]
            }
            Action::MailOnly => {
                self.log.mail = match self.log.mail {
                    Some(_) => None,
                    None => self
                        .log
                        .entries
                        .get(self.log.selected)
                        .and_then(|e| e.mail_id),
                };
                vec![Command::LoadLog(self.log_filter())]
            }
            Action::Follow => {
                self.log.follow = !self.log.follow;
                if self.log.follow {
                    self.log.selected = 0;
                }
                Vec::new()
            }
            // Keys of the settings panes, handled above when one is in view.
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

#[cfg(test)]
mod mail_server_tests {
    use super::*;
    use serde_json::json;

    fn key(a: &mut App, c: KeyCode) -> Vec<Command> {
        a.update(Msg::Key(KeyEvent::new(c, KeyModifiers::NONE)))
    }

    fn typed(a: &mut App, text: &str) {
        for c in text.chars() {
            key(a, KeyCode::Char(c));
        }
    }

    fn ready() -> App {
        let mut a = App::new(Lang::En, Theme::default(), 0);
        a.start();
        let doc = serde_json::to_value(crate::settings::MailServerSettings::default()).unwrap();
        a.update(Msg::SettingsLoaded {
            tab: Tab::MailServer,
            doc,
            version: 3,
        });
        key(&mut a, KeyCode::Char('1'));
        a
    }

    #[test]
    fn typing_saving_and_leaving() {
        let mut a = ready();
        key(&mut a, KeyCode::Enter);
        assert_eq!(a.scope(), Scope::Form);
        // Focus starts on send_with; go to account_name and type, q and 2 included.
        key(&mut a, KeyCode::Down);
        key(&mut a, KeyCode::Down);
        typed(&mut a, "q2 DMS");
        assert!(!a.quit && a.pane == Pane::MailServer, "typing is text");
        assert_eq!(a.mail.account.value("account_name"), "q2 DMS");
        assert!(a.mail.dirty());
        let cmds = a.update(Msg::Key(KeyEvent::new(
            KeyCode::Char('s'),
            KeyModifiers::CONTROL,
        )));
        match &cmds[..] {
            [
                Command::SaveSettings {
                    tab: Tab::MailServer,
                    doc,
                    version: 3,
                },
            ] => assert_eq!(doc["account_name"], "q2 DMS"),
            other => panic!("{other:?}"),
        }
        // Validation errors land beside their fields; nothing typed is lost.
        a.update(Msg::SettingsInvalid {
            tab: Tab::MailServer,
            errors: vec![crate::settings::FieldError::new(
                "mail_server.from_address",
                "is required",
            )],
        });
        assert_eq!(
            a.mail.account.get("from_address").unwrap().error.as_deref(),
            Some("is required")
        );
        assert_eq!(a.mail.account.value("account_name"), "q2 DMS");
        // Leaving with unsaved changes asks; "no" stays.
        key(&mut a, KeyCode::Esc);
        key(&mut a, KeyCode::Char('2'));
        assert!(matches!(
            a.modal,
            Some(Modal::Confirm(Ask::Leave(Leave::To(Pane::Queue))))
        ));
        key(&mut a, KeyCode::Char('n'));
        assert_eq!(a.pane, Pane::MailServer);
        key(&mut a, KeyCode::Char('2'));
        key(&mut a, KeyCode::Char('y'));
        assert_eq!(a.pane, Pane::Queue);
        assert!(
            !a.mail.dirty(),
            "left without saving: the stored values are back"
        );
    }

    #[test]
    fn a_conflict_offers_reload_or_overwrite() {
        let mut a = ready();
        key(&mut a, KeyCode::Enter);
        key(&mut a, KeyCode::Down);
        key(&mut a, KeyCode::Down);
        typed(&mut a, "mine");
        let theirs = json!({"account_name": "theirs", "port": 465});
        let mut full =
            serde_json::to_value(crate::settings::MailServerSettings::default()).unwrap();
        full["account_name"] = theirs["account_name"].clone();
        a.update(Msg::SettingsConflict {
            tab: Tab::MailServer,
            theirs: full.clone(),
            version: 4,
        });
        let Some(Modal::Conflict { conflict: c, .. }) = &a.modal else {
            panic!("no conflict shown")
        };
        assert!(
            c.differences
                .iter()
                .any(|(f, m, t)| f == "account_name" && m == "mine" && t == "theirs")
        );
        // Overwrite: save mine over version 4.
        let cmds = key(&mut a, KeyCode::Char('o'));
        assert!(
            matches!(&cmds[..], [Command::SaveSettings { version: 4, doc, .. }] if doc["account_name"] == "mine")
        );
        // Reload: theirs replaces the form.
        a.update(Msg::SettingsConflict {
            tab: Tab::MailServer,
            theirs: full,
            version: 5,
        });
        key(&mut a, KeyCode::Char('r'));
        assert_eq!(a.mail.account.value("account_name"), "theirs");
        assert_eq!(a.mail.version, 5);
        assert!(!a.mail.dirty());
    }

    #[test]
    fn presets_and_test_message() {
        let mut a = ready();
        key(&mut a, KeyCode::Char('p'));
        key(&mut a, KeyCode::Down);
        key(&mut a, KeyCode::Enter);
        assert_eq!(a.mail.account.value("server_name"), "smtp.poczta.onet.pl");
        assert_eq!(a.mail.account.value("port"), "465");
        key(&mut a, KeyCode::Char('t'));
        let cmds = key(&mut a, KeyCode::Enter);
        assert!(cmds.is_empty(), "recipient and subject are required");
        assert!(a.mail.test.get("to").unwrap().error.is_some());
        typed(&mut a, "jan@firma.pl");
        key(&mut a, KeyCode::Tab);
        typed(&mut a, "Test");
        let cmds = key(&mut a, KeyCode::Enter);
        assert_eq!(
            cmds,
            vec![Command::SendTest {
                to: "jan@firma.pl".into(),
                subject: "Test".into(),
                body: String::new(),
                attachment: None
            }]
        );
        let cmds = a.update(Msg::TestQueued(7));
        assert_eq!(cmds, vec![Command::WatchMail(7)]);
        assert!(a.update(Msg::Changed).contains(&Command::WatchMail(7)));
        a.update(Msg::TestState(7, TestOutcome::Delivered("250 OK".into())));
        assert_eq!(
            a.mail.test_mail,
            Some((7, TestOutcome::Delivered("250 OK".into())))
        );
    }
}

#[cfg(test)]
mod sign_in_tests {
    use super::*;

    fn key(a: &mut App, c: KeyCode) -> Vec<Command> {
        a.update(Msg::Key(KeyEvent::new(c, KeyModifiers::NONE)))
    }

    #[test]
    fn authorize_needs_a_saved_oauth_account_and_esc_cancels() {
        let mut a = App::new(Lang::En, Theme::default(), 0);
        let mut doc = serde_json::to_value(crate::settings::MailServerSettings::default()).unwrap();
        a.update(Msg::SettingsLoaded {
            tab: Tab::MailServer,
            doc: doc.clone(),
            version: 1,
        });
        key(&mut a, KeyCode::Char('1'));
        assert!(key(&mut a, KeyCode::Char('a')).is_empty());
        assert!(
            a.status.as_ref().unwrap().1.contains("OAuth2"),
            "{:?}",
            a.status
        );
        doc["auth_method"] = serde_json::json!("oauth2");
        a.update(Msg::SettingsLoaded {
            tab: Tab::MailServer,
            doc,
            version: 2,
        });
        assert_eq!(key(&mut a, KeyCode::Char('a')), vec![Command::StartSignIn]);
        assert!(
            key(&mut a, KeyCode::Char('q')).is_empty(),
            "the dialog takes the keys"
        );
        assert!(!a.quit);
        a.update(Msg::SignInCode {
            uri: "https://microsoft.com/devicelogin".into(),
            code: "DMS-4242".into(),
            qr: Vec::new(),
            expires_in: std::time::Duration::from_secs(900),
        });
        assert!(matches!(a.modal, Some(Modal::SignIn(SignIn::Code { .. }))));
        assert_eq!(key(&mut a, KeyCode::Esc), vec![Command::CancelSignIn]);
        assert!(a.modal.is_none());
        // A late answer of the cancelled sign-in opens nothing.
        a.update(Msg::SignInCode {
            uri: "u".into(),
            code: "c".into(),
            qr: Vec::new(),
            expires_in: std::time::Duration::from_secs(1),
        });
        assert!(a.modal.is_none());
    }
}

#[cfg(test)]
mod queue_order_tests {
    use super::*;

    #[test]
    fn sort_and_save_eml() {
        let mut a = App::new(Lang::En, Theme::default(), 0);
        a.start();
        let cmds = a.update(Msg::Key(KeyEvent::new(
            KeyCode::Char('o'),
            KeyModifiers::NONE,
        )));
        assert!(
            matches!(&cmds[..], [Command::LoadQueue(q)] if q.oldest_first && q.cursor.is_none())
        );
        let q = a.queue_query();
        a.update(Msg::QueueLoaded {
            query: q,
            rows: Vec::new(),
        });
        assert!(
            a.update(Msg::Key(KeyEvent::new(
                KeyCode::Char('e'),
                KeyModifiers::NONE
            )))
            .is_empty(),
            "nothing selected"
        );
    }
}

#[cfg(test)]
mod profile_tests {
    use super::*;

    #[test]
    fn a_sendmail_account_is_checked_on_load() {
        let mut a = App::new(Lang::Pl, Theme::default(), 0);
        let mut doc = serde_json::to_value(crate::settings::MailServerSettings::default()).unwrap();
        doc["send_with"] = serde_json::json!("sendmail");
        let cmds = a.update(Msg::SettingsLoaded {
            tab: Tab::MailServer,
            doc,
            version: 1,
        });
        assert!(matches!(&cmds[..], [Command::CheckSmtp(d)] if d["send_with"] == "sendmail"));
        assert!(a.mail.account.hidden.contains("server_name"));
        assert!(!a.mail.account.hidden.contains("sendmail_path"));
    }
}
