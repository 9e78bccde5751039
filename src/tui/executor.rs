//! Runs each `Command` as a tokio task on the service layer and reports back a `Msg`.

use tokio::sync::mpsc::UnboundedSender;

use super::msg::{Command, Done, Failure, Msg, Overview};
use super::panes::mail_server::TestOutcome;
use crate::config::SenderConfig;
use crate::error::{Error, Result};
use crate::queue::{MailAction, MailId, MailQuery, MailQueue, MailStatus, MailSummary, NewMail};
use crate::senders::SenderRegistry;
use crate::services::Services;
use crate::settings::{
    Actor, ErpSettings, KeyInfo, MASK, MailServerSettings, Settings, Tab, describe_private_key,
};
use crate::time::now_ms;
use crate::worklog::WorkLog;

/// Larger files are not private keys.
const MAX_KEY_FILE: u64 = 64 * 1024;

fn days_duration(days: u32) -> std::time::Duration {
    std::time::Duration::from_secs(u64::from(days) * 86_400)
}

/// A PEM private key from a file, checked; the error names the path or what is wrong.
async fn read_private_key(path: &str) -> std::result::Result<(String, KeyInfo), String> {
    let path = std::path::Path::new(path.trim());
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.len() > MAX_KEY_FILE {
        return Err(format!(
            "{}: {} bytes is too large for a private key",
            path.display(),
            meta.len()
        ));
    }
    let pem = tokio::fs::read_to_string(path)
        .await
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let info =
        describe_private_key(&pem).map_err(|m| format!("private_key: {} {m}", path.display()))?;
    Ok((pem, info))
}

/// Minutes shown in the sends-per-minute sparkline.
const SPARK_MINUTES: i64 = 30;

#[derive(Clone)]
pub struct Executor {
    queue: MailQueue,
    log: WorkLog,
    senders: SenderRegistry,
    services: Services,
    settings: Settings,
    sender: SenderConfig,
    oauth: crate::oauth::OAuth,
    actor: Actor,
    /// The language the sign-in dialog's failures are worded in (other failures go to
    /// the view as data).
    lang: crate::i18n::Lang,
    /// Where "save as .eml" writes.
    eml_dir: std::path::PathBuf,
    /// The sign-in running (device code polling), so Esc can stop it.
    sign_in: std::sync::Arc<std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>>,
    /// Stops the bulk action running between two batches.
    bulk_stop: std::sync::Arc<std::sync::Mutex<Option<tokio::sync::oneshot::Sender<()>>>>,
    tx: UnboundedSender<Msg>,
}

impl Executor {
    pub fn new(
        services: impl Into<Services>,
        settings: Settings,
        sender: SenderConfig,
        actor: Actor,
        tx: UnboundedSender<Msg>,
    ) -> Self {
        let services = services.into();
        Executor {
            queue: services.queue(),
            log: services.work_log(),
            senders: services.senders(),
            oauth: services.oauth(settings.clone(), &Default::default()),
            services,
            settings,
            sender,
            actor,
            lang: crate::i18n::Lang::En,
            eml_dir: std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from(".")),
            sign_in: Default::default(),
            bulk_stop: Default::default(),
            tx,
        }
    }

    /// Microsoft 365 sign-in as the config says (default: Microsoft's endpoints).
    pub fn with_oauth(mut self, config: &crate::config::OAuthConfig) -> Self {
        self.oauth = self.services.oauth(self.settings.clone(), config);
        self
    }

    pub fn with_lang(mut self, lang: crate::i18n::Lang) -> Self {
        self.lang = lang;
        self
    }

    pub fn with_eml_dir(mut self, dir: std::path::PathBuf) -> Self {
        self.eml_dir = dir;
        self
    }

    pub fn run(&self, commands: Vec<Command>) {
        for cmd in commands {
            if matches!(cmd, Command::StartSignIn | Command::CancelSignIn) {
                self.sign_in(cmd == Command::StartSignIn);
                continue;
            }

            let this = self.clone();
            // A bulk action's stop is armed now, before a later StopBulk looks for it.
            let stop = matches!(cmd, Command::Bulk(..)).then(|| this.arm_bulk_stop());
            tokio::spawn(async move {
                let msg = match (cmd, stop) {
                    (Command::Bulk(action, filter, rate), Some(stop)) => {
                        this.bulk_msg(action, &filter, rate, stop).await
                    }
                    (cmd, _) => this.exec(cmd).await,
                };
                let _ = this.tx.send(msg);
            });
        }
    }

    async fn exec(&self, cmd: Command) -> Msg {
        let failed = |e: crate::Error| Msg::LoadFailed(e.into());
        match cmd {
            Command::LoadQueue(query) => match self.page(&query).await {
                Ok((rows, above, matched)) => Msg::QueueLoaded {
                    query,
                    rows,
                    above,
                    matched,
                },
                Err(e) => failed(e),
            },
            Command::CountNew(query, after) => match self.queue.count_above(&query, after).await {
                Ok(n) => Msg::NewCounted { query, after, n },
                Err(e) => failed(e),
            },
            Command::LoadOverview => match self.overview().await {
                Ok(o) => Msg::Overview(o),
                Err(e) => failed(e),
            },
            Command::LoadDetail(id) => match self.queue.detail(id).await {
                Ok(d) => Msg::DetailLoaded(Box::new(d)),
                Err(e) => failed(e),
            },
            Command::LoadLog(filter) => match self.log.entries(&filter).await {
                Ok(entries) => Msg::LogLoaded { filter, entries },
                Err(e) => failed(e),
            },
            Command::LoadErrorGroups => match self.queue.error_groups().await {
                Ok(g) => Msg::ErrorGroupsLoaded(g),
                Err(e) => failed(e),
            },
            Command::LoadShape => match self.queue.shape().await {
                Ok(s) => Msg::ShapeLoaded(s),
                Err(e) => failed(e),
            },
            Command::Act(action, ids) => Msg::ActionDone(
                self.act(action, &ids)
                    .await
                    .map(|n| Done::Action(action, n))
                    .map_err(Failure::from),
            ),
            Command::LoadBreakdown(action, filter) => {
                match self.queue.breakdown(action, &filter).await {
                    Ok(breakdown) => Msg::BreakdownLoaded {
                        action,
                        filter,
                        breakdown,
                    },
                    Err(e) => failed(e),
                }
            }
            Command::Bulk(action, filter, rate) => {
                let stop = self.arm_bulk_stop();
                self.bulk_msg(action, &filter, rate, stop).await
            }
            Command::StopBulk => {
                if let Ok(mut slot) = self.bulk_stop.lock()
                    && let Some(stop) = slot.take()
                {
                    let _ = stop.send(());
                }
                Msg::BulkStopping
            }
            Command::Flush => Msg::ActionDone(
                self.senders
                    .flush(&self.actor.user)
                    .await
                    .map(Done::Flushed)
                    .map_err(Failure::from),
            ),
            Command::SetPaused(paused) => Msg::ActionDone(
                self.senders
                    .set_paused(paused, &self.actor.user)
                    .await
                    .map(|_| Done::Paused(paused))
                    .map_err(Failure::from),
            ),
            Command::LoadSettings(tab) => match self.settings.show_json(tab).await {
                Ok(v) if tab == Tab::Erp => {
                    // The key itself never reaches the console: only what it is.
                    match self.key_infos().await {
                        Ok(infos) => {
                            let _ = self.tx.send(Msg::KeyInfos(infos));
                        }
                        Err(e) => tracing::warn!(error = %e, "private keys"),
                    }
                    Msg::SettingsLoaded {
                        tab,
                        doc: v.value,
                        version: v.version,
                    }
                }
                Ok(v) => Msg::SettingsLoaded {
                    tab,
                    doc: v.value,
                    version: v.version,
                },
                Err(e) => failed(e),
            },
            Command::SaveSettings { tab, doc, version } => {
                match self
                    .settings
                    .save_json(vec![(tab, doc, version)], &self.actor)
                    .await
                {
                    Ok(v) => Msg::SettingsSaved { tab, version: v[0] },
                    Err(Error::Invalid(errors)) => Msg::SettingsInvalid { tab, errors },
                    Err(Error::Conflict { .. }) => match self.settings.show_json(tab).await {
                        Ok(theirs) => Msg::SettingsConflict {
                            tab,
                            theirs: theirs.value,
                            version: theirs.version,
                        },
                        Err(e) => failed(e),
                    },
                    Err(e) => failed(e),
                }
            }
            Command::CheckSendmail(path) => Msg::SendmailChecked {
                result: crate::sender::sendmail::check_binary(&path),
                path,
            },
            Command::CheckSmtp(doc) => match self.account_from(doc).await {
                Ok(account) => {
                    let (steps, mut started) = tokio::sync::mpsc::unbounded_channel();
                    let tx = self.tx.clone();
                    let forward = tokio::spawn(async move {
                        while let Some(step) = started.recv().await {
                            let _ = tx.send(Msg::CheckProgress(step));
                        }
                    });
                    let report = crate::sender::check::check_with_progress(
                        &account,
                        &self.sender,
                        &self.oauth,
                        Some(steps),
                    )
                    .await;
                    let _ = forward.await;
                    Msg::CheckDone(report)
                }
                Err(e) => failed(e),
            },
            Command::SendTest {
                to,
                subject,
                body,
                attachment,
            } => match self.send_test(to, subject, body, attachment).await {
                Ok(id) => Msg::TestQueued(id),
                Err(e) => Msg::ActionDone(Err(e.into())),
            },
            Command::SaveEml { id, path } => {
                Msg::ActionDone(self.save_eml(id, &path).await.map_err(Failure::from))
            }
            Command::WatchMail(id) => match self.test_state(id).await {
                Ok(outcome) => Msg::TestState(id, outcome),
                Err(e) => failed(e),
            },
            Command::LoadOperators => match self.settings.operators().await {
                Ok(list) => Msg::OperatorsLoaded(list),
                Err(e) => failed(e),
            },
            Command::ReadPrivateKey { company_id, path } => Msg::PrivateKeyRead {
                company_id,
                result: read_private_key(&path).await,
                path,
            },
            Command::WritePrivateKey {
                company_id,
                unsaved_pem,
                path,
            } => {
                let path = std::path::PathBuf::from(path.trim());
                Msg::ActionDone(
                    self.settings
                        .export_private_key(&company_id, unsaved_pem.as_deref(), &path)
                        .await
                        .map(|info| Done::KeyWritten(path, info))
                        .map_err(Failure::from),
                )
            }
            Command::CountAnonymizable(days) => {
                match self.queue.count_anonymizable(days_duration(days)).await {
                    Ok(count) => Msg::AnonymizeCount { days, count },
                    Err(e) => failed(e),
                }
            }
            // `run` starts and stops the sign-in itself; here they only report where it is.
            Command::LoadSignInStatus | Command::StartSignIn | Command::CancelSignIn => {
                match self.oauth.status().await {
                    Ok(s) => Msg::SignInStatus(s),
                    Err(e) => failed(e),
                }
            }
            Command::Anonymize(days) => Msg::ActionDone(
                self.queue
                    .anonymize_archived(days_duration(days), &self.actor.user)
                    .await
                    .map(Done::Anonymized)
                    .map_err(Failure::from),
            ),
        }
    }

    /// The stop of the next bulk action, kept where StopBulk finds it.
    fn arm_bulk_stop(&self) -> tokio::sync::oneshot::Receiver<()> {
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
        if let Ok(mut slot) = self.bulk_stop.lock() {
            *slot = Some(stop_tx);
        }
        stop_rx
    }

    async fn bulk_msg(
        &self,
        action: MailAction,
        filter: &crate::queue::Filter,
        rate: Option<crate::queue::Rate>,
        stop: tokio::sync::oneshot::Receiver<()>,
    ) -> Msg {
        Msg::BulkDone(
            self.bulk(action, filter, rate, stop)
                .await
                .map_err(Failure::from),
        )
    }

    /// A bulk action by filter; each batch is reported as it commits.
    async fn bulk(
        &self,
        action: MailAction,
        filter: &crate::queue::Filter,
        rate: Option<crate::queue::Rate>,
        stop_rx: tokio::sync::oneshot::Receiver<()>,
    ) -> Result<Done> {
        let stop = async {
            // A dropped sender (the console closing) is no request to stop.
            if stop_rx.await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        let tx = self.tx.clone();
        let p = self
            .queue
            .act_all_matching(action, filter, rate, &self.actor.user, stop, |p| {
                let _ = tx.send(Msg::BulkProgress(p.done));
            })
            .await?;
        if action == MailAction::Retry && p.done > 0 {
            self.senders.end_server_wait().await?;
        }
        Ok(Done::Bulk {
            action,
            done: p.done,
            stopped: p.stopped,
        })
    }

    /// Starts the device-code sign-in as a task of its own (replacing one running), or
    /// stops it.
    fn sign_in(&self, start: bool) {
        let Ok(mut slot) = self.sign_in.lock() else {
            return;
        };
        if let Some(running) = slot.take() {
            running.abort();
        }
        if !start {
            return;
        }
        let this = self.clone();
        *slot = Some(tokio::spawn(async move {
            let done = this.run_sign_in().await;
            let _ = this.tx.send(done);
            let _ = this.tx.send(match this.oauth.status().await {
                Ok(s) => Msg::SignInStatus(s),
                Err(e) => Msg::LoadFailed(e.into()),
            });
        }));
    }

    async fn run_sign_in(&self) -> Msg {
        let lang = self.lang;
        let login = match self.oauth.account_login().await {
            Ok(l) if !l.is_empty() => l,
            Ok(_) => {
                return Msg::SignInDone {
                    login: String::new(),
                    result: Err(crate::i18n::error(
                        &Error::invalid_argument(
                            "mail_server.login",
                            "is empty: set the mailbox to sign in as",
                        ),
                        lang,
                    )),
                };
            }
            Err(e) => {
                return Msg::SignInDone {
                    login: String::new(),
                    result: Err(crate::i18n::error(&e, lang)),
                };
            }
        };
        let device = match self.oauth.start().await {
            Ok(d) => d,
            Err(e) => {
                return Msg::SignInDone {
                    login,
                    result: Err(crate::i18n::error(&e, lang)),
                };
            }
        };
        let target = device
            .verification_uri_complete
            .clone()
            .unwrap_or_else(|| device.verification_uri.clone());
        let _ = self.tx.send(Msg::SignInCode {
            uri: device.verification_uri.clone(),
            code: device.user_code.clone(),
            qr: crate::oauth::qr::lines(&target).unwrap_or_default(),
            expires_in: device.expires_in,
        });
        let result = self
            .oauth
            .finish(&device, &login)
            .await
            .map(|_| ())
            .map_err(|e| crate::i18n::error(&e, lang));
        Msg::SignInDone { login, result }
    }

    async fn key_infos(
        &self,
    ) -> Result<std::collections::HashMap<String, std::result::Result<KeyInfo, String>>> {
        let erp = self.settings.load::<ErpSettings>().await?.value;
        Ok(erp
            .companies
            .iter()
            .filter(|c| !c.private_key.is_empty())
            .map(|c| (c.id.clone(), describe_private_key(c.private_key.expose())))
            .collect())
    }

    /// The account in the form, with the stored password where the form shows a mask.
    async fn account_from(&self, mut doc: serde_json::Value) -> Result<MailServerSettings> {
        if doc.get("password").and_then(|p| p.as_str()) == Some(MASK) {
            let stored = self.settings.load_json(Tab::MailServer).await?.value;
            doc["password"] = stored.get("password").cloned().unwrap_or_default();
        }
        serde_json::from_value(doc)
            .map_err(|e| Error::invalid_argument("mail_server", e.to_string()))
    }

    async fn send_test(
        &self,
        to: String,
        subject: String,
        body: String,
        attachment: Option<String>,
    ) -> Result<i64> {
        let account = self.settings.load::<MailServerSettings>().await?.value;
        if account.from_address.trim().is_empty() {
            return Err(Error::invalid_argument(
                "mail_server.from_address",
                "is not set: save the mail account first",
            ));
        }
        let attachments = match attachment {
            Some(path) => vec![crate::queue::attachment_from_file(
                std::path::Path::new(path.trim()),
                self.sender.max_message_size,
            )?],
            None => Vec::new(),
        };
        self.queue
            .enqueue(NewMail {
                to: vec![to.trim().to_string()],
                subject,
                body_text: body,
                attachments,
                ..NewMail::default()
            })
            .await
    }

    async fn test_state(&self, id: i64) -> Result<TestOutcome> {
        match self.queue.detail(id).await {
            Ok(d) => Ok(match d.mail.status {
                MailStatus::Sent => TestOutcome::Delivered(d.mail.smtp_reply.unwrap_or_default()),
                MailStatus::Failed | MailStatus::Cancelled => {
                    TestOutcome::NotDelivered(d.mail.last_error.unwrap_or_default())
                }
                // Tried and refused for now: it goes again at its next try.
                MailStatus::Pending if d.mail.attempts > 0 => TestOutcome::Deferred {
                    next_at: d.mail.next_attempt_at,
                    reason: d.mail.last_error.unwrap_or_default(),
                },
                _ => TestOutcome::Waiting,
            }),
            // Deleted after sending: the work log keeps the delivery.
            Err(Error::NotFound { .. }) => {
                let log = self
                    .log
                    .entries(&crate::worklog::LogFilter {
                        mail_id: Some(id),
                        limit: 10,
                        ..Default::default()
                    })
                    .await?;
                Ok(
                    match log.iter().find(|e| e.message.starts_with("delivered")) {
                        Some(e) => TestOutcome::Delivered(e.detail.clone().unwrap_or_default()),
                        None => TestOutcome::NotDelivered(
                            log.first().map(|e| e.message.clone()).unwrap_or_default(),
                        ),
                    },
                )
            }
            Err(e) => Err(e),
        }
    }

    /// Writes the mail as it goes (or went) out to `mail-ID.eml` (in the directory the
    /// console was started from).
    async fn save_eml(&self, id: i64, path: &str) -> Result<Done> {
        let detail = self.queue.detail(id).await?;
        let attachments = self.queue.attachments(id).await?;
        let account = self.settings.load::<MailServerSettings>().await?.value;
        let prepared = crate::sender::message::build_with_id(
            &detail.mail,
            &attachments,
            &account,
            detail.mail.message_id.as_deref(),
        )
        .map_err(|e| Error::invalid_argument(e.field, e.message))?;
        let chosen = self.eml_dir.join(path);
        let path = if path.is_empty() || chosen.is_dir() {
            let dir = if path.is_empty() {
                self.eml_dir.clone()
            } else {
                chosen
            };
            write_new_file(&dir, &format!("mail-{id}"), "eml", &prepared.bytes)?
        } else {
            write_exact_new_file(&chosen, &prepared.bytes)?
        };
        Ok(Done::SavedEml(path))
    }

    /// An action on mails; sending now also ends every sender's wait for the server
    /// ("now" means now, not after the server back-off).
    async fn act(&self, action: MailAction, ids: &[MailId]) -> Result<u64> {
        let n = self.queue.act(action, ids, &self.actor.user).await?;
        if action == MailAction::Retry {
            self.senders.end_server_wait().await?;
        }
        Ok(n)
    }

    /// A page of the queue; for a page below the first, how many mails are above it;
    /// with a search, how many it matches.
    async fn page(&self, query: &MailQuery) -> Result<(Vec<MailSummary>, i64, Option<i64>)> {
        let rows = self.queue.page(query).await?;
        let above = match (query.cursor, rows.first()) {
            (Some(_), Some(first)) => self.queue.count_above(query, first.id).await?,
            _ => 0,
        };
        // Every match counted: all mails with an id above 0, newest first.
        let matched = if query.filter.is_empty() {
            None
        } else {
            let all = MailQuery {
                cursor: None,
                oldest_first: false,
                ..query.clone()
            };
            Some(self.queue.count_above(&all, 0).await?)
        };
        Ok((rows, above, matched))
    }

    async fn overview(&self) -> Result<Overview> {
        let now = now_ms();
        let since = (now / 60_000 - SPARK_MINUTES + 1) * 60_000;
        let per_minute = self.queue.delivered_per_minute(since).await?;
        let mut sent_per_minute = vec![0u64; SPARK_MINUTES as usize];
        for (minute, n) in per_minute {
            let slot = (minute - since / 60_000) as usize;
            if let Some(s) = sent_per_minute.get_mut(slot) {
                *s = n as u64;
            }
        }
        let (last_delivery, failure_streak) = self.queue.delivery_streak(now - 86_400_000).await?;
        // A console with no live sender beside it still notices (and logs) a stale one.
        let stale_noted = self.senders.note_stale(now).await?.len();
        let sending_enabled = self
            .settings
            .load::<MailServerSettings>()
            .await
            .ok()
            .map(|s| s.value.enabled);
        Ok(Overview {
            last_delivery,
            failure_streak,
            counts: self.queue.counts().await?,
            senders: self.senders.list().await?,
            control: self.senders.control().await?,
            sending_enabled,
            oldest_pending: self.queue.oldest_pending().await?,
            sent_per_minute,
            deferrals: self.queue.deferred_domains().await?,
            stale_noted,
        })
    }
}

/// Writes `bytes` to `path`, which must not exist yet (never through a symlink).
fn write_exact_new_file(path: &std::path::Path, bytes: &[u8]) -> Result<std::path::PathBuf> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Error::invalid_argument(
                "path",
                format!("{} already exists; choose another name", path.display()),
            ),
            _ => Error::io(format!("cannot create {}", path.display()), e),
        })?;
    f.write_all(bytes)
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    Ok(path.to_path_buf())
}

/// Writes `bytes` to a file that did not exist: `STEM.EXT`, else `STEM-1.EXT`, ... An
/// existing file or a symbolic link in its place is never written through.
fn write_new_file(
    dir: &std::path::Path,
    stem: &str,
    ext: &str,
    bytes: &[u8],
) -> Result<std::path::PathBuf> {
    use std::io::Write;
    for n in 0..100 {
        let name = if n == 0 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem}-{n}.{ext}")
        };
        let path = dir.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                f.write_all(bytes)
                    .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(format!("cannot create {}", path.display()), e)),
        }
    }
    Err(Error::State(format!(
        "{stem}.{ext} and 99 numbered copies already exist in {}",
        dir.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::write_new_file;

    #[test]
    fn a_new_file_never_overwrites_or_follows_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim");
        std::fs::write(&target, "keep").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join("mail-1.eml")).unwrap();
        let path = write_new_file(dir.path(), "mail-1", "eml", b"new").unwrap();
        assert_eq!(path, dir.path().join("mail-1-1.eml"));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }
}
