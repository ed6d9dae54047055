//! Receiving webhooks: the request an API sends to a URL of the caller's (an OpenAPI callback
//! or webhook), checked and decoded.
//!
//! A generated crate has one function per documented callback or webhook in its `webhooks`
//! module. It takes what any HTTP server hands a handler, the request's headers
//! ([`HeaderMap`], the `http` crate's type, which axum, hyper and reqwest share) and its body
//! as bytes, and calls the functions here in order: [`check_authorization`] (the header the
//! API sends back must equal the secret the caller gave it, compared in constant time),
//! [`check_event`] (the event named in the body must be one the description documents), and
//! [`decode`] (the body as its documented type). Each failure is a [`WebhookError`] that says
//! which answer to give ([`WebhookError::status`]) and keeps what was received.

use std::fmt;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The request headers of a received webhook (`http::HeaderMap`).
pub use reqwest::header::HeaderMap;

use crate::error::MAX_ERROR_BODY_BYTES;

/// Why a received webhook was refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebhookError {
    /// The request carries no authorization header (or an empty one).
    MissingAuthorization {
        /// The header the description says carries it.
        header: &'static str,
    },
    /// The authorization header does not hold the expected value. The value received is not
    /// kept: it may be someone else's secret.
    WrongAuthorization {
        /// The header the description says carries it.
        header: &'static str,
    },
    /// The body is not the documented JSON.
    MalformedBody {
        /// Why it does not decode.
        source: serde_json::Error,
        /// The body as received (at most [`MAX_ERROR_BODY_BYTES`]).
        body: Bytes,
    },
    /// The body names an event the description does not document.
    UnknownEvent {
        /// The event named (the value at the event's pointer, as text; empty when absent).
        event: String,
        /// The body as received (at most [`MAX_ERROR_BODY_BYTES`]).
        body: Bytes,
    },
}

impl WebhookError {
    /// The status a receiver answers with: 401 for a missing or wrong authorization, 400 for a
    /// malformed body, 422 for an unknown event.
    pub fn status(&self) -> u16 {
        match self {
            WebhookError::MissingAuthorization { .. } | WebhookError::WrongAuthorization { .. } => {
                401
            }
            WebhookError::MalformedBody { .. } => 400,
            WebhookError::UnknownEvent { .. } => 422,
        }
    }

    /// The body as received, for a malformed body or an unknown event.
    pub fn body(&self) -> Option<&Bytes> {
        match self {
            WebhookError::MalformedBody { body, .. } | WebhookError::UnknownEvent { body, .. } => {
                Some(body)
            }
            _ => None,
        }
    }
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookError::MissingAuthorization { header } => {
                write!(f, "webhook refused: no `{header}` header")
            }
            WebhookError::WrongAuthorization { header } => {
                write!(
                    f,
                    "webhook refused: the `{header}` header does not hold the expected value"
                )
            }
            WebhookError::MalformedBody { source, body } => write!(
                f,
                "webhook refused: its body ({} bytes) does not decode: {source}",
                body.len()
            ),
            WebhookError::UnknownEvent { event, .. } => {
                write!(f, "webhook refused: undocumented event `{event}`")
            }
        }
    }
}

impl std::error::Error for WebhookError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WebhookError::MalformedBody { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Whether `received` equals `expected`, in a time that depends on `expected`'s length only:
/// every byte of `expected` is compared, whatever `received` holds, and no comparison ends
/// early, so the time taken does not tell an attacker how much of a guess was right.
pub fn constant_time_eq(received: &[u8], expected: &[u8]) -> bool {
    let mut difference = u8::from(received.len() != expected.len());
    for (i, e) in expected.iter().enumerate() {
        let r = received.get(i).copied().unwrap_or(!*e);
        difference |= std::hint::black_box(r ^ e);
    }
    std::hint::black_box(difference) == 0
}

/// Checks that `header` holds exactly `expected` (compared with [`constant_time_eq`]).
pub fn check_authorization(
    headers: &HeaderMap,
    header: &'static str,
    expected: &str,
) -> Result<(), WebhookError> {
    let Some(value) = headers.get(header).filter(|v| !v.is_empty()) else {
        return Err(WebhookError::MissingAuthorization { header });
    };
    if constant_time_eq(value.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(WebhookError::WrongAuthorization { header })
    }
}

fn kept(body: &[u8]) -> Bytes {
    Bytes::copy_from_slice(&body[..body.len().min(MAX_ERROR_BODY_BYTES)])
}

/// Checks that the body names one of `events` at the JSON pointer `pointer`. A body that is not
/// JSON is left to [`decode`], which says why.
pub fn check_event(body: &[u8], pointer: &str, events: &[&str]) -> Result<(), WebhookError> {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Ok(());
    };
    let event = match value.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    if events.contains(&event.as_str()) {
        Ok(())
    } else {
        Err(WebhookError::UnknownEvent {
            event,
            body: kept(body),
        })
    }
}

/// Decodes the body as `T`, keeping the body and the decoder's error when it does not fit.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, WebhookError> {
    serde_json::from_slice(body).map_err(|source| WebhookError::MalformedBody {
        source,
        body: kept(body),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn equal_only_when_every_byte_and_the_length_match() {
        assert!(constant_time_eq(b"Bearer s3cret", b"Bearer s3cret"));
        assert!(!constant_time_eq(b"Bearer s3cres", b"Bearer s3cret"));
        assert!(!constant_time_eq(b"Bearer s3cret!", b"Bearer s3cret"));
        assert!(!constant_time_eq(b"Bearer s3cre", b"Bearer s3cret"));
        assert!(!constant_time_eq(b"", b"x"));
        assert!(constant_time_eq(b"", b""));
        // A received value that is the expected one plus trailing zero bytes is not it.
        assert!(!constant_time_eq(b"ab\0", b"ab"));
    }

    #[test]
    fn the_header_is_required_and_compared() {
        let mut headers = HeaderMap::new();
        let missing = check_authorization(&headers, "authorization", "k").unwrap_err();
        assert!(matches!(
            missing,
            WebhookError::MissingAuthorization {
                header: "authorization"
            }
        ));
        assert_eq!(missing.status(), 401);
        headers.insert("authorization", HeaderValue::from_static(""));
        assert!(matches!(
            check_authorization(&headers, "authorization", "k"),
            Err(WebhookError::MissingAuthorization { .. })
        ));
        headers.insert("authorization", HeaderValue::from_static("wrong"));
        let wrong = check_authorization(&headers, "authorization", "k").unwrap_err();
        assert!(matches!(wrong, WebhookError::WrongAuthorization { .. }));
        assert!(!wrong.to_string().contains("wrong"), "{wrong}");
        headers.insert("authorization", HeaderValue::from_static("k"));
        assert!(check_authorization(&headers, "authorization", "k").is_ok());
    }

    #[test]
    fn events_and_bodies_are_checked_and_kept() {
        let body = br#"{"status": "Cancelled"}"#;
        match check_event(body, "/status", &["CompletedJob", "Error"]) {
            Err(WebhookError::UnknownEvent { event, body: kept }) => {
                assert_eq!(event, "Cancelled");
                assert_eq!(&kept[..], &body[..]);
            }
            other => panic!("{other:?}"),
        }
        assert!(check_event(br#"{"status": "Error"}"#, "/status", &["Error"]).is_ok());
        assert!(matches!(
            check_event(b"{}", "/status", &["Error"]),
            Err(WebhookError::UnknownEvent { event, .. }) if event.is_empty()
        ));
        // Not JSON: the decoder reports it.
        assert!(check_event(b"not json", "/status", &["Error"]).is_ok());
        let malformed = decode::<serde_json::Map<String, Value>>(b"not json").unwrap_err();
        assert_eq!(malformed.status(), 400);
        assert_eq!(malformed.body().map(|b| &b[..]), Some(&b"not json"[..]));
        assert!(std::error::Error::source(&malformed).is_some());
    }
}
