//! The connection overview behind `dbn status` and the TUI start screen:
//! for every connection its tag and colour, whether it is reachable and how
//! fast, server version, database size, table count, sessions, the last
//! backup and its age, overdue backup schedules and the last audited write.
//! Live checks run in parallel, each within its own short timeout, so one
//! dead host never stalls the rest.

mod live;
mod local;

use crate::db::{ConnSpec, Engine};
use crate::store::Store;
use crate::store::connections::Tag;
use serde::Serialize;
use std::time::Duration;

pub use live::{Live, check};
pub use local::{BackupInfo, Local, OverdueSchedule, WriteInfo};

/// Default time one connection's checks may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// One connection to look at, as the face resolved it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Connection name.
    pub name: String,
    /// Environment tag.
    pub tag: Tag,
    /// Display colour (name or #rrggbb), if set.
    pub color: Option<String>,
    /// Read-only unless unlocked.
    pub read_only: bool,
    /// Engine.
    pub engine: Engine,
    /// Where it points, without secrets (`user@host:port/db via ssh hop`).
    pub target: String,
    /// The spec with its password, or why it could not be resolved.
    pub spec: Result<ConnSpec, String>,
}

/// Everything known about one connection.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// Connection name.
    pub name: String,
    /// Engine.
    pub engine: Engine,
    /// Environment tag.
    pub tag: Tag,
    /// Display colour, if set.
    pub color: Option<String>,
    /// Read-only unless unlocked.
    pub read_only: bool,
    /// Target without secrets.
    pub target: String,
    /// The live checks.
    #[serde(flatten)]
    pub live: Live,
    /// Facts from the workspace: backups, schedules, audit log.
    #[serde(flatten)]
    pub local: Local,
}

/// The whole overview.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    /// When it was taken (RFC 3339 UTC).
    pub generated_at: String,
    /// One per connection, in the order given.
    pub connections: Vec<Status>,
}

impl Overview {
    /// How many connections could not be reached.
    pub fn unreachable(&self) -> usize {
        self.connections.iter().filter(|c| !c.live.reachable).count()
    }
}

/// Workspace facts for every entry, without touching the network.
pub fn local_facts(store: Option<&Store>, entries: &[Entry]) -> Vec<Local> {
    let now = chrono::Utc::now();
    entries
        .iter()
        .map(|e| store.map(|s| local::facts(s, &e.name, now)).unwrap_or_default())
        .collect()
}

/// Check every entry in parallel (each within `timeout`) and join the
/// workspace facts.
pub async fn overview(entries: Vec<Entry>, store: Option<&Store>, timeout: Duration) -> Overview {
    let locals = local_facts(store, &entries);
    let checks = entries.iter().map(|e| check(e.spec.clone(), timeout));
    let lives = futures::future::join_all(checks).await;
    let connections = entries
        .into_iter()
        .zip(lives)
        .zip(locals)
        .map(|((e, live), local)| Status {
            name: e.name,
            engine: e.engine,
            tag: e.tag,
            color: e.color,
            read_only: e.read_only,
            target: e.target,
            live,
            local,
        })
        .collect();
    Overview {
        generated_at: crate::store::now(),
        connections,
    }
}

/// `3 h`, `2 d`: an age for people.
pub fn age(secs: i64) -> String {
    let secs = secs.max(0);
    match secs {
        s if s < 90 => format!("{s} s"),
        s if s < 90 * 60 => format!("{} min", s / 60),
        s if s < 36 * 3600 => format!("{} h", s / 3600),
        s => format!("{} d", s / 86_400),
    }
}

/// `12.3 MB`: a size for people.
pub fn size(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    let units = ["B", "kB", "MB", "GB", "TB"];
    let mut v = b;
    let mut i = 0;
    while v >= 1000.0 && i < units.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", units[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_units() {
        assert_eq!(age(30), "30 s");
        assert_eq!(age(3600 * 5), "5 h");
        assert_eq!(age(86_400 * 3), "3 d");
        assert_eq!(size(999), "999 B");
        assert_eq!(size(12_345_678), "12.3 MB");
    }
}
