//! What the runtime knows about an operation, and the caller's per-call options.

use std::time::Duration;

use crate::retry::RetryPolicy;

/// Static facts about one API operation, emitted by the generator as a `const`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OperationMeta {
    /// The OpenAPI `operationId`.
    pub operation_id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template, as in the OpenAPI document.
    pub path: &'static str,
    /// Whether a call costs money or credits (`x-cost` with a non-zero amount).
    pub billable: bool,
    /// Whether repeating the call has no further effect (`x-idempotent`, else the HTTP
    /// method's semantics).
    pub idempotent: bool,
    /// Whether a success's body comes back as a stream, read after the call has returned: the
    /// per-attempt timeout is then also set on the request, so that it covers that body.
    pub streams_body: bool,
    /// The security schemes any of which the operation accepts; empty means no authentication.
    pub security: &'static [&'static str],
    /// The documented error responses, for error messages.
    pub errors: &'static [ErrorDoc],
}

/// A documented error response: which statuses it covers, and its description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorDoc {
    /// The statuses.
    pub status: StatusPattern,
    /// The response's description, on one line.
    pub description: &'static str,
    /// Whether the spec documents the status as transient (`x-retryable`): a call that fails
    /// with it is retried like a 502 (when the operation is safe to repeat), and a job's
    /// status poll that fails with it does not end waiting.
    pub retryable: bool,
    /// Whether a call that fails with this status is billed all the same (`x-cost`'s
    /// `billedStatuses`, such as HuntAPI's 404).
    pub billed: bool,
}

impl ErrorDoc {
    /// The response documented for exactly `code`.
    pub const fn code(code: u16, description: &'static str) -> Self {
        Self {
            status: StatusPattern::Code(code),
            description,
            retryable: false,
            billed: false,
        }
    }

    /// The response documented for a range such as `4XX` (`digit` 4).
    pub const fn range(digit: u16, description: &'static str) -> Self {
        Self {
            status: StatusPattern::Range(digit),
            description,
            retryable: false,
            billed: false,
        }
    }

    /// The `default` response.
    pub const fn default_response(description: &'static str) -> Self {
        Self {
            status: StatusPattern::Default,
            description,
            retryable: false,
            billed: false,
        }
    }

    /// The same response, documented as transient (`x-retryable: true`).
    pub const fn retryable(mut self) -> Self {
        self.retryable = true;
        self
    }

    /// The same response, documented as billed (`x-cost.billedStatuses`).
    pub const fn billed(mut self) -> Self {
        self.billed = true;
        self
    }
}

/// The statuses a documented response covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusPattern {
    /// One status code.
    Code(u16),
    /// `1XX` to `5XX`: the first digit.
    Range(u16),
    /// Every status no other response documents.
    Default,
}

impl OperationMeta {
    /// An operation that is neither billable nor idempotent, whose success body is read
    /// whole, needing no authentication and documenting no error; the methods below say
    /// otherwise, in a `const`:
    /// `OperationMeta::new("getJob", "GET", "/v1/jobs/{id}").idempotent().security(&["ApiKey"])`.
    pub const fn new(operation_id: &'static str, method: &'static str, path: &'static str) -> Self {
        Self {
            operation_id,
            method,
            path,
            billable: false,
            idempotent: false,
            streams_body: false,
            security: &[],
            errors: &[],
        }
    }

    /// A call costs money or credits (and so is never idempotent).
    pub const fn billable(mut self) -> Self {
        self.billable = true;
        self.idempotent = false;
        self
    }

    /// Repeating the call has no further effect.
    pub const fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// A success's body comes back as a stream, read after the call has returned.
    pub const fn streams_body(mut self) -> Self {
        self.streams_body = true;
        self
    }

    /// The security schemes any of which the operation accepts.
    pub const fn security(mut self, schemes: &'static [&'static str]) -> Self {
        self.security = schemes;
        self
    }

    /// The documented error responses.
    pub const fn errors(mut self, errors: &'static [ErrorDoc]) -> Self {
        self.errors = errors;
        self
    }

    /// The description of the documented response that covers `status`, chosen as the
    /// generated error enums choose their variant: an exact code, else a range, else `default`.
    pub fn error_description(&self, status: reqwest::StatusCode) -> Option<&'static str> {
        self.error_doc(status)
            .map(|doc| doc.description)
            .filter(|description| !description.is_empty())
    }

    /// The documented response that covers `status`: an exact code, else a range, else
    /// `default`.
    pub fn error_doc(&self, status: reqwest::StatusCode) -> Option<&'static ErrorDoc> {
        let code = status.as_u16();
        let find = |wanted: fn(StatusPattern, u16) -> bool| {
            self.errors.iter().find(|doc| wanted(doc.status, code))
        };
        find(|p, code| p == StatusPattern::Code(code))
            .or_else(|| find(|p, code| p == StatusPattern::Range(code / 100)))
            .or_else(|| find(|p, _| p == StatusPattern::Default))
    }

    /// Whether `status` is transient for this operation: 429, 502, 503 and 504 always, and
    /// the statuses the spec documents as retryable (`x-retryable`).
    pub fn is_retryable_status(&self, status: reqwest::StatusCode) -> bool {
        crate::retry::is_retryable_status(status)
            || self.error_doc(status).is_some_and(|doc| doc.retryable)
    }

    /// Whether a call that failed with `status` was billed: the operation is billable and the
    /// spec lists the status among those it bills (`x-cost.billedStatuses`).
    pub fn bills_status(&self, status: reqwest::StatusCode) -> bool {
        self.billable && self.error_doc(status).is_some_and(|doc| doc.billed)
    }

    /// How a failed response with `status` is retried for this operation: as
    /// [`classify_status`](crate::classify_status), except that a status the spec documents
    /// as retryable is [`FailureClass::Ambiguous`](crate::FailureClass::Ambiguous) (the
    /// server may have done part of the work, so only calls safe to repeat are re-sent).
    pub fn classify_status(&self, status: reqwest::StatusCode) -> crate::FailureClass {
        match crate::retry::classify_status(status) {
            crate::FailureClass::Permanent
                if self.error_doc(status).is_some_and(|doc| doc.retryable) =>
            {
                crate::FailureClass::Ambiguous
            }
            class => class,
        }
    }

    /// Whether the runtime may re-send the request after an ambiguous failure (the request may
    /// have reached the server): the operation is idempotent and not billable.
    pub const fn safe_to_repeat(&self) -> bool {
        self.idempotent && !self.billable
    }
}

/// Per-call options; the default follows the client's configuration.
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    allow_billable_retries: bool,
    call_timeout: Option<Option<Duration>>,
    retry: Option<RetryPolicy>,
}

impl CallOptions {
    /// Options that follow the client's configuration, as a constant (a generated `send` passes
    /// a reference to it).
    pub const DEFAULT: CallOptions = CallOptions::new();

    /// Options that follow the client's configuration (same as `Default`).
    pub const fn new() -> Self {
        Self {
            allow_billable_retries: false,
            call_timeout: None,
            retry: None,
        }
    }

    /// The caller's explicit opt-in to re-send a billable or non-idempotent request after an
    /// ambiguous failure (timeout, dropped connection, 502/503/504), accepting that the
    /// server may process (and bill) it more than once.
    pub fn with_allow_billable_retries(mut self, allow: bool) -> Self {
        self.allow_billable_retries = allow;
        self
    }

    /// Overrides the client's overall call timeout for this call (`None`: no limit).
    pub fn with_call_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.call_timeout = Some(timeout);
        self
    }

    /// Overrides the client's retry policy for this call.
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Whether billable or non-idempotent requests may be re-sent after ambiguous failures.
    pub fn allow_billable_retries(&self) -> bool {
        self.allow_billable_retries
    }

    /// The call timeout override: `None` follows the client, `Some(None)` means no limit.
    pub fn call_timeout(&self) -> Option<Option<Duration>> {
        self.call_timeout
    }

    /// The retry policy override, if any.
    pub fn retry_policy(&self) -> Option<&RetryPolicy> {
        self.retry.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GET: OperationMeta = OperationMeta {
        operation_id: "getThing",
        method: "GET",
        path: "/things/{id}",
        billable: false,
        idempotent: true,
        streams_body: false,
        security: &[],
        errors: &[
            ErrorDoc::range(4, "Client error"),
            ErrorDoc::code(404, "No such thing"),
            ErrorDoc::default_response("Anything else"),
            ErrorDoc::code(410, ""),
        ],
    };

    #[test]
    fn error_descriptions_follow_the_variant_order() {
        let status = |code| reqwest::StatusCode::from_u16(code).unwrap();
        assert_eq!(GET.error_description(status(404)), Some("No such thing"));
        assert_eq!(GET.error_description(status(400)), Some("Client error"));
        assert_eq!(GET.error_description(status(500)), Some("Anything else"));
        assert_eq!(GET.error_description(status(410)), None, "empty is none");
        let bare = OperationMeta { errors: &[], ..GET };
        assert_eq!(bare.error_description(status(404)), None);
    }

    #[test]
    fn documented_retryable_statuses_are_transient_for_their_operation_only() {
        use crate::FailureClass;
        let status = |code| reqwest::StatusCode::from_u16(code).unwrap();
        const POLL: OperationMeta = OperationMeta {
            errors: &[
                ErrorDoc::code(500, "Internal error; retry").retryable(),
                ErrorDoc::range(4, "Client error"),
            ],
            ..GET
        };
        assert!(POLL.is_retryable_status(status(500)));
        assert_eq!(POLL.classify_status(status(500)), FailureClass::Ambiguous);
        assert!(!GET.is_retryable_status(status(500)));
        assert_eq!(GET.classify_status(status(500)), FailureClass::Permanent);
        // The fixed transient statuses keep their class; others stay permanent.
        assert_eq!(POLL.classify_status(status(429)), FailureClass::Throttled);
        assert_eq!(POLL.classify_status(status(503)), FailureClass::Ambiguous);
        assert_eq!(POLL.classify_status(status(404)), FailureClass::Permanent);
        assert!(!POLL.is_retryable_status(status(404)));
    }

    #[test]
    fn safe_to_repeat() {
        assert!(GET.safe_to_repeat());
        assert!(
            !OperationMeta {
                billable: true,
                ..GET
            }
            .safe_to_repeat()
        );
        assert!(
            !OperationMeta {
                idempotent: false,
                streams_body: false,
                ..GET
            }
            .safe_to_repeat()
        );
    }

    #[test]
    fn call_options() {
        let o = CallOptions::default();
        assert!(!o.allow_billable_retries());
        assert_eq!(o.call_timeout(), None);
        assert!(o.retry_policy().is_none());
        let o = o
            .with_allow_billable_retries(true)
            .with_call_timeout(None)
            .with_retry_policy(RetryPolicy::none());
        assert!(o.allow_billable_retries());
        assert_eq!(o.call_timeout(), Some(None));
        assert_eq!(o.retry_policy().map(|r| r.max_attempts()), Some(1));
    }
}
