//! Implementations of the context traits: the workspace store, and null and
//! recording versions for tests and for faces without a workspace.

use super::context::{AuditError, AuditSink, Progress, ProgressSink, StateStore};
use crate::safety::confirm::Prompt;
use crate::store::audit::{AuditEntry, Completion, OUTCOME_UNKNOWN};
use crate::store::history::NewHistory;
use crate::store::unlocks::{Lapsed, Unlock, UnlockKey};
use crate::store::{Store, StoreError};
use std::ops::DerefMut;
use std::path::PathBuf;

/// The workspace's metadata store (owned or borrowed), with the audit log
/// mirrored to JSONL when configured.
pub struct StoreRecords<S> {
    store: S,
    jsonl: Option<PathBuf>,
}

impl<S: DerefMut<Target = Store>> StoreRecords<S> {
    /// Records in `store`, mirrored to `jsonl`.
    pub fn new(store: S, jsonl: Option<PathBuf>) -> Self {
        Self { store, jsonl }
    }
}

impl StoreRecords<Box<Store>> {
    /// Open the metadata database at `path` for one operation (tasks that
    /// cannot borrow the face's store).
    pub fn open(path: &std::path::Path, jsonl: Option<PathBuf>) -> Result<Self, StoreError> {
        Ok(Self::new(Box::new(Store::open(path)?), jsonl))
    }
}

fn audit_err(e: StoreError) -> AuditError {
    AuditError(e.to_string())
}

impl<S: DerefMut<Target = Store>> AuditSink for StoreRecords<S> {
    fn record(&mut self, entry: &AuditEntry) -> Result<i64, AuditError> {
        self.store.append_audit(entry, self.jsonl.as_deref()).map_err(audit_err)
    }

    fn intent(&mut self, entry: &AuditEntry) -> Result<i64, AuditError> {
        let mut e = entry.clone();
        e.outcome = OUTCOME_UNKNOWN.into();
        self.record(&e)
    }

    fn complete(&mut self, id: i64, done: &Completion) -> Result<(), AuditError> {
        self.store
            .complete_audit(id, done, self.jsonl.as_deref())
            .map_err(audit_err)
    }
}

impl<S: DerefMut<Target = Store>> StateStore for StoreRecords<S> {
    fn active_unlock(&mut self, key: &UnlockKey) -> Result<(Option<Unlock>, Option<Lapsed>), StoreError> {
        self.store.active_unlock(key)
    }

    fn store_unlock(
        &mut self,
        key: &UnlockKey,
        minutes: u32,
        confirmed_by: &str,
        audit_id: Option<i64>,
    ) -> Result<Unlock, StoreError> {
        self.store.store_unlock(key, minutes, confirmed_by, audit_id)
    }

    fn remove_unlock(&mut self, db_key: &str) -> Result<Option<Unlock>, StoreError> {
        self.store.remove_unlock(db_key)
    }

    fn list_unlocks(&mut self) -> Result<Vec<Unlock>, StoreError> {
        self.store.list_unlocks()
    }

    fn add_history(&mut self, entry: &NewHistory<'_>) -> Result<(), StoreError> {
        self.store.add_history(entry).map(|_| ())
    }

    fn save_schema_snapshot(&mut self, connection: &str, schema: &crate::schema::Schema) -> Result<i64, StoreError> {
        self.store.save_schema_snapshot(connection, schema, None).map(|s| s.id)
    }

    fn add_backup(&mut self, record: &crate::store::backups::BackupRecord) -> Result<(), StoreError> {
        self.store.add_backup(record)
    }
}

/// The audit log cannot be written (no workspace store, or it failed to
/// open): every audited step fails with the reason, so nothing that needs an
/// audit entry is sent. Nothing is remembered.
#[derive(Debug, Clone)]
pub struct NoRecords {
    /// Why there is no audit log.
    pub reason: String,
}

impl AuditSink for NoRecords {
    fn record(&mut self, _: &AuditEntry) -> Result<i64, AuditError> {
        Err(AuditError(self.reason.clone()))
    }

    fn intent(&mut self, _: &AuditEntry) -> Result<i64, AuditError> {
        Err(AuditError(self.reason.clone()))
    }

    fn complete(&mut self, _: i64, _: &Completion) -> Result<(), AuditError> {
        Err(AuditError(self.reason.clone()))
    }
}

impl StateStore for NoRecords {
    fn active_unlock(&mut self, _: &UnlockKey) -> Result<(Option<Unlock>, Option<Lapsed>), StoreError> {
        Ok((None, None))
    }

    fn store_unlock(&mut self, _: &UnlockKey, _: u32, _: &str, _: Option<i64>) -> Result<Unlock, StoreError> {
        Err(StoreError::NotFound {
            kind: "workspace store",
            name: self.reason.clone(),
            hint: String::new(),
        })
    }

    fn remove_unlock(&mut self, _: &str) -> Result<Option<Unlock>, StoreError> {
        Ok(None)
    }

    fn list_unlocks(&mut self) -> Result<Vec<Unlock>, StoreError> {
        Ok(Vec::new())
    }

    fn add_history(&mut self, _: &NewHistory<'_>) -> Result<(), StoreError> {
        Ok(())
    }

    fn save_schema_snapshot(&mut self, _: &str, _: &crate::schema::Schema) -> Result<i64, StoreError> {
        Err(StoreError::NotFound {
            kind: "workspace store",
            name: self.reason.clone(),
            hint: String::new(),
        })
    }

    fn add_backup(&mut self, _: &crate::store::backups::BackupRecord) -> Result<(), StoreError> {
        Err(StoreError::NotFound {
            kind: "workspace store",
            name: self.reason.clone(),
            hint: String::new(),
        })
    }
}

/// In-memory records for tests: every entry, completion, unlock and history
/// line is kept; `fail_audit` makes every audit write fail.
#[derive(Debug, Default)]
pub struct MemoryRecords {
    /// Audit entries with their completions applied, oldest first (id = index + 1).
    pub audit: Vec<AuditEntry>,
    /// Timed unlocks by database key.
    pub unlocks: Vec<(UnlockKey, u32, String)>,
    /// History lines (already redacted by the operation).
    pub history: Vec<(String, String, String)>,
    /// Fail every audit write with this message.
    pub fail_audit: Option<String>,
    /// Schema snapshots by connection (id = index + 1).
    pub snapshots: Vec<(String, crate::schema::Schema)>,
    /// Audit writes (entries, intents, completions) that succeed before
    /// every later one fails like `fail_audit` (a store that breaks mid-run).
    pub audit_budget: Option<usize>,
    /// Backups indexed.
    pub backups: Vec<crate::store::backups::BackupRecord>,
}

impl MemoryRecords {
    fn check(&mut self) -> Result<(), AuditError> {
        if let Some(m) = &self.fail_audit {
            return Err(AuditError(m.clone()));
        }
        match self.audit_budget.as_mut() {
            Some(0) => Err(AuditError("the audit store stopped accepting writes".into())),
            Some(n) => {
                *n -= 1;
                Ok(())
            }
            None => Ok(()),
        }
    }
}

impl AuditSink for MemoryRecords {
    fn record(&mut self, entry: &AuditEntry) -> Result<i64, AuditError> {
        self.check()?;
        let mut e = entry.clone();
        e.id = self.audit.len() as i64 + 1;
        self.audit.push(e);
        Ok(self.audit.len() as i64)
    }

    fn intent(&mut self, entry: &AuditEntry) -> Result<i64, AuditError> {
        let mut e = entry.clone();
        e.outcome = OUTCOME_UNKNOWN.into();
        self.record(&e)
    }

    fn complete(&mut self, id: i64, done: &Completion) -> Result<(), AuditError> {
        self.check()?;
        let e = usize::try_from(id - 1)
            .ok()
            .and_then(|i| self.audit.get_mut(i))
            .filter(|e| e.outcome == OUTCOME_UNKNOWN)
            .ok_or_else(|| AuditError(format!("no pending audit entry {id}")))?;
        e.outcome = done.outcome.clone();
        e.rows_affected = done.rows_affected.or(e.rows_affected);
        e.duration_ms = done.duration_ms.or(e.duration_ms);
        if done.detail.is_some() {
            e.detail = done.detail.clone();
        }
        Ok(())
    }
}

impl StateStore for MemoryRecords {
    fn active_unlock(&mut self, key: &UnlockKey) -> Result<(Option<Unlock>, Option<Lapsed>), StoreError> {
        // Timing is the real store's business; here an unlock lasts until removed.
        let found = self.unlocks.iter().find(|(k, _, _)| k.db_key == key.db_key);
        Ok((found.map(|(k, m, how)| memory_unlock(k, *m, how)), None))
    }

    fn store_unlock(
        &mut self,
        key: &UnlockKey,
        minutes: u32,
        confirmed_by: &str,
        _: Option<i64>,
    ) -> Result<Unlock, StoreError> {
        self.unlocks.retain(|(k, _, _)| k.db_key != key.db_key);
        self.unlocks.push((key.clone(), minutes, confirmed_by.to_string()));
        Ok(memory_unlock(key, minutes, confirmed_by))
    }

    fn remove_unlock(&mut self, db_key: &str) -> Result<Option<Unlock>, StoreError> {
        let found = self
            .unlocks
            .iter()
            .find(|(k, _, _)| k.db_key == db_key)
            .map(|(k, m, how)| memory_unlock(k, *m, how));
        self.unlocks.retain(|(k, _, _)| k.db_key != db_key);
        Ok(found)
    }

    fn list_unlocks(&mut self) -> Result<Vec<Unlock>, StoreError> {
        Ok(self
            .unlocks
            .iter()
            .map(|(k, m, how)| memory_unlock(k, *m, how))
            .collect())
    }

    fn add_history(&mut self, entry: &NewHistory<'_>) -> Result<(), StoreError> {
        self.history.push((
            entry.connection.to_string(),
            entry.sql.to_string(),
            entry.outcome.to_string(),
        ));
        Ok(())
    }

    fn save_schema_snapshot(&mut self, connection: &str, schema: &crate::schema::Schema) -> Result<i64, StoreError> {
        self.snapshots.push((connection.to_string(), schema.clone()));
        Ok(self.snapshots.len() as i64)
    }

    fn add_backup(&mut self, record: &crate::store::backups::BackupRecord) -> Result<(), StoreError> {
        self.backups.push(record.clone());
        Ok(())
    }
}

fn memory_unlock(key: &UnlockKey, minutes: u32, how: &str) -> Unlock {
    let until = chrono::Utc::now() + chrono::Duration::minutes(i64::from(minutes));
    Unlock::in_memory(key, &until.to_rfc3339_opts(chrono::SecondsFormat::Millis, true), how)
}

/// A prompt that cannot ask (a job, a TUI that asks through its own dialogs):
/// every confirmation must come from a flag or an earlier grant.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoPrompt;

impl Prompt for NoPrompt {
    fn interactive(&self) -> bool {
        false
    }

    fn ask(&mut self, _: &str) -> std::io::Result<Option<String>> {
        Ok(None)
    }
}

/// Progress nobody watches.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullProgress;

impl ProgressSink for NullProgress {
    fn progress(&mut self, _: Progress) {}
}

/// Progress kept for assertions.
#[derive(Debug, Default, Clone)]
pub struct RecordingProgress(pub Vec<Progress>);

impl ProgressSink for RecordingProgress {
    fn progress(&mut self, p: Progress) {
        self.0.push(p);
    }
}

/// Progress forwarded to a channel (the TUI's event loop, a job's event stream).
pub struct ChannelProgress<F: FnMut(Progress) + Send>(pub F);

impl<F: FnMut(Progress) + Send> ProgressSink for ChannelProgress<F> {
    fn progress(&mut self, p: Progress) {
        (self.0)(p);
    }
}
