//! Schema snapshots: canonical JSON of the normalized model, stored once
//! per (connection, content hash) and found again by id or label.

use super::{Store, StoreError, StoreResult, now};
use crate::schema::Schema;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

/// A stored snapshot without its body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotInfo {
    /// Row id.
    pub id: i64,
    /// Connection it was taken from.
    pub connection: String,
    /// blake3 of the canonical JSON, hex.
    pub hash: String,
    /// When it was first stored.
    pub created_at: String,
    /// Labels pointing at it.
    pub labels: Vec<String>,
    /// Number of tables, for listings.
    pub tables: usize,
}

/// What `save_schema_snapshot` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Saved {
    /// The snapshot (new or existing).
    pub id: i64,
    /// Content hash.
    pub hash: String,
    /// False when an identical snapshot already existed.
    pub created: bool,
}

/// Canonical JSON of a schema (normalized, stable key order) and its hash.
pub fn canonical(schema: &Schema) -> StoreResult<(String, String)> {
    let mut s = schema.clone();
    s.normalize();
    let body = serde_json::to_string(&s)?;
    let hash = blake3::hash(body.as_bytes()).to_hex().to_string();
    Ok((body, hash))
}

impl Store {
    /// Store a snapshot unless an identical one exists for the connection;
    /// attach `label` (moving it from any older snapshot).
    pub fn save_schema_snapshot(
        &mut self,
        connection: &str,
        schema: &Schema,
        label: Option<&str>,
    ) -> StoreResult<Saved> {
        let (body, hash) = canonical(schema)?;
        let tx = self.conn_mut().transaction()?;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM schema_snapshots WHERE connection = ?1 AND hash = ?2",
                params![connection, hash],
                |r| r.get(0),
            )
            .optional()?;
        let (id, created) = match existing {
            Some(id) => (id, false),
            None => {
                tx.execute(
                    "INSERT INTO schema_snapshots (connection, hash, body, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![connection, hash, body, now()],
                )?;
                (tx.last_insert_rowid(), true)
            }
        };
        if let Some(l) = label {
            tx.execute(
                "DELETE FROM schema_snapshot_labels WHERE connection = ?1 AND label = ?2",
                params![connection, l],
            )?;
            tx.execute(
                "INSERT INTO schema_snapshot_labels (snapshot_id, connection, label, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![id, connection, l, now()],
            )?;
        }
        tx.commit()?;
        Ok(Saved { id, hash, created })
    }

    /// Snapshots, newest first, optionally for one connection.
    pub fn list_schema_snapshots(&self, connection: Option<&str>) -> StoreResult<Vec<SnapshotInfo>> {
        let mut stmt = self.conn().prepare(
            "SELECT s.id, s.connection, s.hash, s.created_at, \
             (SELECT group_concat(label, char(31)) FROM (SELECT label FROM schema_snapshot_labels l WHERE l.snapshot_id = s.id ORDER BY label)), \
             json_array_length(s.body, '$.tables') \
             FROM schema_snapshots s WHERE (?1 IS NULL OR s.connection = ?1) ORDER BY s.id DESC",
        )?;
        let rows = stmt.query_map(params![connection], |r| {
            let labels: Option<String> = r.get(4)?;
            Ok(SnapshotInfo {
                id: r.get(0)?,
                connection: r.get(1)?,
                hash: r.get(2)?,
                created_at: r.get(3)?,
                labels: labels
                    .map(|l| l.split('\u{1f}').map(str::to_string).collect())
                    .unwrap_or_default(),
                tables: r.get::<_, Option<i64>>(5)?.unwrap_or(0).max(0) as usize,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One snapshot's info and schema.
    pub fn schema_snapshot(&self, id: i64) -> StoreResult<(SnapshotInfo, Schema)> {
        let body: Option<String> = self
            .conn()
            .query_row("SELECT body FROM schema_snapshots WHERE id = ?1", params![id], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(body) = body else {
            return Err(StoreError::NotFound {
                kind: "schema snapshot",
                name: id.to_string(),
                hint: ": list them with `dbn snapshot list`".into(),
            });
        };
        let schema: Schema = serde_json::from_str(&body)?;
        let info = self
            .list_schema_snapshots(None)?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| StoreError::NotFound {
                kind: "schema snapshot",
                name: id.to_string(),
                hint: String::new(),
            })?;
        Ok((info, schema))
    }

    /// The snapshot id a label points at for a connection.
    pub fn schema_snapshot_by_label(&self, connection: &str, label: &str) -> StoreResult<i64> {
        self.conn()
            .query_row(
                "SELECT snapshot_id FROM schema_snapshot_labels WHERE connection = ?1 AND label = ?2",
                params![connection, label],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                kind: "schema snapshot label",
                name: format!("{connection}@{label}"),
                hint: format!(": list labels with `dbn snapshot list --conn {connection}`"),
            })
    }

    /// Delete a snapshot and its labels.
    pub fn remove_schema_snapshot(&self, id: i64) -> StoreResult<()> {
        let n = self
            .conn()
            .execute("DELETE FROM schema_snapshots WHERE id = ?1", params![id])?;
        if n == 0 {
            return Err(StoreError::NotFound {
                kind: "schema snapshot",
                name: id.to_string(),
                hint: ": list them with `dbn snapshot list`".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::db::Engine;

    #[test]
    fn identical_schema_is_stored_once_and_relabelled() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("m.db")).unwrap();
        let mut schema = Schema::empty(Engine::Sqlite);
        schema.schemas = vec!["main".into()];
        let a = s.save_schema_snapshot("c", &schema, Some("v1")).unwrap();
        let b = s.save_schema_snapshot("c", &schema, Some("v2")).unwrap();
        assert!(a.created && !b.created);
        assert_eq!(a.id, b.id);
        let list = s.list_schema_snapshots(Some("c")).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].labels, vec!["v1", "v2"]);
        assert_eq!(s.schema_snapshot_by_label("c", "v2").unwrap(), a.id);
        schema.schemas.push("other".into());
        let c = s.save_schema_snapshot("c", &schema, Some("v2")).unwrap();
        assert!(c.created);
        assert_eq!(s.schema_snapshot_by_label("c", "v2").unwrap(), c.id);
        let (_, back) = s.schema_snapshot(c.id).unwrap();
        assert_eq!(back.schemas, vec!["main", "other"]);
        s.remove_schema_snapshot(a.id).unwrap();
        assert!(s.remove_schema_snapshot(a.id).is_err());
        assert!(s.schema_snapshot_by_label("c", "v1").is_err());
    }
}
