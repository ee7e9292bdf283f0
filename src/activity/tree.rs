//! Blocking trees from "who waits on whom": roots are sessions others wait
//! on that wait on nobody; a wait cycle with no such root (a deadlock the
//! server has not broken yet) is rooted at its lowest id and marked.

use super::model::{BlockNode, BlockTree, SessionInfo};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Build the blocking trees of `sessions`, most victims first.
pub fn build(sessions: &[SessionInfo]) -> Vec<BlockTree> {
    // blocker -> its direct waiters, in id order.
    let mut waiters: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    let mut waiting: BTreeSet<i64> = BTreeSet::new();
    for s in sessions {
        for b in &s.blocked_by {
            if *b != s.id {
                waiters.entry(*b).or_default().insert(s.id);
                waiting.insert(s.id);
            }
        }
    }
    let by_id: HashMap<i64, &SessionInfo> = sessions.iter().map(|s| (s.id, s)).collect();
    let mut trees: Vec<BlockTree> = waiters
        .keys()
        .filter(|b| !waiting.contains(b))
        .map(|&root| grow(root, false, &waiters, &by_id))
        .collect();
    // Waiters not reachable from any root sit in a cycle.
    let mut covered: BTreeSet<i64> = BTreeSet::new();
    for t in &trees {
        collect_ids(&t.waiters, &mut covered);
    }
    for &w in &waiting {
        if covered.contains(&w) {
            continue;
        }
        let tree = grow(w, true, &waiters, &by_id);
        covered.insert(w);
        collect_ids(&tree.waiters, &mut covered);
        trees.push(tree);
    }
    let age = |id: i64| by_id.get(&id).and_then(|s| s.busy_age()).unwrap_or(0.0);
    trees.sort_by(|a, b| {
        b.victims
            .cmp(&a.victims)
            .then(age(b.root).total_cmp(&age(a.root)))
            .then(a.root.cmp(&b.root))
    });
    trees
}

/// Breadth first from `root`, so each waiter sits under the blocker nearest the root, once.
fn grow(
    root: i64,
    cycle: bool,
    waiters: &BTreeMap<i64, BTreeSet<i64>>,
    by_id: &HashMap<i64, &SessionInfo>,
) -> BlockTree {
    let mut seen: BTreeSet<i64> = BTreeSet::from([root]);
    let mut parent: BTreeMap<i64, i64> = BTreeMap::new();
    let mut order: Vec<i64> = Vec::new();
    let mut frontier = vec![root];
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for b in frontier {
            for &w in waiters.get(&b).into_iter().flatten() {
                if seen.insert(w) {
                    parent.insert(w, b);
                    order.push(w);
                    next.push(w);
                }
            }
        }
        frontier = next;
    }
    BlockTree {
        root,
        victims: order.len(),
        cycle,
        waiters: children(root, &parent, &order, by_id),
    }
}

fn children(of: i64, parent: &BTreeMap<i64, i64>, order: &[i64], by_id: &HashMap<i64, &SessionInfo>) -> Vec<BlockNode> {
    order
        .iter()
        .filter(|w| parent.get(w) == Some(&of))
        .map(|&w| BlockNode {
            id: w,
            lock: by_id.get(&w).and_then(|s| s.waiting_for.clone()),
            waiters: children(w, parent, order, by_id),
        })
        .collect()
}

fn collect_ids(nodes: &[BlockNode], into: &mut BTreeSet<i64>) {
    for n in nodes {
        into.insert(n.id);
        collect_ids(&n.waiters, into);
    }
}

/// A tree as lines for drawing: (depth, node), depth 1 for direct waiters.
pub fn flatten(tree: &BlockTree) -> Vec<(usize, &BlockNode)> {
    fn walk<'a>(nodes: &'a [BlockNode], depth: usize, out: &mut Vec<(usize, &'a BlockNode)>) {
        for n in nodes {
            out.push((depth, n));
            walk(&n.waiters, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(&tree.waiters, 1, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(id: i64, blocked_by: &[i64]) -> SessionInfo {
        SessionInfo {
            id,
            state: "active".into(),
            blocked_by: blocked_by.to_vec(),
            ..Default::default()
        }
    }

    fn shape(t: &BlockTree) -> Vec<(usize, i64)> {
        flatten(t).into_iter().map(|(d, n)| (d, n.id)).collect()
    }

    #[test]
    fn chain_and_fan_out_have_one_root() {
        // Postgres row lock: B waits on A's transaction, C on B's tuple lock.
        let t = build(&[s(1, &[]), s(2, &[1]), s(3, &[2]), s(9, &[])]);
        assert_eq!(t.len(), 1);
        assert_eq!((t[0].root, t[0].victims, t[0].cycle), (1, 2, false));
        assert_eq!(shape(&t[0]), vec![(1, 2), (2, 3)]);
        // InnoDB: both wait on A, and C also on B's queued request; C is listed once.
        let t = build(&[s(1, &[]), s(2, &[1]), s(3, &[1, 2])]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].victims, 2);
        assert_eq!(shape(&t[0]), vec![(1, 2), (1, 3)]);
    }

    #[test]
    fn most_victims_first_and_shared_waiters_counted_in_both() {
        let t = build(&[s(1, &[]), s(2, &[]), s(3, &[1]), s(4, &[2]), s(5, &[2]), s(6, &[1, 2])]);
        assert_eq!(
            t.iter().map(|t| (t.root, t.victims)).collect::<Vec<_>>(),
            vec![(2, 3), (1, 2)]
        );
    }

    #[test]
    fn cycles_get_a_marked_root_and_terminate() {
        let t = build(&[s(1, &[2]), s(2, &[1]), s(3, &[2])]);
        assert_eq!(t.len(), 1);
        assert!(t[0].cycle);
        assert_eq!(t[0].root, 1);
        assert_eq!(t[0].victims, 2);
        assert!(build(&[s(1, &[1])]).is_empty(), "self-waits are ignored");
    }

    #[test]
    fn blockers_not_in_the_list_still_root_a_tree() {
        // The blocker may be a session the collector cannot see (another user, a prepared transaction).
        let t = build(&[s(2, &[77])]);
        assert_eq!((t[0].root, t[0].victims), (77, 1));
    }
}
