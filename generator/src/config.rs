//! The `build.rs` front end: a builder that generates one module per spec into `OUT_DIR`, tells
//! cargo when to rerun, passes warnings on as cargo warnings and fails with readable errors.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Diagnostics, Severity};
use crate::render::{self, Color};
use crate::{Settings, emit};

/// Generates client modules from a `build.rs`:
///
/// ```no_run
/// // build.rs
/// fn main() -> Result<(), clientgen::ConfigError> {
///     clientgen::Config::new().spec("spec/petstore.yaml").generate()?;
///     Ok(())
/// }
/// ```
///
/// writes `$OUT_DIR/petstore.rs`, a module `petstore` that the crate includes with
/// `include!(concat!(env!("OUT_DIR"), "/petstore.rs"));`. The module allows `dead_code` and
/// `unused_imports`, so a binary crate that uses a few operations compiles without warnings,
/// and clippy's `result_large_err` (a call's error keeps the whole response it is about).
#[derive(Debug, Clone)]
pub struct Config {
    specs: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    types: emit::TypeSettings,
    subset: crate::subset::Subset,
    group_features: emit::GroupFeatures,
    cargo: bool,
}

impl Default for Config {
    /// No specs, no cargo directives, no group features.
    fn default() -> Self {
        Self {
            specs: Vec::new(),
            out_dir: None,
            types: emit::TypeSettings::default(),
            subset: crate::subset::Subset::default(),
            group_features: emit::GroupFeatures::None,
            cargo: false,
        }
    }
}

impl Config {
    /// No specs yet; output to `OUT_DIR`, with cargo's `rerun-if-changed` and `warning` lines.
    pub fn new() -> Self {
        Self {
            cargo: true,
            ..Self::default()
        }
    }

    /// Adds a spec (YAML or JSON), named relative to the package (as `build.rs` runs). The
    /// module is named after the file stem: `spec/pet-store.yaml` -> `pet_store`, written to
    /// `$OUT_DIR/pet_store.rs`.
    pub fn spec(mut self, path: impl Into<PathBuf>) -> Self {
        self.specs.push(path.into());
        self
    }

    /// Writes into `dir` instead of `OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// How the type engine shapes the types (extra derives, renames, replacements...).
    pub fn type_settings(mut self, types: emit::TypeSettings) -> Self {
        self.types = types;
        self
    }

    /// Generates only the operations of `subset` (by tag or operationId), and the types they
    /// use: a large description costs what the operations a crate calls cost to compile.
    pub fn subset(mut self, subset: crate::subset::Subset) -> Self {
        self.subset = subset;
        self
    }

    /// Gates each group of operations behind a Cargo feature of the including package, as a
    /// generated crate does (none by default). The package then declares one feature per group
    /// (the names `clientgen generate --spec` writes into a crate's `[features]`), and a build
    /// with some of them turned off compiles only those groups and the types they use.
    pub fn group_features(mut self, group_features: emit::GroupFeatures) -> Self {
        self.group_features = group_features;
        self
    }

    /// Whether to print `cargo:rerun-if-changed` and `cargo:warning` lines (on by default; off
    /// outside a build script).
    pub fn cargo_directives(mut self, on: bool) -> Self {
        self.cargo = on;
        self
    }

    /// Generates every spec and writes the modules that changed; returns their paths. Every
    /// spec is generated even when one fails, so that one run shows all problems.
    pub fn generate(&self) -> Result<Vec<PathBuf>, ConfigError> {
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(ConfigError::NoOutDir)?,
        };
        let mut written = Vec::new();
        let mut failures = Vec::new();
        for spec in &self.specs {
            if self.cargo {
                println!("cargo:rerun-if-changed={}", spec.display());
            }
            match self.module(spec) {
                Ok((name, source)) => {
                    let path = out_dir.join(format!("{name}.rs"));
                    let unchanged = std::fs::read(&path).is_ok_and(|old| old == source.as_bytes());
                    if !unchanged {
                        std::fs::write(&path, source)
                            .map_err(|e| ConfigError::Write(format!("{}: {e}", path.display())))?;
                    }
                    written.push(path);
                }
                Err(failure) => failures.push(failure),
            }
        }
        if failures.is_empty() {
            Ok(written)
        } else {
            Err(ConfigError::Spec(failures))
        }
    }

    /// The module name and text of one spec.
    fn module(&self, spec: &Path) -> Result<(String, String), SpecFailure> {
        let label = spec.display().to_string();
        let fail = |diagnostics: Diagnostics, text: Option<String>| {
            let failure = SpecFailure {
                diagnostics,
                text,
                label: label.clone(),
            };
            if self.cargo {
                for d in failure.diagnostics.iter() {
                    cargo_warning(d);
                }
            }
            failure
        };
        let name = module_name(spec).ok_or_else(|| {
            let d = Diagnostic::io(label.as_str(), "no file name to name the module after");
            fail(d.into(), None)
        })?;
        let text = std::fs::read_to_string(spec).map_err(|e| {
            let d = Diagnostic::io(label.as_str(), format!("cannot read the spec: {e}"));
            fail(d.into(), None)
        })?;
        let settings = Settings::new(format!("{}-client", name.replace('_', "-")), label.as_str())
            .with_regenerate_command("cargo build (build.rs)")
            .with_type_settings(self.types.clone())
            .with_subset(self.subset.clone())
            .with_group_features(self.group_features);
        match crate::generate_module(&text, &settings) {
            Ok(module) => {
                if self.cargo {
                    for d in module.warnings.iter() {
                        cargo_warning(d);
                    }
                }
                let source = format!(
                    "#[allow(dead_code, unused_imports, clippy::result_large_err)]\npub mod {name} {{\n{}}}\n",
                    module.source
                );
                Ok((name, source))
            }
            Err(ds) => Err(fail(ds, Some(text))),
        }
    }
}

/// The module name of a spec file: its stem, with characters that cannot be in a Rust
/// identifier turned into `_`.
fn module_name(spec: &Path) -> Option<String> {
    let stem = spec.file_stem()?.to_str()?;
    let mut name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    Some(name)
}

/// Prints one diagnostic as cargo warning lines.
fn cargo_warning(d: &Diagnostic) {
    for line in cargo_warning_lines(d) {
        println!("{line}");
    }
}

/// One diagnostic as `cargo:warning` lines: the one-line form, then the hint (cargo shows one
/// line per directive).
fn cargo_warning_lines(d: &Diagnostic) -> Vec<String> {
    let mut lines = vec![format!("cargo:warning={d}")];
    if let Some(hint) = &d.hint {
        lines.push(format!("cargo:warning=  help: {hint}"));
    }
    lines
}

/// A spec that could not be generated, with its text for the source lines.
pub struct SpecFailure {
    label: String,
    text: Option<String>,
    diagnostics: Diagnostics,
}

/// Why [`Config::generate`] failed. Its `Debug` form is the full report (what `build.rs`'s
/// `main` prints when it returns the error).
#[non_exhaustive]
pub enum ConfigError {
    /// Not run by cargo and no [`Config::out_dir`].
    NoOutDir,
    /// A module could not be written.
    Write(String),
    /// Specs with errors, each with every diagnostic found in it.
    Spec(Vec<SpecFailure>),
}

impl SpecFailure {
    /// The spec as named to [`Config::spec`].
    pub fn spec(&self) -> &str {
        &self.label
    }

    /// Every diagnostic found in it (warnings included).
    pub fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

impl ConfigError {
    /// Every diagnostic of every failed spec.
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        let failures: &[SpecFailure] = match self {
            ConfigError::Spec(failures) => failures,
            _ => &[],
        };
        failures.iter().flat_map(|f| f.diagnostics.iter())
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NoOutDir => f.write_str(
                "OUT_DIR is not set: run clientgen::Config from a build script, or set out_dir",
            ),
            ConfigError::Write(e) => write!(f, "cannot write the generated module: {e}"),
            ConfigError::Spec(failures) => {
                for (i, failure) in failures.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    for d in failure.diagnostics.iter() {
                        writeln!(
                            f,
                            "{}\n",
                            render::human(d, failure.text.as_deref(), Color::Never)
                        )?;
                    }
                    let errors = failure
                        .diagnostics
                        .iter()
                        .filter(|d| d.severity == Severity::Error)
                        .count();
                    write!(
                        f,
                        "clientgen: {}: {errors} error(s); no module was generated",
                        failure.label
                    )?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `fn main() -> Result<(), ConfigError>` prints this: the report, not a struct dump.
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::kind;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("clientgen-config-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_diagnostic_is_one_cargo_warning_and_its_hint_another() {
        let d = Diagnostic::new(Severity::Error, "spec/a.yaml", "/paths", "m").with_hint("h");
        assert_eq!(
            cargo_warning_lines(&d),
            [
                "cargo:warning=error: spec/a.yaml: at /paths: m",
                "cargo:warning=  help: h"
            ]
        );
    }

    #[test]
    fn a_subset_narrows_the_module() {
        let dir = temp_dir("subset");
        let spec = dir.join("two.yaml");
        std::fs::write(
            &spec,
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      \
             operationId: listA\n      tags: [a]\n      responses:\n        '204': {description: ok}\n  \
             /b:\n    get:\n      operationId: listB\n      tags: [b]\n      responses:\n        \
             '204': {description: ok}\n",
        )
        .unwrap();
        Config::new()
            .out_dir(&dir)
            .cargo_directives(false)
            .subset(crate::subset::Subset::default().include_tags(["b"]))
            .spec(&spec)
            .generate()
            .unwrap();
        let module = std::fs::read_to_string(dir.join("two.rs")).unwrap();
        assert!(module.contains("fn list_b("), "{module}");
        assert!(!module.contains("fn list_a("), "{module}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn module_names_are_identifiers() {
        assert_eq!(
            module_name(Path::new("spec/pet-store.yaml")).unwrap(),
            "pet_store"
        );
        assert_eq!(module_name(Path::new("3d.json")).unwrap(), "_3d");
    }

    #[test]
    fn writes_a_module_per_spec_and_reports_every_failure() {
        let dir = temp_dir("gen");
        let good = dir.join("pets.yaml");
        std::fs::write(
            &good,
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /p:\n    get:\n      operationId: list\n      responses:\n        '204': {description: ok}\n",
        )
        .unwrap();
        let bad = dir.join("bad.yaml");
        std::fs::write(&bad, "swagger: '2.0'\n").unwrap();
        let config = Config::new().out_dir(&dir).cargo_directives(false);
        let written = config.clone().spec(&good).generate().unwrap();
        assert_eq!(written, vec![dir.join("pets.rs")]);
        let module = std::fs::read_to_string(dir.join("pets.rs")).unwrap();
        assert!(module.starts_with(
            "#[allow(dead_code, unused_imports, clippy::result_large_err)]\npub mod pets {\n"
        ));

        let missing = dir.join("missing.yaml");
        let err = config.spec(&bad).spec(&missing).generate().unwrap_err();
        let kinds: Vec<&str> = err.diagnostics().map(|d| d.kind).collect();
        assert_eq!(kinds, [kind::VERSION, kind::IO]);
        let report = format!("{err:?}");
        assert!(report.contains("Swagger 2.0 is not supported"), "{report}");
        assert!(report.contains("1 | swagger: '2.0'"), "{report}");
        assert!(report.contains("cannot read the spec"), "{report}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
