//! Asynchronous jobs: a handle on a submitted job that polls its status operation until a
//! terminal state.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::FusedStream;
use serde::Serialize;
use serde_json::Value;

use progenitor_client::ResponseValue;

use crate::call::CallError;
use crate::clock::Clock;
use crate::config::ClientConfig;
use crate::error::{ErrorView, InvalidBody, OperationError};

/// How to read a job's state from its status body (from the spec's `x-job`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobSpec {
    /// States that mean "poll again".
    pub pending: &'static [&'static str],
    /// Terminal states that mean success.
    pub succeeded: &'static [&'static str],
    /// Terminal states that mean failure.
    pub failed: &'static [&'static str],
    /// JSON pointer to the state in the status body.
    pub state_pointer: &'static str,
    /// JSON pointer to a progress number (0 to 100) in the status body.
    pub progress_pointer: Option<&'static str>,
    /// JSON pointer to a human-readable failure message in the status body.
    pub error_pointer: Option<&'static str>,
    /// Whether states are compared ignoring ASCII case.
    pub case_insensitive: bool,
    /// JSON pointer to a boolean in the status body that must not be `false` for a succeeded
    /// state to be a success (HuntAPI's `success`).
    pub success_pointer: Option<&'static str>,
    /// What a state in none of the lists means.
    pub unknown_states: UnknownStates,
}

/// What a state the spec does not list means while waiting for a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnknownStates {
    /// Poll again: the default when the spec lists no pending states (every state that is
    /// not terminal is then pending by definition), or when the caller knows better.
    Pending,
    /// End waiting with [`JobError::UnknownState`] (the default when the spec lists the
    /// pending states): a state the vendor added, or one that was never documented, is not
    /// polled for an hour. The handle stays usable: wait again with
    /// [`WaitOptions::with_unknown_states`] to treat such states as pending.
    End,
}

impl JobSpec {
    /// The phase a state means, by the spec's own rule for unknown states.
    pub fn phase_of(&self, state: &str) -> JobPhase {
        self.phase_with(state, self.unknown_states)
    }

    /// The phase a state means, with `unknown` deciding about states in none of the lists.
    pub fn phase_with(&self, state: &str, unknown: UnknownStates) -> JobPhase {
        let matches = |list: &[&str]| {
            list.iter().any(|s| {
                if self.case_insensitive {
                    s.eq_ignore_ascii_case(state)
                } else {
                    *s == state
                }
            })
        };
        if matches(self.succeeded) {
            JobPhase::Succeeded
        } else if matches(self.failed) {
            JobPhase::Failed
        } else if matches(self.pending) || unknown == UnknownStates::Pending {
            JobPhase::Pending
        } else {
            JobPhase::Unknown
        }
    }
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobPhase {
    /// Not finished (a documented pending state, or any state not listed when unknown states
    /// are pending).
    Pending,
    /// Finished successfully.
    Succeeded,
    /// Finished with a failure (a failed state, or a succeeded one whose success flag is
    /// `false`).
    Failed,
    /// A state the spec does not list, where unknown states end waiting
    /// ([`UnknownStates::End`]).
    Unknown,
}

impl JobPhase {
    /// Whether the job has finished.
    pub fn is_terminal(self) -> bool {
        self != JobPhase::Pending
    }
}

/// A kind of job of a generated client: how to poll its status and read its state.
pub trait JobKind: Send + Sync + 'static {
    /// The generated client.
    type Client: Send + Sync;
    /// The status operation's success body.
    type Status: Serialize + serde::de::DeserializeOwned + Clone + Send + Sync + fmt::Debug;
    /// The status operation's error.
    type Error: OperationError;
    /// How to read the state.
    const SPEC: JobSpec;
    /// `x-job.resultsPointer`: where a finished status carries its result's URL (a string) or
    /// URLs by name (an object), if the spec says.
    const RESULTS: Option<&'static str> = None;
    /// The client's configuration (for its clock).
    fn config(client: &Self::Client) -> &ClientConfig;
    /// The client's HTTP client, which downloads results; `None` builds one from the
    /// configuration.
    fn http(_client: &Self::Client) -> Option<&reqwest::Client> {
        None
    }
    /// Calls the status operation once.
    fn poll<'a>(client: &'a Self::Client, job_id: &'a str) -> PollFuture<'a, Self>;
}

/// The future returned by [`JobKind::poll`]: one status call.
pub type PollFuture<'a, K> = Pin<
    Box<dyn Future<Output = Result<<K as JobKind>::Status, <K as JobKind>::Error>> + Send + 'a>,
>;

/// One item of [`JobHandle::updates`]: an update, or the error that ended waiting.
pub type UpdateResult<K> = Result<
    JobUpdate<<K as JobKind>::Status>,
    JobError<<K as JobKind>::Error, <K as JobKind>::Status>,
>;

/// One status poll, interpreted.
#[derive(Debug, Clone, PartialEq)]
pub struct JobUpdate<S> {
    /// The state as reported.
    pub state: String,
    /// What the state means.
    pub phase: JobPhase,
    /// Progress from 0 to 100, if the spec has a progress pointer and the body a number there.
    pub progress: Option<f64>,
    /// The failure message at the spec's error pointer, if any.
    pub message: Option<String>,
    /// The status body.
    pub status: S,
}

/// Why waiting for a job ended without success.
#[derive(Debug)]
pub enum JobError<E, S> {
    /// The job reached a failed state.
    Failed {
        /// The job.
        job_id: String,
        /// The failed state.
        state: String,
        /// The message at the spec's error pointer, if any.
        message: Option<String>,
        /// The last status body.
        status: Box<S>,
    },
    /// The wait deadline passed before a terminal state.
    DeadlineExceeded {
        /// The job, which may still be running: keep the id to resume.
        job_id: String,
        /// Time spent waiting.
        elapsed: Duration,
        /// The last state seen, if any poll succeeded.
        last_state: Option<String>,
    },
    /// A status poll failed with an error that is not transient.
    Poll {
        /// The job.
        job_id: String,
        /// The status operation's error.
        source: E,
    },
    /// The status body did not decode as the status operation documents it: the body as
    /// sent and why it did not decode. The job may still be running: the handle can wait
    /// again.
    UndecodableStatus {
        /// The job.
        job_id: String,
        /// The status body, as sent (up to the error body limit).
        body: bytes::Bytes,
        /// Why it did not decode.
        reason: String,
    },
    /// The job reached a state the spec does not list (see [`UnknownStates`]). The job may
    /// still be running: the handle can wait again.
    UnknownState {
        /// The job.
        job_id: String,
        /// The state as reported.
        state: String,
        /// The last status body.
        status: Box<S>,
    },
    /// The status body has no state at the spec's pointer.
    MissingState {
        /// The job.
        job_id: String,
        /// The pointer.
        pointer: String,
    },
}

impl<E, S> JobError<E, S> {
    /// The job's id.
    pub fn job_id(&self) -> &str {
        match self {
            JobError::Failed { job_id, .. }
            | JobError::DeadlineExceeded { job_id, .. }
            | JobError::Poll { job_id, .. }
            | JobError::UndecodableStatus { job_id, .. }
            | JobError::UnknownState { job_id, .. }
            | JobError::MissingState { job_id, .. } => job_id,
        }
    }
}

impl<E: fmt::Display, S> fmt::Display for JobError<E, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobError::Failed {
                job_id,
                state,
                message,
                ..
            } => {
                write!(f, "job {job_id} failed with state {state}")?;
                if let Some(message) = message {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            JobError::DeadlineExceeded {
                job_id,
                elapsed,
                last_state,
            } => {
                write!(
                    f,
                    "job {job_id} did not finish within {:.3} s",
                    elapsed.as_secs_f64()
                )?;
                match last_state {
                    Some(state) => write!(f, " (last state: {state})"),
                    None => f.write_str(" (no state seen)"),
                }
            }
            JobError::Poll { job_id, source } => {
                write!(f, "polling job {job_id} failed: {source}")
            }
            JobError::UndecodableStatus {
                job_id,
                body,
                reason,
            } => write!(
                f,
                "the status of job {job_id} did not decode ({reason}); body: {}",
                crate::error::preview(body)
            ),
            JobError::UnknownState { job_id, state, .. } => write!(
                f,
                "job {job_id} reached state {state}, which the API does not document as \
                 pending or terminal (it may still be running)"
            ),
            JobError::MissingState { job_id, pointer } => {
                write!(f, "the status of job {job_id} has no state at {pointer}")
            }
        }
    }
}

impl<E, S> StdError for JobError<E, S>
where
    E: StdError + 'static,
    S: fmt::Debug,
{
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            JobError::Poll { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// How long and how often to poll.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitOptions {
    deadline: Duration,
    initial_interval: Duration,
    max_interval: Duration,
    multiplier: f64,
    unknown_states: Option<UnknownStates>,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            deadline: Duration::from_secs(3600),
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(30),
            multiplier: 1.5,
            unknown_states: None,
        }
    }
}

impl WaitOptions {
    /// Sets how long to wait in total. Default 1 hour.
    ///
    /// A poll already running at the deadline is bounded by the status operation's own call
    /// timeout.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Sets the wait after the first poll. Default 1 s.
    pub fn with_initial_interval(mut self, interval: Duration) -> Self {
        self.initial_interval = interval;
        self
    }

    /// Sets the longest wait between polls. Default 30 s.
    pub fn with_max_interval(mut self, interval: Duration) -> Self {
        self.max_interval = interval;
        self
    }

    /// Sets the factor by which the wait grows after each poll (values below 1 or not finite
    /// are treated as 1). Default 1.5.
    pub fn with_multiplier(mut self, multiplier: f64) -> Self {
        self.multiplier = multiplier;
        self
    }

    /// Sets what a state the spec does not list means, instead of the spec's rule
    /// ([`JobSpec::unknown_states`]).
    pub fn with_unknown_states(mut self, unknown: UnknownStates) -> Self {
        self.unknown_states = Some(unknown);
        self
    }

    /// The caller's rule for unknown states, if set.
    pub fn unknown_states(&self) -> Option<UnknownStates> {
        self.unknown_states
    }

    /// How long to wait in total.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// The wait after the first poll.
    pub fn initial_interval(&self) -> Duration {
        self.initial_interval
    }

    /// The longest wait between polls.
    pub fn max_interval(&self) -> Duration {
        self.max_interval
    }

    /// The growth factor.
    pub fn multiplier(&self) -> f64 {
        self.multiplier
    }

    fn next_interval(&self, interval: Duration) -> Duration {
        let multiplier = if self.multiplier.is_finite() && self.multiplier >= 1.0 {
            self.multiplier
        } else {
            1.0
        };
        Duration::try_from_secs_f64(interval.as_secs_f64() * multiplier)
            .unwrap_or(self.max_interval)
            .min(self.max_interval)
    }
}

/// A submitted job, identified by its id. Created by a generated submit method, or with
/// [`JobHandle::new`] to resume a job whose id was stored.
///
/// A handle borrows its client; [`JobHandle::into_owned`] (or [`JobHandle::shared`]) gives one
/// that shares it instead, a `JobHandle<'static, K>` that can move into a spawned task (each
/// generated crate's README shows it, as a doctest).
pub struct JobHandle<'c, K: JobKind> {
    client: Holder<'c, K::Client>,
    id: String,
    kind: PhantomData<fn() -> K>,
}

/// How a handle holds its client.
enum Holder<'c, C> {
    /// Borrowed from the caller.
    Borrowed(&'c C),
    /// Shared, so that the handle lives as long as it likes.
    Shared(Arc<C>),
}

impl<C> Holder<'_, C> {
    fn get(&self) -> &C {
        match self {
            Holder::Borrowed(client) => client,
            Holder::Shared(client) => client,
        }
    }
}

impl<C> Clone for Holder<'_, C> {
    fn clone(&self) -> Self {
        match self {
            Holder::Borrowed(client) => Holder::Borrowed(client),
            Holder::Shared(client) => Holder::Shared(Arc::clone(client)),
        }
    }
}

impl<K: JobKind> Clone for JobHandle<'_, K> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            id: self.id.clone(),
            kind: PhantomData,
        }
    }
}

/// A handle is its job's id wherever an operation takes the id as a string, so that
/// `client.get_status().job_id(&handle)` needs no conversion by hand.
impl<K: JobKind> From<&JobHandle<'_, K>> for String {
    fn from(handle: &JobHandle<'_, K>) -> Self {
        handle.id.clone()
    }
}

/// Handles convert to the integer types job ids are declared with; an id that is not a number
/// is an error the setter keeps and the call returns, naming the parameter.
macro_rules! id_as_integer {
    ($($int:ty),*) => {$(
        impl<K: JobKind> TryFrom<&JobHandle<'_, K>> for $int {
            type Error = std::num::ParseIntError;
            fn try_from(handle: &JobHandle<'_, K>) -> Result<Self, Self::Error> {
                handle.id.parse()
            }
        }
    )*};
}

id_as_integer!(i32, i64, u32, u64);

impl<K: JobKind> JobHandle<'static, K> {
    /// A handle on the job `job_id` that shares `client`: it borrows nothing, so it can move
    /// into `tokio::spawn` or be stored beside the client.
    pub fn shared(client: Arc<K::Client>, job_id: impl Into<String>) -> Self {
        Self {
            client: Holder::Shared(client),
            id: job_id.into(),
            kind: PhantomData,
        }
    }
}

impl<K: JobKind> fmt::Debug for JobHandle<'_, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobHandle")
            .field("kind", &std::any::type_name::<K>())
            .field("id", &self.id)
            .finish()
    }
}

impl<'c, K: JobKind> JobHandle<'c, K> {
    /// A handle on the job `job_id` of `client`.
    pub fn new(client: &'c K::Client, job_id: impl Into<String>) -> Self {
        Self {
            client: Holder::Borrowed(client),
            id: job_id.into(),
            kind: PhantomData,
        }
    }

    /// The same job, with a handle that holds a copy of the client (a generated client is
    /// cheap to clone: its configuration and connection pool are shared), so that it can
    /// move into `tokio::spawn`.
    pub fn into_owned(self) -> JobHandle<'static, K>
    where
        K::Client: Clone,
    {
        let client = match self.client {
            Holder::Borrowed(client) => Arc::new(client.clone()),
            Holder::Shared(client) => client,
        };
        JobHandle {
            client: Holder::Shared(client),
            id: self.id,
            kind: PhantomData,
        }
    }

    /// The job's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The result URLs a finished `status` carries (`x-job.resultsPointer`), by name: `result`
    /// for a single URL, the keys of an object of URLs (AudioPod's stems). Empty when the spec
    /// names no results or the status has none yet.
    pub fn result_urls(status: &K::Status) -> Vec<(String, String)> {
        let Some(pointer) = K::RESULTS else {
            return Vec::new();
        };
        let value = serde_json::to_value(status).unwrap_or(Value::Null);
        match value.pointer(pointer) {
            Some(Value::String(url)) => vec![("result".to_string(), url.clone())],
            Some(Value::Object(urls)) => urls
                .iter()
                .filter_map(|(name, url)| Some((name.clone(), url.as_str()?.to_string())))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Downloads every result of a finished `status` into `dir` (created if missing), one file
    /// per result named after it (`vocals.mp3`, `result.m4a`; the extension is the URL's),
    /// each streamed and resumed as [`crate::download::download`] does; returns the files.
    /// `progress` is told the file's name with each step.
    pub async fn download_results(
        &self,
        status: &K::Status,
        dir: impl AsRef<std::path::Path>,
        mut progress: impl FnMut(&str, crate::download::Progress) + Send,
    ) -> Result<Vec<std::path::PathBuf>, crate::download::DownloadError> {
        use crate::download::DownloadError;
        let dir = dir.as_ref();
        let client = self.client.get();
        let config = K::config(client);
        let built;
        let http = match K::http(client) {
            Some(http) => http,
            None => {
                built = config
                    .build_http_client()
                    .map_err(|e| DownloadError::HttpClient(e.to_string()))?;
                &built
            }
        };
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(DownloadError::Write)?;
        let mut written = Vec::new();
        for (name, url) in Self::result_urls(status) {
            let path = dir.join(result_file_name(&name, &url));
            let mut file = tokio::fs::File::create(&path)
                .await
                .map_err(DownloadError::Write)?;
            let mut step = |p| progress(&name, p);
            crate::download::download(config, http, &url, &mut file, &mut step).await?;
            written.push(path);
        }
        Ok(written)
    }

    /// Polls the status once (states read by the spec's rules).
    pub async fn poll(&self) -> Result<JobUpdate<K::Status>, JobError<K::Error, K::Status>> {
        self.poll_with(K::SPEC.unknown_states).await
    }

    async fn poll_with(
        &self,
        unknown: UnknownStates,
    ) -> Result<JobUpdate<K::Status>, JobError<K::Error, K::Status>> {
        let status = K::poll(self.client.get(), &self.id)
            .await
            .map_err(|source| match source.view() {
                // A success whose body does not decode: the body, not a decode error.
                ErrorView::InvalidBody(invalid) if invalid.status.is_none() => {
                    JobError::UndecodableStatus {
                        job_id: self.id.clone(),
                        body: invalid.body.clone(),
                        reason: invalid.source.to_string(),
                    }
                }
                _ => JobError::Poll {
                    job_id: self.id.clone(),
                    source,
                },
            })?;
        interpret(&K::SPEC, unknown, &self.id, status)
    }

    /// Waits for a terminal state with the default [`WaitOptions`].
    pub async fn wait(&self) -> Result<K::Status, JobError<K::Error, K::Status>> {
        self.wait_with(&WaitOptions::default()).await
    }

    /// Waits for a terminal state: polls, then sleeps `initial_interval`, growing by
    /// `multiplier` up to `max_interval`. A transient poll error
    /// ([`OperationError::is_retryable`]: 429, 502 to 504, a status the spec documents as
    /// retryable, a connection error) does not end waiting (the next poll comes after
    /// `max(interval, its Retry-After)`); any other ends it with [`JobError::Poll`]. A failed
    /// state (or a succeeded one whose success flag is `false`) ends it with
    /// [`JobError::Failed`], a state the spec does not list with [`JobError::UnknownState`]
    /// (unless unknown states are pending). The deadline, measured with the client's clock,
    /// ends it with [`JobError::DeadlineExceeded`].
    pub async fn wait_with(
        &self,
        options: &WaitOptions,
    ) -> Result<K::Status, JobError<K::Error, K::Status>> {
        let mut waiter = Waiter::new(self.clone(), options.clone());
        while let Some(item) = waiter.next().await {
            let update = item?;
            match update.phase {
                JobPhase::Pending => {}
                JobPhase::Succeeded => return Ok(update.status),
                JobPhase::Failed => {
                    return Err(JobError::Failed {
                        job_id: self.id.clone(),
                        state: update.state,
                        message: update.message,
                        status: Box::new(update.status),
                    });
                }
                JobPhase::Unknown => {
                    return Err(JobError::UnknownState {
                        job_id: self.id.clone(),
                        state: update.state,
                        status: Box::new(update.status),
                    });
                }
            }
        }
        // The waiter ends only after a terminal update or an error, both returned above.
        Err(waiter.deadline_error())
    }

    /// The updates of [`JobHandle::wait_with`] as a stream: one item per successful poll
    /// (pending states included), ending after a terminal update (a failed state is an `Ok`
    /// update with [`JobPhase::Failed`], an unknown one with [`JobPhase::Unknown`]) or after an error that ends waiting. Transient poll
    /// errors are not yielded. Once ended, the stream stays ended (it is fused, so it can
    /// also be used in `select!`).
    pub fn updates(
        &self,
        options: WaitOptions,
    ) -> impl FusedStream<Item = UpdateResult<K>> + use<'c, K> {
        let waiter = Waiter::new(self.clone(), options);
        futures::stream::unfold(waiter, |mut waiter| async move {
            let item = waiter.next().await?;
            Some((item, waiter))
        })
        .fuse()
    }
}

/// The polling state machine shared by `wait_with` and `updates`.
struct Waiter<'c, K: JobKind> {
    handle: JobHandle<'c, K>,
    options: WaitOptions,
    clock: Arc<dyn Clock>,
    start: Option<Instant>,
    interval: Duration,
    next_delay: Option<Duration>,
    last_state: Option<String>,
    done: bool,
}

impl<'c, K: JobKind> Waiter<'c, K> {
    fn new(handle: JobHandle<'c, K>, options: WaitOptions) -> Self {
        let clock = K::config(handle.client.get()).clock().clone();
        Self {
            interval: options.initial_interval(),
            handle,
            options,
            clock,
            start: None,
            next_delay: None,
            last_state: None,
            done: false,
        }
    }

    fn elapsed(&self) -> Duration {
        match self.start {
            Some(start) => self.clock.now().saturating_duration_since(start),
            None => Duration::ZERO,
        }
    }

    fn deadline_error(&self) -> JobError<K::Error, K::Status> {
        JobError::DeadlineExceeded {
            job_id: self.handle.id.clone(),
            elapsed: self.elapsed(),
            last_state: self.last_state.clone(),
        }
    }

    fn schedule(&mut self, delay: Duration) {
        self.next_delay = Some(delay);
        self.interval = self.options.next_interval(self.interval);
    }

    async fn next(&mut self) -> Option<UpdateResult<K>> {
        if self.done {
            return None;
        }
        if self.start.is_none() {
            self.start = Some(self.clock.now());
        }
        loop {
            if let Some(delay) = self.next_delay.take() {
                let elapsed = self.elapsed();
                if elapsed >= self.options.deadline {
                    self.done = true;
                    return Some(Err(self.deadline_error()));
                }
                // Sleep at most to the deadline, then poll one last time.
                let remaining = self.options.deadline - elapsed;
                self.clock.sleep(delay.min(remaining)).await;
            }
            let unknown = self
                .options
                .unknown_states()
                .unwrap_or(K::SPEC.unknown_states);
            match self.handle.poll_with(unknown).await {
                Ok(update) => {
                    self.last_state = Some(update.state.clone());
                    if update.phase.is_terminal() {
                        self.done = true;
                    } else {
                        self.schedule(self.interval);
                    }
                    tracing::debug!(
                        job_id = %self.handle.id,
                        state = %update.state,
                        phase = ?update.phase,
                        progress = update.progress,
                        next_poll_ms = self.next_delay.map(|d| d.as_millis() as u64),
                        "job polled"
                    );
                    return Some(Ok(update));
                }
                Err(JobError::Poll { source, .. }) if source.is_retryable() => {
                    let wait = source
                        .retry_after()
                        .map_or(self.interval, |after| after.max(self.interval));
                    tracing::info!(
                        job_id = %self.handle.id,
                        status = source.status().map(|s| s.as_u16()),
                        retry_after_ms = source.retry_after().map(|d| d.as_millis() as u64),
                        next_poll_ms = wait.as_millis() as u64,
                        "job status poll failed transiently: polling again"
                    );
                    self.schedule(wait);
                }
                Err(error) => {
                    self.done = true;
                    return Some(Err(error));
                }
            }
        }
    }
}

fn interpret<E, S: Serialize>(
    spec: &JobSpec,
    unknown: UnknownStates,
    job_id: &str,
    status: S,
) -> Result<JobUpdate<S>, JobError<E, S>> {
    let missing = || JobError::MissingState {
        job_id: job_id.to_owned(),
        pointer: spec.state_pointer.to_owned(),
    };
    let value = serde_json::to_value(&status).map_err(|_| missing())?;
    let state = match value.pointer(spec.state_pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => return Err(missing()),
    };
    let mut phase = spec.phase_with(&state, unknown);
    let unsuccessful = phase == JobPhase::Succeeded
        && spec
            .success_pointer
            .is_some_and(|p| value.pointer(p) == Some(&Value::Bool(false)));
    if unsuccessful {
        phase = JobPhase::Failed;
    }
    let progress = spec
        .progress_pointer
        .and_then(|p| value.pointer(p))
        .and_then(|v| match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().trim_end_matches('%').trim().parse::<f64>().ok(),
            _ => None,
        })
        .filter(|p| p.is_finite())
        .map(|p| p.clamp(0.0, 100.0));
    let message = spec
        .error_pointer
        .and_then(|p| value.pointer(p))
        .and_then(|v| match v {
            Value::Null => None,
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        })
        .or_else(|| {
            let pointer = spec.success_pointer.filter(|_| unsuccessful)?;
            Some(format!("`{pointer}` is false"))
        });
    Ok(JobUpdate {
        state,
        phase,
        progress,
        message,
        status,
    })
}

/// The handle on the job a submit call started: its id is read at the first of `pointers`
/// that holds one in the response body. A body without a usable id is
/// [`CallError::InvalidBody`] (with the body, so that nothing the server said is lost).
pub fn submitted<'c, K: JobKind, T: Serialize, E>(
    client: &'c K::Client,
    response: ResponseValue<T>,
    pointers: &[&str],
) -> Result<JobHandle<'c, K>, CallError<E>> {
    let mut found = Err(String::from("no pointer to the job id"));
    for pointer in pointers {
        found = job_id_from(response.as_ref(), pointer);
        if found.is_ok() {
            break;
        }
    }
    match found {
        Ok(id) => Ok(JobHandle::new(client, id)),
        Err(message) => Err(CallError::InvalidBody(InvalidBody {
            status: Some(response.status()),
            headers: Some(response.headers().clone()),
            body: serde_json::to_vec(response.as_ref())
                .unwrap_or_default()
                .into(),
            source: <serde_json::Error as serde::de::Error>::custom(message),
        })),
    }
}

/// A stored job id as the status operation's id parameter takes it (a UUID, a number): a
/// string of another form is an invalid request that says what was wanted (`wanted`, in
/// words: "UUID", "whole number"), and nothing is sent.
pub fn parse_job_id<T: std::str::FromStr, E>(
    job_id: &str,
    wanted: &str,
) -> Result<T, CallError<E>> {
    job_id.parse().map_err(|_| {
        CallError::InvalidRequest(format!("job id `{job_id}` is not a valid {wanted}"))
    })
}

/// Reads a job id at `pointer` in a submit response body: a string, or an integer turned
/// into a string. The error says what was found instead.
pub fn job_id_from<T: Serialize>(body: &T, pointer: &str) -> Result<String, String> {
    let value = serde_json::to_value(body)
        .map_err(|e| format!("cannot read the job id: the body does not serialize: {e}"))?;
    match value.pointer(pointer) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::String(_)) => Err(format!("the job id at {pointer} is empty")),
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Ok(n.to_string()),
        Some(Value::Null) | None => Err(format!("the response has no job id at {pointer}")),
        Some(other) => Err(format!(
            "the job id at {pointer} is not a string or an integer: {}",
            json_type(other)
        )),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a non-integer number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The file a result is written to: its name (path separators and dots made `_`) and the
/// extension of the URL's last path segment, if it has a short one.
fn result_file_name(name: &str, url: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = if stem.is_empty() {
        "result".to_string()
    } else {
        stem
    };
    let extension = reqwest::Url::parse(url).ok().and_then(|u| {
        let last = u.path_segments()?.next_back()?.to_string();
        let (_, ext) = last.rsplit_once('.')?;
        (!ext.is_empty() && ext.len() <= 5 && ext.chars().all(|c| c.is_ascii_alphanumeric()))
            .then(|| ext.to_ascii_lowercase())
    });
    match extension {
        Some(ext) => format!("{stem}.{ext}"),
        None => stem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: JobSpec = JobSpec {
        pending: &["QueuedJob"],
        succeeded: &["CompletedJob"],
        failed: &["Error", "NotFound"],
        state_pointer: "/status",
        progress_pointer: Some("/progress"),
        error_pointer: Some("/error"),
        case_insensitive: false,
        success_pointer: Some("/success"),
        unknown_states: UnknownStates::End,
    };

    #[test]
    fn phases() {
        assert_eq!(SPEC.phase_of("QueuedJob"), JobPhase::Pending);
        assert_eq!(SPEC.phase_of("CompletedJob"), JobPhase::Succeeded);
        assert_eq!(SPEC.phase_of("NotFound"), JobPhase::Failed);
        assert_eq!(SPEC.phase_of("FailedJob"), JobPhase::Unknown);
        assert_eq!(SPEC.phase_of("completedjob"), JobPhase::Unknown);
        assert_eq!(
            SPEC.phase_with("FailedJob", UnknownStates::Pending),
            JobPhase::Pending
        );
        let ci = JobSpec {
            case_insensitive: true,
            ..SPEC
        };
        assert_eq!(ci.phase_of("completedjob"), JobPhase::Succeeded);
        assert_eq!(ci.phase_of("ERROR"), JobPhase::Failed);
        assert_eq!(ci.phase_of("queuedjob"), JobPhase::Pending);
    }

    #[test]
    fn a_succeeded_state_with_a_false_success_flag_is_a_failure() {
        let end = UnknownStates::End;
        let body = serde_json::json!({"status": "CompletedJob", "success": false});
        let u = interpret::<String, _>(&SPEC, end, "j1", body).unwrap();
        assert_eq!(u.phase, JobPhase::Failed);
        assert_eq!(u.message.as_deref(), Some("`/success` is false"));
        let body = serde_json::json!({"status": "CompletedJob", "success": false, "error": "gone"});
        let u = interpret::<String, _>(&SPEC, end, "j1", body).unwrap();
        assert_eq!(u.message.as_deref(), Some("gone"));
        // `true`, or no flag at all, is a success.
        for body in [
            serde_json::json!({"status": "CompletedJob", "success": true}),
            serde_json::json!({"status": "CompletedJob"}),
        ] {
            let u = interpret::<String, _>(&SPEC, end, "j1", body).unwrap();
            assert_eq!(u.phase, JobPhase::Succeeded);
            assert_eq!(u.message, None);
        }
        // The flag only matters on a succeeded state.
        let body = serde_json::json!({"status": "QueuedJob", "success": false});
        let u = interpret::<String, _>(&SPEC, end, "j1", body).unwrap();
        assert_eq!(u.phase, JobPhase::Pending);
    }

    #[test]
    fn interpret_reads_state_progress_message() {
        let body = serde_json::json!({"status": "Error", "progress": 140, "error": "boom"});
        let u = interpret::<String, _>(&SPEC, UnknownStates::End, "j1", body).unwrap();
        assert_eq!(u.phase, JobPhase::Failed);
        assert_eq!(u.progress, Some(100.0));
        assert_eq!(u.message.as_deref(), Some("boom"));

        let body = serde_json::json!({"status": "QueuedJob", "progress": "42.5%"});
        let u = interpret::<String, _>(&SPEC, UnknownStates::End, "j1", body).unwrap();
        assert_eq!(u.progress, Some(42.5));
        assert_eq!(u.message, None);

        let err = interpret::<String, _>(
            &SPEC,
            UnknownStates::End,
            "j1",
            serde_json::json!({"state": "x"}),
        )
        .unwrap_err();
        assert!(matches!(err, JobError::MissingState { ref pointer, .. } if pointer == "/status"));
        assert!(err.to_string().contains("j1"));
    }

    #[test]
    fn job_ids() {
        let body = serde_json::json!({"job_id": "abc", "n": 42, "f": 1.5, "e": "", "o": {}});
        assert_eq!(job_id_from(&body, "/job_id").unwrap(), "abc");
        assert_eq!(job_id_from(&body, "/n").unwrap(), "42");
        assert!(job_id_from(&body, "/f").is_err());
        assert!(job_id_from(&body, "/e").is_err());
        assert!(job_id_from(&body, "/o").unwrap_err().contains("object"));
        assert!(
            job_id_from(&body, "/missing")
                .unwrap_err()
                .contains("/missing")
        );
    }

    #[test]
    fn wait_intervals_grow_and_cap() {
        let o = WaitOptions::default();
        let mut i = o.initial_interval();
        let mut seen = vec![];
        for _ in 0..12 {
            seen.push(i);
            i = o.next_interval(i);
        }
        assert_eq!(seen[0], Duration::from_secs(1));
        assert_eq!(seen[1], Duration::from_millis(1500));
        assert_eq!(seen[2], Duration::from_millis(2250));
        assert_eq!(*seen.last().unwrap(), Duration::from_secs(30));
    }
}
