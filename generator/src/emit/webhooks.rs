//! Emits the `webhooks` module from the IR's webhooks: one receiving function per callback or
//! 3.1 webhook, which checks the request's authorization header (in constant time), the event
//! its payload names and the payload's shape with `clientgen_runtime::webhook`, and returns the
//! payload typed.

use std::fmt::Write as _;

use super::Context;
use super::text::{Source, string_literal};
use crate::ir::{Api, Webhook, WebhookSource};

/// `pub mod webhooks { ... }`, when the description has any.
pub(crate) fn webhooks_module(cx: &Context<'_>, out: &mut Source) {
    if cx.api.webhooks.is_empty() {
        return;
    }
    out.doc(
        "Receivers of the requests the API sends to your URLs (its callbacks and webhooks): each\n\
         function takes the request's headers and body, as any HTTP server hands them to a\n\
         handler, and returns the payload typed, or a `WebhookError` whose `status()` is the\n\
         status to answer with.",
    );
    out.open("pub mod webhooks {");
    // `types` and the runtime as `rt`, as the operations' modules read them.
    out.line("use super::*;");
    out.line("pub use rt::{HeaderMap, WebhookError};");
    for webhook in &cx.api.webhooks {
        receiver(cx, webhook, out);
    }
    out.close("}");
}

fn receiver(cx: &Context<'_>, webhook: &Webhook, out: &mut Source) {
    let mut doc: Vec<String> = [&webhook.summary, &webhook.description]
        .into_iter()
        .flatten()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    doc.push(match &webhook.source {
        WebhookSource::Callback {
            operations,
            expression,
        } => {
            let methods: Vec<String> = operations
                .iter()
                .filter_map(|id| cx.api.operations.iter().find(|op| &op.id == id))
                .map(|op| format!("`Client::{}`", op.names.method))
                .collect();
            format!(
                "The `{}` callback of {}: a `{}` to `{expression}`.",
                webhook.name,
                methods.join(" and "),
                webhook.method
            )
        }
        WebhookSource::Webhook => format!(
            "The `{}` webhook: a `{}` to the URL you registered with the API.",
            webhook.name, webhook.method
        ),
    });
    let mut checks = Vec::new();
    if let Some(auth) = &webhook.authorization {
        let given = auth
            .parameter
            .as_ref()
            .map(|p| format!(" (the value you gave as `{p}`)"))
            .unwrap_or_default();
        checks.push(format!(
            "that the `{}` header holds `secret`{given}, compared in constant time \
             (`WebhookError::MissingAuthorization`, `WrongAuthorization`)",
            auth.header
        ));
    }
    if let Some(event) = &webhook.event {
        let values: Vec<String> = event.values.iter().map(|v| format!("`{v}`")).collect();
        checks.push(format!(
            "that the payload's `{}` is one of {} (`WebhookError::UnknownEvent`)",
            event.pointer,
            values.join(", ")
        ));
    }
    checks.push(
        "that the body is the documented JSON (`WebhookError::MalformedBody`, with the body as \
         received)"
            .to_string(),
    );
    doc.push(format!("Checks {}.", checks.join("; then ")));
    out.doc(&wrapped(&doc.join("\n\n"), out.depth()));
    // A callback compiles with the operations that declare it.
    if let WebhookSource::Callback { operations, .. } = &webhook.source
        && let Some(cfg) = cx.gates.any(
            cx.api
                .operations
                .iter()
                .filter(|op| operations.contains(&op.id))
                .map(|op| op.names.feature.as_str()),
        )
    {
        out.line(&cfg);
    }
    let headers = if webhook.authorization.is_some() {
        "headers"
    } else {
        "_headers"
    };
    let mut params = vec![format!("{headers}: &HeaderMap"), "body: &[u8]".to_string()];
    if webhook.authorization.is_some() {
        params.push("secret: &str".to_string());
    }
    let ret = format!("Result<{}, WebhookError>", cx.ty(&webhook.body));
    // Compiled where it is called: decoding the payload instantiates serde.
    out.line("#[inline]");
    let one_line = format!(
        "pub fn {}({}) -> {ret} {{",
        webhook.function,
        params.join(", ")
    );
    if out.fits(&one_line, 0) {
        out.open(&one_line);
    } else {
        let indent = "    ".repeat(out.depth());
        out.raw(&format!("{indent}pub fn {}(\n", webhook.function));
        for p in &params {
            out.raw(&format!("{indent}    {p},\n"));
        }
        out.open(&format!(") -> {ret} {{"));
    }
    if let Some(auth) = &webhook.authorization {
        out.line(&format!(
            "rt::webhook::check_authorization(headers, {}, secret)?;",
            string_literal(&auth.header)
        ));
    }
    if let Some(event) = &webhook.event {
        let values: Vec<String> = event.values.iter().map(|v| string_literal(v)).collect();
        let pointer = string_literal(&event.pointer);
        let values = format!("&[{}]", values.join(", "));
        out.call(
            "rt::webhook::check_event",
            &["body", &pointer, &values],
            "?;",
        );
    }
    out.line("rt::webhook::decode(body)");
    out.close("}");
}

/// `text` as `///` paragraphs no wider than the margin at `depth`.
pub(crate) fn wrapped(text: &str, depth: usize) -> String {
    let width = 100usize.saturating_sub(depth * 4 + 4).max(40);
    let mut out = Vec::new();
    for paragraph in text.split("\n\n") {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.len() + 1 + word.len() > width {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push(line);
        out.push(String::new());
    }
    out.pop();
    out.join("\n")
}

/// The README's section on receiving webhooks, with a doctest that runs.
pub(crate) fn readme_section(api: &Api, krate: &str) -> String {
    let Some(webhook) = api.webhooks.first() else {
        return String::new();
    };
    let function = &webhook.function;
    let body = webhook
        .example
        .as_ref()
        .and_then(|e| serde_json::to_string(e).ok())
        .unwrap_or_else(|| "{}".to_string());
    let mut hashes = "#".to_string();
    while body.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    let list: Vec<String> = api
        .webhooks
        .iter()
        .map(|w| format!("`webhooks::{}`", w.function))
        .collect();
    let mut text = format!(
        "### Webhooks\n\n\
         The API can send requests to a URL of yours: {}. Each receiving function takes the \
         request's headers (`webhooks::HeaderMap`, the `http` crate's type, which axum and hyper \
         hand to a handler as they are) and its body as bytes, and returns the payload typed or \
         a `WebhookError`: a missing or wrong authorization (compared in constant time; the \
         value received is never kept), an event the description does not document, or a \
         malformed body, with the decoder's error and the body as received. \
         `WebhookError::status()` is the status to answer with. In an axum handler that takes \
         `headers: HeaderMap, body: Bytes`, the call is the same as below with `&body`.\n\n",
        list.join(", ")
    );
    let (setup, call) = match &webhook.authorization {
        Some(auth) => {
            let given = auth
                .parameter
                .as_ref()
                .map(|p| format!(" // what you sent as `{p}`"))
                .unwrap_or_default();
            (
                format!(
                    "let secret = \"Bearer my-webhook-secret\";{given}\n\
                     let mut headers = HeaderMap::new();\n\
                     headers.insert({header:?}, secret.parse().expect(\"a header value\"));\n",
                    header = auth.header
                ),
                format!("webhooks::{function}(&headers, body, secret)"),
            )
        }
        None => (
            "let headers = HeaderMap::new();\n".to_string(),
            format!("webhooks::{function}(&headers, body)"),
        ),
    };
    let refused = if webhook.authorization.is_some() {
        format!(
            "// Without the header, the request is refused.\n\
             let refused = webhooks::{function}(&HeaderMap::new(), body, secret);\n\
             assert!(matches!(refused, Err(WebhookError::MissingAuthorization {{ .. }})));\n"
        )
    } else {
        format!(
            "let refused = webhooks::{function}(&headers, b\"not json\");\n\
             assert!(matches!(refused, Err(WebhookError::MalformedBody {{ .. }})));\n"
        )
    };
    let _ = write!(
        text,
        "```rust\n\
         use {krate}::webhooks::{{self, HeaderMap, WebhookError}};\n\n\
         {setup}\
         let body = br{hashes}\"{body}\"{hashes};\n\
         match {call} {{\n\
         \x20   Ok(payload) => println!(\"{{payload:?}}\"),\n\
         \x20   Err(e) => eprintln!(\"answer {{}}: {{e}}\", e.status()),\n\
         }}\n\
         {refused}\
         ```\n\n"
    );
    text
}
