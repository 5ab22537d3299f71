//! The key access service through the router: TDFs issued for documents, rewraps decided by
//! label (JSON and binary protobuf codecs, gzip bodies, the batched and the single form),
//! refusals that say nothing, revocation by relabelling and withdrawal, every decision audited.

mod common;

use std::io::{Cursor, Write};
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use base64::Engine as _;
use pillar_store::audit::{Anchor, AuditEvent, AuditKey, AuditTrail, Audited};
use pillar_store::{DbTarget, Store};
use pillar_tdf::keys::{Keyring, PrivateKey};
use pillar_web::kas::Kas;
use prost::Message as _;
use serde_json::json;

const ORIGIN: &str = "http://pillar.test";

struct App {
    router: Router,
    store: Store,
    tokens: std::collections::HashMap<&'static str, String>,
    _dir: tempfile::TempDir,
}

async fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_migrated(&DbTarget::Sqlite(dir.path().join("k.db")))
        .await
        .unwrap()
        .with_audit(AuditTrail::new(
            AuditKey::new(vec![2; 32]).unwrap(),
            Some(Anchor::new(dir.path().join("anchor"), "k.db")),
        ));
    common::seed_demo(&store).await;
    let mut tokens = std::collections::HashMap::new();
    for p in common::EVERY_PERSONA {
        let secret = format!("secret-of-{p}-0123456789abcdef");
        let at = pillar_web::now();
        let e = AuditEvent::new(p, "token", &format!("token:{p}"), "ok", "");
        store
            .create_token(
                &format!("t-{p}"),
                p,
                "kas test",
                &pillar_web::auth::secret_hash(&secret),
                &Audited { at: &at, event: &e },
            )
            .await
            .unwrap();
        tokens.insert(p, secret);
    }
    let blobs = pillar_store::blobs::Blobs::new(dir.path().join("blobs"));
    pillar_store::demo::seed_documents(&store, &blobs, "2026-11-28T00:00:00Z")
        .await
        .unwrap();
    let kas = Kas {
        wrapping: Keyring::new(vec![
            ("k0001".into(), PrivateKey::generate()),
            ("k0002".into(), PrivateKey::generate()),
        ]),
        signing: Keyring::new(vec![("k0001".into(), PrivateKey::generate())]),
        public_url: ORIGIN.into(),
        authority: ORIGIN.into(),
    };
    let state = pillar_web::AppState::new(store.clone(), blobs).with_kas(kas);
    let router =
        pillar_web::router(state).layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 4000))));
    App {
        router,
        store,
        tokens,
        _dir: dir,
    }
}

async fn send(app: &App, req: Request<Body>) -> (StatusCode, Vec<u8>) {
    use tower::ServiceExt;
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let body = axum::body::to_bytes(res.into_body(), 1 << 26)
        .await
        .unwrap();
    (status, body.to_vec())
}

fn get(app: &App, who: &str, path: &str) -> Request<Body> {
    Request::get(path)
        .header(header::AUTHORIZATION, format!("Bearer {}", app.tokens[who]))
        .body(Body::empty())
        .unwrap()
}

/// A document `who` may read, with the personas who may and may not.
async fn a_document(app: &App) -> (String, Vec<&'static str>, Vec<&'static str>) {
    let (_, body) = send(app, get(app, "us-secretariat", "/api/documents?limit=100")).await;
    let list: serde_json::Value = serde_json::from_slice(&body).unwrap();
    for d in list["items"].as_array().unwrap() {
        let id = d["id"].as_str().unwrap().to_string();
        let mut may = Vec::new();
        let mut not = Vec::new();
        for p in common::EVERY_PERSONA {
            let (s, _) = send(app, get(app, p, &format!("/documents/{id}/download"))).await;
            if s == StatusCode::OK {
                may.push(p);
            } else {
                not.push(p);
            }
        }
        if may.len() >= 2 && !not.is_empty() {
            return (id, may, not);
        }
    }
    panic!("no demo document that some read and some may not");
}

/// A client key and the request token carrying `body` (the signature is not checked).
fn request_token(body: &serde_json::Value) -> String {
    let claims =
        json!({"requestBody": body.to_string(), "exp": chrono::Utc::now().timestamp() + 60});
    format!(
        "{}.{}.c2ln",
        B64URL.encode(r#"{"alg":"RS256"}"#),
        B64URL.encode(claims.to_string())
    )
}

/// Asks the KAS to rewrap key access object 0 of `tdf` for `who` (batched form, JSON codec);
/// the payload key, or the result's status and error.
async fn rewrap(app: &App, who: &str, tdf: &[u8]) -> Result<Vec<u8>, (StatusCode, String)> {
    let o = pillar_tdf::container::open(&mut Cursor::new(tdf)).unwrap();
    let client = PrivateKey::generate();
    let kao = serde_json::to_value(&o.manifest.encryption_information.key_access[0]).unwrap();
    let body = json!({
        "clientPublicKey": client.public().to_pem(),
        "requests": [{"keyAccessObjects": [{"keyAccessObjectId": "kao-0", "keyAccessObject": kao}],
                      "policy": {"id": "policy", "body": o.manifest.encryption_information.policy}}],
    });
    let req = Request::post("/kas.AccessService/Rewrap")
        .header(header::AUTHORIZATION, format!("Bearer {}", app.tokens[who]))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"signedRequestToken": request_token(&body)}).to_string(),
        ))
        .unwrap();
    let (status, body) = send(app, req).await;
    if status != StatusCode::OK {
        return Err((status, String::from_utf8_lossy(&body).into_owned()));
    }
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let r = &v["responses"][0]["results"][0];
    if r["status"] != "permit" {
        return Err((status, r["error"].as_str().unwrap_or("").to_string()));
    }
    let wrapped = B64.decode(r["kasWrappedKey"].as_str().unwrap()).unwrap();
    Ok(client.unwrap(&wrapped).unwrap())
}

fn decrypt(tdf: &[u8], key: &[u8]) -> Vec<u8> {
    let mut r = Cursor::new(tdf);
    let o = pillar_tdf::container::open(&mut r).unwrap();
    let k = pillar_tdf::container::payload_key(key).unwrap();
    let mut out = Vec::new();
    o.decrypt(&mut r, &k, &mut out).unwrap();
    out
}

async fn audit_count(store: &Store, decision: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(&format!(
        "SELECT COUNT(*) FROM audit WHERE action = 'kas.rewrap' AND decision = '{decision}'"
    ))
    .fetch_one(&store.pool_for_tests())
    .await
    .unwrap()
}

#[tokio::test]
async fn a_documents_tdf_opens_for_its_readers_only_and_every_decision_is_audited() {
    let app = app().await;
    let (id, may, not) = a_document(&app).await;
    let (_, plain) = send(
        &app,
        get(&app, may[0], &format!("/documents/{id}/download")),
    )
    .await;
    let (s, tdf) = send(&app, get(&app, may[0], &format!("/documents/{id}/tdf"))).await;
    assert_eq!(s, StatusCode::OK);
    // The TDF carries the label as a signed assertion, as attributes, and for this KAS.
    let mut r = Cursor::new(&tdf);
    let o = pillar_tdf::container::open(&mut r).unwrap();
    o.check_payload(&mut r).unwrap();
    assert_eq!(o.assertions.len(), 1);
    assert_eq!(o.assertions[0].statement.format, "json+stanag5636");
    assert!(o
        .policy
        .body
        .data_attributes
        .iter()
        .all(|a| a.attribute.starts_with(&format!("{ORIGIN}/attr/"))));
    assert_eq!(
        o.manifest.encryption_information.key_access[0].url,
        format!("{ORIGIN}/kas")
    );
    assert_eq!(o.manifest.encryption_information.key_access[0].kid, "k0002");
    // Someone who may not read the document cannot download it as a TDF either.
    let (s, _) = send(&app, get(&app, not[0], &format!("/documents/{id}/tdf"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    for p in &may {
        let key = rewrap(&app, p, &tdf)
            .await
            .unwrap_or_else(|e| panic!("{p}: {e:?}"));
        assert_eq!(decrypt(&tdf, &key), plain, "{p}");
    }
    for p in &not {
        let e = rewrap(&app, p, &tdf).await.unwrap_err();
        // The refusal says nothing about the label.
        assert_eq!(e, (StatusCode::OK, "forbidden".to_string()), "{p}");
    }
    assert_eq!(audit_count(&app.store, "allow").await, may.len() as i64);
    assert_eq!(audit_count(&app.store, "deny").await, not.len() as i64);
    // The chain still verifies after the KAS's entries.
    let verdict = app
        .store
        .audit_verify(&AuditKey::new(vec![2; 32]).unwrap(), None)
        .await
        .unwrap();
    assert!(verdict.first_bad.is_none(), "{verdict:?}");
}

#[tokio::test]
async fn relabelling_or_withdrawing_a_document_refuses_its_earlier_tdfs() {
    let app = app().await;
    let (id, may, _) = a_document(&app).await;
    let (_, tdf) = send(&app, get(&app, may[0], &format!("/documents/{id}/tdf"))).await;
    rewrap(&app, may[0], &tdf).await.unwrap();
    // Relabelled to another label (the same reader would still read it).
    let pool = app.store.pool_for_tests();
    let old: i64 = sqlx::query_scalar("SELECT label_id FROM documents WHERE id = $1")
        .bind(&id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let other: i64 = sqlx::query_scalar("SELECT MIN(id) FROM labels WHERE id <> $1")
        .bind(old)
        .fetch_one(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE documents SET label_id = $1 WHERE id = $2")
        .bind(other)
        .bind(&id)
        .execute(&pool)
        .await
        .unwrap();
    assert!(rewrap(&app, may[0], &tdf).await.is_err());
    // Back to its label: the TDF opens again; then withdrawn: refused.
    sqlx::query("UPDATE documents SET label_id = $1 WHERE id = $2")
        .bind(old)
        .bind(&id)
        .execute(&pool)
        .await
        .unwrap();
    rewrap(&app, may[0], &tdf).await.unwrap();
    sqlx::query("UPDATE documents SET withdrawn_at = 'now' WHERE id = $1")
        .bind(&id)
        .execute(&pool)
        .await
        .unwrap();
    assert!(rewrap(&app, may[0], &tdf).await.is_err());
    let reasons: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit WHERE action = 'kas.rewrap' AND decision = 'deny' ORDER BY seq",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(reasons[0].contains("relabelled"), "{reasons:?}");
    assert!(reasons[1].contains("withdrawn"), "{reasons:?}");
}

#[tokio::test]
async fn the_connect_protocol_as_the_sdks_speak_it() {
    let app = app().await;
    // PublicKey in binary protobuf, the request gzipped.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(
        &pillar_web::kas::PublicKeyRequest {
            algorithm: "rsa:2048".into(),
            ..Default::default()
        }
        .encode_to_vec(),
    )
    .unwrap();
    let req = Request::post("/kas.AccessService/PublicKey")
        .header(header::CONTENT_TYPE, "application/proto")
        .header(header::CONTENT_ENCODING, "gzip")
        .body(Body::from(gz.finish().unwrap()))
        .unwrap();
    let (s, body) = send(&app, req).await;
    assert_eq!(s, StatusCode::OK);
    let pk = pillar_web::kas::PublicKeyResponse::decode(&body[..]).unwrap();
    assert_eq!(pk.kid, "k0002");
    assert!(pk.public_key.starts_with("-----BEGIN PUBLIC KEY-----"));
    // An algorithm this KAS has no key for: a Connect error body.
    let req = Request::post("/kas.AccessService/PublicKey")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"algorithm":"ec:secp256r1"}"#))
        .unwrap();
    let (s, body) = send(&app, req).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let e: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(e["code"], "not_found");
    // A rewrap without a bearer token: unauthenticated, and no audit entry names a label.
    let req = Request::post("/kas.AccessService/Rewrap")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"signedRequestToken":"a.b.c"}"#))
        .unwrap();
    let (s, body) = send(&app, req).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    // The older single form, in protobuf: keyAccess and policy at the top.
    let (id, may, not) = a_document(&app).await;
    let (_, tdf) = send(&app, get(&app, may[0], &format!("/documents/{id}/tdf"))).await;
    let o = pillar_tdf::container::open(&mut Cursor::new(&tdf)).unwrap();
    let client = PrivateKey::generate();
    let single = |who: &str, kao: serde_json::Value| {
        let body = json!({
            "clientPublicKey": client.public().to_pem(),
            "keyAccess": kao,
            "policy": o.manifest.encryption_information.policy,
        });
        Request::post("/kas.AccessService/Rewrap")
            .header(header::AUTHORIZATION, format!("Bearer {}", app.tokens[who]))
            .header(header::CONTENT_TYPE, "application/proto")
            .body(Body::from(
                pillar_web::kas::RewrapRequest {
                    signed_request_token: request_token(&body),
                }
                .encode_to_vec(),
            ))
            .unwrap()
    };
    let kao = serde_json::to_value(&o.manifest.encryption_information.key_access[0]).unwrap();
    let (s, body) = send(&app, single(may[0], kao.clone())).await;
    assert_eq!(s, StatusCode::OK);
    let res = pillar_web::kas::RewrapResponse::decode(&body[..]).unwrap();
    let key = client.unwrap(&res.entity_wrapped_key).unwrap();
    assert_eq!(key.len(), 32);
    let (s, body) = send(&app, single(not[0], kao.clone())).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let e: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        e,
        json!({"code": "permission_denied", "message": "forbidden"})
    );
    // Another KAS's URL, an unknown kid: refused alike.
    let mut elsewhere = kao.clone();
    elsewhere["url"] = json!("https://kas.elsewhere.example/kas");
    assert_eq!(
        send(&app, single(may[0], elsewhere)).await.0,
        StatusCode::FORBIDDEN
    );
    let mut unknown = kao.clone();
    unknown["kid"] = json!("k9999");
    assert_eq!(
        send(&app, single(may[0], unknown)).await.0,
        StatusCode::FORBIDDEN
    );
    let reasons: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit WHERE action = 'kas.rewrap' AND decision = 'deny' ORDER BY seq",
    )
    .fetch_all(&app.store.pool_for_tests())
    .await
    .unwrap();
    assert!(
        reasons.iter().any(|r| r.contains("another KAS")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("unknown kid")),
        "{reasons:?}"
    );
}

#[tokio::test]
async fn the_token_endpoint_takes_a_person_and_one_of_their_api_tokens() {
    let app = app().await;
    let (s, body) = send(
        &app,
        Request::get("/.well-known/opentdf-configuration")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let c: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        c["configuration"]["idp"]["token_endpoint"],
        format!("{ORIGIN}/oauth/token")
    );
    let token = |form: String| {
        Request::post("/oauth/token")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap()
    };
    let secret = &app.tokens["kr-pm"];
    let (s, body) = send(
        &app,
        token(format!(
            "grant_type=client_credentials&client_id=kr-pm&client_secret={secret}"
        )),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let t: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(t["access_token"], secret.as_str());
    // Another person's token, a wrong secret: the same refusal.
    for form in [
        format!("grant_type=client_credentials&client_id=jp-observer&client_secret={secret}"),
        "grant_type=client_credentials&client_id=kr-pm&client_secret=nope".to_string(),
    ] {
        let (s, body) = send(&app, token(form)).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_eq!(body, br#"{"error":"invalid_client"}"#);
    }
}

/// A TDF another client made (no record of Pillar's: the label from its attributes) whose
/// policy disseminates to `dissem`.
async fn foreign_tdf(app: &App, dissem: &[&str]) -> Vec<u8> {
    let req = Request::post("/kas.AccessService/PublicKey")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"algorithm":"rsa:2048"}"#))
        .unwrap();
    let (_, body) = send(app, req).await;
    let pk: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let key = pillar_tdf::keys::PublicKey::from_pem(pk["publicKey"].as_str().unwrap()).unwrap();
    let set = app.store.policies().await.unwrap();
    // Releasable to every nation of the coalition: the decision turns on `dissem` alone.
    let label = pillar_label::Label::from_json(
        r#"{"policy":{"name":"PILLAR COALITION"},"classification":"UNCLASSIFIED","categories":[{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{"generic":"USA"},{"generic":"KOR"},{"generic":"AUS"},{"generic":"GBR"},{"generic":"JPN"},{"generic":"CAN"},{"generic":"NZL"}]}]}"#,
    )
    .unwrap();
    let mut body = pillar_tdf::labelled::policy_body(&set, &set.resolve(&label).unwrap(), ORIGIN);
    body.dissem = dissem.iter().map(|d| d.to_string()).collect();
    let mut out = Vec::new();
    pillar_tdf::container::seal(
        pillar_tdf::container::Seal {
            policy: pillar_tdf::manifest::PolicyObject::new(body),
            recipients: vec![pillar_tdf::container::Recipient {
                url: format!("{ORIGIN}/kas"),
                kid: pk["kid"].as_str().unwrap().into(),
                key: &key,
            }],
            mime_type: "text/plain".into(),
            segment_size: 1 << 16,
            assertions: Vec::new(),
            signer: None,
        },
        &mut Cursor::new(b"made elsewhere".to_vec()),
        Cursor::new(&mut out),
    )
    .unwrap();
    out
}

/// `dissem` is enforced whatever the label says: the requester's nation, the requester, or a
/// group of the registry the nation belongs to (FVEY, AUKUS, CFCK); anything else is refused.
#[tokio::test]
async fn a_policys_dissemination_is_enforced_with_the_registrys_groups() {
    let app = app().await;
    for (who, dissem, permitted) in [
        ("us-secretariat", vec![], true),
        ("us-secretariat", vec!["USA"], true),
        ("us-secretariat", vec!["usa"], true),
        ("us-secretariat", vec!["KOR"], false),
        ("us-secretariat", vec!["KOR", "AUKUS"], true),
        ("us-secretariat", vec!["CFCK"], true),
        ("us-secretariat", vec!["us-secretariat"], true),
        ("us-secretariat", vec!["kr-pm"], false),
        ("kr-pm", vec!["AUKUS"], false),
        ("kr-pm", vec!["FVEY", "CFCK"], true),
        ("kr-pm", vec!["NOSUCHGROUP"], false),
        ("jp-observer", vec!["FVEY", "AUKUS", "CFCK"], false),
    ] {
        let tdf = foreign_tdf(&app, &dissem).await;
        let got = rewrap(&app, who, &tdf).await;
        match got {
            Ok(key) => {
                assert!(permitted, "{who} {dissem:?}: permitted");
                assert_eq!(decrypt(&tdf, &key), b"made elsewhere");
            }
            Err(e) => {
                assert!(!permitted, "{who} {dissem:?}: refused: {e:?}");
                assert_eq!(e, (StatusCode::OK, "forbidden".to_string()));
            }
        }
    }
}
