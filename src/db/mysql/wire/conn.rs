//! Opening a connection: socket, greeting, TLS, login.

use super::WireError;
use super::auth::{self, Channel};
use super::packet::{PacketIo, Transport};
use super::reply::State;
use mysql_common::constants::CapabilityFlags;
use mysql_common::io::ParseBuf;
use mysql_common::packets::{HandshakePacket, HandshakeResponse, SslRequest};
use mysql_common::proto::MySerialize;
use rustls::pki_types::ServerName;
use std::sync::Arc;
use tokio::net::{TcpStream, UnixStream};

/// Largest packet dbn announces it accepts (the server's own
/// `max_allowed_packet` still applies).
const MAX_PACKET: u32 = 1 << 30;
/// utf8mb4_general_ci: what the connection's text is in.
const UTF8MB4_GENERAL_CI: u8 = 45;

/// TLS settings: the rustls configuration (verification policy included)
/// and the name the certificate is checked against.
#[derive(Clone)]
pub(in crate::db::mysql) struct Tls {
    pub config: Arc<rustls::ClientConfig>,
    pub name: ServerName<'static>,
    /// Fail when the server offers no TLS (otherwise connect in the clear).
    pub required: bool,
}

/// Where and how to connect.
#[derive(Clone)]
pub(in crate::db::mysql) struct Opts {
    /// Host name or address, or a Unix socket path (starts with `/`).
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<String>,
    pub database: Option<String>,
    /// TLS over TCP; never set for a Unix socket (sslmode does not apply).
    pub tls: Option<Tls>,
}

impl std::fmt::Debug for Opts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opts")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("database", &self.database)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

/// One open connection.
pub(in crate::db::mysql) struct Conn {
    pub(super) io: PacketIo,
    pub(super) caps: CapabilityFlags,
    pub(super) state: State,
    id: u32,
    /// The version string of the server's greeting.
    version: String,
}

/// What dbn asks for. Never `CLIENT_MULTI_STATEMENTS`: a `COM_QUERY` is
/// one statement, and the server's parser refuses any text after its `;`.
/// `CLIENT_FOUND_ROWS`: an UPDATE counts the rows it matched, as on
/// PostgreSQL and SQLite, so a grid edit's one-row check reads 0 only when
/// the row is gone. `CLIENT_LOCAL_FILES` lets dbn feed `LOAD DATA LOCAL`
/// from its own stream (it never opens a file the server names).
fn wanted() -> CapabilityFlags {
    CapabilityFlags::CLIENT_PROTOCOL_41
        | CapabilityFlags::CLIENT_SECURE_CONNECTION
        | CapabilityFlags::CLIENT_LONG_PASSWORD
        | CapabilityFlags::CLIENT_LONG_FLAG
        | CapabilityFlags::CLIENT_TRANSACTIONS
        | CapabilityFlags::CLIENT_LOCAL_FILES
        | CapabilityFlags::CLIENT_MULTI_RESULTS
        | CapabilityFlags::CLIENT_PS_MULTI_RESULTS
        | CapabilityFlags::CLIENT_DEPRECATE_EOF
        | CapabilityFlags::CLIENT_PLUGIN_AUTH
        | CapabilityFlags::CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
        | CapabilityFlags::CLIENT_FOUND_ROWS
}

/// Open a connection and log in.
pub(in crate::db::mysql) async fn connect(opts: &Opts) -> Result<Conn, WireError> {
    let socket = opts.host.starts_with('/');
    let transport = if socket {
        Transport::Unix(UnixStream::connect(&opts.host).await.map_err(WireError::Io)?)
    } else {
        let tcp = TcpStream::connect((opts.host.as_str(), opts.port))
            .await
            .map_err(WireError::Io)?;
        tcp.set_nodelay(true).map_err(WireError::Io)?;
        Transport::Tcp(tcp)
    };
    let mut io = PacketIo::new(transport);
    let greeting = io.next().await?.to_vec();
    if greeting.first() == Some(&0xFF) {
        return Err(super::reply::server_error(&greeting, false));
    }
    let hs: HandshakePacket<'_> = ParseBuf(&greeting)
        .parse(())
        .map_err(|e| WireError::parse("server greeting", &e))?;
    let mut nonce = hs.scramble_1_ref().to_vec();
    nonce.extend_from_slice(hs.scramble_2_ref().unwrap_or_default());
    nonce.resize(20, 0);
    let version = hs
        .maria_db_server_version_parsed()
        .or_else(|| hs.server_version_parsed())
        .unwrap_or((0, 0, 0));
    let server_caps = hs.capabilities();
    let mut caps = wanted() & server_caps;
    if opts.database.is_some() {
        caps |= CapabilityFlags::CLIENT_CONNECT_WITH_DB & server_caps;
    }
    let plugin = auth::initial_plugin(hs.auth_plugin());
    let id = hs.connection_id();
    let server_version = hs.server_version_str().into_owned();
    let mut secure = socket;
    if let Some(tls) = &opts.tls {
        if server_caps.contains(CapabilityFlags::CLIENT_SSL) {
            caps |= CapabilityFlags::CLIENT_SSL;
            io = start_tls(io, tls, caps).await?;
            secure = true;
        } else if tls.required {
            return Err(WireError::NoTls);
        }
    }
    let data = auth::answer(&plugin, opts.password.as_deref(), &nonce)?;
    let response = HandshakeResponse::new(
        Some(data.as_slice()),
        version,
        opts.user.as_deref().map(str::as_bytes),
        opts.database.as_deref().map(str::as_bytes),
        Some(plugin.clone()),
        caps,
        None,
        MAX_PACKET,
    );
    let mut out = Vec::new();
    response.serialize(&mut out);
    io.queue(&out);
    io.flush().await?;
    auth::finish(&mut io, plugin, nonce, opts.password.as_deref(), Channel { secure }).await?;
    Ok(Conn {
        io,
        caps,
        state: State::Idle,
        id,
        version: server_version,
    })
}

/// The SSLRequest, then the TLS handshake on the same socket.
async fn start_tls(mut io: PacketIo, tls: &Tls, caps: CapabilityFlags) -> Result<PacketIo, WireError> {
    let mut out = Vec::new();
    SslRequest::new(caps, MAX_PACKET, UTF8MB4_GENERAL_CI).serialize(&mut out);
    io.queue(&out);
    io.flush().await?;
    if io.buffered() {
        // Bytes sent before TLS could be a downgrade attempt.
        return Err(WireError::Protocol("data before the TLS handshake".into()));
    }
    let seq = io.seq;
    let Transport::Tcp(tcp) = io.into_transport() else {
        return Err(WireError::Protocol("TLS over a non-TCP stream".into()));
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::clone(&tls.config));
    let stream = connector.connect(tls.name.clone(), tcp).await.map_err(WireError::Io)?;
    let mut io = PacketIo::new(Transport::Tls(Box::new(stream)));
    io.seq = seq;
    Ok(io)
}

impl Conn {
    /// The server's thread id of this connection (what `KILL` names).
    pub(in crate::db::mysql) fn id(&self) -> u32 {
        self.id
    }

    /// The server's version string, as its greeting gave it (MariaDB
    /// before 11 prefixes `5.5.5-`).
    pub(in crate::db::mysql) fn server_version(&self) -> &str {
        &self.version
    }

    /// Whether the connection can no longer be used.
    pub(in crate::db::mysql) fn is_broken(&self) -> bool {
        matches!(self.state, State::Broken)
    }

    /// Say goodbye (best effort) and close.
    pub(in crate::db::mysql) async fn quit(mut self) {
        self.io.queue_command(&[0x01]);
        let _ = self.io.flush().await;
        // Said; `Drop` must not say it again.
        self.state = State::Broken;
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // Mid-reply the server could not read a goodbye before its own
        // write fails; only an idle connection gets one.
        if self.state == State::Idle {
            self.io.quit_now();
        }
    }
}
