//! Themes: TOML files of semantic slots. Components ask for `Slot::Null`
//! or `Slot::TagProd`, never for a raw colour, so a 16-colour theme for SSH
//! is one file.

use crate::store::connections::Tag;
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::HashMap;
use thiserror::Error;

/// The embedded dark theme (truecolor).
pub const DARK: &str = include_str!("../../themes/dark.toml");
/// The embedded light theme (truecolor).
pub const LIGHT: &str = include_str!("../../themes/light.toml");
/// The embedded 16-colour theme for terminals without truecolor.
pub const BASIC16: &str = include_str!("../../themes/basic16.toml");

macro_rules! slots {
    ($( $(#[$doc:meta])* $v:ident = $n:literal, )*) => {
        /// A semantic style slot.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Slot { $( $(#[$doc])* $v, )* }
        impl Slot {
            /// Every slot.
            pub const ALL: &'static [Slot] = &[ $( Slot::$v, )* ];
            /// Name in theme files.
            pub fn name(self) -> &'static str { match self { $( Slot::$v => $n, )* } }
        }
    };
}

slots! {
    /// Ordinary text and the screen background.
    Text = "text",
    /// Secondary text: hints, counts, line numbers.
    Muted = "muted",
    /// Pane borders.
    Border = "border",
    /// Border of the focused pane.
    BorderFocused = "border_focused",
    /// Pane titles.
    Title = "title",
    /// The selected item / cell.
    Selection = "selection",
    /// The row or line holding the cursor.
    CursorLine = "cursor_line",
    /// The editor cursor.
    Cursor = "cursor",
    /// Grid column headers.
    Header = "header",
    /// SQL NULL in the grid.
    Null = "null",
    /// Numbers in the grid and the editor.
    Number = "number",
    /// SQL keywords.
    Keyword = "keyword",
    /// String literals.
    String = "string",
    /// Comments.
    Comment = "comment",
    /// Function names.
    Function = "function",
    /// Operators and punctuation.
    Operator = "operator",
    /// The status line.
    Status = "status",
    /// Read-only badge.
    BadgeRo = "badge_ro",
    /// Read-write badge.
    BadgeRw = "badge_rw",
    /// prod tag: must stand out.
    TagProd = "tag_prod",
    /// stage tag.
    TagStage = "tag_stage",
    /// dev tag.
    TagDev = "tag_dev",
    /// Errors.
    Error = "error",
    /// Warnings and confirmations.
    Warning = "warning",
    /// Success / informational messages.
    Info = "info",
    /// Text matching a filter.
    Match = "match",
    /// Popups and overlays.
    Popup = "popup",
    /// Tree node kinds (tables, views, ...).
    TreeKind = "tree_kind",
    /// Primary/foreign key markers.
    KeyMarker = "key_marker",
    /// First chart series.
    Series1 = "series_1",
    /// Second chart series.
    Series2 = "series_2",
    /// Third chart series.
    Series3 = "series_3",
    /// Fourth chart series.
    Series4 = "series_4",
    /// Fifth chart series.
    Series5 = "series_5",
    /// Sixth chart series.
    Series6 = "series_6",
    /// The chart's cursor line.
    ChartCursor = "chart_cursor",
    /// A grid cell with a staged new value.
    EditChanged = "edit_changed",
    /// A grid row marked for deletion.
    EditDeleted = "edit_deleted",
    /// A staged new row in the grid (its cells not set yet show the defaults).
    EditNew = "edit_new",
}

/// A theme that could not be loaded.
#[derive(Debug, Error)]
pub enum ThemeError {
    /// Bad TOML or a bad colour.
    #[error("theme '{name}': {message}")]
    Invalid {
        /// Theme name or file.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// `ui.theme` names no theme.
    #[error(
        "unknown theme '{0}': use auto, dark, light, basic16, or put NAME.toml in .dbnexus/themes/ or $XDG_CONFIG_HOME/dbn/themes/"
    )]
    Unknown(String),
}

impl crate::error::Coded for ThemeError {
    fn code(&self) -> &'static str {
        "THEME_INVALID"
    }

    fn exit(&self) -> crate::error::ExitStatus {
        crate::error::ExitStatus::Usage
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    #[allow(dead_code)]
    name: String,
    slots: HashMap<String, RawStyle>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStyle {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reversed: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    crossed_out: bool,
}

/// A resolved theme.
#[derive(Debug, Clone)]
pub struct Theme {
    /// Theme name.
    pub name: String,
    styles: HashMap<Slot, Style>,
}

impl Theme {
    /// Parse a theme from TOML text.
    pub fn parse(name: &str, text: &str) -> Result<Theme, ThemeError> {
        let bad = |message: String| ThemeError::Invalid {
            name: name.to_string(),
            message,
        };
        let raw: RawTheme = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let mut styles = HashMap::new();
        for (k, v) in raw.slots {
            let slot = Slot::ALL
                .iter()
                .find(|s| s.name() == k)
                .ok_or_else(|| bad(format!("unknown slot '{k}'")))?;
            let mut st = Style::default();
            if let Some(fg) = &v.fg {
                st = st.fg(parse_color(fg).map_err(&bad)?);
            }
            if let Some(bg) = &v.bg {
                st = st.bg(parse_color(bg).map_err(&bad)?);
            }
            for (on, m) in [
                (v.bold, Modifier::BOLD),
                (v.italic, Modifier::ITALIC),
                (v.underline, Modifier::UNDERLINED),
                (v.reversed, Modifier::REVERSED),
                (v.dim, Modifier::DIM),
                (v.crossed_out, Modifier::CROSSED_OUT),
            ] {
                if on {
                    st = st.add_modifier(m);
                }
            }
            styles.insert(*slot, st);
        }
        Ok(Theme {
            name: name.to_string(),
            styles,
        })
    }

    /// An embedded theme by name; `auto` picks from the terminal's colour support.
    pub fn named(name: &str) -> Result<Theme, ThemeError> {
        match name {
            "auto" | "" => Theme::named(auto_theme()),
            "dark" => Theme::parse("dark", DARK),
            "light" => Theme::parse("light", LIGHT),
            "basic16" => Theme::parse("basic16", BASIC16),
            other => Err(ThemeError::Unknown(other.to_string())),
        }
    }

    /// A theme by name: an embedded one, or `NAME.toml` in one of `dirs`, or a path to a `.toml` file.
    pub fn load(name: &str, dirs: &[std::path::PathBuf]) -> Result<Theme, ThemeError> {
        match Theme::named(name) {
            Err(ThemeError::Unknown(_)) => {}
            other => return other,
        }
        let direct = std::path::PathBuf::from(name);
        let candidates = std::iter::once(direct.clone())
            .filter(|_| name.ends_with(".toml"))
            .chain(dirs.iter().map(|d| d.join(format!("{name}.toml"))));
        for path in candidates {
            if path.is_file() {
                let text = std::fs::read_to_string(&path).map_err(|e| ThemeError::Invalid {
                    name: path.display().to_string(),
                    message: e.to_string(),
                })?;
                // A user theme overrides slots of the built-in one the terminal suits.
                let own = Theme::parse(&path.display().to_string(), &text)?;
                let mut base = Theme::named(auto_theme())?;
                base.styles.extend(own.styles);
                base.name = own.name;
                return Ok(base);
            }
        }
        Err(ThemeError::Unknown(name.to_string()))
    }

    /// Drop every colour, keep modifiers (NO_COLOR): selection stays visible by reversing.
    pub fn without_color(mut self) -> Theme {
        for st in self.styles.values_mut() {
            st.fg = None;
            st.bg = None;
            st.underline_color = None;
        }
        for slot in [Slot::Selection, Slot::Cursor, Slot::Status, Slot::TagProd] {
            let st = self.styles.entry(slot).or_default();
            *st = st.add_modifier(Modifier::REVERSED);
        }
        self.name.push_str(" (no colour)");
        self
    }

    /// The style of a slot (unset slots are the default style).
    pub fn style(&self, slot: Slot) -> Style {
        self.styles.get(&slot).copied().unwrap_or_default()
    }

    /// The slot of a connection tag's badge.
    pub fn tag_slot(tag: Tag) -> Slot {
        match tag {
            Tag::Prod => Slot::TagProd,
            Tag::Stage => Slot::TagStage,
            Tag::Dev => Slot::TagDev,
        }
    }

    /// The colour that tints a connection's status line, borders and list
    /// rows: its own colour (`connect --color`), else red-ish for prod
    /// (the prod badge's colour), else none. 16-colour themes get the nearest
    /// basic colour; without colour (NO_COLOR) there is none, and callers
    /// mark prod in text and border shape instead.
    pub fn connection_tint(&self, color: Option<&str>, tag: Tag) -> Option<Color> {
        if self.name.ends_with("(no colour)") {
            return None;
        }
        let own = color.and_then(parse_color_name).filter(|c| *c != Color::Reset);
        let c = match own {
            Some(c) => c,
            None if tag == Tag::Prod => {
                let badge = self.style(Slot::TagProd);
                badge.bg.or(badge.fg)?
            }
            None => return None,
        };
        Some(if self.name.starts_with("basic16") {
            nearest_basic(c)
        } else {
            c
        })
    }
}

/// The nearest of the 16 basic terminal colours to an RGB colour.
fn nearest_basic(c: Color) -> Color {
    let Color::Rgb(r, g, b) = c else { return c };
    const BASIC: [(Color, (i32, i32, i32)); 14] = [
        (Color::Black, (0, 0, 0)),
        (Color::Red, (205, 0, 0)),
        (Color::Green, (0, 205, 0)),
        (Color::Yellow, (205, 205, 0)),
        (Color::Blue, (0, 0, 238)),
        (Color::Magenta, (205, 0, 205)),
        (Color::Cyan, (0, 205, 205)),
        (Color::Gray, (229, 229, 229)),
        (Color::DarkGray, (127, 127, 127)),
        (Color::LightRed, (255, 0, 0)),
        (Color::LightGreen, (0, 255, 0)),
        (Color::LightYellow, (255, 255, 0)),
        (Color::LightBlue, (92, 92, 255)),
        (Color::LightMagenta, (255, 0, 255)),
    ];
    let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
    BASIC
        .iter()
        .min_by_key(|(_, (br, bg, bb))| (r - br).pow(2) + (g - bg).pow(2) + (b - bb).pow(2))
        .map(|(c, _)| *c)
        .unwrap_or(c)
}

impl Default for Theme {
    fn default() -> Self {
        Theme::parse("basic16", BASIC16).unwrap_or(Theme {
            name: "empty".into(),
            styles: HashMap::new(),
        })
    }
}

/// dark on truecolor terminals, basic16 elsewhere.
pub fn auto_theme() -> &'static str {
    let ct = std::env::var("COLORTERM").unwrap_or_default().to_ascii_lowercase();
    if ct.contains("truecolor") || ct.contains("24bit") {
        "dark"
    } else {
        "basic16"
    }
}

/// A colour as users write it for a connection (`red`, `lightblue`,
/// `#d70000`, `indexed:N`), or `None` when it is not one.
pub fn parse_color_name(s: &str) -> Option<Color> {
    parse_color(s).ok()
}

fn parse_color(s: &str) -> Result<Color, String> {
    if let Some(hex) = s.strip_prefix('#') {
        let ok = hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit());
        if !ok {
            return Err(format!("bad colour '{s}': use #rrggbb"));
        }
        let v = u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
        return Ok(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
    }
    if let Some(n) = s.strip_prefix("indexed:") {
        return n
            .parse()
            .map(Color::Indexed)
            .map_err(|_| format!("bad colour '{s}': indexed:0-255"));
    }
    s.parse::<Color>()
        .map_err(|_| format!("bad colour '{s}': use #rrggbb, indexed:N or a name like red, lightblue, reset"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_tints() {
        let dark = Theme::named("dark").unwrap();
        assert_eq!(
            dark.connection_tint(Some("#123456"), Tag::Dev),
            Some(Color::Rgb(0x12, 0x34, 0x56))
        );
        assert_eq!(dark.connection_tint(None, Tag::Dev), None);
        assert!(dark.connection_tint(None, Tag::Prod).is_some());
        let basic = Theme::named("basic16").unwrap();
        assert_eq!(basic.connection_tint(Some("#d70000"), Tag::Dev), Some(Color::Red));
        assert_eq!(basic.connection_tint(None, Tag::Prod), Some(Color::Red));
        let none = Theme::named("dark").unwrap().without_color();
        assert_eq!(none.connection_tint(Some("red"), Tag::Prod), None);
    }

    #[test]
    fn embedded_themes_define_every_slot() {
        for name in ["dark", "light", "basic16"] {
            let t = Theme::named(name).unwrap();
            for s in Slot::ALL {
                assert!(t.styles.contains_key(s), "{name} lacks {}", s.name());
            }
        }
    }

    #[test]
    fn basic16_uses_only_16_colours_and_no_color_strips() {
        let t = Theme::named("basic16").unwrap();
        for st in t.styles.values() {
            for c in [st.fg, st.bg].into_iter().flatten() {
                assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{c:?}");
            }
        }
        let n = Theme::named("dark").unwrap().without_color();
        assert!(n.styles.values().all(|s| s.fg.is_none() && s.bg.is_none()));
        assert!(n.style(Slot::Selection).add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn user_theme_files_load_over_the_slots() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "name='mine'\n[slots]\nnull={fg='#ff00ff', italic=true}\n",
        )
        .unwrap();
        let t = Theme::load("mine", &[dir.path().to_path_buf()]).unwrap();
        assert_eq!(t.style(Slot::Null).fg, Some(Color::Rgb(255, 0, 255)));
        assert!(Theme::load("nope", &[dir.path().to_path_buf()]).is_err());
        assert_eq!(Theme::load("light", &[]).unwrap().name, "light");
    }

    #[test]
    fn bad_colour_is_named() {
        let err = Theme::parse("x", "name='x'\n[slots]\ntext={fg='#12'}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("#12"), "{err}");
        assert!(Theme::named("neon").is_err());
    }
}
