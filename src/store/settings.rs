//! Small key/value settings stored in the workspace.

use super::{Store, StoreResult};
use rusqlite::{OptionalExtension, params};

impl Store {
    /// Read a setting.
    pub fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Write a setting.
    pub fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        self.conn().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// A stable random id for this workspace (keys keyring entries, so two
    /// workspaces never share secrets by accident).
    pub fn workspace_id(&self) -> StoreResult<String> {
        if let Some(id) = self.setting("workspace_id")? {
            return Ok(id);
        }
        let id = uuid::Uuid::new_v4().to_string();
        self.set_setting("workspace_id", &id)?;
        Ok(id)
    }
}
