//! Emits the operation metadata, progenitor's hooks, and each builder's typed `send`.

use heck::ToPascalCase;
use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::Context;
use super::text::{Source, string_literal};
use crate::ir::{Operation, RequestBody, StatusMatch, SuccessBody};

/// `pub mod operations { pub const X: OperationMeta = ...; }`, as pre-formatted source.
pub(crate) fn operations_module(cx: &Context<'_>, out: &mut Source) {
    out.doc(
        "What the client knows about each operation: whether it is billable, whether it may be\n\
         repeated, and which security schemes authenticate it.",
    );
    out.open("pub mod operations {");
    out.line(&format!("use ::{} as rt;", cx.runtime));
    let mut arms = Vec::new();
    for op in &cx.api.operations {
        let meta = &cx.names(op).meta;
        let billable = op.billable();
        let idempotent = op.idempotent && !billable;
        let mut doc = format!("`{} {}`", op.method, op.path);
        if let Some(cost) = &op.cost {
            doc.push_str(&format!(
                ": billable, {} {} per call{}",
                cost.amount,
                cost.unit,
                cost.description
                    .as_deref()
                    .map(|d| format!(" ({})", d.trim().trim_end_matches('.')))
                    .unwrap_or_default()
            ));
        }
        out.doc(&doc);
        out.open(&format!(
            "pub const {meta}: rt::OperationMeta = rt::OperationMeta {{"
        ));
        out.line(&format!("operation_id: {},", string_literal(&op.id)));
        out.line(&format!("method: {},", string_literal(&op.method)));
        out.line(&format!("path: {},", string_literal(&op.path)));
        out.line(&format!("billable: {billable},"));
        out.line(&format!("idempotent: {idempotent},"));
        let streams_body = matches!(op.success, SuccessBody::Stream);
        out.line(&format!("streams_body: {streams_body},"));
        let security: Vec<String> = op.security.iter().map(|s| string_literal(s)).collect();
        let security = format!("security: &[{}],", security.join(", "));
        if out.fits(&security, 0) {
            out.line(&security);
        } else {
            out.open("security: &[");
            for scheme in &op.security {
                out.line(&format!("{},", string_literal(scheme)));
            }
            out.close("],");
        }
        let errors = super::errors::ordered_errors(op);
        if errors.is_empty() {
            out.line("errors: &[],");
        } else {
            out.open("errors: &[");
            for e in errors {
                let description =
                    string_literal(&super::errors::one_line_description(&e.description));
                let (function, status) = match e.status {
                    StatusMatch::Code(c) => ("rt::ErrorDoc::code", c.to_string()),
                    StatusMatch::Range(d) => ("rt::ErrorDoc::range", d.to_string()),
                    StatusMatch::Default => ("rt::ErrorDoc::default_response", String::new()),
                };
                let args: Vec<&str> = [status.as_str(), description.as_str()]
                    .into_iter()
                    .filter(|a| !a.is_empty())
                    .collect();
                out.call(function, &args, ",");
            }
            out.close("],");
        }
        out.close("};");
        arms.push(format!(
            "{} => Some(&{meta}),",
            string_literal(&cx.names(op).info_id)
        ));
    }
    out.doc("The operation with this id (the operationId in snake case, as requests report it).");
    out.open("pub fn by_id(operation_id: &str) -> Option<&'static rt::OperationMeta> {");
    out.open("match operation_id {");
    for arm in &arms {
        out.line(arm);
    }
    out.line("_ => None,");
    out.close("}");
    out.close("}");
    out.close("}");
}

/// progenitor's hooks, left at their defaults: each attempt calls `ClientConfig::prepare` (the
/// credential and the per-attempt timeout) directly with its operation's metadata.
pub(crate) fn hooks(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    quote! {
        impl ::progenitor_client::ClientHooks<#rt::ClientConfig> for Client {}
    }
}

/// The success type `send` returns, relative to the builder module: the type of the body, or
/// an `Option` of it when some 2xx statuses come without a body.
pub(crate) fn public_success_type(cx: &Context<'_>, op: &Operation) -> TokenStream {
    let raw = success_type(cx, op);
    if op.empty_successes.is_empty() {
        raw
    } else {
        quote!(::std::option::Option<#raw>)
    }
}

/// A pattern matching the statuses (as `u16`) of an operation's bodiless successes.
pub(crate) fn empty_success_pattern(op: &Operation) -> TokenStream {
    let arms = op.empty_successes.iter().map(|status| match status {
        StatusMatch::Code(code) => {
            let code = Literal::u16_unsuffixed(*code);
            quote!(#code)
        }
        StatusMatch::Range(digit) => {
            let lo = Literal::u16_unsuffixed(digit * 100);
            let hi = Literal::u16_unsuffixed(digit * 100 + 99);
            quote!(#lo..=#hi)
        }
        StatusMatch::Default => quote!(_),
    });
    quote!(#(#arms)|*)
}

/// The success type of one attempt (`send_raw`), relative to the builder module.
pub(crate) fn success_type(cx: &Context<'_>, op: &Operation) -> TokenStream {
    if let Some(p) = cx.progenitor.ops.get(&cx.names(op).info_id) {
        let ty = &p.success_type;
        return quote!(#ty);
    }
    match &op.success {
        SuccessBody::Empty => quote!(()),
        SuccessBody::Json(name) => {
            let ident = syn::Ident::new(name, proc_macro2::Span::call_site());
            quote!(types::#ident)
        }
        SuccessBody::JsonValue => quote!(::serde_json::Value),
        SuccessBody::Stream => quote!(ByteStream),
    }
}

/// `mod typed_send`: `send` and `send_with` on every operation's builder, as pre-formatted
/// source. The builders live in progenitor's `builder` module; their `client` field is
/// crate-visible (see `progenitor::rewrite`), so these impls can sit outside it.
pub(crate) fn typed_send_module(cx: &Context<'_>, out: &mut Source) {
    out.doc("`send` and `send_with` on each request builder: the typed calls, with retries.");
    out.open("mod typed_send {");
    out.line(&format!("use ::{} as rt;", cx.runtime));
    out.line("#[allow(unused_imports)]");
    out.line("use super::{builder, errors, operations, types, ByteStream, ResponseValue};");
    for op in &cx.api.operations {
        typed_send(cx, op, out);
    }
    out.close("}");
}

/// `send` and `send_with` on one operation's builder.
fn typed_send(cx: &Context<'_>, op: &Operation, out: &mut Source) {
    let names = cx.names(op);
    let builder = &names.builder;
    let error = &names.error;
    let meta = &names.meta;
    let success = super::text::type_text(&public_success_type(cx, op));
    let mut doc = format!(
        "Sends `{} {}` with the client's retry policy and deadline; errors are typed by status.",
        op.method, op.path
    );
    if !op.empty_successes.is_empty() {
        let statuses: Vec<String> = op
            .empty_successes
            .iter()
            .map(|s| match s {
                StatusMatch::Code(code) => format!("`{code}`"),
                StatusMatch::Range(digit) => format!("`{digit}XX`"),
                StatusMatch::Default => "`default`".to_string(),
            })
            .collect();
        doc.push_str(&format!(
            "\nThe value is `None` for {}, documented without a body.",
            statuses.join(", ")
        ));
    }
    if op.billable() {
        doc.push_str(
            "\nThis operation is billable: after a failure that may have reached the server it is \
             not\nre-sent unless `CallOptions::with_allow_billable_retries(true)` says so.",
        );
    }
    let result = format!("::std::result::Result<ResponseValue<{success}>, errors::{error}>");
    out.open(&format!("impl<'a> builder::{builder}<'a> {{"));
    out.doc(&doc);
    signature(out, "pub async fn send", &["self"], &result);
    out.line("self.send_with(&rt::CallOptions::default()).await");
    out.close("}");
    out.doc("Like `send`, with per-call options (deadline, retry policy, billable retries).");
    signature(
        out,
        "pub async fn send_with",
        &["self", "options: &rt::CallOptions"],
        &result,
    );
    attempt_and_send(out, op, &meta.to_string(), "send_raw()");
    out.close("}");
    let other_media_types = other_media_types(cx, op);
    if !other_media_types.is_empty() {
        let listed: Vec<String> = other_media_types.iter().map(|m| format!("`{m}`")).collect();
        out.doc(&format!(
            "Like `send`, with the body in another media type the description documents ({}):\n\
             `body` is sent as it is, encoded by the caller, with that `Content-Type`; the typed\n\
             body or form, if set, is not sent.",
            listed.join(", ")
        ));
        let media = format!("media_type: super::media_types::{builder}");
        let params = ["self", media.as_str(), "body: impl Into<::bytes::Bytes>"];
        signature(out, "pub async fn send_body", &params, &result);
        out.line("self.send_body_with(media_type, body, &rt::CallOptions::default())");
        out.line(".await");
        out.close("}");
        out.doc("Like `send_body`, with per-call options.");
        let params = [
            "self",
            media.as_str(),
            "body: impl Into<::bytes::Bytes>",
            "options: &rt::CallOptions",
        ];
        signature(out, "pub async fn send_body_with", &params, &result);
        out.line("let content_type = media_type.as_str();");
        out.line("let body: ::bytes::Bytes = body.into();");
        attempt_and_send(
            out,
            op,
            &meta.to_string(),
            "send_raw_with_body(content_type, body.clone())",
        );
        out.close("}");
    }
    out.close("}");
}

/// `let attempt = ..;` (one attempt through the builder's `raw_call`, with bodiless
/// successes as `None` where the operation documents them) and the `rt::send` that runs it.
fn attempt_and_send(out: &mut Source, op: &Operation, meta: &str, raw_call: &str) {
    if op.empty_successes.is_empty() {
        out.line(&format!("let attempt = || self.clone().{raw_call};"));
    } else {
        // A documented bodiless 2xx is a success without a value, not an unexpected status.
        let empty = op
            .empty_successes
            .iter()
            .map(|status| super::errors::status_pattern(*status))
            .collect::<Vec<_>>()
            .join(" | ");
        out.open("let attempt = || {");
        out.line(&format!("let attempt = self.clone().{raw_call};"));
        out.open("async move {");
        out.open("match attempt.await {");
        out.open("Ok(value) => {");
        out.line("let status = value.status();");
        out.line("let headers = value.headers().clone();");
        out.line("Ok(ResponseValue::new(Some(value.into_inner()), status, headers))");
        out.close("}");
        out.line("Err(::progenitor_client::Error::UnexpectedResponse(response))");
        out.continuation(
            &[format!(
                "if matches!(response.status().as_u16(), {empty}) =>"
            )],
            "",
        );
        out.open("{");
        out.line("let headers = response.headers().clone();");
        out.line("Ok(ResponseValue::new(None, response.status(), headers))");
        out.close("}");
        out.line("Err(error) => Err(error),");
        out.close("}");
        out.close("}");
        out.close("};");
    }
    let meta = format!("&operations::{meta}");
    let args = ["&self.client.inner", meta.as_str(), "options", "attempt"];
    let one_line = format!("rt::send({}).await", args.join(", "));
    if out.fits(&one_line, 0) {
        out.line(&one_line);
    } else {
        out.call("rt::send", &args, "");
        out.line(".await");
    }
}

/// `pub mod media_types`: per operation with other request media types than its typed body's,
/// an enum of them for the builder's `send_body` (nothing when no operation has any).
pub(crate) fn media_types_module(cx: &Context<'_>, out: &mut Source) {
    let with_others: Vec<(&Operation, &[String])> = cx
        .api
        .operations
        .iter()
        .map(|op| (op, other_media_types(cx, op)))
        .filter(|(_, types)| !types.is_empty())
        .collect();
    if with_others.is_empty() {
        return;
    }
    out.doc(
        "The request media types an operation documents besides the one its typed body is sent\n\
         as: pass one to the builder's `send_body`, with the body encoded.",
    );
    out.open("pub mod media_types {");
    for (op, types) in with_others {
        let names = cx.names(op);
        out.doc(&format!(
            "Other request media types of [`Client::{}`](super::Client::{}).",
            names.method, names.method
        ));
        out.line("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]");
        out.open(&format!("pub enum {} {{", names.builder));
        let variants = media_type_variants(types);
        for (variant, media_type) in variants.iter().zip(types) {
            out.doc(&format!("`{media_type}`"));
            out.line(&format!("{variant},"));
        }
        out.close("}");
        out.open(&format!("impl {} {{", names.builder));
        out.doc("The media type, as sent in `Content-Type`.");
        out.open("pub fn as_str(&self) -> &'static str {");
        out.open("match self {");
        for (variant, media_type) in variants.iter().zip(types) {
            out.line(&format!(
                "Self::{variant} => {},",
                string_literal(media_type)
            ));
        }
        out.close("}");
        out.close("}");
        out.close("}");
    }
    out.close("}");
}

/// The request media types an operation's builder sends as raw bytes with `send_body`: those
/// besides progenitor's typed body, or besides the multipart form.
fn other_media_types<'c>(cx: &'c Context<'_>, op: &'c Operation) -> &'c [String] {
    if let Some(p) = cx.progenitor.ops.get(&cx.names(op).info_id) {
        return &p.other_media_types;
    }
    match &op.body {
        RequestBody::Multipart(body) => &body.other_media_types,
        _ => &[],
    }
}

/// A distinct variant name per media type: `application/xml` -> `ApplicationXml`.
fn media_type_variants(types: &[String]) -> Vec<String> {
    let mut taken = std::collections::BTreeSet::new();
    types
        .iter()
        .map(|media_type| {
            let mut base = media_type.to_pascal_case();
            if !base.starts_with(|c: char| c.is_ascii_alphabetic()) {
                base.insert_str(0, "Media");
            }
            let mut name = base.clone();
            let mut n = 2;
            while !taken.insert(name.clone()) {
                name = format!("{base}{n}");
                n += 1;
            }
            name
        })
        .collect()
}

/// `head(params) -> ret {` on one line if it fits, else one parameter per line; opens the body.
fn signature(out: &mut Source, head: &str, params: &[&str], ret: &str) {
    let line = format!("{head}({}) -> {ret} {{", params.join(", "));
    if out.fits(&line, 0) {
        out.open(&line);
    } else {
        out.line(&format!("{head}("));
        let params: Vec<String> = params.iter().map(|p| format!("{p},")).collect();
        out.continuation(&params, "");
        out.open(&format!(") -> {ret} {{"));
    }
}
