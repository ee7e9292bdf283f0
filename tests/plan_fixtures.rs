//! Plans captured from real servers (scripts/capture-plan-fixtures.sh):
//! PostgreSQL 15, MariaDB 10.11 and SQLite 3.40 answers parsed into the one
//! model, analysed, and drawn as the CLI draws them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dbn::db::Value;
use dbn::plan::{Flavor, Plan, analyze, parse_answer, render_text};

fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/plans/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn cell(flavor: Flavor, analyzed: bool, name: &str) -> Plan {
    let rows = vec![vec![Value::Text(fixture(name))]];
    parse_answer(flavor, analyzed, &rows).unwrap().0
}

fn sqlite(name: &str) -> Plan {
    let doc: serde_json::Value = serde_json::from_str(&fixture(name)).unwrap();
    let rows: Vec<Vec<Value>> = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|v| match v {
                    serde_json::Value::Number(n) => Value::Int(n.as_i64().unwrap()),
                    other => Value::Text(other.as_str().unwrap().to_string()),
                })
                .collect()
        })
        .collect();
    parse_answer(Flavor::Sqlite, false, &rows).unwrap().0
}

fn kinds(p: &Plan) -> Vec<String> {
    p.root.walk().iter().map(|n| n.kind.clone()).collect()
}

#[test]
fn postgres_join_plan_with_and_without_analyze() {
    let p = cell(Flavor::Postgres, false, "pg_join.json");
    assert!(!p.analyzed);
    assert_eq!(p.root.kind, "Sort");
    assert!(kinds(&p).iter().any(|k| k == "HashAggregate"), "{:?}", kinds(&p));
    assert!(kinds(&p).iter().any(|k| k == "Hash Join"), "{:?}", kinds(&p));
    let scans: Vec<_> = p.root.walk().into_iter().filter(|n| n.kind == "Seq Scan").collect();
    assert_eq!(scans.len(), 2);
    assert!(
        scans
            .iter()
            .any(|n| n.relation.as_deref() == Some("orders") && n.alias.as_deref() == Some("o"))
    );
    assert!(p.root.walk().iter().all(|n| n.actual_ms.is_none()));
    let a = analyze(&p);
    assert_eq!(a.basis, Some("cost"));
    assert!(a.slowest.is_some());

    let p = cell(Flavor::Postgres, true, "pg_join_analyze.json");
    assert!(p.analyzed && p.execution_ms.is_some() && p.planning_ms.is_some());
    let a = analyze(&p);
    assert_eq!(a.basis, Some("time"));
    let slowest = a.slowest.unwrap();
    let nodes = p.root.walk();
    assert!(a.nodes[slowest].slow && a.nodes[0].on_slowest_path);
    assert!(
        nodes.iter().any(|n| n.buffers.is_some_and(|b| b.hit > 0)),
        "buffers are read"
    );
    // The slowest node is a scan or join, not the cheap sort on top.
    assert_ne!(nodes[slowest].kind, "Sort");
}

#[test]
fn postgres_misestimate_is_marked() {
    let p = cell(Flavor::Postgres, true, "pg_misestimate_analyze.json");
    let a = analyze(&p);
    let n = &p.root;
    assert_eq!(n.kind, "Seq Scan");
    assert_eq!((n.est_rows, n.actual_rows), (Some(5.0), Some(500.0)));
    assert_eq!(a.nodes[0].misestimate, Some(100.0));
    let text = render_text(&p, &a);
    assert!(text.contains("[rows 100x over estimate]"), "{text}");
    assert!(text.contains("Filter: ((region = 7) AND (bucket = 7))"), "{text}");
}

#[test]
fn postgres_index_scan_under_a_limit() {
    let p = cell(Flavor::Postgres, true, "pg_index_analyze.json");
    let a = analyze(&p);
    assert_eq!(p.root.kind, "Limit");
    let nodes = p.root.walk();
    let scan = nodes.iter().position(|n| n.index.is_some()).unwrap();
    assert_eq!(nodes[scan].index.as_deref(), Some("orders_customer_idx"));
    assert!(
        nodes[scan]
            .details
            .iter()
            .any(|(k, _)| k == "Recheck Cond" || k == "Index Cond")
    );
    assert!(a.nodes.iter().all(|f| f.misestimate.is_none()), "{a:#?}");
}

#[test]
fn postgres_update_and_the_big_plan() {
    let p = cell(Flavor::Postgres, true, "pg_update_analyze.json");
    assert_eq!(p.root.kind, "Update");
    assert_eq!(p.root.relation.as_deref(), Some("orders"));
    let p = cell(Flavor::Postgres, true, "pg_big_analyze.json");
    let a = analyze(&p);
    assert!(p.root.walk().len() > 20);
    // Only the slowest path and its ancestors are on it; most nodes are not.
    let on_path = a.nodes.iter().filter(|f| f.on_slowest_path).count();
    assert!(on_path >= 2 && on_path < a.nodes.len() / 2, "{on_path}");
    assert!(
        p.root
            .walk()
            .iter()
            .any(|n| n.details.iter().any(|(k, _)| k == "SubPlan" || k == "InitPlan"))
    );
    assert!(
        p.root
            .walk()
            .iter()
            .any(|n| n.never_executed || n.loops.is_some_and(|l| l > 1.0))
    );
    let slow = a.nodes.iter().filter(|f| f.slow).count();
    assert!((1..=3).contains(&slow));
}

#[test]
fn mariadb_join_plan_and_analyze() {
    let p = cell(Flavor::MariaDb, false, "my_join.json");
    assert_eq!(p.format, "mariadb-json");
    assert_eq!(p.root.kind, "Query block #1");
    let ks = kinds(&p);
    for k in [
        "Sort",
        "Temporary table",
        "Nested loop",
        "Full table scan",
        "Unique index lookup",
    ] {
        assert!(ks.iter().any(|x| x == k), "{k} in {ks:?}");
    }
    let p = cell(Flavor::MariaDb, true, "my_join_analyze.json");
    let a = analyze(&p);
    assert!(p.analyzed && p.execution_ms.is_some());
    let nodes = p.root.walk();
    let lookup = nodes.iter().position(|n| n.kind == "Unique index lookup").unwrap();
    assert_eq!(nodes[lookup].relation.as_deref(), Some("c"));
    assert_eq!(nodes[lookup].index.as_deref(), Some("PRIMARY"));
    assert_eq!(nodes[lookup].loops, Some(12500.0));
    assert!(nodes[lookup].buffers.is_some());
    assert_eq!(a.basis, Some("time"));
    let slowest = a.slowest.unwrap();
    assert!(
        nodes[slowest].relation.is_some(),
        "a table is slowest: {:?}",
        nodes[slowest]
    );
    // Inclusive times add up: the query block covers its steps.
    assert!(nodes[0].actual_ms.unwrap() >= nodes[lookup].actual_ms.unwrap());
}

#[test]
fn mariadb_misestimate_update_and_subqueries() {
    let p = cell(Flavor::MariaDb, true, "my_misestimate_analyze.json");
    let a = analyze(&p);
    let nodes = p.root.walk();
    let scan = nodes.iter().position(|n| n.kind == "Full table scan").unwrap();
    assert!(nodes[scan].est_rows.unwrap() < 20.0);
    assert_eq!(nodes[scan].actual_rows, Some(500.0));
    assert!(a.nodes[scan].misestimate.unwrap() >= 10.0);

    let p = cell(Flavor::MariaDb, true, "my_update_analyze.json");
    assert!(kinds(&p).iter().any(|k| k.starts_with("Update · ")), "{:?}", kinds(&p));

    let p = cell(Flavor::MariaDb, true, "my_big_analyze.json");
    let ks = kinds(&p);
    for k in ["Union", "Subqueries", "Expression cache", "Materialize"] {
        assert!(ks.iter().any(|x| x == k), "{k} in {ks:?}");
    }
    let text = render_text(&p, &analyze(&p));
    assert!(text.contains("Index lookup on o2 using orders_customer_idx"), "{text}");
}

#[test]
fn sqlite_plans() {
    let p = sqlite("sqlite_join.json");
    assert_eq!(p.format, "sqlite-eqp");
    let nodes = p.root.walk();
    assert!(
        nodes
            .iter()
            .any(|n| n.relation.as_deref() == Some("o") || n.relation.as_deref() == Some("c"))
    );
    assert!(nodes.iter().any(|n| n.index.is_some()));
    let p = sqlite("sqlite_big.json");
    let ks = kinds(&p);
    assert!(ks.iter().any(|k| k == "MERGE (UNION ALL)"), "{ks:?}");
    assert!(ks.iter().any(|k| k == "Temp B-tree"), "{ks:?}");
    let a = analyze(&p);
    assert_eq!(a.basis, None);
    assert!(a.slowest.is_none());
}

#[test]
fn text_trees_as_the_cli_prints_them() {
    let p = cell(Flavor::Postgres, true, "pg_join_analyze.json");
    insta::assert_snapshot!("pg_join_analyze", render_text(&p, &analyze(&p)));
    let p = cell(Flavor::MariaDb, true, "my_join_analyze.json");
    insta::assert_snapshot!("mariadb_join_analyze", render_text(&p, &analyze(&p)));
    let p = sqlite("sqlite_big.json");
    insta::assert_snapshot!("sqlite_big", render_text(&p, &analyze(&p)));
}
