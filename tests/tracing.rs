//! The generated clients' `tracing` output: a span per call with the operation, its attempts,
//! the last status and the time taken; an event for every retry and for every wait the client
//! refuses; events while a job is waited for; and never the key, whether it travels in a header
//! or in the query string.

mod common;

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgen_runtime::{ClientConfig, ManualClock, RetryPolicy};
use clientgen_testkit::{Reply, TestServer};
use common::SECRET;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// What a subscriber saw: one line per span (its fields as finally recorded) and per event.
#[derive(Clone, Default)]
struct Captured {
    spans: Arc<Mutex<Vec<(String, String)>>>,
    events: Arc<Mutex<Vec<String>>>,
}

impl Captured {
    fn spans(&self) -> Vec<(String, String)> {
        self.spans.lock().unwrap().clone()
    }

    fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }

    /// Everything captured, as one text.
    fn all(&self) -> String {
        let mut text = String::new();
        for (name, fields) in self.spans() {
            let _ = writeln!(text, "{name} {fields}");
        }
        for event in self.events() {
            let _ = writeln!(text, "{event}");
        }
        text
    }
}

/// Writes `name=value` pairs.
struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={}", field.name(), value);
    }
}

impl Subscriber for Captured {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("clientgen_runtime")
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = String::new();
        span.record(&mut Fields(&mut fields));
        let mut spans = self.spans.lock().unwrap();
        spans.push((span.metadata().name().to_owned(), fields));
        Id::from_u64(spans.len() as u64)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = self.spans.lock().unwrap();
        if let Some((_, fields)) = spans.get_mut(span.into_u64() as usize - 1) {
            values.record(&mut Fields(fields));
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut line = format!("{}:", event.metadata().level());
        event.record(&mut Fields(&mut line));
        self.events.lock().unwrap().push(line);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

fn config(base_url: &str, clock: Arc<ManualClock>) -> ClientConfig {
    ClientConfig::new(base_url)
        .expect("test server URL is a valid base URL")
        .with_retry_policy(RetryPolicy::default().with_jitter(false))
        .with_attempt_timeout(Duration::from_secs(5))
        .with_clock(clock)
}

/// A call that is retried once (a 503) and then succeeds: one span with both attempts and the
/// final status, one `retrying` event naming the status and the delay; the key, sent in the
/// query string, appears nowhere.
#[tokio::test]
async fn a_call_is_a_span_and_each_retry_an_event_without_the_key() {
    let captured = Captured::default();
    let _guard = tracing::subscriber::set_default(captured.clone());
    let server = TestServer::start(vec![
        Reply::json(503, r#"{"error":"busy"}"#).into(),
        Reply::json(200, r#"{"plan":"pro"}"#).into(),
    ])
    .await;
    let clock = Arc::new(ManualClock::new());
    let key = huntapi_client::Client::api_key_query_credential(SECRET).expect("credential");
    let client =
        huntapi_client::Client::from_config(config(&server.url(), clock).with_credential(key))
            .expect("client");
    client.get_usage().send().await.expect("the retry succeeds");
    assert!(
        server.requests()[0].target.contains(SECRET),
        "the key is in the URL"
    );

    let spans = captured.spans();
    assert_eq!(spans.len(), 1, "{spans:?}");
    let (name, fields) = &spans[0];
    assert_eq!(name, "clientgen.call");
    for expected in [
        "operation=getUsage",
        "method=GET",
        "path=/usage",
        "attempts=2",
        "status=200",
        "elapsed_ms=250",
    ] {
        assert!(fields.contains(expected), "{expected} in {fields}");
    }
    let events = captured.events();
    let retries: Vec<&String> = events.iter().filter(|e| e.contains("retrying")).collect();
    assert_eq!(retries.len(), 1, "{events:?}");
    assert!(retries[0].starts_with("INFO:"), "{}", retries[0]);
    assert!(retries[0].contains("status=503"), "{}", retries[0]);
    assert!(retries[0].contains("delay_ms=250"), "{}", retries[0]);
    assert!(!captured.all().contains(SECRET), "{}", captured.all());
}

/// A `Retry-After` above the policy's cap is not waited for, and says so.
#[tokio::test]
async fn a_wait_the_client_refuses_is_an_event() {
    let captured = Captured::default();
    let _guard = tracing::subscriber::set_default(captured.clone());
    let server = TestServer::start(vec![
        Reply::json(
            429,
            r#"{"error":"Rate Limited","message":"slow down","retry_after":60}"#,
        )
        .into(),
    ])
    .await;
    let clock = Arc::new(ManualClock::new());
    let key = audioscrape_client::Client::bearer_auth_credential(SECRET).expect("credential");
    let client =
        audioscrape_client::Client::from_config(config(&server.url(), clock).with_credential(key))
            .expect("client");
    let err = client.get_me().send().await.expect_err("a 429");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
    let refused: Vec<String> = captured
        .events()
        .into_iter()
        .filter(|e| e.contains("longer than the retry policy allows"))
        .collect();
    assert_eq!(refused.len(), 1, "{:?}", captured.events());
    assert!(
        refused[0].contains("retry_after_ms=60000"),
        "{}",
        refused[0]
    );
    assert!(
        refused[0].contains("max_retry_after_ms=10000"),
        "{}",
        refused[0]
    );
    let spans = captured.spans();
    assert!(spans[0].1.contains("status=429"), "{spans:?}");
    assert!(!captured.all().contains(SECRET), "{}", captured.all());
}

/// Waiting for a job: an event per poll with the state, and one for a poll that failed
/// transiently and is made again.
#[tokio::test]
async fn job_polls_are_events() {
    let captured = Captured::default();
    let _guard = tracing::subscriber::set_default(captured.clone());
    let id = "9f8c1e9e-0a39-4a8e-9d61-3d2b4c7f1a20";
    let queued = format!(r#"{{"id":"{id}","status":"QueuedJob","progress":40}}"#);
    let done = format!(
        r#"{{"id":"{id}","status":"CompletedJob","success":true,"progress":100,"result":{{"response":"https://s3.example/x.mp3"}}}}"#
    );
    let server = TestServer::start(vec![
        Reply::json(200, &queued).into(),
        Reply::json(500, r#"{"error":"Internal error"}"#).into(),
        Reply::json(200, &done).into(),
    ])
    .await;
    let clock = Arc::new(ManualClock::new());
    let key = huntapi_client::Client::api_key_header_credential(SECRET).expect("credential");
    let config = config(&server.url(), clock).with_retry_policy(RetryPolicy::none());
    let client = huntapi_client::Client::from_config(config.with_credential(key)).expect("client");
    client
        .audio_download_job(id)
        .wait()
        .await
        .expect("the job completes");
    let events = captured.events();
    let polled: Vec<&String> = events.iter().filter(|e| e.contains("job polled")).collect();
    assert_eq!(polled.len(), 2, "{events:?}");
    assert!(polled[0].contains("state=QueuedJob"), "{}", polled[0]);
    assert!(polled[0].contains("progress=40.0"), "{}", polled[0]);
    assert!(polled[1].contains("state=CompletedJob"), "{}", polled[1]);
    let again: Vec<&String> = events
        .iter()
        .filter(|e| e.contains("polling again"))
        .collect();
    assert_eq!(again.len(), 1, "{events:?}");
    assert!(again[0].contains("status=500"), "{}", again[0]);
    assert!(!captured.all().contains(SECRET), "{}", captured.all());
}
