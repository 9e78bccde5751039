//! SQL for the senders registry and the sending switches (pause, flush).

use super::mails::{INSERT_LOG, insert_log};
use super::{Store, dispatch, dispatch_read};
use crate::error::Result;
use crate::model::{NewLogEntry, RegisteredSender, SenderState, SendingControl};
use crate::time::Millis;

type SenderTuple = (String, String, i64, Millis, Millis, bool, Option<String>);

const SENDER_COLUMNS: &str = "id, host, pid, started_at, heartbeat_at, paused, state";

fn registered(
    (id, host, pid, started_at, heartbeat_at, paused, state): SenderTuple,
) -> RegisteredSender {
    RegisteredSender {
        id,
        host,
        pid,
        started_at,
        heartbeat_at,
        paused,
        // A state this version cannot read is no state, not a failed list.
        state: state.and_then(|s| serde_json::from_str(&s).ok()),
    }
}

fn state_json(state: Option<&SenderState>) -> Option<String> {
    state.and_then(|s| serde_json::to_string(s).ok())
}

impl Store {
    /// Registers one process lifetime (`incarnation`) of sender `s.id`, replacing any
    /// earlier registration of that id.
    pub async fn register_sender(&self, s: &RegisteredSender, incarnation: &str) -> Result<()> {
        dispatch!(self, pool => {
            sqlx::query(
                "INSERT INTO senders (id, host, pid, started_at, heartbeat_at, paused, incarnation, state, stale_noted) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, FALSE) ON CONFLICT (id) DO UPDATE SET host = $2, \
                 pid = $3, started_at = $4, heartbeat_at = $5, paused = $6, incarnation = $7, \
                 state = $8, stale_noted = FALSE",
            )
            .bind(&s.id)
            .bind(&s.host)
            .bind(s.pid)
            .bind(s.started_at)
            .bind(s.heartbeat_at)
            .bind(s.paused)
            .bind(incarnation)
            .bind(state_json(s.state.as_ref()))
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// The registration of sender `id`, with its incarnation.
    pub async fn sender(&self, id: &str) -> Result<Option<(RegisteredSender, Option<String>)>> {
        type Row = (
            String,
            String,
            i64,
            Millis,
            Millis,
            bool,
            Option<String>,
            Option<String>,
        );
        let row: Option<Row> = dispatch_read!(self, pool => {
            sqlx::query_as(
                "SELECT id, host, pid, started_at, heartbeat_at, paused, state, incarnation \
                 FROM senders WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(
            |(id, host, pid, started_at, heartbeat_at, paused, state, incarnation)| {
                let sender = registered((id, host, pid, started_at, heartbeat_at, paused, state));
                (sender, incarnation)
            },
        ))
    }

    /// Records a heartbeat and what the sender is doing; returns false when the row is
    /// gone (unregistered meanwhile).
    pub async fn sender_heartbeat(
        &self,
        id: &str,
        incarnation: &str,
        paused: bool,
        state: Option<&SenderState>,
        now: Millis,
    ) -> Result<bool> {
        dispatch!(self, pool => {
            Ok(sqlx::query(
                "UPDATE senders SET heartbeat_at = $1, paused = $2, state = $5, stale_noted = FALSE \
                 WHERE id = $3 AND incarnation = $4",
            )
                .bind(now)
                .bind(paused)
                .bind(id)
                .bind(incarnation)
                .bind(state_json(state))
                .execute(pool)
                .await?
                .rows_affected() == 1)
        })
    }

    /// Records what the sender is doing now, between heartbeats.
    pub async fn set_sender_state(
        &self,
        id: &str,
        incarnation: &str,
        state: &SenderState,
    ) -> Result<()> {
        dispatch!(self, pool => {
            sqlx::query("UPDATE senders SET state = $1 WHERE id = $2 AND incarnation = $3")
                .bind(state_json(Some(state)))
                .bind(id)
                .bind(incarnation)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Removes the registration of this incarnation (a newer process with the same id
    /// keeps its own).
    pub async fn unregister_sender(&self, id: &str, incarnation: &str) -> Result<()> {
        dispatch!(self, pool => {
            sqlx::query("DELETE FROM senders WHERE id = $1 AND (incarnation = $2 OR incarnation IS NULL)")
                .bind(id)
                .bind(incarnation)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    pub async fn senders(&self) -> Result<Vec<RegisteredSender>> {
        let sql = format!("SELECT {SENDER_COLUMNS} FROM senders ORDER BY id");
        dispatch_read!(self, pool => {
            let rows: Vec<SenderTuple> = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(pool)
                .await?;
            Ok(rows.into_iter().map(registered).collect())
        })
    }

    /// Marks the senders whose last heartbeat is older than `before` as stale, once each,
    /// and returns those just marked (so that one process, not every one, logs each).
    pub async fn mark_stale_senders(&self, before: Millis) -> Result<Vec<RegisteredSender>> {
        let sql = format!(
            "UPDATE senders SET stale_noted = TRUE WHERE heartbeat_at < $1 AND stale_noted = FALSE \
             RETURNING {SENDER_COLUMNS}"
        );
        dispatch!(self, pool => {
            let rows: Vec<SenderTuple> = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(before)
                .fetch_all(pool)
                .await?;
            Ok(rows.into_iter().map(registered).collect())
        })
    }

    /// How many mails sender `id` holds claimed, and when the last of their leases ends.
    pub async fn claims_of(&self, id: &str) -> Result<(i64, Option<Millis>)> {
        dispatch_read!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT count(*), max(lease_until) FROM process_mails \
                 WHERE status = 'sending' AND claimed_by = $1",
            )
            .bind(id)
            .fetch_one(pool)
            .await?)
        })
    }

    pub async fn set_senders_paused(
        &self,
        paused: bool,
        actor: &str,
        now: Millis,
        entry: &NewLogEntry,
    ) -> Result<()> {
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "UPDATE sender_control SET paused = $1, paused_by = $2, paused_at = $3 WHERE id = 1",
            )
            .bind(paused)
            .bind(paused.then_some(actor))
            .bind(paused.then_some(now))
            .execute(&mut *tx)
            .await?;
            insert_log!(tx, now, entry, None::<i64>)?;
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn sending_control(&self) -> Result<SendingControl> {
        type Row = (bool, Option<String>, Option<Millis>, Millis);
        let row: Option<Row> = dispatch_read!(self, pool => {
            sqlx::query_as(
                "SELECT paused, paused_by, paused_at, flush_at FROM sender_control WHERE id = 1",
            )
            .fetch_optional(pool)
            .await?
        });
        Ok(row
            .map(|(paused, paused_by, paused_at, flush_at)| SendingControl {
                paused,
                paused_by,
                paused_at,
                flush_at,
            })
            .unwrap_or_default())
    }

    /// Makes every deferred mail due now and records the flush that ends every sender's
    /// wait for the server; returns how many mails were deferred. One transaction.
    pub async fn flush(&self, now: Millis, entry: &NewLogEntry) -> Result<u64> {
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let moved = sqlx::query(
                "UPDATE process_mails SET next_attempt_at = $1 \
                 WHERE status = 'pending' AND held = FALSE AND next_attempt_at > $1",
            )
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query("UPDATE sender_control SET flush_at = $1 WHERE id = 1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let entry = NewLogEntry {
                message: format!("{} ({moved} deferred mails due now)", entry.message),
                ..entry.clone()
            };
            insert_log!(tx, now, entry, None::<i64>)?;
            tx.commit().await?;
            Ok(moved)
        })
    }

    /// Ends every sender's wait for the server without touching any mail (a mail sent
    /// now from the console).
    pub async fn end_server_wait(&self, now: Millis) -> Result<()> {
        dispatch!(self, pool => {
            sqlx::query("UPDATE sender_control SET flush_at = $1 WHERE id = 1")
                .bind(now)
                .execute(pool)
                .await?;
            Ok(())
        })
    }
}
