//! What went wrong while sending, how long to wait before trying again, and a hint an
//! admin can act on.

use std::error::Error as _;
use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::config::SenderConfig;
use crate::time::{Millis, duration_ms};

/// Where in the conversation it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// The account or the deployment config cannot work as written.
    Config,
    Dns,
    Connect,
    Tls,
    Greeting,
    Auth,
    Mail,
    Rcpt,
    Data,
    Sendmail,
    /// The stored mail cannot be turned into a message.
    Message,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Config => "settings",
            Stage::Dns => "DNS",
            Stage::Connect => "connect",
            Stage::Tls => "TLS",
            Stage::Greeting => "greeting",
            Stage::Auth => "AUTH",
            Stage::Mail => "MAIL FROM",
            Stage::Rcpt => "RCPT TO",
            Stage::Data => "DATA",
            Stage::Sendmail => "sendmail",
            Stage::Message => "message",
        })
    }
}

const LEASE_LOST: &str = "the lease ran out before the message was sent";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmtpFailure {
    pub stage: Stage,
    /// The SMTP reply code, when the server answered.
    pub code: Option<u16>,
    pub text: String,
    pub permanent: bool,
    pub recipient: Option<String>,
    pub hint: Option<Hint>,
}

impl SmtpFailure {
    fn new(stage: Stage, code: Option<u16>, text: impl Into<String>, permanent: bool) -> Self {
        let mut f = SmtpFailure {
            stage,
            code,
            text: text.into(),
            permanent,
            recipient: None,
            hint: None,
        };
        f.hint = f.find_hint();
        f
    }

    pub fn io(stage: Stage, e: &std::io::Error) -> Self {
        let mut text = e.to_string();
        if let Some(inner) = e.get_ref() {
            text = inner.to_string();
        }
        Self::new(stage, None, text, false)
    }

    pub fn smtp(stage: Stage, e: &lettre::transport::smtp::Error) -> Self {
        let code = e.status().and_then(|c| c.to_string().parse::<u16>().ok());
        let text = match (code, e.source()) {
            (Some(_), Some(src)) => src.to_string(),
            _ => {
                // Keep the whole chain: "tls error: invalid peer certificate: UnknownIssuer".
                let mut t = e.to_string();
                let mut src = e.source();
                while let Some(s) = src {
                    let s_text = s.to_string();
                    if !t.contains(&s_text) {
                        t.push_str(": ");
                        t.push_str(&s_text);
                    }
                    src = s.source();
                }
                t
            }
        };
        Self::new(stage, code, text, e.is_permanent())
    }

    pub fn timeout(stage: Stage, after: Duration) -> Self {
        Self::new(
            stage,
            None,
            format!("no answer within {}", humantime::format_duration(after)),
            false,
        )
    }

    pub fn no_starttls() -> Self {
        Self::new(
            Stage::Tls,
            None,
            "the server does not offer STARTTLS",
            false,
        )
    }

    /// AUTH would carry the password (or token) in clear text.
    pub fn plaintext_auth_refused(encryption: crate::settings::Encryption) -> Self {
        let why = match encryption {
            crate::settings::Encryption::Auto => {
                "the server offers no STARTTLS, so the connection is not encrypted"
            }
            _ => "the connection is not encrypted (encryption none)",
        };
        Self::new(
            Stage::Auth,
            None,
            format!("refusing to send the login over an unencrypted connection: {why}"),
            false,
        )
    }

    /// The mail's lease ran out before its data was sent: it is no longer this
    /// sender's to send.
    pub fn lease_lost() -> Self {
        Self::new(Stage::Data, None, LEASE_LOST, false)
    }

    pub fn is_lease_lost(&self) -> bool {
        self.stage == Stage::Data && self.code.is_none() && self.text == LEASE_LOST
    }

    pub fn config(text: impl Into<String>) -> Self {
        Self::new(Stage::Config, None, text, false)
    }

    pub fn permanent(stage: Stage, text: impl Into<String>) -> Self {
        Self::new(stage, None, text, true)
    }

    pub fn temporary(stage: Stage, text: impl Into<String>) -> Self {
        Self::new(stage, None, text, false)
    }

    pub fn for_recipient(mut self, r: &impl fmt::Display) -> Self {
        self.recipient = Some(r.to_string());
        self
    }

    /// Every recipient refused for good.
    pub fn all_rejected(rejected: Vec<SmtpFailure>) -> Self {
        let mut first = rejected
            .first()
            .cloned()
            .unwrap_or_else(|| Self::permanent(Stage::Rcpt, "no recipient was accepted"));
        if rejected.len() > 1 {
            first.text = rejected
                .iter()
                .map(|f| format!("{}: {}", f.recipient.as_deref().unwrap_or("?"), f.reply()))
                .collect::<Vec<_>>()
                .join("; ");
            first.code = rejected.iter().find_map(|f| f.code);
            first.recipient = None;
        }
        first
    }

    /// The server answered (as opposed to a broken connection or a local problem).
    pub fn is_reply(&self) -> bool {
        self.code.is_some()
    }

    /// 421: the server is closing the connection.
    pub fn closes_connection(&self) -> bool {
        self.code == Some(421)
    }

    /// About the server, the account or the network rather than this mail: one attempt
    /// is charged for the connection, the other mails wait without losing one, and the
    /// whole destination backs off. Only what happens before any mail counts (connect,
    /// greeting, TLS, AUTH), and a 421 (the server says it is shutting the service down).
    pub fn is_destination_wide(&self) -> bool {
        match self.stage {
            Stage::Config
            | Stage::Dns
            | Stage::Connect
            | Stage::Tls
            | Stage::Greeting
            | Stage::Auth => true,
            Stage::Mail | Stage::Rcpt | Stage::Data => self.closes_connection(),
            Stage::Sendmail | Stage::Message => false,
        }
    }

    /// The connection broke or stalled during one mail's transaction: that mail is
    /// retried later, and the connection is rebuilt for the next one.
    pub fn is_connection_lost(&self) -> bool {
        matches!(self.stage, Stage::Mail | Stage::Rcpt | Stage::Data) && !self.is_reply()
    }

    fn reply(&self) -> String {
        match self.code {
            Some(c) => format!("{c} {}", self.text),
            None => self.text.clone(),
        }
    }

    /// One line for `last_error` and the work log's message.
    pub fn summary(&self) -> String {
        let who = self
            .recipient
            .as_ref()
            .map(|r| format!(" {r}"))
            .unwrap_or_default();
        format!("{}{who}: {}", self.stage, self.reply())
    }

    /// The SMTP code and text plus the hint: the work log's detail.
    pub fn detail(&self) -> String {
        match &self.hint {
            Some(h) => format!("{} — {h}", self.reply()),
            None => self.reply(),
        }
    }

    /// An XOAUTH2 login refused: a 535, or a 334 challenge (Gmail-style: the server
    /// answers a bad token with a base64 error and waits). A fresh token may do.
    pub fn token_rejected(&self) -> bool {
        self.stage == Stage::Auth
            && (self.code == Some(535)
                || self.code == Some(334)
                || self.text.contains("does not expect a challenge"))
    }

    /// Marks a failure of an XOAUTH2 login and gives it the Microsoft 365 hints.
    pub fn with_oauth(mut self) -> Self {
        let t = self.text.to_lowercase();
        let hint = if t.contains("5.7.139") {
            Some(Hint::TenantSmtpAuthOff)
        } else if t.contains("5.7.3") {
            Some(Hint::TokenMailboxWrong)
        } else if self.text.contains("does not expect a challenge") || self.code == Some(334) {
            Some(Hint::GoogleNeedsAppPassword)
        } else if self.code == Some(535) {
            Some(Hint::TokenRefused)
        } else {
            None
        };
        if let Some(h) = hint {
            self.hint = Some(h);
        }
        self
    }

    fn find_hint(&self) -> Option<Hint> {
        let t = self.text.to_lowercase();
        let hint = match (self.stage, self.code) {
            (_, Some(535)) => Hint::LoginRefused,
            (_, Some(534)) => Hint::StrongerLogin,
            (_, Some(530)) => Hint::LoginRequired,
            (_, Some(421)) => Hint::ServerBusy,
            (_, Some(550..=553)) if self.stage == Stage::Rcpt => Hint::RecipientUnknown,
            (_, Some(552)) => Hint::TooLarge,
            (_, Some(554)) if self.stage == Stage::Mail => Hint::SenderRefused,
            (Stage::Dns, _) => Hint::NameDoesNotResolve,
            (Stage::Connect, _) if t.contains("refused") => Hint::NothingListens,
            (Stage::Connect, _) | (Stage::Greeting, None) if t.contains("no answer") => {
                Hint::NoAnswer
            }
            (Stage::Tls, _) if t.contains("starttls") => Hint::NoStartTls,
            (Stage::Tls, _)
                if t.contains("unknownissuer")
                    || t.contains("unknown issuer")
                    || t.contains("invalid peer certificate") && !t.contains("notvalidforname") =>
            {
                Hint::CertificateNotTrusted
            }
            (Stage::Tls, _)
                if t.contains("notvalidforname") || t.contains("not valid for name") =>
            {
                Hint::CertificateForAnotherName
            }
            (Stage::Tls, _) | (Stage::Greeting, None)
                if t.contains("corrupt")
                    || t.contains("invalidcontenttype")
                    || t.contains("received corrupt message")
                    || t.contains("incomplete") =>
            {
                Hint::PortSpeaksOtherTls
            }
            (Stage::Tls, _) if t.contains("expired") => Hint::CertificateExpired,
            (Stage::Auth, None) if t.contains("unencrypted") => Hint::LoginNeedsEncryption,
            _ => return None,
        };
        Some(hint)
    }
}

/// What an admin can do about a failure. Stored and printed in English (the work log,
/// `--json`, the CLI); a console words it in its own language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    LoginRefused,
    StrongerLogin,
    LoginRequired,
    ServerBusy,
    RecipientUnknown,
    TooLarge,
    SenderRefused,
    NameDoesNotResolve,
    NothingListens,
    NoAnswer,
    NoStartTls,
    CertificateNotTrusted,
    CertificateForAnotherName,
    PortSpeaksOtherTls,
    CertificateExpired,
    LoginNeedsEncryption,
    TenantSmtpAuthOff,
    TokenMailboxWrong,
    GoogleNeedsAppPassword,
    TokenRefused,
    InstallMta,
    SetServer,
    SignIn,
    UseEncryption,
}

impl Hint {
    pub const ALL: [Hint; 24] = [
        Hint::LoginRefused,
        Hint::StrongerLogin,
        Hint::LoginRequired,
        Hint::ServerBusy,
        Hint::RecipientUnknown,
        Hint::TooLarge,
        Hint::SenderRefused,
        Hint::NameDoesNotResolve,
        Hint::NothingListens,
        Hint::NoAnswer,
        Hint::NoStartTls,
        Hint::CertificateNotTrusted,
        Hint::CertificateForAnotherName,
        Hint::PortSpeaksOtherTls,
        Hint::CertificateExpired,
        Hint::LoginNeedsEncryption,
        Hint::TenantSmtpAuthOff,
        Hint::TokenMailboxWrong,
        Hint::GoogleNeedsAppPassword,
        Hint::TokenRefused,
        Hint::InstallMta,
        Hint::SetServer,
        Hint::SignIn,
        Hint::UseEncryption,
    ];

    pub fn en(self) -> &'static str {
        match self {
            Hint::LoginRefused => {
                "authentication failed: check login and password (Gmail, Onet and others need an app password)"
            }
            Hint::StrongerLogin => {
                "the server wants a stronger login: for Gmail use a 16-character app password"
            }
            Hint::LoginRequired => "the server requires a login: set login and password",
            Hint::ServerBusy => {
                "the server is closing connections (busy or rate-limited); sending resumes after a pause"
            }
            Hint::RecipientUnknown => {
                "the recipient's address is wrong or the mailbox does not exist"
            }
            Hint::TooLarge => "the message is too large for the server",
            Hint::SenderRefused => "the server refuses this sender: check from_address",
            Hint::NameDoesNotResolve => "server_name does not resolve: check the host name",
            Hint::NothingListens => {
                "nothing listens there: check server_name and port (usually 25, 465 or 587)"
            }
            Hint::NoAnswer => "no answer: check the firewall, server_name and port",
            Hint::NoStartTls => {
                "the server does not offer STARTTLS: use encryption ssl on port 465, or auto"
            }
            Hint::CertificateNotTrusted => {
                "the server's certificate is not trusted: set [sender] tls_ca_file to the CA that signed it"
            }
            Hint::CertificateForAnotherName => {
                "the certificate is for another host name: set server_name to the name on the certificate"
            }
            Hint::PortSpeaksOtherTls => {
                "the port does not speak TLS that way: use starttls on 587 or ssl on 465"
            }
            Hint::CertificateExpired => "the server's certificate has expired",
            Hint::LoginNeedsEncryption => {
                "use encryption ssl (port 465) or starttls (587); or, on a trusted network only, set [sender] allow_plaintext_auth = true"
            }
            Hint::TenantSmtpAuthOff => {
                "SMTP AUTH is disabled for the tenant or the mailbox (535 5.7.139): an Exchange \
                 admin must allow authenticated SMTP for this mailbox"
            }
            Hint::TokenMailboxWrong => {
                "the token or the mailbox is wrong (535 5.7.3): login must be the mailbox the \
                 token was issued for, and the app needs SMTP.Send"
            }
            Hint::GoogleNeedsAppPassword => {
                "the server refused the token with a challenge (a Google-style XOAUTH2 error): \
                 Google accounts need an app password, not OAuth2"
            }
            Hint::TokenRefused => {
                "the server refused the access token: sign in again if a refresh does not help"
            }
            Hint::InstallMta => "install an MTA (e.g. postfix) or correct sendmail_path",
            Hint::SetServer => "set the server in the Mail server tab",
            Hint::SignIn => "sign in with `dmsctl oauth login` or Authorize (a) in the console",
            Hint::UseEncryption => {
                "use encryption ssl (port 465) or starttls (587) if the server supports it"
            }
        }
    }

    /// The hint a stored English text is, if it is one.
    pub fn from_en(text: &str) -> Option<Hint> {
        Hint::ALL.into_iter().find(|h| h.en() == text.trim())
    }
}

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.en())
    }
}

impl Serialize for Hint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.en())
    }
}

impl fmt::Display for SmtpFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())?;
        if let Some(h) = &self.hint {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

/// The wait before attempt `attempt + 1`: doubling from `retry_initial`, capped at
/// `retry_max`, with ±20 % jitter so many deferred mails do not retry in step.
pub fn retry_delay(config: &SenderConfig, attempt: u32) -> Duration {
    let base =
        config.retry_initial.as_secs_f64() * 2f64.powi(attempt.saturating_sub(1).min(30) as i32);
    let capped = base.min(config.retry_max.as_secs_f64());
    let jitter = 0.8 + fastrand::f64() * 0.4;
    Duration::from_secs_f64(capped * jitter)
}

/// When to try again, or `None` when the mail has been in the queue for longer than
/// `max_queue_lifetime` by then (it fails).
pub fn next_attempt(
    config: &SenderConfig,
    attempt: u32,
    queued_at: Millis,
    now: Millis,
) -> Option<Millis> {
    let at = now + duration_ms(retry_delay(config, attempt));
    (at - queued_at <= duration_ms(config.max_queue_lifetime)).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_tokens_and_their_hints() {
        let ms = SmtpFailure::new(
            Stage::Auth,
            Some(535),
            "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled",
            true,
        )
        .with_oauth();
        assert!(ms.token_rejected());
        assert!(
            ms.hint
                .map(Hint::en)
                .unwrap()
                .contains("SMTP AUTH is disabled")
        );
        let bad = SmtpFailure::new(
            Stage::Auth,
            Some(535),
            "5.7.3 Authentication unsuccessful",
            true,
        )
        .with_oauth();
        assert!(
            bad.hint
                .map(Hint::en)
                .unwrap()
                .contains("mailbox the token was issued for")
        );
        let google = SmtpFailure::new(
            Stage::Auth,
            None,
            "client: This mechanism does not expect a challenge",
            false,
        )
        .with_oauth();
        assert!(google.token_rejected());
        assert!(google.hint.map(Hint::en).unwrap().contains("app password"));
        let other = SmtpFailure::new(Stage::Rcpt, Some(535), "x", true);
        assert!(!other.token_rejected());
    }

    #[test]
    fn schedule_doubles_caps_and_expires() {
        let c = SenderConfig::default();
        for (attempt, minutes) in [(1u32, 5.0), (2, 10.0), (3, 20.0), (5, 60.0), (9, 60.0)] {
            let d = retry_delay(&c, attempt).as_secs_f64() / 60.0;
            assert!(d >= minutes * 0.8 && d <= minutes * 1.2, "{attempt}: {d}");
        }
        let day = 86_400_000;
        assert!(next_attempt(&c, 3, 0, day).is_some());
        assert!(
            next_attempt(&c, 3, 0, 5 * day).is_none(),
            "past 5 days it fails"
        );
    }

    #[test]
    fn classification() {
        let auth = SmtpFailure::new(Stage::Auth, Some(535), "5.7.8 bad credentials", true);
        assert!(auth.is_destination_wide());
        assert!(auth.hint.map(Hint::en).unwrap().contains("app password"));
        let rcpt = SmtpFailure::new(Stage::Rcpt, Some(550), "5.1.1 unknown", true);
        assert!(!rcpt.is_destination_wide());
        let busy = SmtpFailure::new(Stage::Mail, Some(421), "4.3.2 shutting down", false);
        assert!(busy.is_destination_wide());
        let dropped = SmtpFailure::new(Stage::Data, None, "incomplete response", false);
        assert!(!dropped.is_destination_wide(), "one mail's problem");
        assert!(dropped.is_connection_lost());
        assert!(!rcpt.is_connection_lost());
        let timeout = SmtpFailure::timeout(Stage::Rcpt, Duration::from_secs(5));
        assert!(timeout.is_connection_lost() && !timeout.is_destination_wide());
        let tls = SmtpFailure::new(
            Stage::Tls,
            None,
            "invalid peer certificate: UnknownIssuer",
            false,
        );
        assert!(tls.hint.map(Hint::en).unwrap().contains("tls_ca_file"));
        assert_eq!(
            rcpt.clone().for_recipient(&"a@b.pl").summary(),
            "RCPT TO a@b.pl: 550 5.1.1 unknown"
        );
    }
}
