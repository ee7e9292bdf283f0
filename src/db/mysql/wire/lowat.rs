//! Fewer wake-ups while a large result streams in.
//!
//! The server writes a result in 16 KiB pieces. A reader faster than the
//! server drains the socket after every piece and waits again, so the
//! server's thread spends its time waking the reader (about 6% of the
//! server's CPU on a 1M-row read, more than the `mariadb` client costs
//! it). With `SO_RCVLOWAT` raised, the kernel reports the socket readable
//! only once that many bytes are queued; the last bytes of a result, below
//! the mark, are read after a short wait whatever the runtime believes
//! about readiness.

use std::io;
use std::os::fd::AsRawFd;

/// Set the socket's receive low-water mark.
#[allow(unsafe_code)]
pub(super) fn set(sock: &impl AsRawFd, bytes: usize) -> io::Result<()> {
    let value = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    let size = libc::socklen_t::try_from(std::mem::size_of::<libc::c_int>()).unwrap_or(4);
    // SAFETY: `sock` is an open socket borrowed for the whole call, and the
    // option value points at a live `c_int` whose exact size is passed.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVLOWAT,
            (&raw const value).cast(),
            size,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Read what is queued on the socket now, without waiting: `Ok(None)` when
/// nothing is, `Ok(Some(0))` when the peer closed it.
#[allow(unsafe_code)]
pub(super) fn read_now(sock: &impl AsRawFd, buf: &mut [u8]) -> io::Result<Option<usize>> {
    // SAFETY: `buf` is a valid, writable slice of `buf.len()` bytes for the
    // whole call, and `recv` writes at most that many into it.
    let n = unsafe { libc::recv(sock.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
    match usize::try_from(n) {
        Ok(n) => Ok(Some(n)),
        Err(_) => {
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::WouldBlock => Ok(None),
                io::ErrorKind::Interrupted => Ok(None),
                _ => Err(e),
            }
        }
    }
}
