//! Where result pages go when they leave memory: an unlinked file in the
//! user's cache directory (or a configured folder), written in the compact
//! row encoding of `backup::codec`, read back with positioned reads so a
//! background scan and the grid can read the same file at once.

use crate::backup::codec::{decode_rows, encode_row};
use crate::db::Value;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

type Row = Vec<Value>;

/// Default cap on one result's page file.
pub const DEFAULT_CAP_MB: u64 = 2048;

/// Where page files go and how large one may grow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpillSettings {
    /// Folder for page files; `None` means the user cache directory.
    pub dir: Option<PathBuf>,
    /// Most bytes one result may write; the result stops growing there.
    pub cap_bytes: u64,
}

impl Default for SpillSettings {
    fn default() -> Self {
        SpillSettings {
            dir: None,
            cap_bytes: DEFAULT_CAP_MB * 1024 * 1024,
        }
    }
}

impl SpillSettings {
    /// Settings from `ui.spill_dir` and `ui.spill_cap_mb`.
    pub fn new(dir: Option<PathBuf>, cap_mb: u64) -> SpillSettings {
        SpillSettings {
            dir,
            cap_bytes: cap_mb.saturating_mul(1024 * 1024),
        }
    }

    /// The folder page files are created in.
    pub fn folder(&self) -> Option<PathBuf> {
        self.dir.clone().or_else(default_dir)
    }
}

/// `$XDG_CACHE_HOME/dbn/spill`, or the platform cache directory's `dbn/spill`.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x).join("dbn").join("spill"));
    }
    directories::ProjectDirs::from("", "", "dbn").map(|d| d.cache_dir().join("spill"))
}

fn create_in(dir: &Path) -> io::Result<File> {
    use std::os::unix::fs::DirBuilderExt;
    // Results can hold anything the database does: only the user may read them.
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    tempfile::tempfile_in(dir).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot create a page file in '{}': {e}", dir.display()),
        )
    })
}

/// The page file of one result: pages appended, read back by index.
#[derive(Debug, Default)]
pub struct PageFile {
    file: Option<Arc<File>>,
    pages: Vec<(u64, u32)>,
    bytes: u64,
}

/// What `PageFile::append` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// The page is on disk.
    Written,
    /// Writing it would pass the cap; nothing was written.
    CapReached,
}

impl PageFile {
    /// Pages written.
    pub fn pages(&self) -> usize {
        self.pages.len()
    }

    /// Bytes written.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Encode and append a page, unless that would pass the cap.
    pub fn append(&mut self, page: &[Row], settings: &SpillSettings) -> io::Result<Appended> {
        let mut buf = Vec::with_capacity(page.len() * 32);
        for row in page {
            encode_row(row, &mut buf);
        }
        if self.bytes + buf.len() as u64 > settings.cap_bytes {
            return Ok(Appended::CapReached);
        }
        let len = u32::try_from(buf.len()).map_err(|_| io::Error::other("a result page is over 4 GB"))?;
        if self.file.is_none() {
            let dir = settings
                .folder()
                .ok_or_else(|| io::Error::other("no cache directory is known: set ui.spill_dir in the config"))?;
            self.file = Some(Arc::new(create_in(&dir)?));
        }
        if let Some(f) = &self.file {
            f.write_all_at(&buf, self.bytes)?;
        }
        self.pages.push((self.bytes, len));
        self.bytes += u64::from(len);
        Ok(Appended::Written)
    }

    /// Read page `p` back.
    pub fn read(&self, p: usize) -> io::Result<Vec<Row>> {
        read_page(self.file.as_deref(), &self.pages, p)
    }

    /// A handle for reading pages from another thread.
    pub fn reader(&self) -> (Option<Arc<File>>, Vec<(u64, u32)>) {
        (self.file.clone(), self.pages.clone())
    }
}

fn read_page(file: Option<&File>, pages: &[(u64, u32)], p: usize) -> io::Result<Vec<Row>> {
    let (off, len) = *pages
        .get(p)
        .ok_or_else(|| io::Error::other(format!("page {p} was never written")))?;
    let f = file.ok_or_else(|| io::Error::other("page file missing"))?;
    let mut buf = vec![0u8; len as usize];
    f.read_exact_at(&mut buf, off)?;
    decode_rows(&buf).map_err(io::Error::other)
}

/// Every row of a result as it was when taken: spilled pages read on demand
/// plus a copy of the rows still in memory. Send it to a background task.
#[derive(Debug, Clone)]
pub struct PageReader {
    file: Option<Arc<File>>,
    pages: Vec<(u64, u32)>,
    tail: Vec<Row>,
    page_rows: usize,
}

impl PageReader {
    pub(super) fn new(file: &PageFile, tail: Vec<Row>, page_rows: usize) -> PageReader {
        let (file, pages) = file.reader();
        PageReader {
            file,
            pages,
            tail,
            page_rows,
        }
    }

    /// Pages, counting the rows in memory as the last one.
    pub fn page_count(&self) -> usize {
        self.pages.len() + usize::from(!self.tail.is_empty())
    }

    /// Rows covered.
    pub fn len(&self) -> usize {
        self.pages.len() * self.page_rows + self.tail.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Rows per full page.
    pub fn page_rows(&self) -> usize {
        self.page_rows
    }

    /// The rows of page `p` (the last page may be short).
    pub fn page(&self, p: usize) -> io::Result<Vec<Row>> {
        if p < self.pages.len() {
            read_page(self.file.as_deref(), &self.pages, p)
        } else if p == self.pages.len() {
            Ok(self.tail.clone())
        } else {
            Err(io::Error::other(format!("page {p} is past the end")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_round_trip_and_the_cap_holds() {
        let dir = tempfile::tempdir().unwrap();
        let settings = SpillSettings {
            dir: Some(dir.path().join("nested")),
            cap_bytes: 200,
        };
        let mut f = PageFile::default();
        let page = vec![vec![Value::Int(1), Value::Text("abc".into())]; 5];
        assert_eq!(f.append(&page, &settings).unwrap(), Appended::Written);
        assert_eq!(f.read(0).unwrap(), page);
        let big = vec![vec![Value::Text("x".repeat(100))]; 3];
        assert_eq!(f.append(&big, &settings).unwrap(), Appended::CapReached);
        assert_eq!(f.pages(), 1);
        // The folder is private and holds no visible file: the page file is unlinked.
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(dir.path().join("nested")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o700);
        assert_eq!(std::fs::read_dir(dir.path().join("nested")).unwrap().count(), 0);
    }
}
