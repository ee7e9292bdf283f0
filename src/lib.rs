//! dbn: a keyboard-driven terminal database console.
//!
//! `main.rs` only parses arguments and dispatches; everything lives here so
//! tests can drive the application headless.

pub mod backup;
pub mod cli;
pub mod config;
pub mod db;
pub mod export;
pub mod logging;
pub mod safety;
pub mod sanitize;
pub mod schema;
pub mod secrets;
pub mod store;
pub mod workspace;
