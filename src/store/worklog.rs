//! SQL for work_log_entries.

use sqlx::QueryBuilder;

use super::{Store, dispatch, dispatch_read};
use crate::error::Result;
use crate::model::{Level, LogEntry, LogFilter, NewLogEntry};
use crate::time::Millis;

type LogRow = (
    i64,
    Millis,
    String,
    String,
    Option<i64>,
    String,
    Option<String>,
);

fn log_entry((id, time, level, source, mail_id, message, detail): LogRow) -> Result<LogEntry> {
    let level: Level = level
        .parse()
        .map_err(|e: String| sqlx::Error::Decode(e.into()))?;
    Ok(LogEntry {
        id,
        time,
        level,
        source,
        mail_id,
        message,
        detail,
    })
}

impl Store {
    pub async fn append_log(&self, entry: &NewLogEntry, now: Millis) -> Result<i64> {
        dispatch!(self, pool => {
            Ok(sqlx::query_scalar(
                "INSERT INTO work_log_entries (time, level, source, mail_id, message, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(now)
            .bind(entry.level.as_str())
            .bind(&entry.source)
            .bind(entry.mail_id)
            .bind(&entry.message)
            .bind(entry.detail.as_deref())
            .fetch_one(pool)
            .await?)
        })
    }

    pub async fn log_entries(&self, f: &LogFilter) -> Result<Vec<LogEntry>> {
        dispatch_read!(self, pool => {
            let mut qb = QueryBuilder::new(
                "SELECT id, time, level, source, mail_id, message, detail FROM work_log_entries WHERE 1 = 1",
            );
            if let Some(id) = f.mail_id {
                qb.push(" AND mail_id = ").push_bind(id);
            }
            if let Some(min) = f.min_level {
                qb.push(" AND level IN (");
                let mut sep = qb.separated(", ");
                for l in min.and_above() {
                    sep.push_bind(l.as_str());
                }
                qb.push(")");
            }
            if let Some(before) = f.before_id {
                qb.push(" AND id < ").push_bind(before);
            }
            qb.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(f.limit.max(1)));
            let rows: Vec<LogRow> = qb.build_query_as().fetch_all(pool).await?;
            rows.into_iter().map(log_entry).collect()
        })
    }
}

impl Store {
    /// The last delivery since `since` and how many sending failures followed it.
    pub async fn delivery_streak(&self, since: Millis) -> Result<(Option<Millis>, i64)> {
        dispatch_read!(self, pool => {
            let last: Option<(i64, Millis)> = sqlx::query_as(
                "SELECT id, time FROM work_log_entries WHERE time >= $1 AND level = 'info' \
                 AND message LIKE 'delivered%' ORDER BY time DESC LIMIT 1",
            )
            .bind(since)
            .fetch_optional(pool)
            .await?;
            let after_id = last.map(|(id, _)| id).unwrap_or(0);
            let failures: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM work_log_entries WHERE time >= $1 AND id > $2 \
                 AND source = 'sender' AND mail_id IS NOT NULL AND level IN ('warn', 'error')",
            )
            .bind(since)
            .bind(after_id)
            .fetch_one(pool)
            .await?;
            Ok((last.map(|(_, t)| t), failures))
        })
    }

    /// Mails delivered and mails failed for good since `since`, from the work log.
    pub async fn outcomes_since(&self, since: Millis) -> Result<(i64, i64)> {
        dispatch_read!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT \
                 coalesce(sum(CASE WHEN level = 'info' AND message LIKE 'delivered%' THEN 1 ELSE 0 END), 0), \
                 coalesce(sum(CASE WHEN level = 'error' THEN 1 ELSE 0 END), 0) \
                 FROM work_log_entries WHERE time >= $1 AND source = 'sender' AND mail_id IS NOT NULL",
            )
            .bind(since)
            .fetch_one(pool)
            .await?)
        })
    }

    /// Deliveries per minute since `since`: (minute number since the epoch, count).
    pub async fn delivered_per_minute(&self, since: Millis) -> Result<Vec<(i64, i64)>> {
        dispatch_read!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT time / 60000 AS minute, count(*) FROM work_log_entries \
                 WHERE time >= $1 AND level = 'info' AND message LIKE 'delivered%' \
                 GROUP BY time / 60000 ORDER BY minute",
            )
            .bind(since)
            .fetch_all(pool)
            .await?)
        })
    }
}
