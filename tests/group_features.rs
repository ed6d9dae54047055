//! Cargo features per group: every group feature alone, none, and all of them compile without
//! a warning under clippy, for a fixture built to share types, jobs and callbacks across groups
//! (`generator/tests/fixtures/groups.yaml`) and for the three clients; and a group turned off
//! takes its operations and the types only it uses out of the crate.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The workspace's target directory (`CARGO_TARGET_TMPDIR` is `<target>/tmp`).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target directory")
        .to_path_buf()
}

/// The group features a generated crate declares, read from its Cargo.toml.
fn group_features(crate_dir: &Path) -> Vec<String> {
    let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml")).expect("Cargo.toml");
    clientgen_testkit::manifest_features(&manifest)
        .into_iter()
        .filter(|k| !matches!(k.as_str(), "default" | "rustls" | "native-tls"))
        .collect()
}

/// `cargo clippy -D warnings` of the crate at `dir` (or of workspace member `package`) with the
/// TLS backend and `features`; the failure, if any, with cargo's output.
fn clippy(dir: &Path, package: Option<&str>, features: &[&str]) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut list = vec!["rustls"];
    list.extend_from_slice(features);
    let mut command = Command::new(cargo);
    command
        .current_dir(dir)
        .args(["clippy", "--offline", "--quiet", "--no-default-features"])
        .args(["--features", &list.join(",")])
        .env("CARGO_TARGET_DIR", target_dir());
    if let Some(package) = package {
        command.args(["-p", package]);
    }
    let output = command
        .args(["--", "-D", "warnings"])
        .output()
        .expect("cargo runs");
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "features {list:?}:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Each feature alone, then none, then all: every failure, not the first.
fn check_each(dir: &Path, package: Option<&str>) -> Vec<String> {
    let features = group_features(dir);
    assert!(!features.is_empty(), "{}: no group features", dir.display());
    let mut sets: Vec<Vec<&str>> = features.iter().map(|f| vec![f.as_str()]).collect();
    sets.push(Vec::new());
    sets.push(features.iter().map(String::as_str).collect());
    sets.iter()
        .filter_map(|set| clippy(dir, package, set).err())
        .collect()
}

/// Writes the fixture's crate into `dir`. Each test's crate has a package name of its own: the
/// crates share one target directory, where two root packages of one name share one
/// fingerprint, and cargo would take one for the other.
fn generate_fixture(dir: &Path, settings: clientgen::Settings) {
    let spec = repo().join("generator/tests/fixtures/groups.yaml");
    let text = std::fs::read_to_string(&spec).expect("fixture");
    let runtime = repo().join("runtime");
    let settings = settings
        .with_runtime(clientgen::RuntimeDependency::Path(
            runtime.display().to_string(),
        ))
        .with_standalone(true);
    let generated = clientgen::generate(&text, &settings).expect("the fixture generates");
    if dir.exists() {
        std::fs::remove_dir_all(dir).expect("old crate removed");
    }
    for (path, text) in &generated.files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("directory");
        std::fs::write(&path, text).expect("file written");
    }
    std::fs::copy(repo().join("Cargo.lock"), dir.join("Cargo.lock")).expect("Cargo.lock");
}

#[test]
fn every_group_feature_of_the_fixture_compiles_alone() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("groups-client");
    generate_fixture(
        &dir,
        clientgen::Settings::new("groups-client", "generator/tests/fixtures/groups.yaml"),
    );
    let features = group_features(&dir);
    // Tags (kebab case), `x-group`, the path past its version, and the unused types.
    assert_eq!(
        features,
        [
            "admin",
            "jobs",
            "pets",
            "store-front",
            "uploads",
            "users",
            "other-types"
        ]
    );
    let failures = check_each(&dir, None);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn split_into_a_file_per_group_every_feature_still_compiles_alone() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("groups-client-split");
    generate_fixture(
        &dir,
        clientgen::Settings::new(
            "groups-client-split",
            "generator/tests/fixtures/groups.yaml",
        )
        .with_split_groups_above(0),
    );
    let mut files: Vec<String> = std::fs::read_dir(dir.join("src/client"))
        .expect("src/client/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "admin.rs",
            "jobs_group.rs",
            "pets.rs",
            "store_front.rs",
            "uploads.rs",
            "users.rs"
        ]
    );
    let client = std::fs::read_to_string(dir.join("src/client.rs")).expect("client.rs");
    assert!(
        client.contains("#[cfg(feature = \"store-front\")]\nmod store_front;\n"),
        "the group's file is behind its feature"
    );
    assert!(
        !client.contains("mod get_user {"),
        "operations left in client.rs"
    );
    let failures = check_each(&dir, None);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_group_left_out_takes_its_operations_and_only_its_types() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("groups-client-off");
    generate_fixture(
        &dir,
        clientgen::Settings::new("groups-client-off", "generator/tests/fixtures/groups.yaml")
            .with_group_features(clientgen::emit::GroupFeatures::Off),
    );
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).expect("Cargo.toml");
    assert!(
        manifest.contains("default = [\"rustls\"]\n"),
        "off by default:\n{manifest}"
    );
    // A program that calls `users` alone compiles with that feature and fails without it.
    std::fs::create_dir_all(dir.join("examples")).expect("examples");
    std::fs::write(
        dir.join("examples/only_users.rs"),
        "fn main() {\n    let client = groups_client_off::Client::with_api_key(\"k\").expect(\"client\");\n    \
         let _user = client.get_user().id(1);\n    let _: Option<groups_client_off::types::User> = None;\n}\n",
    )
    .expect("example");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let build = |features: &str| {
        Command::new(&cargo)
            .current_dir(&dir)
            .args(["check", "--offline", "--quiet", "--example", "only_users"])
            .args(["--features", features])
            .env("CARGO_TARGET_DIR", target_dir())
            .output()
            .expect("cargo runs")
    };
    let with = build("users");
    assert!(
        with.status.success(),
        "{}",
        String::from_utf8_lossy(&with.stderr)
    );
    let without = build("pets");
    let stderr = String::from_utf8_lossy(&without.stderr);
    assert!(
        !without.status.success(),
        "get_user compiled without `users`"
    );
    assert!(stderr.contains("get_user"), "{stderr}");
    // A type compiles with every group that reaches it (`User` is a pet's owner), an unused
    // type with `other-types`.
    let client = std::fs::read_to_string(dir.join("src/client.rs")).expect("client.rs");
    let gate_of = |item: &str| {
        let at = client
            .find(item)
            .unwrap_or_else(|| panic!("{item} in client.rs"));
        let before = &client[..at];
        let start = before.rfind("#[cfg(").expect("a gate before it");
        let end = start + before[start..].find(")]").expect("the gate's end") + 2;
        before[start..end].split_whitespace().collect::<String>()
    };
    let any = |features: &[&str]| {
        let list: Vec<String> = features
            .iter()
            .map(|f| format!("feature=\"{f}\""))
            .collect();
        format!("#[cfg(any({}))]", list.join(","))
    };
    assert_eq!(
        gate_of("pub struct User {"),
        any(&["jobs", "other-types", "pets", "store-front", "users"])
    );
    assert_eq!(
        gate_of("pub enum PhotoKind {"),
        "#[cfg(feature=\"uploads\")]"
    );
    assert_eq!(
        gate_of("pub struct Archive {"),
        "#[cfg(feature=\"other-types\")]"
    );
    assert_eq!(gate_of("mod get_user {"), "#[cfg(feature=\"users\")]");
    assert_eq!(gate_of("mod delete_user {"), "#[cfg(feature=\"admin\")]");
    // The error body every operation uses is not gated at all.
    let problem = client.find("pub struct Problem {").expect("Problem");
    let before = &client[..problem];
    let last_item = before.rfind("\n    }\n").expect("an item before Problem");
    assert!(
        !before[last_item..].contains("#[cfg("),
        "Problem is gated:\n{}",
        &before[last_item..]
    );
}

#[test]
fn every_group_feature_of_the_three_clients_compiles_alone() {
    let mut failures = Vec::new();
    for name in ["huntapi-client", "audiopod-client", "audioscrape-client"] {
        failures.extend(check_each(&repo().join("generated").join(name), Some(name)));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
