//! Editing rows of a result as staged, previewed SQL: which table a result
//! comes from and by which key its rows are found ([`source`]), typed
//! parsing of what the user types ([`value`]), the staged changes and the
//! exact statements they become ([`staged`]). Values reach SQL only as
//! literals rendered by `db::quote`; user text is never pasted into SQL.
//! Running the statements is `ops::run_statements`' job, like any editor run.

pub mod source;
pub mod staged;
pub mod value;

pub use source::{EditTarget, TargetColumn, editable};
pub use staged::{Change, NewRow, RowEdit, Staged, StagedKind, StagedStatement};
pub use value::{ColumnType, check_scale, parse_input};
