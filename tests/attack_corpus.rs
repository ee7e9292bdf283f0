//! The adversarial corpus (issue 11): `fixtures/attacks/{postgres,mariadb,sqlite}.tsv`.
//!
//! Each line is `kind<TAB>sql` (`\n`, `\t`, `\\` are escapes; `#` starts a
//! comment line). Every attempt is run by the built binary (`dbn query
//! --sql`) on a prod connection, read-only as prod is by default, whose login
//! is a superuser (Postgres `postgres`; MariaDB a login with ALL PRIVILEGES
//! WITH GRANT OPTION). After each attempt nothing may have changed: table
//! contents, catalog objects, roles, server settings (global, per database
//! and per role, the configuration files), sequences, large objects,
//! replication slots, prepared transactions, files in a folder the server
//! can write and in the database's data folder. `kind`:
//! - `refuse`: refused before sending (exit 4) and the refusal is audited;
//! - `read`: a plain read that must keep working (exit 0);
//! - `any`: whatever the exit code, as long as nothing changed.
//!
//! Placeholders: `@DIR@` a folder the server may write, `@CONN@` a libpq
//! connection string to the same database as a superuser (for dblink),
//! `@DB@` the database name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Sandbox, fresh_mysql_db, fresh_pg_db, mysql, psql};
use dbn::db::{ConnSpec, Session, Value, query_all};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Refuse,
    Read,
    Any,
}

struct Attempt {
    line: usize,
    kind: Kind,
    sql: String,
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('\\') => out.push('\\'),
                Some(o) => {
                    out.push('\\');
                    out.push(o);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn load(name: &str) -> Vec<Attempt> {
    let path = format!("{}/fixtures/attacks/{name}.tsv", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (kind, sql) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("{name}.tsv:{}: no TAB", n + 1));
        let kind = match kind {
            "refuse" => Kind::Refuse,
            "read" => Kind::Read,
            "any" => Kind::Any,
            k => panic!("{name}.tsv:{}: unknown kind {k}", n + 1),
        };
        out.push(Attempt {
            line: n + 1,
            kind,
            sql: unescape(sql),
        });
    }
    out
}

/// A folder every server process may write (they run as other OS users).
fn open_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    }
    d
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn audit_refusals(s: &Sandbox) -> i64 {
    let c = rusqlite::Connection::open(s.ws().join(".dbnexus/metadata.db")).expect("metadata.db");
    c.query_row(
        "SELECT count(*) FROM audit_log WHERE outcome LIKE 'refused%'",
        [],
        |r| r.get(0),
    )
    .expect("count audit")
}

fn add(s: &Sandbox, name: &str, url: &str) {
    let out = s
        .cmd()
        .args(["connect", "add", name, "--tag", "prod", "--url", url])
        .stdin(Stdio::null())
        .output()
        .expect("connect add");
    assert!(out.status.success(), "{}", text(&out));
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn render(v: &[Vec<Value>]) -> String {
    v.iter()
        .map(|r| r.iter().map(|c| format!("{c:?}")).collect::<Vec<_>>().join("|"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs every attempt of `name` through `dbn query --conn p` and checks
/// `state` after each. Returns the failures.
fn run_corpus(
    name: &str,
    s: &Sandbox,
    subst: &dyn Fn(&str) -> String,
    state: &mut dyn FnMut() -> String,
) -> Vec<String> {
    let attempts = load(name);
    let clean = state();
    let mut failures = Vec::new();
    let mut refusals = audit_refusals(s);
    for a in &attempts {
        let sql = subst(&a.sql);
        let out = s
            .cmd()
            .args(["query", "--conn", "p", "--timeout", "20s"])
            .arg(format!("--sql={sql}"))
            .stdin(Stdio::null())
            .output()
            .expect("run dbn");
        let code = out.status.code();
        let now = state();
        let where_ = format!("{name}.tsv:{} {:?}", a.line, a.sql);
        if now != clean {
            failures.push(format!(
                "{where_}: CHANGED the server\nbefore: {clean}\nafter:  {now}\n{}",
                text(&out)
            ));
            // Later attempts are judged against the damaged state.
            return failures;
        }
        let after = audit_refusals(s);
        match a.kind {
            Kind::Refuse if code != Some(4) => failures.push(format!("{where_}: not refused\n{}", text(&out))),
            Kind::Refuse if after <= refusals => {
                failures.push(format!("{where_}: refusal not audited\n{}", text(&out)))
            }
            Kind::Read if code != Some(0) => failures.push(format!("{where_}: a read failed\n{}", text(&out))),
            _ => {}
        }
        refusals = after;
    }
    let refused = attempts.iter().filter(|a| a.kind == Kind::Refuse).count();
    eprintln!(
        "{name}: {} attempts ({refused} to refuse), {} failures",
        attempts.len(),
        failures.len()
    );
    failures
}

fn report(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} attempt(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

async fn admin(url: &str) -> Box<dyn Session> {
    let mut spec = ConnSpec::parse_url(url).expect("url");
    spec.read_only = false;
    dbn::db::connect(&spec).await.expect("admin connect")
}

const PG_SETUP: &str = r#"
CREATE EXTENSION IF NOT EXISTS dblink;
CREATE TABLE log (note text);
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t VALUES (1, 'a'), (5, 'b');
CREATE TABLE x (a int);
INSERT INTO x VALUES (1);
CREATE SEQUENCE s;
CREATE FUNCTION public.lower(int) RETURNS int LANGUAGE sql AS $$ INSERT INTO log VALUES ('lower') RETURNING 1 $$;
CREATE FUNCTION public.length(int) RETURNS int LANGUAGE sql AS $$ INSERT INTO log VALUES ('length') RETURNING 1 $$;
CREATE FUNCTION w() RETURNS int LANGUAGE sql AS $$ INSERT INTO log VALUES ('w') RETURNING 1 $$;
CREATE FUNCTION w2(int, int) RETURNS int LANGUAGE sql AS $$ INSERT INTO log VALUES ('op') RETURNING 1 $$;
CREATE OPERATOR public.## (FUNCTION = w2, LEFTARG = int, RIGHTARG = int);
CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE FUNCTION wsf(int, int) RETURNS int LANGUAGE sql AS $$ INSERT INTO log VALUES ('agg') RETURNING 1 $$;
CREATE AGGREGATE wagg(int) (SFUNC = wsf, STYPE = int);
CREATE DOMAIN wty AS text CHECK (w() = 1);
CREATE TYPE wcomp AS (a int);
CREATE VIEW v_w AS SELECT w() AS a;
CREATE MATERIALIZED VIEW mv0 AS SELECT 1 AS a;
CREATE PROCEDURE pr() LANGUAGE sql AS $$ INSERT INTO log VALUES ('pr') $$;
"#;

/// Everything an attempt could change, as one text. (Server-wide lists
/// other tests change, such as every database's name, are narrowed to what
/// the corpus could create or drop.)
const PG_STATE: &str = r#"
SELECT concat_ws(E'\n',
  (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM t),
  (SELECT count(*) FROM log), (SELECT count(*) FROM x),
  (SELECT concat_ws('/', last_value, is_called) FROM s),
  (SELECT md5(string_agg(concat_ws(':', oid, relname, relkind, relnatts), ',' ORDER BY oid)) FROM pg_class),
  (SELECT md5(string_agg(concat_ws(':', oid, proname, prosecdef), ',' ORDER BY oid)) FROM pg_proc),
  (SELECT md5(string_agg(concat_ws(':', oid, nspname), ',' ORDER BY oid)) FROM pg_namespace),
  (SELECT md5(coalesce(string_agg(d::text, ',' ORDER BY d::text), '')) FROM pg_description d),
  (SELECT md5(string_agg(concat_ws(':', rolname, rolsuper, rolcanlogin, rolpassword), ',' ORDER BY rolname)) FROM pg_authid),
  (SELECT string_agg(concat_ws(':', datname, datallowconn), ',' ORDER BY datname) FROM pg_database WHERE datname IN ('pwned_db', current_database())),
  (SELECT md5(coalesce(string_agg(s::text, ',' ORDER BY s::text), '')) FROM pg_db_role_setting s),
  (SELECT md5(coalesce(string_agg(concat_ws('=', name, setting), ',' ORDER BY sourcefile, sourceline), '')) FROM pg_file_settings),
  (SELECT md5(string_agg(concat_ws('=', name, setting), ',' ORDER BY name)) FROM pg_settings WHERE context IN ('sighup', 'postmaster', 'superuser-backend', 'backend')),
  (SELECT md5(coalesce(string_agg(relacl::text, ',' ORDER BY oid), '')) FROM pg_class WHERE relacl IS NOT NULL),
  (SELECT count(*) FROM pg_largeobject_metadata),
  (SELECT count(*) FROM pg_replication_slots),
  (SELECT count(*) FROM pg_prepared_xacts),
  (SELECT count(*) FROM pg_extension),
  (SELECT count(*) FROM pg_publication), (SELECT count(*) FROM pg_subscription),
  (SELECT count(*) FROM pg_event_trigger), (SELECT count(*) FROM pg_trigger), (SELECT count(*) FROM pg_policy),
  (SELECT count(*) FROM pg_foreign_server), (SELECT count(*) FROM pg_tablespace),
  (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = current_database()),
  (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database())
)"#;

#[test]
fn postgres_corpus_changes_nothing() {
    let Some(url) = fresh_pg_db("corpus") else { return };
    psql(&url, PG_SETUP);
    let dir = open_dir();
    let u = url::Url::parse(&url).expect("url");
    let dbname = u.path().trim_start_matches('/').to_string();
    let conn = format!(
        "host={} port={} dbname={dbname} user={}",
        u.host_str().unwrap_or("127.0.0.1"),
        u.port().unwrap_or(5432),
        u.username()
    );
    let s = Sandbox::new();
    add(&s, "p", &url);
    let rt = rt();
    let mut session = rt.block_on(admin(&url));
    let dir_path = dir.path().to_path_buf();
    let mut state = || {
        let (_, rows, _) = rt
            .block_on(query_all(session.as_mut(), PG_STATE))
            .unwrap_or_else(|e| panic!("state query failed (did an attempt kill the admin session?): {e}"));
        format!("{}\nfiles: {:?}", render(&rows), files(&dir_path))
    };
    let subst = |sql: &str| {
        sql.replace("@DIR@", &dir.path().display().to_string())
            .replace("@CONN@", &conn)
            .replace("@DB@", &dbname)
    };
    let failures = run_corpus("postgres", &s, &subst, &mut state);
    drop(session);
    let admin_url = std::env::var("DBN_TEST_PG_ADMIN_URL").unwrap_or_else(|_| common::with_database(&url, "postgres"));
    psql(&admin_url, &format!("DROP DATABASE IF EXISTS {dbname} WITH (FORCE)"));
    report(failures);
}

const MY_SETUP: &str = "CREATE TABLE log (note text); CREATE TABLE t (id int PRIMARY KEY, v varbinary(20)); \
    INSERT INTO t VALUES (1, 'a'), (5, 'b'); CREATE TABLE x (a int); INSERT INTO x VALUES (1); \
    CREATE SEQUENCE sq";

const MY_ROUTINES: &str = "DELIMITER //\n\
    CREATE FUNCTION ins_fn() RETURNS int MODIFIES SQL DATA BEGIN INSERT INTO log VALUES ('fn'); RETURN 1; END//\n\
    CREATE FUNCTION btrim(s text) RETURNS text BEGIN SET GLOBAL max_connect_errors = 777; RETURN s; END//\n\
    CREATE PROCEDURE pr() BEGIN INSERT INTO log VALUES ('pr'); END//\n\
    DELIMITER ;\n\
    CREATE VIEW v_w AS SELECT ins_fn() AS a";

/// Global variables that move by themselves.
const MY_VOLATILE: &str = "'GTID_BINLOG_POS','GTID_CURRENT_POS','GTID_IO_POS','GTID_SLAVE_POS','TIMESTAMP','RAND_SEED1','RAND_SEED2','LAST_INSERT_ID','IDENTITY','INSERT_ID','WARNING_COUNT','ERROR_COUNT','PSEUDO_THREAD_ID','THREAD_POOL_SIZE','SERVER_UID','IN_TRANSACTION','LAST_GTID'";

#[test]
fn mariadb_corpus_changes_nothing() {
    let Some(url) = fresh_mysql_db("corpus") else { return };
    mysql(&url, MY_SETUP);
    mysql(&url, MY_ROUTINES);
    let dir = open_dir();
    let dbname = url::Url::parse(&url)
        .expect("url")
        .path()
        .trim_start_matches('/')
        .to_string();
    let s = Sandbox::new();
    add(&s, "p", &url);
    let rt = rt();
    let mut session = rt.block_on(admin(&url));
    let datadir = {
        let (_, rows, _) = rt
            .block_on(query_all(session.as_mut(), "SELECT @@datadir"))
            .expect("datadir");
        match &rows[0][0] {
            Value::Text(t) => PathBuf::from(t).join(&dbname),
            Value::Bytes(b) => PathBuf::from(String::from_utf8_lossy(b).into_owned()).join(&dbname),
            v => panic!("datadir {v:?}"),
        }
    };
    let state_sql = format!(
        "SELECT concat_ws('\\n', \
          (SELECT md5(group_concat(id, '=', hex(v) ORDER BY id)) FROM t), \
          (SELECT count(*) FROM log), (SELECT count(*) FROM x), \
          (SELECT concat(next_not_cached_value, '/', cycle_count) FROM sq), \
          (SELECT md5(group_concat(table_name, table_type, coalesce(engine, ''), coalesce(create_time, '') ORDER BY table_name)) FROM information_schema.tables WHERE table_schema = database()), \
          (SELECT md5(group_concat(table_name, column_name ORDER BY table_name, ordinal_position)) FROM information_schema.columns WHERE table_schema = database()), \
          (SELECT md5(coalesce(group_concat(routine_name, routine_type, created ORDER BY routine_name), '')) FROM information_schema.routines WHERE routine_schema = database()), \
          (SELECT count(*) FROM information_schema.triggers WHERE trigger_schema = database()), \
          (SELECT count(*) FROM information_schema.events), \
          (SELECT group_concat(schema_name ORDER BY schema_name) FROM information_schema.schemata WHERE schema_name IN ('pwned_db', 'nope_db', database())), \
          (SELECT md5(group_concat(user, host, priv ORDER BY user, host)) FROM mysql.global_priv), \
          (SELECT md5(coalesce(group_concat(grantee, privilege_type ORDER BY grantee, privilege_type), '')) FROM information_schema.user_privileges), \
          (SELECT md5(coalesce(group_concat(grantee, table_name, privilege_type ORDER BY 1, 2, 3), '')) FROM information_schema.table_privileges WHERE table_schema = database()), \
          (SELECT md5(group_concat(variable_name, '=', variable_value ORDER BY variable_name)) FROM information_schema.global_variables WHERE variable_name NOT IN ({MY_VOLATILE})), \
          (SELECT count(*) FROM information_schema.plugins), \
          (SELECT count(*) FROM mysql.servers) \
        )"
    );
    let dir_path = dir.path().to_path_buf();
    let mut state = || {
        let (_, rows, _) = rt
            .block_on(query_all(session.as_mut(), &state_sql))
            .unwrap_or_else(|e| panic!("state query failed (did an attempt kill the admin session?): {e}"));
        format!(
            "{}\nfiles: {:?}\ndatadir: {:?}",
            render(&rows),
            files(&dir_path),
            files(&datadir)
        )
    };
    let subst = |sql: &str| {
        sql.replace("@DIR@", &dir.path().display().to_string())
            .replace("@DB@", &dbname)
    };
    let failures = run_corpus("mariadb", &s, &subst, &mut state);
    drop(session);
    mysql(&url, &format!("DROP DATABASE IF EXISTS {dbname}"));
    report(failures);
}

#[test]
fn sqlite_corpus_changes_nothing() {
    let s = Sandbox::new();
    let db_dir = open_dir();
    let db = db_dir.path().join("prod.db");
    rusqlite::Connection::open(&db)
        .expect("create sqlite")
        .execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a'), (5, 'b'); \
             CREATE TABLE x (a); INSERT INTO x VALUES (1); PRAGMA user_version = 1;",
        )
        .expect("seed sqlite");
    add(&s, "p", &format!("sqlite://{}", db.display()));
    let dir = open_dir();
    let mut state = || {
        let bytes = std::fs::read(&db).expect("read db");
        format!(
            "{}\nfiles: {:?}\ndb folder: {:?}",
            blake3::hash(&bytes).to_hex(),
            files(dir.path()),
            files(db_dir.path())
        )
    };
    let subst = |sql: &str| sql.replace("@DIR@", &dir.path().display().to_string());
    report(run_corpus("sqlite", &s, &subst, &mut state));
}
