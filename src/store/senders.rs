//! SQL for the senders registry and the global pause switch.

use super::{Store, dispatch};
use crate::error::Result;
use crate::model::RegisteredSender;
use crate::time::Millis;

type SenderTuple = (String, String, i64, Millis, Millis, bool);

fn registered((id, host, pid, started_at, heartbeat_at, paused): SenderTuple) -> RegisteredSender {
    RegisteredSender {
        id,
        host,
        pid,
        started_at,
        heartbeat_at,
        paused,
    }
}

impl Store {
    /// Registers one process lifetime (`incarnation`) of sender `s.id`, replacing any
    /// earlier registration of that id.
    pub async fn register_sender(&self, s: &RegisteredSender, incarnation: &str) -> Result<()> {
        dispatch!(self, pool => {
            sqlx::query(
                "INSERT INTO senders (id, host, pid, started_at, heartbeat_at, paused, incarnation) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET host = $2, \
                 pid = $3, started_at = $4, heartbeat_at = $5, paused = $6, incarnation = $7",
            )
            .bind(&s.id)
            .bind(&s.host)
            .bind(s.pid)
            .bind(s.started_at)
            .bind(s.heartbeat_at)
            .bind(s.paused)
            .bind(incarnation)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// The registration of sender `id`, with its incarnation.
    pub async fn sender(&self, id: &str) -> Result<Option<(RegisteredSender, Option<String>)>> {
        type Row = (String, String, i64, Millis, Millis, bool, Option<String>);
        let row: Option<Row> = dispatch!(self, pool => {
            sqlx::query_as(
                "SELECT id, host, pid, started_at, heartbeat_at, paused, incarnation \
                 FROM senders WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(
            |(id, host, pid, started_at, heartbeat_at, paused, incarnation)| {
                let sender = registered((id, host, pid, started_at, heartbeat_at, paused));
                (sender, incarnation)
            },
        ))
    }

    /// Records a heartbeat; returns false when the row is gone (unregistered meanwhile).
    pub async fn sender_heartbeat(
        &self,
        id: &str,
        incarnation: &str,
        paused: bool,
        now: Millis,
    ) -> Result<bool> {
        dispatch!(self, pool => {
            Ok(sqlx::query(
                "UPDATE senders SET heartbeat_at = $1, paused = $2 WHERE id = $3 AND incarnation = $4",
            )
                .bind(now)
                .bind(paused)
                .bind(id)
                .bind(incarnation)
                .execute(pool)
                .await?
                .rows_affected() == 1)
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
        dispatch!(self, pool => {
            let rows: Vec<SenderTuple> = sqlx::query_as(
                "SELECT id, host, pid, started_at, heartbeat_at, paused FROM senders ORDER BY id",
            )
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(registered).collect())
        })
    }

    pub async fn set_senders_paused(&self, paused: bool) -> Result<()> {
        dispatch!(self, pool => {
            sqlx::query("UPDATE sender_control SET paused = $1 WHERE id = 1")
                .bind(paused)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    pub async fn senders_paused(&self) -> Result<bool> {
        dispatch!(self, pool => {
            Ok(sqlx::query_scalar::<_, bool>("SELECT paused FROM sender_control WHERE id = 1")
                .fetch_optional(pool)
                .await?
                .unwrap_or(false))
        })
    }
}
