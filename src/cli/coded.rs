//! The CLI's list of every domain error type, each implementing
//! [`Coded`]: the map from an error chain to its code and exit status. It
//! lives with the CLI because it names error types of every layer, faces
//! included (`jobs`, `ui::theme`); the types themselves know only
//! `crate::error`.

use crate::error::Coded;
#[cfg(test)]
use crate::error::ExitStatus;

/// Every domain error type the faces may meet, each implementing [`Coded`].
/// A new public `...Error` type must join this list (or the list of
/// errors that are always wrapped in one of these, in the test below).
macro_rules! domain_errors {
    ($($t:ty),* $(,)?) => {
        /// The domain error `e` is, as [`Coded`], or `None` for an error that
        /// is not one of ours (I/O at the CLI's edge, a plain message).
        pub fn coded<'e>(e: &'e (dyn std::error::Error + 'static)) -> Option<&'e dyn Coded> {
            $(
                if let Some(c) = e.downcast_ref::<$t>() {
                    return Some(c);
                }
            )*
            None
        }

        #[cfg(test)]
        fn domain_error_names() -> Vec<&'static str> {
            vec![$(std::any::type_name::<$t>()),*]
        }
    };
}

domain_errors!(
    crate::db::DbError,
    crate::store::StoreError,
    crate::secrets::SecretError,
    crate::config::ConfigError,
    crate::workspace::WorkspaceError,
    crate::safety::Refusal,
    crate::safety::user_text::UserTextError,
    crate::ops::OpsError,
    crate::ops::backup_key::KeyError,
    crate::datasync::DataSyncError,
    crate::backup::BackupError,
    crate::bundle::BundleError,
    crate::schema::migrate::PlanError,
    crate::schema::apply::ApplyError,
    crate::schema::verify::VerifyError,
    crate::plan::PlanError,
    crate::jobs::JobError,
    crate::keymap::KeymapError,
    crate::ui::theme::ThemeError,
    crate::activity::signal::SignalError,
    crate::activity::act::SendError,
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Public error types that never reach a face on their own: each is
    /// wrapped in a domain error above, is the TUI's own (shown, never an
    /// exit status), or is data rather than an error.
    const NOT_SURFACED: &[&str] = &[
        "dbn::ops::context::AuditError", // becomes OpsError::AuditUnavailable / DataSyncError::Audit
        "dbn::backup::codec::DecodeError", // inside BackupError
        "dbn::backup::crypto::OpenError", // inside BackupError
        "dbn::secrets::sealed::SealError", // inside SecretError / BundleError
        "dbn::overview::live::LiveError", // a field of the status overview
        "dbn::app::error::AppError",
        "dbn::app::error::ConnectionsError",
        "dbn::app::chart::ChartError",
        "dbn::app::find::SortError",
    ];

    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    #[test]
    fn every_public_error_type_carries_a_code_and_an_exit_status() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let known = domain_error_names();
        let mut missing = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let module = f
                .strip_prefix(&src)
                .unwrap()
                .with_extension("")
                .to_string_lossy()
                .replace('/', "::");
            let module = match module.as_str() {
                "lib" => "dbn".to_string(),
                m => format!("dbn::{m}"),
            };
            for line in text.lines() {
                let words: Vec<&str> = line.split_whitespace().collect();
                if let ["pub", "enum" | "struct", name, ..] = words[..] {
                    let name = name.trim_end_matches(['{', '(', ';']);
                    let full = format!("{module}::{name}");
                    if name.ends_with("Error")
                        && !known.contains(&full.as_str())
                        && !NOT_SURFACED.contains(&full.as_str())
                    {
                        missing.push(full);
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "error types without a code and exit status: {missing:?}"
        );
        // The names this test matches on are the types' own paths.
        assert!(known.contains(&"dbn::db::error::DbError"), "{known:?}");
    }

    #[test]
    fn a_wrapped_domain_error_is_found_in_the_chain() {
        let db = crate::db::DbError::new(crate::db::ErrorCode::DbConnRefused, "refused");
        let e = crate::datasync::DataSyncError::db("target")(db);
        let c = coded(&e).unwrap();
        assert_eq!((c.code(), c.exit()), ("DB_CONN_REFUSED", ExitStatus::Connection));
        let io = std::io::Error::other("disk full");
        assert!(coded(&io).is_none());
    }
}
