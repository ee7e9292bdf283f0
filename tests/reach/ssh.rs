//! SSH tunnels through the system ssh and a real sshd on 127.0.0.1.

use super::support::{child_ssh_count, first_cell, ssh_aliases, tls};
use dbn::db::{ConnSpec, ErrorCode, query_all};

fn pg_port() -> Option<u16> {
    let url = super::common::pg_url()?;
    Some(ConnSpec::parse_url(&url).unwrap().port_or_default())
}

#[test]
fn postgres_and_mariadb_over_tls_through_the_tunnel() {
    let (Some(_), Some(t)) = (ssh_aliases(), tls()) else {
        return;
    };
    // verify-full against "localhost" although the driver dials the
    // tunnel's 127.0.0.1 end: the name check uses the database host.
    let pg = format!(
        "postgres://dbn_cert@localhost:{}/dbn_test?sslmode=verify-full&sslrootcert={}&sslcert={}&sslkey={}&ssh=dbn-ok",
        t.pg_port,
        t.file("ca.pem"),
        t.file("client.pem"),
        t.file("client.key")
    );
    let ssl = "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    assert_eq!(first_cell(&pg, None, ssl).unwrap(), "true");
    let my = format!(
        "mysql://dbn_cert@localhost:{}/dbn_test?sslmode=verify-full&sslrootcert={}&sslcert={}&sslkey={}&ssh=dbn-ok",
        t.my_port,
        t.file("ca.pem"),
        t.file("client.pem"),
        t.file("client.key")
    );
    assert_eq!(first_cell(&my, None, "SELECT CURRENT_USER()").unwrap(), "dbn_cert@%");
}

#[test]
fn proxy_jump_waits_for_the_last_hop() {
    let (Some(_), Some(port)) = (ssh_aliases(), pg_port()) else {
        return;
    };
    // The jump's own ssh reports its session first; the forward is only
    // ready when the ssh that owns it listens.
    for _ in 0..3 {
        let url = format!("postgres://postgres@localhost:{port}/dbn_test?sslmode=disable&ssh=dbn-jump");
        assert_eq!(first_cell(&url, None, "SELECT 1").unwrap(), "1");
    }
}

#[test]
fn the_tunnel_lives_with_the_session_and_ends_with_it() {
    let (Some(_), Some(port)) = (ssh_aliases(), pg_port()) else {
        return;
    };
    let spec = ConnSpec::parse_url(&format!(
        "postgres://postgres@localhost:{port}/dbn_test?sslmode=disable&ssh=dbn-life"
    ))
    .unwrap();
    let rt = super::support::rt();
    rt.block_on(async {
        let before = 0;
        let mut s = dbn::db::connect(&spec).await.unwrap();
        assert_eq!(child_ssh_count("dbn-life"), before + 1);
        let (_, rows, _) = query_all(s.as_mut(), "SELECT current_database()").await.unwrap();
        assert_eq!(rows[0][0].render(), "dbn_test");
        // Cancellation goes through the same tunnel.
        let canceller = s.canceller();
        let (tx, _rx) = tokio::sync::mpsc::channel(4);
        let sleep = s.execute("SELECT pg_sleep(30)", tx);
        let cancel = async {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            canceller.cancel().await
        };
        let (r, c) = tokio::join!(sleep, cancel);
        c.unwrap();
        assert_eq!(r.unwrap_err().code, ErrorCode::QueryCancelled);
        drop(s);
        // kill_on_drop reaps asynchronously; give the runtime a turn.
        for _ in 0..50 {
            if child_ssh_count("dbn-life") == before {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(
            child_ssh_count("dbn-life"),
            before,
            "ssh still running after the session was dropped"
        );
    });
}

#[test]
fn host_key_mismatch_is_named() {
    let (Some(_), Some(port)) = (ssh_aliases(), pg_port()) else {
        return;
    };
    let e = first_cell(
        &format!("postgres://postgres@localhost:{port}/dbn_test?ssh=dbn-badkey"),
        None,
        "SELECT 1",
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::DbAuthFailed, "{}", e.message);
    assert!(
        e.message.contains("SSH host key of dbn-badkey") && e.message.contains("ssh-keygen -R"),
        "{}",
        e.message
    );
}

#[test]
fn ssh_authentication_failure_is_named() {
    let (Some(_), Some(port)) = (ssh_aliases(), pg_port()) else {
        return;
    };
    let e = first_cell(
        &format!("postgres://postgres@localhost:{port}/dbn_test?ssh=dbn-stranger"),
        None,
        "SELECT 1",
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::DbAuthFailed, "{}", e.message);
    assert!(
        e.message.contains("SSH authentication to dbn-stranger failed") && e.message.contains("ssh-add"),
        "{}",
        e.message
    );
}

#[test]
fn refused_ssh_server_is_named() {
    let (Some(_), Some(port)) = (ssh_aliases(), pg_port()) else {
        return;
    };
    let e = first_cell(
        &format!("mysql://dbn@localhost:{port}/dbn_test?ssh=dbn-refused"),
        None,
        "SELECT 1",
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::DbConnRefused, "{}", e.message);
    assert!(
        e.message.contains("SSH server dbn-refused refused the connection"),
        "{}",
        e.message
    );
}

#[test]
fn database_refused_behind_the_hop_is_named() {
    let Some(_) = ssh_aliases() else { return };
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = first_cell(
        &format!("postgres://postgres@localhost:{closed}/x?sslmode=disable&ssh=dbn-ok"),
        None,
        "SELECT 1",
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::DbConnRefused, "{}", e.message);
    assert!(
        e.message
            .contains(&format!("could not connect to the database at localhost:{closed}")),
        "{}",
        e.message
    );
}
