//! Column widths fitted to the screen and to the content: when every column
//! fits at its natural width it gets it; otherwise wide columns are cut to
//! one common level so narrow ones stay whole, never below a readable
//! minimum (the rest scrolls). Widths the user set win.

use std::collections::HashMap;
use unicode_width::UnicodeWidthChar;

/// A column is never cut below this many cells by fitting (only by the user).
pub const MIN_FIT: usize = 40;
/// Narrowest a user can make a column.
pub const MIN_MANUAL: usize = 3;

/// Widths for columns whose natural widths are `natural`, in `avail` cells
/// (each column also takes one cell of separator).
pub fn fit(natural: &[usize], manual: &HashMap<usize, usize>, avail: usize) -> Vec<usize> {
    let auto: Vec<usize> = natural
        .iter()
        .enumerate()
        .filter(|(i, _)| !manual.contains_key(i))
        .map(|(_, w)| *w)
        .collect();
    let fixed: usize = manual
        .iter()
        .filter(|(i, _)| **i < natural.len())
        .map(|(_, w)| w + 1)
        .sum();
    let room = avail.saturating_sub(fixed + auto.len());
    let level = water_level(&auto, room).max(MIN_FIT.min(avail.saturating_sub(1)).max(1));
    natural
        .iter()
        .enumerate()
        .map(|(i, w)| match manual.get(&i) {
            Some(m) => *m,
            None => (*w).min(level).max(1),
        })
        .collect()
}

/// The largest cut `c` with `sum(min(w, c)) <= room`.
fn water_level(widths: &[usize], room: usize) -> usize {
    let max = widths.iter().copied().max().unwrap_or(0);
    if widths.iter().sum::<usize>() <= room {
        return max;
    }
    let (mut lo, mut hi) = (0usize, max);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if widths.iter().map(|w| (*w).min(mid)).sum::<usize>() <= room {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// Lines `text` takes when wrapped at `width` cells.
pub fn wrapped_lines(text: &str, width: usize) -> usize {
    wrap(text, width).len()
}

/// `text` cut into lines of at most `width` cells.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut w = 0;
    for c in text.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw > width && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
            w = 0;
        }
        cur.push(c);
        w += cw;
    }
    out.push(cur);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_fits_at_natural_width_when_it_can() {
        let none = HashMap::new();
        assert_eq!(fit(&[4, 120, 6], &none, 200), vec![4, 120, 6]);
        // One wide column among narrow ones takes what is left.
        assert_eq!(fit(&[4, 300, 6], &none, 100), vec![4, 87, 6]);
        // Too many columns: wide ones cut at the minimum, the rest scrolls.
        let ws = fit(&[100; 10], &none, 80);
        assert!(ws.iter().all(|w| *w == MIN_FIT), "{ws:?}");
        // A tiny screen still shows something.
        assert_eq!(fit(&[100], &none, 5), vec![4]);
        let mut m = HashMap::new();
        m.insert(1, 10);
        assert_eq!(fit(&[4, 300, 6], &m, 100), vec![4, 10, 6]);
    }

    #[test]
    fn wrapping_counts_cells() {
        assert_eq!(wrap("abcdef", 4), vec!["abcd", "ef"]);
        assert_eq!(wrap("漢字漢字", 3), vec!["漢", "字", "漢", "字"]);
        assert_eq!(wrapped_lines("", 5), 1);
    }
}
