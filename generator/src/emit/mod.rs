//! Emit stage: the IR into the client module's text, written once, in order, by one writer.
//!
//! [`types`] runs the type engine (typify) over the IR's schemas; everything else is emitted
//! from the IR by our own layers: the `Client` and its constructors ([`client`]), each
//! operation's items together in one module ([`operations`], with [`errors`] and the job
//! `submit`), the job kinds ([`jobs`]), which Cargo feature compiles each of these and each
//! type ([`features`]), and the files around the module ([`package`]). The
//! per-operation items are written as text in prettyplease's layout ([`text`]); the few
//! once-per-crate items are tokens formatted by prettyplease ([`stream`]).

mod client;
mod errors;
pub(crate) mod examples;
pub(crate) mod features;
mod forward;
mod jobs;
mod operations;
pub(crate) mod package;
mod paging;
mod stream;
mod text;
pub mod types;
pub(crate) mod webhooks;

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::diagnostic::{Diagnostics, Severity};
use crate::ir::{Api, Operation, TypeRef};
use crate::load::SourceDoc;
use features::Gates;
use text::Source;

pub use features::{CargoFeatures, GroupFeatures};
pub use package::ExtraDeps;
pub use types::TypeSettings;

/// What the emitters share.
pub(crate) struct Context<'a> {
    pub api: &'a Api,
    /// The Rust type of each of the IR's inline schemas, as the type engine decided it.
    pub inline_types: &'a [String],
    /// The types typify made a struct builder for (`types::builder::X`).
    pub struct_builders: &'a BTreeSet<String>,
    /// `clientgen_runtime` (the name generated code uses for the runtime crate).
    pub runtime: String,
    /// Which group feature compiles each item.
    pub gates: &'a Gates,
    /// Whether each group's operations are in a file of their own (`src/client/<group>.rs`).
    pub split: bool,
}

impl Context<'_> {
    /// The Rust type of `ty`, as written in a module with `types` in scope.
    pub fn ty(&self, ty: &TypeRef) -> String {
        match ty {
            TypeRef::Named(name) => format!("types::{name}"),
            TypeRef::Inline(i) => self
                .inline_types
                .get(*i)
                .cloned()
                .unwrap_or_else(|| "::serde_json::Value".into()),
            TypeRef::Json => "::serde_json::Value".into(),
            TypeRef::String => "String".into(),
        }
    }

    /// The path of `op`'s module from the client module: `get_pet`, or `pets::get_pet` when
    /// groups are files of their own.
    pub fn op_module(&self, op: &Operation) -> String {
        if self.split {
            format!("{}::{}", op.names.group_module, op.names.module)
        } else {
            op.names.module.clone()
        }
    }

    /// `#[cfg(..)]` for `op`'s module, if gated (in a group's file, the file is).
    pub fn op_gate(&self, op: &Operation) -> Option<String> {
        if self.split { None } else { self.gates.op(op) }
    }

    /// `::clientgen_runtime`, as tokens.
    pub fn rt(&self) -> TokenStream {
        let ident = syn::Ident::new(&self.runtime, Span::call_site());
        quote!(::#ident)
    }
}

/// The client module's text and what it needs.
pub struct EmittedClient {
    /// The whole of `src/client.rs`, header first.
    pub source: String,
    /// The crates its types use.
    pub deps: ExtraDeps,
    /// The crate's group features.
    pub features: CargoFeatures,
    /// The files of the groups' operations, when the crate is split (`src/client/<name>.rs`):
    /// (module name, text).
    pub group_files: Vec<(String, String)>,
    /// Fallbacks taken by the type engine.
    pub warnings: Diagnostics,
}

/// By default, a crate with group features and more operations than this puts each group's
/// operations in a file of its own, which rustc does not even read when the group's feature is
/// off.
pub const SPLIT_ABOVE_OPERATIONS: usize = 100;

/// Emits the client module (everything in `src/client.rs`) under `header`; with `split_above`,
/// the operations of a crate with group features and more operations than that go into a file
/// per group.
#[allow(clippy::too_many_arguments)]
pub fn emit_client(
    doc: &SourceDoc,
    api: &Api,
    settings: &TypeSettings,
    group_features: GroupFeatures,
    split_above: Option<usize>,
    runtime_crate: &str,
    header: &str,
    progress: &mut dyn FnMut(crate::Stage),
) -> Result<EmittedClient, Diagnostics> {
    let gates = Gates::new(api, group_features);
    let roots = gates.type_roots(api);
    let types = types::generate(
        doc,
        &api.schemas,
        &api.inline_schemas,
        settings,
        roots.as_ref(),
    )?;
    let cx = Context {
        api,
        inline_types: &types.inline_types,
        struct_builders: &types.struct_builders,
        runtime: runtime_crate.to_string(),
        gates: &gates,
        split: gates.is_on() && split_above.is_some_and(|n| api.operations.len() > n),
    };
    let rt = cx.rt();
    let internal = |message: String| {
        let mut ds = Diagnostics::new();
        ds.push(doc.diagnostic(Severity::Error, "", format!("internal: {message}")));
        ds
    };

    let mut out = Source::new(0);
    out.raw(header);
    out.raw("\n");
    out.doc("Types used as operation parameters and responses (made by typify).");
    out.line("#[allow(clippy::all)]");
    out.open("pub mod types {");
    out.raw(&types.text);
    // A string newtype compares with a string literal (`job.status == "CompletedJob"`).
    for name in &types.string_newtypes {
        for (rhs, other) in [("str", "other"), ("&str", "*other")] {
            if let Some(cfg) = types.gates.get(name) {
                out.line(cfg);
            }
            out.open(&format!("impl ::std::cmp::PartialEq<{rhs}> for {name} {{"));
            out.open(&format!("fn eq(&self, other: &{rhs}) -> bool {{"));
            out.line(&format!("self.0 == {other}"));
            out.close("}");
            out.close("}");
        }
    }
    out.close("}");

    let front = quote! {
        pub use #rt::{
            BoxStream, ByteStream, CallError, CallOptions, ClientConfig, ConfigError, Credential,
            FilePart, JobError, JobHandle, JobPhase, JobUpdate, ResponseValue, RetryPolicy,
            StreamExt, UnknownStates, WaitOptions,
        };
    };
    let client = client::client_struct(&cx);
    let constructors = client::constructors(&cx);
    let jobs = jobs::jobs_module(&cx);
    for tokens in [front, client, constructors, jobs] {
        out.raw(&stream::format_tokens(tokens, 0).map_err(internal)?);
    }
    reexports(&cx, &mut out);

    // Each operation's items, together, in a private module of its own that reads what the
    // client module defines (`types`, `Client`, the runtime as `rt`) through `use super::*`.
    out.line(&format!("use ::{} as rt;", cx.runtime));
    let total = api.operations.len();
    let mut group_files = Vec::new();
    if cx.split {
        // Each group's operations in `src/client/<group>.rs`, behind its feature.
        let mut groups: BTreeMap<&str, Vec<&Operation>> = BTreeMap::new();
        for op in &api.operations {
            groups.entry(&op.names.group_module).or_default().push(op);
        }
        let mut done = 0;
        for (module, ops) in groups {
            out.doc(&format!(
                "The operations of the group `{}`.",
                ops[0].names.feature
            ));
            if let Some(cfg) = cx.gates.op(ops[0]) {
                out.line(&cfg);
            }
            out.line(&format!("mod {module};"));
            let mut file = Source::new(0);
            file.raw(header);
            file.raw("\n");
            file.line("use super::*;");
            for op in ops {
                progress(crate::Stage::Operations { done, total });
                done += 1;
                operations::operation_module(&cx, op, &mut file).map_err(internal)?;
            }
            group_files.push((module.to_string(), file.finish()));
        }
    } else {
        for (done, op) in api.operations.iter().enumerate() {
            progress(crate::Stage::Operations { done, total });
            operations::operation_module(&cx, op, &mut out).map_err(internal)?;
        }
    }
    webhooks::webhooks_module(&cx, &mut out);
    errors::crate_error(&cx, &mut out);
    Ok(EmittedClient {
        source: out.finish(),
        deps: ExtraDeps {
            uuid: types.uses_uuid,
            chrono: types.uses_chrono,
            regress: types.uses_regress,
        },
        features: CargoFeatures {
            groups: gates.cargo_features(api),
            other_types: types.other_types,
            default_on: gates.default_on,
        },
        group_files,
        warnings: types.warnings,
    })
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

/// `builder`, `errors`, `operations` and `media_types`: the public paths of the items each
/// operation's module holds.
fn reexports(cx: &Context<'_>, out: &mut Source) {
    let ops = &cx.api.operations;
    // Each operation's lines, behind its group's feature.
    let module =
        |out: &mut Source, name: &str, doc: &str, lines: &dyn Fn(&Operation) -> Vec<String>| {
            let items: Vec<(&Operation, Vec<String>)> = ops
                .iter()
                .map(|op| (op, lines(op)))
                .filter(|(_, lines)| !lines.is_empty())
                .collect();
            if items.is_empty() {
                return;
            }
            out.doc(doc);
            out.open(&format!("pub mod {name} {{"));
            for (op, lines) in items {
                for line in lines {
                    if let Some(cfg) = cx.gates.op(op) {
                        out.line(&cfg);
                    }
                    out.line(&line);
                }
            }
            out.close("}");
        };
    module(
        out,
        "builder",
        "The request builders, one per operation: set the parameters, then `send`.",
        &|op| {
            let mut items = vec![op.names.builder.clone()];
            items.extend(operations::choice_type(op));
            let m = cx.op_module(op);
            items
                .into_iter()
                .map(|item| format!("pub use super::{m}::{item};"))
                .collect()
        },
    );
    module(
        out,
        "errors",
        "The documented error responses of each operation: the variant is chosen by the HTTP\n\
         status, and carries the body typed by the schema documented for it.",
        &|op| {
            let mut items = vec![op.names.error.clone()];
            items.extend(errors::headers_structs(op));
            let m = cx.op_module(op);
            items
                .into_iter()
                .map(|item| format!("pub use super::{m}::{item};"))
                .collect()
        },
    );
    module(
        out,
        "operations",
        "What the client knows about each operation: whether it is billable, whether it may be\n\
         repeated, which security schemes authenticate it, and its documented errors.",
        &|op| {
            vec![format!(
                "pub use super::{}::META as {};",
                cx.op_module(op),
                op.names.meta
            )]
        },
    );
    module(
        out,
        "media_types",
        "The request media types an operation documents besides its typed body's, for the\n\
         builder's `send_body`.",
        &|op| {
            if op.body.other_media_types().is_empty() {
                return Vec::new();
            }
            vec![format!(
                "pub use super::{}::MediaType as {};",
                cx.op_module(op),
                op.names.builder
            )]
        },
    );
}
