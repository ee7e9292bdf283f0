//! Compare two schemas object by object. The diff is read as "what must
//! change in TARGET to make it equal SOURCE" (the same direction as
//! `dbn sync schema`): `added` objects exist only in the source.

use super::objects::{Kind, Object, ObjectOptions, display_name, objects};
use super::{Schema, Table};
use serde::Serialize;
use similar::{ChangeTag, TextDiff};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// How an object differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Only in the source: will be created in the target.
    Added,
    /// Only in the target: will be dropped from it.
    Removed,
    /// In both, different.
    Changed,
}

/// One differing object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectDiff {
    /// Kind.
    pub kind: Kind,
    /// Display name.
    pub name: String,
    /// Added, removed or changed.
    pub status: Status,
    /// Canonical DDL in the source, if present there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Canonical DDL in the target, if present there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// A possible rename: offered, never assumed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenameCandidate {
    /// `table` or `column`.
    pub kind: &'static str,
    /// Name in the target, as `dbn sync schema --rename` takes it.
    pub from: String,
    /// New (unqualified) name in the source.
    pub to: String,
}

/// Counts per kind for the summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KindCount {
    /// Kind label.
    pub kind: String,
    /// Added.
    pub added: usize,
    /// Removed.
    pub removed: usize,
    /// Changed.
    pub changed: usize,
}

/// Diff options.
#[derive(Debug, Clone, Copy, Default)]
pub struct DiffOptions {
    /// Compare privileges too.
    pub with_privileges: bool,
    /// Look for renamed tables and columns.
    pub detect_renames: bool,
}

/// Objects of a kind dbn does not model, seen on either side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotCompared {
    /// Kind label (`rules`, `event triggers`).
    pub kind: String,
    /// How many the source holds.
    pub source: usize,
    /// How many the target holds.
    pub target: usize,
    /// Those only on one side or with different definitions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differing: Vec<String>,
}

/// The result of comparing two schemas.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchemaDiff {
    /// Differing objects, by kind then name.
    pub changes: Vec<ObjectDiff>,
    /// Rename candidates (only with `detect_renames`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub renames: Vec<RenameCandidate>,
    /// Kinds dbn does not model that either side holds: never migrated,
    /// told equal or different only by their catalog definition.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_compared: Vec<NotCompared>,
    /// Differences dbn sees but does not migrate (Postgres column order,
    /// privileges without `--with-privileges`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_migrated: Vec<String>,
}

/// Compare `source` with `target` (at the level of the older reading
/// when they come from different dbn versions).
pub fn diff(source: &Schema, target: &Schema, opts: DiffOptions) -> SchemaDiff {
    let (s, t, note) = super::compat::align(source, target);
    let mut d = diff_aligned(&s, &t, opts);
    if let Some(n) = note {
        d.not_migrated.push(n);
    }
    d
}

fn diff_aligned(source: &Schema, target: &Schema, opts: DiffOptions) -> SchemaDiff {
    let oo = ObjectOptions {
        with_privileges: opts.with_privileges,
    };
    // SQLite names are case-insensitive: `Users` and `users` are one table.
    let fold = |n: &str| {
        if source.engine == crate::db::Engine::Sqlite {
            n.to_lowercase()
        } else {
            n.to_string()
        }
    };
    type Entry = (String, String, String);
    let index = |objs: Vec<Object>| -> BTreeMap<(Kind, String), Entry> {
        objs.into_iter()
            .map(|o| ((o.kind, fold(&o.name)), (o.name, o.ddl, o.compare)))
            .collect()
    };
    let src = index(objects(source, oo));
    let tgt = index(objects(target, oo));
    let mut changes = Vec::new();
    for (key, (name, s, s_cmp)) in &src {
        match tgt.get(key) {
            None => changes.push(ObjectDiff {
                kind: key.0,
                name: name.clone(),
                status: Status::Added,
                source: Some(s.clone()),
                target: None,
            }),
            Some((_, t, t_cmp)) if t_cmp != s_cmp => changes.push(ObjectDiff {
                kind: key.0,
                name: name.clone(),
                status: Status::Changed,
                source: Some(s.clone()),
                target: Some(t.clone()),
            }),
            Some(_) => {}
        }
    }
    for (key, (name, t, _)) in &tgt {
        if !src.contains_key(key) {
            changes.push(ObjectDiff {
                kind: key.0,
                name: name.clone(),
                status: Status::Removed,
                source: None,
                target: Some(t.clone()),
            });
        }
    }
    changes.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    let renames = if opts.detect_renames {
        renames(source, target)
    } else {
        Vec::new()
    };
    let mut not_migrated = column_order(source, target);
    if !opts.with_privileges {
        let (s, t): (BTreeSet<_>, BTreeSet<_>) =
            (source.privileges.iter().collect(), target.privileges.iter().collect());
        let objects: BTreeSet<&String> = s.symmetric_difference(&t).map(|p| &p.object).collect();
        if !objects.is_empty() {
            not_migrated.push(format!(
                "privileges differ on {} object(s) (compared and migrated only with --with-privileges)",
                objects.len()
            ));
        }
    }
    SchemaDiff {
        changes,
        renames,
        not_compared: not_compared(source, target),
        not_migrated,
    }
}

/// Unmodelled objects per kind, and which of them differ.
fn not_compared(source: &Schema, target: &Schema) -> Vec<NotCompared> {
    let mut by: BTreeMap<&str, (Vec<&super::Unmodelled>, Vec<&super::Unmodelled>)> = BTreeMap::new();
    for u in &source.unmodelled {
        by.entry(u.kind.as_str()).or_default().0.push(u);
    }
    for u in &target.unmodelled {
        by.entry(u.kind.as_str()).or_default().1.push(u);
    }
    by.into_iter()
        .map(|(kind, (s, t))| {
            let mut differing: Vec<String> = s
                .iter()
                .filter(|x| !t.contains(x))
                .chain(t.iter().filter(|x| !s.contains(x)))
                .map(|x| x.name.clone())
                .collect();
            differing.sort();
            differing.dedup();
            NotCompared {
                kind: kind.to_string(),
                source: s.len(),
                target: t.len(),
                differing,
            }
        })
        .collect()
}

/// Postgres tables whose columns are the same but in another order: a
/// difference `pg_dump` shows that no ALTER can make.
fn column_order(source: &Schema, target: &Schema) -> Vec<String> {
    if source.engine != crate::db::Engine::Postgres {
        return Vec::new();
    }
    let mut out = Vec::new();
    for s in &source.tables {
        let Some(t) = target.table(&s.schema, &s.name) else {
            continue;
        };
        // Inherited columns are placed by their parent.
        let names = |x: &Table| {
            x.columns
                .iter()
                .filter(|c| !c.inherited)
                .map(|c| c.name.clone())
                .collect::<Vec<_>>()
        };
        let (a, b) = (names(s), names(t));
        let common_a: Vec<&String> = a.iter().filter(|c| b.contains(c)).collect();
        let common_b: Vec<&String> = b.iter().filter(|c| a.contains(c)).collect();
        // Added columns go last: a column the source has before one both
        // sides have ends up elsewhere.
        let last_common = a.iter().rposition(|c| b.contains(c));
        let added_early = a
            .iter()
            .enumerate()
            .any(|(i, c)| !b.contains(c) && last_common.is_some_and(|l| i < l));
        if common_a != common_b || added_early {
            out.push(format!(
                "column order of {}.{} differs (Postgres cannot reorder columns; new columns go last)",
                s.schema, s.name
            ));
        }
    }
    out
}

fn renames(source: &Schema, target: &Schema) -> Vec<RenameCandidate> {
    let d = super::ddl::Ddl::canonical(source.engine);
    let body = |t: &Table| {
        let mut t = t.clone();
        t.name = String::new();
        d.create_table(&t, true)
    };
    let mut out = Vec::new();
    let only_src: Vec<&Table> = source
        .tables
        .iter()
        .filter(|t| counterpart(target, t).is_none())
        .collect();
    let only_tgt: Vec<&Table> = target
        .tables
        .iter()
        .filter(|t| counterpart(source, t).is_none())
        .collect();
    let same_schema = |a: &str, b: &str| source.engine != crate::db::Engine::Postgres || a == b;
    for old in &only_tgt {
        if let Some(new) = only_src
            .iter()
            .find(|n| same_schema(&n.schema, &old.schema) && body(n) == body(old))
        {
            out.push(RenameCandidate {
                kind: "table",
                from: display_name(source.engine, &old.schema, &old.name),
                to: new.name.clone(),
            });
        }
    }
    for s in &source.tables {
        let Some(t) = counterpart(target, s) else {
            continue;
        };
        let added: Vec<_> = s.columns.iter().filter(|c| t.column(&c.name).is_none()).collect();
        for old in t.columns.iter().filter(|c| s.column(&c.name).is_none()) {
            let same = |n: &&&super::ColumnDef| {
                n.data_type == old.data_type
                    && n.nullable == old.nullable
                    && super::normalize::opt(&n.default) == super::normalize::opt(&old.default)
                    && n.identity == old.identity
                    && n.generated == old.generated
            };
            if let Some(new) = added.iter().find(same) {
                out.push(RenameCandidate {
                    kind: "column",
                    from: format!("{}.{}", display_name(source.engine, &t.schema, &t.name), old.name),
                    to: new.name.clone(),
                });
            }
        }
    }
    out
}

/// The table of `schema` that `t` (from the other side) corresponds to: by
/// schema and name on Postgres, by name alone on MySQL (the schema is the
/// database, named differently on each side) and case-insensitively on SQLite.
pub fn counterpart<'a>(schema: &'a Schema, t: &Table) -> Option<&'a Table> {
    match schema.engine {
        crate::db::Engine::Postgres => schema.table(&t.schema, &t.name),
        crate::db::Engine::Mysql => schema.tables.iter().find(|x| x.name == t.name),
        crate::db::Engine::Sqlite => schema.tables.iter().find(|x| x.name.eq_ignore_ascii_case(&t.name)),
    }
}

impl SchemaDiff {
    /// True when every modelled object is equal.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// True when nothing differs at all: modelled objects equal, unmodelled
    /// ones equal by definition, nothing seen but not migrated. Only then
    /// can a migration be called verified.
    pub fn is_identical(&self) -> bool {
        self.changes.is_empty()
            && self.not_compared.iter().all(|n| n.differing.is_empty())
            && self.not_migrated.is_empty()
    }

    /// Lines naming what was not compared or not migrated (empty when none).
    pub fn caveats(&self) -> Vec<String> {
        let mut out = Vec::new();
        for n in &self.not_compared {
            let mut line = format!(
                "not compared: {} {} (source {}, target {})",
                n.source.max(n.target),
                n.kind,
                n.source,
                n.target
            );
            if n.differing.is_empty() {
                line.push_str(", equal by definition, never migrated");
            } else {
                line.push_str(&format!(", differ: {}", n.differing.join(", ")));
            }
            out.push(line);
        }
        for m in &self.not_migrated {
            out.push(format!("not migrated: {m}"));
        }
        out
    }

    /// Counts by kind, in kind order.
    pub fn summary(&self) -> Vec<KindCount> {
        let mut by: BTreeMap<Kind, KindCount> = BTreeMap::new();
        for c in &self.changes {
            let e = by.entry(c.kind).or_insert_with(|| KindCount {
                kind: c.kind.label().to_string(),
                ..Default::default()
            });
            match c.status {
                Status::Added => e.added += 1,
                Status::Removed => e.removed += 1,
                Status::Changed => e.changed += 1,
            }
        }
        by.into_values().collect()
    }

    /// Summary then a unified diff per object; ANSI colours when `color`.
    pub fn render(&self, source_label: &str, target_label: &str, color: bool) -> String {
        let paint = |code: &str, s: &str| {
            if color {
                format!("\x1b[{code}m{s}\x1b[0m")
            } else {
                s.to_string()
            }
        };
        let mut out = String::new();
        if self.is_empty() {
            if self.is_identical() {
                let _ = writeln!(out, "No differences: {target_label} already matches {source_label}.");
            } else {
                let _ = writeln!(
                    out,
                    "No differences in what dbn models: {target_label} matches {source_label} there, but:"
                );
                for c in self.caveats() {
                    let _ = writeln!(out, "  {c}");
                }
            }
            return out;
        }
        let _ = writeln!(
            out,
            "{}",
            paint(
                "1",
                &format!("Schema diff: changes to make {target_label} match {source_label}")
            )
        );
        for k in self.summary() {
            let _ = writeln!(
                out,
                "  {:<20} {} {} {}",
                k.kind,
                paint("32", &format!("+{} added", k.added)),
                paint("31", &format!("-{} removed", k.removed)),
                paint("33", &format!("~{} changed", k.changed)),
            );
        }
        for c in self.caveats() {
            let _ = writeln!(out, "  {}", paint("35", &c));
        }
        for c in &self.changes {
            let mark = match c.status {
                Status::Added => paint("32", "added"),
                Status::Removed => paint("31", "removed"),
                Status::Changed => paint("33", "changed"),
            };
            let _ = writeln!(
                out,
                "\n{} {} ({mark})",
                paint("1", c.kind.singular()),
                paint("1", &c.name)
            );
            let old = c.target.as_deref().map(with_newline).unwrap_or_default();
            let new = c.source.as_deref().map(with_newline).unwrap_or_default();
            let _ = writeln!(out, "{}", paint("1", &format!("--- {target_label}")));
            let _ = writeln!(out, "{}", paint("1", &format!("+++ {source_label}")));
            let td = TextDiff::from_lines(old.as_str(), new.as_str());
            for group in td.grouped_ops(3) {
                let (Some(first), Some(last)) = (group.first(), group.last()) else {
                    continue;
                };
                let o = first.old_range().start..last.old_range().end;
                let n = first.new_range().start..last.new_range().end;
                let _ = writeln!(
                    out,
                    "{}",
                    paint(
                        "36",
                        &format!("@@ -{},{} +{},{} @@", hunk_start(&o), o.len(), hunk_start(&n), n.len())
                    )
                );
                for op in &group {
                    for ch in td.iter_changes(op) {
                        let line = ch.value().trim_end_matches('\n');
                        let _ = match ch.tag() {
                            ChangeTag::Delete => writeln!(out, "{}", paint("31", &format!("-{line}"))),
                            ChangeTag::Insert => writeln!(out, "{}", paint("32", &format!("+{line}"))),
                            ChangeTag::Equal => writeln!(out, " {line}"),
                        };
                    }
                }
            }
        }
        if !self.renames.is_empty() {
            let _ = writeln!(
                out,
                "\nPossible renames (not assumed: the migration drops and creates unless you pass these to `dbn sync schema`):"
            );
            for r in &self.renames {
                let _ = writeln!(out, "  {:<7} --rename {}={}", r.kind, r.from, r.to);
            }
        }
        out
    }
}

/// 1-based start line of a hunk side; 0 for an empty side, as `diff -u` prints.
fn hunk_start(r: &std::ops::Range<usize>) -> usize {
    if r.is_empty() { r.start } else { r.start + 1 }
}

fn with_newline(s: &str) -> String {
    if s.ends_with('\n') {
        s.to_string()
    } else {
        format!("{s}\n")
    }
}
