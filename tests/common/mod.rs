//! Shared helpers for integration tests: server URLs from
//! `scripts/test-services.sh`, fresh databases, the built binary.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// True when running in CI, where a missing server is a failure, not a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn server_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert!(
                !in_ci(),
                "{var} is not set: CI must start servers with scripts/test-services.sh before running tests"
            );
            eprintln!("skipping: {var} not set (run `eval \"$(scripts/test-services.sh start)\"`)");
            None
        }
    }
}

/// Postgres superuser URL of the shared test database, if servers are up.
pub fn pg_url() -> Option<String> {
    server_url("DBN_TEST_PG_URL")
}

/// Postgres URL with a password-authenticated role.
pub fn pg_pw_url() -> Option<String> {
    server_url("DBN_TEST_PG_PW_URL")
}

/// MariaDB URL of the shared test database.
pub fn mysql_url() -> Option<String> {
    server_url("DBN_TEST_MYSQL_URL")
}

/// Replace the database name in a URL.
pub fn with_database(url: &str, db: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let base = head.rsplit_once('/').map(|(b, _)| b).unwrap_or(head);
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// A unique, lowercase name for a per-test database.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// Create a fresh Postgres database and return its URL.
pub fn fresh_pg_db(prefix: &str) -> Option<String> {
    let url = pg_url()?;
    let name = unique_name(prefix);
    psql(&url, &format!("CREATE DATABASE {name}"));
    Some(with_database(&url, &name))
}

/// Create a fresh MariaDB database and return its URL.
pub fn fresh_mysql_db(prefix: &str) -> Option<String> {
    let url = mysql_url()?;
    let name = unique_name(prefix);
    mysql(&url, &format!("CREATE DATABASE {name}"));
    Some(with_database(&url, &name))
}

/// Run SQL with psql against a URL; panics on error.
pub fn psql(url: &str, sql: &str) -> String {
    try_psql(url, sql).unwrap_or_else(|e| panic!("psql failed: {e}"))
}

/// Run SQL with psql against a URL; the server's error text on failure.
pub fn try_psql(url: &str, sql: &str) -> Result<String, String> {
    let bin = std::env::var("DBN_TEST_PG_BIN")
        .map(|b| format!("{b}/psql"))
        .unwrap_or_else(|_| "psql".into());
    let out = Command::new(bin)
        .args([url, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Run SQL with the mariadb client against a URL; panics on error.
pub fn mysql(url: &str, sql: &str) -> String {
    try_mysql(url, sql).unwrap_or_else(|e| panic!("mariadb failed: {e}"))
}

/// Run SQL with the mariadb client against a URL; the error text on failure.
pub fn try_mysql(url: &str, sql: &str) -> Result<String, String> {
    let u = url::Url::parse(url).map_err(|e| format!("mysql url: {e}"))?;
    let mut cmd = Command::new("mariadb");
    cmd.arg(format!("--host={}", u.host_str().unwrap_or("127.0.0.1")))
        .arg(format!("--port={}", u.port().unwrap_or(3306)))
        .arg(format!("--user={}", u.username()))
        .arg("--batch")
        .arg("--skip-column-names");
    if let Some(p) = u.password() {
        cmd.env("MYSQL_PWD", p);
    }
    let db = u.path().trim_start_matches('/');
    if !db.is_empty() {
        cmd.arg(db);
    }
    let out = cmd
        .arg("-e")
        .arg(sql)
        .output()
        .map_err(|e| format!("cannot run the mariadb client: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Drop a per-test database from the test server of its engine. Best
/// effort and never panics, so it is safe in `Drop` while unwinding.
pub fn drop_test_database(engine: dbn::db::Engine, name: &str) {
    use dbn::db::Engine;
    let _ = match engine {
        Engine::Postgres => pg_url().map(|u| try_psql(&u, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))),
        Engine::Mysql => mysql_url().map(|u| try_mysql(&u, &format!("DROP DATABASE IF EXISTS {name}"))),
        Engine::Sqlite => None,
    };
}

/// The database named in a server URL (the path), if any.
pub fn database_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let db = u.path().trim_start_matches('/');
    (!db.is_empty()).then(|| db.to_string())
}

/// Path of the built `dbn` binary.
pub fn dbn_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_dbn"))
}

/// A `dbn` command isolated in its own workspace and home.
pub struct Sandbox {
    /// Temporary root (workspace lives in `root/ws`).
    pub dir: tempfile::TempDir,
}

#[allow(clippy::new_without_default)]
impl Sandbox {
    /// A new sandbox with an initialised workspace.
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("ws")).expect("ws dir");
        std::fs::create_dir_all(dir.path().join("home")).expect("home dir");
        let s = Sandbox { dir };
        let out = s.cmd().arg("init").output().expect("dbn init");
        assert!(
            out.status.success(),
            "dbn init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        s
    }

    /// The workspace directory.
    pub fn ws(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    /// A `dbn` command running in the workspace with an isolated home,
    /// the file secret store and a fixed master passphrase.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(dbn_bin());
        let home = self.dir.path().join("home");
        c.current_dir(self.ws())
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("DBN_MASTER_PASSWORD", "test-master-passphrase")
            .env("DBN_SECRETS_BACKEND", "file")
            .env_remove("DBN_WORKSPACE")
            .env_remove("DATABASE_URL")
            .env_remove("PGHOST")
            .env_remove("PGPORT")
            .env_remove("PGUSER")
            .env_remove("PGPASSWORD")
            .env_remove("PGDATABASE")
            .env_remove("MYSQL_PWD")
            .env("NO_COLOR", "1");
        c
    }
}

/// Make the workspace's audit log refuse every new entry, as a read-only
/// or broken metadata store would (a trigger, so it holds for root too).
pub fn block_audit(workspace: &std::path::Path) {
    let c = rusqlite::Connection::open(workspace.join(".dbnexus/metadata.db")).expect("open metadata.db");
    c.execute_batch(
        "CREATE TRIGGER test_audit_read_only BEFORE INSERT ON audit_log
         BEGIN SELECT RAISE(ABORT, 'attempt to write a readonly database'); END;",
    )
    .expect("block the audit log");
}
