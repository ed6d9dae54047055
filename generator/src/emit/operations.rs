//! Emits the operation metadata, the auth/timeout hook, and each builder's typed `send`.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::text::{Source, string_literal};
use super::{Context, reroot_types};
use crate::ir::{Operation, StatusMatch, SuccessBody};

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

/// The progenitor hook that adds the credential and the per-attempt timeout to every request.
pub(crate) fn hooks(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    quote! {
        impl ::progenitor_client::ClientHooks<#rt::ClientConfig> for Client {
            async fn pre<E>(
                &self,
                request: &mut ::reqwest::Request,
                info: &::progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), ::progenitor_client::Error<E>> {
                match operations::by_id(info.operation_id) {
                    Some(op) => self.inner.prepare(request, op).map_err(|e| e.into_client_error()),
                    None => Ok(()),
                }
            }
        }
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

/// `send` and `send_with` on the operation's builder (inside `raw::builder`).
pub(crate) fn typed_send(cx: &Context<'_>, op: &Operation) -> TokenStream {
    let rt = &cx.rt;
    let names = cx.names(op);
    let builder = &names.builder;
    let error = &names.error;
    let meta = &names.meta;
    let success = public_success_type(cx, op);
    let billing = if op.billable() {
        " This operation is billable: after a failure that may have reached the server it is not\n re-sent unless `CallOptions::with_allow_billable_retries(true)` says so."
    } else {
        ""
    };
    let empty_note = if op.empty_successes.is_empty() {
        String::new()
    } else {
        let statuses: Vec<String> = op
            .empty_successes
            .iter()
            .map(|s| match s {
                StatusMatch::Code(code) => format!("`{code}`"),
                StatusMatch::Range(digit) => format!("`{digit}XX`"),
                StatusMatch::Default => "`default`".to_string(),
            })
            .collect();
        format!(
            " The value is `None` for {}, documented without a body.\n",
            statuses.join(", ")
        )
    };
    let doc = format!(
        " Sends `{} {}` with the client's retry policy and deadline; errors are typed by status.\n{empty_note}{billing}",
        op.method, op.path
    );
    let _ = reroot_types;
    let attempt = if op.empty_successes.is_empty() {
        quote!(|| { self.clone().send_raw() })
    } else {
        // A documented bodiless 2xx is a success without a value, not an unexpected status.
        let empty = empty_success_pattern(op);
        quote! {
            || {
                let attempt = self.clone();
                async move {
                    match attempt.send_raw().await {
                        Ok(value) => {
                            let status = value.status();
                            let headers = value.headers().clone();
                            Ok(ResponseValue::new(Some(value.into_inner()), status, headers))
                        }
                        Err(::progenitor_client::Error::UnexpectedResponse(response))
                            if matches!(response.status().as_u16(), #empty) =>
                        {
                            Ok(ResponseValue::new(None, response.status(), response.headers().clone()))
                        }
                        Err(error) => Err(error),
                    }
                }
            }
        }
    };
    quote! {
        impl<'a> #builder<'a> {
            #[doc = #doc]
            pub async fn send(
                self,
            ) -> ::std::result::Result<ResponseValue<#success>, super::super::errors::#error> {
                self.send_with(&#rt::CallOptions::default()).await
            }

            /// Like `send`, with per-call options (deadline, retry policy, billable retries).
            pub async fn send_with(
                self,
                options: &#rt::CallOptions,
            ) -> ::std::result::Result<ResponseValue<#success>, super::super::errors::#error> {
                let config = &self.client.inner;
                #rt::send(config, &super::super::operations::#meta, options, #attempt)
                .await
            }
        }
    }
}
