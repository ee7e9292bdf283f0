//! Last-resort handling: no Rust panic message or backtrace reaches a user.

use std::io::Write;

/// Exit code for an internal error (a bug in dbn).
pub const INTERNAL_ERROR: i32 = 70;

/// Install the panic hook. A write to a closed pipe (`dbn ... | head`) that
/// surfaces as a panic in `println!` is a normal exit; anything else prints
/// one line asking for a report and exits 70. The TUI adds terminal
/// restoration in front of this hook.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        if msg.contains("Broken pipe") || msg.contains("failed printing to stdout") {
            std::process::exit(0);
        }
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!("internal error: {msg}{location}");
        let _ = writeln!(
            std::io::stderr(),
            "dbn: internal error: {}{location}. This is a bug; please report it with the command you ran (logs in .dbnexus/logs/)",
            crate::logging::redact(&msg)
        );
        std::process::exit(INTERNAL_ERROR);
    }));
}
