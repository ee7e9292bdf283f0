//! The normalized schema model shared by introspection, diff, migration
//! and snapshots.

pub mod apply;
pub mod compat;
pub mod ddl;
pub mod deps;
pub mod diff;
pub mod introspect;
pub mod migrate;
mod model;
pub mod normalize;
pub mod objects;
pub mod verify;

pub use model::*;
