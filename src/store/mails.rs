//! SQL for the mail queue: process_mails and process_mail_attachments.

use std::collections::HashMap;

// Every dynamic statement here is built from constant fragments and `$N` placeholder
// lists; values are always bound.
use sqlx::{AssertSqlSafe, FromRow, QueryBuilder, Row};

use super::filter::{self, FilterClock};
use super::{DatabaseKind, Sql, Store, dispatch, dispatch_read, placeholders};
use crate::error::{Error, Result};
use crate::model::{
    ANONYMIZED_RECIPIENT, ANONYMIZED_SUBJECT, Attachment, AttachmentInfo, Claimant, ClaimedMail,
    Cursor, Filter, Level, Mail, MailAction, MailId, MailOutcome, MailQuery, MailStatus,
    MailSummary, NewLogEntry, NewMail, OutcomeRecord, StatusFilter, StoredFailure,
    anonymized_message, join_address_list,
};
use crate::time::Millis;

/// The status filter and the search of a mail query, as `AND` clauses on `m`.
macro_rules! push_mail_filter {
    ($qb:ident, $q:expr, $kind:expr) => {{
        match $q.status {
            StatusFilter::All => {}
            StatusFilter::Held => {
                $qb.push(" AND m.held = TRUE");
            }
            StatusFilter::Status(MailStatus::Pending) => {
                $qb.push(" AND m.status = 'pending' AND m.held = FALSE");
            }
            StatusFilter::Status(st) => {
                $qb.push(" AND m.status = ").push_bind(st.as_str());
            }
        }
        let pieces = filter::compile(&$q.filter, $kind, &FilterClock::system());
        filter::push_pieces!($qb, pieces);
        if let Some(window) = $q.window.filter(|_| !$q.filter.is_indexed()) {
            $qb.push(" AND m.id > (SELECT coalesce(max(id), 0) FROM process_mails) - ")
                .push_bind(i64::from(window));
        }
    }};
}

const INSERT_MAIL: &str = "INSERT INTO process_mails (status, priority, from_address, display_name, \
    to_addrs, cc_addrs, bcc_addrs, reply_to, subject, body_text, body_html, created_at, \
    next_attempt_at, queued_at) VALUES ('pending', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $11) \
    RETURNING id";

/// A work-log entry that says how many mails it is about.
fn counted(entry: &NewLogEntry, n: u64) -> NewLogEntry {
    NewLogEntry {
        message: format!("{} ({n} mails)", entry.message),
        ..entry.clone()
    }
}

const INSERT_ATTACHMENT: &str = "INSERT INTO process_mail_attachments (mail_id, file_name, \
    content_type, data) VALUES ($1, $2, $3, $4)";

/// SQLite: without statistics the planner would take the status index and sort every
/// pending mail on each claim; naming the due index keeps a claim O(batch) at any depth.
const CLAIM: Sql = Sql {
    sqlite: "UPDATE process_mails SET status = 'sending', claimed_by = $1, lease_until = $2, \
        attempts = attempts + 1, claim_token = $5 \
        WHERE id IN (SELECT id FROM process_mails INDEXED BY process_mails_due \
        WHERE status = 'pending' AND held = FALSE \
        AND next_attempt_at <= $3 ORDER BY priority DESC, next_attempt_at, id LIMIT $4) \
        RETURNING *",
    postgres: "UPDATE process_mails m SET status = 'sending', claimed_by = $1, lease_until = $2, \
        attempts = m.attempts + 1, claim_token = $5 \
        FROM (SELECT id FROM process_mails WHERE status = 'pending' AND held = FALSE \
        AND next_attempt_at <= $3 ORDER BY priority DESC, next_attempt_at, id LIMIT $4 \
        FOR UPDATE SKIP LOCKED) due WHERE m.id = due.id RETURNING m.*",
};

/// The rows of a batch of outcomes, from the JSON array bound as $1: SQLite reads it
/// with json_each, PostgreSQL with jsonb_to_recordset. An outcome only applies to the
/// claim that is still current: same owner ($3) and token ($2), same attempt, still
/// sending.
macro_rules! outcome_sql {
    ($set:literal, $sqlite_cols:literal, $pg_cols:literal) => {
        Sql {
            sqlite: concat!(
                "UPDATE process_mails SET ",
                $set,
                ", claimed_by = NULL, lease_until = NULL, claim_token = NULL FROM (SELECT ",
                "json_extract(value, '$.id') AS id, json_extract(value, '$.attempt') AS attempt",
                $sqlite_cols,
                " FROM json_each($1)) AS v WHERE process_mails.id = v.id ",
                "AND process_mails.attempts = v.attempt AND process_mails.claim_token = $2 ",
                "AND process_mails.claimed_by = $3 AND process_mails.status = 'sending' ",
                "RETURNING process_mails.id"
            ),
            postgres: concat!(
                "UPDATE process_mails SET ",
                $set,
                ", claimed_by = NULL, lease_until = NULL, claim_token = NULL FROM ",
                "jsonb_to_recordset($1::jsonb) AS v(id BIGINT, attempt INTEGER",
                $pg_cols,
                ") WHERE process_mails.id = v.id ",
                "AND process_mails.attempts = v.attempt AND process_mails.claim_token = $2 ",
                "AND process_mails.claimed_by = $3 AND process_mails.status = 'sending' ",
                "RETURNING process_mails.id"
            ),
        }
    };
}

const OUTCOME_SENT: Sql = outcome_sql!(
    "status = 'sent', sent_at = $4, message_id = v.message_id, smtp_reply = v.reply, \
     last_error = v.note, sent_by = $5",
    ", json_extract(value, '$.message_id') AS message_id, json_extract(value, '$.reply') AS reply, \
     json_extract(value, '$.note') AS note",
    ", message_id TEXT, reply TEXT, note TEXT"
);

const OUTCOME_RETRY: Sql = outcome_sql!(
    "status = 'pending', next_attempt_at = v.at, last_error = v.error, last_error_at = v.error_at",
    ", json_extract(value, '$.at') AS at, json_extract(value, '$.error') AS error, \
     json_extract(value, '$.error_at') AS error_at",
    ", at BIGINT, error TEXT, error_at BIGINT"
);

const OUTCOME_FAILED: Sql = outcome_sql!(
    "status = 'failed', last_error = v.error, last_error_at = v.error_at",
    ", json_extract(value, '$.error') AS error, json_extract(value, '$.error_at') AS error_at",
    ", error TEXT, error_at BIGINT"
);

const OUTCOME_RELEASE: Sql = outcome_sql!(
    "status = 'pending', next_attempt_at = v.at, attempts = process_mails.attempts - 1",
    ", json_extract(value, '$.at') AS at",
    ", at BIGINT"
);

/// Sent and not kept: the row goes (the same guard as the updates).
const OUTCOME_DELETE: Sql = Sql {
    sqlite: "DELETE FROM process_mails WHERE id IN (SELECT m.id FROM process_mails m \
        JOIN (SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.attempt') AS attempt \
        FROM json_each($1)) AS v ON m.id = v.id AND m.attempts = v.attempt \
        WHERE m.claim_token = $2 AND m.claimed_by = $3 AND m.status = 'sending') RETURNING id",
    postgres: "DELETE FROM process_mails m USING jsonb_to_recordset($1::jsonb) AS v(id BIGINT, attempt INTEGER) \
        WHERE m.id = v.id AND m.attempts = v.attempt AND m.claim_token = $2 AND m.claimed_by = $3 \
        AND m.status = 'sending' RETURNING m.id",
};

/// The work log's entries of a batch of outcomes ($1 JSON rows, $2 time, $3 source).
const OUTCOME_LOG: Sql = Sql {
    sqlite: "INSERT INTO work_log_entries (time, level, source, mail_id, message, detail) \
        SELECT $2, json_extract(value, '$.level'), $3, json_extract(value, '$.mail_id'), \
        json_extract(value, '$.message'), json_extract(value, '$.detail') FROM json_each($1)",
    postgres: "INSERT INTO work_log_entries (time, level, source, mail_id, message, detail) \
        SELECT $2::BIGINT, v.level, $3::TEXT, v.mail_id, v.message, v.detail \
        FROM jsonb_to_recordset($1::jsonb) AS v(level TEXT, mail_id BIGINT, message TEXT, detail TEXT)",
};

const COUNT_BY_STATUS: Sql = Sql {
    sqlite: "SELECT status, held, n FROM process_mail_counts WHERE n <> 0",
    postgres: "SELECT status, held, count(*) FROM process_mails GROUP BY status, held",
};

/// PostgreSQL: rows locked by their owner's outcome commit are being settled right now;
/// skipping them keeps a reclaim from ever waiting on (or deadlocking with) that commit.
const RECLAIM_EXPIRED: Sql = Sql {
    sqlite: "UPDATE process_mails SET status = 'pending', \
        last_error = 'sender ' || claimed_by || ' stopped before recording an outcome (lease expired)', \
        claimed_by = NULL, lease_until = NULL, claim_token = NULL \
        WHERE status = 'sending' AND lease_until < $1{keep} RETURNING id, last_error",
    postgres: "UPDATE process_mails SET status = 'pending', \
        last_error = 'sender ' || claimed_by || ' stopped before recording an outcome (lease expired)', \
        claimed_by = NULL, lease_until = NULL, claim_token = NULL \
        WHERE id IN (SELECT id FROM process_mails WHERE status = 'sending' AND lease_until < $1{keep} \
        FOR UPDATE SKIP LOCKED) RETURNING id, last_error",
};

/// The claims a sender's earlier incarnation left behind, once it is known to be gone.
const RELEASE_ORPHANS: &str = "UPDATE process_mails SET status = 'pending', \
    last_error = 'sender ' || claimed_by || ' stopped before recording an outcome (restarted)', \
    claimed_by = NULL, lease_until = NULL, claim_token = NULL \
    WHERE status = 'sending' AND claimed_by = $1 AND (claim_token IS NULL OR claim_token <> $2) \
    RETURNING id, last_error";

/// Renewal never waits for the owner's own outcome commit (PostgreSQL: SKIP LOCKED):
/// a row that commit holds is being settled, and waiting for it while the commit waits
/// for a row the renewal holds was a deadlock.
const RENEW_HELD: Sql = Sql {
    sqlite: "UPDATE process_mails SET lease_until = $1 WHERE claimed_by = $2 AND claim_token = $3 \
        AND status = 'sending' RETURNING id",
    postgres: "UPDATE process_mails SET lease_until = $1 WHERE id IN (SELECT id FROM process_mails \
        WHERE claimed_by = $2 AND claim_token = $3 AND status = 'sending' FOR UPDATE SKIP LOCKED) \
        RETURNING id",
};

pub(super) const INSERT_LOG: &str = "INSERT INTO work_log_entries (time, level, source, mail_id, message, detail) \
    VALUES ($1, $2, $3, $4, $5, $6)";

/// Inserts a work-log entry inside a transaction (compiled for each backend).
macro_rules! insert_log {
    ($tx:expr, $now:expr, $entry:expr, $mail_id:expr) => {
        sqlx::query(INSERT_LOG)
            .bind($now)
            .bind($entry.level.as_str())
            .bind($entry.source.as_str())
            .bind($mail_id.or($entry.mail_id))
            .bind($entry.message.as_str())
            .bind($entry.detail.as_deref())
            .execute(&mut *$tx)
            .await
    };
}
pub(super) use insert_log;

/// A warning per mail handed back to pending, `(id, why)`, inside a transaction.
macro_rules! log_handed_back {
    ($tx:expr, $now:expr, $rows:expr, $default:expr) => {
        for (id, why) in &$rows {
            sqlx::query(INSERT_LOG)
                .bind($now)
                .bind(Level::Warn.as_str())
                .bind("queue")
                .bind(id)
                .bind(why.as_deref().unwrap_or($default))
                .bind(None::<String>)
                .execute(&mut *$tx)
                .await?;
        }
    };
}

const SUMMARY_COLUMNS: &str = "m.id, m.status, m.held, m.priority, m.to_addrs, m.subject, \
    m.attempts, m.created_at, m.next_attempt_at, m.sent_at, m.last_error, m.claimed_by, \
    m.lease_until, \
    m.body_size + (SELECT CAST(coalesce(sum(a.size), 0) AS BIGINT) FROM process_mail_attachments a \
        WHERE a.mail_id = m.id) AS size, \
    (SELECT count(*) FROM process_mail_attachments a WHERE a.mail_id = m.id) AS attachment_count";

/// A mail with an error, as error groups read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRow {
    pub id: MailId,
    pub failed: bool,
    pub error: String,
    pub to: String,
    pub at: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueShapeRow {
    pub to_addrs: String,
    pub bucket: i32,
    pub n: i64,
}

impl Store {
    pub async fn insert_mails(&self, mails: &[NewMail], now: Millis) -> Result<Vec<MailId>> {
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut ids = Vec::with_capacity(mails.len());
            for m in mails {
                let id: MailId = sqlx::query_scalar(INSERT_MAIL)
                    .bind(m.priority)
                    .bind(m.from_address.as_deref())
                    .bind(m.display_name.as_deref())
                    .bind(join_address_list(&m.to))
                    .bind(join_address_list(&m.cc))
                    .bind(join_address_list(&m.bcc))
                    .bind(m.reply_to.as_deref())
                    .bind(&m.subject)
                    .bind(&m.body_text)
                    .bind(m.body_html.as_deref())
                    .bind(now)
                    .bind(m.not_before.unwrap_or(now))
                    .fetch_one(&mut *tx)
                    .await?;
                for a in &m.attachments {
                    sqlx::query(INSERT_ATTACHMENT)
                        .bind(id)
                        .bind(&a.file_name)
                        .bind(&a.content_type)
                        .bind(&a.data)
                        .execute(&mut *tx)
                        .await?;
                }
                ids.push(id);
            }
            tx.commit().await?;
            Ok(ids)
        })
    }

    /// Returns expired claims to pending, except the mails in `keep`: the claimant's
    /// own that it still holds (in a connection, or delivered and waiting in its
    /// committer while the database was away); taking those back would send them twice.
    pub async fn reclaim_expired(&self, now: Millis, keep: &[MailId]) -> Result<u64> {
        let kind = self.kind();
        let keep_sql = if keep.is_empty() {
            String::new()
        } else {
            format!(" AND id NOT IN ({})", placeholders(2, keep.len()))
        };
        let probe = format!(
            "SELECT id FROM process_mails WHERE status = 'sending' AND lease_until < $1{keep_sql} LIMIT 1"
        );
        let reclaim = RECLAIM_EXPIRED.get(kind).replace("{keep}", &keep_sql);
        dispatch!(self, pool => {
            // Nearly always nothing has expired: a read answers that without opening a
            // write transaction on every claim.
            let mut q = sqlx::query_scalar(AssertSqlSafe(probe.as_str())).bind(now);
            for id in keep {
                q = q.bind(id);
            }
            let expired: Option<i64> = q.fetch_optional(pool).await?;
            if expired.is_none() {
                return Ok(0);
            }
            let mut tx = pool.begin().await?;
            let mut q = sqlx::query_as(AssertSqlSafe(reclaim.as_str())).bind(now);
            for id in keep {
                q = q.bind(id);
            }
            let rows: Vec<(MailId, Option<String>)> = q.fetch_all(&mut *tx).await?;
            log_handed_back!(tx, now, rows, "lease expired");
            tx.commit().await?;
            Ok(rows.len() as u64)
        })
    }

    pub async fn claim_due(
        &self,
        owner: &Claimant,
        limit: u32,
        lease_until: Millis,
        now: Millis,
    ) -> Result<Vec<ClaimedMail>> {
        let sql = CLAIM.get(self.kind());
        let mut mails: Vec<Mail> = dispatch!(self, pool => {
            sqlx::query_as(sql)
                .bind(&owner.id)
                .bind(lease_until)
                .bind(now)
                .bind(i64::from(limit))
                .bind(&owner.token)
                .fetch_all(pool)
                .await?
        });
        mails.sort_by_key(|m| (-m.priority, m.next_attempt_at, m.id));
        Ok(mails
            .into_iter()
            .map(|mail| ClaimedMail {
                attempt: mail.attempts,
                mail,
            })
            .collect())
    }

    pub async fn renew_leases(
        &self,
        owner: &Claimant,
        ids: &[MailId],
        lease_until: Millis,
    ) -> Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let sql = format!(
            "UPDATE process_mails SET lease_until = $1 WHERE claimed_by = $2 \
             AND claim_token = $3 AND status = 'sending' AND id IN ({})",
            placeholders(4, ids.len())
        );
        dispatch!(self, pool => {
            let mut q = sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind(lease_until)
                .bind(&owner.id)
                .bind(&owner.token);
            for id in ids {
                q = q.bind(id);
            }
            Ok(q.execute(pool).await?.rows_affected())
        })
    }

    /// Extends every lease this incarnation of `owner` holds; returns the mails whose
    /// lease now runs to `lease_until` (a claim taken over by another sender meanwhile
    /// is not among them).
    pub async fn renew_held_leases(
        &self,
        owner: &Claimant,
        lease_until: Millis,
    ) -> Result<Vec<MailId>> {
        let sql = RENEW_HELD.get(self.kind());
        dispatch!(self, pool => {
            Ok(sqlx::query_scalar(sql)
                .bind(lease_until)
                .bind(&owner.id)
                .bind(&owner.token)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Gives the claims of `id`'s earlier incarnations back to pending (the caller has
    /// made sure those processes are gone), with a work-log entry per mail.
    pub async fn release_orphaned_claims(&self, owner: &Claimant, now: Millis) -> Result<u64> {
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let rows: Vec<(MailId, Option<String>)> = sqlx::query_as(RELEASE_ORPHANS)
                .bind(&owner.id)
                .bind(&owner.token)
                .fetch_all(&mut *tx)
                .await?;
            log_handed_back!(tx, now, rows, "sender restarted");
            tx.commit().await?;
            Ok(rows.len() as u64)
        })
    }

    /// Records outcomes in one transaction (one durable commit for the batch). Returns,
    /// per record, whether it applied; `false` means the claim was no longer current
    /// (lease expired and the mail was reclaimed), so the new owner's state stands.
    pub async fn record_outcomes(
        &self,
        owner: &Claimant,
        source: &str,
        records: &[OutcomeRecord],
        now: Millis,
    ) -> Result<Vec<bool>> {
        // One fixed statement per kind of outcome and one for the work log, each taking
        // its rows as one JSON array: prepared once per connection, whatever the batch.
        // The statements, in the order of `rows`, and whether each records a delivery.
        const STATEMENTS: [(Sql, bool); 5] = [
            (OUTCOME_SENT, true),
            (OUTCOME_DELETE, false),
            (OUTCOME_RETRY, false),
            (OUTCOME_FAILED, false),
            (OUTCOME_RELEASE, false),
        ];
        let mut rows: [Vec<serde_json::Value>; 5] = Default::default();
        for r in records {
            use serde_json::json;
            let (i, mut row) = match &r.outcome {
                MailOutcome::Sent {
                    delete: false,
                    message_id,
                    reply,
                    rejected,
                } => (
                    0,
                    json!({"message_id": message_id, "reply": reply, "note": partial_note(rejected)}),
                ),
                MailOutcome::Sent { delete: true, .. } => (1, json!({})),
                MailOutcome::Retry { at, failure } => (
                    2,
                    json!({"at": at, "error": failure.message, "error_at": now}),
                ),
                MailOutcome::Failed { failure } => {
                    (3, json!({"error": failure.message, "error_at": now}))
                }
                MailOutcome::Release { at, .. } => (4, json!({"at": at})),
            };
            row["id"] = r.id.into();
            row["attempt"] = r.attempt.into();
            rows[i].push(row);
        }
        let sent_by = owner.sent_by();
        let kind = self.kind();

        let applied_ids: std::collections::HashSet<MailId> = dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut applied: Vec<MailId> = Vec::new();
            for ((sql, delivery), list) in STATEMENTS.iter().zip(&rows) {
                if list.is_empty() {
                    continue;
                }
                let json = serde_json::to_string(list).map_err(|e| Error::Internal(e.to_string()))?;
                // $1 the rows, $2 the claim token, $3 the owner; a delivery also $4 now
                // and $5 who sent it.
                let mut q = sqlx::query_scalar(sql.get(kind))
                    .bind(json)
                    .bind(&owner.token)
                    .bind(&owner.id);
                if *delivery {
                    q = q.bind(now).bind(sent_by.as_str());
                }
                let ids: Vec<MailId> = q.fetch_all(&mut *tx).await?;
                applied.extend(ids);
            }

            let entries: Vec<serde_json::Value> = records
                .iter()
                .filter(|r| applied.contains(&r.id))
                .flat_map(|r| {
                    outcome_log(r).into_iter().map(move |e| {
                        serde_json::json!({
                            "level": e.level.as_str(),
                            "mail_id": r.id,
                            "message": e.message,
                            "detail": e.detail,
                        })
                    })
                })
                .collect();
            if !entries.is_empty() {
                sqlx::query(OUTCOME_LOG.get(kind))
                    .bind(serde_json::Value::Array(entries).to_string())
                    .bind(now)
                    .bind(source)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            applied.into_iter().collect()
        });
        Ok(records
            .iter()
            .map(|r| applied_ids.contains(&r.id))
            .collect())
    }

    /// Applies a user action to every listed mail, or to none: if one mail is missing or
    /// in a state the action does not apply to, nothing changes and the error names it.
    pub async fn apply_action(
        &self,
        action: MailAction,
        ids: &[MailId],
        entry: &NewLogEntry,
        now: Millis,
    ) -> Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let (statement, binds_now) = action_statement(action);
        let first = if binds_now { 2 } else { 1 };
        let sql = format!("{statement} AND id IN ({})", placeholders(first, ids.len()));
        let lookup = format!(
            "SELECT id, status, held FROM process_mails WHERE id IN ({})",
            placeholders(1, ids.len())
        );
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            // Log first: a deleted mail's entry must still say what happened to it.
            for id in ids {
                insert_log!(tx, now, entry, Some(*id))?;
            }
            let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
            if binds_now {
                q = q.bind(now);
            }
            for id in ids {
                q = q.bind(id);
            }
            let changed = q.execute(&mut *tx).await?.rows_affected();
            if changed as usize != ids.len() {
                // Look at the rows as they are without this change to name the culprit.
                tx.rollback().await?;
                let mut q = sqlx::query_as::<_, (MailId, String, bool)>(AssertSqlSafe(lookup.as_str()));
                for id in ids {
                    q = q.bind(id);
                }
                let found: HashMap<MailId, (String, bool)> = q
                    .fetch_all(pool)
                    .await?
                    .into_iter()
                    .map(|(id, st, held)| (id, (st, held)))
                    .collect();
                return Err(action_refusal(action, ids, &found));
            }
            tx.commit().await?;
            Ok(changed)
        })
    }

    /// One batch of a bulk action: the action on the first `limit` mails after `after`
    /// (by id) that match the filter and that it applies to, with their work-log
    /// entries, in one transaction. Returns the ids changed, in order; fewer than
    /// `limit` means the matches are done.
    pub async fn apply_action_matching(
        &self,
        action: MailAction,
        filter: &Filter,
        after: MailId,
        limit: u32,
        entry: &NewLogEntry,
        now: Millis,
    ) -> Result<Vec<MailId>> {
        let kind = self.kind();
        let pieces = filter::compile(filter, kind, &FilterClock::system());
        let (statement, binds_now) = action_statement(action);
        let mut ids: Vec<MailId> = dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut qb = QueryBuilder::new("");
            // The statement's `$1` is now: bound in its place, once per use.
            macro_rules! push_with_now {
                ($text:expr) => {{
                    let mut parts = $text.split("$1");
                    qb.push(parts.next().unwrap_or_default());
                    for part in parts {
                        if binds_now {
                            qb.push_bind(now);
                        }
                        qb.push(part);
                    }
                }};
            }
            let pick = format!(
                "SELECT m.id FROM process_mails m WHERE {} AND m.id > ",
                applicable_condition(action)
            );
            match kind {
                DatabaseKind::Sqlite => {
                    push_with_now!(statement);
                    qb.push(format!(" AND id IN ({pick}")).push_bind(after);
                    filter::push_pieces!(qb, pieces);
                    qb.push(" ORDER BY m.id LIMIT ")
                        .push_bind(i64::from(limit))
                        .push(") RETURNING id");
                }
                // The batch picked and locked first (the lock re-checks the pick's
                // conditions on the row as it is now), then changed by id alone: with
                // the conditions on the changed table too, the planner, its statistics
                // stale after the batch before, ran the pick once per row.
                DatabaseKind::Postgres => {
                    let head = statement
                        .split_once(" WHERE ")
                        .map_or(statement, |(head, _)| head);
                    qb.push(format!("WITH pick AS ({pick}")).push_bind(after);
                    filter::push_pieces!(qb, pieces);
                    qb.push(" ORDER BY m.id LIMIT ")
                        .push_bind(i64::from(limit))
                        .push(" FOR UPDATE) ");
                    push_with_now!(head);
                    qb.push(if action == MailAction::Delete { " USING pick" } else { " FROM pick" });
                    qb.push(" WHERE process_mails.id = pick.id RETURNING process_mails.id");
                }
            }
            let ids: Vec<MailId> = qb.build_query_scalar().fetch_all(&mut *tx).await?;
            if !ids.is_empty() {
                let entries: Vec<serde_json::Value> = ids
                    .iter()
                    .map(|id| {
                        serde_json::json!({
                            "level": entry.level.as_str(),
                            "mail_id": id,
                            "message": entry.message,
                            "detail": entry.detail,
                        })
                    })
                    .collect();
                sqlx::query(OUTCOME_LOG.get(kind))
                    .bind(serde_json::Value::Array(entries).to_string())
                    .bind(now)
                    .bind(entry.source.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            ids
        });
        ids.sort_unstable();
        Ok(ids)
    }

    /// Mails matching a filter by (status, held), and the newest of them: what a bulk
    /// action would meet.
    pub async fn count_matching(
        &self,
        filter: &Filter,
    ) -> Result<(Vec<(MailStatus, bool, i64)>, Option<MailId>)> {
        let kind = self.kind();
        let pieces = filter::compile(filter, kind, &FilterClock::system());
        let rows: Vec<(String, bool, i64, MailId)> = dispatch_read!(self, pool => {
            let mut qb = QueryBuilder::new(
                "SELECT m.status, m.held, count(*), max(m.id) FROM process_mails m WHERE 1 = 1",
            );
            filter::push_pieces!(qb, pieces);
            qb.push(" GROUP BY m.status, m.held");
            qb.build_query_as().fetch_all(pool).await?
        });
        let newest = rows.iter().map(|r| r.3).max();
        let counts = status_counts(rows.into_iter().map(|(s, h, n, _)| (s, h, n)).collect())?;
        Ok((counts, newest))
    }

    /// Every mail with an error that is still in the queue (to be retried, or failed):
    /// (id, failed, last error, recipients, when). Texts another program wrote badly
    /// are read with replacement characters, never failing the list.
    pub async fn error_rows(&self) -> Result<Vec<ErrorRow>> {
        let sql = match self.kind() {
            DatabaseKind::Sqlite => {
                "SELECT id, status = 'failed', CAST(last_error AS BLOB), CAST(to_addrs AS BLOB), \
                 last_error_at FROM process_mails \
                 WHERE last_error IS NOT NULL AND status IN ('pending', 'failed')"
            }
            DatabaseKind::Postgres => {
                "SELECT id, status = 'failed', convert_to(last_error, 'UTF8'), \
                 convert_to(to_addrs, 'UTF8'), last_error_at FROM process_mails \
                 WHERE last_error IS NOT NULL AND status IN ('pending', 'failed')"
            }
        };
        type Raw = (MailId, bool, Vec<u8>, Vec<u8>, Option<Millis>);
        let rows: Vec<Raw> = dispatch_read!(self, pool => {
            sqlx::query_as(sql).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, failed, error, to, at)| ErrorRow {
                id,
                failed,
                error: String::from_utf8_lossy(&error).into_owned(),
                to: String::from_utf8_lossy(&to).into_owned(),
                at,
            })
            .collect())
    }

    /// Recipient lists of the mails matching a filter, with how many mails each.
    pub async fn recipients_matching(&self, filter: &Filter) -> Result<Vec<(String, i64)>> {
        let kind = self.kind();
        let pieces = filter::compile(filter, kind, &FilterClock::system());
        dispatch_read!(self, pool => {
            let mut qb = QueryBuilder::new(
                "SELECT m.to_addrs, count(*) FROM process_mails m WHERE 1 = 1",
            );
            filter::push_pieces!(qb, pieces);
            qb.push(" GROUP BY m.to_addrs");
            Ok(qb.build_query_as().fetch_all(pool).await?)
        })
    }

    /// Requeues every failed mail; returns how many.
    pub async fn retry_all_failed(&self, entry: &NewLogEntry, now: Millis) -> Result<u64> {
        let sql = format!(
            "{} AND status = 'failed' RETURNING id",
            action_statement(MailAction::Retry).0
        );
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let ids: Vec<MailId> = sqlx::query_scalar(AssertSqlSafe(sql.as_str())).bind(now).fetch_all(&mut *tx).await?;
            for id in &ids {
                insert_log!(tx, now, entry, Some(*id))?;
            }
            tx.commit().await?;
            Ok(ids.len() as u64)
        })
    }

    pub async fn purge_sent_before(
        &self,
        cutoff: Millis,
        entry: &NewLogEntry,
        now: Millis,
    ) -> Result<u64> {
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("DELETE FROM process_mails WHERE status = 'sent' AND sent_at < $1")
                .bind(cutoff)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            insert_log!(tx, now, counted(entry, n), None::<MailId>)?;
            tx.commit().await?;
            Ok(n)
        })
    }

    /// Archived mails sent before `cutoff` that still carry personal data.
    pub async fn count_anonymizable(&self, cutoff: Millis) -> Result<i64> {
        dispatch_read!(self, pool => {
            Ok(sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM process_mails \
                 WHERE status = 'sent' AND sent_at < $1 AND anonymized_at IS NULL",
            )
            .bind(cutoff)
            .fetch_one(pool)
            .await?)
        })
    }

    /// Replaces the recipients, subject and body of archived mails sent before `cutoff`
    /// and removes their attachments, with a work-log entry, in one transaction.
    pub async fn anonymize_sent_before(
        &self,
        cutoff: Millis,
        entry: &NewLogEntry,
        now: Millis,
    ) -> Result<u64> {
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            // The mails' history names their recipients too (RCPT TO lines, replies that
            // quote addresses): what is left of each entry is its step and SMTP codes.
            let history: Vec<(i64, String, Option<String>)> = sqlx::query_as(
                "SELECT id, message, detail FROM work_log_entries WHERE mail_id IN (SELECT id \
                 FROM process_mails WHERE status = 'sent' AND sent_at < $1 AND anonymized_at IS NULL)",
            )
            .bind(cutoff)
            .fetch_all(&mut *tx)
            .await?;
            for (id, message, detail) in &history {
                sqlx::query("UPDATE work_log_entries SET message = $1, detail = NULL WHERE id = $2")
                    .bind(anonymized_message(message, detail.as_deref()))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "DELETE FROM process_mail_attachments WHERE mail_id IN (SELECT id FROM \
                 process_mails WHERE status = 'sent' AND sent_at < $1 AND anonymized_at IS NULL)",
            )
            .bind(cutoff)
            .execute(&mut *tx)
            .await?;
            let n = sqlx::query(
                "UPDATE process_mails SET to_addrs = $2, cc_addrs = '', bcc_addrs = '', \
                 reply_to = NULL, subject = $3, body_text = '', body_html = NULL, \
                 last_error = NULL, smtp_reply = NULL, anonymized_at = $4 \
                 WHERE status = 'sent' AND sent_at < $1 AND anonymized_at IS NULL",
            )
            .bind(cutoff)
            .bind(ANONYMIZED_RECIPIENT)
            .bind(ANONYMIZED_SUBJECT)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            insert_log!(tx, now, counted(entry, n), None::<MailId>)?;
            tx.commit().await?;
            Ok(n)
        })
    }

    pub async fn mail(&self, id: MailId) -> Result<Option<Mail>> {
        dispatch_read!(self, pool => {
            Ok(sqlx::query_as("SELECT * FROM process_mails WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?)
        })
    }

    pub async fn attachment_infos(&self, id: MailId) -> Result<Vec<AttachmentInfo>> {
        dispatch_read!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT id, file_name, content_type, size FROM process_mail_attachments \
                 WHERE mail_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?)
        })
    }

    pub async fn attachments(&self, id: MailId) -> Result<Vec<Attachment>> {
        Ok(self
            .attachments_of(&[id])
            .await?
            .into_iter()
            .map(|(_, a)| a)
            .collect())
    }

    /// Attachments of several mails in one query, as (mail id, attachment).
    pub async fn attachments_of(&self, ids: &[MailId]) -> Result<Vec<(MailId, Attachment)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT mail_id, id, file_name, content_type, data FROM process_mail_attachments \
             WHERE mail_id IN ({}) ORDER BY mail_id, id",
            placeholders(1, ids.len())
        );
        dispatch_read!(self, pool => {
            let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
            for id in ids {
                q = q.bind(id);
            }
            let rows = q.fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                let mail_id: MailId = row.try_get("mail_id")?;
                out.push((mail_id, Attachment::from_row(row)?));
            }
            Ok(out)
        })
    }

    /// One page of summaries, newest first, by keyset (never OFFSET).
    pub async fn page_mails(&self, q: &MailQuery) -> Result<Vec<MailSummary>> {
        let kind = self.kind();
        let mut rows: Vec<MailSummary> = dispatch_read!(self, pool => {
            let mut qb = QueryBuilder::new(format!(
                "SELECT {SUMMARY_COLUMNS} FROM process_mails m WHERE 1 = 1"
            ));
            push_mail_filter!(qb, q, kind);
            // Down the list is older ids newest-first, newer ids oldest-first.
            let (down, up, forward, backward) = if q.oldest_first {
                (" AND m.id > ", " AND m.id < ", " ORDER BY m.id ASC", " ORDER BY m.id DESC")
            } else {
                (" AND m.id < ", " AND m.id > ", " ORDER BY m.id DESC", " ORDER BY m.id ASC")
            };
            match q.cursor {
                None => {
                    qb.push(forward);
                }
                Some(Cursor::Before(id)) => {
                    qb.push(down).push_bind(id).push(forward);
                }
                Some(Cursor::After(id)) => {
                    qb.push(up).push_bind(id).push(backward);
                }
            }
            qb.push(" LIMIT ").push_bind(i64::from(q.limit));
            qb.build_query_as().fetch_all(pool).await?
        });
        if matches!(q.cursor, Some(Cursor::After(_))) {
            rows.reverse();
        }
        Ok(rows)
    }

    /// How many mails of the query's filter and search are listed above mail `id` (newer
    /// ones newest-first, older ones oldest-first): the "↑ N new" of an anchored view.
    pub async fn count_above(&self, q: &MailQuery, id: MailId) -> Result<i64> {
        let kind = self.kind();
        dispatch_read!(self, pool => {
            let mut qb = QueryBuilder::new("SELECT count(*) FROM process_mails m WHERE 1 = 1");
            push_mail_filter!(qb, q, kind);
            qb.push(if q.oldest_first { " AND m.id < " } else { " AND m.id > " })
                .push_bind(id);
            Ok(qb.build_query_scalar::<i64>().fetch_one(pool).await?)
        })
    }

    /// Rows of (status, held, count).
    pub async fn count_by_status(&self) -> Result<Vec<(MailStatus, bool, i64)>> {
        let sql = COUNT_BY_STATUS.get(self.kind());
        let rows: Vec<(String, bool, i64)> = dispatch_read!(self, pool => {
            sqlx::query_as(sql).fetch_all(pool).await?
        });
        status_counts(rows)
    }

    /// The oldest due pending mail's creation time (the "oldest pending" age).
    pub async fn oldest_pending(&self) -> Result<Option<Millis>> {
        dispatch_read!(self, pool => {
            Ok(sqlx::query_scalar(
                "SELECT created_at FROM process_mails WHERE status = 'pending' AND held = FALSE \
                 ORDER BY id LIMIT 1",
            )
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Mails still to be delivered, grouped by recipient list and age bucket
    /// (`bounds_ms[i]` is the upper bound of bucket `i`; the last bucket is open).
    pub async fn queue_shape_rows(
        &self,
        bounds_ms: &[Millis],
        now: Millis,
    ) -> Result<Vec<QueueShapeRow>> {
        let mut case = String::from("CASE");
        for (i, b) in bounds_ms.iter().enumerate() {
            case.push_str(&format!(" WHEN $1 - created_at < {b} THEN {i}"));
        }
        case.push_str(&format!(" ELSE {} END", bounds_ms.len()));
        let sql = format!(
            "SELECT to_addrs, CAST({case} AS INTEGER) AS bucket, count(*) AS n FROM process_mails \
             WHERE status IN ('pending', 'sending') GROUP BY to_addrs, {case}"
        );
        dispatch_read!(self, pool => {
            Ok(sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(now).fetch_all(pool).await?)
        })
    }
}

/// The work-log entries an applied outcome writes.
fn outcome_log(r: &OutcomeRecord) -> Vec<NewLogEntry> {
    match &r.outcome {
        MailOutcome::Sent {
            delete,
            reply,
            rejected,
            ..
        } => {
            let what = if *delete {
                "delivered; deleted after sending"
            } else {
                "delivered"
            };
            let mut log = vec![NewLogEntry::new(Level::Info, what).detail(reply)];
            log.extend(rejected.iter().map(|f| failure_entry(Level::Error, f)));
            log
        }
        MailOutcome::Retry { failure, .. } => vec![failure_entry(Level::Warn, failure)],
        MailOutcome::Failed { failure } => vec![failure_entry(Level::Error, failure)],
        MailOutcome::Release { note, .. } => note
            .iter()
            .map(|n| NewLogEntry::new(Level::Info, n.clone()))
            .collect(),
    }
}

/// `last_error` of a mail delivered to some recipients only.
fn partial_note(rejected: &[StoredFailure]) -> Option<String> {
    (!rejected.is_empty()).then(|| {
        format!(
            "not delivered to every recipient: {}",
            rejected
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )
    })
}

fn failure_entry(level: Level, f: &StoredFailure) -> NewLogEntry {
    let entry = NewLogEntry::new(level, f.message.clone());
    match &f.detail {
        Some(d) => entry.detail(d),
        None => entry,
    }
}

/// The UPDATE/DELETE for an action and whether it binds `$1` = now; the caller appends
/// the id condition.
fn action_statement(action: MailAction) -> (&'static str, bool) {
    match action {
        MailAction::Retry => (
            "UPDATE process_mails SET \
             attempts = CASE WHEN status = 'pending' THEN attempts ELSE 0 END, \
             queued_at = CASE WHEN status = 'pending' THEN queued_at ELSE $1 END, \
             status = 'pending', held = FALSE, next_attempt_at = $1, claimed_by = NULL, \
             lease_until = NULL, sent_at = NULL \
             WHERE status IN ('pending', 'failed', 'cancelled', 'sent')",
            true,
        ),
        MailAction::Cancel => (
            "UPDATE process_mails SET status = 'cancelled', held = FALSE \
             WHERE status IN ('pending', 'failed')",
            false,
        ),
        MailAction::Hold => (
            "UPDATE process_mails SET held = TRUE WHERE status = 'pending'",
            false,
        ),
        MailAction::Release => (
            "UPDATE process_mails SET held = FALSE WHERE status = 'pending' AND held = TRUE",
            false,
        ),
        MailAction::Delete => ("DELETE FROM process_mails WHERE status <> 'sending'", false),
    }
}

/// Rows of (status, held, count) with the status read as one.
fn status_counts(rows: Vec<(String, bool, i64)>) -> Result<Vec<(MailStatus, bool, i64)>> {
    rows.into_iter()
        .map(|(st, held, n)| {
            let st = st
                .parse()
                .map_err(|e: String| Error::Internal(format!("process_mails.status: {e}")))?;
            Ok((st, held, n))
        })
        .collect()
}

/// The mails (as `m`) an action applies to: `action_statement`'s own condition.
fn applicable_condition(action: MailAction) -> &'static str {
    match action {
        MailAction::Retry => "m.status IN ('pending', 'failed', 'cancelled', 'sent')",
        MailAction::Cancel => "m.status IN ('pending', 'failed')",
        MailAction::Hold => "m.status = 'pending' AND m.held = FALSE",
        MailAction::Release => "m.status = 'pending' AND m.held = TRUE",
        MailAction::Delete => "m.status <> 'sending'",
    }
}

fn action_refusal(
    action: MailAction,
    ids: &[MailId],
    found: &HashMap<MailId, (String, bool)>,
) -> Error {
    for id in ids {
        match found.get(id) {
            None => {
                return Error::NotFound {
                    what: "mail",
                    id: id.to_string(),
                };
            }
            Some((status, _)) if !action.applies_to(status) => {
                return Error::ActionRefused {
                    id: *id,
                    status: status.clone(),
                    action,
                };
            }
            // A pending mail that is not held has nothing to release.
            Some((_, false)) if action == MailAction::Release => {
                return Error::NotHeld { id: *id };
            }
            Some(_) => {}
        }
    }
    Error::State(format!(
        "{} did not apply to every mail (changed meanwhile by another process); nothing was changed",
        action.verb()
    ))
}
