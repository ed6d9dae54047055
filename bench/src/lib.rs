//! Shared code of clientgen's benchmarks: the inputs, the compared variants and the statistics
//! used by both the criterion benches (`cargo bench -p clientgen-bench`) and the one-run
//! ratio table (`cargo run --release -p clientgen-bench --bin bench-report`).
//!
//! Nothing here downloads anything or does heavy work on its own: the large public
//! descriptions are fetched by `bench/fetch-specs.sh` into `target/bench-specs`, and every
//! measurement starts only when a bench or the report binary asks for it.

pub mod buildtime;
pub mod compile;
pub mod generation;
pub mod http;
pub mod rss;
pub mod specs;
pub mod stats;
