//! The work log [DF_WorkLogEntries]: what the sender and the admins did, with the SMTP
//! code and text of every failure.

pub use crate::model::{Level, LogEntry, LogFilter, NewLogEntry};

/// The work log as the CLI and the console read and write it.
#[derive(Debug, Clone)]
pub struct WorkLog {
    store: crate::store::Store,
}

impl WorkLog {
    pub fn new(store: crate::store::Store) -> Self {
        WorkLog { store }
    }

    pub async fn append(&self, entry: &NewLogEntry) -> crate::Result<i64> {
        self.store.append_log(entry, crate::time::now_ms()).await
    }

    pub async fn entries(&self, filter: &LogFilter) -> crate::Result<Vec<LogEntry>> {
        if filter.limit == 0 || filter.limit > 10_000 {
            return Err(crate::Error::invalid_argument(
                "limit",
                "must be between 1 and 10000",
            ));
        }
        self.store.log_entries(filter).await
    }
}
