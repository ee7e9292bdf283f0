//! Saved queries in nested folders. Users write folder paths with `/`
//! (`reports/monthly`); the tables keep one row per folder level.

use super::{Store, StoreError, StoreResult, now};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

/// A saved query with its folder path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SavedQuery {
    /// Row id.
    pub id: i64,
    /// Name inside its folder.
    pub name: String,
    /// Folder path (`a/b`), empty at the top level.
    pub folder: String,
    /// Connection it was written for, if any.
    pub connection: Option<String>,
    /// SQL text.
    pub sql: String,
    /// Last change.
    pub updated_at: String,
}

impl SavedQuery {
    /// `folder/name` or `name`.
    pub fn path(&self) -> String {
        if self.folder.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.folder, self.name)
        }
    }
}

/// Split `a/b/name` into (`a/b`, `name`), trimming blanks.
pub fn split_path(path: &str) -> (String, String) {
    let parts: Vec<&str> = path.split('/').map(str::trim).filter(|p| !p.is_empty()).collect();
    match parts.split_last() {
        Some((name, dirs)) => (dirs.join("/"), (*name).to_string()),
        None => (String::new(), String::new()),
    }
}

type SavedRow = (i64, String, Option<i64>, Option<String>, String, String);

impl Store {
    /// The id of folder `path`, creating missing levels when `create` is set.
    pub fn folder_id(&self, path: &str, create: bool) -> StoreResult<Option<i64>> {
        let mut parent: Option<i64> = None;
        for part in path.split('/').map(str::trim).filter(|p| !p.is_empty()) {
            let found: Option<i64> = self
                .conn()
                .query_row(
                    "SELECT id FROM folders WHERE coalesce(parent_id, 0) = coalesce(?1, 0) AND name = ?2",
                    params![parent, part],
                    |r| r.get(0),
                )
                .optional()?;
            parent = Some(match (found, create) {
                (Some(id), _) => id,
                (None, true) => {
                    self.conn().execute(
                        "INSERT INTO folders (name, parent_id, created_at) VALUES (?1, ?2, ?3)",
                        params![part, parent, now()],
                    )?;
                    self.conn().last_insert_rowid()
                }
                (None, false) => {
                    return Err(StoreError::NotFound {
                        kind: "folder",
                        name: path.to_string(),
                        hint: ": save a query into it to create it".into(),
                    });
                }
            });
        }
        Ok(parent)
    }

    fn folder_path(&self, id: Option<i64>) -> StoreResult<String> {
        let mut parts = Vec::new();
        let mut cur = id;
        // Folder chains are short; a depth cap guards against a corrupted cycle.
        for _ in 0..64 {
            let Some(i) = cur else { break };
            let (name, parent): (String, Option<i64>) =
                self.conn()
                    .query_row("SELECT name, parent_id FROM folders WHERE id = ?1", [i], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })?;
            parts.push(name);
            cur = parent;
        }
        parts.reverse();
        Ok(parts.join("/"))
    }

    /// Save `sql` as `path` (`folder/name`); an existing query of that path is replaced.
    pub fn save_query(&self, path: &str, sql: &str, connection: Option<&str>) -> StoreResult<i64> {
        let (folder, name) = split_path(path);
        if name.is_empty() {
            return Err(StoreError::NotFound {
                kind: "query name",
                name: path.to_string(),
                hint: ": give a name such as reports/daily-signups".into(),
            });
        }
        let fid = self.folder_id(&folder, true)?;
        let ts = now();
        let existing: Option<i64> = self
            .conn()
            .query_row(
                "SELECT id FROM saved_queries WHERE coalesce(folder_id, 0) = coalesce(?1, 0) AND name = ?2",
                params![fid, name],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = existing {
            self.conn().execute(
                "UPDATE saved_queries SET sql = ?1, connection = ?2, updated_at = ?3 WHERE id = ?4",
                params![sql, connection, ts, id],
            )?;
            return Ok(id);
        }
        self.conn().execute(
            "INSERT INTO saved_queries (name, folder_id, connection, sql, created_at, updated_at) VALUES (?1,?2,?3,?4,?5,?5)",
            params![name, fid, connection, sql, ts],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Every saved query, sorted by folder path then name.
    pub fn list_saved(&self) -> StoreResult<Vec<SavedQuery>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT id, name, folder_id, connection, sql, updated_at FROM saved_queries")?;
        let rows: Vec<SavedRow> = stmt
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, name, fid, connection, sql, updated_at) in rows {
            out.push(SavedQuery {
                id,
                name,
                folder: self.folder_path(fid)?,
                connection,
                sql,
                updated_at,
            });
        }
        out.sort_by(|a, b| (&a.folder, &a.name).cmp(&(&b.folder, &b.name)));
        Ok(out)
    }

    /// Rename a saved query inside its folder.
    pub fn rename_saved(&self, id: i64, new_name: &str) -> StoreResult<()> {
        let name = new_name.trim();
        self.conn()
            .execute(
                "UPDATE saved_queries SET name = ?1, updated_at = ?2 WHERE id = ?3",
                params![name, now(), id],
            )
            .map_err(|e| exists_or(e, name))?;
        Ok(())
    }

    /// Move a saved query to folder `path` (empty for the top level), creating it.
    pub fn move_saved(&self, id: i64, folder: &str) -> StoreResult<()> {
        let fid = self.folder_id(folder, true)?;
        self.conn()
            .execute(
                "UPDATE saved_queries SET folder_id = ?1, updated_at = ?2 WHERE id = ?3",
                params![fid, now(), id],
            )
            .map_err(|e| exists_or(e, folder))?;
        Ok(())
    }

    /// Delete a saved query.
    pub fn delete_saved(&self, id: i64) -> StoreResult<()> {
        self.conn().execute("DELETE FROM saved_queries WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Delete a folder with everything in it.
    pub fn delete_folder(&self, path: &str) -> StoreResult<()> {
        if let Some(id) = self.folder_id(path, false)? {
            self.conn().execute("DELETE FROM folders WHERE id = ?1", [id])?;
        }
        Ok(())
    }
}

fn exists_or(e: rusqlite::Error, name: &str) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, _) = &e
        && f.code == rusqlite::ErrorCode::ConstraintViolation
    {
        return StoreError::Exists {
            kind: "saved query",
            name: name.to_string(),
            hint: ": pick another name or delete the other one first".into(),
        };
    }
    StoreError::Sqlite(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_list_rename_move_delete() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("m.db")).unwrap();
        let a = s.save_query("reports/monthly/signups", "select 1", Some("pg")).unwrap();
        let b = s.save_query("scratch", "select 2", None).unwrap();
        assert_eq!(s.save_query("reports/monthly/signups", "select 3", None).unwrap(), a);
        let all = s.list_saved().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].path(), "scratch");
        assert_eq!(all[1].path(), "reports/monthly/signups");
        assert_eq!(all[1].sql, "select 3");
        s.rename_saved(a, "users").unwrap();
        s.move_saved(b, "reports").unwrap();
        let paths: Vec<String> = s.list_saved().unwrap().iter().map(SavedQuery::path).collect();
        assert_eq!(paths, vec!["reports/scratch", "reports/monthly/users"]);
        s.save_query("reports/users2", "x", None).unwrap();
        let err = s.rename_saved(b, "users2").unwrap_err().to_string();
        assert!(err.contains("already exists"), "{err}");
        s.delete_saved(b).unwrap();
        s.delete_folder("reports/monthly").unwrap();
        let paths: Vec<String> = s.list_saved().unwrap().iter().map(SavedQuery::path).collect();
        assert_eq!(paths, vec!["reports/users2"]);
        assert!(s.folder_id("nope", false).is_err());
    }
}
