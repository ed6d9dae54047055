//! Emits async-job support from `x-job`: a `JobKind` per submit operation, `submit()` on its
//! builder, and a `Client` method that rebuilds a handle from a stored job id.
//!
//! A job kind's functions are `#[inline]`: polling instantiates the runtime's generic call path,
//! which is then compiled in the crate that waits for a job, not in every build of this one.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Context;
use crate::ir::{JobLink, Operation, TypeRef};

fn status_op<'a>(cx: &'a Context<'_>, job: &JobLink) -> Option<&'a Operation> {
    cx.api
        .operations
        .iter()
        .find(|o| o.id == job.status_operation)
}

fn kind_ident(op: &Operation) -> syn::Ident {
    format_ident!("{}Job", op.names.builder)
}

/// Rust type text as tokens (the emitters write types as text).
fn type_tokens(text: &str) -> TokenStream {
    text.parse().unwrap_or_else(|_| quote!(()))
}

/// The status type of a job (the status operation's success type), as seen from a module with
/// `types` in scope.
fn status_type(cx: &Context<'_>, status: &Operation) -> TokenStream {
    type_tokens(&super::operations::success_type(cx, status))
}

/// Whether two jobs poll the same status operation and read its body the same way (they may
/// differ in where the submit response holds the id).
fn same_kind(a: &JobLink, b: &JobLink) -> bool {
    JobLink {
        id_pointers: Vec::new(),
        ..a.clone()
    } == JobLink {
        id_pointers: Vec::new(),
        ..b.clone()
    }
}

/// One `(status operationId, crate Error variant, JobError type)` per distinct status operation.
pub(crate) fn job_error_types(cx: &Context<'_>) -> Vec<(String, syn::Ident, TokenStream)> {
    let rt = quote!(rt);
    let mut out: Vec<(String, syn::Ident, TokenStream)> = Vec::new();
    for op in &cx.api.operations {
        let Some(job) = &op.job else { continue };
        let Some(status) = status_op(cx, job) else {
            continue;
        };
        if out.iter().any(|(id, _, _)| *id == status.id) {
            continue;
        }
        let names = &status.names;
        let error = format_ident!("{}", names.error);
        let ty = status_type(cx, status);
        out.push((
            status.id.clone(),
            format_ident!("{}Wait", names.builder),
            quote!(#rt::JobError<#rt::CallError<errors::#error>, #ty>),
        ));
    }
    out
}

/// `pub mod jobs { ... }` and the `Client` methods that resume jobs.
pub(crate) fn jobs_module(cx: &Context<'_>) -> TokenStream {
    // The client module names the runtime `rt`.
    let rt = quote!(rt);
    let mut kinds = Vec::new();
    let mut resumes = Vec::new();
    // The kinds written so far, by what they poll and how they read it.
    let mut written: Vec<(JobLink, syn::Ident)> = Vec::new();
    for op in &cx.api.operations {
        let Some(job) = &op.job else { continue };
        let Some(status) = status_op(cx, job) else {
            continue;
        };
        let kind = kind_ident(op);
        let resume = format_ident!(
            "{}",
            op.names
                .resume
                .clone()
                .unwrap_or_else(|| format!("{}_job", op.names.method))
        );
        let resume_doc = format!(
            " A handle on a job `{}` submitted earlier, from its stored id: waiting resumes without submitting again.",
            op.id
        );
        let gate = cx.gates.op_attr(op);
        resumes.push(quote! {
            #[doc = #resume_doc]
            #gate
            pub fn #resume(&self, job_id: impl Into<String>) -> #rt::JobHandle<'_, jobs::#kind> {
                #rt::JobHandle::new(self, job_id)
            }
        });
        // A job polled and read exactly like one written before is the same kind.
        if let Some((_, same)) = written.iter().find(|(link, _)| same_kind(link, job)) {
            let doc = format!(
                " Jobs submitted by `{}`: polled and read like [`{same}`].",
                op.id
            );
            kinds.push(quote! {
                #[doc = #doc]
                #gate
                pub type #kind = #same;
            });
            continue;
        }
        written.push((job.clone(), kind.clone()));
        let status_names = &status.names;
        let status_error = format_ident!("{}", status_names.error);
        let status_method = format_ident!("{}", status_names.method);
        let status_ty = status_type(cx, status);
        let id_param = status
            .parameters
            .iter()
            .find(|p| p.location == "path" && p.name == job.id_parameter);
        let setter = format_ident!(
            "{}",
            id_param.map_or(job.id_parameter.as_str(), |p| p.rust_name.as_str())
        );
        let id_value = match id_param.map(|p| &p.ty) {
            None | Some(TypeRef::String) => quote!(let id = job_id.to_string();),
            Some(ty) => {
                let text = cx.ty(ty);
                let ty = type_tokens(&text);
                // What the id should be, in words rather than as a Rust path.
                let wanted = match text.rsplit("::").next().unwrap_or(&text) {
                    "Uuid" => "UUID".to_string(),
                    "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" => {
                        "whole number".to_string()
                    }
                    other => format!("`{other}`"),
                };
                quote! {
                    let id: #ty = #rt::parse_job_id(job_id, #wanted)?;
                }
            }
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
        let success_pointer = opt(&job.success_pointer);
        let results = job.results_pointer.as_ref().map(|p| {
            quote! {
                const RESULTS: Option<&'static str> = Some(#p);
            }
        });
        let unknown_states = if job.unknown_pending {
            quote!(#rt::UnknownStates::Pending)
        } else {
            quote!(#rt::UnknownStates::End)
        };
        let doc = format!(
            " Jobs submitted by `{}` and followed with `{}`.",
            op.id, status.id
        );
        // The kind is also the type of the jobs of later operations that share it.
        let gate = cx.gates.any_attr(
            cx.api
                .operations
                .iter()
                .filter(|o| o.job.as_ref().is_some_and(|j| same_kind(j, job)))
                .map(|o| o.names.feature.as_str()),
        );
        kinds.push(quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, Copy)]
            #gate
            pub struct #kind;

            #gate
            impl #rt::JobKind for #kind {
                type Client = Client;
                type Status = #status_ty;
                type Error = #rt::CallError<errors::#status_error>;

                const SPEC: #rt::JobSpec = #rt::JobSpec {
                    pending: &[#(#pending),*],
                    succeeded: &[#(#succeeded),*],
                    failed: &[#(#failed),*],
                    state_pointer: #state_pointer,
                    progress_pointer: #progress,
                    error_pointer: #error_pointer,
                    case_insensitive: #case_insensitive,
                    success_pointer: #success_pointer,
                    unknown_states: #unknown_states,
                };
                #results

                #[inline]
                fn config(client: &Client) -> &#rt::ClientConfig {
                    &client.config
                }

                #[inline]
                fn http(client: &Client) -> Option<&::reqwest::Client> {
                    Some(&client.http)
                }

                #[inline]
                fn poll<'a>(client: &'a Client, job_id: &'a str) -> #rt::PollFuture<'a, Self> {
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
    }
    if kinds.is_empty() {
        return quote!();
    }
    let gate = cx.gates.any_attr(
        cx.api
            .operations
            .iter()
            .filter(|op| op.job.is_some())
            .map(|op| op.names.feature.as_str()),
    );
    quote! {
        /// Asynchronous jobs: what to poll, and which states end the wait.
        #gate
        pub mod jobs {
            use super::*;
            #(#kinds)*
        }

        impl Client {
            #(#resumes)*
        }
    }
}

/// `submit()` on a submit operation's builder (inside the operation's module).
pub(crate) fn submit(cx: &Context<'_>, op: &Operation) -> TokenStream {
    // The operation's module names the runtime `rt`.
    let rt = quote!(rt);
    let Some(job) = &op.job else { return quote!() };
    if status_op(cx, job).is_none() {
        return quote!();
    }
    let builder = format_ident!("{}", op.names.builder);
    let error = format_ident!("{}", op.names.error);
    let kind = kind_ident(op);
    let pointers = &job.id_pointers;
    let doc = format!(
        " Submits the job (`{} {}`) and returns a handle to wait for it; the id is read from {}.",
        op.method,
        op.path,
        pointers
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", else from ")
    );
    quote! {
        impl<'a> #builder<'a> {
            #[doc = #doc]
            pub fn submit(
                self,
            ) -> impl Future<
                Output = Result<#rt::JobHandle<'a, jobs::#kind>, #rt::CallError<#error>>,
            > + 'a {
                self.submit_with(&#rt::CallOptions::DEFAULT)
            }

            /// Like `submit`, with per-call options.
            pub async fn submit_with(
                self,
                options: &#rt::CallOptions,
            ) -> Result<#rt::JobHandle<'a, jobs::#kind>, #rt::CallError<#error>> {
                let client = self.client;
                #rt::submitted(client, self.send_with(options).await?, &[#(#pointers),*])
            }
        }
    }
}
