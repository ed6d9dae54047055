//! OpenAPI 3.1 support: down-converts a 3.1 description to the 3.0 dialect the rest of the
//! pipeline reads, and says (with a JSON pointer) what it had to leave out.
//!
//! 3.1 replaced the schema dialect with JSON Schema 2020-12. What has a 3.0 equivalent is
//! converted: `type: [T, "null"]` becomes `type: T` + `nullable: true`; `const` becomes a
//! one-value `enum`; an `examples` array becomes `example`; numeric `exclusiveMinimum` and
//! `exclusiveMaximum` become `minimum`/`maximum` with the boolean flag. What has none (`if`,
//! `dependentSchemas`, `unevaluatedProperties`, `components.pathItems`...) is removed with a
//! warning, so the client is generated from the rest. The top-level `webhooks` stay, their
//! schemas converted like the others: openapiv3 ignores the key, and lowering reads it from the
//! document (`lower/webhooks.rs`).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::diagnostic::{Diagnostics, Severity, escape_pointer_token};
use crate::load::SourceDoc;

/// Schema keywords of JSON Schema 2020-12 that OpenAPI 3.0 has no equivalent for.
const DROPPED_KEYWORDS: [&str; 11] = [
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "unevaluatedProperties",
    "unevaluatedItems",
    "prefixItems",
    "contains",
    "propertyNames",
    "patternProperties",
];

/// Whether `doc` declares OpenAPI 3.1.
pub fn is_openapi_31(doc: &SourceDoc) -> bool {
    doc.value
        .get("openapi")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("3.1"))
}

/// Converts a 3.1 document in place to 3.0.3 and returns the warnings; other documents are left
/// alone.
pub fn down_convert(doc: &mut SourceDoc) -> Diagnostics {
    let mut ds = Diagnostics::new();
    if !is_openapi_31(doc) {
        return ds;
    }
    let version = doc.value["openapi"].as_str().unwrap_or("3.1").to_string();
    let mut value = std::mem::take(&mut doc.value);
    let mut notes = Notes::default();
    if let Some(root) = value.as_object_mut() {
        if root.remove("jsonSchemaDialect").is_some() {
            notes.dropped("/jsonSchemaDialect", "`jsonSchemaDialect`");
        }
        if let Some(Value::Object(components)) = root.get_mut("components")
            && components.remove("pathItems").is_some()
        {
            notes.dropped("/components/pathItems", "`components.pathItems`");
        }
        root.entry("paths").or_insert_with(|| json!({}));
        root.insert("openapi".into(), Value::String("3.0.3".into()));
    }
    convert(&mut value, &mut String::new(), &mut notes);
    doc.value = value;

    ds.push(doc.diagnostic(
        Severity::Warning,
        "/openapi",
        format!(
            "OpenAPI {version} description read as 3.0.3: JSON Schema 2020-12 keywords with a \
             3.0 equivalent are converted, the others are left out (see the warnings that follow)"
        ),
    ));
    for (what, (first, count)) in notes.converted {
        ds.push(doc.diagnostic(
            Severity::Warning,
            first.clone(),
            format!("{what}: converted at {count} place(s), the first here"),
        ));
    }
    for (what, (first, count)) in notes.unsupported {
        ds.push(doc.diagnostic(
            Severity::Warning,
            first.clone(),
            format!(
                "{what} is not supported by this generator: left out at {count} place(s), the \
                 first here"
            ),
        ));
    }
    ds
}

/// What was converted or dropped: per kind, the first pointer and the number of places.
#[derive(Default)]
struct Notes {
    converted: BTreeMap<String, (String, usize)>,
    unsupported: BTreeMap<String, (String, usize)>,
}

impl Notes {
    fn converted(&mut self, at: &str, what: &str) {
        let entry = self
            .converted
            .entry(what.to_string())
            .or_insert_with(|| (at.to_string(), 0));
        entry.1 += 1;
    }

    fn dropped(&mut self, at: &str, what: &str) {
        let entry = self
            .unsupported
            .entry(what.to_string())
            .or_insert_with(|| (at.to_string(), 0));
        entry.1 += 1;
    }
}

fn convert(value: &mut Value, at: &mut String, notes: &mut Notes) {
    match value {
        Value::Object(map) => {
            convert_schema_keywords(map, at, notes);
            for (key, child) in map.iter_mut() {
                let len = at.len();
                at.push('/');
                at.push_str(&escape_pointer_token(key));
                convert(child, at, notes);
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                let len = at.len();
                at.push('/');
                at.push_str(&i.to_string());
                convert(child, at, notes);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// Rewrites the 2020-12 keywords of one object, if it is a schema. Only forms that cannot occur
/// elsewhere in a 3.1 document are touched (`type` as an array, `const`, an `examples` array,
/// numeric exclusive bounds), so other objects pass through unchanged.
fn convert_schema_keywords(map: &mut Map<String, Value>, at: &str, notes: &mut Notes) {
    if let Some(Value::Array(types)) = map.get("type").cloned() {
        let names: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
        let nullable = names.contains(&"null");
        let others: Vec<&str> = names.iter().copied().filter(|t| *t != "null").collect();
        map.remove("type");
        match others.as_slice() {
            [] => {}
            [one] => {
                map.insert("type".into(), Value::String((*one).to_string()));
            }
            many => {
                // Several types: any of them.
                let alternatives: Vec<Value> = many.iter().map(|t| json!({ "type": t })).collect();
                map.insert("anyOf".into(), Value::Array(alternatives));
            }
        }
        if nullable {
            map.insert("nullable".into(), Value::Bool(true));
        }
        notes.converted(at, "`type` given as a list");
    } else if map.get("type").and_then(Value::as_str) == Some("null") {
        map.remove("type");
        map.insert("nullable".into(), Value::Bool(true));
        notes.converted(at, "`type: null`");
    }
    if let Some(constant) = map.remove("const") {
        map.insert("enum".into(), Value::Array(vec![constant]));
        notes.converted(at, "`const`");
    }
    if let Some(Value::Array(examples)) = map.get("examples").cloned() {
        map.remove("examples");
        if let Some(first) = examples.into_iter().next() {
            map.entry("example").or_insert(first);
        }
        notes.converted(at, "a schema's `examples` list");
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(n @ Value::Number(_)) = map.get(exclusive).cloned() {
            map.insert(bound.into(), n);
            map.insert(exclusive.into(), Value::Bool(true));
            notes.converted(at, &format!("numeric `{exclusive}`"));
        }
    }
    let looks_like_schema = [
        "type",
        "properties",
        "items",
        "allOf",
        "anyOf",
        "oneOf",
        "enum",
    ]
    .iter()
    .any(|k| map.contains_key(*k))
        || DROPPED_KEYWORDS[..3].iter().any(|k| map.contains_key(*k));
    if looks_like_schema {
        for keyword in DROPPED_KEYWORDS {
            if map.remove(keyword).is_some() {
                notes.dropped(
                    &format!("{at}/{keyword}"),
                    &format!("JSON Schema `{keyword}`"),
                );
            }
        }
        if map.remove("$defs").is_some() {
            notes.dropped(&format!("{at}/$defs"), "JSON Schema `$defs`");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{parse_text, to_openapi};

    #[test]
    fn schemas_are_down_converted_and_the_document_parses_as_3_0() {
        let text = r#"{
  "openapi": "3.1.0",
  "info": {"title": "t", "version": "1"},
  "webhooks": {"newPet": {"post": {"requestBody": {"content": {"application/json": {"schema": {"type": ["string", "null"]}}}}}}},
  "paths": {},
  "components": {"schemas": {"Pet": {
    "type": "object",
    "properties": {
      "name": {"type": ["string", "null"], "examples": ["Rex"]},
      "kind": {"const": "dog"},
      "age": {"type": "integer", "exclusiveMinimum": 0},
      "tag": {"type": ["string", "integer"]},
      "extra": {"type": "object", "unevaluatedProperties": false}
    }
  }}}
}"#;
        let mut doc = parse_text("p.json", text).unwrap();
        let ds = down_convert(&mut doc);
        let pet = &doc.value["components"]["schemas"]["Pet"]["properties"];
        assert_eq!(
            pet["name"],
            json!({"type": "string", "nullable": true, "example": "Rex"})
        );
        assert_eq!(pet["kind"], json!({"enum": ["dog"]}));
        assert_eq!(
            pet["age"],
            json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true})
        );
        assert_eq!(pet["tag"]["anyOf"].as_array().unwrap().len(), 2);
        assert!(pet["extra"].get("unevaluatedProperties").is_none());
        // Webhooks are kept for lowering, their schemas converted.
        assert_eq!(
            doc.value["webhooks"]["newPet"]["post"]["requestBody"]["content"]["application/json"]["schema"],
            json!({"type": "string", "nullable": true})
        );
        assert!(to_openapi(&doc).is_ok());

        let all = ds.to_string();
        assert!(
            all.contains("OpenAPI 3.1.0 description read as 3.0.3"),
            "{all}"
        );
        assert!(
            all.contains("/components/schemas/Pet/properties/extra/unevaluatedProperties"),
            "{all}"
        );
        assert!(ds.iter().all(|d| d.severity == Severity::Warning));
    }

    #[test]
    fn other_versions_are_left_alone() {
        let mut doc = parse_text("p.yaml", "openapi: 3.0.3\nx: {const: 1}\n").unwrap();
        assert!(down_convert(&mut doc).is_empty());
        assert_eq!(doc.value["x"]["const"], 1);
    }
}
