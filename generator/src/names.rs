//! The one place that mints Rust names: types, status variants, operation methods and their
//! builders, error enums and metadata constants, setters, and synthesized operationIds.
//!
//! Every name is minted once, during lowering, and stored in the IR; the emitters only print
//! what they find there. Reserved names come from what the generator itself defines on the
//! same item (the `Client` constructors, the builders' own methods and fields), so no name from
//! a description can collide with generated code.

use std::collections::BTreeSet;

use heck::{ToKebabCase, ToPascalCase, ToSnakeCase};

use crate::ir::{Placement, SecurityScheme, StatusMatch};

/// Methods every generated `Client` has besides the operations (see `emit/client.rs`), plus
/// those of the traits it derives or implements.
const CLIENT_METHODS: &[&str] = &[
    "new",
    "config",
    "from_config",
    "from_config_and_http_client",
    "client_config",
    "download_url",
    "credential_from_env",
    "from_env",
    "clone",
    "clone_from",
    "fmt",
];

/// What the client module defines at its top level besides the operations' modules (see
/// `emit/mod.rs`): no operation's module may take one of these names.
const TOP_LEVEL_MODULES: &[&str] = &[
    "types",
    "jobs",
    "builder",
    "errors",
    "operations",
    "media_types",
    "webhooks",
    "rt",
];

/// Type names an operation's module uses besides its own items: no builder may take one.
const BUILDER_RESERVED: &[&str] = &["Client", "MediaType"];

/// Names a request builder defines itself (its fields and methods): no setter may take one.
const BUILDER_MEMBERS: &[&str] = &[
    "client",
    "invalid",
    "send",
    "send_with",
    "send_body",
    "send_body_with",
    "submit",
    "submit_with",
    "attempt",
    "body_map",
    "clone",
    "fmt",
];

/// A Rust type name that typify keeps as it is: PascalCase, starting with a letter, no keyword.
pub fn type_name(key: &str) -> String {
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
    if is_keyword(&name) || name == "Self" || PRELUDE_TYPES.contains(&name.as_str()) {
        name.push_str("Type");
    }
    name
}

/// Names of the prelude that generated code (typify's among it) uses unqualified: a type of the
/// description named like one would shadow it (`Default::default()` on a struct `Default`).
const PRELUDE_TYPES: &[&str] = &[
    "Default", "Option", "Some", "None", "Result", "Ok", "Err", "String", "Vec", "Box", "Clone",
    "Copy", "Send", "Sync", "Sized", "From", "Into", "TryFrom", "TryInto", "ToString", "Future",
];

/// The type name typify gives a schema nested in the type `parent`: a property's (`part` is
/// the property name), array items' (`item`) or map values' (`value`): `PetStatus`,
/// `PetTagsItem`.
pub fn nested_type_name(parent: &str, part: &str) -> String {
    type_name(&format!("{parent} {part}"))
}

/// A snake_case identifier that is no keyword and starts with a letter: for methods, fields,
/// setters and modules.
pub fn snake_ident(name: &str) -> String {
    let mut s = snake_words(name);
    if is_keyword(&s) || s == "self" || s == "crate" || s == "super" {
        s.push('_');
    }
    s
}

/// `name` in snake case, starting with a letter, but maybe a keyword (see [`snake_ident`]).
pub fn snake_words(name: &str) -> String {
    let cleaned: String = name
        .replace('\'', "")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let s = cleaned.to_snake_case();
    if s.is_empty() || !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        format!("x_{s}")
    } else {
        s
    }
}

/// The snake-case name typify gives the field of a property (for telling collisions apart).
pub fn field_name(property: &str) -> String {
    property.to_snake_case()
}

fn is_keyword(s: &str) -> bool {
    syn::parse_str::<syn::Ident>(s).is_err()
}

/// Names already taken in one namespace; `claim` returns a free one, adding `_2`, `_3`... (or
/// `2`, `3`... for type names) to a taken one.
#[derive(Debug, Default, Clone)]
pub struct Namespace {
    taken: BTreeSet<String>,
}

impl Namespace {
    /// A namespace in which `reserved` are taken.
    pub fn with_reserved<'a>(reserved: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            taken: reserved.into_iter().map(str::to_string).collect(),
        }
    }

    /// Whether `name` is taken.
    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// Takes `wanted`, or the first free `wanted{sep}{n}` (n from 2).
    pub fn claim(&mut self, wanted: &str, sep: &str) -> String {
        let mut name = wanted.to_string();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{wanted}{sep}{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }
}

/// The Rust names of one operation's items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperationNames {
    /// The `Client` method that starts a call (`audio_download`).
    pub method: String,
    /// The private module that holds the operation's items: the method's name, unless the
    /// client module defines that name itself (`types` -> `types_op`).
    pub module: String,
    /// The request builder (`AudioDownload`), under `builder::`.
    pub builder: String,
    /// The enum of documented error responses (`AudioDownloadError`), under `errors::`.
    pub error: String,
    /// The `OperationMeta` constant (`AUDIO_DOWNLOAD`), under `operations::`.
    pub meta: String,
    /// The `Client` method that resumes a job this operation submitted (`audio_download_job`),
    /// for `x-job` operations.
    pub resume: Option<String>,
    /// The Cargo feature that compiles it: its group's ([`feature_names`]).
    pub feature: String,
    /// The module of its group's operations when a large crate puts each group in a file of
    /// its own ([`group_modules`]).
    pub group_module: String,
}

/// The receiving functions of webhooks named `names` (in order), under `webhooks::`: snake
/// case, a repeated name numbered (`job_finished_2`).
pub fn webhook_functions(names: &[&str]) -> Vec<String> {
    let mut taken = Namespace::default();
    names
        .iter()
        .map(|name| {
            let wanted = snake_ident(name);
            let wanted = if wanted.is_empty() {
                "webhook".to_string()
            } else {
                wanted
            };
            taken.claim(&wanted, "_")
        })
        .collect()
}

/// Mints the names of every operation (in order), given which submit jobs. Methods avoid the
/// `Client`'s own methods, including one `with_<scheme>` / `<scheme>_credential` per scheme.
pub fn operation_names(ids: &[(&str, bool)], schemes: &[SecurityScheme]) -> Vec<OperationNames> {
    let mut methods = Namespace::with_reserved(CLIENT_METHODS.iter().copied());
    for (with, credential) in schemes.iter().filter_map(scheme_methods) {
        methods.claim(&with, "_");
        methods.claim(&credential, "_");
    }
    // An operation's module reads the client module's `Client` and holds its own `MediaType`:
    // no builder may take either name.
    let mut builders = Namespace::with_reserved(BUILDER_RESERVED.iter().copied());
    let mut metas = Namespace::default();
    let mut names: Vec<OperationNames> = ids
        .iter()
        .map(|(id, _)| {
            let method = methods.claim(&snake_ident(id), "_");
            let builder = builders.claim(&type_name(id), "");
            OperationNames {
                error: format!("{builder}Error"),
                meta: metas.claim(&builder.to_snake_case().to_uppercase(), "_"),
                module: String::new(),
                method,
                builder,
                resume: None,
                feature: String::new(),
                group_module: String::new(),
            }
        })
        .collect();
    // Modules come after every method, so that none takes an operation's method's name.
    let mut modules = Namespace::with_reserved(TOP_LEVEL_MODULES.iter().copied());
    for n in &names {
        if !TOP_LEVEL_MODULES.contains(&n.method.as_str()) {
            modules.claim(&n.method, "_");
        }
    }
    for n in &mut names {
        n.module = if TOP_LEVEL_MODULES.contains(&n.method.as_str()) {
            modules.claim(&format!("{}_op", n.method), "_")
        } else {
            n.method.clone()
        };
    }
    // Resume methods come after every operation's method, so that none takes an operation's.
    for (names, (_, submits)) in names.iter_mut().zip(ids) {
        if *submits {
            names.resume = Some(methods.claim(&format!("{}_job", names.method), "_"));
        }
    }
    names
}

/// Features every generated crate's Cargo.toml declares, and its dependencies' names (Cargo
/// refuses a feature named like a dependency): no group's feature may take one.
const FEATURE_RESERVED: &[&str] = &[
    "default",
    "rustls",
    "native-tls",
    OTHER_TYPES_FEATURE,
    "bytes",
    "chrono",
    "clientgen-runtime",
    "regress",
    "reqwest",
    "serde",
    "serde-json",
    "serde_json",
    "tokio",
    "uuid",
];

/// The feature that compiles the types no group uses (the description's schemas that no
/// operation or webhook reaches).
pub const OTHER_TYPES_FEATURE: &str = "other-types";

/// The Cargo feature of each group (in order): kebab case in ASCII letters and digits
/// (`Stem Extraction` -> `stem-extraction`, `users.user` -> `users-user`). Groups that read the
/// same (`Pets`, `pets`) share their feature; a name the crate declares otherwise gets a
/// `-group` suffix (`default-group`).
pub fn feature_names(groups: &[&str]) -> Vec<String> {
    groups
        .iter()
        .map(|group| {
            let mut name = String::new();
            for word in group
                .to_kebab_case()
                .split(|c: char| !c.is_ascii_alphanumeric())
            {
                if word.is_empty() {
                    continue;
                }
                if !name.is_empty() {
                    name.push('-');
                }
                name.push_str(&word.to_ascii_lowercase());
            }
            if name.is_empty() {
                name.push_str("group");
            }
            if FEATURE_RESERVED.contains(&name.as_str()) {
                name.push_str("-group");
            }
            name
        })
        .collect()
}

/// The module of each feature's operations (in order), for crates that put each group in a
/// file of its own: the feature in snake case (`stem-extraction` -> `stem_extraction`), clear of
/// what the client module defines itself (`types` -> `types_group`); one feature, one module.
pub fn group_modules(features: &[&str]) -> Vec<String> {
    let mut taken = Namespace::with_reserved(TOP_LEVEL_MODULES.iter().copied());
    let mut by_feature: std::collections::BTreeMap<&str, String> = Default::default();
    features
        .iter()
        .map(|feature| {
            by_feature
                .entry(feature)
                .or_insert_with(|| {
                    let wanted = snake_ident(feature);
                    if taken.contains(&wanted) {
                        taken.claim(&format!("{wanted}_group"), "_")
                    } else {
                        taken.claim(&wanted, "_")
                    }
                })
                .clone()
        })
        .collect()
}

/// The `with_<scheme>` and `<scheme>_credential` constructors a scheme gets, if any.
pub fn scheme_methods(scheme: &SecurityScheme) -> Option<(String, String)> {
    if matches!(scheme.placement, Placement::Unsupported(_)) {
        return None;
    }
    let base = snake_ident(&scheme.name);
    Some((format!("with_{base}"), format!("{base}_credential")))
}

/// The setter names of an operation's parameters (`(name, location)`, in order) and form
/// fields: path parameters claim theirs first (the URL is built from them), then the others in
/// order. A name another took gets `{name}_{location}` (then `_2`...), so that every parameter
/// stays settable; the request still carries its own name. `body` is taken when the operation
/// has a request body, and the builder's own members always are. Cookie parameters and empty
/// names get `None`.
pub fn parameter_names(params: &[(&str, &str)], has_body: bool) -> Vec<Option<String>> {
    let mut taken = Namespace::with_reserved(BUILDER_MEMBERS.iter().copied());
    if has_body {
        taken.claim("body", "_");
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
        if name.is_empty() || !matches!(*location, "path" | "query" | "header" | "form") {
            continue;
        }
        let snake = snake_ident(name);
        let unique = if !taken.contains(&snake) {
            taken.claim(&snake, "_")
        } else {
            let located = snake_ident(&format!("{}_{location}", snake_words(name)));
            taken.claim(&located, "_")
        };
        names[i] = Some(unique);
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

/// The enum variant name for a status: its meaning where there is a well-known one.
pub fn status_variant(status: StatusMatch) -> String {
    let known = match status {
        StatusMatch::Code(code) => match code {
            300 => "MultipleChoices",
            301 => "MovedPermanently",
            302 => "Found",
            303 => "SeeOther",
            304 => "NotModified",
            307 => "TemporaryRedirect",
            308 => "PermanentRedirect",
            400 => "BadRequest",
            401 => "Unauthorized",
            402 => "PaymentRequired",
            403 => "Forbidden",
            404 => "NotFound",
            405 => "MethodNotAllowed",
            406 => "NotAcceptable",
            407 => "ProxyAuthenticationRequired",
            408 => "RequestTimeout",
            409 => "Conflict",
            410 => "Gone",
            411 => "LengthRequired",
            412 => "PreconditionFailed",
            413 => "PayloadTooLarge",
            414 => "UriTooLong",
            415 => "UnsupportedMediaType",
            416 => "RangeNotSatisfiable",
            417 => "ExpectationFailed",
            418 => "ImATeapot",
            421 => "MisdirectedRequest",
            422 => "UnprocessableEntity",
            423 => "Locked",
            424 => "FailedDependency",
            425 => "TooEarly",
            426 => "UpgradeRequired",
            428 => "PreconditionRequired",
            429 => "RateLimited",
            431 => "RequestHeaderFieldsTooLarge",
            451 => "UnavailableForLegalReasons",
            500 => "InternalServerError",
            501 => "NotImplemented",
            502 => "BadGateway",
            503 => "ServiceUnavailable",
            504 => "GatewayTimeout",
            505 => "HttpVersionNotSupported",
            507 => "InsufficientStorage",
            other => return format!("Status{other}"),
        },
        StatusMatch::Range(1) => "Informational",
        StatusMatch::Range(3) => "Redirection",
        StatusMatch::Range(4) => "ClientError",
        StatusMatch::Range(5) => "ServerError",
        StatusMatch::Range(d) => return format!("Status{d}xx"),
        StatusMatch::Default => "Other",
    };
    known.to_string()
}

/// The struct of a documented error response's typed headers (`GetJobRateLimitedHeaders`).
pub fn headers_struct(builder: &str, variant: &str) -> String {
    format!("{builder}{variant}Headers")
}

/// The names of the typed choices of form fields (`ExtractStemsSource`): they live under
/// `builder::` beside every builder, and in their operation's module beside its error enum,
/// its headers structs (`...Headers`) and `MediaType`.
pub struct ChoiceNames(Namespace);

/// The namespace of typed choices, with every operation's builder and error enum taken.
pub fn choice_namespace<'a>(ops: impl IntoIterator<Item = &'a OperationNames>) -> ChoiceNames {
    let mut taken = Namespace::with_reserved(["MediaType", "META"]);
    for names in ops {
        taken.claim(&names.builder, "");
        taken.claim(&names.error, "");
    }
    ChoiceNames(taken)
}

impl ChoiceNames {
    /// The enum of the choice that `builder`'s setter `setter` takes: `{builder}{Setter}`, with
    /// `Choice` added where that would read as a headers struct, then made unique.
    pub fn claim_choice(&mut self, builder: &str, setter: &str) -> String {
        let mut wanted = type_name(&format!("{builder} {setter}"));
        if wanted.ends_with("Headers") {
            wanted.push_str("Choice");
        }
        self.0.claim(&wanted, "")
    }
}

/// The variant of an operation's `media_types` enum for a media type
/// (`application/xml` -> `ApplicationXml`), unique among `taken`.
pub fn media_type_variant(media_type: &str, taken: &mut Namespace) -> String {
    taken.claim(&type_name(media_type), "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_modules_are_identifiers_clear_of_the_client_modules_items() {
        assert_eq!(
            group_modules(&["stem-extraction", "types", "pets", "stem-extraction", "2fa"]),
            [
                "stem_extraction",
                "types_group",
                "pets",
                "stem_extraction",
                "x_2fa"
            ]
        );
    }

    #[test]
    fn feature_names_are_cargo_features_clear_of_the_crates_own() {
        let groups = [
            "Stem Extraction",
            "API Keys",
            "users.user",
            "deviceManagement.deviceManagement",
            "Pets",
            "pets",
            "default",
            "serde_json",
            "rustls",
            "other types",
            "v2 beta",
            "Über",
            "???",
            "",
        ];
        assert_eq!(
            feature_names(&groups),
            [
                "stem-extraction",
                "api-keys",
                "users-user",
                "device-management-device-management",
                "pets",
                "pets",
                "default-group",
                "serde-json-group",
                "rustls-group",
                "other-types-group",
                "v2-beta",
                "ber",
                "group",
                "group",
            ]
        );
    }

    #[test]
    fn type_names_are_stable_identifiers() {
        let table = [
            ("error_body", "ErrorBody"),
            ("HTTPError", "HttpError"),
            ("2fa-setup", "X2faSetup"),
            ("Self", "SelfType"),
            ("Default", "DefaultType"),
            ("option", "OptionType"),
            ("future", "FutureType"),
            ("a.b/c", "Abc"),
            ("ErrorBody", "ErrorBody"),
            ("V1Job", "V1Job"),
            ("", "X"),
        ];
        for (key, name) in table {
            assert_eq!(type_name(key), name, "{key}");
            assert_eq!(type_name(name), name, "a type name is its own fixed point");
        }
        let nested = [
            ("Pet", "status", "PetStatus"),
            ("Pet", "item", "PetItem"),
            ("PetTags", "item", "PetTagsItem"),
            ("Pet", "x-rate_limit", "PetXRateLimit"),
            ("Job", "2fa", "Job2fa"),
        ];
        for (parent, part, name) in nested {
            assert_eq!(nested_type_name(parent, part), name, "{parent} {part}");
        }
    }

    #[test]
    fn snake_idents_are_never_keywords() {
        let table = [
            ("getJob", "get_job"),
            ("type", "type_"),
            ("self", "self_"),
            ("2fa", "x_2fa"),
            ("x-api-key", "x_api_key"),
            ("it's", "its"),
            ("", "x_"),
        ];
        for (name, ident) in table {
            assert_eq!(snake_ident(name), ident, "{name}");
            assert!(syn::parse_str::<syn::Ident>(ident).is_ok());
        }
    }

    #[test]
    fn status_variants_have_meaningful_names() {
        let table = [
            (StatusMatch::Code(429), "RateLimited"),
            (StatusMatch::Code(402), "PaymentRequired"),
            (StatusMatch::Code(499), "Status499"),
            (StatusMatch::Range(5), "ServerError"),
            (StatusMatch::Range(7), "Status7xx"),
            (StatusMatch::Default, "Other"),
        ];
        for (status, variant) in table {
            assert_eq!(status_variant(status), variant);
        }
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
    fn operation_names_avoid_the_clients_own_methods_and_each_other() {
        let schemes = [SecurityScheme {
            name: "ApiKey".into(),
            placement: Placement::Header("x-api-key".into()),
            env_var: None,
            description: None,
        }];
        let names = operation_names(
            &[
                ("clientConfig", false),
                ("getJob", true),
                ("get_job", false),
                ("getJobJob", false),
                ("with_api_key", false),
                ("type", false),
            ],
            &schemes,
        );
        let methods: Vec<&str> = names.iter().map(|n| n.method.as_str()).collect();
        assert_eq!(
            methods,
            [
                "client_config_2",
                "get_job",
                "get_job_2",
                "get_job_job",
                "with_api_key_2",
                "type_"
            ]
        );
        let builders: Vec<&str> = names.iter().map(|n| n.builder.as_str()).collect();
        assert_eq!(
            builders,
            [
                "ClientConfig",
                "GetJob",
                "GetJob2",
                "GetJobJob",
                "WithApiKey",
                "Type"
            ]
        );
        assert_eq!(names[1].error, "GetJobError");
        assert_eq!(names[1].meta, "GET_JOB");
        assert_eq!(names[2].meta, "GET_JOB2");
        // The resume method of `getJob` would be `get_job_job`, which an operation has.
        assert_eq!(names[1].resume.as_deref(), Some("get_job_job_2"));
        assert_eq!(names[0].resume, None);
    }

    #[test]
    fn operation_modules_avoid_the_client_modules_own_items() {
        let names = operation_names(
            &[
                ("types", false),
                ("types_op", false),
                ("jobs", false),
                ("rt", false),
                ("getJob", false),
            ],
            &[],
        );
        let modules: Vec<&str> = names.iter().map(|n| n.module.as_str()).collect();
        assert_eq!(
            modules,
            ["types_op_2", "types_op", "jobs_op", "rt_op", "get_job"]
        );
        // authentiq.io has an operation `client`, and one could be named `mediaType`.
        let others = operation_names(&[("client", false), ("mediaType", false)], &[]);
        let builders: Vec<&str> = others.iter().map(|n| n.builder.as_str()).collect();
        assert_eq!(builders, ["Client2", "MediaType2"]);
        assert_eq!(others[0].method, "client");
        assert_eq!(others[0].error, "Client2Error");
        let methods: Vec<&str> = names.iter().map(|n| n.method.as_str()).collect();
        assert_eq!(methods, ["types", "types_op", "jobs", "rt", "get_job"]);
    }

    #[test]
    fn every_parameter_gets_a_unique_setter() {
        let names = parameter_names(
            &[
                ("id", "query"),
                ("id", "path"),
                ("Id", "header"),
                ("id_query", "query"),
                ("body", "query"),
                ("session", "cookie"),
                ("", "query"),
                ("ID", "path"),
                ("send", "query"),
                ("type", "form"),
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
                // A second path parameter named `id` is renamed too: the URL is built from it.
                Some("id_path"),
                // The builder's own method.
                Some("send_query"),
                Some("type_"),
            ]
        );
    }
}
