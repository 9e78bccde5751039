//! Holding a destination: every sender, on every host, leaves a domain's mail pending
//! and untried until a time, read from the database.

use super::MailQueue;
use crate::error::{Error, Result};
use crate::model::filter::when;
use crate::model::{DomainDeferral, Level, NewLogEntry};
use crate::store::filter::FilterClock;
use crate::time::Millis;

impl MailQueue {
    /// `--until` as typed: `14:00` (today, local), `2026-12-05T14:00`, `2h`; always
    /// ahead of now.
    pub fn deferral_end(&self, text: &str) -> Result<Millis> {
        let bad = |why: &str| Error::invalid_argument("--until", format!("`{text}` {why}"));
        let w = when(text.trim())
            .ok_or_else(|| bad("is not a time such as 14:00, 2026-12-05T14:00 or 2h"))?;
        let clock = FilterClock {
            now: self.now(),
            ..FilterClock::system()
        };
        let at = clock.ahead(&w);
        if at <= clock.now {
            return Err(bad("has passed; give a later time"));
        }
        Ok(at)
    }

    /// Every sender leaves `domain` alone until `until` (a rule replacing the one
    /// before for that domain).
    pub async fn defer_domain(
        &self,
        domain: &str,
        until: Millis,
        reason: Option<String>,
        actor: &str,
    ) -> Result<DomainDeferral> {
        let domain = domain.trim().trim_start_matches('@').to_lowercase();
        if domain.is_empty() || domain.contains(['@', ' ', ',', '<', '>', '*']) {
            return Err(Error::invalid_argument(
                "--domain",
                format!("`{domain}` is not a domain such as onet.pl"),
            ));
        }
        let rule = DomainDeferral {
            domain,
            until,
            reason: reason.filter(|r| !r.trim().is_empty()),
            by: actor.to_string(),
            at: self.now(),
        };
        let because = rule
            .reason
            .as_ref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        let entry = NewLogEntry::new(
            Level::Info,
            format!(
                "mail to {} deferred by {actor} until {}{because}",
                rule.domain,
                crate::time::format_rfc3339(until)
            ),
        )
        .source("admin");
        self.store.defer_domain(&rule, &entry).await?;
        Ok(rule)
    }

    /// The rules in force now.
    pub async fn deferred_domains(&self) -> Result<Vec<DomainDeferral>> {
        self.store.deferred_domains(self.now()).await
    }

    /// Ends the rule for `domain` before its time; its mail is due at once. False when
    /// no rule was in force.
    pub async fn end_deferral(&self, domain: &str, actor: &str) -> Result<bool> {
        let domain = domain.trim().trim_start_matches('@').to_lowercase();
        let entry = NewLogEntry::new(
            Level::Info,
            format!("mail to {domain} no longer deferred (ended by {actor})"),
        )
        .source("admin");
        self.store.end_deferral(&domain, &entry, self.now()).await
    }
}
