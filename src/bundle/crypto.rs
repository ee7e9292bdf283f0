//! Connection passwords inside a bundle: a JSON map sealed with
//! XChaCha20-Poly1305 under a key derived by Argon2id from a passphrase,
//! the same construction as the workspace's encrypted secret file.

use super::{BundleError, BundleResult};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use zeroize::Zeroizing;

/// Environment variable holding the bundle passphrase (for scripts).
pub const ENV_BUNDLE_PASSPHRASE: &str = "DBN_BUNDLE_PASSPHRASE";

const AAD: &[u8] = b"dbn-bundle-secrets-v1";
const KDF_ALG: &str = "argon2id";
// OWASP's minimum Argon2id setting, as for the secret file.
const M_KIB: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;
// Refuse parameters that would make a crafted bundle eat the machine.
const MAX_M_KIB: u32 = 1 << 20;
const MAX_T: u32 = 16;
const MAX_P: u32 = 16;

/// Sealed passwords: map of connection name to password, encrypted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedSecrets {
    /// Key derivation parameters.
    pub kdf: Kdf,
    /// XChaCha20 nonce, base64.
    pub nonce: String,
    /// Ciphertext with tag, base64.
    pub ciphertext: String,
}

/// Argon2id parameters and salt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kdf {
    /// Always `argon2id`.
    pub alg: String,
    /// Memory in KiB.
    pub m_kib: u32,
    /// Iterations.
    pub t: u32,
    /// Parallelism.
    pub p: u32,
    /// Salt, base64.
    pub salt: String,
}

type Key = Zeroizing<[u8; 32]>;

/// Seal a map of connection name to password with `pass`.
pub fn seal_secrets(map: &BTreeMap<String, Zeroizing<String>>, pass: &str) -> BundleResult<SealedSecrets> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let kdf = Kdf {
        alg: KDF_ALG.into(),
        m_kib: M_KIB,
        t: T_COST,
        p: P_COST,
        salt: B64.encode(salt),
    };
    let key = derive(pass, &salt, &kdf, "<new bundle>")?;
    let plain_map: BTreeMap<&str, &str> = map.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let plain = Zeroizing::new(serde_json::to_vec(&plain_map).map_err(|e| invalid("<new bundle>", &e.to_string()))?);
    let mut nonce = [0u8; 24];
    rand::rng().fill_bytes(&mut nonce);
    let ct = XChaCha20Poly1305::new((&*key).into())
        .encrypt(&XNonce::from(nonce), Payload { msg: &plain, aad: AAD })
        .map_err(|_| invalid("<new bundle>", "encryption failed"))?;
    Ok(SealedSecrets {
        kdf,
        nonce: B64.encode(nonce),
        ciphertext: B64.encode(ct),
    })
}

/// Open sealed passwords; a wrong passphrase is [`BundleError::WrongPassphrase`].
pub fn open_secrets(
    sealed: &SealedSecrets,
    pass: &str,
    path: &str,
) -> BundleResult<BTreeMap<String, Zeroizing<String>>> {
    let k = &sealed.kdf;
    if k.alg != KDF_ALG {
        return Err(invalid(path, &format!("unknown key derivation '{}'", k.alg)));
    }
    if k.m_kib > MAX_M_KIB || k.t > MAX_T || k.p > MAX_P || k.t == 0 || k.p == 0 {
        return Err(invalid(path, "key derivation parameters are out of range"));
    }
    let salt = B64
        .decode(&k.salt)
        .map_err(|_| invalid(path, "the secrets salt is not base64"))?;
    let nonce = B64
        .decode(&sealed.nonce)
        .map_err(|_| invalid(path, "the secrets nonce is not base64"))?;
    let nonce =
        XNonce::try_from(nonce.as_slice()).map_err(|_| invalid(path, "the secrets nonce has the wrong length"))?;
    let ct = B64
        .decode(&sealed.ciphertext)
        .map_err(|_| invalid(path, "the secrets ciphertext is not base64"))?;
    let key = derive(pass, &salt, k, path)?;
    let plain = Zeroizing::new(
        XChaCha20Poly1305::new((&*key).into())
            .decrypt(&nonce, Payload { msg: &ct, aad: AAD })
            .map_err(|_| BundleError::WrongPassphrase { path: path.to_string() })?,
    );
    let map: BTreeMap<String, String> = serde_json::from_slice(&plain)
        .map_err(|_| invalid(path, "the decrypted secrets are not a name-to-password map"))?;
    Ok(map.into_iter().map(|(k, v)| (k, Zeroizing::new(v))).collect())
}

fn derive(pass: &str, salt: &[u8], kdf: &Kdf, path: &str) -> BundleResult<Key> {
    let params = argon2::Params::new(kdf.m_kib, kdf.t, kdf.p, Some(32)).map_err(|e| invalid(path, &e.to_string()))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key: Key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(pass.as_bytes(), salt, &mut *key)
        .map_err(|e| invalid(path, &e.to_string()))?;
    Ok(key)
}

/// The passphrase for `--with-secrets`: `DBN_BUNDLE_PASSPHRASE`, or typed twice on the terminal.
pub fn export_passphrase() -> BundleResult<Zeroizing<String>> {
    if let Some(p) = from_env() {
        return Ok(p);
    }
    let first = prompt("passphrase to encrypt the passwords in the bundle: ")?;
    let again = prompt("repeat the passphrase: ")?;
    if *first != *again {
        return Err(BundleError::PassphraseMismatch);
    }
    Ok(first)
}

/// The passphrase to open a bundle's passwords: `DBN_BUNDLE_PASSPHRASE`, or typed once.
pub fn import_passphrase() -> BundleResult<Zeroizing<String>> {
    match from_env() {
        Some(p) => Ok(p),
        None => prompt("passphrase of the passwords in the bundle: "),
    }
}

fn from_env() -> Option<Zeroizing<String>> {
    std::env::var(ENV_BUNDLE_PASSPHRASE)
        .ok()
        .filter(|p| !p.is_empty())
        .map(Zeroizing::new)
}

fn prompt(text: &str) -> BundleResult<Zeroizing<String>> {
    let no_pass = || {
        BundleError::NoPassphrase(format!(
            "passwords in a bundle need a passphrase: set {ENV_BUNDLE_PASSPHRASE} or run dbn in a terminal to be asked (or leave passwords out: no --with-secrets on export, --no-secrets on import)"
        ))
    };
    // rpassword reads /dev/tty, so a bundle piped on stdin can still be opened interactively.
    if !std::io::stderr().is_terminal() {
        return Err(no_pass());
    }
    let p = Zeroizing::new(rpassword::prompt_password(text).map_err(|_| no_pass())?);
    if p.is_empty() {
        return Err(BundleError::NoPassphrase(
            "an empty passphrase cannot protect passwords; nothing was written".into(),
        ));
    }
    Ok(p)
}

fn invalid(path: &str, why: &str) -> BundleError {
    BundleError::Invalid {
        path: path.to_string(),
        why: why.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_wrong_passphrase() {
        let mut m = BTreeMap::new();
        m.insert("shop".to_string(), Zeroizing::new("s3cret".to_string()));
        let sealed = seal_secrets(&m, "right").unwrap();
        assert!(!sealed.ciphertext.contains("s3cret"));
        let back = open_secrets(&sealed, "right", "b.json").unwrap();
        assert_eq!(back["shop"].as_str(), "s3cret");
        let err = open_secrets(&sealed, "wrong", "b.json").unwrap_err();
        assert!(matches!(err, BundleError::WrongPassphrase { .. }), "{err}");
    }
}
