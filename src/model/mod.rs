//! Plain data every layer shares: mails and what lists show of them, queries, counts,
//! outcomes, work-log entries, field problems, sign-in failures, senders. A leaf: it
//! depends on std, serde and `url` only, never on another module of the crate.

pub mod counts;
pub mod database;
pub mod error_group;
pub mod filter;
pub mod log;
pub mod mail;
pub mod operator;
pub mod outcome;
pub mod problem;
pub mod query;
pub mod sender;
pub mod sign_in;
pub mod time;

pub use counts::{QueueCounts, QueueHealth, QueueShape, SHAPE_BUCKET_MINUTES, ShapeRow};
pub use database::{DatabaseKind, redact_url};
pub use error_group::ErrorGroup;
pub use filter::{
    CodePattern, Compare, Filter, FilterError, FilterProblem, IdSet, LocalTime, StatusValue, Term,
    Test, TextField, TimeField, When,
};
pub use log::{Level, LogEntry, LogFilter, NewLogEntry, anonymized_message};
pub use mail::{
    Attachment, AttachmentInfo, ClaimedMail, Mail, MailDetail, MailId, MailStatus, MailSummary,
    NewAttachment, NewMail, address_domain, join_address_list, split_address_list,
};
pub use operator::Operator;
pub use outcome::{
    ANONYMIZED_RECIPIENT, ANONYMIZED_SUBJECT, Claimant, MailOutcome, OutcomeRecord, StoredFailure,
};
pub use problem::{FieldError, Problem};
pub use query::{Cursor, MailAction, MailQuery, StatusFilter};
pub use sender::{DomainDeferral, RegisteredSender, SenderState, SendingControl, ServerTrouble};
pub use sign_in::SignInFailure;
