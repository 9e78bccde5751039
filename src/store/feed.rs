//! The change feed: wakes the console when any process changed the queue, the work log,
//! the settings or the senders. PostgreSQL pushes (trigger + NOTIFY); SQLite is polled
//! through `PRAGMA data_version`, which changes when another connection commits.

use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::PgListener;
use sqlx::sqlite::SqliteConnection;

use super::{Backend, Store};
use crate::error::{Error, Result};

const CHANNEL: &str = "dmsctl_changes";

pub struct ChangeFeed {
    inner: Inner,
}

enum Inner {
    Postgres(PgListener),
    Sqlite {
        conn: SqliteConnection,
        version: i64,
        interval: Duration,
    },
}

impl Store {
    /// A feed for this database. `poll` is the SQLite polling interval.
    pub async fn change_feed(&self, poll: Duration) -> Result<ChangeFeed> {
        let inner = match &self.backend {
            Backend::Postgres(pool) => {
                let mut listener = PgListener::connect_with(pool).await?;
                listener.listen(CHANNEL).await?;
                Inner::Postgres(listener)
            }
            Backend::Sqlite { .. } => {
                let options = self
                    .sqlite_options
                    .clone()
                    .ok_or_else(|| Error::Internal("SQLite store without options".into()))?;
                // A connection of its own: data_version ignores the connection's own commits.
                let mut conn = SqliteConnection::connect_with(&options).await?;
                let version = data_version(&mut conn).await?;
                Inner::Sqlite {
                    conn,
                    version,
                    interval: poll,
                }
            }
        };
        Ok(ChangeFeed { inner })
    }
}

impl ChangeFeed {
    /// Waits until something changed since the last call (or since the feed was made).
    /// Several changes in a burst wake the caller once.
    pub async fn changed(&mut self) -> Result<()> {
        match &mut self.inner {
            Inner::Postgres(listener) => {
                // `None` means the connection dropped and will be re-made on the next call;
                // notifications may have been missed meanwhile, so that counts as a change.
                // A short pause keeps a server that is gone from turning this into a spin.
                if listener.try_recv().await?.is_none() {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                while listener.next_buffered().is_some() {}
                Ok(())
            }
            Inner::Sqlite {
                conn,
                version,
                interval,
            } => loop {
                tokio::time::sleep(*interval).await;
                let now = data_version(conn).await?;
                if now != *version {
                    *version = now;
                    return Ok(());
                }
            },
        }
    }
}

async fn data_version(conn: &mut SqliteConnection) -> Result<i64> {
    Ok(sqlx::query_scalar("PRAGMA data_version")
        .fetch_one(conn)
        .await?)
}
