//! The SSH hop travels in bundles; a dead ssh is restarted while its
//! session lives.

use super::common::Sandbox;
use super::support::{child_ssh_count, ssh_aliases};
use dbn::db::{ConnSpec, query_all};

#[test]
fn bundles_carry_the_ssh_hop_and_tls_files() {
    let a = Sandbox::new();
    let out = a
        .cmd()
        .args([
            "connect",
            "add",
            "eu",
            "--url",
            "postgres://app@db.internal/shop?sslmode=verify-ca",
        ])
        .args([
            "--ssh",
            "alice@bastion:2222",
            "--sslrootcert",
            "/etc/ssl/ca.pem",
            "--no-password",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file = a.dir.path().join("b.json");
    let out = a.cmd().arg("export").arg("--out").arg(&file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let b = Sandbox::new();
    let out = b.cmd().arg("import").arg(&file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = b.cmd().args(["connect", "show", "eu", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ssh"], "alice@bastion:2222");
    assert!(
        v["url"].as_str().unwrap().contains("sslrootcert=/etc/ssl/ca.pem"),
        "{v}"
    );
    assert!(v["url"].as_str().unwrap().contains("sslmode=verify-ca"), "{v}");
}

/// Pids of ssh processes this test process started for `alias`.
fn ssh_pids(alias: &str) -> Vec<i32> {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let Some(close) = stat.rfind(')') else { return false };
            let mut rest = stat[close + 1..].split_whitespace();
            let (state, ppid) = (rest.next().unwrap_or(""), rest.next().unwrap_or(""));
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            stat.contains("(ssh)")
                && ppid == me
                && state != "Z"
                && cmd.split(|b| *b == 0).any(|w| w == alias.as_bytes())
        })
        .collect()
}

#[test]
fn a_killed_ssh_is_restarted_and_the_session_error_names_the_tunnel() {
    let Some(_) = ssh_aliases() else { return };
    let Some(url) = super::common::pg_url() else { return };
    let port = ConnSpec::parse_url(&url).unwrap().port_or_default();
    let spec = ConnSpec::parse_url(&format!(
        "postgres://postgres@localhost:{port}/dbn_test?sslmode=disable&ssh=dbn-restart"
    ))
    .unwrap();
    let rt = super::support::rt();
    rt.block_on(async {
        let mut s = dbn::db::connect(&spec).await.unwrap();
        let first = ssh_pids("dbn-restart");
        assert_eq!(first.len(), 1);
        std::process::Command::new("kill")
            .arg(first[0].to_string())
            .status()
            .unwrap();
        // The session's connection went down with ssh; the error says so.
        let e = query_all(s.as_mut(), "SELECT 1").await.unwrap_err();
        assert!(e.message.contains("SSH tunnel via dbn-restart"), "{}", e.message);
        // The watcher brings ssh back on the same port while the session lives.
        let mut restarted = Vec::new();
        for _ in 0..200 {
            restarted = ssh_pids("dbn-restart");
            if restarted.iter().any(|p| *p != first[0]) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(restarted.iter().any(|p| *p != first[0]), "ssh was not restarted");
        drop(s);
        for _ in 0..100 {
            if child_ssh_count("dbn-restart") == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(child_ssh_count("dbn-restart"), 0);
    });
}

#[test]
fn write_permits_name_the_real_database_through_the_tunnel() {
    use dbn::db::{Access, database_id};
    use dbn::safety::confirm::Scripted;
    let Some(_) = ssh_aliases() else { return };
    let Some(url) = super::common::fresh_pg_db("tunnel_permit") else {
        return;
    };
    let mut spec = ConnSpec::parse_url(&format!("{url}&ssh=dbn-ok")).unwrap();
    spec.read_only = true;
    let mut io = Scripted {
        interactive: false,
        input: std::io::empty(),
        shown: Vec::new(),
    };
    let (permit, _) =
        dbn::safety::gate::unlock_writes("prod", &database_id(&spec), None, Some("prod"), &mut io).unwrap();
    let rt = super::support::rt();
    rt.block_on(async {
        let mut s = dbn::db::connect(&spec).await.unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::channel(4);
        let drain = async { while rx.recv().await.is_some() {} };
        let (r, _) = tokio::join!(
            s.execute_as("CREATE TABLE t (x int)", Access::Write(&permit), tx),
            drain
        );
        r.unwrap();
        let (_, rows, _) = query_all(s.as_mut(), "SELECT count(*) FROM t").await.unwrap();
        assert_eq!(rows[0][0].render(), "0");
    });
}

/// Pids of live ssh processes for `alias`, whoever their parent is now.
fn any_ssh_pids(alias: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let Some(close) = stat.rfind(')') else { return false };
            let state = stat[close + 1..].split_whitespace().next().unwrap_or("");
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            stat.contains("(ssh)") && state != "Z" && cmd.split(|b| *b == 0).any(|w| w == alias.as_bytes())
        })
        .collect()
}

#[test]
fn ssh_ends_when_dbn_is_killed() {
    let Some(aliases) = ssh_aliases() else { return };
    let Some(url) = super::common::pg_url() else { return };
    let port = ConnSpec::parse_url(&url).unwrap().port_or_default();
    let s = Sandbox::new();
    let mut dbn = s
        .cmd()
        .env("DBN_SSH_COMMAND", format!("ssh -F {}/ssh_config", aliases.display()))
        .args(["query", "--url"])
        .arg(format!(
            "postgres://postgres@localhost:{port}/dbn_test?sslmode=disable&ssh=dbn-orphan"
        ))
        .args(["-s", "SELECT pg_sleep(19.75)"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the statement runs on the server, through the tunnel (the
    // odd duration marks it: comments do not reach the server).
    let running =
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(19.75)%' AND pid <> pg_backend_pid()";
    let mut seen = false;
    for _ in 0..300 {
        if super::common::psql(&url, running).trim() == "1" {
            seen = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(seen, "the statement did not reach the server");
    assert_eq!(any_ssh_pids("dbn-orphan").len(), 1);
    // SIGKILL runs no destructor: the kernel must end ssh.
    dbn.kill().unwrap();
    dbn.wait().unwrap();
    let mut left = any_ssh_pids("dbn-orphan");
    for _ in 0..100 {
        if left.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        left = any_ssh_pids("dbn-orphan");
    }
    assert!(left.is_empty(), "ssh {left:?} outlived the killed dbn");
}
