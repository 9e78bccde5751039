//! A sender process in the registry: who it is, where, and its last heartbeat.

use super::time::Millis;

/// One sender as the registry knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegisteredSender {
    pub id: String,
    pub host: String,
    pub pid: i64,
    pub started_at: Millis,
    pub heartbeat_at: Millis,
    pub paused: bool,
}

impl RegisteredSender {
    /// A sender that beat within this long counts as alive (the console's header, the
    /// worker's "nobody is sending" warning).
    pub const ALIVE_WITHIN_MS: Millis = 30_000;

    pub fn is_alive(&self, now: Millis) -> bool {
        now - self.heartbeat_at < Self::ALIVE_WITHIN_MS
    }
}
