//! Carrying a restore plan out, all or nothing, per engine.

use super::load::{LoadCtx, load_table};
use super::{RestorePlan, RestoreReport, Suspended};
use crate::backup::crypto::BackupKey;
use crate::backup::progress::{Progress, ProgressTx, emit};
use crate::backup::{BackupError, BackupResult, ChunkStore};
use crate::db::{Engine, Session, Value, query_all, quote};
use crate::schema::{Schema, Table};
use tokio_util::sync::CancellationToken;

async fn exec(session: &mut dyn Session, sql: &str) -> BackupResult<u64> {
    let (_, _, s) = query_all(session, sql).await?;
    Ok(s.rows_affected.unwrap_or(0))
}

async fn exec_all(session: &mut dyn Session, stmts: &[String]) -> BackupResult<()> {
    for s in stmts {
        exec(session, s).await?;
    }
    Ok(())
}

/// Whether the Postgres session may set `session_replication_role`.
pub(super) async fn is_superuser(session: &mut dyn Session) -> BackupResult<bool> {
    let (_, rows, _) = query_all(session, "SELECT current_setting('is_superuser')").await?;
    Ok(matches!(rows.first().and_then(|r| r.first()), Some(Value::Text(s)) if s == "on"))
}

fn text(v: Option<&Value>) -> String {
    v.map(Value::render).unwrap_or_default()
}

/// Triggers on the existing tables of the set that would fire while the
/// rows load, with how to stop and resume each. Postgres under the replica
/// role only needs the ALWAYS/REPLICA ones; otherwise every enabled user
/// trigger. MariaDB and SQLite have no switch: the trigger is dropped and
/// recreated from its definition.
pub(super) async fn triggers_to_suspend(
    session: &mut dyn Session,
    live: &Schema,
    set: &[&Table],
    replica: bool,
) -> BackupResult<Vec<Suspended>> {
    let engine = session.engine();
    let mut out = Vec::new();
    if set.is_empty() {
        return Ok(out);
    }
    if engine == Engine::Postgres {
        let sql = "SELECT n.nspname, c.relname, t.tgname, t.tgenabled::text FROM pg_trigger t \
                   JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
                   WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND t.tgenabled <> 'D' ORDER BY 1, 2, 3";
        let (_, rows, _) = query_all(session, sql).await?;
        for r in rows {
            let (schema, table, name, mode) = (text(r.first()), text(r.get(1)), text(r.get(2)), text(r.get(3)));
            if !set.iter().any(|t| t.schema == schema && t.name == table) || (replica && mode == "O") {
                continue;
            }
            let on = quote::qualified(engine, Some(&schema), &table);
            let trig = quote::ident(engine, &name);
            let how = match mode.as_str() {
                "A" => "ENABLE ALWAYS TRIGGER",
                "R" => "ENABLE REPLICA TRIGGER",
                _ => "ENABLE TRIGGER",
            };
            out.push(Suspended {
                name: format!("{schema}.{table}.{name}"),
                stop: format!("ALTER TABLE {on} DISABLE TRIGGER {trig}"),
                resume: format!("ALTER TABLE {on} {how} {trig}"),
            });
        }
        return Ok(out);
    }
    for tr in &live.triggers {
        let on_set = set
            .iter()
            .any(|t| t.name == tr.table && (engine != Engine::Mysql || t.schema == tr.schema));
        if on_set {
            out.push(Suspended {
                name: format!("{}.{}.{}", tr.schema, tr.table, tr.name),
                stop: format!("DROP TRIGGER {}", quote::ident(engine, &tr.name)),
                resume: tr.definition.clone(),
            });
        }
    }
    Ok(out)
}

/// Carry out `plan` through `session`: all tables or none.
pub async fn execute(
    session: &mut dyn Session,
    store: &dyn ChunkStore,
    key: &BackupKey,
    plan: &RestorePlan,
    progress: &ProgressTx,
    cancel: &CancellationToken,
) -> BackupResult<RestoreReport> {
    emit(
        progress,
        Progress::Start {
            phase: "restore",
            tables: plan.tables.len(),
            rows: plan.tables.iter().map(|t| t.backup_rows).sum(),
        },
    );
    let cx = LoadCtx {
        store,
        key,
        progress,
        cancel,
        backup: &plan.backup,
    };
    let rep = match session.engine() {
        Engine::Mysql => mysql(session, &cx, plan).await?,
        _ => transactional(session, &cx, plan).await?,
    };
    emit(progress, Progress::Done);
    Ok(rep)
}

/// Postgres and SQLite: everything in one transaction.
async fn transactional(session: &mut dyn Session, cx: &LoadCtx<'_>, plan: &RestorePlan) -> BackupResult<RestoreReport> {
    let engine = session.engine();
    let sqlite_fk = if engine == Engine::Sqlite {
        let (_, r, _) = query_all(session, "PRAGMA foreign_keys").await?;
        let on = matches!(r.first().and_then(|r| r.first()), Some(Value::Int(1)));
        // Outside a transaction only; cascades and checks stop with it.
        exec(session, "PRAGMA foreign_keys = OFF").await?;
        Some(on)
    } else {
        None
    };
    let begin = if engine == Engine::Sqlite {
        "BEGIN IMMEDIATE"
    } else {
        "BEGIN"
    };
    let mut result = exec(session, begin).await.map(|_| RestoreReport::default());
    if result.is_ok() {
        result = in_transaction(session, cx, plan).await;
    }
    let result = match result {
        Ok(rep) => match exec(session, "COMMIT").await {
            Ok(_) => Ok(rep),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    if result.is_err() {
        let _ = exec(session, "ROLLBACK").await;
    }
    if sqlite_fk == Some(true) {
        let _ = exec(session, "PRAGMA foreign_keys = ON").await;
    }
    result
}

async fn in_transaction(
    session: &mut dyn Session,
    cx: &LoadCtx<'_>,
    plan: &RestorePlan,
) -> BackupResult<RestoreReport> {
    let engine = session.engine();
    if plan.replica {
        // Inside the transaction only: no cascade, foreign key check or
        // ordinary trigger fires while the rows load.
        exec(session, "SET LOCAL session_replication_role = replica").await?;
    }
    emit(cx.progress, Progress::Step("creating objects".into()));
    exec_all(session, &plan.pre_data).await?;
    for s in &plan.suspended {
        exec(session, &s.stop).await?;
    }
    let mut rep = RestoreReport::default();
    let existing: Vec<&str> = plan
        .tables
        .iter()
        .filter(|t| t.exists)
        .map(|t| t.target.as_str())
        .collect();
    if !existing.is_empty() {
        if engine == Engine::Postgres {
            exec(session, &format!("TRUNCATE {}", existing.join(", "))).await?;
        } else {
            for t in existing.iter().rev() {
                exec(session, &format!("DELETE FROM {t}")).await?;
            }
        }
        rep.deleted = plan.tables.iter().filter(|t| t.exists).map(|t| t.current_rows).sum();
    }
    load_all(session, cx, plan, &mut rep).await?;
    exec_all(session, &plan.counters).await?;
    emit(cx.progress, Progress::Step("indexes, keys, views, triggers".into()));
    exec_all(session, &plan.post_data).await?;
    for s in &plan.suspended {
        exec(session, &s.resume).await?;
    }
    run_checks(session, plan).await?;
    Ok(rep)
}

async fn load_all(
    session: &mut dyn Session,
    cx: &LoadCtx<'_>,
    plan: &RestorePlan,
    rep: &mut RestoreReport,
) -> BackupResult<()> {
    let mut done = 0u64;
    for t in &plan.tables {
        emit(
            cx.progress,
            Progress::Table {
                name: t.table.clone(),
                rows: t.backup_rows,
            },
        );
        rep.rows += load_table(session, cx, &t.entry, &t.bulk, &mut done).await?;
        rep.tables += 1;
    }
    Ok(())
}

async fn run_checks(session: &mut dyn Session, plan: &RestorePlan) -> BackupResult<()> {
    for (sql, why) in &plan.checks {
        let (_, rows, _) = query_all(session, sql).await?;
        if !rows.is_empty() {
            return Err(BackupError::Unsupported(why.clone()));
        }
    }
    Ok(())
}

/// MariaDB: DDL first (undone on failure), then the rows in one
/// transaction with foreign key checks off, then triggers and counters.
async fn mysql(session: &mut dyn Session, cx: &LoadCtx<'_>, plan: &RestorePlan) -> BackupResult<RestoreReport> {
    exec(session, "SET SESSION FOREIGN_KEY_CHECKS = 0").await?;
    let result = mysql_steps(session, cx, plan).await;
    let _ = exec(session, "SET SESSION FOREIGN_KEY_CHECKS = 1").await;
    result
}

async fn mysql_steps(session: &mut dyn Session, cx: &LoadCtx<'_>, plan: &RestorePlan) -> BackupResult<RestoreReport> {
    emit(cx.progress, Progress::Step("creating objects".into()));
    if let Err(e) = exec_all(session, &plan.pre_data).await {
        undo_created(session, plan).await;
        return Err(e);
    }
    let mut stopped: Vec<&Suspended> = Vec::new();
    let mut result = Ok(RestoreReport::default());
    for s in &plan.suspended {
        match exec(session, &s.stop).await {
            Ok(_) => stopped.push(s),
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    if result.is_ok() {
        result = mysql_data(session, cx, plan).await;
    }
    // The triggers come back whatever happened.
    for s in &stopped {
        if let Err(e) = exec(session, &s.resume).await
            && result.is_ok()
        {
            result = Err(e);
        }
    }
    let rep = match result {
        Ok(r) => r,
        Err(e) => {
            undo_created(session, plan).await;
            return Err(e);
        }
    };
    let after = async {
        exec_all(session, &plan.counters).await?;
        emit(cx.progress, Progress::Step("triggers".into()));
        exec_all(session, &plan.post_data).await
    };
    after.await.map_err(|e| {
        BackupError::AfterCommit(format!(
            "the rows were restored and committed, but a later step failed: {e}; run the remaining statements by hand (see `dbn backup restore ... --json` for the plan)"
        ))
    })?;
    Ok(rep)
}

async fn mysql_data(session: &mut dyn Session, cx: &LoadCtx<'_>, plan: &RestorePlan) -> BackupResult<RestoreReport> {
    exec(session, "START TRANSACTION").await?;
    let body = async {
        let mut rep = RestoreReport::default();
        for t in plan.tables.iter().rev().filter(|t| t.exists) {
            rep.deleted += exec(session, &format!("DELETE FROM {}", t.target)).await?;
        }
        load_all(session, cx, plan, &mut rep).await?;
        run_checks(session, plan).await?;
        exec(session, "COMMIT").await?;
        Ok(rep)
    };
    let r: BackupResult<RestoreReport> = body.await;
    if r.is_err() {
        let _ = exec(session, "ROLLBACK").await;
    }
    r
}

async fn undo_created(session: &mut dyn Session, plan: &RestorePlan) {
    for s in &plan.undo_created {
        let _ = exec(session, s).await;
    }
}
