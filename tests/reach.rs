//! Reaching databases the way bastion users do: TLS as libpq means it
//! (both engines), SSH tunnels through the system `ssh`, and the overview.
//! Servers come from scripts/test-services.sh (TLS copies and an sshd).

mod common;

#[path = "reach/support.rs"]
mod support;

#[path = "reach/tls_pg.rs"]
mod tls_pg;

#[path = "reach/tls_mysql.rs"]
mod tls_mysql;

#[path = "reach/ssh.rs"]
mod ssh;

#[path = "reach/cli.rs"]
mod cli;

#[path = "reach/status.rs"]
mod status;

#[path = "reach/more.rs"]
mod more;
