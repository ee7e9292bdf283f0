//! Where the TLS servers, certificates and sshd of test-services.sh are.
#![allow(dead_code)]

use dbn::db::{ConnSpec, DbError, Session, Value, query_all};
use std::path::PathBuf;

/// The TLS servers and the throwaway PKI.
pub struct Tls {
    pub dir: PathBuf,
    pub pg_port: u16,
    pub my_port: u16,
}

fn var(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert!(
                !super::common::in_ci(),
                "{name} is not set: CI must start the TLS and SSH services with scripts/test-services.sh"
            );
            eprintln!("skipping: {name} not set (run scripts/test-services.sh start)");
            None
        }
    }
}

pub fn tls() -> Option<Tls> {
    Some(Tls {
        dir: PathBuf::from(var("DBN_TEST_TLS_DIR")?),
        pg_port: var("DBN_TEST_PGTLS_PORT")?.parse().ok()?,
        my_port: var("DBN_TEST_MYTLS_PORT")?.parse().ok()?,
    })
}

impl Tls {
    pub fn file(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

/// The sshd and its client key, known_hosts and ready ssh_config.
pub struct Ssh {
    pub dir: PathBuf,
    pub port: u16,
}

pub fn ssh() -> Option<Ssh> {
    Some(Ssh {
        dir: PathBuf::from(var("DBN_TEST_SSH_DIR")?),
        port: var("DBN_TEST_SSH_PORT")?.parse().ok()?,
    })
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Connect and run one query, returning the first cell as text.
pub fn first_cell(url: &str, password: Option<&str>, sql: &str) -> Result<String, DbError> {
    let mut spec = ConnSpec::parse_url(url)?;
    if password.is_some() {
        spec.ssl_password = password.map(str::to_string);
    }
    spec.connect_timeout = std::time::Duration::from_secs(10);
    rt().block_on(async {
        let mut s: Box<dyn Session> = dbn::db::connect(&spec).await?;
        let (_, rows, _) = query_all(s.as_mut(), sql).await?;
        Ok(rows
            .first()
            .and_then(|r| r.first())
            .map(Value::render)
            .unwrap_or_default())
    })
}
