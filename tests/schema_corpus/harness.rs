//! Runner of the schema corpus (see `tests/schema_corpus.rs`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;
#[path = "dumps.rs"]
mod dumps;

use common::*;
use dbn::db::{ConnSpec, Engine, Session, connect};
use dbn::schema::Schema;
use dbn::schema::diff::{DiffOptions, diff};
use dbn::schema::introspect::introspect;
use dbn::schema::migrate::{MigrateOptions, parse_rename, plan_with_renames};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// One (A, B) pair.
#[derive(Debug, Default, Clone)]
pub struct Case {
    /// `file/name`.
    pub id: String,
    /// SQL building A.
    pub a: String,
    /// SQL building B.
    pub b: String,
    /// Rows loaded into A before migrating.
    pub data: String,
    /// Substrings the script must contain.
    pub expect: Vec<String>,
    /// Substrings the script must not contain.
    pub forbid: Vec<String>,
    /// `--online`.
    pub online: bool,
    /// `--with-privileges`.
    pub privileges: bool,
    /// `--rename` values.
    pub renames: Vec<String>,
    /// A and B are the same schema written differently: no changes.
    pub same: bool,
}

/// Parse every `*.sql` case file of a directory.
pub fn load(dir: &Path) -> Vec<Case> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let stem = f.file_stem().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&f).unwrap();
        let mut cur: Option<Case> = None;
        let mut section = "";
        for line in text.lines() {
            let t = line.trim();
            if let Some(name) = t.strip_prefix("-- case:") {
                if let Some(c) = cur.take() {
                    out.push(c);
                }
                cur = Some(Case {
                    id: format!("{stem}/{}", name.trim()),
                    ..Case::default()
                });
                section = "";
                continue;
            }
            let Some(c) = cur.as_mut() else { continue };
            match t {
                "-- a:" => section = "a",
                "-- b:" => section = "b",
                "-- data:" => section = "data",
                "-- online" => c.online = true,
                "-- privileges" => c.privileges = true,
                "-- same" => c.same = true,
                _ => {
                    if let Some(x) = t.strip_prefix("-- expect:") {
                        c.expect.push(x.trim().to_string());
                    } else if let Some(x) = t.strip_prefix("-- forbid:") {
                        c.forbid.push(x.trim().to_string());
                    } else if let Some(x) = t.strip_prefix("-- rename:") {
                        c.renames.push(x.trim().to_string());
                    } else {
                        let target = match section {
                            "a" => &mut c.a,
                            "b" => &mut c.b,
                            "data" => &mut c.data,
                            _ => continue,
                        };
                        target.push_str(line);
                        target.push('\n');
                    }
                }
            }
        }
        if let Some(c) = cur.take() {
            out.push(c);
        }
    }
    out
}

/// Run all cases of one engine, a few at a time; fail listing every
/// failing case.
pub fn run_engine(engine: Engine, dir: &str) {
    let ready = match engine {
        Engine::Postgres => pg_url().is_some(),
        Engine::Mysql => mysql_url().is_some(),
        Engine::Sqlite => true,
    };
    if !ready {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/schema_corpus")
        .join(dir);
    let filter = std::env::var("DBN_CORPUS_FILTER").unwrap_or_default();
    let cases: Vec<Case> = load(&root).into_iter().filter(|c| c.id.contains(&filter)).collect();
    assert!(filter.is_empty() || !cases.is_empty(), "no case matches '{filter}'");
    let queue = Mutex::new(cases.clone());
    let failures = Mutex::new(Vec::new());
    let workers = std::env::var("DBN_CORPUS_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3usize);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                loop {
                    let Some(case) = queue.lock().unwrap().pop() else { break };
                    let id = case.id.clone();
                    let res =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(run_case(engine, &case))));
                    let msg = match res {
                        Ok(Ok(())) => continue,
                        Ok(Err(m)) => m,
                        Err(p) => p
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default(),
                    };
                    failures.lock().unwrap().push(format!("=== {id}\n{msg}"));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} {engine} corpus case(s) failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// A database for one side of one case.
struct Side {
    engine: Engine,
    url: String,
    name: String,
    _dir: Option<tempfile::TempDir>,
}

impl Side {
    fn create(engine: Engine, tag: &str) -> Side {
        match engine {
            Engine::Postgres => {
                let name = unique_name(tag);
                let admin = pg_url().unwrap();
                psql(&admin, &format!("CREATE DATABASE {name}"));
                Side {
                    engine,
                    url: with_database(&admin, &name),
                    name,
                    _dir: None,
                }
            }
            Engine::Mysql => {
                let name = unique_name(tag);
                let admin = mysql_url().unwrap();
                mysql(&admin, &format!("CREATE DATABASE {name}"));
                Side {
                    engine,
                    url: with_database(&admin, &name),
                    name,
                    _dir: None,
                }
            }
            Engine::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = dir.path().join(format!("{tag}.db")).display().to_string();
                Side {
                    engine,
                    url,
                    name: tag.into(),
                    _dir: Some(dir),
                }
            }
        }
    }

    /// Run a script with the engine's own client.
    fn load(&self, sql: &str) -> Result<(), String> {
        if sql.trim().is_empty() {
            return Ok(());
        }
        match self.engine {
            Engine::Postgres => {
                let bin = std::env::var("DBN_TEST_PG_BIN")
                    .map(|b| format!("{b}/psql"))
                    .unwrap_or_else(|_| "psql".into());
                client(
                    Command::new(bin).args([&self.url, "-qX", "-v", "ON_ERROR_STOP=1", "-f", "-"]),
                    sql,
                )
            }
            Engine::Mysql => {
                let u = url::Url::parse(&self.url).unwrap();
                let mut cmd = Command::new("mariadb");
                cmd.arg(format!("--host={}", u.host_str().unwrap_or("127.0.0.1")))
                    .arg(format!("--port={}", u.port().unwrap_or(3306)))
                    .arg(format!("--user={}", u.username()))
                    .arg("--batch")
                    .arg(&self.name);
                if let Some(p) = u.password() {
                    cmd.env("MYSQL_PWD", p);
                }
                client(&mut cmd, sql)
            }
            Engine::Sqlite => {
                let c = rusqlite::Connection::open(&self.url).map_err(|e| e.to_string())?;
                c.execute_batch(sql).map_err(|e| e.to_string())
            }
        }
    }

    async fn session(&self) -> Box<dyn Session> {
        let spec = match self.engine {
            Engine::Sqlite => {
                let mut s = ConnSpec::new(Engine::Sqlite);
                s.database = Some(self.url.clone());
                s
            }
            _ => ConnSpec::parse_url(&self.url).unwrap(),
        };
        connect(&spec).await.unwrap()
    }

    async fn schema(&self) -> Result<Schema, String> {
        let mut s = self.session().await;
        introspect(s.as_mut()).await.map_err(|e| format!("introspect: {e}"))
    }

    /// The engine's own dump, normalized for comparison.
    async fn dump(&self) -> Result<String, String> {
        match self.engine {
            Engine::Postgres => dumps::pg_dump(&self.url),
            Engine::Mysql => {
                let mut s = self.session().await;
                dumps::mysql_dump(s.as_mut(), &self.name).await
            }
            Engine::Sqlite => dumps::sqlite_dump(&self.url),
        }
    }

    fn drop(&self) {
        drop_test_database(self.engine, &self.name);
    }
}

fn client(cmd: &mut Command, input: &str) -> Result<(), String> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Build, plan, apply, compare. Drops both databases whatever happens.
async fn run_case(engine: Engine, case: &Case) -> Result<(), String> {
    let a = Side::create(engine, "cor_a");
    let b = Side::create(engine, "cor_b");
    let res = check(engine, case, &a, &b).await;
    a.drop();
    b.drop();
    res
}

async fn check(engine: Engine, case: &Case, a: &Side, b: &Side) -> Result<(), String> {
    a.load(&case.a).map_err(|e| format!("building A failed: {e}"))?;
    b.load(&case.b).map_err(|e| format!("building B failed: {e}"))?;
    a.load(&case.data)
        .map_err(|e| format!("loading data into A failed: {e}"))?;
    let sa = a.schema().await?;
    let sb = b.schema().await?;
    let dopts = DiffOptions {
        with_privileges: case.privileges,
        detect_renames: false,
    };
    let before = diff(&sb, &sa, dopts);
    let opts = MigrateOptions {
        online: case.online,
        with_privileges: case.privileges,
    };
    let renames: Vec<_> = case
        .renames
        .iter()
        .map(|r| parse_rename(engine, r).ok_or_else(|| format!("bad rename {r}")))
        .collect::<Result<_, _>>()?;
    let plan = plan_with_renames(&sb, &sa, opts, &renames).map_err(|e| e.to_string())?;
    let script = plan.render("corpus");
    if std::env::var("DBN_CORPUS_SHOW").is_ok() {
        eprintln!("=== {}\n{script}", case.id);
    }
    if case.same {
        if !before.is_identical() || !plan.is_empty() {
            return Err(format!(
                "A and B are the same schema, yet dbn sees a difference:\n{}\n--- script ---\n{script}",
                before.render("B", "A", false)
            ));
        }
        return Ok(());
    }
    if before.is_identical() {
        return Err("the case must start with a difference dbn sees".into());
    }
    for e in &case.expect {
        if !script.contains(e.as_str()) {
            return Err(format!("script lacks `{e}`:\n{script}"));
        }
    }
    for f in &case.forbid {
        if script.contains(f.as_str()) {
            return Err(format!("script contains `{f}`:\n{script}"));
        }
    }
    a.load(&script)
        .map_err(|e| format!("applying the script with the engine's client failed: {e}\n--- script ---\n{script}"))?;
    let (da, db) = (a.dump().await?, b.dump().await?);
    if da != db {
        return Err(format!(
            "the engine's dumps differ after migration (- migrated A, + B):\n{}\n--- script ---\n{script}",
            dumps::unified(&da, &db)
        ));
    }
    let after = a.schema().await?;
    let remaining = diff(&sb, &after, dopts);
    if !remaining.is_identical() {
        return Err(format!(
            "dumps are equal but dbn's re-diff is not empty:\n{}\n--- script ---\n{script}",
            remaining.render("B", "migrated A", false)
        ));
    }
    Ok(())
}
