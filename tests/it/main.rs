//! The integration tests, one crate so that they link once. Each module is what used to
//! be a test program of its own; `common` holds the helpers they share (test databases,
//! SMTP servers, the identity provider, the tools a test needs).
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Not every helper is used by every build of the tests (some are behind a tool check).
#![allow(dead_code)]

#[macro_use]
mod common;

mod cli;
mod console;
mod console_tmux;
mod console_trust;
mod filter;
mod oauth;
mod queue;
mod sender;
mod sender_faults;
mod settings;
