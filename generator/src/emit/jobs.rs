//! Emits async-job support from `x-job`: a `JobKind` per submit operation, `submit()` on its
//! builder, and a `Client` method that rebuilds a handle from a stored job id.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Context, reroot_types};
use crate::ir::{JobLink, Operation};

fn status_op<'a>(cx: &'a Context<'_>, job: &JobLink) -> Option<&'a Operation> {
    cx.api
        .operations
        .iter()
        .find(|o| o.id == job.status_operation)
}

fn kind_ident(cx: &Context<'_>, op: &Operation) -> syn::Ident {
    format_ident!("{}Job", cx.names(op).builder)
}

/// The status type of a job (the status operation's success type), as seen from a module
/// directly under the client module (`nested`) or from the client module itself.
fn status_type(cx: &Context<'_>, status: &Operation, nested: bool) -> TokenStream {
    let ty = super::operations::public_success_type(cx, status);
    let ty: syn::Type = syn::parse2(ty).unwrap_or_else(|_| syn::parse_quote!(()));
    if nested {
        let rerooted = reroot_types(&ty, quote!(super));
        quote!(#rerooted)
    } else {
        quote!(#ty)
    }
}

/// One `(status operationId, crate Error variant, JobError type)` per distinct status operation.
pub(crate) fn job_error_types(cx: &Context<'_>) -> Vec<(String, syn::Ident, TokenStream)> {
    let rt = &cx.rt;
    let mut out: Vec<(String, syn::Ident, TokenStream)> = Vec::new();
    for op in &cx.api.operations {
        let Some(job) = &op.job else { continue };
        let Some(status) = status_op(cx, job) else {
            continue;
        };
        if out.iter().any(|(id, _, _)| *id == status.id) {
            continue;
        }
        let names = cx.names(status);
        let error = &names.error;
        let ty = status_type(cx, status, false);
        out.push((
            status.id.clone(),
            format_ident!("{}Wait", names.builder),
            quote!(#rt::JobError<errors::#error, #ty>),
        ));
    }
    out
}

/// `pub mod jobs { ... }` and the `Client` methods that resume jobs.
pub(crate) fn jobs_module(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let mut kinds = Vec::new();
    let mut resumes = Vec::new();
    for op in &cx.api.operations {
        let Some(job) = &op.job else { continue };
        let Some(status) = status_op(cx, job) else {
            continue;
        };
        let kind = kind_ident(cx, op);
        let status_names = cx.names(status);
        let status_error = &status_names.error;
        let status_method = &status_names.method;
        let status_ty = status_type(cx, status, true);
        let setter = format_ident!("{}", super::safe_snake(&job.id_parameter));
        let id_type = cx
            .progenitor
            .ops
            .get(&status_names.info_id)
            .and_then(|p| p.setters.get(&setter.to_string()))
            .cloned();
        let id_value = match id_type {
            Some(ty) => {
                let ty = reroot_types(&ty, quote!(super));
                quote! {
                    let id: #ty = match job_id.parse() {
                        Ok(id) => id,
                        Err(_) => {
                            return Err(<super::errors::#status_error as #rt::OperationError>::from_failure(
                                #rt::Failure::InvalidRequest(format!(
                                    "job id `{}` is not a valid `{}`", job_id, stringify!(#ty)
                                )),
                            ));
                        }
                    };
                }
            }
            None => quote!(let id = job_id.to_string();),
        };
        let pending = &job.pending;
        let succeeded = &job.succeeded;
        let failed = &job.failed;
        let state_pointer = &job.state_pointer;
        let opt = |p: &Option<String>| match p {
            Some(p) => quote!(Some(#p)),
            None => quote!(None),
        };
        let progress = opt(&job.progress_pointer);
        let error_pointer = opt(&job.error_pointer);
        let case_insensitive = job.case_insensitive;
        let doc = format!(
            " Jobs submitted by `{}` and followed with `{}`.",
            op.id, status.id
        );
        kinds.push(quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, Copy)]
            pub struct #kind;

            impl #rt::JobKind for #kind {
                type Client = super::Client;
                type Status = #status_ty;
                type Error = super::errors::#status_error;

                const SPEC: #rt::JobSpec = #rt::JobSpec {
                    pending: &[#(#pending),*],
                    succeeded: &[#(#succeeded),*],
                    failed: &[#(#failed),*],
                    state_pointer: #state_pointer,
                    progress_pointer: #progress,
                    error_pointer: #error_pointer,
                    case_insensitive: #case_insensitive,
                };

                fn config(client: &super::Client) -> &#rt::ClientConfig {
                    &client.inner
                }

                fn poll<'a>(
                    client: &'a super::Client,
                    job_id: &'a str,
                ) -> ::std::pin::Pin<
                    Box<dyn ::std::future::Future<Output = Result<Self::Status, Self::Error>> + Send + 'a>,
                > {
                    Box::pin(async move {
                        #id_value
                        client
                            .#status_method()
                            .#setter(id)
                            .send()
                            .await
                            .map(|response| response.into_inner())
                    })
                }
            }
        });
        let resume = format_ident!("{}_job", cx.names(op).method);
        let resume_doc = format!(
            " A handle on a job `{}` submitted earlier, from its stored id: waiting resumes without submitting again.",
            op.id
        );
        resumes.push(quote! {
            #[doc = #resume_doc]
            pub fn #resume(&self, job_id: impl Into<String>) -> #rt::JobHandle<'_, jobs::#kind> {
                #rt::JobHandle::new(self, job_id)
            }
        });
    }
    if kinds.is_empty() {
        return quote!();
    }
    quote! {
        /// Asynchronous jobs: what to poll, and which states end the wait.
        pub mod jobs {
            #(#kinds)*
        }

        impl Client {
            #(#resumes)*
        }
    }
}

/// `submit()` on a submit operation's builder (inside `raw::builder`).
pub(crate) fn submit(cx: &Context<'_>, op: &Operation) -> TokenStream {
    let rt = &cx.rt;
    let Some(job) = &op.job else { return quote!() };
    if status_op(cx, job).is_none() {
        return quote!();
    }
    let names = cx.names(op);
    let builder = &names.builder;
    let error = &names.error;
    let kind = kind_ident(cx, op);
    let pointer = &job.id_pointer;
    let doc = format!(
        " Submits the job (`{} {}`) and returns a handle to wait for it; the id is read from `{}`.",
        op.method, op.path, pointer
    );
    quote! {
        impl<'a> #builder<'a> {
            #[doc = #doc]
            pub async fn submit(
                self,
            ) -> ::std::result::Result<
                #rt::JobHandle<'a, super::super::jobs::#kind>,
                super::super::errors::#error,
            > {
                self.submit_with(&#rt::CallOptions::default()).await
            }

            /// Like `submit`, with per-call options.
            pub async fn submit_with(
                self,
                options: &#rt::CallOptions,
            ) -> ::std::result::Result<
                #rt::JobHandle<'a, super::super::jobs::#kind>,
                super::super::errors::#error,
            > {
                let client = self.client;
                let response = self.send_with(options).await?;
                let status = response.status();
                let headers = response.headers().clone();
                match #rt::job_id_from(response.as_ref(), #pointer) {
                    Ok(id) => Ok(#rt::JobHandle::new(client, id)),
                    Err(message) => Err(<super::super::errors::#error as #rt::OperationError>::from_failure(
                        #rt::Failure::InvalidBody(#rt::InvalidBody {
                            status: Some(status),
                            headers: Some(headers),
                            body: ::serde_json::to_vec(response.as_ref()).unwrap_or_default().into(),
                            source: <::serde_json::Error as ::serde::de::Error>::custom(message),
                        }),
                    )),
                }
            }
        }
    }
}
