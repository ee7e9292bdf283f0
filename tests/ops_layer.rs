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
