//! The filter language against real databases: the same filter finds the same mails
//! on SQLite and PostgreSQL, and bulk actions by filter go in whole batches.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::common::{Backend, TestDb};
use dmsctl::queue::{BulkProgress, Filter, MailAction, MailQuery, MailQueue, NewMail, Rate};
use dmsctl::time::now_ms;
use dmsctl::worklog::{LogFilter, WorkLog};

both_backends!(
    bulk_actions_go_in_whole_batches_and_stop_between_them,
    a_paced_bulk_action_keeps_its_rate,
    deferral_rules_are_set_moved_listed_and_ended,
);

/// One generated mail, as another program would insert it.
#[derive(Debug, Clone)]
struct Gen {
    status: &'static str,
    held: bool,
    from: Option<&'static str>,
    to: &'static str,
    cc: &'static str,
    subject: &'static str,
    attempts: i32,
    last_error: Option<&'static str>,
    created_at: i64,
    next_attempt_at: i64,
    sent_at: Option<i64>,
    claimed_by: Option<&'static str>,
    sent_by: Option<&'static str>,
    message_id: Option<String>,
    attachment: Option<usize>,
}

const TO: [&str; 7] = [
    "jan@onet.pl",
    "Ola Żółw <ola@wp.pl>",
    "x@gmail.com",
    "ADA@Onet.PL",
    "kasia@sub.onet.pl",
    "a@firma.pl, b@onet.pl",
    "Biuro <biuro@firma.pl>",
];
const SUBJECTS: [&str; 6] = [
    "Faktura 123",
    "ZAŻÓŁĆ gęślą jaźń",
    "Raport [Q1] *pilne*",
    "Przypomnienie",
    "faktura VAT 23%",
    "Wezwanie do zapłaty",
];
/// As the sender writes them (`Failure::summary`).
const ERRORS: [Option<&str>; 7] = [
    Some("RCPT <a@b.pl>: 550 5.1.1 <a@b.pl>: Recipient address rejected: User unknown"),
    Some("DATA: 552 5.3.4 Message size exceeds fixed limit"),
    Some("MAIL: 451 4.7.0 Try again later"),
    Some("connect: connection refused"),
    Some("greeting: 421 4.3.2 Service not available"),
    Some("AUTH: 535 5.7.8 Authentication credentials invalid"),
    None,
];

/// A queue of `n` mails, the same for the same seed. Times are whole minutes plus 30 s
/// before `base`, so that a filter read a moment later meets no mail at its edge.
fn generate(n: usize, seed: u64, base: i64) -> Vec<Gen> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..n)
        .map(|i| {
            let status = [
                "pending",
                "pending",
                "sent",
                "failed",
                "cancelled",
                "sending",
            ][rng.usize(..6)];
            let created_at = base - (rng.i64(0..14 * 24 * 60) * 60_000) - 30_000;
            let last_error = match status {
                "pending" | "failed" => ERRORS[rng.usize(..ERRORS.len())],
                _ => None,
            };
            Gen {
                status,
                held: status == "pending" && rng.u8(..4) == 0,
                from: [None, Some("biuro@dms.pl"), Some("Kadry <kadry@dms.pl>")][rng.usize(..3)],
                to: TO[rng.usize(..TO.len())],
                cc: ["", "cc@interia.pl", "Żaneta <z@onet.pl>"][rng.usize(..3)],
                subject: SUBJECTS[rng.usize(..SUBJECTS.len())],
                attempts: rng.i32(0..7),
                last_error,
                created_at,
                next_attempt_at: created_at + rng.i64(0..48 * 60) * 60_000,
                sent_at: (status == "sent").then(|| created_at + rng.i64(1..600) * 60_000),
                claimed_by: (status == "sending").then_some("dms-1"),
                sent_by: (status == "sent").then_some("dms-2@host-b"),
                message_id: (status == "sent").then(|| format!("<id-{i}@dms.pl>")),
                attachment: (rng.u8(..5) == 0).then(|| rng.usize(10..200_000)),
            }
        })
        .collect()
}

const INSERT: &str = "INSERT INTO process_mails (status, held, from_address, to_addrs, cc_addrs, \
    subject, body_text, attempts, last_error, created_at, next_attempt_at, queued_at, sent_at, \
    claimed_by, lease_until, sent_by, message_id) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $12, $13, $14, $15, $16) RETURNING id";
const INSERT_ATTACHMENT: &str = "INSERT INTO process_mail_attachments (mail_id, file_name, content_type, data) \
     VALUES ($1, 'a.pdf', 'application/pdf', $2)";

/// Inserts the mails by plain SQL, as the DMS does; their ids are 1..=n in order.
macro_rules! insert_all {
    ($pool:expr, $mails:expr) => {
        for m in $mails {
            let id: i64 = sqlx::query_scalar(INSERT)
                .bind(m.status)
                .bind(m.held)
                .bind(m.from)
                .bind(m.to)
                .bind(m.cc)
                .bind(m.subject)
                .bind("treść")
                .bind(m.attempts)
                .bind(m.last_error)
                .bind(m.created_at)
                .bind(m.next_attempt_at)
                .bind(m.sent_at)
                .bind(m.claimed_by)
                .bind(m.claimed_by.map(|_| m.created_at + 86_400_000 * 30))
                .bind(m.sent_by)
                .bind(m.message_id.as_deref())
                .fetch_one(&$pool)
                .await
                .unwrap();
            if let Some(size) = m.attachment {
                sqlx::query(INSERT_ATTACHMENT)
                    .bind(id)
                    .bind(vec![7u8; size])
                    .execute(&$pool)
                    .await
                    .unwrap();
            }
        }
    };
}

async fn ids(q: &MailQueue, text: &str) -> BTreeSet<i64> {
    let filter = Filter::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let rows = q
        .page(&MailQuery {
            filter,
            limit: 10_000,
            ..MailQuery::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{text}: {e}"));
    rows.into_iter().map(|m| m.id).collect()
}

/// The domains of an address list, lower-cased.
fn domains(list: &str) -> Vec<String> {
    dmsctl::model::split_address_list(list)
        .iter()
        .filter_map(|a| dmsctl::model::address_domain(a))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_filter_finds_the_same_mails_on_both_databases() {
    let Some(pg) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let lite = TestDb::new(Backend::Sqlite).await.unwrap();
    let base = now_ms() / 60_000 * 60_000;
    let mails = generate(400, 20261201, base);
    let lite_pool = sqlx::SqlitePool::connect(&lite.url).await.unwrap();
    let pg_pool = sqlx::PgPool::connect(&pg.url).await.unwrap();
    insert_all!(lite_pool, &mails);
    insert_all!(pg_pool, &mails);
    lite_pool.close().await;
    pg_pool.close().await;
    let (ql, qp) = (
        MailQueue::new(lite.store.clone()),
        MailQueue::new(pg.store.clone()),
    );
    let day = |offset_days: i64| {
        let t = jiff::Timestamp::from_millisecond(base - offset_days * 86_400_000).unwrap();
        t.to_zoned(jiff::tz::TimeZone::system()).date().to_string()
    };
    let by_id = |pred: &dyn Fn(&Gen) -> bool| -> BTreeSet<i64> {
        mails
            .iter()
            .enumerate()
            .filter(|(_, m)| pred(m))
            .map(|(i, _)| i as i64 + 1)
            .collect()
    };
    // What the generator knows each of these must find.
    let known: Vec<(&str, BTreeSet<i64>)> = vec![
        ("status:failed", by_id(&|m: &Gen| m.status == "failed")),
        ("status:held", by_id(&|m: &Gen| m.held)),
        (
            "status:pending,cancelled",
            by_id(&|m: &Gen| (m.status == "pending" && !m.held) || m.status == "cancelled"),
        ),
        (
            "domain:onet.pl",
            by_id(&|m: &Gen| {
                domains(m.to)
                    .iter()
                    .chain(domains(m.cc).iter())
                    .any(|d| d == "onet.pl")
            }),
        ),
        (
            "-domain:ONET.pl",
            by_id(&|m: &Gen| {
                !domains(m.to)
                    .iter()
                    .chain(domains(m.cc).iter())
                    .any(|d| d == "onet.pl")
            }),
        ),
        (
            "code:5xx",
            by_id(&|m: &Gen| m.last_error.is_some_and(|e| e.contains(": 5"))),
        ),
        (
            "code:5.1.1",
            by_id(&|m: &Gen| m.last_error.is_some_and(|e| e.contains(" 5.1.1 "))),
        ),
        (
            "-code:4xx",
            by_id(&|m: &Gen| !m.last_error.is_some_and(|e| e.contains(": 4"))),
        ),
        ("has:attachment", by_id(&|m: &Gen| m.attachment.is_some())),
        (
            "size>100KB",
            by_id(&|m: &Gen| m.attachment.is_some_and(|s| s + "treść".len() > 102_400)),
        ),
        ("id:10..50", (10..=50).collect()),
        ("attempts>3", by_id(&|m: &Gen| m.attempts > 3)),
        (
            "subject:faktura",
            by_id(&|m: &Gen| m.subject.to_lowercase().contains("faktura")),
        ),
        ("zażółć", by_id(&|m: &Gen| m.subject.starts_with("ZAŻÓŁĆ"))),
        ("to:żółw", by_id(&|m: &Gen| m.to.contains("Żółw"))),
        (
            "age>7d",
            by_id(&|m: &Gen| m.created_at < base - 7 * 86_400_000),
        ),
        ("sender:dms-2", by_id(&|m: &Gen| m.status == "sent")),
        (
            "error=\"RCPT <*>: 550 5.1.1 <*>: recipient address rejected: user UNKNOWN\"",
            by_id(&|m: &Gen| m.last_error == ERRORS[0]),
        ),
        (
            "error=\"MAIL: 451 *\"",
            by_id(&|m: &Gen| m.last_error == ERRORS[2]),
        ),
        (
            "-error:unknown",
            by_id(&|m: &Gen| !m.last_error.is_some_and(|e| e.contains("unknown"))),
        ),
    ];
    for (text, want) in &known {
        let (l, p) = (ids(&ql, text).await, ids(&qp, text).await);
        assert_eq!(&l, want, "SQLite: {text}");
        assert_eq!(&p, want, "PostgreSQL: {text}");
        assert!(
            !want.is_empty() && want.len() < mails.len(),
            "{text} tells nothing"
        );
    }
    // The rest: both databases agree, and each finds some mails but not all.
    let others = [
        "held:no".to_string(),
        "cc:INTERIA".into(),
        "from:kadry".into(),
        "subject:\"faktura vat\"".into(),
        "subject:Ra*[Q1]".into(),
        "error:\"user unknown\"".into(),
        "code:550".into(),
        "code:4.7.0".into(),
        "sender:dms-1".into(),
        "id:1,2,3,399".into(),
        "id>350".into(),
        "msgid:id-1".into(),
        "attempts:0".into(),
        "size<=2KB".into(),
        "has:error".into(),
        "-has:error".into(),
        "age<1d".into(),
        format!("created<{}", day(3)),
        format!("created:{}", day(3)),
        format!("sent>={}", day(5)),
        format!("next<{}", day(7)),
        "faktura -domain:onet.pl status:pending,held".into(),
        "-faktura -code:5xx has:attachment".into(),
    ];
    for text in &others {
        let (l, p) = (ids(&ql, text).await, ids(&qp, text).await);
        assert_eq!(l, p, "{text}");
        assert!(
            !l.is_empty() && l.len() < mails.len(),
            "{text}: {} of {}",
            l.len(),
            mails.len()
        );
    }
    // Error groups read alike from both, and each group's term lists exactly its mails.
    let (gl, gp) = (
        ql.error_groups().await.unwrap(),
        qp.error_groups().await.unwrap(),
    );
    assert_eq!(gl, gp);
    assert_eq!(gl.len(), 6, "{gl:#?}");
    for g in &gl {
        let want: BTreeSet<i64> = mails
            .iter()
            .enumerate()
            .filter(|(_, m)| {
                matches!(m.status, "pending" | "failed")
                    && m.last_error.is_some_and(|e| {
                        dmsctl::model::error_group::fingerprint(e) == g.fingerprint
                    })
            })
            .map(|(i, _)| i as i64 + 1)
            .collect();
        assert_eq!(want.len() as i64, g.mails, "{}", g.fingerprint);
        assert_eq!(ids(&ql, &g.filter).await, want, "SQLite: {}", g.filter);
        assert_eq!(ids(&qp, &g.filter).await, want, "PostgreSQL: {}", g.filter);
    }
    lite.finish().await;
    pg.finish().await;
}

fn pending(to: &str) -> NewMail {
    NewMail {
        to: vec![to.to_string()],
        subject: "Przypomnienie".into(),
        body_text: "treść".into(),
        ..NewMail::default()
    }
}

async fn bulk_actions_go_in_whole_batches_and_stop_between_them(db: &TestDb) {
    let q = MailQueue::new(db.store.clone());
    let mut mails = Vec::new();
    for i in 0..1_200 {
        mails.push(pending(if i % 3 == 0 { "x@wp.pl" } else { "y@onet.pl" }));
    }
    let ids = q.enqueue_batch(&mails).await.unwrap();
    q.act(MailAction::Cancel, &ids[..10], "admin")
        .await
        .unwrap();
    let filter = Filter::parse("domain:onet.pl").unwrap();
    // The breakdown: what the filter matches, and what the action would leave alone.
    let b = q.breakdown(MailAction::Hold, &filter).await.unwrap();
    let cancelled_onet = ids[..10]
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 3 != 0)
        .count() as i64;
    assert_eq!(b.matched, 800);
    assert_eq!(b.applicable, 800 - cancelled_onet);
    assert_eq!(
        b.not_applicable,
        vec![("cancelled".to_string(), cancelled_onet)]
    );
    assert_eq!(b.top_domains, vec![("onet.pl".to_string(), 800)]);
    // Stopped after its first batch: that batch whole, nothing else touched.
    let p = q
        .act_all_matching(
            MailAction::Hold,
            &filter,
            None,
            "admin",
            std::future::ready(()),
            |_| {},
        )
        .await
        .unwrap();
    assert_eq!((p.done, p.stopped, p.finished), (500, true, false));
    let held = ids_of(&q, "status:held").await;
    assert_eq!(held.len(), 500);
    assert_eq!(ids_of(&q, "status:held -domain:onet.pl").await.len(), 0);
    let log = WorkLog::new(db.store.clone());
    for id in held.iter().take(3).chain(held.iter().last()) {
        let entries = log
            .entries(&LogFilter {
                mail_id: Some(*id),
                limit: 10,
                ..LogFilter::default()
            })
            .await
            .unwrap();
        assert!(
            entries.iter().any(|e| e.message == "held by admin"),
            "#{id}: {entries:?}"
        );
    }
    // Going on holds the rest, batch by batch, and tells of each.
    let mut batches = Vec::new();
    let p = q
        .act_all_matching(
            MailAction::Hold,
            &filter,
            None,
            "admin",
            std::future::pending(),
            |p: &BulkProgress| batches.push(p.done),
        )
        .await
        .unwrap();
    assert_eq!(p.done as i64, 800 - cancelled_onet - 500);
    assert!(p.finished && !p.stopped);
    assert_eq!(batches, vec![p.done]);
    assert_eq!(
        ids_of(&q, "status:held").await.len() as i64,
        800 - cancelled_onet
    );
    // Nothing left to do is done at once, and changes nothing.
    let again = q.breakdown(MailAction::Hold, &filter).await.unwrap();
    assert_eq!(again.applicable, 0);
    // Release by a filter that names ids: exactly those.
    let f = Filter::parse(&format!("id:{}..{}", ids[100], ids[199])).unwrap();
    let p = q
        .act_all_matching(
            MailAction::Release,
            &f,
            None,
            "admin",
            std::future::pending(),
            |_| {},
        )
        .await
        .unwrap();
    let expected = (100..200).filter(|i| i % 3 != 0).count() as u64;
    assert_eq!(p.done, expected);
    // Delete by filter: the ten cancelled mails, and nothing else.
    let f = Filter::parse("status:cancelled").unwrap();
    let p = q
        .act_all_matching(
            MailAction::Delete,
            &f,
            None,
            "admin",
            std::future::pending(),
            |_| {},
        )
        .await
        .unwrap();
    assert_eq!(p.done, 10);
    assert_eq!(ids_of(&q, "").await.len(), 1_190);
}

async fn ids_of(q: &MailQueue, text: &str) -> Vec<i64> {
    ids(q, text).await.into_iter().collect()
}

async fn a_paced_bulk_action_keeps_its_rate(db: &TestDb) {
    let q = MailQueue::new(db.store.clone());
    let mails: Vec<NewMail> = (0..100).map(|_| pending("a@onet.pl")).collect();
    let ids = q.enqueue_batch(&mails).await.unwrap();
    q.act(MailAction::Hold, &ids, "admin").await.unwrap();
    let rate = Rate::parse("1200/min").unwrap();
    let started = Instant::now();
    let mut seen = Vec::new();
    let p = q
        .act_all_matching(
            MailAction::Release,
            &Filter::parse("held:yes").unwrap(),
            Some(rate),
            "admin",
            std::future::pending(),
            |p| seen.push((started.elapsed(), p.done)),
        )
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(p.done, 100);
    // 100 mails at 20 a second: 5 s, never faster; each moment at most one batch ahead.
    let want = Duration::from_secs(5);
    assert!(took >= want.mul_f64(0.9), "{took:?}");
    assert!(
        took <= want.mul_f64(1.1) + Duration::from_secs(1),
        "{took:?}"
    );
    for (at, done) in seen {
        let allowed = (at.as_secs_f64() * 20.0).floor() as u64 + u64::from(rate.batch());
        assert!(done <= allowed, "{done} done after {at:?}");
    }
}

async fn deferral_rules_are_set_moved_listed_and_ended(db: &TestDb) {
    let q = MailQueue::new(db.store.clone());
    let now = now_ms();
    q.defer_domain("Onet.PL", now + 60_000, Some("ticket 1".into()), "admin")
        .await
        .unwrap();
    q.defer_domain("wp.pl", now + 30_000, None, "admin")
        .await
        .unwrap();
    // Set again: moved, not doubled.
    q.defer_domain("onet.pl", now + 90_000, Some("ticket 2".into()), "ola")
        .await
        .unwrap();
    let rules = q.deferred_domains().await.unwrap();
    let seen: Vec<(&str, i64, Option<&str>, &str)> = rules
        .iter()
        .map(|r| {
            (
                r.domain.as_str(),
                r.until,
                r.reason.as_deref(),
                r.by.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("wp.pl", now + 30_000, None, "admin"),
            ("onet.pl", now + 90_000, Some("ticket 2"), "ola")
        ]
    );
    assert!(q.defer_domain("a@b.pl", now + 1, None, "x").await.is_err());
    // Mail put off until the rule's end is due at once when the rule ends early; other
    // domains' mail and later retries keep their times.
    let ids = q
        .enqueue_batch(&[
            pending("a@onet.pl"),
            pending("b@wp.pl"),
            pending("c@onet.pl"),
        ])
        .await
        .unwrap();
    let claimed = q.claim("s", 10, Duration::from_secs(60)).await.unwrap();
    let back: Vec<dmsctl::queue::OutcomeRecord> = claimed
        .iter()
        .map(|c| dmsctl::queue::OutcomeRecord {
            id: c.mail.id,
            attempt: c.attempt,
            outcome: dmsctl::queue::MailOutcome::Release {
                at: if c.mail.id == ids[2] {
                    now + 500_000
                } else {
                    now + 90_000
                },
                note: None,
            },
        })
        .collect();
    q.record("s", &back).await.unwrap();
    assert!(q.end_deferral("ONET.pl", "admin").await.unwrap());
    assert!(!q.end_deferral("onet.pl", "admin").await.unwrap());
    let next = |id: i64| {
        let q = q.clone();
        async move { q.detail(id).await.unwrap().mail.next_attempt_at }
    };
    assert!(next(ids[0]).await <= now_ms(), "due at once");
    assert_eq!(next(ids[1]).await, now + 90_000, "another domain's mail");
    assert_eq!(
        next(ids[2]).await,
        now + 500_000,
        "a retry after the rule's end"
    );
    let left: Vec<String> = q
        .deferred_domains()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.domain)
        .collect();
    assert_eq!(left, vec!["wp.pl"]);
}
