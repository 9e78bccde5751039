//! A sender process in the registry: who it is, where, its last heartbeat, and what it
//! is doing (so that every console can say why mail is not leaving).

use serde::{Deserialize, Serialize};

use super::time::Millis;

/// One sender as the registry knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegisteredSender {
    pub id: String,
    pub host: String,
    pub pid: i64,
    pub started_at: Millis,
    pub heartbeat_at: Millis,
    pub paused: bool,
    /// What it said it is doing at its last heartbeat (None: it has not said, or it was
    /// written by an older version).
    pub state: Option<SenderState>,
}

impl RegisteredSender {
    /// How often a sender beats.
    pub const HEARTBEAT_MS: Millis = 5_000;
    /// Two heartbeats missed (with a second's slack for a busy database): stale.
    pub const STALE_AFTER_MS: Millis = 2 * Self::HEARTBEAT_MS + 1_000;
    /// A sender that beat within this long counts as alive (the console's header, the
    /// worker's "nobody is sending" warning, the console's own sender giving way).
    pub const ALIVE_WITHIN_MS: Millis = 30_000;
    /// A stale sender is still shown this long after its last heartbeat.
    pub const SHOWN_WITHIN_MS: Millis = 3_600_000;

    pub fn is_alive(&self, now: Millis) -> bool {
        now - self.heartbeat_at < Self::ALIVE_WITHIN_MS
    }

    /// It missed two heartbeats: stopped, killed, frozen, or cut off from the database.
    pub fn is_stale(&self, now: Millis) -> bool {
        now - self.heartbeat_at > Self::STALE_AFTER_MS
    }

    /// `id@host`, as the work log and the header name a sender.
    pub fn name(&self) -> String {
        format!("{}@{}", self.id, self.host)
    }
}

/// What a sender is doing, as it publishes it with each heartbeat and at each change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SenderState {
    /// Taking and sending mail (or waiting for some).
    Ready,
    /// Sending is paused for every sender.
    Paused,
    /// `enabled` is off in the Mail server tab.
    Disabled,
    /// Another live sender sends; this one (a console's) takes nothing meanwhile.
    Yielding { to: String },
    /// The Microsoft 365 account needs signing in again (or a token cannot be had).
    SignIn { reason: String },
    /// The mail server cannot be reached, refuses, or refuses the login: nothing is tried
    /// until `next_try` (or a flush).
    ServerDown {
        trouble: ServerTrouble,
        since: Millis,
        reply: String,
        next_try: Millis,
    },
}

/// How the mail server fails a sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerTrouble {
    /// DNS, connecting, TLS or the greeting failed.
    Unreachable,
    /// It answered and refused (a 4xx/5xx before any recipient).
    Refusing,
    /// It refused the login.
    Login,
}

/// The switches every sender obeys: the pause (who set it, when) and the last flush.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SendingControl {
    pub paused: bool,
    pub paused_by: Option<String>,
    pub paused_at: Option<Millis>,
    /// When `dmsctl queue flush` (or a console's send-now) last asked every sender to
    /// stop waiting for the server.
    pub flush_at: Millis,
}

/// A destination every sender leaves alone until `until` (`dmsctl queue defer`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DomainDeferral {
    /// Lower case.
    pub domain: String,
    #[serde(serialize_with = "super::time::serialize_millis")]
    pub until: Millis,
    pub reason: Option<String>,
    pub by: String,
    #[serde(serialize_with = "super::time::serialize_millis")]
    pub at: Millis,
}

impl DomainDeferral {
    /// Whether a mail to these addresses goes to a deferred domain.
    pub fn applies_to<'a>(
        rules: &'a [DomainDeferral],
        addresses: &[String],
    ) -> Option<&'a DomainDeferral> {
        addresses
            .iter()
            .filter_map(|a| super::mail::address_domain(a))
            .find_map(|d| rules.iter().find(|r| r.domain == d))
    }
}
