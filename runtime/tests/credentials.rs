//! Where the API key goes: only to operations that need it, only to the configured origin,
//! never into `Debug` output or error messages.

mod support;

use std::time::Duration;

use clientgen_runtime::{
    CallOptions, ClientConfig, Credential, Failure, OperationMeta, ResponseValue, RetryPolicy,
    Secret, UntypedError, send,
};
use serde_json::Value;
use support::{GET_OP, Reply, TestServer, attempt_json, dead_port};

const KEY: &str = "sk-very-secret-4242";

static NO_AUTH_OP: OperationMeta = OperationMeta {
    operation_id: "health",
    method: "GET",
    path: "/health",
    billable: false,
    idempotent: true,
    streams_body: false,
    security: &[],
    errors: &[],
};

static QUERY_OP: OperationMeta = OperationMeta {
    operation_id: "search",
    method: "GET",
    path: "/search?q=drums",
    billable: false,
    idempotent: true,
    streams_body: false,
    security: &["ApiKeyQuery"],
    errors: &[],
};

fn header_config(base: &str) -> ClientConfig {
    ClientConfig::new(base)
        .expect("base url")
        .with_credential(Credential::api_key_header("ApiKeyHeader", "x-api-key", KEY).expect("key"))
        .with_retry_policy(RetryPolicy::none())
}

fn query_config(base: &str) -> ClientConfig {
    ClientConfig::new(base)
        .expect("base url")
        .with_credential(Credential::api_key_query("ApiKeyQuery", "api_key", KEY).expect("key"))
        .with_retry_policy(RetryPolicy::none())
}

async fn run(
    config: &ClientConfig,
    op: &'static OperationMeta,
    path: &str,
) -> Result<ResponseValue<Value>, UntypedError> {
    let client = config.build_http_client().expect("client");
    send(config, op, &CallOptions::default(), || {
        attempt_json(&client, config, op, path, None)
    })
    .await
}

#[tokio::test]
async fn header_key_is_sent_only_to_operations_that_need_it() {
    let server = TestServer::start(vec![
        Reply::json(200, "{}").into(),
        Reply::json(200, "{}").into(),
    ])
    .await;
    let config = header_config(&server.url());
    run(&config, &GET_OP, "/things").await.expect("auth call");
    run(&config, &NO_AUTH_OP, "/health")
        .await
        .expect("no-auth call");
    let requests = server.requests();
    assert_eq!(requests[0].header("x-api-key"), Some(KEY));
    assert_eq!(requests[1].header("x-api-key"), None);
    assert!(
        requests[0]
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("clientgen-runtime/"))
    );
}

#[tokio::test]
async fn query_key_is_appended_to_the_existing_query() {
    let server = TestServer::start(vec![Reply::json(200, "{}").into()]).await;
    let config = query_config(&server.url());
    run(&config, &QUERY_OP, "/search?q=drums")
        .await
        .expect("call");
    let target = &server.requests()[0].target;
    assert_eq!(target, &format!("/search?q=drums&api_key={KEY}"));
}

#[tokio::test]
async fn cross_origin_redirect_is_not_followed_and_leaks_no_header_key() {
    let other = TestServer::start(vec![Reply::json(200, "{}").into()]).await;
    let server = TestServer::start(vec![
        Reply::status(302)
            .header("location", &format!("{}/steal", other.url()))
            .into(),
    ])
    .await;
    let config = header_config(&server.url());
    let result = run(&config, &GET_OP, "/things").await;
    match result {
        Err(UntypedError::Response(raw)) => {
            assert_eq!(raw.status.as_u16(), 302);
            assert!(raw.headers.get("location").is_some());
        }
        other => panic!("expected the 302 back, got {other:?}"),
    }
    assert_eq!(server.requests()[0].header("x-api-key"), Some(KEY));
    assert_eq!(other.count(), 0, "the other origin was contacted");
    assert!(
        other
            .requests()
            .iter()
            .all(|r| r.header("x-api-key").is_none())
    );
}

#[tokio::test]
async fn redirect_to_another_host_name_on_the_same_port_is_another_origin() {
    let server = TestServer::start(Vec::new()).await;
    server.push(
        Reply::status(307)
            .header("location", &format!("http://localhost:{}/x", server.port()))
            .into(),
    );
    server.push(Reply::json(200, "{}").into());
    let config = header_config(&server.url());
    let result = run(&config, &GET_OP, "/things").await;
    assert!(matches!(result, Err(UntypedError::Response(ref raw)) if raw.status.as_u16() == 307));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn cross_origin_redirect_leaks_no_query_key() {
    let other = TestServer::start(vec![Reply::json(200, "{}").into()]).await;
    let server = TestServer::start(vec![
        Reply::status(302)
            .header("location", &format!("{}/steal", other.url()))
            .into(),
    ])
    .await;
    let config = query_config(&server.url());
    let result = run(&config, &QUERY_OP, "/search?q=drums").await;
    assert!(matches!(result, Err(UntypedError::Response(ref raw)) if raw.status.as_u16() == 302));
    assert_eq!(other.count(), 0);
}

#[tokio::test]
async fn same_origin_redirect_is_followed_with_the_key() {
    let server = TestServer::start(vec![
        Reply::status(302).header("location", "/v2/things").into(),
        Reply::json(200, r#"{"moved":true}"#).into(),
    ])
    .await;
    let config = header_config(&server.url());
    let value = run(&config, &GET_OP, "/things").await.expect("followed");
    assert_eq!(value.into_inner()["moved"], true);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].target, "/v2/things");
    assert_eq!(requests[1].header("x-api-key"), Some(KEY));
}

#[tokio::test]
async fn redirect_loops_stop_after_ten() {
    let script = (0..12)
        .map(|i| {
            Reply::status(302)
                .header("location", &format!("/hop{i}"))
                .into()
        })
        .collect();
    let server = TestServer::start(script).await;
    let config = header_config(&server.url());
    let result = run(&config, &GET_OP, "/things").await;
    assert!(
        matches!(result, Err(UntypedError::Failure(Failure::Transport(_)))),
        "{result:?}"
    );
    // The first request and ten redirects.
    assert_eq!(server.count(), 11);
}

#[tokio::test]
async fn debug_output_never_contains_the_key() {
    let secret = Secret::new(KEY);
    let header = Credential::api_key_header("ApiKeyHeader", "x-api-key", KEY).expect("key");
    let query = Credential::api_key_query("ApiKeyQuery", "api_key", KEY).expect("key");
    let bearer = Credential::bearer("Bearer", KEY).expect("key");
    let config = header_config("https://api.example.com");
    for text in [
        format!("{secret:?}"),
        format!("{secret}"),
        format!("{header:?}"),
        format!("{query:#?}"),
        format!("{bearer:?}"),
        format!("{config:?}"),
        format!("{config:#?}"),
    ] {
        assert!(!text.contains(KEY), "{text}");
    }
}

#[tokio::test]
async fn transport_errors_do_not_repeat_a_query_key() {
    let port = dead_port().await;
    let config = query_config(&format!("http://127.0.0.1:{port}"))
        .with_connect_timeout(Duration::from_secs(2));
    let result = run(&config, &QUERY_OP, "/search?q=drums").await;
    let err = result.expect_err("nothing listens");
    let text = format!("{err} {err:?}");
    assert!(!text.contains(KEY), "{text}");
    assert!(!text.contains("api_key"), "{text}");
}
