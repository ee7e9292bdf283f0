//! Shared pieces of the backup commands: the key, the repository, error
//! mapping, audit entries.

use crate::backup::{BackupError, BackupKey, Repo};
use crate::cli::{Ctx, ExitCode, Failure};
use crate::store::audit::AuditEntry;
use anyhow::{Context, Result};
use tokio_util::sync::CancellationToken;

pub use crate::backup::crypto::{ENV_KEY, KEY_SECRET, KEY_SETTING};

/// The backup key: `DBN_BACKUP_KEY`, else the secret store; generated and
/// stored on first use when `create` is set.
pub fn load_key(ctx: &mut Ctx, create: bool) -> Result<BackupKey> {
    if let Ok(hex) = std::env::var(ENV_KEY)
        && !hex.is_empty()
    {
        return BackupKey::from_hex(&hex).ok_or_else(|| Failure::usage(BackupError::BadKey.to_string()).into());
    }
    let recorded = ctx.store()?.setting(KEY_SETTING)?;
    if let Some(backend) = recorded {
        let got = ctx
            .secrets()?
            .get(KEY_SECRET, Some(&backend))
            .context("cannot read the backup key from the secret store")?;
        ctx.secrets_notice();
        let hex = got.ok_or_else(|| {
            Failure::new(
                ExitCode::Usage,
                "BACKUP_KEY_MISSING",
                format!("the backup key recorded in the {backend} secret store is gone; set {ENV_KEY} to the key the backups were made with"),
            )
        })?;
        return BackupKey::from_hex(&hex).ok_or_else(|| Failure::usage("the stored backup key is malformed").into());
    }
    if !create {
        return Err(Failure::new(
            ExitCode::Usage,
            "BACKUP_NO_KEY",
            format!(
                "this workspace has no backup key yet (no backup was made here); to read backups made elsewhere import their key with `dbn backup key import FILE` (or set {ENV_KEY})"
            ),
        )
        .into());
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

/// Setting mapping the fingerprints of imported (read-only) backup keys to
/// the secret backend holding each, as JSON.
pub const EXTRA_KEYS_SETTING: &str = "backup_extra_keys";

fn extra_secret(fingerprint: &str) -> String {
    format!("{KEY_SECRET}/{fingerprint}")
}

fn extra_keys(ctx: &mut Ctx) -> Result<std::collections::BTreeMap<String, String>> {
    Ok(ctx
        .store()?
        .setting(EXTRA_KEYS_SETTING)?
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default())
}

/// Every backup key the workspace can read with: `DBN_BACKUP_KEY` alone when
/// set, else the workspace's own key, then imported ones. Empty when there is none.
pub fn load_keys(ctx: &mut Ctx) -> Result<Vec<BackupKey>> {
    let mut out = Vec::new();
    if let Ok(hex) = std::env::var(ENV_KEY)
        && !hex.is_empty()
    {
        // The variable overrides the stored keys.
        out.push(BackupKey::from_hex(&hex).ok_or_else(|| Failure::usage(BackupError::BadKey.to_string()))?);
        return Ok(out);
    }
    if ctx.store()?.setting(KEY_SETTING)?.is_some() {
        out.push(load_key_stored(ctx)?);
    }
    for (fp, backend) in extra_keys(ctx)? {
        if let Some(hex) = ctx
            .secrets()?
            .get(&extra_secret(&fp), Some(&backend))
            .context("cannot read an imported backup key from the secret store")?
            && let Some(k) = BackupKey::from_hex(&hex)
        {
            out.push(k);
        }
    }
    Ok(out)
}

fn load_key_stored(ctx: &mut Ctx) -> Result<BackupKey> {
    let backend = ctx.store()?.setting(KEY_SETTING)?.unwrap_or_default();
    let got = ctx
        .secrets()?
        .get(KEY_SECRET, Some(&backend))
        .context("cannot read the backup key from the secret store")?;
    ctx.secrets_notice();
    let hex = got.ok_or_else(|| {
        Failure::new(
            ExitCode::Usage,
            "BACKUP_KEY_MISSING",
            format!("the backup key recorded in the {backend} secret store is gone; set {ENV_KEY} to the key the backups were made with"),
        )
    })?;
    BackupKey::from_hex(&hex).ok_or_else(|| Failure::usage("the stored backup key is malformed").into())
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
    let known: Vec<String> = {
        let mut v = Vec::new();
        if ctx.store()?.setting(KEY_SETTING)?.is_some() {
            v.push(load_key_stored(ctx)?.fingerprint().to_string());
        }
        v.extend(extra_keys(ctx)?.into_keys());
        v
    };
    if known.iter().any(|f| f == key.fingerprint()) {
        return Ok((key, KeyImport::Known));
    }
    if ctx.store()?.setting(KEY_SETTING)?.is_none() {
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
    let mut extras = extra_keys(ctx)?;
    extras.insert(fp, backend.to_string());
    ctx.store()?
        .set_setting(EXTRA_KEYS_SETTING, &serde_json::to_string(&extras)?)?;
    Ok((key, KeyImport::Extra))
}

/// The workspace's own key as hex, if it has one (for export).
pub fn primary_key_hex(ctx: &mut Ctx) -> Result<Option<zeroize::Zeroizing<String>>> {
    let Some(backend) = ctx.store()?.setting(KEY_SETTING)? else {
        return Ok(None);
    };
    let got = ctx
        .secrets()?
        .get(KEY_SECRET, Some(&backend))
        .context("cannot read the backup key from the secret store")?;
    Ok(got.map(zeroize::Zeroizing::new))
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
