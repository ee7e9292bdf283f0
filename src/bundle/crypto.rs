//! Connection passwords inside a bundle: a JSON map sealed under a
//! passphrase with the workspace's one construction (`secrets::sealed`).

use super::{BundleError, BundleResult};
use crate::secrets::sealed::{self, SealError, Sealed};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use zeroize::Zeroizing;

pub use crate::secrets::sealed::Kdf;

/// Environment variable holding the bundle passphrase (for scripts).
pub const ENV_BUNDLE_PASSPHRASE: &str = "DBN_BUNDLE_PASSPHRASE";

const PURPOSE: &[u8] = b"dbn-bundle-secrets-v1";

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

/// Seal a map of connection name to password with `pass`.
pub fn seal_secrets(map: &BTreeMap<String, Zeroizing<String>>, pass: &str) -> BundleResult<SealedSecrets> {
    let fail = |e: SealError| invalid("<new bundle>", &e.to_string());
    let kdf = Kdf::fresh();
    let key = kdf.derive(pass).map_err(fail)?;
    let plain_map: BTreeMap<&str, &str> = map.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let plain = Zeroizing::new(serde_json::to_vec(&plain_map).map_err(|e| invalid("<new bundle>", &e.to_string()))?);
    let Sealed { nonce, ciphertext } = sealed::seal(&key, &plain, PURPOSE).map_err(fail)?;
    Ok(SealedSecrets { kdf, nonce, ciphertext })
}

/// Open sealed passwords; a wrong passphrase is [`BundleError::WrongPassphrase`].
pub fn open_secrets(
    sealed: &SealedSecrets,
    pass: &str,
    path: &str,
) -> BundleResult<BTreeMap<String, Zeroizing<String>>> {
    let fail = |e: SealError| match e {
        SealError::WrongPassphrase => BundleError::WrongPassphrase { path: path.to_string() },
        SealError::Invalid(why) => invalid(path, &format!("secrets: {why}")),
    };
    let key = sealed.kdf.derive(pass).map_err(fail)?;
    let message = Sealed {
        nonce: sealed.nonce.clone(),
        ciphertext: sealed.ciphertext.clone(),
    };
    let plain = sealed::open(&key, &message, PURPOSE).map_err(fail)?;
    let map: BTreeMap<String, String> = serde_json::from_slice(&plain)
        .map_err(|_| invalid(path, "the decrypted secrets are not a name-to-password map"))?;
    Ok(map.into_iter().map(|(k, v)| (k, Zeroizing::new(v))).collect())
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
