//! SQL for the versioned settings documents and their audit log.

use super::{Store, dispatch, dispatch_read};
use crate::error::{Error, Result};
use crate::time::Millis;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredSettings {
    pub tab: String,
    /// JSON, secrets sealed.
    pub data: String,
    pub version: i64,
    pub updated_at: Millis,
    pub updated_by: String,
}

/// One tab to write: replaces the document stored at `expected_version` (0: none yet).
#[derive(Debug, Clone)]
pub struct SettingsWrite {
    pub tab: &'static str,
    pub expected_version: i64,
    pub data: String,
    /// JSON list of the changed fields for the audit log, secret values masked.
    pub changes: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub time: Millis,
    pub actor: String,
    pub ssh_client: Option<String>,
    pub tab: String,
    pub changes: String,
}

impl Store {
    pub async fn settings_docs(&self) -> Result<Vec<StoredSettings>> {
        dispatch_read!(self, pool => {
            Ok(sqlx::query_as("SELECT tab, data, version, updated_at, updated_by FROM settings ORDER BY tab")
                .fetch_all(pool)
                .await?)
        })
    }

    /// The stored version of a tab (0: never saved): a cheap "did it change?".
    pub async fn settings_version(&self, tab: &str) -> Result<i64> {
        dispatch_read!(self, pool => {
            Ok(sqlx::query_scalar::<_, i64>("SELECT version FROM settings WHERE tab = $1")
                .bind(tab)
                .fetch_optional(pool)
                .await?
                .unwrap_or(0))
        })
    }

    pub async fn settings_doc(&self, tab: &str) -> Result<Option<StoredSettings>> {
        dispatch_read!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT tab, data, version, updated_at, updated_by FROM settings WHERE tab = $1",
            )
            .bind(tab)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Writes every tab or none. A tab stored at another version than expected is a
    /// `Conflict`: never a silent overwrite. Returns the new versions.
    pub async fn write_settings(
        &self,
        writes: &[SettingsWrite],
        actor: &str,
        ssh_client: Option<&str>,
        now: Millis,
    ) -> Result<Vec<i64>> {
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut versions = Vec::with_capacity(writes.len());
            for w in writes {
                let done = if w.expected_version == 0 {
                    sqlx::query(
                        "INSERT INTO settings (tab, data, version, updated_at, updated_by) \
                         VALUES ($1, $2, 1, $3, $4) ON CONFLICT (tab) DO NOTHING",
                    )
                    .bind(w.tab)
                    .bind(&w.data)
                    .bind(now)
                    .bind(actor)
                    .execute(&mut *tx)
                    .await?
                } else {
                    sqlx::query(
                        "UPDATE settings SET data = $1, version = version + 1, updated_at = $2, \
                         updated_by = $3 WHERE tab = $4 AND version = $5",
                    )
                    .bind(&w.data)
                    .bind(now)
                    .bind(actor)
                    .bind(w.tab)
                    .bind(w.expected_version)
                    .execute(&mut *tx)
                    .await?
                };
                if done.rows_affected() != 1 {
                    let stored: Option<i64> =
                        sqlx::query_scalar("SELECT version FROM settings WHERE tab = $1")
                            .bind(w.tab)
                            .fetch_optional(&mut *tx)
                            .await?;
                    tx.rollback().await?;
                    return Err(Error::Conflict {
                        tab: w.tab,
                        expected: w.expected_version,
                        stored: stored.unwrap_or(0),
                    });
                }
                sqlx::query(
                    "INSERT INTO audit_log (time, actor, ssh_client, tab, changes) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(now)
                .bind(actor)
                .bind(ssh_client)
                .bind(w.tab)
                .bind(&w.changes)
                .execute(&mut *tx)
                .await?;
                versions.push(w.expected_version + 1);
            }
            tx.commit().await?;
            Ok(versions)
        })
    }

    pub async fn audit_entries(&self, tab: Option<&str>, limit: u32) -> Result<Vec<AuditRow>> {
        dispatch_read!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT id, time, actor, ssh_client, tab, changes FROM audit_log \
                 WHERE ($1 IS NULL OR tab = $1) ORDER BY id DESC LIMIT $2",
            )
            .bind(tab)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?)
        })
    }
}
