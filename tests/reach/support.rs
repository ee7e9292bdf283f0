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

/// A private ssh_config with one Host alias per case, used by every tunnel
/// this test process opens (`set_ssh_command`):
/// `dbn-ok` (works), `dbn-badkey` (known_hosts holds another key),
/// `dbn-stranger` (a key sshd does not accept), `dbn-refused` (nothing listens),
/// `dbn-jump` (ProxyJump through dbn-ok).
pub fn ssh_aliases() -> Option<&'static PathBuf> {
    use std::sync::OnceLock;
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let s = ssh()?;
    Some(DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("reach-ssh-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let d = s.dir.display();
        let host_pub = std::fs::read_to_string(s.dir.join("host.pub")).unwrap();
        let stranger_pub = std::fs::read_to_string(s.dir.join("stranger.pub")).unwrap();
        let key = |k: &str| k.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        std::fs::write(dir.join("good_hosts"), format!("[127.0.0.1]:{} {}\n", s.port, key(&host_pub))).unwrap();
        std::fs::write(dir.join("bad_hosts"), format!("[127.0.0.1]:{} {}\n", s.port, key(&stranger_pub))).unwrap();
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
        let block = |alias: &str, port: u16, ident: &str, hosts: &str| {
            format!(
                "Host {alias}\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n  IdentityFile {d}/{ident}\n  IdentitiesOnly yes\n  IdentityAgent none\n  StrictHostKeyChecking yes\n  UserKnownHostsFile {}/{hosts}\n\n",
                dir.display()
            )
        };
        let config = [
            block("dbn-ok", s.port, "client", "good_hosts"),
            block("dbn-life", s.port, "client", "good_hosts"),
            block("dbn-restart", s.port, "client", "good_hosts"),
            block("dbn-orphan", s.port, "client", "good_hosts"),
            block("dbn-badkey", s.port, "client", "bad_hosts"),
            block("dbn-stranger", s.port, "stranger", "good_hosts"),
            block("dbn-refused", closed, "client", "good_hosts"),
            // Through dbn-ok as a jump host: two ssh processes share stderr.
            block("dbn-jump", s.port, "client", "good_hosts").replace(
                "  StrictHostKeyChecking",
                "  ProxyJump dbn-ok\n  StrictHostKeyChecking",
            ),
        ]
        .concat();
        std::fs::write(dir.join("ssh_config"), config).unwrap();
        dbn::db::tunnel::set_ssh_command(Some(format!("ssh -F {}/ssh_config", dir.display())));
        dir
    }))
}

/// ssh processes this test process started for `alias` that still run.
pub fn child_ssh_count(alias: &str) -> usize {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| {
            // pid (comm) state ppid ...
            let Some(close) = stat.rfind(')') else { return false };
            let comm = &stat[stat.find('(').unwrap_or(0) + 1..close];
            let mut rest = stat[close + 1..].split_whitespace();
            let state = rest.next().unwrap_or("");
            let ppid = rest.next().unwrap_or("");
            comm == "ssh" && ppid == me && state != "Z" && {
                let pid = stat.split_whitespace().next().unwrap_or("");
                let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                cmd.split(|b| *b == 0).any(|w| w == alias.as_bytes())
            }
        })
        .count()
}
