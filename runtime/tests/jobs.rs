//! Waiting for asynchronous jobs, with a scripted status operation and a manual clock.

// Operation errors carry the response headers inline, as generated errors do.
#![allow(clippy::result_large_err)]

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use clientgen_runtime::{
    ClientConfig, JobError, JobHandle, JobKind, JobPhase, JobSpec, ManualClock, RawResponse,
    UnknownStates, UntypedError, WaitOptions,
};
use futures::StreamExt;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

struct FakeClient {
    config: ClientConfig,
    clock: Arc<ManualClock>,
    script: Mutex<VecDeque<Result<Value, UntypedError>>>,
    polled: Mutex<Vec<String>>,
}

impl FakeClient {
    fn new(script: Vec<Result<Value, UntypedError>>) -> Self {
        let clock = Arc::new(ManualClock::new());
        let config = ClientConfig::new("https://api.example.com")
            .expect("base url")
            .with_clock(clock.clone());
        Self {
            config,
            clock,
            script: Mutex::new(script.into()),
            polled: Mutex::new(Vec::new()),
        }
    }

    fn polls(&self) -> usize {
        self.polled.lock().expect("lock").len()
    }
}

struct Transcription;

impl JobKind for Transcription {
    type Client = FakeClient;
    type Status = Value;
    type Error = UntypedError;
    const SPEC: JobSpec = JobSpec {
        pending: &["QueuedJob"],
        succeeded: &["CompletedJob"],
        failed: &["Error", "NotFound"],
        state_pointer: "/status",
        progress_pointer: Some("/progress"),
        error_pointer: Some("/error"),
        case_insensitive: false,
        success_pointer: None,
        // States such as `Transcoding` come and go: anything unlisted is pending.
        unknown_states: UnknownStates::Pending,
    };

    fn config(client: &FakeClient) -> &ClientConfig {
        &client.config
    }

    fn poll<'a>(
        client: &'a FakeClient,
        job_id: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Value, UntypedError>> + Send + 'a>> {
        Box::pin(async move {
            client.polled.lock().expect("lock").push(job_id.to_owned());
            let next = client.script.lock().expect("lock").pop_front();
            // Once the script is used up the job stays queued.
            next.unwrap_or_else(|| Ok(json!({"status": "QueuedJob"})))
        })
    }
}

/// A kind whose spec lists its pending states (unknown ones end waiting) and has a success
/// flag, polled from the same script.
struct Download;

impl JobKind for Download {
    type Client = FakeClient;
    type Status = Value;
    type Error = UntypedError;
    const SPEC: JobSpec = JobSpec {
        unknown_states: UnknownStates::End,
        success_pointer: Some("/success"),
        ..Transcription::SPEC
    };

    fn config(client: &FakeClient) -> &ClientConfig {
        &client.config
    }

    fn poll<'a>(
        client: &'a FakeClient,
        job_id: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Value, UntypedError>> + Send + 'a>> {
        Transcription::poll(client, job_id)
    }
}

fn http_error(status: u16, retry_after: Option<&str>) -> Result<Value, UntypedError> {
    let mut headers = HeaderMap::new();
    if let Some(value) = retry_after {
        headers.insert("retry-after", value.parse().expect("header"));
    }
    Err(UntypedError::Response(RawResponse {
        status: StatusCode::from_u16(status).expect("status"),
        headers,
        body: Bytes::from_static(b"{}"),
        truncated: false,
    }))
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

#[tokio::test]
async fn states_progress_to_success() {
    let client = FakeClient::new(vec![
        Ok(json!({"status": "QueuedJob", "progress": 0})),
        Ok(json!({"status": "Transcoding", "progress": 50.5})),
        Ok(json!({"status": "CompletedJob", "progress": 100, "text": "hello"})),
    ]);
    let job = JobHandle::<Transcription>::new(&client, "job-1");
    let status = job.wait().await.expect("succeeds");
    assert_eq!(status["text"], "hello");
    assert_eq!(client.polls(), 3);
    assert_eq!(client.clock.sleeps(), vec![secs(1.0), secs(1.5)]);
}

#[tokio::test]
async fn updates_stream_reports_each_poll_and_ends_at_terminal_state() {
    let client = FakeClient::new(vec![
        Ok(json!({"status": "QueuedJob", "progress": 0})),
        Ok(json!({"status": "Transcoding", "progress": 50.5})),
        Ok(json!({"status": "CompletedJob", "progress": 100})),
        Ok(json!({"status": "QueuedJob"})),
    ]);
    let job = JobHandle::<Transcription>::new(&client, "job-2");
    let updates: Vec<_> = job.updates(WaitOptions::default()).collect().await;
    let updates: Vec<_> = updates.into_iter().map(|u| u.expect("update")).collect();
    let states: Vec<&str> = updates.iter().map(|u| u.state.as_str()).collect();
    assert_eq!(states, ["QueuedJob", "Transcoding", "CompletedJob"]);
    let phases: Vec<JobPhase> = updates.iter().map(|u| u.phase).collect();
    // An unknown state counts as pending.
    assert_eq!(
        phases,
        [JobPhase::Pending, JobPhase::Pending, JobPhase::Succeeded]
    );
    let progress: Vec<Option<f64>> = updates.iter().map(|u| u.progress).collect();
    assert_eq!(progress, [Some(0.0), Some(50.5), Some(100.0)]);
    assert_eq!(client.polls(), 3);
}

#[tokio::test]
async fn failure_carries_the_message() {
    let client = FakeClient::new(vec![
        Ok(json!({"status": "QueuedJob"})),
        Ok(json!({"status": "Error", "error": "unsupported codec"})),
    ]);
    let job = JobHandle::<Transcription>::new(&client, "job-7");
    let err = job.wait().await.expect_err("fails");
    match &err {
        JobError::Failed {
            job_id,
            state,
            message,
            status,
        } => {
            assert_eq!(job_id, "job-7");
            assert_eq!(state, "Error");
            assert_eq!(message.as_deref(), Some("unsupported codec"));
            assert_eq!(status["error"], "unsupported codec");
        }
        other => panic!("expected Failed, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("job-7") && text.contains("unsupported codec"),
        "{text}"
    );
}

#[tokio::test]
async fn failed_state_ends_the_stream_with_a_failed_update() {
    let client = FakeClient::new(vec![Ok(json!({"status": "NotFound"}))]);
    let job = JobHandle::<Transcription>::new(&client, "job-8");
    let updates: Vec<_> = job.updates(WaitOptions::default()).collect().await;
    assert_eq!(updates.len(), 1);
    let update = updates.into_iter().next().expect("one").expect("ok update");
    assert_eq!(update.phase, JobPhase::Failed);
}

#[tokio::test]
async fn deadline_ends_waiting_with_the_job_id_and_last_state() {
    let client = FakeClient::new(Vec::new());
    let job = JobHandle::<Transcription>::new(&client, "job-slow");
    let options = WaitOptions::default()
        .with_deadline(Duration::from_secs(10))
        .with_initial_interval(Duration::from_secs(1))
        .with_multiplier(2.0)
        .with_max_interval(Duration::from_secs(4));
    let err = job.wait_with(&options).await.expect_err("deadline");
    match &err {
        JobError::DeadlineExceeded {
            job_id,
            elapsed,
            last_state,
        } => {
            assert_eq!(job_id, "job-slow");
            assert_eq!(*elapsed, Duration::from_secs(10));
            assert_eq!(last_state.as_deref(), Some("QueuedJob"));
        }
        other => panic!("expected DeadlineExceeded, got {other:?}"),
    }
    assert!(err.to_string().contains("job-slow"));
    // 1, 2, 4, then only the 3 s left before the deadline, and a last poll at the deadline.
    assert_eq!(
        client.clock.sleeps(),
        vec![secs(1.0), secs(2.0), secs(4.0), secs(3.0)]
    );
    assert_eq!(client.polls(), 5);
}

#[tokio::test]
async fn retryable_poll_errors_do_not_end_waiting() {
    let client = FakeClient::new(vec![
        Ok(json!({"status": "QueuedJob"})),
        http_error(503, None),
        http_error(429, Some("7")),
        Ok(json!({"status": "CompletedJob"})),
    ]);
    let job = JobHandle::<Transcription>::new(&client, "job-3");
    let status = job.wait().await.expect("succeeds despite errors");
    assert_eq!(status["status"], "CompletedJob");
    assert_eq!(client.polls(), 4);
    // The 429's Retry-After (7 s) is longer than the interval, so it wins.
    assert_eq!(client.clock.sleeps(), vec![secs(1.0), secs(1.5), secs(7.0)]);
}

#[tokio::test]
async fn retryable_poll_errors_are_not_yielded_by_the_stream() {
    let client = FakeClient::new(vec![
        http_error(502, None),
        Ok(json!({"status": "CompletedJob"})),
    ]);
    let job = JobHandle::<Transcription>::new(&client, "job-4");
    let updates: Vec<_> = job.updates(WaitOptions::default()).collect().await;
    assert_eq!(updates.len(), 1);
    assert!(updates[0].is_ok());
}

#[tokio::test]
async fn other_poll_errors_end_waiting() {
    let client = FakeClient::new(vec![
        Ok(json!({"status": "QueuedJob"})),
        http_error(404, None),
        Ok(json!({"status": "CompletedJob"})),
    ]);
    let job = JobHandle::<Transcription>::new(&client, "job-5");
    let err = job.wait().await.expect_err("404 ends waiting");
    match &err {
        JobError::Poll { job_id, source } => {
            assert_eq!(job_id, "job-5");
            assert!(matches!(source, UntypedError::Response(raw) if raw.status.as_u16() == 404));
        }
        other => panic!("expected Poll, got {other:?}"),
    }
    assert!(std::error::Error::source(&err).is_some());
    assert!(err.to_string().contains("job-5"));
    assert_eq!(client.polls(), 2);
}

#[tokio::test]
async fn missing_state_is_an_error() {
    let client = FakeClient::new(vec![Ok(json!({"state": "CompletedJob"}))]);
    let job = JobHandle::<Transcription>::new(&client, "job-6");
    let err = job.wait().await.expect_err("no /status");
    assert!(
        matches!(&err, JobError::MissingState { job_id, pointer } if job_id == "job-6" && pointer == "/status"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_stored_job_id_can_be_resumed() {
    let client = FakeClient::new(vec![
        Ok(json!({"status": "QueuedJob"})),
        Ok(json!({"status": "CompletedJob"})),
    ]);
    let stored = String::from("job-from-yesterday");
    let job = JobHandle::<Transcription>::new(&client, stored.clone());
    assert_eq!(job.id(), stored);
    let once = job.poll().await.expect("one poll");
    assert_eq!(once.phase, JobPhase::Pending);
    let again = job.clone();
    again.wait().await.expect("resumed");
    assert!(
        client
            .polled
            .lock()
            .expect("lock")
            .iter()
            .all(|id| id == "job-from-yesterday")
    );
    let debug = format!("{job:?}");
    assert!(
        debug.contains("job-from-yesterday") && !debug.contains("FakeClient"),
        "{debug}"
    );
}

#[tokio::test]
async fn an_unlisted_state_ends_waiting_when_the_pending_states_are_listed() {
    let client = FakeClient::new(vec![
        Ok(json!({"status": "QueuedJob"})),
        Ok(json!({"status": "FailedJob", "error": "private video"})),
        Ok(json!({"status": "CompletedJob", "success": true})),
    ]);
    let job = JobHandle::<Download>::new(&client, "job-9");
    let err = job.wait().await.expect_err("unknown state");
    match &err {
        JobError::UnknownState {
            job_id,
            state,
            status,
        } => {
            assert_eq!(job_id, "job-9");
            assert_eq!(state, "FailedJob");
            assert_eq!(status["error"], "private video");
        }
        other => panic!("expected UnknownState, got {other:?}"),
    }
    assert!(err.to_string().contains("FailedJob"), "{err}");
    // Two polls and one sleep: not an hour of polling.
    assert_eq!(client.polls(), 2);
    assert_eq!(client.clock.sleeps(), vec![secs(1.0)]);
    // The handle stays usable: a caller who knows the state is transient waits on.
    let options = WaitOptions::default().with_unknown_states(UnknownStates::Pending);
    let status = job.wait_with(&options).await.expect("resumed");
    assert_eq!(status["success"], true);
}

#[tokio::test]
async fn the_stream_ends_with_an_unknown_update() {
    let client = FakeClient::new(vec![Ok(json!({"status": "Archived"}))]);
    let job = JobHandle::<Download>::new(&client, "job-10");
    let updates: Vec<_> = job.updates(WaitOptions::default()).collect().await;
    assert_eq!(updates.len(), 1);
    let update = updates.into_iter().next().expect("one").expect("ok update");
    assert_eq!(update.phase, JobPhase::Unknown);
    assert_eq!(update.state, "Archived");
}

#[tokio::test]
async fn a_completed_job_whose_success_flag_is_false_is_a_failure() {
    let client = FakeClient::new(vec![
        Ok(json!({"status": "QueuedJob"})),
        Ok(json!({"status": "CompletedJob", "success": false, "error": "age-restricted"})),
    ]);
    let job = JobHandle::<Download>::new(&client, "job-11");
    let err = job.wait().await.expect_err("success is false");
    match &err {
        JobError::Failed { state, message, .. } => {
            assert_eq!(state, "CompletedJob");
            assert_eq!(message.as_deref(), Some("age-restricted"));
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}
