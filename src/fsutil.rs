//! Small filesystem helpers shared by the secret store, bundles and exports.

use std::path::Path;

/// Write via a temporary file (mode 0600) in the same directory, fsync it,
/// rename it into place and fsync the directory, so a crash or a kill never
/// leaves a torn file and a completed write survives a power loss. The
/// temporary file is named `.NAME.XXXXXX.tmp`: readers skip dot files, and
/// [`sweep_temp_files`] removes what a killed writer left.
pub fn write_atomic(path: &Path, body: &[u8]) -> std::io::Result<()> {
    let tmp = temp_beside(path)?;
    finish(tmp, body, path, false).map(|_| ())
}

/// Like [`write_atomic`], but never replaces an existing file: `Ok(false)`
/// when `path` already exists (and nothing was written).
pub fn write_atomic_new(path: &Path, body: &[u8]) -> std::io::Result<bool> {
    let tmp = temp_beside(path)?;
    finish(tmp, body, path, true)
}

/// Move a finished temporary file into place atomically and durably (its
/// contents fsynced, then the rename, then the directory).
pub fn persist_atomic(tmp: tempfile::NamedTempFile, path: &Path) -> std::io::Result<()> {
    finish(tmp, &[], path, false).map(|_| ())
}

/// A temporary file next to `path`, private to its owner, named so that
/// [`sweep_temp_files`] recognises it.
pub fn temp_beside(path: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = parent_of(path);
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut b = tempfile::Builder::new();
    b.prefix(&prefix).suffix(TEMP_SUFFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o600));
    }
    b.tempfile_in(dir)
}

const TEMP_SUFFIX: &str = ".tmp";

/// Remove the temporary files of writes that never finished (a killed
/// process) under `dir`, recursively. Best effort.
pub fn sweep_temp_files(dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if e.path().is_dir() {
            sweep_temp_files(&e.path());
        } else if name.starts_with('.') && name.ends_with(TEMP_SUFFIX) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn finish(mut tmp: tempfile::NamedTempFile, body: &[u8], path: &Path, no_clobber: bool) -> std::io::Result<bool> {
    use std::io::Write;
    tmp.write_all(body)?;
    tmp.as_file().sync_all()?;
    if no_clobber {
        match tmp.persist_noclobber(path) {
            Ok(_) => {}
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
            Err(e) => return Err(e.error),
        }
    } else {
        tmp.persist(path).map_err(|e| e.error)?;
    }
    sync_dir(parent_of(path))?;
    Ok(true)
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Make a rename in `dir` durable. Only Unix can open a directory to fsync it.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Make a folder private to its owner (0700), creating it if needed; best
/// effort: a folder dbn does not own is left as it is.
pub fn private_dir(path: &Path) {
    let _ = std::fs::create_dir_all(path);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700));
    }
}

/// Make a file private to its owner (0600) if it exists; best effort.
pub fn private_file(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if path.exists() {
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Open `path` for appending, created 0600 when new.
pub fn append_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_replace_or_keep_and_leave_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub").join("f.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert!(!write_atomic_new(&p, b"three").unwrap());
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let q = dir.path().join("new.txt");
        assert!(write_atomic_new(&q, b"x").unwrap());
        let names: Vec<String> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        assert_eq!(names, vec!["f.json".to_string()]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn a_killed_write_leaves_only_a_swept_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a").join("obj");
        let tmp = temp_beside(&p).unwrap();
        let (_, kept) = tmp.keep().unwrap();
        let name = kept.file_name().unwrap().to_string_lossy().to_string();
        assert!(name.starts_with(".obj.") && name.ends_with(".tmp"), "{name}");
        sweep_temp_files(dir.path());
        assert!(!kept.exists());
        assert!(!p.exists());
    }
}
