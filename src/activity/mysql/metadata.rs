//! Who holds the metadata lock a session waits for (the classic pile-up:
//! a long transaction, an ALTER TABLE waiting behind it, every query on the
//! table waiting behind the ALTER). MariaDB reports it only in
//! performance_schema.metadata_locks, with the `wait/lock/metadata/sql/mdl`
//! instrument on; otherwise the waiters stay marked and a note says how.

use crate::activity::row::Row;
use crate::activity::{LockInfo, Meter, Snapshot};
use crate::db::{DbResult, Session};
use std::collections::HashMap;

/// Pending metadata locks and the other threads holding a granted lock on
/// the same object (what `sys.schema_table_lock_waits` also reports).
const WAITS: &str =
    "SELECT wt.PROCESSLIST_ID, bt.PROCESSLIST_ID, w.LOCK_TYPE, w.OBJECT_TYPE, w.OBJECT_SCHEMA, w.OBJECT_NAME
FROM performance_schema.metadata_locks w
JOIN performance_schema.threads wt ON wt.THREAD_ID = w.OWNER_THREAD_ID
JOIN performance_schema.metadata_locks b
  ON b.OBJECT_TYPE = w.OBJECT_TYPE AND b.OBJECT_SCHEMA <=> w.OBJECT_SCHEMA AND b.OBJECT_NAME <=> w.OBJECT_NAME
  AND b.LOCK_STATUS = 'GRANTED' AND b.OWNER_THREAD_ID <> w.OWNER_THREAD_ID
JOIN performance_schema.threads bt ON bt.THREAD_ID = b.OWNER_THREAD_ID
WHERE w.LOCK_STATUS = 'PENDING' AND wt.PROCESSLIST_ID IS NOT NULL AND bt.PROCESSLIST_ID IS NOT NULL";

const INSTRUMENT_HINT: &str = "sessions waiting for a metadata lock are marked; to see who holds it, turn on the instrument: UPDATE performance_schema.setup_instruments SET ENABLED = 'YES', TIMED = 'YES' WHERE NAME = 'wait/lock/metadata/sql/mdl'";

const PERFORMANCE_SCHEMA_HINT: &str = "sessions waiting for a metadata lock are marked; MariaDB names who holds it only with performance_schema=ON (server configuration, restart) and the wait/lock/metadata/sql/mdl instrument";

/// True when a session of `snap` waits for a metadata lock.
pub(super) fn anyone_waits(snap: &Snapshot) -> bool {
    snap.sessions
        .iter()
        .any(|s| s.wait.as_deref().is_some_and(|w| w.contains("metadata lock")))
}

/// Fill in blockers of metadata-lock waiters, or say how to see them.
pub(super) async fn waits(
    session: &mut dyn Session,
    meter: &mut Meter,
    snap: &mut Snapshot,
    performance_schema: bool,
) -> DbResult<()> {
    if !performance_schema {
        snap.notes.push(PERFORMANCE_SCHEMA_HINT.into());
        return Ok(());
    }
    let rows = match meter.query(session, WAITS).await {
        Ok((_, rows)) => rows,
        Err(e) => {
            snap.notes.push(format!(
                "metadata lock owners are not readable ({}); {PERFORMANCE_SCHEMA_HINT}",
                e.message
            ));
            return Ok(());
        }
    };
    if rows.is_empty() {
        snap.notes.push(INSTRUMENT_HINT.into());
        return Ok(());
    }
    let mut edges: HashMap<i64, (Vec<i64>, LockInfo)> = HashMap::new();
    for r in &rows {
        let r = Row(r);
        let (Some(waiter), Some(blocker)) = (r.i64(0), r.i64(1)) else {
            continue;
        };
        let kind = r.text(3).unwrap_or_else(|| "TABLE".into());
        let name = match (r.text(4), r.text(5)) {
            (Some(s), Some(n)) => format!("`{s}`.`{n}`"),
            (s, n) => s.or(n).unwrap_or_default(),
        };
        let e = edges.entry(waiter).or_insert_with(|| {
            (
                Vec::new(),
                LockInfo {
                    lock_type: "METADATA".into(),
                    mode: r.text(2),
                    object: Some(if kind == "TABLE" {
                        name
                    } else {
                        format!("{} {name}", kind.to_ascii_lowercase())
                    }),
                },
            )
        });
        if !e.0.contains(&blocker) {
            e.0.push(blocker);
        }
    }
    for s in &mut snap.sessions {
        if let Some((blockers, lock)) = edges.remove(&s.id) {
            s.blocked_by = blockers;
            s.waiting_for = Some(lock);
        }
    }
    Ok(())
}
