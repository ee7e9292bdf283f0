//! The operations layer headless: `ops::run_statements` on a real SQLite
//! file with in-memory records, a scripted prompt and no face at all.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dbn::db::{ConnSpec, Engine, connect};
use dbn::ops::run_statements::{CountingSink, End, RunOptions, authorize, execute, generated, split};
use dbn::ops::sinks::{MemoryRecords, NoPrompt, NullProgress};
use dbn::ops::{Face, OpsContext, OpsError, Target};
use dbn::safety::confirm::Scripted;
use dbn::safety::gate::Grants;
use dbn::store::connections::Tag;
use tokio_util::sync::CancellationToken;

fn db(dir: &std::path::Path) -> (Target, std::path::PathBuf) {
    let path = dir.join("t.db");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b');")
        .unwrap();
    let mut spec = ConnSpec::new(Engine::Sqlite);
    spec.database = Some(path.display().to_string());
    (Target::new("lite", Tag::Prod, true, spec), path)
}

fn v(path: &std::path::Path, id: i64) -> String {
    let c = rusqlite::Connection::open(path).unwrap();
    c.query_row("SELECT v FROM t WHERE id = ?1", [id], |r| r.get(0))
        .unwrap()
}

fn ctx<'a>(
    records: &'a mut MemoryRecords,
    prompt: &'a mut (dyn dbn::safety::confirm::Prompt + Send),
    progress: &'a mut NullProgress,
) -> OpsContext<'a> {
    OpsContext {
        face: Face::Job,
        records,
        prompt,
        progress,
        cancel: CancellationToken::new(),
    }
}

#[tokio::test]
async fn a_write_is_audited_before_it_is_sent_and_completed_after() {
    let dir = tempfile::tempdir().unwrap();
    let (target, path) = db(dir.path());
    let mut records = MemoryRecords::default();
    let mut prompt = Scripted {
        interactive: true,
        input: &b"lite\n"[..],
        shown: Vec::new(),
    };
    let mut progress = NullProgress;
    let mut c = ctx(&mut records, &mut prompt, &mut progress);
    let pieces = split("SELECT 1; UPDATE t SET v = 'z' WHERE id = 1", Engine::Sqlite);
    let plan = authorize(&mut c, &target, pieces, Grants::default()).unwrap();
    assert!(plan.approval.writable() && plan.unlocked());
    let mut session = connect(&plan.spec()).await.unwrap();
    let mut sink = CountingSink::default();
    let report = execute(
        &mut c,
        &plan,
        session.as_mut(),
        &mut sink,
        &RunOptions {
            history: true,
            ..RunOptions::default()
        },
    )
    .await;
    assert!(report.error.is_none() && report.failed().is_none(), "{report:?}");
    assert_eq!(sink.rows, vec![Some(1), None]);
    assert_eq!(v(&path, 1), "z");
    let actions: Vec<(&str, &str)> = records
        .audit
        .iter()
        .map(|e| (e.action.as_str(), e.outcome.as_str()))
        .collect();
    assert_eq!(actions, [("unlock", "ok"), ("write", "ok")], "{:#?}", records.audit);
    let w = &records.audit[1];
    assert_eq!((w.face.as_deref(), w.rows_affected), (Some("job"), Some(1)));
    assert!(w.unlock.as_deref().unwrap().contains("typed 'lite'"), "{w:?}");
    assert_eq!(records.history.len(), 2, "reads and writes go to history");
}

#[tokio::test]
async fn nothing_is_sent_when_the_intent_cannot_be_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (mut target, path) = db(dir.path());
    target.read_only = false;
    target.spec.read_only = false;
    let mut records = MemoryRecords {
        fail_audit: Some("disk full".into()),
        ..MemoryRecords::default()
    };
    let mut prompt = NoPrompt;
    let mut progress = NullProgress;
    let mut c = ctx(&mut records, &mut prompt, &mut progress);
    let pieces = split(
        "UPDATE t SET v = 'z' WHERE id = 1; UPDATE t SET v = 'y' WHERE id = 2",
        Engine::Sqlite,
    );
    let plan = authorize(&mut c, &target, pieces, Grants::default()).unwrap();
    let mut session = connect(&plan.spec()).await.unwrap();
    let report = execute(
        &mut c,
        &plan,
        session.as_mut(),
        &mut CountingSink::default(),
        &RunOptions::default(),
    )
    .await;
    assert!(
        matches!(report.error, Some(OpsError::AuditUnavailable(_))),
        "{report:?}"
    );
    assert!(report.statements.is_empty());
    assert_eq!((v(&path, 1), v(&path, 2)), ("a".to_string(), "b".to_string()));
}

#[tokio::test]
async fn an_atomic_run_rolls_back_on_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let (mut target, path) = db(dir.path());
    target.read_only = false;
    target.spec.read_only = false;
    let mut records = MemoryRecords::default();
    let mut prompt = NoPrompt;
    let mut progress = NullProgress;
    let mut c = ctx(&mut records, &mut prompt, &mut progress);
    // The second edit expects a row another session already changed.
    let pieces = generated(
        vec![
            ("UPDATE t SET v = 'x' WHERE id = 1 AND v = 'a'".into(), Some(1)),
            ("UPDATE t SET v = 'y' WHERE id = 2 AND v = 'changed'".into(), Some(1)),
        ],
        Engine::Sqlite,
    );
    let plan = authorize(&mut c, &target, pieces, Grants::default()).unwrap();
    let mut session = connect(&plan.spec()).await.unwrap();
    let opts = RunOptions {
        atomic: true,
        ..RunOptions::default()
    };
    let report = execute(&mut c, &plan, session.as_mut(), &mut CountingSink::default(), &opts).await;
    assert!(report.rolled_back);
    assert!(matches!(
        report.failed().map(|s| &s.end),
        Some(End::Conflict { expected: 1, got: 0 })
    ));
    assert_eq!(v(&path, 1), "a", "the first edit was rolled back");
    let outcomes: Vec<&str> = records.audit.iter().map(|e| e.outcome.as_str()).collect();
    assert_eq!(outcomes[0], "rolled back", "{:#?}", records.audit);
    assert!(outcomes[1].starts_with("error: conflict"), "{outcomes:?}");
}

#[tokio::test]
async fn a_job_cannot_answer_a_question_and_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (target, path) = db(dir.path());
    let mut records = MemoryRecords::default();
    let mut prompt = NoPrompt;
    let mut progress = NullProgress;
    let mut c = ctx(&mut records, &mut prompt, &mut progress);
    let pieces = split("UPDATE t SET v = 'z' WHERE id = 1", Engine::Sqlite);
    let err = authorize(&mut c, &target, pieces, Grants::default()).unwrap_err();
    assert!(
        matches!(&err, OpsError::Refused(r) if r.code == "SAFETY_READ_ONLY"),
        "{err}"
    );
    assert_eq!(records.audit[0].action, "blocked");
    assert_eq!(records.audit[0].face.as_deref(), Some("job"));
    assert_eq!(v(&path, 1), "a");
}

// ---------------------------------------------------------------------------
// Issue 11, point 7: data sync and restore record each committed batch in
// the audit log, intent before it is sent and outcome after, and send
// nothing whose intent cannot be recorded. Real Postgres, MariaDB and SQLite.

mod common;

use dbn::backup::capture::CaptureOptions;
use dbn::backup::restore::RestoreOptions;
use dbn::backup::{BackupKey, Repo};
use dbn::datasync::{Control, DataSyncError, DiffSpec, Strategy, diff_table, plan_sync};
use dbn::error::{Coded, ExitStatus};
use dbn::ops::gate::{Confirmed, authorize_operation, grants_from_flags};
use dbn::ops::restore::{RestoreRequest, restore_backup};
use dbn::ops::sync_table::{self, SyncWhat};
use dbn::store::audit::AuditEntry;

/// A database of one engine for these tests, dropped at the end.
struct Db {
    spec: ConnSpec,
    /// Engine and database name to drop (Postgres, MariaDB).
    drop: Option<(Engine, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some((engine, name)) = &self.drop {
            common::drop_test_database(*engine, name);
        }
    }
}

fn server(engine: Engine) -> Option<String> {
    match engine {
        Engine::Postgres => common::pg_url(),
        Engine::Mysql => common::mysql_url(),
        Engine::Sqlite => Some(String::new()),
    }
}

fn fresh(engine: Engine, prefix: &str) -> Option<Db> {
    let url = server(engine)?;
    if engine == Engine::Sqlite {
        let dir = tempfile::tempdir().unwrap();
        let mut spec = ConnSpec::new(Engine::Sqlite);
        spec.database = Some(dir.path().join(format!("{prefix}.db")).display().to_string());
        return Some(Db {
            spec,
            drop: None,
            _dir: Some(dir),
        });
    }
    let name = common::unique_name(prefix);
    if engine == Engine::Postgres {
        common::psql(&url, &format!("CREATE DATABASE {name}"));
    } else {
        common::mysql(&url, &format!("CREATE DATABASE {name}"));
    }
    Some(Db {
        spec: ConnSpec::parse_url(&common::with_database(&url, &name)).unwrap(),
        drop: Some((engine, name)),
        _dir: None,
    })
}

/// Run statements one by one on a writable session.
async fn exec(spec: &ConnSpec, sqls: &[&str]) {
    let mut s = spec.clone();
    s.read_only = false;
    let mut session = connect(&s).await.unwrap();
    for sql in sqls {
        dbn::db::query_all(session.as_mut(), sql).await.unwrap();
    }
}

/// The rows of `t`, as text.
async fn rows(spec: &ConnSpec) -> Vec<String> {
    let mut session = connect(spec).await.unwrap();
    let (_, rows, _) = dbn::db::query_all(session.as_mut(), "SELECT id, v FROM t ORDER BY id")
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.iter().map(|v| v.render()).collect::<Vec<_>>().join("|"))
        .collect()
}

const TABLE: &str = "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))";

/// A read-only prod target cleared with `--confirm dst` (an unlock for
/// this command, audited in `records`).
fn cleared(records: &mut MemoryRecords, spec: &ConnSpec) -> (Target, Confirmed) {
    let target = Target::new("dst", Tag::Prod, true, spec.clone());
    let mut progress = NullProgress;
    let mut prompt = NoPrompt;
    let mut c = ctx(records, &mut prompt, &mut progress);
    c.face = Face::Cli;
    let confirmed = authorize_operation(
        &mut c,
        &target,
        dbn::ops::gate::OperationKind::DataSync,
        "sync data into 'dst'",
        AuditEntry::default(),
        grants_from_flags(Some("dst"), false, false, None, false),
    )
    .unwrap();
    (target, confirmed)
}

/// Sync source into target in batches of 3 (8 changes: 1 delete, 2
/// updates, 5 inserts), auditing in `records`.
async fn sync(
    records: &mut MemoryRecords,
    src: &ConnSpec,
    target: &Target,
    confirmed: &Confirmed,
) -> Result<dbn::datasync::apply::ApplyReport, DataSyncError> {
    let mut s = connect(src).await.unwrap();
    let mut t = connect(&target.spec).await.unwrap();
    let d = diff_table(s.as_mut(), t.as_mut(), &DiffSpec::table("t"), &Control::default())
        .await
        .unwrap();
    drop(t);
    let plan = plan_sync(&d, &Strategy::SourceWins, true).unwrap();
    assert_eq!(plan.total(), 8);
    let what = SyncWhat::new("src", &target.name, "t", &Strategy::SourceWins, true);
    let mut session = sync_table::open_target(confirmed, target).await.unwrap();
    sync_table::apply(
        records,
        Face::Cli,
        confirmed,
        &what,
        session.as_mut(),
        &d,
        &plan,
        3,
        &Control::default(),
    )
    .await
}

fn batches(records: &MemoryRecords) -> Vec<&AuditEntry> {
    records.audit.iter().filter(|e| e.action == "sync_batch").collect()
}

async fn sync_batches_are_audited(engine: Engine) {
    let Some(src) = fresh(engine, "opsb_s") else { return };
    let dst = fresh(engine, "opsb_t").unwrap();
    exec(
        &src.spec,
        &[
            TABLE,
            "INSERT INTO t VALUES (1,'s'),(2,'s'),(3,'s'),(4,'s'),(5,'s'),(6,'s'),(7,'s')",
        ],
    )
    .await;
    let reset = ["DELETE FROM t", "INSERT INTO t VALUES (1,'old'),(2,'old'),(9,'x')"];
    exec(&dst.spec, &[TABLE]).await;
    exec(&dst.spec, &reset).await;
    let before = rows(&dst.spec).await;

    // 1. The audit store refuses every write: no batch is sent.
    let mut records = MemoryRecords::default();
    let (target, confirmed) = cleared(&mut records, &dst.spec);
    records.fail_audit = Some("attempt to write a readonly database".into());
    let e = sync(&mut records, &src.spec, &target, &confirmed).await.unwrap_err();
    assert!(matches!(e, DataSyncError::Audit(_)), "{e:?}");
    assert_eq!((e.code(), e.exit()), ("AUDIT_UNAVAILABLE", ExitStatus::Blocked));
    let msg = e.to_string();
    assert!(
        msg.contains("attempt to write a readonly database")
            && msg.contains("batch 1/3")
            && msg.contains("was not sent"),
        "{msg}"
    );
    assert_eq!(rows(&dst.spec).await, before, "{engine:?}: nothing may be written");
    assert!(batches(&records).is_empty());

    // 2. The store breaks after the first batch: batch 2 is never sent.
    let mut records = MemoryRecords::default();
    let (target, confirmed) = cleared(&mut records, &dst.spec);
    records.audit_budget = Some(2);
    let e = sync(&mut records, &src.spec, &target, &confirmed).await.unwrap_err();
    assert!(matches!(e, DataSyncError::Audit(_)), "{e:?}");
    assert!(
        e.to_string().contains("batch 2/3") && e.to_string().contains("3 change(s) in 1 earlier batch(es)"),
        "{e}"
    );
    assert_eq!(
        rows(&dst.spec).await,
        ["1|s", "2|s"],
        "{engine:?}: exactly the first batch (delete 9, update 1 and 2) is written"
    );
    let b = batches(&records);
    assert_eq!(b.len(), 1, "{:#?}", records.audit);
    assert_eq!((b[0].outcome.as_str(), b[0].rows_affected), ("ok", Some(3)));

    // 3. A working store: one entry per batch, each completed, naming who
    //    confirmed and which unlock allowed it.
    exec(&dst.spec, &reset).await;
    let mut records = MemoryRecords::default();
    let (target, confirmed) = cleared(&mut records, &dst.spec);
    let report = sync(&mut records, &src.spec, &target, &confirmed).await.unwrap();
    assert_eq!((report.batches, report.total()), (3, 8));
    assert_eq!(rows(&dst.spec).await, rows(&src.spec).await);
    let b = batches(&records);
    let got: Vec<(&str, Option<i64>)> = b.iter().map(|e| (e.outcome.as_str(), e.rows_affected)).collect();
    assert_eq!(got, [("ok", Some(3)), ("ok", Some(3)), ("ok", Some(2))]);
    for (i, e) in b.iter().enumerate() {
        assert_eq!(e.connection.as_deref(), Some("dst"));
        assert_eq!(e.face.as_deref(), Some("cli"));
        assert_eq!(
            e.confirmed_by.as_deref(),
            Some("unlock: --confirm dst; --confirm dst"),
            "{e:?}"
        );
        assert!(
            e.unlock.as_deref().is_some_and(|u| u.contains("--confirm dst")),
            "{e:?}"
        );
        let d: serde_json::Value = serde_json::from_str(e.detail.as_deref().unwrap()).unwrap();
        assert_eq!(d["batch"], i as u64 + 1);
        assert_eq!(d["of"], 3);
        assert_eq!(d["table"], "t");
        assert!(
            e.statement
                .as_deref()
                .unwrap()
                .starts_with("sync data --source src --target dst --table t")
        );
    }
}

#[tokio::test]
async fn sync_batches_are_audited_on_postgres() {
    sync_batches_are_audited(Engine::Postgres).await;
}

#[tokio::test]
async fn sync_batches_are_audited_on_mariadb() {
    sync_batches_are_audited(Engine::Mysql).await;
}

#[tokio::test]
async fn sync_batches_are_audited_on_sqlite() {
    sync_batches_are_audited(Engine::Sqlite).await;
}

/// Does database `name` exist on `engine`'s server (SQLite: the file)?
fn exists(engine: Engine, name: &str) -> bool {
    match engine {
        Engine::Postgres => !common::psql(
            &common::pg_url().unwrap(),
            &format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
        )
        .trim()
        .is_empty(),
        Engine::Mysql => !common::mysql(&common::mysql_url().unwrap(), &format!("SHOW DATABASES LIKE '{name}'"))
            .trim()
            .is_empty(),
        Engine::Sqlite => std::path::Path::new(name).exists(),
    }
}

async fn restore(
    records: &mut MemoryRecords,
    target: &Target,
    confirmed: &Confirmed,
    req: &RestoreRequest<'_>,
) -> Result<dbn::ops::restore::Restored, dbn::ops::restore::RestoreFailed> {
    let mut progress = NullProgress;
    let mut prompt = NoPrompt;
    let mut c = ctx(records, &mut prompt, &mut progress);
    c.face = Face::Tui;
    restore_backup(&mut c, target, confirmed, req, &None, &mut |_| Ok(())).await
}

async fn restores_are_audited(engine: Engine) {
    let Some(db) = fresh(engine, "opsr") else { return };
    exec(&db.spec, &[TABLE, "INSERT INTO t VALUES (1,'a'),(2,'b'),(3,'c')"]).await;
    let dir = tempfile::tempdir().unwrap();
    let repo = Repo::local(&dir.path().join("repo"));
    let key = BackupKey::from_hex(&BackupKey::generate()).unwrap();
    let opts = CaptureOptions {
        connection: "dst".into(),
        tables: Vec::new(),
        label: None,
    };
    // 0. Backups go through the operation: audited before the source is
    //    read (nothing read when the audit log refuses), indexed after.
    let source = Target::new("dst", Tag::Prod, true, db.spec.clone());
    let mut records = MemoryRecords {
        fail_audit: Some("attempt to write a readonly database".into()),
        ..MemoryRecords::default()
    };
    let e = backup(&mut records, &source, &repo, &key, &opts).await.unwrap_err();
    assert!(matches!(e, OpsError::AuditUnavailable(_)), "{e:?}");
    assert_eq!(backups_in(&repo).await, 0, "{engine:?}: nothing was backed up");
    let mut records = MemoryRecords::default();
    let backup = backup(&mut records, &source, &repo, &key, &opts).await.unwrap();
    let e = records.audit.iter().find(|e| e.action == "backup").unwrap();
    assert_eq!((e.outcome.as_str(), e.rows_affected), ("ok", Some(3)), "{e:?}");
    let indexed: Vec<&str> = records.backups.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(indexed, [backup.manifest.id.as_str()]);
    exec(&db.spec, &["UPDATE t SET v = 'changed'"]).await;
    let changed = rows(&db.spec).await;
    let new_name = match engine {
        Engine::Sqlite => dir.path().join("new.db").display().to_string(),
        _ => common::unique_name("opsr_new"),
    };
    let mut req = RestoreRequest {
        repo: &repo,
        key: &key,
        manifest: &backup.manifest,
        options: RestoreOptions::default(),
        new_database: None,
    };

    // 1. The audit store refuses writes: nothing is restored, no snapshot taken.
    let mut records = MemoryRecords::default();
    let (target, confirmed) = cleared(&mut records, &db.spec);
    records.fail_audit = Some("attempt to write a readonly database".into());
    let f = restore(&mut records, &target, &confirmed, &req).await.unwrap_err();
    assert!(matches!(f.error, OpsError::AuditUnavailable(_)), "{:?}", f.error);
    assert_eq!(
        (f.error.code(), f.error.exit()),
        ("AUDIT_UNAVAILABLE", ExitStatus::Blocked)
    );
    assert!(f.pre.is_none());
    assert_eq!(rows(&db.spec).await, changed, "{engine:?}: the target is unchanged");
    assert_eq!(backups_in(&repo).await, 1, "no pre-restore snapshot was taken");
    //    ... and --new-database creates no database.
    req.new_database = Some(new_name.clone());
    let f = restore(&mut records, &target, &confirmed, &req).await.unwrap_err();
    assert!(matches!(f.error, OpsError::AuditUnavailable(_)), "{:?}", f.error);
    assert!(!exists(engine, &new_name), "{engine:?}: {new_name} must not be created");

    // 2. A working store: the restore is one batch, intent then outcome.
    req.new_database = None;
    let mut records = MemoryRecords::default();
    let (target, confirmed) = cleared(&mut records, &db.spec);
    let r = restore(&mut records, &target, &confirmed, &req).await.unwrap();
    assert_eq!(r.report.rows, 3);
    assert_eq!(rows(&db.spec).await, ["1|a", "2|b", "3|c"]);
    let e = records.audit.iter().find(|e| e.action == "restore").unwrap();
    assert_eq!(r.audit_id, e.id);
    assert_eq!((e.outcome.as_str(), e.rows_affected), ("ok", Some(3)));
    assert_eq!(e.face.as_deref(), Some("tui"));
    assert!(
        e.unlock.as_deref().is_some_and(|u| u.contains("--confirm dst")),
        "{e:?}"
    );
    let d: serde_json::Value = serde_json::from_str(e.detail.as_deref().unwrap()).unwrap();
    assert!(d["pre_restore_backup"].is_string(), "{d}");
    // The undo snapshot is indexed by the operation, for every face.
    let pre = r.pre.as_ref().unwrap();
    assert!(
        records.backups.iter().any(|b| b.id == pre.manifest.id),
        "{:?}",
        records.backups
    );
    assert!(r.index_warning.is_none());
}

async fn backup(
    records: &mut MemoryRecords,
    source: &Target,
    repo: &Repo,
    key: &BackupKey,
    opts: &CaptureOptions,
) -> Result<dbn::backup::capture::CaptureReport, OpsError> {
    let mut progress = NullProgress;
    let mut prompt = NoPrompt;
    let mut c = ctx(records, &mut prompt, &mut progress);
    dbn::ops::backup_create::create_backup(&mut c, source, repo, key, opts, &None).await
}

/// Backups in the repository.
async fn backups_in(repo: &Repo) -> usize {
    repo.manifests.ids().await.unwrap().len()
}

#[tokio::test]
async fn restores_are_audited_on_postgres() {
    restores_are_audited(Engine::Postgres).await;
}

#[tokio::test]
async fn restores_are_audited_on_mariadb() {
    restores_are_audited(Engine::Mysql).await;
}

#[tokio::test]
async fn restores_are_audited_on_sqlite() {
    restores_are_audited(Engine::Sqlite).await;
}
