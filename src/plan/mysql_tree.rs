//! MySQL 8 `EXPLAIN ANALYZE` (and `FORMAT=TREE`): one step per line,
//! `-> what  (cost=C rows=R) (actual time=A..B rows=R loops=L)`, children
//! indented below their parent.

use super::{Plan, PlanError, PlanNode};
use crate::db::Engine;

/// Parse the tree text.
pub fn parse(text: &str) -> Result<Plan, PlanError> {
    // (indent, node) for the open path from the root.
    let mut stack: Vec<(usize, PlanNode)> = Vec::new();
    let mut roots: Vec<PlanNode> = Vec::new();
    let mut analyzed = false;
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let Some(body) = line.trim_start().strip_prefix("->") else {
            continue;
        };
        let n = step(body.trim());
        analyzed |= n.actual_ms.is_some() || n.never_executed;
        while stack.last().is_some_and(|(i, _)| *i >= indent) {
            close(&mut stack, &mut roots);
        }
        stack.push((indent, n));
    }
    while !stack.is_empty() {
        close(&mut stack, &mut roots);
    }
    let root = match roots.len() {
        0 => return Err(PlanError::Parse("no `->` plan lines in the answer".into())),
        1 => roots.remove(0),
        _ => {
            let mut top = PlanNode::new("Query");
            top.children = roots;
            top
        }
    };
    Ok(Plan {
        engine: Engine::Mysql,
        format: "mysql-tree",
        analyzed,
        execution_ms: root.actual_ms.filter(|_| analyzed),
        root,
        planning_ms: None,
        notes: Vec::new(),
    })
}

fn close(stack: &mut Vec<(usize, PlanNode)>, roots: &mut Vec<PlanNode>) {
    if let Some((_, n)) = stack.pop() {
        match stack.last_mut() {
            Some((_, parent)) => parent.children.push(n),
            None => roots.push(n),
        }
    }
}

/// One `-> ...` line.
fn step(body: &str) -> PlanNode {
    let mut what = body;
    let mut n = PlanNode::default();
    if let Some(at) = what.find("(never executed)") {
        n.never_executed = true;
        n.loops = Some(0.0);
        what = &what[..at];
    }
    if let Some(at) = what.rfind("(actual time=") {
        let inner = what[at + 13..].trim_end().trim_end_matches(')');
        let (times, rest) = inner.split_once(' ').unwrap_or((inner, ""));
        let last = times.split("..").nth(1).and_then(|t| t.parse::<f64>().ok());
        let rows = field(rest, "rows");
        let loops = field(rest, "loops");
        n.loops = loops;
        n.actual_rows = rows;
        n.actual_ms = last.map(|t| t * loops.unwrap_or(1.0));
        what = &what[..at];
    }
    if let Some(at) = what.rfind("(cost=").or_else(|| what.rfind("(rows=")) {
        let inner = what[at + 1..].trim_end().trim_end_matches(')');
        n.est_cost = field(inner, "cost").or_else(|| {
            inner
                .strip_prefix("cost=")
                .and_then(|c| c.split("..").nth(1))
                .and_then(|c| c.split_whitespace().next())
                .and_then(|c| c.parse().ok())
        });
        n.est_rows = field(inner, "rows");
        what = &what[..at];
    }
    let what = what.trim();
    let (kind, detail) = match what.split_once(": ") {
        Some((k, d)) => (k.trim().to_string(), Some(d.trim().to_string())),
        None => (what.to_string(), None),
    };
    n.relation = after_word(what, " on ");
    n.index = after_word(what, " using ");
    n.kind = match &n.relation {
        Some(rel) => kind
            .split(&format!(" on {rel}"))
            .next()
            .unwrap_or(&kind)
            .trim()
            .to_string(),
        None => kind,
    };
    if let Some(d) = detail {
        n.detail("detail", d);
    }
    if let Some(cond) = what.rfind(" (").filter(|_| n.index.is_some()).map(|i| &what[i + 2..]) {
        n.detail("condition", cond.trim_end_matches(')'));
    }
    n
}

/// `rows=12` in `cost=3.5 rows=12`; a single `cost=1..2` takes the second number.
fn field(s: &str, name: &str) -> Option<f64> {
    s.split_whitespace().find_map(|part| {
        let v = part.strip_prefix(name)?.strip_prefix('=')?;
        let v = v.split("..").last().unwrap_or(v);
        v.trim_end_matches(')').parse().ok()
    })
}

/// The word after `marker` (`on orders`, `using PRIMARY`).
fn after_word(s: &str, marker: &str) -> Option<String> {
    let at = s.find(marker)?;
    let w = s[at + marker.len()..].split_whitespace().next()?;
    let w = w.trim_end_matches([',', ':']);
    (!w.is_empty() && !w.starts_with('(')).then(|| w.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of MySQL 8.0 `EXPLAIN ANALYZE` output (MySQL reference
    /// manual, "Obtaining Execution Plan Information"); no MySQL server runs
    /// here to capture one, so this is written from the documented format.
    const SAMPLE: &str = "-> Limit: 5 row(s)  (cost=2.75 rows=5) (actual time=0.0612..0.0634 rows=5 loops=1)
    -> Sort: o.created_at, limit input to 5 row(s) per chunk  (cost=2.75 rows=25) (actual time=0.061..0.0623 rows=5 loops=1)
        -> Nested loop inner join  (cost=12.1 rows=25) (actual time=0.0304..0.0479 rows=25 loops=1)
            -> Index lookup on o using orders_customer_idx (customer_id=42)  (cost=2.75 rows=25) (actual time=0.0304..0.0479 rows=25 loops=1)
            -> Single-row index lookup on c using PRIMARY (id=o.customer_id)  (cost=0.25 rows=1) (actual time=0.001..0.001 rows=1 loops=25)
        -> Filter: (o.status = 'void')  (cost=0.25 rows=1) (never executed)
";

    #[test]
    fn parses_the_documented_tree() {
        let p = parse(SAMPLE).unwrap();
        assert!(p.analyzed);
        assert_eq!(p.root.kind, "Limit");
        let sort = &p.root.children[0];
        assert_eq!(sort.kind, "Sort");
        assert_eq!(sort.children.len(), 2);
        let join = &sort.children[0];
        assert_eq!(join.kind, "Nested loop inner join");
        let lookup = &join.children[0];
        assert_eq!(lookup.kind, "Index lookup");
        assert_eq!(lookup.relation.as_deref(), Some("o"));
        assert_eq!(lookup.index.as_deref(), Some("orders_customer_idx"));
        assert_eq!((lookup.est_rows, lookup.actual_rows), (Some(25.0), Some(25.0)));
        assert_eq!(lookup.est_cost, Some(2.75));
        let single = &join.children[1];
        assert_eq!(single.loops, Some(25.0));
        assert!((single.actual_ms.unwrap() - 0.025).abs() < 1e-9);
        assert!(sort.children[1].never_executed);
        assert_eq!(p.execution_ms, Some(0.0634));
    }
}
