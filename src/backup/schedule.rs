//! Backup schedules: parsing `daily HH:MM` / `weekly DAY HH:MM`, deciding
//! what is due, and the lock that keeps two `run-due` passes apart.

use super::{BackupError, BackupResult, io_err};
use chrono::{Datelike, Duration, NaiveDateTime, NaiveTime, Weekday};
use std::path::{Path, PathBuf};

/// When a schedule fires (local time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// Every day at a time.
    Daily(NaiveTime),
    /// Once a week on a day at a time.
    Weekly(Weekday, NaiveTime),
}

/// Parse `HH:MM`.
pub fn parse_time(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| format!("'{s}' is not a time of day; write HH:MM, e.g. 02:30"))
}

/// Parse a weekday name (`mon`, `Monday`, ...).
pub fn parse_day(s: &str) -> Result<Weekday, String> {
    s.trim()
        .parse::<Weekday>()
        .map_err(|_| format!("'{s}' is not a day of the week; write mon, tue, wed, thu, fri, sat or sun"))
}

impl Cadence {
    /// Parse the stored form.
    pub fn parse(spec: &str) -> Result<Cadence, String> {
        let parts: Vec<&str> = spec.split_whitespace().collect();
        match parts.as_slice() {
            ["daily", t] => Ok(Cadence::Daily(parse_time(t)?)),
            ["weekly", d, t] => Ok(Cadence::Weekly(parse_day(d)?, parse_time(t)?)),
            _ => Err(format!(
                "'{spec}' is not a schedule; use 'daily HH:MM' or 'weekly DAY HH:MM'"
            )),
        }
    }

    /// The stored form (`daily 02:30`, `weekly mon 02:30`).
    pub fn spec(&self) -> String {
        match self {
            Cadence::Daily(t) => format!("daily {}", t.format("%H:%M")),
            Cadence::Weekly(d, t) => format!("weekly {} {}", d.to_string().to_lowercase(), t.format("%H:%M")),
        }
    }

    /// The latest firing time at or before `now`.
    pub fn last_occurrence(&self, now: NaiveDateTime) -> NaiveDateTime {
        match self {
            Cadence::Daily(t) => {
                let today = now.date().and_time(*t);
                if today <= now { today } else { today - Duration::days(1) }
            }
            Cadence::Weekly(d, t) => {
                let back = (7 + now.weekday().num_days_from_monday() as i64 - d.num_days_from_monday() as i64) % 7;
                let cand = (now.date() - Duration::days(back)).and_time(*t);
                if cand <= now { cand } else { cand - Duration::days(7) }
            }
        }
    }

    /// Whether a run is due: a firing time has passed since the last run
    /// (or, never run, since the schedule was created).
    pub fn is_due(&self, now: NaiveDateTime, last_run: Option<NaiveDateTime>, created: NaiveDateTime) -> bool {
        let occ = self.last_occurrence(now);
        occ > last_run.unwrap_or(created) || (last_run.is_none() && occ == created)
    }
}

/// Holds `run-due.lock` while alive; removes it on drop.
pub struct RunLock {
    path: PathBuf,
}

impl RunLock {
    /// Take the lock, or fail with the holder's pid. A lock whose process is
    /// gone (killed) is taken over.
    pub fn acquire(path: &Path) -> BackupResult<RunLock> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io_err("create", dir, e))?;
        }
        for _ in 0..2 {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(path) {
                Ok(mut f) => {
                    use std::io::Write;
                    let _ = write!(f, "{}", std::process::id());
                    return Ok(RunLock {
                        path: path.to_path_buf(),
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let pid: u32 = std::fs::read_to_string(path)
                        .ok()
                        .and_then(|s| s.trim().parse().ok())
                        .unwrap_or(0);
                    if pid != 0 && Path::new(&format!("/proc/{pid}")).exists() {
                        return Err(BackupError::Locked(pid));
                    }
                    let _ = std::fs::remove_file(path);
                }
                Err(e) => return Err(io_err("create", path, e)),
            }
        }
        Err(BackupError::Locked(0))
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn parse_and_print() {
        assert_eq!(Cadence::parse("daily 02:30").unwrap().spec(), "daily 02:30");
        assert_eq!(
            Cadence::parse("weekly Monday 23:05").unwrap().spec(),
            "weekly mon 23:05"
        );
        assert!(Cadence::parse("daily 25:00").unwrap_err().contains("25:00"));
        assert!(Cadence::parse("hourly").is_err());
    }

    #[test]
    fn due_logic() {
        let d = Cadence::parse("daily 02:30").unwrap();
        let created = at("2026-11-20 10:00");
        assert!(
            !d.is_due(at("2026-11-20 12:00"), None, created),
            "not before the first firing"
        );
        assert!(d.is_due(at("2026-11-21 02:31"), None, created));
        let ran = Some(at("2026-11-21 02:35"));
        assert!(
            !d.is_due(at("2026-11-21 23:59"), ran, created),
            "idempotent within the day"
        );
        assert!(d.is_due(at("2026-11-22 02:30"), ran, created));
        let w = Cadence::parse("weekly mon 01:00").unwrap();
        // 2026-11-23 is a Monday.
        assert_eq!(w.last_occurrence(at("2026-11-25 09:00")), at("2026-11-23 01:00"));
        assert_eq!(w.last_occurrence(at("2026-11-23 00:59")), at("2026-11-16 01:00"));
    }

    #[test]
    fn lock_excludes_and_recovers_from_stale() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("run-due.lock");
        let l = RunLock::acquire(&p).unwrap();
        assert!(matches!(RunLock::acquire(&p), Err(BackupError::Locked(_))));
        drop(l);
        std::fs::write(&p, "999999999").unwrap();
        let _l = RunLock::acquire(&p).unwrap();
    }
}
