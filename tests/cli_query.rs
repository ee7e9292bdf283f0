//! `dbn query` end to end: the real binary against real servers.

mod common;

use common::{Sandbox, fresh_mysql_db, fresh_pg_db, mysql, mysql_url, pg_pw_url, pg_url, psql};
use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn query(s: &Sandbox, url: &str, sql: &str, extra: &[&str]) -> Output {
    s.cmd()
        .args(["query", "--url", url, "--sql", sql])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn postgres_formats() {
    let Some(url) = fresh_pg_db("q_fmt") else { return };
    psql(
        &url,
        "CREATE TABLE t (id int PRIMARY KEY, name text, amount numeric(30,10), tags text[], doc jsonb);
         INSERT INTO t VALUES (1, 'a,\"b\"', 12345678901234567890.0123456789, '{x,y}', '{\"k\": [1, 2]}'), (2, NULL, NULL, NULL, NULL);",
    );
    let s = Sandbox::new();
    let sql = "SELECT * FROM t ORDER BY id";
    let out = query(&s, &url, sql, &["--format", "csv"]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert_eq!(
        text(&out).0,
        "id,name,amount,tags,doc\n1,\"a,\"\"b\"\"\",12345678901234567890.0123456789,\"{x,y}\",\"{\"\"k\"\": [1, 2]}\"\n2,,,,\n"
    );
    let out = query(&s, &url, sql, &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["amount"], "12345678901234567890.0123456789", "decimals stay exact");
    assert_eq!(v[0]["doc"]["k"][1], 2);
    assert_eq!(v[0]["tags"][1], "y");
    assert_eq!(v[1]["name"], serde_json::Value::Null);
    let out = query(&s, &url, sql, &["--format", "jsonl"]);
    assert_eq!(text(&out).0.lines().count(), 2);
    let out = query(&s, &url, sql, &["--format", "tsv"]);
    assert!(text(&out).0.ends_with("2\t\\N\t\\N\t\\N\t\\N\n"), "{:?}", text(&out));
    let out = query(&s, &url, sql, &["--format", "markdown"]);
    assert!(
        text(&out).0.starts_with("| id | name | amount | tags | doc |\n| --- |"),
        "{:?}",
        text(&out)
    );
    let out = query(&s, &url, sql, &[]);
    let table = text(&out).0;
    assert!(table.contains("(2 rows)") && table.contains("NULL"), "{table}");
}

/// MariaDB results written as TSV, CSV and JSON stay byte for byte what
/// they were before the read path was sped up (fixtures/output/mysql_types.*):
/// NULLs, every integer width signed and unsigned, ZEROFILL, floats, exact
/// decimals, zero and fractional dates and times, BIT, binary strings, text
/// with tabs, newlines, carriage returns, backslashes, Unicode and escape
/// characters, ENUM, SET, JSON.
#[test]
fn mysql_text_formats_are_byte_exact_for_every_type() {
    let Some(url) = fresh_mysql_db("q_bytes") else { return };
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/output");
    let setup = std::fs::read_to_string(fixtures.join("mysql_types.sql")).unwrap();
    // The client must send the Unicode as utf8mb4, which the shared helper
    // leaves to the server's default (latin1 here).
    let u = url::Url::parse(&url).unwrap();
    let out = Command::new("mariadb")
        .arg("--default-character-set=utf8mb4")
        .arg(format!("--host={}", u.host_str().unwrap_or("127.0.0.1")))
        .arg(format!("--port={}", u.port().unwrap_or(3306)))
        .arg(format!("--user={}", u.username()))
        .arg(u.path().trim_start_matches('/'))
        .env("MYSQL_PWD", u.password().unwrap_or(""))
        .args(["-e", &setup])
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    let s = Sandbox::new();
    for format in ["tsv", "csv", "json"] {
        let out = query(&s, &url, "SELECT * FROM v ORDER BY id", &["--format", format]);
        assert!(out.status.success(), "{format}: {:?}", text(&out));
        let want = std::fs::read(fixtures.join(format!("mysql_types.{format}"))).unwrap();
        assert!(
            out.stdout == want,
            "{format} differs:\n{}\nwanted:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&want)
        );
    }
    mysql(&url, &format!("DROP DATABASE {}", u.path().trim_start_matches('/')));
}

#[test]
fn postgres_multiple_statements_report_status_and_stop_at_error() {
    let Some(url) = fresh_pg_db("q_multi") else { return };
    let s = Sandbox::new();
    let sql = "CREATE TABLE m (id int); INSERT INTO m VALUES (1), (2); SELECT count(*) AS n FROM m; SELEC oops; INSERT INTO m VALUES (3);";
    let out = query(&s, &url, sql, &["--format", "csv"]);
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    let (stdout, stderr) = text(&out);
    assert_eq!(stdout, "n\n2\n");
    assert!(
        stderr.contains("CREATE TABLE") && stderr.contains("INSERT 0 2"),
        "{stderr}"
    );
    assert!(stderr.contains("syntax error") && stderr.contains('^'), "{stderr}");
    assert_eq!(
        psql(&url, "SELECT count(*) FROM m").trim(),
        "2",
        "statements after the error must not run"
    );
    let out = query(&s, &url, "SELEC 1", &["--format", "json"]);
    let err: serde_json::Value = serde_json::from_str(text(&out).1.lines().last().unwrap()).unwrap();
    assert_eq!(err["error"]["code"], "QUERY_SYNTAX_ERROR");
    assert_eq!(err["error"]["position"], 1);
}

#[test]
fn stdin_file_and_database_url() {
    let Some(url) = pg_url() else { return };
    let s = Sandbox::new();
    let mut child = s
        .cmd()
        .args(["query", "--url", &url, "--format", "csv"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"SELECT 'it''s; fine' AS a;\n-- trailing comment\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(text(&out).0, "a\nit's; fine\n", "{:?}", text(&out));
    let f = s.ws().join("q.sql");
    std::fs::write(&f, "SELECT 40 + 2 AS answer").unwrap();
    let out = s
        .cmd()
        .env("DATABASE_URL", &url)
        .args(["query", "--file", "q.sql", "--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(text(&out).0, "answer\n42\n", "{:?}", text(&out));
}

#[test]
fn connection_errors_have_codes_and_exit_3() {
    let Some(pw_url) = pg_pw_url() else { return };
    let s = Sandbox::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let out = query(
        &s,
        &format!("postgres://postgres@127.0.0.1:{port}/x"),
        "SELECT 1",
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(3), "{:?}", text(&out));
    assert!(text(&out).1.contains("DB_CONN_REFUSED"), "{:?}", text(&out));

    let wrong = pw_url.replace("dbn_test_pw", "Wrong-Pa55word");
    let out = query(&s, &wrong, "SELECT 1", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(3), "{:?}", text(&out));
    assert!(text(&out).1.contains("DB_AUTH_FAILED"), "{:?}", text(&out));
    assert!(
        !text(&out).1.contains("Wrong-Pa55word"),
        "password leaked into the error"
    );

    let unknown = common::with_database(&pw_url, "no_such_db_here");
    let out = query(&s, &unknown, "SELECT 1", &[]);
    assert_eq!(out.status.code(), Some(3), "{:?}", text(&out));
    assert!(text(&out).1.contains("no_such_db_here"), "{:?}", text(&out));

    // A server that accepts and never answers: the connect timeout fires.
    let hang = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hport = hang.local_addr().unwrap().port();
    let out = s
        .cmd()
        .env("DBN_CONNECT_TIMEOUT", "1")
        .args([
            "query",
            "--url",
            &format!("postgres://u@127.0.0.1:{hport}/x"),
            "--sql",
            "SELECT 1",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{:?}", text(&out));
    assert!(text(&out).1.contains("DB_TIMEOUT"), "{:?}", text(&out));
    drop(hang);
}

#[test]
fn limit_timeout_and_broken_pipe_cancel_on_the_server() {
    let Some(url) = pg_url() else { return };
    let s = Sandbox::new();
    let out = query(
        &s,
        &url,
        "SELECT g FROM generate_series(1, 5000000) g",
        &["--format", "csv", "--limit", "3"],
    );
    assert_eq!(text(&out).0, "g\n1\n2\n3\n", "{:?}", text(&out));
    assert!(out.status.success());

    let out = query(
        &s,
        &url,
        "SELECT pg_sleep(20)",
        &["--timeout", "1s", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    assert!(text(&out).1.contains("DB_TIMEOUT"), "{:?}", text(&out));

    // `| head -1`: the reader goes away; dbn exits 0 and the server stops the statement.
    let mut child = s
        .cmd()
        .args([
            "query",
            "--url",
            &url,
            "--format",
            "csv",
            "--sql",
            // Small series joined, so rows stream instead of being materialized first.
            "SELECT a.g * 100000 + b.g, repeat('x', 100) /* dbn-pipe-test */ FROM generate_series(1, 2000) a(g), generate_series(1, 100000) b(g)",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut buf = [0u8; 4096];
    use std::io::Read;
    let _ = stdout.read(&mut buf).unwrap();
    drop(stdout);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let active = "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%dbn-pipe-test%' AND state = 'active' AND pid <> pg_backend_pid()";
    let mut left = psql(&url, active);
    for _ in 0..50 {
        if left.trim() == "0" {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        left = psql(&url, active);
    }
    assert_eq!(
        left.trim(),
        "0",
        "the statement kept running on the server after the pipe closed"
    );
}

#[test]
fn ctrl_c_cancels_on_the_server_and_exits_130() {
    let Some(url) = pg_url() else { return };
    let s = Sandbox::new();
    let child = s
        .cmd()
        .args([
            "query",
            "--url",
            &url,
            "--sql",
            "SELECT pg_sleep(60) /* dbn-ctrlc-test */",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    // Wait until the statement is running on the server.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let n = psql(
            &url,
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%dbn-ctrlc-test%' AND pid <> pg_backend_pid()",
        );
        if n.trim() == "1" || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Command::new("kill").args(["-INT", &pid.to_string()]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{:?}", text(&out));
    std::thread::sleep(Duration::from_millis(300));
    let left = psql(
        &url,
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%dbn-ctrlc-test%' AND state = 'active' AND pid <> pg_backend_pid()",
    );
    assert_eq!(left.trim(), "0", "the server is still running the cancelled statement");
}

#[test]
fn saved_connection_with_password_leaves_no_trace() {
    let Some(pw_url) = pg_pw_url() else { return };
    let s = Sandbox::new();
    let without_pw = pw_url.replace(":dbn_test_pw", "");
    let mut child = s
        .cmd()
        .args([
            "--log-level",
            "trace",
            "connect",
            "add",
            "pwdb",
            "--url",
            &without_pw,
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"dbn_test_pw\n").unwrap();
    assert!(child.wait_with_output().unwrap().status.success());
    let out = s
        .cmd()
        .args([
            "--log-level",
            "trace",
            "query",
            "--conn",
            "pwdb",
            "--format",
            "csv",
            "--sql",
            "SELECT current_user AS u",
        ])
        .output()
        .unwrap();
    assert_eq!(text(&out).0, "u\ndbn_user\n", "{:?}", text(&out));
    let out = s
        .cmd()
        .args(["--log-level", "trace", "connect", "test", "pwdb", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["server_version"].as_str().unwrap().contains("PostgreSQL"));
    // Wrong stored password: auth error, no leak.
    let mut child = s
        .cmd()
        .args(["connect", "edit", "pwdb", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"Another-Wrong-One\n").unwrap();
    assert!(child.wait_with_output().unwrap().status.success());
    let out = s
        .cmd()
        .args(["query", "--conn", "pwdb", "--sql", "SELECT 1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    for needle in ["dbn_test_pw", "Another-Wrong-One"] {
        for dir in [s.ws(), s.dir.path().join("home")] {
            let hits = grep(&dir, needle);
            assert!(hits.is_empty(), "plaintext password {needle} found in {hits:?}");
        }
        assert!(!text(&out).1.contains(needle));
    }
}

fn grep(dir: &std::path::Path, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p)
                && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
            {
                hits.push(p.display().to_string());
            }
        }
    }
    hits
}

#[test]
fn libpq_environment_and_pgpass() {
    let Some(pw_url) = pg_pw_url() else { return };
    let u = url::Url::parse(&pw_url).unwrap();
    let s = Sandbox::new();
    let home = s.dir.path().join("home");
    let pgpass = home.join(".pgpass");
    std::fs::write(
        &pgpass,
        format!("127.0.0.1:{}:*:dbn_user:dbn_test_pw\n", u.port().unwrap()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let out = s
        .cmd()
        .env("PGHOST", "127.0.0.1")
        .env("PGPORT", u.port().unwrap().to_string())
        .env("PGUSER", "dbn_user")
        .env("PGDATABASE", "dbn_test")
        .env("PGSSLMODE", "disable")
        .args(["query", "--format", "csv", "--sql", "SELECT current_user AS u"])
        .output()
        .unwrap();
    assert_eq!(text(&out).0, "u\ndbn_user\n", "{:?}", text(&out));
}

#[test]
fn mariadb_and_sqlite_queries() {
    let s = Sandbox::new();
    let out = s.cmd().args(["demo", "--no-ui"]).output().unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    let out = s
        .cmd()
        .args([
            "query",
            "--conn",
            "demo",
            "--format",
            "csv",
            "--sql",
            "SELECT count(*) AS n FROM orders; SELECT code FROM regions ORDER BY id LIMIT 2",
        ])
        .output()
        .unwrap();
    assert_eq!(text(&out).0, "n\n3000\ncode\nEU-W\nEU-N\n", "{:?}", text(&out));
    let Some(url) = mysql_url() else { return };
    let out = query(
        &s,
        &url,
        "SELECT 1 AS one, CAST(12.50 AS DECIMAL(10,2)) AS d, NULL AS n",
        &["--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(v[0]["one"], 1, "{:?}", text(&out));
    assert_eq!(v[0]["d"], "12.50");
    let out = query(&s, &url, "SELEC 1", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("QUERY_SYNTAX_ERROR"), "{:?}", text(&out));
}

/// A MySQL connection with no password of its own takes `MYSQL_PWD`, as
/// the `mariadb` client does; a stored password always wins over it.
#[test]
fn mysql_pwd_is_the_password_of_a_connection_without_one() {
    let Some(url) = fresh_mysql_db("q_pwd") else { return };
    let (head, rest) = url.split_once("://").unwrap();
    let (userinfo, hostpart) = rest.split_once('@').unwrap();
    let (user, password) = userinfo.split_once(':').expect("the test URL carries a password");
    let bare = format!("{head}://{user}@{hostpart}");
    let s = Sandbox::new();
    let add = s
        .cmd()
        .args(["connect", "add", "m", "--url", &bare, "--no-password"])
        .output()
        .unwrap();
    assert!(add.status.success(), "{:?}", text(&add));
    let run = |env: Option<&str>, target: &[&str]| {
        let mut c = s.cmd();
        c.args(["query", "--sql", "SELECT 41 + 1", "--format", "tsv"])
            .args(target);
        if let Some(pw) = env {
            c.env("MYSQL_PWD", pw);
        }
        c.output().unwrap()
    };
    let out = run(None, &["--conn", "m"]);
    assert!(!out.status.success(), "no password at all must fail: {:?}", text(&out));
    assert!(text(&out).1.contains("authentication failed"), "{:?}", text(&out));
    let out = run(Some(password), &["--conn", "m"]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert_eq!(text(&out).0, "41 + 1\n42\n");
    let out = run(Some(password), &["--url", &bare]);
    assert!(out.status.success(), "{:?}", text(&out));
    let add = s
        .cmd()
        .args(["connect", "add", "stored", "--url", &url])
        .output()
        .unwrap();
    assert!(add.status.success(), "{:?}", text(&add));
    let out = run(Some("not-the-password"), &["--conn", "stored"]);
    assert!(out.status.success(), "the stored password wins: {:?}", text(&out));
}
