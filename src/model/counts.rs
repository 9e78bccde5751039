//! The queue in numbers: counts by status, the queue shape, what monitoring sees.

use serde::Serialize;

use super::mail::MailStatus;
use super::query::StatusFilter;
use super::sender::RegisteredSender;
use super::time::Millis;

/// Mails by status. `pending` excludes held mails, which are counted under `held`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QueueCounts {
    pub pending: i64,
    pub held: i64,
    pub sending: i64,
    pub sent: i64,
    pub failed: i64,
    pub cancelled: i64,
}

impl QueueCounts {
    pub fn total(&self) -> i64 {
        self.pending + self.held + self.sending + self.sent + self.failed + self.cancelled
    }

    pub fn get(&self, filter: StatusFilter) -> i64 {
        match filter {
            StatusFilter::All => self.total(),
            StatusFilter::Held => self.held,
            StatusFilter::Status(MailStatus::Pending) => self.pending,
            StatusFilter::Status(MailStatus::Sending) => self.sending,
            StatusFilter::Status(MailStatus::Sent) => self.sent,
            StatusFilter::Status(MailStatus::Failed) => self.failed,
            StatusFilter::Status(MailStatus::Cancelled) => self.cancelled,
        }
    }
}

/// Age buckets of the queue shape, in minutes, as Postfix's qshape prints them.
pub const SHAPE_BUCKET_MINUTES: [i64; 9] = [5, 10, 20, 40, 80, 160, 320, 640, 1280];

/// Undelivered mails (pending, held, sending) per recipient domain and age, like qshape.
/// A mail to several domains counts once for each.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QueueShape {
    /// Column labels: `5`, `10`, ... `1280`, `1280+` (minutes).
    pub buckets: Vec<String>,
    /// Domains, most mails first.
    pub rows: Vec<ShapeRow>,
    pub total: ShapeRow,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ShapeRow {
    pub domain: String,
    pub total: i64,
    pub counts: Vec<i64>,
}

/// The queue as monitoring sees it (`check queue`, `queue stats --prometheus`).
#[derive(Debug, Clone)]
pub struct QueueHealth {
    pub counts: QueueCounts,
    pub oldest_pending_age_ms: Option<Millis>,
    pub delivered_last_hour: i64,
    pub failed_last_hour: i64,
    pub senders: Vec<RegisteredSender>,
    pub now: Millis,
}
