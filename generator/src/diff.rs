//! Compares two versions of a description in terms of the Rust API generated from them: each
//! change to an operation, parameter, body, type, field, enum value, documented status or auth
//! scheme is classified as breaking, additive or patch, by what it does to code that uses the
//! previous crate, and the changes give the semver bump and a CHANGELOG section.
//!
//! Both sides are compared as the emit stage sees them: the lowered [`ir::Api`] ([`crate::model`]),
//! keyed by the Rust names minted there, so a report speaks of `Client::get_pet`, `types::Pet`
//! and `errors::GetPetError::NotFound` rather than of JSON pointers.
//!
//! The verdicts follow from how the generated crate looks:
//!
//! - every parameter, required or not, is a setter of the operation's builder; a required one
//!   left unset fails at `send` (`InvalidRequest`). So a new required parameter, or one made
//!   required, breaks working calls (breaking); a new optional one is a new setter (additive);
//!   a required one made optional keeps every call working and allows new ones (additive);
//! - the types are typify's: structs with public fields and no `#[non_exhaustive]`, which users
//!   can build with a struct literal, and exhaustive enums. Any field added to a struct (in a
//!   request or a response) and any value added to an enum therefore breaks code that compiles
//!   today (a struct literal, an exhaustive `match`): breaking, as cargo-semver-checks also
//!   says (`constructible_struct_adds_field`, `enum_variant_added`). That a response enum decodes
//!   unknown values (`OpenEnum`) keeps old clients working on the wire, not old code compiling;
//! - each operation's error enum and the crate-level `Error` are `#[non_exhaustive]`: a new
//!   documented status is a new variant (additive), a removed one breaks matches (breaking);
//! - the typed headers of an error response and the `MediaType` enum of `send_body` are
//!   exhaustive: adding to or removing from them is breaking;
//! - docs, defaults, paths, retry and billing metadata change no signature: patch.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value;

use crate::ir::{
    self, Api, ErrorBody, FieldKind, Operation, Parameter, RequestBody, SuccessBody, TypeRef,
};

/// How a change affects code written against the previous crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Nothing a user calls changes shape: docs, defaults, metadata, wire details.
    Patch,
    /// New items; code that compiled and worked still does.
    Additive,
    /// Code that compiled, or worked, may no longer.
    Breaking,
}

impl Class {
    /// `breaking`, `additive` or `patch`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Patch => "patch",
            Class::Additive => "additive",
            Class::Breaking => "breaking",
        }
    }
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change between two versions of a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Its class.
    pub class: Class,
    /// A stable name for the kind of change (`operation-removed`, `field-added`...).
    pub kind: &'static str,
    /// The Rust item it concerns (`Client::get_pet`, `types::Pet::name`).
    pub item: String,
    /// What changed, in a sentence.
    pub message: String,
}

/// Every change between two versions, in a stable order (breaking first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The changes.
    pub changes: Vec<Change>,
}

impl Report {
    /// The most severe class among the changes; `None` when nothing changed.
    pub fn class(&self) -> Option<Class> {
        self.changes.iter().map(|c| c.class).max()
    }

    /// Whether any change is breaking.
    pub fn is_breaking(&self) -> bool {
        self.class() == Some(Class::Breaking)
    }

    /// The changes of one class.
    pub fn of(&self, class: Class) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.class == class)
    }

    /// The CHANGELOG section for `version`: a `## VERSION` heading (with `suffix` after it, such
    /// as ` (unreleased)`), then the changes under `### Breaking`, `### Added` and `### Fixed`.
    pub fn changelog_section(&self, version: &str, suffix: &str) -> String {
        let mut out = format!("## {version}{suffix}\n");
        for (class, title) in [
            (Class::Breaking, "Breaking"),
            (Class::Additive, "Added"),
            (Class::Patch, "Fixed"),
        ] {
            let lines: Vec<&Change> = self.of(class).collect();
            if lines.is_empty() {
                continue;
            }
            let _ = write!(out, "\n### {title}\n\n");
            for change in lines {
                let _ = writeln!(out, "- {}", change.message);
            }
        }
        if self.changes.is_empty() {
            out.push_str("\nNo change to the generated API.\n");
        }
        out
    }

    /// The report as one JSON object: the class, the bump from `version` (when given and
    /// valid) and each change.
    pub fn to_json(&self, version: Option<&str>) -> Value {
        let next = version.and_then(|v| bump(v, self.class()).ok());
        serde_json::json!({
            "class": self.class().map(Class::as_str),
            "breaking": self.is_breaking(),
            "version": version,
            "next_version": next,
            "changes": self.changes.iter().map(|c| serde_json::json!({
                "class": c.class.as_str(),
                "kind": c.kind,
                "item": c.item,
                "message": c.message,
            })).collect::<Vec<_>>(),
        })
    }
}

/// The version that follows `version` for changes of `class`, by semver and Cargo's 0.x rules:
/// in `0.y.z` a breaking change bumps `y` and anything else `z` (in `0.0.z`, everything bumps
/// `z`); from 1.0.0 on, breaking bumps the major, additive the minor and patch the patch. No
/// change keeps the version.
pub fn bump(version: &str, class: Option<Class>) -> Result<String, String> {
    let (major, minor, patch) = parse_version(version)?;
    let Some(class) = class else {
        return Ok(format!("{major}.{minor}.{patch}"));
    };
    let next = |n: u64| {
        n.checked_add(1)
            .ok_or_else(|| format!("`{version}` cannot be bumped: a number is at its largest"))
    };
    Ok(match (major, minor, class) {
        (0, 0, _) => format!("0.0.{}", next(patch)?),
        (0, _, Class::Breaking) => format!("0.{}.0", next(minor)?),
        (0, _, _) => format!("0.{minor}.{}", next(patch)?),
        (_, _, Class::Breaking) => format!("{}.0.0", next(major)?),
        (_, _, Class::Additive) => format!("{major}.{}.0", next(minor)?),
        (_, _, Class::Patch) => format!("{major}.{minor}.{}", next(patch)?),
    })
}

/// Whether going from `from` to `to` is a bump big enough for changes of `class` (it may be
/// bigger: a minor bump covers patch changes).
pub fn covers(from: &str, to: &str, class: Option<Class>) -> Result<bool, String> {
    let needed = parse_version(&bump(from, class)?)?;
    Ok(parse_version(to)? >= needed)
}

/// `MAJOR.MINOR.PATCH` (a pre-release or build suffix is refused).
pub fn parse_version(version: &str) -> Result<(u64, u64, u64), String> {
    let parts: Vec<&str> = version.trim().split('.').collect();
    let number = |s: &str| s.parse::<u64>().ok();
    match parts.as_slice() {
        [a, b, c] => match (number(a), number(b), number(c)) {
            (Some(a), Some(b), Some(c)) => Ok((a, b, c)),
            _ => Err(format!(
                "`{version}` is not a version of the form MAJOR.MINOR.PATCH"
            )),
        },
        _ => Err(format!(
            "`{version}` is not a version of the form MAJOR.MINOR.PATCH"
        )),
    }
}

/// Compares two lowered descriptions.
pub fn diff(old: &Api, new: &Api) -> Report {
    let mut d = Differ {
        old,
        new,
        changes: Vec::new(),
    };
    d.api();
    d.schemes();
    d.operations();
    d.features();
    d.types();
    let mut changes = d.changes;
    // Breaking first, then additive, then patch; within a class, by item then message.
    changes.sort_by(|a, b| {
        b.class
            .cmp(&a.class)
            .then_with(|| a.item.cmp(&b.item))
            .then_with(|| a.message.cmp(&b.message))
    });
    changes.dedup();
    Report { changes }
}

struct Differ<'a> {
    old: &'a Api,
    new: &'a Api,
    changes: Vec<Change>,
}

impl Differ<'_> {
    fn push(&mut self, class: Class, kind: &'static str, item: String, message: String) {
        self.changes.push(Change {
            class,
            kind,
            item,
            message,
        });
    }

    fn api(&mut self) {
        let (old, new) = (self.old, self.new);
        if old.default_base_url != new.default_base_url {
            self.push(
                Class::Patch,
                "base-url-changed",
                "Client::new".into(),
                format!(
                    "The default base URL is now {} (was {}).",
                    show(&new.default_base_url),
                    show(&old.default_base_url)
                ),
            );
        }
        if old.description != new.description || old.title != new.title {
            self.push(
                Class::Patch,
                "docs-changed",
                "crate".into(),
                "The crate's documentation follows the description's new title or text.".into(),
            );
        }
        if old.version != new.version {
            self.push(
                Class::Patch,
                "api-version-changed",
                "crate".into(),
                format!(
                    "Describes version {} of the API (was {}).",
                    new.version, old.version
                ),
            );
        }
    }

    fn schemes(&mut self) {
        let old: BTreeMap<&str, &ir::SecurityScheme> = self
            .old
            .security_schemes
            .iter()
            .filter(|s| generated_scheme(s))
            .map(|s| (s.name.as_str(), s))
            .collect();
        let new: BTreeMap<&str, &ir::SecurityScheme> = self
            .new
            .security_schemes
            .iter()
            .filter(|s| generated_scheme(s))
            .map(|s| (s.name.as_str(), s))
            .collect();
        for (name, scheme) in &old {
            let item = format!("Client::with_{}", crate::names::snake_ident(name));
            match new.get(name) {
                None => self.push(
                    Class::Breaking,
                    "auth-scheme-removed",
                    item.clone(),
                    format!("Auth scheme `{name}` removed: `{item}` and its credential constructor are gone."),
                ),
                Some(now) => {
                    if now.placement != scheme.placement {
                        self.push(
                            Class::Patch,
                            "auth-scheme-changed",
                            item,
                            format!("Auth scheme `{name}` now sends the credential {} (was {}).", placement(&now.placement), placement(&scheme.placement)),
                        );
                    } else if now.env_var != scheme.env_var {
                        self.push(
                            Class::Breaking,
                            "auth-env-var-changed",
                            "Client::from_env".into(),
                            format!(
                                "`Client::from_env` reads {} for `{name}` (was {}): an environment set for the old variable no longer works.",
                                show(&now.env_var),
                                show(&scheme.env_var)
                            ),
                        );
                    } else if now.description != scheme.description {
                        self.docs(item, format!("auth scheme `{name}`"));
                    }
                }
            }
        }
        for name in new.keys().filter(|n| !old.contains_key(*n)) {
            let item = format!("Client::with_{}", crate::names::snake_ident(name));
            self.push(
                Class::Additive,
                "auth-scheme-added",
                item.clone(),
                format!("Auth scheme `{name}`: `{item}` and its credential constructor."),
            );
        }
    }

    fn docs(&mut self, item: String, what: String) {
        self.push(
            Class::Patch,
            "docs-changed",
            item,
            format!("Documentation of {what} updated."),
        );
    }

    fn operations(&mut self) {
        let old: BTreeMap<&str, &Operation> = self
            .old
            .operations
            .iter()
            .map(|o| (o.names.method.as_str(), o))
            .collect();
        let new: BTreeMap<&str, &Operation> = self
            .new
            .operations
            .iter()
            .map(|o| (o.names.method.as_str(), o))
            .collect();
        for (method, op) in &old {
            match new.get(method) {
                Some(now) => self.operation(op, now),
                None => self.push(
                    Class::Breaking,
                    "operation-removed",
                    format!("Client::{method}"),
                    format!(
                        "Operation `{}` (`{} {}`) removed: `Client::{method}`, `builder::{}` and `errors::{}` are gone.",
                        op.id, op.method, op.path, op.names.builder, op.names.error
                    ),
                ),
            }
        }
        for (method, op) in new.iter().filter(|(m, _)| !old.contains_key(*m)) {
            self.push(
                Class::Additive,
                "operation-added",
                format!("Client::{method}"),
                format!(
                    "Operation `{}` (`{} {}`): `Client::{method}`.",
                    op.id, op.method, op.path
                ),
            );
        }
    }

    /// The group features (`[features]`, one per group, as generated by default). A feature
    /// gone, or an operation moved to another feature, breaks a build that turns features on
    /// by name.
    fn features(&mut self) {
        fn declared(api: &Api) -> BTreeSet<&str> {
            api.operations
                .iter()
                .map(|o| o.names.feature.as_str())
                .collect()
        }
        let (old, new) = (declared(self.old), declared(self.new));
        for gone in old.difference(&new) {
            self.push(
                Class::Breaking,
                "feature-removed",
                format!("feature {gone}"),
                format!("Cargo feature `{gone}` removed: a build that turns it on fails."),
            );
        }
        for added in new.difference(&old) {
            self.push(
                Class::Additive,
                "feature-added",
                format!("feature {added}"),
                format!("Cargo feature `{added}` (on by default with the other groups)."),
            );
        }
        for op in &self.old.operations {
            let Some(now) = self
                .new
                .operations
                .iter()
                .find(|o| o.names.method == op.names.method)
            else {
                continue;
            };
            let (was, is) = (op.names.feature.as_str(), now.names.feature.as_str());
            if was != is && old.contains(was) && new.contains(was) && new.contains(is) {
                let method = format!("Client::{}", now.names.method);
                self.push(
                    Class::Breaking,
                    "operation-feature-changed",
                    method.clone(),
                    format!(
                        "`{method}` is compiled by feature `{is}` (was `{was}`): a build that \
                         turns on `{was}` alone no longer has it."
                    ),
                );
            }
        }
    }

    fn operation(&mut self, old: &Operation, new: &Operation) {
        let method = format!("Client::{}", new.names.method);
        if old.method != new.method || old.path != new.path {
            self.push(
                Class::Patch,
                "operation-path-changed",
                method.clone(),
                format!(
                    "`{method}` now sends `{} {}` (was `{} {}`).",
                    new.method, new.path, old.method, old.path
                ),
            );
        }
        if old.summary != new.summary || old.description != new.description {
            self.docs(method.clone(), format!("`{method}`"));
        }
        if old.security != new.security {
            self.push(
                Class::Patch,
                "operation-security-changed",
                method.clone(),
                format!(
                    "`{method}` is authenticated by {} (was {}).",
                    list_or_none(&new.security),
                    list_or_none(&old.security)
                ),
            );
        }
        if old.cost != new.cost || old.idempotent != new.idempotent {
            self.push(
                Class::Patch,
                "operation-metadata-changed",
                method.clone(),
                format!("`{method}`: its cost or idempotency, and so its retries, changed."),
            );
        }
        self.parameters(old, new, &method);
        self.body(old, new, &method);
        self.success(old, new, &method);
        self.errors(old, new);
        match (&old.job, &new.job) {
            (None, Some(_)) => self.push(
                Class::Additive,
                "job-added",
                method.clone(),
                format!("`{method}` submits a job: `submit()` waits for it, and `Client::{}` resumes one.", new.names.resume.as_deref().unwrap_or("..._job")),
            ),
            (Some(_), None) => self.push(
                Class::Breaking,
                "job-removed",
                method.clone(),
                format!("`{method}` no longer submits a job: `submit()` and `Client::{}` are gone.", old.names.resume.as_deref().unwrap_or("..._job")),
            ),
            (Some(a), Some(b)) if a != b => self.push(
                Class::Patch,
                "job-changed",
                method.clone(),
                format!("`{method}`: how its job is followed changed (states, pointers)."),
            ),
            _ => {}
        }
        match (&old.pagination, &new.pagination) {
            (None, Some(_)) => self.push(
                Class::Additive,
                "pagination-added",
                method.clone(),
                format!("`{method}` pages: the builder streams `pages()` and `items()`."),
            ),
            (Some(_), None) => self.push(
                Class::Breaking,
                "pagination-removed",
                method.clone(),
                format!("`{method}` no longer pages: `pages()` and `items()` are gone."),
            ),
            (Some(a), Some(b)) if a != b => {
                let class = if a.item != b.item {
                    Class::Breaking
                } else {
                    Class::Patch
                };
                self.push(
                    class,
                    "pagination-changed",
                    method.clone(),
                    format!("`{method}`: how its pages are read changed."),
                )
            }
            _ => {}
        }
    }

    fn parameters(&mut self, old: &Operation, new: &Operation, method: &str) {
        let by_name = |op: &'_ Operation| -> BTreeMap<String, Parameter> {
            op.parameters
                .iter()
                .map(|p| (p.rust_name.clone(), p.clone()))
                .collect()
        };
        let (was, now) = (by_name(old), by_name(new));
        for (name, p) in &was {
            let setter = format!("{method}().{name}()");
            let Some(q) = now.get(name) else {
                self.push(
                    Class::Breaking,
                    "parameter-removed",
                    setter.clone(),
                    format!(
                        "`{setter}` removed: {} parameter `{}` is no longer documented.",
                        p.location, p.name
                    ),
                );
                continue;
            };
            let (ta, tb) = (type_ref(self.old, &p.ty), type_ref(self.new, &q.ty));
            if ta != tb {
                self.push(
                    Class::Breaking,
                    "parameter-type-changed",
                    setter.clone(),
                    format!("`{setter}` takes `{tb}` (was `{ta}`)."),
                );
            }
            match (p.required, q.required) {
                (false, true) => self.push(
                    Class::Breaking,
                    "parameter-now-required",
                    setter.clone(),
                    format!(
                        "`{setter}` is required: a call that does not set it fails before sending."
                    ),
                ),
                (true, false) => self.push(
                    Class::Additive,
                    "parameter-now-optional",
                    setter.clone(),
                    format!("`{setter}` is optional."),
                ),
                _ => {}
            }
            if p.location != q.location || p.name != q.name {
                self.push(
                    Class::Patch,
                    "parameter-wire-changed",
                    setter.clone(),
                    format!(
                        "`{setter}` is sent as {} parameter `{}` (was {} `{}`).",
                        q.location, q.name, p.location, p.name
                    ),
                );
            }
            if p.limits != q.limits {
                let class = if tighter(&p.limits, &q.limits) {
                    Class::Breaking
                } else {
                    Class::Patch
                };
                self.push(
                    class,
                    "parameter-limits-changed",
                    setter.clone(),
                    format!(
                        "`{setter}`: the limits checked before sending changed{}.",
                        if class == Class::Breaking {
                            " (a value accepted before may be refused)"
                        } else {
                            ""
                        }
                    ),
                );
            }
            if p.description != q.description || p.example != q.example {
                self.docs(setter.clone(), format!("`{setter}`"));
            }
        }
        for (name, q) in now.iter().filter(|(n, _)| !was.contains_key(*n)) {
            let setter = format!("{method}().{name}()");
            if q.required {
                self.push(
                    Class::Breaking,
                    "parameter-added-required",
                    setter.clone(),
                    format!("`{setter}`: new required {} parameter `{}`; a call that does not set it fails before sending.", q.location, q.name),
                );
            } else {
                self.push(
                    Class::Additive,
                    "parameter-added-optional",
                    setter.clone(),
                    format!(
                        "`{setter}`: new optional {} parameter `{}`.",
                        q.location, q.name
                    ),
                );
            }
        }
    }

    fn body(&mut self, old: &Operation, new: &Operation, method: &str) {
        let setter = format!("{method}().body()");
        match (&old.body, &new.body) {
            (RequestBody::None, RequestBody::None) => {}
            (RequestBody::None, body) => {
                let required = body_required(body);
                self.push(
                    if required { Class::Breaking } else { Class::Additive },
                    if required { "body-added-required" } else { "body-added-optional" },
                    method.to_string(),
                    format!(
                        "`{method}` takes a request body{}.",
                        if required { ", required: a call without one fails before sending" } else { " (optional)" }
                    ),
                );
            }
            (_, RequestBody::None) => self.push(
                Class::Breaking,
                "body-removed",
                method.to_string(),
                format!("`{method}` takes no request body any more: its body setters are gone."),
            ),
            (RequestBody::Typed(a), RequestBody::Typed(b)) => {
                let (ta, tb) = (type_ref(self.old, &a.ty), type_ref(self.new, &b.ty));
                if a.encoding != b.encoding || ta != tb {
                    self.push(
                        Class::Breaking,
                        "body-type-changed",
                        setter.clone(),
                        format!("`{setter}` takes `{tb}` as {:?} (was `{ta}` as {:?}).", b.encoding, a.encoding),
                    );
                } else if a.media_type != b.media_type {
                    self.push(
                        Class::Patch,
                        "body-media-type-changed",
                        setter.clone(),
                        format!("`{method}` sends its body as `{}` (was `{}`).", b.media_type, a.media_type),
                    );
                }
                self.required_change(a.required, b.required, &setter, "request body");
                self.media_types(&a.other_media_types, &b.other_media_types, method);
                if a.field_limits != b.field_limits || a.required_when != b.required_when {
                    self.push(
                        Class::Breaking,
                        "body-checks-changed",
                        setter.clone(),
                        format!("`{method}`: the checks made on its body before sending changed (a body accepted before may be refused)."),
                    );
                }
                if a.description != b.description {
                    self.docs(setter, format!("`{method}`'s request body"));
                }
            }
            (RequestBody::Multipart(a), RequestBody::Multipart(b)) => {
                self.required_change(a.required, b.required, &setter, "request body");
                self.media_types(&a.other_media_types, &b.other_media_types, method);
                if a.open != b.open {
                    self.push(
                        Class::Breaking,
                        "multipart-shape-changed",
                        method.to_string(),
                        format!("`{method}`'s form changed between named fields and open parts: its setters changed."),
                    );
                }
                let was: BTreeMap<&str, &ir::MultipartField> =
                    a.fields.iter().map(|f| (f.rust_name.as_str(), f)).collect();
                let now: BTreeMap<&str, &ir::MultipartField> =
                    b.fields.iter().map(|f| (f.rust_name.as_str(), f)).collect();
                for (name, f) in &was {
                    let item = format!("{method}().{name}()");
                    match now.get(name) {
                        None => self.push(
                            Class::Breaking,
                            "form-field-removed",
                            item.clone(),
                            format!("`{item}` removed: form field `{}` is no longer documented.", f.name),
                        ),
                        Some(g) => {
                            if field_kind(&f.kind) != field_kind(&g.kind) {
                                self.push(
                                    Class::Breaking,
                                    "form-field-type-changed",
                                    item.clone(),
                                    format!("`{item}` takes {} (was {}).", field_kind(&g.kind), field_kind(&f.kind)),
                                );
                            }
                            self.required_change(f.required, g.required, &item, "form field");
                            if f.description != g.description {
                                self.docs(item.clone(), format!("`{item}`"));
                            }
                        }
                    }
                }
                for (name, g) in now.iter().filter(|(n, _)| !was.contains_key(*n)) {
                    let item = format!("{method}().{name}()");
                    let required = g.required;
                    self.push(
                        if required { Class::Breaking } else { Class::Additive },
                        if required { "form-field-added-required" } else { "form-field-added-optional" },
                        item.clone(),
                        format!(
                            "`{item}`: new {} form field `{}`{}.",
                            if required { "required" } else { "optional" },
                            g.name,
                            if required { "; a call that does not set it fails before sending" } else { "" }
                        ),
                    );
                }
                if a.choice != b.choice || a.required_when != b.required_when {
                    self.push(
                        Class::Breaking,
                        "body-checks-changed",
                        method.to_string(),
                        format!("`{method}`: the checks made on its form before sending changed (a form accepted before may be refused)."),
                    );
                }
            }
            _ => self.push(
                Class::Breaking,
                "body-type-changed",
                setter,
                format!("`{method}`'s request body changed between a form and a typed body: its setters changed."),
            ),
        }
    }

    fn required_change(&mut self, was: bool, now: bool, item: &str, what: &str) {
        match (was, now) {
            (false, true) => self.push(
                Class::Breaking,
                "now-required",
                item.to_string(),
                format!("The {what} of `{item}` is required: a call that does not set it fails before sending."),
            ),
            (true, false) => self.push(
                Class::Additive,
                "now-optional",
                item.to_string(),
                format!("The {what} of `{item}` is optional."),
            ),
            _ => {}
        }
    }

    fn media_types(&mut self, was: &[String], now: &[String], method: &str) {
        if was == now {
            return;
        }
        let item = format!("{method}().send_body()");
        let (class, kind) = if was.is_empty() {
            (Class::Additive, "media-types-added")
        } else {
            // `MediaType` is an exhaustive enum: a new or removed variant breaks a `match`.
            (Class::Breaking, "media-types-changed")
        };
        self.push(
            class,
            kind,
            item.clone(),
            format!(
                "`{item}` takes {} (was {}).",
                list_or_none(now),
                list_or_none(was)
            ),
        );
    }

    fn success(&mut self, old: &Operation, new: &Operation, method: &str) {
        let (a, b) = (
            success_type(self.old, &old.success),
            success_type(self.new, &new.success),
        );
        if a != b {
            self.push(
                Class::Breaking,
                "success-type-changed",
                format!("{method}().send()"),
                format!("`{method}().send()` returns `{b}` (was `{a}`)."),
            );
        } else if old.success.statuses != new.success.statuses
            || old.success.empty != new.success.empty
        {
            self.push(
                Class::Patch,
                "success-statuses-changed",
                format!("{method}().send()"),
                format!("`{method}`: the statuses read as a success changed."),
            );
        }
    }

    fn errors(&mut self, old: &Operation, new: &Operation) {
        let enum_name = &new.names.error;
        let was: BTreeMap<&str, &ir::ErrorResponse> =
            old.errors.iter().map(|e| (e.variant.as_str(), e)).collect();
        let now: BTreeMap<&str, &ir::ErrorResponse> =
            new.errors.iter().map(|e| (e.variant.as_str(), e)).collect();
        for (variant, e) in &was {
            let item = format!("errors::{enum_name}::{variant}");
            let Some(f) = now.get(variant) else {
                self.push(
                    Class::Breaking,
                    "error-status-removed",
                    item.clone(),
                    format!(
                        "`{item}` removed: status {} is no longer documented.",
                        status(e.status)
                    ),
                );
                continue;
            };
            if e.body != f.body {
                self.push(
                    Class::Breaking,
                    "error-body-changed",
                    item.clone(),
                    format!(
                        "`{item}` carries {} (was {}).",
                        error_body(&f.body),
                        error_body(&e.body)
                    ),
                );
            }
            let headers = |r: &ir::ErrorResponse| -> Vec<(String, ir::ScalarKind)> {
                r.headers
                    .iter()
                    .map(|h| (h.name.to_ascii_lowercase(), h.kind))
                    .collect()
            };
            if headers(e) != headers(f) {
                self.push(
                    Class::Breaking,
                    "error-headers-changed",
                    item.clone(),
                    format!("The typed headers of `{item}` changed (an exhaustive struct of public fields)."),
                );
            }
            if e.status != f.status {
                self.push(
                    Class::Patch,
                    "error-status-changed",
                    item.clone(),
                    format!(
                        "`{item}` is chosen for status {} (was {}).",
                        status(f.status),
                        status(e.status)
                    ),
                );
            }
            if e.retryable != f.retryable
                || e.billed != f.billed
                || e.retry_after_pointer != f.retry_after_pointer
            {
                self.push(
                    Class::Patch,
                    "error-metadata-changed",
                    item.clone(),
                    format!("`{item}`: whether it is retried or billed changed."),
                );
            }
            if e.description != f.description {
                self.docs(item, format!("`errors::{enum_name}::{variant}`"));
            }
        }
        for (variant, f) in now.iter().filter(|(v, _)| !was.contains_key(*v)) {
            let item = format!("errors::{enum_name}::{variant}");
            self.push(
                Class::Additive,
                "error-status-added",
                item.clone(),
                format!(
                    "`{item}`: status {} is documented (the enum is `#[non_exhaustive]`).",
                    status(f.status)
                ),
            );
        }
    }

    fn types(&mut self) {
        let was = type_shapes(self.old);
        let now = type_shapes(self.new);
        for (name, a) in &was {
            let item = format!("types::{name}");
            let Some(b) = now.get(name) else {
                self.push(
                    Class::Breaking,
                    "type-removed",
                    item.clone(),
                    format!("`{item}` removed."),
                );
                continue;
            };
            match (&a.shape, &b.shape) {
                (Shape::Struct(fa), Shape::Struct(fb)) => {
                    for (rust, x) in fa {
                        let field = format!("{item}::{rust}");
                        match fb.get(rust) {
                            None => self.push(
                                Class::Breaking,
                                "field-removed",
                                field.clone(),
                                format!("Field `{field}` removed."),
                            ),
                            Some(y) => self.field(&field, x, y),
                        }
                    }
                    for (rust, y) in fb.iter().filter(|(p, _)| !fa.contains_key(*p)) {
                        let field = format!("{item}::{rust}");
                        self.push(
                            Class::Breaking,
                            if y.required { "field-added-required" } else { "field-added" },
                            field.clone(),
                            format!(
                                "Field `{field}` added{}: `{item}` is a struct of public fields without `#[non_exhaustive]`, so a struct literal of it no longer compiles.",
                                if y.required { " (required)" } else { "" }
                            ),
                        );
                    }
                }
                (Shape::Enum(va), Shape::Enum(vb)) => self.enum_values(&item, va, vb),
                (x, y) if x != y => self.push(
                    Class::Breaking,
                    "type-changed",
                    item.clone(),
                    format!("`{item}` changed shape ({} -> {}).", x.kind(), y.kind()),
                ),
                _ => {}
            }
            if a.shape == b.shape && a.docs != b.docs {
                self.docs(item.clone(), format!("`{item}`"));
            }
            if a.shape == b.shape && a.default != b.default {
                self.push(
                    Class::Patch,
                    "default-changed",
                    item.clone(),
                    format!("The default of `{item}` changed."),
                );
            }
        }
        for name in now.keys().filter(|n| !was.contains_key(*n)) {
            let item = format!("types::{name}");
            self.push(
                Class::Additive,
                "type-added",
                item.clone(),
                format!("`{item}` added."),
            );
        }
    }

    fn field(&mut self, field: &str, x: &FieldShape, y: &FieldShape) {
        if x.wire != y.wire {
            self.push(
                Class::Patch,
                "field-wire-name-changed",
                field.to_string(),
                format!(
                    "Field `{field}` is read and written as `{}` (was `{}`).",
                    y.wire, x.wire
                ),
            );
        }
        if let (Some(va), Some(vb)) = (&x.values, &y.values) {
            self.enum_values(field, va, vb);
        } else if x.ty != y.ty {
            self.push(
                Class::Breaking,
                "field-type-changed",
                field.to_string(),
                format!("Field `{field}` is `{}` (was `{}`).", y.ty, x.ty),
            );
        }
        if x.required != y.required {
            self.push(
                Class::Breaking,
                if y.required { "field-now-required" } else { "field-now-optional" },
                field.to_string(),
                format!(
                    "Field `{field}` is {} (was {}): its Rust type changes between `T` and `Option<T>`.",
                    if y.required { "required" } else { "optional" },
                    if x.required { "required" } else { "optional" },
                ),
            );
        }
        if x.default != y.default {
            self.push(
                Class::Patch,
                "default-changed",
                field.to_string(),
                format!(
                    "The default of field `{field}` is {} (was {}).",
                    show_json(&y.default),
                    show_json(&x.default)
                ),
            );
        }
        if x.docs != y.docs {
            self.docs(field.to_string(), format!("field `{field}`"));
        }
    }

    fn enum_values(&mut self, item: &str, was: &[String], now: &[String]) {
        for v in was.iter().filter(|v| !now.contains(v)) {
            self.push(
                Class::Breaking,
                "enum-value-removed",
                item.to_string(),
                format!("`{item}` lost the value `{v}`: its variant is gone."),
            );
        }
        for v in now.iter().filter(|v| !was.contains(v)) {
            self.push(
                Class::Breaking,
                "enum-value-added",
                item.to_string(),
                format!("`{item}` has the value `{v}`: a new variant of an exhaustive enum, so a `match` without a wildcard no longer compiles."),
            );
        }
    }
}

/// Whether the constructors of a scheme are generated.
fn generated_scheme(s: &ir::SecurityScheme) -> bool {
    !matches!(s.placement, ir::Placement::Unsupported(_))
}

fn placement(p: &ir::Placement) -> String {
    match p {
        ir::Placement::Header(h) => format!("in header `{h}`"),
        ir::Placement::Query(q) => format!("in query parameter `{q}`"),
        ir::Placement::Bearer => "as a bearer token".into(),
        ir::Placement::AccessToken(kind) => format!("as a bearer token ({kind})"),
        ir::Placement::Unsupported(kind) => format!("by {kind}"),
    }
}

fn show(value: &Option<String>) -> String {
    value
        .as_deref()
        .map_or_else(|| "none".to_string(), |v| format!("`{v}`"))
}

fn show_json(value: &Option<Value>) -> String {
    value
        .as_ref()
        .map_or_else(|| "none".to_string(), |v| format!("`{v}`"))
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn status(s: ir::StatusMatch) -> String {
    match s {
        ir::StatusMatch::Code(c) => c.to_string(),
        ir::StatusMatch::Range(d) => format!("{d}XX"),
        ir::StatusMatch::Default => "default".into(),
    }
}

fn error_body(b: &ErrorBody) -> String {
    match b {
        ErrorBody::Empty => "no body".into(),
        ErrorBody::Json(name) => format!("`types::{name}`"),
        ErrorBody::JsonValue => "a JSON value".into(),
        ErrorBody::Text => "a text body".into(),
        ErrorBody::Bytes => "raw bytes".into(),
    }
}

fn field_kind(k: &FieldKind) -> String {
    match k {
        FieldKind::File => "a file".into(),
        FieldKind::Scalar(kind) => format!("a {kind:?} value").to_lowercase(),
        FieldKind::Named(name) => format!("`types::{name}`"),
        FieldKind::Json => "a JSON value".into(),
    }
}

fn body_required(body: &RequestBody) -> bool {
    match body {
        RequestBody::None => false,
        RequestBody::Typed(b) => b.required,
        RequestBody::Multipart(b) => b.required,
    }
}

/// Whether `new` refuses a value `old` accepted: a limit added or moved inwards.
fn tighter(old: &ir::Limits, new: &ir::Limits) -> bool {
    let lower = |o: Option<f64>, n: Option<f64>| match (o, n) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(o), Some(n)) => n > o,
    };
    let upper = |o: Option<f64>, n: Option<f64>| match (o, n) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(o), Some(n)) => n < o,
    };
    let to_f = |v: Option<usize>| v.map(|v| v as f64);
    lower(old.minimum, new.minimum)
        || upper(old.maximum, new.maximum)
        || (new.exclusive_minimum && !old.exclusive_minimum && new.minimum.is_some())
        || (new.exclusive_maximum && !old.exclusive_maximum && new.maximum.is_some())
        || lower(to_f(old.min_length), to_f(new.min_length))
        || upper(to_f(old.max_length), to_f(new.max_length))
}

/// The success type of an operation, as its `send` returns it.
fn success_type(api: &Api, s: &ir::Success) -> String {
    let body = match &s.body {
        SuccessBody::Empty => "()".to_string(),
        SuccessBody::Json(ty) => type_ref(api, ty),
        SuccessBody::Stream => "ByteStream".to_string(),
    };
    if s.empty.is_empty() || matches!(s.body, SuccessBody::Empty) {
        body
    } else {
        format!("Option<{body}>")
    }
}

/// A type as users see it: the name of a generated type, else a description of the schema.
fn type_ref(api: &Api, ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(name) => format!("types::{name}"),
        TypeRef::Inline(i) => match api.inline_schemas.get(*i) {
            Some(s) if makes_type(&s.schema) => format!("types::{}", s.name),
            Some(s) => describe(&s.schema),
            None => "?".into(),
        },
        TypeRef::Json => "serde_json::Value".into(),
        TypeRef::String => "String".into(),
    }
}

/// Whether the type engine makes a type of its own of an inline schema (an object with
/// properties, an enum, a combination), rather than use a built-in type.
fn makes_type(schema: &Value) -> bool {
    let Some(map) = schema.as_object() else {
        return false;
    };
    map.contains_key("properties")
        || map.contains_key("enum")
        || map.contains_key("oneOf")
        || map.contains_key("anyOf")
        || map.contains_key("allOf") && !single_ref_all_of(schema)
}

fn single_ref_all_of(schema: &Value) -> bool {
    schema
        .get("allOf")
        .and_then(Value::as_array)
        .is_some_and(|all| all.len() == 1 && all[0].get("$ref").is_some())
}

/// Keys that change docs and defaults only.
const DOC_KEYS: &[&str] = &[
    "description",
    "title",
    "example",
    "examples",
    "externalDocs",
    "deprecated",
    "x-order",
];

/// Whether a schema key is a vendor extension the type stage does not read (the ones it reads,
/// such as `x-secret` and `x-lenient`, change the Rust type).
fn ignored_extension(key: &str) -> bool {
    key.starts_with("x-") && !["x-secret", "x-lenient", "x-rust-type"].contains(&key)
}

/// The schema without its documentation, defaults and vendor extensions, with `$ref`s reduced to type names: what
/// decides the Rust type.
fn shape_of(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                if DOC_KEYS.contains(&k.as_str()) || k == "default" || ignored_extension(k) {
                    continue;
                }
                if k == "$ref" {
                    let name = v.as_str().and_then(|r| r.rsplit('/').next()).unwrap_or("");
                    out.insert(k.clone(), Value::String(name.to_string()));
                    continue;
                }
                if k == "required" {
                    // Order does not matter.
                    let mut names: Vec<String> = v
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|s| s.as_str().map(String::from))
                                .collect()
                        })
                        .unwrap_or_default();
                    names.sort();
                    out.insert(k.clone(), serde_json::json!(names));
                    continue;
                }
                if k == "properties" {
                    let props: serde_json::Map<String, Value> = v
                        .as_object()
                        .map(|p| {
                            let mut sorted: Vec<_> = p.iter().collect();
                            sorted.sort_by(|a, b| a.0.cmp(b.0));
                            sorted
                                .into_iter()
                                .map(|(k, v)| (k.clone(), shape_of(v)))
                                .collect()
                        })
                        .unwrap_or_default();
                    out.insert(k.clone(), Value::Object(props));
                    continue;
                }
                out.insert(k.clone(), shape_of(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(shape_of).collect()),
        other => other.clone(),
    }
}

/// A short description of a schema's Rust type.
fn describe(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return format!("types::{}", r.rsplit('/').next().unwrap_or(r));
    }
    if single_ref_all_of(schema) {
        return describe(&schema["allOf"][0]);
    }
    let nullable = schema.get("nullable").and_then(Value::as_bool) == Some(true);
    let base = match schema.get("type").and_then(Value::as_str) {
        Some("array") => format!(
            "Vec<{}>",
            schema.get("items").map_or("Value".into(), describe)
        ),
        Some("string") if schema.get("enum").is_none() => {
            match schema.get("format").and_then(Value::as_str) {
                Some(f) => format!("string ({f})"),
                None => "String".into(),
            }
        }
        Some(t @ ("integer" | "number")) => match schema.get("format").and_then(Value::as_str) {
            Some(f) => format!("{t} ({f})"),
            None => t.to_string(),
        },
        Some("boolean") => "bool".into(),
        Some("string") => match schema.get("enum").and_then(Value::as_array) {
            Some(values) => format!("an enum of {} values", values.len()),
            None => "String".into(),
        },
        Some("object") | None if schema.get("properties").is_none() => {
            match schema.get("additionalProperties") {
                Some(Value::Object(values)) if !values.is_empty() => {
                    format!("Map<String, {}>", describe(&Value::Object(values.clone())))
                }
                _ if schema.get("type").is_some() => "Map<String, Value>".into(),
                _ => shape_of(schema).to_string(),
            }
        }
        _ => shape_of(schema).to_string(),
    };
    if nullable {
        format!("Option<{base}>")
    } else {
        base
    }
}

/// What users see of a generated type.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    /// A struct: its fields by Rust name.
    Struct(BTreeMap<String, FieldShape>),
    /// An enum of string values.
    Enum(Vec<String>),
    /// Anything else (a newtype, a `oneOf` enum): its shape as JSON.
    Other(String),
}

impl Shape {
    fn kind(&self) -> &'static str {
        match self {
            Shape::Struct(_) => "a struct",
            Shape::Enum(_) => "an enum of values",
            Shape::Other(_) => "another type",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct FieldShape {
    /// The property's name on the wire.
    wire: String,
    required: bool,
    /// The field's type, described.
    ty: String,
    /// The values of a string enum field (its nested enum type), compared value by value.
    values: Option<Vec<String>>,
    default: Option<Value>,
    docs: Value,
}

#[derive(Debug, Clone)]
struct TypeShape {
    shape: Shape,
    default: Option<Value>,
    docs: Value,
}

fn docs_of(schema: &Value) -> Value {
    let mut out = serde_json::Map::new();
    if let Some(map) = schema.as_object() {
        for key in DOC_KEYS {
            if let Some(v) = map.get(*key) {
                out.insert((*key).to_string(), v.clone());
            }
        }
    }
    Value::Object(out)
}

fn enum_values(schema: &Value) -> Option<Vec<String>> {
    let values = schema.get("enum")?.as_array()?;
    Some(
        values
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), String::from))
            .collect(),
    )
}

fn type_shape(schema: &Value) -> TypeShape {
    let shape = if let Some(values) = enum_values(schema) {
        Shape::Enum(values)
    } else if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        Shape::Struct(
            props
                .iter()
                .map(|(name, s)| {
                    (
                        field_name(name),
                        FieldShape {
                            wire: name.clone(),
                            required: required.contains(name.as_str()),
                            ty: describe(s),
                            values: enum_values(s),
                            default: s.get("default").cloned(),
                            docs: docs_of(s),
                        },
                    )
                })
                .collect(),
        )
    } else {
        Shape::Other(shape_of(schema).to_string())
    };
    TypeShape {
        shape,
        default: schema.get("default").cloned(),
        docs: docs_of(schema),
    }
}

/// Every generated type of an API by its Rust name: the named schemas, and the inline ones that
/// get a type of their own.
fn type_shapes(api: &Api) -> BTreeMap<String, TypeShape> {
    let mut out = BTreeMap::new();
    for s in &api.schemas {
        out.insert(s.name.clone(), type_shape(&s.schema));
    }
    for s in &api.inline_schemas {
        if makes_type(&s.schema) {
            out.entry(s.name.clone())
                .or_insert_with(|| type_shape(&s.schema));
        }
    }
    out
}

/// The Rust name typify gives a property (snake case).
fn field_name(property: &str) -> String {
    crate::names::snake_ident(property)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bumps_follow_cargo_zero_rules() {
        assert_eq!(bump("0.1.0", Some(Class::Breaking)).unwrap(), "0.2.0");
        assert_eq!(bump("0.1.3", Some(Class::Additive)).unwrap(), "0.1.4");
        assert_eq!(bump("0.1.3", Some(Class::Patch)).unwrap(), "0.1.4");
        assert_eq!(bump("0.0.3", Some(Class::Breaking)).unwrap(), "0.0.4");
        assert_eq!(bump("1.2.3", Some(Class::Breaking)).unwrap(), "2.0.0");
        assert_eq!(bump("1.2.3", Some(Class::Additive)).unwrap(), "1.3.0");
        assert_eq!(bump("1.2.3", Some(Class::Patch)).unwrap(), "1.2.4");
        assert_eq!(bump("1.2.3", None).unwrap(), "1.2.3");
        assert!(bump("1.2", Some(Class::Patch)).is_err());
        assert!(bump("0.0.18446744073709551615", Some(Class::Patch)).is_err());
        assert!(bump("1.x.0", Some(Class::Patch)).is_err());
        assert!(covers("0.1.0", "0.2.0", Some(Class::Breaking)).unwrap());
        assert!(!covers("0.1.0", "0.1.1", Some(Class::Breaking)).unwrap());
        assert!(covers("0.1.0", "0.2.0", Some(Class::Patch)).unwrap());
    }

    #[test]
    fn tighter_limits_are_told_from_looser_ones() {
        let none = ir::Limits::default();
        let max10 = ir::Limits {
            maximum: Some(10.0),
            ..Default::default()
        };
        let max5 = ir::Limits {
            maximum: Some(5.0),
            ..Default::default()
        };
        assert!(tighter(&none, &max10));
        assert!(tighter(&max10, &max5));
        assert!(!tighter(&max5, &max10));
        assert!(!tighter(&max10, &none));
    }
}
