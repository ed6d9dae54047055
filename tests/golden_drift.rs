//! Drift tests: every committed crate under `generated/` must be byte-for-byte what the
//! generator makes of its `spec/*.yaml` (every file it writes: `Cargo.toml`, `README.md`,
//! `CHANGELOG.md`, `src/lib.rs`, `src/client.rs`, `examples/*.rs`), and generating twice must
//! give the same bytes. The
//! comparison is `clientgen::write::check`, the same one `clientgen check` runs.
//!
//! Mutation tests show that drift is caught rather than assume it: each spec is changed in a
//! temporary copy (a description, a new response field, a removed operation), generated, and
//! the diff against `generated/` must show the change exactly where it belongs.
//!
//! When `committed_crates_match_their_specs` fails, regenerate and commit the result:
//!
//! ```text
//! cargo run -p clientgen -- generate
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use clientgen::{GeneratedCrate, Settings};
use serde_json::{Map, Value, json};

/// One `spec/*.yaml` (or `*.yml`): its stem, file name and text.
struct Spec {
    stem: String,
    file: String,
    text: String,
}

impl Spec {
    fn crate_name(&self) -> String {
        format!("{}-client", self.stem)
    }

    /// The committed crate, relative to the repository root (the tests' working directory) so
    /// that diffs read `a/generated/...`.
    fn crate_dir(&self) -> PathBuf {
        at_root(&format!("generated/{}", self.crate_name()))
    }

    /// The settings `clientgen generate` uses for this spec.
    /// The settings `clientgen generate` uses for this spec, with the crate's committed
    /// CHANGELOG.md (its release record, and the source of its version).
    fn settings(&self) -> Settings {
        let changelog = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("generated")
            .join(self.crate_name())
            .join(clientgen::release::CHANGELOG_FILE);
        let changelog = std::fs::read_to_string(&changelog)
            .unwrap_or_else(|e| panic!("{}: {e}", changelog.display()));
        Settings::new(self.crate_name(), format!("spec/{}", self.file))
            .with_package(clientgen::workspace::package_settings(
                Path::new(env!("CARGO_MANIFEST_DIR")),
                &self.crate_name(),
            ))
            .with_changelog(changelog)
    }

    fn generate(&self, text: &str) -> GeneratedCrate {
        clientgen::generate(text, &self.settings())
            .unwrap_or_else(|ds| panic!("spec/{} does not generate:\n{ds}", self.file))
    }

    /// The spec as a JSON value (the form the mutation tests edit).
    fn value(&self) -> Value {
        clientgen::load::parse_text(&self.file, &self.text)
            .unwrap_or_else(|ds| panic!("{ds}"))
            .value
    }
}

/// The crate generated from a spec's committed text, generated once per test binary.
fn baseline(spec: &Spec) -> &'static GeneratedCrate {
    static CRATES: OnceLock<Mutex<BTreeMap<String, &'static GeneratedCrate>>> = OnceLock::new();
    let mut crates = CRATES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    crates
        .entry(spec.stem.clone())
        .or_insert_with(|| Box::leak(Box::new(spec.generate(&spec.text))))
}

/// `rel` under the repository root: relative when the tests run from there, as cargo does.
fn at_root(rel: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if std::env::current_dir().is_ok_and(|cwd| cwd == root) {
        PathBuf::from(rel)
    } else {
        root.join(rel)
    }
}

fn specs() -> Vec<Spec> {
    let dir = at_root("spec");
    let mut specs: Vec<Spec> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("readable spec directory").path())
        .filter(|path| {
            matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            )
        })
        .map(|path| Spec {
            stem: path.file_stem().unwrap().to_string_lossy().into_owned(),
            file: path.file_name().unwrap().to_string_lossy().into_owned(),
            text: std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}")),
        })
        .collect();
    specs.sort_by(|a, b| a.stem.cmp(&b.stem));
    assert!(specs.len() >= 3, "the three vendor specs are in spec/");
    specs
}

/// Every file under `dir` (relative to it), skipping build output.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "target") {
                    walk(base, &path, out);
                }
            } else if let Ok(rel) = path.strip_prefix(base) {
                out.push(rel.to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn committed_crates_match_their_specs() {
    let specs = specs();
    let mut problems = String::new();
    for spec in &specs {
        let generated = baseline(spec);
        for drift in clientgen::write::check(&spec.crate_dir(), &generated.files) {
            problems.push_str(&drift.diff);
        }
        for rel in files_under(&spec.crate_dir()) {
            if !generated.files.contains_key(&rel) {
                problems.push_str(&format!(
                    "{}: not written by the generator (stale or hand-made)\n",
                    spec.crate_dir().join(rel).display()
                ));
            }
        }
    }
    let names: Vec<String> = specs.iter().map(Spec::crate_name).collect();
    for entry in std::fs::read_dir(at_root("generated")).expect("generated/ exists") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if !names.contains(&name) {
            problems.push_str(&format!("generated/{name}: no spec/*.yaml generates it\n"));
        }
    }
    assert!(
        problems.is_empty(),
        "{problems}\ngenerated/ is out of date with spec/: run `{}` and commit the result",
        clientgen::REGENERATE_COMMAND
    );
}

#[test]
fn generating_twice_gives_identical_bytes() {
    for spec in specs() {
        let first = baseline(&spec);
        let second = spec.generate(&spec.text);
        assert_eq!(first.files, second.files, "spec/{}", spec.file);
        assert_eq!(
            first
                .files
                .keys()
                .map(|p| p.to_string_lossy())
                .filter(|p| !p.starts_with("examples/"))
                .collect::<Vec<_>>(),
            [
                "CHANGELOG.md",
                "Cargo.toml",
                "LICENSE-APACHE",
                "LICENSE-MIT",
                "README.md",
                "openapi.yaml",
                "src/client.rs",
                "src/lib.rs"
            ],
            "spec/{}",
            spec.file
        );
        // Each of these descriptions has a job with results or pages: a runnable example.
        assert!(
            first.files.keys().any(|p| p.starts_with("examples")),
            "spec/{}",
            spec.file
        );
        // build.rs takes the module alone; it must be the crate's module, byte for byte.
        let module = clientgen::generate_module(&spec.text, &spec.settings())
            .unwrap_or_else(|ds| panic!("{ds}"));
        assert_eq!(
            module.source,
            first.files[Path::new(clientgen::CLIENT_MODULE_PATH)],
            "spec/{}",
            spec.file
        );
    }
}

/// The mutation tests edit the JSON form of each spec: it must generate the very same crate.
#[test]
fn the_json_form_of_each_spec_generates_the_same_crate() {
    for spec in specs() {
        let json = serde_json::to_string_pretty(&spec.value()).expect("serializes");
        // The same crate but for the description it carries, given as JSON this time.
        let without_copy = |files: &BTreeMap<PathBuf, String>| {
            let mut files = files.clone();
            files.remove(Path::new("openapi.yaml"));
            files
        };
        assert_eq!(
            without_copy(&spec.generate(&json).files),
            without_copy(&baseline(&spec).files),
            "spec/{}",
            spec.file
        );
    }
}

/// The diffs a mutated spec causes, by file (`src/client.rs`, ...).
struct Mutated {
    /// Against the committed crate: what `clientgen check` would report.
    disk: BTreeMap<String, String>,
    /// Against the crate generated from the unchanged spec: the change alone, even while the
    /// committed crate is out of date for another reason.
    alone: BTreeMap<String, String>,
}

/// Writes `value` as `spec/<file>` in a fresh temporary spec directory, reads it back and
/// generates from it.
fn mutate(spec: &Spec, mutation: &str, value: &Value) -> Mutated {
    let dir = std::env::temp_dir().join(format!(
        "clientgen-drift-{}-{mutation}-{}",
        spec.stem,
        std::process::id()
    ));
    std::fs::create_dir_all(dir.join("spec")).expect("temporary spec directory");
    let path = dir.join("spec").join(&spec.file);
    std::fs::write(
        &path,
        serde_json::to_string_pretty(value).expect("serializes"),
    )
    .expect("write mutated spec");
    let text = std::fs::read_to_string(&path).expect("read mutated spec");
    let _ = std::fs::remove_dir_all(&dir);

    let after = spec.generate(&text).files;
    let disk = clientgen::write::check(&spec.crate_dir(), &after)
        .into_iter()
        .map(|d| {
            let rel = d
                .path
                .strip_prefix(spec.crate_dir())
                .expect("inside the crate");
            (rel.to_string_lossy().replace('\\', "/"), d.diff)
        })
        .collect();
    let before = &baseline(spec).files;
    let mut alone = BTreeMap::new();
    for (rel, new) in &after {
        let old = before.get(rel).map(String::as_str).unwrap_or("");
        if old != new {
            let rel = rel.to_string_lossy().replace('\\', "/");
            let diff = clientgen::write::unified_diff(Path::new(&rel), old, new);
            alone.insert(rel, diff);
        }
    }
    // The package carries the description as it is: the copy follows every change, and the
    // assertions below are about the code made from it.
    let copy = ["openapi.yaml", "openapi.json"]
        .into_iter()
        .find(|name| after.contains_key(Path::new(name)))
        .expect("the description is in the package");
    assert_eq!(
        after[Path::new(copy)],
        text,
        "{copy} is the description as given"
    );
    let mut disk: BTreeMap<String, String> = disk;
    disk.remove(copy);
    alone.remove(copy);
    Mutated { disk, alone }
}

/// The diff of one file, which must have drifted.
fn diff_of<'a>(diffs: &'a BTreeMap<String, String>, file: &str, spec: &Spec) -> &'a str {
    diffs.get(file).unwrap_or_else(|| {
        panic!(
            "spec/{}: no drift in {file}; drifted: {:?}",
            spec.file,
            diffs.keys().collect::<Vec<_>>()
        )
    })
}

/// Every operation: (path, method, operation object), in document order.
fn operations(value: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in value["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if [
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ]
            .contains(&method.as_str())
            {
                out.push((path.clone(), method.clone(), op.clone()));
            }
        }
    }
    out
}

/// Lines of a unified diff that add (`+`) or remove (`-`) text, without the file headers.
fn changed_lines(diff: &str, sign: char) -> Vec<&str> {
    diff.lines()
        .filter(|l| l.starts_with(sign) && !l.starts_with("+++") && !l.starts_with("---"))
        .collect()
}

#[test]
fn a_changed_description_is_drift_in_the_client_module() {
    for spec in specs() {
        let mut value = spec.value();
        let marker = format!("Drift probe for {}", spec.stem);
        // The first documented error response: its description is the variant's doc and
        // part of the error's Display.
        let (path, method, op) = operations(&value)
            .into_iter()
            .find(|(_, _, op)| {
                op["responses"]
                    .as_object()
                    .is_some_and(|r| r.keys().any(|k| k.starts_with('4')))
            })
            .expect("an operation documents a 4xx");
        let status = op["responses"]
            .as_object()
            .unwrap()
            .keys()
            .find(|k| k.starts_with('4'))
            .unwrap()
            .clone();
        let response = &mut value["paths"][&path][&method]["responses"][&status];
        assert!(
            response.get("$ref").is_none(),
            "{}: {path} {method} {status} is a shared response; pick an inline one",
            spec.file
        );
        response["description"] = json!(marker);

        let mutated = mutate(&spec, "description", &value);
        let client = diff_of(&mutated.disk, "src/client.rs", &spec);
        let added = changed_lines(client, '+');
        assert!(
            added
                .iter()
                .any(|l| l.contains(&format!("`{status}`: {marker}"))),
            "{}: the variant doc does not show the new description:\n{client}",
            spec.file
        );
        assert!(
            added
                .iter()
                .any(|l| l.contains(&format!("ErrorDoc::code({status}, \"{marker}\")"))),
            "{}: the description Display quotes did not change:\n{client}",
            spec.file
        );
        assert_eq!(
            mutated.alone.keys().collect::<Vec<_>>(),
            ["src/client.rs"],
            "{}: a response description is only in the client module",
            spec.file
        );
    }
}

#[test]
fn an_added_response_field_is_drift_in_the_response_type() {
    for spec in specs() {
        let mut value = spec.value();
        // The first success body that is a component object schema.
        let schema = operations(&value)
            .into_iter()
            .find_map(|(_, _, op)| {
                let reference =
                    op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
                        .as_str()?
                        .strip_prefix("#/components/schemas/")?
                        .to_string();
                value["components"]["schemas"][&reference]["properties"]
                    .is_object()
                    .then_some(reference)
            })
            .expect("a 200 body refers to an object schema");
        let properties = value["components"]["schemas"][&schema]["properties"]
            .as_object_mut()
            .unwrap();
        properties.insert(
            "drift_probe_field".into(),
            json!({"type": "string", "description": "Added without regenerating."}),
        );

        let mutated = mutate(&spec, "field", &value);
        let client = diff_of(&mutated.disk, "src/client.rs", &spec);
        assert!(
            changed_lines(client, '+')
                .iter()
                .any(|l| l.contains("pub drift_probe_field:")),
            "{}: the field added to `{schema}` is not in the diff:\n{client}",
            spec.file
        );
        // Lines may be reflowed around the new field, but no declaration goes away.
        let alone = diff_of(&mutated.alone, "src/client.rs", &spec);
        assert!(
            changed_lines(alone, '-')
                .iter()
                .all(|l| !l[1..].trim_start().starts_with("pub ")),
            "{}: adding an optional field removes a declaration:\n{alone}",
            spec.file
        );
        assert_eq!(
            mutated.alone.len(),
            1,
            "{}: {:?}",
            spec.file,
            mutated.alone.keys()
        );
    }
}

#[test]
fn a_removed_operation_is_drift_in_the_client_and_readme() {
    for spec in specs() {
        let mut value = spec.value();
        let text = serde_json::to_string(&value).expect("serializes");
        // An operation nothing else refers to (not the status operation of a job).
        let (path, method, op) = operations(&value)
            .into_iter()
            .rev()
            .find(|(_, _, op)| {
                op["operationId"]
                    .as_str()
                    .is_some_and(|id| text.matches(&format!("\"{id}\"")).count() == 1)
            })
            .expect("an operation that nothing refers to");
        let committed_readme =
            std::fs::read_to_string(spec.crate_dir().join("README.md")).expect("committed README");
        let request = format!("`{} {path}`", method.to_uppercase());
        let row = committed_readme
            .lines()
            .find(|l| l.contains(&request))
            .unwrap_or_else(|| panic!("{}: no README row for {request}", spec.file));
        let client_method = row
            .split('`')
            .nth(1)
            .and_then(|m| m.strip_suffix("()"))
            .expect("the row names the method");
        let item: &mut Map<String, Value> =
            value["paths"][&path].as_object_mut().expect("path item");
        item.remove(&method);
        if !item
            .keys()
            .any(|k| k != "parameters" && !k.starts_with("x-"))
        {
            value["paths"].as_object_mut().unwrap().remove(&path);
        }

        let mutated = mutate(&spec, "removed", &value);
        let client = diff_of(&mutated.disk, "src/client.rs", &spec);
        assert!(
            changed_lines(client, '-')
                .iter()
                .any(|l| l.contains(&format!("pub fn {client_method}(&self)"))),
            "{}: the diff does not remove `{client_method}`:\n{client}",
            spec.file
        );
        let readme = diff_of(&mutated.disk, "README.md", &spec);
        assert!(
            changed_lines(readme, '-').contains(&format!("-{row}").as_str()),
            "{}: the README diff does not remove the row of {request} ({}):\n{readme}",
            spec.file,
            op["operationId"]
        );
        assert!(
            !mutated.alone.contains_key("src/lib.rs"),
            "{}: the crate root does not list operations",
            spec.file
        );
    }
}
