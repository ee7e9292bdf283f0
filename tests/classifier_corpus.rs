//! The classifier corpus: `fixtures/classifier/{postgres,mysql,sqlite}.tsv`.
//!
//! Each line is `expected<TAB>sql`: `expected` is a comma-separated list of
//! verdicts, one per statement in `sql` (`read`, `setting`, `transaction`, `write`,
//! `ddl`, `destructive`, `unbounded_write`, `session_unlock`); a verdict
//! may carry `?` (`write?`) to say the text must be reported as unparsed.
//! In `sql`, `\n`, `\t` and `\\` are escapes. `#` starts a comment line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dbn::db::Engine;
use dbn::safety::{Verdict, classify};

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('\\') => out.push('\\'),
                Some(o) => {
                    out.push('\\');
                    out.push(o);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn run_file(name: &str, engine: Engine, mismatches: &mut Vec<String>) -> usize {
    let path = format!("{}/fixtures/classifier/{name}.tsv", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let mut count = 0;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((expected, sql)) = line.split_once('\t') else {
            mismatches.push(format!("{name}.tsv:{}: no TAB separator", n + 1));
            continue;
        };
        let sql = unescape(sql);
        let want: Vec<(Verdict, bool)> = expected
            .split(',')
            .map(|w| {
                let w = w.trim();
                let unparsed = w.ends_with('?');
                let v = Verdict::parse(w.trim_end_matches('?'))
                    .unwrap_or_else(|| panic!("{name}.tsv:{}: unknown verdict {w:?}", n + 1));
                (v, unparsed)
            })
            .collect();
        let got = classify(&sql, engine);
        count += got.len().max(1);
        let got_v: Vec<Verdict> = got.iter().map(|g| g.verdict).collect();
        let want_v: Vec<Verdict> = want.iter().map(|w| w.0).collect();
        let parsed_ok = want.iter().zip(&got).all(|(w, g)| !w.1 || !g.parsed);
        if got_v != want_v || !parsed_ok {
            let detail: Vec<String> = got
                .iter()
                .map(|g| format!("{}{} ({})", g.verdict, if g.parsed { "" } else { "?" }, g.reason))
                .collect();
            mismatches.push(format!(
                "{name}.tsv:{}: {sql:?}\n    expected {expected}\n    got      {}",
                n + 1,
                detail.join(" | ")
            ));
        }
    }
    count
}

#[test]
fn corpus_matches_expected_verdicts() {
    let mut mismatches = Vec::new();
    let total = run_file("postgres", Engine::Postgres, &mut mismatches)
        + run_file("mysql", Engine::Mysql, &mut mismatches)
        + run_file("sqlite", Engine::Sqlite, &mut mismatches);
    assert!(
        mismatches.is_empty(),
        "{} corpus mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(
        total >= 250,
        "corpus has only {total} statements; the issue asks for at least 250"
    );
}
