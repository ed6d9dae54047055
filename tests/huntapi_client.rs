//! End-to-end tests of the generated HuntAPI client (`generated/huntapi-client`, from
//! `spec/huntapi.yaml`) against a local scripted server: the requests every operation sends
//! with each security scheme, the decoding of documented successes and errors, malformed
//! responses, and keeping the API key out of output and away from other origins.

mod common;

use std::error::Error as StdError;
use std::time::Duration;

use clientgen_runtime::{MAX_ERROR_BODY_BYTES, NoHeaders, OperationError, TransportErrorKind};
use clientgen_testkit::{Action, Recorded, Reply, TestServer, dead_port};
use common::{
    EnvVarGuard, SECRET, TEN_MB, assert_error_secret_free, assert_no_secret, env_lock,
    local_config, pairs, path, query_pairs, raw_query, scripted,
};
use huntapi_client::{CallError, Client, ConfigError, Error, errors, types};
use reqwest::StatusCode;
use uuid::Uuid;

const JOB_ID: &str = "0193443f-fb80-9d19-29ba-82bc77c7cd84";
const MEDIA_URL: &str = "https://www.youtube.com/watch?v=example&t=42";
/// `Retry-After` sent with every 429 (HuntAPI documents none; the client reads it anyway).
const RATE_LIMIT_WAIT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Scheme {
    /// `ApiKeyHeader`: `x-api-key` header.
    Header,
    /// `ApiKeyQuery`: `x_api_key` query parameter.
    Query,
}

const SCHEMES: [Scheme; 2] = [Scheme::Header, Scheme::Query];

fn client(base_url: &str, scheme: Scheme) -> Client {
    let credential = match scheme {
        Scheme::Header => Client::api_key_header_credential(SECRET),
        Scheme::Query => Client::api_key_query_credential(SECRET),
    }
    .expect("the test key is a valid credential");
    Client::from_config(local_config(base_url).with_credential(credential)).expect("client builds")
}

/// The request carries the key exactly as `scheme` says, and nowhere else.
fn assert_auth(request: &Recorded, scheme: Scheme) {
    let query_keys: Vec<String> = query_pairs(request)
        .into_iter()
        .filter(|(name, _)| name == "x_api_key")
        .map(|(_, value)| value)
        .collect();
    match scheme {
        Scheme::Header => {
            assert_eq!(request.header("x-api-key"), Some(SECRET));
            assert!(query_keys.is_empty(), "{}", request.target);
        }
        Scheme::Query => {
            assert_eq!(request.header("x-api-key"), None);
            assert_eq!(query_keys, [SECRET]);
        }
    }
    assert_eq!(request.header("authorization"), None);
    // No header the API does not document (progenitor would add `api-version`).
    assert_eq!(request.header("api-version"), None);
}

/// The expected query pairs, plus the key last for the query scheme.
fn with_key(expected: &[(&str, &str)], scheme: Scheme) -> Vec<(String, String)> {
    let mut all = pairs(expected);
    if scheme == Scheme::Query {
        all.push(("x_api_key".into(), SECRET.into()));
    }
    all
}

fn only_request(server: &TestServer) -> Recorded {
    let mut requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    requests.remove(0)
}

fn job_created() -> Reply {
    Reply::json(200, &format!(r#"{{"job_id":"{JOB_ID}"}}"#))
}

fn error_reply(status: u16, message: &str) -> Reply {
    let reply = Reply::json(status, &serde_json::json!({ "error": message }).to_string());
    if status == 429 {
        reply.header("retry-after", "30")
    } else {
        reply
    }
}

// ---------------------------------------------------------------------------------------------
// Success paths

#[tokio::test]
async fn audio_download_sends_every_documented_parameter() {
    for scheme in SCHEMES {
        let server = TestServer::start(vec![job_created().into()]).await;
        let response = client(&server.url(), scheme)
            .audio_download()
            .query(MEDIA_URL)
            .download_type(types::AudioDownloadDownloadType::Audio)
            .max_duration(90.5)
            .audio_quality(types::AudioDownloadAudioQuality::X320kbps)
            .audio_format(types::AudioDownloadAudioFormat::M4a)
            .webhook_url("https://hooks.example.com/huntapi?source=audio")
            .webhook_authorization("Bearer eyJhbGciOiJIUzI1NiJ9.e30")
            .fields("job_id,status")
            .send()
            .await
            .expect("job created");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.job_id, Uuid::parse_str(JOB_ID).unwrap());

        let request = only_request(&server);
        assert_eq!(request.method, "POST");
        assert_eq!(path(&request), "/v1/audio/download");
        assert_eq!(
            query_pairs(&request),
            with_key(
                &[
                    ("audio_format", "m4a"),
                    ("audio_quality", "320kbps"),
                    ("download_type", "audio"),
                    ("fields", "job_id,status"),
                    ("max_duration", "90.5"),
                    ("query", MEDIA_URL),
                    ("webhook_authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30"),
                    (
                        "webhook_url",
                        "https://hooks.example.com/huntapi?source=audio"
                    ),
                ],
                scheme
            )
        );
        // The URL-valued parameters are form-encoded, so their own `?`, `&` and `=` stay
        // inside the value.
        let expected_raw = "audio_format=m4a&audio_quality=320kbps&download_type=audio\
             &fields=job_id%2Cstatus&max_duration=90.5\
             &query=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3Dexample%26t%3D42\
             &webhook_authorization=Bearer+eyJhbGciOiJIUzI1NiJ9.e30\
             &webhook_url=https%3A%2F%2Fhooks.example.com%2Fhuntapi%3Fsource%3Daudio";
        match scheme {
            Scheme::Header => assert_eq!(raw_query(&request), expected_raw),
            Scheme::Query => assert_eq!(
                raw_query(&request),
                format!("{expected_raw}&x_api_key={SECRET}")
            ),
        }
        // Parameters go in the query string; no body is documented.
        assert!(request.body.is_empty());
        assert_eq!(request.header("content-type"), None);
        assert_eq!(request.header("accept"), Some("application/json"));
        assert_auth(&request, scheme);
    }
}

#[tokio::test]
async fn audio_download_sends_only_the_given_parameters_and_accepts_200_201_202() {
    for (status, scheme) in [
        (200, Scheme::Header),
        (201, Scheme::Query),
        (202, Scheme::Header),
    ] {
        let reply = Reply::json(status, &format!(r#"{{"job_id":"{JOB_ID}"}}"#));
        let server = TestServer::start(vec![reply.into()]).await;
        let response = client(&server.url(), scheme)
            .audio_download()
            .query(MEDIA_URL)
            .send()
            .await
            .unwrap_or_else(|e| panic!("HTTP {status} is a documented success: {e}"));
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(
            response.into_inner().job_id,
            Uuid::parse_str(JOB_ID).unwrap()
        );
        let request = only_request(&server);
        assert_eq!(
            query_pairs(&request),
            with_key(&[("query", MEDIA_URL)], scheme)
        );
        assert_auth(&request, scheme);
    }
}

#[tokio::test]
async fn audio_download_enums_are_sent_as_the_spec_spells_them() {
    use types::{AudioDownloadAudioFormat as Format, AudioDownloadAudioQuality as Quality};
    let server = TestServer::with_handler(|_, _| job_created().into()).await;
    let client = client(&server.url(), Scheme::Header);
    let qualities = [
        (Quality::Best, "best"),
        (Quality::X320kbps, "320kbps"),
        (Quality::X256kbps, "256kbps"),
        (Quality::X128kbps, "128kbps"),
    ];
    for (quality, text) in qualities {
        client
            .audio_download()
            .query(MEDIA_URL)
            .audio_quality(quality)
            .send()
            .await
            .expect("job created");
        let sent = query_pairs(server.requests().last().unwrap());
        assert!(
            sent.contains(&("audio_quality".into(), text.into())),
            "{sent:?}"
        );
    }
    for (format, text) in [
        (Format::Mp3, "mp3"),
        (Format::M4a, "m4a"),
        (Format::Wav, "wav"),
    ] {
        client
            .audio_download()
            .query(MEDIA_URL)
            .audio_format(format)
            .send()
            .await
            .expect("job created");
        let sent = query_pairs(server.requests().last().unwrap());
        assert!(
            sent.contains(&("audio_format".into(), text.into())),
            "{sent:?}"
        );
    }
    assert_eq!(server.count(), 7);
}

#[tokio::test]
async fn video_download_sends_every_documented_parameter() {
    for scheme in SCHEMES {
        let server = TestServer::start(vec![
            Reply::json(201, &format!(r#"{{"job_id":"{JOB_ID}"}}"#)).into(),
        ])
        .await;
        let response = client(&server.url(), scheme)
            .video_download()
            .query(MEDIA_URL)
            .download_type(types::VideoDownloadDownloadType::AudioVideo)
            .max_duration(3600.0)
            .video_quality(types::VideoDownloadVideoQuality::X1080p)
            .video_format(types::VideoDownloadVideoFormat::Webm)
            .webhook_url("https://hooks.example.com/video")
            .webhook_authorization("Bearer token with spaces")
            .fields("job_id")
            .send()
            .await
            .expect("job created");
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.job_id, Uuid::parse_str(JOB_ID).unwrap());

        let request = only_request(&server);
        assert_eq!(request.method, "POST");
        assert_eq!(path(&request), "/v1/video/download");
        assert_eq!(
            query_pairs(&request),
            with_key(
                &[
                    ("download_type", "audio_video"),
                    ("fields", "job_id"),
                    // A whole number of seconds is written with a fraction (`3600.0`).
                    ("max_duration", "3600.0"),
                    ("query", MEDIA_URL),
                    ("video_format", "webm"),
                    ("video_quality", "1080p"),
                    ("webhook_authorization", "Bearer token with spaces"),
                    ("webhook_url", "https://hooks.example.com/video"),
                ],
                scheme
            )
        );
        assert!(request.body.is_empty());
        assert_eq!(request.header("content-type"), None);
        assert_auth(&request, scheme);
    }
}

#[tokio::test]
async fn video_download_enums_are_sent_as_the_spec_spells_them() {
    use types::{
        VideoDownloadDownloadType as Kind, VideoDownloadVideoFormat as Format,
        VideoDownloadVideoQuality as Quality,
    };
    let server = TestServer::with_handler(|_, _| job_created().into()).await;
    let client = client(&server.url(), Scheme::Query);
    let last_pairs = || query_pairs(server.requests().last().unwrap());
    for (kind, text) in [
        (Kind::AudioVideo, "audio_video"),
        (Kind::Audio, "audio"),
        (Kind::Video, "video"),
    ] {
        let call = client.video_download().query(MEDIA_URL).download_type(kind);
        call.send().await.expect("job created");
        assert!(last_pairs().contains(&("download_type".into(), text.into())));
    }
    for (quality, text) in [
        (Quality::Best, "best"),
        (Quality::X1080p, "1080p"),
        (Quality::X720p, "720p"),
        (Quality::X480p, "480p"),
        (Quality::X360p, "360p"),
    ] {
        let call = client
            .video_download()
            .query(MEDIA_URL)
            .video_quality(quality);
        call.send().await.expect("job created");
        assert!(last_pairs().contains(&("video_quality".into(), text.into())));
    }
    for (format, text) in [
        (Format::Mp4, "mp4"),
        (Format::Webm, "webm"),
        (Format::Mkv, "mkv"),
    ] {
        let call = client
            .video_download()
            .query(MEDIA_URL)
            .video_format(format);
        call.send().await.expect("job created");
        assert!(last_pairs().contains(&("video_format".into(), text.into())));
    }
    assert_eq!(server.count(), 11);
}

#[tokio::test]
async fn invalid_parameters_are_errors_and_nothing_is_sent() {
    let server = TestServer::start(Vec::new()).await;
    let client = client(&server.url(), Scheme::Query);

    let err = client.audio_download().send().await.unwrap_err();
    let CallError::InvalidRequest(message) = &err else {
        panic!("missing `query` is an invalid request, got {err:?}");
    };
    assert!(message.contains("query"), "{message}");
    assert_eq!(err.status(), None);
    assert!(!err.is_retryable());
    assert!(
        err.to_string()
            .starts_with("audioDownload: invalid request: ")
    );
    assert_error_secret_free(&err);

    let err = client
        .video_download()
        .query(MEDIA_URL)
        .video_quality("4k")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CallError::InvalidRequest(m) if m.contains("video_quality")),
        "{err:?}"
    );
    assert_error_secret_free(&err);

    let err = client.get_job().id("not-a-uuid").send().await.unwrap_err();
    assert!(
        matches!(&err, CallError::InvalidRequest(m) if m.contains("id")),
        "{err:?}"
    );
    assert_error_secret_free(&err);
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn get_job_keeps_dates_and_progress_in_forms_the_docs_do_not_show() {
    // A date without a time zone and a progress as a string: the job still decodes, and the
    // two fields keep what the server sent.
    let body = serde_json::json!({
        "id": "0193443f-fb80-9d19-29ba-82bc77c7cd8c",
        "status": "QueuedJob",
        "created_at": "2024-11-19T11:47:44.127229",
        "started_at": "2024-11-19T11:47:44.134374Z",
        "progress": "42%"
    });
    let server = TestServer::start(vec![Reply::json(200, &body.to_string()).into()]).await;
    let client = client(&server.url(), Scheme::Header);
    let job = client
        .get_job()
        .id("0193443f-fb80-9d19-29ba-82bc77c7cd8c")
        .send()
        .await
        .expect("decodes")
        .into_inner();
    // The state compares with a string literal, as a newcomer writes it.
    assert!(job.status == "QueuedJob");
    assert!(job.status != "CompletedJob");
    let created = job.created_at.expect("present");
    assert_eq!(
        created.raw(),
        Some(&serde_json::json!("2024-11-19T11:47:44.127229"))
    );
    let started = job.started_at.expect("present");
    assert_eq!(
        started.parsed().map(|t| t.to_rfc3339()),
        Some("2024-11-19T11:47:44.134374+00:00".to_string())
    );
    assert_eq!(
        job.progress.expect("present").raw(),
        Some(&serde_json::json!("42%"))
    );
}

#[tokio::test]
async fn get_job_decodes_queued_completed_and_failed_jobs() {
    let id = "0193443f-fb80-9d19-29ba-82bc77c7cd8c";
    // The spec's example, then a completed and a failed job with every documented field.
    let queued = serde_json::json!({
        "id": id,
        "args": { "query": "https://www.youtube.com/watch?v=example" },
        "status": "QueuedJob",
        "endpoint": "/v1/video/download",
        "created_at": "2024-11-19T11:47:44.127229Z",
        "started_at": "2024-11-19T11:47:44.134374Z",
        "progress": 35.5
    });
    let completed = serde_json::json!({
        "id": id,
        "status": "CompletedJob",
        "success": true,
        "duration_ms": 95321.5,
        "progress": 100,
        "result": {
            "metadata": { "title": "Example", "duration": 212 },
            "response": "https://s3.huntapi.com/videos/video_id.mp4"
        }
    });
    let failed = serde_json::json!({
        "id": id,
        "status": "Error",
        "error": "This video is private"
    });
    for scheme in SCHEMES {
        let server = TestServer::start(vec![
            Reply::json(200, &queued.to_string()).into(),
            Reply::json(200, &completed.to_string()).into(),
            Reply::json(200, &failed.to_string()).into(),
        ])
        .await;
        let client = client(&server.url(), scheme);
        // Upper-case input: the id is a UUID, sent in its canonical form.
        let job = client
            .get_job()
            .id("0193443F-FB80-9D19-29BA-82BC77C7CD8C")
            .send()
            .await
            .expect("queued job")
            .into_inner();
        assert_eq!(job.id, Uuid::parse_str(id).unwrap());
        assert_eq!(job.status.as_str(), "QueuedJob");
        assert_eq!(job.endpoint.as_deref(), Some("/v1/video/download"));
        assert_eq!(
            job.args.get("query"),
            Some(&serde_json::json!(
                "https://www.youtube.com/watch?v=example"
            ))
        );
        assert_eq!(
            job.created_at
                .and_then(|t| t.into_parsed().ok())
                .map(|t| t.to_rfc3339()),
            Some("2024-11-19T11:47:44.127229+00:00".to_owned())
        );
        assert_eq!(
            job.started_at,
            Some("2024-11-19T11:47:44.134374Z".parse().unwrap())
        );
        assert_eq!(job.progress, Some(35.5.into()));
        assert_eq!(job.success, None);
        assert!(job.result.is_none());

        let job = client.get_job().id(job.id).send().await.expect("completed");
        assert_eq!(job.status.as_str(), "CompletedJob");
        assert_eq!(job.success, Some(true));
        assert_eq!(job.duration_ms, Some(95321.5));
        assert_eq!(job.progress, Some(100.0.into()));
        let result = job.result.as_ref().expect("a completed job has a result");
        assert_eq!(
            result.response.as_deref(),
            Some("https://s3.huntapi.com/videos/video_id.mp4")
        );
        assert_eq!(
            result.metadata.get("duration"),
            Some(&serde_json::json!(212))
        );

        let job = client
            .get_job()
            .id(Uuid::parse_str(id).unwrap())
            .send()
            .await
            .expect("failed job");
        assert_eq!(job.status.as_str(), "Error");
        assert_eq!(job.error.as_deref(), Some("This video is private"));

        for request in server.requests() {
            assert_eq!(request.method, "GET");
            assert_eq!(path(&request), format!("/v1/jobs/{id}"));
            assert_eq!(query_pairs(&request), with_key(&[], scheme));
            assert!(request.body.is_empty());
            assert_eq!(request.header("content-type"), None);
            assert_auth(&request, scheme);
        }
        assert_eq!(server.count(), 3);
    }
}

#[tokio::test]
async fn get_usage_keeps_the_undocumented_body() {
    let body = serde_json::json!({
        "plan": "pro",
        "remaining_requests": 4200,
        "reset_at": "2024-12-01T00:00:00Z"
    });
    for scheme in SCHEMES {
        let server = TestServer::start(vec![Reply::json(200, &body.to_string()).into()]).await;
        let usage = client(&server.url(), scheme)
            .get_usage()
            .send()
            .await
            .expect("usage")
            .into_inner();
        assert_eq!(usage.get("plan"), Some(&serde_json::json!("pro")));
        assert_eq!(
            usage.get("remaining_requests"),
            Some(&serde_json::json!(4200))
        );
        assert_eq!(usage.len(), 3);
        let request = only_request(&server);
        assert_eq!(request.method, "GET");
        assert_eq!(path(&request), "/usage");
        assert_eq!(query_pairs(&request), with_key(&[], scheme));
        assert_auth(&request, scheme);
    }
}

/// The vendor's pages name the usage path both `/usage` and `/v1/usage`: a server that has only
/// the second answers the first with 404, and the client tries the second, authenticated too.
#[tokio::test]
async fn usage_is_found_at_either_documented_path() {
    for (scheme, served) in [
        (Scheme::Header, "/v1/usage"),
        (Scheme::Query, "/v1/usage"),
        (Scheme::Header, "/usage"),
    ] {
        let server = TestServer::with_handler(move |request, _| {
            if request.target.split('?').next() == Some(served) {
                Reply::json(200, r#"{"plan":"pro"}"#).into()
            } else {
                Reply::json(404, r#"{"error":"Not Found"}"#).into()
            }
        })
        .await;
        let usage = client(&server.url(), scheme)
            .get_usage()
            .send()
            .await
            .expect("usage")
            .into_inner();
        assert_eq!(usage.get("plan"), Some(&serde_json::json!("pro")));
        let requests = server.requests();
        let paths: Vec<&str> = requests.iter().map(path).collect();
        let expected: &[&str] = if served == "/usage" {
            &["/usage"]
        } else {
            &["/usage", "/v1/usage"]
        };
        assert_eq!(paths, expected);
        for request in &requests {
            assert_auth(request, scheme);
        }
    }
}

/// Only a missing route moves on to the other path: a documented error at the first path is the
/// answer, and a 404 at the last path is returned as it came.
#[tokio::test]
async fn usage_fallback_is_for_missing_routes_only() {
    let server = TestServer::start(vec![
        Reply::json(401, r#"{"error":"Invalid API Key"}"#).into(),
    ])
    .await;
    let err = client(&server.url(), Scheme::Header)
        .get_usage()
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            CallError::Documented(errors::GetUsageError::Unauthorized(_))
        ),
        "{err:?}"
    );
    assert_eq!(server.count(), 1);

    let server =
        TestServer::with_handler(|_, _| Reply::json(404, r#"{"error":"Not Found"}"#).into()).await;
    let err = client(&server.url(), Scheme::Header)
        .get_usage()
        .send()
        .await
        .unwrap_err();
    let CallError::UnexpectedStatus(raw) = &err else {
        panic!("a 404 at every path is an undocumented status: {err:?}");
    };
    assert_eq!(raw.status.as_u16(), 404);
    let requests = server.requests();
    let paths: Vec<&str> = requests.iter().map(path).collect();
    assert_eq!(paths, ["/usage", "/v1/usage"]);
}

// ---------------------------------------------------------------------------------------------
// Documented errors

/// `(status, variant, error message)` of the error responses both download operations
/// document, with the spec's example messages.
const DOWNLOAD_ERRORS: [(u16, &str, &str); 6] = [
    (400, "BadRequest", "Bad Request"),
    (401, "Unauthorized", "Invalid API Key"),
    (402, "PaymentRequired", "Payment required"),
    (403, "Forbidden", "Forbidden"),
    (
        429,
        "RateLimited",
        "Rate limit exceeded for the API key: quota monthly",
    ),
    (500, "InternalServerError", "Internal Error"),
];

/// The documented variant an error landed in: its name, status and `error` body field.
macro_rules! documented {
    ($err:expr, $enum:ident, [$($variant:ident),+ $(,)?]) => {
        match &$err {
            $(CallError::Documented(errors::$enum::$variant(r)) => {
                assert_eq!(r.typed_headers, NoHeaders);
                Some((stringify!($variant), r.status, r.body.error.clone()))
            })+
            _ => None,
        }
    };
}

#[allow(clippy::result_large_err)]
fn into_crate_error<E>(result: Result<(), E>) -> Result<(), Error>
where
    Error: From<E>,
{
    result?;
    Ok(())
}

/// Checks what every documented error shares (status, wait, retryability, text, no source,
/// no key), then converts it with `?` into the crate-level `Error` and checks that the
/// conversion keeps all of it.
fn check_documented<E>(err: E, op_id: &str, status: u16, message: &str) -> Error
where
    E: OperationError,
    Error: From<E>,
{
    let code = StatusCode::from_u16(status).unwrap();
    let throttled = status == 429;
    // The status table: a 500 means "retry the action" (`x-retryable`).
    let retryable = throttled || status == 500;
    assert_eq!(err.status(), Some(code));
    assert_eq!(err.is_retryable(), retryable, "{err}");
    assert_eq!(err.retry_after(), throttled.then_some(RATE_LIMIT_WAIT));
    let display = err.to_string();
    assert!(
        display.starts_with(&format!("{op_id}: HTTP {code}: ")),
        "{display}"
    );
    assert!(display.ends_with(&format!(": {message}")), "{display}");
    assert!(err.source().is_none());
    assert_error_secret_free(&err);

    let lifted = into_crate_error(Err(err)).unwrap_err();
    assert_eq!(lifted.status(), Some(code));
    assert_eq!(lifted.is_retryable(), retryable);
    // A rate limit is told apart from a bad key, whichever status carries it.
    assert_eq!(
        lifted.is_rate_limited(),
        throttled || message.to_ascii_lowercase().contains("rate limit"),
        "{lifted}"
    );
    assert_eq!(lifted.retry_after(), throttled.then_some(RATE_LIMIT_WAIT));
    assert_eq!(lifted.to_string(), display);
    assert!(lifted.source().is_none());
    lifted
}

#[tokio::test]
async fn audio_download_documented_errors() {
    let server =
        scripted(DOWNLOAD_ERRORS.map(|(status, _, message)| error_reply(status, message))).await;
    let client = client(&server.url(), Scheme::Query);
    for (status, variant, message) in DOWNLOAD_ERRORS {
        let err = client
            .audio_download()
            .query(MEDIA_URL)
            .send()
            .await
            .expect_err("documented error status");
        let code = StatusCode::from_u16(status).unwrap();
        assert_eq!(
            documented!(
                err,
                AudioDownloadError,
                [
                    BadRequest,
                    Unauthorized,
                    PaymentRequired,
                    Forbidden,
                    RateLimited,
                    InternalServerError
                ]
            ),
            Some((variant, code, message.to_owned()))
        );
        // The inherent methods agree with the trait the runtime uses.
        assert_eq!(err.status(), Some(code));
        assert_eq!(err.is_retryable(), status == 429 || status == 500);
        let lifted = check_documented(err, "audioDownload", status, message);
        assert!(matches!(lifted, Error::AudioDownload(_)), "{lifted:?}");
    }
    // One attempt each: the billable download is not re-sent, not even after a 429 here.
    assert_eq!(server.count(), DOWNLOAD_ERRORS.len());
}

#[tokio::test]
async fn audio_download_error_text_names_operation_status_and_message() {
    let server = TestServer::start(vec![error_reply(400, "Unsupported platform").into()]).await;
    let err = client(&server.url(), Scheme::Header)
        .audio_download()
        .query("https://example.com/not-media")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "audioDownload: HTTP 400 Bad Request: Bad request, e.g. a malformed URL or an \
         unsupported platform: Unsupported platform"
    );
}

#[tokio::test]
async fn video_download_documented_errors() {
    let server =
        scripted(DOWNLOAD_ERRORS.map(|(status, _, message)| error_reply(status, message))).await;
    let client = client(&server.url(), Scheme::Header);
    for (status, variant, message) in DOWNLOAD_ERRORS {
        let err = client
            .video_download()
            .query(MEDIA_URL)
            .send()
            .await
            .expect_err("documented error status");
        assert_eq!(
            documented!(
                err,
                VideoDownloadError,
                [
                    BadRequest,
                    Unauthorized,
                    PaymentRequired,
                    Forbidden,
                    RateLimited,
                    InternalServerError
                ]
            ),
            Some((
                variant,
                StatusCode::from_u16(status).unwrap(),
                message.to_owned()
            ))
        );
        let lifted = check_documented(err, "videoDownload", status, message);
        assert!(matches!(lifted, Error::VideoDownload(_)), "{lifted:?}");
    }
}

#[tokio::test]
async fn get_job_documented_errors() {
    let cases = [
        (400, "BadRequest", "Bad Request"),
        (401, "Unauthorized", "Invalid API Key"),
        (402, "PaymentRequired", "Payment required"),
        (403, "Forbidden", "Forbidden"),
        (404, "NotFound", "Job not found"),
        (
            429,
            "RateLimited",
            "Rate limit exceeded for the API key: quota monthly",
        ),
        (500, "InternalServerError", "Internal Error"),
    ];
    let server = scripted(cases.map(|(status, _, message)| error_reply(status, message))).await;
    let client = client(&server.url(), Scheme::Query);
    for (status, variant, message) in cases {
        let err = client
            .get_job()
            .id(JOB_ID)
            .send()
            .await
            .expect_err("documented error status");
        assert_eq!(
            documented!(
                err,
                GetJobError,
                [
                    BadRequest,
                    Unauthorized,
                    PaymentRequired,
                    Forbidden,
                    NotFound,
                    RateLimited,
                    InternalServerError
                ]
            ),
            Some((
                variant,
                StatusCode::from_u16(status).unwrap(),
                message.to_owned()
            ))
        );
        if status == 404 {
            assert_eq!(
                err.to_string(),
                "getJob: HTTP 404 Not Found: No job with this id (\"How it works\" page): \
                 Job not found"
            );
        }
        let lifted = check_documented(err, "getJob", status, message);
        assert!(matches!(lifted, Error::GetJob(_)), "{lifted:?}");
    }
}

#[tokio::test]
async fn a_404_on_a_download_is_known_to_have_cost_a_credit() {
    // The status-codes page bills a 404 (`x-cost.billedStatuses`); other failures are free.
    let server = scripted([
        error_reply(404, "Not Found"),
        error_reply(400, "Bad Request"),
    ])
    .await;
    let client = client(&server.url(), Scheme::Header);
    let not_found = client
        .audio_download()
        .query(MEDIA_URL)
        .send()
        .await
        .expect_err("404");
    assert!(
        matches!(
            not_found,
            CallError::Documented(errors::AudioDownloadError::NotFound(_))
        ),
        "{not_found:?}"
    );
    assert!(not_found.may_have_been_billed());
    let bad = client
        .video_download()
        .query(MEDIA_URL)
        .send()
        .await
        .expect_err("400");
    assert!(!bad.may_have_been_billed());
    // Nothing is sent for an invalid request: nothing is billed.
    let invalid = client.audio_download().send().await.expect_err("no query");
    assert!(!invalid.may_have_been_billed());
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn a_401_rate_limit_is_told_apart_from_a_bad_key() {
    // The current status-codes table lists "Rate Limit Exceeded" under 401.
    let server = scripted([
        error_reply(401, "Rate Limit Exceeded"),
        error_reply(401, "Invalid API Key"),
    ])
    .await;
    let client = client(&server.url(), Scheme::Header);
    let limited = client.get_usage().send().await.expect_err("401");
    assert_eq!(limited.status().map(|s| s.as_u16()), Some(401));
    assert!(limited.is_rate_limited());
    assert!(
        !limited.is_retryable(),
        "a quota does not come back on retry"
    );
    assert!(
        limited.to_string().ends_with(": Rate Limit Exceeded"),
        "{limited}"
    );
    let bad_key = client.get_usage().send().await.expect_err("401");
    assert!(!bad_key.is_rate_limited());
    assert!(!Error::from(bad_key).is_rate_limited());
    assert!(Error::from(limited).is_rate_limited());
}

#[tokio::test]
async fn get_usage_documented_errors() {
    let cases = [
        (401, "Unauthorized", "Invalid API Key"),
        (402, "PaymentRequired", "Payment required"),
        (403, "Forbidden", "Forbidden"),
        (
            429,
            "RateLimited",
            "Rate limit exceeded for the API key: quota monthly",
        ),
        (500, "InternalServerError", "Internal Error"),
    ];
    // The documented statuses, then 400, which getUsage does not document.
    let replies = cases.map(|(status, _, message)| error_reply(status, message));
    let server = scripted(replies.into_iter().chain([error_reply(400, "Bad Request")])).await;
    let client = client(&server.url(), Scheme::Header);
    for (status, variant, message) in cases {
        let err = client
            .get_usage()
            .send()
            .await
            .expect_err("documented error status");
        assert_eq!(
            documented!(
                err,
                GetUsageError,
                [
                    Unauthorized,
                    PaymentRequired,
                    Forbidden,
                    RateLimited,
                    InternalServerError
                ]
            ),
            Some((
                variant,
                StatusCode::from_u16(status).unwrap(),
                message.to_owned()
            ))
        );
        let lifted = check_documented(err, "getUsage", status, message);
        assert!(matches!(lifted, Error::GetUsage(_)), "{lifted:?}");
    }
    // 400 is not documented for getUsage: it is an unexpected status, kept raw.
    let err = client.get_usage().send().await.unwrap_err();
    let CallError::UnexpectedStatus(raw) = &err else {
        panic!("expected UnexpectedStatus, got {err:?}");
    };
    assert_eq!(raw.status, StatusCode::BAD_REQUEST);
    assert_eq!(&raw.body[..], br#"{"error":"Bad Request"}"#);
}

// ---------------------------------------------------------------------------------------------
// Malformed responses

const HTML_PAGE: &str = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>\
                         <body><h1>Bad Gateway</h1></body></html>";

fn html(status: u16) -> Reply {
    Reply::status(status)
        .header("content-type", "text/html; charset=utf-8")
        .body(HTML_PAGE.as_bytes().to_vec())
}

fn huge_json_error(status: u16) -> Reply {
    let mut body = br#"{"error":""#.to_vec();
    body.resize(TEN_MB, b'x');
    body.extend_from_slice(br#""}"#);
    Reply::status(status)
        .header("content-type", "application/json")
        .body(body)
}

/// Asserts an `InvalidBody` error: its status, that it quotes the decoder's message, that it
/// keeps at most the documented number of body bytes, and its source chain.
fn assert_invalid_body(
    err: &CallError<errors::GetJobError>,
    status: Option<u16>,
    decoder_says: &str,
) {
    let CallError::InvalidBody(invalid) = err else {
        panic!("expected InvalidBody, got {err:?}");
    };
    assert_eq!(invalid.status.map(|s| s.as_u16()), status);
    assert_eq!(err.status().map(|s| s.as_u16()), status);
    assert!(
        invalid.body.len() <= MAX_ERROR_BODY_BYTES,
        "{}",
        invalid.body.len()
    );
    let display = err.to_string();
    assert!(
        display.starts_with("getJob: invalid response body"),
        "{display}"
    );
    assert!(display.contains(decoder_says), "{display}");
    assert!(
        display.len() < 1_000,
        "the message quotes only the start of the body"
    );
    assert!(
        format!("{err:?}").len() < 4_000,
        "Debug shows only the start of the body"
    );
    let source = err.source().expect("InvalidBody has a source");
    assert!(source.source().is_some(), "the decoder's error is kept");
}

#[tokio::test]
async fn get_job_malformed_responses_are_typed_errors() {
    type Check = fn(&CallError<errors::GetJobError>);
    let cases: Vec<(&str, Reply, Check)> = vec![
        (
            "undocumented status",
            Reply::json(418, r#"{"error":"teapot"}"#).header("x-request-id", "req-7"),
            |err| {
                let CallError::UnexpectedStatus(raw) = err else {
                    panic!("expected UnexpectedStatus, got {err:?}");
                };
                assert_eq!(raw.status.as_u16(), 418);
                assert_eq!(raw.headers.get("x-request-id").unwrap(), "req-7");
                assert_eq!(&raw.body[..], br#"{"error":"teapot"}"#);
                assert!(!raw.truncated);
                assert!(!err.is_retryable());
                assert_eq!(err.retry_after(), None);
                assert_eq!(
                    err.to_string(),
                    "getJob: undocumented HTTP status 418 I'm a teapot: teapot"
                );
                assert!(err.source().is_none());
            },
        ),
        (
            "undocumented 503 HTML page from a proxy",
            html(503).header("retry-after", "120"),
            |err| {
                let CallError::UnexpectedStatus(raw) = err else {
                    panic!("expected UnexpectedStatus, got {err:?}");
                };
                assert_eq!(raw.text_lossy(), HTML_PAGE);
                assert!(err.is_retryable());
                assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
            },
        ),
        ("empty body on 200", Reply::status(200), |err| {
            assert_invalid_body(err, None, "the body is empty");
            assert!(err.to_string().contains("EOF while parsing"), "{err}");
            assert!(!err.is_retryable());
        }),
        ("empty body on documented 404", Reply::status(404), |err| {
            assert_invalid_body(err, Some(404), "the body is empty");
        }),
        (
            "truncated JSON on 200",
            Reply::json(
                200,
                r#"{"id":"0193443f-fb80-9d19-29ba-82bc77c7cd84","status":"Que"#,
            ),
            |err| assert_invalid_body(err, None, "EOF while parsing a string"),
        ),
        (
            "wrong field types on 200",
            Reply::json(200, r#"{"id":42,"status":["QueuedJob"]}"#),
            |err| assert_invalid_body(err, None, "invalid type"),
        ),
        (
            "wrong field types on documented 401",
            Reply::json(401, r#"{"error":401}"#),
            |err| {
                assert_invalid_body(err, Some(401), "invalid type: integer `401`");
                let CallError::InvalidBody(invalid) = err else {
                    unreachable!()
                };
                assert_eq!(&invalid.body[..], br#"{"error":401}"#);
                assert!(
                    invalid
                        .headers
                        .as_ref()
                        .unwrap()
                        .contains_key("content-type")
                );
            },
        ),
        ("HTML page on 200", html(200), |err| {
            assert_invalid_body(err, None, "expected value at line 1 column 1");
        }),
        ("HTML page on documented 500", html(500), |err| {
            assert_invalid_body(err, Some(500), "<!DOCTYPE html>");
            // The status is what is retryable (`x-retryable`), whatever the body.
            assert!(err.is_retryable());
        }),
        (
            "HTML page on documented 429 with Retry-After",
            html(429).header("retry-after", "7"),
            |err| {
                assert_invalid_body(err, Some(429), "expected value");
                // Still a 429: worth retrying, after the wait the server asked for.
                assert!(err.is_retryable());
                assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
            },
        ),
        (
            "10 MB body on undocumented 502",
            huge_json_error(502),
            |err| {
                let CallError::UnexpectedStatus(raw) = err else {
                    panic!("expected UnexpectedStatus, got {err:?}");
                };
                assert_eq!(raw.body.len(), MAX_ERROR_BODY_BYTES);
                assert!(raw.truncated);
                assert!(err.is_retryable());
                assert!(
                    format!("{err:?}").len() < 2_000,
                    "Debug quotes only the start"
                );
            },
        ),
        (
            "10 MB body on documented 400",
            huge_json_error(400),
            |err| {
                assert_invalid_body(err, Some(400), "EOF while parsing a string");
            },
        ),
        ("10 MB body on 200", huge_json_error(200), |err| {
            assert_invalid_body(err, None, "missing field");
        }),
    ];
    let server = scripted(cases.iter().map(|(_, reply, _)| reply.clone())).await;
    let client = client(&server.url(), Scheme::Query);
    for (name, _, check) in &cases {
        let err = client.get_job().id(JOB_ID).send().await.expect_err(name);
        check(&err);
        assert_error_secret_free(&err);
        // The crate-level error carries the same facts.
        let status = err.status();
        let retryable = err.is_retryable();
        let lifted = into_crate_error(Err(err)).unwrap_err();
        assert!(matches!(lifted, Error::GetJob(_)), "{name}");
        assert_eq!(lifted.status(), status, "{name}");
        assert_eq!(lifted.is_retryable(), retryable, "{name}");
    }
}

#[tokio::test]
async fn audio_download_malformed_success_bodies() {
    let cases = [
        Reply::status(201),
        Reply::json(200, r#"{"job_id":"not-a-uuid"}"#),
        Reply::json(202, r#"{"id":"0193443f-fb80-9d19-29ba-82bc77c7cd84"}"#),
        html(200),
    ];
    let server = scripted(cases.clone()).await;
    let client = client(&server.url(), Scheme::Header);
    for _ in &cases {
        let err = client
            .audio_download()
            .query(MEDIA_URL)
            .send()
            .await
            .unwrap_err();
        assert!(matches!(err, CallError::InvalidBody(_)), "{err:?}");
        assert!(!err.is_retryable());
        assert_error_secret_free(&err);
    }
    assert_eq!(
        server.count(),
        cases.len(),
        "a billable call is not repeated"
    );
}

// ---------------------------------------------------------------------------------------------
// Secrets

#[tokio::test]
async fn debug_output_never_shows_the_key() {
    for scheme in SCHEMES {
        let client = client("http://127.0.0.1:9", scheme);
        assert_no_secret("client Debug", &format!("{client:?} {client:#?}"));
        let config = client.client_config();
        assert_no_secret("config Debug", &format!("{config:?} {config:#?}"));
        let credential = config.credential().expect("credential set");
        assert_no_secret(
            "credential Debug",
            &format!("{credential:?} {credential:#?}"),
        );
        assert_eq!(credential.secret().expose_secret(), SECRET);
    }
    for client in [
        Client::with_api_key_header(SECRET).unwrap(),
        Client::with_api_key_query(SECRET).unwrap(),
    ] {
        assert_no_secret("client Debug", &format!("{client:?} {client:#?}"));
    }
}

#[tokio::test]
async fn unusable_keys_are_config_errors_without_the_key() {
    let bad = format!("{SECRET}\n");
    let err = Client::api_key_header_credential(bad.clone()).unwrap_err();
    assert!(
        matches!(err, ConfigError::InvalidCredential { .. }),
        "{err:?}"
    );
    assert_error_secret_free(&err);
    let err = Client::with_api_key_header("  ").unwrap_err();
    assert!(err.to_string().contains("ApiKeyHeader"), "{err}");
    let err = Client::with_api_key_query("").unwrap_err();
    assert!(err.to_string().contains("ApiKeyQuery"), "{err}");
}

#[tokio::test]
async fn transport_errors_never_show_the_key() {
    let port = dead_port().await;
    let base = format!("http://127.0.0.1:{port}");
    for scheme in SCHEMES {
        let client = client(&base, scheme);
        let err = client.get_job().id(JOB_ID).send().await.unwrap_err();
        let CallError::Transport(transport) = &err else {
            panic!("expected a transport error, got {err:?}");
        };
        assert_eq!(transport.kind(), TransportErrorKind::Connect);
        assert!(!transport.was_sent());
        assert!(err.is_retryable());
        assert_eq!(err.status(), None);
        let display = err.to_string();
        assert!(
            display.starts_with("getJob: connection failed, request not sent"),
            "{display}"
        );
        assert!(display.contains(&format!("127.0.0.1:{port}")), "{display}");
        assert!(!display.contains("x_api_key"), "{display}");
        assert!(err.source().is_some());
        assert_error_secret_free(&err);
        let lifted = into_crate_error(Err(err)).unwrap_err();
        assert_error_secret_free(&lifted);

        let err = client
            .audio_download()
            .query(MEDIA_URL)
            .send()
            .await
            .unwrap_err();
        assert!(matches!(err, CallError::Transport(_)), "{err:?}");
        assert_error_secret_free(&err);
    }
}

#[tokio::test]
async fn dropped_connection_errors_never_show_the_key() {
    for scheme in SCHEMES {
        let server = TestServer::start(vec![Action::Close]).await;
        let err = client(&server.url(), scheme)
            .audio_download()
            .query(MEDIA_URL)
            .send()
            .await
            .unwrap_err();
        let CallError::Transport(transport) = &err else {
            panic!("expected a transport error, got {err:?}");
        };
        assert!(transport.was_sent(), "{transport:?}");
        assert_error_secret_free(&err);
        assert_eq!(server.count(), 1);
    }
}

#[tokio::test]
async fn the_key_is_not_sent_across_origins_on_a_redirect() {
    for (scheme, status) in [
        (Scheme::Header, 302),
        (Scheme::Query, 302),
        (Scheme::Header, 307),
        (Scheme::Query, 307),
    ] {
        let elsewhere = TestServer::with_handler(|_, _| Reply::json(200, "{}").into()).await;
        let location = format!("{}/v1/usage", elsewhere.url());
        let origin = TestServer::start(vec![
            Reply::status(status).header("location", &location).into(),
        ])
        .await;
        let err = client(&origin.url(), scheme)
            .get_usage()
            .send()
            .await
            .unwrap_err();
        let CallError::UnexpectedStatus(raw) = &err else {
            panic!("a redirect to another origin is returned, not followed: {err:?}");
        };
        assert_eq!(raw.status.as_u16(), status);
        assert_eq!(raw.headers.get("location").unwrap(), location.as_str());
        assert_eq!(elsewhere.count(), 0, "the other origin got a request");
        assert_auth(&only_request(&origin), scheme);
        assert_error_secret_free(&err);
    }
}

#[tokio::test]
async fn same_origin_redirects_are_followed() {
    let server = TestServer::start(Vec::new()).await;
    server.push(
        Reply::status(302)
            .header("location", &format!("{}/v1/usage/current", server.url()))
            .into(),
    );
    server.push(Reply::json(200, r#"{"plan":"free"}"#).into());
    let usage = client(&server.url(), Scheme::Header)
        .get_usage()
        .send()
        .await
        .expect("redirect followed");
    assert_eq!(usage.get("plan"), Some(&serde_json::json!("free")));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].target, "/v1/usage/current");
}

// The crate-level `Error` holds whole responses; its size is the generated crate's choice.
#[allow(clippy::result_large_err)]
fn client_from_env() -> Result<Client, Error> {
    Ok(Client::from_env()?)
}

#[tokio::test]
async fn from_env_reads_huntapi_api_key() {
    const VAR: &str = "HUNTAPI_API_KEY";
    let credential = {
        let _lock = env_lock();
        {
            let _unset = EnvVarGuard::set(VAR, None);
            let err = Client::from_env().unwrap_err();
            assert!(
                matches!(err, ConfigError::MissingEnvVar { var: VAR }),
                "{err:?}"
            );
            assert_eq!(
                err.to_string(),
                "environment variable HUNTAPI_API_KEY is not set"
            );
            // `?` turns it into the crate-level error, which still names the variable.
            let lifted = client_from_env().unwrap_err();
            assert!(matches!(lifted, Error::Config(_)), "{lifted:?}");
            assert!(lifted.to_string().contains(VAR));
        }
        for empty in ["", "   "] {
            let _empty = EnvVarGuard::set(VAR, Some(empty));
            let err = Client::from_env().unwrap_err();
            assert!(
                matches!(err, ConfigError::EmptyEnvVar { var: VAR }),
                "{err:?}"
            );
            assert_eq!(
                err.to_string(),
                "environment variable HUNTAPI_API_KEY is empty"
            );
        }
        let _set = EnvVarGuard::set(VAR, Some(&format!("  {SECRET}\n")));
        let client = Client::from_env().expect("key set");
        assert_eq!(client.client_config().base_url(), Client::DEFAULT_BASE_URL);
        assert_no_secret("client Debug", &format!("{client:?}"));
        Client::credential_from_env().expect("key set")
    };
    // The variable's key, trimmed, authenticates with the first scheme (the header).
    assert_eq!(credential.scheme(), "ApiKeyHeader");
    let server = TestServer::start(vec![Reply::json(200, "{}").into()]).await;
    let local = Client::from_config(local_config(&server.url()).with_credential(credential))
        .expect("client builds");
    local.get_usage().send().await.expect("usage");
    assert_auth(&only_request(&server), Scheme::Header);
}
