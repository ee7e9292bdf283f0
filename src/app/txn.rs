//! Whether the user's session has a transaction open, followed from the
//! statements that completed: BEGIN / START TRANSACTION open one; COMMIT,
//! END, ROLLBACK, ABORT close it (not ROLLBACK TO SAVEPOINT or AND CHAIN);
//! on MySQL and MariaDB DDL commits implicitly.

use crate::db::Engine;
use crate::safety::{Verdict, classify};

/// What a completed statement does to the transaction state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxEffect {
    /// Opens a transaction.
    Begin,
    /// Ends it (commit, rollback, or an implicit commit).
    End,
    /// Leaves it as it was.
    Keep,
}

/// The effect of one statement that completed without error.
pub fn effect(sql: &str, engine: Engine) -> TxEffect {
    let verdicts = classify(sql, engine);
    if engine == Engine::Mysql
        && verdicts
            .iter()
            .any(|v| matches!(v.verdict, Verdict::Ddl | Verdict::Destructive))
    {
        return TxEffect::End;
    }
    // START TRANSACTION READ WRITE is judged as lifting read-only; it still opens one.
    if !verdicts
        .iter()
        .any(|v| matches!(v.verdict, Verdict::Transaction | Verdict::SessionUnlock))
    {
        return TxEffect::Keep;
    }
    let w = leading_words(sql, engine, 4);
    let at = |i: usize| w.get(i).map_or("", String::as_str);
    match at(0) {
        "BEGIN" | "START" => TxEffect::Begin,
        "COMMIT" | "END" | "ROLLBACK" | "ABORT" => {
            let chained = w.iter().any(|x| x == "CHAIN") && !w.iter().any(|x| x == "NO");
            let to_savepoint = at(1) == "TO" || (matches!(at(1), "WORK" | "TRANSACTION") && at(2) == "TO");
            // COMMIT PREPARED runs outside any transaction of ours.
            if to_savepoint || chained || at(1) == "PREPARED" {
                TxEffect::Keep
            } else {
                TxEffect::End
            }
        }
        "PREPARE" => TxEffect::End,
        _ => TxEffect::Keep,
    }
}

/// The first `n` words of a statement, upper-cased, after leading comments.
fn leading_words(sql: &str, engine: Engine, n: usize) -> Vec<String> {
    let mut rest = sql;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest
            .strip_prefix("--")
            .or_else(|| (engine == Engine::Mysql).then(|| rest.strip_prefix('#')).flatten())
        {
            rest = r.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, after)| after);
        } else {
            break;
        }
    }
    rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(n)
        .map(str::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_open_and_close_transactions() {
        let pg = Engine::Postgres;
        assert_eq!(effect("begin", pg), TxEffect::Begin);
        assert_eq!(
            effect("  -- x\n BEGIN ISOLATION LEVEL SERIALIZABLE", pg),
            TxEffect::Begin
        );
        assert_eq!(effect("start transaction read write", pg), TxEffect::Begin);
        assert_eq!(effect("commit", pg), TxEffect::End);
        assert_eq!(effect("END", pg), TxEffect::End);
        assert_eq!(effect("abort", pg), TxEffect::End);
        assert_eq!(effect("rollback to savepoint a", pg), TxEffect::Keep);
        assert_eq!(effect("ROLLBACK WORK TO a", pg), TxEffect::Keep);
        assert_eq!(effect("commit and chain", pg), TxEffect::Keep);
        assert_eq!(effect("commit and no chain", pg), TxEffect::End);
        assert_eq!(effect("create table t (id int)", pg), TxEffect::Keep);
        assert_eq!(effect("select 'begin'", pg), TxEffect::Keep);
        assert_eq!(effect("create table t (id int)", Engine::Mysql), TxEffect::End);
        assert_eq!(effect("insert into t values (1)", Engine::Mysql), TxEffect::Keep);
        assert_eq!(effect("BEGIN IMMEDIATE", Engine::Sqlite), TxEffect::Begin);
    }
}
