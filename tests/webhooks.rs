//! Receiving webhooks over HTTP: a local server on 127.0.0.1 hands each request's headers and
//! body to a generated `webhooks` function and answers with the status it says. HuntAPI's
//! `jobFinished` callback (the job result, its `webhook_authorization` back in `Authorization`)
//! and the `events` fixture's discriminated callback and 3.1 webhook are posted to it with the
//! right secret, a wrong one, none, an undocumented event and a malformed body.

use std::sync::{Arc, Mutex};

use clientgen_testkit::{Action, Recorded, Reply, TestServer};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

const WEBHOOK_SECRET: &str = "Bearer whsec-0123456789";

/// The request's headers as an HTTP server would hand them over.
fn headers_of(request: &Recorded) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in &request.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    headers
}

/// What a receiver answers: 200 with what it understood, or the refusal's status and message.
fn answer<T: std::fmt::Debug>(
    result: Result<T, clientgen_runtime::WebhookError>,
    seen: &Mutex<Vec<String>>,
) -> Action {
    match result {
        Ok(payload) => {
            let text = format!("{payload:?}");
            seen.lock().unwrap().push(text.clone());
            Reply::status(200).body(text.into_bytes()).into()
        }
        Err(e) => Reply::status(e.status())
            .body(e.to_string().into_bytes())
            .into(),
    }
}

async fn post(url: &str, authorization: Option<(&str, &str)>, body: &str) -> (u16, String) {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some((name, value)) = authorization {
        request = request.header(name, value);
    }
    let response = request.send().await.expect("the receiver answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

#[tokio::test]
async fn huntapi_job_results_are_received_only_with_the_right_authorization() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server_seen = seen.clone();
    let server = TestServer::with_handler(move |request, _| {
        let received = huntapi_client::webhooks::job_finished(
            &headers_of(request),
            &request.body,
            WEBHOOK_SECRET,
        );
        let received = received.map(|payload| {
            let url = payload.result.as_ref().and_then(|r| r.response.clone());
            (payload.id, payload.status.to_string(), url, payload.error)
        });
        answer(received, &server_seen)
    })
    .await;
    let url = format!("{}/hooks/huntapi", server.url());
    let completed = r#"{"id": "0193443f-fb80-9d19-29ba-82bc77c7cd84", "status": "CompletedJob",
        "result": {"metadata": {"title": "t"}, "response": "https://s3.huntapi.com/audios/a.mp3"}}"#;
    let auth = Some(("Authorization", WEBHOOK_SECRET));

    let (status, body) = post(&url, auth, completed).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("https://s3.huntapi.com/audios/a.mp3") && body.contains("CompletedJob"),
        "{body}"
    );
    let failed = r#"{"id": "j2", "status": "Error", "error": "private video"}"#;
    let (status, body) = post(&url, auth, failed).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("private video"), "{body}");

    // A wrong secret (one character off, a prefix, a longer one) and no header at all.
    for wrong in [
        "Bearer whsec-0123456788",
        "Bearer whsec-012345678",
        "Bearer whsec-0123456789-and-more",
        "whsec-0123456789",
    ] {
        let (status, body) = post(&url, Some(("Authorization", wrong)), completed).await;
        assert_eq!(status, 401, "{wrong}: {body}");
        assert!(body.contains("does not hold the expected value"), "{body}");
        assert!(
            !body.contains(wrong),
            "the received value is not echoed: {body}"
        );
    }
    let (status, body) = post(&url, None, completed).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("no `authorization` header"), "{body}");
    // The secret in another header does not count.
    let (status, _) = post(&url, Some(("X-Authorization", WEBHOOK_SECRET)), completed).await;
    assert_eq!(status, 401);

    // An undocumented event, and bodies that are not the documented JSON.
    let queued = r#"{"id": "j3", "status": "QueuedJob"}"#;
    let (status, body) = post(&url, auth, queued).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("`QueuedJob`"), "{body}");
    for malformed in ["{\"id\": 7, \"status\": \"Error\"}", "not json", ""] {
        let (status, body) = post(&url, auth, malformed).await;
        assert!(
            status == 400 || status == 422,
            "{malformed:?}: {status} {body}"
        );
    }
    let (status, body) = post(&url, auth, "{\"id\": 7, \"status\": \"Error\"}").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("does not decode"), "{body}");

    assert_eq!(
        seen.lock().unwrap().len(),
        2,
        "only the two genuine deliveries were accepted"
    );
}

#[test]
fn a_malformed_body_is_kept_with_the_decoders_error() {
    let mut headers = HeaderMap::new();
    headers.insert(
        "authorization",
        HeaderValue::from_static("Bearer whsec-0123456789"),
    );
    let body = br#"{"id": ["not", "a", "string"], "status": "Error"}"#;
    match huntapi_client::webhooks::job_finished(&headers, body, WEBHOOK_SECRET) {
        Err(clientgen_runtime::WebhookError::MalformedBody { source, body: kept }) => {
            assert_eq!(&kept[..], &body[..]);
            assert!(source.to_string().contains("invalid type"), "{source}");
        }
        other => panic!("expected a malformed body, got {other:?}"),
    }
}

#[tokio::test]
async fn a_discriminated_callback_and_a_3_1_webhook_are_received() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server_seen = seen.clone();
    let server = TestServer::with_handler(move |request, _| {
        let headers = headers_of(request);
        if request.target == "/audit" {
            let received = events_client::webhooks::audit_entry(&headers, &request.body);
            return answer(received.map(|e| (e.actor, e.action, e.note)), &server_seen);
        }
        let received = events_client::webhooks::order_event(&headers, &request.body, "s3cret");
        answer(
            received.map(|event| match event {
                events_client::types::OrderEvent::Created(c) => format!("created {}", c.order_id),
                events_client::types::OrderEvent::Cancelled(c) => {
                    format!("cancelled {} ({})", c.order_id, c.reason)
                }
            }),
            &server_seen,
        )
    })
    .await;
    let orders = format!("{}/orders", server.url());
    let secret = Some(("X-Webhook-Secret", "s3cret"));

    let created = r#"{"type": "order.created", "order_id": "o-1", "total": 12.5}"#;
    assert_eq!(post(&orders, secret, created).await.0, 200);
    let cancelled = r#"{"type": "order.cancelled", "order_id": "o-2", "reason": "late"}"#;
    let (status, body) = post(&orders, secret, cancelled).await;
    assert_eq!((status, body.as_str()), (200, "\"cancelled o-2 (late)\""));
    // The secret is the header the description names, not `Authorization`.
    let (status, _) = post(&orders, Some(("Authorization", "s3cret")), created).await;
    assert_eq!(status, 401);
    let (status, _) = post(&orders, Some(("X-Webhook-Secret", "s3cre")), created).await;
    assert_eq!(status, 401);
    let refunded = r#"{"type": "order.refunded", "order_id": "o-3"}"#;
    let (status, body) = post(&orders, secret, refunded).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("order.refunded"), "{body}");

    // The 3.1 webhook takes no secret; its nullable field came through the dialect stage.
    let audit = format!("{}/audit", server.url());
    let entry = r#"{"actor": "ann", "action": "login", "note": null}"#;
    let (status, body) = post(&audit, None, entry).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"ann\""), "{body}");
    let (status, _) = post(&audit, None, r#"{"actor": "ann"}"#).await;
    assert_eq!(status, 400, "a required field is missing");

    assert_eq!(seen.lock().unwrap().len(), 3);
}
