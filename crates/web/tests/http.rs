//! The server driven over HTTP as a browser or a script would, on a seeded SQLite store.

use std::net::SocketAddr;

mod common;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use pillar_core::RegistryKind;
use pillar_store::audit::{Anchor, AuditKey, AuditTrail};
use pillar_store::{demo, DbTarget, RegistryRow, Store};
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery";

/// The day every HTTP test runs on.
const TODAY: chrono::NaiveDate = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();

struct App {
    router: Router,
    store: Store,
    _dir: tempfile::TempDir,
}

async fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_migrated(&DbTarget::Sqlite(dir.path().join("w.db")))
        .await
        .unwrap()
        .with_audit(AuditTrail::new(
            AuditKey::new(vec![1; 32]).unwrap(),
            Some(Anchor::new(dir.path().join("anchor"), "w.db")),
        ));
    common::seed_demo(&store).await;
    for p in PERSONAS {
        store
            .set_password(p, PASSWORD, &pillar_web::now(), "test")
            .await
            .unwrap();
    }
    let blobs = pillar_store::blobs::Blobs::new(dir.path().join("blobs"));
    // A fixed calendar: the demo's agreements, actions and stalled projects are judged on one
    // day, whatever day the tests run.
    let state = pillar_web::AppState::new(store.clone(), blobs).with_today(TODAY);
    let router =
        pillar_web::router(state).layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 4000))));
    App {
        router,
        store,
        _dir: dir,
    }
}

const PERSONAS: [&str; 5] = [
    "jp-observer",
    "au-liaison",
    "kr-pm",
    "ca-admin",
    "us-secretariat",
];

async fn send(app: &App, req: Request<Body>) -> (StatusCode, Vec<(String, String)>, String) {
    common::send_to(&app.router, req).await
}

fn get(path: &str, cookie: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

fn set_cookie(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .find_map(|(_, v)| {
            v.strip_prefix(&format!("{name}="))
                .map(|r| r.split(';').next().unwrap().to_string())
        })
}

/// Signs in through the form; returns the session cookie header value.
async fn sign_in(app: &App, user: &str, password: &str) -> Result<String, (StatusCode, String)> {
    let (_, headers, body) = send(app, get("/login", "")).await;
    let csrf_cookie = set_cookie(&headers, "pillar_login_csrf").unwrap();
    let csrf = body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(csrf, csrf_cookie);
    let req = Request::post("/login")
        .header(header::COOKIE, format!("pillar_login_csrf={csrf_cookie}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "csrf={csrf}&user={user}&password={}",
            password.replace(' ', "+")
        )))
        .unwrap();
    let (status, headers, body) = send(app, req).await;
    match set_cookie(&headers, "pillar_session") {
        Some(s) if status == StatusCode::SEE_OTHER => Ok(format!("pillar_session={s}")),
        _ => Err((status, body)),
    }
}

/// What the label engine alone says a person may read (the oracle for the store's filter).
async fn expected_visible(store: &Store, person: &str) -> Vec<String> {
    let (set, _) = store.policy_set().await.unwrap();
    let people = store.operator().export(RegistryKind::People).await.unwrap();
    let clearance = people
        .iter()
        .find_map(|r| match r {
            RegistryRow::Person(p) if p.id == person => p.clearance.clone(),
            _ => None,
        })
        .unwrap();
    let c = set.resolve_clearance(&clearance).unwrap();
    let mut out = Vec::new();
    for row in store
        .operator()
        .export(RegistryKind::Agreements)
        .await
        .unwrap()
    {
        let r = set.resolve(row.label()).unwrap();
        if let Ok(t) = set.translate(&r, c.policy) {
            if set.decide(&t, &c).access {
                out.push(row.id().to_string());
            }
        }
    }
    out
}

#[tokio::test]
async fn every_persona_sees_exactly_what_is_released_to_them_on_every_route() {
    let app = app().await;
    let all: Vec<String> = app
        .store
        .operator()
        .export(RegistryKind::Agreements)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id().to_string())
        .collect();
    let titles: Vec<(String, String)> = app
        .store
        .operator()
        .export(RegistryKind::Agreements)
        .await
        .unwrap()
        .iter()
        .filter_map(|r| match r {
            RegistryRow::Agreement(a) => Some((a.id.clone(), a.title.clone())),
            _ => None,
        })
        .collect();
    for person in PERSONAS {
        let session = sign_in(&app, person, PASSWORD).await.unwrap();
        let visible = expected_visible(&app.store, person).await;
        assert!(
            !visible.is_empty() && visible.len() < all.len() || person == "us-secretariat",
            "{person}: {visible:?}"
        );
        // Lists: the page and the API show exactly the visible ones.
        let (status, _, page) = send(&app, get("/agreements", &session)).await;
        assert_eq!(status, StatusCode::OK);
        let (_, _, api) = send(&app, get("/api/agreements", &session)).await;
        let api: serde_json::Value = serde_json::from_str(&api).unwrap();
        assert_eq!(api["count"], visible.len(), "{person}");
        for (id, title) in &titles {
            let shown = visible.contains(id);
            assert_eq!(
                page.contains(&format!("/agreements/{id}\"")),
                shown,
                "{person} list {id}"
            );
            assert_eq!(page.contains(title.as_str()), shown, "{person} title {id}");
            // Single objects: 200 when visible, 404 otherwise, for the page and the API.
            let (status, _, body) = send(&app, get(&format!("/agreements/{id}"), &session)).await;
            assert_eq!(
                status,
                if shown {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                },
                "{person} page {id}"
            );
            assert_eq!(body.contains(title.as_str()), shown);
            let (status, _, _) = send(&app, get(&format!("/api/agreements/{id}"), &session)).await;
            assert_eq!(
                status,
                if shown {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                },
                "{person} api {id}"
            );
        }
        // An id that does not exist answers exactly as one that is not visible.
        let (s1, _, b1) = send(&app, get("/agreements/no-such-agreement", &session)).await;
        let hidden = all.iter().find(|a| !visible.contains(a));
        if let Some(h) = hidden {
            let (s2, _, b2) = send(&app, get(&format!("/agreements/{h}"), &session)).await;
            assert_eq!((s1, b1), (s2, b2), "{person}");
        }
    }
}

#[tokio::test]
async fn banner_shows_the_dominant_label_in_the_readers_language() {
    let app = app().await;
    let session = sign_in(&app, "au-liaison", PASSWORD).await.unwrap();
    let (_, _, page) = send(&app, get("/agreements/iea-undersea", &session)).await;
    assert!(page.contains(">SECRET//REL TO AUKUS</div>"), "{page}");
    let (_, headers, page) = send(&app, get("/agreements/iea-undersea?lang=ko", &session)).await;
    assert!(page.contains(">Ⅱ급비밀//열람 허용 AUKUS</div>"), "{page}");
    assert!(page.contains("로그아웃"));
    assert_eq!(set_cookie(&headers, "pillar_lang").as_deref(), Some("ko"));
    // The list mixes labels: the dominant label of ADatP-4774.1 drops Releasable To (absent
    // from the unclassified rows) and SECRET without it is invalid in the coalition policy: a
    // policy decision. The page's banner shows the most restrictive reading instead (a marking
    // the reader can act on, with groups read as their members); the API says the decision.
    let (_, _, page) = send(
        &app,
        get("/agreements", &format!("{session}; pillar_lang=en")),
    )
    .await;
    assert!(
        page.contains("role=\"note\">SECRET//REL TO USA, AUS</div>"),
        "{page}"
    );
    let (_, _, body) = send(&app, get("/api/agreements", &session)).await;
    assert!(body.contains("policy decision required"), "{body}");
}

#[tokio::test]
async fn sign_in_csrf_sessions_throttling_and_tokens() {
    let app = app().await;
    // Wrong password, unknown user: same answer.
    let (s1, b1) = sign_in(&app, "jp-observer", "wrong password!")
        .await
        .unwrap_err();
    let (s2, b2) = sign_in(&app, "nobody-at-all", "wrong password!")
        .await
        .unwrap_err();
    assert_eq!(s1, StatusCode::UNAUTHORIZED);
    assert_eq!(
        (s1, b1.contains("Wrong user id")),
        (s2, b2.contains("Wrong user id"))
    );
    // A form post without the CSRF cookie is refused.
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "csrf=x&user=jp-observer&password={PASSWORD}"
        )))
        .unwrap();
    assert_eq!(send(&app, req).await.0, StatusCode::FORBIDDEN);
    // Sign out needs the session's CSRF token.
    let session = sign_in(&app, "kr-pm", PASSWORD).await.unwrap();
    let req = Request::post("/logout")
        .header(header::COOKIE, &session)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("csrf=forged"))
        .unwrap();
    assert_eq!(send(&app, req).await.0, StatusCode::FORBIDDEN);
    // An expired session is no session.
    let secret = "a".repeat(64);
    app.store
        .create_session(
            &pillar_web::auth::secret_hash(&secret),
            "kr-pm",
            "c",
            "2000-01-01T00:00:00.000Z",
            &pillar_store::audit::Audited {
                at: "2000-01-01T00:00:00.000Z",
                event: &pillar_store::audit::AuditEvent::new(
                    "kr-pm", "login", "session", "allow", "test",
                ),
            },
        )
        .await
        .unwrap();
    let (status, headers, _) = send(
        &app,
        get("/agreements", &format!("pillar_session={secret}")),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(headers
        .iter()
        .any(|(k, v)| k == "location" && v == "/login"));
    // Throttling: after five failures even the right password is refused for a while.
    for _ in 0..5 {
        sign_in(&app, "au-liaison", "not the password")
            .await
            .unwrap_err();
    }
    let (status, body) = sign_in(&app, "au-liaison", PASSWORD).await.unwrap_err();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("Too many"), "{body}");
    // API tokens: creating one from a session needs the CSRF header.
    let (_, _, page) = send(&app, get("/agreements", &session)).await;
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let create = |with_csrf: bool| {
        let mut r = Request::post("/api/tokens")
            .header(header::COOKIE, &session)
            .header(header::CONTENT_TYPE, "application/json");
        if with_csrf {
            r = r.header("x-csrf-token", &csrf);
        }
        r.body(Body::from(r#"{"name":"script"}"#)).unwrap()
    };
    assert_eq!(send(&app, create(false)).await.0, StatusCode::FORBIDDEN);
    let (status, _, body) = send(&app, create(true)).await;
    assert_eq!(status, StatusCode::CREATED);
    let t: serde_json::Value = serde_json::from_str(&body).unwrap();
    let bearer = |path: &str| {
        Request::get(path)
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", t["token"].as_str().unwrap()),
            )
            .body(Body::empty())
            .unwrap()
    };
    let (status, _, body) = send(&app, bearer("/api/agreements")).await;
    assert_eq!(status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        v["count"],
        expected_visible(&app.store, "kr-pm").await.len()
    );
    let (_, _, list) = send(&app, bearer("/api/tokens")).await;
    assert!(
        list.contains("script") && !list.contains(t["token"].as_str().unwrap()),
        "secrets are never listed"
    );
    // Paged like every list.
    let tokens: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert!(
        tokens["total"].as_u64().unwrap() >= 1 && tokens["items"].is_array(),
        "{list}"
    );
    let req = Request::delete(format!("/api/tokens/{}", t["id"].as_str().unwrap()))
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", t["token"].as_str().unwrap()),
        )
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, req).await.0, StatusCode::NO_CONTENT);
    assert_eq!(
        send(&app, bearer("/api/agreements")).await.0,
        StatusCode::UNAUTHORIZED
    );
    // Every sign-in attempt and read went to the audit chain, which verifies.
    let key = AuditKey::new(vec![1; 32]).unwrap();
    let v = app.store.audit_verify(&key, None).await.unwrap();
    assert!(v.first_bad.is_none() && v.entries > 10, "{v:?}");
}

#[tokio::test]
async fn headers_health_and_metrics() {
    let app = app().await;
    let (status, headers, _) = send(&app, get("/healthz", "")).await;
    assert_eq!(status, StatusCode::OK);
    let h = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert!(h("content-security-policy").contains("frame-ancestors 'none'"));
    assert!(!h("content-security-policy").contains("unsafe-inline"));
    assert_eq!(h("x-content-type-options"), "nosniff");
    let (_, _, metrics) = send(&app, get("/metrics", "")).await;
    assert!(metrics.contains("pillar_http_requests_total"));
    // Bodies beyond the limit are refused.
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(vec![b'a'; pillar_web::MAX_BODY + 1]))
        .unwrap();
    assert_eq!(send(&app, req).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    let (_, _, css) = send(&app, get("/static/classifications.css", "")).await;
    assert!(css.contains("-4 { background: #C8102E; }"), "{css}");
    // Cookies are Secure when a TLS terminator says the request came over HTTPS, not otherwise.
    let cookie = |headers: &[(String, String)]| {
        headers
            .iter()
            .find(|(k, _)| k == "set-cookie")
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (_, plain, _) = send(&app, get("/login", "")).await;
    assert!(cookie(&plain).contains("HttpOnly") && !cookie(&plain).contains("Secure"));
    let req = Request::get("/login")
        .header("x-forwarded-proto", "https")
        .body(Body::empty())
        .unwrap();
    let (_, tls, _) = send(&app, req).await;
    assert!(cookie(&tls).ends_with("; Secure"), "{}", cookie(&tls));
    assert!(tls.iter().any(|(k, _)| k == "strict-transport-security"));
}

#[tokio::test]
async fn registry_routes_filter_every_kind() {
    let app = app().await;
    // A secret organisation only Americans may know of.
    let rows = pillar_store::files::read_rows(
        "secret.json",
        br#"[{"id":"us-black-lab","name":"Classified laboratory (fictional)","kind":"laboratory","nation":"USA",
              "label":{"policy":{"name":"PILLAR COALITION"},"classification":"SECRET","categories":[{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{"generic":"USA"}]}]}}]"#,
        RegistryKind::Organisations,
    )
    .unwrap();
    let label = pillar_label::Label::new(pillar_label::Label::coalition_policy(), "UNCLASSIFIED");
    app.store
        .import(
            RegistryKind::Organisations,
            "secret.json",
            &rows,
            &label,
            &pillar_core::stewardship::Origin::committee(None, None),
            &mut |_, _| {},
            None,
        )
        .await
        .unwrap();
    for (person, sees) in [
        ("jp-observer", false),
        ("us-secretariat", true),
        ("au-liaison", false),
    ] {
        let session = sign_in(&app, person, PASSWORD).await.unwrap();
        let (_, _, list) = send(&app, get("/registry/organisations", &session)).await;
        assert_eq!(list.contains("us-black-lab"), sees, "{person}");
        let (status, _, _) =
            send(&app, get("/registry/organisations/us-black-lab", &session)).await;
        assert_eq!(status == StatusCode::OK, sees, "{person}");
        let (_, _, api) = send(&app, get("/api/registry/organisations", &session)).await;
        let api: serde_json::Value = serde_json::from_str(&api).unwrap();
        let total = app
            .store
            .operator()
            .count(RegistryKind::Organisations)
            .await
            .unwrap() as u64;
        assert_eq!(
            api["count"].as_u64().unwrap(),
            if sees { total } else { total - 1 },
            "{person}"
        );
        for kind in ["nations", "people", "tech-areas"] {
            let (status, _, _) = send(&app, get(&format!("/registry/{kind}"), &session)).await;
            assert_eq!(status, StatusCode::OK, "{person} {kind}");
        }
        let (status, _, _) = send(&app, get("/registry/widgets", &session)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn every_record_page_says_where_it_comes_from_naming_only_what_the_reader_may_see() {
    let app = app().await;
    let us = sign_in(&app, "us-secretariat", PASSWORD).await.unwrap();
    let jp = sign_in(&app, "jp-observer", PASSWORD).await.unwrap();
    let (name, text) = demo::DEMO_PROJECTS;
    let first = pillar_core::project::read_projects(name, text).unwrap()[0]
        .1
        .clone();
    let lead = first.lead_organisation.clone().unwrap();
    let lead_name = match app
        .store
        .operator()
        .export(RegistryKind::Organisations)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.id() == lead)
        .unwrap()
    {
        pillar_store::RegistryRow::Organisation(o) => o.name,
        _ => unreachable!(),
    };
    for (path, says) in [
        (
            format!("/projects/{}", first.id),
            format!(">{}</a> ({})", esc_html(&lead_name), first.lead_nation),
        ),
        (
            "/committee/meetings/exec-2026-11".into(),
            "(USA) · the committee's own record, kept by its secretariat".into(),
        ),
        (
            "/registry/organisations/us-darpa".into(),
            "Originated by:</strong> the committee ·".into(),
        ),
        (
            "/agreements/mou-us-kor-dst".into(),
            "Originated by:</strong> the committee ·".into(),
        ),
        (
            "/landscape/pillar2-open".into(),
            "Originated by:</strong> the committee ·".into(),
        ),
    ] {
        let (status, _, page) = send(&app, get(&path, &us)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(page.contains(&says), "{path}: `{says}` not in {page}");
        let (_, _, ko) = send(&app, get(&format!("{path}?lang=ko"), &us)).await;
        assert!(ko.contains("생산 주체:"), "{path}");
    }

    // A record everyone may read, originated by an organisation only Americans may know of:
    // others see its nation, not the organisation.
    let rows = pillar_store::files::read_rows(
        "secret.json",
        br#"[{"id":"us-black-lab","name":"Classified laboratory (fictional)","kind":"laboratory","nation":"USA",
              "label":{"policy":{"name":"PILLAR COALITION"},"classification":"SECRET","categories":[{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{"generic":"USA"}]}]}}]"#,
        RegistryKind::Organisations,
    )
    .unwrap();
    let open = pillar_label::Label::new(pillar_label::Label::coalition_policy(), "UNCLASSIFIED");
    let committee = pillar_core::stewardship::Origin::committee(None, None);
    app.store
        .import(
            RegistryKind::Organisations,
            "secret.json",
            &rows,
            &open,
            &committee,
            &mut |_, _| {},
            None,
        )
        .await
        .unwrap();
    let origin = pillar_core::stewardship::Origin {
        organisation: Some("us-black-lab".into()),
        nation: pillar_core::NationCode::parse("USA").unwrap(),
        stewards: vec!["kr-pm".into()],
        committee: false,
    };
    let upload = pillar_store::documents::Upload {
        sha256: "0000000000000000000000000000000000000000000000000000000000000000",
        size: 4,
        media_type: "text/plain",
        filename: "n.txt",
        text: "note",
    };
    app.store
        .create_document(
            "from-black-lab",
            "A note",
            &open,
            &origin,
            "us-secretariat",
            "2026-11-28T00:00:00Z",
            &upload,
            &pillar_store::audit::AuditEvent::new(
                "us-secretariat",
                "upload",
                "document:from-black-lab",
                "allow",
                "",
            ),
        )
        .await
        .unwrap();
    let (_, _, page) = send(&app, get("/documents/from-black-lab", &us)).await;
    assert!(
        page.contains(">Classified laboratory (fictional)</a> (USA) · stewards: <a href=\"/registry/people/kr-pm\">kr-pm</a>"),
        "{page}"
    );
    let (status, _, page) = send(&app, get("/documents/from-black-lab", &jp)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Originated by:</strong> USA · stewards:"),
        "{page}"
    );
    assert!(
        !page.contains("us-black-lab") && !page.contains("Classified laboratory"),
        "{page}"
    );
    // The API's document list says the same.
    let origin_in_api = |body: &str| {
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == "from-black-lab")
            .unwrap()["origin"]
            .clone()
    };
    let (_, _, api) = send(&app, get("/api/documents", &us)).await;
    assert_eq!(
        origin_in_api(&api),
        serde_json::json!({"organisation": {"id": "us-black-lab", "name": "Classified laboratory (fictional)"},
                           "nation": "USA", "committee": false, "stewards": ["kr-pm"]})
    );
    let (_, _, api) = send(&app, get("/api/documents", &jp)).await;
    assert_eq!(
        origin_in_api(&api),
        serde_json::json!({"organisation": null, "nation": "USA", "committee": false, "stewards": ["kr-pm"]})
    );
    assert!(
        !api.contains("us-black-lab") && !api.contains("Classified"),
        "{api}"
    );
}

#[tokio::test]
async fn every_api_404_is_json_and_the_same_for_hidden_and_unknown() {
    let app = app().await;
    let jp = sign_in(&app, "jp-observer", PASSWORD).await.unwrap();
    // A SECRET project the Japanese observer may not read, and an id nobody uses.
    let hidden = app
        .store
        .operator()
        .projects()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.label.classification == "SECRET")
        .unwrap()
        .id;
    let mut checked = 0;
    for (method, path) in pillar_web::ROUTES {
        if *method != "GET" || !path.starts_with("/api/") || !path.contains("{id}") {
            continue;
        }
        for id in ["no-such-thing", hidden.as_str()] {
            let url = path.replace("{kind}", "organisations").replace("{id}", id);
            let (status, headers, body) = send(&app, get(&url, &jp)).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{url}: {body}");
            let json = headers
                .iter()
                .any(|(k, v)| k == "content-type" && v.starts_with("application/json"));
            assert!(json, "{url}: {headers:?}");
            assert_eq!(body, r#"{"error":"not found"}"#, "{url}");
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} API routes with ids");
    // An API path no route serves is the same JSON 404, signed in or not.
    for (url, cookie) in [
        ("/api/no-such-list", jp.as_str()),
        ("/api/projects/x/y/z", ""),
        ("/api/", ""),
    ] {
        let (status, headers, body) = send(&app, get(url, cookie)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{url}");
        assert!(
            headers
                .iter()
                .any(|(k, v)| k == "content-type" && v.starts_with("application/json")),
            "{url}: {headers:?}"
        );
        assert_eq!(body, r#"{"error":"not found"}"#, "{url}");
    }
    // A path no route serves is the same "not found" page, in the reader's language.
    let (status, _, page) = send(&app, get("/no/such/page?lang=ko", &jp)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("<h1>찾을 수 없음</h1>"), "{page}");
    // It keeps the reader's navigation and the banner of a page showing nothing, as does the
    // 404 of a hidden record; signed out, no banner bars are drawn empty.
    for url in [
        "/no/such/page?lang=en".to_string(),
        format!("/projects/{hidden}"),
    ] {
        let (status, _, page) = send(&app, get(&url, &jp)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{url}");
        assert!(page.contains("<h1>Not found</h1>"), "{url}: {page}");
        assert!(
            page.contains(r#"href="/documents""#),
            "{url}: no navigation"
        );
        assert!(
            page.contains(r#"role="note">UNCLASSIFIED</div>"#),
            "{url}: {page}"
        );
        assert!(page.contains(r##"href="#main""##), "{url}: no skip link");
    }
    let (status, _, page) = send(&app, get("/no/such/page", "")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!page.contains(r#"class="banner"#), "{page}");
    for url in ["/api/registry/widgets/x", "/api/registry/widgets"] {
        let (status, _, body) = send(&app, get(url, &jp)).await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::NOT_FOUND, r#"{"error":"not found"}"#),
            "{url}"
        );
    }
}

#[tokio::test]
async fn audit_page_is_for_administrators_and_openapi_describes_the_api() {
    let app = app().await;
    let admin = sign_in(&app, "ca-admin", PASSWORD).await.unwrap();
    let (status, _, page) = send(&app, get("/audit", &admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("ca-admin") && page.contains("login"),
        "{page}"
    );
    let member = sign_in(&app, "jp-observer", PASSWORD).await.unwrap();
    assert_eq!(
        send(&app, get("/audit", &member)).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, _, doc) = send(&app, get("/api/openapi.json", "")).await;
    assert_eq!(status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    // Every API route of the router, with each of its methods, is described.
    for (method, path) in pillar_web::ROUTES {
        if path.starts_with("/api/") && *path != "/api/openapi.json" {
            assert!(
                doc["paths"][path][method.to_ascii_lowercase()].is_object(),
                "{method} {path} is not in the OpenAPI document"
            );
        }
    }
    // … and the document describes nothing the router does not serve.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            assert!(
                pillar_web::ROUTES
                    .iter()
                    .any(|(m, p)| p == path && m.eq_ignore_ascii_case(method)),
                "{method} {path} is described but not routed"
            );
        }
    }
    // The answers are what the document says: each GET without parameters answers, for a
    // reader, an object with exactly the properties its 200 schema names (the schema is
    // generated from the type the handler serialises).
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let op = &item["get"];
        if !path.starts_with("/api/") || path.contains('{') || !op.is_object() {
            continue;
        }
        let schema = &op["responses"]["200"]["content"]["application/json"]["schema"];
        let resolve = |s: &'_ serde_json::Value| match s["$ref"].as_str() {
            Some(r) => doc["components"]["schemas"][r.rsplit('/').next().unwrap()].clone(),
            None => s.clone(),
        };
        let schema = resolve(schema);
        // A flattened part (the page's window) is an `allOf` member: its properties count.
        let mut properties = serde_json::Map::new();
        let parts = match schema["allOf"].as_array() {
            Some(parts) => parts.iter().map(resolve).collect(),
            None => vec![schema.clone()],
        };
        for part in parts {
            if let Some(p) = part["properties"].as_object() {
                properties.extend(p.clone());
            }
        }
        if properties.is_empty() {
            continue;
        }
        let (status, _, body) = send(&app, get(path, &member)).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
        let mut said: Vec<&String> = properties.keys().collect();
        let mut got: Vec<&String> = answer.as_object().unwrap().keys().collect();
        said.sort();
        got.sort();
        assert_eq!(
            said, got,
            "{path}: the answer's fields are not the documented ones"
        );
        checked += 1;
    }
    assert!(
        checked >= 6,
        "only {checked} answers checked against their schema"
    );
}

fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "pillar-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/plain\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn session_csrf(app: &App, session: &str) -> String {
    let (_, _, page) = send(app, get("/documents", session)).await;
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn documents_upload_search_download_and_versions_respect_labels() {
    let app = app().await;
    let us = sign_in(&app, "us-secretariat", PASSWORD).await.unwrap();
    let jp = sign_in(&app, "jp-observer", PASSWORD).await.unwrap();
    let secret = r#"{"policy":{"name":"PILLAR COALITION"},"classification":"SECRET","categories":[{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{"generic":"USA"},{"generic":"AUS"}]}]}"#;
    let post = |cookie: &str, path: &str, ct: String, body: Vec<u8>| {
        Request::post(path)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap()
    };
    // The US secretariat uploads a SECRET document.
    let csrf = session_csrf(&app, &us).await;
    let (ct, body) = multipart(
        &[
            ("csrf", &csrf),
            ("title", "Glide vehicle notes"),
            ("label", secret),
        ],
        Some(("notes.md", b"# Notes\nscramjet inlet tests")),
    );
    let (status, headers, _) = send(&app, post(&us, "/documents", ct, body)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers
        .iter()
        .find(|(k, _)| k == "location")
        .unwrap()
        .1
        .clone();
    // Without the CSRF field: refused.
    let (ct, body) = multipart(&[("title", "x")], Some(("x.txt", b"x")));
    assert_eq!(
        send(&app, post(&us, "/documents", ct, body)).await.0,
        StatusCode::FORBIDDEN
    );
    // The Japanese observer may not create under a label their clearance does not satisfy.
    let jp_csrf = session_csrf(&app, &jp).await;
    let (ct, body) = multipart(
        &[("csrf", &jp_csrf), ("title", "x"), ("label", secret)],
        Some(("x.txt", b"x")),
    );
    assert_eq!(
        send(&app, post(&jp, "/documents", ct, body)).await.0,
        StatusCode::FORBIDDEN
    );
    // Search: hits only for those who may read.
    let (_, _, hits) = send(&app, get("/api/documents?q=scramjet", &us)).await;
    assert!(hits.contains("\"count\":1"), "{hits}");
    let (_, _, hits) = send(&app, get("/api/documents?q=scramjet", &jp)).await;
    assert!(hits.contains("\"count\":0"), "{hits}");
    let (_, _, page) = send(&app, get("/documents?q=scramjet", &jp)).await;
    assert!(!page.contains("Glide vehicle"));
    // Every search is audited, through the API as through the page (without the query).
    let searches: Vec<String> = app
        .store
        .operator()
        .audit_entries(1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event.action == "search")
        .map(|e| e.event.actor)
        .collect();
    assert_eq!(searches.len(), 3, "{searches:?}");
    assert!(searches.contains(&"us-secretariat".to_string()));
    // Download: the bytes for the reader, 404 for the other.
    let (status, _, bytes) = send(&app, get(&format!("{location}/download"), &us)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, "# Notes\nscramjet inlet tests");
    assert_eq!(
        send(&app, get(&format!("{location}/download"), &jp))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&app, get(&location, &jp)).await.0,
        StatusCode::NOT_FOUND
    );
    // A new version replaces the searchable text and keeps the history.
    let (ct, body) = multipart(&[("csrf", &csrf)], Some(("notes.md", b"combustor results")));
    assert_eq!(
        send(&app, post(&us, &format!("{location}/versions"), ct, body))
            .await
            .0,
        StatusCode::SEE_OTHER
    );
    let (_, _, hits) = send(&app, get("/api/documents?q=combustor", &us)).await;
    assert!(
        hits.contains("\"count\":1") && hits.contains("\"version\":2"),
        "{hits}"
    );
    let (_, _, page) = send(&app, get(&location, &us)).await;
    assert!(page.contains("<td class=\"num\">2</td>") && page.contains("<td class=\"num\">1</td>"));
    assert!(page.contains(">SECRET//REL TO USA, AUS</div>"), "{page}");
}

#[tokio::test]
async fn lowering_a_label_is_a_release_decision_checked_against_agreements() {
    let app = app().await;
    app.store
        .set_password("us-release", PASSWORD, &pillar_web::now(), "test")
        .await
        .unwrap();
    let us = sign_in(&app, "us-secretariat", PASSWORD).await.unwrap();
    let rel = sign_in(&app, "us-release", PASSWORD).await.unwrap();
    let kr = sign_in(&app, "kr-pm", PASSWORD).await.unwrap();
    let label = |class: &str, rel: &[&str]| {
        let v: Vec<String> = rel
            .iter()
            .map(|r| format!(r#"{{"generic":"{r}"}}"#))
            .collect();
        format!(
            r#"{{"policy":{{"name":"PILLAR COALITION"}},"classification":"{class}","categories":[{{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{}]}}]}}"#,
            v.join(",")
        )
    };
    let (_, doc) = upload_as(
        &app,
        &us,
        "Quantum gravimeter trial",
        &label("SECRET", &["USA"]),
        "t.txt",
        b"gravimeter results",
    )
    .await;
    let doc = doc.unwrap();
    let csrf = session_csrf(&app, &us).await;
    assert_eq!(send(&app, get(&doc, &kr)).await.0, StatusCode::NOT_FOUND);
    let relabel = |cookie: &str, csrf: &str, label: &str, areas: &str| {
        let body = format!("csrf={}&label={}&areas={}", csrf, urlencode(label), areas);
        Request::post(format!("{doc}/label"))
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    // Not a release authority: refused.
    let (status, _, _) = send(
        &app,
        relabel(
            &us,
            &csrf,
            &label("CONFIDENTIAL", &["USA", "KOR"]),
            "p2-quantum",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Release to JPN in quantum: no agreement in force covers it — the gap is shown.
    let rel_csrf = session_csrf(&app, &rel).await;
    let (status, _, page) = send(
        &app,
        relabel(
            &rel,
            &rel_csrf,
            &label("CONFIDENTIAL", &["USA", "JPN"]),
            "p2-quantum",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let gaps = page
        .split("<h3>Not covered by an agreement in force")
        .nth(1)
        .unwrap_or_default();
    assert!(
        gaps.contains("href=\"/registry/nations/JPN\"") && gaps.contains("title=\"p2-quantum\""),
        "{page}"
    );
    assert_eq!(send(&app, get(&doc, &kr)).await.0, StatusCode::NOT_FOUND);
    // Release to KOR in quantum: the US–ROK MOU covers it; the ROK programme manager now reads it.
    let (status, _, page) = send(
        &app,
        relabel(
            &rel,
            &rel_csrf,
            &label("CONFIDENTIAL", &["USA", "KOR"]),
            "p2-quantum",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("mou-us-kor-dst"), "{page}");
    assert_eq!(send(&app, get(&doc, &kr)).await.0, StatusCode::OK);
    // Raising needs no release authority, only a clearance that satisfies the new label.
    let (status, _, _) = send(
        &app,
        relabel(&us, &csrf, &label("SECRET", &["USA", "KOR"]), ""),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Each decision is in the audit chain with the labels before and after.
    let entries = app.store.operator().audit_entries(100).await.unwrap();
    let releases: Vec<_> = entries
        .iter()
        .filter(|e| e.event.action == "release")
        .collect();
    assert_eq!(
        releases
            .iter()
            .filter(|e| e.event.decision == "deny")
            .count(),
        2
    );
    let allowed = releases
        .iter()
        .find(|e| e.event.decision == "allow")
        .unwrap();
    assert!(
        allowed
            .event
            .detail
            .contains("before SECRET//REL TO USA | after CONFIDENTIAL//REL TO USA, KOR"),
        "{}",
        allowed.event.detail
    );
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The route × persona matrix, generated from the router's own route list: for every GET route,
/// with every parameter value (visible ids, hidden ids, ids that do not exist), no persona's
/// response may contain anything of objects not released to them.
#[tokio::test]
async fn no_route_leaks_anything_hidden_to_any_persona() {
    let app = app().await;
    app.store
        .set_password("ca-admin", PASSWORD, &pillar_web::now(), "test")
        .await
        .unwrap();
    let secret = r#"{"policy":{"name":"PILLAR COALITION"},"classification":"SECRET","categories":[{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{"generic":"USA"}]}]}"#;
    let store = &app.store;
    let import = |kind, json: String| async move {
        common::import_rows(store, kind, "zebra.json", &json).await
    };
    import(RegistryKind::Organisations, format!(r#"[{{"id":"ZEBRA-ORG","name":"ZEBRA laboratory","kind":"laboratory","nation":"USA","label":{secret}}}]"#)).await;
    import(RegistryKind::Agreements, format!(r#"[{{"id":"ZEBRA-AGREEMENT","title":"ZEBRA annex","kind":"mou","parties":["USA"],"areas":["p2-quantum"],"valid_from":"2026-01-01","status":"in-force","label":{secret}}}]"#)).await;
    // A hidden project.
    let (name, text) = demo::DEMO_PROJECTS;
    let mut zebra = pillar_core::project::read_projects(name, text).unwrap()[0].clone();
    zebra.1.id = "ZEBRA-PROJECT".into();
    zebra.1.title = "ZEBRA project".into();
    zebra.1.label = pillar_label::Label::from_json(secret).unwrap();
    app.store
        .import_projects(
            "zebra.json",
            &[zebra],
            "us-secretariat",
            "2026-11-28T00:00:00Z",
            None,
        )
        .await
        .unwrap();
    // A hidden item in a meeting everyone may see, and a hidden meeting.
    let (name, text) = demo::DEMO_COMMITTEE;
    let _ = name;
    let mut committee: pillar_core::committee::CommitteeFile = serde_json::from_str(text).unwrap();
    let secret_label = pillar_label::Label::from_json(secret).unwrap();
    committee.meetings[0]
        .agenda
        .push(pillar_core::committee::AgendaItem {
            title: "ZEBRA agenda item".into(),
            project: None,
            notes: String::new(),
            label: Some(secret_label.clone()),
        });
    committee.meetings[0]
        .actions
        .push(pillar_core::committee::Action {
            id: "zebra".into(),
            text: "ZEBRA action".into(),
            owner: "jp-observer".into(),
            due: "2026-12-01".parse().unwrap(),
            status: "open".into(),
            label: Some(secret_label.clone()),
        });
    let mut hidden = committee.meetings[1].clone();
    hidden.id = "ZEBRA-MEETING".into();
    hidden.title = "ZEBRA meeting".into();
    hidden.label = secret_label;
    committee.meetings.push(hidden);
    app.store
        .import_committee(
            "zebra.json",
            &committee,
            &pillar_core::stewardship::Origin::committee(None, None),
            None,
        )
        .await
        .unwrap();
    // A hidden landscape analysis with one area.
    app.store
        .publish_landscape(
            "ZEBRA-LANDSCAPE",
            "ZEBRA analysis",
            &pillar_label::Label::from_json(secret).unwrap(),
            &zebra_landscape(),
            "us-secretariat",
            &pillar_core::stewardship::Origin::committee(None, None),
            "2026-11-28T00:00:00Z",
            None,
        )
        .await
        .unwrap();
    let meeting_ids: Vec<String> = committee
        .meetings
        .iter()
        .map(|m| m.id.clone())
        .chain(["no-such-id".to_string()])
        .collect();
    let project_ids: Vec<String> = app
        .store
        .operator()
        .projects()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .chain(["no-such-id".to_string()])
        .collect();
    // A hidden document, uploaded through the web by an American.
    let us = sign_in(&app, "us-secretariat", PASSWORD).await.unwrap();
    let (_, doc) = upload_as(
        &app,
        &us,
        "ZEBRA report",
        secret,
        "z.txt",
        b"ZEBRA contents",
    )
    .await;
    let doc_id = doc.unwrap().rsplit('/').next().unwrap().to_string();
    // An unclassified project links the hidden document.
    let (name, text) = demo::DEMO_PROJECTS;
    let mut linked = pillar_core::project::read_projects(name, text)
        .unwrap()
        .into_iter()
        .find(|(_, p)| p.label.classification == "UNCLASSIFIED" && p.label.categories.is_empty())
        .unwrap();
    linked.1.id = "linked-project".into();
    linked.1.documents = vec![doc_id.clone()];
    app.store
        .import_projects(
            "linked.json",
            &[linked],
            "us-secretariat",
            "2026-11-28T00:00:00Z",
            None,
        )
        .await
        .unwrap();
    let (_, _, body) = send(&app, get("/api/projects/linked-project", &us)).await;
    assert!(
        body.contains(&doc_id),
        "the linked document is named to its reader"
    );
    // The American also reads them, so that the audit chain mentions them.
    for path in [
        "/registry/organisations/ZEBRA-ORG",
        "/api/registry/agreements/ZEBRA-AGREEMENT",
        &format!("/documents/{doc_id}"),
        "/documents?q=zebra",
        "/projects/ZEBRA-PROJECT",
        "/committee/meetings/ZEBRA-MEETING",
        "/landscape/ZEBRA-LANDSCAPE",
        "/landscape/ZEBRA-LANDSCAPE/areas/zebra-area",
    ] {
        assert_eq!(send(&app, get(path, &us)).await.0, StatusCode::OK, "{path}");
    }
    // A hidden supply network.
    let zebra = pillar_label::Label::from_json(secret).unwrap();
    common::store_supply_copy(&app.store, "ZEBRA-SUPPLY", "ZEBRA supply network", &zebra).await;
    let kinds = [
        "nations",
        "organisations",
        "people",
        "tech-areas",
        "agreements",
    ];
    let mut ids_of: std::collections::HashMap<&str, Vec<String>> = std::collections::HashMap::new();
    for k in kinds {
        let mut ids: Vec<String> = app
            .store
            .operator()
            .export(k.parse().unwrap())
            .await
            .unwrap()
            .iter()
            .map(|r| r.id().to_string())
            .collect();
        ids.push("no-such-id".into());
        ids_of.insert(k, ids);
    }
    let mut paths = Vec::new();
    for (method, pattern) in pillar_web::ROUTES {
        if *method != "GET" {
            continue;
        }
        let mut expanded = vec![pattern.to_string()];
        if pattern.contains("{kind}") {
            expanded = kinds.iter().map(|k| pattern.replace("{kind}", k)).collect();
        }
        if pattern.contains("{chart}") {
            expanded = [
                "by-workstream",
                "by-area",
                "by-nation",
                "by-stage",
                "by-trl",
                "trl-progression",
                "cost-share",
                "slippage",
                "stalled",
                "no-such-chart",
            ]
            .iter()
            .map(|c| pattern.replace("{chart}", c))
            .collect();
        }
        if pattern.contains("{area}") {
            expanded = ["zebra-area", "p2-quantum", "no-such-area"]
                .iter()
                .map(|a| pattern.replace("{area}", a))
                .collect();
        }
        if pattern.contains("{item}") {
            expanded = ["MAV", "no-such-item"]
                .iter()
                .map(|a| pattern.replace("{item}", a))
                .collect();
        }
        let mut with_ids = Vec::new();
        for p in expanded {
            if !p.contains("{id}") {
                with_ids.push(p.clone());
                if p.starts_with("/documents") || p.starts_with("/api/documents") {
                    // Lower case: the search box echoes the query, which is not a leak.
                    with_ids.push(format!("{p}?q=zebra"));
                }
                continue;
            }
            let ids: Vec<String> = if p.contains("/documents/") {
                vec![doc_id.clone(), "no-such-id".into()]
            } else if p.contains("/agreements/") {
                ids_of["agreements"].clone()
            } else if p.contains("/tokens/") {
                vec!["no-such-id".into()]
            } else if p.contains("/projects/") {
                project_ids.clone()
            } else if p.contains("/meetings/") {
                meeting_ids.clone()
            } else if p.contains("/supply") {
                ["ZEBRA-SUPPLY", "demo-materials", "no-such-id"]
                    .map(String::from)
                    .to_vec()
            } else if p.contains("/landscape") {
                [
                    "ZEBRA-LANDSCAPE",
                    "pillar2-open",
                    "aukus-restricted",
                    "no-such-id",
                ]
                .map(String::from)
                .to_vec()
            } else {
                let k = kinds
                    .iter()
                    .find(|k| p.contains(&format!("/{k}/")))
                    .unwrap();
                ids_of[k].clone()
            };
            with_ids.extend(ids.iter().map(|id| p.replace("{id}", id)));
        }
        paths.extend(with_ids);
    }
    for p in &paths {
        assert!(!p.contains('{'), "{p}: a placeholder left unexpanded");
    }
    assert!(paths.len() > 100, "{}", paths.len());
    let mut seen_by_us = 0;
    for path in &paths {
        let (_, _, body) = send(&app, get(path, &us)).await;
        seen_by_us += body.matches("ZEBRA").count();
    }
    assert!(
        seen_by_us > 5,
        "the markers must be visible to someone, or this test proves nothing"
    );
    for person in ["jp-observer", "au-liaison", "kr-pm", "ca-admin"] {
        let session = sign_in(&app, person, PASSWORD).await.unwrap();
        for path in [
            "/api/projects/linked-project",
            "/projects/linked-project",
            "/api/projects",
        ] {
            let (status, _, body) = send(&app, get(path, &session)).await;
            assert!(
                !body.contains(&doc_id) && !body.contains("ZEBRA"),
                "{person} {path}: {status}"
            );
        }
        for path in &paths {
            let (status, _, body) = send(&app, get(path, &session)).await;
            assert!(!body.contains("ZEBRA"), "{person} {path}: {status}\n{body}");
            if path.contains("ZEBRA-") || path.contains(&doc_id) {
                assert_eq!(status, StatusCode::NOT_FOUND, "{person} {path}");
            }
        }
    }
}

#[tokio::test]
async fn tokens_page_creates_shows_once_and_revokes() {
    let app = app().await;
    let s = sign_in(&app, "au-liaison", PASSWORD).await.unwrap();
    let csrf = session_csrf(&app, &s).await;
    let form = |path: &str, body: String| {
        Request::post(path)
            .header(header::COOKIE, &s)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    assert_eq!(
        send(&app, form("/tokens", "csrf=bad&name=x".into()))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (status, _, page) = send(&app, form("/tokens", format!("csrf={csrf}&name=nightly"))).await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = page
        .split("<code>")
        .nth(1)
        .unwrap()
        .split("</code>")
        .next()
        .unwrap()
        .to_string();
    let (_, _, list) = send(&app, get("/tokens", &s)).await;
    assert!(
        list.contains("nightly") && !list.contains(&secret),
        "the secret is shown once only"
    );
    let id = list
        .split("/tokens/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let bearer = Request::get("/api/agreements")
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, bearer).await.0, StatusCode::OK);
    assert_eq!(
        send(
            &app,
            form(&format!("/tokens/{id}/revoke"), format!("csrf={csrf}"))
        )
        .await
        .0,
        StatusCode::SEE_OTHER
    );
    let bearer = Request::get("/api/agreements")
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, bearer).await.0, StatusCode::UNAUTHORIZED);
    let (_, headers, js) = send(&app, get("/static/pillar.js", "")).await;
    assert!(js.contains("aria-sort"));
    assert!(headers
        .iter()
        .any(|(k, v)| k == "content-type" && v == "text/javascript"));
}

#[tokio::test]
async fn clearances_are_shown_only_to_their_holder_and_administrators() {
    let app = app().await;
    let jp = sign_in(&app, "jp-observer", PASSWORD).await.unwrap();
    let (_, _, body) = send(&app, get("/api/registry/people", &jp)).await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    for p in v["items"].as_array().unwrap() {
        let own = p["id"] == "jp-observer";
        assert_eq!(p["clearance"].is_object(), own, "{}", p["id"]);
    }
    let (_, _, body) = send(&app, get("/api/registry/people/us-secretariat", &jp)).await;
    assert!(!body.contains("classifications"), "{body}");
    let admin = sign_in(&app, "ca-admin", PASSWORD).await.unwrap();
    let (_, _, body) = send(&app, get("/api/registry/people/us-secretariat", &admin)).await;
    assert!(body.contains("classifications"), "{body}");
}

#[tokio::test]
async fn the_readiness_view_counts_what_each_persona_may_see() {
    let app = app().await;
    let all = app.store.operator().projects().await.unwrap();
    let mut totals = Vec::new();
    for person in ["jp-observer", "kr-pm", "au-liaison"] {
        let s = sign_in(&app, person, PASSWORD).await.unwrap();
        let (status, _, body) = send(&app, get("/api/portfolio", &s)).await;
        assert_eq!(status, StatusCode::OK);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        // What this person may read according to the label engine alone (not the store's
        // entitlements, which are under test here), counted again.
        let (set, _) = app.store.policy_set().await.unwrap();
        let clearance = app
            .store
            .person(person)
            .await
            .unwrap()
            .unwrap()
            .clearance
            .unwrap();
        let c = set.resolve_clearance(&clearance).unwrap();
        let readable: Vec<&pillar_core::project::Project> = all
            .iter()
            .filter(|p| set.resolve(&p.label).is_ok_and(|l| set.permits(&l, &c)))
            .collect();
        assert_eq!(v["projects"], readable.len(), "{person}");
        let ws = v["matrix"]["workstreams"].as_array().unwrap();
        let nations = v["matrix"]["nations"].as_array().unwrap();
        for (i, w) in ws.iter().enumerate() {
            for (j, n) in nations.iter().enumerate() {
                let expected = readable
                    .iter()
                    .filter(|p| {
                        p.workstreams.iter().any(|x| x == w.as_str().unwrap())
                            && p.nations().iter().any(|x| x == n.as_str().unwrap())
                    })
                    .count();
                assert_eq!(
                    v["matrix"]["cells"][i][j]["projects"], expected,
                    "{person} {w} {n}"
                );
            }
        }
        // The page shows the same total, and the banner.
        let (_, _, page) = send(&app, get("/", &s)).await;
        assert!(
            page.contains(&format!(" {} ", readable.len())),
            "{person}: the front page does not show the total"
        );
        totals.push(readable.len());
    }
    assert!(
        totals[0] != totals[1] && totals[1] != totals[2] && totals[0] != totals[2],
        "three nations' personas should see different portfolios: {totals:?}"
    );
}

#[tokio::test]
async fn an_assessment_made_with_the_questionnaire_is_recorded_and_fixed_once_signed() {
    let app = app().await;
    // An AUKUS liaison of DSTG, which takes part in the project assessed.
    let us = sign_in(&app, "au-liaison", PASSWORD).await.unwrap();
    let csrf = session_csrf(&app, &us).await;
    let projects = app.store.operator().projects().await.unwrap();
    let open = projects
        .iter()
        .find(|p| {
            p.label.classification == "UNCLASSIFIED"
                && p.label.categories.is_empty()
                && p.participants
                    .iter()
                    .any(|x| x.organisation.as_deref() == Some("au-dstg"))
        })
        .unwrap();
    let (status, _, form) = send(
        &app,
        get(
            &format!("/projects/{}/assess?scale=TRL&variant=software", open.id),
            &us,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("name=\"q.3.2\""), "{form}");
    let post = |session: &str, id: &str, body: String| {
        Request::post(format!("/projects/{id}/assessments"))
            .header(header::COOKIE, session)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    // Levels 1–3 complete, level 4 half done: TRL 3, signed.
    let mut body = format!("csrf={csrf}&scale=TRL&variant=software&component=&sign=1");
    for l in 1..=4 {
        for q in 1..=3 {
            let pct = if l == 4 { 50 } else { 100 };
            body.push_str(&format!("&q.{l}.{q}={pct}&e.{l}.{q}=report+{l}.{q}"));
        }
    }
    assert_eq!(
        send(&app, post(&us, &open.id, body.replace(&csrf, "wrong")))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (status, headers, _) = send(&app, post(&us, &open.id, body.clone())).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{headers:?}");
    let readable = app
        .store
        .entitlements(
            &pillar_store::EntitlementCache::default(),
            &app.store
                .person("au-liaison")
                .await
                .unwrap()
                .unwrap()
                .clearance
                .unwrap(),
        )
        .await
        .unwrap();
    let p = app
        .store
        .reader(&readable)
        .project(&open.id)
        .await
        .unwrap()
        .unwrap();
    let latest = p.latest("TRL", None).unwrap();
    assert_eq!(latest.level, 3);
    assert!(latest.signed);
    assert_eq!(latest.assessor, "au-liaison");
    assert!(latest.answers.is_some());
    let history = app
        .store
        .reader(&readable)
        .project_history(&open.id)
        .await
        .unwrap();
    assert!(history.last().unwrap().change.contains("TRL 3, signed"));
    // Nothing answered: level 1 not reached, nothing recorded.
    let before = p.assessments.len();
    let (status, _, _) = send(
        &app,
        post(
            &us,
            &open.id,
            format!("csrf={csrf}&scale=TRL&variant=software"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let p = app
        .store
        .reader(&readable)
        .project(&open.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.assessments.len(), before);
    // A project the reader may not see is 404, form and post alike.
    let hidden = projects
        .iter()
        .find(|p| p.label.classification == "SECRET")
        .unwrap();
    let jp = sign_in(&app, "jp-observer", PASSWORD).await.unwrap();
    let jp_csrf = session_csrf(&app, &jp).await;
    assert_eq!(
        send(&app, get(&format!("/projects/{}/assess", hidden.id), &jp))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&app, post(&jp, &hidden.id, body.replace(&csrf, &jp_csrf)))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

/// A small analysis (one area, one nation) whose names carry the ZEBRA marker.
fn zebra_landscape() -> serde_json::Value {
    use pillar_landscape::indicators::{self, AreaNationRow, NationTotalRow, Tables};
    let areas = pillar_landscape::AreaSet::parse(
        r#"{"areas": [{"id": "zebra-area", "name": "ZEBRA area", "query": "zebra"}]}"#,
    )
    .unwrap();
    let row = |nation: &str| AreaNationRow {
        area: "zebra-area".into(),
        nation: nation.into(),
        output: 1,
        output_fractional: 1.0,
        top10_fractional: 0.1,
    };
    let tables = Tables {
        area_nation: vec![row("USA"), row("")],
        nation_totals: vec![
            NationTotalRow {
                nation: "USA".into(),
                output: 1,
                output_fractional: 1.0,
            },
            NationTotalRow {
                nation: "".into(),
                output: 1,
                output_fractional: 1.0,
            },
        ],
        ..Default::default()
    };
    let period = pillar_landscape::Period {
        from: 2020,
        to: 2024,
    };
    serde_json::to_value(indicators::snapshot(
        &areas,
        period,
        &tables,
        &["USA".into()],
    ))
    .unwrap()
}

#[tokio::test]
async fn landscape_pages_follow_the_analysis_label() {
    let app = app().await;
    let us = sign_in(&app, "us-secretariat", PASSWORD).await.unwrap();
    let kr = sign_in(&app, "kr-pm", PASSWORD).await.unwrap();
    // The American sees both demo analyses; the Korean only the unclassified one.
    let (_, _, page) = send(&app, get("/landscape", &us)).await;
    assert!(
        page.contains("/landscape/pillar2-open") && page.contains("/landscape/aukus-restricted")
    );
    let (_, _, page) = send(&app, get("/landscape", &kr)).await;
    assert!(page.contains("/landscape/pillar2-open") && !page.contains("aukus-restricted"));
    let (_, _, api) = send(&app, get("/api/landscapes", &kr)).await;
    let api: serde_json::Value = serde_json::from_str(&api).unwrap();
    assert_eq!(api["landscapes"].as_array().unwrap().len(), 1);
    for path in [
        "/landscape/aukus-restricted",
        "/api/landscapes/aukus-restricted",
        "/landscape/aukus-restricted/areas/p2-quantum",
    ] {
        assert_eq!(
            send(&app, get(path, &kr)).await.0,
            StatusCode::NOT_FOUND,
            "{path}"
        );
        assert_eq!(send(&app, get(path, &us)).await.0, StatusCode::OK, "{path}");
    }
    // The analysis page: heat map, partner suggestions for the reader's own nation.
    let (status, _, page) = send(&app, get("/landscape/pillar2-open", &kr)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<svg class=\"chart heat\""));
    assert!(page.contains("Partner suggestions for KOR"));
    assert!(page.contains("UNCLASSIFIED"));
    // An area: ranked nations, institutions, the query it was made with.
    let (_, _, page) = send(&app, get("/landscape/pillar2-open/areas/p2-quantum", &kr)).await;
    assert!(page.contains("Leading institutions") && page.contains("quantum AND"));
    assert_eq!(
        send(&app, get("/landscape/pillar2-open/areas/no-such-area", &kr))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // The restricted analysis carries its label on the page.
    let (_, _, page) = send(&app, get("/landscape/aukus-restricted", &us)).await;
    assert!(page.contains("SECRET"));
    // Methodology in Korean lists every shipped area's query.
    let (_, _, page) = send(&app, get("/landscape/methodology?lang=ko", &kr)).await;
    assert!(page.contains("방법론") && page.contains("hypersonic*"));
    // Reads are audited.
    let audit = app.store.operator().audit_entries(10_000).await.unwrap();
    assert!(audit
        .iter()
        .any(|e| e.event.object == "landscape:pillar2-open" && e.event.actor == "kr-pm"));
}

/// What the label engine alone (not the store, not the web crate) says of `person` and `label`.
async fn engine_permits(store: &Store, person: &str, label: &str) -> bool {
    let (set, _) = store.policy_set().await.unwrap();
    let p = store.person(person).await.unwrap().unwrap();
    let c = set
        .resolve_clearance(p.clearance.as_ref().unwrap())
        .unwrap();
    let l = set
        .resolve(&pillar_label::Label::from_json(label).unwrap())
        .unwrap();
    set.permits(&l, &c)
}

/// A document's (version, label) as the store holds them, read without any reader's filter.
async fn document_state(store: &Store, id: &str) -> (i64, String) {
    let row: (i64, String) = sqlx::query_as(
        "SELECT d.version, l.canonical FROM documents d JOIN labels l ON l.id = d.label_id WHERE d.id = $1",
    )
    .bind(id)
    .fetch_one(&store.pool_for_tests())
    .await
    .unwrap();
    row
}

async fn count(store: &Store, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&store.pool_for_tests())
        .await
        .unwrap()
}

/// The write matrix, generated from the router's own route list: for every state-changing route,
/// every demo persona and anonymous callers, on records of each originating nation, only the
/// people the stewardship table (docs/platform.md) allows change anything; the others get 404
/// (cannot read), 403 (can read, cannot write) or are sent to sign in, and the state read back
/// afterwards is unchanged. The expectations are written out by hand from the table; what a
/// persona may read comes from the label engine's ACDF, not from the store under test.
#[tokio::test]
async fn only_the_stewardship_table_changes_anything() {
    let app = app().await;
    let mut session = std::collections::HashMap::new();
    for p in common::EVERY_PERSONA {
        app.store
            .set_password(p, PASSWORD, &pillar_web::now(), "test")
            .await
            .unwrap();
        let s = sign_in(&app, p, PASSWORD).await.unwrap();
        let csrf = session_csrf(&app, &s).await;
        session.insert(p, (s, csrf));
    }
    // Every state-changing route the router declares has a case below; a new one fails here
    // until it is added.
    let cases = [
        "POST /documents",
        "POST /documents/{id}/versions",
        "POST /documents/{id}/label",
        "POST /documents/{id}/withdraw",
        "POST /projects/{id}/assessments",
        "POST /login",
        "POST /logout",
        "POST /api/tokens",
        "DELETE /api/tokens/{id}",
        "POST /tokens",
        "POST /tokens/{id}/revoke",
        "POST /committee/meetings",
        "POST /committee/meetings/{id}",
        "POST /committee/meetings/{id}/items",
        "POST /committee/meetings/{id}/actions/{action}/status",
        "POST /committee/import",
        "POST /api/meetings",
        "POST /api/meetings/import",
        "PUT /api/meetings/{id}",
        "POST /api/meetings/{id}/items",
        "POST /api/meetings/{id}/actions/{action}/status",
        // The key access service and its token endpoint change no record: they decide and
        // audit (tests/kas.rs).
        "POST /kas.AccessService/PublicKey",
        "POST /kas.AccessService/Rewrap",
        "POST /oauth/token",
    ];
    for (method, path) in pillar_web::ROUTES {
        if *method != "GET" {
            let route = format!("{method} {path}");
            assert!(
                cases.contains(&route.as_str()),
                "{route} changes state but has no case in the write matrix"
            );
        }
    }
    let upload = |who: &str, title: &str, label: &str| {
        let (s, csrf) = session[who].clone();
        let (ct, body) = multipart(
            &[("csrf", &csrf), ("title", title), ("label", label)],
            Some(("w.txt", format!("{title} by {who}").as_bytes())),
        );
        Request::post("/documents")
            .header(header::COOKIE, s)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap()
    };
    let location = |headers: &[(String, String)]| {
        headers
            .iter()
            .find(|(k, _)| k == "location")
            .map(|(_, v)| v.trim_start_matches("/documents/").to_string())
    };
    let unclassified = common::coalition("UNCLASSIFIED", &[]);

    // The committee's records: the secretariat's, every persona tried (others refused, nothing
    // written); an action's status also its owner's.
    let form = |who: &str, path: &str, fields: &str| {
        let (s, csrf) = session[who].clone();
        Request::post(path)
            .header(header::COOKIE, s)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={csrf}&{fields}")))
            .unwrap()
    };
    let committee: String = sqlx::query_scalar::<_, String>(
        "SELECT id FROM committees WHERE parent IS NULL ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.store.pool_for_tests())
    .await
    .unwrap();
    let label = urlencode(&unclassified);
    let new_meeting =
        format!("committee={committee}&title=Matrix+meeting&date=2026-12-01&label={label}");
    let meetings = "SELECT COUNT(*) FROM meetings";
    let mut meeting = String::new();
    for p in common::EVERY_PERSONA {
        let before = count(&app.store, meetings).await;
        let (status, headers, page) =
            send(&app, form(p, "/committee/meetings", &new_meeting)).await;
        if p == "us-secretariat" {
            assert_eq!(status, StatusCode::SEE_OTHER, "{p}: {page}");
            assert_eq!(count(&app.store, meetings).await, before + 1);
            meeting = headers
                .iter()
                .find(|(k, _)| k == "location")
                .unwrap()
                .1
                .clone();
        } else {
            assert_eq!(status, StatusCode::FORBIDDEN, "{p}: {page}");
            assert_eq!(count(&app.store, meetings).await, before, "{p}");
        }
    }
    let items = "SELECT COUNT(*) FROM meeting_items";
    let titles = "SELECT COUNT(*) FROM meetings WHERE place = 'Here'";
    for p in common::EVERY_PERSONA {
        let before = count(&app.store, items).await;
        let renamed = count(&app.store, titles).await;
        let add =
            format!("kind=action&text=Matrix+action&owner=kr-pm&due=2026-12-31&label={label}");
        let (status, _, page) = send(&app, form(p, &format!("{meeting}/items"), &add)).await;
        let edit = "title=Renamed&date=2026-12-02&place=Here";
        let (edited, _, _) = send(&app, form(p, &meeting, edit)).await;
        if p == "us-secretariat" {
            assert_eq!(status, StatusCode::SEE_OTHER, "{p}: {page}");
            assert_eq!(count(&app.store, items).await, before + 1);
            assert_eq!(edited, StatusCode::SEE_OTHER);
            assert_eq!(count(&app.store, titles).await, 1);
        } else {
            assert_eq!(status, StatusCode::FORBIDDEN, "{p}: {page}");
            assert_eq!(count(&app.store, items).await, before, "{p}");
            assert_eq!(edited, StatusCode::FORBIDDEN, "{p}");
            assert_eq!(count(&app.store, titles).await, renamed, "{p}");
        }
    }
    // The action (kr-pm's): everyone but its owner and the secretariat refused; the owner
    // closes it.
    let action = format!("{meeting}/actions/a1/status");
    let open = "SELECT COUNT(*) FROM meeting_items WHERE kind = 'action' AND status = 'open' \
                AND body LIKE '%Matrix action%'";
    for p in common::EVERY_PERSONA {
        if ["kr-pm", "us-secretariat"].contains(&p) {
            continue;
        }
        let (status, _, _) = send(&app, form(p, &action, "status=done")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{p}");
        assert_eq!(count(&app.store, open).await, 1, "{p}");
    }
    let (status, _, _) = send(&app, form("kr-pm", &action, "status=done")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(count(&app.store, open).await, 0);
    let (status, _, _) = send(&app, form("us-secretariat", &action, "status=open")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(count(&app.store, open).await, 1);

    // The same through the API (sessions sending X-CSRF-Token) and the import form: the
    // secretariat's; everyone else refused with nothing written.
    let api = |who: &str, method: &str, path: &str, body: String| {
        let (s, csrf) = session[who].clone();
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, s)
            .header("x-csrf-token", csrf)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap()
    };
    let one = format!(
        r#"{{"committee":"{committee}","title":"API meeting","date":"2026-12-01","label":{unclassified},
             "actions":[{{"text":"API action","owner":"kr-pm","due":"2026-12-31"}}]}}"#
    );
    let file = format!(r#"{{"meetings":[{one},{one}]}}"#);
    let mut api_meeting = String::new();
    for p in common::EVERY_PERSONA {
        let before = count(&app.store, meetings).await;
        let (created, _, body) = send(&app, api(p, "POST", "/api/meetings", one.clone())).await;
        let (imported, _, _) =
            send(&app, api(p, "POST", "/api/meetings/import", file.clone())).await;
        let (s, csrf) = session[p].clone();
        let (ct, upload) = multipart(&[("csrf", &csrf)], Some(("m.json", file.as_bytes())));
        let page = Request::post("/committee/import")
            .header(header::COOKIE, s)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(upload))
            .unwrap();
        let (paged, _, _) = send(&app, page).await;
        if p == "us-secretariat" {
            assert_eq!(created, StatusCode::CREATED, "{body}");
            assert_eq!(imported, StatusCode::CREATED);
            assert_eq!(paged, StatusCode::SEE_OTHER);
            assert_eq!(count(&app.store, meetings).await, before + 5);
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            api_meeting = v["ids"][0].as_str().unwrap().to_string();
        } else {
            assert_eq!(created, StatusCode::FORBIDDEN, "{p}: {body}");
            assert_eq!(imported, StatusCode::FORBIDDEN, "{p}");
            assert_eq!(paged, StatusCode::FORBIDDEN, "{p}");
            assert_eq!(count(&app.store, meetings).await, before, "{p}");
        }
    }
    let api_path = format!("/api/meetings/{api_meeting}");
    let api_titles = "SELECT COUNT(*) FROM meetings WHERE place = 'Via API'";
    for p in common::EVERY_PERSONA {
        let before = count(&app.store, items).await;
        let renamed = count(&app.store, api_titles).await;
        let item = r#"{"kind":"decision","text":"Proceed","basis":"consensus"}"#.to_string();
        let (added, _, body) = send(&app, api(p, "POST", &format!("{api_path}/items"), item)).await;
        let change = r#"{"title":"Renamed","date":"2026-12-02","place":"Via API"}"#.to_string();
        let (edited, _, _) = send(&app, api(p, "PUT", &api_path, change)).await;
        if p == "us-secretariat" {
            assert_eq!(added, StatusCode::CREATED, "{body}");
            assert_eq!(count(&app.store, items).await, before + 1);
            assert_eq!(edited, StatusCode::NO_CONTENT);
            assert_eq!(count(&app.store, api_titles).await, 1);
        } else {
            assert_eq!(added, StatusCode::FORBIDDEN, "{p}: {body}");
            assert_eq!(count(&app.store, items).await, before, "{p}");
            assert_eq!(edited, StatusCode::FORBIDDEN, "{p}");
            assert_eq!(count(&app.store, api_titles).await, renamed, "{p}");
        }
    }
    let api_action = format!("{api_path}/actions/a1/status");
    let api_open = "SELECT COUNT(*) FROM meeting_items WHERE kind = 'action' AND status = 'open' \
                    AND body LIKE '%API action%'";
    let open_before = count(&app.store, api_open).await;
    for p in common::EVERY_PERSONA {
        if ["kr-pm", "us-secretariat"].contains(&p) {
            continue;
        }
        let done = r#"{"status":"done"}"#.to_string();
        let (status, _, _) = send(&app, api(p, "POST", &api_action, done)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{p}");
        assert_eq!(count(&app.store, api_open).await, open_before, "{p}");
    }
    let done = r#"{"status":"done"}"#.to_string();
    let (status, _, _) = send(&app, api("kr-pm", "POST", &api_action, done)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(count(&app.store, api_open).await, open_before - 1);

    // POST /documents: every persona with a writing role; not the administrator.
    for p in common::EVERY_PERSONA {
        let before = count(&app.store, "SELECT COUNT(*) FROM documents").await;
        let (status, _, body) = send(&app, upload(p, "created", &unclassified)).await;
        if p == "ca-admin" {
            assert_eq!(status, StatusCode::FORBIDDEN, "{p}: {body}");
            assert_eq!(
                count(&app.store, "SELECT COUNT(*) FROM documents").await,
                before
            );
        } else {
            assert_eq!(status, StatusCode::SEE_OTHER, "{p}: {body}");
            assert_eq!(
                count(&app.store, "SELECT COUNT(*) FROM documents").await,
                before + 1
            );
        }
    }

    // New versions and relabelling that does not lower: documents of four originating
    // organisations, each kept by its organisation (and the US secretariat's by the secretariat,
    // being the committee's own). Written out from the table: (creator, who may change it).
    let kept: [(&str, &[&str]); 4] = [
        ("us-secretariat", &["us-secretariat", "us-release"]),
        ("kr-pm", &["kr-pm"]),
        ("au-liaison", &["au-liaison"]),
        ("jp-observer", &["jp-observer"]),
    ];
    for (creator, keepers) in kept {
        let (_, headers, _) = send(&app, upload(creator, "kept", &unclassified)).await;
        let id = location(&headers).unwrap();
        let mut expected_version = 1;
        for p in common::EVERY_PERSONA {
            let (s, csrf) = session[p].clone();
            let (ct, body) = multipart(
                &[("csrf", &csrf)],
                Some(("v.txt", format!("version by {p}").as_bytes())),
            );
            let req = Request::post(format!("/documents/{id}/versions"))
                .header(header::COOKIE, &s)
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(body))
                .unwrap();
            let (status, _, page) = send(&app, req).await;
            if keepers.contains(&p) {
                expected_version += 1;
                assert_eq!(status, StatusCode::SEE_OTHER, "{p} on {creator}'s: {page}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{p} on {creator}'s: {page}");
            }
            assert_eq!(
                document_state(&app.store, &id).await.0,
                expected_version,
                "{p} on {creator}'s"
            );
        }
        // Relabelling without lowering: a raise to the creator's nation only. Everyone else
        // first (refused, the label unchanged), then the first keeper (done).
        let nation = app
            .store
            .person(creator)
            .await
            .unwrap()
            .unwrap()
            .nationality
            .to_string();
        let raised = common::coalition("UNCLASSIFIED", &[&nation]);
        let before = document_state(&app.store, &id).await.1;
        let relabel = |p: &str| {
            let (s, csrf) = session[p].clone();
            Request::post(format!("/documents/{id}/label"))
                .header(header::COOKIE, s)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf={csrf}&label={}&areas=",
                    urlencode(&raised)
                )))
                .unwrap()
        };
        for p in common::EVERY_PERSONA
            .iter()
            .filter(|p| !keepers.contains(p))
        {
            let (status, _, page) = send(&app, relabel(p)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{p} on {creator}'s: {page}");
            assert_eq!(document_state(&app.store, &id).await.1, before, "{p}");
        }
        let (status, _, page) = send(&app, relabel(keepers[0])).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{creator}: {page}");
        assert_ne!(document_state(&app.store, &id).await.1, before);

        // Withdrawal: a fresh document everyone reads; everyone else first (refused, not
        // withdrawn), then the first keeper (done); then nothing changes it any more.
        let (_, headers, _) = send(&app, upload(creator, "to withdraw", &unclassified)).await;
        let id = location(&headers).unwrap();
        let is_withdrawn = format!(
            "SELECT COUNT(*) FROM documents WHERE id = '{id}' AND withdrawn_at IS NOT NULL"
        );
        let withdrawn = || count(&app.store, &is_withdrawn);
        let withdraw = |p: &str| {
            let (s, csrf) = session[p].clone();
            Request::post(format!("/documents/{id}/withdraw"))
                .header(header::COOKIE, s)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={csrf}&reason=Superseded+by+{p}")))
                .unwrap()
        };
        for p in common::EVERY_PERSONA
            .iter()
            .filter(|p| !keepers.contains(p))
        {
            let (status, _, page) = send(&app, withdraw(p)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{p} on {creator}'s: {page}");
            assert_eq!(withdrawn().await, 0, "{p} on {creator}'s");
        }
        let before = document_state(&app.store, &id).await;
        let (status, _, page) = send(&app, withdraw(keepers[0])).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{creator}: {page}");
        assert_eq!(withdrawn().await, 1);
        for p in keepers {
            let (status, _, _) = send(&app, withdraw(p)).await;
            assert_eq!(status, StatusCode::CONFLICT, "{p} again on {creator}'s");
            let (s, csrf) = session[p].clone();
            let (ct, body) = multipart(&[("csrf", &csrf)], Some(("v.txt", b"after")));
            let req = Request::post(format!("/documents/{id}/versions"))
                .header(header::COOKIE, &s)
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(body))
                .unwrap();
            assert_eq!(send(&app, req).await.0, StatusCode::CONFLICT, "{p}");
            let req = Request::post(format!("/documents/{id}/label"))
                .header(header::COOKIE, &s)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf={csrf}&label={}&areas=",
                    urlencode(&raised)
                )))
                .unwrap();
            assert_eq!(send(&app, req).await.0, StatusCode::CONFLICT, "{p}");
        }
        assert_eq!(document_state(&app.store, &id).await, before, "{creator}");
        let (s, _) = session[creator].clone();
        let (_, _, page) = send(&app, get(&format!("/documents/{id}"), &s)).await;
        assert!(
            page.contains(&format!("Superseded by {}", keepers[0])),
            "{page}"
        );
        assert!(
            !page.contains("/withdraw\"") && !page.contains("/versions\""),
            "{page}"
        );
    }

    // Lowering (a release): only a release authority of the originating nation, and only with
    // an agreement covering it (the US–ROK MOU covers USA and KOR in p2-quantum).
    let releases = [
        // (creator, label, released label, the one who may release it)
        (
            "us-secretariat",
            common::coalition("CONFIDENTIAL", &["USA"]),
            common::coalition("CONFIDENTIAL", &["USA", "KOR"]),
            "us-release",
        ),
        (
            "kr-pm",
            common::coalition("CONFIDENTIAL", &["KOR", "USA"]),
            common::coalition("UNCLASSIFIED", &["KOR", "USA"]),
            "kr-release",
        ),
    ];
    for (creator, label, released, releaser) in &releases {
        let (status, headers, page) = send(&app, upload(creator, "to release", label)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{creator}: {page}");
        let id = location(&headers).unwrap();
        let before = document_state(&app.store, &id).await;
        let release = |p: &str| {
            let (s, csrf) = session[p].clone();
            Request::post(format!("/documents/{id}/label"))
                .header(header::COOKIE, s)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf={csrf}&label={}&areas=p2-quantum",
                    urlencode(released)
                )))
                .unwrap()
        };
        for p in common::EVERY_PERSONA.iter().filter(|p| *p != releaser) {
            let (status, _, page) = send(&app, release(p)).await;
            let expected = if engine_permits(&app.store, p, label).await {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(status, expected, "{p} releasing {creator}'s: {page}");
            assert_eq!(document_state(&app.store, &id).await, before, "{p}");
        }
        let (status, _, page) = send(&app, release(releaser)).await;
        assert_eq!(status, StatusCode::OK, "{releaser}: {page}");
        assert_ne!(document_state(&app.store, &id).await, before);
    }
    // A US release authority cannot release a Korean-originated document (one it may read) to
    // Japan; the page says whose decision it is.
    let kr_label = common::coalition("CONFIDENTIAL", &["KOR", "USA"]);
    assert!(engine_permits(&app.store, "us-release", &kr_label).await);
    let (_, headers, _) = send(&app, upload("kr-pm", "Korean", &kr_label)).await;
    let id = location(&headers).unwrap();
    let (s, csrf) = session["us-release"].clone();
    let req = Request::post(format!("/documents/{id}/label"))
        .header(header::COOKIE, s)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "csrf={csrf}&label={}&areas=p2-quantum",
            urlencode(&common::coalition("CONFIDENTIAL", &["KOR", "USA", "JPN"]))
        )))
        .unwrap();
    let (status, _, page) = send(&app, req).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(
        page.contains("KOR"),
        "the page names whose decision it is: {page}"
    );

    // Assessments: people of the project's lead and participating organisations (hand-read
    // from the demo projects file).
    let assessed: [(&str, &[&str]); 3] = [
        // kr-donghae, kr-add, ca-borealis
        ("ai-autonomy-019", &["kr-pm"]),
        // us-darpa, us-onr, au-dstg, gb-dstl, kr-add
        (
            "undersea-004",
            &[
                "us-supply-analyst",
                "au-liaison",
                "gb-tech-analyst",
                "kr-pm",
            ],
        ),
        // jp-atla, jp-kiriko, au-dstg, ca-borealis, us-cascade
        ("ai-autonomy-020", &["jp-observer", "au-liaison"]),
    ];
    for (project, assessors) in assessed {
        let count_sql = format!("SELECT COUNT(*) FROM assessments WHERE project_id = '{project}'");
        let mut expected = count(&app.store, &count_sql).await;
        for p in common::EVERY_PERSONA {
            let (s, csrf) = session[p].clone();
            let mut body = format!("csrf={csrf}&scale=TRL&variant=software&component=");
            for q in 1..=3 {
                body.push_str(&format!("&q.1.{q}=100"));
            }
            let req = Request::post(format!("/projects/{project}/assessments"))
                .header(header::COOKIE, s)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap();
            let (status, _, page) = send(&app, req).await;
            if assessors.contains(&p) {
                expected += 1;
                assert_eq!(status, StatusCode::SEE_OTHER, "{p} on {project}: {page}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{p} on {project}: {page}");
            }
            assert_eq!(count(&app.store, &count_sql).await, expected, "{p}");
        }
    }

    // Tokens: each person's own. Revoking another person's token is a 404 and leaves it working.
    let (us, us_csrf) = session["us-secretariat"].clone();
    let create = Request::post("/api/tokens")
        .header(header::COOKIE, &us)
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-csrf-token", &us_csrf)
        .body(Body::from(r#"{"name":"matrix"}"#))
        .unwrap();
    let (status, _, t) = send(&app, create).await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    let t: serde_json::Value = serde_json::from_str(&t).unwrap();
    let (token_id, secret) = (
        t["id"].as_str().unwrap().to_string(),
        t["token"].as_str().unwrap().to_string(),
    );
    let works = |secret: String| {
        Request::get("/api/agreements")
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .body(Body::empty())
            .unwrap()
    };
    for p in common::EVERY_PERSONA
        .iter()
        .filter(|p| **p != "us-secretariat")
    {
        let (s, csrf) = session[p].clone();
        let api = Request::delete(format!("/api/tokens/{token_id}"))
            .header(header::COOKIE, &s)
            .header("x-csrf-token", &csrf)
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&app, api).await.0, StatusCode::NOT_FOUND, "{p}");
        let page = Request::post(format!("/tokens/{token_id}/revoke"))
            .header(header::COOKIE, &s)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={csrf}")))
            .unwrap();
        assert_eq!(send(&app, page).await.0, StatusCode::NOT_FOUND, "{p}");
        assert_eq!(
            send(&app, works(secret.clone())).await.0,
            StatusCode::OK,
            "{p}"
        );
    }

    // Anonymous callers change nothing anywhere.
    let documents = count(&app.store, "SELECT COUNT(*) FROM documents").await;
    let assessments = count(&app.store, "SELECT COUNT(*) FROM assessments").await;
    let tokens = count(
        &app.store,
        "SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL",
    )
    .await;
    let committee_rows = count(
        &app.store,
        "SELECT (SELECT COUNT(*) FROM meetings) + (SELECT COUNT(*) FROM meeting_items)",
    )
    .await;
    for (method, path) in pillar_web::ROUTES.iter().filter(|(m, _)| *m != "GET") {
        // Sign-in, and the key access service's public key and token endpoint, are for
        // anonymous callers (the rewrap is refused to them: tests/kas.rs).
        if *path == "/login" || path.starts_with("/kas.") || *path == "/oauth/token" {
            continue;
        }
        let value = if path.starts_with("/documents") {
            id.as_str()
        } else if path.starts_with("/projects") {
            "undersea-004"
        } else if path.starts_with("/committee") {
            meeting.trim_start_matches("/committee/meetings/")
        } else {
            token_id.as_str()
        };
        let path = path.replace("{id}", value).replace("{action}", "a1");
        assert!(!path.contains('{'), "{path}: a placeholder left unexpanded");
        let (ct, body) = if path.starts_with("/api/") {
            ("application/json".to_string(), br#"{"name":"x"}"#.to_vec())
        } else if path == "/documents" || path.ends_with("/versions") {
            multipart(
                &[("csrf", "x"), ("title", "anonymous")],
                Some(("a.txt", b"anonymous")),
            )
        } else {
            (
                "application/x-www-form-urlencoded".to_string(),
                b"csrf=x&label=x&name=x".to_vec(),
            )
        };
        let req = Request::builder()
            .method(*method)
            .uri(&path)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap();
        let (status, _, _) = send(&app, req).await;
        assert!(
            matches!(
                status,
                StatusCode::SEE_OTHER | StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
            ),
            "anonymous {method} {path}: {status}"
        );
    }
    assert_eq!(
        count(&app.store, "SELECT COUNT(*) FROM documents").await,
        documents
    );
    assert_eq!(
        count(&app.store, "SELECT COUNT(*) FROM assessments").await,
        assessments
    );
    assert_eq!(
        count(
            &app.store,
            "SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL"
        )
        .await,
        tokens
    );
    assert_eq!(
        count(
            &app.store,
            "SELECT (SELECT COUNT(*) FROM meetings) + (SELECT COUNT(*) FROM meeting_items)",
        )
        .await,
        committee_rows
    );
    assert_eq!(send(&app, works(secret)).await.0, StatusCode::OK);

    // Every change and every refusal is in the chain, which verifies.
    let v = app
        .store
        .audit_verify(&AuditKey::new(vec![1; 32]).unwrap(), None)
        .await
        .unwrap();
    assert!(v.first_bad.is_none(), "{v:?}");
}

/// Uploads `bytes` as `filename` for `session`; returns (status, the document's path).
async fn upload_as(
    app: &App,
    session: &str,
    title: &str,
    label: &str,
    filename: &str,
    bytes: &[u8],
) -> (StatusCode, Option<String>) {
    let csrf = session_csrf(app, session).await;
    let (ct, body) = multipart(
        &[("csrf", &csrf), ("title", title), ("label", label)],
        Some((filename, bytes)),
    );
    let (status, headers, _) = send(
        app,
        Request::post("/documents")
            .header(header::COOKIE, session)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    let location = headers
        .iter()
        .find(|(k, _)| k == "location")
        .map(|(_, v)| v.clone());
    (status, location)
}

/// The security review's findings (issue #15), each checked.
#[tokio::test]
async fn the_review_findings_stay_fixed() {
    let app = app().await;
    let jp = sign_in(&app, "jp-observer", PASSWORD).await.unwrap();
    let us = sign_in(&app, "us-secretariat", PASSWORD).await.unwrap();

    // Projects name only agreements and organisations the reader may see. Positive control: a
    // project jp-observer reads whose governing agreement is hidden from them.
    let (_, _, agreements) = send(&app, get("/api/agreements", &jp)).await;
    let agreements: serde_json::Value = serde_json::from_str(&agreements).unwrap();
    let seen: Vec<&str> = agreements["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    let (_, _, projects) = send(&app, get("/api/projects", &jp)).await;
    let projects: serde_json::Value = serde_json::from_str(&projects).unwrap();
    let all = app.store.operator().projects().await.unwrap();
    let mut hidden_agreement = 0;
    for p in projects["items"].as_array().unwrap() {
        let id = p["id"].as_str().unwrap();
        let full = all.iter().find(|x| x.id == id).unwrap();
        if let Some(a) = &full.agreement {
            if !seen.contains(&a.as_str()) {
                hidden_agreement += 1;
                assert!(p["agreement"].is_null(), "{id} names {a}");
                let (_, _, one) = send(&app, get(&format!("/api/projects/{id}"), &jp)).await;
                assert!(!one.contains(a.as_str()), "{id}: {one}");
            }
        }
    }
    assert!(
        hidden_agreement > 0,
        "no project with a hidden agreement to check"
    );

    // Nor people: a steward and assessor only Americans may know of, named by a project
    // jp-observer reads.
    common::import_rows(
        &app.store,
        RegistryKind::People,
        "hidden-person.json",
        r#"[{"id":"us-hidden-analyst","name":"Hidden analyst (fictional)","nationality":"USA","organisation":"us-darpa","roles":["analyst"],
              "label":{"policy":{"name":"PILLAR COALITION"},"classification":"SECRET","categories":[{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{"generic":"USA"}]}]}}]"#,
    )
    .await;
    let open_id = projects["items"][0]["id"].as_str().unwrap().to_string();
    let (name, text) = demo::DEMO_PROJECTS;
    let mut named = pillar_core::project::read_projects(name, text)
        .unwrap()
        .into_iter()
        .find(|(_, p)| p.id == open_id)
        .unwrap();
    named.1.stewards = vec!["us-hidden-analyst".into(), "kr-pm".into()];
    named.1.assessors = vec!["us-hidden-analyst".into()];
    app.store
        .import_projects(
            "named.json",
            &[named.clone()],
            "operator",
            "2026-12-01T00:00:00Z",
            None,
        )
        .await
        .unwrap();
    // The hidden steward then changes it: the history names them, to Americans only.
    named.1.summary.push_str(" Revised.");
    app.store
        .import_projects(
            "named.json",
            &[named],
            "us-hidden-analyst",
            "2026-12-02T00:00:00Z",
            None,
        )
        .await
        .unwrap();
    let (_, _, one) = send(&app, get(&format!("/api/projects/{open_id}"), &us)).await;
    assert!(one.contains("us-hidden-analyst"), "{one}");
    assert!(one.contains(r#""by":"us-hidden-analyst""#), "{one}");
    let (_, _, one) = send(&app, get(&format!("/api/projects/{open_id}"), &jp)).await;
    let p: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert_eq!(
        p["project"]["stewards"],
        serde_json::json!(["kr-pm"]),
        "{one}"
    );
    assert!(
        p["project"]["assessors"]
            .as_array()
            .is_none_or(|a| a.is_empty()),
        "{one}"
    );
    assert!(!one.contains("us-hidden-analyst"), "{one}");
    let (_, _, page) = send(&app, get(&format!("/projects/{open_id}"), &jp)).await;
    assert!(!page.contains("us-hidden-analyst"), "{page}");
    // Minutes and action lists neither: an attendee and an action owner hidden from
    // jp-observer, in a meeting jp-observer reads; asking for that owner's actions answers as
    // for nobody.
    let meeting: pillar_core::committee::CommitteeFile =
        serde_json::from_value(serde_json::json!({
            "meetings": [{
                "id": "review-people", "committee": "exec", "title": "Review", "date": "2026-04-02",
                "place": "Canberra", "attendees": ["jp-observer", "us-hidden-analyst"],
                "label": {"policy": {"name": "PILLAR COALITION"}, "classification": "UNCLASSIFIED"},
                "actions": [{"id": "a1", "text": "Report back", "owner": "us-hidden-analyst",
                             "due": "2027-01-01", "status": "open"}]
            }]
        }))
        .unwrap();
    app.store
        .import_committee(
            "review.json",
            &meeting,
            &pillar_core::stewardship::Origin::committee(None, None),
            None,
        )
        .await
        .unwrap();
    let (_, _, page) = send(&app, get("/committee/meetings/review-people", &us)).await;
    assert!(page.contains("us-hidden-analyst"), "{page}");
    for path in [
        "/committee/meetings/review-people",
        "/api/meetings/review-people",
        "/api/actions",
        "/committee",
    ] {
        let (status, _, page) = send(&app, get(path, &jp)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!page.contains("us-hidden-analyst"), "{path}: {page}");
    }
    let (_, _, asked) = send(&app, get("/api/actions?owner=us-hidden-analyst", &jp)).await;
    let (_, _, nobody) = send(&app, get("/api/actions?owner=no-such-person", &jp)).await;
    assert_eq!(asked, nobody);
    let (_, _, asked) = send(&app, get("/api/actions?owner=us-hidden-analyst", &us)).await;
    assert!(asked.contains("Report back"), "{asked}");
    // Nor documents: an uploader hidden from jp-observer, of a document jp-observer reads.
    let upload = pillar_store::documents::Upload {
        sha256: "0000000000000000000000000000000000000000000000000000000000000000",
        size: 4,
        media_type: "text/plain",
        filename: "h.txt",
        text: "hidden uploader",
    };
    app.store
        .create_document(
            "by-hidden-analyst",
            "Uploaded by someone",
            &pillar_label::Label::new(pillar_label::Label::coalition_policy(), "UNCLASSIFIED"),
            &pillar_core::stewardship::Origin::committee(None, None),
            "us-hidden-analyst",
            "2026-12-01T00:00:00Z",
            &upload,
            &pillar_store::audit::AuditEvent::new(
                "us-hidden-analyst",
                "upload",
                "document:by-hidden-analyst",
                "allow",
                "",
            ),
        )
        .await
        .unwrap();
    let (_, _, page) = send(&app, get("/documents/by-hidden-analyst", &us)).await;
    assert!(page.contains("us-hidden-analyst"), "{page}");
    for path in [
        "/documents/by-hidden-analyst",
        "/documents",
        "/documents?q=uploader",
        "/api/documents",
        "/api/documents?q=uploader",
    ] {
        let (status, _, page) = send(&app, get(path, &jp)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(page.contains("by-hidden-analyst"), "{path}: {page}");
        assert!(!page.contains("us-hidden-analyst"), "{path}: {page}");
    }

    // Minutes link only projects the reader may open: a meeting jp-observer may read whose
    // agenda and decisions name a project hidden from them.
    let hidden_project = all
        .iter()
        .find(|p| p.label.classification == "SECRET")
        .unwrap()
        .id
        .clone();
    let meeting: pillar_core::committee::CommitteeFile =
        serde_json::from_value(serde_json::json!({
            "meetings": [{
                "id": "review-links", "committee": "exec", "title": "Review", "date": "2026-04-01",
                "place": "Canberra", "attendees": ["jp-observer"],
                "label": {"policy": {"name": "PILLAR COALITION"}, "classification": "UNCLASSIFIED"},
                "agenda": [{"title": "A hidden project", "notes": "", "project": hidden_project}],
                "decisions": [{"text": "Go on", "rationale": "", "project": hidden_project}]
            }]
        }))
        .unwrap();
    app.store
        .import_committee(
            "review.json",
            &meeting,
            &pillar_core::stewardship::Origin::committee(None, None),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        send(&app, get(&format!("/projects/{hidden_project}"), &jp))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, _, page) = send(&app, get("/committee/meetings/review-links", &jp)).await;
    assert!(page.contains("A hidden project"), "{page}");
    assert!(!page.contains(&hidden_project), "{page}");
    let (_, _, meetings) = send(&app, get("/api/meetings", &jp)).await;
    let meetings: serde_json::Value = serde_json::from_str(&meetings).unwrap();
    let mut links = 0;
    for m in meetings["items"].as_array().unwrap() {
        let (_, _, page) = send(
            &app,
            get(
                &format!("/committee/meetings/{}", m["id"].as_str().unwrap()),
                &jp,
            ),
        )
        .await;
        for link in page.split("href=\"/projects/").skip(1) {
            let id = link.split('"').next().unwrap();
            links += 1;
            assert_eq!(
                send(&app, get(&format!("/projects/{id}"), &jp)).await.0,
                StatusCode::OK,
                "minutes link {id}"
            );
        }
    }
    let (_, _, us_meetings) = send(&app, get("/api/meetings", &us)).await;
    assert!(
        links > 0 || us_meetings.matches("\"id\"").count() == 0,
        "no project links in any minutes to check"
    );

    // The audit page: a relabelling that raises a document above an administrator's clearance
    // is not shown to them.
    app.store
        .set_password("ca-admin", PASSWORD, &pillar_web::now(), "test")
        .await
        .unwrap();
    let admin = sign_in(&app, "ca-admin", PASSWORD).await.unwrap();
    let (_, doc) = upload_as(
        &app,
        &us,
        "raised later",
        &common::coalition("UNCLASSIFIED", &[]),
        "r.txt",
        b"raised",
    )
    .await;
    let doc = doc.unwrap();
    let csrf = session_csrf(&app, &us).await;
    let raise = Request::post(format!("{doc}/label"))
        .header(header::COOKIE, &us)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "csrf={csrf}&label={}&areas=",
            urlencode(&common::coalition("SECRET", &["USA"]))
        )))
        .unwrap();
    assert_eq!(send(&app, raise).await.0, StatusCode::SEE_OTHER);
    let (_, _, audit) = send(&app, get("/audit", &admin)).await;
    assert!(audit.contains("raised") || audit.contains(doc.trim_start_matches("/documents/")));
    assert!(!audit.contains("after SECRET"), "{audit}");

    // NUL characters: a 400, not a 500.
    for path in [
        "/documents?q=%00",
        "/api/documents?q=%00%01",
        "/agreements?q=a%00",
    ] {
        assert_eq!(
            send(&app, get(path, &jp)).await.0,
            StatusCode::BAD_REQUEST,
            "{path}"
        );
    }
    let nul_login = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("csrf=x&user=kr%00pm&password=x"))
        .unwrap();
    assert_eq!(send(&app, nul_login).await.0, StatusCode::BAD_REQUEST);

    // Download names: a base name without directories, controls or bidi overrides, and
    // `filename*` for what is not ASCII.
    let (_, doc) = upload_as(
        &app,
        &us,
        "names",
        &common::coalition("UNCLASSIFIED", &[]),
        "../../etc/evil\u{202E}txt.exe한",
        b"x",
    )
    .await;
    let (_, headers, _) = send(&app, get(&format!("{}/download", doc.unwrap()), &us)).await;
    let disposition = &headers
        .iter()
        .find(|(k, _)| k == "content-disposition")
        .unwrap()
        .1;
    assert!(!disposition.contains('/') || disposition.contains("filename*=UTF-8''"));
    assert!(
        disposition.starts_with("attachment; filename=\"evil"),
        "{disposition}"
    );
    assert!(!disposition.contains("etc"), "{disposition}");
    assert!(!disposition.contains('\u{202E}'), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''eviltxt.exe%ED%95%9C"),
        "{disposition}"
    );

    // An upload over the limit: 413, saying the limit.
    let big = vec![b'a'; pillar_web::MAX_UPLOAD + 1];
    let (status, _) = upload_as(&app, &us, "big", "", "big.txt", &big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _) = upload_as(&app, &us, "just fits", "", "fits.txt", &big[1..]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Eight assessments posted at once: eight recorded, no id collision.
    let au = sign_in(&app, "au-liaison", PASSWORD).await.unwrap();
    let au_csrf = session_csrf(&app, &au).await;
    let project = "undersea-004";
    let count_sql = format!("SELECT COUNT(*) FROM assessments WHERE project_id = '{project}'");
    let before = count(&app.store, &count_sql).await;
    let posts: Vec<_> = (0..8)
        .map(|_| {
            let req = Request::post(format!("/projects/{project}/assessments"))
                .header(header::COOKIE, &au)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf={au_csrf}&scale=TRL&variant=software&component=&q.1.1=100&q.1.2=100&q.1.3=100"
                )))
                .unwrap();
            let router = app.router.clone();
            tokio::spawn(async move { router.oneshot(req).await.unwrap().status() })
        })
        .collect();
    for p in posts {
        assert_eq!(p.await.unwrap(), StatusCode::SEE_OTHER);
    }
    assert_eq!(count(&app.store, &count_sql).await, before + 8);

    // A new password ends the person's sessions and API tokens.
    let kr = sign_in(&app, "kr-pm", PASSWORD).await.unwrap();
    let kr_csrf = session_csrf(&app, &kr).await;
    let (_, _, t) = send(
        &app,
        Request::post("/api/tokens")
            .header(header::COOKIE, &kr)
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-csrf-token", &kr_csrf)
            .body(Body::from(r#"{"name":"before"}"#))
            .unwrap(),
    )
    .await;
    let t: serde_json::Value = serde_json::from_str(&t).unwrap();
    let token = t["token"].as_str().unwrap().to_string();
    let with_token = |token: &str| {
        Request::get("/api/agreements")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(send(&app, with_token(&token)).await.0, StatusCode::OK);
    assert_eq!(send(&app, get("/agreements", &kr)).await.0, StatusCode::OK);
    let ended = app
        .store
        .set_password("kr-pm", "a new long password", &pillar_web::now(), "test")
        .await
        .unwrap();
    assert_eq!((ended.sessions, ended.tokens), (1, 1));
    assert_eq!(
        send(&app, with_token(&token)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(&app, get("/agreements", &kr)).await.0,
        StatusCode::SEE_OTHER
    );

    // Behind a trusted proxy the client's address is counted, not the proxy's; without the
    // setting the header is ignored.
    let blobs = pillar_store::blobs::Blobs::new(app._dir.path().join("blobs"));
    let proxied = pillar_web::router(
        pillar_web::AppState::new(app.store.clone(), blobs)
            .with_trusted_proxies(vec!["127.0.0.1".parse().unwrap()]),
    )
    .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 4000))));
    let attempt = |router: Router, from: &'static str, user: &'static str| async move {
        let (_, headers, body) = common::send_to(&router, get("/login", "")).await;
        let c = set_cookie(&headers, "pillar_login_csrf").unwrap();
        let csrf = body
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let req = Request::post("/login")
            .header(header::COOKIE, format!("pillar_login_csrf={c}"))
            .header("x-forwarded-for", from)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "csrf={csrf}&user={user}&password=wrong"
            )))
            .unwrap();
        common::send_to(&router, req).await.2
    };
    for i in 0..5 {
        let page = attempt(
            proxied.clone(),
            "198.51.100.7",
            ["u1", "u2", "u3", "u4", "u5"][i],
        )
        .await;
        assert!(!page.contains("Too many"), "attempt {i}: {page}");
    }
    let page = attempt(proxied.clone(), "198.51.100.7", "u6").await;
    assert!(
        page.contains("Too many") || page.contains("too many"),
        "{page}"
    );
    let page = attempt(proxied.clone(), "203.0.113.9", "u7").await;
    assert!(
        !page.contains("Too many") && !page.contains("too many"),
        "{page}"
    );
}

/// A named steward may change a document as its organisation may; naming someone the uploader
/// cannot see is refused as if they did not exist.
#[tokio::test]
async fn named_stewards_may_change_a_document() {
    let app = app().await;
    for p in ["gb-tech-analyst", "us-supply-analyst"] {
        app.store
            .set_password(p, PASSWORD, &pillar_web::now(), "test")
            .await
            .unwrap();
    }
    let jp = sign_in(&app, "jp-observer", PASSWORD).await.unwrap();
    let csrf = session_csrf(&app, &jp).await;
    let (ct, body) = multipart(
        &[
            ("csrf", &csrf),
            ("title", "Stewarded"),
            ("stewards", "gb-tech-analyst"),
        ],
        Some(("s.txt", b"stewarded")),
    );
    let req = |ct: &str, body: Vec<u8>, path: &str, session: &str| {
        Request::post(path.to_string())
            .header(header::COOKIE, session)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap()
    };
    let (status, headers, _) = send(&app, req(&ct, body, "/documents", &jp)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let doc = headers
        .iter()
        .find(|(k, _)| k == "location")
        .unwrap()
        .1
        .clone();
    let version = |who: &'static str| {
        let app = &app;
        let doc = doc.clone();
        async move {
            let s = sign_in(app, who, PASSWORD).await.unwrap();
            let csrf = session_csrf(app, &s).await;
            let (ct, body) = multipart(&[("csrf", &csrf)], Some(("v.txt", b"next")));
            send(app, req(&ct, body, &format!("{doc}/versions"), &s))
                .await
                .0
        }
    };
    assert_eq!(version("gb-tech-analyst").await, StatusCode::SEE_OTHER);
    assert_eq!(version("us-supply-analyst").await, StatusCode::FORBIDDEN);
    // An unknown steward is bad input, and nothing is created.
    let before = count(&app.store, "SELECT COUNT(*) FROM documents").await;
    let (ct, body) = multipart(
        &[
            ("csrf", &csrf),
            ("title", "x"),
            ("stewards", "nobody-at-all"),
        ],
        Some(("x.txt", b"x")),
    );
    let (status, _, page) = send(&app, req(&ct, body, "/documents", &jp)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("stewards"), "{page}");
    assert_eq!(
        count(&app.store, "SELECT COUNT(*) FROM documents").await,
        before
    );
}

/// `text` as the pages escape it.
fn esc_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[tokio::test]
async fn supply_pages_show_exposure_single_points_and_what_if() {
    let app = app().await;
    let kr = sign_in(&app, "kr-pm", PASSWORD).await.unwrap();
    let (status, _, page) = send(&app, get("/supply", &kr)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("/supply/demo-materials"), "{page}");
    let (status, _, page) = send(&app, get("/supply/demo-materials", &kr)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("/supply/demo-materials/items/MAV"), "{page}");
    // Two nations lost together: without China, Japan and Korea no gallium is left.
    let (status, _, page) = send(
        &app,
        get(
            "/supply/demo-materials?disrupt=country:CHN,country:JPN,country:KOR",
            &kr,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("0.0 %"), "{page}");
    // An unknown country is said to be unknown, never "no effect".
    let (status, _, page) =
        send(&app, get("/supply/demo-materials?disrupt=country:XYZ", &kr)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("`XYZ`") || page.contains("&#96;XYZ&#96;"),
        "{page}"
    );
    let (status, _, body) = send(
        &app,
        get("/api/supply/demo-materials?disrupt=country:XYZ", &kr),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("\"error\""), "{body}");
    // One end item: exposure by country through every tier, single points of failure.
    let (status, _, page) = send(&app, get("/supply/demo-materials/items/MAV", &kr)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<svg") && page.contains("CHN") && page.contains("country:KOR"),
        "{page}"
    );
    let (_, _, body) = send(&app, get("/api/supply/demo-materials", &kr)).await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let chn = v["items"]["MAV"]["exposure"]["CHN"].as_f64().unwrap();
    assert!(
        (chn - (0.30 * 0.69 + 0.15 * 0.5 * 0.98)).abs() < 1e-12,
        "{chn}"
    );
    // The picker's check boxes lose the same nations as the typed list, and stay checked.
    let (status, _, picked) = send(
        &app,
        get(
            "/supply/demo-materials?country=CHN&country=JPN&country=KOR",
            &kr,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        picked.contains("country:CHN, country:JPN, country:KOR"),
        "{picked}"
    );
    assert!(picked.contains("name=\"country\" value=\"CHN\" checked"));
    assert!(!picked.contains("name=\"country\" value=\"USA\" checked"));
    let table = |page: &str| page.split("role=\"status\"").nth(1).unwrap().to_string();
    let (_, _, typed) = send(
        &app,
        get(
            "/supply/demo-materials?disrupt=country:CHN,country:JPN,country:KOR",
            &kr,
        ),
    )
    .await;
    assert_eq!(table(&picked), table(&typed));
    let (status, _, body) = send(
        &app,
        get(
            "/api/supply/demo-materials?country=CHN&site=no-such-site",
            &kr,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("no-such-site"), "{body}");
    // End items depending on a country: exactly those whose exposure to it is above 0 — for a
    // country some end items depend on and others do not.
    let items = v["items"].as_object().unwrap();
    let depends = |id: &str, c: &str| items[id]["exposure"][c].as_f64().unwrap_or(0.0) > 0.0;
    let mut countries: Vec<String> = items
        .values()
        .flat_map(|i| i["exposure"].as_object().unwrap().keys().cloned())
        .collect();
    countries.sort();
    countries.dedup();
    let country = countries
        .iter()
        .find(|c| {
            let n = items.keys().filter(|id| depends(id, c)).count();
            n > 0 && n < items.len()
        })
        .expect("a country some end items depend on and others not");
    let (status, _, page) = send(
        &app,
        get(&format!("/supply/demo-materials?exposed={country}"), &kr),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for id in items.keys() {
        assert_eq!(
            page.contains(&format!("href=\"/supply/demo-materials/items/{id}\"")),
            depends(id, country),
            "{country} {id}"
        );
    }
    assert!(page.contains("<svg"), "the chart across end items");
    let (status, _, _) = send(&app, get("/supply/demo-materials?exposed=XYZ", &kr)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // In Korean: country names.
    let (_, _, ko) = send(&app, get("/supply/demo-materials/items/MAV?lang=ko", &kr)).await;
    assert!(ko.contains("중국"), "China in Korean");
}

/// The field name of a picker check box for `value` (`label_cat_{policy}_{ordinal}`), read from
/// the form as shown, within the fieldset of policy `policy`.
fn picker_box(page: &str, policy: &str, value: &str) -> Option<String> {
    let start = page.find(&format!(
        "<fieldset class=\"policy\" data-policy=\"{policy}\">"
    ))?;
    let end = page[start..]
        .find("</fieldset>\n</fieldset>")
        .map_or(page.len(), |e| start + e);
    page[start..end]
        .split("<label class=\"check\"><input type=\"checkbox\" name=\"")
        .find_map(|chunk| {
            let (name, rest) = chunk.split_once('"')?;
            rest.split_once("> ")
                .filter(|(_, tail)| tail.starts_with(&format!("{value}</label>")))
                .map(|_| name.to_string())
        })
}

#[tokio::test]
async fn a_document_labelled_with_the_picker_keeps_the_form_on_errors_and_hides_from_others() {
    let app = app().await;
    let kr = sign_in(&app, "kr-pm", PASSWORD).await.unwrap();
    let jp = sign_in(&app, "jp-observer", PASSWORD).await.unwrap();
    let (_, _, page) = send(&app, get("/documents", &kr)).await;
    // The picker offers what the clearance may write: a programme the reader is not read into
    // is not named; nations to release to are all there.
    assert!(page.contains("<fieldset class=\"picker\""), "{page}");
    assert!(!page.contains("HAWKEYE"), "an unread programme is named");
    let policy = page
        .split("<option value=\"")
        .find_map(|c| {
            let (value, rest) = c.split_once('"')?;
            rest.contains(">PILLAR COALITION</option>")
                .then(|| value.to_string())
        })
        .expect("the coalition policy is offered");
    let usa = picker_box(&page, &policy, "USA").expect("USA");
    let kor = picker_box(&page, &policy, "KOR").expect("KOR");
    let secret = page
        .split(&format!("name=\"label_class_{policy}\">"))
        .nth(1)
        .and_then(|s| s.split("\">SECRET<").next())
        .and_then(|s| s.rsplit("value=\"").next())
        .expect("SECRET offered")
        .to_string();
    let csrf = session_csrf(&app, &kr).await;
    let post = |cookie: &str, ct: String, body: Vec<u8>| {
        Request::post("/documents")
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap()
    };
    let class_field = format!("label_class_{policy}");
    // SECRET without Releasable To: the form again, 400, the error on it, the title kept.
    let (ct, body) = multipart(
        &[
            ("csrf", &csrf),
            ("title", "Picker test memo"),
            ("label_policy", &policy),
            (&class_field, &secret),
        ],
        Some(("memo.txt", b"undersea picker memo")),
    );
    let (status, _, page) = send(&app, post(&kr, ct, body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("value=\"Picker test memo\""), "title lost");
    assert!(
        page.contains("class=\"error\">field `label`: not valid"),
        "{page}"
    );
    // The preview button shows the marking without writing anything.
    let (ct, body) = multipart(
        &[
            ("csrf", &csrf),
            ("title", "Picker test memo"),
            ("label_policy", &policy),
            (&class_field, &secret),
            (&usa, "on"),
            (&kor, "on"),
            ("preview", "1"),
        ],
        None,
    );
    let (status, _, page) = send(&app, post(&kr, ct, body)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("aria-live=\"polite\">SECRET//REL TO USA, KOR</output>"),
        "{page}"
    );
    assert!(
        page.contains(&format!("name=\"{kor}\" checked")),
        "choice lost"
    );
    // The same preview as JSON, for the live one.
    let url = format!(
        "/labels/preview?label_policy={policy}&{class_field}={secret}&{usa}=on&{kor}=on&lang=ko"
    );
    let (_, _, json) = send(&app, get(&url, &kr)).await;
    assert_eq!(json, r#"{"marking":"Ⅱ급비밀//열람 허용 USA, KOR"}"#);
    // Uploaded for real: the Japanese observer does not see it, in the list or by id.
    let (ct, body) = multipart(
        &[
            ("csrf", &csrf),
            ("title", "Picker test memo"),
            ("label_policy", &policy),
            (&class_field, &secret),
            (&usa, "on"),
            (&kor, "on"),
        ],
        Some(("memo.txt", b"undersea picker memo")),
    );
    let (status, headers, _) = send(&app, post(&kr, ct, body)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers
        .iter()
        .find(|(k, _)| k == "location")
        .unwrap()
        .1
        .clone();
    let (_, _, page) = send(&app, get(&location, &kr)).await;
    // (The Korean reader's banner is in their national policy.)
    assert!(
        page.contains("role=\"note\">ROK CLASS II SECRET//REL TO USA, KOR</div>"),
        "{page}"
    );
    assert_eq!(
        send(&app, get(&location, &jp)).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, _, list) = send(&app, get("/documents?q=picker", &jp)).await;
    assert!(!list.contains("Picker test memo"));
    // The observer is not offered a classification above their clearance.
    let (_, _, page) = send(&app, get("/documents", &jp)).await;
    assert!(
        !page.contains(">TOP SECRET<"),
        "TOP SECRET offered to an observer"
    );
}

#[tokio::test]
async fn the_secretariat_records_a_meeting_and_its_minutes_and_an_owner_marks_an_action_done() {
    let app = app().await;
    let us = sign_in(&app, "us-secretariat", PASSWORD).await.unwrap();
    let kr = sign_in(&app, "kr-pm", PASSWORD).await.unwrap();
    let jp = sign_in(&app, "jp-observer", PASSWORD).await.unwrap();
    let post = |cookie: &str, path: &str, fields: &[(&str, &str)]| {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", urlencoding(k), urlencoding(v)))
            .collect::<Vec<_>>()
            .join("&");
        Request::post(path)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    // Only the secretariat records meetings: others are refused (and the form is not offered).
    let (status, _, _) = send(&app, get("/committee/meetings/new", &kr)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, _, page) = send(&app, get("/committee", &kr)).await;
    assert!(!page.contains("/committee/meetings/new"));
    let (status, _, page) = send(&app, get("/committee/meetings/new", &us)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let csrf = session_csrf(&app, &us).await;
    let policy = page
        .split("<option value=\"")
        .find_map(|c| {
            let (value, rest) = c.split_once('"')?;
            rest.contains(">PILLAR COALITION</option>")
                .then(|| value.to_string())
        })
        .unwrap();
    let usa = picker_box(&page, &policy, "USA").unwrap();
    let kor = picker_box(&page, &policy, "KOR").unwrap();
    let secret = page
        .split(&format!("name=\"label_class_{policy}\">"))
        .nth(1)
        .and_then(|s| s.split("\">SECRET<").next())
        .and_then(|s| s.rsplit("value=\"").next())
        .unwrap()
        .to_string();
    let committee = page
        .split("name=\"committee\"")
        .nth(1)
        .and_then(|s| s.split("<option value=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let class_field = format!("label_class_{policy}");
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("committee", committee.as_str()),
        ("title", "Bilateral undersea review"),
        ("date", "not a date"),
        ("place", "Seoul"),
        ("attendee_kr-pm", "on"),
        ("label_policy", policy.as_str()),
        (class_field.as_str(), secret.as_str()),
        (usa.as_str(), "on"),
        (kor.as_str(), "on"),
    ];
    // A bad date: the form again, saying so, with what was entered.
    let (status, _, page) = send(&app, post(&us, "/committee/meetings", &fields)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("field `date`"), "{page}");
    assert!(page.contains("value=\"Bilateral undersea review\""));
    assert!(page.contains("name=\"attendee_kr-pm\" checked"));
    fields[3] = ("date", "2026-12-01");
    let (status, headers, page) = send(&app, post(&us, "/committee/meetings", &fields)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let minutes = headers
        .iter()
        .find(|(k, _)| k == "location")
        .unwrap()
        .1
        .clone();
    let id = minutes.rsplit('/').next().unwrap().to_string();
    // An agenda item and a decision under the meeting's label; an action for the Korean PM.
    let items = format!("{minutes}/items");
    let same_label = [
        ("label_policy", policy.as_str()),
        (class_field.as_str(), secret.as_str()),
        (usa.as_str(), "on"),
        (kor.as_str(), "on"),
    ];
    for extra in [
        vec![
            ("kind", "agenda"),
            ("text", "Sonar trials"),
            ("details", "Results reviewed"),
        ],
        vec![
            ("kind", "decision"),
            ("text", "Extend the trials"),
            ("basis", "consensus"),
            ("details", "TRL 5 reached"),
        ],
        vec![
            ("kind", "action"),
            ("text", "Draft the annex"),
            ("owner", "kr-pm"),
            ("due", "2026-12-20"),
        ],
    ] {
        let mut f = vec![("csrf", csrf.as_str())];
        f.extend(extra);
        f.extend(same_label);
        let (status, _, page) = send(&app, post(&us, &items, &f)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    }
    // An action for someone the form does not know: refused, naming the field.
    let mut f = vec![
        ("csrf", csrf.as_str()),
        ("kind", "action"),
        ("text", "x"),
        ("owner", "nobody"),
        ("due", "2026-12-20"),
    ];
    f.extend(same_label);
    let (status, _, page) = send(&app, post(&us, &items, &f)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("field `owner`"), "{page}");
    // The minutes: every paragraph with its portion marking, the banner, the basis.
    let (_, _, page) = send(&app, get(&minutes, &us)).await;
    assert!(
        page.contains("role=\"note\">SECRET//REL TO USA, KOR</div>"),
        "{page}"
    );
    assert!(
        page.contains(
            "<strong class=\"portion\">(S//REL TO USA, KOR)</strong> <strong>Sonar trials</strong>"
        ),
        "{page}"
    );
    assert!(page.contains("Extend the trials") && page.contains("<em>consensus</em>"));
    assert!(page.contains("(S//REL TO USA, KOR) Draft the annex"));
    // Hidden from a reader the label excludes; the owner sees it and marks it done in one click.
    assert_eq!(
        send(&app, get(&minutes, &jp)).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, _, page) = send(&app, get("/committee", &kr)).await;
    assert!(page.contains("Draft the annex"), "{page}");
    let done = page
        .split("action=\"")
        .find(|s| s.starts_with(&format!("/committee/meetings/{id}/actions/")))
        .and_then(|s| s.split('"').next())
        .expect("a mark-done button for the owner")
        .to_string();
    // Someone else may not close it.
    let jp_csrf = session_csrf(&app, &jp).await;
    let (status, _, _) = send(
        &app,
        post(&jp, &done, &[("csrf", &jp_csrf), ("status", "done")]),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a hidden action is not found"
    );
    let kr_csrf = session_csrf(&app, &kr).await;
    let (status, _, _) = send(
        &app,
        post(
            &kr,
            &done,
            &[
                ("csrf", &kr_csrf),
                ("status", "done"),
                ("back", "/committee"),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = send(&app, get("/committee", &kr)).await;
    assert!(!page.contains("Draft the annex"), "still open");
    // The Korean PM may not add to the minutes.
    let mut f = vec![
        ("csrf", kr_csrf.as_str()),
        ("kind", "agenda"),
        ("text", "x"),
    ];
    f.extend(same_label);
    assert_eq!(
        send(&app, post(&kr, &items, &f)).await.0,
        StatusCode::FORBIDDEN
    );
    // Every change is in the audit log, under the record's label.
    let entries = app.store.operator().audit_entries(50).await.unwrap();
    let object = format!("meeting:{id}");
    for (action, decision) in [
        ("create", "allow"),
        ("add item", "allow"),
        ("action status", "allow"),
        ("add item", "deny"),
    ] {
        assert!(
            entries.iter().any(|e| e.event.action == action
                && e.event.decision == decision
                && e.event.object.starts_with(&object)),
            "no {action}/{decision} entry"
        );
    }
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The committee's records written through the API (with a bearer token) and imported from a
/// file: new ids whatever the body says, errors naming the field, all-or-nothing imports, and a
/// meeting the writer may not read answered 404 before any other refusal.
#[tokio::test]
async fn committee_writes_through_the_api_and_files_name_the_field_and_leave_nothing_half_written()
{
    let app = app().await;
    let us = sign_in(&app, "us-secretariat", PASSWORD).await.unwrap();
    let jp = sign_in(&app, "jp-observer", PASSWORD).await.unwrap();
    let csrf = session_csrf(&app, &us).await;
    let create = Request::post("/api/tokens")
        .header(header::COOKIE, &us)
        .header("x-csrf-token", &csrf)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"name":"minutes"}"#))
        .unwrap();
    let (_, _, body) = send(&app, create).await;
    let token: serde_json::Value = serde_json::from_str(&body).unwrap();
    let token = token["token"].as_str().unwrap().to_string();
    let call = |method: &str, path: &str, body: String| {
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap()
    };
    let committee: String =
        sqlx::query_scalar::<_, String>("SELECT id FROM committees ORDER BY id LIMIT 1")
            .fetch_one(&app.store.pool_for_tests())
            .await
            .unwrap();
    let meetings = "SELECT COUNT(*) FROM meetings";
    let before = count(&app.store, meetings).await;

    // A body that is not JSON, or has a field no meeting has: 400 naming line and column.
    let (status, _, body) = send(&app, call("POST", "/api/meetings", "{\"title\":".into())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("request body:1:"), "{body}");
    let (status, _, body) = send(
        &app,
        call("POST", "/api/meetings", r#"{"titel":"x"}"#.into()),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("titel"), "{body}");

    // A file whose second meeting names an unknown owner: nothing recorded, the field named.
    let unclassified = common::coalition("UNCLASSIFIED", &[]);
    let good = format!(
        r#"{{"id":"mine","committee":"{committee}","title":"Good","date":"2026-12-01","label":{unclassified}}}"#
    );
    let bad = format!(
        r#"{{"committee":"{committee}","title":"Bad","date":"2026-12-01","label":{unclassified},
             "actions":[{{"text":"x","owner":"nobody","due":"2026-12-31"}}]}}"#
    );
    let (status, _, body) = send(
        &app,
        call(
            "POST",
            "/api/meetings/import",
            format!(r#"{{"meetings":[{good},{bad}]}}"#),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.contains("meetings[1].actions[0].owner") && body.contains("nobody"),
        "{body}"
    );
    assert_eq!(count(&app.store, meetings).await, before);
    // Committees are the administrator's to set up.
    let (status, _, body) = send(
        &app,
        call(
            "POST",
            "/api/meetings/import",
            r#"{"committees":[{"id":"x","name":"X"}]}"#.into(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("committees"), "{body}");

    // The same file from the page: the error names the file and the field.
    let (ct, upload) = multipart(
        &[("csrf", &csrf)],
        Some((
            "minutes.json",
            format!(r#"{{"meetings":[{good},{bad}]}}"#).as_bytes(),
        )),
    );
    let page = Request::post("/committee/import")
        .header(header::COOKIE, &us)
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(upload))
        .unwrap();
    let (status, _, page) = send(&app, page).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("minutes.json") && page.contains("meetings[1].actions[0].owner"),
        "{page}"
    );
    assert_eq!(count(&app.store, meetings).await, before);

    // A good one: recorded under a new id (not the one the body gave), its action numbered.
    let secret = common::coalition("SECRET", &["USA", "KOR"]);
    let hidden = format!(
        r#"{{"id":"mine","committee":"{committee}","title":"Bilateral","date":"2026-12-01","label":{secret},
             "actions":[{{"text":"Draft the annex","owner":"kr-pm","due":"2026-12-31"}}]}}"#
    );
    let (status, _, body) = send(&app, call("POST", "/api/meetings", hidden)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let id = v["ids"][0].as_str().unwrap().to_string();
    assert_ne!(id, "mine");
    let (status, _, body) = send(
        &app,
        call("GET", &format!("/api/meetings/{id}"), String::new()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let m: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(m["meeting"]["actions"][0]["id"], "a1");
    assert_eq!(m["meeting"]["actions"][0]["status"], "open");
    assert!(
        m["marking"].as_str().unwrap().starts_with("SECRET"),
        "{body}"
    );

    // An item: the position comes back; an action's id with it.
    let item =
        r#"{"kind":"action","text":"Brief the WG","owner":"us-secretariat","due":"2027-01-15"}"#;
    let (status, _, body) = send(
        &app,
        call("POST", &format!("/api/meetings/{id}/items"), item.into()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let added: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(added["action"], "a2");
    let (status, _, body) = send(
        &app,
        call(
            "POST",
            &format!("/api/meetings/{id}/items"),
            r#"{"kind":"minute","text":"x"}"#.into(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _, body) = send(
        &app,
        call(
            "POST",
            &format!("/api/meetings/{id}/actions/a2/status"),
            r#"{"status":"finished"}"#.into(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("open, done, dropped"), "{body}");

    // jp-observer cannot read the SECRET//REL USA, KOR meeting: 404 on every write, not 403
    // (which would say it exists); its own CSRF token sent.
    let jp_csrf = session_csrf(&app, &jp).await;
    for (method, path, body) in [
        (
            "PUT",
            format!("/api/meetings/{id}"),
            r#"{"title":"x","date":"2026-12-01"}"#,
        ),
        (
            "POST",
            format!("/api/meetings/{id}/items"),
            r#"{"kind":"agenda","title":"x"}"#,
        ),
        (
            "POST",
            format!("/api/meetings/{id}/actions/a1/status"),
            r#"{"status":"done"}"#,
        ),
    ] {
        let req = Request::builder()
            .method(method)
            .uri(&path)
            .header(header::COOKIE, &jp)
            .header("x-csrf-token", &jp_csrf)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        let (status, _, answer) = send(&app, req).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {answer}");
    }
    // Positive control: the secretariat's own change of the same meeting goes through.
    let (status, _, _) = send(
        &app,
        call(
            "PUT",
            &format!("/api/meetings/{id}"),
            r#"{"title":"Bilateral (revised)","date":"2026-12-01","attendees":["kr-pm"]}"#.into(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(count(&app.store, meetings).await, before + 1);
}

/// Every API list pages: `limit` and `offset`, a total counting only what the caller may read,
/// and a `next` link that walks the whole list once.
#[tokio::test]
async fn api_lists_page_with_totals_of_visible_rows_only() {
    let app = app().await;
    let mut totals = Vec::new();
    for p in ["us-secretariat", "jp-observer"] {
        let s = sign_in(&app, p, PASSWORD).await.unwrap();
        for list in [
            "/api/projects",
            "/api/meetings",
            "/api/actions",
            "/api/agreements",
            "/api/registry/people",
            "/api/documents",
            "/api/supply",
            "/api/landscapes",
        ] {
            let (status, _, body) = send(&app, get(list, &s)).await;
            assert_eq!(status, StatusCode::OK, "{p} {list}: {body}");
            let whole: serde_json::Value = serde_json::from_str(&body).unwrap();
            let total = whole["total"].as_u64().unwrap() as usize;
            let key = if list == "/api/landscapes" {
                "landscapes"
            } else {
                "items"
            };
            assert_eq!(
                whole[key].as_array().unwrap().len(),
                total.min(100),
                "{p} {list}"
            );
            // Two at a time, following `next`, gives the same items in the same order.
            let mut seen = Vec::new();
            let mut next = Some(format!("{list}?limit=2"));
            while let Some(url) = next {
                let (status, _, body) = send(&app, get(&url, &s)).await;
                assert_eq!(status, StatusCode::OK, "{url}");
                let page: serde_json::Value = serde_json::from_str(&body).unwrap();
                assert_eq!(page["total"].as_u64().unwrap() as usize, total, "{url}");
                let items = page[key].as_array().unwrap();
                assert!(items.len() <= 2, "{url}");
                seen.extend(items.iter().cloned());
                next = page["next"].as_str().map(str::to_string);
            }
            assert_eq!(seen.len(), total, "{p} {list}");
            assert_eq!(
                &seen[..total.min(100)],
                &whole[key].as_array().unwrap()[..],
                "{p} {list}"
            );
            totals.push((p, list, total));
        }
        for bad in ["limit=0", "limit=1001", "limit=two", "offset=-1"] {
            let (status, _, body) = send(&app, get(&format!("/api/projects?{bad}"), &s)).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
            assert!(body.contains(bad.split('=').next().unwrap()), "{body}");
        }
    }
    // The totals are each reader's own: the observer sees fewer projects than the secretariat.
    let of = |p: &str, l: &str| totals.iter().find(|t| t.0 == p && t.1 == l).unwrap().2;
    assert!(of("jp-observer", "/api/projects") < of("us-secretariat", "/api/projects"));
    assert!(
        of("jp-observer", "/api/projects") > 2,
        "the walk must cross pages"
    );
    // Filters other than paging are kept in `next`.
    let us = sign_in(&app, "us-secretariat", PASSWORD).await.unwrap();
    let (_, _, body) = send(&app, get("/api/actions?owner=kr-pm&limit=1", &us)).await;
    let page: serde_json::Value = serde_json::from_str(&body).unwrap();
    if let Some(next) = page["next"].as_str() {
        assert!(next.contains("owner=kr-pm"), "{next}");
    }
}

/// The audit page pages by the entries the administrator may read.
#[tokio::test]
async fn the_audit_page_pages() {
    let app = app().await;
    let admin = sign_in(&app, "ca-admin", PASSWORD).await.unwrap();
    // Enough unlabelled (so readable) entries for three pages.
    for i in 0..210 {
        let event =
            pillar_store::audit::AuditEvent::new("test", "read", "x", "allow", &i.to_string());
        app.store.audit(&pillar_web::now(), &event).await.unwrap();
    }
    let (status, _, first) = send(&app, get("/audit", &admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(first.contains("/audit?page=2"), "no link to page 2");
    assert!(!first.contains("rel=\"prev\""));
    let (status, _, second) = send(&app, get("/audit?page=2", &admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(second.contains("/audit?page=1") && second.contains("/audit?page=3"));
    // Rows of the page's own table (the print frame around the page is a table too).
    let rows = |page: &str| {
        let main = page.split("<main").nth(1).unwrap();
        main.split("</main>")
            .next()
            .unwrap()
            .matches("<tr><td>")
            .count()
    };
    assert_eq!(rows(&first), 100);
    assert_eq!(rows(&second), 100);
    let (status, _, _) = send(&app, get("/audit?page=0", &admin)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Not an administrator: 404 on every page.
    let kr = sign_in(&app, "kr-pm", PASSWORD).await.unwrap();
    let (status, _, _) = send(&app, get("/audit?page=2", &kr)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Partner suggestions stay among the coalition's nations (the demo's raw ranking for Korea puts
/// China and Russia first); outside nations come only on request, flagged, the nations of
/// concern marked; a choice of nations narrows the list.
#[tokio::test]
async fn partner_suggestions_keep_to_the_coalition_unless_asked() {
    let app = app().await;
    let kr = sign_in(&app, "kr-pm", PASSWORD).await.unwrap();
    let rows = |page: &str| -> Vec<String> {
        let table = page.split("id=\"partners\"").nth(1).unwrap();
        let table = table.split("</table>").next().unwrap();
        table
            .split("<td title=\"")
            .skip(1)
            .map(|r| r.split('"').next().unwrap().to_string())
            .collect()
    };
    let (status, _, page) = send(&app, get("/landscape/pillar2-open?nation=KOR", &kr)).await;
    assert_eq!(status, StatusCode::OK);
    let inside = rows(&page);
    assert!(!inside.is_empty(), "no suggestions at all");
    let coalition = ["USA", "AUS", "GBR", "JPN", "CAN", "NZL"];
    assert!(
        inside.iter().all(|n| coalition.contains(&n.as_str())),
        "{inside:?}"
    );
    assert!(!page.contains("nation of concern"));
    let (_, _, page) = send(
        &app,
        get("/landscape/pillar2-open?nation=KOR&outside=1", &kr),
    )
    .await;
    let all = rows(&page);
    assert_eq!(all[0], "CHN", "{all:?}");
    assert!(page.contains("nation of concern") && page.contains("outside the coalition"));
    let (_, _, page) = send(
        &app,
        get(
            "/landscape/pillar2-open?nation=KOR&among=JPN&among=AUS",
            &kr,
        ),
    )
    .await;
    let chosen = rows(&page);
    assert!(
        !chosen.is_empty() && chosen.iter().all(|n| n == "JPN" || n == "AUS"),
        "{chosen:?}"
    );
    // In Korean, nations by their Korean names.
    let (_, _, page) = send(&app, get("/landscape/pillar2-open?nation=KOR&lang=ko", &kr)).await;
    assert!(
        page.contains("미국") || page.contains("일본"),
        "no Korean nation names"
    );
}

/// The project ids linked from a page (`/projects/ID`), in order, without repeats.
fn project_links(page: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in page.split("href=\"/projects/").skip(1) {
        let id = part.split(['"', '/', '?']).next().unwrap().to_string();
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

#[tokio::test]
async fn lists_filter_and_registry_pages_link_only_what_the_reader_may_open() {
    let app = app().await;
    let all = app.store.operator().projects().await.unwrap();
    let (set, _) = app.store.policy_set().await.unwrap();
    let us = sign_in(&app, "us-secretariat", PASSWORD).await.unwrap();
    let jp = sign_in(&app, "jp-observer", PASSWORD).await.unwrap();
    let kr = sign_in(&app, "kr-pm", PASSWORD).await.unwrap();
    let mut seen = Vec::new();
    for (person, session) in [
        ("jp-observer", &jp),
        ("kr-pm", &kr),
        ("us-secretariat", &us),
    ] {
        // The oracle: the label engine alone, then the filter's rule restated.
        let clearance = app
            .store
            .person(person)
            .await
            .unwrap()
            .unwrap()
            .clearance
            .unwrap();
        let c = set.resolve_clearance(&clearance).unwrap();
        let readable: Vec<&pillar_core::project::Project> = all
            .iter()
            .filter(|p| set.resolve(&p.label).is_ok_and(|l| set.permits(&l, &c)))
            .collect();
        let quantum_kor: Vec<&str> = readable
            .iter()
            .filter(|p| {
                p.workstreams.iter().any(|w| w == "p2-quantum")
                    && p.nations().iter().any(|n| n == "KOR")
            })
            .map(|p| p.id.as_str())
            .collect();
        // The portfolio page: its list is exactly those projects, and says so.
        let (status, _, page) = send(
            &app,
            get("/portfolio?workstream=p2-quantum&nation=KOR", session),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{person}");
        let list = page.split("id=\"projects\"").nth(1).unwrap();
        let mut linked = project_links(list);
        linked.sort();
        let mut expected: Vec<String> = quantum_kor.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(linked, expected, "{person}");
        assert!(
            page.contains(&format!("{} of {} shown", expected.len(), readable.len())),
            "{person}"
        );
        // The API filters the same way; its total counts what passes.
        let (_, _, api) = send(
            &app,
            get(
                "/api/projects?workstream=p2-quantum&nation=KOR&limit=1000",
                session,
            ),
        )
        .await;
        let api: serde_json::Value = serde_json::from_str(&api).unwrap();
        assert_eq!(api["total"], expected.len(), "{person}");
        // TRL: the current level, or none yet.
        for trl in 1..=9u8 {
            let n = readable
                .iter()
                .filter(|p| pillar_readiness::portfolio::current_trl(p) == Some(trl))
                .count();
            let (_, _, api) = send(
                &app,
                get(&format!("/api/projects?trl={trl}&limit=1"), session),
            )
            .await;
            let api: serde_json::Value = serde_json::from_str(&api).unwrap();
            assert_eq!(api["total"], n, "{person} TRL {trl}");
        }
        seen.push(expected.len());
        // The USA's registry page links exactly the readable projects the USA is in.
        let (status, _, usa) = send(&app, get("/registry/nations/USA", session)).await;
        assert_eq!(status, StatusCode::OK);
        let mut linked = project_links(&usa);
        linked.sort();
        let mut expected: Vec<String> = readable
            .iter()
            .filter(|p| p.nations().iter().any(|n| n == "USA"))
            .map(|p| p.id.clone())
            .collect();
        expected.sort();
        assert_eq!(linked, expected, "{person}: /registry/nations/USA");
    }
    // Three nations' personas see different quantum projects with Korea: the filter runs over
    // each reader's own list.
    assert!(seen[0] != seen[1] && seen[1] != seen[2], "{seen:?}");
    for (path, field) in [
        ("/api/projects?trl=10", "trl"),
        ("/api/projects?trl=high", "trl"),
        ("/portfolio/csv/by-trl?trl=0", "trl"),
    ] {
        let (status, _, body) = send(&app, get(path, &us)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert!(body.contains(&format!("`{field}`")), "{path}: {body}");
    }
    let (status, _, _) = send(&app, get("/portfolio?trl=10", &us)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Agreements: a nation as a party or in a group that is one, an area or one above it,
    // in force today; each only when the reader may read it.
    let agreement_links = |page: &str| -> Vec<String> {
        let mut out: Vec<String> = page
            .split("href=\"/agreements/")
            .skip(1)
            .map(|p| p.split('"').next().unwrap().to_string())
            .collect();
        out.sort();
        out.dedup();
        out
    };
    let (_, _, gbr) = send(&app, get("/agreements?nation=GBR", &us)).await;
    assert_eq!(
        agreement_links(&gbr),
        ["gsa-demo", "iea-undersea", "mou-cyber-expired"],
        "iea-undersea's party is AUKUS, of which GBR is a member"
    );
    let (_, _, gbr_jp) = send(&app, get("/agreements?nation=GBR", &jp)).await;
    assert!(!agreement_links(&gbr_jp).contains(&"iea-undersea".to_string()));
    assert!(agreement_links(&gbr_jp).contains(&"gsa-demo".to_string()));
    let (_, _, qbid) = send(&app, get("/agreements?area=cta25-qbid", &us)).await;
    assert_eq!(agreement_links(&qbid), ["pa-quantum-pnt"]);
    let (_, _, in_force) = send(&app, get("/agreements?in_force=1", &us)).await;
    let in_force = agreement_links(&in_force);
    assert!(in_force.contains(&"mou-us-kor-dst".to_string()));
    assert!(!in_force.contains(&"pa-hypersonic-draft".to_string()));
    assert!(!in_force.contains(&"mou-cyber-expired".to_string()));
    // A nation's page lists its agreements the same way, never a hidden one.
    let (_, _, gbr_page) = send(&app, get("/registry/nations/GBR", &us)).await;
    assert!(gbr_page.contains("href=\"/agreements/iea-undersea\""));
    let (_, _, gbr_page) = send(&app, get("/registry/nations/GBR", &jp)).await;
    assert!(!gbr_page.contains("iea-undersea"));

    // Korean: names of workstreams, words for statuses, dates, headers.
    let (_, _, ko) = send(&app, get("/portfolio?lang=ko&workstream=p2-quantum", &kr)).await;
    assert!(ko.contains("양자 기술"), "the workstream's Korean name");
    assert!(
        !ko.contains(">p2-quantum<"),
        "no workstream id shown as a name"
    );
    let (_, _, ko) = send(&app, get("/agreements?lang=ko", &kr)).await;
    assert!(ko.contains("발효 중") && ko.contains("당사국") && ko.contains("년"));
    assert!(!ko.contains(">in-force<") && !ko.contains("valid_from"));
    let (_, _, en) = send(&app, get("/agreements?lang=en", &kr)).await;
    assert!(en.contains("In force") && en.contains("<time datetime=\""));
    // The landscape names its areas as the registry does in Korean.
    let (_, _, ko) = send(&app, get("/landscape/pillar2-open?lang=ko", &kr)).await;
    assert!(ko.contains("양자 기술"), "{ko}");
    assert!(!ko.contains(">Quantum technologies<"), "{ko}");
}

#[tokio::test]
async fn demo_documents_are_found_with_a_snippet_each_reader_may_see() {
    let app = app().await;
    let blobs = pillar_store::blobs::Blobs::new(app._dir.path().join("blobs"));
    let n = pillar_store::demo::seed_documents(&app.store, &blobs, "2026-11-28T00:00:00Z")
        .await
        .unwrap();
    assert_eq!(n, 12);
    // A second seeding adds nothing.
    assert_eq!(
        pillar_store::demo::seed_documents(&app.store, &blobs, "2026-11-28T00:00:00Z")
            .await
            .unwrap(),
        0
    );
    let us = sign_in(&app, "us-secretariat", PASSWORD).await.unwrap();
    let au = sign_in(&app, "au-liaison", PASSWORD).await.unwrap();
    let jp = sign_in(&app, "jp-observer", PASSWORD).await.unwrap();
    // "calibration" is in the AUKUS SECRET sea-trial report only.
    let (_, _, page) = send(&app, get("/documents?q=calibration", &au)).await;
    assert!(page.contains("href=\"/documents/doc-undersea-sensing-report\""));
    assert!(
        page.contains("<mark>calibration</mark>"),
        "the result shows its text around the match"
    );
    assert!(page.contains("hydrophone nodes held their"));
    // jp-observer may not read it: no hit, no snippet, nothing of its text.
    let (_, _, page) = send(&app, get("/documents?q=calibration", &jp)).await;
    assert!(!page.contains("doc-undersea-sensing-report") && !page.contains("hydrophone"));
    // A word in several documents: each reader sees the ones released to them.
    let (_, _, page) = send(&app, get("/documents?q=trial", &jp)).await;
    assert!(page.contains("doc-ai-assurance-guide"));
    assert!(!page.contains("doc-quantum-pnt-plan") && !page.contains("doc-secret-annex"));
    let (_, _, page) = send(&app, get("/documents?q=trial", &us)).await;
    assert!(page.contains("doc-quantum-pnt-plan") && page.contains("doc-secret-annex"));
    // Korean text is found and shown around the match.
    let (_, _, page) = send(&app, get("/documents?q=%EB%A1%9C%EB%93%9C%EB%A7%B5", &us)).await;
    assert!(page.contains("<mark>로드맵</mark>"), "{page}");
    // Each stored version's text stays the uploader's words (the download is the same text).
    let (status, _, body) =
        send(&app, get("/documents/doc-ai-assurance-guide/download", &jp)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with("A common approach to test and evaluation"));
}

#[tokio::test]
async fn the_readiness_view_and_project_pages_show_supply_exposure_and_landscape_links() {
    let app = app().await;
    let kr = sign_in(&app, "kr-pm", PASSWORD).await.unwrap();
    // quantum-008 (KOR, unclassified) delivers the quantum navigation unit of the demo network.
    let (_, _, api) = send(&app, get("/api/supply/demo-materials", &kr)).await;
    let v: serde_json::Value = serde_json::from_str(&api).unwrap();
    let coalition = ["USA", "KOR", "AUS", "GBR", "JPN", "CAN", "NZL"];
    let outside: f64 = v["items"]["QINU"]["exposure"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(c, _)| !coalition.contains(&c.as_str()))
        .map(|(_, s)| s.as_f64().unwrap())
        .sum();
    assert!(outside > 0.0 && outside < 1.0, "{outside}");
    let (_, _, page) = send(&app, get("/projects/quantum-008", &kr)).await;
    assert!(
        page.contains("href=\"/supply/demo-materials/items/QINU\""),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "{:.0} % of its supply from outside the coalition",
            100.0 * outside
        )),
        "{page}"
    );
    assert!(page.contains("href=\"/landscape/pillar2-open/areas/p2-quantum\""));
    // The front page's supply slot: the quantum row names the most exposed system of KOR's
    // quantum projects.
    let (_, _, home) = send(&app, get("/", &kr)).await;
    let slot = home.split("id=\"supply\"").nth(1).unwrap_or(&home);
    assert!(slot.contains("% from outside the coalition ("), "{slot}");
    // The API gives the same slots, with full precision.
    let (_, _, api) = send(&app, get("/api/portfolio", &kr)).await;
    let p: serde_json::Value = serde_json::from_str(&api).unwrap();
    let ws = p["matrix"]["workstreams"].as_array().unwrap();
    let ns = p["matrix"]["nations"].as_array().unwrap();
    let (i, j) = (
        ws.iter().position(|w| w == "p2-quantum").unwrap(),
        ns.iter().position(|n| n == "KOR").unwrap(),
    );
    let cell = &p["supply"][i][j];
    assert_eq!(cell["worst"][1], "QINU", "{cell}");
    assert!(
        (cell["worst"][0].as_f64().unwrap() - outside).abs() < 1e-12,
        "{cell}"
    );
    assert!(
        !slot
            .trim_start()
            .starts_with(">Supply-chain exposure of the systems involved</h2><p class=\"note\">"),
        "the slot is filled"
    );
}
