//! The generation variants compared on the same input text:
//!
//! * [`clientgen`]: the whole pipeline, as `clientgen generate` runs it (load, validate, lower,
//!   emit: typify's types and our request layer, plus the crate's `Cargo.toml` and README);
//! * [`progenitor_alone`]: what a user of progenitor alone runs: parse into `openapiv3`,
//!   `Generator::generate_tokens` with progenitor's default settings and its builder interface
//!   (or, [`Variant::ProgenitorPositional`], its default positional interface), `syn` and
//!   prettyplease;
//! * [`parse_only`]: the text into a JSON value, the floor under both.
//!
//! Each returns the size of what it produced (so the work cannot be optimised away) or a
//! one-line reason why it failed; progenitor's panics are caught and reported as failures.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

/// One of the compared ways to turn a description into code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The full clientgen pipeline.
    Clientgen,
    /// openapiv3 + progenitor (builder interface) + prettyplease.
    ProgenitorAlone,
    /// YAML/JSON parsing alone.
    ParseOnly,
    /// openapiv3 + progenitor (its default, positional interface) + prettyplease.
    ProgenitorPositional,
}

impl Variant {
    /// Every variant, in table order.
    pub const ALL: [Variant; 4] = [
        Variant::Clientgen,
        Variant::ProgenitorAlone,
        Variant::ParseOnly,
        Variant::ProgenitorPositional,
    ];

    /// The name used in tables and bench ids.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Clientgen => "clientgen",
            Variant::ProgenitorAlone => "progenitor",
            Variant::ParseOnly => "parse",
            Variant::ProgenitorPositional => "progenitor-positional",
        }
    }

    /// Runs this variant on `text` (labelled `label` in clientgen's diagnostics).
    pub fn run(self, label: &str, text: &str) -> Result<usize, String> {
        match self {
            Variant::Clientgen => clientgen(label, text),
            Variant::ProgenitorAlone => {
                progenitor_source(text, Interface::Builder).map(|s| s.len())
            }
            Variant::ParseOnly => parse_only(text),
            Variant::ProgenitorPositional => {
                progenitor_source(text, Interface::Positional).map(|s| s.len())
            }
        }
    }
}

/// progenitor's two interfaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interface {
    /// A builder per operation (`client.op().param(x).send()`), and struct builders for types.
    Builder,
    /// A method per operation taking every parameter (progenitor's default).
    Positional,
}

/// The whole clientgen pipeline (every file of the crate is made); the size of the Rust
/// source it generated (`src/*.rs`), which is what compares with progenitor's output. The
/// crate's other files (the copy of the description, README, manifest, licenses) are left out.
pub fn clientgen(label: &str, text: &str) -> Result<usize, String> {
    let settings = clientgen::Settings::new("bench-client", label);
    match catch_unwind(AssertUnwindSafe(|| clientgen::generate(text, &settings))) {
        Ok(Ok(generated)) => Ok(generated
            .files
            .iter()
            .filter(|(path, _)| path.extension().is_some_and(|e| e == "rs"))
            .map(|(_, text)| text.len())
            .sum()),
        Ok(Err(diagnostics)) => Err(first_line(&format!(
            "{} error(s): {diagnostics}",
            diagnostics.errors().count()
        ))),
        Err(panic) => Err(format!("panicked: {}", panic_message(&panic))),
    }
}

/// progenitor alone with its builder interface: the size of what it prints.
pub fn progenitor_alone(text: &str) -> Result<usize, String> {
    progenitor_source(text, Interface::Builder).map(|s| s.len())
}

/// progenitor alone: parse (JSON with serde_json; YAML through clientgen's YAML loader, which
/// has no serde_yaml-style alternative in this workspace), generate with progenitor's default
/// settings and `interface`, format. The source, as a user of progenitor would include it.
pub fn progenitor_source(text: &str, interface: Interface) -> Result<String, String> {
    let spec = parse_openapi(text)?;
    let mut settings = progenitor_impl::GenerationSettings::new();
    settings.with_interface(match interface {
        Interface::Builder => progenitor_impl::InterfaceStyle::Builder,
        Interface::Positional => progenitor_impl::InterfaceStyle::Positional,
    });
    let generated = catch_unwind(AssertUnwindSafe(|| {
        let mut generator = progenitor_impl::Generator::new(&settings);
        generator.generate_tokens(&spec)
    }));
    let tokens = match generated {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(e)) => return Err(first_line(&format!("rejected: {e}"))),
        Err(panic) => return Err(format!("panicked: {}", panic_message(&panic))),
    };
    let file: syn::File = syn::parse2(tokens).map_err(|e| format!("output does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}

/// YAML or JSON text into a JSON value; the number of top-level keys.
pub fn parse_only(text: &str) -> Result<usize, String> {
    let value = parse_value(text)?;
    Ok(value.as_object().map_or(0, serde_json::Map::len))
}

/// Text into an `openapiv3` document: straight from JSON text, or from the loaded YAML value.
pub fn parse_openapi(text: &str) -> Result<openapiv3::OpenAPI, String> {
    if is_json(text) {
        serde_json::from_str(text).map_err(|e| format!("not an OpenAPI 3.0 document: {e}"))
    } else {
        serde_json::from_value(parse_value(text)?)
            .map_err(|e| format!("not an OpenAPI 3.0 document: {e}"))
    }
}

fn parse_value(text: &str) -> Result<serde_json::Value, String> {
    if is_json(text) {
        serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))
    } else {
        clientgen::load::parse_text("input", text)
            .map(|doc| doc.value)
            .map_err(|ds| first_line(&ds.to_string()))
    }
}

fn is_json(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('{')
}

/// Times of clientgen's stages on one input, to see where the time goes.
#[derive(Debug, Clone, Default)]
pub struct Stages {
    /// Text into the JSON value, with the 3.1-to-3.0 and repair passes.
    pub load: Duration,
    /// The value into `openapiv3`, validation and lowering to the IR.
    pub check_and_lower: Duration,
    /// The types (typify), the request layer and the rest of the client module, written as
    /// formatted text.
    pub emit: Duration,
}

/// Runs clientgen's stages one by one on `text` (as `clientgen::generate` chains them, minus
/// the package files) and times each.
pub fn clientgen_stages(label: &str, text: &str) -> Result<Stages, String> {
    let mut stages = Stages::default();
    let fail = |ds: clientgen::Diagnostics| first_line(&ds.to_string());
    let start = Instant::now();
    let mut doc = clientgen::load::parse_text(label, text).map_err(fail)?;
    clientgen::dialect::down_convert(&mut doc);
    clientgen::repair::repair(&mut doc);
    stages.load = start.elapsed();

    let start = Instant::now();
    let spec = clientgen::load::to_openapi(&doc).map_err(fail)?;
    clientgen::validate::validate(&doc, &spec)
        .propagate()
        .map_err(fail)?;
    let (api, _warnings) = clientgen::lower::lower(&doc, &spec).map_err(fail)?;
    stages.check_and_lower = start.elapsed();

    let start = Instant::now();
    let settings = clientgen::emit::TypeSettings::new();
    let emitted = clientgen::emit::emit_client(
        &doc,
        &api,
        &settings,
        clientgen::emit::GroupFeatures::default(),
        Some(clientgen::emit::SPLIT_ABOVE_OPERATIONS),
        "clientgen_runtime",
        "",
        &mut |_| {},
    )
    .map_err(fail)?;
    stages.emit = start.elapsed();
    std::hint::black_box(emitted.source);
    Ok(stages)
}

fn first_line(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut line = line.trim().to_string();
    if line.len() > 160 {
        let cut = (0..=160)
            .rev()
            .find(|i| line.is_char_boundary(*i))
            .unwrap_or(0);
        line.truncate(cut);
        line.push('…');
    }
    line
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into());
    first_line(&message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
openapi: 3.0.3
info: {title: Small, version: "1.0"}
servers: [{url: "https://example.com"}]
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: The item.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Item'}
components:
  schemas:
    Item:
      type: object
      required: [id]
      properties:
        id: {type: string}
"#;

    #[test]
    fn every_variant_generates_a_small_spec() {
        for variant in Variant::ALL {
            let size = variant.run("spec/small.yaml", SMALL).unwrap();
            assert!(size > 0, "{}", variant.name());
        }
        let clientgen = clientgen("spec/small.yaml", SMALL).unwrap();
        let progenitor = progenitor_alone(SMALL).unwrap();
        assert!(clientgen > progenitor, "{clientgen} <= {progenitor}");
    }

    #[test]
    fn json_and_yaml_give_the_same_document() {
        let from_yaml = parse_openapi(SMALL).unwrap();
        let json = serde_json::to_string(&from_yaml).unwrap();
        let from_json = parse_openapi(&json).unwrap();
        assert_eq!(from_yaml, from_json);
        assert_eq!(parse_only(&json).unwrap(), parse_only(SMALL).unwrap());
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        for variant in Variant::ALL {
            let err = variant
                .run("spec/bad.yaml", "openapi: [unclosed")
                .unwrap_err();
            assert!(!err.is_empty(), "{}", variant.name());
        }
        let err = progenitor_alone("{\"openapi\": \"3.0.3\"}").unwrap_err();
        assert!(err.contains("not an OpenAPI 3.0 document"), "{err}");
    }

    #[test]
    fn stages_run_on_a_small_spec() {
        let stages = clientgen_stages("spec/small.yaml", SMALL).unwrap();
        assert!(stages.emit > Duration::ZERO);
    }

    #[test]
    fn long_messages_are_cut_to_one_line() {
        let long = format!("\n{}\nsecond line", "é".repeat(200));
        let line = first_line(&long);
        assert!(!line.contains('\n'));
        assert!(line.ends_with('…'));
        assert!(line.len() <= 164);
    }
}
