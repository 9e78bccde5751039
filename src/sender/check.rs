//! `dmsctl check smtp`: walks the connection step by step without sending anything.

use serde::Serialize;

use super::failure::{Hint, SmtpFailure, Stage};
use super::sendmail;
use super::transport::{ConnectReport, SmtpTarget};
use crate::config::SenderConfig;
use crate::settings::{Encryption, MailServerSettings, SendWith};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepState {
    Ok,
    /// Worked, but not as safely as it should (`auto` fell back to clear text).
    Warning,
    Failed,
    Skipped,
}

/// Every name a step can have.
pub const STEP_NAMES: [&str; 8] = [
    "settings", "sendmail", "auth", "dns", "tcp", "tls", "starttls", "ehlo",
];

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub name: &'static str,
    pub state: StepState,
    pub detail: String,
    pub hint: Option<Hint>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub steps: Vec<Step>,
    /// Certificate checks are off (`tls_accept_invalid_certs`).
    pub insecure: bool,
}

impl CheckReport {
    pub fn passed(&self) -> bool {
        self.steps.iter().all(|s| s.state != StepState::Failed)
    }
}

pub async fn check(
    account: &MailServerSettings,
    config: &SenderConfig,
    oauth: &crate::oauth::OAuth,
) -> CheckReport {
    check_with_progress(account, config, oauth, None).await
}

/// As `check`, telling `progress` each step's name as it starts. With OAuth2 the login
/// uses the stored access token (refreshed if due).
pub async fn check_with_progress(
    account: &MailServerSettings,
    config: &SenderConfig,
    oauth: &crate::oauth::OAuth,
    progress: Option<tokio::sync::mpsc::UnboundedSender<&'static str>>,
) -> CheckReport {
    if account.send_with == SendWith::Sendmail {
        let step = match sendmail::check_binary(&account.sendmail_path) {
            Ok(()) => Step {
                name: "sendmail",
                state: StepState::Ok,
                detail: format!("profile exists: {}", account.sendmail_path),
                hint: None,
            },
            Err(e) => Step {
                name: "sendmail",
                state: StepState::Failed,
                detail: e,
                hint: Some(Hint::InstallMta),
            },
        };
        return CheckReport {
            steps: vec![step],
            insecure: false,
        };
    }
    if account.server_name.trim().is_empty() {
        return CheckReport {
            steps: vec![Step {
                name: "settings",
                state: StepState::Failed,
                detail: "mail_server.server_name is empty".into(),
                hint: Some(Hint::SetServer),
            }],
            insecure: false,
        };
    }
    let mut target = SmtpTarget::new(account, config);
    let mut sign_in = None;
    if account.auth_method == crate::settings::AuthMethod::Oauth2 {
        match oauth.access_token(false).await {
            Ok(t) => target = target.with_token(&t.login, &t.token),
            Err(e) => sign_in = Some(e.to_string()),
        }
    }
    if let Some(why) = sign_in {
        return CheckReport {
            steps: vec![Step {
                name: "auth",
                state: StepState::Failed,
                detail: format!("Microsoft 365 sign-in is needed: {why}"),
                hint: Some(Hint::SignIn),
            }],
            insecure: false,
        };
    }
    let mut report = ConnectReport {
        progress,
        ..ConnectReport::default()
    };
    let result = target.open(&mut report).await;
    let (failure, cert) = match result {
        Ok((session, cert)) => {
            session.quit().await;
            (None, cert)
        }
        Err(f) => (Some(f), None),
    };
    CheckReport {
        steps: steps(&target, account, &report, failure.as_ref(), cert.as_deref()),
        insecure: config.tls_accept_invalid_certs,
    }
}

fn steps(
    target: &SmtpTarget,
    account: &MailServerSettings,
    report: &ConnectReport,
    failure: Option<&SmtpFailure>,
    cert: Option<&[u8]>,
) -> Vec<Step> {
    let tls_wanted = target.encryption != Encryption::None;
    let order = [
        Stage::Dns,
        Stage::Connect,
        Stage::Tls,
        Stage::Greeting,
        Stage::Auth,
    ];
    let failed_at = failure.map(|f| match f.stage {
        // A greeting that breaks inside implicit TLS is the TLS step's failure.
        Stage::Greeting if target.implicit_tls() && f.code.is_none() => Stage::Tls,
        Stage::Config => Stage::Tls,
        other => other,
    });
    let failed_index = failed_at.and_then(|s| order.iter().position(|o| *o == s));
    let mut out = Vec::new();
    for (i, stage) in order.iter().enumerate() {
        let (name, ok_detail) = match stage {
            Stage::Dns => (
                "dns",
                format!(
                    "{} -> {}",
                    target.host,
                    report
                        .addresses
                        .iter()
                        .map(|a| a.ip().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            Stage::Connect => (
                "tcp",
                format!("connected to {}:{}", target.host, target.port),
            ),
            Stage::Tls => (
                if target.implicit_tls() {
                    "tls"
                } else {
                    "starttls"
                },
                match cert {
                    Some(der) => describe_certificate(der),
                    None if report.encrypted => "encrypted".into(),
                    None => "not offered by the server; the connection stays plain".into(),
                },
            ),
            Stage::Greeting => ("ehlo", report.capabilities.clone()),
            Stage::Auth => ("auth", format!("logged in as {}", account.login.trim())),
            _ => continue,
        };
        let skipped_by_settings = match stage {
            Stage::Tls => !tls_wanted,
            Stage::Auth => account.login.trim().is_empty(),
            _ => false,
        };
        let state = match failed_index {
            Some(f) if f == i => StepState::Failed,
            Some(f) if f < i => StepState::Skipped,
            _ if skipped_by_settings => StepState::Skipped,
            _ if *stage == Stage::Tls && report.fell_back_to_plain => StepState::Warning,
            _ => StepState::Ok,
        };
        let (detail, hint) = match state {
            StepState::Failed => {
                let f = failure
                    .cloned()
                    .unwrap_or_else(|| SmtpFailure::config("failed"));
                (f.detail_without_hint(), f.hint)
            }
            StepState::Skipped if skipped_by_settings && failed_index.is_none_or(|f| f > i) => (
                match stage {
                    Stage::Tls => "encryption is none".to_string(),
                    _ => "no login set: sending without SMTP AUTH".to_string(),
                },
                None,
            ),
            StepState::Skipped => ("not reached".into(), None),
            StepState::Warning => (
                "the server offers no STARTTLS: mail goes out unencrypted".into(),
                Some(Hint::UseEncryption),
            ),
            StepState::Ok => (ok_detail, None),
        };
        out.push(Step {
            name,
            state,
            detail,
            hint,
        });
    }
    out
}

/// Subject, issuer and expiry of the server's certificate.
pub fn describe_certificate(der: &[u8]) -> String {
    match x509_parser::parse_x509_certificate(der) {
        Ok((_, cert)) => {
            let not_after = cert.validity().not_after;
            let days = (not_after.timestamp() - crate::time::now_ms() / 1000) / 86_400;
            format!(
                "certificate {} issued by {}, valid until {} ({days} days left)",
                cert.subject(),
                cert.issuer(),
                not_after
            )
        }
        Err(e) => format!("certificate could not be read: {e}"),
    }
}

impl SmtpFailure {
    fn detail_without_hint(&self) -> String {
        match self.code {
            Some(c) => format!("{c} {}", self.text),
            None => self.text.clone(),
        }
    }
}
