//! Restore semantics on PostgreSQL (issue 13): full-fidelity schema,
//! sequences that continue, selective restores that touch nothing else,
//! all-or-nothing `--new-database`, kill -9 mid-restore.

mod backup_support;
mod common;

use backup_support::*;
use common::{Sandbox, fresh_pg_db, pg_url, psql, unique_name, with_database};
use std::process::Stdio;

/// `pg_dump --schema-only`, without what differs between two databases
/// holding the same schema (comments, psql meta lines).
fn schema_dump(url: &str) -> String {
    let bin = std::env::var("DBN_TEST_PG_BIN")
        .map(|b| format!("{b}/pg_dump"))
        .unwrap_or("pg_dump".into());
    let out = std::process::Command::new(bin)
        .args(["--schema-only", "--no-owner", url])
        .output()
        .expect("pg_dump");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with("--") && !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

const FULL_SCHEMA: &str = r#"
CREATE EXTENSION citext;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE SEQUENCE invoice_seq START 1000;
CREATE TABLE customers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email citext UNIQUE NOT NULL,
  mood mood,
  updated_at timestamptz
);
CREATE TABLE orders (
  id serial PRIMARY KEY,
  customer_id bigint REFERENCES customers(id) ON DELETE CASCADE,
  invoice_no integer DEFAULT nextval('invoice_seq'),
  qty posint,
  total numeric(12,2) DEFAULT 0,
  created date NOT NULL,
  total_x2 numeric GENERATED ALWAYS AS (total * 2) STORED
);
CREATE INDEX orders_created_idx ON orders (created);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := '2000-01-01'; RETURN NEW; END $$;
CREATE TRIGGER customers_touch BEFORE INSERT OR UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION touch();
CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;
CREATE MATERIALIZED VIEW order_totals AS SELECT customer_id, sum(total) AS s FROM orders GROUP BY customer_id;
CREATE UNIQUE INDEX order_totals_c ON order_totals (customer_id);
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY positive ON orders USING (customer_id > 0);
COMMENT ON TABLE orders IS 'all orders';
CREATE TABLE events (id bigserial, at date NOT NULL, what text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX events_what ON events (what);
CREATE PROCEDURE noop() LANGUAGE sql AS $$ SELECT 1 $$;
GRANT SELECT ON orders TO rs_reader;
"#;

fn seed_full(url: &str) {
    psql(
        url,
        "DO $$BEGIN CREATE ROLE rs_reader; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END$$",
    );
    psql(url, FULL_SCHEMA);
    psql(
        url,
        "INSERT INTO events (at, what) SELECT date '2025-06-01' + i, 'e' || i FROM generate_series(1, 400) i",
    );
    psql(
        url,
        "INSERT INTO customers (email, mood, updated_at) SELECT 'c' || i || '@x.org', 'ok', '2026-01-01' FROM generate_series(1, 50) i",
    );
    psql(
        url,
        "INSERT INTO orders (customer_id, qty, total, created) SELECT (i % 50) + 1, i % 7 + 1, i * 1.5, date '2026-01-01' + i % 30 FROM generate_series(1, 1000) i",
    );
    psql(url, "REFRESH MATERIALIZED VIEW order_totals");
    // Values the trigger would overwrite if it fired during a restore.
    psql(
        url,
        "ALTER TABLE customers DISABLE TRIGGER customers_touch; UPDATE customers SET updated_at = '2026-01-01'; ALTER TABLE customers ENABLE TRIGGER customers_touch",
    );
    // Numbers were issued beyond the rows: the sequence is far ahead of max().
    psql(url, "SELECT setval('invoice_seq', 7777)");
    psql(url, "SELECT setval('orders_id_seq', 5000)");
}

#[test]
fn pg_new_database_restore_recreates_every_object_and_continues_sequences() {
    let Some(url) = fresh_pg_db("rs_full") else { return };
    seed_full(&url);
    let s = Sandbox::new();
    add_conn(&s, "src", &url, &[]);
    let b = create(&s, "src");
    let id = b["id"].as_str().unwrap();
    let name = unique_name("rs_full_new");
    ok(&s, &["backup", "restore", id, "--new-database", &name, "-q", "--json"]);
    let new_url = with_database(&url, &name);
    assert_eq!(schema_dump(&url), schema_dump(&new_url));
    // Sequences continue where they were, not at max(col).
    assert_eq!(psql(&new_url, "SELECT nextval('invoice_seq')").trim(), "7778");
    assert_eq!(psql(&new_url, "SELECT nextval('orders_id_seq')").trim(), "5001");
    assert_eq!(
        psql(
            &new_url,
            "INSERT INTO customers (email) VALUES ('new@x.org') RETURNING id"
        )
        .trim(),
        psql(&url, "INSERT INTO customers (email) VALUES ('new@x.org') RETURNING id").trim()
    );
    // The trigger did not fire during the load: updated_at kept its values.
    assert_eq!(
        psql(
            &new_url,
            "SELECT count(*) FROM customers WHERE updated_at = '2026-01-01'"
        )
        .trim(),
        "50"
    );
    // Rows sit in the partitions they came from.
    let parts = "SELECT tableoid::regclass, count(*) FROM events GROUP BY 1 ORDER BY 1";
    assert_eq!(psql(&new_url, parts), psql(&url, parts));
    assert_eq!(psql(&new_url, parts).lines().count(), 2);
    // The materialized view holds data; generated columns were computed.
    assert_eq!(
        psql(
            &new_url,
            "SELECT count(*), sum(total_x2) FROM order_totals, orders WHERE orders.id = 10"
        ),
        psql(
            &url,
            "SELECT count(*), sum(total_x2) FROM order_totals, orders WHERE orders.id = 10"
        )
    );
    add_conn(&s, "copy", &new_url, &[]);
    let again = create(&s, "copy");
    let mine: Vec<_> = hashes(&s, id).into_iter().filter(|t| t.0 != "customers").collect();
    let theirs: Vec<_> = hashes(&s, again["id"].as_str().unwrap())
        .into_iter()
        .filter(|t| t.0 != "customers")
        .collect();
    assert_eq!(mine, theirs);
}

#[test]
fn pg_failed_new_database_restore_leaves_no_database() {
    let Some(url) = fresh_pg_db("rs_fail") else { return };
    seed_full(&url);
    let s = Sandbox::new();
    add_conn(&s, "src", &url, &[]);
    let b = create(&s, "src");
    let id = b["id"].as_str().unwrap();
    // Damage a chunk of a table that loads late: the restore fails mid-way.
    corrupt_first_chunk(&s, id, "orders");
    let name = unique_name("rs_fail_new");
    let out = dbn(&s, &["backup", "restore", id, "--new-database", &name, "-q"]);
    assert_eq!(out.status.code(), Some(1), "{}", err_text(&out));
    let admin = pg_url().unwrap();
    assert_eq!(
        psql(
            &admin,
            &format!("SELECT count(*) FROM pg_database WHERE datname = '{name}'")
        )
        .trim(),
        "0",
        "the failed restore left its database behind: {}",
        err_text(&out)
    );
}

fn corrupt_first_chunk(s: &Sandbox, id: &str, table: &str) {
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.ws().join(format!(".dbnexus/snapshots/manifests/{id}.json"))).unwrap())
            .unwrap();
    let t = m["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == table)
        .unwrap();
    let chunk = t["chunks"][0][0].as_str().unwrap();
    let path = s
        .ws()
        .join(format!(".dbnexus/snapshots/chunks/{}/{chunk}", &chunk[..2]));
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    std::fs::write(&path, bytes).unwrap();
}

const NEIGHBOURS: &str = r#"
CREATE TABLE parent (id int PRIMARY KEY, name text NOT NULL, updated_at timestamptz);
CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent(id) ON DELETE CASCADE, note text);
CREATE TABLE pinned (id int PRIMARY KEY, parent_id int REFERENCES parent(id) ON DELETE RESTRICT);
CREATE TABLE log (n serial PRIMARY KEY, what text);
CREATE FUNCTION parent_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO log (what) VALUES (TG_OP || ' ' || coalesce(NEW.id, OLD.id)); NEW.updated_at := now(); RETURN NEW; END $$;
CREATE TRIGGER parent_audit BEFORE INSERT OR UPDATE OR DELETE ON parent FOR EACH ROW EXECUTE FUNCTION parent_audit();
CREATE TABLE solo (id int PRIMARY KEY, v text);
"#;

fn table_text(url: &str, table: &str) -> String {
    psql(url, &format!("SELECT * FROM {table} ORDER BY 1"))
}

#[test]
fn pg_selective_restore_touches_nothing_outside_the_set() {
    let Some(url) = fresh_pg_db("rs_sel") else { return };
    psql(&url, NEIGHBOURS);
    psql(
        &url,
        "INSERT INTO parent SELECT i, 'p' || i, '2026-01-01' FROM generate_series(1, 100) i",
    );
    psql(
        &url,
        "INSERT INTO child SELECT i, (i % 100) + 1, 'c' FROM generate_series(1, 300) i",
    );
    psql(&url, "INSERT INTO pinned SELECT i, i FROM generate_series(1, 10) i");
    psql(&url, "INSERT INTO solo SELECT i, 's' FROM generate_series(1, 10) i");
    psql(
        &url,
        "ALTER TABLE parent DISABLE TRIGGER parent_audit; UPDATE parent SET updated_at = '2026-01-01'; ALTER TABLE parent ENABLE TRIGGER parent_audit; TRUNCATE log",
    );
    let s = Sandbox::new();
    add_conn(&s, "db", &url, &[]);
    let b = create(&s, "db");
    let id = b["id"].as_str().unwrap();
    psql(
        &url,
        "ALTER TABLE parent DISABLE TRIGGER parent_audit; UPDATE parent SET name = 'changed' WHERE id <= 5; ALTER TABLE parent ENABLE TRIGGER parent_audit",
    );
    psql(&url, "UPDATE solo SET v = 'later'");
    let log_before = table_text(&url, "log");
    let child_before = table_text(&url, "child");
    let pinned_before = table_text(&url, "pinned");

    // Refused, naming both referencing tables, before anything changes.
    let out = dbn(&s, &["backup", "restore", id, "--tables", "parent", "-q"]);
    assert_eq!(out.status.code(), Some(4), "{}", err_text(&out));
    let e = err_text(&out);
    assert!(e.contains("public.child") && e.contains("CASCADE"), "{e}");
    assert!(e.contains("public.pinned") && e.contains("--with-dependents"), "{e}");
    assert_eq!(
        psql(&url, "SELECT count(*) FROM parent WHERE name = 'changed'").trim(),
        "5"
    );

    // With its dependents: the set is restored, nothing else moves.
    let r = ok(
        &s,
        &[
            "backup",
            "restore",
            id,
            "--tables",
            "parent",
            "--with-dependents",
            "-q",
            "--json",
        ],
    );
    let mut deps: Vec<&str> = r["dependents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    deps.sort();
    assert_eq!(deps, vec!["public.child", "public.pinned"], "{r}");
    assert_eq!(
        psql(&url, "SELECT count(*) FROM parent WHERE name = 'changed'").trim(),
        "0"
    );
    assert_eq!(table_text(&url, "child"), child_before);
    assert_eq!(table_text(&url, "pinned"), pinned_before);
    assert_eq!(
        table_text(&url, "log"),
        log_before,
        "the trigger fired during the restore"
    );
    assert_eq!(
        psql(&url, "SELECT count(*) FROM parent WHERE updated_at = '2026-01-01'").trim(),
        "100"
    );
    assert_eq!(psql(&url, "SELECT count(*) FROM solo WHERE v = 'later'").trim(), "10");
    // The trigger is back in force afterwards.
    psql(&url, "UPDATE parent SET name = 'x' WHERE id = 1");
    assert_ne!(table_text(&url, "log"), log_before);

    // The undo covers every table the restore changed.
    let pre = r["pre_restore_backup"].as_str().unwrap();
    let mut covered: Vec<String> = hashes(&s, pre).into_iter().map(|t| t.0).collect();
    covered.sort();
    assert_eq!(covered, vec!["child", "parent", "pinned"]);

    // A child restored alone whose parent lacks the rows is refused and rolled back.
    psql(
        &url,
        "DELETE FROM child; DELETE FROM pinned; DELETE FROM parent WHERE id > 50",
    );
    let out = dbn(&s, &["backup", "restore", id, "--tables", "child", "-q"]);
    assert_eq!(out.status.code(), Some(1), "{}", err_text(&out));
    assert!(err_text(&out).contains("do not exist"), "{}", err_text(&out));
    assert_eq!(psql(&url, "SELECT count(*) FROM child").trim(), "0");
}

#[test]
fn pg_sequences_never_move_back_in_an_existing_database() {
    let Some(url) = fresh_pg_db("rs_seq") else { return };
    psql(
        &url,
        "CREATE SEQUENCE inv START 1; CREATE TABLE t (id serial PRIMARY KEY, n int DEFAULT nextval('inv'))",
    );
    psql(
        &url,
        "INSERT INTO t (id) SELECT nextval('t_id_seq') FROM generate_series(1, 10); SELECT setval('inv', 7777)",
    );
    let s = Sandbox::new();
    add_conn(&s, "db", &url, &[]);
    let b = create(&s, "db");
    psql(&url, "SELECT setval('inv', 9000); SELECT setval('t_id_seq', 20)");
    ok(&s, &["backup", "restore", b["id"].as_str().unwrap(), "-q"]);
    assert_eq!(psql(&url, "SELECT nextval('inv')").trim(), "9001");
    assert_eq!(psql(&url, "SELECT nextval('t_id_seq')").trim(), "21");
    psql(&url, "SELECT setval('inv', 5); SELECT setval('t_id_seq', 3)");
    ok(&s, &["backup", "restore", b["id"].as_str().unwrap(), "-q"]);
    assert_eq!(psql(&url, "SELECT nextval('inv')").trim(), "7778");
    assert_eq!(psql(&url, "SELECT nextval('t_id_seq')").trim(), "11");
}

#[test]
fn pg_kill_during_restore_leaves_the_target_as_it_was() {
    let Some(url) = fresh_pg_db("rs_kill") else { return };
    psql(&url, "CREATE TABLE big (id int PRIMARY KEY, pad text)");
    psql(
        &url,
        "INSERT INTO big SELECT i, repeat(md5(i::text), 4) FROM generate_series(1, 400000) i",
    );
    let s = Sandbox::new();
    add_conn(&s, "db", &url, &[]);
    let b = create(&s, "db");
    psql(&url, "DELETE FROM big WHERE id % 2 = 0; UPDATE big SET pad = 'after'");
    let before = psql(&url, "SELECT count(*), md5(string_agg(pad, ',' ORDER BY id)) FROM big");
    let mut child = s
        .cmd()
        .args(["backup", "restore", b["id"].as_str().unwrap(), "-q"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the COPY is running on the server, then kill dbn outright.
    let start = std::time::Instant::now();
    loop {
        let n = psql(
            &url,
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY %big%' AND state = 'active'",
        );
        if n.trim() != "0" {
            break;
        }
        if let Ok(Some(st)) = child.try_wait() {
            panic!("the restore finished before it could be killed ({st}); make the table bigger");
        }
        assert!(start.elapsed().as_secs() < 120, "COPY never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // The server notices the dead client and rolls back.
    let start = std::time::Instant::now();
    while psql(
        &url,
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY %big%'",
    )
    .trim()
        != "0"
    {
        assert!(start.elapsed().as_secs() < 60, "the killed COPY is still running");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(
        psql(&url, "SELECT count(*), md5(string_agg(pad, ',' ORDER BY id)) FROM big"),
        before
    );
}

#[test]
fn pg_selective_restore_leaving_a_partitioned_table_out_succeeds() {
    let Some(url) = fresh_pg_db("rs_part_out") else { return };
    psql(
        &url,
        "CREATE TABLE events (id bigserial, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
         CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
         CREATE TABLE orders (id serial PRIMARY KEY, n int);
         INSERT INTO events (at) SELECT date '2026-01-01' + i FROM generate_series(1, 30) i;
         INSERT INTO orders (n) SELECT i FROM generate_series(1, 30) i",
    );
    let s = Sandbox::new();
    add_conn(&s, "src", &url, &[]);
    let b = create(&s, "src");
    let name = unique_name("rs_part_out_new");
    // The sequence events owns stays with events: it is not created OWNED BY
    // a table the restore leaves out.
    ok(
        &s,
        &[
            "backup",
            "restore",
            b["id"].as_str().unwrap(),
            "--tables",
            "orders",
            "--new-database",
            &name,
            "-q",
        ],
    );
    let new_url = with_database(&url, &name);
    assert_eq!(psql(&new_url, "SELECT count(*), max(n) FROM orders").trim(), "30|30");
    assert_eq!(psql(&new_url, "SELECT nextval('orders_id_seq')").trim(), "31");
    psql(&url, &format!("DROP DATABASE {name}"));
}
