//! The operations layer: one function per user operation, written once and
//! called by every face (the CLI in `cli/`, the TUI in `app/`, saved jobs in
//! `jobs/`). Each takes an [`OpsContext`] (audit log and metadata state, a
//! confirmation prompt, a progress sink, a cancellation token) and returns a
//! typed outcome or an [`OpsError`]; none prints.
//!
//! | operation | function |
//! |---|---|
//! | run statements (split, classify, gate, execute, audit, history) | [`run_statements::authorize`] / [`run_statements::review`] + [`run_statements::approve`], then [`run_statements::execute`] |
//! | apply a schema migration (rule, snapshots, audit, verify) | [`migration::authorize`], then [`migration::apply`] |
//! | preview a data sync (open both sides, diff, plan) | [`sync_table::preview`] (diff only: [`sync_table::compare`]) |
//! | apply a data sync (every batch audited) | [`gate::authorize_operation`], then [`sync_table::apply`] |
//! | restore a backup (audited before anything is sent) | [`gate::authorize_operation`], then [`restore::restore_backup`] |
//! | resolve the backup key(s) | [`backup_key::KeySources`] |
//! | unlock / end an unlock | [`unlock::grant`], [`unlock::end`], [`unlock::status`] |
//!
//! Every write passes the one confirmation rule (`safety::gate`) and is
//! audited: intent before it is sent, outcome after (fail closed).

pub mod backup_create;
pub mod backup_key;
pub mod connection;
pub mod context;
pub mod error;
pub mod gate;
pub mod migration;
pub mod restore;
pub mod run_statements;
pub mod sinks;
pub mod sync_table;
pub mod target;
pub mod unlock;

pub use context::{AuditError, AuditSink, Face, OpsContext, Progress, ProgressSink, Records, StateStore};
pub use error::OpsError;
pub use target::Target;
