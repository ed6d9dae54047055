//! Fault injection through the generated clients: async jobs that finish despite flaky status
//! polls, retries that never re-send a billable request the server may have processed,
//! `Retry-After` in its three forms, deadlines, per-attempt timeouts and resumed jobs.
//!
//! Waits go through an injected `ManualClock`, so backoffs and `Retry-After` delays are
//! measured without being waited for; only the per-attempt timeout tests spend real time
//! (a few hundred milliseconds).

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use clientgen_runtime::{CallError, Clock, ManualClock, TransportErrorKind};
use clientgen_testkit::{Action, Recorded, Reply, TestServer, dead_port};
use futures::StreamExt;

use audiopod_client::errors::{ExtractStemsError, GetStemJobStatusError};
use huntapi_client::errors::{AudioDownloadError, GetJobError, GetUsageError};
use huntapi_client::{
    CallOptions, ClientConfig, JobError, JobPhase, RetryPolicy, UnknownStates, WaitOptions,
};

const HUNT_JOB_ID: &str = "5f0c1a52-8d1e-4a53-9d57-0d6f3c1e2b7a";
const MEDIA_URL: &str = "https://www.youtube.com/watch?v=example";
const DOWNLOAD_URL: &str = "https://cdn.example.com/audio/5f0c1a52.mp3";
const STEM_JOB_ID: i64 = 5512;

// ---------------------------------------------------------------------------------------------
// Clients

/// Test configuration: a key, retries without jitter (so backoffs are exact), a short
/// per-attempt timeout that bounds a broken test, and the injected clock.
fn test_config(base_url: &str, clock: Arc<dyn Clock>) -> ClientConfig {
    ClientConfig::new(base_url)
        .expect("test server URL is a valid base URL")
        .with_retry_policy(RetryPolicy::default().with_jitter(false))
        .with_attempt_timeout(Duration::from_secs(5))
        .with_clock(clock)
}

fn huntapi(base_url: &str, clock: Arc<dyn Clock>) -> huntapi_client::Client {
    let key = huntapi_client::Client::api_key_header_credential("test-key").expect("credential");
    huntapi_client::Client::from_config(test_config(base_url, clock).with_credential(key))
        .expect("client")
}

fn audiopod(base_url: &str, clock: Arc<dyn Clock>) -> audiopod_client::Client {
    let key = audiopod_client::Client::api_key_header_credential("test-key").expect("credential");
    audiopod_client::Client::from_config(test_config(base_url, clock).with_credential(key))
        .expect("client")
}

fn audioscrape(base_url: &str, clock: Arc<dyn Clock>) -> audioscrape_client::Client {
    let key = audioscrape_client::Client::bearer_auth_credential("test-key").expect("credential");
    audioscrape_client::Client::from_config(test_config(base_url, clock).with_credential(key))
        .expect("client")
}

/// Waits that grow slowly and never pass a few seconds, so that a test's clock reads sensibly.
fn quick_polls() -> WaitOptions {
    WaitOptions::default()
        .with_initial_interval(Duration::from_secs(1))
        .with_max_interval(Duration::from_secs(4))
        .with_deadline(Duration::from_secs(600))
}

// ---------------------------------------------------------------------------------------------
// A fake job API with seeded fault injection

/// splitmix64: a tiny deterministic generator, so that "30 % of polls fail" is the same
/// sequence on every run.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Whether request number `n` gets a fault, with probability `percent` in 100.
fn faulty(seed: u64, n: usize, percent: u64) -> bool {
    splitmix64(seed ^ (n as u64).wrapping_mul(0xA24B_AED4_963E_E407)) % 100 < percent
}

fn path_of(request: &Recorded) -> &str {
    request.target.split('?').next().unwrap_or_default()
}

fn posts(server: &TestServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count()
}

/// A job API: the submit path answers `submit_body`; the status path answers the next of
/// `statuses` (the last one repeats), except that a seeded `fault_percent` of status requests
/// get a 503 instead.
struct JobApi {
    submit_path: &'static str,
    submit_body: String,
    status_path: String,
    statuses: Vec<String>,
    fault_percent: u64,
    seed: u64,
}

/// What the fake job API did.
#[derive(Default)]
struct JobStats {
    /// Status bodies served (successful polls).
    served: AtomicUsize,
    /// 503s injected into status polls.
    injected: AtomicUsize,
}

impl JobApi {
    async fn start(self) -> (TestServer, Arc<JobStats>) {
        let stats = Arc::new(JobStats::default());
        let counters = stats.clone();
        let server = TestServer::with_handler(move |request, n| {
            let path = path_of(request);
            if request.method == "POST" && path == self.submit_path {
                return Reply::json(200, &self.submit_body).into();
            }
            if request.method == "GET" && path == self.status_path {
                if faulty(self.seed, n, self.fault_percent) {
                    counters.injected.fetch_add(1, Ordering::SeqCst);
                    return Reply::json(503, r#"{"error":"busy, try again"}"#).into();
                }
                let i = counters.served.fetch_add(1, Ordering::SeqCst);
                let body = &self.statuses[i.min(self.statuses.len() - 1)];
                return Reply::json(200, body).into();
            }
            Reply::json(404, r#"{"error":"no such route"}"#).into()
        })
        .await;
        (server, stats)
    }
}

fn hunt_status(state: &str, progress: Option<f64>) -> String {
    let mut body = serde_json::json!({"id": HUNT_JOB_ID, "status": state});
    if let Some(progress) = progress {
        body["progress"] = progress.into();
    }
    if state == "CompletedJob" {
        body["success"] = true.into();
        body["duration_ms"] = 84_000.into();
        body["result"] = serde_json::json!({"response": DOWNLOAD_URL});
    }
    body.to_string()
}

fn hunt_api(statuses: Vec<String>, fault_percent: u64, seed: u64) -> JobApi {
    JobApi {
        submit_path: "/v1/audio/download",
        submit_body: format!(r#"{{"job_id":"{HUNT_JOB_ID}"}}"#),
        status_path: format!("/v1/jobs/{HUNT_JOB_ID}"),
        statuses,
        fault_percent,
        seed,
    }
}

fn stem_status(state: &str) -> String {
    let mut body = serde_json::json!({"id": STEM_JOB_ID, "status": state, "source_type": "URL"});
    if state == "COMPLETED" {
        body["download_urls"] = serde_json::json!({
            "vocals": "https://media.example.com/5512/vocals.wav",
            "drums": "https://media.example.com/5512/drums.wav",
        });
        body["completed_at"] = "2025-12-11T12:39:37.379848".into();
    }
    if state == "FAILED" {
        body["error_message"] = "the audio could not be decoded".into();
    }
    body.to_string()
}

fn stem_api(statuses: Vec<String>, fault_percent: u64, seed: u64) -> JobApi {
    JobApi {
        submit_path: "/api/v1/stem-extraction/api/extract",
        submit_body: stem_status("PENDING"),
        status_path: format!("/api/v1/stem-extraction/status/{STEM_JOB_ID}"),
        statuses,
        fault_percent,
        seed,
    }
}

// ---------------------------------------------------------------------------------------------
// Jobs: submit + wait through faults

/// A handle made owned waits in a spawned task, after the client that made it is gone, with
/// the client's configuration (its clock and key) and without submitting again.
#[tokio::test]
async fn an_owned_handle_waits_in_a_spawned_task() {
    let statuses = vec![
        hunt_status("QueuedJob", Some(10.0)),
        hunt_status("CompletedJob", Some(100.0)),
    ];
    let (server, stats) = hunt_api(statuses, 0, 1).start().await;
    let clock = Arc::new(ManualClock::new());
    let client = huntapi(&server.url(), clock.clone());
    let handle = client
        .audio_download()
        .query(MEDIA_URL)
        .submit()
        .await
        .expect("submitted")
        .into_owned();
    drop(client);
    let copy = handle.clone();
    let done = tokio::spawn(async move { handle.wait().await })
        .await
        .expect("the task ran")
        .expect("the job completes");
    assert_eq!(done.status.as_str(), "CompletedJob");
    assert_eq!(copy.id(), HUNT_JOB_ID);
    assert_eq!(stats.served.load(Ordering::SeqCst), 2);
    assert_eq!(posts(&server), 1, "the billable submit was sent once");
    for request in server.requests() {
        assert_eq!(request.header("x-api-key"), Some("test-key"));
    }
}

/// A stored id that is not what the status operation takes ends waiting at once, and the
/// message says what was expected in words, not as a Rust path.
#[tokio::test]
async fn a_malformed_stored_id_is_refused_in_words() {
    let server = TestServer::start(Vec::new()).await;
    let client = huntapi(&server.url(), Arc::new(ManualClock::new()));
    let err = client
        .audio_download_job("not-a-uuid")
        .wait()
        .await
        .expect_err("not a UUID");
    let message = err.to_string();
    assert!(
        message.contains("job id `not-a-uuid` is not a valid UUID"),
        "{message}"
    );
    assert_eq!(server.count(), 0, "nothing was sent");
}

/// The status operation takes the handle as its job id, converted to the integer the spec
/// declares; an id that is not one is an invalid request naming the parameter.
#[tokio::test]
async fn the_status_operation_takes_the_handle_as_its_id() {
    let server = TestServer::with_handler(|_, _| {
        Reply::json(200, r#"{"id":5512,"status":"PROCESSING"}"#).into()
    })
    .await;
    let client = audiopod(&server.url(), Arc::new(ManualClock::new()));
    let handle = client.extract_stems_job("5512");
    let status = client
        .get_stem_job_status()
        .job_id(&handle)
        .send()
        .await
        .expect("status");
    assert_eq!(status.id, 5512);
    assert_eq!(
        path_of(&server.requests()[0]),
        "/api/v1/stem-extraction/status/5512"
    );
    let odd = client.extract_stems_job("job-5512");
    let err = client
        .get_stem_job_status()
        .job_id(&odd)
        .send()
        .await
        .expect_err("not an integer");
    assert_eq!(
        err.to_string(),
        "getStemJobStatus: invalid request: `job_id`: invalid digit found in string"
    );
    assert_eq!(server.count(), 1, "the odd id was not sent");
}

#[tokio::test]
async fn huntapi_wait_completes_through_injected_503s() {
    let mut statuses: Vec<String> = (0..8)
        .map(|i| hunt_status("QueuedJob", Some(f64::from(i) * 12.0)))
        .collect();
    statuses.push(hunt_status("CompletedJob", Some(100.0)));
    let (server, stats) = hunt_api(statuses, 30, 0x5EED_0004).start().await;
    let clock = Arc::new(ManualClock::new());
    let client = huntapi(&server.url(), clock.clone());

    let handle = client
        .audio_download()
        .query(MEDIA_URL)
        .submit()
        .await
        .expect("submitted");
    assert_eq!(handle.id(), HUNT_JOB_ID);
    let done: huntapi_client::types::Job = handle.wait().await.expect("the job completes");

    assert_eq!(done.status.as_str(), "CompletedJob");
    assert_eq!(done.success, Some(true));
    assert_eq!(done.id.to_string(), HUNT_JOB_ID);
    let result = done.result.expect("a completed job has a result");
    assert_eq!(result.response.as_deref(), Some(DOWNLOAD_URL));

    let injected = stats.injected.load(Ordering::SeqCst);
    let served = stats.served.load(Ordering::SeqCst);
    assert!(
        injected >= 2,
        "the seed must inject faults (injected {injected})"
    );
    assert_eq!(
        served, 9,
        "every state was served once, the last one ended waiting"
    );
    assert_eq!(posts(&server), 1, "the billable submit was sent once");
    let polls = server.count() - 1;
    assert_eq!(
        polls,
        served + injected,
        "every 503 was followed by another poll"
    );
    // The submit carried the media URL; every request carried the key.
    let submit = &server.requests()[0];
    assert!(submit.target.contains("query=https"), "{}", submit.target);
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.header("x-api-key") == Some("test-key"))
    );
}

#[tokio::test]
async fn audiopod_stem_job_goes_from_pending_through_processing_to_completed() {
    let statuses = vec![
        stem_status("PENDING"),
        stem_status("PENDING"),
        stem_status("PROCESSING"),
        stem_status("PROCESSING"),
        stem_status("PROCESSING"),
        stem_status("COMPLETED"),
    ];
    let (server, stats) = stem_api(statuses, 30, 0x5EED_000B).start().await;
    let client = audiopod(&server.url(), Arc::new(ManualClock::new()));

    let handle = client
        .extract_stems()
        .url(MEDIA_URL)
        .mode(audiopod_client::types::StemMode::Six)
        .submit()
        .await
        .expect("submitted");
    assert_eq!(handle.id(), STEM_JOB_ID.to_string());
    let phases: Vec<(String, JobPhase)> = handle
        .updates(quick_polls())
        .map(|update| {
            let update = update.expect("no poll error ends waiting");
            (update.state, update.phase)
        })
        .collect()
        .await;
    assert_eq!(
        phases,
        vec![
            ("PENDING".to_string(), JobPhase::Pending),
            ("PENDING".to_string(), JobPhase::Pending),
            ("PROCESSING".to_string(), JobPhase::Pending),
            ("PROCESSING".to_string(), JobPhase::Pending),
            ("PROCESSING".to_string(), JobPhase::Pending),
            ("COMPLETED".to_string(), JobPhase::Succeeded),
        ]
    );
    assert!(stats.injected.load(Ordering::SeqCst) >= 1);

    // wait() on the finished job returns the typed status body.
    let done: audiopod_client::types::StemJob = handle.wait().await.expect("completed");
    assert_eq!(done.id, STEM_JOB_ID);
    assert_eq!(
        done.download_urls.get("vocals").map(String::as_str),
        Some("https://media.example.com/5512/vocals.wav")
    );

    assert_eq!(posts(&server), 1);
    let submit = server.requests().remove(0);
    let content_type = submit.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("multipart/form-data"),
        "{content_type}"
    );
    let form = String::from_utf8_lossy(&submit.body);
    assert!(form.contains("name=\"mode\"\r\n\r\nsix\r\n"), "{form}");
    assert!(
        form.contains(&format!("name=\"url\"\r\n\r\n{MEDIA_URL}\r\n")),
        "{form}"
    );
}

#[tokio::test]
async fn audiopod_failed_job_is_a_typed_failure_carrying_the_error_message() {
    let statuses = vec![stem_status("PROCESSING"), stem_status("FAILED")];
    let (server, stats) = stem_api(statuses, 30, 0x5EED_0005).start().await;
    let client = audiopod(&server.url(), Arc::new(ManualClock::new()));

    let handle = client
        .extract_stems()
        .url(MEDIA_URL)
        .mode(audiopod_client::types::StemMode::Two)
        .submit()
        .await
        .expect("submitted");
    let error = handle.wait().await.expect_err("the job failed");
    match &error {
        JobError::Failed {
            job_id,
            state,
            message,
            status,
        } => {
            assert_eq!(job_id, "5512");
            assert_eq!(state, "FAILED");
            assert_eq!(message.as_deref(), Some("the audio could not be decoded"));
            assert_eq!(
                status.error_message.as_deref(),
                Some("the audio could not be decoded")
            );
        }
        other => panic!("expected a failed job, got {other:?}"),
    }
    assert!(stats.injected.load(Ordering::SeqCst) >= 1);
    let text = audiopod_client::Error::from(error).to_string();
    assert!(text.contains("5512") && text.contains("FAILED"), "{text}");
    assert!(text.contains("the audio could not be decoded"), "{text}");
}

#[tokio::test]
async fn huntapi_failure_states_are_typed_failures_naming_the_state() {
    let cases = [
        ("Error", 0x5EED_0008),
        ("NotFound", 0x5EED_000A),
        ("BadRequest", 0x5EED_000C),
    ];
    for (state, seed) in cases {
        let failed = serde_json::json!({
            "id": HUNT_JOB_ID,
            "status": state,
            "error": "the video is private",
        })
        .to_string();
        let statuses = vec![hunt_status("QueuedJob", Some(5.0)), failed];
        let (server, _) = hunt_api(statuses, 30, seed).start().await;
        let client = huntapi(&server.url(), Arc::new(ManualClock::new()));

        let handle = client
            .audio_download()
            .query(MEDIA_URL)
            .submit()
            .await
            .expect("submitted");
        let error = handle.wait().await.expect_err("the job failed");
        match &error {
            JobError::Failed {
                job_id,
                state: seen,
                message,
                status,
            } => {
                assert_eq!(job_id, HUNT_JOB_ID);
                assert_eq!(seen, state);
                assert_eq!(message.as_deref(), Some("the video is private"));
                assert_eq!(status.status.as_str(), state);
            }
            other => panic!("{state}: expected a failed job, got {other:?}"),
        }
        let error = huntapi_client::Error::from(error);
        assert!(matches!(error, huntapi_client::Error::GetJobWait(_)));
        let text = error.to_string();
        assert!(text.contains(state) && text.contains(HUNT_JOB_ID), "{text}");
        assert_eq!(posts(&server), 1, "{state}");
    }
}

#[tokio::test]
async fn updates_stream_yields_states_and_progress_in_order_and_ends_at_the_terminal_state() {
    let statuses = vec![
        hunt_status("QueuedJob", Some(0.0)),
        hunt_status("QueuedJob", Some(25.0)),
        // A state the spec does not list: pending, as the caller says below.
        hunt_status("Transcoding", Some(60.0)),
        hunt_status("QueuedJob", Some(90.0)),
        hunt_status("CompletedJob", Some(100.0)),
        // Never served: the stream ends at the terminal state.
        hunt_status("Error", None),
    ];
    let (server, stats) = hunt_api(statuses, 30, 0x5EED_0020).start().await;
    let client = huntapi(&server.url(), Arc::new(ManualClock::new()));
    let handle = client.audio_download_job(HUNT_JOB_ID);

    let options = quick_polls().with_unknown_states(UnknownStates::Pending);
    let mut stream = Box::pin(handle.updates(options));
    let mut seen = Vec::new();
    while let Some(update) = stream.next().await {
        let update = update.expect("transient poll errors are not yielded");
        seen.push((update.state, update.phase, update.progress));
    }
    assert_eq!(
        seen,
        vec![
            ("QueuedJob".to_string(), JobPhase::Pending, Some(0.0)),
            ("QueuedJob".to_string(), JobPhase::Pending, Some(25.0)),
            ("Transcoding".to_string(), JobPhase::Pending, Some(60.0)),
            ("QueuedJob".to_string(), JobPhase::Pending, Some(90.0)),
            ("CompletedJob".to_string(), JobPhase::Succeeded, Some(100.0)),
        ]
    );
    assert!(stream.next().await.is_none(), "the stream stays ended");
    assert_eq!(stats.served.load(Ordering::SeqCst), 5);
    assert!(stats.injected.load(Ordering::SeqCst) >= 1);
}

// ---------------------------------------------------------------------------------------------
// Billable requests are not re-sent after the server may have processed them

/// A server whose first `lost` POSTs are read and then dropped without an answer.
async fn lossy_submit_server(lost: usize) -> TestServer {
    let dropped = AtomicUsize::new(0);
    TestServer::with_handler(move |request, _| {
        if request.method == "POST" && dropped.fetch_add(1, Ordering::SeqCst) < lost {
            return Action::Close;
        }
        Reply::json(200, &format!(r#"{{"job_id":"{HUNT_JOB_ID}"}}"#)).into()
    })
    .await
}

#[tokio::test]
async fn lost_response_to_a_billable_post_reaches_the_server_exactly_once() {
    let server = lossy_submit_server(usize::MAX).await;
    let clock = Arc::new(ManualClock::new());
    let client = huntapi(&server.url(), clock.clone());

    let error = client
        .audio_download()
        .query(MEDIA_URL)
        .submit()
        .await
        .expect_err("the response was lost");
    match &error {
        CallError::Transport(t) => {
            assert!(t.was_sent(), "the request reached the server: {t}");
            assert_ne!(t.kind(), TransportErrorKind::Connect, "{t}");
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert!(error.is_retryable(), "the caller may decide to retry");
    assert_eq!(server.count(), 1, "received once, never re-sent");
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn lost_response_to_a_billable_post_is_resent_with_the_opt_in() {
    let server = lossy_submit_server(1).await;
    let clock = Arc::new(ManualClock::new());
    let client = huntapi(&server.url(), clock.clone());

    let opt_in = CallOptions::default().with_allow_billable_retries(true);
    let handle = client
        .audio_download()
        .query(MEDIA_URL)
        .submit_with(&opt_in)
        .await
        .expect("re-sent after the lost response");
    assert_eq!(handle.id(), HUNT_JOB_ID);
    assert_eq!(posts(&server), 2, "the caller accepted a second submit");
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(250)]);
}

/// A clock that starts forwarding `port` to `target` the first time the client waits between
/// attempts: the first attempt is refused, the retry connects.
#[derive(Debug)]
struct OpensPortOnFirstWait {
    inner: ManualClock,
    port: u16,
    target: SocketAddr,
    opened: AtomicBool,
}

impl Clock for OpensPortOnFirstWait {
    fn now(&self) -> Instant {
        self.inner.now()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        if !self.opened.swap(true, Ordering::SeqCst) {
            let listener =
                std::net::TcpListener::bind(("127.0.0.1", self.port)).expect("rebind the port");
            listener.set_nonblocking(true).expect("non-blocking");
            let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
            tokio::spawn(forward(listener, self.target));
        }
        self.inner.sleep(duration)
    }
}

async fn forward(listener: tokio::net::TcpListener, target: SocketAddr) {
    while let Ok((mut inbound, _)) = listener.accept().await {
        tokio::spawn(async move {
            if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

#[tokio::test]
async fn refused_connection_is_retried_even_for_a_billable_post() {
    let server = lossy_submit_server(0).await;
    let port = dead_port().await;
    let clock = Arc::new(OpensPortOnFirstWait {
        inner: ManualClock::new(),
        port,
        target: format!("127.0.0.1:{}", server.port())
            .parse()
            .expect("addr"),
        opened: AtomicBool::new(false),
    });
    let client = huntapi(&format!("http://127.0.0.1:{port}"), clock.clone());

    let handle = client
        .audio_download()
        .query(MEDIA_URL)
        .submit()
        .await
        .expect("the retry after the refused connection succeeds");
    assert_eq!(handle.id(), HUNT_JOB_ID);
    assert_eq!(clock.inner.sleeps(), vec![Duration::from_millis(250)]);
    assert_eq!(
        posts(&server),
        1,
        "the refused attempt never reached a server"
    );
}

#[tokio::test]
async fn refused_connections_exhaust_the_attempts_with_a_typed_connect_error() {
    let port = dead_port().await;
    let clock = Arc::new(ManualClock::new());
    let client = huntapi(&format!("http://127.0.0.1:{port}"), clock.clone());
    let error = client
        .audio_download()
        .query(MEDIA_URL)
        .send()
        .await
        .expect_err("nothing listens");
    match &error {
        CallError::Transport(t) => {
            assert_eq!(t.kind(), TransportErrorKind::Connect, "{t}");
            assert!(!t.was_sent());
        }
        other => panic!("expected a connect error, got {other:?}"),
    }
    // Three attempts: two waits between them.
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_millis(250), Duration::from_millis(500)]
    );
}

/// A server that answers the first request with `first` and every later one with 200 `body`.
async fn fails_once(first: Action, body: &'static str) -> TestServer {
    TestServer::with_handler(move |_, n| {
        if n == 0 {
            first.clone()
        } else {
            Reply::json(200, body).into()
        }
    })
    .await
}

#[tokio::test]
async fn get_is_retried_on_429_502_503_504_and_connection_errors() {
    let faults: Vec<(&str, Action)> = vec![
        ("429", Reply::json(429, r#"{"error":"slow down"}"#).into()),
        ("502", Reply::status(502).into()),
        ("503", Reply::json(503, r#"{"error":"busy"}"#).into()),
        ("504", Reply::status(504).into()),
        ("dropped connection", Action::Close),
    ];
    for (name, fault) in faults {
        let server = fails_once(fault, r#"{"plan":"pro","remaining":100}"#).await;
        let clock = Arc::new(ManualClock::new());
        let client = huntapi(&server.url(), clock.clone());
        let usage = client
            .get_usage()
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name}: not retried: {e}"));
        assert_eq!(
            usage.into_inner().get("plan"),
            Some(&"pro".into()),
            "{name}"
        );
        assert_eq!(server.count(), 2, "{name}");
        assert_eq!(clock.sleeps(), vec![Duration::from_millis(250)], "{name}");
    }
}

#[tokio::test]
async fn get_is_not_retried_on_a_500_the_spec_does_not_call_retryable() {
    let server = fails_once(
        Reply::json(500, r#"{"error":"Internal Server Error","message":"boom"}"#).into(),
        r#"{"user":{"id":1}}"#,
    )
    .await;
    let client = audioscrape(&server.url(), Arc::new(ManualClock::new()));
    let error = client.get_me().send().await.expect_err("500 is final");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert!(!error.is_retryable());
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn get_is_retried_on_a_500_the_spec_documents_as_retryable() {
    // HuntAPI's status table: 500 "Internal Error", retry the action (`x-retryable`).
    let server = fails_once(
        Reply::json(500, r#"{"error":"Internal Error"}"#).into(),
        r#"{"plan":"pro","remaining":100}"#,
    )
    .await;
    let clock = Arc::new(ManualClock::new());
    let client = huntapi(&server.url(), clock.clone());
    let usage = client.get_usage().send().await.expect("retried");
    assert_eq!(usage.into_inner().get("plan"), Some(&"pro".into()));
    assert_eq!(server.count(), 2);
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(250)]);

    // Always failing: the attempts run out and the error says it is transient.
    let server =
        TestServer::with_handler(|_, _| Reply::json(500, r#"{"error":"Internal Error"}"#).into())
            .await;
    let client = huntapi(&server.url(), Arc::new(ManualClock::new()));
    let error = client.get_usage().send().await.expect_err("always 500");
    assert!(error.is_retryable());
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn billable_post_is_never_retried_on_500_502_503_504() {
    for status in [500, 502, 503, 504] {
        let server = fails_once(
            Reply::json(status, r#"{"error":"upstream trouble"}"#).into(),
            r#"{"job_id":"5f0c1a52-8d1e-4a53-9d57-0d6f3c1e2b7a"}"#,
        )
        .await;
        let clock = Arc::new(ManualClock::new());
        let client = huntapi(&server.url(), clock.clone());
        let error = client
            .audio_download()
            .query(MEDIA_URL)
            .send()
            .await
            .expect_err("not re-sent");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        match (status, &error) {
            (500, CallError::Documented(AudioDownloadError::InternalServerError(e))) => {
                assert_eq!(e.body.error, "upstream trouble");
            }
            (502..=504, CallError::UnexpectedStatus(raw)) => {
                assert!(raw.text_lossy().contains("upstream trouble"));
            }
            _ => panic!("{status}: unexpected variant {error:?}"),
        }
        assert_eq!(
            server.count(),
            1,
            "{status}: the POST reached the server once"
        );
        assert!(clock.sleeps().is_empty(), "{status}");
    }
}

#[tokio::test]
async fn multipart_billable_post_is_not_retried_on_503_but_is_with_the_opt_in() {
    for (opt_in, expected_posts) in [(false, 1), (true, 2)] {
        let server = fails_once(
            Reply::status(503).into(),
            r#"{"id":5512,"status":"PENDING"}"#,
        )
        .await;
        let client = audiopod(&server.url(), Arc::new(ManualClock::new()));
        let options = CallOptions::default().with_allow_billable_retries(opt_in);
        let result = client
            .extract_stems()
            .url(MEDIA_URL)
            .mode(audiopod_client::types::StemMode::Four)
            .submit_with(&options)
            .await;
        match (opt_in, result) {
            (false, Err(CallError::<ExtractStemsError>::UnexpectedStatus(raw))) => {
                assert_eq!(raw.status.as_u16(), 503);
            }
            (true, Ok(handle)) => assert_eq!(handle.id(), "5512"),
            (_, other) => panic!("opt-in {opt_in}: unexpected {other:?}"),
        }
        assert_eq!(server.count(), expected_posts, "opt-in {opt_in}");
        // The form was rebuilt for the second attempt: both carry the same fields.
        for request in server.requests() {
            let form = String::from_utf8_lossy(&request.body);
            assert!(form.contains("name=\"mode\"\r\n\r\nfour\r\n"), "{form}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Retry-After: seconds, HTTP-date, a body field, and the policy's cap

#[tokio::test]
async fn retry_after_seconds_delays_the_retry_of_a_throttled_billable_post() {
    let server = fails_once(
        Reply::json(429, r#"{"error":"rate limit"}"#)
            .header("retry-after", "2")
            .into(),
        r#"{"job_id":"5f0c1a52-8d1e-4a53-9d57-0d6f3c1e2b7a"}"#,
    )
    .await;
    let clock = Arc::new(ManualClock::new());
    // With jitter, as shipped: the wait is still at least what the server asked for.
    let config =
        test_config(&server.url(), clock.clone()).with_retry_policy(RetryPolicy::default());
    let client = huntapi_client::Client::from_config(config).expect("client");

    let handle = client
        .audio_download()
        .query(MEDIA_URL)
        .submit()
        .await
        .expect("a 429 was not processed, so it is retried");
    assert_eq!(handle.id(), HUNT_JOB_ID);
    assert_eq!(posts(&server), 2);
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 1, "{sleeps:?}");
    assert!(sleeps[0] >= Duration::from_secs(2), "{sleeps:?}");
    assert!(sleeps[0] <= Duration::from_secs(3), "{sleeps:?}");
}

/// `when` as an HTTP-date (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn http_date(when: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(when)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

#[tokio::test]
async fn retry_after_http_date_delays_the_retry() {
    let retry_at = http_date(SystemTime::now() + Duration::from_secs(10));
    let server = TestServer::with_handler(move |_, n| {
        if n == 0 {
            Reply::json(429, r#"{"error":"rate limit"}"#)
                .header("retry-after", &retry_at)
                .into()
        } else {
            Reply::json(200, "{}").into()
        }
    })
    .await;
    let clock = Arc::new(ManualClock::new());
    let client = huntapi(&server.url(), clock.clone());
    client.get_usage().send().await.expect("retried");
    assert_eq!(server.count(), 2);
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 1, "{sleeps:?}");
    // The date has whole seconds and was made a moment before the client read it, so the
    // wait is a little under 10 s.
    assert!(
        sleeps[0] >= Duration::from_secs(5) && sleeps[0] <= Duration::from_secs(10),
        "{sleeps:?}"
    );
}

#[tokio::test]
async fn audioscrape_retry_after_body_field_is_honoured() {
    const RATE_LIMITED: &str =
        r#"{"error":"Rate Limited","message":"Too many requests","retry_after":7}"#;
    // A GET and the billable search: a 429 was not processed, so both are retried.
    let server = fails_once(Reply::json(429, RATE_LIMITED).into(), "{}").await;
    let clock = Arc::new(ManualClock::new());
    let client = audioscrape(&server.url(), clock.clone());
    client.get_me().send().await.expect("retried");
    assert_eq!(server.count(), 2);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(7)]);

    let server = fails_once(
        Reply::json(429, RATE_LIMITED).into(),
        r#"{"meta":{"total":0},"results":[]}"#,
    )
    .await;
    let clock = Arc::new(ManualClock::new());
    let client = audioscrape(&server.url(), clock.clone());
    let page = client
        .search()
        .body_map(|b| b.query("climate"))
        .send()
        .await
        .expect("retried");
    assert!(page.into_inner().results.is_empty());
    assert_eq!(posts(&server), 2);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(7)]);
}

#[tokio::test]
async fn retry_after_beyond_the_policy_cap_is_returned_instead_of_waited_for() {
    let capped = RetryPolicy::default()
        .with_jitter(false)
        .with_max_retry_after(Duration::from_secs(10));
    let far_date = http_date(SystemTime::now() + Duration::from_secs(120));
    let cases: Vec<(&str, Reply)> = vec![
        (
            "seconds",
            Reply::json(429, r#"{"error":"quota"}"#).header("retry-after", "30"),
        ),
        (
            "HTTP-date",
            Reply::json(429, r#"{"error":"quota"}"#).header("retry-after", &far_date),
        ),
    ];
    for (name, reply) in cases {
        let server = fails_once(reply.into(), "{}").await;
        let clock = Arc::new(ManualClock::new());
        let config = test_config(&server.url(), clock.clone()).with_retry_policy(capped.clone());
        let client = huntapi_client::Client::from_config(config).expect("client");
        let error = client.get_usage().send().await.expect_err("not waited for");
        assert!(
            matches!(error, CallError::Documented(GetUsageError::RateLimited(_))),
            "{name}: {error:?}"
        );
        let asked = error.retry_after().expect("the wait is reported");
        assert!(asked > Duration::from_secs(10), "{name}: {asked:?}");
        assert_eq!(server.count(), 1, "{name}");
        assert!(clock.sleeps().is_empty(), "{name}");
    }

    // Audioscrape's documented 429 (`retry_after: 60`), against the default cap (10 s): the
    // search is not re-sent a silent minute later; the caller gets the error and the wait.
    let server = fails_once(
        Reply::json(
            429,
            r#"{"error":"Rate Limited","message":"Too many requests","retry_after":60}"#,
        )
        .into(),
        "{}",
    )
    .await;
    let clock = Arc::new(ManualClock::new());
    let client = audioscrape(&server.url(), clock.clone());
    let error = client.get_me().send().await.expect_err("not waited for");
    match &error {
        CallError::Documented(audioscrape_client::errors::GetMeError::RateLimited(e)) => {
            assert_eq!(e.body.retry_after, Some(60));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(error.retry_after(), Some(Duration::from_secs(60)));
    assert!(error.is_rate_limited());
    assert_eq!(server.count(), 1);
    assert!(clock.sleeps().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Deadlines and per-attempt timeouts

#[tokio::test]
async fn wait_deadline_is_a_typed_timeout_carrying_the_job_id_and_last_state() {
    let statuses = vec![hunt_status("QueuedJob", Some(40.0))];
    let (server, stats) = hunt_api(statuses, 0, 0).start().await;
    let clock = Arc::new(ManualClock::new());
    let client = huntapi(&server.url(), clock.clone());
    let handle = client
        .audio_download()
        .query(MEDIA_URL)
        .submit()
        .await
        .expect("submitted");

    let options = quick_polls().with_deadline(Duration::from_secs(60));
    let error = handle
        .wait_with(&options)
        .await
        .expect_err("never finishes");
    match &error {
        JobError::DeadlineExceeded {
            job_id,
            elapsed,
            last_state,
        } => {
            assert_eq!(job_id, HUNT_JOB_ID);
            assert_eq!(last_state.as_deref(), Some("QueuedJob"));
            assert!(*elapsed >= Duration::from_secs(60), "{elapsed:?}");
        }
        other => panic!("expected a deadline error, got {other:?}"),
    }
    assert_eq!(error.job_id(), HUNT_JOB_ID);
    // Polls every 1, 1.5, 2.25, 3.375 then 4 s: bounded by the deadline, not endless.
    let polls = stats.served.load(Ordering::SeqCst);
    assert!((10..=20).contains(&polls), "{polls} polls");
    // The waits never go past the deadline.
    let waited: Duration = clock.sleeps().iter().sum();
    assert_eq!(waited, Duration::from_secs(60));
    let text = huntapi_client::Error::from(error).to_string();
    assert!(
        text.contains(HUNT_JOB_ID) && text.contains("QueuedJob"),
        "{text}"
    );
}

#[tokio::test]
async fn wait_deadline_before_any_successful_poll_reports_no_state() {
    // Every poll fails with a transient error; waiting ends at the deadline, not at the
    // first error, and says that no state was seen.
    let server = TestServer::with_handler(|_, _| Reply::status(503).into()).await;
    let clock = Arc::new(ManualClock::new());
    let client = huntapi(&server.url(), clock.clone());
    let options = quick_polls().with_deadline(Duration::from_secs(30));
    let error = client
        .audio_download_job(HUNT_JOB_ID)
        .wait_with(&options)
        .await
        .expect_err("never answers");
    match &error {
        JobError::DeadlineExceeded {
            job_id, last_state, ..
        } => {
            assert_eq!(job_id, HUNT_JOB_ID);
            assert_eq!(last_state, &None);
        }
        other => panic!("expected a deadline error, got {other:?}"),
    }
    assert!(error.to_string().contains("no state seen"), "{error}");
}

/// A server that stalls the first request for `hang` and answers the others with 200 `body`.
async fn hangs_once(hang: Duration, body: &'static str) -> TestServer {
    fails_once(Action::Hang(hang), body).await
}

#[tokio::test]
async fn per_attempt_timeout_on_a_hanging_server_is_retried_for_get_only() {
    let attempt_timeout = Duration::from_millis(200);

    let server = hangs_once(Duration::from_secs(5), r#"{"plan":"pro"}"#).await;
    let clock = Arc::new(ManualClock::new());
    let config = test_config(&server.url(), clock.clone()).with_attempt_timeout(attempt_timeout);
    let client = huntapi_client::Client::from_config(config).expect("client");
    client.get_usage().send().await.expect("the GET is retried");
    assert_eq!(server.count(), 2);
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(250)]);

    let server = hangs_once(
        Duration::from_secs(5),
        r#"{"job_id":"5f0c1a52-8d1e-4a53-9d57-0d6f3c1e2b7a"}"#,
    )
    .await;
    let clock = Arc::new(ManualClock::new());
    let config = test_config(&server.url(), clock.clone()).with_attempt_timeout(attempt_timeout);
    let client = huntapi_client::Client::from_config(config).expect("client");
    let error = client
        .audio_download()
        .query(MEDIA_URL)
        .send()
        .await
        .expect_err("the billable POST is not re-sent");
    match &error {
        CallError::Transport(t) => {
            assert_eq!(t.kind(), TransportErrorKind::Timeout, "{t}");
            assert!(t.was_sent());
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert_eq!(server.count(), 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn call_deadline_cancels_an_attempt_before_its_own_timeout() {
    // The attempt timeout (5 s) would end this attempt after the call's deadline (300 ms):
    // the deadline cancels it, and the error says so rather than reporting a transport timeout.
    let server = hangs_once(Duration::from_secs(5), r#"{"plan":"pro"}"#).await;
    let clock = Arc::new(ManualClock::new());
    let client = huntapi_client::Client::from_config(test_config(&server.url(), clock.clone()))
        .expect("client");
    let options = CallOptions::default().with_call_timeout(Some(Duration::from_millis(300)));
    let error = client
        .get_usage()
        .send_with(&options)
        .await
        .expect_err("the deadline passes during the first attempt");
    match &error {
        CallError::DeadlineExceeded(deadline) => {
            assert_eq!(deadline.operation_id, "getUsage");
            assert_eq!(deadline.attempts, 1);
        }
        other => panic!("expected the call deadline, got {other:?}"),
    }
    assert_eq!(server.count(), 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn status_poll_that_times_out_is_retried_within_wait() {
    // The first status poll hangs past the attempt timeout; the GET is retried and the job
    // still completes.
    let server = TestServer::with_handler(|request, n| {
        if request.method == "POST" {
            return Reply::json(200, &format!(r#"{{"job_id":"{HUNT_JOB_ID}"}}"#)).into();
        }
        if n == 1 {
            return Action::Hang(Duration::from_secs(5));
        }
        Reply::json(200, &hunt_status("CompletedJob", Some(100.0))).into()
    })
    .await;
    let clock = Arc::new(ManualClock::new());
    let config =
        test_config(&server.url(), clock.clone()).with_attempt_timeout(Duration::from_millis(200));
    let client = huntapi_client::Client::from_config(config).expect("client");
    let handle = client
        .audio_download()
        .query(MEDIA_URL)
        .submit()
        .await
        .expect("submitted");
    let done = handle.wait().await.expect("completed after the timeout");
    assert_eq!(done.status.as_str(), "CompletedJob");
    assert_eq!(server.count(), 3, "submit, timed-out poll, retried poll");
}

// ---------------------------------------------------------------------------------------------
// Resuming from a stored job id

#[tokio::test]
async fn huntapi_job_resumed_from_a_stored_id_finishes_without_a_second_submit() {
    let statuses = vec![
        hunt_status("QueuedJob", Some(10.0)),
        hunt_status("QueuedJob", Some(20.0)),
        hunt_status("QueuedJob", Some(70.0)),
        hunt_status("CompletedJob", Some(100.0)),
    ];
    let (server, stats) = hunt_api(statuses, 30, 0x5EED_0006).start().await;

    // The first program submits, sees one update, stores the id and stops.
    let stored: String = {
        let client = huntapi(&server.url(), Arc::new(ManualClock::new()));
        let handle = client
            .audio_download()
            .query(MEDIA_URL)
            .submit()
            .await
            .expect("submitted");
        let first = handle.poll().await.expect("one poll");
        assert_eq!(first.state, "QueuedJob");
        handle.id().to_string()
    };

    // The restarted program has a new client and only the id.
    let client = huntapi(&server.url(), Arc::new(ManualClock::new()));
    let done = client
        .audio_download_job(stored)
        .wait()
        .await
        .expect("the resumed job completes");
    assert_eq!(
        done.result.and_then(|r| r.response).as_deref(),
        Some(DOWNLOAD_URL)
    );
    assert_eq!(posts(&server), 1, "one submit across both programs");
    assert!(stats.injected.load(Ordering::SeqCst) >= 1);
}

#[tokio::test]
async fn audiopod_job_resumed_from_a_stored_id_finishes_without_a_second_submit() {
    let statuses = vec![
        stem_status("PENDING"),
        stem_status("PROCESSING"),
        stem_status("COMPLETED"),
    ];
    let (server, stats) = stem_api(statuses, 30, 0x5EED_000D).start().await;
    let stored: String = {
        let client = audiopod(&server.url(), Arc::new(ManualClock::new()));
        let handle = client
            .extract_stems()
            .url(MEDIA_URL)
            .mode(audiopod_client::types::StemMode::Four)
            .submit()
            .await
            .expect("submitted");
        handle.id().to_string()
    };
    let client = audiopod(&server.url(), Arc::new(ManualClock::new()));
    let done = client
        .extract_stems_job(stored)
        .wait()
        .await
        .expect("the resumed job completes");
    assert_eq!(
        done.status.map(|s| s.to_string()).as_deref(),
        Some("COMPLETED")
    );
    assert_eq!(posts(&server), 1, "one submit across both programs");
    assert!(stats.injected.load(Ordering::SeqCst) >= 1);
}

#[tokio::test]
async fn malformed_stored_job_id_is_a_typed_error_and_sends_nothing() {
    let server = TestServer::with_handler(|_, _| Reply::json(200, "{}").into()).await;
    let clock = Arc::new(ManualClock::new());

    let hunt = huntapi(&server.url(), clock.clone());
    let error = hunt
        .audio_download_job("not-a-uuid")
        .wait()
        .await
        .expect_err("not a UUID");
    match &error {
        JobError::Poll {
            job_id,
            source: CallError::<GetJobError>::InvalidRequest(message),
        } => {
            assert_eq!(job_id, "not-a-uuid");
            assert!(message.contains("not-a-uuid"), "{message}");
        }
        other => panic!("expected an invalid request, got {other:?}"),
    }

    let pod = audiopod(&server.url(), clock.clone());
    let error = pod
        .extract_stems_job("55x")
        .wait()
        .await
        .expect_err("not an integer");
    assert!(
        matches!(
            &error,
            JobError::Poll {
                source: CallError::<GetStemJobStatusError>::InvalidRequest(_),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(server.count(), 0, "nothing was sent");
    assert!(clock.sleeps().is_empty(), "and nothing was waited for");
}

// ---------------------------------------------------------------------------------------------
// Jobs whose servers say what the docs did not

/// A job API whose status path answers `status(n)` for the n-th status request.
async fn scripted_job_api(
    submit_path: &'static str,
    submit_body: &'static str,
    status_path: String,
    status: impl Fn(usize) -> Reply + Send + Sync + 'static,
) -> TestServer {
    let polls = AtomicUsize::new(0);
    TestServer::with_handler(move |request, _| {
        let path = path_of(request);
        if request.method == "POST" && path == submit_path {
            return Reply::json(200, submit_body).into();
        }
        if request.method == "GET" && path == status_path {
            return status(polls.fetch_add(1, Ordering::SeqCst)).into();
        }
        Reply::json(404, r#"{"error":"no such route"}"#).into()
    })
    .await
}

#[tokio::test]
async fn huntapi_wait_goes_on_through_500s_on_the_status_poll() {
    // Four 500s in a row: more than one poll call's attempts (3), so waiting itself must
    // treat the documented-retryable status as transient.
    let server = scripted_job_api(
        "/v1/audio/download",
        r#"{"job_id":"5f0c1a52-8d1e-4a53-9d57-0d6f3c1e2b7a"}"#,
        format!("/v1/jobs/{HUNT_JOB_ID}"),
        |n| match n {
            0 => Reply::json(200, &hunt_status("QueuedJob", Some(10.0))),
            1..=4 => Reply::json(500, r#"{"error":"Internal Error"}"#),
            _ => Reply::json(200, &hunt_status("CompletedJob", Some(100.0))),
        },
    )
    .await;
    let client = huntapi(&server.url(), Arc::new(ManualClock::new()));
    let handle = client
        .audio_download()
        .query(MEDIA_URL)
        .submit()
        .await
        .expect("submitted");
    let done = handle.wait_with(&quick_polls()).await.expect("completes");
    assert_eq!(done.status.as_str(), "CompletedJob");
    assert_eq!(posts(&server), 1, "the billable submit was sent once");
}

#[tokio::test]
async fn huntapi_undocumented_state_ends_waiting_with_the_state_and_the_body() {
    let failed = serde_json::json!({
        "id": HUNT_JOB_ID,
        "status": "FailedJob",
        "error": "the video is private",
    })
    .to_string();
    let failed: &'static str = Box::leak(failed.into_boxed_str());
    let server = scripted_job_api(
        "/v1/audio/download",
        r#"{"job_id":"5f0c1a52-8d1e-4a53-9d57-0d6f3c1e2b7a"}"#,
        format!("/v1/jobs/{HUNT_JOB_ID}"),
        move |n| match n {
            0 => Reply::json(200, &hunt_status("QueuedJob", None)),
            _ => Reply::json(200, failed),
        },
    )
    .await;
    let clock = Arc::new(ManualClock::new());
    let client = huntapi(&server.url(), clock.clone());
    let handle = client
        .audio_download()
        .query(MEDIA_URL)
        .submit()
        .await
        .expect("submitted");
    let error = handle.wait().await.expect_err("an undocumented state");
    match &error {
        JobError::UnknownState {
            job_id,
            state,
            status,
        } => {
            assert_eq!(job_id, HUNT_JOB_ID);
            assert_eq!(state, "FailedJob");
            assert_eq!(status.status.as_str(), "FailedJob");
            assert_eq!(status.error.as_deref(), Some("the video is private"));
        }
        other => panic!("expected UnknownState, got {other:?}"),
    }
    // Two polls, one wait: not an hour of polling.
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(1)]);
    let text = huntapi_client::Error::from(error).to_string();
    assert!(
        text.contains("FailedJob") && text.contains(HUNT_JOB_ID),
        "{text}"
    );
}

#[tokio::test]
async fn a_status_body_that_does_not_decode_ends_waiting_with_the_body() {
    // `id` is documented as a UUID; this server sends a number.
    let server = scripted_job_api(
        "/v1/audio/download",
        r#"{"job_id":"5f0c1a52-8d1e-4a53-9d57-0d6f3c1e2b7a"}"#,
        format!("/v1/jobs/{HUNT_JOB_ID}"),
        |_| Reply::json(200, r#"{"id":42,"status":"QueuedJob"}"#),
    )
    .await;
    let client = huntapi(&server.url(), Arc::new(ManualClock::new()));
    let handle = client
        .audio_download()
        .query(MEDIA_URL)
        .submit()
        .await
        .expect("submitted");
    match handle.wait().await {
        Err(JobError::UndecodableStatus {
            job_id,
            body,
            reason,
        }) => {
            assert_eq!(job_id, HUNT_JOB_ID);
            assert_eq!(&body[..], br#"{"id":42,"status":"QueuedJob"}"#);
            assert!(reason.contains("invalid type"), "{reason}");
        }
        other => panic!("expected UndecodableStatus, got {other:?}"),
    }
}

#[tokio::test]
async fn huntapi_completed_job_with_success_false_is_a_failure() {
    let unsuccessful = serde_json::json!({
        "id": HUNT_JOB_ID,
        "status": "CompletedJob",
        "success": false,
        "error": "age-restricted content",
    })
    .to_string();
    let unsuccessful: &'static str = Box::leak(unsuccessful.into_boxed_str());
    let server = scripted_job_api(
        "/v1/audio/download",
        r#"{"job_id":"5f0c1a52-8d1e-4a53-9d57-0d6f3c1e2b7a"}"#,
        format!("/v1/jobs/{HUNT_JOB_ID}"),
        move |_| Reply::json(200, unsuccessful),
    )
    .await;
    let client = huntapi(&server.url(), Arc::new(ManualClock::new()));
    let handle = client
        .audio_download()
        .query(MEDIA_URL)
        .submit()
        .await
        .expect("submitted");
    match handle.wait().await {
        Err(JobError::Failed { state, message, .. }) => {
            assert_eq!(state, "CompletedJob");
            assert_eq!(message.as_deref(), Some("age-restricted content"));
        }
        other => panic!("expected a failed job, got {other:?}"),
    }
}

#[tokio::test]
async fn audiopod_advanced_extraction_submits_a_job_read_from_job_id() {
    // The SDK reads `id`, else `job_id`: this server only sends `job_id`.
    let server = scripted_job_api(
        "/api/v1/stem-extraction/extract/advanced",
        r#"{"job_id":5512,"status":"PENDING"}"#,
        format!("/api/v1/stem-extraction/status/{STEM_JOB_ID}"),
        |n| match n {
            0 => Reply::json(200, &stem_status("PROCESSING")),
            1 => Reply::json(503, r#"{"detail":"busy"}"#),
            _ => Reply::json(200, &stem_status("COMPLETED")),
        },
    )
    .await;
    let client = audiopod(&server.url(), Arc::new(ManualClock::new()));
    let handle = client
        .extract_stems_advanced()
        .url(MEDIA_URL)
        .single_stem("vocals")
        .submit()
        .await
        .expect("submitted");
    assert_eq!(handle.id(), STEM_JOB_ID.to_string());
    let done = handle.wait_with(&quick_polls()).await.expect("completed");
    assert_eq!(done.id, STEM_JOB_ID);
    assert_eq!(posts(&server), 1);
}

#[tokio::test]
async fn audiopod_cancelled_job_ends_waiting_with_the_state() {
    let server = scripted_job_api(
        "/api/v1/stem-extraction/api/extract",
        r#"{"id":5512,"status":"PENDING"}"#,
        format!("/api/v1/stem-extraction/status/{STEM_JOB_ID}"),
        |n| match n {
            0 => Reply::json(200, &stem_status("PENDING")),
            1 => Reply::json(500, "Internal Server Error"),
            _ => Reply::json(200, &stem_status("CANCELLED")),
        },
    )
    .await;
    let client = audiopod(&server.url(), Arc::new(ManualClock::new()));
    let handle = client
        .extract_stems()
        .url(MEDIA_URL)
        .mode(audiopod_client::types::StemMode::Two)
        .submit()
        .await
        .expect("submitted");
    match handle.wait_with(&quick_polls()).await {
        Err(JobError::UnknownState { state, status, .. }) => {
            assert_eq!(state, "CANCELLED");
            assert_eq!(status.id, STEM_JOB_ID);
        }
        other => panic!("expected UnknownState, got {other:?}"),
    }
}
