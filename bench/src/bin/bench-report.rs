//! `bench-report`: measures clientgen's generation time, peak memory, build-time cost and the
//! generated client's per-request overhead in one run, each against its peer (progenitor
//! alone, plain reqwest), and prints the ratio table that BENCHMARKS.md records.
//!
//! ```text
//! bash bench/fetch-specs.sh                                   # public specs, once
//! cargo run --release -p clientgen-bench --bin bench-report   # the table
//! ```
//!
//! Compared variants are interleaved (A, B, C, then B, C, A, ...) and reported as medians, so
//! that a noisy, shared machine slows every variant alike.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clientgen_bench::buildtime::{self, GENERATED_PACKAGES, ROOT_PACKAGE};
use clientgen_bench::generation::{self, Variant};
use clientgen_bench::http::{self, BenchServer, Caller};
use clientgen_bench::rss::{self, format_bytes};
use clientgen_bench::specs::{self, SpecInput};
use clientgen_bench::stats::{self, format_secs, median, median_secs, ratio};

/// The allocator the `clientgen` binary ships with, so that clientgen (in process) and
/// progenitor alone (in process, and in a child of this binary) are measured on the same one.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "\
usage: bench-report [--quick] [--runs N] [--only SECTIONS] [--specs NAMES] [--out FILE]

  --quick          fewer runs everywhere (a smoke test of the report, not figures to keep)
  --runs N         timed runs per variant for the large public specs (default 5; the small
                   spec/ files get 6 times as many, Microsoft Graph beta gets 1)
  --only SECTIONS  comma-separated subset of: generation,memory,build,client
  --specs NAMES    comma-separated spec names to measure (default: all), e.g. huntapi,netbox.dev
  --out FILE       also write the report to FILE
";

/// Generation targets from the benchmarks issue.
const TARGET_GENERATION_RATIO: f64 = 1.3;
const TARGET_LATENCY_RATIO: f64 = 1.05;
const TARGET_THROUGHPUT_RATIO: f64 = 0.95;
const TARGET_NOOP_ADDED: Duration = Duration::from_millis(50);
const TARGET_GRAPH_TIME: Duration = Duration::from_secs(60);
const TARGET_GRAPH_RSS: u64 = 4 * 1024 * 1024 * 1024;

const SECTIONS: [&str; 4] = ["generation", "memory", "build", "client"];

/// Set while progenitor runs on purpose-built failure cases, so its caught panics stay quiet.
static QUIET_PANICS: AtomicBool = AtomicBool::new(false);

struct Options {
    quick: bool,
    runs: usize,
    sections: Vec<String>,
    specs: Option<Vec<String>>,
    out: Option<PathBuf>,
}

impl Options {
    fn wants(&self, section: &str) -> bool {
        self.sections.iter().any(|s| s == section)
    }
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        quick: false,
        runs: 5,
        sections: SECTIONS.iter().map(|s| s.to_string()).collect(),
        specs: None,
        out: None,
    };
    let mut runs_given = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--runs" => {
                let value = it.next().ok_or("--runs needs a number")?;
                options.runs = value
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("--runs: `{value}` is not a positive number"))?;
                runs_given = true;
            }
            "--only" => {
                let value = it.next().ok_or("--only needs a list of sections")?;
                options.sections = value.split(',').map(|s| s.trim().to_string()).collect();
                if let Some(bad) = options
                    .sections
                    .iter()
                    .find(|s| !SECTIONS.contains(&s.as_str()))
                {
                    return Err(format!(
                        "--only: unknown section `{bad}` (known: {})",
                        SECTIONS.join(", ")
                    ));
                }
            }
            "--specs" => {
                let value = it.next().ok_or("--specs needs a list of spec names")?;
                options.specs = Some(value.split(',').map(|s| s.trim().to_string()).collect());
            }
            "--out" => options.out = Some(PathBuf::from(it.next().ok_or("--out needs a file")?)),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if options.quick && !runs_given {
        options.runs = 1;
    }
    Ok(options)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Child mode: progenitor alone on one file, for the peak-memory comparison.
    if args.first().map(String::as_str) == Some("--progenitor-child") {
        return progenitor_child(args.get(1));
    }
    let options = match parse_args(&args) {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("bench-report: {message}");
            }
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !QUIET_PANICS.load(Ordering::Relaxed) {
            default_hook(info);
        }
    }));
    match run(&options) {
        Ok(report) => {
            if let Some(out) = &options.out
                && let Err(e) = std::fs::write(out, &report)
            {
                eprintln!("bench-report: {}: {e}", out.display());
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("bench-report: {message}");
            ExitCode::FAILURE
        }
    }
}

fn progenitor_child(file: Option<&String>) -> ExitCode {
    let Some(file) = file else {
        eprintln!("--progenitor-child needs a spec file");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{file}: {e}");
            return ExitCode::FAILURE;
        }
    };
    QUIET_PANICS.store(true, Ordering::Relaxed);
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !QUIET_PANICS.load(Ordering::Relaxed) {
            default_hook(info);
        }
    }));
    match generation::progenitor_alone(&text) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("progenitor: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The report, printed section by section as it is measured.
struct Report {
    text: String,
    checks: Vec<Check>,
}

/// One target of the issue, measured.
struct Check {
    what: String,
    target: String,
    measured: String,
    met: Option<bool>,
}

impl Report {
    fn line(&mut self, line: impl AsRef<str>) {
        println!("{}", line.as_ref());
        self.text.push_str(line.as_ref());
        self.text.push('\n');
    }

    fn check(
        &mut self,
        what: impl Into<String>,
        target: impl Into<String>,
        measured: impl Into<String>,
        met: Option<bool>,
    ) {
        self.checks.push(Check {
            what: what.into(),
            target: target.into(),
            measured: measured.into(),
            met,
        });
    }
}

fn run(options: &Options) -> Result<String, String> {
    let root = specs::repo_root();
    let cargo = PathBuf::from(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    let mut report = Report {
        text: String::new(),
        checks: Vec::new(),
    };
    report.line("## Machine");
    report.line("");
    for line in machine_lines() {
        report.line(format!("- {line}"));
    }
    report.line("");

    let wanted = |spec: &SpecInput| {
        options
            .specs
            .as_ref()
            .is_none_or(|names| names.contains(&spec.name))
    };
    let mut repo = specs::repo_specs(&root).map_err(|e| e.to_string())?;
    repo.retain(wanted);
    let cache = specs::cache_dir(&root);
    let (public, missing) = specs::public_specs_named(&cache, |name| {
        options
            .specs
            .as_ref()
            .is_none_or(|names| names.iter().any(|n| n == name))
    });
    if !missing.is_empty() {
        report.line(format!(
            "Missing public descriptions ({}): run `bash bench/fetch-specs.sh` to fetch them into {}.",
            missing.join(", "),
            cache.display()
        ));
        report.line("");
    }

    // Memory first, while this process is small: Linux carries a parent's resident
    // high-water mark into a child across fork and exec, so children spawned after the
    // in-process generation runs would all report this process's peak.
    if options.wants("memory") {
        memory_section(&mut report, &cargo, &root, &public)?;
    }
    if options.wants("generation") {
        generation_section(&mut report, options, &repo, &public);
    }
    if options.wants("build") {
        build_section(&mut report, options, &cargo, &root)?;
    }
    if options.wants("client") {
        client_section(&mut report, options)?;
    }

    report.line("## Targets");
    report.line("");
    report.line("| target | goal | measured | met |");
    report.line("| --- | --- | --- | --- |");
    let checks = std::mem::take(&mut report.checks);
    for check in &checks {
        let met = match check.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "n/a",
        };
        report.line(format!(
            "| {} | {} | {} | {met} |",
            check.what, check.target, check.measured
        ));
    }
    Ok(report.text)
}

fn machine_lines() -> Vec<String> {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")?
                .split(':')
                .nth(1)
                .map(str::trim)
        })
        .unwrap_or("unknown CPU");
    let meminfo = read("/proc/meminfo");
    let mem_kib: u64 = meminfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("MemTotal:")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(0);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let rustc = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "rustc: unknown".into());
    let load = read("/proc/loadavg");
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    vec![
        format!("CPU: {cpu}, {cores} cores (nproc)"),
        format!("RAM: {:.1} GiB", mem_kib as f64 / (1024.0 * 1024.0)),
        format!("compiler: {rustc}"),
        format!("load average at start: {}", load.join(" ")),
    ]
}

/// Median times of the three variants on every spec, interleaved.
fn generation_section(
    report: &mut Report,
    options: &Options,
    repo: &[SpecInput],
    public: &[SpecInput],
) {
    report.line("## Generation time (in process, release build)");
    report.line("");
    report.line(
        "clientgen = the whole pipeline (`clientgen::generate`); progenitor = openapiv3 parse + \
         `Generator::generate_tokens` (builder interface, as clientgen configures it) + syn + \
         prettyplease; parse = YAML/JSON text to a value. Medians of N interleaved runs. The \
         last column divides each time by the size of the code it printed.",
    );
    report.line("");
    report.line(
        "| spec | operations | size | N | parse | progenitor | clientgen | clientgen / progenitor \
         | output: progenitor → clientgen | clientgen / progenitor per output byte |",
    );
    report.line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let mut stage_rows = Vec::new();
    for spec in repo.iter().chain(public) {
        let runs = if spec.name == "graph-beta" {
            1
        } else if spec.bytes() < 1_000_000 {
            if options.quick { 2 } else { options.runs * 6 }
        } else {
            options.runs
        };
        let label = spec.label();
        let mut samples: [Vec<Duration>; 3] = Default::default();
        let mut failures: [Option<String>; 3] = Default::default();
        let mut sizes: [Option<usize>; 3] = Default::default();
        for run in 0..runs {
            for k in 0..Variant::ALL.len() {
                let index = (k + run) % Variant::ALL.len();
                if failures[index].is_some() {
                    continue;
                }
                QUIET_PANICS.store(true, Ordering::Relaxed);
                let start = Instant::now();
                let result = Variant::ALL[index].run(&label, &spec.text);
                let elapsed = start.elapsed();
                QUIET_PANICS.store(false, Ordering::Relaxed);
                match result {
                    Ok(size) => {
                        sizes[index] = Some(size);
                        samples[index].push(elapsed);
                    }
                    Err(reason) => failures[index] = Some(reason),
                }
            }
        }
        let cell = |i: usize| match (&failures[i], median_secs(&samples[i])) {
            (Some(_), _) => "fails".to_string(),
            (None, Some(secs)) => format_secs(secs),
            (None, None) => "-".to_string(),
        };
        let med = |i: usize| {
            if failures[i].is_some() {
                None
            } else {
                median_secs(&samples[i])
            }
        };
        let (cg, pg) = (med(0), med(1));
        let vs_progenitor = ratio(cg, pg);
        let (cg_size, pg_size) = (sizes[0].map(|n| n as f64), sizes[1].map(|n| n as f64));
        let outputs = match (sizes[1], sizes[0]) {
            (Some(p), Some(c)) => {
                format!("{} → {}", format_bytes(p as u64), format_bytes(c as u64))
            }
            (None, Some(c)) => format!("- → {}", format_bytes(c as u64)),
            _ => "-".to_string(),
        };
        let per_byte = ratio(ratio(cg, cg_size), ratio(pg, pg_size));
        report.line(format!(
            "| {} | {} | {} | {runs} | {} | {} | {} | {} | {outputs} | {} |",
            spec.name,
            spec.operations,
            format_bytes(spec.bytes() as u64),
            cell(2),
            cell(1),
            cell(0),
            fmt_ratio(vs_progenitor),
            fmt_ratio(per_byte),
        ));
        for (i, failure) in failures.iter().enumerate() {
            if let Some(reason) = failure {
                stage_rows.push(format!(
                    "- {} on {}: {reason}",
                    Variant::ALL[i].name(),
                    spec.name
                ));
            }
        }
        let met = vs_progenitor.map(|r| r <= TARGET_GENERATION_RATIO);
        let measured = match (&failures[0], &failures[1]) {
            (Some(_), _) => "clientgen fails".to_string(),
            (None, Some(_)) => "progenitor alone fails".to_string(),
            _ => fmt_ratio(vs_progenitor),
        };
        report.check(
            format!("generation time, {}", spec.name),
            "≤ 1.3 × progenitor",
            measured,
            met,
        );
    }
    report.line("");
    if !stage_rows.is_empty() {
        report.line("Failures:");
        report.line("");
        for row in stage_rows {
            report.line(row);
        }
        report.line("");
    }

    report.line("Where clientgen's time goes (one run each):");
    report.line("");
    report.line(
        "| spec | load | to openapiv3 + validate + lower | emit (incl. progenitor) | format |",
    );
    report.line("| --- | ---: | ---: | ---: | ---: |");
    for spec in repo.iter().chain(public) {
        if spec.name == "graph-beta" {
            continue;
        }
        match generation::clientgen_stages(&spec.label(), &spec.text) {
            Ok(stages) => report.line(format!(
                "| {} | {} | {} | {} | {} |",
                spec.name,
                format_secs(stages.load.as_secs_f64()),
                format_secs(stages.check_and_lower.as_secs_f64()),
                format_secs(stages.emit.as_secs_f64()),
                format_secs(stages.format.as_secs_f64()),
            )),
            Err(e) => report.line(format!("| {} | fails: {e} | | | |", spec.name)),
        }
    }
    report.line("");
}

/// Peak memory and wall time of the release `clientgen` binary (and of progenitor alone) in a
/// child process, per public spec.
fn memory_section(
    report: &mut Report,
    cargo: &Path,
    root: &Path,
    public: &[SpecInput],
) -> Result<(), String> {
    report.line("## Peak memory (child process, release build)");
    report.line("");
    if public.is_empty() {
        report.line("No public descriptions: run `bash bench/fetch-specs.sh` first.");
        report.line("");
        return Ok(());
    }
    let status = Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "-q",
            "-p",
            "clientgen",
            "--bin",
            "clientgen",
        ])
        .status()
        .map_err(|e| format!("cargo build --release -p clientgen: {e}"))?;
    if !status.success() {
        return Err("cargo build --release -p clientgen failed".into());
    }
    let target_dir =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let clientgen_bin = target_dir.join("release").join("clientgen");
    let self_bin = std::env::current_exe().map_err(|e| e.to_string())?;
    let out_root = target_dir.join("bench-out");
    report.line("`clientgen generate --spec FILE --out DIR` (the CLI, writing the crate) against progenitor alone in a child process; peak RSS from `wait4`.");
    report.line("");
    report.line("| spec | operations | clientgen wall | clientgen peak RSS | progenitor wall | progenitor peak RSS | clientgen result |");
    report.line("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    for spec in public {
        let out = out_root.join(&spec.name);
        let _ = std::fs::remove_dir_all(&out);
        let ours = rss::run_measured(
            Command::new(&clientgen_bin)
                .arg("generate")
                .arg("--spec")
                .arg(&spec.path)
                .arg("--out")
                .arg(&out)
                .args(["--crate-name", "bench-client"]),
        )
        .map_err(|e| format!("{}: {e}", clientgen_bin.display()))?;
        let theirs = rss::run_measured(
            Command::new(&self_bin)
                .arg("--progenitor-child")
                .arg(&spec.path),
        )
        .map_err(|e| format!("{}: {e}", self_bin.display()))?;
        let _ = std::fs::remove_dir_all(&out);
        let result = if ours.success() {
            "generated".to_string()
        } else {
            format!("fails: {}", ours.last_error_line(140).replace('|', "\\|"))
        };
        let progenitor_cell = |run: &rss::ChildRun, value: String| {
            if run.success() {
                value
            } else {
                format!("{value} (fails)")
            }
        };
        report.line(format!(
            "| {} | {} | {} | {} | {} | {} | {result} |",
            spec.name,
            spec.operations,
            format_secs(ours.wall.as_secs_f64()),
            format_bytes(ours.max_rss_bytes),
            progenitor_cell(&theirs, format_secs(theirs.wall.as_secs_f64())),
            progenitor_cell(&theirs, format_bytes(theirs.max_rss_bytes)),
        ));
        if spec.name == "graph-beta" {
            report.check(
                "Graph beta generation time",
                "< 60 s",
                format!(
                    "{}{}",
                    format_secs(ours.wall.as_secs_f64()),
                    if ours.success() { "" } else { " (fails)" }
                ),
                Some(ours.success() && ours.wall < TARGET_GRAPH_TIME),
            );
            report.check(
                "Graph beta peak memory",
                "< 4 GiB",
                format_bytes(ours.max_rss_bytes),
                Some(ours.success() && ours.max_rss_bytes < TARGET_GRAPH_RSS),
            );
        } else {
            report.check(
                format!("peak memory, {}", spec.name),
                "(recorded)",
                format!(
                    "{} (progenitor {})",
                    format_bytes(ours.max_rss_bytes),
                    format_bytes(theirs.max_rss_bytes)
                ),
                None,
            );
        }
    }
    report.line("");
    Ok(())
}

/// No-op builds of the root package against the committed crates, and rebuilds after touching
/// a spec.
fn build_section(
    report: &mut Report,
    options: &Options,
    cargo: &Path,
    root: &Path,
) -> Result<(), String> {
    report.line("## Build-time generation (`cargo build`, dev profile)");
    report.line("");
    let build = |packages: &[&str]| {
        buildtime::cargo_build(cargo, root, packages).map_err(|e| format!("cargo: {e}"))
    };
    // Warm up both, so that the timed runs have nothing to do.
    for packages in [&[ROOT_PACKAGE][..], &GENERATED_PACKAGES[..]] {
        let run = build(packages)?;
        if !run.success {
            return Err(format!(
                "cargo build -p {} failed:\n{}",
                packages.join(" -p "),
                run.tail(20)
            ));
        }
    }
    let rounds = if options.quick { 3 } else { 15 };
    let mut root_noop = Vec::new();
    let mut crates_noop = Vec::new();
    let mut reran = 0;
    for round in 0..rounds {
        let order: [bool; 2] = if round % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for is_root in order {
            if is_root {
                let run = build(&[ROOT_PACKAGE])?;
                if run.build_script_run(ROOT_PACKAGE).is_some() || !run.is_fresh(ROOT_PACKAGE) {
                    reran += 1;
                }
                root_noop.push(run.wall);
            } else {
                crates_noop.push(build(&GENERATED_PACKAGES)?.wall);
            }
        }
    }
    let root_median = median_secs(&root_noop);
    let crates_median = median_secs(&crates_noop);
    let added = match (root_median, crates_median) {
        (Some(a), Some(b)) => Some(a - b),
        _ => None,
    };

    let touch_runs = if options.quick { 1 } else { 3 };
    let spec = root.join("spec").join("huntapi.yaml");
    let mut rebuilds = Vec::new();
    let mut script = None;
    for _ in 0..touch_runs {
        buildtime::touch(&spec).map_err(|e| format!("touch {}: {e}", spec.display()))?;
        let run = build(&[ROOT_PACKAGE])?;
        if !run.success {
            return Err(format!(
                "rebuild after touching spec/huntapi.yaml failed:\n{}",
                run.tail(20)
            ));
        }
        match run.build_script_run(ROOT_PACKAGE) {
            Some(path) => script = Some(path),
            None => return Err("touching spec/huntapi.yaml did not rerun the build script".into()),
        }
        rebuilds.push(run.wall);
    }
    let mut script_times = Vec::new();
    if let Some(script) = &script {
        let out_dir =
            std::env::temp_dir().join(format!("clientgen-bench-out-dir-{}", std::process::id()));
        for _ in 0..if options.quick { 1 } else { 5 } {
            let (elapsed, ok) =
                buildtime::run_build_script(script, root, &out_dir).map_err(|e| e.to_string())?;
            if ok {
                script_times.push(elapsed);
            }
        }
        let _ = std::fs::remove_dir_all(&out_dir);
    }

    report.line("| build | N | median |");
    report.line("| --- | ---: | ---: |");
    report.line(format!(
        "| no-op `cargo build -p {ROOT_PACKAGE}` (build.rs generation) | {rounds} | {} |",
        root_median.map_or("-".into(), format_secs)
    ));
    report.line(format!(
        "| no-op `cargo build` of the three committed generated crates | {rounds} | {} |",
        crates_median.map_or("-".into(), format_secs)
    ));
    report.line(format!(
        "| rebuild after `touch spec/huntapi.yaml` | {touch_runs} | {} |",
        median_secs(&rebuilds).map_or("-".into(), format_secs)
    ));
    report.line(format!(
        "| of which the build script (generating all three specs, unoptimized) | {} | {} |",
        script_times.len(),
        median_secs(&script_times).map_or("-".into(), format_secs)
    ));
    report.line("");
    report.line(format!(
        "No-op builds that reran the build script or rebuilt the package: {reran} of {rounds} \
         (from cargo's `-v` log: a `Running …/build-script-build` line, or no `Fresh {ROOT_PACKAGE}`)."
    ));
    report.line("");
    report.check(
        "no-op build reruns generation",
        "never",
        format!("{reran} of {rounds}"),
        Some(reran == 0),
    );
    report.check(
        "no-op build, added over the committed crates",
        "≤ 50 ms",
        added.map_or("-".into(), |a| format!("{:+.1} ms", a * 1e3)),
        added.map(|a| a <= TARGET_NOOP_ADDED.as_secs_f64()),
    );
    report.check(
        "rebuild after touching one spec",
        "(recorded)",
        median_secs(&rebuilds).map_or("-".into(), format_secs),
        None,
    );
    Ok(())
}

/// Latency and throughput of the generated call against the hand-written one.
fn client_section(report: &mut Report, options: &Options) -> Result<(), String> {
    report.line("## Client overhead (generated `get_usage().send()` against hand-written reqwest)");
    report.line("");
    let server = BenchServer::start().map_err(|e| format!("server: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let generated = Arc::new(Caller::generated(&server.base_url())?);
    let raw = Arc::new(Caller::raw(&server.base_url())?);
    let (warmup, pairs) = if options.quick {
        (200, 2_000)
    } else {
        (2_000, 20_000)
    };
    let latencies = runtime.block_on(http::paired_latencies(&generated, &raw, warmup, pairs))?;

    // Many short rounds: on a shared machine the speed of the same loop drifts by tens of per
    // cent from one tenth of a second to the next, so a round's two batches are kept short
    // (about 30 ms each) to see the same drift, and there are enough of them for the median
    // of their ratios to settle within about 1%.
    let (rounds, per_task) = if options.quick { (4, 20) } else { (300, 20) };
    let concurrency = 64;
    let mut rates_generated = Vec::new();
    let mut rates_raw = Vec::new();
    // One ratio per round: the two batches of a round run back to back, so a slow stretch of
    // the shared machine weighs on both sides of that round's ratio.
    let mut round_ratios = Vec::new();
    for round in 0..rounds {
        let order = if round % 2 == 0 {
            [&generated, &raw]
        } else {
            [&raw, &generated]
        };
        let (mut generated_rate, mut raw_rate) = (None, None);
        for caller in order {
            let rate = runtime.block_on(http::throughput(caller.clone(), concurrency, per_task))?;
            match caller.as_ref() {
                Caller::Generated(_) => generated_rate = Some(rate),
                Caller::Raw(_) => raw_rate = Some(rate),
            }
        }
        if let (Some(g), Some(r)) = (generated_rate, raw_rate) {
            rates_generated.push(g);
            rates_raw.push(r);
            round_ratios.extend(ratio(Some(g), Some(r)));
        }
    }
    drop(server);

    let us = |x: Option<f64>| x.map_or("-".into(), |s| format!("{:.1} µs", s * 1e6));
    let latency_ratio = ratio(median(&latencies.a), median(&latencies.b));
    let throughput_ratio = median(&round_ratios);
    report.line(format!(
        "hyper 1.x HTTP/1.1 server on 127.0.0.1 (one thread), clients on one current-thread tokio \
         runtime; {pairs} sequential request pairs alternating the two clients; throughput: \
         {concurrency} tasks × {per_task} requests, {rounds} rounds of one batch per client (order \
         alternating); the throughput ratio is the median of the rounds' ratios (interquartile \
         range {} to {}).",
        fmt_ratio(stats::quantile(&round_ratios, 0.25)),
        fmt_ratio(stats::quantile(&round_ratios, 0.75)),
    ));
    report.line("");
    report.line("| client | median latency | p90 | p99 | median throughput |");
    report.line("| --- | ---: | ---: | ---: | ---: |");
    for (name, lat, rates) in [
        ("generated (clientgen)", &latencies.a, &rates_generated),
        ("hand-written reqwest", &latencies.b, &rates_raw),
    ] {
        report.line(format!(
            "| {name} | {} | {} | {} | {} |",
            us(median(lat)),
            us(stats::quantile(lat, 0.9)),
            us(stats::quantile(lat, 0.99)),
            median(rates).map_or("-".into(), |r| format!("{r:.0} req/s")),
        ));
    }
    report.line(format!(
        "| **ratio generated / reqwest** | **{}** | | | **{}** |",
        fmt_ratio(latency_ratio),
        fmt_ratio(throughput_ratio)
    ));
    report.line("");
    report.check(
        "client median latency",
        "≤ 1.05 × reqwest",
        fmt_ratio(latency_ratio),
        latency_ratio.map(|r| r <= TARGET_LATENCY_RATIO),
    );
    report.check(
        "client throughput at concurrency 64",
        "≥ 0.95 × reqwest",
        fmt_ratio(throughput_ratio),
        throughput_ratio.map(|r| r >= TARGET_THROUGHPUT_RATIO),
    );
    Ok(())
}

fn fmt_ratio(r: Option<f64>) -> String {
    let mut out = String::new();
    match r {
        Some(r) => {
            let _ = write!(out, "{r:.2}");
        }
        None => out.push('-'),
    }
    out
}
