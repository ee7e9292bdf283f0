//! Result writers shared by `dbn query`, TUI export and scripts:
//! table, csv, tsv, json, jsonl and markdown, all streaming.

mod json;
mod table;
mod text;

use crate::db::{Column, Summary, Value};
use std::io::{self, Write};

pub use json::value_to_json;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Aligned table for people (widths from the first rows).
    Table,
    /// RFC 4180 CSV with a header row; NULL is an empty field.
    Csv,
    /// Tab-separated, COPY-style escapes; NULL is `\N`.
    Tsv,
    /// One JSON array of objects per statement.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// GitHub-flavoured Markdown table.
    Markdown,
}

impl Format {
    /// File extension for exports.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Table => "txt",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Markdown => "md",
        }
    }

    /// Guess from a file name's extension.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "tsv" | "tab" => Some(Format::Tsv),
            "json" => Some(Format::Json),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            "md" | "markdown" => Some(Format::Markdown),
            "txt" => Some(Format::Table),
            _ => None,
        }
    }
}

/// A streaming writer for one statement's result.
pub trait RowWriter {
    /// Called once with the column list, before any rows.
    fn begin(&mut self, columns: &[Column]) -> io::Result<()>;
    /// Called for each batch of rows.
    fn rows(&mut self, rows: &[Vec<Value>]) -> io::Result<()>;
    /// Called when the statement has finished.
    fn finish(&mut self, summary: &Summary) -> io::Result<()>;
}

/// A writer for `format` over `out`.
pub fn writer<'a>(format: Format, out: Box<dyn Write + 'a>) -> Box<dyn RowWriter + 'a> {
    match format {
        Format::Table => Box::new(table::TableWriter::new(out)),
        Format::Csv => Box::new(text::CsvWriter::new(out)),
        Format::Tsv => Box::new(text::TsvWriter::new(out)),
        Format::Json => Box::new(json::JsonWriter::new(out, false)),
        Format::Jsonl => Box::new(json::JsonWriter::new(out, true)),
        Format::Markdown => Box::new(text::MarkdownWriter::new(out)),
    }
}
