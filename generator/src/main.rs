//! The `clientgen` command line: a thin front end over the library's `generate`.
//!
//! Exit codes: 0 success, 1 a problem in the input (or drift, for `check`), 2 bad usage.

use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use clientgen::{Diagnostics, RuntimeDependency, Settings};

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
    },
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
    let result = match cli.command {
        Command::Generate {
            spec: Some(spec),
            out: Some(out),
            crate_name: Some(name),
            types,
            ..
        } => generate_one(&spec, &out, &name, &types.settings()),
        Command::Generate { root, types, .. } => {
            find_root(root).and_then(|root| generate_all(&root, &types.settings()))
        }
        Command::Check {
            spec: Some(spec),
            out: Some(out),
            crate_name: Some(name),
            types,
            ..
        } => check_one(&spec, &out, &name, &types.settings()),
        Command::Check { root, types, .. } => {
            find_root(root).and_then(|root| check_all(&root, &types.settings()))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
    }
}

/// The directory holding `spec/` and `generated/`: the given one, or the nearest ancestor of the
/// current directory that has `spec/`.
fn find_root(given: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(root) = given {
        return Ok(root);
    }
    let cwd = std::env::current_dir().map_err(|e| format!("error: current directory: {e}"))?;
    cwd.ancestors()
        .find(|dir| dir.join("spec").is_dir() && dir.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            "error: no spec/ directory here or above: run from the repository, or pass --root"
                .to_string()
        })
}

/// The repository's specs, sorted, with their crate names (`spec/x.yaml` -> `x-client`).
fn repo_specs(root: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let dir = root.join("spec");
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("error: {}: {e}", dir.display()))?;
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
        return Err(format!("error: no *.yaml spec in {}", dir.display()));
    }
    Ok(specs)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("error: {}: {e}", path.display()))
}

fn report(ds: &Diagnostics) {
    for d in ds.iter() {
        eprintln!("{d}");
    }
}

fn repo_crate(
    root: &Path,
    spec: &Path,
    name: &str,
    types: &clientgen::emit::TypeSettings,
) -> Result<clientgen::GeneratedCrate, String> {
    let label = format!(
        "spec/{}",
        spec.file_name().and_then(|n| n.to_str()).unwrap_or("")
    );
    let text = read(&root.join(&label))?;
    let settings = Settings::new(name, label.clone()).with_type_settings(types.clone());
    let generated = clientgen::generate(&text, &settings).map_err(|ds| {
        format!(
            "{ds}\nerror: {label}: {} error(s); nothing was written",
            ds.errors().count()
        )
    })?;
    report(&generated.warnings);
    Ok(generated)
}

fn generate_all(root: &Path, types: &clientgen::emit::TypeSettings) -> Result<(), String> {
    for (spec, name) in repo_specs(root)? {
        let generated = repo_crate(root, &spec, &name, types)?;
        let out = root.join("generated").join(&name);
        let written = clientgen::write::write_if_changed(&out, &generated.files)
            .map_err(|e| format!("error: {e}"))?;
        println!(
            "{name}: {} file(s) written, {} unchanged",
            written.len(),
            generated.files.len() - written.len()
        );
    }
    Ok(())
}

fn check_all(root: &Path, types: &clientgen::emit::TypeSettings) -> Result<(), String> {
    let mut drifted = Vec::new();
    for (spec, name) in repo_specs(root)? {
        let generated = repo_crate(root, &spec, &name, types)?;
        let out = root.join("generated").join(&name);
        for drift in clientgen::write::check(&out, &generated.files) {
            print!("{}", drift.diff);
            drifted.push(drift.path);
        }
    }
    if drifted.is_empty() {
        println!("generated/ is up to date with spec/");
        Ok(())
    } else {
        Err(format!(
            "error: {} generated file(s) differ from spec/: run `{}` and commit the result",
            drifted.len(),
            clientgen::REGENERATE_COMMAND
        ))
    }
}

/// The crate generated from one spec into `out` (which must exist): the runtime is referenced
/// by a relative path when it is reachable, and the crate gets its own `[workspace]` unless an
/// enclosing workspace lists `out` as a member.
fn standalone_crate(
    spec: &Path,
    out: &Path,
    name: &str,
    types: &clientgen::emit::TypeSettings,
) -> Result<clientgen::GeneratedCrate, String> {
    let text = read(spec)?;
    let runtime_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime");
    let runtime = relative_path(out, &runtime_dir)
        .map(|p| RuntimeDependency::Path(p.to_string_lossy().into_owned()))
        .unwrap_or(RuntimeDependency::Registry);
    let membership = clientgen::workspace::membership(out).map_err(|e| format!("error: {e}"))?;
    let settings = Settings::new(name, spec.display().to_string())
        .with_runtime(runtime)
        .with_standalone(membership.needs_own_workspace())
        .with_regenerate_command(one_spec_command(spec, out, name))
        .with_type_settings(types.clone());
    let generated = clientgen::generate(&text, &settings).map_err(|ds| {
        format!(
            "{ds}\nerror: {}: {} error(s); nothing was written",
            spec.display(),
            ds.errors().count()
        )
    })?;
    report(&generated.warnings);
    Ok(generated)
}

/// The command that regenerates one spec's crate.
fn one_spec_command(spec: &Path, out: &Path, name: &str) -> String {
    format!(
        "clientgen generate --spec {} --out {} --crate-name {name}",
        spec.display(),
        out.display()
    )
}

fn generate_one(
    spec: &Path,
    out: &Path,
    name: &str,
    types: &clientgen::emit::TypeSettings,
) -> Result<(), String> {
    // The folders this run creates, deepest first: a run that fails removes them again, so
    // that a failed generation leaves no empty `--out` folder behind.
    let created: Vec<PathBuf> = out
        .ancestors()
        .take_while(|dir| !dir.as_os_str().is_empty() && !dir.exists())
        .map(Path::to_path_buf)
        .collect();
    std::fs::create_dir_all(out).map_err(|e| format!("error: {}: {e}", out.display()))?;
    let generated = match standalone_crate(spec, out, name, types) {
        Ok(generated) => generated,
        Err(e) => {
            for dir in &created {
                // Only empty folders go (`remove_dir` refuses others).
                let _ = std::fs::remove_dir(dir);
            }
            return Err(e);
        }
    };
    let written = clientgen::write::write_if_changed(out, &generated.files)
        .map_err(|e| format!("error: {e}"))?;
    println!(
        "{name}: {} file(s) written to {}",
        written.len(),
        out.display()
    );
    Ok(())
}

fn check_one(
    spec: &Path,
    out: &Path,
    name: &str,
    types: &clientgen::emit::TypeSettings,
) -> Result<(), String> {
    if !out.is_dir() {
        return Err(format!(
            "error: {}: no such directory: run `{}`",
            out.display(),
            one_spec_command(spec, out, name)
        ));
    }
    let generated = standalone_crate(spec, out, name, types)?;
    let drift = clientgen::write::check(out, &generated.files);
    for d in &drift {
        print!("{}", d.diff);
    }
    if drift.is_empty() {
        println!("{} is up to date with {}", out.display(), spec.display());
        Ok(())
    } else {
        Err(format!(
            "error: {} generated file(s) differ from {}: run `{}`",
            drift.len(),
            spec.display(),
            one_spec_command(spec, out, name)
        ))
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
