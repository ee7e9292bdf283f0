//! OS keyring backend (Secret Service on Linux, Keychain on macOS).

use super::{SecretBackend, SecretError, SecretResult};
use std::sync::mpsc;
use std::time::Duration;

/// How long a keyring call may take before we treat the keyring as absent
/// (a locked desktop keyring can wait forever for a GUI prompt).
const KEYRING_TIMEOUT: Duration = Duration::from_secs(5);

/// Keyring backend for one service name.
#[derive(Debug, Clone)]
pub struct KeyringBackend {
    service: String,
}

impl KeyringBackend {
    /// Check that the keyring works here: a read of a missing entry must
    /// answer `NoEntry` rather than a platform error.
    pub fn probe(service: &str) -> Result<KeyringBackend, String> {
        let k = KeyringBackend {
            service: service.to_string(),
        };
        match k.call("dbn-probe", |e| e.get_password().map(Some)) {
            Ok(_) => Ok(k),
            Err(e) => Err(e),
        }
    }

    // The async Secret Service backend panics on a tokio worker thread, and a
    // locked keyring can block: run every call on its own thread with a timeout.
    fn call<T: Send + 'static>(
        &self,
        key: &str,
        f: impl FnOnce(&keyring::Entry) -> keyring::Result<Option<T>> + Send + 'static,
    ) -> Result<Option<T>, String> {
        let (tx, rx) = mpsc::channel();
        let service = self.service.clone();
        let key = key.to_string();
        std::thread::spawn(move || {
            let res = keyring::Entry::new(&service, &key).and_then(|e| f(&e));
            let _ = tx.send(res);
        });
        match rx.recv_timeout(KEYRING_TIMEOUT) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(keyring::Error::NoEntry)) => Ok(None),
            Ok(Err(e)) => Err(short(&e)),
            Err(_) => Err("the keyring did not answer within 5 s".into()),
        }
    }
}

fn short(e: &keyring::Error) -> String {
    match e {
        keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_) => {
            "no Secret Service / keyring session".into()
        }
        other => other.to_string(),
    }
}

impl SecretBackend for KeyringBackend {
    fn name(&self) -> &'static str {
        "keyring"
    }

    fn get(&self, key: &str) -> SecretResult<Option<String>> {
        self.call(key, |e| e.get_password().map(Some))
            .map_err(SecretError::Keyring)
    }

    fn set(&self, key: &str, value: &str) -> SecretResult<()> {
        let value = value.to_string();
        self.call(key, move |e| e.set_password(&value).map(|_| Some(())))
            .map(|_| ())
            .map_err(SecretError::Keyring)
    }

    fn delete(&self, key: &str) -> SecretResult<()> {
        self.call(key, |e| e.delete_credential().map(|_| Some(())))
            .map(|_| ())
            .map_err(SecretError::Keyring)
    }
}
