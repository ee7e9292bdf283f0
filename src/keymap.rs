//! Key bindings: TOML files per focus context, merged default < chosen
//! preset < user (XDG) < workspace, resolved through a trie so multi-key
//! chords work with an explicit pending state.

mod action;
mod key;

pub use action::Action;
pub use key::{Code, KeyPress, chord_text, parse_chord};

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use thiserror::Error;
use toml::Spanned;

/// The embedded default keymap.
pub const DEFAULT: &str = include_str!("../keymaps/default.toml");
/// The embedded vim preset (layered over the default).
pub const VIM: &str = include_str!("../keymaps/vim.toml");
/// The embedded emacs preset (layered over the default).
pub const EMACS: &str = include_str!("../keymaps/emacs.toml");

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Everywhere unless a pane binds the key itself.
    Global,
    /// The SQL editor (unbound keys are typed).
    Editor,
    /// The result grid.
    Grid,
    /// The schema tree.
    Tree,
}

impl Context {
    /// Every context, in help order.
    pub const ALL: [Context; 4] = [Context::Global, Context::Editor, Context::Grid, Context::Tree];

    /// Section name in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Editor => "editor",
            Context::Grid => "grid",
            Context::Tree => "tree",
        }
    }

    fn parse(s: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == s)
    }
}

/// A keymap file that could not be used.
#[derive(Debug, Error)]
pub enum KeymapError {
    /// A section, key or action is wrong.
    #[error("keymap '{file}' line {line}: {message}")]
    Invalid {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The file could not be read.
    #[error("cannot read keymap '{file}': {source}")]
    Io {
        /// File name.
        file: String,
        /// Cause.
        source: std::io::Error,
    },
    /// `ui.keymap` names no preset.
    #[error("unknown keymap preset '{0}': use default, vim or emacs")]
    UnknownPreset(String),
}

impl crate::error::Coded for KeymapError {
    fn code(&self) -> &'static str {
        "KEYMAP_INVALID"
    }

    fn exit(&self) -> crate::error::ExitStatus {
        crate::error::ExitStatus::Usage
    }
}

#[derive(Debug, Default, Clone)]
struct Node {
    action: Option<Action>,
    children: HashMap<KeyPress, Node>,
}

/// The result of feeding a key to the keymap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// A complete binding.
    Action(Action),
    /// The keys so far start a chord; wait for more.
    Pending,
    /// Not bound; the pending keys (including this one) are returned.
    Unbound(Vec<KeyPress>),
}

/// Bindings per context plus the chord in progress.
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    bindings: BTreeMap<Context, BTreeMap<Vec<KeyPress>, Action>>,
    tries: HashMap<Context, Node>,
    pending: Vec<KeyPress>,
    /// Name of the preset in use.
    pub preset: String,
}

type RawFile = BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<String>>>;

impl Keymap {
    /// The keymap for a preset name with user overrides from `extra` files (missing files are skipped).
    pub fn load(preset: &str, extra: &[PathBuf]) -> Result<Keymap, KeymapError> {
        let mut km = Keymap {
            preset: preset.to_string(),
            ..Keymap::default()
        };
        km.apply("keymaps/default.toml", DEFAULT)?;
        match preset {
            "default" | "" => {}
            "vim" => km.apply("keymaps/vim.toml", VIM)?,
            "emacs" => km.apply("keymaps/emacs.toml", EMACS)?,
            other => return Err(KeymapError::UnknownPreset(other.to_string())),
        }
        for path in extra.iter().filter(|p| p.is_file()) {
            let text = std::fs::read_to_string(path).map_err(|source| KeymapError::Io {
                file: path.display().to_string(),
                source,
            })?;
            km.apply(&path.display().to_string(), &text)?;
        }
        km.rebuild();
        Ok(km)
    }

    /// User override files: `$XDG_CONFIG_HOME/dbn/keymap.toml` then `<workspace>/.dbnexus/keymap.toml`.
    pub fn override_paths(workspace_data_dir: Option<&Path>) -> Vec<PathBuf> {
        let mut v = Vec::new();
        if let Some(d) = crate::config::user_config_dir() {
            v.push(d.join("keymap.toml"));
        }
        if let Some(d) = workspace_data_dir {
            v.push(d.join("keymap.toml"));
        }
        v
    }

    /// Merge one TOML keymap text over the current bindings.
    pub fn apply(&mut self, file: &str, text: &str) -> Result<(), KeymapError> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let raw: RawFile = toml::from_str(text).map_err(|e| KeymapError::Invalid {
            file: file.to_string(),
            line: e.span().map(|s| line_of(s.start)).unwrap_or(1),
            message: format!(
                "{} (expected sections like [editor] with lines \"ctrl+enter\" = \"run_statement\")",
                e.message()
            ),
        })?;
        for (section, entries) in raw {
            let ctx = Context::parse(section.get_ref()).ok_or_else(|| KeymapError::Invalid {
                file: file.to_string(),
                line: line_of(section.span().start),
                message: format!(
                    "unknown section '{}': use global, editor, grid or tree",
                    section.get_ref()
                ),
            })?;
            for (keys, action) in entries {
                let chord = parse_chord(keys.get_ref()).map_err(|m| KeymapError::Invalid {
                    file: file.to_string(),
                    line: line_of(keys.span().start),
                    message: m,
                })?;
                let map = self.bindings.entry(ctx).or_default();
                if action.get_ref() == "none" {
                    map.remove(&chord);
                    continue;
                }
                let act = Action::from_name(action.get_ref()).ok_or_else(|| KeymapError::Invalid {
                    file: file.to_string(),
                    line: line_of(action.span().start),
                    message: format!(
                        "unknown action '{}' (see `?` in dbn for the list, e.g. run_statement, quit, focus_grid; \"none\" unbinds)",
                        action.get_ref()
                    ),
                })?;
                map.insert(chord, act);
            }
        }
        self.rebuild();
        Ok(())
    }

    fn rebuild(&mut self) {
        self.tries.clear();
        for (ctx, map) in &self.bindings {
            let root = self.tries.entry(*ctx).or_default();
            for (chord, action) in map {
                let mut node = &mut *root;
                for k in chord {
                    node = node.children.entry(*k).or_default();
                }
                node.action = Some(*action);
            }
        }
    }

    /// Keys typed so far in an unfinished chord.
    pub fn pending(&self) -> &[KeyPress] {
        &self.pending
    }

    /// Forget a half-typed chord.
    pub fn reset(&mut self) {
        self.pending.clear();
    }

    /// Feed a key: the pane's own bindings first, then global ones.
    pub fn feed(&mut self, ctx: Context, key: KeyPress) -> Lookup {
        self.pending.push(key);
        let mut any_pending = false;
        for c in [ctx, Context::Global] {
            if let Some(node) = self.walk(c) {
                if node.children.is_empty() {
                    if let Some(a) = node.action {
                        self.pending.clear();
                        return Lookup::Action(a);
                    }
                } else {
                    any_pending = true;
                }
            }
        }
        if any_pending {
            return Lookup::Pending;
        }
        Lookup::Unbound(std::mem::take(&mut self.pending))
    }

    fn walk(&self, ctx: Context) -> Option<&Node> {
        let mut node = self.tries.get(&ctx)?;
        for k in &self.pending {
            node = node.children.get(k)?;
        }
        Some(node)
    }

    /// The action bound to exactly this one key in `ctx`, without touching a pending chord.
    pub fn single(&self, ctx: Context, key: KeyPress) -> Option<Action> {
        self.bindings.get(&ctx)?.get(&vec![key]).copied()
    }

    /// Bindings of a context, for the help overlay.
    pub fn bindings(&self, ctx: Context) -> Vec<(String, Action)> {
        self.bindings
            .get(&ctx)
            .map(|m| m.iter().map(|(k, a)| (chord_text(k), *a)).collect())
            .unwrap_or_default()
    }

    /// The first key text bound to an action (pane first, then global), for hints.
    pub fn key_for(&self, ctx: Context, action: Action) -> Option<String> {
        for c in [ctx, Context::Global] {
            if let Some(m) = self.bindings.get(&c)
                && let Some((k, _)) = m.iter().find(|(_, a)| **a == action)
            {
                return Some(chord_text(k));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> KeyPress {
        KeyPress::parse(s).unwrap()
    }

    #[test]
    fn presets_load() {
        for p in ["default", "vim", "emacs"] {
            Keymap::load(p, &[]).unwrap();
        }
        assert!(matches!(Keymap::load("nano", &[]), Err(KeymapError::UnknownPreset(_))));
    }

    #[test]
    fn defaults_follow_the_issue() {
        let mut km = Keymap::load("default", &[]).unwrap();
        for key in ["ctrl+enter", "f5", "alt+enter"] {
            assert_eq!(
                km.feed(Context::Editor, k(key)),
                Lookup::Action(Action::RunStatement),
                "{key}"
            );
        }
        assert_eq!(km.feed(Context::Editor, k("ctrl+q")), Lookup::Action(Action::Quit));
        assert_eq!(km.feed(Context::Grid, k("tab")), Lookup::Action(Action::FocusNext));
        assert_eq!(
            km.feed(Context::Grid, k("shift+tab")),
            Lookup::Action(Action::FocusPrev)
        );
        assert_eq!(km.feed(Context::Tree, k("alt+3")), Lookup::Action(Action::FocusGrid));
        assert_eq!(km.feed(Context::Grid, k("?")), Lookup::Action(Action::Help));
        assert_eq!(km.feed(Context::Editor, k("f1")), Lookup::Action(Action::Help));
        assert_eq!(km.feed(Context::Tree, k("/")), Lookup::Action(Action::Filter));
        assert_eq!(
            km.feed(Context::Editor, k("ctrl+c")),
            Lookup::Action(Action::CancelQuery)
        );
        assert_eq!(
            km.feed(Context::Grid, k("ctrl+d")),
            Lookup::Action(Action::HalfPageDown)
        );
        assert_eq!(km.feed(Context::Grid, k("G")), Lookup::Action(Action::Bottom));
        // Typing in the editor is never swallowed.
        assert_eq!(km.feed(Context::Editor, k("?")), Lookup::Unbound(vec![k("?")]));
    }

    #[test]
    fn chords_wait_then_resolve_or_replay() {
        let mut km = Keymap::load("default", &[]).unwrap();
        assert_eq!(km.feed(Context::Grid, k("g")), Lookup::Pending);
        assert_eq!(km.feed(Context::Grid, k("g")), Lookup::Action(Action::Top));
        assert_eq!(km.feed(Context::Grid, k("y")), Lookup::Pending);
        assert_eq!(km.feed(Context::Grid, k("z")), Lookup::Unbound(vec![k("y"), k("z")]));
        let mut vim = Keymap::load("vim", &[]).unwrap();
        assert_eq!(vim.feed(Context::Grid, k(":")), Lookup::Pending);
        assert_eq!(vim.feed(Context::Grid, k("q")), Lookup::Action(Action::Quit));
        let mut emacs = Keymap::load("emacs", &[]).unwrap();
        assert_eq!(emacs.feed(Context::Editor, k("ctrl+x")), Lookup::Pending);
        assert_eq!(emacs.feed(Context::Editor, k("ctrl+c")), Lookup::Action(Action::Quit));
    }

    #[test]
    fn user_file_overrides_and_errors_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("keymap.toml");
        std::fs::write(&p, "[grid]\n\"x\" = \"copy_cell\"\n\"G\" = \"none\"\n").unwrap();
        let mut km = Keymap::load("default", std::slice::from_ref(&p)).unwrap();
        assert_eq!(km.feed(Context::Grid, k("x")), Lookup::Action(Action::CopyCell));
        assert_eq!(km.feed(Context::Grid, k("G")), Lookup::Unbound(vec![k("G")]));
        assert_eq!(km.feed(Context::Grid, k("j")), Lookup::Action(Action::Down));

        std::fs::write(&p, "[grid]\n\"j\" = \"down\"\n\"k\" = \"fly_away\"\n").unwrap();
        let err = Keymap::load("default", std::slice::from_ref(&p))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("keymap.toml") && err.contains("line 3") && err.contains("fly_away"),
            "{err}"
        );
        std::fs::write(&p, "[grid]\n\n\"ctrl+nope\" = \"down\"\n").unwrap();
        let err = Keymap::load("default", std::slice::from_ref(&p))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3") && err.contains("nope"), "{err}");
        std::fs::write(&p, "[gird]\n\"j\" = \"down\"\n").unwrap();
        let err = Keymap::load("default", std::slice::from_ref(&p))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 1") && err.contains("gird"), "{err}");
    }
}
