//! Response decoding of the generated clients, without a network: a [`Reply`] (any status,
//! headers and body) becomes a `reqwest::Response` and goes through one attempt of an
//! operation (success statuses decoded by progenitor's `ResponseValue::from_response`, the
//! rest handed back as an unexpected response) and `clientgen_runtime::send`, which reads the
//! body and builds the operation's typed error. Job status bodies also go through
//! `JobHandle::poll`.
//!
//! Shared by the `decode_response` fuzz target and the root `decode_no_panic` test (which
//! includes this file by path, and checks [`CASES`] against the real clients over HTTP).

use std::fmt::Debug;
use std::marker::PhantomData;
use std::sync::OnceLock;

use bytes::Bytes;
use clientgen_runtime::progenitor_client::{Error as ClientError, ResponseValue};
use clientgen_runtime::reqwest;
use clientgen_runtime::{
    CallError, CallOptions, ClientConfig, Failure, JobHandle, JobKind, JobPhase, OperationError,
    OperationMeta, PollFuture, RawResponse, RetryPolicy, decode_json,
};
use serde::de::DeserializeOwned;

use crate::spec_mutator::Choices;

/// A response as a server might send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status, 100 to 999 (what an HTTP/1.1 status line can carry).
    pub status: u16,
    /// Header names and values; invalid ones are dropped when the response is built, as a
    /// client's HTTP parser would reject them.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body.
    pub body: Vec<u8>,
}

/// Which statuses one attempt of an operation decodes as a success.
#[derive(Debug, Clone, Copy)]
pub enum Success {
    /// These statuses, with a JSON body (the attempt's match on the status).
    Json(&'static [u16]),
    /// These statuses, with no body (`ResponseValue<()>`).
    Empty(&'static [u16]),
}

impl Success {
    /// Whether `status` is decoded as a success.
    pub fn accepts(self, status: u16) -> bool {
        match self {
            Success::Json(codes) | Success::Empty(codes) => codes.contains(&status),
        }
    }
}

/// One operation of one generated client.
pub struct Case {
    /// The client crate.
    pub client: &'static str,
    /// The operation's metadata, as generated.
    pub meta: &'static OperationMeta,
    /// Its success statuses.
    pub success: Success,
    run: fn(&Case, &Reply) -> Outcome,
}

impl Case {
    /// Decodes `reply` as this operation's response, checking the promises of the typed
    /// result (see [`Outcome`]); a broken promise panics.
    pub fn decode(&self, reply: &Reply) -> Outcome {
        (self.run)(self, reply)
    }
}

/// What decoding a reply gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Whether the call succeeded.
    pub ok: bool,
    /// `"Ok"`, or the error variant's name (`RateLimited`, `UnexpectedStatus`, `InvalidBody`).
    pub variant: String,
    /// The error's status, when it has one.
    pub status: Option<u16>,
    /// Whether the error says the call may succeed later.
    pub retryable: bool,
}

macro_rules! json_case {
    ($client:ident, $meta:ident, $body:ident, $error:ident, $success:expr) => {
        Case {
            client: stringify!($client),
            meta: &$client::operations::$meta,
            success: $success,
            run: run_json::<$client::types::$body, CallError<$client::errors::$error>>,
        }
    };
}

macro_rules! empty_case {
    ($client:ident, $meta:ident, $error:ident, $codes:expr) => {
        Case {
            client: stringify!($client),
            meta: &$client::operations::$meta,
            success: Success::Empty($codes),
            run: run_empty::<CallError<$client::errors::$error>>,
        }
    };
}

/// Every operation of the three generated clients, with the success statuses and types of its
/// one-attempt code (each builder's `attempt` in `generated/*/src/client.rs`).
pub static CASES: &[Case] = &[
    json_case!(
        huntapi_client,
        AUDIO_DOWNLOAD,
        JobCreated,
        AudioDownloadError,
        Success::Json(&[200, 201, 202])
    ),
    json_case!(
        huntapi_client,
        VIDEO_DOWNLOAD,
        JobCreated,
        VideoDownloadError,
        Success::Json(&[200, 201, 202])
    ),
    json_case!(
        huntapi_client,
        GET_JOB,
        Job,
        GetJobError,
        Success::Json(&[200])
    ),
    json_case!(
        huntapi_client,
        GET_USAGE,
        Usage,
        GetUsageError,
        Success::Json(&[200])
    ),
    json_case!(
        audiopod_client,
        LIST_API_KEYS,
        ApiKeyList,
        ListApiKeysError,
        Success::Json(&[200])
    ),
    json_case!(
        audiopod_client,
        CREATE_API_KEY,
        ApiKeyCreated,
        CreateApiKeyError,
        Success::Json(&[200, 201])
    ),
    json_case!(
        audiopod_client,
        REVOKE_API_KEY,
        RevokedApiKey,
        RevokeApiKeyError,
        Success::Json(&[200])
    ),
    json_case!(
        audiopod_client,
        GET_STEM_JOB_STATUS,
        StemJob,
        GetStemJobStatusError,
        Success::Json(&[200])
    ),
    json_case!(
        audiopod_client,
        LIST_STEM_JOBS,
        StemJobList,
        ListStemJobsError,
        Success::Json(&[200])
    ),
    json_case!(
        audiopod_client,
        DELETE_STEM_JOB,
        DeletedStemJob,
        DeleteStemJobError,
        Success::Json(&[200])
    ),
    json_case!(
        audiopod_client,
        LIST_STEM_MODES,
        StemModeList,
        ListStemModesError,
        Success::Json(&[200])
    ),
    json_case!(
        audiopod_client,
        GET_STEM_CATALOG,
        StemCatalog,
        GetStemCatalogError,
        Success::Json(&[200])
    ),
    json_case!(
        audiopod_client,
        LIST_AVAILABLE_STEM_PACKAGES,
        StemPackages,
        ListAvailableStemPackagesError,
        Success::Json(&[200])
    ),
    json_case!(
        audiopod_client,
        GET_WALLET_BALANCE,
        WalletBalance,
        GetWalletBalanceError,
        Success::Json(&[200])
    ),
    json_case!(
        audiopod_client,
        CREATE_TOPUP_CHECKOUT,
        TopupCheckout,
        CreateTopupCheckoutError,
        Success::Json(&[200])
    ),
    json_case!(
        audiopod_client,
        ESTIMATE_COST,
        CostEstimate,
        EstimateCostError,
        Success::Json(&[200])
    ),
    json_case!(
        audiopod_client,
        GET_WALLET_USAGE,
        WalletUsage,
        GetWalletUsageError,
        Success::Json(&[200])
    ),
    json_case!(
        audiopod_client,
        GET_PRICING,
        Pricing,
        GetPricingError,
        Success::Json(&[200])
    ),
    json_case!(
        audiopod_client,
        EXTRACT_STEMS,
        StemJob,
        ExtractStemsError,
        Success::Json(&[200, 201])
    ),
    json_case!(
        audiopod_client,
        EXTRACT_STEMS_ADVANCED,
        AdvancedStemJob,
        ExtractStemsAdvancedError,
        Success::Json(&[200, 201])
    ),
    json_case!(
        audioscrape_client,
        SEARCH,
        SearchResponse,
        SearchError,
        Success::Json(&[200])
    ),
    json_case!(
        audioscrape_client,
        GET_ME,
        Me,
        GetMeError,
        Success::Json(&[200])
    ),
    json_case!(
        audioscrape_client,
        LIST_NOTIFICATIONS,
        NotificationList,
        ListNotificationsError,
        Success::Json(&[200])
    ),
    json_case!(
        audioscrape_client,
        CREATE_NOTIFICATION,
        Notification,
        CreateNotificationError,
        Success::Json(&[200, 201])
    ),
    empty_case!(
        audioscrape_client,
        DELETE_NOTIFICATION,
        DeleteNotificationError,
        &[204]
    ),
];

/// A job kind of a generated client whose status bodies [`decode_job_status`] interprets.
pub struct JobCase {
    /// The client crate and job kind.
    pub name: &'static str,
    run: fn(&Reply) -> Option<JobPhase>,
}

/// The job kinds of the generated clients.
pub static JOB_CASES: &[JobCase] = &[
    JobCase {
        name: "huntapi_client::jobs::AudioDownloadJob",
        run: run_job::<huntapi_client::jobs::AudioDownloadJob>,
    },
    JobCase {
        name: "audiopod_client::jobs::ExtractStemsJob",
        run: run_job::<audiopod_client::jobs::ExtractStemsJob>,
    },
];

impl JobCase {
    /// Polls a job whose status operation answers `reply`'s body (as a success), and checks
    /// the update: the phase its state means, progress within 0 to 100. `None` when the body
    /// is not a status or has no state.
    pub fn decode_job_status(&self, reply: &Reply) -> Option<JobPhase> {
        (self.run)(reply)
    }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a current-thread runtime builds")
    })
}

fn config() -> &'static ClientConfig {
    static CONFIG: OnceLock<ClientConfig> = OnceLock::new();
    CONFIG.get_or_init(|| {
        ClientConfig::new("http://127.0.0.1:9")
            .expect("a valid base URL")
            .with_retry_policy(RetryPolicy::none())
            .with_call_timeout(None)
    })
}

/// The `reqwest::Response` a client would see for `reply`.
pub fn to_response(reply: &Reply) -> reqwest::Response {
    let mut builder = http::Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_bytes(value),
        ) {
            builder = builder.header(name, value);
        }
    }
    let response = builder
        .body(reply.body.clone())
        .expect("statuses are generated in 100..=999");
    reqwest::Response::from(response)
}

/// Runs one attempt through `clientgen_runtime::send`, with no retries and no deadline.
fn send_once<T, E, Fut>(
    case: &Case,
    reply: &Reply,
    attempt: impl FnOnce(reqwest::Response) -> Fut,
) -> Result<ResponseValue<T>, E>
where
    Fut: Future<Output = Result<ResponseValue<T>, ClientError<()>>>,
    E: OperationError,
{
    let options = CallOptions::new()
        .with_retry_policy(RetryPolicy::none())
        .with_call_timeout(None);
    let mut once = Some((attempt, to_response(reply)));
    runtime().block_on(clientgen_runtime::send(
        config(),
        case.meta,
        &options,
        || {
            let (attempt, response) = once.take().expect("RetryPolicy::none makes one attempt");
            attempt(response)
        },
    ))
}

fn run_json<T, E>(case: &Case, reply: &Reply) -> Outcome
where
    T: DeserializeOwned + Debug,
    E: OperationError + Debug,
{
    let success = case.success;
    let result = send_once::<T, E, _>(case, reply, |response| async move {
        if success.accepts(response.status().as_u16()) {
            ResponseValue::from_response(response).await
        } else {
            Err(ClientError::UnexpectedResponse(response))
        }
    });
    outcome_of(case, reply, result)
}

fn run_empty<E>(case: &Case, reply: &Reply) -> Outcome
where
    E: OperationError + Debug,
{
    let success = case.success;
    let result = send_once::<(), E, _>(case, reply, |response| async move {
        if success.accepts(response.status().as_u16()) {
            Ok(ResponseValue::empty(response))
        } else {
            Err(ClientError::UnexpectedResponse(response))
        }
    });
    outcome_of(case, reply, result)
}

/// Checks the promises of `result`, the typed result of `case`'s call that got `reply`, and
/// says what it became; a broken promise panics. Used on real calls too.
pub fn outcome_of<T: Debug, E: OperationError + Debug>(
    case: &Case,
    reply: &Reply,
    result: Result<ResponseValue<T>, E>,
) -> Outcome {
    let id = case.meta.operation_id;
    let accepted = case.success.accepts(reply.status);
    match result {
        Ok(value) => {
            assert!(accepted, "{id}: HTTP {} decoded as a success", reply.status);
            assert_eq!(value.status().as_u16(), reply.status, "{id}");
            let _ = format!("{:?}", value.into_inner());
            Outcome {
                ok: true,
                variant: "Ok".into(),
                status: Some(reply.status),
                retryable: false,
            }
        }
        Err(error) => {
            let debug = format!("{error:?}");
            // A documented response is `Documented(RateLimited(..))`: name the status's variant.
            let variant: String = debug
                .strip_prefix("Documented(")
                .unwrap_or(&debug)
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let status = error.status().map(|s| s.as_u16());
            if accepted {
                // A success status whose body does not decode: progenitor does not report
                // the status with the body error.
                assert_eq!(
                    variant, "InvalidBody",
                    "{id}: HTTP {}: {debug}",
                    reply.status
                );
                assert!(
                    status.is_none() || status == Some(reply.status),
                    "{id}: {debug}"
                );
            } else {
                assert_eq!(status, Some(reply.status), "{id}: {debug}");
                let http_status = reqwest::StatusCode::from_u16(reply.status).expect("valid");
                // Transient: 429, 502 to 504, and the statuses the spec marks `x-retryable`.
                assert_eq!(
                    error.is_retryable(),
                    case.meta.is_retryable_status(http_status),
                    "{id}: is_retryable of HTTP {}: {debug}",
                    reply.status
                );
            }
            let message = error.to_string();
            assert!(
                message.contains(id),
                "{id}: the message names the operation: {message}"
            );
            // Walk the source chain and read the wait the server asked for.
            let mut source = std::error::Error::source(&error);
            while let Some(inner) = source {
                let _ = inner.to_string();
                source = inner.source();
            }
            let _ = error.retry_after();
            Outcome {
                ok: false,
                variant,
                status,
                retryable: error.is_retryable(),
            }
        }
    }
}

/// A job kind whose status operation answers with a fixed body.
struct Replayed<K>(PhantomData<K>);

/// The client of [`Replayed`]: the configuration and the status reply.
struct ReplayClient {
    raw: RawResponse,
}

impl<K: JobKind> JobKind for Replayed<K> {
    type Client = ReplayClient;
    type Status = K::Status;
    type Error = K::Error;
    const SPEC: clientgen_runtime::JobSpec = K::SPEC;

    fn config(_client: &ReplayClient) -> &ClientConfig {
        config()
    }

    fn poll<'a>(client: &'a ReplayClient, _job_id: &'a str) -> PollFuture<'a, Self> {
        Box::pin(async move {
            decode_json::<K::Status>(&client.raw)
                .map_err(|invalid| K::Error::from_failure(Failure::InvalidBody(invalid)))
        })
    }
}

fn run_job<K: JobKind>(reply: &Reply) -> Option<JobPhase> {
    let client = ReplayClient {
        raw: RawResponse {
            status: reqwest::StatusCode::OK,
            headers: Default::default(),
            body: Bytes::from(reply.body.clone()),
            truncated: false,
        },
    };
    let handle = JobHandle::<Replayed<K>>::new(&client, "job-1");
    match runtime().block_on(handle.poll()) {
        Ok(update) => {
            assert_eq!(update.phase, K::SPEC.phase_of(&update.state));
            if let Some(progress) = update.progress {
                assert!((0.0..=100.0).contains(&progress), "progress {progress}");
            }
            Some(update.phase)
        }
        Err(error) => {
            assert_eq!(error.job_id(), "job-1");
            let _ = error.to_string();
            None
        }
    }
}

/// Header names worth sending: the ones the clients read, and a few that confuse parsers.
const HEADER_NAMES: &[&str] = &[
    "retry-after",
    "content-type",
    "content-length",
    "content-encoding",
    "transfer-encoding",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-request-id",
    "location",
];

/// `Retry-After` and other header values: delta-seconds, HTTP-dates, and near misses.
const HEADER_VALUES: &[&str] = &[
    "0",
    "1",
    "120",
    "1.5",
    "-1",
    "-0.5",
    "1e3",
    ".",
    "1.",
    "00000000000000000000000000001",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999999999999999.9",
    "Wed, 21 Oct 2015 07:28:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "Sunday, 06-Nov-94 08:49:37 GMT",
    "Sun Nov  6 08:49:37 1994",
    "",
    " ",
    "NaN",
    "inf",
    "application/json",
    "application/json; charset=utf-8",
    "text/html",
];

/// Statuses the clients document, plus neighbours and edges.
const STATUSES: &[u16] = &[
    100, 101, 199, 200, 201, 202, 203, 204, 206, 299, 300, 301, 302, 304, 307, 399, 400, 401, 402,
    403, 404, 405, 409, 410, 413, 415, 418, 422, 429, 499, 500, 501, 502, 503, 504, 599, 600, 999,
];

/// The fields of the three APIs' documented error bodies.
const ERROR_KEYS: &[&str] = &["error", "message", "detail", "retry_after"];

/// The error statuses the three specs document.
const ERROR_STATUSES: &[u16] = &[400, 401, 402, 403, 404, 422, 429, 500, 503];

/// JSON values that typed fields trip on: wrong types, out-of-range numbers, odd strings.
const LEAVES: &[&str] = &[
    "null",
    "true",
    "false",
    "0",
    "-1",
    "1.5",
    "-0.0",
    "1e400",
    "-1e400",
    "18446744073709551616",
    "-9223372036854775809",
    "9007199254740993",
    "\"\"",
    "\"x\"",
    "\"2024-01-01T00:00:00Z\"",
    "\"2024-13-45T99:99:99Z\"",
    "\"67e55044-10b1-426f-9247-bb680e5fe0c8\"",
    "\"not-a-uuid\"",
    "\"QueuedJob\"",
    "\"CompletedJob\"",
    "\"Error\"",
    "\"completed\"",
    "\"failed\"",
    "\"42.5%\"",
    "\"\\ud800\"",
    "\"\\u0000\"",
    "\"https://example.com/x\"",
    "[]",
    "{}",
];

/// Every object key of the three specs (property names of every schema among them).
fn spec_keys() -> &'static [String] {
    static KEYS: OnceLock<Vec<String>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let texts = [
            include_str!("../../spec/huntapi.yaml"),
            include_str!("../../spec/audiopod.yaml"),
            include_str!("../../spec/audioscrape.yaml"),
        ];
        let mut keys = std::collections::BTreeSet::new();
        for text in texts {
            if let Ok(doc) = clientgen::load::parse_text("spec.yaml", text) {
                collect_keys(&doc.value, &mut keys);
            }
        }
        keys.into_iter().collect()
    })
}

fn collect_keys(value: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                out.insert(key.clone());
                collect_keys(child, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_keys(v, out)),
        _ => {}
    }
}

/// A JSON text built from `choices`, with the specs' property names as keys.
fn json_text(choices: &mut Choices, depth: usize, out: &mut String) {
    let kind = if depth >= 6 { 0 } else { choices.below(8) };
    match kind {
        0..=3 => out.push_str(choices.pick(LEAVES).unwrap_or(&"null")),
        4 => {
            out.push('"');
            let len = usize::from(choices.byte() % 16);
            for &b in choices.bytes(len) {
                match b {
                    b'"' | b'\\' => {
                        out.push('\\');
                        out.push(char::from(b));
                    }
                    0x20..=0x7e => out.push(char::from(b)),
                    _ => out.push_str(&format!("\\u{:04x}", b)),
                }
            }
            out.push('"');
        }
        5 => {
            out.push('[');
            for i in 0..choices.below(4) {
                if i > 0 {
                    out.push(',');
                }
                json_text(choices, depth + 1, out);
            }
            out.push(']');
        }
        _ => {
            out.push('{');
            let keys = spec_keys();
            for i in 0..choices.below(7) {
                if i > 0 {
                    out.push(',');
                }
                let key = choices.pick(keys).map_or("id", String::as_str);
                out.push_str(&serde_json::Value::from(key).to_string());
                out.push(':');
                json_text(choices, depth + 1, out);
            }
            out.push('}');
        }
    }
}

/// A case and a reply built from fuzz bytes: the status and headers from dictionaries or raw
/// bytes, the body raw, empty, shaped like a documented error body, or JSON made of the specs' property names.
pub fn reply_from_bytes(data: &[u8]) -> (usize, Reply) {
    let mut choices = Choices::new(data);
    let case = choices.below(CASES.len());
    let body_kind = choices.below(8);
    let status = if body_kind == 2 && choices.chance(200) {
        *choices.pick(ERROR_STATUSES).unwrap_or(&400)
    } else if choices.chance(200) {
        *choices.pick(STATUSES).unwrap_or(&200)
    } else {
        100 + (u16::from_le_bytes([choices.byte(), choices.byte()]) % 900)
    };
    let mut headers = Vec::new();
    for _ in 0..choices.below(4) {
        let name = if choices.chance(220) {
            choices.pick(HEADER_NAMES).unwrap_or(&"x").to_string()
        } else {
            String::from_utf8_lossy(choices.bytes(8)).into_owned()
        };
        let value = if choices.chance(200) {
            choices
                .pick(HEADER_VALUES)
                .unwrap_or(&"")
                .as_bytes()
                .to_vec()
        } else {
            let len = usize::from(choices.byte() % 32);
            choices.bytes(len).to_vec()
        };
        headers.push((name, value));
    }
    let body = match body_kind {
        0 => Vec::new(),
        1 => choices.bytes(usize::MAX).to_vec(),
        2 => {
            // Shaped like the documented error bodies, with values of any type.
            let mut text = String::from("{");
            for (i, key) in ERROR_KEYS.iter().enumerate() {
                if i > 0 {
                    text.push(',');
                }
                text.push_str(&format!("\"{key}\":"));
                if choices.chance(200) {
                    text.push_str(if *key == "retry_after" {
                        "3"
                    } else {
                        r#""denied""#
                    });
                } else {
                    json_text(&mut choices, 1, &mut text);
                }
            }
            text.push('}');
            text.into_bytes()
        }
        _ => {
            let mut text = String::new();
            json_text(&mut choices, 0, &mut text);
            text.into_bytes()
        }
    };
    (
        case,
        Reply {
            status,
            headers,
            body,
        },
    )
}
