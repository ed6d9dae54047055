//! Helpers shared by the end-to-end tests of the generated clients: a distinctive test key,
//! request inspection, secret-leak checks, and the environment-variable lock.

// Each test binary compiles its own copy of this module and uses a different subset of it.
#![allow(dead_code)]

use std::error::Error as StdError;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use clientgen_runtime::{ClientConfig, RetryPolicy};
use clientgen_testkit::{Recorded, Reply, TestServer};

/// A key that is easy to spot wherever it leaks.
pub const SECRET: &str = "sk-test-SECRET-123";

/// A body far above [`clientgen_runtime::MAX_ERROR_BODY_BYTES`].
pub const TEN_MB: usize = 10 * 1024 * 1024;

/// A configuration for a local test server: one attempt per call, so that every error comes
/// back at once, and a per-attempt timeout that bounds a broken test.
pub fn local_config(base_url: &str) -> ClientConfig {
    ClientConfig::new(base_url)
        .expect("test server URL is a valid base URL")
        .with_retry_policy(RetryPolicy::none())
        .with_attempt_timeout(Duration::from_secs(10))
}

/// A server that answers successive requests with `replies`, in order. Tables of cases share
/// one server and one client: building a client costs far more than a request.
pub async fn scripted(replies: impl IntoIterator<Item = Reply>) -> TestServer {
    TestServer::start(replies.into_iter().map(Into::into).collect()).await
}

/// The path of a recorded request target, without its query.
pub fn path(request: &Recorded) -> &str {
    request
        .target
        .split_once('?')
        .map_or(request.target.as_str(), |(path, _)| path)
}

/// The raw query string of a recorded request target (empty if there is none).
pub fn raw_query(request: &Recorded) -> &str {
    request
        .target
        .split_once('?')
        .map_or("", |(_, query)| query)
}

/// The decoded query pairs of a recorded request, in order.
pub fn query_pairs(request: &Recorded) -> Vec<(String, String)> {
    let url = reqwest::Url::parse(&format!("http://host{}", request.target))
        .expect("recorded target parses");
    url.query_pairs()
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

/// Owned `(name, value)` pairs, for comparing with [`query_pairs`].
pub fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

/// The request body parsed as JSON.
pub fn json_body(request: &Recorded) -> serde_json::Value {
    serde_json::from_slice(&request.body).expect("request body is JSON")
}

/// Fails if `text` contains the test key.
pub fn assert_no_secret(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} leaks the API key: {text}");
}

/// Fails if the error or anything in its `source()` chain shows the test key in `Display` or
/// `Debug` (normal and alternate).
pub fn assert_error_secret_free(error: &(dyn StdError + 'static)) {
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(e) = current {
        assert_no_secret("error Display", &e.to_string());
        assert_no_secret("error Debug", &format!("{e:?}"));
        assert_no_secret("error Debug (alternate)", &format!("{e:#?}"));
        current = e.source();
    }
}

/// Serialises the tests that change process-wide environment variables.
static ENV_LOCK: Mutex<()> = Mutex::new(());

/// Takes the environment lock (a test that panicked while holding it does not poison it for
/// the others).
pub fn env_lock() -> MutexGuard<'static, ()> {
    ENV_LOCK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Sets (or with `None` removes) an environment variable for the life of the guard, restoring
/// the previous value when dropped. Hold [`env_lock`] while it lives.
pub struct EnvVarGuard {
    name: &'static str,
    previous: Option<std::ffi::OsString>,
}

impl EnvVarGuard {
    pub fn set(name: &'static str, value: Option<&str>) -> Self {
        let previous = std::env::var_os(name);
        write_env(name, value.map(std::ffi::OsStr::new));
        Self { name, previous }
    }
}

impl Drop for EnvVarGuard {
    fn drop(&mut self) {
        write_env(self.name, self.previous.as_deref());
    }
}

fn write_env(name: &str, value: Option<&std::ffi::OsStr>) {
    // SAFETY: only the tests of this binary that hold `ENV_LOCK` write the environment, and
    // the variables they touch are read by nothing else in the process; other readers go
    // through std's own environment lock.
    unsafe {
        match value {
            Some(value) => std::env::set_var(name, value),
            None => std::env::remove_var(name),
        }
    }
}
