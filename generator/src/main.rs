//! The `clientgen` command line: a thin front end over the library's `generate`.
//!
//! Exit codes: 0 success, 1 a problem in the input (or drift, for `check`), 2 bad usage.
//! Diagnostics go to stderr in the rustc style (`--format human`), one line each (`short`), or
//! as JSON lines on stdout (`json`), where nothing else is printed.

mod progress;

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use clientgen::diagnostic::kind;
use clientgen::render::{self, Color};
use clientgen::{Diagnostic, Diagnostics, RuntimeDependency, Settings, Severity};

use progress::Progress;

/// A large description is tens of millions of small allocations, freed in no particular order:
/// glibc's allocator then spends most of its time searching its fragmented free lists (over
/// 60% of the time of formatting Microsoft Graph beta). mimalloc does not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "clientgen",
    version,
    about = "Typed async Rust clients from OpenAPI 3.0 descriptions"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// How diagnostics are printed: `human` (rustc style, on stderr), `short` (one line each,
    /// on stderr) or `json` (one object per line, on stdout).
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Print errors only: no warnings, no progress, no summary lines.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Also print the time each stage took, and draw every warning (not ten of a kind).
    #[arg(long, short, global = true)]
    verbose: bool,
    /// Colour: `auto` (when stderr is a terminal and `NO_COLOR` is not set), `always`, `never`.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Short,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate every spec/*.yaml into generated/<name>-client, or one spec into --out.
    Generate {
        /// One spec (YAML or JSON) to generate instead of the repository's spec/ directory.
        #[arg(long, requires_all = ["out", "crate_name"])]
        spec: Option<PathBuf>,
        /// The directory the crate is written to.
        #[arg(long, requires = "spec")]
        out: Option<PathBuf>,
        /// The package name of the generated crate.
        #[arg(long, requires = "spec")]
        crate_name: Option<String>,
        /// The repository root (default: found from the current directory).
        #[arg(long)]
        root: Option<PathBuf>,
        #[command(flatten)]
        types: TypeArgs,
        #[command(flatten)]
        subset: SubsetArgs,
        #[command(flatten)]
        package: PackageArgs,
    },
    /// Exit 1 with a diff when generated/ (or one --out crate) differs from what `generate`
    /// would write.
    Check {
        /// One spec (YAML or JSON) to check instead of the repository's spec/ directory.
        #[arg(long, requires_all = ["out", "crate_name"])]
        spec: Option<PathBuf>,
        /// The directory of the crate generated from --spec.
        #[arg(long, requires = "spec")]
        out: Option<PathBuf>,
        /// The package name of the crate generated from --spec.
        #[arg(long, requires = "spec")]
        crate_name: Option<String>,
        /// The repository root (default: found from the current directory).
        #[arg(long)]
        root: Option<PathBuf>,
        #[command(flatten)]
        types: TypeArgs,
        #[command(flatten)]
        subset: SubsetArgs,
        #[command(flatten)]
        package: PackageArgs,
    },
    /// Compare two versions of a description in terms of the generated Rust API: each change
    /// classified as breaking, additive or patch, the semver bump and a CHANGELOG section.
    /// Exit 0 without a breaking change, 1 with one (or when a version cannot be read).
    #[command(
        after_help = "VERSIONS:\n  FILE        the file as it is\n  FILE@REV    the file at a git revision (`git show REV:FILE`), e.g. spec/huntapi.yaml@HEAD~3\n\nEXAMPLES:\n  clientgen diff old.yaml new.yaml\n  clientgen diff spec/huntapi.yaml@v0.1.0 spec/huntapi.yaml --from-version 0.1.0\n  clientgen diff --git HEAD~3 spec/huntapi.yaml --format json"
    )]
    Diff {
        /// The older version: FILE or FILE@REV (with --git: the file, compared with itself at REV).
        old: String,
        /// The newer version: FILE or FILE@REV.
        new: Option<String>,
        /// Compare FILE at git revision REV with FILE as it is now.
        #[arg(long, value_name = "REV")]
        git: Option<String>,
        /// The version of the crate generated from the older description: the report gives the
        /// version the newer one needs.
        #[arg(long, value_name = "VERSION")]
        from_version: Option<String>,
    },
}

/// The package metadata of a crate generated from one spec, for its publisher.
#[derive(clap::Args, Clone, Default)]
struct PackageArgs {
    /// The package version (default 0.1.0).
    #[arg(long = "crate-version", value_name = "VERSION", requires = "spec")]
    crate_version: Option<String>,
    /// The SPDX license expression (default `MIT OR Apache-2.0`); MIT and Apache-2.0 get their
    /// LICENSE files.
    #[arg(long, value_name = "SPDX", requires = "spec")]
    license: Option<String>,
    /// The repository URL.
    #[arg(long, value_name = "URL", requires = "spec")]
    repository: Option<String>,
    /// The documentation URL.
    #[arg(long, value_name = "URL", requires = "spec")]
    documentation: Option<String>,
    /// An author (repeatable); the first is the copyright holder in LICENSE-MIT.
    #[arg(long = "author", value_name = "NAME", requires = "spec")]
    authors: Vec<String>,
}

impl PackageArgs {
    fn package(&self) -> clientgen::PackageSettings {
        let mut package = clientgen::PackageSettings::default();
        if let Some(license) = &self.license {
            package = package.license(license);
        }
        if let Some(url) = &self.repository {
            package = package.repository(url);
        }
        if let Some(url) = &self.documentation {
            package = package.documentation(url);
        }
        for author in &self.authors {
            package = package.author(author);
        }
        package
    }

    /// The flags as they are written in the regenerate command.
    fn flags(&self) -> String {
        let mut out = String::new();
        let quoted = |value: &str| {
            if value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:@".contains(c))
            {
                value.to_string()
            } else {
                format!("'{}'", value.replace('\'', "'\\''"))
            }
        };
        for (flag, value) in [
            ("--crate-version", &self.crate_version),
            ("--license", &self.license),
            ("--repository", &self.repository),
            ("--documentation", &self.documentation),
        ] {
            if let Some(value) = value {
                out.push_str(&format!(" {flag} {}", quoted(value)));
            }
        }
        for author in &self.authors {
            out.push_str(&format!(" --author {}", quoted(author)));
        }
        out
    }
}

/// Which operations of one spec to generate (all by default); the types none of them uses are
/// left out. For large descriptions whose caller needs a few operations.
#[derive(clap::Args, Clone, Default)]
struct SubsetArgs {
    /// Generate only the operations with this tag (repeatable; with --include-operations, either).
    #[arg(
        long = "include-tags",
        value_name = "TAG",
        value_delimiter = ',',
        requires = "spec"
    )]
    include_tags: Vec<String>,
    /// Generate only this operation, by operationId (repeatable).
    #[arg(
        long = "include-operations",
        value_name = "ID",
        value_delimiter = ',',
        requires = "spec"
    )]
    include_operations: Vec<String>,
    /// Leave out the operations with this tag (repeatable).
    #[arg(
        long = "exclude-tags",
        value_name = "TAG",
        value_delimiter = ',',
        requires = "spec"
    )]
    exclude_tags: Vec<String>,
    /// Leave out this operation, by operationId (repeatable).
    #[arg(
        long = "exclude-operations",
        value_name = "ID",
        value_delimiter = ',',
        requires = "spec"
    )]
    exclude_operations: Vec<String>,
    /// A Cargo feature per group of operations (`x-group`, else the first tag, else the first
    /// path segment), each compiling its operations and the types they use: `on` (all on by
    /// default), `off` (none on by default) or `none` (no group features).
    #[arg(
        long = "group-features",
        value_name = "WHEN",
        value_enum,
        default_value_t = GroupFeaturesArg::On,
        requires = "spec"
    )]
    group_features: GroupFeaturesArg,
}

/// `--group-features`.
#[derive(clap::ValueEnum, Clone, Copy, Default, PartialEq, Eq, Debug)]
enum GroupFeaturesArg {
    /// A feature per group, all on by default.
    #[default]
    On,
    /// A feature per group, none on by default.
    Off,
    /// No group features.
    None,
}

impl GroupFeaturesArg {
    fn mode(self) -> clientgen::emit::GroupFeatures {
        match self {
            GroupFeaturesArg::On => clientgen::emit::GroupFeatures::On,
            GroupFeaturesArg::Off => clientgen::emit::GroupFeatures::Off,
            GroupFeaturesArg::None => clientgen::emit::GroupFeatures::None,
        }
    }
}

impl SubsetArgs {
    fn subset(&self) -> clientgen::subset::Subset {
        clientgen::subset::Subset::default()
            .include_tags(self.include_tags.iter().cloned())
            .include_operations(self.include_operations.iter().cloned())
            .exclude_tags(self.exclude_tags.iter().cloned())
            .exclude_operations(self.exclude_operations.iter().cloned())
    }

    /// The flags as they are written in the regenerate command.
    fn flags(&self) -> String {
        let mut out = String::new();
        for (flag, values) in [
            ("--include-tags", &self.include_tags),
            ("--include-operations", &self.include_operations),
            ("--exclude-tags", &self.exclude_tags),
            ("--exclude-operations", &self.exclude_operations),
        ] {
            if !values.is_empty() {
                out.push_str(&format!(" {flag} {}", values.join(",")));
            }
        }
        match self.group_features {
            GroupFeaturesArg::On => {}
            GroupFeaturesArg::Off => out.push_str(" --group-features off"),
            GroupFeaturesArg::None => out.push_str(" --group-features none"),
        }
        out
    }
}

/// How the type engine (typify) shapes the generated types.
#[derive(clap::Args, Clone, Default)]
struct TypeArgs {
    /// A derive added to every generated type (repeatable), e.g. `--derive PartialEq`.
    #[arg(long = "derive", value_name = "PATH")]
    derives: Vec<String>,
    /// Generate no `types::builder` struct builders (a smaller crate; no `body_map`).
    #[arg(long)]
    no_struct_builders: bool,
    /// Rename one generated type (repeatable).
    #[arg(long = "rename", value_name = "TYPE=NAME", value_parser = pair)]
    renames: Vec<(String, String)>,
    /// A derive added to one generated type (repeatable).
    #[arg(long = "type-derive", value_name = "TYPE=PATH", value_parser = pair)]
    type_derives: Vec<(String, String)>,
    /// Use an existing Rust type instead of generating one (repeatable).
    #[arg(long = "replace", value_name = "TYPE=PATH", value_parser = pair)]
    replacements: Vec<(String, String)>,
    /// Use a Rust type for every schema equal to this JSON schema (repeatable), e.g.
    /// `--convert '{"type":"string","format":"decimal"}=rust_decimal::Decimal'`.
    #[arg(long = "convert", value_name = "SCHEMA=PATH", value_parser = conversion)]
    conversions: Vec<(serde_json::Value, String)>,
}

impl TypeArgs {
    fn settings(&self) -> clientgen::emit::TypeSettings {
        let mut settings = clientgen::emit::TypeSettings::new();
        settings.extra_derives = self.derives.clone();
        settings.struct_builders = !self.no_struct_builders;
        let mut patches: Vec<(String, clientgen::emit::types::TypePatchSpec)> = Vec::new();
        for (name, rename) in &self.renames {
            patches.push((
                name.clone(),
                clientgen::emit::types::TypePatchSpec {
                    rename: Some(rename.clone()),
                    derives: Vec::new(),
                },
            ));
        }
        for (name, derive) in &self.type_derives {
            match patches.iter_mut().find(|(n, _)| n == name) {
                Some((_, patch)) => patch.derives.push(derive.clone()),
                None => patches.push((
                    name.clone(),
                    clientgen::emit::types::TypePatchSpec {
                        rename: None,
                        derives: vec![derive.clone()],
                    },
                )),
            }
        }
        settings.patches = patches;
        settings.replacements = self.replacements.clone();
        settings.conversions = self.conversions.clone();
        settings
    }
}

/// `A=B`.
fn pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
            Ok((a.trim().to_string(), b.trim().to_string()))
        }
        _ => Err(format!("expected NAME=VALUE, got `{text}`")),
    }
}

/// `SCHEMA=PATH`, the schema in JSON (split at the last `=`).
fn conversion(text: &str) -> Result<(serde_json::Value, String), String> {
    let (schema, path) = text
        .rsplit_once('=')
        .ok_or_else(|| format!("expected SCHEMA=PATH, got `{text}`"))?;
    let schema: serde_json::Value = serde_json::from_str(schema)
        .map_err(|e| format!("the schema in `{text}` is not JSON: {e}"))?;
    if path.trim().is_empty() {
        return Err(format!("no Rust type after `=` in `{text}`"));
    }
    Ok((schema, path.trim().to_string()))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stderr_is_terminal = std::io::stderr().is_terminal();
    let out = Reporter {
        format: cli.format,
        quiet: cli.quiet,
        verbose: cli.verbose,
        color: match cli.color {
            ColorChoice::Auto => Color::auto(stderr_is_terminal),
            ColorChoice::Always => Color::Always,
            ColorChoice::Never => Color::Never,
        },
        progress: stderr_is_terminal && !cli.quiet && cli.format != Format::Json,
        sources: RefCell::new(HashMap::new()),
    };
    let result = match cli.command {
        Command::Generate {
            spec: Some(spec),
            out: Some(dir),
            crate_name: Some(name),
            types,
            subset,
            package,
            ..
        } => generate_one(
            &out,
            &spec,
            &dir,
            &name,
            &types.settings(),
            &(subset, package),
        ),
        Command::Generate { root, types, .. } => {
            find_root(root).and_then(|root| generate_all(&out, &root, &types.settings()))
        }
        Command::Check {
            spec: Some(spec),
            out: Some(dir),
            crate_name: Some(name),
            types,
            subset,
            package,
            ..
        } => check_one(
            &out,
            &spec,
            &dir,
            &name,
            &types.settings(),
            &(subset, package),
        ),
        Command::Check { root, types, .. } => {
            find_root(root).and_then(|root| check_all(&out, &root, &types.settings()))
        }
        Command::Diff {
            old,
            new,
            git,
            from_version,
        } => {
            let versions = match (new, git) {
                (Some(new), None) => Ok((old, new)),
                (None, Some(rev)) => Ok((format!("{old}@{rev}"), old)),
                (None, None) => Err("give two versions (OLD NEW), or one file and --git REV"),
                (Some(_), Some(_)) => Err("--git REV takes one file, not two versions"),
            };
            let versions = versions.and_then(|v| {
                match from_version.as_deref().map(clientgen::diff::parse_version) {
                    Some(Err(_)) => Err("--from-version takes MAJOR.MINOR.PATCH"),
                    _ => Ok(v),
                }
            });
            match versions {
                Ok((old, new)) => diff(&out, &old, &new, from_version.as_deref()),
                Err(usage) => {
                    eprintln!("error: {usage}\n\nFor more information, try '--help'.");
                    return ExitCode::from(2);
                }
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            out.failure(&failure);
            ExitCode::from(1)
        }
    }
}

/// In the human form, how many warnings of one kind are drawn before the rest are counted.
const WARNINGS_DRAWN_PER_KIND: usize = 10;

/// Adds one to the count of `kind` in `counts`; returns the new count.
fn count(counts: &mut Vec<(&'static str, usize)>, kind: &'static str) -> usize {
    match counts.iter_mut().find(|(k, _)| *k == kind) {
        Some((_, n)) => {
            *n += 1;
            *n
        }
        None => {
            counts.push((kind, 1));
            1
        }
    }
}

/// Why a run failed: the diagnostics (errors, and the warnings met before them), and the
/// closing line that says what it means for the output.
struct Failure {
    diagnostics: Diagnostics,
    summary: Option<String>,
}

impl From<Diagnostic> for Failure {
    fn from(d: Diagnostic) -> Self {
        Failure {
            diagnostics: d.into(),
            summary: None,
        }
    }
}

/// Prints diagnostics and status lines as `--format`, `--quiet`, `--verbose` and `--color` ask.
struct Reporter {
    format: Format,
    quiet: bool,
    verbose: bool,
    color: Color,
    /// Whether a progress display may be drawn (stderr is a terminal, human output).
    progress: bool,
    /// The text of each spec read, by its label, for the source lines of diagnostics.
    sources: RefCell<HashMap<String, String>>,
}

impl Reporter {
    /// Reads a spec, keeping its text for diagnostics; a file that cannot be read is an error
    /// of kind `io`.
    fn read(&self, path: &Path, label: &str) -> Result<String, Failure> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            let what = match e.kind() {
                std::io::ErrorKind::NotFound => "no such file".to_string(),
                std::io::ErrorKind::InvalidData => "the file is not UTF-8 text".to_string(),
                _ => e.to_string(),
            };
            let d = Diagnostic::io(label, format!("cannot read the spec: {what}"));
            let d = match path.parent().and_then(|dir| similar_file(dir, path)) {
                Some(near) => d.with_hint(format!("did you mean `{near}`?")),
                None => d,
            };
            Failure::from(d)
        })?;
        self.sources
            .borrow_mut()
            .insert(label.to_string(), text.clone());
        Ok(text)
    }

    /// One diagnostic; warnings are dropped by `--quiet`.
    fn diagnostic(&self, d: &Diagnostic) {
        if self.quiet && d.severity == Severity::Warning {
            return;
        }
        match self.format {
            Format::Json => println!("{}", render::json(d)),
            Format::Short => {
                eprintln!("{d}");
                if let Some(hint) = &d.hint {
                    eprintln!("  help: {hint}");
                }
            }
            Format::Human => {
                let sources = self.sources.borrow();
                let source = sources.get(&d.file).map(String::as_str);
                eprintln!("{}\n", render::human(d, source, self.color));
            }
        }
    }

    /// Every diagnostic of one spec. In the human form, warnings of one kind past the first
    /// [`WARNINGS_DRAWN_PER_KIND`] are counted in one line per kind instead of drawn (unless
    /// `--verbose`); `short` and `json` list them all.
    fn diagnostics(&self, ds: &Diagnostics) {
        let mut drawn: Vec<(&'static str, usize)> = Vec::new();
        let mut hidden: Vec<(&'static str, usize)> = Vec::new();
        for d in ds.iter() {
            let summarise = self.format == Format::Human && !self.verbose;
            if summarise && d.severity == Severity::Warning {
                let n = count(&mut drawn, d.kind);
                if n > WARNINGS_DRAWN_PER_KIND {
                    count(&mut hidden, d.kind);
                    continue;
                }
            }
            self.diagnostic(d);
        }
        if self.quiet {
            return;
        }
        for (kind, n) in hidden {
            eprintln!(
                "warning: {n} more warning(s) of kind `{kind}` not shown (--verbose or --format \
                 short shows them)\n"
            );
        }
    }

    /// A status line (what was written, what is up to date): stdout, or stderr when stdout
    /// carries JSON; none with `--quiet`.
    fn status(&self, line: &str) {
        if self.quiet {
            return;
        }
        if self.format == Format::Json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }

    /// A line only `--verbose` prints, on stderr.
    fn detail(&self, line: &str) {
        if self.verbose {
            eprintln!("{line}");
        }
    }

    fn failure(&self, failure: &Failure) {
        self.diagnostics(&failure.diagnostics);
        if let Some(summary) = &failure.summary
            && self.format != Format::Json
        {
            eprintln!("{summary}");
        }
    }

    /// Generates one crate, with a progress display and `--verbose` stage times.
    fn generate(
        &self,
        text: &str,
        settings: &Settings,
    ) -> Result<clientgen::GeneratedCrate, Diagnostics> {
        let progress = Progress::start(self.progress, &settings.crate_name);
        let started = std::time::Instant::now();
        let mut last = started;
        let mut current: Option<clientgen::Stage> = None;
        let result = clientgen::generate_with_progress(text, settings, &mut |stage| {
            // One operation after another is one stage for the times `--verbose` prints.
            let same_stage = matches!(
                (&current, &stage),
                (
                    Some(clientgen::Stage::Operations { .. }),
                    clientgen::Stage::Operations { .. }
                )
            );
            if same_stage {
                current = Some(stage);
                progress.stage(&stage.to_string());
                return;
            }
            if let Some(previous) = current.replace(stage) {
                self.detail(&format!(
                    "{}: {} took {:.2?}",
                    settings.crate_name,
                    stage_label(previous),
                    last.elapsed()
                ));
            }
            last = std::time::Instant::now();
            progress.stage(&stage.to_string());
        });
        progress.finish();
        if let Some(stage) = current {
            self.detail(&format!(
                "{}: {} took {:.2?} ({:.2?} in all)",
                settings.crate_name,
                stage_label(stage),
                last.elapsed(),
                started.elapsed()
            ));
        }
        result
    }
}

/// A stage as `--verbose` names it: the operations together, not the last one reached.
fn stage_label(stage: clientgen::Stage) -> String {
    match stage {
        clientgen::Stage::Operations { total, .. } => format!("emitting {total} operation(s)"),
        other => other.to_string(),
    }
}

/// A file next to `path` whose name is close to its name (a typo in `--spec`).
fn similar_file(dir: &Path, path: &Path) -> Option<String> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let wanted = path.file_name()?.to_str()?;
    let names: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    let near = clientgen::diagnostic::nearest(wanted, names.iter().map(String::as_str))?;
    Some(path.with_file_name(near).display().to_string())
}

/// The directory holding `spec/` and `generated/`: the given one, or the nearest ancestor of the
/// current directory that has `spec/`.
fn find_root(given: Option<PathBuf>) -> Result<PathBuf, Failure> {
    if let Some(root) = given {
        return Ok(root);
    }
    let cwd = std::env::current_dir()
        .map_err(|e| Diagnostic::io(".", format!("current directory: {e}")))?;
    cwd.ancestors()
        .find(|dir| dir.join("spec").is_dir() && dir.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            Diagnostic::io(".", "no spec/ directory here or above")
                .with_hint("run from the repository, or pass --root")
                .into()
        })
}

/// The repository's specs, sorted, with their crate names (`spec/x.yaml` -> `x-client`).
fn repo_specs(root: &Path) -> Result<Vec<(PathBuf, String)>, Failure> {
    let dir = root.join("spec");
    let entries = std::fs::read_dir(&dir)
        .map_err(|e| Diagnostic::io(dir.display().to_string(), e.to_string()))?;
    let mut specs: Vec<(PathBuf, String)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .filter_map(|p| {
            let stem = p.file_stem()?.to_str()?.to_string();
            Some((p, format!("{stem}-client")))
        })
        .collect();
    specs.sort();
    if specs.is_empty() {
        return Err(Diagnostic::io(dir.display().to_string(), "no *.yaml spec here").into());
    }
    Ok(specs)
}

/// The failure of generating from `label`: its diagnostics and the line saying nothing was
/// written.
fn spec_failure(label: &str, ds: Diagnostics) -> Failure {
    let summary = format!(
        "error: {label}: {} error(s); nothing was written",
        ds.errors().count()
    );
    Failure {
        diagnostics: ds,
        summary: Some(summary),
    }
}

fn output_error(path: &Path, e: impl std::fmt::Display) -> Failure {
    Diagnostic::new(
        Severity::Error,
        path.display().to_string(),
        "",
        e.to_string(),
    )
    .with_kind(kind::OUTPUT)
    .into()
}

fn repo_crate(
    out: &Reporter,
    root: &Path,
    spec: &Path,
    name: &str,
    types: &clientgen::emit::TypeSettings,
    record: bool,
) -> Result<(clientgen::GeneratedCrate, ReleaseState), Failure> {
    let label = format!(
        "spec/{}",
        spec.file_name().and_then(|n| n.to_str()).unwrap_or("")
    );
    let text = out.read(&root.join(&label), &label)?;
    let settings = Settings::new(name, label.clone())
        .with_type_settings(types.clone())
        .with_package(clientgen::workspace::package_settings(root, name));
    let dir = root.join("generated").join(name);
    let state = release_state(out, &dir, &text, &settings, record)?;
    let settings = settings.with_changelog(state.changelog.clone());
    let generated = out
        .generate(&text, &settings)
        .map_err(|ds| spec_failure(&label, ds))?;
    out.diagnostics(&generated.warnings);
    Ok((generated, state))
}

fn generate_all(
    out: &Reporter,
    root: &Path,
    types: &clientgen::emit::TypeSettings,
) -> Result<(), Failure> {
    for (spec, name) in repo_specs(root)? {
        let (generated, state) = repo_crate(out, root, &spec, &name, types, true)?;
        let dir = root.join("generated").join(&name);
        let written = clientgen::write::write_if_changed(&dir, &generated.files)
            .map_err(|e| output_error(&dir, e))?;
        out.status(&format!(
            "{name}: {} file(s) written, {} unchanged",
            written.len(),
            generated.files.len() - written.len()
        ));
        let version = clientgen::release::version(&state.changelog).unwrap_or_default();
        release_status(out, &name, &state, &version);
    }
    Ok(())
}

/// One `drift` diagnostic per differing file, with the command that brings it up to date.
fn drift_failure(
    out: &Reporter,
    drift: &[clientgen::write::Drift],
    summary: String,
    command: &str,
) -> Failure {
    let mut ds = Diagnostics::new();
    for d in drift {
        if out.format != Format::Json {
            print!("{}", d.diff);
        }
        ds.push(
            Diagnostic::new(
                Severity::Error,
                d.path.display().to_string(),
                "",
                "differs from what generation writes",
            )
            .with_kind(kind::DRIFT)
            .with_hint(format!("run `{command}` and commit the result")),
        );
    }
    // In human and short form the diff above says it; JSON gets one object per file.
    if out.format != Format::Json {
        ds = Diagnostics::new();
    }
    Failure {
        diagnostics: ds,
        summary: Some(summary),
    }
}

fn check_all(
    out: &Reporter,
    root: &Path,
    types: &clientgen::emit::TypeSettings,
) -> Result<(), Failure> {
    let mut drifted = Vec::new();
    let mut semver = Diagnostics::new();
    for (spec, name) in repo_specs(root)? {
        let (generated, state) = repo_crate(out, root, &spec, &name, types, false)?;
        let dir = root.join("generated").join(&name);
        drifted.extend(clientgen::write::check(&dir, &generated.files));
        let label = format!(
            "spec/{}",
            spec.file_name().and_then(|n| n.to_str()).unwrap_or("")
        );
        let relative = Path::new("generated").join(&name);
        if let Some(d) = semver_failure(&state, &label, &relative, clientgen::REGENERATE_COMMAND) {
            semver.push(d);
        }
    }
    if drifted.is_empty() && semver.is_empty() {
        out.status("generated/ is up to date with spec/");
        return Ok(());
    }
    let summary = format!(
        "error: {} generated file(s) differ from spec/{}: run `{}` and commit the result",
        drifted.len(),
        if semver.is_empty() {
            String::new()
        } else {
            format!(", {} crate(s) need a version bump", semver.len())
        },
        clientgen::REGENERATE_COMMAND
    );
    let mut failure = drift_failure(out, &drifted, summary, clientgen::REGENERATE_COMMAND);
    semver.extend(failure.diagnostics);
    failure.diagnostics = semver;
    Err(failure)
}

/// The crate generated from one spec into `dir` (which must exist): the runtime is referenced
/// by a relative path when it is reachable, and the crate gets its own `[workspace]` unless an
/// enclosing workspace lists `dir` as a member.
fn standalone_crate(
    out: &Reporter,
    spec: &Path,
    dir: &Path,
    name: &str,
    types: &clientgen::emit::TypeSettings,
    options: &(SubsetArgs, PackageArgs),
    record: bool,
) -> Result<(clientgen::GeneratedCrate, ReleaseState), Failure> {
    let label = spec.display().to_string();
    let text = out.read(spec, &label)?;
    let runtime_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime");
    let runtime = relative_path(dir, &runtime_dir)
        .map(|p| RuntimeDependency::Path(p.to_string_lossy().into_owned()))
        .unwrap_or(RuntimeDependency::Registry);
    let membership = clientgen::workspace::membership(dir).map_err(|e| output_error(dir, e))?;
    let settings = Settings::new(name, portable(spec))
        .with_runtime(runtime)
        .with_standalone(membership.needs_own_workspace())
        .with_regenerate_command(one_spec_command(spec, dir, name, options))
        .with_type_settings(types.clone())
        .with_subset(options.0.subset())
        .with_group_features(options.0.group_features.mode())
        .with_package(options.1.package());
    let settings = match &options.1.crate_version {
        Some(version) => settings.with_crate_version(version),
        None => settings,
    };
    let state = release_state(out, dir, &text, &settings, record)?;
    // `--crate-version` pins the version; without it the CHANGELOG's newest entry decides.
    let settings = settings.with_changelog(state.changelog.clone());
    let settings = match &options.1.crate_version {
        Some(version) => settings.with_crate_version(version),
        None => settings,
    };
    // Diagnostics name the spec as given on the command line.
    let mut generated = out.generate(&text, &settings).map_err(|ds| {
        let ds = relabel(ds, &settings.spec_label, &label);
        spec_failure(&label, ds)
    })?;
    generated.warnings = relabel(generated.warnings, &settings.spec_label, &label);
    out.diagnostics(&generated.warnings);
    Ok((generated, state))
}

/// `ds` with the file `from` named `to`.
fn relabel(ds: Diagnostics, from: &str, to: &str) -> Diagnostics {
    let mut out = Diagnostics::new();
    for mut d in ds.iter().cloned() {
        if d.file == from {
            d.file = to.to_string();
        }
        out.push(d);
    }
    out
}

/// `path` as written into generated files: relative to the current directory, so that the
/// output does not depend on where the repository is (an absolute `--spec` or `--out` would put
/// one machine's directories into committed files).
fn portable(path: &Path) -> String {
    let relative = if path.is_absolute() {
        std::env::current_dir()
            .ok()
            .and_then(|cwd| relative_path(&cwd, path))
            .unwrap_or_else(|| path.to_path_buf())
    } else {
        path.to_path_buf()
    };
    let text = relative.display().to_string();
    if text.is_empty() { ".".into() } else { text }
}

/// The command that regenerates one spec's crate, with paths relative to the current directory.
fn one_spec_command(
    spec: &Path,
    dir: &Path,
    name: &str,
    options: &(SubsetArgs, PackageArgs),
) -> String {
    format!(
        "clientgen generate --spec {} --out {} --crate-name {name}{}{}",
        portable(spec),
        portable(dir),
        options.0.flags(),
        options.1.flags()
    )
}

fn generate_one(
    out: &Reporter,
    spec: &Path,
    dir: &Path,
    name: &str,
    types: &clientgen::emit::TypeSettings,
    options: &(SubsetArgs, PackageArgs),
) -> Result<(), Failure> {
    // The folders this run creates, deepest first: a run that fails removes them again, so
    // that a failed generation leaves no empty or partial `--out` folder behind.
    let created: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .map(Path::to_path_buf)
        .collect();
    let remove_created = || {
        if let Some(top) = created.last() {
            let _ = std::fs::remove_dir_all(top);
        }
    };
    std::fs::create_dir_all(dir).map_err(|e| output_error(dir, e))?;
    let (generated, state) = match standalone_crate(out, spec, dir, name, types, options, true) {
        Ok(generated) => generated,
        Err(e) => {
            remove_created();
            return Err(e);
        }
    };
    let written = match clientgen::write::write_if_changed(dir, &generated.files) {
        Ok(written) => written,
        Err(e) => {
            remove_created();
            return Err(output_error(dir, e));
        }
    };
    out.status(&format!(
        "{name}: {} file(s) written to {}",
        written.len(),
        dir.display()
    ));
    let version = clientgen::release::version(&state.changelog).unwrap_or_default();
    release_status(out, name, &state, &version);
    Ok(())
}

fn check_one(
    out: &Reporter,
    spec: &Path,
    dir: &Path,
    name: &str,
    types: &clientgen::emit::TypeSettings,
    options: &(SubsetArgs, PackageArgs),
) -> Result<(), Failure> {
    let command = one_spec_command(spec, dir, name, options);
    if !dir.is_dir() {
        return Err(
            Diagnostic::io(dir.display().to_string(), "no such directory")
                .with_hint(format!("run `{command}`"))
                .into(),
        );
    }
    let (generated, state) = standalone_crate(out, spec, dir, name, types, options, false)?;
    let drift = clientgen::write::check(dir, &generated.files);
    let semver = semver_failure(&state, &spec.display().to_string(), dir, &command);
    if let Some(d) = semver {
        let summary = format!(
            "error: {} needs a version bump, and {} generated file(s) differ from {}: run `{command}`",
            dir.display(),
            drift.len(),
            spec.display(),
        );
        let mut failure = drift_failure(out, &drift, summary, &command);
        let mut ds: Diagnostics = d.into();
        ds.extend(failure.diagnostics);
        failure.diagnostics = ds;
        return Err(failure);
    }
    if drift.is_empty() {
        out.status(&format!(
            "{} is up to date with {}",
            dir.display(),
            spec.display()
        ));
        Ok(())
    } else {
        let summary = format!(
            "error: {} generated file(s) differ from {}: run `{command}`",
            drift.len(),
            spec.display(),
        );
        Err(drift_failure(out, &drift, summary, &command))
    }
}

/// `to` relative to `from` (both made absolute), or `None` if they share no root.
fn relative_path(from: &Path, to: &Path) -> Option<PathBuf> {
    let from = std::fs::canonicalize(from).ok()?;
    let to = std::fs::canonicalize(to).ok()?;
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to[common..] {
        out.push(c);
    }
    Some(out)
}

/// A version of a description named on the command line: `FILE`, or `FILE@REV` for the file at
/// a git revision. A path that exists is a file even if it holds an `@`.
fn read_version(out: &Reporter, given: &str) -> Result<String, Failure> {
    let path = Path::new(given);
    let Some((file, rev)) = given
        .rsplit_once('@')
        .filter(|(file, rev)| !path.exists() && !file.is_empty() && !rev.is_empty())
    else {
        return out.read(path, given);
    };
    let file = Path::new(file);
    let dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .arg("show")
        .arg(format!("{rev}:./{name}"))
        .output();
    let text = match output {
        Ok(o) if o.status.success() => String::from_utf8(o.stdout).map_err(|_| {
            Failure::from(Diagnostic::io(
                given,
                "cannot read the spec: the file is not UTF-8 text",
            ))
        })?,
        Ok(o) => {
            let why = String::from_utf8_lossy(&o.stderr).trim().to_string();
            return Err(Diagnostic::io(
                given,
                format!("cannot read the spec at revision `{rev}`: {why}"),
            )
            .with_hint("FILE@REV names a file at a git revision, e.g. spec/api.yaml@HEAD~1")
            .into());
        }
        Err(e) => {
            return Err(Diagnostic::io(given, format!("cannot run git: {e}")).into());
        }
    };
    out.sources
        .borrow_mut()
        .insert(given.to_string(), text.clone());
    Ok(text)
}

/// The IR of one version, or its diagnostics as a failure.
fn model_of(out: &Reporter, label: &str, text: &str) -> Result<clientgen::ir::Api, Failure> {
    let settings = Settings::new("diff", label);
    let (api, warnings) = clientgen::model(text, &settings).map_err(|ds| {
        let summary = format!(
            "error: {label}: {} error(s); nothing was compared",
            ds.errors().count()
        );
        Failure {
            diagnostics: ds,
            summary: Some(summary),
        }
    })?;
    if out.verbose {
        out.diagnostics(&warnings);
    }
    Ok(api)
}

/// `clientgen diff`: the report on stdout (human or JSON); a breaking change fails the run.
fn diff(out: &Reporter, old: &str, new: &str, from_version: Option<&str>) -> Result<(), Failure> {
    let old_text = read_version(out, old)?;
    let new_text = read_version(out, new)?;
    let report = clientgen::diff::diff(
        &model_of(out, old, &old_text)?,
        &model_of(out, new, &new_text)?,
    );
    if out.format == Format::Json {
        let mut json = report.to_json(from_version);
        json["old"] = old.into();
        json["new"] = new.into();
        print_out(&format!("{json}\n"));
    } else {
        print_out(&format!("{}\n", diff_text(&report, old, new, from_version)));
    }
    if report.is_breaking() {
        Err(Failure {
            diagnostics: Diagnostics::new(),
            summary: None,
        })
    } else {
        Ok(())
    }
}

/// Writes `text` to stdout; a closed pipe (`clientgen diff ... | head`) is not an error.
fn print_out(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

/// The human form of a report: a summary line, the bump, and the CHANGELOG section.
fn diff_text(
    report: &clientgen::diff::Report,
    old: &str,
    new: &str,
    from_version: Option<&str>,
) -> String {
    use clientgen::diff::Class;
    let count = |class| report.of(class).count();
    let mut text = format!(
        "{old} -> {new}: {} breaking, {} additive, {} patch change(s)\n",
        count(Class::Breaking),
        count(Class::Additive),
        count(Class::Patch)
    );
    let class = report.class();
    let heading = match from_version {
        Some(version) => {
            let next = clientgen::diff::bump(version, class).unwrap_or_default();
            text.push_str(&match class {
                Some(class) => format!("semver: {class} -> {version} becomes {next}\n"),
                None => format!("semver: no change -> {version} stays\n"),
            });
            next
        }
        None => {
            text.push_str(match class {
                Some(Class::Breaking) => {
                    "semver: breaking -> in 0.y.z bump y (0.1.3 -> 0.2.0), from 1.0.0 the major\n"
                }
                Some(Class::Additive) => {
                    "semver: additive -> in 0.y.z bump z (0.1.3 -> 0.1.4), from 1.0.0 the minor\n"
                }
                Some(Class::Patch) => "semver: patch -> bump z (0.1.3 -> 0.1.4)\n",
                None => "semver: no change -> the version stays\n",
            });
            "Unreleased".to_string()
        }
    };
    text.push('\n');
    text.push_str(&report.changelog_section(&heading, ""));
    text
}

/// What a crate's release record becomes on regeneration: the CHANGELOG to write and the
/// changes since the description the crate carries (empty when it carries none, or the same).
struct ReleaseState {
    changelog: String,
    report: clientgen::diff::Report,
    /// The version before the changes were recorded.
    previous: String,
}

/// Reads `dir`'s CHANGELOG.md and description copy and compares the copy with `text`. With
/// `record`, the changes are added to the CHANGELOG (a new unreleased entry, or the open one);
/// without, the committed CHANGELOG is kept as it is (`check`). A crate without a CHANGELOG gets
/// a first one at `settings.crate_version`.
fn release_state(
    out: &Reporter,
    dir: &Path,
    text: &str,
    settings: &Settings,
    record: bool,
) -> Result<ReleaseState, Failure> {
    let changelog_path = dir.join(clientgen::release::CHANGELOG_FILE);
    let copy_path = dir.join(clientgen::release::spec_copy_name(settings));
    let committed = std::fs::read_to_string(&changelog_path).ok();
    let copy = std::fs::read_to_string(&copy_path).ok();
    let model = |label: &str, text: &str| clientgen::model(text, &settings_for(settings, label));
    let report = match &copy {
        Some(copy) if copy != text => {
            let copy_label = copy_path.display().to_string();
            match (model(&copy_label, copy), model(&settings.spec_label, text)) {
                (Ok((old, _)), Ok((new, _))) => clientgen::diff::diff(&old, &new),
                (Err(ds), _) => {
                    out.diagnostic(&Diagnostic::new(
                        Severity::Warning,
                        copy_label,
                        "",
                        format!(
                            "the description this crate was generated from does not lower ({} \
                             error(s)), so the changes since then are not classified",
                            ds.errors().count()
                        ),
                    ));
                    clientgen::diff::Report::default()
                }
                // The new description's errors are reported by generation itself.
                (_, Err(_)) => clientgen::diff::Report::default(),
            }
        }
        _ => clientgen::diff::Report::default(),
    };
    let changelog = committed.unwrap_or_else(|| {
        clientgen::release::initial(
            &settings.crate_name,
            &settings.spec_label,
            &settings.crate_version,
        )
    });
    let previous = clientgen::release::version(&changelog).unwrap_or_default();
    let changelog = if record {
        clientgen::release::record(&changelog, &report)
            .map_err(|e| output_error(&changelog_path, e))?
            .0
    } else {
        changelog
    };
    Ok(ReleaseState {
        changelog,
        report,
        previous,
    })
}

/// The settings a description is lowered with for comparison: its subset, under `label`.
fn settings_for(settings: &Settings, label: &str) -> Settings {
    Settings::new(settings.crate_name.clone(), label).with_subset(settings.subset.clone())
}

/// Prints what regeneration recorded: the changes, the version and the CHANGELOG entry.
fn release_status(out: &Reporter, name: &str, state: &ReleaseState, version: &str) {
    let Some(class) = state.report.class() else {
        return;
    };
    out.status(&format!(
        "{name}: {} change(s) to the description since the last generation, {class} at most: \
         version {} -> {version}; CHANGELOG.md records them:\n",
        state.report.changes.len(),
        state.previous,
    ));
    let entry = clientgen::release::entries(&state.changelog)
        .into_iter()
        .next()
        .map(|e| e.changes)
        .unwrap_or_default();
    for (class, line) in entry {
        out.status(&format!("  [{class}] {line}"));
    }
}

/// A breaking change between the crate's description copy and the spec that the committed
/// version does not bump for, or a CHANGELOG whose newest version is too small for what it lists:
/// an error naming the changes and the command that fixes it.
fn semver_failure(
    state: &ReleaseState,
    spec_label: &str,
    dir: &Path,
    command: &str,
) -> Option<Diagnostic> {
    let changelog = dir.join(clientgen::release::CHANGELOG_FILE);
    if let Err(e) = clientgen::release::check(&state.changelog) {
        return Some(
            Diagnostic::new(
                Severity::Error,
                changelog.display().to_string(),
                "",
                format!("the version does not follow the changes: {e}"),
            )
            .with_kind(kind::DRIFT)
            .with_hint(
                "set the newest entry's version to the one named, and run the command again",
            ),
        );
    }
    let class = state.report.class()?;
    let recorded = clientgen::release::record(&state.changelog, &state.report).ok()?;
    if recorded.1 == state.previous {
        return None;
    }
    let breaking: Vec<&str> = state
        .report
        .of(clientgen::diff::Class::Breaking)
        .map(|c| c.message.as_str())
        .collect();
    if breaking.is_empty() {
        return None;
    }
    Some(
        Diagnostic::new(
            Severity::Error,
            spec_label,
            "",
            format!(
                "{} breaking change(s) since the description {} was generated from, without the \
                 version bump they need ({} -> {}, {class}): {}",
                breaking.len(),
                dir.display(),
                state.previous,
                recorded.1,
                breaking.join(" ")
            ),
        )
        .with_kind(kind::DRIFT)
        .with_hint(format!(
            "run `{command}`: it sets version {} and adds the CHANGELOG entry",
            recorded.1
        )),
    )
}
