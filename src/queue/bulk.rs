//! Acting on every mail a filter matches: first what it would meet (the breakdown),
//! then the action in batches, each batch one transaction, at a pace if asked.

use std::collections::HashMap;
use std::time::Duration;

use serde::Serialize;

use super::MailQueue;
use crate::error::{Error, Result};
use crate::model::{
    Compare, Filter, IdSet, Level, MailAction, MailId, MailStatus, NewLogEntry, Term, Test,
    address_domain,
};

/// What a bulk action would meet, before it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Breakdown {
    /// Every mail the filter matches.
    pub matched: i64,
    /// Those the action applies to.
    pub applicable: i64,
    /// Matches by status as the lists show it (`held` apart), most first.
    pub by_status: Vec<(String, i64)>,
    /// Those the action does not apply to, by status.
    pub not_applicable: Vec<(String, i64)>,
    /// Recipient domains of the matches, most mails first (the first few).
    pub top_domains: Vec<(String, i64)>,
    /// The newest mail matching: the action goes no further, so that mail arriving
    /// after the breakdown was read is never acted on unseen.
    pub newest: Option<MailId>,
}

impl Breakdown {
    /// The filter of the action agreed to: the mails matched when it was read.
    pub fn bounded(&self, filter: &Filter) -> Filter {
        let newest = self.newest.unwrap_or(0);
        filter.clone().and(Filter {
            terms: vec![Term {
                negated: false,
                test: Test::Ids(IdSet::Compare(Compare::Le, newest)),
            }],
        })
    }
}

/// How many domains a breakdown names.
const TOP_DOMAINS: usize = 5;

/// The most a batch holds: one transaction stays short for the senders beside it.
pub const BATCH: u32 = 500;

/// A pace for a bulk action: at most this many mails a minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_minute: u32,
}

impl Rate {
    /// `300/min`, `10/s`, `5000/h`, or a bare number a minute.
    pub fn parse(text: &str) -> std::result::Result<Rate, String> {
        let (n, unit) = text.split_once('/').unwrap_or((text, "min"));
        let n: u32 = n
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("`{text}` is not a rate such as 300/min"))?;
        let per_minute = match unit.trim() {
            "s" | "sec" => n.checked_mul(60),
            "m" | "min" => Some(n),
            "h" | "hour" if n.is_multiple_of(60) => Some(n / 60),
            "h" | "hour" => {
                return Err(format!(
                    "`{text}` is not a whole number a minute (the pace is kept per minute: say {}/min or more)",
                    (n / 60).max(1)
                ));
            }
            _ => None,
        }
        .ok_or_else(|| format!("`{text}` is not a rate such as 300/min"))?;
        Ok(Rate { per_minute })
    }

    /// A batch small enough that the pace is kept every second or so.
    pub fn batch(self) -> u32 {
        (self.per_minute / 60).clamp(1, BATCH)
    }

    /// How long `done` mails should take at this pace.
    pub fn time_for(self, done: u64) -> Duration {
        Duration::from_millis(done.saturating_mul(60_000) / u64::from(self.per_minute))
    }
}

/// Where a bulk action has got to; the next batch starts after `after`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BulkProgress {
    pub after: MailId,
    pub done: u64,
    /// No matching mail is left.
    pub finished: bool,
    /// Stopped on request before the end (every batch done is whole).
    pub stopped: bool,
}

/// Adds `n` to each domain of an address list, once per domain however many of its
/// recipients are there.
pub(super) fn count_domains(domains: &mut HashMap<String, i64>, list: &str, n: i64) {
    let mut seen = Vec::new();
    for d in crate::model::split_address_list(list)
        .iter()
        .filter_map(|a| address_domain(a))
    {
        if !seen.contains(&d) {
            *domains.entry(d.clone()).or_default() += n;
            seen.push(d);
        }
    }
}

fn shown_status(status: MailStatus, held: bool) -> String {
    if held && status == MailStatus::Pending {
        "held".to_string()
    } else {
        status.to_string()
    }
}

impl MailQueue {
    /// What `action` on every mail matching `filter` would meet.
    pub async fn breakdown(&self, action: MailAction, filter: &Filter) -> Result<Breakdown> {
        let mut b = Breakdown::default();
        let mut not: HashMap<String, i64> = HashMap::new();
        let mut by: HashMap<String, i64> = HashMap::new();
        let (counts, newest) = self.store.count_matching(filter).await?;
        b.newest = newest;
        for (status, held, n) in counts {
            let shown = shown_status(status, held);
            b.matched += n;
            *by.entry(shown.clone()).or_default() += n;
            let applies = match action {
                MailAction::Hold => status == MailStatus::Pending && !held,
                MailAction::Release => status == MailStatus::Pending && held,
                _ => action.applies_to(status.as_str()),
            };
            if applies {
                b.applicable += n;
            } else {
                *not.entry(shown).or_default() += n;
            }
        }
        let sorted = |m: HashMap<String, i64>| {
            let mut v: Vec<(String, i64)> = m.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        };
        b.by_status = sorted(by);
        b.not_applicable = sorted(not);
        let mut domains: HashMap<String, i64> = HashMap::new();
        for (to, n) in self.store.recipients_matching(filter).await? {
            count_domains(&mut domains, &to, n);
        }
        b.top_domains = sorted(domains);
        b.top_domains.truncate(TOP_DOMAINS);
        Ok(b)
    }

    /// The next batch of a bulk action (at most `limit` mails), in one transaction.
    pub async fn act_matching(
        &self,
        action: MailAction,
        filter: &Filter,
        progress: BulkProgress,
        limit: u32,
        actor: &str,
    ) -> Result<BulkProgress> {
        if limit == 0 {
            return Err(Error::Internal("a bulk batch of 0 mails".into()));
        }
        let entry = NewLogEntry::new(Level::Info, action.log_message(actor)).source("admin");
        let ids = self
            .store
            .apply_action_matching(action, filter, progress.after, limit, &entry, self.now())
            .await?;
        Ok(BulkProgress {
            after: ids.last().copied().unwrap_or(progress.after),
            done: progress.done + ids.len() as u64,
            finished: (ids.len() as u32) < limit,
            stopped: false,
        })
    }

    /// `action` on every mail matching `filter`, batch after batch until none is left
    /// or `stop` completes (checked between batches: the batch under way finishes
    /// whole). With a rate, the mails done by any moment never run ahead of it.
    /// `on_batch` hears of each batch.
    pub async fn act_all_matching(
        &self,
        action: MailAction,
        filter: &Filter,
        rate: Option<Rate>,
        actor: &str,
        stop: impl std::future::Future<Output = ()>,
        mut on_batch: impl FnMut(&BulkProgress),
    ) -> Result<BulkProgress> {
        let limit = rate.map_or(BATCH, Rate::batch);
        let started = tokio::time::Instant::now();
        let mut progress = BulkProgress::default();
        tokio::pin!(stop);
        loop {
            progress = self
                .act_matching(action, filter, progress, limit, actor)
                .await?;
            on_batch(&progress);
            // At a pace, even the last batch waits out its share of the time: the rate
            // holds for the run as a whole.
            let wait = rate
                .map(|r| r.time_for(progress.done).saturating_sub(started.elapsed()))
                .unwrap_or_default();
            if progress.finished && wait.is_zero() {
                return Ok(progress);
            }
            tokio::select! {
                biased;
                _ = &mut stop => {
                    progress.stopped = !progress.finished;
                    return Ok(progress);
                }
                _ = tokio::time::sleep(wait) => {}
            }
            if progress.finished {
                return Ok(progress);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_per_second_minute_or_hour() {
        assert_eq!(Rate::parse("300/min").unwrap().per_minute, 300);
        assert_eq!(Rate::parse("10/s").unwrap().per_minute, 600);
        assert_eq!(Rate::parse("6000/h").unwrap().per_minute, 100);
        assert_eq!(Rate::parse("42").unwrap().per_minute, 42);
        // Never faster than asked: a rate an hour that is no whole number a minute is
        // refused rather than rounded up.
        assert!(Rate::parse("30/h").unwrap_err().contains("1/min"));
        for bad in ["0/min", "x", "5/day", "-3", "90/h"] {
            assert!(Rate::parse(bad).is_err(), "{bad}");
        }
        let r = Rate::parse("300/min").unwrap();
        assert_eq!(r.batch(), 5);
        assert_eq!(r.time_for(300), Duration::from_secs(60));
        assert_eq!(Rate::parse("1/min").unwrap().batch(), 1);
        assert_eq!(Rate::parse("100000/min").unwrap().batch(), BATCH);
    }
}
