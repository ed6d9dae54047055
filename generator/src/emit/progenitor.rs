//! The part of emitting that progenitor does: types and request code for what it can take.
//!
//! progenitor gets a copy of the spec reduced to what it handles: component schemas renamed to
//! the IR's type names (plus lifted inline schemas), success responses only (so operations whose
//! error responses differ in shape cannot trip its single-error-type assertion), one media type
//! per body, and no multipart operations (the generator emits those itself). Its output is then
//! rewritten: each builder's `send` becomes `send_raw`, the one attempt our typed `send` wraps.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use serde_json::{Map, Value};
use syn::visit_mut::VisitMut;

use crate::diagnostic::{Diagnostic, Diagnostics, Severity};
use crate::ir::{Api, Operation, RequestBody, StatusMatch};
use crate::load::SourceDoc;
use crate::lower::is_json_media_type;

/// What the emitters need to know about one operation progenitor generated.
#[derive(Debug, Clone)]
pub struct ProgenitorOp {
    /// The builder struct in `builder::`.
    pub builder: syn::Ident,
    /// The `Client` method returning the builder.
    pub method: syn::Ident,
    /// `T` in `ResponseValue<T>` of a success.
    pub success_type: syn::Type,
    /// Each setter's target type (`V: TryInto<T>`), by setter name.
    pub setters: BTreeMap<String, syn::Type>,
}

/// progenitor's output, parsed, with the per-operation facts extracted.
pub struct ProgenitorOutput {
    /// The items of the generated file (with `send` renamed to `send_raw`).
    pub items: Vec<syn::Item>,
    /// Per operationId.
    pub ops: BTreeMap<String, ProgenitorOp>,
}

const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Builds progenitor's input from the loaded document and the IR.
pub fn progenitor_input(doc: &SourceDoc, api: &Api) -> Value {
    let mut value = doc.value.clone();
    let multipart_ops: Vec<(String, String)> = api
        .operations
        .iter()
        .filter(|op| matches!(op.body, RequestBody::Multipart(_)))
        .map(|op| (op.path.clone(), op.method.to_ascii_lowercase()))
        .collect();
    let ops: BTreeMap<(String, String), &Operation> = api
        .operations
        .iter()
        .map(|op| ((op.path.clone(), op.method.to_ascii_lowercase()), op))
        .collect();

    // Components: renamed schemas plus lifted ones.
    if let Some(root) = value.as_object_mut() {
        let components = root
            .entry("components")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(components) = components.as_object_mut() {
            let old = components
                .remove("schemas")
                .and_then(|v| match v {
                    Value::Object(m) => Some(m),
                    _ => None,
                })
                .unwrap_or_default();
            let mut schemas = Map::new();
            for (key, schema) in old {
                let name = api.type_names.get(&key).cloned().unwrap_or(key);
                schemas.insert(name, schema);
            }
            for lifted in &api.lifted_schemas {
                schemas.insert(lifted.name.clone(), lifted.schema.clone());
            }
            components.insert("schemas".into(), Value::Object(schemas));
        }
    }
    let responses = value
        .pointer("/components/responses")
        .cloned()
        .unwrap_or(Value::Null);

    // Operations: ids, success responses only, one media type, no multipart.
    if let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for method in HTTP_METHODS {
                if multipart_ops.contains(&(path.clone(), method.to_string())) {
                    item.remove(method);
                    continue;
                }
                let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) else {
                    continue;
                };
                let lowered = ops.get(&(path.clone(), method.to_string()));
                if let Some(lowered) = lowered {
                    op.insert("operationId".into(), Value::String(lowered.id.clone()));
                }
                if let Some(body) = op.get_mut("requestBody").and_then(Value::as_object_mut)
                    && let Some(content) = body.get_mut("content").and_then(Value::as_object_mut)
                {
                    keep_one_media_type(content);
                }
                if let Some(rs) = op.get_mut("responses").and_then(Value::as_object_mut) {
                    // Bodiless 2xx beside one with a body: the typed `send` maps them to `None`.
                    if let Some(lowered) = lowered {
                        rs.retain(|code, _| {
                            !lowered
                                .empty_successes
                                .iter()
                                .any(|s| status_key_matches(*s, code))
                        });
                    }
                    keep_success_responses(rs, &responses);
                }
            }
        }
    }
    rename_refs(&mut value, api);
    value
}

/// Whether a `responses` key (`204`, `2XX`) names this status.
fn status_key_matches(status: StatusMatch, key: &str) -> bool {
    match status {
        StatusMatch::Code(code) => key == code.to_string(),
        StatusMatch::Range(digit) => key.eq_ignore_ascii_case(&format!("{digit}XX")),
        StatusMatch::Default => key == "default",
    }
}

fn keep_one_media_type(content: &mut Map<String, Value>) {
    if content.len() <= 1 {
        return;
    }
    let keep = content
        .keys()
        .find(|k| is_json_media_type(k))
        .or_else(|| content.keys().next())
        .cloned();
    if let Some(keep) = keep {
        content.retain(|k, _| *k == keep);
    }
}

fn keep_success_responses(responses: &mut Map<String, Value>, shared: &Value) {
    let mut first_content: Option<Value> = None;
    let mut kept = Map::new();
    for (code, response) in responses.iter() {
        let is_success = code.len() == 3 && (code.starts_with('2'));
        if !is_success {
            continue;
        }
        let mut response = response.clone();
        // Resolve a shared response so that its content can be inspected and trimmed.
        if let Some(reference) = response.get("$ref").and_then(Value::as_str)
            && let Some(name) = reference.strip_prefix("#/components/responses/")
            && let Some(found) = shared.get(name)
        {
            response = found.clone();
        }
        if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
            keep_one_media_type(content);
        }
        let content = content_shape(&response);
        match &first_content {
            None => first_content = Some(content),
            // progenitor takes one success type: later 2xx with another body are left out.
            Some(first) if *first != content => continue,
            Some(_) => {}
        }
        kept.insert(code.clone(), response);
    }
    *responses = kept;
}

/// A response's content without its examples: 2xx responses whose schemas agree share one
/// success type, whatever their examples say.
fn content_shape(response: &Value) -> Value {
    let mut content = response.get("content").cloned().unwrap_or(Value::Null);
    if let Some(media_types) = content.as_object_mut() {
        for media in media_types.values_mut().filter_map(Value::as_object_mut) {
            media.remove("example");
            media.remove("examples");
        }
    }
    content
}

fn rename_refs(value: &mut Value, api: &Api) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref")
                && let Some(key) = reference.strip_prefix("#/components/schemas/")
                && let Some(name) = api.type_names.get(key)
            {
                *reference = format!("#/components/schemas/{name}");
            }
            for child in map.values_mut() {
                rename_refs(child, api);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename_refs(v, api)),
        _ => {}
    }
}

/// Runs progenitor on the reduced spec and extracts what the other emitters need.
pub fn run_progenitor(
    doc: &SourceDoc,
    input: Value,
    runtime_crate: &syn::Ident,
) -> Result<ProgenitorOutput, Diagnostics> {
    let fail = |message: String| {
        let mut ds = Diagnostics::new();
        ds.push(Diagnostic {
            severity: Severity::Error,
            file: doc.file.clone(),
            pointer: String::new(),
            location: None,
            message,
        });
        ds
    };
    let spec: openapiv3::OpenAPI = serde_json::from_value(input)
        .map_err(|e| fail(format!("internal: the reduced spec does not parse: {e}")))?;
    let mut settings = progenitor_impl::GenerationSettings::new();
    settings
        .with_interface(progenitor_impl::InterfaceStyle::Builder)
        .with_tag(progenitor_impl::TagStyle::Merged)
        .with_hooks(progenitor_impl::HooksMode::Expected)
        .with_inner_type(quote!(::#runtime_crate::ClientConfig));
    let tokens: TokenStream = match std::panic::catch_unwind(move || {
        let mut generator = progenitor_impl::Generator::new(&settings);
        generator.generate_tokens(&spec)
    }) {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(e)) => return Err(fail(format!("progenitor cannot generate this spec: {e}"))),
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            return Err(fail(format!(
                "progenitor failed on this spec (caught panic: {what}); please report it \
                 with the spec attached"
            )));
        }
    };
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| fail(format!("internal: progenitor output does not parse: {e}")))?;
    rewrite(file).map_err(fail)
}

/// Renames `send` to `send_raw`, drops progenitor's constructors, and indexes the operations.
pub(crate) fn rewrite(mut file: syn::File) -> Result<ProgenitorOutput, String> {
    let mut methods: BTreeMap<String, syn::Ident> = BTreeMap::new();
    let mut items = Vec::new();
    for item in file.items.drain(..) {
        if let syn::Item::Impl(imp) = &item
            && imp.trait_.is_none()
            && is_type(&imp.self_ty, "Client")
        {
            let is_constructors = imp
                .items
                .iter()
                .any(|i| matches!(i, syn::ImplItem::Fn(f) if f.sig.ident == "new_with_client"));
            if is_constructors {
                // The generated crate's own constructors replace these (auth, redirects).
                continue;
            }
            for i in &imp.items {
                if let syn::ImplItem::Fn(f) = i
                    && let syn::ReturnType::Type(_, ty) = &f.sig.output
                    && let Some(builder) = last_segment(ty)
                {
                    methods.insert(builder, f.sig.ident.clone());
                }
            }
        }
        items.push(item);
    }
    let mut ops = BTreeMap::new();
    for item in &mut items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        if module.ident != "builder" {
            continue;
        }
        let Some((_, content)) = &mut module.content else {
            continue;
        };
        for inner in content.iter_mut() {
            // The typed `send` sits outside the module and reads the builder's client.
            if let syn::Item::Struct(builder) = inner {
                for field in builder.fields.iter_mut() {
                    if field.ident.as_ref().is_some_and(|i| i == "client") {
                        field.vis = syn::parse_quote!(pub(crate));
                    }
                }
                continue;
            }
            let syn::Item::Impl(imp) = inner else {
                continue;
            };
            let Some(builder) = last_segment(&imp.self_ty) else {
                continue;
            };
            let setters: BTreeMap<String, syn::Type> = imp
                .items
                .iter()
                .filter_map(|i| match i {
                    syn::ImplItem::Fn(f) => Some((f.sig.ident.to_string(), setter_target(&f.sig)?)),
                    _ => None,
                })
                .collect();
            for f in imp.items.iter_mut() {
                let syn::ImplItem::Fn(f) = f else { continue };
                if f.sig.ident != "send" {
                    continue;
                }
                f.sig.ident = syn::Ident::new("send_raw", f.sig.ident.span());
                f.vis = syn::parse_quote!(pub(crate));
                drop_api_version_header(&mut f.block);
                let success_type = success_type(&f.sig.output)
                    .ok_or_else(|| format!("internal: unexpected `send` signature on {builder}"))?;
                let mut finder = OperationIdFinder(None);
                finder.visit_block_mut(&mut f.block);
                let op_id = finder
                    .0
                    .ok_or_else(|| format!("internal: no OperationInfo in {builder}::send"))?;
                let method = methods
                    .get(&builder)
                    .cloned()
                    .ok_or_else(|| format!("internal: no Client method returns {builder}"))?;
                ops.insert(
                    op_id,
                    ProgenitorOp {
                        builder: syn::Ident::new(&builder, proc_macro2::Span::call_site()),
                        method,
                        success_type,
                        setters: setters.clone(),
                    },
                );
            }
        }
    }
    Ok(ProgenitorOutput { items, ops })
}

/// Removes the `api-version` header progenitor adds to every request (the spec document's own
/// version, which the API never asked for and a server may misread), and the `mut` on the
/// header map when nothing else is added to it.
fn drop_api_version_header(block: &mut syn::Block) {
    fn is_api_version_append(stmt: &syn::Stmt) -> bool {
        let syn::Stmt::Expr(syn::Expr::MethodCall(call), _) = stmt else {
            return false;
        };
        call.method == "append"
            && call.args.first().is_some_and(|name| {
                name.to_token_stream()
                    .to_string()
                    .contains("from_static (\"api-version\")")
            })
    }
    let before = block.stmts.len();
    block.stmts.retain(|stmt| !is_api_version_append(stmt));
    if block.stmts.len() == before {
        return;
    }
    struct AppendsToHeaderMap(bool);
    impl<'ast> syn::visit::Visit<'ast> for AppendsToHeaderMap {
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            if (call.method == "append" || call.method == "insert")
                && matches!(call.receiver.as_ref(), syn::Expr::Path(p) if p.path.is_ident("header_map"))
            {
                self.0 = true;
            }
            syn::visit::visit_expr_method_call(self, call);
        }
    }
    let mut appends = AppendsToHeaderMap(false);
    syn::visit::Visit::visit_block(&mut appends, block);
    if appends.0 {
        return;
    }
    for stmt in &mut block.stmts {
        if let syn::Stmt::Local(local) = stmt
            && let syn::Pat::Ident(binding) = &mut local.pat
            && binding.ident == "header_map"
        {
            binding.mutability = None;
        }
    }
}

fn is_type(ty: &syn::Type, name: &str) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident(name))
}

fn last_segment(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// `Result<ResponseValue<T>, Error<()>>` -> `T`.
fn success_type(output: &syn::ReturnType) -> Option<syn::Type> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let first_generic = |ty: &syn::Type| -> Option<syn::Type> {
        let syn::Type::Path(p) = ty else { return None };
        let seg = p.path.segments.last()?;
        let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
            return None;
        };
        args.args.iter().find_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        })
    };
    let response_value = first_generic(ty)?;
    first_generic(&response_value)
}

/// `fn x<V>(self, value: V) where V: TryInto<T>` -> `T`.
fn setter_target(sig: &syn::Signature) -> Option<syn::Type> {
    let clause = sig.generics.where_clause.as_ref()?;
    for predicate in &clause.predicates {
        let syn::WherePredicate::Type(pt) = predicate else {
            continue;
        };
        for bound in &pt.bounds {
            let syn::TypeParamBound::Trait(tb) = bound else {
                continue;
            };
            let seg = tb.path.segments.last()?;
            if seg.ident != "TryInto" {
                continue;
            }
            if let syn::PathArguments::AngleBracketed(args) = &seg.arguments {
                for arg in &args.args {
                    if let syn::GenericArgument::Type(t) = arg {
                        return Some(t.clone());
                    }
                }
            }
        }
    }
    None
}

struct OperationIdFinder(Option<String>);

impl VisitMut for OperationIdFinder {
    fn visit_expr_struct_mut(&mut self, node: &mut syn::ExprStruct) {
        if node.path.is_ident("OperationInfo") {
            for field in &node.fields {
                if let (syn::Member::Named(name), syn::Expr::Lit(lit)) =
                    (&field.member, &field.expr)
                    && name == "operation_id"
                    && let syn::Lit::Str(s) = &lit.lit
                {
                    self.0 = Some(s.value());
                }
            }
        }
        syn::visit_mut::visit_expr_struct_mut(self, node);
    }
}
