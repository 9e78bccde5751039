//! The mail queue: what the sender, the console and the CLI do with queued mail.
//! Validation and time live here; the SQL lives in `store`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

mod bulk;
mod deferrals;
mod errors;

pub use crate::model::{
    Attachment, AttachmentInfo, Claimant, ClaimedMail, Cursor, ErrorGroup, Filter, FilterError,
    Mail, MailAction, MailDetail, MailId, MailOutcome, MailQuery, MailStatus, MailSummary,
    NewAttachment, NewMail, OutcomeRecord, QueueCounts, QueueHealth, QueueShape,
    SHAPE_BUCKET_MINUTES, ShapeRow, StatusFilter, StoredFailure,
};
pub use bulk::{BATCH, Breakdown, BulkProgress, Rate};

use crate::error::{Error, Result};
use crate::model::{Level, LogFilter, NewLogEntry};
use crate::store::Store;
use crate::time::{Millis, duration_ms, now_ms};

type Clock = Arc<dyn Fn() -> Millis + Send + Sync>;

#[derive(Clone)]
pub struct MailQueue {
    store: Store,
    clock: Clock,
}

impl fmt::Debug for MailQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailQueue")
            .field("store", &self.store)
            .finish()
    }
}

impl MailQueue {
    pub fn new(store: Store) -> Self {
        MailQueue {
            store,
            clock: Arc::new(now_ms),
        }
    }

    /// The same queue on another clock (tests move time forward to expire leases).
    pub fn with_clock(mut self, clock: impl Fn() -> Millis + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    pub fn now(&self) -> Millis {
        (self.clock)()
    }

    /// Deliveries per minute since `since`: `(minute start, count)`, oldest first.
    pub async fn delivered_per_minute(&self, since: Millis) -> Result<Vec<(i64, i64)>> {
        self.store.delivered_per_minute(since).await
    }

    /// The last delivery since `since` and how many sending failures followed it.
    pub async fn delivery_streak(&self, since: Millis) -> Result<(Option<Millis>, i64)> {
        self.store.delivery_streak(since).await
    }

    /// Validates and stores a mail with its attachments in one transaction.
    pub async fn enqueue(&self, mail: NewMail) -> Result<MailId> {
        let ids = self.enqueue_batch(std::slice::from_ref(&mail)).await?;
        ids.into_iter()
            .next()
            .ok_or_else(|| Error::Internal("enqueue stored nothing".into()))
    }

    /// Stores several mails in one transaction: all or none.
    pub async fn enqueue_batch(&self, mails: &[NewMail]) -> Result<Vec<MailId>> {
        let mut errors = Vec::new();
        for m in mails {
            validate_new_mail(m, &mut errors);
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        self.store.insert_mails(mails, self.now()).await
    }

    /// Takes up to `limit` due mails for `owner` with a lease. Expired leases of other
    /// senders are returned to pending first, so a crashed sender never strands mail.
    pub async fn claim(
        &self,
        owner: &str,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<ClaimedMail>> {
        self.claim_as(&Claimant::named(owner), limit, lease).await
    }

    /// As `claim`, for one incarnation of a sender.
    pub async fn claim_as(
        &self,
        owner: &Claimant,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<ClaimedMail>> {
        self.claim_keeping(owner, limit, lease, &[]).await
    }

    /// As `claim_as`, leaving the expired claims in `held` alone: the mails this
    /// sender still holds (a connection has them, or its committer waits to record
    /// their delivery), which reclaiming would send twice.
    pub async fn claim_keeping(
        &self,
        owner: &Claimant,
        limit: u32,
        lease: Duration,
        held: &[MailId],
    ) -> Result<Vec<ClaimedMail>> {
        let now = self.now();
        self.store.reclaim_expired(now, held).await?;
        self.store
            .claim_due(owner, limit, now + duration_ms(lease), now)
            .await
    }

    pub async fn renew(&self, owner: &str, ids: &[MailId], lease: Duration) -> Result<u64> {
        self.store
            .renew_leases(
                &Claimant::named(owner),
                ids,
                self.now() + duration_ms(lease),
            )
            .await
    }

    /// Extends every lease this incarnation holds; returns the renewed mails and when
    /// their leases now end.
    pub async fn renew_held(
        &self,
        owner: &Claimant,
        lease: Duration,
    ) -> Result<(Vec<MailId>, Millis)> {
        let until = self.now() + duration_ms(lease);
        Ok((self.store.renew_held_leases(owner, until).await?, until))
    }

    /// Hands back the claims an earlier, finished process of this sender left.
    pub async fn release_orphaned_claims(&self, owner: &Claimant) -> Result<u64> {
        self.store.release_orphaned_claims(owner, self.now()).await
    }

    pub async fn reclaim_expired(&self) -> Result<u64> {
        self.store.reclaim_expired(self.now(), &[]).await
    }

    /// Records outcomes in one durable commit; `false` for a claim that is no longer
    /// current (its lease expired and someone else owns the mail now).
    pub async fn record(&self, owner: &str, records: &[OutcomeRecord]) -> Result<Vec<bool>> {
        self.record_as(&Claimant::named(owner), records).await
    }

    pub async fn record_as(
        &self,
        owner: &Claimant,
        records: &[OutcomeRecord],
    ) -> Result<Vec<bool>> {
        self.store
            .record_outcomes(owner, "sender", records, self.now())
            .await
    }

    /// Applies an action to every listed mail or, if one cannot take it, to none.
    pub async fn act(&self, action: MailAction, ids: &[MailId], actor: &str) -> Result<u64> {
        // `cancel 7 7` means mail 7 once.
        let mut seen = std::collections::HashSet::new();
        let ids: Vec<MailId> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
        let ids = ids.as_slice();
        let entry = NewLogEntry::new(Level::Info, action.log_message(actor)).source("admin");
        self.store
            .apply_action(action, ids, &entry, self.now())
            .await
    }

    /// What monitoring asks of the queue: counts, the oldest pending mail, and the
    /// deliveries and failures of the last hour.
    pub async fn health(&self) -> Result<QueueHealth> {
        let now = self.now();
        let (delivered_last_hour, failed_last_hour) =
            self.store.outcomes_since(now - 3_600_000).await?;
        Ok(QueueHealth {
            counts: self.counts().await?,
            oldest_pending_age_ms: self.oldest_pending().await?.map(|t| (now - t).max(0)),
            delivered_last_hour,
            failed_last_hour,
            senders: self.store.senders().await?,
            now,
        })
    }

    pub async fn retry_all_failed(&self, actor: &str) -> Result<u64> {
        let entry =
            NewLogEntry::new(Level::Info, MailAction::Retry.log_message(actor)).source("admin");
        self.store.retry_all_failed(&entry, self.now()).await
    }

    /// Deletes archived (sent) mails sent more than `older_than` ago.
    pub async fn purge_archived(&self, older_than: Duration, actor: &str) -> Result<u64> {
        let now = self.now();
        let entry = NewLogEntry::new(
            Level::Info,
            format!(
                "archived mails older than {} purged by {actor}",
                humantime::format_duration(older_than)
            ),
        )
        .source("admin");
        self.store
            .purge_sent_before(now - duration_ms(older_than), &entry, now)
            .await
    }

    /// How many archived mails sent more than `older_than` ago still carry personal data.
    pub async fn count_anonymizable(&self, older_than: Duration) -> Result<i64> {
        let cutoff = self.now() - duration_ms(older_than);
        self.store.count_anonymizable(cutoff).await
    }

    /// Personal data protection (SPEC §6): replaces recipients, subjects and bodies of
    /// archived mails sent more than `older_than` ago and removes their attachments.
    pub async fn anonymize_archived(&self, older_than: Duration, actor: &str) -> Result<u64> {
        let now = self.now();
        let entry = NewLogEntry::new(
            Level::Info,
            format!(
                "archived mails older than {} anonymized by {actor}",
                humantime::format_duration(older_than)
            ),
        )
        .source("admin");
        self.store
            .anonymize_sent_before(now - duration_ms(older_than), &entry, now)
            .await
    }

    pub async fn page(&self, query: &MailQuery) -> Result<Vec<MailSummary>> {
        if query.limit == 0 || query.limit > 10_000 {
            return Err(Error::invalid_argument(
                "limit",
                "must be between 1 and 10000",
            ));
        }
        self.store.page_mails(query).await
    }

    /// How many mails of the query's list come above mail `id` in its order.
    pub async fn count_above(&self, query: &MailQuery, id: MailId) -> Result<i64> {
        self.store.count_above(query, id).await
    }

    pub async fn counts(&self) -> Result<QueueCounts> {
        let mut c = QueueCounts::default();
        for (status, held, n) in self.store.count_by_status().await? {
            let slot = match (status, held) {
                (MailStatus::Pending, true) => &mut c.held,
                (MailStatus::Pending, false) => &mut c.pending,
                (MailStatus::Sending, _) => &mut c.sending,
                (MailStatus::Sent, _) => &mut c.sent,
                (MailStatus::Failed, _) => &mut c.failed,
                (MailStatus::Cancelled, _) => &mut c.cancelled,
            };
            *slot += n;
        }
        Ok(c)
    }

    /// When the oldest pending (not held) mail was queued.
    pub async fn oldest_pending(&self) -> Result<Option<Millis>> {
        self.store.oldest_pending().await
    }

    pub async fn shape(&self) -> Result<QueueShape> {
        let bounds: Vec<Millis> = SHAPE_BUCKET_MINUTES.iter().map(|m| m * 60_000).collect();
        let rows = self.store.queue_shape_rows(&bounds, self.now()).await?;
        Ok(build_shape(&rows, bounds.len() + 1))
    }

    pub async fn detail(&self, id: MailId) -> Result<MailDetail> {
        let mail = self.store.mail(id).await?.ok_or_else(|| Error::NotFound {
            what: "mail",
            id: id.to_string(),
        })?;
        let attachments = self.store.attachment_infos(id).await?;
        let mut log = self
            .store
            .log_entries(&LogFilter {
                mail_id: Some(id),
                limit: 1000,
                ..LogFilter::default()
            })
            .await?;
        log.reverse();
        Ok(MailDetail {
            mail,
            attachments,
            log,
        })
    }

    /// Attachments of several mails, with their bytes, in one query.
    pub async fn attachments_of(
        &self,
        ids: &[MailId],
    ) -> Result<std::collections::HashMap<MailId, Vec<Attachment>>> {
        let mut by_mail: std::collections::HashMap<MailId, Vec<Attachment>> =
            std::collections::HashMap::new();
        for (id, a) in self.store.attachments_of(ids).await? {
            by_mail.entry(id).or_default().push(a);
        }
        Ok(by_mail)
    }

    /// Attachments with their bytes (sending, saving as .eml).
    pub async fn attachments(&self, id: MailId) -> Result<Vec<Attachment>> {
        self.store.attachments(id).await
    }
}

/// An attachment read from a file on this server; the type is guessed from the name.
/// What limits the size of a mail, for messages that name it.
pub const MAIL_SIZE_LIMIT: &str = "the most a mail may carry: [sender] max_message_size";

/// Reads a file of at most `limit` bytes; a larger one (or `/dev/zero`) is refused
/// after reading `limit + 1` bytes, never read whole. Errors name `argument`.
pub fn read_file_at_most(
    path: &std::path::Path,
    limit: u64,
    argument: &str,
    limit_name: &str,
) -> Result<Vec<u8>> {
    use std::io::Read;
    let cannot = |e: std::io::Error| {
        Error::invalid_argument(argument, format!("cannot read {}: {e}", path.display()))
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut data = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(cannot)?;
    if data.len() as u64 > limit {
        return Err(Error::invalid_argument(
            argument,
            format!(
                "{} is larger than {:.1} MB ({limit_name})",
                path.display(),
                limit as f64 / (1024.0 * 1024.0)
            ),
        ));
    }
    Ok(data)
}

pub fn attachment_from_file(path: &std::path::Path, limit: u64) -> Result<NewAttachment> {
    let data = read_file_at_most(path, limit, "attachment", MAIL_SIZE_LIMIT)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            Error::invalid_argument("attachment", format!("{} has no file name", path.display()))
        })?;
    let content_type = mime_guess::from_path(path)
        .first_or_octet_stream()
        .essence_str()
        .to_string();
    Ok(NewAttachment {
        file_name,
        content_type,
        data,
    })
}

fn build_shape(rows: &[crate::store::QueueShapeRow], width: usize) -> QueueShape {
    let mut by_domain: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut total = vec![0i64; width];
    for r in rows {
        let bucket = usize::try_from(r.bucket).unwrap_or(0).min(width - 1);
        total[bucket] += r.n;
        let mut domains: Vec<String> = crate::model::split_address_list(&r.to_addrs)
            .iter()
            .map(|a| crate::model::address_domain(a).unwrap_or_else(|| "(no domain)".into()))
            .collect();
        domains.sort();
        domains.dedup();
        for d in domains {
            by_domain.entry(d).or_insert_with(|| vec![0; width])[bucket] += r.n;
        }
    }
    let mut shape_rows: Vec<ShapeRow> = by_domain
        .into_iter()
        .map(|(domain, counts)| ShapeRow {
            domain,
            total: counts.iter().sum(),
            counts,
        })
        .collect();
    shape_rows.sort_by(|a, b| b.total.cmp(&a.total).then(a.domain.cmp(&b.domain)));
    let mut buckets: Vec<String> = SHAPE_BUCKET_MINUTES.iter().map(|m| m.to_string()).collect();
    buckets.push(format!(
        "{}+",
        SHAPE_BUCKET_MINUTES[SHAPE_BUCKET_MINUTES.len() - 1]
    ));
    QueueShape {
        buckets,
        rows: shape_rows,
        total: ShapeRow {
            domain: "TOTAL".into(),
            total: total.iter().sum(),
            counts: total,
        },
    }
}

fn validate_new_mail(m: &NewMail, errors: &mut Vec<crate::settings::FieldError>) {
    use crate::settings::FieldError;
    if m.to.is_empty() {
        errors.push(FieldError::new("to", "at least one recipient is required"));
    }
    for (field, list) in [("to", &m.to), ("cc", &m.cc), ("bcc", &m.bcc)] {
        for addr in list {
            if let Err(e) = crate::settings::check_mailbox(addr) {
                errors.push(FieldError::new(field, e));
            }
        }
    }
    for (field, value) in [("from", &m.from_address), ("reply_to", &m.reply_to)] {
        if let Some(addr) = value
            && let Err(e) = crate::settings::check_mailbox(addr)
        {
            errors.push(FieldError::new(field, e));
        }
    }
    for (field, value) in [
        ("subject", Some(&m.subject)),
        ("display_name", m.display_name.as_ref()),
    ] {
        if let Some(v) = value
            && v.chars().any(|c| c == '\r' || c == '\n')
        {
            errors.push(FieldError::new(field, "must be a single line"));
        }
    }
    for a in &m.attachments {
        if a.file_name.trim().is_empty() || a.file_name.contains(['/', '\\', '\r', '\n']) {
            errors.push(FieldError::new(
                "attachment",
                format!("`{}` is not a plain file name", a.file_name),
            ));
        }
        if a.content_type
            .parse::<lettre::message::header::ContentType>()
            .is_err()
        {
            errors.push(FieldError::new(
                "attachment",
                format!("`{}` is not a MIME type", a.content_type),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::QueueShapeRow;

    #[test]
    fn status_filter_parses() {
        assert_eq!("held".parse(), Ok(StatusFilter::Held));
        assert_eq!(
            "archived".parse(),
            Ok(StatusFilter::Status(MailStatus::Sent))
        );
        assert!(
            "bogus"
                .parse::<StatusFilter>()
                .unwrap_err()
                .contains("bogus")
        );
    }

    #[test]
    fn shape_counts_each_domain_once_per_mail() {
        let rows = vec![
            QueueShapeRow {
                to_addrs: "a@x.pl, b@x.pl, c@y.com".into(),
                bucket: 0,
                n: 2,
            },
            QueueShapeRow {
                to_addrs: "d@y.com".into(),
                bucket: 9,
                n: 5,
            },
        ];
        let s = build_shape(&rows, 10);
        assert_eq!(s.total.total, 7);
        assert_eq!(s.rows[0].domain, "y.com");
        assert_eq!(s.rows[0].counts[0], 2);
        assert_eq!(s.rows[0].counts[9], 5);
        assert_eq!(s.rows[1].domain, "x.pl");
        assert_eq!(s.rows[1].total, 2);
        assert_eq!(s.buckets.last().map(String::as_str), Some("1280+"));
    }

    #[test]
    fn new_mail_validation_names_fields() {
        let mut errors = Vec::new();
        validate_new_mail(
            &NewMail {
                to: vec!["not an address".into()],
                subject: "two\nlines".into(),
                attachments: vec![NewAttachment {
                    file_name: "../etc/passwd".into(),
                    content_type: "text/plain".into(),
                    data: vec![],
                }],
                ..NewMail::default()
            },
            &mut errors,
        );
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["to", "subject", "attachment"]);
    }
}
