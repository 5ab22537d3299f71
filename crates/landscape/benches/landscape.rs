//! Criterion benchmarks of the landscape engine on a generated corpus: the area query language
//! on one work's text, and each indicator statement on DataFusion (embedded).
//!
//! `cargo bench -p pillar-landscape --bench landscape`; `PILLAR_BENCH_WORKS` sets the corpus size
//! (default 50 000). The side-by-side with DuckDB is `bench/landscape.sh`.

use criterion::{criterion_group, criterion_main, Criterion};
use pillar_landscape::generate::Generator;
use pillar_landscape::ingest::{self, Options};
use pillar_landscape::query::normalise;
use pillar_landscape::{sql, AreaSet, Engine, EngineSpec, Period};
use std::io::Write;

fn bench(c: &mut Criterion) {
    let works: u64 = std::env::var("PILLAR_BENCH_WORKS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50_000);
    let dir = tempfile::tempdir().unwrap();
    let g = Generator::new(1);
    let file = dir.path().join("works.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    for n in 0..works {
        writeln!(out, "{}", g.work(n)).unwrap();
    }
    drop(out);
    let data = dir.path().join("data");
    let started = std::time::Instant::now();
    ingest::ingest(&[file], &data, &Options::default(), &mut |_| {}).unwrap();
    let s = started.elapsed().as_secs_f64();
    eprintln!(
        "ingest: {works} works in {s:.2} s ({:.0} works/s)",
        works as f64 / s
    );

    let areas = AreaSet::shipped();
    let text = normalise(&g.work(7)["title"].to_string());
    c.bench_function("query/20-areas-one-work", |b| {
        b.iter(|| areas.areas.iter().filter(|a| a.matches(&text, &[])).count())
    });

    let rt = tokio::runtime::Runtime::new().unwrap();
    let engine = rt
        .block_on(Engine::open(&EngineSpec::Embedded, &data))
        .unwrap();
    let statements = sql::statements(
        &areas,
        Period {
            from: 2015,
            to: 2024,
        },
    );
    let mut group = c.benchmark_group("indicators");
    group.sample_size(10);
    for (name, text) in statements.iter() {
        group.bench_function(name, |b| b.iter(|| rt.block_on(engine.run(text)).unwrap()));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
