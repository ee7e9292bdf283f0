//! Layered configuration: embedded defaults < user (XDG) < workspace < env.
//! CLI flags are applied by the caller on top.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The embedded defaults, the single source of truth for every setting.
pub const DEFAULTS: &str = include_str!("config/defaults.json");

/// What `dbn init` writes: only the version, so defaults can evolve.
pub const WORKSPACE_TEMPLATE: &str = "{\n  \"version\": 1\n}\n";

/// Highest config version this dbn understands.
pub const CONFIG_VERSION: u32 = 1;

/// Configuration errors.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file is not valid JSON or has wrong types.
    #[error(
        "config file '{path}' is invalid at line {line}, column {column}: {message}. Fix the file or move it aside"
    )]
    Malformed {
        /// File path.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Parser message.
        message: String,
    },
    /// The file could not be read.
    #[error("cannot read config file '{path}': {source}")]
    Io {
        /// File path.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A newer dbn wrote this file.
    #[error("config file '{path}' has version {found}; this dbn understands up to {CONFIG_VERSION}. Upgrade dbn")]
    TooNew {
        /// File path.
        path: String,
        /// Version found.
        found: u64,
    },
    /// An environment variable holds a bad value.
    #[error("environment variable {var}='{value}' is invalid: {why}")]
    BadEnv {
        /// Variable name.
        var: &'static str,
        /// Its value.
        value: String,
        /// What is expected.
        why: &'static str,
    },
}

impl crate::error::Coded for ConfigError {
    fn code(&self) -> &'static str {
        "CONFIG_INVALID"
    }

    fn exit(&self) -> crate::error::ExitStatus {
        crate::error::ExitStatus::Usage
    }
}

/// The merged configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// File format version.
    pub version: u32,
    /// Connection opened by `dbn` / `dbn query` when none is named.
    pub default_connection: Option<String>,
    /// TUI settings.
    pub ui: UiConfig,
    /// Query settings.
    pub query: QueryConfig,
    /// Secret store settings.
    pub secrets: SecretsConfig,
    /// Logging settings.
    pub log: LogConfig,
    /// Audit settings.
    pub audit: AuditConfig,
    /// Backup settings.
    #[serde(default)]
    pub backup: BackupConfig,
}

/// Backup settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupConfig {
    /// Default repository: a folder or `s3://BUCKET/PREFIX[?endpoint=URL]`
    /// (none: `.dbnexus/snapshots/`). `DBN_BACKUP_REPO` overrides it.
    pub repository: Option<String>,
}

/// TUI settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiConfig {
    /// `auto`, `dark`, `light`, `basic16` or a theme file name.
    pub theme: String,
    /// `default`, `vim`, `emacs`.
    pub keymap: String,
    /// Enable mouse capture.
    pub mouse: bool,
    /// LIMIT used by table previews.
    pub preview_limit: u32,
    /// Folder for result page files; null means the user cache directory (`$XDG_CACHE_HOME/dbn/spill`).
    pub spill_dir: Option<String>,
    /// Most megabytes one result may write to its page file; the result stops growing there.
    pub spill_cap_mb: u64,
}

/// Query settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryConfig {
    /// Connect timeout in seconds.
    pub connect_timeout_secs: u64,
    /// Default statement timeout in seconds, none by default.
    pub statement_timeout_secs: Option<u64>,
}

/// Secret store settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsConfig {
    /// `auto` (keyring, else encrypted file), `keyring` or `file`.
    pub backend: String,
}

/// Logging settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// tracing filter (`info`, `debug`, `dbn=trace`).
    pub level: String,
    /// Daily log files kept.
    pub max_files: usize,
}

/// Audit settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// Mirror audit entries to `.dbnexus/logs/audit.jsonl`.
    pub jsonl: bool,
}

impl Config {
    /// Load defaults < user config < workspace config < environment.
    pub fn load(workspace_config: Option<&Path>) -> Result<Config, ConfigError> {
        let mut merged: Json = serde_json::from_str(DEFAULTS).map_err(|e| malformed("<embedded defaults>", &e))?;
        if let Some(user) = user_config_path().filter(|p| p.is_file()) {
            merge(&mut merged, read_layer(&user)?);
        }
        if let Some(ws) = workspace_config.filter(|p| p.is_file()) {
            merge(&mut merged, read_layer(ws)?);
        }
        let source = workspace_config
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "<config>".into());
        let mut cfg: Config = serde_json::from_value(merged).map_err(|e| ConfigError::Malformed {
            path: source,
            line: 0,
            column: 0,
            message: e.to_string(),
        })?;
        cfg.apply_env()?;
        Ok(cfg)
    }

    fn apply_env(&mut self) -> Result<(), ConfigError> {
        if let Some(v) = env("DBN_BACKUP_REPO") {
            self.backup.repository = Some(v);
        }
        if let Some(v) = env("DBN_THEME") {
            self.ui.theme = v;
        }
        if let Some(v) = env("DBN_KEYMAP") {
            self.ui.keymap = v;
        }
        if let Some(v) = env("DBN_LOG") {
            self.log.level = v;
        }
        if let Some(v) = env("DBN_SECRETS_BACKEND") {
            if !matches!(v.as_str(), "auto" | "keyring" | "file") {
                return Err(ConfigError::BadEnv {
                    var: "DBN_SECRETS_BACKEND",
                    value: v,
                    why: "use auto, keyring or file",
                });
            }
            self.secrets.backend = v;
        }
        if let Some(v) = env("DBN_CONNECT_TIMEOUT") {
            self.query.connect_timeout_secs = v.parse().map_err(|_| ConfigError::BadEnv {
                var: "DBN_CONNECT_TIMEOUT",
                value: v.clone(),
                why: "a whole number of seconds",
            })?;
        }
        Ok(())
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `$XDG_CONFIG_HOME/dbn/config.json` (or the platform equivalent).
pub fn user_config_path() -> Option<PathBuf> {
    user_config_dir().map(|d| d.join("config.json"))
}

/// `$XDG_CONFIG_HOME/dbn`.
pub fn user_config_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x).join("dbn"));
    }
    directories::ProjectDirs::from("", "", "dbn").map(|d| d.config_dir().to_path_buf())
}

fn read_layer(path: &Path) -> Result<Json, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let value: Json = serde_json::from_str(&text).map_err(|e| malformed(&path.display().to_string(), &e))?;
    if !value.is_object() {
        return Err(ConfigError::Malformed {
            path: path.display().to_string(),
            line: 1,
            column: 1,
            message: "the top level must be a JSON object".into(),
        });
    }
    if let Some(v) = value.get("version").and_then(Json::as_u64)
        && v > u64::from(CONFIG_VERSION)
    {
        return Err(ConfigError::TooNew {
            path: path.display().to_string(),
            found: v,
        });
    }
    // Validate this layer alone so errors name the file that has them.
    let mut probe: Json = serde_json::from_str(DEFAULTS).map_err(|e| malformed("<embedded defaults>", &e))?;
    merge(&mut probe, value.clone());
    serde_json::from_value::<Config>(probe).map_err(|e| ConfigError::Malformed {
        path: path.display().to_string(),
        line: 1,
        column: 1,
        message: e.to_string(),
    })?;
    Ok(value)
}

fn malformed(path: &str, e: &serde_json::Error) -> ConfigError {
    ConfigError::Malformed {
        path: path.to_string(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    }
}

/// Deep-merge `over` into `base`: objects merge key by key, anything else replaces.
pub fn merge(base: &mut Json, over: Json) {
    match (base, over) {
        (Json::Object(b), Json::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse() {
        let cfg = Config::load(None).unwrap();
        assert_eq!(cfg.query.connect_timeout_secs, 10);
        assert_eq!(cfg.secrets.backend, "auto");
    }

    #[test]
    fn workspace_layer_overrides_and_typos_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.json");
        std::fs::write(&p, r#"{"version":1,"ui":{"theme":"light"}}"#).unwrap();
        assert_eq!(Config::load(Some(&p)).unwrap().ui.theme, "light");
        std::fs::write(&p, r#"{"version":1,"ui":{"theem":"light"}}"#).unwrap();
        let err = Config::load(Some(&p)).unwrap_err().to_string();
        assert!(err.contains("theem") && err.contains("c.json"), "{err}");
        std::fs::write(&p, "{\"version\":1,\n\"ui\": {").unwrap();
        let err = Config::load(Some(&p)).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
        std::fs::write(&p, r#"{"version":99}"#).unwrap();
        assert!(matches!(Config::load(Some(&p)), Err(ConfigError::TooNew { .. })));
    }
}
