//! Makes N sequential `GET /usage` calls with one client against the bench server, for
//! counting instructions per call under callgrind (deterministic where timings are not):
//!
//! ```text
//! cargo build --release -p clientgen-bench --example call_loop
//! valgrind --tool=callgrind --separate-threads=yes target/release/examples/call_loop generated 1200
//! ```
//!
//! The client's thread is part 1 of the output; the difference between runs of 1200 and 200
//! calls, divided by 1000, is the cost of one call without the setup. BENCHMARKS.md has the
//! figures.

use std::process::ExitCode;

use clientgen_bench::http::{BenchServer, Caller};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(which), Some(calls)) = (args.next(), args.next().and_then(|n| n.parse().ok())) else {
        eprintln!("usage: call_loop generated|reqwest CALLS");
        return ExitCode::from(2);
    };
    match run(&which, calls) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("call_loop: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(which: &str, calls: usize) -> Result<(), String> {
    let server = BenchServer::start().map_err(|e| format!("server: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let caller = match which {
        "generated" => Caller::generated(&server.base_url())?,
        "reqwest" => Caller::raw(&server.base_url())?,
        other => return Err(format!("unknown client `{other}` (generated or reqwest)")),
    };
    runtime.block_on(async {
        for _ in 0..calls {
            caller.call().await?;
        }
        Ok(())
    })
}
