//! SSH tunnels through the system `ssh`, so `~/.ssh/config`, `ProxyJump`,
//! agents, hardware keys and `known_hosts` behave exactly as in the user's
//! shell. A tunnel is `ssh -N -L 127.0.0.1:PORT:DBHOST:DBPORT HOP` on a
//! free loopback port; dbn waits until ssh reports the listener, watches
//! ssh's stderr for errors (host key, authentication, refused), restarts ssh
//! on the same port when it dies while the session lives, and kills it when
//! the session is dropped.

mod errors;
mod session;

use super::{ConnSpec, DbError, DbResult, Engine, ErrorCode, Session, SshTarget};
use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{Notify, oneshot};

/// Environment variable replacing `ssh` (program and leading arguments,
/// split on whitespace), like git's `GIT_SSH_COMMAND`.
pub const SSH_COMMAND_ENV: &str = "DBN_SSH_COMMAND";

/// An ssh command set by the program (from configuration, or by tests),
/// taking precedence over `DBN_SSH_COMMAND`.
static SSH_COMMAND: Mutex<Option<String>> = Mutex::new(None);

/// Use `command` (program and leading arguments) instead of `ssh`, for
/// every tunnel opened from now on; `None` goes back to `DBN_SSH_COMMAND`
/// or `ssh`.
pub fn set_ssh_command(command: Option<String>) {
    if let Ok(mut c) = SSH_COMMAND.lock() {
        *c = command;
    }
}

/// Restarts of a dead ssh before the tunnel gives up.
const MAX_RESTARTS: u32 = 5;

/// Open a session through the spec's SSH hop.
pub(super) async fn connect_via(hop: &SshTarget, spec: &ConnSpec) -> DbResult<Box<dyn Session>> {
    if spec.engine == Engine::Sqlite {
        return Err(DbError::new(
            ErrorCode::DbBadUrl,
            "an SSH hop (ssh=...) is for network connections; a SQLite connection opens a local file",
        ));
    }
    let remote = Remote::of(spec);
    let tunnel = Tunnel::open(hop, &remote, spec.connect_timeout).await?;
    let mut local = spec.clone();
    local.origin_id = Some(super::database_id(spec));
    local.ssh = None;
    local.host = Some("127.0.0.1".into());
    local.port = Some(tunnel.port);
    local.params.remove("hostaddr");
    if !remote.is_socket {
        // The certificate names the database host, not the loopback end.
        local.tls_server_name = Some(
            spec.tls_server_name
                .clone()
                .unwrap_or_else(|| spec.host_or_default().to_string()),
        );
    }
    match super::session::connect_direct(&local).await {
        Ok(inner) => Ok(Box::new(session::TunneledSession::new(inner, tunnel))),
        Err(e) => Err(tunnel.explain(e).await),
    }
}

/// What the SSH host forwards to: `host:port`, or a Unix socket path.
struct Remote {
    forward: String,
    shown: String,
    is_socket: bool,
}

impl Remote {
    fn of(spec: &ConnSpec) -> Remote {
        let host = spec
            .params
            .get("hostaddr")
            .map(String::as_str)
            .unwrap_or(spec.host_or_default());
        let port = spec.port_or_default();
        if host.starts_with('/') {
            let path = match spec.engine {
                Engine::Postgres => format!("{}/.s.PGSQL.{port}", host.trim_end_matches('/')),
                _ => host.to_string(),
            };
            return Remote {
                forward: path.clone(),
                shown: path,
                is_socket: true,
            };
        }
        let bracketed = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        Remote {
            forward: format!("{bracketed}:{port}"),
            shown: format!("{bracketed}:{port}"),
            is_socket: false,
        }
    }
}

/// ssh's stderr, minus its debug chatter, kept for error messages.
#[derive(Default)]
struct Log {
    lines: Mutex<VecDeque<String>>,
    changed: Notify,
}

impl Log {
    fn push(&self, line: String) {
        if let Ok(mut l) = self.lines.lock() {
            if l.len() >= 40 {
                l.pop_front();
            }
            l.push_back(line);
        }
        self.changed.notify_waiters();
    }

    fn snapshot(&self) -> Vec<String> {
        self.lines
            .lock()
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// A running tunnel. Dropping it stops ssh.
pub(crate) struct Tunnel {
    port: u16,
    hop: SshTarget,
    remote: String,
    log: Arc<Log>,
    /// Dropped with the tunnel, which tells the watcher to kill ssh.
    _stop: oneshot::Sender<()>,
    /// Set by the watcher when ssh has died for good.
    gone: Arc<Mutex<Option<String>>>,
}

impl Tunnel {
    async fn open(hop: &SshTarget, remote: &Remote, timeout: Duration) -> DbResult<Tunnel> {
        let log = Arc::new(Log::default());
        let mut last = None;
        // A free port can be taken between choosing it and ssh binding it.
        for _ in 0..3 {
            let port = free_port()?;
            let mut child = spawn(hop, port, &remote.forward, timeout)?;
            match wait_ready(&mut child, &log, timeout).await {
                Ready::Listening(lines) => {
                    let (stop, stopped) = oneshot::channel();
                    let gone = Arc::new(Mutex::new(None));
                    let watch = Watch {
                        hop: hop.clone(),
                        port,
                        forward: remote.forward.clone(),
                        timeout,
                        log: log.clone(),
                        gone: gone.clone(),
                    };
                    tokio::spawn(watch.run(child, lines, stopped));
                    return Ok(Tunnel {
                        port,
                        hop: hop.clone(),
                        remote: remote.shown.clone(),
                        log,
                        _stop: stop,
                        gone,
                    });
                }
                Ready::PortTaken => last = Some(errors::port_taken(hop)),
                Ready::Failed(e) => return Err(errors::startup(hop, &e, &log.snapshot(), timeout)),
            }
        }
        Err(last.unwrap_or_else(|| errors::port_taken(hop)))
    }

    /// Why ssh stopped for good, if it has.
    pub(crate) fn gone(&self) -> Option<String> {
        self.gone.lock().ok().and_then(|g| g.clone())
    }

    /// Reword a driver error with what ssh reported: the SSH host could not
    /// reach the database, or the tunnel itself died.
    pub(crate) async fn explain(&self, e: DbError) -> DbError {
        if !matches!(
            e.code,
            ErrorCode::DbConnRefused | ErrorCode::DbConnLost | ErrorCode::DbTimeout
        ) {
            return e;
        }
        // ssh reports a failed channel a moment after the driver sees EOF
        // (a timeout is no EOF: nothing more will come).
        let changed = self.log.changed.notified();
        if e.code != ErrorCode::DbTimeout && errors::channel_failure(&self.log.snapshot()).is_none() {
            let _ = tokio::time::timeout(Duration::from_millis(300), changed).await;
        }
        errors::through_tunnel(e, &self.hop, &self.remote, &self.log.snapshot(), self.gone())
    }
}

fn free_port() -> DbResult<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).map_err(|e| {
        DbError::new(
            ErrorCode::DbConnRefused,
            format!("cannot find a free loopback port for the SSH tunnel: {e}"),
        )
    })?;
    listener.local_addr().map(|a| a.port()).map_err(|e| {
        DbError::new(
            ErrorCode::DbConnRefused,
            format!("cannot find a free loopback port: {e}"),
        )
    })
}

/// The ssh program and the user's leading arguments.
fn ssh_command() -> (String, Vec<String>) {
    let set = SSH_COMMAND.lock().ok().and_then(|c| c.clone());
    let raw = set
        .or_else(|| std::env::var(SSH_COMMAND_ENV).ok())
        .filter(|v| !v.trim().is_empty());
    let mut words: Vec<String> = raw
        .as_deref()
        .unwrap_or("ssh")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let program = if words.is_empty() {
        "ssh".to_string()
    } else {
        words.remove(0)
    };
    (program, words)
}

fn spawn(hop: &SshTarget, port: u16, forward: &str, timeout: Duration) -> DbResult<Child> {
    let (program, user_args) = ssh_command();
    let mut cmd = Command::new(&program);
    // The user's own arguments come first: for ssh the first value of an
    // option wins, so they can override any of the defaults below.
    cmd.args(&user_args)
        .arg("-N")
        .arg("-T")
        .arg("-v")
        .args(["-o", "ExitOnForwardFailure=yes"])
        // Never prompt: the TUI owns the terminal. Keys come from the agent
        // or unencrypted files; hosts must already be in known_hosts.
        .args(["-o", "BatchMode=yes"])
        // A multiplexing master would keep the forward after ssh exits.
        .args(["-o", "ControlPath=none"])
        .args(["-o", &format!("ConnectTimeout={}", timeout.as_secs().max(1))])
        .args(["-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3"])
        .args(["-L", &format!("127.0.0.1:{port}:{forward}")]);
    if let Some(p) = hop.port {
        cmd.args(["-p", &p.to_string()]);
    }
    cmd.arg("--")
        .arg(hop.destination())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    end_with_parent(&mut cmd);
    cmd.spawn().map_err(|e| errors::spawn_failed(&program, &e))
}

/// Have the kernel stop ssh when dbn dies without running destructors
/// (SIGKILL, or SIGTERM/SIGHUP without a handler), so no orphaned ssh keeps
/// a forward open. The signal follows the thread that spawned ssh: the CLI's
/// main thread or a runtime worker, both living as long as the sessions.
/// The crate's one `unsafe`: `pre_exec` runs between fork and exec, which
/// no safe API offers.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn end_with_parent(cmd: &mut Command) {
    // SAFETY: getpid, prctl and getppid are async-signal-safe, and the
    // closure allocates nothing.
    unsafe {
        let parent = libc::getpid();
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            // dbn died between fork and prctl: nobody would stop this ssh.
            if libc::getppid() != parent {
                return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn end_with_parent(_cmd: &mut Command) {}

enum Ready {
    /// ssh listens; the stderr reader keeps running.
    Listening(tokio::task::JoinHandle<()>),
    /// Another process took the port first.
    PortTaken,
    /// ssh exited or did not come up in time.
    Failed(String),
}

/// Read ssh's stderr until it reports the local listener, exits, or the
/// timeout passes. The reader goes on collecting lines afterwards.
async fn wait_ready(child: &mut Child, log: &Arc<Log>, timeout: Duration) -> Ready {
    let Some(stderr) = child.stderr.take() else {
        return Ready::Failed("ssh's error output could not be read".into());
    };
    let (ready_tx, ready_rx) = oneshot::channel::<()>();
    let sink = log.clone();
    let reader = tokio::spawn(async move {
        let mut ready = Some(ready_tx);
        let mut proxied = false;
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            // With ProxyJump or ProxyCommand the jump's own ssh shares this
            // stderr and enters its (-W) session before ours listens.
            proxied |= line.contains("Executing proxy command");
            // Both come after listen(); "Local forwarding listening on" is
            // printed before bind() and would race the first connection.
            if line.contains("[port listener]") || (!proxied && line.contains("Entering interactive session")) {
                if let Some(tx) = ready.take() {
                    let _ = tx.send(());
                }
                continue;
            }
            if errors::worth_keeping(&line) {
                sink.push(line);
            }
        }
    });
    // ssh applies ConnectTimeout per attempt; allow authentication on top.
    let limit = timeout + Duration::from_secs(5);
    tokio::select! {
        ready = ready_rx => match ready {
            Ok(()) => Ready::Listening(reader),
            Err(_) => {
                let status = child.wait().await.map(|s| s.to_string()).unwrap_or_default();
                let lines = log.snapshot();
                if lines.iter().any(|l| l.contains("Address already in use")) {
                    Ready::PortTaken
                } else {
                    Ready::Failed(format!("ssh exited ({status})"))
                }
            }
        },
        _ = tokio::time::sleep(limit) => {
            let _ = child.kill().await;
            reader.abort();
            Ready::Failed(format!("ssh did not set up the forward within {} s", limit.as_secs()))
        }
    }
}

/// Keeps ssh running while the tunnel lives: restarts it on the same port
/// when it dies, kills it when the tunnel is dropped.
struct Watch {
    hop: SshTarget,
    port: u16,
    forward: String,
    timeout: Duration,
    log: Arc<Log>,
    gone: Arc<Mutex<Option<String>>>,
}

impl Watch {
    async fn run(self, mut child: Child, mut reader: tokio::task::JoinHandle<()>, mut stopped: oneshot::Receiver<()>) {
        let mut restarts = 0;
        loop {
            tokio::select! {
                _ = &mut stopped => {
                    let _ = child.kill().await;
                    reader.abort();
                    return;
                }
                status = child.wait() => {
                    let _ = (&mut reader).await;
                    let why = format!("ssh exited ({})", status.map(|s| s.to_string()).unwrap_or_default());
                    tracing::warn!(hop = %self.hop, "SSH tunnel ended: {why}");
                    if restarts >= MAX_RESTARTS {
                        self.give_up(why);
                        return;
                    }
                    restarts += 1;
                    let backoff = Duration::from_millis(250 << restarts.min(6));
                    tokio::select! {
                        _ = &mut stopped => return,
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    match self.restart().await {
                        Ok((c, r)) => {
                            child = c;
                            reader = r;
                        }
                        Err(e) => {
                            self.give_up(e);
                            return;
                        }
                    }
                }
            }
        }
    }

    async fn restart(&self) -> Result<(Child, tokio::task::JoinHandle<()>), String> {
        let mut child = spawn(&self.hop, self.port, &self.forward, self.timeout).map_err(|e| e.message)?;
        match wait_ready(&mut child, &self.log, self.timeout).await {
            Ready::Listening(reader) => {
                tracing::info!(hop = %self.hop, "SSH tunnel restarted on 127.0.0.1:{}", self.port);
                Ok((child, reader))
            }
            Ready::PortTaken => Err(format!("127.0.0.1:{} was taken by another process", self.port)),
            Ready::Failed(why) => Err(why),
        }
    }

    fn give_up(&self, why: String) {
        let lines = self.log.snapshot();
        let reason = errors::summary(&lines).unwrap_or(why);
        if let Ok(mut g) = self.gone.lock() {
            *g = Some(reason);
        }
    }
}
