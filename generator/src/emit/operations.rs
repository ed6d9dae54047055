//! Emits each operation's items together, in one module: the `Client` method, the request
//! builder (a setter per parameter, body or form field; `send`, `send_with`, `send_body`), the
//! enum of documented error responses and the `OperationMeta` constant. One emitter serves every
//! body kind: none, JSON, form-urlencoded, multipart (fields or open parts), text, raw bytes,
//! and the other documented media types.

use super::Context;
use super::text::{Source, string_literal};
use crate::ir::{
    BodyEncoding, FieldKind, Limits, MultipartBody, Operation, PageField, PageStyle, Parameter,
    RequestBody, ScalarKind, StatusMatch, SuccessBody, TypeRef, TypedChoice,
};
use crate::names::{self, Namespace};

/// The module of one operation (`mod audio_download { ... }`), private: its items are
/// re-exported under `builder`, `errors`, `operations` and `media_types`.
pub(crate) fn operation_module(
    cx: &Context<'_>,
    op: &Operation,
    out: &mut Source,
) -> Result<(), String> {
    let names = &op.names;
    out.doc(&format!("`{} {}`.", op.method, op.path));
    if let Some(cfg) = cx.op_gate(op) {
        out.line(&cfg);
    }
    // In a group's file, the client module's re-exports reach into it.
    let vis = if cx.split { "pub(super) " } else { "" };
    out.open(&format!("{vis}mod {} {{", names.module));
    out.line("use super::*;");
    builder(cx, op, out);
    pagination(cx, op, out);
    super::errors::operation_error(cx, op, out);
    media_types(op, out);
    meta(op, out);
    let submit = super::jobs::submit(cx, op);
    if !submit.is_empty() {
        out.raw(&super::stream::format_tokens(submit, out.depth())?);
    }
    out.close("}");
    Ok(())
}

/// The Rust type of a success, as `send` returns it inside `ResponseValue`.
pub(crate) fn success_type(cx: &Context<'_>, op: &Operation) -> String {
    let body = match &op.success.body {
        SuccessBody::Empty => return "()".into(),
        SuccessBody::Json(ty) => cx.ty(ty),
        SuccessBody::Stream => "rt::ByteStream".into(),
    };
    if op.success.empty.is_empty() {
        body
    } else {
        format!("Option<{body}>")
    }
}

/// The `Result` a call returns.
fn result_type(cx: &Context<'_>, op: &Operation) -> String {
    format!(
        "Result<rt::ResponseValue<{}>, rt::CallError<{}>>",
        success_type(cx, op),
        op.names.error
    )
}

/// The `Client` method that starts a call: the builder with nothing set (`inits`).
fn client_method(op: &Operation, inits: &[String], out: &mut Source) {
    let names = &op.names;
    out.open("impl Client {");
    let mut doc = String::new();
    for piece in [op.summary.as_deref(), op.description.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        doc.push_str(piece);
        doc.push_str("\n\n");
    }
    doc.push_str(&format!("Sends `{} {}`", op.method, op.path));
    if let Some(cost) = &op.cost {
        doc.push_str(&format!(
            "; billable, {} {} per call: after a failure that may have reached the server it is\n\
             not re-sent unless `CallOptions::with_allow_billable_retries(true)` says so",
            cost.amount, cost.unit
        ));
    }
    doc.push('.');
    out.doc(&doc);
    out.open(&format!(
        "pub fn {}(&self) -> {}<'_> {{",
        names.method, names.builder
    ));
    struct_literal(out, &names.builder, inits);
    out.close("}");
    out.close("}");
}

/// A field of the builder: its name, type, setter argument and documentation.
struct Field {
    ident: String,
    ty: String,
    /// The setter's argument type.
    arg: String,
    doc: String,
    /// The variant of the typed choice the field is one of (its value is kept there).
    choice: Option<String>,
}

fn param_field(cx: &Context<'_>, p: &Parameter) -> Field {
    let ty = cx.ty(&p.ty);
    let mut doc = match non_empty(&p.description) {
        Some(d) => d.to_string(),
        None => format!("Sets the `{}` {} parameter.", p.name, p.location),
    };
    if p.required {
        doc.push_str(" Required.");
    }
    Field {
        ident: p.rust_name.clone(),
        arg: format!("impl rt::IntoParam<{ty}>"),
        ty,
        doc,
        choice: None,
    }
}

fn builder(cx: &Context<'_>, op: &Operation, out: &mut Source) {
    let names = &op.names;
    let b = &names.builder;
    let mut fields: Vec<Field> = op.parameters.iter().map(|p| param_field(cx, p)).collect();
    let body_ty = match &op.body {
        RequestBody::Typed(body) => Some(match body.encoding {
            BodyEncoding::Json | BodyEncoding::Form => cx.ty(&body.ty),
            BodyEncoding::Text => "String".to_string(),
            BodyEncoding::Bytes => "::bytes::Bytes".to_string(),
        }),
        _ => None,
    };
    if let (Some(ty), RequestBody::Typed(body)) = (&body_ty, &op.body) {
        let mut doc = non_empty(&body.description)
            .unwrap_or("Sets the request body.")
            .to_string();
        doc.push_str(&format!(" Sent as `{}`.", body.media_type));
        if body.required {
            doc.push_str(" Required.");
        }
        let arg = if body.encoding == BodyEncoding::Bytes {
            "impl Into<::bytes::Bytes>".to_string()
        } else {
            format!("impl rt::IntoParam<{ty}>")
        };
        fields.push(Field {
            ident: "body".into(),
            ty: ty.clone(),
            arg,
            doc,
            choice: None,
        });
    }
    let typed = typed_choice(op);
    if let RequestBody::Multipart(form) = &op.body {
        for f in &form.fields {
            let ty = match &f.kind {
                FieldKind::File => "rt::FilePart".to_string(),
                FieldKind::Scalar(ScalarKind::String) => "String".into(),
                FieldKind::Scalar(ScalarKind::Integer) => "i64".into(),
                FieldKind::Scalar(ScalarKind::Number) => "f64".into(),
                FieldKind::Scalar(ScalarKind::Boolean) => "bool".into(),
                FieldKind::Named(name) => format!("types::{name}"),
                FieldKind::Scalar(ScalarKind::Other) | FieldKind::Json => {
                    "::serde_json::Value".into()
                }
            };
            let mut doc = format!("Sets the `{}` form field", f.name);
            if f.required {
                doc.push_str(" (required)");
            }
            doc.push('.');
            if let Some(d) = non_empty(&f.description) {
                doc.push_str("\n\n");
                doc.push_str(d);
            }
            let arg = if f.kind == FieldKind::File {
                "rt::FilePart".to_string()
            } else {
                format!("impl rt::IntoParam<{ty}>")
            };
            let choice = typed.and_then(|t| {
                t.variants
                    .iter()
                    .find(|(field, _)| *field == f.name)
                    .map(|(_, variant)| variant.clone())
            });
            if let (Some(t), Some(variant)) = (typed, &choice) {
                doc.push_str(&format!(
                    "\n\nOne of the fields [`{}`](Self::{}) chooses between: sets it to \
                     [`{}::{variant}`]. With another of them set too, the call is refused before \
                     it is sent.",
                    t.setter, t.setter, t.type_name
                ));
            }
            fields.push(Field {
                ident: f.rust_name.clone(),
                ty,
                arg,
                doc,
                choice,
            });
        }
    }
    let open_form = matches!(&op.body, RequestBody::Multipart(form) if form.open);
    let mut inits = vec!["client: self".to_string(), "invalid: None".to_string()];
    inits.extend(
        fields
            .iter()
            .filter(|f| f.choice.is_none())
            .map(|f| format!("{}: None", f.ident)),
    );
    if let Some(t) = typed {
        inits.push(format!("{}: None", t.setter));
    }
    if open_form {
        inits.push("form_parts: Vec::new()".into());
    }
    client_method(op, &inits, out);
    if let (Some(t), RequestBody::Multipart(form)) = (typed, &op.body) {
        choice_enum(b, t, form, &fields, out);
    }

    // The struct.
    let mut doc = format!(
        "Builder for [`Client::{}`]: set the parameters, then `send`.",
        names.method
    );
    if let RequestBody::Multipart(form) = &op.body
        && let Some(d) = non_empty(&form.description)
    {
        doc.push_str("\n\n");
        doc.push_str(d);
    }
    out.doc(&doc);
    out.line("#[derive(Debug, Clone)]");
    out.line("#[must_use = \"nothing is sent until `send` is called\"]");
    out.open(&format!("pub struct {b}<'a> {{"));
    out.line("client: &'a Client,");
    out.line("invalid: Option<String>,");
    for f in fields.iter().filter(|f| f.choice.is_none()) {
        out.line(&format!("{}: Option<{}>,", f.ident, f.ty));
    }
    if let Some(t) = typed {
        out.line(&format!("{}: Option<{}>,", t.setter, t.type_name));
    }
    if open_form {
        out.line("form_parts: Vec<(String, rt::FormPart)>,");
    }
    out.close("}");

    out.open(&format!("impl<'a> {b}<'a> {{"));
    for f in &fields {
        out.doc(&f.doc);
        signature(
            out,
            &format!("pub fn {}", f.ident),
            &["mut self", &format!("value: {}", f.arg)],
            "Self",
        );
        if let (Some(t), Some(variant)) = (typed, &f.choice) {
            let value = if f.arg.starts_with("impl rt::IntoParam") {
                format!(
                    "value.into_param({}, &mut self.invalid).map({}::{variant})",
                    string_literal(&f.ident),
                    t.type_name
                )
            } else {
                format!("Some({}::{variant}(value))", t.type_name)
            };
            out.line(&format!("let value = {value};"));
            out.line(&format!(
                "self.{0} = rt::request::choose(self.{0}.take(), value, &mut self.invalid);",
                t.setter
            ));
        } else if f.arg.starts_with("impl rt::IntoParam") {
            out.line(&format!(
                "self.{} = value.into_param({}, &mut self.invalid);",
                f.ident,
                string_literal(&f.ident)
            ));
        } else if f.arg.starts_with("impl Into") {
            out.line(&format!("self.{} = Some(value.into());", f.ident));
        } else {
            out.line(&format!("self.{} = Some(value);", f.ident));
        }
        out.line("self");
        out.close("}");
    }
    if let Some(t) = typed {
        let listed: Vec<String> = t.variants.iter().map(|(f, _)| format!("`{f}`")).collect();
        out.doc(&format!(
            "Sets exactly one of the form fields {} (the description's `oneOf`): [`{}`].",
            listed.join(", "),
            t.type_name
        ));
        signature(
            out,
            &format!("pub fn {}", t.setter),
            &["mut self", &format!("value: impl Into<{}>", t.type_name)],
            "Self",
        );
        out.line(&format!("self.{} = Some(value.into());", t.setter));
        out.line("self");
        out.close("}");
    }
    if let (Some(_), Some(builder)) = (&body_ty, body_builder(cx, op)) {
        out.doc(&format!(
            "Sets the body by editing its builder (`{builder}`), starting from the body set so \
             far."
        ));
        signature(
            out,
            "pub fn body_map",
            &[
                "mut self",
                &format!("f: impl FnOnce({builder}) -> {builder}"),
            ],
            "Self",
        );
        // The body's type and its builder's are inferred, from the field and from `f`.
        out.line("self.body = rt::request::map_body(self.body.take(), f, &mut self.invalid);");
        out.line("self");
        out.close("}");
    }
    if open_form {
        out.doc("Adds a text part to the form.");
        signature(
            out,
            "pub fn text_part",
            &[
                "mut self",
                "name: impl Into<String>",
                "value: impl Into<String>",
            ],
            "Self",
        );
        out.line("self.form_parts.push((name.into(), rt::FormPart::Text(value.into())));");
        out.line("self");
        out.close("}");
        out.doc("Adds a file part to the form.");
        signature(
            out,
            "pub fn file_part",
            &["mut self", "name: impl Into<String>", "file: rt::FilePart"],
            "Self",
        );
        out.line("self.form_parts.push((name.into(), rt::FormPart::File(file)));");
        out.line("self");
        out.close("}");
    }
    sends(cx, op, out);
    attempt(cx, op, &fields, out);
    out.close("}");
}

/// typify's builder of the body's type, when the body is a struct typify gave one.
fn body_builder(cx: &Context<'_>, op: &Operation) -> Option<String> {
    let RequestBody::Typed(body) = &op.body else {
        return None;
    };
    if !matches!(body.encoding, BodyEncoding::Json | BodyEncoding::Form) {
        return None;
    }
    let name = match &body.ty {
        TypeRef::Named(name) => name.clone(),
        TypeRef::Inline(i) => cx.inline_types[*i].strip_prefix("types::")?.to_string(),
        _ => return None,
    };
    cx.struct_builders
        .contains(&name)
        .then(|| format!("types::builder::{name}"))
}

fn sends(cx: &Context<'_>, op: &Operation, out: &mut Source) {
    let result = result_type(cx, op);
    let mut doc = "Sends the request, with the client's retry policy and deadline.".to_string();
    if !op.success.empty.is_empty() {
        let statuses: Vec<String> = op
            .success
            .empty
            .iter()
            .map(|s| format!("`{}`", status_label(*s)))
            .collect();
        doc.push_str(&format!(
            " The value is `None` for {}, documented without a body.",
            statuses.join(", ")
        ));
    }
    out.doc(&doc);
    signature(
        out,
        "pub fn send",
        &["self"],
        &format!("impl Future<Output = {result}> + 'a"),
    );
    out.line("self.send_with(&rt::CallOptions::DEFAULT)");
    out.close("}");
    out.doc("`send` with per-call options (deadline, retries, billable retries).");
    signature(
        out,
        "pub async fn send_with",
        &["self", "options: &rt::CallOptions"],
        &result,
    );
    let others = !op.body.other_media_types().is_empty();
    let attempt = if others {
        "|| self.attempt(None)"
    } else {
        "|| self.attempt()"
    };
    out.line(&format!(
        "rt::send(&self.client.config, &META, options, {attempt}).await"
    ));
    out.close("}");
    if others {
        let listed: Vec<String> = op
            .body
            .other_media_types()
            .iter()
            .map(|m| format!("`{m}`"))
            .collect();
        out.doc(&format!(
            "Like `send`, with the body in another media type the description documents ({}):\n\
             `body` is sent as it is, encoded by the caller, with that `Content-Type`; the typed\n\
             body or form, if set, is not sent.",
            listed.join(", ")
        ));
        let params = [
            "self",
            "media_type: MediaType",
            "body: impl Into<::bytes::Bytes>",
        ];
        signature(
            out,
            "pub fn send_body",
            &params,
            &format!("impl Future<Output = {result}> + 'a"),
        );
        out.line("let body: ::bytes::Bytes = body.into();");
        out.line("self.send_body_with(media_type, body, &rt::CallOptions::DEFAULT)");
        out.close("}");
        out.doc("Like `send_body`, with per-call options.");
        let params = [
            "self",
            "media_type: MediaType",
            "body: impl Into<::bytes::Bytes>",
            "options: &rt::CallOptions",
        ];
        signature(out, "pub async fn send_body_with", &params, &result);
        out.line("let raw = (media_type.as_str(), body.into());");
        out.line(
            "rt::send(&self.client.config, &META, options, || self.attempt(Some((raw.0, &raw.1)))).await",
        );
        out.close("}");
    }
}

/// `rt::Limits { .. }` with the declared fields only.
fn limits_literal(limits: &Limits) -> String {
    let mut fields = Vec::new();
    let number = |v: f64| format!("{v:?}");
    if let Some(v) = limits.minimum {
        fields.push(format!("minimum: Some({})", number(v)));
        if limits.exclusive_minimum {
            fields.push("exclusive_minimum: true".to_string());
        }
    }
    if let Some(v) = limits.maximum {
        fields.push(format!("maximum: Some({})", number(v)));
        if limits.exclusive_maximum {
            fields.push("exclusive_maximum: true".to_string());
        }
    }
    if let Some(v) = limits.min_length {
        fields.push(format!("min_length: Some({v})"));
    }
    if let Some(v) = limits.max_length {
        fields.push(format!("max_length: Some({v})"));
    }
    format!("rt::Limits {{ {}, ..rt::Limits::NONE }}", fields.join(", "))
}

/// One attempt: checks what was set, builds the request and decodes a documented success.
fn attempt(cx: &Context<'_>, op: &Operation, fields: &[Field], out: &mut Source) {
    let others = !op.body.other_media_types().is_empty();
    let success = success_type(cx, op);
    let params: &[&str] = if others {
        &["&self", "raw: Option<(&'static str, &::bytes::Bytes)>"]
    } else {
        &["&self"]
    };
    signature(
        out,
        "async fn attempt",
        params,
        &format!("Result<rt::ResponseValue<{success}>, rt::AttemptError>"),
    );
    out.line("rt::request::valid(&self.invalid)?;");
    // Required values, bound by reference.
    let mut bound: Vec<&str> = Vec::new();
    // (field, name in messages, the runtime function that reads it or says it is missing)
    let required: Vec<(&str, String, &str)> = op
        .parameters
        .iter()
        .filter(|p| p.required)
        .map(|p| (p.rust_name.as_str(), p.name.clone(), "required"))
        .chain(match &op.body {
            RequestBody::Typed(b) if b.required => vec![("body", "body".to_string(), "required")],
            RequestBody::Multipart(form) => form
                .fields
                .iter()
                .filter(|f| f.required)
                .map(|f| (f.rust_name.as_str(), f.name.clone(), "required_field"))
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    // With another media type the typed body is not sent: its checks move to where it is.
    let (deferred, now): (Vec<_>, Vec<_>) = required
        .iter()
        .partition(|(ident, _, _)| others && !op.parameters.iter().any(|p| p.rust_name == *ident));
    for (ident, name, missing) in now {
        missing_check(out, ident, name, missing);
        bound.push(ident);
    }
    if let RequestBody::Multipart(form) = &op.body
        && !others
    {
        form_checks(form, out);
    }
    let value = |ident: &str| -> String {
        if bound.contains(&ident) {
            local(ident)
        } else {
            format!("&self.{ident}")
        }
    };
    // The limits the description declares, before anything is sent.
    if let RequestBody::Typed(body) = &op.body
        && !body.field_limits.is_empty()
        && !deferred.iter().any(|(ident, _, _)| *ident == "body")
    {
        out.open("rt::request::check_fields(");
        out.line(&format!("{},", value("body")));
        out.open("&[");
        for (name, limits) in &body.field_limits {
            out.line(&format!(
                "({}, {}),",
                string_literal(name),
                limits_literal(limits)
            ));
        }
        out.close("],");
        out.close(")?;");
    }
    if let RequestBody::Typed(body) = &op.body
        && !body.required_when.is_empty()
        && !deferred.iter().any(|(ident, _, _)| *ident == "body")
    {
        out.open("rt::request::check_required_when(");
        out.line(&format!("{},", value("body")));
        out.open("&[");
        for rule in &body.required_when {
            let values: Vec<String> = rule.values.iter().map(|v| string_literal(v)).collect();
            out.line(&format!(
                "({}, {}, &[{}]),",
                string_literal(&rule.field),
                string_literal(&rule.when),
                values.join(", ")
            ));
        }
        out.close("],");
        out.close(")?;");
    }
    for p in op.parameters.iter().filter(|p| !p.limits.is_empty()) {
        let line = format!(
            "rt::request::check({}, {}, &{})?;",
            string_literal(&p.name),
            value(&p.rust_name),
            limits_literal(&p.limits)
        );
        if out.fits(&line, 0) {
            out.line(&line);
        } else {
            out.open("rt::request::check(");
            out.line(&format!("{},", string_literal(&p.name)));
            out.line(&format!("{},", value(&p.rust_name)));
            out.line(&format!("&{},", limits_literal(&p.limits)));
            out.close(")?;");
        }
    }
    // The URL: the documented path, or each path in turn when the docs give others.
    let url_args = |path: &str| url_format(op, path, &value);
    if op.fallback_paths.is_empty() {
        let args = url_args(&op.path);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        out.call("let url = format!", &args, ";");
    } else {
        out.open("let urls = vec![");
        for path in std::iter::once(&op.path).chain(&op.fallback_paths) {
            let args = url_args(path);
            let line = format!("({}, format!({})),", string_literal(path), args.join(", "));
            if out.fits(&line, 0) {
                out.line(&line);
                continue;
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            out.open("(");
            out.line(&format!("{},", string_literal(path)));
            out.call("format!", &args, ",");
            out.close("),");
        }
        out.close("];");
        out.open(
            "let response = rt::request::execute_first(&self.client.http, &self.client.config, &META, urls, |url| {",
        );
    }
    let method = op.method.to_ascii_lowercase();
    let start = match method.as_str() {
        "get" | "post" | "put" | "delete" | "patch" | "head" => {
            format!("self.client.http.{method}(url)")
        }
        _ => format!(
            "self.client.http.request(::reqwest::Method::{}, url)",
            op.method.to_ascii_uppercase()
        ),
    };
    out.line(&format!("let request = {start};"));
    if matches!(op.success.body, SuccessBody::Json(_)) {
        out.line("let request = rt::request::accept_json(request);");
    }
    for p in &op.parameters {
        let name = string_literal(&p.name);
        match p.location.as_str() {
            "query" => {
                let v = value(&p.rust_name);
                out.line(&format!(
                    "let request = rt::request::query(request, {name}, {v});"
                ));
            }
            "header" => {
                let v = if bound.contains(&p.rust_name.as_str()) {
                    format!("Some({})", local(&p.rust_name))
                } else {
                    format!("self.{}.as_ref()", p.rust_name)
                };
                out.line(&format!(
                    "let request = rt::request::header(request, {name}, {v})?;"
                ));
            }
            _ => {}
        }
    }
    // The body.
    if others {
        out.open("let request = match raw {");
        out.line(
            "Some((content_type, raw)) => rt::request::raw(request, content_type, raw.clone()),",
        );
        out.open("None => {");
        let mut bound = bound.clone();
        for (ident, name, missing) in deferred {
            missing_check(out, ident, name, missing);
            bound.push(ident);
        }
        if let RequestBody::Multipart(form) = &op.body {
            form_checks(form, out);
        }
        let mut lines = body_statements(op, fields, &bound);
        // The last `let request = ...;` is the block's value.
        let last = lines
            .pop()
            .and_then(|l| {
                l.strip_prefix("let request = ")
                    .and_then(|e| e.strip_suffix(';'))
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "request".into());
        for line in &lines {
            out.line(line);
        }
        out.line(&last);
        out.close("}");
        out.close("};");
    } else {
        for line in &body_statements(op, fields, &bound) {
            out.line(line);
        }
    }
    if op.fallback_paths.is_empty() {
        out.line("let response = execute(self.client, &META, request).await?;");
    } else {
        out.line("Ok(request)");
        out.close("})");
        out.line(".await?;");
    }
    decode(op, out);
    out.close("}");
}

/// The name of the enum of the operation's typed choice, if it has one (under `builder::`).
pub(crate) fn choice_type(op: &Operation) -> Option<String> {
    typed_choice(op).map(|t| t.type_name.clone())
}

/// The typed choice of a multipart body's fields, if it has one.
fn typed_choice(op: &Operation) -> Option<&TypedChoice> {
    match &op.body {
        RequestBody::Multipart(form) => form.choice.as_ref()?.typed.as_ref(),
        _ => None,
    }
}

/// The enum of a typed choice: a variant per field, holding the value its setter takes, with
/// `From` for each variant whose type no other variant has (and `&str` for the one string).
fn choice_enum(
    builder: &str,
    t: &TypedChoice,
    form: &MultipartBody,
    fields: &[Field],
    out: &mut Source,
) {
    let listed: Vec<String> = t.variants.iter().map(|(f, _)| format!("`{f}`")).collect();
    out.doc(&format!(
        "What [`{builder}::{}`] takes: exactly one of the form fields {}.",
        t.setter,
        listed.join(", ")
    ));
    out.line("#[derive(Debug, Clone)]");
    out.open(&format!("pub enum {} {{", t.type_name));
    let held: Vec<(&str, &Field)> = t
        .variants
        .iter()
        .filter_map(|(_, variant)| {
            let field = fields.iter().find(|f| f.choice.as_ref() == Some(variant))?;
            Some((variant.as_str(), field))
        })
        .collect();
    for ((name, _), (variant, field)) in t.variants.iter().zip(&held) {
        let description = form
            .fields
            .iter()
            .find(|f| &f.name == name)
            .and_then(|f| non_empty(&f.description));
        match description {
            Some(d) => out.doc(&format!("The `{name}` form field: {d}")),
            None => out.doc(&format!("The `{name}` form field.")),
        }
        out.line(&format!("{variant}({}),", field.ty));
    }
    out.close("}");
    out.open(&format!("impl rt::request::Choice for {} {{", t.type_name));
    let names: Vec<String> = t.variants.iter().map(|(f, _)| string_literal(f)).collect();
    out.line(&format!(
        "const FIELDS: &'static [&'static str] = &[{}];",
        names.join(", ")
    ));
    out.open("fn field(&self) -> &'static str {");
    out.open("match self {");
    for ((name, _), (variant, _)) in t.variants.iter().zip(&held) {
        out.line(&format!("Self::{variant}(_) => {},", string_literal(name)));
    }
    out.close("}");
    out.close("}");
    out.close("}");
    for (variant, field) in &held {
        if held.iter().filter(|(_, f)| f.ty == field.ty).count() != 1 {
            continue;
        }
        let mut from = vec![(field.ty.clone(), "value")];
        if field.ty == "String" {
            from.push(("&str".to_string(), "value.to_string()"));
        }
        for (ty, value) in from {
            out.open(&format!("impl From<{ty}> for {} {{", t.type_name));
            out.open(&format!("fn from(value: {ty}) -> Self {{"));
            out.line(&format!("Self::{variant}({value})"));
            out.close("}");
            out.close("}");
        }
    }
}

/// The statements that check a typed choice is set and add its part to `form`.
fn choice_part(t: &TypedChoice, form: &MultipartBody) -> Vec<String> {
    let mut lines = vec![format!(
        "let form = match rt::request::chosen(&self.{})? {{",
        t.setter
    )];
    for (name, variant) in &t.variants {
        let file = form
            .fields
            .iter()
            .any(|f| &f.name == name && f.kind == FieldKind::File);
        let part = if file {
            format!(
                "rt::request::file_part(form, {}, Some(v)).await?",
                string_literal(name)
            )
        } else {
            format!(
                "rt::request::text_part(form, {}, Some(v))?",
                string_literal(name)
            )
        };
        lines.push(format!("    {}::{variant}(v) => {part},", t.type_name));
    }
    lines.push("};".to_string());
    lines
}

/// The checks of a multipart form's fields before sending: which fields go together, and which
/// are required by another's value.
fn form_checks(form: &MultipartBody, out: &mut Source) {
    // Which fields go together (a `oneOf` or `anyOf` of `required` lists); a typed choice is
    // checked where its value is read.
    if let Some(choice) = form.choice.as_ref().filter(|c| c.typed.is_none()) {
        out.open("rt::request::choice(");
        out.line(&format!("{},", choice.exactly_one));
        out.open("&[");
        for group in &choice.groups {
            let label: Vec<String> = group.iter().map(|name| format!("`{name}`")).collect();
            let set: Vec<String> = group
                .iter()
                .filter_map(|name| form.fields.iter().find(|f| &f.name == name))
                .map(|f| format!("self.{}.is_some()", f.rust_name))
                .collect();
            out.line(&format!(
                "({}, {}),",
                string_literal(&label.join(" with ")),
                set.join(" && ")
            ));
        }
        out.close("],");
        out.close(")?;");
    }
    // Fields required when another has some values (`x-required-when`).
    let rust = |name: &str| {
        form.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.rust_name.clone())
            .unwrap_or_default()
    };
    for rule in &form.required_when {
        let values: Vec<String> = rule.values.iter().map(|v| string_literal(v)).collect();
        out.open("rt::request::required_when(");
        out.line(&format!("{},", string_literal(&rule.field)));
        out.line(&format!("self.{}.is_some(),", rust(&rule.field)));
        out.line(&format!("{},", string_literal(&rule.when)));
        out.line(&format!(
            "self.{}.as_ref().map(ToString::to_string).as_deref(),",
            rust(&rule.when)
        ));
        out.line(&format!("&[{}],", values.join(", ")));
        out.close(")?;");
    }
}

/// The arguments of the `format!` that writes the URL of `path`, a template with `op`'s path
/// parameters; `value` gives the expression that reads a parameter.
fn url_format(op: &Operation, path: &str, value: &dyn Fn(&str) -> String) -> Vec<String> {
    let mut format_str = String::from("{}");
    let mut args = vec!["self.client.config.base_url()".to_string()];
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        format_str.push_str(&rest[..start].replace('}', "}}"));
        let after = &rest[start + 1..];
        let end = after.find('}').unwrap_or(after.len());
        let name = &after[..end];
        match op
            .parameters
            .iter()
            .find(|p| p.location == "path" && p.name == name)
        {
            Some(p) => {
                format_str.push_str("{}");
                args.push(format!("rt::request::path({})?", value(&p.rust_name)));
            }
            None => format_str.push_str(&format!("{{{{{name}}}}}")),
        }
        rest = after.get(end + 1..).unwrap_or("");
    }
    format_str.push_str(&rest.replace('{', "{{").replace('}', "}}"));
    let mut url_args = vec![string_literal(&format_str)];
    url_args.extend(args);
    url_args
}

/// For an `x-pagination` operation: the builder's `rt::Paged` implementation (where its
/// position and page size are, how to move it) and its `pages` and `items` streams.
fn pagination(cx: &Context<'_>, op: &Operation, out: &mut Source) {
    let Some(paging) = &op.pagination else {
        return;
    };
    let style = match &paging.style {
        PageStyle::Offset => "style: rt::PageStyle::Offset,".to_string(),
        PageStyle::Page { first } => format!("style: rt::PageStyle::Page {{ first: {first} }},"),
        PageStyle::Cursor { next } => return super::paging::cursor(cx, op, paging, next, out),
    };
    let names = &op.names;
    let page = success_type(cx, op);
    let item = cx.ty(&paging.item);
    let error = &names.error;
    out.open(&format!("impl<'a> rt::Paged for {}<'a> {{", names.builder));
    out.line(&format!("type Page = {page};"));
    out.line(&format!("type Error = {error};"));
    out.open("const PAGING: rt::Paging = rt::Paging {");
    out.line(&style);
    out.line(&format!("items: {},", string_literal(&paging.items)));
    let optional = |p: &Option<String>| match p {
        Some(p) => format!("Some({})", string_literal(p)),
        None => "None".into(),
    };
    out.line(&format!("has_more: {},", optional(&paging.has_more)));
    out.line(&format!("total: {},", optional(&paging.total)));
    out.close("};");
    let read = |field: &PageField| match field {
        PageField::Query(rust) => format!("rt::pages::number(self.{rust})"),
        PageField::Body(name) => {
            format!(
                "rt::pages::body_number(&self.body, {})",
                string_literal(name)
            )
        }
    };
    out.open("fn position(&self) -> Option<u64> {");
    out.line(&read(&paging.position));
    out.close("}");
    out.open("fn page_size(&self) -> Option<u64> {");
    out.line(&paging.page_size.as_ref().map_or("None".to_string(), read));
    out.close("}");
    match &paging.position {
        PageField::Query(rust) => {
            out.open("fn at(mut self, position: u64) -> Self {");
            let name = op
                .parameters
                .iter()
                .find(|p| &p.rust_name == rust)
                .map_or(rust.as_str(), |p| p.name.as_str());
            out.line(&format!(
                "self.{rust} = rt::pages::at(position, {}, &mut self.invalid);",
                string_literal(name)
            ));
            out.line("self");
        }
        PageField::Body(name) => {
            out.open("fn at(mut self, position: u64) -> Self {");
            out.line(&format!(
                "rt::pages::set_body_number(&mut self.body, {}, position, &mut self.invalid);",
                string_literal(name)
            ));
            out.line("self");
        }
    }
    out.close("}");
    super::paging::fetch_and_streams(
        out,
        &names.builder,
        &page,
        &item,
        error,
        "pages",
        "Every page, lazily, from the position set on the builder (else the first page): each\n\
         page is one call, with the client's retry policy and deadline. The stream ends after\n\
         the last page, or after an error, which it yields; drop it to stop early.",
    );
}

/// A description with its blank ends trimmed, if it says anything.
fn non_empty(description: &Option<String>) -> Option<&str> {
    description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
}

/// The local a required field's value is bound to in `attempt`: prefixed, so that no field
/// (`url`, `request`...) can shadow the attempt's own locals or be shadowed by them.
fn local(ident: &str) -> String {
    format!("p_{ident}")
}

/// `let p_x = rt::request::required(&self.x, "x")?;` (`function` is `required_field` for a
/// form field).
fn missing_check(out: &mut Source, ident: &str, name: &str, function: &str) {
    out.line(&format!(
        "let {} = rt::request::{function}(&self.{ident}, {})?;",
        local(ident),
        string_literal(name)
    ));
}

/// The statements that add the body to `request`.
fn body_statements(op: &Operation, fields: &[Field], bound: &[&str]) -> Vec<String> {
    let mut lines = Vec::new();
    let value = |ident: &str| -> Option<String> {
        if bound.contains(&ident) {
            Some(local(ident))
        } else {
            None
        }
    };
    match &op.body {
        RequestBody::None => {}
        RequestBody::Typed(body) => {
            let media = string_literal(&body.media_type);
            let add = |v: &str| match body.encoding {
                BodyEncoding::Json => format!("rt::request::json(request, {media}, {v})?"),
                BodyEncoding::Form => format!("rt::request::form(request, {v})?"),
                BodyEncoding::Text | BodyEncoding::Bytes => {
                    format!("rt::request::raw(request, {media}, {v}.clone())")
                }
            };
            match value("body") {
                Some(v) => lines.push(format!("let request = {};", add(&v))),
                None => lines.push(format!(
                    "let request = match &self.body {{ Some(body) => {}, None => request }};",
                    add("body")
                )),
            }
        }
        RequestBody::Multipart(form) => {
            lines.push("let form = ::reqwest::multipart::Form::new();".to_string());
            let typed = form.choice.as_ref().and_then(|c| c.typed.as_ref());
            let mut chosen = false;
            for f in &form.fields {
                let Some(field) = fields.iter().find(|x| x.ident == f.rust_name) else {
                    continue;
                };
                if let (Some(t), Some(_)) = (typed, &field.choice) {
                    // The choice's part goes where its first field is.
                    if !chosen {
                        chosen = true;
                        lines.extend(choice_part(t, form));
                    }
                    continue;
                }
                let v = match value(&field.ident) {
                    Some(v) => format!("Some({v})"),
                    None => format!("self.{}.as_ref()", field.ident),
                };
                let name = string_literal(&f.name);
                if f.kind == FieldKind::File {
                    lines.push(format!(
                        "let form = rt::request::file_part(form, {name}, {v}).await?;"
                    ));
                } else {
                    lines.push(format!(
                        "let form = rt::request::text_part(form, {name}, {v})?;"
                    ));
                }
            }
            if form.open {
                lines.push(
                    "let form = rt::request::form_parts(form, &self.form_parts).await?;"
                        .to_string(),
                );
            }
            lines.push("let request = request.multipart(form);".to_string());
        }
    }
    lines
}

/// `match` on the status: documented successes decoded, everything else back to `send`.
fn decode(op: &Operation, out: &mut Source) {
    let optional = !op.success.empty.is_empty();
    let with_body = match &op.success.body {
        SuccessBody::Empty => "Ok(rt::response::empty(response))",
        SuccessBody::Json(_) if optional => "rt::response::json_some(response).await",
        SuccessBody::Json(_) => "rt::response::json(response).await",
        SuccessBody::Stream if optional => "Ok(rt::response::stream_some(response))",
        SuccessBody::Stream => "Ok(rt::response::stream(response))",
    };
    let mut arms: Vec<(StatusMatch, &str)> = op
        .success
        .statuses
        .iter()
        .map(|s| (*s, with_body))
        .chain(
            op.success
                .empty
                .iter()
                .map(|s| (*s, "Ok(rt::response::none(response))")),
        )
        .collect();
    if op.success.statuses.is_empty() && op.success.empty.is_empty() {
        arms.push((StatusMatch::Range(2), with_body));
    }
    // Exact codes before ranges.
    arms.sort_by_key(|(s, _)| matches!(s, StatusMatch::Range(_)));
    out.open("match response.status().as_u16() {");
    // Arms with one body share one or-pattern; runs of three or more codes are a range.
    let mut grouped: Vec<(Vec<u16>, Vec<String>, &str)> = Vec::new();
    for (status, body) in arms {
        let at = match grouped.iter().position(|(_, _, b)| *b == body) {
            Some(at) if !matches!(status, StatusMatch::Range(_)) => at,
            _ => {
                grouped.push((Vec::new(), Vec::new(), body));
                grouped.len() - 1
            }
        };
        match status {
            StatusMatch::Code(code) => grouped[at].0.push(code),
            other => grouped[at].1.push(super::errors::status_pattern(other)),
        }
    }
    for (codes, ranges, body) in grouped {
        let mut patterns = code_patterns(&codes);
        patterns.extend(ranges);
        out.arm(&patterns, body);
    }
    out.line("_ => rt::request::unexpected(response),");
    out.close("}");
}

/// Status codes as match patterns, in order: a run of three or more consecutive codes is one
/// range (`200..=202`).
fn code_patterns(codes: &[u16]) -> Vec<String> {
    let mut codes = codes.to_vec();
    codes.sort_unstable();
    codes.dedup();
    let mut patterns = Vec::new();
    let mut i = 0;
    while i < codes.len() {
        let mut j = i;
        while j + 1 < codes.len() && codes[j + 1] == codes[j] + 1 {
            j += 1;
        }
        if j - i >= 2 {
            patterns.push(format!("{}..={}", codes[i], codes[j]));
        } else {
            patterns.extend(codes[i..=j].iter().map(u16::to_string));
        }
        i = j + 1;
    }
    patterns
}

fn status_label(status: StatusMatch) -> String {
    match status {
        StatusMatch::Code(c) => c.to_string(),
        StatusMatch::Range(d) => format!("{d}XX"),
        StatusMatch::Default => "default".into(),
    }
}

/// The enum of the other request media types, for `send_body`.
fn media_types(op: &Operation, out: &mut Source) {
    let types = op.body.other_media_types();
    if types.is_empty() {
        return;
    }
    let mut taken = Namespace::default();
    let variants: Vec<String> = types
        .iter()
        .map(|t| names::media_type_variant(t, &mut taken))
        .collect();
    out.doc(&format!(
        "The request media types [`Client::{}`] documents besides the typed body's: pass one to\n\
         `send_body`, with the body encoded.",
        op.names.method
    ));
    out.line("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]");
    out.open("pub enum MediaType {");
    for (variant, media_type) in variants.iter().zip(types) {
        out.doc(&format!("`{media_type}`"));
        out.line(&format!("{variant},"));
    }
    out.close("}");
    out.open("impl MediaType {");
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

/// `pub const META: rt::OperationMeta`.
fn meta(op: &Operation, out: &mut Source) {
    let billable = op.billable();
    let idempotent = op.idempotent && !billable;
    let mut doc = format!("What the client knows about `{}`", op.id);
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
    doc.push('.');
    out.doc(&doc);
    // `OperationMeta::new(..)` and a call for each fact that is not the default.
    let head = format!(
        "pub const META: rt::OperationMeta = rt::OperationMeta::new({}, {}, {})",
        string_literal(&op.id),
        string_literal(&op.method),
        string_literal(&op.path)
    );
    let mut calls: Vec<String> = Vec::new();
    if billable {
        calls.push(".billable()".into());
    }
    if idempotent {
        calls.push(".idempotent()".into());
    }
    if matches!(op.success.body, SuccessBody::Stream) {
        calls.push(".streams_body()".into());
    }
    if !op.security.is_empty() {
        let security: Vec<String> = op.security.iter().map(|s| string_literal(s)).collect();
        calls.push(format!(".security(&[{}])", security.join(", ")));
    }
    let errors = super::errors::ordered_errors(op);
    let one_line = format!("{head}{};", calls.concat());
    if errors.is_empty() && (calls.is_empty() || out.fits(&one_line, 0)) {
        out.line(&one_line);
        return;
    }
    out.line(&head);
    out.continuation(&calls, if errors.is_empty() { ";" } else { "" });
    if errors.is_empty() {
        return;
    }
    out.depth_in();
    out.open(".errors(&[");
    for e in errors {
        let description = string_literal(&super::errors::one_line_description(&e.description));
        let (function, status) = match e.status {
            StatusMatch::Code(c) => ("rt::ErrorDoc::code", c.to_string()),
            StatusMatch::Range(d) => ("rt::ErrorDoc::range", d.to_string()),
            StatusMatch::Default => ("rt::ErrorDoc::default_response", String::new()),
        };
        let args: Vec<&str> = [status.as_str(), description.as_str()]
            .into_iter()
            .filter(|a| !a.is_empty())
            .collect();
        let retryable = if e.retryable { ".retryable()" } else { "" };
        let billed = if e.billed { ".billed()" } else { "" };
        // One line per documented error, however long: a table to scan.
        out.line(&format!(
            "{function}({}){retryable}{billed},",
            args.join(", ")
        ));
    }
    out.close("]);");
    out.depth_out();
}

/// `Name { a, b: c }` on one line if it fits, else one field per line.
fn struct_literal(out: &mut Source, name: &str, fields: &[String]) {
    let line = format!("{name} {{ {} }}", fields.join(", "));
    if out.fits(&line, 0) {
        out.line(&line);
    } else {
        out.open(&format!("{name} {{"));
        for f in fields {
            out.line(&format!("{f},"));
        }
        out.close("}");
    }
}

/// `head(params) -> ret {` on one line if it fits, else one parameter per line; opens the body.
pub(crate) fn signature(out: &mut Source, head: &str, params: &[&str], ret: &str) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_codes_become_ranges() {
        assert_eq!(code_patterns(&[202, 200, 201, 204]), ["200..=202", "204"]);
        assert_eq!(code_patterns(&[200, 201]), ["200", "201"]);
        assert!(code_patterns(&[]).is_empty());
    }
}
