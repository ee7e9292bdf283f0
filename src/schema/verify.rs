//! Apply a planned migration and prove it: re-introspect the target and
//! diff it against the source. "Verified" is said only when nothing
//! differs, modelled or not; what dbn does not model is named.

use super::Schema;
use super::apply::{ApplyError, apply};
use super::diff::{DiffOptions, SchemaDiff, diff};
use super::introspect::introspect;
use super::migrate::Plan;
use crate::db::{DbError, Session};
use thiserror::Error;

/// A migration that ran, and what the target looks like afterwards.
#[derive(Debug, Clone)]
pub struct Verified {
    /// Statements executed.
    pub statements: usize,
    /// The target, re-introspected after the migration.
    pub after: Schema,
    /// What still differs from the source.
    pub remaining: SchemaDiff,
}

impl Verified {
    /// True only when the target now equals the source in everything
    /// dbn can see, and nothing it cannot model differs.
    pub fn verified(&self) -> bool {
        self.remaining.is_identical()
    }

    /// The verdict for the user (see [`verdict`]).
    pub fn message(&self, target: &str, source: &str) -> String {
        verdict(&self.remaining, target, source)
    }
}

/// Why a migration could not be applied or proven.
#[derive(Debug, Error)]
pub enum VerifyError {
    /// A statement failed.
    #[error(transparent)]
    Apply(#[from] ApplyError),
    /// Everything ran, but the target could not be read back.
    #[error(
        "the migration ran ({statements} statement(s)) but re-reading the target failed, so it is not verified: {error} (check it with `dbn diff schema`)"
    )]
    Reread {
        /// Statements executed.
        statements: usize,
        /// The introspection error.
        error: DbError,
    },
}

impl crate::error::Coded for VerifyError {
    fn code(&self) -> &'static str {
        match self {
            VerifyError::Apply(e) => e.code(),
            VerifyError::Reread { error, .. } => error.code(),
        }
    }

    fn exit(&self) -> crate::error::ExitStatus {
        match self {
            VerifyError::Apply(e) => e.exit(),
            VerifyError::Reread { error, .. } => error.exit(),
        }
    }
}

/// Run `plan` on `session`, re-introspect the target and diff it against
/// `source` (with `opts`, e.g. privileges). `progress(done, total, sql)` is
/// called before each statement.
pub async fn apply_and_verify(
    session: &mut dyn Session,
    plan: &Plan,
    source: &Schema,
    opts: DiffOptions,
    progress: impl FnMut(usize, usize, &str),
) -> Result<Verified, VerifyError> {
    let statements = apply(session, plan, progress).await?;
    let after = introspect(session)
        .await
        .map_err(|error| VerifyError::Reread { statements, error })?;
    let remaining = diff(
        source,
        &after,
        DiffOptions {
            detect_renames: false,
            ..opts
        },
    );
    Ok(Verified {
        statements,
        after,
        remaining,
    })
}

/// One sentence on where the target stands: "Verified" only when nothing
/// differs; otherwise what still differs, is not migrated or not compared.
pub fn verdict(remaining: &SchemaDiff, target: &str, source: &str) -> String {
    let caveats = remaining.caveats();
    if remaining.is_identical() {
        let mut s = format!("Verified: re-introspected '{target}' and the diff against {source} is now empty.");
        if !caveats.is_empty() {
            s.push_str(&format!(" ({})", caveats.join("; ")));
        }
        return s;
    }
    if remaining.is_empty() {
        return format!(
            "Not verified: the objects dbn models in '{target}' now match {source}, but {}.",
            caveats.join("; ")
        );
    }
    format!(
        "Not verified: '{target}' still differs from {source} in {} object(s){}.",
        remaining.changes.len(),
        if caveats.is_empty() {
            String::new()
        } else {
            format!("; also {}", caveats.join("; "))
        }
    )
}
