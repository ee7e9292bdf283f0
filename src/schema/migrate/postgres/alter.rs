//! ALTER TABLE for a table both sides have: partition and inheritance
//! links, columns, constraints, persistence, storage options, row-level
//! security and comments. Foreign keys come later (`late.rs`).

use super::nodes::{Con, Obj, constraints, sub_id, table_id};
use super::{Action, Planner};
use crate::schema::deps::NodeKind;
use crate::schema::migrate::{Builder, Phase};
use crate::schema::{KeyConstraint, Table};

impl Planner<'_> {
    /// Statements that turn table `t` (target) into `s` (source).
    pub(super) fn alter_table(&self, b: &mut Builder, s: &Table, t: &Table) {
        let d = &self.d;
        let q = d.qname(&s.schema, &s.name);
        let at = |sql: String| format!("ALTER TABLE {q} {sql}");
        let relinked = t.partition_of != s.partition_of || t.partition_bound != s.partition_bound;
        if relinked && let Some(p) = &t.partition_of {
            b.add_h(
                Phase::Tables,
                format!("ALTER TABLE {} DETACH PARTITION {q}", d.qname(&p.schema, &p.name)),
                vec![format!(
                    "blocks {}.{} briefly (ACCESS EXCLUSIVE lock)",
                    p.schema, p.name
                )],
            );
        }
        for p in &t.inherits {
            if !s.inherits.contains(p) {
                b.add(Phase::Tables, at(format!("NO INHERIT {}", d.qname(&p.schema, &p.name))));
            }
        }
        self.alter_columns(b, s, t);
        self.add_constraints(b, s, t);
        if relinked && let Some(p) = &s.partition_of {
            let bound = s.partition_bound.as_deref().unwrap_or("DEFAULT");
            b.add_h(
                Phase::Tables,
                format!(
                    "ALTER TABLE {} ATTACH PARTITION {q} {bound}",
                    d.qname(&p.schema, &p.name)
                ),
                vec![format!(
                    "scan: checks every row of {}.{} against the partition bound",
                    s.schema, s.name
                )],
            );
        }
        for p in &s.inherits {
            if !t.inherits.contains(p) {
                b.add(Phase::Tables, at(format!("INHERIT {}", d.qname(&p.schema, &p.name))));
            }
        }
        if s.unlogged != t.unlogged {
            let to = if s.unlogged { "UNLOGGED" } else { "LOGGED" };
            b.add_h(
                Phase::Tables,
                at(format!("SET {to}")),
                vec![format!(
                    "table rewrite: rewrites {}.{} (ACCESS EXCLUSIVE lock)",
                    s.schema, s.name
                )],
            );
        }
        if s.options != t.options {
            let key = |o: &String| o.split('=').next().unwrap_or("").to_string();
            let gone: Vec<String> = t
                .options
                .iter()
                .map(key)
                .filter(|k| !s.options.iter().any(|o| &key(o) == k))
                .collect();
            if !gone.is_empty() {
                b.add(Phase::Tables, at(format!("RESET ({})", gone.join(", "))));
            }
            if !s.options.is_empty() {
                b.add(Phase::Tables, at(format!("SET ({})", s.options.join(", "))));
            }
        }
        if s.row_security != t.row_security {
            match s.row_security {
                None => b.add(Phase::Tables, at("DISABLE ROW LEVEL SECURITY".into())),
                Some(forced) => {
                    b.add(Phase::Tables, at("ENABLE ROW LEVEL SECURITY".into()));
                    let f = if forced { "FORCE" } else { "NO FORCE" };
                    b.add(Phase::Tables, at(format!("{f} ROW LEVEL SECURITY")));
                }
            }
        }
        if s.comment != t.comment {
            b.add(Phase::Tables, d.comment_on("TABLE", &q, s.comment.as_deref()));
        }
        for c in constraints(s) {
            if matches!(c, Con::Foreign(_)) {
                continue;
            }
            let id = sub_id(NodeKind::Constraint, s, c.name());
            let before = match self.tn.get(&id) {
                Some(Obj::Constraint(_, o))
                    if self.action(&id) == Some(Action::Alter) || self.action(&id).is_none() =>
                {
                    Some(o.comment())
                }
                _ => None,
            };
            let now = c.comment();
            if before.map_or(now.is_some(), |was| was != now) {
                let on = format!("{} ON {q}", d.ident(c.name()));
                b.add(Phase::Tables, d.comment_on("CONSTRAINT", &on, now));
            }
        }
        for col in &s.columns {
            let was = t.column(&col.name).and_then(|o| o.comment.clone());
            if was != col.comment {
                let name = format!("{q}.{}", d.ident(&col.name));
                b.add(Phase::Tables, d.comment_on("COLUMN", &name, col.comment.as_deref()));
            }
        }
    }

    fn alter_columns(&self, b: &mut Builder, s: &Table, t: &Table) {
        let d = &self.d;
        let q = d.qname(&s.schema, &s.name);
        for col in &t.columns {
            if s.column(&col.name).is_none() && !col.inherited {
                b.add_h(
                    Phase::Tables,
                    format!("ALTER TABLE {q} DROP COLUMN {}", d.ident(&col.name)),
                    vec![format!("data loss: drops column {}.{}.{}", t.schema, t.name, col.name)],
                );
            }
        }
        for col in &s.columns {
            match t.column(&col.name) {
                None if col.inherited => {}
                None => {
                    let volatile = col.default.as_deref().is_some_and(|e| {
                        ["random()", "clock_timestamp()", "gen_random_uuid()", "uuid_generate"]
                            .iter()
                            .any(|f| e.contains(f))
                    });
                    let hz = if !col.nullable
                        && col.default.is_none()
                        && col.identity.is_none()
                        && col.generated.is_none()
                    {
                        vec![format!(
                            "fails if {}.{} has rows: NOT NULL column without a default",
                            s.schema, s.name
                        )]
                    } else if col.generated.is_some() || col.identity.is_some() || volatile {
                        vec![format!(
                            "table rewrite: fills {} for every row of {}.{} (ACCESS EXCLUSIVE lock)",
                            col.name, s.schema, s.name
                        )]
                    } else {
                        Vec::new()
                    };
                    b.add_h(
                        Phase::Tables,
                        format!("ALTER TABLE {q} ADD COLUMN {}", d.column(col, false)),
                        hz,
                    );
                    let extras = Table {
                        schema: s.schema.clone(),
                        name: s.name.clone(),
                        columns: vec![ColumnOnly::storage_only(col)],
                        ..Default::default()
                    };
                    for x in d.table_extras(&extras) {
                        if !x.starts_with("COMMENT") {
                            b.add(Phase::Tables, x);
                        }
                    }
                }
                Some(old) => {
                    let def_id = sub_id(NodeKind::Default, s, &col.name);
                    let dropped = self.early.contains(&def_id) && self.tn.has(&def_id);
                    self.alter_column(b, s, col, old, dropped);
                }
            }
        }
    }

    /// New constraints, and those dropped early to be re-created.
    fn add_constraints(&self, b: &mut Builder, s: &Table, _t: &Table) {
        let d = &self.d;
        let q = d.qname(&s.schema, &s.name);
        for c in constraints(s) {
            let id = sub_id(NodeKind::Constraint, s, c.name());
            if !matches!(self.action(&id), Some(Action::Create | Action::Recreate)) {
                continue;
            }
            let table = format!("{}.{}", s.schema, s.name);
            match c {
                Con::Foreign(_) => {}
                Con::Primary(k) | Con::Unique(k) if self.opts.online => self.add_key_online(b, s, c, k),
                Con::Primary(k) => b.add_h(
                    Phase::Tables,
                    format!("ALTER TABLE {q} ADD {}", d.primary_key(k)),
                    vec![format!(
                        "long lock: builds a unique index on {table}, blocking writes (see --online)"
                    )],
                ),
                Con::Unique(k) => b.add_h(
                    Phase::Tables,
                    format!("ALTER TABLE {q} ADD {}", d.unique(k)),
                    vec![format!(
                        "long lock: builds a unique index on {table}, blocking writes (see --online)"
                    )],
                ),
                Con::Check(k) if k.not_valid => {
                    b.add(Phase::Tables, format!("ALTER TABLE {q} ADD {} NOT VALID", d.check(k)));
                }
                Con::Check(k) if self.opts.online => {
                    b.add(Phase::Tables, format!("ALTER TABLE {q} ADD {} NOT VALID", d.check(k)));
                    b.add_h(
                        Phase::Post,
                        format!("ALTER TABLE {q} VALIDATE CONSTRAINT {}", d.ident(&k.name)),
                        vec![format!(
                            "runs outside the transaction: scans {table} under a SHARE UPDATE EXCLUSIVE lock (writes go on)"
                        )],
                    );
                }
                Con::Check(k) => b.add_h(
                    Phase::Tables,
                    format!("ALTER TABLE {q} ADD {}", d.check(k)),
                    vec![format!(
                        "scan: checks every row of {table} under an ACCESS EXCLUSIVE lock (see --online)"
                    )],
                ),
                Con::Exclusion(k) => b.add_h(
                    Phase::Tables,
                    format!("ALTER TABLE {q} ADD {}{}", d.named(&k.name), k.expression),
                    vec![format!("long lock: builds an index on {table}, blocking writes")],
                ),
            }
        }
    }

    /// `--online` primary key / unique constraint: build its index
    /// concurrently after commit, then attach it.
    fn add_key_online(&self, b: &mut Builder, s: &Table, c: Con<'_>, k: &KeyConstraint) {
        let d = &self.d;
        let q = d.qname(&s.schema, &s.name);
        let idx = d.ident(&k.name);
        let cols: Vec<String> = k.columns.iter().map(|c| d.ident(c)).collect();
        let mut create = format!("CREATE UNIQUE INDEX CONCURRENTLY {idx} ON {q} ({})", cols.join(", "));
        if !k.include.is_empty() {
            let inc: Vec<String> = k.include.iter().map(|c| d.ident(c)).collect();
            create.push_str(&format!(" INCLUDE ({})", inc.join(", ")));
        }
        if k.nulls_not_distinct {
            create.push_str(" NULLS NOT DISTINCT");
        }
        if let Some(w) = &k.with {
            create.push_str(&format!(" WITH ({w})"));
        }
        b.add_h(
            Phase::Post,
            create,
            vec![format!(
                "runs outside the transaction: builds without blocking writes to {}.{}",
                s.schema, s.name
            )],
        );
        let what = if matches!(c, Con::Primary(_)) {
            "PRIMARY KEY"
        } else {
            "UNIQUE"
        };
        let tail = k.deferrable.as_ref().map(|x| format!(" {x}")).unwrap_or_default();
        b.add(
            Phase::Post,
            format!("ALTER TABLE {q} ADD CONSTRAINT {idx} {what} USING INDEX {idx}{tail}"),
        );
    }

    /// Replica identity, after the index it may name exists.
    pub(super) fn emit_replica_identity(&self, b: &mut Builder) {
        for s in &self.s.tables {
            let id = table_id(&s.schema, &s.name);
            let old = match self.tn.get(&id) {
                Some(Obj::Table(t)) if self.action(&id) == Some(Action::Alter) => t,
                _ => continue,
            };
            if s.replica_identity != old.replica_identity {
                let r = s.replica_identity.clone().unwrap_or_else(|| "DEFAULT".into());
                b.add(
                    Phase::CreateLate,
                    format!("ALTER TABLE {} REPLICA IDENTITY {r}", self.d.qname(&s.schema, &s.name)),
                );
            }
        }
    }
}

/// A column stripped to what `table_extras` renders after `ADD COLUMN`.
struct ColumnOnly;

impl ColumnOnly {
    fn storage_only(c: &crate::schema::ColumnDef) -> crate::schema::ColumnDef {
        crate::schema::ColumnDef {
            name: c.name.clone(),
            storage: c.storage.clone(),
            statistics: c.statistics,
            ..Default::default()
        }
    }
}
