//! `dbn import FILE [--dry-run] [--on-conflict skip|overwrite|rename]`.

use crate::bundle::{self, Action, Applied, BundleError, ConflictMode, Plan};
use crate::cli::guard::{CliFace, ops_failure};
use crate::cli::{Ctx, ExitCode, Failure};
use crate::ops::connection::{SafetyChange, after_edit, check_edit};
use crate::ops::{Face, OpsError, Target};
use crate::sanitize::sanitize;
use crate::store::Store;
use crate::store::audit::{AuditEntry, Completion, OUTCOME_UNKNOWN};
use crate::store::connections::Tag;
use anyhow::{Context, Result};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// What to do with an entry that exists with other content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnConflict {
    /// Keep what the workspace has (default).
    Skip,
    /// Replace it with the bundle's entry.
    Overwrite,
    /// Import the bundle's entry as NAME-2, NAME-3, ...
    Rename,
}

/// Arguments of `dbn import`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Shows, per section, what will be added, overwritten, skipped, renamed or left unchanged, \
then applies everything in one transaction. Entries identical to the workspace's are left alone whatever \
--on-conflict says. Passwords in the bundle need the passphrase given at export (asked once, or \
DBN_BUNDLE_PASSPHRASE). A malformed, truncated, modified or newer-version bundle is refused (exit 2), \
as is a wrong passphrase (exit 3); nothing is changed then. Overwriting a prod or read-only connection \
with one that is writable needs its name typed, or --confirm NAME (repeat for several); without a \
terminal and without it the import is refused (exit 4). The import is audited before anything changes.

Examples:
  dbn import team.dbnbundle --dry-run
  dbn import team.dbnbundle
  dbn import team.dbnbundle --on-conflict rename
  DBN_BUNDLE_PASSPHRASE=... dbn import team.dbnbundle --on-conflict overwrite --json"
)]
pub struct Args {
    /// Bundle written by `dbn export` (`-` reads standard input).
    pub file: PathBuf,
    /// Show what would change, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// For entries that exist with other content: skip, overwrite, or rename (NAME-2, NAME-3, ...).
    #[arg(long, value_enum, default_value = "skip", value_name = "MODE")]
    pub on_conflict: OnConflict,
    /// Leave the bundle's passwords out (no passphrase asked).
    #[arg(long)]
    pub no_secrets: bool,
    /// Print the plan and outcome as JSON.
    #[arg(long)]
    pub json: bool,
    /// Confirm an overwrite that makes a read-only or prod connection writable by giving its name (repeat for several).
    #[arg(long, value_name = "NAME")]
    pub confirm: Vec<String>,
}

/// A connection the import overwrites, with what changes for safety.
struct Overwritten {
    old: crate::store::connections::ConnectionRecord,
    change: SafetyChange,
}

/// Connections the plan overwrites, with their safety changes.
fn overwritten(store: &Store, plan: &Plan) -> Result<Vec<Overwritten>> {
    let mut out = Vec::new();
    for it in &plan.items {
        if it.section != bundle::Section::Connections || it.action != Action::Overwrite {
            continue;
        }
        let (Some(new), Some(old)) = (plan.body.connections.get(it.index), store.find_connection(&it.key)?) else {
            continue;
        };
        let change = SafetyChange {
            tag: (old.tag, Tag::parse(&new.tag).unwrap_or(old.tag)),
            read_only: (old.read_only, new.read_only),
            url_changed: old.url != new.url,
        };
        out.push(Overwritten { old, change });
    }
    Ok(out)
}

/// The one rule for overwrites that make a read-only or prod connection
/// writable (as `dbn connect edit`): the typed name or `--confirm NAME`,
/// audited before anything is imported.
fn clear_overwrites(ctx: &mut Ctx, found: &[Overwritten], confirm: &[String]) -> Result<()> {
    for o in found.iter().filter(|o| o.change.relaxes()) {
        let flag = confirm
            .iter()
            .find(|c| **c == o.old.name)
            .or(confirm.first())
            .map(String::as_str);
        let target = Target::new(o.old.name.clone(), o.old.tag, o.old.read_only, o.old.spec()?);
        let mut face = CliFace::new(ctx);
        let mut octx = face.context();
        check_edit(&mut octx, &target, &o.change, flag).map_err(ops_failure)?;
    }
    Ok(())
}

/// Run `dbn import`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = args.json;
    let shown = args.file.display().to_string();
    let text = read_bundle(&args)?;
    let b = bundle::decode(&shown, &text).map_err(failure)?;
    let mut passwords: BTreeMap<String, Zeroizing<String>> = BTreeMap::new();
    let mut backup_key = None;
    if let Some(sealed) = b.body.secrets.as_ref().filter(|_| !args.no_secrets) {
        let pass = bundle::import_passphrase().map_err(failure)?;
        let known: BTreeSet<&str> = b.body.connections.iter().map(|c| c.name.as_str()).collect();
        let mut opened = bundle::open_secrets(sealed, &pass, &shown).map_err(failure)?;
        backup_key = opened.remove(bundle::BACKUP_KEY_ENTRY);
        passwords = opened.into_iter().filter(|(k, _)| known.contains(k.as_str())).collect();
    }
    let ws = ctx.workspace()?.clone();
    let jsonl = ctx.audit_jsonl()?;
    // Our own handle, so the transaction can run while the secret store (held by ctx) is in use.
    let mut store = Store::open(&ws.metadata_db())?;
    let mode = match args.on_conflict {
        OnConflict::Skip => ConflictMode::Skip,
        OnConflict::Overwrite => ConflictMode::Overwrite,
        OnConflict::Rename => ConflictMode::Rename,
    };
    let names: BTreeSet<String> = passwords.keys().cloned().collect();
    let plan = bundle::plan(&store, &ws.data_dir(), &b.body, mode, &names, &shown).map_err(failure)?;
    if !args.json {
        print_plan(&plan, &shown, &b.created_at, &b.dbn_version);
    }
    if args.dry_run {
        if args.json {
            println!("{}", serde_json::to_string_pretty(&to_json(&plan, &shown, true, None))?);
        } else {
            println!("Dry run: nothing was changed.");
        }
        return Ok(ExitCode::Ok);
    }
    let found = overwritten(&store, &plan)?;
    clear_overwrites(ctx, &found, &args.confirm)?;
    let detail = json!({
        "file": shown,
        "on_conflict": mode.as_str(),
        "add": plan.count("add"),
        "overwrite": plan.count("overwrite"),
        "rename": plan.count("rename"),
        "skip": plan.count("skip"),
        "unchanged": plan.count("unchanged"),
    });
    // On record before anything is imported (fail closed); completed after.
    let intent = store
        .append_audit(
            &AuditEntry {
                action: "import".into(),
                statement: Some(format!("dbn import {shown} --on-conflict {}", mode.as_str())),
                outcome: OUTCOME_UNKNOWN.into(),
                face: Some(Face::Cli.as_str().into()),
                detail: Some(detail.to_string()),
                ..Default::default()
            },
            jsonl.as_deref(),
        )
        .map_err(|e| ops_failure(OpsError::AuditUnavailable(e.to_string())))?;
    let result = {
        let secrets = if passwords.is_empty() {
            None
        } else {
            Some(ctx.secrets()?)
        };
        bundle::apply(&mut store, &ws.data_dir(), &plan, &passwords, secrets)
    };
    ctx.secrets_notice();
    let done = Completion {
        outcome: match &result {
            Ok(_) => "ok".to_string(),
            Err(e) => format!("error: {e}"),
        },
        ..Default::default()
    };
    store.complete_audit(intent, &done, jsonl.as_deref()).map_err(|e| {
        ops_failure(OpsError::AuditIncomplete {
            id: intent,
            reason: e.to_string(),
        })
    })?;
    let applied = result
        .map_err(failure)
        .context("the import was rolled back; the workspace is unchanged")?;
    // Overwritten connections whose URL, tag or read-only flag changed end
    // the unlocks granted through them.
    for o in found.iter().filter(|o| o.change.ends_unlocks()) {
        let mut face = CliFace::new(ctx);
        let octx = face.context();
        let ended = after_edit(octx.records, Face::Cli, &o.old.name, &o.change).map_err(ops_failure)?;
        if ended > 0 {
            eprintln!(
                "dbn: ended {ended} unlock(s) granted through '{}'",
                sanitize(&o.old.name)
            );
        }
    }
    if let Some(hex) = backup_key {
        use crate::cli::backup::common::{KeyImport, import_key};
        let (key, how) = import_key(ctx, &hex)?;
        if !args.json && how != KeyImport::Known {
            println!("Imported backup key {}.", key.fingerprint());
        }
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&to_json(&plan, &shown, false, Some(&applied)))?
        );
    } else {
        print_outcome(&plan, &applied);
    }
    Ok(ExitCode::Ok)
}

fn read_bundle(args: &Args) -> Result<String> {
    let shown = args.file.display().to_string();
    let bytes = if shown == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("cannot read the bundle from standard input")?;
        buf
    } else {
        std::fs::read(&args.file).map_err(|e| {
            Failure::new(
                ExitCode::Usage,
                "BUNDLE_IO",
                format!(
                    "cannot read bundle '{shown}': {e}. Check the path (a bundle is written by `dbn export --out FILE`)"
                ),
            )
        })?
    };
    String::from_utf8(bytes).map_err(|e| {
        failure(BundleError::Malformed {
            path: shown,
            why: format!("not UTF-8 text (bad byte at offset {})", e.utf8_error().valid_up_to()),
        })
    })
}

fn print_plan(plan: &Plan, file: &str, created_at: &str, dbn_version: &str) {
    println!(
        "Import plan for '{}' (exported {} by dbn {}; on conflict: {})",
        sanitize(file),
        sanitize(created_at),
        sanitize(dbn_version),
        plan.mode.as_str()
    );
    if plan.items.is_empty() {
        println!("The bundle is empty.");
        return;
    }
    let mut section = None;
    for it in &plan.items {
        if section != Some(it.section) {
            println!("{}:", it.section.as_str().replace('_', " "));
            section = Some(it.section);
        }
        let what = match &it.action {
            Action::Rename(to) => format!("{} -> {}", sanitize(&it.key), sanitize(to)),
            _ => sanitize(&it.key).into_owned(),
        };
        match &it.note {
            Some(n) => println!("  {:<10} {what}  ({})", it.action.verb(), sanitize(n)),
            None => println!("  {:<10} {what}", it.action.verb()),
        }
    }
    println!(
        "Summary: {} to add, {} to overwrite, {} to rename, {} skipped, {} unchanged.",
        plan.count("add"),
        plan.count("overwrite"),
        plan.count("rename"),
        plan.count("skip"),
        plan.count("unchanged")
    );
}

fn print_outcome(plan: &Plan, applied: &Applied) {
    if !plan.changes_anything() {
        println!("Nothing to change: the workspace already has everything in the bundle.");
        return;
    }
    println!(
        "Imported: {} added, {} overwritten, {} renamed, {} skipped.",
        plan.count("add"),
        plan.count("overwrite"),
        plan.count("rename"),
        plan.count("skip")
    );
    if let Some(backend) = applied.backend {
        println!(
            "Passwords stored in the {backend} secret store for: {}.",
            applied.passwords.join(", ")
        );
    }
}

fn to_json(plan: &Plan, file: &str, dry_run: bool, applied: Option<&Applied>) -> serde_json::Value {
    let items: Vec<_> = plan
        .items
        .iter()
        .map(|it| {
            let mut v = json!({"section": it.section.as_str(), "key": it.key, "action": it.action.verb()});
            if let Action::Rename(to) = &it.action {
                v["to"] = json!(to);
            }
            if let Some(n) = &it.note {
                v["note"] = json!(n);
            }
            v
        })
        .collect();
    json!({
        "file": file,
        "dry_run": dry_run,
        "on_conflict": plan.mode.as_str(),
        "applied": applied.is_some(),
        "items": items,
        "summary": {
            "add": plan.count("add"),
            "overwrite": plan.count("overwrite"),
            "rename": plan.count("rename"),
            "skip": plan.count("skip"),
            "unchanged": plan.count("unchanged"),
        },
        "passwords_stored": applied.map(|a| a.passwords.clone()).unwrap_or_default(),
        "secret_backend": applied.and_then(|a| a.backend),
        "files_written": applied.map(|a| a.files.clone()).unwrap_or_default(),
    })
}

/// Map a bundle error to an error carrying the right exit and stable codes.
pub(super) fn failure(e: BundleError) -> anyhow::Error {
    use crate::error::Coded;
    match e {
        // These keep their own type in the chain.
        BundleError::Store(s) => s.into(),
        BundleError::Secret(s) => s.into(),
        other => Failure::new(other.exit(), other.code(), other.to_string()).into(),
    }
}
