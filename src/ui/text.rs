//! Width-aware text helpers: truncate and pad by display cells so wide
//! characters align, and never draw outside a rect.

use ratatui::buffer::Buffer;
use ratatui::style::Style;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Truncate `s` to at most `width` cells (ending with `…` when cut) and pad with spaces.
pub fn fit(s: &str, width: usize, right_align: bool) -> String {
    let w = s.width();
    if w <= width {
        let pad = " ".repeat(width - w);
        return if right_align {
            format!("{pad}{s}")
        } else {
            format!("{s}{pad}")
        };
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw > width - 1 {
            break;
        }
        out.push(c);
        used += cw;
    }
    out.push('…');
    used += 1;
    out.push_str(&" ".repeat(width.saturating_sub(used)));
    out
}

/// Write `s` at (x, y) clipped to `max` cells and to the buffer.
pub fn put(buf: &mut Buffer, x: u16, y: u16, s: &str, max: u16, style: Style) -> u16 {
    let area = buf.area;
    if y < area.y || y >= area.y + area.height || x < area.x || x >= area.x + area.width {
        return x;
    }
    let room = (area.x + area.width - x).min(max);
    buf.set_stringn(x, y, s, usize::from(room), style).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_counts_cells_not_bytes() {
        assert_eq!(fit("abc", 5, false), "abc  ");
        assert_eq!(fit("abc", 5, true), "  abc");
        assert_eq!(fit("漢字漢字", 5, false), "漢字…");
        // A wide character never straddles the edge: pad instead.
        assert_eq!(fit("漢字漢字", 6, false), "漢字… ");
        assert_eq!(fit("漢字漢字", 6, false).width(), 6);
        assert_eq!(fit("abcdef", 4, false), "abc…");
        assert_eq!(fit("x", 0, false), "");
    }
}
