//! Criterion bench of generation time: clientgen, progenitor alone and parsing alone on each
//! `spec/*.yaml`, and on the public descriptions in `target/bench-specs` when
//! `BENCH_LARGE=1` (they take seconds per run; `bench-report` is the quicker way to compare
//! them).

use std::hint::black_box;
use std::time::Duration;

use clientgen_bench::generation::Variant;
use clientgen_bench::specs::{self, SpecInput};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

fn inputs() -> Vec<SpecInput> {
    let root = specs::repo_root();
    let mut inputs = specs::repo_specs(&root).unwrap_or_else(|e| panic!("spec/: {e}"));
    if std::env::var_os("BENCH_LARGE").is_some_and(|v| v == "1") {
        let (public, missing) = specs::public_specs(&specs::cache_dir(&root));
        if !missing.is_empty() {
            eprintln!("missing {missing:?}: run `bash bench/fetch-specs.sh`");
        }
        // Graph beta takes most of a minute per run: bench-report measures it once.
        inputs.extend(public.into_iter().filter(|s| s.name != "graph-beta"));
    }
    inputs
}

fn generation(c: &mut Criterion) {
    for spec in inputs() {
        let label = spec.label();
        let mut group = c.benchmark_group(format!("generate/{}", spec.name));
        if spec.bytes() > 1_000_000 {
            group
                .sample_size(10)
                .measurement_time(Duration::from_secs(60));
        }
        for variant in Variant::ALL {
            // A variant that fails on this input (progenitor's assertion on differently
            // shaped error responses, for one) has nothing to time.
            if let Err(reason) = variant.run(&label, &spec.text) {
                eprintln!(
                    "{} on {}: skipped, it fails: {reason}",
                    variant.name(),
                    spec.name
                );
                continue;
            }
            group.bench_function(BenchmarkId::from_parameter(variant.name()), |b| {
                b.iter(|| black_box(variant.run(&label, black_box(&spec.text))))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, generation);
criterion_main!(benches);
