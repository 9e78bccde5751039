//! What happens (`Msg`) and what the app asks for (`Command`). Both are plain data:
//! input -> Msg -> `App::update` -> state + Commands -> executor -> Msg.

use std::collections::HashMap;

use crossterm::event::KeyEvent;
use serde_json::Value;

use super::panes::mail_server::TestOutcome;
use crate::i18n::{Lang, messages};
use crate::model::{Operator, RegisteredSender, SendingControl};
use crate::oauth::TokenStatus;
use crate::queue::{
    Breakdown, ErrorGroup, Filter, MailAction, MailDetail, MailId, MailQuery, MailSummary,
    QueueCounts, QueueShape,
};
use crate::sender::check::CheckReport;
use crate::settings::{FieldError, KeyInfo, Tab};
use crate::time::Millis;
use crate::worklog::{LogEntry, LogFilter};

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    /// Once a second: ages and heartbeats move on.
    Tick(Millis),
    /// Another process (or this one) changed the database.
    Changed,
    /// SIGTERM or SIGHUP.
    Terminate,
    /// What the console's own sender is doing (shown in the header).
    EmbeddedSender(String),
    QueueLoaded {
        query: MailQuery,
        rows: Vec<MailSummary>,
        /// Mails of the same list above the page (0 on the first page).
        above: i64,
        /// With a search: how many mails it matches in the status filter.
        matched: Option<i64>,
    },
    /// Mails of a list newer than `after`.
    NewCounted {
        query: MailQuery,
        after: MailId,
        n: i64,
    },
    Overview(Overview),
    DetailLoaded(Box<MailDetail>),
    LogLoaded {
        filter: LogFilter,
        entries: Vec<LogEntry>,
    },
    ShapeLoaded(QueueShape),
    ErrorGroupsLoaded(Vec<ErrorGroup>),
    /// A settings tab as stored (secrets masked) and its version.
    SettingsLoaded {
        tab: Tab,
        doc: Value,
        version: i64,
    },
    SettingsSaved {
        tab: Tab,
        version: i64,
    },
    SettingsInvalid {
        tab: Tab,
        errors: Vec<FieldError>,
    },
    /// Someone else saved first: their document and version.
    SettingsConflict {
        tab: Tab,
        theirs: Value,
        version: i64,
    },
    /// What each ERP company's stored private key is, by company id.
    KeyInfos(HashMap<String, Result<KeyInfo, String>>),
    /// A private key read from a file for a company (by id), or why it cannot be used.
    PrivateKeyRead {
        company_id: String,
        /// As typed: a failed load asks again with it.
        path: String,
        result: Result<(String, KeyInfo), String>,
    },
    /// The DMS's operators, alphabetically.
    OperatorsLoaded(Vec<Operator>),
    /// How many archived mails anonymizing after `days` would touch.
    AnonymizeCount {
        days: u32,
        count: i64,
    },
    /// Microsoft 365 sign-in: the address and code to show.
    SignInCode {
        uri: String,
        code: String,
        qr: Vec<String>,
        expires_in: std::time::Duration,
    },
    /// Sign-in finished for `login`: nothing, or why not (in the user's language).
    SignInDone {
        login: String,
        result: Result<(), String>,
    },
    /// Who is signed in and whether the tokens still refresh.
    SignInStatus(Option<TokenStatus>),
    /// A step of the connection check has started.
    CheckProgress(&'static str),
    CheckDone(CheckReport),
    SendmailChecked {
        path: String,
        result: Result<(), String>,
    },
    TestQueued(MailId),
    TestState(MailId, TestOutcome),
    /// An action finished, or why it failed.
    ActionDone(Result<Done, Failure>),
    /// What a bulk action on every mail matching `filter` would meet.
    BreakdownLoaded {
        action: MailAction,
        filter: Filter,
        breakdown: Breakdown,
    },
    /// A batch of the bulk action running is done: `done` mails so far.
    BulkProgress(u64),
    /// Asked to stop: the batch under way finishes, then it ends.
    BulkStopping,
    /// The bulk action ended (all done, or stopped between batches), or failed.
    BulkDone(Result<Done, Failure>),
    LoadFailed(Failure),
}

/// A failure as the services reported it: data, worded by the view in its language.
#[derive(Debug, Clone)]
pub struct Failure(std::sync::Arc<crate::Error>);

impl From<crate::Error> for Failure {
    fn from(e: crate::Error) -> Self {
        Failure(std::sync::Arc::new(e))
    }
}

impl Failure {
    pub fn text(&self, lang: Lang) -> String {
        crate::i18n::error(&self.0, lang)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What an action did (worded per language by the view).
#[derive(Debug, Clone, PartialEq)]
pub enum Done {
    /// Mails changed by an action.
    Action(MailAction, u64),
    Paused(bool),
    /// Deferred mails made due by a flush.
    Flushed(u64),
    SavedEml(std::path::PathBuf),
    KeyWritten(std::path::PathBuf, KeyInfo),
    Anonymized(u64),
    /// A bulk action by filter: how many mails it changed, and whether it was stopped
    /// before the end.
    Bulk {
        action: MailAction,
        done: u64,
        stopped: bool,
    },
}

impl Done {
    /// What an action did, in the user's language.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Done::Action(a, n) => messages::mails_done(*a, *n, lang),
            Done::Paused(paused) => messages::sending_paused(*paused, lang),
            Done::Flushed(n) => messages::flushed(*n, lang),
            Done::SavedEml(path) => messages::saved_file(path, lang),
            Done::KeyWritten(path, info) => messages::key_written(&info.kind, path, lang),
            Done::Anonymized(n) => messages::anonymized(*n, lang),
            Done::Bulk {
                action,
                done,
                stopped,
            } => messages::bulk_done(*action, *done, *stopped, lang),
        }
    }
}

/// The header's figures, loaded together.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overview {
    pub counts: QueueCounts,
    pub senders: Vec<RegisteredSender>,
    /// The pause (who, when) and the last flush.
    pub control: SendingControl,
    /// The Mail server tab's `enabled` (None: it could not be read).
    pub sending_enabled: Option<bool>,
    pub oldest_pending: Option<Millis>,
    /// Mails sent in each of the last minutes, oldest first.
    pub sent_per_minute: Vec<u64>,
    /// The last delivery in the last day, if any.
    pub last_delivery: Option<Millis>,
    /// Sending failures since that delivery.
    pub failure_streak: i64,
    /// Destinations every sender leaves alone until a time (`queue defer`).
    pub deferrals: Vec<crate::model::DomainDeferral>,
    /// Senders this load found stale and wrote a work-log entry for.
    pub stale_noted: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    LoadQueue(MailQuery),
    /// Count the mails of a list newer than a mail (the frozen list's "N new").
    CountNew(MailQuery, MailId),
    LoadOverview,
    LoadDetail(MailId),
    LoadLog(LogFilter),
    LoadShape,
    LoadErrorGroups,
    Act(MailAction, Vec<MailId>),
    /// What `action` on every mail matching the filter would meet.
    LoadBreakdown(MailAction, Filter),
    /// `action` on every mail matching the filter (bounded to the breakdown agreed to),
    /// batch by batch, until done or `StopBulk`.
    Bulk(MailAction, Filter, Option<crate::queue::Rate>),
    StopBulk,
    SetPaused(bool),
    /// `dmsctl queue flush`: deferred mails due now, senders stop waiting.
    Flush,
    LoadSettings(Tab),
    SaveSettings {
        tab: Tab,
        doc: Value,
        version: i64,
    },
    /// Check the connection with this (unsaved) account document.
    CheckSmtp(Value),
    /// Whether the sendmail program at this path is there and can be run.
    CheckSendmail(String),
    SendTest {
        to: String,
        subject: String,
        body: String,
        attachment: Option<String>,
    },
    WatchMail(MailId),
    /// Write the mail as .eml to `path` (relative to where the console started; a
    /// folder gets `mail-ID.eml` inside it).
    SaveEml {
        id: MailId,
        path: String,
    },
    LoadOperators,
    ReadPrivateKey {
        company_id: String,
        path: String,
    },
    /// Save a company's key to a new file: the unsaved PEM the console holds, if any,
    /// else the stored key.
    WritePrivateKey {
        company_id: String,
        unsaved_pem: Option<String>,
        path: String,
    },
    CountAnonymizable(u32),
    Anonymize(u32),
    StartSignIn,
    CancelSignIn,
    LoadSignInStatus,
}
