//! Data diff and table-level data sync between two databases.
//!
//! The pure building blocks are [`canonical`] (engine-independent value
//! rendering) and [`rowdiff`] (merge join of two key-ordered row streams);
//! snapshots reuse both.

pub mod canonical;
pub mod rowdiff;
pub mod sql;
pub mod typemap;
