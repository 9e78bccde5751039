//! The senders registry and the global pause switch: which sender processes run where,
//! their heartbeats, and whether sending is paused for all of them.

use crate::error::Result;
use crate::model::{Level, NewLogEntry, RegisteredSender};
use crate::store::Store;
use crate::time::{Millis, now_ms};

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

    /// Records a heartbeat; false when the registration is gone (unregistered meanwhile).
    pub async fn heartbeat(
        &self,
        id: &str,
        incarnation: &str,
        paused: bool,
        now: Millis,
    ) -> Result<bool> {
        self.store
            .sender_heartbeat(id, incarnation, paused, now)
            .await
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
        self.store.senders_paused().await
    }

    /// Pauses or resumes every sender (they keep running and claim nothing), and says
    /// who did it in the work log.
    pub async fn set_paused(&self, paused: bool, actor: &str) -> Result<()> {
        self.store.set_senders_paused(paused).await?;
        let what = if paused { "paused" } else { "resumed" };
        let entry =
            NewLogEntry::new(Level::Info, format!("sending {what} by {actor}")).source("admin");
        self.store.append_log(&entry, now_ms()).await?;
        Ok(())
    }
}
