//! What the HTTP test files share: the demo seed every test application starts from, and one
//! request sent through a router.
#![allow(dead_code)] // each test file uses its own subset

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use pillar_store::{demo, Store};
use tower::ServiceExt;

/// The reference data, the demo coalition, its policies, projects, committee, landscape
/// analyses and supply network, as `serve --demo` loads them.
pub async fn seed_demo(store: &Store) {
    let label = pillar_label::Label::new(pillar_label::Label::coalition_policy(), "UNCLASSIFIED");
    demo::seed(store, demo::REFERENCE, &label, None)
        .await
        .unwrap();
    demo::seed(store, demo::DEMO, &label, None).await.unwrap();
    use pillar_label::demo::{COALITION_SPIF, ROK_SPIF, US_SPIF};
    let spifs: Vec<(String, Vec<u8>)> = [("c", COALITION_SPIF), ("u", US_SPIF), ("r", ROK_SPIF)]
        .iter()
        .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
        .collect();
    store.load_policies(&spifs, None).await.unwrap();
    demo::seed_supply(store, "2026-11-28T00:00:00Z", &label, None)
        .await
        .unwrap();
    demo::seed_projects(store, "2026-11-28T00:00:00Z", None)
        .await
        .unwrap();
    demo::seed_committee(store, None).await.unwrap();
    demo::seed_landscapes(store, "2026-11-28T00:00:00Z", None)
        .await
        .unwrap();
}

/// Imports registry rows given as JSON, as the committee's own (the file is named `file` in
/// errors and the audit log, which records the import under UNCLASSIFIED).
pub async fn import_rows(store: &Store, kind: pillar_core::RegistryKind, file: &str, json: &str) {
    let rows = pillar_store::files::read_rows(file, json.as_bytes(), kind).unwrap();
    store
        .import(
            kind,
            file,
            &rows,
            &pillar_label::Label::new(pillar_label::Label::coalition_policy(), "UNCLASSIFIED"),
            &pillar_core::stewardship::Origin::committee(None, None),
            &mut |_, _| {},
            None,
        )
        .await
        .unwrap();
}

/// Stores a copy of the demo supply network as `id`, named `name`, under `label` (the
/// committee's own).
pub async fn store_supply_copy(store: &Store, id: &str, name: &str, label: &pillar_label::Label) {
    let net = pillar_supply::parse_bundle(&pillar_supply::demo_bundle()).unwrap();
    store
        .import_supply(
            id,
            name,
            label,
            &pillar_store::supply::rows_of(&net),
            "2026-11-28T00:00:00Z",
            &pillar_core::stewardship::Origin::committee(None, None),
            None,
        )
        .await
        .unwrap();
}

/// Sends one request through `router`: status, headers, body as text.
pub async fn send_to(
    router: &Router,
    req: Request<Body>,
) -> (StatusCode, Vec<(String, String)>, String) {
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = axum::body::to_bytes(res.into_body(), 1 << 24)
        .await
        .unwrap();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// Every demo persona.
pub const EVERY_PERSONA: [&str; 9] = [
    "us-secretariat",
    "us-release",
    "kr-pm",
    "kr-release",
    "au-liaison",
    "jp-observer",
    "us-supply-analyst",
    "gb-tech-analyst",
    "ca-admin",
];

/// A coalition label with a Releasable To list (none: no category).
pub fn coalition(class: &str, rel: &[&str]) -> String {
    if rel.is_empty() {
        return format!(r#"{{"policy":{{"name":"PILLAR COALITION"}},"classification":"{class}"}}"#);
    }
    let v: Vec<String> = rel
        .iter()
        .map(|r| format!(r#"{{"generic":"{r}"}}"#))
        .collect();
    format!(
        r#"{{"policy":{{"name":"PILLAR COALITION"}},"classification":"{class}","categories":[{{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{}]}}]}}"#,
        v.join(",")
    )
}
