//! Which extra connection parameters each engine understands. Everything
//! else is an error naming the parameter: a silently dropped `sslcert` or
//! `service` leaves users guessing why a connection behaves differently
//! from psql or mysql.

use super::{ConnSpec, Engine};
use crate::db::{DbError, DbResult, ErrorCode};

/// libpq parameters the Postgres driver applies (beyond the ones held in
/// `ConnSpec` fields), each with the values it accepts (`None`: any).
const PG_HANDLED: &[(&str, Option<&[&str]>)] = &[
    ("application_name", None),
    ("fallback_application_name", None),
    ("options", None),
    ("target_session_attrs", Some(&["any", "read-write", "read-only"])),
    ("keepalives", Some(&["0", "1"])),
    ("keepalives_idle", None),
    ("keepalives_interval", None),
    ("keepalives_count", None),
    ("tcp_user_timeout", None),
    ("hostaddr", None),
    ("channel_binding", Some(&["disable", "prefer", "require"])),
    ("sslsni", Some(&["0", "1"])),
    ("ssl_min_protocol_version", Some(&["TLSv1.2", "TLSv1.3"])),
    ("ssl_max_protocol_version", Some(&["TLSv1.2", "TLSv1.3"])),
    // Accepted only in the setting that matches what dbn does anyway.
    ("client_encoding", Some(&["UTF8", "utf8", "UTF-8", "utf-8"])),
    ("gssencmode", Some(&["disable", "prefer"])),
    ("sslcompression", Some(&["0"])),
    ("sslnegotiation", Some(&["postgres"])),
    ("load_balance_hosts", Some(&["disable"])),
];

/// libpq parameters dbn does not implement. Any other key is sent to the
/// server as a setting (`statement_timeout=5s`, `search_path=app`).
const PG_UNSUPPORTED: &[(&str, &str)] = &[
    (
        "service",
        "name the connection's host, port, user and database in the URL or flags",
    ),
    (
        "passfile",
        "dbn reads PGPASSFILE or ~/.pgpass, or stores the password in its secret store",
    ),
    ("requirepeer", "connect over TCP, or drop the parameter"),
    (
        "requireauth",
        "drop the parameter; dbn accepts the server's password or certificate authentication",
    ),
    ("krbsrvname", "Kerberos/GSSAPI authentication is not supported"),
    ("gsslib", "Kerberos/GSSAPI authentication is not supported"),
    ("gssdelegation", "Kerberos/GSSAPI authentication is not supported"),
    ("replication", "replication connections are not supported"),
    (
        "sslcertmode",
        "give sslcert/sslkey to send a client certificate, or leave them out",
    ),
    ("sslkeylogfile", "TLS key logging is not supported"),
    (
        "require_auth",
        "drop the parameter; dbn accepts the server's password or certificate authentication",
    ),
];

/// Check `spec.params` against what its engine supports.
pub(super) fn check(spec: &ConnSpec) -> DbResult<()> {
    for (key, value) in &spec.params {
        match spec.engine {
            Engine::Postgres => check_pg(key, value)?,
            Engine::Mysql => {
                return Err(unsupported(
                    key,
                    "MySQL/MariaDB",
                    "dbn understands host, port, user, dbname, sslmode, sslrootcert, sslcert, sslkey, sslcrl, connect_timeout and ssh",
                ));
            }
            Engine::Sqlite => {
                return Err(unsupported(key, "SQLite", "a SQLite connection is only a file path"));
            }
        }
    }
    Ok(())
}

fn check_pg(key: &str, value: &str) -> DbResult<()> {
    if let Some((_, hint)) = PG_UNSUPPORTED.iter().find(|(k, _)| *k == key) {
        return Err(unsupported(key, "PostgreSQL", hint));
    }
    if let Some((_, Some(allowed))) = PG_HANDLED.iter().find(|(k, _)| *k == key)
        && !allowed.contains(&value)
    {
        return Err(DbError::new(
            ErrorCode::DbBadUrl,
            format!(
                "connection parameter {key}='{value}' is not supported: dbn accepts {}",
                allowed.join(", ")
            ),
        ));
    }
    Ok(())
}

fn unsupported(key: &str, engine: &str, hint: &str) -> DbError {
    DbError::new(
        ErrorCode::DbBadUrl,
        format!("connection parameter '{key}' is not supported for {engine} connections: {hint}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_parameters_are_named() {
        let e = ConnSpec::parse_url("postgres://u@h/db?service=x").unwrap_err();
        assert!(e.message.contains("'service'"), "{}", e.message);
        let e = ConnSpec::parse_url("mysql://u@h/db?charset=latin1").unwrap_err();
        assert!(
            e.message.contains("'charset'") && e.message.contains("MySQL"),
            "{}",
            e.message
        );
        let e = ConnSpec::parse_url("postgres://u@h/db?gssencmode=require").unwrap_err();
        assert!(e.message.contains("gssencmode='require'"), "{}", e.message);
        // Server settings still pass through for Postgres.
        assert!(ConnSpec::parse_url("postgres://u@h/db?statement_timeout=5s&hostaddr=127.0.0.1").is_ok());
    }
}
