//! The lines a restore shows before it is confirmed: the same on every face
//! (`dbn backup restore` and the TUI's backups tab).

use super::RestorePlan;
use crate::db::Engine;

/// "1 row", "2 rows".
fn rows(n: impl Into<u64>) -> String {
    let n = n.into();
    if n == 1 { "1 row".into() } else { format!("{n} rows") }
}

/// The lines printed before a restore asks (also the TUI's restore preview).
pub fn preview(p: &RestorePlan, target: &str) -> Vec<String> {
    let mut out = vec![format!(
        "restore backup {} ({}) into '{target}' ({}):",
        p.backup,
        p.source_engine.as_str(),
        p.target_engine.as_str()
    )];
    for t in &p.tables {
        let why = if t.dependent {
            "  (references a restored table)"
        } else {
            ""
        };
        if t.exists {
            out.push(format!(
                "  replace {}: {} now -> {} from the backup{why}",
                t.target_table,
                rows(t.current_rows),
                rows(t.backup_rows)
            ));
        } else {
            out.push(format!(
                "  create  {}: {} from the backup{why}",
                t.table,
                rows(t.backup_rows)
            ));
        }
    }
    if !p.pre_data.is_empty() || !p.post_data.is_empty() {
        out.push(format!(
            "  schema: {} statement(s) before the data, {} after (keys, indexes, views, triggers)",
            p.pre_data.len(),
            p.post_data.len()
        ));
    }
    if !p.counters.is_empty() {
        out.push(format!(
            "  counters: {} sequence/auto-increment position(s) set",
            p.counters.len()
        ));
    }
    if !p.suspended.is_empty() {
        let names: Vec<&str> = p.suspended.iter().map(|s| s.name.as_str()).collect();
        out.push(format!(
            "  triggers kept from firing during the load: {}",
            names.join(", ")
        ));
    }
    if p.target_engine == Engine::Postgres {
        out.push(if p.replica {
            "  no trigger, cascade or foreign key action fires (session_replication_role = replica, this transaction only)".into()
        } else {
            "  not a superuser: user triggers are disabled inside the transaction; foreign keys stay enforced".into()
        });
    }
    for n in &p.not_atomic {
        out.push(format!("  note: {n}"));
    }
    out
}
