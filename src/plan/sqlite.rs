//! SQLite `EXPLAIN QUERY PLAN`: rows of (id, parent, notused, detail)
//! form a tree under id 0. SQLite gives no estimates or per-step times.

use super::{Plan, PlanError, PlanNode};
use crate::db::{Engine, Value};

/// Build the plan from the `EXPLAIN QUERY PLAN` rows.
pub fn parse(rows: &[Vec<Value>]) -> Result<Plan, PlanError> {
    let mut steps: Vec<(i64, i64, PlanNode)> = Vec::with_capacity(rows.len());
    for r in rows {
        let (Some(id), Some(parent), Some(detail)) = (int(r.first()), int(r.get(1)), r.get(3)) else {
            return Err(PlanError::Parse(
                "expected rows of (id, parent, notused, detail) from EXPLAIN QUERY PLAN".into(),
            ));
        };
        steps.push((id, parent, step(&detail.render())));
    }
    let mut root = PlanNode::new("QUERY PLAN");
    root.children = children_of(0, &mut steps);
    // Orphans (parents SQLite did not list) still show, at the top.
    root.children.extend(steps.drain(..).map(|(_, _, n)| n));
    Ok(Plan {
        engine: Engine::Sqlite,
        format: "sqlite-eqp",
        analyzed: false,
        root,
        planning_ms: None,
        execution_ms: None,
        notes: vec!["SQLite reports no row estimates, costs or per-step times".into()],
    })
}

fn children_of(parent: i64, steps: &mut Vec<(i64, i64, PlanNode)>) -> Vec<PlanNode> {
    let mut mine = Vec::new();
    let mut i = 0;
    while i < steps.len() {
        if steps[i].1 == parent {
            mine.push(steps.remove(i));
        } else {
            i += 1;
        }
    }
    mine.into_iter()
        .map(|(id, _, mut n)| {
            n.children = children_of(id, steps);
            n
        })
        .collect()
}

fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Int(i) => Some(*i),
        Value::UInt(u) => i64::try_from(*u).ok(),
        Value::Text(s) => s.parse().ok(),
        _ => None,
    }
}

/// `SCAN t`, `SEARCH o USING INDEX i (a=?)`, `SCAN TABLE t AS x USING COVERING INDEX i`, ...
fn step(detail: &str) -> PlanNode {
    let words: Vec<&str> = detail.split_whitespace().collect();
    let verb = words.first().copied().unwrap_or("");
    if !matches!(verb, "SCAN" | "SEARCH") || words.len() < 2 || words[1] == "CONSTANT" {
        let mut n = PlanNode::new(detail);
        if let Some(rest) = detail.strip_prefix("USE TEMP B-TREE FOR ") {
            n.kind = "Temp B-tree".into();
            n.detail("for", rest);
        }
        return n;
    }
    let mut n = PlanNode::new(if verb == "SCAN" { "Scan" } else { "Search" });
    let mut at = 1;
    if words.get(at) == Some(&"TABLE") || words.get(at) == Some(&"SUBQUERY") {
        at += 1;
    }
    n.relation = words.get(at).map(|w| w.to_string());
    at += 1;
    if words.get(at) == Some(&"AS") {
        n.alias = words.get(at + 1).map(|w| w.to_string());
        at += 2;
    }
    let rest = words[at.min(words.len())..].join(" ");
    if let Some(i) = rest.find("INDEX ") {
        let after = &rest[i + 6..];
        n.index = after.split_whitespace().next().map(str::to_string);
        if rest.contains("COVERING INDEX") {
            n.detail("covering", "yes");
        }
    } else if rest.contains("PRIMARY KEY") {
        n.index = Some("PRIMARY KEY".into());
    }
    if let (Some(open), Some(close)) = (rest.find('('), rest.rfind(')')) {
        n.detail("condition", &rest[open + 1..close]);
    }
    if n.index.is_none() && !rest.is_empty() {
        n.detail("using", rest);
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, parent: i64, detail: &str) -> Vec<Value> {
        vec![
            Value::Int(id),
            Value::Int(parent),
            Value::Int(0),
            Value::Text(detail.into()),
        ]
    }

    #[test]
    fn builds_the_tree_and_reads_relations_and_indexes() {
        let p = parse(&[
            row(2, 0, "SCAN o"),
            row(5, 0, "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)"),
            row(9, 0, "CORRELATED SCALAR SUBQUERY 1"),
            row(
                12,
                9,
                "SEARCH o2 USING COVERING INDEX orders_customer_idx (customer_id=?)",
            ),
            row(20, 0, "USE TEMP B-TREE FOR ORDER BY"),
        ])
        .unwrap();
        let kids = &p.root.children;
        assert_eq!(kids.len(), 4);
        assert_eq!(
            (kids[0].kind.as_str(), kids[0].relation.as_deref()),
            ("Scan", Some("o"))
        );
        assert_eq!(kids[1].index.as_deref(), Some("PRIMARY KEY"));
        assert_eq!(kids[2].children[0].index.as_deref(), Some("orders_customer_idx"));
        assert_eq!(kids[3].kind, "Temp B-tree");
        let old = step("SCAN TABLE orders AS o USING INDEX created_idx");
        assert_eq!(
            (old.relation.as_deref(), old.alias.as_deref(), old.index.as_deref()),
            (Some("orders"), Some("o"), Some("created_idx"))
        );
    }
}
