//! Privileges. With `--with-privileges` the target's grants are made equal
//! to the source's. Without it the target keeps its own grants: an object
//! this migration re-creates (and so loses its grants) gets them back, and
//! a new object gets the grants the source gives it.

use super::nodes::Obj;
use super::{Action, Planner};
use crate::schema::Privilege;
use crate::schema::migrate::{Builder, Phase};
use std::collections::{BTreeMap, BTreeSet};

/// Privileges a freshly created object has besides its owner's.
fn defaults(object_kind: &str, object: &str) -> Vec<Privilege> {
    let (grantee, privilege) = match object_kind {
        "FUNCTION" | "PROCEDURE" => ("PUBLIC", "EXECUTE"),
        "TYPE" | "DOMAIN" => ("PUBLIC", "USAGE"),
        _ => return Vec::new(),
    };
    vec![Privilege {
        object_kind: object_kind.into(),
        object: object.into(),
        grantee: grantee.into(),
        privilege: privilege.into(),
        grantable: false,
    }]
}

impl Planner<'_> {
    /// The privilege object name and kind of a created object.
    fn grant_target(&self, obj: Obj<'_>) -> Option<(&'static str, String)> {
        let d = &self.d;
        Some(match obj {
            Obj::Schema(n) => ("SCHEMA", d.ident(n)),
            Obj::Table(t) => ("TABLE", d.qname(&t.schema, &t.name)),
            Obj::View(v) => ("TABLE", d.qname(&v.schema, &v.name)),
            Obj::Sequence(s) => ("SEQUENCE", d.qname(&s.schema, &s.name)),
            Obj::Function(f) if f.kind == "procedure" => ("PROCEDURE", self.routine_sig(f)),
            Obj::Function(f) => ("FUNCTION", self.routine_sig(f)),
            Obj::Enum(e) => ("TYPE", d.qname(&e.schema, &e.name)),
            Obj::Composite(c) => ("TYPE", d.qname(&c.schema, &c.name)),
            Obj::Domain(x) => ("DOMAIN", d.qname(&x.schema, &x.name)),
            _ => return None,
        })
    }

    pub(super) fn emit_grants(&self, b: &mut Builder) {
        let by_object = |ps: &[Privilege]| -> BTreeMap<String, BTreeSet<Privilege>> {
            let mut m: BTreeMap<String, BTreeSet<Privilege>> = BTreeMap::new();
            for p in ps {
                m.entry(p.object.clone()).or_default().insert(p.clone());
            }
            m
        };
        let src = by_object(&self.s.privileges);
        let tgt = by_object(&self.t.privileges);
        // What each object holds right after the DDL above ran.
        let mut now = tgt.clone();
        let mut created: BTreeSet<String> = BTreeSet::new();
        for (id, action) in &self.actions {
            if !matches!(action, Action::Create | Action::Recreate) {
                continue;
            }
            let Some((kind, object)) = self.sn.get(id).and_then(|o| self.grant_target(o)) else {
                continue;
            };
            now.insert(object.clone(), defaults(kind, &object).into_iter().collect());
            created.insert(object);
        }
        let names = |n: &super::nodes::Nodes<'_>| -> BTreeSet<String> {
            n.by_id
                .values()
                .filter_map(|o| self.grant_target(*o))
                .map(|(_, n)| n)
                .collect()
        };
        let in_target = names(&self.tn);
        let in_source = names(&self.sn);
        let empty = BTreeSet::new();
        let objects: BTreeSet<&String> = src.keys().chain(now.keys()).chain(&created).collect();
        for object in objects {
            let want = if self.opts.with_privileges {
                src.get(object).unwrap_or(&empty)
            } else if created.contains(object) && in_target.contains(object) {
                tgt.get(object).unwrap_or(&empty)
            } else if created.contains(object) {
                // A new object is created as the source has it, grants included.
                src.get(object).unwrap_or(&empty)
            } else {
                continue;
            };
            let have = now.get(object).unwrap_or(&empty);
            for p in have.difference(want) {
                if !in_source.contains(object) {
                    continue;
                }
                b.add(Phase::CreateLate, self.d.revoke(p));
            }
            for p in want.difference(have) {
                b.add(Phase::CreateLate, self.d.grant(p));
            }
        }
    }
}
