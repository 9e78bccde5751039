//! The sender on a bad day: rows another program wrote badly, connections dropped after
//! the final ".", stalled mails, a server restarted under kept-open connections, a
//! sender stopped past its lease, kill -9, a locked database. The rule in each: nothing
//! lost, the fault stays with the mail it belongs to, everything else keeps going.

use crate::common::Tool;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::smtp::{FaultServer, account, run_once, save_account, test_config};
use crate::common::{Backend, TestDb, log_of, sender_log};
use dmsctl::queue::{MailQueue, MailStatus, MailSummary, NewMail};
use dmsctl::settings::Encryption;

async fn sqlite() -> TestDb {
    TestDb::new(Backend::Sqlite).await.unwrap()
}

fn mail(subject: &str) -> NewMail {
    NewMail {
        to: vec!["a@firma.pl".into()],
        subject: subject.into(),
        body_text: format!("Treść: {subject}"),
        ..NewMail::default()
    }
}

fn sqlite_path(db: &TestDb) -> String {
    db.url.trim_start_matches("sqlite://").to_string()
}

/// Runs SQL through the system's `sqlite3`, as another program on the server would.
fn sqlite3(path: &str, sql: &str) {
    let out = Command::new("sqlite3")
        .args(["-cmd", ".timeout 5000"])
        .arg(path)
        .arg(sql)
        .output()
        .expect("the sqlite3 command-line tool (apt-get install sqlite3)");
    assert!(
        out.status.success(),
        "sqlite3: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn all_mails(q: &MailQueue) -> Vec<MailSummary> {
    q.page(&dmsctl::queue::MailQuery {
        limit: 1000,
        ..Default::default()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_rows_fail_alone_and_the_rest_of_the_queue_is_delivered() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::Sqlite3]) {
        return;
    }
    let db = sqlite().await;
    let server = FaultServer::start(&[]);
    let s = save_account(&db.store, &account(server.port, Encryption::None)).await;
    let q = MailQueue::new(db.store.clone());
    let good: Vec<NewMail> = (0..15).map(|i| mail(&format!("good {i}"))).collect();
    q.enqueue_batch(&good).await.unwrap();
    let path = sqlite_path(&db);
    let now = dmsctl::time::now_ms();
    let cols = "to_addrs, subject, body_text, priority, created_at, next_attempt_at, queued_at";
    // Invalid UTF-8 in the subject, a BLOB for the body, a priority wider than 32 bits,
    // and an attachment whose file name is not UTF-8.
    sqlite3(
        &path,
        &format!(
            "INSERT INTO process_mails ({cols}) VALUES ('x@firma.pl', CAST(x'48ff' AS TEXT), 'b', 0, {now}, {now}, {now});
             INSERT INTO process_mails ({cols}) VALUES ('y@firma.pl', 'blob body', x'00ff10', 0, {now}, {now}, {now});
             INSERT INTO process_mails ({cols}) VALUES ('z@firma.pl', 'wide', 'b', 1099511627776, {now}, {now}, {now});
             INSERT INTO process_mails ({cols}) VALUES ('w@firma.pl', 'bad file', 'b', 0, {now}, {now}, {now});
             INSERT INTO process_mail_attachments (mail_id, file_name, data)
               VALUES ((SELECT max(id) FROM process_mails), CAST(x'66ff2e706466' AS TEXT), x'01');"
        ),
    );

    // Listing and showing never fail: the damaged rows are listed, marked.
    let listed = all_mails(&q).await;
    assert_eq!(listed.len(), 19);
    let damaged: Vec<&MailSummary> = listed.iter().filter(|m| !m.damaged.is_empty()).collect();
    assert_eq!(damaged.len(), 2, "subject and priority: {damaged:?}");
    assert!(listed.iter().any(|m| m.subject == "H\u{fffd}"));
    for m in &listed {
        q.detail(m.id).await.unwrap();
    }

    let mut config = test_config();
    config.sender.concurrency = 4;
    let summary = run_once(&db.store, &s, &config).await;
    assert_eq!(summary.sent, 15, "{summary:?}");
    assert_eq!(summary.failed, 4, "{summary:?}");
    assert_eq!(server.received().len(), 15);
    for m in all_mails(&q).await {
        if m.subject.starts_with("good") {
            assert_eq!(m.status, MailStatus::Sent, "{m:?}");
            continue;
        }
        assert_eq!(m.status, MailStatus::Failed, "{m:?}");
        let error = m.last_error.clone().unwrap_or_default();
        let column = match m.to.as_str() {
            "x@firma.pl" => "subject",
            "y@firma.pl" => "body_text",
            "z@firma.pl" => "priority",
            _ => "file_name",
        };
        assert!(error.contains(column), "{column}: {error}");
        assert!(
            log_of(&db, m.id)
                .await
                .iter()
                .any(|e| e.message.contains(column)),
            "the work log names {column}"
        );
    }
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drop_after_the_final_dot_delays_only_its_own_mail() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::Sqlite3]) {
        return;
    }
    let db = sqlite().await;
    let server = FaultServer::start(&[]);
    let s = save_account(&db.store, &account(server.port, Encryption::None)).await;
    let q = MailQueue::new(db.store.clone());
    let mut batch: Vec<NewMail> = (0..40).map(|i| mail(&format!("m{i}"))).collect();
    batch[5] = mail("m5 [drop]");
    let ids = q.enqueue_batch(&batch).await.unwrap();
    let mut config = test_config();
    config.sender.concurrency = 2;
    let summary = run_once(&db.store, &s, &config).await;
    assert_eq!((summary.sent, summary.rescheduled), (39, 1), "{summary:?}");
    let dropped = q.detail(ids[5]).await.unwrap().mail;
    assert_eq!(dropped.status, MailStatus::Pending);
    assert_eq!(dropped.attempts, 1);
    // Nobody else waited for the server.
    assert!(
        !sender_log(&db)
            .await
            .iter()
            .any(|e| e.message.contains("before trying the server again")),
        "no destination back-off"
    );
    // Its retry carries the Message-ID of the attempt the server may have kept.
    q.act(dmsctl::queue::MailAction::Retry, &[ids[5]], "tester")
        .await
        .unwrap();
    let again = run_once(&db.store, &s, &config).await;
    assert_eq!(again.sent, 1);
    let got = server.received();
    let retried = got.iter().find(|r| r["subject"] == "m5 [drop]").unwrap();
    let sent = q.detail(ids[5]).await.unwrap().mail;
    assert_eq!(
        retried["message_id"].as_str(),
        sent.message_id.as_deref(),
        "the stored Message-ID is the one on the wire"
    );
    assert!(
        sent.message_id
            .as_deref()
            .unwrap()
            .starts_with(&format!("<dmsctl.{}.", ids[5]))
    );
    assert!(
        sent.sent_by.as_deref().unwrap().starts_with("test-sender@"),
        "{:?}",
        sent.sent_by
    );
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_mails_do_not_hold_up_the_other_connections() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::Sqlite3]) {
        return;
    }
    let db = sqlite().await;
    let server = FaultServer::start(&["--stall", "4"]);
    let s = save_account(&db.store, &account(server.port, Encryption::None)).await;
    let q = MailQueue::new(db.store.clone());
    let mut batch: Vec<NewMail> = (0..100).map(|i| mail(&format!("m{i}"))).collect();
    for i in [0, 1, 2] {
        batch[i] = mail(&format!("m{i} [stall]"));
    }
    q.enqueue_batch(&batch).await.unwrap();
    let mut config = test_config();
    config.sender.concurrency = 4;
    config.sender.smtp_timeout = Duration::from_secs(10);
    let summary = run_once(&db.store, &s, &config).await;
    assert_eq!(summary.sent, 100, "{summary:?}");
    // Every other mail reached the server before the first stalled one was answered:
    // the fourth connection kept going on its own.
    let got = server.received();
    let first_stalled = got
        .iter()
        .position(|r| r["subject"].as_str().unwrap().contains("[stall]"))
        .unwrap();
    assert_eq!(first_stalled, 97, "order of acceptance: {got:?}");
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_gets_the_next_burst_on_new_connections_at_once() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::Sqlite3]) {
        return;
    }
    let db = sqlite().await;
    let mut server = FaultServer::start(&[]);
    let s = save_account(&db.store, &account(server.port, Encryption::None)).await;
    let q = MailQueue::new(db.store.clone());
    let config = test_config();
    let sender = dmsctl::sender::Sender::new(
        db.store.clone(),
        s.settings.clone(),
        &config,
        dmsctl::sender::SenderOptions {
            id: "kept-open".into(),
            concurrency: 2,
            once: false,
        },
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move { sender.run(stopped).await });
    let first: Vec<NewMail> = (0..10).map(|i| mail(&format!("before {i}"))).collect();
    q.enqueue_batch(&first).await.unwrap();
    assert_eq!(server.wait_for(10, Duration::from_secs(10)).len(), 10);
    // The connections stay open; the server goes away and comes back.
    server.restart();
    let burst: Vec<NewMail> = (0..20).map(|i| mail(&format!("after {i}"))).collect();
    let ids = q.enqueue_batch(&burst).await.unwrap();
    let got = server.wait_for(30, Duration::from_secs(10));
    assert_eq!(got.len(), 30, "the burst went out within seconds");
    for id in ids {
        let m = q.detail(id).await.unwrap().mail;
        assert_eq!(m.status, MailStatus::Sent);
        assert_eq!(
            m.attempts, 1,
            "nothing was charged for the closed connection"
        );
    }
    stop.send(true).unwrap();
    task.await.unwrap().unwrap();
    db.finish().await;
}

/// The real binary as a service would run it.
struct Worker {
    child: Child,
}

impl Worker {
    fn start(config: &Path, database: &str, id: &str, once: bool) -> Worker {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dmsctl"));
        cmd.args(["worker", "--id", id])
            .env("DMSCTL_CONFIG", config)
            .env("DMSCTL_DATABASE_URL", database)
            .env(
                "DMSCTL_LOG_FILE",
                config.with_file_name(format!("{id}.log")),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if once {
            cmd.arg("--once");
        }
        Worker {
            child: cmd.spawn().unwrap(),
        }
    }

    fn signal(&self, sig: &str) {
        Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap();
    }

    fn wait(mut self, within: Duration) -> (std::process::ExitStatus, String) {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut err = String::new();
                if let Some(mut e) = self.child.stderr.take() {
                    use std::io::Read;
                    let _ = e.read_to_string(&mut err);
                }
                return (status, err);
            }
            assert!(Instant::now() < deadline, "the worker did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A config file for the workers beside the account they send with (no secrets, so
/// no key is needed).
async fn service_setup(
    db: &TestDb,
    port: u16,
    sender_toml: &str,
) -> (tempfile::TempDir, crate::common::smtp::TestSettings) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        format!("[sender]\n{sender_toml}\n"),
    )
    .unwrap();
    let s = save_account(&db.store, &account(port, Encryption::None)).await;
    (dir, s)
}

/// How many times the server accepted each subject.
fn copies_by_subject(got: &[serde_json::Value]) -> HashMap<String, usize> {
    let mut copies: HashMap<String, usize> = HashMap::new();
    for r in got {
        let subject = r["subject"].as_str().unwrap_or_default().to_string();
        *copies.entry(subject).or_default() += 1;
    }
    copies
}

async fn count_status(q: &MailQueue, status: MailStatus) -> usize {
    all_mails(q)
        .await
        .iter()
        .filter(|m| m.status == status)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_resumed_after_its_lease_sends_nothing_it_no_longer_owns() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::Sqlite3]) {
        return;
    }
    let db = sqlite().await;
    // The first two connections wait 10 s for the greeting: the worker is stopped
    // holding its claims, and resumes with connections that only then open.
    let server = FaultServer::start(&["--stall-greeting", "2", "--stall", "10"]);
    let (dir, _account) = service_setup(
        &db,
        server.port,
        "lease_seconds = 5\nconcurrency = 2\nsmtp_timeout = \"20s\"",
    )
    .await;
    let config = dir.path().join("config.toml");
    let q = MailQueue::new(db.store.clone());
    let batch: Vec<NewMail> = (0..6).map(|i| mail(&format!("m{i}"))).collect();
    q.enqueue_batch(&batch).await.unwrap();

    let stale = Worker::start(&config, &db.url, "stale", false);
    let deadline = Instant::now() + Duration::from_secs(10);
    while count_status(&q, MailStatus::Sending).await < 2 {
        assert!(Instant::now() < deadline, "the worker claimed nothing");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stale.signal("-STOP");

    // The same id while it lives (stopped, its heartbeat still fresh) is refused.
    let twin = Worker::start(&config, &db.url, "stale", true);
    let (status, err) = twin.wait(Duration::from_secs(20));
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("another sender with id `stale`"), "{err}");

    tokio::time::sleep(Duration::from_secs(6)).await;
    let other = Worker::start(&config, &db.url, "other", true);
    let (status, err) = other.wait(Duration::from_secs(30));
    assert!(status.success(), "{err}");
    assert_eq!(count_status(&q, MailStatus::Sent).await, 6);

    stale.signal("-CONT");
    tokio::time::sleep(Duration::from_secs(6)).await;
    stale.signal("-TERM");
    let (status, err) = stale.wait(Duration::from_secs(20));
    assert!(status.success(), "{err}");
    let got = server.received();
    let copies = copies_by_subject(&got);
    assert_eq!(copies.len(), 6, "{copies:?}");
    assert!(copies.values().all(|n| *n == 1), "no copies: {copies:?}");
    assert!(
        sender_log(&db)
            .await
            .iter()
            .any(|e| e.message.contains("lease ran out first")),
        "the stale sender said why it did not send"
    );
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_over_and_over_loses_nothing_and_copies_stay_within_the_connections() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::Sqlite3]) {
        return;
    }
    let db = sqlite().await;
    let server = FaultServer::start(&["--delay", "2"]);
    let connections = 4;
    let (dir, _account) = service_setup(
        &db,
        server.port,
        &format!("concurrency = {connections}\nlease_seconds = 30"),
    )
    .await;
    let config = dir.path().join("config.toml");
    let q = MailQueue::new(db.store.clone());
    let total = 1000;
    let batch: Vec<NewMail> = (0..total).map(|i| mail(&format!("m{i}"))).collect();
    q.enqueue_batch(&batch).await.unwrap();
    let kills = 20;
    for _ in 0..kills {
        // The same id each time, as a systemd unit restarts it.
        let w = Worker::start(&config, &db.url, "svc", false);
        let before = server.received().len();
        let deadline = Instant::now() + Duration::from_secs(10);
        while server.received().len() < before + 20 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        w.signal("-KILL");
        let _ = w.wait(Duration::from_secs(5));
    }
    // The restarted process releases what the killed one held at once (same host,
    // process gone), so the drain does not wait for leases.
    let last = Worker::start(&config, &db.url, "svc", true);
    let (status, err) = last.wait(Duration::from_secs(60));
    assert!(status.success(), "{err}");
    let got = server.received();
    let copies = copies_by_subject(&got);
    assert_eq!(copies.len(), total, "nothing lost");
    let extra: usize = copies.values().map(|n| n - 1).sum();
    eprintln!("{kills} kills of {connections} connections: {extra} extra copies");
    assert!(
        extra <= kills * connections,
        "{extra} extra copies after {kills} kills of {connections} connections"
    );
    assert_eq!(count_status(&q, MailStatus::Sent).await, total);
    // Every copy of a mail carries the same Message-ID.
    let mut ids: HashMap<String, String> = HashMap::new();
    for r in &got {
        let subject = r["subject"].as_str().unwrap().to_string();
        let mid = r["message_id"].as_str().unwrap().to_string();
        let first = ids.entry(subject).or_insert_with(|| mid.clone());
        assert_eq!(*first, mid);
    }
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_locked_past_the_busy_timeout_is_waited_out() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::Sqlite3]) {
        return;
    }
    let db = sqlite().await;
    let server = FaultServer::start(&[]);
    let (dir, _account) = service_setup(&db, server.port, "concurrency = 2").await;
    let config = dir.path().join("config.toml");
    let q = MailQueue::new(db.store.clone());
    q.enqueue_batch(&[mail("before")]).await.unwrap();
    let w = Worker::start(&config, &db.url, "locked-out", false);
    assert_eq!(server.wait_for(1, Duration::from_secs(10)).len(), 1);
    // Another program holds the write lock for longer than the 10 s busy timeout.
    let path = sqlite_path(&db);
    let mut holder = Command::new("sqlite3")
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let stdin = holder.stdin.as_mut().unwrap();
        stdin
            .write_all(b"BEGIN EXCLUSIVE;\nSELECT 1;\n.shell sleep 13\nCOMMIT;\n")
            .unwrap();
    }
    holder.stdin.take();
    let _ = holder.wait();
    q.enqueue_batch(&[mail("after")]).await.unwrap();
    let got = server.wait_for(2, Duration::from_secs(40));
    assert_eq!(got.len(), 2, "the worker kept going after the lock");
    w.signal("-TERM");
    let (status, err) = w.wait(Duration::from_secs(20));
    assert!(status.success(), "{err}");
    // The lock really reached the worker (it is not a test that passes idly).
    assert!(err.contains("database unreachable"), "{err}");
    db.finish().await;
}

fn wait_until(within: Duration, mut done: impl FnMut() -> bool) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < within {
        if done() {
            return Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarts_and_a_long_outage_do_not_stop_the_worker() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::Sqlite3]) {
        return;
    }
    let Some(pg) = crate::common::pg_instance::PgInstance::start() else {
        return;
    };
    let store = dmsctl::store::Store::open(&pg.url()).await.unwrap();
    let server = FaultServer::start(&["--delay", "3"]);
    let s = save_account(&store, &account(server.port, Encryption::None)).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[sender]\nconcurrency = 2\n").unwrap();
    let q = MailQueue::new(store.clone());
    let total = 400;
    let batch: Vec<NewMail> = (0..total).map(|i| mail(&format!("m{i}"))).collect();
    q.enqueue_batch(&batch).await.unwrap();
    let mut w = Worker::start(&config, &pg.url(), "pg-worker", false);
    assert!(wait_until(Duration::from_secs(20), || server.received().len() >= 20).is_some());
    let restarts = 6;
    for i in 0..restarts {
        pg.stop();
        std::thread::sleep(Duration::from_millis(300));
        pg.start_again();
        let before = server.received().len();
        let resumed = wait_until(Duration::from_secs(10), || {
            server.received().len() > before + 5
        });
        eprintln!("restart {i}: deliveries resumed after {resumed:?}");
        assert!(resumed.is_some(), "deliveries resumed after restart {i}");
        assert!(
            w.child.try_wait().unwrap().is_none(),
            "the worker is still running"
        );
    }
    // Longer than the connection pool's patience (10 s per acquire, ~80 s before).
    pg.stop();
    std::thread::sleep(Duration::from_secs(90));
    assert!(w.child.try_wait().unwrap().is_none(), "the worker waited");
    pg.start_again();
    let done = wait_until(Duration::from_secs(60), || {
        copies_by_subject(&server.received()).len() == total
    });
    eprintln!("after the 90 s outage: every mail delivered after {done:?}");
    assert!(done.is_some(), "every mail delivered after the outage");
    let copies = copies_by_subject(&server.received());
    let extra: usize = copies.values().map(|n| n - 1).sum();
    eprintln!("extra copies over {} outages: {extra}", restarts + 1);
    assert!(extra <= (restarts + 1) * 2, "{extra} extra copies");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let counts = q.counts().await.unwrap();
        if counts.sent == total as i64 {
            break;
        }
        assert!(Instant::now() < deadline, "recorded as sent: {counts:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    w.signal("-TERM");
    let (status, err) = w.wait(Duration::from_secs(20));
    assert!(status.success(), "{err}");
    assert!(err.contains("database unreachable"), "said once: {err}");
    drop(s);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_share_a_postgres_queue_without_deadlock_or_copies() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::Sqlite3]) {
        return;
    }
    let Some(pg) = crate::common::pg_instance::PgInstance::start() else {
        return;
    };
    let store = dmsctl::store::Store::open(&pg.url()).await.unwrap();
    let server = FaultServer::start(&[]);
    let _s = save_account(&store, &account(server.port, Encryption::None)).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    // Short leases: renewals run often, next to the outcome commits they once
    // deadlocked with.
    std::fs::write(&config, "[sender]\nconcurrency = 4\nlease_seconds = 6\n").unwrap();
    let q = MailQueue::new(store.clone());
    let total = 6000;
    for chunk in (0..total).collect::<Vec<_>>().chunks(1000) {
        let batch: Vec<NewMail> = chunk.iter().map(|i| mail(&format!("m{i}"))).collect();
        q.enqueue_batch(&batch).await.unwrap();
    }
    let workers: Vec<Worker> = ["w1", "w2", "w3"]
        .iter()
        .map(|id| Worker::start(&config, &pg.url(), id, false))
        .collect();
    let done = wait_until(Duration::from_secs(120), || {
        server.received().len() >= total
    });
    assert!(done.is_some(), "{} of {total}", server.received().len());
    let deadline = Instant::now() + Duration::from_secs(30);
    while q.counts().await.unwrap().sent < total as i64 {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for w in &workers {
        w.signal("-TERM");
    }
    for w in workers {
        let (status, err) = w.wait(Duration::from_secs(20));
        assert!(status.success(), "{err}");
        assert!(!err.contains("deadlock"), "{err}");
    }
    let copies = copies_by_subject(&server.received());
    assert_eq!(copies.len(), total);
    assert!(copies.values().all(|n| *n == 1), "no copies");
    assert_eq!(q.counts().await.unwrap().sending, 0, "nothing left claimed");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_size_limit_fails_a_large_mail_alone_and_clear_text_is_reported() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::Sqlite3]) {
        return;
    }
    let db = sqlite().await;
    let server = FaultServer::start(&["--size", "4000"]);
    // `auto` against a server without STARTTLS, no login: allowed, and said.
    let s = save_account(&db.store, &account(server.port, Encryption::Auto)).await;
    let q = MailQueue::new(db.store.clone());
    let mut big = mail("big");
    big.body_text = "x".repeat(6000);
    let ids = q.enqueue_batch(&[big, mail("small")]).await.unwrap();
    let summary = run_once(&db.store, &s, &test_config()).await;
    assert_eq!((summary.sent, summary.failed), (1, 1), "{summary:?}");
    let failed = q.detail(ids[0]).await.unwrap().mail;
    assert_eq!(failed.status, MailStatus::Failed);
    assert!(
        failed
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("EHLO SIZE"),
        "{:?}",
        failed.last_error
    );
    assert_eq!(server.received().len(), 1);
    let warnings: Vec<String> = sender_log(&db)
        .await
        .into_iter()
        .map(|e| e.message)
        .filter(|m| m.contains("offers no STARTTLS"))
        .collect();
    assert_eq!(warnings.len(), 1, "said once: {warnings:?}");
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_is_answered_at_once_while_a_mail_is_stalled() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::Sqlite3]) {
        return;
    }
    let db = sqlite().await;
    let server = FaultServer::start(&["--stall", "30"]);
    let (dir, _account) = service_setup(&db, server.port, "concurrency = 1").await;
    let q = MailQueue::new(db.store.clone());
    let stalled = q.enqueue(mail("[stall] first")).await.unwrap();
    let rest: Vec<NewMail> = (0..20).map(|i| mail(&format!("m{i}"))).collect();
    q.enqueue_batch(&rest).await.unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dmsctl"))
        .args(["worker", "--id", "term"])
        .env("DMSCTL_CONFIG", dir.path().join("config.toml"))
        .env("DMSCTL_DATABASE_URL", &db.url)
        .env("DMSCTL_LOG_FILE", dir.path().join("term.log"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = {
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<(Instant, String)>();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                let _ = tx.send((Instant::now(), line));
            }
        });
        rx
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while q.detail(stalled).await.unwrap().mail.status != MailStatus::Sending {
        assert!(Instant::now() < deadline, "the stalled mail was not taken");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // While the mail is stalled, the heartbeat keeps its own clock (it used to be
    // written only between batches, so a long batch looked like a dead sender).
    tokio::time::sleep(Duration::from_secs(7)).await;
    let senders = db.store.senders().await.unwrap();
    let me = senders.iter().find(|r| r.id == "term").expect("registered");
    let age = dmsctl::time::now_ms() - me.heartbeat_at;
    assert!(age < 6_000, "heartbeat {age} ms old during a stalled send");
    let sent_at = Instant::now();
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let answered = loop {
        match lines.recv_timeout(Duration::from_secs(5)) {
            Ok((at, line)) if line.contains("stopping:") => break at,
            Ok(_) => {}
            Err(e) => panic!("no stopping line: {e}"),
        }
    };
    assert!(
        answered.duration_since(sent_at) < Duration::from_secs(1),
        "answered after {:?}",
        answered.duration_since(sent_at)
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "the worker did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());
    // Nothing behind the stalled mail was taken after the signal.
    assert_eq!(
        q.counts().await.unwrap().pending as usize + 1,
        21 - server.received().len()
    );
    db.finish().await;
}

/// Error groups from real replies: one run meets 550, 552, 451 and 421 at RCPT and 535
/// at AUTH, and the groups are exactly those, each listing exactly its mails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_groups_of_real_replies_are_exactly_those_replies() {
    use dmsctl::queue::{Filter, MailQuery};
    if !crate::common::have(&[Tool::Aiosmtpd]) {
        return;
    }
    let db = sqlite().await;
    let q = MailQueue::new(db.store.clone());
    let to = |addr: String| NewMail {
        to: vec![addr],
        subject: "Faktura".into(),
        body_text: "Treść".into(),
        ..NewMail::default()
    };
    let mut mails = Vec::new();
    for i in 0..3 {
        mails.push(to(format!("r550-jan{i}@onet.pl")));
    }
    for i in 0..2 {
        mails.push(to(format!("r552-ola{i}@wp.pl")));
        mails.push(to(format!("r451-ewa{i}@gmail.com")));
        mails.push(to(format!("ok{i}@firma.pl")));
    }
    q.enqueue_batch(&mails).await.unwrap();
    let server = FaultServer::start(&[]);
    let s = save_account(&db.store, &account(server.port, Encryption::None)).await;
    let summary = run_once(&db.store, &s, &test_config()).await;
    assert_eq!((summary.sent, summary.failed), (2, 5), "{summary:?}");
    // The server goes away mid-transaction for one mail.
    q.enqueue(to("r421-adam@firma.pl".into())).await.unwrap();
    let summary = run_once(&db.store, &s, &test_config()).await;
    assert_eq!(summary.rescheduled, 1, "{summary:?}");
    // The sender's own failures: nothing listening, and no STARTTLS where it is required.
    let nobody = crate::common::smtp::free_port();
    let s = save_account(&db.store, &account(nobody, Encryption::None)).await;
    q.enqueue(to("marek@firma.pl".into())).await.unwrap();
    run_once(&db.store, &s, &test_config()).await;
    let s = save_account(&db.store, &account(server.port, Encryption::Starttls)).await;
    q.enqueue(to("anna@firma.pl".into())).await.unwrap();
    run_once(&db.store, &s, &test_config()).await;
    // A name that does not resolve, and a server that never greets in time.
    let mut unknown = account(server.port, Encryption::None);
    unknown.server_name = "smtp.nonexistent.invalid".into();
    let s = save_account(&db.store, &unknown).await;
    q.enqueue(to("jerzy@firma.pl".into())).await.unwrap();
    run_once(&db.store, &s, &test_config()).await;
    let silent = FaultServer::start(&["--stall-greeting", "9", "--stall", "10"]);
    let s = save_account(&db.store, &account(silent.port, Encryption::None)).await;
    q.enqueue(to("zofia@firma.pl".into())).await.unwrap();
    let mut quick = test_config();
    quick.sender.smtp_timeout = Duration::from_secs(1);
    run_once(&db.store, &s, &quick).await;

    // And refuses the login for another.
    let refusing = FaultServer::start(&["--auth-fail"]);
    let s = save_account(
        &db.store,
        &crate::common::smtp::with_login(account(refusing.port, Encryption::None), "dms", "wrong"),
    )
    .await;
    q.enqueue(to("piotr@firma.pl".into())).await.unwrap();
    run_once(&db.store, &s, &test_config()).await;
    let groups = q.error_groups().await.unwrap();
    // Those without a reply code come last here (one mail each, their text sorts after).
    let own: Vec<&str> = groups
        .iter()
        .filter(|g| g.code.is_none())
        .map(|g| g.fingerprint.as_str())
        .collect();
    assert_eq!(own.len(), 4, "{own:#?}");
    for word in ["refused", "starttls", "dns", "no answer"] {
        assert!(
            own.iter().any(|f| f.to_lowercase().contains(word)),
            "{word}: {own:?}"
        );
    }
    let all = groups.clone();
    let groups: Vec<_> = groups.into_iter().filter(|g| g.code.is_some()).collect();
    let seen: Vec<(Option<u16>, Option<&str>, i64, i64)> = groups
        .iter()
        .map(|g| (g.code, g.status.as_deref(), g.failed, g.deferred))
        .collect();
    assert_eq!(
        seen,
        vec![
            (Some(550), Some("5.1.1"), 3, 0),
            (Some(451), Some("4.7.1"), 0, 2),
            (Some(552), Some("5.2.2"), 2, 0),
            (Some(535), Some("5.7.8"), 0, 1),
            (Some(421), Some("4.3.2"), 0, 1),
        ],
        "{groups:#?}"
    );
    let g550 = &groups[0];
    assert_eq!(
        g550.fingerprint,
        "RCPT TO *: 550 5.1.1 <*>: Recipient address rejected: User unknown in virtual mailbox table"
    );
    assert_eq!(g550.top_domains, vec![("onet.pl".to_string(), 3)]);
    assert!(g550.last_seen >= g550.first_seen && g550.first_seen.is_some());
    // Each group's filter lists exactly its mails.
    for g in &all {
        let listed = q
            .page(&MailQuery {
                filter: Filter::parse(&g.filter).unwrap(),
                ..MailQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(listed.len() as i64, g.mails, "{}", g.filter);
        assert!(listed.iter().any(|m| m.id == g.example_id));
    }
    // The same through the binary.
    let out = Command::new(env!("CARGO_BIN_EXE_dmsctl"))
        .args(["queue", "errors"])
        .env("DMSCTL_DATABASE_URL", &db.url)
        .env("DMSCTL_CONFIG", "/dev/null")
        .env("DMSCTL_LOG_FILE", "/dev/null")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.starts_with("3 mail(s): 3 failed, 0 to be retried; last seen "),
        "{text}"
    );
    assert!(
        text.contains("  --filter 'error=\"RCPT TO *: 550 5.1.1 <*>: Recipient address rejected: User unknown in virtual mailbox table\"'"),
        "{text}"
    );
    db.finish().await;
}

/// `queue defer`: two senders leave a deferred domain's mail pending and untried until
/// the rule ends (a mail with one recipient there included), deliver everything else,
/// and deliver the domain's mail once the rule is over; ending a rule early makes its
/// mail due at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_deferred_domain_receives_nothing_until_the_rule_ends_with_two_senders() {
    use dmsctl::sender::{Sender, SenderOptions};
    if !crate::common::have(&[Tool::Aiosmtpd]) {
        return;
    }
    let db = sqlite().await;
    let q = MailQueue::new(db.store.clone());
    let server = FaultServer::start(&[]);
    let s = save_account(&db.store, &account(server.port, Encryption::None)).await;
    let to = |to: &str, cc: &str, subject: String| NewMail {
        to: vec![to.into()],
        cc: if cc.is_empty() {
            vec![]
        } else {
            vec![cc.into()]
        },
        subject,
        body_text: "Treść".into(),
        ..NewMail::default()
    };
    let mut mails = Vec::new();
    for i in 0..6 {
        mails.push(to(&format!("x{i}@onet.pl"), "", format!("onet {i}")));
        mails.push(to(&format!("y{i}@wp.pl"), "", format!("wp {i}")));
    }
    mails.push(to("a@wp.pl", "Basia <b@Onet.PL>", "onet cc".into()));
    q.enqueue_batch(&mails).await.unwrap();
    let until = dmsctl::time::now_ms() + 4_000;
    q.defer_domain("Onet.pl", until, Some("ticket 42".into()), "admin")
        .await
        .unwrap();
    assert_eq!(q.deferred_domains().await.unwrap()[0].domain, "onet.pl");
    let config = test_config();
    let two_senders = || async {
        let run = |id: &str| {
            let sender = Sender::new(
                db.store.clone(),
                s.settings.clone(),
                &config,
                SenderOptions {
                    id: id.into(),
                    concurrency: 2,
                    once: true,
                },
            );
            async move {
                let (_stop, stopped) = tokio::sync::watch::channel(false);
                sender.run(stopped).await.unwrap()
            }
        };
        tokio::join!(run("sender-a"), run("sender-b"))
    };
    two_senders().await;
    let subjects = |server: &FaultServer| -> Vec<String> {
        server
            .received()
            .iter()
            .map(|r| r["subject"].as_str().unwrap().to_string())
            .collect()
    };
    let got = subjects(&server);
    assert_eq!(got.len(), 6, "{got:?}");
    assert!(got.iter().all(|s| s.starts_with("wp ")), "{got:?}");
    for m in all_mails(&q).await {
        if m.subject.starts_with("onet") {
            assert_eq!(m.status, MailStatus::Pending, "{m:?}");
            assert_eq!((m.attempts, m.next_attempt_at), (0, until), "{m:?}");
            assert!(
                log_of(&db, m.id).await.iter().any(|e| e
                    .message
                    .starts_with("not tried: mail to onet.pl is deferred until")),
                "{m:?}"
            );
        }
    }
    // Once the rule has ended, the domain's mail goes, and not before.
    let wait = until - dmsctl::time::now_ms();
    tokio::time::sleep(Duration::from_millis(wait.max(0) as u64 + 200)).await;
    assert!(q.deferred_domains().await.unwrap().is_empty());
    two_senders().await;
    let received = server.received();
    assert_eq!(received.len(), 13);
    for r in &received {
        if r["subject"].as_str().unwrap().starts_with("onet") {
            assert!(r["time"].as_f64().unwrap() * 1000.0 >= until as f64, "{r}");
        }
    }
    // Ended early, a rule's mail is due at once.
    let later = dmsctl::time::now_ms() + 3_600_000;
    q.defer_domain("wp.pl", later, None, "admin").await.unwrap();
    q.enqueue(to("z@wp.pl", "", "wp late".into()))
        .await
        .unwrap();
    two_senders().await;
    assert_eq!(server.received().len(), 13);
    assert!(q.end_deferral("WP.pl", "admin").await.unwrap());
    assert!(
        !q.end_deferral("wp.pl", "admin").await.unwrap(),
        "already ended"
    );
    two_senders().await;
    assert_eq!(server.received().len(), 14);
    db.finish().await;
}
