//! Error types: raw error responses, failures without a response, and the trait generated
//! per-operation error enums implement.

use std::error::Error as StdError;
use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::operation::OperationMeta;
use crate::retry::{default_is_retryable, parse_retry_after};

/// The most bytes of an error response body that are read (1 MiB); the rest is discarded
/// unread.
pub const MAX_ERROR_BODY_BYTES: usize = 1 << 20;

/// How many bytes of a body error messages quote.
const PREVIEW_BYTES: usize = 200;

/// A response that did not match the operation's success response, with its body read up to
/// a limit.
#[derive(Clone)]
pub struct RawResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body, or its first bytes if `truncated`.
    pub body: Bytes,
    /// Whether the body was longer than the limit and cut.
    pub truncated: bool,
}

impl RawResponse {
    /// The wait the `Retry-After` header asks for, relative to `now` for an HTTP-date.
    pub fn retry_after(&self, now: SystemTime) -> Option<Duration> {
        retry_after_header(&self.headers, now)
    }

    /// The body as text, with invalid UTF-8 replaced.
    pub fn text_lossy(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .field("body_start", &preview(&self.body))
            .field("truncated", &self.truncated)
            .finish()
    }
}

/// The wait a `Retry-After` header in `headers` asks for.
pub fn retry_after_header(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)
        .and_then(|value| parse_retry_after(value, now))
}

/// The wait a JSON body gives at `pointer` (an `x-retry-after` JSON pointer): a non-negative
/// number of seconds, or a string holding one.
pub fn retry_after_from_body<T: Serialize + ?Sized>(body: &T, pointer: &str) -> Option<Duration> {
    let value = serde_json::to_value(body).ok()?;
    let seconds = match value.pointer(pointer)? {
        serde_json::Value::Number(n) => n.as_f64()?,
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if seconds.is_finite() && seconds >= 0.0 {
        Duration::try_from_secs_f64(seconds).ok()
    } else {
        None
    }
}

/// Reads a response's body, keeping at most `limit` bytes.
///
/// The body is read chunk by chunk; once `limit` bytes are held the rest is not read (the
/// connection is dropped) and `truncated` is set.
pub async fn read_bounded(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<RawResponse, TransportError> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let hint = response
        .content_length()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0)
        .min(limit);
    let mut body = BytesMut::with_capacity(hint);
    let mut truncated = false;
    while let Some(chunk) = response.chunk().await.map_err(TransportError::from)? {
        let room = limit - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            truncated = true;
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(RawResponse {
        status,
        headers,
        body: body.freeze(),
        truncated,
    })
}

/// Decodes a JSON body.
///
/// An empty (or whitespace-only) body decodes as JSON `null`, so it is accepted for `()` and
/// `Option<_>`; for any other type it is an [`InvalidBody`] carrying the parser's
/// "EOF while parsing" error.
// `InvalidBody` keeps the whole response for diagnostics; error paths are cold, so its size
// is not worth an extra allocation.
#[allow(clippy::result_large_err)]
pub fn decode_json<B: DeserializeOwned>(raw: &RawResponse) -> Result<B, InvalidBody> {
    match serde_json::from_slice::<B>(&raw.body) {
        Ok(value) => Ok(value),
        Err(source) => {
            if raw.body.iter().all(u8::is_ascii_whitespace)
                && let Ok(value) = serde_json::from_value::<B>(serde_json::Value::Null)
            {
                return Ok(value);
            }
            Err(InvalidBody {
                status: Some(raw.status),
                headers: Some(raw.headers.clone()),
                body: raw.body.clone(),
                source,
            })
        }
    }
}

/// The longest server message quoted from an error body, in characters.
const MAX_MESSAGE_CHARS: usize = 300;

/// A plain-text body longer than this is a page, not a message.
const MAX_TEXT_MESSAGE_BYTES: usize = 2048;

/// The server's message in an error body, whatever schema the description documents: the
/// first of the fields APIs commonly use, read from a JSON body (`message`; `detail` as a
/// string, as an object with `message` or `msg`, or as a list of those (FastAPI); `error` as a
/// string or an object with `message`; `error_description` (OAuth); `title` (RFC 9457
/// problem details, joined with `detail`); `errors` as a list of strings or objects with
/// `message`), else a short plain-text body. `None` for empty, HTML, binary or cut JSON bodies
/// and for pages of text. Cut at 300 characters.
pub fn message_in_body(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?.trim();
    if text.is_empty() {
        return None;
    }
    let found = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => message_in_json(&value)?,
        Err(_) => {
            // Markup, JSON that does not parse (cut, say), a page of text and binary data
            // are not a message.
            let markup_or_json = text.starts_with(['<', '{', '[']);
            let binary = text.chars().any(|c| c.is_control() && !c.is_whitespace());
            if markup_or_json || binary || text.len() > MAX_TEXT_MESSAGE_BYTES {
                return None;
            }
            text.to_owned()
        }
    };
    let found = found.split_whitespace().collect::<Vec<_>>().join(" ");
    if found.is_empty() {
        return None;
    }
    Some(match found.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &found[..cut]),
        None => found,
    })
}

fn message_in_json(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    let text = |v: &Value| match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    };
    // A message, or an object or list of objects that hold one.
    fn nested(v: &Value, depth: usize) -> Option<String> {
        match v {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Value::Object(o) if depth < 3 => ["message", "msg", "detail", "error", "title"]
                .iter()
                .find_map(|key| o.get(*key).and_then(|v| nested(v, depth + 1))),
            Value::Array(items) if depth < 3 => {
                let all: Vec<String> = items
                    .iter()
                    .filter_map(|item| nested(item, depth + 1))
                    .take(3)
                    .collect();
                (!all.is_empty()).then(|| all.join("; "))
            }
            _ => None,
        }
    }
    match value {
        Value::Object(o) => {
            if let (Some(title), Some(detail)) = (
                o.get("title").and_then(text),
                o.get("detail").and_then(text),
            ) {
                return Some(format!("{title}: {detail}"));
            }
            [
                "message",
                "detail",
                "error",
                "error_description",
                "title",
                "errors",
            ]
            .iter()
            .find_map(|key| o.get(*key).and_then(|v| nested(v, 1)))
        }
        Value::String(_) => text(value),
        Value::Array(_) => nested(value, 1),
        _ => None,
    }
}

/// Whether a server message says the caller is rate-limited or out of quota.
fn says_rate_limited(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    ["rate limit", "rate-limit", "ratelimit", "too many requests"]
        .iter()
        .any(|phrase| lower.contains(phrase))
}

/// Typed headers of an error response that declares none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoHeaders;

/// The typed headers a documented response declares, read from its header map. A header
/// that is absent or does not parse is `None`, never an error.
pub trait FromHeaders: Sized {
    /// Reads the declared headers.
    fn from_headers(headers: &HeaderMap) -> Self;
}

impl FromHeaders for NoHeaders {
    fn from_headers(_headers: &HeaderMap) -> Self {
        NoHeaders
    }
}

/// The payload of a documented error response: status, headers, decoded body, and the
/// response's declared headers (`H`) if the generator extracted any.
#[derive(Debug, Clone)]
pub struct ErrorResponse<B, H = NoHeaders> {
    /// The status.
    pub status: StatusCode,
    /// All response headers.
    pub headers: HeaderMap,
    /// The decoded body.
    pub body: B,
    /// The response's declared headers, typed.
    pub typed_headers: H,
    /// The server's message, read from the body's usual fields whatever its documented schema
    /// ([`message_in_body`]).
    pub message: Option<String>,
    /// The body as received, for [`ErrorResponse::field`] and [`ErrorResponse::raw_body`].
    raw: RawBody,
}

/// An error body's bytes, shown in `Debug` by length only (the decoded body is shown beside).
#[derive(Clone, Default)]
struct RawBody(Bytes);

impl fmt::Debug for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}

impl<B: DeserializeOwned> ErrorResponse<B, NoHeaders> {
    /// Decodes `raw`'s body as `B`.
    #[allow(clippy::result_large_err)]
    pub fn from_raw(raw: RawResponse) -> Result<Self, InvalidBody> {
        let body = decode_json(&raw)?;
        Ok(Self {
            message: message_in_body(&raw.body),
            raw: RawBody(raw.body),
            status: raw.status,
            headers: raw.headers,
            body,
            typed_headers: NoHeaders,
        })
    }
}

impl<B, H: FromHeaders> ErrorResponse<B, H> {
    /// A documented error response whose body `read_body` cannot fail to read.
    pub(crate) fn from_parts(raw: RawResponse, read_body: impl FnOnce(&RawResponse) -> B) -> Self {
        Self {
            body: read_body(&raw),
            typed_headers: H::from_headers(&raw.headers),
            message: message_in_body(&raw.body),
            raw: RawBody(raw.body),
            status: raw.status,
            headers: raw.headers,
        }
    }
}

impl<B, H> ErrorResponse<B, H> {
    /// A documented error response: the body read by `decode_body` (e.g. [`decode_json`]) and
    /// the declared headers read by `read_headers`. A body that does not decode is the
    /// [`InvalidBody`] error.
    #[allow(clippy::result_large_err)]
    pub fn decode(
        raw: RawResponse,
        decode_body: fn(&RawResponse) -> Result<B, InvalidBody>,
        read_headers: fn(&HeaderMap) -> H,
    ) -> Result<Self, InvalidBody> {
        let body = decode_body(&raw)?;
        Ok(Self {
            typed_headers: read_headers(&raw.headers),
            message: message_in_body(&raw.body),
            raw: RawBody(raw.body),
            status: raw.status,
            headers: raw.headers,
            body,
        })
    }

    /// Replaces the typed headers.
    pub fn with_typed_headers<H2>(self, typed_headers: H2) -> ErrorResponse<B, H2> {
        ErrorResponse {
            status: self.status,
            headers: self.headers,
            body: self.body,
            typed_headers,
            message: self.message,
            raw: self.raw,
        }
    }

    /// The body as the server sent it (up to [`MAX_ERROR_BODY_BYTES`]).
    pub fn raw_body(&self) -> &Bytes {
        &self.raw.0
    }

    /// A field of a JSON body by name, wherever the server put it: at the top level, else
    /// inside one of the top-level objects (FastAPI's `detail`, an `error` or `data` object).
    /// AudioPod sends its 402 amounts either way: `field("required_cents")` reads both.
    pub fn field(&self, name: &str) -> Option<serde_json::Value> {
        let body: serde_json::Value = serde_json::from_slice(&self.raw.0).ok()?;
        let object = body.as_object()?;
        let usable = |v: &&serde_json::Value| !v.is_null();
        object.get(name).filter(usable).cloned().or_else(|| {
            object
                .values()
                .filter_map(serde_json::Value::as_object)
                .find_map(|inner| inner.get(name).filter(usable).cloned())
        })
    }

    /// The wait the `Retry-After` header asks for (HTTP-dates relative to the system time).
    pub fn retry_after(&self) -> Option<Duration> {
        retry_after_header(&self.headers, SystemTime::now())
    }

    /// This response as an [`ErrorView`]: its status, its `Retry-After` header and the
    /// server's message. Generated code puts the documented message field first
    /// ([`ErrorView::with_message`]) and adds a documented body field for the wait
    /// ([`ErrorView::or_retry_after`]).
    pub fn view(&self) -> ErrorView<'_> {
        ErrorView::Documented {
            status: self.status,
            retry_after: self.retry_after(),
            message: self.message.as_deref(),
        }
    }
}

/// A body that could not be decoded as the documented type.
///
/// `Debug` shows the body's length and first bytes, as for [`RawResponse`], not the whole body.
pub struct InvalidBody {
    /// The status, if known (not reported for success bodies).
    pub status: Option<StatusCode>,
    /// The headers, if known.
    pub headers: Option<HeaderMap>,
    /// The body, or its first [`MAX_ERROR_BODY_BYTES`] bytes.
    pub body: Bytes,
    /// The decoding error.
    pub source: serde_json::Error,
}

impl InvalidBody {
    /// The wait the response's `Retry-After` header asks for, if the response is known.
    pub fn retry_after(&self) -> Option<Duration> {
        self.headers
            .as_ref()
            .and_then(|headers| retry_after_header(headers, SystemTime::now()))
    }
}

impl fmt::Debug for InvalidBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InvalidBody")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .field("body_start", &preview(&self.body))
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for InvalidBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid response body")?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        write!(f, ": {}", self.source)?;
        if self.body.is_empty() {
            f.write_str("; the body is empty")
        } else {
            write!(f, "; body starts with: {}", preview(&self.body))
        }
    }
}

impl StdError for InvalidBody {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.source)
    }
}

/// The first bytes of a body, as text.
pub(crate) fn preview(body: &[u8]) -> String {
    let end = body.len().min(PREVIEW_BYTES);
    let mut text = String::from_utf8_lossy(&body[..end]).into_owned();
    if body.len() > PREVIEW_BYTES {
        text.push('…');
    }
    text
}

/// The broad kind of a [`TransportError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be made (refused, DNS, TLS): the request was not sent.
    Connect,
    /// The attempt timed out.
    Timeout,
    /// The body could not be sent or read.
    Body,
    /// Anything else, such as a connection closed before the response arrived.
    Other,
}

/// An HTTP-level failure without a usable response.
///
/// The URL inside the underlying error has its query, fragment and user info removed, since a
/// query may carry an API key.
#[derive(Debug)]
pub struct TransportError {
    inner: Transport,
}

#[derive(Debug)]
enum Transport {
    /// reqwest's error.
    Reqwest(reqwest::Error),
    /// The attempt's own timer (see [`send`](crate::send())) ended it after this long.
    AttemptTimeout(Duration),
}

impl TransportError {
    /// The attempt ran out of its per-attempt timeout, `after`.
    pub(crate) fn attempt_timed_out(after: Duration) -> Self {
        Self {
            inner: Transport::AttemptTimeout(after),
        }
    }

    /// Whether the same call might succeed if repeated: everything but invalid requests and
    /// redirect errors (see [`default_is_retryable`]).
    pub fn is_retryable(&self) -> bool {
        !self.is_builder_or_redirect()
    }

    /// The kind of failure.
    pub fn kind(&self) -> TransportErrorKind {
        let inner = match &self.inner {
            Transport::Reqwest(inner) => inner,
            Transport::AttemptTimeout(_) => return TransportErrorKind::Timeout,
        };
        if inner.is_connect() {
            TransportErrorKind::Connect
        } else if inner.is_timeout() {
            TransportErrorKind::Timeout
        } else if inner.is_body() || inner.is_decode() {
            TransportErrorKind::Body
        } else {
            TransportErrorKind::Other
        }
    }

    /// Whether the request may have reached the server: false only for connect errors.
    pub fn was_sent(&self) -> bool {
        self.kind() != TransportErrorKind::Connect
    }

    /// Whether the request could not be built or a redirect failed (too many redirects):
    /// failures that repeating will not fix.
    pub(crate) fn is_builder_or_redirect(&self) -> bool {
        match &self.inner {
            Transport::Reqwest(inner) => inner.is_builder() || inner.is_redirect(),
            Transport::AttemptTimeout(_) => false,
        }
    }

    /// reqwest's error, if the failure came from reqwest (an attempt ended by its own timer
    /// has none).
    pub fn inner(&self) -> Option<&reqwest::Error> {
        match &self.inner {
            Transport::Reqwest(inner) => Some(inner),
            Transport::AttemptTimeout(_) => None,
        }
    }
}

impl From<reqwest::Error> for TransportError {
    fn from(mut inner: reqwest::Error) -> Self {
        if let Some(url) = inner.url_mut() {
            url.set_query(None);
            url.set_fragment(None);
            let _ = url.set_password(None);
            let _ = url.set_username("");
        }
        Self {
            inner: Transport::Reqwest(inner),
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = match &self.inner {
            Transport::Reqwest(inner) => inner,
            Transport::AttemptTimeout(after) => {
                return write!(
                    f,
                    "request timed out: no complete response within the attempt timeout ({:.3} s)",
                    after.as_secs_f64()
                );
            }
        };
        let what = match self.kind() {
            TransportErrorKind::Connect => "connection failed, request not sent",
            TransportErrorKind::Timeout => "request timed out",
            TransportErrorKind::Body => "request or response body failed",
            TransportErrorKind::Other => "request failed",
        };
        write!(f, "{what}: {inner}")?;
        // reqwest's message is generic ("error sending request"); name the root cause.
        let mut cause = inner.source();
        let mut last = None;
        while let Some(c) = cause {
            last = Some(c);
            cause = c.source();
        }
        if let Some(root) = last {
            write!(f, " ({root})")?;
        }
        Ok(())
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner().map(|inner| inner as &(dyn StdError + 'static))
    }
}

/// The overall call deadline passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineExceeded {
    /// The operation.
    pub operation_id: &'static str,
    /// Time from the start of the call.
    pub elapsed: Duration,
    /// Attempts started, including one cancelled by the deadline.
    pub attempts: u32,
}

impl fmt::Display for DeadlineExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} did not complete within its deadline ({:.3} s elapsed, {} attempt{})",
            self.operation_id,
            self.elapsed.as_secs_f64(),
            self.attempts,
            if self.attempts == 1 { "" } else { "s" }
        )
    }
}

impl StdError for DeadlineExceeded {}

/// A call that failed without a response to hand to
/// [`OperationError::from_response`].
#[derive(Debug)]
pub enum Failure {
    /// The HTTP exchange failed.
    Transport(TransportError),
    /// The request could not be built (for example an invalid parameter value).
    InvalidRequest(String),
    /// A success body could not be decoded.
    InvalidBody(InvalidBody),
    /// The overall call deadline passed.
    DeadlineExceeded(DeadlineExceeded),
}

impl Failure {
    /// Whether this failure might go away if the call were repeated (see
    /// [`default_is_retryable`]).
    pub fn is_retryable(&self) -> bool {
        default_is_retryable(None, Some(self))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Transport(e) => fmt::Display::fmt(e, f),
            Failure::InvalidRequest(msg) => write!(f, "invalid request: {msg}"),
            Failure::InvalidBody(e) => fmt::Display::fmt(e, f),
            Failure::DeadlineExceeded(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl StdError for Failure {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Failure::Transport(e) => e.source(),
            Failure::InvalidRequest(_) => None,
            Failure::InvalidBody(e) => e.source(),
            Failure::DeadlineExceeded(_) => None,
        }
    }
}

/// The error type of one operation, generated as an enum with a variant per documented error
/// response plus variants for undocumented responses and [`Failure`]s.
///
/// A generated enum implements the three constructors-and-views below; everything else
/// (status, wait, retryability, `Display`, `source`) is derived here from [`view`](Self::view),
/// so that each operation's enum stays short.
pub trait OperationError: StdError + Send + Sync + Sized + 'static {
    /// Builds the error from a response that did not match the success response: picks the
    /// variant by status and decodes the body. Also receives unexpected 2xx/3xx responses.
    fn from_response(response: RawResponse) -> Self;

    /// Builds the error from a failure without a response.
    fn from_failure(failure: Failure) -> Self;

    /// The variant, seen through one type.
    fn view(&self) -> ErrorView<'_>;

    /// The response status, if there was a response.
    fn status(&self) -> Option<StatusCode> {
        self.view().status()
    }

    /// How long the server asked the client to wait (`Retry-After` header, else a documented
    /// body field), if it did.
    fn retry_after(&self) -> Option<Duration> {
        self.view().retry_after()
    }

    /// Whether the error is transient (see [`default_is_retryable`]).
    fn is_retryable(&self) -> bool {
        self.view().is_retryable()
    }
}

/// One variant of an operation error, seen through one type: what [`OperationError`]'s
/// provided methods and the generated `Display` and `Error::source` read.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum ErrorView<'a> {
    /// A documented error response, decoded.
    Documented {
        /// The status.
        status: StatusCode,
        /// The wait the response asks for (header, else a documented body field).
        retry_after: Option<Duration>,
        /// The server's message: the body's documented message field, else one of the usual
        /// fields ([`message_in_body`]).
        message: Option<&'a str>,
    },
    /// A status the operation does not document.
    UnexpectedStatus(&'a RawResponse),
    /// A documented response whose body does not match its schema.
    InvalidBody(&'a InvalidBody),
    /// No complete response.
    Transport(&'a TransportError),
    /// A parameter could not be converted; nothing was sent.
    InvalidRequest(&'a str),
    /// The call's deadline passed.
    DeadlineExceeded(&'a DeadlineExceeded),
}

impl<'a> ErrorView<'a> {
    /// Quotes `text` (the body's documented message field) in `Display`, unless it is empty.
    pub fn with_message(mut self, text: &'a str) -> Self {
        if let ErrorView::Documented { message, .. } = &mut self
            && !text.trim().is_empty()
        {
            *message = Some(text);
        }
        self
    }

    /// Whether the same call may succeed later, by `operation`'s rules:
    /// [`is_retryable`](Self::is_retryable), or a status the operation documents as retryable
    /// ([`OperationMeta::is_retryable_status`]).
    pub fn is_retryable_for(&self, operation: &OperationMeta) -> bool {
        self.is_retryable()
            || self
                .status()
                .is_some_and(|status| operation.is_retryable_status(status))
    }

    /// Whether the server says the caller is rate-limited or out of quota: a 429, or a
    /// message that says so under another status (HuntAPI answers "Rate limit exceeded" with
    /// a 401, which is not a bad key).
    pub fn is_rate_limited(&self) -> bool {
        if self.status().is_some_and(|s| s.as_u16() == 429) {
            return true;
        }
        match self {
            ErrorView::Documented { message, .. } => message.is_some_and(says_rate_limited),
            ErrorView::UnexpectedStatus(raw) => {
                message_in_body(&raw.body).is_some_and(|m| says_rate_limited(&m))
            }
            _ => false,
        }
    }

    /// Uses `wait` (read from a documented body field) when the response had no `Retry-After`
    /// header.
    pub fn or_retry_after(mut self, wait: Option<Duration>) -> Self {
        if let ErrorView::Documented { retry_after, .. } = &mut self {
            *retry_after = retry_after.or(wait);
        }
        self
    }

    /// The response status, if there was a response.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ErrorView::Documented { status, .. } => Some(*status),
            ErrorView::UnexpectedStatus(raw) => Some(raw.status),
            ErrorView::InvalidBody(e) => e.status,
            ErrorView::Transport(_)
            | ErrorView::InvalidRequest(_)
            | ErrorView::DeadlineExceeded(_) => None,
        }
    }

    /// The wait the server asked for.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ErrorView::Documented { retry_after, .. } => *retry_after,
            ErrorView::UnexpectedStatus(raw) => raw.retry_after(SystemTime::now()),
            ErrorView::InvalidBody(e) => e.retry_after(),
            _ => None,
        }
    }

    /// Whether the same call may succeed later: connection errors, and 429, 502, 503 and 504
    /// (also when the body of such a response does not decode: a 429 page from a proxy is
    /// still worth retrying).
    pub fn is_retryable(&self) -> bool {
        match self {
            ErrorView::Transport(e) => e.is_retryable(),
            ErrorView::InvalidRequest(_) | ErrorView::DeadlineExceeded(_) => false,
            other => other
                .status()
                .is_some_and(|s| default_is_retryable(Some(s), None)),
        }
    }

    /// The underlying error, for `Error::source`.
    pub fn source(self) -> Option<&'a (dyn StdError + 'static)> {
        match self {
            ErrorView::InvalidBody(e) => Some(e),
            ErrorView::Transport(e) => Some(e),
            ErrorView::DeadlineExceeded(e) => Some(e),
            _ => None,
        }
    }

    /// Writes the error the way generated `Display` impls do: the operationId, the status, the
    /// documented description of the status (from `operation`) and the body's message.
    pub fn fmt(&self, operation: &OperationMeta, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = operation.operation_id;
        match self {
            ErrorView::Documented {
                status, message, ..
            } => {
                write!(f, "{id}: HTTP {status}")?;
                if let Some(description) = operation.error_description(*status) {
                    write!(f, ": {description}")?;
                }
                match message {
                    Some(message) => write!(f, ": {message}"),
                    None => Ok(()),
                }
            }
            ErrorView::UnexpectedStatus(raw) => {
                write!(f, "{id}: undocumented HTTP status {}", raw.status)?;
                match message_in_body(&raw.body) {
                    Some(message) => write!(f, ": {message}"),
                    None => Ok(()),
                }
            }
            ErrorView::InvalidBody(e) => write!(f, "{id}: {e}"),
            ErrorView::Transport(e) => write!(f, "{id}: {e}"),
            ErrorView::InvalidRequest(e) => write!(f, "{id}: invalid request: {e}"),
            ErrorView::DeadlineExceeded(e) => write!(f, "{id}: {e}"),
        }
    }
}

/// An operation error without typed variants: the raw response or the failure.
///
/// Useful for operations that document no error responses, and in tests.
#[derive(Debug)]
pub enum UntypedError {
    /// A response that did not match the success response.
    Response(RawResponse),
    /// A failure without a response.
    Failure(Failure),
}

impl fmt::Display for UntypedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UntypedError::Response(raw) => {
                write!(f, "unexpected response: HTTP {}", raw.status)?;
                if !raw.body.is_empty() {
                    write!(f, ": {}", preview(&raw.body))?;
                }
                Ok(())
            }
            UntypedError::Failure(failure) => fmt::Display::fmt(failure, f),
        }
    }
}

impl StdError for UntypedError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            UntypedError::Response(_) => None,
            UntypedError::Failure(failure) => failure.source(),
        }
    }
}

impl OperationError for UntypedError {
    fn from_response(response: RawResponse) -> Self {
        UntypedError::Response(response)
    }

    fn from_failure(failure: Failure) -> Self {
        UntypedError::Failure(failure)
    }

    fn view(&self) -> ErrorView<'_> {
        match self {
            UntypedError::Response(raw) => ErrorView::UnexpectedStatus(raw),
            UntypedError::Failure(Failure::Transport(e)) => ErrorView::Transport(e),
            UntypedError::Failure(Failure::InvalidRequest(e)) => ErrorView::InvalidRequest(e),
            UntypedError::Failure(Failure::InvalidBody(e)) => ErrorView::InvalidBody(e),
            UntypedError::Failure(Failure::DeadlineExceeded(e)) => ErrorView::DeadlineExceeded(e),
        }
    }

    fn status(&self) -> Option<StatusCode> {
        match self {
            UntypedError::Response(raw) => Some(raw.status),
            UntypedError::Failure(_) => None,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            UntypedError::Response(raw) => raw.retry_after(SystemTime::now()),
            UntypedError::Failure(_) => None,
        }
    }

    fn is_retryable(&self) -> bool {
        match self {
            UntypedError::Response(raw) => default_is_retryable(Some(raw.status), None),
            UntypedError::Failure(failure) => failure.is_retryable(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn messages_are_found_in_the_usual_fields() {
        let m = |body: &str| message_in_body(body.as_bytes());
        assert_eq!(
            m(r#"{"error":"Invalid API Key"}"#).as_deref(),
            Some("Invalid API Key")
        );
        // The message wins over a code.
        assert_eq!(
            m(r#"{"error":"insufficient_api_balance","message":"Insufficient balance"}"#)
                .as_deref(),
            Some("Insufficient balance")
        );
        // FastAPI: a string, an object, or a list of validation errors.
        assert_eq!(
            m(r#"{"detail":"Job not found"}"#).as_deref(),
            Some("Job not found")
        );
        assert_eq!(
            m(r#"{"detail":{"message":"Top up first","required_cents":50}}"#).as_deref(),
            Some("Top up first")
        );
        assert_eq!(
            m(r#"{"detail":[{"loc":["body","url"],"msg":"field required"},{"msg":"bad mode"}]}"#)
                .as_deref(),
            Some("field required; bad mode")
        );
        // Problem details, OAuth, nested errors, lists.
        assert_eq!(
            m(r#"{"type":"about:blank","title":"Not Found","detail":"no such job"}"#).as_deref(),
            Some("Not Found: no such job")
        );
        assert_eq!(
            m(r#"{"error":"invalid_grant","error_description":"expired"}"#).as_deref(),
            Some("invalid_grant")
        );
        assert_eq!(
            m(r#"{"error":{"code":7,"message":"quota exceeded"}}"#).as_deref(),
            Some("quota exceeded")
        );
        assert_eq!(
            m(r#"{"errors":[{"message":"a"},"b"]}"#).as_deref(),
            Some("a; b")
        );
        // Plain text is the message; HTML, empty and unknown shapes are not.
        assert_eq!(
            m("Internal Server Error\n").as_deref(),
            Some("Internal Server Error")
        );
        assert_eq!(m("<html><body>502</body></html>"), None);
        assert_eq!(m("  "), None);
        assert_eq!(m(r#"{"detail":"cut of"#), None);
        assert_eq!(m(&"word ".repeat(1000)), None);
        assert_eq!(m(r#"{"code":7}"#), None);
        assert_eq!(m(r#"{"message":""}"#), None);
        // Long messages are cut.
        let long = format!(r#"{{"message":"{}"}}"#, "x".repeat(1000));
        assert_eq!(m(&long).map(|s| s.chars().count()), Some(301));
    }

    #[test]
    fn fields_are_found_wherever_the_server_put_them() {
        let top = ErrorResponse::<serde_json::Value>::from_raw(raw(
            402,
            br#"{"error":"insufficient_api_balance","required_cents":50,"available_cents":0}"#,
        ))
        .unwrap();
        let nested = ErrorResponse::<serde_json::Value>::from_raw(raw(
            402,
            br#"{"detail":{"message":"Insufficient balance","required_cents":120}}"#,
        ))
        .unwrap();
        assert_eq!(top.field("required_cents"), Some(serde_json::json!(50)));
        assert_eq!(nested.field("required_cents"), Some(serde_json::json!(120)));
        assert_eq!(nested.field("available_cents"), None);
        assert_eq!(top.raw_body().len(), 76);
        let debug = format!("{top:?}");
        assert!(debug.contains("<76 bytes>"), "{debug}");
    }

    #[test]
    fn rate_limits_are_told_apart_from_other_errors_of_the_same_status() {
        let documented = |status: u16, body: &'static [u8]| {
            ErrorResponse::<serde_json::Value>::from_raw(raw(status, body)).unwrap()
        };
        let limited = documented(
            401,
            br#"{"error":"Rate limit exceeded for the API key: quota monthly"}"#,
        );
        assert!(limited.view().is_rate_limited());
        let bad_key = documented(401, br#"{"error":"Invalid API Key"}"#);
        assert!(!bad_key.view().is_rate_limited());
        let throttled = documented(429, b"{}");
        assert!(throttled.view().is_rate_limited());
        let raw_limited = raw(403, b"Too Many Requests");
        assert!(ErrorView::UnexpectedStatus(&raw_limited).is_rate_limited());
    }

    fn raw(status: u16, body: &'static [u8]) -> RawResponse {
        RawResponse {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: Bytes::from_static(body),
            truncated: false,
        }
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Problem {
        message: String,
    }

    #[test]
    fn decode_json_variants() {
        let p: Problem = decode_json(&raw(400, br#"{"message":"bad"}"#)).unwrap();
        assert_eq!(p.message, "bad");
        let () = decode_json(&raw(204, b"")).unwrap();
        let none: Option<Problem> = decode_json(&raw(204, b"  ")).unwrap();
        assert!(none.is_none());
        let err = decode_json::<Problem>(&raw(400, b"")).unwrap_err();
        assert_eq!(err.status, Some(StatusCode::BAD_REQUEST));
        assert!(err.to_string().contains("EOF"), "{err}");
    }

    #[test]
    fn invalid_body_display() {
        let long = "x".repeat(1000);
        let body = format!("{{\"message\": 5, \"pad\": \"{long}\"}}");
        let source = serde_json::from_slice::<Problem>(body.as_bytes()).unwrap_err();
        let err = InvalidBody {
            status: Some(StatusCode::UNPROCESSABLE_ENTITY),
            headers: None,
            body: Bytes::from(body),
            source,
        };
        let text = err.to_string();
        assert!(text.contains("422"), "{text}");
        assert!(text.contains("line 1 column"), "{text}");
        assert!(text.contains("{\"message\": 5"), "{text}");
        assert!(text.len() < 450, "{}", text.len());
        assert!(err.source().is_some());
    }

    #[test]
    fn invalid_body_preview_is_lossy() {
        let body = Bytes::from_static(b"\xff\xfe not json");
        let source = serde_json::from_slice::<Problem>(&body).unwrap_err();
        let err = InvalidBody {
            status: None,
            headers: None,
            body,
            source,
        };
        assert!(err.to_string().contains("not json"));
    }

    #[test]
    fn retry_after_from_body_pointer() {
        let body = serde_json::json!({"retry_after": 3, "s": "2.5", "neg": -1, "no": true});
        assert_eq!(
            retry_after_from_body(&body, "/retry_after"),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after_from_body(&body, "/s"),
            Some(Duration::from_millis(2500))
        );
        assert_eq!(retry_after_from_body(&body, "/neg"), None);
        assert_eq!(retry_after_from_body(&body, "/no"), None);
        assert_eq!(retry_after_from_body(&body, "/missing"), None);
    }

    #[test]
    fn raw_response_helpers() {
        let mut r = raw(429, b"slow \xffdown");
        r.headers.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(
            r.retry_after(SystemTime::now()),
            Some(Duration::from_secs(7))
        );
        assert!(r.text_lossy().starts_with("slow"));
        let e = UntypedError::from_response(r);
        assert!(e.is_retryable());
        assert_eq!(e.status(), Some(StatusCode::TOO_MANY_REQUESTS));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    }

    #[test]
    fn error_response_from_raw() {
        let e: ErrorResponse<Problem> =
            ErrorResponse::from_raw(raw(404, br#"{"message":"nope"}"#)).unwrap();
        assert_eq!(e.body.message, "nope");
        assert_eq!(e.typed_headers, NoHeaders);
        let e = e.with_typed_headers(5u8);
        assert_eq!(e.typed_headers, 5);
    }

    struct Shown<'a>(ErrorView<'a>, &'a OperationMeta);

    impl fmt::Display for Shown<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.fmt(self.1, f)
        }
    }

    #[test]
    fn error_view_reads_status_wait_message_and_description() {
        use crate::operation::ErrorDoc;
        const OP: OperationMeta = OperationMeta {
            operation_id: "getThing",
            method: "GET",
            path: "/things",
            billable: false,
            idempotent: true,
            streams_body: false,
            security: &[],
            errors: &[ErrorDoc::code(429, "Slow down")],
        };
        let mut limited = raw(429, br#"{"message":"later","wait":4}"#);
        let e: ErrorResponse<serde_json::Value> = ErrorResponse::from_raw(limited.clone()).unwrap();
        let view = e
            .view()
            .with_message("later")
            .or_retry_after(retry_after_from_body(&e.body, "/wait"));
        assert_eq!(view.status(), Some(StatusCode::TOO_MANY_REQUESTS));
        assert_eq!(view.retry_after(), Some(Duration::from_secs(4)));
        assert!(view.is_retryable());
        assert!(view.source().is_none());
        assert_eq!(
            Shown(view, &OP).to_string(),
            "getThing: HTTP 429 Too Many Requests: Slow down: later"
        );

        // The header wins over the body field.
        limited.headers.insert(RETRY_AFTER, "9".parse().unwrap());
        let e: ErrorResponse<serde_json::Value> = ErrorResponse::from_raw(limited).unwrap();
        let view = e.view().or_retry_after(Some(Duration::from_secs(4)));
        assert_eq!(view.retry_after(), Some(Duration::from_secs(9)));

        let other = raw(418, b"teapot");
        let view = ErrorView::UnexpectedStatus(&other);
        assert!(!view.is_retryable());
        assert_eq!(
            Shown(view, &OP).to_string(),
            "getThing: undocumented HTTP status 418 I'm a teapot: teapot"
        );
        assert_eq!(
            Shown(ErrorView::InvalidRequest("bad id"), &OP).to_string(),
            "getThing: invalid request: bad id"
        );
    }

    #[test]
    fn deadline_display() {
        let d = DeadlineExceeded {
            operation_id: "createJob",
            elapsed: Duration::from_millis(1500),
            attempts: 2,
        };
        assert_eq!(
            d.to_string(),
            "createJob did not complete within its deadline (1.500 s elapsed, 2 attempts)"
        );
    }
}
