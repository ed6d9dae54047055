//! clientgen: typed async Rust client crates from OpenAPI 3.0 descriptions.
//!
//! The pipeline is one module per stage: [`load`] (YAML/JSON with positions) -> [`dialect`] and
//! [`repair`] -> [`validate`] (every problem in one run) -> [`lower`] (to the [`ir`], the one
//! model of the description; every name is minted by [`names`]) -> [`subset`] (the operations
//! asked for, and the types they use) -> [`emit`] (typify for the
//! types, our own layers for requests, errors, auth, retries and jobs, written by one writer)
//! -> [`write`] (write if changed, or check and diff). Only `load`'s callers (the CLI, and
//! [`Config`] for `build.rs`), `write` and `workspace` touch the file system; [`generate`] is a
//! pure function of its inputs. [`render`] draws diagnostics for people and tools. [`diff`]
//! compares two versions of a description through their IR ([`model`]) and classifies each
//! change by what it does to the generated API; [`release`] keeps a crate's CHANGELOG and
//! version in step with those changes.
//!
//! ```no_run
//! let text = std::fs::read_to_string("spec/huntapi.yaml").unwrap();
//! let settings = clientgen::Settings::new("huntapi-client", "spec/huntapi.yaml");
//! let generated = clientgen::generate(&text, &settings).unwrap();
//! clientgen::write::write_if_changed("generated/huntapi-client".as_ref(), &generated.files).unwrap();
//! ```

pub mod diagnostic;
pub mod dialect;
pub mod diff;
pub mod emit;
pub mod format;
pub mod ir;
pub mod load;
pub mod lower;
pub mod names;
pub mod release;
pub mod render;
pub mod repair;
pub mod subset;
pub mod validate;
pub mod workspace;
pub mod write;

mod config;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use config::{Config, ConfigError, SpecFailure};
pub use diagnostic::{Diagnostic, Diagnostics, Location, Severity};

/// The version of `clientgen-runtime` that generated crates depend on.
pub const RUNTIME_VERSION: &str = "0.1.0";

/// The command printed in headers and drift messages for this repository's own crates.
pub const REGENERATE_COMMAND: &str = "cargo run -p clientgen -- generate";

/// How a generated crate depends on `clientgen-runtime`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeDependency {
    /// A path (relative to the generated crate) plus the version, for publishing.
    Path(String),
    /// The published crate only.
    Registry,
}

/// What to generate, and how.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Settings {
    /// The package name of the generated crate, e.g. `huntapi-client`.
    pub crate_name: String,
    /// The package version.
    pub crate_version: String,
    /// How the spec is named in headers and diagnostics (e.g. `spec/huntapi.yaml`).
    pub spec_label: String,
    /// The command that regenerates the output, quoted in the header.
    pub regenerate_command: String,
    /// Where `clientgen-runtime` comes from.
    pub runtime: RuntimeDependency,
    /// Add an empty `[workspace]` so the crate builds outside any workspace.
    pub standalone: bool,
    /// How the type engine shapes the types: extra derives, struct builders, patches,
    /// replacements and conversions.
    pub types: emit::TypeSettings,
    /// Which operations to generate (all by default); the types none of them uses are left out.
    pub subset: subset::Subset,
    /// Whether the crate gets a Cargo feature per group of operations (all on by default).
    /// A module from [`generate_module`] is gated the same way: the package that includes it
    /// declares the features (as the generated crate's Cargo.toml does), or generates it with
    /// [`emit::GroupFeatures::None`] ([`Config`] does unless told otherwise).
    pub group_features: emit::GroupFeatures,
    /// With group features and more operations than this, each group's operations go into a
    /// file of their own (`src/client/<group>.rs`, behind the group's feature), which rustc
    /// does not read when the feature is off ([`emit::SPLIT_ABOVE_OPERATIONS`] by default).
    pub split_groups_above: usize,
    /// What a publisher sets in the package: license, repository, documentation, authors.
    pub package: PackageSettings,
    /// The crate's CHANGELOG.md ([`release`]), written into the crate as given; `None` writes
    /// none.
    pub changelog: Option<String>,
}

/// The package metadata of a generated crate, for its publisher.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PackageSettings {
    /// An SPDX license expression (`MIT OR Apache-2.0` by default). When it names MIT or
    /// Apache-2.0, the crate gets `LICENSE-MIT` or `LICENSE-APACHE`.
    pub license: String,
    /// The `repository` URL, if any.
    pub repository: Option<String>,
    /// The `documentation` URL, if any (crates.io links docs.rs without it).
    pub documentation: Option<String>,
    /// The `authors`; the first names the copyright holder in `LICENSE-MIT`.
    pub authors: Vec<String>,
}

impl Default for PackageSettings {
    fn default() -> Self {
        Self {
            license: "MIT OR Apache-2.0".into(),
            repository: None,
            documentation: None,
            authors: Vec::new(),
        }
    }
}

impl PackageSettings {
    /// Sets the license expression.
    pub fn license(mut self, license: impl Into<String>) -> Self {
        self.license = license.into();
        self
    }

    /// Sets the repository URL.
    pub fn repository(mut self, url: impl Into<String>) -> Self {
        self.repository = Some(url.into());
        self
    }

    /// Sets the documentation URL.
    pub fn documentation(mut self, url: impl Into<String>) -> Self {
        self.documentation = Some(url.into());
        self
    }

    /// Adds an author.
    pub fn author(mut self, author: impl Into<String>) -> Self {
        self.authors.push(author.into());
        self
    }
}

impl Settings {
    /// Settings for a crate named `crate_name` generated from the spec labelled `spec_label`.
    pub fn new(crate_name: impl Into<String>, spec_label: impl Into<String>) -> Self {
        Self {
            crate_name: crate_name.into(),
            crate_version: "0.1.0".into(),
            spec_label: spec_label.into(),
            regenerate_command: REGENERATE_COMMAND.into(),
            runtime: RuntimeDependency::Path("../../runtime".into()),
            standalone: false,
            types: emit::TypeSettings::new(),
            subset: subset::Subset::default(),
            group_features: emit::GroupFeatures::default(),
            split_groups_above: emit::SPLIT_ABOVE_OPERATIONS,
            package: PackageSettings::default(),
            changelog: None,
        }
    }

    /// Sets the CHANGELOG the crate carries, and the version to the one its newest entry names
    /// (a CHANGELOG without a version entry leaves the version as it was).
    pub fn with_changelog(mut self, changelog: impl Into<String>) -> Self {
        let changelog = changelog.into();
        if let Some(version) = release::version(&changelog) {
            self.crate_version = version;
        }
        self.changelog = Some(changelog);
        self
    }

    /// Sets the package metadata (license, repository, documentation, authors).
    pub fn with_package(mut self, package: PackageSettings) -> Self {
        self.package = package;
        self
    }

    /// Generates only the operations of `subset`, and the types they use.
    pub fn with_subset(mut self, subset: subset::Subset) -> Self {
        self.subset = subset;
        self
    }

    /// Sets whether the crate gets a Cargo feature per group, and whether they are on by
    /// default.
    pub fn with_group_features(mut self, group_features: emit::GroupFeatures) -> Self {
        self.group_features = group_features;
        self
    }

    /// Sets the number of operations above which each group's operations go into a file of
    /// their own (0: always, with group features).
    pub fn with_split_groups_above(mut self, operations: usize) -> Self {
        self.split_groups_above = operations;
        self
    }

    /// Sets how the type engine shapes the types.
    pub fn with_type_settings(mut self, types: emit::TypeSettings) -> Self {
        self.types = types;
        self
    }

    /// Sets the package version.
    pub fn with_crate_version(mut self, version: impl Into<String>) -> Self {
        self.crate_version = version.into();
        self
    }

    /// Sets how the crate depends on the runtime.
    pub fn with_runtime(mut self, runtime: RuntimeDependency) -> Self {
        self.runtime = runtime;
        self
    }

    /// Sets whether the crate gets its own `[workspace]`.
    pub fn with_standalone(mut self, standalone: bool) -> Self {
        self.standalone = standalone;
        self
    }

    /// Sets the command quoted in the generated header.
    pub fn with_regenerate_command(mut self, command: impl Into<String>) -> Self {
        self.regenerate_command = command.into();
        self
    }
}

/// A generated crate: its files by relative path, and the warnings met on the way.
#[derive(Debug, Clone)]
pub struct GeneratedCrate {
    /// `Cargo.toml`, `README.md`, the license files, the description (`openapi.yaml` or
    /// `openapi.json`), `CHANGELOG.md` when the settings carry one, `src/lib.rs`,
    /// `src/client.rs`.
    pub files: BTreeMap<PathBuf, String>,
    /// Warnings (fallbacks taken); errors stop generation instead.
    pub warnings: Diagnostics,
}

/// The client module alone, as `build.rs` includes it from `OUT_DIR`.
#[derive(Debug, Clone)]
pub struct GeneratedModule {
    /// The text of `src/client.rs`.
    pub source: String,
    /// The files of the groups' operations in a large crate (`src/client/<name>.rs`), as (name,
    /// text); empty for [`generate_module`], which makes one file.
    pub group_files: Vec<(String, String)>,
    /// Warnings.
    pub warnings: Diagnostics,
}

/// Path of the client module inside a generated crate.
pub const CLIENT_MODULE_PATH: &str = "src/client.rs";

/// A stage of generation, as reported to the callback of [`generate_with_progress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// Parsing the YAML or JSON text.
    Load,
    /// Down-converting, repairing and validating the description.
    Validate,
    /// Lowering the description into the IR.
    Lower,
    /// Emitting (and formatting) the client for this many operations: the types first.
    Emit {
        /// The number of operations in the description.
        operations: usize,
    },
    /// Emitting the operations, `done` of `total` so far.
    Operations {
        /// Operations emitted.
        done: usize,
        /// Operations in all.
        total: usize,
    },
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stage::Load => f.write_str("loading"),
            Stage::Validate => f.write_str("validating"),
            Stage::Lower => f.write_str("lowering"),
            Stage::Emit { operations } => {
                write!(f, "emitting the types of {operations} operation(s)")
            }
            Stage::Operations { done, total } => write!(f, "emitting operations: {done}/{total}"),
        }
    }
}

/// Generates the client module from a spec's text (YAML or JSON).
pub fn generate_module(text: &str, settings: &Settings) -> Result<GeneratedModule, Diagnostics> {
    let (module, _api, _deps, _features) =
        generate_parts(text, settings, settings.group_features, None, &mut |_| {})?;
    Ok(module)
}

/// The IR of a spec's text (YAML or JSON), as the emit stage would see it: loaded, down-converted,
/// repaired, validated, lowered and cut to `settings.subset`. Returns the model and the warnings
/// met on the way; errors are the diagnostics of the stage that found them. `diff` compares two
/// of these.
pub fn model(text: &str, settings: &Settings) -> Result<(ir::Api, Diagnostics), Diagnostics> {
    let lowered = lower_parts(text, settings, &mut |_| {})?;
    drop_in_background(lowered.doc);
    Ok((lowered.api, lowered.warnings))
}

/// The front half of generation: the document (its JSON value taken out) and the IR.
struct Lowered {
    doc: load::SourceDoc,
    api: ir::Api,
    warnings: Diagnostics,
}

fn lower_parts(
    text: &str,
    settings: &Settings,
    progress: &mut dyn FnMut(Stage),
) -> Result<Lowered, Diagnostics> {
    progress(Stage::Load);
    let mut doc = load::parse_text(&settings.spec_label, text)?;
    progress(Stage::Validate);
    let mut warnings = dialect::down_convert(&mut doc).warnings_of_kind(diagnostic::kind::DIALECT);
    warnings.extend(repair::repair(&mut doc).warnings_of_kind(diagnostic::kind::REPAIR));
    // Errors are reported after the warnings of the stages before them.
    let with_warnings = |warnings: &Diagnostics, errors: Diagnostics| {
        let mut all = warnings.clone();
        all.extend(errors);
        all
    };
    let spec = load::to_openapi(&doc).map_err(|e| with_warnings(&warnings, e))?;
    let validated = validate::validate(&doc, &spec);
    warnings.extend(validated);
    let warnings = warnings.propagate()?;
    progress(Stage::Lower);
    let (mut api, lower_warnings) =
        lower::lower(&doc, &spec).map_err(|e| with_warnings(&warnings, e))?;
    let subset_warnings = subset::apply(&mut api, &settings.subset, &settings.spec_label)
        .map_err(|e| with_warnings(&warnings, e))?;
    // Past lowering, the IR is the only model of the description; at scale the openapiv3 model
    // and the document's JSON value are hundreds of megabytes.
    drop_in_background(spec);
    drop_in_background(std::mem::take(&mut doc.value));
    let mut warnings = warnings;
    warnings.extend(lower_warnings.warnings_of_kind(diagnostic::kind::FALLBACK));
    warnings.extend(subset_warnings);
    Ok(Lowered { doc, api, warnings })
}

/// Most features crates.io takes for a crate without asking.
const CRATES_IO_MAX_FEATURES: usize = 300;

/// The client module, the IR it was made from, and what its Cargo.toml declares.
type Parts = (
    GeneratedModule,
    ir::Api,
    emit::ExtraDeps,
    emit::CargoFeatures,
);

fn generate_parts(
    text: &str,
    settings: &Settings,
    group_features: emit::GroupFeatures,
    split_above: Option<usize>,
    progress: &mut dyn FnMut(Stage),
) -> Result<Parts, Diagnostics> {
    let Lowered {
        doc,
        api,
        mut warnings,
    } = lower_parts(text, settings, progress)?;
    let with_warnings = |warnings: &Diagnostics, errors: Diagnostics| {
        let mut all = warnings.clone();
        all.extend(errors);
        all
    };
    let header = format::header(&settings.spec_label, &settings.regenerate_command);
    progress(Stage::Emit {
        operations: api.operations.len(),
    });
    let emitted = emit::emit_client(
        &doc,
        &api,
        &settings.types,
        group_features,
        split_above,
        "clientgen_runtime",
        &header,
        progress,
    )
    .map_err(|e| with_warnings(&warnings, e))?;
    warnings.extend(
        emitted
            .warnings
            .warnings_of_kind(diagnostic::kind::FALLBACK),
    );
    let declared = emitted.features.groups.len() + usize::from(emitted.features.other_types);
    if declared > CRATES_IO_MAX_FEATURES {
        warnings.push(
            doc.diagnostic(
                Severity::Warning,
                "",
                format!(
                    "the crate declares {declared} group features; crates.io takes at most \
                     {CRATES_IO_MAX_FEATURES} without asking"
                ),
            )
            .with_hint(
                "give operations fewer groups with `x-group`, or generate without group \
                 features (`--group-features none`)",
            ),
        );
    }
    let module = GeneratedModule {
        source: emitted.source,
        group_files: emitted.group_files,
        warnings,
    };
    Ok((module, api, emitted.deps, emitted.features))
}

/// Frees `value` on another thread. A large description is millions of small allocations, and
/// freeing them costs as much as a pipeline stage that nothing has to wait for.
pub(crate) fn drop_in_background<T: Send + 'static>(value: T) {
    // If no thread can be started, the closure (and `value` in it) is dropped right here.
    let _ = std::thread::Builder::new()
        .name("clientgen-free".into())
        .spawn(move || drop(value));
}

/// Generates a whole crate from a spec's text (YAML or JSON).
pub fn generate(text: &str, settings: &Settings) -> Result<GeneratedCrate, Diagnostics> {
    generate_with_progress(text, settings, &mut |_| {})
}

/// [`generate`], telling `progress` each [`Stage`] as it starts.
pub fn generate_with_progress(
    text: &str,
    settings: &Settings,
    progress: &mut dyn FnMut(Stage),
) -> Result<GeneratedCrate, Diagnostics> {
    let (module, api, deps, features) = generate_parts(
        text,
        settings,
        settings.group_features,
        Some(settings.split_groups_above),
        progress,
    )?;
    let header = format::header(&settings.spec_label, &settings.regenerate_command);
    let mut files = BTreeMap::new();
    files.insert(
        PathBuf::from("Cargo.toml"),
        emit::package::cargo_toml(&api, settings, &deps, &features, &header),
    );
    files.insert(
        PathBuf::from("README.md"),
        emit::package::readme(&api, settings, &features),
    );
    files.insert(PathBuf::from("src/lib.rs"), emit::package::lib_rs(&header));
    files.insert(PathBuf::from(CLIENT_MODULE_PATH), module.source);
    for (name, text) in module.group_files {
        files.insert(PathBuf::from(format!("src/client/{name}.rs")), text);
    }
    // The description itself goes into the package, beside the code made from it.
    files.insert(
        PathBuf::from(emit::package::spec_file_name(settings)),
        text.to_string(),
    );
    for (name, text) in emit::examples::files(&api, settings, &header) {
        files.insert(PathBuf::from(name), text);
    }
    if let Some(changelog) = &settings.changelog {
        files.insert(PathBuf::from(release::CHANGELOG_FILE), changelog.clone());
    }
    for (name, text) in emit::package::license_files(settings) {
        files.insert(PathBuf::from(name), text);
    }
    Ok(GeneratedCrate {
        files,
        warnings: module.warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_names_each_stage_and_counts_the_operations() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      \
                    operationId: a\n      responses:\n        '204': {description: ok}\n  /b:\n    \
                    get:\n      operationId: b\n      responses:\n        '204': {description: ok}\n";
        let mut seen = Vec::new();
        generate_with_progress(text, &Settings::new("t", "t.yaml"), &mut |stage| {
            seen.push(stage.to_string())
        })
        .expect("generates");
        assert_eq!(
            seen,
            [
                "loading",
                "validating",
                "lowering",
                "emitting the types of 2 operation(s)",
                "emitting operations: 0/2",
                "emitting operations: 1/2",
            ]
        );
    }
}
