//! Emits the operation metadata, the auth/timeout hook, and each builder's typed `send`.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{Context, reroot_types};
use crate::ir::{Operation, StatusMatch, SuccessBody};

/// `pub mod operations { pub const X: OperationMeta = ...; }`.
pub(crate) fn operations_module(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let mut consts = Vec::new();
    let mut arms = Vec::new();
    for op in &cx.api.operations {
        let meta = &cx.names(op).meta;
        let id = &op.id;
        let method = &op.method;
        let path = &op.path;
        let billable = op.billable();
        let idempotent = op.idempotent && !billable;
        let security = &op.security;
        let mut doc = format!(" `{method} {path}`");
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
        let errors = super::errors::ordered_errors(op).into_iter().map(|e| {
            let description = super::errors::one_line_description(&e.description);
            match e.status {
                StatusMatch::Code(c) => {
                    let c = Literal::u16_unsuffixed(c);
                    quote!(#rt::ErrorDoc::code(#c, #description))
                }
                StatusMatch::Range(d) => {
                    let d = Literal::u16_unsuffixed(d);
                    quote!(#rt::ErrorDoc::range(#d, #description))
                }
                StatusMatch::Default => quote!(#rt::ErrorDoc::default_response(#description)),
            }
        });
        consts.push(quote! {
            #[doc = #doc]
            pub const #meta: #rt::OperationMeta = #rt::OperationMeta {
                operation_id: #id,
                method: #method,
                path: #path,
                billable: #billable,
                idempotent: #idempotent,
                security: &[#(#security),*],
                errors: &[#(#errors),*],
            };
        });
        let info_id = &cx.names(op).info_id;
        arms.push(quote!(#info_id => Some(&#meta),));
    }
    quote! {
        /// What the client knows about each operation: whether it is billable, whether it may be
        /// repeated, and which security schemes authenticate it.
        pub mod operations {
            #(#consts)*

            /// The operation with this id (the operationId in snake case, as requests report it).
            pub fn by_id(operation_id: &str) -> Option<&'static #rt::OperationMeta> {
                match operation_id {
                    #(#arms)*
                    _ => None,
                }
            }
        }
    }
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
