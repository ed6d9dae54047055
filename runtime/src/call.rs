//! The error of one call: an operation's documented error responses (a generated enum) wrapped
//! in [`CallError`], which holds the failures every operation shares, written once here.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::{
    DeadlineExceeded, ErrorResponse, ErrorView, Failure, FromHeaders, InvalidBody, OperationError,
    RawResponse, TransportError, decode_json,
};
use crate::operation::OperationMeta;

/// The documented error responses of one operation, as the generator writes them: an enum with
/// a variant per documented status (or range, or `default`), each carrying an
/// [`ErrorResponse`] with the body typed by the schema the description gives for it.
///
/// Everything that is not a documented response lives in [`CallError`].
pub trait Documented: fmt::Debug + Send + Sync + Sized + 'static {
    /// The operation these responses belong to (its descriptions make `Display` readable).
    const OPERATION: &'static OperationMeta;

    /// Chooses the variant by the response's status and decodes the body as documented for it;
    /// an undocumented status is [`CallError::UnexpectedStatus`], a body that does not match
    /// its schema [`CallError::InvalidBody`].
    fn from_response(response: RawResponse) -> CallError<Self>;

    /// The variant, seen through one type (status, wait, message).
    fn view(&self) -> ErrorView<'_>;
}

/// The error of a call to an operation whose documented error responses are `E`.
///
/// Matching a documented status is one pattern:
/// `Err(CallError::Documented(GetJobError::NotFound(response)))`.
#[derive(Debug)]
#[non_exhaustive]
pub enum CallError<E> {
    /// A documented error response, typed by its status.
    Documented(E),
    /// A status the operation does not document; the body is kept raw (at most
    /// [`MAX_ERROR_BODY_BYTES`](crate::MAX_ERROR_BODY_BYTES)).
    UnexpectedStatus(RawResponse),
    /// A response whose body does not match its documented schema.
    InvalidBody(InvalidBody),
    /// The request could not be sent, or no complete response came back.
    Transport(TransportError),
    /// A parameter was missing or could not be converted; nothing was sent.
    InvalidRequest(String),
    /// The call's overall deadline passed.
    DeadlineExceeded(DeadlineExceeded),
}

impl<E: Documented> CallError<E> {
    /// The documented error response, if this is one.
    pub fn documented(&self) -> Option<&E> {
        match self {
            CallError::Documented(e) => Some(e),
            _ => None,
        }
    }

    /// The documented error response, or this error back.
    pub fn into_documented(self) -> Result<E, Self> {
        match self {
            CallError::Documented(e) => Ok(e),
            other => Err(other),
        }
    }

    /// The HTTP status of the response, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        self.view().status()
    }

    /// How long the server asked to wait before retrying (`Retry-After`, or a documented body
    /// field).
    pub fn retry_after(&self) -> Option<Duration> {
        self.view().retry_after()
    }

    /// Whether the same call may succeed later: 429, 502, 503, 504, the statuses the spec
    /// documents as retryable for this operation (`x-retryable`), connection errors.
    pub fn is_retryable(&self) -> bool {
        self.view().is_retryable_for(E::OPERATION)
    }

    /// Whether the failed call may have cost money or credits: for a billable operation, a
    /// status the spec lists as billed (HuntAPI bills a 404), a failure after the request may
    /// have reached the server (a timeout, a dropped connection), or a passed deadline; never
    /// an invalid request, which is not sent.
    pub fn may_have_been_billed(&self) -> bool {
        let op = E::OPERATION;
        if !op.billable {
            return false;
        }
        match self {
            CallError::Transport(e) => e.was_sent(),
            CallError::InvalidRequest(_) => false,
            CallError::DeadlineExceeded(_) => true,
            other => other.status().is_some_and(|status| op.bills_status(status)),
        }
    }

    /// What the client knows about the operation that failed.
    pub fn operation(&self) -> &'static OperationMeta {
        E::OPERATION
    }

    /// Whether the server says the caller is rate-limited or out of quota: a 429, or a
    /// message saying so under another status (see [`ErrorView::is_rate_limited`]).
    pub fn is_rate_limited(&self) -> bool {
        self.view().is_rate_limited()
    }

    /// The error, seen through one type.
    pub fn view(&self) -> ErrorView<'_> {
        match self {
            CallError::Documented(e) => e.view(),
            CallError::UnexpectedStatus(r) => ErrorView::UnexpectedStatus(r),
            CallError::InvalidBody(e) => ErrorView::InvalidBody(e),
            CallError::Transport(e) => ErrorView::Transport(e),
            CallError::InvalidRequest(e) => ErrorView::InvalidRequest(e),
            CallError::DeadlineExceeded(e) => ErrorView::DeadlineExceeded(e),
        }
    }
}

impl<E: Documented> fmt::Display for CallError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.view().fmt(E::OPERATION, f)
    }
}

impl<E: Documented> StdError for CallError<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.view().source()
    }
}

impl<E: Documented> OperationError for CallError<E> {
    fn from_response(response: RawResponse) -> Self {
        E::from_response(response)
    }

    fn from_failure(failure: Failure) -> Self {
        match failure {
            Failure::Transport(e) => CallError::Transport(e),
            Failure::InvalidRequest(e) => CallError::InvalidRequest(e),
            Failure::InvalidBody(e) => CallError::InvalidBody(e),
            Failure::DeadlineExceeded(e) => CallError::DeadlineExceeded(e),
        }
    }

    fn view(&self) -> ErrorView<'_> {
        CallError::view(self)
    }

    fn is_retryable(&self) -> bool {
        CallError::is_retryable(self)
    }
}

/// A documented JSON error response: `variant` with the decoded body, or
/// [`CallError::InvalidBody`] when the body does not match its schema.
pub fn json_error<B: DeserializeOwned, H: FromHeaders, E>(
    raw: RawResponse,
    variant: fn(ErrorResponse<B, H>) -> E,
) -> CallError<E> {
    match ErrorResponse::decode(raw, decode_json, H::from_headers) {
        Ok(response) => CallError::Documented(variant(response)),
        Err(invalid) => CallError::InvalidBody(invalid),
    }
}

/// A documented `text/*` error response.
pub fn text_error<H: FromHeaders, E>(
    raw: RawResponse,
    variant: fn(ErrorResponse<String, H>) -> E,
) -> CallError<E> {
    CallError::Documented(variant(ErrorResponse::from_parts(
        raw,
        RawResponse::text_lossy,
    )))
}

/// A documented error response of another media type (raw bytes).
pub fn bytes_error<H: FromHeaders, E>(
    raw: RawResponse,
    variant: fn(ErrorResponse<Bytes, H>) -> E,
) -> CallError<E> {
    CallError::Documented(variant(ErrorResponse::from_parts(raw, |raw| {
        raw.body.clone()
    })))
}

/// A documented error response without content.
pub fn empty_error<H: FromHeaders, E>(
    raw: RawResponse,
    variant: fn(ErrorResponse<(), H>) -> E,
) -> CallError<E> {
    CallError::Documented(variant(ErrorResponse::from_parts(raw, |_| ())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::ErrorDoc;
    use reqwest::header::HeaderMap;
    use serde::Deserialize;

    const GET_THING: OperationMeta = OperationMeta {
        operation_id: "getThing",
        method: "GET",
        path: "/things/{id}",
        billable: false,
        idempotent: true,
        streams_body: false,
        security: &[],
        errors: &[
            ErrorDoc::code(404, "No such thing"),
            ErrorDoc::code(429, "Slow down"),
        ],
    };

    #[derive(Debug, Deserialize)]
    struct Problem {
        message: String,
    }

    #[derive(Debug)]
    enum GetThingError {
        NotFound(ErrorResponse<Problem>),
        RateLimited(ErrorResponse<String>),
    }

    impl Documented for GetThingError {
        const OPERATION: &'static OperationMeta = &GET_THING;

        fn from_response(response: RawResponse) -> CallError<Self> {
            match response.status.as_u16() {
                404 => json_error(response, Self::NotFound),
                429 => text_error(response, Self::RateLimited),
                _ => CallError::UnexpectedStatus(response),
            }
        }

        fn view(&self) -> ErrorView<'_> {
            match self {
                Self::NotFound(r) => r.view().with_message(&r.body.message),
                Self::RateLimited(r) => r.view(),
            }
        }
    }

    fn raw(status: u16, body: &'static str) -> RawResponse {
        let mut headers = HeaderMap::new();
        if status == 429 {
            headers.insert("retry-after", "7".parse().unwrap());
        }
        RawResponse {
            status: StatusCode::from_u16(status).unwrap(),
            headers,
            body: Bytes::from_static(body.as_bytes()),
            truncated: false,
        }
    }

    #[test]
    fn documented_statuses_decode_into_their_variant() {
        let error = <CallError<GetThingError>>::from_response(raw(404, r#"{"message":"gone"}"#));
        assert!(matches!(
            &error,
            CallError::Documented(GetThingError::NotFound(r)) if r.body.message == "gone"
        ));
        assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
        assert!(!error.is_retryable());
        assert_eq!(
            error.to_string(),
            "getThing: HTTP 404 Not Found: No such thing: gone"
        );
        assert!(error.documented().is_some());
    }

    #[test]
    fn the_shared_arms_classify_like_the_view() {
        let limited = <CallError<GetThingError>>::from_response(raw(429, "later"));
        assert!(limited.is_retryable());
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(7)));

        let other = <CallError<GetThingError>>::from_response(raw(418, "teapot"));
        assert!(matches!(other, CallError::UnexpectedStatus(ref r) if r.status.as_u16() == 418));
        assert_eq!(
            other.to_string(),
            "getThing: undocumented HTTP status 418 I'm a teapot: teapot"
        );

        let invalid = <CallError<GetThingError>>::from_response(raw(404, "<html>"));
        assert!(matches!(invalid, CallError::InvalidBody(_)));
        assert!(invalid.source().is_some());
        assert!(invalid.into_documented().is_err());

        let failed = <CallError<GetThingError>>::from_failure(Failure::InvalidRequest(
            "`id` is required".into(),
        ));
        assert_eq!(
            failed.to_string(),
            "getThing: invalid request: `id` is required"
        );
        assert_eq!(failed.status(), None);
    }
}
