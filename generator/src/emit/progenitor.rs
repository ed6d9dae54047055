//! The part of emitting that progenitor does: types and request code for what it can take.
//!
//! progenitor gets a copy of the spec reduced to what it handles: component schemas renamed to
//! the IR's type names (plus lifted inline schemas), success responses only (so operations whose
//! error responses differ in shape cannot trip its single-error-type assertion), one media type
//! per body, and no multipart operations (the generator emits those itself). Its output is then
//! rewritten: each builder's `send` becomes `send_raw`, the one attempt our typed `send` wraps.

use std::collections::{BTreeMap, BTreeSet};

use quote::{ToTokens, quote};
use serde_json::{Map, Value};
use syn::visit_mut::VisitMut;

use super::stream::Formatted;
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
    /// The other request media types the description documents, which the builder's
    /// `send_raw_with_body` sends as raw bytes (empty: it has none).
    pub other_media_types: Vec<String>,
}

/// progenitor's output, rewritten and formatted, with the per-operation facts extracted.
pub struct ProgenitorOutput {
    /// Its items (with `send` renamed to `send_raw`), formatted as the content of `mod raw`.
    pub raw: Formatted,
    /// Per progenitor operation id ([`super::progenitor_snake`] of the operationId).
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

/// Rewrites progenitor's items one at a time as [`super::stream`] hands them over, and gathers
/// what the other emitters need to know about each operation:
///
/// * its constructors are dropped (the generated crate's own replace them: auth, redirects);
/// * each builder's `send` becomes the crate-visible `send_raw` (the one attempt our typed `send`
///   wraps), without the `api-version` header, and its `client` field becomes crate-visible;
/// * a request declares the media type the spec names where progenitor was given another one;
/// * OPTIONS and TRACE requests are built with `request(Method, url)` (reqwest has no shorthand);
/// * a raw request body is kept as `bytes::Bytes`, so that the builder can be cloned per attempt.
pub(crate) struct Rewriter {
    /// The media type to declare, by progenitor's operation id.
    content_types: BTreeMap<String, String>,
    /// progenitor's ids of the OPTIONS and TRACE operations.
    without_shorthand: BTreeSet<String>,
    /// (the unique name progenitor was given, the parameter's own name), by progenitor's
    /// operation id.
    renamed_params: BTreeMap<String, Vec<(String, String)>>,
    /// The `Client` method returning each builder.
    methods: BTreeMap<String, syn::Ident>,
    /// Builders whose raw body became `bytes::Bytes`.
    raw_bodies: BTreeSet<String>,
    /// The other request media types to make sendable as raw bytes, by progenitor's operation
    /// id.
    other_media_types: BTreeMap<String, Vec<String>>,
    /// The `send`s found, in order.
    sends: Vec<FoundSend>,
    /// The runtime crate, whose `response` functions decode successes.
    runtime: syn::Ident,
}

/// One builder's `send`, as the rewriter found it.
struct FoundSend {
    /// progenitor's operation id.
    op_id: String,
    builder: String,
    success_type: syn::Type,
    setters: BTreeMap<String, syn::Type>,
    other_media_types: Vec<String>,
}

impl Rewriter {
    /// A rewriter; the maps and the set are keyed by progenitor's operation ids
    /// ([`super::progenitor_snake`]).
    pub(crate) fn new(
        content_types: BTreeMap<String, String>,
        without_shorthand: BTreeSet<String>,
        renamed_params: BTreeMap<String, Vec<(String, String)>>,
        other_media_types: BTreeMap<String, Vec<String>>,
        runtime: syn::Ident,
    ) -> Self {
        Self {
            content_types,
            without_shorthand,
            renamed_params,
            other_media_types,
            methods: BTreeMap::new(),
            raw_bodies: BTreeSet::new(),
            sends: Vec::new(),
            runtime,
        }
    }

    /// Rewrites one item found in module `path` (empty at the top level); whether it is kept.
    pub(crate) fn item(&mut self, path: &[String], item: &mut syn::Item) -> Result<bool, String> {
        match (path, item) {
            ([], syn::Item::Impl(imp))
                if imp.trait_.is_none() && is_type(&imp.self_ty, "Client") =>
            {
                Ok(self.client_impl(imp))
            }
            ([module], syn::Item::Struct(builder)) if module == "builder" => {
                self.builder_struct(builder);
                Ok(true)
            }
            ([module], syn::Item::Impl(imp)) if module == "builder" => {
                self.builder_impl(imp)?;
                Ok(true)
            }
            _ => Ok(true),
        }
    }

    /// Notes the builder each method returns; false for the constructors.
    fn client_impl(&mut self, imp: &syn::ItemImpl) -> bool {
        let is_constructors = imp
            .items
            .iter()
            .any(|i| matches!(i, syn::ImplItem::Fn(f) if f.sig.ident == "new_with_client"));
        if is_constructors {
            return false;
        }
        for i in &imp.items {
            if let syn::ImplItem::Fn(f) = i
                && let syn::ReturnType::Type(_, ty) = &f.sig.output
                && let Some(builder) = last_segment(ty)
            {
                self.methods.insert(builder, f.sig.ident.clone());
            }
        }
        true
    }

    fn builder_struct(&mut self, builder: &mut syn::ItemStruct) {
        // The typed `send` sits outside the module and reads the builder's client.
        for field in builder.fields.iter_mut() {
            if field.ident.as_ref().is_some_and(|i| i == "client") {
                field.vis = syn::parse_quote!(pub(crate));
            }
        }
        if mentions_reqwest_body(&builder.fields) {
            self.raw_bodies.insert(builder.ident.to_string());
            BodyToBytes.visit_item_struct_mut(builder);
            for attr in builder.attrs.iter_mut() {
                if attr.path().is_ident("derive") {
                    *attr = syn::parse_quote!(#[derive(Debug, Clone)]);
                }
            }
        }
    }

    fn builder_impl(&mut self, imp: &mut syn::ItemImpl) -> Result<(), String> {
        let Some(builder) = last_segment(&imp.self_ty) else {
            return Ok(());
        };
        // progenitor writes each builder's struct before its impl.
        if self.raw_bodies.contains(&builder) {
            BodyToBytes.visit_item_impl_mut(imp);
        }
        let setters: BTreeMap<String, syn::Type> = imp
            .items
            .iter()
            .filter_map(|i| match i {
                syn::ImplItem::Fn(f) => Some((f.sig.ident.to_string(), setter_target(&f.sig)?)),
                _ => None,
            })
            .collect();
        let mut added = Vec::new();
        for f in imp.items.iter_mut() {
            let syn::ImplItem::Fn(f) = f else { continue };
            if f.sig.ident != "send" {
                continue;
            }
            f.sig.ident = syn::Ident::new("send_raw", f.sig.ident.span());
            f.vis = syn::parse_quote!(pub(crate));
            drop_api_version_header(&mut f.block);
            let success_type = success_type(&f.sig.output)
                .ok_or_else(|| format!("unexpected `send` signature on {builder}"))?;
            let mut finder = OperationIdFinder(None);
            finder.visit_block_mut(&mut f.block);
            let op_id = finder
                .0
                .ok_or_else(|| format!("no OperationInfo in {builder}::send"))?;
            let mut prepare = DirectPrepare {
                meta: super::meta_const(&builder),
                replaced: 0,
            };
            prepare.visit_block_mut(&mut f.block);
            if prepare.replaced != 1 {
                return Err(format!(
                    "expected one `client.pre(..)` hook call in {builder}::send, found {}",
                    prepare.replaced
                ));
            }
            RuntimeDecoding(&self.runtime).visit_block_mut(&mut f.block);
            if let Some(content_type) = self.content_types.get(&op_id) {
                SetContentType(content_type).visit_block_mut(&mut f.block);
            }
            if let Some(renamed) = self.renamed_params.get(&op_id) {
                let mut restore = RestoreParamNames {
                    renamed,
                    restored: vec![false; renamed.len()],
                };
                restore.visit_block_mut(&mut f.block);
                if let Some(i) = restore.restored.iter().position(|done| !done) {
                    return Err(format!(
                        "parameter `{}` of {builder}::send is not sent under its name",
                        renamed[i].1
                    ));
                }
            }
            if self.without_shorthand.contains(&op_id) {
                MethodsWithoutShorthand.visit_block_mut(&mut f.block);
            }
            let other_media_types = match self.other_media_types.get(&op_id) {
                Some(types) => {
                    added.push(syn::ImplItem::Fn(
                        with_raw_body(f).map_err(|e| format!("{builder}::send: {e}"))?,
                    ));
                    types.clone()
                }
                None => Vec::new(),
            };
            self.sends.push(FoundSend {
                op_id,
                builder: builder.clone(),
                success_type,
                setters: setters.clone(),
                other_media_types,
            });
        }
        imp.items.extend(added);
        Ok(())
    }

    /// The operations found, by progenitor's operation id.
    pub(crate) fn finish(self) -> Result<BTreeMap<String, ProgenitorOp>, String> {
        let mut ops = BTreeMap::new();
        for FoundSend {
            op_id,
            builder,
            success_type,
            setters,
            other_media_types,
        } in self.sends
        {
            let method = self
                .methods
                .get(&builder)
                .cloned()
                .ok_or_else(|| format!("no Client method returns {builder}"))?;
            ops.insert(
                op_id,
                ProgenitorOp {
                    builder: syn::Ident::new(&builder, proc_macro2::Span::call_site()),
                    method,
                    success_type,
                    setters,
                    other_media_types,
                },
            );
        }
        Ok(ops)
    }
}

/// `reqwest::Body` -> `::bytes::Bytes`: progenitor keeps a raw request body as a `reqwest::Body`,
/// which is not `Clone`, so its builder is not either; every source it accepts converts to
/// `Bytes`.
struct BodyToBytes;

impl VisitMut for BodyToBytes {
    fn visit_type_path_mut(&mut self, ty: &mut syn::TypePath) {
        let names: Vec<String> = ty
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        if ty.qself.is_none() && names == ["reqwest", "Body"] {
            *ty = syn::parse_quote!(::bytes::Bytes);
            return;
        }
        syn::visit_mut::visit_type_path_mut(self, ty);
    }
}

fn mentions_reqwest_body(fields: &syn::Fields) -> bool {
    struct Finds(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finds {
        fn visit_type_path(&mut self, ty: &'ast syn::TypePath) {
            let mut segments = ty.path.segments.iter().rev();
            if segments.next().is_some_and(|s| s.ident == "Body")
                && segments.next().is_some_and(|s| s.ident == "reqwest")
            {
                self.0 = true;
            }
            syn::visit::visit_type_path(self, ty);
        }
    }
    let mut finds = Finds(false);
    for field in fields {
        syn::visit::Visit::visit_type(&mut finds, &field.ty);
    }
    finds.0
}

/// reqwest has no `options`/`trace` shorthand: such requests are built with `request(Method, url)`.
struct MethodsWithoutShorthand;

impl VisitMut for MethodsWithoutShorthand {
    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        syn::visit_mut::visit_expr_method_call_mut(self, call);
        let method = match call.method.to_string().as_str() {
            "options" => quote!(OPTIONS),
            "trace" => quote!(TRACE),
            _ => return,
        };
        let is_http_client = matches!(
            call.receiver.as_ref(),
            syn::Expr::Field(f) if matches!(&f.member, syn::Member::Named(n) if n == "client")
        );
        if !is_http_client || call.args.len() != 1 {
            return;
        }
        let url = &call.args[0];
        call.method = syn::Ident::new("request", call.method.span());
        call.args = syn::parse_quote!(::reqwest::Method::#method, #url);
    }
}

/// Puts back the media type a request must declare where progenitor was given another one: the
/// literal `application/octet-stream` of a raw body is replaced, and a JSON body gets the header
/// before `.json(..)` (which keeps a `Content-Type` already set).
struct SetContentType<'a>(&'a str);

impl VisitMut for SetContentType<'_> {
    fn visit_lit_str_mut(&mut self, lit: &mut syn::LitStr) {
        if lit.value() == "application/octet-stream" {
            *lit = syn::LitStr::new(self.0, lit.span());
        }
    }
    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        syn::visit_mut::visit_expr_method_call_mut(self, call);
        if call.method == "json" {
            let receiver = &call.receiver;
            let ct = self.0;
            let with_header: syn::Expr = syn::parse_quote! {
                #receiver.header(
                    ::reqwest::header::CONTENT_TYPE,
                    ::reqwest::header::HeaderValue::from_static(#ct),
                )
            };
            *call.receiver = with_header;
        }
    }
}

/// Removes the `api-version` header progenitor adds to every request (the spec document's own
/// version, which the API never asked for and a server may misread), and the header map itself
/// when nothing else is added to it.
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
    // Nothing else goes into the map: drop it, and the `.headers(header_map)` that merged it
    // into the request (an allocation and a merge on every request).
    struct MergesHeaderMap;
    impl VisitMut for MergesHeaderMap {
        fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, expr);
            if let syn::Expr::MethodCall(call) = expr
                && call.method == "headers"
                && call.args.len() == 1
                && matches!(&call.args[0], syn::Expr::Path(p) if p.path.is_ident("header_map"))
            {
                *expr = (*call.receiver).clone();
            }
        }
    }
    let mut merges = MergesHeaderMap;
    merges.visit_block_mut(block);
    block.stmts.retain(|stmt| {
        !matches!(stmt, syn::Stmt::Local(local)
            if matches!(&local.pat, syn::Pat::Ident(binding) if binding.ident == "header_map"))
    });
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

/// `send_raw_with_body(self, content_type, raw_body)`: a copy of `send_raw` that sends
/// `raw_body` with that `Content-Type` instead of the typed body (left unread), for the other
/// media types an operation documents. Everything else (parameters, credential, decoding) is
/// the same code.
fn with_raw_body(send_raw: &syn::ImplItemFn) -> Result<syn::ImplItemFn, String> {
    let mut f = send_raw.clone();
    f.sig.ident = syn::Ident::new("send_raw_with_body", f.sig.ident.span());
    f.sig
        .inputs
        .push(syn::parse_quote!(content_type: &'static str));
    f.sig
        .inputs
        .push(syn::parse_quote!(raw_body: ::bytes::Bytes));

    // `let Self { client, body, .. } = self;` -> `body: _`; the typed body's conversion goes.
    let mut destructured = false;
    for stmt in &mut f.block.stmts {
        if let syn::Stmt::Local(local) = stmt
            && let syn::Pat::Struct(pattern) = &mut local.pat
        {
            for field in pattern.fields.iter_mut() {
                if matches!(&field.member, syn::Member::Named(n) if n == "body") {
                    field.colon_token = Some(Default::default());
                    *field.pat = syn::parse_quote!(_);
                    destructured = true;
                }
            }
        }
    }
    let before = f.block.stmts.len();
    f.block.stmts.retain(|stmt| {
        !matches!(stmt, syn::Stmt::Local(local)
            if matches!(&local.pat, syn::Pat::Ident(binding) if binding.ident == "body"))
    });
    let mut setter = DropBodySetter(0);
    setter.visit_block_mut(&mut f.block);
    if !destructured || f.block.stmts.len() + 1 != before || setter.0 != 1 {
        return Err("no typed request body to replace".into());
    }

    // After the request is built: the raw body and its media type.
    let built = f
        .block
        .stmts
        .iter()
        .position(|stmt| {
            matches!(stmt, syn::Stmt::Local(local)
                if matches!(&local.pat, syn::Pat::Ident(binding) if binding.ident == "request"))
        })
        .ok_or("no request is built")?;
    let set_body: Vec<syn::Stmt> = syn::parse_quote! {
        *request.body_mut() = Some(raw_body.into());
        request.headers_mut().insert(
            ::reqwest::header::CONTENT_TYPE,
            ::reqwest::header::HeaderValue::from_static(content_type),
        );
    };
    f.block.stmts.splice(built + 1..built + 1, set_body);
    Ok(f)
}

/// Removes the call that puts the typed body into the request (`.json(&body)`,
/// `.form_urlencoded(&body)?`, `.body(body)`), counting them.
struct DropBodySetter(usize);

impl DropBodySetter {
    fn is_body_setter(expr: &syn::Expr) -> Option<&syn::Expr> {
        let syn::Expr::MethodCall(call) = expr else {
            return None;
        };
        let on_body = |arg: &syn::Expr| match arg {
            syn::Expr::Reference(r) => {
                matches!(r.expr.as_ref(), syn::Expr::Path(p) if p.path.is_ident("body"))
            }
            syn::Expr::Path(p) => p.path.is_ident("body"),
            _ => false,
        };
        let setter = matches!(
            call.method.to_string().as_str(),
            "json" | "form_urlencoded" | "body"
        );
        (setter && call.args.len() == 1 && on_body(&call.args[0])).then_some(&*call.receiver)
    }
}

impl VisitMut for DropBodySetter {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        let receiver = match &*expr {
            syn::Expr::Try(tried) => Self::is_body_setter(&tried.expr),
            other => Self::is_body_setter(other),
        }
        .cloned();
        if let Some(receiver) = receiver {
            *expr = receiver;
            self.0 += 1;
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}

/// Gives query and header parameters that progenitor was handed under a unique name (their
/// Rust name collided with another's) their own name back where the request is built:
/// `QueryParam::new("id_query", ..)` -> `QueryParam::new("id", ..)`, and the same for
/// `header_map.append(..)`.
struct RestoreParamNames<'a> {
    renamed: &'a [(String, String)],
    restored: Vec<bool>,
}

impl RestoreParamNames<'_> {
    fn restore(&mut self, arg: Option<&mut syn::Expr>) {
        let Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        })) = arg
        else {
            return;
        };
        let value = lit.value();
        if let Some(i) = self.renamed.iter().position(|(unique, _)| *unique == value) {
            *lit = syn::LitStr::new(&self.renamed[i].1, lit.span());
            self.restored[i] = true;
        }
    }
}

impl VisitMut for RestoreParamNames<'_> {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        syn::visit_mut::visit_expr_call_mut(self, call);
        let is_query_param = matches!(call.func.as_ref(), syn::Expr::Path(p)
            if p.path.segments.len() >= 2
                && p.path.segments[p.path.segments.len() - 2].ident == "QueryParam"
                && p.path.segments[p.path.segments.len() - 1].ident == "new");
        if is_query_param {
            self.restore(call.args.first_mut());
        }
    }

    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        syn::visit_mut::visit_expr_method_call_mut(self, call);
        let on_header_map = matches!(call.receiver.as_ref(),
            syn::Expr::Path(p) if p.path.is_ident("header_map"));
        if on_header_map && (call.method == "append" || call.method == "insert") {
            self.restore(call.args.first_mut());
        }
    }
}

/// `ResponseValue::{from_response, empty, stream}(response)` -> the runtime's
/// `response::{json, empty, stream}`, which move the headers into the value instead of
/// copying them.
struct RuntimeDecoding<'a>(&'a syn::Ident);

impl VisitMut for RuntimeDecoding<'_> {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        syn::visit_mut::visit_expr_call_mut(self, call);
        let syn::Expr::Path(func) = call.func.as_ref() else {
            return;
        };
        let mut segments = func.path.segments.iter().map(|s| s.ident.to_string());
        let (Some(ty), Some(name), None) = (segments.next(), segments.next(), segments.next())
        else {
            return;
        };
        let function = match (ty.as_str(), name.as_str()) {
            ("ResponseValue", "from_response") => quote!(json),
            ("ResponseValue", "empty") => quote!(empty),
            ("ResponseValue", "stream") => quote!(stream),
            _ => return,
        };
        if func.qself.is_some() || func.path.leading_colon.is_some() || call.args.len() != 1 {
            return;
        }
        let runtime = self.0;
        *call.func = syn::parse_quote!(::#runtime::response::#function);
    }
}

/// `client.pre(&mut request, &info).await?` -> a direct `ClientConfig::prepare` with the
/// operation's metadata constant: the hook only knows the operation id, and looking the metadata
/// up by id on every request costs a string comparison per operation of the API.
struct DirectPrepare {
    meta: syn::Ident,
    replaced: usize,
}

impl DirectPrepare {
    /// The request argument of a `client.pre(request, info).await?` expression.
    fn hook_request(expr: &syn::Expr) -> Option<&syn::Expr> {
        let syn::Expr::Try(tried) = expr else {
            return None;
        };
        let syn::Expr::Await(awaited) = tried.expr.as_ref() else {
            return None;
        };
        let syn::Expr::MethodCall(call) = awaited.base.as_ref() else {
            return None;
        };
        let on_client =
            matches!(call.receiver.as_ref(), syn::Expr::Path(p) if p.path.is_ident("client"));
        (call.method == "pre" && on_client && call.args.len() == 2).then(|| &call.args[0])
    }
}

impl VisitMut for DirectPrepare {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if let Some(request) = Self::hook_request(expr) {
            let meta = &self.meta;
            *expr = syn::parse_quote! {
                if let Err(e) = client.inner.prepare(#request, &super::super::operations::#meta) {
                    return Err(e.into_client_error());
                }
            };
            self.replaced += 1;
            return;
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(block: syn::Block) -> String {
        let mut block = block;
        drop_api_version_header(&mut block);
        prettyplease::unparse(&syn::parse_quote!(fn f() #block))
    }

    #[test]
    fn an_otherwise_empty_header_map_is_dropped_with_its_merge() {
        let out = rewritten(syn::parse_quote!({
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map.append(
                ::reqwest::header::HeaderName::from_static("api-version"),
                ::reqwest::header::HeaderValue::from_static("1.0"),
            );
            let request = client.client.get(url).headers(header_map).build()?;
        }));
        assert!(!out.contains("header_map"), "{out}");
        assert!(!out.contains("api-version"), "{out}");
        assert!(out.contains("client.client.get(url).build()?"), "{out}");
    }

    #[test]
    fn a_header_map_with_other_headers_keeps_them() {
        let out = rewritten(syn::parse_quote!({
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
            header_map.append(
                ::reqwest::header::HeaderName::from_static("api-version"),
                ::reqwest::header::HeaderValue::from_static("1.0"),
            );
            if let Some(v) = &trace_id {
                header_map.append("x-trace-id", v.to_string().try_into()?);
            }
            let request = client.client.get(url).headers(header_map).build()?;
        }));
        assert!(!out.contains("api-version"), "{out}");
        assert!(out.contains("let mut header_map"), "{out}");
        assert!(out.contains("header_map.append(\"x-trace-id\""), "{out}");
        assert!(out.contains(".headers(header_map)"), "{out}");
    }
}
