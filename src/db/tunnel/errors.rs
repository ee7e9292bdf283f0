//! ssh's stderr turned into clear, specific errors: host key, authentication,
//! refused, unreachable, forwarding refused by the SSH server.

use crate::db::{DbError, ErrorCode, SshTarget};
use std::time::Duration;

/// Whether an ssh stderr line is worth showing (no `-v` debug chatter).
pub(super) fn worth_keeping(line: &str) -> bool {
    let line = line.trim();
    !(line.is_empty()
        || line.starts_with("debug")
        || line.starts_with("OpenSSH_")
        || line.starts_with("Authenticated to")
        || line.starts_with("Transferred:")
        || line.starts_with("Bytes per second")
        || line.starts_with("Warning: Permanently added"))
}

/// The error when ssh cannot be started at all.
pub(super) fn spawn_failed(program: &str, e: &std::io::Error) -> DbError {
    let next = if e.kind() == std::io::ErrorKind::NotFound {
        "install the OpenSSH client (apt-get install openssh-client), or point DBN_SSH_COMMAND at it"
    } else {
        "check DBN_SSH_COMMAND"
    };
    DbError::new(
        ErrorCode::DbConnRefused,
        format!("cannot start the SSH client '{program}' for the tunnel: {e}; {next}"),
    )
}

pub(super) fn port_taken(hop: &SshTarget) -> DbError {
    DbError::new(
        ErrorCode::DbConnRefused,
        format!("the SSH tunnel via {hop} could not listen on a loopback port (taken three times in a row); try again"),
    )
}

/// The error for an ssh that exited or timed out before the forward was up.
pub(super) fn startup(hop: &SshTarget, why: &str, lines: &[String], timeout: Duration) -> DbError {
    let all = lines.join("\n");
    let said = summary(lines).map(|s| format!(" ssh said: {s}")).unwrap_or_default();
    let (code, what) = if all.contains("REMOTE HOST IDENTIFICATION HAS CHANGED")
        || all.contains("Host key verification failed")
        || all.contains("host key is known for")
        || all.contains("No matching host key")
    {
        (
            ErrorCode::DbAuthFailed,
            format!(
                "the SSH host key of {hop} does not match known_hosts, or the host is not in it. If the key changed legitimately, remove the old one with `ssh-keygen -R {}` and connect once with plain `ssh` to check and accept the new one; otherwise someone may be intercepting the connection",
                hop.host
            ),
        )
    } else if all.contains("Permission denied") || all.contains("Too many authentication failures") {
        (
            ErrorCode::DbAuthFailed,
            format!(
                "SSH authentication to {hop} failed. dbn runs ssh without prompts: load your key into the agent (`ssh-add`), or set User and IdentityFile for this host in ~/.ssh/config; check with `ssh {}`",
                hop.destination()
            ),
        )
    } else if all.contains("Connection refused") {
        (
            ErrorCode::DbConnRefused,
            format!("the SSH server {hop} refused the connection: is sshd running there, and is the port right?"),
        )
    } else if all.contains("Could not resolve hostname") || all.contains("Name or service not known") {
        (
            ErrorCode::DbConnRefused,
            format!(
                "cannot resolve the SSH host '{}': check the name or the Host entry in ~/.ssh/config",
                hop.host
            ),
        )
    } else if all.contains("timed out") || why.contains("did not set up") {
        (
            ErrorCode::DbTimeout,
            format!(
                "the SSH connection to {hop} timed out after {} s: check the host, port and firewall, or raise connect_timeout",
                timeout.as_secs()
            ),
        )
    } else if all.contains("administratively prohibited") || all.contains("forwarding") && all.contains("disabled") {
        (
            ErrorCode::DbConnRefused,
            format!("the SSH server {hop} does not allow port forwarding (AllowTcpForwarding); ask its administrator"),
        )
    } else if all.contains("No route to host") || all.contains("Network is unreachable") {
        (
            ErrorCode::DbConnRefused,
            format!("the SSH host {hop} is unreachable from here"),
        )
    } else {
        (
            ErrorCode::DbConnRefused,
            format!("the SSH tunnel via {hop} failed: {why}"),
        )
    };
    let stop = if what.ends_with(['.', '?', '!']) { "" } else { "." };
    DbError::new(code, format!("{what}{stop}{said}"))
}

/// ssh's own report that the SSH host could not open the forwarded
/// connection (`channel 2: open failed: connect failed: Connection refused`).
pub(super) fn channel_failure(lines: &[String]) -> Option<String> {
    lines
        .iter()
        .rev()
        .find(|l| l.contains("open failed"))
        .map(|l| l.split("open failed:").nth(1).unwrap_or(l).trim().to_string())
}

/// The last meaningful stderr line, for messages.
pub(crate) fn summary(lines: &[String]) -> Option<String> {
    lines
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.trim().chars().filter(|c| !c.is_control()).take(300).collect())
}

/// A driver error seen through the tunnel, reworded with ssh's view.
pub(super) fn through_tunnel(
    e: DbError,
    hop: &SshTarget,
    remote: &str,
    lines: &[String],
    gone: Option<String>,
) -> DbError {
    if let Some(reason) = channel_failure(lines) {
        return DbError::new(
            ErrorCode::DbConnRefused,
            format!(
                "the SSH host {hop} could not connect to the database at {remote}: {reason}. Check the database host and port as seen from {}",
                hop.host
            ),
        );
    }
    if let Some(why) = gone {
        return DbError::new(
            e.code,
            format!("the SSH tunnel via {hop} has stopped ({why}); reconnect to start it again"),
        );
    }
    DbError {
        message: format!("{} (through the SSH tunnel via {hop})", e.message),
        ..e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop() -> SshTarget {
        SshTarget::parse("alice@bastion:2222").unwrap()
    }

    fn lines(s: &[&str]) -> Vec<String> {
        s.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn stderr_is_classified() {
        let t = Duration::from_secs(5);
        let e = startup(&hop(), "ssh exited", &lines(&["Host key verification failed."]), t);
        assert!(
            e.message.contains("host key") && e.message.contains("ssh-keygen -R bastion"),
            "{}",
            e.message
        );
        let e = startup(
            &hop(),
            "ssh exited",
            &lines(&["alice@bastion: Permission denied (publickey)."]),
            t,
        );
        assert_eq!(e.code, ErrorCode::DbAuthFailed);
        assert!(e.message.contains("ssh-add"), "{}", e.message);
        let e = startup(
            &hop(),
            "x",
            &lines(&["ssh: connect to host bastion port 2222: Connection refused"]),
            t,
        );
        assert_eq!(e.code, ErrorCode::DbConnRefused);
        assert!(e.message.contains("refused the connection"), "{}", e.message);
        assert!(!worth_keeping("debug1: Reading configuration data"));
    }

    #[test]
    fn channel_failures_name_the_database() {
        let l = lines(&["channel 2: open failed: connect failed: Connection refused"]);
        let e = through_tunnel(
            DbError::new(ErrorCode::DbConnRefused, "eof"),
            &hop(),
            "db:5432",
            &l,
            None,
        );
        assert!(
            e.message
                .contains("could not connect to the database at db:5432: connect failed: Connection refused"),
            "{}",
            e.message
        );
    }
}
