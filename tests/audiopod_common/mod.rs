//! Helpers for the AudioPod client's end-to-end tests: clients for each auth scheme, a
//! `multipart/form-data` parser for recorded request bodies, and a clock that holds a retry
//! until the test has prepared the next attempt.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use audiopod_client::{Client, ClientConfig, Credential, RetryPolicy};
use clientgen_runtime::Clock;
use clientgen_testkit::{Recorded, TestServer};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::Notify;

/// A distinctive key: if it shows up in any printed text, the text leaks the credential.
pub const KEY: &str = "ap-test-SECRET-123";

/// The two security schemes of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `ApiKeyHeader`: `X-API-Key: <key>`.
    ApiKey,
    /// `BearerAuth`: `Authorization: Bearer <key>`.
    Bearer,
}

pub const SCHEMES: [Scheme; 2] = [Scheme::ApiKey, Scheme::Bearer];

impl Scheme {
    pub fn credential(self) -> Credential {
        match self {
            Scheme::ApiKey => Client::api_key_header_credential(KEY),
            Scheme::Bearer => Client::bearer_auth_credential(KEY),
        }
        .expect("valid test key")
    }

    /// Asserts that `request` carries the credential in this scheme's place, and only there.
    pub fn assert_sent(self, request: &Recorded) {
        match self {
            Scheme::ApiKey => {
                assert_eq!(request.header("x-api-key"), Some(KEY), "{}", request.target);
                assert_eq!(request.header("authorization"), None, "{}", request.target);
            }
            Scheme::Bearer => {
                let expected = format!("Bearer {KEY}");
                assert_eq!(
                    request.header("authorization"),
                    Some(expected.as_str()),
                    "{}",
                    request.target
                );
                assert_eq!(request.header("x-api-key"), None, "{}", request.target);
            }
        }
    }
}

/// Asserts that a request carries no credential at all.
pub fn assert_no_credential(request: &Recorded) {
    assert_eq!(request.header("x-api-key"), None, "{}", request.target);
    assert_eq!(request.header("authorization"), None, "{}", request.target);
    assert!(!request.target.contains(KEY), "{}", request.target);
}

/// A configuration for `base_url` with `scheme`'s credential and a single attempt per call.
pub fn config(base_url: &str, scheme: Scheme) -> ClientConfig {
    ClientConfig::new(base_url)
        .expect("valid base URL")
        .with_credential(scheme.credential())
        .with_retry_policy(RetryPolicy::none())
}

/// A client of `server` authenticated with `scheme`, making one attempt per call.
pub fn client(server: &TestServer, scheme: Scheme) -> Client {
    Client::from_config(config(&server.url(), scheme)).expect("client builds")
}

/// Panics if `text` contains the test key.
pub fn assert_no_key(what: &str, text: &str) {
    assert!(!text.contains(KEY), "{what} leaks the key: {text}");
}

/// Asserts that neither the Display nor the Debug text of `value` contains the key.
pub fn assert_printing_hides_key<T: std::fmt::Display + std::fmt::Debug>(value: &T) {
    assert_no_key("Display", &value.to_string());
    assert_no_key("Debug", &format!("{value:?}"));
    assert_no_key("Debug (alternate)", &format!("{value:#?}"));
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormPart {
    pub name: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

impl FormPart {
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.data).expect("text part is UTF-8")
    }
}

/// Parses a recorded `multipart/form-data` request: the boundary comes from its content type.
pub fn parse_form(request: &Recorded) -> Vec<FormPart> {
    let content_type = request
        .header("content-type")
        .expect("multipart request has a content type");
    parse_multipart(content_type, &request.body)
}

/// Parses a `multipart/form-data` body (RFC 7578) given the request's content type.
pub fn parse_multipart(content_type: &str, body: &[u8]) -> Vec<FormPart> {
    let (essence, params) = content_type
        .split_once(';')
        .expect("content type has parameters");
    assert_eq!(essence.trim(), "multipart/form-data");
    let boundary = params
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .next()
        .expect("content type names a boundary")
        .trim_matches('"');
    let delimiter = format!("--{boundary}").into_bytes();
    let mut rest = body
        .strip_prefix(delimiter.as_slice())
        .expect("body starts with the first delimiter");
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            // The close delimiter; only an optional CRLF may follow.
            assert!(
                matches!(&rest[2..], b"" | b"\r\n"),
                "data after the close delimiter"
            );
            return parts;
        }
        rest = rest.strip_prefix(b"\r\n").expect("CRLF after a delimiter");
        let head_end = find(rest, b"\r\n\r\n").expect("part headers end");
        let head = std::str::from_utf8(&rest[..head_end]).expect("part headers are UTF-8");
        let after_head = &rest[head_end + 4..];
        let mut next = b"\r\n".to_vec();
        next.extend_from_slice(&delimiter);
        let data_end = find(after_head, &next).expect("part is followed by a delimiter");
        parts.push(part_from(head, after_head[..data_end].to_vec()));
        rest = &after_head[data_end + next.len()..];
    }
}

fn part_from(head: &str, data: Vec<u8>) -> FormPart {
    let mut name = None;
    let mut file_name = None;
    let mut content_type = None;
    for line in head.split("\r\n") {
        let (header, value) = line.split_once(':').expect("part header has a colon");
        match header.trim().to_ascii_lowercase().as_str() {
            "content-disposition" => {
                let mut fields = value.split(';').map(str::trim);
                assert_eq!(fields.next(), Some("form-data"));
                for field in fields {
                    let (key, quoted) = field.split_once('=').expect("disposition parameter");
                    let unquoted = quoted
                        .strip_prefix('"')
                        .and_then(|q| q.strip_suffix('"'))
                        .expect("quoted parameter")
                        .replace("\\\"", "\"")
                        .replace("\\\\", "\\");
                    match key {
                        "name" => name = Some(unquoted),
                        "filename" => file_name = Some(unquoted),
                        other => panic!("unexpected disposition parameter {other}"),
                    }
                }
            }
            "content-type" => content_type = Some(value.trim().to_owned()),
            other => panic!("unexpected part header {other}"),
        }
    }
    FormPart {
        name: name.expect("part has a name"),
        file_name,
        content_type,
        data,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The names of a form's parts, in order.
pub fn names(parts: &[FormPart]) -> Vec<&str> {
    parts.iter().map(|p| p.name.as_str()).collect()
}

/// The one part called `name`.
pub fn part<'a>(parts: &'a [FormPart], name: &str) -> &'a FormPart {
    let mut found = parts.iter().filter(|p| p.name == name);
    let first = found.next().unwrap_or_else(|| panic!("no part {name}"));
    assert!(found.next().is_none(), "part {name} sent twice");
    first
}

/// A clock whose sleeps (the waits between attempts) do not finish until the test calls
/// [`GateClock::resume`], so that a test can change the world between two attempts.
#[derive(Debug, Default)]
pub struct GateClock {
    sleeps: Mutex<Vec<Duration>>,
    sleeping: Notify,
    resume: Arc<Notify>,
}

impl GateClock {
    /// Every sleep so far.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().unwrap().clone()
    }

    /// Waits until a call is sleeping before a retry.
    pub async fn retrying(&self) {
        self.sleeping.notified().await;
    }

    /// Lets the sleeping call make its next attempt.
    pub fn resume(&self) {
        self.resume.notify_one();
    }
}

impl Clock for GateClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        self.sleeps.lock().unwrap().push(duration);
        self.sleeping.notify_one();
        let resume = self.resume.clone();
        Box::pin(async move { resume.notified().await })
    }
}

/// A port on 127.0.0.1 that refuses connections until [`RefusingPort::listen`]: its socket is
/// bound, so no other test can take the port, but not listening.
pub struct RefusingPort {
    socket: TcpSocket,
    pub port: u16,
}

impl RefusingPort {
    pub fn new() -> Self {
        let socket = TcpSocket::new_v4().expect("socket");
        socket
            .bind(([127, 0, 0, 1], 0).into())
            .expect("bind 127.0.0.1");
        let port = socket.local_addr().expect("local address").port();
        Self { socket, port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts accepting connections on the port.
    pub fn listen(self) -> TcpListener {
        self.socket.listen(16).expect("listen")
    }
}
