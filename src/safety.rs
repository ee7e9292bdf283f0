//! Guardrails: statement classification, the write policy, unlocks and audit.

pub mod classify;

pub use classify::{StatementVerdict, Verdict, classify};
