//! Emits one error enum per operation (variant chosen by status) and the crate-level `Error`,
//! as pre-formatted source (see [`super::text`]).

use super::text::{Source, string_literal};
use super::{Context, safe_snake};
use crate::ir::{ErrorBody, ErrorResponse, Operation, ScalarKind, StatusMatch};

/// `pub mod errors { ... }`.
pub(crate) fn errors_module(cx: &Context<'_>, out: &mut Source) {
    out.doc(
        "One error enum per operation: the variant is chosen by the HTTP status, and carries the\n\
         body typed by the schema the description documents for that status.",
    );
    out.open("pub mod errors {");
    out.line(&format!("use ::{} as rt;", cx.runtime));
    for op in &cx.api.operations {
        operation_error(cx, op, out);
    }
    out.close("}");
}

fn body_type(body: &ErrorBody) -> String {
    match body {
        ErrorBody::Empty => "()".into(),
        ErrorBody::Json(name) => format!("super::types::{name}"),
        ErrorBody::JsonValue => "::serde_json::Value".into(),
        ErrorBody::Text => "::std::string::String".into(),
        ErrorBody::Bytes => "::bytes::Bytes".into(),
    }
}

fn headers_ident(cx: &Context<'_>, op: &Operation, e: &ErrorResponse) -> String {
    format!("{}{}Headers", cx.names(op).builder, e.variant)
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

/// Inside `mod errors`, the runtime crate is `rt` (short paths keep the enums readable).
///
/// Each enum implements only what differs per operation (picking the variant by status, and
/// viewing a variant as an `rt::ErrorView`); status, wait, retryability, `Display` and `source`
/// come from the runtime, which reads the descriptions from the operation's metadata.
fn operation_error(cx: &Context<'_>, op: &Operation, out: &mut Source) {
    let names = cx.names(op);
    let ident = &names.error;
    let method = &names.method;
    let op_id = &op.id;
    let errors = ordered_errors(op);

    for e in &errors {
        if !e.headers.is_empty() {
            headers_struct(&headers_ident(cx, op, e), op, e, out);
        }
    }

    out.doc(&format!(
        "Errors of [`Client::{method}`](super::Client::{method}) (`{} {}`, operationId `{op_id}`).\n\n\
         Documented statuses have a variant each; everything else lands in one of the last five.",
        op.method, op.path
    ));
    out.line("#[derive(Debug)]");
    out.line("#[non_exhaustive]");
    out.open(&format!("pub enum {ident} {{"));
    // Variants with the same payload (and the same way to read it) share one view arm: an
    // or-pattern binds one type.
    let mut view_groups: Vec<(String, String, Vec<String>)> = Vec::new();
    for e in &errors {
        let v = &e.variant;
        let headers_ty = if e.headers.is_empty() {
            "rt::NoHeaders".to_string()
        } else {
            headers_ident(cx, op, e)
        };
        let payload = format!("rt::ErrorResponse<{}, {headers_ty}>", body_type(&e.body));
        out.doc(&format!(
            "{}: {}",
            status_label(e.status),
            e.description.trim()
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
            view.push_str(&format!(".with_message(&r.body.{})", safe_snake(field)));
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
    for (doc, variant) in [
        (
            "A status this operation does not document; the body is kept raw (at most 1 MiB).",
            "UnexpectedStatus(rt::RawResponse),",
        ),
        (
            "A documented response whose body does not match its documented schema.",
            "InvalidBody(rt::InvalidBody),",
        ),
        (
            "The request could not be sent, or no complete response came back.",
            "Transport(rt::TransportError),",
        ),
        (
            "A parameter could not be converted; nothing was sent.",
            "InvalidRequest(::std::string::String),",
        ),
        (
            "The call's overall deadline passed.",
            "DeadlineExceeded(rt::DeadlineExceeded),",
        ),
    ] {
        out.doc(doc);
        out.line(variant);
    }
    out.close("}");

    out.open(&format!("impl {ident} {{"));
    out.doc("The HTTP status of the response, when there was one.");
    out.open("pub fn status(&self) -> Option<::reqwest::StatusCode> {");
    out.line("rt::OperationError::status(self)");
    out.close("}");
    out.doc(
        "How long the server asked to wait before retrying (`Retry-After`, or a documented\n\
         body field).",
    );
    out.open("pub fn retry_after(&self) -> Option<::std::time::Duration> {");
    out.line("rt::OperationError::retry_after(self)");
    out.close("}");
    out.doc("Whether the same call may succeed later (429, 502, 503, 504, connection errors).");
    out.open("pub fn is_retryable(&self) -> bool {");
    out.line("rt::OperationError::is_retryable(self)");
    out.close("}");
    out.close("}");

    out.open(&format!("impl rt::OperationError for {ident} {{"));
    // Exact codes are matched before the ranges that contain them, on purpose.
    if errors
        .iter()
        .any(|e| matches!(e.status, StatusMatch::Range(_)))
    {
        out.line("#[allow(clippy::match_overlapping_arm)]");
    }
    out.open("fn from_response(response: rt::RawResponse) -> Self {");
    let mut arms: Vec<(String, String, Vec<String>)> = errors
        .iter()
        .map(|e| {
            let v = format!("Self::{}", e.variant);
            let (function, mut args) = match &e.body {
                ErrorBody::Json(_) | ErrorBody::JsonValue => ("rt::json_error", vec![v]),
                ErrorBody::Text => ("rt::text_error", vec![v]),
                ErrorBody::Bytes => ("rt::bytes_error", vec![v]),
                ErrorBody::Empty => ("rt::empty_error", vec![v]),
            };
            if function == "rt::json_error" {
                args.push("Self::InvalidBody".into());
            }
            args.insert(0, "response".into());
            (status_pattern(e.status), function.to_string(), args)
        })
        .collect();
    if !errors.iter().any(|e| e.status == StatusMatch::Default) {
        arms.push((
            "_".into(),
            "Self::UnexpectedStatus".into(),
            vec!["response".into()],
        ));
    }
    // One arm is the catch-all (only `default`, or no error documented): no `match` needed.
    if let [(_, function, args)] = arms.as_slice() {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        out.call(function, &args, "");
    } else {
        out.open("match response.status.as_u16() {");
        for (pattern, function, args) in &arms {
            let one_line = format!("{pattern} => {function}({}),", args.join(", "));
            if out.fits(&one_line, 0) {
                out.line(&one_line);
            } else {
                out.open(&format!("{pattern} => {{"));
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                out.call(function, &args, "");
                out.close("}");
            }
        }
        out.close("}");
    }
    out.close("}");
    out.open("fn from_failure(failure: rt::Failure) -> Self {");
    out.open("match failure {");
    for v in [
        "Transport",
        "InvalidRequest",
        "InvalidBody",
        "DeadlineExceeded",
    ] {
        out.line(&format!("rt::Failure::{v}(e) => Self::{v}(e),"));
    }
    out.close("}");
    out.close("}");
    out.open("fn view(&self) -> rt::ErrorView<'_> {");
    out.open("match self {");
    for (_, view, patterns) in &view_groups {
        out.arm(patterns, view);
    }
    for (variant, binding) in [
        ("UnexpectedStatus", "r"),
        ("InvalidBody", "e"),
        ("Transport", "e"),
        ("InvalidRequest", "e"),
        ("DeadlineExceeded", "e"),
    ] {
        out.line(&format!(
            "Self::{variant}({binding}) => rt::ErrorView::{variant}({binding}),"
        ));
    }
    out.close("}");
    out.close("}");
    out.close("}");

    out.open(&format!("impl ::std::fmt::Display for {ident} {{"));
    out.open("fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {");
    out.chain(&format!(
        "rt::OperationError::view(self).fmt(&super::operations::{}, f)",
        names.meta
    ));
    out.close("}");
    out.close("}");
    out.open(&format!("impl ::std::error::Error for {ident} {{"));
    out.open("fn source(&self) -> Option<&(dyn ::std::error::Error + 'static)> {");
    out.line("rt::OperationError::view(self).source()");
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
        let field = safe_snake(&h.name);
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
                _ => "::std::string::String",
            };
            (ty, Some(parse))
        };
        out.line(&format!("pub {field}: Option<{ty}>,"));
        inits.push((field, parse));
    }
    out.close("}");
    out.open(&format!("impl rt::FromHeaders for {ident} {{"));
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
    let rt = format!("::{}", cx.runtime);
    // (variant, payload type, doc, whether it is an operation's error)
    let mut variants: Vec<(String, String, String, bool)> = Vec::new();
    for op in &cx.api.operations {
        let names = cx.names(op);
        variants.push((
            names.builder.to_string(),
            format!("errors::{}", names.error),
            format!("A failed `{}` call.", op.id),
            true,
        ));
    }
    for (status_op, variant, error_ty) in super::jobs::job_error_types(cx) {
        variants.push((
            variant.to_string(),
            super::text::type_text(&error_ty),
            format!("Waiting for a job polled with `{status_op}` failed."),
            false,
        ));
    }
    variants.push((
        "Config".into(),
        format!("{rt}::ConfigError"),
        "The client could not be configured (missing key, invalid base URL).".into(),
        false,
    ));

    out.doc("Any error of this crate, for callers who just use `?`.");
    out.line("#[derive(Debug)]");
    out.line("#[non_exhaustive]");
    out.open("pub enum Error {");
    for (variant, ty, doc, _) in &variants {
        out.doc(doc);
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
    for (variant, ty, _, _) in &variants {
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
            "self.inner().1.and_then(|view| view.status())",
        ),
        (
            "How long the server asked to wait before retrying.",
            "pub fn retry_after(&self) -> Option<::std::time::Duration> {",
            "self.inner().1.and_then(|view| view.retry_after())",
        ),
        (
            "Whether the same call may succeed later.",
            "pub fn is_retryable(&self) -> bool {",
            "self.inner().1.is_some_and(|view| view.is_retryable())",
        ),
    ] {
        out.doc(doc);
        out.open(signature);
        out.line(body);
        out.close("}");
    }
    out.doc("The error inside, and how it reads if it is an operation's error.");
    out.line("fn inner(");
    out.continuation(&["&self,".to_string()], "");
    out.open(&format!(
        ") -> (&(dyn ::std::error::Error + 'static), Option<{rt}::ErrorView<'_>>) {{"
    ));
    out.open("match self {");
    for (variant, _, _, is_operation) in &variants {
        if *is_operation {
            out.line(&format!("Self::{variant}(e) => (e, Some(e.view())),"));
        } else {
            out.line(&format!("Self::{variant}(e) => (e, None),"));
        }
    }
    out.close("}");
    out.close("}");
    out.close("}");
    out.open("impl ::std::fmt::Display for Error {");
    out.open("fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {");
    out.line("::std::fmt::Display::fmt(self.inner().0, f)");
    out.close("}");
    out.close("}");
    out.open("impl ::std::error::Error for Error {");
    out.open("fn source(&self) -> Option<&(dyn ::std::error::Error + 'static)> {");
    out.line("self.inner().0.source()");
    out.close("}");
    out.close("}");
}
