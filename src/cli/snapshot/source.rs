//! Resolve a schema reference (connection name, snapshot id, `NAME@label`)
//! to a schema, and open live sessions for saved connections.

use crate::cli::resolve::resolve_saved;
use crate::cli::{Ctx, ExitCode, Failure};
use crate::db::{ConnSpec, Session};
use crate::schema::Schema;
use crate::store::StoreError;
use crate::store::connections::ConnectionRecord;
use anyhow::{Context, Result};

/// Where a schema came from.
pub(crate) enum Ref {
    /// A saved connection, introspected live.
    Live {
        /// The record.
        record: Box<ConnectionRecord>,
        /// Spec with password.
        spec: Box<ConnSpec>,
    },
    /// A stored snapshot.
    Snapshot {
        /// Snapshot id.
        id: i64,
        /// Connection it came from.
        connection: String,
    },
}

impl Ref {
    /// How to name it in output.
    pub(crate) fn label(&self) -> String {
        match self {
            Ref::Live { record, .. } => record.name.clone(),
            Ref::Snapshot { id, connection } => format!("snapshot {id} ({connection})"),
        }
    }
}

/// Parse a REF: a connection name wins; then `NAME@label`; then a snapshot id.
pub(crate) fn parse(ctx: &mut Ctx, r: &str) -> Result<Ref> {
    match ctx.store()?.connection(r) {
        Ok(_) => {
            let (record, spec) = resolve_saved(ctx, r)?;
            return Ok(Ref::Live {
                record: Box::new(record),
                spec: Box::new(spec),
            });
        }
        Err(StoreError::NotFound { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    if let Some((name, label)) = r.rsplit_once('@') {
        let id = ctx.store()?.schema_snapshot_by_label(name, label)?;
        return Ok(Ref::Snapshot {
            id,
            connection: name.to_string(),
        });
    }
    if let Ok(id) = r.parse::<i64>() {
        let (info, _) = ctx.store()?.schema_snapshot(id)?;
        return Ok(Ref::Snapshot {
            id,
            connection: info.connection,
        });
    }
    Err(Failure::new(
        ExitCode::Usage,
        "NOT_FOUND",
        format!(
            "'{r}' is neither a saved connection, a snapshot id nor NAME@label: see `dbn connect list` and `dbn snapshot list`"
        ),
    )
    .into())
}

/// Load the schema a REF points at.
pub(crate) fn load(ctx: &mut Ctx, r: &Ref) -> Result<Schema> {
    match r {
        Ref::Live { record, spec } => {
            let rt = crate::cli::runtime()?;
            rt.block_on(async {
                let mut s = crate::db::connect(spec).await?;
                introspect(s.as_mut()).await
            })
            .with_context(|| format!("cannot read the schema of connection '{}'", record.name))
        }
        Ref::Snapshot { id, .. } => Ok(ctx.store()?.schema_snapshot(*id)?.1),
    }
}

/// Introspect through an open session.
pub(crate) async fn introspect(session: &mut dyn Session) -> Result<Schema> {
    Ok(crate::schema::introspect::introspect(session).await?)
}

/// Introspect a saved connection by name.
pub(crate) fn introspect_connection(ctx: &mut Ctx, name: &str) -> Result<Schema> {
    let r = match parse(ctx, name)? {
        r @ Ref::Live { .. } => r,
        Ref::Snapshot { .. } => {
            return Err(Failure::usage(format!("'{name}' is not a saved connection: see `dbn connect list`")).into());
        }
    };
    load(ctx, &r)
}
