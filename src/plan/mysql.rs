//! MariaDB `EXPLAIN FORMAT=JSON` / `ANALYZE FORMAT=JSON` and MySQL
//! `EXPLAIN FORMAT=JSON`: nested objects (`query_block`, `nested_loop`,
//! `table`, `filesort`, ...) become plan nodes in the order the server lists them.

use super::postgres::{num, trim_num};
use super::{Buffers, Plan, PlanError, PlanNode};
use crate::db::Engine;
use serde_json::{Map, Value as Json};

/// Parse the JSON document a MariaDB or MySQL server returned.
pub fn parse(text: &str, analyzed: bool, mariadb: bool) -> Result<Plan, PlanError> {
    let doc: Json = serde_json::from_str(text).map_err(|e| PlanError::Parse(format!("not JSON: {e}")))?;
    let top = doc
        .as_object()
        .ok_or_else(|| PlanError::Parse("expected a JSON object".into()))?;
    let qb = top
        .get("query_block")
        .and_then(Json::as_object)
        .ok_or_else(|| PlanError::Parse("no \"query_block\" in the answer".into()))?;
    let root = query_block(qb);
    let planning_ms = top
        .get("query_optimization")
        .and_then(|o| num(o.get("r_total_time_ms")));
    Ok(Plan {
        engine: Engine::Mysql,
        format: if mariadb { "mariadb-json" } else { "mysql-json" },
        analyzed,
        execution_ms: root.actual_ms.filter(|_| analyzed),
        root,
        planning_ms,
        notes: Vec::new(),
    })
}

fn query_block(qb: &Map<String, Json>) -> PlanNode {
    let mut kind = match num(qb.get("select_id")) {
        Some(id) => format!("Query block #{}", trim_num(id)),
        None => "Query block".to_string(),
    };
    if let Some(op) = qb.get("operation").and_then(Json::as_str) {
        kind = format!("{kind} ({op})");
    }
    let mut n = PlanNode::new(kind);
    for key in ["having_condition", "filesort_key", "message"] {
        if let Some(v) = text(qb.get(key)) {
            n.detail(label(key), v);
        }
    }
    n.est_cost = qb.get("cost_info").and_then(|c| num(c.get("query_cost")));
    n.loops = num(qb.get("r_loops"));
    n.children = contents(qb);
    let given = num(qb.get("r_total_time_ms"));
    n.actual_ms = inclusive(None, given, &n.children);
    n.never_executed = n.loops == Some(0.0);
    n
}

/// Every plan step an object holds, in the server's order.
fn contents(o: &Map<String, Json>) -> Vec<PlanNode> {
    let mut out = Vec::new();
    for (key, v) in o {
        match (key.as_str(), v) {
            ("query_block", Json::Object(qb)) => out.push(query_block(qb)),
            ("table", Json::Object(t)) => out.push(table(t)),
            ("nested_loop", Json::Array(items)) => {
                let steps: Vec<PlanNode> = items.iter().filter_map(Json::as_object).flat_map(contents).collect();
                if steps.len() > 1 {
                    let mut n = PlanNode::new("Nested loop");
                    n.actual_ms = inclusive(None, None, &steps);
                    n.children = steps;
                    out.push(n);
                } else {
                    out.extend(steps);
                }
            }
            (_, Json::Object(inner)) => {
                if let Some(kind) = container_kind(key) {
                    out.push(container(kind, inner));
                } else {
                    out.extend(contents(inner));
                }
            }
            (_, Json::Array(items)) => {
                let steps: Vec<PlanNode> = items.iter().filter_map(Json::as_object).flat_map(contents).collect();
                match subquery_kind(key) {
                    Some(kind) if !steps.is_empty() => {
                        let mut n = PlanNode::new(kind);
                        n.actual_ms = inclusive(None, None, &steps);
                        n.children = steps;
                        out.push(n);
                    }
                    _ => out.extend(steps),
                }
            }
            _ => {}
        }
    }
    out
}

fn container_kind(key: &str) -> Option<&'static str> {
    Some(match key {
        "filesort" => "Sort",
        "read_sorted_file" => "Read sorted file",
        "temporary_table" => "Temporary table",
        "union_result" => "Union",
        "expression_cache" => "Expression cache",
        "materialized" => "Materialize",
        "duplicates_removal" => "Remove duplicates",
        "ordering_operation" => "Order",
        "grouping_operation" => "Group",
        "windowing" => "Window",
        "buffer_result" => "Buffer result",
        "block-nl-join" | "block_nl_join" => "Block nested loop join",
        "range-checked-for-each-record" => "Range checked for each record",
        "window_functions_computation" => "Window functions",
        _ => return None,
    })
}

fn subquery_kind(key: &str) -> Option<&'static str> {
    Some(match key {
        "subqueries" => "Subqueries",
        "attached_subqueries" => "Attached subqueries",
        "select_list_subqueries" => "Select list subqueries",
        "order_by_subqueries" => "ORDER BY subqueries",
        "group_by_subqueries" => "GROUP BY subqueries",
        "having_subqueries" => "HAVING subqueries",
        "update_value_subqueries" => "SET subqueries",
        "optimized_away_subqueries" => "Optimized-away subqueries",
        _ => return None,
    })
}

fn container(kind: &str, o: &Map<String, Json>) -> PlanNode {
    let mut n = PlanNode::new(kind);
    for key in [
        "sort_key",
        "table_name",
        "state",
        "r_hit_ratio",
        "join_type",
        "buffer_type",
        "buffer_size",
        "using_filesort",
        "using_temporary_table",
        "attached_condition",
        "r_sort_mode",
        "r_used_priority_queue",
    ] {
        if let Some(v) = text(o.get(key)) {
            n.detail(label(key), v);
        }
    }
    n.loops = num(o.get("r_loops"));
    n.actual_rows = num(o.get("r_output_rows"));
    n.children = contents(o);
    n.actual_ms = inclusive(num(o.get("r_total_time_ms")), None, &n.children);
    n.never_executed = n.loops == Some(0.0) && kind != "Expression cache";
    n
}

fn table(t: &Map<String, Json>) -> PlanNode {
    let access = t.get("access_type").and_then(Json::as_str).unwrap_or("");
    let mut kind = access_kind(access).to_string();
    for (flag, verb) in [("update", "Update"), ("delete", "Delete")] {
        if t.get(flag)
            .is_some_and(|v| v.as_bool() == Some(true) || num(Some(v)) == Some(1.0))
        {
            kind = format!("{verb} · {kind}");
        }
    }
    let mut n = PlanNode::new(kind);
    n.relation = t.get("table_name").and_then(Json::as_str).map(str::to_string);
    n.index = t.get("key").and_then(Json::as_str).map(str::to_string);
    if !access.is_empty() {
        n.detail("access", access);
    }
    for key in [
        "attached_condition",
        "index_condition",
        "ref",
        "used_key_parts",
        "possible_keys",
        "using_index",
        "distinct",
        "first_match",
        "loose_scan",
        "message",
    ] {
        if let Some(v) = text(t.get(key)) {
            n.detail(label(key), v);
        }
    }
    let filtered = num(t.get("filtered")).unwrap_or(100.0) / 100.0;
    let examined = num(t.get("rows")).or_else(|| num(t.get("rows_examined_per_scan")));
    n.est_rows = examined.map(|r| r * filtered);
    if let Some(c) = t.get("cost_info").and_then(Json::as_object) {
        let own = num(c.get("read_cost")).unwrap_or(0.0) + num(c.get("eval_cost")).unwrap_or(0.0);
        n.est_cost = Some(own);
    }
    n.loops = num(t.get("r_loops"));
    n.never_executed = n.loops == Some(0.0);
    if let Some(r) = num(t.get("r_rows")).filter(|_| !n.never_executed) {
        let r_filtered = num(t.get("r_filtered")).unwrap_or(100.0) / 100.0;
        n.actual_rows = Some(r * r_filtered);
        if let Some(e) = examined {
            n.detail("rows examined", format!("est {} actual {}", trim_num(e), trim_num(r)));
        }
    }
    n.buffers = t.get("r_engine_stats").and_then(Json::as_object).and_then(pages);
    n.children = contents_of_table(t);
    let own = match (num(t.get("r_table_time_ms")), num(t.get("r_other_time_ms"))) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
    };
    n.actual_ms = inclusive(own, None, &n.children);
    if let Some(c) = n.est_cost {
        n.est_cost = Some(c + n.children.iter().filter_map(|c| c.est_cost).sum::<f64>());
    }
    n
}

/// Steps nested in a table entry (materialized derived tables, subqueries).
fn contents_of_table(t: &Map<String, Json>) -> Vec<PlanNode> {
    let mut inner = t.clone();
    inner.remove("r_engine_stats");
    inner.remove("cost_info");
    contents(&inner)
}

fn access_kind(access: &str) -> &str {
    match access {
        "ALL" => "Full table scan",
        "index" => "Full index scan",
        "range" => "Index range scan",
        "ref" => "Index lookup",
        "eq_ref" => "Unique index lookup",
        "const" => "Constant row",
        "system" => "System row",
        "ref_or_null" => "Index lookup or NULL",
        "index_merge" => "Index merge",
        "fulltext" => "Full-text search",
        "unique_subquery" => "Unique subquery lookup",
        "index_subquery" => "Index subquery lookup",
        "" => "Table",
        a if a.starts_with("hash") => "Hash join",
        other => other,
    }
}

/// MariaDB's `r_engine_stats`: pages accessed, read and changed.
fn pages(o: &Map<String, Json>) -> Option<Buffers> {
    let g = |k: &str| num(o.get(k)).unwrap_or(0.0) as u64;
    let read = g("pages_read_count");
    let b = Buffers {
        hit: g("pages_accessed").saturating_sub(read),
        read,
        dirtied: g("pages_updated"),
        written: 0,
        temp: 0,
    };
    (!b.is_zero()).then_some(b)
}

/// Time of a step with its children: what the server gives as inclusive,
/// or its own time plus its children's.
fn inclusive(own: Option<f64>, given: Option<f64>, children: &[PlanNode]) -> Option<f64> {
    let below: Option<f64> = children
        .iter()
        .filter_map(|c| c.actual_ms)
        .fold(None, |acc, t| Some(acc.unwrap_or(0.0) + t));
    match (own, given, below) {
        (_, Some(g), b) => Some(g.max(b.unwrap_or(0.0))),
        (Some(o), _, b) => Some(o + b.unwrap_or(0.0)),
        (None, None, b) => b,
    }
}

fn label(key: &str) -> &str {
    match key {
        "attached_condition" => "condition",
        "index_condition" => "index condition",
        "used_key_parts" => "key parts",
        "possible_keys" => "possible keys",
        "using_index" => "covering index",
        "having_condition" => "having",
        "sort_key" => "sort key",
        "table_name" => "table",
        "r_hit_ratio" => "hit ratio %",
        "r_sort_mode" => "sort mode",
        "r_used_priority_queue" => "priority queue",
        other => other,
    }
}

/// Scalars and lists of scalars as text.
fn text(v: Option<&Json>) -> Option<String> {
    match v? {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(if *b { "yes" } else { "no" }.into()),
        Json::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(|i| text(Some(i))).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        _ => None,
    }
}
