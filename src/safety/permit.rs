//! The proof a write needs on a read-only session.
//!
//! A read-only connection's session refuses to write unless the statement
//! is run with [`Access::Write`](crate::db::Access::Write), which carries a
//! [`WritePermit`]. Only this module's parent (`safety`) can construct one,
//! and only after a typed confirmation or an unlock on record, so a face
//! cannot write through a read-only connection by accident: there is no
//! permit to pass unless the gate issued it.

use std::fmt;

/// Permission, issued by the safety gate, to write to one database.
///
/// Not `Clone`: a permit is borrowed by the statements it allows and dies
/// with the unlock scope that created it (one command, one TUI run, or the
/// minutes of a timed unlock, checked when it is issued).
pub struct WritePermit {
    database: String,
    granted_by: String,
}

impl WritePermit {
    /// Issue a permit for `database` (a [`crate::db::database_id`]),
    /// recording who or what allowed it (`--confirm prod`, `typed 'prod'`,
    /// `unlock until ...`).
    pub(in crate::safety) fn grant(database: impl Into<String>, granted_by: impl Into<String>) -> WritePermit {
        WritePermit {
            database: database.into(),
            granted_by: granted_by.into(),
        }
    }

    /// The database this permit is for; a session of any other database
    /// refuses it.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// Who or what allowed the writes, for the audit log.
    pub fn granted_by(&self) -> &str {
        &self.granted_by
    }
}

impl fmt::Debug for WritePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WritePermit")
            .field("database", &self.database)
            .field("granted_by", &self.granted_by)
            .finish()
    }
}
