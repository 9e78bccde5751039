//! Runs each `Command` as a tokio task on the service layer and reports back a `Msg`.

use tokio::sync::mpsc::UnboundedSender;

use super::msg::{Command, Msg, Overview};
use crate::error::Result;
use crate::queue::MailQueue;
use crate::store::Store;
use crate::time::now_ms;
use crate::worklog::WorkLog;

/// Minutes shown in the sends-per-minute sparkline.
const SPARK_MINUTES: i64 = 30;

#[derive(Clone)]
pub struct Executor {
    queue: MailQueue,
    log: WorkLog,
    store: Store,
    actor: String,
    tx: UnboundedSender<Msg>,
}

impl Executor {
    pub fn new(store: Store, actor: String, tx: UnboundedSender<Msg>) -> Self {
        Executor {
            queue: MailQueue::new(store.clone()),
            log: WorkLog::new(store.clone()),
            store,
            actor,
            tx,
        }
    }

    pub fn run(&self, commands: Vec<Command>) {
        for cmd in commands {
            let this = self.clone();
            tokio::spawn(async move {
                let msg = this.exec(cmd).await;
                let _ = this.tx.send(msg);
            });
        }
    }

    async fn exec(&self, cmd: Command) -> Msg {
        let failed = |e: crate::Error| Msg::LoadFailed(e.to_string());
        match cmd {
            Command::LoadQueue(query) => match self.queue.page(&query).await {
                Ok(rows) => Msg::QueueLoaded { query, rows },
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
            Command::LoadShape => match self.queue.shape().await {
                Ok(s) => Msg::ShapeLoaded(s),
                Err(e) => failed(e),
            },
            Command::Act(action, ids) => Msg::ActionDone(
                self.queue
                    .act(action, &ids, &self.actor)
                    .await
                    .map(|n| format!("{action}: {n}"))
                    .map_err(|e| e.to_string()),
            ),
            Command::SetPaused(paused) => Msg::ActionDone(
                crate::sender::set_paused(&self.store, paused, &self.actor)
                    .await
                    .map(|_| {
                        if paused {
                            "paused".to_string()
                        } else {
                            "resumed".to_string()
                        }
                    })
                    .map_err(|e| e.to_string()),
            ),
        }
    }

    async fn overview(&self) -> Result<Overview> {
        let now = now_ms();
        let since = (now / 60_000 - SPARK_MINUTES + 1) * 60_000;
        let per_minute = self.store.delivered_per_minute(since).await?;
        let mut sent_per_minute = vec![0u64; SPARK_MINUTES as usize];
        for (minute, n) in per_minute {
            let slot = (minute - since / 60_000) as usize;
            if let Some(s) = sent_per_minute.get_mut(slot) {
                *s = n as u64;
            }
        }
        Ok(Overview {
            counts: self.queue.counts().await?,
            senders: self.store.senders().await?,
            paused: self.store.senders_paused().await?,
            oldest_pending: self.queue.oldest_pending().await?,
            sent_per_minute,
        })
    }
}
