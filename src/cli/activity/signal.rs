//! `dbn activity cancel|terminate ID`: find the session, name it and its
//! statement, pass the connection's confirmation rule through `ops` (the
//! refusal or the write is audited), then send the signal.

use super::super::guard::{CliFace, ops_failure};
use super::super::resolve::resolve;
use super::super::{Ctx, ExitCode, Failure};
use super::SignalArgs;
use crate::activity::act::{Request, send};
use crate::activity::signal::{Signal, parse_id};
use crate::activity::{Collector, SessionInfo};
use crate::db::Engine;
use crate::ops::run_statements::authorize;
use crate::sanitize::sanitize;
use anyhow::Result;
use std::io::IsTerminal;

/// Run `dbn activity cancel|terminate`.
pub fn run(signal: Signal, args: SignalArgs, ctx: &mut Ctx) -> Result<ExitCode> {
    let id = parse_id(&args.id).map_err(|e| Failure::usage(e.to_string()))?;
    let target = resolve(ctx, args.conn.as_deref(), args.url.as_deref())?;
    let engine = target.spec.engine;
    if engine == Engine::Sqlite {
        return Err(Failure::usage(crate::activity::signal::SignalError::Unsupported.to_string()).into());
    }
    let rt = super::super::runtime()?;
    let session = rt.block_on(find(&target.spec, id))?;
    let Some(session) = session else {
        return Err(Failure::new(
            ExitCode::QueryError,
            "NOT_FOUND",
            format!(
                "no session {id} on '{}' (it may have ended): `dbn activity --conn {}` lists the sessions; nothing was sent",
                sanitize(&target.name),
                sanitize(&target.name)
            ),
        )
        .into());
    };
    let req = Request::new(signal, session);
    let ops_target = target.ops();
    let pieces = req.pieces(engine).map_err(|e| Failure::usage(e.to_string()))?;
    if std::io::stdin().is_terminal() {
        // The typed confirmation (if the rule asks) follows this line.
        eprintln!("dbn: {} on '{}'", req.what(), sanitize(&target.name));
    }
    let grants = args.safety.grants(false);
    let mut face = CliFace::new(ctx);
    let mut octx = face.context();
    let plan = authorize(&mut octx, &ops_target, pieces, grants).map_err(ops_failure)?;
    match rt.block_on(send(&mut octx, &plan, &req)) {
        Ok(line) => {
            println!("{line}: {}", req.what());
            Ok(ExitCode::Ok)
        }
        Err(e) => {
            use crate::error::Coded;
            Err(Failure::new(e.exit(), e.code(), format!("{}: {e}", req.what())).into())
        }
    }
}

/// The session `id` as the server reports it now, read on a read-only session.
async fn find(spec: &crate::db::ConnSpec, id: i64) -> Result<Option<SessionInfo>> {
    let mut session = crate::activity::open(spec).await?;
    let mut collector = Collector::new(spec.engine).without_top();
    let snap = collector.collect(session.as_mut()).await?;
    Ok(snap.sessions.into_iter().find(|s| s.id == id))
}
