//! Secret storage: the OS keyring when there is one, otherwise an encrypted
//! file under `.dbnexus/secrets/`.

mod file;
mod keyring_backend;
pub mod sealed;

use crate::config::SecretsConfig;
use crate::workspace::Workspace;
use thiserror::Error;

pub use file::{ENV_MASTER_PASSWORD, FileBackend};
pub use keyring_backend::KeyringBackend;

/// Errors from the secret store. Messages never contain secret values.
#[derive(Debug, Error)]
pub enum SecretError {
    /// The keyring was asked for explicitly but is not usable here.
    #[error(
        "the OS keyring is not available here ({0}); set \"secrets\": {{\"backend\": \"auto\"}} or \"file\" in dbnexus.config.json"
    )]
    KeyringUnavailable(String),
    /// The keyring failed on an operation.
    #[error("OS keyring error: {0}")]
    Keyring(String),
    /// No master passphrase could be obtained.
    #[error(
        "the encrypted secret store needs a master passphrase: set {ENV_MASTER_PASSWORD} or run dbn in a terminal to be prompted"
    )]
    NoPassphrase,
    /// The passphrase does not open the file.
    #[error("the master passphrase does not open '{0}' (wrong {ENV_MASTER_PASSWORD}?). Nothing was changed")]
    WrongPassphrase(String),
    /// The file is damaged.
    #[error(
        "secret store '{path}' is damaged ({why}). Nothing was changed; restore it from a copy or move it aside and re-enter passwords"
    )]
    Corrupt {
        /// File path.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// Passphrases typed twice did not match.
    #[error("the two passphrases do not match; nothing was changed")]
    Mismatch,
    /// Filesystem error.
    #[error("secret store I/O error on '{path}': {source}")]
    Io {
        /// Path.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
}

impl crate::error::Coded for SecretError {
    fn code(&self) -> &'static str {
        match self {
            SecretError::WrongPassphrase(_) => "SECRET_WRONG_PASSPHRASE",
            SecretError::NoPassphrase => "SECRET_NO_PASSPHRASE",
            SecretError::KeyringUnavailable(_)
            | SecretError::Keyring(_)
            | SecretError::Corrupt { .. }
            | SecretError::Mismatch
            | SecretError::Io { .. } => "SECRET_STORE",
        }
    }

    fn exit(&self) -> crate::error::ExitStatus {
        match self {
            // Like a wrong database password.
            SecretError::WrongPassphrase(_) => crate::error::ExitStatus::Connection,
            _ => crate::error::ExitStatus::Usage,
        }
    }
}

/// Result alias for secret calls.
pub type SecretResult<T> = Result<T, SecretError>;

/// A place to keep secrets by key.
pub trait SecretBackend: Send + Sync {
    /// Short name: `keyring` or `file`.
    fn name(&self) -> &'static str;
    /// Read a secret.
    fn get(&self, key: &str) -> SecretResult<Option<String>>;
    /// Store or replace a secret.
    fn set(&self, key: &str, value: &str) -> SecretResult<()>;
    /// Remove a secret (no error when absent).
    fn delete(&self, key: &str) -> SecretResult<()>;
}

/// The secret store chosen for this workspace.
pub struct Secrets {
    primary: Box<dyn SecretBackend>,
    file: FileBackend,
    keyring: Option<KeyringBackend>,
    /// One-line notice to show when the store fell back to the file.
    pub notice: Option<String>,
    /// Why the keyring is not used, when it is not.
    pub keyring_status: String,
}

impl Secrets {
    /// Choose the backend per config: `auto` probes the keyring and falls
    /// back to the encrypted file.
    pub fn open(ws: &Workspace, workspace_id: &str, cfg: &SecretsConfig) -> SecretResult<Secrets> {
        let file = FileBackend::new(ws.secrets_dir().join("secrets.enc"));
        let want = cfg.backend.as_str();
        if want == "file" {
            return Ok(Secrets {
                primary: Box::new(file.clone()),
                file,
                keyring: None,
                notice: None,
                keyring_status: "not used (secrets.backend = \"file\")".into(),
            });
        }
        let service = format!("dbn:{workspace_id}");
        match KeyringBackend::probe(&service) {
            Ok(k) => Ok(Secrets {
                primary: Box::new(k.clone()),
                file,
                keyring: Some(k),
                notice: None,
                keyring_status: "available".into(),
            }),
            Err(why) if want == "keyring" => Err(SecretError::KeyringUnavailable(why)),
            Err(why) => Ok(Secrets {
                primary: Box::new(file.clone()),
                file,
                keyring: None,
                notice: Some(format!(
                    "notice: OS keyring unavailable ({why}); using the encrypted file store in .dbnexus/secrets/"
                )),
                keyring_status: format!("unavailable: {why}"),
            }),
        }
    }

    /// Name of the active backend.
    pub fn backend_name(&self) -> &'static str {
        self.primary.name()
    }

    /// The encrypted file backend (also used for reading secrets recorded there).
    pub fn file(&self) -> &FileBackend {
        &self.file
    }

    /// Store a secret in the active backend; returns the backend name.
    pub fn set(&self, key: &str, value: &str) -> SecretResult<&'static str> {
        self.primary.set(key, value)?;
        Ok(self.primary.name())
    }

    /// Read a secret from the backend recorded for it (or the active one).
    pub fn get(&self, key: &str, recorded: Option<&str>) -> SecretResult<Option<String>> {
        match recorded {
            Some("file") => self.file.get(key),
            Some("keyring") => match &self.keyring {
                Some(k) => k.get(key),
                None => Err(SecretError::KeyringUnavailable(
                    "this password was saved in the OS keyring, which this session cannot reach; re-enter it with `dbn connect edit NAME --password-stdin`".into(),
                )),
            },
            _ => self.primary.get(key),
        }
    }

    /// Delete a secret wherever it may be.
    pub fn delete(&self, key: &str, recorded: Option<&str>) -> SecretResult<()> {
        match recorded {
            Some("keyring") => {
                if let Some(k) = &self.keyring {
                    k.delete(key)?;
                }
                Ok(())
            }
            Some("file") => self.file.delete(key),
            _ => self.primary.delete(key),
        }
    }
}
