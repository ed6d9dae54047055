//! Build-time generation costs: timed `cargo build` runs of the root package (whose build
//! script generates the clients) and of the committed generated crates, and what cargo's
//! `-v` output says about whether the build script ran.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The root package, whose `build.rs` generates every `spec/*.yaml` into `OUT_DIR`.
pub const ROOT_PACKAGE: &str = "audio-api-clients";

/// The committed generated crates: the same clients without a build script.
pub const GENERATED_PACKAGES: [&str; 3] =
    ["huntapi-client", "audiopod-client", "audioscrape-client"];

/// One timed `cargo build -v`.
#[derive(Debug, Clone)]
pub struct CargoRun {
    /// Wall time of the cargo process.
    pub wall: Duration,
    /// Whether cargo exited successfully.
    pub success: bool,
    /// Cargo's standard error (its `-v` log).
    pub log: String,
}

impl CargoRun {
    /// The build script binary of `package` that cargo ran in this build, if it ran one.
    pub fn build_script_run(&self, package: &str) -> Option<PathBuf> {
        build_script_run(&self.log, package)
    }

    /// Whether cargo reported `package` as fresh (nothing rebuilt, build script not run).
    pub fn is_fresh(&self, package: &str) -> bool {
        is_fresh(&self.log, package)
    }

    /// The last lines of the log, for error messages.
    pub fn tail(&self, lines: usize) -> String {
        let all: Vec<&str> = self.log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

/// Runs `cargo build -v` of `packages` in `root`'s workspace (dev profile) and times it.
pub fn cargo_build(cargo: &Path, root: &Path, packages: &[&str]) -> std::io::Result<CargoRun> {
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args(["build", "-v", "--color", "never"]);
    for package in packages {
        command.args(["-p", package]);
    }
    let start = Instant::now();
    let output = command.output()?;
    Ok(CargoRun {
        wall: start.elapsed(),
        success: output.status.success(),
        log: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// The path of `package`'s build script from a ``Running `…/build/<package>-<hash>/build-script-build` ``
/// line of cargo's `-v` log.
pub fn build_script_run(log: &str, package: &str) -> Option<PathBuf> {
    let marker = format!("/build/{package}-");
    log.lines().find_map(|line| {
        let command = line.trim().strip_prefix("Running `")?.strip_suffix('`')?;
        let program = command.split_whitespace().next()?;
        (program.contains(&marker) && program.ends_with("/build-script-build"))
            .then(|| PathBuf::from(program))
    })
}

/// Whether the `-v` log has `Fresh <package> v…` for the package.
pub fn is_fresh(log: &str, package: &str) -> bool {
    let prefix = format!("Fresh {package} v");
    log.lines().any(|line| line.trim().starts_with(&prefix))
}

/// Sets a file's modification time to now (what `touch` does), without changing its contents.
pub fn touch(path: &Path) -> std::io::Result<()> {
    let file = std::fs::OpenOptions::new().append(true).open(path)?;
    file.set_modified(std::time::SystemTime::now())
}

/// Runs a build script binary by itself, as cargo would (in `root`, with `OUT_DIR` set to
/// `out_dir`), and times it: the generation part of a rebuild.
pub fn run_build_script(
    script: &Path,
    root: &Path,
    out_dir: &Path,
) -> std::io::Result<(Duration, bool)> {
    std::fs::create_dir_all(out_dir)?;
    let start = Instant::now();
    let output = Command::new(script)
        .current_dir(root)
        .env("OUT_DIR", out_dir)
        .env("CARGO_MANIFEST_DIR", root)
        .output()?;
    Ok((start.elapsed(), output.status.success()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const REBUILD_LOG: &str = "       Fresh serde v1.0.228\n\
        \x20  Compiling audio-api-clients v0.1.0 (/work/main)\n\
        \x20    Running `/work/main/target/debug/build/audio-api-clients-99826931e36bf628/build-script-build`\n\
        \x20    Running `/root/.rustup/toolchains/stable/bin/rustc --crate-name audio_api_clients --edition=2024 src/lib.rs`\n\
        \x20   Finished `dev` profile [unoptimized + debuginfo] target(s) in 49.75s\n";

    const NOOP_LOG: &str = "       Fresh clientgen-runtime v0.1.0 (/work/main/runtime)\n\
        \x20      Fresh audio-api-clients v0.1.0 (/work/main)\n\
        \x20   Finished `dev` profile [unoptimized + debuginfo] target(s) in 0.21s\n";

    #[test]
    fn finds_the_build_script_run() {
        let script = build_script_run(REBUILD_LOG, ROOT_PACKAGE).unwrap();
        assert!(script.ends_with("audio-api-clients-99826931e36bf628/build-script-build"));
        assert!(!is_fresh(REBUILD_LOG, ROOT_PACKAGE));
        assert_eq!(build_script_run(REBUILD_LOG, "huntapi-client"), None);
    }

    #[test]
    fn a_no_op_build_is_fresh_and_runs_no_script() {
        assert_eq!(build_script_run(NOOP_LOG, ROOT_PACKAGE), None);
        assert!(is_fresh(NOOP_LOG, ROOT_PACKAGE));
        assert!(!is_fresh(NOOP_LOG, "audio-api"));
    }

    #[test]
    fn compiling_the_build_script_is_not_running_it() {
        let log = "     Running `rustc --crate-name build_script_build build.rs --out-dir \
                   /t/debug/build/audio-api-clients-1234`\n";
        assert_eq!(build_script_run(log, ROOT_PACKAGE), None);
    }

    #[test]
    fn touch_keeps_contents_and_moves_the_time() {
        let path =
            std::env::temp_dir().join(format!("clientgen-bench-touch-{}", std::process::id()));
        std::fs::write(&path, "spec").unwrap();
        let old = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        std::fs::File::options()
            .append(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        touch(&path).unwrap();
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
        assert!(modified > old);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "spec");
        let _ = std::fs::remove_file(&path);
    }
}
