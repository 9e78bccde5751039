//! dmsctl: the settings and mail-queue console of a document-management server.
//!
//! Layers, one direction: `cli` (and later the console and the sender) call the service
//! layer (`queue::MailQueue`, `settings::Settings`, `worklog`), which calls `store`,
//! the only code that speaks SQL.

pub mod cli;
pub mod config;
pub mod error;
pub mod i18n;
pub mod oauth;
pub mod queue;
pub mod secrets;
pub mod sender;
pub mod settings;
pub mod store;
pub mod time;
pub mod tui;
pub mod worklog;

pub use error::{Error, Result};
