//! Restore semantics on MariaDB (issue 13): views, triggers, routines and
//! AUTO_INCREMENT come back; a selective restore fires no trigger and no
//! cascade and is refused while other tables reference the set.

mod backup_support;
mod common;

use backup_support::*;
use common::{Sandbox, fresh_mysql_db, mysql, unique_name, with_database};

const SCHEMA: &[&str] = &[
    "CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, total DECIMAL(10,2) NOT NULL DEFAULT 0, note VARCHAR(50), KEY note_i (note))",
    "CREATE TABLE order_items (id INT AUTO_INCREMENT PRIMARY KEY, order_id INT NOT NULL, price DECIMAL(10,2) NOT NULL, \
     CONSTRAINT items_order FOREIGN KEY (order_id) REFERENCES orders(id) ON DELETE CASCADE)",
    "CREATE TRIGGER items_total AFTER INSERT ON order_items FOR EACH ROW UPDATE orders SET total = total + NEW.price WHERE id = NEW.order_id",
    "CREATE VIEW big AS SELECT id, total FROM orders WHERE total > 10",
    "CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2",
    "CREATE PROCEDURE touch_all() UPDATE orders SET note = 'touched'",
    "CREATE TABLE blobs (id INT PRIMARY KEY, b VARBINARY(20), t TEXT)",
    "CREATE TABLE logs (id INT NOT NULL, at DATE NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (YEAR(at)) \
     (PARTITION p2025 VALUES LESS THAN (2026), PARTITION p2026 VALUES LESS THAN (2027))",
];

fn seed(url: &str) {
    for s in SCHEMA {
        mysql(url, s);
    }
    mysql(
        url,
        "INSERT INTO orders (id, note) SELECT seq, CONCAT('o', seq) FROM seq_1_to_20",
    );
    mysql(
        url,
        "INSERT INTO order_items (order_id, price) SELECT (seq % 20) + 1, 2.50 FROM seq_1_to_60",
    );
    mysql(
        url,
        "INSERT INTO blobs VALUES (1, X'00FF0A09', 'tab\\there\\nnewline \\\\ backslash'), (2, NULL, NULL)",
    );
    mysql(
        url,
        "INSERT INTO logs SELECT seq, DATE '2025-06-01' + INTERVAL seq DAY FROM seq_1_to_400",
    );
    // Numbers were handed out beyond the rows.
    mysql(url, "ALTER TABLE orders AUTO_INCREMENT = 7777");
}

fn show(url: &str, what: &str, name: &str, col: usize) -> String {
    let out = mysql(url, &format!("SHOW CREATE {what} `{name}`"));
    let line = out.lines().next().unwrap_or_default();
    let field = line.split('\t').nth(col).unwrap_or_default().to_string();
    // The database name and definer are not part of the schema.
    let db = url.rsplit('/').next().unwrap();
    field.replace(&format!("`{db}`."), "")
}

#[test]
fn mysql_new_database_restore_recreates_views_triggers_routines_and_counters() {
    let Some(url) = fresh_mysql_db("rs_my") else { return };
    seed(&url);
    let s = Sandbox::new();
    add_conn(&s, "src", &url, &[]);
    let b = create(&s, "src");
    let id = b["id"].as_str().unwrap();
    let name = unique_name("rs_my_new");
    ok(&s, &["backup", "restore", id, "--new-database", &name, "-q"]);
    let new_url = with_database(&url, &name);
    // AUTO_INCREMENT=7777 shows in SHOW CREATE TABLE orders: compared too.
    for t in ["orders", "order_items", "blobs", "logs"] {
        assert_eq!(show(&url, "TABLE", t, 1), show(&new_url, "TABLE", t, 1), "{t}");
    }
    // Rows sit in the same partitions.
    let parts = |u: &str| {
        mysql(
            u,
            "SELECT 'p2025', COUNT(*) FROM logs PARTITION (p2025) UNION ALL \
             SELECT 'p2026', COUNT(*) FROM logs PARTITION (p2026)",
        )
    };
    assert_eq!(parts(&url), parts(&new_url));
    assert!(show(&new_url, "TABLE", "logs", 1).contains("PARTITION BY RANGE"));
    assert_eq!(show(&url, "VIEW", "big", 1), show(&new_url, "VIEW", "big", 1));
    // The schema model rebuilds a trigger's header with quoted names; SHOW
    // CREATE TRIGGER repeats the text as typed. Same trigger either way.
    let unquoted = |s: String| s.replace('`', "");
    assert_eq!(
        unquoted(show(&url, "TRIGGER", "items_total", 2)),
        unquoted(show(&new_url, "TRIGGER", "items_total", 2))
    );
    // Routines: the server's own catalog of them (SHOW CREATE repeats the
    // parameter list as typed, which the schema model normalizes).
    let routines = "SELECT r.ROUTINE_TYPE, r.ROUTINE_NAME, r.DTD_IDENTIFIER, r.ROUTINE_BODY, r.ROUTINE_DEFINITION, \
                    r.IS_DETERMINISTIC, r.SQL_DATA_ACCESS, r.SECURITY_TYPE, \
                    (SELECT GROUP_CONCAT(CONCAT(p.PARAMETER_NAME, ' ', p.DTD_IDENTIFIER) ORDER BY p.ORDINAL_POSITION) \
                       FROM information_schema.PARAMETERS p WHERE p.SPECIFIC_SCHEMA = r.ROUTINE_SCHEMA \
                        AND p.SPECIFIC_NAME = r.SPECIFIC_NAME AND p.ORDINAL_POSITION > 0) \
                    FROM information_schema.ROUTINES r WHERE r.ROUTINE_SCHEMA = DATABASE() ORDER BY 1, 2";
    assert_eq!(mysql(&url, routines), mysql(&new_url, routines));
    // The trigger did not fire during the load: totals are as backed up.
    let totals = "SELECT SUM(total) FROM orders";
    assert_eq!(mysql(&url, totals), mysql(&new_url, totals));
    // AUTO_INCREMENT continues where it was.
    mysql(&new_url, "INSERT INTO orders (note) VALUES ('next')");
    assert_eq!(mysql(&new_url, "SELECT MAX(id) FROM orders").trim(), "7777");
    assert!(show(&url, "TABLE", "orders", 1).contains("AUTO_INCREMENT=7777"));
    let bytes = "SELECT HEX(b), HEX(t) FROM blobs ORDER BY id";
    assert_eq!(mysql(&url, bytes), mysql(&new_url, bytes));
}

#[test]
fn mysql_selective_restore_fires_no_trigger_and_no_cascade() {
    let Some(url) = fresh_mysql_db("rs_mysel") else { return };
    seed(&url);
    let s = Sandbox::new();
    add_conn(&s, "db", &url, &[]);
    let b = create(&s, "db");
    let id = b["id"].as_str().unwrap();
    mysql(&url, "DELETE FROM order_items WHERE id > 30");
    let orders_before = mysql(&url, "SELECT id, total, note FROM orders ORDER BY id");

    // Restoring order_items must not double orders.total through the trigger.
    let r = ok(
        &s,
        &["backup", "restore", id, "--tables", "order_items", "-q", "--json"],
    );
    assert_eq!(mysql(&url, "SELECT COUNT(*) FROM order_items").trim(), "60");
    assert_eq!(
        mysql(&url, "SELECT id, total, note FROM orders ORDER BY id"),
        orders_before
    );
    assert!(!r["suspended_triggers"].as_array().unwrap().is_empty(), "{r}");
    // The trigger is back.
    mysql(&url, "INSERT INTO order_items (order_id, price) VALUES (1, 1.00)");
    assert_ne!(
        mysql(&url, "SELECT id, total, note FROM orders ORDER BY id"),
        orders_before
    );

    // Restoring orders alone would orphan or cascade into order_items: refused.
    let items_before = mysql(&url, "SELECT * FROM order_items ORDER BY id");
    let out = dbn(&s, &["backup", "restore", id, "--tables", "orders", "-q"]);
    assert_eq!(out.status.code(), Some(4), "{}", err_text(&out));
    assert!(err_text(&out).contains("order_items"), "{}", err_text(&out));
    ok(
        &s,
        &["backup", "restore", id, "--tables", "orders", "--with-dependents", "-q"],
    );
    assert_eq!(mysql(&url, "SELECT COUNT(*) FROM order_items").trim(), "60");
    assert_ne!(mysql(&url, "SELECT * FROM order_items ORDER BY id"), items_before);
    assert_eq!(
        mysql(&url, "SELECT SUM(total) FROM orders").trim(),
        "150.00",
        "totals as backed up, not recomputed by the trigger"
    );
}

#[test]
fn mysql_kill_during_restore_leaves_the_target_as_it_was() {
    let Some(url) = fresh_mysql_db("rs_mykill") else { return };
    mysql(&url, "CREATE TABLE big (id INT PRIMARY KEY, pad VARCHAR(200))");
    mysql(
        &url,
        "INSERT INTO big SELECT seq, REPEAT(MD5(seq), 4) FROM seq_1_to_300000",
    );
    let s = Sandbox::new();
    add_conn(&s, "db", &url, &[]);
    let b = create(&s, "db");
    mysql(
        &url,
        "DELETE FROM big WHERE id % 2 = 0; UPDATE big SET pad = CONCAT('after', id)",
    );
    let state = "SELECT COUNT(*), SUM(CRC32(pad)) FROM big";
    let before = mysql(&url, state);
    let mut child = s
        .cmd()
        .args(["backup", "restore", b["id"].as_str().unwrap(), "-q"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the load is running on the server, then kill dbn outright.
    let db = url.rsplit('/').next().unwrap().to_string();
    let loading =
        format!("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '{db}' AND INFO LIKE 'LOAD DATA%'");
    let start = std::time::Instant::now();
    while mysql(&url, &loading).trim() == "0" {
        if let Ok(Some(st)) = child.try_wait() {
            panic!("the restore finished before it could be killed ({st}); make the table bigger");
        }
        assert!(start.elapsed().as_secs() < 120, "the load never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // The server notices the dead client and rolls the load back.
    let busy = format!(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '{db}' AND COMMAND <> 'Sleep' AND ID <> CONNECTION_ID()"
    );
    let start = std::time::Instant::now();
    while mysql(&url, &busy).trim() != "0" {
        assert!(start.elapsed().as_secs() < 60, "the killed load is still running");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(mysql(&url, state), before);
    mysql(&url, &format!("DROP DATABASE `{db}`"));
}
