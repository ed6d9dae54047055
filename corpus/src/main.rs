//! `corpus`: generates every OpenAPI description of a corpus (or a seeded sample of it) with
//! clientgen, optionally cargo-checks all the crates in one throwaway workspace, and prints the
//! counts and the grouped causes of failure.
//!
//! Each spec is generated in a child process (this binary's hidden `one` command), so that a
//! panic, a stack overflow or a hang in one spec is counted and the run goes on.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use clientgen_corpus::{
    Outcome, SpecFile, SpecVersion, check_errors_by_crate, discover, group_causes, relative_path,
    sample, unique_crate_names, workspace_manifest,
};

#[derive(Parser)]
#[command(
    name = "corpus",
    about = "Generate (and cargo-check) clients for a corpus of OpenAPI descriptions"
)]
struct Cli {
    /// A directory of descriptions (*.json, *.yaml, *.yml), searched recursively.
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// Take a seeded sample of this many descriptions instead of all.
    #[arg(long)]
    sample: Option<usize>,
    /// The sample's seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Leave out this description (its path under the corpus, as the report names it), after
    /// sampling, so that the rest of a seeded sample stays the same. Repeatable.
    #[arg(long, value_name = "NAME")]
    exclude: Vec<String>,
    /// Which declared versions to take: 3.0, 3.1 or all.
    #[arg(long, default_value = "3.0")]
    versions: String,
    /// Also run one `cargo check` over all generated crates.
    #[arg(long)]
    check: bool,
    /// With --check, also check each crate with single group features (no defaults but the TLS
    /// backend): at most this many features per crate, spread over its list. One `cargo check`
    /// per round, each crate with its next feature.
    #[arg(long, value_name = "N", default_value_t = 0, requires = "check")]
    check_features: usize,
    /// Where the throwaway workspace is written (default: target/corpus-out).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Parallel generator processes.
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    /// Seconds before one spec's generation is abandoned.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// Exit 1 unless every description generates and (with --check) compiles.
    #[arg(long)]
    strict: bool,
    #[command(subcommand)]
    command: Option<Internal>,
}

#[derive(Subcommand)]
enum Internal {
    /// Generates one spec (run by the harness in a child process).
    #[command(hide = true)]
    One {
        #[arg(long)]
        spec: PathBuf,
        #[arg(long)]
        label: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        crate_name: String,
        #[arg(long)]
        runtime: String,
    },
}

/// The workspace root: two levels above this crate's manifest.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Internal::One {
        spec,
        label,
        out,
        crate_name,
        runtime,
    }) = &cli.command
    {
        return one(spec, label, out, crate_name, runtime);
    }
    match run(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// The child: prints one line per diagnostic (`W\t` or `E\t` then the message), exit 0 when a
/// crate was written and 1 when the generator refused the spec. A panic exits 101.
fn one(spec: &Path, label: &str, out: &Path, crate_name: &str, runtime: &str) -> ExitCode {
    let text = match std::fs::read(spec) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            println!("E\treading the spec: {e}");
            return ExitCode::from(1);
        }
    };
    match clientgen_corpus::generate_into(&text, label, crate_name, out, runtime) {
        Ok(warnings) => {
            for w in warnings.iter() {
                println!("W\t{}", w.message.replace('\n', " "));
            }
            ExitCode::SUCCESS
        }
        Err(ds) => {
            for d in ds.iter() {
                let tag = if d.severity == clientgen::Severity::Error {
                    "E"
                } else {
                    "W"
                };
                println!("{tag}\t{}", d.message.replace('\n', " "));
            }
            ExitCode::from(1)
        }
    }
}

/// One spec's result in the parent.
struct SpecResult {
    spec: SpecFile,
    crate_name: String,
    outcome: Outcome,
    warning_messages: Vec<String>,
    elapsed: Duration,
    check_errors: Vec<String>,
}

fn run(cli: &Cli) -> Result<bool, String> {
    let corpus = cli
        .corpus
        .as_ref()
        .ok_or("--corpus DIR is required (see corpus/fetch.sh)")?;
    let root = workspace_root();
    let all = discover(corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    let wanted = |v: SpecVersion| match cli.versions.as_str() {
        "all" => true,
        "3.1" => v == SpecVersion::V31,
        _ => v == SpecVersion::V30,
    };
    let mut by_version: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &all {
        *by_version.entry(f.version.label()).or_insert(0) += 1;
    }
    let eligible: Vec<SpecFile> = all.iter().filter(|f| wanted(f.version)).cloned().collect();
    if let Some(unknown) = cli
        .exclude
        .iter()
        .find(|name| !all.iter().any(|f| &f.name == *name))
    {
        return Err(format!(
            "--exclude {unknown}: no such description under {}",
            corpus.display()
        ));
    }
    let specs: Vec<SpecFile> = match cli.sample {
        Some(n) => sample(&eligible, n, cli.seed),
        None => eligible,
    }
    .into_iter()
    .filter(|f| !cli.exclude.contains(&f.name))
    .collect();
    if specs.is_empty() {
        return Err(format!(
            "no {} description under {}",
            cli.versions,
            corpus.display()
        ));
    }
    let out_dir = cli
        .out
        .clone()
        .unwrap_or_else(|| root.join("target/corpus-out"));
    std::fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let out_dir = std::fs::canonicalize(&out_dir).map_err(|e| e.to_string())?;
    let runtime_dir = std::fs::canonicalize(root.join("runtime")).map_err(|e| e.to_string())?;
    eprintln!(
        "corpus: {} description(s) found ({}); generating {}",
        all.len(),
        by_version
            .iter()
            .map(|(v, n)| format!("{n} × {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        specs.len()
    );

    let names = unique_crate_names(&specs);
    let results = generate_all(cli, &specs, &names, &out_dir, &runtime_dir)?;
    let mut results = results;

    if cli.check {
        let members: Vec<String> = results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Generated { .. }))
            .map(|r| r.crate_name.clone())
            .collect();
        let errors = cargo_check(&root, &out_dir, &members, None, &[])?;
        for r in &mut results {
            if let Some(e) = errors.get(&r.crate_name) {
                r.check_errors = e.clone();
            }
        }
        if cli.check_features > 0 {
            feature_rounds(cli, &root, &out_dir, &mut results)?;
        }
    }
    let report = summarize(cli, &results);
    print!("{report}");
    let report_path = out_dir.join("report.md");
    std::fs::write(&report_path, &report).map_err(|e| format!("{}: {e}", report_path.display()))?;
    eprintln!("corpus: report written to {}", report_path.display());
    let all_ok = results
        .iter()
        .all(|r| matches!(r.outcome, Outcome::Generated { .. }) && r.check_errors.is_empty());
    Ok(all_ok || !cli.strict)
}

fn generate_all(
    cli: &Cli,
    specs: &[SpecFile],
    names: &[String],
    out_dir: &Path,
    runtime_dir: &Path,
) -> Result<Vec<SpecResult>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current executable: {e}"))?;
    let queue: Mutex<Vec<usize>> = Mutex::new((0..specs.len()).rev().collect());
    let results: Mutex<Vec<Option<SpecResult>>> =
        Mutex::new((0..specs.len()).map(|_| None).collect());
    let done = Mutex::new(0usize);
    std::thread::scope(|scope| {
        for _ in 0..cli.jobs.max(1) {
            scope.spawn(|| {
                while let Some(i) = queue.lock().ok().and_then(|mut q| q.pop()) {
                    let crate_dir = out_dir.join(&names[i]);
                    let runtime = relative_path(&crate_dir, runtime_dir);
                    let result = generate_child(
                        &exe,
                        &specs[i],
                        &names[i],
                        &crate_dir,
                        &runtime.to_string_lossy(),
                        Duration::from_secs(cli.timeout),
                    );
                    if let Ok(mut n) = done.lock() {
                        *n += 1;
                        eprintln!(
                            "[{}/{}] {} {} ({:.1} s)",
                            *n,
                            specs.len(),
                            short_outcome(&result.outcome),
                            result.spec.name,
                            result.elapsed.as_secs_f64()
                        );
                    }
                    if let Ok(mut r) = results.lock() {
                        r[i] = Some(result);
                    }
                }
            });
        }
    });
    Ok(results
        .into_inner()
        .map_err(|_| "a worker thread failed")?
        .into_iter()
        .flatten()
        .collect())
}

fn short_outcome(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Generated { .. } => "generated",
        Outcome::Failed { .. } => "FAILED",
        Outcome::Panicked { .. } => "PANICKED",
        Outcome::Crashed { .. } => "CRASHED",
    }
}

fn generate_child(
    exe: &Path,
    spec: &SpecFile,
    crate_name: &str,
    crate_dir: &Path,
    runtime: &str,
    timeout: Duration,
) -> SpecResult {
    let start = Instant::now();
    let _ = std::fs::remove_dir_all(crate_dir);
    let spawned = Command::new(exe)
        .args(["one", "--spec"])
        .arg(&spec.path)
        .args(["--label", &spec.name, "--out"])
        .arg(crate_dir)
        .args(["--crate-name", crate_name, "--runtime", runtime])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut result = SpecResult {
        spec: spec.clone(),
        crate_name: crate_name.to_string(),
        outcome: Outcome::Crashed {
            message: String::new(),
        },
        warning_messages: Vec::new(),
        elapsed: Duration::ZERO,
        check_errors: Vec::new(),
    };
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            result.outcome = Outcome::Crashed {
                message: format!("cannot start the generator: {e}"),
            };
            return result;
        }
    };
    // Drain both pipes on their own threads so that a chatty child cannot block on a full pipe.
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(o) = stdout.as_mut() {
            let _ = o.read_to_string(&mut s);
        }
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(e) = stderr.as_mut() {
            let _ = e.read_to_string(&mut s);
        }
        s
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => break None,
        }
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    result.elapsed = start.elapsed();
    let mut errors = Vec::new();
    for line in stdout.lines() {
        if let Some(w) = line.strip_prefix("W\t") {
            result.warning_messages.push(w.to_string());
        } else if let Some(e) = line.strip_prefix("E\t") {
            errors.push(e.to_string());
        }
    }
    result.outcome = match status.and_then(|s| s.code()) {
        Some(0) => Outcome::Generated {
            warnings: result.warning_messages.len(),
        },
        Some(1) => Outcome::Failed { errors },
        Some(101) => Outcome::Panicked {
            message: panic_message(&stderr),
        },
        Some(code) => Outcome::Crashed {
            message: format!("exit code {code}: {}", last_line(&stderr)),
        },
        None if result.elapsed > timeout => Outcome::Crashed {
            message: format!("timed out after {} s", timeout.as_secs()),
        },
        None => Outcome::Crashed {
            message: format!("killed by a signal: {}", last_line(&stderr)),
        },
    };
    result
}

/// The message of a Rust panic report: the line after `panicked at <location>:`.
fn panic_message(stderr: &str) -> String {
    let mut lines = stderr.lines();
    while let Some(line) = lines.next() {
        if let Some(idx) = line.find("panicked at ") {
            let location = line[idx + "panicked at ".len()..].trim_end_matches(':');
            let location = location
                .rsplit_once(".cargo/registry/src/")
                .map(|(_, rest)| rest.split_once('/').map_or(rest, |(_, r)| r))
                .unwrap_or(location);
            let message = lines.next().unwrap_or("").trim();
            return format!("{message} (at {location})");
        }
    }
    last_line(stderr)
}

fn last_line(text: &str) -> String {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .to_string()
}

/// The group features of a generated crate's Cargo.toml: the `[features]` keys past the TLS
/// backends, in order.
fn group_features(manifest: &str) -> Vec<String> {
    let Some(table) = manifest.split("\n[features]\n").nth(1) else {
        return Vec::new();
    };
    let table = &table[..table.find("\n[").unwrap_or(table.len())];
    table
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            line.split_once(" = ")
                .map(|(key, _)| key.trim().to_string())
        })
        .filter(|key| !matches!(key.as_str(), "default" | "rustls" | "native-tls"))
        .collect()
}

/// At most `n` of `features`, spread evenly (the first and the last included).
fn spread(features: &[String], n: usize) -> Vec<String> {
    if features.len() <= n {
        return features.to_vec();
    }
    let last = features.len() - 1;
    let mut picked: Vec<usize> = (0..n)
        .map(|i| if n == 1 { 0 } else { i * last / (n - 1) })
        .collect();
    picked.dedup();
    picked.into_iter().map(|i| features[i].clone()).collect()
}

/// Checks the crates that compiled with single group features, `--check-features` rounds of
/// one `cargo check` each; a failure is the crate's error, prefixed with the feature.
fn feature_rounds(
    cli: &Cli,
    root: &Path,
    out_dir: &Path,
    results: &mut [SpecResult],
) -> Result<(), String> {
    let all: Vec<String> = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Generated { .. }))
        .map(|r| r.crate_name.clone())
        .collect();
    let mut plan: Vec<(String, Vec<String>)> = Vec::new();
    for r in results.iter() {
        if !matches!(r.outcome, Outcome::Generated { .. }) || !r.check_errors.is_empty() {
            continue;
        }
        let manifest = out_dir.join(&r.crate_name).join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest)
            .map_err(|e| format!("{}: {e}", manifest.display()))?;
        let features = spread(&group_features(&text), cli.check_features);
        if !features.is_empty() {
            plan.push((r.crate_name.clone(), features));
        }
    }
    let total: usize = plan.iter().map(|(_, f)| f.len()).sum();
    eprintln!(
        "corpus: {total} single-feature check(s) of {} crate(s)",
        plan.len()
    );
    for round in 0..cli.check_features {
        let mut members = Vec::new();
        let mut features = Vec::new();
        let mut checked: BTreeMap<String, String> = BTreeMap::new();
        for (name, list) in &plan {
            if let Some(feature) = list.get(round) {
                members.push(name.clone());
                features.push(format!("{name}/rustls"));
                features.push(format!("{name}/{feature}"));
                checked.insert(name.clone(), feature.clone());
            }
        }
        if members.is_empty() {
            break;
        }
        let extra = [
            "--no-default-features".to_string(),
            "--features".to_string(),
            features.join(","),
        ];
        let errors = cargo_check(root, out_dir, &all, Some(&members), &extra)?;
        for r in results.iter_mut() {
            if let (Some(e), Some(feature)) =
                (errors.get(&r.crate_name), checked.get(&r.crate_name))
                && r.check_errors.is_empty()
            {
                r.check_errors = e
                    .iter()
                    .map(|line| format!("feature `{feature}` alone: {line}"))
                    .collect();
            }
        }
    }
    Ok(())
}

/// Writes the throwaway workspace and runs one `cargo check` over every member (or the
/// `selected` ones, with `extra` arguments), in its own target dir; returns the errors by crate.
fn cargo_check(
    root: &Path,
    out_dir: &Path,
    members: &[String],
    selected: Option<&[String]>,
    extra: &[String],
) -> Result<BTreeMap<String, Vec<String>>, String> {
    if members.is_empty() {
        return Ok(BTreeMap::new());
    }
    let manifest = out_dir.join("Cargo.toml");
    std::fs::write(&manifest, workspace_manifest(members))
        .map_err(|e| format!("{}: {e}", manifest.display()))?;
    // Start from the workspace's lock file so that the shared dependencies are the tested ones.
    let lock = out_dir.join("Cargo.lock");
    if !lock.exists() {
        let _ = std::fs::copy(root.join("Cargo.lock"), &lock);
    }
    let target = std::env::var_os("CORPUS_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/corpus-target"));
    eprintln!(
        "corpus: cargo check of {} crate(s) (target dir {})",
        selected.map_or(members.len(), <[String]>::len),
        target.display()
    );
    let start = Instant::now();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(out_dir)
        .args(["check", "--keep-going", "--message-format=json", "--quiet"])
        .args(match selected {
            None => vec!["--workspace".to_string()],
            Some(names) => names
                .iter()
                .flat_map(|n| ["-p".to_string(), n.clone()])
                .collect(),
        })
        .args(extra)
        .env("CARGO_TARGET_DIR", &target)
        // Throwaway crates: incremental state would only fill the disk (tens of GB over a
        // few seeded samples).
        .env("CARGO_INCREMENTAL", "0")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("running cargo check: {e}"))?;
    eprintln!(
        "corpus: cargo check took {:.0} s",
        start.elapsed().as_secs_f64()
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let errors = check_errors_by_crate(&stdout);
    if !output.status.success() && errors.is_empty() {
        return Err(format!(
            "cargo check failed without compiler errors ({}): see the output above",
            output.status
        ));
    }
    Ok(errors)
}

fn summarize(cli: &Cli, results: &[SpecResult]) -> String {
    let mut out = String::new();
    let count = |f: &dyn Fn(&SpecResult) -> bool| results.iter().filter(|r| f(r)).count();
    let generated = count(&|r| matches!(r.outcome, Outcome::Generated { .. }));
    let with_warnings =
        count(&|r| matches!(r.outcome, Outcome::Generated { warnings } if warnings > 0));
    let failed = count(&|r| matches!(r.outcome, Outcome::Failed { .. }));
    let panicked = count(&|r| matches!(r.outcome, Outcome::Panicked { .. }));
    let crashed = count(&|r| matches!(r.outcome, Outcome::Crashed { .. }));
    let check_failed = count(&|r| !r.check_errors.is_empty());
    let _ = writeln!(out, "# Corpus run\n");
    let _ = writeln!(
        out,
        "{} description(s), versions {}, {}",
        results.len(),
        cli.versions,
        match cli.sample {
            Some(n) => format!("sample of {n} with seed {}", cli.seed),
            None => "all".to_string(),
        }
    );
    if !cli.exclude.is_empty() {
        let _ = writeln!(
            out,
            "
Left out (`--exclude`): {}.",
            cli.exclude.join(", ")
        );
    }
    let _ = writeln!(out, "\n| outcome | count |\n|---|---|");
    let _ = writeln!(out, "| generated | {generated} |");
    let _ = writeln!(out, "| … of which with warnings | {with_warnings} |");
    let _ = writeln!(out, "| failed with a diagnostic | {failed} |");
    let _ = writeln!(out, "| panicked | {panicked} |");
    let _ = writeln!(out, "| crashed or timed out | {crashed} |");
    if cli.check {
        let _ = writeln!(out, "| cargo check failed | {check_failed} |");
        if cli.check_features > 0 {
            let alone = count(&|r| {
                r.check_errors
                    .first()
                    .is_some_and(|e| e.starts_with("feature `"))
            });
            let _ = writeln!(
                out,
                "| of which with one group feature (at most {} per crate) | {alone} |",
                cli.check_features
            );
        }
        let _ = writeln!(
            out,
            "| generated and compiles | {} |",
            generated - check_failed
        );
    }
    let total_secs: f64 = results.iter().map(|r| r.elapsed.as_secs_f64()).sum();
    let slowest = results.iter().max_by_key(|r| r.elapsed);
    let _ = writeln!(
        out,
        "\nGeneration time: {total_secs:.0} s in total{}.",
        slowest
            .map(|r| format!(
                ", slowest {} ({:.1} s)",
                r.spec.name,
                r.elapsed.as_secs_f64()
            ))
            .unwrap_or_default()
    );

    let mut section = |title: &str, causes: Vec<&str>| {
        if causes.is_empty() {
            return;
        }
        let _ = writeln!(out, "\n## {title}\n\n| cause | count |\n|---|---|");
        for (cause, n) in group_causes(causes) {
            let _ = writeln!(out, "| {} | {n} |", cause.replace('|', "\\|"));
        }
    };
    let failures: Vec<&str> = results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Failed { errors } => Some(errors.first().map_or("(no message)", |e| e)),
            Outcome::Panicked { message } | Outcome::Crashed { message } => Some(message.as_str()),
            Outcome::Generated { .. } => None,
        })
        .collect();
    section(
        "Causes of generation failures (first error per spec)",
        failures,
    );
    let checks: Vec<&str> = results
        .iter()
        .filter_map(|r| r.check_errors.first().map(String::as_str))
        .collect();
    section(
        "Causes of cargo check failures (first error per crate)",
        checks,
    );
    let warnings: Vec<&str> = results
        .iter()
        .flat_map(|r| r.warning_messages.iter().map(String::as_str))
        .collect();
    section("Warnings (fallbacks taken), all specs", warnings);

    let _ = writeln!(
        out,
        "\n## Per description\n\n| spec | outcome | warnings | seconds | first problem |\n|---|---|---|---|---|"
    );
    for r in results {
        let problem = match &r.outcome {
            Outcome::Failed { errors } => errors.first().cloned().unwrap_or_default(),
            Outcome::Panicked { message } | Outcome::Crashed { message } => message.clone(),
            Outcome::Generated { .. } => r.check_errors.first().cloned().unwrap_or_default(),
        };
        let mut problem: String = problem.chars().take(140).collect();
        problem = problem.replace('|', "\\|");
        let outcome = match (&r.outcome, r.check_errors.is_empty()) {
            (Outcome::Generated { .. }, false) => "check failed",
            (o, _) => short_outcome(o),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.1} | {} |",
            r.spec.name,
            outcome,
            r.warning_messages.len(),
            r.elapsed.as_secs_f64(),
            problem
        );
    }
    out
}
