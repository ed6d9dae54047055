//! Emit stage: the IR (plus progenitor's output) into a client module: a syntax tree for the
//! once-per-crate items, progenitor's items formatted one at a time, and formatted text for the
//! per-operation ones.
//!
//! One submodule per layer of the generated crate: progenitor's types and requests, the
//! per-operation error enums, the typed `send` and operation metadata, constructors and auth,
//! jobs, and multipart requests; `stream` formats progenitor's output item by item and `text`
//! writes the per-operation items.

mod client;
mod errors;
mod isolate;
mod jobs;
mod multipart;
mod operations;
pub(crate) mod package;
pub mod progenitor;
pub mod sanitize;
mod stream;
mod text;

use std::collections::BTreeMap;

use heck::{ToPascalCase, ToSnakeCase};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::visit_mut::VisitMut;

use crate::diagnostic::Diagnostics;
use crate::ir::{Api, Operation, RequestBody};
use crate::load::SourceDoc;
use progenitor::ProgenitorOutput;

/// Everything the layer emitters share.
pub(crate) struct Context<'a> {
    pub api: &'a Api,
    pub progenitor: &'a ProgenitorOutput,
    /// `::clientgen_runtime`.
    pub rt: TokenStream,
    /// `clientgen_runtime`, for the items written as text.
    pub runtime: String,
    /// Per operationId: the builder and client method names (progenitor's or ours).
    pub names: BTreeMap<String, OpNames>,
}

/// The Rust names of one operation.
#[derive(Debug, Clone)]
pub(crate) struct OpNames {
    /// The id progenitor puts in `OperationInfo` (operationId, sanitized to snake case).
    pub info_id: String,
    pub builder: syn::Ident,
    pub method: syn::Ident,
    pub error: syn::Ident,
    pub meta: syn::Ident,
}

impl Context<'_> {
    pub fn names(&self, op: &Operation) -> &OpNames {
        &self.names[&op.id]
    }
}

/// The item in `file`'s `mod raw` whose line [`format::assemble`](crate::format::assemble)
/// replaces with progenitor's formatted items.
pub const RAW_ITEMS_PLACEHOLDER: &str = "struct ClientgenRawItems;";

/// The client module in three parts, and per operationId its `Client` method and error enum
/// names.
pub struct EmittedClient {
    /// The once-per-crate items (constructors, hooks, jobs, re-exports) as a tree, with
    /// [`RAW_ITEMS_PLACEHOLDER`] as the only item of `mod raw`.
    pub file: syn::File,
    /// progenitor's items, rewritten and formatted one at a time as the content of `mod raw`
    /// (with our builder items at the end of its `builder` module).
    pub raw: String,
    /// The per-operation items (typed `send`, operation metadata, error enums, the crate-level
    /// `Error`), already formatted: they follow the formatted `file`.
    pub tail: String,
    /// operationId -> (method, error enum).
    pub names: BTreeMap<String, (String, String)>,
    /// Fallbacks taken to get progenitor through the spec.
    pub warnings: Diagnostics,
    /// operationIds left out of the client (each named in a warning).
    pub omitted: Vec<String>,
}

/// Emits the client module (everything in `src/client.rs`).
///
/// The document's `value` is taken (and freed) once progenitor's input is built from it: at
/// scale it is hundreds of megabytes that progenitor's run needs more. The document still
/// locates diagnostics.
pub fn emit_client(
    doc: &mut SourceDoc,
    api: &Api,
    runtime_crate: &str,
) -> Result<EmittedClient, Diagnostics> {
    let runtime_ident = syn::Ident::new(runtime_crate, Span::call_site());
    let mut input = progenitor::progenitor_input(doc, api);
    let sanitized = sanitize::sanitize(doc, &mut input, &api.type_names);
    crate::drop_in_background(std::mem::take(&mut doc.value));
    let doc: &SourceDoc = doc;
    let original_keys: BTreeMap<String, String> = api
        .type_names
        .iter()
        .map(|(key, name)| (name.clone(), key.clone()))
        .collect();
    let (mut output, isolation_warnings, omitted) = isolate::run(
        doc,
        input,
        &runtime_ident,
        &sanitized.content_types,
        &sanitized.renamed_params,
        &sanitized.other_media_types,
        &original_keys,
    )?;
    let mut warnings = sanitized.warnings;
    warnings.extend(isolation_warnings);
    // Operations progenitor could not generate are left out of every layer.
    let kept_api;
    let api = if omitted.is_empty() {
        api
    } else {
        let mut reduced = api.clone();
        reduced.operations.retain(|op| !omitted.contains(&op.id));
        kept_api = reduced;
        &kept_api
    };

    let mut names = BTreeMap::new();
    let mut taken_methods: Vec<String> =
        output.ops.values().map(|o| o.method.to_string()).collect();
    for op in &api.operations {
        let info_id = progenitor_snake(&op.id);
        let (builder, method) = match output.ops.get(&info_id) {
            Some(p) => (p.builder.clone(), p.method.clone()),
            None if !matches!(op.body, RequestBody::Multipart(_)) => {
                return Err(internal(
                    doc,
                    format!("progenitor emitted no builder for operation `{}`", op.id),
                ));
            }
            None => {
                let mut method = safe_snake(&op.id);
                while taken_methods.contains(&method) {
                    method.push('_');
                }
                taken_methods.push(method.clone());
                (
                    format_ident!("{}", op.id.to_pascal_case()),
                    syn::Ident::new(&method, Span::call_site()),
                )
            }
        };
        let pascal = builder.to_string();
        names.insert(
            op.id.clone(),
            OpNames {
                info_id,
                builder,
                method,
                error: format_ident!("{pascal}Error"),
                meta: meta_const(&pascal),
            },
        );
    }

    let cx = Context {
        api,
        progenitor: &output,
        rt: quote!(::#runtime_ident),
        runtime: runtime_crate.to_string(),
        names,
    };
    let mut builder_items: Vec<TokenStream> = Vec::new();
    let mut client_methods: Vec<TokenStream> = Vec::new();
    for op in &api.operations {
        if let RequestBody::Multipart(body) = &op.body {
            let (builder, method) = multipart::emit(&cx, op, body);
            builder_items.push(builder);
            client_methods.push(method);
        }
        if op.job.is_some() {
            builder_items.push(jobs::submit(&cx, op));
        }
    }
    let hooks = operations::hooks(&cx);
    let mut tail = text::Source::new(0);
    operations::media_types_module(&cx, &mut tail);
    operations::typed_send_module(&cx, &mut tail);
    operations::operations_module(&cx, &mut tail);
    errors::errors_module(&cx, &mut tail);
    errors::crate_error(&cx, &mut tail);
    let tail = tail.finish();
    let constructors = client::constructors(&cx);
    let jobs_mod = jobs::jobs_module(&cx);
    let rt = cx.rt.clone();
    let names: BTreeMap<String, (String, String)> = cx
        .names
        .iter()
        .map(|(id, n)| (id.clone(), (n.method.to_string(), n.error.to_string())))
        .collect();
    drop(cx);

    // Our builder items go into progenitor's `builder` module: they need its private fields.
    let injected: Vec<syn::Item> = builder_items
        .into_iter()
        .filter(|t| !t.is_empty())
        .map(|t| syn::parse2::<syn::File>(t).map(|f| f.items))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| internal(doc, format!("builder items do not parse: {e}")))?
        .into_iter()
        .flatten()
        .collect();
    let mut raw = std::mem::take(&mut output.raw);
    let Some(&builder_end) = raw.module_ends.get("builder") else {
        return Err(internal(doc, "progenitor emitted no builder module".into()));
    };
    let injected: String = injected
        .into_iter()
        .map(|item| stream::format_item(item, 2))
        .collect();
    raw.text.insert_str(builder_end, &injected);
    let client_methods = if client_methods.is_empty() {
        quote!()
    } else {
        quote! {
            impl Client {
                #(#client_methods)*
            }
        }
    };

    // progenitor's items, already formatted, take the placeholder's line in `mod raw`.
    let placeholder: TokenStream = RAW_ITEMS_PLACEHOLDER
        .parse()
        .map_err(|e| internal(doc, format!("placeholder: {e}")))?;
    let tokens = quote! {
        /// progenitor's output: the request types and one-attempt request code.
        #[allow(clippy::all, unused_imports, dead_code, missing_docs)]
        mod raw {
            #placeholder
        }

        pub use raw::{builder, types, ByteStream, Client, ResponseValue};
        pub use #rt::{
            CallOptions, ClientConfig, ConfigError, Credential, FilePart, JobError, JobHandle,
            JobPhase, JobUpdate, OperationError, RetryPolicy, WaitOptions,
        };

        #constructors
        #client_methods
        #hooks
        #jobs_mod
    };
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| internal(doc, format!("the generated code does not parse: {e}")))?;
    Ok(EmittedClient {
        file,
        raw: raw.text,
        tail,
        names,
        warnings,
        omitted,
    })
}

fn internal(doc: &SourceDoc, message: String) -> Diagnostics {
    let mut ds = Diagnostics::new();
    ds.push(doc.diagnostic(
        crate::diagnostic::Severity::Error,
        "",
        format!("internal: {message}"),
    ));
    ds
}

/// The name of an operation's `OperationMeta` constant in the `operations` module, from its
/// builder's name (`GetUsage` -> `GET_USAGE`).
pub(crate) fn meta_const(builder: &str) -> syn::Ident {
    format_ident!("{}", builder.to_snake_case().to_uppercase())
}

/// The snake-case name progenitor (through typify's `sanitize`) makes of an operationId.
pub(crate) fn progenitor_snake(id: &str) -> String {
    let cleaned: String = id
        .replace('\'', "")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut s = cleaned.to_snake_case();
    if s.is_empty() || !s.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        s = format!("x_{s}");
    }
    if syn::parse_str::<syn::Ident>(&s).is_err() {
        s.push('_');
    }
    s
}

/// A snake_case identifier that is not a keyword.
pub(crate) fn safe_snake(name: &str) -> String {
    let mut s = name.to_snake_case();
    if s.is_empty() || !s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        s = format!("op_{s}");
    }
    if syn::parse_str::<syn::Ident>(&s).is_err() {
        s.push('_');
    }
    s
}

/// Doc attributes from optional text pieces, separated by blank lines.
pub(crate) fn doc_attrs(pieces: &[Option<&str>]) -> TokenStream {
    let text = pieces
        .iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    if text.is_empty() {
        return quote!();
    }
    let lines = text.lines().map(|l| format!(" {l}").trim_end().to_string());
    quote!(#(#[doc = #lines])*)
}

/// Rewrites `types::X` paths (relative to progenitor's builder module) to `prefix::types::X`.
pub(crate) fn reroot_types(ty: &syn::Type, prefix: TokenStream) -> syn::Type {
    struct Reroot(syn::Path);
    impl VisitMut for Reroot {
        fn visit_type_path_mut(&mut self, node: &mut syn::TypePath) {
            if node.qself.is_none()
                && node.path.leading_colon.is_none()
                && node
                    .path
                    .segments
                    .first()
                    .is_some_and(|s| s.ident == "types")
            {
                let mut segments = self.0.segments.clone();
                segments.extend(node.path.segments.iter().cloned());
                node.path.segments = segments;
            }
            syn::visit_mut::visit_type_path_mut(self, node);
        }
    }
    let mut ty = ty.clone();
    let prefix: syn::Path = syn::parse2(prefix).unwrap_or_else(|_| syn::parse_quote!(super));
    Reroot(prefix).visit_type_mut(&mut ty);
    ty
}
