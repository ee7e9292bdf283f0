//! Checks on bundle content before anything is planned: names the
//! workspace could not hold, URLs carrying passwords, override names that
//! would escape `.dbnexus/`.

use super::{Body, BundleError, BundleResult, OVERRIDE_FILES};
use crate::store::connections::Tag;
use std::collections::HashSet;

/// Refuse content the workspace could not hold, before planning anything.
pub(super) fn validate(body: &Body, path: &str) -> BundleResult<()> {
    let bad = |why: String| BundleError::Invalid {
        path: path.to_string(),
        why,
    };
    let mut seen = HashSet::new();
    for c in &body.connections {
        if c.name.is_empty()
            || c.name.len() > 64
            || c.name.contains(['/', '@', ' '])
            || c.name.chars().any(char::is_control)
        {
            return Err(bad(format!("connection name '{}' is not valid", c.name)));
        }
        if !seen.insert(c.name.as_str()) {
            return Err(bad(format!("connection '{}' appears twice", c.name)));
        }
        if crate::db::Engine::parse(&c.engine).is_err() {
            return Err(bad(format!(
                "connection '{}' has unknown engine '{}'",
                c.name, c.engine
            )));
        }
        match crate::db::ConnSpec::parse_url(&c.url) {
            Err(e) => return Err(bad(format!("connection '{}' has an unusable URL: {e}", c.name))),
            // Saved URLs never hold passwords; one here would land in plain text.
            Ok(spec) if spec.password.is_some() => {
                return Err(bad(format!("connection '{}' has a password inside its URL", c.name)));
            }
            Ok(_) => {}
        }
        if Tag::parse(&c.tag).is_none() {
            return Err(bad(format!("connection '{}' has unknown tag '{}'", c.name, c.tag)));
        }
    }
    for f in body
        .folders
        .iter()
        .map(|f| &f.path)
        .chain(body.saved_queries.iter().map(|q| &q.folder))
    {
        if f.iter().any(String::is_empty) {
            return Err(bad(format!("folder path '{}' has an empty name", f.join("/"))));
        }
    }
    if body.folders.iter().any(|f| f.path.is_empty()) {
        return Err(bad("a folder has an empty path".into()));
    }
    for j in &body.sync_jobs {
        if j.kind != "schema" && j.kind != "data" {
            return Err(bad(format!("sync job '{}' has unknown kind '{}'", j.name, j.kind)));
        }
    }
    let mut seen = HashSet::new();
    for o in &body.overrides {
        // The name becomes a file name: only the known ones are accepted.
        if !OVERRIDE_FILES.contains(&o.name.as_str()) {
            return Err(bad(format!(
                "unknown override '{}' (expected one of: {})",
                o.name,
                OVERRIDE_FILES.join(", ")
            )));
        }
        if !seen.insert(o.name.as_str()) {
            return Err(bad(format!("override '{}' appears twice", o.name)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{ConnectionEntry, OverrideEntry};

    fn conn(name: &str, url: &str) -> ConnectionEntry {
        ConnectionEntry {
            name: name.into(),
            engine: "postgres".into(),
            url: url.into(),
            tag: "dev".into(),
            color: None,
            read_only: false,
            has_password: false,
        }
    }

    fn why(body: &Body) -> String {
        validate(body, "b.json").unwrap_err().to_string()
    }

    #[test]
    fn refuses_what_the_workspace_cannot_hold() {
        let ok = Body {
            connections: vec![conn("a", "postgres://u@h/db")],
            ..Default::default()
        };
        validate(&ok, "b.json").unwrap();
        let mut b = ok.clone();
        b.connections.push(conn("a", "postgres://u@h/db"));
        assert!(why(&b).contains("connection 'a' appears twice"));
        let b = Body {
            connections: vec![conn("a", "postgres://u:secret@h/db")],
            ..Default::default()
        };
        let msg = why(&b);
        assert!(
            msg.contains("password inside its URL") && !msg.contains("secret@"),
            "{msg}"
        );
        let b = Body {
            connections: vec![conn("a/b", "postgres://u@h/db")],
            ..Default::default()
        };
        assert!(why(&b).contains("connection name 'a/b' is not valid"));
        let b = Body {
            overrides: vec![OverrideEntry {
                name: "../../etc/evil".into(),
                content: String::new(),
            }],
            ..Default::default()
        };
        assert!(why(&b).contains("unknown override '../../etc/evil'"));
    }
}
