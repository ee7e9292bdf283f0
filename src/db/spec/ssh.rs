//! The SSH hop of a connection: `[user@]host[:port]`, handed to the system `ssh`.

use crate::db::{DbError, DbResult, ErrorCode};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where the system `ssh` connects before forwarding to the database. The
/// host may be an alias from `~/.ssh/config`; user and port default to what
/// that file (or ssh) says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SshTarget {
    /// Login on the SSH host, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Host name, address or `~/.ssh/config` alias.
    pub host: String,
    /// SSH port, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
}

impl SshTarget {
    /// Parse `[user@]host[:port]` (also `ssh://[user@]host[:port]` and `[v6]:port`).
    pub fn parse(raw: &str) -> DbResult<Self> {
        let s = raw.trim();
        let s = s.strip_prefix("ssh://").unwrap_or(s).trim_end_matches('/');
        let (user, rest) = match s.rsplit_once('@') {
            Some((u, r)) => (Some(u), r),
            None => (None, s),
        };
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| bad(raw, "an IPv6 address needs a closing ']'"))?;
            (h, after.strip_prefix(':'))
        } else {
            match rest.rsplit_once(':') {
                Some((h, p)) if !h.contains(':') => (h, Some(p)),
                _ => (rest, None),
            }
        };
        let port = match port {
            None => None,
            Some(p) => Some(
                p.parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| bad(raw, &format!("port '{p}' is not a number from 1 to 65535")))?,
            ),
        };
        check_word(raw, host, "host")?;
        if let Some(u) = user {
            check_word(raw, u, "user")?;
        }
        Ok(SshTarget {
            user: user.map(str::to_string),
            host: host.to_string(),
            port,
        })
    }

    /// The destination argument for `ssh` (`user@host`), ports go to `-p`.
    pub fn destination(&self) -> String {
        match &self.user {
            Some(u) => format!("{u}@{}", self.host),
            None => self.host.clone(),
        }
    }
}

impl fmt::Display for SshTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(u) = &self.user {
            write!(f, "{u}@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        Ok(())
    }
}

/// Host and user go to `ssh` as arguments: nothing that could read as an
/// option or split into two words.
fn check_word(raw: &str, word: &str, what: &str) -> DbResult<()> {
    if word.is_empty() {
        return Err(bad(raw, &format!("the {what} is empty")));
    }
    if word.starts_with('-') {
        return Err(bad(raw, &format!("the {what} may not start with '-'")));
    }
    if word
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '@' || c == '/')
    {
        return Err(bad(
            raw,
            &format!("the {what} contains spaces, control characters, '@' or '/'"),
        ));
    }
    Ok(())
}

fn bad(raw: &str, why: &str) -> DbError {
    let shown: String = raw.chars().map(|c| if c.is_control() { '?' } else { c }).collect();
    DbError::new(
        ErrorCode::DbBadUrl,
        format!(
            "invalid SSH hop '{shown}': {why}. Expected [user@]host[:port], e.g. alice@bastion.example:22 or a Host alias from ~/.ssh/config"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let t = SshTarget::parse("alice@bastion.example:2222").unwrap();
        assert_eq!(
            (t.user.as_deref(), t.host.as_str(), t.port),
            (Some("alice"), "bastion.example", Some(2222))
        );
        assert_eq!(t.to_string(), "alice@bastion.example:2222");
        assert_eq!(t.destination(), "alice@bastion.example");
        let t = SshTarget::parse("jump").unwrap();
        assert_eq!((t.user, t.port), (None, None));
        let t = SshTarget::parse("ssh://[::1]:22").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", Some(22)));
        assert_eq!(t.to_string(), "[::1]:22");
        assert_eq!(SshTarget::parse("::1").unwrap().host, "::1");
    }

    #[test]
    fn option_injection_and_garbage_refused() {
        for bad in [
            "-oProxyCommand=sh",
            "a@-x",
            "host:0",
            "host:99999",
            "",
            "a b",
            "u@",
            "@h",
            "h:x",
        ] {
            let e = SshTarget::parse(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::DbBadUrl, "{bad}");
            assert!(e.message.contains("invalid SSH hop"), "{}", e.message);
        }
    }
}
