//! Write stage: write a generated crate only where contents changed, or check it and show drift
//! as a unified diff. The only stage besides loading that touches the file system.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

/// One file that differs from what generation produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// The file's path.
    pub path: PathBuf,
    /// A unified diff from the file on disk to the generated contents.
    pub diff: String,
}

/// Writes each file under `dir` whose contents differ; returns the paths written.
///
/// All or nothing, as far as the file system allows: every changed file is first written next
/// to its target under a temporary name, and only when all of them are written are they renamed
/// into place. A run that fails (disk full, permissions) leaves the crate as it was.
pub fn write_if_changed(dir: &Path, files: &BTreeMap<PathBuf, String>) -> io::Result<Vec<PathBuf>> {
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let stage = |staged: &mut Vec<(PathBuf, PathBuf)>| -> io::Result<()> {
        for (rel, contents) in files {
            let path = dir.join(rel);
            if std::fs::read(&path).is_ok_and(|old| old == contents.as_bytes()) {
                continue;
            }
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", parent.display())))?;
            }
            let mut temp = path.clone().into_os_string();
            temp.push(".clientgen-tmp");
            let temp = PathBuf::from(temp);
            std::fs::write(&temp, contents)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
            staged.push((temp, path));
        }
        Ok(())
    };
    if let Err(e) = stage(&mut staged) {
        for (temp, _) in &staged {
            let _ = std::fs::remove_file(temp);
        }
        return Err(e);
    }
    let mut written = Vec::new();
    for (temp, path) in staged {
        std::fs::rename(&temp, &path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        written.push(path);
    }
    Ok(written)
}

/// Compares `files` with what is under `dir`; returns one [`Drift`] per differing file.
pub fn check(dir: &Path, files: &BTreeMap<PathBuf, String>) -> Vec<Drift> {
    let mut drift = Vec::new();
    for (rel, contents) in files {
        let path = dir.join(rel);
        let old = std::fs::read(&path)
            .map(|b| String::from_utf8_lossy(&b).replace("\r\n", "\n"))
            .unwrap_or_default();
        if old != *contents {
            drift.push(Drift {
                diff: unified_diff(&path, &old, contents),
                path,
            });
        }
    }
    drift
}

/// A unified diff with three lines of context, labelled with `path`.
pub fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut out = String::new();
    let label = path.display().to_string();
    let _ = write!(
        out,
        "{}",
        diff.unified_diff().context_radius(3).header(
            &format!("a/{label} (on disk)"),
            &format!("b/{label} (generated)")
        )
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("clientgen-write-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn writes_only_changed_files_and_checks_drift() {
        let dir = temp_dir("changed");
        let mut files = BTreeMap::new();
        files.insert(PathBuf::from("src/a.rs"), "one\ntwo\n".to_string());
        files.insert(PathBuf::from("b.txt"), "b\n".to_string());
        assert_eq!(write_if_changed(&dir, &files).unwrap().len(), 2);
        assert!(write_if_changed(&dir, &files).unwrap().is_empty());
        assert!(check(&dir, &files).is_empty());

        files.insert(PathBuf::from("src/a.rs"), "one\nthree\n".to_string());
        let drift = check(&dir, &files);
        assert_eq!(drift.len(), 1);
        assert!(drift[0].diff.contains("-two"), "{}", drift[0].diff);
        assert!(drift[0].diff.contains("+three"), "{}", drift[0].diff);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_failed_write_leaves_the_files_as_they_were() {
        let dir = temp_dir("failed");
        let mut files = BTreeMap::new();
        files.insert(PathBuf::from("a.rs"), "old\n".to_string());
        write_if_changed(&dir, &files).unwrap();
        files.insert(PathBuf::from("a.rs"), "new\n".to_string());
        // `b` cannot be a folder: a file of that name is in the way.
        std::fs::write(dir.join("b"), "in the way").unwrap();
        files.insert(PathBuf::from("b/c.rs"), "c\n".to_string());
        assert!(write_if_changed(&dir, &files).is_err());
        assert_eq!(std::fs::read_to_string(dir.join("a.rs")).unwrap(), "old\n");
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["a.rs", "b"], "no temporary file is left");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_missing_file_is_drift() {
        let dir = temp_dir("missing");
        let mut files = BTreeMap::new();
        files.insert(PathBuf::from("x.rs"), "x\n".to_string());
        let drift = check(&dir, &files);
        assert_eq!(drift.len(), 1);
        assert!(drift[0].diff.contains("+x"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
