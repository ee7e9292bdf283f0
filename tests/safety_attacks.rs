//! Issue 11: every attack that got through a prod (read-only) connection
//! whose login is a superuser, replayed against the built binary and real
//! servers. Each must be refused or harmless: nothing may change.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Sandbox, fresh_mysql_db, fresh_pg_db, mysql, psql};
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn run(mut c: Command, stdin: Option<&str>) -> Output {
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dbn");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("dbn output")
}

fn add(s: &Sandbox, name: &str, tag: &str, url: &str) {
    let out = s
        .cmd()
        .args(["connect", "add", name, "--tag", tag, "--url", url])
        .stdin(Stdio::null())
        .output()
        .expect("connect add");
    assert!(out.status.success(), "{}", text(&out));
}

/// The three ways a buffer reaches `dbn query`: --sql, --file, stdin.
fn query_all_ways(s: &Sandbox, conn: &str, sql: &str) -> Vec<Output> {
    let mut outs = Vec::new();
    let mut c = s.cmd();
    c.args(["query", "--conn", conn, "--sql", sql]);
    outs.push(run(c, None));
    let file = s.dir.path().join("attack.sql");
    std::fs::write(&file, sql).expect("write attack file");
    let mut c = s.cmd();
    c.args(["query", "--conn", conn, "--file"]).arg(&file);
    outs.push(run(c, None));
    let mut c = s.cmd();
    c.args(["query", "--conn", conn]);
    outs.push(run(c, Some(sql)));
    outs
}

fn query(s: &Sandbox, conn: &str, sql: &str) -> Output {
    let mut c = s.cmd();
    c.args(["query", "--conn", conn, "--sql", sql]);
    run(c, None)
}

fn refused(o: &Output, what: &str) {
    assert_eq!(o.status.code(), Some(4), "{what} must be refused: {}", text(o));
}

struct Pg {
    url: String,
    s: Sandbox,
}

impl Pg {
    fn get(&self, sql: &str) -> String {
        psql(&self.url, sql).trim().to_string()
    }
    fn state(&self) -> String {
        self.get(
            "SELECT (SELECT string_agg(id || '=' || v, ',' ORDER BY id) FROM t) || '|' || (SELECT count(*) FROM log) || '|' || coalesce(to_regclass('x')::text, 'no x')",
        )
    }
}

fn pg() -> Option<Pg> {
    let url = fresh_pg_db("attacks")?;
    psql(
        &url,
        "CREATE TABLE log (note text); CREATE TABLE t (id int PRIMARY KEY, v text); \
         INSERT INTO t VALUES (1, 'a'), (5, 'b'); CREATE TABLE x (a int); \
         CREATE FUNCTION public.lower(int) RETURNS int LANGUAGE sql AS $$ INSERT INTO log VALUES ('lower') RETURNING 1 $$; \
         CREATE FUNCTION public.length(int) RETURNS int LANGUAGE sql AS $$ INSERT INTO log VALUES ('length') RETURNING 1 $$",
    );
    let s = Sandbox::new();
    add(&s, "p", "prod", &url);
    add(&s, "d", "dev", &url);
    Some(Pg { url, s })
}

const PG_CLEAN: &str = "1=a,5=b|0|x";

#[test]
fn postgres_lexer_disagreement_cannot_hide_statements() {
    let Some(db) = pg() else { return };
    let attack = "SET standard_conforming_strings = off; SELECT 'a\\', ' ; COMMIT; BEGIN READ WRITE; INSERT INTO log(note) VALUES ($$x$$); COMMIT; --'";
    for out in query_all_ways(&db.s, "p", attack) {
        refused(&out, "SET standard_conforming_strings on a read-only connection");
        assert_eq!(db.state(), PG_CLEAN, "{}", text(&out));
    }
    // On a writable connection the dev guards hold too.
    let attack = "SET standard_conforming_strings = off; SELECT 'a\\', ' ; DELETE FROM t; DROP TABLE x; --'";
    for out in query_all_ways(&db.s, "d", attack) {
        assert_ne!(out.status.code(), Some(0), "{}", text(&out));
        assert_eq!(db.state(), PG_CLEAN, "{}", text(&out));
    }
}

#[test]
fn postgres_quoted_setting_names_are_recognised() {
    let Some(db) = pg() else { return };
    for sql in [
        "SET \"default_transaction_read_only\" = off",
        "BEGIN; SET \"transaction_read_only\" = off",
        "SET U&\"default_transaction_read_onl\\0079\" = off",
        "SET SESSION \"DEFAULT_TRANSACTION_READ_ONLY\" TO 'off'",
    ] {
        let out = query(&db.s, "p", sql);
        refused(&out, sql);
    }
    assert_eq!(db.state(), PG_CLEAN);
}

#[test]
fn postgres_user_functions_shadowing_builtins_are_writes() {
    let Some(db) = pg() else { return };
    for sql in ["SELECT lower(1)", "SELECT length(2)", "SELECT public.lower(1)"] {
        let out = query(&db.s, "p", sql);
        refused(&out, sql);
        assert_eq!(db.state(), PG_CLEAN, "{}", text(&out));
    }
    // The built-in itself stays a read.
    let out = query(&db.s, "p", "SELECT pg_catalog.lower('ABC'), upper('x')");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn postgres_where_is_parsed_not_pasted() {
    let Some(db) = pg() else { return };
    let evil =
        "true); COMMIT; BEGIN READ WRITE; UPDATE t SET v = $$pwned$$ WHERE id = 5; COMMIT; SELECT 1 FROM t WHERE (true";
    for cmd in ["diff", "sync"] {
        let mut c = db.s.cmd();
        c.args([
            cmd, "data", "--source", "p", "--target", "p", "--table", "t", "--where", evil,
        ]);
        let out = run(c, None);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--where"),
            "{}",
            text(&out)
        );
        assert_eq!(db.state(), PG_CLEAN, "{cmd}: {}", text(&out));
    }
}

#[test]
fn postgres_server_messages_reach_stderr_sanitized() {
    let Some(db) = pg() else { return };
    let out = query(
        &db.s,
        "d",
        "DO $$ BEGIN RAISE EXCEPTION E'boom \\x1b]52;c;cHduZWQ=\\x07 \\x1b[2J'; END $$",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(!out.stderr.contains(&0x1b), "raw ESC on stderr: {}", text(&out));
    assert!(!out.stderr.contains(&0x07), "raw BEL on stderr: {}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("boom"), "{}", text(&out));
}

struct My {
    url: String,
    s: Sandbox,
}

impl My {
    fn get(&self, sql: &str) -> String {
        mysql(&self.url, sql).trim().to_string()
    }
    fn state(&self) -> String {
        self.get(
            "SELECT concat((SELECT group_concat(id, '=', v ORDER BY id) FROM t), '|', (SELECT count(*) FROM log), '|', @@global.max_connect_errors)",
        )
    }
    fn datadir_files(&self) -> Vec<String> {
        let dir = self.get("SELECT @@datadir");
        let db = self.get("SELECT database()");
        let mut names: Vec<String> = std::fs::read_dir(std::path::Path::new(&dir).join(db))
            .map(|r| {
                r.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

fn my() -> Option<My> {
    let url = fresh_mysql_db("attacks")?;
    mysql(
        &url,
        "CREATE TABLE log (note text); CREATE TABLE t (id int PRIMARY KEY, v varbinary(20)); \
         INSERT INTO t VALUES (1, 'a'), (5, 'b')",
    );
    mysql(
        &url,
        "DELIMITER //\n\
         CREATE FUNCTION ins_fn() RETURNS int MODIFIES SQL DATA BEGIN INSERT INTO log VALUES ('fn'); RETURN 1; END//\n\
         CREATE FUNCTION btrim(s text) RETURNS text BEGIN SET GLOBAL max_connect_errors = 777; RETURN s; END//\n\
         DELIMITER ;\nSELECT 1",
    );
    let s = Sandbox::new();
    add(&s, "p", "prod", &url);
    add(&s, "d", "dev", &url);
    Some(My { url, s })
}

#[test]
fn mariadb_attacks_are_refused_or_harmless() {
    let Some(db) = my() else { return };
    let clean = db.state();
    let files = db.datadir_files();
    let attack = "SET sql_mode = 'NO_BACKSLASH_ESCAPES'; SELECT 'a\\'; SET SESSION TRANSACTION READ WRITE; UPDATE t SET v = 0x70776e; SELECT 1 #'";
    for out in query_all_ways(&db.s, "p", attack) {
        refused(&out, "SET sql_mode on a read-only connection");
        assert_eq!(db.state(), clean, "{}", text(&out));
    }
    for sql in [
        "SET @@session.`tx_read_only` = 0",
        "SET /*M! @@session.tx_read_only = 0, */ @x = 1; SELECT 1 /*M!, ins_fn() */ AS x",
        "SELECT id /*M! INTO OUTFILE 'f.txt' */ FROM t",
        "SET /*M! GLOBAL max_connect_errors = 104, */ @x = 1",
        "SELECT btrim('x')",
        "SELECT ins_fn()",
    ] {
        let out = query(&db.s, "p", sql);
        refused(&out, sql);
        assert_eq!(db.state(), clean, "{sql}: {}", text(&out));
        assert_eq!(db.datadir_files(), files, "{sql}: {}", text(&out));
    }
    let evil = "1=1); COMMIT; SET SESSION TRANSACTION READ WRITE; UPDATE t SET v = 0x71 WHERE id = 5; COMMIT; SELECT 1 FROM t WHERE (1=1";
    for cmd in ["diff", "sync"] {
        let mut c = db.s.cmd();
        c.args([
            cmd, "data", "--source", "p", "--target", "p", "--table", "t", "--where", evil,
        ]);
        let out = run(c, None);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--where"),
            "{}",
            text(&out)
        );
        assert_eq!(db.state(), clean, "{cmd}: {}", text(&out));
    }
    // The dev guards: a hidden OR must not pass as a bounded DELETE.
    let out = query(&db.s, "d", "DELETE FROM t WHERE id = 1 /*M! OR 1=1 */ AND 1");
    refused(&out, "an unbounded DELETE hidden in an executable comment");
    assert_eq!(db.state(), clean, "{}", text(&out));
    let attack = "SET sql_mode = 'NO_BACKSLASH_ESCAPES'; SELECT 'a\\'; DELETE FROM t; SELECT 1 #'";
    for out in query_all_ways(&db.s, "d", attack) {
        assert_ne!(out.status.code(), Some(0), "{}", text(&out));
        assert_eq!(db.state(), clean, "{}", text(&out));
    }
}

/// `--format csv|tsv` to a terminal shows control characters; to a pipe the
/// bytes stay exact.
#[test]
fn csv_to_a_terminal_is_escaped_and_to_a_pipe_exact() {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    use std::io::Read;
    let s = Sandbox::new();
    let db = s.dir.path().join("esc.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(
            "CREATE TABLE t (v text); INSERT INTO t VALUES ('a' || char(27) || ']52;c;cHdu' || char(7) || 'b')",
        )
        .unwrap();
    let url = format!("sqlite://{}", db.display());
    for format in ["csv", "tsv"] {
        let args = ["query", "--url", &url, "--format", format, "--sql", "SELECT v FROM t"];
        // A pipe: exact bytes.
        let mut c = s.cmd();
        c.args(args);
        let out = run(c, None);
        assert!(
            out.stdout.contains(&0x1b),
            "{format} to a pipe must keep the bytes: {}",
            text(&out)
        );
        // A terminal: escaped.
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 120,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let cmd = s.cmd();
        let mut b = CommandBuilder::new(cmd.get_program());
        b.args(args);
        if let Some(d) = cmd.get_current_dir() {
            b.cwd(d);
        }
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => b.env(k, v),
                None => b.env_remove(k),
            }
        }
        let mut child = pair.slave.spawn_command(b).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let mut screen = Vec::new();
        let reading = std::thread::spawn(move || {
            let _ = reader.read_to_end(&mut screen);
            screen
        });
        child.wait().unwrap();
        drop(pair.master);
        let screen = reading.join().unwrap();
        let shown = String::from_utf8_lossy(&screen);
        assert!(
            !screen.contains(&0x1b) && !screen.contains(&0x07),
            "{format}: {shown:?}"
        );
        assert!(shown.contains("a␛]52;c;cHdu␇b"), "{format}: {shown:?}");
    }
}
