//! Type stage: the description's schemas into Rust types, with typify as the type engine.
//!
//! Each schema (an OpenAPI 3.0 Schema Object) is first converted to JSON Schema draft 7 at the
//! JSON level ([`to_json_schema`]): `nullable` becomes a `null` type (or an `anyOf` with a null
//! schema), boolean `exclusiveMinimum`/`exclusiveMaximum` become the numeric form, `example`
//! becomes `examples`, and the keywords typify does not read are dropped. A schema that does not
//! deserialize as JSON Schema is degraded to "any value" where it fails, with a warning. The
//! pass of `forward.rs` then makes nested string enums open (`OpenEnum<E>`), dates and
//! `x-lenient` scalars `Lenient<T>`, and secret strings `SecretString`.
//!
//! typify then makes the named schemas (one Rust type each) and the inline schemas (a built-in
//! type, or a new type named after them) into one token stream, formatted item by item. A
//! nullable named schema is a newtype around an `Option` of `<Name>Inner`, whatever form its
//! nullability takes ([`name_nullable_inner`]). typify panics (`todo!`, `unwrap`) or refuses on
//! some schemas: every run is made under a quiet `catch_unwind`, and when one fails the culprit
//! schemas are found by halving, made `serde_json::Value` and named in a warning. typify
//! recurses deeply on nested schemas: it runs on a thread with a large stack.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::panic::AssertUnwindSafe;
use std::sync::Once;

use proc_macro2::TokenStream;
use schemars::schema::{InstanceType, Schema, SchemaObject, SingleOrVec, SubschemaValidation};
use serde_json::{Map, Value, json};
use typify::{CrateVers, TypeSpace, TypeSpacePatch, TypeSpaceSettings};

use super::features::{self, TypePlan, TypeRoots};
use super::forward::{self, Forward};
use super::stream;
use super::text::type_text;
use crate::diagnostic::{Diagnostics, Severity, escape_pointer_token};
use crate::ir::{InlineSchema, NamedSchema};
use crate::load::SourceDoc;

/// Settings of the type engine the user can set (exposed later through `clientgen::Settings`
/// and the CLI).
#[derive(Debug, Clone, Default)]
pub struct TypeSettings {
    /// Derives added to every generated type (`schemars::JsonSchema`, `PartialEq`...).
    pub extra_derives: Vec<String>,
    /// Generate a builder (in `types::builder`) for each struct.
    pub struct_builders: bool,
    /// Per type name: a new name, or derives for that type only.
    pub patches: Vec<(String, TypePatchSpec)>,
    /// Type name -> the Rust type (a path, `::my_crate::Pet`) used instead of generating it.
    pub replacements: Vec<(String, String)>,
    /// Schema (OpenAPI 3.0, as in the description) -> the Rust type used wherever exactly that
    /// schema appears (descriptions and titles aside).
    pub conversions: Vec<(Value, String)>,
}

impl TypeSettings {
    /// The settings the pipeline starts from: struct builders on, nothing else.
    pub fn new() -> Self {
        Self {
            struct_builders: true,
            ..Self::default()
        }
    }
}

/// Changes to one generated type.
#[derive(Debug, Clone, Default)]
pub struct TypePatchSpec {
    /// The name it gets instead of its own.
    pub rename: Option<String>,
    /// Derives added to this type.
    pub derives: Vec<String>,
}

/// What the type stage made.
pub(crate) struct Types {
    /// The formatted items that go inside `pub mod types { ... }`, each formatted at depth 1
    /// (4-space indented), exactly as prettyplease prints them inside that module.
    pub text: String,
    /// For each inline schema given, its Rust type as written from a module that has
    /// `use <crate root>::types;` in scope: `types::AudioFormat`, `::std::string::String`,
    /// `i64`, `::std::vec::Vec<types::Foo>`...
    pub inline_types: Vec<String>,
    /// The generated types use `chrono`.
    pub uses_chrono: bool,
    /// The generated types use `uuid`.
    pub uses_uuid: bool,
    /// The generated types use `regress`.
    pub uses_regress: bool,
    /// The struct types, which have a builder under `types::builder` when
    /// [`TypeSettings::struct_builders`] is on.
    pub struct_builders: BTreeSet<String>,
    /// The newtypes around a `String` (typify's type for a named string schema), which get
    /// `PartialEq<str>` so that `job.status == "CompletedJob"` compiles.
    pub string_newtypes: BTreeSet<String>,
    /// Per type gated by a group's Cargo feature, its `#[cfg(..)]` line.
    pub gates: HashMap<String, String>,
    /// Some type is compiled only by [`crate::names::OTHER_TYPES_FEATURE`].
    pub other_types: bool,
    /// The fallbacks taken, one warning each.
    pub warnings: Diagnostics,
}

/// Rounds of isolation before the description's types are given up on.
const ISOLATION_ROUNDS: usize = 3;

/// At most this many typify runs are spent looking for the culprits of one description.
const RUN_BUDGET: usize = 400;

/// Schemas nested deeper than this are any value (typify recurses on the thread's stack).
const MAX_DEPTH: usize = 64;

/// The `$ref` prefix of a named schema.
pub(super) const REF_PREFIX: &str = "#/components/schemas/";

/// The Rust type of a schema that cannot be generated.
const ANY_VALUE_TYPE: &str = "::serde_json::Value";

/// Stack of the thread typify runs on: it recurses a few times per nested schema, tens of
/// kilobytes a level in a debug build. Only the pages used are taken.
const STACK_SIZE: usize = 256 << 20;

/// Generates the Rust types of `schemas` (each one named type) and `inline` (each a built-in
/// type or a type of its own), degrading with a warning what typify cannot take.
///
/// It runs on a thread of its own with a large stack; the diagnostics are located in `doc`
/// once back.
///
/// With `roots`, each item is gated by the group features that need its type.
pub(crate) fn generate(
    doc: &SourceDoc,
    schemas: &[NamedSchema],
    inline: &[InlineSchema],
    settings: &TypeSettings,
    roots: Option<&TypeRoots>,
) -> Result<Types, Diagnostics> {
    let work = || {
        let mut report = Report::default();
        let types = generate_here(schemas, inline, settings, roots, &mut report);
        (types, report)
    };
    let (types, report) = std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("clientgen-types".into())
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, work);
        match spawned {
            Ok(handle) => handle.join().unwrap_or_else(|_| {
                let mut report = Report::default();
                report.push(Severity::Error, "", "internal: the type stage panicked");
                (None, report)
            }),
            // No thread to be had: this one, with the stack it has.
            Err(_) => work(),
        }
    });
    let diagnostics = report.locate(doc);
    match types {
        Some(mut types) if !diagnostics.has_errors() => {
            types.warnings = diagnostics;
            Ok(types)
        }
        _ => Err(diagnostics),
    }
}

/// Diagnostics made away from the document (it cannot be shared with another thread), each
/// as (severity, JSON pointer, message).
#[derive(Default)]
struct Report(Vec<(Severity, String, String)>);

impl Report {
    fn push(&mut self, severity: Severity, pointer: impl Into<String>, message: impl Into<String>) {
        self.0.push((severity, pointer.into(), message.into()));
    }

    fn has_errors(&self) -> bool {
        self.0
            .iter()
            .any(|(severity, ..)| *severity == Severity::Error)
    }

    /// The diagnostics, located in `doc`.
    fn locate(self, doc: &SourceDoc) -> Diagnostics {
        let mut out = Diagnostics::new();
        for (severity, pointer, message) in self.0 {
            out.push(doc.diagnostic(severity, pointer, message));
        }
        out
    }
}

/// [`generate`] on this thread: the types (with no warnings: they are in `report`), or `None`
/// with errors in `report`.
fn generate_here(
    schemas: &[NamedSchema],
    inline: &[InlineSchema],
    settings: &TypeSettings,
    roots: Option<&TypeRoots>,
    report: &mut Report,
) -> Option<Types> {
    let names: BTreeSet<&str> = schemas.iter().map(|s| s.name.as_str()).collect();
    let space_settings = type_space_settings(settings, &names, report);
    if report.has_errors() {
        return None;
    }
    let mut taken: BTreeSet<String> = names.iter().map(|name| name.to_string()).collect();
    let enums = schemas
        .iter()
        .filter(|s| s.schema.get("enum").is_some())
        .filter(|s| {
            forward::is_closed_string_enum(&to_json_schema(&s.schema, &names, &mut Vec::new()))
        })
        .map(|s| s.name.clone())
        .collect();
    let mut forward = Forward::new(
        enums,
        taken
            .iter()
            .cloned()
            .chain(inline.iter().map(|s| s.name.clone())),
    );
    let mut named = Vec::with_capacity(schemas.len());
    let mut origin = Vec::with_capacity(schemas.len());
    for (i, s) in schemas.iter().enumerate() {
        let mut schema = convert(&names, &mut forward, &s.name, &s.pointer, &s.schema, report);
        let inner = name_nullable_inner(&s.name, &mut schema, &mut taken);
        named.push((s.name.clone(), schema));
        origin.push(i);
        if let Some(inner) = inner {
            named.push(inner);
            origin.push(i);
        }
    }
    let inline_schemas = inline
        .iter()
        .map(|s| {
            let schema = convert(&names, &mut forward, &s.name, &s.pointer, &s.schema, report);
            Some((s.name.clone(), schema))
        })
        .collect();
    let mut engine = Engine {
        settings: space_settings,
        named,
        origin,
        inline: inline_schemas,
        roots,
    };
    let run = match engine.run(&Check::Format) {
        Ok(run) => run,
        Err(first_failure) => {
            // Degrading a schema can bring out a failure it hid (a name typify reuses, a
            // default checked against another type): isolate again, a few rounds at most.
            let mut outcome = Err(first_failure.clone());
            for _ in 0..ISOLATION_ROUNDS {
                outcome = engine
                    .isolate(schemas, inline, report)
                    .and_then(|()| engine.run(&Check::Format));
                if outcome.is_ok() {
                    break;
                }
            }
            match outcome {
                Ok(run) => run,
                Err(e) => {
                    report.push(
                        Severity::Error,
                        "",
                        format!(
                            "the Rust types cannot be generated ({first_failure}), and no \
                             single schema could be blamed: {e}"
                        ),
                    );
                    return None;
                }
            }
        }
    };
    Some(Types {
        text: run.text,
        inline_types: run.inline_types,
        uses_chrono: run.uses.chrono,
        uses_uuid: run.uses.uuid,
        uses_regress: run.uses.regress,
        struct_builders: if settings.struct_builders {
            run.uses.structs
        } else {
            BTreeSet::new()
        },
        string_newtypes: run.uses.string_newtypes,
        gates: run.gates.by_type,
        other_types: run.gates.other_types,
        warnings: Diagnostics::new(),
    })
}

/// typify's settings from ours. Names and paths that are not Rust (typify would panic on them)
/// are errors.
fn type_space_settings(
    settings: &TypeSettings,
    names: &BTreeSet<&str>,
    report: &mut Report,
) -> TypeSpaceSettings {
    let mut errors = Vec::new();
    let mut error = |message: String| errors.push(message);
    let is_path = |s: &str| syn::parse_str::<syn::Path>(s).is_ok();
    let is_type_path = |s: &str| syn::parse_str::<syn::TypePath>(s).is_ok();
    let mut out = TypeSpaceSettings::default();
    out.with_type_mod("types")
        .with_struct_builder(settings.struct_builders)
        // `OpenEnum`, `Lenient` and `SecretString` (see `forward.rs`), named through
        // `x-rust-type`.
        .with_crate(forward::RUNTIME_CRATE, CrateVers::Any, None);
    for derive in &settings.extra_derives {
        if is_path(derive) {
            out.with_derive(derive.clone());
        } else {
            error(format!("derive `{derive}` is not a Rust path"));
        }
    }
    for (name, spec) in &settings.patches {
        let mut patch = TypeSpacePatch::default();
        if let Some(rename) = &spec.rename {
            if syn::parse_str::<syn::Ident>(rename).is_ok() {
                patch.with_rename(rename);
            } else {
                error(format!(
                    "the new name `{rename}` of type `{name}` is not a Rust identifier"
                ));
            }
        }
        for derive in &spec.derives {
            if is_path(derive) {
                patch.with_derive(derive);
            } else {
                error(format!(
                    "derive `{derive}` of type `{name}` is not a Rust path"
                ));
            }
        }
        out.with_patch(name, &patch);
    }
    for (name, replacement) in &settings.replacements {
        if is_type_path(replacement) {
            out.with_replacement(name, replacement, std::iter::empty());
        } else {
            error(format!(
                "the replacement `{replacement}` of type `{name}` is not a Rust type path"
            ));
        }
    }
    for (schema, rust_type) in &settings.conversions {
        if !is_type_path(rust_type) {
            error(format!(
                "the conversion to `{rust_type}` is not to a Rust type path"
            ));
            continue;
        }
        let mut notes = Vec::new();
        let converted = to_json_schema(schema, names, &mut notes);
        match serde_json::from_value::<SchemaObject>(converted) {
            Ok(object) if notes.is_empty() => {
                out.with_conversion(object, rust_type, std::iter::empty());
            }
            Ok(_) => report.push(
                Severity::Warning,
                "",
                format!(
                    "type settings: the schema converted to `{rust_type}` cannot be matched \
                     ({}): the conversion is not made",
                    notes
                        .iter()
                        .map(|(_, note)| note.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            ),
            Err(e) => error(format!(
                "the schema converted to `{rust_type}` is not a schema object: {e}"
            )),
        }
    }
    for message in errors {
        report.push(Severity::Error, "", format!("type settings: {message}"));
    }
    out
}

/// Converts one schema to JSON Schema for typify; what cannot be kept is any value, with a
/// warning at its pointer.
fn convert(
    names: &BTreeSet<&str>,
    forward: &mut Forward,
    name: &str,
    at: &str,
    schema: &Value,
    report: &mut Report,
) -> Schema {
    let mut notes = Vec::new();
    let mut converted = to_json_schema(schema, names, &mut notes);
    forward.schema(&mut converted, name);
    let schema = match serde_json::from_value::<Schema>(converted) {
        Ok(schema) => schema,
        Err(_) => {
            // Degrade the smallest subschemas that do not deserialize, then convert again.
            let mut repaired = schema.clone();
            degrade_invalid(&mut repaired, "", names, &mut notes, 0);
            let mut converted = to_json_schema(&repaired, names, &mut Vec::new());
            forward.schema(&mut converted, name);
            serde_json::from_value::<Schema>(converted).unwrap_or_else(|e| {
                notes.push((
                    String::new(),
                    format!("not a valid schema ({e}): any JSON value"),
                ));
                Schema::Bool(true)
            })
        }
    };
    for (relative, note) in notes {
        let pointer = if at.is_empty() {
            String::new()
        } else {
            format!("{at}{relative}")
        };
        report.push(
            Severity::Warning,
            pointer,
            format!("schema `{name}`: {note}"),
        );
    }
    schema
}

/// Converts an OpenAPI 3.0 Schema Object to JSON Schema draft 7 (as schemars models it).
/// `names` are the schemas a `$ref` may name; `notes` gets (pointer relative to `schema`, what
/// was done) for each part that became any value.
fn to_json_schema(
    schema: &Value,
    names: &BTreeSet<&str>,
    notes: &mut Vec<(String, String)>,
) -> Value {
    Converter { names, notes }.schema(schema, "", 0)
}

/// OpenAPI 3.0 Schema Object keywords that JSON Schema draft 7 has with the same meaning and
/// no subschema.
const PLAIN_KEYWORDS: &[&str] = &[
    "title",
    "description",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "type",
    "format",
    "enum",
    "multipleOf",
    "maximum",
    "minimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "required",
];

/// Keywords that only annotate: a schema with nothing else accepts any value, `null` included.
const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "examples",
];

/// The extension typify reads (a Rust type for the schema, from a crate the user names).
const RUST_TYPE_EXTENSION: &str = "x-rust-type";

/// The conversion of one schema tree.
struct Converter<'a> {
    names: &'a BTreeSet<&'a str>,
    notes: &'a mut Vec<(String, String)>,
}

impl Converter<'_> {
    /// Converts the schema `node` at `at` (relative pointer), `depth` schemas deep.
    fn schema(&mut self, node: &Value, at: &str, depth: usize) -> Value {
        let Value::Object(obj) = node else {
            // `true`, `{}`-like values and anything else that is not a Schema Object.
            return json!({});
        };
        if depth > MAX_DEPTH {
            self.notes.push((
                at.to_string(),
                format!("nested more than {MAX_DEPTH} schemas deep: any JSON value"),
            ));
            return json!({});
        }
        let nullable = obj.get("nullable") == Some(&Value::Bool(true));
        if let Some(reference) = obj.get("$ref") {
            // Siblings of a `$ref` are ignored in OpenAPI 3.0; `nullable` is honoured all the
            // same, as descriptions mean it.
            let known = reference
                .as_str()
                .and_then(|r| r.strip_prefix(REF_PREFIX))
                .is_some_and(|name| self.names.contains(name));
            if !known {
                self.notes.push((
                    at.to_string(),
                    format!("`$ref` {reference} does not name a component schema: any JSON value"),
                ));
                return json!({});
            }
            let converted = json!({ "$ref": reference });
            return if nullable {
                or_null(converted)
            } else {
                converted
            };
        }
        let mut out = Map::new();
        for (key, value) in obj {
            let child_at = |rest: &str| format!("{at}/{}{rest}", escape_pointer_token(key));
            let converted = match key.as_str() {
                "properties" => match value {
                    Value::Object(props) => Value::Object(
                        props
                            .iter()
                            .map(|(name, prop)| {
                                let prop_at = child_at(&format!("/{}", escape_pointer_token(name)));
                                (name.clone(), self.schema(prop, &prop_at, depth + 1))
                            })
                            .collect(),
                    ),
                    other => other.clone(),
                },
                "items" => match value {
                    // Not OpenAPI 3.0, but JSON Schema's tuple form is clear enough.
                    Value::Array(items) => Value::Array(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, item)| {
                                self.schema(item, &child_at(&format!("/{i}")), depth + 1)
                            })
                            .collect(),
                    ),
                    item => self.schema(item, &child_at(""), depth + 1),
                },
                "not" => self.schema(value, &child_at(""), depth + 1),
                "additionalProperties" => match value {
                    Value::Bool(_) => value.clone(),
                    extra => self.schema(extra, &child_at(""), depth + 1),
                },
                "allOf" | "anyOf" | "oneOf" => match value {
                    Value::Array(members) => Value::Array(
                        members
                            .iter()
                            .enumerate()
                            .map(|(i, member)| {
                                self.schema(member, &child_at(&format!("/{i}")), depth + 1)
                            })
                            .collect(),
                    ),
                    other => other.clone(),
                },
                "example" => {
                    if !obj.get("examples").is_some_and(Value::is_array) {
                        out.insert("examples".into(), Value::Array(vec![value.clone()]));
                    }
                    continue;
                }
                // JSON Schema's `examples` (OpenAPI 3.1 style): kept when it is a list.
                "examples" if value.is_array() => value.clone(),
                RUST_TYPE_EXTENSION | forward::SECRET_EXTENSION | forward::LENIENT_EXTENSION => {
                    value.clone()
                }
                key if PLAIN_KEYWORDS.contains(&key) => value.clone(),
                // `nullable` and the bounds flags are read below; `discriminator`, `xml`,
                // `externalDocs`, other extensions and keywords OpenAPI 3.0 does not define
                // are left out.
                _ => continue,
            };
            out.insert(key.clone(), converted);
        }
        for (flag, bound) in [
            ("exclusiveMinimum", "minimum"),
            ("exclusiveMaximum", "maximum"),
        ] {
            match obj.get(flag) {
                // 3.0: a flag on the bound. Without a bound there is nothing to exclude.
                Some(Value::Bool(true)) => {
                    if let Some(value) = out.remove(bound) {
                        out.insert(flag.into(), value);
                    }
                }
                Some(Value::Bool(false)) | None => {}
                // The bound itself (JSON Schema's form), or a value deserializing rejects.
                Some(other) => {
                    out.insert(flag.into(), other.clone());
                }
            }
        }
        // typify reads `format` on strings and numbers only, and fails on the others.
        let formatted = |t: &Value| matches!(t.as_str(), Some("string" | "integer" | "number"));
        let keeps_format = match out.get("type") {
            Some(Value::Array(types)) => types.iter().any(formatted),
            Some(t) => formatted(t),
            None => false,
        };
        if !keeps_format {
            out.shift_remove("format");
        }
        if nullable {
            return nullable_form(out);
        }
        Value::Object(out)
    }
}

/// A converted schema that also accepts `null`: `null` added to its `type` (and `enum`) where
/// it has one, else the schema or a null schema (which typify makes an `Option`).
fn nullable_form(mut schema: Map<String, Value>) -> Value {
    let null = Value::String("null".into());
    match schema.get_mut("type") {
        Some(Value::String(single)) => {
            let single = Value::String(std::mem::take(single));
            schema.insert("type".into(), Value::Array(vec![single, null]));
        }
        Some(Value::Array(types)) => {
            if !types.contains(&null) {
                types.push(null);
            }
        }
        // A type that does not deserialize: left for the deserializer to reject.
        Some(_) => return Value::Object(schema),
        None => {
            let constrains = schema
                .keys()
                .any(|key| !ANNOTATIONS.contains(&key.as_str()));
            return if constrains {
                or_null(Value::Object(schema))
            } else {
                // Any value already accepts `null`.
                Value::Object(schema)
            };
        }
    }
    if let Some(Value::Array(values)) = schema.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    Value::Object(schema)
}

/// `schema` or `null`: `{"anyOf": [schema, {"type": "null"}]}`, with the annotations on the
/// outside (typify documents and names a type from there).
pub(super) fn or_null(schema: Value) -> Value {
    let mut inner = match schema {
        Value::Object(inner) => inner,
        other => return other,
    };
    let mut outer = Map::new();
    for key in ANNOTATIONS {
        if let Some(value) = inner.shift_remove(*key) {
            outer.insert((*key).into(), value);
        }
    }
    outer.insert(
        "anyOf".into(),
        json!([Value::Object(inner), { "type": "null" }]),
    );
    Value::Object(outer)
}

/// typify gives a named schema that is `anyOf` (or `oneOf`) of a schema and `null` an
/// `Option` newtype, and names the type inside it like the newtype: the schema inside is taken
/// out as a named schema of its own, `<name>Inner` (the name typify gives it for
/// `type: [T, "null"]`), and returned. For `type: [T, "null"]`, the `title` is removed: typify
/// would name the inner type after it, often the name of the newtype itself.
fn name_nullable_inner(
    name: &str,
    schema: &mut Schema,
    taken: &mut BTreeSet<String>,
) -> Option<(String, Schema)> {
    let Schema::Object(object) = schema else {
        return None;
    };
    if let Some(SingleOrVec::Vec(types)) = &object.instance_type
        && types.contains(&InstanceType::Null)
    {
        if let Some(metadata) = object.metadata.as_mut() {
            metadata.title = None;
        }
        return None;
    }
    // Only a schema that is nothing but the choice (and annotations).
    let only_subschemas = object.instance_type.is_none()
        && object.format.is_none()
        && object.enum_values.is_none()
        && object.const_value.is_none()
        && object.number.is_none()
        && object.string.is_none()
        && object.array.is_none()
        && object.object.is_none()
        && object.reference.is_none();
    if !only_subschemas {
        return None;
    }
    let subschemas = object.subschemas.as_mut()?;
    let members = match subschemas.as_mut() {
        SubschemaValidation {
            any_of: Some(members),
            all_of: None,
            one_of: None,
            not: None,
            if_schema: None,
            then_schema: None,
            else_schema: None,
        }
        | SubschemaValidation {
            one_of: Some(members),
            all_of: None,
            any_of: None,
            not: None,
            if_schema: None,
            then_schema: None,
            else_schema: None,
        } => members,
        _ => return None,
    };
    let [first, second] = members.as_mut_slice() else {
        return None;
    };
    let other = match (is_null_schema(first), is_null_schema(second)) {
        (true, false) => second,
        (false, true) => first,
        _ => return None,
    };
    if matches!(other, Schema::Object(o) if o.reference.is_some()) {
        return None;
    }
    let mut inner_name = format!("{name}Inner");
    let mut n = 2;
    while taken.contains(&inner_name) {
        inner_name = format!("{name}Inner{n}");
        n += 1;
    }
    taken.insert(inner_name.clone());
    let reference = Schema::Object(SchemaObject::new_ref(format!("{REF_PREFIX}{inner_name}")));
    let inner = std::mem::replace(other, reference);
    Some((inner_name, inner))
}

/// Whether `schema` is `{"type": "null"}`.
fn is_null_schema(schema: &Schema) -> bool {
    let null = SchemaObject {
        instance_type: Some(SingleOrVec::Single(Box::new(InstanceType::Null))),
        ..SchemaObject::default()
    };
    matches!(schema, Schema::Object(o) if *o == null)
}

/// Replaces the smallest subschemas of `schema` (an OpenAPI schema at relative pointer `at`)
/// whose conversion does not deserialize as JSON Schema with `{}`, noting each.
fn degrade_invalid(
    schema: &mut Value,
    at: &str,
    names: &BTreeSet<&str>,
    notes: &mut Vec<(String, String)>,
    depth: usize,
) {
    let deserializes = |node: &Value| -> Result<(), String> {
        let converted = to_json_schema(node, names, &mut Vec::new());
        serde_json::from_value::<Schema>(converted)
            .map(drop)
            .map_err(|e| e.to_string())
    };
    let Err(why) = deserializes(schema) else {
        return;
    };
    let mut child_failed = false;
    if depth <= MAX_DEPTH {
        for (child, child_at) in subschemas_mut(schema, at) {
            if deserializes(child).is_err() {
                child_failed = true;
                degrade_invalid(child, &child_at, names, notes, depth + 1);
            }
        }
    }
    if !child_failed || deserializes(schema).is_err() {
        notes.push((
            at.to_string(),
            format!("not a valid schema ({why}): any JSON value"),
        ));
        *schema = json!({});
    }
}

/// The subschemas of an OpenAPI schema, each with its relative pointer.
fn subschemas_mut<'v>(schema: &'v mut Value, at: &str) -> Vec<(&'v mut Value, String)> {
    let mut out = Vec::new();
    let Some(obj) = schema.as_object_mut() else {
        return out;
    };
    for (key, value) in obj.iter_mut() {
        let key_at = format!("{at}/{}", escape_pointer_token(key));
        match (key.as_str(), value) {
            ("properties", Value::Object(props)) => {
                for (name, prop) in props.iter_mut() {
                    let prop_at = format!("{key_at}/{}", escape_pointer_token(name));
                    out.push((prop, prop_at));
                }
            }
            ("allOf" | "anyOf" | "oneOf" | "items", Value::Array(members)) => {
                for (i, member) in members.iter_mut().enumerate() {
                    out.push((member, format!("{key_at}/{i}")));
                }
            }
            ("items" | "not" | "additionalProperties", child @ Value::Object(_)) => {
                out.push((child, key_at));
            }
            _ => {}
        }
    }
    out
}

/// What one successful typify run made.
struct Run {
    /// The formatted items (empty for a trial).
    text: String,
    /// Per inline schema, its Rust type.
    inline_types: Vec<String>,
    /// The crates the types use.
    uses: Uses,
    /// The group features' gates (empty for a trial, or without features).
    gates: TypePlan,
}

/// The crates generated types use, as typify reports them.
struct Uses {
    chrono: bool,
    uuid: bool,
    regress: bool,
    /// The names of the struct types.
    structs: BTreeSet<String>,
    /// The names of the newtypes around a `String`.
    string_newtypes: BTreeSet<String>,
}

/// How far a run goes after typify: a trial only checks that the output parses (item by
/// item); the final run formats it.
enum Check {
    Parse,
    Format,
}

/// typify's input, as degraded so far.
struct Engine<'r> {
    /// The types each group feature uses, to gate the items of the final run.
    roots: Option<&'r TypeRoots>,
    settings: TypeSpaceSettings,
    /// The named schemas, with the inner types [`name_nullable_inner`] took out.
    named: Vec<(String, Schema)>,
    /// Per entry of `named`: the index of the [`NamedSchema`] it comes from.
    origin: Vec<usize>,
    /// `None`: degraded to `serde_json::Value`, not given to typify.
    inline: Vec<Option<(String, Schema)>>,
}

impl Engine<'_> {
    /// One run over the current input.
    fn run(&self, check: &Check) -> Result<Run, String> {
        let named: Vec<(String, Schema)> = self.named.clone();
        let inline: Vec<Option<(&str, &Schema)>> = self
            .inline
            .iter()
            .map(|s| s.as_ref().map(|(name, schema)| (name.as_str(), schema)))
            .collect();
        self.run_on(named, &inline, check)
    }

    /// One run over `named` and the inline schemas given (`None` ones are any value).
    fn run_on(
        &self,
        named: Vec<(String, Schema)>,
        inline: &[Option<(&str, &Schema)>],
        check: &Check,
    ) -> Result<Run, String> {
        let (tokens, inline_types, uses) =
            match quiet_catch(|| typify_run(&self.settings, named, inline)) {
                Ok(Ok(made)) => made,
                Ok(Err(e)) => return Err(format!("typify refused it: {e}")),
                Err(panic) => return Err(format!("typify panicked: {panic}")),
            };
        // prettyplease and syn are run under the catch too: nothing here may panic.
        let mut gates = TypePlan::default();
        let text = match quiet_catch(|| match check {
            Check::Parse => stream::format_items(tokens, 1, &mut |_, item| {
                Ok(matches!(item, syn::Item::Mod(_)))
            })
            .map(|_| String::new()),
            Check::Format => {
                if let Some(roots) = self.roots {
                    gates = features::plan_types(&tokens, &inline_types, roots);
                }
                let mut k = 0;
                let formatted = stream::format_items(tokens, 1, &mut |path, item| {
                    if self.roots.is_some() {
                        gates.gate(k, path, item);
                    }
                    k += 1;
                    Ok(true)
                })?;
                if self.roots.is_some() && k != gates.len() {
                    return Err(format!(
                        "internal: {} items gated, {k} formatted",
                        gates.len()
                    ));
                }
                Ok(formatted.text)
            }
        }) {
            Ok(Ok(text)) => text,
            Ok(Err(e)) => return Err(format!("typify's output: {e}")),
            Err(panic) => return Err(format!("formatting typify's output panicked: {panic}")),
        };
        Ok(Run {
            text,
            inline_types,
            uses,
            gates,
        })
    }

    /// Finds the named schemas, then the inline ones, that make typify fail, and degrades each
    /// with a warning.
    fn isolate(
        &mut self,
        schemas: &[NamedSchema],
        inline: &[InlineSchema],
        report: &mut Report,
    ) -> Result<(), String> {
        let any = || Schema::Object(SchemaObject::default());
        // Named schemas, without the inline ones: a schema left out of a trial is any value
        // (its name stays, for the `$ref`s to it).
        let indices: Vec<usize> = (0..self.named.len()).collect();
        let mut budget = RUN_BUDGET;
        let named_fails = |keep: &[usize], budget: &mut usize| -> Option<String> {
            *budget = budget.saturating_sub(1);
            let trial = self
                .named
                .iter()
                .enumerate()
                .map(|(i, (name, schema))| {
                    let schema = if keep.binary_search(&i).is_ok() {
                        schema.clone()
                    } else {
                        any()
                    };
                    (name.clone(), schema)
                })
                .collect();
            self.run_on(trial, &[], &Check::Parse).err()
        };
        let found = culprits(&indices, &mut budget, &named_fails)?;
        // One warning per schema of the description (an inner type taken out of a nullable
        // one counts as that one).
        let mut warned = BTreeSet::new();
        for (i, why) in found {
            self.named[i].1 = any();
            if !warned.insert(self.origin[i]) {
                continue;
            }
            let (name, at) = schemas
                .get(self.origin[i])
                .map(|s| (s.name.as_str(), s.pointer.clone()))
                .unwrap_or_default();
            report.push(
                Severity::Warning,
                at,
                format!(
                    "schema `{name}` cannot be turned into a Rust type ({why}): it is \
                     serde_json::Value"
                ),
            );
        }

        // Inline schemas, with the named ones as repaired.
        let indices: Vec<usize> = (0..self.inline.len())
            .filter(|i| self.inline[*i].is_some())
            .collect();
        let inline_fails = |keep: &[usize], budget: &mut usize| -> Option<String> {
            *budget = budget.saturating_sub(1);
            let trial: Vec<Option<(&str, &Schema)>> = self
                .inline
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    s.as_ref()
                        .filter(|_| keep.binary_search(&i).is_ok())
                        .map(|(name, schema)| (name.as_str(), schema))
                })
                .collect();
            self.run_on(self.named.clone(), &trial, &Check::Parse).err()
        };
        let found = culprits(&indices, &mut budget, &inline_fails)?;
        for (i, why) in found {
            self.inline[i] = None;
            let (name, at) = inline
                .get(i)
                .map(|s| (s.name.as_str(), s.pointer.clone()))
                .unwrap_or_default();
            report.push(
                Severity::Warning,
                at,
                format!(
                    "inline schema `{name}` cannot be turned into a Rust type ({why}): it is \
                     serde_json::Value"
                ),
            );
        }
        Ok(())
    }
}

/// typify over `named` then the `inline` schemas: its tokens, each inline schema's type
/// (any value for `None`), and whether the types use chrono, uuid, serde_json and regress.
fn typify_run(
    settings: &TypeSpaceSettings,
    named: Vec<(String, Schema)>,
    inline: &[Option<(&str, &Schema)>],
) -> Result<(TokenStream, Vec<String>, Uses), typify::Error> {
    let mut space = TypeSpace::new(settings);
    space.add_ref_types(named)?;
    let mut ids = Vec::with_capacity(inline.len());
    for schema in inline {
        ids.push(match schema {
            Some((name, schema)) => Some(space.add_type_with_name(schema, Some((*name).into()))?),
            None => None,
        });
    }
    let mut inline_types = Vec::with_capacity(ids.len());
    for id in &ids {
        inline_types.push(match id {
            Some(id) => prelude_paths(&type_text(&space.get_type(id)?.ident())),
            None => ANY_VALUE_TYPE.to_string(),
        });
    }
    let uses = Uses {
        chrono: space.uses_chrono(),
        uuid: space.uses_uuid(),
        regress: space.uses_regress(),
        structs: space
            .iter_types()
            .filter(|ty| matches!(ty.details(), typify::TypeDetails::Struct(_)))
            .map(|ty| ty.name())
            .collect(),
        string_newtypes: space
            .iter_types()
            .filter(|ty| match ty.details() {
                typify::TypeDetails::Newtype(newtype) => space
                    .get_type(&newtype.inner())
                    .is_ok_and(|inner| matches!(inner.details(), typify::TypeDetails::String)),
                _ => false,
            })
            .map(|ty| ty.name())
            .collect(),
    };
    Ok((space.to_stream(), inline_types, uses))
}

/// A type as the operations' modules write it: the prelude's types by their short names
/// (`String`, `Vec<T>`, `Option<T>`, `Box<T>`), which no generated item shadows (type names
/// avoid them: `names::type_name`).
fn prelude_paths(text: &str) -> String {
    text.replace("::std::string::String", "String")
        .replace("::std::vec::Vec<", "Vec<")
        .replace("::std::option::Option<", "Option<")
        .replace("::std::boxed::Box<", "Box<")
}

thread_local! {
    /// Set while this thread runs typify: a panic message is stored here, not printed.
    static CAPTURE: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Installs (once per process) a panic hook that stays silent for panics inside
/// [`quiet_catch`] on the same thread and defers to the previous hook otherwise.
fn install_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let captured = CAPTURE.with(|c| {
                let Ok(mut c) = c.try_borrow_mut() else {
                    return false;
                };
                let Some(slot) = c.as_mut() else {
                    return false;
                };
                let message = info
                    .payload()
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown panic".into());
                *slot = message.lines().next().unwrap_or("").to_string();
                true
            });
            if !captured {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into `Err(message)` without printing it.
fn quiet_catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    let outer = CAPTURE.with(|c| c.borrow_mut().replace(String::new()));
    let result = std::panic::catch_unwind(AssertUnwindSafe(f));
    let message = CAPTURE.with(|c| std::mem::replace(&mut *c.borrow_mut(), outer));
    result.map_err(|_| message.unwrap_or_default())
}

/// The members of `all` whose presence makes `fails` fail, found by halving, each with the
/// failure message. When only a group fails together, the whole group is returned.
fn culprits<T: Clone>(
    all: &[T],
    budget: &mut usize,
    fails: &dyn Fn(&[T], &mut usize) -> Option<String>,
) -> Result<Vec<(T, String)>, String> {
    fn search<T: Clone>(
        items: &[T],
        why: String,
        budget: &mut usize,
        fails: &dyn Fn(&[T], &mut usize) -> Option<String>,
        out: &mut Vec<(T, String)>,
    ) -> Result<(), String> {
        if let [item] = items {
            out.push((item.clone(), why));
            return Ok(());
        }
        if *budget == 0 {
            return Err("too many failures to isolate them one by one".into());
        }
        let (a, b) = items.split_at(items.len() / 2);
        let before = out.len();
        for half in [a, b] {
            if let Some(why) = fails(half, budget) {
                search(half, why, budget, fails, out)?;
            }
        }
        if out.len() == before {
            out.extend(items.iter().cloned().map(|i| (i, why.clone())));
        }
        Ok(())
    }
    let mut out = Vec::new();
    if all.is_empty() {
        return Ok(out);
    }
    if let Some(why) = fails(all, budget) {
        search(all, why, budget, fails, &mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert_one(schema: Value) -> (Value, Vec<(String, String)>) {
        let names: BTreeSet<&str> = ["Pet"].into_iter().collect();
        let mut notes = Vec::new();
        let converted = to_json_schema(&schema, &names, &mut notes);
        (converted, notes)
    }

    fn converted(schema: Value) -> Value {
        let (converted, notes) = convert_one(schema);
        assert!(notes.is_empty(), "{notes:?}");
        converted
    }

    #[test]
    fn a_nullable_type_lists_null() {
        assert_eq!(
            converted(json!({"type": "string", "nullable": true, "maxLength": 3})),
            json!({"type": ["string", "null"], "maxLength": 3})
        );
        assert_eq!(
            converted(json!({"type": "string", "nullable": false})),
            json!({"type": "string"})
        );
    }

    #[test]
    fn a_nullable_enum_lists_null_among_its_values() {
        assert_eq!(
            converted(json!({"type": "string", "enum": ["a", "b"], "nullable": true})),
            json!({"type": ["string", "null"], "enum": ["a", "b", null]})
        );
        assert_eq!(
            converted(json!({"type": "string", "enum": ["a", null], "nullable": true})),
            json!({"type": ["string", "null"], "enum": ["a", null]})
        );
    }

    #[test]
    fn a_nullable_ref_or_untyped_schema_is_any_of_it_and_null() {
        assert_eq!(
            converted(json!({
                "$ref": "#/components/schemas/Pet",
                "nullable": true,
                "description": "ignored"
            })),
            json!({"anyOf": [{"$ref": "#/components/schemas/Pet"}, {"type": "null"}]})
        );
        assert_eq!(
            converted(json!({
                "allOf": [{"$ref": "#/components/schemas/Pet"}],
                "nullable": true,
                "description": "A pet or nothing"
            })),
            json!({
                "description": "A pet or nothing",
                "anyOf": [{"allOf": [{"$ref": "#/components/schemas/Pet"}]}, {"type": "null"}]
            })
        );
        // Any value already accepts null.
        assert_eq!(
            converted(json!({"nullable": true, "description": "anything"})),
            json!({"description": "anything"})
        );
    }

    #[test]
    fn boolean_exclusive_bounds_become_numeric_ones() {
        assert_eq!(
            converted(json!({
                "type": "number",
                "minimum": 1,
                "exclusiveMinimum": true,
                "maximum": 5,
                "exclusiveMaximum": false
            })),
            json!({"type": "number", "exclusiveMinimum": 1, "maximum": 5})
        );
        // A flag without a bound excludes nothing.
        assert_eq!(
            converted(json!({"type": "integer", "exclusiveMaximum": true})),
            json!({"type": "integer"})
        );
    }

    #[test]
    fn an_example_becomes_examples() {
        assert_eq!(
            converted(json!({"type": "string", "example": "Rex"})),
            json!({"type": "string", "examples": ["Rex"]})
        );
    }

    #[test]
    fn keywords_typify_does_not_read_are_dropped() {
        assert_eq!(
            converted(json!({
                "type": "object",
                "format": "map",
                "discriminator": {"propertyName": "kind"},
                "xml": {"name": "pet"},
                "externalDocs": {"url": "https://example.com"},
                "x-go-name": "Pet",
                "x-rust-type": {"crate": "pets", "version": "1.0.0", "path": "pets::Pet"},
                "collectionFormat": "csv",
                "properties": {"born": {"type": "string", "format": "date-time", "xml": {}}}
            })),
            json!({
                "type": "object",
                "x-rust-type": {"crate": "pets", "version": "1.0.0", "path": "pets::Pet"},
                "properties": {"born": {"type": "string", "format": "date-time"}}
            })
        );
    }

    #[test]
    fn subschemas_are_converted_and_non_objects_are_any_value() {
        assert_eq!(
            converted(json!({
                "type": "object",
                "properties": {
                    "tags": {"type": "array", "items": {"type": "string", "nullable": true}},
                    "any": true
                },
                "additionalProperties": {"oneOf": [{"type": "integer", "example": 1}, {}]},
                "not": {"type": "boolean", "nullable": true}
            })),
            json!({
                "type": "object",
                "properties": {
                    "tags": {"type": "array", "items": {"type": ["string", "null"]}},
                    "any": {}
                },
                "additionalProperties": {"oneOf": [{"type": "integer", "examples": [1]}, {}]},
                "not": {"type": ["boolean", "null"]}
            })
        );
    }

    #[test]
    fn a_ref_to_no_named_schema_is_any_value_with_a_note() {
        let (value, notes) = convert_one(json!({
            "properties": {"owner": {"$ref": "#/components/schemas/Person"}}
        }));
        assert_eq!(value, json!({"properties": {"owner": {}}}));
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].0, "/properties/owner");
        assert!(notes[0].1.contains("Person"), "{}", notes[0].1);
    }

    fn doc() -> SourceDoc {
        crate::load::parse_text("api.yaml", "openapi: 3.0.3\n").expect("a document")
    }

    fn named(name: &str, schema: Value) -> NamedSchema {
        NamedSchema {
            name: name.into(),
            pointer: format!("/components/schemas/{name}"),
            schema,
        }
    }

    fn inline(name: &str, schema: Value) -> InlineSchema {
        InlineSchema {
            name: name.into(),
            pointer: format!("/paths/~1audio/get/parameters/{name}/schema"),
            schema,
        }
    }

    fn pet() -> NamedSchema {
        named(
            "Pet",
            json!({
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "born": {"type": "string", "format": "date-time"},
                    "id": {"type": "string", "format": "uuid"}
                }
            }),
        )
    }

    fn run(schemas: &[NamedSchema], inline: &[InlineSchema]) -> Types {
        generate(&doc(), schemas, inline, &TypeSettings::new(), None).expect("types")
    }

    /// The text parses inside `mod types`, and is what prettyplease prints for that module.
    fn assert_formatted(text: &str) {
        let module = format!("mod types {{\n{text}}}\n");
        let file = syn::parse_file(&module).expect("the types parse");
        assert_eq!(prettyplease::unparse(&file), module);
    }

    #[test]
    fn named_and_inline_schemas_become_types() {
        let types = run(
            &[pet()],
            &[
                inline(
                    "AudioDownloadAudioFormat",
                    json!({"type": "string", "enum": ["mp3", "wav"]}),
                ),
                inline("Plain", json!({"type": "string"})),
                inline(
                    "Pets",
                    json!({"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}),
                ),
                inline("Count", json!({"type": "integer", "format": "int32"})),
                inline("Anything", json!({})),
                inline(
                    "MaybePet",
                    json!({"$ref": "#/components/schemas/Pet", "nullable": true}),
                ),
            ],
        );
        assert_eq!(
            types.inline_types,
            [
                "types::AudioDownloadAudioFormat",
                "String",
                "Vec<types::Pet>",
                "i32",
                "::serde_json::Value",
                "Option<types::Pet>",
            ]
        );
        assert_formatted(&types.text);
        assert!(
            types.text.contains("    pub struct Pet {\n"),
            "{}",
            types.text
        );
        assert!(
            types
                .text
                .contains("    pub enum AudioDownloadAudioFormat {\n")
        );
        assert!(types.text.contains("    pub mod builder {\n"));
        assert!(types.uses_chrono && types.uses_uuid);
        assert!(!types.uses_regress);
        assert!(types.warnings.is_empty(), "{}", types.warnings);
    }

    #[test]
    fn uses_are_reported_for_what_the_types_need() {
        let plain = run(
            &[named("Name", json!({"type": "string"}))],
            &[inline("Size", json!({"type": "integer"}))],
        );
        assert!(!plain.uses_chrono && !plain.uses_uuid);
        let dated = run(
            &[named(
                "Event",
                json!({"properties": {"at": {"type": "string", "format": "date-time"}}}),
            )],
            &[],
        );
        assert!(dated.uses_chrono && !dated.uses_uuid);
        let identified = run(
            &[],
            &[inline("Id", json!({"type": "string", "format": "uuid"}))],
        );
        assert_eq!(identified.inline_types, ["::uuid::Uuid"]);
        assert!(identified.uses_uuid && !identified.uses_chrono);
        let patterned = run(
            &[named(
                "Code",
                json!({"type": "string", "pattern": "^[A-Z]{3}$"}),
            )],
            &[],
        );
        assert!(patterned.uses_regress);
    }

    #[test]
    fn a_nullable_named_schema_is_an_option_of_an_inner_type() {
        let types = run(
            &[
                pet(),
                named(
                    "MaybeObject",
                    json!({
                        "type": "object",
                        "title": "MaybeObject",
                        "nullable": true,
                        "properties": {"x": {"type": "integer"}}
                    }),
                ),
                named(
                    "MaybeUntyped",
                    json!({"properties": {"x": {"type": "integer"}}, "nullable": true}),
                ),
                named(
                    "MaybeMore",
                    json!({
                        "allOf": [
                            {"$ref": "#/components/schemas/Pet"},
                            {"properties": {"y": {"type": "string"}}}
                        ],
                        "nullable": true
                    }),
                ),
                named(
                    "MaybePet",
                    json!({"$ref": "#/components/schemas/Pet", "nullable": true}),
                ),
            ],
            &[],
        );
        assert_formatted(&types.text);
        for name in ["MaybeObject", "MaybeUntyped", "MaybeMore"] {
            assert!(
                types.text.contains(&format!(
                    "pub struct {name}(pub ::std::option::Option<{name}Inner>);"
                )),
                "{name}: {}",
                types.text
            );
            assert_eq!(
                types
                    .text
                    .matches(&format!("\n    pub struct {name}Inner {{"))
                    .count(),
                1,
                "{name}"
            );
        }
        assert!(
            types
                .text
                .contains("pub struct MaybePet(pub ::std::option::Option<Pet>);")
        );
    }

    #[test]
    fn schemas_typify_refuses_or_panics_on_are_any_value_with_a_warning() {
        let types = run(
            &[
                pet(),
                // typify refuses a pattern its regex engine does not compile.
                named("Code", json!({"type": "string", "pattern": "("})),
                // typify panics (`todo!`) on `not` of an object schema.
                named(
                    "NotAnObject",
                    json!({"not": {"properties": {"a": {"type": "string"}}}}),
                ),
                named(
                    "Owner",
                    json!({"properties": {
                        "code": {"$ref": "#/components/schemas/Code"},
                        "pet": {"$ref": "#/components/schemas/Pet"}
                    }}),
                ),
            ],
            &[
                inline("BadInline", json!({"type": "string", "pattern": "(["})),
                inline("Fine", json!({"type": "boolean"})),
            ],
        );
        assert_formatted(&types.text);
        assert!(
            types
                .text
                .contains("pub struct Code(pub ::serde_json::Value);")
        );
        assert!(
            types
                .text
                .contains("pub struct NotAnObject(pub ::serde_json::Value);")
        );
        assert!(types.text.contains("pub struct Owner {"));
        assert!(types.text.contains("pub struct Pet {"));
        assert_eq!(types.inline_types, ["::serde_json::Value", "bool"]);

        let warnings: Vec<_> = types.warnings.iter().collect();
        assert_eq!(warnings.len(), 3, "{}", types.warnings);
        assert_eq!(warnings[0].pointer, "/components/schemas/Code");
        assert!(
            warnings[0].message.contains("schema `Code`")
                && warnings[0].message.contains("typify refused it"),
            "{}",
            warnings[0].message
        );
        assert_eq!(warnings[1].pointer, "/components/schemas/NotAnObject");
        assert!(
            warnings[1].message.contains("typify panicked"),
            "{}",
            warnings[1].message
        );
        assert_eq!(
            warnings[2].pointer,
            "/paths/~1audio/get/parameters/BadInline/schema"
        );
        assert!(warnings[2].message.contains("inline schema `BadInline`"));
    }

    #[test]
    fn a_failing_nullable_schema_is_warned_about_once() {
        let types = run(
            &[named(
                "MaybeCode",
                json!({"allOf": [{"type": "string", "pattern": "("}], "nullable": true}),
            )],
            &[],
        );
        assert_formatted(&types.text);
        assert!(
            types
                .text
                .contains("pub struct MaybeCodeInner(pub ::serde_json::Value);"),
            "{}",
            types.text
        );
        let warnings: Vec<_> = types.warnings.iter().collect();
        assert_eq!(warnings.len(), 1, "{}", types.warnings);
        assert!(warnings[0].message.contains("schema `MaybeCode`"));
    }

    #[test]
    fn a_subschema_that_is_not_json_schema_is_any_value_with_a_warning() {
        let types = run(
            &[named(
                "Upload",
                json!({"type": "object", "properties": {
                    "file": {"type": "file"},
                    "name": {"type": "string", "minLength": 1}
                }}),
            )],
            &[],
        );
        assert_formatted(&types.text);
        assert!(
            types
                .text
                .contains("pub file: ::std::option::Option<::serde_json::Value>,")
        );
        assert!(
            types
                .text
                .contains("pub name: ::std::option::Option<UploadName>,")
        );
        let warnings: Vec<_> = types.warnings.iter().collect();
        assert_eq!(warnings.len(), 1, "{}", types.warnings);
        assert_eq!(
            warnings[0].pointer,
            "/components/schemas/Upload/properties/file"
        );
        assert!(warnings[0].message.contains("not a valid schema"));
    }

    #[test]
    fn deep_schemas_are_cut_at_the_depth_limit_without_overflowing() {
        let mut schema = json!({"type": "string"});
        for _ in 0..MAX_DEPTH + 6 {
            schema = json!({"type": "object", "properties": {"next": schema}});
        }
        let types = run(&[named("Deep", schema)], &[]);
        assert_formatted(&types.text);
        let warnings: Vec<_> = types.warnings.iter().collect();
        assert_eq!(warnings.len(), 1, "{}", types.warnings);
        assert!(warnings[0].message.contains("nested more than"));
        assert!(warnings[0].pointer.ends_with("/properties/next"));
    }

    #[test]
    fn generating_twice_gives_the_same_text() {
        let schemas = [
            pet(),
            named(
                "Kind",
                json!({"oneOf": [
                    {"$ref": "#/components/schemas/Pet"},
                    {"type": "string", "enum": ["none"]}
                ]}),
            ),
            named("Code", json!({"type": "string", "pattern": "("})),
        ];
        let inline = [inline(
            "Filter",
            json!({"type": "object", "additionalProperties": {"type": "integer"}}),
        )];
        let first = run(&schemas, &inline);
        let second = run(&schemas, &inline);
        assert_eq!(first.text, second.text);
        assert_eq!(first.inline_types, second.inline_types);
        assert_eq!(first.warnings, second.warnings);
    }

    #[test]
    fn settings_reach_typify() {
        let settings = TypeSettings {
            extra_derives: vec!["PartialEq".into()],
            struct_builders: false,
            patches: vec![(
                "Owner".into(),
                TypePatchSpec {
                    rename: Some("Keeper".into()),
                    derives: vec!["Eq".into()],
                },
            )],
            replacements: vec![("Pet".into(), "::pets::Pet".into())],
            conversions: vec![(
                json!({"type": "string", "format": "decimal"}),
                "::rust_decimal::Decimal".into(),
            )],
        };
        let types = generate(
            &doc(),
            &[
                pet(),
                named(
                    "Owner",
                    json!({"type": "object", "properties": {
                        "pets": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}},
                        "balance": {"type": "string", "format": "decimal", "description": "Money"}
                    }}),
                ),
            ],
            &[inline(
                "Owners",
                json!({"type": "array", "items": {"$ref": "#/components/schemas/Owner"}}),
            )],
            &settings,
            None,
        )
        .expect("types");
        assert_formatted(&types.text);
        assert_eq!(types.inline_types, ["Vec<types::Keeper>"]);
        assert!(types.text.contains("pub struct Keeper {"), "{}", types.text);
        assert!(!types.text.contains("pub struct Pet"));
        assert!(types.text.contains("::std::vec::Vec<::pets::Pet>"));
        assert!(
            types
                .text
                .contains("::std::option::Option<::rust_decimal::Decimal>")
        );
        assert!(types.text.contains("PartialEq"));
        assert!(!types.text.contains("pub mod builder"));
    }

    #[test]
    fn settings_that_are_not_rust_are_errors() {
        let settings = TypeSettings {
            extra_derives: vec!["Partial Eq".into()],
            replacements: vec![("Pet".into(), "not a type".into())],
            ..TypeSettings::new()
        };
        let Err(errors) = generate(&doc(), &[pet()], &[], &settings, None) else {
            panic!("bad settings are accepted");
        };
        assert_eq!(errors.errors().count(), 2, "{errors}");
    }

    #[test]
    fn panics_are_caught_without_printing() {
        let r: Result<(), String> = quiet_catch(|| panic!("boom {}", 42));
        assert_eq!(r.unwrap_err(), "boom 42");
        assert_eq!(quiet_catch(|| 7).unwrap(), 7);
        let nested = quiet_catch(|| {
            let inner: Result<(), String> = quiet_catch(|| panic!("inner"));
            assert_eq!(inner.unwrap_err(), "inner");
            panic!("outer")
        });
        assert_eq!(nested.unwrap_err(), "outer");
    }

    #[test]
    fn culprits_are_found_by_halving() {
        let all: Vec<u32> = (0..40).collect();
        let mut budget = 100;
        let fails = |keep: &[u32], _: &mut usize| {
            keep.iter()
                .find(|n| **n == 7 || **n == 31)
                .map(|n| format!("bad {n}"))
        };
        let found = culprits(&all, &mut budget, &fails).unwrap();
        assert_eq!(
            found,
            vec![(7, "bad 7".to_string()), (31, "bad 31".to_string())]
        );
    }

    #[test]
    fn a_group_that_only_fails_together_is_returned_whole() {
        let all = vec![1, 2];
        let mut budget = 10;
        let fails = |keep: &[i32], _: &mut usize| (keep.len() == 2).then(|| "pair".to_string());
        let found = culprits(&all, &mut budget, &fails).unwrap();
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn isolation_stops_when_its_budget_is_spent() {
        let all: Vec<u32> = (0..64).collect();
        let mut budget = 3;
        let fails = |keep: &[u32], budget: &mut usize| {
            *budget = budget.saturating_sub(1);
            (!keep.is_empty()).then(|| "every one fails".to_string())
        };
        assert!(culprits(&all, &mut budget, &fails).is_err());
    }
}
