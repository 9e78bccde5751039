//! The sender: claims due mails and delivers them as the Mail server tab says, over N
//! persistent SMTP connections (or through sendmail), committing each batch's outcomes
//! together. The same loop runs as `dmsctl worker` and inside the console.

pub mod check;
pub mod failure;
pub mod message;
pub mod sendmail;
pub mod transport;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use futures_util::future::join_all;
use serde::Serialize;
use tokio::sync::watch;

use failure::{SmtpFailure, next_attempt, retry_delay};
use transport::{SmtpSession, SmtpTarget};

use crate::config::{Config, SenderConfig};
use crate::error::{Error, Result};
use crate::oauth::{AccessToken, OAuth};
use crate::queue::{Attachment, ClaimedMail, MailOutcome, MailQueue, OutcomeRecord, StoredFailure};
use crate::settings::{AuthMethod, MailServerSettings, SendWith, Settings, SettingsTab};
use crate::store::{SenderRow, Store};
use crate::time::{Millis, duration_ms, now_ms};
use crate::worklog::{Level, NewLogEntry, WorkLog};

const HEARTBEAT: Duration = Duration::from_secs(5);
const IDLE_POLL: Duration = Duration::from_secs(1);

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

/// The mail account as last read, and how to reach it.
struct Account {
    settings: MailServerSettings,
    version: i64,
    route: Route,
    /// The access token the route signs in with (Microsoft 365).
    token: Option<AccessToken>,
}

impl Account {
    fn uses_oauth(&self) -> bool {
        self.settings.send_with == SendWith::Smtp && self.settings.auth_method == AuthMethod::Oauth2
    }

    /// Signs in with this token from now on (new connections).
    fn set_token(&mut self, token: AccessToken, config: &SenderConfig) {
        self.route = Route::Smtp(
            SmtpTarget::new(&self.settings, config).with_token(&token.login, &token.token),
        );
        self.token = Some(token);
    }
}

pub struct Sender {
    queue: MailQueue,
    settings: Settings,
    oauth: OAuth,
    log: WorkLog,
    config: SenderConfig,
    delete_after_sending: bool,
    options: SenderOptions,
}

/// Per-batch state shared by the connection slots.
struct BatchState {
    /// Set by the first destination-wide failure: the remaining mails wait untried.
    destination_down: Mutex<Option<SmtpFailure>>,
    /// Set when the server refused the access token: nothing is charged, and the
    /// batch goes back to be sent with a refreshed one.
    token_rejected: Mutex<Option<SmtpFailure>>,
    release_at: Millis,
}

impl Sender {
    pub fn new(store: Store, settings: Settings, config: &Config, options: SenderOptions) -> Self {
        Sender {
            queue: MailQueue::new(store.clone()),
            oauth: OAuth::new(store.clone(), settings.clone(), &config.oauth),
            settings,
            log: WorkLog::new(store),
            config: config.sender.clone(),
            delete_after_sending: config.delete_mails_after_sending,
            options,
        }
    }

    fn store(&self) -> &Store {
        self.queue.store()
    }

    /// Runs until `shutdown` turns true (finishing the batch in flight) or, with
    /// `once`, until nothing is due.
    pub async fn run(&self, mut shutdown: watch::Receiver<bool>) -> Result<Summary> {
        let started = now_ms();
        self.store()
            .register_sender(&SenderRow {
                id: self.options.id.clone(),
                host: hostname(),
                pid: i64::from(std::process::id()),
                started_at: started,
                heartbeat_at: started,
                paused: false,
            })
            .await?;
        let insecure = self.config.tls_accept_invalid_certs;
        self.note(
            Level::Info,
            format!(
                "sender {} started ({} connections){}",
                self.options.id,
                self.options.concurrency,
                if insecure {
                    "; INSECURE: tls_accept_invalid_certs is on, certificates are not checked"
                } else {
                    ""
                }
            ),
        )
        .await;
        let result = self.serve(&mut shutdown).await;
        let _ = self.store().unregister_sender(&self.options.id).await;
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

    async fn serve(&self, shutdown: &mut watch::Receiver<bool>) -> Result<Summary> {
        let mut summary = Summary::default();
        let mut feed = self.store().change_feed(Duration::from_millis(200)).await?;
        let mut sessions: Vec<Option<SmtpSession>> =
            (0..self.options.concurrency.max(1)).map(|_| None).collect();
        let lease = Duration::from_secs(u64::from(self.config.lease_seconds));
        let limit = self.config.batch_size.max(self.options.concurrency as u32);
        let mut pipeline = Pipeline::default();
        let renewer = self.renew_leases(lease);
        let result = self
            .serve_loop(
                shutdown,
                &mut feed,
                &mut sessions,
                &mut pipeline,
                &mut summary,
                lease,
                limit,
            )
            .await;
        renewer.abort();
        // Whatever happened, nothing claimed stays claimed and nothing sent goes unrecorded.
        let settled = pipeline.settle(&mut summary).await;
        let released = pipeline
            .release_prefetched(&self.queue, &self.options.id, now_ms(), &mut summary)
            .await;
        close_all(&mut sessions).await;
        result.and(settled).and(released).map(|_| summary)
    }

    #[allow(clippy::too_many_arguments)]
    async fn serve_loop(
        &self,
        shutdown: &mut watch::Receiver<bool>,
        feed: &mut crate::store::ChangeFeed,
        sessions: &mut [Option<SmtpSession>],
        pipeline: &mut Pipeline,
        summary: &mut Summary,
        lease: Duration,
        limit: u32,
    ) -> Result<()> {
        let mut account: Option<Account> = None;
        // A refused token is refreshed once; refused again, it is the account's problem.
        let mut force_refresh = false;
        let mut refreshed_after_refusal = false;
        let mut backoff_until: Millis = 0;
        let mut destination_failures: u32 = 0;
        let mut last_heartbeat = 0;
        let mut announced_idle_reason: Option<String> = None;

        while !*shutdown.borrow() {
            let now = now_ms();
            let paused = self.store().senders_paused().await?;
            if now - last_heartbeat >= duration_ms(HEARTBEAT) {
                self.store()
                    .sender_heartbeat(&self.options.id, paused, now)
                    .await?;
                last_heartbeat = now;
            }

            let version = self
                .store()
                .settings_version(MailServerSettings::KEY)
                .await?;
            if account.as_ref().is_none_or(|a| a.version != version) {
                let stored = self.settings.load::<MailServerSettings>().await?;
                close_all(sessions).await;
                account = Some(self.account(stored.value, stored.version));
                backoff_until = 0;
                destination_failures = 0;
            }
            let Some(acct) = account.as_mut() else {
                continue;
            };
            let mut sign_in_needed = None;
            if acct.uses_oauth() && !paused && acct.settings.enabled {
                match self.oauth.access_token(force_refresh).await {
                    Ok(t) => {
                        if acct.token.as_ref() != Some(&t) {
                            close_all(sessions).await;
                            acct.set_token(t, &self.config);
                        }
                    }
                    Err(Error::SignIn(f)) => {
                        sign_in_needed = Some(format!(
                            "Microsoft 365 sign-in is needed again: {f}; mails stay pending"
                        ))
                    }
                    Err(e) => {
                        sign_in_needed = Some(format!(
                            "cannot get an OAuth2 access token: {e}; mails stay pending"
                        ))
                    }
                }
                force_refresh = false;
            }
            let acct: &Account = acct;

            let idle_reason = if paused {
                Some("sending is paused (dmsctl worker resume)".to_string())
            } else if !acct.settings.enabled {
                Some("sending is disabled in the Mail server tab; mails stay pending".to_string())
            } else if let Some(why) = sign_in_needed {
                Some(why)
            } else if now < backoff_until {
                Some(String::new())
            } else {
                None
            };
            if let Some(reason) = idle_reason {
                if !reason.is_empty() && announced_idle_reason.as_deref() != Some(reason.as_str()) {
                    self.note(Level::Warn, reason.clone()).await;
                    announced_idle_reason = Some(reason);
                }
                pipeline.settle(summary).await?;
                pipeline
                    .release_prefetched(&self.queue, &self.options.id, now, summary)
                    .await?;
                if self.options.once {
                    break;
                }
                let wait = if now < backoff_until {
                    Duration::from_millis((backoff_until - now) as u64).min(IDLE_POLL * 5)
                } else {
                    IDLE_POLL
                };
                wait_for_change(feed, shutdown, wait).await;
                continue;
            }
            announced_idle_reason = None;

            let claimed = match pipeline.next.take() {
                Some(prefetched) => join(prefetched).await?,
                None => self.queue.claim(&self.options.id, limit, lease).await?,
            };
            if claimed.is_empty() {
                pipeline.settle(summary).await?;
                if self.options.once {
                    break;
                }
                wait_for_change(feed, shutdown, IDLE_POLL).await;
                continue;
            }
            // While this batch is on the wire, the next one is claimed and the previous
            // one's outcomes are committed.
            pipeline.prefetch(&self.queue, &self.options.id, limit, lease);

            let release_at =
                now_ms() + duration_ms(retry_delay(&self.config, destination_failures + 1));
            let state = BatchState {
                destination_down: Mutex::new(None),
                token_rejected: Mutex::new(None),
                release_at,
            };
            let records = self.send_batch(acct, sessions, claimed, &state).await;
            pipeline.settle(summary).await?;
            pipeline.commit(&self.queue, &self.options.id, records);
            let refused = state.token_rejected.into_inner().ok().flatten();
            let mut down = state.destination_down.into_inner().ok().flatten();
            if let Some(f) = refused {
                close_all(sessions).await;
                if refreshed_after_refusal {
                    // A fresh token refused too: the tenant or the mailbox says no.
                    down = Some(f);
                    refreshed_after_refusal = false;
                } else {
                    self.note(
                        Level::Warn,
                        format!("{}; refreshing the access token", f.summary()),
                    )
                    .await;
                    force_refresh = true;
                    refreshed_after_refusal = true;
                    // The batch goes back now, to be sent again with the new token.
                    pipeline.settle(summary).await?;
                    pipeline
                        .release_prefetched(&self.queue, &self.options.id, now_ms(), summary)
                        .await?;
                    continue;
                }
            } else if acct.token.is_some() {
                refreshed_after_refusal = false;
            }
            match down {
                Some(f) => {
                    destination_failures += 1;
                    backoff_until = release_at;
                    close_all(sessions).await;
                    pipeline
                        .release_prefetched(&self.queue, &self.options.id, release_at, summary)
                        .await?;
                    self.note(
                        Level::Error,
                        format!(
                            "{}; waiting {} before trying the server again",
                            f.summary(),
                            humantime::format_duration(Duration::from_secs(
                                ((release_at - now_ms()).max(0) / 1000) as u64
                            ))
                        ),
                    )
                    .await;
                }
                None => destination_failures = 0,
            }
        }
        Ok(())
    }

    fn account(&self, settings: MailServerSettings, version: i64) -> Account {
        let route = match settings.send_with {
            SendWith::Smtp => Route::Smtp(SmtpTarget::new(&settings, &self.config)),
            SendWith::Sendmail => Route::Sendmail(settings.sendmail_path.clone()),
        };
        Account {
            settings,
            version,
            route,
            token: None,
        }
    }

    /// Keeps every lease of this sender alive (the batch on the wire and the one
    /// claimed ahead) for as long as it runs.
    fn renew_leases(&self, lease: Duration) -> tokio::task::JoinHandle<()> {
        let queue = self.queue.clone();
        let owner = self.options.id.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(lease / 3).await;
                if let Err(e) = queue.renew_all(&owner, lease).await {
                    tracing::warn!(error = %e, "lease renewal failed");
                }
            }
        })
    }

    async fn send_batch(
        &self,
        account: &Account,
        sessions: &mut [Option<SmtpSession>],
        claimed: Vec<ClaimedMail>,
        state: &BatchState,
    ) -> Vec<OutcomeRecord> {
        let ids: Vec<i64> = claimed.iter().map(|c| c.mail.id).collect();
        let attachments = match self.queue.attachments_of(&ids).await {
            Ok(a) => a,
            Err(e) => {
                let f = SmtpFailure::temporary(
                    failure::Stage::Message,
                    format!("cannot read attachments: {e}"),
                );
                return claimed
                    .iter()
                    .map(|c| OutcomeRecord {
                        id: c.mail.id,
                        attempt: c.attempt,
                        outcome: self.retry_or_fail(c, f.clone()),
                    })
                    .collect();
            }
        };
        let slots = sessions.len();
        let mut shares: Vec<Vec<ClaimedMail>> = (0..slots).map(|_| Vec::new()).collect();
        for (i, c) in claimed.into_iter().enumerate() {
            shares[i % slots].push(c);
        }
        let work = sessions
            .iter_mut()
            .zip(shares)
            .map(|(session, share)| self.send_share(account, session, share, &attachments, state));
        join_all(work).await.into_iter().flatten().collect()
    }

    async fn send_share(
        &self,
        account: &Account,
        session: &mut Option<SmtpSession>,
        share: Vec<ClaimedMail>,
        attachments: &HashMap<i64, Vec<Attachment>>,
        state: &BatchState,
    ) -> Vec<OutcomeRecord> {
        let mut out = Vec::with_capacity(share.len());
        for c in share {
            let outcome = if token_rejected(state) {
                MailOutcome::Release {
                    at: now_ms(),
                    note: None,
                }
            } else if destination_down(state) {
                MailOutcome::Release {
                    at: state.release_at,
                    note: None,
                }
            } else {
                let none = Vec::new();
                let files = attachments.get(&c.mail.id).unwrap_or(&none);
                self.send_one(account, session, &c, files, state).await
            };
            out.push(OutcomeRecord {
                id: c.mail.id,
                attempt: c.attempt,
                outcome,
            });
        }
        out
    }

    async fn send_one(
        &self,
        account: &Account,
        session: &mut Option<SmtpSession>,
        c: &ClaimedMail,
        attachments: &[Attachment],
        state: &BatchState,
    ) -> MailOutcome {
        let prepared = match message::build(&c.mail, attachments, &account.settings) {
            Ok(p) => p,
            Err(e) => {
                return MailOutcome::Failed {
                    failure: stored(&SmtpFailure::permanent(
                        failure::Stage::Message,
                        e.to_string(),
                    )),
                };
            }
        };
        let result = match &account.route {
            Route::Sendmail(path) => {
                sendmail::deliver(path, &prepared, self.config.smtp_timeout).await
            }
            Route::Smtp(target) => {
                if session.as_ref().is_some_and(SmtpSession::is_broken) {
                    *session = None;
                }
                if session.is_none() {
                    match target.connect().await {
                        Ok(s) => *session = Some(s),
                        Err(f) if target.uses_xoauth2() && f.token_rejected() => {
                            if let Ok(mut r) = state.token_rejected.lock()
                                && r.is_none()
                            {
                                *r = Some(f);
                            }
                            return MailOutcome::Release {
                                at: now_ms(),
                                note: None,
                            };
                        }
                        Err(f) => return self.destination_failed(c, f, state),
                    }
                }
                match session.as_mut() {
                    Some(s) => s.deliver(&prepared).await,
                    None => Err(SmtpFailure::temporary(
                        failure::Stage::Connect,
                        "no connection",
                    )),
                }
            }
        };
        match result {
            Ok(d) => MailOutcome::Sent {
                message_id: Some(prepared.message_id),
                reply: d.reply,
                delete: self.delete_after_sending,
                rejected: d.rejected.iter().map(stored).collect(),
            },
            Err(f) if f.is_destination_wide() => {
                *session = None;
                self.destination_failed(c, f, state)
            }
            Err(f) if f.permanent => MailOutcome::Failed {
                failure: stored(&f),
            },
            Err(f) => self.retry_or_fail(c, f),
        }
    }

    /// The failure charges this mail one attempt and stops the batch's other mails.
    fn destination_failed(
        &self,
        c: &ClaimedMail,
        f: SmtpFailure,
        state: &BatchState,
    ) -> MailOutcome {
        if let Ok(mut down) = state.destination_down.lock()
            && down.is_none()
        {
            *down = Some(f.clone());
        }
        self.retry_or_fail(c, f)
    }

    fn retry_or_fail(&self, c: &ClaimedMail, f: SmtpFailure) -> MailOutcome {
        let attempt = u32::try_from(c.attempt).unwrap_or(1);
        match next_attempt(&self.config, attempt, c.mail.queued_at, now_ms()) {
            Some(at) => MailOutcome::Retry {
                at,
                failure: stored(&f),
            },
            None => {
                let mut f = f;
                f.text = format!(
                    "gave up after {attempt} attempts over {}: {}",
                    humantime::format_duration(self.config.max_queue_lifetime),
                    f.text
                );
                MailOutcome::Failed {
                    failure: stored(&f),
                }
            }
        }
    }

    async fn note(&self, level: Level, message: String) {
        let entry = NewLogEntry::new(level, message).source("sender");
        if let Err(e) = self.log.append(&entry).await {
            tracing::warn!(error = %e, "cannot write the work log");
        }
    }
}

type Committed = (Vec<OutcomeRecord>, Vec<bool>);

/// The claim running ahead and the commit running behind the batch on the wire.
#[derive(Default)]
struct Pipeline {
    next: Option<tokio::task::JoinHandle<Result<Vec<ClaimedMail>>>>,
    committing: Option<tokio::task::JoinHandle<Result<Committed>>>,
}

impl Pipeline {
    fn prefetch(&mut self, queue: &MailQueue, owner: &str, limit: u32, lease: Duration) {
        let (queue, owner) = (queue.clone(), owner.to_string());
        self.next = Some(tokio::spawn(async move {
            queue.claim(&owner, limit, lease).await
        }));
    }

    fn commit(&mut self, queue: &MailQueue, owner: &str, records: Vec<OutcomeRecord>) {
        let (queue, owner) = (queue.clone(), owner.to_string());
        self.committing = Some(tokio::spawn(async move {
            let applied = queue.record(&owner, &records).await?;
            Ok((records, applied))
        }));
    }

    /// Waits for the commit in flight and counts what it applied.
    async fn settle(&mut self, summary: &mut Summary) -> Result<()> {
        if let Some(h) = self.committing.take() {
            let (records, applied) = join(h).await?;
            for (r, ok) in records.iter().zip(applied) {
                if !ok {
                    continue;
                }
                match r.outcome {
                    MailOutcome::Sent { .. } => summary.sent += 1,
                    MailOutcome::Retry { .. } => summary.rescheduled += 1,
                    MailOutcome::Failed { .. } => summary.failed += 1,
                    MailOutcome::Release { .. } => summary.released += 1,
                }
            }
        }
        Ok(())
    }

    /// Hands a batch claimed ahead back untried.
    async fn release_prefetched(
        &mut self,
        queue: &MailQueue,
        owner: &str,
        at: Millis,
        summary: &mut Summary,
    ) -> Result<()> {
        self.settle(summary).await?;
        if let Some(h) = self.next.take() {
            let claimed = join(h).await?;
            if !claimed.is_empty() {
                let records = claimed
                    .iter()
                    .map(|c| OutcomeRecord {
                        id: c.mail.id,
                        attempt: c.attempt,
                        outcome: MailOutcome::Release { at, note: None },
                    })
                    .collect();
                self.commit(queue, owner, records);
                self.settle(summary).await?;
            }
        }
        Ok(())
    }
}

async fn join<T>(h: tokio::task::JoinHandle<Result<T>>) -> Result<T> {
    h.await
        .map_err(|e| crate::error::Error::State(format!("sender task failed: {e}")))?
}

fn token_rejected(state: &BatchState) -> bool {
    state
        .token_rejected
        .lock()
        .map(|d| d.is_some())
        .unwrap_or(true)
}

fn destination_down(state: &BatchState) -> bool {
    state
        .destination_down
        .lock()
        .map(|d| d.is_some())
        .unwrap_or(true)
}

fn stored(f: &SmtpFailure) -> StoredFailure {
    StoredFailure {
        message: f.summary(),
        detail: Some(f.detail()),
    }
}

async fn close_all(sessions: &mut [Option<SmtpSession>]) {
    for s in sessions.iter_mut() {
        if let Some(s) = s.take() {
            s.quit().await;
        }
    }
}

async fn wait_for_change(
    feed: &mut crate::store::ChangeFeed,
    shutdown: &mut watch::Receiver<bool>,
    at_most: Duration,
) {
    tokio::select! {
        _ = feed.changed() => {}
        _ = tokio::time::sleep(at_most) => {}
        _ = shutdown.changed() => {}
    }
}

/// Pauses or resumes every sender (they keep running and claim nothing).
pub async fn set_paused(store: &Store, paused: bool, actor: &str) -> Result<()> {
    store.set_senders_paused(paused).await?;
    WorkLog::new(store.clone())
        .append(
            &NewLogEntry::new(
                Level::Info,
                format!(
                    "sending {} by {actor}",
                    if paused { "paused" } else { "resumed" }
                ),
            )
            .source("admin"),
        )
        .await?;
    Ok(())
}
