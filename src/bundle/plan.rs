//! What an import would do: for every entry in the bundle, add, overwrite,
//! skip, rename or leave unchanged. Computing a plan reads the workspace and
//! never writes.

use super::collect::folder_paths;
use super::{Body, BundleError, BundleResult};
use crate::store::Store;
use rusqlite::OptionalExtension;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

/// What to do with an entry whose key already exists with other content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictMode {
    /// Keep the workspace's entry (the default: an import never changes what you have unless asked).
    Skip,
    /// Replace the workspace's entry with the bundle's.
    Overwrite,
    /// Import the bundle's entry under a new name (`NAME-2`, `NAME-3`, ...).
    Rename,
}

impl ConflictMode {
    /// Name as written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictMode::Skip => "skip",
            ConflictMode::Overwrite => "overwrite",
            ConflictMode::Rename => "rename",
        }
    }
}

/// Sections of a bundle, in the order they are shown and applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// Saved connections.
    Connections,
    /// Folders of saved queries.
    Folders,
    /// Saved queries.
    SavedQueries,
    /// Sync job definitions.
    SyncJobs,
    /// Backup schedules.
    BackupSchedules,
    /// Keymap/theme override files.
    Overrides,
}

impl Section {
    /// Name as shown and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Connections => "connections",
            Section::Folders => "folders",
            Section::SavedQueries => "saved_queries",
            Section::SyncJobs => "sync_jobs",
            Section::BackupSchedules => "backup_schedules",
            Section::Overrides => "overrides",
        }
    }
}

/// The fate of one bundle entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// New in this workspace.
    Add,
    /// Replaces the workspace's entry of the same key.
    Overwrite,
    /// Exists with other content; left as it is.
    Skip,
    /// Exists with other content; imported under this new name.
    Rename(String),
    /// Already present with the same content.
    Unchanged,
}

impl Action {
    /// Short verb: add, overwrite, skip, rename, unchanged.
    pub fn verb(&self) -> &'static str {
        match self {
            Action::Add => "add",
            Action::Overwrite => "overwrite",
            Action::Skip => "skip",
            Action::Rename(_) => "rename",
            Action::Unchanged => "unchanged",
        }
    }

    /// Whether applying it writes anything.
    pub fn writes(&self) -> bool {
        matches!(self, Action::Add | Action::Overwrite | Action::Rename(_))
    }
}

/// One planned entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Its section.
    pub section: Section,
    /// Index into that section of [`Plan::body`].
    pub index: usize,
    /// The entry's key as shown (name, folder path, `connection spec`).
    pub key: String,
    /// What happens to it.
    pub action: Action,
    /// Extra information for the reader, if any.
    pub note: Option<String>,
}

/// A complete import plan.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The bundle body with references to renamed connections rewritten.
    pub body: Body,
    /// Every entry, by section.
    pub items: Vec<Item>,
    /// The conflict mode used.
    pub mode: ConflictMode,
}

impl Plan {
    /// How many items have this verb.
    pub fn count(&self, verb: &str) -> usize {
        self.items.iter().filter(|i| i.action.verb() == verb).count()
    }

    /// Whether applying it would change anything.
    pub fn changes_anything(&self) -> bool {
        self.items.iter().any(|i| i.action.writes())
    }
}

/// Plan importing `body` into the workspace (`store`, `data_dir` = its
/// `.dbnexus/`). `with_passwords` names the connections whose password the
/// bundle carries and will be stored.
pub fn plan(
    store: &Store,
    data_dir: &Path,
    body: &Body,
    mode: ConflictMode,
    with_passwords: &BTreeSet<String>,
    path: &str,
) -> BundleResult<Plan> {
    super::validate::validate(body, path)?;
    let mut items = Vec::new();
    let mut out = body.clone();
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    let bundle_names: HashSet<&str> = body.connections.iter().map(|c| c.name.as_str()).collect();
    let mut taken: HashSet<String> = store.list_connections()?.into_iter().map(|c| c.name).collect();
    taken.extend(bundle_names.iter().map(|s| s.to_string()));
    for (index, e) in body.connections.iter().enumerate() {
        let existing = store.find_connection(&e.name)?;
        let (action, note) = match existing {
            None => (Action::Add, None),
            Some(r) => {
                let same = r.engine.as_str() == e.engine
                    && r.url == e.url
                    && r.tag.as_str() == e.tag
                    && r.color == e.color
                    && r.read_only == e.read_only;
                if same && !with_passwords.contains(&e.name) {
                    (Action::Unchanged, None)
                } else {
                    let why = if same {
                        "same settings; the bundle carries a password"
                    } else {
                        "exists with other settings"
                    };
                    conflict(mode, &e.name, &mut taken, why)
                }
            }
        };
        if let Action::Rename(to) = &action {
            renamed.insert(e.name.clone(), to.clone());
            out.connections[index].name = to.clone();
        }
        let note = match (note, e.has_password, with_passwords.contains(&e.name)) {
            (n, true, false) if action.writes() => Some(join(
                n,
                "its password is not in the bundle: set it with `dbn connect edit NAME --password-stdin`",
            )),
            (n, _, true) if action.writes() => Some(join(n, "password included")),
            (n, _, _) => n,
        };
        items.push(item(Section::Connections, index, &e.name, action, note));
    }
    // Entries that point at a connection imported under a new name follow it.
    for q in &mut out.saved_queries {
        if let Some(to) = q.connection.as_ref().and_then(|c| renamed.get(c)) {
            q.connection = Some(to.clone());
        }
    }
    for s in &mut out.backup_schedules {
        if let Some(to) = renamed.get(&s.connection) {
            s.connection = to.clone();
        }
    }
    plan_folders_and_queries(store, &mut out, mode, &mut items)?;
    plan_jobs(store, &mut out, mode, &mut items)?;
    plan_schedules(store, &out, mode, &mut items)?;
    plan_overrides(data_dir, &out, mode, &mut items)?;
    Ok(Plan { body: out, items, mode })
}

fn plan_folders_and_queries(
    store: &Store,
    out: &mut Body,
    mode: ConflictMode,
    items: &mut Vec<Item>,
) -> BundleResult<()> {
    let c = store.conn();
    let paths = folder_paths(c)?;
    let existing: HashSet<&Vec<String>> = paths.values().collect();
    for (index, f) in out.folders.iter().enumerate() {
        let action = if existing.contains(&f.path) {
            Action::Unchanged
        } else {
            Action::Add
        };
        items.push(item(Section::Folders, index, &f.path.join("/"), action, None));
    }
    let ids: BTreeMap<&Vec<String>, i64> = paths.iter().map(|(id, p)| (p, *id)).collect();
    let mut taken: HashSet<(Vec<String>, String)> = out
        .saved_queries
        .iter()
        .map(|q| (q.folder.clone(), q.name.clone()))
        .collect();
    for (index, q) in out.saved_queries.clone().iter().enumerate() {
        let folder_id = if q.folder.is_empty() {
            Some(0)
        } else {
            ids.get(&q.folder).copied()
        };
        let existing: Option<(Option<String>, String)> = match folder_id {
            None => None,
            Some(fid) => c
                .query_row(
                    "SELECT connection, sql FROM saved_queries WHERE coalesce(folder_id, 0) = ?1 AND name = ?2",
                    rusqlite::params![fid, q.name],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?,
        };
        if let Some(fid) = folder_id {
            let mut stmt = c.prepare("SELECT name FROM saved_queries WHERE coalesce(folder_id, 0) = ?1")?;
            for n in stmt.query_map([fid], |r| r.get::<_, String>(0))? {
                taken.insert((q.folder.clone(), n?));
            }
        }
        let key = if q.folder.is_empty() {
            q.name.clone()
        } else {
            format!("{}/{}", q.folder.join("/"), q.name)
        };
        let (action, note) = match existing {
            None => (Action::Add, None),
            Some((conn, sql)) if conn == q.connection && sql == q.sql => (Action::Unchanged, None),
            Some(_) => {
                let mut names: HashSet<String> = taken
                    .iter()
                    .filter(|(f, _)| *f == q.folder)
                    .map(|(_, n)| n.clone())
                    .collect();
                let r = conflict(mode, &q.name, &mut names, "exists with other SQL or connection");
                if let Action::Rename(to) = &r.0 {
                    taken.insert((q.folder.clone(), to.clone()));
                    out.saved_queries[index].name = to.clone();
                }
                r
            }
        };
        items.push(item(Section::SavedQueries, index, &key, action, note));
    }
    Ok(())
}

fn plan_jobs(store: &Store, out: &mut Body, mode: ConflictMode, items: &mut Vec<Item>) -> BundleResult<()> {
    let c = store.conn();
    let mut taken: HashSet<String> = out.sync_jobs.iter().map(|j| j.name.clone()).collect();
    let mut stmt = c.prepare("SELECT name FROM sync_jobs")?;
    for n in stmt.query_map([], |r| r.get::<_, String>(0))? {
        taken.insert(n?);
    }
    for (index, j) in out.sync_jobs.clone().iter().enumerate() {
        let existing: Option<(String, String)> = c
            .query_row(
                "SELECT kind, definition FROM sync_jobs WHERE name = ?1",
                [&j.name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (action, note) = match existing {
            None => (Action::Add, None),
            Some((k, d)) if k == j.kind && d == j.definition => (Action::Unchanged, None),
            Some(_) => conflict(mode, &j.name, &mut taken, "exists with another definition"),
        };
        if let Action::Rename(to) = &action {
            out.sync_jobs[index].name = to.clone();
        }
        items.push(item(Section::SyncJobs, index, &j.name, action, note));
    }
    Ok(())
}

fn plan_schedules(store: &Store, out: &Body, mode: ConflictMode, items: &mut Vec<Item>) -> BundleResult<()> {
    let c = store.conn();
    for (index, s) in out.backup_schedules.iter().enumerate() {
        let existing: Option<Option<i64>> = c
            .query_row(
                "SELECT keep FROM backup_schedules WHERE connection = ?1 AND spec = ?2 ORDER BY id LIMIT 1",
                [&s.connection, &s.spec],
                |r| r.get(0),
            )
            .optional()?;
        let key = format!("{} {}", s.connection, s.spec);
        let (action, note) = match existing {
            None => (Action::Add, None),
            Some(keep) if keep == s.keep => (Action::Unchanged, None),
            Some(_) => match mode {
                ConflictMode::Skip => (Action::Skip, Some("exists with another keep count".to_string())),
                ConflictMode::Overwrite => (Action::Overwrite, None),
                // A schedule has no name; a second copy of the same schedule would only run twice.
                ConflictMode::Rename => (
                    Action::Skip,
                    Some("exists with another keep count; schedules have no name to rename".to_string()),
                ),
            },
        };
        items.push(item(Section::BackupSchedules, index, &key, action, note));
    }
    Ok(())
}

fn plan_overrides(data_dir: &Path, out: &Body, mode: ConflictMode, items: &mut Vec<Item>) -> BundleResult<()> {
    for (index, o) in out.overrides.iter().enumerate() {
        let path = data_dir.join(format!("{}.toml", o.name));
        let existing = match std::fs::read_to_string(&path) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(BundleError::Io {
                    action: "read",
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        let key = format!("{}.toml", o.name);
        let (action, note) = match existing {
            None => (Action::Add, None),
            Some(t) if t == o.content => (Action::Unchanged, None),
            Some(_) => {
                let mut taken = HashSet::new();
                let mut n = 2;
                while data_dir.join(format!("{}-{n}.toml", o.name)).exists() {
                    taken.insert(format!("{}-{n}", o.name));
                    n += 1;
                }
                let (a, note) = conflict(mode, &o.name, &mut taken, "exists with other content");
                match a {
                    Action::Rename(to) => (
                        Action::Rename(format!("{to}.toml")),
                        Some("saved beside the current file, which stays in use: merge by hand".to_string()),
                    ),
                    other => (other, note),
                }
            }
        };
        items.push(item(Section::Overrides, index, &key, action, note));
    }
    Ok(())
}

/// The action for a key that exists with other content.
fn conflict(mode: ConflictMode, name: &str, taken: &mut HashSet<String>, why: &str) -> (Action, Option<String>) {
    match mode {
        ConflictMode::Skip => (
            Action::Skip,
            Some(format!("{why}; use --on-conflict overwrite or rename to import it")),
        ),
        ConflictMode::Overwrite => (Action::Overwrite, Some(why.to_string())),
        ConflictMode::Rename => {
            let mut n = 2;
            let to = loop {
                let candidate = format!("{name}-{n}");
                if !taken.contains(&candidate) {
                    break candidate;
                }
                n += 1;
            };
            taken.insert(to.clone());
            (Action::Rename(to), Some(why.to_string()))
        }
    }
}

fn item(section: Section, index: usize, key: &str, action: Action, note: Option<String>) -> Item {
    Item {
        section,
        index,
        key: key.to_string(),
        action,
        note,
    }
}

fn join(a: Option<String>, b: &str) -> String {
    match a {
        Some(a) => format!("{a}; {b}"),
        None => b.to_string(),
    }
}
