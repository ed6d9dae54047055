//! Structure-aware mutation of OpenAPI documents: a stream of choice bytes picks nodes of a
//! spec's JSON tree and deletes, retypes, renames, copies or re-points them, so that inputs
//! get past parsing and reach validation, lowering and emitting.
//!
//! Shared by the `mutate_spec` fuzz target and the generator's `no_panic` test (which includes
//! this file by path); it depends on `serde_json` alone.

use serde_json::{Map, Value, json};

/// Choices read from bytes; once the bytes run out, every choice is 0 (the first option).
pub struct Choices<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Choices<'a> {
    /// Choices drawn from `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    /// The next byte, or 0 when none are left.
    pub fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos = self.pos.saturating_add(1);
        b
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        let raw = if n <= 256 {
            usize::from(self.byte())
        } else {
            usize::from(u16::from_le_bytes([self.byte(), self.byte()]))
        };
        raw % n
    }

    /// True with probability `in_256 / 256`.
    pub fn chance(&mut self, in_256: u8) -> bool {
        self.byte() < in_256
    }

    /// One of `items` (`None` only when it is empty).
    pub fn pick<'b, T>(&mut self, items: &'b [T]) -> Option<&'b T> {
        if items.is_empty() {
            None
        } else {
            items.get(self.below(items.len()))
        }
    }

    /// Up to `max` of the remaining bytes.
    pub fn bytes(&mut self, max: usize) -> &'a [u8] {
        let start = self.pos.min(self.data.len());
        let end = start.saturating_add(max).min(self.data.len());
        self.pos = end;
        &self.data[start..end]
    }

    /// Whether every byte has been used.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }
}

/// Names that stress identifier handling: keywords, digits first, punctuation, non-ASCII,
/// empty, and ones that collide after case conversion.
pub const WEIRD_NAMES: &[&str] = &[
    "", " ", "_", "__", "0", "9lives", "-", "a-b", "a b", "a.b", "A_B", "aB", "AB", "ab", "type",
    "self", "Self", "crate", "super", "r#type", "async", "match", "Result", "Option", "String",
    "Box", "Vec", "Client", "Error", "types", "builder", "send", "ÄÖü", "名前", "😀", "\u{0}",
    "\n", "x\"y", "{id}", "$ref", "~1", "/",
];

/// JSON pointers for `x-job`, `x-retry-after` and similar fields.
const POINTERS: &[&str] = &[
    "",
    "/",
    "/job_id",
    "/id",
    "/status",
    "/progress",
    "/error",
    "/retry_after",
    "/0",
    "/a~1b",
    "/~2",
    "no-slash",
    "/deep/er/than/any",
];

/// Keys worth inserting: schema keywords, operation fields, status codes, extensions.
const KEYS: &[&str] = &[
    "$ref",
    "type",
    "format",
    "enum",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "items",
    "properties",
    "required",
    "additionalProperties",
    "nullable",
    "default",
    "pattern",
    "minimum",
    "maximum",
    "minLength",
    "maxItems",
    "discriminator",
    "readOnly",
    "operationId",
    "parameters",
    "requestBody",
    "responses",
    "content",
    "schema",
    "security",
    "servers",
    "in",
    "name",
    "style",
    "explode",
    "headers",
    "default",
    "200",
    "201",
    "204",
    "2XX",
    "4XX",
    "400",
    "429",
    "503",
    "application/json",
    "multipart/form-data",
    "text/plain",
    "application/octet-stream",
    "x-job",
    "x-cost",
    "x-retry-after",
    "x-idempotent",
    "x-env-var",
];

/// Keys that response maps use, including malformed ones.
const STATUS_KEYS: &[&str] = &[
    "200", "201", "202", "204", "2XX", "2xx", "default", "099", "600", "1000", "20", "abc", "4XX",
    "404", "429", "5XX",
];

const SCHEMA_TYPES: &[&str] = &[
    "object", "string", "integer", "number", "boolean", "array", "null", "file", "",
];

const FORMATS: &[&str] = &[
    "date-time",
    "date",
    "uuid",
    "uri",
    "email",
    "binary",
    "byte",
    "int32",
    "int64",
    "uint8",
    "float",
    "double",
    "ipv4",
    "hostname",
    "bogus",
];

/// The mutations, applied `1..=max_steps` times to `spec`.
pub fn mutate(spec: &mut Value, choices: &mut Choices, max_steps: usize) {
    let steps = 1 + choices.below(max_steps.max(1));
    for _ in 0..steps {
        if choices.is_empty() {
            break;
        }
        mutate_once(spec, choices);
    }
}

/// Keeps at most `keep` operations (chosen by `choices`) and drops the rest, so that each
/// run generates a small client; the components stay, unused or not.
pub fn shrink_paths(spec: &mut Value, choices: &mut Choices, keep: usize) {
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let mut ops: Vec<(String, String)> = Vec::new();
    for (path, item) in paths.iter() {
        if let Some(item) = item.as_object() {
            for method in item.keys() {
                ops.push((path.clone(), method.clone()));
            }
        }
    }
    let mut kept = Vec::new();
    for _ in 0..keep.min(ops.len()) {
        let i = choices.below(ops.len());
        kept.push(ops.swap_remove(i));
    }
    for (path, item) in paths.iter_mut() {
        if let Some(item) = item.as_object_mut() {
            item.retain(|method, _| {
                !is_http_method(method) || kept.iter().any(|(p, m)| p == path && m == method)
            });
        }
    }
    paths.retain(|_, item| {
        item.as_object()
            .is_none_or(|m| m.keys().any(|k| is_http_method(k)))
    });
}

fn is_http_method(key: &str) -> bool {
    matches!(
        key,
        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
    )
}

fn mutate_once(spec: &mut Value, choices: &mut Choices) {
    let pointers = all_pointers(spec);
    let Some(target) = choices.pick(&pointers).cloned() else {
        return;
    };
    match choices.below(12) {
        0 | 1 => delete(spec, &target),
        2 | 3 => {
            let value = weird_value(spec, choices);
            replace(spec, &target, value);
        }
        4 => rename_key(spec, &target, choices),
        5 | 6 => insert_key(spec, &target, choices),
        7 => {
            // Copy another subtree over this one.
            if let Some(source) = choices.pick(&pointers)
                && let Some(copy) = spec.pointer(source).cloned()
            {
                replace(spec, &target, copy);
            }
        }
        8 => {
            let value = json!({ "$ref": reference(spec, &target, choices) });
            replace(spec, &target, value);
        }
        9 => self_cycle(spec, choices),
        10 => mutate_extension(spec, choices),
        _ => mutate_response_codes(spec, choices),
    }
}

/// Every JSON pointer in `value`, the root included.
pub fn all_pointers(value: &Value) -> Vec<String> {
    fn walk(value: &Value, prefix: &mut String, out: &mut Vec<String>) {
        out.push(prefix.clone());
        let len = prefix.len();
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    prefix.push('/');
                    prefix.push_str(&key.replace('~', "~0").replace('/', "~1"));
                    walk(child, prefix, out);
                    prefix.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    prefix.push('/');
                    prefix.push_str(&i.to_string());
                    walk(child, prefix, out);
                    prefix.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut String::new(), &mut out);
    out
}

fn split_parent(pointer: &str) -> Option<(&str, String)> {
    let idx = pointer.rfind('/')?;
    let token = pointer[idx + 1..].replace("~1", "/").replace("~0", "~");
    Some((&pointer[..idx], token))
}

fn delete(spec: &mut Value, pointer: &str) {
    let Some((parent, token)) = split_parent(pointer) else {
        return;
    };
    match spec.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(&token);
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = token.parse::<usize>()
                && i < items.len()
            {
                items.remove(i);
            }
        }
        _ => {}
    }
}

fn replace(spec: &mut Value, pointer: &str, value: Value) {
    if let Some(slot) = spec.pointer_mut(pointer) {
        *slot = value;
    }
}

fn rename_key(spec: &mut Value, pointer: &str, choices: &mut Choices) {
    let Some((parent, token)) = split_parent(pointer) else {
        return;
    };
    let new_name = weird_name(choices);
    if let Some(Value::Object(map)) = spec.pointer_mut(parent)
        && let Some(value) = map.remove(&token)
    {
        map.insert(new_name, value);
    }
}

fn insert_key(spec: &mut Value, pointer: &str, choices: &mut Choices) {
    let key = if choices.chance(200) {
        choices.pick(KEYS).map_or("type", |k| *k).to_string()
    } else {
        weird_name(choices)
    };
    let value = weird_value(spec, choices);
    if let Some(Value::Object(map)) = spec.pointer_mut(pointer) {
        map.insert(key, value);
    }
}

/// Points a component schema at itself, directly or through a property, an array or a
/// composition: recursive types, and cycles no type can represent.
fn self_cycle(spec: &mut Value, choices: &mut Choices) {
    let names = schema_names(spec);
    let Some(name) = choices.pick(&names).cloned() else {
        return;
    };
    let reference = json!({ "$ref": format!("#/components/schemas/{}", escape(&name)) });
    let cycle = match choices.below(6) {
        0 => json!({ "type": "object", "properties": { "next": reference } }),
        1 => json!({ "type": "object", "required": ["next"], "properties": { "next": reference } }),
        2 => json!({ "type": "array", "items": reference }),
        3 => json!({ "allOf": [reference] }),
        4 => json!({ "oneOf": [reference, { "type": "string" }] }),
        _ => reference,
    };
    if let Some(Value::Object(schemas)) = spec.pointer_mut("/components/schemas") {
        if choices.chance(128) {
            schemas.insert(name, cycle);
        } else if let Some(Value::Object(schema)) = schemas.get_mut(&name) {
            let props = schema
                .entry("properties")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(props) = props {
                props.insert("loop".into(), cycle);
            }
        }
    }
}

/// Replaces or adds one of clientgen's `x-` extensions with a plausible or broken value.
fn mutate_extension(spec: &mut Value, choices: &mut Choices) {
    let ops = operation_pointers(spec);
    let op_ids = operation_ids(spec);
    let Some(op) = choices.pick(&ops).cloned() else {
        return;
    };
    let pick_ptr = |c: &mut Choices| Value::from(*c.pick(POINTERS).unwrap_or(&"/id"));
    let (key, value) = match choices.below(5) {
        0 => {
            let mut job = Map::new();
            let status_op = if choices.chance(200) {
                choices
                    .pick(&op_ids)
                    .cloned()
                    .unwrap_or_else(|| "getJob".into())
            } else {
                weird_name(choices)
            };
            job.insert("statusOperation".into(), status_op.into());
            job.insert("idPointer".into(), pick_ptr(choices));
            job.insert(
                "idParameter".into(),
                [
                    choices.pick(WEIRD_NAMES).map_or("id", |s| *s),
                    "id",
                    "job_id",
                ][choices.below(3)]
                .into(),
            );
            job.insert("statePointer".into(), pick_ptr(choices));
            for list in ["pending", "succeeded", "failed"] {
                if choices.chance(220) {
                    let n = choices.below(3);
                    let states: Vec<Value> =
                        (0..n).map(|_| Value::from(weird_name(choices))).collect();
                    job.insert(list.into(), Value::Array(states));
                }
            }
            if choices.chance(128) {
                job.insert("progressPointer".into(), pick_ptr(choices));
            }
            if choices.chance(128) {
                job.insert("errorPointer".into(), pick_ptr(choices));
            }
            if choices.chance(64) {
                job.insert("caseInsensitive".into(), weird_scalar(choices));
            }
            if choices.chance(32) {
                job.insert(weird_name(choices), weird_scalar(choices));
            }
            ("x-job", Value::Object(job))
        }
        1 => (
            "x-cost",
            json!({ "amount": weird_number(choices), "unit": weird_name(choices) }),
        ),
        2 => ("x-idempotent", weird_scalar(choices)),
        3 => ("x-cost", weird_scalar(choices)),
        _ => {
            // x-retry-after goes on a response.
            let responses = format!("{op}/responses");
            let codes: Vec<String> = spec
                .pointer(&responses)
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            if let Some(code) = choices.pick(&codes) {
                let target = format!("{responses}/{}", escape(code));
                let value = if choices.chance(200) {
                    pick_ptr(choices)
                } else {
                    weird_scalar(choices)
                };
                if let Some(Value::Object(response)) = spec.pointer_mut(&target) {
                    response.insert("x-retry-after".into(), value);
                }
            }
            return;
        }
    };
    if let Some(Value::Object(op)) = spec.pointer_mut(&op) {
        op.insert(key.into(), value);
    }
}

/// Renames, adds or removes response status keys of one operation.
fn mutate_response_codes(spec: &mut Value, choices: &mut Choices) {
    let ops = operation_pointers(spec);
    let Some(op) = choices.pick(&ops).cloned() else {
        return;
    };
    let new_key = choices.pick(STATUS_KEYS).map_or("200", |k| *k).to_string();
    let Some(Value::Object(responses)) = spec.pointer_mut(&format!("{op}/responses")) else {
        return;
    };
    let keys: Vec<String> = responses.keys().cloned().collect();
    match (choices.below(3), choices.pick(&keys)) {
        (0, Some(old)) => {
            if let Some(response) = responses.remove(old) {
                responses.insert(new_key, response);
            }
        }
        (1, Some(old)) => {
            if let Some(response) = responses.get(old).cloned() {
                responses.insert(new_key, response);
            }
        }
        _ => {
            responses.insert(
                new_key,
                json!({
                    "description": "added",
                    "content": { "application/json": { "schema": { "type": "object" } } }
                }),
            );
        }
    }
}

fn operation_pointers(spec: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(paths) = spec.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            if let Some(item) = item.as_object() {
                for method in item.keys().filter(|m| is_http_method(m)) {
                    out.push(format!("/paths/{}/{method}", escape(path)));
                }
            }
        }
    }
    out
}

fn operation_ids(spec: &Value) -> Vec<String> {
    operation_pointers(spec)
        .iter()
        .filter_map(|p| spec.pointer(&format!("{p}/operationId")))
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

fn schema_names(spec: &Value) -> Vec<String> {
    spec.pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// A `$ref` target: an existing schema, an ancestor of `at` (a cycle), or a broken one.
fn reference(spec: &Value, at: &str, choices: &mut Choices) -> String {
    let names = schema_names(spec);
    match choices.below(5) {
        0 | 1 => match choices.pick(&names) {
            Some(name) => format!("#/components/schemas/{}", escape(name)),
            None => "#/components/schemas/Missing".into(),
        },
        2 => {
            // An ancestor of the node itself.
            let cut = at.match_indices('/').map(|(i, _)| i).collect::<Vec<_>>();
            let end = choices.pick(&cut).copied().unwrap_or(0);
            format!("#{}", &at[..end])
        }
        3 => format!("#/components/schemas/{}", weird_name(choices)),
        _ => [
            "#",
            "",
            "#/",
            "#/components/responses/Missing",
            "#/paths",
            "other.yaml#/components/schemas/X",
            "https://example.com/schema.json",
            "#/components/schemas/",
            "#/components/schemas/a~1b",
        ][choices.below(9)]
        .into(),
    }
}

fn weird_name(choices: &mut Choices) -> String {
    let base = choices.pick(WEIRD_NAMES).map_or("", |s| *s);
    match choices.below(8) {
        0 => base.repeat(1 + choices.below(40)),
        1 => format!("{base}{}", choices.below(1000)),
        2 => String::from_utf8_lossy(choices.bytes(12)).into_owned(),
        _ => base.to_string(),
    }
}

fn weird_number(choices: &mut Choices) -> Value {
    match choices.below(9) {
        0 => json!(0),
        1 => json!(-1),
        2 => json!(1.5),
        3 => json!(1e308),
        4 => json!(u64::MAX),
        5 => json!(i64::MIN),
        6 => json!(-0.0),
        7 => json!(1e-300),
        _ => json!(choices.byte()),
    }
}

fn weird_scalar(choices: &mut Choices) -> Value {
    match choices.below(5) {
        0 => Value::Null,
        1 => Value::Bool(choices.chance(128)),
        2 => weird_number(choices),
        _ => Value::String(weird_name(choices)),
    }
}

/// A value of any kind: scalars, small schemas, broken schemas, copies of parts of `spec`.
fn weird_value(spec: &Value, choices: &mut Choices) -> Value {
    match choices.below(12) {
        0..=2 => weird_scalar(choices),
        3 => json!([]),
        4 => json!({}),
        5 => {
            let ty = choices.pick(SCHEMA_TYPES).map_or("string", |s| *s);
            let mut schema = json!({ "type": ty });
            if choices.chance(100) {
                schema["format"] = choices.pick(FORMATS).map_or("uuid", |s| *s).into();
            }
            if choices.chance(80) {
                schema["nullable"] = true.into();
            }
            schema
        }
        6 => {
            let n = choices.below(4);
            let values: Vec<Value> = (0..n).map(|_| weird_scalar(choices)).collect();
            json!({ "type": "string", "enum": values })
        }
        7 => {
            let n = choices.below(4);
            let mut props = Map::new();
            for _ in 0..n {
                props.insert(weird_name(choices), json!({ "type": "string" }));
            }
            let required: Vec<Value> = props.keys().take(1).map(|k| k.clone().into()).collect();
            json!({ "type": "object", "properties": props, "required": required })
        }
        8 => json!({ "type": "array", "items": { "$ref": reference(spec, "", choices) } }),
        9 => {
            let n = choices.below(3);
            let members: Vec<Value> = (0..n)
                .map(|_| json!({ "$ref": reference(spec, "", choices) }))
                .collect();
            let key = ["allOf", "oneOf", "anyOf"][choices.below(3)];
            json!({ key: members })
        }
        10 => {
            let pattern = ["(", "[a-", "^\\d+$", "\\p{L}", "(?<x>a)"][choices.below(5)];
            json!({ "type": "string", "pattern": pattern })
        }
        _ => {
            let pointers = all_pointers(spec);
            choices
                .pick(&pointers)
                .and_then(|p| spec.pointer(p))
                .cloned()
                .unwrap_or(Value::Null)
        }
    }
}
