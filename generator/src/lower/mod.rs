//! Lower stage: a validated `openapiv3` document into the generator's IR ([`crate::ir::Api`]).
//!
//! This is where every decision is taken, once: vendor extensions are read, names are minted
//! (through [`crate::names`]), each parameter's encoding and each body's media type are chosen
//! (and what cannot be sent as described is degraded, with a warning), the schemas that become
//! types are collected and repaired ([`schemas`]), and operations are sorted.

mod examples;
mod paging;
mod schemas;
mod webhooks;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use openapiv3::{
    APIKeyLocation, MediaType, OpenAPI, Parameter as OaParameter, ParameterSchemaOrContent,
    ReferenceOr, Response, Schema, SchemaKind, SecurityScheme as OaScheme, StatusCode, Type,
};
use serde_json::{Value, json};

use crate::diagnostic::{Diagnostics, Severity, escape_pointer_token, pointer};
use crate::ir::*;
use crate::load::SourceDoc;
use crate::names::{self, Namespace};
use schemas::SchemaRepair;

/// Individual warnings kept per kind of fallback; the rest are counted in one summary warning.
const WARNINGS_PER_KIND: usize = 25;

/// Lowers `spec` into the IR, reporting every problem with its pointer.
pub fn lower(doc: &SourceDoc, spec: &OpenAPI) -> Result<(Api, Diagnostics), Diagnostics> {
    let mut types = Namespace::default();
    let type_names: BTreeMap<String, String> = spec
        .components
        .iter()
        .flat_map(|c| c.schemas.keys())
        .map(|key| (key.clone(), types.claim(&names::type_name(key), "")))
        .collect();
    let mut cx = Lowering {
        doc,
        spec,
        ds: Diagnostics::new(),
        per_kind: BTreeMap::new(),
        types,
        type_names: &type_names,
        repair: SchemaRepair::new(doc, &type_names),
        schemas: Vec::new(),
        inline: Vec::new(),
        lifted: HashMap::new(),
        inline_index: HashMap::new(),
    };
    for (key, name) in &type_names {
        let at = pointer(["components", "schemas", key.as_str()]);
        let mut schema = doc.value.pointer(&at).cloned().unwrap_or_else(|| json!({}));
        cx.repair.repair(&mut schema, &at);
        cx.schemas.push(NamedSchema {
            name: name.clone(),
            pointer: at,
            schema,
        });
    }
    // Components in the description's order.
    let order: BTreeMap<&String, usize> = spec
        .components
        .iter()
        .flat_map(|c| c.schemas.keys())
        .enumerate()
        .map(|(i, key)| (key, i))
        .collect();
    let key_of: BTreeMap<&String, &String> = type_names.iter().map(|(k, n)| (n, k)).collect();
    cx.schemas
        .sort_by_key(|s| key_of.get(&s.name).and_then(|k| order.get(k)).copied());
    let security_schemes = cx.security_schemes();
    let default_security = security_names(spec.security.as_deref().unwrap_or(&[]));

    let mut operations = Vec::new();
    for (path, item) in spec.paths.paths.iter() {
        let item_pointer = pointer(["paths", path.as_str()]);
        let ReferenceOr::Item(item) = item else {
            cx.error(
                &item_pointer,
                "a `$ref` path item is not supported: inline it",
            );
            continue;
        };
        for (method, op) in item.iter() {
            let op_pointer = format!("{item_pointer}/{method}");
            if let Some(lowered) = cx.operation(
                path,
                method,
                op,
                &item.parameters,
                &default_security,
                &op_pointer,
            ) {
                operations.push(lowered);
            }
        }
    }
    operations.sort_by(|a, b| {
        (a.path.as_str(), method_rank(&a.method)).cmp(&(b.path.as_str(), method_rank(&b.method)))
    });
    cx.link_jobs(&mut operations);
    let ids: Vec<(&str, bool)> = operations
        .iter()
        .map(|op| (op.id.as_str(), op.job.is_some()))
        .collect();
    let op_names = names::operation_names(&ids, &security_schemes);
    let groups: Vec<&str> = operations.iter().map(|op| op.group.as_str()).collect();
    let features = names::feature_names(&groups);
    let feature_refs: Vec<&str> = features.iter().map(String::as_str).collect();
    let modules = names::group_modules(&feature_refs);
    for (((op, names), feature), module) in operations
        .iter_mut()
        .zip(op_names)
        .zip(features.iter())
        .zip(modules)
    {
        op.names = names;
        op.names.feature = feature.clone();
        op.names.group_module = module;
    }
    let mut choices = names::choice_namespace(operations.iter().map(|op| &op.names));
    for op in &mut operations {
        if let RequestBody::Multipart(m) = &mut op.body
            && let Some(typed) = m.choice.as_mut().and_then(|c| c.typed.as_mut())
        {
            typed.type_name = choices.claim_choice(&op.names.builder, &typed.setter);
        }
    }
    let webhooks = cx.webhooks(&operations);
    let examples = cx.examples(&operations);

    let Lowering {
        mut ds,
        per_kind,
        repair,
        mut schemas,
        mut inline,
        ..
    } = cx;
    ds.extend(repair.finish(&mut schemas, &mut inline));
    for (kind, n) in &per_kind {
        if *n > WARNINGS_PER_KIND {
            ds.push(doc.diagnostic(
                Severity::Warning,
                "",
                format!(
                    "{} more fallback(s) of the kind \"{kind}\" not listed",
                    n - WARNINGS_PER_KIND
                ),
            ));
        }
    }
    let api = Api {
        title: spec.info.title.clone(),
        version: spec.info.version.clone(),
        description: spec.info.description.clone(),
        default_base_url: default_base_url(doc, spec, &mut ds),
        security_schemes,
        operations,
        type_names,
        schemas,
        inline_schemas: inline,
        webhooks,
        examples,
    };
    let ds = ds.propagate()?;
    Ok((api, ds))
}

fn method_rank(method: &str) -> usize {
    [
        "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE",
    ]
    .iter()
    .position(|m| *m == method)
    .unwrap_or(usize::MAX)
}

fn security_names(reqs: &[openapiv3::SecurityRequirement]) -> Vec<String> {
    let mut names = Vec::new();
    for req in reqs {
        for name in req.keys() {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    names
}

/// The first server URL, if it is an absolute http(s) URL the runtime accepts as it is.
fn default_base_url(doc: &SourceDoc, spec: &OpenAPI, ds: &mut Diagnostics) -> Option<String> {
    let server = spec.servers.first()?;
    let url = server.url.trim_end_matches('/');
    let usable = (url.starts_with("https://") || url.starts_with("http://"))
        && !url.contains(['{', '}', '?', '#', ' '])
        && url.split("://").nth(1).is_some_and(|rest| {
            let host = rest.split('/').next().unwrap_or("");
            !host.is_empty() && !host.contains('@')
        });
    if usable {
        Some(url.to_string())
    } else {
        ds.push(doc.diagnostic(
            Severity::Warning,
            "/servers/0/url",
            format!(
                "server URL `{}` is not an absolute http(s) URL: the client has no default \
                 base URL (pass one to `ClientConfig::new`)",
                server.url
            ),
        ));
        None
    }
}

pub use crate::names::synthesize_operation_id;

struct Lowering<'a> {
    doc: &'a SourceDoc,
    spec: &'a OpenAPI,
    ds: Diagnostics,
    /// Warnings per kind of fallback, for the summary of those not listed.
    per_kind: BTreeMap<&'static str, usize>,
    /// Every Rust type name taken.
    types: Namespace,
    /// Component key -> Rust type name.
    type_names: &'a BTreeMap<String, String>,
    repair: SchemaRepair<'a>,
    schemas: Vec<NamedSchema>,
    inline: Vec<InlineSchema>,
    /// Hoisted schemas (as repaired) -> their type name.
    lifted: HashMap<Value, String>,
    /// Inline schemas (as repaired) -> their index in `inline`.
    inline_index: HashMap<Value, usize>,
}

impl<'a> Lowering<'a> {
    fn error(&mut self, at: &str, message: impl Into<String>) {
        let d = self.doc.diagnostic(Severity::Error, at, message);
        self.ds.push(d);
    }

    fn warn(&mut self, at: &str, message: impl Into<String>) {
        let d = self.doc.diagnostic(Severity::Warning, at, message);
        self.ds.push(d);
    }

    /// A warning about a fallback; past [`WARNINGS_PER_KIND`] of a kind only counted.
    fn fallback(&mut self, kind: &'static str, at: &str, message: impl Into<String>) {
        let n = self.per_kind.entry(kind).or_insert(0);
        *n += 1;
        if *n <= WARNINGS_PER_KIND {
            self.warn(at, message);
        }
    }

    /// Hoists an inline schema into a named type (error bodies, multipart enum fields). An
    /// inline schema equal to one hoisted before (the same error body under every operation)
    /// is that type: one type, named after its first use in the description's order.
    fn lift(&mut self, wanted: &str, mut schema: Value, at: &str) -> String {
        self.repair.repair(&mut schema, at);
        if let Some(same) = self.lifted.get(&schema) {
            return same.clone();
        }
        let name = self.types.claim(&names::type_name(wanted), "");
        self.lifted.insert(schema.clone(), name.clone());
        self.schemas.push(NamedSchema {
            name: name.clone(),
            pointer: at.to_string(),
            schema,
        });
        name
    }

    /// The Rust type of a schema an operation uses: the component's type for a `$ref` to one,
    /// else an inline schema for the type engine, named after `hint` if it needs a type.
    fn type_of(&mut self, schema: &ReferenceOr<Schema>, hint: &str, at: &str) -> TypeRef {
        if let ReferenceOr::Reference { reference } = schema
            && let Some(name) = reference
                .strip_prefix("#/components/schemas/")
                .and_then(|key| self.type_names.get(key))
        {
            return TypeRef::Named(name.clone());
        }
        let mut value = serde_json::to_value(schema).unwrap_or_else(|_| json!({}));
        self.repair.repair(&mut value, at);
        // An inline schema equal to an earlier one is the same type.
        if let Some(i) = self.inline_index.get(&value) {
            return TypeRef::Inline(*i);
        }
        let name = self.types.claim(&names::type_name(hint), "");
        self.inline_index.insert(value.clone(), self.inline.len());
        self.inline.push(InlineSchema {
            name,
            pointer: at.to_string(),
            schema: value,
        });
        TypeRef::Inline(self.inline.len() - 1)
    }

    fn security_schemes(&mut self) -> Vec<SecurityScheme> {
        let mut out = Vec::new();
        let Some(components) = &self.spec.components else {
            return out;
        };
        for (name, scheme) in &components.security_schemes {
            let at = pointer(["components", "securitySchemes", name.as_str()]);
            let ReferenceOr::Item(scheme) = scheme else {
                self.error(&at, "a `$ref` security scheme is not supported: inline it");
                continue;
            };
            let (placement, description, extensions) = match scheme {
                OaScheme::APIKey {
                    location,
                    name: param,
                    description,
                    extensions,
                } => (
                    match location {
                        APIKeyLocation::Header => Placement::Header(param.clone()),
                        APIKeyLocation::Query => Placement::Query(param.clone()),
                        APIKeyLocation::Cookie => Placement::Unsupported("apiKey in cookie".into()),
                    },
                    description.clone(),
                    extensions,
                ),
                OaScheme::HTTP {
                    scheme: http_scheme,
                    description,
                    extensions,
                    ..
                } => (
                    if http_scheme.eq_ignore_ascii_case("bearer") {
                        Placement::Bearer
                    } else {
                        Placement::Unsupported(format!("http {http_scheme}"))
                    },
                    description.clone(),
                    extensions,
                ),
                OaScheme::OAuth2 {
                    description,
                    extensions,
                    ..
                } => (
                    Placement::AccessToken("OAuth2".into()),
                    description.clone(),
                    extensions,
                ),
                OaScheme::OpenIDConnect {
                    description,
                    extensions,
                    ..
                } => (
                    Placement::AccessToken("OpenID Connect".into()),
                    description.clone(),
                    extensions,
                ),
            };
            if let Placement::AccessToken(kind) = &placement {
                self.warn(
                    &at,
                    format!(
                        "security scheme `{name}` is {kind}: the generated constructor takes an \
                         access token and sends it as a bearer token; the flows that obtain one \
                         are not generated"
                    ),
                );
            }
            if let Placement::Unsupported(kind) = &placement {
                self.warn(
                    &at,
                    format!(
                        "security scheme kind `{kind}` has no generated constructor: set the \
                         credential through a custom reqwest client"
                    ),
                );
            }
            let env_var = match extensions.get("x-env-var") {
                None => None,
                Some(Value::String(var)) if !var.trim().is_empty() => Some(var.clone()),
                Some(_) => {
                    self.error(
                        &format!("{at}/x-env-var"),
                        "`x-env-var` must be a non-empty string naming an environment variable",
                    );
                    None
                }
            };
            out.push(SecurityScheme {
                name: name.clone(),
                placement,
                env_var,
                description,
            });
        }
        out
    }

    fn operation(
        &mut self,
        path: &str,
        method: &str,
        op: &openapiv3::Operation,
        path_params: &[ReferenceOr<OaParameter>],
        default_security: &[String],
        at: &str,
    ) -> Option<Operation> {
        let method_upper = method.to_ascii_uppercase();
        let id = op
            .operation_id
            .clone()
            .unwrap_or_else(|| synthesize_operation_id(method, path));
        let security = match &op.security {
            Some(reqs) => security_names(reqs),
            None => default_security.to_vec(),
        };
        let cost = self.cost(op, at);
        let idempotent = match op.extensions.get("x-idempotent") {
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                self.error(
                    &format!("{at}/x-idempotent"),
                    "`x-idempotent` must be a boolean",
                );
                false
            }
            None => matches!(
                method_upper.as_str(),
                "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS" | "TRACE"
            ),
        };
        let mut parameters = self.parameters(&id, path_params, &op.parameters, at);
        let mut body = self.request_body(op, &id, at);
        self.name_setters(&mut parameters, &mut body);
        // Path parameters first, then the others by name: the order of the setters, and of the
        // query string.
        parameters
            .sort_by(|a, b| (a.location != "path", &a.name).cmp(&(b.location != "path", &b.name)));
        let mut errors = self.errors(op, &id, at);
        if let Some(cost) = &cost {
            for e in &mut errors {
                e.billed =
                    matches!(e.status, StatusMatch::Code(c) if cost.billed_statuses.contains(&c));
            }
        }
        let success = self.success(op, &id, at);
        let job = self.job(op, at);
        let fallback_paths = self.fallback_paths(op, path, &cost, &body, at);
        let group = self.group(op, path, at);
        let pagination = match op.extensions.contains_key("x-pagination") {
            true => self.pagination(op, &parameters, &body, &success, at),
            false => self.recognised_pagination(op, &method_upper, &parameters, &success, at),
        };
        Some(Operation {
            id,
            method: method_upper,
            path: path.to_string(),
            fallback_paths,
            pointer: at.to_string(),
            summary: op.summary.clone(),
            description: op.description.clone(),
            tags: op.tags.clone(),
            group,
            security,
            cost,
            idempotent,
            names: Default::default(),
            body,
            success,
            errors,
            job,
            pagination,
            parameters,
        })
    }

    /// Gives every parameter and form field a setter name, unique within the operation.
    fn name_setters(&mut self, parameters: &mut [Parameter], body: &mut RequestBody) {
        let mut named: Vec<(&str, &str)> = parameters
            .iter()
            .map(|p| (p.name.as_str(), p.location.as_str()))
            .collect();
        if let RequestBody::Multipart(m) = &*body {
            named.extend(m.fields.iter().map(|f| (f.name.as_str(), "form")));
            if let Some(typed) = m.choice.as_ref().and_then(|c| c.typed.as_ref()) {
                named.push((typed.wanted.as_str(), "form"));
            }
        }
        let has_body = !matches!(body, RequestBody::None | RequestBody::Multipart(_));
        let mut names = names::parameter_names(&named, has_body).into_iter();
        for p in parameters.iter_mut() {
            p.rust_name = names.next().flatten().unwrap_or_default();
            let snake = names::snake_words(&p.name);
            if p.rust_name != names::snake_ident(&p.name) {
                let message = format!(
                    "parameter `{}` ({}) has the same Rust name `{snake}` as another parameter: \
                     its setter is `{}`",
                    p.name, p.location, p.rust_name
                );
                self.fallback("colliding parameter", &p.pointer.clone(), message);
            }
        }
        if let RequestBody::Multipart(m) = body {
            for f in &mut m.fields {
                f.rust_name = names.next().flatten().unwrap_or_default();
            }
            if let Some(typed) = m.choice.as_mut().and_then(|c| c.typed.as_mut()) {
                typed.setter = names.next().flatten().unwrap_or_default();
            }
        }
    }

    /// `x-pagination`: where the position and page size go (a query parameter or a top-level
    /// field of the JSON body), and where a page's items, `hasMore` flag and total are.
    fn pagination(
        &mut self,
        op: &openapiv3::Operation,
        parameters: &[Parameter],
        body: &RequestBody,
        success: &Success,
        at: &str,
    ) -> Option<Pagination> {
        let value = op.extensions.get("x-pagination")?;
        // `false`: not paged, whatever its shape (`lower/paging.rs` recognises none).
        if value == &Value::Bool(false) {
            return None;
        }
        let at = format!("{at}/x-pagination");
        let Some(obj) = value.as_object() else {
            self.error(
                &at,
                "`x-pagination` must be a mapping, or `false` (see docs/spec-extensions.md)",
            );
            return None;
        };
        let text = |key: &str| obj.get(key).and_then(Value::as_str);
        let style = match (text("style"), obj.get("firstPage")) {
            (Some("offset"), None) => PageStyle::Offset,
            (Some("page"), first) => match first.map(Value::as_u64) {
                None => PageStyle::Page { first: 1 },
                Some(Some(first)) => PageStyle::Page { first },
                Some(None) => {
                    self.error(
                        &format!("{at}/firstPage"),
                        "`x-pagination.firstPage` must be a whole number",
                    );
                    return None;
                }
            },
            (Some("offset"), Some(_)) => {
                self.error(
                    &format!("{at}/firstPage"),
                    "`x-pagination.firstPage` is for `style: page`",
                );
                return None;
            }
            _ => {
                self.error(
                    &format!("{at}/style"),
                    "`x-pagination.style` must be `offset` or `page`",
                );
                return None;
            }
        };
        let body_fields = self.json_body_fields(op);
        let mut field = |key: &str, required: bool| -> Result<Option<PageField>, ()> {
            let Some(name) = text(key) else {
                if required || obj.contains_key(key) {
                    self.error(
                        &format!("{at}/{key}"),
                        format!("`x-pagination.{key}` must name a query parameter or body field"),
                    );
                    return Err(());
                }
                return Ok(None);
            };
            let query = parameters
                .iter()
                .find(|p| p.location == "query" && p.name == name);
            if let Some(p) = query {
                if !matches!(p.kind, ScalarKind::Integer) {
                    self.error(
                        &format!("{at}/{key}"),
                        format!("`x-pagination.{key}`: query parameter `{name}` is not an integer"),
                    );
                    return Err(());
                }
                return Ok(Some(PageField::Query(p.rust_name.clone())));
            }
            let json_body =
                matches!(body, RequestBody::Typed(b) if b.encoding == BodyEncoding::Json);
            if json_body && body_fields.iter().any(|f| f == name) {
                return Ok(Some(PageField::Body(name.to_string())));
            }
            self.error(
                &format!("{at}/{key}"),
                format!(
                    "`x-pagination.{key}`: `{name}` is neither a query parameter nor a field of \
                     the JSON body"
                ),
            );
            Err(())
        };
        let position = field("position", true).ok()??;
        let page_size = field("pageSize", false).ok()?;
        let pointer = |key: &str| -> Result<Option<String>, String> {
            match obj.get(key) {
                None => Ok(None),
                Some(Value::String(p)) if p.is_empty() || p.starts_with('/') => Ok(Some(p.clone())),
                Some(_) => Err(format!(
                    "`x-pagination.{key}` must be a JSON pointer such as /items"
                )),
            }
        };
        let (items, has_more, total) =
            match (pointer("items"), pointer("hasMore"), pointer("total")) {
                (Ok(Some(items)), Ok(has_more), Ok(total)) => (items, has_more, total),
                (Ok(None), _, _) => {
                    self.error(
                        &format!("{at}/items"),
                        "`x-pagination.items` must point at the page's array of items",
                    );
                    return None;
                }
                (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                    self.error(&at, e);
                    return None;
                }
            };
        if !matches!(success.body, SuccessBody::Json(_)) {
            self.error(
                &at,
                "`x-pagination` needs a JSON success body to read pages from",
            );
            return None;
        }
        let item = match self.success_items(op, &items) {
            Ok(item) => item,
            Err(message) => {
                self.error(&format!("{at}/items"), message);
                return None;
            }
        };
        Some(Pagination {
            style,
            position,
            page_size,
            items,
            has_more,
            total,
            item,
            recognised: false,
        })
    }

    /// The names of the top-level properties of the operation's JSON request body.
    fn json_body_fields(&self, op: &openapiv3::Operation) -> Vec<String> {
        let Some(ReferenceOr::Item(body)) = &op.request_body else {
            return Vec::new();
        };
        body.content
            .iter()
            .filter(|(media, _)| media.contains("json"))
            .filter_map(|(_, media)| media.schema.as_ref())
            .filter_map(|schema| self.resolve_schema(schema))
            .filter_map(|schema| match &schema.schema_kind {
                SchemaKind::Type(Type::Object(object)) => {
                    Some(object.properties.keys().cloned().collect::<Vec<_>>())
                }
                _ => None,
            })
            .next()
            .unwrap_or_default()
    }

    /// The type of the items at `pointer` in the operation's first JSON success body: a named
    /// type when the array's items are a component schema, else JSON values.
    fn success_items(&self, op: &openapiv3::Operation, pointer: &str) -> Result<TypeRef, String> {
        let schema = op
            .responses
            .responses
            .iter()
            .filter(|(status, _)| status.to_string().starts_with('2'))
            .filter_map(|(_, response)| match response {
                ReferenceOr::Item(r) => Some(r),
                ReferenceOr::Reference { reference } => reference
                    .strip_prefix("#/components/responses/")
                    .and_then(|name| self.spec.components.as_ref()?.responses.get(name))
                    .and_then(|r| match r {
                        ReferenceOr::Item(r) => Some(r),
                        ReferenceOr::Reference { .. } => None,
                    }),
            })
            .flat_map(|r| r.content.iter())
            .filter(|(media, _)| media.contains("json"))
            .find_map(|(_, media)| media.schema.clone())
            .ok_or_else(|| "the operation has no JSON success body to page through".to_string())?;
        let mut current = schema;
        for token in pointer.split('/').skip(1) {
            let token = token.replace("~1", "/").replace("~0", "~");
            let resolved = self
                .resolve_schema(&current)
                .ok_or_else(|| format!("`{pointer}` does not resolve in the success body"))?;
            let SchemaKind::Type(Type::Object(object)) = &resolved.schema_kind else {
                return Err(format!(
                    "`{pointer}`: `{token}` is not a property of an object in the success body"
                ));
            };
            let next = object.properties.get(&token).ok_or_else(|| {
                format!("`{pointer}`: the success body has no property `{token}` there")
            })?;
            current = match next {
                ReferenceOr::Item(s) => ReferenceOr::Item((**s).clone()),
                ReferenceOr::Reference { reference } => ReferenceOr::Reference {
                    reference: reference.clone(),
                },
            };
        }
        let resolved = self
            .resolve_schema(&current)
            .ok_or_else(|| format!("`{pointer}` does not resolve in the success body"))?;
        let SchemaKind::Type(Type::Array(array)) = &resolved.schema_kind else {
            return Err(format!("`{pointer}` is not an array in the success body"));
        };
        Ok(match &array.items {
            Some(ReferenceOr::Reference { reference }) => reference
                .strip_prefix("#/components/schemas/")
                .and_then(|key| self.type_names.get(key))
                .map_or(TypeRef::Json, |name| TypeRef::Named(name.clone())),
            _ => TypeRef::Json,
        })
    }

    /// The operation's group: `x-group` (a non-empty string), else its first tag, else the first
    /// segment of `path` that is neither a parameter nor a version (`/v1/jobs/{id}` -> `jobs`),
    /// else `root`.
    fn group(&mut self, op: &openapiv3::Operation, path: &str, at: &str) -> String {
        if let Some(value) = op.extensions.get("x-group") {
            match value.as_str().map(str::trim) {
                Some(group) if !group.is_empty() => return group.to_string(),
                _ => self.warn(
                    &format!("{at}/x-group"),
                    "`x-group` must be a non-empty string: the operation is grouped by its tag \
                     or path",
                ),
            }
        }
        if let Some(tag) = op.tags.iter().find(|t| !t.trim().is_empty()) {
            return tag.clone();
        }
        let is_version = |s: &str| {
            s.strip_prefix(['v', 'V'])
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == '.'))
        };
        path.split('/')
            .find(|s| !s.is_empty() && !s.contains('{') && !is_version(s))
            .unwrap_or("root")
            .to_string()
    }

    /// `x-fallback-paths`: a list of path templates with the same path parameters as `path`,
    /// on an operation that is free and whose request can be built again.
    fn fallback_paths(
        &mut self,
        op: &openapiv3::Operation,
        path: &str,
        cost: &Option<Cost>,
        body: &RequestBody,
        at: &str,
    ) -> Vec<String> {
        let Some(value) = op.extensions.get("x-fallback-paths") else {
            return Vec::new();
        };
        let at = format!("{at}/x-fallback-paths");
        let Some(items) = value.as_array() else {
            self.error(&at, "`x-fallback-paths` must be a list of path templates");
            return Vec::new();
        };
        if cost.as_ref().is_some_and(|c| c.amount > 0.0) {
            self.error(
                &at,
                "`x-fallback-paths` on a billable operation: the request sent to a missing \
                 path may be billed, so the client does not try another",
            );
            return Vec::new();
        }
        if matches!(body, RequestBody::Multipart(_)) {
            self.error(
                &at,
                "`x-fallback-paths` on a multipart operation: its files are streamed once and \
                 cannot be sent to a second path",
            );
            return Vec::new();
        }
        let sorted = |path: &str| {
            let mut names = crate::repair::template_names(path);
            names.sort_unstable();
            names
        };
        let wanted = sorted(path);
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let item_at = format!("{at}/{i}");
            let Some(alt) = item.as_str().filter(|p| p.starts_with('/')) else {
                self.error(
                    &item_at,
                    "a fallback path must be a string starting with `/`",
                );
                continue;
            };
            if alt == path || out.iter().any(|p| p == alt) {
                self.error(&item_at, format!("fallback path `{alt}` is given twice"));
                continue;
            }
            if sorted(alt) != wanted {
                self.error(
                    &item_at,
                    format!("fallback path `{alt}` must name the same path parameters as `{path}`"),
                );
                continue;
            }
            out.push(alt.to_string());
        }
        out
    }

    fn cost(&mut self, op: &openapiv3::Operation, at: &str) -> Option<Cost> {
        let value = op.extensions.get("x-cost")?;
        let at = format!("{at}/x-cost");
        let Some(obj) = value.as_object() else {
            self.error(&at, "`x-cost` must be a mapping with `amount` and `unit`");
            return None;
        };
        let Some(amount) = obj.get("amount").and_then(Value::as_f64) else {
            self.error(&format!("{at}/amount"), "`x-cost.amount` must be a number");
            return None;
        };
        let unit = match obj.get("unit") {
            Some(Value::String(u)) => u.clone(),
            _ => {
                self.error(&format!("{at}/unit"), "`x-cost.unit` must be a string");
                return None;
            }
        };
        if amount < 0.0 {
            self.error(
                &format!("{at}/amount"),
                "`x-cost.amount` must not be negative",
            );
            return None;
        }
        let billed_statuses = match obj.get("billedStatuses") {
            None => Vec::new(),
            Some(Value::Array(items)) => {
                let codes: Vec<u16> = items
                    .iter()
                    .filter_map(Value::as_u64)
                    .filter(|c| (100..=599).contains(c))
                    .map(|c| c as u16)
                    .collect();
                if codes.len() != items.len() {
                    self.error(
                        &format!("{at}/billedStatuses"),
                        "`x-cost.billedStatuses` must be a list of HTTP status codes",
                    );
                    return None;
                }
                codes
            }
            Some(_) => {
                self.error(
                    &format!("{at}/billedStatuses"),
                    "`x-cost.billedStatuses` must be a list of HTTP status codes",
                );
                return None;
            }
        };
        (amount > 0.0).then(|| Cost {
            amount,
            unit,
            billed_statuses,
            description: obj
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }

    fn resolve_parameter<'p>(
        &mut self,
        param: &'p ReferenceOr<OaParameter>,
        at: &str,
    ) -> Option<&'p OaParameter>
    where
        'a: 'p,
    {
        match param {
            ReferenceOr::Item(p) => Some(p),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/parameters/");
                let found = name.and_then(|name| {
                    self.spec
                        .components
                        .as_ref()
                        .and_then(|c| c.parameters.get(name))
                });
                match found {
                    Some(ReferenceOr::Item(p)) => Some(p),
                    _ => {
                        self.error(
                            at,
                            format!("parameter `$ref` `{reference}` does not resolve"),
                        );
                        None
                    }
                }
            }
        }
    }

    fn parameters(
        &mut self,
        op_id: &str,
        path_params: &[ReferenceOr<OaParameter>],
        op_params: &[ReferenceOr<OaParameter>],
        at: &str,
    ) -> Vec<Parameter> {
        let mut out: Vec<(Parameter, String)> = Vec::new();
        let all = path_params
            .iter()
            .enumerate()
            .map(|(i, p)| (p, format!("{}/parameters/{i}", parent(at))))
            .chain(
                op_params
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p, format!("{at}/parameters/{i}"))),
            )
            .collect::<Vec<_>>();
        for (param, p_at) in all {
            let Some(param) = self.resolve_parameter(param, &p_at) else {
                continue;
            };
            let (location, data, style) = match param {
                OaParameter::Path {
                    parameter_data,
                    style,
                } => (
                    "path",
                    parameter_data,
                    (!matches!(style, openapiv3::PathStyle::Simple)).then(|| format!("{style:?}")),
                ),
                OaParameter::Query {
                    parameter_data,
                    style,
                    ..
                } => (
                    "query",
                    parameter_data,
                    (!matches!(style, openapiv3::QueryStyle::Form)).then(|| format!("{style:?}")),
                ),
                OaParameter::Header {
                    parameter_data,
                    style,
                } => (
                    "header",
                    parameter_data,
                    (!matches!(style, openapiv3::HeaderStyle::Simple))
                        .then(|| format!("{style:?}")),
                ),
                OaParameter::Cookie { parameter_data, .. } => {
                    let name = parameter_data.name.clone();
                    self.fallback(
                        "cookie parameter",
                        &p_at,
                        format!(
                            "cookie parameter `{name}` is not supported: left out (set it with a \
                             custom reqwest client)"
                        ),
                    );
                    continue;
                }
            };
            let name = data.name.clone();
            let mut limits = Limits::default();
            let mut nullable = false;
            let (kind, example, ty) = match &data.format {
                ParameterSchemaOrContent::Content(_) => {
                    self.fallback(
                        "content parameter",
                        &p_at,
                        format!(
                            "parameter `{name}` is described by `content`: sent as a raw string \
                             the caller encodes"
                        ),
                    );
                    (ScalarKind::String, None, TypeRef::String)
                }
                ParameterSchemaOrContent::Schema(schema) => {
                    let kind = self.scalar_kind(schema);
                    let example = self.doc_example(data.example.as_ref(), schema);
                    let schema_nullable = self
                        .resolve_schema(schema)
                        .is_some_and(|s| s.schema_data.nullable);
                    if let Some(style) = &style {
                        self.fallback(
                            "parameter style",
                            &p_at,
                            format!(
                                "parameter `{name}` has style `{}`: sent as a raw string the \
                                 caller formats",
                                lower_first(style)
                            ),
                        );
                        (ScalarKind::String, None, TypeRef::String)
                    } else if location != "query" && (kind == ScalarKind::Other || schema_nullable)
                    {
                        self.fallback(
                            "non-scalar parameter",
                            &p_at,
                            format!(
                                "{location} parameter `{name}` is not a plain string, number or \
                                 boolean: sent as a raw string the caller formats"
                            ),
                        );
                        (ScalarKind::String, None, TypeRef::String)
                    } else {
                        let hint = format!("{op_id} {name}");
                        let ty = self.type_of(schema, &hint, &format!("{p_at}/schema"));
                        limits = self.limits(schema);
                        nullable = schema_nullable;
                        (kind, example, ty)
                    }
                }
            };
            let lowered = Parameter {
                name: data.name.clone(),
                rust_name: String::new(),
                location: location.to_string(),
                required: data.required || location == "path",
                kind,
                ty,
                nullable,
                description: data.description.clone(),
                pointer: p_at.clone(),
                example,
                limits,
            };
            // An operation parameter overrides a path-level one of the same name and location.
            out.retain(|(p, _)| !(p.name == lowered.name && p.location == lowered.location));
            out.push((lowered, p_at));
        }
        let out: Vec<(Parameter, String)> = out
            .into_iter()
            .filter(|(p, p_at)| {
                if p.name.is_empty() {
                    self.fallback("parameter", p_at, "a parameter without a name: left out");
                }
                !p.name.is_empty()
            })
            .collect();
        out.into_iter().map(|(p, _)| p).collect()
    }

    /// The limits a scalar parameter schema declares (none for other schemas).
    fn limits(&self, schema: &ReferenceOr<Schema>) -> Limits {
        match self.resolve_schema(schema) {
            Some(schema) => limits_of(schema),
            None => Limits::default(),
        }
    }

    /// The limits declared on the top-level properties of an object body schema, by property
    /// name, in schema order.
    fn field_limits(&self, schema: &ReferenceOr<Schema>) -> Vec<(String, Limits)> {
        let Some(SchemaKind::Type(Type::Object(object))) =
            self.resolve_schema(schema).map(|s| &s.schema_kind)
        else {
            return Vec::new();
        };
        object
            .properties
            .iter()
            .filter_map(|(name, property)| {
                let limits = match property {
                    ReferenceOr::Item(schema) => limits_of(schema),
                    ReferenceOr::Reference { reference } => self.limits(&ReferenceOr::Reference {
                        reference: reference.clone(),
                    }),
                };
                (!limits.is_empty()).then(|| (name.clone(), limits))
            })
            .collect()
    }

    fn resolve_schema<'s>(&self, schema: &'s ReferenceOr<Schema>) -> Option<&'s Schema>
    where
        'a: 's,
    {
        let mut current = schema;
        for _ in 0..32 {
            match current {
                ReferenceOr::Item(s) => return Some(s),
                ReferenceOr::Reference { reference } => {
                    let name = reference.strip_prefix("#/components/schemas/")?;
                    current = self.spec.components.as_ref()?.schemas.get(name)?;
                }
            }
        }
        None
    }

    /// A value to show in docs for a value of `schema`: `explicit` (a parameter's own
    /// `example`), else the schema's `example`, else its first `enum` value. `None` for a
    /// string whose `format` makes it another Rust type than `String`.
    fn doc_example(&self, explicit: Option<&Value>, schema: &ReferenceOr<Schema>) -> Option<Value> {
        let resolved = self.resolve_schema(schema)?;
        if let SchemaKind::Type(Type::String(s)) = &resolved.schema_kind {
            let plain = match &s.format {
                openapiv3::VariantOrUnknownOrEmpty::Empty => true,
                openapiv3::VariantOrUnknownOrEmpty::Item(f) => {
                    matches!(f, openapiv3::StringFormat::Password)
                }
                openapiv3::VariantOrUnknownOrEmpty::Unknown(f) => {
                    matches!(f.as_str(), "uri" | "url" | "email" | "hostname")
                }
            };
            if !plain {
                return None;
            }
        }
        let given = explicit.or(resolved.schema_data.example.as_ref());
        given.filter(|v| !v.is_null()).cloned().or_else(|| {
            match &resolved.schema_kind {
                SchemaKind::Type(Type::String(s)) => s.enumeration.iter().flatten().next(),
                _ => None,
            }
            .map(|first| Value::String(first.clone()))
        })
    }

    /// For a string `enum` schema: its `example` if that is one of the values, else the first
    /// value.
    fn enum_example(&self, schema: &ReferenceOr<Schema>) -> Option<Value> {
        let resolved = self.resolve_schema(schema)?;
        let SchemaKind::Type(Type::String(s)) = &resolved.schema_kind else {
            return None;
        };
        let values: Vec<&String> = s.enumeration.iter().flatten().collect();
        let example = resolved
            .schema_data
            .example
            .as_ref()
            .and_then(Value::as_str);
        let chosen = match example {
            Some(e) if values.iter().any(|v| v.as_str() == e) => e,
            _ => values.first()?.as_str(),
        };
        Some(Value::String(chosen.to_owned()))
    }

    fn scalar_kind(&self, schema: &ReferenceOr<Schema>) -> ScalarKind {
        match self.resolve_schema(schema).map(|s| &s.schema_kind) {
            Some(SchemaKind::Type(Type::String(_))) => ScalarKind::String,
            Some(SchemaKind::Type(Type::Integer(_))) => ScalarKind::Integer,
            Some(SchemaKind::Type(Type::Number(_))) => ScalarKind::Number,
            Some(SchemaKind::Type(Type::Boolean(_))) => ScalarKind::Boolean,
            _ => ScalarKind::Other,
        }
    }

    fn request_body(&mut self, op: &openapiv3::Operation, op_id: &str, at: &str) -> RequestBody {
        let Some(body) = &op.request_body else {
            return RequestBody::None;
        };
        let body_at = format!("{at}/requestBody");
        let body = match body {
            ReferenceOr::Item(b) => b,
            ReferenceOr::Reference { reference } => {
                let found = reference
                    .strip_prefix("#/components/requestBodies/")
                    .and_then(|n| {
                        self.spec
                            .components
                            .as_ref()
                            .and_then(|c| c.request_bodies.get(n))
                    });
                match found {
                    Some(ReferenceOr::Item(b)) => b,
                    _ => {
                        self.error(
                            &body_at,
                            format!("request body `$ref` `{reference}` does not resolve"),
                        );
                        return RequestBody::None;
                    }
                }
            }
        };
        let Some(chosen) = body.content.keys().min_by_key(|k| media_rank(k)).cloned() else {
            return RequestBody::None;
        };
        // The others go as raw bytes with `send_body`.
        let (other_media_types, unreachable): (Vec<String>, Vec<String>) = body
            .content
            .keys()
            .filter(|m| **m != chosen)
            .cloned()
            .partition(|m| sendable_as_raw_body(m));
        if !other_media_types.is_empty() || !unreachable.is_empty() {
            let list = |types: &[String]| {
                types
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut message =
                format!("several request media types: the typed body is sent as `{chosen}`");
            if !other_media_types.is_empty() {
                message.push_str(&format!(
                    "; {} as raw bytes with `send_body`",
                    list(&other_media_types)
                ));
            }
            if !unreachable.is_empty() {
                message.push_str(&format!("; not {}", list(&unreachable)));
            }
            self.fallback(
                "several media types",
                &format!("{body_at}/content"),
                message,
            );
        }
        let media = &body.content[&chosen];
        let media_at = format!("{body_at}/content/{}", escape_pointer_token(&chosen));
        if media_rank(&chosen) == RANK_MULTIPART {
            return self.multipart_body(body, media, op_id, &media_at, other_media_types);
        }
        let essence = media_essence(&chosen);
        let (encoding, media_type) = match media_rank(&chosen) {
            1 | 2 => (BodyEncoding::Json, chosen.clone()),
            3 => (BodyEncoding::Form, chosen.clone()),
            _ if essence.starts_with("text/") && sendable_media_type(&chosen) => {
                (BodyEncoding::Text, chosen.clone())
            }
            _ if sendable_media_type(&chosen) => (BodyEncoding::Bytes, chosen.clone()),
            _ => {
                self.fallback(
                    "raw body",
                    &media_at,
                    format!(
                        "request media type `{chosen}` is not a media type to send: the body is \
                         raw bytes sent as `application/octet-stream`"
                    ),
                );
                (BodyEncoding::Bytes, "application/octet-stream".to_string())
            }
        };
        let ty = match encoding {
            BodyEncoding::Json | BodyEncoding::Form => {
                if !media.encoding.is_empty() {
                    self.fallback(
                        "encoding",
                        &format!("{media_at}/encoding"),
                        "a request `encoding` is not supported: ignored",
                    );
                }
                match &media.schema {
                    Some(schema) => self.type_of(
                        schema,
                        &format!("{op_id} body"),
                        &format!("{media_at}/schema"),
                    ),
                    None => {
                        self.fallback(
                            "json without schema",
                            &media_at,
                            "a request body without a schema: sent as serde_json::Value",
                        );
                        TypeRef::Json
                    }
                }
            }
            BodyEncoding::Text => TypeRef::String,
            BodyEncoding::Bytes => {
                let schema_type = media
                    .schema
                    .as_ref()
                    .and_then(|s| self.resolve_schema(s))
                    .map(|s| &s.schema_kind);
                if schema_type.is_some_and(|k| !matches!(k, SchemaKind::Type(Type::String(_)))) {
                    self.fallback(
                        "raw body",
                        &format!("{media_at}/schema"),
                        format!(
                            "a `{media_type}` body is sent as raw bytes the caller encodes, \
                             whatever its schema says"
                        ),
                    );
                }
                TypeRef::Json
            }
        };
        let field_limits = match (encoding, &media.schema) {
            (BodyEncoding::Json | BodyEncoding::Form, Some(schema)) => self.field_limits(schema),
            _ => Vec::new(),
        };
        let required_when = match encoding {
            BodyEncoding::Json | BodyEncoding::Form => {
                self.required_when(&format!("{media_at}/schema"), &|_| true)
            }
            _ => Vec::new(),
        };
        RequestBody::Typed(TypedBody {
            media_type,
            encoding,
            ty,
            required: body.required,
            description: body.description.clone(),
            other_media_types,
            field_limits,
            required_when,
        })
    }

    /// A `multipart/form-data` body: a setter per property of its object schema, or, for a
    /// schema that gives no properties, a form the caller fills part by part.
    fn multipart_body(
        &mut self,
        body: &openapiv3::RequestBody,
        media: &MediaType,
        op_id: &str,
        media_at: &str,
        other_media_types: Vec<String>,
    ) -> RequestBody {
        let mut object = media
            .schema
            .as_ref()
            .and_then(|s| self.resolve_schema(s))
            .and_then(|s| match &s.schema_kind {
                SchemaKind::Type(Type::Object(object)) if !object.properties.is_empty() => {
                    Some(object.clone())
                }
                _ => None,
            });
        let mut choice = None;
        if object.is_none()
            && let Some((properties, found)) = self.required_choice(&format!("{media_at}/schema"))
        {
            object = Some(properties);
            choice = Some(found);
        }
        let mut fields = Vec::new();
        let open = object.is_none();
        match object {
            None => self.fallback(
                "open multipart",
                media_at,
                "a multipart body whose schema gives no properties: the builder takes form \
                 parts by name (`text_part`, `file_part`)",
            ),
            Some(object) => {
                for (name, prop) in &object.properties {
                    let prop_schema = match prop {
                        ReferenceOr::Item(s) => ReferenceOr::Item((**s).clone()),
                        ReferenceOr::Reference { reference } => ReferenceOr::Reference {
                            reference: reference.clone(),
                        },
                    };
                    let p_at = format!(
                        "{media_at}/schema/properties/{}",
                        escape_pointer_token(name)
                    );
                    let kind = self.field_kind(op_id, name, &prop_schema, &p_at);
                    let description = self
                        .resolve_schema(&prop_schema)
                        .and_then(|s| s.schema_data.description.clone());
                    let example = match &kind {
                        FieldKind::Named(_) => self.enum_example(&prop_schema),
                        _ => self.doc_example(None, &prop_schema),
                    };
                    fields.push(MultipartField {
                        name: name.clone(),
                        rust_name: String::new(),
                        required: object.required.contains(name),
                        kind,
                        description,
                        example,
                    });
                }
            }
        }
        // A field decided on must be one whose value reads as text (a scalar or an enum).
        let readable = |name: &str| {
            fields.iter().any(|f: &MultipartField| {
                f.name == name && matches!(f.kind, FieldKind::Scalar(_) | FieldKind::Named(_))
            })
        };
        let required_when = if open {
            Vec::new()
        } else {
            self.required_when(&format!("{media_at}/schema"), &readable)
        };
        if let Some(choice) = &mut choice {
            choice.typed = self.typed_choice(
                choice,
                &fields,
                &required_when,
                &format!("{media_at}/schema"),
            );
        }
        RequestBody::Multipart(MultipartBody {
            required: body.required,
            fields,
            open,
            description: body.description.clone(),
            other_media_types,
            choice,
            required_when,
        })
    }

    /// A choice of exactly one of single, optional fields, no `x-required-when` rule naming
    /// any, becomes one enum the builder takes; its setter is named by `x-choice-name` on the
    /// schema, else by the fields (`url_or_file`). The names are made unique later.
    fn typed_choice(
        &mut self,
        choice: &RequiredChoice,
        fields: &[MultipartField],
        rules: &[RequiredWhen],
        at: &str,
    ) -> Option<TypedChoice> {
        let named = self
            .raw_schema(at)
            .map(|(raw, pointer)| (raw.get("x-choice-name").cloned(), pointer));
        let chosen: Vec<&str> = choice.groups.iter().map(|g| g[0].as_str()).collect();
        let mut seen = BTreeSet::new();
        let typed = choice.exactly_one
            && choice.groups.iter().all(|g| g.len() == 1)
            && chosen.iter().all(|name| seen.insert(*name))
            && !fields
                .iter()
                .any(|f| f.required && chosen.contains(&f.name.as_str()))
            && !rules
                .iter()
                .any(|r| chosen.contains(&r.field.as_str()) || chosen.contains(&r.when.as_str()));
        if !typed {
            if let Some((Some(_), pointer)) = named {
                self.warn(
                    &format!("{pointer}/x-choice-name"),
                    "`x-choice-name` names a `oneOf` of single optional fields, which this \
                     choice is not: ignored (the choice is checked before sending)",
                );
            }
            return None;
        }
        let wanted = match named {
            Some((Some(Value::String(name)), _)) if !name.trim().is_empty() => {
                names::snake_ident(&name)
            }
            Some((Some(_), pointer)) => {
                self.error(
                    &format!("{pointer}/x-choice-name"),
                    "`x-choice-name` must be a non-empty string: the name of the setter that \
                     takes the choice (see docs/spec-extensions.md)",
                );
                return None;
            }
            _ => names::snake_ident(&chosen.join("_or_")),
        };
        let mut variants = Namespace::default();
        Some(TypedChoice {
            wanted,
            setter: String::new(),
            type_name: String::new(),
            variants: chosen
                .iter()
                .map(|name| {
                    (
                        name.to_string(),
                        variants.claim(&names::type_name(name), ""),
                    )
                })
                .collect(),
        })
    }

    /// The raw schema at `at` in the document, through `$ref`s, and its pointer.
    fn raw_schema(&self, at: &str) -> Option<(&Value, String)> {
        let mut pointer = at.to_string();
        let mut raw = self.doc.value.pointer(at)?;
        for _ in 0..32 {
            match raw.get("$ref").and_then(Value::as_str) {
                Some(reference) => {
                    pointer = reference.strip_prefix('#')?.to_string();
                    raw = self.doc.value.pointer(&pointer)?;
                }
                None => return Some((raw, pointer)),
            }
        }
        None
    }

    /// `x-required-when` on the object schema at `at`: `{field: {other: [values]}}`, each
    /// field and `other` a property of the schema (`other` one that `readable` accepts).
    fn required_when(&mut self, at: &str, readable: &dyn Fn(&str) -> bool) -> Vec<RequiredWhen> {
        let Some((raw, pointer)) = self.raw_schema(at) else {
            return Vec::new();
        };
        let Some(extension) = raw.get("x-required-when") else {
            return Vec::new();
        };
        let ext_at = format!("{pointer}/x-required-when");
        let properties: Vec<String> = raw
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        let mut out = Vec::new();
        let mut problems = Vec::new();
        match extension.as_object() {
            None => problems.push((
                ext_at.clone(),
                "`x-required-when` must map a property to `{property: [values]}`".to_string(),
            )),
            Some(rules) => {
                for (field, condition) in rules {
                    let rule_at = format!("{ext_at}/{}", escape_pointer_token(field));
                    if !properties.contains(field) {
                        problems.push((
                            rule_at,
                            format!("`{field}` is not a property of the schema"),
                        ));
                        continue;
                    }
                    let Some((when, values)) = condition
                        .as_object()
                        .filter(|c| c.len() == 1)
                        .and_then(|c| c.iter().next())
                    else {
                        problems.push((
                            rule_at,
                            format!("the condition on `{field}` must be one `property: [values]`"),
                        ));
                        continue;
                    };
                    if !properties.contains(when) || !readable(when) {
                        problems.push((
                            rule_at,
                            format!("`{when}` is not a scalar or enum property of the schema"),
                        ));
                        continue;
                    }
                    let values: Option<Vec<String>> = values.as_array().map(|vs| {
                        vs.iter()
                            .filter_map(|v| match v {
                                Value::String(s) => Some(s.clone()),
                                Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
                                _ => None,
                            })
                            .collect()
                    });
                    match values {
                        Some(values) if !values.is_empty() => out.push(RequiredWhen {
                            field: field.clone(),
                            when: when.clone(),
                            values,
                        }),
                        _ => problems.push((
                            rule_at,
                            format!("the values of `{when}` that require `{field}` must be a list"),
                        )),
                    }
                }
            }
        }
        for (at, message) in problems {
            self.error(&at, message);
        }
        out
    }

    /// An object schema (at `at` in the document, through `$ref`s) whose properties come with a
    /// `oneOf` or `anyOf` that only lists `required` groups of them, the usual way to say "send
    /// `url` or `file`": the object without that keyword, and the groups.
    fn required_choice(&self, at: &str) -> Option<(openapiv3::ObjectType, RequiredChoice)> {
        let (raw, _) = self.raw_schema(at)?;
        let map = raw.as_object()?;
        let properties = map.get("properties")?.as_object()?;
        let (keyword, exactly_one) = match (map.get("oneOf"), map.get("anyOf")) {
            (Some(_), None) => ("oneOf", true),
            (None, Some(_)) => ("anyOf", false),
            _ => return None,
        };
        let mut groups = Vec::new();
        for member in map.get(keyword)?.as_array()? {
            let member = member.as_object()?;
            if member.len() != 1 {
                return None;
            }
            let names: Vec<String> = member
                .get("required")?
                .as_array()?
                .iter()
                .map(|n| {
                    n.as_str()
                        .filter(|n| properties.contains_key(*n))
                        .map(str::to_string)
                })
                .collect::<Option<_>>()?;
            if names.is_empty() {
                return None;
            }
            groups.push(names);
        }
        if groups.len() < 2 {
            return None;
        }
        let mut plain = map.clone();
        plain.remove(keyword);
        let schema: Schema = serde_json::from_value(Value::Object(plain)).ok()?;
        match schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => Some((
                object,
                RequiredChoice {
                    exactly_one,
                    groups,
                    typed: None,
                },
            )),
            _ => None,
        }
    }

    fn field_kind(
        &mut self,
        op_id: &str,
        field: &str,
        schema: &ReferenceOr<Schema>,
        at: &str,
    ) -> FieldKind {
        if let ReferenceOr::Reference { reference } = schema
            && let Some(name) = reference
                .strip_prefix("#/components/schemas/")
                .and_then(|k| self.type_names.get(k))
        {
            return match self.scalar_kind(schema) {
                ScalarKind::Other => FieldKind::Json,
                _ => FieldKind::Named(name.clone()),
            };
        }
        let Some(resolved) = self.resolve_schema(schema) else {
            return FieldKind::Json;
        };
        match &resolved.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                let binary = matches!(
                    &s.format,
                    openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Binary)
                ) || matches!(&s.format, openapiv3::VariantOrUnknownOrEmpty::Unknown(f) if f == "base64" || f == "byte");
                if binary {
                    FieldKind::File
                } else if !s.enumeration.is_empty() {
                    let value = serde_json::to_value(resolved).unwrap_or(Value::Null);
                    let name = self.lift(&format!("{op_id} {field}"), value, at);
                    FieldKind::Named(name)
                } else {
                    FieldKind::Scalar(ScalarKind::String)
                }
            }
            SchemaKind::Type(Type::Integer(_)) => FieldKind::Scalar(ScalarKind::Integer),
            SchemaKind::Type(Type::Number(_)) => FieldKind::Scalar(ScalarKind::Number),
            SchemaKind::Type(Type::Boolean(_)) => FieldKind::Scalar(ScalarKind::Boolean),
            _ => FieldKind::Json,
        }
    }

    fn resolve_response<'r>(
        &mut self,
        response: &'r ReferenceOr<Response>,
        at: &str,
    ) -> Option<&'r Response>
    where
        'a: 'r,
    {
        match response {
            ReferenceOr::Item(r) => Some(r),
            ReferenceOr::Reference { reference } => {
                let found = reference
                    .strip_prefix("#/components/responses/")
                    .and_then(|n| {
                        self.spec
                            .components
                            .as_ref()
                            .and_then(|c| c.responses.get(n))
                    });
                match found {
                    Some(ReferenceOr::Item(r)) => Some(r),
                    _ => {
                        self.error(
                            at,
                            format!("response `$ref` `{reference}` does not resolve"),
                        );
                        None
                    }
                }
            }
        }
    }

    /// The 2xx responses, resolved, with their statuses (unresolvable ones are left out: the
    /// validate stage reports them).
    fn successes<'r>(&self, op: &'r openapiv3::Operation) -> Vec<(StatusMatch, &'r Response)>
    where
        'a: 'r,
    {
        op.responses
            .responses
            .iter()
            .filter_map(|(code, response)| {
                let status = match code {
                    StatusCode::Code(c) if (200..300).contains(c) => StatusMatch::Code(*c),
                    StatusCode::Range(2) => StatusMatch::Range(2),
                    _ => return None,
                };
                let response = match response {
                    ReferenceOr::Item(r) => r,
                    ReferenceOr::Reference { reference } => {
                        let name = reference.strip_prefix("#/components/responses/")?;
                        match self.spec.components.as_ref()?.responses.get(name)? {
                            ReferenceOr::Item(r) => r,
                            ReferenceOr::Reference { .. } => return None,
                        }
                    }
                };
                Some((status, response))
            })
            .collect()
    }

    /// The success statuses and their body: the first 2xx with a body decides it, and every
    /// 2xx with the same content shares it; 2xx without a body beside it give `None`.
    fn success(&mut self, op: &openapiv3::Operation, op_id: &str, at: &str) -> Success {
        let successes = self.successes(op);
        if successes.is_empty() {
            return Success {
                statuses: Vec::new(),
                body: SuccessBody::Stream,
                empty: Vec::new(),
            };
        }
        let Some((first_status, first)) = successes
            .iter()
            .find(|(_, r)| !r.content.is_empty())
            .cloned()
        else {
            return Success {
                statuses: successes.iter().map(|(s, _)| *s).collect(),
                body: SuccessBody::Empty,
                empty: Vec::new(),
            };
        };
        let mut statuses = Vec::new();
        let mut empty = Vec::new();
        for (status, response) in &successes {
            if response.content.is_empty() {
                empty.push(*status);
            } else if same_bodies(&response.content, &first.content) {
                statuses.push(*status);
            } else {
                self.fallback(
                    "several success bodies",
                    &format!("{at}/responses/{}", status_key(*status)),
                    format!(
                        "success status {} has another body than {}: it is returned as an \
                         undocumented status, with its raw body",
                        status_key(*status),
                        status_key(first_status)
                    ),
                );
            }
        }
        let body = match first.content.iter().find(|(mt, _)| is_json_media_type(mt)) {
            None => SuccessBody::Stream,
            Some((mt, media)) => match &media.schema {
                Some(schema) => {
                    let m_at = format!(
                        "{at}/responses/{}/content/{}/schema",
                        status_key(first_status),
                        escape_pointer_token(mt)
                    );
                    SuccessBody::Json(self.type_of(schema, &format!("{op_id} response"), &m_at))
                }
                None => {
                    self.fallback(
                        "json without schema",
                        &format!(
                            "{at}/responses/{}/content/{}",
                            status_key(first_status),
                            escape_pointer_token(mt)
                        ),
                        "a JSON response without a schema: decoded as serde_json::Value",
                    );
                    SuccessBody::Json(TypeRef::Json)
                }
            },
        };
        Success {
            statuses,
            body,
            empty,
        }
    }

    fn errors(&mut self, op: &openapiv3::Operation, op_id: &str, at: &str) -> Vec<ErrorResponse> {
        let mut out = Vec::new();
        let mut entries: Vec<(StatusMatch, String, &ReferenceOr<Response>)> = Vec::new();
        for (code, response) in &op.responses.responses {
            let (status, token) = match code {
                StatusCode::Code(c) => (StatusMatch::Code(*c), c.to_string()),
                StatusCode::Range(r) => (StatusMatch::Range(*r), format!("{r}XX")),
            };
            let is_success = match status {
                StatusMatch::Code(c) => (100..300).contains(&c),
                StatusMatch::Range(r) => r <= 2,
                StatusMatch::Default => false,
            };
            if !is_success {
                entries.push((status, token, response));
            }
        }
        if let Some(default) = &op.responses.default {
            entries.push((StatusMatch::Default, "default".into(), default));
        }
        entries.sort_by_key(|(s, _, _)| *s);
        let mut used_variants = BTreeSet::new();
        for (status, token, response) in entries {
            let r_at = format!("{at}/responses/{token}");
            let Some(response) = self.resolve_response(response, &r_at) else {
                continue;
            };
            let mut variant = names::status_variant(status);
            if !used_variants.insert(variant.clone()) {
                variant = format!("{variant}{token}");
                used_variants.insert(variant.clone());
            }
            let (body, message_field) = self.error_body(op_id, &variant, response, &r_at);
            let headers = response
                .headers
                .iter()
                .filter_map(|(name, header)| {
                    let header = match header {
                        ReferenceOr::Item(h) => h,
                        ReferenceOr::Reference { .. } => return None,
                    };
                    let kind = match &header.format {
                        ParameterSchemaOrContent::Schema(schema) => self.scalar_kind(schema),
                        ParameterSchemaOrContent::Content(_) => ScalarKind::String,
                    };
                    Some(HeaderDef {
                        name: name.clone(),
                        kind,
                        description: header.description.clone(),
                    })
                })
                .collect();
            let retry_after_pointer = match response.extensions.get("x-retry-after") {
                None => None,
                Some(Value::String(p)) if p.is_empty() || p.starts_with('/') => Some(p.clone()),
                Some(_) => {
                    self.error(
                        &format!("{r_at}/x-retry-after"),
                        "`x-retry-after` must be a JSON pointer such as /retry_after",
                    );
                    None
                }
            };
            let retryable = match response.extensions.get("x-retryable") {
                None => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => {
                    self.error(
                        &format!("{r_at}/x-retryable"),
                        "`x-retryable` must be a boolean",
                    );
                    false
                }
            };
            out.push(ErrorResponse {
                status,
                variant,
                description: response.description.clone(),
                body,
                headers,
                retry_after_pointer,
                retryable,
                billed: false,
                message_field,
            });
        }
        out
    }

    fn error_body(
        &mut self,
        op_id: &str,
        variant: &str,
        response: &Response,
        at: &str,
    ) -> (ErrorBody, Option<String>) {
        if response.content.is_empty() {
            return (ErrorBody::Empty, None);
        }
        let json = response
            .content
            .iter()
            .find(|(mt, _)| is_json_media_type(mt));
        let Some((mt, media)) = json else {
            let text = response.content.keys().any(|mt| mt.starts_with("text/"));
            return (
                if text {
                    ErrorBody::Text
                } else {
                    ErrorBody::Bytes
                },
                None,
            );
        };
        let m_at = format!("{at}/content/{}/schema", escape_pointer_token(mt));
        self.json_body_type(op_id, variant, media, &m_at)
    }

    fn json_body_type(
        &mut self,
        op_id: &str,
        variant: &str,
        media: &MediaType,
        at: &str,
    ) -> (ErrorBody, Option<String>) {
        let Some(schema) = &media.schema else {
            return (ErrorBody::JsonValue, None);
        };
        let message_field = self.message_field(schema);
        if let ReferenceOr::Reference { reference } = schema {
            if let Some(name) = reference
                .strip_prefix("#/components/schemas/")
                .and_then(|k| self.type_names.get(k))
            {
                return (ErrorBody::Json(name.clone()), message_field);
            }
            return (ErrorBody::JsonValue, None);
        }
        let value = serde_json::to_value(schema).unwrap_or(Value::Null);
        let name = self.lift(&format!("{op_id} {variant} body"), value, at);
        (ErrorBody::Json(name), message_field)
    }

    /// A required, non-nullable string property worth quoting in `Display`.
    fn message_field(&self, schema: &ReferenceOr<Schema>) -> Option<String> {
        let resolved = self.resolve_schema(schema)?;
        let SchemaKind::Type(Type::Object(object)) = &resolved.schema_kind else {
            return None;
        };
        ["message", "error", "detail", "error_description", "title"]
            .into_iter()
            .find(|candidate| {
                object.required.iter().any(|r| r == candidate)
                    && object.properties.get(*candidate).is_some_and(|p| match p {
                        ReferenceOr::Item(s) => {
                            !s.schema_data.nullable
                                && matches!(&s.schema_kind, SchemaKind::Type(Type::String(st)) if st.enumeration.is_empty())
                        }
                        ReferenceOr::Reference { .. } => false,
                    })
            })
            .map(str::to_string)
    }

    fn job(&mut self, op: &openapiv3::Operation, at: &str) -> Option<JobLink> {
        let value = op.extensions.get("x-job")?;
        let at = format!("{at}/x-job");
        let Some(obj) = value.as_object() else {
            self.error(
                &at,
                "`x-job` must be a mapping (see docs/spec-extensions.md)",
            );
            return None;
        };
        let mut ok = true;
        let mut string = |cx: &mut Self, key: &str, required: bool| -> Option<String> {
            match obj.get(key) {
                Some(Value::String(s)) => Some(s.clone()),
                None if !required => None,
                _ => {
                    cx.error(
                        &format!("{at}/{key}"),
                        format!("`x-job.{key}` must be a string"),
                    );
                    ok = false;
                    None
                }
            }
        };
        let status_operation = string(self, "statusOperation", true);
        let id_pointers = match obj.get("idPointer") {
            Some(Value::String(p)) => vec![p.clone()],
            Some(Value::Array(items))
                if !items.is_empty() && items.iter().all(Value::is_string) =>
            {
                items
                    .iter()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect()
            }
            _ => {
                self.error(
                    &format!("{at}/idPointer"),
                    "`x-job.idPointer` must be a JSON pointer or a list of them (tried in order)",
                );
                return None;
            }
        };
        let id_parameter = string(self, "idParameter", true);
        let state_pointer = string(self, "statePointer", true);
        let progress_pointer = string(self, "progressPointer", false);
        let error_pointer = string(self, "errorPointer", false);
        let success_pointer = string(self, "successPointer", false);
        let results_pointer = string(self, "resultsPointer", false);
        let unknown_states = string(self, "unknownStates", false);
        let mut list = |cx: &mut Self, key: &str| -> Vec<String> {
            match obj.get(key) {
                Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                None if key == "pending" => Vec::new(),
                _ => {
                    cx.error(
                        &format!("{at}/{key}"),
                        format!("`x-job.{key}` must be a list of state strings"),
                    );
                    ok = false;
                    Vec::new()
                }
            }
        };
        let pending = list(self, "pending");
        let succeeded = list(self, "succeeded");
        let failed = list(self, "failed");
        let case_insensitive = match obj.get("caseInsensitive") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                self.error(
                    &format!("{at}/caseInsensitive"),
                    "`x-job.caseInsensitive` must be a boolean",
                );
                return None;
            }
        };
        let unknown_pending = match unknown_states.as_deref() {
            // A spec that lists no pending state calls every non-terminal state pending.
            None => pending.is_empty(),
            Some("pending") => true,
            Some("end") => false,
            Some(other) => {
                self.error(
                    &format!("{at}/unknownStates"),
                    format!("`x-job.unknownStates` must be `pending` or `end`, not `{other}`"),
                );
                return None;
            }
        };
        let named_pointers = id_pointers.iter().map(|p| ("idPointer", Some(p))).chain([
            ("statePointer", state_pointer.as_ref()),
            ("progressPointer", progress_pointer.as_ref()),
            ("errorPointer", error_pointer.as_ref()),
            ("successPointer", success_pointer.as_ref()),
            ("resultsPointer", results_pointer.as_ref()),
        ]);
        for (key, p) in named_pointers {
            if let Some(p) = p
                && !p.is_empty()
                && !p.starts_with('/')
            {
                self.error(
                    &format!("{at}/{key}"),
                    format!("`x-job.{key}` must be a JSON pointer starting with `/`"),
                );
                return None;
            }
        }
        if !ok {
            return None;
        }
        Some(JobLink {
            status_operation: status_operation?,
            id_pointers,
            id_parameter: id_parameter?,
            id_kind: ScalarKind::String,
            state_pointer: state_pointer?,
            pending,
            succeeded,
            failed,
            progress_pointer,
            error_pointer,
            case_insensitive,
            success_pointer,
            unknown_pending,
            results_pointer,
        })
    }

    /// Checks each `x-job` against the status operation it names.
    fn link_jobs(&mut self, operations: &mut [Operation]) {
        let by_id: BTreeMap<String, Vec<Parameter>> = operations
            .iter()
            .map(|op| (op.id.clone(), op.parameters.clone()))
            .collect();
        for op in operations.iter_mut() {
            let Some(job) = &mut op.job else { continue };
            let at = format!("{}/x-job", op.pointer);
            let Some(params) = by_id.get(&job.status_operation) else {
                self.error(
                    &format!("{at}/statusOperation"),
                    format!("no operation has operationId `{}`", job.status_operation),
                );
                op.job = None;
                continue;
            };
            match params
                .iter()
                .find(|p| p.name == job.id_parameter && p.location == "path")
            {
                Some(p) if matches!(p.kind, ScalarKind::String | ScalarKind::Integer) => {
                    job.id_kind = p.kind;
                }
                Some(_) => {
                    self.error(
                        &format!("{at}/idParameter"),
                        "the job id parameter must be a string or an integer",
                    );
                    op.job = None;
                }
                None => {
                    self.error(
                        &format!("{at}/idParameter"),
                        format!(
                            "operation `{}` has no path parameter `{}`",
                            job.status_operation, job.id_parameter
                        ),
                    );
                    op.job = None;
                }
            }
        }
    }
}

/// The limits a scalar schema declares (`minimum`, `maximum`, lengths; none for others).
fn limits_of(schema: &Schema) -> Limits {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Integer(t)) => Limits {
            minimum: t.minimum.map(|v| v as f64),
            exclusive_minimum: t.exclusive_minimum && t.minimum.is_some(),
            maximum: t.maximum.map(|v| v as f64),
            exclusive_maximum: t.exclusive_maximum && t.maximum.is_some(),
            ..Limits::default()
        },
        SchemaKind::Type(Type::Number(t)) => Limits {
            minimum: t.minimum.filter(|v| v.is_finite()),
            exclusive_minimum: t.exclusive_minimum && t.minimum.is_some(),
            maximum: t.maximum.filter(|v| v.is_finite()),
            exclusive_maximum: t.exclusive_maximum && t.maximum.is_some(),
            ..Limits::default()
        },
        // Enum values are checked by their type.
        SchemaKind::Type(Type::String(t)) if t.enumeration.is_empty() => Limits {
            min_length: t.min_length,
            max_length: t.max_length,
            ..Limits::default()
        },
        _ => Limits::default(),
    }
}

/// Whether two responses' contents have the same media types with the same schemas (examples
/// and encodings aside).
fn same_bodies(
    a: &indexmap::IndexMap<String, MediaType>,
    b: &indexmap::IndexMap<String, MediaType>,
) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b.iter())
            .all(|((ma, a), (mb, b))| ma == mb && a.schema == b.schema)
}

/// How much a request media type is preferred for the typed body (lowest first): a multipart
/// form first (its parts cannot be sent pre-encoded with `send_body`, the other types can),
/// then JSON, `+json`, a URL-encoded form, bytes and text.
fn media_rank(media_type: &str) -> u8 {
    let essence = media_essence(media_type);
    match essence.as_str() {
        "multipart/form-data" => RANK_MULTIPART,
        "application/json" => 1,
        e if is_json_media_type(e) => 2,
        "application/x-www-form-urlencoded" => 3,
        "application/octet-stream" => 4,
        "text/plain" => 5,
        _ => 6,
    }
}

/// [`media_rank`] of `multipart/form-data`.
const RANK_MULTIPART: u8 = 0;

/// A media type without parameters, lower case.
fn media_essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// `DeepObject` -> `deepObject` (a style's name as OpenAPI spells it, from its Rust variant).
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// The `responses` key of a status.
fn status_key(status: StatusMatch) -> String {
    match status {
        StatusMatch::Code(c) => c.to_string(),
        StatusMatch::Range(d) => format!("{d}XX"),
        StatusMatch::Default => "default".into(),
    }
}

/// A valid `Content-Type` value to send (no wildcard, printable ASCII).
pub(crate) fn sendable_media_type(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    !essence.contains('*')
        && essence.contains('/')
        && media_type.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// A request media type a caller can send pre-encoded with `send_body`: sendable, and not
/// multipart (whose `Content-Type` needs a boundary no documented value carries).
pub(crate) fn sendable_as_raw_body(media_type: &str) -> bool {
    sendable_media_type(media_type) && !media_type.to_ascii_lowercase().starts_with("multipart/")
}

/// True for `application/json` and `+json` media types.
pub fn is_json_media_type(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.to_ascii_lowercase().ends_with("+json")
}

fn parent(pointer: &str) -> &str {
    pointer.rfind('/').map_or("", |i| &pointer[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_media_types() {
        assert!(is_json_media_type("application/json"));
        assert!(is_json_media_type("application/problem+json"));
        assert!(is_json_media_type("application/json; charset=utf-8"));
        assert!(!is_json_media_type("text/plain"));
    }

    #[test]
    fn multipart_is_preferred_then_json_then_forms() {
        let mut types = vec![
            "text/plain",
            "multipart/form-data",
            "application/xml",
            "application/x-www-form-urlencoded",
            "application/merge-patch+json",
            "application/json; charset=utf-8",
        ];
        types.sort_by_key(|t| media_rank(t));
        assert_eq!(
            types,
            [
                "multipart/form-data",
                "application/json; charset=utf-8",
                "application/merge-patch+json",
                "application/x-www-form-urlencoded",
                "text/plain",
                "application/xml"
            ]
        );
    }

    fn with_fallbacks(extensions: &str) -> Result<(Api, Diagnostics), Diagnostics> {
        let text = format!(
            r#"
openapi: 3.0.3
info: {{title: Paths, version: '1'}}
paths:
  /items/{{id}}:
    get:
      operationId: getItem
      {extensions}
      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]
      responses:
        '200': {{description: ok}}
"#
        );
        let doc = crate::load::parse_text("paths.yaml", &text).expect("parses");
        let spec = crate::load::to_openapi(&doc).expect("OpenAPI");
        lower(&doc, &spec)
    }

    #[test]
    fn each_operation_is_in_one_group_with_a_feature() {
        let text = r#"
openapi: 3.0.3
info: {title: Groups, version: '1'}
paths:
  /v2/users/{id}:
    get:
      operationId: getUser
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
    delete:
      operationId: deleteUser
      x-group: Admin Tools
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'204': {description: ok}}
  /pets:
    get:
      operationId: listPets
      tags: [Pet Store, other]
      x-group: 3
      responses: {'200': {description: ok}}
  /{tenant}:
    get:
      operationId: getTenant
      parameters: [{name: tenant, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
"#;
        let doc = crate::load::parse_text("groups.yaml", text).expect("parses");
        let spec = crate::load::to_openapi(&doc).expect("OpenAPI");
        let (api, warnings) = lower(&doc, &spec).expect("lowers");
        let groups: Vec<(&str, &str, &str)> = api
            .operations
            .iter()
            .map(|op| (op.id.as_str(), op.group.as_str(), op.names.feature.as_str()))
            .collect();
        assert_eq!(
            groups,
            [
                ("listPets", "Pet Store", "pet-store"),
                ("getUser", "users", "users"),
                ("deleteUser", "Admin Tools", "admin-tools"),
                ("getTenant", "root", "root"),
            ]
        );
        // An `x-group` that is no string is a warning at its pointer; the tag decides.
        let warning = warnings
            .iter()
            .find(|d| d.pointer.ends_with("/x-group"))
            .expect("a warning for the bad x-group");
        assert_eq!(warning.pointer, "/paths/~1pets/get/x-group");
        assert!(warning.message.contains("must be a non-empty string"));
    }

    /// A form whose schema is `schema` (YAML flow), on operation `upload` (and `uploadSource`,
    /// whose builder takes the name `UploadSource` first).
    fn form_choice(schema: &str) -> Result<Option<TypedChoice>, String> {
        let text = format!(
            r#"
openapi: 3.0.3
info: {{title: Forms, version: '1'}}
paths:
  /a:
    post:
      operationId: upload
      requestBody:
        content:
          multipart/form-data:
            schema: {schema}
      responses: {{'200': {{description: ok}}}}
  /b:
    post:
      operationId: uploadSource
      responses: {{'200': {{description: ok}}}}
"#
        );
        let doc = crate::load::parse_text("forms.yaml", &text).expect("parses");
        let spec = crate::load::to_openapi(&doc).expect("OpenAPI");
        let (api, _) = lower(&doc, &spec).map_err(|ds| {
            ds.errors()
                .map(|d| format!("{}: {}", d.pointer, d.message))
                .collect::<Vec<_>>()
                .join("\n")
        })?;
        let op = api
            .operations
            .iter()
            .find(|op| op.id == "upload")
            .expect("upload");
        Ok(match &op.body {
            RequestBody::Multipart(m) => m.choice.as_ref().and_then(|c| c.typed.clone()),
            _ => None,
        })
    }

    #[test]
    fn a_choice_name_on_a_choice_that_stays_a_check_is_a_warning() {
        let text = "openapi: 3.0.3\ninfo: {title: Forms, version: '1'}\npaths:\n  /a:\n    post:\n      operationId: upload\n      requestBody:\n        content:\n          multipart/form-data:\n            schema: {type: object, x-choice-name: source, anyOf: [{required: [url]}, {required: [file]}], properties: {url: {type: string}, file: {type: string, format: binary}}}\n      responses: {'200': {description: ok}}\n";
        let doc = crate::load::parse_text("forms.yaml", text).expect("parses");
        let spec = crate::load::to_openapi(&doc).expect("OpenAPI");
        let (_, warnings) = lower(&doc, &spec).expect("lowers");
        let found: Vec<String> = warnings
            .iter()
            .map(|d| format!("{}: {}", d.pointer, d.message))
            .collect();
        assert!(
            found
                .iter()
                .any(|w| w.contains("/schema/x-choice-name: `x-choice-name` names a `oneOf`")),
            "{found:#?}"
        );
    }

    #[test]
    fn a_one_of_of_single_optional_fields_is_one_typed_choice() {
        let props = "properties: {url: {type: string}, file: {type: string, format: binary}, \
                     mode: {type: string}, source: {type: string}}";
        let typed = form_choice(&format!(
            "{{type: object, oneOf: [{{required: [url]}}, {{required: [file]}}], {props}}}"
        ))
        .expect("lowers")
        .expect("typed");
        assert_eq!(typed.setter, "url_or_file");
        assert_eq!(typed.type_name, "UploadUrlOrFile");
        assert_eq!(
            typed.variants,
            [
                ("url".to_string(), "Url".to_string()),
                ("file".to_string(), "File".to_string())
            ]
        );
        // Named by the description; a setter of that name already taken gets another, and the
        // enum's name stays clear of another operation's builder.
        let named = form_choice(&format!(
            "{{type: object, x-choice-name: source, oneOf: [{{required: [url]}}, {{required: [file]}}], {props}}}"
        ))
        .expect("lowers")
        .expect("typed");
        assert_eq!(named.setter, "source_form");
        assert_eq!(named.type_name, "UploadSourceForm");
        let clear = form_choice(
            "{type: object, x-choice-name: source, oneOf: [{required: [url]}, {required: [file]}], \
             properties: {url: {type: string}, file: {type: string, format: binary}}}",
        )
        .expect("lowers")
        .expect("typed");
        assert_eq!(clear.setter, "source");
        assert_eq!(
            clear.type_name, "UploadSource2",
            "`UploadSource` is a builder"
        );
        let unnamed = |schema: &str| form_choice(schema).expect("lowers");
        // Not a choice of single optional fields: the check before sending stays, no enum.
        for keyword in [
            "anyOf: [{required: [url]}, {required: [file]}]",
            "oneOf: [{required: [url, mode]}, {required: [file]}]",
        ] {
            assert_eq!(
                unnamed(&format!("{{type: object, {keyword}, {props}}}")),
                None,
                "{keyword}"
            );
        }
        assert_eq!(
            unnamed(&format!(
                "{{type: object, required: [url], oneOf: [{{required: [url]}}, {{required: [file]}}], {props}}}"
            )),
            None
        );
        assert_eq!(
            unnamed(&format!(
                "{{type: object, x-required-when: {{url: {{mode: [a]}}}}, oneOf: [{{required: [url]}}, {{required: [file]}}], {props}}}"
            )),
            None
        );
        let bad = form_choice(&format!(
            "{{type: object, x-choice-name: 3, oneOf: [{{required: [url]}}, {{required: [file]}}], {props}}}"
        ))
        .expect_err("a number is no name");
        assert!(
            bad.contains("/schema/x-choice-name: `x-choice-name` must be a non-empty string"),
            "{bad}"
        );
    }

    #[test]
    fn fallback_paths_take_the_same_parameters_on_free_operations() {
        let (api, _) = with_fallbacks("x-fallback-paths: ['/v1/items/{id}', '/api/items/{id}']")
            .expect("lowers");
        assert_eq!(
            api.operations[0].fallback_paths,
            ["/v1/items/{id}", "/api/items/{id}"]
        );
        let message = |extensions: &str| {
            with_fallbacks(extensions)
                .expect_err("rejected")
                .errors()
                .map(|d| format!("{}: {}", d.pointer, d.message))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert!(
            message("x-fallback-paths: ['/v1/items/{other}']")
                .contains("/x-fallback-paths/0: fallback path `/v1/items/{other}` must name the same path parameters"),
        );
        assert!(
            message("x-fallback-paths: [items]").contains("must be a string starting with `/`")
        );
        assert!(message("x-fallback-paths: ['/items/{id}']").contains("is given twice"));
        assert!(
            message("x-fallback-paths: /v1/items").contains("must be a list of path templates")
        );
        assert!(
            message(
                "x-fallback-paths: ['/v1/items/{id}']\n      x-cost: {amount: 1, unit: credit}"
            )
            .contains("on a billable operation")
        );
    }

    fn paged(x_pagination: &str) -> Result<(Api, Diagnostics), Diagnostics> {
        let text = format!(
            r#"
openapi: 3.0.3
info: {{title: Pages, version: '1'}}
paths:
  /search:
    post:
      operationId: search
      x-pagination: {x_pagination}
      parameters: [{{name: cursor, in: query, schema: {{type: string}}}}]
      requestBody:
        content: {{application/json: {{schema: {{type: object, properties: {{q: {{type: string}}, from: {{type: integer}}}}}}}}}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  hits: {{type: array, items: {{$ref: '#/components/schemas/Hit'}}}}
                  meta: {{type: object}}
components:
  schemas:
    Hit: {{type: object, properties: {{id: {{type: string}}}}}}
"#
        );
        let doc = crate::load::parse_text("pages.yaml", &text).expect("parses");
        let spec = crate::load::to_openapi(&doc).expect("OpenAPI");
        lower(&doc, &spec)
    }

    #[test]
    fn pagination_is_read_and_checked() {
        let (api, _) = paged("{style: offset, position: from, items: /hits, hasMore: /meta/more}")
            .expect("lowers");
        let paging = api.operations[0].pagination.as_ref().expect("paged");
        assert_eq!(paging.position, PageField::Body("from".into()));
        assert_eq!(paging.item, TypeRef::Named("Hit".into()));
        assert_eq!(paging.has_more.as_deref(), Some("/meta/more"));
        let message = |x: &str| {
            paged(x)
                .expect_err("rejected")
                .errors()
                .map(|d| format!("{}: {}", d.pointer, d.message))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert!(
            message("{style: offset, position: cursor, items: /hits}")
                .contains("query parameter `cursor` is not an integer")
        );
        assert!(
            message("{style: offset, position: to, items: /hits}")
                .contains("`to` is neither a query parameter nor a field of the JSON body")
        );
        assert!(
            message("{style: offset, position: from, items: /meta}")
                .contains("/x-pagination/items: `/meta` is not an array in the success body")
        );
        assert!(
            message("{style: cursor, position: from, items: /hits}")
                .contains("must be `offset` or `page`")
        );
    }

    #[test]
    fn required_when_names_properties_of_its_schema() {
        let spec = |rule: &str| {
            format!(
                "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /x:\n    post:\n      \
                 operationId: x\n      requestBody:\n        content:\n          application/json:\n            \
                 schema: {{type: object, x-required-when: {rule}, properties: {{a: {{type: string}}, \
                 b: {{type: string}}}}}}\n      responses:\n        '204': {{description: ok}}\n"
            )
        };
        let lowered = |rule: &str| {
            let doc = crate::load::parse_text("x.yaml", &spec(rule)).expect("parses");
            let spec = crate::load::to_openapi(&doc).expect("OpenAPI");
            lower(&doc, &spec)
        };
        let (api, _) = lowered("{a: {b: [on]}}").expect("lowers");
        let RequestBody::Typed(body) = &api.operations[0].body else {
            panic!("a JSON body");
        };
        assert_eq!(
            body.required_when,
            [RequiredWhen {
                field: "a".into(),
                when: "b".into(),
                values: vec!["on".into()]
            }]
        );
        let errors = lowered("{c: {b: [on]}, a: {d: [on]}, b: {a: on}}").expect_err("rejected");
        let messages: Vec<String> = errors
            .errors()
            .map(|d| format!("{}: {}", d.pointer, d.message))
            .collect();
        let at = "/paths/~1x/post/requestBody/content/application~1json/schema/x-required-when";
        assert_eq!(
            messages,
            [
                format!("{at}/c: `c` is not a property of the schema"),
                format!("{at}/a: `d` is not a scalar or enum property of the schema"),
                format!("{at}/b: the values of `a` that require `b` must be a list"),
            ]
        );
    }

    fn lowered(x_job: &str, x_retryable: &str) -> Result<(Api, Diagnostics), Diagnostics> {
        let text = format!(
            r#"
openapi: 3.0.3
info: {{title: Jobs, version: '1'}}
paths:
  /renders:
    post:
      operationId: startRender
      x-job: {x_job}
      responses:
        '200': {{description: ok, content: {{application/json: {{schema: {{type: object}}}}}}}}
  /renders/{{id}}:
    get:
      operationId: getRender
      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]
      responses:
        '200': {{description: ok, content: {{application/json: {{schema: {{type: object}}}}}}}}
        '500': {{description: retry, x-retryable: {x_retryable}}}
"#
        );
        let doc = crate::load::parse_text("jobs.yaml", &text).expect("parses");
        let spec = crate::load::to_openapi(&doc).expect("OpenAPI");
        lower(&doc, &spec)
    }

    const JOB: &str = "{statusOperation: getRender, idParameter: id, statePointer: /state, \
                       succeeded: [done], failed: [failed]";

    #[test]
    fn job_extensions_are_read() {
        let x_job =
            format!("{JOB}, idPointer: [/id, /job_id], pending: [queued], successPointer: /ok}}");
        let (api, _) = lowered(&x_job, "true").expect("lowers");
        let submit = api
            .operations
            .iter()
            .find(|op| op.id == "startRender")
            .unwrap();
        let job = submit.job.as_ref().expect("a job");
        assert_eq!(job.id_pointers, ["/id", "/job_id"]);
        assert_eq!(job.success_pointer.as_deref(), Some("/ok"));
        // Pending states listed: an unknown state ends waiting unless the spec says otherwise.
        assert!(!job.unknown_pending);
        let status = api
            .operations
            .iter()
            .find(|op| op.id == "getRender")
            .unwrap();
        assert!(status.errors.iter().all(|e| e.retryable));

        let x_job = format!("{JOB}, idPointer: /id, unknownStates: pending, pending: [queued]}}");
        let (api, _) = lowered(&x_job, "false").expect("lowers");
        let job = api
            .operations
            .iter()
            .find_map(|op| op.job.as_ref())
            .unwrap();
        assert!(job.unknown_pending);
        assert_eq!(job.success_pointer, None);
        // No pending state listed: every state that is not terminal is pending.
        let (api, _) = lowered(&format!("{JOB}, idPointer: /id}}"), "false").expect("lowers");
        assert!(
            api.operations
                .iter()
                .find_map(|op| op.job.as_ref())
                .unwrap()
                .unknown_pending
        );
    }

    #[test]
    fn malformed_job_extensions_are_errors_that_say_where() {
        for (x_job, x_retryable, pointer, words) in [
            (
                format!("{JOB}, idPointer: /id, unknownStates: maybe}}"),
                "true",
                "/x-job/unknownStates",
                "`pending` or `end`",
            ),
            (
                format!("{JOB}, idPointer: [id]}}"),
                "true",
                "/x-job/idPointer",
                "starting with `/`",
            ),
            (
                format!("{JOB}, idPointer: []}}"),
                "true",
                "/x-job/idPointer",
                "list of them",
            ),
            (
                format!("{JOB}, idPointer: /id, successPointer: ok}}"),
                "true",
                "/x-job/successPointer",
                "starting with `/`",
            ),
            (
                format!("{JOB}, idPointer: /id}}"),
                "sometimes",
                "/responses/500/x-retryable",
                "boolean",
            ),
        ] {
            let diagnostics = match lowered(&x_job, x_retryable) {
                Err(d) => d,
                Ok((_, d)) => d,
            };
            let text = diagnostics.to_string();
            assert!(
                text.contains(pointer) && text.contains(words),
                "{x_job}: {text}"
            );
        }
    }
}
