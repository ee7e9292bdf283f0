//! The login exchange after the handshake response: plugin switches, the
//! `caching_sha2_password` fast and full paths.

use super::WireError;
use super::packet::PacketIo;
use mysql_common::io::ParseBuf;
use mysql_common::packets::{AuthPlugin, AuthSwitchRequest};
use mysql_common::proto::MySerialize;

/// The plugins dbn can answer.
pub(super) fn initial_plugin(server: Option<AuthPlugin<'_>>) -> AuthPlugin<'static> {
    match server {
        Some(AuthPlugin::CachingSha2Password) => AuthPlugin::CachingSha2Password,
        _ => AuthPlugin::MysqlNativePassword,
    }
}

/// The plugin's answer to `nonce`, or why dbn gives none.
pub(super) fn answer(plugin: &AuthPlugin<'_>, pass: Option<&str>, nonce: &[u8]) -> Result<Vec<u8>, WireError> {
    match plugin {
        AuthPlugin::MysqlNativePassword | AuthPlugin::CachingSha2Password => {
            let mut out = Vec::new();
            if let Some(data) = plugin.gen_data(pass, nonce) {
                data.serialize(&mut out);
            }
            Ok(out)
        }
        AuthPlugin::MysqlClearPassword => Err(WireError::Auth(
            "the server asks for the cleartext password plugin (mysql_clear_password), which dbn never answers: use mysql_native_password or caching_sha2_password for this account".into(),
        )),
        AuthPlugin::MysqlOldPassword => Err(old_password()),
        other => Err(WireError::Auth(format!(
            "the account uses the authentication plugin '{}', which dbn does not support: use mysql_native_password or caching_sha2_password",
            String::from_utf8_lossy(other.as_bytes())
        ))),
    }
}

fn old_password() -> WireError {
    WireError::Auth(
        "the account uses the insecure pre-4.1 password hash (mysql_old_password): set a new password on the server"
            .into(),
    )
}

/// Where the password may travel in the clear (full `caching_sha2` auth).
pub(super) struct Channel {
    pub secure: bool,
}

/// Read the server's verdict on the handshake response, answering plugin
/// switches and `caching_sha2_password` requests on the way.
pub(super) async fn finish(
    io: &mut PacketIo,
    mut plugin: AuthPlugin<'static>,
    mut nonce: Vec<u8>,
    pass: Option<&str>,
    channel: Channel,
) -> Result<(), WireError> {
    let mut switched = false;
    let mut awaiting_key = false;
    loop {
        let packet = io.next().await?.to_vec();
        match packet.first() {
            Some(0x00) => return Ok(()),
            Some(0xFF) => return Err(super::reply::server_error(&packet, true)),
            Some(0xFE) if !switched => {
                switched = true;
                if packet.len() == 1 {
                    // The pre-4.1 switch request carries no plugin name.
                    return Err(old_password());
                }
                let request: AuthSwitchRequest<'_> = ParseBuf(&packet)
                    .parse(())
                    .map_err(|e| WireError::parse("authentication switch", &e))?;
                plugin = request.auth_plugin().into_owned();
                nonce = request.plugin_data().to_vec();
                let data = answer(&plugin, pass, &nonce)?;
                io.queue(&data);
                io.flush().await?;
            }
            Some(0x01) if awaiting_key => {
                awaiting_key = false;
                let encrypted = encrypt_password(pass, &nonce, &packet[1..])?;
                io.queue(&encrypted);
                io.flush().await?;
            }
            Some(0x01) if matches!(plugin, AuthPlugin::CachingSha2Password) => match packet.get(1) {
                // Fast path: the server had the password cached; OK follows.
                Some(0x03) => {}
                Some(0x04) if channel.secure => {
                    let mut clear = pass.unwrap_or_default().as_bytes().to_vec();
                    clear.push(0);
                    io.queue(&clear);
                    io.flush().await?;
                }
                Some(0x04) => {
                    // Ask for the server's RSA key to send the password with.
                    awaiting_key = true;
                    io.queue(&[0x02]);
                    io.flush().await?;
                }
                _ => return Err(WireError::Protocol("unknown caching_sha2_password step".into())),
            },
            _ => {
                return Err(WireError::Protocol(format!(
                    "packet 0x{:02x} during login",
                    packet.first().copied().unwrap_or(0)
                )));
            }
        }
    }
}

/// `caching_sha2_password` over plain TCP: the password, NUL-terminated and
/// XOR-ed with the nonce, under the server's RSA key (OAEP).
fn encrypt_password(pass: Option<&str>, nonce: &[u8], pem: &[u8]) -> Result<Vec<u8>, WireError> {
    if nonce.is_empty() {
        return Err(WireError::Protocol("empty nonce".into()));
    }
    let mut clear = pass.unwrap_or_default().as_bytes().to_vec();
    clear.push(0);
    for (i, b) in clear.iter_mut().enumerate() {
        *b ^= nonce[i % nonce.len()];
    }
    // mysql_common panics on a malformed key; a hostile server must not be
    // able to bring dbn down that way.
    std::panic::catch_unwind(|| mysql_common::crypto::encrypt(&clear, pem)).map_err(|_| {
        WireError::Auth(
            "the server sent an unusable RSA public key for caching_sha2_password; connect with TLS (sslmode=require) instead".into(),
        )
    })
}
