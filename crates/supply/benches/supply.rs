//! Supply analyses on a generated network of 1 000 000 items and about 5 000 000 edges: the
//! full analysis (exposure for every item, single points of failure and independent sources
//! for every end item) and one what-if.
//!
//! Run: `cargo bench -p pillar-supply --bench supply`

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use pillar_supply::{generate, what_if, Analysis, Disruption, GenerateOptions, Target};

fn bench(c: &mut Criterion) {
    let net = generate(&GenerateOptions {
        nodes: 1_000_000,
        fan_out: 6,
        seed: 1,
    });
    eprintln!(
        "network: {} items, {} edges, {} sites, {} end items",
        net.len(),
        net.edge_count(),
        net.site_ids.len(),
        net.end_items.len()
    );
    let mut g = c.benchmark_group("supply 1M items");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(30));
    g.bench_function("full analysis", |b| b.iter(|| Analysis::run(&net)));
    let d = Disruption {
        targets: vec![Target::Country("CHN".into())],
        remaining: 0.0,
    };
    g.bench_function("what-if: lose CHN", |b| {
        b.iter(|| what_if(&net, &d).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
