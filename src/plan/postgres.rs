//! PostgreSQL `EXPLAIN (FORMAT JSON [, ANALYZE, BUFFERS])`.

use super::{Buffers, Plan, PlanError, PlanNode};
use crate::db::Engine;
use serde_json::{Map, Value as Json};

/// Parse the text of the single `QUERY PLAN` cell.
pub fn parse(text: &str, analyzed: bool) -> Result<Plan, PlanError> {
    let doc: Json = serde_json::from_str(text).map_err(|e| PlanError::Parse(format!("not JSON: {e}")))?;
    let top = doc
        .as_array()
        .and_then(|a| a.first())
        .and_then(Json::as_object)
        .ok_or_else(|| PlanError::Parse("expected a JSON array holding one plan object".into()))?;
    let root = top
        .get("Plan")
        .and_then(Json::as_object)
        .ok_or_else(|| PlanError::Parse("no \"Plan\" in the answer".into()))?;
    let mut notes = Vec::new();
    for t in top.get("Triggers").and_then(Json::as_array).into_iter().flatten() {
        if let (Some(name), Some(ms)) = (t.get("Trigger Name").and_then(Json::as_str), num(t.get("Time"))) {
            let calls = num(t.get("Calls")).unwrap_or(0.0);
            notes.push(format!("trigger {name}: {ms:.3} ms over {calls} calls"));
        }
    }
    if let Some(jit) = top.get("JIT").and_then(Json::as_object)
        && let Some(ms) = jit.get("Timing").and_then(|t| num(t.get("Total")))
    {
        notes.push(format!("JIT compilation: {ms:.3} ms"));
    }
    Ok(Plan {
        engine: Engine::Postgres,
        format: "postgres-json",
        analyzed,
        root: node(root, analyzed),
        planning_ms: num(top.get("Planning Time")),
        execution_ms: num(top.get("Execution Time")),
        notes,
    })
}

fn node(o: &Map<String, Json>, analyzed: bool) -> PlanNode {
    let mut n = PlanNode::new(kind(o));
    let rel = s(o, "Relation Name")
        .or_else(|| s(o, "CTE Name"))
        .or_else(|| s(o, "Function Name"))
        .or_else(|| s(o, "Tuplestore Name"));
    n.relation = match (s(o, "Schema"), rel) {
        (Some(schema), Some(r)) => Some(format!("{schema}.{r}")),
        (_, r) => r,
    };
    n.alias = s(o, "Alias").filter(|a| Some(a) != s(o, "Relation Name").as_ref() || n.relation.is_none());
    n.index = s(o, "Index Name");
    if let Some(rel) = s(o, "Parent Relationship").filter(|r| r != "Outer" && r != "Inner" && r != "Member") {
        let name = s(o, "Subplan Name").unwrap_or_default();
        n.detail(&rel, name);
    }
    for key in [
        "Index Cond",
        "Recheck Cond",
        "Hash Cond",
        "Merge Cond",
        "Join Filter",
        "Filter",
        "Cache Key",
    ] {
        if let Some(v) = s(o, key) {
            n.detail(key, v);
        }
    }
    for key in ["Sort Key", "Group Key", "Presorted Key"] {
        if let Some(list) = o.get(key).and_then(Json::as_array) {
            let items: Vec<&str> = list.iter().filter_map(Json::as_str).collect();
            n.detail(key, items.join(", "));
        }
    }
    if let Some(v) = s(o, "Sort Method") {
        n.detail("Sort Method", v);
    }
    for key in [
        "Rows Removed by Filter",
        "Rows Removed by Join Filter",
        "Rows Removed by Index Recheck",
        "Heap Fetches",
        "Workers Planned",
        "Workers Launched",
        "Peak Memory Usage",
        "Sort Space Used",
    ] {
        if let Some(v) = num(o.get(key)).filter(|v| *v != 0.0 || key.starts_with("Workers")) {
            n.detail(key, trim_num(v));
        }
    }
    n.est_rows = num(o.get("Plan Rows"));
    n.startup_cost = num(o.get("Startup Cost"));
    n.est_cost = num(o.get("Total Cost"));
    if analyzed {
        n.loops = num(o.get("Actual Loops"));
        n.never_executed = n.loops == Some(0.0);
        if !n.never_executed {
            n.actual_rows = num(o.get("Actual Rows"));
            n.actual_ms = num(o.get("Actual Total Time")).map(|t| t * n.loops.unwrap_or(1.0));
        }
    }
    n.buffers = buffers(o);
    n.children = o
        .get("Plans")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_object)
        .map(|c| node(c, analyzed))
        .collect();
    n
}

/// The operation named as psql names it (`Hash Left Join`, `HashAggregate`, `Parallel Seq Scan`).
fn kind(o: &Map<String, Json>) -> String {
    let ty = s(o, "Node Type").unwrap_or_else(|| "?".into());
    let mut k = match (ty.as_str(), s(o, "Strategy").as_deref()) {
        ("Aggregate", Some("Hashed")) => "HashAggregate".to_string(),
        ("Aggregate", Some("Sorted")) => "GroupAggregate".to_string(),
        ("Aggregate", Some("Mixed")) => "MixedAggregate".to_string(),
        ("SetOp", Some("Hashed")) => "HashSetOp".to_string(),
        ("ModifyTable", _) => s(o, "Operation").unwrap_or(ty.clone()),
        _ => ty.clone(),
    };
    if let Some(jt) = s(o, "Join Type").filter(|j| j != "Inner") {
        if ty == "Nested Loop" {
            k = format!("Nested Loop {jt} Join");
        } else if let Some(stem) = k.strip_suffix(" Join") {
            k = format!("{stem} {jt} Join");
        }
    }
    if let Some(cmd) = s(o, "Command").filter(|_| ty == "SetOp") {
        k = format!("{k} {cmd}");
    }
    if o.get("Parallel Aware").and_then(Json::as_bool) == Some(true) {
        k = format!("Parallel {k}");
    }
    if s(o, "Scan Direction").as_deref() == Some("Backward") {
        k = format!("{k} Backward");
    }
    k
}

fn buffers(o: &Map<String, Json>) -> Option<Buffers> {
    if !o.contains_key("Shared Hit Blocks") {
        return None;
    }
    let g = |k: &str| num(o.get(k)).unwrap_or(0.0) as u64;
    Some(Buffers {
        hit: g("Shared Hit Blocks") + g("Local Hit Blocks"),
        read: g("Shared Read Blocks") + g("Local Read Blocks"),
        dirtied: g("Shared Dirtied Blocks") + g("Local Dirtied Blocks"),
        written: g("Shared Written Blocks") + g("Local Written Blocks"),
        temp: g("Temp Read Blocks") + g("Temp Written Blocks"),
    })
}

fn s(o: &Map<String, Json>, key: &str) -> Option<String> {
    o.get(key).and_then(Json::as_str).map(str::to_string)
}

/// A number that servers send as a JSON number or as a string.
pub(super) fn num(v: Option<&Json>) -> Option<f64> {
    match v? {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `25` rather than `25.0`; fractions kept.
pub(super) fn trim_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}
