//! The generator's own model of an API: what the emitters read, lowered from `openapiv3` once.
//!
//! Everything is ordered (`Vec` in spec order, `BTreeMap`) so that emitting is deterministic.

use std::collections::BTreeMap;

/// One API, ready to emit.
#[derive(Debug, Clone)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// The first `servers` URL, used as the client's default base URL.
    pub default_base_url: Option<String>,
    /// Security schemes in `components.securitySchemes` order.
    pub security_schemes: Vec<SecurityScheme>,
    /// The operations, sorted by path then method.
    pub operations: Vec<Operation>,
    /// Component schema key -> the Rust type name it gets under `types::`.
    pub type_names: BTreeMap<String, String>,
    /// Every schema that becomes a named type under `types::`: the component schemas under
    /// their Rust names, then the inline schemas lowering hoisted (error bodies). `$ref`s
    /// inside point at `#/components/schemas/<Rust name>`.
    pub schemas: Vec<NamedSchema>,
    /// The inline schemas operations use (parameters, request and success bodies, multipart
    /// fields), each with the name its Rust type gets if it needs a type of its own; a
    /// [`TypeRef::Inline`] is an index into this list.
    pub inline_schemas: Vec<InlineSchema>,
    /// The requests the API sends to the caller: the operations' `callbacks` and the 3.1
    /// `webhooks`, one per name and payload, in the description's order.
    pub webhooks: Vec<Webhook>,
    /// The runnable programs the crate gets under `examples/`, one per [`ExampleKind`] at most.
    pub examples: Vec<Example>,
}

/// A runnable example program (`examples/<name>.rs`): what the description has that a user
/// runs first, with their own key and their own inputs on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// Its name, its operation's method (`audio_download`): `cargo run --example <name>`.
    pub name: String,
    /// What it does.
    pub kind: ExampleKind,
    /// The operationId it calls.
    pub operation: String,
    /// The command-line arguments it reads, in order, each set on the request; a download
    /// takes the output directory after them.
    pub inputs: Vec<ExampleInput>,
}

/// What an example program does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExampleKind {
    /// Submits a job whose status names its results (`x-job.resultsPointer`), waits for it
    /// with its progress, and downloads the results into a directory.
    Download,
    /// Prints every item of every page of a paginated operation.
    EveryPage,
    /// Sends a local file in a multipart form and prints the response.
    Upload,
}

/// A command-line argument of an example and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleInput {
    /// Its name in the usage line (`QUERY`, `FILE`).
    pub argument: String,
    /// Where it is set.
    pub target: ExampleTarget,
}

/// Where an example's argument is set on the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExampleTarget {
    /// A parameter's or form field's setter, given the text.
    Setter(String),
    /// A form field's setter for a file, given `FilePart::from_path` of the text.
    File(String),
    /// A setter of the JSON body's builder (`body_map`), given the text.
    BodyField(String),
}

/// A request the API sends to a URL of the caller's, which the generated crate receives:
/// an OpenAPI 3.0 callback of one or more operations, or a 3.1 webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// The callback's (or webhook's) key in the description.
    pub name: String,
    /// The snake-case name of its receiving function under `webhooks::`.
    pub function: String,
    /// Where the description declares it.
    pub source: WebhookSource,
    /// JSON pointer of its operation object (the first, for a callback several operations share).
    pub pointer: String,
    /// The HTTP method the API sends it with (upper case).
    pub method: String,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// The JSON payload's type (a named type under `types::`).
    pub body: TypeRef,
    /// `x-webhook.authorization`: the header that carries the secret the caller gave the API.
    pub authorization: Option<WebhookAuthorization>,
    /// Which events the payload may name: from `x-webhook.event`/`events`, or the payload
    /// schema's `discriminator` mapping.
    pub event: Option<WebhookEvent>,
    /// The payload's `example` in the description, for docs.
    pub example: Option<serde_json::Value>,
}

/// Where a webhook is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookSource {
    /// `callbacks` of these operations (operationIds), under this runtime expression.
    Callback {
        /// The operations that declare it, in the description's order.
        operations: Vec<String>,
        /// The URL expression (`{$request.query.webhook_url}`).
        expression: String,
    },
    /// The 3.1 top-level `webhooks` map.
    Webhook,
}

/// The header a webhook's secret comes back in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAuthorization {
    /// The header's name, lower case (`authorization`).
    pub header: String,
    /// The parameter or body field of the subscribing operation that sets the secret, if named.
    pub parameter: Option<String>,
}

/// The events a webhook's payload may name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// JSON pointer to the event's name in the payload (`/status`).
    pub pointer: String,
    /// The documented names; any other is refused as an unknown event.
    pub values: Vec<String>,
}

/// A schema that becomes a named Rust type.
#[derive(Debug, Clone)]
pub struct NamedSchema {
    /// Its Rust type name (also the key `$ref`s use: `#/components/schemas/<name>`).
    pub name: String,
    /// JSON pointer of the schema in the source document (empty when it has none).
    pub pointer: String,
    /// The schema (OpenAPI 3.0 Schema Object), as JSON.
    pub schema: serde_json::Value,
}

/// An inline schema of an operation: the type engine decides its Rust type (a built-in type
/// for a plain string or number, else a new type named [`InlineSchema::name`]).
#[derive(Debug, Clone)]
pub struct InlineSchema {
    /// The Rust type name it gets if it needs a type of its own (unique among all type names).
    pub name: String,
    /// JSON pointer of the schema in the source document.
    pub pointer: String,
    /// The schema (OpenAPI 3.0 Schema Object), as JSON.
    pub schema: serde_json::Value,
}

/// The Rust type of a value, as lowering decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    /// A named type under `types::` ([`Api::schemas`]).
    Named(String),
    /// The type the type engine gives [`Api::inline_schemas`]`[i]`.
    Inline(usize),
    /// `::serde_json::Value`: JSON without a schema, or a schema that was given up on.
    Json,
    /// `::std::string::String`.
    String,
}

impl TypeRef {
    /// Calls `f` with the type of the `types` module this is, if it is one.
    pub fn uses(&self, f: &mut dyn FnMut(TypeUse<'_>)) {
        match self {
            TypeRef::Named(name) => f(TypeUse::Named(name)),
            TypeRef::Inline(i) => f(TypeUse::Inline(*i)),
            TypeRef::Json | TypeRef::String => {}
        }
    }
}

/// A way to authenticate, from `components.securitySchemes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityScheme {
    /// The scheme's key in `components.securitySchemes`.
    pub name: String,
    /// Where the credential goes.
    pub placement: Placement,
    /// `x-env-var`: the variable `from_env` reads.
    pub env_var: Option<String>,
    /// The scheme's description.
    pub description: Option<String>,
}

/// Where a credential is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// `apiKey` in a header of this name.
    Header(String),
    /// `apiKey` in a query parameter of this name.
    Query(String),
    /// `http` with scheme `bearer`.
    Bearer,
    /// `oauth2` or `openIdConnect` (the kind, for docs): an access token the caller obtains,
    /// sent as a bearer token (RFC 6750); the flows that obtain it are not generated.
    AccessToken(String),
    /// Anything else (cookie keys, `http basic`...): not generated.
    Unsupported(String),
}

/// One operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `operationId` (synthesized from method and path when absent).
    pub id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template.
    pub path: String,
    /// `x-fallback-paths`: other path templates the vendor's docs give for the operation, tried
    /// in order when the server has no route at [`Operation::path`] (404 or 405).
    pub fallback_paths: Vec<String>,
    /// JSON pointer of the operation object.
    pub pointer: String,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `tags`, as written.
    pub tags: Vec<String>,
    /// The group it belongs to, which a Cargo feature of the crate compiles
    /// ([`crate::names::OperationNames::feature`]): `x-group`, else its first tag, else the
    /// first segment of its path that is neither a parameter nor a version (`v1`).
    pub group: String,
    /// Names of the security schemes that may authenticate it (empty: none).
    pub security: Vec<String>,
    /// `x-cost`, when the operation is billable.
    pub cost: Option<Cost>,
    /// Whether repeating the request is harmless (method, or `x-idempotent`).
    pub idempotent: bool,
    /// The Rust names of its items.
    pub names: crate::names::OperationNames,
    /// The request body.
    pub body: RequestBody,
    /// The success statuses with their body.
    pub success: Success,
    /// Documented non-success responses, in status order.
    pub errors: Vec<ErrorResponse>,
    /// `x-job`, when the operation submits an asynchronous job.
    pub job: Option<JobLink>,
    /// `x-pagination` (or a recognised shape), when the operation returns one page of a
    /// longer list.
    pub pagination: Option<Pagination>,
    /// Parameters (path, query, header), path parameters first.
    pub parameters: Vec<Parameter>,
}

/// What a successful response is.
#[derive(Debug, Clone, PartialEq)]
pub struct Success {
    /// The 2xx statuses (or `2XX`) documented with [`Success::body`]: the first 2xx with a body
    /// and every other with the same content. Empty when the description documents no 2xx: then
    /// any 2xx is a success, its body a stream.
    pub statuses: Vec<StatusMatch>,
    /// The body of those statuses.
    pub body: SuccessBody,
    /// 2xx statuses documented without a body while another 2xx has one (`200` with a body,
    /// `204` without): the call returns `None` for them, so the success value is an `Option`.
    pub empty: Vec<StatusMatch>,
}

impl Operation {
    /// True when the operation costs something per call.
    pub fn billable(&self) -> bool {
        self.cost.is_some()
    }

    /// Calls `f` with every type `op` names: parameters, bodies, form fields, success, errors
    /// and page items.
    pub fn for_each_type(&self, f: &mut dyn FnMut(TypeUse<'_>)) {
        for p in &self.parameters {
            p.ty.uses(f);
        }
        match &self.body {
            RequestBody::None => {}
            RequestBody::Typed(body) => body.ty.uses(f),
            RequestBody::Multipart(form) => {
                for field in &form.fields {
                    if let FieldKind::Named(name) = &field.kind {
                        f(TypeUse::Named(name));
                    }
                }
            }
        }
        if let SuccessBody::Json(ty) = &self.success.body {
            ty.uses(f);
        }
        for e in &self.errors {
            if let ErrorBody::Json(name) = &e.body {
                f(TypeUse::Named(name));
            }
        }
        if let Some(paging) = &self.pagination {
            paging.item.uses(f);
        }
    }
}

/// A type of the `types` module that an item of the IR uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeUse<'a> {
    /// A named type, by its Rust name.
    Named(&'a str),
    /// An inline schema, by its index in [`Api::inline_schemas`].
    Inline(usize),
}

/// `x-cost`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cost {
    /// Amount per call (or per unit).
    pub amount: f64,
    /// What the amount counts.
    pub unit: String,
    /// Free text from the spec.
    pub description: Option<String>,
    /// `billedStatuses`: the statuses a call is billed for (the successes, and any error
    /// status listed, such as HuntAPI's 404).
    pub billed_statuses: Vec<u16>,
}

/// A parameter, as far as the emitters need to know it.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// Name in the spec.
    pub name: String,
    /// The snake-case name of its setter and builder field, unique within the operation (see
    /// [`crate::names::parameter_names`]).
    pub rust_name: String,
    /// `path`, `query` or `header` (cookie parameters are left out, with a warning).
    pub location: String,
    /// Whether it is required (path parameters always are).
    pub required: bool,
    /// Its simple kind.
    pub kind: ScalarKind,
    /// Its Rust type.
    pub ty: TypeRef,
    /// Whether its schema is `nullable` (its type is then an `Option`).
    pub nullable: bool,
    /// Its description.
    pub description: Option<String>,
    /// JSON pointer of the parameter object.
    pub pointer: String,
    /// A value for examples in docs: the parameter's `example`, else its schema's `example`,
    /// else the schema's first `enum` value. `None` for strings whose `format` makes them
    /// another Rust type (dates, UUIDs), which a string literal cannot stand for.
    pub example: Option<serde_json::Value>,
    /// The limits its schema declares, checked before sending.
    pub limits: Limits,
}

/// The limits a scalar schema declares (`minimum`, `maximum` and their exclusive forms,
/// `minLength`, `maxLength`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Limits {
    /// The least value.
    pub minimum: Option<f64>,
    /// Whether `minimum` is excluded.
    pub exclusive_minimum: bool,
    /// The greatest value.
    pub maximum: Option<f64>,
    /// Whether `maximum` is excluded.
    pub exclusive_maximum: bool,
    /// The fewest characters.
    pub min_length: Option<usize>,
    /// The most characters.
    pub max_length: Option<usize>,
}

impl Limits {
    /// Whether no limit is declared.
    pub fn is_empty(&self) -> bool {
        self.minimum.is_none()
            && self.maximum.is_none()
            && self.min_length.is_none()
            && self.max_length.is_none()
    }
}

/// The shape of a scalar value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarKind {
    /// A string (any format).
    String,
    /// An integer.
    Integer,
    /// A number.
    Number,
    /// A boolean.
    Boolean,
    /// Anything else.
    Other,
}

/// The request body of an operation.
#[derive(Debug, Clone)]
pub enum RequestBody {
    /// No body.
    None,
    /// A body in one media type, encoded as its [`BodyEncoding`] says.
    Typed(TypedBody),
    /// `multipart/form-data`, one setter per form field.
    Multipart(MultipartBody),
}

impl RequestBody {
    /// The other request media types the body is documented in, sendable as raw bytes with
    /// `send_body`.
    pub fn other_media_types(&self) -> &[String] {
        match self {
            RequestBody::None => &[],
            RequestBody::Typed(b) => &b.other_media_types,
            RequestBody::Multipart(b) => &b.other_media_types,
        }
    }
}

/// How a typed request body is put on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEncoding {
    /// JSON (`application/json` and `+json` types).
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// Text the caller gives as a string (`text/*`).
    Text,
    /// Bytes the caller gives as they are (`application/octet-stream` and other types).
    Bytes,
}

/// A request body in one media type.
#[derive(Debug, Clone)]
pub struct TypedBody {
    /// The `Content-Type` sent.
    pub media_type: String,
    /// How it is encoded.
    pub encoding: BodyEncoding,
    /// The Rust type of a JSON or form body ([`TypeRef::String`] for text; unused for bytes).
    pub ty: TypeRef,
    /// Whether the body is required.
    pub required: bool,
    /// The body's description.
    pub description: Option<String>,
    /// The other request media types the body is documented in, sendable as raw bytes with
    /// `send_body`.
    pub other_media_types: Vec<String>,
    /// The limits declared on the top-level properties of a JSON or form body, by property
    /// name, checked before sending.
    pub field_limits: Vec<(String, Limits)>,
    /// `x-required-when` on the schema of a JSON or form body, checked before sending.
    pub required_when: Vec<RequiredWhen>,
}

/// A `multipart/form-data` body.
#[derive(Debug, Clone)]
pub struct MultipartBody {
    /// Whether the body is required.
    pub required: bool,
    /// The form fields, in schema order (empty for a schema-less form).
    pub fields: Vec<MultipartField>,
    /// The schema gives no fields: the builder takes parts by name (`text_part`, `file_part`).
    pub open: bool,
    /// The body's description.
    pub description: Option<String>,
    /// The other request media types the body is documented in, sendable as raw bytes with
    /// `send_body`.
    pub other_media_types: Vec<String>,
    /// A `oneOf` (or `anyOf`) of `required` lists beside the properties: which fields may be
    /// set together, checked before sending.
    pub choice: Option<RequiredChoice>,
    /// `x-required-when`: fields required when another field has one of some values.
    pub required_when: Vec<RequiredWhen>,
}

/// `x-required-when` on an object schema: `field` is required when `when` is one of `values`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredWhen {
    /// The field that becomes required.
    pub field: String,
    /// The field whose value decides.
    pub when: String,
    /// The values of `when` (as written on the wire) that make `field` required.
    pub values: Vec<String>,
}

/// `oneOf: [{required: [a]}, {required: [b]}]` on an object schema: the groups of fields one of
/// which must be set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredChoice {
    /// `oneOf`: exactly one group is set; `anyOf`: at least one.
    pub exactly_one: bool,
    /// Each group's field names (a group is set when all its fields are).
    pub groups: Vec<Vec<String>>,
    /// The choice as one typed value, when it is `oneOf` single fields (`url` or `file`).
    pub typed: Option<TypedChoice>,
}

/// A `oneOf` of single fields as one enum the builder takes: `source(ExtractStemsSource::Url(..))`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedChoice {
    /// The setter's name as the description asks for it (`x-choice-name`), or the fields' names
    /// joined with `_or_`; made unique with the other setters into `setter`.
    pub wanted: String,
    /// The builder's setter that takes the enum (`source`).
    pub setter: String,
    /// The enum's name (`ExtractStemsSource`), under `builder::`.
    pub type_name: String,
    /// Each variant: the form field it sends and the variant's name (`("url", "Url")`).
    pub variants: Vec<(String, String)>,
}

/// One multipart form field.
#[derive(Debug, Clone)]
pub struct MultipartField {
    /// The form field name.
    pub name: String,
    /// The snake-case name of its setter, unique among the operation's setters.
    pub rust_name: String,
    /// Whether the schema lists it as required.
    pub required: bool,
    /// What the field holds.
    pub kind: FieldKind,
    /// The property's description.
    pub description: Option<String>,
    /// A value for examples in docs, as for [`Parameter::example`]. For a
    /// [`FieldKind::Named`] field it is set only when the type is a string `enum`, and is then
    /// one of its values.
    pub example: Option<serde_json::Value>,
}

/// The value of a multipart field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    /// `format: binary`: a file part.
    File,
    /// A scalar sent as text.
    Scalar(ScalarKind),
    /// A named type under `types::` (enums), sent as its serialized string.
    Named(String),
    /// Arrays and objects, sent as a JSON text part.
    Json,
}

/// The body of the success response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuccessBody {
    /// No content.
    Empty,
    /// JSON decoded into this type.
    Json(TypeRef),
    /// Anything else: a byte stream.
    Stream,
}

/// Which statuses a response covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatusMatch {
    /// One code.
    Code(u16),
    /// A range such as `4XX` (the leading digit).
    Range(u16),
    /// `default`: every status not otherwise documented.
    Default,
}

/// A documented error response.
#[derive(Debug, Clone)]
pub struct ErrorResponse {
    /// The statuses it covers.
    pub status: StatusMatch,
    /// The enum variant's name.
    pub variant: String,
    /// The response description (the variant's doc).
    pub description: String,
    /// The body.
    pub body: ErrorBody,
    /// Declared headers.
    pub headers: Vec<HeaderDef>,
    /// `x-retry-after`: JSON pointer to a delay in seconds within the body.
    pub retry_after_pointer: Option<String>,
    /// `x-retryable: true`: the spec documents the status as transient.
    pub retryable: bool,
    /// A call that fails with this status is billed all the same (`x-cost.billedStatuses`).
    pub billed: bool,
    /// A string property of the body worth showing in `Display` (`message`, `error`, `detail`).
    pub message_field: Option<String>,
}

/// The body of an error response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorBody {
    /// No content documented.
    Empty,
    /// JSON decoded into this type under `types::`.
    Json(String),
    /// JSON with a schema that is open (no type to decode into): kept as `serde_json::Value`.
    JsonValue,
    /// A `text/*` body.
    Text,
    /// Any other media type: raw bytes.
    Bytes,
}

/// A declared response header.
#[derive(Debug, Clone)]
pub struct HeaderDef {
    /// The header name as declared.
    pub name: String,
    /// Its value's kind.
    pub kind: ScalarKind,
    /// Its description.
    pub description: Option<String>,
}

/// `x-job`: how to follow the job an operation submits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobLink {
    /// `operationId` of the status operation.
    pub status_operation: String,
    /// Pointers to the id in the submit response, tried in order.
    pub id_pointers: Vec<String>,
    /// The status operation's path parameter that takes the id.
    pub id_parameter: String,
    /// The id parameter's kind (string or integer).
    pub id_kind: ScalarKind,
    /// Pointer to the state in the status response.
    pub state_pointer: String,
    /// States meaning "poll again".
    pub pending: Vec<String>,
    /// Terminal success states.
    pub succeeded: Vec<String>,
    /// Terminal failure states.
    pub failed: Vec<String>,
    /// Pointer to progress (0..=100).
    pub progress_pointer: Option<String>,
    /// Pointer to a failure message.
    pub error_pointer: Option<String>,
    /// Compare states ignoring ASCII case.
    pub case_insensitive: bool,
    /// Pointer to a boolean that must not be `false` on a succeeded state.
    pub success_pointer: Option<String>,
    /// Whether a state in none of the lists is pending (else it ends waiting).
    pub unknown_pending: bool,
    /// `resultsPointer`: where a finished status carries its result's URL, or URLs by name.
    pub results_pointer: Option<String>,
}

/// `x-pagination`, or a common shape lowering recognised: how to ask for the next page, and
/// what a page says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pagination {
    /// `offset` (the position counts items) or `page` (it numbers pages, from `first`).
    pub style: PageStyle,
    /// Where the position is sent.
    pub position: PageField,
    /// Where the page size is sent, if the operation takes one.
    pub page_size: Option<PageField>,
    /// JSON pointer to the items in the success body (`""`: the body is the array).
    pub items: String,
    /// JSON pointer to a boolean that is false on the last page.
    pub has_more: Option<String>,
    /// JSON pointer to the total number of items.
    pub total: Option<String>,
    /// The items' type, when the array's items name a component schema (else JSON values).
    pub item: TypeRef,
    /// Recognised by lowering from the operation's parameters and success body (a common
    /// shape, `lower/paging.rs`) rather than read from `x-pagination`.
    pub recognised: bool,
}

/// How pages are counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageStyle {
    /// The position is the number of items to skip.
    Offset,
    /// The position is a page number, the first page being `first`.
    Page {
        /// The first page's number.
        first: u64,
    },
    /// The position is an opaque cursor (a string query parameter) that each page names for
    /// the next one.
    Cursor {
        /// JSON pointer to the next page's cursor in the success body.
        next: String,
    },
}

/// Where a paging value is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageField {
    /// A query parameter: its setter's Rust name.
    Query(String),
    /// A top-level field of the JSON body: its name on the wire.
    Body(String),
}
