//! Finds whether a crate directory belongs to an enclosing Cargo workspace, so that a crate
//! generated into a workspace that lists it as a member gets no `[workspace]` table of its own
//! (cargo rejects a member that declares one), and one generated anywhere else does.

use std::path::{Component, Path, PathBuf};

/// The workspace a crate directory sits in, as far as `clientgen generate --out` cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Membership {
    /// The nearest enclosing workspace lists the directory in `members` (a path or a glob)
    /// and does not `exclude` it: the crate must not declare its own `[workspace]`.
    Member {
        /// The enclosing workspace's `Cargo.toml`.
        manifest: PathBuf,
    },
    /// An enclosing workspace exists but does not list the directory: the crate needs its own
    /// `[workspace]`, or cargo refuses to build it.
    NotListed {
        /// The enclosing workspace's `Cargo.toml`.
        manifest: PathBuf,
    },
    /// No enclosing workspace.
    Outside,
}

impl Membership {
    /// Whether the generated crate must declare its own empty `[workspace]`.
    pub fn needs_own_workspace(&self) -> bool {
        !matches!(self, Membership::Member { .. })
    }
}

/// Looks for the nearest `Cargo.toml` with a `[workspace]` table above `crate_dir` (which must
/// exist) and tells whether it lists `crate_dir` as a member. A manifest that cannot be read or
/// parsed is an error naming the file.
pub fn membership(crate_dir: &Path) -> Result<Membership, String> {
    let dir =
        std::fs::canonicalize(crate_dir).map_err(|e| format!("{}: {e}", crate_dir.display()))?;
    for ancestor in dir.ancestors().skip(1) {
        let manifest = ancestor.join("Cargo.toml");
        if !manifest.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&manifest)
            .map_err(|e| format!("{}: {e}", manifest.display()))?;
        let table: toml::Table = text
            .parse()
            .map_err(|e| format!("{}: not a valid Cargo manifest: {e}", manifest.display()))?;
        let Some(workspace) = table.get("workspace").and_then(toml::Value::as_table) else {
            continue;
        };
        let Ok(relative) = dir.strip_prefix(ancestor) else {
            continue;
        };
        let listed = |key: &str| {
            workspace
                .get(key)
                .and_then(toml::Value::as_array)
                .is_some_and(|patterns| {
                    patterns
                        .iter()
                        .filter_map(toml::Value::as_str)
                        .any(|pattern| path_matches(pattern, relative))
                })
        };
        return Ok(if listed("members") && !listed("exclude") {
            Membership::Member { manifest }
        } else {
            Membership::NotListed { manifest }
        });
    }
    Ok(Membership::Outside)
}

/// Whether `path` (relative to the workspace root) matches a `members` entry: a relative path
/// whose components may use the glob wildcards `*` and `?`.
fn path_matches(pattern: &str, path: &Path) -> bool {
    let wanted: Vec<&str> = pattern
        .split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let actual: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    wanted.len() == actual.len()
        && wanted
            .iter()
            .zip(&actual)
            .all(|(w, a)| component_matches(w.as_bytes(), a.as_bytes()))
}

/// Glob match of one path component: `*` is any run of characters, `?` any one.
fn component_matches(pattern: &[u8], name: &[u8]) -> bool {
    match (pattern.first(), name.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            component_matches(&pattern[1..], name)
                || (!name.is_empty() && component_matches(pattern, &name[1..]))
        }
        (Some(b'?'), Some(_)) => component_matches(&pattern[1..], &name[1..]),
        (Some(p), Some(n)) if p == n => component_matches(&pattern[1..], &name[1..]),
        _ => false,
    }
}

/// The package metadata of a crate generated into the workspace at `root`: the license and
/// repository the workspace's `[workspace.package]` declares, and the crate's docs.rs page.
pub fn package_settings(root: &Path, crate_name: &str) -> crate::PackageSettings {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
    let table: toml::Table = manifest.parse().unwrap_or_default();
    let field = |key: &str| {
        table
            .get("workspace")
            .and_then(|w| w.get("package"))
            .and_then(|p| p.get(key))
            .and_then(toml::Value::as_str)
            .map(str::to_string)
    };
    let mut package =
        crate::PackageSettings::default().documentation(format!("https://docs.rs/{crate_name}"));
    if let Some(license) = field("license") {
        package = package.license(license);
    }
    if let Some(url) = field("repository") {
        package = package.repository(url);
    }
    package
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("clientgen-workspace-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn globs_match_whole_components() {
        assert!(path_matches(
            "generated/*",
            Path::new("generated/huntapi-client")
        ));
        assert!(path_matches(
            "./tests/fixtures/x",
            Path::new("tests/fixtures/x")
        ));
        assert!(path_matches("crates/a?c", Path::new("crates/abc")));
        assert!(!path_matches("generated/*", Path::new("generated/a/b")));
        assert!(!path_matches("generated/*", Path::new("other/a")));
        assert!(!path_matches("gen", Path::new("generated")));
    }

    #[test]
    fn finds_listed_unlisted_and_excluded_members() {
        let root = temp_dir("members");
        std::fs::write(
            root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"listed/*\", \"both\"]\nexclude = [\"both\"]\n",
        )
        .unwrap();
        for dir in ["listed/one", "unlisted", "both"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        let manifest = std::fs::canonicalize(&root).unwrap().join("Cargo.toml");
        assert_eq!(
            membership(&root.join("listed/one")).unwrap(),
            Membership::Member {
                manifest: manifest.clone()
            }
        );
        assert_eq!(
            membership(&root.join("unlisted")).unwrap(),
            Membership::NotListed {
                manifest: manifest.clone()
            }
        );
        assert!(
            membership(&root.join("both"))
                .unwrap()
                .needs_own_workspace()
        );
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_broken_manifest_is_an_error_naming_it() {
        let root = temp_dir("broken");
        std::fs::write(root.join("Cargo.toml"), "[workspace\nmembers = [").unwrap();
        std::fs::create_dir_all(root.join("x")).unwrap();
        let error = membership(&root.join("x")).unwrap_err();
        assert!(error.contains("Cargo.toml"), "{error}");
        assert!(membership(&root.join("missing")).is_err());
        let _ = std::fs::remove_dir_all(&root);
    }
}
