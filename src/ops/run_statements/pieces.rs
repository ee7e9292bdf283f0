//! The statements of a run: the buffer split per dialect and classified,
//! or statements dbn generated itself.

use super::*;

/// One statement to send.
#[derive(Debug, Clone)]
pub struct Piece {
    /// Its text, sent alone.
    pub sql: String,
    /// Byte offset in the buffer it came from (error positions, the editor cursor).
    pub offset: usize,
    /// What it may do.
    pub verdict: StatementVerdict,
    /// Rows it must change (dbn-built edits); anything else is a conflict.
    pub expect_rows: Option<u64>,
}

/// Split a buffer into statements with the connection's dialect and judge
/// each (the splitter every face uses: `safety::split` under `classify`),
/// with the engine's default lexing settings and no catalog.
pub fn split(text: &str, engine: Engine) -> Vec<Piece> {
    split_in(text, &Context::new(engine))
}

/// [`split`] as the text will run in `ctx`: the session's lexing settings
/// and the database's own functions ([`context_for`]).
pub fn split_in(text: &str, ctx: &Context<'_>) -> Vec<Piece> {
    classify_in(text, ctx)
        .into_iter()
        .map(|v| Piece {
            sql: v.sql.clone(),
            offset: v.span.start,
            verdict: v,
            expect_rows: None,
        })
        .collect()
}

/// Statements built by dbn (grid edits, session kills), each judged alone
/// by its most severe verdict, with the rows each must change.
pub fn generated(statements: Vec<(String, Option<u64>)>, engine: Engine) -> Vec<Piece> {
    statements
        .into_iter()
        .map(|(sql, expect_rows)| {
            let verdict = classify(&sql, engine)
                .into_iter()
                .max_by_key(|v| v.verdict)
                .unwrap_or_else(|| StatementVerdict {
                    span: 0..sql.len(),
                    sql: sql.clone(),
                    verdict: Verdict::Write,
                    reason: "empty statement".into(),
                    objects: Vec::new(),
                    parsed: false,
                    lexing: None,
                });
            Piece {
                sql,
                offset: 0,
                verdict,
                expect_rows,
            }
        })
        .collect()
}
