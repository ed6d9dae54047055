//! Snapshot tests of what the command line prints for bad input, in the manner of rustc's UI
//! tests: each case runs `clientgen generate` on a spec under `tests/ui/` and compares stdout and
//! stderr with `tests/ui/<case>.stdout` and `tests/ui/<case>.stderr` (an absent file is empty
//! output). `CLIENTGEN_BLESS=1 cargo test -p clientgen --test diagnostics` rewrites them.
//!
//! Every case also checks that the failed run left no `--out` folder behind.

use std::path::{Path, PathBuf};
use std::process::Command;

/// (case, spec under `tests/`, extra arguments).
const CASES: &[(&str, &str, &[&str])] = &[
    ("missing-file", "ui/no-such-spec.yaml", &[]),
    // A typo in the file name: `broken-refs.yaml` for `broken-ref.yaml`.
    ("missing-file-near-name", "ui/broken-refs.yaml", &[]),
    ("empty", "ui/empty.yaml", &[]),
    ("yaml-syntax", "ui/yaml-syntax.yaml", &[]),
    ("not-openapi", "ui/not-openapi.json", &[]),
    ("swagger2", "ui/swagger2.yaml", &[]),
    ("broken-ref", "ui/broken-ref.yaml", &[]),
    ("typo-field", "ui/typo-field.yaml", &[]),
    ("many-problems", "ui/many-problems.yaml", &[]),
    ("many-problems-quiet", "ui/many-problems.yaml", &["--quiet"]),
    // Twelve repairs of one kind: ten drawn, two counted.
    ("many-warnings", "ui/many-warnings.yaml", &[]),
    (
        "many-warnings-short",
        "ui/many-warnings.yaml",
        &["--format", "short"],
    ),
    (
        "many-problems-short",
        "ui/many-problems.yaml",
        &["--format", "short"],
    ),
    (
        "many-problems-json",
        "ui/many-problems.yaml",
        &["--format", "json"],
    ),
    (
        "broken-ref-color",
        "ui/broken-ref.yaml",
        &["--color", "always"],
    ),
];

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

fn temp_out(case: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "clientgen-ui-{case}-{}/out/client",
        std::process::id()
    ))
}

/// Runs one case: its (stdout, stderr), with the exit code checked to be 1.
fn run(case: &str, spec: &str, extra: &[&str], envs: &[(&str, &str)]) -> (String, String) {
    let out = temp_out(case);
    let mut command = Command::new(env!("CARGO_BIN_EXE_clientgen"));
    command
        .current_dir(tests_dir())
        .args([
            "generate",
            "--spec",
            spec,
            "--crate-name",
            "x-client",
            "--out",
        ])
        .arg(&out)
        .args(extra)
        .env_remove("NO_COLOR");
    for (key, value) in envs {
        command.env(key, value);
    }
    let output = command.output().expect("the clientgen binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{case}: stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{case}: {stderr}");
    let top = out.parent().and_then(Path::parent).expect("temp root");
    assert!(
        !top.join("out").exists(),
        "{case}: a failed run left {} behind",
        top.join("out").display()
    );
    let _ = std::fs::remove_dir_all(top);
    (stdout, stderr)
}

#[test]
fn ui_snapshots() {
    let bless = std::env::var_os("CLIENTGEN_BLESS").is_some();
    let mut failures = Vec::new();
    for (case, spec, extra) in CASES {
        let (stdout, stderr) = run(case, spec, extra, &[]);
        for (stream, actual) in [("stdout", stdout), ("stderr", stderr)] {
            let path = tests_dir().join(format!("ui/{case}.{stream}"));
            if bless {
                if actual.is_empty() {
                    let _ = std::fs::remove_file(&path);
                } else {
                    std::fs::write(&path, &actual).expect("bless");
                }
                continue;
            }
            let expected = std::fs::read_to_string(&path).unwrap_or_default();
            if expected != actual {
                failures.push(format!(
                    "{case} {stream} differs from {}:\n--- expected\n{expected}\n--- actual\n{actual}",
                    path.display()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(rerun with CLIENTGEN_BLESS=1 to accept)",
        failures.join("\n")
    );
}

#[test]
fn json_lines_carry_every_field() {
    let (stdout, _) = run(
        "json-fields",
        "ui/many-problems.yaml",
        &["--format", "json"],
        &[],
    );
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert!(lines.len() >= 2, "{stdout}");
    for line in &lines {
        for field in [
            "severity", "kind", "file", "line", "column", "pointer", "message", "hint",
        ] {
            assert!(line.get(field).is_some(), "no `{field}` in {line}");
        }
    }
    assert!(lines.iter().any(|l| l["severity"] == "warning"));
    let broken = lines
        .iter()
        .find(|l| l["kind"] == "reference" && l["message"].as_str().unwrap().contains("Ownr"))
        .expect("the broken $ref");
    assert_eq!(broken["hint"], "did you mean `#/components/schemas/Owner`?");
}

#[test]
fn no_colour_when_not_a_terminal_or_with_no_color() {
    // stderr is a pipe here: `auto` draws no colour.
    let (_, plain) = run("plain", "ui/broken-ref.yaml", &[], &[]);
    assert!(!plain.contains('\u{1b}'), "{plain}");
    let (_, no_color) = run(
        "no-color",
        "ui/broken-ref.yaml",
        &["--color", "auto"],
        &[("NO_COLOR", "1")],
    );
    assert!(!no_color.contains('\u{1b}'), "{no_color}");
    let (_, always) = run("always", "ui/broken-ref.yaml", &["--color", "always"], &[]);
    assert!(always.contains("\u{1b}["), "{always}");
}

#[test]
fn quiet_prints_errors_only_and_verbose_the_stages() {
    let (_, quiet) = run("quiet", "ui/many-problems.yaml", &["--quiet"], &[]);
    assert!(quiet.contains("error:"), "{quiet}");
    assert!(!quiet.contains("warning:"), "{quiet}");
    let (_, verbose) = run("verbose", "ui/many-problems.yaml", &["--verbose"], &[]);
    assert!(verbose.contains("x-client: loading took"), "{verbose}");
    assert!(verbose.contains("x-client: validating took"), "{verbose}");
    assert!(verbose.contains("warning:"), "{verbose}");
}
