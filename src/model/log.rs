//! The work log's entries [DF_WorkLogEntries]: what the sender and the admins did, with
//! the SMTP code and text of every failure.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::mail::MailId;
use super::time::{Millis, serialize_millis};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }

    /// This level and every more severe one (a filter shows "warn and worse").
    pub fn and_above(self) -> Vec<Level> {
        [Level::Info, Level::Warn, Level::Error]
            .into_iter()
            .filter(|l| *l >= self)
            .collect()
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "info" => Ok(Level::Info),
            "warn" | "warning" => Ok(Level::Warn),
            "error" => Ok(Level::Error),
            _ => Err(format!("`{s}` is not a level (info, warn, error)")),
        }
    }
}

impl TryFrom<String> for Level {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogEntry {
    pub id: i64,
    #[serde(serialize_with = "serialize_millis")]
    pub time: Millis,
    pub level: Level,
    pub source: String,
    pub mail_id: Option<MailId>,
    pub message: String,
    pub detail: Option<String>,
}

impl LogEntry {
    /// The detail without what the message already says: a failure's detail starts
    /// with the server's reply, which its message names too; then only the hint after
    /// the reply is left (None when nothing is).
    pub fn detail_beyond_message(&self) -> Option<&str> {
        let detail = self.detail.as_deref()?.trim();
        let (reply, rest) = match detail.split_once(" — ") {
            Some((reply, hint)) => (reply.trim(), Some(hint.trim())),
            None => (detail, None),
        };
        if !reply.is_empty() && self.message.contains(reply) {
            rest.filter(|h| !h.is_empty())
        } else {
            Some(detail).filter(|d| !d.is_empty())
        }
    }
}

/// What is left of a mail's work-log entry once the mail is anonymized: the step it was
/// about and the SMTP codes, never the addresses, subject or reply text (replies quote
/// addresses). Time and level stay on the entry itself.
pub fn anonymized_message(message: &str, detail: Option<&str>) -> String {
    const STEPS: [&str; 12] = [
        "delivered",
        "RCPT TO",
        "MAIL FROM",
        "DATA",
        "AUTH",
        "TLS",
        "DNS",
        "connect",
        "greeting",
        "sendmail",
        "settings",
        "message",
    ];
    let step = STEPS.iter().find(|s| message.starts_with(**s));
    // The first reply code (550) and its enhanced code (5.1.1), if any.
    let text = format!("{message} {}", detail.unwrap_or(""));
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ':' || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let is_code = |w: &str| {
        w.len() == 3 && w.starts_with(['2', '3', '4', '5']) && w.bytes().all(|b| b.is_ascii_digit())
    };
    let is_enhanced = |w: &str| {
        let parts: Vec<&str> = w.split('.').collect();
        parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    let code = words.iter().position(|w| is_code(w)).map(|i| {
        match words.get(i + 1).filter(|w| is_enhanced(w)) {
            Some(e) => format!("{} {e}", words[i]),
            None => words[i].to_string(),
        }
    });
    match (step, code) {
        (Some(s), Some(c)) => format!("{s}: {c} (anonymized)"),
        (Some(s), None) => format!("{s} (anonymized)"),
        (None, Some(c)) => format!("{c} (anonymized)"),
        (None, None) => "(anonymized)".to_string(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewLogEntry {
    pub level: Level,
    pub source: String,
    pub mail_id: Option<MailId>,
    pub message: String,
    pub detail: Option<String>,
}

impl NewLogEntry {
    pub fn new(level: Level, message: impl Into<String>) -> Self {
        NewLogEntry {
            level,
            source: "dmsctl".into(),
            mail_id: None,
            message: message.into(),
            detail: None,
        }
    }
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = source.into();
        self
    }
    pub fn mail(mut self, id: MailId) -> Self {
        self.mail_id = Some(id);
        self
    }
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Which entries to list: newest first, from `before_id` down.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    pub mail_id: Option<MailId>,
    pub min_level: Option<Level>,
    pub before_id: Option<i64>,
    pub limit: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_the_message_names_is_not_repeated() {
        let entry = |message: &str, detail: Option<&str>| LogEntry {
            id: 1,
            time: 0,
            level: Level::Error,
            source: "sender".into(),
            mail_id: Some(1),
            message: message.into(),
            detail: detail.map(Into::into),
        };
        let e = entry(
            "RCPT TO a@b.pl: 550 5.1.1 User unknown",
            Some("550 5.1.1 User unknown — the address is wrong"),
        );
        assert_eq!(e.detail_beyond_message(), Some("the address is wrong"));
        let e = entry("delivered", Some("250 2.0.0 Ok: queued as 4F2"));
        assert_eq!(
            e.detail_beyond_message(),
            Some("250 2.0.0 Ok: queued as 4F2")
        );
        let e = entry("connect: refused 421 busy", Some("421 busy"));
        assert_eq!(e.detail_beyond_message(), None);
        assert_eq!(entry("x", None).detail_beyond_message(), None);
    }

    #[test]
    fn an_anonymized_entry_keeps_the_step_and_the_codes_only() {
        assert_eq!(
            anonymized_message(
                "RCPT TO reject-cc286@firma.pl: 550 5.1.1 <reject-cc286@firma.pl>: User unknown",
                Some("550 5.1.1 User unknown — the address is wrong")
            ),
            "RCPT TO: 550 5.1.1 (anonymized)"
        );
        assert_eq!(
            anonymized_message("delivered", Some("250 2.0.0 Ok: queued as 4F2")),
            "delivered: 250 2.0.0 (anonymized)"
        );
        assert_eq!(
            anonymized_message("Umowa dla jan@firma.pl", None),
            "(anonymized)"
        );
    }
}
