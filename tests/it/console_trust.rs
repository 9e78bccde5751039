//! The queue console as support staff use it on a bad day, the real binary in tmux:
//! mail arriving by the hundred while a row is selected, re-sending, a mail server that
//! goes away and comes back, long details, a worker started beside the console and a
//! worker killed with mail in hand. Other programs write the queue with the system's
//! `sqlite3`, as the plain-SQL contract allows.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::Tool;
use crate::common::smtp::{FaultServer, Recorder, Tls};
use crate::console_tmux::{Session, dmsctl, enqueue, fresh, sql};

/// `n` mails from another program, subjects `{prefix} 1` … `{prefix} n`.
fn insert_mails(db: &str, n: usize, prefix: &str) {
    sql(
        db,
        &format!(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {n}) \
             INSERT INTO process_mails (to_addrs, subject, body_text) \
             SELECT 'jan@firma.pl', '{prefix} ' || x, 'x' FROM c;"
        ),
    );
}

/// Waits until one row of the list shows both `subject` and `status` (the filter
/// strip's counts name the statuses too).
fn wait_for_row(s: &Session, subject: &str, status: &str, limit: Duration) {
    let started = Instant::now();
    loop {
        let screen = s.screen();
        if screen
            .lines()
            .any(|l| l.contains(subject) && l.contains(&format!(" {status} ")))
        {
            return;
        }
        assert!(
            started.elapsed() < limit,
            "no row `{subject}` `{status}` within {limit:?}:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn send_to(dir: &Path, db: &str, port: u16) {
    dmsctl(
        dir,
        db,
        &[
            "settings",
            "set",
            "mail_server",
            "enabled=yes",
            "from_address=dms@firma.pl",
            "server_name=127.0.0.1",
            &format!("port={port}"),
            "encryption=none",
        ],
    );
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what} within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    started.elapsed()
}

/// A `dmsctl worker` beside the console, ended (SIGTERM, else killed) when dropped.
struct Worker(Child);

impl Worker {
    fn start(dir: &Path, db: &str, id: &str) -> Worker {
        let child = Command::new(env!("CARGO_BIN_EXE_dmsctl"))
            .args(["worker", "--id", id])
            .env("DMSCTL_CONFIG", dir.join("config.toml"))
            .env("DMSCTL_DATABASE_URL", db)
            .env("DMSCTL_LOG_FILE", dir.join(format!("{id}.log")))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Worker(child)
    }

    fn signal(&self, signal: &str) {
        Command::new("kill")
            .args([signal, &self.0.id().to_string()])
            .status()
            .unwrap();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// 1 and 7: with the 4th row selected, 300 mails arrive; the view stays on that mail,
/// says how many are above, and hold, the confirmation and release all go to it.
#[test]
fn the_selected_mail_stays_selected_and_acted_on_while_300_arrive() {
    if !crate::common::have(&[Tool::Tmux, Tool::Sqlite3]) {
        return;
    }
    let (dir, db) = fresh();
    dmsctl(dir.path(), &db, &["migrate"]);
    insert_mails(&db, 10, "first");
    let s = Session::start("dmsctl-trust-anchor", dir.path(), &db, 100, 30);
    s.wait_for("first 10", Duration::from_secs(10));
    s.keys(&["Down", "Down", "Down"]);
    // Sending is off: nothing moves the mails but this test.
    s.wait_for("this console off", Duration::from_secs(5));

    insert_mails(&db, 300, "burst");
    s.wait_for("↑ 300 new", Duration::from_secs(5));
    let screen = s.screen();
    assert!(screen.contains("first 7"), "{screen}");
    assert!(!screen.contains("burst"), "the view stayed put:\n{screen}");

    // The confirmation names the mail that was selected.
    s.keys(&["d"]);
    s.wait_for("#7?", Duration::from_secs(3));
    s.keys(&["n"]);
    // Hold goes to it and to nothing else; the selection does not move.
    s.keys(&["h"]);
    wait_until("mail 7 held", Duration::from_secs(5), || {
        sql(
            &db,
            "SELECT group_concat(id) FROM process_mails WHERE held = 1",
        ) == "7"
    });
    insert_mails(&db, 5, "late");
    s.wait_for("↑ 305 new", Duration::from_secs(5));
    s.keys(&["u"]);
    wait_until("mail 7 released", Duration::from_secs(5), || {
        sql(&db, "SELECT count(*) FROM process_mails WHERE held = 1") == "0"
    });
    // Releasing it again is refused and says why; nothing changes.
    s.keys(&["u"]);
    s.wait_for("is not held", Duration::from_secs(3));
    assert_eq!(sql(&db, "SELECT count(*) FROM process_mails"), "315");
    // g shows the newest again.
    s.keys(&["g"]);
    s.wait_for("late 5", Duration::from_secs(3));
    drop(dir);
}

/// 2: `r` on a sent mail asks first, naming the mail and its recipients; `n` sends
/// nothing, `y` sends it again.
#[test]
fn sending_a_sent_mail_again_asks_first() {
    if !crate::common::have(&[Tool::Tmux, Tool::Aiosmtpd, Tool::Sqlite3]) {
        return;
    }
    let (dir, db) = fresh();
    let server = Recorder::start(Tls::Plain, None, None);
    dmsctl(dir.path(), &db, &["migrate"]);
    send_to(dir.path(), &db, server.port);
    enqueue(dir.path(), &db, "Only once");
    let s = Session::start("dmsctl-trust-resend", dir.path(), &db, 100, 30);
    wait_for_row(&s, "Only once", "sent", Duration::from_secs(10));
    assert_eq!(server.received(1).len(), 1);
    s.keys(&["r"]);
    s.wait_for("#1 to jan@firma.pl?", Duration::from_secs(3));
    s.keys(&["n"]);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(server.count(), 1, "declined: nothing sent");
    s.keys(&["r"]);
    s.wait_for("#1 to jan@firma.pl?", Duration::from_secs(3));
    s.keys(&["y"]);
    wait_until("sent again", Duration::from_secs(10), || {
        server.count() == 2
    });
    drop(s);

    // The CLI asks too when stdin is a terminal, naming the mail and its recipients.
    wait_until("archived again", Duration::from_secs(10), || {
        dmsctl(dir.path(), &db, &["queue", "show", "1"]).contains("sent")
    });
    let cli = Session::command("dmsctl-trust-resend-cli", dir.path(), &db, "queue retry 1");
    cli.wait_for("[y/N]", Duration::from_secs(10));
    assert!(
        cli.screen().contains("#1 (sent) to jan@firma.pl"),
        "{}",
        cli.screen()
    );
    cli.keys(&["n", "Enter"]);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        sql(&db, "SELECT status FROM process_mails WHERE id = 1"),
        "sent",
        "declined in the terminal: left as it was"
    );
    let cli = Session::command("dmsctl-trust-resend-cli", dir.path(), &db, "queue retry 1");
    cli.wait_for("[y/N]", Duration::from_secs(10));
    cli.keys(&["y", "Enter"]);
    // No sender runs now that the console is gone: the mail waits, queued again.
    wait_until("queued again", Duration::from_secs(5), || {
        sql(&db, "SELECT status FROM process_mails WHERE id = 1") == "pending"
    });
    drop(dir);
}

/// 3: the server goes away: the header says so with the next try within 2 s; it comes
/// back, `x` flushes, and the mail leaves within 2 s instead of at the next try.
#[test]
fn an_outage_is_named_in_the_header_and_flush_ends_the_wait() {
    if !crate::common::have(&[Tool::Tmux, Tool::Aiosmtpd]) {
        return;
    }
    let (dir, db) = fresh();
    let mut server = FaultServer::start(&[]);
    dmsctl(dir.path(), &db, &["migrate"]);
    send_to(dir.path(), &db, server.port);
    let s = Session::start("dmsctl-trust-outage", dir.path(), &db, 120, 30);
    s.wait_for("this console sends", Duration::from_secs(10));
    enqueue(dir.path(), &db, "Before the outage");
    assert_eq!(server.wait_for(1, Duration::from_secs(10)).len(), 1);

    server.stop();
    let stopped = Instant::now();
    enqueue(dir.path(), &db, "During the outage");
    s.wait_for("mail server unreachable since", Duration::from_secs(5));
    let seen = stopped.elapsed();
    let screen = s.screen();
    assert!(screen.contains("next try"), "{screen}");
    assert!(
        screen.contains("(x: now)"),
        "the key that fixes it:\n{screen}"
    );
    assert!(
        seen < Duration::from_secs(2),
        "the outage was shown {seen:?} after the mail was queued"
    );

    server.restart();
    // Without a flush the sender would wait for its next try (a minute or more).
    s.keys(&["x"]);
    let flushed = Instant::now();
    let got = server.wait_for(2, Duration::from_secs(5));
    let took = flushed.elapsed();
    assert_eq!(got.len(), 2, "delivered after the flush");
    assert_eq!(got[1]["subject"], "During the outage");
    assert!(took < Duration::from_secs(2), "delivered {took:?} after x");
    s.wait_for("last delivery", Duration::from_secs(5));
    drop(dir);
}

/// 5: details too long for the screen scroll to their end: 15 long recipients at 80x24,
/// and a body of many lines at 120x40.
#[test]
fn long_details_scroll_to_the_end_of_the_body() {
    if !crate::common::have(&[Tool::Tmux, Tool::Sqlite3]) {
        return;
    }
    let (dir, db) = fresh();
    dmsctl(dir.path(), &db, &["migrate"]);
    let to: Vec<String> = (1..=15)
        .map(|i| format!("recipient.with.a.long.name.{i:02}@departament-ksiegowosci.firma.pl"))
        .collect();
    let body: Vec<String> = (1..=30).map(|i| format!("body line {i:02}")).collect();
    sql(
        &db,
        &format!(
            "INSERT INTO process_mails (to_addrs, subject, body_text) VALUES ('{}', 'Long one', '{}');",
            to.join(", "),
            body.join("\n")
        ),
    );
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let s = Session::start("dmsctl-trust-details", dir.path(), &db, w, h);
        s.wait_for("Long one", Duration::from_secs(10));
        s.keys(&["Enter"]);
        s.wait_for("departament-ksiegowosci", Duration::from_secs(3));
        let first = s.screen();
        assert!(
            !first.contains("body line 30"),
            "{w}x{h}: not all fits:\n{first}"
        );
        // The rule says where the view is.
        assert!(first.contains("PgUp/PgDn"), "{first}");
        s.keys(&["G"]);
        s.wait_for("body line 30", Duration::from_secs(3));
        // Back up line by line: every part passes by, the subject included.
        let mut seen = String::new();
        for _ in 0..80 {
            s.keys(&["k"]);
            seen.push_str(&s.screen());
            if seen.contains("recipient.with.a.long.name.01") {
                break;
            }
        }
        for part in ["body line 01", "Long one", "recipient.with.a.long.name.15"] {
            assert!(seen.contains(part), "{w}x{h}: {part} never shown");
        }
        // q steps back to the list; it does not quit.
        s.keys(&["q"]);
        s.wait_for("Status", Duration::from_secs(3));
        assert!(s.screen().contains("Long one"));
    }
    drop(dir);
}

/// 6: a worker started beside a console that sends: the console's sender steps aside
/// (the header says so), every mail is sent by the worker alone; when the worker stops,
/// the console sends again.
#[test]
fn the_consoles_sender_steps_aside_for_a_worker() {
    if !crate::common::have(&[Tool::Tmux, Tool::Aiosmtpd, Tool::Sqlite3]) {
        return;
    }
    let (dir, db) = fresh();
    let server = Recorder::start(Tls::Plain, None, None);
    dmsctl(dir.path(), &db, &["migrate"]);
    let s = Session::start("dmsctl-trust-worker", dir.path(), &db, 140, 30);
    // A fresh install does not send, and the header says so.
    s.wait_for("this console off", Duration::from_secs(10));
    s.wait_for("sending is disabled", Duration::from_secs(5));
    send_to(dir.path(), &db, server.port);
    s.wait_for("this console sends", Duration::from_secs(10));

    let worker = Worker::start(dir.path(), &db, "w1");
    s.wait_for("this console waits", Duration::from_secs(15));
    s.wait_for("w1 sends", Duration::from_secs(5));
    insert_mails(&db, 50, "by worker");
    wait_until("50 delivered", Duration::from_secs(30), || {
        server.count() >= 50
    });
    let senders = sql(
        &db,
        "SELECT group_concat(DISTINCT sent_by) FROM process_mails WHERE status = 'sent'",
    );
    assert!(
        senders.starts_with("w1@") && !senders.contains(','),
        "only the worker sent: {senders}"
    );
    assert_eq!(server.count(), 50, "no mail twice");

    // The worker stops: the console sends again.
    worker.signal("-TERM");
    s.wait_for("this console sends", Duration::from_secs(15));
    insert_mails(&db, 1, "by console");
    wait_until("delivered by the console", Duration::from_secs(15), || {
        server.count() == 51
    });
    let by = sql(
        &db,
        "SELECT sent_by FROM process_mails WHERE subject = 'by console 1'",
    );
    assert!(by.starts_with("console"), "{by}");
    drop(worker);
    drop(dir);
}

/// 11: a worker killed with kill -9 while sending: within two missed heartbeats the
/// header marks it stale, its mail says when it goes back to pending, the work log
/// records it once.
#[test]
fn a_killed_worker_is_marked_stale_and_its_mail_comes_back() {
    if !crate::common::have(&[Tool::Tmux, Tool::Aiosmtpd, Tool::Sqlite3]) {
        return;
    }
    let (dir, db) = fresh();
    let server = FaultServer::start(&["--stall", "120"]);
    dmsctl(dir.path(), &db, &["migrate"]);
    send_to(dir.path(), &db, server.port);
    let worker = Worker::start(dir.path(), &db, "doomed");
    let s = Session::start("dmsctl-trust-stale", dir.path(), &db, 140, 30);
    s.wait_for("doomed sends", Duration::from_secs(15));
    sql(
        &db,
        "INSERT INTO process_mails (to_addrs, subject, body_text) VALUES ('jan@firma.pl', '[stall] stuck', 'x');",
    );
    wait_until("claimed by the worker", Duration::from_secs(10), || {
        sql(&db, "SELECT status FROM process_mails") == "sending"
    });
    wait_for_row(&s, "[stall] stuck", "sending", Duration::from_secs(5));
    worker.signal("-KILL");
    let killed = Instant::now();
    s.wait_for("✗ doomed stale", Duration::from_secs(20));
    let took = killed.elapsed();
    assert!(
        took < Duration::from_secs(16),
        "marked stale {took:?} after kill -9"
    );
    // The row says when the mail goes back to pending.
    s.wait_for("↺", Duration::from_secs(3));
    s.keys(&["3"]);
    s.wait_for("is stale: no heartbeat since", Duration::from_secs(5));
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        sql(
            &db,
            "SELECT count(*) FROM work_log_entries WHERE message LIKE 'sender doomed@% is stale%'"
        ),
        "1",
        "logged once"
    );
    let entry = sql(
        &db,
        "SELECT message FROM work_log_entries WHERE message LIKE 'sender doomed@% is stale%'",
    );
    assert!(entry.contains("its 1 claimed mails go back"), "{entry}");
    drop(worker);
    drop(dir);
}
