//! Load stage: YAML or JSON text into a JSON value, then into `openapiv3`, with every error
//! located by JSON pointer and, where the text allows, by line and column.

use std::cell::OnceCell;
use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::diagnostic::{
    Diagnostic, Diagnostics, Location, Severity, escape_pointer_token, kind, nearest,
};

/// A spec's text as loaded: the parsed value, and a lazily built map from JSON pointer to line.
#[derive(Debug)]
pub struct SourceDoc {
    /// The file name used in diagnostics.
    pub file: String,
    /// The document as JSON.
    pub value: Value,
    text: String,
    positions: OnceCell<HashMap<PointerKey, Location>>,
}

impl SourceDoc {
    /// Line and column of the node at `pointer`, or of its nearest located ancestor.
    pub fn locate(&self, pointer: &str) -> Option<Location> {
        let positions = self
            .positions
            .get_or_init(|| index_positions(&self.text).unwrap_or_default());
        let mut current = pointer;
        loop {
            if let Some(loc) = positions.get(&PointerKey::of(current)) {
                return Some(*loc);
            }
            match current.rfind('/') {
                Some(idx) => current = &current[..idx],
                None => return None,
            }
        }
    }

    /// A diagnostic at `pointer` with the location filled in.
    pub fn diagnostic(
        &self,
        severity: Severity,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let pointer = pointer.into();
        let location = self.locate(&pointer);
        Diagnostic::new(severity, self.file.clone(), pointer, message).with_location(location)
    }

    /// The source text as loaded (without a byte order mark).
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// Parses `text` (YAML 1.2 or JSON) into a [`SourceDoc`].
pub fn parse_text(file: &str, text: &str) -> Result<SourceDoc, Diagnostics> {
    let trimmed = text.trim_start_matches('\u{feff}');
    let value = if looks_like_json(trimmed) {
        match serde_json::from_str::<Value>(trimmed) {
            Ok(value) => value,
            Err(err) => {
                let message = format!("invalid JSON: {err}");
                let d = Diagnostic::new(Severity::Error, file, "", message)
                    .with_kind(kind::SYNTAX)
                    .with_location(Some(Location {
                        line: err.line(),
                        column: err.column().max(1),
                    }));
                return Err(d.into());
            }
        }
    } else {
        let mut builder = ValueBuilder::new(false);
        let mut parser = Parser::new_from_str(trimmed);
        if let Err(err) = parser.load(&mut builder, false) {
            let mark = err.marker();
            let message = format!("invalid YAML: {}", err.info());
            let d = Diagnostic::new(Severity::Error, file, builder.current_pointer(), message)
                .with_kind(kind::SYNTAX)
                .with_location(Some(Location {
                    line: mark.line(),
                    // yaml-rust2 counts columns from 0; diagnostics from 1.
                    column: mark.col() + 1,
                }));
            return Err(d.into());
        }
        if let Some((message, mark, pointer)) = builder.error.take() {
            let d = Diagnostic::new(Severity::Error, file, pointer, message)
                .with_kind(kind::SYNTAX)
                .with_location(Some(Location {
                    line: mark.line(),
                    // yaml-rust2 counts columns from 0; diagnostics from 1.
                    column: mark.col() + 1,
                }));
            return Err(d.into());
        }
        match builder.root.take() {
            Some(value) => value,
            None => {
                let message = "the file is empty: expected an OpenAPI 3.0 description";
                let d = Diagnostic::new(Severity::Error, file, "", message)
                    .with_kind(kind::EMPTY)
                    .with_hint("start it with `openapi: 3.0.3`, then `info` and `paths`");
                return Err(d.into());
            }
        }
    };
    Ok(SourceDoc {
        file: file.to_string(),
        value,
        text: trimmed.to_string(),
        positions: OnceCell::new(),
    })
}

/// Deserializes the loaded value into an OpenAPI 3.0 document, naming the pointer of any mismatch.
pub fn to_openapi(doc: &SourceDoc) -> Result<openapiv3::OpenAPI, Diagnostics> {
    let mut ds = Diagnostics::new();
    let Some(root) = doc.value.as_object() else {
        ds.push(
            doc.diagnostic(
                Severity::Error,
                "",
                "this is not an OpenAPI description: the document must be a mapping with \
                 `openapi`, `info` and `paths`",
            )
            .with_kind(kind::NOT_OPENAPI),
        );
        return Err(ds);
    };
    let supported = "this generator reads OpenAPI 3.0.x: set `openapi: 3.0.3` once the \
                     description is 3.0";
    match root.get("openapi") {
        Some(Value::String(version)) if version.starts_with("3.0.") || version == "3.0" => {}
        Some(Value::String(version)) if version.starts_with("3.1") => {
            ds.push(
                doc.diagnostic(
                    Severity::Error,
                    "/openapi",
                    format!(
                        "OpenAPI {version} is not supported: this generator reads OpenAPI 3.0.x \
                         (3.1 changes the schema dialect to JSON Schema 2020-12: `type` arrays, \
                         `const`, `examples`, `$ref` siblings); convert the description to 3.0.3"
                    ),
                )
                .with_kind(kind::VERSION)
                .with_hint(supported),
            );
            return Err(ds);
        }
        Some(Value::String(version)) => {
            ds.push(
                doc.diagnostic(
                    Severity::Error,
                    "/openapi",
                    format!("unsupported OpenAPI version `{version}`: expected 3.0.x"),
                )
                .with_kind(kind::VERSION)
                .with_hint(supported),
            );
            return Err(ds);
        }
        Some(_) => {
            ds.push(
                doc.diagnostic(
                    Severity::Error,
                    "/openapi",
                    "`openapi` must be a version string such as \"3.0.3\"",
                )
                .with_kind(kind::VERSION)
                .with_hint("quote the version: `openapi: \"3.0.3\"`"),
            );
            return Err(ds);
        }
        None if root.contains_key("swagger") => {
            ds.push(
                doc.diagnostic(
                    Severity::Error,
                    "/swagger",
                    "Swagger 2.0 is not supported: convert the description to OpenAPI 3.0.3",
                )
                .with_kind(kind::VERSION)
                .with_hint(
                    "this generator needs OpenAPI 3.0.x: convert the file (e.g. `npx \
                     swagger2openapi in.yaml -o out.yaml`), which replaces `swagger: \"2.0\"` \
                     with `openapi: 3.0.3`",
                ),
            );
            return Err(ds);
        }
        None => {
            let typo = nearest("openapi", root.keys().map(String::as_str));
            let at = typo.map(|key| format!("/{}", escape_pointer_token(key)));
            let looks_like_openapi =
                typo.is_some() || root.contains_key("paths") || root.contains_key("info");
            let d = if looks_like_openapi {
                doc.diagnostic(
                    Severity::Error,
                    at.unwrap_or_default(),
                    "missing `openapi` version field: expected \"3.0.x\"",
                )
                .with_kind(kind::STRUCTURE)
            } else {
                doc.diagnostic(
                    Severity::Error,
                    "",
                    "not an OpenAPI description: there is no `openapi` version field",
                )
                .with_kind(kind::NOT_OPENAPI)
            };
            ds.push(match typo {
                Some(key) => d.with_hint(format!("`{key}` is probably meant to be `openapi`")),
                None if looks_like_openapi => {
                    d.with_hint("add `openapi: 3.0.3` at the top of the document")
                }
                None => d.with_hint(
                    "this looks like some other YAML or JSON document; an OpenAPI description \
                     starts with `openapi: 3.0.3`, `info` and `paths`",
                ),
            });
            return Err(ds);
        }
    }
    match serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(&doc.value) {
        Ok(spec) => Ok(spec),
        Err(err) => {
            let pointer = path_to_pointer(err.path());
            let inner = err.into_inner().to_string();
            let message = if inner.contains("untagged enum ReferenceOr") {
                "neither a valid `$ref` object nor a valid inline object of the expected kind"
                    .to_string()
            } else {
                inner
            };
            let mut d = doc
                .diagnostic(Severity::Error, pointer.as_str(), message.as_str())
                .with_kind(kind::STRUCTURE);
            // `missing field `responses`` next to a `respones`: name the typo.
            // serde names the mapping the field is missing from, or an ancestor of it (openapiv3
            // flattens some levels): the first mapping below it without the field but with a
            // key close to it holds the typo.
            if let Some(field) = message
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split('`').next())
                && let Some(node) = doc.value.pointer(&pointer)
                && let Some((typo_at, typo)) = find_typo(node, &pointer, field, 4)
            {
                d = doc
                    .diagnostic(Severity::Error, typo_at, message.as_str())
                    .with_kind(kind::STRUCTURE)
                    .with_hint(format!("`{typo}` is probably meant to be `{field}`"));
            }
            ds.push(d);
            Err(ds)
        }
    }
}

/// The pointer and name of the first key, in `node` or in a mapping up to `depth` levels below
/// it, that is close to `field` in a mapping that lacks `field`.
fn find_typo(node: &Value, at: &str, field: &str, depth: usize) -> Option<(String, String)> {
    let Value::Object(map) = node else {
        return None;
    };
    if !map.contains_key(field)
        && let Some(typo) = nearest(field, map.keys().map(String::as_str))
    {
        return Some((
            format!("{at}/{}", escape_pointer_token(typo)),
            typo.to_string(),
        ));
    }
    if depth == 0 {
        return None;
    }
    map.iter().find_map(|(key, child)| {
        find_typo(
            child,
            &format!("{at}/{}", escape_pointer_token(key)),
            field,
            depth - 1,
        )
    })
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                out.push('/');
                out.push_str(&index.to_string());
            }
            Segment::Map { key } => {
                out.push('/');
                out.push_str(&escape_pointer_token(key));
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    out
}

fn looks_like_json(text: &str) -> bool {
    matches!(text.trim_start().chars().next(), Some('{') | Some('['))
}

/// A JSON pointer's 128-bit hash (two independent 64-bit hashes): the position index of a large
/// description holds millions of pointers, whose text would be most of its size (keeping it cost
/// about 0.3 GB more on Microsoft Graph beta).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct PointerKey(u64, u64);

impl PointerKey {
    fn of(pointer: &str) -> Self {
        use std::hash::{Hash, Hasher};
        let mut sip = std::hash::DefaultHasher::new();
        pointer.hash(&mut sip);
        // FNV-1a, a different function, so that one collision is not also the other's.
        let fnv = pointer
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
            });
        Self(sip.finish(), fnv)
    }
}

/// Builds the line index of every node of a YAML or JSON text (JSON is YAML 1.2).
fn index_positions(text: &str) -> Option<HashMap<PointerKey, Location>> {
    let mut builder = ValueBuilder::new(true);
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, false).ok()?;
    Some(builder.positions)
}

enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
    },
    Map {
        map: Map<String, Value>,
        pending_key: Option<String>,
        anchor: usize,
        /// Keys that came from a `<<` merge: an explicit key may override them.
        merged: Vec<String>,
    },
}

/// Turns parser events into a `serde_json::Value`, resolving anchors and recording positions.
struct ValueBuilder {
    stack: Vec<Frame>,
    /// The pointer tokens of the frames on the stack (one per open frame, the key within it).
    root: Option<Value>,
    anchors: HashMap<usize, Value>,
    record_positions: bool,
    positions: HashMap<PointerKey, Location>,
    error: Option<(String, Marker, String)>,
    documents: usize,
}

impl ValueBuilder {
    fn new(record_positions: bool) -> Self {
        Self {
            stack: Vec::new(),
            root: None,
            anchors: HashMap::new(),
            record_positions,
            positions: HashMap::new(),
            error: None,
            documents: 0,
        }
    }

    /// The pointer of the node that the next value will fill.
    fn current_pointer(&self) -> String {
        let mut out = String::new();
        for frame in &self.stack {
            match frame {
                Frame::Seq { items, .. } => {
                    out.push('/');
                    out.push_str(&items.len().to_string());
                }
                Frame::Map {
                    pending_key: Some(key),
                    ..
                } => {
                    out.push('/');
                    out.push_str(&escape_pointer_token(key));
                }
                Frame::Map { .. } => {}
            }
        }
        out
    }

    fn awaiting_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame::Map {
                pending_key: None,
                ..
            })
        )
    }

    fn fail(&mut self, message: String, mark: Marker) {
        if self.error.is_none() {
            let pointer = self.current_pointer();
            self.error = Some((message, mark, pointer));
        }
    }

    fn insert(&mut self, value: Value, anchor: usize, mark: Marker) {
        if anchor > 0 {
            self.anchors.insert(anchor, value.clone());
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(value);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map {
                map,
                pending_key,
                merged,
                ..
            }) => {
                if let Some(key) = pending_key.take() {
                    if key == "<<" {
                        // YAML merge key: copy the merged mapping's entries that are not set yet.
                        let sources = match value {
                            Value::Object(m) => vec![m],
                            Value::Array(items) => items
                                .into_iter()
                                .filter_map(|v| match v {
                                    Value::Object(m) => Some(m),
                                    _ => None,
                                })
                                .collect(),
                            _ => Vec::new(),
                        };
                        for source in sources {
                            for (k, v) in source {
                                if !map.contains_key(&k) {
                                    merged.push(k.clone());
                                    map.insert(k, v);
                                }
                            }
                        }
                    } else if let Some(pos) = merged.iter().position(|k| *k == key) {
                        merged.remove(pos);
                        map.insert(key, value);
                    } else if map.contains_key(&key) {
                        let message = format!("duplicate key `{key}` in a mapping");
                        self.fail(message, mark);
                    } else {
                        map.insert(key, value);
                    }
                }
            }
        }
    }

    fn record(&mut self, mark: Marker) {
        if self.record_positions {
            let pointer = self.current_pointer();
            self.positions
                .entry(PointerKey::of(&pointer))
                .or_insert(Location {
                    line: mark.line(),
                    column: mark.col() + 1,
                });
        }
    }
}

impl MarkedEventReceiver for ValueBuilder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        match ev {
            Event::DocumentStart => {
                self.documents += 1;
            }
            Event::Scalar(text, style, anchor, tag) => {
                if self.awaiting_key() {
                    if let Some(Frame::Map { pending_key, .. }) = self.stack.last_mut() {
                        *pending_key = Some(text);
                    }
                    self.record(mark);
                    return;
                }
                self.record(mark);
                let tag_suffix = tag.as_ref().map(|t| t.suffix.as_str());
                let value = scalar_value(text, style, tag_suffix);
                self.insert(value, anchor, mark);
            }
            Event::SequenceStart(anchor, _) => {
                if self.awaiting_key() {
                    self.fail("a sequence cannot be a mapping key".into(), mark);
                    return;
                }
                self.record(mark);
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    anchor,
                });
            }
            Event::MappingStart(anchor, _) => {
                if self.awaiting_key() {
                    self.fail("a mapping cannot be a mapping key".into(), mark);
                    return;
                }
                self.record(mark);
                self.stack.push(Frame::Map {
                    map: Map::new(),
                    pending_key: None,
                    anchor,
                    merged: Vec::new(),
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq { items, anchor }) = self.stack.pop() {
                    self.insert(Value::Array(items), anchor, mark);
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map { map, anchor, .. }) = self.stack.pop() {
                    self.insert(Value::Object(map), anchor, mark);
                }
            }
            Event::Alias(id) => {
                let Some(value) = self.anchors.get(&id).cloned() else {
                    self.fail(format!("alias refers to unknown anchor {id}"), mark);
                    return;
                };
                if self.awaiting_key() {
                    match value {
                        Value::String(key) => {
                            if let Some(Frame::Map { pending_key, .. }) = self.stack.last_mut() {
                                *pending_key = Some(key);
                            }
                        }
                        _ => self.fail("an alias used as a key must be a string".into(), mark),
                    }
                    return;
                }
                self.record(mark);
                self.insert(value, 0, mark);
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
    }
}

/// Resolves a scalar by the YAML 1.2 core schema: quoted scalars are strings; plain ones may be
/// null, booleans or numbers.
fn scalar_value(text: String, style: TScalarStyle, tag: Option<&str>) -> Value {
    match tag {
        Some("str") => return Value::String(text),
        Some("null") => return Value::Null,
        Some("bool") => return Value::Bool(matches!(text.as_str(), "true" | "True" | "TRUE")),
        _ => {}
    }
    if style != TScalarStyle::Plain {
        return Value::String(text);
    }
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Some(number) = parse_number(&text) {
        return Value::Number(number);
    }
    Value::String(text)
}

fn parse_number(text: &str) -> Option<Number> {
    let bytes = text.as_bytes();
    let first = *bytes.first()?;
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return None;
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(Number::from);
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok().map(Number::from);
    }
    let digits = text.strip_prefix('+').unwrap_or(text);
    let is_int = {
        let body = digits.strip_prefix('-').unwrap_or(digits);
        !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit())
    };
    if is_int {
        if let Ok(v) = digits.parse::<i64>() {
            return Some(Number::from(v));
        }
        if let Ok(v) = digits.parse::<u64>() {
            return Some(Number::from(v));
        }
    }
    // A float per the core schema: digits with a dot and/or exponent (no inf/nan in JSON).
    let float_like = digits
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && digits.bytes().any(|b| b.is_ascii_digit());
    if float_like && let Ok(v) = digits.parse::<f64>() {
        return Number::from_f64(v);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_scalars_follow_the_core_schema() {
        let doc = parse_text(
            "t.yaml",
            "a: 200\nb: '200'\nc: true\nd: ~\ne: 1.5\nf: 3.0.3\ng: 0x1F\nh: -7\n",
        )
        .unwrap();
        assert_eq!(
            doc.value,
            serde_json::json!({"a": 200, "b": "200", "c": true, "d": null, "e": 1.5, "f": "3.0.3", "g": 31, "h": -7})
        );
    }

    #[test]
    fn numeric_keys_become_strings() {
        let doc = parse_text("t.yaml", "responses:\n  200:\n    description: ok\n").unwrap();
        assert_eq!(doc.value["responses"]["200"]["description"], "ok");
    }

    #[test]
    fn anchors_aliases_and_merge_keys_resolve() {
        let text = "base: &b {x: 1, y: 2}\nuse: *b\nmerged:\n  <<: *b\n  y: 3\n";
        let doc = parse_text("t.yaml", text).unwrap();
        assert_eq!(doc.value["use"], serde_json::json!({"x": 1, "y": 2}));
        assert_eq!(doc.value["merged"], serde_json::json!({"y": 3, "x": 1}));
    }

    #[test]
    fn positions_are_indexed_by_pointer() {
        let text = "openapi: 3.0.3\npaths:\n  /a/{b}:\n    get:\n      operationId: x\n";
        let doc = parse_text("t.yaml", text).unwrap();
        let loc = doc.locate("/paths/~1a~1{b}/get/operationId").unwrap();
        assert_eq!(loc.line, 5);
        // An unknown child falls back to its nearest known ancestor.
        let loc = doc.locate("/paths/~1a~1{b}/get/nothing/here").unwrap();
        assert_eq!(loc.line, 4);
    }

    #[test]
    fn json_positions_come_from_the_same_index() {
        let text = "{\n  \"openapi\": \"3.0.3\",\n  \"paths\": {\n    \"/x\": {}\n  }\n}\n";
        let doc = parse_text("t.json", text).unwrap();
        assert_eq!(doc.locate("/paths/~1x").unwrap().line, 4);
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = parse_text("bad.yaml", "a:\n  b: [1, 2\nc: 3\n").unwrap_err();
        let d = err.iter().next().unwrap();
        assert!(d.location.is_some(), "{d}");
        assert!(d.message.starts_with("invalid YAML"), "{d}");
        let err = parse_text("bad.json", "{\"a\": }").unwrap_err();
        let d = err.iter().next().unwrap();
        assert_eq!(d.location.unwrap().line, 1);
    }

    #[test]
    fn duplicate_keys_are_errors_with_a_pointer() {
        let err = parse_text("d.yaml", "paths:\n  /a: {}\n  /a: {}\n").unwrap_err();
        let d = err.iter().next().unwrap();
        assert!(d.message.contains("duplicate key `/a`"), "{d}");
        assert_eq!(d.location.unwrap().line, 3);
    }

    #[test]
    fn empty_and_non_mapping_documents_are_errors() {
        assert!(parse_text("e.yaml", "").is_err());
        let doc = parse_text("s.yaml", "just a string").unwrap();
        let err = to_openapi(&doc).unwrap_err();
        assert!(err.to_string().contains("must be a mapping"));
    }

    #[test]
    fn wrong_versions_are_named() {
        for (text, needle) in [
            (
                "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
                "3.1.0 is not supported",
            ),
            ("swagger: '2.0'\n", "Swagger 2.0"),
            ("info: {}\n", "missing `openapi`"),
            ("openapi: 2.5.0\n", "unsupported OpenAPI version"),
        ] {
            let doc = parse_text("v.yaml", text).unwrap();
            let err = to_openapi(&doc).unwrap_err().to_string();
            assert!(err.contains(needle), "{err}");
        }
    }

    #[test]
    fn structural_errors_name_the_pointer_and_line() {
        let text = "openapi: 3.0.3\ninfo:\n  title: t\n  version: '1'\npaths:\n  /x:\n    get:\n      responses:\n        '200':\n          description: 5\n";
        let doc = parse_text("s.yaml", text).unwrap();
        let err = to_openapi(&doc).unwrap_err();
        let d = err.iter().next().unwrap();
        // openapiv3 deserializes `paths` as a whole, so the pointer stops there; the message
        // still names the offending value, and the line is known.
        assert!(d.pointer.starts_with("/paths"), "{d}");
        assert!(d.message.contains("integer `5`"), "{d}");
        assert!(d.location.is_some(), "{d}");
    }
}
