//! The only code that speaks SQL. One `Store` over two backends, SQLite and PostgreSQL.
//! Most statements are the same text for both (`$N` placeholders work in SQLite too);
//! where the dialects differ, a `Sql` pair holds both texts. Each method body is written
//! once and compiled once per backend by `dispatch!`.

mod deferrals;
mod feed;
pub mod filter;
mod mails;
mod oauth;
mod operators;
mod rows;
mod senders;
mod settings;
mod worklog;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use feed::ChangeFeed;
pub use mails::{ErrorRow, QueueShapeRow};
pub use oauth::StoredTokens;
pub use settings::{AuditRow, SettingsWrite, StoredSettings};

use crate::error::{Error, Result};
pub use crate::model::DatabaseKind;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The same statement in both dialects.
pub(crate) struct Sql {
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

impl Sql {
    pub fn get(&self, kind: DatabaseKind) -> &'static str {
        match kind {
            DatabaseKind::Sqlite => self.sqlite,
            DatabaseKind::Postgres => self.postgres,
        }
    }
}

#[derive(Clone, Debug)]
enum Backend {
    /// SQLite takes one writer at a time. The process's writes share one connection and
    /// queue for it in the pool (in order, without sleeping), instead of racing for
    /// the file's lock on several connections and backing off in SQLite's busy
    /// handler; reads have their own connections and never wait for a write (WAL).
    Sqlite {
        write: SqlitePool,
        read: SqlitePool,
    },
    Postgres(PgPool),
}

#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
    /// SQLite only: where the change feed opens its own connection.
    sqlite_options: Option<SqliteConnectOptions>,
}

/// Runs `$body` with `$pool` bound to the backend's pool; the body is compiled for each.
/// On SQLite this is the writer: anything that may write goes through it.
macro_rules! dispatch {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite { write: $pool, .. } => $body,
            $crate::store::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use dispatch;

/// As `dispatch!`, for statements that only read: on SQLite a reader connection.
macro_rules! dispatch_read {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite { read: $pool, .. } => $body,
            $crate::store::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use dispatch_read;

/// Folders made for the database are the owner's alone (0700): mail bodies are
/// personal data.
fn create_private_dir(dir: &std::path::Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.exists() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| {
            Error::io(
                format!("cannot create database folder {}", dir.display()),
                e,
            )
        })
}

/// A new SQLite file is created 0600 before SQLite opens it; SQLite gives its WAL and
/// shared-memory files the same mode.
fn create_private_file(path: &std::path::Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if path.as_os_str() == ":memory:" || path.exists() {
        return Ok(());
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::io(
            format!("cannot create database {}", path.display()),
            e,
        )),
    }
}

/// Says at once that nothing listens (the pool would retry for its whole timeout and
/// report only that it timed out).
async fn probe_postgres(host: &str, port: u16) -> Result<()> {
    if host.starts_with('/') {
        return Ok(()); // a Unix socket directory
    }
    let fail = |cause: String| {
        Err(Error::Unsuccessful(format!(
            "cannot connect to PostgreSQL at {host}:{port}: {cause}"
        )))
    };
    match tokio::time::timeout(
        Duration::from_secs(5),
        tokio::net::TcpStream::connect((host, port)),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            fail("connection refused (is PostgreSQL running, on that port?)".into())
        }
        Ok(Err(e)) => fail(e.to_string()),
        Err(_) => fail("no answer within 5 s (host, port or firewall?)".into()),
    }
}

/// Which server could not be reached, and why, instead of a pool timeout.
fn unreachable_postgres(host: &str, port: u16, e: sqlx::Error) -> Error {
    let cause = match &e {
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused (is PostgreSQL running, on that port?)".to_string()
        }
        sqlx::Error::PoolTimedOut => "no answer within 5 s (host, port or firewall?)".to_string(),
        sqlx::Error::Database(d)
            if d.code().as_deref() == Some("28P01") || d.code().as_deref() == Some("28000") =>
        {
            format!("authentication failed: {}", d.message())
        }
        other => other.to_string(),
    };
    Error::Unsuccessful(format!(
        "cannot connect to PostgreSQL at {host}:{port}: {cause}"
    ))
}

impl Store {
    /// Connects and applies pending migrations, creating an SQLite file if needed.
    pub async fn open(url: &str) -> Result<Store> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// As `open`, but an SQLite database that does not exist is an error naming its path
    /// (commands that only read never create a database or its folders).
    pub async fn open_existing(url: &str) -> Result<Store> {
        if DatabaseKind::of_url(url) == Ok(DatabaseKind::Sqlite) {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| Error::invalid_argument("database_url", e.to_string()))?;
            let path = options.get_filename();
            if path.as_os_str() != ":memory:" && !path.exists() {
                return Err(Error::invalid_argument(
                    "database_url",
                    format!(
                        "there is no database at {} (commands that only read create none; `dmsctl migrate` creates it)",
                        path.display()
                    ),
                ));
            }
        }
        Self::open(url).await
    }

    /// Connects without migrating.
    pub async fn connect(url: &str) -> Result<Store> {
        let kind =
            DatabaseKind::of_url(url).map_err(|m| Error::invalid_argument("database_url", m))?;
        match kind {
            DatabaseKind::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(|e| Error::invalid_argument("database_url", e.to_string()))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    // Sorts and statement journals in memory, not a temporary file per
                    // batch.
                    .pragma("temp_store", "memory");
                if let Some(dir) = options.get_filename().parent()
                    && !dir.as_os_str().is_empty()
                {
                    create_private_dir(dir)?;
                }
                create_private_file(options.get_filename())?;
                let write = SqlitePoolOptions::new()
                    .max_connections(1)
                    // A write waits its turn behind the others of this process for as
                    // long as SQLite would wait for another process's.
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options.clone())
                    .await?;
                // Readers connect on first use, after `open` has migrated: a reader
                // connected before a migration keeps the old table shape in its
                // statements, and sqlx then reads past a row's end.
                let read = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_lazy_with(options.clone());
                Ok(Store {
                    backend: Backend::Sqlite { write, read },
                    sqlite_options: Some(options),
                })
            }
            DatabaseKind::Postgres => {
                let options = PgConnectOptions::from_str(url)
                    .map_err(|e| Error::invalid_argument("database_url", e.to_string()))?
                    .application_name("dmsctl");
                let (host, port) = (options.get_host().to_string(), options.get_port());
                probe_postgres(&host, port).await?;
                let pool = PgPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_with(options)
                    .await
                    .map_err(|e| unreachable_postgres(&host, port, e))?;
                Ok(Store {
                    backend: Backend::Postgres(pool),
                    sqlite_options: None,
                })
            }
        }
    }

    /// Which database, for logs (never a password).
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Sqlite { .. } => format!(
                "SQLite {}",
                self.sqlite_options
                    .as_ref()
                    .map(|o| o.get_filename().display().to_string())
                    .unwrap_or_default()
            ),
            Backend::Postgres(pool) => {
                let o = pool.connect_options();
                format!(
                    "PostgreSQL {}:{}/{}",
                    o.get_host(),
                    o.get_port(),
                    o.get_database().unwrap_or("")
                )
            }
        }
    }

    pub fn kind(&self) -> DatabaseKind {
        match self.backend {
            Backend::Sqlite { .. } => DatabaseKind::Sqlite,
            Backend::Postgres(_) => DatabaseKind::Postgres,
        }
    }

    pub async fn migrate(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite { write, .. } => SQLITE_MIGRATIONS.run(write).await?,
            Backend::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Writes the SQLite WAL back into the main file (tests, and before copying the file).
    pub async fn checkpoint(&self) -> Result<()> {
        if let Backend::Sqlite { write, .. } = &self.backend {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(write)
                .await?;
        }
        Ok(())
    }

    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite { write, read } => {
                read.close().await;
                write.close().await;
            }
            Backend::Postgres(pool) => pool.close().await,
        }
    }
}

/// `$start, $start+1, ...` for an `IN (...)` list of `n` values.
pub(crate) fn placeholders(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_kinds() {
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
    }
}
