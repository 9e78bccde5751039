//! What happens (`Msg`) and what the app asks for (`Command`). Both are plain data:
//! input -> Msg -> `App::update` -> state + Commands -> executor -> Msg.

use crossterm::event::KeyEvent;

use crate::queue::{
    MailAction, MailDetail, MailId, MailQuery, MailSummary, QueueCounts, QueueShape,
};
use crate::store::SenderRow;
use crate::time::Millis;
use crate::worklog::{LogEntry, LogFilter};

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    /// Once a second: ages and heartbeats move on.
    Tick(Millis),
    /// Another process (or this one) changed the database.
    Changed,
    /// SIGTERM or SIGHUP.
    Terminate,
    QueueLoaded {
        query: MailQuery,
        rows: Vec<MailSummary>,
    },
    Overview(Overview),
    DetailLoaded(Box<MailDetail>),
    LogLoaded {
        filter: LogFilter,
        entries: Vec<LogEntry>,
    },
    ShapeLoaded(QueueShape),
    /// An action finished: how many mails it changed, or why it failed.
    ActionDone(Result<String, String>),
    LoadFailed(String),
}

/// The header's figures, loaded together.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overview {
    pub counts: QueueCounts,
    pub senders: Vec<SenderRow>,
    pub paused: bool,
    pub oldest_pending: Option<Millis>,
    /// Mails sent in each of the last minutes, oldest first.
    pub sent_per_minute: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    LoadQueue(MailQuery),
    LoadOverview,
    LoadDetail(MailId),
    LoadLog(LogFilter),
    LoadShape,
    Act(MailAction, Vec<MailId>),
    SetPaused(bool),
}
