//! Registry import throughput into SQLite: parse a CSV of organisations and write it in one
//! transaction, into a fresh database each time. Reported as elements (rows) per second.
//!
//! Run: `cargo bench -p pillar-store --bench import`

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pillar_core::RegistryKind;
use pillar_label::Label;
use pillar_store::files::read_rows;
use pillar_store::{demo, DbTarget, Store};

fn organisations_csv(n: usize) -> String {
    let nations = ["USA", "KOR", "AUS", "GBR", "JPN", "CAN", "NZL"];
    let kinds = ["company", "laboratory", "university", "agency"];
    let mut s = String::from("id,name,kind,nation,parent\n");
    for i in 0..n {
        // Every tenth organisation is part of an earlier one.
        let parent = if i % 10 == 9 {
            format!("org-{}", i - 9)
        } else {
            String::new()
        };
        s.push_str(&format!(
            "org-{i},Organisation number {i} (generated),{},{},{parent}\n",
            kinds[i % kinds.len()],
            nations[i % nations.len()]
        ));
    }
    s
}

fn bench_import(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let label = Label::new(Label::coalition_policy(), "UNCLASSIFIED");
    let mut group = c.benchmark_group("registry_import_sqlite");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    for n in [10_000usize, 100_000] {
        let csv = organisations_csv(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("organisations", n), &csv, |b, csv| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let dir = tempfile::tempdir().unwrap();
                    let store = rt.block_on(async {
                        let s = Store::open_migrated(&DbTarget::Sqlite(dir.path().join("b.db")))
                            .await
                            .unwrap();
                        demo::seed(&s, demo::REFERENCE, &label, None).await.unwrap();
                        s
                    });
                    let start = Instant::now();
                    let rows =
                        read_rows("orgs.csv", csv.as_bytes(), RegistryKind::Organisations).unwrap();
                    let report = rt
                        .block_on(store.import(
                            RegistryKind::Organisations,
                            "orgs.csv",
                            &rows,
                            &label,
                            &pillar_core::stewardship::Origin::committee(None, None),
                            &mut |_, _| {},
                            None,
                        ))
                        .unwrap();
                    total += start.elapsed();
                    assert_eq!(report.rows, n);
                    rt.block_on(store.close());
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_import);
criterion_main!(benches);
