//! Timed write unlocks of read-only databases. An unlock belongs to a
//! database (its key: engine, host, port, database), not to a connection
//! name, and remembers the fingerprint of the connection that granted it so
//! that editing that connection ends it. Unlocks for one command or one TUI
//! run are never stored. Auditing grants and ends is the caller's job
//! (`ops::unlock`), before the row changes.

use super::{Store, StoreResult, now};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

/// What identifies the database an unlock belongs to and the connection
/// that asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnlockKey {
    /// The database: `postgres://host:port/db`, `sqlite:/abs/path`.
    pub db_key: String,
    /// The connection asking (or granting).
    pub connection: String,
    /// The connection's URL, tag and read-only flag, hashed.
    pub fingerprint: String,
}

/// A stored, unexpired timed unlock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unlock {
    /// The database it belongs to.
    pub db_key: String,
    /// Connection that granted it.
    pub connection: String,
    /// Expiry (RFC 3339 UTC).
    pub until: String,
    /// Who confirmed it (`typed 'prod'`, `--confirm prod`).
    pub confirmed_by: String,
    /// When it was granted.
    pub created_at: String,
    /// The audit entry that recorded the grant.
    pub audit_id: Option<i64>,
    #[serde(skip)]
    fingerprint: String,
}

impl Unlock {
    /// An unlock held outside the store (in-memory records for tests).
    pub fn in_memory(key: &UnlockKey, until: &str, confirmed_by: &str) -> Unlock {
        Unlock {
            db_key: key.db_key.clone(),
            connection: key.connection.clone(),
            until: until.to_string(),
            confirmed_by: confirmed_by.to_string(),
            created_at: crate::store::now(),
            audit_id: None,
            fingerprint: key.fingerprint.clone(),
        }
    }

    /// Seconds left at `now`, rounded up; 0 once expired.
    pub fn seconds_left(&self) -> u64 {
        chrono::DateTime::parse_from_rfc3339(&self.until)
            .map(|t| (t.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_milliseconds())
            .map_or(0, |ms| u64::try_from((ms + 999) / 1000).unwrap_or(0))
    }
}

/// Why a stored unlock no longer applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lapsed {
    /// The granting connection's URL, tag or read-only flag changed.
    ConnectionChanged(Unlock),
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Unlock> {
    Ok(Unlock {
        db_key: r.get(0)?,
        connection: r.get(1)?,
        fingerprint: r.get(2)?,
        until: r.get(3)?,
        confirmed_by: r.get(4)?,
        created_at: r.get(5)?,
        audit_id: r.get(6)?,
    })
}

const COLUMNS: &str = "db_key, connection, fingerprint, until, confirmed_by, created_at, audit_id";

impl Store {
    /// Store a timed unlock of `key`'s database for `minutes` (replacing any).
    pub fn store_unlock(
        &self,
        key: &UnlockKey,
        minutes: u32,
        confirmed_by: &str,
        audit_id: Option<i64>,
    ) -> StoreResult<Unlock> {
        let created = chrono::Utc::now();
        let unlock = Unlock {
            db_key: key.db_key.clone(),
            connection: key.connection.clone(),
            fingerprint: key.fingerprint.clone(),
            until: rfc3339(created + chrono::Duration::minutes(i64::from(minutes))),
            confirmed_by: confirmed_by.to_string(),
            created_at: rfc3339(created),
            audit_id,
        };
        self.conn().execute(
            "INSERT INTO unlocks (db_key, connection, fingerprint, until, confirmed_by, created_at, audit_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (db_key) DO UPDATE SET connection = excluded.connection, fingerprint = excluded.fingerprint,
               until = excluded.until, confirmed_by = excluded.confirmed_by, created_at = excluded.created_at,
               audit_id = excluded.audit_id",
            params![
                unlock.db_key,
                unlock.connection,
                unlock.fingerprint,
                unlock.until,
                unlock.confirmed_by,
                unlock.created_at,
                unlock.audit_id
            ],
        )?;
        Ok(unlock)
    }

    /// The unexpired timed unlock of `key`'s database. Expired rows are
    /// removed. A row granted through the same connection name whose
    /// fingerprint differs (its URL, tag or read-only flag changed since) is
    /// removed too and reported as lapsed, so the caller can audit the end.
    pub fn active_unlock(&self, key: &UnlockKey) -> StoreResult<(Option<Unlock>, Option<Lapsed>)> {
        let now = now();
        self.conn()
            .execute("DELETE FROM unlocks WHERE until <= ?1", params![now])?;
        let found = self
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM unlocks WHERE db_key = ?1 AND until > ?2"),
                params![key.db_key, now],
                row,
            )
            .optional()?;
        match found {
            Some(u) if u.connection == key.connection && u.fingerprint != key.fingerprint => {
                self.conn()
                    .execute("DELETE FROM unlocks WHERE db_key = ?1", params![u.db_key])?;
                Ok((None, Some(Lapsed::ConnectionChanged(u))))
            }
            other => Ok((other, None)),
        }
    }

    /// Every unexpired unlock, soonest expiry first.
    pub fn list_unlocks(&self) -> StoreResult<Vec<Unlock>> {
        let now = now();
        self.conn()
            .execute("DELETE FROM unlocks WHERE until <= ?1", params![now])?;
        let mut stmt = self
            .conn()
            .prepare(&format!("SELECT {COLUMNS} FROM unlocks ORDER BY until"))?;
        let rows = stmt.query_map([], row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Remove the unlock of a database. Returns it when one was active.
    pub fn remove_unlock(&self, db_key: &str) -> StoreResult<Option<Unlock>> {
        let found = self
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM unlocks WHERE db_key = ?1 AND until > ?2"),
                params![db_key, now()],
                row,
            )
            .optional()?;
        self.conn()
            .execute("DELETE FROM unlocks WHERE db_key = ?1", params![db_key])?;
        Ok(found)
    }

    /// Unlocks granted through connection `name` (ended when it is edited or removed).
    pub fn unlocks_granted_by(&self, name: &str) -> StoreResult<Vec<Unlock>> {
        Ok(self
            .list_unlocks()?
            .into_iter()
            .filter(|u| u.connection == name)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("m.db")).unwrap();
        (dir, s)
    }

    fn key(db: &str, conn: &str, fp: &str) -> UnlockKey {
        UnlockKey {
            db_key: db.into(),
            connection: conn.into(),
            fingerprint: fp.into(),
        }
    }

    #[test]
    fn timed_unlock_belongs_to_the_database_then_expires() {
        let (_d, s) = store();
        let prod = key("postgres://h:5432/shop", "prod", "f1");
        assert_eq!(s.active_unlock(&prod).unwrap(), (None, None));
        let u = s.store_unlock(&prod, 10, "typed 'prod'", Some(7)).unwrap();
        assert!(
            u.seconds_left() > 590 && u.seconds_left() <= 600,
            "{}",
            u.seconds_left()
        );
        assert_eq!(s.active_unlock(&prod).unwrap().0, Some(u.clone()));
        // Another name for the same database shares it; another database does not.
        let alias = key("postgres://h:5432/shop", "shop-alias", "f9");
        assert_eq!(s.active_unlock(&alias).unwrap().0, Some(u));
        assert_eq!(
            s.active_unlock(&key("postgres://h:5432/other", "prod2", "f1"))
                .unwrap()
                .0,
            None
        );
        s.conn()
            .execute("UPDATE unlocks SET until = '2000-01-01T00:00:00.000Z'", [])
            .unwrap();
        assert_eq!(s.active_unlock(&prod).unwrap(), (None, None));
        assert!(s.list_unlocks().unwrap().is_empty(), "expired unlocks are removed");
    }

    #[test]
    fn editing_the_granting_connection_ends_it() {
        let (_d, s) = store();
        s.store_unlock(&key("mysql://h:3306/db", "prod", "before"), 5, "typed 'prod'", None)
            .unwrap();
        let (active, lapsed) = s.active_unlock(&key("mysql://h:3306/db", "prod", "after")).unwrap();
        assert_eq!(active, None);
        assert!(matches!(lapsed, Some(Lapsed::ConnectionChanged(u)) if u.connection == "prod"));
        assert!(s.list_unlocks().unwrap().is_empty());
    }

    #[test]
    fn remove_ends_it() {
        let (_d, s) = store();
        s.store_unlock(&key("sqlite:/x.db", "lite", "f"), 5, "typed 'lite'", None)
            .unwrap();
        assert_eq!(s.unlocks_granted_by("lite").unwrap().len(), 1);
        assert!(s.remove_unlock("sqlite:/x.db").unwrap().is_some());
        assert!(s.remove_unlock("sqlite:/x.db").unwrap().is_none());
        assert!(s.list_unlocks().unwrap().is_empty());
    }
}
