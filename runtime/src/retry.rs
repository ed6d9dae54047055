//! Retry policy, `Retry-After` parsing, and the classification of failures that decides what
//! may be re-sent.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderValue;

use crate::error::{Failure, TransportErrorKind};
use crate::operation::OperationMeta;

/// How often and how patiently a call is retried.
///
/// Which failures are retried at all is decided by [`FailureClass`]; this policy only sets
/// how many attempts are made and how long to wait between them.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    multiplier: f64,
    jitter: bool,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
            multiplier: 2.0,
            jitter: true,
            // An interactive call should not sleep a silent minute: a longer wait is the
            // caller's to choose (the error carries it in `retry_after()`).
            max_retry_after: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// A policy that makes exactly one attempt.
    pub fn none() -> Self {
        Self::default().with_max_attempts(1)
    }

    /// Sets the number of attempts, counting the first (0 is treated as 1). Default 3.
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// Sets the wait before the first retry. Default 250 ms.
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Sets the longest wait between attempts (before `Retry-After`). Default 10 s.
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Sets the factor by which the wait grows after each retry (values below 1 or not finite
    /// are treated as 1). Default 2.
    pub fn with_multiplier(mut self, multiplier: f64) -> Self {
        self.multiplier = multiplier;
        self
    }

    /// Turns jitter on or off. With jitter, each wait is drawn uniformly from
    /// `[backoff / 2, backoff]`. Default on.
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Sets the longest `Retry-After` the client waits for; a server asking for longer gets
    /// its error returned to the caller instead, with the wait in its `retry_after()`.
    /// Default 10 s.
    pub fn with_max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// The number of attempts, counting the first.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts.max(1)
    }

    /// The wait before the first retry.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The longest wait between attempts.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The growth factor.
    pub fn multiplier(&self) -> f64 {
        self.multiplier
    }

    /// Whether jitter is on.
    pub fn jitter(&self) -> bool {
        self.jitter
    }

    /// The longest `Retry-After` waited for.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The wait before retry number `retry_number` (1 for the first retry):
    /// `initial_backoff * multiplier^(retry_number - 1)`, capped at `max_backoff`, then
    /// jittered if jitter is on.
    pub fn backoff(&self, retry_number: u32) -> Duration {
        let base = self.base_backoff(retry_number);
        if self.jitter {
            let half = base / 2;
            let spread = (base - half).as_secs_f64() * fastrand::f64();
            let extra = Duration::try_from_secs_f64(spread).unwrap_or(base - half);
            half.saturating_add(extra).min(base)
        } else {
            base
        }
    }

    fn base_backoff(&self, retry_number: u32) -> Duration {
        let exponent = retry_number.saturating_sub(1).min(1024);
        let multiplier = if self.multiplier.is_finite() && self.multiplier >= 1.0 {
            self.multiplier
        } else {
            1.0
        };
        let factor = multiplier.powi(i32::try_from(exponent).unwrap_or(i32::MAX));
        let secs = self.initial_backoff.as_secs_f64() * factor;
        match Duration::try_from_secs_f64(secs) {
            Ok(d) => d.min(self.max_backoff),
            Err(_) => self.max_backoff,
        }
    }

    /// The wait before retry number `retry_number`, given the server's `Retry-After` (if any):
    /// `max(backoff, retry_after)`. `None` if the server asks for longer than
    /// `max_retry_after` (the caller should then give up).
    pub fn delay_for(&self, retry_number: u32, retry_after: Option<Duration>) -> Option<Duration> {
        let backoff = self.backoff(retry_number);
        match retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(backoff.max(wait)),
            None => Some(backoff),
        }
    }
}

/// Parses a `Retry-After` header value: delta-seconds (`120`, leniently also `1.5`) or an
/// HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`, relative to `now`; a date in the past gives
/// zero). Negative numbers and anything else give `None`.
pub fn parse_retry_after(value: &HeaderValue, now: SystemTime) -> Option<Duration> {
    let text = value.to_str().ok()?.trim();
    if text.is_empty() {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return Some(match text.parse::<u64>() {
            Ok(secs) => Duration::from_secs(secs),
            // Only digits but too many of them: a very long wait.
            Err(_) => Duration::MAX,
        });
    }
    if text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let secs: f64 = text.parse().ok()?;
        return Duration::try_from_secs_f64(secs).ok();
    }
    let when = httpdate::parse_http_date(text).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// What a failed attempt says about whether the server processed the request, which decides
/// whether it may be re-sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureClass {
    /// The request certainly did not leave the client (connection refused, DNS or TLS
    /// failure): retried for every operation.
    NotSent,
    /// The server refused the request without processing it (429): retried for every
    /// operation, after `max(backoff, Retry-After)`.
    Throttled,
    /// The request may have been processed (timeouts, a connection dropped after sending,
    /// 502/503/504): retried only for operations that are safe to repeat, or when the caller
    /// allows billable retries.
    Ambiguous,
    /// Not transient (other 4xx, 500, undecodable bodies, invalid requests, unexpected
    /// success or redirect statuses): never retried.
    Permanent,
}

impl FailureClass {
    /// Whether a failure of this class may be retried for `op`.
    pub fn allows_retry(self, op: &OperationMeta, allow_billable_retries: bool) -> bool {
        match self {
            FailureClass::NotSent | FailureClass::Throttled => true,
            FailureClass::Ambiguous => op.safe_to_repeat() || allow_billable_retries,
            FailureClass::Permanent => false,
        }
    }
}

/// Classifies a response status that did not match the operation's success response.
pub fn classify_status(status: StatusCode) -> FailureClass {
    match status.as_u16() {
        429 => FailureClass::Throttled,
        502..=504 => FailureClass::Ambiguous,
        _ => FailureClass::Permanent,
    }
}

/// Classifies a failure that produced no response.
pub fn classify_failure(failure: &Failure) -> FailureClass {
    match failure {
        Failure::Transport(t) => {
            if t.is_builder_or_redirect() {
                FailureClass::Permanent
            } else if t.kind() == TransportErrorKind::Connect {
                FailureClass::NotSent
            } else {
                FailureClass::Ambiguous
            }
        }
        Failure::InvalidRequest(_) | Failure::InvalidBody(_) | Failure::DeadlineExceeded(_) => {
            FailureClass::Permanent
        }
    }
}

/// Whether a status is transient: 429, 502, 503 or 504.
pub fn is_retryable_status(status: StatusCode) -> bool {
    classify_status(status) != FailureClass::Permanent
}

/// A default for [`OperationError::is_retryable`](crate::OperationError::is_retryable):
/// true for a transient status (429, 502, 503, 504), for transport failures other than
/// invalid requests and redirect errors, and for a call deadline that passed.
///
/// "Retryable" means "might succeed if repeated". Whether a call is repeated also depends on
/// the operation: [`send`](crate::send()) re-sends billable requests only after failures that
/// prove the server did not process them.
pub fn default_is_retryable(status: Option<StatusCode>, failure: Option<&Failure>) -> bool {
    if status.is_some_and(is_retryable_status) {
        return true;
    }
    match failure {
        Some(Failure::DeadlineExceeded(_)) => true,
        Some(f) => classify_failure(f) != FailureClass::Permanent,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hv(s: &str) -> HeaderValue {
        HeaderValue::from_str(s).unwrap()
    }

    #[test]
    fn retry_after_seconds() {
        let now = SystemTime::now();
        assert_eq!(
            parse_retry_after(&hv("120"), now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(&hv(" 0 "), now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after(&hv("1.5"), now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after(&hv("99999999999999999999999"), now),
            Some(Duration::MAX)
        );
    }

    #[test]
    fn retry_after_http_date() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(
            parse_retry_after(&hv("Wed, 21 Oct 2015 07:28:30 GMT"), now),
            Some(Duration::from_secs(30))
        );
        // In the past: retry now.
        assert_eq!(
            parse_retry_after(&hv("Wed, 21 Oct 2015 07:00:00 GMT"), now),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn retry_after_garbage_and_negative() {
        let now = SystemTime::now();
        for bad in [
            "",
            "soon",
            "-5",
            "-0.5",
            "1e3",
            "5 seconds",
            "1.2.3",
            "NaN",
            "inf",
        ] {
            assert_eq!(parse_retry_after(&hv(bad), now), None, "{bad:?}");
        }
        let non_utf8 = HeaderValue::from_bytes(b"\xff\xfe").unwrap();
        assert_eq!(parse_retry_after(&non_utf8, now), None);
    }

    #[test]
    fn backoff_grows_and_caps() {
        let p = RetryPolicy::default().with_jitter(false);
        assert_eq!(p.backoff(1), Duration::from_millis(250));
        assert_eq!(p.backoff(2), Duration::from_millis(500));
        assert_eq!(p.backoff(3), Duration::from_secs(1));
        assert_eq!(p.backoff(7), Duration::from_secs(10));
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(10));
        assert_eq!(p.backoff(0), Duration::from_millis(250));
        let weird = p.clone().with_multiplier(f64::NAN);
        assert_eq!(weird.backoff(5), Duration::from_millis(250));
        let huge = p.with_multiplier(f64::MAX).with_max_backoff(Duration::MAX);
        assert_eq!(huge.backoff(3), Duration::MAX);
    }

    #[test]
    fn jitter_stays_in_range() {
        let p = RetryPolicy::default();
        for n in 1..8 {
            let base = p.clone().with_jitter(false).backoff(n);
            for _ in 0..50 {
                let d = p.backoff(n);
                assert!(d >= base / 2 && d <= base, "{d:?} vs {base:?}");
            }
        }
    }

    #[test]
    fn delay_for_respects_retry_after() {
        let p = RetryPolicy::default().with_jitter(false);
        assert_eq!(
            p.delay_for(1, Some(Duration::from_secs(2))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            p.delay_for(1, Some(Duration::from_millis(1))),
            Some(Duration::from_millis(250))
        );
        assert_eq!(p.delay_for(1, Some(Duration::from_secs(61))), None);
        assert_eq!(p.delay_for(1, None), Some(Duration::from_millis(250)));
    }

    #[test]
    fn none_and_zero_attempts() {
        assert_eq!(RetryPolicy::none().max_attempts(), 1);
        assert_eq!(
            RetryPolicy::default().with_max_attempts(0).max_attempts(),
            1
        );
    }

    const GET: OperationMeta = OperationMeta {
        operation_id: "getThing",
        method: "GET",
        path: "/things",
        billable: false,
        idempotent: true,
        streams_body: false,
        security: &[],
        errors: &[],
    };
    const BILLABLE_POST: OperationMeta = OperationMeta {
        operation_id: "createJob",
        method: "POST",
        path: "/jobs",
        billable: true,
        idempotent: false,
        streams_body: false,
        security: &[],
        errors: &[],
    };

    #[test]
    fn status_classification_table() {
        // (status, retried for GET, retried for billable POST, retried for POST with opt-in)
        let table = [
            (429, true, true, true),
            (502, true, false, true),
            (503, true, false, true),
            (504, true, false, true),
            (500, false, false, false),
            (400, false, false, false),
            (401, false, false, false),
            (404, false, false, false),
            (409, false, false, false),
            (422, false, false, false),
            (200, false, false, false),
            (302, false, false, false),
        ];
        for (code, get, post, post_opt_in) in table {
            let class = classify_status(StatusCode::from_u16(code).unwrap());
            assert_eq!(class.allows_retry(&GET, false), get, "{code} GET");
            assert_eq!(
                class.allows_retry(&BILLABLE_POST, false),
                post,
                "{code} POST"
            );
            assert_eq!(
                class.allows_retry(&BILLABLE_POST, true),
                post_opt_in,
                "{code} POST opt-in"
            );
        }
    }

    #[test]
    fn failure_classification() {
        assert_eq!(
            classify_failure(&Failure::InvalidRequest("x".into())),
            FailureClass::Permanent
        );
        assert!(FailureClass::NotSent.allows_retry(&BILLABLE_POST, false));
        assert!(!FailureClass::Ambiguous.allows_retry(&BILLABLE_POST, false));
        assert!(FailureClass::Ambiguous.allows_retry(&BILLABLE_POST, true));
        assert!(FailureClass::Ambiguous.allows_retry(&GET, false));
        assert!(!FailureClass::Permanent.allows_retry(&GET, true));
    }

    #[test]
    fn default_retryable() {
        assert!(default_is_retryable(
            Some(StatusCode::TOO_MANY_REQUESTS),
            None
        ));
        assert!(default_is_retryable(Some(StatusCode::BAD_GATEWAY), None));
        assert!(!default_is_retryable(Some(StatusCode::NOT_FOUND), None));
        assert!(!default_is_retryable(None, None));
        assert!(!default_is_retryable(
            None,
            Some(&Failure::InvalidRequest("x".into()))
        ));
    }
}
