//! Client configuration: base URL, credential, timeouts, retry policy, and the HTTP client.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::redirect;

use crate::auth::Credential;
use crate::clock::{Clock, TokioClock};
use crate::operation::OperationMeta;
use crate::retry::RetryPolicy;

/// The most redirects followed for one request.
pub const MAX_REDIRECTS: usize = 10;

/// The default `User-Agent`: `clientgen-runtime/<version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("clientgen-runtime/", env!("CARGO_PKG_VERSION"));

/// Configuration shared by every call of a generated client.
///
/// Cheap to clone. `Debug` shows the credential's scheme and placement, never its value.
#[derive(Clone)]
pub struct ClientConfig {
    base_url: String,
    base: Url,
    credential: Option<Credential>,
    retry: RetryPolicy,
    attempt_timeout: Duration,
    call_timeout: Option<Duration>,
    connect_timeout: Duration,
    user_agent: String,
    clock: Arc<dyn Clock>,
}

impl ClientConfig {
    /// The default per-attempt timeout (30 s).
    pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
    /// The default overall call timeout, covering every attempt and the waits between them
    /// (120 s).
    pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(120);
    /// The default TCP/TLS connect timeout (10 s).
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

    /// A configuration for the API at `base_url`, with no credential and default timeouts,
    /// retry policy and clock.
    ///
    /// The base URL must be an absolute `http` or `https` URL without a query, fragment or
    /// password; a trailing slash is removed. Anything else is
    /// [`ConfigError::InvalidBaseUrl`].
    pub fn new(base_url: impl AsRef<str>) -> Result<Self, ConfigError> {
        let (base_url, base) = validate_base_url(base_url.as_ref())?;
        Ok(Self {
            base_url,
            base,
            credential: None,
            retry: RetryPolicy::default(),
            attempt_timeout: Self::DEFAULT_ATTEMPT_TIMEOUT,
            call_timeout: Some(Self::DEFAULT_CALL_TIMEOUT),
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            clock: Arc::new(TokioClock),
        })
    }

    /// Replaces the base URL (validated as in [`ClientConfig::new`]).
    pub fn with_base_url(mut self, base_url: impl AsRef<str>) -> Result<Self, ConfigError> {
        let (base_url, base) = validate_base_url(base_url.as_ref())?;
        self.base_url = base_url;
        self.base = base;
        Ok(self)
    }

    /// Sets the credential sent to operations that require its scheme.
    pub fn with_credential(mut self, credential: Credential) -> Self {
        self.credential = Some(credential);
        self
    }

    /// Removes the credential.
    pub fn without_credential(mut self) -> Self {
        self.credential = None;
        self
    }

    /// Sets the retry policy used by every call that does not override it.
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the timeout of one attempt (sending the request and reading the whole response).
    pub fn with_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Sets the overall timeout of a call, covering every attempt and the waits between them;
    /// `None` means no overall limit.
    pub fn with_call_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// Sets the connect timeout of the HTTP client built by
    /// [`ClientConfig::build_http_client`].
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the `User-Agent` of the HTTP client built by [`ClientConfig::build_http_client`].
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Sets the clock used for call deadlines and the waits between attempts (see
    /// [`ManualClock`](crate::ManualClock) for tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The credential, if any.
    pub fn credential(&self) -> Option<&Credential> {
        self.credential.as_ref()
    }

    /// The default retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The timeout of one attempt.
    pub fn attempt_timeout(&self) -> Duration {
        self.attempt_timeout
    }

    /// The overall timeout of a call, if any.
    pub fn call_timeout(&self) -> Option<Duration> {
        self.call_timeout
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The `User-Agent`.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Builds the HTTP client for this configuration: connect timeout, `User-Agent`, no
    /// `Referer`, and a redirect policy that follows at most [`MAX_REDIRECTS`] redirects and
    /// stops (returning the 3xx response) at any redirect to another origin (scheme, host and
    /// port) than the request's first URL, so that a credential in a custom header or in the
    /// query is only ever sent to the configured origin.
    ///
    /// The TLS backend is whatever the final binary enables on `reqwest`.
    pub fn build_http_client(&self) -> Result<reqwest::Client, ConfigError> {
        reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent.as_str())
            .referer(false)
            .redirect(same_origin_redirect_policy())
            .build()
            .map_err(|e| ConfigError::HttpClient(e.without_url()))
    }

    /// Prepares one attempt of an operation, just before it is sent: checks the path, sets the
    /// per-attempt timeout on the request if the operation streams its body (otherwise
    /// [`send`](crate::send()) times the attempt) and applies the credential.
    ///
    /// A path parameter that is empty, `.` or `..` makes the URL name another resource once
    /// dot segments are resolved (`DELETE /keys/..` would go to `DELETE /`), so such a request
    /// is refused with [`ConfigError::InvalidPathParameter`] before it is sent.
    ///
    /// The credential is applied only if `op.security` names its scheme (an empty list means
    /// the operation takes no authentication) and only if the request goes to the origin of the
    /// base URL.
    pub fn prepare(
        &self,
        request: &mut reqwest::Request,
        op: &OperationMeta,
    ) -> Result<(), ConfigError> {
        self.check_path(request.url(), op)?;
        if op.streams_body {
            // `send` times the attempt itself, up to the response's head; the body of a stream
            // is read after the call returns, so the request carries the timeout too.
            *request.timeout_mut() = Some(self.attempt_timeout);
        }
        if let Some(credential) = &self.credential {
            let wanted = op.security.iter().any(|s| *s == credential.scheme());
            if wanted && same_origin(request.url(), &self.base) {
                credential.apply(request);
            }
        }
        Ok(())
    }

    /// Whether `url` has the same origin (scheme, host, port) as the base URL.
    pub fn is_same_origin(&self, url: &Url) -> bool {
        same_origin(url, &self.base)
    }

    /// Checks that `url`, below the base URL's path, still has one segment per segment of the
    /// operation's path template, and no empty segment where the template has a parameter.
    fn check_path(&self, url: &Url, op: &OperationMeta) -> Result<(), ConfigError> {
        let base_path = self.base.path().trim_end_matches('/');
        let Some(rest) = url.path().strip_prefix(base_path) else {
            return Ok(());
        };
        if same_path_shape(rest.as_bytes(), op.path.as_bytes()) {
            Ok(())
        } else {
            Err(ConfigError::InvalidPathParameter {
                operation_id: op.operation_id,
                template: op.path,
            })
        }
    }
}

/// Whether `path` has as many `/`-separated segments as `template`, none of them empty where the
/// template's segment holds a parameter. One pass over both, without iterator state (this runs
/// on every request).
fn same_path_shape(mut path: &[u8], mut template: &[u8]) -> bool {
    loop {
        let path_end = path.iter().position(|&b| b == b'/');
        let template_end = template.iter().position(|&b| b == b'/');
        let segment = &path[..path_end.unwrap_or(path.len())];
        let pattern = &template[..template_end.unwrap_or(template.len())];
        if segment.is_empty() && pattern.contains(&b'{') {
            return false;
        }
        match (path_end, template_end) {
            (Some(p), Some(t)) => {
                path = &path[p + 1..];
                template = &template[t + 1..];
            }
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// Whether `a` and `b` have the same origin, as [`Url::origin`] defines it (scheme, host and
/// port, the port defaulted by scheme; URLs of other schemes than the hierarchical web ones have
/// an opaque origin, equal to nothing), without building the two `Origin` values.
fn same_origin(a: &Url, b: &Url) -> bool {
    matches!(a.scheme(), "http" | "https" | "ws" | "wss" | "ftp")
        && a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}

fn same_origin_redirect_policy() -> redirect::Policy {
    redirect::Policy::custom(|attempt| {
        // `previous` holds the first URL and every URL already redirected to.
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(format!("too many redirects (more than {MAX_REDIRECTS})"));
        }
        let stays = attempt
            .previous()
            .first()
            .is_some_and(|first| same_origin(first, attempt.url()));
        if stays {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

fn validate_base_url(input: &str) -> Result<(String, Url), ConfigError> {
    let trimmed = input.trim();
    let invalid = |reason: &str| ConfigError::InvalidBaseUrl {
        url: redact_url_text(trimmed),
        reason: reason.to_owned(),
    };
    let url = Url::parse(trimmed).map_err(|e| invalid(&e.to_string()))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(invalid("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the URL has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("the URL must not have a query or a fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("the URL must not contain a user name or password"));
    }
    let text = url.as_str().trim_end_matches('/').to_owned();
    Ok((text, url))
}

/// Drops anything after `?` or `#` and any user info, so that an error never repeats a key.
fn redact_url_text(input: &str) -> String {
    if let Ok(mut url) = Url::parse(input) {
        url.set_query(None);
        url.set_fragment(None);
        let _ = url.set_password(None);
        let _ = url.set_username("");
        return url.to_string();
    }
    let cut = input.find(['?', '#', '@']).unwrap_or(input.len());
    let mut text: String = input[..cut].chars().take(200).collect();
    if cut < input.len() {
        text.push_str("...");
    }
    text
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("credential", &self.credential)
            .field("retry", &self.retry)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("call_timeout", &self.call_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field("clock", &self.clock)
            .finish()
    }
}

/// An error in the client's configuration.
///
/// Messages name environment variables and schemes but never contain a credential value.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// The environment variable holding the credential is not set.
    MissingEnvVar {
        /// The variable's name.
        var: &'static str,
    },
    /// The environment variable holding the credential is empty or only whitespace.
    EmptyEnvVar {
        /// The variable's name.
        var: &'static str,
    },
    /// The base URL is not an absolute http(s) URL without query, fragment or password.
    InvalidBaseUrl {
        /// The URL as given, without query, fragment or user info.
        url: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A credential cannot be used (for example a key that is not a valid header value).
    InvalidCredential {
        /// The security scheme's name.
        scheme: String,
        /// Why it was rejected (never the value itself).
        reason: String,
    },
    /// The HTTP client could not be built.
    HttpClient(reqwest::Error),
    /// A path parameter is empty, `.` or `..`, so the request would reach another resource
    /// than the operation's path names; it was not sent.
    InvalidPathParameter {
        /// The operation.
        operation_id: &'static str,
        /// Its path template.
        template: &'static str,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::MissingEnvVar { var } => {
                write!(f, "environment variable {var} is not set")
            }
            ConfigError::EmptyEnvVar { var } => write!(f, "environment variable {var} is empty"),
            ConfigError::InvalidBaseUrl { url, reason } => {
                write!(f, "invalid base URL `{url}`: {reason}")
            }
            ConfigError::InvalidCredential { scheme, reason } => {
                write!(
                    f,
                    "invalid credential for security scheme `{scheme}`: {reason}"
                )
            }
            ConfigError::HttpClient(e) => write!(f, "cannot build the HTTP client: {e}"),
            ConfigError::InvalidPathParameter { template, .. } => write!(
                f,
                "a path parameter of `{template}` is empty, `.` or `..`, which would send the \
                 request to another resource"
            ),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::HttpClient(e) => Some(e),
            _ => None,
        }
    }
}

impl ConfigError {
    /// Converts this error into the error of one attempt
    /// (`progenitor_client::Error::Custom`), for an attempt that [`prepare`] refused.
    ///
    /// [`prepare`]: ClientConfig::prepare
    pub fn into_client_error<E>(self) -> progenitor_client::Error<E> {
        progenitor_client::Error::Custom(self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OP_AUTH: OperationMeta = OperationMeta {
        operation_id: "listThings",
        method: "GET",
        path: "/things",
        billable: false,
        idempotent: true,
        streams_body: false,
        security: &["ApiKeyHeader"],
        errors: &[],
    };
    const OP_NO_AUTH: OperationMeta = OperationMeta {
        security: &[],
        ..OP_AUTH
    };
    const OP_OTHER_AUTH: OperationMeta = OperationMeta {
        security: &["OtherScheme"],
        ..OP_AUTH
    };

    fn config() -> ClientConfig {
        ClientConfig::new("https://api.example.com/v1/")
            .unwrap()
            .with_credential(
                Credential::api_key_header("ApiKeyHeader", "x-api-key", "the-key").unwrap(),
            )
    }

    fn request(url: &str) -> reqwest::Request {
        reqwest::Request::new(reqwest::Method::GET, Url::parse(url).unwrap())
    }

    #[test]
    fn same_origin_agrees_with_url_origin() {
        let urls = [
            "https://api.example.com/v1/",
            "https://api.example.com:443/other",
            "https://API.example.com/v1/",
            "https://api.example.com:8443/v1/",
            "http://api.example.com/v1/",
            "http://api.example.com:443/v1/",
            "https://example.com/v1/",
            "https://[::1]/v1/",
            "https://127.0.0.1/v1/",
            "wss://api.example.com/",
            "ftp://api.example.com/",
            "file:///tmp/x",
            "data:text/plain,x",
        ];
        for a in urls {
            for b in urls {
                let (a, b) = (Url::parse(a).unwrap(), Url::parse(b).unwrap());
                assert_eq!(same_origin(&a, &b), a.origin() == b.origin(), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn base_url_validation() {
        assert_eq!(
            ClientConfig::new("https://api.example.com/v1/")
                .unwrap()
                .base_url(),
            "https://api.example.com/v1"
        );
        assert_eq!(
            ClientConfig::new("http://127.0.0.1:8080")
                .unwrap()
                .base_url(),
            "http://127.0.0.1:8080"
        );
        for bad in [
            "",
            "not a url",
            "ftp://example.com",
            "/relative/path",
            "https://example.com/?api_key=secret",
            "https://user:secret@example.com/",
            "https://example.com/#frag",
        ] {
            let err = ClientConfig::new(bad).unwrap_err();
            assert!(matches!(err, ConfigError::InvalidBaseUrl { .. }), "{bad}");
            assert!(!err.to_string().contains("secret"), "{err}");
        }
    }

    #[test]
    fn defaults() {
        let c = ClientConfig::new("https://api.example.com").unwrap();
        assert_eq!(c.attempt_timeout(), Duration::from_secs(30));
        assert_eq!(c.call_timeout(), Some(Duration::from_secs(120)));
        assert_eq!(c.connect_timeout(), Duration::from_secs(10));
        assert!(c.user_agent().starts_with("clientgen-runtime/"));
        assert!(c.credential().is_none());
    }

    #[test]
    fn prepare_applies_credential_only_when_required_and_same_origin() {
        let c = config();
        let mut req = request("https://api.example.com/v1/things");
        c.prepare(&mut req, &OP_AUTH).unwrap();
        assert_eq!(req.headers().get("x-api-key").unwrap(), "the-key");
        // `send` times the attempt; only a streamed body needs the request to carry it.
        assert_eq!(req.timeout(), None);
        let streams = OperationMeta {
            streams_body: true,
            ..OP_AUTH
        };
        let mut streamed = request("https://api.example.com/v1/things");
        c.prepare(&mut streamed, &streams).unwrap();
        assert_eq!(streamed.timeout(), Some(&Duration::from_secs(30)));

        let mut req = request("https://api.example.com/v1/things");
        c.prepare(&mut req, &OP_NO_AUTH).unwrap();
        assert!(req.headers().get("x-api-key").is_none());

        let mut req = request("https://api.example.com/v1/things");
        c.prepare(&mut req, &OP_OTHER_AUTH).unwrap();
        assert!(req.headers().get("x-api-key").is_none());

        for other in [
            "https://evil.example.com/v1/things",
            "http://api.example.com/v1/things",
            "https://api.example.com:8443/v1/things",
        ] {
            let mut req = request(other);
            c.prepare(&mut req, &OP_AUTH).unwrap();
            assert!(req.headers().get("x-api-key").is_none(), "{other}");
        }
        // Explicit default port is the same origin.
        let mut req = request("https://api.example.com:443/v1/things");
        c.prepare(&mut req, &OP_AUTH).unwrap();
        assert!(req.headers().get("x-api-key").is_some());
    }

    #[test]
    fn prepare_refuses_path_parameters_that_change_the_resource() {
        let c = config();
        let op = OperationMeta {
            path: "/keys/{key_id}",
            ..OP_AUTH
        };
        for ok in [
            "keys/abc",
            "keys/a%2Fb",
            "keys/%252e%252e",
            "keys/...",
            "keys/.a",
        ] {
            let mut req = request(&format!("https://api.example.com/v1/{ok}"));
            c.prepare(&mut req, &op).expect(ok);
        }
        // `Url` resolves `.` and `..` (also percent-encoded) as the request is built.
        for bad in ["keys/..", "keys/.", "keys/", "keys/%2e%2E", "keys/a/.."] {
            let mut req = request(&format!("https://api.example.com/v1/{bad}"));
            let err = c.prepare(&mut req, &op).unwrap_err();
            assert!(
                matches!(
                    err,
                    ConfigError::InvalidPathParameter {
                        operation_id: "listThings",
                        template: "/keys/{key_id}"
                    }
                ),
                "{bad}: {err:?}"
            );
            assert!(req.headers().get("x-api-key").is_none(), "{bad}");
        }
    }

    #[test]
    fn path_shape_agrees_with_a_segment_by_segment_comparison() {
        fn by_segments(path: &str, template: &str) -> bool {
            path.split('/').count() == template.split('/').count()
                && path
                    .split('/')
                    .zip(template.split('/'))
                    .all(|(segment, pattern)| !(segment.is_empty() && pattern.contains('{')))
        }
        let paths = [
            "", "/", "//", "/a", "/a/", "/a/b", "/a//b", "/keys/", "/keys/x", "/{", "/x/y/z",
        ];
        let templates = [
            "",
            "/",
            "/a",
            "/{id}",
            "/a/{id}",
            "/keys/{key_id}",
            "/{a}/{b}",
            "/a/b/c",
            "/x{y}/z",
            "/{a}//{b}",
        ];
        for path in paths {
            for template in templates {
                assert_eq!(
                    same_path_shape(path.as_bytes(), template.as_bytes()),
                    by_segments(path, template),
                    "{path:?} against {template:?}"
                );
            }
        }
    }

    #[test]
    fn debug_never_shows_the_key() {
        let c = config();
        let debug = format!("{c:?} {c:#?}");
        assert!(!debug.contains("the-key"), "{debug}");
        assert!(debug.contains("ApiKeyHeader"));
    }

    #[test]
    fn builds_client() {
        assert!(config().build_http_client().is_ok());
    }

    #[test]
    fn invalid_user_agent_is_an_error() {
        let err = config()
            .with_user_agent("bad\nagent")
            .build_http_client()
            .unwrap_err();
        assert!(matches!(err, ConfigError::HttpClient(_)));
    }
}
