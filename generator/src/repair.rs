//! Repair stage: between load and validate, rewrites the loaded document where a public
//! description is loosely written but its meaning is clear, so that one sloppy operation does not
//! cost the whole client. Every change is a warning naming the JSON pointer it was made at.
//!
//! - a missing operationId is made from the method and path; a duplicate one (or one that
//!   collides with another once turned into a Rust method name) gets a numeric suffix;
//! - a path template variable with no `in: path` parameter gets a string parameter; a declared
//!   path parameter that is not in the template is dropped; path parameters are made required.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::diagnostic::{Diagnostics, Severity, pointer};
use crate::load::SourceDoc;
use crate::lower::synthesize_operation_id;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Repairs `doc.value` in place and returns the warnings.
pub fn repair(doc: &mut SourceDoc) -> Diagnostics {
    let mut ds = Diagnostics::new();
    let mut value = std::mem::take(&mut doc.value);
    operation_ids(doc, &mut value, &mut ds);
    path_parameters(doc, &mut value, &mut ds);
    doc.value = value;
    ds
}

/// The name a method gets in Rust (progenitor's snake case), which must be unique.
fn method_key(id: &str) -> String {
    crate::emit::progenitor_snake(id)
}

fn operation_ids(doc: &SourceDoc, value: &mut Value, ds: &mut Diagnostics) {
    let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    // First pass: the ids given in the spec keep their names where they are unique.
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut first_at: BTreeMap<String, String> = BTreeMap::new();
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for method in METHODS {
            let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) else {
                continue;
            };
            let at = pointer(["paths", path.as_str(), method]);
            let given = op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_string);
            let Some(id) = given.filter(|id| id.chars().any(|c| c.is_ascii_alphanumeric())) else {
                // Missing, empty or not a string: synthesized in the second pass.
                op.remove("operationId");
                continue;
            };
            let key = method_key(&id);
            if taken.insert(key.clone()) {
                first_at.insert(key, at);
                continue;
            }
            let unique = unique_id(&id, &mut taken);
            ds.push(doc.diagnostic(
                Severity::Warning,
                format!("{at}/operationId"),
                format!(
                    "operationId `{id}` collides with the one at {}: renamed to `{unique}`",
                    first_at.get(&key).map_or("another operation", String::as_str)
                ),
            ));
            op.insert("operationId".into(), Value::String(unique));
        }
    }
    // Second pass: synthesize the missing ones, after every given id has its name.
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for method in METHODS {
            let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) else {
                continue;
            };
            if op.contains_key("operationId") {
                continue;
            }
            let at = pointer(["paths", path.as_str(), method]);
            let id = unique_id(&synthesize_operation_id(method, path), &mut taken);
            ds.push(doc.diagnostic(
                Severity::Warning,
                at,
                format!("no operationId: using `{id}`, made from the method and path"),
            ));
            op.insert("operationId".into(), Value::String(id));
        }
    }
}

/// `id`, or `id_2`, `id_3`... whichever is free as a method name; marks it taken.
fn unique_id(id: &str, taken: &mut BTreeSet<String>) -> String {
    let mut candidate = id.to_string();
    let mut n = 2;
    while !taken.insert(method_key(&candidate)) {
        candidate = format!("{id}_{n}");
        n += 1;
    }
    candidate
}

fn template_names(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        out.push(after[..end].to_string());
        rest = &after[end + 1..];
    }
    out
}

/// A parameter object, following one local `$ref` to `#/components/parameters/`.
fn resolve_param<'v>(root: &'v Value, param: &'v Value) -> &'v Value {
    match param.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference
            .strip_prefix('#')
            .and_then(|p| root.pointer(p))
            .unwrap_or(param),
        None => param,
    }
}

fn is_path_param(p: &Value) -> bool {
    p.get("in").and_then(Value::as_str) == Some("path")
}

fn path_parameters(doc: &SourceDoc, value: &mut Value, ds: &mut Diagnostics) {
    let root = value.clone();
    let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        let names = template_names(path);
        let item_at = pointer(["paths", path.as_str()]);
        // Path-item level parameters.
        let mut item_declared = BTreeSet::new();
        if let Some(Value::Array(params)) = item.get_mut("parameters") {
            fix_declared(doc, &root, params, &names, &item_at, &mut item_declared, ds);
        }
        for method in METHODS {
            let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) else {
                continue;
            };
            let op_at = format!("{item_at}/{method}");
            let mut declared = item_declared.clone();
            let params = op
                .entry("parameters")
                .or_insert_with(|| Value::Array(Vec::new()));
            if !params.is_array() {
                *params = Value::Array(Vec::new());
            }
            let Value::Array(params) = params else {
                continue;
            };
            fix_declared(doc, &root, params, &names, &op_at, &mut declared, ds);
            for name in &names {
                if declared.contains(name) {
                    continue;
                }
                ds.push(doc.diagnostic(
                    Severity::Warning,
                    op_at.clone(),
                    format!(
                        "path template variable `{{{name}}}` has no `in: path` parameter: \
                         added as a required string"
                    ),
                ));
                params.push(json!({
                    "name": name,
                    "in": "path",
                    "required": true,
                    "schema": {"type": "string"}
                }));
                declared.insert(name.clone());
            }
            if params.is_empty() {
                op.remove("parameters");
            }
        }
    }
}

/// Drops path parameters the template does not name, makes the others required, and records
/// the declared names.
fn fix_declared(
    doc: &SourceDoc,
    root: &Value,
    params: &mut Vec<Value>,
    names: &[String],
    at: &str,
    declared: &mut BTreeSet<String>,
    ds: &mut Diagnostics,
) {
    let mut kept = Vec::with_capacity(params.len());
    for (i, param) in std::mem::take(params).into_iter().enumerate() {
        let p_at = format!("{at}/parameters/{i}");
        let resolved = resolve_param(root, &param);
        if !is_path_param(resolved) {
            kept.push(param);
            continue;
        }
        let name = resolved.get("name").and_then(Value::as_str).unwrap_or("");
        if !names.iter().any(|n| n == name) {
            ds.push(doc.diagnostic(
                Severity::Warning,
                p_at,
                format!("path parameter `{name}` does not appear in the path: left out"),
            ));
            continue;
        }
        declared.insert(name.to_string());
        if resolved.get("required") != Some(&Value::Bool(true)) {
            let mut inline = resolved.clone();
            if let Some(obj) = inline.as_object_mut() {
                obj.insert("required".into(), Value::Bool(true));
            }
            ds.push(doc.diagnostic(
                Severity::Warning,
                p_at,
                format!("path parameter `{name}` is not marked required: made required"),
            ));
            kept.push(inline);
            continue;
        }
        kept.push(param);
    }
    *params = kept;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::parse_text;

    fn repaired(text: &str) -> (Value, Diagnostics) {
        let mut doc = parse_text("r.yaml", text).unwrap();
        let ds = repair(&mut doc);
        (doc.value, ds)
    }

    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

    #[test]
    fn missing_operation_ids_are_synthesized_from_method_and_path() {
        let (value, ds) = repaired(&format!(
            "{HEAD}paths:\n  /pets/{{id}}:\n    get:\n      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]\n      responses: {{'200': {{description: ok}}}}\n"
        ));
        assert_eq!(
            value["paths"]["/pets/{id}"]["get"]["operationId"],
            "get_pets_id"
        );
        let d = ds.iter().next().unwrap();
        assert_eq!(d.severity, Severity::Warning);
        assert_eq!(d.pointer, "/paths/~1pets~1{id}/get");
        assert!(d.message.contains("no operationId"), "{d}");
    }

    #[test]
    fn duplicate_and_colliding_operation_ids_are_disambiguated() {
        let (value, ds) = repaired(&format!(
            "{HEAD}paths:\n  /a:\n    get: {{operationId: listPets, responses: {{'200': {{description: ok}}}}}}\n    post: {{operationId: list_pets, responses: {{'200': {{description: ok}}}}}}\n  /b:\n    get: {{operationId: listPets, responses: {{'200': {{description: ok}}}}}}\n"
        ));
        let ids: Vec<&str> = [("/a", "get"), ("/a", "post"), ("/b", "get")]
            .iter()
            .map(|(p, m)| value["paths"][p][m]["operationId"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec!["listPets", "list_pets_2", "listPets_3"]);
        assert_eq!(ds.warnings().count(), 2);
        assert!(ds.iter().all(|d| d.pointer.ends_with("/operationId")));
        assert!(
            ds.to_string()
                .contains("collides with the one at /paths/~1a/get")
        );
    }

    #[test]
    fn path_parameters_are_added_dropped_and_made_required() {
        let (value, ds) = repaired(&format!(
            "{HEAD}paths:\n  /a/{{x}}/{{y}}:\n    parameters: [{{name: y, in: path, schema: {{type: integer}}}}]\n    get:\n      operationId: g\n      parameters: [{{name: stray, in: path, required: true, schema: {{type: string}}}}]\n      responses: {{'200': {{description: ok}}}}\n"
        ));
        let item = &value["paths"]["/a/{x}/{y}"];
        assert_eq!(item["parameters"][0]["required"], true);
        let op_params = item["get"]["parameters"].as_array().unwrap();
        assert_eq!(op_params.len(), 1);
        assert_eq!(op_params[0]["name"], "x");
        let all = ds.to_string();
        assert!(all.contains("`y` is not marked required"), "{all}");
        assert!(all.contains("`stray` does not appear in the path"), "{all}");
        assert!(all.contains("`{x}` has no `in: path` parameter"), "{all}");
        assert_eq!(ds.warnings().count(), 3);
    }
}
