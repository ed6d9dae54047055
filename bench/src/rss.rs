//! Runs a command as a child process and reports its wall time, exit status and peak resident
//! memory, read from `wait4`'s resource usage of that one child.
//!
//! Linux starts a child's peak at its parent's resident high-water mark (fork copies it and
//! exec keeps it), so measure from a process that is still small: `bench-report` runs its
//! memory section before anything large happens in process.

use std::io;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one child process cost.
#[derive(Debug, Clone)]
pub struct ChildRun {
    /// From spawn to exit.
    pub wall: Duration,
    /// Peak resident set size in bytes.
    pub max_rss_bytes: u64,
    /// The exit code, or `None` if a signal ended it.
    pub exit_code: Option<i32>,
    /// The child's standard error (its last lines explain a failure).
    pub stderr: String,
}

impl ChildRun {
    /// Whether the child exited with status 0.
    pub fn success(&self) -> bool {
        self.exit_code == Some(0)
    }

    /// The last non-empty line of standard error, cut to `max` characters.
    pub fn last_error_line(&self, max: usize) -> String {
        let line = self
            .stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        line.chars().take(max).collect()
    }
}

/// Runs `command` to completion (standard output discarded, standard error kept).
pub fn run_measured(command: &mut Command) -> io::Result<ChildRun> {
    command.stdin(Stdio::null()).stdout(Stdio::null());
    let stderr_file = tempfile_for_stderr()?;
    command.stderr(Stdio::from(stderr_file.try_clone()?));
    let start = Instant::now();
    let child = command.spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain data that wait4 fills in; `status` is a valid out pointer;
    // `pid` is our own child, which `std` has not reaped (we never call `wait` on `child`).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = loop {
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == -1 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
            continue;
        }
        break r;
    };
    let wall = start.elapsed();
    drop(child);
    if reaped != pid {
        return Err(io::Error::last_os_error());
    }
    let exit_code = if libc::WIFEXITED(status) {
        Some(libc::WEXITSTATUS(status))
    } else {
        None
    };
    let stderr = read_back(stderr_file)?;
    Ok(ChildRun {
        wall,
        // Linux reports ru_maxrss in kibibytes.
        max_rss_bytes: (usage.ru_maxrss.max(0) as u64) * 1024,
        exit_code,
        stderr,
    })
}

/// An unnamed temporary file for the child's standard error (a pipe could fill and block it).
fn tempfile_for_stderr() -> io::Result<std::fs::File> {
    let path = std::env::temp_dir().join(format!(
        "clientgen-bench-stderr-{}-{}",
        std::process::id(),
        fastish_counter()
    ));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::fs::remove_file(&path)?;
    Ok(file)
}

fn read_back(mut file: std::fs::File) -> io::Result<String> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(0))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn fastish_counter() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Bytes in mebibytes or gibibytes, for tables.
pub fn format_bytes(bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if mib < 1.0 {
        format!("{} KiB", bytes / 1024)
    } else if mib >= 1024.0 {
        format!("{:.2} GiB", mib / 1024.0)
    } else {
        format!("{mib:.0} MiB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_a_child_that_allocates() {
        let run = run_measured(Command::new("sh").args([
            "-c",
            "head -c 67108864 /dev/zero | tr '\\0' 'a' | sort >/dev/null; echo done >&2",
        ]))
        .unwrap();
        assert!(run.success(), "{run:?}");
        assert_eq!(run.last_error_line(80), "done");
        // The peak covers the child's reaped descendants too: `sort` holding the 64 MiB line.
        assert!(
            run.max_rss_bytes >= 60 * 1024 * 1024,
            "{}",
            run.max_rss_bytes
        );
    }

    #[test]
    fn reports_exit_codes_and_stderr() {
        let run =
            run_measured(Command::new("sh").args(["-c", "echo first >&2; echo oops >&2; exit 3"]))
                .unwrap();
        assert_eq!(run.exit_code, Some(3));
        assert!(!run.success());
        assert_eq!(run.last_error_line(3), "oop");
    }

    #[test]
    fn a_missing_program_is_an_error() {
        assert!(run_measured(&mut Command::new("/nonexistent/clientgen-bench-program")).is_err());
    }

    #[test]
    fn formats_sizes() {
        assert_eq!(format_bytes(512 * 1024 * 1024), "512 MiB");
        assert_eq!(format_bytes(165_000), "161 KiB");
        assert_eq!(format_bytes(3 * 1024 * 1024 * 1024 / 2), "1.50 GiB");
    }
}
