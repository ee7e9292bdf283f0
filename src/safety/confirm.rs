//! Typed confirmations for every command that asks one (query, migration
//! apply, sync apply, restore, import): `--confirm NAME` non-interactively,
//! otherwise the connection name typed back on a terminal. Never hangs: with
//! no terminal on stdin and no `--confirm`, it refuses at once.

use super::{Refusal, rules};
use crate::sanitize::sanitize;
use std::io::{BufRead, IsTerminal, Write};

/// A granted confirmation, described for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    /// How it was given: `--confirm prod` or `typed 'prod'`.
    pub how: String,
}

/// Where confirmations are asked: the real terminal, or a test double.
pub trait Prompt {
    /// True when a person can answer (stdin is a terminal).
    fn interactive(&self) -> bool;
    /// Show `prompt` and read one line; `None` at end of input.
    fn ask(&mut self, prompt: &str) -> std::io::Result<Option<String>>;
}

/// The process's terminal: prompts on stderr, reads stdin.
pub struct Terminal;

impl Prompt for Terminal {
    fn interactive(&self) -> bool {
        std::io::stdin().is_terminal()
    }

    fn ask(&mut self, prompt: &str) -> std::io::Result<Option<String>> {
        let mut err = std::io::stderr().lock();
        write!(err, "{prompt}")?;
        err.flush()?;
        let mut line = String::new();
        let n = std::io::stdin().lock().read_line(&mut line)?;
        Ok((n > 0).then(|| line.trim_end_matches(['\n', '\r']).to_string()))
    }
}

/// Scripted answers over any reader (tests, the TUI's captured input).
pub struct Scripted<R> {
    /// Whether to behave as a terminal.
    pub interactive: bool,
    /// Where answers come from.
    pub input: R,
    /// Every prompt shown, for assertions.
    pub shown: Vec<String>,
}

impl<R: BufRead> Prompt for Scripted<R> {
    fn interactive(&self) -> bool {
        self.interactive
    }

    fn ask(&mut self, prompt: &str) -> std::io::Result<Option<String>> {
        self.shown.push(prompt.to_string());
        let mut line = String::new();
        let n = self.input.read_line(&mut line)?;
        Ok((n > 0).then(|| line.trim_end_matches(['\n', '\r']).to_string()))
    }
}

/// Confirm an action on `conn_name` using the process's terminal.
/// `prompt_text` says what is about to happen (objects, counts).
pub fn confirm_typed(conn_name: &str, prompt_text: &str, confirm_flag: Option<&str>) -> Result<Confirmation, Refusal> {
    confirm_typed_with(&mut Terminal, conn_name, prompt_text, confirm_flag)
}

/// [`confirm_typed`] over any [`Prompt`].
pub fn confirm_typed_with(
    io: &mut dyn Prompt,
    conn_name: &str,
    prompt_text: &str,
    confirm_flag: Option<&str>,
) -> Result<Confirmation, Refusal> {
    if let Some(given) = confirm_flag {
        if given == conn_name {
            return Ok(Confirmation {
                how: format!("--confirm {conn_name}"),
            });
        }
        return Err(Refusal::new(
            rules::CONFIRM_MISMATCH,
            format!(
                "--confirm '{}' does not match the target connection '{conn_name}'; nothing was done. Pass --confirm {conn_name} to confirm: {}",
                sanitize(given),
                sanitize(prompt_text)
            ),
        ));
    }
    if !io.interactive() {
        return Err(Refusal::new(
            rules::CONFIRM_REQUIRED,
            format!(
                "confirmation required and stdin is not a terminal, so dbn cannot ask: {}. Nothing was done. Pass --confirm {conn_name} to confirm non-interactively",
                sanitize(prompt_text.trim_end_matches(['.', ' ', '\n']))
            ),
        ));
    }
    let prompt = format!(
        "{}\nType the connection name '{conn_name}' to confirm (anything else cancels): ",
        sanitize(prompt_text)
    );
    let answer = io.ask(&prompt).map_err(|e| {
        Refusal::new(
            rules::CANCELLED,
            format!("could not read the confirmation ({e}); nothing was done"),
        )
    })?;
    match answer {
        Some(a) if a.trim() == conn_name => Ok(Confirmation {
            how: format!("typed '{conn_name}'"),
        }),
        Some(a) if !a.trim().is_empty() => Err(Refusal::new(
            rules::CONFIRM_MISMATCH,
            format!(
                "you typed '{}', which is not the connection name '{conn_name}'; cancelled, nothing was done",
                sanitize(a.trim())
            ),
        )),
        _ => Err(Refusal::new(
            rules::CANCELLED,
            "confirmation cancelled (empty answer); nothing was done",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scripted(interactive: bool, input: &str) -> Scripted<&[u8]> {
        Scripted {
            interactive,
            input: input.as_bytes(),
            shown: Vec::new(),
        }
    }

    #[test]
    fn flag_must_match_the_connection() {
        let mut io = scripted(false, "");
        let ok = confirm_typed_with(&mut io, "prod", "drop t", Some("prod")).unwrap();
        assert_eq!(ok.how, "--confirm prod");
        let err = confirm_typed_with(&mut io, "prod", "drop t", Some("stage")).unwrap_err();
        assert_eq!(err.code, rules::CONFIRM_MISMATCH);
        assert!(
            err.message.contains("'stage'") && err.message.contains("--confirm prod"),
            "{}",
            err.message
        );
        assert!(io.shown.is_empty(), "a flag never prompts");
    }

    #[test]
    fn non_terminal_refuses_without_prompting() {
        let mut io = scripted(false, "prod\n");
        let err = confirm_typed_with(&mut io, "prod", "unlock writes", None).unwrap_err();
        assert_eq!(err.code, rules::CONFIRM_REQUIRED);
        assert!(err.message.contains("--confirm prod"), "{}", err.message);
        assert!(io.shown.is_empty());
    }

    #[test]
    fn terminal_prompt_needs_the_exact_name() {
        let mut io = scripted(true, "prod\n");
        let ok = confirm_typed_with(&mut io, "prod", "DROP TABLE t on 'prod': t", None).unwrap();
        assert_eq!(ok.how, "typed 'prod'");
        assert!(io.shown[0].contains("DROP TABLE t") && io.shown[0].contains("'prod'"));
        let mut io = scripted(true, "prd\n");
        assert_eq!(
            confirm_typed_with(&mut io, "prod", "x", None).unwrap_err().code,
            rules::CONFIRM_MISMATCH
        );
        let mut io = scripted(true, "");
        assert_eq!(
            confirm_typed_with(&mut io, "prod", "x", None).unwrap_err().code,
            rules::CANCELLED
        );
        let mut io = scripted(true, "\n");
        assert_eq!(
            confirm_typed_with(&mut io, "prod", "x", None).unwrap_err().code,
            rules::CANCELLED
        );
    }
}
