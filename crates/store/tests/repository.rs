//! The repository suite: every test runs on SQLite and, when `PILLAR_TEST_PG_URL` names a
//! PostgreSQL server (the README's test command always sets it), on PostgreSQL too.

use std::sync::atomic::{AtomicUsize, Ordering};

use pillar_core::RegistryKind;
use pillar_label::Label;
use pillar_store::files::read_rows;
use pillar_store::{demo, DbTarget, Store, StoreError};
use sqlx::Connection;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh, migrated store on each available backend. The guard keeps SQLite's directory alive.
async fn stores() -> Vec<(String, Store, Option<tempfile::TempDir>)> {
    stores_at()
        .await
        .into_iter()
        .map(|(name, store, _, guard)| (name, store, guard))
        .collect()
}

/// [`stores`] with where each database is, to open it a second time (as a second server
/// process would).
async fn stores_at() -> Vec<(String, Store, DbTarget, Option<tempfile::TempDir>)> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let target = DbTarget::Sqlite(dir.path().join("t.db"));
    let sqlite = Store::open_migrated(&target)
        .await
        .unwrap()
        .with_audit(trail(&dir, "sqlite"));
    out.push(("sqlite".to_string(), sqlite, target, Some(dir)));
    match std::env::var("PILLAR_TEST_PG_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!(
                "pillar_t{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst)
            );
            sqlx::any::install_default_drivers();
            let mut admin = sqlx::AnyConnection::connect(&admin_url).await.unwrap();
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                .execute(&mut admin)
                .await
                .unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await
                .unwrap();
            admin.close().await.unwrap();
            let (base, _) = admin_url.rsplit_once('/').unwrap();
            let url = format!("{base}/{name}");
            let target = DbTarget::Postgres(url);
            let dir = tempfile::tempdir().unwrap();
            let pg = Store::open_migrated(&target)
                .await
                .unwrap()
                .with_audit(trail(&dir, "postgres"));
            out.push(("postgres".to_string(), pg, target, Some(dir)));
        }
        _ if std::env::var_os("CI").is_some() => {
            panic!("PILLAR_TEST_PG_URL is not set and CI is: the PostgreSQL half must run")
        }
        _ => eprintln!("PILLAR_TEST_PG_URL is not set: PostgreSQL half of the suite skipped"),
    }
    out
}

/// The key of every test store's audit chain.
fn test_key() -> pillar_store::audit::AuditKey {
    pillar_store::audit::AuditKey::new(vec![7u8; 32]).unwrap()
}

/// An audit trail anchored in `dir`.
fn trail(dir: &tempfile::TempDir, database: &str) -> pillar_store::audit::AuditTrail {
    pillar_store::audit::AuditTrail::new(
        test_key(),
        Some(pillar_store::audit::Anchor::new(
            dir.path().join("anchor"),
            database,
        )),
    )
}

/// The origin of the documents the tests create: the US secretariat's.
fn test_origin() -> pillar_core::stewardship::Origin {
    pillar_core::stewardship::Origin {
        organisation: Some("us-ousd-re".into()),
        nation: pillar_core::NationCode::parse("USA").unwrap(),
        stewards: Vec::new(),
        committee: true,
    }
}

/// The audit entry of a test's change.
fn test_entry() -> pillar_store::audit::AuditEvent {
    pillar_store::audit::AuditEvent {
        actor: "us-secretariat".into(),
        action: "edit".into(),
        object: "test".into(),
        label_id: None,
        decision: "allow".into(),
        detail: String::new(),
    }
}

/// The store's pool, to tamper with the database as an attacker with SQL access would.
fn store_pool(store: &Store) -> sqlx::AnyPool {
    store.pool_for_tests()
}

fn default_label() -> Label {
    Label::new(Label::coalition_policy(), "UNCLASSIFIED")
}

async fn import_text(
    store: &Store,
    kind: RegistryKind,
    name: &str,
    text: &str,
) -> Result<usize, StoreError> {
    let rows = read_rows(name, text.as_bytes(), kind)?;
    Ok(store
        .import(
            kind,
            name,
            &rows,
            &default_label(),
            &pillar_core::stewardship::Origin::committee(None, None),
            &mut |_, _| {},
            None,
        )
        .await?
        .rows)
}

async fn counts(store: &Store) -> Vec<i64> {
    let mut v = Vec::new();
    for k in RegistryKind::ALL {
        v.push(store.operator().count(k).await.unwrap());
    }
    v.push(store.operator().label_count().await.unwrap());
    v
}

#[tokio::test]
async fn migrations_are_idempotent() {
    for (backend, store, _g) in stores().await {
        assert_eq!(store.migrate().await.unwrap(), 0, "{backend}");
    }
}

#[tokio::test]
async fn seeds_reference_and_demo_data() {
    for (backend, store, _g) in stores().await {
        let l = default_label();
        demo::seed(&store, demo::REFERENCE, &l, None).await.unwrap();
        demo::seed(&store, demo::DEMO, &l, None).await.unwrap();
        assert_eq!(
            store.operator().count(RegistryKind::Nations).await.unwrap(),
            10,
            "{backend}"
        );
        let areas = store
            .operator()
            .export(RegistryKind::TechAreas)
            .await
            .unwrap();
        let leaves = |tax: &str| {
            areas
                .iter()
                .filter(|r| match r {
                    pillar_store::RegistryRow::TechArea(a) => {
                        a.taxonomy == tax
                            && !areas.iter().any(|o| match o {
                                pillar_store::RegistryRow::TechArea(c) => {
                                    c.parent.as_deref() == Some(a.id.as_str())
                                }
                                _ => false,
                            })
                    }
                    _ => false,
                })
                .count()
        };
        assert_eq!(leaves("aukus-p2"), 8, "{backend}");
        assert_eq!(leaves("dod-cta-2023"), 14, "{backend}");
        assert_eq!(leaves("dod-cta-2025"), 6, "{backend}");
        assert!(store.operator().count(RegistryKind::People).await.unwrap() >= 7);
        // Seeding again changes nothing.
        let before = counts(&store).await;
        assert!(demo::seed(&store, demo::DEMO, &l, None)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(counts(&store).await, before, "{backend}");
    }
}

#[tokio::test]
async fn export_then_import_round_trips() {
    for (backend, store, _g) in stores().await {
        let l = default_label();
        demo::seed(&store, demo::REFERENCE, &l, None).await.unwrap();
        demo::seed(&store, demo::DEMO, &l, None).await.unwrap();
        let (_, copy, _g2) = stores()
            .await
            .into_iter()
            .find(|(b, _, _)| *b == backend)
            .unwrap();
        for kind in RegistryKind::ALL {
            let rows = store.operator().export(kind).await.unwrap();
            // Through JSON for odd kinds and through records (CSV columns) for the others.
            let text = serde_json::to_string(&rows).unwrap();
            let n = import_text(&copy, kind, "copy.json", &text).await.unwrap();
            assert_eq!(n, rows.len());
            assert_eq!(
                copy.operator().export(kind).await.unwrap(),
                rows,
                "{backend} {kind}"
            );
        }
        assert_eq!(
            copy.operator().label_count().await.unwrap(),
            store.operator().label_count().await.unwrap()
        );
    }
}

#[tokio::test]
async fn labels_are_stored_once() {
    for (backend, store, _g) in stores().await {
        demo::seed(&store, demo::REFERENCE, &default_label(), None)
            .await
            .unwrap();
        let before = store.operator().label_count().await.unwrap();
        let a = r#"{"policy":{"name":"P"},"classification":"CONFIDENTIAL","categories":[{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{"generic":"USA"},{"generic":"KOR"}]}]}"#;
        let b = r#"{"policy":{"name":"P"},"classification":"CONFIDENTIAL","categories":[{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{"generic":"KOR"},{"generic":"USA"},{"generic":"USA"}]}]}"#;
        let json = format!(
            r#"[{{"id":"o1","name":"One","kind":"company","nation":"USA","label":{a}}},
                {{"id":"o2","name":"Two","kind":"company","nation":"KOR","label":{b}}}]"#
        );
        import_text(&store, RegistryKind::Organisations, "o.json", &json)
            .await
            .unwrap();
        assert_eq!(
            store.operator().label_count().await.unwrap(),
            before + 1,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn a_bad_row_leaves_the_database_unchanged() {
    for (backend, store, _g) in stores().await {
        demo::seed(&store, demo::REFERENCE, &default_label(), None)
            .await
            .unwrap();
        let before = counts(&store).await;
        let cases: &[(RegistryKind, &str, usize, &str)] = &[
            (
                RegistryKind::Organisations,
                "id,name,kind,nation,parent\nx1,X,company,USA,\nx2,Y,company,XYZ,\n",
                3,
                "nation",
            ),
            (
                RegistryKind::Organisations,
                "id,name,kind,nation,parent\nx1,X,company,USA,\nx2,Y,company,KOR,nowhere\n",
                3,
                "parent",
            ),
            (
                RegistryKind::Organisations,
                "id,name,kind,nation,parent\nx1,X,company,USA,x2\nx2,Y,company,KOR,x1\n",
                2,
                "parent",
            ),
            (
                RegistryKind::Organisations,
                "id,name,kind,nation,parent\nx1,X,company,USA,\nx1,Y,company,KOR,\n",
                3,
                "id",
            ),
            (
                RegistryKind::Nations,
                "code,name,members\nUSA,Again,\n",
                2,
                "code",
            ),
            (
                RegistryKind::Agreements,
                "id,title,kind,parties,areas,valid_from,valid_to,status\na1,T,mou,USA;KOR,p2-quantum,2026-01-01,,in-force\na2,T,mou,USA,p2-nothing,2026-01-01,,in-force\n",
                3,
                "areas",
            ),
            (
                RegistryKind::Agreements,
                "id,title,kind,parties,areas,valid_from,valid_to,status\na1,T,mou,USA;KOR,,01/02/2026,,in-force\n",
                2,
                "valid_from",
            ),
            (
                RegistryKind::TechAreas,
                "id,name,taxonomy,parent\nx,X,mine,p2-quantum\n",
                2,
                "parent",
            ),
        ];
        for (kind, text, line, field) in cases {
            let err = import_text(&store, *kind, "bad.csv", text)
                .await
                .unwrap_err();
            let StoreError::Input(e) = err else {
                panic!("{backend}: not an input error: {err}")
            };
            assert_eq!(e.file, "bad.csv");
            assert_eq!(e.line, Some(*line), "{backend}: {e}");
            assert_eq!(e.field.as_deref(), Some(*field), "{backend}: {e}");
            assert_eq!(counts(&store).await, before, "{backend}: {e}");
        }
    }
}

#[tokio::test]
async fn parents_may_come_later_in_the_file() {
    for (backend, store, _g) in stores().await {
        demo::seed(&store, demo::REFERENCE, &default_label(), None)
            .await
            .unwrap();
        let text = "id,name,kind,nation,parent\nchild,C,laboratory,KOR,mid\nmid,M,agency,KOR,top\ntop,T,ministry,KOR,\n";
        assert_eq!(
            import_text(&store, RegistryKind::Organisations, "o.csv", text)
                .await
                .unwrap(),
            3,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn demo_labels_and_clearances_are_valid_under_the_demo_policies() {
    let set = pillar_label::demo::demo_policies();
    for (backend, store, _g) in stores().await {
        demo::seed(&store, demo::REFERENCE, &default_label(), None)
            .await
            .unwrap();
        demo::seed(&store, demo::DEMO, &default_label(), None)
            .await
            .unwrap();
        for kind in RegistryKind::ALL {
            for row in store.operator().export(kind).await.unwrap() {
                let r = set
                    .resolve(row.label())
                    .unwrap_or_else(|e| panic!("{backend} {kind} {}: {e}", row.id()));
                assert!(
                    set.is_valid(&r),
                    "{backend} {kind} {}: {:?}",
                    row.id(),
                    set.validate(&r)
                );
                if let pillar_store::RegistryRow::Person(p) = &row {
                    let c = p.clearance.as_ref().expect("every persona has a clearance");
                    set.resolve_clearance(c)
                        .unwrap_or_else(|e| panic!("{} clearance: {e}", p.id));
                }
            }
        }
    }
}

#[tokio::test]
async fn supply_networks_round_trip() {
    for (backend, store, _g) in stores().await {
        let rows = pillar_store::SupplyRows {
            // In id order, as loaded.
            items: vec![
                ("M".into(), "Gallium".into(), "material".into()),
                ("S".into(), "System".into(), "system".into()),
            ],
            sites: vec![("s1".into(), "Site".into(), "sup".into(), "CHN".into())],
            bom: vec![("S".into(), "M".into(), 2.0, Some(0.5))],
            sources: vec![("M".into(), "s1".into(), 1.0, None, Some(30.0))],
            stock: vec![
                ("M".into(), Some(45.0), None),
                ("S".into(), None, Some(0.5)),
            ],
        };
        store
            .import_supply(
                "n1",
                "Net",
                &default_label(),
                &rows,
                "2026-11-28T00:00:00Z",
                &pillar_core::stewardship::Origin::committee(None, None),
                None,
            )
            .await
            .unwrap();
        let (info, back) = store.operator().load_supply("n1").await.unwrap().unwrap();
        assert_eq!(back, rows, "{backend}");
        assert_eq!(info.items, 2);
        // A second import under the same id is refused and changes nothing.
        assert!(matches!(
            store
                .import_supply(
                    "n1",
                    "Again",
                    &default_label(),
                    &rows,
                    "x",
                    &pillar_core::stewardship::Origin::committee(None, None),
                    None
                )
                .await,
            Err(StoreError::Input(_))
        ));
        assert_eq!(store.operator().supply_networks().await.unwrap().len(), 1);
        assert!(store
            .operator()
            .load_supply("nope")
            .await
            .unwrap()
            .is_none());
    }
}

fn event(i: usize) -> pillar_store::audit::AuditEvent {
    pillar_store::audit::AuditEvent {
        actor: format!("user{i}"),
        action: "read".into(),
        object: format!("document:{i}"),
        label_id: None,
        decision: "allow".into(),
        detail: String::new(),
    }
}

async fn chain(store: &Store, _key: &pillar_store::audit::AuditKey) -> (i64, String) {
    let mut head = (0, String::new());
    for i in 0..6 {
        let seq = store
            .audit(&format!("2026-11-28T00:00:0{i}Z"), &event(i))
            .await
            .unwrap();
        head = (
            seq,
            store.operator().audit_entries(1).await.unwrap()[0]
                .hash
                .clone(),
        );
    }
    head
}

#[tokio::test]
async fn audit_verify_catches_every_kind_of_tampering() {
    let key = test_key();
    let tampering: &[(&str, &[&str], i64)] = &[
        ("edit", &["UPDATE audit SET decision = 'deny' WHERE seq = 3"], 3),
        ("delete", &["DELETE FROM audit WHERE seq = 4"], 4),
        (
            "insert",
            &["INSERT INTO audit (seq, at, actor, action, object, label_id, decision, detail, prev_hash, hash) \
               SELECT 7, at, actor, action, object, label_id, decision, detail, prev_hash, hash FROM audit WHERE seq = 2"],
            7,
        ),
        (
            "swap",
            &[
                "UPDATE audit SET seq = 100 WHERE seq = 2",
                "UPDATE audit SET seq = 2 WHERE seq = 3",
                "UPDATE audit SET seq = 3 WHERE seq = 100",
            ],
            2,
        ),
        ("truncate", &["DELETE FROM audit WHERE seq = 6"], 6),
    ];
    for (kind, statements, first_bad) in tampering {
        for (backend, store, _g) in stores().await {
            let head = chain(&store, &key).await;
            let ok = store
                .audit_verify(&key, Some((head.0, &head.1)))
                .await
                .unwrap();
            assert_eq!(ok.first_bad, None, "{backend}");
            assert_eq!(ok.entries, 6);
            for sql in *statements {
                sqlx::query(sql).execute(&store_pool(&store)).await.unwrap();
            }
            let v = store
                .audit_verify(&key, Some((head.0, &head.1)))
                .await
                .unwrap();
            let (seq, why) = v
                .first_bad
                .unwrap_or_else(|| panic!("{backend}: {kind} not detected"));
            assert_eq!(seq, *first_bad, "{backend} {kind}: {why}");
        }
    }
    // A different key does not verify.
    for (_, store, _g) in stores().await {
        let head = chain(&store, &key).await;
        let other = pillar_store::audit::AuditKey::new(vec![8u8; 32]).unwrap();
        assert_eq!(
            store
                .audit_verify(&other, Some((head.0, &head.1)))
                .await
                .unwrap()
                .first_bad
                .unwrap()
                .0,
            1
        );
    }
}

async fn seed_with_policies(store: &Store) {
    use pillar_label::demo::{COALITION_SPIF, ROK_SPIF, US_SPIF};
    demo::seed(store, demo::REFERENCE, &default_label(), None)
        .await
        .unwrap();
    demo::seed(store, demo::DEMO, &default_label(), None)
        .await
        .unwrap();
    let spifs: Vec<(String, Vec<u8>)> = [("c", COALITION_SPIF), ("u", US_SPIF), ("r", ROK_SPIF)]
        .iter()
        .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
        .collect();
    store.load_policies(&spifs, None).await.unwrap();
}

async fn visible_agreements(
    store: &Store,
    cache: &pillar_store::EntitlementCache,
    person: &str,
) -> Vec<String> {
    let e = entitlements_of(store, cache, person).await;
    store
        .reader(&e)
        .export(RegistryKind::Agreements)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id().to_string())
        .collect()
}

#[tokio::test]
async fn each_persona_sees_only_what_is_released_to_them() {
    for (backend, store, _g) in stores().await {
        seed_with_policies(&store).await;
        let cache = pillar_store::EntitlementCache::default();
        let unclassified = ["gsa-demo", "mou-cyber-expired", "mou-us-kor-dst"];
        let expect = |extra: &[&str]| {
            let mut v: Vec<String> = unclassified
                .iter()
                .chain(extra)
                .map(|s| s.to_string())
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            visible_agreements(&store, &cache, "jp-observer").await,
            expect(&["pa-hypersonic-draft"]),
            "{backend}"
        );
        assert_eq!(
            visible_agreements(&store, &cache, "au-liaison").await,
            expect(&["iea-undersea", "pa-hypersonic-draft", "pa-quantum-pnt"]),
            "{backend}"
        );
        // The ROK programme manager's clearance is under the ROK policy: labels are translated.
        assert_eq!(
            visible_agreements(&store, &cache, "kr-pm").await,
            expect(&["iea-us-kor-ew", "pa-quantum-pnt"]),
            "{backend}"
        );
        // The administrator reads content only within their own (unclassified) clearance.
        assert_eq!(
            visible_agreements(&store, &cache, "ca-admin").await,
            expect(&[]),
            "{backend}"
        );
        assert_eq!(
            visible_agreements(&store, &cache, "us-secretariat")
                .await
                .len(),
            7,
            "{backend}"
        );
        assert_eq!(
            visible_agreements(&store, &cache, "us-release").await.len(),
            7,
            "{backend}"
        );
        // A bad SPIF is refused and changes nothing.
        let before = store.policy_set().await.unwrap().1;
        assert!(store
            .load_policies(&[("bad.xml".into(), b"<SPIF>".to_vec())], None)
            .await
            .is_err());
        assert_eq!(store.policy_set().await.unwrap().1, before);
    }
}

#[tokio::test]
async fn document_search_and_reads_respect_labels() {
    use pillar_store::blobs::Blobs;
    use pillar_store::documents::Upload;
    for (backend, store, _g) in stores().await {
        seed_with_policies(&store).await;
        let blobs_dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::new(blobs_dir.path());
        let secret = Label::from_json(r#"{"policy":{"name":"PILLAR COALITION"},"classification":"SECRET","categories":[{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{"generic":"USA"}]}]}"#).unwrap();
        let open = default_label();
        for (id, title, text, label) in [
            (
                "d1",
                "Hypersonic glide vehicle study",
                "thermal protection with tungsten inserts",
                &secret,
            ),
            (
                "d2",
                "Quantum sensing roadmap",
                "atom interferometer navigation without GPS",
                &open,
            ),
            (
                "d3",
                "Hypersonic test range schedule",
                "range availability for the coalition",
                &open,
            ),
        ] {
            let sha = blobs.put(text.as_bytes()).await.unwrap();
            let f = Upload {
                sha256: &sha,
                size: text.len() as i64,
                media_type: "text/plain",
                filename: "x.txt",
                text,
            };
            store
                .create_document(
                    id,
                    title,
                    label,
                    &test_origin(),
                    "us-secretariat",
                    "2026-11-28T00:00:00Z",
                    &f,
                    &test_entry(),
                )
                .await
                .unwrap();
        }
        let cache = pillar_store::EntitlementCache::default();
        let clearance_of = |person: &str| {
            let person = person.to_string();
            let store = store.clone();
            async move {
                store
                    .operator()
                    .export(RegistryKind::People)
                    .await
                    .unwrap()
                    .into_iter()
                    .find_map(|r| match r {
                        pillar_store::RegistryRow::Person(p) if p.id == person => p.clearance,
                        _ => None,
                    })
                    .unwrap()
            }
        };
        let us = store
            .entitlements(&cache, &clearance_of("us-secretariat").await)
            .await
            .unwrap();
        let jp = store
            .entitlements(&cache, &clearance_of("jp-observer").await)
            .await
            .unwrap();
        let ids = |v: pillar_store::documents::SearchHits| {
            v.documents.into_iter().map(|d| d.id).collect::<Vec<_>>()
        };
        let mut got = ids(store
            .reader(&us)
            .search_documents("hypersonic", 50)
            .await
            .unwrap());
        got.sort();
        assert_eq!(got, ["d1", "d3"], "{backend}");
        assert_eq!(
            ids(store
                .reader(&jp)
                .search_documents("hypersonic", 50)
                .await
                .unwrap()),
            ["d3"],
            "{backend}"
        );
        assert_eq!(
            ids(store
                .reader(&jp)
                .search_documents("tungsten", 50)
                .await
                .unwrap()),
            Vec::<String>::new(),
            "{backend}"
        );
        assert_eq!(
            ids(store
                .reader(&us)
                .search_documents("tungsten", 50)
                .await
                .unwrap()),
            ["d1"],
            "{backend}"
        );
        assert_eq!(
            store
                .reader(&jp)
                .search_documents("", 50)
                .await
                .unwrap()
                .documents
                .len(),
            2,
            "{backend}"
        );
        // Broad queries (more readable matches than the bound) list the newest first; the bound
        // counts readable documents only, so what a reader cannot see does not change it.
        let hits = store
            .reader(&us)
            .search_documents_among("hypersonic", 50, 1)
            .await
            .unwrap();
        assert!(hits.broad, "{backend}");
        assert_eq!(ids(hits), ["d3", "d1"], "{backend}");
        let hits = store
            .reader(&us)
            .search_documents_among("hypersonic", 1, 1)
            .await
            .unwrap();
        assert_eq!(ids(hits), ["d3"], "{backend}");
        // No candidates at all: every query is broad, and PostgreSQL takes the newest-first
        // walk rather than the index of words.
        let hits = store
            .reader(&us)
            .search_documents_among("hypersonic", 50, 0)
            .await
            .unwrap();
        assert!(hits.broad, "{backend}");
        assert_eq!(ids(hits), ["d3", "d1"], "{backend}");
        let hits = store
            .reader(&jp)
            .search_documents_among("hypersonic", 50, 1)
            .await
            .unwrap();
        assert!(!hits.broad, "{backend}");
        assert_eq!(ids(hits), ["d3"], "{backend}");
        assert!(
            !store
                .reader(&us)
                .search_documents("hypersonic", 50)
                .await
                .unwrap()
                .broad
        );
        // Operators typed by a user are words, not syntax.
        assert!(
            store
                .reader(&us)
                .search_documents("\"quantum OR (", 50)
                .await
                .is_ok(),
            "{backend}"
        );
        assert!(store.reader(&jp).document("d1").await.unwrap().is_none());
        assert!(store.reader(&us).document("d1").await.unwrap().is_some());
        // Versions: a new version replaces the searchable text.
        let text = "updated with carbon-carbon leading edges";
        let sha = blobs.put(text.as_bytes()).await.unwrap();
        let f = Upload {
            sha256: &sha,
            size: text.len() as i64,
            media_type: "text/plain",
            filename: "x2.txt",
            text,
        };
        assert_eq!(
            store
                .new_document_version(
                    "d1",
                    &us,
                    "us-release",
                    "2026-11-29T00:00:00Z",
                    &f,
                    &test_entry()
                )
                .await
                .unwrap(),
            Some(2)
        );
        assert_eq!(
            store
                .new_document_version(
                    "d1",
                    &jp,
                    "jp-observer",
                    "2026-11-29T00:00:00Z",
                    &f,
                    &test_entry()
                )
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            ids(store
                .reader(&us)
                .search_documents("carbon", 50)
                .await
                .unwrap()),
            ["d1"],
            "{backend}"
        );
        if backend == "postgres" {
            // The word counts follow the versions: the new text's words in, the old one's out.
            let docs = |term: &'static str| {
                let pool = store_pool(&store);
                async move {
                    sqlx::query_scalar::<_, i64>("SELECT docs FROM document_terms WHERE term = $1")
                        .bind(term)
                        .fetch_optional(&pool)
                        .await
                        .unwrap()
                        .unwrap_or(0)
                }
            };
            assert_eq!(docs("carbon").await, 1);
            assert_eq!(docs("hypersonic").await, 2);
        }
        assert_eq!(
            store
                .reader(&us)
                .document_versions("d1")
                .await
                .unwrap()
                .len(),
            2
        );
        assert!(store
            .reader(&jp)
            .document_versions("d1")
            .await
            .unwrap()
            .is_empty());
    }
}

async fn entitlements_of(
    store: &Store,
    cache: &pillar_store::EntitlementCache,
    person: &str,
) -> pillar_store::Entitlements {
    let clearance = store
        .person(person)
        .await
        .unwrap()
        .unwrap()
        .clearance
        .unwrap();
    store.entitlements(cache, &clearance).await.unwrap()
}

#[tokio::test]
async fn projects_are_labelled_checked_whole_and_signed_assessments_stay_fixed() {
    for (backend, store, _g) in stores().await {
        seed_with_policies(&store).await;
        let loaded = demo::seed_projects(&store, "2026-11-28T00:00:00Z", None)
            .await
            .unwrap();
        let (name, text) = demo::DEMO_PROJECTS;
        let file = pillar_core::project::read_projects(name, text).unwrap();
        assert_eq!(loaded, file.len(), "{backend}");
        assert!(loaded >= 50, "{backend}");
        // Seeding again changes nothing.
        assert_eq!(
            demo::seed_projects(&store, "2026-11-29T00:00:00Z", None)
                .await
                .unwrap(),
            0
        );
        // Visibility, against a model of the Japanese observer's clearance written out here:
        // UNCLASSIFIED, CUI or CONFIDENTIAL, and released to JPN when released at all.
        let cache = pillar_store::EntitlementCache::default();
        let jp = entitlements_of(&store, &cache, "jp-observer").await;
        let mut expected: Vec<String> = file
            .iter()
            .filter(|(_, p)| {
                let json: serde_json::Value = serde_json::from_str(&p.label.to_json()).unwrap();
                let class = json["classification"].as_str().unwrap();
                let rel: Vec<&str> = json["categories"]
                    .as_array()
                    .map(|c| {
                        c.iter()
                            .flat_map(|t| t["values"].as_array().unwrap())
                            .map(|v| v["generic"].as_str().unwrap())
                            .collect()
                    })
                    .unwrap_or_default();
                ["UNCLASSIFIED", "CUI", "CONFIDENTIAL"].contains(&class)
                    && (rel.is_empty() || rel.contains(&"JPN"))
            })
            .map(|(_, p)| p.id.clone())
            .collect();
        expected.sort();
        let seen: Vec<String> = store
            .reader(&jp)
            .projects()
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(seen, expected, "{backend}");
        assert!(seen.len() < file.len(), "{backend}");
        let hidden = file
            .iter()
            .map(|(_, p)| &p.id)
            .find(|id| !expected.contains(id))
            .unwrap();
        assert!(store.reader(&jp).project(hidden).await.unwrap().is_none());
        assert!(store
            .reader(&jp)
            .project_history(hidden)
            .await
            .unwrap()
            .is_empty());
        let us = entitlements_of(&store, &cache, "us-release").await;
        let full = store.reader(&us).project(hidden).await.unwrap().unwrap();
        assert_eq!(
            full.assessments.len(),
            file.iter()
                .find(|(_, p)| &p.id == hidden)
                .unwrap()
                .1
                .assessments
                .len()
        );
        assert!(store.reader(&us).project_history(hidden).await.unwrap()[0]
            .change
            .starts_with("created"));

        // A file with one bad project saves nothing, and names file, line and field.
        let mut changed = file.clone();
        changed[0].1.title = "Renamed".into();
        changed[1].1.participants[0].financial += 5.0;
        let before = store.operator().projects().await.unwrap();
        let e = store
            .import_projects("p.json", &changed, "operator", "2026-12-01T00:00:00Z", None)
            .await
            .unwrap_err();
        let StoreError::Input(e) = e else {
            panic!("{e}")
        };
        assert_eq!(e.file, "p.json");
        assert_eq!(e.line, Some(changed[1].0));
        assert!(
            e.field.as_deref().unwrap().ends_with(".participants"),
            "{e}"
        );
        assert_eq!(
            store.operator().projects().await.unwrap(),
            before,
            "{backend}"
        );

        // A signed assessment is never edited: not through an import, not in SQL.
        let mut edit = vec![file[0].clone()];
        let signed = edit[0].1.assessments.iter().position(|a| a.signed).unwrap();
        edit[0].1.assessments[signed].level = 9;
        let e = store
            .import_projects("p.json", &edit, "operator", "2026-12-01T00:00:00Z", None)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("is signed"), "{e}");
        let sql = sqlx::query("UPDATE assessments SET level = 9 WHERE signed = 1")
            .execute(&store_pool(&store))
            .await;
        assert!(
            sql.is_err(),
            "{backend}: the database let a signed assessment change"
        );
        assert!(sqlx::query("DELETE FROM assessments WHERE signed = 1")
            .execute(&store_pool(&store))
            .await
            .is_err());

        // A change and a new assessment go to the history.
        let mut next = vec![file[0].clone()];
        next[0].1.title = "Renamed project".into();
        next[0]
            .1
            .assessments
            .push(pillar_core::project::Assessment {
                id: "trl-next".into(),
                scale: "TRL".into(),
                component: None,
                level: 7,
                date: "2026-11-20".parse().unwrap(),
                assessor: "us-secretariat".into(),
                signed: true,
                evidence: "board".into(),
                answers: None,
            });
        let r = store
            .import_projects("p.json", &next, "operator", "2026-12-02T00:00:00Z", None)
            .await
            .unwrap();
        assert_eq!((r.changed, r.assessments), (1, 1), "{backend}");
        let history = store
            .reader(&us)
            .project_history(&next[0].1.id)
            .await
            .unwrap();
        let last = &history.last().unwrap().change;
        assert!(
            last.contains("title") && last.contains("trl-next added"),
            "{last}"
        );
        let p = store
            .reader(&us)
            .project(&next[0].1.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.latest("TRL", None).unwrap().level, 7);
    }
}

#[tokio::test]
async fn minutes_hold_only_the_items_released_to_the_reader() {
    for (backend, store, _g) in stores().await {
        seed_with_policies(&store).await;
        demo::seed_projects(&store, "2026-11-28T00:00:00Z", None)
            .await
            .unwrap();
        assert_eq!(
            demo::seed_committee(&store, None).await.unwrap(),
            6,
            "{backend}"
        );
        assert_eq!(
            demo::seed_committee(&store, None).await.unwrap(),
            0,
            "{backend}"
        );
        let cache = pillar_store::EntitlementCache::default();
        let jp = entitlements_of(&store, &cache, "jp-observer").await;
        let au = entitlements_of(&store, &cache, "au-liaison").await;
        let meetings = |e: &pillar_store::Entitlements| {
            let store = store.clone();
            let e = e.clone();
            async move {
                store
                    .reader(&e)
                    .meetings()
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|m| m.id)
                    .collect::<Vec<_>>()
            }
        };
        // Unclassified meetings only for the Japanese observer; AUKUS ones for the Australian.
        assert_eq!(
            meetings(&jp).await,
            ["exec-2026-11", "wgr-2026-09", "wgh-2026-07", "exec-2026-03"],
            "{backend}"
        );
        assert!(meetings(&au).await.contains(&"wgu-2026-06".to_string()));
        // Committees are labelled too: the AUKUS-only working group is not listed to Japan.
        let names = |cs: Vec<pillar_core::committee::Committee>| {
            cs.into_iter().map(|c| c.id).collect::<Vec<_>>()
        };
        assert!(
            !names(store.reader(&jp).committees().await.unwrap()).contains(&"wg-undersea".into())
        );
        assert!(
            names(store.reader(&au).committees().await.unwrap()).contains(&"wg-undersea".into())
        );
        assert!(store
            .reader(&jp)
            .meeting("wgq-2026-04")
            .await
            .unwrap()
            .is_none());
        // Within a meeting both may see, each reads only their items.
        let (m, labels) = store
            .reader(&jp)
            .meeting("exec-2026-03")
            .await
            .unwrap()
            .unwrap();
        let titles: Vec<&str> = m.agenda.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Portfolio review: stalled projects",
                "Additive manufacturing qualification"
            ],
            "{backend}"
        );
        assert_eq!(m.decisions.len(), 1);
        assert_eq!(labels.len(), 1 + 2 + 1 + 2);
        let (m, _) = store
            .reader(&au)
            .meeting("exec-2026-03")
            .await
            .unwrap()
            .unwrap();
        let titles: Vec<&str> = m.agenda.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(
            titles,
            ["Portfolio review: stalled projects", "Seabed sensing grid"],
            "{backend}"
        );
        // Open actions: by owner, visible ones only.
        let kr = entitlements_of(&store, &cache, "kr-pm").await;
        let mine: Vec<String> = store
            .reader(&kr)
            .open_actions(Some("kr-pm"))
            .await
            .unwrap()
            .into_iter()
            .map(|a| format!("{}/{}", a.meeting, a.action.id))
            .collect();
        assert!(mine.contains(&"wgr-2026-09/a2".to_string()), "{mine:?}");
        assert!(store
            .reader(&jp)
            .open_actions(None)
            .await
            .unwrap()
            .iter()
            .all(|a| a.meeting != "wgu-2026-06" && a.meeting != "wgq-2026-04"));
        // A bad file saves nothing and names the field.
        let (_, text) = demo::DEMO_COMMITTEE;
        let mut bad: pillar_core::committee::CommitteeFile = serde_json::from_str(text).unwrap();
        bad.meetings[0].title = "Changed".into();
        bad.meetings[1].actions[0].owner = "nobody".into();
        let e = store
            .import_committee(
                "c.json",
                &bad,
                &pillar_core::stewardship::Origin::committee(None, None),
                None,
            )
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("meetings[1].actions[0].owner"),
            "{e}"
        );
        let (m, _) = store
            .reader(&au)
            .meeting("exec-2026-03")
            .await
            .unwrap()
            .unwrap();
        assert_ne!(m.title, "Changed");
    }
}

#[tokio::test]
async fn concurrent_writers_of_new_labels_all_succeed() {
    for (backend, store, _g) in stores().await {
        seed_with_policies(&store).await;
        // Eight documents at once, pairs sharing a label nobody has used yet: with label
        // inserts serialised, none fails on the unique label, and every id is one label.
        let labels: Vec<Label> = (0..4)
            .map(|i| {
                Label::from_json(&format!(
                    r#"{{"policy":{{"name":"PILLAR COALITION"}},"classification":"CONFIDENTIAL","categories":[{{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{{"generic":"USA"}},{{"generic":"{}"}}]}}]}}"#,
                    ["KOR", "JPN", "GBR", "AUS"][i]
                ))
                .unwrap()
            })
            .collect();
        let mut tasks = Vec::new();
        for i in 0..8 {
            let store = store.clone();
            let label = labels[i / 2].clone();
            tasks.push(tokio::spawn(async move {
                let f = pillar_store::documents::Upload {
                    sha256: "0000000000000000000000000000000000000000000000000000000000000000",
                    size: 1,
                    media_type: "text/plain",
                    filename: "c.txt",
                    text: "concurrent",
                };
                store
                    .create_document(
                        &format!("c{i}"),
                        "Concurrent",
                        &label,
                        &test_origin(),
                        "us-secretariat",
                        "2026-11-28T00:00:00Z",
                        &f,
                        &test_entry(),
                    )
                    .await
            }));
        }
        for t in tasks {
            t.await
                .unwrap()
                .unwrap_or_else(|e| panic!("{backend}: {e}"));
        }
        for l in &labels {
            assert!(store.label_id(l).await.unwrap().is_some(), "{backend}");
        }
        let pool = store_pool(&store);
        let distinct: i64 =
            sqlx::query_scalar("SELECT COUNT(DISTINCT label_id) FROM documents WHERE id LIKE 'c%'")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(distinct, 4, "{backend}");
    }
}

#[tokio::test]
async fn landscapes_keep_their_facts_and_follow_their_labels() {
    for (backend, store, _g) in stores().await {
        seed_with_policies(&store).await;
        let at = "2026-11-28T00:00:00Z";
        assert_eq!(demo::seed_landscapes(&store, at, None).await.unwrap(), 2);
        let cache = pillar_store::EntitlementCache::default();
        let us = entitlements_of(&store, &cache, "us-secretariat").await;
        let kr = entitlements_of(&store, &cache, "kr-pm").await;
        let facts = |list: Vec<pillar_store::landscapes::Landscape>| {
            list.into_iter()
                .map(|l| (l.id, l.works, l.areas.len(), l.body.is_some()))
                .collect::<Vec<_>>()
        };
        let mut seen = facts(store.reader(&us).landscapes().await.unwrap());
        seen.sort();
        assert_eq!(
            seen,
            vec![
                ("aukus-restricted".to_string(), 22_435, 20, false),
                ("pillar2-open".to_string(), 40_000, 20, false),
            ],
            "{backend}"
        );
        let areas = &store.reader(&us).landscapes().await.unwrap()[0].areas;
        assert!(areas.windows(2).all(|w| w[0] < w[1]), "sorted: {areas:?}");
        // The SECRET REL USA/AUS/GBR analysis does not exist for a Korean reader.
        assert_eq!(
            facts(store.reader(&kr).landscapes().await.unwrap()),
            vec![("pillar2-open".to_string(), 40_000, 20, false)],
            "{backend}"
        );
        assert!(store
            .reader(&kr)
            .landscape("aukus-restricted")
            .await
            .unwrap()
            .is_none());
        assert!(store
            .reader(&us)
            .landscape("aukus-restricted")
            .await
            .unwrap()
            .unwrap()
            .body
            .is_some());

        // An analysis without its report is refused, naming the field.
        let e = store
            .publish_landscape(
                "x",
                "X",
                &default_label(),
                &serde_json::json!({}),
                "t",
                &pillar_core::stewardship::Origin::committee(None, None),
                at,
                None,
            )
            .await
            .unwrap_err();
        assert!(e.to_string().contains("analysis"), "{backend}: {e}");
        assert_eq!(store.operator().landscape_count().await.unwrap(), 2);

        // The migration that added the two columns fills them from bodies already stored.
        let pool = store_pool(&store);
        sqlx::query("UPDATE landscapes SET works = 0, areas = ''")
            .execute(&pool)
            .await
            .unwrap();
        let migration = match store.backend() {
            pillar_store::Backend::Sqlite => {
                include_str!("../migrations/sqlite/0013_landscape_facts.sql")
            }
            pillar_store::Backend::Postgres => {
                include_str!("../migrations/postgres/0013_landscape_facts.sql")
            }
        };
        let backfill = &migration[migration.find("UPDATE").unwrap()..];
        sqlx::query(backfill).execute(&pool).await.unwrap();
        let mut again = facts(store.reader(&us).landscapes().await.unwrap());
        again.sort();
        assert_eq!(again, seen, "{backend}");
        assert_eq!(
            &store.reader(&us).landscapes().await.unwrap()[0].areas,
            areas
        );
    }
}

#[tokio::test]
async fn sign_in_attempts_are_counted_once_for_every_server_process() {
    const MAX: i64 = 5;
    let (now, expired) = ("2026-12-01T10:00:00.000Z", "2026-12-01T09:45:00.000Z");
    for (backend, store, target, _g) in stores_at().await {
        // A second server process over the same database.
        let other = Store::open(&target).await.unwrap();
        let keys = ["user:au-liaison", "addr:192.0.2.1"];
        for i in 0..MAX {
            let by = if i % 2 == 0 { &store } else { &other };
            assert!(
                by.count_login_attempt(&keys, now, expired, MAX)
                    .await
                    .unwrap(),
                "{backend}: attempt {i}"
            );
        }
        assert!(
            !other
                .count_login_attempt(&keys, now, expired, MAX)
                .await
                .unwrap(),
            "{backend}: the sixth attempt, from the other process"
        );
        // Once the window has passed, the key starts again.
        assert!(
            store
                .count_login_attempt(
                    &keys,
                    "2026-12-01T10:20:00.000Z",
                    "2026-12-01T10:05:00.000Z",
                    MAX
                )
                .await
                .unwrap(),
            "{backend}"
        );
        // Parallel guesses: counted before any password is checked, so exactly MAX pass.
        let mut tasks = Vec::new();
        for i in 0..4 * MAX {
            let s = if i % 2 == 0 {
                store.clone()
            } else {
                other.clone()
            };
            tasks.push(tokio::spawn(async move {
                s.count_login_attempt(&["user:kr-pm", "addr:198.51.100.7"], now, expired, MAX)
                    .await
                    .unwrap()
            }));
        }
        let mut passed = 0;
        for t in tasks {
            passed += i64::from(t.await.unwrap());
        }
        assert_eq!(passed, MAX, "{backend}");
        // A success forgets the account's attempts and takes back its own from the address,
        // not the address's other failures.
        let (user, addr) = ("user:jp-observer", "addr:203.0.113.9");
        for _ in 0..3 {
            store
                .count_login_attempt(&[addr], now, expired, MAX)
                .await
                .unwrap();
        }
        store
            .count_login_attempt(&[user, addr], now, expired, MAX)
            .await
            .unwrap();
        store.login_succeeded(user, &[addr]).await.unwrap();
        let pool = store_pool(&store);
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT key, attempts FROM login_attempts WHERE key IN ($1, $2)")
                .bind(user)
                .bind(addr)
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(rows, vec![(addr.to_string(), 3)], "{backend}");
        // Expired windows are forgotten: the table does not grow with every name tried.
        store
            .count_login_attempt(
                &["user:someone"],
                "2026-12-02T00:00:00.000Z",
                "2026-12-01T23:45:00.000Z",
                MAX,
            )
            .await
            .unwrap();
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_attempts")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(left, 1, "{backend}");
        other.close().await;
    }
}

#[tokio::test]
async fn the_label_filter_keeps_exactly_the_readable_labels_in_each_of_its_forms() {
    use std::sync::Arc;
    for (backend, store, _g) in stores().await {
        let pool = store_pool(&store);
        // 300 labels (JSON text is all the filter needs), then sets of every shape over them.
        let mut ids = Vec::new();
        for i in 0..300 {
            ids.push(
                sqlx::query_scalar::<_, i64>(
                    "INSERT INTO labels (canonical) VALUES ($1) RETURNING id",
                )
                .bind(format!(r#"{{"filter-test":{i}}}"#))
                .fetch_one(&pool)
                .await
                .unwrap(),
            );
        }
        let examined: i64 = sqlx::query_scalar("SELECT MAX(id) FROM labels")
            .fetch_one(&pool)
            .await
            .unwrap();
        // Labels added after the set was computed: not readable through it.
        for i in 0..3 {
            sqlx::query("INSERT INTO labels (canonical) VALUES ($1)")
                .bind(format!(r#"{{"filter-later":{i}}}"#))
                .execute(&pool)
                .await
                .unwrap();
        }
        let subsets: Vec<(&str, Vec<i64>)> = vec![
            ("none", vec![]),
            ("a few", ids.iter().copied().step_by(50).collect()),
            ("every third", ids.iter().copied().step_by(3).collect()),
            ("all but two", ids[1..299].to_vec()),
            ("all, and the newest", ids.clone()),
        ];
        for (name, readable) in subsets {
            let e = pillar_store::Entitlements {
                version: 1,
                label_ids: Arc::new(readable.clone()),
                unreadable: Arc::new(
                    ids.iter()
                        .copied()
                        .filter(|i| !readable.contains(i))
                        .collect(),
                ),
                examined: ids.len(),
                newest: examined,
            };
            // Up to 64 labels (or a twentieth of them) go as a list, more as a bitmap.
            assert_eq!(e.few(), readable.len() <= 64, "{name}");
            for (column, walk) in [("l.id", false), ("+l.id", false), ("l.id", true)] {
                let form = if walk { "label_walk" } else { "label" };
                let q = pillar_store::Labelled::new(
                    store.backend(),
                    &e,
                    &format!("SELECT l.id FROM labels l WHERE {{{form}:{column}}} ORDER BY l.id"),
                );
                let filter = q.sql().to_string();
                let got: Vec<i64> = q
                    .bind_scalar(sqlx::query_scalar(q.sql()))
                    .fetch_all(&pool)
                    .await
                    .unwrap_or_else(|err| panic!("{backend} {name} {column}: {err}\n{filter}"));
                assert_eq!(got, readable, "{backend}: {name} ({column}, walk {walk})");
                // PostgreSQL's planner gets the list except in a walk (see Labelled).
                let bitmap = filter.contains("substr(") || filter.contains("get_bit(");
                let expected = !e.few() && (backend == "sqlite" || walk);
                assert_eq!(
                    bitmap, expected,
                    "{backend}: {name} (walk {walk}): {filter}"
                );
            }
        }
    }
}

/// A plain-text upload of `text` (its content is not stored: these tests search only).
fn text_upload(text: &str) -> pillar_store::documents::Upload<'_> {
    pillar_store::documents::Upload {
        sha256: "0000000000000000000000000000000000000000000000000000000000000000",
        size: text.len() as i64,
        media_type: "text/plain",
        filename: "x.txt",
        text,
    }
}

/// A coalition-policy label: `class`, Releasable To `nation`.
fn coalition_label(class: &str, nation: &str) -> Label {
    Label::from_json(&format!(
        r#"{{"policy":{{"name":"PILLAR COALITION"}},"classification":"{class}","categories":[{{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{{"generic":"{nation}"}}]}}]}}"#
    ))
    .unwrap()
}

/// Fourteen labels of the coalition policy: two classifications, seven Releasable To values.
fn fourteen_labels() -> Vec<Label> {
    let mut labels = Vec::new();
    for class in ["UNCLASSIFIED", "SECRET"] {
        for nation in ["USA", "KOR", "AUS", "GBR", "JPN", "CAN", "NZL"] {
            labels.push(coalition_label(class, nation));
        }
    }
    labels
}

/// The documents in each reader index, by id, against the documents whose label the index's
/// set holds: they must be the same (the index's invariant). Every test document has the word
/// `common`, through which the SQLite index is listed.
async fn check_reader_indexes(store: &Store, backend: &str) -> Vec<(i64, Vec<String>)> {
    let pool = store_pool(store);
    let indexes: Vec<(i64, Vec<u8>)> =
        sqlx::query("SELECT id, labels FROM reader_indexes ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap()
            .iter()
            .map(|r| (sqlx::Row::get(r, 0), sqlx::Row::get(r, 1)))
            .collect();
    let docs: Vec<(String, i64)> = sqlx::query("SELECT id, label_id FROM documents ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (sqlx::Row::get(r, 0), sqlx::Row::get(r, 1)))
        .collect();
    let mut out = Vec::new();
    for (id, labels) in indexes {
        let mut held: Vec<String> = if backend == "sqlite" {
            let first = id << 40;
            sqlx::query_scalar(&format!(
                "SELECT d.id FROM reader_text f JOIN documents d ON d.seq = f.rowid - {first} \
                 WHERE f.reader_text MATCH 'common' AND f.rowid BETWEEN {first} AND {}",
                first + (1 << 40) - 1
            ))
            .fetch_all(&pool)
            .await
            .unwrap()
        } else {
            sqlx::query_scalar("SELECT document_id FROM reader_documents WHERE index_id = $1")
                .bind(id)
                .fetch_all(&pool)
                .await
                .unwrap()
        };
        held.sort();
        let expected: Vec<String> = docs
            .iter()
            .filter(|(_, l)| labels.get(*l as usize) == Some(&1))
            .map(|(d, _)| d.clone())
            .collect();
        assert_eq!(held, expected, "{backend}: reader index {id}");
        out.push((id, held));
    }
    out
}

#[tokio::test]
async fn reader_indexes_answer_as_the_main_index_and_follow_every_document_write() {
    use std::sync::Arc;
    for (backend, store, _g) in stores().await {
        let pool = store_pool(&store);
        let labels = fourteen_labels();
        for i in 0..70 {
            let text = format!("common w{i} {}", if i % 2 == 0 { "alpha" } else { "beta" });
            let f = text_upload(&text);
            store
                .create_document(
                    &format!("d{i:02}"),
                    &format!("Document {i}"),
                    &labels[i % labels.len()],
                    &test_origin(),
                    "us-secretariat",
                    &format!("2026-11-01T00:{:02}:{:02}Z", i / 60, i % 60),
                    &f,
                    &test_entry(),
                )
                .await
                .unwrap();
        }
        let id_of = |doc: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>("SELECT label_id FROM documents WHERE id = $1")
                    .bind(doc)
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        let mut all_labels: Vec<i64> = sqlx::query_scalar("SELECT id FROM labels ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
        all_labels.sort();
        // The reader: the labels of documents d00..d04 (five of fourteen).
        let mut readable = Vec::new();
        for d in ["d00", "d01", "d02", "d03", "d04"] {
            readable.push(id_of(d).await);
        }
        readable.sort();
        let reader = |readable: &[i64], all_labels: &[i64]| pillar_store::Entitlements {
            version: 1,
            label_ids: Arc::new(readable.to_vec()),
            unreadable: Arc::new(
                all_labels
                    .iter()
                    .copied()
                    .filter(|l| !readable.contains(l))
                    .collect(),
            ),
            examined: all_labels.len(),
            newest: *all_labels.last().unwrap(),
        };
        let r = reader(&readable, &all_labels);
        let answers = |r: pillar_store::Entitlements| {
            let store = store.clone();
            async move {
                let mut out = Vec::new();
                for q in ["common", "alpha", "beta w3", "w7", "w12", ""] {
                    for (limit, candidates) in [(5, 0), (5, 3), (50, 3), (50, 2000)] {
                        let hits = store
                            .reader(&r)
                            .search_documents_among(q, limit, candidates)
                            .await
                            .unwrap();
                        let ids: Vec<String> = hits.documents.into_iter().map(|d| d.id).collect();
                        out.push((q, limit, candidates, hits.broad, ids));
                    }
                }
                out
            }
        };
        let before = answers(r.clone()).await;
        // A broad search by this reader has an index built in the background.
        // Waited for up to a minute (a busy machine builds slowly); the assertion says what
        // did not happen.
        let mut built = 0;
        for _ in 0..1200 {
            built = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM reader_indexes")
                .fetch_one(&pool)
                .await
                .unwrap();
            if built > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(
            built, 1,
            "{backend}: a reader index is built after broad searches"
        );
        let id = store.prepare_reader_index(&r).await.unwrap().unwrap();
        assert_eq!(
            store.prepare_reader_index(&r).await.unwrap(),
            Some(id),
            "{backend}"
        );
        let held = check_reader_indexes(&store, &backend).await;
        assert_eq!(
            held,
            [(
                id,
                (0..70)
                    .filter(|i| i % 14 < 5)
                    .map(|i| format!("d{i:02}"))
                    .collect::<Vec<_>>()
            )],
            "{backend}"
        );
        assert_eq!(
            answers(r.clone()).await,
            before,
            "{backend}: the same answers through the reader index"
        );
        // The index is what the search walks: an entry taken out of it (as no write of the
        // store ever does) is missed.
        if backend == "sqlite" {
            sqlx::query("DELETE FROM reader_text WHERE rowid = ($1 << 40) + (SELECT seq FROM documents WHERE id = 'd60')")
                .bind(id)
                .execute(&pool)
                .await
                .unwrap();
        } else {
            sqlx::query("DELETE FROM reader_documents WHERE document_id = 'd60'")
                .execute(&pool)
                .await
                .unwrap();
        }
        let newest = |q: &'static str, r: pillar_store::Entitlements| {
            let store = store.clone();
            async move {
                let hits = store
                    .reader(&r)
                    .search_documents_among(q, 3, 0)
                    .await
                    .unwrap();
                hits.documents.into_iter().map(|d| d.id).collect::<Vec<_>>()
            }
        };
        // (The second pass, which reads the rows shown, goes through the main index with the
        // bounds the first found: a word of that document alone shows the gap.)
        assert!(newest("w60", r.clone()).await.is_empty(), "{backend}");
        assert_eq!(newest("w46", r.clone()).await, ["d46"], "{backend}");
        // A write of the document puts it back.
        store
            .relabel_document(
                "d60",
                &r,
                &labels[0],
                "2026-11-30T00:00:00Z",
                &test_entry(),
                &labels[0],
            )
            .await
            .unwrap();
        assert_eq!(newest("w60", r.clone()).await, ["d60"], "{backend}");
        check_reader_indexes(&store, &backend).await;
        // Writes keep it exact: a readable new document enters, an unreadable one does not.
        for (doc, label) in [("n1", &labels[1]), ("n2", &labels[13])] {
            let text = format!("common {doc} gamma");
            let f = text_upload(&text);
            store
                .create_document(
                    doc,
                    doc,
                    label,
                    &test_origin(),
                    "us-secretariat",
                    "2026-11-02T00:00:00Z",
                    &f,
                    &test_entry(),
                )
                .await
                .unwrap();
        }
        check_reader_indexes(&store, &backend).await;
        assert_eq!(newest("gamma", r.clone()).await, ["n1"], "{backend}");
        // Relabelled out of the reader's labels, and back.
        let all = reader(&all_labels, &all_labels);
        assert!(store
            .relabel_document(
                "n1",
                &all,
                &labels[12],
                "2026-11-30T00:00:00Z",
                &test_entry(),
                &labels[12]
            )
            .await
            .unwrap());
        check_reader_indexes(&store, &backend).await;
        assert!(newest("gamma", r.clone()).await.is_empty(), "{backend}");
        assert!(store
            .relabel_document(
                "n2",
                &all,
                &labels[2],
                "2026-11-30T00:00:00Z",
                &test_entry(),
                &labels[2]
            )
            .await
            .unwrap());
        check_reader_indexes(&store, &backend).await;
        assert_eq!(newest("gamma", r.clone()).await, ["n2"], "{backend}");
        // A new version's text replaces the old one in the index.
        let text = "common delta";
        let f = text_upload(text);
        store
            .new_document_version(
                "n2",
                &r,
                "us-secretariat",
                "2026-11-03T00:00:00Z",
                &f,
                &test_entry(),
            )
            .await
            .unwrap()
            .unwrap();
        check_reader_indexes(&store, &backend).await;
        assert!(newest("gamma", r.clone()).await.is_empty(), "{backend}");
        assert_eq!(newest("delta", r.clone()).await, ["n2"], "{backend}");
        // The reader comes to read a new label: the index no longer holds all their labels, so
        // searches use the main index (and find the new document) until it is extended.
        let text = "common epsilon";
        let f = text_upload(text);
        store
            .create_document(
                "n3",
                "n3",
                &coalition_label("RESTRICTED", "JPN"),
                &test_origin(),
                "us-secretariat",
                "2026-11-04T00:00:00Z",
                &f,
                &test_entry(),
            )
            .await
            .unwrap();
        let newest_label = id_of("n3").await;
        all_labels.push(newest_label);
        let mut grown = readable.clone();
        grown.push(newest_label);
        let r2 = reader(&grown, &all_labels);
        assert_eq!(newest("epsilon", r2.clone()).await, ["n3"], "{backend}");
        assert_eq!(
            store.prepare_reader_index(&r2).await.unwrap(),
            Some(id),
            "{backend}: extended"
        );
        let held = check_reader_indexes(&store, &backend).await;
        assert!(held[0].1.contains(&"n3".to_string()), "{backend}");
        assert_eq!(newest("epsilon", r2.clone()).await, ["n3"], "{backend}");
        // A reader of other labels gets an index of their own.
        let other = reader(&[id_of("d10").await, id_of("d11").await], &all_labels);
        let other_id = store.prepare_reader_index(&other).await.unwrap().unwrap();
        assert_ne!(other_id, id, "{backend}");
        check_reader_indexes(&store, &backend).await;
        // A reader of nearly everything uses the main index.
        assert_eq!(
            store.prepare_reader_index(&all).await.unwrap(),
            None,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn every_labelled_record_keeps_the_origin_it_was_created_with() {
    use pillar_core::stewardship::{project_origin, Origin};
    use pillar_store::Kept;
    for (backend, store, _g) in stores().await {
        seed_with_policies(&store).await;
        let at = "2026-11-28T00:00:00Z";
        demo::seed_projects(&store, at, None).await.unwrap();
        demo::seed_committee(&store, None).await.unwrap();
        demo::seed_landscapes(&store, at, None).await.unwrap();
        let rows = pillar_store::SupplyRows::default();
        store
            .import_supply(
                "net",
                "Net",
                &default_label(),
                &rows,
                at,
                &Origin::parse_operator("GBR").unwrap(),
                None,
            )
            .await
            .unwrap();
        let kr_add = Origin::parse_operator("KOR:kr-add").unwrap();
        let org_rows = pillar_store::files::read_rows(
            "o.json",
            br#"[{"id":"kr-new-lab","name":"New laboratory","kind":"laboratory","nation":"KOR"}]"#,
            RegistryKind::Organisations,
        )
        .unwrap();
        store
            .import(
                RegistryKind::Organisations,
                "o.json",
                &org_rows,
                &default_label(),
                &kr_add,
                &mut |_, _| {},
                None,
            )
            .await
            .unwrap();
        let doc = "origin-note";
        store
            .create_document(
                doc,
                "A note",
                &default_label(),
                &kr_add,
                "kr-pm",
                at,
                &text_upload("a note"),
                &test_entry(),
            )
            .await
            .unwrap();

        // Every labelled table: every row has an origin, and one row of each is what its
        // creation said.
        for kind in Kept::ALL {
            assert_eq!(
                store.operator().records_without_origin(kind).await.unwrap(),
                0,
                "{backend} {kind:?}"
            );
        }
        let committee = Origin::committee(None, None);
        let (name, text) = demo::DEMO_PROJECTS;
        let file = pillar_core::project::read_projects(name, text).unwrap();
        let first = &file[0].1;
        let secretariat = Origin::of(
            &store.person("us-secretariat").await.unwrap().unwrap(),
            Vec::new(),
        );
        let mut project = project_origin(first);
        project.stewards.clear();
        for (kind, id, expected) in [
            (Kept::Nation, "USA", &committee),
            (Kept::Organisation, "us-darpa", &committee),
            (Kept::Organisation, "kr-new-lab", &kr_add),
            (Kept::Person, "kr-pm", &committee),
            (Kept::TechArea, "p2-quantum", &committee),
            (Kept::Agreement, "mou-us-kor-dst", &committee),
            (
                Kept::SupplyNetwork,
                "net",
                &Origin::parse_operator("GBR").unwrap(),
            ),
            (Kept::Project, first.id.as_str(), &project),
            (Kept::Committee, "exec", &secretariat),
            (Kept::Meeting, "exec-2026-11", &secretariat),
            (Kept::Landscape, "pillar2-open", &committee),
            (Kept::Document, doc, &kr_add),
        ] {
            let got = store.operator().origin_of(kind, id).await.unwrap();
            assert_eq!(got.as_ref(), Some(expected), "{backend} {kind:?} {id}");
        }
        assert!(store
            .operator()
            .origin_of(Kept::Project, "no-such")
            .await
            .unwrap()
            .is_none());

        // Later imports change records, never their origin: a project whose lead changes, a
        // meeting recorded again for another nation, an analysis published again.
        let mut moved = file[0].clone();
        moved.1.lead_organisation = Some("us-onr".into());
        store
            .import_projects("p.json", &[moved], "operator", at, None)
            .await
            .unwrap();
        assert_eq!(
            store
                .operator()
                .projects()
                .await
                .unwrap()
                .into_iter()
                .find(|p| p.id == first.id)
                .unwrap()
                .lead_organisation
                .as_deref(),
            Some("us-onr")
        );
        assert_eq!(
            store
                .operator()
                .origin_of(Kept::Project, &first.id)
                .await
                .unwrap(),
            Some(project.clone()),
            "{backend}"
        );
        let (cname, ctext) = demo::DEMO_COMMITTEE;
        let data: pillar_core::committee::CommitteeFile = serde_json::from_str(ctext).unwrap();
        store
            .import_committee(cname, &data, &kr_add, None)
            .await
            .unwrap();
        assert_eq!(
            store
                .operator()
                .origin_of(Kept::Meeting, "exec-2026-11")
                .await
                .unwrap(),
            Some(secretariat.clone()),
            "{backend}"
        );
        let (_, ltext) = demo::DEMO_LANDSCAPES;
        let published: serde_json::Value = serde_json::from_str(ltext).unwrap();
        store
            .publish_landscape(
                "pillar2-open",
                "Again",
                &default_label(),
                &published["landscapes"][0]["analysis"],
                "t",
                &kr_add,
                at,
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            store
                .operator()
                .origin_of(Kept::Landscape, "pillar2-open")
                .await
                .unwrap(),
            Some(committee.clone()),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn every_seeding_step_is_audited_in_its_transaction_under_what_it_touched() {
    for (backend, store, _, _g) in stores_at().await {
        use pillar_label::demo::{COALITION_SPIF, ROK_SPIF, US_SPIF};
        let spifs: Vec<(String, Vec<u8>)> =
            [("c", COALITION_SPIF), ("u", US_SPIF), ("r", ROK_SPIF)]
                .iter()
                .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
                .collect();
        store.load_policies(&spifs, None).await.unwrap();
        let at = "2026-11-28T00:00:00Z";
        let by = demo::Seeding {
            actor: "cli:operator",
            at,
        };
        let l = default_label();
        demo::seed(&store, demo::REFERENCE, &l, Some(&by))
            .await
            .unwrap();
        demo::seed(&store, demo::DEMO, &l, Some(&by)).await.unwrap();
        demo::seed_projects(&store, at, Some(&by)).await.unwrap();
        demo::seed_committee(&store, Some(&by)).await.unwrap();
        demo::seed_landscapes(&store, at, Some(&by)).await.unwrap();
        let entries = store.operator().audit_entries(100).await.unwrap();
        let objects: Vec<&str> = entries
            .iter()
            .rev()
            .map(|e| e.event.object.as_str())
            .collect();
        assert_eq!(
            objects,
            [
                "nations:reference/nations.csv",
                "tech-areas:reference/tech-areas.csv",
                "organisations:demo/organisations.csv",
                "people:demo/people.json",
                "agreements:demo/agreements.json",
                // The projects' step stores the supply network their end items are in first.
                "supply-network:demo-materials",
                "projects:demo/projects.json",
                "committee:demo/committee.json",
                "landscape:pillar2-open",
                "landscape:aukus-restricted",
            ],
            "{backend}"
        );
        // Each entry carries the dominant label of what its step wrote: the restricted
        // analysis's entry its own label, the registry files' entries UNCLASSIFIED.
        let (_, text) = demo::DEMO_LANDSCAPES;
        let file: serde_json::Value = serde_json::from_str(text).unwrap();
        let restricted = Label::from_json(&file["landscapes"][1]["label"].to_string()).unwrap();
        let label_of = |object: &str| {
            entries
                .iter()
                .find(|e| e.event.object == object)
                .unwrap()
                .event
                .label_id
        };
        assert_eq!(
            label_of("landscape:aukus-restricted"),
            store.label_id(&restricted).await.unwrap(),
            "{backend}"
        );
        assert_eq!(
            label_of("nations:reference/nations.csv"),
            store.label_id(&l).await.unwrap(),
            "{backend}"
        );
        assert_ne!(
            label_of("landscape:aukus-restricted"),
            label_of("nations:reference/nations.csv")
        );
        let v = store.audit_verify(&test_key(), None).await.unwrap();
        assert_eq!(v.first_bad, None, "{backend}");
        assert_eq!(v.entries, 10, "{backend}");
    }
}

#[tokio::test]
async fn a_withdrawn_document_changes_no_more_even_when_asked_directly() {
    for (backend, store, _g) in stores().await {
        seed_with_policies(&store).await;
        let at = "2026-11-28T00:00:00Z";
        let l = default_label();
        store
            .create_document(
                "w",
                "W",
                &l,
                &test_origin(),
                "us-secretariat",
                at,
                &text_upload("withdrawn words"),
                &test_entry(),
            )
            .await
            .unwrap();
        let cache = pillar_store::EntitlementCache::default();
        let us = entitlements_of(&store, &cache, "us-secretariat").await;
        assert!(store
            .withdraw_document("w", &us, "us-secretariat", at, "Superseded", &test_entry())
            .await
            .unwrap());
        // Once only.
        assert!(!store
            .withdraw_document("w", &us, "us-secretariat", at, "Again", &test_entry())
            .await
            .unwrap());
        let d = store.reader(&us).document("w").await.unwrap().unwrap();
        let w = d.withdrawn.clone().unwrap();
        assert_eq!(
            (w.by.as_str(), w.reason.as_str()),
            ("us-secretariat", "Superseded"),
            "{backend}"
        );
        // The store refuses a new version or a label even if an adapter forgot to check.
        assert!(matches!(
            store
                .new_document_version(
                    "w",
                    &us,
                    "us-secretariat",
                    at,
                    &text_upload("more"),
                    &test_entry()
                )
                .await,
            Err(StoreError::Refused(_))
        ));
        let raised = Label::new(Label::coalition_policy(), "CONFIDENTIAL");
        assert!(matches!(
            store
                .relabel_document("w", &us, &raised, at, &test_entry(), &raised)
                .await,
            Err(StoreError::Refused(_))
        ));
        assert_eq!(
            store.reader(&us).document("w").await.unwrap().unwrap(),
            d,
            "{backend}"
        );
        // Still found, marked.
        let hits = store
            .reader(&us)
            .search_documents("withdrawn", 10)
            .await
            .unwrap();
        assert!(hits.documents[0].withdrawn.is_some(), "{backend}");
    }
}

/// A second handle on a test store's database, as a second server over it opens it: the same
/// audit key, its own witness of the chain's head (its own data directory).
async fn second_server(target: &DbTarget, dir: &tempfile::TempDir, backend: &str) -> Store {
    Store::open(target)
        .await
        .unwrap()
        .with_audit(trail(dir, backend))
}

fn witness(store: &Store) -> Option<(i64, String)> {
    store
        .audit_trail()
        .unwrap()
        .anchor()
        .unwrap()
        .read()
        .unwrap()
}

#[tokio::test]
async fn two_servers_append_one_chain_and_each_checks_it_before_starting() {
    let key = test_key();
    for (backend, a, target, _g) in stores_at().await {
        let dir_b = tempfile::tempdir().unwrap();
        let b = second_server(&target, &dir_b, &backend).await;
        // Four writers on each server at once.
        let mut tasks = tokio::task::JoinSet::new();
        for (server, store) in [("a", &a), ("b", &b)] {
            for w in 0..4 {
                let store = store.clone();
                tasks.spawn(async move {
                    for i in 0..25 {
                        let e = pillar_store::audit::AuditEvent::new(
                            "us-secretariat",
                            "read",
                            &format!("document:{server}{w}-{i}"),
                            "allow",
                            "",
                        );
                        store.audit("2026-12-06T00:00:00Z", &e).await.unwrap();
                    }
                });
            }
        }
        while let Some(r) = tasks.join_next().await {
            r.unwrap();
        }
        // One chain: no fork, no gap, whichever witness checks it.
        for store in [&a, &b] {
            let w = witness(store).expect("each server recorded the head it appended");
            let v = store.audit_verify(&key, Some((w.0, &w.1))).await.unwrap();
            assert_eq!(v.first_bad, None, "{backend}");
            assert_eq!(v.entries, 200, "{backend}");
        }
        let head = a.audit_head(&key).await.unwrap().unwrap();
        assert_eq!(
            head.0, 200,
            "{backend}: the database records the newest entry"
        );
        let w = witness(&a).unwrap();
        assert!(a.audit_holds(w.0, &w.1).await.unwrap());
        assert_eq!(
            a.audit_check_start(&key).await.unwrap(),
            Some(head.clone()),
            "{backend}"
        );
        // A server reading another key refuses to start.
        let other = pillar_store::audit::AuditKey::new(vec![8u8; 32]).unwrap();
        let e = a.audit_check_start(&other).await.unwrap_err();
        assert!(e.to_string().contains("same key file"), "{backend}: {e}");

        // An attacker with SQL access alone saves the head record, lets server b append five
        // more entries, then cuts them and puts the saved record back (a rollback): the
        // database's record agrees with the cut chain, but b's witness does not.
        let pool = store_pool(&a);
        let saved: (i64, String, String) =
            sqlx::query_as("SELECT seq, hash, mac FROM audit_head WHERE id = 1")
                .fetch_one(&pool)
                .await
                .unwrap();
        for i in 0..5 {
            let e = pillar_store::audit::AuditEvent::new(
                "kr-pm",
                "read",
                &format!("x{i}"),
                "allow",
                "",
            );
            b.audit("2026-12-06T00:01:00Z", &e).await.unwrap();
        }
        let b_witness = witness(&b).unwrap();
        assert_eq!(b_witness.0, 205, "{backend}");
        // Cut naively first: every server refuses to start, verify names the cut.
        sqlx::query("DELETE FROM audit WHERE seq > 200")
            .execute(&pool)
            .await
            .unwrap();
        let e = a.audit_check_start(&key).await.unwrap_err();
        assert!(
            e.to_string().contains("removed from the end"),
            "{backend}: {e}"
        );
        let v = a.audit_verify(&key, None).await.unwrap();
        assert_eq!(v.first_bad.unwrap().0, 201, "{backend}");
        // Then the saved record put back.
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2, mac = $3 WHERE id = 1")
            .bind(saved.0)
            .bind(&saved.1)
            .bind(&saved.2)
            .execute(&pool)
            .await
            .unwrap();
        // Server a's own witness predates the cut: it cannot tell (the documented limit).
        let aw = witness(&a).unwrap();
        assert!(aw.0 <= 200, "{backend}");
        assert!(a.audit_check_start(&key).await.is_ok());
        assert!(a.audit_holds(aw.0, &aw.1).await.unwrap());
        // Server b's can.
        assert!(!b.audit_holds(b_witness.0, &b_witness.1).await.unwrap());
        let v = b
            .audit_verify(&key, Some((b_witness.0, &b_witness.1)))
            .await
            .unwrap();
        assert_eq!(v.first_bad.unwrap().0, 201, "{backend}");
        // A head record altered without the key does not verify.
        sqlx::query("UPDATE audit_head SET seq = 150")
            .execute(&pool)
            .await
            .unwrap();
        assert!(a.audit_head(&key).await.is_err(), "{backend}");
        assert!(a.audit_check_start(&key).await.is_err(), "{backend}");
    }
}

#[tokio::test]
async fn blobs_in_the_database_are_whole_checked_and_found_by_every_server() {
    use pillar_store::blobs::{Blobs, Moved, CHUNK};
    for (backend, store, target, _g) in stores_at().await {
        let a = Blobs::in_database(&store);
        let other = Store::open(&target).await.unwrap();
        let b = Blobs::in_database(&other);
        let big: Vec<u8> = (0..2 * CHUNK + 12_345)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let sha = a.put(&big).await.unwrap();
        assert_eq!(
            b.get(&sha).await.unwrap(),
            big,
            "{backend}: found by the other server"
        );
        let pool = store_pool(&store);
        let chunks = |pool: sqlx::AnyPool, sha: String| async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM blob_chunks WHERE sha256 = $1")
                .bind(sha)
                .fetch_one(&pool)
                .await
                .unwrap()
        };
        assert_eq!(chunks(pool.clone(), sha.clone()).await, 3, "{backend}");
        // Streamed a chunk at a time.
        let mut r = b.open(&sha).await.unwrap();
        assert_eq!(r.size(), big.len() as u64);
        let mut sizes = Vec::new();
        while let Some(c) = r.next().await.unwrap() {
            sizes.push(c.len());
        }
        assert_eq!(sizes, [CHUNK, CHUNK, 12_345], "{backend}");
        // Deduplicated, also when two servers store the same content at once.
        let (x, y) = tokio::join!(a.put(b"same minutes"), b.put(b"same minutes"));
        assert_eq!(x.unwrap(), y.unwrap());
        assert_eq!(b.put(&big).await.unwrap(), sha);
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM blobs")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(rows, 2, "{backend}");
        // The empty file.
        let empty = a.put(b"").await.unwrap();
        assert_eq!(b.get(&empty).await.unwrap(), b"");
        // Tampered with in the database: an error, never the altered bytes.
        sqlx::query("UPDATE blob_chunks SET bytes = $1 WHERE sha256 = $2 AND n = 1")
            .bind(vec![0u8; CHUNK])
            .bind(&sha)
            .execute(&pool)
            .await
            .unwrap();
        let e = a.get(&sha).await.unwrap_err().to_string();
        assert!(e.contains("does not match its SHA-256"), "{backend}: {e}");
        sqlx::query("DELETE FROM blob_chunks WHERE sha256 = $1 AND n = 2")
            .bind(&sha)
            .execute(&pool)
            .await
            .unwrap();
        let e = a.get(&sha).await.unwrap_err().to_string();
        assert!(e.contains("chunk 2 is missing"), "{backend}: {e}");
        assert!(a.get(&"0".repeat(64)).await.is_err());
        assert!(a.get("../../etc/passwd").await.is_err());
        // Local blobs moved in: checked, copied, removed; a file that is not what its name
        // says is named and stays.
        let dir = tempfile::tempdir().unwrap();
        let local = Blobs::new(dir.path());
        let one = local.put(b"annex one").await.unwrap();
        let two = local.put(b"same minutes").await.unwrap();
        let bad = local.put(b"annex three").await.unwrap();
        let bad_path = dir.path().join(&bad[..2]).join(&bad);
        std::fs::write(&bad_path, b"altered").unwrap();
        let mut moved = Moved::default();
        let mut errors = Vec::new();
        for f in Blobs::stored_in(dir.path()) {
            if let Err(e) = a.move_from(&f, &mut moved).await {
                errors.push(e.to_string());
            }
        }
        assert_eq!((moved.moved, moved.present), (1, 1), "{backend}");
        assert_eq!(errors.len(), 1, "{backend}");
        assert!(errors[0].contains(&bad), "{}", errors[0]);
        assert!(bad_path.exists());
        assert_eq!(Blobs::stored_in(dir.path()), vec![bad_path]);
        assert_eq!(b.get(&one).await.unwrap(), b"annex one");
        assert_eq!(b.get(&two).await.unwrap(), b"same minutes");
    }
}

#[tokio::test]
async fn one_server_builds_a_reader_index_and_a_build_cut_short_leaves_nothing() {
    use std::sync::Arc;
    for (backend, store, target, _g) in stores_at().await {
        store.automatic_reader_indexes(false);
        let labels = fourteen_labels();
        for (i, l) in labels.iter().enumerate() {
            let text = format!("common w{i}");
            store
                .create_document(
                    &format!("d{i:02}"),
                    &format!("Document {i}"),
                    l,
                    &test_origin(),
                    "us-secretariat",
                    &format!("2026-11-01T00:00:{i:02}Z"),
                    &text_upload(&text),
                    &test_entry(),
                )
                .await
                .unwrap();
        }
        let pool = store_pool(&store);
        let all: Vec<i64> = sqlx::query_scalar("SELECT id FROM labels ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
        let readable: Vec<i64> = sqlx::query_scalar(
            "SELECT label_id FROM documents WHERE id IN ('d00', 'd01', 'd02') ORDER BY label_id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        let r = pillar_store::Entitlements {
            version: 1,
            label_ids: Arc::new(readable.clone()),
            unreadable: Arc::new(
                all.iter()
                    .copied()
                    .filter(|l| !readable.contains(l))
                    .collect(),
            ),
            examined: all.len(),
            newest: *all.last().unwrap(),
        };
        let count = || {
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM reader_indexes")
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        if backend == "postgres" {
            let DbTarget::Postgres(url) = &target else {
                unreachable!()
            };
            // Another server is building: this one leaves it to them.
            let mut other = sqlx::AnyConnection::connect(url).await.unwrap();
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(pillar_store::READER_INDEX_LOCK)
                .execute(&mut other)
                .await
                .unwrap();
            assert_eq!(
                store.prepare_reader_index_unless_busy(&r).await.unwrap(),
                pillar_store::ReaderIndexBuild::LeftToAnother
            );
            assert_eq!(count().await, 0);
            // That server dies in the middle of its build (its transaction had written the
            // index's row): nothing of it stays, and the lock goes with it.
            let mut dying = sqlx::AnyConnection::connect(url).await.unwrap();
            sqlx::query("BEGIN").execute(&mut dying).await.unwrap();
            sqlx::query("INSERT INTO reader_indexes (labels, created_at) VALUES ($1, 'now')")
                .bind(vec![1u8; 4])
                .execute(&mut dying)
                .await
                .unwrap();
            drop(dying);
            // The other server finishes (its lock released before its connection goes: a
            // closed connection's locks go a moment after the close returns).
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(pillar_store::READER_INDEX_LOCK)
                .execute(&mut other)
                .await
                .unwrap();
            other.close().await.unwrap();
        }
        let built = store.prepare_reader_index_unless_busy(&r).await.unwrap();
        let pillar_store::ReaderIndexBuild::Ready(Some(id)) = built else {
            panic!("{backend}: {built:?}");
        };
        assert_eq!(count().await, 1, "{backend}");
        let indexes = check_reader_indexes(&store, &backend).await;
        assert_eq!(indexes.len(), 1, "{backend}");
        assert_eq!(indexes[0].0, id);
        assert_eq!(indexes[0].1.len(), 3, "{backend}: {:?}", indexes[0]);
    }
}

/// An S3-compatible object store named by `PILLAR_TEST_S3_URL` (`s3://bucket`; endpoint and
/// credentials in the `AWS_*` variables), which the README's test command starts.
#[cfg(feature = "s3")]
#[tokio::test]
async fn blobs_in_an_object_store_are_whole_checked_and_deduplicated() {
    use pillar_store::blobs::{Blobs, Moved};
    let url = match std::env::var("PILLAR_TEST_S3_URL") {
        Ok(u) if !u.is_empty() => u,
        _ if std::env::var_os("CI").is_some() => {
            panic!("PILLAR_TEST_S3_URL is not set and CI is: the object store test must run")
        }
        _ => return eprintln!("PILLAR_TEST_S3_URL is not set: object store test skipped"),
    };
    let prefix = format!("{url}/t{}", std::process::id());
    let a = Blobs::object_store(&prefix).unwrap();
    let b = Blobs::object_store(&prefix).unwrap();
    let big: Vec<u8> = (0..3_000_123).map(|i| (i * 13 % 251) as u8).collect();
    let sha = a.put(&big).await.unwrap();
    assert!(b.contains(&sha).await.unwrap());
    assert_eq!(
        b.get(&sha).await.unwrap(),
        big,
        "read back by another server"
    );
    let mut r = b.open(&sha).await.unwrap();
    assert_eq!(r.size(), big.len() as u64);
    let mut n = 0;
    while let Some(c) = r.next().await.unwrap() {
        n += c.len();
    }
    assert_eq!(n, big.len());
    assert_eq!(a.put(&big).await.unwrap(), sha, "deduplicated");
    let empty = a.put(b"").await.unwrap();
    assert_eq!(b.get(&empty).await.unwrap(), b"");
    assert!(!a.contains(&"0".repeat(64)).await.unwrap());
    assert!(a.get(&"0".repeat(64)).await.is_err());
    assert!(a.get("../x").await.is_err());
    // Altered in the bucket: an error, never the altered bytes.
    let mut altered = big.clone();
    altered[2_000_000] ^= 1;
    a.overwrite_for_tests(&sha, altered).await;
    let e = b.get(&sha).await.unwrap_err().to_string();
    assert!(e.contains("does not match its SHA-256"), "{e}");
    a.overwrite_for_tests(&sha, big[..1000].to_vec()).await;
    assert!(b.get(&sha).await.is_err());
    // Local blobs moved in.
    let dir = tempfile::tempdir().unwrap();
    let local = Blobs::new(dir.path());
    let one = local.put(b"annex one").await.unwrap();
    let mut moved = Moved::default();
    for f in Blobs::stored_in(dir.path()) {
        a.move_from(&f, &mut moved).await.unwrap();
    }
    assert_eq!(moved.moved, 1);
    assert!(Blobs::stored_in(dir.path()).is_empty());
    assert_eq!(b.get(&one).await.unwrap(), b"annex one");
    // A URL that is not an object store's is refused with its reason.
    assert!(Blobs::object_store("http://bucket").is_err());
}

/// The TDFs Pillar issued: recorded with their audit entry, read back, one record per policy,
/// and a document's current state (label, withdrawn) as the key access service sees it.
#[tokio::test]
async fn issued_tdfs_and_the_documents_they_carry() {
    use pillar_store::documents::Upload;
    use pillar_store::tdfs::{DocumentState, IssuedTdf};
    for (backend, store, _guard) in stores().await {
        let label = coalition_label("SECRET", "KOR");
        let f = Upload {
            sha256: &"ab".repeat(32),
            size: 3,
            media_type: "text/plain",
            filename: "t.txt",
            text: "tdf",
        };
        store
            .create_document(
                "t1",
                "TDF",
                &label,
                &test_origin(),
                "us-secretariat",
                "2026-12-06T00:00:00Z",
                &f,
                &test_entry(),
            )
            .await
            .unwrap();
        let issued = IssuedTdf {
            policy_uuid: "0b6f4c52-5a5e-4e0b-9d1a-1f2e3d4c5b6a".into(),
            document_id: Some("t1".into()),
            label: label.clone(),
            policy_sha256: "cd".repeat(32),
            issued_to: "kr-pm".into(),
            issued_at: "2026-12-06T00:00:01Z".into(),
        };
        let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit")
            .fetch_one(&store.pool_for_tests())
            .await
            .unwrap();
        let entry = pillar_store::audit::AuditEvent::new(
            "kr-pm",
            "download.tdf",
            "document:t1",
            "allow",
            "",
        );
        store.record_tdf(&issued, &entry).await.unwrap();
        let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit")
            .fetch_one(&store.pool_for_tests())
            .await
            .unwrap();
        assert_eq!(after, before + 1, "{backend}");
        // The record of a policy as a decision reads it (it must exist).
        let now_of = async |uuid: &str| store.issued_tdf(uuid).await.unwrap().unwrap();
        let now = now_of(&issued.policy_uuid).await;
        assert_eq!(now.issued, issued, "{backend}");
        assert_eq!(
            now.document,
            Some(DocumentState {
                label: label.clone(),
                withdrawn: false
            }),
            "{backend}"
        );
        assert_eq!(
            store.issued_tdf("no-such-policy").await.unwrap(),
            None,
            "{backend}"
        );
        // One record per policy: a second is refused, and its audit entry with it.
        assert!(
            store.record_tdf(&issued, &entry).await.is_err(),
            "{backend}"
        );
        let again: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit")
            .fetch_one(&store.pool_for_tests())
            .await
            .unwrap();
        assert_eq!(again, after, "{backend}");
        sqlx::query("UPDATE documents SET withdrawn_at = '2026-12-06T01:00:00Z' WHERE id = 't1'")
            .execute(&store.pool_for_tests())
            .await
            .unwrap();
        let now = now_of(&issued.policy_uuid).await;
        assert!(now.document.unwrap().withdrawn, "{backend}");
        // Relabelled since: the decision sees the label now, the record the label issued.
        let other = coalition_label("SECRET", "USA");
        sqlx::query(
            "INSERT INTO labels (canonical) VALUES ($1) ON CONFLICT (canonical) DO NOTHING",
        )
        .bind(other.canonical())
        .execute(&store.pool_for_tests())
        .await
        .unwrap();
        sqlx::query(
            "UPDATE documents SET label_id = (SELECT id FROM labels WHERE canonical = $1) WHERE id = 't1'",
        )
        .bind(other.canonical())
        .execute(&store.pool_for_tests())
        .await
        .unwrap();
        let now = now_of(&issued.policy_uuid).await;
        assert_eq!(now.issued.label, label, "{backend}");
        assert_eq!(now.document.unwrap().label, other, "{backend}");
        // A TDF of a document that does not exist, and one that carries none.
        for (uuid, doc) in [
            (
                "1b6f4c52-5a5e-4e0b-9d1a-1f2e3d4c5b6a",
                Some("t2".to_string()),
            ),
            ("2b6f4c52-5a5e-4e0b-9d1a-1f2e3d4c5b6a", None),
        ] {
            let t = IssuedTdf {
                policy_uuid: uuid.into(),
                document_id: doc.clone(),
                ..issued.clone()
            };
            store.record_tdf(&t, &entry).await.unwrap();
            let now = now_of(uuid).await;
            assert_eq!(now.issued.document_id, doc, "{backend}");
            assert_eq!(now.document, None, "{backend}");
        }
    }
}
