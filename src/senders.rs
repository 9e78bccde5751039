//! The senders registry and the global pause switch: which sender processes run where,
//! their heartbeats, and whether sending is paused for all of them.

use crate::error::Result;
use crate::model::{Level, NewLogEntry, RegisteredSender, SenderState, SendingControl};
use crate::store::Store;
use crate::time::{Millis, format_rfc3339, now_ms};

#[derive(Clone)]
pub struct SenderRegistry {
    store: Store,
}

impl SenderRegistry {
    pub fn new(store: Store) -> Self {
        SenderRegistry { store }
    }

    /// Registers one process lifetime (`incarnation`) of sender `s.id`, replacing any
    /// earlier registration of that id.
    pub async fn register(&self, s: &RegisteredSender, incarnation: &str) -> Result<()> {
        self.store.register_sender(s, incarnation).await
    }

    /// The registration of sender `id`, with its incarnation.
    pub async fn registration(
        &self,
        id: &str,
    ) -> Result<Option<(RegisteredSender, Option<String>)>> {
        self.store.sender(id).await
    }

    /// Records a heartbeat and what the sender is doing; false when the registration is
    /// gone (unregistered meanwhile).
    pub async fn heartbeat(
        &self,
        id: &str,
        incarnation: &str,
        paused: bool,
        state: Option<&SenderState>,
        now: Millis,
    ) -> Result<bool> {
        self.store
            .sender_heartbeat(id, incarnation, paused, state, now)
            .await
    }

    /// Says at once (not at the next heartbeat) what the sender is doing.
    pub async fn set_state(&self, id: &str, incarnation: &str, state: &SenderState) -> Result<()> {
        self.store.set_sender_state(id, incarnation, state).await
    }

    /// Writes one work-log entry for each sender that has just gone stale (missed two
    /// heartbeats), naming when the mails it claimed go back to pending; any process may
    /// call this, and each stale sender is logged once, by whichever gets there first.
    pub async fn note_stale(&self, now: Millis) -> Result<Vec<RegisteredSender>> {
        let stale = self
            .store
            .mark_stale_senders(now - RegisteredSender::STALE_AFTER_MS)
            .await?;
        for s in &stale {
            let (claimed, back_at) = self.store.claims_of(&s.id).await?;
            let mails = match back_at {
                Some(at) if claimed > 0 => format!(
                    "its {claimed} claimed mails go back to pending when their leases end, by {}",
                    format_rfc3339(at)
                ),
                _ => "it held no mail".to_string(),
            };
            let entry = NewLogEntry::new(
                Level::Warn,
                format!(
                    "sender {} is stale: no heartbeat since {} (stopped, killed or cut off from the database); {mails}",
                    s.name(),
                    format_rfc3339(s.heartbeat_at),
                ),
            )
            .source("sender");
            self.store.append_log(&entry, now).await?;
        }
        Ok(stale)
    }

    /// Removes this incarnation's registration (a newer process with the id keeps its own).
    pub async fn unregister(&self, id: &str, incarnation: &str) -> Result<()> {
        self.store.unregister_sender(id, incarnation).await
    }

    /// Every registered sender, by id.
    pub async fn list(&self) -> Result<Vec<RegisteredSender>> {
        self.store.senders().await
    }

    /// True when some sender beat recently enough to count as alive.
    pub async fn any_alive(&self) -> Result<bool> {
        let now = now_ms();
        Ok(self.list().await?.iter().any(|s| s.is_alive(now)))
    }

    pub async fn paused(&self) -> Result<bool> {
        Ok(self.control().await?.paused)
    }

    /// The pause (who, when) and the last flush.
    pub async fn control(&self) -> Result<SendingControl> {
        self.store.sending_control().await
    }

    /// Pauses or resumes every sender (they keep running and claim nothing), and says
    /// who did it in the work log.
    pub async fn set_paused(&self, paused: bool, actor: &str) -> Result<()> {
        let what = if paused { "paused" } else { "resumed" };
        let entry =
            NewLogEntry::new(Level::Info, format!("sending {what} by {actor}")).source("admin");
        self.store
            .set_senders_paused(paused, actor, now_ms(), &entry)
            .await
    }

    /// Like `postqueue -f`: every deferred mail is due now and every sender stops
    /// waiting for the server and tries at once. Returns how many mails were deferred.
    pub async fn flush(&self, actor: &str) -> Result<u64> {
        let entry =
            NewLogEntry::new(Level::Info, format!("queue flushed by {actor}")).source("admin");
        self.store.flush(now_ms(), &entry).await
    }

    /// Every sender stops waiting for the server (a mail was sent now by hand).
    pub async fn end_server_wait(&self) -> Result<()> {
        self.store.end_server_wait(now_ms()).await
    }
}
