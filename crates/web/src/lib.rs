//! Pillar's HTTP server: sign-in with server-side sessions and API tokens, label-filtered
//! pages and JSON API, the page banner (dominant label of what is shown), audit of sign-ins
//! and reads, health and metrics. Access is never decided here: the store computes what a
//! person may read and filters inside its queries; this crate renders.

pub mod api;
pub mod auth;
mod charts;
pub mod committee;
pub mod documents;
pub mod i18n;
pub mod kas;
pub mod landscape;
mod names;
mod pages;
pub mod picker;
pub mod portfolio;
pub mod request;
pub mod supply;
mod tdf;

pub use documents::extract_text;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use pillar_core::Person;
use pillar_label::PolicySet;
use pillar_store::audit::AuditEvent;
use pillar_store::{EntitlementCache, Entitlements, Store};

use crate::auth::{cookie, secret_hash};
use crate::i18n::Lang;

/// Largest request body accepted (forms, JSON).
pub const MAX_BODY: usize = 1 << 20;
/// Largest document accepted (a file of this size is accepted; the request may carry the
/// form's other fields besides, up to [`MAX_BODY`] more).
pub const MAX_UPLOAD: usize = 16 << 20;
/// Session lifetime.
pub const SESSION_HOURS: i64 = 8;

/// Shared server state.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Store,
    /// Entitlement sets by clearance.
    pub cache: EntitlementCache,
    /// Document contents.
    pub blobs: pillar_store::blobs::Blobs,
    metrics: Arc<Metrics>,
    trusted_proxies: Arc<Vec<std::net::IpAddr>>,
    today: Option<chrono::NaiveDate>,
    /// Nations of concern (alpha-3), flagged where a country outside the coalition is shown.
    concern: Arc<Vec<String>>,
    /// The key access service, when this server runs one.
    pub kas: Option<Arc<kas::Kas>>,
}

#[derive(Default)]
struct Metrics {
    requests: AtomicU64,
    status_2xx: AtomicU64,
    status_3xx: AtomicU64,
    status_4xx: AtomicU64,
    status_5xx: AtomicU64,
}

impl AppState {
    /// State over a store (which must carry its audit trail: [`Store::with_audit`]) and the
    /// directory of document contents.
    pub fn new(store: Store, blobs: pillar_store::blobs::Blobs) -> Self {
        assert!(
            store.audit_trail().is_some(),
            "the web server's store needs an audit trail"
        );
        AppState {
            store,
            blobs,
            cache: EntitlementCache::default(),
            metrics: Arc::new(Metrics::default()),
            trusted_proxies: Arc::default(),
            today: None,
            kas: None,
            concern: Arc::new(
                pillar_landscape::indicators::DEFAULT_CONCERN
                    .map(String::from)
                    .to_vec(),
            ),
        }
    }

    /// A server whose calendar stands still at `date` (tests, and demonstrations of a past or
    /// future state): agreements in force, overdue actions, stalled projects and chart years
    /// are all judged on that day.
    pub fn with_today(mut self, date: chrono::NaiveDate) -> Self {
        self.today = Some(date);
        self
    }

    /// Today's date (UTC), or the fixed one.
    pub fn today(&self) -> chrono::NaiveDate {
        self.today
            .unwrap_or_else(|| chrono::Utc::now().date_naive())
    }

    /// Trusts `X-Forwarded-For` from these addresses (reverse proxies in front of Pillar): the
    /// client's address, which sign-in throttling counts, is then the nearest one that is not a
    /// trusted proxy. Off (empty) by default: behind no proxy the header is anyone's to forge.
    pub fn with_trusted_proxies(mut self, proxies: Vec<std::net::IpAddr>) -> Self {
        self.trusted_proxies = Arc::new(proxies);
        self
    }

    /// Flags these nations (alpha-3) as of concern wherever a country outside the coalition is
    /// shown (default: [`pillar_landscape::indicators::DEFAULT_CONCERN`]).
    pub fn with_concern_nations(mut self, nations: Vec<String>) -> Self {
        self.concern = Arc::new(nations);
        self
    }

    /// Runs the key access service with these keys (TDF downloads and `/kas.AccessService/…`).
    pub fn with_kas(mut self, kas: kas::Kas) -> Self {
        self.kas = Some(Arc::new(kas));
        self
    }

    /// The nations of concern.
    pub fn concern_nations(&self) -> &[String] {
        &self.concern
    }

    /// The client's address: the peer's, or behind trusted proxies the last address in
    /// `X-Forwarded-For` that no trusted proxy added.
    pub fn client_address(&self, peer: std::net::IpAddr, headers: &HeaderMap) -> std::net::IpAddr {
        if !self.trusted_proxies.contains(&peer) {
            return peer;
        }
        let mut client = peer;
        let hops: Vec<Option<std::net::IpAddr>> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|h| h.trim().parse().ok())
            .collect();
        // From the nearest hop outwards; what a trusted proxy could not vouch for (an address
        // that does not parse) ends the walk.
        for hop in hops.into_iter().rev() {
            let Some(hop) = hop else { break };
            client = hop;
            if !self.trusted_proxies.contains(&hop) {
                break;
            }
        }
        client
    }

    /// The policies, parsed once per policy version (cached by the store).
    pub async fn policies(&self) -> Result<Arc<PolicySet>, pillar_store::StoreError> {
        self.store.policies().await
    }

    /// The policies as of `v`'s entitlements (the version read with them): no statement when
    /// the cached set is that version, which it is but for a policy change.
    pub async fn policies_for(
        &self,
        v: &Viewer,
    ) -> Result<Arc<PolicySet>, pillar_store::StoreError> {
        self.store.policies_at(v.readable.version).await
    }

    /// May `person` create or change anything under `label` (`Store::may_write`)?
    pub async fn may_write(
        &self,
        person: &Person,
        label: &pillar_label::Label,
    ) -> Result<bool, pillar_store::StoreError> {
        self.store.may_write(person, label).await
    }

    /// An audit event by `actor` (the entry written with a change is built with this too).
    pub fn event(
        actor: &str,
        action: &str,
        object: &str,
        decision: &str,
        detail: &str,
    ) -> AuditEvent {
        AuditEvent::new(actor, action, object, decision, detail)
    }

    /// Reads a labelled object for `v` and records the read in the audit log (under the object's
    /// label) when it was found: `state.read(&v, "project:ID", "", reader.project(ID))`. A
    /// hidden object is not found and leaves no entry, as one that does not exist.
    pub(crate) async fn read<T: LabelledRecord>(
        &self,
        v: &Viewer,
        object: &str,
        detail: &str,
        fetch: impl std::future::Future<Output = Result<Option<T>, pillar_store::StoreError>>,
    ) -> Result<Option<T>, ServerError> {
        let Some(found) = fetch.await? else {
            return Ok(None);
        };
        let label_id = self.store.label_id(found.label()).await?;
        self.audit(&v.person.id, "read", object, label_id, "allow", detail)
            .await;
        Ok(Some(found))
    }

    /// Appends an audit entry that accompanies no change (a read, a refusal, a sign-in);
    /// failures are logged, never shown.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        object: &str,
        label_id: Option<i64>,
        decision: &str,
        detail: &str,
    ) {
        let at = now();
        let mut e = AuditEvent::new(actor, action, object, decision, detail);
        e.label_id = label_id;
        if let Err(err) = self.store.audit(&at, &e).await {
            tracing::error!("audit append failed: {err}");
        }
    }
}

/// Something read under one label (what a read's audit entry carries).
pub(crate) trait LabelledRecord {
    /// Its label.
    fn label(&self) -> &pillar_label::Label;
}

impl LabelledRecord for pillar_core::project::Project {
    fn label(&self) -> &pillar_label::Label {
        &self.label
    }
}

impl LabelledRecord for pillar_store::documents::DocumentInfo {
    fn label(&self) -> &pillar_label::Label {
        &self.label
    }
}

impl LabelledRecord for pillar_store::landscapes::Landscape {
    fn label(&self) -> &pillar_label::Label {
        &self.label
    }
}

impl LabelledRecord for pillar_store::RegistryRow {
    fn label(&self) -> &pillar_label::Label {
        pillar_store::RegistryRow::label(self)
    }
}

/// A meeting and the labels of the items shown: audited under the meeting's label.
impl LabelledRecord for (pillar_core::committee::Meeting, Vec<pillar_label::Label>) {
    fn label(&self) -> &pillar_label::Label {
        &self.0.label
    }
}

/// The time now, RFC 3339 UTC with milliseconds.
pub fn now() -> String {
    time_text(chrono::Utc::now())
}

/// A time as the store keeps it: RFC 3339 UTC with milliseconds, which compares as text.
pub fn time_text(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The person making a request, with what they may read.
pub struct Viewer {
    /// The person.
    pub person: Person,
    /// Label ids they may read.
    pub readable: Entitlements,
    /// The session's CSRF token (None for API tokens).
    pub csrf: Option<String>,
    /// The session cookie's hash (None for API tokens).
    pub session: Option<String>,
}

impl Viewer {
    /// True when a form sent this session's CSRF token (compared in constant time). API-token
    /// callers have no session token, and no form passes for them.
    pub(crate) fn form_csrf_ok(&self, given: Option<&str>) -> bool {
        matches!((&self.csrf, given), (Some(c), Some(g)) if auth::same(c, g))
    }
}

/// A server error: logged in full, shown as a bare 500.
#[derive(Debug)]
pub struct ServerError(String);

impl<E: std::fmt::Display> From<E> for ServerError {
    fn from(e: E) -> Self {
        ServerError(e.to_string())
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        tracing::error!("{}", self.0);
        (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
    }
}

/// Finds the person behind a request: a bearer token, else a session cookie.
pub async fn viewer(state: &AppState, headers: &HeaderMap) -> Result<Option<Viewer>, ServerError> {
    let store = &state.store;
    let (person, csrf, session) = if let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
    {
        // The token and its holder in one statement.
        (
            store.token_holder(&secret_hash(token.trim())).await?,
            None,
            None,
        )
    } else {
        let cookies = headers.get(header::COOKIE).and_then(|h| h.to_str().ok());
        let Some(secret) = cookie(cookies, "pillar_session") else {
            return Ok(None);
        };
        let hash = secret_hash(secret);
        match store.session(&hash, &now()).await? {
            Some((p, csrf)) => (store.person(&p).await?, Some(csrf), Some(hash)),
            None => return Ok(None),
        }
    };
    let Some(person) = person else {
        return Ok(None);
    };
    let readable = match &person.clearance {
        Some(c) => store.entitlements(&state.cache, c).await?,
        None => Entitlements::default(),
    };
    Ok(Some(Viewer {
        person,
        readable,
        csrf,
        session,
    }))
}

/// The reader's language: `?lang=` is handled by the pages; here the cookie.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    let cookies = headers.get(header::COOKIE).and_then(|h| h.to_str().ok());
    Lang::parse(cookie(cookies, "pillar_lang"))
}

/// True when URL-encoded `text` holds a NUL character (`%00`), which no field may carry
/// (PostgreSQL's text cannot hold it, and no name, word or id has one).
fn encodes_nul(text: &[u8]) -> bool {
    text.windows(3)
        .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
        || text.contains(&0)
}

/// Refuses, with a 400 that says why (JSON for the API), a request whose query or URL-encoded
/// form carries a NUL character, before any handler sees it.
async fn refuse_nul(req: Request, next: Next) -> Response {
    // The API and the token endpoint answer in JSON (OAuth's refusals are JSON too).
    let api = req.uri().path().starts_with("/api/") || req.uri().path() == "/oauth/token";
    let refused = || {
        let why = "NUL characters (%00) are not accepted in a request";
        if api {
            request::ApiError::BadRequest(why.into()).into_response()
        } else {
            (StatusCode::BAD_REQUEST, why).into_response()
        }
    };
    if encodes_nul(req.uri().path().as_bytes())
        || req.uri().query().is_some_and(|q| encodes_nul(q.as_bytes()))
    {
        return refused();
    }
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a form is accepted up to {} KiB", MAX_BODY >> 10),
            )
                .into_response()
        }
    };
    if encodes_nul(&bytes) {
        return refused();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    state.metrics.requests.fetch_add(1, Ordering::Relaxed);
    // Pillar serves plain HTTP on loopback; over the network a TLS terminator in front of it
    // says so with `X-Forwarded-Proto: https`, and then every cookie is Secure and browsers
    // are told to keep to HTTPS.
    let tls = req
        .headers()
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if tls {
        let cookies: Vec<HeaderValue> = h
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|c| c.to_str().ok())
            .filter_map(|c| format!("{c}; Secure").parse().ok())
            .collect();
        h.remove(header::SET_COOKIE);
        for c in cookies {
            h.append(header::SET_COOKIE, c);
        }
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let counter = match res.status().as_u16() {
        200..=299 => &state.metrics.status_2xx,
        300..=399 => &state.metrics.status_3xx,
        400..=499 => &state.metrics.status_4xx,
        _ => &state.metrics.status_5xx,
    };
    counter.fetch_add(1, Ordering::Relaxed);
    res
}

/// `GET /healthz`: whether the database answers.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "ok"), (status = 503, description = "the database is unavailable")),
    security(()))]
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))),
        Err(e) => {
            tracing::error!("health check failed: {e}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable"})),
            )
        }
    }
}

/// `GET /metrics`: request and response counters in Prometheus's text format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "text exposition format", content_type = "text/plain")),
    security(()))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let m = &state.metrics;
    let body = format!(
        "# HELP pillar_http_requests_total HTTP requests received.\n# TYPE pillar_http_requests_total counter\npillar_http_requests_total {}\n\
         # HELP pillar_http_responses_total HTTP responses by status class.\n# TYPE pillar_http_responses_total counter\n\
         pillar_http_responses_total{{class=\"2xx\"}} {}\npillar_http_responses_total{{class=\"3xx\"}} {}\n\
         pillar_http_responses_total{{class=\"4xx\"}} {}\npillar_http_responses_total{{class=\"5xx\"}} {}\n",
        m.requests.load(Ordering::Relaxed),
        m.status_2xx.load(Ordering::Relaxed),
        m.status_3xx.load(Ordering::Relaxed),
        m.status_4xx.load(Ordering::Relaxed),
        m.status_5xx.load(Ordering::Relaxed),
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

/// Declares every route once: the router is built from this list, and so is [`ROUTES`], which
/// the tests walk (a new route is covered by them automatically).
macro_rules! routes {
    ($($path:literal [$($method:literal),+] => $handler:expr,)*) => {
        /// Every route: (method, path pattern).
        pub const ROUTES: &[(&str, &str)] = &[$($(($method, $path)),+),*];

        fn add_routes(router: Router<AppState>) -> Router<AppState> {
            router$(.route($path, $handler))*
        }
    };
}

routes! {
    "/" ["GET"] => get(portfolio::home),
    "/portfolio" ["GET"] => get(portfolio::portfolio),
    "/portfolio/csv/{chart}" ["GET"] => get(portfolio::portfolio_csv),
    "/projects/{id}" ["GET"] => get(portfolio::project),
    "/projects/{id}/assess" ["GET"] => get(portfolio::assess_form),
    "/projects/{id}/assessments" ["POST"] => post(portfolio::assess),
    "/api/projects" ["GET"] => get(portfolio::api_projects),
    "/api/projects/{id}" ["GET"] => get(portfolio::api_project),
    "/api/portfolio" ["GET"] => get(portfolio::api_portfolio),
    "/committee" ["GET"] => get(committee::index),
    "/committee/meetings" ["POST"] => post(committee::create_meeting),
    "/committee/meetings/new" ["GET"] => get(committee::new_meeting),
    "/committee/meetings/{id}" ["GET", "POST"] => get(committee::minutes).post(committee::edit_meeting),
    "/committee/meetings/{id}/items" ["POST"] => post(committee::add_item),
    "/committee/meetings/{id}/actions/{action}/status" ["POST"] => post(committee::action_status),
    "/committee/import" ["POST"] => post(committee::import).layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD + MAX_BODY)),
    "/api/meetings" ["GET", "POST"] => get(committee::api_meetings).post(committee::api_create_meeting),
    "/api/meetings/import" ["POST"] => post(committee::api_import_meetings),
    "/api/meetings/{id}" ["GET", "PUT"] => get(committee::api_meeting).put(committee::api_edit_meeting),
    "/api/meetings/{id}/items" ["POST"] => post(committee::api_add_item),
    "/api/meetings/{id}/actions/{action}/status" ["POST"] => post(committee::api_action_status),
    "/api/actions" ["GET"] => get(committee::api_actions),
    "/supply" ["GET"] => get(supply::index),
    "/supply/{id}" ["GET"] => get(supply::network),
    "/supply/{id}/items/{item}" ["GET"] => get(supply::item),
    "/api/supply" ["GET"] => get(supply::api_list),
    "/api/supply/{id}" ["GET"] => get(supply::api_one),
    "/landscape" ["GET"] => get(landscape::index),
    "/landscape/methodology" ["GET"] => get(landscape::methodology),
    "/landscape/{id}" ["GET"] => get(landscape::analysis),
    "/landscape/{id}/areas/{area}" ["GET"] => get(landscape::area),
    "/api/landscapes" ["GET"] => get(landscape::api_list),
    "/api/landscapes/{id}" ["GET"] => get(landscape::api_one),
    "/login" ["GET", "POST"] => get(pages::login_form).post(pages::login),
    "/logout" ["POST"] => post(pages::logout),
    "/agreements" ["GET"] => get(pages::agreements),
    "/agreements/{id}" ["GET"] => get(pages::agreement),
    "/registry/{kind}" ["GET"] => get(pages::registry_list),
    "/registry/{kind}/{id}" ["GET"] => get(pages::registry_item),
    "/api/registry/{kind}" ["GET"] => get(pages::api_registry_list),
    "/api/registry/{kind}/{id}" ["GET"] => get(pages::api_registry_item),
    "/api/agreements" ["GET"] => get(pages::api_agreements),
    "/api/agreements/{id}" ["GET"] => get(pages::api_agreement),
    "/api/tokens" ["GET", "POST"] => get(pages::api_tokens).post(pages::api_create_token),
    "/api/tokens/{id}" ["DELETE"] => delete(pages::api_revoke_token),
    "/documents" ["GET", "POST"] => get(documents::list).post(documents::upload).layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD + MAX_BODY)),
    "/documents/{id}" ["GET"] => get(documents::show),
    "/documents/{id}/download" ["GET"] => get(documents::download),
    "/documents/{id}/tdf" ["GET"] => get(tdf::download),
    "/kas.AccessService/PublicKey" ["POST"] => post(kas::public_key),
    "/kas.AccessService/Rewrap" ["POST"] => post(kas::rewrap),
    "/.well-known/opentdf-configuration" ["GET"] => get(kas::well_known),
    "/oauth/token" ["POST"] => post(kas::token),
    "/documents/{id}/label" ["POST"] => post(documents::relabel),
    "/labels/preview" ["GET"] => get(picker::preview),
    "/documents/{id}/withdraw" ["POST"] => post(documents::withdraw),
    "/documents/{id}/versions" ["POST"] => post(documents::new_version).layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD + MAX_BODY)),
    "/api/documents" ["GET"] => get(documents::api_list),
    "/tokens" ["GET", "POST"] => get(pages::tokens_page).post(pages::tokens_create),
    "/tokens/{id}/revoke" ["POST"] => post(pages::tokens_revoke),
    "/audit" ["GET"] => get(pages::audit_page),
    "/api/openapi.json" ["GET"] => get(api::openapi),
    "/static/pillar.css" ["GET"] => get(pages::css),
    "/static/pillar.js" ["GET"] => get(pages::js),
    "/static/classifications.css" ["GET"] => get(pages::classification_css),
    "/static/favicon.svg" ["GET"] => get(pages::favicon),
    "/favicon.ico" ["GET"] => get(pages::favicon),
    "/healthz" ["GET"] => get(healthz),
    "/metrics" ["GET"] => get(metrics),
}

/// Builds the router.
pub fn router(state: AppState) -> Router {
    add_routes(Router::new())
        // A path no route serves: under /api/ the API's JSON 404, elsewhere the "not found"
        // page in the reader's language.
        .fallback(|uri: axum::http::Uri| async move {
            if uri.path().starts_with("/api/") {
                request::ApiError::NotFound.into_response()
            } else {
                request::PageError::NotFound.into_response()
            }
        })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request::language,
        ))
        .layer(middleware::from_fn(refuse_nul))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` resolves, then finishes the requests in flight and closes the
/// database.
pub async fn serve(
    state: AppState,
    listen: SocketAddr,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Err(e) = state.store.analyze().await {
        tracing::warn!("ANALYZE at start failed: {e}");
    }
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!("Pillar listening on http://{}", listener.local_addr()?);
    let store = state.store.clone();
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}
