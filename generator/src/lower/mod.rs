//! Lower stage: a validated `openapiv3` document into the generator's IR ([`crate::ir::Api`]).
//!
//! This is where vendor extensions are read, type names are chosen, and operations are sorted.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToPascalCase, ToSnakeCase};
use openapiv3::{
    APIKeyLocation, MediaType, OpenAPI, Parameter as OaParameter, ParameterSchemaOrContent,
    ReferenceOr, Response, Schema, SchemaKind, SecurityScheme as OaScheme, StatusCode, Type,
};
use serde_json::Value;

use crate::diagnostic::{Diagnostics, Severity, pointer};
use crate::ir::*;
use crate::load::SourceDoc;

/// Lowers `spec` into the IR, reporting every problem with its pointer.
pub fn lower(doc: &SourceDoc, spec: &OpenAPI) -> Result<(Api, Diagnostics), Diagnostics> {
    let mut cx = Lowering {
        doc,
        spec,
        ds: Diagnostics::new(),
        used_type_names: BTreeSet::new(),
        lifted: Vec::new(),
    };
    let type_names = cx.name_components();
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
                &type_names,
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

    let api = Api {
        title: spec.info.title.clone(),
        version: spec.info.version.clone(),
        description: spec.info.description.clone(),
        default_base_url: cx.default_base_url(),
        security_schemes,
        operations,
        type_names,
        lifted_schemas: cx.lifted,
    };
    let ds = cx.ds.propagate()?;
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

/// The operationId used when the spec gives none: method and path in snake case.
pub fn synthesize_operation_id(method: &str, path: &str) -> String {
    let mut words = vec![method.to_ascii_lowercase()];
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        let segment = segment.trim_start_matches('{').trim_end_matches('}');
        words.push(segment.to_string());
    }
    words.join("_").to_snake_case()
}

/// A Rust type name that typify keeps as it is: PascalCase, starting with a letter, no keyword.
pub fn type_name_for(key: &str) -> String {
    let cleaned: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let mut name = cleaned.to_pascal_case();
    // Reach heck's fixed point so that typify's own re-casing changes nothing.
    for _ in 0..4 {
        let again = name.to_pascal_case();
        if again == name {
            break;
        }
        name = again;
    }
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name = format!("X{name}");
    }
    if syn::parse_str::<syn::Ident>(&name).is_err() || name == "Self" {
        name.push_str("Type");
    }
    name
}

/// The enum variant name for a status: its meaning where there is a well-known one.
pub fn variant_for_status(status: StatusMatch) -> String {
    match status {
        StatusMatch::Code(code) => match code {
            300 => "MultipleChoices".into(),
            301 => "MovedPermanently".into(),
            302 => "Found".into(),
            303 => "SeeOther".into(),
            304 => "NotModified".into(),
            307 => "TemporaryRedirect".into(),
            308 => "PermanentRedirect".into(),
            400 => "BadRequest".into(),
            401 => "Unauthorized".into(),
            402 => "PaymentRequired".into(),
            403 => "Forbidden".into(),
            404 => "NotFound".into(),
            405 => "MethodNotAllowed".into(),
            406 => "NotAcceptable".into(),
            407 => "ProxyAuthenticationRequired".into(),
            408 => "RequestTimeout".into(),
            409 => "Conflict".into(),
            410 => "Gone".into(),
            411 => "LengthRequired".into(),
            412 => "PreconditionFailed".into(),
            413 => "PayloadTooLarge".into(),
            414 => "UriTooLong".into(),
            415 => "UnsupportedMediaType".into(),
            416 => "RangeNotSatisfiable".into(),
            417 => "ExpectationFailed".into(),
            418 => "ImATeapot".into(),
            421 => "MisdirectedRequest".into(),
            422 => "UnprocessableEntity".into(),
            423 => "Locked".into(),
            424 => "FailedDependency".into(),
            425 => "TooEarly".into(),
            426 => "UpgradeRequired".into(),
            428 => "PreconditionRequired".into(),
            429 => "RateLimited".into(),
            431 => "RequestHeaderFieldsTooLarge".into(),
            451 => "UnavailableForLegalReasons".into(),
            500 => "InternalServerError".into(),
            501 => "NotImplemented".into(),
            502 => "BadGateway".into(),
            503 => "ServiceUnavailable".into(),
            504 => "GatewayTimeout".into(),
            505 => "HttpVersionNotSupported".into(),
            507 => "InsufficientStorage".into(),
            other => format!("Status{other}"),
        },
        StatusMatch::Range(1) => "Informational".into(),
        StatusMatch::Range(3) => "Redirection".into(),
        StatusMatch::Range(4) => "ClientError".into(),
        StatusMatch::Range(5) => "ServerError".into(),
        StatusMatch::Range(d) => format!("Status{d}xx"),
        StatusMatch::Default => "Other".into(),
    }
}

struct Lowering<'a> {
    doc: &'a SourceDoc,
    spec: &'a OpenAPI,
    ds: Diagnostics,
    used_type_names: BTreeSet<String>,
    lifted: Vec<LiftedSchema>,
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

    fn unique_type_name(&mut self, wanted: &str) -> String {
        let base = type_name_for(wanted);
        let mut name = base.clone();
        let mut n = 2;
        while self.used_type_names.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.used_type_names.insert(name.clone());
        name
    }

    fn name_components(&mut self) -> BTreeMap<String, String> {
        let mut names = BTreeMap::new();
        if let Some(components) = &self.spec.components {
            for key in components.schemas.keys() {
                let name = self.unique_type_name(key);
                names.insert(key.clone(), name);
            }
        }
        names
    }

    fn lift(&mut self, wanted: &str, schema: Value) -> String {
        let name = self.unique_type_name(wanted);
        self.lifted.push(LiftedSchema {
            name: name.clone(),
            schema,
        });
        name
    }

    /// The first server URL, if it is an absolute http(s) URL the runtime accepts as it is.
    fn default_base_url(&mut self) -> Option<String> {
        let server = self.spec.servers.first()?;
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
            self.warn(
                "/servers/0/url",
                format!(
                    "server URL `{}` is not an absolute http(s) URL: the client has no default \
                     base URL (pass one to `ClientConfig::new`)",
                    server.url
                ),
            );
            None
        }
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

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        path: &str,
        method: &str,
        op: &openapiv3::Operation,
        path_params: &[ReferenceOr<OaParameter>],
        default_security: &[String],
        type_names: &BTreeMap<String, String>,
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
        let parameters =
            self.parameters(path_params, &op.parameters, op.request_body.is_some(), at);
        let body = self.request_body(op, &id, type_names, at);
        let errors = self.errors(op, &id, type_names, at);
        let success = match body {
            RequestBody::Multipart(_) => self.success_body(op, &id, type_names),
            _ => SuccessBody::Empty,
        };
        let empty_successes = self.empty_successes(op);
        let job = self.job(op, at);
        Some(Operation {
            id,
            method: method_upper,
            path: path.to_string(),
            pointer: at.to_string(),
            summary: op.summary.clone(),
            description: op.description.clone(),
            security,
            cost,
            idempotent,
            body,
            success,
            empty_successes,
            errors,
            job,
            parameters,
        })
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
        (amount > 0.0).then(|| Cost {
            amount,
            unit,
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
        path_params: &[ReferenceOr<OaParameter>],
        op_params: &[ReferenceOr<OaParameter>],
        has_body: bool,
        at: &str,
    ) -> Vec<Parameter> {
        let mut out: Vec<Parameter> = Vec::new();
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
            let (location, data) = match param {
                OaParameter::Path { parameter_data, .. } => ("path", parameter_data),
                OaParameter::Query { parameter_data, .. } => ("query", parameter_data),
                OaParameter::Header { parameter_data, .. } => ("header", parameter_data),
                OaParameter::Cookie { parameter_data, .. } => ("cookie", parameter_data),
            };
            let kind = match &data.format {
                ParameterSchemaOrContent::Schema(schema) => self.scalar_kind(schema),
                ParameterSchemaOrContent::Content(_) => ScalarKind::Other,
            };
            let example = match &data.format {
                ParameterSchemaOrContent::Schema(schema) => {
                    self.doc_example(data.example.as_ref(), schema)
                }
                ParameterSchemaOrContent::Content(_) => None,
            };
            let lowered = Parameter {
                name: data.name.clone(),
                rust_name: None,
                location: location.to_string(),
                required: data.required,
                kind,
                example,
            };
            // An operation parameter overrides a path-level one of the same name and location.
            out.retain(|p| !(p.name == lowered.name && p.location == lowered.location));
            out.push(lowered);
        }
        let named: Vec<(&str, &str)> = out
            .iter()
            .map(|p| (p.name.as_str(), p.location.as_str()))
            .collect();
        let rust_names = parameter_rust_names(&named, has_body);
        for (p, rust_name) in out.iter_mut().zip(rust_names) {
            p.rust_name = rust_name;
        }
        out
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

    fn request_body(
        &mut self,
        op: &openapiv3::Operation,
        op_id: &str,
        type_names: &BTreeMap<String, String>,
        at: &str,
    ) -> RequestBody {
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
        let Some(media) = body.content.get("multipart/form-data") else {
            return RequestBody::Progenitor;
        };
        // The others go as raw bytes with `send_body`.
        let other_media_types: Vec<String> = body
            .content
            .keys()
            .filter(|m| sendable_as_raw_body(m))
            .cloned()
            .collect();
        if body.content.len() > 1 {
            let mut message = String::from(
                "several request media types: the generated method sends multipart/form-data",
            );
            if !other_media_types.is_empty() {
                let listed: Vec<String> =
                    other_media_types.iter().map(|m| format!("`{m}`")).collect();
                message.push_str(&format!(
                    "; {} as raw bytes with `send_body`",
                    listed.join(", ")
                ));
            }
            self.warn(&format!("{body_at}/content"), message);
        }
        let media_at = format!("{body_at}/content/multipart~1form-data");
        let Some(schema_ref) = &media.schema else {
            self.error(&media_at, "a multipart body needs a schema with properties");
            return RequestBody::None;
        };
        let Some(schema) = self.resolve_schema(schema_ref) else {
            self.error(
                &format!("{media_at}/schema"),
                "the multipart schema does not resolve",
            );
            return RequestBody::None;
        };
        let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind else {
            self.error(
                &format!("{media_at}/schema"),
                "a multipart body schema must be an object with properties",
            );
            return RequestBody::None;
        };
        let mut fields = Vec::new();
        for (name, prop) in &object.properties {
            let prop_schema = match prop {
                ReferenceOr::Item(s) => ReferenceOr::Item((**s).clone()),
                ReferenceOr::Reference { reference } => ReferenceOr::Reference {
                    reference: reference.clone(),
                },
            };
            let kind = self.field_kind(op_id, name, &prop_schema, type_names);
            let description = self
                .resolve_schema(&prop_schema)
                .and_then(|s| s.schema_data.description.clone());
            let example = match &kind {
                FieldKind::Named(_) => self.enum_example(&prop_schema),
                _ => self.doc_example(None, &prop_schema),
            };
            fields.push(MultipartField {
                name: name.clone(),
                required: object.required.contains(name),
                kind,
                description,
                example,
            });
        }
        RequestBody::Multipart(MultipartBody {
            required: body.required,
            fields,
            description: body.description.clone(),
            other_media_types,
        })
    }

    fn field_kind(
        &mut self,
        op_id: &str,
        field: &str,
        schema: &ReferenceOr<Schema>,
        type_names: &BTreeMap<String, String>,
    ) -> FieldKind {
        if let ReferenceOr::Reference { reference } = schema
            && let Some(name) = reference
                .strip_prefix("#/components/schemas/")
                .and_then(|k| type_names.get(k))
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
                    let name = self.lift(&format!("{op_id} {field}"), value);
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

    /// The 2xx statuses without a body, when another 2xx has one.
    fn empty_successes(&self, op: &openapiv3::Operation) -> Vec<StatusMatch> {
        let successes = self.successes(op);
        if successes.iter().all(|(_, r)| r.content.is_empty()) {
            return Vec::new();
        }
        successes
            .into_iter()
            .filter(|(_, r)| r.content.is_empty())
            .map(|(status, _)| status)
            .collect()
    }

    /// The body of the first 2xx response that has one (used where the generator emits the
    /// request itself).
    fn success_body(
        &mut self,
        op: &openapiv3::Operation,
        op_id: &str,
        type_names: &BTreeMap<String, String>,
    ) -> SuccessBody {
        let successes = self.successes(op);
        let Some((_, response)) = successes.iter().find(|(_, r)| !r.content.is_empty()) else {
            return SuccessBody::Empty;
        };
        let Some((_, media)) = response
            .content
            .iter()
            .find(|(mt, _)| is_json_media_type(mt))
        else {
            return SuccessBody::Stream;
        };
        match self.json_body_type(op_id, "response", media, type_names).0 {
            ErrorBody::Json(name) => SuccessBody::Json(name),
            _ => SuccessBody::JsonValue,
        }
    }

    fn errors(
        &mut self,
        op: &openapiv3::Operation,
        op_id: &str,
        type_names: &BTreeMap<String, String>,
        at: &str,
    ) -> Vec<ErrorResponse> {
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
            let mut variant = variant_for_status(status);
            if !used_variants.insert(variant.clone()) {
                variant = format!("{variant}{token}");
                used_variants.insert(variant.clone());
            }
            let (body, message_field) =
                self.error_body(op_id, &variant, response, type_names, &r_at);
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
            out.push(ErrorResponse {
                status,
                variant,
                description: response.description.clone(),
                body,
                headers,
                retry_after_pointer,
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
        type_names: &BTreeMap<String, String>,
        at: &str,
    ) -> (ErrorBody, Option<String>) {
        if response.content.is_empty() {
            return (ErrorBody::Empty, None);
        }
        let json = response
            .content
            .iter()
            .find(|(mt, _)| is_json_media_type(mt));
        let Some((_, media)) = json else {
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
        let _ = at;
        self.json_body_type(op_id, variant, media, type_names)
    }

    fn json_body_type(
        &mut self,
        op_id: &str,
        variant: &str,
        media: &MediaType,
        type_names: &BTreeMap<String, String>,
    ) -> (ErrorBody, Option<String>) {
        let Some(schema) = &media.schema else {
            return (ErrorBody::JsonValue, None);
        };
        let message_field = self.message_field(schema);
        if let ReferenceOr::Reference { reference } = schema {
            if let Some(name) = reference
                .strip_prefix("#/components/schemas/")
                .and_then(|k| type_names.get(k))
            {
                return (ErrorBody::Json(name.clone()), message_field);
            }
            return (ErrorBody::JsonValue, None);
        }
        let value = serde_json::to_value(schema).unwrap_or(Value::Null);
        let name = self.lift(&format!("{op_id} {variant} body"), value);
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
        let id_pointer = string(self, "idPointer", true);
        let id_parameter = string(self, "idParameter", true);
        let state_pointer = string(self, "statePointer", true);
        let progress_pointer = string(self, "progressPointer", false);
        let error_pointer = string(self, "errorPointer", false);
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
        for (key, p) in [
            ("idPointer", &id_pointer),
            ("statePointer", &state_pointer),
            ("progressPointer", &progress_pointer),
            ("errorPointer", &error_pointer),
        ] {
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
            id_pointer: id_pointer?,
            id_parameter: id_parameter?,
            id_kind: ScalarKind::String,
            state_pointer: state_pointer?,
            pending,
            succeeded,
            failed,
            progress_pointer,
            error_pointer,
            case_insensitive,
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

/// The snake-case setter name of each of an operation's parameters, given as (name, location)
/// in the order the operation lists them (path-item parameters first, overrides applied).
///
/// Path parameters claim their names first (the URL cannot be built without them), then the
/// others in order; `body` is taken when there is a request body. A query or header parameter
/// whose name is taken gets `{name}_{location}` (then `_2`, `_3`...), so that every parameter
/// stays settable; the request still carries its own name. Cookie parameters, empty names and
/// a path parameter whose name another path parameter took get `None`.
pub(crate) fn parameter_rust_names(params: &[(&str, &str)], has_body: bool) -> Vec<Option<String>> {
    let mut taken: BTreeSet<String> = BTreeSet::new();
    if has_body {
        taken.insert("body".into());
    }
    let mut names = vec![None; params.len()];
    let path_first = params
        .iter()
        .enumerate()
        .filter(|(_, (_, location))| *location == "path")
        .chain(
            params
                .iter()
                .enumerate()
                .filter(|(_, (_, location))| *location != "path"),
        );
    for (i, (name, location)) in path_first {
        if name.is_empty() || !matches!(*location, "path" | "query" | "header") {
            continue;
        }
        let snake = name.to_snake_case();
        let unique = if !taken.contains(&snake) {
            snake
        } else if *location == "path" {
            continue;
        } else {
            let base = format!("{snake}_{location}");
            let mut candidate = base.clone();
            let mut n = 2;
            while taken.contains(&candidate) {
                candidate = format!("{base}_{n}");
                n += 1;
            }
            candidate
        };
        taken.insert(unique.clone());
        names[i] = Some(unique);
    }
    names
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
    fn type_names_are_stable_identifiers() {
        assert_eq!(type_name_for("error_body"), "ErrorBody");
        assert_eq!(type_name_for("HTTPError"), "HttpError");
        assert_eq!(type_name_for("2fa-setup"), "X2faSetup");
        assert_eq!(type_name_for("Self"), "SelfType");
        assert_eq!(type_name_for("a.b/c"), "ABC".to_pascal_case());
        for name in ["ErrorBody", "HttpError", "X2faSetup", "V1Job"] {
            assert_eq!(type_name_for(name), name);
        }
    }

    #[test]
    fn status_variants_have_meaningful_names() {
        assert_eq!(variant_for_status(StatusMatch::Code(429)), "RateLimited");
        assert_eq!(
            variant_for_status(StatusMatch::Code(402)),
            "PaymentRequired"
        );
        assert_eq!(variant_for_status(StatusMatch::Code(499)), "Status499");
        assert_eq!(variant_for_status(StatusMatch::Range(5)), "ServerError");
        assert_eq!(variant_for_status(StatusMatch::Default), "Other");
    }

    #[test]
    fn synthesized_operation_ids_read_well() {
        assert_eq!(
            synthesize_operation_id("get", "/v1/jobs/{id}"),
            "get_v1_jobs_id"
        );
        assert_eq!(synthesize_operation_id("POST", "/"), "post");
    }

    #[test]
    fn every_query_and_header_parameter_gets_a_unique_rust_name() {
        let names = parameter_rust_names(
            &[
                ("id", "query"),
                ("id", "path"),
                ("Id", "header"),
                ("id_query", "query"),
                ("body", "query"),
                ("session", "cookie"),
                ("", "query"),
                ("ID", "path"),
            ],
            true,
        );
        let names: Vec<Option<&str>> = names.iter().map(Option::as_deref).collect();
        assert_eq!(
            names,
            vec![
                // The path parameter claims `id` although listed later.
                Some("id_query"),
                Some("id"),
                Some("id_header"),
                Some("id_query_query"),
                // `body` is the request body's setter.
                Some("body_query"),
                None,
                None,
                // A second path parameter named `id` cannot be renamed: the URL names it.
                None,
            ]
        );
    }

    #[test]
    fn json_media_types() {
        assert!(is_json_media_type("application/json"));
        assert!(is_json_media_type("application/problem+json"));
        assert!(is_json_media_type("application/json; charset=utf-8"));
        assert!(!is_json_media_type("text/plain"));
    }
}
