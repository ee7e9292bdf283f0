//! The exported backup key: the 32-byte master key sealed under a
//! passphrase with the workspace's one passphrase construction (Argon2id +
//! XChaCha20-Poly1305, see `secrets::sealed`), plus its public fingerprint
//! so a reader can tell which backups it opens before typing anything.

use super::crypto::BackupKey;
use super::{BackupError, BackupResult};
use crate::bundle::{SealedSecrets, open_secrets, seal_secrets};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use zeroize::Zeroizing;

/// Value of the `format` field.
pub const FORMAT: &str = "dbn-backup-key";
const ENTRY: &str = "backup-key";

/// A key file as written by `dbn backup key export`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    /// Always `dbn-backup-key`.
    pub format: String,
    /// Format version (1).
    pub version: u32,
    /// Fingerprint of the key inside (as in manifests).
    pub fingerprint: String,
    /// The sealed key.
    pub sealed: SealedSecrets,
}

/// Seal `hex` (the master key) under `pass` as key-file JSON.
pub fn seal(hex: &str, pass: &str) -> BackupResult<String> {
    let key = BackupKey::from_hex(hex).ok_or(BackupError::BadKey)?;
    let mut map = BTreeMap::new();
    map.insert(ENTRY.to_string(), Zeroizing::new(hex.to_string()));
    let sealed = seal_secrets(&map, pass).map_err(|e| BackupError::Unsupported(e.to_string()))?;
    let file = KeyFile {
        format: FORMAT.into(),
        version: 1,
        fingerprint: key.fingerprint().to_string(),
        sealed,
    };
    serde_json::to_string_pretty(&file).map_err(|e| BackupError::Unsupported(e.to_string()))
}

/// Read a key file's header (no passphrase needed).
pub fn parse(text: &str, path: &str) -> BackupResult<KeyFile> {
    let f: KeyFile = serde_json::from_str(text).map_err(|e| {
        BackupError::Unsupported(format!(
            "'{path}' is not a backup key file written by `dbn backup key export` ({e})"
        ))
    })?;
    if f.format != FORMAT || f.version != 1 {
        return Err(BackupError::Unsupported(format!(
            "'{path}' is not a backup key file this dbn reads (format '{}', version {})",
            f.format, f.version
        )));
    }
    Ok(f)
}

/// Open a key file with `pass`; the master key as hex.
pub fn open(f: &KeyFile, pass: &str, path: &str) -> BackupResult<Zeroizing<String>> {
    let mut map = open_secrets(&f.sealed, pass, path).map_err(|e| match e {
        crate::bundle::BundleError::WrongPassphrase { .. } => BackupError::Unsupported(format!(
            "wrong passphrase for the backup key in '{path}' (or the file was altered); nothing was imported"
        )),
        other => BackupError::Unsupported(other.to_string()),
    })?;
    let hex = map
        .remove(ENTRY)
        .ok_or_else(|| BackupError::Unsupported(format!("'{path}' holds no backup key")))?;
    let key = BackupKey::from_hex(&hex).ok_or(BackupError::BadKey)?;
    if key.fingerprint() != f.fingerprint {
        return Err(BackupError::Unsupported(format!(
            "the key in '{path}' has fingerprint {} but the file says {}; the file was altered",
            key.fingerprint(),
            f.fingerprint
        )));
    }
    Ok(hex)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open() {
        let hex = "ab".repeat(32);
        let text = seal(&hex, "pw").unwrap();
        let f = parse(&text, "k.json").unwrap();
        assert_eq!(f.fingerprint, BackupKey::from_hex(&hex).unwrap().fingerprint());
        assert_eq!(open(&f, "pw", "k.json").unwrap().as_str(), hex);
        assert!(
            open(&f, "nope", "k.json")
                .unwrap_err()
                .to_string()
                .contains("wrong passphrase")
        );
        assert!(parse("{}", "x").is_err());
    }
}
