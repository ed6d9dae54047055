//! Time source for deadlines and the waits between attempts, replaceable in tests.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// A source of time and sleeps.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> Instant;
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// The real clock: [`Instant::now`] and [`tokio::time::sleep`]. The default.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioClock;

impl Clock for TokioClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A test aid: a clock that only moves when something sleeps on it.
///
/// `now()` is a fixed base instant plus the total of all sleeps so far; `sleep(d)` records
/// `d`, advances the clock by `d` and completes at once (after yielding to the scheduler
/// once). [`ManualClock::sleeps`] returns the recorded sleeps, so tests can check backoff
/// sequences and `Retry-After` waits without waiting.
#[derive(Debug)]
pub struct ManualClock {
    base: Instant,
    state: Mutex<ManualState>,
}

#[derive(Debug, Default)]
struct ManualState {
    offset: Duration,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// A clock at an arbitrary base instant with no sleeps recorded.
    pub fn new() -> Self {
        Self {
            base: Instant::now(),
            state: Mutex::new(ManualState::default()),
        }
    }

    /// Every sleep so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    /// The total time the clock has moved.
    pub fn elapsed(&self) -> Duration {
        self.lock().offset
    }

    /// Moves the clock forward without recording a sleep (time spent "working").
    pub fn advance(&self, duration: Duration) {
        let mut state = self.lock();
        state.offset = state.offset.saturating_add(duration);
    }

    fn lock(&self) -> MutexGuard<'_, ManualState> {
        // The state stays consistent even if a holder panicked.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        let offset = self.lock().offset;
        self.base.checked_add(offset).unwrap_or(self.base)
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        {
            let mut state = self.lock();
            state.sleeps.push(duration);
            state.offset = state.offset.saturating_add(duration);
        }
        Box::pin(YieldOnce { yielded: false })
    }
}

/// Completes on its second poll, letting other tasks run in between.
struct YieldOnce {
    yielded: bool,
}

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            Poll::Ready(())
        } else {
            self.yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_advances_on_sleep() {
        let clock = ManualClock::new();
        let t0 = clock.now();
        clock.sleep(Duration::from_secs(2)).await;
        clock.sleep(Duration::from_millis(500)).await;
        clock.advance(Duration::from_secs(1));
        assert_eq!(clock.now() - t0, Duration::from_millis(3500));
        assert_eq!(
            clock.sleeps(),
            vec![Duration::from_secs(2), Duration::from_millis(500)]
        );
        assert_eq!(clock.elapsed(), Duration::from_millis(3500));
    }

    #[tokio::test]
    async fn tokio_clock_sleeps() {
        let clock = TokioClock;
        let t0 = clock.now();
        clock.sleep(Duration::from_millis(5)).await;
        assert!(clock.now() >= t0);
    }
}
