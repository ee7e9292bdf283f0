//! Saved connections (never with their passwords).

use super::{Store, StoreError, StoreResult, now};
use crate::db::{ConnSpec, Engine};
use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Environment tag of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Tag {
    /// Production: read-only by default.
    Prod,
    /// Staging.
    Stage,
    /// Development.
    #[default]
    Dev,
}

impl Tag {
    /// Name as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Tag::Prod => "prod",
            Tag::Stage => "stage",
            Tag::Dev => "dev",
        }
    }

    /// Parse `prod|stage|dev` (and a few common spellings).
    pub fn parse(s: &str) -> Option<Tag> {
        match s.to_ascii_lowercase().as_str() {
            "prod" | "production" => Some(Tag::Prod),
            "stage" | "staging" => Some(Tag::Stage),
            "dev" | "development" | "local" => Some(Tag::Dev),
            _ => None,
        }
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A saved connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionRecord {
    /// Unique name.
    pub name: String,
    /// Engine.
    pub engine: Engine,
    /// URL without password.
    pub url: String,
    /// Environment tag.
    pub tag: Tag,
    /// Display colour (name or #rrggbb).
    pub color: Option<String>,
    /// Read-only unless unlocked.
    pub read_only: bool,
    /// Where its password lives (`keyring`, `file`), if it has one.
    pub secret_backend: Option<String>,
    /// Creation time.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

impl ConnectionRecord {
    /// Parse the stored URL back into a spec (no password yet).
    pub fn spec(&self) -> Result<ConnSpec, crate::db::DbError> {
        let mut spec = ConnSpec::parse_url(&self.url)?;
        spec.read_only = self.read_only;
        Ok(spec)
    }

    /// Secret store key holding this connection's password.
    pub fn secret_key(&self) -> String {
        secret_key(&self.name)
    }
}

/// Secret store key for a connection name.
pub fn secret_key(name: &str) -> String {
    format!("connection/{name}/password")
}

/// Secret store key holding the passphrase of a connection's encrypted
/// client key (`sslpassword`).
pub fn ssl_password_key(name: &str) -> String {
    format!("connection/{name}/sslpassword")
}

const COLUMNS: &str = "name, engine, url, tag, color, read_only, secret_backend, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<ConnectionRecord> {
    let engine: String = r.get(1)?;
    let tag: String = r.get(3)?;
    Ok(ConnectionRecord {
        name: r.get(0)?,
        engine: Engine::parse(&engine).unwrap_or(Engine::Postgres),
        url: r.get(2)?,
        tag: Tag::parse(&tag).unwrap_or_default(),
        color: r.get(4)?,
        read_only: r.get(5)?,
        secret_backend: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

impl Store {
    /// Add a connection; fails if the name is taken.
    pub fn add_connection(&self, rec: &ConnectionRecord) -> StoreResult<()> {
        if self.find_connection(&rec.name)?.is_some() {
            return Err(StoreError::Exists {
                kind: "connection",
                name: rec.name.clone(),
                hint: ": pick another name, or change it with `dbn connect edit`".into(),
            });
        }
        let ts = now();
        self.conn().execute(
            &format!("INSERT INTO connections ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)"),
            params![
                rec.name,
                rec.engine.as_str(),
                rec.url,
                rec.tag.as_str(),
                rec.color,
                rec.read_only,
                rec.secret_backend,
                ts
            ],
        )?;
        Ok(())
    }

    /// Replace a connection's fields (matched by `old_name`).
    pub fn update_connection(&self, old_name: &str, rec: &ConnectionRecord) -> StoreResult<()> {
        if old_name != rec.name && self.find_connection(&rec.name)?.is_some() {
            return Err(StoreError::Exists {
                kind: "connection",
                name: rec.name.clone(),
                hint: ": pick another name".into(),
            });
        }
        let n = self.conn().execute(
            "UPDATE connections SET name=?1, engine=?2, url=?3, tag=?4, color=?5, read_only=?6, secret_backend=?7, updated_at=?8 WHERE name=?9",
            params![
                rec.name,
                rec.engine.as_str(),
                rec.url,
                rec.tag.as_str(),
                rec.color,
                rec.read_only,
                rec.secret_backend,
                now(),
                old_name
            ],
        )?;
        if n == 0 {
            return Err(not_found(old_name));
        }
        Ok(())
    }

    /// A connection by name, if it exists.
    pub fn find_connection(&self, name: &str) -> StoreResult<Option<ConnectionRecord>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM connections WHERE name = ?1"),
                [name],
                from_row,
            )
            .optional()?)
    }

    /// A connection by name, or a NotFound error naming the known ones.
    pub fn connection(&self, name: &str) -> StoreResult<ConnectionRecord> {
        self.find_connection(name)?.ok_or_else(|| {
            let known: Vec<String> = self
                .list_connections()
                .map(|v| v.into_iter().map(|c| c.name).collect())
                .unwrap_or_default();
            let hint = if known.is_empty() {
                ": no connections are saved yet; add one with `dbn connect add NAME --url URL`".to_string()
            } else {
                format!(": known connections are {}; see `dbn connect list`", known.join(", "))
            };
            StoreError::NotFound {
                kind: "connection",
                name: name.to_string(),
                hint,
            }
        })
    }

    /// All connections, by name.
    pub fn list_connections(&self) -> StoreResult<Vec<ConnectionRecord>> {
        let mut stmt = self
            .conn()
            .prepare(&format!("SELECT {COLUMNS} FROM connections ORDER BY name"))?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Remove a connection by name.
    pub fn remove_connection(&self, name: &str) -> StoreResult<()> {
        let n = self.conn().execute("DELETE FROM connections WHERE name = ?1", [name])?;
        if n == 0 {
            return Err(not_found(name));
        }
        self.conn()
            .execute("DELETE FROM unlocks WHERE connection = ?1", [name])?;
        Ok(())
    }
}

fn not_found(name: &str) -> StoreError {
    StoreError::NotFound {
        kind: "connection",
        name: name.to_string(),
        hint: ": see `dbn connect list`".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(name: &str) -> ConnectionRecord {
        ConnectionRecord {
            name: name.into(),
            engine: Engine::Postgres,
            url: "postgres://u@h/db".into(),
            tag: Tag::Prod,
            color: None,
            read_only: true,
            secret_backend: None,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn crud() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("m.db")).unwrap();
        s.add_connection(&rec("a")).unwrap();
        assert!(matches!(s.add_connection(&rec("a")), Err(StoreError::Exists { .. })));
        let mut r = s.connection("a").unwrap();
        assert_eq!(r.tag, Tag::Prod);
        r.name = "b".into();
        s.update_connection("a", &r).unwrap();
        assert!(s.find_connection("a").unwrap().is_none());
        let err = s.connection("zz").unwrap_err().to_string();
        assert!(err.contains("known connections are b"), "{err}");
        s.remove_connection("b").unwrap();
        assert!(s.list_connections().unwrap().is_empty());
    }
}
