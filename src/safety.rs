//! Guardrails: statement classification, the write policy, unlocks and audit.

pub mod classify;
mod lex;
pub mod split;

pub use classify::{StatementVerdict, Verdict, classify};
pub use split::split;
