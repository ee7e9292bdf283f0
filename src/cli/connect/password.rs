//! Reading passwords without echo and keeping them out of argv and disk.

use anyhow::{Context, Result};
use std::io::{IsTerminal, Read};

/// Read a password from stdin (first line, trailing newline removed).
pub fn from_stdin() -> Result<String> {
    let mut buf = String::new();
    std::io::stdin()
        .read_to_string(&mut buf)
        .context("cannot read the password from stdin")?;
    let pw = buf.strip_suffix('\n').unwrap_or(&buf);
    let pw = pw.strip_suffix('\r').unwrap_or(pw);
    Ok(pw.lines().next().unwrap_or("").to_string())
}

/// Prompt on the terminal without echo, when there is one. An empty answer
/// means "no password" (trust / peer authentication).
pub fn prompt(name: &str) -> Result<Option<String>> {
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    let pw = rpassword::prompt_password(format!("password for connection '{name}' (empty for none): "))
        .context("cannot read the password from the terminal")?;
    Ok((!pw.is_empty()).then_some(pw))
}
