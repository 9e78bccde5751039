//! The console's state and its one way of changing: `update(msg) -> Vec<Command>`.
//! `App` is a router: it holds the tabs, the status line, the popup slot and the
//! header's figures, answers the global keys, and hands everything else to the pane in
//! view (`panes`). Panes hold view state only; every read and write of data is a
//! `Command`.

use crossterm::event::KeyEvent;

use super::keys::{Action, Scope, action_for};
use super::modal::{Ask, Leave, Modal, PickerKind, Prompt, PromptKind, Reply, SignIn};
use super::msg::{Command, Msg, Overview};
use super::panes::mail_server::MailServerPane;
use super::panes::queue::QueuePane;
pub use super::panes::queue::{FILTERS, PAGE, filter_label};
use super::panes::settings::SettingsPanes;
use super::panes::work_log::WorkLogPane;
pub use super::panes::{Ctx, Pane, PaneConfig};
use super::theme::Theme;
use super::widgets::form::Form;
use super::widgets::tab_editor::TabEditor;
use crate::i18n::clock::Clock;
use crate::i18n::{Lang, Txt, messages};
use crate::model::{LogFilter, MailAction, MailQuery, RegisteredSender};
use crate::queue::Rate;

/// The pace of a bulk action agreed to gently: as mail admins release held mail.
const GENTLE: Rate = Rate { per_minute: 300 };
use crate::settings::Tab;
use crate::time::Millis;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

pub struct App {
    pub lang: Lang,
    pub theme: Theme,
    pub pane: Pane,
    pub width: u16,
    pub height: u16,
    pub now: Millis,
    /// The popup open, if any: it has the keys and is drawn on top.
    pub modal: Option<Modal>,
    /// The last outcome, shown above the key line, wrapped: (is error, text).
    pub status: Option<(bool, String)>,
    /// When the status was set: it goes after a while, so that an old message is not
    /// read as news on another pane.
    pub status_at: Millis,
    /// Saving every unsaved tab before leaving (or quitting): where to go, and the tabs
    /// whose saves have not come back yet.
    pub leave_after_save: Option<(Leave, Vec<Tab>)>,
    pub queue: QueuePane,
    pub log: WorkLogPane,
    pub mail: MailServerPane,
    pub settings: SettingsPanes,
    pub overview: Overview,
    /// What the embedded sender says beyond its registry row (restarts).
    pub embedded_sender: Option<String>,
    /// This process: the registry row of the console's own sender is "this console".
    pub own_pid: i64,
    /// When the overview was last asked for: with no live sender nothing changes in
    /// the database, yet a sender's going stale must still be seen and logged.
    pub overview_asked_at: Millis,
    /// Local times, with their zone (UTC until `with_clock`).
    pub clock: Clock,
    pub quit: bool,
    pub config: PaneConfig,
    /// The panes shown, in number-key order.
    pub panes: Vec<Pane>,
}

/// What a pane gets to reach the rest of the console (disjoint borrows of `App`).
macro_rules! ctx {
    ($app:ident) => {
        Ctx {
            lang: $app.lang,
            height: $app.height,
            config: &$app.config,
            paused: $app.overview.control.paused,
            status: &mut $app.status,
            modal: &mut $app.modal,
        }
    };
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
            queue: QueuePane::default(),
            log: WorkLogPane::default(),
            mail: MailServerPane::new(lang),
            settings: SettingsPanes::new(lang),
            overview: Overview::default(),
            embedded_sender: None,
            own_pid: 0,
            status_at: now,
            leave_after_save: None,
            overview_asked_at: now,
            clock: Clock::default(),
            quit: false,
            panes: Pane::shown(&PaneConfig::default()),
            config: PaneConfig::default(),
        }
    }

    /// Times shown in this zone; `pid` is the console's own process.
    pub fn with_clock(mut self, clock: Clock, pid: i64) -> App {
        self.clock = clock;
        self.own_pid = pid;
        self
    }

    /// The deployment's config keys decide which settings panes and sections show.
    pub fn with_config(mut self, config: PaneConfig) -> App {
        self.panes = Pane::shown(&config);
        self.settings = SettingsPanes::new(self.lang);
        self.config = config;
        self
    }

    /// Whether this deployment offers an action (a section the config hides takes its
    /// key out of the hints and the help).
    pub fn offers(&self, action: Action) -> bool {
        match action {
            Action::Permissions => self.config.permissions_section,
            _ => true,
        }
    }

    /// Whether the key line should show the action's key now: offered, and (for a key
    /// that works in one kind of field) where it works. Help lists them all.
    pub fn applies_now(&self, action: Action) -> bool {
        self.offers(action)
            && match action {
                Action::ShowPassword => self.typing_form().is_some_and(Form::on_secret),
                _ => true,
            }
    }

    /// The form keys go to now, if they go to one.
    fn typing_form(&self) -> Option<&Form> {
        if let Some(Modal::Prompt(p)) = &self.modal {
            return Some(&p.form);
        }
        match self.pane {
            Pane::MailServer if self.mail.in_test => Some(&self.mail.test),
            p => self.editor(p.tab()?).map(|e| &e.form),
        }
    }

    /// The editor of a settings tab, the Mail server's included.
    fn editor(&self, tab: Tab) -> Option<&TabEditor> {
        match tab {
            Tab::MailServer => Some(&self.mail.editor),
            t => self.settings.editor(t),
        }
    }

    fn editor_mut(&mut self, tab: Tab) -> Option<&mut TabEditor> {
        match tab {
            Tab::MailServer => Some(&mut self.mail.editor),
            t => self.settings.editor_mut(t),
        }
    }

    /// Sections that follow the document (send with, ERP system, domain) after a load.
    fn after_load(&mut self, tab: Tab) {
        match tab {
            Tab::MailServer => self.mail.refresh_sections(),
            Tab::Erp => self.settings.erp.refresh_sections(),
            Tab::Domain => self.settings.domain.refresh_sections(),
            _ => {}
        }
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
        self.queue.query()
    }

    pub fn log_filter(&self) -> LogFilter {
        self.log.filter()
    }

    /// The key table's scope of the pane in view (what its keys are, what the hint
    /// line and the help show).
    pub fn scope(&self) -> Scope {
        match self.pane {
            Pane::Queue => self.queue.scope(),
            Pane::WorkLog => self.log.scope(),
            Pane::MailServer => self.mail.scope(),
            p => self.settings.scope(p),
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Command> {
        let before = self.status.clone();
        let mut cmds = self.handle(msg);
        if self.status != before {
            self.status_at = self.now;
        }
        if self.pane == Pane::MailServer {
            cmds.extend(self.mail.sendmail_probe());
        }
        cmds
    }

    /// How long a status stays: an outcome a few seconds, an error long enough to read.
    pub const STATUS_FOR_MS: Millis = 10_000;
    pub const ERROR_FOR_MS: Millis = 60_000;

    fn handle(&mut self, msg: Msg) -> Vec<Command> {
        match msg {
            Msg::Key(k) => self.key(k),
            Msg::Paste(text) => {
                if let Some(m) = self.modal.as_mut() {
                    m.paste(&text);
                } else if self.queue.search_input.is_some() {
                    return self.queue.search_paste(&text);
                } else if self.pane == Pane::MailServer {
                    if self.mail.editing() {
                        self.mail.paste(&text);
                    }
                } else {
                    self.settings.paste(self.pane, &text);
                }
                Vec::new()
            }
            Msg::SettingsLoaded {
                tab: Tab::MailServer,
                doc,
                version,
            } => self.mail.stored_loaded(doc, version),
            Msg::SettingsLoaded { tab, doc, version } => {
                // Never saved: a Polish console starts from the Polish default texts
                // (the stored defaults are English), to be saved like any edit.
                let polish = (tab, version, self.lang) == (Tab::Templates, 0, Lang::Pl)
                    && !self.settings.templates.editor.dirty();
                let doc = match polish {
                    true => serde_json::to_value(crate::settings::TemplatesSettings::polish())
                        .unwrap_or(doc),
                    false => doc,
                };
                self.settings.stored_loaded(tab, doc, version);
                if polish {
                    // Not stored yet: mails go out with the English defaults until saved.
                    self.settings.templates.editor.changed = true;
                }
                Vec::new()
            }
            Msg::SettingsSaved { tab, version } => {
                if let Some(e) = self.editor_mut(tab) {
                    e.saved(version);
                }
                let title = Pane::of_tab(tab)
                    .map_or_else(|| tab.to_string(), |p| p.title().t(self.lang).to_string());
                self.status = Some((false, messages::settings_saved(&title, version, self.lang)));
                let mut cmds = vec![Command::LoadSettings(tab)];
                cmds.extend(self.saved_for_leaving(tab));
                cmds
            }
            Msg::SettingsInvalid { tab, errors } => {
                // A refused save keeps the console here, at the bad field.
                if self.leave_after_save.take().is_some()
                    && let Some(p) = Pane::of_tab(tab)
                {
                    self.pane = p;
                }
                let text: Vec<String> = errors
                    .iter()
                    .map(|e| {
                        let what = match &e.problem {
                            Some(p) => crate::i18n::problem(p, self.lang),
                            None => e.message.clone(),
                        };
                        // Named as the form names the field, else by its key.
                        let key = e.field.rsplit('.').next().unwrap_or(&e.field);
                        let label = self
                            .editor(tab)
                            .and_then(|ed| ed.form.fields.iter().find(|f| f.key == key))
                            .map_or_else(|| key.to_string(), |f| f.label.t(self.lang).to_string());
                        format!("{label}: {what}")
                    })
                    .collect();
                self.status = Some((true, text.join("; ")));
                if tab == Tab::MailServer {
                    self.mail.invalid(&errors);
                } else {
                    self.settings.invalid(tab, &errors);
                }
                Vec::new()
            }
            Msg::SettingsConflict {
                tab,
                theirs,
                version,
            } => {
                self.leave_after_save = None;
                if let Some(e) = self.editor_mut(tab) {
                    let conflict = e.conflicted(theirs, version);
                    self.modal = Some(Modal::Conflict { tab, conflict });
                }
                Vec::new()
            }
            Msg::SignInCode {
                uri,
                code,
                qr,
                expires_in,
            } => {
                // Only into the dialog that asked for it (not after Esc).
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
                self.settings.erp.key_infos = infos;
                Vec::new()
            }
            Msg::PrivateKeyRead {
                company_id,
                path,
                result,
            } => {
                match result {
                    Ok((pem, info)) => self.settings.erp.key_read(company_id, pem, info),
                    // Asked again with the path as typed and the reason beside it,
                    // unless another dialog opened meanwhile.
                    Err(text) if self.modal.is_none() => {
                        let text = crate::i18n::foreign::text(&text, self.lang).into_owned();
                        let mut prompt = Prompt::new(PromptKind::LoadKey, self.lang);
                        if let Some(f) = prompt.form.get_mut("path") {
                            f.set(&serde_json::Value::String(path));
                            f.error = Some(text.clone());
                        }
                        self.modal = Some(Modal::Prompt(prompt));
                        self.status = Some((true, text));
                    }
                    Err(text) => {
                        self.status = Some((
                            true,
                            crate::i18n::foreign::text(&text, self.lang).into_owned(),
                        ))
                    }
                }
                Vec::new()
            }
            Msg::OperatorsLoaded(list) => {
                self.settings.storage.operators = Some(list);
                Vec::new()
            }
            Msg::AnonymizeCount { days, count } => {
                if count == 0 {
                    self.status = Some((false, messages::anonymize_nothing(days, self.lang)));
                } else {
                    self.modal = Some(Modal::Confirm(Ask::Anonymize { days, count }));
                }
                Vec::new()
            }
            Msg::CheckProgress(step) => {
                self.mail.check_progress(step);
                Vec::new()
            }
            Msg::CheckDone(report) => {
                self.mail.check_done(report);
                Vec::new()
            }
            Msg::TestQueued(id) => {
                self.status = Some((false, format!("{} {id}", Txt::TestQueued.t(self.lang))));
                self.mail.test_queued(id)
            }
            Msg::SendmailChecked { path, result } => {
                self.mail.sendmail_checked(path, result);
                Vec::new()
            }
            Msg::TestState(id, outcome) => {
                use super::panes::mail_server::TestOutcome;
                let text = super::panes::mail_server::outcome_text(self, id, &outcome).1;
                // News for the status line: a new kind of outcome of this test mail.
                let news = self.mail.test_mail.as_ref().is_some_and(|(t, before)| {
                    *t == id
                        && !matches!(outcome, TestOutcome::Waiting)
                        && std::mem::discriminant(before) != std::mem::discriminant(&outcome)
                });
                self.mail.test_state(id, outcome);
                if news {
                    let failed =
                        matches!(self.mail.test_mail, Some((_, TestOutcome::NotDelivered(_))));
                    self.status = Some((failed, text));
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
                let keep = match &self.status {
                    Some((true, _)) => Self::ERROR_FOR_MS,
                    _ => Self::STATUS_FOR_MS,
                };
                if now - self.status_at >= keep {
                    self.status = None;
                }
                if now - self.overview_asked_at >= RegisteredSender::HEARTBEAT_MS {
                    self.overview_asked_at = now;
                    vec![Command::LoadOverview]
                } else {
                    Vec::new()
                }
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
            Msg::QueueLoaded {
                query,
                rows,
                above,
                matched,
            } => self.queue.loaded(query, rows, above, matched),
            Msg::NewCounted { query, after, n } => {
                self.queue.new_counted(query, after, n);
                Vec::new()
            }
            Msg::Overview(o) => {
                self.overview_asked_at = self.now;
                // This console wrote the stale senders' entries itself, which its own
                // change notices do not report: show them.
                let reload_log = o.stale_noted > 0;
                self.overview = o;
                if reload_log {
                    vec![Command::LoadLog(self.log_filter())]
                } else {
                    Vec::new()
                }
            }
            Msg::DetailLoaded(d) => {
                self.queue.detail_loaded(*d);
                Vec::new()
            }
            Msg::LogLoaded { filter, entries } => {
                self.log.loaded(filter, entries);
                Vec::new()
            }
            Msg::ShapeLoaded(s) => {
                self.queue.shape = Some(s);
                Vec::new()
            }
            Msg::ErrorGroupsLoaded(groups) => {
                if let Some(view) = self.queue.errors.as_mut() {
                    view.loaded(groups);
                }
                Vec::new()
            }
            Msg::ActionDone(result) => {
                self.status = Some(match result {
                    Ok(done) => (false, done.text(self.lang)),
                    Err(failure) => (true, failure.text(self.lang)),
                });
                self.queue.marked.clear();
                let mut cmds = vec![Command::LoadOverview, Command::LoadLog(self.log_filter())];
                cmds.extend(self.queue.reload());
                if let Some(d) = &self.queue.detail {
                    cmds.push(Command::LoadDetail(d.mail.id));
                }
                cmds
            }
            Msg::BreakdownLoaded {
                action,
                filter,
                breakdown,
            } => {
                let mut ctx = ctx!(self);
                self.queue
                    .breakdown_loaded(action, filter, breakdown, &mut ctx);
                Vec::new()
            }
            Msg::BulkProgress(done) => {
                if let Some(b) = self.queue.bulk.as_mut() {
                    b.done = done;
                }
                Vec::new()
            }
            Msg::BulkStopping => {
                if let Some(b) = self.queue.bulk.as_mut() {
                    b.stopping = true;
                }
                Vec::new()
            }
            Msg::BulkDone(result) => {
                self.queue.bulk = None;
                self.update(Msg::ActionDone(result))
            }
            Msg::LoadFailed(failure) => {
                self.queue.loading = false;
                self.status = Some((true, failure.text(self.lang)));
                Vec::new()
            }
        }
    }

    /// Another process changed something: the header, the log and the queue follow;
    /// a settings tab is reloaded only while it holds no unsaved changes.
    fn changed(&mut self) -> Vec<Command> {
        let mut cmds = vec![Command::LoadOverview, Command::LoadLog(self.log_filter())];
        cmds.extend(self.queue.changed());
        if let Some((id, outcome)) = &self.mail.test_mail
            && outcome.pending()
        {
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

    fn key(&mut self, k: KeyEvent) -> Vec<Command> {
        if k.kind == crossterm::event::KeyEventKind::Release {
            return Vec::new();
        }
        // The popup first, then text input, then the pane, then global keys.
        if let Some(modal) = self.modal.take() {
            return self.reply(modal.key(&k));
        }
        if self.queue.search_input.is_some() {
            let senders: Vec<String> = self.overview.senders.iter().map(|s| s.id.clone()).collect();
            return self.queue.search_key(&k, &senders);
        }
        let scope = self.scope();
        if scope.is_typing() {
            let mut ctx = ctx!(self);
            return match self.pane {
                Pane::MailServer => self.mail.form_key(&k, &mut ctx),
                p => self.settings.form_key(p, &k, &mut ctx),
            };
        }
        match action_for(scope, &k) {
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
            Reply::Yes(Ask::Resend { ids, .. }) => vec![Command::Act(MailAction::Retry, ids)],
            Reply::Yes(Ask::Bulk {
                action,
                filter,
                breakdown,
                ..
            }) => self.queue.bulk_agreed(action, &filter, &breakdown, None),
            Reply::YesGently(Ask::Bulk {
                action,
                filter,
                breakdown,
                ..
            }) => self
                .queue
                .bulk_agreed(action, &filter, &breakdown, Some(GENTLE)),
            Reply::YesGently(_) => Vec::new(),
            Reply::Picked(PickerKind::BulkAction, verb) => self.queue.bulk_picked(&verb),
            Reply::Yes(Ask::Leave(target)) => self.leave(target),
            Reply::SaveThenLeave(target) => self.save_then_leave(target),
            Reply::Yes(ask) => self.settings.confirmed(ask),
            Reply::ReloadTheirs { tab, conflict } => {
                if let Some(e) = self.editor_mut(tab) {
                    e.form.dirty = false;
                    e.loaded_doc(conflict.theirs, conflict.version);
                }
                self.after_load(tab);
                Vec::new()
            }
            Reply::Overwrite { tab, conflict } => match self.editor_mut(tab) {
                Some(e) => {
                    e.version = conflict.version;
                    e.save()
                }
                None => Vec::new(),
            },
            Reply::Picked(PickerKind::Preset, value) => {
                if let Ok(i) = value.parse() {
                    self.mail.apply_preset(i);
                }
                Vec::new()
            }
            Reply::Picked(kind, value) => self.settings.picked(kind, value),
            Reply::Submit(prompt) => match prompt.kind {
                PromptKind::SaveEml(id) => vec![Command::SaveEml {
                    id,
                    path: prompt.form.value("path").trim().to_string(),
                }],
                _ => {
                    let mut ctx = ctx!(self);
                    self.settings.submit(prompt, &mut ctx)
                }
            },
            Reply::CancelSignIn => vec![Command::CancelSignIn],
        }
    }

    /// Saves every pane with unsaved changes; leaves when all are stored. A save that
    /// cannot start (a field is invalid) or is refused keeps the console where it is.
    fn save_then_leave(&mut self, target: Leave) -> Vec<Command> {
        let mut cmds = Vec::new();
        let mut tabs = Vec::new();
        for pane in self.panes.clone() {
            if !self.pane_dirty(pane) {
                continue;
            }
            let Some(tab) = pane.tab() else { continue };
            let saves = match self.editor_mut(tab) {
                Some(e) => e.save(),
                None => Vec::new(),
            };
            if saves.is_empty() {
                // Its form holds a value that cannot be saved: show it, stay.
                self.pane = pane;
                self.leave_after_save = None;
                self.status = Some((true, Txt::NotLeavingInvalid.t(self.lang).to_string()));
                return cmds;
            }
            cmds.extend(saves);
            tabs.push(tab);
        }
        if tabs.is_empty() {
            return self.leave(target);
        }
        self.leave_after_save = Some((target, tabs));
        cmds
    }

    /// A save came back: the last one of a save-then-leave leaves.
    fn saved_for_leaving(&mut self, tab: Tab) -> Vec<Command> {
        let Some((target, mut tabs)) = self.leave_after_save.take() else {
            return Vec::new();
        };
        tabs.retain(|t| *t != tab);
        if tabs.is_empty() {
            return self.leave(target);
        }
        self.leave_after_save = Some((target, tabs));
        Vec::new()
    }

    /// Leaving drops the unsaved changes: the stored values come back.
    fn leave(&mut self, target: Leave) -> Vec<Command> {
        for pane in self.panes.clone() {
            if !self.pane_dirty(pane) {
                continue;
            }
            let Some(tab) = pane.tab() else { continue };
            if let Some(e) = self.editor_mut(tab) {
                let (doc, version) = (e.stored.clone(), e.version);
                e.form.dirty = false;
                e.form.editing = false;
                e.loaded_doc(doc, version);
            }
            self.after_load(tab);
        }
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

    /// The global keys here; every other key goes to the pane in view.
    fn act(&mut self, a: Action) -> Vec<Command> {
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
                self.modal = Some(Modal::Help(super::modal::help::Help::open(self)));
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
            // From a work-log entry to its mail's details, in the queue pane (Esc there
            // goes back to the list; 3 comes back to the entry).
            Action::GoMail => match self.log.open_mail() {
                Some(id) => {
                    let mut cmds = self.go(Pane::Queue);
                    if self.pane == Pane::Queue {
                        cmds.extend(self.queue.open_mail(id));
                    }
                    cmds
                }
                None => Vec::new(),
            },
            _ => {
                if self.pane == Pane::Queue && self.queue.detail.is_some() {
                    self.queue.detail_max = super::panes::queue::detail_max(self);
                }
                if self.pane == Pane::WorkLog && self.log.open.is_some() {
                    self.log.open_max = super::panes::work_log::entry_max(self);
                }
                let mut ctx = ctx!(self);
                match self.pane {
                    Pane::Queue => self.queue.act(a, &mut ctx),
                    Pane::WorkLog => self.log.act(a),
                    Pane::MailServer => self.mail.act(a, &mut ctx),
                    p => self.settings.act(p, a, &mut ctx),
                }
            }
        }
    }
}

#[cfg(test)]
mod sign_in_tests {

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use crate::i18n::Lang;

    use crate::settings::Tab;
    use crate::tui::app::App;
    use crate::tui::modal::{Modal, SignIn};
    use crate::tui::msg::{Command, Msg};
    use crate::tui::theme::Theme;

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

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use crate::i18n::Lang;

    use crate::tui::app::App;

    use crate::tui::msg::{Command, Msg};
    use crate::tui::theme::Theme;

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
            above: 0,
            matched: None,
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

    use crate::i18n::Lang;

    use crate::settings::Tab;
    use crate::tui::app::App;

    use crate::tui::msg::{Command, Msg};
    use crate::tui::theme::Theme;

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
        assert!(a.mail.editor.form.hidden.contains("server_name"));
        assert!(!a.mail.editor.form.hidden.contains("sendmail_path"));
    }
}

#[cfg(test)]
mod failure_tests {
    use super::*;
    use crate::model::MailAction;
    use crate::tui::msg::Failure;

    /// A failure reaches the view as data and is worded there, in its language.
    #[test]
    fn a_refused_action_is_told_in_the_consoles_language() {
        let refused = || {
            Failure::from(crate::Error::ActionRefused {
                id: 5,
                status: "sent".into(),
                action: MailAction::Cancel,
            })
        };
        let mut pl = App::new(Lang::Pl, Theme::default(), 0);
        pl.update(Msg::ActionDone(Err(refused())));
        let (is_error, text) = pl.status.clone().unwrap();
        assert!(is_error);
        assert!(text.starts_with("wiadomość 5 jest w stanie"), "{text}");
        let mut en = App::new(Lang::En, Theme::default(), 0);
        en.update(Msg::LoadFailed(refused()));
        assert_eq!(
            en.status.unwrap().1,
            "mail 5 is sent; cancel applies only to pending or failed mails"
        );
    }
}
