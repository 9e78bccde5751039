//! Test databases: a fresh SQLite file, or a fresh PostgreSQL database per test (so
//! LISTEN/NOTIFY and row counts never cross between tests running in parallel).

pub mod oauth;
pub mod pg_instance;
pub mod smtp;

use std::sync::atomic::{AtomicU32, Ordering};

use dmsctl::store::Store;
use dmsctl::worklog::{LogEntry, LogFilter, WorkLog};
use sqlx::Connection;

pub const PG_ENV: &str = "DMSCTL_TEST_POSTGRES_URL";
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database for one test; dropped (PostgreSQL) or deleted (SQLite) at the end.
pub struct TestDb {
    pub url: String,
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
}

impl TestDb {
    /// `None` when PostgreSQL is not configured outside CI; under `CI=true` a missing
    /// PostgreSQL is a failure, never a silent skip.
    pub async fn new(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("queue.db").display());
                let store = Store::open(&url).await.expect("open sqlite");
                Some(TestDb {
                    url,
                    store,
                    _dir: Some(dir),
                    pg_drop: None,
                })
            }
            Backend::Postgres => {
                let base = pg_base_url()?;
                let name = unique_db_name();
                let mut admin = match sqlx::PgConnection::connect(&base).await {
                    Ok(c) => c,
                    Err(e) => return unreachable_postgres(&base, &e),
                };
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let url = with_database(&base, &name);
                let store = Store::open(&url).await.expect("open postgres");
                Some(TestDb {
                    url,
                    store,
                    _dir: None,
                    pg_drop: Some((base, name)),
                })
            }
        }
    }

    pub async fn finish(self) {
        self.store.close().await;
        if let Some((base, name)) = &self.pg_drop
            && let Ok(mut admin) = sqlx::PgConnection::connect(base).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut admin)
            .await;
        }
    }
}

/// The PostgreSQL server for tests: `$DMSCTL_TEST_POSTGRES_URL`, else the local one.
pub fn pg_base_url() -> Option<String> {
    match std::env::var(PG_ENV) {
        Ok(u) if u == "off" => {
            assert!(
                !under_ci(),
                "{PG_ENV}=off: the PostgreSQL tests may not be skipped under CI"
            );
            eprintln!("skipping PostgreSQL test: {PG_ENV}=off");
            None
        }
        Ok(u) if !u.is_empty() => Some(u),
        _ => Some(DEFAULT_PG_URL.to_string()),
    }
}

fn under_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// Outside CI a machine without PostgreSQL skips these tests, saying so; under CI it
/// is a failure, never a silent skip.
fn unreachable_postgres<T>(url: &str, e: &sqlx::Error) -> Option<T> {
    assert!(!under_ci(), "PostgreSQL at {url} is required under CI: {e}");
    eprintln!("skipping PostgreSQL test: cannot connect to {url}: {e} (set {PG_ENV})");
    None
}

fn unique_db_name() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "dmsctl_t_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    )
}

fn with_database(base: &str, name: &str) -> String {
    let mut url = url::Url::parse(base).expect("PostgreSQL URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// Generates `sqlite` and `postgres` test modules that run the same async test.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    if let Some(db) = $crate::common::TestDb::new($crate::common::Backend::Sqlite).await {
                        super::$name(&db).await;
                        db.finish().await;
                    }
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    if let Some(db) = $crate::common::TestDb::new($crate::common::Backend::Postgres).await {
                        super::$name(&db).await;
                        db.finish().await;
                    }
                }
            )*
        }
    };
}

/// The work log of one mail, newest first.
pub async fn log_of(db: &TestDb, id: i64) -> Vec<LogEntry> {
    WorkLog::new(db.store.clone())
        .entries(&LogFilter {
            mail_id: Some(id),
            limit: 50,
            ..LogFilter::default()
        })
        .await
        .unwrap()
}

/// The newest entries of the whole work log.
pub async fn sender_log(db: &TestDb) -> Vec<LogEntry> {
    WorkLog::new(db.store.clone())
        .entries(&LogFilter {
            limit: 500,
            ..LogFilter::default()
        })
        .await
        .unwrap()
}

/// The Python that runs the test servers: `$DMSCTL_TEST_PYTHON` (scripts/test sets a
/// virtualenv with aiosmtpd), else `python3`.
pub fn python() -> std::process::Command {
    std::process::Command::new(
        std::env::var_os("DMSCTL_TEST_PYTHON").unwrap_or_else(|| "python3".into()),
    )
}

/// Programs outside the crate that tests talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tool {
    /// Postfix's smtp-sink (`apt-get install postfix`; its daemon is not needed).
    SmtpSink,
    /// Python with aiosmtpd (the recording SMTP server and the OAuth test server).
    Aiosmtpd,
    Tmux,
    /// The system's `sqlite3` tool (another program writing the queue).
    Sqlite3,
    /// Python with prometheus_client (parsing the metrics).
    PrometheusClient,
}

impl Tool {
    fn present(self) -> bool {
        let runs = |cmd: &mut std::process::Command| {
            cmd.stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        match self {
            Tool::SmtpSink => std::path::Path::new("/usr/sbin/smtp-sink").exists(),
            Tool::Aiosmtpd => runs(python().args(["-c", "import aiosmtpd"])),
            Tool::PrometheusClient => runs(python().args(["-c", "import prometheus_client"])),
            Tool::Tmux => runs(std::process::Command::new("tmux").arg("-V")),
            Tool::Sqlite3 => runs(std::process::Command::new("sqlite3").arg("-version")),
        }
    }
}

/// Whether every tool a test needs is here. A missing one is named and the test is
/// skipped, except under `CI=true`, where that is a failure (scripts/test installs
/// them all).
pub fn have(tools: &[Tool]) -> bool {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static SEEN: OnceLock<Mutex<HashMap<Tool, bool>>> = OnceLock::new();
    let seen = SEEN.get_or_init(|| Mutex::new(HashMap::new()));
    for tool in tools {
        let present = match seen.lock() {
            Ok(mut s) => *s.entry(*tool).or_insert_with(|| tool.present()),
            Err(_) => tool.present(),
        };
        if !present {
            assert!(
                !under_ci(),
                "{tool:?} is required under CI (scripts/test installs it)"
            );
            eprintln!("skipping: this test needs {tool:?} (scripts/test installs it)");
            return false;
        }
    }
    true
}
