//! Shared helpers for the schema tests (included with `#[path]`): build two
//! databases, plan the migration, apply it, re-introspect, require an
//! empty diff.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

#[path = "common/mod.rs"]
mod common;

pub use common::*;
use dbn::db::{ConnSpec, Engine, Session, connect, query_all};
use dbn::schema::Schema;
use dbn::schema::apply::apply;
use dbn::schema::diff::{DiffOptions, diff};
use dbn::schema::introspect::introspect;
use dbn::schema::migrate::MigrateOptions;

/// One round-trip case.
#[derive(Default, Clone, Copy)]
pub struct Case<'a> {
    /// Source schema DDL (the desired state).
    pub source: &'a str,
    /// Target schema DDL (the state to migrate).
    pub target: &'a str,
    /// Rows inserted into the target before migrating.
    pub target_data: &'a str,
    /// A query run on the target after migrating, and its expected output
    /// (psql -At / mariadb --batch / rusqlite rows joined by '|' and '\n').
    pub check: Option<(&'a str, &'a str)>,
    /// Postgres --online.
    pub online: bool,
    /// Expect the apply to fail (and the target to be unchanged).
    pub expect_failure: bool,
    /// Compare and migrate privileges too.
    pub with_privileges: bool,
    /// Chosen renames (`--rename` syntax).
    pub renames: &'a [&'a str],
}

/// A database made for one side of a test.
pub struct Db {
    /// Engine.
    pub engine: Engine,
    /// URL (or file path for SQLite).
    pub url: String,
    /// The server database to drop when the test ends (Postgres, MariaDB).
    server_db: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Db {
    /// Drop the server database so a full test run does not fill the disk
    /// (a fresh Postgres database takes about 8 MB). Errors are ignored:
    /// this runs during unwinding too, where a second panic would abort.
    fn drop(&mut self) {
        if let Some(name) = self.server_db.take() {
            drop_test_database(self.engine, &name);
        }
    }
}

impl Db {
    /// A fresh database, `None` when the server is not configured (outside CI).
    pub fn fresh(engine: Engine, prefix: &str) -> Option<Db> {
        match engine {
            Engine::Postgres => fresh_pg_db(prefix).map(|url| Db {
                engine,
                server_db: database_of(&url),
                url,
                _dir: None,
            }),
            Engine::Mysql => fresh_mysql_db(prefix).map(|url| Db {
                engine,
                server_db: database_of(&url),
                url,
                _dir: None,
            }),
            Engine::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = dir.path().join(format!("{prefix}.db")).display().to_string();
                Some(Db {
                    engine,
                    url,
                    server_db: None,
                    _dir: Some(dir),
                })
            }
        }
    }

    /// Run a script with the engine's own client (or rusqlite), returning rows.
    pub fn run(&self, sql: &str) -> String {
        if sql.trim().is_empty() {
            return String::new();
        }
        match self.engine {
            Engine::Postgres => psql(&self.url, sql),
            Engine::Mysql => mysql(&self.url, sql),
            Engine::Sqlite => {
                let c = rusqlite::Connection::open(&self.url).unwrap();
                if sql.trim_start().to_ascii_uppercase().starts_with("SELECT")
                    || sql.trim_start().to_ascii_uppercase().starts_with("PRAGMA")
                {
                    let mut st = c.prepare(sql).unwrap();
                    let n = st.column_count();
                    let rows = st
                        .query_map([], |r| {
                            Ok((0..n)
                                .map(|i| match r.get_ref(i).unwrap() {
                                    rusqlite::types::ValueRef::Null => String::new(),
                                    rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                                    rusqlite::types::ValueRef::Real(v) => v.to_string(),
                                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                                    rusqlite::types::ValueRef::Blob(b) => format!("{b:?}"),
                                })
                                .collect::<Vec<_>>()
                                .join("|"))
                        })
                        .unwrap()
                        .map(|r| r.unwrap())
                        .collect::<Vec<_>>();
                    rows.join("\n") + if rows.is_empty() { "" } else { "\n" }
                } else {
                    c.execute_batch(sql)
                        .unwrap_or_else(|e| panic!("sqlite setup failed: {e}\n{sql}"));
                    String::new()
                }
            }
        }
    }

    /// Open a dbn session on it.
    pub async fn session(&self) -> Box<dyn Session> {
        let spec = match self.engine {
            Engine::Sqlite => {
                let mut s = ConnSpec::new(Engine::Sqlite);
                s.database = Some(self.url.clone());
                s
            }
            _ => ConnSpec::parse_url(&self.url).unwrap(),
        };
        connect(&spec)
            .await
            .unwrap_or_else(|e| panic!("connect {}: {e}", self.engine))
    }

    /// Introspect it.
    pub async fn schema(&self) -> Schema {
        let mut s = self.session().await;
        introspect(s.as_mut())
            .await
            .unwrap_or_else(|e| panic!("introspect: {e}"))
    }
}

/// Build source and target, migrate the target, require an empty diff.
/// Returns the migration script.
pub async fn roundtrip(engine: Engine, case: Case<'_>) -> Option<String> {
    let src = Db::fresh(engine, "sch_src")?;
    let tgt = Db::fresh(engine, "sch_tgt")?;
    src.run(case.source);
    tgt.run(case.target);
    tgt.run(case.target_data);
    let a = src.schema().await;
    let b = tgt.schema().await;
    let dopts = DiffOptions {
        with_privileges: case.with_privileges,
        ..DiffOptions::default()
    };
    let before = diff(&a, &b, dopts);
    assert!(!before.is_empty(), "the case must start with a difference");
    let opts = MigrateOptions {
        online: case.online,
        with_privileges: case.with_privileges,
    };
    let renames: Vec<_> = case
        .renames
        .iter()
        .map(|r| dbn::schema::migrate::parse_rename(engine, r).unwrap())
        .collect();
    let p = dbn::schema::migrate::plan_with_renames(&a, &b, opts, &renames).unwrap();
    let script = p.render("test");
    let mut session = tgt.session().await;
    let res = apply(session.as_mut(), &p, |_, _, _| {}).await;
    if case.expect_failure {
        let err = res.expect_err("the migration should fail");
        assert!(err.rolled_back || engine == Engine::Mysql, "{err}");
        let after = introspect(session.as_mut()).await.unwrap();
        assert!(
            diff(&b, &after, DiffOptions::default()).is_empty(),
            "a failed migration must leave the target unchanged"
        );
        return Some(script);
    }
    if let Err(e) = res {
        panic!("apply failed: {e}\n--- script ---\n{script}");
    }
    let after = introspect(session.as_mut()).await.unwrap();
    let remaining = diff(&a, &after, dopts);
    assert!(
        remaining.is_empty(),
        "diff not empty after migration:\n{}\n--- script ---\n{script}",
        remaining.render("source", "target", false)
    );
    if let Some((q, expected)) = case.check {
        assert_eq!(
            tgt.run(q).trim(),
            expected.trim(),
            "data check after migration\n--- script ---\n{script}"
        );
    }
    Some(script)
}

/// Run a statement through a session (for tests that need it).
pub async fn exec(session: &mut dyn Session, sql: &str) {
    query_all(session, sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}
