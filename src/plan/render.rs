//! Plans as text: one line per node for the TUI tree and the CLI, with the
//! marks of the analysis. Server text is sanitized here, where it is drawn.

use super::{Analysis, NodeFacts, Plan, PlanNode};
use crate::sanitize::sanitize;

/// `0.042 ms`, `17.5 ms`, `2.31 s`.
pub fn fmt_ms(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.3} ms")
    }
}

/// Whole rows as integers, fractional averages with two decimals.
pub fn fmt_rows(r: f64) -> String {
    if r.fract() == 0.0 || r >= 100.0 {
        group(r.round().max(0.0) as usize)
    } else {
        format!("{r:.2}")
    }
}

/// What the node does and on what: `Index Scan on orders o using orders_pkey`.
pub fn node_title(n: &PlanNode) -> String {
    let mut s = n.kind.clone();
    if let Some(r) = &n.relation {
        s.push_str(" on ");
        s.push_str(r);
        if let Some(a) = &n.alias {
            s.push(' ');
            s.push_str(a);
        }
    } else if let Some(a) = &n.alias {
        s.push_str(" (");
        s.push_str(a);
        s.push(')');
    }
    if let Some(i) = &n.index {
        s.push_str(" using ");
        s.push_str(i);
    }
    sanitize(&s).into_owned()
}

/// Numbers of a node: estimates, actuals, buffers.
pub fn node_metrics(n: &PlanNode) -> String {
    let mut parts = Vec::new();
    let mut est = Vec::new();
    if let Some(r) = n.est_rows {
        est.push(format!("rows {}", fmt_rows(r)));
    }
    if let Some(c) = n.est_cost {
        est.push(format!("cost {c:.2}"));
    }
    if !est.is_empty() {
        parts.push(format!("est {}", est.join(" ")));
    }
    if n.never_executed {
        parts.push("never executed".to_string());
    } else {
        let mut act = Vec::new();
        if let Some(r) = n.actual_rows {
            act.push(format!("rows {}", fmt_rows(r)));
        }
        if let Some(l) = n.loops.filter(|l| *l != 1.0) {
            act.push(format!("loops {}", fmt_rows(l)));
        }
        if let Some(ms) = n.actual_ms {
            act.push(format!("time {}", fmt_ms(ms)));
        }
        if !act.is_empty() {
            parts.push(format!("actual {}", act.join(" ")));
        }
    }
    if let Some(b) = n.buffers.filter(|b| !b.is_zero()) {
        let mut bs = Vec::new();
        for (name, v) in [
            ("hit", b.hit),
            ("read", b.read),
            ("dirtied", b.dirtied),
            ("written", b.written),
            ("temp", b.temp),
        ] {
            if v > 0 {
                bs.push(format!("{name} {v}"));
            }
        }
        parts.push(format!("buffers {}", bs.join(" ")));
    }
    parts.join(" · ")
}

/// Marks from the analysis: `slow 62%`, `rows 100x over estimate`.
pub fn node_marks(f: &NodeFacts, basis: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    if f.slow
        && let Some(share) = f.share
    {
        let word = if basis == Some("cost") { "costly" } else { "slow" };
        out.push(format!("{word} {:.0}%", share * 100.0));
    }
    if let Some(r) = f.misestimate {
        out.push(if r >= 1.0 {
            format!("rows {}x over estimate", fmt_factor(r))
        } else {
            format!("rows {}x under estimate", fmt_factor(1.0 / r))
        });
    }
    out
}

fn fmt_factor(r: f64) -> String {
    if r >= 100.0 {
        group(r.round() as usize)
    } else {
        format!("{r:.0}")
    }
}

/// Title, metrics and marks on one line (the CLI tree and the TUI share it).
pub fn node_summary(n: &PlanNode, f: &NodeFacts, basis: Option<&str>) -> String {
    let mut s = node_title(n);
    let m = node_metrics(n);
    if !m.is_empty() {
        s.push_str("  ");
        s.push_str(&m);
    }
    for mark in node_marks(f, basis) {
        s.push_str("  [");
        s.push_str(&mark);
        s.push(']');
    }
    s
}

/// A header line: engine, mode, totals.
pub fn plan_header(p: &Plan) -> String {
    let engine = match p.format {
        "mariadb-json" => "MariaDB",
        "mysql-json" | "mysql-tree" => "MySQL",
        _ => match p.engine {
            crate::db::Engine::Postgres => "PostgreSQL",
            crate::db::Engine::Mysql => "MySQL",
            crate::db::Engine::Sqlite => "SQLite",
        },
    };
    let mode = if p.analyzed { "EXPLAIN ANALYZE" } else { "EXPLAIN" };
    let mut s = format!("{engine} {mode}");
    if let Some(ms) = p.planning_ms {
        s.push_str(&format!(" · planning {}", fmt_ms(ms)));
    }
    if let Some(ms) = p.execution_ms {
        s.push_str(&format!(" · execution {}", fmt_ms(ms)));
    }
    s
}

/// The whole plan as an indented tree with details under each node.
pub fn render_text(p: &Plan, a: &Analysis) -> String {
    let nodes = p.root.walk();
    let mut out = plan_header(p);
    out.push('\n');
    // Whether each depth still has siblings below, for the rules.
    let mut open: Vec<bool> = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        let f = &a.nodes[i];
        let last = is_last_child(&a.nodes, i);
        open.truncate(f.depth);
        let mut prefix = String::new();
        for (d, more) in open.iter().enumerate() {
            if d > 0 {
                prefix.push_str(if *more { "│  " } else { "   " });
            }
        }
        let branch = if f.depth == 0 {
            ""
        } else if last {
            "└─ "
        } else {
            "├─ "
        };
        out.push_str(&format!("{prefix}{branch}{}\n", node_summary(n, f, a.basis)));
        open.push(!last);
        let mut pad = prefix.clone();
        if f.depth > 0 {
            pad.push_str(if last { "   " } else { "│  " });
        }
        let rule = if n.children.is_empty() { "   " } else { "│  " };
        for (k, v) in &n.details {
            out.push_str(&format!("{pad}{rule}{}: {}\n", sanitize(k), sanitize(v)));
        }
    }
    for note in &p.notes {
        out.push_str(&format!("note: {}\n", sanitize(note)));
    }
    let mut legend = Vec::new();
    if let Some(basis) = a.basis {
        let word = if basis == "cost" { "costly" } else { "slow" };
        legend.push(format!(
            "[{word} N%] = share of the total {basis} spent in the step itself"
        ));
    }
    if a.nodes.iter().any(|f| f.misestimate.is_some()) {
        legend.push("[rows Nx ...] = actual rows off the estimate by 10x or more".to_string());
    }
    if !legend.is_empty() {
        out.push_str(&legend.join("; "));
        out.push('\n');
    }
    out
}

/// True when no later node shares this node's parent.
fn is_last_child(facts: &[NodeFacts], i: usize) -> bool {
    let parent = facts[i].parent;
    facts[i + 1..]
        .iter()
        .take_while(|f| f.depth >= facts[i].depth)
        .all(|f| f.depth > facts[i].depth || f.parent != parent)
}

/// 12345678 -> 12,345,678.
fn group(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
