//! One key press, parsed from keymap text (`ctrl+enter`, `alt+1`, `G`) and
//! normalized from terminal events so both compare equal.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;

/// A normalized key press.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyPress {
    /// The key.
    pub code: Code,
    /// Ctrl held.
    pub ctrl: bool,
    /// Alt held.
    pub alt: bool,
    /// Shift held (only kept for non-character keys; letters carry case).
    pub shift: bool,
}

/// Keys we can bind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// A printable character.
    Char(char),
    /// Function key.
    F(u8),
    /// Enter / Return.
    Enter,
    /// Escape.
    Esc,
    /// Tab.
    Tab,
    /// Backspace.
    Backspace,
    /// Delete.
    Delete,
    /// Insert.
    Insert,
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
    /// Arrow left.
    Left,
    /// Arrow right.
    Right,
    /// Home.
    Home,
    /// End.
    End,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
}

impl KeyPress {
    /// Normalize a terminal key event; None for keys we never bind.
    pub fn from_event(ev: &KeyEvent) -> Option<KeyPress> {
        let m = ev.modifiers;
        let mut shift = m.contains(KeyModifiers::SHIFT);
        let code = match ev.code {
            KeyCode::Char(c) => {
                // Letters carry their case; Shift is implied by the character. Terminals
                // speaking the kitty protocol send Ctrl+Shift+Z as Shift + 'z'.
                let c = if shift { c.to_ascii_uppercase() } else { c };
                shift = false;
                // Terminals report Ctrl+Space as Ctrl+' ' or as NUL.
                if c == '\0' { Code::Char(' ') } else { Code::Char(c) }
            }
            KeyCode::F(n) => Code::F(n),
            KeyCode::Enter => Code::Enter,
            KeyCode::Esc => Code::Esc,
            KeyCode::Tab => Code::Tab,
            KeyCode::BackTab => {
                shift = true;
                Code::Tab
            }
            KeyCode::Backspace => Code::Backspace,
            KeyCode::Delete => Code::Delete,
            KeyCode::Insert => Code::Insert,
            KeyCode::Up => Code::Up,
            KeyCode::Down => Code::Down,
            KeyCode::Left => Code::Left,
            KeyCode::Right => Code::Right,
            KeyCode::Home => Code::Home,
            KeyCode::End => Code::End,
            KeyCode::PageUp => Code::PageUp,
            KeyCode::PageDown => Code::PageDown,
            _ => return None,
        };
        Some(KeyPress {
            code,
            ctrl: m.contains(KeyModifiers::CONTROL),
            alt: m.contains(KeyModifiers::ALT),
            shift,
        })
    }

    /// A plain key without modifiers.
    pub fn plain(code: Code) -> KeyPress {
        KeyPress {
            code,
            ctrl: false,
            alt: false,
            shift: false,
        }
    }

    /// Parse one key as written in a keymap (`ctrl+d`, `shift+tab`, `f5`, `G`, `?`).
    pub fn parse(text: &str) -> Result<KeyPress, String> {
        if text.is_empty() {
            return Err("an empty key".into());
        }
        let mut k = KeyPress::plain(Code::Esc);
        let mut rest = text;
        // A trailing "+" is the plus key itself ("ctrl++").
        loop {
            let lower = rest.to_ascii_lowercase();
            let (taken, flag) = if lower.starts_with("ctrl+") && rest.len() > 5 {
                (5, 0)
            } else if lower.starts_with("alt+") && rest.len() > 4 {
                (4, 1)
            } else if lower.starts_with("shift+") && rest.len() > 6 {
                (6, 2)
            } else {
                break;
            };
            match flag {
                0 => k.ctrl = true,
                1 => k.alt = true,
                _ => k.shift = true,
            }
            rest = &rest[taken..];
        }
        k.code = parse_code(rest)?;
        if let Code::Char(c) = k.code
            && k.shift
        {
            // "shift+a" means "A"; Shift is not tracked for characters.
            k.code = Code::Char(c.to_ascii_uppercase());
            k.shift = false;
        }
        Ok(k)
    }
}

fn parse_code(s: &str) -> Result<Code, String> {
    let mut chars = s.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Ok(Code::Char(c));
    }
    let lower = s.to_ascii_lowercase();
    let code = match lower.as_str() {
        "enter" | "return" | "cr" => Code::Enter,
        "esc" | "escape" => Code::Esc,
        "tab" => Code::Tab,
        "backtab" => return Ok(Code::Tab),
        "backspace" | "bs" => Code::Backspace,
        "delete" | "del" => Code::Delete,
        "insert" | "ins" => Code::Insert,
        "up" => Code::Up,
        "down" => Code::Down,
        "left" => Code::Left,
        "right" => Code::Right,
        "home" => Code::Home,
        "end" => Code::End,
        "pageup" | "pgup" => Code::PageUp,
        "pagedown" | "pgdn" => Code::PageDown,
        "space" => Code::Char(' '),
        "plus" => Code::Char('+'),
        "minus" => Code::Char('-'),
        f if f.starts_with('f') && f.len() > 1 => {
            let n: u8 = f[1..].parse().map_err(|_| format!("unknown key '{s}'"))?;
            if !(1..=24).contains(&n) {
                return Err(format!("unknown key '{s}': function keys go from f1 to f24"));
            }
            Code::F(n)
        }
        _ => {
            return Err(format!(
                "unknown key '{s}': use a single character or one of enter, esc, tab, backspace, delete, insert, up, down, left, right, home, end, pageup, pagedown, space, f1-f24, with ctrl+/alt+/shift+ prefixes"
            ));
        }
    };
    Ok(code)
}

impl fmt::Display for KeyPress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl+")?;
        }
        if self.alt {
            f.write_str("Alt+")?;
        }
        if self.shift {
            f.write_str("Shift+")?;
        }
        match self.code {
            Code::Char(' ') => f.write_str("Space"),
            // Ctrl+C reads better than Ctrl+c; letters without Ctrl keep their case.
            Code::Char(c) if self.ctrl => write!(f, "{}", c.to_ascii_uppercase()),
            Code::Char(c) => write!(f, "{c}"),
            Code::F(n) => write!(f, "F{n}"),
            Code::Enter => f.write_str("Enter"),
            Code::Esc => f.write_str("Esc"),
            Code::Tab => f.write_str("Tab"),
            Code::Backspace => f.write_str("Backspace"),
            Code::Delete => f.write_str("Delete"),
            Code::Insert => f.write_str("Insert"),
            Code::Up => f.write_str("Up"),
            Code::Down => f.write_str("Down"),
            Code::Left => f.write_str("Left"),
            Code::Right => f.write_str("Right"),
            Code::Home => f.write_str("Home"),
            Code::End => f.write_str("End"),
            Code::PageUp => f.write_str("PgUp"),
            Code::PageDown => f.write_str("PgDn"),
        }
    }
}

/// Parse a chord: keys separated by spaces (`g g`, `ctrl+x ctrl+c`).
pub fn parse_chord(text: &str) -> Result<Vec<KeyPress>, String> {
    let keys: Vec<KeyPress> = text.split_whitespace().map(KeyPress::parse).collect::<Result<_, _>>()?;
    if keys.is_empty() {
        return Err("an empty key".into());
    }
    Ok(keys)
}

/// Text of a chord for help (`g g`).
pub fn chord_text(keys: &[KeyPress]) -> String {
    keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches_events() {
        let k = KeyPress::parse("ctrl+enter").unwrap();
        let ev = KeyEvent::new(KeyCode::Enter, KeyModifiers::CONTROL);
        assert_eq!(KeyPress::from_event(&ev), Some(k));
        let back = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(KeyPress::from_event(&back), Some(KeyPress::parse("shift+tab").unwrap()));
        let g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(KeyPress::from_event(&g), Some(KeyPress::parse("G").unwrap()));
        assert_eq!(KeyPress::parse("shift+g").unwrap(), KeyPress::parse("G").unwrap());
        assert_eq!(KeyPress::parse("F5").unwrap().code, Code::F(5));
        assert!(KeyPress::parse("ctrl+bogus").is_err());
        assert_eq!(parse_chord("g g").unwrap().len(), 2);
        assert_eq!(KeyPress::parse("alt+1").unwrap().to_string(), "Alt+1");
    }
}
