//! Read a live database's structure into the normalized model, with SQL
//! sent through a `Session` (so it works for any driver implementation).

pub mod mysql;
pub mod postgres;
pub mod sqlite;
