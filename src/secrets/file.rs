//! Encrypted file backend: one JSON map of secrets, sealed under a master
//! passphrase with the workspace's one construction (`secrets::sealed`).

use super::sealed::{self, Kdf, Key, SealError, Sealed as Message};
use super::{SecretBackend, SecretError, SecretResult};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use zeroize::Zeroizing;

/// Environment variable holding the master passphrase.
pub const ENV_MASTER_PASSWORD: &str = "DBN_MASTER_PASSWORD";

const FORMAT: &str = "dbn-secrets";
const VERSION: u32 = 1;
const PURPOSE: &[u8] = b"dbn-secrets-v1";

#[derive(Serialize, Deserialize)]
struct Sealed {
    format: String,
    version: u32,
    kdf: Kdf,
    nonce: String,
    ciphertext: String,
}

/// The derived key and the salt it was derived with.
type CachedKey = Arc<Mutex<Option<(Vec<u8>, Key)>>>;

/// The encrypted-file secret backend.
#[derive(Clone)]
pub struct FileBackend {
    path: PathBuf,
    // (salt, key) derived once per process.
    cache: CachedKey,
}

impl FileBackend {
    /// A backend over `path` (created on first write).
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            cache: Arc::new(Mutex::new(None)),
        }
    }

    /// File path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file exists yet.
    pub fn exists(&self) -> bool {
        self.path.exists()
    }

    fn load(&self) -> SecretResult<BTreeMap<String, String>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(source) => return Err(self.io(source)),
        };
        let sealed: Sealed = serde_json::from_str(&text).map_err(|e| self.corrupt(&e.to_string()))?;
        if sealed.format != FORMAT {
            return Err(self.corrupt("not a dbn secret store"));
        }
        if sealed.version > VERSION {
            return Err(self.corrupt(&format!(
                "format version {} is newer than this dbn understands",
                sealed.version
            )));
        }
        let key = self.key_for(&sealed.kdf, false)?;
        let message = Message {
            nonce: sealed.nonce,
            ciphertext: sealed.ciphertext,
        };
        let plain = sealed::open(&key, &message, PURPOSE).map_err(|e| {
            // A wrong key must not stay cached.
            if let Ok(mut c) = self.cache.lock() {
                *c = None;
            }
            self.seal_err(e)
        })?;
        serde_json::from_slice(&plain).map_err(|e| self.corrupt(&e.to_string()))
    }

    fn save(&self, map: &BTreeMap<String, String>) -> SecretResult<()> {
        let kdf = match std::fs::read_to_string(&self.path) {
            Ok(text) => {
                let sealed: Sealed = serde_json::from_str(&text).map_err(|e| self.corrupt(&e.to_string()))?;
                sealed.kdf
            }
            Err(_) => Kdf::fresh(),
        };
        let creating = !self.path.exists();
        let key = self.key_for(&kdf, creating)?;
        let plain = Zeroizing::new(serde_json::to_vec(map).map_err(|e| self.corrupt(&e.to_string()))?);
        let Message { nonce, ciphertext } = sealed::seal(&key, &plain, PURPOSE).map_err(|e| self.seal_err(e))?;
        let sealed = Sealed {
            format: FORMAT.into(),
            version: VERSION,
            kdf,
            nonce,
            ciphertext,
        };
        let body = serde_json::to_string_pretty(&sealed).map_err(|e| self.corrupt(&e.to_string()))?;
        write_atomic(&self.path, body.as_bytes()).map_err(|e| self.io(e))
    }

    fn key_for(&self, kdf: &Kdf, creating: bool) -> SecretResult<Key> {
        let salt = kdf.salt_bytes().map_err(|e| self.seal_err(e))?;
        if let Ok(guard) = self.cache.lock()
            && let Some((s, k)) = guard.as_ref()
            && *s == salt
        {
            return Ok(k.clone());
        }
        let pass = passphrase(creating)?;
        let key = kdf.derive(&pass).map_err(|e| self.seal_err(e))?;
        if let Ok(mut guard) = self.cache.lock() {
            *guard = Some((salt, key.clone()));
        }
        Ok(key)
    }

    fn seal_err(&self, e: SealError) -> SecretError {
        match e {
            SealError::WrongPassphrase => SecretError::WrongPassphrase(self.path.display().to_string()),
            SealError::Invalid(why) => self.corrupt(&why),
        }
    }

    fn corrupt(&self, why: &str) -> SecretError {
        SecretError::Corrupt {
            path: self.path.display().to_string(),
            why: why.to_string(),
        }
    }

    fn io(&self, source: std::io::Error) -> SecretError {
        SecretError::Io {
            path: self.path.display().to_string(),
            source,
        }
    }
}

fn passphrase(creating: bool) -> SecretResult<Zeroizing<String>> {
    if let Ok(p) = std::env::var(ENV_MASTER_PASSWORD)
        && !p.is_empty()
    {
        return Ok(Zeroizing::new(p));
    }
    if !std::io::stderr().is_terminal() {
        return Err(SecretError::NoPassphrase);
    }
    let first = Zeroizing::new(
        rpassword::prompt_password("dbn master passphrase (encrypts .dbnexus/secrets): ")
            .map_err(|_| SecretError::NoPassphrase)?,
    );
    if first.is_empty() {
        return Err(SecretError::NoPassphrase);
    }
    if creating {
        let again = Zeroizing::new(
            rpassword::prompt_password("repeat the master passphrase: ").map_err(|_| SecretError::NoPassphrase)?,
        );
        if *again != *first {
            return Err(SecretError::Mismatch);
        }
    }
    Ok(first)
}

pub use crate::fsutil::write_atomic;

impl SecretBackend for FileBackend {
    fn name(&self) -> &'static str {
        "file"
    }

    fn get(&self, key: &str) -> SecretResult<Option<String>> {
        Ok(self.load()?.get(key).cloned())
    }

    fn set(&self, key: &str, value: &str) -> SecretResult<()> {
        let mut map = self.load()?;
        map.insert(key.to_string(), value.to_string());
        self.save(&map)
    }

    fn delete(&self, key: &str) -> SecretResult<()> {
        if !self.exists() {
            return Ok(());
        }
        let mut map = self.load()?;
        if map.remove(key).is_some() {
            self.save(&map)?;
        }
        Ok(())
    }
}
