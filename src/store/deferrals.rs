//! SQL for destinations deferred by an admin: deferred_domains.

use sqlx::QueryBuilder;

use super::filter::{self, FilterClock};
use super::mails::insert_log;
use super::{Store, dispatch, dispatch_read};
use crate::error::Result;
use crate::model::{DomainDeferral, Filter, NewLogEntry, Term, Test};
use crate::time::Millis;

const INSERT_LOG: &str = super::mails::INSERT_LOG;

impl Store {
    /// Sets (or moves) the rule for `domain`, with its work-log entry.
    pub async fn defer_domain(&self, rule: &DomainDeferral, entry: &NewLogEntry) -> Result<()> {
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO deferred_domains (domain, until_at, reason, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (domain) DO UPDATE SET \
                 until_at = excluded.until_at, reason = excluded.reason, \
                 created_by = excluded.created_by, created_at = excluded.created_at",
            )
            .bind(&rule.domain)
            .bind(rule.until)
            .bind(rule.reason.as_deref())
            .bind(&rule.by)
            .bind(rule.at)
            .execute(&mut *tx)
            .await?;
            insert_log!(tx, rule.at, entry, None::<i64>)?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The rules still in force at `now`, soonest end first.
    pub async fn deferred_domains(&self, now: Millis) -> Result<Vec<DomainDeferral>> {
        let rows: Vec<(String, Millis, Option<String>, String, Millis)> = dispatch_read!(self, pool => {
            sqlx::query_as(
                "SELECT domain, until_at, reason, created_by, created_at FROM deferred_domains \
                 WHERE until_at > $1 ORDER BY until_at, domain",
            )
            .bind(now)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(domain, until, reason, by, at)| DomainDeferral {
                domain,
                until,
                reason,
                by,
                at,
            })
            .collect())
    }

    /// Ends the rule for `domain` (false: there was none in force); its mail that was
    /// put off until the rule's end is due now.
    pub async fn end_deferral(
        &self,
        domain: &str,
        entry: &NewLogEntry,
        now: Millis,
    ) -> Result<bool> {
        let kind = self.kind();
        let pieces = filter::compile(
            &Filter {
                terms: vec![Term {
                    negated: false,
                    test: Test::Domain(domain.to_string()),
                }],
            },
            kind,
            &FilterClock::system(),
        );
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let until: Option<Millis> = sqlx::query_scalar(
                "DELETE FROM deferred_domains WHERE domain = $1 AND until_at > $2 RETURNING until_at",
            )
            .bind(domain)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(until) = until else {
                tx.rollback().await?;
                return Ok(false);
            };
            let mut qb = QueryBuilder::new("UPDATE process_mails SET next_attempt_at = ");
            qb.push_bind(now)
                .push(" WHERE id IN (SELECT m.id FROM process_mails m WHERE m.status = 'pending' \
                       AND m.next_attempt_at > ")
                .push_bind(now)
                .push(" AND m.next_attempt_at <= ")
                .push_bind(until);
            filter::push_pieces!(qb, pieces);
            qb.push(")");
            qb.build().execute(&mut *tx).await?;
            insert_log!(tx, now, entry, None::<i64>)?;
            tx.commit().await?;
            Ok(true)
        })
    }
}
