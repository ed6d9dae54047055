//! Criterion bench of the generated client's per-request cost: `get_usage().send()` against
//! the same request written by hand with reqwest, both to a hyper server on 127.0.0.1, one at
//! a time and as 64 concurrent requests.

use std::hint::black_box;
use std::sync::Arc;

use clientgen_bench::http::{BenchServer, Caller};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const CONCURRENCY: usize = 64;

fn client(c: &mut Criterion) {
    let server = BenchServer::start().unwrap_or_else(|e| panic!("server: {e}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    let callers = [
        Arc::new(Caller::generated(&server.base_url()).unwrap_or_else(|e| panic!("{e}"))),
        Arc::new(Caller::raw(&server.base_url()).unwrap_or_else(|e| panic!("{e}"))),
    ];

    let mut group = c.benchmark_group("get_usage/sequential");
    for caller in &callers {
        group.bench_function(BenchmarkId::from_parameter(caller.name()), |b| {
            b.to_async(&runtime)
                .iter(|| async { black_box(caller.call().await.unwrap_or_else(|e| panic!("{e}"))) })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("get_usage/concurrent-64");
    group.throughput(Throughput::Elements(CONCURRENCY as u64));
    for caller in &callers {
        group.bench_function(BenchmarkId::from_parameter(caller.name()), |b| {
            b.to_async(&runtime).iter(|| async {
                let tasks: Vec<_> = (0..CONCURRENCY)
                    .map(|_| {
                        let caller = caller.clone();
                        tokio::spawn(async move { caller.call().await })
                    })
                    .collect();
                for task in tasks {
                    black_box(
                        task.await
                            .unwrap_or_else(|e| panic!("{e}"))
                            .unwrap_or_else(|e| panic!("{e}")),
                    );
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, client);
criterion_main!(benches);
