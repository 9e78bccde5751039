//! The sender: claims due mails and delivers them as the Mail server tab says, over N
//! persistent SMTP connections (or through sendmail). The same loop runs as
//! `dmsctl worker` and inside the console.
//!
//! One process is a few tasks that never wait for each other's slow work:
//! - the **control loop** reads the settings and the pause switch, claims a batch, and
//!   hands each mail to the next free connection;
//! - each **connection** delivers one mail at a time and reports its outcome at once,
//!   so one slow mail holds back nobody else's;
//! - the **committer** records outcomes as they come, several per transaction, and keeps
//!   them in memory while the database is unreachable;
//! - the **heartbeat** writes the sender's heartbeat and renews its leases on its own
//!   clock, whatever a delivery is doing.
//!
//! A claim belongs to one process lifetime (`Claimant::token`): a restarted sender with
//! the same id never renews or records the previous process's claims. Before each send
//! a connection checks that the mail's lease is still its own, so a sender resumed after
//! a long stop sends nothing that another sender may have taken over.

pub mod check;
pub mod failure;
pub mod message;
pub mod sendmail;
pub mod transport;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{mpsc, oneshot, watch};

use failure::{SmtpFailure, Stage, next_attempt, retry_delay};
use transport::{SmtpSession, SmtpTarget};

use crate::config::{Config, SenderConfig};
use crate::error::{Error, Result};
use crate::model::{DomainDeferral, RegisteredSender, SenderState, ServerTrouble};
use crate::oauth::{AccessToken, OAuth};
use crate::queue::{
    Attachment, Claimant, ClaimedMail, MailId, MailOutcome, MailQueue, OutcomeRecord, StoredFailure,
};
use crate::senders::SenderRegistry;
use crate::services::{ChangeFeed, Services};
use crate::settings::{AuthMethod, MailServerSettings, SendWith, Settings, SettingsTab};
use crate::time::{Millis, duration_ms, now_ms};
use crate::worklog::{Level, NewLogEntry, WorkLog};

const HEARTBEAT: Duration = Duration::from_millis(RegisteredSender::HEARTBEAT_MS as u64);
const IDLE_POLL: Duration = Duration::from_secs(1);
/// Back-off while the database cannot be reached: 1 s doubling to 10 s, so sending
/// resumes within about 10 s of the database coming back, however long it was away.
const DB_RETRY_MIN: Duration = Duration::from_secs(1);
const DB_RETRY_MAX: Duration = Duration::from_secs(10);
/// Outcomes recorded in one transaction at most.
const COMMIT_MAX: usize = 256;
/// How long a stopping sender keeps trying to record outcomes while the database is down.
const COMMIT_GRACE: Duration = Duration::from_secs(10);
/// Longest pause before reopening a connection that keeps breaking mid-transaction.
const RECONNECT_MAX: Duration = Duration::from_secs(5);

/// The ids of the consoles' own senders start with this (they yield to the others).
pub const CONSOLE_SENDER_PREFIX: &str = "console:";

#[derive(Debug, Clone)]
pub struct SenderOptions {
    /// Names this sender in `senders` and in `claimed_by`.
    pub id: String,
    pub concurrency: usize,
    /// Drain what is due now, then stop.
    pub once: bool,
}

impl SenderOptions {
    pub fn default_id() -> String {
        let host = hostname();
        format!("{host}:{}", std::process::id())
    }
}

pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub sent: u64,
    pub rescheduled: u64,
    pub failed: u64,
    /// Handed back untried (destination backing off, sending disabled).
    pub released: u64,
}

enum Route {
    Smtp(SmtpTarget),
    Sendmail(String),
}

/// The mail account as last read, and how to reach it. A new `generation` means the
/// connections opened for an older one are closed before the next mail.
struct Account {
    settings: MailServerSettings,
    version: i64,
    route: Route,
    /// The access token the route signs in with (Microsoft 365).
    token: Option<AccessToken>,
    generation: u64,
}

impl Account {
    fn uses_oauth(&self) -> bool {
        self.settings.send_with == SendWith::Smtp && self.settings.auth_method == AuthMethod::Oauth2
    }
}

/// One claimed mail on its way to a connection.
struct Job {
    mail: ClaimedMail,
    attachments: Vec<Attachment>,
    account: Arc<Account>,
}

/// What a connection tells the control loop.
enum Event {
    /// Connecting, TLS or login failed, or the server said 421: wait before trying again.
    DestinationDown(SmtpFailure),
    /// The server refused the access token.
    TokenRejected(SmtpFailure),
    Delivered,
    /// The mail's lease ran out before it was sent; someone else may have it now.
    LeaseLost(MailId),
    /// `auto` found no STARTTLS: mail goes out in clear text.
    PlainFallback(u64),
}

/// State the tasks of one sender share.
struct Shared {
    /// Until when each claimed mail's lease is known to be this sender's.
    leases: Mutex<HashMap<MailId, Millis>>,
    paused: AtomicBool,
    db: DbHealth,
    /// Outcomes handed to the committer and not yet recorded.
    uncommitted: AtomicUsize,
    /// What this sender is doing, for the registry (every console's "why").
    state: Mutex<Option<SenderState>>,
}

impl Shared {
    fn lease_valid(&self, id: MailId, margin: Millis) -> bool {
        self.leases
            .lock()
            .map(|l| l.get(&id).is_some_and(|until| now_ms() + margin < *until))
            .unwrap_or(false)
    }
}

/// Whether the database answers; a failure is reported once, and its end once.
#[derive(Default)]
struct DbHealth {
    down_since: Mutex<Option<(Millis, String)>>,
}

impl DbHealth {
    /// Returns true on the first failure of an outage.
    fn failed(&self, e: &Error) -> bool {
        let Ok(mut d) = self.down_since.lock() else {
            return false;
        };
        if d.is_none() {
            *d = Some((now_ms(), e.to_string()));
            tracing::warn!(error = %e, "database unreachable; retrying");
            true
        } else {
            false
        }
    }

    /// The outage that just ended: since when, and its first error.
    fn ok(&self) -> Option<(Millis, String)> {
        self.down_since.lock().ok().and_then(|mut d| d.take())
    }
}

/// A database error that can pass: the connection dropped, the server restarted, the
/// file was locked or the disk full. The sender waits these out instead of exiting.
fn is_database(e: &Error) -> bool {
    matches!(e, Error::Database(_))
}

pub struct Sender {
    services: Services,
    queue: MailQueue,
    registry: SenderRegistry,
    settings: Settings,
    oauth: OAuth,
    log: WorkLog,
    config: SenderConfig,
    delete_after_sending: bool,
    options: SenderOptions,
    claimant: Claimant,
    /// One line per event on standard output (`dmsctl worker`, for journald).
    event_lines: bool,
    /// Takes no mail while another live sender exists (the console's own sender).
    yields: bool,
}

/// Writes one event line to standard output; a closed stdout never stops the sender.
fn event_line(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

impl Sender {
    pub fn new(
        services: impl Into<Services>,
        settings: Settings,
        config: &Config,
        options: SenderOptions,
    ) -> Self {
        let services = services.into();
        let claimant = Claimant {
            id: options.id.clone(),
            token: uuid::Uuid::new_v4().simple().to_string(),
            host: hostname(),
        };
        Sender {
            queue: services.queue(),
            registry: services.senders(),
            oauth: services.oauth(settings.clone(), &config.oauth),
            settings,
            log: services.work_log(),
            services,
            config: config.sender.clone(),
            delete_after_sending: config.delete_mails_after_sending,
            options,
            claimant,
            event_lines: false,
            yields: false,
        }
    }

    /// Claims nothing while a live sender that does not yield itself (its id does not
    /// start with `CONSOLE_SENDER_PREFIX`) is registered: the console's own sender gives
    /// way to `dmsctl worker` instead of doubling the connections, and two consoles do
    /// not wait for each other.
    pub fn yielding(mut self, on: bool) -> Self {
        self.yields = on;
        self
    }

    /// Prints one line per event (start, each delivery, deferral and failure, pauses,
    /// the database lost and back) on standard output, as a service's log.
    pub fn with_event_lines(mut self, on: bool) -> Self {
        self.event_lines = on;
        self
    }

    /// Runs until `shutdown` turns true (finishing the mails in flight) or, with
    /// `once`, until nothing is due.
    pub async fn run(&self, shutdown: watch::Receiver<bool>) -> Result<Summary> {
        if self.options.id.trim().is_empty() {
            return Err(Error::invalid_argument("--id", "a sender needs a name"));
        }
        self.register().await?;
        let insecure = self.config.tls_accept_invalid_certs;
        self.note(
            Level::Info,
            format!(
                "sender {} started ({} connections, database {}){}",
                self.options.id,
                self.options.concurrency,
                self.services.describe(),
                if insecure {
                    "; INSECURE: tls_accept_invalid_certs is on, certificates are not checked"
                } else {
                    ""
                }
            ),
        )
        .await;
        // Under systemd (Type=notify) the unit is started once the sender is registered;
        // without NOTIFY_SOCKET these do nothing.
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Ready]);
        let result = self.serve(shutdown).await;
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
        let _ = self
            .registry
            .unregister(&self.claimant.id, &self.claimant.token)
            .await;
        if let Ok(s) = &result {
            self.note(
                Level::Info,
                format!(
                    "sender {} stopped: {} sent, {} rescheduled, {} failed",
                    self.options.id, s.sent, s.rescheduled, s.failed
                ),
            )
            .await;
        }
        result
    }

    /// Registers this process. A live sender with the same id is refused; one that is
    /// provably gone (same host, its process no longer exists) has its claims released.
    async fn register(&self) -> Result<()> {
        let now = now_ms();
        let me = &self.claimant;
        let previous = self.registry.registration(&me.id).await?;
        let mut predecessor_gone = false;
        if let Some((prev, incarnation)) = &previous
            && incarnation.as_deref() != Some(me.token.as_str())
        {
            let same_host = prev.host == me.host;
            let gone = same_host
                && prev.pid != i64::from(std::process::id())
                && !std::path::Path::new(&format!("/proc/{}", prev.pid)).exists();
            if !prev.is_stale(now) && !gone {
                return Err(Error::State(format!(
                    "another sender with id `{}` is running (host {}, pid {}, heartbeat {} s ago); \
                     give each sender its own --id",
                    me.id,
                    prev.host,
                    prev.pid,
                    (now - prev.heartbeat_at).max(0) / 1000
                )));
            }
            predecessor_gone = gone;
        }
        self.registry
            .register(
                &RegisteredSender {
                    id: me.id.clone(),
                    host: me.host.clone(),
                    pid: i64::from(std::process::id()),
                    started_at: now,
                    heartbeat_at: now,
                    paused: false,
                    state: None,
                },
                &me.token,
            )
            .await?;
        if predecessor_gone {
            let n = self.queue.release_orphaned_claims(me).await?;
            if n > 0 {
                self.note(
                    Level::Warn,
                    format!(
                        "sender {}: the previous process with this id is gone; {n} mails it had claimed are pending again",
                        me.id
                    ),
                )
                .await;
            }
        }
        Ok(())
    }

    async fn serve(&self, mut shutdown: watch::Receiver<bool>) -> Result<Summary> {
        let shared = Arc::new(Shared {
            leases: Mutex::new(HashMap::new()),
            paused: AtomicBool::new(false),
            db: DbHealth::default(),
            uncommitted: AtomicUsize::new(0),
            state: Mutex::new(None),
        });
        let summary = Arc::new(Mutex::new(Summary::default()));
        let lease = Duration::from_secs(u64::from(self.config.lease_seconds.max(3)));
        let slots = self.options.concurrency.max(1);

        let (outcome_tx, outcome_rx) = mpsc::unbounded_channel::<OutcomeRecord>();
        let (stopping_tx, stopping_rx) = watch::channel(false);
        let committer = tokio::spawn(commit_loop(
            self.queue.clone(),
            self.claimant.clone(),
            self.services.work_log(),
            outcome_rx,
            shared.clone(),
            summary.clone(),
            stopping_rx,
        ));
        let heartbeat = tokio::spawn(heartbeat_loop(
            self.queue.clone(),
            self.registry.clone(),
            self.claimant.clone(),
            shared.clone(),
            lease,
        ));
        let (request_tx, request_rx) = mpsc::unbounded_channel::<oneshot::Sender<Job>>();
        let (event_tx, event_rx) = mpsc::unbounded_channel::<Event>();
        let connection = Arc::new(Connection {
            event_lines: self.event_lines,
            config: self.config.clone(),
            delete_after_sending: self.delete_after_sending,
            shared: shared.clone(),
            lease_margin: duration_ms(lease) / 6,
        });
        let mut workers = Vec::with_capacity(slots);
        for _ in 0..slots {
            workers.push(tokio::spawn(connection.clone().run(
                request_tx.clone(),
                event_tx.clone(),
                outcome_tx.clone(),
            )));
        }
        drop(request_tx);
        drop(event_tx);

        let mut control = Control {
            sender: self,
            shared: shared.clone(),
            outcomes: outcome_tx,
            requests: request_rx,
            events: event_rx,
            local: VecDeque::new(),
            waiting: Vec::new(),
            slots,
            lease,
            account: None,
            generation: 0,
            force_refresh: false,
            refreshed_after_refusal: false,
            sign_in_needed: None,
            yielding_to: None,
            backoff_until: 0,
            destination_failures: 0,
            down: None,
            flush_seen: None,
            announced: None,
            fallback_reported: 0,
            db_retry: DB_RETRY_MIN,
            deferrals: Vec::new(),
            deferrals_read_at: 0,
        };
        let result = control.run(&mut shutdown).await;
        control.release_local(now_ms());
        let in_flight = control.slots.saturating_sub(control.waiting.len());
        if *shutdown.borrow() && in_flight > 0 {
            self.note(
                Level::Info,
                format!(
                    "sender {} stopping: {in_flight} mails in flight finish first (at most {} s)",
                    self.options.id,
                    self.config
                        .smtp_timeout
                        .min(Duration::from_secs(10))
                        .as_secs()
                        + 1
                ),
            )
            .await;
        }
        // Idle connections get no more work and stop; busy ones finish their mail.
        drop(control);

        let grace = self.config.smtp_timeout.min(Duration::from_secs(10)) + Duration::from_secs(1);
        let deadline = tokio::time::Instant::now() + grace;
        for w in workers {
            let abort = w.abort_handle();
            if tokio::time::timeout_at(deadline, w).await.is_err() {
                // Its mail stays claimed; the lease brings it back to pending.
                abort.abort();
            }
        }
        let _ = stopping_tx.send(true);
        let lost = committer.await.unwrap_or(0);
        heartbeat.abort();
        if lost > 0 {
            tracing::error!(
                lost,
                "outcomes could not be recorded; those mails go back to pending when their leases end"
            );
        }
        let summary = summary.lock().map(|s| *s).unwrap_or_default();
        result.map(|_| summary)
    }

    fn retry_or_fail(config: &SenderConfig, c: &ClaimedMail, f: SmtpFailure) -> MailOutcome {
        let attempt = u32::try_from(c.attempt).unwrap_or(1);
        match next_attempt(config, attempt, c.mail.queued_at, now_ms()) {
            Some(at) => MailOutcome::Retry {
                at,
                failure: stored(&f),
            },
            None => {
                let mut f = f;
                f.text = format!(
                    "gave up after {attempt} attempts over {}: {}",
                    humantime::format_duration(config.max_queue_lifetime),
                    f.text
                );
                MailOutcome::Failed {
                    failure: stored(&f),
                }
            }
        }
    }

    async fn note(&self, level: Level, message: String) {
        if self.event_lines {
            match level {
                Level::Info => event_line(&message),
                Level::Warn => event_line(&format!("warning: {message}")),
                Level::Error => event_line(&format!("error: {message}")),
            }
        }
        let entry = NewLogEntry::new(level, message).source("sender");
        if let Err(e) = self.log.append(&entry).await {
            tracing::warn!(error = %e, "cannot write the work log");
        }
    }
}

/// The control loop's state.
struct Control<'a> {
    sender: &'a Sender,
    shared: Arc<Shared>,
    outcomes: mpsc::UnboundedSender<OutcomeRecord>,
    requests: mpsc::UnboundedReceiver<oneshot::Sender<Job>>,
    events: mpsc::UnboundedReceiver<Event>,
    /// Claimed mails no connection has taken yet (at most one claim's worth).
    local: VecDeque<Job>,
    /// Connections waiting for a mail.
    waiting: Vec<oneshot::Sender<Job>>,
    slots: usize,
    lease: Duration,
    account: Option<Arc<Account>>,
    generation: u64,
    force_refresh: bool,
    /// A refused token is refreshed once; refused again, it is the account's problem.
    refreshed_after_refusal: bool,
    sign_in_needed: Option<String>,
    /// The live sender this one gives way to (`Sender::yielding`).
    yielding_to: Option<String>,
    backoff_until: Millis,
    destination_failures: u32,
    /// The server's outage as this sender sees it: how, since when, its last reply.
    down: Option<(ServerTrouble, Millis, String)>,
    /// The last flush seen (None before the first read: an old flush is no news).
    flush_seen: Option<Millis>,
    announced: Option<String>,
    /// The account generation whose clear-text fallback was reported.
    fallback_reported: u64,
    db_retry: Duration,
    /// The destinations deferred by an admin, and when they were last read (at most
    /// once a second: every sender on every host reads the same rules).
    deferrals: Vec<DomainDeferral>,
    deferrals_read_at: Millis,
}

/// How often a sender reads the deferred destinations again.
const DEFERRALS_EVERY_MS: Millis = 1_000;

impl Control<'_> {
    async fn run(&mut self, shutdown: &mut watch::Receiver<bool>) -> Result<()> {
        let mut feed = loop {
            match self
                .sender
                .services
                .change_feed(Duration::from_millis(200))
                .await
            {
                Ok(f) => break f,
                Err(e) if is_database(&e) => {
                    if !self.db_wait(&e, shutdown).await {
                        return Ok(());
                    }
                }
                Err(e) => return Err(e),
            }
        };
        let mut refresh_due = true;
        let mut claim_due = true;
        let mut last_refresh = tokio::time::Instant::now();
        while !*shutdown.borrow() {
            if refresh_due || last_refresh.elapsed() >= IDLE_POLL {
                match self.refresh().await {
                    Ok(()) => self.db_back().await,
                    Err(e) if is_database(&e) => {
                        if !self.db_wait(&e, shutdown).await {
                            break;
                        }
                        continue;
                    }
                    Err(e) => return Err(e),
                }
                refresh_due = false;
                last_refresh = tokio::time::Instant::now();
            }

            let now = now_ms();
            self.publish_state(now).await;
            let idle_reason = self.idle_reason();
            let backing_off = now < self.backoff_until;
            let all_idle = self.waiting.len() == self.slots;
            if let Some(reason) = idle_reason {
                if self.announced.as_deref() != Some(reason.as_str()) {
                    // A pause is the admin's, logged once where it was made; each sender
                    // only says so on its own output.
                    if self.shared.paused.load(Ordering::Relaxed) {
                        if self.sender.event_lines {
                            event_line(&format!("warning: {reason}"));
                        }
                    } else {
                        self.sender.note(Level::Warn, reason.clone()).await;
                    }
                    self.announced = Some(reason);
                }
                self.release_local(now);
                if self.sender.options.once && all_idle {
                    break;
                }
            } else if backing_off {
                self.release_local(self.backoff_until);
                if self.sender.options.once && all_idle {
                    break;
                }
            } else {
                self.announced = None;
                if !self.waiting.is_empty() && self.local.is_empty() && claim_due {
                    let settled = self.shared.uncommitted.load(Ordering::SeqCst) == 0;
                    match self.claim().await {
                        Ok(0) if !settled => {
                            // Outcomes on their way may hand mails back as due now.
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            continue;
                        }
                        Ok(0) => {
                            claim_due = false;
                            if self.sender.options.once && all_idle {
                                break;
                            }
                        }
                        Ok(_) => self.db_back().await,
                        Err(e) if is_database(&e) => {
                            if !self.db_wait(&e, shutdown).await {
                                break;
                            }
                            continue;
                        }
                        Err(e) => return Err(e),
                    }
                }
                self.dispatch();
            }

            let wait = if backing_off {
                Duration::from_millis((self.backoff_until - now).max(1) as u64).min(IDLE_POLL)
            } else {
                IDLE_POLL
            };
            tokio::select! {
                // Events first: a connection reports a failure before it asks for the
                // next mail, and that failure decides whether there is a next mail.
                biased;
                Some(event) = self.events.recv() => {
                    self.on_event(event).await;
                    refresh_due = self.force_refresh;
                }
                Some(slot) = self.requests.recv() => {
                    self.waiting.push(slot);
                    // A connection is free: the queue may hold more.
                    claim_due = true;
                }
                _ = feed_changed(&mut feed) => {
                    claim_due = true;
                    refresh_due = true;
                }
                _ = tokio::time::sleep(wait) => {
                    claim_due = true;
                }
                _ = shutdown.changed() => {}
            }
        }
        Ok(())
    }

    /// Waits out a database failure (1 s doubling to 10 s); false when asked to stop.
    async fn db_wait(&mut self, e: &Error, shutdown: &mut watch::Receiver<bool>) -> bool {
        if self.shared.db.failed(e) {
            eprintln!(
                "sender {}: database unreachable ({e}); retrying",
                self.sender.options.id
            );
        }
        let wait = self.db_retry;
        self.db_retry = (self.db_retry * 2).min(DB_RETRY_MAX);
        tokio::select! {
            _ = tokio::time::sleep(wait) => true,
            _ = shutdown.changed() => !*shutdown.borrow(),
        }
    }

    async fn db_back(&mut self) {
        self.db_retry = DB_RETRY_MIN;
        if let Some((since, error)) = self.shared.db.ok() {
            let secs = (now_ms() - since).max(0) / 1000;
            self.sender
                .note(
                    Level::Warn,
                    format!("the database was unreachable for {secs} s ({error}); sending resumed"),
                )
                .await;
        }
    }

    /// What this sender is doing now, as every console is to see it.
    fn state(&self, now: Millis) -> SenderState {
        let enabled = self.account.as_ref().is_none_or(|a| a.settings.enabled);
        if self.shared.paused.load(Ordering::Relaxed) {
            SenderState::Paused
        } else if !enabled {
            SenderState::Disabled
        } else if let Some(to) = &self.yielding_to {
            SenderState::Yielding { to: to.clone() }
        } else if let Some(reason) = &self.sign_in_needed {
            SenderState::SignIn {
                reason: reason.clone(),
            }
        } else if let (Some((trouble, since, reply)), true) = (&self.down, now < self.backoff_until)
        {
            SenderState::ServerDown {
                trouble: *trouble,
                since: *since,
                reply: reply.clone(),
                next_try: self.backoff_until,
            }
        } else {
            SenderState::Ready
        }
    }

    /// Writes a changed state to the registry at once (the heartbeat repeats it).
    async fn publish_state(&mut self, now: Millis) {
        let state = self.state(now);
        let changed = self
            .shared
            .state
            .lock()
            .map(|mut s| {
                let changed = s.as_ref() != Some(&state);
                *s = Some(state.clone());
                changed
            })
            .unwrap_or(false);
        if changed {
            let me = &self.sender.claimant;
            if let Err(e) = self
                .sender
                .registry
                .set_state(&me.id, &me.token, &state)
                .await
            {
                tracing::warn!(error = %e, "cannot publish the sender's state");
            }
        }
    }

    /// Reads the pause switch, the account and (Microsoft 365) the access token.
    async fn refresh(&mut self) -> Result<()> {
        let control = self.sender.registry.control().await?;
        let paused = control.paused;
        self.shared.paused.store(paused, Ordering::Relaxed);
        // A flush (or a mail sent now by hand) ends the wait for the server.
        if self.flush_seen.is_some_and(|seen| control.flush_at > seen) && self.backoff_until > 0 {
            self.backoff_until = 0;
            self.destination_failures = 0;
        }
        self.flush_seen = Some(control.flush_at);
        if self.sender.yields {
            let now = now_ms();
            let me = &self.sender.claimant.id;
            self.yielding_to = self
                .sender
                .registry
                .list()
                .await?
                .into_iter()
                .find(|s| {
                    &s.id != me && !s.id.starts_with(CONSOLE_SENDER_PREFIX) && s.is_alive(now)
                })
                .map(|s| format!("{}@{}", s.id, s.host));
        }
        let version = self
            .sender
            .settings
            .version(MailServerSettings::KEY)
            .await?;
        if self.account.as_ref().is_none_or(|a| a.version != version) {
            let stored = self.sender.settings.load::<MailServerSettings>().await?;
            self.generation += 1;
            self.account = Some(Arc::new(account(
                stored.value,
                stored.version,
                &self.sender.config,
                self.generation,
                None,
            )));
            self.backoff_until = 0;
            self.destination_failures = 0;
            self.release_local(now_ms());
        }
        self.sign_in_needed = None;
        let Some(acct) = self.account.clone() else {
            return Ok(());
        };
        if acct.uses_oauth() && !paused && acct.settings.enabled {
            match self.sender.oauth.access_token(self.force_refresh).await {
                Ok(t) => {
                    if acct.token.as_ref() != Some(&t) {
                        self.generation += 1;
                        self.account = Some(Arc::new(account(
                            acct.settings.clone(),
                            acct.version,
                            &self.sender.config,
                            self.generation,
                            Some(t),
                        )));
                        self.release_local(now_ms());
                    }
                }
                Err(e) if is_database(&e) => return Err(e),
                Err(Error::SignIn(f)) => {
                    self.sign_in_needed = Some(format!(
                        "Microsoft 365 sign-in is needed again: {f}; mails stay pending"
                    ))
                }
                Err(e) => {
                    self.sign_in_needed = Some(format!(
                        "cannot get an OAuth2 access token: {e}; mails stay pending"
                    ))
                }
            }
            self.force_refresh = false;
        }
        Ok(())
    }

    fn idle_reason(&self) -> Option<String> {
        let acct = self.account.as_ref()?;
        if self.shared.paused.load(Ordering::Relaxed) {
            Some("sending is paused (dmsctl worker resume)".to_string())
        } else if !acct.settings.enabled {
            Some("sending is disabled in the Mail server tab; mails stay pending".to_string())
        } else if let Some(other) = &self.yielding_to {
            Some(format!(
                "sender {other} is sending; this one takes no mail meanwhile"
            ))
        } else {
            self.sign_in_needed.clone()
        }
    }

    /// Claims up to `batch_size` mails with their attachments; returns how many. They
    /// wait here and go to connections one at a time as each becomes free: claiming
    /// one per connection halved the throughput (a claim and a commit per mail), and
    /// mails waiting here are not at risk of being sent twice (the lease is checked
    /// before each send, and a restarted sender releases them at once).
    async fn claim(&mut self) -> Result<usize> {
        let Some(acct) = self.account.clone() else {
            return Ok(0);
        };
        let limit = self.sender.config.batch_size.max(1);
        // Mails this process still holds keep their claims even past the lease (their
        // outcome may be waiting for the database); the rest expired are reclaimed.
        let held: Vec<MailId> = self
            .shared
            .leases
            .lock()
            .map(|l| l.keys().copied().collect())
            .unwrap_or_default();
        let now = now_ms();
        if now - self.deferrals_read_at >= DEFERRALS_EVERY_MS {
            self.deferrals = self.sender.queue.deferred_domains().await?;
            self.deferrals_read_at = now;
        }
        let claimed = self
            .sender
            .queue
            .claim_keeping(&self.sender.claimant, limit, self.lease, &held)
            .await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        // Mail to a deferred destination goes back untried until the rule's end (no
        // attempt counted), so the domain receives nothing meanwhile.
        let (claimed, deferred): (Vec<ClaimedMail>, Vec<ClaimedMail>) = if self.deferrals.is_empty()
        {
            (claimed, Vec::new())
        } else {
            claimed
                .into_iter()
                .partition(|c| self.deferral_of(c).is_none())
        };
        for c in &deferred {
            if let Some(rule) = self.deferral_of(c) {
                let note = format!(
                    "not tried: mail to {} is deferred until {} (by {})",
                    rule.domain,
                    crate::time::format_rfc3339(rule.until),
                    rule.by
                );
                let at = rule.until;
                self.outcome(
                    c,
                    MailOutcome::Release {
                        at,
                        note: Some(note),
                    },
                );
            }
        }
        if claimed.is_empty() {
            return Ok(deferred.len());
        }
        if let Ok(mut leases) = self.shared.leases.lock() {
            for c in &claimed {
                leases.insert(c.mail.id, c.mail.lease_until.unwrap_or(0));
            }
        }
        let ids: Vec<MailId> = claimed.iter().map(|c| c.mail.id).collect();
        let mut attachments = match self.sender.queue.attachments_of(&ids).await {
            Ok(a) => a,
            Err(e) => {
                // Hand the mails back untried and wait for the database.
                for c in &claimed {
                    self.outcome(
                        c,
                        MailOutcome::Release {
                            at: now_ms(),
                            note: None,
                        },
                    );
                }
                return Err(e);
            }
        };
        let n = claimed.len();
        for mail in claimed {
            let files = attachments.remove(&mail.mail.id).unwrap_or_default();
            self.local.push_back(Job {
                mail,
                attachments: files,
                account: acct.clone(),
            });
        }
        Ok(n)
    }

    /// The rule that defers this mail's destination, if one does.
    fn deferral_of(&self, c: &ClaimedMail) -> Option<&DomainDeferral> {
        let m = &c.mail;
        let addresses: Vec<String> = [&m.to, &m.cc, &m.bcc]
            .iter()
            .flat_map(|l| crate::model::split_address_list(l))
            .collect();
        DomainDeferral::applies_to(&self.deferrals, &addresses)
    }

    /// Gives claimed mails to free connections.
    fn dispatch(&mut self) {
        while !self.local.is_empty() {
            let Some(slot) = self.waiting.pop() else {
                break;
            };
            if let Some(job) = self.local.pop_front()
                && let Err(job) = slot.send(job)
            {
                self.local.push_front(job);
            }
        }
    }

    fn outcome(&self, c: &ClaimedMail, outcome: MailOutcome) {
        self.shared.uncommitted.fetch_add(1, Ordering::SeqCst);
        let _ = self.outcomes.send(OutcomeRecord {
            id: c.mail.id,
            attempt: c.attempt,
            outcome,
        });
    }

    /// Hands the mails no connection has taken back untried.
    fn release_local(&mut self, at: Millis) {
        while let Some(job) = self.local.pop_front() {
            self.outcome(&job.mail, MailOutcome::Release { at, note: None });
        }
    }

    async fn on_event(&mut self, event: Event) {
        match event {
            Event::Delivered => {
                self.destination_failures = 0;
                self.down = None;
                self.refreshed_after_refusal = false;
            }
            Event::DestinationDown(f) => self.destination_down(f).await,
            Event::PlainFallback(generation) => {
                if self.fallback_reported != generation {
                    self.fallback_reported = generation;
                    self.sender
                        .note(
                            Level::Warn,
                            "encryption auto: the server offers no STARTTLS, so mail goes out unencrypted; set encryption to ssl or starttls if the server supports it".into(),
                        )
                        .await;
                }
            }
            Event::TokenRejected(f) => {
                if self.refreshed_after_refusal {
                    // A fresh token refused too: the tenant or the mailbox says no.
                    self.refreshed_after_refusal = false;
                    self.destination_down(f).await;
                } else if !self.force_refresh {
                    self.sender
                        .note(
                            Level::Warn,
                            format!("{}; refreshing the access token", f.summary()),
                        )
                        .await;
                    self.force_refresh = true;
                    self.refreshed_after_refusal = true;
                    self.release_local(now_ms());
                }
            }
            Event::LeaseLost(id) => {
                if let Ok(mut leases) = self.shared.leases.lock() {
                    leases.remove(&id);
                }
                let entry = NewLogEntry::new(
                    Level::Warn,
                    format!(
                        "not sent by {}: its lease ran out first (the sender was stopped or could not reach the database); it goes back to pending",
                        self.sender.options.id
                    ),
                )
                .source("sender")
                .mail(id);
                if let Err(e) = self.sender.log.append(&entry).await {
                    tracing::warn!(error = %e, "cannot write the work log");
                }
            }
        }
    }

    /// The server cannot be reached or refuses the account: wait before the next try.
    async fn destination_down(&mut self, f: SmtpFailure) {
        let now = now_ms();
        if now < self.backoff_until {
            return; // Another connection reported the same outage.
        }
        self.destination_failures += 1;
        let wait = retry_delay(&self.sender.config, self.destination_failures);
        self.backoff_until = now + duration_ms(wait);
        let trouble = match f.stage {
            Stage::Auth => ServerTrouble::Login,
            _ if f.code.is_some() => ServerTrouble::Refusing,
            _ => ServerTrouble::Unreachable,
        };
        let since = self.down.as_ref().map_or(now, |(_, since, _)| *since);
        self.down = Some((trouble, since, f.summary()));
        self.publish_state(now).await;
        self.release_local(self.backoff_until);
        self.sender
            .note(
                Level::Error,
                format!(
                    "{}; waiting {} before trying the server again",
                    f.summary(),
                    humantime::format_duration(Duration::from_secs(wait.as_secs().max(1)))
                ),
            )
            .await;
    }
}

/// A change in the database; a feed that fails (the database is gone) wakes the loop
/// once a second instead of at once.
async fn feed_changed(feed: &mut ChangeFeed) {
    if feed.changed().await.is_err() {
        tokio::time::sleep(IDLE_POLL).await;
    }
}

fn account(
    settings: MailServerSettings,
    version: i64,
    config: &SenderConfig,
    generation: u64,
    token: Option<AccessToken>,
) -> Account {
    let route = match settings.send_with {
        SendWith::Smtp => {
            let target = SmtpTarget::new(&settings, config);
            Route::Smtp(match &token {
                Some(t) => target.with_token(&t.login, &t.token),
                None => target,
            })
        }
        SendWith::Sendmail => Route::Sendmail(settings.sendmail_path.clone()),
    };
    Account {
        settings,
        version,
        route,
        token,
        generation,
    }
}

/// One SMTP connection (or sendmail pipe) and how it delivers a mail.
struct Connection {
    event_lines: bool,
    config: SenderConfig,
    delete_after_sending: bool,
    shared: Arc<Shared>,
    /// A mail is sent only while its lease has at least this long to run.
    lease_margin: Millis,
}

impl Connection {
    async fn run(
        self: Arc<Self>,
        requests: mpsc::UnboundedSender<oneshot::Sender<Job>>,
        events: mpsc::UnboundedSender<Event>,
        outcomes: mpsc::UnboundedSender<OutcomeRecord>,
    ) {
        let mut session: Option<(u64, SmtpSession)> = None;
        let mut drops: u32 = 0;
        loop {
            let (tx, rx) = oneshot::channel();
            if requests.send(tx).is_err() {
                break;
            }
            let Ok(job) = rx.await else {
                break;
            };
            let c = &job.mail;
            if !self.shared.lease_valid(c.mail.id, self.lease_margin) {
                let _ = events.send(Event::LeaseLost(c.mail.id));
                continue;
            }
            let Some(outcome) = self.deliver(&job, &mut session, &mut drops, &events).await else {
                let _ = events.send(Event::LeaseLost(c.mail.id));
                continue;
            };
            if self.event_lines {
                event_line(&delivery_line(&job, &outcome));
            }
            self.shared.uncommitted.fetch_add(1, Ordering::SeqCst);
            let _ = outcomes.send(OutcomeRecord {
                id: c.mail.id,
                attempt: c.attempt,
                outcome,
            });
        }
        if let Some((_, s)) = session {
            s.quit().await;
        }
    }

    /// The outcome of one delivery; `None` when the mail's lease ran out before it
    /// went out (it is no longer this sender's).
    async fn deliver(
        &self,
        job: &Job,
        session: &mut Option<(u64, SmtpSession)>,
        drops: &mut u32,
        events: &mpsc::UnboundedSender<Event>,
    ) -> Option<MailOutcome> {
        let c = &job.mail;
        let failed = |stage: Stage, text: String| MailOutcome::Failed {
            failure: stored(&SmtpFailure::permanent(stage, text)),
        };
        let damaged: Vec<String> = c
            .mail
            .damaged
            .iter()
            .cloned()
            .chain(job.attachments.iter().flat_map(|a| {
                a.damaged
                    .iter()
                    .map(move |d| format!("attachment {}: {d}", a.id))
            }))
            .collect();
        if !damaged.is_empty() {
            return Some(failed(
                Stage::Message,
                format!(
                    "the stored mail cannot be read (written badly by another program?): {}",
                    damaged.join("; ")
                ),
            ));
        }
        let limit = self.config.max_message_size;
        let raw_size = c.mail.body_text.len()
            + c.mail.body_html.as_ref().map_or(0, String::len)
            + job.attachments.iter().map(|a| a.data.len()).sum::<usize>();
        if raw_size as u64 > limit {
            return Some(failed(Stage::Message, too_large(raw_size as u64, limit)));
        }
        // Building is linear, but megabytes of base64 still take a moment: off the
        // runtime's threads, so signals and the other connections are never held up.
        let (mail, files, settings) = (
            c.mail.clone(),
            job.attachments.clone(),
            job.account.settings.clone(),
        );
        let built =
            tokio::task::spawn_blocking(move || message::build(&mail, &files, &settings)).await;
        let prepared = match built {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => return Some(failed(Stage::Message, e.to_string())),
            Err(e) => {
                return Some(Sender::retry_or_fail(
                    &self.config,
                    c,
                    SmtpFailure::temporary(
                        Stage::Message,
                        format!("building the message failed: {e}"),
                    ),
                ));
            }
        };
        if prepared.bytes.len() as u64 > limit {
            return Some(failed(
                Stage::Message,
                too_large(prepared.bytes.len() as u64, limit),
            ));
        }

        let target = match &job.account.route {
            Route::Sendmail(path) => {
                return Some(
                    match sendmail::deliver(path, &prepared, self.config.smtp_timeout).await {
                        Ok(d) => self.sent(prepared.message_id, d, events),
                        Err(f) if f.permanent => MailOutcome::Failed {
                            failure: stored(&f),
                        },
                        Err(f) => Sender::retry_or_fail(&self.config, c, f),
                    },
                );
            }
            Route::Smtp(target) => target,
        };
        let generation = job.account.generation;
        let mut fresh_retry_done = false;
        loop {
            if session
                .as_ref()
                .is_some_and(|(g, s)| *g != generation || s.is_broken())
            {
                *session = None;
            }
            if session.is_none() {
                if *drops > 0 {
                    let pause = Duration::from_millis(250u64 << (*drops - 1).min(5));
                    tokio::time::sleep(pause.min(RECONNECT_MAX)).await;
                }
                match target.connect().await {
                    Ok(s) => {
                        if s.is_plain_fallback() {
                            let _ = events.send(Event::PlainFallback(generation));
                        }
                        *session = Some((generation, s));
                    }
                    Err(f) if target.uses_xoauth2() && f.token_rejected() => {
                        let _ = events.send(Event::TokenRejected(f));
                        return Some(MailOutcome::Release {
                            at: now_ms(),
                            note: None,
                        });
                    }
                    Err(f) => {
                        let _ = events.send(Event::DestinationDown(f.clone()));
                        return Some(Sender::retry_or_fail(&self.config, c, f));
                    }
                }
            }
            let Some((_, s)) = session.as_mut() else {
                continue;
            };
            // Connecting may have taken long (a stalled greeting, a stopped process).
            let id = c.mail.id;
            let ours = || self.shared.lease_valid(id, self.lease_margin);
            if !ours() {
                return None;
            }
            let reused = s.was_used();
            match s.deliver(&prepared, &ours).await {
                Err(f) if f.is_lease_lost() => return None,
                Ok(d) => {
                    *drops = 0;
                    return Some(self.sent(prepared.message_id, d, events));
                }
                // A connection kept open may have been closed by the server meanwhile
                // (a restart, an idle timeout): its first command fails. That says
                // nothing about the mail: try once more on a new connection.
                Err(f)
                    if reused
                        && !fresh_retry_done
                        && f.stage == Stage::Mail
                        && (f.is_connection_lost() || f.closes_connection()) =>
                {
                    *session = None;
                    fresh_retry_done = true;
                }
                Err(f) if f.is_destination_wide() => {
                    *session = None;
                    let _ = events.send(Event::DestinationDown(f.clone()));
                    return Some(Sender::retry_or_fail(&self.config, c, f));
                }
                Err(f) if f.is_connection_lost() => {
                    *session = None;
                    *drops += 1;
                    return Some(Sender::retry_or_fail(&self.config, c, f));
                }
                Err(f) if f.permanent => {
                    return Some(MailOutcome::Failed {
                        failure: stored(&f),
                    });
                }
                Err(f) => return Some(Sender::retry_or_fail(&self.config, c, f)),
            }
        }
    }

    fn sent(
        &self,
        message_id: String,
        d: transport::Delivery,
        events: &mpsc::UnboundedSender<Event>,
    ) -> MailOutcome {
        let _ = events.send(Event::Delivered);
        MailOutcome::Sent {
            message_id: Some(message_id),
            reply: d.reply,
            delete: self.delete_after_sending,
            rejected: d.rejected.iter().map(stored).collect(),
        }
    }
}

/// A Postfix-style line for one delivery attempt.
fn delivery_line(job: &Job, outcome: &MailOutcome) -> String {
    let m = &job.mail.mail;
    let to: Vec<String> = m
        .to_list()
        .into_iter()
        .chain(m.cc_list())
        .chain(m.bcc_list())
        .map(|a| match (a.rfind('<'), a.rfind('>')) {
            (Some(l), Some(r)) if l < r => a[l..=r].to_string(),
            _ => format!("<{a}>"),
        })
        .collect();
    let relay = match &job.account.route {
        Route::Smtp(t) => format!("{}:{}", t.host, t.port),
        Route::Sendmail(path) => path.clone(),
    };
    let delay = (now_ms() - m.queued_at).max(0) as f64 / 1000.0;
    let status = match outcome {
        MailOutcome::Sent {
            reply, rejected, ..
        } if rejected.is_empty() => {
            format!("status=sent ({reply})")
        }
        MailOutcome::Sent {
            reply, rejected, ..
        } => format!(
            "status=sent ({reply}); refused: {}",
            rejected
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
        MailOutcome::Retry { at, failure } => format!(
            "status=deferred ({}) next={}",
            failure.message,
            crate::time::format_rfc3339(*at)
        ),
        MailOutcome::Failed { failure } => format!("status=failed ({})", failure.message),
        MailOutcome::Release { .. } => "status=not-tried".to_string(),
    };
    format!(
        "mail {}: to={} relay={relay} delay={delay:.1}s attempt={} {status}",
        m.id,
        to.join(","),
        job.mail.attempt
    )
}

fn too_large(size: u64, limit: u64) -> String {
    let mb = |b: u64| b as f64 / (1024.0 * 1024.0);
    format!(
        "the message is {:.1} MB, over the limit of {:.1} MB ([sender] max_message_size)",
        mb(size),
        mb(limit)
    )
}

/// Records outcomes as they arrive, as many per transaction as have queued up. While
/// the database is unreachable they stay in memory and are retried (1 s doubling to
/// 30 s). Returns how many could not be recorded before the sender stopped.
async fn commit_loop(
    queue: MailQueue,
    claimant: Claimant,
    log: WorkLog,
    mut rx: mpsc::UnboundedReceiver<OutcomeRecord>,
    shared: Arc<Shared>,
    summary: Arc<Mutex<Summary>>,
    stopping: watch::Receiver<bool>,
) -> usize {
    let mut pending: Vec<OutcomeRecord> = Vec::new();
    let mut delay = DB_RETRY_MIN;
    let mut failing_since: Option<tokio::time::Instant> = None;
    let mut closed = false;
    loop {
        if pending.is_empty() {
            if closed {
                break;
            }
            match rx.recv().await {
                Some(r) => pending.push(r),
                None => break,
            }
        }
        while pending.len() < COMMIT_MAX {
            match rx.try_recv() {
                Ok(r) => pending.push(r),
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    closed = true;
                    break;
                }
            }
        }
        match queue.record_as(&claimant, &pending).await {
            Ok(applied) => {
                if let Ok(mut s) = summary.lock() {
                    for (r, ok) in pending.iter().zip(&applied) {
                        if !ok {
                            continue;
                        }
                        match r.outcome {
                            MailOutcome::Sent { .. } => s.sent += 1,
                            MailOutcome::Retry { .. } => s.rescheduled += 1,
                            MailOutcome::Failed { .. } => s.failed += 1,
                            MailOutcome::Release { .. } => s.released += 1,
                        }
                    }
                }
                if let Ok(mut leases) = shared.leases.lock() {
                    for r in &pending {
                        leases.remove(&r.id);
                    }
                }
                shared
                    .uncommitted
                    .fetch_sub(pending.len(), Ordering::SeqCst);
                if failing_since.take().is_some()
                    && let Some((since, error)) = shared.db.ok()
                {
                    let entry = NewLogEntry::new(
                        Level::Warn,
                        format!(
                            "the database was unreachable for {} s ({error}); the outcomes kept meanwhile are recorded",
                            (now_ms() - since).max(0) / 1000
                        ),
                    )
                    .source("sender");
                    let _ = log.append(&entry).await;
                }
                pending.clear();
                delay = DB_RETRY_MIN;
            }
            Err(e) => {
                let since = *failing_since.get_or_insert_with(tokio::time::Instant::now);
                if shared.db.failed(&e) {
                    eprintln!(
                        "sender {}: database unreachable ({e}); keeping {} outcomes in memory and retrying",
                        claimant.id,
                        pending.len()
                    );
                }
                if *stopping.borrow() && since.elapsed() >= COMMIT_GRACE {
                    return pending.len() + drain(&mut rx);
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(DB_RETRY_MAX);
            }
        }
    }
    0
}

fn drain(rx: &mut mpsc::UnboundedReceiver<OutcomeRecord>) -> usize {
    let mut n = 0;
    while rx.try_recv().is_ok() {
        n += 1;
    }
    n
}

/// The heartbeat and lease renewal, on their own clock.
async fn heartbeat_loop(
    queue: MailQueue,
    registry: SenderRegistry,
    claimant: Claimant,
    shared: Arc<Shared>,
    lease: Duration,
) {
    let every = HEARTBEAT.min(lease / 3);
    loop {
        tokio::time::sleep(every).await;
        // The process is alive and its loop turns (waiting for a database counts).
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]);
        let paused = shared.paused.load(Ordering::Relaxed);
        let state = shared.state.lock().ok().and_then(|s| s.clone());
        if let Err(e) = registry
            .heartbeat(
                &claimant.id,
                &claimant.token,
                paused,
                state.as_ref(),
                now_ms(),
            )
            .await
        {
            tracing::warn!(error = %e, "heartbeat failed");
            continue;
        }
        // Any live sender notices (and logs, once) the ones that stopped beating.
        if let Err(e) = registry.note_stale(now_ms()).await {
            tracing::warn!(error = %e, "cannot check for stale senders");
        }
        match queue.renew_held(&claimant, lease).await {
            Ok((ids, until)) => {
                if let Ok(mut leases) = shared.leases.lock() {
                    for id in ids {
                        if let Some(l) = leases.get_mut(&id) {
                            *l = until;
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "lease renewal failed"),
        }
    }
}

fn stored(f: &SmtpFailure) -> StoredFailure {
    StoredFailure {
        message: f.summary(),
        detail: Some(f.detail()),
    }
}
