//! Make untrusted text safe to draw: control characters and escape
//! sequences become visible symbols, never reach the terminal.

/// Replace control characters with visible stand-ins. ESC becomes `␛`,
/// C0 controls become their Unicode "control picture" (U+2400 block),
/// DEL becomes `␡`, C1 controls and bidi overrides become `�`.
/// Newlines and tabs become `↵` and `→` so one value stays on one line.
pub fn sanitize(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        out.push(visible(c));
    }
    std::borrow::Cow::Owned(out)
}

/// Like `sanitize` but keeps newlines, for multi-line viewers (cell
/// inspector, error panes).
pub fn sanitize_multiline(s: &str) -> String {
    s.split('\n')
        .map(|line| sanitize(line.strip_suffix('\r').unwrap_or(line)).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `println!` for a line that holds text from a database, a backup or a
/// file: control characters are shown as symbols, never sent to the
/// terminal (newlines kept).
#[macro_export]
macro_rules! clean_println {
    ($($arg:tt)*) => {
        println!("{}", $crate::sanitize::sanitize_multiline(&format!($($arg)*)))
    };
}

/// [`clean_println!`] for standard error.
#[macro_export]
macro_rules! clean_eprintln {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::sanitize::sanitize_multiline(&format!($($arg)*)))
    };
}

/// A byte stream bound for a terminal (CSV or TSV on stdout): control
/// characters become visible symbols as in [`sanitize`], except newline,
/// tab and the CR of a CR-LF, so the layout survives and nothing the data
/// holds can move the cursor, retitle the window or write the clipboard.
/// To a file or a pipe, write the bytes unchanged instead.
pub struct TerminalSafe<W: std::io::Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: std::io::Write> TerminalSafe<W> {
    /// Over `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            pending: Vec::new(),
        }
    }

    /// Escape and write what is complete; keep a trailing partial UTF-8
    /// sequence or CR for the next write (`last`: nothing more will come).
    fn drain(&mut self, last: bool) -> std::io::Result<()> {
        let mut out = String::with_capacity(self.pending.len());
        let mut i = 0;
        let bytes = std::mem::take(&mut self.pending);
        while i < bytes.len() {
            match std::str::from_utf8(&bytes[i..]) {
                Ok(text) => {
                    i += push_terminal_safe(text, &mut out, last);
                    break;
                }
                Err(e) => {
                    let good = e.valid_up_to();
                    let text = std::str::from_utf8(&bytes[i..i + good]).unwrap_or("");
                    let used = push_terminal_safe(text, &mut out, true);
                    i += used;
                    if used < good {
                        break;
                    }
                    match e.error_len() {
                        Some(n) => {
                            out.push('\u{FFFD}');
                            i += n;
                        }
                        None if last => {
                            out.push('\u{FFFD}');
                            i = bytes.len();
                        }
                        None => break,
                    }
                }
            }
        }
        self.pending = bytes[i..].to_vec();
        self.inner.write_all(out.as_bytes())
    }
}

/// Append `text` escaped; returns the bytes used (a final CR waits for its
/// LF unless `last`).
fn push_terminal_safe(text: &str, out: &mut String, last: bool) -> usize {
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' => match chars.peek() {
                Some((_, '\n')) => out.push('\r'),
                None if !last => return i,
                _ => out.push(visible(c)),
            },
            c if needs_escape(c) => out.push(visible(c)),
            c => out.push(c),
        }
    }
    text.len()
}

impl<W: std::io::Write> std::io::Write for TerminalSafe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        self.drain(false)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.drain(false)?;
        self.inner.flush()
    }
}

impl<W: std::io::Write> Drop for TerminalSafe<W> {
    fn drop(&mut self) {
        // Never panics: errors on the way out are the writer's last word.
        let _ = self.drain(true);
        let _ = self.inner.flush();
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

fn visible(c: char) -> char {
    match c {
        '\n' => '↵',
        '\t' => '→',
        '\x1b' => '␛',
        '\x7f' => '␡',
        c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('�'),
        c if c.is_control() || is_bidi_control(c) => '�',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_visible() {
        assert_eq!(sanitize("\x1b[31mred\x1b[0m"), "␛[31mred␛[0m");
        assert_eq!(sanitize("a\nb\tc\r"), "a↵b→c␍");
        assert_eq!(sanitize("\u{9b}31m"), "�31m");
        assert_eq!(sanitize("plain ünïcode 漢字"), "plain ünïcode 漢字");
        assert_eq!(sanitize("\u{202E}evil"), "�evil");
        assert_eq!(sanitize_multiline("a\r\n\x07b"), "a\n␇b");
    }

    #[test]
    fn terminal_safe_stream_keeps_layout_and_escapes_the_rest() {
        use std::io::Write;
        let mut out = Vec::new();
        {
            let mut w = TerminalSafe::new(&mut out);
            // Split inside a multibyte character and between CR and LF.
            let data = "a\x1b]52;c;x\x07,é\tb\r".as_bytes();
            let (x, y) = data.split_at(data.len() - 3);
            w.write_all(x).unwrap();
            w.write_all(y).unwrap();
            w.write_all(b"\nnext\rover\n\xff").unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a␛]52;c;x␇,é\tb\r\nnext␍over\n\u{FFFD}"
        );
    }
}
