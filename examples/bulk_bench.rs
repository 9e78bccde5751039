//! Bulk actions by filter over a large queue while the console keeps drawing.
//!
//! ```text
//! cargo run --release --example bulk_bench -- [--mails 100000] [--postgres URL]
//! ```
//!
//! For each database: a queue of `--mails` pending mails, then hold, release, retry and
//! cancel on every mail a filter matches, each a run of batches (one transaction each)
//! in a task of its own, as the console runs it. Meanwhile the console's own work goes
//! on every 50 ms: a page of the list with the counts, and a frame drawn from them.
//! Printed: each action's rate and batches, and the frames' draw time and the page
//! loads during the run, with the page load of the idle queue as the reference.
// A measuring program: a failed set-up ends the run with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use dmsctl::i18n::Lang;
use dmsctl::queue::{Filter, MailAction, MailQuery, MailQueue};
use dmsctl::store::Store;
use dmsctl::tui::app::App;
use dmsctl::tui::msg::Msg;
use dmsctl::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
#[path = "support/fill.rs"]
mod fill;
#[path = "support/pgdb.rs"]
mod pgdb;

struct Args {
    mails: i64,
    postgres: Option<String>,
}

fn args() -> Args {
    let mut a = Args {
        mails: 100_000,
        postgres: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--mails" => a.mails = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.mails),
            "--postgres" => a.postgres = it.next(),
            other => eprintln!("ignoring unknown argument {other}"),
        }
    }
    a
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let i = ((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len().max(1)) - 1;
    samples.get(i).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// What the console does each refresh: a page and the counts, then a frame.
async fn console_frame(
    q: &MailQueue,
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
) -> (Duration, Duration) {
    let query = MailQuery {
        window: Some(dmsctl::tui::panes::queue::SEARCH_WINDOW),
        ..MailQuery::default()
    };
    let t = Instant::now();
    let rows = q.page(&query).await.expect("page");
    q.counts().await.expect("counts");
    let load = t.elapsed();
    app.update(Msg::QueueLoaded {
        query,
        rows,
        above: 0,
        matched: None,
    });
    let t = Instant::now();
    terminal
        .draw(|f| dmsctl::tui::view::draw(f, app))
        .expect("draw");
    (load, t.elapsed())
}

async fn run(name: &str, url: &str, n: i64) {
    Store::open(url).await.expect("open").close().await;
    let t = Instant::now();
    fill::pending(url, n).await;
    println!(
        "\n== {name}: {n} pending mails (filled in {:.1} s)",
        t.elapsed().as_secs_f64()
    );
    let store = Store::open(url).await.expect("open");
    let q = MailQueue::new(store.clone());
    let mut app = App::new(Lang::En, Theme::default(), dmsctl::time::now_ms());
    app.start();
    app.update(Msg::Resize(120, 40));
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(console_frame(&q, &mut app, &mut terminal).await.0);
    }
    let idle95 = percentile(&mut idle, 0.95);
    println!(
        "reference: page + counts, idle queue       p95 {:>7.2} ms",
        ms(idle95)
    );
    for (action, filter) in [
        (MailAction::Hold, "status:pending"),
        (MailAction::Release, "held:yes"),
        (MailAction::Retry, "status:pending"),
        (MailAction::Cancel, "status:pending domain:domain7.pl"),
    ] {
        let filter = Filter::parse(filter).expect("filter");
        let breakdown = q.breakdown(action, &filter).await.expect("breakdown");
        let bounded = breakdown.bounded(&filter);
        let bulk = {
            let q = q.clone();
            tokio::spawn(async move {
                let t = Instant::now();
                let mut batches = 0u32;
                let p = q
                    .act_all_matching(
                        action,
                        &bounded,
                        None,
                        "bench",
                        std::future::pending(),
                        |_| batches += 1,
                    )
                    .await
                    .expect("bulk");
                (p.done, batches, t.elapsed())
            })
        };
        let (mut loads, mut draws) = (Vec::new(), Vec::new());
        while !bulk.is_finished() {
            let (load, draw) = console_frame(&q, &mut app, &mut terminal).await;
            loads.push(load);
            draws.push(draw);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let (done, batches, took) = bulk.await.expect("task");
        let frames = draws.len();
        let draw95 = percentile(&mut draws, 0.95);
        let draw_max = draws.iter().max().copied().unwrap_or_default();
        let load95 = percentile(&mut loads, 0.95);
        println!(
            "{:<8} {done:>7} mails in {batches:>3} batches: {:>7.0}/s | {frames:>3} frames: draw p95 {:>5.2} ms, max {:>5.2} ms | page + counts p95 {:>7.2} ms ({:.1}x idle)",
            action.verb(),
            done as f64 / took.as_secs_f64(),
            ms(draw95),
            ms(draw_max),
            ms(load95),
            ms(load95) / ms(idle95).max(0.001)
        );
    }
    store.close().await;
}

#[tokio::main]
async fn main() {
    let a = args();
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bulk.db").display());
    run("SQLite (synchronous=FULL)", &url, a.mails).await;
    if let Some(base) = &a.postgres {
        let (url, name) = pgdb::create(base, "bulk").await;
        run("PostgreSQL", &url, a.mails).await;
        pgdb::drop(base, &name).await;
    }
}
