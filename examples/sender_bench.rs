//! Sender throughput against Postfix's smtp-sink on loopback.
//!
//! ```text
//! cargo run --example sender_bench -- [--mails 2000] [--concurrency 1,4]
//! ```
//!
//! For each concurrency: Postfix's `smtp-source` sends the same number of 5 KB messages
//! over the same number of persistent sessions to a fresh smtp-sink (the reference),
//! then `dmsctl`'s sender drains a queue of as many 5 KB mails (SQLite, synchronous=FULL,
//! claims and outcomes committed per batch) to another. Printed: mails per second and
//! the ratio to the reference.
// A measuring program: a failed set-up ends the run with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::Instant;

use dmsctl::config::Config;
use dmsctl::queue::{MailQueue, NewMail};
use dmsctl::sender::{Sender, SenderOptions};
use dmsctl::settings::{Encryption, MailServerSettings, Settings};
use dmsctl::store::Store;

#[path = "support/sink.rs"]
mod sink;
use sink::Sink;

fn reference(mails: usize, sessions: usize) -> f64 {
    let sink = Sink::start(0);
    let started = Instant::now();
    let status = Command::new("/usr/sbin/smtp-source")
        .args([
            "-d",
            "-s",
            &sessions.to_string(),
            "-m",
            &mails.to_string(),
            "-l",
            "5120",
        ])
        .args(["-f", "dms@firma.pl", "-t", "jan@firma.pl"])
        .arg(format!("127.0.0.1:{}", sink.1))
        .status()
        .expect("smtp-source (apt-get install postfix)");
    assert!(status.success(), "smtp-source failed");
    mails as f64 / started.elapsed().as_secs_f64()
}

async fn ours(mails: usize, concurrency: usize) -> f64 {
    let sink = Sink::start(0);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&format!("sqlite://{}", dir.path().join("q.db").display()))
        .await
        .expect("open");
    let settings = Settings::new(store.clone(), dir.path().join("secret.key"));
    sink::save_account(&store, &dir.path().join("secret.key"), sink.1).await;
    let body: String = "x".repeat(5120);
    let batch: Vec<NewMail> = (0..mails)
        .map(|i| NewMail {
            to: vec!["jan@firma.pl".into()],
            subject: format!("bench {i}"),
            body_text: body.clone(),
            ..NewMail::default()
        })
        .collect();
    let q = MailQueue::new(store.clone());
    for chunk in batch.chunks(1000) {
        q.enqueue_batch(chunk).await.expect("enqueue");
    }
    let mut config = Config::default();
    config.sender.concurrency = concurrency as u32;
    config.sender.batch_size = (16 * concurrency) as u32;
    let sender = Sender::new(
        store.clone(),
        settings,
        &config,
        SenderOptions {
            id: "bench".into(),
            concurrency,
            once: true,
        },
    );
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    let summary = sender.run(stopped).await.expect("run");
    let rate = summary.sent as f64 / started.elapsed().as_secs_f64();
    assert_eq!(summary.sent as usize, mails, "every mail sent: {summary:?}");
    store.close().await;
    rate
}

/// The transport alone: prepared messages over our own connections, no database.
async fn transport_only(mails: usize, concurrency: usize) -> f64 {
    use dmsctl::sender::message;
    use dmsctl::sender::transport::SmtpTarget;
    let sink = Sink::start(0);
    let account = MailServerSettings {
        from_address: "dms@firma.pl".into(),
        server_name: "127.0.0.1".into(),
        port: sink.1,
        encryption: Encryption::None,
        ..MailServerSettings::default()
    };
    let target = SmtpTarget::new(&account, &Config::default().sender);
    let mail = dmsctl::queue::Mail {
        id: 1,
        status: dmsctl::queue::MailStatus::Sending,
        held: false,
        priority: 0,
        from_address: None,
        display_name: None,
        to: "jan@firma.pl".into(),
        cc: String::new(),
        bcc: String::new(),
        reply_to: None,
        subject: "bench".into(),
        body_text: "x".repeat(5120),
        body_html: None,
        created_at: 0,
        next_attempt_at: 0,
        queued_at: 0,
        attempts: 1,
        last_error: None,
        claimed_by: None,
        lease_until: None,
        sent_at: None,
        message_id: None,
        smtp_reply: None,
        sent_by: None,
        damaged: Vec::new(),
    };
    let started = Instant::now();
    let per = mails / concurrency;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let target = target.clone();
        let mail = mail.clone();
        let account = account.clone();
        tasks.push(tokio::spawn(async move {
            let mut session = target.connect().await.expect("connect");
            for _ in 0..per {
                let p = message::build(&mail, &[], &account).expect("build");
                session.deliver(&p, &|| true).await.expect("deliver");
            }
            session.quit().await;
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    (per * concurrency) as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let mut mails = 2000;
    let mut levels = vec![1usize, 4];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--mails" => mails = args.next().and_then(|v| v.parse().ok()).unwrap_or(mails),
            "--concurrency" => {
                levels = args
                    .next()
                    .map(|v| v.split(',').filter_map(|x| x.parse().ok()).collect())
                    .unwrap_or(levels)
            }
            other => eprintln!("ignoring {other}"),
        }
    }
    println!("{mails} mails of 5 KB to smtp-sink on loopback");
    for c in levels {
        let r = reference(mails, c);
        let t = transport_only(mails, c).await;
        let o = ours(mails, c).await;
        println!(
            "connections {c}: smtp-source {r:>7.0} /s | transport alone {t:>7.0} /s ({:.2}) | sender with queue {o:>7.0} /s ({:.2})",
            t / r,
            o / r
        );
    }
}
