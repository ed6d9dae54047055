//! Emits one error enum per operation (variant chosen by status) and the crate-level `Error`.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::{Context, doc_attrs, safe_snake, type_path};
use crate::ir::{ErrorBody, ErrorResponse, Operation, ScalarKind, StatusMatch};

/// `pub mod errors { ... }`.
pub(crate) fn errors_module(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let enums = cx.api.operations.iter().map(|op| operation_error(cx, op));
    quote! {
        /// One error enum per operation: the variant is chosen by the HTTP status, and carries the
        /// body typed by the schema the description documents for that status.
        pub mod errors {
            use #rt as rt;

            #(#enums)*
        }
    }
}

fn body_type(cx: &Context<'_>, body: &ErrorBody) -> TokenStream {
    match body {
        ErrorBody::Empty => quote!(()),
        ErrorBody::Json(name) => type_path(&quote!(super), name),
        ErrorBody::JsonValue => quote!(::serde_json::Value),
        ErrorBody::Text => quote!(::std::string::String),
        ErrorBody::Bytes => {
            let _ = cx;
            quote!(::bytes::Bytes)
        }
    }
}

fn headers_ident(cx: &Context<'_>, op: &Operation, e: &ErrorResponse) -> syn::Ident {
    format_ident!("{}{}Headers", cx.names(op).builder, e.variant)
}

fn status_pattern(status: StatusMatch) -> TokenStream {
    match status {
        StatusMatch::Code(c) => {
            let c = Literal::u16_unsuffixed(c);
            quote!(#c)
        }
        StatusMatch::Range(d) => {
            let lo = Literal::u16_unsuffixed(d * 100);
            let hi = Literal::u16_unsuffixed(d * 100 + 99);
            quote!(#lo..=#hi)
        }
        StatusMatch::Default => quote!(_),
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
fn operation_error(cx: &Context<'_>, op: &Operation) -> TokenStream {
    let rt = quote!(rt);
    let names = cx.names(op);
    let ident = &names.error;
    let method = &names.method;
    let meta = &names.meta;
    let op_id = &op.id;
    let enum_doc = format!(
        " Errors of [`Client::{method}`](super::Client::{method}) (`{} {}`, operationId `{op_id}`).",
        op.method, op.path
    );

    let mut header_structs = Vec::new();
    let mut variants = Vec::new();
    let mut arms = Vec::new();
    // Variants with the same payload (and the same way to read it) share one arm: an
    // or-pattern binds one type.
    let mut view_groups: Vec<(String, TokenStream, Vec<syn::Ident>)> = Vec::new();
    let mut has_default = false;

    for e in ordered_errors(op) {
        let v = format_ident!("{}", e.variant);
        let body = body_type(cx, &e.body);
        let doc = doc_attrs(&[Some(&format!(
            "{}: {}",
            status_label(e.status),
            e.description.trim()
        ))]);
        let headers_ty = if e.headers.is_empty() {
            quote!(#rt::NoHeaders)
        } else {
            let h = headers_ident(cx, op, e);
            header_structs.push(headers_struct(&h, op, e));
            quote!(#h)
        };
        variants.push(quote! {
            #doc
            #v(#rt::ErrorResponse<#body, #headers_ty>),
        });
        let pattern = status_pattern(e.status);
        if e.status == StatusMatch::Default {
            has_default = true;
        }
        let decode = match &e.body {
            ErrorBody::Json(_) | ErrorBody::JsonValue => {
                quote!(#rt::json_error(response, Self::#v, Self::InvalidBody))
            }
            ErrorBody::Text => quote!(#rt::text_error(response, Self::#v)),
            ErrorBody::Bytes => quote!(#rt::bytes_error(response, Self::#v)),
            ErrorBody::Empty => quote!(#rt::empty_error(response, Self::#v)),
        };
        arms.push((pattern, decode));
        let mut view = quote!(r.view());
        if let Some(field) = &e.message_field {
            let field = format_ident!("{}", safe_snake(field));
            view = quote!(#view.with_message(&r.body.#field));
        }
        if let Some(pointer) = &e.retry_after_pointer {
            view = quote!(#view.or_retry_after(#rt::retry_after_from_body(&r.body, #pointer)));
        }
        let key = format!("{}|{}", quote!(#body, #headers_ty), view);
        match view_groups.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, _, group)) => group.push(v.clone()),
            None => view_groups.push((key, view, vec![v.clone()])),
        }
    }
    let view_arms = view_groups
        .iter()
        .map(|(_, view, group)| quote!(#(Self::#group(r))|* => #view,));
    // Exact codes are matched before the ranges that contain them, on purpose.
    let overlap_allowed = if op
        .errors
        .iter()
        .any(|e| matches!(e.status, StatusMatch::Range(_)))
    {
        quote!(#[allow(clippy::match_overlapping_arm)])
    } else {
        quote!()
    };
    if !has_default {
        arms.push((quote!(_), quote!(Self::UnexpectedStatus(response))));
    }
    // One arm is the catch-all (only `default`, or no error documented): no `match` needed.
    let from_response = match arms.as_slice() {
        [(_, only)] => only.clone(),
        _ => {
            let arms = arms
                .iter()
                .map(|(pattern, body)| quote!(#pattern => #body,));
            quote! {
                match response.status.as_u16() {
                    #(#arms)*
                }
            }
        }
    };

    quote! {
        #(#header_structs)*

        #[doc = #enum_doc]
        ///
        /// Documented statuses have a variant each; everything else lands in one of the last five.
        #[derive(Debug)]
        #[non_exhaustive]
        pub enum #ident {
            #(#variants)*
            /// A status this operation does not document; the body is kept raw (at most 1 MiB).
            UnexpectedStatus(#rt::RawResponse),
            /// A documented response whose body does not match its documented schema.
            InvalidBody(#rt::InvalidBody),
            /// The request could not be sent, or no complete response came back.
            Transport(#rt::TransportError),
            /// A parameter could not be converted; nothing was sent.
            InvalidRequest(::std::string::String),
            /// The call's overall deadline passed.
            DeadlineExceeded(#rt::DeadlineExceeded),
        }

        impl #ident {
            /// The HTTP status of the response, when there was one.
            pub fn status(&self) -> Option<::reqwest::StatusCode> {
                #rt::OperationError::status(self)
            }

            /// How long the server asked to wait before retrying (`Retry-After`, or a documented
            /// body field).
            pub fn retry_after(&self) -> Option<::std::time::Duration> {
                #rt::OperationError::retry_after(self)
            }

            /// Whether the same call may succeed later (429, 502, 503, 504, connection errors).
            pub fn is_retryable(&self) -> bool {
                #rt::OperationError::is_retryable(self)
            }
        }

        impl #rt::OperationError for #ident {
            #overlap_allowed
            fn from_response(response: #rt::RawResponse) -> Self {
                #from_response
            }

            fn from_failure(failure: #rt::Failure) -> Self {
                match failure {
                    #rt::Failure::Transport(e) => Self::Transport(e),
                    #rt::Failure::InvalidRequest(e) => Self::InvalidRequest(e),
                    #rt::Failure::InvalidBody(e) => Self::InvalidBody(e),
                    #rt::Failure::DeadlineExceeded(e) => Self::DeadlineExceeded(e),
                }
            }

            fn view(&self) -> #rt::ErrorView<'_> {
                match self {
                    #(#view_arms)*
                    Self::UnexpectedStatus(r) => #rt::ErrorView::UnexpectedStatus(r),
                    Self::InvalidBody(e) => #rt::ErrorView::InvalidBody(e),
                    Self::Transport(e) => #rt::ErrorView::Transport(e),
                    Self::InvalidRequest(e) => #rt::ErrorView::InvalidRequest(e),
                    Self::DeadlineExceeded(e) => #rt::ErrorView::DeadlineExceeded(e),
                }
            }
        }

        impl ::std::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                #rt::OperationError::view(self).fmt(&super::operations::#meta, f)
            }
        }

        impl ::std::error::Error for #ident {
            fn source(&self) -> Option<&(dyn ::std::error::Error + 'static)> {
                #rt::OperationError::view(self).source()
            }
        }
    }
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

fn headers_struct(ident: &syn::Ident, op: &Operation, e: &ErrorResponse) -> TokenStream {
    let rt = quote!(rt);
    let doc = format!(
        " Headers declared for the {} response of `{}`.",
        status_label(e.status),
        op.id
    );
    let mut fields = Vec::new();
    let mut inits = Vec::new();
    for h in &e.headers {
        let field = format_ident!("{}", safe_snake(&h.name));
        let name = h.name.to_ascii_lowercase();
        let field_doc = doc_attrs(&[Some(&format!("`{}`", h.name)), h.description.as_deref()]);
        let (ty, parse) = if name == "retry-after" {
            (
                quote!(::std::time::Duration),
                quote!(#rt::retry_after_header(headers, ::std::time::SystemTime::now())),
            )
        } else {
            let text = quote!(headers.get(#name).and_then(|v| v.to_str().ok()).map(str::trim));
            match h.kind {
                ScalarKind::Integer => (quote!(i64), quote!(#text.and_then(|v| v.parse().ok()))),
                ScalarKind::Number => (quote!(f64), quote!(#text.and_then(|v| v.parse().ok()))),
                ScalarKind::Boolean => (quote!(bool), quote!(#text.and_then(|v| v.parse().ok()))),
                _ => (
                    quote!(::std::string::String),
                    quote!(#text.map(str::to_string)),
                ),
            }
        };
        fields.push(quote! {
            #field_doc
            pub #field: Option<#ty>,
        });
        inits.push(quote!(#field: #parse,));
    }
    quote! {
        #[doc = #doc]
        ///
        /// A header that is absent or does not parse is `None`.
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct #ident {
            #(#fields)*
        }

        impl #rt::FromHeaders for #ident {
            fn from_headers(headers: &::reqwest::header::HeaderMap) -> Self {
                Self { #(#inits)* }
            }
        }
    }
}

/// The crate-level `Error` every operation error converts into.
pub(crate) fn crate_error(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let mut variants = Vec::new();
    let mut froms = Vec::new();
    let mut arms_display = Vec::new();
    let mut arms_status = Vec::new();
    let mut arms_retry = Vec::new();
    let mut arms_retryable = Vec::new();
    let mut arms_source = Vec::new();
    for op in &cx.api.operations {
        let names = cx.names(op);
        let v = &names.builder;
        let e = &names.error;
        let doc = format!(" A failed `{}` call.", op.id);
        variants.push(quote!(#[doc = #doc] #v(errors::#e),));
        froms.push(quote! {
            impl From<errors::#e> for Error {
                fn from(e: errors::#e) -> Self {
                    Self::#v(e)
                }
            }
        });
        arms_display.push(quote!(Self::#v(e) => ::std::fmt::Display::fmt(e, f),));
        arms_status.push(quote!(Self::#v(e) => e.status(),));
        arms_retry.push(quote!(Self::#v(e) => e.retry_after(),));
        arms_retryable.push(quote!(Self::#v(e) => e.is_retryable(),));
        arms_source.push(quote!(Self::#v(e) => ::std::error::Error::source(e),));
    }
    for (status_op, variant, error_ty) in super::jobs::job_error_types(cx) {
        let doc = format!(" Waiting for a job polled with `{status_op}` failed.");
        variants.push(quote!(#[doc = #doc] #variant(#error_ty),));
        froms.push(quote! {
            impl From<#error_ty> for Error {
                fn from(e: #error_ty) -> Self {
                    Self::#variant(e)
                }
            }
        });
        arms_display.push(quote!(Self::#variant(e) => ::std::fmt::Display::fmt(e, f),));
        arms_status.push(quote!(Self::#variant(_) => None,));
        arms_retry.push(quote!(Self::#variant(_) => None,));
        arms_retryable.push(quote!(Self::#variant(_) => false,));
        arms_source.push(quote!(Self::#variant(e) => ::std::error::Error::source(e),));
    }
    quote! {
        /// Any error of this crate, for callers who just use `?`.
        #[derive(Debug)]
        #[non_exhaustive]
        pub enum Error {
            #(#variants)*
            /// The client could not be configured (missing key, invalid base URL).
            Config(#rt::ConfigError),
        }

        #(#froms)*

        impl From<#rt::ConfigError> for Error {
            fn from(e: #rt::ConfigError) -> Self {
                Self::Config(e)
            }
        }

        impl Error {
            /// The HTTP status, when the error came from a response.
            pub fn status(&self) -> Option<::reqwest::StatusCode> {
                match self {
                    #(#arms_status)*
                    Self::Config(_) => None,
                }
            }

            /// How long the server asked to wait before retrying.
            pub fn retry_after(&self) -> Option<::std::time::Duration> {
                match self {
                    #(#arms_retry)*
                    Self::Config(_) => None,
                }
            }

            /// Whether the same call may succeed later.
            pub fn is_retryable(&self) -> bool {
                match self {
                    #(#arms_retryable)*
                    Self::Config(_) => false,
                }
            }
        }

        impl ::std::fmt::Display for Error {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    #(#arms_display)*
                    Self::Config(e) => ::std::fmt::Display::fmt(e, f),
                }
            }
        }

        impl ::std::error::Error for Error {
            fn source(&self) -> Option<&(dyn ::std::error::Error + 'static)> {
                match self {
                    #(#arms_source)*
                    Self::Config(e) => ::std::error::Error::source(e),
                }
            }
        }
    }
}
