//! The schema corpus: (A, B) pairs per engine in `tests/schema_corpus/`.
//! For each case: build A and B, ask dbn for the SQL that turns A into B,
//! apply that SQL to A with the engine's own client (psql, mariadb; SQLite
//! through its library), then require the engine's own dump of A and B to
//! be equal (`pg_dump --schema-only`; `SHOW CREATE TABLE/VIEW/TRIGGER/
//! FUNCTION/PROCEDURE`; `sqlite_master`) and dbn's own re-diff to be
//! identical. One database pair per case, created and dropped; cases run a
//! few at a time. `DBN_CORPUS_FILTER=text` runs only cases whose
//! `file/name` contains the text.
//!
//! Case file format:
//! ```text
//! -- case: name
//! -- expect: text the script must contain      (any number)
//! -- forbid: text the script must not contain  (any number)
//! -- online | -- privileges | -- rename: OLD=NEW | -- same
//! -- a:
//! ...SQL building A (the database that is migrated)...
//! -- b:
//! ...SQL building B (the wanted schema)...
//! -- data:
//! ...SQL run on A before migrating (rows that must survive)...
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "schema_corpus/harness.rs"]
mod harness;

use dbn::db::Engine;

#[test]
fn postgres_corpus() {
    harness::run_engine(Engine::Postgres, "pg");
}

#[test]
fn mysql_corpus() {
    harness::run_engine(Engine::Mysql, "mysql");
}

#[test]
fn sqlite_corpus() {
    harness::run_engine(Engine::Sqlite, "sqlite");
}
