//! Workspace discovery and initialisation: `dbnexus.config.json` plus `.dbnexus/`.

use std::path::{Path, PathBuf};
use thiserror::Error;

/// The workspace config file name.
pub const CONFIG_FILE: &str = "dbnexus.config.json";
/// The workspace data directory name.
pub const DATA_DIR: &str = ".dbnexus";
/// Environment variable that points at a workspace.
pub const ENV_WORKSPACE: &str = "DBN_WORKSPACE";

/// Errors finding or creating a workspace.
#[derive(Debug, Error)]
pub enum WorkspaceError {
    /// An explicit workspace path holds no workspace.
    #[error(
        "no dbn workspace at '{0}' (no {CONFIG_FILE} there): run `dbn init {0}` first, or drop --workspace/DBN_WORKSPACE"
    )]
    NotAWorkspace(String),
    /// Filesystem failure.
    #[error("cannot {action} '{path}': {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path involved.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// No home directory to put the default workspace in.
    #[error(
        "cannot find a home directory for the default workspace: set HOME or XDG_DATA_HOME, or use --workspace DIR"
    )]
    NoHome,
}

impl crate::error::Coded for WorkspaceError {
    fn code(&self) -> &'static str {
        "WORKSPACE"
    }

    fn exit(&self) -> crate::error::ExitStatus {
        crate::error::ExitStatus::Usage
    }
}

/// A workspace on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// Directory holding `dbnexus.config.json` and `.dbnexus/`.
    pub root: PathBuf,
    /// True for the user-level default workspace.
    pub is_default: bool,
}

/// What `init` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitOutcome {
    /// A new workspace was created.
    Created,
    /// The workspace existed; missing pieces (if any) were added.
    AlreadyPresent {
        /// Pieces that were missing and have been created.
        repaired: Vec<String>,
    },
}

impl Workspace {
    /// `.dbnexus/`.
    pub fn data_dir(&self) -> PathBuf {
        self.root.join(DATA_DIR)
    }
    /// `dbnexus.config.json`.
    pub fn config_path(&self) -> PathBuf {
        self.root.join(CONFIG_FILE)
    }
    /// `.dbnexus/metadata.db`.
    pub fn metadata_db(&self) -> PathBuf {
        self.data_dir().join("metadata.db")
    }
    /// `.dbnexus/logs/`.
    pub fn logs_dir(&self) -> PathBuf {
        self.data_dir().join("logs")
    }
    /// `.dbnexus/secrets/`.
    pub fn secrets_dir(&self) -> PathBuf {
        self.data_dir().join("secrets")
    }
    /// `.dbnexus/snapshots/`.
    pub fn snapshots_dir(&self) -> PathBuf {
        self.data_dir().join("snapshots")
    }

    /// Create the workspace at `root`, or fill in what is missing. Never
    /// overwrites an existing file.
    pub fn init(root: &Path) -> Result<(Workspace, InitOutcome), WorkspaceError> {
        let root = absolute(root)?;
        let ws = Workspace {
            root: root.clone(),
            is_default: false,
        };
        let existed = ws.config_path().exists();
        let mut created = Vec::new();
        mkdir(&root)?;
        for dir in [ws.data_dir(), ws.logs_dir(), ws.secrets_dir(), ws.snapshots_dir()] {
            if !dir.exists() {
                mkdir(&dir)?;
                created.push(display_rel(&root, &dir));
            }
        }
        restrict_dir(&ws.secrets_dir());
        crate::fsutil::private_dir(&ws.data_dir());
        crate::fsutil::private_dir(&ws.logs_dir());
        if !existed {
            write_new(&ws.config_path(), crate::config::WORKSPACE_TEMPLATE)?;
            created.push(CONFIG_FILE.to_string());
        }
        if existed {
            Ok((ws, InitOutcome::AlreadyPresent { repaired: created }))
        } else {
            Ok((ws, InitOutcome::Created))
        }
    }

    /// Find the workspace to use: an explicit path, `DBN_WORKSPACE`, the
    /// nearest ancestor of `cwd` holding `dbnexus.config.json`, or the user
    /// default (created on first use).
    pub fn discover(cwd: &Path, explicit: Option<&Path>) -> Result<Workspace, WorkspaceError> {
        let env = std::env::var_os(ENV_WORKSPACE)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        if let Some(dir) = explicit.map(Path::to_path_buf).or(env) {
            let dir = absolute(&dir)?;
            if !dir.join(CONFIG_FILE).is_file() {
                return Err(WorkspaceError::NotAWorkspace(dir.display().to_string()));
            }
            return Ok(Workspace {
                root: dir,
                is_default: false,
            });
        }
        let mut cur = Some(cwd);
        while let Some(dir) = cur {
            if dir.join(CONFIG_FILE).is_file() {
                return Ok(Workspace {
                    root: dir.to_path_buf(),
                    is_default: false,
                });
            }
            cur = dir.parent();
        }
        Self::user_default()
    }

    /// The user-level default workspace in the XDG data directory.
    pub fn user_default() -> Result<Workspace, WorkspaceError> {
        let root = default_root().ok_or(WorkspaceError::NoHome)?;
        let (mut ws, _) = Workspace::init(&root)?;
        ws.is_default = true;
        Ok(ws)
    }
}

fn default_root() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x).join("dbn"));
    }
    directories::ProjectDirs::from("", "", "dbn").map(|d| d.data_dir().to_path_buf())
}

fn absolute(p: &Path) -> Result<PathBuf, WorkspaceError> {
    std::path::absolute(p).map_err(|source| WorkspaceError::Io {
        action: "resolve",
        path: p.display().to_string(),
        source,
    })
}

fn mkdir(p: &Path) -> Result<(), WorkspaceError> {
    std::fs::create_dir_all(p).map_err(|source| WorkspaceError::Io {
        action: "create directory",
        path: p.display().to_string(),
        source,
    })
}

fn write_new(p: &Path, body: &str) -> Result<(), WorkspaceError> {
    let io = |action, source| WorkspaceError::Io {
        action,
        path: p.display().to_string(),
        source,
    };
    match crate::fsutil::write_atomic_new(p, body.as_bytes()) {
        Ok(true) => Ok(()),
        Ok(false) => Err(io("create", std::io::Error::from(std::io::ErrorKind::AlreadyExists))),
        Err(source) => Err(io("write", source)),
    }
}

#[cfg(unix)]
fn restrict_dir(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // Best effort: the secret file is encrypted anyway.
    let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o700));
}

#[cfg(not(unix))]
fn restrict_dir(_p: &Path) {}

fn display_rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap_or(p).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_is_idempotent_and_never_clobbers() {
        let dir = tempfile::tempdir().unwrap();
        let (ws, out) = Workspace::init(dir.path()).unwrap();
        assert_eq!(out, InitOutcome::Created);
        std::fs::write(ws.config_path(), "{\"version\":1,\"default_connection\":\"x\"}").unwrap();
        std::fs::remove_dir(ws.logs_dir()).unwrap();
        let (_, out) = Workspace::init(dir.path()).unwrap();
        assert_eq!(
            out,
            InitOutcome::AlreadyPresent {
                repaired: vec![".dbnexus/logs".into()]
            }
        );
        let body = std::fs::read_to_string(ws.config_path()).unwrap();
        assert!(body.contains("\"x\""));
    }

    #[test]
    fn discovery_walks_up() {
        let dir = tempfile::tempdir().unwrap();
        Workspace::init(dir.path()).unwrap();
        let deep = dir.path().join("a/b/c");
        std::fs::create_dir_all(&deep).unwrap();
        let ws = Workspace::discover(&deep, None).unwrap();
        assert_eq!(ws.root, dir.path());
        assert!(!ws.is_default);
    }

    #[test]
    fn explicit_path_must_be_a_workspace() {
        let dir = tempfile::tempdir().unwrap();
        let err = Workspace::discover(dir.path(), Some(dir.path())).unwrap_err();
        assert!(err.to_string().contains("dbn init"), "{err}");
    }
}
