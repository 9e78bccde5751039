//! Draining a durable queue through the real binary, against Postfix's smtp-source on
//! the same smtp-sink in the same run.
//!
//! ```text
//! cargo build --release && cargo run --release --example throughput -- [--reps 5] [--mails 8000] [--size 5120] [--quick]
//! ```
//!
//! Every scenario runs `--reps` times, interleaved with its reference (smtp-source with
//! as many sessions and mails of the same size, to a fresh smtp-sink), and prints the
//! median and the range of each figure with its ratio to the reference:
//! - 4 connections and 1 connection, 5 KB mails, SQLite with synchronous=FULL:
//!   `dmsctl worker --once --concurrency C` mails/s, and its CPU per mail (user + sys of
//!   the dmsctl process, from /proc, divided by the mails);
//! - 500 mails with a 1 MB attachment, 4 connections;
//! - latency-bound: smtp-sink answering DATA after 1 s (`-w 1`), c ∈ {1, 8, 32}:
//!   mails/s against c (the ideal);
//! - while a console-like reader pages the queue and reads the counts every second.
//!
//! The binary is `target/release/dmsctl` (or `$DMSCTL_BIN`).
// A measuring program: a failed set-up ends the run with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dmsctl::queue::{MailQueue, NewAttachment, NewMail};
use dmsctl::store::Store;

#[path = "support/sink.rs"]
mod sink;
use sink::Sink;

/// A run's figures.
#[derive(Clone, Copy)]
struct Run {
    per_second: f64,
    cpu_ms_per_mail: f64,
}

/// smtp-source: `mails` of `size` bytes over `sessions` sessions.
fn reference(mails: usize, sessions: usize, size: usize, delay: u32) -> Run {
    let sink = Sink::start(delay);
    let started = Instant::now();
    let mut child = Command::new("/usr/sbin/smtp-source")
        .args(["-d", "-s", &sessions.to_string(), "-m", &mails.to_string()])
        .args(["-l", &size.to_string()])
        .args(["-f", "dms@firma.pl", "-t", "jan@firma.pl"])
        .arg(format!("127.0.0.1:{}", sink.1))
        .stdout(Stdio::null())
        .spawn()
        .expect("smtp-source (apt-get install postfix)");
    let cpu = cpu_at_exit(&mut child);
    Run {
        per_second: mails as f64 / started.elapsed().as_secs_f64(),
        cpu_ms_per_mail: cpu.as_secs_f64() * 1000.0 / mails as f64,
    }
}

/// User + system CPU of a child, read from /proc while it is a zombie (before it is
/// reaped), then reaped.
fn cpu_at_exit(child: &mut std::process::Child) -> Duration {
    let stat = format!("/proc/{}/stat", child.id());
    let mut last = Duration::ZERO;
    while let Ok(text) = std::fs::read_to_string(&stat) {
        // After the command name in parentheses: the state (field 3), then the rest;
        // utime and stime are fields 14 and 15, in ticks of 10 ms.
        let rest = text.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
        let f: Vec<&str> = rest.split(' ').collect();
        let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        last = Duration::from_millis((ticks(11) + ticks(12)) * 10);
        if f.first() == Some(&"Z") {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let status = child.wait().expect("wait");
    assert!(status.success(), "the measured program failed: {status}");
    last
}

/// A fresh SQLite queue of `mails` mails of `size` bytes (plus an attachment of
/// `attachment` bytes when not 0) for the sink at `port`.
async fn fill(dir: &Path, port: u16, mails: usize, size: usize, attachment: usize) -> String {
    let url = format!("sqlite://{}", dir.join("queue.db").display());
    fill_at(&url, dir, port, mails, size, attachment).await;
    url
}

async fn fill_at(url: &str, dir: &Path, port: u16, mails: usize, size: usize, attachment: usize) {
    let store = Store::open(url).await.expect("open");
    sink::save_account(&store, &dir.join("secret.key"), port).await;
    let body: String = "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n"
        .repeat(size / 57 + 1)
        .chars()
        .take(size)
        .collect();
    let data: Vec<u8> = (0..attachment).map(|i| (i % 251) as u8).collect();
    let q = MailQueue::new(store.clone());
    let chunk = if attachment > 0 { 20 } else { 1000 };
    let mut i = 0;
    while i < mails {
        let n = chunk.min(mails - i);
        let batch: Vec<NewMail> = (i..i + n)
            .map(|k| NewMail {
                to: vec!["jan@firma.pl".into()],
                subject: format!("Dokument {k}"),
                body_text: body.clone(),
                attachments: if attachment > 0 {
                    vec![NewAttachment {
                        file_name: "faktura.pdf".into(),
                        content_type: "application/pdf".into(),
                        data: data.clone(),
                    }]
                } else {
                    Vec::new()
                },
                ..NewMail::default()
            })
            .collect();
        q.enqueue_batch(&batch).await.expect("enqueue");
        i += n;
    }
    store.checkpoint().await.expect("checkpoint");
    store.close().await;
}

fn binary() -> PathBuf {
    std::env::var_os("DMSCTL_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/release/dmsctl"))
}

/// `dmsctl worker --once --quiet` on the queue at `url`, named `id`.
fn worker(url: &str, config: &Path, connections: usize, id: &str) -> Command {
    let mut c = Command::new(binary());
    c.arg("--config")
        .arg(config)
        .args(["--database", url, "worker", "--once", "--quiet"])
        .args(["--concurrency", &connections.to_string()])
        .args(["--id", id])
        .env("DMSCTL_LOG", "warn")
        .stdout(Stdio::null());
    c
}

/// `dmsctl worker --once` over a fresh queue; with `reader`, a console-like reader
/// pages the queue and counts it every second meanwhile.
async fn ours(sc: &Scenario) -> Run {
    let Scenario {
        mails,
        connections,
        size,
        attachment,
        delay,
        reader,
        ..
    } = *sc;
    let sink = Sink::start(delay);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = fill(dir.path(), sink.1, mails, size, attachment).await;
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").expect("config");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reading = reader.then(|| {
        let (url, stop) = (url.clone(), stop.clone());
        std::thread::spawn(move || console_like(&url, &stop))
    });
    let started = Instant::now();
    let mut child = worker(&url, &config, connections, "bench")
        .spawn()
        .expect("dmsctl (cargo build --release)");
    let cpu = cpu_at_exit(&mut child);
    let elapsed = started.elapsed();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    if let Some(r) = reading {
        r.join().expect("reader");
    }
    let store = Store::open(&url).await.expect("reopen");
    let sent = MailQueue::new(store.clone())
        .counts()
        .await
        .expect("counts")
        .sent;
    assert_eq!(sent as usize, mails, "every mail sent");
    store.close().await;
    Run {
        per_second: mails as f64 / elapsed.as_secs_f64(),
        cpu_ms_per_mail: cpu.as_secs_f64() * 1000.0 / mails as f64,
    }
}

/// What a console does while it is open: a page of the newest mails and the counts,
/// every second, through the system's sqlite3 (another process, as the console is).
fn console_like(url: &str, stop: &std::sync::atomic::AtomicBool) {
    let path = url.trim_start_matches("sqlite://").to_string();
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        let _ = Command::new("sqlite3")
            .arg(&path)
            .arg(
                "PRAGMA busy_timeout = 5000; \
                 SELECT id, status, to_addrs, subject FROM process_mails ORDER BY id DESC LIMIT 200; \
                 SELECT status, held, n FROM process_mail_counts;",
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// A fresh PostgreSQL database beside the one `admin` names (dropped first if left
/// over); its URL.
async fn fresh_postgres(admin: &str) -> String {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(admin)
        .await
        .expect("PostgreSQL (--postgres URL)");
    sqlx::query("DROP DATABASE IF EXISTS dmsctl_throughput WITH (FORCE)")
        .execute(&mut c)
        .await
        .expect("drop");
    sqlx::query("CREATE DATABASE dmsctl_throughput")
        .execute(&mut c)
        .await
        .expect("create");
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
    format!("{base}/dmsctl_throughput")
}

/// `workers` processes of `dmsctl worker --once` on one queue at `url`; wall time.
fn drain_with(url: &str, config: &Path, workers: usize, connections: usize) -> Duration {
    let started = Instant::now();
    let children: Vec<_> = (0..workers)
        .map(|i| {
            worker(url, config, connections, &format!("bench-{i}"))
                .spawn()
                .expect("dmsctl")
        })
        .collect();
    for mut c in children {
        assert!(c.wait().expect("wait").success(), "a worker failed");
    }
    started.elapsed()
}

/// PostgreSQL: three workers on one queue deliver every mail once (counted at the
/// sink), and against a latency-bound sink three workers beat one by their number.
async fn postgres(admin: &str, mails: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").expect("config");
    // Every mail the sink takes, appended to one file (writable by smtp-sink's user).
    let dumps = dir.path().join("dumps");
    std::fs::create_dir(&dumps).expect("dump dir");
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    std::fs::set_permissions(&dumps, std::os::unix::fs::PermissionsExt::from_mode(0o777))
        .expect("chmod");
    let dump = dumps.join("all");
    let sink = Sink::start_dumping(&dump);
    let url = fresh_postgres(admin).await;
    fill_at(&url, dir.path(), sink.1, mails, 5120, 0).await;
    let took = drain_with(&url, &config, 3, 4);
    drop(sink);
    let text = std::fs::read(&dump).unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let mut copies = std::collections::HashMap::<&str, usize>::new();
    for line in text.lines() {
        if let Some(subject) = line.strip_prefix("Subject: ") {
            *copies.entry(subject.trim()).or_default() += 1;
        }
    }
    let lost = mails - copies.len().min(mails);
    let duplicates: usize = copies.values().map(|n| n - 1).sum();
    println!(
        "PostgreSQL, 3 workers x 4 connections, {mails} mails: {:.0} /s, {duplicates} duplicates, {lost} lost",
        mails as f64 / took.as_secs_f64()
    );

    // Latency-bound: 1 s per DATA; one worker of 8 connections, then three.
    let one = latency_bound(admin, dir.path(), &config, 1).await;
    let three = latency_bound(admin, dir.path(), &config, 3).await;
    println!(
        "PostgreSQL, latency 1 s, 8 connections per worker: 1 worker {one:.1} /s, 3 workers {three:.1} /s ({:.2}x)",
        three / one
    );
    drop_postgres(admin).await;
}

/// The benchmark's database goes when it is done.
async fn drop_postgres(admin: &str) {
    use sqlx::Connection;
    if let Ok(mut c) = sqlx::PgConnection::connect(admin).await {
        let _ = sqlx::query("DROP DATABASE IF EXISTS dmsctl_throughput WITH (FORCE)")
            .execute(&mut c)
            .await;
    }
}

/// Mails per second of `workers` workers of 8 connections each, 1 s per DATA.
async fn latency_bound(admin: &str, dir: &Path, config: &Path, workers: usize) -> f64 {
    let sink = Sink::start(1);
    let n = 8 * 4 * workers;
    let url = fresh_postgres(admin).await;
    fill_at(&url, dir, sink.1, n, 5120, 0).await;
    n as f64 / drain_with(&url, config, workers, 8).as_secs_f64()
}

fn median_range(v: &mut [f64]) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

struct Scenario {
    name: String,
    mails: usize,
    connections: usize,
    size: usize,
    attachment: usize,
    delay: u32,
    reader: bool,
}

#[tokio::main]
async fn main() {
    let mut reps = 5;
    let mut mails = 8000;
    let mut quick = false;
    let mut size = 5120;
    let mut postgres_url: Option<String> = None;
    let mut postgres_mails = 30_000;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--reps" => reps = args.next().and_then(|v| v.parse().ok()).unwrap_or(reps),
            "--mails" => mails = args.next().and_then(|v| v.parse().ok()).unwrap_or(mails),
            "--quick" => quick = true,
            "--postgres" => postgres_url = args.next(),
            "--postgres-mails" => {
                postgres_mails = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(postgres_mails)
            }
            "--size" => size = args.next().and_then(|v| v.parse().ok()).unwrap_or(size),
            other => eprintln!("ignoring {other}"),
        }
    }
    assert!(
        binary().exists(),
        "{} is missing: cargo build --release",
        binary().display()
    );
    let s = |name: &str, mails, connections, size, attachment, delay, reader| Scenario {
        name: name.into(),
        mails,
        connections,
        size,
        attachment,
        delay,
        reader,
    };
    let mut scenarios = vec![
        s(
            &format!("{size} B, 4 connections"),
            mails,
            4,
            size,
            0,
            0,
            false,
        ),
        s(
            &format!("{size} B, 1 connection"),
            mails / 2,
            1,
            size,
            0,
            0,
            false,
        ),
    ];
    if !quick {
        scenarios.extend([
            s(
                &format!("{size} B, 4 connections, console reading"),
                mails,
                4,
                size,
                0,
                0,
                true,
            ),
            s(
                "1 MB attachment, 4 connections",
                500,
                4,
                1024,
                1 << 20,
                0,
                false,
            ),
            s("latency 1 s, 1 connection", 4, 1, 5120, 0, 1, false),
            s("latency 1 s, 8 connections", 32, 8, 5120, 0, 1, false),
            s("latency 1 s, 32 connections", 128, 32, 5120, 0, 1, false),
        ]);
    }
    println!(
        "binary: {}; {reps} runs each, median [min-max]",
        binary().display()
    );
    println!(
        "{:<40} {:>20} {:>20} {:>18} {:>20}",
        "scenario", "smtp-source /s", "dmsctl /s", "ratio", "dmsctl CPU ms/mail"
    );
    for sc in &scenarios {
        let (mut refs, mut runs, mut ratios, mut cpus) = (vec![], vec![], vec![], vec![]);
        for _ in 0..reps {
            // The reference's size: the body, or the attachment (smtp-source sends raw
            // bytes; ours are base64, a third more).
            let size = if sc.attachment > 0 {
                sc.attachment
            } else {
                sc.size
            };
            let r = if sc.delay > 0 {
                // Latency-bound: the ideal is one mail per connection per delay.
                Run {
                    per_second: sc.connections as f64 / f64::from(sc.delay),
                    cpu_ms_per_mail: 0.0,
                }
            } else {
                reference(sc.mails, sc.connections, size, 0)
            };
            let o = ours(sc).await;
            refs.push(r.per_second);
            runs.push(o.per_second);
            ratios.push(o.per_second / r.per_second);
            cpus.push(o.cpu_ms_per_mail);
        }
        let f = |v: &mut Vec<f64>, p: usize| {
            let (m, lo, hi) = median_range(v);
            format!("{m:.p$} [{lo:.p$}-{hi:.p$}]")
        };
        let reference_name = if sc.delay > 0 { "(ideal)" } else { "" };
        println!(
            "{:<40} {:>20} {:>20} {:>18} {:>20}",
            format!("{} {reference_name}", sc.name).trim_end(),
            f(&mut refs, 0),
            f(&mut runs, 0),
            f(&mut ratios, 2),
            f(&mut cpus, 3)
        );
    }
    if let Some(url) = postgres_url {
        postgres(&url, postgres_mails).await;
    }
}
