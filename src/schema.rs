//! The normalized schema model shared by introspection, diff, migration
//! and snapshots.

mod model;

pub use model::*;
