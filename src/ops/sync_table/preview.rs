//! The pre-sync preview, assembled once for every face (`dbn diff data`,
//! `dbn sync data`, the TUI's F8 panel, data jobs): open both sides
//! read-only, diff each table, plan it under the conflict strategy. The
//! faces gather the request and show the outcome; none opens sessions or
//! diffs on its own.

use crate::datasync::{
    Control, DataDiff, DataSyncError, DiffSpec, Method, Strategy, SyncPlan, SyncResult, diff_table, plan_sync,
};
use crate::db::{ConnSpec, Engine, Session};

/// One side of a preview: the connection's name (for messages) and its spec.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Connection name as the user knows it.
    pub name: String,
    /// Spec with the password resolved; opened read-only whatever it allows.
    pub spec: ConnSpec,
}

impl Endpoint {
    /// An endpoint named `name`.
    pub fn new(name: impl Into<String>, spec: ConnSpec) -> Endpoint {
        Endpoint {
            name: name.into(),
            spec,
        }
    }
}

/// What to compare, and how to plan the sync.
#[derive(Debug, Clone)]
pub struct SyncRequest {
    /// Where the data comes from.
    pub source: Endpoint,
    /// What would be changed.
    pub target: Endpoint,
    /// Tables, as written (`schema.table` or bare; see [`table_name`]).
    pub tables: Vec<String>,
    /// Key columns (the primary key when `None`).
    pub key: Option<Vec<String>>,
    /// Columns compared (all shared when `None`).
    pub columns: Option<Vec<String>>,
    /// SQL condition applied on both sides.
    pub filter: Option<String>,
    /// Comparison method.
    pub method: Method,
    /// Conflict strategy for rows on both sides.
    pub strategy: Strategy,
    /// Target rows missing from the source are deleted.
    pub delete_missing: bool,
}

impl SyncRequest {
    /// Compare `tables` from `source` to `target` with the defaults
    /// (primary key, all shared columns, source wins, nothing deleted).
    pub fn new(source: Endpoint, target: Endpoint, tables: Vec<String>) -> SyncRequest {
        SyncRequest {
            source,
            target,
            tables,
            key: None,
            columns: None,
            filter: None,
            method: Method::Auto,
            strategy: Strategy::SourceWins,
            delete_missing: false,
        }
    }

    fn spec(&self, table: &str) -> DiffSpec {
        let mut spec = DiffSpec::table(table);
        spec.key.clone_from(&self.key);
        spec.columns.clone_from(&self.columns);
        spec.filter.clone_from(&self.filter);
        spec.method = self.method;
        spec
    }
}

/// One table's diff and its plan (or why the strategy does not fit it).
#[derive(Debug)]
pub struct TablePreview {
    /// The row differences.
    pub diff: DataDiff,
    /// What a sync would write under the request's strategy.
    pub plan: SyncResult<SyncPlan>,
}

/// Plan totals over every table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanTotals {
    /// Rows to insert.
    pub inserts: usize,
    /// Rows to update.
    pub updates: usize,
    /// Rows to delete.
    pub deletes: usize,
    /// Changed rows the strategy keeps as they are in the target.
    pub kept: usize,
    /// Target-only rows kept (not deleted).
    pub target_only_kept: u64,
}

impl PlanTotals {
    /// Changes a sync would write.
    pub fn writes(&self) -> usize {
        self.inserts + self.updates + self.deletes
    }
}

/// The outcome of a preview: one entry per table, in the request's order.
#[derive(Debug, Default)]
pub struct SyncPreview {
    /// Per table.
    pub tables: Vec<TablePreview>,
}

impl SyncPreview {
    /// Plan every table again under another strategy or delete choice
    /// (no database is read).
    pub fn replan(&mut self, strategy: &Strategy, delete_missing: bool) {
        for t in &mut self.tables {
            t.plan = plan_sync(&t.diff, strategy, delete_missing);
        }
    }

    /// Totals of the plans, or the first table whose plan failed.
    pub fn totals(&self) -> Result<PlanTotals, (&str, &DataSyncError)> {
        let mut t = PlanTotals::default();
        for p in &self.tables {
            let plan = p.plan.as_ref().map_err(|e| (p.diff.table.as_str(), e))?;
            t.inserts += plan.inserts.len();
            t.updates += plan.updates.len();
            t.deletes += plan.deletes.len();
            t.kept += plan.kept.len();
            t.target_only_kept += plan.target_only_kept;
        }
        Ok(t)
    }

    /// The only table of a one-table preview, its plan's failure as the error.
    pub fn into_single(self) -> SyncResult<(DataDiff, SyncPlan)> {
        let mut tables = self.tables.into_iter();
        match (tables.next(), tables.next()) {
            (Some(t), None) => Ok((t.diff, t.plan?)),
            _ => Err(DataSyncError::Invalid(
                "a single-table preview expected one table".into(),
            )),
        }
    }
}

async fn open(side: &'static str, e: &Endpoint) -> SyncResult<Box<dyn Session>> {
    let mut spec = e.spec.clone();
    // A preview only reads, whatever the connection allows.
    spec.read_only = true;
    crate::db::connect(&spec).await.map_err(|error| DataSyncError::Connect {
        side,
        name: e.name.clone(),
        error,
    })
}

/// Diff every table of `req` (no plan). `on_table` hears the index and
/// name of each table as its diff starts. Dedicated sessions, dropped
/// before returning: a diff changes session settings.
pub async fn compare(
    req: &SyncRequest,
    ctl: &Control,
    on_table: &mut (dyn FnMut(usize, &str) + Send),
) -> SyncResult<Vec<DataDiff>> {
    let mut source = open("source", &req.source).await?;
    let mut target = open("target", &req.target).await?;
    let mut out = Vec::with_capacity(req.tables.len());
    for (i, table) in req.tables.iter().enumerate() {
        ctl.check()?;
        on_table(i, table);
        out.push(diff_table(source.as_mut(), target.as_mut(), &req.spec(table), ctl).await?);
    }
    Ok(out)
}

/// Diff and plan every table of `req`: what a sync would write, before
/// anything is confirmed. A plan that does not fit its table (a strategy
/// column it lacks) is kept per table; a failed diff ends the preview.
pub async fn preview(
    req: &SyncRequest,
    ctl: &Control,
    on_table: &mut (dyn FnMut(usize, &str) + Send),
) -> SyncResult<SyncPreview> {
    let diffs = compare(req, ctl, on_table).await?;
    Ok(SyncPreview {
        tables: diffs
            .into_iter()
            .map(|diff| TablePreview {
                plan: plan_sync(&diff, &req.strategy, req.delete_missing),
                diff,
            })
            .collect(),
    })
}

/// How a table of the source's catalog is named so that each side reads
/// its own table. On MariaDB/MySQL the "schema" is the source's database:
/// qualifying with it would make the target read the source's table, so
/// the name stays bare. Tables of the default schema (`public`, SQLite's
/// `main`) stay bare too, so the same name resolves on a target of another
/// engine; other Postgres schemas keep `schema.table`.
pub fn table_name(engine: Engine, database: Option<&str>, schema: &str, name: &str) -> String {
    if schema.is_empty()
        || schema == "main"
        || schema == "public"
        || engine == Engine::Mysql
        || database == Some(schema)
    {
        name.to_string()
    } else {
        format!("{schema}.{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unreachable_side_is_named_and_its_reason_said_once() {
        let spec = ConnSpec::parse_url("mysql://u@127.0.0.1:1/x").unwrap();
        let req = SyncRequest::new(
            Endpoint::new("here", spec.clone()),
            Endpoint::new("gone", spec),
            vec!["t".into()],
        );
        let e = compare(&req, &Control::default(), &mut |_, _| {}).await.unwrap_err();
        let DataSyncError::Connect { side, name, error } = &e else {
            panic!("{e:?}");
        };
        assert_eq!((*side, name.as_str()), ("source", "here"));
        let text = e.to_string();
        assert!(text.starts_with("cannot connect to the source 'here': "), "{text}");
        assert_eq!(text.matches(&error.message).count(), 1, "{text}");
        assert!(
            std::error::Error::source(&e).is_none(),
            "printed once by anyhow's chain too"
        );
        assert_eq!(crate::error::Coded::exit(&e), crate::error::ExitStatus::Connection);
    }

    #[test]
    fn table_names_resolve_on_each_side() {
        assert_eq!(table_name(Engine::Mysql, Some("app"), "app", "users"), "users");
        assert_eq!(table_name(Engine::Mysql, Some("app"), "other", "users"), "users");
        assert_eq!(table_name(Engine::Postgres, Some("app"), "public", "users"), "users");
        assert_eq!(
            table_name(Engine::Postgres, Some("app"), "sales", "users"),
            "sales.users"
        );
        assert_eq!(table_name(Engine::Sqlite, None, "main", "users"), "users");
    }
}
