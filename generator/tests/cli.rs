//! Tests of the `clientgen` binary: exit codes (0 up to date, 1 drift or a bad spec, 2 bad
//! usage), drift reports with the fixing command, diagnostics naming file, line and pointer,
//! and where `generate --spec --out` puts a `[workspace]` table. Every run works on a copy of
//! the repository layout (`spec/`, `generated/`) in a temporary directory, never on the
//! repository itself.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "clientgen-cli-{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temporary directory");
        Self(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the generator sits inside the repository")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create copy");
    for entry in std::fs::read_dir(from).expect("read source") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("named"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy file");
        }
    }
}

/// A temp dir named after `name` holding a copy of `generator/tests/fixtures/<fixture>`; returns
/// it and the copy's path.
fn with_fixture(name: &str, fixture: &str) -> (TempDir, PathBuf) {
    let dir = TempDir::new(name);
    let spec = dir.path().join(fixture);
    std::fs::copy(
        repo_root().join("generator/tests/fixtures").join(fixture),
        &spec,
    )
    .expect("copy fixture");
    (dir, spec)
}

/// The repository layout in a temp dir: a copy of `spec/`, a root manifest, and `generated/`
/// written by `clientgen generate` (so that these tests do not depend on whether the
/// repository's own `generated/` is up to date: the root package's `golden_drift` tests that).
fn repo_copy() -> TempDir {
    let dir = TempDir::new("repo");
    copy_dir(&repo_root().join("spec"), &dir.path().join("spec"));
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[workspace]\nmembers = [\"generated/*\"]\n",
    )
    .expect("manifest");
    let root = dir.path().to_str().expect("UTF-8 temp path");
    let output = clientgen(dir.path(), &["generate", "--root", root]);
    assert_exit(&output, 0);
    assert!(stdout(&output).contains("huntapi-client: 9 file(s) written, 0 unchanged"));
    dir
}

fn clientgen(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clientgen"))
        .current_dir(cwd)
        .args(args)
        .output()
        .expect("the clientgen binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts the exit code, showing everything the command printed otherwise.
#[track_caller]
fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
    assert!(!stderr(output).contains("panicked"), "{}", stderr(output));
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read spec");
    assert!(
        text.contains(from),
        "{}: no `{from}` to edit",
        path.display()
    );
    std::fs::write(path, text.replacen(from, to, 1)).expect("write spec");
}

#[test]
fn check_exits_0_when_up_to_date_and_1_with_a_diff_on_drift() {
    let repo = repo_copy();
    let root = repo.path().to_str().expect("UTF-8 temp path");
    let output = clientgen(repo.path(), &["check", "--root", root]);
    assert_exit(&output, 0);
    assert!(stdout(&output).contains("generated/ is up to date with spec/"));

    // The spec changes, the committed crate does not: drift, with the diff and the fix.
    edit(
        &repo.path().join("spec/audioscrape.yaml"),
        "\n  title: ",
        "\n  title: Drifted ",
    );
    let output = clientgen(repo.path(), &["check", "--root", root]);
    assert_exit(&output, 1);
    let diff = stdout(&output);
    assert!(
        diff.contains("generated/audioscrape-client/README.md (generated)"),
        "{diff}"
    );
    assert!(
        diff.contains("+Typed async Rust client for **Drifted "),
        "{diff}"
    );
    assert!(
        !diff.contains("huntapi-client"),
        "only the edited spec drifts:\n{diff}"
    );
    assert!(
        stderr(&output).contains("run `cargo run -p clientgen -- generate`"),
        "{}",
        stderr(&output)
    );

    // Regenerating fixes it.
    assert_exit(&clientgen(repo.path(), &["generate", "--root", root]), 0);
    assert_exit(&clientgen(repo.path(), &["check", "--root", root]), 0);
}

#[test]
fn the_root_is_found_from_the_current_directory() {
    let repo = repo_copy();
    let output = clientgen(&repo.path().join("generated/huntapi-client"), &["check"]);
    assert_exit(&output, 0);

    let elsewhere = TempDir::new("no-root");
    let output = clientgen(elsewhere.path(), &["check"]);
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("no spec/ directory"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn bad_usage_exits_2() {
    let cwd = std::env::temp_dir();
    for args in [
        &[][..],
        &["frobnicate"],
        &["generate", "--spec", "x.yaml"],
        &["generate", "--out", "x"],
        &["check", "--out", "x", "--crate-name", "x"],
        &["check", "--no-such-flag"],
    ] {
        let output = clientgen(&cwd, args);
        assert_exit(&output, 2);
        assert!(
            stderr(&output).contains("Usage"),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn a_malformed_spec_exits_1_naming_file_line_and_pointer() {
    // A layout with the broken spec alone: the run stops at its first bad spec anyway.
    let repo = TempDir::new("broken");
    std::fs::create_dir_all(repo.path().join("spec")).expect("spec directory");
    let root = repo.path().to_str().expect("UTF-8 temp path");
    let broken = repo.path().join("spec/broken.yaml");
    let cases = [
        (
            // An unresolved reference, on line 15, column 17.
            "openapi: 3.0.3\ninfo:\n  title: x\n  version: '1'\npaths:\n  /a:\n    get:\n      \
             operationId: getA\n      responses:\n        '200':\n          description: ok\n          \
             content:\n            application/json:\n              schema:\n                \
             $ref: '#/components/schemas/Missing'\n",
            "spec/broken.yaml:15:17: at /paths/~1a/get/responses/200/content/application~1json/schema/$ref: \
             `$ref` `#/components/schemas/Missing` does not resolve",
        ),
        (
            "openapi: 3.0.3\ninfo:\n  title: x\n  version: 1\npaths: {}\n",
            "spec/broken.yaml:4:3: at /info/version: invalid type: integer `1`, expected a string",
        ),
        (
            "openapi: 3.0.3\ninfo: [unclosed\n",
            "spec/broken.yaml:3:1: at /info/1: invalid YAML",
        ),
    ];
    for (text, expected) in cases {
        std::fs::write(&broken, text).expect("write spec");
        for command in ["check", "generate"] {
            let output = clientgen(repo.path(), &[command, "--root", root, "--format", "short"]);
            assert_exit(&output, 1);
            let err = stderr(&output);
            assert!(
                err.contains(expected),
                "{command}: expected `{expected}` in:\n{err}"
            );
            assert!(
                err.contains("error: spec/broken.yaml: 1 error(s); nothing was written"),
                "{err}"
            );
        }
        assert!(!repo.path().join("generated/broken-client").exists());
    }
    // One-spec mode: a failed run leaves no `--out` folder it created behind, and keeps one
    // that was there.
    let spec = broken.to_str().expect("UTF-8 temp path");
    let fresh = repo.path().join("out/deep/client");
    let args = ["generate", "--spec", spec, "--crate-name", "x", "--out"];
    let output = clientgen(
        repo.path(),
        &[&args[..], &[fresh.to_str().unwrap()]].concat(),
    );
    assert_exit(&output, 1);
    assert!(!repo.path().join("out").exists(), "{}", stderr(&output));
    let kept = repo.path().join("kept");
    std::fs::create_dir_all(&kept).expect("kept");
    let output = clientgen(
        repo.path(),
        &[&args[..], &[kept.to_str().unwrap()]].concat(),
    );
    assert_exit(&output, 1);
    assert!(kept.is_dir());
}

#[test]
fn one_spec_mode_checks_its_crate() {
    let (dir, spec) = with_fixture("one", "plain.yaml");
    let args = |command: &'static str| {
        [
            command,
            "--spec",
            "plain.yaml",
            "--out",
            "out/plain-client",
            "--crate-name",
            "plain-client",
        ]
    };

    // Checking a crate that was never generated is drift, with the command that makes it.
    let output = clientgen(dir.path(), &args("check"));
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains(
            "run `clientgen generate --spec plain.yaml --out out/plain-client --crate-name plain-client`"
        ),
        "{}",
        stderr(&output)
    );

    assert_exit(&clientgen(dir.path(), &args("generate")), 0);
    assert_exit(&clientgen(dir.path(), &args("check")), 0);
    let manifest =
        std::fs::read_to_string(dir.path().join("out/plain-client/Cargo.toml")).expect("manifest");
    assert!(manifest.contains("name = \"plain-client\""));
    assert!(
        manifest.contains("\n[workspace]\n"),
        "outside any workspace the crate is its own:\n{manifest}"
    );

    edit(&spec, "summary: List notes", "summary: List every note");
    let output = clientgen(dir.path(), &args("check"));
    assert_exit(&output, 1);
    assert!(stdout(&output).contains("+| `list_notes()` | `GET /notes` | List every note |"));
}

#[test]
fn a_crate_listed_by_an_enclosing_workspace_gets_no_workspace_table() {
    let dir = TempDir::new("member");
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[workspace]\nmembers = [\"clients/*\"]\n",
    )
    .expect("manifest");
    let spec = repo_root().join("generator/tests/fixtures/petstore.json");
    let spec = spec.to_str().expect("UTF-8 path");
    for (out, member) in [("clients/pets", true), ("elsewhere/pets", false)] {
        let output = clientgen(
            dir.path(),
            &[
                "generate",
                "--spec",
                spec,
                "--out",
                out,
                "--crate-name",
                "pets",
            ],
        );
        assert_exit(&output, 0);
        let manifest =
            std::fs::read_to_string(dir.path().join(out).join("Cargo.toml")).expect("manifest");
        assert_eq!(
            manifest.contains("[workspace]"),
            !member,
            "{out}: listed = {member}:\n{manifest}"
        );
    }

    // An enclosing manifest that does not parse is reported, not guessed around.
    std::fs::write(dir.path().join("Cargo.toml"), "[workspace\n").expect("manifest");
    let output = clientgen(
        dir.path(),
        &[
            "generate",
            "--spec",
            spec,
            "--out",
            "clients/pets",
            "--crate-name",
            "pets",
        ],
    );
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("Cargo.toml: not a valid Cargo manifest"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn type_settings_reach_the_type_engine() {
    let (dir, _) = with_fixture("types", "petstore.json");
    let base = [
        "generate",
        "--spec",
        "petstore.json",
        "--out",
        "out/pets",
        "--crate-name",
        "pets",
    ];
    let mut args = base.to_vec();
    args.extend([
        "--derive",
        "PartialEq",
        "--rename",
        "Pet=Animal",
        "--no-struct-builders",
    ]);
    let output = clientgen(dir.path(), &args);
    assert_exit(&output, 0);
    let client =
        std::fs::read_to_string(dir.path().join("out/pets/src/client.rs")).expect("client");
    assert!(client.contains("pub struct Animal {"), "renamed");
    assert!(!client.contains("pub struct Pet {"), "renamed");
    assert!(client.contains("PartialEq"), "the extra derive");
    assert!(
        !client.contains("pub mod builder {\n        use"),
        "no struct builders in types"
    );

    // A setting that is not NAME=VALUE is bad usage.
    let mut args = base.to_vec();
    args.extend(["--rename", "Pet"]);
    assert_exit(&clientgen(dir.path(), &args), 2);
}

/// Every file of a generated crate, by path relative to it.
fn crate_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).expect("read crate") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let text = std::fs::read_to_string(&path).expect("read file");
                files.push((path.strip_prefix(dir).unwrap().to_path_buf(), text));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn output_does_not_depend_on_where_it_was_generated_and_a_failure_keeps_it() {
    let (dir, spec) = with_fixture("portable", "plain.yaml");
    let out = dir.path().join("out/plain-client");
    let relative = [
        "generate",
        "--spec",
        "plain.yaml",
        "--out",
        "out/plain-client",
        "--crate-name",
        "plain-client",
    ];
    assert_exit(&clientgen(dir.path(), &relative), 0);
    let from_relative = crate_files(&out);
    std::fs::remove_dir_all(dir.path().join("out")).expect("clean");
    let (spec_abs, out_abs) = (spec.to_str().unwrap(), out.to_str().unwrap());
    let absolute = [
        "generate",
        "--spec",
        spec_abs,
        "--out",
        out_abs,
        "--crate-name",
        "plain-client",
    ];
    assert_exit(&clientgen(dir.path(), &absolute), 0);
    let from_absolute = crate_files(&out);
    assert_eq!(from_relative, from_absolute);
    let (_, client) = from_absolute
        .iter()
        .find(|(path, _)| path.ends_with("client.rs"))
        .expect("client.rs");
    assert!(
        client.contains(
            "run `clientgen generate --spec plain.yaml --out out/plain-client --crate-name plain-client`"
        ),
        "{}",
        &client[..300]
    );
    assert!(!client.contains(dir.path().to_str().unwrap()));

    // A spec that no longer generates leaves the crate as it was.
    edit(&spec, "openapi: 3.0.3", "swagger: '2.0'");
    let output = clientgen(dir.path(), &absolute);
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("Swagger 2.0"),
        "{}",
        stderr(&output)
    );
    assert_eq!(crate_files(&out), from_absolute);
}

/// A description with `n` operations, each with a path parameter and an object response.
fn large_spec(n: usize) -> String {
    let mut text = String::from("openapi: 3.0.3\ninfo: {title: Large, version: '1'}\npaths:\n");
    for i in 0..n {
        text.push_str(&format!(
            "  /items{i}/{{id}}:\n    get:\n      operationId: getItem{i}\n      parameters: \
             [{{name: id, in: path, required: true, schema: {{type: string}}}}]\n      \
             responses:\n        '200': {{description: ok, content: {{application/json: \
             {{schema: {{type: object, properties: {{a{i}: {{type: string}}}}}}}}}}}}\n"
        ));
    }
    text
}

#[test]
fn a_long_generation_shows_progress_on_a_terminal_only() {
    // 4000 operations take several seconds in a debug build, past the display's 1.5 s delay.
    let dir = TempDir::new("progress");
    std::fs::write(dir.path().join("large.yaml"), large_spec(4000)).expect("spec");
    let bin = env!("CARGO_BIN_EXE_clientgen");
    // Its 4000 untagged operations are 4000 groups: without group features, one file.
    let args = |out: &str| {
        format!(
            "{bin} generate --spec large.yaml --out {out} --crate-name large-client \
             --group-features none"
        )
    };
    // `script` (util-linux) runs the command on a pseudo-terminal and copies what it printed.
    let terminal = Command::new("script")
        .current_dir(dir.path())
        .args(["-qec", &args("on-terminal"), "/dev/null"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script(1) runs");
    let piped = Command::new(bin)
        .current_dir(dir.path())
        .args(args("piped").split(' ').skip(1))
        .output()
        .expect("clientgen runs");
    let terminal = terminal.wait_with_output().expect("script(1) ends");
    assert_exit(&terminal, 0);
    assert_exit(&piped, 0);
    let shown = stdout(&terminal);
    assert!(
        shown.contains("\r\u{1b}[2Klarge-client: emitting the types of 4000 operation(s) (")
            || shown.contains("\r\u{1b}[2Klarge-client: emitting operations: "),
        "no progress line on the terminal:\n{shown:?}"
    );
    assert!(
        shown.contains("large-client: 8 file(s) written to on-terminal"),
        "{shown:?}"
    );
    assert!(
        !stderr(&piped).contains("operation(s)") && !stderr(&piped).contains('\r'),
        "progress drawn on a pipe:\n{}",
        stderr(&piped)
    );
    assert!(dir.path().join("piped/src/client.rs").is_file());
}

#[test]
fn check_reports_drift_as_json_on_stdout_only() {
    let (dir, _) = with_fixture("json-drift", "plain.yaml");
    let args = |command: &'static str| {
        [
            command,
            "--spec",
            "plain.yaml",
            "--out",
            "out",
            "--crate-name",
            "plain-client",
            "--format",
            "json",
        ]
    };
    assert_exit(&clientgen(dir.path(), &args("generate")), 0);
    edit(
        &dir.path().join("plain.yaml"),
        "summary: List notes",
        "summary: List every note",
    );
    let output = clientgen(dir.path(), &args("check"));
    assert_exit(&output, 1);
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("only JSON on stdout"))
        .collect();
    let files: Vec<&str> = lines.iter().map(|l| l["file"].as_str().unwrap()).collect();
    assert!(lines.iter().all(|l| l["kind"] == "drift"), "{lines:?}");
    assert!(files.contains(&"out/README.md"), "{files:?}");
    assert!(
        lines[0]["hint"]
            .as_str()
            .unwrap()
            .contains("clientgen generate --spec plain.yaml --out out"),
        "{lines:?}"
    );
}

#[test]
fn a_subset_of_operations_leaves_out_the_types_only_they_use() {
    let (dir, _) = with_fixture("subset", "petstore.json");
    let args = |command: &'static str, flag: &'static str, value: &'static str| {
        [
            command,
            "--spec",
            "petstore.json",
            "--out",
            "pets",
            "--crate-name",
            "pets",
            flag,
            value,
        ]
    };
    assert_exit(
        &clientgen(
            dir.path(),
            &args("generate", "--exclude-operations", "createPet"),
        ),
        0,
    );
    let client = std::fs::read_to_string(dir.path().join("pets/src/client.rs")).expect("client");
    assert!(
        client.contains("pub struct Pet {"),
        "the kept operations' type"
    );
    assert!(
        !client.contains("pub struct NewPet"),
        "only createPet took it"
    );
    assert!(!client.contains("fn create_pet("));
    assert!(client.contains("--crate-name pets --exclude-operations createPet`"));
    // The same flags check clean; without them the crate has drifted.
    assert_exit(
        &clientgen(
            dir.path(),
            &args("check", "--exclude-operations", "createPet"),
        ),
        0,
    );
    assert_exit(
        &clientgen(
            dir.path(),
            &[
                "check",
                "--spec",
                "petstore.json",
                "--out",
                "pets",
                "--crate-name",
                "pets",
            ],
        ),
        1,
    );
    // A name the description does not have is an error with the nearest one.
    let output = clientgen(
        dir.path(),
        &args("generate", "--include-operations", "listPet"),
    );
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(
        err.contains("include-operations: the description has no operation `listPet`; it has `createPet`, `listPets`, `showPetById`"),
        "{err}"
    );
    assert!(err.contains("did you mean `listPets`?"), "{err}");
}

#[test]
fn package_metadata_is_set_from_flags() {
    let (dir, _) = with_fixture("package", "plain.yaml");
    let args = [
        "generate",
        "--spec",
        "plain.yaml",
        "--out",
        "plain",
        "--crate-name",
        "plain",
        "--crate-version",
        "2.1.0",
        "--license",
        "MIT",
        "--repository",
        "https://example.com/plain",
        "--author",
        "Ada Lovelace",
    ];
    assert_exit(&clientgen(dir.path(), &args), 0);
    let crate_dir = dir.path().join("plain");
    let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml")).expect("manifest");
    for line in [
        "version = \"2.1.0\"",
        "license = \"MIT\"",
        "repository = \"https://example.com/plain\"",
        "authors = [\"Ada Lovelace\"]",
    ] {
        assert!(manifest.contains(line), "{line} in\n{manifest}");
    }
    let mit = std::fs::read_to_string(crate_dir.join("LICENSE-MIT")).expect("MIT text");
    assert!(mit.starts_with("Copyright (c) Ada Lovelace\n"), "{mit}");
    assert!(!crate_dir.join("LICENSE-APACHE").exists(), "not asked for");
    let spec = std::fs::read_to_string(crate_dir.join("openapi.yaml")).expect("the spec");
    assert_eq!(
        spec,
        std::fs::read_to_string(dir.path().join("plain.yaml")).unwrap()
    );
    // The flags are in the regenerate command, and `check` with them is clean.
    assert!(manifest.contains(
        "--crate-version 2.1.0 --license MIT --repository https://example.com/plain --author 'Ada Lovelace'"
    ));
    let mut check = args;
    check[0] = "check";
    assert_exit(&clientgen(dir.path(), &check), 0);
}

#[test]
fn a_breaking_change_fails_check_until_generate_bumps_the_version_and_records_it() {
    let repo = repo_copy();
    let root = repo.path().to_str().expect("UTF-8 temp path");
    let crate_dir = repo.path().join("generated/audioscrape-client");
    let changelog = || std::fs::read_to_string(crate_dir.join("CHANGELOG.md")).expect("changelog");
    assert!(changelog().contains("\n## 0.1.0\n\nFirst version.\n"));

    // A renamed operation is a removed method: check names it, the bump and the command.
    edit(
        &repo.path().join("spec/audioscrape.yaml"),
        "operationId: getMe",
        "operationId: getAccount",
    );
    let output = clientgen(repo.path(), &["check", "--root", root]);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(
        err.contains("1 breaking change(s) since the description generated/audioscrape-client was generated from, without the version bump they need (0.1.0 -> 0.2.0, breaking)"),
        "{err}"
    );
    assert!(
        err.contains("Operation `getMe` (`GET /api/me`) removed"),
        "{err}"
    );
    assert!(
        err.contains("run `cargo run -p clientgen -- generate`: it sets version 0.2.0"),
        "{err}"
    );

    // generate records it: the version, the CHANGELOG entry, and what it printed.
    let output = clientgen(repo.path(), &["generate", "--root", root]);
    assert_exit(&output, 0);
    let out = stdout(&output);
    assert!(out.contains("audioscrape-client: 2 change(s) to the description since the last generation, breaking at most: version 0.1.0 -> 0.2.0"), "{out}");
    assert!(out.contains("  [breaking] Operation `getMe`"), "{out}");
    assert!(out.contains("  [additive] Operation `getAccount`"), "{out}");
    let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml")).expect("manifest");
    assert!(manifest.contains("\nversion = \"0.2.0\"\n"), "{manifest}");
    let text = changelog();
    assert!(
        text.contains("## 0.2.0 (unreleased)\n\n### Breaking\n\n- Operation `getMe`"),
        "{text}"
    );
    assert!(
        text.contains("### Added\n\n- Operation `getAccount`"),
        "{text}"
    );
    assert_exit(&clientgen(repo.path(), &["check", "--root", root]), 0);

    // A second change before the release joins the same entry; the version stays 0.2.0.
    edit(
        &repo.path().join("spec/audioscrape.yaml"),
        "operationId: getAccount",
        "operationId: getAccountDetails",
    );
    assert_exit(&clientgen(repo.path(), &["generate", "--root", root]), 0);
    let text = changelog();
    assert_eq!(text.matches("## 0.2.0 (unreleased)").count(), 1, "{text}");
    assert!(text.contains("`getAccountDetails`"), "{text}");
    assert_exit(&clientgen(repo.path(), &["check", "--root", root]), 0);

    // A version set below what the entry lists fails check, naming it.
    std::fs::write(
        crate_dir.join("CHANGELOG.md"),
        text.replace("## 0.2.0 (unreleased)", "## 0.1.1 (unreleased)"),
    )
    .expect("edit the changelog");
    let output = clientgen(repo.path(), &["check", "--root", root]);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(err.contains("the version does not follow the changes: version 0.1.1 lists breaking change(s) since 0.1.0 but needs at least 0.2.0"), "{err}");
}

#[test]
fn diff_exits_0_1_and_2_and_reads_git_revisions() {
    let dir = TempDir::new("diff");
    let fixtures = repo_root().join("generator/tests/fixtures/diff");
    let pair = |name: &str, file: &str| fixtures.join(name).join(file).display().to_string();

    let output = clientgen(
        dir.path(),
        &[
            "diff",
            &pair("20-error-status-added", "old.yaml"),
            &pair("20-error-status-added", "new.yaml"),
            "--from-version",
            "0.3.1",
        ],
    );
    assert_exit(&output, 0);
    let out = stdout(&output);
    assert!(
        out.contains("0 breaking, 1 additive, 0 patch change(s)"),
        "{out}"
    );
    assert!(
        out.contains("semver: additive -> 0.3.1 becomes 0.3.2"),
        "{out}"
    );
    assert!(
        out.contains("## 0.3.2\n\n### Added\n\n- `errors::GetPetError::RateLimited`"),
        "{out}"
    );

    let output = clientgen(
        dir.path(),
        &[
            "diff",
            "--format",
            "json",
            &pair("18-enum-value-added", "old.yaml"),
            &pair("18-enum-value-added", "new.yaml"),
        ],
    );
    assert_exit(&output, 1);
    let json: serde_json::Value = serde_json::from_str(stdout(&output).trim()).expect("JSON");
    assert_eq!(json["class"], "breaking");
    assert_eq!(json["changes"][0]["kind"], "enum-value-added");
    assert_eq!(json["changes"][0]["item"], "types::Pet::status");

    assert_exit(&clientgen(dir.path(), &["diff", "only-one.yaml"]), 2);
    let output = clientgen(dir.path(), &["diff", "missing.yaml", "other.yaml"]);
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("missing.yaml"),
        "{}",
        stderr(&output)
    );

    // FILE@REV and --git read the file at a revision.
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .current_dir(dir.path())
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .output()
            .expect("git runs");
        assert!(status.status.success(), "{status:?}");
    };
    git(&["init", "-q"]);
    std::fs::copy(
        pair("03-operation-removed", "old.yaml"),
        dir.path().join("api.yaml"),
    )
    .unwrap();
    git(&["add", "api.yaml"]);
    git(&["commit", "-q", "-m", "old"]);
    std::fs::copy(
        pair("03-operation-removed", "new.yaml"),
        dir.path().join("api.yaml"),
    )
    .unwrap();
    let output = clientgen(dir.path(), &["diff", "api.yaml@HEAD", "api.yaml"]);
    assert_exit(&output, 1);
    assert!(
        stdout(&output).starts_with("api.yaml@HEAD -> api.yaml: 1 breaking"),
        "{}",
        stdout(&output)
    );
    let output = clientgen(dir.path(), &["diff", "--git", "HEAD", "api.yaml"]);
    assert_exit(&output, 1);
    let output = clientgen(dir.path(), &["diff", "api.yaml@nope", "api.yaml"]);
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("cannot read the spec at revision `nope`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn one_spec_mode_records_the_bump_and_check_names_a_missing_one() {
    let (dir, spec) = with_fixture("one-semver", "plain.yaml");
    let args = |command: &'static str| {
        [
            command,
            "--spec",
            "plain.yaml",
            "--out",
            "out/plain-client",
            "--crate-name",
            "plain-client",
        ]
    };
    assert_exit(&clientgen(dir.path(), &args("generate")), 0);
    let crate_dir = dir.path().join("out/plain-client");
    let changelog = std::fs::read_to_string(crate_dir.join("CHANGELOG.md")).expect("changelog");
    assert!(
        changelog.contains("\n## 0.1.0\n\nFirst version.\n"),
        "{changelog}"
    );

    // A renamed operation: check names it and the command; generate bumps and records it.
    let text = std::fs::read_to_string(&spec).expect("spec");
    let renamed = text.replace("operationId: listNotes", "operationId: listAllNotes");
    assert_ne!(text, renamed, "the fixture has listNotes");
    std::fs::write(&spec, renamed).expect("write spec");
    let output = clientgen(dir.path(), &args("check"));
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(
        err.contains("without the version bump they need (0.1.0 -> 0.2.0, breaking)"),
        "{err}"
    );
    assert!(err.contains("Operation `listNotes`"), "{err}");
    assert!(
        err.contains("run `clientgen generate --spec plain.yaml --out out/plain-client --crate-name plain-client`: it sets version 0.2.0"),
        "{err}"
    );
    let output = clientgen(dir.path(), &args("generate"));
    assert_exit(&output, 0);
    assert!(
        stdout(&output).contains("version 0.1.0 -> 0.2.0"),
        "{}",
        stdout(&output)
    );
    let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml")).expect("manifest");
    assert!(manifest.contains("\nversion = \"0.2.0\"\n"), "{manifest}");
    assert_exit(&clientgen(dir.path(), &args("check")), 0);
}

#[test]
fn diff_draws_the_diagnostics_of_a_version_that_does_not_load() {
    let root = repo_root();
    let broken = root.join("generator/tests/ui/broken-ref.yaml");
    let good = root.join("generator/tests/fixtures/diff/01-no-change/old.yaml");
    let output = clientgen(
        root,
        &[
            "diff",
            "--color",
            "never",
            good.to_str().unwrap(),
            broken.to_str().unwrap(),
        ],
    );
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(
        err.contains("error: `$ref` `#/components/schemas/"),
        "{err}"
    );
    assert!(err.contains("broken-ref.yaml:"), "{err}");
    assert!(err.contains("= note: at /paths/"), "{err}");
    assert!(err.contains("error(s); nothing was compared"), "{err}");
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
}
