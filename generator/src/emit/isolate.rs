//! The last line of defence around progenitor and typify: when they panic or refuse the reduced
//! spec even after [`super::sanitize`], find which component schemas and which operations cause
//! it (by halving), degrade just those, and say so with a warning that names each of them.
//!
//! A component schema that fails becomes `serde_json::Value`; an operation that fails is first
//! retried with its inline schemas replaced by `serde_json::Value` and raw strings, and left out
//! of the client (with a warning) only if that fails too. Panic messages are captured by a panic
//! hook instead of being printed.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::Once;

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::{Value, json};

use super::progenitor::{ProgenitorOutput, Rewriter};
use super::stream;
use crate::diagnostic::{Diagnostics, Severity, pointer};
use crate::load::SourceDoc;

const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// At most this many progenitor runs are spent looking for the culprits of one spec.
const RUN_BUDGET: usize = 400;

thread_local! {
    /// Set while this thread runs progenitor: a panic message is stored here, not printed.
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
                let mut c = c.borrow_mut();
                match c.as_mut() {
                    Some(slot) => {
                        let message = info
                            .payload()
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| {
                                info.payload().downcast_ref::<&str>().map(|s| s.to_string())
                            })
                            .unwrap_or_else(|| "unknown panic".into());
                        *slot = message.lines().next().unwrap_or("").to_string();
                        true
                    }
                    None => false,
                }
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
    CAPTURE.with(|c| *c.borrow_mut() = Some(String::new()));
    let result = std::panic::catch_unwind(AssertUnwindSafe(f));
    let message = CAPTURE.with(|c| c.borrow_mut().take()).unwrap_or_default();
    result.map_err(|_| message)
}

fn settings(runtime_crate: &syn::Ident) -> progenitor_impl::GenerationSettings {
    let mut settings = progenitor_impl::GenerationSettings::new();
    settings
        .with_interface(progenitor_impl::InterfaceStyle::Builder)
        .with_tag(progenitor_impl::TagStyle::Merged)
        .with_hooks(progenitor_impl::HooksMode::Expected)
        .with_inner_type(quote!(::#runtime_crate::ClientConfig));
    settings
}

/// One progenitor run over `spec`: its tokens, or why it failed (refusal or panic).
fn try_generate(spec: &Value, runtime_crate: &syn::Ident) -> Result<TokenStream, String> {
    let parsed = <openapiv3::OpenAPI as serde::Deserialize>::deserialize(spec)
        .map_err(|e| format!("the reduced spec does not parse: {e}"))?;
    let settings = settings(runtime_crate);
    match quiet_catch(move || {
        let mut generator = progenitor_impl::Generator::new(&settings);
        generator.generate_tokens(&parsed)
    }) {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => Err(format!("progenitor refused it: {e}")),
        Err(panic) => Err(format!("progenitor panicked: {panic}")),
    }
}

/// Runs progenitor on the reduced spec, isolating and degrading what it cannot take. Returns its
/// output, the warnings, and the operationIds left out of the client.
pub(crate) fn run(
    doc: &SourceDoc,
    mut spec: Value,
    runtime_crate: &syn::Ident,
    content_types: &BTreeMap<String, String>,
    renamed_params: &BTreeMap<String, Vec<(String, String)>>,
    other_media_types: &BTreeMap<String, Vec<String>>,
    original_keys: &BTreeMap<String, String>,
) -> Result<(ProgenitorOutput, Diagnostics, Vec<String>), Diagnostics> {
    let mut warnings = Diagnostics::new();
    let mut omitted = Vec::new();
    let tokens = match try_generate(&spec, runtime_crate) {
        Ok(tokens) => tokens,
        Err(first_failure) => {
            let mut budget = RUN_BUDGET;
            let outcome = isolate(
                doc,
                &mut spec,
                runtime_crate,
                original_keys,
                &mut budget,
                &mut warnings,
                &mut omitted,
            );
            match outcome.and_then(|()| try_generate(&spec, runtime_crate)) {
                Ok(tokens) => tokens,
                Err(e) => {
                    let mut ds = Diagnostics::new();
                    ds.push(doc.diagnostic(
                        Severity::Error,
                        "",
                        format!(
                            "progenitor cannot generate this spec ({first_failure}), and no \
                             single schema or operation could be blamed: {e}"
                        ),
                    ));
                    return Err(ds);
                }
            }
        }
    };
    let fail = |message: String| {
        let mut ds = Diagnostics::new();
        ds.push(doc.diagnostic(Severity::Error, "", format!("internal: {message}")));
        ds
    };
    let snake = |id: &str| super::progenitor_snake(id);
    let content_types = content_types
        .iter()
        .map(|(id, content_type)| (snake(id), content_type.clone()))
        .collect();
    let without_shorthand = operation_ids(&spec, &["options", "trace"])
        .map(snake)
        .collect();
    crate::drop_in_background(spec);
    let renamed_params = renamed_params
        .iter()
        .map(|(id, renamed)| (snake(id), renamed.clone()))
        .collect();
    let other_media_types = other_media_types
        .iter()
        .map(|(id, types)| (snake(id), types.clone()))
        .collect();
    let mut rewriter = Rewriter::new(
        content_types,
        without_shorthand,
        renamed_params,
        other_media_types,
        runtime_crate.clone(),
    );
    // Inside `mod raw`: one module deep.
    let raw = stream::format_items(tokens, 1, &mut |path, item| rewriter.item(path, item))
        .map_err(fail)?;
    let ops = rewriter.finish().map_err(fail)?;
    Ok((ProgenitorOutput { raw, ops }, warnings, omitted))
}

/// Finds and degrades the failing component schemas, then the failing operations.
fn isolate(
    doc: &SourceDoc,
    spec: &mut Value,
    runtime_crate: &syn::Ident,
    original_keys: &BTreeMap<String, String>,
    budget: &mut usize,
    warnings: &mut Diagnostics,
    omitted: &mut Vec<String>,
) -> Result<(), String> {
    // Component schemas, tried without any operation.
    let schema_names: Vec<String> = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let without_paths = {
        let mut s = spec.clone();
        s["paths"] = json!({});
        s
    };
    let schema_fails = |keep: &[String], budget: &mut usize| -> Option<String> {
        let mut trial = without_paths.clone();
        if let Some(schemas) = trial
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
        {
            for (name, schema) in schemas.iter_mut() {
                if !keep.contains(name) {
                    *schema = json!({});
                }
            }
        }
        *budget = budget.saturating_sub(1);
        try_generate(&trial, runtime_crate).err()
    };
    if schema_fails(&schema_names, budget).is_some() {
        for (name, why) in culprits(&schema_names, budget, &schema_fails)? {
            if let Some(schema) = spec.pointer_mut(&format!(
                "/components/schemas/{}",
                crate::diagnostic::escape_pointer_token(&name)
            )) {
                *schema = json!({});
            }
            let at = original_keys
                .get(&name)
                .map(|key| pointer(["components", "schemas", key.as_str()]))
                .unwrap_or_default();
            warnings.push(doc.diagnostic(
                Severity::Warning,
                at,
                format!("schema `{name}` cannot be turned into a Rust type ({why}): it is serde_json::Value"),
            ));
        }
    }

    // Operations, each with the repaired components.
    let ops: Vec<(String, String)> = spec
        .get("paths")
        .and_then(Value::as_object)
        .map(|paths| {
            paths
                .iter()
                .flat_map(|(path, item)| {
                    HTTP_METHODS
                        .iter()
                        .filter(|m| item.get(**m).is_some())
                        .map(|m| (path.clone(), m.to_string()))
                        .collect::<Vec<_>>()
                })
                .collect()
        })
        .unwrap_or_default();
    let with_ops = |spec: &Value, keep: &[(String, String)]| -> Value {
        let mut trial = spec.clone();
        if let Some(paths) = trial.get_mut("paths").and_then(Value::as_object_mut) {
            for (path, item) in paths.iter_mut() {
                if let Some(item) = item.as_object_mut() {
                    for m in HTTP_METHODS {
                        if !keep.contains(&(path.clone(), m.to_string())) {
                            item.remove(m);
                        }
                    }
                }
            }
        }
        trial
    };
    let current = spec.clone();
    let op_fails = |keep: &[(String, String)], budget: &mut usize| -> Option<String> {
        *budget = budget.saturating_sub(1);
        try_generate(&with_ops(&current, keep), runtime_crate).err()
    };
    if op_fails(&ops, budget).is_none() {
        return Ok(());
    }
    for ((path, method), why) in culprits(&ops, budget, &op_fails)? {
        let at = pointer(["paths", path.as_str(), method.as_str()]);
        let op_pointer = format!(
            "/paths/{}/{method}",
            crate::diagnostic::escape_pointer_token(&path)
        );
        let Some(op) = spec.pointer(&op_pointer).cloned() else {
            continue;
        };
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let mut plain = op;
        degrade_operation(&mut plain);
        let mut trial = with_ops(spec, &[]);
        trial["paths"][&path][&method] = plain.clone();
        *budget = budget.saturating_sub(1);
        if try_generate(&trial, runtime_crate).is_ok() {
            if let Some(op) = spec.pointer_mut(&op_pointer) {
                *op = plain;
            }
            warnings.push(doc.diagnostic(
                Severity::Warning,
                at,
                format!(
                    "operation `{id}` cannot be generated as described ({why}): its parameters \
                     are raw strings and its bodies serde_json::Value"
                ),
            ));
        } else {
            if let Some(item) = spec
                .pointer_mut(&format!(
                    "/paths/{}",
                    crate::diagnostic::escape_pointer_token(&path)
                ))
                .and_then(Value::as_object_mut)
            {
                item.remove(&method);
            }
            omitted.push(id.clone());
            warnings.push(doc.diagnostic(
                Severity::Warning,
                at,
                format!("operation `{id}` cannot be generated ({why}): left out of the client"),
            ));
        }
    }
    Ok(())
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
        if items.len() == 1 {
            out.push((items[0].clone(), why));
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
    if let Some(why) = fails(all, budget) {
        search(all, why, budget, fails, &mut out)?;
    }
    Ok(out)
}

/// Replaces an operation's inline schemas: parameters become strings, bodies JSON values.
fn degrade_operation(op: &mut Value) {
    if let Some(Value::Array(params)) = op.get_mut("parameters") {
        for p in params.iter_mut() {
            if let Some(obj) = p.as_object_mut() {
                obj.insert("schema".into(), json!({"type": "string"}));
                obj.remove("style");
            }
        }
    }
    let body_schema = |media_type: &str| -> Value {
        match media_type {
            "application/octet-stream" => json!({"type": "string", "format": "binary"}),
            "text/plain" => json!({"type": "string"}),
            _ => json!({}),
        }
    };
    if let Some(content) = op
        .pointer_mut("/requestBody/content")
        .and_then(Value::as_object_mut)
    {
        for (mt, media) in content.iter_mut() {
            *media = json!({ "schema": body_schema(mt) });
        }
    }
    if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
        for response in responses.values_mut() {
            if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
                for (mt, media) in content.iter_mut() {
                    *media = json!({ "schema": body_schema(mt) });
                }
            }
        }
    }
}

/// The operationIds of the operations with one of `methods` (lower case) in `spec`.
fn operation_ids<'a>(spec: &'a Value, methods: &'a [&str]) -> impl Iterator<Item = &'a str> {
    spec.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(move |item| methods.iter().filter_map(|m| item.get(*m)))
        .filter_map(|op| op.get("operationId").and_then(Value::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_are_caught_without_printing() {
        let r: Result<(), String> = quiet_catch(|| panic!("boom {}", 42));
        assert_eq!(r.unwrap_err(), "boom 42");
        assert_eq!(quiet_catch(|| 7).unwrap(), 7);
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
}
