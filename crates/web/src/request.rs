//! The request as handler arguments: who asks (a signed-in reader of pages, a caller of the
//! JSON API), in which language, and the errors a handler returns — each rendered once, as a
//! page in the reader's language or as JSON.

use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde_json::json;

use crate::auth::cookie;
use crate::i18n::Key;
use crate::i18n::Lang;
use crate::{viewer, AppState, ServerError, Viewer};

/// The language of a request: `?lang=` (which the [`language`] middleware also remembers in a
/// cookie), else the `pillar_lang` cookie, else the first language of `Accept-Language` that
/// Pillar speaks, else English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Language(pub Lang);

impl Language {
    fn of(parts: &Parts) -> (Lang, bool) {
        let asked = parts.uri.query().and_then(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == "lang")
                .map(|(_, v)| v.to_string())
        });
        if let Some(l) = asked {
            return (Lang::parse(Some(&l)), true);
        }
        let cookies = parts
            .headers
            .get(header::COOKIE)
            .and_then(|h| h.to_str().ok());
        if let Some(l) = cookie(cookies, "pillar_lang") {
            return (Lang::parse(Some(l)), false);
        }
        let accepted = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        for tag in accepted.split(',') {
            let tag = tag
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if tag.starts_with("ko") {
                return (Lang::Ko, false);
            }
            if tag.starts_with("en") {
                return (Lang::En, false);
            }
        }
        (Lang::En, false)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Language {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Language>()
            .copied()
            .unwrap_or_else(|| Language(Language::of(parts).0)))
    }
}

/// Works out each request's [`Language`] once, remembers a `?lang=` choice in a cookie, and
/// renders the [`PageError`]s handlers return as pages in that language.
pub async fn language(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = req.into_parts();
    let (lang, asked) = Language::of(&parts);
    parts.extensions.insert(Language(lang));
    let headers = parts.headers.clone();
    let mut res = next.run(Request::from_parts(parts, body)).await;
    if let Some(PageErrorBody(message)) = res.extensions_mut().remove::<PageErrorBody>() {
        let status = res.status();
        let title = message.unwrap_or_else(|| lang.t(Key::NotFound).to_string());
        // A signed-in reader keeps the navigation, under the banner of a page showing nothing
        // (the lowest classification of their policy); anyone else gets the bare page.
        let page = match viewer(&state, &headers).await {
            Ok(Some(v)) => crate::pages::error_page(&state, &v, lang, &title).await,
            _ => crate::pages::bare_page(lang, &title),
        };
        res = (status, page).into_response();
    }
    if asked {
        let c = format!(
            "pillar_lang={}; Path=/; SameSite=Strict; Max-Age=31536000",
            lang.tag()
        );
        if let Ok(v) = HeaderValue::from_str(&c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// A signed-in person reading pages. Without a session the handler is not called: the
/// reader is sent to sign in.
pub struct Signed(pub Viewer);

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match viewer(state, &parts.headers).await {
            Ok(Some(v)) => Ok(Signed(v)),
            Ok(None) => Err(Redirect::to("/login").into_response()),
            Err(e) => Err(e.into_response()),
        }
    }
}

/// A signed-in person's URL-encoded form, carrying the session's CSRF token in its `csrf`
/// field: without a session the person is sent to sign in; without the token, a 403. The
/// handler gets the person and the form's fields.
pub struct SignedForm(pub Viewer, pub HashMap<String, String>);

impl FromRequest<AppState> for SignedForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let Signed(v) = Signed::from_request_parts(&mut parts, state).await?;
        let Form(form) =
            Form::<HashMap<String, String>>::from_request(Request::from_parts(parts, body), state)
                .await
                .map_err(IntoResponse::into_response)?;
        if !v.form_csrf_ok(form.get("csrf").map(String::as_str)) {
            return Err((StatusCode::FORBIDDEN, "missing or wrong CSRF token").into_response());
        }
        Ok(SignedForm(v, form))
    }
}

/// A caller of the JSON API: a bearer token or a session. Without one, a JSON 401.
pub struct Caller(pub Viewer);

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match viewer(state, &parts.headers).await {
            Ok(Some(v)) => Ok(Caller(v)),
            Ok(None) => Err(ApiError::Unauthorized.into_response()),
            Err(e) => Err(e.into_response()),
        }
    }
}

/// A caller of a state-changing API call: a [`Caller`] who, with a browser session, also
/// sends its CSRF token in `X-CSRF-Token` (bearer tokens are not sent by browsers on their own
/// and need none). Otherwise a JSON 401 or 403.
pub struct Writer(pub Viewer);

impl FromRequestParts<AppState> for Writer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Caller(v) = Caller::from_request_parts(parts, state).await?;
        let sent = parts
            .headers
            .get("x-csrf-token")
            .and_then(|h| h.to_str().ok());
        let ok = match (&v.csrf, sent) {
            (None, _) => true,
            (Some(c), Some(s)) => crate::auth::same(s, c),
            (Some(_), None) => false,
        };
        if ok {
            Ok(Writer(v))
        } else {
            Err(ApiError::Forbidden("missing or wrong CSRF token".into()).into_response())
        }
    }
}

/// What a JSON API handler fails with, as `{"error": …}`. A hidden object and one that does
/// not exist are the same [`ApiError::NotFound`].
#[derive(Debug)]
pub enum ApiError {
    /// No such object, or not one the caller may read.
    NotFound,
    /// Not signed in and no bearer token.
    Unauthorized,
    /// The caller may read it but not do this.
    Forbidden(String),
    /// The request is wrong: what is wrong.
    BadRequest(String),
    /// The server failed (logged in full, shown bare).
    Internal(ServerError),
}

impl<E: Into<ServerError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError::Internal(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not found".to_string()),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "sign in or give a bearer token".to_string(),
            ),
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, m),
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            ApiError::Internal(e) => return e.into_response(),
        };
        (status, Json(json!({ "error": message }))).into_response()
    }
}

/// What a page handler fails with: rendered as a page in the reader's language by the
/// [`language`] middleware.
#[derive(Debug)]
pub enum PageError {
    /// No such object, or not one the reader may read (the same page for both).
    NotFound,
    /// The reader may see it but not do this: why.
    Forbidden(String),
    /// The request is wrong: what is wrong (the field named).
    BadRequest(String),
    /// The record's state forbids the change (a withdrawn document): why.
    Conflict(String),
    /// The server failed (logged in full, shown bare).
    Internal(ServerError),
}

impl<E: Into<ServerError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError::Internal(e.into())
    }
}

/// The message of a [`PageError`] page, for the [`language`] middleware (`None`: "not found").
#[derive(Clone)]
struct PageErrorBody(Option<String>);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            PageError::NotFound => (StatusCode::NOT_FOUND, None),
            PageError::Forbidden(m) => (StatusCode::FORBIDDEN, Some(m)),
            PageError::BadRequest(m) => (StatusCode::BAD_REQUEST, Some(m)),
            PageError::Conflict(m) => (StatusCode::CONFLICT, Some(m)),
            PageError::Internal(e) => return e.into_response(),
        };
        let mut res = status.into_response();
        res.extensions_mut().insert(PageErrorBody(message));
        res
    }
}

/// A JSON request body of type `T`: one that does not parse is a JSON 400 naming the line,
/// column and what is wrong (`request body:1:17: unknown field `titel``).
pub struct Body<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        serde_json::from_slice(&bytes).map(Body).map_err(|e| {
            ApiError::BadRequest(format!("request body:{}:{}: {e}", e.line(), e.column()))
                .into_response()
        })
    }
}

/// The page of a list an API call asks for (`?limit=`, `?offset=`, see [`crate::api::Paging`]),
/// with the call's path and other parameters, from which the next page's link is made. A limit
/// or offset that is not a number in range is a JSON 400 naming it.
#[derive(Debug, Clone)]
pub struct Paged {
    /// The most items a page holds.
    pub limit: usize,
    /// How many to skip.
    pub offset: usize,
    path: String,
    /// The query's other parameters, in order.
    rest: Vec<(String, String)>,
}

impl<S: Send + Sync> FromRequestParts<S> for Paged {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(parts.uri.query().unwrap_or(""))
                .map_err(|e| ApiError::BadRequest(format!("the query: {e}")).into_response())?;
        let number = |name: &str, low: usize, high: usize, default: usize| match pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
        {
            None => Ok(default),
            Some((_, v)) => v
                .parse::<usize>()
                .ok()
                .filter(|n| (low..=high).contains(n))
                .ok_or_else(|| {
                    format!("query `{name}`: `{v}` is not a whole number from {low} to {high}")
                }),
        };
        let refuse = |m: String| ApiError::BadRequest(m).into_response();
        let limit =
            number("limit", 1, crate::api::MAX_LIMIT, crate::api::DEFAULT_LIMIT).map_err(refuse)?;
        let offset = number("offset", 0, usize::MAX >> 1, 0).map_err(refuse)?;
        Ok(Paged {
            limit,
            offset,
            path: parts.uri.path().to_string(),
            rest: pairs
                .into_iter()
                .filter(|(k, _)| k != "limit" && k != "offset")
                .collect(),
        })
    }
}

impl Paged {
    /// This page of `items` (the whole list the caller may read) and where it is.
    pub fn slice<T>(&self, items: Vec<T>) -> (Vec<T>, crate::api::Window) {
        let total = items.len();
        let page: Vec<T> = items
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .collect();
        (page, self.window(total))
    }

    /// Where this page is in a list of `total` items.
    fn window(&self, total: usize) -> crate::api::Window {
        let next_offset = self.offset.saturating_add(self.limit);
        let next = (next_offset < total).then(|| {
            let mut pairs = self.rest.clone();
            pairs.push(("limit".into(), self.limit.to_string()));
            pairs.push(("offset".into(), next_offset.to_string()));
            let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            format!("{}?{query}", self.path)
        });
        crate::api::Window {
            total,
            offset: self.offset,
            limit: self.limit,
            next,
        }
    }
}
