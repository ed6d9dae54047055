//! The command line's progress display (part of the binary, not the library): on a terminal, a
//! generation that takes longer than [`DELAY`] gets one line on stderr naming the crate, the
//! stage (with the operations emitted so far) and the time so far, redrawn in place and cleared at
//! the end. Silent when stderr is not a terminal, with `--quiet` and with `--format json`.

use std::io::Write as _;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a generation runs before the display appears: short ones stay silent.
pub const DELAY: Duration = Duration::from_millis(1500);

/// How often the line is redrawn.
const TICK: Duration = Duration::from_millis(100);

enum Message {
    Stage(String),
    Finish,
}

/// A running display; [`Progress::finish`] clears it. Inactive (no thread) when not enabled.
pub struct Progress {
    channel: Option<(Sender<Message>, JoinHandle<()>)>,
}

impl Progress {
    /// Starts the display for `label` if `enabled`.
    pub fn start(enabled: bool, label: &str) -> Self {
        if !enabled {
            return Self { channel: None };
        }
        let (tx, rx) = mpsc::channel::<Message>();
        let label = label.to_string();
        let spawned = std::thread::Builder::new()
            .name("clientgen-progress".into())
            .spawn(move || {
                let started = Instant::now();
                let mut stage = String::new();
                let mut drawn = false;
                let mut last_draw: Option<Instant> = None;
                loop {
                    match rx.recv_timeout(TICK) {
                        Ok(Message::Stage(next)) => stage = next,
                        Ok(Message::Finish) | Err(RecvTimeoutError::Disconnected) => break,
                        Err(RecvTimeoutError::Timeout) => {}
                    }
                    // At most one redraw a tick, however fast the stages (operations) come.
                    let due = last_draw.is_none_or(|at| at.elapsed() >= TICK);
                    if started.elapsed() >= DELAY && due {
                        last_draw = Some(Instant::now());
                        let line = line(&label, &stage, started.elapsed());
                        let mut err = std::io::stderr().lock();
                        // Carriage return, clear the line, draw it again.
                        let _ = write!(err, "\r\x1b[2K{line}");
                        let _ = err.flush();
                        drawn = true;
                    }
                }
                if drawn {
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r\x1b[2K");
                    let _ = err.flush();
                }
            });
        Self {
            channel: spawned.ok().map(|handle| (tx, handle)),
        }
    }

    /// The stage now running.
    pub fn stage(&self, stage: &str) {
        if let Some((tx, _)) = &self.channel {
            let _ = tx.send(Message::Stage(stage.to_string()));
        }
    }

    /// Clears the display and waits until it is cleared, so that what is printed next starts
    /// on a clean line.
    pub fn finish(self) {
        if let Some((tx, handle)) = self.channel {
            let _ = tx.send(Message::Finish);
            let _ = handle.join();
        }
    }
}

/// The text of the display: `huntapi-client: emitting 1200 operation(s) (3.2s)`.
fn line(label: &str, stage: &str, elapsed: Duration) -> String {
    format!("{label}: {stage} ({:.1}s)", elapsed.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_crate_stage_and_time() {
        assert_eq!(
            line(
                "api-client",
                "emitting 1200 operation(s)",
                Duration::from_millis(3250)
            ),
            "api-client: emitting 1200 operation(s) (3.2s)"
        );
    }

    #[test]
    fn a_disabled_display_starts_no_thread() {
        let progress = Progress::start(false, "x");
        assert!(progress.channel.is_none());
        progress.finish();
    }
}
