//! Reduces the spec handed to progenitor to what progenitor and typify take without panicking or
//! refusing, degrading each problem locally with a warning that names the JSON pointer:
//!
//! - request bodies: one media type is kept (JSON first); a JSON body without a schema is a
//!   `serde_json::Value`; a type progenitor does not know (`text/xml`, `*/*`, `+json`...) is sent
//!   as raw bytes (or as JSON for `+json`) with its own `Content-Type`;
//! - parameters: `$ref`s are inlined; cookie parameters are left out; exotic styles, `content`
//!   parameters and non-scalar path or header values become raw strings; a query or header
//!   parameter whose Rust name another one took is given a unique name (put back in the request
//!   by `progenitor::Rewriter`), a colliding path parameter is left out;
//! - schemas: duplicate or nameless enum values, defaults that do not fit their type, bounds
//!   flags without a bound and `$ref`s to anything but a component schema are repaired.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};
use serde_json::{Map, Value, json};

use crate::diagnostic::{Diagnostics, Severity, escape_pointer_token, pointer};
use crate::load::SourceDoc;
use crate::lower::{
    is_json_media_type, parameter_rust_names, sendable_as_raw_body, sendable_media_type,
};

/// The snake-case Rust name of a property or parameter (typify's fields, progenitor's
/// setters), for telling collisions apart.
fn rust_name(name: &str) -> String {
    name.to_snake_case()
}

/// typify names the inline type of a component's array items `NameItem` and of its property
/// `p` (its own, or an `allOf` member's) `NameP`. When a component already has that name, the
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
            let inline_object = child.as_object().is_some_and(|c| {
                !c.contains_key("$ref")
                    && !c.contains_key("title")
                    && (c.contains_key("properties") || c.get("type") == Some(&json!("object")))
            });
            if !inline_object {
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

const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

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

/// What sanitizing did: the warnings, and the request `Content-Type` to put back per operation.
#[derive(Debug, Default)]
pub struct Sanitized {
    /// One warning per fallback taken (capped per kind, with a summary).
    pub warnings: Diagnostics,
    /// operationId -> the media type the request must declare, where progenitor is given
    /// another one (raw bytes sent as `application/octet-stream`, `+json` sent as JSON).
    pub content_types: BTreeMap<String, String>,
    /// operationId -> (the unique name progenitor was given, the parameter's own name) for each
    /// parameter whose Rust name another one took.
    pub renamed_params: BTreeMap<String, Vec<(String, String)>>,
    /// operationId -> the other request media types the description documents, sendable as
    /// raw bytes (the typed body goes as the one progenitor was given).
    pub other_media_types: BTreeMap<String, Vec<String>>,
}

struct Sanitizer<'a> {
    doc: &'a SourceDoc,
    /// Rust type name -> the original component key, to point warnings at the source.
    original_keys: &'a BTreeMap<String, String>,
    warnings: Diagnostics,
    per_kind: BTreeMap<&'static str, usize>,
    content_types: BTreeMap<String, String>,
    renamed_params: BTreeMap<String, Vec<(String, String)>>,
    other_media_types: BTreeMap<String, Vec<String>>,
}

/// Sanitizes the reduced spec `value` in place. `type_names` maps original component keys to the
/// Rust names the reduced spec uses.
pub fn sanitize(
    doc: &SourceDoc,
    value: &mut Value,
    type_names: &BTreeMap<String, String>,
) -> Sanitized {
    let original_keys: BTreeMap<String, String> = type_names
        .iter()
        .map(|(key, name)| (name.clone(), key.clone()))
        .collect();
    let mut s = Sanitizer {
        doc,
        original_keys: &original_keys,
        warnings: Diagnostics::new(),
        per_kind: BTreeMap::new(),
        content_types: BTreeMap::new(),
        renamed_params: BTreeMap::new(),
        other_media_types: BTreeMap::new(),
    };
    let root = value.clone();
    if let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            let item_params = item
                .remove("parameters")
                .and_then(|v| match v {
                    Value::Array(a) => Some(a),
                    _ => None,
                })
                .unwrap_or_default();
            for method in HTTP_METHODS {
                let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) else {
                    continue;
                };
                let at = pointer(["paths", path.as_str(), method]);
                s.operation(&root, op, &item_params, &at);
            }
        }
    }
    let schema_names: BTreeSet<String> = value
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    if let Some(schemas) = value
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            let at = match s.original_keys.get(name) {
                Some(key) => pointer(["components", "schemas", key.as_str()]),
                None => String::new(),
            };
            // typify wraps a nullable component object in a newtype and names the inner struct
            // after its `title`: a title equal to a component name makes two types of one name.
            if let Some(obj) = schema.as_object_mut()
                && obj.get("nullable") == Some(&Value::Bool(true))
                && obj.contains_key("title")
            {
                obj.remove("title");
            }
            s.schema(&root, &schema_names, schema, &at, 0);
        }
    }
    if let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let at = pointer(["paths", path.as_str()]);
            s.schemas_in(&root, &schema_names, item, &at);
        }
    }
    let camel_names: BTreeSet<String> = schema_names
        .iter()
        .map(|n| n.to_upper_camel_case())
        .collect();
    if let Some(schemas) = value
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        name_inline_types_apart(schemas, &camel_names);
    }
    if let Some(paths) = value.get_mut("paths") {
        strip_colliding_titles(paths, &camel_names, false, 0);
    }
    if let Some(schemas) = value
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for schema in schemas.values_mut() {
            strip_colliding_titles(schema, &camel_names, true, 0);
        }
    }
    // Components progenitor would only read through `$ref`s, which are inlined above.
    if let Some(components) = value.get_mut("components").and_then(Value::as_object_mut) {
        for key in ["parameters", "requestBodies", "responses", "headers"] {
            components.remove(key);
        }
    }
    let mut warnings = s.warnings;
    for (kind, n) in &s.per_kind {
        if *n > WARNINGS_PER_KIND {
            warnings.push(doc.diagnostic(
                Severity::Warning,
                "",
                format!(
                    "{} more fallback(s) of the kind \"{kind}\" not listed",
                    n - WARNINGS_PER_KIND
                ),
            ));
        }
    }
    Sanitized {
        warnings,
        content_types: s.content_types,
        renamed_params: s.renamed_params,
        other_media_types: s.other_media_types,
    }
}

/// Follows a local `$ref` (any depth) to its target, at most 16 hops.
fn resolve<'v>(root: &'v Value, mut value: &'v Value) -> Option<&'v Value> {
    for _ in 0..16 {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let decoded = reference
                    .strip_prefix('#')?
                    .replace("%7B", "{")
                    .replace("%7D", "}");
                value = root.pointer(&decoded)?;
            }
            None => return Some(value),
        }
    }
    None
}

fn string_schema() -> Value {
    json!({"type": "string"})
}

/// True for a schema progenitor can format into a path segment or header value.
fn is_scalar_schema(root: &Value, schema: &Value) -> bool {
    let Some(schema) = resolve(root, schema) else {
        return false;
    };
    matches!(
        schema.get("type").and_then(Value::as_str),
        Some("string" | "integer" | "number" | "boolean")
    ) && !schema
        .get("nullable")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

impl Sanitizer<'_> {
    fn warn(&mut self, kind: &'static str, at: &str, message: String) {
        let n = self.per_kind.entry(kind).or_insert(0);
        *n += 1;
        if *n <= WARNINGS_PER_KIND {
            let d = self.doc.diagnostic(Severity::Warning, at, message);
            self.warnings.push(d);
        }
    }

    fn operation(
        &mut self,
        root: &Value,
        op: &mut Map<String, Value>,
        item_params: &[Value],
        at: &str,
    ) {
        let op_id = op
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let has_body = op.contains_key("requestBody");
        self.parameters(root, op, &op_id, item_params, has_body, at);
        if let Some(body) = op.get_mut("requestBody") {
            if let Some(resolved) = resolve(root, body).cloned() {
                *body = resolved;
            }
            let body_at = format!("{at}/requestBody");
            // The reduced spec may already hold one media type: list those of the source.
            let declared: Vec<String> = self
                .doc
                .value
                .pointer(&body_at)
                .and_then(|b| resolve(&self.doc.value, b))
                .and_then(|b| b.get("content"))
                .and_then(Value::as_object)
                .map(|c| c.keys().cloned().collect())
                .unwrap_or_default();
            if let Some(content) = body.get_mut("content").and_then(Value::as_object_mut) {
                self.request_content(&op_id, content, &declared, &body_at);
            }
            if body
                .get("content")
                .and_then(Value::as_object)
                .is_none_or(Map::is_empty)
            {
                op.remove("requestBody");
            }
        }
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for (code, response) in responses.iter_mut() {
                if let Some(resolved) = resolve(root, response).cloned() {
                    *response = resolved;
                }
                let Some(content) = response.get_mut("content").and_then(Value::as_object_mut)
                else {
                    continue;
                };
                for (media_type, media) in content.iter_mut() {
                    let Some(media) = media.as_object_mut() else {
                        continue;
                    };
                    media.remove("encoding");
                    if is_json_media_type(media_type) && !media.contains_key("schema") {
                        media.insert("schema".into(), json!({}));
                        let m_at =
                            pointer(["responses", code.as_str(), "content", media_type.as_str()]);
                        self.warn(
                            "json without schema",
                            &format!("{at}{m_at}"),
                            "a JSON response without a schema: decoded as serde_json::Value".into(),
                        );
                    }
                }
            }
        }
    }

    fn parameters(
        &mut self,
        root: &Value,
        op: &mut Map<String, Value>,
        op_id: &str,
        item_params: &[Value],
        has_body: bool,
        at: &str,
    ) {
        let item_at = at.rsplit_once('/').map_or("", |(p, _)| p).to_string();
        let own = match op.remove("parameters") {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        };
        // Path-item parameters first; an operation parameter overrides one with the same name
        // and location.
        let mut merged: Vec<(Value, String)> = Vec::new();
        for (list, list_at) in [(item_params, &item_at), (own.as_slice(), &at.to_string())] {
            for (i, param) in list.iter().enumerate() {
                let p_at = format!("{list_at}/parameters/{i}");
                let Some(resolved) = resolve(root, param).cloned() else {
                    continue;
                };
                let key = |p: &Value| (p.get("name").cloned(), p.get("in").cloned());
                merged.retain(|(p, _)| key(p) != key(&resolved));
                merged.push((resolved, p_at));
            }
        }
        let named: Vec<(&str, &str)> = merged
            .iter()
            .map(|(p, _)| {
                let field = |key| p.get(key).and_then(Value::as_str).unwrap_or("");
                (field("name"), field("in"))
            })
            .collect();
        let rust_names = parameter_rust_names(&named, has_body);
        // Path parameters first, as progenitor lists its setters.
        let mut merged: Vec<(Value, String, Option<String>)> = merged
            .into_iter()
            .zip(rust_names)
            .map(|((param, p_at), rust_name)| (param, p_at, rust_name))
            .collect();
        merged.sort_by_key(|(p, _, _)| p.get("in").and_then(Value::as_str) != Some("path"));
        let mut kept = Vec::new();
        for (mut param, p_at, unique_name) in merged {
            let Some(obj) = param.as_object_mut() else {
                continue;
            };
            let name = obj
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let location = obj
                .get("in")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if location == "cookie" {
                self.warn(
                    "cookie parameter",
                    &p_at,
                    format!(
                        "cookie parameter `{name}` is not supported: left out (set it with a \
                         custom reqwest client)"
                    ),
                );
                continue;
            }
            if !matches!(location.as_str(), "path" | "query" | "header") {
                continue;
            }
            let snake = rust_name(&name);
            let Some(unique_name) = unique_name else {
                self.warn(
                    "colliding parameter",
                    &p_at,
                    format!(
                        "parameter `{name}` ({location}) has the same Rust name `{snake}` as \
                         another parameter: left out"
                    ),
                );
                continue;
            };
            if unique_name != snake {
                // progenitor names the setter after the parameter: it gets the unique name, and
                // the request is given the parameter's own name back (`Rewriter`).
                self.warn(
                    "colliding parameter",
                    &p_at,
                    format!(
                        "parameter `{name}` ({location}) has the same Rust name `{snake}` as \
                         another parameter: its setter is `{unique_name}`"
                    ),
                );
                obj.insert("name".into(), Value::String(unique_name.clone()));
                self.renamed_params
                    .entry(op_id.to_string())
                    .or_default()
                    .push((unique_name, name.clone()));
            }
            if obj.remove("content").is_some() {
                obj.insert("schema".into(), string_schema());
                self.warn(
                    "content parameter",
                    &p_at,
                    format!(
                        "parameter `{name}` is described by `content`: sent as a raw string \
                         the caller encodes"
                    ),
                );
            }
            let style = obj.get("style").and_then(Value::as_str).map(str::to_string);
            let plain_style = match location.as_str() {
                "path" | "header" => "simple",
                _ => "form",
            };
            if let Some(style) = style.filter(|s| s != plain_style) {
                obj.insert("style".into(), Value::String(plain_style.into()));
                obj.insert("schema".into(), string_schema());
                self.warn(
                    "parameter style",
                    &p_at,
                    format!(
                        "parameter `{name}` has style `{style}`: sent as a raw string the caller \
                         formats"
                    ),
                );
            }
            if location == "path" {
                obj.insert("required".into(), Value::Bool(true));
            }
            let schema = obj.get("schema").cloned().unwrap_or(Value::Null);
            if location != "query" && !is_scalar_schema(root, &schema) {
                obj.insert("schema".into(), string_schema());
                if !schema.is_null() {
                    self.warn(
                        "non-scalar parameter",
                        &p_at,
                        format!(
                            "{location} parameter `{name}` is not a plain string, number or \
                             boolean: sent as a raw string the caller formats"
                        ),
                    );
                }
            } else if schema.is_null() {
                obj.insert("schema".into(), string_schema());
            }
            kept.push(param);
        }
        if !kept.is_empty() {
            op.insert("parameters".into(), Value::Array(kept));
        }
    }

    fn request_content(
        &mut self,
        op_id: &str,
        content: &mut Map<String, Value>,
        declared: &[String],
        at: &str,
    ) {
        if content.is_empty() {
            return;
        }
        let rank = |mt: &str| {
            let essence = mt
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            match essence.as_str() {
                "application/json" => 0,
                e if is_json_media_type(e) => 1,
                "application/x-www-form-urlencoded" => 2,
                "application/octet-stream" => 3,
                "text/plain" => 4,
                _ => 5,
            }
        };
        let chosen = content
            .keys()
            .min_by_key(|k| rank(k))
            .cloned()
            .unwrap_or_default();
        let others: Vec<String> = declared
            .iter()
            .chain(content.keys())
            .filter(|k| **k != chosen)
            .cloned()
            .collect::<BTreeSet<String>>()
            .into_iter()
            .collect();
        if !others.is_empty() {
            let (reachable, unreachable): (Vec<String>, Vec<String>) =
                others.into_iter().partition(|m| sendable_as_raw_body(m));
            let list = |types: &[String]| {
                types
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut message =
                format!("several request media types: the typed body is sent as `{chosen}`");
            if !reachable.is_empty() {
                message.push_str(&format!(
                    "; {} as raw bytes with `send_body`",
                    list(&reachable)
                ));
                self.other_media_types.insert(op_id.to_string(), reachable);
            }
            if !unreachable.is_empty() {
                message.push_str(&format!("; not {}", list(&unreachable)));
            }
            self.warn("several media types", &format!("{at}/content"), message);
        }
        let mut media = content.remove(&chosen).unwrap_or_else(|| json!({}));
        content.clear();
        let m_at = format!("{at}/content/{}", escape_pointer_token(&chosen));
        let essence = chosen
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let Some(obj) = media.as_object_mut() else {
            return;
        };
        let (key, schema) = match rank(&chosen) {
            0 | 2 => {
                if obj.remove("encoding").is_some() {
                    self.warn(
                        "encoding",
                        &format!("{m_at}/encoding"),
                        "a request `encoding` is not supported: ignored".into(),
                    );
                }
                let key = if rank(&chosen) == 0 {
                    "application/json"
                } else {
                    "application/x-www-form-urlencoded"
                };
                let schema = obj.get("schema").cloned().unwrap_or_else(|| {
                    self.warn(
                        "json without schema",
                        &m_at,
                        "a request body without a schema: sent as serde_json::Value".into(),
                    );
                    json!({})
                });
                (key, schema)
            }
            1 => {
                self.content_types.insert(op_id.to_string(), chosen.clone());
                self.warn(
                    "json media type",
                    &m_at,
                    format!(
                        "request media type `{chosen}` is sent as JSON with its own Content-Type"
                    ),
                );
                obj.remove("encoding");
                (
                    "application/json",
                    obj.get("schema").cloned().unwrap_or_else(|| json!({})),
                )
            }
            3 => {
                let binary = json!({"type": "string", "format": "binary"});
                if obj
                    .get("schema")
                    .is_some_and(|s| s.get("type").and_then(Value::as_str) != Some("string"))
                {
                    self.warn(
                        "raw body",
                        &format!("{m_at}/schema"),
                        "an `application/octet-stream` body is sent as raw bytes, whatever its \
                         schema says"
                            .into(),
                    );
                }
                ("application/octet-stream", binary)
            }
            4 => ("text/plain", string_schema()),
            _ => {
                if sendable_media_type(&chosen) && essence != "application/octet-stream" {
                    self.content_types.insert(op_id.to_string(), chosen.clone());
                }
                self.warn(
                    "raw body",
                    &m_at,
                    format!(
                        "request media type `{chosen}` is sent as raw bytes the caller encodes"
                    ),
                );
                (
                    "application/octet-stream",
                    json!({"type": "string", "format": "binary"}),
                )
            }
        };
        content.insert(key.to_string(), json!({ "schema": schema }));
    }

    /// Sanitizes every schema under a path item (parameters, bodies, responses).
    fn schemas_in(&mut self, root: &Value, names: &BTreeSet<String>, item: &mut Value, at: &str) {
        let Some(item) = item.as_object_mut() else {
            return;
        };
        for method in HTTP_METHODS {
            let Some(op) = item.get_mut(method) else {
                continue;
            };
            let op_at = format!("{at}/{method}");
            if let Some(Value::Array(params)) = op.get_mut("parameters") {
                for param in params.iter_mut() {
                    if let Some(schema) = param.get_mut("schema") {
                        self.schema(root, names, schema, &op_at, 0);
                    }
                }
            }
            let mut media: Vec<(&mut Value, String)> = Vec::new();
            if let Some(obj) = op.as_object_mut() {
                for (key, value) in obj.iter_mut() {
                    match key.as_str() {
                        "requestBody" => {
                            if let Some(content) =
                                value.get_mut("content").and_then(Value::as_object_mut)
                            {
                                for (mt, m) in content.iter_mut() {
                                    let m_at = format!(
                                        "{op_at}/requestBody/content/{}",
                                        escape_pointer_token(mt)
                                    );
                                    media.push((m, m_at));
                                }
                            }
                        }
                        "responses" => {
                            if let Some(responses) = value.as_object_mut() {
                                for (code, r) in responses.iter_mut() {
                                    if let Some(content) =
                                        r.get_mut("content").and_then(Value::as_object_mut)
                                    {
                                        for (mt, m) in content.iter_mut() {
                                            let m_at = format!(
                                                "{op_at}/responses/{code}/content/{}",
                                                escape_pointer_token(mt)
                                            );
                                            media.push((m, m_at));
                                        }
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            for (m, m_at) in media {
                if let Some(schema) = m.get_mut("schema") {
                    self.schema(root, names, schema, &format!("{m_at}/schema"), 0);
                }
            }
        }
    }

    /// Repairs one schema and its subschemas.
    fn schema(
        &mut self,
        root: &Value,
        names: &BTreeSet<String>,
        schema: &mut Value,
        at: &str,
        depth: usize,
    ) {
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
                .filter(|name| names.contains(*name));
            if target.is_some() {
                // Siblings of a `$ref` are ignored in 3.0.
                obj.retain(|k, _| k == "$ref");
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
            self.schema(root, names, schema, at, depth + 1);
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
            self.schema(root, names, child, &c_at, depth + 1);
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

    fn run(text: &str) -> (Value, Sanitized) {
        let doc = parse_text("s.yaml", text).unwrap();
        let mut value = doc.value.clone();
        let names: BTreeMap<String, String> = value
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|m| m.keys().map(|k| (k.clone(), k.clone())).collect())
            .unwrap_or_default();
        let s = sanitize(&doc, &mut value, &names);
        (value, s)
    }

    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

    fn op(body: &str) -> String {
        format!(
            "{HEAD}paths:\n  /x/{{id}}:\n    post:\n      operationId: op\n{body}      responses: {{'200': {{description: ok}}}}\n"
        )
    }

    #[test]
    fn several_request_media_types_prefer_json_and_keep_the_others_sendable() {
        let (value, s) = run(&op(
            "      requestBody:\n        content:\n          application/xml: {schema: {type: object}}\n          application/json: {schema: {type: object}}\n          multipart/mixed: {schema: {type: object}}\n          '*/*': {schema: {type: object}}\n",
        ));
        let content = &value["paths"]["/x/{id}"]["post"]["requestBody"]["content"];
        assert_eq!(content.as_object().unwrap().len(), 1);
        assert!(content.get("application/json").is_some());
        assert_eq!(s.other_media_types["op"], vec!["application/xml"]);
        let d = s.warnings.iter().next().unwrap();
        assert_eq!(d.pointer, "/paths/~1x~1{id}/post/requestBody/content");
        assert_eq!(
            d.message,
            "several request media types: the typed body is sent as `application/json`; \
             `application/xml` as raw bytes with `send_body`; not `*/*`, `multipart/mixed`"
        );
    }

    #[test]
    fn unexpected_request_types_become_raw_bytes_with_their_content_type() {
        let (value, s) = run(&op(
            "      requestBody:\n        content:\n          text/xml: {schema: {type: object}}\n",
        ));
        let content = &value["paths"]["/x/{id}"]["post"]["requestBody"]["content"];
        assert_eq!(
            content["application/octet-stream"]["schema"],
            json!({"type": "string", "format": "binary"})
        );
        assert_eq!(s.content_types["op"], "text/xml");
        let d = s.warnings.iter().next().unwrap();
        assert_eq!(
            d.pointer,
            "/paths/~1x~1{id}/post/requestBody/content/text~1xml"
        );
        assert!(d.message.contains("raw bytes"), "{d}");

        let (_, s) = run(&op(
            "      requestBody:\n        content:\n          '*/*': {}\n",
        ));
        assert!(
            s.content_types.is_empty(),
            "a wildcard is not a Content-Type"
        );
        let (value, s) = run(&op(
            "      requestBody:\n        content:\n          application/json-patch+json: {schema: {type: array}}\n",
        ));
        assert_eq!(s.content_types["op"], "application/json-patch+json");
        let content = &value["paths"]["/x/{id}"]["post"]["requestBody"]["content"];
        assert_eq!(
            content["application/json"]["schema"],
            json!({"type": "array"})
        );
    }

    #[test]
    fn exotic_parameters_become_raw_strings_are_renamed_or_are_left_out() {
        let (value, s) = run(&op(
            "      parameters:\n        - {name: id, in: path, required: true, schema: {type: array, items: {type: string}}}\n        - {name: filter, in: query, style: deepObject, schema: {type: object}}\n        - {name: session, in: cookie, schema: {type: string}}\n        - {name: q, in: query, content: {application/json: {schema: {type: object}}}}\n        - {name: Filter, in: query, schema: {type: string}}\n",
        ));
        let params = value["paths"]["/x/{id}"]["post"]["parameters"]
            .as_array()
            .unwrap();
        let names: Vec<&str> = params.iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names, vec!["id", "filter", "q", "filter_query"]);
        for p in &params[..3] {
            assert_eq!(p["schema"], json!({"type": "string"}), "{p}");
        }
        assert_eq!(
            s.renamed_params["op"],
            vec![("filter_query".to_string(), "Filter".to_string())]
        );
        let all = s.warnings.to_string();
        for needle in [
            "/post/parameters/0: path parameter `id` is not a plain string",
            "/post/parameters/1: parameter `filter` has style `deepObject`",
            "/post/parameters/2: cookie parameter `session`",
            "/post/parameters/3: parameter `q` is described by `content`",
            "/post/parameters/4: parameter `Filter` (query) has the same Rust name `filter` as \
             another parameter: its setter is `filter_query`",
        ] {
            assert!(all.contains(needle), "missing {needle:?} in\n{all}");
        }
    }

    #[test]
    fn schemas_typify_cannot_take_are_repaired() {
        let text = format!(
            "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    Op:\n      type: string\n      enum: ['=', '<', '<=']\n    Dup:\n      type: string\n      enum: [kml, kml, gpx]\n    Count:\n      type: integer\n      default: ''\n    Deep:\n      $ref: '#/components/schemas/Dup/enum'\n"
        );
        let (value, s) = run(&text);
        let schemas = &value["components"]["schemas"];
        assert!(schemas["Op"].get("enum").is_none());
        assert_eq!(schemas["Dup"]["enum"], json!(["kml", "gpx"]));
        assert!(schemas["Count"].get("default").is_none());
        assert!(schemas["Deep"].get("$ref").is_none());
        let all = s.warnings.to_string();
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

    #[test]
    fn json_responses_without_schema_become_values() {
        let text = format!(
            "{HEAD}paths:\n  /x:\n    get:\n      operationId: g\n      responses:\n        '200':\n          description: ok\n          content: {{application/json: {{}}}}\n"
        );
        let (value, s) = run(&text);
        assert_eq!(
            value["paths"]["/x"]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
            json!({})
        );
        assert_eq!(s.warnings.len(), 1);
    }
}
