//! `dbn explain` end to end: the real binary against live PostgreSQL,
//! MariaDB and SQLite, as text and JSON, with ANALYZE through the safety
//! rules (read-only refusal, unlock, rollback, audit).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Sandbox, fresh_mysql_db, fresh_pg_db, mysql, psql};
use serde_json::Value as Json;
use std::process::{Output, Stdio};

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn explain(s: &Sandbox, conn: &str, sql: &str, extra: &[&str]) -> Output {
    s.cmd()
        .args(["explain", "--conn", conn, "--sql", sql])
        .args(extra)
        .stdin(Stdio::null())
        .output()
        .expect("run dbn explain")
}

fn json(o: &Output) -> Json {
    assert!(o.status.success(), "{}", text(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

fn add(s: &Sandbox, name: &str, url: &str, tag: &str) {
    let out = s
        .cmd()
        .args(["connect", "add", name, "--tag", tag, "--url", url])
        .stdin(Stdio::null())
        .output()
        .expect("connect add");
    assert!(out.status.success(), "{}", text(&out));
}

fn audit(s: &Sandbox, conn: &str) -> Vec<Json> {
    let out = s
        .cmd()
        .args(["audit", "--conn", conn, "--since", "1h", "--json"])
        .stdin(Stdio::null())
        .output()
        .expect("dbn audit");
    json(&out).as_array().cloned().unwrap()
}

/// Every node of a plan's JSON, depth first.
fn nodes(plan: &Json) -> Vec<Json> {
    let mut out = Vec::new();
    let mut stack = vec![plan["root"].clone()];
    while let Some(n) = stack.pop() {
        if let Some(kids) = n["children"].as_array() {
            stack.extend(kids.iter().rev().cloned());
        }
        out.push(n);
    }
    out
}

const SHOP: &str = "CREATE TABLE customers (id int PRIMARY KEY, name varchar(40) NOT NULL, country char(2) NOT NULL);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, region int NOT NULL, bucket int NOT NULL, status varchar(10) NOT NULL);
CREATE INDEX orders_customer_idx ON orders (customer_id);";

#[test]
fn postgres_plans_and_analyze_through_the_safety_rules() {
    let Some(url) = fresh_pg_db("plan_cli") else { return };
    psql(&url, SHOP);
    psql(
        &url,
        "INSERT INTO customers SELECT g, 'c' || g, (ARRAY['DE','FR','US','JP'])[1 + g % 4] FROM generate_series(1, 2000) g;
         INSERT INTO orders SELECT g, 1 + g % 2000, g % 100, g % 100, 'new' FROM generate_series(1, 50000) g;
         ANALYZE customers; ANALYZE orders;",
    );
    let s = Sandbox::new();
    add(&s, "pg", &url, "dev");
    add(&s, "pg-prod", &url, "prod");
    let join = "SELECT c.country, count(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.region = 7 AND o.bucket = 7 GROUP BY c.country";

    // A plan alone runs nothing and has estimates but no actuals.
    let out = explain(&s, "pg-prod", join, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.starts_with("PostgreSQL EXPLAIN\n"), "{tree}");
    assert!(tree.contains("Seq Scan on orders o"), "{tree}");
    assert!(tree.contains("Filter: ((region = 7) AND (bucket = 7))"), "{tree}");
    assert!(!tree.contains("actual"), "{tree}");

    // ANALYZE of a read is allowed on prod; the misestimate (two equal columns) is marked.
    let doc = json(&explain(&s, "pg-prod", join, &["--analyze", "--json"]));
    assert_eq!(doc["analyzed"], true);
    assert_eq!(doc["server"], "postgres");
    let all = nodes(&doc["plan"]);
    let scan = all.iter().position(|n| n["relation"] == "orders").unwrap();
    assert_eq!(all[scan]["actual_rows"].as_f64(), Some(500.0));
    assert!(all[scan]["buffers"]["hit"].as_u64().unwrap() > 0, "{}", all[scan]);
    let facts = doc["analysis"]["nodes"].as_array().unwrap();
    assert!(facts[scan]["misestimate"].as_f64().unwrap() >= 10.0, "{}", facts[scan]);
    assert!(doc["analysis"]["slowest"].is_u64());
    assert!(doc["raw"][0]["Plan"].is_object(), "the server's own answer is kept");

    // ANALYZE of a write on a read-only connection: refused before sending, audited.
    let update = "UPDATE orders SET status = 'void' WHERE customer_id = 42";
    let out = explain(&s, "pg-prod", update, &["--analyze"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--unlock-writes"),
        "{}",
        text(&out)
    );
    let log = audit(&s, "pg-prod");
    assert_eq!(log[0]["action"], "blocked", "{log:?}");
    // A plan of the same write (not run) is a read.
    assert!(explain(&s, "pg-prod", update, &[]).status.success());

    // Unlocked and rolled back: it runs, is audited, and changes nothing.
    let out = explain(
        &s,
        "pg-prod",
        update,
        &["--analyze", "--rollback", "--unlock-writes", "--confirm", "pg-prod"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("rolled back afterwards"),
        "{}",
        text(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("rolled back"),
        "{}",
        text(&out)
    );
    assert_eq!(
        psql(&url, "SELECT count(*) FROM orders WHERE status = 'void'").trim(),
        "0"
    );
    let log = audit(&s, "pg-prod");
    let entry = log
        .iter()
        .find(|e| e["action"] == "write")
        .expect("the ANALYZE is audited");
    assert!(entry["statement"].as_str().unwrap().contains("ANALYZE"), "{entry}");
    assert!(
        entry["detail"].as_str().unwrap().contains("\"rolled_back\":true"),
        "{entry}"
    );
    assert!(entry["confirmed_by"].as_str().unwrap().contains("pg-prod"), "{entry}");

    // Without --rollback the change is kept, as the notice says.
    let out = explain(&s, "pg", update, &["--analyze"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("kept"), "{}", text(&out));
    assert_eq!(
        psql(&url, "SELECT count(*) FROM orders WHERE status = 'void'").trim(),
        "25"
    );

    // Unbounded writes need their own confirmation, even for ANALYZE.
    let out = explain(&s, "pg", "DELETE FROM orders", &["--analyze", "--rollback"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));

    // One statement only; an EXPLAIN is not explained again; server errors exit 1.
    let out = explain(&s, "pg", "SELECT 1; SELECT 2", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = explain(&s, "pg", "EXPLAIN SELECT 1", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = explain(&s, "pg", "SELECT * FROM nowhere", &["--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("\"code\""),
        "{}",
        text(&out)
    );
}

#[test]
fn mariadb_plans_and_analyze() {
    let Some(url) = fresh_mysql_db("plan_cli") else { return };
    mysql(&url, SHOP);
    mysql(
        &url,
        "INSERT INTO customers SELECT seq, concat('c', seq), elt(1 + seq % 4, 'DE','FR','US','JP') FROM seq_1_to_2000;
         INSERT INTO orders SELECT seq, 1 + seq % 2000, seq % 100, seq % 100, 'new' FROM seq_1_to_50000;
         ANALYZE TABLE customers, orders;",
    );
    let s = Sandbox::new();
    add(&s, "my", &url, "dev");
    let join = "SELECT c.country, count(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.customer_id < 100 GROUP BY c.country";
    let doc = json(&explain(&s, "my", join, &["--json"]));
    assert_eq!(doc["server"], "mariadb");
    assert_eq!(doc["plan"]["format"], "mariadb-json");
    let all = nodes(&doc["plan"]);
    assert!(
        all.iter().any(|n| n["relation"] == "c" || n["relation"] == "o"),
        "{doc}"
    );
    assert!(all.iter().all(|n| n["actual_ms"].is_null()));

    let doc = json(&explain(&s, "my", join, &["--analyze", "--json"]));
    assert_eq!(doc["analyzed"], true);
    let all = nodes(&doc["plan"]);
    assert!(
        all.iter()
            .any(|n| n["actual_rows"].as_f64().is_some() && n["loops"].as_f64().is_some())
    );
    assert!(doc["plan"]["execution_ms"].as_f64().is_some());

    let update = "UPDATE orders SET status = 'void' WHERE customer_id = 42";
    let out = explain(&s, "my", update, &["--analyze", "--rollback"]);
    assert!(out.status.success(), "{}", text(&out));
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.contains("Update · "), "{tree}");
    assert_eq!(
        mysql(&url, "SELECT count(*) FROM orders WHERE status = 'void'").trim(),
        "0"
    );
    let log = audit(&s, "my");
    assert!(log.iter().any(|e| e["action"] == "write"), "{log:?}");
}

#[test]
fn sqlite_plans_and_measured_analyze() {
    let s = Sandbox::new();
    let path = s.dir.path().join("shop.db");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(SHOP).unwrap();
    c.execute_batch(
        "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 3000)
         INSERT INTO orders SELECT x, 1 + x % 200, x % 10, x % 10, 'new' FROM g;",
    )
    .unwrap();
    drop(c);
    add(&s, "lite", &format!("sqlite://{}", path.display()), "prod");
    let sql = "SELECT id FROM orders WHERE customer_id = 7 ORDER BY region";
    let out = explain(&s, "lite", sql, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.contains("Search on orders using orders_customer_idx"), "{tree}");
    assert!(tree.contains("Temp B-tree"), "{tree}");

    let doc = json(&explain(&s, "lite", sql, &["--analyze", "--json"]));
    assert_eq!(doc["plan"]["root"]["actual_rows"].as_f64(), Some(15.0));
    assert_eq!(doc["sent"].as_array().unwrap().len(), 2, "the plan, then the statement");

    let del = "DELETE FROM orders WHERE region = 3";
    let out = explain(&s, "lite", del, &["--analyze", "--rollback"]);
    assert_eq!(out.status.code(), Some(4), "prod SQLite is read-only: {}", text(&out));
    let out = explain(
        &s,
        "lite",
        del,
        &[
            "--analyze",
            "--rollback",
            "--unlock-writes",
            "--confirm",
            "lite",
            "--json",
        ],
    );
    let doc = json(&out);
    assert_eq!(doc["rolled_back"], true);
    assert_eq!(
        doc["plan"]["root"]["actual_rows"].as_f64(),
        Some(300.0),
        "rows deleted, then rolled back"
    );
    let c = rusqlite::Connection::open(&path).unwrap();
    let n: i64 = c.query_row("SELECT count(*) FROM orders", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 3000);
}
