//! The sender against real SMTP servers: aiosmtpd (plain, STARTTLS, implicit TLS, AUTH,
//! per-recipient replies; MIME checked by Python's email parser), Postfix's smtp-sink
//! (4xx, 5xx, 421 + disconnect, stalls) and a recording sendmail script.

use crate::common::Tool;

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use crate::common::smtp::{
    Recorder, Sink, TestCa, Tls, account, free_port, run_once, save_account, test_config,
    with_login,
};
use crate::common::{Backend, TestDb, log_of, sender_log};
use dmsctl::queue::{MailQueue, MailStatus, NewAttachment, NewMail};
use dmsctl::sender::{Sender, SenderOptions};
use dmsctl::senders::SenderRegistry;
use dmsctl::settings::{Encryption, SendWith};
use dmsctl::time::now_ms;
use dmsctl::worklog::{Level, LogEntry};

async fn sqlite() -> TestDb {
    TestDb::new(Backend::Sqlite).await.unwrap()
}

fn mail(to: &[&str], subject: &str) -> NewMail {
    NewMail {
        to: to.iter().map(|s| s.to_string()).collect(),
        subject: subject.into(),
        body_text: format!("Treść: {subject}"),
        ..NewMail::default()
    }
}

fn sha256_hex(data: &[u8]) -> String {
    let out = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(data)?;
            c.wait_with_output()
        })
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivers_mime_intact_with_polish_text_and_attachments() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::SmtpSink]) {
        return;
    }
    let db = sqlite().await;
    let server = Recorder::start(Tls::Plain, None, None);
    let s = save_account(&db.store, &account(server.port, Encryption::None)).await;
    let q = MailQueue::new(db.store.clone());
    let pdf: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let csv = "kolumna;wartość\nżółw;1\n".as_bytes().to_vec();
    let id = q
        .enqueue(NewMail {
            to: vec![
                "Jan Żółć <jan@firma.pl>".into(),
                "\"Kowalska, Anna\" <anna@firma.pl>".into(),
            ],
            cc: vec!["Łukasz <cc@firma.pl>".into()],
            bcc: vec!["ukryty@firma.pl".into()],
            subject: "Zażółć gęślą jaźń — dokument 17/2026".into(),
            body_text: "Dzień dobry,\nproszę o akceptację.\nŁódź, śródmieście".into(),
            body_html: Some("<p>Dzień dobry, <b>proszę</b></p>".into()),
            attachments: vec![
                NewAttachment {
                    file_name: "faktura_żółć.pdf".into(),
                    content_type: "application/pdf".into(),
                    data: pdf.clone(),
                },
                NewAttachment {
                    file_name: "Zestawienie – wrzesień.csv".into(),
                    content_type: "text/csv".into(),
                    data: csv.clone(),
                },
                NewAttachment {
                    file_name: "zero.bin".into(),
                    content_type: "application/octet-stream".into(),
                    data: vec![0, 0, 255, 13, 10, 46],
                },
            ],
            ..NewMail::default()
        })
        .await
        .unwrap();
    let summary = run_once(&db.store, &s, &test_config()).await;
    assert_eq!(summary.sent, 1, "{summary:?}");

    let got = server.received(1);
    let m = &got[0];
    assert_eq!(m["subject"], "Zażółć gęślą jaźń — dokument 17/2026");
    assert_eq!(m["from_display_name"], "Obieg dokumentów – Łódź");
    assert_eq!(m["mail_from"], "dms@firma.pl");
    assert_eq!(
        m["to_display_names"],
        serde_json::json!(["Jan Żółć", "Kowalska, Anna"])
    );
    assert_eq!(m["cc"], serde_json::json!(["Łukasz <cc@firma.pl>"]));
    assert_eq!(m["reply_to"], "biuro@firma.pl");
    assert_eq!(m["bcc_header"], false, "Bcc is not a header");
    let rcpts: HashSet<&str> = m["rcpt_tos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        rcpts,
        HashSet::from([
            "jan@firma.pl",
            "anna@firma.pl",
            "cc@firma.pl",
            "ukryty@firma.pl"
        ])
    );
    // Text travels in canonical form, CRLF line ends.
    assert_eq!(
        m["text"].as_str().unwrap().replace("\r\n", "\n").trim_end(),
        "Dzień dobry,\nproszę o akceptację.\nŁódź, śródmieście"
    );
    assert!(m["html"].as_str().unwrap().contains("<b>proszę</b>"));
    let atts = m["attachments"].as_array().unwrap();
    assert_eq!(atts.len(), 3);
    assert_eq!(atts[0]["file_name"], "faktura_żółć.pdf");
    assert_eq!(atts[0]["content_type"], "application/pdf");
    assert_eq!(atts[0]["sha256"], sha256_hex(&pdf));
    assert_eq!(atts[1]["file_name"], "Zestawienie – wrzesień.csv");
    assert_eq!(atts[1]["sha256"], sha256_hex(&csv));
    assert_eq!(atts[2]["sha256"], sha256_hex(&[0, 0, 255, 13, 10, 46]));

    let row = q.detail(id).await.unwrap().mail;
    assert_eq!(row.status, MailStatus::Sent);
    assert_eq!(row.message_id.as_deref(), m["message_id"].as_str());
    assert!(
        row.smtp_reply.as_deref().unwrap().starts_with("250"),
        "{:?}",
        row.smtp_reply
    );
    assert!(
        log_of(&db, id)
            .await
            .iter()
            .any(|e| e.message == "delivered")
    );
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_and_implicit_tls_with_a_private_ca() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::SmtpSink]) {
        return;
    }
    let ca = TestCa::new();
    for (tls, encryption) in [
        (Tls::Starttls, Encryption::Starttls),
        (Tls::Starttls, Encryption::Auto),
        (Tls::Implicit, Encryption::Ssl),
    ] {
        let db = sqlite().await;
        let server = Recorder::start(tls, Some(&ca), None);
        let s = save_account(&db.store, &account(server.port, encryption)).await;
        let q = MailQueue::new(db.store.clone());
        let id = q.enqueue(mail(&["jan@firma.pl"], "tls")).await.unwrap();

        // Without the CA the certificate is not trusted: the mail waits, with a hint.
        let summary = run_once(&db.store, &s, &test_config()).await;
        assert_eq!(summary.rescheduled, 1, "{encryption:?}: {summary:?}");
        let entry = log_of(&db, id)
            .await
            .into_iter()
            .find(|e| e.level == Level::Warn)
            .unwrap();
        assert!(
            entry.detail.as_deref().unwrap().contains("tls_ca_file"),
            "{encryption:?}: {entry:?}"
        );
        assert_eq!(server.count(), 0);

        let mut config = test_config();
        config.sender.tls_ca_file = Some(ca.ca());
        q.act(dmsctl::queue::MailAction::Retry, &[id], "tester")
            .await
            .unwrap();
        let summary = run_once(&db.store, &s, &config).await;
        assert_eq!(summary.sent, 1, "{encryption:?}: {summary:?}");
        assert_eq!(server.received(1)[0]["tls"], true);
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepting_invalid_certificates_works_and_says_it_is_insecure() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::SmtpSink]) {
        return;
    }
    let ca = TestCa::new();
    let db = sqlite().await;
    let server = Recorder::start(Tls::Implicit, Some(&ca), None);
    let s = save_account(&db.store, &account(server.port, Encryption::Ssl)).await;
    MailQueue::new(db.store.clone())
        .enqueue(mail(&["jan@firma.pl"], "x"))
        .await
        .unwrap();
    let mut config = test_config();
    config.sender.tls_accept_invalid_certs = true;
    assert_eq!(run_once(&db.store, &s, &config).await.sent, 1);
    assert!(
        sender_log(&db)
            .await
            .iter()
            .any(|e| e.message.contains("INSECURE"))
    );
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_and_password_and_a_wrong_password() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::SmtpSink]) {
        return;
    }
    let db = sqlite().await;
    let server = Recorder::start(Tls::Plain, None, Some("dms:Tajne-Hasło-1"));
    let q = MailQueue::new(db.store.clone());
    let wrong = save_account(
        &db.store,
        &with_login(account(server.port, Encryption::None), "dms", "zle"),
    )
    .await;
    let ids = q
        .enqueue_batch(&[
            mail(&["a@firma.pl"], "1"),
            mail(&["b@firma.pl"], "2"),
            mail(&["c@firma.pl"], "3"),
        ])
        .await
        .unwrap();
    let mut config = test_config();
    config.sender.concurrency = 1;
    let summary = run_once(&db.store, &wrong, &config).await;
    // One attempt for the connection; the other mails claimed with it go back untried.
    assert_eq!(
        (summary.rescheduled, summary.released, summary.sent),
        (1, 2, 0),
        "{summary:?}"
    );
    let attempts: Vec<i32> = futures_attempts(&q, &ids).await;
    assert_eq!(attempts.iter().sum::<i32>(), 1, "{attempts:?}");
    let errors: Vec<LogEntry> = sender_log(&db)
        .await
        .into_iter()
        .filter(|e| e.level != Level::Info)
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.detail.as_deref().unwrap_or("").contains("535")
                && e.detail.as_deref().unwrap_or("").contains("app password")),
        "{errors:?}"
    );

    wrong
        .update(&with_login(
            account(server.port, Encryption::None),
            "dms",
            "Tajne-Hasło-1",
        ))
        .await;
    let right = wrong;
    for id in &ids {
        q.act(dmsctl::queue::MailAction::Retry, &[*id], "tester")
            .await
            .unwrap();
    }
    let summary = run_once(&db.store, &right, &config).await;
    assert_eq!(summary.sent, 3, "{summary:?}");
    assert_eq!(server.received(3)[0]["auth_user"], "dms");
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_plain_and_auth_login_each_on_their_own() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::SmtpSink]) {
        return;
    }
    for mechanism in ["PLAIN", "LOGIN"] {
        let db = sqlite().await;
        let server = Recorder::start_with(
            Tls::Plain,
            None,
            Some("dms@firma.pl:Hasło ąę 1"),
            Some(mechanism),
        );
        let s = save_account(
            &db.store,
            &with_login(
                account(server.port, Encryption::None),
                "dms@firma.pl",
                "Hasło ąę 1",
            ),
        )
        .await;
        MailQueue::new(db.store.clone())
            .enqueue(mail(&["a@firma.pl"], mechanism))
            .await
            .unwrap();
        let summary = run_once(&db.store, &s, &test_config()).await;
        assert_eq!(summary.sent, 1, "{mechanism}: {summary:?}");
        assert_eq!(
            server.received(1)[0]["auth_user"],
            "dms@firma.pl",
            "{mechanism}"
        );
        db.finish().await;
    }
}

async fn futures_attempts(q: &MailQueue, ids: &[i64]) -> Vec<i32> {
    let mut out = Vec::new();
    for id in ids {
        out.push(q.detail(*id).await.unwrap().mail.attempts);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bad_recipient_does_not_cost_the_others_their_mail() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::SmtpSink]) {
        return;
    }
    let db = sqlite().await;
    let server = Recorder::start(Tls::Plain, None, None);
    let s = save_account(&db.store, &account(server.port, Encryption::None)).await;
    let q = MailQueue::new(db.store.clone());
    let partial = q
        .enqueue(mail(
            &["ok@firma.pl", "reject.me@firma.pl", "ok2@firma.pl"],
            "partial",
        ))
        .await
        .unwrap();
    let summary = run_once(&db.store, &s, &test_config()).await;
    assert_eq!(summary.sent, 1);
    let got = server.received(1);
    assert_eq!(
        got[0]["rcpt_tos"],
        serde_json::json!(["ok@firma.pl", "ok2@firma.pl"])
    );
    let row = q.detail(partial).await.unwrap().mail;
    assert_eq!(row.status, MailStatus::Sent);
    assert!(
        row.last_error
            .as_deref()
            .unwrap()
            .contains("reject.me@firma.pl"),
        "{:?}",
        row.last_error
    );
    let log = log_of(&db, partial).await;
    let e = log.iter().find(|e| e.level == Level::Error).unwrap();
    assert!(
        e.message.contains("reject.me@firma.pl") && e.detail.as_deref().unwrap().starts_with("550"),
        "{e:?}"
    );

    // A recipient refused for now defers the whole mail: nobody gets it twice.
    let deferred = q
        .enqueue(mail(&["ok@firma.pl", "later@firma.pl"], "deferred"))
        .await
        .unwrap();
    let summary = run_once(&db.store, &s, &test_config()).await;
    assert_eq!(summary.rescheduled, 1, "{summary:?}");
    assert_eq!(server.count(), 1);
    let row = q.detail(deferred).await.unwrap().mail;
    assert_eq!(row.status, MailStatus::Pending);
    assert!(
        row.last_error
            .as_deref()
            .unwrap()
            .contains("later@firma.pl")
    );

    // Everybody refused for good: failed at once.
    let hopeless = q
        .enqueue(mail(&["reject1@firma.pl", "reject2@firma.pl"], "hopeless"))
        .await
        .unwrap();
    let summary = run_once(&db.store, &s, &test_config()).await;
    assert_eq!(summary.failed, 1, "{summary:?}");
    let row = q.detail(hopeless).await.unwrap().mail;
    assert_eq!((row.status, row.attempts), (MailStatus::Failed, 1));
    assert!(
        row.last_error
            .as_deref()
            .unwrap()
            .contains("reject2@firma.pl")
    );
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temporary_and_permanent_replies_from_smtp_sink() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::SmtpSink]) {
        return;
    }
    // 4xx on RCPT: rescheduled about retry_initial later.
    let db = sqlite().await;
    let sink = Sink::start(&["-r", "rcpt"]);
    let s = save_account(&db.store, &account(sink.port, Encryption::None)).await;
    let q = MailQueue::new(db.store.clone());
    let id = q.enqueue(mail(&["a@firma.pl"], "soft")).await.unwrap();
    let before = now_ms();
    let summary = run_once(&db.store, &s, &test_config()).await;
    assert_eq!(summary.rescheduled, 1, "{summary:?}");
    let row = q.detail(id).await.unwrap().mail;
    assert_eq!((row.status, row.attempts), (MailStatus::Pending, 1));
    let wait = row.next_attempt_at - before;
    assert!((45_000..=75_000).contains(&wait), "60 s ± 20 %: {wait}");
    let warn = log_of(&db, id)
        .await
        .into_iter()
        .find(|e| e.level == Level::Warn)
        .unwrap();
    assert!(warn.detail.as_deref().unwrap().starts_with('4'), "{warn:?}");
    db.finish().await;

    // 5xx on DATA: failed after one attempt.
    let db = sqlite().await;
    let sink = Sink::start(&["-f", "data"]);
    let s = save_account(&db.store, &account(sink.port, Encryption::None)).await;
    let q = MailQueue::new(db.store.clone());
    let id = q.enqueue(mail(&["a@firma.pl"], "hard")).await.unwrap();
    assert_eq!(run_once(&db.store, &s, &test_config()).await.failed, 1);
    let row = q.detail(id).await.unwrap().mail;
    assert_eq!((row.status, row.attempts), (MailStatus::Failed, 1));
    assert!(
        row.last_error.as_deref().unwrap().contains("DATA"),
        "{:?}",
        row.last_error
    );
    db.finish().await;

    // Past max_queue_lifetime a temporary failure is final.
    let db = sqlite().await;
    let sink = Sink::start(&["-r", "rcpt"]);
    let s = save_account(&db.store, &account(sink.port, Encryption::None)).await;
    let q = MailQueue::new(db.store.clone());
    let id = q.enqueue(mail(&["a@firma.pl"], "old")).await.unwrap();
    let mut config = test_config();
    config.sender.max_queue_lifetime = Duration::from_secs(30);
    assert_eq!(run_once(&db.store, &s, &config).await.failed, 1);
    let row = q.detail(id).await.unwrap().mail;
    assert!(
        row.last_error
            .as_deref()
            .unwrap()
            .contains("gave up after 1 attempts"),
        "{:?}",
        row.last_error
    );
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_421_or_an_unreachable_server_costs_one_attempt_per_connection() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::SmtpSink]) {
        return;
    }
    for case in ["421", "unreachable"] {
        let db = sqlite().await;
        let sink = (case == "421").then(|| Sink::start(&["-Q", "mail"]));
        let port = sink.as_ref().map(|s| s.port).unwrap_or_else(free_port);
        let s = save_account(&db.store, &account(port, Encryption::None)).await;
        let q = MailQueue::new(db.store.clone());
        let batch: Vec<NewMail> = (0..6)
            .map(|i| mail(&["a@firma.pl"], &format!("m{i}")))
            .collect();
        let ids = q.enqueue_batch(&batch).await.unwrap();
        let mut config = test_config();
        config.sender.concurrency = 2;
        let summary = run_once(&db.store, &s, &config).await;
        // One attempt per connection (two); the other mails go back untried and
        // nothing more is claimed while the destination backs off.
        assert!(
            summary.rescheduled >= 1 && summary.rescheduled <= 2,
            "{case}: {summary:?}"
        );
        assert_eq!(summary.sent + summary.failed, 0, "{case}: {summary:?}");
        let attempts = futures_attempts(&q, &ids).await;
        assert_eq!(
            attempts.iter().sum::<i32>() as u64,
            summary.rescheduled,
            "{case}: {attempts:?}"
        );
        for id in &ids {
            let m = q.detail(*id).await.unwrap().mail;
            assert_eq!(m.status, MailStatus::Pending);
            if m.attempts > 0 {
                assert!(
                    m.next_attempt_at > now_ms() + 30_000,
                    "{case}: mail {id} due too soon"
                );
            } else {
                assert!(m.last_error.is_none(), "{case}: untried mail {id} touched");
            }
        }
        let errors: Vec<LogEntry> = sender_log(&db)
            .await
            .into_iter()
            .filter(|e| e.level == Level::Error)
            .collect();
        assert!(
            errors.iter().any(|e| e.message.contains("waiting")),
            "{case}: {errors:?}"
        );
        if case == "unreachable" {
            let w = log_of(&db, ids[0]).await;
            let all: Vec<LogEntry> = sender_log(&db).await;
            assert!(
                all.iter().chain(w.iter()).any(|e| e
                    .detail
                    .as_deref()
                    .unwrap_or("")
                    .contains("nothing listens")),
                "{all:?}"
            );
        }
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_server_times_out() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::SmtpSink]) {
        return;
    }
    let db = sqlite().await;
    let sink = Sink::start(&["-w", "5"]);
    let s = save_account(&db.store, &account(sink.port, Encryption::None)).await;
    let q = MailQueue::new(db.store.clone());
    let id = q.enqueue(mail(&["a@firma.pl"], "slow")).await.unwrap();
    let mut config = test_config();
    config.sender.smtp_timeout = Duration::from_secs(1);
    let started = std::time::Instant::now();
    let summary = run_once(&db.store, &s, &config).await;
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(summary.rescheduled, 1, "{summary:?}");
    let row = q.detail(id).await.unwrap().mail;
    assert!(
        row.last_error
            .as_deref()
            .unwrap()
            .contains("no answer within 1s"),
        "{:?}",
        row.last_error
    );
    db.finish().await;
}

fn sendmail_script(dir: &std::path::Path) -> PathBuf {
    let script = dir.join("sendmail");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nD={}\nn=$(ls \"$D\" | grep -c '^args' )\necho \"$@\" > \"$D/args$n\"\ncat > \"$D/msg$n\"\nexit $(cat \"$D/exit_code\" 2>/dev/null || echo 0)\n",
            dir.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sendmail_mode_pipes_to_the_local_binary() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::SmtpSink]) {
        return;
    }
    let db = sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let script = sendmail_script(dir.path());
    let mut acct = account(1, Encryption::None);
    acct.send_with = SendWith::Sendmail;
    acct.sendmail_path = script.display().to_string();
    let s = save_account(&db.store, &acct).await;
    let q = MailQueue::new(db.store.clone());
    let id = q
        .enqueue(mail(
            &["Jan <jan@firma.pl>", "ola@firma.pl"],
            "Zażółć przez sendmail",
        ))
        .await
        .unwrap();
    assert_eq!(run_once(&db.store, &s, &test_config()).await.sent, 1);
    let args = std::fs::read_to_string(dir.path().join("args0")).unwrap();
    assert_eq!(
        args.trim(),
        "-i -f dms@firma.pl -- jan@firma.pl ola@firma.pl"
    );
    let msg = std::fs::read_to_string(dir.path().join("msg0")).unwrap();
    assert!(msg.contains("Subject: =?utf-8?"), "{msg}");
    assert!(!msg.contains("\r\n"), "Unix line ends for the local MTA");
    assert_eq!(q.detail(id).await.unwrap().mail.status, MailStatus::Sent);

    // EX_TEMPFAIL: try later. EX_NOUSER: failed.
    for (code, status) in [("75", MailStatus::Pending), ("67", MailStatus::Failed)] {
        std::fs::write(dir.path().join("exit_code"), code).unwrap();
        let id = q.enqueue(mail(&["jan@firma.pl"], code)).await.unwrap();
        run_once(&db.store, &s, &test_config()).await;
        let row = q.detail(id).await.unwrap().mail;
        assert_eq!(row.status, status, "exit {code}");
        assert!(
            row.last_error
                .as_deref()
                .unwrap()
                .contains(&format!("exited with {code}"))
        );
    }
    db.finish().await;
}

/// The console's own sender gives way to a live `dmsctl worker` (both used to claim
/// mail, doubling the connections), but not to another console's sender.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consoles_sender_gives_way_to_a_live_worker() {
    if !crate::common::have(&[Tool::Aiosmtpd]) {
        return;
    }
    let db = sqlite().await;
    let server = Recorder::start(Tls::Plain, None, None);
    let s = save_account(&db.store, &account(server.port, Encryption::None)).await;
    let q = MailQueue::new(db.store.clone());
    let id = q.enqueue(mail(&["a@firma.pl"], "x")).await.unwrap();
    let registry = SenderRegistry::new(db.store.clone());
    let register = |id: &str| {
        let row = dmsctl::model::RegisteredSender {
            id: id.into(),
            host: "app02".into(),
            pid: 1,
            started_at: dmsctl::time::now_ms(),
            heartbeat_at: dmsctl::time::now_ms(),
            paused: false,
            state: None,
        };
        let registry = registry.clone();
        async move { registry.register(&row, "incarnation").await.unwrap() }
    };
    let console_once = || async {
        let sender = Sender::new(
            db.store.clone(),
            s.settings.clone(),
            &test_config(),
            SenderOptions {
                id: format!("{}app01:7", dmsctl::sender::CONSOLE_SENDER_PREFIX),
                concurrency: 1,
                once: true,
            },
        )
        .yielding(true);
        let (_stop, stopped) = tokio::sync::watch::channel(false);
        sender.run(stopped).await.unwrap()
    };
    // Another console is no reason to wait.
    register("console:app03:9").await;
    // A worker is.
    register("worker-app02").await;
    assert_eq!(console_once().await.sent, 0, "gave way");
    assert_eq!(q.detail(id).await.unwrap().mail.attempts, 0, "untouched");
    assert!(
        sender_log(&db)
            .await
            .iter()
            .any(|e| e.message.contains("sender worker-app02@app02 is sending")),
        "said why"
    );
    registry
        .unregister("worker-app02", "incarnation")
        .await
        .unwrap();
    assert_eq!(
        console_once().await.sent,
        1,
        "sends once the worker is gone"
    );
    drop(server);
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_after_sending_disabled_and_paused() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::SmtpSink]) {
        return;
    }
    let db = sqlite().await;
    let server = Recorder::start(Tls::Plain, None, None);
    let mut acct = account(server.port, Encryption::None);
    acct.enabled = false;
    let s = save_account(&db.store, &acct).await;
    let q = MailQueue::new(db.store.clone());
    let id = q.enqueue(mail(&["a@firma.pl"], "x")).await.unwrap();

    // Disabled: the mail stays pending, untouched.
    let summary = run_once(&db.store, &s, &test_config()).await;
    assert_eq!(summary, Default::default());
    assert_eq!(q.detail(id).await.unwrap().mail.attempts, 0);
    assert!(
        sender_log(&db)
            .await
            .iter()
            .any(|e| e.message.contains("disabled"))
    );

    // Paused: the same.
    acct.enabled = true;
    s.update(&acct).await;
    SenderRegistry::new(db.store.clone())
        .set_paused(true, "tester")
        .await
        .unwrap();
    assert_eq!(
        run_once(&db.store, &s, &test_config()).await,
        Default::default()
    );
    // Logged once, by whoever paused, not again by every sender that sees it.
    assert!(
        run_once(&db.store, &s, &test_config()).await == Default::default(),
        "still paused"
    );
    let pause_lines: Vec<_> = dmsctl::worklog::WorkLog::new(db.store.clone())
        .entries(&dmsctl::worklog::LogFilter {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.message.contains("paused"))
        .map(|e| e.message)
        .collect();
    assert_eq!(pause_lines, ["sending paused by tester"]);
    SenderRegistry::new(db.store.clone())
        .set_paused(false, "tester")
        .await
        .unwrap();

    // Delete after sending.
    let mut config = test_config();
    config.delete_mails_after_sending = true;
    assert_eq!(run_once(&db.store, &s, &config).await.sent, 1);
    assert!(q.detail(id).await.is_err(), "deleted");
    assert!(q.attachments(id).await.unwrap().is_empty());
    assert_eq!(
        log_of(&db, id).await[0].message,
        "delivered; deleted after sending"
    );
    assert_eq!(server.count(), 1);
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_are_renewed_while_a_slow_server_takes_its_time() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::SmtpSink]) {
        return;
    }
    let db = sqlite().await;
    let sink = Sink::start(&["-w", "7"]);
    let s = save_account(&db.store, &account(sink.port, Encryption::None)).await;
    let q = MailQueue::new(db.store.clone());
    let id = q.enqueue(mail(&["a@firma.pl"], "slow")).await.unwrap();
    let mut config = test_config();
    config.sender.lease_seconds = 5;
    config.sender.smtp_timeout = Duration::from_secs(20);
    let sender = Sender::new(
        db.store.clone(),
        s.settings.clone(),
        &config,
        SenderOptions {
            id: "slow-sender".into(),
            concurrency: 1,
            once: true,
        },
    );
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move { sender.run(stopped).await });
    tokio::time::sleep(Duration::from_millis(6_000)).await;
    // Past the first lease: renewed, so nobody else may take the mail.
    let other = q.claim("thief", 10, Duration::from_secs(60)).await.unwrap();
    assert!(other.is_empty(), "the lease was not renewed");
    let row = q.detail(id).await.unwrap().mail;
    assert_eq!(row.claimed_by.as_deref(), Some("slow-sender"));
    assert!(row.lease_until.unwrap() > now_ms());
    let summary = task.await.unwrap().unwrap();
    assert_eq!(summary.sent, 1);
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_changes_apply_without_a_restart_and_sigterm_style_stop() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::SmtpSink]) {
        return;
    }
    let db = sqlite().await;
    let first = Recorder::start(Tls::Plain, None, None);
    let second = Recorder::start(Tls::Plain, None, None);
    let s = save_account(&db.store, &account(first.port, Encryption::None)).await;
    let q = MailQueue::new(db.store.clone());
    let sender = Sender::new(
        db.store.clone(),
        s.settings.clone(),
        &test_config(),
        SenderOptions {
            id: "long-runner".into(),
            concurrency: 2,
            once: false,
        },
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move { sender.run(stopped).await });
    q.enqueue(mail(&["a@firma.pl"], "to the first"))
        .await
        .unwrap();
    let got = first.received(1).len();
    if got == 0 && task.is_finished() {
        panic!("the sender stopped: {:?}", task.await);
    }
    assert_eq!(got, 1);
    s.update(&account(second.port, Encryption::None)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    q.enqueue(mail(&["a@firma.pl"], "to the second"))
        .await
        .unwrap();
    let got = second.received(1).len();
    if got == 0 {
        for e in sender_log(&db).await {
            eprintln!("{} {} {:?} {:?}", e.level, e.message, e.mail_id, e.detail);
        }
        for m in q.page(&Default::default()).await.unwrap() {
            eprintln!("{m:?}");
        }
    }
    assert_eq!(got, 1, "the new server got the mail");
    assert_eq!(first.count(), 1);
    // Registered while running, gone after the stop.
    assert!(
        db.store
            .senders()
            .await
            .unwrap()
            .iter()
            .any(|r| r.id == "long-runner")
    );
    stop.send(true).unwrap();
    let summary = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(summary.sent, 2);
    assert!(db.store.senders().await.unwrap().is_empty());
    db.finish().await;
}

/// Several senders on a shared PostgreSQL queue deliver every mail exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn senders_sharing_a_postgres_queue_deliver_each_mail_once() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::SmtpSink]) {
        return;
    }
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let server = Recorder::start(Tls::Plain, None, None);
    let s = save_account(&db.store, &account(server.port, Encryption::None)).await;
    let q = MailQueue::new(db.store.clone());
    let batch: Vec<NewMail> = (0..60)
        .map(|i| mail(&[&format!("u{i}@firma.pl")], &format!("m{i}")))
        .collect();
    q.enqueue_batch(&batch).await.unwrap();
    let mut config = test_config();
    config.sender.batch_size = 4;
    let mut tasks = Vec::new();
    for name in ["host-a", "host-b", "host-c"] {
        let store = dmsctl::store::Store::open(&db.url).await.unwrap();
        let sender = Sender::new(
            store,
            s.settings.clone(),
            &config,
            SenderOptions {
                id: name.into(),
                concurrency: 2,
                once: true,
            },
        );
        tasks.push(tokio::spawn(async move {
            let (_stop, stopped) = tokio::sync::watch::channel(false);
            sender.run(stopped).await.unwrap()
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap().sent;
    }
    assert_eq!(total, 60);
    let got = server.received(60);
    let rcpts: HashSet<String> = got
        .iter()
        .map(|m| m["rcpt_tos"][0].as_str().unwrap().to_string())
        .collect();
    assert_eq!((got.len(), rcpts.len()), (60, 60), "each mail exactly once");
    assert_eq!(server.count(), 60);
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_never_goes_out_unencrypted_unless_allowed() {
    if !crate::common::have(&[Tool::Aiosmtpd, Tool::SmtpSink]) {
        return;
    }
    let db = sqlite().await;
    let server = Recorder::start(Tls::Plain, None, Some("dms:Tajne-Hasło-1"));
    let q = MailQueue::new(db.store.clone());
    let mut config = test_config();
    config.sender.allow_plaintext_auth = false;
    config.sender.concurrency = 1;
    let s = save_account(&db.store, &account(server.port, Encryption::None)).await;
    for encryption in [Encryption::None, Encryption::Auto] {
        s.update(&with_login(
            account(server.port, encryption),
            "dms",
            "Tajne-Hasło-1",
        ))
        .await;
        let id = q.enqueue(mail(&["a@firma.pl"], "secret")).await.unwrap();
        let summary = run_once(&db.store, &s, &config).await;
        assert_eq!(summary.sent, 0, "{encryption:?}: {summary:?}");
        assert_eq!(server.count(), 0, "nothing reached the server");
        let row = q.detail(id).await.unwrap().mail;
        assert!(
            row.last_error
                .as_deref()
                .unwrap_or("")
                .contains("unencrypted"),
            "{:?}",
            row.last_error
        );
        assert!(
            sender_log(&db).await.iter().any(|e| e
                .detail
                .as_deref()
                .unwrap_or("")
                .contains("allow_plaintext_auth")),
            "the hint names the setting"
        );
        // The connection check says the same, and for `auto` that it fell back.
        let oauth = dmsctl::oauth::OAuth::new(db.store.clone(), s.settings.clone(), &config.oauth);
        let report = dmsctl::sender::check::check(
            &with_login(account(server.port, encryption), "dms", "Tajne-Hasło-1"),
            &config.sender,
            &oauth,
        )
        .await;
        assert!(!report.passed(), "{encryption:?}: {report:?}");
        if encryption == Encryption::Auto {
            assert!(
                report
                    .steps
                    .iter()
                    .any(|s| s.state == dmsctl::sender::check::StepState::Warning),
                "{report:?}"
            );
        }
        q.act(dmsctl::queue::MailAction::Delete, &[id], "tester")
            .await
            .unwrap();
    }
    // Allowed explicitly, it logs in.
    config.sender.allow_plaintext_auth = true;
    s.update(&with_login(
        account(server.port, Encryption::None),
        "dms",
        "Tajne-Hasło-1",
    ))
    .await;
    q.enqueue(mail(&["a@firma.pl"], "allowed")).await.unwrap();
    assert_eq!(run_once(&db.store, &s, &config).await.sent, 1);
    db.finish().await;
}
