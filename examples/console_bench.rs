//! The console with 1,000,000 mails in SQLite.
//!
//! ```text
//! cargo build --release && cargo run --release --example console_bench
//! ```
//!
//! - first frame: the real binary in tmux, from start until the newest mail is on the
//!   screen; peak resident memory (VmHWM) of that process. The same run on an empty
//!   database is the reference.
//! - refresh: what the console loads after a change (a page of 200 rows and the header
//!   figures), p50 / p95 of 50.
//! - render: one frame of the queue pane at 120x40 into a TestBackend, p50 / p95 of 200.
// A measuring program: a failed set-up ends the run with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dmsctl::i18n::Lang;
use dmsctl::queue::{MailQuery, MailQueue};
use dmsctl::store::Store;
use dmsctl::tui::app::App;
use dmsctl::tui::msg::{Msg, Overview};
use dmsctl::tui::theme::Theme;
use dmsctl::tui::view::draw;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

#[path = "support/fill.rs"]
mod fill;

const ROWS: i64 = 1_000_000;

fn percentiles(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1000.0;
    (at(0.5), at(0.95))
}

/// Starts the console in tmux; returns (time to `marker` on screen, peak RSS in MB).
fn terminal_run(dir: &std::path::Path, db: &str, marker: &str) -> (Duration, f64) {
    let session = format!("dmsctl-bench-{}", std::process::id());
    let _ = Command::new("tmux")
        .args(["kill-session", "-t", &session])
        .stderr(Stdio::null())
        .status();
    let exe = std::env::current_exe().expect("exe");
    let binary = exe
        .parent()
        .and_then(|p| p.parent())
        .expect("target dir")
        .join("dmsctl");
    assert!(
        binary.exists(),
        "{} is missing: an example does not build the binary; run `cargo build --release` first",
        binary.display()
    );
    let cmd = format!(
        "env DMSCTL_CONFIG={} DMSCTL_DATABASE_URL={db} DMSCTL_LOG_FILE={} {}; sleep 30",
        dir.join("config.toml").display(),
        dir.join("log").display(),
        binary.display()
    );
    let started = Instant::now();
    Command::new("tmux")
        .args([
            "new-session",
            "-d",
            "-s",
            &session,
            "-x",
            "120",
            "-y",
            "40",
            &cmd,
        ])
        .status()
        .expect("tmux");
    let first_frame = loop {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &session])
            .output()
            .expect("tmux");
        if String::from_utf8_lossy(&out.stdout).contains(marker) {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no first frame"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    // Let it settle (header figures, work log), then read its peak memory.
    std::thread::sleep(Duration::from_millis(1500));
    let out = Command::new("pgrep")
        .args(["-f", &binary.display().to_string()])
        .output()
        .expect("pgrep");
    let pid = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse::<u32>().ok())
        .find(|p| std::fs::read_link(format!("/proc/{p}/exe")).is_ok_and(|e| e == binary))
        .expect("console pid");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    let _ = Command::new("tmux")
        .args(["send-keys", "-t", &session, "q"])
        .status();
    std::thread::sleep(Duration::from_millis(300));
    let _ = Command::new("tmux")
        .args(["kill-session", "-t", &session])
        .stderr(Stdio::null())
        .status();
    (first_frame, kb / 1024.0)
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("config.toml"), "embedded_sender = false\n").expect("config");
    let empty = format!("sqlite://{}", dir.path().join("empty.db").display());
    let full = format!("sqlite://{}", dir.path().join("million.db").display());
    Store::open(&empty).await.expect("open").close().await;
    let store = Store::open(&full).await.expect("open");
    let t = Instant::now();
    fill::million(&full, ROWS).await;
    println!("filled {ROWS} mails in {:.1} s", t.elapsed().as_secs_f64());

    // An empty queue shows its placeholder; a full one its newest mail.
    let (ref_frame, ref_rss) = terminal_run(dir.path(), &empty, "No mails here.");
    let (frame, rss) = terminal_run(dir.path(), &full, &format!("Dokument {ROWS}"));
    println!(
        "first frame:  empty {:>6.0} ms | 1,000,000 mails {:>6.0} ms ({:.2}x)   target <= 1500 ms",
        ref_frame.as_secs_f64() * 1000.0,
        frame.as_secs_f64() * 1000.0,
        frame.as_secs_f64() / ref_frame.as_secs_f64()
    );
    println!(
        "peak memory:  empty {ref_rss:>6.1} MB | 1,000,000 mails {rss:>6.1} MB ({:.2}x)   target <= 100 MB",
        rss / ref_rss
    );

    let queue = MailQueue::new(store.clone());
    let query = MailQuery {
        limit: 200,
        ..MailQuery::default()
    };
    let mut samples = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        queue.page(&query).await.expect("page");
        queue.counts().await.expect("counts");
        store.senders().await.expect("senders");
        store.sending_control().await.expect("paused");
        queue.oldest_pending().await.expect("oldest");
        store
            .delivered_per_minute(dmsctl::time::now_ms() - 1_800_000)
            .await
            .expect("spark");
        samples.push(t.elapsed());
    }
    let (p50, p95) = percentiles(samples);
    println!("refresh:      p50 {p50:>6.2} ms  p95 {p95:>6.2} ms   target p95 <= 100 ms");

    let rows = queue.page(&query).await.expect("page");
    let mut app = App::new(Lang::En, Theme::default(), dmsctl::time::now_ms());
    app.start();
    let q = app.queue_query();
    app.update(Msg::QueueLoaded {
        query: q,
        rows,
        above: 0,
        matched: None,
    });
    app.update(Msg::Overview(Overview {
        counts: queue.counts().await.expect("counts"),
        ..Overview::default()
    }));
    app.update(Msg::Resize(120, 40));
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let mut samples = Vec::new();
    for i in 0..200 {
        // Move the selection so every frame differs.
        app.update(Msg::Key(crossterm::event::KeyEvent::new(
            if i % 50 < 25 {
                crossterm::event::KeyCode::Down
            } else {
                crossterm::event::KeyCode::Up
            },
            crossterm::event::KeyModifiers::NONE,
        )));
        let t = Instant::now();
        terminal.draw(|f| draw(f, &app)).expect("draw");
        samples.push(t.elapsed());
    }
    let (p50, p95) = percentiles(samples);
    println!("render:       p50 {p50:>6.2} ms  p95 {p95:>6.2} ms   target <= 5 ms");
    store.close().await;
    let _ = Stdio::null();
}
