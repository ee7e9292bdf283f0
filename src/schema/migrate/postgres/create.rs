//! CREATE and in-place ALTER statements for the main part of the plan,
//! one object at a time in dependency order, each with its comments.

use super::nodes::{Obj, table_id};
use super::{Action, Planner};
use crate::schema::migrate::{Builder, Phase};
use crate::schema::{Index, Table, Trigger, View};

impl Planner<'_> {
    /// Statements that create or alter the source's object `id`.
    pub(super) fn emit_node(&self, b: &mut Builder, id: &str) {
        let Some(obj) = self.sn.get(id) else { return };
        let Some(action) = self.action(id) else { return };
        let d = &self.d;
        let create = matches!(action, Action::Create | Action::Recreate);
        let old = self.tn.get(id);
        match obj {
            Obj::Schema(n) => {
                if create {
                    b.add(Phase::Tables, format!("CREATE SCHEMA {}", d.ident(n)));
                }
                let (sc, tc) = (self.s.schema_comments.get(n), self.t.schema_comments.get(n));
                if (create && sc.is_some()) || (!create && sc != tc) {
                    b.add(
                        Phase::Tables,
                        d.comment_on("SCHEMA", &d.ident(n), sc.map(String::as_str)),
                    );
                }
            }
            Obj::Extension(x) => {
                let before = match old {
                    Some(Obj::Extension(o)) if !create => Some(o),
                    _ => None,
                };
                match before {
                    None => b.add(Phase::Tables, d.create_extension(x)),
                    Some(o) => {
                        if o.schema != x.schema {
                            b.add(
                                Phase::Tables,
                                format!("ALTER EXTENSION {} SET SCHEMA {}", d.ident(&x.name), d.ident(&x.schema)),
                            );
                        }
                        if o.version != x.version {
                            b.add(
                                Phase::Tables,
                                format!(
                                    "ALTER EXTENSION {} UPDATE TO {}",
                                    d.ident(&x.name),
                                    d.literal(&x.version)
                                ),
                            );
                        }
                    }
                }
                // A new extension gets its control file's comment, which may differ.
                if before.is_none_or(|o| o.comment != x.comment) {
                    b.add(
                        Phase::Tables,
                        d.comment_on("EXTENSION", &d.ident(&x.name), x.comment.as_deref()),
                    );
                }
            }
            Obj::Enum(_) | Obj::Domain(_) | Obj::Composite(_) | Obj::Sequence(_) => self.emit_type(b, id, obj, create),
            Obj::Function(f) => {
                let sig = self.routine_sig(f);
                let kind = f.kind.to_uppercase();
                let body_changed = match old {
                    Some(Obj::Function(o)) => {
                        crate::schema::normalize::body(&o.definition) != crate::schema::normalize::body(&f.definition)
                    }
                    _ => true,
                };
                if create || body_changed {
                    b.add(Phase::Tables, f.definition.trim_end().to_string());
                }
                let old_comment = match old {
                    Some(Obj::Function(o)) if !create => o.comment.as_deref(),
                    _ => None,
                };
                if f.comment.as_deref() != old_comment {
                    b.add(Phase::Tables, d.comment_on(&kind, &sig, f.comment.as_deref()));
                }
            }
            Obj::Table(t) => {
                if create {
                    self.create_table(b, t);
                } else if let Some(Obj::Table(o)) = old {
                    self.alter_table(b, t, o);
                }
            }
            Obj::Index(t, i) => self.emit_index(b, id, t, i, create),
            Obj::ViewIndex(v, i) => {
                if create && let Some(def) = &i.definition {
                    b.add(Phase::Tables, format!("{def};"));
                }
                let old_comment = match old {
                    Some(Obj::ViewIndex(_, o)) if !create => o.comment.as_deref(),
                    _ => None,
                };
                if i.comment.as_deref() != old_comment {
                    let q = d.qname(&v.schema, &i.name);
                    b.add(Phase::Tables, d.comment_on("INDEX", &q, i.comment.as_deref()));
                }
            }
            Obj::View(v) => self.emit_view(b, v, if create { None } else { old }),
            Obj::Trigger(t) => self.emit_trigger(b, t, if create { None } else { old }),
            Obj::Policy(p) => {
                let on = format!("{} ON {}", d.ident(&p.name), d.qname(&p.schema, &p.table));
                if create {
                    b.add(Phase::Tables, d.create_policy(p));
                }
                let old_comment = match old {
                    Some(Obj::Policy(o)) if !create => o.comment.as_deref(),
                    _ => None,
                };
                if p.comment.as_deref() != old_comment {
                    b.add(Phase::Tables, d.comment_on("POLICY", &on, p.comment.as_deref()));
                }
            }
            Obj::Column(..) | Obj::Default(..) | Obj::Constraint(..) | Obj::DomainCheck(..) => {}
        }
    }

    fn create_table(&self, b: &mut Builder, t: &Table) {
        let d = &self.d;
        b.add(Phase::Tables, d.create_table(t, false));
        for x in d.table_extras(t) {
            b.add(Phase::Tables, x);
        }
    }

    fn emit_index(&self, b: &mut Builder, id: &str, t: &Table, i: &Index, create: bool) {
        let d = &self.d;
        let q = d.qname(&t.schema, &t.name);
        let table_is_new = matches!(
            self.action(&table_id(&t.schema, &t.name)),
            Some(Action::Create | Action::Recreate)
        );
        let old = match self.tn.get(id) {
            Some(Obj::Index(_, o)) if !create => Some(o),
            _ => None,
        };
        let phase = if create && self.concurrent(id) {
            Phase::Post
        } else {
            Phase::Tables
        };
        if create {
            if phase == Phase::Post {
                b.add_h(
                    Phase::Post,
                    d.create_index(t, i, true),
                    vec![format!(
                        "runs outside the transaction: builds without blocking writes to {}.{}; a failure leaves an INVALID index to drop",
                        t.schema, t.name
                    )],
                );
            } else if table_is_new {
                b.add(Phase::Tables, d.create_index(t, i, false));
            } else {
                b.add_h(
                    Phase::Tables,
                    d.create_index(t, i, false),
                    vec![format!(
                        "long lock: blocks writes to {}.{} while building (see --online)",
                        t.schema, t.name
                    )],
                );
            }
        }
        if i.clustered != old.is_some_and(|o| o.clustered) && (i.clustered || old.is_some()) {
            let sql = if i.clustered {
                format!("ALTER TABLE {q} CLUSTER ON {}", d.ident(&i.name))
            } else {
                format!("ALTER TABLE {q} SET WITHOUT CLUSTER")
            };
            b.add(phase, sql);
        }
        if i.comment.as_deref() != old.and_then(|o| o.comment.as_deref()) {
            b.add(
                phase,
                d.comment_on("INDEX", &d.qname(&t.schema, &i.name), i.comment.as_deref()),
            );
        }
    }

    /// Whether a new index is built `CONCURRENTLY` after commit.
    pub(super) fn concurrent(&self, id: &str) -> bool {
        let Some(Obj::Index(t, _)) = self.sn.get(id) else {
            return false;
        };
        self.opts.online
            && matches!(self.action(id), Some(Action::Create | Action::Recreate))
            && self.tn.has(&table_id(&t.schema, &t.name))
            && !matches!(
                self.action(&table_id(&t.schema, &t.name)),
                Some(Action::Create | Action::Recreate)
            )
    }

    fn emit_view(&self, b: &mut Builder, v: &View, old: Option<Obj<'_>>) {
        let d = &self.d;
        let q = d.qname(&v.schema, &v.name);
        let kind = if v.materialized { "MATERIALIZED VIEW" } else { "VIEW" };
        let old = match old {
            Some(Obj::View(o)) => Some(o),
            _ => None,
        };
        match old {
            None => b.add(Phase::Tables, d.create_view(v)),
            Some(o) => {
                let norm = |x: &View| crate::schema::normalize::body(&x.definition);
                if norm(o) != norm(v) {
                    let sql = d.create_view(v).replacen("CREATE VIEW", "CREATE OR REPLACE VIEW", 1);
                    b.add(Phase::Tables, sql);
                }
                if o.options != v.options {
                    let gone: Vec<String> = o
                        .options
                        .iter()
                        .filter_map(|x| x.split('=').next())
                        .filter(|k| !v.options.iter().any(|n| n.split('=').next() == Some(*k)))
                        .map(str::to_string)
                        .collect();
                    if !gone.is_empty() {
                        b.add(Phase::Tables, format!("ALTER {kind} {q} RESET ({})", gone.join(", ")));
                    }
                    if !v.options.is_empty() {
                        b.add(
                            Phase::Tables,
                            format!("ALTER {kind} {q} SET ({})", v.options.join(", ")),
                        );
                    }
                }
            }
        }
        if v.comment != old.and_then(|o| o.comment.clone()) {
            b.add(Phase::Tables, d.comment_on(kind, &q, v.comment.as_deref()));
        }
        for c in &v.columns {
            let was = old
                .and_then(|o| o.columns.iter().find(|x| x.name == c.name))
                .and_then(|x| x.comment.as_deref());
            if c.comment.as_deref() != was {
                let on = format!("{q}.{}", d.ident(&c.name));
                b.add(Phase::Tables, d.comment_on("COLUMN", &on, c.comment.as_deref()));
            }
        }
    }

    fn emit_trigger(&self, b: &mut Builder, t: &Trigger, old: Option<Obj<'_>>) {
        let d = &self.d;
        let table = d.qname(&t.schema, &t.table);
        let on = format!("{} ON {table}", d.ident(&t.name));
        let old = match old {
            Some(Obj::Trigger(o)) => Some(o),
            _ => None,
        };
        if old.is_none() {
            b.add(Phase::Tables, t.definition.clone());
        }
        let was = old.and_then(|o| o.enabled.clone());
        if t.enabled != was && (t.enabled.is_some() || old.is_some()) {
            let state = t.enabled.clone().unwrap_or_else(|| "ENABLE".into());
            b.add(
                Phase::Tables,
                format!("ALTER TABLE {table} {state} TRIGGER {}", d.ident(&t.name)),
            );
        }
        if t.comment != old.and_then(|o| o.comment.clone()) {
            b.add(Phase::Tables, d.comment_on("TRIGGER", &on, t.comment.as_deref()));
        }
    }
}
