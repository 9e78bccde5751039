//! Error groups: the mails still in the queue with an error, grouped by its
//! fingerprint (reply code, status code, text with addresses and numbers masked).

use std::collections::HashMap;

use super::MailQueue;
use crate::error::Result;
use crate::model::ErrorGroup;
use crate::model::error_group::{codes, fingerprint, group_term};

/// How many domains a group names.
const TOP_DOMAINS: usize = 3;

impl MailQueue {
    /// Every group, most mails first.
    pub async fn error_groups(&self) -> Result<Vec<ErrorGroup>> {
        let mut groups: HashMap<String, (ErrorGroup, HashMap<String, i64>)> = HashMap::new();
        for row in self.store.error_rows().await? {
            let print = fingerprint(&row.error);
            let (g, domains) = groups.entry(print.clone()).or_insert_with(|| {
                let (code, status) = codes(&print);
                (
                    ErrorGroup {
                        filter: group_term(&print),
                        fingerprint: print,
                        code,
                        status,
                        mails: 0,
                        failed: 0,
                        deferred: 0,
                        first_seen: None,
                        last_seen: None,
                        top_domains: Vec::new(),
                        example_id: row.id,
                        example: row.error.clone(),
                    },
                    HashMap::new(),
                )
            });
            g.mails += 1;
            if row.failed {
                g.failed += 1;
            } else {
                g.deferred += 1;
            }
            if let Some(at) = row.at {
                g.first_seen = Some(g.first_seen.map_or(at, |t| t.min(at)));
                g.last_seen = Some(g.last_seen.map_or(at, |t| t.max(at)));
            }
            // The newest mail is the example: the error as it is today.
            if row.id > g.example_id {
                g.example_id = row.id;
                g.example = row.error.clone();
            }
            super::bulk::count_domains(domains, &row.to, 1);
        }
        let mut out: Vec<ErrorGroup> = groups
            .into_values()
            .map(|(mut g, domains)| {
                let mut d: Vec<(String, i64)> = domains.into_iter().collect();
                d.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                d.truncate(TOP_DOMAINS);
                g.top_domains = d;
                g
            })
            .collect();
        out.sort_by(|a, b| {
            b.mails
                .cmp(&a.mails)
                .then_with(|| a.fingerprint.cmp(&b.fingerprint))
        });
        Ok(out)
    }
}
