//! The backup key, resolved one way for every face: `DBN_BACKUP_KEY` alone
//! when set, else the workspace's own key from the secret store it was
//! recorded in, then the keys imported for reading backups made elsewhere.
//! Resolution reads the workspace's settings first ([`KeySources::read`])
//! and touches the secret store only when a stored key is needed.

use crate::backup::BackupKey;
use crate::backup::crypto::{ENV_KEY, KEY_SECRET, KEY_SETTING};
use crate::error::{Coded, ExitStatus};
use crate::secrets::Secrets;
use crate::store::{Store, StoreError};
use std::collections::BTreeMap;

/// Workspace setting listing imported keys (fingerprint -> secret backend).
pub const EXTRA_KEYS_SETTING: &str = "backup_extra_keys";

/// Secret-store name of an imported key.
pub fn extra_secret(fingerprint: &str) -> String {
    format!("{KEY_SECRET}/{fingerprint}")
}

/// Why no backup key could be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// `DBN_BACKUP_KEY` is not a key.
    #[error("DBN_BACKUP_KEY must be 64 hex characters (32 bytes); the value given is not")]
    BadEnv,
    /// The workspace has no key and none was given.
    #[error(
        "this workspace has no backup key yet (no backup was made here); to read backups made elsewhere import their key with `dbn backup key import FILE` (or set DBN_BACKUP_KEY)"
    )]
    NoKey,
    /// The secret store lost the key it was recorded in.
    #[error(
        "the backup key recorded in the {0} secret store is gone; set DBN_BACKUP_KEY to the key the backups were made with"
    )]
    Gone(String),
    /// The stored key does not parse.
    #[error("the stored backup key is malformed")]
    Malformed,
    /// The secret store failed.
    #[error("cannot read the backup key from the secret store: {0}")]
    Secrets(String),
    /// The workspace's settings could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Coded for KeyError {
    fn code(&self) -> &'static str {
        match self {
            KeyError::BadEnv | KeyError::Malformed => "USAGE",
            KeyError::NoKey => "BACKUP_NO_KEY",
            KeyError::Gone(_) => "BACKUP_KEY_MISSING",
            KeyError::Secrets(_) => "SECRETS",
            KeyError::Store(e) => e.code(),
        }
    }

    fn exit(&self) -> ExitStatus {
        match self {
            KeyError::Store(e) => e.exit(),
            _ => ExitStatus::Usage,
        }
    }
}

/// Where the workspace's backup keys are: the environment, and the secret
/// backends its settings record.
#[derive(Debug, Clone, Default)]
pub struct KeySources {
    env: Option<String>,
    primary: Option<String>,
    extras: BTreeMap<String, String>,
}

impl KeySources {
    /// Read the environment and the workspace's settings (no secret is read yet).
    pub fn read(store: &Store) -> Result<KeySources, KeyError> {
        let env = std::env::var(ENV_KEY).ok().filter(|v| !v.is_empty());
        let primary = store.setting(KEY_SETTING)?;
        let extras = store
            .setting(EXTRA_KEYS_SETTING)?
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default();
        Ok(KeySources { env, primary, extras })
    }

    /// Whether resolving needs the secret store (no `DBN_BACKUP_KEY`, and a key is stored).
    pub fn needs_secrets(&self) -> bool {
        self.env.is_none() && (self.primary.is_some() || !self.extras.is_empty())
    }

    /// The workspace has a key of its own in a secret store.
    pub fn has_stored_primary(&self) -> bool {
        self.primary.is_some()
    }

    /// Fingerprints of the imported keys.
    pub fn extra_fingerprints(&self) -> impl Iterator<Item = &str> {
        self.extras.keys().map(String::as_str)
    }

    /// The imported keys' backends, with one more (after an import).
    pub fn extras_with(&self, fingerprint: &str, backend: &str) -> BTreeMap<String, String> {
        let mut e = self.extras.clone();
        e.insert(fingerprint.to_string(), backend.to_string());
        e
    }

    /// Every key backups can be read with: `DBN_BACKUP_KEY` alone when set,
    /// else the workspace's own key, then imported ones (empty when none).
    pub fn keys(&self, secrets: Option<&Secrets>) -> Result<Vec<BackupKey>, KeyError> {
        if let Some(hex) = &self.env {
            return Ok(vec![BackupKey::from_hex(hex).ok_or(KeyError::BadEnv)?]);
        }
        let mut out = Vec::new();
        if let Some(k) = self.stored_primary(secrets)? {
            out.push(k);
        }
        for (fp, backend) in &self.extras {
            // An imported key that is gone or damaged only hides the backups made with it.
            if let Some(hex) = secrets
                .ok_or_else(no_store)?
                .get(&extra_secret(fp), Some(backend))
                .map_err(|e| KeyError::Secrets(e.to_string()))?
                && let Some(k) = BackupKey::from_hex(&hex)
            {
                out.push(k);
            }
        }
        Ok(out)
    }

    /// The key new backups are written with: `DBN_BACKUP_KEY`, else the
    /// workspace's own (`None` when it has none yet).
    pub fn primary(&self, secrets: Option<&Secrets>) -> Result<Option<BackupKey>, KeyError> {
        if let Some(hex) = &self.env {
            return Ok(Some(BackupKey::from_hex(hex).ok_or(KeyError::BadEnv)?));
        }
        self.stored_primary(secrets)
    }

    /// The workspace's own stored key, whatever the environment says.
    pub fn stored_primary(&self, secrets: Option<&Secrets>) -> Result<Option<BackupKey>, KeyError> {
        let Some(backend) = &self.primary else {
            return Ok(None);
        };
        let hex = self
            .stored_primary_hex(secrets)?
            .ok_or_else(|| KeyError::Gone(backend.clone()))?;
        BackupKey::from_hex(&hex).map(Some).ok_or(KeyError::Malformed)
    }

    /// The workspace's own stored key as hex (for export).
    pub fn stored_primary_hex(
        &self,
        secrets: Option<&Secrets>,
    ) -> Result<Option<zeroize::Zeroizing<String>>, KeyError> {
        let Some(backend) = &self.primary else {
            return Ok(None);
        };
        secrets
            .ok_or_else(no_store)?
            .get(KEY_SECRET, Some(backend))
            .map(|h| h.map(zeroize::Zeroizing::new))
            .map_err(|e| KeyError::Secrets(e.to_string()))
    }
}

fn no_store() -> KeyError {
    KeyError::Secrets("no secret store is open".into())
}
