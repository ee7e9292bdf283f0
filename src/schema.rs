//! The normalized schema model shared by introspection, diff, migration
//! and snapshots.

pub mod introspect;
mod model;

pub use model::*;
