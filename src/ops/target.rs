//! The connection an operation acts on, as every face describes it.

use crate::db::{ConnSpec, Engine};
use crate::store::connections::Tag;
use crate::store::unlocks::UnlockKey;

/// A resolved connection: name, tag, read-only flag and the spec with its
/// password.
#[derive(Debug, Clone)]
pub struct Target {
    /// Connection name (what a confirmation types), or a description for ad-hoc URLs.
    pub name: String,
    /// Environment tag.
    pub tag: Tag,
    /// The connection is read-only (before any unlock).
    pub read_only: bool,
    /// Spec with the password resolved.
    pub spec: ConnSpec,
}

impl Target {
    /// A target; `spec.read_only` is set from `read_only`.
    pub fn new(name: impl Into<String>, tag: Tag, read_only: bool, mut spec: ConnSpec) -> Target {
        spec.read_only = read_only;
        Target {
            name: name.into(),
            tag,
            read_only,
            spec,
        }
    }

    /// The engine.
    pub fn engine(&self) -> Engine {
        self.spec.engine
    }

    /// What identifies the database (not the connection's name): engine,
    /// host, port and database; for SQLite the file's canonical path. The
    /// same identity a `WritePermit` names.
    pub fn db_key(&self) -> String {
        crate::db::database_id(&self.spec)
    }

    /// The key timed unlocks are stored and looked up under.
    pub fn unlock_key(&self) -> UnlockKey {
        UnlockKey {
            db_key: self.db_key(),
            connection: self.name.clone(),
            fingerprint: self.fingerprint(),
        }
    }

    /// Hash of what may not change under a timed unlock: the URL (without
    /// password), the tag and the read-only flag.
    pub fn fingerprint(&self) -> String {
        let mut h = blake3::Hasher::new();
        for part in [
            self.spec.engine.as_str(),
            &self.spec.to_url(),
            self.tag.as_str(),
            if self.read_only { "ro" } else { "rw" },
        ] {
            h.update(part.as_bytes());
            h.update(&[0]);
        }
        h.finalize().to_hex()[..16].to_string()
    }

    /// The spec of a session that may write. Only the gate hands it out
    /// (`ops::gate::Confirmed::spec`), after the rule was satisfied.
    pub(super) fn writable_spec(&self) -> ConnSpec {
        let mut s = self.spec.clone();
        s.read_only = false;
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, url: &str, tag: Tag, ro: bool) -> Target {
        Target::new(name, tag, ro, ConnSpec::parse_url(url).unwrap())
    }

    #[test]
    fn the_database_not_the_name_is_the_key() {
        let a = t("prod", "postgres://app@DB.internal/shop", Tag::Prod, true);
        let b = t("prod-alias", "postgres://other@db.internal:5432/shop", Tag::Prod, true);
        assert_eq!(a.db_key(), "postgres://db.internal:5432/shop");
        assert_eq!(a.db_key(), b.db_key());
        let c = t("prod", "postgres://app@db.internal/shop2", Tag::Prod, true);
        assert_ne!(a.db_key(), c.db_key());
        let m = t("m", "mysql://u@h/d", Tag::Dev, false);
        assert_eq!(m.db_key(), "mysql://h:3306/d");
    }

    #[test]
    fn url_tag_and_read_only_flag_change_the_fingerprint() {
        let a = t("prod", "postgres://app@h/shop", Tag::Prod, true);
        assert_eq!(
            a.fingerprint(),
            t("prod", "postgres://app@h/shop", Tag::Prod, true).fingerprint()
        );
        for other in [
            t("prod", "postgres://app@h/shop2", Tag::Prod, true),
            t("prod", "postgres://app@h/shop", Tag::Dev, true),
            t("prod", "postgres://app@h/shop", Tag::Prod, false),
        ] {
            assert_ne!(a.fingerprint(), other.fingerprint());
        }
    }
}
