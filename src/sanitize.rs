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
}
