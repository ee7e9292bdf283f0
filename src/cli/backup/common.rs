//! Shared pieces of the backup commands: the key, the repository, error
//! mapping, audit entries.

use crate::backup::{BackupError, BackupKey, Repo};
use crate::cli::{Ctx, Failure};
use crate::store::audit::AuditEntry;
use anyhow::{Context, Result};
use tokio_util::sync::CancellationToken;

pub use crate::backup::crypto::{ENV_KEY, KEY_SECRET, KEY_SETTING};
pub use crate::ops::backup_key::{EXTRA_KEYS_SETTING, KeyError, KeySources, extra_secret};

/// The workspace's key sources and the secret store when they need it.
fn with_keys<T>(
    ctx: &mut Ctx,
    f: impl FnOnce(&KeySources, Option<&crate::secrets::Secrets>) -> Result<T, KeyError>,
) -> Result<T> {
    let src = KeySources::read(ctx.store()?).map_err(key_failure)?;
    let out = {
        let secrets = if src.needs_secrets() {
            Some(ctx.secrets()?)
        } else {
            None
        };
        f(&src, secrets)
    };
    ctx.secrets_notice();
    out.map_err(key_failure)
}

/// A key resolution error as the CLI reports it.
pub fn key_failure(e: KeyError) -> anyhow::Error {
    use crate::error::Coded;
    Failure::new(e.exit(), e.code(), e.to_string()).into()
}

/// The backup key new backups use (`ops::backup_key`); generated and
/// stored on first use when `create` is set.
pub fn load_key(ctx: &mut Ctx, create: bool) -> Result<BackupKey> {
    if let Some(k) = with_keys(ctx, |src, s| src.primary(s))? {
        return Ok(k);
    }
    if !create {
        return Err(key_failure(KeyError::NoKey));
    }
    let hex = BackupKey::generate();
    let backend = ctx
        .secrets()?
        .set(KEY_SECRET, &hex)
        .context("cannot store the new backup key in the secret store")?;
    ctx.secrets_notice();
    ctx.store()?.set_setting(KEY_SETTING, backend)?;
    BackupKey::from_hex(&hex).context("generated key does not parse")
}

/// Every backup key the workspace can read with (`ops::backup_key`):
/// `DBN_BACKUP_KEY` alone when set, else the workspace's own key, then
/// imported ones. Empty when there is none.
pub fn load_keys(ctx: &mut Ctx) -> Result<Vec<BackupKey>> {
    with_keys(ctx, |src, s| src.keys(s))
}

/// How an imported key was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyImport {
    /// It became the workspace's key (there was none): new backups use it.
    Primary,
    /// Added for reading backups made with it.
    Extra,
    /// The workspace already had it.
    Known,
}

/// Store a backup key (hex) in the workspace.
pub fn import_key(ctx: &mut Ctx, hex: &str) -> Result<(BackupKey, KeyImport)> {
    let key = BackupKey::from_hex(hex).ok_or_else(|| Failure::usage(BackupError::BadKey.to_string()))?;
    // The workspace's own and imported keys, whatever DBN_BACKUP_KEY says.
    let src = KeySources::read(ctx.store()?).map_err(key_failure)?;
    let has_primary = src.has_stored_primary();
    let mut known: Vec<String> = src.extra_fingerprints().map(str::to_string).collect();
    if has_primary {
        let stored = src.stored_primary(Some(ctx.secrets()?)).map_err(key_failure)?;
        known.extend(stored.map(|k| k.fingerprint().to_string()));
    }
    if known.iter().any(|f| f == key.fingerprint()) {
        return Ok((key, KeyImport::Known));
    }
    if !has_primary {
        let backend = ctx
            .secrets()?
            .set(KEY_SECRET, hex)
            .context("cannot store the backup key in the secret store")?;
        ctx.secrets_notice();
        ctx.store()?.set_setting(KEY_SETTING, backend)?;
        return Ok((key, KeyImport::Primary));
    }
    let fp = key.fingerprint().to_string();
    let backend = ctx
        .secrets()?
        .set(&extra_secret(&fp), hex)
        .context("cannot store the backup key in the secret store")?;
    ctx.secrets_notice();
    let extras = src.extras_with(&fp, backend);
    ctx.store()?
        .set_setting(EXTRA_KEYS_SETTING, &serde_json::to_string(&extras)?)?;
    Ok((key, KeyImport::Extra))
}

/// The workspace's own key as hex, if it has one (for export).
pub fn primary_key_hex(ctx: &mut Ctx) -> Result<Option<zeroize::Zeroizing<String>>> {
    let src = KeySources::read(ctx.store()?).map_err(key_failure)?;
    if !src.has_stored_primary() {
        return Ok(None);
    }
    src.stored_primary_hex(Some(ctx.secrets()?)).map_err(key_failure)
}

/// Secret-store key of the credentials of an S3 bucket.
pub fn s3_secret(bucket: &str) -> String {
    format!("backup/s3/{bucket}")
}

/// Setting recording the secret backend of an S3 bucket's credentials.
pub fn s3_setting(bucket: &str) -> String {
    format!("backup_s3_backend:{bucket}")
}

/// The repository location in force: `--repo`, then `DBN_BACKUP_REPO` /
/// the config's `backup.repository`, else the workspace's own folder.
pub fn repo_location(ctx: &mut Ctx) -> Result<Option<String>> {
    if let Some(r) = ctx.backup_repo.clone() {
        return Ok(Some(r));
    }
    ctx.workspace()?;
    Ok(ctx.config()?.backup.repository.clone())
}

/// The snapshot repository in force (see `repo_location`).
pub fn repo(ctx: &mut Ctx) -> Result<Repo> {
    let Some(loc) = repo_location(ctx)? else {
        return Ok(Repo::local(&ctx.workspace()?.snapshots_dir()));
    };
    let creds = if loc.starts_with("s3://") {
        let l = crate::backup::backend::S3Location::parse(&loc).map_err(fail)?;
        stored_s3_credentials(ctx, &l.bucket)?
    } else {
        None
    };
    Repo::open(&loc, creds).map_err(fail)
}

fn stored_s3_credentials(ctx: &mut Ctx, bucket: &str) -> Result<Option<crate::backup::backend::s3::S3Credentials>> {
    let Some(backend) = ctx.store()?.setting(&s3_setting(bucket))? else {
        return Ok(None);
    };
    let got = ctx
        .secrets()?
        .get(&s3_secret(bucket), Some(&backend))
        .context("cannot read the repository credentials from the secret store")?;
    Ok(got.and_then(|v| {
        let (id, secret) = v.split_once('\n')?;
        Some(crate::backup::backend::s3::S3Credentials {
            access_key_id: id.to_string(),
            secret_access_key: zeroize::Zeroizing::new(secret.to_string()),
        })
    }))
}

/// Map a library error to the CLI's exit codes.
pub fn fail(e: BackupError) -> anyhow::Error {
    use crate::error::Coded;
    if let BackupError::Db(db) = e {
        return db.into();
    }
    Failure::new(e.exit(), e.code(), e.to_string()).into()
}

/// A token cancelled by Ctrl-C (call inside the runtime).
pub fn ctrl_c_token() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            t.cancel();
        }
    });
    token
}

/// Append an audit entry (best effort: the operation already happened).
pub fn audit(ctx: &mut Ctx, mut entry: AuditEntry) {
    entry.statement = entry.statement.map(|s| crate::logging::redact(&s));
    let jsonl = ctx.audit_jsonl().ok().flatten();
    if let Ok(store) = ctx.store() {
        let _ = store.append_audit(&entry, jsonl.as_deref());
    }
}

/// Human byte size.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}
