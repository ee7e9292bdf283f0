//! Read a workspace into a bundle body (without passwords).

use super::{
    Body, BundleError, BundleResult, ConnectionEntry, FolderEntry, OVERRIDE_FILES, OverrideEntry, SavedQueryEntry,
    ScheduleEntry, SyncJobEntry,
};
use crate::store::Store;
use rusqlite::Connection;
use std::collections::HashMap;
use std::path::Path;

/// Folder id to its path of names from the root.
pub(super) type FolderPaths = HashMap<i64, Vec<String>>;

/// Everything in the workspace at `data_dir` (its `.dbnexus/`) except passwords.
pub fn collect(store: &Store, data_dir: &Path) -> BundleResult<Body> {
    let c = store.conn();
    let connections = store
        .list_connections()?
        .into_iter()
        .map(|r| ConnectionEntry {
            has_password: r.secret_backend.is_some(),
            name: r.name,
            engine: r.engine.as_str().to_string(),
            url: r.url,
            tag: r.tag.as_str().to_string(),
            color: r.color,
            read_only: r.read_only,
        })
        .collect();
    let paths = folder_paths(c)?;
    let mut folders: Vec<FolderEntry> = paths.values().map(|p| FolderEntry { path: p.clone() }).collect();
    // Sorting paths lexicographically puts every parent before its children.
    folders.sort();
    let mut saved_queries = Vec::new();
    let mut stmt = c.prepare("SELECT folder_id, name, connection, sql FROM saved_queries")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let folder_id: Option<i64> = r.get(0)?;
        let folder = match folder_id {
            Some(id) => paths.get(&id).cloned().unwrap_or_default(),
            None => Vec::new(),
        };
        saved_queries.push(SavedQueryEntry {
            folder,
            name: r.get(1)?,
            connection: r.get(2)?,
            sql: r.get(3)?,
        });
    }
    saved_queries.sort_by(|a, b| (&a.folder, &a.name).cmp(&(&b.folder, &b.name)));
    let mut stmt = c.prepare("SELECT name, kind, definition FROM sync_jobs ORDER BY name")?;
    let sync_jobs = stmt
        .query_map([], |r| {
            Ok(SyncJobEntry {
                name: r.get(0)?,
                kind: r.get(1)?,
                definition: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut stmt = c.prepare("SELECT connection, spec, keep FROM backup_schedules ORDER BY connection, spec, id")?;
    let backup_schedules = stmt
        .query_map([], |r| {
            Ok(ScheduleEntry {
                connection: r.get(0)?,
                spec: r.get(1)?,
                keep: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut overrides = Vec::new();
    for name in OVERRIDE_FILES {
        let path = data_dir.join(format!("{name}.toml"));
        match std::fs::read_to_string(&path) {
            Ok(content) => overrides.push(OverrideEntry {
                name: name.to_string(),
                content,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(BundleError::Io {
                    action: "read",
                    path: path.display().to_string(),
                    source,
                });
            }
        }
    }
    Ok(Body {
        connections,
        folders,
        saved_queries,
        sync_jobs,
        backup_schedules,
        overrides,
        secrets: None,
    })
}

/// Every folder's path of names. A parent chain that loops (a damaged
/// database) is cut at the loop rather than followed forever.
pub(super) fn folder_paths(c: &Connection) -> BundleResult<FolderPaths> {
    let mut stmt = c.prepare("SELECT id, name, parent_id FROM folders")?;
    let rows: Vec<(i64, String, Option<i64>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let by_id: HashMap<i64, (String, Option<i64>)> = rows.iter().map(|(id, n, p)| (*id, (n.clone(), *p))).collect();
    let mut out = HashMap::new();
    for (id, _, _) in &rows {
        let mut path = Vec::new();
        let mut cur = Some(*id);
        while let Some(i) = cur {
            let Some((name, parent)) = by_id.get(&i) else { break };
            if path.len() > by_id.len() {
                break;
            }
            path.push(name.clone());
            cur = *parent;
        }
        path.reverse();
        out.insert(*id, path);
    }
    Ok(out)
}
