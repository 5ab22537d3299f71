//! Label engine benchmarks: one access decision on a compiled policy, the entitlement set of
//! one clearance over 100 000 distinct labels, and the parse of a hostile 1 MB XML label.
//!
//! Run: `cargo bench -p pillar-label --bench label`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use pillar_label::demo::demo_policies;
use pillar_label::{read_clearance, read_label, PolicySet, Resolved};
use rand::{Rng, SeedableRng};

/// `n` distinct labels of the coalition policy: every classification, random Releasable To
/// sets, random programme accesses and export marks.
pub fn random_labels(set: &PolicySet, n: usize, seed: u64) -> Vec<Resolved> {
    let p = set.policy(0);
    let by_tag = |tag: &str| -> Vec<u32> {
        p.categories
            .iter()
            .enumerate()
            .filter(|(_, c)| p.tags[c.tag].name == tag)
            .map(|(i, _)| i as u32)
            .collect()
    };
    let rel = by_tag("Releasable To");
    let sap = by_tag("Programme Access");
    let exp = by_tag("Export Control");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let class = rng.gen_range(1..=5);
        let mut cats: Vec<u32> = Vec::new();
        for (list, p) in [(&rel, 0.4), (&sap, 0.15), (&exp, 0.2)] {
            for &o in list.iter() {
                if rng.gen_bool(p) {
                    cats.push(o);
                }
            }
        }
        // A few extra bits make 100 000 distinct labels possible.
        cats.sort_unstable();
        let r = Resolved {
            policy: 0,
            class,
            cats,
        };
        if seen.insert(r.clone()) {
            out.push(r);
        }
        if seen.len() > 3 * n {
            break;
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let set = demo_policies();
    let label = read_label(
        br#"{"policy":{"name":"PILLAR COALITION"},"classification":"SECRET","categories":[{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{"generic":"USA"},{"generic":"KOR"},{"generic":"AUS"}]},{"type":"RESTRICTIVE","tag_name":"Programme Access","values":[{"generic":"HAWKEYE"}]}]}"#,
        &set,
    )
    .unwrap()
    .0;
    let clearance = read_clearance(
        br#"{"policy":{"name":"PILLAR COALITION"},"classifications":["UNCLASSIFIED","CUI","CONFIDENTIAL","SECRET"],"categories":[{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{"generic":"AUS"},{"generic":"FVEY"},{"generic":"AUKUS"}]},{"type":"RESTRICTIVE","tag_name":"Programme Access","values":[{"generic":"HAWKEYE"}]}]}"#,
        &set,
    )
    .unwrap()
    .0;
    assert!(set.acdf(&label, &clearance));
    c.bench_function("acdf/one decision", |b| {
        b.iter(|| set.acdf(black_box(&label), black_box(&clearance)))
    });
    c.bench_function("acdf/decide with reasons", |b| {
        b.iter(|| set.decide(black_box(&label), black_box(&clearance)))
    });

    let labels = random_labels(&set, 100_000, 7);
    assert!(
        labels.len() >= 100_000,
        "only {} distinct labels",
        labels.len()
    );
    let mut g = c.benchmark_group("entitlements");
    g.throughput(Throughput::Elements(labels.len() as u64));
    g.bench_function("readable ids among 100k distinct labels", |b| {
        b.iter(|| {
            labels
                .iter()
                .enumerate()
                .filter(|(_, l)| set.acdf(l, &clearance))
                .map(|(i, _)| i as u32)
                .collect::<Vec<u32>>()
        })
    });
    g.finish();

    // A hostile label: about 1 MB of XML, one element with 80 000 attributes. Parsing must stay
    // linear (quick-xml's own duplicate-attribute check made it quadratic: 17 s).
    let attrs: String = (0..80_000).map(|i| format!(" a{i}=\"x\"")).collect();
    let hostile = format!(
        "<originatorConfidentialityLabel xmlns=\"urn:nato:stanag:4774:confidentialitymetadatalabel:1:0\"><ConfidentialityInformation{attrs}/></originatorConfidentialityLabel>"
    );
    let mut g = c.benchmark_group("hostile");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(hostile.len() as u64));
    g.bench_function("XML label with 80 000 attributes", |b| {
        b.iter(|| read_label(black_box(hostile.as_bytes()), &set).is_err())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
