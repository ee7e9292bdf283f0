//! Other saved connections as sides of an F7 comparison: listed by the
//! event loop, resolved (password from the secret store) when picked, and
//! introspected afresh for every comparison.

use super::super::error::{AppError, Unavailable};
use super::super::popup::ConnEntry;
use super::super::query::JobEvent;
use super::super::{App, ConnInfo, Effect, Level};
use super::{Side, SnapEvent};
use crate::schema::Schema;

impl App {
    /// The loop listed the saved connections: offer the others as sides.
    pub fn snapshot_sources(&mut self, items: Vec<ConnEntry>) {
        let me = self.conn.name.clone();
        if let Some(p) = self.snapshots.as_mut() {
            p.connections = items.into_iter().map(|c| c.name).filter(|n| *n != me).collect();
        }
        self.mark_dirty();
    }

    /// Ask the loop to resolve every picked connection, dropping what was read before.
    pub(super) fn read_picked_connections(&mut self) {
        let Some(p) = self.snapshots.as_mut() else { return };
        p.remote_ticket += 1;
        let names: Vec<String> = p
            .picked
            .iter()
            .filter_map(|s| match s {
                Side::Connection(i) => p.connections.get(*i).cloned(),
                _ => None,
            })
            .collect();
        for name in names {
            p.remote.remove(&name);
            p.remote_loading.insert(name.clone());
            self.effects.push(Effect::ResolveSnapshotSource(name));
        }
    }

    /// The loop resolved a picked connection (or failed to): read its schema.
    pub fn snapshot_source_resolved(&mut self, name: String, res: Result<ConnInfo, AppError>) {
        let tx = self.job_tx.clone();
        let Some(p) = self.snapshots.as_mut() else { return };
        let ticket = p.remote_ticket;
        match res {
            Ok(info) => {
                tokio::spawn(async move {
                    let res = async {
                        let mut s = crate::db::connect(&info.spec).await?;
                        crate::schema::introspect::introspect(s.as_mut()).await
                    }
                    .await
                    .map(Box::new)
                    .map_err(AppError::from);
                    let _ = tx.send(JobEvent::Snap(SnapEvent::Remote(name, ticket, res)));
                });
            }
            Err(e) => self.remote_read(name, ticket, Err(e)),
        }
        self.mark_dirty();
    }

    /// A picked connection's schema arrived.
    pub(super) fn remote_read(&mut self, name: String, ticket: u64, res: Result<Box<Schema>, AppError>) {
        let Some(p) = self.snapshots.as_mut() else { return };
        if ticket != p.remote_ticket {
            return;
        }
        p.remote_loading.remove(&name);
        if let Err(e) = &res {
            let msg = format!("cannot read the schema of '{name}': {e}");
            p.remote.insert(name, res);
            self.snap_message(Level::Error, msg);
            return;
        }
        p.remote.insert(name, res);
        let waiting = p.picked.len() == 2 && p.view.is_none();
        if waiting {
            self.compute_diff();
        }
    }

    /// The schema of connection side `i`: `None` while it is being read.
    pub(super) fn remote_side(&self, i: usize) -> Result<Option<Box<Schema>>, AppError> {
        let Some(p) = self.snapshots.as_ref() else {
            return Ok(None);
        };
        let Some(name) = p.connections.get(i) else {
            return Err(Unavailable::NoSuchConnection.into());
        };
        match p.remote.get(name) {
            Some(Ok(s)) => Ok(Some(s.clone())),
            Some(Err(e)) => Err(e.clone()),
            None => Ok(None),
        }
    }
}
