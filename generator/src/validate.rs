//! Validate stage: structural checks that must hold before lowering, all reported in one run.
//!
//! It runs after `repair`, which has already made operationIds present and unique and the path
//! parameters agree with the path templates (each with a warning); what is left to check here
//! is what nothing repairs: `$ref`s that do not resolve or point outside the document, paths
//! that do not start with `/`, `$ref` path items, security requirements naming no scheme, and
//! operations without a documented success.

use std::collections::BTreeSet;

use openapiv3::{OpenAPI, ReferenceOr};
use serde_json::Value;

use crate::diagnostic::{Diagnostics, Severity, escape_pointer_token, kind, nearest, pointer};
use crate::load::SourceDoc;

/// Checks `spec` and returns every problem found (warnings included).
pub fn validate(doc: &SourceDoc, spec: &OpenAPI) -> Diagnostics {
    let mut ds = Diagnostics::new();
    check_refs(doc, &doc.value, &mut String::new(), &mut ds);
    check_operations(doc, spec, &mut ds);
    check_field_names(doc, &mut ds);
    ds
}

const ROOT_FIELDS: &[&str] = &[
    "openapi",
    "info",
    "jsonSchemaDialect",
    "servers",
    "paths",
    "webhooks",
    "components",
    "security",
    "tags",
    "externalDocs",
];
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
const PATH_ITEM_FIELDS: &[&str] = &[
    "$ref",
    "summary",
    "description",
    "get",
    "put",
    "post",
    "delete",
    "options",
    "head",
    "patch",
    "trace",
    "servers",
    "parameters",
];
const OPERATION_FIELDS: &[&str] = &[
    "tags",
    "summary",
    "description",
    "externalDocs",
    "operationId",
    "parameters",
    "requestBody",
    "responses",
    "callbacks",
    "deprecated",
    "security",
    "servers",
];

/// A key of the root, a path item or an operation that is no field of that object but is close
/// to one (`requestbody`, `operationID`, `paramters`) is a typo that would otherwise be ignored
/// without a word: a warning naming the field it probably is. Keys close to no field, and `x-`
/// extensions, are left alone.
fn check_field_names(doc: &SourceDoc, ds: &mut Diagnostics) {
    let Some(root) = doc.value.as_object() else {
        return;
    };
    let mut check = |map: &serde_json::Map<String, Value>, at: &str, fields: &[&str]| {
        for key in map.keys() {
            if key.starts_with("x-") || fields.contains(&key.as_str()) {
                continue;
            }
            if let Some(field) = nearest(key, fields.iter().copied()) {
                ds.push(
                    doc.diagnostic(
                        Severity::Warning,
                        format!("{at}/{}", escape_pointer_token(key)),
                        format!("unknown field `{key}`: it is ignored"),
                    )
                    .with_kind(kind::UNKNOWN_FIELD)
                    .with_hint(format!("`{key}` is probably meant to be `{field}`")),
                );
            }
        }
    };
    check(root, "", ROOT_FIELDS);
    let Some(paths) = root.get("paths").and_then(Value::as_object) else {
        return;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        let item_at = pointer(["paths", path.as_str()]);
        check(item, &item_at, PATH_ITEM_FIELDS);
        for (method, op) in item {
            if let Some(op) = op.as_object()
                && METHODS.contains(&method.as_str())
            {
                check(op, &format!("{item_at}/{method}"), OPERATION_FIELDS);
            }
        }
    }
}

/// Every `$ref` is local (`#/...`) and resolves.
fn check_refs(doc: &SourceDoc, value: &Value, at: &mut String, ds: &mut Diagnostics) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                let ref_at = format!("{at}/$ref");
                // The repair stage has percent-decoded the fragment: decoding it again would
                // turn an escaped `%` (`%25`) into the start of another escape.
                if let Some(local) = reference.strip_prefix('#') {
                    if doc.value.pointer(local).is_none() {
                        let d = doc
                            .diagnostic(
                                Severity::Error,
                                ref_at,
                                format!("`$ref` `{reference}` does not resolve"),
                            )
                            .with_kind(kind::REFERENCE);
                        ds.push(match nearest_target(&doc.value, local) {
                            Some(near) => d.with_hint(format!("did you mean `#{near}`?")),
                            None => d,
                        });
                    }
                } else {
                    ds.push(
                        doc.diagnostic(
                            Severity::Error,
                            ref_at,
                            format!(
                                "external `$ref` `{reference}` is not supported: bundle the \
                                 description into one file first"
                            ),
                        )
                        .with_kind(kind::REFERENCE),
                    );
                }
            }
            for (key, child) in map {
                let len = at.len();
                at.push('/');
                at.push_str(&crate::diagnostic::escape_pointer_token(key));
                check_refs(doc, child, at, ds);
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = at.len();
                at.push('/');
                at.push_str(&i.to_string());
                check_refs(doc, child, at, ds);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// The existing pointer nearest to `missing`: its longest existing prefix, then for each token
/// after it the nearest key of that mapping (`/components/schemas/Pett` -> `/components/schemas/Pet`).
fn nearest_target(root: &Value, missing: &str) -> Option<String> {
    let tokens: Vec<&str> = missing.split('/').skip(1).collect();
    let mut at = String::new();
    let mut node = root;
    let mut changed = false;
    for token in tokens {
        let exact = node.pointer(&format!("/{token}"));
        let (key, child) = match (exact, node) {
            (Some(child), _) => (token.to_string(), child),
            (None, Value::Object(map)) => {
                let unescaped = token.replace("~1", "/").replace("~0", "~");
                let key = nearest(&unescaped, map.keys().map(String::as_str))?;
                changed = true;
                (escape_pointer_token(key), &map[key])
            }
            (None, _) => return None,
        };
        at.push('/');
        at.push_str(&key);
        node = child;
    }
    changed.then_some(at)
}

fn check_operations(doc: &SourceDoc, spec: &OpenAPI, ds: &mut Diagnostics) {
    let schemes: BTreeSet<&String> = spec
        .components
        .as_ref()
        .map(|c| c.security_schemes.keys().collect())
        .unwrap_or_default();
    let check_security =
        |reqs: &[openapiv3::SecurityRequirement], at: &str, ds: &mut Diagnostics| {
            for (i, req) in reqs.iter().enumerate() {
                for name in req.keys() {
                    if !schemes.contains(name) {
                        ds.push(doc.diagnostic(
                        Severity::Error,
                        format!("{at}/{i}/{}", crate::diagnostic::escape_pointer_token(name)),
                        format!(
                            "security scheme `{name}` is not defined in components.securitySchemes"
                        ),
                    ));
                    }
                }
            }
        };
    if let Some(reqs) = &spec.security {
        check_security(reqs, "/security", ds);
    }
    // openapiv3 drops a path that does not start with `/` without a word: look at the document.
    if let Some(paths) = doc.value.get("paths").and_then(Value::as_object) {
        for path in paths.keys() {
            if !path.starts_with('/') && !path.starts_with("x-") {
                ds.push(doc.diagnostic(
                    Severity::Error,
                    pointer(["paths", path.as_str()]),
                    format!("path `{path}` must start with `/`"),
                ));
            }
        }
    }
    if spec.paths.paths.is_empty() {
        ds.push(doc.diagnostic(
            Severity::Warning,
            "/paths",
            "the description has no paths: the client will have no operations",
        ));
    }
    for (path, item) in &spec.paths.paths {
        let item_at = pointer(["paths", path.as_str()]);
        let ReferenceOr::Item(item) = item else {
            ds.push(doc.diagnostic(
                Severity::Error,
                item_at,
                "a `$ref` path item is not supported: inline it",
            ));
            continue;
        };
        for (method, op) in item.iter() {
            let op_at = format!("{item_at}/{method}");
            if let Some(reqs) = &op.security {
                check_security(reqs, &format!("{op_at}/security"), ds);
            }
            let successes: Vec<_> = op
                .responses
                .responses
                .iter()
                .filter(|(code, _)| match code {
                    openapiv3::StatusCode::Code(c) => (200..300).contains(c),
                    openapiv3::StatusCode::Range(r) => *r == 2,
                })
                .collect();
            if successes.is_empty() && op.responses.default.is_none() {
                ds.push(doc.diagnostic(
                    Severity::Warning,
                    format!("{op_at}/responses"),
                    "no 2xx response is documented: a success returns no typed body",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{parse_text, to_openapi};

    fn diagnostics(text: &str) -> Diagnostics {
        let doc = parse_text("v.yaml", text).unwrap();
        let spec = to_openapi(&doc).unwrap();
        validate(&doc, &spec)
    }

    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

    #[test]
    fn reports_every_problem_in_one_run() {
        let text = format!(
            "{HEAD}paths:\n  a:\n    get:\n      operationId: a\n      responses:\n        '200': {{description: ok}}\n  /b:\n    get:\n      operationId: b\n      security: [{{nope: []}}]\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/Missing'}}\n  /c:\n    get:\n      operationId: c\n      responses:\n        '404': {{description: gone}}\n"
        );
        let ds = diagnostics(&text);
        let all = ds.to_string();
        assert!(all.contains("path `a` must start with `/`"), "{all}");
        assert!(
            all.contains("security scheme `nope` is not defined"),
            "{all}"
        );
        assert!(
            all.contains("`#/components/schemas/Missing` does not resolve"),
            "{all}"
        );
        assert!(
            all.contains("/paths/~1c/get/responses: no 2xx response"),
            "{all}"
        );
        assert_eq!(ds.errors().count(), 3, "{all}");
        // Lines are known for each of them.
        assert!(ds.errors().all(|d| d.location.is_some()), "{all}");
    }

    #[test]
    fn a_typo_in_an_optional_field_is_named_with_the_field() {
        let text = format!(
            "{HEAD}paths:\n  /x:\n    get:\n      operationId: x\n      requestbody: {{}}\n      x-cost: 1\n      unrelated: 1\n      responses:\n        '200': {{description: ok}}\n"
        );
        let ds = diagnostics(&text);
        let typos: Vec<_> = ds
            .iter()
            .filter(|d| d.kind == kind::UNKNOWN_FIELD)
            .collect();
        assert_eq!(typos.len(), 1, "{ds}");
        assert_eq!(typos[0].pointer, "/paths/~1x/get/requestbody");
        assert_eq!(
            typos[0].hint.as_deref(),
            Some("`requestbody` is probably meant to be `requestBody`")
        );
    }

    #[test]
    fn external_refs_are_named() {
        let text = format!(
            "{HEAD}paths:\n  /x:\n    get:\n      operationId: x\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: 'other.yaml#/X'}}\n"
        );
        let ds = diagnostics(&text);
        let all = ds.to_string();
        assert!(all.contains("external `$ref` `other.yaml#/X`"), "{all}");
    }

    #[test]
    fn percent_encoded_refs_are_decoded_once() {
        // `a%2520b` is the URI form of the key `a%20b`; decoding twice would look for `a b`
        // and report the reference as broken.
        let text = format!(
            "{HEAD}paths:\n  /x:\n    get:\n      operationId: x\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/a%2520b'}}\ncomponents:\n  schemas:\n    a%20b: {{type: string}}\n"
        );
        let mut doc = parse_text("v.yaml", &text).unwrap();
        crate::repair::repair(&mut doc);
        let spec = to_openapi(&doc).unwrap();
        let ds = validate(&doc, &spec);
        assert!(!ds.to_string().contains("does not resolve"), "{ds}");
    }
}
