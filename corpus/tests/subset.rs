//! The corpus subset that CI runs: every description in corpus/fixtures/ generates, with exactly
//! the expected fallbacks, each reported as a warning at its JSON pointer. (CI also cargo-checks
//! the generated crates: `cargo run -p clientgen-corpus -- --corpus corpus/fixtures ...`.)

use std::path::Path;

use clientgen::{Diagnostics, Settings, Severity};

/// Per fixture: (pointer, a piece of the message) for each expected warning.
const EXPECTED: &[(&str, &[(&str, &str)])] = &[
    (
        "media-types.yaml",
        &[
            (
                "/paths/~1both/post/requestBody/content",
                "sent as `application/json`; `application/xml` as raw bytes with `send_body`",
            ),
            (
                "/paths/~1anything/post/requestBody/content/*~1*",
                "`*/*` is not a media type to send: the body is raw bytes sent as \
                 `application/octet-stream`",
            ),
            (
                "/paths/~1upload/post/requestBody/content/application~1octet-stream/schema",
                "sent as raw bytes the caller encodes, whatever its schema says",
            ),
            (
                "/paths/~1upload/post/responses/200/content/application~1json",
                "decoded as serde_json::Value",
            ),
        ],
    ),
    (
        "oas-3.0-parameters-cookies.json",
        &[
            ("/paths/~1post/post", "no operationId: using `post_post`"),
            ("/paths/~1post/post/parameters/0", "cookie parameter `foo`"),
            ("/paths/~1post/post/parameters/1", "cookie parameter `bar`"),
        ],
    ),
    (
        "oas-3.0-petstore-simple.json",
        &[
            (
                "/paths/~1pet~1{id}/get",
                "no operationId: using `get_pet_id`",
            ),
            (
                "/paths/~1pet~1{id}/put",
                "no operationId: using `put_pet_id`",
            ),
            ("/paths/~1pet~1{id}/get/responses", "no 2xx response"),
            ("/paths/~1pet~1{id}/put/responses", "no 2xx response"),
            ("/components/securitySchemes/apiKey", "`http basic`"),
        ],
    ),
    (
        "oas-3.1-petstore-simple.json",
        &[
            ("/openapi", "OpenAPI 3.1.0 description read as 3.0.3"),
            (
                "/paths/~1pet~1{id}/get",
                "no operationId: using `get_pet_id`",
            ),
            (
                "/paths/~1pet~1{id}/put",
                "no operationId: using `put_pet_id`",
            ),
            ("/paths/~1pet~1{id}/get/responses", "no 2xx response"),
            ("/paths/~1pet~1{id}/put/responses", "no 2xx response"),
            ("/components/securitySchemes/apiKey", "`http basic`"),
        ],
    ),
    (
        "oas-3.1-webhooks.json",
        &[
            ("/openapi", "OpenAPI 3.1.0 description read as 3.0.3"),
            ("/paths", "the description has no paths"),
        ],
    ),
    (
        "openapi-31.yaml",
        &[
            ("/openapi", "OpenAPI 3.1.0 description read as 3.0.3"),
            (
                "/components/schemas/Pet/properties/kind",
                "`const`: converted",
            ),
            (
                "/components/schemas/Pet/properties/tag",
                "`type` given as a list",
            ),
            ("/components/schemas/Pet/properties/name", "`examples` list"),
            (
                "/paths/~1pets~1{id}/get/parameters/0/schema",
                "numeric `exclusiveMinimum`",
            ),
            (
                "/components/schemas/Pet/properties/extra/if",
                "JSON Schema `if` is not supported",
            ),
            (
                "/components/schemas/Pet/properties/extra/then",
                "JSON Schema `then` is not supported",
            ),
        ],
    ),
    (
        "operation-ids.yaml",
        &[
            ("/paths/~1pets/get", "no operationId: using `get_pets`"),
            (
                "/paths/~1pets~1{id}/get/operationId",
                "`list_pets` collides with the one at /paths/~1pets/post: renamed to `list_pets_2`",
            ),
            (
                "/paths/~1pets~1{id}/delete/operationId",
                "renamed to `listPets_3`",
            ),
            (
                "/paths/~1client/put/requestBody/content",
                "the typed body is sent as `application/json`; `text/plain` as raw bytes",
            ),
        ],
    ),
    (
        "parameters.yaml",
        &[
            (
                "/paths/~1items~1{ids}~1{owner}/get/parameters/6",
                "`stray` does not appear in the path",
            ),
            (
                "/paths/~1items~1{ids}~1{owner}/get",
                "`{owner}` has no `in: path` parameter: added",
            ),
            (
                "/paths/~1orders~1{order_id}/parameters/0",
                "`order_id` is not marked required",
            ),
            (
                "/paths/~1items~1{ids}~1{owner}/get/parameters/0",
                "path parameter `ids` is not a plain string",
            ),
            (
                "/paths/~1items~1{ids}~1{owner}/get/parameters/1",
                "style `deepObject`: sent as a raw string",
            ),
            (
                "/paths/~1items~1{ids}~1{owner}/get/parameters/2",
                "style `pipeDelimited`",
            ),
            (
                "/paths/~1items~1{ids}~1{owner}/get/parameters/3",
                "cookie parameter `session`",
            ),
            (
                "/paths/~1items~1{ids}~1{owner}/get/parameters/4",
                "`where` is described by `content`",
            ),
            (
                "/paths/~1items~1{ids}~1{owner}/get/parameters/5",
                "`Where` (query) has the same Rust name `where` as another parameter: its setter \
                 is `where_query`",
            ),
            (
                "/paths/~1orders~1{order_id}/get/parameters/0",
                "`order_id` (query) has the same Rust name `order_id` as another parameter: its \
                 setter is `order_id_query`",
            ),
        ],
    ),
    (
        "references.yaml",
        &[("/paths/~1account/get/operationId", "starts with a digit")],
    ),
    (
        "schemas.yaml",
        &[
            (
                "/components/schemas/Operator/enum",
                "cannot all be told apart as Rust variants",
            ),
            (
                "/components/schemas/Result/properties/count/default",
                "default value \"\" does not fit",
            ),
            (
                "/components/schemas/Result/properties/name",
                "does not name a component schema: its target is inlined",
            ),
        ],
    ),
    (
        "security.yaml",
        &[
            (
                "/components/securitySchemes/oauth",
                "is OAuth2: the generated constructor takes an access token",
            ),
            (
                "/components/securitySchemes/oidc",
                "is OpenID Connect: the generated constructor takes an access token",
            ),
            ("/components/securitySchemes/basic", "`http basic`"),
        ],
    ),
    (
        "type-names.yaml",
        &[
            (
                "/components/schemas/Catalog/properties/json-schema",
                "same Rust field name as `jsonSchema`: left out",
            ),
            (
                "/components/schemas/Catalog/required",
                "required `json_schema` is not a property",
            ),
        ],
    ),
];

fn fixtures_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"))
}

fn generate(name: &str) -> Result<clientgen::GeneratedCrate, Diagnostics> {
    let path = fixtures_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    clientgen::generate(&text, &Settings::new("fixture-client", name))
}

#[test]
fn every_fixture_generates_with_exactly_the_expected_warnings() {
    for (name, expected) in EXPECTED {
        let generated =
            generate(name).unwrap_or_else(|ds| panic!("{name} did not generate:\n{ds}"));
        let warnings: Vec<_> = generated.warnings.iter().collect();
        assert!(
            warnings.iter().all(|w| w.severity == Severity::Warning),
            "{name}"
        );
        for (pointer, needle) in *expected {
            assert!(
                warnings
                    .iter()
                    .any(|w| w.pointer == *pointer && w.message.contains(needle)),
                "{name}: no warning at {pointer} containing {needle:?}; got:\n{}",
                generated.warnings
            );
        }
        assert_eq!(
            warnings.len(),
            expected.len(),
            "{name}: unexpected warnings:\n{}",
            generated.warnings
        );
        assert!(
            warnings.iter().all(|w| w.location.is_some()),
            "{name}: every warning has a line:\n{}",
            generated.warnings
        );
    }
}

#[test]
fn every_fixture_is_listed() {
    let mut on_disk: Vec<String> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".json"))
        .collect();
    on_disk.sort();
    let listed: Vec<String> = EXPECTED.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(on_disk, listed);
}

#[test]
fn raw_bodies_keep_their_content_type_and_options_requests_build() {
    let generated = generate("media-types.yaml").unwrap();
    let client: String = generated.files[Path::new("src/client.rs")]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    // Each body goes out with the media type the description gives it.
    assert!(client.contains("rt::request::raw(request,\"text/xml\","));
    assert!(client.contains("rt::request::json(request,\"application/json-patch+json\","));
    assert!(client.contains("request(::reqwest::Method::OPTIONS,"));
    // A wildcard is no Content-Type: that body goes out as application/octet-stream.
    assert!(!client.contains("\"*/*\""));
    assert!(client.contains("rt::request::raw(request,\"application/octet-stream\","));
}

#[test]
fn degraded_parameters_are_raw_strings_and_left_out_ones_are_gone() {
    let generated = generate("parameters.yaml").unwrap();
    let client = &generated.files[Path::new("src/client.rs")];
    assert!(
        client.contains("pub fn filter(mut self, value: impl rt::IntoParam<String>)"),
        "deepObject is still settable, as a raw string"
    );
    assert!(client.contains("pub fn owner("), "the added path parameter");
    assert!(!client.contains("pub fn session("), "cookies are left out");
    assert!(
        !client.contains("pub fn stray("),
        "stray path parameters are left out"
    );
}

#[test]
fn oauth2_and_openid_connect_schemes_get_access_token_constructors() {
    let generated = generate("security.yaml").unwrap_or_else(|ds| panic!("{ds}"));
    let client = &generated.files[Path::new("src/client.rs")];
    for scheme in ["oauth", "oidc"] {
        assert!(
            client.contains(&format!("pub fn {scheme}_credential(")),
            "{scheme}: no credential constructor"
        );
        assert!(
            client.contains(&format!(
                "Credential::bearer(\"{scheme}\", rt::Secret::new(key))"
            )),
            "{scheme}: not sent as a bearer token"
        );
    }
    assert!(client.contains("an OAuth2 access token the caller obtains"));
    assert!(
        !client.contains("fn basic_credential("),
        "http basic has no constructor"
    );
}
