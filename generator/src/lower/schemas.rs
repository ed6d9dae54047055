//! Lowering's pass over every schema that becomes a Rust type: `$ref`s renamed to the Rust
//! names lowering chose, and what typify cannot take repaired, each repair a warning that names
//! its JSON pointer:
//!
//! - duplicate or nameless enum values, defaults that do not fit their type, bound flags without
//!   a bound, annotation-only `additionalProperties`, and `$ref`s to anything but a component
//!   schema;
//! - two properties with one Rust field name (the later is left out);
//! - titles and inline types (objects, enums, unions, checked strings) that typify would name
//!   like a component (renamed apart).

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase;
use serde_json::{Map, Value, json};

use crate::diagnostic::{Diagnostics, Severity, escape_pointer_token};
use crate::ir::{InlineSchema, NamedSchema};
use crate::load::SourceDoc;
use crate::names::field_name as rust_name;

/// typify names the inline type of a component's array items `NameItem` and of its property
/// `p` (its own, or an `allOf` member's) `NameP` (see [`named_by_typify`]). When a component already has that name, the
/// inline schema becomes a `$ref` to it if the two are the same schema (descriptions aside),
/// and otherwise gets a title that typify names it after instead.
fn name_inline_types_apart(schemas: &mut Map<String, Value>, names: &BTreeSet<String>) {
    let by_camel: BTreeMap<String, &String> = schemas
        .keys()
        .map(|key| (key.to_upper_camel_case(), key))
        .collect();
    let without_docs = |schema: &Value| -> Value {
        let mut schema = schema.clone();
        if let Some(obj) = schema.as_object_mut() {
            for key in ["description", "title", "example"] {
                obj.shift_remove(key);
            }
        }
        schema
    };
    // (component, JSON pointer of the inline schema inside it, the component it collides with,
    // whether the two are the same schema)
    let mut fixes: Vec<(String, String, String, bool)> = Vec::new();
    for (key, schema) in schemas.iter() {
        let base = key.to_upper_camel_case();
        let mut children: Vec<(String, String, &Value)> = Vec::new();
        if let Some(items) = schema.get("items") {
            children.push(("/items".into(), format!("{base}Item"), items));
        }
        // Properties of the schema, and of its `allOf` members, which typify merges into it.
        let mut holders: Vec<(String, &Value)> = vec![(String::new(), schema)];
        if let Some(members) = schema.get("allOf").and_then(Value::as_array) {
            holders.extend(
                members
                    .iter()
                    .enumerate()
                    .map(|(i, member)| (format!("/allOf/{i}"), member)),
            );
        }
        for (prefix, holder) in holders {
            if let Some(props) = holder.get("properties").and_then(Value::as_object) {
                for (prop, child) in props {
                    let at = format!("{prefix}/properties/{}", escape_pointer_token(prop));
                    children.push((at, format!("{base}{}", prop.to_upper_camel_case()), child));
                }
            }
        }
        for (at, derived, child) in children {
            if !named_by_typify(child) {
                continue;
            }
            if let Some(target) = by_camel.get(&derived).filter(|t| **t != key) {
                let same = without_docs(child) == without_docs(&schemas[target.as_str()]);
                fixes.push((key.clone(), at, (*target).clone(), same));
            }
        }
    }
    for (key, at, target, same) in fixes {
        let Some(child) = schemas.get_mut(&key).and_then(|s| s.pointer_mut(&at)) else {
            continue;
        };
        if same {
            *child = json!({ "$ref": format!("#/components/schemas/{target}") });
        } else if let Some(obj) = child.as_object_mut() {
            let mut title = format!("{}Inline", target.to_upper_camel_case());
            while names.contains(&title) {
                title.push('_');
            }
            obj.insert("title".into(), Value::String(title));
        }
    }
}

/// Whether typify defines a type of its own for this inline schema, and so names it after its
/// parent: an object, an enum, a `oneOf`/`anyOf`/`allOf`, or a string with a length or
/// pattern (a newtype that checks them, as apideck.com's `Company.name` with `minLength`). A
/// `$ref` or a titled schema is named otherwise; a plain scalar or array is a built-in type.
fn named_by_typify(schema: &Value) -> bool {
    let Some(c) = schema.as_object() else {
        return false;
    };
    if c.contains_key("$ref") || c.contains_key("title") {
        return false;
    }
    let is = |ty: &str| c.get("type") == Some(&json!(ty));
    c.contains_key("properties")
        || is("object")
        || c.contains_key("enum")
        || ["oneOf", "anyOf", "allOf"]
            .iter()
            .any(|k| c.contains_key(*k))
        || (is("string")
            && ["minLength", "maxLength", "pattern"]
                .iter()
                .any(|k| c.contains_key(*k)))
}

/// Removes a schema's `title` where typify would name a type after it and that name is already
/// a component's: bundlers copy component schemas inline, title included, and typify would
/// then define the type twice. `keep_own` keeps the title of `node` itself (a component root
/// may be titled with its own name).
fn strip_colliding_titles(
    node: &mut Value,
    names: &BTreeSet<String>,
    keep_own: bool,
    depth: usize,
) {
    if depth > 128 {
        return;
    }
    match node {
        Value::Object(obj) => {
            let is_schema = [
                "type",
                "properties",
                "items",
                "allOf",
                "anyOf",
                "oneOf",
                "enum",
            ]
            .iter()
            .any(|k| obj.contains_key(*k));
            if !keep_own
                && is_schema
                && obj
                    .get("title")
                    .and_then(Value::as_str)
                    .is_some_and(|t| names.contains(&t.to_upper_camel_case()))
            {
                obj.shift_remove("title");
            }
            for child in obj.values_mut() {
                strip_colliding_titles(child, names, false, depth + 1);
            }
        }
        Value::Array(items) => {
            for child in items {
                strip_colliding_titles(child, names, false, depth + 1);
            }
        }
        _ => {}
    }
}

/// Schema keywords that describe a value without constraining it.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "example",
    "deprecated",
    "readOnly",
    "writeOnly",
    "externalDocs",
    "nullable",
];

/// Individual warnings kept per kind of fallback; the rest are counted in one summary warning.
const WARNINGS_PER_KIND: usize = 25;

/// The schema repairs of one description, with their warnings.
pub(crate) struct SchemaRepair<'a> {
    doc: &'a SourceDoc,
    /// Component key -> Rust type name.
    type_names: &'a BTreeMap<String, String>,
    /// The Rust names `$ref`s may point at.
    names: BTreeSet<String>,
    warnings: Diagnostics,
    per_kind: BTreeMap<&'static str, usize>,
}

impl<'a> SchemaRepair<'a> {
    /// Repairs for a document whose component keys get the Rust names in `type_names`.
    pub fn new(doc: &'a SourceDoc, type_names: &'a BTreeMap<String, String>) -> Self {
        Self {
            doc,
            type_names,
            names: type_names.values().cloned().collect(),
            warnings: Diagnostics::new(),
            per_kind: BTreeMap::new(),
        }
    }

    /// Renames the `$ref`s in `schema` and repairs it; `at` is its pointer.
    pub fn repair(&mut self, schema: &mut Value, at: &str) {
        let doc = self.doc;
        self.schema(&doc.value, schema, at, 0);
    }

    /// The repairs across schemas (titles and inline types typify would name like a
    /// component), then the warnings, with a count of those of a kind past the first few.
    pub fn finish(self, schemas: &mut [NamedSchema], inline: &mut [InlineSchema]) -> Diagnostics {
        let camel_names: BTreeSet<String> =
            self.names.iter().map(|n| n.to_upper_camel_case()).collect();
        let mut map: Map<String, Value> = schemas
            .iter_mut()
            .map(|s| (s.name.clone(), std::mem::take(&mut s.schema)))
            .collect();
        name_inline_types_apart(&mut map, &camel_names);
        for schema in schemas.iter_mut() {
            if let Some(value) = map.shift_remove(&schema.name) {
                schema.schema = value;
            }
            // typify wraps a nullable component object in a newtype and names the inner struct
            // after its `title`: a title equal to a component name makes two types of one name.
            if let Some(obj) = schema.schema.as_object_mut()
                && obj.get("nullable") == Some(&Value::Bool(true))
                && obj.contains_key("title")
            {
                obj.shift_remove("title");
            }
            strip_colliding_titles(&mut schema.schema, &camel_names, true, 0);
        }
        for schema in inline.iter_mut() {
            strip_colliding_titles(&mut schema.schema, &camel_names, false, 0);
        }
        let mut warnings = self.warnings;
        for (kind, n) in &self.per_kind {
            if *n > WARNINGS_PER_KIND {
                warnings.push(self.doc.diagnostic(
                    Severity::Warning,
                    "",
                    format!(
                        "{} more fallback(s) of the kind \"{kind}\" not listed",
                        n - WARNINGS_PER_KIND
                    ),
                ));
            }
        }
        warnings
    }
}

impl SchemaRepair<'_> {
    fn warn(&mut self, kind: &'static str, at: &str, message: String) {
        let n = self.per_kind.entry(kind).or_insert(0);
        *n += 1;
        if *n <= WARNINGS_PER_KIND {
            let d = self.doc.diagnostic(Severity::Warning, at, message);
            self.warnings.push(d);
        }
    }

    /// Repairs one schema and its subschemas.
    fn schema(&mut self, root: &Value, schema: &mut Value, at: &str, depth: usize) {
        if depth > 64 {
            return;
        }
        let Some(obj) = schema.as_object_mut() else {
            // `true`/`false` schemas and other non-objects: any value.
            if !schema.is_object() {
                *schema = json!({});
            }
            return;
        };
        if let Some(reference) = obj.get("$ref").and_then(Value::as_str).map(str::to_string) {
            let target = reference
                .strip_prefix("#/components/schemas/")
                .and_then(|key| self.type_names.get(key));
            if let Some(name) = target {
                // Siblings of a `$ref` are ignored in 3.0.
                obj.clear();
                obj.insert(
                    "$ref".into(),
                    Value::String(format!("#/components/schemas/{name}")),
                );
                return;
            }
            let inlined = if depth < 8 {
                reference
                    .strip_prefix('#')
                    .and_then(|p| root.pointer(p))
                    .cloned()
            } else {
                None
            };
            self.warn(
                "non-component ref",
                at,
                format!(
                    "`$ref` `{reference}` does not name a component schema: {}",
                    if inlined.is_some() {
                        "its target is inlined"
                    } else {
                        "treated as any JSON value"
                    }
                ),
            );
            *schema = inlined.unwrap_or_else(|| json!({}));
            self.schema(root, schema, at, depth + 1);
            return;
        }
        self.enumeration(obj, at);
        self.default_value(obj, at);
        self.colliding_properties(obj, at);
        for (flag, bound) in [
            ("exclusiveMinimum", "minimum"),
            ("exclusiveMaximum", "maximum"),
        ] {
            if obj.contains_key(flag) && !obj.contains_key(bound) {
                obj.remove(flag);
            }
        }
        // `additionalProperties` that only annotates (`{}`, `{description: ..}`) allows any
        // value, as `true` does. typify merges such a schema into each property of an `allOf`
        // sibling and names the merged type like a component that may exist (zuora.com), while
        // `true` merges into nothing.
        if let Some(Value::Object(extra)) = obj.get("additionalProperties")
            && extra
                .keys()
                .all(|k| ANNOTATIONS.contains(&k.as_str()) || k.starts_with("x-"))
        {
            obj.insert("additionalProperties".into(), Value::Bool(true));
        }
        // Subschemas.
        let mut children: Vec<(&mut Value, String)> = Vec::new();
        for (key, value) in obj.iter_mut() {
            match key.as_str() {
                "properties" => {
                    if let Some(props) = value.as_object_mut() {
                        for (name, prop) in props.iter_mut() {
                            let p_at = format!("{at}/properties/{}", escape_pointer_token(name));
                            children.push((prop, p_at));
                        }
                    }
                }
                "items" | "not" => children.push((value, format!("{at}/{key}"))),
                "additionalProperties" if value.is_object() => {
                    children.push((value, format!("{at}/{key}")))
                }
                "allOf" | "anyOf" | "oneOf" => {
                    if let Some(items) = value.as_array_mut() {
                        for (i, item) in items.iter_mut().enumerate() {
                            children.push((item, format!("{at}/{key}/{i}")));
                        }
                    }
                }
                _ => {}
            }
        }
        for (child, c_at) in children {
            self.schema(root, child, &c_at, depth + 1);
        }
    }

    /// Two properties typify would make one Rust field of (`jsonSchema` and `json_schema`):
    /// the later one is left out of the type, and an object that forbade unknown properties
    /// then accepts (and ignores) it, so that a body carrying it still decodes.
    fn colliding_properties(&mut self, obj: &mut Map<String, Value>, at: &str) {
        let Some(Value::Object(props)) = obj.get("properties") else {
            return;
        };
        let mut fields: BTreeMap<String, String> = BTreeMap::new();
        // (property left out, the property whose field it would be)
        let mut colliding: Vec<(String, String)> = Vec::new();
        for name in props.keys() {
            match fields.get(&rust_name(name)) {
                Some(first) => colliding.push((name.clone(), first.clone())),
                None => {
                    fields.insert(rust_name(name), name.clone());
                }
            }
        }
        // typify gives a required name that is not a property a field of its own.
        let mut unrequired: Vec<(String, String)> = Vec::new();
        if let Some(Value::Array(required)) = obj.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !props.contains_key(name)
                    && let Some(property) = fields.get(&rust_name(name))
                {
                    unrequired.push((name.to_string(), property.clone()));
                }
            }
        }
        if colliding.is_empty() && unrequired.is_empty() {
            return;
        }
        if let Some(Value::Object(props)) = obj.get_mut("properties") {
            for (name, _) in &colliding {
                props.shift_remove(name);
            }
        }
        for (name, first) in &colliding {
            self.warn(
                "colliding property",
                &format!("{at}/properties/{}", escape_pointer_token(name)),
                format!(
                    "property `{name}` has the same Rust field name as `{first}`: left out of \
                     the type (accepted and ignored when received)"
                ),
            );
        }
        for (name, property) in &unrequired {
            self.warn(
                "colliding property",
                &format!("{at}/required"),
                format!(
                    "required `{name}` is not a property, and its Rust field name is that of \
                     property `{property}`: no longer required"
                ),
            );
        }
        if let Some(Value::Array(required)) = obj.get_mut("required") {
            required.retain(|r| {
                !colliding
                    .iter()
                    .chain(&unrequired)
                    .any(|(name, _)| r.as_str() == Some(name))
            });
        }
        if !colliding.is_empty() && obj.get("additionalProperties") == Some(&Value::Bool(false)) {
            obj.shift_remove("additionalProperties");
        }
    }

    /// Enum values typify cannot name apart: duplicates are removed; a string enum whose values
    /// collide once reduced to letters and digits becomes a plain string.
    fn enumeration(&mut self, obj: &mut Map<String, Value>, at: &str) {
        let Some(Value::Array(values)) = obj.get_mut("enum") else {
            return;
        };
        let mut seen = Vec::new();
        values.retain(|v| {
            if seen.contains(v) {
                false
            } else {
                seen.push(v.clone());
                true
            }
        });
        let strings: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        if strings.is_empty() {
            return;
        }
        let mut names = BTreeSet::new();
        let collide = strings.iter().any(|s| {
            let name: String = s
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase();
            name.is_empty() || !names.insert(name)
        });
        let mixed = strings.len() != values.len();
        if collide || mixed {
            obj.remove("enum");
            if !obj.contains_key("type") && !mixed {
                obj.insert("type".into(), Value::String("string".into()));
            }
            self.warn(
                "enum",
                &format!("{at}/enum"),
                format!(
                    "enum values {} cannot all be told apart as Rust variants: the value is a \
                     plain {}",
                    if mixed {
                        "of mixed types"
                    } else {
                        "that differ only in punctuation or case"
                    },
                    if mixed { "JSON value" } else { "string" }
                ),
            );
        }
    }

    /// A `default` that does not fit the schema's type (or enum) is dropped.
    fn default_value(&mut self, obj: &mut Map<String, Value>, at: &str) {
        let Some(default) = obj.get("default") else {
            return;
        };
        let fits_type = match obj.get("type").and_then(Value::as_str) {
            Some("string") => default.is_string(),
            Some("integer") => default.is_i64() || default.is_u64(),
            Some("number") => default.is_number(),
            Some("boolean") => default.is_boolean(),
            Some("array") => default.is_array(),
            Some("object") => default.is_object(),
            _ => !default.is_null(),
        };
        let fits_enum = match obj.get("enum") {
            Some(Value::Array(values)) => values.contains(default),
            _ => true,
        };
        let nullable_null = default.is_null()
            && obj
                .get("nullable")
                .and_then(Value::as_bool)
                .unwrap_or(false);
        // typify makes a positive integer `NonZero`, which has no `Default`.
        let positive_integer = obj.get("type").and_then(Value::as_str) == Some("integer")
            && obj
                .get("minimum")
                .and_then(Value::as_f64)
                .is_some_and(|m| m > 0.0);
        if positive_integer {
            obj.remove("default");
            return;
        }
        if (fits_type && fits_enum) || nullable_null {
            // typify renders defaults only for plain values; composite ones are dropped quietly.
            if obj.contains_key("allOf") || obj.contains_key("oneOf") || obj.contains_key("anyOf") {
                obj.remove("default");
            }
            return;
        }
        let shown = default.to_string();
        obj.remove("default");
        self.warn(
            "default",
            &format!("{at}/default"),
            format!("default value {shown} does not fit the schema: ignored"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::parse_text;

    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n";

    #[test]
    fn schemas_typify_cannot_take_are_repaired() {
        let text = format!(
            "{HEAD}components:\n  schemas:\n    Op:\n      type: string\n      enum: ['=', '<', '<=']\n    Dup:\n      type: string\n      enum: [kml, kml, gpx]\n    Count:\n      type: integer\n      default: ''\n    Deep:\n      $ref: '#/components/schemas/Dup/enum'\n    list_ref:\n      type: array\n      items: {{$ref: '#/components/schemas/Dup'}}\n"
        );
        let doc = parse_text("s.yaml", &text).unwrap();
        let names: BTreeMap<String, String> = ["Op", "Dup", "Count", "Deep", "list_ref"]
            .iter()
            .map(|k| (k.to_string(), crate::names::type_name(k)))
            .collect();
        let mut repair = SchemaRepair::new(&doc, &names);
        let mut schemas: Vec<NamedSchema> = names
            .iter()
            .map(|(key, name)| {
                let at = format!("/components/schemas/{key}");
                let mut schema = doc.value.pointer(&at).cloned().unwrap();
                repair.repair(&mut schema, &at);
                NamedSchema {
                    name: name.clone(),
                    pointer: at,
                    schema,
                }
            })
            .collect();
        let all = repair.finish(&mut schemas, &mut []).to_string();
        let get = |n: &str| &schemas.iter().find(|s| s.name == n).unwrap().schema;
        assert!(get("Op").get("enum").is_none());
        assert_eq!(get("Dup")["enum"], json!(["kml", "gpx"]));
        assert!(get("Count").get("default").is_none());
        assert!(get("Deep").get("$ref").is_none());
        assert_eq!(
            get("ListRef")["items"],
            json!({"$ref": "#/components/schemas/Dup"})
        );
        assert!(
            all.contains("/components/schemas/Op/enum: enum values"),
            "{all}"
        );
        assert!(
            all.contains("/components/schemas/Count/default: default value \"\""),
            "{all}"
        );
        assert!(all.contains("/components/schemas/Deep: `$ref`"), "{all}");
    }
}
