//! Golden tests of the generator on the extra fixture specs in `tests/fixtures/` (YAML and JSON:
//! error responses of a different shape per status, the pet store in JSON form, a spec with no
//! security, no servers and no `x-` extensions). Each fixture is generated through the library
//! and every file of the crate must equal the committed one in `tests/golden/<fixture>/`
//! (plus `warnings.txt` when generating warns).
//!
//! The `mixed-errors` fixture's expected crate is the workspace member that is compiled and
//! tested (`tests/fixtures/mixed-errors-client` at the repository root, exercised by the root
//! package's `tests/mixed_errors.rs`): it is committed once, there, and the last test here
//! checks it with `clientgen check`.
//!
//! After an intended change to the generator or a fixture, refresh every expected file with
//!
//! ```text
//! CLIENTGEN_BLESS=1 cargo test -p clientgen --test golden
//! ```
//!
//! then review the diff (`git diff generator/tests/golden tests/fixtures`) and commit it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use clientgen::{GeneratedCrate, RuntimeDependency, Settings};

/// The command that refreshes the golden files, quoted in their headers and in failures.
const BLESS_COMMAND: &str = "CLIENTGEN_BLESS=1 cargo test -p clientgen --test golden";

/// The fixtures compiled as workspace members: (fixture, where its crate lives, crate name).
const MEMBERS: [(&str, &str, &str); 2] = [
    (
        "mixed-errors.yaml",
        "tests/fixtures/mixed-errors-client",
        "mixed-errors-client",
    ),
    (
        "events.yaml",
        "tests/fixtures/events-client",
        "events-client",
    ),
];

fn generator_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn repo_root() -> PathBuf {
    generator_dir()
        .parent()
        .expect("the generator sits inside the repository")
        .to_path_buf()
}

fn blessing() -> bool {
    std::env::var_os("CLIENTGEN_BLESS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The fixture specs, sorted: (name without extension, file name).
fn fixtures() -> Vec<(String, String)> {
    let dir = generator_dir().join("tests/fixtures");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("readable fixtures directory").path())
        .filter(|path| {
            matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        })
        .map(|path| {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            (stem, file)
        })
        .collect();
    out.sort();
    assert!(out.len() >= 3, "fixtures missing from {}", dir.display());
    out
}

/// The crate generated from one fixture, with its warnings as one more file.
fn generate(stem: &str, file: &str) -> BTreeMap<PathBuf, String> {
    let path = generator_dir().join("tests/fixtures").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let settings = Settings::new(
        format!("{stem}-client"),
        format!("generator/tests/fixtures/{file}"),
    )
    .with_runtime(RuntimeDependency::Registry)
    .with_standalone(true)
    .with_regenerate_command(BLESS_COMMAND);
    let GeneratedCrate {
        mut files,
        warnings,
    } = clientgen::generate(&text, &settings)
        .unwrap_or_else(|ds| panic!("fixture {file} does not generate:\n{ds}"));
    if !warnings.is_empty() {
        files.insert(PathBuf::from("warnings.txt"), format!("{warnings}\n"));
    }
    files
}

/// Every file under `dir`, relative to it.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, out);
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
fn fixtures_match_their_golden_files() {
    let mut failures = String::new();
    for (stem, file) in fixtures() {
        if MEMBERS.iter().any(|(fixture, _, _)| *fixture == file) {
            // Its expected crate is the workspace member (the last test).
            continue;
        }
        let dir = generator_dir().join("tests/golden").join(&stem);
        let files = generate(&stem, &file);
        let stale: Vec<PathBuf> = files_under(&dir)
            .into_iter()
            .filter(|rel| !files.contains_key(rel))
            .collect();
        if blessing() {
            clientgen::write::write_if_changed(&dir, &files).expect("golden files are writable");
            for rel in &stale {
                std::fs::remove_file(dir.join(rel)).expect("stale golden file is removable");
            }
            continue;
        }
        for drift in clientgen::write::check(&dir, &files) {
            failures.push_str(&drift.diff);
        }
        for rel in stale {
            failures.push_str(&format!(
                "{}: not generated any more, but still committed\n",
                dir.join(rel).display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{failures}\nthe golden files differ from what the generator produces; if the change is \
         intended, run `{BLESS_COMMAND}`, review the diff and commit it"
    );
}

#[test]
fn every_golden_directory_has_its_fixture() {
    let golden = generator_dir().join("tests/golden");
    let stems: Vec<String> = fixtures().into_iter().map(|(stem, _)| stem).collect();
    let Ok(entries) = std::fs::read_dir(&golden) else {
        // Blessing creates it (in the test above, maybe not yet).
        assert!(
            blessing(),
            "{}: missing; run `{BLESS_COMMAND}`",
            golden.display()
        );
        return;
    };
    for entry in entries {
        let path = entry.expect("readable golden directory").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if stems.contains(&name) {
            continue;
        }
        if blessing() {
            std::fs::remove_dir_all(&path).expect("stale golden directory is removable");
        } else {
            panic!(
                "{}: no fixture spec generates it any more; run `{BLESS_COMMAND}`",
                path.display()
            );
        }
    }
}

#[test]
fn generating_twice_gives_the_same_bytes() {
    for (stem, file) in fixtures() {
        assert_eq!(generate(&stem, &file), generate(&stem, &file), "{file}");
    }
}

#[test]
fn fixtures_exercise_what_they_are_for() {
    let client = |stem: &str, file: &str| generate(stem, file)[Path::new("src/client.rs")].clone();

    let mixed = client("mixed-errors", "mixed-errors.yaml");
    // 200 with a body and 204 without: the success value is an Option, 204 maps to None.
    assert!(mixed.contains("rt::ResponseValue<Option<types::Item>>"));
    assert!(mixed.contains("204 => Ok(rt::response::none(response)),"));
    // A 4XX range next to exact codes, a `default`, text and empty bodies, typed headers.
    assert!(mixed.contains("400..=499 =>"));
    assert!(mixed.contains("Other(rt::ErrorResponse<types::GenericError>)"));
    assert!(mixed.contains("_ => rt::json_error(response, Self::Other)"));
    assert!(mixed.contains("pub x_rate_limit_remaining: Option<i64>"));
    assert!(mixed.contains("rt::ErrorResponse<()>"));
    assert!(mixed.contains("rt::text_error(response, Self::"));
    assert!(mixed.contains("impl rt::FromHeaders for GetItemRateLimitedHeaders"));

    let pets = client("petstore", "petstore.json");
    assert!(pets.contains("pub fn with_bearer_auth("));
    assert!(
        pets.contains(
            "pub const DEFAULT_BASE_URL: &'static str = \"https://pets.example.test/api\""
        )
    );
    assert!(
        !pets.contains("fn from_env("),
        "no x-env-var, so no from_env"
    );

    let plain = client("plain", "plain.yaml");
    assert!(
        !plain.contains("Credential::"),
        "no security scheme, so no credential"
    );
    assert!(
        !plain.contains("DEFAULT_BASE_URL"),
        "no servers, so no default base URL"
    );
    // Metadata states only what differs from an operation's defaults: no scheme, not billable.
    assert!(plain.contains("pub const META: rt::OperationMeta = rt::OperationMeta::new("));
    assert!(!plain.contains(".security("));
    assert!(!plain.contains(".billable()"));
}

/// The compiled copies of the `mixed-errors` and `events` fixtures must be what
/// `clientgen generate` writes.
#[test]
fn the_mixed_errors_workspace_member_is_up_to_date() {
    for (fixture, dir, name) in MEMBERS {
        let spec = format!("generator/tests/fixtures/{fixture}");
        let action = if blessing() { "generate" } else { "check" };
        let output = Command::new(env!("CARGO_BIN_EXE_clientgen"))
            .current_dir(repo_root())
            .args([action, "--quiet", "--spec", &spec, "--out", dir])
            .args(["--crate-name", name])
            .output()
            .expect("the clientgen binary runs");
        assert!(
            output.status.success(),
            "{}{}\n{dir} is out of date with {spec}: run `{BLESS_COMMAND}` (or `cargo run -p \
             clientgen -- generate --spec {spec} --out {dir} --crate-name {name}`)",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        let manifest = std::fs::read_to_string(repo_root().join(dir).join("Cargo.toml"))
            .expect("the member's manifest exists");
        assert!(
            !manifest.contains("[workspace]"),
            "a workspace member must not declare its own workspace"
        );
    }
}
