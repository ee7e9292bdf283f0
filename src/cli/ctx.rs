//! Per-invocation context: workspace, config, lazily opened store and secrets.

use super::Cli;
use crate::config::Config;
use crate::logging::LogGuard;
use crate::secrets::Secrets;
use crate::store::Store;
use crate::workspace::Workspace;
use anyhow::{Context, Result};
use std::path::PathBuf;

/// Everything a subcommand needs.
pub struct Ctx {
    /// Current directory at start.
    pub cwd: PathBuf,
    /// Explicit workspace from --workspace / DBN_WORKSPACE.
    pub explicit_workspace: Option<PathBuf>,
    /// Log level from --log-level.
    pub log_level: Option<String>,
    /// --no-color or NO_COLOR.
    pub no_color: bool,
    /// Print errors as JSON (set by commands with --json / json formats).
    pub json_errors: bool,
    /// Backup repository from `dbn backup --repo URL` (overrides the config).
    pub backup_repo: Option<String>,
    workspace: Option<Workspace>,
    config: Option<Config>,
    store: Option<Store>,
    secrets: Option<Secrets>,
    _log: Option<LogGuard>,
}

impl Ctx {
    /// Build the context; nothing is opened yet.
    pub fn new(cli: &Cli) -> Result<Ctx> {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let no_color = cli.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Ok(Ctx {
            cwd,
            explicit_workspace: cli.workspace.clone(),
            log_level: cli.log_level.clone(),
            no_color,
            json_errors: false,
            backup_repo: None,
            workspace: None,
            config: None,
            store: None,
            secrets: None,
            _log: None,
        })
    }

    /// The workspace (discovered on first use; logging starts then).
    pub fn workspace(&mut self) -> Result<&Workspace> {
        if self.workspace.is_none() {
            let ws = Workspace::discover(&self.cwd, self.explicit_workspace.as_deref())?;
            let cfg = Config::load(Some(&ws.config_path()))?;
            let level = self.log_level.clone().unwrap_or_else(|| cfg.log.level.clone());
            self._log = Some(crate::logging::init(&ws.logs_dir(), &level, cfg.log.max_files));
            tracing::debug!(workspace = %ws.root.display(), "workspace selected");
            self.config = Some(cfg);
            self.workspace = Some(ws);
        }
        self.workspace.as_ref().context("workspace not initialised")
    }

    /// Use a specific workspace (after `dbn init`).
    pub fn set_workspace(&mut self, ws: Workspace) {
        self.workspace = Some(ws);
        self.config = None;
        self.store = None;
        self.secrets = None;
    }

    /// The merged configuration.
    pub fn config(&mut self) -> Result<&Config> {
        if self.config.is_none() {
            let path = self.workspace()?.config_path();
            self.config = Some(Config::load(Some(&path))?);
        }
        self.config.as_ref().context("config not loaded")
    }

    /// The metadata store.
    pub fn store(&mut self) -> Result<&mut Store> {
        if self.store.is_none() {
            let path = self.workspace()?.metadata_db();
            self.store = Some(Store::open(&path)?);
        }
        self.store.as_mut().context("store not open")
    }

    /// The secret store (keyring or encrypted file), notice printed once.
    pub fn secrets(&mut self) -> Result<&Secrets> {
        if self.secrets.is_none() {
            let ws = self.workspace()?.clone();
            let cfg = self.config()?.secrets.clone();
            let id = self.store()?.workspace_id()?;
            let s = Secrets::open(&ws, &id, &cfg)?;
            self.secrets = Some(s);
        }
        self.secrets.as_ref().context("secrets not open")
    }

    /// Print the keyring fallback notice once, when a secret is first touched.
    pub fn secrets_notice(&mut self) {
        if let Some(s) = self.secrets.as_mut()
            && let Some(n) = s.notice.take()
        {
            eprintln!("{n}");
        }
    }

    /// `.dbnexus/logs/audit.jsonl` when mirroring is on.
    pub fn audit_jsonl(&mut self) -> Result<Option<PathBuf>> {
        let on = self.config()?.audit.jsonl;
        let dir = self.workspace()?.logs_dir();
        Ok(on.then(|| dir.join("audit.jsonl")))
    }
}
