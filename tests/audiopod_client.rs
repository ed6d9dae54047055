//! End-to-end and error tests of the generated AudioPod client (`generated/audiopod-client`,
//! `spec/audiopod.yaml`) against the scripted local server: the exact requests of every
//! operation under both auth schemes (including the multipart stem extraction forms), the
//! decoding of documented success and error responses, malformed responses, credential
//! hygiene, and re-sending a multipart upload on retry.

mod audiopod_common;

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use audiopod_client::{
    CallError, CallOptions, Client, ClientConfig, ConfigError, Error, FilePart, JobError,
    ResponseValue, RetryPolicy, WaitOptions, errors, types,
};
use audiopod_common::{
    FormPart, GateClock, KEY, RefusingPort, SCHEMES, Scheme, assert_no_credential, assert_no_key,
    assert_printing_hides_key, client, config, names, parse_form, part,
};
use clientgen_runtime::{MAX_ERROR_BODY_BYTES, ManualClock, OperationError, TransportErrorKind};
use clientgen_testkit::{Action, Recorded, Reply, TestServer};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Uniform views of the generated per-operation error enums
// ---------------------------------------------------------------------------------------------

/// A documented error variant's payload.
#[derive(Debug)]
struct Documented {
    variant: &'static str,
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

/// Which variant an operation error is, with what the tests look at.
#[derive(Debug)]
enum Shape {
    Documented(Documented),
    Unexpected {
        status: StatusCode,
        body: Vec<u8>,
        truncated: bool,
    },
    InvalidBody {
        status: Option<StatusCode>,
        body_len: usize,
    },
    Transport(TransportErrorKind),
    InvalidRequest(String),
    DeadlineExceeded,
}

/// A closure mapping `CallError<errors::$enum>` to a [`Shape`]; the listed variants are the
/// documented ones.
macro_rules! shape_of {
    ($enum:ident: $($variant:ident),+ $(,)?) => {
        |e: &CallError<errors::$enum>| -> Shape {
            match e {
                $(CallError::Documented(errors::$enum::$variant(r)) => Shape::Documented(Documented {
                    variant: stringify!($variant),
                    status: r.status,
                    headers: r.headers.clone(),
                    body: serde_json::to_value(&r.body).expect("error body serializes"),
                }),)+
                CallError::UnexpectedStatus(raw) => Shape::Unexpected {
                    status: raw.status,
                    body: raw.body.to_vec(),
                    truncated: raw.truncated,
                },
                CallError::InvalidBody(invalid) => Shape::InvalidBody {
                    status: invalid.status,
                    body_len: invalid.body.len(),
                },
                CallError::Transport(t) => Shape::Transport(t.kind()),
                CallError::InvalidRequest(message) => Shape::InvalidRequest(message.clone()),
                CallError::DeadlineExceeded(_) => Shape::DeadlineExceeded,
                other => panic!("a variant the tests do not know: {other:?}"),
            }
        }
    };
}

/// Converts an operation error into the crate-level error the way callers do, with `?`.
// The crate-level error is as large as its largest operation error, by design.
#[allow(clippy::result_large_err)]
fn raise<E>(error: E) -> Result<(), Error>
where
    Error: From<E>,
{
    Err(error)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 1. Success paths: requests and decoded responses
// ---------------------------------------------------------------------------------------------

const STATUS_EXAMPLE: &str = r#"{
    "id": 5512,
    "status": "COMPLETED",
    "source_type": "URL",
    "stem_paths": {"vocals": "stems/5512/vocals.wav", "drums": "stems/5512/drums.wav",
                   "bass": "stems/5512/bass.wav", "guitar": "stems/5512/guitar.wav",
                   "piano": "stems/5512/piano.wav", "other": "stems/5512/other.wav"},
    "quality_scores": {"vocals": 0.64, "drums": 0.35, "bass": 0.87, "guitar": 0.38,
                       "piano": 0.0, "other": 0.36},
    "download_urls": {"vocals": "https://media.audiopod.ai/5512/vocals.wav",
                      "drums": "https://media.audiopod.ai/5512/drums.wav"},
    "completed_at": "2025-12-11T12:39:37.379848"
}"#;

/// A body the success schema of the operation at `method path` accepts.
fn minimal_success(method: &str, path: &str) -> &'static str {
    match (method, path) {
        ("GET", "/api/v1/auth/api-keys") | ("GET", "/api/v1/stem-extraction/jobs") => "[]",
        ("POST", "/api/v1/auth/api-keys") => r#"{"api_key":"ap_new"}"#,
        ("POST", "/api/v1/stem-extraction/api/extract")
        | ("POST", "/api/v1/stem-extraction/extract/advanced") => r#"{"id":1}"#,
        ("GET", "/api/v1/stem-extraction/status/1") => r#"{"id":1,"status":"PENDING"}"#,
        ("GET", "/api/v1/stem-extraction/modes") => r#"{"modes":[]}"#,
        _ => "{}",
    }
}

/// Every operation of the spec as `(operationId, "METHOD path", authenticated)`, in the order
/// [`call_every_operation`] calls them.
const EVERY_OPERATION: [(&str, &str, bool); 16] = [
    ("listApiKeys", "GET /api/v1/auth/api-keys", true),
    ("createApiKey", "POST /api/v1/auth/api-keys", true),
    ("revokeApiKey", "DELETE /api/v1/auth/api-keys/k1", true),
    (
        "extractStems",
        "POST /api/v1/stem-extraction/api/extract",
        true,
    ),
    (
        "extractStemsAdvanced",
        "POST /api/v1/stem-extraction/extract/advanced",
        true,
    ),
    (
        "getStemJobStatus",
        "GET /api/v1/stem-extraction/status/1",
        true,
    ),
    ("listStemJobs", "GET /api/v1/stem-extraction/jobs", true),
    (
        "deleteStemJob",
        "DELETE /api/v1/stem-extraction/jobs/1",
        true,
    ),
    ("listStemModes", "GET /api/v1/stem-extraction/modes", false),
    (
        "getStemCatalog",
        "GET /api/v1/stem-extraction/catalog",
        true,
    ),
    (
        "listAvailableStemPackages",
        "GET /api/v1/stem-extraction/packages/available",
        true,
    ),
    ("getWalletBalance", "GET /api/v1/api-wallet/balance", true),
    (
        "createTopupCheckout",
        "POST /api/v1/api-wallet/topup/checkout",
        true,
    ),
    ("estimateCost", "POST /api/v1/api-wallet/estimate", false),
    ("getWalletUsage", "GET /api/v1/api-wallet/usage", true),
    ("getPricing", "GET /api/v1/api-wallet/pricing", false),
];

/// Calls every operation of the spec once, in the order of [`EVERY_OPERATION`].
async fn call_every_operation(c: &Client) {
    c.list_api_keys().send().await.expect("listApiKeys");
    c.create_api_key()
        .body(types::CreateApiKeyRequest {
            expires_in_days: None,
            name: Some("k".into()),
            scopes: vec![],
        })
        .send()
        .await
        .expect("createApiKey");
    c.revoke_api_key()
        .key_id("k1")
        .send()
        .await
        .expect("revokeApiKey");
    c.extract_stems()
        .url("https://youtube.com/watch?v=VIDEO_ID")
        .mode(types::StemMode::Four)
        .send()
        .await
        .expect("extractStems");
    c.extract_stems_advanced()
        .url("https://youtube.com/watch?v=VIDEO_ID")
        .single_stem("saxophone")
        .send()
        .await
        .expect("extractStemsAdvanced");
    c.get_stem_job_status()
        .job_id(1)
        .send()
        .await
        .expect("getStemJobStatus");
    c.list_stem_jobs().send().await.expect("listStemJobs");
    c.delete_stem_job()
        .job_id(1)
        .send()
        .await
        .expect("deleteStemJob");
    c.list_stem_modes().send().await.expect("listStemModes");
    c.get_stem_catalog().send().await.expect("getStemCatalog");
    c.list_available_stem_packages()
        .send()
        .await
        .expect("listAvailableStemPackages");
    c.get_wallet_balance()
        .send()
        .await
        .expect("getWalletBalance");
    c.create_topup_checkout()
        .body(types::TopupCheckoutRequest { amount_cents: 100 })
        .send()
        .await
        .expect("createTopupCheckout");
    c.estimate_cost()
        .body(types::CostEstimateRequest {
            service_type: "stem_extraction".into(),
            duration_seconds: 60,
        })
        .send()
        .await
        .expect("estimateCost");
    c.get_wallet_usage().send().await.expect("getWalletUsage");
    c.get_pricing().send().await.expect("getPricing");
}

#[tokio::test]
async fn every_operation_carries_the_credential_exactly_where_the_spec_asks() {
    for scheme in SCHEMES {
        let server = TestServer::with_handler(|request, _| {
            Reply::json(200, minimal_success(&request.method, &request.target)).into()
        })
        .await;
        call_every_operation(&client(&server, scheme)).await;
        let recorded = server.requests();
        assert_eq!(recorded.len(), EVERY_OPERATION.len());
        for ((op, line, authenticated), request) in EVERY_OPERATION.iter().zip(&recorded) {
            assert_eq!(
                format!("{} {}", request.method, request.target),
                *line,
                "{op}"
            );
            assert_eq!(request.header("accept"), Some("application/json"), "{op}");
            assert!(
                request
                    .header("user-agent")
                    .is_some_and(|ua| ua.starts_with("clientgen-runtime/")),
                "{op}"
            );
            if *authenticated {
                scheme.assert_sent(request);
            } else {
                // listStemModes, estimateCost and getPricing declare `security: []`.
                assert_no_credential(request);
            }
        }
    }
}

#[tokio::test]
async fn list_api_keys_decodes_an_open_body() {
    let body =
        r#"[{"id":"key-uuid","name":"production-key","status":"active","request_count":12}]"#;
    let server = TestServer::start(vec![Reply::json(200, body).into()]).await;
    let keys = client(&server, Scheme::ApiKey)
        .list_api_keys()
        .send()
        .await
        .expect("listApiKeys");
    assert_eq!(keys.status(), StatusCode::OK);
    assert_eq!(keys.0, serde_json::from_str::<Value>(body).unwrap());
    let request = &server.requests()[0];
    assert_eq!(request.header("content-type"), None);
    assert!(request.body.is_empty());
}

const KEY_CREATED: &str = r#"{"id":"key-uuid","name":"production-key","api_key":"ap_xxxxxxxxxxxxxxxx",
    "scopes":["*"],"created_at":"2025-01-01T00:00:00Z","expires_at":null}"#;

fn assert_key_created(created: &types::ApiKeyCreated) {
    assert_eq!(created.id.as_deref(), Some("key-uuid"));
    assert_eq!(created.name.as_deref(), Some("production-key"));
    assert_eq!(created.api_key.expose(), "ap_xxxxxxxxxxxxxxxx");
    // The new key is a credential: printing the response does not show it.
    assert!(!format!("{created:?}").contains("ap_xxxxxxxxxxxxxxxx"));
    assert_eq!(created.scopes, vec!["*".to_string()]);
    assert_eq!(
        created
            .created_at
            .as_ref()
            .and_then(|t| t.parsed())
            .map(|t| t.to_rfc3339()),
        Some("2025-01-01T00:00:00+00:00".to_string())
    );
    assert_eq!(created.expires_at, None);
}

#[tokio::test]
async fn create_api_key_sends_json_and_accepts_200_and_201() {
    for (scheme, status) in [(Scheme::ApiKey, 200), (Scheme::Bearer, 201)] {
        let server = TestServer::start(vec![Reply::json(status, KEY_CREATED).into()]).await;
        let created = client(&server, scheme)
            .create_api_key()
            .body(types::CreateApiKeyRequest {
                name: Some("staging-key".into()),
                scopes: vec!["*".into()],
                expires_in_days: Some(90),
            })
            .send()
            .await
            .unwrap_or_else(|e| panic!("createApiKey with HTTP {status}: {e}"));
        assert_eq!(created.status().as_u16(), status);
        assert_key_created(&created);
        let request = &server.requests()[0];
        assert_eq!(request.method, "POST");
        assert_eq!(request.target, "/api/v1/auth/api-keys");
        assert_eq!(request.header("content-type"), Some("application/json"));
        scheme.assert_sent(request);
        let sent: Value = serde_json::from_slice(&request.body).expect("JSON body");
        assert_eq!(
            sent,
            json!({"name": "staging-key", "scopes": ["*"], "expires_in_days": 90})
        );
    }
}

#[tokio::test]
async fn create_api_key_omits_unset_fields() {
    let server = TestServer::start(vec![Reply::json(200, r#"{"api_key":"ap_1"}"#).into()]).await;
    let created = client(&server, Scheme::ApiKey)
        .create_api_key()
        .body(types::CreateApiKeyRequest::default())
        .send()
        .await
        .expect("createApiKey");
    assert_eq!(created.api_key.expose(), "ap_1");
    assert_eq!(created.id, None);
    assert!(created.scopes.is_empty());
    let sent: Value = serde_json::from_slice(&server.requests()[0].body).unwrap();
    assert_eq!(sent, json!({}));
}

#[tokio::test]
async fn revoke_api_key_percent_encodes_the_id_and_accepts_200_and_204() {
    let server = TestServer::start(vec![
        Reply::json(200, r#"{"revoked":true,"id":"key-uuid"}"#).into(),
        Reply::status(204).into(),
    ])
    .await;
    let c = client(&server, Scheme::Bearer);
    let revoked = c
        .revoke_api_key()
        .key_id("key uuid/2?x=1#frag%")
        .send()
        .await
        .expect("revokeApiKey 200");
    assert_eq!(revoked.status(), StatusCode::OK);
    let body = revoked.into_inner().expect("a 200 has a body");
    assert_eq!(body.get("revoked"), Some(&json!(true)));
    assert_eq!(body.get("id"), Some(&json!("key-uuid")));

    let revoked = c
        .revoke_api_key()
        .key_id("key-uuid")
        .send()
        .await
        .expect("revokeApiKey 204 (documented, no body)");
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert!(revoked.is_none(), "a 204 has no body");

    let requests = server.requests();
    assert_eq!(requests[0].method, "DELETE");
    assert_eq!(
        requests[0].target,
        "/api/v1/auth/api-keys/key%20uuid%2F2%3Fx=1%23frag%25"
    );
    assert_eq!(requests[1].target, "/api/v1/auth/api-keys/key-uuid");
    for request in &requests {
        Scheme::Bearer.assert_sent(request);
        assert!(request.body.is_empty());
    }
}

#[tokio::test]
async fn revoke_api_key_refuses_ids_that_would_name_another_resource() {
    let server = TestServer::start(vec![]).await;
    let c = client(&server, Scheme::ApiKey);
    let shape = shape_of!(RevokeApiKeyError: Unauthorized, Forbidden, NotFound, RateLimited);
    // Sent as is, `..` would become `DELETE /api/v1/auth/` and `.` or an empty id
    // `DELETE /api/v1/auth/api-keys/`.
    for id in ["..", ".", ""] {
        let err = c.revoke_api_key().key_id(id).send().await.unwrap_err();
        match shape(&err) {
            Shape::InvalidRequest(message) => assert_eq!(
                message,
                "a path parameter of `/api/v1/auth/api-keys/{key_id}` is empty, `.` or `..`, \
                 which would send the request to another resource",
                "{id:?}"
            ),
            other => panic!("{id:?}: expected InvalidRequest, got {other:?}"),
        }
        assert!(!err.is_retryable());
        assert_printing_hides_key(&err);
    }
    assert_eq!(server.count(), 0, "nothing is sent");
}

fn assert_status_example(job: &types::StemJob) {
    assert_eq!(job.id, 5512);
    assert_eq!(job.status.as_ref().map(|s| s.0.as_str()), Some("COMPLETED"));
    assert_eq!(job.source_type.as_deref(), Some("URL"));
    assert_eq!(job.stem_paths.len(), 6);
    assert_eq!(job.stem_paths["guitar"], "stems/5512/guitar.wav");
    assert_eq!(job.quality_scores["bass"], 0.87);
    assert_eq!(job.quality_scores["piano"], 0.0);
    assert_eq!(
        job.download_urls["vocals"],
        "https://media.audiopod.ai/5512/vocals.wav"
    );
    assert_eq!(
        job.completed_at.as_deref(),
        Some("2025-12-11T12:39:37.379848")
    );
    assert_eq!(job.error_message, None);
}

#[tokio::test]
async fn get_stem_job_status_decodes_the_documented_example() {
    let server = TestServer::start(vec![Reply::json(200, STATUS_EXAMPLE).into()]).await;
    let job = client(&server, Scheme::ApiKey)
        .get_stem_job_status()
        .job_id(5512)
        .send()
        .await
        .expect("getStemJobStatus");
    assert_status_example(&job);
    let request = &server.requests()[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.target, "/api/v1/stem-extraction/status/5512");
}

#[tokio::test]
async fn list_stem_jobs_sends_skip_and_limit_only_when_set() {
    let list = format!("[{STATUS_EXAMPLE}, {{\"id\": 5513, \"status\": \"PENDING\"}}]");
    let server = TestServer::start(vec![
        Reply::json(200, &list).into(),
        Reply::json(200, "[]").into(),
    ])
    .await;
    let c = client(&server, Scheme::ApiKey);
    let jobs = c
        .list_stem_jobs()
        .skip(20u64)
        .limit(10u64)
        .send()
        .await
        .expect("listStemJobs");
    assert_eq!(jobs.len(), 2);
    assert_status_example(&jobs[0]);
    assert_eq!(jobs[1].id, 5513);
    assert_eq!(
        jobs[1].status.as_ref().map(|s| s.0.as_str()),
        Some("PENDING")
    );
    assert!(jobs[1].stem_paths.is_empty());

    let empty = c.list_stem_jobs().send().await.expect("listStemJobs");
    assert!(empty.is_empty());
    let requests = server.requests();
    assert_eq!(
        requests[0].target,
        "/api/v1/stem-extraction/jobs?limit=10&skip=20"
    );
    assert_eq!(requests[1].target, "/api/v1/stem-extraction/jobs");
}

#[tokio::test]
async fn out_of_range_query_values_are_refused_before_sending() {
    let server = TestServer::start(vec![]).await;
    let c = client(&server, Scheme::ApiKey);
    let shape = shape_of!(ListStemJobsError: Unauthorized, Forbidden, RateLimited);
    let err = c.list_stem_jobs().limit(0u64).send().await.unwrap_err();
    match shape(&err) {
        Shape::InvalidRequest(message) => assert!(message.contains("limit"), "{message}"),
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with("listStemJobs: invalid request: "),
        "{err}"
    );
    assert!(!err.is_retryable());
    let shape = shape_of!(GetWalletUsageError: Unauthorized, Forbidden, RateLimited);
    let err = c.get_wallet_usage().page(0u64).send().await.unwrap_err();
    assert!(matches!(shape(&err), Shape::InvalidRequest(m) if m.contains("page")));
    // Declared limits, checked before sending: `limit` at most 100, and the billable top-up's
    // `amount_cents` at least 100 (in its JSON body).
    let shape = shape_of!(GetWalletUsageError: Unauthorized, Forbidden, RateLimited);
    let err = c.get_wallet_usage().limit(150u64).send().await.unwrap_err();
    assert!(
        matches!(shape(&err), Shape::InvalidRequest(m) if m == "`limit` must be at most 100 (is 150)"),
        "{err}"
    );
    let shape =
        shape_of!(CreateTopupCheckoutError: BadRequest, Unauthorized, Forbidden, RateLimited);
    let err = c
        .create_topup_checkout()
        .body(types::TopupCheckoutRequest { amount_cents: 50 })
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(shape(&err), Shape::InvalidRequest(m) if m == "body field `amount_cents` must be at least 100 (is 50)"),
        "{err}"
    );
    assert_eq!(
        server.count(),
        0,
        "nothing is sent for an invalid parameter"
    );
}

#[tokio::test]
async fn delete_stem_job_accepts_200_and_204() {
    let server = TestServer::start(vec![
        Reply::json(200, r#"{"message":"Job deleted","job_id":"5512"}"#).into(),
        Reply::status(204).into(),
    ])
    .await;
    let c = client(&server, Scheme::ApiKey);
    let deleted = c.delete_stem_job().job_id(5512).send().await.expect("200");
    assert_eq!(deleted.status(), StatusCode::OK);
    let body = deleted.into_inner().expect("a 200 has a body");
    assert_eq!(body.get("message").map(String::as_str), Some("Job deleted"));
    assert_eq!(body.get("job_id").map(String::as_str), Some("5512"));
    let deleted = c
        .delete_stem_job()
        .job_id(5512)
        .send()
        .await
        .expect("deleteStemJob 204 (documented, no body)");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(deleted.is_none(), "a 204 has no body");
    for request in server.requests() {
        assert_eq!(request.method, "DELETE");
        assert_eq!(request.target, "/api/v1/stem-extraction/jobs/5512");
    }
}

#[tokio::test]
async fn stem_modes_catalog_and_packages_decode() {
    let modes = r#"{"modes":[{"mode":"six","description":"Vocals, drums, bass, guitar, piano, other","stem_count":6},
                              {"mode":"two","stem_count":2}]}"#;
    let catalog = r#"{"stems":[{"id":"saxophone","label":"Saxophone","group":"winds",
                      "public_tier":"pro","allowed":false,"excludable":true}]}"#;
    let packages = r#"{"packages":["vocals_split"],"tier":"creator"}"#;
    let server = TestServer::start(vec![
        Reply::json(200, modes).into(),
        Reply::json(200, catalog).into(),
        Reply::json(200, packages).into(),
    ])
    .await;
    let c = client(&server, Scheme::Bearer);
    let modes = c.list_stem_modes().send().await.expect("listStemModes");
    assert_eq!(modes.modes.len(), 2);
    assert_eq!(modes.modes[0].mode.as_deref(), Some("six"));
    assert_eq!(modes.modes[0].stem_count, Some(6));
    assert_eq!(
        modes.modes[0].description.as_deref(),
        Some("Vocals, drums, bass, guitar, piano, other")
    );
    assert_eq!(modes.modes[1].description, None);
    let catalog = c.get_stem_catalog().send().await.expect("getStemCatalog");
    assert_eq!(catalog["stems"][0]["id"], "saxophone");
    assert_eq!(catalog["stems"][0]["allowed"], false);
    let packages = c
        .list_available_stem_packages()
        .send()
        .await
        .expect("listAvailableStemPackages");
    assert_eq!(packages["tier"], "creator");
    let requests = server.requests();
    assert_no_credential(&requests[0]);
    Scheme::Bearer.assert_sent(&requests[1]);
    Scheme::Bearer.assert_sent(&requests[2]);
}

#[tokio::test]
async fn wallet_operations_send_and_decode_documented_bodies() {
    let balance = r#"{"balance_cents":2500,"balance_usd":"$25.00","total_spent_cents":1500,
                      "total_spent_usd":"$15.00","low_balance_warning":false}"#;
    let checkout = r#"{"url":"https://checkout.stripe.com/c/pay/cs_1","amount_usd":"$25.00",
                       "session_id":"cs_1","amount_cents":2500}"#;
    let estimate = r#"{"service_type":"stem_extraction","duration_minutes":5.0,
                       "rate_per_minute":"$0.10/min","cost_usd":"$0.50","cost_cents":50}"#;
    let usage = r#"{"logs":[{"service_type":"stem_extraction","duration_minutes":5.47,
                     "amount_usd":"$0.55","created_at":"2025-12-11T12:39:37Z"}],"page":2,"limit":10}"#;
    let pricing = r#"{"services":{"stem_extraction":{"rate_per_minute_cents":10}}}"#;
    let server = TestServer::start(
        [balance, checkout, estimate, usage, pricing]
            .into_iter()
            .map(|body| Reply::json(200, body).into())
            .collect(),
    )
    .await;
    let c = client(&server, Scheme::ApiKey);

    let balance = c
        .get_wallet_balance()
        .send()
        .await
        .expect("getWalletBalance");
    assert_eq!(balance.balance_cents, Some(2500));
    assert_eq!(balance.balance_usd.as_deref(), Some("$25.00"));
    assert_eq!(balance.total_spent_cents, Some(1500));
    assert_eq!(balance.total_spent_usd.as_deref(), Some("$15.00"));
    assert_eq!(balance.low_balance_warning, Some(false));
    assert_eq!(balance.total_topup_cents, None);

    let checkout = c
        .create_topup_checkout()
        .body(types::TopupCheckoutRequest { amount_cents: 2500 })
        .send()
        .await
        .expect("createTopupCheckout");
    assert_eq!(
        checkout.url.as_deref(),
        Some("https://checkout.stripe.com/c/pay/cs_1")
    );
    assert_eq!(checkout.amount_usd.as_deref(), Some("$25.00"));
    assert_eq!(checkout.session_id.as_deref(), Some("cs_1"));
    assert_eq!(checkout.amount_cents, Some(2500));

    let estimate = c
        .estimate_cost()
        .body(types::CostEstimateRequest {
            service_type: "stem_extraction".into(),
            duration_seconds: 300,
        })
        .send()
        .await
        .expect("estimateCost");
    assert_eq!(estimate.service_type.as_deref(), Some("stem_extraction"));
    assert_eq!(estimate.duration_minutes, Some(5.0));
    assert_eq!(estimate.rate_per_minute.as_deref(), Some("$0.10/min"));
    assert_eq!(estimate.cost_usd.as_deref(), Some("$0.50"));
    assert_eq!(estimate.cost_cents, Some(50));

    let usage = c
        .get_wallet_usage()
        .page(2u64)
        .limit(10u64)
        .send()
        .await
        .expect("getWalletUsage");
    assert_eq!(usage.page, Some(2));
    assert_eq!(usage.limit, Some(10));
    assert_eq!(usage.logs.len(), 1);
    let entry = &usage.logs[0];
    assert_eq!(entry.service_type.as_deref(), Some("stem_extraction"));
    assert_eq!(entry.duration_minutes, Some(5.47));
    assert_eq!(entry.amount_usd.as_deref(), Some("$0.55"));
    assert_eq!(
        entry
            .created_at
            .as_ref()
            .and_then(|t| t.parsed())
            .map(|t| t.to_rfc3339()),
        Some("2025-12-11T12:39:37+00:00".to_string())
    );

    let pricing = c.get_pricing().send().await.expect("getPricing");
    assert_eq!(
        pricing["services"]["stem_extraction"]["rate_per_minute_cents"],
        10
    );

    let requests = server.requests();
    let targets: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.target.as_str()))
        .collect();
    assert_eq!(
        targets,
        vec![
            ("GET", "/api/v1/api-wallet/balance"),
            ("POST", "/api/v1/api-wallet/topup/checkout"),
            ("POST", "/api/v1/api-wallet/estimate"),
            ("GET", "/api/v1/api-wallet/usage?limit=10&page=2"),
            ("GET", "/api/v1/api-wallet/pricing"),
        ]
    );
    for i in [1, 2] {
        assert_eq!(requests[i].header("content-type"), Some("application/json"));
    }
    assert_eq!(
        serde_json::from_slice::<Value>(&requests[1].body).unwrap(),
        json!({"amount_cents": 2500})
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&requests[2].body).unwrap(),
        json!({"service_type": "stem_extraction", "duration_seconds": 300})
    );
    Scheme::ApiKey.assert_sent(&requests[0]);
    Scheme::ApiKey.assert_sent(&requests[1]);
    assert_no_credential(&requests[2]);
    Scheme::ApiKey.assert_sent(&requests[3]);
    assert_no_credential(&requests[4]);
}

/// Audio-like bytes that would break a naive multipart encoder: every byte value, CRLFs,
/// and something that looks like a delimiter.
fn tricky_audio() -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..=255u8).collect();
    bytes.extend_from_slice(
        b"\r\n--boundary\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\n",
    );
    bytes.extend((0..4096u32).map(|i| (i * 31 % 251) as u8));
    bytes
}

const ALL_MODES: [(types::StemMode, &str); 7] = [
    (types::StemMode::Single, "single"),
    (types::StemMode::Two, "two"),
    (types::StemMode::Four, "four"),
    (types::StemMode::Six, "six"),
    (types::StemMode::Producer, "producer"),
    (types::StemMode::Studio, "studio"),
    (types::StemMode::Mastering, "mastering"),
];

fn assert_multipart_request(request: &Recorded, path: &str) {
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, path);
    let content_type = request.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    assert_eq!(request.header("accept"), Some("application/json"));
}

#[tokio::test]
async fn extract_stems_submits_a_url_in_each_of_the_seven_modes() {
    for scheme in SCHEMES {
        let server = TestServer::with_handler(|_, n| {
            Reply::json(200, &format!(r#"{{"id":{},"status":"PENDING"}}"#, 100 + n)).into()
        })
        .await;
        let c = client(&server, scheme);
        for (i, (mode, _)) in ALL_MODES.iter().enumerate() {
            let mut builder = c
                .extract_stems()
                .url("https://youtube.com/watch?v=VIDEO_ID")
                .mode(*mode);
            // `single` extracts the stem it names (`x-required-when`).
            if *mode == types::StemMode::Single {
                builder = builder.stem(types::StemName::Vocals);
            }
            let job = builder.send().await.expect("extractStems");
            assert_eq!(job.id, 100 + i as i64);
            assert_eq!(job.status.as_ref().map(|s| s.0.as_str()), Some("PENDING"));
        }
        let requests = server.requests();
        assert_eq!(requests.len(), ALL_MODES.len());
        for (request, (_, mode_text)) in requests.iter().zip(ALL_MODES) {
            assert_multipart_request(request, "/api/v1/stem-extraction/api/extract");
            scheme.assert_sent(request);
            let parts = parse_form(request);
            // Unset optional fields (`file`, `stem`) are omitted, not sent empty.
            if mode_text == "single" {
                assert_eq!(names(&parts), ["url", "mode", "stem"]);
            } else {
                assert_eq!(names(&parts), ["url", "mode"]);
            }
            let url = part(&parts, "url");
            assert_eq!(url.text(), "https://youtube.com/watch?v=VIDEO_ID");
            assert_eq!(
                (url.file_name.as_deref(), url.content_type.as_deref()),
                (None, None)
            );
            let mode = part(&parts, "mode");
            assert_eq!(mode.text(), mode_text);
            assert_eq!(
                (mode.file_name.as_deref(), mode.content_type.as_deref()),
                (None, None)
            );
        }
    }
}

/// The spec says "exactly one of `url` and `file`" (a `oneOf` of `required` lists): a billable
/// extraction with both, or with neither, is refused before anything is sent.
#[tokio::test]
async fn extract_stems_takes_a_url_or_a_file_not_both_nor_neither() {
    let server = TestServer::start(Vec::new()).await;
    let client = client(&server, Scheme::ApiKey);
    let both = client
        .extract_stems()
        .url("https://youtube.com/watch?v=VIDEO_ID")
        .file(FilePart::from_bytes("song.mp3", tricky_audio()))
        .mode(types::StemMode::Two)
        .send()
        .await
        .expect_err("both");
    let CallError::InvalidRequest(message) = &both else {
        panic!("expected InvalidRequest, got {both:?}");
    };
    assert_eq!(
        message,
        "exactly one of `url`, `file` must be set (`url` and `file` are)"
    );
    let neither = client
        .extract_stems()
        .mode(types::StemMode::Two)
        .send()
        .await
        .expect_err("neither");
    assert_eq!(
        neither.to_string(),
        "extractStems: invalid request: exactly one of `url`, `file` must be set (none is)"
    );
    assert_eq!(server.count(), 0, "nothing is sent, nothing is billed");
}

/// The same choice as one typed value: `source` takes a URL or a file (`ExtractStemsSource`,
/// or anything that converts into it), and sends exactly that one part; the catalog extraction
/// takes its own. A shorthand setter after `source` is refused like two shorthand setters.
#[tokio::test]
async fn extract_stems_takes_its_source_as_one_typed_choice() {
    use audiopod_client::builder::{ExtractStemsAdvancedSource, ExtractStemsSource};
    let server =
        TestServer::with_handler(|_, _| Reply::json(201, r#"{"id":1,"status":"PENDING"}"#).into())
            .await;
    let client = client(&server, Scheme::ApiKey);
    let audio = tricky_audio();
    let sources = [
        ExtractStemsSource::Url("https://youtube.com/watch?v=VIDEO_ID".into()),
        "https://soundcloud.com/a/b".into(),
        FilePart::from_bytes("take.wav", audio.clone()).into(),
    ];
    for source in sources {
        client
            .extract_stems()
            .source(source)
            .mode(types::StemMode::Two)
            .send()
            .await
            .expect("extractStems");
    }
    client
        .extract_stems_advanced()
        .source(ExtractStemsAdvancedSource::File(FilePart::from_bytes(
            "mix.wav",
            audio.clone(),
        )))
        .single_stem("saxophone")
        .send()
        .await
        .expect("extractStemsAdvanced");
    let requests = server.requests();
    let forms: Vec<Vec<FormPart>> = requests.iter().map(parse_form).collect();
    assert_eq!(names(&forms[0]), ["url", "mode"]);
    assert_eq!(
        part(&forms[0], "url").text(),
        "https://youtube.com/watch?v=VIDEO_ID"
    );
    assert_eq!(names(&forms[1]), ["url", "mode"]);
    assert_eq!(part(&forms[1], "url").text(), "https://soundcloud.com/a/b");
    assert_eq!(names(&forms[2]), ["file", "mode"]);
    assert_eq!(part(&forms[2], "file").data, audio);
    assert_eq!(
        part(&forms[2], "file").file_name.as_deref(),
        Some("take.wav")
    );
    assert_eq!(names(&forms[3])[0], "file");
    assert!(!names(&forms[3]).contains(&"url"));

    let mixed = client
        .extract_stems()
        .source(FilePart::from_bytes("take.wav", audio))
        .url("https://youtube.com/watch?v=VIDEO_ID")
        .mode(types::StemMode::Two)
        .send()
        .await
        .expect_err("a file, then a URL");
    assert_eq!(
        mixed.to_string(),
        "extractStems: invalid request: exactly one of `url`, `file` must be set (`url` and `file` are)"
    );
    let again = client
        .extract_stems()
        .url("https://example.com/a.mp3")
        .url("https://example.com/b.mp3")
        .mode(types::StemMode::Two)
        .send()
        .await
        .expect("the same field twice: the last value is sent");
    assert_eq!(again.status(), StatusCode::CREATED);
    let last = parse_form(&server.requests()[4]);
    assert_eq!(part(&last, "url").text(), "https://example.com/b.mp3");
    assert_eq!(server.count(), 5, "the refused call was not sent");
}

/// `single` extracts the one stem `stem` names (`x-required-when`): without it the billable
/// call is refused before it is sent; other modes need no stem.
#[tokio::test]
async fn extract_stems_in_single_mode_needs_its_stem() {
    let server =
        TestServer::with_handler(|_, _| Reply::json(201, r#"{"id":1,"status":"PENDING"}"#).into())
            .await;
    let client = client(&server, Scheme::ApiKey);
    let url = "https://youtube.com/watch?v=VIDEO_ID";
    let err = client
        .extract_stems()
        .url(url)
        .mode(types::StemMode::Single)
        .send()
        .await
        .expect_err("no stem");
    assert_eq!(
        err.to_string(),
        "extractStems: invalid request: `stem` is required when `mode` is `single`"
    );
    assert_eq!(server.count(), 0, "nothing is sent, nothing is billed");
    client
        .extract_stems()
        .url(url)
        .mode(types::StemMode::Single)
        .stem(types::StemName::Vocals)
        .send()
        .await
        .expect("single with its stem");
    client
        .extract_stems()
        .url(url)
        .mode(types::StemMode::Four)
        .send()
        .await
        .expect("four needs no stem");
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn extract_stems_uploads_a_file_with_name_type_and_exact_bytes() {
    let audio = tricky_audio();
    let server = TestServer::start(vec![
        Reply::json(
            201,
            r#"{"id":5512,"status":"PENDING","source_type":"FILE"}"#,
        )
        .into(),
    ])
    .await;
    let job = client(&server, Scheme::ApiKey)
        .extract_stems()
        .file(FilePart::from_bytes("my song.mp3", audio.clone()).with_mime("audio/mpeg"))
        .mode(types::StemMode::Single)
        .stem(types::StemName::Vocals)
        .send()
        .await
        .expect("extractStems");
    assert_eq!(job.status(), StatusCode::CREATED);
    assert_eq!(job.id, 5512);
    assert_eq!(job.source_type.as_deref(), Some("FILE"));

    let request = &server.requests()[0];
    assert_multipart_request(request, "/api/v1/stem-extraction/api/extract");
    Scheme::ApiKey.assert_sent(request);
    let parts = parse_form(request);
    assert_eq!(names(&parts), ["file", "mode", "stem"]);
    assert_eq!(
        part(&parts, "file"),
        &FormPart {
            name: "file".into(),
            file_name: Some("my song.mp3".into()),
            content_type: Some("audio/mpeg".into()),
            data: audio,
        }
    );
    assert_eq!(part(&parts, "mode").text(), "single");
    assert_eq!(part(&parts, "stem").text(), "vocals");
}

#[tokio::test]
async fn extract_stems_sends_every_stem_name() {
    let stems = [
        (types::StemName::Vocals, "vocals"),
        (types::StemName::Drums, "drums"),
        (types::StemName::Bass, "bass"),
        (types::StemName::Guitar, "guitar"),
        (types::StemName::Piano, "piano"),
        (types::StemName::Other, "other"),
    ];
    let server = TestServer::with_handler(|_, _| Reply::json(200, r#"{"id":1}"#).into()).await;
    let c = client(&server, Scheme::Bearer);
    for (stem, _) in stems {
        c.extract_stems()
            .url("https://soundcloud.com/a/b")
            .mode(types::StemMode::Single)
            .stem(stem)
            .send()
            .await
            .expect("extractStems");
    }
    for (request, (_, text)) in server.requests().iter().zip(stems) {
        let parts = parse_form(request);
        assert_eq!(names(&parts), ["url", "mode", "stem"]);
        assert_eq!(part(&parts, "stem").text(), text);
    }
}

#[tokio::test]
async fn extract_stems_streams_a_file_from_disk() {
    let dir = std::env::temp_dir().join(format!("audiopod-client-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("take 1.mp3");
    let audio = tricky_audio();
    std::fs::write(&path, &audio).unwrap();
    let server = TestServer::start(vec![Reply::json(200, r#"{"id":7}"#).into()]).await;
    let job = client(&server, Scheme::ApiKey)
        .extract_stems()
        .file(FilePart::from_path(&path))
        .mode(types::StemMode::Two)
        .send()
        .await
        .expect("extractStems");
    assert_eq!(job.id, 7);
    let parts = parse_form(&server.requests()[0]);
    assert_eq!(names(&parts), ["file", "mode"]);
    let file = part(&parts, "file");
    assert_eq!(file.file_name.as_deref(), Some("take 1.mp3"));
    assert_eq!(file.content_type.as_deref(), Some("audio/mpeg"));
    assert_eq!(file.data, audio);

    // A file that cannot be read is a clear error, and nothing is sent.
    let missing = dir.join("missing.mp3");
    let err = client(&server, Scheme::ApiKey)
        .extract_stems()
        .file(FilePart::from_path(&missing))
        .mode(types::StemMode::Two)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CallError::InvalidRequest(m) if m.contains("cannot read the `file` file")),
        "{err:?}"
    );
    assert_eq!(server.count(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn extract_stems_without_mode_is_refused_before_sending() {
    let server = TestServer::start(vec![]).await;
    let err = client(&server, Scheme::ApiKey)
        .extract_stems()
        .url("https://youtube.com/watch?v=VIDEO_ID")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CallError::InvalidRequest(m) if m == "form field `mode` is required"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "extractStems: invalid request: form field `mode` is required"
    );
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn extract_stems_advanced_sends_every_field_and_omits_unset_ones() {
    let server = TestServer::start(vec![
        Reply::json(200, r#"{"id":8801,"status":"PENDING"}"#).into(),
        Reply::json(201, r#"{"job_id":8802}"#).into(),
        Reply::json(200, r#"{"id":8803}"#).into(),
    ])
    .await;
    let c = client(&server, Scheme::Bearer);
    let job = c
        .extract_stems_advanced()
        .url("https://youtube.com/watch?v=VIDEO_ID")
        .single_stem("saxophone")
        .exclude_stems(r#"["saxophone"]"#)
        .method("hierarchical")
        .package("isolation")
        .target_stems(r#"["piano","organ"]"#)
        .two_stems_mode("vocals")
        .target_instrument("violin")
        .multi_stem_count(4)
        .custom_stems(r#"["kick","snare"]"#)
        .send()
        .await
        .expect("extractStemsAdvanced");
    assert_eq!((job.id, job.job_id), (Some(8801), None));
    assert_eq!(job.status.as_ref().map(|s| s.0.as_str()), Some("PENDING"));

    let audio = tricky_audio();
    let job = c
        .extract_stems_advanced()
        .file(FilePart::from_bytes("mix.wav", audio.clone()).with_mime("audio/wav"))
        .exclude_stems(r#"["saxophone","flute"]"#)
        .send()
        .await
        .expect("extractStemsAdvanced");
    assert_eq!(job.status(), StatusCode::CREATED);
    assert_eq!((job.id, job.job_id), (None, Some(8802)));

    let job = c
        .extract_stems_advanced()
        .url("https://example.com/a.mp3")
        .single_stem("backing_track")
        .send()
        .await
        .expect("extractStemsAdvanced");
    assert_eq!(job.id, Some(8803));

    let requests = server.requests();
    for request in &requests {
        assert_multipart_request(request, "/api/v1/stem-extraction/extract/advanced");
        Scheme::Bearer.assert_sent(request);
    }
    let parts = parse_form(&requests[0]);
    let sent: Vec<(&str, &str)> = parts.iter().map(|p| (p.name.as_str(), p.text())).collect();
    assert_eq!(
        sent,
        vec![
            ("url", "https://youtube.com/watch?v=VIDEO_ID"),
            ("single_stem", "saxophone"),
            ("exclude_stems", r#"["saxophone"]"#),
            ("method", "hierarchical"),
            ("package", "isolation"),
            ("target_stems", r#"["piano","organ"]"#),
            ("two_stems_mode", "vocals"),
            ("target_instrument", "violin"),
            ("multi_stem_count", "4"),
            ("custom_stems", r#"["kick","snare"]"#),
        ]
    );
    assert!(
        parts
            .iter()
            .all(|p| p.file_name.is_none() && p.content_type.is_none())
    );

    let parts = parse_form(&requests[1]);
    assert_eq!(names(&parts), ["file", "exclude_stems"]);
    let file = part(&parts, "file");
    assert_eq!(file.file_name.as_deref(), Some("mix.wav"));
    assert_eq!(file.content_type.as_deref(), Some("audio/wav"));
    assert_eq!(file.data, audio);
    assert_eq!(
        part(&parts, "exclude_stems").text(),
        r#"["saxophone","flute"]"#
    );

    assert_eq!(names(&parse_form(&requests[2])), ["url", "single_stem"]);
}

#[tokio::test]
async fn submitted_stem_job_is_polled_until_completed() {
    let clock = Arc::new(ManualClock::new());
    let server = TestServer::start(vec![
        Reply::json(200, r#"{"id":5512,"status":"PENDING"}"#).into(),
        Reply::json(200, r#"{"id":5512,"status":"processing"}"#).into(),
        // States compare case-insensitively (`caseInsensitive: true`).
        Reply::json(200, &STATUS_EXAMPLE.replace("COMPLETED", "completed")).into(),
        Reply::json(200, r#"{"id":5512,"status":"PENDING"}"#).into(),
        Reply::json(
            200,
            r#"{"id":5512,"status":"FAILED","error_message":"Audio too long"}"#,
        )
        .into(),
    ])
    .await;
    let c = Client::from_config(config(&server.url(), Scheme::ApiKey).with_clock(clock.clone()))
        .unwrap();
    let handle = c
        .extract_stems()
        .url("https://youtube.com/watch?v=VIDEO_ID")
        .mode(types::StemMode::Six)
        .submit()
        .await
        .expect("submit");
    assert_eq!(handle.id(), "5512");
    let options = WaitOptions::default()
        .with_initial_interval(Duration::from_secs(5))
        .with_multiplier(1.0);
    let job = handle.wait_with(&options).await.expect("job completes");
    assert_eq!(job.stem_paths["vocals"], "stems/5512/vocals.wav");
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(5)]);

    // Resuming from a stored id polls without submitting again; a failed state ends waiting.
    let err = c
        .extract_stems_job("5512")
        .wait_with(&options)
        .await
        .unwrap_err();
    match &err {
        JobError::Failed {
            job_id,
            state,
            message,
            status,
        } => {
            assert_eq!(job_id, "5512");
            assert_eq!(state, "FAILED");
            assert_eq!(message.as_deref(), Some("Audio too long"));
            assert_eq!(status.id, 5512);
        }
        other => panic!("expected a failed job, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "job 5512 failed with state FAILED: Audio too long"
    );
    let top = Error::from(err);
    assert!(matches!(top, Error::GetStemJobStatusWait(_)));

    let targets: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(targets[0], "/api/v1/stem-extraction/api/extract");
    assert!(
        targets[1..]
            .iter()
            .all(|t| t == "/api/v1/stem-extraction/status/5512"),
        "{targets:?}"
    );
    assert_eq!(targets.len(), 5);
}

// ---------------------------------------------------------------------------------------------
// 2. Every documented error status of every operation
// ---------------------------------------------------------------------------------------------

/// One documented error response of an operation.
struct Case {
    status: u16,
    variant: &'static str,
    /// The response's description in the spec, as the error's Display quotes it.
    description: &'static str,
}

const UNAUTHORIZED: Case = Case {
    status: 401,
    variant: "Unauthorized",
    description: "Invalid or missing API key or token",
};
const WALLET_UNAUTHORIZED: Case = Case {
    status: 401,
    variant: "Unauthorized",
    description: "Invalid API key (`unauthorized`)",
};
const PAYMENT_REQUIRED: Case = Case {
    status: 402,
    variant: "PaymentRequired",
    description: "The API wallet balance does not cover the job (`insufficient_api_balance`)",
};
const FORBIDDEN: Case = Case {
    status: 403,
    variant: "Forbidden",
    description: "The API key was revoked or has expired",
};
const KEY_NOT_FOUND: Case = Case {
    status: 404,
    variant: "NotFound",
    description: "No key with this id belongs to the account",
};
const JOB_NOT_FOUND: Case = Case {
    status: 404,
    variant: "NotFound",
    description: "No such job, or it belongs to another account",
};
const RATE_LIMITED: Case = Case {
    status: 429,
    variant: "RateLimited",
    description: "Too many requests (`rate_limit_exceeded`)",
};
const INVALID_AMOUNT: Case = Case {
    status: 400,
    variant: "BadRequest",
    description: "Amount outside the $1 to $10,000 range (`invalid_amount`)",
};

/// The body the server sends for a documented status (from the spec's examples).
fn documented_body(status: u16) -> Value {
    match status {
        400 => {
            json!({"error": "invalid_amount", "message": "Amount must be between $1 and $10,000"})
        }
        401 => json!({"error": "unauthorized", "message": "Invalid API key"}),
        402 => json!({
            "error": "insufficient_api_balance",
            "message": "Insufficient balance. Required: $0.50, Available: $0.00",
            "required_cents": 50,
            "available_cents": 0
        }),
        403 => json!({"detail": {"message": "API key revoked"}}),
        404 => json!({"detail": "Job not found or access denied"}),
        429 => json!({"detail": "Rate limit exceeded. Try again later."}),
        other => panic!("no documented body for {other}"),
    }
}

/// The server's message in [`documented_body`], as Display quotes it: `message`, else
/// FastAPI's `detail` (a string, or an object's `message`).
fn documented_message(status: u16) -> &'static str {
    match status {
        400 => "Amount must be between $1 and $10,000",
        401 => "Invalid API key",
        402 => "Insufficient balance. Required: $0.50, Available: $0.00",
        403 => "API key revoked",
        404 => "Job not found or access denied",
        429 => "Rate limit exceeded. Try again later.",
        other => panic!("no documented body for {other}"),
    }
}

/// Checks every documented error of one operation under both schemes: the variant, its
/// typed status, headers and body, `status()`, `retry_after()`, `is_retryable()`, Display,
/// `source()`, the conversion into [`Error`] with `?`, and that no text shows the key.
async fn check_documented_errors<T, E, F, Fut>(
    op_id: &str,
    cases: &[Case],
    call: F,
    shape: impl Fn(&E) -> Shape,
) where
    T: std::fmt::Debug,
    E: OperationError + std::fmt::Debug,
    Error: From<E>,
    F: Fn(Client) -> Fut,
    Fut: Future<Output = Result<ResponseValue<T>, E>>,
{
    let crate_variant = {
        let mut chars = op_id.chars();
        let first = chars.next().unwrap().to_ascii_uppercase();
        format!("{first}{}(", chars.as_str())
    };
    for scheme in SCHEMES {
        let replies = cases
            .iter()
            .map(|case| {
                let reply = Reply::json(case.status, &documented_body(case.status).to_string())
                    .header("x-request-id", "req-42");
                // Undocumented for AudioPod, but read whenever a server sends it.
                let reply = if case.status == 429 {
                    reply.header("retry-after", "7")
                } else {
                    reply
                };
                Action::from(reply)
            })
            .collect();
        let server = TestServer::start(replies).await;
        let c = client(&server, scheme);
        for case in cases {
            let what = format!("{op_id} HTTP {} ({scheme:?})", case.status);
            let err = match call(c.clone()).await {
                Ok(value) => panic!("{what}: expected an error, got {value:?}"),
                Err(err) => err,
            };
            let status = StatusCode::from_u16(case.status).unwrap();
            match shape(&err) {
                Shape::Documented(doc) => {
                    assert_eq!(doc.variant, case.variant, "{what}");
                    assert_eq!(doc.status, status, "{what}");
                    assert_eq!(doc.body, documented_body(case.status), "{what}");
                    assert_eq!(doc.headers["x-request-id"], "req-42", "{what}");
                }
                other => panic!("{what}: expected {}, got {other:?}", case.variant),
            }
            assert_eq!(err.status(), Some(status), "{what}");
            let retryable = case.status == 429;
            assert_eq!(err.is_retryable(), retryable, "{what}");
            let wait = retryable.then_some(Duration::from_secs(7));
            assert_eq!(err.retry_after(), wait, "{what}");
            let display = format!(
                "{op_id}: HTTP {status}: {}: {}",
                case.description,
                documented_message(case.status)
            );
            assert_eq!(err.to_string(), display, "{what}");
            assert!(std::error::Error::source(&err).is_none(), "{what}");
            assert_printing_hides_key(&err);

            let top = raise(err).expect_err("an error converts into an error");
            assert!(
                format!("{top:?}").starts_with(&crate_variant),
                "{what}: {top:?}"
            );
            assert_eq!(top.status(), Some(status), "{what}");
            assert_eq!(top.is_retryable(), retryable, "{what}");
            assert_eq!(top.retry_after(), wait, "{what}");
            assert_eq!(top.is_rate_limited(), case.status == 429, "{what}");
            assert_eq!(top.to_string(), display, "{what}");
            assert!(std::error::Error::source(&top).is_none(), "{what}");
            assert_printing_hides_key(&top);
        }
        assert_eq!(server.count(), cases.len(), "one attempt per call");
        for request in server.requests() {
            scheme.assert_sent(&request);
        }
    }
}

#[tokio::test]
async fn api_key_operations_type_every_documented_error() {
    check_documented_errors(
        "listApiKeys",
        &[UNAUTHORIZED, FORBIDDEN, RATE_LIMITED],
        |c| async move { c.list_api_keys().send().await },
        shape_of!(ListApiKeysError: Unauthorized, Forbidden, RateLimited),
    )
    .await;
    check_documented_errors(
        "createApiKey",
        &[UNAUTHORIZED, FORBIDDEN, RATE_LIMITED],
        |c| async move {
            c.create_api_key()
                .body(types::CreateApiKeyRequest::default())
                .send()
                .await
        },
        shape_of!(CreateApiKeyError: Unauthorized, Forbidden, RateLimited),
    )
    .await;
    check_documented_errors(
        "revokeApiKey",
        &[UNAUTHORIZED, FORBIDDEN, KEY_NOT_FOUND, RATE_LIMITED],
        |c| async move { c.revoke_api_key().key_id("key-uuid").send().await },
        shape_of!(RevokeApiKeyError: Unauthorized, Forbidden, NotFound, RateLimited),
    )
    .await;
}

#[tokio::test]
async fn stem_extraction_operations_type_every_documented_error() {
    let extract_forbidden = Case {
        description: "The API key was revoked or has expired. A mode above the account's plan \
                      is also rejected, with an undocumented status and body",
        ..FORBIDDEN
    };
    check_documented_errors(
        "extractStems",
        &[
            UNAUTHORIZED,
            PAYMENT_REQUIRED,
            extract_forbidden,
            RATE_LIMITED,
        ],
        |c| async move {
            c.extract_stems()
                .file(FilePart::from_bytes("a.mp3", vec![1u8, 2, 3]))
                .mode(types::StemMode::Studio)
                .send()
                .await
        },
        shape_of!(ExtractStemsError: Unauthorized, PaymentRequired, Forbidden, RateLimited),
    )
    .await;
    let advanced_forbidden = Case {
        description: "The API key was revoked or has expired. A catalog stem above the \
                      account's plan is also rejected, with an undocumented status and body",
        ..FORBIDDEN
    };
    check_documented_errors(
        "extractStemsAdvanced",
        &[
            UNAUTHORIZED,
            PAYMENT_REQUIRED,
            advanced_forbidden,
            RATE_LIMITED,
        ],
        |c| async move {
            c.extract_stems_advanced()
                .url("https://youtube.com/watch?v=VIDEO_ID")
                .single_stem("saxophone")
                .send()
                .await
        },
        shape_of!(ExtractStemsAdvancedError: Unauthorized, PaymentRequired, Forbidden, RateLimited),
    )
    .await;
    check_documented_errors(
        "getStemJobStatus",
        &[UNAUTHORIZED, FORBIDDEN, JOB_NOT_FOUND, RATE_LIMITED],
        |c| async move { c.get_stem_job_status().job_id(5512).send().await },
        shape_of!(GetStemJobStatusError: Unauthorized, Forbidden, NotFound, RateLimited),
    )
    .await;
    check_documented_errors(
        "listStemJobs",
        &[UNAUTHORIZED, FORBIDDEN, RATE_LIMITED],
        |c| async move { c.list_stem_jobs().send().await },
        shape_of!(ListStemJobsError: Unauthorized, Forbidden, RateLimited),
    )
    .await;
    check_documented_errors(
        "deleteStemJob",
        &[UNAUTHORIZED, FORBIDDEN, JOB_NOT_FOUND, RATE_LIMITED],
        |c| async move { c.delete_stem_job().job_id(5512).send().await },
        shape_of!(DeleteStemJobError: Unauthorized, Forbidden, NotFound, RateLimited),
    )
    .await;
    check_documented_errors(
        "getStemCatalog",
        &[UNAUTHORIZED, FORBIDDEN, RATE_LIMITED],
        |c| async move { c.get_stem_catalog().send().await },
        shape_of!(GetStemCatalogError: Unauthorized, Forbidden, RateLimited),
    )
    .await;
    check_documented_errors(
        "listAvailableStemPackages",
        &[UNAUTHORIZED, FORBIDDEN, RATE_LIMITED],
        |c| async move { c.list_available_stem_packages().send().await },
        shape_of!(ListAvailableStemPackagesError: Unauthorized, Forbidden, RateLimited),
    )
    .await;
}

#[tokio::test]
async fn wallet_operations_type_every_documented_error() {
    check_documented_errors(
        "getWalletBalance",
        &[WALLET_UNAUTHORIZED, FORBIDDEN, RATE_LIMITED],
        |c| async move { c.get_wallet_balance().send().await },
        shape_of!(GetWalletBalanceError: Unauthorized, Forbidden, RateLimited),
    )
    .await;
    check_documented_errors(
        "createTopupCheckout",
        &[INVALID_AMOUNT, WALLET_UNAUTHORIZED, FORBIDDEN, RATE_LIMITED],
        |c| async move {
            // Within the declared limits, so that it is sent: the scripted server answers.
            c.create_topup_checkout()
                .body(types::TopupCheckoutRequest { amount_cents: 100 })
                .send()
                .await
        },
        shape_of!(CreateTopupCheckoutError: BadRequest, Unauthorized, Forbidden, RateLimited),
    )
    .await;
    check_documented_errors(
        "getWalletUsage",
        &[WALLET_UNAUTHORIZED, FORBIDDEN, RATE_LIMITED],
        |c| async move { c.get_wallet_usage().send().await },
        shape_of!(GetWalletUsageError: Unauthorized, Forbidden, RateLimited),
    )
    .await;
}

/// The three operations without authentication document only 429.
#[tokio::test]
async fn unauthenticated_operations_type_rate_limiting() {
    for (op, status_line) in [
        ("listStemModes", "GET /api/v1/stem-extraction/modes"),
        ("estimateCost", "POST /api/v1/api-wallet/estimate"),
        ("getPricing", "GET /api/v1/api-wallet/pricing"),
    ] {
        let server = TestServer::start(vec![
            Reply::json(429, &documented_body(429).to_string())
                .header("retry-after", "3")
                .into(),
        ])
        .await;
        let c = client(&server, Scheme::ApiKey);
        let top: Error = match op {
            "listStemModes" => {
                let err = c.list_stem_modes().send().await.unwrap_err();
                let shape = shape_of!(ListStemModesError: RateLimited);
                assert!(matches!(shape(&err), Shape::Documented(d) if d.variant == "RateLimited"));
                err.into()
            }
            "estimateCost" => {
                let err = c
                    .estimate_cost()
                    .body(types::CostEstimateRequest {
                        service_type: "transcription".into(),
                        duration_seconds: 1,
                    })
                    .send()
                    .await
                    .unwrap_err();
                let shape = shape_of!(EstimateCostError: RateLimited);
                assert!(matches!(shape(&err), Shape::Documented(d) if d.variant == "RateLimited"));
                err.into()
            }
            _ => {
                let err = c.get_pricing().send().await.unwrap_err();
                let shape = shape_of!(GetPricingError: RateLimited);
                assert!(matches!(shape(&err), Shape::Documented(d) if d.variant == "RateLimited"));
                err.into()
            }
        };
        assert_eq!(top.status(), Some(StatusCode::TOO_MANY_REQUESTS), "{op}");
        assert_eq!(top.retry_after(), Some(Duration::from_secs(3)), "{op}");
        assert!(top.is_retryable(), "{op}");
        assert!(top.is_rate_limited(), "{op}");
        assert_eq!(
            top.to_string(),
            format!(
                "{op}: HTTP 429 Too Many Requests: Too many requests (`rate_limit_exceeded`): \
                 Rate limit exceeded. Try again later."
            )
        );
        let request = &server.requests()[0];
        assert_eq!(
            format!("{} {}", request.method, request.target),
            status_line
        );
        assert_no_credential(request);
    }
}

#[tokio::test]
async fn payment_required_exposes_the_wallet_figures_in_both_documented_styles() {
    let detail_style = json!({"detail": {
        "message": "Insufficient balance",
        "required_cents": 120,
        "available_cents": 35
    }});
    let server = TestServer::start(vec![
        Reply::json(402, &documented_body(402).to_string()).into(),
        Reply::json(402, &detail_style.to_string()).into(),
    ])
    .await;
    let c = client(&server, Scheme::ApiKey);
    let send = || {
        c.extract_stems()
            .url("https://youtube.com/watch?v=VIDEO_ID")
            .mode(types::StemMode::Mastering)
            .send()
    };
    match send().await.unwrap_err() {
        CallError::Documented(errors::ExtractStemsError::PaymentRequired(r)) => {
            assert_eq!(r.body.error.as_deref(), Some("insufficient_api_balance"));
            assert_eq!(
                r.body.message.as_deref(),
                Some("Insufficient balance. Required: $0.50, Available: $0.00")
            );
            assert_eq!(r.body.required_cents, Some(50));
            assert_eq!(r.body.available_cents, Some(0));
            assert!(r.body.detail.is_none());
            // One accessor, whichever place the server put the amounts.
            assert_eq!(r.field("required_cents"), Some(json!(50)));
            assert_eq!(r.field("available_cents"), Some(json!(0)));
        }
        other => panic!("expected PaymentRequired, got {other:?}"),
    }
    match send().await.unwrap_err() {
        CallError::Documented(errors::ExtractStemsError::PaymentRequired(r)) => {
            assert_eq!(r.body.required_cents, None);
            assert_eq!(r.field("required_cents"), Some(json!(120)));
            assert_eq!(r.field("available_cents"), Some(json!(35)));
            match r.body.detail {
                Some(types::ErrorDetail::ErrorDetailObject(detail)) => {
                    assert_eq!(detail.message.as_deref(), Some("Insufficient balance"));
                    assert_eq!(detail.required_cents, Some(120));
                    assert_eq!(detail.available_cents, Some(35));
                }
                other => panic!("expected a detail object, got {other:?}"),
            }
        }
        other => panic!("expected PaymentRequired, got {other:?}"),
    }
    // A 402 is not transient and is not re-sent, even with retries allowed.
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn fastapi_detail_strings_and_wallet_codes_decode_typed() {
    let server = TestServer::start(vec![
        Reply::json(404, &documented_body(404).to_string()).into(),
        Reply::json(400, r#"{"error":"invalid_amount"}"#).into(),
    ])
    .await;
    let c = client(&server, Scheme::ApiKey);
    match c.get_stem_job_status().job_id(1).send().await.unwrap_err() {
        CallError::Documented(errors::GetStemJobStatusError::NotFound(r)) => match r.body.detail {
            Some(types::ErrorDetail::String(text)) => {
                assert_eq!(text, "Job not found or access denied")
            }
            other => panic!("expected a detail string, got {other:?}"),
        },
        other => panic!("expected NotFound, got {other:?}"),
    }
    match c
        .create_topup_checkout()
        // Within the declared limits, so that it is sent: the scripted server refuses it.
        .body(types::TopupCheckoutRequest { amount_cents: 100 })
        .send()
        .await
        .unwrap_err()
    {
        CallError::Documented(errors::CreateTopupCheckoutError::BadRequest(r)) => {
            assert_eq!(r.body.error.as_deref(), Some("invalid_amount"));
            assert_eq!(r.body.message, None);
        }
        other => panic!("expected BadRequest, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Malformed responses
// ---------------------------------------------------------------------------------------------

const TEN_MB: usize = 10 * 1024 * 1024;

/// A 10 MB body that starts like JSON and never ends.
fn huge_body() -> Vec<u8> {
    let mut body = br#"{"detail":""#.to_vec();
    body.resize(TEN_MB, b'x');
    body
}

/// What one malformed response must turn into.
enum Want {
    Unexpected {
        status: u16,
        truncated: bool,
        /// The server's message, as Display quotes it.
        message: Option<&'static str>,
    },
    InvalidBody {
        status: Option<u16>,
        mentions: &'static str,
    },
}

fn unexpected(status: u16, truncated: bool, message: Option<&'static str>) -> Want {
    Want::Unexpected {
        status,
        truncated,
        message,
    }
}

fn invalid(status: Option<u16>, mentions: &'static str) -> Want {
    Want::InvalidBody { status, mentions }
}

fn malformed_cases() -> Vec<(&'static str, Reply, Want)> {
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    vec![
        (
            "undocumented 500",
            Reply::status(500)
                .header("content-type", "text/plain")
                .body(b"upstream exploded".to_vec()),
            unexpected(500, false, Some("upstream exploded")),
        ),
        (
            "undocumented 422 with a FastAPI detail list",
            Reply::json(
                422,
                r#"{"detail":[{"loc":["body","mode"],"msg":"field required","type":"value_error.missing"}]}"#,
            ),
            unexpected(422, false, Some("field required")),
        ),
        (
            "empty 200",
            Reply::status(200).header("content-type", "application/json"),
            invalid(None, "the body is empty"),
        ),
        (
            "truncated JSON",
            Reply::json(200, r#"{"id": 5512, "status": "PEND"#),
            invalid(None, "EOF while parsing"),
        ),
        (
            "wrong field types",
            Reply::json(
                200,
                r#"{"id": "5512", "balance_cents": "lots", "low_balance_warning": "no"}"#,
            ),
            invalid(None, "invalid type"),
        ),
        (
            "HTML success page",
            Reply::status(200)
                .header("content-type", "text/html")
                .body(html.as_bytes().to_vec()),
            invalid(None, "body starts with: <html>"),
        ),
        (
            "HTML 401 page",
            Reply::status(401)
                .header("content-type", "text/html")
                .body(html.as_bytes().to_vec()),
            invalid(Some(401), "HTTP 401 Unauthorized"),
        ),
        (
            "empty 403",
            Reply::status(403),
            invalid(Some(403), "the body is empty"),
        ),
        (
            "401 with wrong field types",
            Reply::json(401, r#"{"error": 42, "message": ["no"]}"#),
            invalid(Some(401), "invalid type"),
        ),
        (
            "10 MB 200",
            Reply::status(200)
                .header("content-type", "application/json")
                .body(huge_body()),
            invalid(None, "EOF while parsing"),
        ),
        (
            "10 MB documented 429",
            Reply::status(429)
                .header("content-type", "application/json")
                .body(huge_body()),
            invalid(Some(429), "EOF while parsing"),
        ),
        (
            "10 MB undocumented 500",
            Reply::status(500)
                .header("content-type", "application/json")
                .body(huge_body()),
            // A cut body that does not parse is not quoted.
            unexpected(500, true, None),
        ),
    ]
}

async fn check_malformed<T, E, F, Fut>(op_id: &str, call: F, shape: impl Fn(&E) -> Shape)
where
    T: std::fmt::Debug,
    E: OperationError + std::fmt::Debug,
    F: Fn(Client) -> Fut,
    Fut: Future<Output = Result<ResponseValue<T>, E>>,
{
    for (what, reply, want) in malformed_cases() {
        let sent_len = reply.body.len();
        let server = TestServer::start(vec![reply.into()]).await;
        let err = match call(client(&server, Scheme::ApiKey)).await {
            Ok(value) => panic!("{op_id}, {what}: expected an error, got {value:?}"),
            Err(err) => err,
        };
        let display = err.to_string();
        assert!(
            display.starts_with(&format!("{op_id}: ")),
            "{op_id}, {what}: {display}"
        );
        // Error texts quote at most a short preview of the body.
        assert!(
            display.len() < 600,
            "{op_id}, {what}: {} bytes",
            display.len()
        );
        assert!(
            format!("{err:?}").len() < 4096,
            "{op_id}, {what}: Debug is bounded"
        );
        assert_printing_hides_key(&err);
        assert_eq!(server.count(), 1, "{op_id}, {what}: not retried");
        match (shape(&err), want) {
            (
                Shape::Unexpected {
                    status,
                    body,
                    truncated,
                },
                Want::Unexpected {
                    status: want_status,
                    truncated: want_truncated,
                    message: want_message,
                },
            ) => {
                assert_eq!(status.as_u16(), want_status, "{op_id}, {what}");
                assert_eq!(truncated, want_truncated, "{op_id}, {what}");
                assert_eq!(
                    body.len(),
                    sent_len.min(MAX_ERROR_BODY_BYTES),
                    "{op_id}, {what}: body bounded"
                );
                assert_eq!(err.status().map(|s| s.as_u16()), Some(want_status));
                assert!(!err.is_retryable(), "{op_id}, {what}");
                let quoted = want_message.map(|m| format!(": {m}")).unwrap_or_default();
                assert_eq!(
                    display,
                    format!("{op_id}: undocumented HTTP status {status}{quoted}"),
                    "{op_id}, {what}"
                );
                assert!(std::error::Error::source(&err).is_none());
            }
            (
                Shape::InvalidBody { status, body_len },
                Want::InvalidBody {
                    status: want_status,
                    mentions,
                },
            ) => {
                assert_eq!(status.map(|s| s.as_u16()), want_status, "{op_id}, {what}");
                assert_eq!(err.status(), status, "{op_id}, {what}");
                assert!(
                    body_len <= MAX_ERROR_BODY_BYTES,
                    "{op_id}, {what}: body kept bounded"
                );
                if want_status.is_some() {
                    assert_eq!(
                        body_len,
                        sent_len.min(MAX_ERROR_BODY_BYTES),
                        "{op_id}, {what}: error bodies are read up to the limit"
                    );
                }
                assert!(display.contains(mentions), "{op_id}, {what}: {display}");
                // A body that does not decode keeps its status's meaning: a 429 is transient.
                assert_eq!(
                    err.is_retryable(),
                    want_status == Some(429),
                    "{op_id}, {what}"
                );
                let source = std::error::Error::source(&err).expect("InvalidBody has a source");
                assert!(source.to_string().starts_with("invalid response body"));
                assert!(
                    source.source().is_some(),
                    "the JSON error is the root cause"
                );
            }
            (got, _) => panic!("{op_id}, {what}: wrong variant {got:?}"),
        }
    }
}

#[tokio::test]
async fn malformed_responses_to_a_json_operation_are_typed_errors() {
    check_malformed(
        "getWalletBalance",
        |c| async move { c.get_wallet_balance().send().await },
        shape_of!(GetWalletBalanceError: Unauthorized, Forbidden, RateLimited),
    )
    .await;
}

#[tokio::test]
async fn malformed_responses_to_a_multipart_operation_are_typed_errors() {
    check_malformed(
        "extractStems",
        |c| async move {
            c.extract_stems()
                .file(FilePart::from_bytes("a.mp3", tricky_audio()).with_mime("audio/mpeg"))
                .mode(types::StemMode::Four)
                .send()
                .await
        },
        shape_of!(ExtractStemsError: Unauthorized, PaymentRequired, Forbidden, RateLimited),
    )
    .await;
}

#[tokio::test]
async fn a_success_body_missing_a_required_field_is_invalid() {
    let server = TestServer::start(vec![
        Reply::json(200, r#"{"status":"PENDING"}"#).into(),
        Reply::json(200, r#"{"id":"key-uuid","name":"no secret here"}"#).into(),
    ])
    .await;
    let c = client(&server, Scheme::ApiKey);
    let err = c
        .extract_stems()
        .url("https://youtube.com/watch?v=VIDEO_ID")
        .mode(types::StemMode::Six)
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("missing field `id`"), "{err}");
    let err = c
        .create_api_key()
        .body(types::CreateApiKeyRequest::default())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CallError::InvalidBody(b) if b.source.to_string().contains("missing field `api_key`")),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Secrets
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn client_config_and_credential_debug_hide_the_key() {
    for scheme in SCHEMES {
        let credential = scheme.credential();
        assert_no_key("credential", &format!("{credential:?} {credential:#?}"));
        assert_no_key(
            "secret",
            &format!("{} {:?}", credential.secret(), credential.secret()),
        );
        let config = config("http://127.0.0.1:9", scheme);
        assert_no_key("config", &format!("{config:?} {config:#?}"));
        let c = Client::from_config(config).unwrap();
        assert_no_key("client", &format!("{c:?} {c:#?}"));
    }
    let c = Client::with_api_key_header(KEY).unwrap();
    assert_no_key("client", &format!("{c:?}"));
    assert_eq!(c.client_config().base_url(), Client::DEFAULT_BASE_URL);
    let c = Client::with_bearer_auth(KEY).unwrap();
    assert_no_key("client", &format!("{c:?}"));
}

#[tokio::test]
async fn unusable_keys_are_config_errors_that_do_not_repeat_the_key() {
    for bad in [format!("{KEY}\n"), format!("{KEY}\u{e9}")] {
        for result in [
            Client::api_key_header_credential(bad.clone()),
            Client::bearer_auth_credential(bad.clone()),
        ] {
            let err = result.unwrap_err();
            assert!(
                matches!(err, ConfigError::InvalidCredential { .. }),
                "{err:?}"
            );
            assert_printing_hides_key(&err);
            assert_printing_hides_key(&Error::from(err));
        }
    }
    let err = Client::with_bearer_auth("  ").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid credential for security scheme `BearerAuth`: the key is empty"
    );
}

#[tokio::test]
async fn transport_errors_to_a_dead_port_hide_the_key() {
    let refusing = RefusingPort::new();
    for scheme in SCHEMES {
        let c = Client::from_config(config(&refusing.url(), scheme)).unwrap();
        let json_err = c.get_wallet_balance().send().await.unwrap_err();
        let shape = shape_of!(GetWalletBalanceError: Unauthorized, Forbidden, RateLimited);
        assert!(
            matches!(
                shape(&json_err),
                Shape::Transport(TransportErrorKind::Connect)
            ),
            "{json_err:?}"
        );
        assert!(
            json_err
                .to_string()
                .starts_with("getWalletBalance: connection failed, request not sent"),
            "{json_err}"
        );
        let form_err = c
            .extract_stems()
            .file(FilePart::from_bytes("a.mp3", tricky_audio()))
            .mode(types::StemMode::Six)
            .send()
            .await
            .unwrap_err();
        let shape =
            shape_of!(ExtractStemsError: Unauthorized, PaymentRequired, Forbidden, RateLimited);
        assert!(
            matches!(
                shape(&form_err),
                Shape::Transport(TransportErrorKind::Connect)
            ),
            "{form_err:?}"
        );
        for err in [Error::from(json_err), Error::from(form_err)] {
            assert_eq!(err.status(), None);
            assert!(err.is_retryable(), "a refused connection is transient");
            assert!(std::error::Error::source(&err).is_some());
            assert_printing_hides_key(&err);
        }
    }
}

/// Environment tests change process-wide state; they take this lock.
static ENV_LOCK: Mutex<()> = Mutex::new(());

/// Sets or removes `AUDIOPOD_API_KEY` for the duration of `f`.
fn with_env_key<R>(value: Option<&str>, f: impl FnOnce() -> R) -> R {
    let _guard = ENV_LOCK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let before = std::env::var_os("AUDIOPOD_API_KEY");
    // SAFETY: environment access in this binary goes through `std::env`, whose lock
    // serialises readers and writers, and the tests that change it hold `ENV_LOCK`; the test
    // server and clients use IP-literal URLs, so no resolver reads the environment from C code.
    unsafe {
        match value {
            Some(v) => std::env::set_var("AUDIOPOD_API_KEY", v),
            None => std::env::remove_var("AUDIOPOD_API_KEY"),
        }
    }
    let result = f();
    // SAFETY: as above.
    unsafe {
        match before {
            Some(v) => std::env::set_var("AUDIOPOD_API_KEY", v),
            None => std::env::remove_var("AUDIOPOD_API_KEY"),
        }
    }
    result
}

#[test]
fn from_env_names_the_variable_when_it_is_unset_or_empty() {
    let err = with_env_key(None, Client::from_env).unwrap_err();
    assert!(
        matches!(
            err,
            ConfigError::MissingEnvVar {
                var: "AUDIOPOD_API_KEY"
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "environment variable AUDIOPOD_API_KEY is not set"
    );
    for empty in ["", "   \t"] {
        let err = with_env_key(Some(empty), Client::from_env).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::EmptyEnvVar {
                    var: "AUDIOPOD_API_KEY"
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "environment variable AUDIOPOD_API_KEY is empty"
        );
        let top = Error::from(err);
        assert!(top.to_string().contains("AUDIOPOD_API_KEY"));
    }
}

#[tokio::test]
async fn from_env_sends_the_key_as_x_api_key() {
    let server = TestServer::start(vec![Reply::json(200, "{}").into()]).await;
    let credential = with_env_key(Some(&format!("  {KEY}\n")), Client::credential_from_env)
        .expect("key read from AUDIOPOD_API_KEY");
    assert_eq!(credential.scheme(), "ApiKeyHeader");
    assert_no_key("credential", &format!("{credential:?}"));
    let from_env = with_env_key(Some(KEY), Client::from_env).expect("from_env");
    assert_no_key("client", &format!("{from_env:?}"));
    assert_eq!(
        from_env.client_config().base_url(),
        "https://api.audiopod.ai"
    );

    let c = Client::from_config(
        ClientConfig::new(server.url())
            .unwrap()
            .with_credential(credential)
            .with_retry_policy(RetryPolicy::none()),
    )
    .unwrap();
    c.get_wallet_balance()
        .send()
        .await
        .expect("getWalletBalance");
    Scheme::ApiKey.assert_sent(&server.requests()[0]);
}

#[tokio::test]
async fn the_key_is_not_sent_across_origins_on_a_redirect() {
    for scheme in SCHEMES {
        let elsewhere = TestServer::start(vec![Reply::json(200, "{}").into()]).await;
        let target = format!("{}/api/v1/api-wallet/balance", elsewhere.url());
        let home = TestServer::start(vec![
            Reply::status(307).header("location", &target).into(),
            Reply::status(307).header("location", &target).into(),
        ])
        .await;
        let c = client(&home, scheme);
        let err = c.get_wallet_balance().send().await.unwrap_err();
        match &err {
            CallError::UnexpectedStatus(raw) => {
                assert_eq!(raw.status, StatusCode::TEMPORARY_REDIRECT);
                assert_eq!(raw.headers["location"], target.as_str());
            }
            other => panic!("expected the redirect as UnexpectedStatus, got {other:?}"),
        }
        assert_printing_hides_key(&err);
        let err = c
            .extract_stems()
            .file(FilePart::from_bytes("a.mp3", vec![7u8; 64]))
            .mode(types::StemMode::Two)
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::TEMPORARY_REDIRECT));
        assert_eq!(elsewhere.count(), 0, "nothing reaches the other origin");
        for request in home.requests() {
            scheme.assert_sent(&request);
        }
    }
}

#[tokio::test]
async fn a_same_origin_redirect_is_followed_with_the_key() {
    let server = TestServer::start(vec![]).await;
    server.push(
        Reply::status(307)
            .header(
                "location",
                &format!("{}/api/v1/api-wallet/balance?moved=1", server.url()),
            )
            .into(),
    );
    server.push(Reply::json(200, r#"{"balance_cents":1}"#).into());
    let balance = client(&server, Scheme::Bearer)
        .get_wallet_balance()
        .send()
        .await
        .expect("redirect followed");
    assert_eq!(balance.balance_cents, Some(1));
    let requests = server.requests();
    assert_eq!(requests[1].target, "/api/v1/api-wallet/balance?moved=1");
    for request in &requests {
        Scheme::Bearer.assert_sent(request);
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Re-sending a multipart upload
// ---------------------------------------------------------------------------------------------

/// Retries without jitter, so the recorded waits are exact.
fn retrying(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(attempts)
        .with_jitter(false)
}

fn assert_same_upload(parts: &[FormPart], audio: &[u8]) {
    assert_eq!(names(parts), ["file", "mode"]);
    let file = part(parts, "file");
    assert_eq!(file.file_name.as_deref(), Some("song.mp3"));
    assert_eq!(file.content_type.as_deref(), Some("audio/mpeg"));
    assert_eq!(file.data, audio, "the retry sends the identical bytes");
    assert_eq!(part(parts, "mode").text(), "six");
}

#[tokio::test]
async fn a_refused_upload_is_retried_with_the_identical_file() {
    let audio = tricky_audio();
    let dir = std::env::temp_dir().join(format!("audiopod-retry-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("song.mp3");
    std::fs::write(&path, &audio).unwrap();

    for file in [
        FilePart::from_bytes("song.mp3", audio.clone()).with_mime("audio/mpeg"),
        FilePart::from_path(&path),
    ] {
        let server = TestServer::start(vec![Reply::json(200, r#"{"id":9}"#).into()]).await;
        let refusing = RefusingPort::new();
        let clock = Arc::new(GateClock::default());
        let c = Client::from_config(
            config(&refusing.url(), Scheme::ApiKey)
                .with_retry_policy(retrying(2))
                .with_clock(clock.clone()),
        )
        .unwrap();
        let call = tokio::spawn(async move {
            c.extract_stems()
                .file(file)
                .mode(types::StemMode::Six)
                .send()
                .await
        });
        // The first attempt was refused; open the port before the second one.
        clock.retrying().await;
        let listener = refusing.listen();
        let upstream = server.url().trim_start_matches("http://").to_owned();
        let relay = tokio::spawn(async move {
            let (mut inbound, _) = listener.accept().await.expect("second attempt connects");
            let mut outbound = tokio::net::TcpStream::connect(upstream).await.unwrap();
            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
        });
        clock.resume();
        let job = call.await.unwrap().expect("the retry succeeds");
        assert_eq!(job.id, 9);
        assert_eq!(clock.sleeps(), vec![Duration::from_millis(250)]);
        let requests = server.requests();
        assert_eq!(requests.len(), 1);
        Scheme::ApiKey.assert_sent(&requests[0]);
        assert_same_upload(&parse_form(&requests[0]), &audio);
        relay.abort();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_throttled_upload_is_resent_with_the_identical_file_after_retry_after() {
    let audio = tricky_audio();
    let server = TestServer::start(vec![
        Reply::json(429, &documented_body(429).to_string())
            .header("retry-after", "2")
            .into(),
        Reply::json(200, r#"{"id":10}"#).into(),
    ])
    .await;
    let clock = Arc::new(ManualClock::new());
    let c = Client::from_config(
        config(&server.url(), Scheme::Bearer)
            .with_retry_policy(retrying(3))
            .with_clock(clock.clone()),
    )
    .unwrap();
    let job = c
        .extract_stems()
        .file(FilePart::from_bytes("song.mp3", audio.clone()).with_mime("audio/mpeg"))
        .mode(types::StemMode::Six)
        .send()
        .await
        .expect("the retry succeeds");
    assert_eq!(job.id, 10);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(2)]);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        Scheme::Bearer.assert_sent(request);
        assert_same_upload(&parse_form(request), &audio);
    }
    assert_ne!(
        requests[0].header("content-type"),
        requests[1].header("content-type"),
        "each attempt encodes a fresh form"
    );
}

#[tokio::test]
async fn an_ambiguous_failure_resends_the_billable_upload_only_when_allowed() {
    let audio = tricky_audio();
    let server = TestServer::start(vec![
        Reply::json(503, r#"{"detail":"busy"}"#).into(),
        Reply::json(503, r#"{"detail":"busy"}"#).into(),
        Reply::json(200, r#"{"id":11}"#).into(),
    ])
    .await;
    let clock = Arc::new(ManualClock::new());
    let c = Client::from_config(
        config(&server.url(), Scheme::ApiKey)
            .with_retry_policy(retrying(3))
            .with_clock(clock.clone()),
    )
    .unwrap();
    let upload = || {
        c.extract_stems()
            .file(FilePart::from_bytes("song.mp3", audio.clone()).with_mime("audio/mpeg"))
            .mode(types::StemMode::Six)
    };
    // Billable (`x-cost`): a 503 may have been processed, so it is not re-sent by default.
    let err = upload().send().await.unwrap_err();
    assert!(matches!(&err, CallError::UnexpectedStatus(r) if r.status == 503));
    assert!(err.is_retryable());
    assert_eq!(server.count(), 1);
    assert!(clock.sleeps().is_empty());

    let job = upload()
        .send_with(&CallOptions::new().with_allow_billable_retries(true))
        .await
        .expect("re-sent after opting in");
    assert_eq!(job.id, 11);
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(250)]);
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    for request in &requests {
        assert_same_upload(&parse_form(request), &audio);
    }
}
