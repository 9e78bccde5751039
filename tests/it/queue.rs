//! Queue operations on both backends against real databases.

use crate::common::Tool;

use std::collections::HashSet;
use std::time::Duration;

use crate::common::TestDb;
use dmsctl::queue::{
    Cursor, Filter, MailAction, MailOutcome, MailQuery, MailQueue, MailStatus, NewAttachment,
    NewMail, OutcomeRecord, StatusFilter, StoredFailure,
};
use dmsctl::store::Store;
use dmsctl::time::now_ms;
use dmsctl::worklog::{Level, LogFilter};

both_backends!(
    enqueue_round_trips_attachments_byte_exactly,
    invalid_mail_is_refused_and_nothing_stored,
    claim_renew_and_outcomes,
    concurrent_claimers_never_share_a_mail,
    expired_lease_is_reclaimed_and_stale_owner_loses,
    actions_apply_to_all_or_none,
    releasing_a_mail_that_is_not_held_is_refused,
    retry_requeues_failed_and_archived,
    purge_removes_only_old_archived,
    anonymize_replaces_personal_data_of_old_archived_only,
    keyset_pages_cover_everything_once,
    search_matches_text_and_ids_literally,
    counts_and_queue_shape,
    change_feed_sees_other_processes,
);

/// Records the outcome of one claim; returns, as `record` does, whether it applied.
async fn record_one(
    q: &MailQueue,
    owner: &str,
    id: i64,
    attempt: i32,
    outcome: MailOutcome,
) -> Vec<bool> {
    q.record(
        owner,
        &[OutcomeRecord {
            id,
            attempt,
            outcome,
        }],
    )
    .await
    .unwrap()
}

fn mail(to: &str, subject: &str) -> NewMail {
    NewMail {
        to: vec![to.to_string()],
        subject: subject.to_string(),
        body_text: format!("body of {subject}"),
        ..NewMail::default()
    }
}

fn failure(msg: &str) -> StoredFailure {
    StoredFailure {
        message: msg.into(),
        detail: Some(format!("451 4.3.0 {msg}")),
    }
}

fn sent(delete: bool) -> MailOutcome {
    MailOutcome::Sent {
        message_id: Some("<1@test>".into()),
        reply: "250 2.0.0 Ok: queued".into(),
        delete,
        rejected: Vec::new(),
    }
}

async fn enqueue_round_trips_attachments_byte_exactly(db: &TestDb) {
    let q = MailQueue::new(db.store.clone());
    let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let attachments = vec![
        NewAttachment {
            file_name: "faktura_łódź_żółć.pdf".into(),
            content_type: "application/pdf".into(),
            data: binary.clone(),
        },
        NewAttachment {
            file_name: "Zestawienie – wrzesień.csv".into(),
            content_type: "text/csv".into(),
            data: "kolumna;wartość\ną;1\n".as_bytes().to_vec(),
        },
        NewAttachment {
            file_name: "empty.bin".into(),
            content_type: "application/octet-stream".into(),
            data: vec![0, 0, 0xff, 0],
        },
    ];
    let id = q
        .enqueue(NewMail {
            to: vec!["\"Kowalski, Jan\" <jan@firma.pl>".into(), "ala@x.pl".into()],
            cc: vec!["cc@x.pl".into()],
            bcc: vec!["bcc@x.pl".into()],
            reply_to: Some("odp@firma.pl".into()),
            subject: "Zażółć gęślą jaźń".into(),
            body_text: "Treść".into(),
            body_html: Some("<p>Treść</p>".into()),
            attachments: attachments.clone(),
            ..NewMail::default()
        })
        .await
        .unwrap();

    let stored = q.attachments(id).await.unwrap();
    assert_eq!(stored.len(), 3);
    for (a, b) in stored.iter().zip(&attachments) {
        assert_eq!(a.file_name, b.file_name);
        assert_eq!(a.content_type, b.content_type);
        assert_eq!(a.data, b.data, "bytes of {}", b.file_name);
    }
    let detail = q.detail(id).await.unwrap();
    assert_eq!(detail.mail.subject, "Zażółć gęślą jaźń");
    assert_eq!(
        detail.mail.to_list(),
        ["\"Kowalski, Jan\" <jan@firma.pl>", "ala@x.pl"]
    );
    assert_eq!(detail.mail.bcc_list(), ["bcc@x.pl"]);
    assert_eq!(
        detail
            .attachments
            .iter()
            .map(|a| a.size)
            .collect::<Vec<_>>(),
        [70_000, "kolumna;wartość\ną;1\n".len() as i64, 4]
    );
    let page = q.page(&MailQuery::default()).await.unwrap();
    assert_eq!(page[0].attachment_count, 3);
    let body_bytes = ("Treść".len() + "<p>Treść</p>".len()) as i64;
    let attachment_bytes: i64 = attachments.iter().map(|a| a.data.len() as i64).sum();
    assert_eq!(page[0].size, attachment_bytes + body_bytes);
}

async fn invalid_mail_is_refused_and_nothing_stored(db: &TestDb) {
    let q = MailQueue::new(db.store.clone());
    let good = mail("a@x.pl", "ok");
    let bad = NewMail {
        to: vec!["a@x.pl".into(), "not-an-address".into()],
        ..mail("a@x.pl", "bad")
    };
    let err = q.enqueue_batch(&[good, bad]).await.unwrap_err();
    assert!(err.is_user_error());
    assert!(err.to_string().contains("to: `not-an-address`"), "{err}");
    assert_eq!(q.counts().await.unwrap().total(), 0);
}

async fn claim_renew_and_outcomes(db: &TestDb) {
    let q = MailQueue::new(db.store.clone());
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(q.enqueue(mail("a@x.pl", &format!("m{i}"))).await.unwrap());
    }
    // A mail due later is not claimed.
    let later = q
        .enqueue(NewMail {
            not_before: Some(now_ms() + 3_600_000),
            ..mail("a@x.pl", "later")
        })
        .await
        .unwrap();
    // A held mail is not claimed.
    q.act(MailAction::Hold, &[ids[4]], "tester").await.unwrap();

    let claimed = q.claim("s1", 10, Duration::from_secs(60)).await.unwrap();
    let got: Vec<i64> = claimed.iter().map(|c| c.mail.id).collect();
    assert_eq!(got, ids[..4].to_vec());
    assert!(claimed.iter().all(|c| c.attempt == 1));
    assert!(!got.contains(&later));
    assert_eq!(q.counts().await.unwrap().sending, 4);
    assert!(
        q.claim("s2", 10, Duration::from_secs(60))
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(
        q.renew("s1", &got, Duration::from_secs(120)).await.unwrap(),
        4
    );
    assert_eq!(
        q.renew("intruder", &got, Duration::from_secs(120))
            .await
            .unwrap(),
        0
    );
    let lease = q.detail(got[0]).await.unwrap().mail.lease_until.unwrap();
    assert!(lease > now_ms() + 100_000);

    let retry_at = now_ms() + 300_000;
    let records = vec![
        OutcomeRecord {
            id: got[0],
            attempt: 1,
            outcome: sent(false),
        },
        OutcomeRecord {
            id: got[1],
            attempt: 1,
            outcome: sent(true),
        },
        OutcomeRecord {
            id: got[2],
            attempt: 1,
            outcome: MailOutcome::Retry {
                at: retry_at,
                failure: failure("greylisted"),
            },
        },
        OutcomeRecord {
            id: got[3],
            attempt: 1,
            outcome: MailOutcome::Failed {
                failure: StoredFailure {
                    message: "recipient rejected".into(),
                    detail: Some("550 5.1.1 no such user".into()),
                },
            },
        },
    ];
    assert_eq!(q.record("s1", &records).await.unwrap(), [true; 4]);

    let archived = q.detail(got[0]).await.unwrap();
    assert_eq!(archived.mail.status, MailStatus::Sent);
    assert_eq!(archived.mail.message_id.as_deref(), Some("<1@test>"));
    assert_eq!(
        archived.mail.smtp_reply.as_deref(),
        Some("250 2.0.0 Ok: queued")
    );
    assert!(archived.mail.sent_at.is_some() && archived.mail.claimed_by.is_none());
    assert_eq!(archived.log.last().unwrap().message, "delivered");

    assert!(q.detail(got[1]).await.is_err(), "deleted after sending");
    assert!(q.attachments(got[1]).await.unwrap().is_empty());

    let rescheduled = q.detail(got[2]).await.unwrap();
    assert_eq!(rescheduled.mail.status, MailStatus::Pending);
    assert_eq!(rescheduled.mail.next_attempt_at, retry_at);
    assert_eq!(rescheduled.mail.last_error.as_deref(), Some("greylisted"));
    assert_eq!(rescheduled.log.last().unwrap().level, Level::Warn);

    let failed = q.detail(got[3]).await.unwrap();
    assert_eq!(failed.mail.status, MailStatus::Failed);
    let entry = failed.log.last().unwrap();
    assert_eq!(entry.level, Level::Error);
    assert_eq!(entry.detail.as_deref(), Some("550 5.1.1 no such user"));
    assert_eq!(entry.mail_id, Some(got[3]));

    // Release: not attempted, the attempt is given back.
    let again = q.claim("s1", 10, Duration::from_secs(60)).await.unwrap();
    assert!(again.is_empty(), "the rescheduled mail is not due yet");
    let fresh = q.enqueue(mail("b@x.pl", "released")).await.unwrap();
    let c = q.claim("s1", 1, Duration::from_secs(60)).await.unwrap();
    assert_eq!(c[0].mail.id, fresh);
    let applied = record_one(
        &q,
        "s1",
        fresh,
        c[0].attempt,
        MailOutcome::Release {
            at: now_ms(),
            note: None,
        },
    )
    .await;
    assert_eq!(applied, [true]);
    let m = q.detail(fresh).await.unwrap().mail;
    assert_eq!((m.status, m.attempts), (MailStatus::Pending, 0));
}

async fn concurrent_claimers_never_share_a_mail(db: &TestDb) {
    let q = MailQueue::new(db.store.clone());
    let batch: Vec<NewMail> = (0..1000)
        .map(|i| mail("a@x.pl", &format!("m{i}")))
        .collect();
    let all: HashSet<i64> = q.enqueue_batch(&batch).await.unwrap().into_iter().collect();

    // Each claimer has its own connection pool, as separate sender processes would.
    let mut tasks = Vec::new();
    for name in ["sender-a", "sender-b", "sender-c"] {
        let store = Store::open(&db.url).await.unwrap();
        tasks.push(tokio::spawn(async move {
            let q = MailQueue::new(store.clone());
            let mut mine = Vec::new();
            loop {
                let claimed = q.claim(name, 16, Duration::from_secs(60)).await.unwrap();
                if claimed.is_empty() {
                    break;
                }
                let records: Vec<OutcomeRecord> = claimed
                    .iter()
                    .map(|c| OutcomeRecord {
                        id: c.mail.id,
                        attempt: c.attempt,
                        outcome: sent(false),
                    })
                    .collect();
                let applied = q.record(name, &records).await.unwrap();
                assert!(applied.iter().all(|a| *a), "{name} lost a claim it held");
                mine.extend(claimed.iter().map(|c| c.mail.id));
            }
            store.close().await;
            mine
        }));
    }
    let mut seen = HashSet::new();
    let mut per_claimer = Vec::new();
    for t in tasks {
        let ids = t.await.unwrap();
        per_claimer.push(ids.len());
        for id in ids {
            assert!(seen.insert(id), "mail {id} was claimed twice");
        }
    }
    assert_eq!(seen, all);
    let counts = q.counts().await.unwrap();
    assert_eq!(counts.sent, 1000);
    assert_eq!(counts.total(), 1000);
    eprintln!("claims per sender: {per_claimer:?}");
}

async fn expired_lease_is_reclaimed_and_stale_owner_loses(db: &TestDb) {
    let a = MailQueue::new(db.store.clone());
    let id = a.enqueue(mail("a@x.pl", "lease")).await.unwrap();
    let claimed = a
        .claim("crashed", 1, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(claimed[0].attempt, 1);

    // Before the lease ends nobody else gets it.
    let b_now = MailQueue::new(db.store.clone());
    assert!(
        b_now
            .claim("b", 1, Duration::from_secs(60))
            .await
            .unwrap()
            .is_empty()
    );

    // Two minutes later the lease has expired: the mail goes back and B takes it.
    let b = MailQueue::new(db.store.clone()).with_clock(|| now_ms() + 120_000);
    let taken = b.claim("b", 1, Duration::from_secs(60)).await.unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].mail.id, id);
    assert_eq!(taken[0].attempt, 2);

    // The first owner wakes up and tries to record its outcome: refused.
    let stale = record_one(&a, "crashed", id, 1, sent(false)).await;
    assert_eq!(stale, [false]);
    assert_eq!(a.detail(id).await.unwrap().mail.status, MailStatus::Sending);

    // Even the same sender name with the old attempt number is refused.
    let same_name = record_one(&a, "b", id, 1, sent(false)).await;
    assert_eq!(same_name, [false]);

    let ok = record_one(
        &b,
        "b",
        id,
        2,
        MailOutcome::Retry {
            at: now_ms(),
            failure: failure("busy"),
        },
    )
    .await;
    assert_eq!(ok, [true]);
    let d = a.detail(id).await.unwrap();
    assert_eq!(d.mail.status, MailStatus::Pending);
    assert!(
        d.log
            .iter()
            .any(|e| e.message.contains("crashed") && e.message.contains("lease expired")),
        "{:?}",
        d.log
    );
}

/// After `h` the cursor may rest on another mail; `u` there must not report a release
/// that did nothing. Refused with the reason, and the held mail listed with it stays held.
async fn releasing_a_mail_that_is_not_held_is_refused(db: &TestDb) {
    let q = MailQueue::new(db.store.clone());
    let held = q.enqueue(mail("a@x.pl", "held")).await.unwrap();
    let free = q.enqueue(mail("a@x.pl", "free")).await.unwrap();
    q.act(MailAction::Hold, &[held], "tester").await.unwrap();
    let err = q
        .act(MailAction::Release, &[held, free], "tester")
        .await
        .unwrap_err();
    assert!(
        matches!(err, dmsctl::Error::NotHeld { id } if id == free),
        "{err:?}"
    );
    assert!(err.is_user_error());
    assert_eq!(
        err.to_string(),
        format!("mail {free} is not held; release applies only to held mails; nothing was changed")
    );
    assert_eq!(
        dmsctl::i18n::error(&err, dmsctl::i18n::Lang::Pl),
        format!("wiadomość {free} nie jest zatrzymana: nie można jej zwolnić; nic nie zmieniono")
    );
    let counts = q.counts().await.unwrap();
    assert_eq!((counts.held, counts.pending), (1, 1), "nothing changed");
    assert_eq!(
        q.act(MailAction::Release, &[held], "tester").await.unwrap(),
        1
    );
}

async fn actions_apply_to_all_or_none(db: &TestDb) {
    let q = MailQueue::new(db.store.clone());
    let p1 = q.enqueue(mail("a@x.pl", "p1")).await.unwrap();
    let p2 = q.enqueue(mail("a@x.pl", "p2")).await.unwrap();
    let s = q.enqueue(mail("a@x.pl", "s")).await.unwrap();
    let c = q.claim("s1", 10, Duration::from_secs(60)).await.unwrap();
    assert_eq!(c.len(), 3);
    q.record(
        "s1",
        &c.iter()
            .map(|c| OutcomeRecord {
                id: c.mail.id,
                attempt: c.attempt,
                outcome: if c.mail.id == s {
                    sent(false)
                } else {
                    MailOutcome::Retry {
                        at: now_ms(),
                        failure: failure("x"),
                    }
                },
            })
            .collect::<Vec<_>>(),
    )
    .await
    .unwrap();

    // Cancelling a pending and a sent mail together: refused, nothing changes.
    let err = q
        .act(MailAction::Cancel, &[p1, s], "tester")
        .await
        .unwrap_err();
    assert!(err.is_user_error());
    assert!(
        err.to_string().contains(&format!("mail {s} is sent")),
        "{err}"
    );
    assert_eq!(q.detail(p1).await.unwrap().mail.status, MailStatus::Pending);
    let err = q
        .act(MailAction::Delete, &[p1, 987_654], "tester")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("987654"), "{err}");
    assert!(q.detail(p1).await.is_ok());

    assert_eq!(
        q.act(MailAction::Hold, &[p1, p2], "tester").await.unwrap(),
        2
    );
    let counts = q.counts().await.unwrap();
    assert_eq!((counts.held, counts.pending), (2, 0));
    assert!(
        q.claim("s1", 10, Duration::from_secs(60))
            .await
            .unwrap()
            .is_empty()
    );
    q.act(MailAction::Release, &[p2], "tester").await.unwrap();
    assert_eq!(q.counts().await.unwrap().pending, 1);

    q.act(MailAction::Cancel, &[p2], "tester").await.unwrap();
    assert_eq!(
        q.detail(p2).await.unwrap().mail.status,
        MailStatus::Cancelled
    );
    let log = q.detail(p2).await.unwrap().log;
    assert!(log.iter().any(|e| e.message == "cancelled by tester"));

    q.act(MailAction::Delete, &[p1, s], "tester").await.unwrap();
    assert!(q.detail(p1).await.is_err() && q.detail(s).await.is_err());
    // The deleted mail's history remains in the work log.
    let entries = dmsctl::worklog::WorkLog::new(db.store.clone())
        .entries(&LogFilter {
            mail_id: Some(p1),
            limit: 10,
            ..LogFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(entries[0].message, "deleted by tester");

    // A mail being sent cannot be cancelled or deleted.
    let busy = q.enqueue(mail("a@x.pl", "busy")).await.unwrap();
    q.claim("s1", 1, Duration::from_secs(60)).await.unwrap();
    let err = q
        .act(MailAction::Delete, &[busy], "tester")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("sending"), "{err}");
}

async fn retry_requeues_failed_and_archived(db: &TestDb) {
    let q = MailQueue::new(db.store.clone());
    let f = q.enqueue(mail("a@x.pl", "f")).await.unwrap();
    let s = q.enqueue(mail("a@x.pl", "s")).await.unwrap();
    let claimed = q.claim("s1", 2, Duration::from_secs(60)).await.unwrap();
    q.record(
        "s1",
        &[
            OutcomeRecord {
                id: f,
                attempt: claimed[0].attempt,
                outcome: MailOutcome::Failed {
                    failure: failure("no"),
                },
            },
            OutcomeRecord {
                id: s,
                attempt: claimed[1].attempt,
                outcome: sent(false),
            },
        ],
    )
    .await
    .unwrap();
    assert_eq!(q.retry_all_failed("tester").await.unwrap(), 1);
    let m = q.detail(f).await.unwrap().mail;
    assert_eq!((m.status, m.attempts), (MailStatus::Pending, 0));
    // Requeue an archived mail.
    q.act(MailAction::Retry, &[s], "tester").await.unwrap();
    let m = q.detail(s).await.unwrap().mail;
    assert_eq!(m.status, MailStatus::Pending);
    assert!(m.sent_at.is_none());
    assert_eq!(
        q.claim("s1", 10, Duration::from_secs(60))
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn purge_removes_only_old_archived(db: &TestDb) {
    let q = MailQueue::new(db.store.clone());
    let old = q.enqueue(mail("a@x.pl", "old")).await.unwrap();
    let pending = q.enqueue(mail("a@x.pl", "pending")).await.unwrap();
    let c = q.claim("s1", 1, Duration::from_secs(60)).await.unwrap();
    assert_eq!(c[0].mail.id, old);
    record_one(&q, "s1", old, 1, sent(false)).await;
    let recent = q.enqueue(mail("a@x.pl", "recent")).await.unwrap();
    let c = q.claim("s1", 5, Duration::from_secs(60)).await.unwrap();
    let records: Vec<_> = c
        .iter()
        .map(|c| OutcomeRecord {
            id: c.mail.id,
            attempt: c.attempt,
            outcome: sent(false),
        })
        .collect();
    q.record("s1", &records).await.unwrap();
    // `pending` was sent too; make it pending again to check it survives the purge.
    q.act(MailAction::Retry, &[pending], "tester")
        .await
        .unwrap();

    // Thirty days on, everything archived is older than 30 days.
    let later = MailQueue::new(db.store.clone()).with_clock(|| now_ms() + 31 * 86_400_000);
    assert_eq!(
        later
            .purge_archived(Duration::from_secs(86_400 * 30), "tester")
            .await
            .unwrap(),
        2
    );
    assert!(q.detail(old).await.is_err());
    assert!(q.detail(recent).await.is_err());
    assert!(q.detail(pending).await.is_ok());
    // Nothing is old enough now.
    assert_eq!(
        q.purge_archived(Duration::from_secs(86_400), "tester")
            .await
            .unwrap(),
        0
    );
}

async fn anonymize_replaces_personal_data_of_old_archived_only(db: &TestDb) {
    let q = MailQueue::new(db.store.clone());
    let mut archived = mail("Jan Kowalski <jan@firma.pl>", "Umowa 17/2026");
    archived.cc = vec!["anna@firma.pl".into()];
    archived.body_text = "PESEL 80010112345".into();
    archived.body_html = Some("<p>PESEL 80010112345</p>".into());
    archived.attachments = vec![NewAttachment {
        file_name: "umowa.pdf".into(),
        content_type: "application/pdf".into(),
        data: b"%PDF-1.4 poufne".to_vec(),
    }];
    let old = q.enqueue(archived).await.unwrap();
    let failed = q.enqueue(mail("ola@firma.pl", "Nie doszło")).await.unwrap();
    let c = q.claim("s1", 2, Duration::from_secs(60)).await.unwrap();
    let attempt = |id| c.iter().find(|m| m.mail.id == id).unwrap().attempt;
    q.record(
        "s1",
        &[
            OutcomeRecord {
                id: old,
                attempt: attempt(old),
                outcome: sent(false),
            },
            OutcomeRecord {
                id: failed,
                attempt: attempt(failed),
                outcome: MailOutcome::Failed {
                    failure: failure("550 no such user"),
                },
            },
        ],
    )
    .await
    .unwrap();
    // The mail's history names a recipient in a refusal.
    let log = dmsctl::worklog::WorkLog::new(db.store.clone());
    log.append(
        &dmsctl::worklog::NewLogEntry::new(
            Level::Error,
            "RCPT TO anna@firma.pl: 550 5.1.1 <anna@firma.pl>: User unknown",
        )
        .detail("550 5.1.1 <anna@firma.pl>: User unknown — the address is wrong")
        .mail(old),
    )
    .await
    .unwrap();
    let history_before = log
        .entries(&LogFilter {
            mail_id: Some(old),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    let year = Duration::from_secs(365 * 86_400);
    assert_eq!(
        q.count_anonymizable(year).await.unwrap(),
        0,
        "sent just now"
    );

    // A year and a day on: only the archived mail is old enough and counted, once.
    let later = MailQueue::new(db.store.clone()).with_clock(|| now_ms() + 366 * 86_400_000);
    assert_eq!(later.count_anonymizable(year).await.unwrap(), 1);
    assert_eq!(later.anonymize_archived(year, "tester").await.unwrap(), 1);
    assert_eq!(later.count_anonymizable(year).await.unwrap(), 0);
    assert_eq!(later.anonymize_archived(year, "tester").await.unwrap(), 0);

    let d = q.detail(old).await.unwrap();
    assert_eq!(d.mail.status, MailStatus::Sent, "still archived");
    assert_eq!(d.mail.to, dmsctl::model::ANONYMIZED_RECIPIENT);
    assert_eq!(d.mail.subject, dmsctl::model::ANONYMIZED_SUBJECT);
    assert!(d.mail.cc.is_empty() && d.mail.body_text.is_empty() && d.mail.body_html.is_none());
    assert!(d.attachments.is_empty());
    assert!(q.attachments(old).await.unwrap().is_empty());
    // Its history keeps each entry's time, level and SMTP codes, and nothing personal.
    let history = log
        .entries(&LogFilter {
            mail_id: Some(old),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(history.len(), history_before.len());
    for (after, before) in history.iter().zip(&history_before) {
        assert_eq!((after.time, after.level), (before.time, before.level));
        let text = format!("{} {:?}", after.message, after.detail);
        assert!(
            !text.contains("firma.pl") && !text.contains("Umowa") && !text.contains("Kowalski"),
            "{text}"
        );
    }
    assert!(
        history
            .iter()
            .any(|e| e.message == "RCPT TO: 550 5.1.1 (anonymized)"),
        "{history:?}"
    );
    // Nothing else changed: the failed mail keeps its data.
    let f = q.detail(failed).await.unwrap().mail;
    assert_eq!(
        (f.to.as_str(), f.subject.as_str()),
        ("ola@firma.pl", "Nie doszło")
    );
    let failed_history = log
        .entries(&LogFilter {
            mail_id: Some(failed),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        failed_history
            .iter()
            .any(|e| e.message.contains("550 no such user")),
        "{failed_history:?}"
    );
    // The work log says who did it and how many.
    let log = dmsctl::worklog::WorkLog::new(db.store.clone())
        .entries(&LogFilter {
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|e| e.message.contains("anonymized by tester") && e.message.contains("(1 mails)")),
        "{log:?}"
    );
}

async fn keyset_pages_cover_everything_once(db: &TestDb) {
    let q = MailQueue::new(db.store.clone());
    let batch: Vec<NewMail> = (0..120).map(|i| mail("a@x.pl", &format!("m{i}"))).collect();
    let ids = q.enqueue_batch(&batch).await.unwrap();
    // Fail every third mail.
    let claimed = q.claim("s1", 200, Duration::from_secs(60)).await.unwrap();
    let records: Vec<_> = claimed
        .iter()
        .map(|c| OutcomeRecord {
            id: c.mail.id,
            attempt: c.attempt,
            outcome: if c.mail.id % 3 == 0 {
                MailOutcome::Failed {
                    failure: failure("no"),
                }
            } else {
                MailOutcome::Release {
                    at: now_ms(),
                    note: None,
                }
            },
        })
        .collect();
    q.record("s1", &records).await.unwrap();

    for (status, expected) in [
        (StatusFilter::All, ids.clone()),
        (
            StatusFilter::Status(MailStatus::Failed),
            ids.iter()
                .copied()
                .filter(|i| i % 3 == 0)
                .collect::<Vec<_>>(),
        ),
        (
            StatusFilter::Status(MailStatus::Pending),
            ids.iter().copied().filter(|i| i % 3 != 0).collect(),
        ),
    ] {
        let seen = every_page(
            &q,
            MailQuery {
                status,
                limit: 25,
                ..MailQuery::default()
            },
        )
        .await;
        let mut want = expected.clone();
        want.reverse();
        assert_eq!(seen, want, "{status:?}");
    }
    // Oldest first: the same mails, in the other order, page by page.
    let oldest = MailQuery {
        limit: 25,
        oldest_first: true,
        ..MailQuery::default()
    };
    assert_eq!(every_page(&q, oldest).await, ids, "oldest first");

    // Paging back up returns the page above, in either order.
    for oldest_first in [false, true] {
        let query = MailQuery {
            limit: 10,
            oldest_first,
            ..MailQuery::default()
        };
        let first = q.page(&query).await.unwrap();
        let down = MailQuery {
            cursor: Some(Cursor::Before(first[9].id)),
            ..query.clone()
        };
        let second = q.page(&down).await.unwrap();
        let up = MailQuery {
            cursor: Some(Cursor::After(second[0].id)),
            ..query.clone()
        };
        assert_eq!(
            q.page(&up).await.unwrap(),
            first,
            "paging up, oldest_first = {oldest_first}"
        );
    }
}

/// Every id of a query, page by page down the list.
async fn every_page(q: &MailQueue, mut query: MailQuery) -> Vec<i64> {
    let mut seen = Vec::new();
    loop {
        let page = q.page(&query).await.unwrap();
        let Some(last) = page.last() else { return seen };
        seen.extend(page.iter().map(|m| m.id));
        query.cursor = Some(Cursor::Before(last.id));
    }
}

async fn search_matches_text_and_ids_literally(db: &TestDb) {
    let q = MailQueue::new(db.store.clone());
    let a = q
        .enqueue(mail("jan@firma.pl", "Faktura 100% opłacona"))
        .await
        .unwrap();
    let b = q
        .enqueue(mail("ola@inna.pl", "Faktura 100 zł"))
        .await
        .unwrap();
    let find = |text: &str| {
        let q = q.clone();
        let text = text.to_string();
        async move {
            q.page(&MailQuery {
                filter: Filter::anywhere(&text),
                ..MailQuery::default()
            })
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect::<Vec<_>>()
        }
    };
    let c = q
        .enqueue(mail("Łucja Żółw <lucja@zolw.pl>", "ZAŻÓŁĆ gęślą jaźń"))
        .await
        .unwrap();
    let d = q
        .enqueue(mail("ewa@x.pl", "Raport [Q1] *pilne*? a\\b"))
        .await
        .unwrap();
    // Case folds in every script, on both databases, whichever case is typed.
    assert_eq!(find("zażółć").await, [c], "lower finds upper");
    assert_eq!(find("ZAŻÓŁĆ").await, [c]);
    assert_eq!(find("Jaźń").await, [c], "mixed finds lower");
    assert_eq!(find("łucja żÓŁw").await, [c], "in addresses too");
    // Pattern characters of either database are literal.
    assert_eq!(find("[q1]").await, [d]);
    assert_eq!(find("*").await, [d]);
    assert_eq!(find("?").await, [d]);
    assert_eq!(find("a\\b").await, [d]);
    assert_eq!(find("(").await, Vec::<i64>::new());
    assert_eq!(find("100%").await, [a], "% is literal");
    assert_eq!(find("faktura").await, [b, a], "case-insensitive");
    assert_eq!(find("inna.pl").await, [b]);
    assert!(find(&b.to_string()).await.contains(&b));
    assert!(find("nothing-like-this").await.is_empty());
}

async fn counts_and_queue_shape(db: &TestDb) {
    let q = MailQueue::new(db.store.clone());
    for (to, n) in [("a@firma.pl", 3), ("b@gmail.com", 2)] {
        for i in 0..n {
            q.enqueue(mail(to, &format!("{to}{i}"))).await.unwrap();
        }
    }
    q.enqueue(NewMail {
        to: vec!["x@firma.pl".into(), "y@gmail.com".into()],
        ..mail("x@firma.pl", "both")
    })
    .await
    .unwrap();
    let c = q.counts().await.unwrap();
    assert_eq!((c.pending, c.total()), (6, 6));

    let shape = q.shape().await.unwrap();
    assert_eq!(shape.total.total, 6);
    assert_eq!(shape.total.counts[0], 6, "all younger than 5 minutes");
    let firma = shape.rows.iter().find(|r| r.domain == "firma.pl").unwrap();
    let gmail = shape.rows.iter().find(|r| r.domain == "gmail.com").unwrap();
    assert_eq!((firma.total, gmail.total), (4, 3));
    // An hour later they sit in the 40-80 minute column.
    let later = MailQueue::new(db.store.clone()).with_clock(|| now_ms() + 61 * 60_000);
    let shape = later.shape().await.unwrap();
    assert_eq!(shape.total.counts[4], 6, "{:?}", shape.total);
    assert!(later.oldest_pending().await.unwrap().is_some());
}

async fn change_feed_sees_other_processes(db: &TestDb) {
    let mut feed = db
        .store
        .change_feed(Duration::from_millis(50))
        .await
        .unwrap();
    let other = Store::open(&db.url).await.unwrap();
    let writer = MailQueue::new(other.clone());
    let started = std::time::Instant::now();
    writer.enqueue(mail("a@x.pl", "ping")).await.unwrap();
    tokio::time::timeout(Duration::from_secs(2), feed.changed())
        .await
        .expect("a change within 2 s")
        .unwrap();
    let latency = started.elapsed();
    assert!(latency < Duration::from_secs(1), "took {latency:?}");
    // A quiet database does not wake the feed.
    let quiet = tokio::time::timeout(Duration::from_millis(300), feed.changed()).await;
    assert!(quiet.is_err(), "woke up without a change");
    // Work log writes count too (the console's log pane follows them).
    dmsctl::worklog::WorkLog::new(other.clone())
        .append(&dmsctl::worklog::NewLogEntry::new(Level::Info, "hello"))
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(2), feed.changed())
        .await
        .expect("a change within 2 s")
        .unwrap();
    other.close().await;
}

mod consistency {
    use super::*;

    /// The counts the console shows (trigger-kept on SQLite) equal a full count after
    /// every kind of change.
    async fn counts_equal_a_full_count(db: &TestDb) {
        let q = MailQueue::new(db.store.clone());
        let ids = q
            .enqueue_batch(
                &(0..40)
                    .map(|i| mail("a@x.pl", &format!("m{i}")))
                    .collect::<Vec<_>>(),
            )
            .await
            .unwrap();
        q.act(MailAction::Hold, &ids[0..5], "t").await.unwrap();
        q.act(MailAction::Release, &ids[0..2], "t").await.unwrap();
        q.act(MailAction::Cancel, &ids[5..8], "t").await.unwrap();
        let claimed = q.claim("s", 20, Duration::from_secs(60)).await.unwrap();
        let records: Vec<_> = claimed
            .iter()
            .enumerate()
            .map(|(i, c)| OutcomeRecord {
                id: c.mail.id,
                attempt: c.attempt,
                outcome: match i % 4 {
                    0 => sent(false),
                    1 => sent(true),
                    2 => MailOutcome::Failed {
                        failure: failure("x"),
                    },
                    _ => MailOutcome::Retry {
                        at: now_ms(),
                        failure: failure("y"),
                    },
                },
            })
            .take(16)
            .collect();
        q.record("s", &records).await.unwrap();
        q.act(MailAction::Delete, &ids[8..10], "t").await.unwrap();
        q.retry_all_failed("t").await.unwrap();

        let c = q.counts().await.unwrap();
        let truth = full_count(&db.url).await;
        assert_eq!(
            (c.pending, c.held, c.sending, c.sent, c.failed, c.cancelled),
            truth,
            "{c:?}"
        );
        assert_eq!(c.sending, 4, "four claims still open");
    }

    async fn full_count(url: &str) -> (i64, i64, i64, i64, i64, i64) {
        let sql = "SELECT \
            count(CASE WHEN status = 'pending' AND held = FALSE THEN 1 END), \
            count(CASE WHEN status = 'pending' AND held = TRUE THEN 1 END), \
            count(CASE WHEN status = 'sending' THEN 1 END), \
            count(CASE WHEN status = 'sent' THEN 1 END), \
            count(CASE WHEN status = 'failed' THEN 1 END), \
            count(CASE WHEN status = 'cancelled' THEN 1 END) FROM process_mails";
        if url.starts_with("sqlite:") {
            let pool = sqlx::SqlitePool::connect(url).await.unwrap();
            sqlx::query_as(sql).fetch_one(&pool).await.unwrap()
        } else {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            sqlx::query_as(sql).fetch_one(&pool).await.unwrap()
        }
    }

    /// Another program enqueues with plain SQL (the README's contract); the queue
    /// treats the mail like its own.
    async fn plain_sql_enqueue_contract(db: &TestDb) {
        let insert_mail = "INSERT INTO process_mails (to_addrs, subject, body_text) \
                           VALUES ('jan@firma.pl; ola@firma.pl', 'Z innego programu', 'Treść') RETURNING id";
        let insert_attachment = "INSERT INTO process_mail_attachments (mail_id, file_name, content_type, data) \
                                 VALUES ($1, 'umowa.pdf', 'application/pdf', $2)";
        let data = vec![0x25u8, 0x50, 0x44, 0x46, 0, 1, 2, 255];
        // What another program does, in its own transaction on its own connection.
        macro_rules! insert_as_another_program {
            ($pool:ty) => {{
                let pool = <$pool>::connect(&db.url).await.unwrap();
                let mut tx = pool.begin().await.unwrap();
                let id: i64 = sqlx::query_scalar(insert_mail)
                    .fetch_one(&mut *tx)
                    .await
                    .unwrap();
                sqlx::query(insert_attachment)
                    .bind(id)
                    .bind(&data)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                id
            }};
        }
        let id = if db.url.starts_with("sqlite:") {
            insert_as_another_program!(sqlx::SqlitePool)
        } else {
            insert_as_another_program!(sqlx::PgPool)
        };
        let q = MailQueue::new(db.store.clone());
        assert_eq!(q.counts().await.unwrap().pending, 1);
        let page = q.page(&MailQuery::default()).await.unwrap();
        assert_eq!(page[0].attachment_count, 1);
        assert_eq!(page[0].size, ("Treść".len() + data.len()) as i64);
        let claimed = q.claim("s", 5, Duration::from_secs(60)).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].mail.id, id);
        assert_eq!(claimed[0].mail.to_list(), ["jan@firma.pl", "ola@firma.pl"]);
        assert!(
            claimed[0].mail.created_at > now_ms() - 60_000,
            "default time is now, in ms"
        );
        assert_eq!(q.attachments(id).await.unwrap()[0].data, data);
    }

    crate::both_backends!(counts_equal_a_full_count, plain_sql_enqueue_contract);
}

/// The README's plain-SQL insert, as another program on the server runs it: through
/// the system's `sqlite3` tool and Python's `sqlite3` module (the system library, not
/// the one built into dmsctl); the sender then delivers both mails with the attachment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_sql_inserts_from_the_systems_sqlite_are_delivered() {
    if !crate::common::have(&[Tool::Sqlite3, Tool::Aiosmtpd]) {
        return;
    }
    use crate::common::smtp::{Recorder, Tls, account, run_once, save_account, test_config};
    let db = TestDb::new(crate::common::Backend::Sqlite).await.unwrap();
    let path = db.url.trim_start_matches("sqlite://").to_string();
    let cli = std::process::Command::new("sqlite3")
        .arg(&path)
        .arg(
            "BEGIN;
             INSERT INTO process_mails (to_addrs, cc_addrs, subject, body_text, body_html)
             VALUES ('Jan Kowalski <jan@firma.pl>; ola@firma.pl', '', 'Dokument 17/2026', 'Treść…', NULL)
             RETURNING id;
             INSERT INTO process_mail_attachments (mail_id, file_name, content_type, data)
             VALUES (last_insert_rowid(), 'faktura.pdf', 'application/pdf', x'255044462d312e34');
             INSERT INTO operators (login, name) VALUES ('jkowalski', 'Jan Kowalski');
             COMMIT;
             SELECT sqlite_version();",
        )
        .output()
        .expect("the sqlite3 command-line tool");
    assert!(
        cli.status.success(),
        "sqlite3: {}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let out = String::from_utf8_lossy(&cli.stdout).to_string();
    eprintln!("system sqlite3: {out}");
    let py = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
cur = c.execute(\"INSERT INTO process_mails (to_addrs, subject, body_text) VALUES ('ala@firma.pl', 'z Pythona', 'x')\")
c.execute(\"INSERT INTO process_mail_attachments (mail_id, file_name, data) VALUES (?, 'a.bin', ?)\", (cur.lastrowid, b'\\x00\\x01'))
c.commit()
print(sqlite3.sqlite_version)",
        )
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );

    let q = MailQueue::new(db.store.clone());
    let listed = q.page(&MailQuery::default()).await.unwrap();
    assert_eq!(listed.len(), 2);
    for m in &listed {
        assert!(
            (m.created_at - now_ms()).abs() < 60_000,
            "the default time is now, in milliseconds: {}",
            m.created_at
        );
        assert_eq!(m.status, MailStatus::Pending);
        assert_eq!(m.attachment_count, 1);
    }
    let server = Recorder::start(Tls::Plain, None, None);
    let s = save_account(
        &db.store,
        &account(server.port, dmsctl::settings::Encryption::None),
    )
    .await;
    let summary = run_once(&db.store, &s, &test_config()).await;
    assert_eq!(summary.sent, 2, "{summary:?}");
    let got = server.received(2);
    assert!(
        got.iter()
            .any(|m| m["attachments"][0]["file_name"] == "faktura.pdf"),
        "{got:?}"
    );
    db.finish().await;
}

/// A database made before the portable defaults keeps every row, id and counter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portable_defaults_migration_keeps_every_row() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    {
        let options: sqlx::sqlite::SqliteConnectOptions = url.parse().unwrap();
        let mut conn = sqlx::SqliteConnection::connect_with(&options.create_if_missing(true))
            .await
            .unwrap();
        let mut migrator = sqlx::migrate::Migrator::new(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/migrations/sqlite"
        )))
        .await
        .unwrap();
        migrator.migrations.to_mut().retain(|m| m.version < 8);
        migrator.run(&mut conn).await.unwrap();
        sqlx::raw_sql(
            "INSERT INTO process_mails (id, to_addrs, subject, created_at, next_attempt_at, queued_at, status)
               VALUES (5, 'a@firma.pl', 'five', 1, 1, 1, 'sent'), (9, 'b@firma.pl', 'nine', 2, 2, 2, 'pending');
             INSERT INTO process_mail_attachments (mail_id, file_name, data) VALUES (9, 'x.pdf', x'0102');
             INSERT INTO process_mails (id, to_addrs, created_at, next_attempt_at, queued_at) VALUES (20, 'c@firma.pl', 3, 3, 3);
             DELETE FROM process_mails WHERE id = 20;
             INSERT INTO work_log_entries (time, level, source, mail_id, message) VALUES (7, 'info', 'sender', 5, 'delivered');",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
    }
    let store = Store::open(&url).await.unwrap();
    let q = MailQueue::new(store.clone());
    let five = q.detail(5).await.unwrap();
    assert_eq!(five.mail.subject, "five");
    assert_eq!(five.mail.status, MailStatus::Sent);
    assert_eq!(five.log.len(), 1);
    let nine = q.detail(9).await.unwrap();
    assert_eq!(nine.attachments.len(), 1);
    assert_eq!(nine.attachments[0].size, 2);
    let counts = q.counts().await.unwrap();
    assert_eq!((counts.sent, counts.pending), (1, 1));
    // Id 20 was used and deleted: it is not handed out again.
    let id = q
        .enqueue(NewMail {
            to: vec!["d@firma.pl".into()],
            ..NewMail::default()
        })
        .await
        .unwrap();
    assert!(id > 20, "{id}");
    store.close().await;
}

/// The deadlock seen with several senders: a sender's outcome commit holds its rows
/// while its lease renewal waited for them (and the other way round). Renewal now
/// skips rows a transaction holds, so it returns at once with the others renewed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_renewal_never_waits_for_rows_an_outcome_commit_holds() {
    use dmsctl::queue::Claimant;
    use sqlx::Connection;
    let Some(db) = TestDb::new(crate::common::Backend::Postgres).await else {
        return;
    };
    let q = MailQueue::new(db.store.clone());
    let mail = |s: &str| NewMail {
        to: vec!["a@firma.pl".into()],
        subject: s.into(),
        ..NewMail::default()
    };
    q.enqueue_batch(&[mail("held by the commit"), mail("free")])
        .await
        .unwrap();
    let me = Claimant {
        id: "s1".into(),
        token: "incarnation-1".into(),
        host: String::new(),
    };
    let claimed = q.claim_as(&me, 2, Duration::from_secs(60)).await.unwrap();
    assert_eq!(claimed.len(), 2);
    let (locked, free) = (claimed[0].mail.id, claimed[1].mail.id);
    let mut other = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let mut tx = other.begin().await.unwrap();
    sqlx::query("SELECT id FROM process_mails WHERE id = $1 FOR UPDATE")
        .bind(locked)
        .execute(&mut *tx)
        .await
        .unwrap();
    let (renewed, _) = tokio::time::timeout(
        Duration::from_secs(3),
        q.renew_held(&me, Duration::from_secs(120)),
    )
    .await
    .expect("the renewal waited for a row another transaction holds")
    .unwrap();
    assert_eq!(renewed, vec![free]);
    tx.rollback().await.unwrap();
    other.close().await.unwrap();
    db.finish().await;
}
