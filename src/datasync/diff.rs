//! Compare one table between two sessions.

use super::fetch::{SideCtx, merge_range};
use super::rowdiff::RowDiff;
use super::segment::{SegmentStats, Tuning, segmented_diff};
use super::sql::{KeyRange, session_setup};
use super::table::{TablePair, check_key, resolve_pair};
use super::{Control, DataSyncError, SyncResult, describe_key};
use crate::db::{Engine, Session};
use serde::Serialize;
use std::time::Instant;

pub use super::fetch::SideStats;

/// How rows are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Checksums when both sides can compute the same ones, else merge join.
    Auto,
    /// Segment checksums computed by both databases, bisected down to the
    /// differing rows (same engine, Postgres or MySQL/MariaDB).
    Checksum,
    /// Stream both tables in key order and compare every row here.
    MergeJoin,
}

/// What to compare.
#[derive(Debug, Clone)]
pub struct DiffSpec {
    /// Table (`schema.table` or a bare name).
    pub table: String,
    /// Key columns; the primary key when None.
    pub key: Option<Vec<String>>,
    /// Columns to compare (the key is always included); all shared columns when None.
    pub columns: Option<Vec<String>>,
    /// SQL filter applied on both sides.
    pub filter: Option<String>,
    /// Comparison method.
    pub method: Method,
    /// Segment search knobs.
    pub tuning: Tuning,
}

impl DiffSpec {
    /// A spec for a whole table with defaults.
    pub fn table(table: &str) -> Self {
        Self {
            table: table.to_string(),
            key: None,
            columns: None,
            filter: None,
            method: Method::Auto,
            tuning: Tuning::default(),
        }
    }
}

/// Counters of a diff.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DiffStats {
    /// Method used (`checksum` or `merge-join`).
    pub method: String,
    /// Source traffic.
    pub source: SideStats,
    /// Target traffic.
    pub target: SideStats,
    /// Segment search counters (checksum method).
    pub segments: SegmentStats,
    /// Wall time in milliseconds.
    pub elapsed_ms: u64,
}

/// The result of comparing one table.
#[derive(Debug, Clone, Serialize)]
pub struct DataDiff {
    /// Table as written.
    pub table: String,
    /// Key column names.
    pub key: Vec<String>,
    /// Compared column names (rows in `diff` follow this order).
    pub columns: Vec<String>,
    /// Row differences.
    pub diff: RowDiff,
    /// Counters.
    pub stats: DiffStats,
    /// Remarks (columns not compared, method fallbacks).
    pub notes: Vec<String>,
    /// Table shapes on both sides (for sync).
    #[serde(skip)]
    pub pair: TablePair,
}

/// Types whose Postgres hash function hashes the value, not its text.
const HASHABLE: &[&str] = &[
    "bool",
    "int2",
    "int4",
    "int8",
    "float4",
    "float8",
    "numeric",
    "text",
    "varchar",
    "bpchar",
    "name",
    "bytea",
    "jsonb",
    "date",
    "time",
    "timetz",
    "timestamp",
    "timestamptz",
    "interval",
    "uuid",
    "char",
    "oid",
    "inet",
];

/// Postgres 14+ hashes whole records by type (`hash_record_extended`),
/// about three times faster than hashing their text, when every compared
/// column has a hash function.
async fn record_hash_ok(session: &mut dyn Session, side: &'static str, t: &super::sql::SideTable) -> SyncResult<bool> {
    let types_ok = t.types.iter().all(|ty| {
        let base = ty.trim_start_matches('_').to_ascii_lowercase();
        HASHABLE.contains(&base.as_str())
    });
    if !types_ok {
        return Ok(false);
    }
    let (_, rows, _) = crate::db::query_all(session, "SELECT current_setting('server_version_num')")
        .await
        .map_err(DataSyncError::db(side))?;
    let version: i64 = rows
        .first()
        .and_then(|r| r.first())
        .map(|v| v.render().parse().unwrap_or(0))
        .unwrap_or(0);
    Ok(version >= 140_000)
}

/// Whether both engines can compute identical segment checksums.
pub fn checksums_possible(a: Engine, b: Engine) -> bool {
    a == b && a != Engine::Sqlite
}

/// Compare `spec.table` between `source` and `target`.
pub async fn diff_table(
    source: &mut dyn Session,
    target: &mut dyn Session,
    spec: &DiffSpec,
    ctl: &Control,
) -> SyncResult<DataDiff> {
    let started = Instant::now();
    for sql in session_setup(source.engine()) {
        crate::db::query_all(source, sql)
            .await
            .map_err(DataSyncError::db("source"))?;
    }
    for sql in session_setup(target.engine()) {
        crate::db::query_all(target, sql)
            .await
            .map_err(DataSyncError::db("target"))?;
    }
    let mut pair = resolve_pair(
        source,
        target,
        &spec.table,
        spec.key.as_deref(),
        spec.columns.as_deref(),
        spec.filter.as_deref(),
    )
    .await?;
    if !pair.key_declared {
        check_key(source, "source", &pair.source, &spec.table).await?;
        check_key(target, "target", &pair.target, &spec.table).await?;
    }
    let mut notes = Vec::new();
    if !pair.only_in_source.is_empty() {
        notes.push(format!(
            "columns only in the source, not compared: {}",
            pair.only_in_source.join(", ")
        ));
    }
    if !pair.only_in_target.is_empty() {
        notes.push(format!(
            "columns only in the target, not compared: {}",
            pair.only_in_target.join(", ")
        ));
    }
    let possible = checksums_possible(source.engine(), target.engine());
    let use_checksums = match spec.method {
        Method::Auto => possible,
        Method::Checksum if !possible => {
            notes.push(format!(
                "checksums need the same engine on both sides ({} vs {}) and not SQLite; used a merge join",
                source.engine(),
                target.engine()
            ));
            false
        }
        Method::Checksum => true,
        Method::MergeJoin => false,
    };
    if use_checksums
        && source.engine() == Engine::Postgres
        && record_hash_ok(source, "source", &pair.source).await?
        && record_hash_ok(target, "target", &pair.target).await?
    {
        pair.source.record_hash = true;
        pair.target.record_hash = true;
    }
    let mut src = SideCtx {
        name: "source",
        session: source,
        table: &pair.source,
        stats: SideStats::default(),
    };
    let mut tgt = SideCtx {
        name: "target",
        session: target,
        table: &pair.target,
        stats: SideStats::default(),
    };
    let (diff, segments) = if use_checksums {
        segmented_diff(&mut src, &mut tgt, spec.tuning, ctl).await?
    } else {
        ctl.emit(super::Progress::Phase { name: "fetch".into() });
        (
            merge_range(&mut src, &mut tgt, &KeyRange::default(), ctl).await?,
            SegmentStats::default(),
        )
    };
    if let Some((side, key)) = diff.duplicate_keys.first() {
        return Err(DataSyncError::NonUniqueKey {
            side: match side {
                super::rowdiff::Side::Source => "source",
                super::rowdiff::Side::Target => "target",
            },
            table: spec.table.clone(),
            key: pair.key.join(", "),
            examples: format!("({})", describe_key(key)),
        });
    }
    let stats = DiffStats {
        method: if use_checksums { "checksum" } else { "merge-join" }.into(),
        source: src.stats,
        target: tgt.stats,
        segments,
        elapsed_ms: started.elapsed().as_millis() as u64,
    };
    Ok(DataDiff {
        table: spec.table.clone(),
        key: pair.key.clone(),
        columns: pair.columns.clone(),
        diff,
        stats,
        notes,
        pair,
    })
}
