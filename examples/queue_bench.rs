//! Queue throughput and list latency.
//!
//! ```text
//! cargo run --example queue_bench -- [--mails 10000] [--postgres URL] [--million]
//! ```
//!
//! Throughput: enqueue one mail per transaction (as another program would) and
//! claim+complete one at a time and 16 at a time, archiving and deleting, for 5 KB
//! mails. Each backend also runs a reference in the same invocation: one bare INSERT
//! per committed transaction, the floor that durable commits set; rates are printed
//! with their ratio to it.
//!
//! `--million`: fills an SQLite queue with 1,000,000 mails and times one list page at
//! several depths and the counts by status (median and p95 of 20 runs).
//!
//! `--filters`: 1,000,000 mails in SQLite and (with `--postgres`) in PostgreSQL, and the
//! first page of 50 for a filter of each qualifier, and the count the console shows
//! beside it (p50 and p95 of 10 runs, with the ratio to a page without a filter).
// A measuring program: a failed set-up ends the run with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use dmsctl::queue::{
    Cursor, MailOutcome, MailQuery, MailQueue, MailStatus, NewMail, OutcomeRecord, StatusFilter,
};
use dmsctl::store::Store;
use sqlx::Connection;

#[path = "support/fill.rs"]
mod fill;
#[path = "support/pgdb.rs"]
mod pgdb;

struct Args {
    mails: usize,
    postgres: Option<String>,
    million: bool,
    filters: bool,
}

fn args() -> Args {
    let mut a = Args {
        mails: 10_000,
        postgres: None,
        million: false,
        filters: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--mails" => a.mails = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.mails),
            "--postgres" => a.postgres = it.next(),
            "--million" => a.million = true,
            "--filters" => a.filters = true,
            other => eprintln!("ignoring unknown argument {other}"),
        }
    }
    a
}

fn mail(i: usize) -> NewMail {
    let body: String = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. "
        .repeat(90)
        .chars()
        .take(5 * 1024)
        .collect();
    NewMail {
        to: vec![format!("user{}@domain{}.pl", i, i % 50)],
        subject: format!("Dokument {i} czeka na akceptację"),
        body_text: body,
        ..NewMail::default()
    }
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

async fn reference_commits(url: &str, n: usize) -> f64 {
    // The same row shape as process_mails, one INSERT per committed transaction.
    let body = mail(0).body_text;
    macro_rules! run {
        ($conn:expr, $id_type:literal) => {{
            let mut c = $conn;
            sqlx::query(concat!(
                "CREATE TABLE IF NOT EXISTS reference_rows (id ",
                $id_type,
                " PRIMARY KEY, to_addrs TEXT, subject TEXT, body TEXT)"
            ))
            .execute(&mut c)
            .await
            .expect("create");
            let started = Instant::now();
            for i in 0..n {
                sqlx::query(
                    "INSERT INTO reference_rows (to_addrs, subject, body) VALUES ($1, $2, $3)",
                )
                .bind(format!("user{i}@x.pl"))
                .bind("s")
                .bind(&body)
                .execute(&mut c)
                .await
                .expect("insert");
            }
            started.elapsed()
        }};
    }
    let elapsed = if url.starts_with("sqlite:") {
        let opts: sqlx::sqlite::SqliteConnectOptions = url.parse().expect("sqlite url");
        let conn = sqlx::SqliteConnection::connect_with(
            &opts
                .create_if_missing(true)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Full),
        )
        .await
        .expect("connect");
        run!(conn, "INTEGER")
    } else {
        run!(
            sqlx::PgConnection::connect(url).await.expect("connect"),
            "BIGSERIAL"
        )
    };
    rate(n, elapsed)
}

/// Where each scenario gets a database of its own.
enum Target {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl Target {
    async fn fresh(&self, label: &str) -> (String, Option<String>) {
        match self {
            Target::Sqlite(dir) => (
                format!("sqlite://{}", dir.join(format!("{label}.db")).display()),
                None,
            ),
            Target::Postgres(base) => {
                let (url, name) = pgdb::create(base, label).await;
                (url, Some(name))
            }
        }
    }

    async fn drop(&self, name: Option<String>) {
        if let (Target::Postgres(base), Some(name)) = (self, name) {
            pgdb::drop(base, &name).await;
        }
    }
}

async fn throughput(name: &str, target: &Target, n: usize) {
    println!("\n== {name}: {n} mails of 5 KB");
    let (url, db) = target.fresh("reference").await;
    let reference = reference_commits(&url, n).await;
    target.drop(db).await;
    println!("reference: bare INSERT + commit      {reference:>8.0} /s  (1.00)");

    let mails: Vec<NewMail> = (0..n).map(mail).collect();
    let (url, db) = target.fresh("enqueue").await;
    let store = Store::open(&url).await.expect("open");
    let q = MailQueue::new(store.clone());
    let started = Instant::now();
    for m in &mails {
        q.enqueue(m.clone()).await.expect("enqueue");
    }
    let r = rate(n, started.elapsed());
    println!(
        "enqueue, 1 per transaction           {r:>8.0} /s  ({:.2})",
        r / reference
    );
    store.close().await;
    target.drop(db).await;

    for (label, batch, delete) in [
        ("claim+archive, 1 at a time", 1u32, false),
        ("claim+delete, 1 at a time", 1, true),
        ("claim+archive, 16 at a time", 16, false),
        ("claim+delete, 16 at a time", 16, true),
    ] {
        let key = format!("b{batch}_{}", if delete { "del" } else { "arch" });
        let (url, db) = target.fresh(&key).await;
        let store = Store::open(&url).await.expect("open");
        let q = MailQueue::new(store.clone());
        for chunk in mails.chunks(1000) {
            q.enqueue_batch(chunk).await.expect("fill");
        }
        let started = Instant::now();
        let mut done = 0;
        loop {
            let claimed = q
                .claim("bench", batch, Duration::from_secs(60))
                .await
                .expect("claim");
            if claimed.is_empty() {
                break;
            }
            let records: Vec<OutcomeRecord> = claimed
                .iter()
                .map(|c| OutcomeRecord {
                    id: c.mail.id,
                    attempt: c.attempt,
                    outcome: MailOutcome::Sent {
                        message_id: Some(format!("<{}@bench>", c.mail.id)),
                        reply: "250 2.0.0 Ok".into(),
                        delete,
                        rejected: Vec::new(),
                    },
                })
                .collect();
            q.record("bench", &records).await.expect("record");
            done += claimed.len();
        }
        let r = rate(done, started.elapsed());
        assert_eq!(done, n, "every mail drained");
        println!("{label:<36} {r:>8.0} /s  ({:.2})", r / reference);
        store.close().await;
        target.drop(db).await;
    }
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

async fn timed<F, Fut>(runs: usize, mut f: F) -> (Duration, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f().await;
        samples.push(t.elapsed());
    }
    (
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 0.95),
    )
}

async fn million(dir: &std::path::Path) {
    const ROWS: i64 = 1_000_000;
    let url = format!("sqlite://{}", dir.join("million.db").display());
    let store = Store::open(&url).await.expect("open");
    let q = MailQueue::new(store.clone());
    println!("\n== SQLite with {ROWS} mails (90% sent, 5% pending, 3% failed, 2% cancelled)");
    let t = Instant::now();
    fill::million(&url, ROWS).await;
    println!("filled in {:.1} s", t.elapsed().as_secs_f64());

    // Reference: one mail by primary key.
    let (ref50, _) = timed(20, || async {
        store.mail(ROWS / 2).await.expect("mail");
    })
    .await;
    println!(
        "reference: one mail by id             p50 {:>7.2} ms",
        ms(ref50)
    );

    for (label, status) in [
        ("all", StatusFilter::All),
        ("pending", StatusFilter::Status(MailStatus::Pending)),
        ("sent", StatusFilter::Status(MailStatus::Sent)),
        ("failed", StatusFilter::Status(MailStatus::Failed)),
    ] {
        for (depth, cursor) in [
            ("top", None),
            ("middle", Some(Cursor::Before(ROWS / 2))),
            ("bottom", Some(Cursor::Before(1_000))),
        ] {
            let query = MailQuery {
                status,
                filter: Default::default(),
                cursor,
                limit: 50,
                oldest_first: false,
                window: None,
            };
            let (p50, p95) = timed(20, || async {
                q.page(&query).await.expect("page");
            })
            .await;
            println!(
                "page of 50, {label:<7} {depth:<6}        p50 {:>7.2} ms  p95 {:>7.2} ms  ({:.1}x ref)",
                ms(p50),
                ms(p95),
                ms(p50) / ms(ref50)
            );
        }
    }
    let (p50, p95) = timed(20, || async {
        q.counts().await.expect("counts");
    })
    .await;
    println!(
        "counts by status                      p50 {:>7.2} ms  p95 {:>7.2} ms  ({:.1}x ref)",
        ms(p50),
        ms(p95),
        ms(p50) / ms(ref50)
    );
    // Claim 16 due mails out of 50,000 pending and give them back, 20 times.
    let now = dmsctl::time::now_ms();
    let (p50, p95) = timed(20, || async {
        let claimed = q
            .claim("bench", 16, Duration::from_secs(60))
            .await
            .expect("claim");
        let back: Vec<OutcomeRecord> = claimed
            .iter()
            .map(|c| OutcomeRecord {
                id: c.mail.id,
                attempt: c.attempt,
                outcome: MailOutcome::Release {
                    at: now,
                    note: None,
                },
            })
            .collect();
        q.record("bench", &back).await.expect("release");
    })
    .await;
    println!(
        "claim 16 + give back (2 commits)      p50 {:>7.2} ms  p95 {:>7.2} ms",
        ms(p50),
        ms(p95)
    );
    let (p50, p95) = timed(5, || async {
        q.shape().await.expect("shape");
    })
    .await;
    println!(
        "queue shape (50,000 undelivered)      p50 {:>7.2} ms  p95 {:>7.2} ms",
        ms(p50),
        ms(p95)
    );
    store.close().await;
}

/// A filter of each qualifier, as support staff type them.
const FILTERS: &[&str] = &[
    "status:failed",
    "status:held",
    "held:yes",
    "to:user123456@",
    "cc:someone",
    "from:biuro",
    "domain:domain7.pl",
    "subject:\"Dokument 99999\"",
    "error:\"user unknown\"",
    "error=\"MAIL: 451 4.7.1 Try again later\"",
    "code:550",
    "code:4xx",
    "code:5.1.1",
    "sender:worker-a",
    "id:500000..500100",
    "msgid:abc",
    "attempts>5",
    "size>1KB",
    "has:attachment",
    "has:error",
    "age>2h",
    "created<2023-11-20",
    "sent>2023-11-20",
    "next<2023-11-20",
    "dokument",
    "-domain:domain7.pl status:pending",
    "faktura",
];

async fn filters(name: &str, url: &str) {
    let store = Store::open(url).await.expect("open");
    let q = MailQueue::new(store.clone());
    println!("\n== {name}, 1,000,000 mails: the first page of 50 for a filter, and its count");
    let plain = MailQuery::default();
    let (ref50, ref95) = timed(10, || async {
        q.page(&plain).await.expect("page");
    })
    .await;
    println!(
        "{:<42} p50 {:>8.2} ms  p95 {:>8.2} ms",
        "no filter (reference)",
        ms(ref50),
        ms(ref95)
    );
    println!(
        "{:<42} {:>26}  {:>34}",
        "", "whole queue (the CLI)", "newest 40,000 (the console)"
    );
    for text in FILTERS {
        let whole = MailQuery {
            filter: dmsctl::queue::Filter::parse(text).expect("filter"),
            ..MailQuery::default()
        };
        let console = MailQuery {
            window: Some(dmsctl::tui::panes::queue::SEARCH_WINDOW),
            ..whole.clone()
        };
        let found = q.page(&whole).await.expect("page").len();
        let (_, p95) = timed(5, || async {
            q.page(&whole).await.expect("page");
        })
        .await;
        let (_, c95) = timed(10, || async {
            q.page(&console).await.expect("page");
        })
        .await;
        let (count50, _) = timed(3, || async {
            q.count_above(&console, 0).await.expect("count");
        })
        .await;
        println!(
            "{text:<42} page p95 {:>8.2} ms {found:>2} rows  page p95 {:>7.2} ms ({:>5.1}x ref)  count p50 {:>7.1} ms",
            ms(p95),
            ms(c95),
            ms(c95) / ms(ref95).max(0.001),
            ms(count50)
        );
    }
    store.close().await;
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let a = args();
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = Target::Sqlite(dir.path().to_path_buf());
    throughput("SQLite (WAL, synchronous=FULL)", &sqlite, a.mails).await;
    if let Some(base) = &a.postgres {
        throughput("PostgreSQL", &Target::Postgres(base.clone()), a.mails).await;
    }
    if a.filters {
        let url = format!("sqlite://{}", dir.path().join("filters.db").display());
        Store::open(&url).await.expect("open").close().await;
        fill::million(&url, 1_000_000).await;
        filters("SQLite", &url).await;
        if let Some(base) = &a.postgres {
            let pg = Target::Postgres(base.clone());
            let (url, name) = pg.fresh("filters").await;
            Store::open(&url).await.expect("open").close().await;
            fill::million_postgres(&url, 1_000_000).await;
            filters("PostgreSQL", &url).await;
            pg.drop(name).await;
        }
        return;
    }
    if a.million {
        million(dir.path()).await;
    }
}
