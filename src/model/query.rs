//! Which mails to list and what an admin can do to them.

use std::fmt;
use std::str::FromStr;

use super::filter::Filter;
use super::mail::{MailId, MailStatus};

/// Which mails a list shows. `Held` is its own bucket: a held mail is pending but is not
/// counted or listed as pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    #[default]
    All,
    Held,
    Status(MailStatus),
}

impl FromStr for StatusFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "all" => Ok(StatusFilter::All),
            "held" => Ok(StatusFilter::Held),
            "archived" => Ok(StatusFilter::Status(MailStatus::Sent)),
            other => other.parse().map(StatusFilter::Status).map_err(|_| {
                format!(
                    "`{other}` is not a status (pending, sending, sent, failed, cancelled, held, all)"
                )
            }),
        }
    }
}

/// Keyset position: the id of the last row seen, in the order shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// The rows shown below this id (next page down).
    Before(MailId),
    /// The rows shown above this id (page up).
    After(MailId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailQuery {
    pub status: StatusFilter,
    /// The filter language's terms (`/` in the console, `--filter`).
    pub filter: Filter,
    /// Position in the list as shown: `Before` continues down, `After` goes back up.
    pub cursor: Option<Cursor>,
    pub limit: u32,
    /// Oldest mails first instead of newest first.
    pub oldest_first: bool,
    /// Look only at the newest this many mails (by id) for a filter no index serves:
    /// the console's search stays quick at any depth of the queue, and says so.
    pub window: Option<u32>,
}

impl Default for MailQuery {
    fn default() -> Self {
        MailQuery {
            status: StatusFilter::All,
            filter: Filter::default(),
            cursor: None,
            limit: 50,
            oldest_first: false,
            window: None,
        }
    }
}

/// What an admin can do to mails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailAction {
    /// Send now; for failed, cancelled and archived (sent) mails, queue them again.
    Retry,
    Cancel,
    Hold,
    Release,
    Delete,
}

impl MailAction {
    pub fn verb(self) -> &'static str {
        match self {
            MailAction::Retry => "retry",
            MailAction::Cancel => "cancel",
            MailAction::Hold => "hold",
            MailAction::Release => "release",
            MailAction::Delete => "delete",
        }
    }

    pub fn applicable_statuses(self) -> &'static str {
        match self {
            MailAction::Retry => "pending, failed, cancelled or sent",
            MailAction::Cancel => "pending or failed",
            MailAction::Hold => "pending",
            MailAction::Release => "held",
            MailAction::Delete => "pending, sent, failed or cancelled",
        }
    }

    pub fn applies_to(self, status: &str) -> bool {
        match self {
            MailAction::Retry => matches!(status, "pending" | "failed" | "cancelled" | "sent"),
            MailAction::Cancel => matches!(status, "pending" | "failed"),
            MailAction::Hold | MailAction::Release => status == "pending",
            MailAction::Delete => status != "sending",
        }
    }

    /// The work-log line for this action (stored, so in English).
    pub fn log_message(self, actor: &str) -> String {
        match self {
            MailAction::Retry => format!("queued again for sending now by {actor}"),
            MailAction::Cancel => format!("cancelled by {actor}"),
            MailAction::Hold => format!("held by {actor}"),
            MailAction::Release => format!("released by {actor}"),
            MailAction::Delete => format!("deleted by {actor}"),
        }
    }
}

impl fmt::Display for MailAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.verb())
    }
}
