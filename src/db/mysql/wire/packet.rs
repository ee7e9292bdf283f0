//! Packets over a byte stream: the 4-byte header (length, sequence id),
//! payloads split at 16 MiB, and one read buffer that rows are parsed from
//! in place.

use super::WireError;
use bytes::{Buf, BytesMut};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpStream, UnixStream};
use tokio_rustls::client::TlsStream;

/// A payload of this length continues in the next packet.
const MAX_CHUNK: usize = 0xFF_FFFF;
/// Read buffer growth: large enough that a stream of small rows costs one
/// system call per buffer, not per row.
const READ_CHUNK: usize = 256 * 1024;
/// A read buffer grown past this for one packet is replaced by a small one
/// once it is empty.
const SHRINK_ABOVE: usize = 8 * 1024 * 1024;
/// While a large result streams in, the socket wakes the reader only once
/// this much is queued (see `lowat`).
const LOW_WATER: usize = 64 * 1024;
/// How long a bulk read waits before taking the bytes below the mark.
const TAIL_WAIT: std::time::Duration = std::time::Duration::from_millis(1);

/// The byte stream under the protocol.
pub(super) enum Transport {
    Tcp(TcpStream),
    Unix(UnixStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Transport {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Transport::Unix(s) => Pin::new(s).poll_read(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Unix(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_flush(cx),
            Transport::Unix(s) => Pin::new(s).poll_flush(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Unix(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Packets in and out of one connection.
///
/// Reading is cancel-safe: bytes read but not yet consumed stay in the
/// buffer, and a packet is consumed only when its payload is handed out
/// (a payload split over several packets only once all of them are in),
/// so a dropped read loses nothing.
pub(super) struct PacketIo {
    pub(super) io: Transport,
    buf: BytesMut,
    /// Bytes of `buf` handed out last, consumed at the next read.
    pending: usize,
    /// A payload assembled from several packets (16 MiB and more), and
    /// whether it is the one handed out last.
    big: Vec<u8>,
    handed_big: bool,
    /// Sequence id of the next packet, either way.
    pub(super) seq: u8,
    out: Vec<u8>,
    /// The socket's low-water mark is raised (only inside `fill_bulk`; any
    /// other wait lowers it first).
    low_water: bool,
    /// `buf` was grown past `SHRINK_ABOVE`.
    grown: bool,
}

fn len_at(buf: &[u8], at: usize) -> Option<usize> {
    let h = buf.get(at..at + 4)?;
    Some(usize::from(h[0]) | usize::from(h[1]) << 8 | usize::from(h[2]) << 16)
}

/// Bytes of the first whole payload's packets in `buf` (headers
/// included), or at least how many more bytes it needs.
fn extent(buf: &[u8]) -> Result<usize, usize> {
    let mut at = 0;
    loop {
        let Some(len) = len_at(buf, at) else {
            return Err(at + 4 - buf.len());
        };
        if buf.len() < at + 4 + len {
            return Err(at + 4 + len - buf.len());
        }
        at += 4 + len;
        if len < MAX_CHUNK {
            return Ok(at);
        }
    }
}

impl PacketIo {
    pub(super) fn new(io: Transport) -> Self {
        PacketIo {
            io,
            buf: BytesMut::with_capacity(READ_CHUNK),
            pending: 0,
            big: Vec::new(),
            handed_big: false,
            seq: 0,
            out: Vec::new(),
            low_water: false,
            grown: false,
        }
    }

    /// The byte stream (to start TLS on it).
    pub(super) fn into_transport(self) -> Transport {
        self.io
    }

    fn release(&mut self) {
        if self.pending > 0 {
            self.buf.advance(self.pending);
            self.pending = 0;
        }
        if self.handed_big {
            self.handed_big = false;
            self.big = Vec::new();
        }
        // A huge packet grew the buffer; do not keep that memory for the
        // rest of the session once it is consumed.
        if self.grown && self.buf.is_empty() {
            self.buf = BytesMut::with_capacity(READ_CHUNK);
            self.grown = false;
        }
    }

    fn check_seq(&mut self, got: u8) -> Result<(), WireError> {
        if got != self.seq {
            return Err(WireError::Protocol(format!(
                "packet out of order (sequence {got}, expected {})",
                self.seq
            )));
        }
        self.seq = self.seq.wrapping_add(1);
        Ok(())
    }

    /// The next payload if it is already buffered (no I/O). `Ok(None)`:
    /// more bytes are needed (see [`PacketIo::fill`]).
    pub(super) fn try_next(&mut self) -> Result<Option<&[u8]>, WireError> {
        self.release();
        let Ok(end) = extent(&self.buf) else {
            return Ok(None);
        };
        if end - 4 < MAX_CHUNK {
            self.check_seq(self.buf[3])?;
            self.pending = end;
            return Ok(Some(&self.buf[4..end]));
        }
        // A payload of 16 MiB or more, all of it buffered: join its parts.
        let mut big = Vec::with_capacity(end);
        let mut at = 0;
        while at < end {
            let len = len_at(&self.buf, at).unwrap_or(0);
            self.check_seq(self.buf[at + 3])?;
            big.extend_from_slice(&self.buf[at + 4..at + 4 + len]);
            at += 4 + len;
        }
        self.buf.advance(end);
        self.big = big;
        self.handed_big = true;
        Ok(Some(&self.big))
    }

    /// The payload handed out last.
    pub(super) fn last(&self) -> &[u8] {
        if self.handed_big {
            &self.big
        } else {
            self.buf.get(4..self.pending).unwrap_or_default()
        }
    }

    /// Room for at least `need` more bytes (and never less than a quarter
    /// of a read chunk).
    fn make_room(&mut self, need: usize) {
        let spare = self.buf.capacity() - self.buf.len();
        if spare < need.max(READ_CHUNK / 4) {
            let want = need.max(READ_CHUNK);
            self.grown |= self.buf.len() + want > SHRINK_ABOVE;
            self.buf.reserve(want);
        }
    }

    /// Read from the stream until a whole payload is buffered (cancel-safe).
    pub(super) async fn fill(&mut self) -> Result<(), WireError> {
        self.lower_water();
        self.release();
        while let Err(need) = extent(&self.buf) {
            self.make_room(need);
            match self.io.read_buf(&mut self.buf).await {
                Ok(0) => return Err(WireError::Closed),
                Ok(_) => {}
                Err(e) => return Err(WireError::Io(e)),
            }
        }
        Ok(())
    }

    fn lower_water(&mut self) {
        if self.low_water {
            self.low_water = false;
            if let Transport::Tcp(tcp) = &self.io {
                let _ = super::lowat::set(tcp, 1);
            }
        }
    }

    /// [`PacketIo::fill`] for a large result on plain TCP: the socket wakes
    /// the reader only once `LOW_WATER` bytes are queued, and bytes below
    /// the mark are taken after `TAIL_WAIT`. `Ok(false)`: the server sent
    /// nothing for that long (it is slow, not streaming), so the caller
    /// should wait with `fill` instead. Cancel-safe.
    pub(super) async fn fill_bulk(&mut self) -> Result<bool, WireError> {
        if !matches!(self.io, Transport::Tcp(_)) {
            self.fill().await?;
            return Ok(true);
        }
        self.release();
        if !self.low_water
            && let Transport::Tcp(tcp) = &self.io
            && super::lowat::set(tcp, LOW_WATER).is_ok()
        {
            self.low_water = true;
        }
        while let Err(need) = extent(&self.buf) {
            self.make_room(need);
            match tokio::time::timeout(TAIL_WAIT, self.io.read_buf(&mut self.buf)).await {
                Ok(Ok(0)) => return Err(WireError::Closed),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return Err(WireError::Io(e)),
                Err(_) => {
                    if !self.read_now()? {
                        return Ok(false);
                    }
                }
            }
        }
        Ok(true)
    }

    /// Take what the socket holds now, below the low-water mark too.
    fn read_now(&mut self) -> Result<bool, WireError> {
        let Transport::Tcp(tcp) = &self.io else {
            return Ok(false);
        };
        let at = self.buf.len();
        self.buf.resize(at + LOW_WATER, 0);
        let got = super::lowat::read_now(tcp, &mut self.buf[at..]);
        let n = match got {
            Ok(Some(n)) => n,
            Ok(None) => 0,
            Err(e) => {
                self.buf.truncate(at);
                return Err(WireError::Io(e));
            }
        };
        self.buf.truncate(at + n);
        match got {
            Ok(Some(0)) => Err(WireError::Closed),
            _ => Ok(n > 0),
        }
    }

    /// The next payload, reading from the stream as needed.
    pub(super) async fn next(&mut self) -> Result<&[u8], WireError> {
        self.fill().await?;
        match self.try_next()? {
            Some(p) => Ok(p),
            None => Err(WireError::Protocol("packet vanished from the buffer".into())),
        }
    }

    /// Queue one payload (split as needed) with the running sequence ids.
    pub(super) fn queue(&mut self, payload: &[u8]) {
        let mut rest = payload;
        loop {
            let n = rest.len().min(MAX_CHUNK);
            let len = u32::try_from(n).unwrap_or(0).to_le_bytes();
            self.out.extend_from_slice(&[len[0], len[1], len[2], self.seq]);
            self.seq = self.seq.wrapping_add(1);
            self.out.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
            if n < MAX_CHUNK {
                break;
            }
        }
    }

    /// Queue a command: sequence ids start again at 0.
    pub(super) fn queue_command(&mut self, payload: &[u8]) {
        self.seq = 0;
        self.queue(payload);
    }

    /// Write what is queued.
    pub(super) async fn flush(&mut self) -> Result<(), WireError> {
        let out = std::mem::take(&mut self.out);
        let result = self.io.write_all(&out).await;
        self.out = out;
        self.out.clear();
        result.map_err(WireError::Io)?;
        self.io.flush().await.map_err(WireError::Io)
    }

    /// `COM_QUIT` written without waiting (from `Drop`), so the server sees
    /// a client that said goodbye, not an aborted connection (which counts
    /// in `Aborted_clients` and may be logged). Best effort: a socket that
    /// cannot take the bytes at once is closed without them.
    pub(super) fn quit_now(&mut self) {
        const QUIT: [u8; 5] = [1, 0, 0, 0, 0x01];
        match &mut self.io {
            Transport::Tcp(s) => {
                let _ = s.try_write(&QUIT);
            }
            Transport::Unix(s) => {
                let _ = s.try_write(&QUIT);
            }
            Transport::Tls(s) => {
                let (tcp, tls) = s.get_mut();
                if std::io::Write::write_all(&mut tls.writer(), &QUIT).is_err() {
                    return;
                }
                tls.send_close_notify();
                let mut out = TryWrite(tcp);
                while tls.wants_write() {
                    match tls.write_tls(&mut out) {
                        Ok(n) if n > 0 => {}
                        _ => break,
                    }
                }
            }
        }
    }

    /// Whether bytes wait in the read buffer (none may when TLS starts).
    pub(super) fn buffered(&self) -> bool {
        self.buf.len() > self.pending
    }
}

/// A socket as a `std::io::Write` that never waits (for `quit_now`).
struct TryWrite<'a>(&'a TcpStream);

impl std::io::Write for TryWrite<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.try_write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
