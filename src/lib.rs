//! dbn: a keyboard-driven terminal database console.
//!
//! `main.rs` only parses arguments and dispatches; everything lives here so
//! tests can drive the application headless.

// Unwrap and expect are for tests only; library code returns errors.
#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod activity;
pub mod app;
pub mod backup;
pub mod bundle;
pub mod cli;
pub mod config;
pub mod datasync;
pub mod db;
pub mod edit;
pub mod error;
pub mod fsutil;
pub mod jobs;
pub mod keymap;
pub mod logging;
pub mod ops;
pub mod output;
pub mod overview;
pub mod plan;
pub mod safety;
pub mod sanitize;
pub mod schema;
pub mod secrets;
pub mod store;
pub mod tui;
pub mod ui;
pub mod workspace;
