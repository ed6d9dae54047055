//! End-to-end tests of the client generated from `generator/tests/fixtures/mixed-errors.yaml`
//! (the workspace member `tests/fixtures/mixed-errors-client`) against the scripted test
//! server: every documented status maps to its own variant with its typed body and headers,
//! ranges and `default` catch what they should, and a bodiless 204 next to a 200 with a body
//! is a success (`None`), not an unexpected status.
//!
//! Regenerate the fixture client after changing the spec or the generator with
//! `CLIENTGEN_BLESS=1 cargo test -p clientgen --test golden` (which also refreshes the golden
//! files), or alone with `cargo run -p clientgen -- generate --spec
//! generator/tests/fixtures/mixed-errors.yaml --out tests/fixtures/mixed-errors-client
//! --crate-name mixed-errors-client`.

use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use clientgen_runtime::{ClientConfig, ManualClock, OpenEnum, RetryPolicy};
use clientgen_testkit::{Action, Reply, TestServer, dead_port};
use mixed_errors_client::errors::{DeleteItemError, GetItemError, PutItemError};
use mixed_errors_client::{CallError, Client, Error, types};

const KEY: &str = "mixed-test-key";

/// A client for `base_url` with one attempt per call, so that each error comes back as is.
fn client(base_url: &str) -> Client {
    client_with(base_url, RetryPolicy::none(), Arc::new(ManualClock::new()))
}

fn client_with(base_url: &str, retry: RetryPolicy, clock: Arc<ManualClock>) -> Client {
    let config = ClientConfig::new(base_url)
        .expect("test server URL is a valid base URL")
        .with_credential(Client::api_key_credential(KEY).expect("valid key"))
        .with_retry_policy(retry)
        .with_attempt_timeout(Duration::from_secs(10))
        .with_clock(clock);
    Client::from_config(config).expect("client builds")
}

/// Answers one `GET /items/x` with `reply` and returns the error it produced.
async fn get_item_error(reply: Reply) -> CallError<GetItemError> {
    let server = TestServer::start(vec![reply.into()]).await;
    let result = client(&server.url()).get_item().id("x").send().await;
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "one attempt, no retry");
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].target, "/items/x");
    assert_eq!(requests[0].header("x-api-key"), Some(KEY));
    match result {
        Ok(value) => panic!("expected an error, got {:?}", value.into_inner()),
        Err(error) => error,
    }
}

fn text(status: u16, body: &str) -> Reply {
    Reply::status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .body(body.as_bytes().to_vec())
}

#[tokio::test]
async fn a_200_decodes_the_item() {
    let server = TestServer::start(vec![
        Reply::json(200, r#"{"id":"x","name":"Ex","tags":["a","b"]}"#).into(),
    ])
    .await;
    let response = client(&server.url())
        .get_item()
        .id("x")
        .send()
        .await
        .expect("200 is a success");
    assert_eq!(response.status().as_u16(), 200);
    let item = response.into_inner();
    assert_eq!(
        (item.id.as_str(), item.name.as_str(), item.tags),
        ("x", "Ex", vec!["a".to_string(), "b".to_string()])
    );
}

#[tokio::test]
async fn an_enum_value_the_spec_does_not_list_is_kept_and_secrets_are_redacted() {
    let server = TestServer::start(vec![
        Reply::json(200, r#"{"id":"x","name":"Ex","state":"published"}"#).into(),
        Reply::json(
            200,
            r#"{"id":"y","name":"Why","state":"archived","secret":"tok-123"}"#,
        )
        .into(),
    ])
    .await;
    let client = client(&server.url());
    let item = client.get_item().id("x").send().await.expect("a success");
    let state = item.into_inner().state.expect("a state");
    assert_eq!(state, OpenEnum::Known(types::ItemState::Published));
    // A state added after the description was written: the response still decodes.
    let item = client.get_item().id("y").send().await.expect("a success");
    let item = item.into_inner();
    assert_eq!(
        item.state.as_ref().and_then(|s| s.unknown()),
        Some("archived")
    );
    assert_eq!(
        serde_json::to_value(&item).expect("serializes")["state"],
        "archived",
        "written back as read"
    );
    let secret = item.secret.as_ref().expect("a secret");
    assert_eq!(secret.expose(), "tok-123");
    assert!(!format!("{item:?}").contains("tok-123"));
}

#[tokio::test]
async fn a_400_carries_the_error_field_and_shows_it() {
    let error = get_item_error(Reply::json(400, r#"{"error":"id must be hex"}"#)).await;
    let CallError::Documented(GetItemError::BadRequest(response)) = &error else {
        panic!("expected BadRequest, got {error:?}");
    };
    assert_eq!(response.body.error, "id must be hex");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(error.retry_after(), None);
    assert!(!error.is_retryable());
    assert!(error.source().is_none());
    assert_eq!(
        error.to_string(),
        "getItem: HTTP 400 Bad Request: The id is malformed: id must be hex"
    );
}

#[tokio::test]
async fn a_403_problem_json_body_is_typed() {
    let reply = Reply::status(403)
        .header("content-type", "application/problem+json")
        .body(br#"{"title":"Forbidden here","status":403}"#.to_vec());
    let error = get_item_error(reply).await;
    let CallError::Documented(GetItemError::Forbidden(response)) = &error else {
        panic!("expected Forbidden, got {error:?}");
    };
    assert_eq!(response.body.title, "Forbidden here");
    assert_eq!(response.body.status, 403);
    assert_eq!(
        error.to_string(),
        "getItem: HTTP 403 Forbidden: Not allowed to read this item: Forbidden here"
    );
}

#[tokio::test]
async fn a_404_detail_list_is_typed() {
    let error = get_item_error(Reply::json(
        404,
        r#"{"detail":[{"loc":["path","id"],"msg":"not found"}]}"#,
    ))
    .await;
    let CallError::Documented(GetItemError::NotFound(response)) = &error else {
        panic!("expected NotFound, got {error:?}");
    };
    assert_eq!(response.body.detail.len(), 1);
    assert_eq!(response.body.detail[0].loc, ["path", "id"]);
    assert_eq!(response.body.detail[0].msg, "not found");
    assert!(!error.is_retryable());
    // `detail` is a list of validation errors: Display quotes their messages.
    assert_eq!(
        error.to_string(),
        "getItem: HTTP 404 Not Found: No such item: not found"
    );
}

#[tokio::test]
async fn a_429_has_typed_headers_and_the_header_wins_over_the_body_field() {
    let reply = Reply::json(429, r#"{"error":"slow down","retry_after":30}"#)
        .header("Retry-After", "7")
        .header("X-RateLimit-Remaining", "0");
    let error = get_item_error(reply).await;
    let CallError::Documented(GetItemError::RateLimited(response)) = &error else {
        panic!("expected RateLimited, got {error:?}");
    };
    assert_eq!(response.body.error, "slow down");
    assert_eq!(response.body.retry_after, 30);
    assert_eq!(
        response.typed_headers.retry_after,
        Some(Duration::from_secs(7))
    );
    assert_eq!(response.typed_headers.x_rate_limit_remaining, Some(0));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
    assert!(error.is_retryable());
    assert_eq!(
        error.to_string(),
        "getItem: HTTP 429 Too Many Requests: Too many requests: slow down"
    );
}

#[tokio::test]
async fn a_429_without_the_header_falls_back_to_the_body_field() {
    let error = get_item_error(Reply::json(429, r#"{"error":"later","retry_after":30}"#)).await;
    let CallError::Documented(GetItemError::RateLimited(response)) = &error else {
        panic!("expected RateLimited, got {error:?}");
    };
    assert_eq!(response.typed_headers.retry_after, None);
    assert_eq!(response.typed_headers.x_rate_limit_remaining, None);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(30)));
}

#[tokio::test]
async fn the_body_retry_after_paces_the_retry() {
    let server = TestServer::start(vec![
        Reply::json(429, r#"{"error":"later","retry_after":3}"#).into(),
        Reply::json(200, r#"{"id":"x","name":"Ex"}"#).into(),
    ])
    .await;
    let clock = Arc::new(ManualClock::new());
    let retry = RetryPolicy::default()
        .with_max_attempts(2)
        .with_initial_backoff(Duration::from_millis(10))
        .with_jitter(false);
    let item = client_with(&server.url(), retry, clock.clone())
        .get_item()
        .id("x")
        .send()
        .await
        .expect("the retry succeeds")
        .into_inner();
    assert_eq!(item.name, "Ex");
    assert_eq!(server.requests().len(), 2);
    assert_eq!(clock.sleeps(), [Duration::from_secs(3)]);
}

#[tokio::test]
async fn an_undocumented_4xx_lands_in_the_range_variant() {
    let error = get_item_error(Reply::json(418, r#"{"code":18,"message":"teapot"}"#)).await;
    let CallError::Documented(GetItemError::ClientError(response)) = &error else {
        panic!("expected ClientError (4XX), got {error:?}");
    };
    assert_eq!(response.status.as_u16(), 418);
    assert_eq!(
        (response.body.code, response.body.message.as_str()),
        (18, "teapot")
    );
    assert_eq!(error.status().map(|s| s.as_u16()), Some(418));
    assert!(!error.is_retryable());
    assert_eq!(
        error.to_string(),
        "getItem: HTTP 418 I'm a teapot: Any other client error: teapot"
    );
}

#[tokio::test]
async fn an_exact_code_wins_over_the_range() {
    // 400 is inside 4XX but documented on its own, with another body shape.
    let error = get_item_error(Reply::json(400, r#"{"error":"exact"}"#)).await;
    assert!(
        matches!(error, CallError::Documented(GetItemError::BadRequest(_))),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_500_text_body_is_kept_as_text() {
    let error = get_item_error(text(500, "database on fire")).await;
    let CallError::Documented(GetItemError::InternalServerError(response)) = &error else {
        panic!("expected InternalServerError, got {error:?}");
    };
    assert_eq!(response.body, "database on fire");
    assert!(!error.is_retryable());
    assert_eq!(
        error.to_string(),
        "getItem: HTTP 500 Internal Server Error: Server failure, as plain text: database on fire"
    );
}

#[tokio::test]
async fn a_503_without_body_has_its_typed_retry_after() {
    let error = get_item_error(Reply::status(503).header("Retry-After", "120")).await;
    let CallError::Documented(GetItemError::ServiceUnavailable(response)) = &error else {
        panic!("expected ServiceUnavailable, got {error:?}");
    };
    let () = response.body;
    assert_eq!(
        response.typed_headers.retry_after,
        Some(Duration::from_secs(120))
    );
    assert_eq!(error.retry_after(), Some(Duration::from_secs(120)));
    assert!(error.is_retryable());
}

#[tokio::test]
async fn an_undocumented_status_keeps_the_raw_response() {
    let reply = Reply::status(502)
        .header("content-type", "text/html")
        .header("Retry-After", "5")
        .body(b"<h1>bad gateway</h1>".to_vec());
    let error = get_item_error(reply).await;
    let CallError::UnexpectedStatus(raw) = &error else {
        panic!("expected UnexpectedStatus, got {error:?}");
    };
    assert_eq!(raw.status.as_u16(), 502);
    assert_eq!(&raw.body[..], b"<h1>bad gateway</h1>");
    assert!(!raw.truncated);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(5)));
    assert!(error.is_retryable());
    assert!(error.source().is_none());
    assert_eq!(
        error.to_string(),
        "getItem: undocumented HTTP status 502 Bad Gateway"
    );
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_is_invalid_body_with_a_source() {
    let error = get_item_error(Reply::json(404, r#"{"detail":"just a string"}"#)).await;
    let CallError::InvalidBody(invalid) = &error else {
        panic!("expected InvalidBody, got {error:?}");
    };
    assert_eq!(invalid.status.map(|s| s.as_u16()), Some(404));
    assert_eq!(&invalid.body[..], br#"{"detail":"just a string"}"#);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    assert!(!error.is_retryable());
    let source = error.source().expect("InvalidBody has a source");
    assert!(
        source.to_string().contains("invalid response body"),
        "{source}"
    );
    assert!(source.source().is_some(), "the JSON error is chained");
    assert!(
        error
            .to_string()
            .starts_with("getItem: invalid response body (HTTP 404 Not Found)")
    );
}

#[tokio::test]
async fn a_refused_connection_is_transport_with_a_source() {
    let url = format!("http://127.0.0.1:{}", dead_port().await);
    let error = client(&url)
        .get_item()
        .id("x")
        .send()
        .await
        .expect_err("nothing listens");
    assert!(matches!(error, CallError::Transport(_)), "{error:?}");
    assert_eq!(error.status(), None);
    assert!(error.is_retryable());
    assert!(error.source().is_some());
    assert!(!error.to_string().contains(KEY));
}

#[tokio::test]
async fn put_returns_the_item_on_200_and_none_on_204() {
    let server = TestServer::start(vec![
        Reply::json(200, r#"{"id":"x","name":"New"}"#).into(),
        Reply::status(204).header("etag", "\"v2\"").into(),
    ])
    .await;
    let client = client(&server.url());
    let put = || {
        client.put_item().id("x").body(types::ItemInput {
            name: "New".to_string(),
        })
    };

    let replaced = put().send().await.expect("200 is a success");
    assert_eq!(replaced.status().as_u16(), 200);
    let item = replaced.into_inner().expect("a 200 has a body");
    assert_eq!((item.id.as_str(), item.name.as_str()), ("x", "New"));

    let unchanged = put().send().await.expect("204 is a success, not an error");
    assert_eq!(unchanged.status().as_u16(), 204);
    assert_eq!(
        unchanged.headers().get("etag").map(|v| v.as_bytes()),
        Some(&b"\"v2\""[..])
    );
    assert!(unchanged.into_inner().is_none());

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "PUT");
    assert_eq!(requests[0].body, br#"{"name":"New"}"#);
}

#[tokio::test]
async fn put_sends_a_body_in_another_documented_media_type_and_resends_it_on_retry() {
    use mixed_errors_client::media_types;

    let server = TestServer::start(vec![
        Reply::status(503).into(),
        Reply::json(200, r#"{"id":"x","name":"Xml"}"#).into(),
        Reply::status(204).into(),
    ])
    .await;
    let retry = RetryPolicy::default()
        .with_max_attempts(2)
        .with_jitter(false);
    let client = client_with(&server.url(), retry, Arc::new(ManualClock::new()));
    let xml = "<ItemInput><name>Xml</name></ItemInput>";

    let replaced = client
        .put_item()
        .id("x")
        .send_body(media_types::PutItem::ApplicationXml, xml)
        .await
        .expect("the 503 is retried, then 200");
    assert_eq!(
        replaced.into_inner().map(|item| item.name),
        Some("Xml".into())
    );
    let unchanged = client
        .put_item()
        .id("x")
        .send_body(media_types::PutItem::TextPlain, "Plain")
        .await
        .expect("204 is a success");
    assert!(unchanged.into_inner().is_none());

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    for request in &requests[..2] {
        assert_eq!(request.target, "/items/x");
        assert_eq!(request.header("content-type"), Some("application/xml"));
        assert_eq!(request.body, xml.as_bytes());
        assert_eq!(request.header("x-api-key"), Some(KEY));
    }
    assert_eq!(requests[2].header("content-type"), Some("text/plain"));
    assert_eq!(requests[2].body, b"Plain");
}

#[tokio::test]
async fn a_multipart_operation_also_sends_its_other_documented_media_type() {
    use mixed_errors_client::media_types;

    let server = TestServer::start(vec![
        Reply::json(200, r#"{"id":"x","name":"With file"}"#).into(),
    ])
    .await;
    let json = r#"{"url":"https://files.example.test/a.pdf"}"#;
    let item = client(&server.url())
        .attach_to_item()
        .id("x")
        .x_trace("trace-2")
        .send_body(media_types::AttachToItem::ApplicationJson, json)
        .await
        .expect("200 is a success")
        .into_inner();
    assert_eq!(item.name, "With file");
    let requests = server.requests();
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].target, "/items/x/attachment");
    assert_eq!(requests[0].header("x-trace"), Some("trace-2"));
    assert_eq!(requests[0].header("content-type"), Some("application/json"));
    assert_eq!(requests[0].header("x-api-key"), Some(KEY));
    assert_eq!(requests[0].body, json.as_bytes());
}

async fn put_item_error(reply: Reply) -> CallError<PutItemError> {
    let server = TestServer::start(vec![Action::Respond(reply)]).await;
    client(&server.url())
        .put_item()
        .id("x")
        .body(types::ItemInput {
            name: "n".to_string(),
        })
        .send()
        .await
        .expect_err("an error status")
}

#[tokio::test]
async fn put_maps_422_and_sends_everything_else_to_default() {
    let error = put_item_error(Reply::json(
        422,
        r#"{"detail":[{"loc":["body","name"],"msg":"too short"}]}"#,
    ))
    .await;
    let CallError::Documented(PutItemError::UnprocessableEntity(response)) = &error else {
        panic!("expected UnprocessableEntity, got {error:?}");
    };
    assert_eq!(response.body.detail[0].msg, "too short");

    for status in [409, 500, 503] {
        let error = put_item_error(Reply::json(status, r#"{"code":7,"message":"nope"}"#)).await;
        let CallError::Documented(PutItemError::Other(response)) = &error else {
            panic!("expected Other (default) for {status}, got {error:?}");
        };
        assert_eq!(response.status.as_u16(), status);
        assert_eq!(response.body.message, "nope");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(error.is_retryable(), status == 503, "{status}");
        assert!(
            error.to_string().ends_with(": Any other error: nope"),
            "{error}"
        );
    }

    // `default` documents a shape: a body that does not have it is InvalidBody, not Other.
    let error = put_item_error(text(502, "gateway")).await;
    assert!(matches!(error, CallError::InvalidBody(_)), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(502));
}

async fn delete_item(reply: Reply) -> Result<(), CallError<DeleteItemError>> {
    let server = TestServer::start(vec![Action::Respond(reply)]).await;
    let result = client(&server.url()).delete_item().id("x").send().await;
    assert_eq!(server.requests()[0].method, "DELETE");
    result.map(|response| {
        assert_eq!(response.status().as_u16(), 204);
        response.into_inner()
    })
}

#[tokio::test]
async fn delete_maps_empty_text_and_binary_error_bodies() {
    delete_item(Reply::status(204))
        .await
        .expect("204 is the documented success");

    let error = delete_item(Reply::status(404)).await.unwrap_err();
    let CallError::Documented(DeleteItemError::NotFound(response)) = &error else {
        panic!("expected NotFound, got {error:?}");
    };
    let () = response.body;
    assert_eq!(
        error.to_string(),
        "deleteItem: HTTP 404 Not Found: No such item, no body"
    );

    let error = delete_item(text(409, "locked by alice")).await.unwrap_err();
    let CallError::Documented(DeleteItemError::Conflict(response)) = &error else {
        panic!("expected Conflict, got {error:?}");
    };
    assert_eq!(response.body, "locked by alice");

    let bytes = vec![0u8, 159, 146, 150];
    let reply = Reply::status(410)
        .header("content-type", "application/octet-stream")
        .body(bytes.clone());
    let error = delete_item(reply).await.unwrap_err();
    let CallError::Documented(DeleteItemError::Gone(response)) = &error else {
        panic!("expected Gone, got {error:?}");
    };
    assert_eq!(&response.body[..], &bytes[..]);

    // A 404 body is ignored (none is documented); a status outside the list is unexpected.
    let error = delete_item(Reply::json(404, r#"{"ignored":true}"#))
        .await
        .unwrap_err();
    assert!(
        matches!(error, CallError::Documented(DeleteItemError::NotFound(_))),
        "{error:?}"
    );
    let error = delete_item(Reply::json(400, "{}")).await.unwrap_err();
    assert!(matches!(error, CallError::UnexpectedStatus(_)), "{error:?}");
}

#[tokio::test]
async fn operation_errors_convert_into_the_crate_error() {
    let error = get_item_error(Reply::json(429, r#"{"error":"busy","retry_after":4}"#)).await;
    let display = error.to_string();
    let error: Error = error.into();
    assert!(matches!(
        error,
        Error::GetItem(CallError::Documented(GetItemError::RateLimited(_)))
    ));
    assert_eq!(error.to_string(), display);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(4)));
    assert!(error.is_retryable());
    assert!(error.source().is_none());

    let invalid: Error = get_item_error(Reply::json(400, "not json")).await.into();
    assert!(matches!(invalid, Error::GetItem(CallError::InvalidBody(_))));
    assert!(invalid.source().is_some(), "the decode error is the source");
}

#[tokio::test]
async fn parameters_whose_rust_names_collide_are_each_sent_under_their_own_name() {
    let server = TestServer::start(vec![
        Reply::json(200, r#"[{"id":"x","name":"Old"}]"#).into(),
    ])
    .await;
    let response = client(&server.url())
        .get_item_history()
        .id("x")
        .id_query("y")
        .page_size(10)
        .page_size_query(20)
        .x_trace("trace-1")
        .x_trace_query("q")
        .send()
        .await
        .expect("200 is a success");
    assert_eq!(response.into_inner().len(), 1);
    let requests = server.requests();
    assert_eq!(
        requests[0].target,
        "/items/x/history?id=y&pageSize=10&page_size=20&x_trace=q"
    );
    assert_eq!(requests[0].header("x-trace"), Some("trace-1"));
}
