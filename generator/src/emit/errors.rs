//! Emits each operation's enum of documented error responses (the variant chosen by status,
//! carrying the body typed by the schema documented for it) and the crate-level `Error`, as
//! pre-formatted source (see [`super::text`]). What every operation shares (undocumented
//! statuses, invalid bodies, transport failures, invalid requests, the deadline, `Display`,
//! `status()`...) is the runtime's `CallError`, written once.
//!
//! The functions here are `#[inline]`: decoding an error body instantiates serde and the
//! runtime's generic code, and `#[inline]` has that compiled in the crate that calls it (as an
//! operation's `async` body is), not in every build of the generated crate.

use super::Context;
use super::text::{Source, string_literal};
use crate::ir::{ErrorBody, ErrorResponse, Operation, ScalarKind, StatusMatch};
use crate::names;

fn body_type(body: &ErrorBody) -> String {
    match body {
        ErrorBody::Empty => "()".into(),
        ErrorBody::Json(name) => format!("types::{name}"),
        ErrorBody::JsonValue => "::serde_json::Value".into(),
        ErrorBody::Text => "String".into(),
        ErrorBody::Bytes => "::bytes::Bytes".into(),
    }
}

/// The typed-headers structs an operation's documented errors declare.
pub(crate) fn headers_structs(op: &Operation) -> Vec<String> {
    ordered_errors(op)
        .into_iter()
        .filter(|e| !e.headers.is_empty())
        .map(|e| names::headers_struct(&op.names.builder, &e.variant))
        .collect()
}

/// The `match` pattern (on a `u16` status) of a documented status.
pub(crate) fn status_pattern(status: StatusMatch) -> String {
    match status {
        StatusMatch::Code(c) => c.to_string(),
        StatusMatch::Range(d) => format!("{}..={}", d * 100, d * 100 + 99),
        StatusMatch::Default => "_".into(),
    }
}

fn status_label(status: StatusMatch) -> String {
    match status {
        StatusMatch::Code(c) => format!("`{c}`"),
        StatusMatch::Range(d) => format!("`{d}XX`"),
        StatusMatch::Default => "any other status (`default`)".into(),
    }
}

/// The enum of an operation's documented error responses and its `rt::Documented` impl: the
/// choice of variant by status, and each variant seen as an `rt::ErrorView`.
pub(crate) fn operation_error(_cx: &Context<'_>, op: &Operation, out: &mut Source) {
    let names = &op.names;
    let ident = &names.error;
    let method = &names.method;
    let errors = ordered_errors(op);

    for e in &errors {
        if !e.headers.is_empty() {
            headers_struct(
                &names::headers_struct(&names.builder, &e.variant),
                op,
                e,
                out,
            );
        }
    }

    out.doc(&format!(
        "The documented error responses of [`Client::{method}`], by status."
    ));
    out.line("#[derive(Debug)]");
    out.line("#[non_exhaustive]");
    out.open(&format!("pub enum {ident} {{"));
    // Variants with the same payload (and the same way to read it) share one view arm: an
    // or-pattern binds one type.
    let mut view_groups: Vec<(String, String, Vec<String>)> = Vec::new();
    for e in &errors {
        let v = &e.variant;
        let payload = if e.headers.is_empty() {
            format!("rt::ErrorResponse<{}>", body_type(&e.body))
        } else {
            format!(
                "rt::ErrorResponse<{}, {}>",
                body_type(&e.body),
                names::headers_struct(&names.builder, v)
            )
        };
        out.doc(&format!(
            "{}: {}",
            status_label(e.status),
            one_line_description(&e.description)
        ));
        let variant = format!("{v}({payload}),");
        if out.fits(&variant, 0) {
            out.line(&variant);
        } else {
            out.open(&format!("{v}("));
            out.line(&format!("{payload},"));
            out.close("),");
        }
        let mut view = "r.view()".to_string();
        if let Some(field) = &e.message_field {
            view.push_str(&format!(
                ".with_message(&r.body.{})",
                names::snake_ident(field)
            ));
        }
        if let Some(pointer) = &e.retry_after_pointer {
            view.push_str(&format!(
                ".or_retry_after(rt::retry_after_from_body(&r.body, {}))",
                string_literal(pointer)
            ));
        }
        let pattern = format!("Self::{v}(r)");
        match view_groups
            .iter_mut()
            .find(|(p, w, _)| *p == payload && *w == view)
        {
            Some((_, _, group)) => group.push(pattern),
            None => view_groups.push((payload, view, vec![pattern])),
        }
    }
    out.close("}");

    out.open(&format!("impl rt::Documented for {ident} {{"));
    out.line("const OPERATION: &'static rt::OperationMeta = &META;");
    // Exact codes are matched before the ranges that contain them, on purpose.
    if errors
        .iter()
        .any(|e| matches!(e.status, StatusMatch::Range(_)))
    {
        out.line("#[allow(clippy::match_overlapping_arm)]");
    }
    out.line("#[inline]");
    out.open("fn from_response(response: rt::RawResponse) -> rt::CallError<Self> {");
    let mut arms: Vec<(String, String)> = errors
        .iter()
        .map(|e| {
            let function = match &e.body {
                ErrorBody::Json(_) | ErrorBody::JsonValue => "rt::json_error",
                ErrorBody::Text => "rt::text_error",
                ErrorBody::Bytes => "rt::bytes_error",
                ErrorBody::Empty => "rt::empty_error",
            };
            (
                status_pattern(e.status),
                format!("{function}(response, Self::{})", e.variant),
            )
        })
        .collect();
    if !errors.iter().any(|e| e.status == StatusMatch::Default) {
        arms.push((
            "_".into(),
            "rt::CallError::UnexpectedStatus(response)".into(),
        ));
    }
    // One arm is the catch-all (only `default`, or no error documented): no `match` needed.
    if let [(_, call)] = arms.as_slice() {
        out.line(call);
    } else {
        out.open("match response.status.as_u16() {");
        for (pattern, call) in &arms {
            out.arm(std::slice::from_ref(pattern), call);
        }
        out.close("}");
    }
    out.close("}");
    out.line("#[inline]");
    out.open("fn view(&self) -> rt::ErrorView<'_> {");
    if view_groups.is_empty() {
        out.line("match *self {}");
    } else {
        out.open("match self {");
        for (_, view, patterns) in &view_groups {
            out.arm(patterns, view);
        }
        out.close("}");
    }
    out.close("}");
    out.close("}");
}

/// The documented error responses in match order: exact codes, then ranges, then `default`
/// (so that an exact code wins over the range that contains it).
pub(crate) fn ordered_errors(op: &Operation) -> Vec<&ErrorResponse> {
    let mut ordered: Vec<&ErrorResponse> = op.errors.iter().collect();
    ordered.sort_by_key(|e| match e.status {
        StatusMatch::Code(_) => 0,
        StatusMatch::Range(_) => 1,
        StatusMatch::Default => 2,
    });
    ordered
}

/// A response description on one line, for error messages: whitespace collapsed, no final
/// full stop.
pub(crate) fn one_line_description(description: &str) -> String {
    let joined = description.split_whitespace().collect::<Vec<_>>().join(" ");
    joined.trim_end_matches('.').to_string()
}

fn headers_struct(ident: &str, op: &Operation, e: &ErrorResponse, out: &mut Source) {
    out.doc(&format!(
        "Headers declared for the {} response of `{}`.\n\n\
         A header that is absent or does not parse is `None`.",
        status_label(e.status),
        op.id
    ));
    out.line("#[derive(Debug, Clone, Default, PartialEq)]");
    out.open(&format!("pub struct {ident} {{"));
    let mut inits = Vec::new();
    for h in &e.headers {
        let field = names::snake_ident(&h.name);
        let name = h.name.to_ascii_lowercase();
        let mut doc = format!("`{}`", h.name);
        if let Some(description) = h.description.as_deref().map(str::trim)
            && !description.is_empty()
        {
            doc.push_str("\n\n");
            doc.push_str(description);
        }
        out.doc(&doc);
        let text = format!(
            "headers.get({}).and_then(|v| v.to_str().ok()).map(str::trim)",
            string_literal(&name)
        );
        // `None` parse: the `Retry-After` header, read by the runtime.
        let (ty, parse) = if name == "retry-after" {
            ("::std::time::Duration", None)
        } else {
            let parse = match h.kind {
                ScalarKind::Integer | ScalarKind::Number | ScalarKind::Boolean => {
                    format!("{text}.and_then(|v| v.parse().ok())")
                }
                _ => format!("{text}.map(str::to_string)"),
            };
            let ty = match h.kind {
                ScalarKind::Integer => "i64",
                ScalarKind::Number => "f64",
                ScalarKind::Boolean => "bool",
                _ => "String",
            };
            (ty, Some(parse))
        };
        out.line(&format!("pub {field}: Option<{ty}>,"));
        inits.push((field, parse));
    }
    out.close("}");
    out.open(&format!("impl rt::FromHeaders for {ident} {{"));
    out.line("#[inline]");
    out.open("fn from_headers(headers: &::reqwest::header::HeaderMap) -> Self {");
    out.open("Self {");
    for (field, parse) in inits {
        match parse {
            Some(parse) => out.chain(&format!("{field}: {parse},")),
            None => out.call(
                &format!("{field}: rt::retry_after_header"),
                &["headers", "::std::time::SystemTime::now()"],
                ",",
            ),
        }
    }
    out.close("}");
    out.close("}");
    out.close("}");
}

/// The crate-level `Error` every operation error converts into.
pub(crate) fn crate_error(cx: &Context<'_>, out: &mut Source) {
    let rt = "rt";
    // (variant, payload type, doc, whether it is an operation's error, its gate)
    let mut variants: Vec<(String, String, String, bool, Option<String>)> = Vec::new();
    for op in &cx.api.operations {
        let names = &op.names;
        variants.push((
            names.builder.to_string(),
            format!("{rt}::CallError<errors::{}>", names.error),
            format!("A failed `{}` call.", op.id),
            true,
            cx.gates.op(op),
        ));
    }
    for (status_op, variant, error_ty) in super::jobs::job_error_types(cx) {
        let gate = cx
            .api
            .operations
            .iter()
            .find(|op| op.id == status_op)
            .and_then(|op| cx.gates.op(op));
        variants.push((
            variant.to_string(),
            super::text::type_text(&error_ty),
            format!("Waiting for a job polled with `{status_op}` failed."),
            false,
            gate,
        ));
    }
    variants.push((
        "Config".into(),
        format!("{rt}::ConfigError"),
        "The client could not be configured (missing key, invalid base URL).".into(),
        false,
        None,
    ));

    out.doc("Any error of this crate, for callers who just use `?`.");
    out.line("#[derive(Debug)]");
    out.line("#[non_exhaustive]");
    out.open("pub enum Error {");
    for (variant, ty, doc, _, gate) in &variants {
        out.doc(doc);
        if let Some(cfg) = gate {
            out.line(cfg);
        }
        let line = format!("{variant}({ty}),");
        if out.fits(&line, 0) {
            out.line(&line);
        } else {
            out.open(&format!("{variant}("));
            out.line(&format!("{ty},"));
            out.close("),");
        }
    }
    out.close("}");
    for (variant, ty, _, _, gate) in &variants {
        if let Some(cfg) = gate {
            out.line(cfg);
        }
        out.open(&format!("impl From<{ty}> for Error {{"));
        out.open(&format!("fn from(e: {ty}) -> Self {{"));
        out.line(&format!("Self::{variant}(e)"));
        out.close("}");
        out.close("}");
    }
    out.open("impl Error {");
    for (doc, signature, body) in [
        (
            "The HTTP status, when the error came from a response.",
            "pub fn status(&self) -> Option<::reqwest::StatusCode> {",
            "self.inner().1.and_then(|(view, _)| view.status())",
        ),
        (
            "How long the server asked to wait before retrying.",
            "pub fn retry_after(&self) -> Option<::std::time::Duration> {",
            "self.inner().1.and_then(|(view, _)| view.retry_after())",
        ),
        (
            "Whether the same call may succeed later (including the statuses the spec \
             documents as retryable for the operation).",
            "pub fn is_retryable(&self) -> bool {",
            "self.inner().1.is_some_and(|(view, op)| view.is_retryable_for(op))",
        ),
        (
            "Whether the server says the caller is rate-limited or out of quota (a 429, or a \
             message saying so under another status).",
            "pub fn is_rate_limited(&self) -> bool {",
            "self.inner().1.is_some_and(|(view, _)| view.is_rate_limited())",
        ),
    ] {
        out.doc(doc);
        out.line("#[inline]");
        out.open(signature);
        out.line(body);
        out.close("}");
    }
    out.doc(
        "The error inside, and, if it is an operation's error, how it reads and the operation.",
    );
    out.line("#[inline]");
    out.line("fn inner(");
    out.continuation(&["&self,".to_string()], "");
    out.open(&format!(
        ") -> (&(dyn ::std::error::Error + 'static), Option<({rt}::ErrorView<'_>, &'static {rt}::OperationMeta)>) {{"
    ));
    out.open("match self {");
    for (variant, _, _, is_operation, gate) in &variants {
        if let Some(cfg) = gate {
            out.line(cfg);
        }
        if *is_operation {
            out.line(&format!(
                "Self::{variant}(e) => (e, Some((e.view(), e.operation()))),"
            ));
        } else {
            out.line(&format!("Self::{variant}(e) => (e, None),"));
        }
    }
    out.close("}");
    out.close("}");
    out.close("}");
    out.open("impl ::std::fmt::Display for Error {");
    out.line("#[inline]");
    out.open("fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {");
    out.line("::std::fmt::Display::fmt(self.inner().0, f)");
    out.close("}");
    out.close("}");
    out.open("impl ::std::error::Error for Error {");
    out.line("#[inline]");
    out.open("fn source(&self) -> Option<&(dyn ::std::error::Error + 'static)> {");
    out.line("self.inner().0.source()");
    out.close("}");
    out.close("}");
}
