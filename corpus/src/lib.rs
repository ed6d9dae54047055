//! The corpus harness's library: finds OpenAPI descriptions in a directory, draws a deterministic
//! sample, generates each into a member of one throwaway workspace, and groups the causes of
//! failure so that a run over hundreds of public descriptions reads as a short table.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clientgen::{RuntimeDependency, Settings};

/// The OpenAPI version a description declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SpecVersion {
    /// `openapi: 3.0.x`.
    V30,
    /// `openapi: 3.1.x`.
    V31,
    /// `swagger: "2.0"`.
    Swagger2,
    /// Anything else (or no version field found).
    Unknown,
}

impl SpecVersion {
    /// A short label: `3.0`, `3.1`, `2.0`, `?`.
    pub fn label(self) -> &'static str {
        match self {
            SpecVersion::V30 => "3.0",
            SpecVersion::V31 => "3.1",
            SpecVersion::Swagger2 => "2.0",
            SpecVersion::Unknown => "?",
        }
    }
}

/// One description found in the corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecFile {
    /// The path relative to the corpus root, with `/` separators (stable across machines).
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// The declared version.
    pub version: SpecVersion,
}

/// Every `*.json`, `*.yaml` and `*.yml` under `root`, sorted by name, with its declared version.
pub fn discover(root: &Path) -> std::io::Result<Vec<SpecFile>> {
    let mut out = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if !matches!(ext, "json" | "yaml" | "yml") {
                continue;
            }
            let Ok(rel) = path.strip_prefix(root) else {
                continue;
            };
            let name = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let version = std::fs::read(&path)
                .map(|bytes| declared_version(&String::from_utf8_lossy(&bytes)))
                .unwrap_or(SpecVersion::Unknown);
            out.push(SpecFile {
                name,
                path,
                version,
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The version a description declares in its `openapi` (or `swagger`) field, read from the text
/// without parsing the whole document.
pub fn declared_version(text: &str) -> SpecVersion {
    for (key, json_key) in [("openapi", "\"openapi\""), ("swagger", "\"swagger\"")] {
        let value = field_value(text, json_key).or_else(|| yaml_top_level_value(text, key));
        if let Some(v) = value {
            return match (key, v.as_str()) {
                ("openapi", v) if v.starts_with("3.0") => SpecVersion::V30,
                ("openapi", v) if v.starts_with("3.1") => SpecVersion::V31,
                ("swagger", v) if v.starts_with('2') => SpecVersion::Swagger2,
                _ => SpecVersion::Unknown,
            };
        }
    }
    SpecVersion::Unknown
}

/// The string after `"key":` in JSON text.
fn field_value(text: &str, json_key: &str) -> Option<String> {
    let start = text.find(json_key)? + json_key.len();
    let rest = text[start..].trim_start().strip_prefix(':')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

/// The value of a top-level `key: value` line in YAML text.
fn yaml_top_level_value(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(key)?.strip_prefix(':')?;
        let v = rest.trim().trim_matches(|c| c == '"' || c == '\'');
        (!v.is_empty()).then(|| v.to_string())
    })
}

/// FNV-1a, so that a sample is the same on every machine and every Rust version.
fn fnv1a(seed: u64, text: &str) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64 ^ seed;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// `n` of `files`, chosen by a seeded hash of each name (the same corpus, `n` and `seed` always
/// give the same sample), returned in name order.
pub fn sample(files: &[SpecFile], n: usize, seed: u64) -> Vec<SpecFile> {
    let mut keyed: Vec<(u64, &SpecFile)> =
        files.iter().map(|f| (fnv1a(seed, &f.name), f)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
    let mut chosen: Vec<SpecFile> = keyed.into_iter().take(n).map(|(_, f)| f.clone()).collect();
    chosen.sort_by(|a, b| a.name.cmp(&b.name));
    chosen
}

/// A Cargo package name for a spec: `api-` and the name's letters and digits, dashes between.
pub fn crate_name(spec_name: &str) -> String {
    let stem = spec_name
        .strip_suffix(".json")
        .or_else(|| spec_name.strip_suffix(".yaml"))
        .or_else(|| spec_name.strip_suffix(".yml"))
        .unwrap_or(spec_name);
    let mut out = String::from("api");
    for word in stem
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        out.push('-');
        out.push_str(&word.to_ascii_lowercase());
    }
    out
}

/// Crate names for every spec, made unique with a numeric suffix where two names collide.
pub fn unique_crate_names(specs: &[SpecFile]) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    specs
        .iter()
        .map(|s| {
            let base = crate_name(&s.name);
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            if *n == 1 { base } else { format!("{base}-{n}") }
        })
        .collect()
}

/// What happened to one spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A crate was written, with this many warnings.
    Generated {
        /// Number of warnings.
        warnings: usize,
    },
    /// The generator refused it with diagnostics (the first error's message is the cause).
    Failed {
        /// The error messages.
        errors: Vec<String>,
    },
    /// The generator panicked (the panic message is the cause).
    Panicked {
        /// The panic message.
        message: String,
    },
    /// The generator process died or hung (signal, timeout, stack overflow).
    Crashed {
        /// What is known.
        message: String,
    },
}

/// Generates `text` as the crate `crate_name` into `out`, as a member of an enclosing throwaway
/// workspace, the runtime referenced by the relative path `runtime`. Returns the crate's
/// warnings or the generator's diagnostics.
pub fn generate_into(
    text: &str,
    label: &str,
    crate_name: &str,
    out: &Path,
    runtime: &str,
) -> Result<clientgen::Diagnostics, clientgen::Diagnostics> {
    let settings = Settings::new(crate_name, label)
        .with_runtime(RuntimeDependency::Path(runtime.to_string()))
        .with_standalone(false)
        .with_regenerate_command(format!("cargo run -p clientgen-corpus (from {label})"));
    let generated = clientgen::generate(text, &settings)?;
    clientgen::write::write_if_changed(out, &generated.files).map_err(|e| {
        clientgen::Diagnostics::from(
            clientgen::Diagnostic::new(
                clientgen::Severity::Error,
                label,
                "",
                format!("writing the crate: {e}"),
            )
            .with_kind(clientgen::diagnostic::kind::OUTPUT),
        )
    })?;
    Ok(generated.warnings)
}

/// A message with its specifics (names in backticks, quotes, numbers, pointers) blanked, so that
/// the same kind of problem in different specs groups under one cause.
pub fn cause_key(message: &str) -> String {
    let mut out = String::new();
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' | '"' => {
                for next in chars.by_ref() {
                    if next == c {
                        break;
                    }
                }
                out.push(c);
                out.push('…');
                out.push(c);
            }
            '/' if chars.peek().is_some_and(|n| !n.is_whitespace()) => {
                while chars
                    .peek()
                    .is_some_and(|n| !n.is_whitespace() && *n != ':')
                {
                    chars.next();
                }
                out.push_str("/…");
            }
            d if d.is_ascii_digit() => {
                while chars.peek().is_some_and(char::is_ascii_digit) {
                    chars.next();
                }
                out.push('N');
            }
            // Debug dumps of whole schemas: stop at the first brace.
            '{' | '\n' => break,
            c => out.push(c),
        }
        if out.chars().count() >= 110 {
            out.push('…');
            break;
        }
    }
    out.trim().to_string()
}

/// Counts of causes, most frequent first.
pub fn group_causes<'a>(causes: impl IntoIterator<Item = &'a str>) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for cause in causes {
        *counts.entry(cause_key(cause)).or_insert(0) += 1;
    }
    let mut sorted: Vec<(String, usize)> = counts.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    sorted
}

/// The `Cargo.toml` of the throwaway workspace whose members are the generated crates.
pub fn workspace_manifest(members: &[String]) -> String {
    let mut out = String::from(
        "# Throwaway workspace written by the clientgen corpus harness; not committed.\n\
         [workspace]\nresolver = \"3\"\nmembers = [\n",
    );
    for m in members {
        let _ = writeln!(out, "    \"{m}\",");
    }
    out.push_str("]\n");
    out
}

/// The errors `cargo check --message-format=json` reported, grouped by the package directory
/// they belong to (the manifest's parent directory name).
pub fn check_errors_by_crate(cargo_json_output: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in cargo_json_output.lines() {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if value["reason"] != "compiler-message" || value["message"]["level"] != "error" {
            continue;
        }
        let Some(manifest) = value["manifest_path"].as_str() else {
            continue;
        };
        let dir = Path::new(manifest)
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let message = value["message"]["message"]
            .as_str()
            .unwrap_or("")
            .to_string();
        out.entry(dir).or_default().push(message);
    }
    out
}

/// `to` relative to `from` (both absolute or both relative to the same directory).
pub fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to[common..] {
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_json_and_yaml() {
        assert_eq!(
            declared_version("{\"info\":{},\"openapi\":\"3.0.1\"}"),
            SpecVersion::V30
        );
        assert_eq!(
            declared_version("openapi: '3.1.0'\ninfo: {}\n"),
            SpecVersion::V31
        );
        assert_eq!(
            declared_version("swagger: \"2.0\"\n"),
            SpecVersion::Swagger2
        );
        assert_eq!(declared_version("title: x\n"), SpecVersion::Unknown);
    }

    #[test]
    fn samples_are_deterministic_and_sorted() {
        let files: Vec<SpecFile> = (0..50)
            .map(|i| SpecFile {
                name: format!("api{i}.json"),
                path: PathBuf::from(format!("api{i}.json")),
                version: SpecVersion::V30,
            })
            .collect();
        let a = sample(&files, 10, 7);
        assert_eq!(a, sample(&files, 10, 7));
        assert_eq!(a.len(), 10);
        assert!(a.windows(2).all(|w| w[0].name < w[1].name));
        assert_ne!(a, sample(&files, 10, 8));
    }

    #[test]
    fn crate_names_are_valid_and_unique() {
        assert_eq!(
            crate_name("googleapis.com/youtube.json"),
            "api-googleapis-com-youtube"
        );
        assert_eq!(crate_name("1forge.com.json"), "api-1forge-com");
        let specs: Vec<SpecFile> = ["a.b.json", "a/b.json"]
            .iter()
            .map(|n| SpecFile {
                name: n.to_string(),
                path: PathBuf::from(n),
                version: SpecVersion::V30,
            })
            .collect();
        assert_eq!(unique_crate_names(&specs), vec!["api-a-b", "api-a-b-2"]);
    }

    #[test]
    fn causes_group_without_specifics() {
        let groups = group_causes([
            "operationId `a` is used twice",
            "operationId `b` is used twice",
            "path /x/{y} has 3 problems",
        ]);
        assert_eq!(groups[0], ("operationId `…` is used twice".to_string(), 2));
        assert_eq!(groups[1].0, "path /… has N problems");
    }

    #[test]
    fn cargo_errors_are_attributed_to_their_crate() {
        let out = concat!(
            r#"{"reason":"compiler-message","manifest_path":"/w/api-x/Cargo.toml","message":{"level":"error","message":"mismatched types"}}"#,
            "\n",
            r#"{"reason":"compiler-message","manifest_path":"/w/api-y/Cargo.toml","message":{"level":"warning","message":"unused"}}"#,
            "\nnot json\n"
        );
        let errors = check_errors_by_crate(out);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors["api-x"], vec!["mismatched types"]);
    }

    #[test]
    fn relative_paths_climb_to_the_common_root() {
        assert_eq!(
            relative_path(Path::new("/w/target/out/a"), Path::new("/w/runtime")),
            PathBuf::from("../../../runtime")
        );
    }
}
