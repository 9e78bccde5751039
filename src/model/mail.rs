//! The mail model: what a queued mail is, what a list shows of it, and its attachments.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::log::LogEntry;
use super::time::{Millis, serialize_millis, serialize_opt_millis};

pub type MailId = i64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum MailStatus {
    Pending,
    Sending,
    Sent,
    Failed,
    Cancelled,
}

impl MailStatus {
    pub const ALL: [MailStatus; 5] = [
        MailStatus::Pending,
        MailStatus::Sending,
        MailStatus::Sent,
        MailStatus::Failed,
        MailStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Pending => "pending",
            MailStatus::Sending => "sending",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
            MailStatus::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for MailStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MailStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        MailStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown mail status `{s}`"))
    }
}

impl TryFrom<String> for MailStatus {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

/// A mail to put into the queue.
#[derive(Debug, Clone, Default)]
pub struct NewMail {
    /// `None`: the sender uses the mail account's outgoing address at send time.
    pub from_address: Option<String>,
    pub display_name: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub reply_to: Option<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub priority: i32,
    /// Earliest send time; `None` means now.
    pub not_before: Option<Millis>,
    pub attachments: Vec<NewAttachment>,
}

#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub file_name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// One row of a list: no bodies, no attachment bytes. Decoded by `store` so that a
/// row another program wrote badly still lists (see `damaged`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MailSummary {
    pub id: MailId,
    pub status: MailStatus,
    pub held: bool,
    pub priority: i32,
    #[serde(rename = "to", serialize_with = "serialize_address_list")]
    pub to: String,
    pub subject: String,
    pub attempts: i32,
    #[serde(serialize_with = "serialize_millis")]
    pub created_at: Millis,
    #[serde(serialize_with = "serialize_millis")]
    pub next_attempt_at: Millis,
    #[serde(serialize_with = "serialize_opt_millis")]
    pub sent_at: Option<Millis>,
    pub last_error: Option<String>,
    pub claimed_by: Option<String>,
    /// Until when the claim of a mail being sent holds (then it is pending again).
    #[serde(serialize_with = "serialize_opt_millis")]
    pub lease_until: Option<Millis>,
    /// Bodies plus attachments, in bytes.
    pub size: i64,
    pub attachment_count: i64,
    /// Columns that could not be read as their type (`column: why`); shown lossily.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub damaged: Vec<String>,
}

/// A whole mail without attachment bytes (detail view, sending).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mail {
    pub id: MailId,
    pub status: MailStatus,
    pub held: bool,
    pub priority: i32,
    pub from_address: Option<String>,
    pub display_name: Option<String>,
    #[serde(rename = "to", serialize_with = "serialize_address_list")]
    pub to: String,
    #[serde(rename = "cc", serialize_with = "serialize_address_list")]
    pub cc: String,
    #[serde(rename = "bcc", serialize_with = "serialize_address_list")]
    pub bcc: String,
    pub reply_to: Option<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    #[serde(serialize_with = "serialize_millis")]
    pub created_at: Millis,
    #[serde(serialize_with = "serialize_millis")]
    pub next_attempt_at: Millis,
    #[serde(serialize_with = "serialize_millis")]
    pub queued_at: Millis,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub claimed_by: Option<String>,
    #[serde(serialize_with = "serialize_opt_millis")]
    pub lease_until: Option<Millis>,
    #[serde(serialize_with = "serialize_opt_millis")]
    pub sent_at: Option<Millis>,
    pub message_id: Option<String>,
    pub smtp_reply: Option<String>,
    /// The sender (`id@host`) that delivered the mail.
    pub sent_by: Option<String>,
    /// Columns that could not be read as their type (`column: why`): the sender fails
    /// such a mail instead of guessing what it should say.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub damaged: Vec<String>,
}

#[cfg(test)]
impl Mail {
    /// A mail with awkward recipients and a subject that tries header injection.
    pub(crate) fn sample() -> Mail {
        Mail {
            id: 1,
            status: MailStatus::Sending,
            held: false,
            priority: 0,
            from_address: None,
            display_name: None,
            to: "\"Kowalski, Jan\" <jan@firma.pl>, ola@firma.pl".into(),
            cc: String::new(),
            bcc: "ukryty@firma.pl".into(),
            reply_to: None,
            subject: "Zażółć\r\nBcc: evil@x.pl".into(),
            body_text: "Treść".into(),
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
        }
    }
}

impl Mail {
    pub fn to_list(&self) -> Vec<String> {
        split_address_list(&self.to)
    }
    pub fn cc_list(&self) -> Vec<String> {
        split_address_list(&self.cc)
    }
    pub fn bcc_list(&self) -> Vec<String> {
        split_address_list(&self.bcc)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentInfo {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub data: Vec<u8>,
    /// Columns that could not be read (`column: why`); the mail fails rather than
    /// going out with a guessed file name.
    pub damaged: Vec<String>,
}

/// A mail taken by a sender. `attempt` identifies this claim: an outcome is only
/// recorded for the claim that is still current.
#[derive(Debug, Clone)]
pub struct ClaimedMail {
    pub mail: Mail,
    pub attempt: i32,
}

/// A mail with everything the detail view shows.
#[derive(Debug, Clone, Serialize)]
pub struct MailDetail {
    #[serde(flatten)]
    pub mail: Mail,
    pub attachments: Vec<AttachmentInfo>,
    /// The mail's work-log entries, oldest first: one timeline of its attempts.
    pub log: Vec<LogEntry>,
}

/// Splits a stored recipient list. Addresses are separated by `,` or `;` (other programs
/// use either); separators inside quotes or angle brackets belong to the address.
pub fn split_address_list(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut angle) = (false, false);
    let mut escaped = false;
    for c in list.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' | ';' if !quoted && !angle => {
                push_trimmed(&mut out, &current);
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    push_trimmed(&mut out, &current);
    out
}

fn push_trimmed(out: &mut Vec<String>, s: &str) {
    let s = s.trim();
    if !s.is_empty() {
        out.push(s.to_string());
    }
}

pub fn join_address_list(list: &[String]) -> String {
    list.join(", ")
}

/// The domain part of one address (`Name <a@b.pl>` or `a@b.pl`), lower-cased.
pub fn address_domain(address: &str) -> Option<String> {
    let addr = match (address.rfind('<'), address.rfind('>')) {
        (Some(l), Some(r)) if l < r => &address[l + 1..r],
        _ => address,
    };
    addr.rsplit_once('@')
        .map(|(_, d)| d.trim().to_lowercase())
        .filter(|d| !d.is_empty())
}

fn serialize_address_list<S: serde::Serializer>(list: &str, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(split_address_list(list))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_commas_and_semicolons_outside_quotes() {
        assert_eq!(
            split_address_list(r#""Kowalski, Jan" <jan@x.pl>; ala@y.pl ,  <o@z.pl>"#),
            vec![r#""Kowalski, Jan" <jan@x.pl>"#, "ala@y.pl", "<o@z.pl>"]
        );
        assert!(split_address_list(" , ;").is_empty());
    }

    #[test]
    fn domain_of_address() {
        assert_eq!(
            address_domain("Jan <Jan@Firma.PL>").as_deref(),
            Some("firma.pl")
        );
        assert_eq!(address_domain("a@b.com").as_deref(), Some("b.com"));
        assert_eq!(address_domain("nobody"), None);
    }

    #[test]
    fn status_round_trips_through_text() {
        for st in MailStatus::ALL {
            assert_eq!(st.as_str().parse::<MailStatus>().unwrap(), st);
        }
        assert!("archived".parse::<MailStatus>().is_err());
    }
}
