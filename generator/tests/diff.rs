//! The verdicts of `clientgen::diff` on pairs of spec versions: each directory of
//! `tests/fixtures/diff/` holds `old.yaml`, `new.yaml` and `expected.txt`, whose first line is
//! the expected class of the whole change (`breaking`, `additive`, `patch` or `none`) and whose
//! other lines are the kinds of change the diff must report, every one and no other. Every pair
//! is run and every mismatch reported before the test fails.
//!
//! `tools/semver-checks.sh` generates the two crates of each pair and checks that
//! cargo-semver-checks never asks for a bigger bump than these verdicts.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clientgen::Settings;
use clientgen::diff::{self, Class};

fn pairs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("readable fixture directory").path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

fn report(dir: &Path) -> diff::Report {
    let model = |file: &str| {
        let path = dir.join(file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        clientgen::model(
            &text,
            &Settings::new("pets-client", path.display().to_string()),
        )
        .unwrap_or_else(|ds| panic!("{} does not lower:\n{ds}", path.display()))
        .0
    };
    diff::diff(&model("old.yaml"), &model("new.yaml"))
}

#[test]
fn every_pair_gets_its_expected_verdict() {
    let pairs = pairs();
    assert!(pairs.len() >= 20, "only {} pairs", pairs.len());
    let mut failures = Vec::new();
    let mut kinds_seen = BTreeSet::new();
    for dir in &pairs {
        let expected = std::fs::read_to_string(dir.join("expected.txt")).expect("expected.txt");
        let mut lines = expected.lines().map(str::trim).filter(|l| !l.is_empty());
        let class = lines.next().expect("a class on the first line");
        let kinds: BTreeSet<&str> = lines.collect();
        let report = report(dir);
        let got_class = report.class().map_or("none", Class::as_str);
        let got_kinds: BTreeSet<&str> = report.changes.iter().map(|c| c.kind).collect();
        kinds_seen.extend(got_kinds.iter().map(|k| k.to_string()));
        if got_class != class || got_kinds != kinds {
            failures.push(format!(
                "{}: expected {class} {kinds:?}, got {got_class} {got_kinds:?}\n{}",
                dir.file_name().unwrap().to_string_lossy(),
                report.changelog_section("x", "")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        kinds_seen.len() >= 20,
        "only {} kinds: {kinds_seen:?}",
        kinds_seen.len()
    );
}

#[test]
fn a_change_reads_in_the_generated_names() {
    let dir = pairs()
        .into_iter()
        .find(|p| p.ends_with("04-operation-renamed"))
        .expect("the renamed-operation pair");
    let report = report(&dir);
    let items: Vec<&str> = report.changes.iter().map(|c| c.item.as_str()).collect();
    assert_eq!(items, ["Client::get_pet", "Client::fetch_pet"]);
    assert!(
        report.changes[0].message.contains("`errors::GetPetError`"),
        "{report:?}"
    );
    let section = report.changelog_section("0.2.0", " (unreleased)");
    assert!(
        section.starts_with("## 0.2.0 (unreleased)\n\n### Breaking\n\n- Operation `getPet`"),
        "{section}"
    );
    assert!(
        section.contains("### Added\n\n- Operation `fetchPet`"),
        "{section}"
    );
    assert_eq!(diff::bump("0.1.0", report.class()).unwrap(), "0.2.0");
}
