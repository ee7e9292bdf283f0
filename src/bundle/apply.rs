//! Apply an import plan: every metadata change in one SQLite transaction;
//! passwords and override files are written before it commits and put back
//! as they were when anything fails.

use super::plan::{Action, Item, Plan, Section};
use super::{BundleError, BundleResult};
use crate::secrets::Secrets;
use crate::store::connections::{Tag, secret_key};
use crate::store::{Store, now};
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// What an applied import wrote besides the metadata rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Connections whose password was stored, by final name.
    pub passwords: Vec<String>,
    /// Backend the passwords went to (`keyring` or `file`).
    pub backend: Option<&'static str>,
    /// Override files written, relative to `.dbnexus/`.
    pub files: Vec<String>,
}

/// Previous states to restore when the import fails half-way.
#[derive(Default)]
struct Undo {
    secrets: Vec<(String, Option<Zeroizing<String>>)>,
    files: Vec<(PathBuf, Option<String>)>,
}

impl Undo {
    /// Best effort: the failure being reported matters more than a failure here.
    fn rollback(&self, secrets: Option<&Secrets>) {
        if let Some(s) = secrets {
            for (key, old) in self.secrets.iter().rev() {
                let _ = match old {
                    Some(v) => s.set(key, v).map(|_| ()),
                    None => s.delete(key, None),
                };
            }
        }
        for (path, old) in self.files.iter().rev() {
            let _ = match old {
                Some(t) => write_file(path, t),
                None => std::fs::remove_file(path),
            };
        }
    }
}

/// Apply `plan` to the workspace (`store`, `data_dir` = its `.dbnexus/`).
/// `passwords` maps bundle connection names to passwords; `secrets` must be
/// given when it is not empty.
pub fn apply(
    store: &mut Store,
    data_dir: &Path,
    plan: &Plan,
    passwords: &BTreeMap<String, Zeroizing<String>>,
    secrets: Option<&Secrets>,
) -> BundleResult<Applied> {
    let tx = store.conn_mut().transaction()?;
    let mut undo = Undo::default();
    match write_all(&tx, data_dir, plan, passwords, secrets, &mut undo) {
        Ok(applied) => match tx.commit() {
            Ok(()) => Ok(applied),
            Err(e) => {
                undo.rollback(secrets);
                Err(e.into())
            }
        },
        Err(e) => {
            drop(tx);
            undo.rollback(secrets);
            Err(e)
        }
    }
}

fn write_all(
    tx: &Transaction<'_>,
    data_dir: &Path,
    plan: &Plan,
    passwords: &BTreeMap<String, Zeroizing<String>>,
    secrets: Option<&Secrets>,
    undo: &mut Undo,
) -> BundleResult<Applied> {
    let mut applied = Applied::default();
    let ts = now();
    let body = &plan.body;
    for it in plan.items.iter().filter(|i| i.action.writes()) {
        match it.section {
            Section::Connections => {
                let c = &body.connections[it.index];
                let engine = crate::db::Engine::parse(&c.engine)
                    .map(|e| e.as_str())
                    .unwrap_or("postgres");
                let tag = Tag::parse(&c.tag).unwrap_or_default().as_str();
                if it.action == Action::Overwrite {
                    tx.execute(
                        "UPDATE connections SET engine=?1, url=?2, tag=?3, color=?4, read_only=?5, updated_at=?6 WHERE name=?7",
                        params![engine, c.url, tag, c.color, c.read_only, ts, c.name],
                    )?;
                } else {
                    tx.execute(
                        "INSERT INTO connections (name, engine, url, tag, color, read_only, secret_backend, created_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?7)",
                        params![c.name, engine, c.url, tag, c.color, c.read_only, ts],
                    )?;
                }
                // Items keep the bundle's name; the body holds the final one.
                if let Some(pw) = passwords.get(&it.key) {
                    let backend = store_password(tx, secrets, &c.name, pw, undo)?;
                    applied.backend = Some(backend);
                    applied.passwords.push(c.name.clone());
                }
            }
            Section::Folders => {
                ensure_folder(tx, &body.folders[it.index].path, &ts)?;
            }
            Section::SavedQueries => {
                let q = &body.saved_queries[it.index];
                let fid = if q.folder.is_empty() {
                    None
                } else {
                    Some(ensure_folder(tx, &q.folder, &ts)?)
                };
                if it.action == Action::Overwrite {
                    tx.execute(
                        "UPDATE saved_queries SET connection=?1, sql=?2, updated_at=?3 WHERE coalesce(folder_id, 0)=?4 AND name=?5",
                        params![q.connection, q.sql, ts, fid.unwrap_or(0), q.name],
                    )?;
                } else {
                    tx.execute(
                        "INSERT INTO saved_queries (name, folder_id, connection, sql, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                        params![q.name, fid, q.connection, q.sql, ts],
                    )?;
                }
            }
            Section::SyncJobs => {
                let j = &body.sync_jobs[it.index];
                if it.action == Action::Overwrite {
                    tx.execute(
                        "UPDATE sync_jobs SET kind=?1, definition=?2, updated_at=?3 WHERE name=?4",
                        params![j.kind, j.definition, ts, j.name],
                    )?;
                } else {
                    tx.execute(
                        "INSERT INTO sync_jobs (name, kind, definition, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                        params![j.name, j.kind, j.definition, ts],
                    )?;
                }
            }
            Section::BackupSchedules => {
                let s = &body.backup_schedules[it.index];
                if it.action == Action::Overwrite {
                    tx.execute(
                        "UPDATE backup_schedules SET keep=?1 WHERE connection=?2 AND spec=?3",
                        params![s.keep, s.connection, s.spec],
                    )?;
                } else {
                    tx.execute(
                        "INSERT INTO backup_schedules (connection, spec, keep, last_run_at, created_at) VALUES (?1, ?2, ?3, NULL, ?4)",
                        params![s.connection, s.spec, s.keep, ts],
                    )?;
                }
            }
            Section::Overrides => {
                let rel = override_file(it, &body.overrides[it.index].name);
                write_override(&data_dir.join(&rel), &body.overrides[it.index].content, undo)?;
                applied.files.push(rel);
            }
        }
    }
    Ok(applied)
}

/// The file an override item writes, relative to `.dbnexus/`.
fn override_file(it: &Item, name: &str) -> String {
    match &it.action {
        Action::Rename(to) => to.clone(),
        _ => format!("{name}.toml"),
    }
}

fn store_password(
    tx: &Transaction<'_>,
    secrets: Option<&Secrets>,
    name: &str,
    pw: &str,
    undo: &mut Undo,
) -> BundleResult<&'static str> {
    let Some(s) = secrets else {
        return Err(BundleError::NoPassphrase(
            "internal: passwords to import but no secret store open; nothing was changed".into(),
        ));
    };
    let key = secret_key(name);
    let old = s.get(&key, None)?.map(Zeroizing::new);
    undo.secrets.push((key.clone(), old));
    let backend = s.set(&key, pw)?;
    tx.execute(
        "UPDATE connections SET secret_backend=?1 WHERE name=?2",
        params![backend, name],
    )?;
    Ok(backend)
}

/// The id of the folder at `path`, creating it and any missing parents.
fn ensure_folder(tx: &Transaction<'_>, path: &[String], ts: &str) -> BundleResult<i64> {
    let mut parent: Option<i64> = None;
    for name in path {
        let found: Option<i64> = tx
            .query_row(
                "SELECT id FROM folders WHERE coalesce(parent_id, 0) = ?1 AND name = ?2",
                params![parent.unwrap_or(0), name],
                |r| r.get(0),
            )
            .optional()?;
        let id = match found {
            Some(id) => id,
            None => {
                tx.execute(
                    "INSERT INTO folders (name, parent_id, created_at) VALUES (?1, ?2, ?3)",
                    params![name, parent, ts],
                )?;
                tx.last_insert_rowid()
            }
        };
        parent = Some(id);
    }
    parent.ok_or_else(|| BundleError::Invalid {
        path: String::new(),
        why: "a folder has an empty path".into(),
    })
}

fn write_override(path: &Path, content: &str, undo: &mut Undo) -> BundleResult<()> {
    let old = match std::fs::read_to_string(path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(io("read", path, source)),
    };
    undo.files.push((path.to_path_buf(), old));
    write_file(path, content).map_err(|e| io("write", path, e))
}

fn write_file(path: &Path, content: &str) -> std::io::Result<()> {
    crate::fsutil::write_atomic(path, content.as_bytes())
}

fn io(action: &'static str, path: &Path, source: std::io::Error) -> BundleError {
    BundleError::Io {
        action,
        path: path.display().to_string(),
        source,
    }
}
