//! Time-limited write unlocks of read-only connections. An unlock for one
//! invocation is never stored (it dies with the process); a timed one is a
//! row in `unlocks` until it expires. Every grant and revoke is audited.

use super::audit::AuditEntry;
use super::{Store, StoreResult, now};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use std::path::Path;

/// An active unlock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unlock {
    /// Connection name.
    pub connection: String,
    /// Expiry (RFC 3339 UTC); for a one-invocation unlock, the grant time.
    pub until: String,
    /// Who confirmed it (`typed 'prod'`, `--confirm prod`).
    pub confirmed_by: String,
    /// When it was granted.
    pub created_at: String,
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Store {
    /// Grant an unlock on `conn`: for `minutes` minutes, or (None) for this
    /// invocation only, which is audited but not stored.
    pub fn grant_unlock(
        &self,
        conn: &str,
        minutes: Option<u32>,
        confirmed_by: &str,
        jsonl: Option<&Path>,
    ) -> StoreResult<Unlock> {
        let created = chrono::Utc::now();
        let until = minutes.map(|m| created + chrono::Duration::minutes(i64::from(m)));
        let unlock = Unlock {
            connection: conn.to_string(),
            until: rfc3339(until.unwrap_or(created)),
            confirmed_by: confirmed_by.to_string(),
            created_at: rfc3339(created),
        };
        if until.is_some() {
            self.conn().execute(
                "INSERT INTO unlocks (connection, until, confirmed_by, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (connection) DO UPDATE SET until = excluded.until,
                   confirmed_by = excluded.confirmed_by, created_at = excluded.created_at",
                params![unlock.connection, unlock.until, unlock.confirmed_by, unlock.created_at],
            )?;
        }
        let scope = match minutes {
            Some(m) => serde_json::json!({"minutes": m, "until": unlock.until}),
            None => serde_json::json!({"scope": "this invocation"}),
        };
        self.append_audit(
            &AuditEntry {
                connection: Some(conn.to_string()),
                action: "unlock".into(),
                outcome: "ok".into(),
                confirmed_by: Some(confirmed_by.to_string()),
                detail: Some(scope.to_string()),
                ..Default::default()
            },
            jsonl,
        )?;
        Ok(unlock)
    }

    /// The unexpired timed unlock of `conn`, if any. Expired rows are removed.
    pub fn active_unlock(&self, conn: &str) -> StoreResult<Option<Unlock>> {
        let now = now();
        self.conn()
            .execute("DELETE FROM unlocks WHERE until <= ?1", params![now])?;
        Ok(self
            .conn()
            .query_row(
                "SELECT connection, until, confirmed_by, created_at FROM unlocks WHERE connection = ?1 AND until > ?2",
                params![conn, now],
                |r| {
                    Ok(Unlock {
                        connection: r.get(0)?,
                        until: r.get(1)?,
                        confirmed_by: r.get(2)?,
                        created_at: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// End the unlock of `conn` early. Returns whether one was active.
    pub fn revoke_unlock(&self, conn: &str, jsonl: Option<&Path>) -> StoreResult<bool> {
        let active = self.active_unlock(conn)?.is_some();
        let n = self
            .conn()
            .execute("DELETE FROM unlocks WHERE connection = ?1", params![conn])?;
        if active || n > 0 {
            self.append_audit(
                &AuditEntry {
                    connection: Some(conn.to_string()),
                    action: "lock".into(),
                    outcome: "ok".into(),
                    detail: Some(r#"{"revoked":"unlock"}"#.into()),
                    ..Default::default()
                },
                jsonl,
            )?;
        }
        Ok(active)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::audit::AuditFilter;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("m.db")).unwrap();
        (dir, s)
    }

    #[test]
    fn timed_unlock_lasts_then_expires() {
        let (_d, s) = store();
        assert_eq!(s.active_unlock("prod").unwrap(), None);
        let u = s.grant_unlock("prod", Some(10), "typed 'prod'", None).unwrap();
        assert_eq!(s.active_unlock("prod").unwrap(), Some(u));
        assert_eq!(s.active_unlock("other").unwrap(), None);
        // Expire it by moving its end into the past.
        s.conn()
            .execute("UPDATE unlocks SET until = '2000-01-01T00:00:00.000Z'", [])
            .unwrap();
        assert_eq!(s.active_unlock("prod").unwrap(), None);
        let left: i64 = s
            .conn()
            .query_row("SELECT count(*) FROM unlocks", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0, "expired unlocks are removed");
    }

    #[test]
    fn one_invocation_unlock_is_audited_not_stored() {
        let (d, s) = store();
        let jsonl = d.path().join("audit.jsonl");
        s.grant_unlock("prod", None, "--confirm prod", Some(&jsonl)).unwrap();
        assert_eq!(s.active_unlock("prod").unwrap(), None);
        let log = s.list_audit(&AuditFilter::default()).unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].action, "unlock");
        assert_eq!(log[0].confirmed_by.as_deref(), Some("--confirm prod"));
        assert!(std::fs::read_to_string(jsonl).unwrap().contains("\"unlock\""));
    }

    #[test]
    fn revoke_ends_it_and_is_audited() {
        let (_d, s) = store();
        s.grant_unlock("prod", Some(5), "typed 'prod'", None).unwrap();
        assert!(s.revoke_unlock("prod", None).unwrap());
        assert_eq!(s.active_unlock("prod").unwrap(), None);
        assert!(!s.revoke_unlock("prod", None).unwrap());
        let actions: Vec<String> = s
            .list_audit(&AuditFilter::default())
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(actions, vec!["lock", "unlock"]);
    }
}
