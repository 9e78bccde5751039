//! What a sender claims and what it reports back about each mail.

use super::mail::MailId;
use super::time::Millis;

/// What happened to one claimed mail.
#[derive(Debug, Clone, PartialEq)]
pub enum MailOutcome {
    /// Accepted by the server (2xx).
    Sent {
        message_id: Option<String>,
        reply: String,
        /// Delete the mail and its attachments instead of archiving it.
        delete: bool,
        /// Recipients the server refused for good; the others got the mail.
        rejected: Vec<StoredFailure>,
    },
    /// Temporary failure: try again at `at`.
    Retry { at: Millis, failure: StoredFailure },
    /// Permanent failure.
    Failed { failure: StoredFailure },
    /// Not attempted (sending disabled, sign-in needed): back to pending, no attempt used.
    Release { at: Millis, note: Option<String> },
}

/// What the work log and `last_error` say about a failure.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFailure {
    pub message: String,
    /// SMTP code and reply text, or other technical detail.
    pub detail: Option<String>,
}

/// Who holds a claim: the sender's id and the token of its current process lifetime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimant {
    pub id: String,
    pub token: String,
    /// Recorded on the mails it delivers (`sent_by`), with the id.
    pub host: String,
}

impl Claimant {
    /// A claimant whose token is its id (tools and tests that act as one sender).
    pub fn named(id: &str) -> Self {
        Claimant {
            id: id.to_string(),
            token: id.to_string(),
            host: String::new(),
        }
    }

    /// `id@host`, recorded on the mails it delivers.
    pub fn sent_by(&self) -> String {
        if self.host.is_empty() {
            self.id.clone()
        } else {
            format!("{}@{}", self.id, self.host)
        }
    }
}

#[derive(Debug, Clone)]
pub struct OutcomeRecord {
    pub id: MailId,
    pub attempt: i32,
    pub outcome: MailOutcome,
}

/// What an anonymized mail keeps in place of its recipients and subject.
pub const ANONYMIZED_RECIPIENT: &str = "anonymized@anonymized.invalid";
pub const ANONYMIZED_SUBJECT: &str = "(anonymized)";
