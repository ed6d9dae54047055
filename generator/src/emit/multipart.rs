//! Emits `multipart/form-data` operations, which progenitor does not support: a builder with one
//! setter per path, query and header parameter and per form field, and a `send_raw` that encodes
//! the form and runs the same hooks.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};

use super::{Context, doc_attrs, safe_snake};
use crate::ir::{FieldKind, MultipartBody, Operation, ScalarKind, SuccessBody};

/// Returns the builder items (for `raw::builder`) and the `Client` method.
pub(crate) fn emit(
    cx: &Context<'_>,
    op: &Operation,
    body: &MultipartBody,
) -> (TokenStream, TokenStream) {
    let rt = &cx.rt;
    let names = cx.names(op);
    let builder = &names.builder;
    let method = &names.method;
    let op_id = &names.info_id;
    let meta = &names.meta;
    let success = super::operations::success_type(cx, op);

    let mut fields = Vec::new();
    let mut inits = Vec::new();
    let mut setters = Vec::new();
    let mut destructure = Vec::new();
    let mut encode = Vec::new();
    // The parameters alone, and their checks: what `send_raw_with_body` needs.
    let mut param_idents = Vec::new();
    let mut checks = Vec::new();
    let mut header_calls = Vec::new();

    // Path and query parameters, as strings.
    let mut url_format = String::from("{}");
    let mut url_args = vec![quote!(client.baseurl)];
    let mut query_pairs = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(start) = rest.find('{') {
        url_format.push_str(&rest[..start].replace('{', "{{").replace('}', "}}"));
        let after = &rest[start + 1..];
        let end = after.find('}').unwrap_or(after.len());
        let name = &after[..end];
        let ident = format_ident!("{}", safe_snake(name));
        url_format.push_str("{}");
        url_args.push(quote!(encode_path(&#ident)));
        rest = after.get(end + 1..).unwrap_or("");
    }
    url_format.push_str(rest);
    for p in &op.parameters {
        if !matches!(p.location.as_str(), "path" | "query" | "header") {
            continue;
        }
        let Some(rust_name) = &p.rust_name else {
            continue;
        };
        let ident = format_ident!("{}", safe_snake(rust_name));
        let name = &p.name;
        let doc = format!(" Sets the `{}` {} parameter.", p.name, p.location);
        fields.push(quote!(#ident: Option<::std::string::String>,));
        inits.push(quote!(#ident: None,));
        setters.push(quote! {
            #[doc = #doc]
            pub fn #ident(mut self, value: impl ::std::string::ToString) -> Self {
                self.#ident = Some(value.to_string());
                self
            }
        });
        destructure.push(quote!(#ident));
        param_idents.push(quote!(#ident));
        if p.location == "path" || p.required {
            let missing = format!("`{}` is required", p.name);
            checks.push(quote! {
                let #ident = #ident.ok_or_else(|| Error::InvalidRequest(#missing.to_string()))?;
            });
        }
        if p.location == "query" {
            if p.required {
                query_pairs.push(quote!(query.push((#name, #ident));));
            } else {
                query_pairs.push(quote!(if let Some(v) = #ident { query.push((#name, v)); }));
            }
        }
        if p.location == "header" {
            // An invalid header value fails `build()`, as an invalid request.
            if p.required {
                header_calls.push(quote!(let request = request.header(#name, #ident);));
            } else {
                header_calls.push(quote! {
                    let request = match #ident {
                        Some(v) => request.header(#name, v),
                        None => request,
                    };
                });
            }
        }
    }

    for f in &body.fields {
        let ident = format_ident!("{}", safe_snake(&f.name));
        let name = &f.name;
        let field_doc = doc_attrs(&[
            Some(&format!(
                " Sets the `{}` form field{}.",
                f.name,
                if f.required { " (required)" } else { "" }
            )),
            f.description.as_deref(),
        ]);
        let (ty, setter_arg, into) = match &f.kind {
            FieldKind::File => (
                quote!(#rt::FilePart),
                quote!(value: #rt::FilePart),
                quote!(value),
            ),
            FieldKind::Scalar(ScalarKind::String) => (
                quote!(::std::string::String),
                quote!(value: impl Into<::std::string::String>),
                quote!(value.into()),
            ),
            FieldKind::Scalar(ScalarKind::Integer) => {
                (quote!(i64), quote!(value: i64), quote!(value))
            }
            FieldKind::Scalar(ScalarKind::Number) => {
                (quote!(f64), quote!(value: f64), quote!(value))
            }
            FieldKind::Scalar(ScalarKind::Boolean) => {
                (quote!(bool), quote!(value: bool), quote!(value))
            }
            FieldKind::Named(type_name) => {
                let t = syn::Ident::new(type_name, Span::call_site());
                (quote!(types::#t), quote!(value: types::#t), quote!(value))
            }
            FieldKind::Scalar(ScalarKind::Other) | FieldKind::Json => (
                quote!(::serde_json::Value),
                quote!(value: ::serde_json::Value),
                quote!(value),
            ),
        };
        fields.push(quote!(#ident: Option<#ty>,));
        inits.push(quote!(#ident: None,));
        setters.push(quote! {
            #field_doc
            pub fn #ident(mut self, #setter_arg) -> Self {
                self.#ident = Some(#into);
                self
            }
        });
        destructure.push(quote!(#ident));
        let add = match &f.kind {
            FieldKind::File => {
                let failed = format!("cannot read the `{}` file: ", f.name);
                quote! {
                    let part = value
                        .to_part()
                        .await
                        .map_err(|e| Error::InvalidRequest(format!("{}{}", #failed, e)))?;
                    form = form.part(#name, part);
                }
            }
            FieldKind::Json | FieldKind::Scalar(ScalarKind::Other) => quote! {
                form = form.text(#name, value.to_string());
            },
            FieldKind::Named(_) => quote! {
                let text = match ::serde_json::to_value(&value) {
                    Ok(::serde_json::Value::String(s)) => s,
                    Ok(other) => other.to_string(),
                    Err(e) => return Err(Error::InvalidRequest(format!("`{}`: {}", #name, e))),
                };
                form = form.text(#name, text);
            },
            FieldKind::Scalar(_) => quote! {
                form = form.text(#name, value.to_string());
            },
        };
        if f.required {
            let missing = format!("form field `{}` is required", f.name);
            // A block, so that `value` does not shadow a form field named `value`.
            encode.push(quote! {
                {
                    let value = #ident.ok_or_else(|| Error::InvalidRequest(#missing.to_string()))?;
                    #add
                }
            });
        } else {
            encode.push(quote! {
                if let Some(value) = #ident {
                    #add
                }
            });
        }
    }

    let method_lower = format_ident!("{}", op.method.to_ascii_lowercase());
    // Bodiless successes go back as unexpected: the typed `send` turns them into `None`.
    let not_empty = if op.empty_successes.is_empty() {
        quote!()
    } else {
        let empty = super::operations::empty_success_pattern(op);
        quote!(&&!matches!(response.status().as_u16(), #empty))
    };
    let decode = match &op.success {
        SuccessBody::Empty => quote!(Ok(#rt::response::empty(response))),
        SuccessBody::Stream => quote!(Ok(#rt::response::stream(response))),
        _ => quote!(#rt::response::json(response).await),
    };
    let client_doc = doc_attrs(&[
        op.summary.as_deref(),
        op.description.as_deref(),
        Some(&format!(
            "Sends a `{}` request to `{}` as `multipart/form-data`.",
            op.method, op.path
        )),
    ]);
    let builder_doc = format!(" Builder for [`Client::{method}`](super::Client::{method}).");
    let query = if query_pairs.is_empty() {
        quote!()
    } else {
        quote! {
            let mut query: Vec<(&str, ::std::string::String)> = Vec::new();
            #(#query_pairs)*
            let request = request.query(&query);
        }
    };
    let query = quote!(#query #(#header_calls)*);
    let send_and_decode = quote! {
        let info = OperationInfo { operation_id: #op_id };
        if let Err(e) = client.inner.prepare(&mut request, &super::super::operations::#meta) {
            return Err(e.into_client_error());
        }
        let result = client.exec(request, &info).await;
        client.post(&result, &info).await?;
        let response = result?;
        if response.status().is_success() #not_empty {
            #decode
        } else {
            Err(Error::UnexpectedResponse(response))
        }
    };
    // The other documented media types: the body as raw bytes instead of the form.
    let with_body = if body.other_media_types.is_empty() {
        quote!()
    } else {
        quote! {
            /// One attempt with `raw_body` as the body, sent with `content_type`, instead of
            /// the form.
            pub(crate) async fn send_raw_with_body(
                self,
                content_type: &'static str,
                raw_body: ::bytes::Bytes,
            ) -> Result<ResponseValue<#success>, Error<()>> {
                let Self { client, #(#param_idents,)* .. } = self;
                #(#checks)*
                let url = format!(#url_format, #(#url_args),*);
                let request = client
                    .client
                    .#method_lower(url)
                    .header(
                        ::reqwest::header::ACCEPT,
                        ::reqwest::header::HeaderValue::from_static("application/json"),
                    )
                    .header(
                        ::reqwest::header::CONTENT_TYPE,
                        ::reqwest::header::HeaderValue::from_static(content_type),
                    )
                    .body(raw_body);
                #query
                let mut request = request.build()?;
                #send_and_decode
            }
        }
    };
    let body_doc = doc_attrs(&[body.description.as_deref()]);
    let builder_items = quote! {
        #[doc = #builder_doc]
        #body_doc
        #[derive(Debug, Clone)]
        pub struct #builder<'a> {
            pub(crate) client: &'a super::Client,
            #(#fields)*
        }

        impl<'a> #builder<'a> {
            /// A builder with no field set.
            pub fn new(client: &'a super::Client) -> Self {
                Self { client, #(#inits)* }
            }

            #(#setters)*

            /// One attempt: encodes the form and sends it through the client's hooks.
            pub(crate) async fn send_raw(self) -> Result<ResponseValue<#success>, Error<()>> {
                let Self { client, #(#destructure,)* } = self;
                #(#checks)*
                let mut form = ::reqwest::multipart::Form::new();
                #(#encode)*
                let url = format!(#url_format, #(#url_args),*);
                let request = client
                    .client
                    .#method_lower(url)
                    .header(
                        ::reqwest::header::ACCEPT,
                        ::reqwest::header::HeaderValue::from_static("application/json"),
                    )
                    .multipart(form);
                #query
                let mut request = request.build()?;
                #send_and_decode
            }

            #with_body
        }
    };
    let client_method = quote! {
        #client_doc
        pub fn #method(&self) -> builder::#builder<'_> {
            builder::#builder::new(self)
        }
    };
    (builder_items, client_method)
}
