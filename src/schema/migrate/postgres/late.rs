//! After every object exists: foreign keys (validated after commit with
//! `--online`), replica identity, sequence ownership, grants.

use super::nodes::{Con, Obj, table_id};
use super::{Action, Planner};
use crate::schema::migrate::{Builder, Phase};
use crate::schema::{ColumnDef, Table};

impl Planner<'_> {
    pub(super) fn emit_late(&self, b: &mut Builder) {
        self.emit_foreign_keys(b);
        self.emit_replica_identity(b);
        self.emit_sequence_late(b);
        self.emit_grants(b);
    }

    fn emit_foreign_keys(&self, b: &mut Builder) {
        let d = &self.d;
        let mut comments = Vec::new();
        let after_commit_keys = self.unique_after_commit();
        for (id, action) in &self.actions {
            let Some(Obj::Constraint(t, Con::Foreign(fk))) = self.sn.get(id) else {
                continue;
            };
            let q = d.qname(&t.schema, &t.name);
            let on = format!("{} ON {q}", d.ident(&fk.name));
            let existed = |x: &str, n: &str| {
                let tid = table_id(x, n);
                self.tn.has(&tid) && !matches!(self.action(&tid), Some(Action::Create | Action::Recreate))
            };
            match action {
                Action::Create | Action::Recreate => {
                    let both = format!("{}.{} and {}.{}", t.schema, t.name, fk.ref_schema, fk.ref_table);
                    // A key over a unique index built after commit must wait for it.
                    let after_commit = after_commit_keys.contains(&(fk.ref_schema.clone(), fk.ref_table.clone()));
                    if !existed(&t.schema, &t.name) || fk.not_valid {
                        let phase = if after_commit { Phase::Post } else { Phase::CreateLate };
                        b.add(phase, d.add_foreign_key(t, fk, false));
                    } else if self.opts.online {
                        let phase = if after_commit { Phase::Post } else { Phase::CreateLate };
                        b.add_h(
                            phase,
                            d.add_foreign_key(t, fk, true),
                            vec![format!(
                                "brief SHARE ROW EXCLUSIVE locks on {both}; rows are checked after commit"
                            )],
                        );
                        b.add_h(
                            Phase::Post,
                            format!("ALTER TABLE {q} VALIDATE CONSTRAINT {}", d.ident(&fk.name)),
                            vec![format!(
                                "runs outside the transaction: checks every row of {}.{} (SHARE UPDATE EXCLUSIVE lock, writes go on)",
                                t.schema, t.name
                            )],
                        );
                    } else {
                        b.add_h(
                            Phase::CreateLate,
                            d.add_foreign_key(t, fk, false),
                            vec![format!(
                                "long lock: checks every row of {}.{} while holding SHARE ROW EXCLUSIVE locks on {both} (see --online)",
                                t.schema, t.name
                            )],
                        );
                    }
                    if let Some(c) = &fk.comment {
                        comments.push(d.comment_on("CONSTRAINT", &on, Some(c)));
                    }
                }
                Action::Alter => comments.push(d.comment_on("CONSTRAINT", &on, fk.comment.as_deref())),
                Action::Drop => {}
            }
        }
        for c in comments {
            b.add(Phase::CreateLate, c);
        }
    }

    /// Tables whose new unique index or key is built after commit.
    fn unique_after_commit(&self) -> std::collections::BTreeSet<(String, String)> {
        let mut out = std::collections::BTreeSet::new();
        if !self.opts.online {
            return out;
        }
        for (id, o) in &self.sn.by_id {
            match o {
                Obj::Index(t, i) if i.unique && self.concurrent(id) => {
                    out.insert((t.schema.clone(), t.name.clone()));
                }
                Obj::Constraint(t, Con::Primary(_) | Con::Unique(_))
                    if matches!(self.action(id), Some(Action::Create | Action::Recreate))
                        && self.tn.has(&table_id(&t.schema, &t.name))
                        && !matches!(
                            self.action(&table_id(&t.schema, &t.name)),
                            Some(Action::Create | Action::Recreate)
                        ) =>
                {
                    out.insert((t.schema.clone(), t.name.clone()));
                }
                _ => {}
            }
        }
        out
    }

    /// The sequence a serial column used, when it becomes an identity
    /// column and the source no longer has the sequence.
    pub(super) fn replaced_sequence(&self, s: &Table, col: &ColumnDef, old: &ColumnDef) -> Option<String> {
        if col.identity.is_none() || old.identity.is_some() {
            return None;
        }
        let def = old.default.as_deref()?;
        let start = def.find("nextval('")? + "nextval('".len();
        let rest = &def[start..];
        let name = &rest[..rest.find('\'')?];
        let (schema, seq) = match name.split_once('.') {
            Some((a, b)) => (a.trim_matches('"').to_string(), b.trim_matches('"').to_string()),
            None => (s.schema.clone(), name.trim_matches('"').to_string()),
        };
        let id = crate::schema::deps::node(
            crate::db::Engine::Postgres,
            crate::schema::deps::NodeKind::Sequence,
            &schema,
            &seq,
        );
        (self.action(&id) == Some(Action::Drop)).then(|| self.d.qname(&schema, &seq))
    }

    /// Ids of sequences the table ALTERs drop themselves.
    pub(super) fn sequences_dropped_by_tables(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.s.tables {
            let Some(Obj::Table(t)) = self.tn.get(&table_id(&s.schema, &s.name)) else {
                continue;
            };
            for col in &s.columns {
                if let Some(old) = t.column(&col.name)
                    && self.replaced_sequence(s, col, old).is_some()
                    && let Some(def) = old.default.as_deref()
                    && let Some(p) = def.find("nextval('")
                {
                    let rest = &def[p + 9..];
                    let name = rest.split('\'').next().unwrap_or("");
                    let (schema, seq) = match name.split_once('.') {
                        Some((a, b)) => (a.trim_matches('"').to_string(), b.trim_matches('"').to_string()),
                        None => (s.schema.clone(), name.trim_matches('"').to_string()),
                    };
                    out.push(crate::schema::deps::node(
                        crate::db::Engine::Postgres,
                        crate::schema::deps::NodeKind::Sequence,
                        &schema,
                        &seq,
                    ));
                }
            }
        }
        out
    }
}
