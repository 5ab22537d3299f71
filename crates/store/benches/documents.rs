//! Label-filtered document list and search over a generated corpus (default 1 000 000
//! documents under 10 000 distinct labels, SQLite): a reader who may see part of the corpus
//! against one who may see all of it, to show what the filter costs.
//!
//! Run: `cargo bench -p pillar-store --bench documents` (`PILLAR_BENCH_DOCS=100000` for a
//! smaller corpus).

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use pillar_label::demo::{COALITION_SPIF, ROK_SPIF, US_SPIF};
use pillar_label::Clearance;
use pillar_store::{DbTarget, EntitlementCache, Entitlements, Store};
use rand::{Rng, SeedableRng};

const WORDS: [&str; 16] = [
    "quantum",
    "sensing",
    "undersea",
    "autonomy",
    "hypersonic",
    "glide",
    "cyber",
    "spectrum",
    "jamming",
    "lidar",
    "gallium",
    "tungsten",
    "navigation",
    "timing",
    "sonar",
    "laser",
];
/// A broad query (two domain words: tens of thousands of matches), a selective one (two
/// mid-frequency terms) and a single rare term.
const QUERIES: [&str; 3] = ["quantum sonar", "t60 t150", "t5000"];
const REL: [&str; 10] = [
    "USA", "AUS", "CAN", "GBR", "JPN", "KOR", "NZL", "AUKUS", "CFCK", "FVEY",
];
/// 2026-01-01T00:00:00Z, the first document's creation time.
const START: i64 = 1_767_225_600;
const CLASSES: [&str; 5] = [
    "UNCLASSIFIED",
    "CUI",
    "CONFIDENTIAL",
    "SECRET",
    "TOP SECRET",
];

fn label_json(rng: &mut rand::rngs::StdRng) -> String {
    let class = CLASSES[rng.gen_range(0..5)];
    let mut rel: Vec<String> = REL
        .iter()
        .filter(|_| rng.gen_bool(0.35))
        .map(|r| format!(r#"{{"generic":"{r}"}}"#))
        .collect();
    if rel.is_empty() {
        rel.push(r#"{"generic":"USA"}"#.into());
    }
    let mut cats = vec![format!(
        r#"{{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{}]}}"#,
        rel.join(",")
    )];
    if class != "UNCLASSIFIED" && class != "CUI" && rng.gen_bool(0.3) {
        cats.push(r#"{"type":"RESTRICTIVE","tag_name":"Programme Access","values":[{"generic":"HAWKEYE"}]}"#.into());
    }
    if rng.gen_bool(0.5) {
        cats.push(format!(
            r#"{{"type":"INFORMATIVE","tag_name":"Export Control","values":[{{"generic":"{}"}}]}}"#,
            if rng.gen_bool(0.5) { "ITAR" } else { "EAR" }
        ));
    }
    let label = pillar_label::Label::from_json(&format!(r#"{{"policy":{{"name":"PILLAR COALITION"}},"classification":"{class}","categories":[{}]}}"#, cats.join(","))).unwrap();
    label.canonical()
}

/// Words of the generated texts: one word in five is one of the 16 domain words, the others
/// follow Zipf's law over 20 000 terms (`t1` the most frequent), as words of real text do.
struct Vocabulary {
    cumulative: Vec<f64>,
}

impl Vocabulary {
    fn new() -> Self {
        let mut total = 0.0;
        let cumulative = (1..=20_000)
            .map(|k| {
                total += 1.0 / k as f64;
                total
            })
            .collect();
        Vocabulary { cumulative }
    }

    fn word(&self, rng: &mut rand::rngs::StdRng) -> String {
        if rng.gen_bool(0.2) {
            return WORDS[rng.gen_range(0..WORDS.len())].to_string();
        }
        let x = rng.gen::<f64>() * self.cumulative[self.cumulative.len() - 1];
        format!("t{}", self.cumulative.partition_point(|&c| c < x) + 1)
    }
}

async fn corpus(store: &Store, docs: usize, labels: usize) {
    let pool = store.pool_for_tests();
    let postgres = matches!(store.backend(), pillar_store::Backend::Postgres);
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut seen = std::collections::HashSet::new();
    let mut label_ids = Vec::with_capacity(labels);
    let mut tx = pool.begin().await.unwrap();
    while seen.len() < labels {
        let l = label_json(&mut rng);
        if seen.insert(l.clone()) {
            sqlx::query("INSERT INTO labels (canonical) VALUES ($1) ON CONFLICT DO NOTHING")
                .bind(&l)
                .execute(&mut *tx)
                .await
                .unwrap();
            let id: i64 = sqlx::query_scalar("SELECT id FROM labels WHERE canonical = $1")
                .bind(&l)
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            label_ids.push(id);
        }
    }
    let vocabulary = Vocabulary::new();
    let first_seq: i64 = if postgres {
        0
    } else {
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM documents")
            .fetch_one(&mut *tx)
            .await
            .unwrap()
    };
    for start in (0..docs).step_by(500) {
        let end = (start + 500).min(docs);
        let mut d = String::from(if postgres {
            "INSERT INTO documents (id, title, label_id, version, created_by, created_at, tsv) VALUES "
        } else {
            "INSERT INTO documents (id, title, label_id, version, created_by, created_at, seq) VALUES "
        });
        let mut v = String::from("INSERT INTO document_versions (document_id, version, sha256, size, media_type, filename, uploaded_by, uploaded_at) VALUES ");
        let mut f = String::from("INSERT INTO documents_text (rowid, title, body) VALUES ");
        let mut texts = String::from("INSERT INTO document_texts (seq, title, body) VALUES ");
        for i in start..end {
            let sep = if i > start { "," } else { "" };
            let title: Vec<String> = (0..6).map(|_| vocabulary.word(&mut rng)).collect();
            let body: Vec<String> = (0..40).map(|_| vocabulary.word(&mut rng)).collect();
            let label = label_ids[rng.gen_range(0..labels)];
            // Creation times grow with the document number, as they do in use (a document is
            // created when it is uploaded): one every 30 seconds from the start of 2026.
            let at = chrono::DateTime::from_timestamp(START + 30 * i as i64, 0)
                .expect("a time in range")
                .format("%Y-%m-%dT%H:%M:%S%.3fZ");
            // SQLite numbers documents for its full-text index; PostgreSQL keeps the text
            // vector in the row (see the 0006 migrations).
            let seq = if postgres {
                format!(
                    ",setweight(to_tsvector('simple','{}'),'A') || to_tsvector('simple','{}')",
                    title.join(" "),
                    body.join(" ")
                )
            } else {
                format!(",{}", first_seq + i as i64)
            };
            d.push_str(&format!(
                "{sep}('d{i}','{}',{label},1,'bench','{at}'{seq})",
                title.join(" ")
            ));
            v.push_str(&format!(
                "{sep}('d{i}',1,'{}',100,'text/plain','d.txt','bench','{at}')",
                "0".repeat(64)
            ));
            if !postgres {
                let row = format!(
                    "{sep}({},'{}','{}')",
                    first_seq + i as i64,
                    title.join(" "),
                    body.join(" ")
                );
                f.push_str(&row);
                texts.push_str(&row);
            }
        }
        for sql in [d, v] {
            sqlx::query(&sql).execute(&mut *tx).await.unwrap();
        }
        if !postgres {
            sqlx::query(&f).execute(&mut *tx).await.unwrap();
            sqlx::query(&texts).execute(&mut *tx).await.unwrap();
        }
    }
    if postgres {
        // The word counts the store keeps as documents are indexed.
        sqlx::query("DELETE FROM document_terms")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("INSERT INTO document_terms (term, docs) SELECT word, ndoc FROM ts_stat('SELECT tsv FROM documents WHERE tsv IS NOT NULL')")
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    // Every document has an origin (since the 0016 migrations): the generated ones are the
    // committee's own.
    sqlx::query("UPDATE documents SET origin_nation = 'PILLAR' WHERE origin_nation = ''")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

fn clearance(classes: &[&str], rel: &[&str]) -> Clearance {
    let values: Vec<String> = rel
        .iter()
        .map(|r| format!(r#"{{"generic":"{r}"}}"#))
        .collect();
    Clearance::from_json(&format!(
        r#"{{"policy":{{"name":"PILLAR COALITION"}},"classifications":[{}],"categories":[{{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{}]}},{{"type":"RESTRICTIVE","tag_name":"Programme Access","values":[{{"generic":"HAWKEYE"}}]}}]}}"#,
        classes.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(","),
        values.join(",")
    ))
    .unwrap()
}

/// Medians of the unfiltered search and of each reader's, measured in turn within each round
/// (so that this machine's drift over minutes, which criterion's one-after-the-other groups
/// take as a difference, falls on all of them alike); prints them with the ratios.
fn interleaved(rt: &tokio::runtime::Runtime, store: &Store, readers: &[(&str, &Entitlements)]) {
    let rounds: usize = std::env::var("PILLAR_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    eprintln!("interleaved, {rounds} rounds: query | unfiltered | reader (ratio) ...");
    for q in std::iter::once("").chain(QUERIES) {
        let mut unfiltered = Vec::new();
        let mut filtered = vec![Vec::new(); readers.len()];
        for _ in 0..rounds {
            let t = Instant::now();
            rt.block_on(store.search_documents_unfiltered(q, 100))
                .unwrap();
            unfiltered.push(t.elapsed().as_secs_f64() * 1e3);
            for (i, (_, e)) in readers.iter().enumerate() {
                let t = Instant::now();
                rt.block_on(store.reader(e).search_documents(q, 100))
                    .unwrap();
                filtered[i].push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        let base = median(unfiltered);
        let cells: Vec<String> = readers
            .iter()
            .zip(filtered)
            .map(|((who, _), v)| {
                let m = median(v);
                format!("{who} {m:.2} ms ({:.2})", m / base)
            })
            .collect();
        let name = if q.is_empty() { "list newest 100" } else { q };
        eprintln!("  '{name}' | {base:.2} ms | {}", cells.join(" | "));
    }
}

fn bench(c: &mut Criterion) {
    let docs: usize = std::env::var("PILLAR_BENCH_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // `PILLAR_BENCH_DB` keeps the corpus (a SQLite path or a postgres:// URL) and reuses it
    // when it already holds documents; the HTTP load script serves it afterwards.
    let target = match std::env::var("PILLAR_BENCH_DB") {
        Ok(v) if v.starts_with("postgres") => DbTarget::Postgres(v),
        Ok(v) => DbTarget::Sqlite(v.into()),
        Err(_) => DbTarget::Sqlite(dir.path().join("docs.db")),
    };
    let store = rt.block_on(async {
        let s = Store::open_migrated(&target).await.unwrap();
        let present: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents")
            .fetch_one(&s.pool_for_tests())
            .await
            .unwrap();
        if present > 0 {
            eprintln!("corpus: reusing {present} documents");
            return s;
        }
        let spifs: Vec<(String, Vec<u8>)> =
            [("c", COALITION_SPIF), ("u", US_SPIF), ("r", ROK_SPIF)]
                .iter()
                .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
                .collect();
        s.load_policies(&spifs, None).await.unwrap();
        let t = Instant::now();
        corpus(&s, docs, 10_000).await;
        s.analyze().await.unwrap();
        eprintln!(
            "corpus: {docs} documents, 10 000 labels, built in {:.1?}",
            t.elapsed()
        );
        s
    });
    let cache = EntitlementCache::default();
    // A Japanese observer (CONFIDENTIAL, REL JPN) sees part; a US reader with everything sees all.
    let partial = rt
        .block_on(store.entitlements(
            &cache,
            &clearance(&["UNCLASSIFIED", "CUI", "CONFIDENTIAL"], &["JPN"]),
        ))
        .unwrap();
    let all = rt
        .block_on(store.entitlements(&cache, &clearance(&CLASSES, &REL)))
        .unwrap();
    eprintln!(
        "readable labels: partial {} of {}, all {}",
        partial.label_ids.len(),
        partial.examined,
        all.label_ids.len()
    );
    let t = Instant::now();
    rt.block_on(store.entitlements(
        &EntitlementCache::default(),
        &clearance(&["UNCLASSIFIED"], &["GBR"]),
    ))
    .unwrap();
    eprintln!(
        "entitlement set over 10 000 labels, uncached: {:.1?}",
        t.elapsed()
    );
    let mut g = c.benchmark_group(format!("documents {docs}"));
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(10));
    // The partial reader's searches first without a reader index (none is built meanwhile),
    // then one is built (or found from an earlier run) and every search measured with it.
    store.automatic_reader_indexes(false);
    let had = rt.block_on(store.reader_index_ids()).unwrap();
    if had.is_empty() {
        for q in QUERIES {
            g.bench_function(
                format!("search '{q}', partial reader, no reader index"),
                |b| {
                    b.iter(|| {
                        rt.block_on(store.reader(&partial).search_documents(q, 100))
                            .unwrap()
                    })
                },
            );
        }
    }
    let t = Instant::now();
    let built = rt.block_on(store.prepare_reader_index(&partial)).unwrap();
    eprintln!(
        "reader index for the partial reader: {built:?} in {:.1?} (indexes before: {had:?})",
        t.elapsed()
    );
    // The HTTP load script asks for the corpus (and the reader index) only.
    if std::env::args().any(|a| a == "build-corpus-only") {
        return;
    }
    interleaved(&rt, &store, &[("partial", &partial), ("all", &all)]);
    g.bench_function("list newest 100, unfiltered", |b| {
        b.iter(|| {
            rt.block_on(store.search_documents_unfiltered("", 100))
                .unwrap()
        })
    });
    for q in QUERIES {
        g.bench_function(format!("search '{q}', unfiltered"), |b| {
            b.iter(|| {
                rt.block_on(store.search_documents_unfiltered(q, 100))
                    .unwrap()
            })
        });
    }
    for (who, e) in [("partial reader", &partial), ("reader of all", &all)] {
        g.bench_function(format!("list newest 100, {who}"), |b| {
            b.iter(|| {
                rt.block_on(store.reader(e).search_documents("", 100))
                    .unwrap()
                    .documents
            })
        });
        for q in QUERIES {
            g.bench_function(format!("search '{q}', {who}"), |b| {
                b.iter(|| {
                    rt.block_on(store.reader(e).search_documents(q, 100))
                        .unwrap()
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
