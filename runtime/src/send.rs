//! The retry loop around one operation's attempts.

use std::future::Future;
use std::time::SystemTime;

use bytes::Bytes;
use progenitor_client::{Error as ClientError, ResponseValue};
use tracing::Instrument;

use crate::config::ClientConfig;
use crate::error::{
    DeadlineExceeded, Failure, InvalidBody, MAX_ERROR_BODY_BYTES, OperationError, RawResponse,
    TransportError, read_bounded,
};
use crate::operation::{CallOptions, OperationMeta};
use crate::retry::{FailureClass, classify_failure};

/// Runs an operation: calls `attempt` (progenitor's `send_raw`) and retries according to the
/// failure's [`FailureClass`], the retry policy and the call deadline.
///
/// * A success is returned as is.
/// * A response that progenitor did not accept (`UnexpectedResponse`, including unexpected
///   2xx and 3xx statuses) has its body read up to [`MAX_ERROR_BODY_BYTES`] and becomes
///   [`OperationError::from_response`].
/// * Anything else becomes [`OperationError::from_failure`].
/// * A failure is retried only if its class allows it for `op` (billable and non-idempotent
///   operations are re-sent only when the server certainly did not process the request,
///   unless `options` allows billable retries), attempts remain, the server's `Retry-After`
///   is not above the policy's maximum, and the wait would not pass the deadline. Otherwise
///   the last error is returned.
/// * Each attempt has one timer, at its per-attempt timeout or at the call deadline (the
///   per-call override, else the client's call timeout, measured with the client's
///   [`Clock`](crate::Clock)), whichever comes first. An attempt still running then is
///   cancelled: at the deadline the call fails with [`Failure::DeadlineExceeded`]; at its own
///   timeout the attempt fails with a [`TransportError`] of kind
///   `Timeout`, retried like any other. (For an operation whose body is streamed after the call
///   returns, [`ClientConfig::prepare`] also sets the timeout on the request, so that it covers
///   that body.)
///
/// Each call runs in a `tracing` span named `clientgen.call` (at debug level) with the
/// operation id, method and path template, and records the attempts made, the last status and
/// the elapsed time on it; every retry (with its delay and the server's `Retry-After`) and every
/// `Retry-After` too long to wait for is an info event. Nothing from the request or response
/// is recorded but the status: no URL (a query-string key), no header, no body. Without a
/// subscriber installed by the application, nothing is printed.
pub async fn send<T, E, F, Fut>(
    config: &ClientConfig,
    op: &'static OperationMeta,
    options: &CallOptions,
    attempt: F,
) -> Result<ResponseValue<T>, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<ResponseValue<T>, ClientError<()>>>,
    E: OperationError,
{
    let span = tracing::debug_span!(
        "clientgen.call",
        operation = op.operation_id,
        method = op.method,
        path = op.path,
        attempts = tracing::field::Empty,
        status = tracing::field::Empty,
        elapsed_ms = tracing::field::Empty,
    );
    let start = config.clock().now();
    let result: Result<ResponseValue<T>, E> = run(config, op, options, attempt, &span)
        .instrument(span.clone())
        .await;
    if !span.is_disabled() {
        let status = match &result {
            Ok(value) => Some(value.status()),
            Err(error) => error.status(),
        };
        if let Some(status) = status {
            span.record("status", status.as_u16());
        }
        let elapsed = config.clock().now().saturating_duration_since(start);
        span.record("elapsed_ms", elapsed.as_millis() as u64);
    }
    result
}

async fn run<T, E, F, Fut>(
    config: &ClientConfig,
    op: &'static OperationMeta,
    options: &CallOptions,
    mut attempt: F,
    span: &tracing::Span,
) -> Result<ResponseValue<T>, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<ResponseValue<T>, ClientError<()>>>,
    E: OperationError,
{
    let clock = config.clock();
    let policy = options.retry_policy().unwrap_or(config.retry_policy());
    let call_timeout = options.call_timeout().unwrap_or(config.call_timeout());
    let start = clock.now();
    let deadline = call_timeout.and_then(|timeout| start.checked_add(timeout));
    let attempt_timeout = config.attempt_timeout();
    let mut attempts: u32 = 0;

    loop {
        attempts = attempts.saturating_add(1);
        span.record("attempts", attempts);
        let one = async {
            match attempt().await {
                Ok(value) => Ok(value),
                Err(error) => Err(outcome::<E>(op, error).await),
            }
        };
        let remaining = deadline.map(|deadline| deadline.saturating_duration_since(clock.now()));
        // One timer for the attempt: its own timeout, or the deadline if that comes first.
        let at_deadline = remaining.is_some_and(|remaining| remaining <= attempt_timeout);
        let limit = remaining.map_or(attempt_timeout, |r| r.min(attempt_timeout));
        let result = match tokio::time::timeout(limit, one).await {
            Ok(result) => result,
            Err(_) if at_deadline => {
                return Err(E::from_failure(Failure::DeadlineExceeded(
                    DeadlineExceeded {
                        operation_id: op.operation_id,
                        elapsed: clock.now().saturating_duration_since(start),
                        attempts,
                    },
                )));
            }
            Err(_) => Err(from_failure(Failure::Transport(
                TransportError::attempt_timed_out(attempt_timeout),
            ))),
        };
        let failed = match result {
            Ok(value) => return Ok(value),
            Err(failed) => failed,
        };

        if attempts >= policy.max_attempts()
            || !failed
                .class
                .allows_retry(op, options.allow_billable_retries())
        {
            return Err(failed.error);
        }
        let Some(delay) = policy.delay_for(attempts, failed.retry_after) else {
            tracing::info!(
                operation = op.operation_id,
                attempt = attempts,
                status = failed.error.status().map(|s| s.as_u16()),
                retry_after_ms = failed.retry_after.map(|d| d.as_millis() as u64),
                max_retry_after_ms = policy.max_retry_after().as_millis() as u64,
                "the server asks to wait longer than the retry policy allows: not retried"
            );
            return Err(failed.error);
        };
        if let Some(deadline) = deadline {
            let resume = clock.now().checked_add(delay);
            if resume.is_none_or(|resume| resume > deadline) {
                tracing::info!(
                    operation = op.operation_id,
                    attempt = attempts,
                    delay_ms = delay.as_millis() as u64,
                    "the next attempt would pass the call deadline: not retried"
                );
                return Err(failed.error);
            }
        }
        tracing::info!(
            operation = op.operation_id,
            attempt = attempts,
            class = ?failed.class,
            status = failed.error.status().map(|s| s.as_u16()),
            retry_after_ms = failed.retry_after.map(|d| d.as_millis() as u64),
            delay_ms = delay.as_millis() as u64,
            "retrying"
        );
        clock.sleep(delay).await;
    }
}

/// A failed attempt: the caller's error, its class, and the server's requested wait.
struct Failed<E> {
    error: E,
    class: FailureClass,
    retry_after: Option<std::time::Duration>,
}

async fn outcome<E: OperationError>(op: &OperationMeta, error: ClientError<()>) -> Failed<E> {
    match error {
        ClientError::UnexpectedResponse(response) => {
            match read_bounded(response, MAX_ERROR_BODY_BYTES).await {
                Ok(raw) => from_raw(op, raw),
                Err(transport) => from_failure(Failure::Transport(transport)),
            }
        }
        ClientError::ErrorResponse(value) => from_raw(
            op,
            RawResponse {
                status: value.status(),
                headers: value.headers().clone(),
                body: Bytes::new(),
                truncated: false,
            },
        ),
        ClientError::CommunicationError(e)
        | ClientError::ResponseBodyError(e)
        | ClientError::InvalidUpgrade(e) => from_failure(Failure::Transport(e.into())),
        ClientError::InvalidResponsePayload(body, source) => {
            // progenitor has read the whole success body; keep no more of it than of an error
            // body (a copy, so that the rest is freed).
            let body = if body.len() > MAX_ERROR_BODY_BYTES {
                Bytes::copy_from_slice(&body[..MAX_ERROR_BODY_BYTES])
            } else {
                body
            };
            from_failure(Failure::InvalidBody(InvalidBody {
                status: None,
                headers: None,
                body,
                source,
            }))
        }
        ClientError::InvalidRequest(message) | ClientError::Custom(message) => {
            from_failure(Failure::InvalidRequest(message))
        }
    }
}

fn from_raw<E: OperationError>(op: &OperationMeta, raw: RawResponse) -> Failed<E> {
    let class = op.classify_status(raw.status);
    let header_wait = raw.retry_after(SystemTime::now());
    let error = E::from_response(raw);
    let retry_after = error.retry_after().or(header_wait);
    Failed {
        error,
        class,
        retry_after,
    }
}

fn from_failure<E: OperationError>(failure: Failure) -> Failed<E> {
    let class = classify_failure(&failure);
    Failed {
        error: E::from_failure(failure),
        class,
        retry_after: None,
    }
}
