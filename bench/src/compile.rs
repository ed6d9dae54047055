//! What users pay to compile generated code: `cargo check` and `cargo build` of a crate
//! generated from one description, its dependencies prebuilt so that only the crate is timed,
//! for clientgen's crate and for progenitor's output (builder and positional interfaces) from
//! the same description.
//!
//! The three crates are members of one scratch workspace with one target directory, so they
//! share every dependency build. Each is compiled once to warm that directory, then its
//! `src/lib.rs` is touched and the command is timed (wall time and peak memory of cargo and
//! the rustc it runs). Incremental compilation is off, so that the timed run compiles the whole
//! crate, as a clean build does, rather than reusing the warm run's results.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::generation::{Interface, progenitor_source};
use crate::rss::{ChildRun, run_measured};

/// The crates compared, in table order: (directory and package suffix, what it is).
pub const KINDS: [(&str, &str); 3] = [
    ("clientgen", "clientgen"),
    ("builder", "progenitor, builder interface"),
    ("positional", "progenitor, positional interface"),
];

/// The scratch workspace for one description: the three crates, written afresh.
pub struct Workspace {
    dir: PathBuf,
    /// Package name per kind (`None`: that generator failed on the description).
    packages: Vec<Option<String>>,
    /// Why a generator failed, per kind.
    pub failures: Vec<Option<String>>,
}

impl Workspace {
    /// Writes the three crates for the description `text` (named `name`) under `dir`.
    pub fn create(dir: &Path, name: &str, label: &str, text: &str, runtime: &Path) -> Self {
        let _ = std::fs::remove_dir_all(dir.join("crates"));
        let slug: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let mut packages = Vec::new();
        let mut failures = Vec::new();
        for (kind, _) in KINDS {
            let package = format!("{slug}-{kind}");
            let crate_dir = dir.join("crates").join(kind);
            let written = match kind {
                "clientgen" => write_clientgen(&crate_dir, &package, label, text, runtime),
                "builder" => write_progenitor(&crate_dir, &package, text, Interface::Builder),
                _ => write_progenitor(&crate_dir, &package, text, Interface::Positional),
            };
            match written {
                Ok(()) => {
                    packages.push(Some(package));
                    failures.push(None);
                }
                Err(e) => {
                    packages.push(None);
                    failures.push(Some(e));
                }
            }
        }
        let members: Vec<String> = KINDS
            .iter()
            .zip(&packages)
            .filter(|(_, p)| p.is_some())
            .map(|((kind, _), _)| format!("\"crates/{kind}\""))
            .collect();
        let manifest = format!(
            "[workspace]\nmembers = [{}]\nresolver = \"3\"\n",
            members.join(", ")
        );
        if let Err(e) = std::fs::write(dir.join("Cargo.toml"), manifest) {
            failures = vec![Some(e.to_string()); KINDS.len()];
        }
        Self {
            dir: dir.to_path_buf(),
            packages,
            failures,
        }
    }

    /// `cargo <command> -p` the crate of kind `index` ("check" or "build"): once to build what
    /// it needs, then again after touching its `src/lib.rs`, which is what is measured.
    pub fn time(&self, cargo: &Path, index: usize, command: &str) -> Result<ChildRun, String> {
        self.time_with(cargo, index, command, None)
    }

    /// [`Workspace::time`] with the default features off and `features` on (clientgen's crate:
    /// the TLS backend and one group).
    pub fn time_with(
        &self,
        cargo: &Path,
        index: usize,
        command: &str,
        features: Option<&str>,
    ) -> Result<ChildRun, String> {
        let Some(package) = &self.packages[index] else {
            return Err(self.failures[index]
                .clone()
                .unwrap_or_else(|| "not generated".into()));
        };
        let run = |cx: &Self| {
            let mut cmd = Command::new(cargo);
            cmd.current_dir(&cx.dir)
                .args([command, "-q", "-p", package]);
            if let Some(features) = features {
                cmd.args(["--no-default-features", "--features", features]);
            }
            // Incremental compilation off: after a touch, rustc would otherwise reuse its cached
            // results for unchanged source and time little of the compilation itself.
            cmd.env("CARGO_TARGET_DIR", cx.dir.join("target"))
                .env("CARGO_INCREMENTAL", "0")
                .env("RUSTFLAGS", "-A warnings");
            run_measured(&mut cmd).map_err(|e| e.to_string())
        };
        let warm = run(self)?;
        if !warm.success() {
            return Err(format!("{command} fails: {}", warm.last_error_line(200)));
        }
        let lib = self
            .dir
            .join("crates")
            .join(KINDS[index].0)
            .join("src/lib.rs");
        let text = std::fs::read(&lib).map_err(|e| e.to_string())?;
        std::fs::write(&lib, text).map_err(|e| e.to_string())?;
        let timed = run(self)?;
        if timed.success() {
            Ok(timed)
        } else {
            Err(format!("{command} fails: {}", timed.last_error_line(200)))
        }
    }
}

fn write_clientgen(
    dir: &Path,
    package: &str,
    label: &str,
    text: &str,
    runtime: &Path,
) -> Result<(), String> {
    let settings = clientgen::Settings::new(package, label)
        .with_runtime(clientgen::RuntimeDependency::Path(
            runtime.to_string_lossy().into_owned(),
        ))
        .with_standalone(false);
    let generated = clientgen::generate(text, &settings)
        .map_err(|ds| format!("clientgen: {}", ds.errors().count()))?;
    clientgen::write::write_if_changed(dir, &generated.files).map_err(|e| e.to_string())?;
    Ok(())
}

fn write_progenitor(
    dir: &Path,
    package: &str,
    text: &str,
    interface: Interface,
) -> Result<(), String> {
    let source = progenitor_source(text, interface)?;
    std::fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
    let manifest = format!(
        r#"[package]
name = "{package}"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
bytes = "1.11"
chrono = {{ version = "0.4.42", default-features = false, features = ["serde", "std"] }}
futures-core = "0.3.31"
progenitor-client = "0.15.1"
regress = "0.10.4"
reqwest = {{ version = "0.13.4", default-features = false, features = ["json", "query", "stream"] }}
serde = {{ version = "1.0.226", features = ["derive"] }}
serde_json = "1.0.150"
serde_urlencoded = "0.7.1"
uuid = {{ version = "1.18", features = ["serde"] }}
"#
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    std::fs::write(
        dir.join("src/lib.rs"),
        format!("#![allow(warnings, clippy::all)]\n{source}"),
    )
    .map_err(|e| e.to_string())
}

/// Lines of a generated `client.rs` outside its `types` module, and of those the ones that are
/// code (not comments or blank).
pub fn non_type_lines(client_rs: &str) -> (usize, usize) {
    let mut in_types = false;
    let (mut all, mut code) = (0, 0);
    for line in client_rs.lines() {
        if line.starts_with("pub mod types {") {
            in_types = true;
        }
        if !in_types {
            all += 1;
            let trimmed = line.trim();
            if !trimmed.is_empty() && !trimmed.starts_with("//") {
                code += 1;
            }
        }
        if in_types && line == "}" {
            in_types = false;
        }
    }
    (all, code)
}

/// The run of median wall time, or the first failure if any run failed.
pub fn median_run(runs: Vec<Result<ChildRun, String>>) -> Result<ChildRun, String> {
    let mut ok: Vec<ChildRun> = Vec::new();
    for run in runs {
        ok.push(run?);
    }
    if ok.is_empty() {
        return Err("not run".into());
    }
    ok.sort_by_key(|run| run.wall);
    let middle = ok.len() / 2;
    Ok(ok.swap_remove(middle))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn median_run_is_the_middle_wall_time_and_any_failure_wins() {
        let run = |ms: u64| -> Result<ChildRun, String> {
            Ok(ChildRun {
                wall: Duration::from_millis(ms),
                max_rss_bytes: ms,
                exit_code: Some(0),
                stderr: String::new(),
            })
        };
        let median = median_run(vec![run(900), run(100), run(500), run(300), run(700)]).unwrap();
        assert_eq!(median.wall, Duration::from_millis(500));
        assert_eq!(median.max_rss_bytes, 500);
        assert_eq!(
            median_run(vec![run(100), Err("check fails".into()), run(200)]).unwrap_err(),
            "check fails"
        );
        assert!(median_run(Vec::new()).is_err());
    }

    #[test]
    fn non_type_lines_leave_out_the_types_module() {
        let client = "// header\n\n/// Types.\npub mod types {\n    pub struct A;\n}\n/// A client.\npub struct Client;\n";
        // The header, a blank line and the doc line before `types`; the doc and the struct after.
        assert_eq!(non_type_lines(client), (5, 1));
    }
}
