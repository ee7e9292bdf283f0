//! `--new-database`: the target is created for the restore and removed
//! again when the restore fails, so a failed restore leaves nothing behind.

use crate::backup::{BackupError, BackupResult};
use crate::db::{ConnSpec, Engine, query_all, quote};

/// A database this restore created.
#[derive(Debug, Clone)]
pub struct NewDatabase {
    /// Connection to the server it was created on (not to it).
    server: ConnSpec,
    /// Its name (SQLite: the file path).
    pub name: String,
    /// Connection to the new database.
    pub spec: ConnSpec,
}

/// Create database `name` on the server behind `spec` (SQLite: a new file)
/// and return how to connect to it.
pub async fn create(spec: &ConnSpec, name: &str) -> BackupResult<NewDatabase> {
    let mut s = spec.clone();
    s.read_only = false;
    if spec.engine == Engine::Sqlite {
        let path = std::path::Path::new(name);
        if path.exists() {
            return Err(BackupError::Unsupported(format!(
                "'{name}' already exists; --new-database needs a new file name"
            )));
        }
        let abs = std::path::absolute(path).map_err(|e| crate::backup::io_err("resolve", path, e))?;
        s.database = Some(abs.display().to_string());
        return Ok(NewDatabase {
            server: spec.clone(),
            name: abs.display().to_string(),
            spec: s,
        });
    }
    let mut server = spec.clone();
    server.read_only = false;
    let mut session = crate::db::connect(&server).await?;
    query_all(
        session.as_mut(),
        &format!("CREATE DATABASE {}", quote::ident(spec.engine, name)),
    )
    .await?;
    s.database = Some(name.to_string());
    Ok(NewDatabase {
        server,
        name: name.to_string(),
        spec: s,
    })
}

impl NewDatabase {
    /// Remove the database again (after a failed restore). Every session
    /// to it must be closed first.
    pub async fn drop_it(&self) -> BackupResult<()> {
        if self.server.engine == Engine::Sqlite {
            for suffix in ["", "-journal", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", self.name));
            }
            return Ok(());
        }
        let mut session = crate::db::connect(&self.server).await?;
        let q = quote::ident(self.server.engine, &self.name);
        let sql = match self.server.engine {
            Engine::Postgres => format!("DROP DATABASE IF EXISTS {q} WITH (FORCE)"),
            _ => format!("DROP DATABASE IF EXISTS {q}"),
        };
        query_all(session.as_mut(), &sql).await?;
        Ok(())
    }
}
