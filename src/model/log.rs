//! The work log's entries [DF_WorkLogEntries]: what the sender and the admins did, with
//! the SMTP code and text of every failure.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::mail::MailId;
use super::time::{Millis, serialize_millis};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }

    /// This level and every more severe one (a filter shows "warn and worse").
    pub fn and_above(self) -> Vec<Level> {
        [Level::Info, Level::Warn, Level::Error]
            .into_iter()
            .filter(|l| *l >= self)
            .collect()
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "info" => Ok(Level::Info),
            "warn" | "warning" => Ok(Level::Warn),
            "error" => Ok(Level::Error),
            _ => Err(format!("`{s}` is not a level (info, warn, error)")),
        }
    }
}

impl TryFrom<String> for Level {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogEntry {
    pub id: i64,
    #[serde(serialize_with = "serialize_millis")]
    pub time: Millis,
    pub level: Level,
    pub source: String,
    pub mail_id: Option<MailId>,
    pub message: String,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewLogEntry {
    pub level: Level,
    pub source: String,
    pub mail_id: Option<MailId>,
    pub message: String,
    pub detail: Option<String>,
}

impl NewLogEntry {
    pub fn new(level: Level, message: impl Into<String>) -> Self {
        NewLogEntry {
            level,
            source: "dmsctl".into(),
            mail_id: None,
            message: message.into(),
            detail: None,
        }
    }
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = source.into();
        self
    }
    pub fn mail(mut self, id: MailId) -> Self {
        self.mail_id = Some(id);
        self
    }
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Which entries to list: newest first, from `before_id` down.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    pub mail_id: Option<MailId>,
    pub min_level: Option<Level>,
    pub before_id: Option<i64>,
    pub limit: u32,
}
