//! The key access service (KAS) in `pillar serve`, at the origin root, speaking Connect RPC as
//! OpenTDF's SDKs do (`/kas.AccessService/PublicKey`, `/kas.AccessService/Rewrap`; binary
//! protobuf or JSON; gzip request bodies; Connect error bodies), with the discovery document
//! and a token endpoint through which an OpenTDF client signs in with a Pillar API token.
//!
//! The decision is Pillar's own: the label comes from Pillar's record of the policy (a TDF it
//! issued; a document withdrawn or relabelled since refuses its TDFs) or, for a TDF another
//! client made, from the data attributes under Pillar's attribute authority; the policy must
//! be the one the key was bound to (its HMAC binding); the label must be valid and the
//! requester's clearance must satisfy it (translated into their policy), and the requester's
//! nation must be one the policy disseminates to. A policy that yields no label is refused.
//! Every decision is an audit entry, written before any key leaves; a refusal says nothing
//! about the label.
//!
//! The request token's signature is not checked: nothing binds its key to the bearer (OpenTDF's
//! clients send no DPoP proof without a DPoP-bound token), so it would prove nothing; the bearer
//! token is what authenticates, and the key is rewrapped only for the client key in the request.

use std::io::Read;

use axum::body::Bytes;
use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use pillar_label::Label;
use pillar_store::audit::AuditEvent;
use pillar_store::tdfs::IssuedNow;
use pillar_tdf::keys::{Keyring, PublicKey};
use pillar_tdf::manifest::{KeyAccess, PolicyObject};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{now, viewer, AppState, Viewer};

/// The key access service's keys and names.
pub struct Kas {
    /// Keys that wrap payload keys (RSA-2048), newest in use.
    pub wrapping: Keyring,
    /// Keys that sign handling assertions, newest in use.
    pub signing: Keyring,
    /// The origin clients reach this server at (`https://pillar.example`), without a slash.
    pub public_url: String,
    /// The attribute authority under which labels are stated as data attributes.
    pub authority: String,
}

impl Kas {
    /// The KAS URL key access objects name.
    pub fn url(&self) -> String {
        format!("{}/kas", self.public_url)
    }

    /// Whether `url` names this KAS (with or without `/kas`, a trailing slash ignored).
    fn is_mine(&self, url: &str) -> bool {
        let u = url.trim_end_matches('/');
        u == self.public_url || u == self.url()
    }
}

/// The largest request body accepted, after decompression.
const MAX_REQUEST: u64 = 1 << 20;

// The messages of OpenTDF's `kas.proto` that Pillar speaks (field numbers as there).

/// `kas.PublicKeyRequest`.
#[derive(Clone, PartialEq, prost::Message, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PublicKeyRequest {
    /// `rsa:2048` (the only algorithm offered).
    #[prost(string, tag = "1")]
    pub algorithm: String,
    /// `pkcs8` or `jwk`.
    #[prost(string, tag = "2")]
    pub fmt: String,
    /// Version.
    #[prost(string, tag = "3")]
    pub v: String,
}

/// `kas.PublicKeyResponse`.
#[derive(Clone, PartialEq, prost::Message, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyResponse {
    /// PEM.
    #[prost(string, tag = "1")]
    pub public_key: String,
    /// Its id.
    #[prost(string, tag = "2")]
    pub kid: String,
}

/// `kas.RewrapRequest`.
#[derive(Clone, PartialEq, prost::Message, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RewrapRequest {
    /// A JWT whose `requestBody` claim is the unsigned request's JSON.
    #[prost(string, tag = "1")]
    pub signed_request_token: String,
}

fn b64_bytes<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&B64.encode(b))
}

/// `kas.KeyAccessRewrapResult`.
#[derive(Clone, PartialEq, prost::Message, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyAccessRewrapResult {
    /// The key access object's id in the request.
    #[prost(string, tag = "2")]
    pub key_access_object_id: String,
    /// `permit` or `fail`.
    #[prost(string, tag = "3")]
    pub status: String,
    /// The payload key wrapped for the client's key.
    #[prost(bytes = "vec", tag = "4")]
    #[serde(serialize_with = "b64_bytes", skip_serializing_if = "Vec::is_empty")]
    pub kas_wrapped_key: Vec<u8>,
    /// Why not (never about the label).
    #[prost(string, tag = "5")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub error: String,
}

/// `kas.PolicyRewrapResult`.
#[derive(Clone, PartialEq, prost::Message, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRewrapResult {
    /// The policy's id in the request.
    #[prost(string, tag = "1")]
    pub policy_id: String,
    /// One result per key access object.
    #[prost(message, repeated, tag = "2")]
    pub results: Vec<KeyAccessRewrapResult>,
}

/// `kas.RewrapResponse`.
#[derive(Clone, PartialEq, prost::Message, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RewrapResponse {
    /// The older single form's answer.
    #[prost(bytes = "vec", tag = "2")]
    #[serde(serialize_with = "b64_bytes", skip_serializing_if = "Vec::is_empty")]
    pub entity_wrapped_key: Vec<u8>,
    /// Unused (RSA only).
    #[prost(string, tag = "3")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub session_public_key: String,
    /// `1.0.0`.
    #[prost(string, tag = "4")]
    pub schema_version: String,
    /// One per policy.
    #[prost(message, repeated, tag = "5")]
    pub responses: Vec<PolicyRewrapResult>,
}

/// The unsigned request carried in the request token (JSON, field names as the SDKs write).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct UnsignedRewrap {
    client_public_key: String,
    requests: Vec<PolicyRequest>,
    key_access: Option<KeyAccess>,
    policy: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct PolicyRequest {
    key_access_objects: Vec<KaoRequest>,
    policy: PolicyRef,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct KaoRequest {
    key_access_object_id: String,
    key_access_object: Option<KeyAccess>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PolicyRef {
    id: String,
    body: String,
}

/// A Connect error: its code and message.
pub struct ConnectError(&'static str, String);

impl IntoResponse for ConnectError {
    fn into_response(self) -> Response {
        let status = match self.0 {
            "invalid_argument" => StatusCode::BAD_REQUEST,
            "unauthenticated" => StatusCode::UNAUTHORIZED,
            "permission_denied" => StatusCode::FORBIDDEN,
            "not_found" | "unimplemented" => StatusCode::NOT_FOUND,
            "unavailable" => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (status, Json(json!({"code": self.0, "message": self.1}))).into_response()
    }
}

fn invalid(m: impl Into<String>) -> ConnectError {
    ConnectError("invalid_argument", m.into())
}

/// The codec a request came in, and answers go out in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Codec {
    Proto,
    Json,
}

/// The request's codec and its body, decompressed (gzip) and capped.
fn request_body(headers: &HeaderMap, body: &Bytes) -> Result<(Codec, Vec<u8>), ConnectError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let codec = match ct.as_str() {
        "application/proto" | "application/protobuf" => Codec::Proto,
        "application/json" => Codec::Json,
        other => {
            return Err(ConnectError(
                "unimplemented",
                format!("content type `{other}`: application/proto or application/json"),
            ))
        }
    };
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("identity");
    let bytes = match encoding {
        "identity" | "" => body.to_vec(),
        "gzip" => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&body[..])
                .take(MAX_REQUEST + 1)
                .read_to_end(&mut out)
                .map_err(|e| invalid(format!("gzip body: {e}")))?;
            out
        }
        other => {
            return Err(ConnectError(
                "unimplemented",
                format!("content encoding `{other}`: gzip or none"),
            ))
        }
    };
    if bytes.len() as u64 > MAX_REQUEST {
        return Err(invalid(format!(
            "the request is larger than {MAX_REQUEST} bytes"
        )));
    }
    Ok((codec, bytes))
}

fn decode<M: prost::Message + Default + serde::de::DeserializeOwned>(
    codec: Codec,
    bytes: &[u8],
) -> Result<M, ConnectError> {
    match codec {
        Codec::Proto => M::decode(bytes).map_err(|e| invalid(format!("protobuf: {e}"))),
        Codec::Json if bytes.is_empty() => Ok(M::default()),
        Codec::Json => serde_json::from_slice(bytes).map_err(|e| invalid(format!("JSON: {e}"))),
    }
}

fn answer<M: prost::Message + Serialize>(codec: Codec, m: &M) -> Response {
    match codec {
        Codec::Proto => (
            [(header::CONTENT_TYPE, "application/proto")],
            m.encode_to_vec(),
        )
            .into_response(),
        Codec::Json => Json(serde_json::to_value(m).expect("messages serialise")).into_response(),
    }
}

fn kas_of(state: &AppState) -> Result<&Kas, ConnectError> {
    state.kas.as_deref().ok_or_else(|| {
        ConnectError(
            "unavailable",
            "this server has no key access service".into(),
        )
    })
}

/// `POST /kas.AccessService/PublicKey`: the key in use for wrapping, PEM, with its id.
#[utoipa::path(post, path = "/kas.AccessService/PublicKey", tag = "key access",
    request_body(content = serde_json::Value, content_type = "application/json",
        description = "kas.PublicKeyRequest (Connect RPC; also application/proto, gzip bodies): `algorithm` `rsa:2048` or empty"),
    responses((status = 200, description = "kas.PublicKeyResponse: `publicKey` (PEM) and `kid`", body = serde_json::Value),
              (status = 400, description = "a malformed request (Connect error body)", body = serde_json::Value),
              (status = 404, description = "no key for that algorithm, or an unsupported codec (Connect error body)", body = serde_json::Value)),
    security(()))]
pub async fn public_key(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ConnectError> {
    let (codec, bytes) = request_body(&headers, &body)?;
    let req: PublicKeyRequest = decode(codec, &bytes)?;
    let kas = kas_of(&state)?;
    if !(req.algorithm.is_empty() || req.algorithm == "rsa:2048" || req.algorithm == "rsa") {
        return Err(ConnectError(
            "not_found",
            format!(
                "no key for algorithm `{}` (this server offers rsa:2048)",
                req.algorithm
            ),
        ));
    }
    let Some((kid, key)) = kas.wrapping.current() else {
        return Err(ConnectError("unavailable", "no key".into()));
    };
    Ok(answer(
        codec,
        &PublicKeyResponse {
            public_key: key.public().to_pem(),
            kid: kid.to_string(),
        },
    ))
}

/// A refusal: what the audit log records (the client hears only "forbidden").
struct Refusal(String);

/// What a decision was about, for its audit entry.
#[derive(Default)]
struct Subject {
    object: String,
    label: Option<Label>,
}

/// Decides one key access object and, when permitted, rewraps its key for `client`.
async fn decide(
    state: &AppState,
    kas: &Kas,
    v: &Viewer,
    kao: &KeyAccess,
    policy_b64: &str,
    client: &PublicKey,
    subject: &mut Subject,
) -> Result<Vec<u8>, Refusal> {
    let key = decide_key(state, kas, v, kao, policy_b64, subject).await?;
    client
        .wrap(key.bytes())
        .map_err(|e| Refusal(format!("the client key: {e}")))
}

/// Decides one key access object: the payload key when `v` may have it.
async fn decide_key(
    state: &AppState,
    kas: &Kas,
    v: &Viewer,
    kao: &KeyAccess,
    policy_b64: &str,
    subject: &mut Subject,
) -> Result<pillar_tdf::PayloadKey, Refusal> {
    let no = |m: &str| Err(Refusal(m.to_string()));
    if !kas.is_mine(&kao.url) {
        return no(&format!(
            "the key access object names another KAS `{}`",
            kao.url
        ));
    }
    let Some(private) = kas.wrapping.get(&kao.kid).or_else(|| {
        // A client that gave no kid: the key in use.
        kao.kid
            .is_empty()
            .then(|| kas.wrapping.current().map(|(_, k)| k))
            .flatten()
    }) else {
        return no(&format!("unknown kid `{}`", kao.kid));
    };
    let Ok(wrapped) = B64.decode(&kao.wrapped_key) else {
        return no("wrappedKey is not base64");
    };
    let Ok(raw) = private.unwrap(&wrapped) else {
        return no("the wrapped key does not unwrap");
    };
    let Ok(key) = pillar_tdf::container::payload_key(&raw) else {
        return no("the unwrapped key is not 32 bytes");
    };
    if !pillar_tdf::policy_binding_holds(&key, policy_b64, &kao.policy_binding.hash) {
        return no("the policy binding does not hold (policy or binding altered)");
    }
    let Ok(policy) = PolicyObject::from_base64(policy_b64) else {
        return no("the policy is not a policy object");
    };
    subject.object = format!("tdf:{}", policy.uuid);
    // The policies as of the viewer's entitlements (read with them, not asked for again).
    let set = state
        .policies_for(v)
        .await
        .map_err(|e| Refusal(e.to_string()))?;
    let issued = state
        .store
        .issued_tdf(&policy.uuid)
        .await
        .map_err(|e| Refusal(e.to_string()))?;
    let label = match issued {
        Some(IssuedNow {
            issued: rec,
            document,
        }) => {
            let digest = hex::encode(Sha256::digest(policy_b64.as_bytes()));
            if digest != rec.policy_sha256 {
                return no("the policy is not the one Pillar issued under this UUID");
            }
            subject.label = Some(rec.label.clone());
            if let Some(doc) = &rec.document_id {
                subject.object = format!("document:{doc}");
                match document {
                    None => return no("the document no longer exists"),
                    Some(d) if d.withdrawn => return no("the document was withdrawn"),
                    Some(d) if d.label.canonical() != rec.label.canonical() => {
                        return no("the document was relabelled since this TDF was issued")
                    }
                    Some(_) => {}
                }
            }
            rec.label
        }
        None => {
            let attrs: Vec<String> = policy
                .body
                .data_attributes
                .iter()
                .map(|a| a.attribute.clone())
                .collect();
            match pillar_tdf::labelled::label_from_attributes(&set, &attrs, &kas.authority) {
                Ok(Some(l)) => {
                    subject.label = Some(l.clone());
                    l
                }
                Ok(None) => {
                    return no("the policy yields no label (no attribute under Pillar's authority)")
                }
                Err(e) => return no(&format!("the policy's attributes: {e}")),
            }
        }
    };
    let Ok(r) = set.resolve(&label) else {
        return no("the label does not resolve under the loaded policies");
    };
    if !set.is_valid(&r) {
        return no("the label is not valid under its policy");
    }
    let Some(clearance) = v
        .person
        .clearance
        .as_ref()
        .and_then(|c| set.resolve_clearance(c).ok())
    else {
        return no("the requester holds no clearance");
    };
    if !set.permits(&r, &clearance) {
        return no("the requester's clearance does not satisfy the label");
    }
    // Dissemination: the requester's nation, the requester, or a group the nation belongs to
    // (the registry's groups, read only when the policy does not name the first two).
    let dissem = &policy.body.dissem;
    let nation = v.person.nationality.as_str();
    let named = |d: &String| d.eq_ignore_ascii_case(nation) || *d == v.person.id;
    if dissem.is_empty() || dissem.iter().any(named) {
        return Ok(key);
    }
    let nations = state
        .store
        .reader(&v.readable)
        .nations()
        .await
        .map_err(|e| Refusal(e.to_string()))?;
    let in_group = |d: &String| {
        nations.iter().any(|g| {
            g.code.as_str().eq_ignore_ascii_case(d)
                && g.members.iter().any(|m| m.as_str() == nation)
        })
    };
    if !dissem.iter().any(in_group) {
        return no("the requester's nation is not one the policy disseminates to");
    }
    Ok(key)
}

/// Audits a decision; `Err` when the entry could not be written (then nothing is released).
async fn audit<T>(
    state: &AppState,
    v: &Viewer,
    subject: &Subject,
    outcome: &Result<T, Refusal>,
) -> Result<(), ConnectError> {
    let object = if subject.object.is_empty() {
        "tdf:unknown".to_string()
    } else {
        subject.object.clone()
    };
    let (decision, detail) = match outcome {
        Ok(_) => ("allow", "key rewrapped".to_string()),
        Err(Refusal(why)) => ("deny", why.clone()),
    };
    let e = AuditEvent::new(&v.person.id, "kas.rewrap", &object, decision, &detail);
    let written = match &subject.label {
        Some(l) => state.store.audit_labelled(&now(), &e, l).await,
        None => state.store.audit(&now(), &e).await,
    };
    written.map(|_| ()).map_err(|err| {
        tracing::error!("audit append failed: {err}");
        ConnectError("internal", "internal error".into())
    })
}

/// `POST /kas.AccessService/Rewrap`: the batched request (several policies, each with key
/// access objects) and the older single form; the bearer token names the requester.
#[utoipa::path(post, path = "/kas.AccessService/Rewrap", tag = "key access",
    request_body(content = serde_json::Value, content_type = "application/json",
        description = "kas.RewrapRequest (Connect RPC; also application/proto, gzip bodies): `signedRequestToken`, a JWT whose `requestBody` claim holds the client's public key and the key access objects with their policies"),
    responses((status = 200, description = "kas.RewrapResponse: per policy and key access object `permit` with the key wrapped for the client, or `fail` with `forbidden`", body = serde_json::Value),
              (status = 400, description = "a malformed request (Connect error body)", body = serde_json::Value),
              (status = 401, description = "no bearer token (Connect error body)", body = serde_json::Value),
              (status = 403, description = "the older single form, refused: `forbidden` (Connect error body)", body = serde_json::Value),
              (status = 404, description = "an unsupported codec or encoding (Connect error body)", body = serde_json::Value)),
    security(("bearer" = [])))]
pub async fn rewrap(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ConnectError> {
    let (codec, bytes) = request_body(&headers, &body)?;
    let req: RewrapRequest = decode(codec, &bytes)?;
    let kas = kas_of(&state)?;
    // A bearer token only: a browser's session cookie does not sign a key request.
    if !headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| h.starts_with("Bearer "))
    {
        return Err(ConnectError(
            "unauthenticated",
            "a bearer token (a Pillar API token, or one from the token endpoint) is needed".into(),
        ));
    }
    let v = match viewer(&state, &headers).await {
        Ok(Some(v)) => v,
        Ok(None) => {
            return Err(ConnectError(
                "unauthenticated",
                "a bearer token (a Pillar API token, or one from the token endpoint) is needed"
                    .into(),
            ))
        }
        Err(_) => return Err(ConnectError("internal", "internal error".into())),
    };
    let claims = pillar_tdf::keys::jwt_claims_unverified(&req.signed_request_token)
        .ok_or_else(|| invalid("signedRequestToken is not a JWT"))?;
    if let Some(exp) = claims.get("exp").and_then(|e| e.as_i64()) {
        if exp < chrono::Utc::now().timestamp() {
            return Err(invalid("signedRequestToken has expired"));
        }
    }
    let body_json = claims
        .get("requestBody")
        .and_then(|b| b.as_str())
        .ok_or_else(|| invalid("signedRequestToken has no requestBody"))?;
    let unsigned: UnsignedRewrap =
        serde_json::from_str(body_json).map_err(|e| invalid(format!("requestBody: {e}")))?;
    let client = PublicKey::from_pem(&unsigned.client_public_key)
        .map_err(|e| invalid(format!("clientPublicKey: {e}")))?;
    let mut response = RewrapResponse {
        schema_version: "1.0.0".into(),
        ..RewrapResponse::default()
    };
    if unsigned.requests.is_empty() {
        // The older single form: one key access object and its policy.
        let kao = unsigned
            .key_access
            .ok_or_else(|| invalid("requestBody has neither requests nor keyAccess"))?;
        let mut subject = Subject::default();
        let outcome = decide(
            &state,
            kas,
            &v,
            &kao,
            &unsigned.policy,
            &client,
            &mut subject,
        )
        .await;
        audit(&state, &v, &subject, &outcome).await?;
        match outcome {
            Ok(k) => response.entity_wrapped_key = k,
            Err(_) => return Err(ConnectError("permission_denied", "forbidden".into())),
        }
        return Ok(answer(codec, &response));
    }
    if unsigned.requests.len() > 64 {
        return Err(invalid("more than 64 policies in one request"));
    }
    for p in &unsigned.requests {
        let mut results = Vec::new();
        for k in p.key_access_objects.iter().take(64) {
            let outcome = match &k.key_access_object {
                Some(kao) => {
                    let mut subject = Subject::default();
                    let o =
                        decide(&state, kas, &v, kao, &p.policy.body, &client, &mut subject).await;
                    audit(&state, &v, &subject, &o).await?;
                    o
                }
                None => Err(Refusal("no keyAccessObject".into())),
            };
            results.push(match outcome {
                Ok(wrapped) => KeyAccessRewrapResult {
                    key_access_object_id: k.key_access_object_id.clone(),
                    status: "permit".into(),
                    kas_wrapped_key: wrapped,
                    error: String::new(),
                },
                Err(_) => KeyAccessRewrapResult {
                    key_access_object_id: k.key_access_object_id.clone(),
                    status: "fail".into(),
                    kas_wrapped_key: Vec::new(),
                    error: "forbidden".into(),
                },
            });
        }
        response.responses.push(PolicyRewrapResult {
            policy_id: p.policy.id.clone(),
            results,
        });
    }
    Ok(answer(codec, &response))
}

/// `GET /.well-known/opentdf-configuration`: where the token endpoint is, and this KAS.
#[utoipa::path(get, path = "/.well-known/opentdf-configuration", tag = "key access",
    responses((status = 200, description = "`configuration`: `idp.token_endpoint`, `platform_issuer`, `kas.url`, `attribute_authority`", body = serde_json::Value),
              (status = 404, description = "this server runs no key access service")),
    security(()))]
pub async fn well_known(State(state): State<AppState>) -> Response {
    let Some(kas) = state.kas.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let origin = &kas.public_url;
    Json(json!({
        "configuration": {
            "platform_issuer": origin,
            "idp": {
                "issuer": origin,
                "token_endpoint": format!("{origin}/oauth/token"),
            },
            "kas": {"url": kas.url(), "algorithms": ["rsa:2048"]},
            "attribute_authority": kas.authority,
            // The public keys that verify the handling assertions Pillar signs, by kid.
            "assertion_keys": kas
                .signing
                .kids()
                .into_iter()
                .filter_map(|kid| {
                    let pem = kas.signing.public(kid)?.to_pem();
                    Some((kid.to_string(), serde_json::Value::String(pem)))
                })
                .collect::<serde_json::Map<String, serde_json::Value>>(),
        }
    }))
    .into_response()
}

/// The token endpoint's form (OAuth 2.0 `client_credentials`, RFC 6749 §4.4).
#[derive(Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// `POST /oauth/token`: `client_credentials` with the person's id as the client id and one of
/// their API tokens as the secret; answers that token as the access token (it is already the
/// bearer credential Pillar knows). Anything else: `invalid_client`, the same for every cause.
#[utoipa::path(post, path = "/oauth/token", tag = "key access",
    request_body(content = serde_json::Value, content_type = "application/x-www-form-urlencoded",
        description = "`grant_type=client_credentials`, `client_id` (a person's registry id), `client_secret` (one of their API tokens)"),
    responses((status = 200, description = "`access_token` and `token_type`", body = serde_json::Value),
              (status = 400, description = "`unsupported_grant_type`", body = serde_json::Value),
              (status = 401, description = "`invalid_client`, whatever the cause", body = serde_json::Value),
              (status = 415, description = "not a form"),
              (status = 422, description = "a form that cannot be read")),
    security(()))]
pub async fn token(State(state): State<AppState>, Form(f): Form<TokenForm>) -> Response {
    let refuse =
        |code: StatusCode, error: &str| (code, Json(json!({"error": error}))).into_response();
    if f.grant_type.as_deref() != Some("client_credentials") {
        return refuse(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let (Some(id), Some(secret)) = (f.client_id, f.client_secret) else {
        return refuse(StatusCode::UNAUTHORIZED, "invalid_client");
    };
    let holder = state
        .store
        .token_holder(&crate::auth::secret_hash(secret.trim()))
        .await;
    let ok = matches!(&holder, Ok(Some(p)) if p.id == id);
    let e = AuditEvent::new(
        &id,
        "kas.token",
        &format!("person:{id}"),
        if ok { "allow" } else { "deny" },
        "client_credentials",
    );
    if let Err(err) = state.store.audit(&now(), &e).await {
        tracing::error!("audit append failed: {err}");
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "server_error");
    }
    if !ok {
        return refuse(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    Json(json!({"access_token": secret.trim(), "token_type": "Bearer"})).into_response()
}

/// A TDF uploaded to become a document: its plaintext, label and media type.
pub struct Imported {
    /// The decrypted content.
    pub plain: Vec<u8>,
    /// The label it carries.
    pub label: Label,
    /// Its media type, as the manifest states it.
    pub media_type: String,
}

/// Imports an uploaded TDF for `v`: the container and every segment checked; the label from its
/// handling assertion (which must verify under this server's signing keys) or, for a TDF another
/// client made, from its attributes under Pillar's authority, valid under the loaded SPIFs; the
/// key through the same decision as a rewrap (audited); the payload decrypted. `Err` says what
/// is wrong, without telling anything about a label the uploader may not have.
pub async fn import(state: &AppState, v: &Viewer, bytes: &[u8]) -> Result<Imported, String> {
    let kas = state
        .kas
        .as_deref()
        .ok_or("this server runs no key access service")?;
    let mut r = std::io::Cursor::new(bytes);
    let o = pillar_tdf::container::open(&mut r).map_err(|e| format!("not a readable TDF: {e}"))?;
    o.check_payload(&mut r)
        .map_err(|e| format!("the TDF is altered: {e}"))?;
    let set = state.policies_for(v).await.map_err(|e| e.to_string())?;
    let label = match pillar_tdf::labelled::label_of_assertions(&set, &o.assertions) {
        Some(found) => {
            o.verify_assertions(&|kid| kas.signing.public(kid))
                .map_err(|e| format!("its label is not one this server signed: {e}"))?;
            found.map_err(|e| format!("its label: {e}"))?
        }
        None => {
            let attrs: Vec<String> = o
                .policy
                .body
                .data_attributes
                .iter()
                .map(|a| a.attribute.clone())
                .collect();
            let l = pillar_tdf::labelled::label_from_attributes(&set, &attrs, &kas.authority)?
                .ok_or(
                "it states no label (no handling assertion, no attribute under Pillar's authority)",
            )?;
            set.resolve(&l).map_err(|e| format!("its label: {e}"))?
        }
    };
    let invalid = set.validate(&label);
    if !invalid.is_empty() {
        return Err(format!("its label is not valid: {}", invalid.join("; ")));
    }
    let policy = o.manifest.encryption_information.policy.clone();
    let mut refused = "no key access object is for this server".to_string();
    for kao in &o.manifest.encryption_information.key_access {
        if !kas.is_mine(&kao.url) {
            continue;
        }
        let mut subject = Subject::default();
        let outcome = decide_key(state, kas, v, kao, &policy, &mut subject).await;
        audit(state, v, &subject, &outcome)
            .await
            .map_err(|_| "the audit log could not be written".to_string())?;
        match outcome {
            Ok(key) => {
                let mut plain = Vec::new();
                o.decrypt(&mut r, &key, &mut plain)
                    .map_err(|e| format!("the TDF is altered: {e}"))?;
                return Ok(Imported {
                    plain,
                    label: set.to_label(&label),
                    media_type: o.manifest.payload.mime_type.clone(),
                });
            }
            Err(_) => refused = "the key access service refuses you its key".into(),
        }
    }
    Err(refused)
}
