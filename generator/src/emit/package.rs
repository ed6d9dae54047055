//! Emits the files around the client module: `Cargo.toml`, `README.md` and `src/lib.rs`.

use std::fmt::Write as _;

use heck::ToPascalCase;
use serde_json::Value;

use super::CargoFeatures;
use crate::ir::{Api, FieldKind, MultipartField, Operation, RequestBody, ScalarKind};
use crate::names::OTHER_TYPES_FEATURE;
use crate::{RuntimeDependency, Settings};

/// Crates the client module uses besides the always-present ones, as the type engine reports
/// them (nothing else in the module names these crates).
#[derive(Debug, Clone, Copy, Default)]
pub struct ExtraDeps {
    /// `uuid` (`format: uuid`).
    pub uuid: bool,
    /// `chrono` (`format: date`, `date-time`).
    pub chrono: bool,
    /// `regress` (`pattern`).
    pub regress: bool,
}

/// `text` as the inside of a TOML basic string.
fn toml_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// `text` as a TOML basic string, quotes included.
fn toml_string(text: &str) -> String {
    format!("\"{}\"", toml_text(text))
}

/// The `repository`, `documentation` and `authors` lines the settings ask for.
fn package_links(settings: &Settings) -> String {
    let package = &settings.package;
    let mut out = String::new();
    if let Some(url) = &package.repository {
        let _ = writeln!(out, "repository = {}", toml_string(url));
    }
    if let Some(url) = &package.documentation {
        let _ = writeln!(out, "documentation = {}", toml_string(url));
    }
    if !package.authors.is_empty() {
        let authors: Vec<String> = package.authors.iter().map(|a| toml_string(a)).collect();
        let _ = writeln!(out, "authors = [{}]", authors.join(", "));
    }
    out
}

/// The name the description has in the package: `openapi.yaml`, or `openapi.json` for JSON.
pub fn spec_file_name(settings: &Settings) -> &'static str {
    if settings.spec_label.to_ascii_lowercase().ends_with(".json") {
        "openapi.json"
    } else {
        "openapi.yaml"
    }
}

const APACHE_2_0: &str = include_str!("../../licenses/LICENSE-APACHE");
const MIT: &str = include_str!("../../licenses/LICENSE-MIT");

/// `LICENSE-MIT` and `LICENSE-APACHE`, for a license expression that names MIT or Apache-2.0;
/// the MIT text names the first author (else the crate's authors) as the copyright holder.
pub fn license_files(settings: &Settings) -> Vec<(&'static str, String)> {
    let names: Vec<&str> = settings
        .package
        .license
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .collect();
    let mut out = Vec::new();
    if names.contains(&"MIT") {
        let holder = settings
            .package
            .authors
            .first()
            .cloned()
            .unwrap_or_else(|| format!("The {} authors", settings.crate_name));
        out.push(("LICENSE-MIT", MIT.replace("{holder}", &holder)));
    }
    if names.contains(&"Apache-2.0") {
        out.push(("LICENSE-APACHE", APACHE_2_0.to_string()));
    }
    out
}

pub(crate) fn cargo_toml(
    api: &Api,
    settings: &Settings,
    deps: &ExtraDeps,
    features: &CargoFeatures,
    header: &str,
) -> String {
    let mut out = String::new();
    for line in header.lines() {
        let _ = writeln!(out, "#{}", line.trim_start_matches("//"));
    }
    let description = format!(
        "Typed async client for {}, generated from its OpenAPI description",
        api.title
    );
    let runtime = match &settings.runtime {
        RuntimeDependency::Path(path) => format!(
            "{{ version = \"{}\", path = \"{}\" }}",
            crate::RUNTIME_VERSION,
            path.replace('\\', "/")
        ),
        RuntimeDependency::Registry => format!("\"{}\"", crate::RUNTIME_VERSION),
    };
    let _ = write!(
        out,
        r#"
[package]
name = "{name}"
version = "{version}"
edition = "2024"
rust-version = "1.88"
description = {description}
license = {license}
readme = "README.md"
keywords = ["openapi", "api-client", "async"]
categories = ["api-bindings", "web-programming::http-client"]
{links}
[features]
default = [{defaults}]
# TLS backend for https base URLs; choose one.
rustls = ["reqwest/rustls"]
native-tls = ["reqwest/native-tls"]
{groups}
[dependencies]
bytes = "1.11"
clientgen-runtime = {runtime}
reqwest = {{ version = "0.13.4", default-features = false, features = ["json", "query", "multipart", "stream"] }}
serde = {{ version = "1.0.226", features = ["derive"] }}
serde_json = "1.0.150"
"#,
        name = settings.crate_name,
        version = settings.crate_version,
        description = toml_string(&description),
        license = toml_string(&settings.package.license),
        links = package_links(settings),
        defaults = default_features(features),
        groups = group_features(features),
    );
    if deps.chrono {
        out.push_str("chrono = { version = \"0.4.42\", default-features = false, features = [\"serde\", \"std\"] }\n");
    }
    if deps.regress {
        out.push_str("regress = \"0.10.4\"\n");
    }
    if deps.uuid {
        out.push_str("uuid = { version = \"1.18\", features = [\"serde\", \"v4\"] }\n");
    }
    if !features.groups.is_empty() {
        for example in &api.examples {
            if let Some(op) = api.operations.iter().find(|op| op.id == example.operation) {
                let _ = write!(
                    out,
                    "\n[[example]]\nname = {}\nrequired-features = [{}]\n",
                    toml_string(&example.name),
                    toml_string(&op.names.feature)
                );
            }
        }
    }
    out.push_str("\n[dev-dependencies]\ntokio = { version = \"1.48\", features = [\"macros\", \"rt-multi-thread\"] }\n");
    if settings.standalone {
        out.push_str("\n# Not part of any enclosing workspace.\n[workspace]\n");
    }
    out
}

/// The `default` features: the TLS backend, and the groups when they are on by default.
fn default_features(features: &CargoFeatures) -> String {
    let mut names = vec![toml_string("rustls")];
    if features.default_on {
        names.extend(features.groups.iter().map(|(f, _)| toml_string(f)));
        if features.other_types {
            names.push(toml_string(OTHER_TYPES_FEATURE));
        }
    }
    names.join(", ")
}

/// The group features' lines, each with the features it turns on.
fn group_features(features: &CargoFeatures) -> String {
    if features.groups.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "# One per group of operations (`x-group`, else the first tag, else the path): each \
         compiles its\n# operations and the types they use.\n",
    );
    for (feature, needs) in &features.groups {
        let needs: Vec<String> = needs.iter().map(|n| toml_string(n)).collect();
        // Feature names are bare TOML keys (`names::feature_names`).
        let _ = writeln!(out, "{feature} = [{}]", needs.join(", "));
    }
    if features.other_types {
        out.push_str("# The description's types that no operation uses.\n");
        let _ = writeln!(out, "{OTHER_TYPES_FEATURE} = []");
    }
    out
}

fn module_name(crate_name: &str) -> String {
    crate_name.replace('-', "_")
}

/// The crate root: docs from the README (so its examples are compiled as doctests).
pub(crate) fn lib_rs(header: &str) -> String {
    format!(
        "{header}\n#![doc = include_str!(\"../README.md\")]\n#![forbid(unsafe_code)]\n\n// Formatted by the generator (prettyplease), not by rustfmt.\n#[rustfmt::skip]\n// A call's error keeps the whole response it is about.\n#[allow(clippy::result_large_err)]\nmod client;\n\npub use client::*;\n"
    )
}

fn op_line(op: &Operation, method: &str) -> String {
    let mut notes = Vec::new();
    if let Some(cost) = &op.cost {
        notes.push(format!("billable: {} {}", cost.amount, cost.unit));
    }
    if op.job.is_some() {
        notes.push("async job: `submit()` + `wait()`".to_string());
    }
    if let RequestBody::Multipart(form) = &op.body {
        notes.push("multipart upload".to_string());
        if let Some(t) = form.choice.as_ref().and_then(|c| c.typed.as_ref()) {
            let fields: Vec<String> = t.variants.iter().map(|(f, _)| format!("`{f}`")).collect();
            notes.push(format!("one of {}: `{}(..)`", fields.join(", "), t.setter));
        }
    }
    if op.security.is_empty() {
        notes.push("no auth".to_string());
    }
    let summary = op
        .summary
        .as_deref()
        .unwrap_or("")
        .replace('|', "\\|")
        .replace('\n', " ");
    format!(
        "| `{method}()` | `{} {}` | {summary} | {} |\n",
        op.method,
        op.path,
        notes.join("; ")
    )
}

pub(crate) fn readme(api: &Api, settings: &Settings, features: &CargoFeatures) -> String {
    let krate = module_name(&settings.crate_name);
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", settings.crate_name);
    let _ = writeln!(
        out,
        "Typed async Rust client for **{}** (API version {}), generated by clientgen from `{}`. \
         Do not edit: change the spec and regenerate.\n",
        api.title, api.version, settings.spec_label
    );
    if let Some(description) = &api.description {
        let first = description.split("\n\n").next().unwrap_or("").trim();
        if !first.is_empty() {
            let _ = writeln!(out, "{first}\n");
        }
    }
    let env = api.security_schemes.iter().find_map(|s| s.env_var.clone());
    let _ = writeln!(out, "## Usage\n");
    let first_simple = api.operations.iter().find(|op| {
        matches!(op.body, RequestBody::None)
            && op.parameters.iter().all(|p| !p.required)
            && !op.security.is_empty()
            && op.errors.iter().any(|e| e.variant == "Unauthorized")
    });
    if let (Some(var), Some(_)) = (&env, &api.default_base_url) {
        let _ = writeln!(
            out,
            "`Client::from_env()` reads the API key from `{var}`; an unset or empty variable is an \
             error that names it. The key is never printed by `Debug`, `Display` or any error.\n"
        );
        if let Some(op) = first_simple {
            let method = &op.names.method;
            let error = &op.names.error;
            let _ = write!(
                out,
                "```rust,no_run\n\
                 use {krate}::{{errors::{error}, CallError, Client, Error}};\n\n\
                 # async fn run() -> Result<(), Error> {{\n\
                 let client = Client::from_env()?;\n\
                 match client.{method}().send().await {{\n\
                 \x20   Ok(response) => println!(\"{{:?}}\", response.into_inner()),\n\
                 \x20   Err(CallError::Documented({error}::Unauthorized(e))) => {{\n\
                 \x20       eprintln!(\"check {var}: {{:?}}\", e.body)\n\
                 \x20   }}\n\
                 \x20   Err(e) if e.is_retryable() => eprintln!(\"try again in {{:?}}\", e.retry_after()),\n\
                 \x20   Err(e) => return Err(e.into()),\n\
                 }}\n\
                 # Ok(())\n\
                 # }}\n\
                 ```\n\n"
            );
        }
    }
    if let Some(op) = api.operations.iter().find(|op| op.job.is_some()) {
        let method = &op.names.method;
        let resume = op.names.resume.clone().unwrap_or_default();
        let example = SubmitExample::new(op);
        let mut imports = vec!["Client", "Error"];
        if example.uses_file_part {
            imports.push("FilePart");
        }
        imports.push("WaitOptions");
        if example.uses_types {
            imports.insert(0, "types");
        }
        let imports = imports.join(", ");
        let submit = example.submit_arm(method);
        // The status operation, called with the handle as its id.
        let job = op.job.as_ref();
        let status_call = job
            .and_then(|job| {
                let status = api
                    .operations
                    .iter()
                    .find(|o| o.id == job.status_operation)?;
                let setter = status
                    .parameters
                    .iter()
                    .find(|p| p.name == job.id_parameter)?;
                let arg = match job.id_kind {
                    crate::ir::ScalarKind::Integer => "&handle",
                    _ => "handle.id()",
                };
                Some(format!(
                    "let status = client.{}().{}({arg}).send().await?;\n\
                     println!(\"{{:?}}\", status.into_inner());\n",
                    status.names.method, setter.rust_name
                ))
            })
            .unwrap_or_default();
        let _ = write!(
            out,
            "### Jobs\n\n\
             `{method}()` starts an asynchronous job. `submit()` sends the request and returns a \
             handle; `wait()` polls until the job ends, backing off between polls and honouring \
             `Retry-After`, and returns the final status or a typed failure naming the state. Store \
             `handle.id()` to resume after a restart with `client.{resume}(id)`; the status \
             operation takes the handle (or its id) as the job id.\n\n\
             ```rust,no_run\n\
             use std::time::Duration;\n\
             use {krate}::{{{imports}}};\n\n\
             # async fn run(client: Client, stored_id: Option<String>) -> Result<(), Error> {{\n\
             let handle = match stored_id {{\n\
             \x20   Some(id) => client.{resume}(id),\n\
             {submit}\
             }};\n\
             println!(\"job {{}}\", handle.id());\n\
             {status_call}\
             let options = WaitOptions::default().with_deadline(Duration::from_secs(30 * 60));\n\
             let done = handle.wait_with(&options).await?;\n\
             println!(\"{{done:?}}\");\n\
             # Ok(())\n\
             # }}\n\
             ```\n\n\
             A handle borrows the client. `into_owned()` gives one that holds a copy of it (the \
             configuration and the connection pool are shared), so that waiting can move into a \
             task:\n\n\
             ```rust,no_run\n\
             use {krate}::{{Client, Error}};\n\n\
             # async fn run(client: Client, id: String) -> Result<(), Error> {{\n\
             let handle = client.{resume}(id).into_owned();\n\
             let task = tokio::spawn(async move {{ handle.wait().await }});\n\
             let done = task.await.expect(\"the waiting task ran\")?;\n\
             println!(\"{{done:?}}\");\n\
             # Ok(())\n\
             # }}\n\
             ```\n\n"
        );
    }
    if let Some(op) = api.operations.iter().find(|op| op.pagination.is_some()) {
        let method = &op.names.method;
        let example = SubmitExample::new(op);
        let mut imports = vec!["Client", "Error", "StreamExt"];
        if example.uses_types {
            imports.insert(0, "types");
        }
        let calls: String = example.calls.concat();
        let _ = write!(
            out,
            "### Pages\n\n\
             `{method}()` returns one page of a longer list. Its builder's `pages()` and `items()` \
             are lazy streams of every page, or every item, from the position set on the builder: \
             each page is one call (a billable one costs once per page), the stream ends after \
             the last page or after an error, and dropping it stops early.\n\n\
             ```rust,no_run\n\
             use {krate}::{{{imports}}};\n\n\
             # async fn run(client: Client) -> Result<(), Error> {{\n\
             let mut items = client.{method}(){calls}.items();\n\
             while let Some(item) = items.next().await {{\n\
             \x20   println!(\"{{:?}}\", item?);\n\
             }}\n\
             # Ok(())\n\
             # }}\n\
             ```\n\n",
            imports = imports.join(", "),
        );
    }
    let _ = write!(
        out,
        "### Downloads\n\n\
         A file the API hands out by URL (a finished job's result) streams into any tokio \
         `AsyncWrite` one chunk at a time, with progress, resuming with `Range` after a dropped \
         connection; the key is sent only to the API's own origin. Where the description says \
         where a finished job's results are, `handle.download_results(&status, dir, progress)` \
         writes each into a file named after it.\n\n\
         ```rust,no_run\n\
         use {krate}::Client;\n\n\
         # async fn run(client: Client, url: &str) -> Result<(), Box<dyn std::error::Error>> {{\n\
         let mut file = Vec::new(); // or a tokio::fs::File\n\
         let bytes = client\n\
         \x20   .download_url(url, &mut file, |p| eprintln!(\"{{}} of {{:?}} bytes\", p.received, p.total))\n\
         \x20   .await?;\n\
         println!(\"{{bytes}} bytes\");\n\
         # Ok(())\n\
         # }}\n\
         ```\n\n"
    );
    out.push_str(&super::webhooks::readme_section(api, &krate));
    let _ = write!(
        out,
        "## Errors\n\n\
         A call fails with `CallError<E>`, where `E` is the operation's enum in `errors`: one \
         variant per documented status (for example `Unauthorized`, `PaymentRequired`, \
         `RateLimited`) carrying the body decoded as the spec documents it and the declared \
         headers, typed; match one with `CallError::Documented(E::RateLimited(r))`. A status the \
         spec does not document is `CallError::UnexpectedStatus` (status, headers and the raw \
         body, at most 1 MiB); a body that does not match its schema is `InvalidBody` (the bytes \
         and the decode error); `Transport`, `InvalidRequest` and `DeadlineExceeded` cover the \
         rest. `CallError` is `#[non_exhaustive]` and offers `status()`, `retry_after()`, \
         `is_retryable()` and `is_rate_limited()` (a 429, or a message saying so under another \
         status); its `Display` names the operation and the status and quotes the server's \
         message. It converts into the crate-level `Error` for callers who just use `?`.\n\n\
         A string enum inside a body is `OpenEnum<E>`: `OpenEnum::Known(E::…)` for a documented \
         value, `OpenEnum::Unknown(String)` for one the server added since, so that a new value \
         does not fail the whole response. A date or time is a `Lenient<T>`: `Parsed(T)`, or \
         the value as sent when the server used another format. A field the spec marks secret \
         is a `SecretString`, redacted when printed and read with `expose()`.\n\n\
         ## Retries, billing and timeouts\n\n\
         Requests go through a `RetryPolicy` (3 attempts, exponential backoff with jitter). \
         `GET`, `HEAD`, `PUT` and `DELETE` are retried on connection errors, 429, 502, 503 and \
         504 (and the statuses the spec marks `x-retryable`), after at least the server's \
         `Retry-After`; a server asking for more than 10 s is not waited for: the error comes \
         back at once with the wait in `retry_after()` \
         (`RetryPolicy::with_max_retry_after` changes it). An operation that costs credits or is \
         not idempotent is re-sent only when the server certainly did not process it (connection \
         refused, 429), unless the caller opts in for that call with \
         `CallOptions::with_allow_billable_retries(true)`; `may_have_been_billed()` on the \
         error says whether a failed billable call may still have cost. Each attempt has a \
         timeout (30 s) and \
         each call a deadline (120 s); both are set on `ClientConfig`.\n\n\
         Each call is a `tracing` span (`clientgen.call`: operation, method, path template, \
         attempts, status, elapsed time), each retry and each `Retry-After` too long to wait for \
         is an event, and so is each poll while a job is waited for; the key, URLs, headers and \
         bodies are never recorded. Nothing is printed unless the application installs a \
         subscriber, for example with the `tracing-subscriber` crate:\n\n\
         ```rust,ignore\n\
         tracing_subscriber::fmt().with_env_filter(\"clientgen_runtime=debug\").init();\n\
         ```\n\n"
    );
    out.push_str(&super::examples::readme_section(api, settings));
    features_section(api, settings, features, &mut out);
    let _ = writeln!(out, "## Operations\n");
    let _ = writeln!(
        out,
        "| method | request | summary | notes |\n|---|---|---|---|"
    );
    for op in &api.operations {
        out.push_str(&op_line(op, &op.names.method));
    }
    if !features.groups.is_empty() && !features.default_on {
        // With the groups off by default, the examples need features a doctest cannot turn
        // on: they are shown, not compiled.
        out = out.replace("```rust,no_run\n", "```rust,ignore\n");
    }
    out
}

/// `## Cargo features`: one per group, what it compiles and how to choose.
fn features_section(api: &Api, settings: &Settings, features: &CargoFeatures, out: &mut String) {
    if features.groups.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Cargo features\n");
    let state = if features.default_on {
        "all on by default; to compile only the groups you call, turn the defaults off and name \
         them (keep a TLS backend)"
    } else {
        "none on by default: name the groups you call"
    };
    let first = &features.groups[0].0;
    let _ = writeln!(
        out,
        "Each group of operations is a Cargo feature that compiles its operations and the types \
         they use, {state}:\n\n\
         ```toml\n\
         {name} = {{ version = \"{version}\", default-features = false, features = [\"rustls\", \"{first}\"] }}\n\
         ```\n",
        name = settings.crate_name,
        version = settings.crate_version,
    );
    let _ = writeln!(
        out,
        "| feature | operations | also turns on |\n|---|---|---|"
    );
    for (feature, needs) in &features.groups {
        let ops: Vec<String> = api
            .operations
            .iter()
            .filter(|op| op.names.feature == *feature)
            .map(|op| format!("`{}`", op.names.method))
            .collect();
        const SHOWN: usize = 8;
        let listed = if ops.len() > SHOWN {
            format!("{} and {} more", ops[..SHOWN].join(", "), ops.len() - SHOWN)
        } else {
            ops.join(", ")
        };
        let needs: Vec<String> = needs.iter().map(|n| format!("`{n}`")).collect();
        let _ = writeln!(out, "| `{feature}` | {listed} | {} |", needs.join(", "));
    }
    if features.other_types {
        let _ = writeln!(
            out,
            "| `{OTHER_TYPES_FEATURE}` | the description's types no operation uses | |"
        );
    }
    out.push('\n');
}

/// The builder calls of a job example's submit: the operation's required parameters and form
/// fields set to the spec's example values, and, for an upload whose file is optional (a URL
/// may stand in for it), the text fields the spec gives an example for. An input without a
/// usable example stays a comment naming it.
struct SubmitExample {
    calls: Vec<String>,
    uses_types: bool,
    uses_file_part: bool,
}

/// The longest one-line `None => ...` arm before the call chain is split over lines.
const ONE_LINE_ARM: usize = 96;

impl SubmitExample {
    fn new(op: &Operation) -> Self {
        let mut example = Self {
            calls: Vec::new(),
            uses_types: false,
            uses_file_part: false,
        };
        for p in op.parameters.iter().filter(|p| p.required) {
            let value = p.example.as_ref().and_then(|v| scalar_literal(p.kind, v));
            example.push(&p.rust_name, value);
        }
        match &op.body {
            RequestBody::None => {}
            RequestBody::Typed(body) if body.required => example.push("body", None),
            RequestBody::Typed(_) => {}
            RequestBody::Multipart(body) => {
                let file_optional = body
                    .fields
                    .iter()
                    .any(|f| f.kind == FieldKind::File && !f.required);
                for f in &body.fields {
                    let stands_in_for_file = file_optional
                        && f.kind == FieldKind::Scalar(ScalarKind::String)
                        && f.example.is_some();
                    if !f.required && !stands_in_for_file {
                        continue;
                    }
                    let value = match (&f.kind, &f.example) {
                        (FieldKind::File, _) => {
                            example.uses_file_part = true;
                            Some("FilePart::from_path(\"path/to/file\")".to_string())
                        }
                        (FieldKind::Scalar(kind), Some(v)) => scalar_literal(*kind, v),
                        (FieldKind::Named(name), Some(Value::String(v))) => {
                            example.uses_types = true;
                            Some(format!("types::{name}::{}", typify_variant(v)))
                        }
                        _ => None,
                    };
                    // One of a typed choice's fields is set through the choice's setter, where
                    // the value converts into it (a string or a file no other field takes).
                    let typed = body.choice.as_ref().and_then(|c| c.typed.as_ref());
                    let in_choice = |g: &MultipartField| {
                        typed.is_some_and(|t| t.variants.iter().any(|(n, _)| *n == g.name))
                    };
                    let converts = matches!(
                        f.kind,
                        FieldKind::File | FieldKind::Scalar(ScalarKind::String)
                    ) && in_choice(f)
                        && body
                            .fields
                            .iter()
                            .filter(|g| in_choice(g) && g.kind == f.kind)
                            .count()
                            == 1;
                    match typed {
                        Some(t) if converts => example.push(&t.setter, value),
                        _ => example.push(&f.rust_name, value),
                    }
                }
            }
        }
        example
    }

    fn push(&mut self, setter: &str, value: Option<String>) {
        self.calls.push(match value {
            Some(value) => format!(".{setter}({value})"),
            None => format!("/* .{setter}(...) */"),
        });
    }

    /// The `None => client.method()...submit().await?,` arm, on one line if it is short.
    fn submit_arm(&self, method: &str) -> String {
        let one_line = format!(
            "    None => client.{method}(){}.submit().await?,\n",
            self.calls.concat()
        );
        if one_line.len() <= ONE_LINE_ARM {
            return one_line;
        }
        let mut out = format!("    None => client\n        .{method}()\n");
        for call in &self.calls {
            let _ = writeln!(out, "        {call}");
        }
        out.push_str("        .submit()\n        .await?,\n");
        out
    }
}

/// A Rust literal for an example value of a parameter or form field of this kind, if the
/// value fits the kind.
fn scalar_literal(kind: ScalarKind, value: &Value) -> Option<String> {
    match (kind, value) {
        (ScalarKind::String, Value::String(s)) => Some(format!("{s:?}")),
        (ScalarKind::String, Value::Number(n)) => Some(format!("\"{n}\"")),
        (ScalarKind::Integer, Value::Number(n)) => n.as_i64().map(|i| i.to_string()),
        (ScalarKind::Number, Value::Number(n)) => n.as_f64().filter(|f| f.is_finite()).map(|f| {
            let text = f.to_string();
            if text.contains(['.', 'e']) {
                text
            } else {
                format!("{text}.0")
            }
        }),
        (ScalarKind::Boolean, Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    }
}

/// The variant typify generates for a string enum value: the value in PascalCase, `X` before
/// a leading digit, `_` after a keyword.
fn typify_variant(value: &str) -> String {
    let cleaned: String = value
        .replace('\'', "")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut name = cleaned.to_pascal_case();
    if !name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        name = format!("X{name}");
    }
    if syn::parse_str::<syn::Ident>(&name).is_err() {
        name.push('_');
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_values_become_typify_variants() {
        assert_eq!(typify_variant("six"), "Six");
        assert_eq!(typify_variant("audio_video"), "AudioVideo");
        assert_eq!(typify_variant("320kbps"), "X320kbps");
        assert_eq!(typify_variant("won't stop"), "WontStop");
        assert_eq!(typify_variant(""), "X");
        assert_eq!(typify_variant("self"), "Self_");
    }

    #[test]
    fn example_values_become_literals_of_their_kind() {
        let lit = |kind, v: Value| scalar_literal(kind, &v);
        assert_eq!(
            lit(ScalarKind::String, "say \"hi\"\n".into()).as_deref(),
            Some(r#""say \"hi\"\n""#)
        );
        assert_eq!(
            lit(ScalarKind::String, 42.into()).as_deref(),
            Some("\"42\"")
        );
        assert_eq!(lit(ScalarKind::Integer, 7.into()).as_deref(), Some("7"));
        assert_eq!(lit(ScalarKind::Integer, 7.5.into()), None);
        assert_eq!(lit(ScalarKind::Number, 3.into()).as_deref(), Some("3.0"));
        assert_eq!(
            lit(ScalarKind::Number, 0.25.into()).as_deref(),
            Some("0.25")
        );
        assert_eq!(
            lit(ScalarKind::Boolean, true.into()).as_deref(),
            Some("true")
        );
        assert_eq!(lit(ScalarKind::Boolean, "yes".into()), None);
        assert_eq!(lit(ScalarKind::Other, "x".into()), None);
    }

    const JOB_SPEC: &str = r#"
openapi: 3.0.3
info: {title: Jobs, version: '1'}
servers: [{url: 'https://api.example.com'}]
paths:
  /renders:
    post:
      operationId: startRender
      x-cost: {amount: 1, unit: credit}
      x-job:
        statusOperation: getRender
        idPointer: /id
        idParameter: id
        statePointer: /state
        pending: [queued]
        succeeded: [done]
        failed: [failed]
      parameters:
        - {name: source-url, in: query, required: true, schema: {type: string}, example: 'https://example.com/a.wav'}
        - {name: speed, in: query, required: true, schema: {type: number, example: 2}}
        - {name: voice, in: query, required: true, schema: {type: string, enum: [alto, bass]}}
        - {name: since, in: query, required: true, schema: {type: string, format: date-time}, example: '2025-01-01T00:00:00Z'}
        - {name: note, in: query, required: false, schema: {type: string}, example: 'not shown'}
      responses:
        '200':
          description: started
          content:
            application/json:
              schema: {type: object, required: [id], properties: {id: {type: string}}}
  /renders/{id}:
    get:
      operationId: getRender
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: the render
          content:
            application/json:
              schema: {type: object, properties: {state: {type: string}}}
"#;

    #[test]
    fn job_example_sets_required_parameters_from_the_spec() {
        let settings = crate::Settings::new("jobs-client", "jobs.yaml");
        let generated = crate::generate(JOB_SPEC, &settings).expect("generates");
        let readme = &generated.files[std::path::Path::new("README.md")];
        let expected = "    None => client\n\
                        \x20       .start_render()\n\
                        \x20       /* .since(...) */\n\
                        \x20       .source_url(\"https://example.com/a.wav\")\n\
                        \x20       .speed(2.0)\n\
                        \x20       .voice(\"alto\")\n\
                        \x20       .submit()\n\
                        \x20       .await?,\n";
        assert!(readme.contains(expected), "{readme}");
        assert!(!readme.contains("not shown"), "{readme}");
        assert!(readme.contains("use jobs_client::{Client, Error, WaitOptions};"));
    }

    const UPLOAD_SPEC: &str = r#"
openapi: 3.0.3
info: {title: Tracks, version: '1'}
servers: [{url: 'https://api.example.com'}]
paths:
  /tracks:
    post:
      operationId: uploadTrack
      x-job: {statusOperation: getTrack, idPointer: /id, idParameter: id, statePointer: /state,
              pending: [queued], succeeded: [done], failed: [failed]}
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [file, mode]
              properties:
                file: {type: string, format: binary}
                mode: {$ref: '#/components/schemas/Mode'}
                url: {type: string, example: 'https://example.com/a.wav'}
      responses:
        '200':
          description: started
          content:
            application/json:
              schema: {type: object, required: [id], properties: {id: {type: string}}}
  /tracks/{id}:
    get:
      operationId: getTrack
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: the track
          content:
            application/json:
              schema: {type: object, properties: {state: {type: string}}}
components:
  schemas:
    Mode: {type: string, enum: [high-fidelity, fast], example: turbo}
"#;

    #[test]
    fn job_example_for_an_upload_sets_the_file_and_an_enum_field() {
        let settings = crate::Settings::new("tracks-client", "tracks.yaml");
        let generated = crate::generate(UPLOAD_SPEC, &settings).expect("generates");
        let readme = &generated.files[std::path::Path::new("README.md")];
        // The example `turbo` is not a value of the enum: the first value stands in. The file
        // is required, so the optional `url` is left out.
        let expected = "    None => client\n\
                        \x20       .upload_track()\n\
                        \x20       .file(FilePart::from_path(\"path/to/file\"))\n\
                        \x20       .mode(types::Mode::HighFidelity)\n\
                        \x20       .submit()\n\
                        \x20       .await?,\n";
        assert!(readme.contains(expected), "{readme}");
        assert!(
            readme.contains("use tracks_client::{types, Client, Error, FilePart, WaitOptions};"),
            "{readme}"
        );
    }
}
