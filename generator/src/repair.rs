//! Repair stage: between load and validate, rewrites the loaded document where a public
//! description is loosely written but its meaning is clear, so that one sloppy operation does not
//! cost the whole client. Every repair is a warning naming the JSON pointer it was made at.
//!
//! - a missing operationId is made from the method and path; a duplicate one (or one that
//!   collides with another once turned into a Rust method name) gets a numeric suffix;
//! - a path template variable with no `in: path` parameter gets a string parameter; a declared
//!   path parameter that is not in the template is dropped; path parameters are made required;
//! - an operationId starting with a digit gets an `op_` prefix;
//! - a boolean schema is read as one that takes any value, and a `pattern`, `format`, `title`
//!   or `description` that is not a string is left out;
//! - `enum` values not of the schema's `type` are read as that type where they can be (`"1"`
//!   for `type: integer`), else the `enum` is left out;
//! - a response or request body whose `$ref` names a schema (`#/components/schemas/X`) where
//!   a response or request body belongs is read as a JSON one with that schema.
//!
//! Normalizations of valid documents come first, without warnings: percent-encoded `$ref`
//! fragments are decoded, `$ref`s into `#/paths` and to callbacks are replaced by copies of
//! their targets, and
//! carriage returns in descriptions become line feeds.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

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
    decode_ref_fragments(&mut value);
    inline_path_refs(&mut value);
    normalize_line_ends(&mut value);
    operation_ids(doc, &mut value, &mut ds);
    path_parameters(doc, &mut value, &mut ds);
    schema_shapes(doc, &mut value, &mut ds);
    schema_refs_as_bodies(doc, &mut value, &mut ds);
    doc.value = value;
    ds
}

/// A response or request body written as a `$ref` to a schema (a slip for a response or body
/// whose JSON content is that schema) is read as one: the operation keeps its typed body
/// instead of the whole description failing on a reference that does not resolve.
fn schema_refs_as_bodies(doc: &SourceDoc, value: &mut Value, ds: &mut Diagnostics) {
    const SCHEMA_PREFIX: &str = "#/components/schemas/";
    let schema_names: BTreeSet<String> = value
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| schemas.keys().cloned().collect())
        .unwrap_or_default();
    let fix = |node: &mut Value, at: &str, what: &str, ds: &mut Diagnostics| {
        let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
            return;
        };
        let Some(name) = reference.strip_prefix(SCHEMA_PREFIX) else {
            return;
        };
        if !schema_names.contains(name) {
            return;
        }
        ds.push(doc.diagnostic(
            Severity::Warning,
            at,
            format!(
                "{what} `$ref` `{reference}` names a schema, not a {what}: read as a {what} \
                 with that schema as its `application/json` content"
            ),
        ));
        let schema = json!({ "$ref": reference });
        *node = if what == "response" {
            json!({
                "description": name,
                "content": { "application/json": { "schema": schema } },
            })
        } else {
            json!({ "content": { "application/json": { "schema": schema } } })
        };
    };
    if let Some(Value::Object(paths)) = value.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for method in METHODS {
                let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) else {
                    continue;
                };
                let op_at = pointer(["paths", path.as_str(), method]);
                if let Some(body) = op.get_mut("requestBody") {
                    fix(body, &format!("{op_at}/requestBody"), "request body", ds);
                }
                if let Some(Value::Object(responses)) = op.get_mut("responses") {
                    for (status, response) in responses.iter_mut() {
                        let at = format!("{op_at}{}", pointer(["responses", status.as_str()]));
                        fix(response, &at, "response", ds);
                    }
                }
            }
        }
    }
    for (section, what) in [("responses", "response"), ("requestBodies", "request body")] {
        if let Some(Value::Object(items)) =
            value.get_mut("components").and_then(|c| c.get_mut(section))
        {
            for (name, item) in items.iter_mut() {
                fix(
                    item,
                    &pointer(["components", section, name.as_str()]),
                    what,
                    ds,
                );
            }
        }
    }
}

/// Keywords of a schema whose value must be a string.
const STRING_KEYWORDS: [&str; 4] = ["pattern", "format", "title", "description"];

/// Schemas that do not have the shape of an OpenAPI 3.0 Schema Object, where the meaning is
/// clear enough to read them anyway: a boolean schema (JSON Schema's `true`, or `false`, which
/// no value matches; both are read as any value, so that a response is never refused) and a
/// `pattern`, `format`, `title` or `description` that is not a string (left out). Without this,
/// the typed model refuses the whole description.
fn schema_shapes(doc: &SourceDoc, value: &mut Value, ds: &mut Diagnostics) {
    fn visit(doc: &SourceDoc, schema: &mut Value, at: &str, depth: usize, ds: &mut Diagnostics) {
        if depth > 64 {
            return;
        }
        if let Value::Bool(allowed) = schema {
            let what = if *allowed {
                "`true` (any value)"
            } else {
                "`false` (no value)"
            };
            ds.push(doc.diagnostic(
                Severity::Warning,
                at,
                format!("a boolean schema {what} is read as a schema that takes any value"),
            ));
            *schema = json!({});
            return;
        }
        let Some(obj) = schema.as_object_mut() else {
            return;
        };
        if obj.contains_key("$ref") {
            return;
        }
        for key in STRING_KEYWORDS {
            if obj.get(key).is_some_and(|v| !v.is_string()) {
                ds.push(doc.diagnostic(
                    Severity::Warning,
                    format!("{at}/{key}"),
                    format!("`{key}` is not a string: left out"),
                ));
                obj.remove(key);
            }
        }
        enum_values(doc, obj, at, ds);
        for (key, child) in obj.iter_mut() {
            let child_at = format!("{at}/{}", crate::diagnostic::escape_pointer_token(key));
            match key.as_str() {
                "properties" => {
                    if let Some(props) = child.as_object_mut() {
                        for (name, prop) in props.iter_mut() {
                            let p_at = format!(
                                "{child_at}/{}",
                                crate::diagnostic::escape_pointer_token(name)
                            );
                            visit(doc, prop, &p_at, depth + 1, ds);
                        }
                    }
                }
                "items" | "not" => visit(doc, child, &child_at, depth + 1, ds),
                "additionalProperties" if child.is_object() => {
                    visit(doc, child, &child_at, depth + 1, ds)
                }
                "allOf" | "anyOf" | "oneOf" => {
                    if let Some(items) = child.as_array_mut() {
                        for (i, item) in items.iter_mut().enumerate() {
                            visit(doc, item, &format!("{child_at}/{i}"), depth + 1, ds);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    // Where schemas are: components, and the `schema` of parameters, headers and media types.
    if let Some(schemas) = value
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            let at = pointer(["components", "schemas", name.as_str()]);
            visit(doc, schema, &at, 0, ds);
        }
    }
    let mut holders: Vec<(&mut Value, String)> = Vec::new();
    for (key, section) in value.as_object_mut().into_iter().flatten() {
        if key == "paths" || key == "components" {
            holders.push((section, format!("/{key}")));
        }
    }
    for (section, at) in holders {
        for_each_schema_holder(section, &at, 0, &mut |schema, schema_at| {
            visit(doc, schema, schema_at, 0, ds)
        });
    }
}

/// An `enum` whose values are not of the schema's `type` (`type: integer` with the values
/// written as strings, `"1"`, `"2"`, as Bungie.net's description does): each value that reads as
/// one of the type (a string holding the number or boolean; for a string type, a number or
/// boolean's JSON text) is taken as it reads, with one warning for the schema. When a value
/// does not read as the type, the `enum` is left out (the type stays), with a warning. Without
/// this, the type engine refuses the whole description.
fn enum_values(doc: &SourceDoc, obj: &mut Map<String, Value>, at: &str, ds: &mut Diagnostics) {
    let Some(ty) = obj.get("type").and_then(Value::as_str).map(str::to_string) else {
        return;
    };
    let Some(values) = obj.get("enum").and_then(Value::as_array) else {
        return;
    };
    let conforms = |v: &Value| match (ty.as_str(), v) {
        (_, Value::Null) => true,
        ("integer", Value::Number(n)) => n.is_i64() || n.is_u64(),
        ("number", Value::Number(_)) => true,
        ("boolean", Value::Bool(_)) => true,
        ("string", Value::String(_)) => true,
        ("integer" | "number" | "boolean" | "string", _) => false,
        _ => true,
    };
    if values.iter().all(conforms) {
        return;
    }
    let read = |v: &Value| -> Option<Value> {
        if conforms(v) {
            return Some(v.clone());
        }
        match (ty.as_str(), v) {
            ("integer", Value::String(s)) => s.trim().parse::<i64>().ok().map(Value::from),
            ("number", Value::String(s)) => {
                let n: f64 = s.trim().parse().ok()?;
                serde_json::Number::from_f64(n).map(Value::Number)
            }
            ("boolean", Value::String(s)) => match s.trim() {
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ => None,
            },
            ("string", Value::Number(_) | Value::Bool(_)) => Some(Value::String(v.to_string())),
            _ => None,
        }
    };
    let at = format!("{at}/enum");
    match values.iter().map(read).collect::<Option<Vec<Value>>>() {
        Some(read) => {
            ds.push(doc.diagnostic(
                Severity::Warning,
                &at,
                format!("`enum` values are not of the schema's type `{ty}`: read as {ty} values"),
            ));
            obj.insert("enum".into(), Value::Array(read));
        }
        None => {
            ds.push(doc.diagnostic(
                Severity::Warning,
                &at,
                format!(
                    "`enum` values are not of the schema's type `{ty}` and do not read as one: \
                     left out (any {ty} is taken)"
                ),
            ));
            obj.remove("enum");
        }
    }
}

/// Calls `f` on every `schema` member (of a parameter, a header or a media type) under `node`,
/// with its pointer; component schemas themselves are not under such a member.
fn for_each_schema_holder(
    node: &mut Value,
    at: &str,
    depth: usize,
    f: &mut impl FnMut(&mut Value, &str),
) {
    if depth > 16 {
        return;
    }
    let Some(obj) = node.as_object_mut() else {
        return;
    };
    for (key, child) in obj.iter_mut() {
        let child_at = format!("{at}/{}", crate::diagnostic::escape_pointer_token(key));
        if key == "schema" {
            f(child, &child_at);
        } else if key != "schemas" && key != "examples" && key != "example" {
            match child {
                Value::Object(_) => for_each_schema_holder(child, &child_at, depth + 1, f),
                Value::Array(items) => {
                    for (i, item) in items.iter_mut().enumerate() {
                        for_each_schema_holder(item, &format!("{child_at}/{i}"), depth + 1, f);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Calls `f` on every object in `node`, parents before children, to a depth of 256.
fn for_each_object(node: &mut Value, depth: usize, f: &mut impl FnMut(&mut Map<String, Value>)) {
    if depth > 256 {
        return;
    }
    match node {
        Value::Object(obj) => {
            f(obj);
            for child in obj.values_mut() {
                for_each_object(child, depth + 1, f);
            }
        }
        Value::Array(items) => {
            for child in items {
                for_each_object(child, depth + 1, f);
            }
        }
        _ => {}
    }
}

/// Percent-decodes the fragment of every local `$ref` (`#/paths/~1jobs~1%7Bid%7D` is the URI
/// form of the JSON pointer `/paths/~1jobs~1{id}`, RFC 6901 section 6), so that every later
/// stage resolves it as a plain pointer. Not a repair: the document is valid as written.
fn decode_ref_fragments(value: &mut Value) {
    for_each_object(value, 0, &mut |obj| {
        if let Some(Value::String(reference)) = obj.get_mut("$ref")
            && reference.starts_with('#')
            && reference.contains('%')
            && let Some(decoded) = percent_decode(reference)
        {
            *reference = decoded;
        }
    });
}

/// Turns `\r\n` and lone `\r` into `\n` in descriptive text (`description`, `summary`,
/// `title`), which becomes doc comments: Rust rejects a bare carriage return in one.
fn normalize_line_ends(value: &mut Value) {
    for_each_object(value, 0, &mut |obj| {
        for key in ["description", "summary", "title"] {
            if let Some(Value::String(text)) = obj.get_mut(key)
                && text.contains('\r')
            {
                *text = text.replace("\r\n", "\n").replace('\r', "\n");
            }
        }
    });
}

/// Whether a `$ref` is one the later stages cannot follow, so that it is replaced by a copy of
/// its target: into `#/paths/...` (a response, parameter or body reused from another
/// operation), or to a callback (`#/components/callbacks/...`, which the typed model cannot
/// hold as a reference).
fn inlined_ref(reference: &str) -> bool {
    reference.starts_with("#/paths/") || reference.starts_with("#/components/callbacks/")
}

/// Replaces each `$ref` that [`inlined_ref`] picks with a copy of its target, since the later
/// stages resolve references into `#/components` only (callbacks aside). A reference that does
/// not resolve, a chain deeper than 16, or one past the first 10,000 copies is left for the
/// validate stage to report. Not a repair either: such references are valid.
fn inline_path_refs(value: &mut Value) {
    fn has_path_ref(node: &Value, depth: usize) -> bool {
        depth <= 256
            && match node {
                Value::Object(obj) => {
                    obj.get("$ref")
                        .and_then(Value::as_str)
                        .is_some_and(inlined_ref)
                        || obj.values().any(|v| has_path_ref(v, depth + 1))
                }
                Value::Array(items) => items.iter().any(|v| has_path_ref(v, depth + 1)),
                _ => false,
            }
    }
    fn target<'v>(root: &'v Value, reference: &str) -> Option<&'v Value> {
        let mut found = root.pointer(reference.strip_prefix('#')?)?;
        for _ in 0..16 {
            match found.get("$ref").and_then(Value::as_str) {
                Some(next) if inlined_ref(next) => {
                    found = root.pointer(next.strip_prefix('#')?)?;
                }
                _ => return Some(found),
            }
        }
        None
    }
    /// `budget` bounds the copies, so that references that fan out cannot blow the document up.
    fn walk(node: &mut Value, root: &Value, depth: usize, budget: &mut usize) {
        if depth > 256 {
            return;
        }
        if *budget > 0
            && let Some(reference) = node
                .get("$ref")
                .and_then(Value::as_str)
                .filter(|r| inlined_ref(r))
            && let Some(found) = target(root, reference)
        {
            *node = found.clone();
            *budget -= 1;
        }
        match node {
            Value::Object(obj) => obj
                .values_mut()
                .for_each(|v| walk(v, root, depth + 1, budget)),
            Value::Array(items) => items
                .iter_mut()
                .for_each(|v| walk(v, root, depth + 1, budget)),
            _ => {}
        }
    }
    if has_path_ref(value, 0) {
        let root = value.clone();
        walk(value, &root, 0, &mut 10_000);
    }
}

/// `%XX` escapes decoded as UTF-8; `None` when an escape is malformed or the result is not
/// UTF-8 (the reference is then left as written, and reported if it does not resolve).
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The name a method gets in Rust, which must be unique: two operationIds that read alike in
/// Rust (`getPet`, `get_pet`) are told apart here, where the description is repaired, so that
/// their ids stay unique in messages and metadata too.
fn method_key(id: &str) -> String {
    crate::names::snake_ident(id)
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
            let id = if id.starts_with(|c: char| c.is_ascii_digit()) {
                let renamed = format!("op_{id}");
                ds.push(doc.diagnostic(
                    Severity::Warning,
                    format!("{at}/operationId"),
                    format!(
                        "operationId `{id}` starts with a digit, which a Rust name cannot: \
                         using `{renamed}`"
                    ),
                ));
                op.insert("operationId".into(), Value::String(renamed.clone()));
                renamed
            } else {
                id
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
                    "operationId `{id}` collides with {}: renamed to `{unique}`",
                    first_at.get(&key).map_or_else(
                        || "another operation".to_string(),
                        |at| format!("the one at {at}")
                    )
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

/// The parameter names of a path template, in order (`/a/{b}/{c}` -> `b`, `c`).
pub(crate) fn template_names(path: &str) -> Vec<String> {
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
    fn callback_refs_are_replaced_by_copies() {
        let text = format!(
            "{HEAD}paths:\n  /a:\n    get:\n      operationId: a\n      callbacks: {{hook: {{$ref: '#/components/callbacks/Hook'}}}}\n      responses: {{'200': {{description: ok}}}}\ncomponents:\n  callbacks:\n    Hook: {{'{{$request.query.url}}': {{post: {{responses: {{'200': {{description: ok}}}}}}}}}}\n"
        );
        let mut doc = parse_text("r.yaml", &text).unwrap();
        let ds = repair(&mut doc);
        let hook = &doc.value["paths"]["/a"]["get"]["callbacks"]["hook"];
        assert!(hook.get("$ref").is_none(), "{hook}");
        assert!(hook["{$request.query.url}"]["post"].is_object(), "{hook}");
        assert_eq!(ds.iter().count(), 0, "valid: no warning");
        // The typed model reads it now.
        assert!(crate::load::to_openapi(&doc).is_ok());
    }

    #[test]
    fn responses_and_bodies_that_name_a_schema_are_read_as_json_ones() {
        let (value, ds) = repaired(&format!(
            "{HEAD}paths:\n  /a:\n    post:\n      operationId: a\n      requestBody: {{$ref: '#/components/schemas/In'}}\n      responses:\n        '200': {{description: ok}}\n        '404': {{$ref: '#/components/schemas/NotFound'}}\n        '409': {{$ref: '#/components/schemas/Missing'}}\ncomponents:\n  schemas:\n    In: {{type: object}}\n    NotFound: {{type: object}}\n"
        ));
        let op = &value["paths"]["/a"]["post"];
        assert_eq!(
            op["requestBody"],
            json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}})
        );
        assert_eq!(
            op["responses"]["404"],
            json!({"description": "NotFound", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotFound"}}}})
        );
        // A schema that does not exist is left for validate to report.
        assert_eq!(
            op["responses"]["409"],
            json!({"$ref": "#/components/schemas/Missing"})
        );
        let pointers: Vec<&str> = ds.iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/paths/~1a/post/requestBody",
                "/paths/~1a/post/responses/404"
            ]
        );
        assert!(ds.to_string().contains("names a schema"), "{ds}");
    }

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

    #[test]
    fn percent_encoded_ref_fragments_are_decoded() {
        let mut value = serde_json::json!({
            "a": {"$ref": "#/paths/~1jobs~1%7Bid%7D/get/responses/401"},
            "b": [{"$ref": "#/components/schemas/Caf%C3%A9"}],
            "c": {"$ref": "#/bad%zz"},
            "d": {"$ref": "other.yaml#/x%20y"}
        });
        decode_ref_fragments(&mut value);
        assert_eq!(value["a"]["$ref"], "#/paths/~1jobs~1{id}/get/responses/401");
        assert_eq!(value["b"][0]["$ref"], "#/components/schemas/Café");
        assert_eq!(value["c"]["$ref"], "#/bad%zz");
        assert_eq!(value["d"]["$ref"], "other.yaml#/x%20y");
    }

    #[test]
    fn operation_ids_starting_with_a_digit_get_a_prefix() {
        let (value, ds) = repaired(&format!(
            "{HEAD}paths:\n  /a:\n    get: {{operationId: 5476abc, responses: {{'200': {{description: ok}}}}}}\n"
        ));
        assert_eq!(value["paths"]["/a"]["get"]["operationId"], "op_5476abc");
        assert_eq!(ds.iter().count(), 1);
        let d = ds.iter().next().unwrap();
        assert_eq!(d.pointer, "/paths/~1a/get/operationId");
        assert!(d.message.contains("starts with a digit"), "{d}");
    }

    #[test]
    fn references_into_paths_are_inlined() {
        let (value, ds) = repaired(&format!(
            "{HEAD}paths:\n  /a/{{id}}:\n    get:\n      operationId: a\n      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]\n      responses:\n        '401': {{description: denied, content: {{application/json: {{schema: {{type: object}}}}}}}}\n  /b:\n    get:\n      operationId: b\n      responses:\n        '401': {{$ref: '#/paths/~1a~1%7Bid%7D/get/responses/401'}}\n        '403': {{$ref: '#/paths/~1nowhere/get/responses/403'}}\n"
        ));
        assert!(ds.is_empty(), "{ds}");
        assert_eq!(
            value["paths"]["/b"]["get"]["responses"]["401"]["description"],
            "denied"
        );
        // Left for the validate stage to report.
        assert_eq!(
            value["paths"]["/b"]["get"]["responses"]["403"]["$ref"],
            "#/paths/~1nowhere/get/responses/403"
        );
    }

    #[test]
    fn carriage_returns_in_descriptions_become_line_feeds() {
        let mut value = serde_json::json!({
            "description": "a\r\nb\rc",
            "properties": {"description": {"type": "string", "description": "x\ry"}},
            "example": {"text": "keep\r"}
        });
        normalize_line_ends(&mut value);
        assert_eq!(value["description"], "a\nb\nc");
        assert_eq!(value["properties"]["description"]["description"], "x\ny");
        assert_eq!(value["example"]["text"], "keep\r");
    }

    #[test]
    fn operation_ids_that_read_alike_in_rust_are_told_apart() {
        let (value, ds) = repaired(&format!(
            "{HEAD}paths:\n  /a:\n    get: {{operationId: getPet, responses: {{'200': {{description: ok}}}}}}\n  /b:\n    get: {{operationId: get_pet, responses: {{'200': {{description: ok}}}}}}\n"
        ));
        assert_eq!(value["paths"]["/a"]["get"]["operationId"], "getPet");
        assert_ne!(value["paths"]["/b"]["get"]["operationId"], "get_pet");
        assert!(!ds.is_empty());
    }

    #[test]
    fn cyclic_and_fanning_out_path_references_stay_bounded() {
        // Two responses that name each other: neither resolves to content, both are left.
        let mut cycle = serde_json::json!({"paths": {
            "/a": {"get": {"responses": {"401": {"$ref": "#/paths/~1b/get/responses/401"}}}},
            "/b": {"get": {"responses": {"401": {"$ref": "#/paths/~1a/get/responses/401"}}}}
        }});
        inline_path_refs(&mut cycle);
        assert_eq!(
            cycle["paths"]["/a"]["get"]["responses"]["401"]["$ref"],
            "#/paths/~1b/get/responses/401"
        );
        // A node whose copy contains references to itself, twice: the copies stop at the budget.
        let mut fan = serde_json::json!({"paths": {"/x": {"get": {"x-n": {
            "l": {"$ref": "#/paths/~1x/get/x-n"},
            "r": {"$ref": "#/paths/~1x/get/x-n"}
        }}}}});
        inline_path_refs(&mut fan);
        let size = fan.to_string().len();
        assert!(size < 50_000_000, "{size} bytes");
    }

    #[test]
    fn enum_values_of_another_type_are_read_as_the_schemas_type() {
        let (value, ds) = repaired(&format!(
            "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    Scope: {{type: integer, format: int64, enum: ['1', '2', 4]}}\n    Flag: {{type: boolean, enum: ['true', false]}}\n    Code: {{type: string, enum: [1, true, a]}}\n    Odd: {{type: integer, enum: ['1', one]}}\n    Fine: {{type: integer, enum: [1, 2, null]}}\n"
        ));
        let schema = |name: &str| {
            value
                .pointer(&format!("/components/schemas/{name}"))
                .unwrap()
        };
        assert_eq!(schema("Scope")["enum"], json!([1, 2, 4]));
        assert_eq!(schema("Flag")["enum"], json!([true, false]));
        assert_eq!(schema("Code")["enum"], json!(["1", "true", "a"]));
        assert!(schema("Odd").get("enum").is_none(), "`one` is no integer");
        assert_eq!(schema("Odd")["type"], "integer");
        assert_eq!(schema("Fine")["enum"], json!([1, 2, null]));
        let messages: Vec<String> = ds
            .iter()
            .map(|d| format!("{}: {}", d.pointer, d.message))
            .collect();
        assert_eq!(messages.len(), 4, "{messages:#?}");
        assert!(messages.contains(
            &"/components/schemas/Scope/enum: `enum` values are not of the schema's type `integer`: read as integer values".to_string()
        ));
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("/components/schemas/Odd/enum") && m.contains("left out"))
        );
    }

    #[test]
    fn boolean_schemas_and_keywords_of_the_wrong_type_are_read_anyway() {
        let (value, ds) = repaired(&format!(
            "{HEAD}paths:\n  /x:\n    post:\n      operationId: x\n      requestBody:\n        content:\n          application/json:\n            schema:\n              type: object\n              properties:\n                additionalProperties: false\n                code: {{type: string, pattern: 0}}\n      responses: {{'200': {{description: ok}}}}\ncomponents:\n  schemas:\n    Anything: true\n    Item:\n      type: object\n      properties:\n        tags: {{type: array, items: false}}\n"
        ));
        let body = &value["paths"]["/x"]["post"]["requestBody"]["content"]["application/json"]["schema"]
            ["properties"];
        assert_eq!(body["additionalProperties"], json!({}));
        assert_eq!(body["code"], json!({"type": "string"}));
        assert_eq!(value["components"]["schemas"]["Anything"], json!({}));
        assert_eq!(
            value["components"]["schemas"]["Item"]["properties"]["tags"]["items"],
            json!({})
        );
        let all = ds.to_string();
        for needle in [
            "/schema/properties/additionalProperties: a boolean schema `false`",
            "/schema/properties/code/pattern: `pattern` is not a string",
            "/components/schemas/Anything: a boolean schema `true`",
            "/components/schemas/Item/properties/tags/items: a boolean schema `false`",
        ] {
            assert!(all.contains(needle), "missing {needle:?} in\n{all}");
        }
        assert_eq!(ds.len(), 4, "{all}");
    }
}
