//! Encrypted file backend: one JSON map of secrets, sealed with
//! XChaCha20-Poly1305 under a key derived by Argon2id from a master passphrase.

use super::{SecretBackend, SecretError, SecretResult};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
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
const AAD: &[u8] = b"dbn-secrets-v1";
// OWASP's minimum Argon2id setting: ~50 ms here, paid once per process.
const M_KIB: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Sealed {
    format: String,
    version: u32,
    kdf: Kdf,
    nonce: String,
    ciphertext: String,
}

#[derive(Serialize, Deserialize, Clone)]
struct Kdf {
    alg: String,
    m_kib: u32,
    t: u32,
    p: u32,
    salt: String,
}

type Key = Zeroizing<[u8; 32]>;
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
        let salt = B64.decode(&sealed.kdf.salt).map_err(|_| self.corrupt("bad salt"))?;
        let nonce = B64.decode(&sealed.nonce).map_err(|_| self.corrupt("bad nonce"))?;
        let ct = B64
            .decode(&sealed.ciphertext)
            .map_err(|_| self.corrupt("bad ciphertext"))?;
        let nonce = XNonce::try_from(nonce.as_slice()).map_err(|_| self.corrupt("bad nonce length"))?;
        let key = self.key_for(&salt, &sealed.kdf, false)?;
        let cipher = XChaCha20Poly1305::new((&*key).into());
        let plain = Zeroizing::new(cipher.decrypt(&nonce, Payload { msg: &ct, aad: AAD }).map_err(|_| {
            // A wrong key must not stay cached.
            if let Ok(mut c) = self.cache.lock() {
                *c = None;
            }
            SecretError::WrongPassphrase(self.path.display().to_string())
        })?);
        serde_json::from_slice(&plain).map_err(|e| self.corrupt(&e.to_string()))
    }

    fn save(&self, map: &BTreeMap<String, String>) -> SecretResult<()> {
        let (salt, kdf) = match std::fs::read_to_string(&self.path) {
            Ok(text) => {
                let sealed: Sealed = serde_json::from_str(&text).map_err(|e| self.corrupt(&e.to_string()))?;
                let salt = B64.decode(&sealed.kdf.salt).map_err(|_| self.corrupt("bad salt"))?;
                (salt, sealed.kdf)
            }
            Err(_) => {
                let mut salt = vec![0u8; 16];
                rand::rng().fill_bytes(&mut salt);
                let kdf = Kdf {
                    alg: "argon2id".into(),
                    m_kib: M_KIB,
                    t: T_COST,
                    p: P_COST,
                    salt: B64.encode(&salt),
                };
                (salt, kdf)
            }
        };
        let creating = !self.path.exists();
        let key = self.key_for(&salt, &kdf, creating)?;
        let cipher = XChaCha20Poly1305::new((&*key).into());
        let mut nonce_bytes = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce_bytes);
        let nonce = XNonce::from(nonce_bytes);
        let plain = Zeroizing::new(serde_json::to_vec(map).map_err(|e| self.corrupt(&e.to_string()))?);
        let ct = cipher
            .encrypt(&nonce, Payload { msg: &plain, aad: AAD })
            .map_err(|_| self.corrupt("encryption failed"))?;
        let sealed = Sealed {
            format: FORMAT.into(),
            version: VERSION,
            kdf,
            nonce: B64.encode(nonce_bytes),
            ciphertext: B64.encode(ct),
        };
        let body = serde_json::to_string_pretty(&sealed).map_err(|e| self.corrupt(&e.to_string()))?;
        write_atomic(&self.path, body.as_bytes()).map_err(|e| self.io(e))
    }

    fn key_for(&self, salt: &[u8], kdf: &Kdf, creating: bool) -> SecretResult<Key> {
        if let Ok(guard) = self.cache.lock()
            && let Some((s, k)) = guard.as_ref()
            && s == salt
        {
            return Ok(k.clone());
        }
        let pass = passphrase(creating)?;
        let params =
            argon2::Params::new(kdf.m_kib, kdf.t, kdf.p, Some(32)).map_err(|e| self.corrupt(&e.to_string()))?;
        let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut key: Key = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(pass.as_bytes(), salt, &mut *key)
            .map_err(|e| self.corrupt(&e.to_string()))?;
        if let Ok(mut guard) = self.cache.lock() {
            *guard = Some((salt.to_vec(), key.clone()));
        }
        Ok(key)
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
