//! tracing to `.dbnexus/logs/` with daily rotation; secrets redacted.

use std::io::Write;
use std::path::Path;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Keeps the background log writer alive; drop it at exit to flush.
pub struct LogGuard(#[allow(dead_code)] Option<tracing_appender::non_blocking::WorkerGuard>);

/// Install the file logger. Failure to log is never fatal.
pub fn init(logs_dir: &Path, level: &str, max_files: usize) -> LogGuard {
    // Logs hold statements (redacted) and server messages: owner only.
    crate::fsutil::private_dir(logs_dir);
    let filter = EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("info"));
    let appender = match tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("dbn")
        .filename_suffix("log")
        .max_log_files(max_files.max(1))
        .build(logs_dir)
    {
        Ok(a) => a,
        Err(_) => return LogGuard(None),
    };
    if let Ok(files) = std::fs::read_dir(logs_dir) {
        for f in files.flatten() {
            crate::fsutil::private_file(&f.path());
        }
    }
    // The default queue holds 128,000 lines, allocated up front: about 1.5%
    // of a whole `dbn query` of 1M rows went to faulting it in. A CLI run or
    // a TUI session logs a few lines per statement.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(8192)
        .finish(appender);
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Redacting(writer))
        .finish();
    if tracing::subscriber::set_global_default(subscriber).is_err() {
        return LogGuard(None);
    }
    LogGuard(Some(guard))
}

#[derive(Clone)]
struct Redacting<W>(W);

impl<'a, W: MakeWriter<'a>> MakeWriter<'a> for Redacting<W> {
    type Writer = RedactingWriter<W::Writer>;
    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(self.0.make_writer())
    }
}

/// A writer that masks anything that looks like a password before writing.
pub struct RedactingWriter<W>(W);

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let clean = redact(&text);
        self.0.write_all(clean.as_bytes())?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Mask `user:password@` in URLs and `password=...`/`PASSWORD '...'` forms.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // URL credentials.
    while let Some(pos) = rest.find("://") {
        out.push_str(&rest[..pos + 3]);
        rest = &rest[pos + 3..];
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '/' || c == '"')
            .unwrap_or(rest.len());
        let authority = &rest[..end];
        if let Some(at) = authority.rfind('@')
            && let Some(colon) = authority[..at].find(':')
        {
            out.push_str(&authority[..colon]);
            out.push_str(":***");
            out.push_str(&authority[at..]);
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    redact_keywords(&out)
}

fn redact_keywords(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let keys = ["password=", "password '", "password \"", "identified by '", "pwd="];
    while i < text.len() {
        let hit = keys.iter().find_map(|k| lower[i..].starts_with(k).then_some(k.len()));
        match hit {
            Some(len) => {
                out.push_str(&text[i..i + len]);
                i += len;
                // `password='x'`: the value is quoted after all.
                if matches!(text[i..].chars().next(), Some('\'' | '"')) && text[..i].ends_with('=') {
                    let q = &text[i..i + 1];
                    out.push_str(q);
                    i += 1;
                }
                let quote = text[..i].chars().last().filter(|c| *c == '\'' || *c == '"');
                let stop = text[i..]
                    .find(|c: char| match quote {
                        Some(q) => c == q,
                        None => c.is_whitespace() || c == '&' || c == ';' || c == ',',
                    })
                    .map(|p| i + p)
                    .unwrap_or(text.len());
                out.push_str("***");
                i = stop;
            }
            None => {
                let ch = text[i..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn masks_passwords() {
        assert_eq!(
            redact("url postgres://bob:hunter2@h/db ok"),
            "url postgres://bob:***@h/db ok"
        );
        assert_eq!(redact("host=h password=hunter2 user=x"), "host=h password=*** user=x");
        assert_eq!(
            redact("ALTER USER x WITH PASSWORD 'hunter2' VALID"),
            "ALTER USER x WITH PASSWORD '***' VALID"
        );
        assert_eq!(
            redact("CREATE USER a IDENTIFIED BY 'pw';"),
            "CREATE USER a IDENTIFIED BY '***';"
        );
        assert_eq!(redact("nothing here"), "nothing here");
    }
}
