//! Data sealed under a passphrase: the one construction dbn uses wherever a
//! person's passphrase protects something (the workspace's encrypted secret
//! file, the passwords in a bundle, an exported backup key).
//!
//! Argon2id derives a 32-byte key from the passphrase and a random salt;
//! XChaCha20-Poly1305 seals the data under a random 24-byte nonce with a
//! purpose label as associated data, so a blob sealed for one purpose never
//! opens as another. Parameters travel with the data (base64 in JSON) and
//! are bounded on the way in, so a crafted file cannot make dbn spend
//! gigabytes or minutes deriving a key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

const ALG: &str = "argon2id";
// OWASP's minimum Argon2id setting: ~50 ms here, paid once per derivation.
const M_KIB: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;
const MAX_M_KIB: u32 = 1 << 20;
const MAX_T: u32 = 16;
const MAX_P: u32 = 16;

/// A key derived from a passphrase; wiped when dropped.
pub type Key = Zeroizing<[u8; 32]>;

/// Why sealed data could not be made or opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The sealed data or its parameters are malformed.
    #[error("{0}")]
    Invalid(String),
    /// Authentication failed: a wrong passphrase, or altered data.
    #[error("wrong passphrase, or the data was altered")]
    WrongPassphrase,
}

/// Key-derivation parameters and salt, stored next to the sealed data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

impl Kdf {
    /// Parameters for new data: the default cost and a fresh random salt.
    pub fn fresh() -> Kdf {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        Kdf {
            alg: ALG.into(),
            m_kib: M_KIB,
            t: T_COST,
            p: P_COST,
            salt: B64.encode(salt),
        }
    }

    /// The key for `pass` under these parameters (checked first).
    pub fn derive(&self, pass: &str) -> Result<Key, SealError> {
        if self.alg != ALG {
            return Err(SealError::Invalid(format!("unknown key derivation '{}'", self.alg)));
        }
        if self.m_kib > MAX_M_KIB || self.t > MAX_T || self.p > MAX_P || self.t == 0 || self.p == 0 {
            return Err(SealError::Invalid("key derivation parameters are out of range".into()));
        }
        let salt = self.salt_bytes()?;
        let params = argon2::Params::new(self.m_kib, self.t, self.p, Some(32))
            .map_err(|e| SealError::Invalid(format!("key derivation parameters: {e}")))?;
        let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut key: Key = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(pass.as_bytes(), &salt, &mut *key)
            .map_err(|e| SealError::Invalid(format!("key derivation: {e}")))?;
        Ok(key)
    }

    /// The salt's bytes (also what a key cache is keyed by).
    pub fn salt_bytes(&self) -> Result<Vec<u8>, SealError> {
        B64.decode(&self.salt)
            .map_err(|_| SealError::Invalid("the salt is not base64".into()))
    }
}

/// A sealed message: nonce and ciphertext (with its tag), both base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// XChaCha20 nonce, base64.
    pub nonce: String,
    /// Ciphertext with tag, base64.
    pub ciphertext: String,
}

/// Seal `plain` under `key`, labelled with `purpose`.
pub fn seal(key: &Key, plain: &[u8], purpose: &[u8]) -> Result<Sealed, SealError> {
    let mut nonce = [0u8; 24];
    rand::rng().fill_bytes(&mut nonce);
    let ct = XChaCha20Poly1305::new((&**key).into())
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plain,
                aad: purpose,
            },
        )
        .map_err(|_| SealError::Invalid("encryption failed".into()))?;
    Ok(Sealed {
        nonce: B64.encode(nonce),
        ciphertext: B64.encode(ct),
    })
}

/// Open `sealed` with `key`; it must have been sealed for `purpose`.
pub fn open(key: &Key, sealed: &Sealed, purpose: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
    let nonce = B64
        .decode(&sealed.nonce)
        .map_err(|_| SealError::Invalid("the nonce is not base64".into()))?;
    let nonce =
        XNonce::try_from(nonce.as_slice()).map_err(|_| SealError::Invalid("the nonce has the wrong length".into()))?;
    let ct = B64
        .decode(&sealed.ciphertext)
        .map_err(|_| SealError::Invalid("the ciphertext is not base64".into()))?;
    XChaCha20Poly1305::new((&**key).into())
        .decrypt(&nonce, Payload { msg: &ct, aad: purpose })
        .map(Zeroizing::new)
        .map_err(|_| SealError::WrongPassphrase)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_wrong_passphrase_wrong_purpose_and_bounds() {
        let kdf = Kdf::fresh();
        let key = kdf.derive("right").unwrap();
        let s = seal(&key, b"s3cret", b"test-v1").unwrap();
        assert!(!s.ciphertext.contains("s3cret"));
        assert_eq!(open(&key, &s, b"test-v1").unwrap().as_slice(), b"s3cret");
        let wrong = kdf.derive("wrong").unwrap();
        assert!(matches!(open(&wrong, &s, b"test-v1"), Err(SealError::WrongPassphrase)));
        assert!(matches!(open(&key, &s, b"other-v1"), Err(SealError::WrongPassphrase)));
        let greedy = Kdf {
            m_kib: MAX_M_KIB + 1,
            ..kdf.clone()
        };
        assert!(matches!(greedy.derive("right"), Err(SealError::Invalid(_))));
        let other = Kdf {
            alg: "scrypt".into(),
            ..kdf
        };
        assert!(matches!(other.derive("right"), Err(SealError::Invalid(_))));
    }
}
