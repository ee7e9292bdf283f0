//! What a reader of a plan looks for first: where the time goes (or, without
//! ANALYZE, the cost), which estimates are off by an order of magnitude, and
//! the path from the top to the slowest step.

use super::{Plan, PlanNode};
use serde::Serialize;

/// Estimates this many times off the actual rows (either way) are marked.
pub const MISESTIMATE_FACTOR: f64 = 10.0;
/// At most this many nodes are marked slow.
const MAX_SLOW: usize = 3;
/// A node is marked slow when its own share of the total is at least this.
const SLOW_SHARE: f64 = 0.10;

/// Derived facts about one node, in the order of [`PlanNode::walk`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NodeFacts {
    /// Depth below the root (root = 0).
    pub depth: usize,
    /// Index of the parent node.
    pub parent: Option<usize>,
    /// Time spent in this node alone (its time minus its children's), in ms.
    pub self_ms: Option<f64>,
    /// Cost of this node alone (its cost minus its children's).
    pub self_cost: Option<f64>,
    /// Share of the whole plan's time (or cost, without ANALYZE) spent in this node alone, 0..=1.
    pub share: Option<f64>,
    /// Among the nodes that take the most time (or cost).
    pub slow: bool,
    /// Actual rows / estimated rows, when off by [`MISESTIMATE_FACTOR`] or more.
    pub misestimate: Option<f64>,
    /// On the path from the root to the slowest node.
    pub on_slowest_path: bool,
}

/// Facts about every node of a plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Analysis {
    /// One entry per node, in walk order.
    pub nodes: Vec<NodeFacts>,
    /// The node with the largest own share, if any stands out.
    pub slowest: Option<usize>,
    /// `time` when shares are of measured time, `cost` when of estimated cost.
    pub basis: Option<&'static str>,
}

/// Analyse a plan.
pub fn analyze(plan: &Plan) -> Analysis {
    let nodes = plan.root.walk();
    let mut facts = structure(&plan.root, nodes.len());
    // Shares say something only when at least two steps are measured.
    let by_time = plan.analyzed && nodes.iter().filter(|n| n.actual_ms.is_some()).count() > 1;
    let by_cost = !by_time && nodes.iter().filter(|n| n.est_cost.is_some()).count() > 1;
    for (i, n) in nodes.iter().enumerate() {
        facts[i].self_ms = own(n, |c| c.actual_ms);
        facts[i].self_cost = own(n, |c| c.est_cost);
        facts[i].misestimate = misestimate(n, under_limit(&nodes, &facts, i));
    }
    let (basis, total) = if by_time {
        (Some("time"), total_of(&nodes, &facts, |f| f.self_ms))
    } else if by_cost {
        (Some("cost"), total_of(&nodes, &facts, |f| f.self_cost))
    } else {
        (None, 0.0)
    };
    if total > 0.0 {
        for f in &mut facts {
            let own = if by_time { f.self_ms } else { f.self_cost };
            f.share = own.map(|v| (v / total).clamp(0.0, 1.0));
        }
    }
    let mut ranked: Vec<usize> = (0..facts.len()).filter(|i| facts[*i].share.is_some()).collect();
    ranked.sort_by(|a, b| {
        let (x, y) = (facts[*a].share.unwrap_or(0.0), facts[*b].share.unwrap_or(0.0));
        y.total_cmp(&x).then(a.cmp(b))
    });
    let slowest = ranked.first().copied().filter(|i| facts[*i].share.unwrap_or(0.0) > 0.0);
    for (rank, i) in ranked.iter().enumerate() {
        let share = facts[*i].share.unwrap_or(0.0);
        facts[*i].slow = share > 0.0 && rank < MAX_SLOW && (rank == 0 || share >= SLOW_SHARE);
    }
    let mut at = slowest;
    while let Some(i) = at {
        facts[i].on_slowest_path = true;
        at = facts[i].parent;
    }
    Analysis {
        nodes: facts,
        slowest,
        basis,
    }
}

/// Depth and parent of every node, in walk order.
fn structure(root: &PlanNode, len: usize) -> Vec<NodeFacts> {
    let mut facts = Vec::with_capacity(len);
    let mut stack: Vec<(&PlanNode, usize, Option<usize>)> = vec![(root, 0, None)];
    while let Some((n, depth, parent)) = stack.pop() {
        let me = facts.len();
        facts.push(NodeFacts {
            depth,
            parent,
            ..NodeFacts::default()
        });
        for c in n.children.iter().rev() {
            stack.push((c, depth + 1, Some(me)));
        }
    }
    facts
}

/// A node's own share of a measure that includes its children.
fn own(n: &PlanNode, measure: impl Fn(&PlanNode) -> Option<f64>) -> Option<f64> {
    let mine = measure(n)?;
    let below: f64 = n.children.iter().filter_map(&measure).sum();
    Some((mine - below).max(0.0))
}

fn total_of(nodes: &[&PlanNode], facts: &[NodeFacts], own: impl Fn(&NodeFacts) -> Option<f64>) -> f64 {
    let sum: f64 = facts.iter().filter_map(own).sum();
    // The root's inclusive figure is the better total when the server gives one.
    let root = nodes.first().and_then(|r| r.actual_ms.or(r.est_cost)).unwrap_or(0.0);
    sum.max(root)
}

/// Below a LIMIT a step may stop early, so fewer rows than estimated is expected there.
fn under_limit(nodes: &[&PlanNode], facts: &[NodeFacts], i: usize) -> bool {
    let mut at = facts[i].parent;
    while let Some(p) = at {
        if nodes[p].kind.to_ascii_lowercase().starts_with("limit") {
            return true;
        }
        at = facts[p].parent;
    }
    false
}

fn misestimate(n: &PlanNode, under_limit: bool) -> Option<f64> {
    if n.never_executed || n.loops == Some(0.0) {
        return None;
    }
    let (est, actual) = (n.est_rows?, n.actual_rows?);
    if under_limit && actual < est {
        return None;
    }
    let ratio = actual.max(1.0) / est.max(1.0);
    (ratio >= MISESTIMATE_FACTOR || ratio <= 1.0 / MISESTIMATE_FACTOR).then_some(ratio)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Engine;

    fn node(kind: &str, ms: f64, est: f64, actual: f64, children: Vec<PlanNode>) -> PlanNode {
        PlanNode {
            kind: kind.into(),
            actual_ms: Some(ms),
            est_rows: Some(est),
            actual_rows: Some(actual),
            loops: Some(1.0),
            children,
            ..PlanNode::default()
        }
    }

    fn plan(root: PlanNode) -> Plan {
        Plan {
            engine: Engine::Postgres,
            format: "test",
            analyzed: true,
            root,
            planning_ms: None,
            execution_ms: None,
            notes: Vec::new(),
        }
    }

    #[test]
    fn self_time_marks_the_slowest_path_and_misestimates() {
        let scan_a = node("Seq Scan", 80.0, 5.0, 500.0, vec![]);
        let scan_b = node("Index Scan", 5.0, 10.0, 12.0, vec![]);
        let join = node("Hash Join", 95.0, 5.0, 5.0, vec![scan_a, scan_b]);
        let a = analyze(&plan(node("Sort", 100.0, 5.0, 5.0, vec![join])));
        assert_eq!(a.basis, Some("time"));
        assert_eq!(a.slowest, Some(2), "{a:#?}");
        assert!((a.nodes[2].share.unwrap() - 0.8).abs() < 1e-9);
        assert!(a.nodes[2].slow && a.nodes[1].slow && !a.nodes[3].slow);
        assert_eq!(
            a.nodes.iter().map(|f| f.on_slowest_path).collect::<Vec<_>>(),
            vec![true, true, true, false]
        );
        assert_eq!(a.nodes[2].misestimate, Some(100.0));
        assert_eq!(a.nodes[3].misestimate, None);
        assert_eq!(a.nodes[3].depth, 2);
    }

    #[test]
    fn fewer_rows_under_a_limit_is_not_a_misestimate() {
        let scan = node("Seq Scan", 1.0, 50_000.0, 5.0, vec![]);
        let a = analyze(&plan(node("Limit", 1.0, 5.0, 5.0, vec![scan])));
        assert_eq!(a.nodes[1].misestimate, None);
        let scan = node("Seq Scan", 1.0, 50_000.0, 5.0, vec![]);
        let a = analyze(&plan(node("Sort", 1.0, 5.0, 5.0, vec![scan])));
        assert!(a.nodes[1].misestimate.is_some_and(|r| r < 0.1));
    }

    #[test]
    fn without_analyze_cost_decides() {
        let mut scan = PlanNode::new("Seq Scan");
        scan.est_cost = Some(900.0);
        let mut top = PlanNode::new("Aggregate");
        top.est_cost = Some(1000.0);
        top.children.push(scan);
        let mut p = plan(top);
        p.analyzed = false;
        let a = analyze(&p);
        assert_eq!((a.basis, a.slowest), (Some("cost"), Some(1)));
        assert_eq!(a.nodes[0].misestimate, None);
    }
}
