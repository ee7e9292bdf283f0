//! DROP statements for objects of the target.

use super::nodes::Obj;
use super::{Action, Planner};

/// A statement and its hazards.
pub(super) type Stmt = (String, Vec<String>);

impl Planner<'_> {
    /// Statements that remove the target's object `id` (for a swapped type:
    /// rename it away).
    pub(super) fn drop_statements(&self, id: &str) -> Vec<Stmt> {
        let d = &self.d;
        let Some(obj) = self.tn.get(id) else {
            return Vec::new();
        };
        let recreated = self.action(id) == Some(Action::Recreate);
        let plain = |sql: String| vec![(sql, Vec::new())];
        match obj {
            Obj::Schema(n) => vec![(
                format!("DROP SCHEMA {}", d.ident(n)),
                vec![format!("data loss: drops schema {n} (fails if anything is left in it)")],
            )],
            Obj::Extension(x) => vec![(
                format!("DROP EXTENSION {}", d.ident(&x.name)),
                vec![format!("drops extension {} and fails if objects still use it", x.name)],
            )],
            Obj::Enum(x) if self.swapped.contains(id) => plain(format!(
                "ALTER TYPE {} RENAME TO {}",
                d.qname(&x.schema, &x.name),
                d.ident(&old_name(&x.name))
            )),
            Obj::Domain(x) if self.swapped.contains(id) => plain(format!(
                "ALTER DOMAIN {} RENAME TO {}",
                d.qname(&x.schema, &x.name),
                d.ident(&old_name(&x.name))
            )),
            Obj::Enum(x) => plain(format!("DROP TYPE {}", d.qname(&x.schema, &x.name))),
            Obj::Composite(x) => plain(format!("DROP TYPE {}", d.qname(&x.schema, &x.name))),
            Obj::Domain(x) => plain(format!("DROP DOMAIN {}", d.qname(&x.schema, &x.name))),
            Obj::Sequence(x) => plain(format!("DROP SEQUENCE {}", d.qname(&x.schema, &x.name))),
            Obj::Function(f) => {
                let sig = self.routine_sig(f);
                let hz = if recreated {
                    vec![format!(
                        "re-creates {} {sig}: its dependants are dropped before and re-created after",
                        f.kind
                    )]
                } else {
                    Vec::new()
                };
                vec![(format!("DROP {} {sig}", f.kind.to_uppercase()), hz)]
            }
            Obj::Table(t) => vec![(
                format!("DROP TABLE {}", d.qname(&t.schema, &t.name)),
                vec![if recreated {
                    format!(
                        "data loss: re-creates {}.{} (its partitioning changes) and drops all its rows",
                        t.schema, t.name
                    )
                } else {
                    format!("data loss: drops table {}.{} and all its rows", t.schema, t.name)
                }],
            )],
            Obj::Column(..) => Vec::new(),
            Obj::Default(t, c) => {
                if self.action(id) == Some(Action::Drop) {
                    // Removed defaults are dropped by the table's ALTER.
                    return Vec::new();
                }
                plain(format!(
                    "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
                    d.qname(&t.schema, &t.name),
                    d.ident(&c.name)
                ))
            }
            Obj::Constraint(t, c) => plain(format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                d.qname(&t.schema, &t.name),
                d.ident(c.name())
            )),
            Obj::DomainCheck(dom, c) => plain(format!(
                "ALTER DOMAIN {} DROP CONSTRAINT {}",
                d.qname(&dom.schema, &dom.name),
                d.ident(&c.name)
            )),
            Obj::Index(t, i) => plain(format!("DROP INDEX {}", d.qname(&t.schema, &i.name))),
            Obj::ViewIndex(v, i) => plain(format!("DROP INDEX {}", d.qname(&v.schema, &i.name))),
            Obj::View(v) => {
                let kind = if v.materialized { "MATERIALIZED VIEW" } else { "VIEW" };
                plain(format!("DROP {kind} {}", d.qname(&v.schema, &v.name)))
            }
            Obj::Trigger(t) => plain(format!(
                "DROP TRIGGER {} ON {}",
                d.ident(&t.name),
                d.qname(&t.schema, &t.table)
            )),
            Obj::Policy(p) => plain(format!(
                "DROP POLICY {} ON {}",
                d.ident(&p.name),
                d.qname(&p.schema, &p.table)
            )),
        }
    }

    /// The final drop of a swapped type's old copy.
    pub(super) fn drop_swapped(&self, id: &str) -> Option<String> {
        let d = &self.d;
        match self.tn.get(id)? {
            Obj::Enum(x) => Some(format!(
                "DROP TYPE {}.{}",
                d.ident(&x.schema),
                d.ident(&old_name(&x.name))
            )),
            Obj::Domain(x) => Some(format!(
                "DROP DOMAIN {}.{}",
                d.ident(&x.schema),
                d.ident(&old_name(&x.name))
            )),
            _ => None,
        }
    }

    /// `schema.name(argument types)` of a routine.
    pub(super) fn routine_sig(&self, f: &crate::schema::Function) -> String {
        format!("{}({})", self.d.qname(&f.schema, &f.name), f.identity())
    }
}

/// The temporary name of a type being replaced.
pub(super) fn old_name(name: &str) -> String {
    format!("{name}__dbn_old")
}
