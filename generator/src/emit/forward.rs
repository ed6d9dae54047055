//! Forward-compatible and secret values, a pass of the type stage over each converted schema
//! (JSON Schema form) before typify sees it.
//!
//! - A string enum inside a schema (a property, array items, map values) becomes
//!   `clientgen_runtime::OpenEnum<E>`, where `E` is the enum typify generates for the
//!   documented values: a value the server adds later decodes as `OpenEnum::Unknown` instead of
//!   failing the whole response. A `$ref` there to a named schema that is a string enum is
//!   wrapped the same way. The wrapper reaches typify through its `x-rust-type` extension, with
//!   the enum as the type parameter; a nested enum is named by [`names::nested_type_name`]
//!   (or its title), as typify would have named it.
//! - A date or time (`format: date-time`, `date`), and any scalar marked `x-lenient: true` (a
//!   field whose format the vendor's docs do not fix), becomes `clientgen_runtime::Lenient<T>`:
//!   `T` when the value parses as documented, else the JSON value as sent.
//! - A string marked secret (`format: password`, `x-secret: true`) becomes
//!   `clientgen_runtime::SecretString`, which `Debug` and `Display` redact.
//!
//! Roots are left alone: a named enum keeps its name and its closed type, and an operation's
//! inline parameter or body enum stays closed, so that a request cannot send a misspelt value.
//! A nested enum's `default` is dropped (the field is optional instead), and so is the `default`
//! of every value that holds a wrapped one (an array of enums with a default list, an object
//! with a default object): typify writes such a default as a call naming the wrapper without
//! its type parameters, which does not compile.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::types::{REF_PREFIX, or_null};
use crate::names::{self, Namespace};

/// The crate `x-rust-type` names (typify must be told it may use it).
pub(crate) const RUNTIME_CRATE: &str = "clientgen-runtime";

/// The extension that marks a string as secret (besides `format: password`).
pub(crate) const SECRET_EXTENSION: &str = "x-secret";

/// The extension that marks a value whose format the docs do not fix.
pub(crate) const LENIENT_EXTENSION: &str = "x-lenient";

/// String formats typify parses into a type of their own that a server's other spelling
/// would fail (`chrono`'s).
const LENIENT_FORMATS: &[&str] = &["date-time", "date"];

/// Keywords a string enum may carry besides `type` and `enum` and still be one.
const ENUM_ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "examples",
    "format",
];

/// The state of the pass over all the schemas of one description.
pub(crate) struct Forward {
    /// Named schemas that are string enums (their roots stay closed enums).
    enums: BTreeSet<String>,
    /// Type names taken so far, for the names of nested enums.
    taken: Namespace,
}

impl Forward {
    /// A pass over schemas where `enums` name the string enums among the named schemas and
    /// `taken` are the type names already in use.
    pub(crate) fn new(enums: BTreeSet<String>, taken: impl IntoIterator<Item = String>) -> Self {
        let mut namespace = Namespace::default();
        for name in taken {
            namespace.claim(&name, "");
        }
        Self {
            enums,
            taken: namespace,
        }
    }

    /// Rewrites the nested enums and secrets of `schema`, the converted schema of the type
    /// `type_name`.
    pub(crate) fn schema(&mut self, schema: &mut Value, type_name: &str) {
        self.children(schema, type_name, 0);
    }

    /// Wraps the value positions inside `schema`; true when one was wrapped, and then the
    /// `default` of `schema` is gone.
    fn children(&mut self, schema: &mut Value, type_name: &str, depth: usize) -> bool {
        if depth > 64 {
            return false;
        }
        let Some(obj) = schema.as_object_mut() else {
            return false;
        };
        let mut wrapped = false;
        if let Some(Value::Object(props)) = obj.get_mut("properties") {
            for (prop, child) in props.iter_mut() {
                let name = names::nested_type_name(type_name, prop);
                wrapped |= self.value(child, &name, depth);
            }
        }
        if let Some(items) = obj.get_mut("items")
            && items.is_object()
        {
            let name = names::nested_type_name(type_name, "item");
            wrapped |= self.value(items, &name, depth);
        }
        if let Some(extra) = obj.get_mut("additionalProperties")
            && extra.is_object()
        {
            let name = names::nested_type_name(type_name, "value");
            wrapped |= self.value(extra, &name, depth);
        }
        // typify merges the members of an `allOf` into the parent: their properties are the
        // parent's.
        if let Some(Value::Array(members)) = obj.get_mut("allOf") {
            for member in members.iter_mut() {
                wrapped |= self.children(member, type_name, depth + 1);
            }
        }
        if wrapped {
            obj.shift_remove("default");
        }
        wrapped
    }

    /// One value position: wraps it if it is an enum or a secret, else looks inside; true when
    /// it or a value inside it was wrapped.
    fn value(&mut self, node: &mut Value, name: &str, depth: usize) -> bool {
        let Some(obj) = node.as_object() else {
            return false;
        };
        if let Some(wrapped) = self.wrap_ref(obj) {
            *node = wrapped;
            return true;
        }
        if let Some((values, nullable)) = string_enum(obj) {
            let enum_name = match obj.get("title").and_then(Value::as_str) {
                Some(title) if !title.trim().is_empty() => names::type_name(title),
                _ => name.to_string(),
            };
            let enum_name = self.taken.claim(&enum_name, "");
            let mut inner = Map::new();
            inner.insert("title".into(), enum_name.into());
            inner.insert("type".into(), "string".into());
            inner.insert("enum".into(), Value::Array(values));
            if let Some(description) = obj.get("description") {
                inner.insert("description".into(), description.clone());
            }
            let open = x_rust_type("clientgen_runtime::OpenEnum", vec![Value::Object(inner)]);
            *node = annotated(open, obj, nullable);
            return true;
        }
        if is_secret(obj) {
            let nullable = types_of(obj).contains(&"null");
            let secret = x_rust_type("clientgen_runtime::SecretString", Vec::new());
            *node = annotated(secret, obj, nullable);
            return true;
        }
        if let Some((inner, nullable)) = lenient_inner(obj) {
            let lenient = x_rust_type("clientgen_runtime::Lenient", vec![inner]);
            *node = annotated(lenient, obj, nullable);
            return true;
        }
        let name = self.nested_name(node, name);
        self.children(node, &name, depth + 1)
    }

    /// The name of the type typify makes of `node`, if it makes one: its title, else `name` (the
    /// parent's and the property's), or a free variant of it when another type has it. The
    /// name is given to typify as the schema's title, so that it travels with the schema: a
    /// schema that an `allOf` copies into another (Graph's `attendee` is `attendeeBase` and
    /// more) keeps its one type, where typify would name the copy after the new parent, and
    /// could give it the name of another type (`MicrosoftGraphAttendeeType`, a component's).
    fn nested_name(&mut self, node: &mut Value, name: &str) -> String {
        let Some(obj) = node.as_object_mut() else {
            return name.to_string();
        };
        if !makes_type(obj) {
            return name.to_string();
        }
        let title = obj.get("title").and_then(Value::as_str);
        let wanted = match title {
            Some(title) if !title.trim().is_empty() => names::type_name(title),
            _ => name.to_string(),
        };
        let free = self.taken.claim(&wanted, "");
        if title != Some(free.as_str()) {
            obj.insert("title".into(), free.clone().into());
        }
        free
    }

    /// A `$ref` (maybe or `null`) to a named string enum, wrapped.
    fn wrap_ref(&self, obj: &Map<String, Value>) -> Option<Value> {
        let is_enum_ref = |v: &Value| {
            v.get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix(REF_PREFIX))
                .is_some_and(|name| self.enums.contains(name))
        };
        if obj.len() == 1 && is_enum_ref(&Value::Object(obj.clone())) {
            return Some(x_rust_type(
                "clientgen_runtime::OpenEnum",
                vec![Value::Object(obj.clone())],
            ));
        }
        // `or_null`'s form: `{"anyOf": [{"$ref": ...}, {"type": "null"}], ...annotations}`.
        let members = obj.get("anyOf")?.as_array()?;
        let [first, second] = members.as_slice() else {
            return None;
        };
        let null = json!({"type": "null"});
        let reference = match (is_enum_ref(first), is_enum_ref(second)) {
            (true, false) if *second == null => first,
            (false, true) if *first == null => second,
            _ => return None,
        };
        let mut out = obj.clone();
        out.insert(
            "anyOf".into(),
            json!([
                x_rust_type("clientgen_runtime::OpenEnum", vec![reference.clone()]),
                null
            ]),
        );
        Some(Value::Object(out))
    }
}

/// Named schemas whose converted root is a string enum without `null`.
pub(crate) fn is_closed_string_enum(converted: &Value) -> bool {
    converted
        .as_object()
        .and_then(string_enum)
        .is_some_and(|(_, nullable)| !nullable)
}

/// The `type` of a converted schema, as a list.
fn types_of(obj: &Map<String, Value>) -> Vec<&str> {
    match obj.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(types)) => types.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether typify makes a type of its own for `obj` (where it is nested): an object with
/// properties, or a composition of two or more schemas that are not `null`.
fn makes_type(obj: &Map<String, Value>) -> bool {
    let members = |key: &str| {
        obj.get(key).and_then(Value::as_array).map_or(0, |list| {
            list.iter()
                .filter(|s| s.get("type").and_then(Value::as_str) != Some("null"))
                .count()
        })
    };
    obj.get("properties")
        .and_then(Value::as_object)
        .is_some_and(|props| !props.is_empty())
        || members("oneOf") >= 2
        || members("anyOf") >= 2
        || members("allOf") >= 2
}

/// The string values of a converted string enum and whether it also takes `null`; `None` for
/// anything else (other keywords, non-string values, string constraints typify applies to
/// the values).
fn string_enum(obj: &Map<String, Value>) -> Option<(Vec<Value>, bool)> {
    let values = obj.get("enum")?.as_array()?;
    let types = types_of(obj);
    let typed_ok = match types.as_slice() {
        [] => obj.get("type").is_none(),
        ["string"] => true,
        ["string", "null"] | ["null", "string"] => true,
        _ => false,
    };
    if !typed_ok {
        return None;
    }
    let only_enum = obj
        .keys()
        .all(|k| k == "type" || k == "enum" || ENUM_ANNOTATIONS.contains(&k.as_str()));
    if !only_enum {
        return None;
    }
    let mut nullable = types.contains(&"null");
    let mut strings = Vec::with_capacity(values.len());
    for value in values {
        match value {
            Value::String(_) => strings.push(value.clone()),
            Value::Null => nullable = true,
            _ => return None,
        }
    }
    if strings.is_empty() {
        return None;
    }
    Some((strings, nullable))
}

/// A string the description marks as secret.
fn is_secret(obj: &Map<String, Value>) -> bool {
    let marked = obj.get("format").and_then(Value::as_str) == Some("password")
        || obj.get(SECRET_EXTENSION) == Some(&Value::Bool(true));
    let types = types_of(obj);
    let string = matches!(
        types.as_slice(),
        ["string"] | ["string", "null"] | ["null", "string"]
    );
    let plain = obj.keys().all(|k| {
        k == "type"
            || k == SECRET_EXTENSION
            || ENUM_ANNOTATIONS.contains(&k.as_str())
            || matches!(k.as_str(), "minLength" | "maxLength" | "pattern")
    });
    marked && string && plain
}

/// The schema of `T` in `Lenient<T>` for a value that is to be lenient (a date, a time, or
/// anything marked `x-lenient`), without `null` (an optional field stays an `Option`), and
/// whether `null` was allowed.
fn lenient_inner(obj: &Map<String, Value>) -> Option<(Value, bool)> {
    let types = types_of(obj);
    // Scalars only: typify names no type of its own inside `Lenient<T>`.
    let scalar = !types.is_empty()
        && types
            .iter()
            .all(|t| matches!(*t, "string" | "number" | "integer" | "boolean" | "null"))
        && !obj.contains_key("enum");
    let marked = obj.get(LENIENT_EXTENSION) == Some(&Value::Bool(true)) && scalar;
    let formatted = matches!(
        types.as_slice(),
        ["string"] | ["string", "null"] | ["null", "string"]
    ) && obj
        .get("format")
        .and_then(Value::as_str)
        .is_some_and(|f| LENIENT_FORMATS.contains(&f));
    if !marked && !formatted {
        return None;
    }
    let nullable = types.contains(&"null");
    let mut inner = obj.clone();
    inner.shift_remove(LENIENT_EXTENSION);
    for key in [
        "description",
        "title",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
    ] {
        inner.shift_remove(key);
    }
    if nullable {
        let without_null: Vec<Value> = types
            .iter()
            .filter(|t| **t != "null")
            .map(|t| Value::String((*t).to_string()))
            .collect();
        match without_null.as_slice() {
            [single] => inner.insert("type".into(), single.clone()),
            _ => inner.insert("type".into(), Value::Array(without_null)),
        };
    }
    Some((Value::Object(inner), nullable))
}

/// `{"x-rust-type": ...}` naming a runtime type, with its type parameters.
fn x_rust_type(path: &str, parameters: Vec<Value>) -> Value {
    let mut extension = json!({
        "crate": RUNTIME_CRATE,
        "version": "*",
        "path": path,
    });
    if !parameters.is_empty() {
        extension["parameters"] = Value::Array(parameters);
    }
    json!({ "x-rust-type": extension })
}

/// `inner` with the documentation of `original` next to it, or `null` besides when
/// `nullable` (in `or_null`'s form, the documentation outside).
fn annotated(inner: Value, original: &Map<String, Value>, nullable: bool) -> Value {
    let Value::Object(mut out) = inner else {
        return inner;
    };
    for key in ["description", "deprecated", "readOnly", "writeOnly"] {
        if let Some(value) = original.get(key) {
            out.insert(key.into(), value.clone());
        }
    }
    if nullable {
        or_null(Value::Object(out))
    } else {
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(schema: Value, enums: &[&str]) -> Value {
        let mut forward = Forward::new(
            enums.iter().map(|s| s.to_string()).collect(),
            ["Pet".to_string(), "PetKind".to_string()],
        );
        let mut schema = schema;
        forward.schema(&mut schema, "Pet");
        schema
    }

    fn open(parameter: Value) -> Value {
        json!({"x-rust-type": {"crate": "clientgen-runtime", "version": "*",
            "path": "clientgen_runtime::OpenEnum", "parameters": [parameter]}})
    }

    #[test]
    fn nested_enums_become_open_enums_named_like_typify_names_them() {
        let out = pass(
            json!({"type": "object", "properties": {
                "status": {"type": "string", "enum": ["a", "b"], "description": "State.", "default": "a"},
                "kind": {"type": ["string", "null"], "enum": ["x", null]},
                "tags": {"type": "array", "items": {"enum": ["t"]}},
                "shape": {"$ref": "#/components/schemas/Shape"},
                "other": {"$ref": "#/components/schemas/Other"},
                "named": {"title": "Colour", "type": "string", "enum": ["red"]},
                "count": {"type": "integer", "enum": [1, 2]},
                "free": {"type": "string"}
            }}),
            &["Shape"],
        );
        let props = &out["properties"];
        let mut status = open(
            json!({"title": "PetStatus", "type": "string", "enum": ["a", "b"], "description": "State."}),
        );
        status["description"] = "State.".into();
        assert_eq!(props["status"], status);
        // `PetKind` is taken: the next free name; `null` makes it an option.
        assert_eq!(
            props["kind"],
            json!({"anyOf": [open(json!({"title": "PetKind2", "type": "string", "enum": ["x"]})), {"type": "null"}]})
        );
        assert_eq!(
            props["tags"]["items"],
            open(json!({"title": "PetTagsItem", "type": "string", "enum": ["t"]}))
        );
        assert_eq!(
            props["shape"],
            open(json!({"$ref": "#/components/schemas/Shape"}))
        );
        assert_eq!(
            props["other"],
            json!({"$ref": "#/components/schemas/Other"})
        );
        assert_eq!(
            props["named"]["x-rust-type"]["parameters"][0]["title"],
            "Colour"
        );
        // Not string enums: untouched.
        assert_eq!(props["count"], json!({"type": "integer", "enum": [1, 2]}));
        assert_eq!(props["free"], json!({"type": "string"}));
    }

    #[test]
    fn defaults_holding_wrapped_values_are_dropped() {
        let out = pass(
            json!({"type": "object", "default": {"bands": ["24"]}, "properties": {
                "bands": {"type": "array", "items": {"type": "string", "enum": ["24", "5"]},
                    "default": ["24", "5"]},
                "window": {"type": "object", "default": {"since": "2024-01-01"},
                    "properties": {"since": {"type": "string", "format": "date"}}},
                "plain": {"type": "array", "items": {"type": "string"}, "default": ["x"]}
            }}),
            &[],
        );
        assert_eq!(out.get("default"), None);
        assert_eq!(out["properties"]["bands"].get("default"), None);
        assert_eq!(out["properties"]["window"].get("default"), None);
        // Nothing wrapped inside: the default stays.
        assert_eq!(out["properties"]["plain"]["default"], json!(["x"]));
    }

    #[test]
    fn roots_and_constrained_enums_stay_closed() {
        let root = json!({"type": "string", "enum": ["a"]});
        assert_eq!(pass(root.clone(), &[]), root);
        let constrained =
            json!({"properties": {"p": {"type": "string", "enum": ["a"], "pattern": "^a$"}}});
        assert_eq!(pass(constrained.clone(), &[]), constrained);
        assert!(is_closed_string_enum(&root));
        assert!(!is_closed_string_enum(
            &json!({"type": ["string", "null"], "enum": ["a", null]})
        ));
    }

    #[test]
    fn dates_and_marked_values_are_lenient() {
        let out = pass(
            json!({"properties": {
                "created_at": {"type": "string", "format": "date-time", "description": "When."},
                "day": {"type": ["string", "null"], "format": "date"},
                "progress": {"type": "number", "x-lenient": true},
                "id": {"type": "string", "format": "uuid"}
            }}),
            &[],
        );
        let lenient = |inner: Value| {
            json!({"x-rust-type": {"crate": "clientgen-runtime", "version": "*",
                "path": "clientgen_runtime::Lenient", "parameters": [inner]}})
        };
        let mut created = lenient(json!({"type": "string", "format": "date-time"}));
        created["description"] = "When.".into();
        assert_eq!(out["properties"]["created_at"], created);
        assert_eq!(
            out["properties"]["day"],
            json!({"anyOf": [lenient(json!({"type": "string", "format": "date"})), {"type": "null"}]})
        );
        assert_eq!(
            out["properties"]["progress"],
            lenient(json!({"type": "number"}))
        );
        // Other formats keep their type.
        assert_eq!(
            out["properties"]["id"],
            json!({"type": "string", "format": "uuid"})
        );
    }

    #[test]
    fn secrets_are_redacting_strings() {
        let out = pass(
            json!({"properties": {
                "api_key": {"type": "string", "format": "password", "description": "Shown once."},
                "token": {"type": ["string", "null"], "x-secret": true},
                "name": {"type": "string"}
            }}),
            &[],
        );
        let secret = json!({"x-rust-type": {"crate": "clientgen-runtime", "version": "*",
            "path": "clientgen_runtime::SecretString"}});
        let mut api_key = secret.clone();
        api_key["description"] = "Shown once.".into();
        assert_eq!(out["properties"]["api_key"], api_key);
        assert_eq!(
            out["properties"]["token"],
            json!({"anyOf": [secret, {"type": "null"}]})
        );
        assert_eq!(out["properties"]["name"], json!({"type": "string"}));
    }
}
