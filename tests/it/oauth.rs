//! Microsoft 365 sign-in against a local identity provider (device code and token
//! endpoints over HTTP on loopback) and an aiosmtpd that checks XOAUTH2 tokens.

use crate::common::Tool;

use crate::common::oauth::IdentityProvider;
use crate::common::smtp::{Recorder, account, run_once, save_account, test_config};
use crate::common::{Backend, TestDb};
use dmsctl::Error;
use dmsctl::oauth::{OAuth, SignInFailure};
use dmsctl::queue::{MailQueue, MailStatus, NewMail};
use dmsctl::settings::{AuthMethod, Encryption, MailServerSettings};
use dmsctl::worklog::{LogFilter, WorkLog};

const MAILBOX: &str = "dms@firma.onmicrosoft.com";

fn oauth_account(port: u16) -> MailServerSettings {
    MailServerSettings {
        auth_method: AuthMethod::Oauth2,
        login: MAILBOX.into(),
        ..account(port, Encryption::None)
    }
}

async fn signed_in(
    db: &TestDb,
    idp: &IdentityProvider,
    smtp_port: u16,
) -> (crate::common::smtp::TestSettings, OAuth) {
    let settings = save_account(&db.store, &oauth_account(smtp_port)).await;
    let oauth = OAuth::new(db.store.clone(), settings.settings.clone(), &idp.config());
    let device = oauth.start().await.unwrap();
    oauth.finish(&device, MAILBOX).await.unwrap();
    (settings, oauth)
}

fn config(idp: &IdentityProvider) -> dmsctl::config::Config {
    let mut c = test_config();
    c.oauth = idp.config();
    c
}

async fn queue_one(db: &TestDb, subject: &str) -> i64 {
    MailQueue::new(db.store.clone())
        .enqueue(NewMail {
            to: vec!["jan@firma.pl".into()],
            subject: subject.into(),
            body_text: "x".into(),
            ..NewMail::default()
        })
        .await
        .unwrap()
}

/// The whole device flow: the code, polling through authorization_pending and
/// slow_down (RFC 8628: five seconds more after slow_down), then the tokens, sealed.
#[tokio::test]
async fn device_flow_pending_slow_down_then_signed_in() {
    if !crate::common::have(&[Tool::Aiosmtpd]) {
        return;
    }
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let idp = IdentityProvider::start("pending,slow_down,ok", 3600);
    let settings = save_account(&db.store, &oauth_account(25)).await;
    let oauth = OAuth::new(db.store.clone(), settings.settings.clone(), &idp.config());
    let device = oauth.start().await.unwrap();
    assert_eq!(device.user_code, "DMS-4242");
    assert_eq!(device.verification_uri, "https://microsoft.com/devicelogin");
    let status = oauth.finish(&device, MAILBOX).await.unwrap();
    assert_eq!(status.login, MAILBOX);
    assert!(status.has_refresh_token && status.refresh_error.is_none());

    let polls: Vec<f64> = idp
        .requests()
        .iter()
        .filter(|r| r["form"]["grant_type"] == "urn:ietf:params:oauth:grant-type:device_code")
        .map(|r| r["t"].as_f64().unwrap())
        .collect();
    assert_eq!(polls.len(), 3);
    assert!(
        polls[1] - polls[0] >= 0.9,
        "polls {polls:?} kept the interval"
    );
    assert!(
        polls[2] - polls[1] >= 5.9,
        "slow_down added five seconds: {polls:?}"
    );
    let scope = &idp.requests()[0]["form"]["scope"];
    assert_eq!(scope, "https://outlook.office.com/SMTP.Send offline_access");

    // Sealed at rest: no token in the database file.
    let raw = std::fs::read(db.url.trim_start_matches("sqlite://")).unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(
        !text.contains("at-1-") && !text.contains("rt-1"),
        "tokens are sealed"
    );
    assert!(oauth.logout().await.unwrap());
    assert!(oauth.status().await.unwrap().is_none());
    db.finish().await;
}

#[tokio::test]
async fn declined_expired_and_no_client_id_are_named() {
    if !crate::common::have(&[Tool::Aiosmtpd]) {
        return;
    }
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    for (script, want) in [
        ("pending,declined", SignInFailure::Declined),
        ("denied", SignInFailure::Declined),
        ("expired", SignInFailure::Expired),
    ] {
        let idp = IdentityProvider::start(script, 3600);
        let settings = save_account(&db.store, &oauth_account(25)).await;
        let oauth = OAuth::new(db.store.clone(), settings.settings.clone(), &idp.config());
        let device = oauth.start().await.unwrap();
        match oauth.finish(&device, MAILBOX).await {
            Err(Error::SignIn(f)) => assert_eq!(f, want, "{script}"),
            other => panic!("{script}: {other:?}"),
        }
        assert!(oauth.status().await.unwrap().is_none(), "nothing stored");
    }
    let settings = save_account(&db.store, &oauth_account(25)).await;
    let none = OAuth::new(
        db.store.clone(),
        settings.settings.clone(),
        &Default::default(),
    );
    let e = none.start().await.unwrap_err();
    assert!(e.to_string().starts_with("oauth.client_id:"), "{e}");
    db.finish().await;
}

/// An access token close to expiry is refreshed; the rotated refresh token is kept and
/// the spent one is never used again.
#[tokio::test]
async fn refresh_before_expiry_keeps_the_rotated_refresh_token() {
    if !crate::common::have(&[Tool::Aiosmtpd]) {
        return;
    }
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    // Sixty seconds: within the five minutes before expiry that trigger a refresh.
    let idp = IdentityProvider::start("ok", 60);
    let (_settings, oauth) = signed_in(&db, &idp, 25).await;
    let first = oauth.access_token(false).await.unwrap();
    let second = oauth.access_token(false).await.unwrap();
    assert_ne!(
        first.token, second.token,
        "each call found the token due and refreshed"
    );
    let refreshes: Vec<String> = idp
        .requests()
        .iter()
        .filter(|r| r["form"]["grant_type"] == "refresh_token")
        .map(|r| r["form"]["refresh_token"].as_str().unwrap().to_string())
        .collect();
    // rt-1 from the sign-in, then rt-2 from the first refresh: rotation persisted.
    assert_eq!(refreshes, ["rt-1", "rt-2"]);
    db.finish().await;
}

/// The sender signs in with XOAUTH2 as the mailbox; a token the server stops accepting
/// is refreshed once and the mail goes out, without an attempt charged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xoauth2_delivery_and_a_rejected_token_refreshed() {
    if !crate::common::have(&[Tool::Aiosmtpd]) {
        return;
    }
    for challenge in [false, true] {
        let db = TestDb::new(Backend::Sqlite).await.unwrap();
        let idp = IdentityProvider::start("ok", 3600);
        let server = Recorder::start_xoauth2(&idp.tokens(), challenge);
        let (settings, _oauth) = signed_in(&db, &idp, server.port).await;
        let first = queue_one(&db, "Pierwszy").await;
        let summary = run_once(&db.store, &settings, &config(&idp)).await;
        assert_eq!(summary.sent, 1, "{summary:?}");
        assert_eq!(server.received(1)[0]["auth_user"], MAILBOX);

        // The provider revokes the access token; the stored one still looks valid.
        idp.control(serde_json::json!({"revoke_access": true}));
        let second = queue_one(&db, "Drugi").await;
        let summary = run_once(&db.store, &settings, &config(&idp)).await;
        assert_eq!(summary.sent, 1, "challenge={challenge}: {summary:?}");
        let got = server.received(2);
        assert_eq!(got[1]["subject"], "Drugi");
        let logins = server.xoauth2_logins();
        assert!(logins.contains(&(MAILBOX.to_string(), false)), "{logins:?}");
        let q = MailQueue::new(db.store.clone());
        assert_eq!(q.detail(second).await.unwrap().mail.attempts, 1);
        assert_eq!(q.detail(first).await.unwrap().mail.status, MailStatus::Sent);
        let log = WorkLog::new(db.store.clone())
            .entries(&LogFilter {
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(
            log.iter()
                .any(|e| e.message.contains("refreshing the access token")),
            "{log:?}"
        );
        db.finish().await;
    }
}

/// A refresh the provider refuses: the mails stay pending with no attempt charged, and
/// the work log and `oauth status` say that sign-in is needed again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_failure_keeps_mails_pending() {
    if !crate::common::have(&[Tool::Aiosmtpd]) {
        return;
    }
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let idp = IdentityProvider::start("ok", 3600);
    let server = Recorder::start_xoauth2(&idp.tokens(), false);
    let (settings, oauth) = signed_in(&db, &idp, server.port).await;
    idp.control(serde_json::json!({"revoke_access": true, "refresh": "invalid_grant"}));
    let id = queue_one(&db, "Czeka").await;
    let summary = run_once(&db.store, &settings, &config(&idp)).await;
    assert_eq!((summary.sent, summary.failed), (0, 0), "{summary:?}");
    let mail = MailQueue::new(db.store.clone())
        .detail(id)
        .await
        .unwrap()
        .mail;
    assert_eq!(mail.status, MailStatus::Pending);
    assert_eq!(mail.attempts, 0, "not charged for a missing token");
    assert!(
        mail.next_attempt_at <= dmsctl::time::now_ms() + 1000,
        "still due"
    );
    let status = oauth.status().await.unwrap().unwrap();
    let why = status.refresh_error.unwrap();
    assert!(
        why.contains("invalid_grant") && why.contains("AADSTS50173"),
        "{why}"
    );
    let log = WorkLog::new(db.store.clone())
        .entries(&LogFilter {
            limit: 20,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|e| e.message.contains("sign-in is needed again")
                && e.message.contains("mails stay pending")),
        "{log:?}"
    );
    // A later run does not hammer the provider with the refused refresh token.
    let before = idp.requests().len();
    run_once(&db.store, &settings, &config(&idp)).await;
    assert_eq!(idp.requests().len(), before);

    // Signing in again lets the mail go.
    idp.control(serde_json::json!({"refresh": "ok"}));
    let device = oauth.start().await.unwrap();
    oauth.finish(&device, MAILBOX).await.unwrap();
    let summary = run_once(&db.store, &settings, &config(&idp)).await;
    assert_eq!(summary.sent, 1, "{summary:?}");
    drop(server);
    db.finish().await;
}

/// A refresh refused because another sender just rotated the refresh token, whose new
/// tokens reach the database only after the refusal: the refused sender waits for them
/// instead of recording "sign in again" (which made both senders fail).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_refused_while_another_lands_takes_the_new_tokens() {
    if !crate::common::have(&[Tool::Aiosmtpd]) {
        return;
    }
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let idp = IdentityProvider::start("ok", 3600);
    let (settings, a) = signed_in(&db, &idp, 25).await;
    let b = OAuth::new(db.store.clone(), settings.settings.clone(), &idp.config());
    // The other sender's write, landing 300 ms after this sender's refusal.
    let device = b.start().await.unwrap();
    idp.control(serde_json::json!({"refresh": "invalid_grant"}));
    let (refreshed, _) = tokio::join!(a.access_token(true), async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        b.finish(&device, MAILBOX).await.unwrap();
    });
    let token = refreshed.expect("the tokens the other sender stored");
    assert_eq!(token.token, b.access_token(false).await.unwrap().token);
    let status = a.status().await.unwrap().unwrap();
    assert!(status.refresh_error.is_none(), "{status:?}");
    db.finish().await;
}

/// Two senders find the token due at once: the refresh token rotates under one of them,
/// and it takes the other's new tokens instead of recording a failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refreshes_keep_the_newest_tokens() {
    if !crate::common::have(&[Tool::Aiosmtpd]) {
        return;
    }
    let db = TestDb::new(Backend::Postgres).await;
    let Some(db) = db else { return };
    let idp = IdentityProvider::start("ok", 3600);
    let (settings, a) = signed_in(&db, &idp, 25).await;
    let b = OAuth::new(db.store.clone(), settings.settings.clone(), &idp.config());
    let (x, y) = tokio::join!(a.access_token(true), b.access_token(true));
    let (x, y) = (x.unwrap(), y.unwrap());
    let status = a.status().await.unwrap().unwrap();
    assert!(status.refresh_error.is_none(), "{status:?}");
    // Whichever refreshed last, the stored token is one of the two handed out and the
    // next refresh works with the stored (rotated) refresh token.
    let stored = a.access_token(false).await.unwrap();
    assert!(stored.token == x.token || stored.token == y.token);
    a.access_token(true).await.unwrap();
    db.finish().await;
}

/// `check smtp` signs in with the stored token; without one it says sign-in is needed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_check_uses_the_token() {
    if !crate::common::have(&[Tool::Aiosmtpd]) {
        return;
    }
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let idp = IdentityProvider::start("ok", 3600);
    let server = Recorder::start_xoauth2(&idp.tokens(), false);
    let settings = save_account(&db.store, &oauth_account(server.port)).await;
    let oauth = OAuth::new(db.store.clone(), settings.settings.clone(), &idp.config());
    let config = config(&idp);
    let report =
        dmsctl::sender::check::check(&oauth_account(server.port), &config.sender, &oauth).await;
    assert!(!report.passed());
    assert!(
        report.steps[0].detail.contains("sign-in is needed"),
        "{report:?}"
    );
    let device = oauth.start().await.unwrap();
    oauth.finish(&device, MAILBOX).await.unwrap();
    let report =
        dmsctl::sender::check::check(&oauth_account(server.port), &config.sender, &oauth).await;
    assert!(report.passed(), "{report:?}");
    assert_eq!(server.xoauth2_logins(), [(MAILBOX.to_string(), true)]);
    db.finish().await;
}

/// An identity provider out of reach is not a refused refresh: nothing is recorded, and
/// once it answers again the refresh goes through.
#[tokio::test]
async fn an_unreachable_provider_is_retried_not_recorded() {
    if !crate::common::have(&[Tool::Aiosmtpd]) {
        return;
    }
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let idp = IdentityProvider::start("ok", 60);
    let (settings, _) = signed_in(&db, &idp, 25).await;
    let mut gone = idp.config();
    gone.authority = format!("http://127.0.0.1:{}", crate::common::smtp::free_port());
    let offline = OAuth::new(db.store.clone(), settings.settings.clone(), &gone);
    match offline.access_token(false).await {
        Err(Error::SignIn(SignInFailure::Unreachable(_))) => {}
        other => panic!("{other:?}"),
    }
    assert!(
        offline
            .status()
            .await
            .unwrap()
            .unwrap()
            .refresh_error
            .is_none()
    );
    let online = OAuth::new(db.store.clone(), settings.settings.clone(), &idp.config());
    online.access_token(false).await.unwrap();
    db.finish().await;
}
