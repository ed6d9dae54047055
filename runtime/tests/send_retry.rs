//! The retry loop against a real (local) HTTP server: what is re-sent, how long it waits,
//! and that billable requests are never sent twice without the caller's consent.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use clientgen_runtime::{
    CallOptions, ClientConfig, Credential, Failure, FilePart, ManualClock, OperationMeta,
    ResponseValue, RetryPolicy, TransportErrorKind, UntypedError, send,
};
use progenitor_client::Error as ClientError;
use serde_json::{Value, json};
use support::{Action, BILLABLE_POST, GET_OP, Reply, TestServer, attempt_json, dead_port};

struct Harness {
    config: ClientConfig,
    client: reqwest::Client,
    clock: Arc<ManualClock>,
}

fn harness(base_url: &str) -> Harness {
    let clock = Arc::new(ManualClock::new());
    let config = ClientConfig::new(base_url)
        .expect("base url")
        .with_credential(
            Credential::api_key_header("ApiKeyHeader", "x-api-key", "test-key-123").expect("key"),
        )
        .with_retry_policy(RetryPolicy::default().with_jitter(false))
        .with_attempt_timeout(Duration::from_millis(300))
        .with_clock(clock.clone());
    let client = config.build_http_client().expect("client");
    Harness {
        config,
        client,
        clock,
    }
}

/// Runs one call; returns the result and the number of attempts made.
async fn call(
    h: &Harness,
    op: &'static OperationMeta,
    options: &CallOptions,
) -> (Result<ResponseValue<Value>, UntypedError>, usize) {
    let attempts = AtomicUsize::new(0);
    let body = json!({"input": "x"});
    let body = (op.method == "POST").then_some(&body);
    let result = send(&h.config, op, options, || {
        attempts.fetch_add(1, Ordering::SeqCst);
        attempt_json(&h.client, &h.config, op, op.path, body)
    })
    .await;
    (result, attempts.load(Ordering::SeqCst))
}

fn status_of(result: &Result<ResponseValue<Value>, UntypedError>) -> Option<u16> {
    match result {
        Err(UntypedError::Response(raw)) => Some(raw.status.as_u16()),
        _ => None,
    }
}

fn repeat(action: Action, n: usize) -> Vec<Action> {
    std::iter::repeat_n(action, n).collect()
}

#[tokio::test]
async fn classification_table_over_http() {
    // (status, attempts for a GET, attempts for a billable POST, ... with opt-in)
    let table = [
        (429, 3, 3, 3),
        (502, 3, 1, 3),
        (503, 3, 1, 3),
        (504, 3, 1, 3),
        (500, 1, 1, 1),
        (400, 1, 1, 1),
        (401, 1, 1, 1),
        (404, 1, 1, 1),
        (422, 1, 1, 1),
    ];
    for (status, get, post, post_opt_in) in table {
        for (op, options, expected) in [
            (&GET_OP, CallOptions::default(), get),
            (&BILLABLE_POST, CallOptions::default(), post),
            (
                &BILLABLE_POST,
                CallOptions::default().with_allow_billable_retries(true),
                post_opt_in,
            ),
        ] {
            let server =
                TestServer::start(repeat(Reply::json(status, r#"{"error":"x"}"#).into(), 3)).await;
            let h = harness(&server.url());
            let (result, attempts) = call(&h, op, &options).await;
            assert_eq!(status_of(&result), Some(status), "{status} {}", op.method);
            assert_eq!(attempts, expected, "{status} {} attempts", op.method);
            assert_eq!(server.count(), expected, "{status} {} requests", op.method);
            assert_eq!(h.clock.sleeps().len(), expected - 1);
        }
    }
}

#[tokio::test]
async fn lost_response_is_retried_for_get_only() {
    let server = TestServer::start(vec![
        Action::Close,
        Action::Close,
        Reply::json(200, "[1]").into(),
    ])
    .await;
    let h = harness(&server.url());
    let (result, attempts) = call(&h, &GET_OP, &CallOptions::default()).await;
    assert_eq!(
        result.expect("third attempt succeeds").into_inner(),
        json!([1])
    );
    assert_eq!(attempts, 3);
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn billable_post_with_lost_response_reaches_server_exactly_once() {
    let server = TestServer::start(vec![
        Action::Close,
        Reply::json(200, r#"{"job_id":"j1"}"#).into(),
    ])
    .await;
    let h = harness(&server.url());
    let (result, attempts) = call(&h, &BILLABLE_POST, &CallOptions::default()).await;
    match result {
        Err(UntypedError::Failure(Failure::Transport(t))) => {
            assert!(t.was_sent());
            assert_ne!(t.kind(), TransportErrorKind::Connect);
        }
        other => panic!("expected a transport failure, got {other:?}"),
    }
    assert_eq!(attempts, 1);
    assert_eq!(server.count(), 1);
    assert!(h.clock.sleeps().is_empty());
}

#[tokio::test]
async fn billable_post_with_lost_response_is_resent_with_opt_in() {
    let server = TestServer::start(vec![
        Action::Close,
        Reply::json(200, r#"{"job_id":"j1"}"#).into(),
    ])
    .await;
    let h = harness(&server.url());
    let options = CallOptions::default().with_allow_billable_retries(true);
    let (result, attempts) = call(&h, &BILLABLE_POST, &options).await;
    assert_eq!(result.expect("second attempt").into_inner()["job_id"], "j1");
    assert_eq!(attempts, 2);
    assert_eq!(server.count(), 2);
    let bodies: Vec<Vec<u8>> = server.requests().into_iter().map(|r| r.body).collect();
    assert_eq!(bodies[0], bodies[1]);
}

#[tokio::test]
async fn timeouts_are_retried_for_get_only() {
    for (op, expected) in [(&GET_OP, 3), (&BILLABLE_POST, 1)] {
        let server = TestServer::start(repeat(Action::Hang(Duration::from_secs(5)), 3)).await;
        let h = harness(&server.url());
        let (result, attempts) = call(&h, op, &CallOptions::default()).await;
        match result {
            Err(UntypedError::Failure(Failure::Transport(t))) => {
                assert_eq!(t.kind(), TransportErrorKind::Timeout, "{t}");
            }
            other => panic!("expected a timeout, got {other:?}"),
        }
        assert_eq!(attempts, expected, "{}", op.method);
        assert_eq!(server.count(), expected, "{}", op.method);
    }
}

#[tokio::test]
async fn connection_refused_is_retried_even_for_billable_post() {
    let port = dead_port().await;
    let h = harness(&format!("http://127.0.0.1:{port}"));
    let (result, attempts) = call(&h, &BILLABLE_POST, &CallOptions::default()).await;
    match result {
        Err(UntypedError::Failure(Failure::Transport(t))) => {
            assert_eq!(t.kind(), TransportErrorKind::Connect, "{t}");
            assert!(!t.was_sent());
        }
        other => panic!("expected a connect failure, got {other:?}"),
    }
    assert_eq!(attempts, 3);
    assert_eq!(
        h.clock.sleeps(),
        vec![Duration::from_millis(250), Duration::from_millis(500)]
    );
}

#[tokio::test]
async fn too_many_requests_waits_for_retry_after() {
    let server = TestServer::start(vec![
        Reply::json(429, r#"{"error":"slow down"}"#)
            .header("retry-after", "2")
            .into(),
        Reply::json(200, r#"{"job_id":"j9"}"#).into(),
    ])
    .await;
    let h = harness(&server.url());
    let (result, attempts) = call(&h, &BILLABLE_POST, &CallOptions::default()).await;
    assert_eq!(
        result.expect("retried after 429").into_inner()["job_id"],
        "j9"
    );
    assert_eq!(attempts, 2);
    let sleeps = h.clock.sleeps();
    assert_eq!(sleeps.len(), 1);
    assert!(sleeps[0] >= Duration::from_secs(2), "{sleeps:?}");
}

#[tokio::test]
async fn retry_after_with_jitter_still_waits_at_least_as_asked() {
    let server = TestServer::start(vec![
        Reply::status(429).header("retry-after", "2").into(),
        Reply::json(200, "{}").into(),
    ])
    .await;
    let mut h = harness(&server.url());
    h.config = h.config.clone().with_retry_policy(RetryPolicy::default());
    let (result, _) = call(&h, &GET_OP, &CallOptions::default()).await;
    assert!(result.is_ok());
    assert!(h.clock.sleeps()[0] >= Duration::from_secs(2));
}

#[tokio::test]
async fn unavailable_with_retry_after_waits_for_it() {
    let server = TestServer::start(vec![
        Reply::status(503).header("retry-after", "3").into(),
        Reply::json(200, "{}").into(),
    ])
    .await;
    let h = harness(&server.url());
    let (result, attempts) = call(&h, &GET_OP, &CallOptions::default()).await;
    assert!(result.is_ok());
    assert_eq!(attempts, 2);
    assert_eq!(h.clock.sleeps(), vec![Duration::from_secs(3)]);
}

#[tokio::test]
async fn retry_after_beyond_the_maximum_is_not_waited_for() {
    let server = TestServer::start(vec![
        Reply::status(429).header("retry-after", "120").into(),
        Reply::json(200, "{}").into(),
    ])
    .await;
    let h = harness(&server.url());
    let (result, attempts) = call(&h, &GET_OP, &CallOptions::default()).await;
    assert_eq!(status_of(&result), Some(429));
    assert_eq!(attempts, 1);
    assert!(h.clock.sleeps().is_empty());
}

#[tokio::test]
async fn retry_that_would_pass_the_deadline_is_not_attempted() {
    let server = TestServer::start(vec![
        Reply::status(429).header("retry-after", "2").into(),
        Reply::json(200, "{}").into(),
    ])
    .await;
    let h = harness(&server.url());
    let options = CallOptions::default().with_call_timeout(Some(Duration::from_secs(1)));
    let (result, attempts) = call(&h, &GET_OP, &options).await;
    assert_eq!(status_of(&result), Some(429));
    assert_eq!(attempts, 1);
    assert!(h.clock.sleeps().is_empty());
}

#[tokio::test]
async fn attempt_running_at_the_deadline_is_cancelled() {
    let server = TestServer::start(vec![Action::Hang(Duration::from_secs(10))]).await;
    let h = harness(&server.url());
    let config = h
        .config
        .clone()
        .with_attempt_timeout(Duration::from_secs(30))
        .with_call_timeout(Some(Duration::from_millis(200)));
    let h = Harness { config, ..h };
    let (result, attempts) = call(&h, &GET_OP, &CallOptions::default()).await;
    match result {
        Err(UntypedError::Failure(Failure::DeadlineExceeded(d))) => {
            assert_eq!(d.operation_id, "listThings");
            assert_eq!(d.attempts, 1);
        }
        other => panic!("expected DeadlineExceeded, got {other:?}"),
    }
    assert_eq!(attempts, 1);
}

#[tokio::test]
async fn manual_clock_records_the_backoff_sequence() {
    let server = TestServer::start(repeat(Reply::status(503).into(), 5)).await;
    let h = harness(&server.url());
    let options = CallOptions::default().with_retry_policy(
        RetryPolicy::default()
            .with_jitter(false)
            .with_max_attempts(5)
            .with_initial_backoff(Duration::from_millis(100))
            .with_multiplier(3.0)
            .with_max_backoff(Duration::from_secs(2)),
    );
    let (result, attempts) = call(&h, &GET_OP, &options).await;
    assert_eq!(status_of(&result), Some(503));
    assert_eq!(attempts, 5);
    assert_eq!(
        h.clock.sleeps(),
        vec![
            Duration::from_millis(100),
            Duration::from_millis(300),
            Duration::from_millis(900),
            Duration::from_secs(2),
        ]
    );
}

#[tokio::test]
async fn no_retry_policy_makes_one_attempt() {
    let server = TestServer::start(repeat(Reply::status(503).into(), 3)).await;
    let h = harness(&server.url());
    let options = CallOptions::default().with_retry_policy(RetryPolicy::none());
    let (_, attempts) = call(&h, &GET_OP, &options).await;
    assert_eq!(attempts, 1);
}

#[tokio::test]
async fn invalid_success_payload_is_not_retried() {
    let server = TestServer::start(repeat(Reply::json(200, "{not json").into(), 3)).await;
    let h = harness(&server.url());
    let (result, attempts) = call(&h, &GET_OP, &CallOptions::default()).await;
    match result {
        Err(UntypedError::Failure(Failure::InvalidBody(b))) => {
            assert_eq!(b.status, None);
            assert!(b.to_string().contains("{not json"), "{b}");
        }
        other => panic!("expected InvalidBody, got {other:?}"),
    }
    assert_eq!(attempts, 1);
}

#[tokio::test]
async fn invalid_request_is_not_retried() {
    let h = harness("http://127.0.0.1:9");
    let attempts = AtomicUsize::new(0);
    let result: Result<ResponseValue<Value>, UntypedError> =
        send(&h.config, &GET_OP, &CallOptions::default(), || {
            attempts.fetch_add(1, Ordering::SeqCst);
            async { Err(ClientError::InvalidRequest("bad parameter".into())) }
        })
        .await;
    assert!(matches!(
        result,
        Err(UntypedError::Failure(Failure::InvalidRequest(ref m))) if m == "bad parameter"
    ));
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn unexpected_success_status_goes_to_from_response() {
    let h = harness("http://127.0.0.1:9");
    let server = TestServer::start(vec![Reply::status(204).into()]).await;
    let client = h.client.clone();
    let url = format!("{}/things", server.url());
    let result: Result<ResponseValue<Value>, UntypedError> =
        send(&h.config, &GET_OP, &CallOptions::default(), || {
            let client = client.clone();
            let url = url.clone();
            async move {
                let response = client.get(url).send().await?;
                Err(ClientError::UnexpectedResponse(response))
            }
        })
        .await;
    assert_eq!(status_of(&result), Some(204));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn documented_error_response_keeps_status_and_headers() {
    let h = harness("http://127.0.0.1:9");
    let result: Result<ResponseValue<Value>, UntypedError> = send(
        &h.config,
        &BILLABLE_POST,
        &CallOptions::default(),
        || async {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert("retry-after", "1".parse().expect("header"));
            Err(ClientError::ErrorResponse(ResponseValue::new(
                (),
                reqwest::StatusCode::TOO_MANY_REQUESTS,
                headers,
            )))
        },
    )
    .await;
    assert_eq!(status_of(&result), Some(429));
    assert!(
        h.clock
            .sleeps()
            .iter()
            .all(|d| *d >= Duration::from_secs(1))
    );
    assert_eq!(h.clock.sleeps().len(), 2);
}

#[tokio::test]
async fn large_error_body_is_truncated_to_one_mebibyte() {
    let big = vec![b'a'; 10 * 1024 * 1024];
    let server = TestServer::start(vec![Reply::status(500).body(big).into()]).await;
    let h = harness(&server.url());
    let config = h
        .config
        .clone()
        .with_attempt_timeout(Duration::from_secs(30));
    let h = Harness { config, ..h };
    let (result, _) = call(&h, &GET_OP, &CallOptions::default()).await;
    match result {
        Err(UntypedError::Response(raw)) => {
            assert_eq!(raw.body.len(), 1 << 20);
            assert!(raw.truncated);
            assert_eq!(raw.status.as_u16(), 500);
        }
        other => panic!("expected a 500, got {other:?}"),
    }
}

#[tokio::test]
async fn read_bounded_keeps_a_body_at_the_limit_whole() {
    let server = TestServer::start(vec![
        Reply::status(400).body(vec![b'x'; 1000]).into(),
        Reply::status(400).body(vec![b'x'; 1001]).into(),
    ])
    .await;
    let client = reqwest::Client::new();
    let response = client.get(server.url()).send().await.expect("response");
    let raw = clientgen_runtime::read_bounded(response, 1000)
        .await
        .expect("body");
    assert_eq!(raw.body.len(), 1000);
    assert!(!raw.truncated);
    let response = client.get(server.url()).send().await.expect("response");
    let raw = clientgen_runtime::read_bounded(response, 1000)
        .await
        .expect("body");
    assert_eq!(raw.body.len(), 1000);
    assert!(raw.truncated);
}

#[tokio::test]
async fn multipart_upload_is_rebuilt_for_each_attempt() {
    let server = TestServer::start(vec![
        Reply::status(503).into(),
        Reply::json(200, r#"{"ok":true}"#).into(),
    ])
    .await;
    let h = harness(&server.url());
    let dir = std::env::temp_dir().join(format!("clientgen-rt-mp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("take1.wav");
    std::fs::write(&path, b"RIFF0000WAVEfmt ").expect("write");
    let parts = [
        FilePart::from_path(&path).with_mime("audio/wav"),
        FilePart::from_bytes("notes.txt", &b"hello"[..]),
    ];
    let options = CallOptions::default().with_allow_billable_retries(true);
    let url = format!("{}/upload", server.url());
    let result: Result<ResponseValue<Value>, UntypedError> =
        send(&h.config, &BILLABLE_POST, &options, || {
            let client = h.client.clone();
            let url = url.clone();
            let parts = parts.clone();
            let config = h.config.clone();
            async move {
                let mut form = reqwest::multipart::Form::new();
                for (i, part) in parts.iter().enumerate() {
                    let part = part
                        .to_part()
                        .await
                        .map_err(|e| ClientError::InvalidRequest(e.to_string()))?;
                    form = form.part(format!("file{i}"), part);
                }
                let mut request = client.post(url).multipart(form).build()?;
                config
                    .prepare(&mut request, &BILLABLE_POST)
                    .map_err(|e| e.into_client_error())?;
                let response = client.execute(request).await?;
                if response.status().is_success() {
                    ResponseValue::from_response(response).await
                } else {
                    Err(ClientError::UnexpectedResponse(response))
                }
            }
        })
        .await;
    assert!(result.is_ok(), "{result:?}");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        let body = String::from_utf8_lossy(&r.body);
        assert!(body.contains("RIFF0000WAVEfmt "), "{body}");
        assert!(body.contains("filename=\"take1.wav\""), "{body}");
        assert!(body.contains("audio/wav"), "{body}");
        assert!(body.contains("hello"), "{body}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
