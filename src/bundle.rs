//! Workspace bundles: a versioned, portable JSON document holding a
//! workspace's connections (passwords only when sealed with a passphrase),
//! folders, saved queries, sync job definitions, backup schedules and
//! keymap/theme overrides.
//!
//! The file is one JSON object:
//!
//! ```json
//! { "format": "dbn-bundle", "version": 1, "created_at": "...", "dbn_version": "0.1.0",
//!   "checksum": "blake3:<hex>", "body": { "connections": [...], ... } }
//! ```
//!
//! `checksum` is blake3 over the canonical form of `body` (object keys sorted,
//! no whitespace), so an edited, truncated or damaged body is refused. It is
//! an integrity check, not a signature: whoever can edit the file can
//! recompute it. Row timestamps and ids are deliberately left out of the body
//! (they are local bookkeeping), so exporting, importing and exporting again
//! yields the same body and the same checksum.

mod apply;
mod collect;
mod crypto;
mod format;
mod plan;
mod validate;

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use apply::{Applied, apply};
pub use collect::collect;
pub use crypto::{
    ENV_BUNDLE_PASSPHRASE, Kdf, SealedSecrets, export_passphrase, import_passphrase, open_secrets, seal_secrets,
};
pub use format::{decode, encode};
pub use plan::{Action, ConflictMode, Item, Plan, Section, plan};

/// Name of the sealed-secrets entry holding the workspace's backup key
/// (not a valid connection name, so it never collides with one).
pub const BACKUP_KEY_ENTRY: &str = "@backup-key";

/// The `format` value of every bundle.
pub const FORMAT: &str = "dbn-bundle";
/// The newest bundle version this build writes and reads.
pub const VERSION: u32 = 1;
/// Override files restored into `.dbnexus/` (name in the bundle = file stem).
pub const OVERRIDE_FILES: [&str; 2] = ["keymap", "theme"];

/// Errors reading, writing or applying a bundle. Messages never contain secrets.
#[derive(Debug, Error)]
pub enum BundleError {
    /// Not JSON at all.
    #[error(
        "'{path}' is not a dbn bundle: it is not valid JSON ({why}). Nothing was changed; export it again with `dbn export`"
    )]
    Malformed {
        /// Bundle path.
        path: String,
        /// Parser message.
        why: String,
    },
    /// The JSON stops early.
    #[error(
        "'{path}' is truncated: the JSON ends early ({why}). Nothing was changed; copy the whole file again or export it again"
    )]
    Truncated {
        /// Bundle path.
        path: String,
        /// Parser message.
        why: String,
    },
    /// JSON, but not a bundle (or a required part is missing or mistyped).
    #[error("'{path}' is not a valid dbn bundle: {why}. Nothing was changed; export it again with `dbn export`")]
    Invalid {
        /// Bundle path.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// Written by a newer dbn.
    #[error(
        "'{path}' is a version {found} bundle, newer than this dbn understands (version {VERSION}). Nothing was changed; upgrade dbn to import it"
    )]
    TooNew {
        /// Bundle path.
        path: String,
        /// Version found.
        found: u64,
    },
    /// The body does not match its checksum.
    #[error(
        "'{path}' was modified or damaged after export: its content checksum does not match (recorded {recorded}, computed {computed}). Nothing was changed; export it again from the source workspace"
    )]
    Tampered {
        /// Bundle path.
        path: String,
        /// Checksum in the file.
        recorded: String,
        /// Checksum of the body as read.
        computed: String,
    },
    /// The passphrase does not open the sealed passwords.
    #[error(
        "the passphrase does not open the passwords in '{path}' (wrong {ENV_BUNDLE_PASSPHRASE}?). Nothing was changed; use the passphrase given at export, or import without passwords with --no-secrets"
    )]
    WrongPassphrase {
        /// Bundle path.
        path: String,
    },
    /// No passphrase could be obtained.
    #[error("{0}")]
    NoPassphrase(String),
    /// The two typed passphrases differ.
    #[error("the two passphrases do not match; nothing was written")]
    PassphraseMismatch,
    /// Reading or writing a file failed.
    #[error("cannot {action} '{path}': {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// Path.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The metadata database failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The secret store failed.
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
}

impl crate::error::Coded for BundleError {
    fn code(&self) -> &'static str {
        match self {
            BundleError::Malformed { .. } => "BUNDLE_MALFORMED",
            BundleError::Truncated { .. } => "BUNDLE_TRUNCATED",
            BundleError::Invalid { .. } => "BUNDLE_INVALID",
            BundleError::TooNew { .. } => "BUNDLE_TOO_NEW",
            BundleError::Tampered { .. } => "BUNDLE_TAMPERED",
            BundleError::WrongPassphrase { .. } => "BUNDLE_WRONG_PASSPHRASE",
            BundleError::NoPassphrase(_) => "BUNDLE_NO_PASSPHRASE",
            BundleError::PassphraseMismatch => "BUNDLE_PASSPHRASE_MISMATCH",
            BundleError::Io { .. } => "BUNDLE_IO",
            BundleError::Store(e) => e.code(),
            BundleError::Secret(e) => e.code(),
        }
    }

    fn exit(&self) -> crate::error::ExitStatus {
        use crate::error::ExitStatus;
        match self {
            BundleError::WrongPassphrase { .. } => ExitStatus::Connection,
            BundleError::Store(e) => e.exit(),
            BundleError::Secret(e) => e.exit(),
            _ => ExitStatus::Usage,
        }
    }
}

impl From<rusqlite::Error> for BundleError {
    fn from(e: rusqlite::Error) -> Self {
        BundleError::Store(crate::store::StoreError::Sqlite(e))
    }
}

/// Result alias for bundle calls.
pub type BundleResult<T> = Result<T, BundleError>;

/// A whole bundle file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// Always `dbn-bundle`.
    pub format: String,
    /// Format version.
    pub version: u32,
    /// When it was written (RFC 3339 UTC); not covered by the checksum.
    pub created_at: String,
    /// The dbn version that wrote it.
    pub dbn_version: String,
    /// `blake3:<hex>` of the canonical body.
    pub checksum: String,
    /// The content.
    pub body: Body,
}

/// The checksummed content of a bundle.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    /// Saved connections, by name.
    pub connections: Vec<ConnectionEntry>,
    /// Folders, parents before children.
    pub folders: Vec<FolderEntry>,
    /// Saved queries, by folder then name.
    pub saved_queries: Vec<SavedQueryEntry>,
    /// Sync job definitions, by name.
    pub sync_jobs: Vec<SyncJobEntry>,
    /// Backup schedules, by connection then spec.
    pub backup_schedules: Vec<ScheduleEntry>,
    /// Keymap/theme override files, by name.
    pub overrides: Vec<OverrideEntry>,
    /// Connection passwords sealed with a passphrase (`--with-secrets`).
    pub secrets: Option<SealedSecrets>,
}

/// A connection as carried in a bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionEntry {
    /// Unique name.
    pub name: String,
    /// `postgres`, `mysql` or `sqlite`.
    pub engine: String,
    /// URL without password; SQLite paths stay workspace-relative.
    pub url: String,
    /// `prod`, `stage` or `dev`.
    pub tag: String,
    /// Display colour.
    pub color: Option<String>,
    /// Read-only unless unlocked.
    pub read_only: bool,
    /// Whether the source workspace stored a password for it.
    pub has_password: bool,
}

/// A folder, identified by its path of names from the root.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FolderEntry {
    /// Names from the top folder down to this one.
    pub path: Vec<String>,
}

/// A saved query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedQueryEntry {
    /// Folder path (empty: top level).
    pub folder: Vec<String>,
    /// Name, unique within its folder.
    pub name: String,
    /// Connection it runs on, by name.
    pub connection: Option<String>,
    /// SQL text.
    pub sql: String,
}

/// A sync job definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncJobEntry {
    /// Unique name.
    pub name: String,
    /// `schema` or `data`.
    pub kind: String,
    /// The stored definition, verbatim.
    pub definition: String,
}

/// A backup schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleEntry {
    /// Connection it backs up, by name.
    pub connection: String,
    /// Schedule specification, verbatim.
    pub spec: String,
    /// How many backups to keep.
    pub keep: Option<i64>,
}

/// A keymap or theme override file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideEntry {
    /// `keymap` or `theme` (restored as `.dbnexus/NAME.toml`).
    pub name: String,
    /// File content.
    pub content: String,
}
