//! dmsctl: the settings and mail-queue console of a document-management server.
//!
//! Layers, one direction (ARCHITECTURE.md has the map; `layers.rs` checks it): `model`
//! (plain data) <- `error` <- `secrets`, `config` <- `store` (the only SQL) <- the
//! services (`settings`, `worklog`, `senders`, `queue`, `oauth`, bundled by `services`)
//! <- `sender` <- `i18n` <- `tui` (the console) and `cli`. Only the services call `Store`.

pub mod cli;
pub mod config;
pub mod error;
pub mod i18n;
pub mod model;
pub mod oauth;
pub mod queue;
pub mod secrets;
pub mod sender;
pub mod senders;
pub mod services;
pub mod settings;
pub mod store;
pub mod tui;
pub mod worklog;

#[cfg(test)]
mod layers;

pub use error::{Error, Result};
pub use model::time;
