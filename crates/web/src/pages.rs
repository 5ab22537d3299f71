//! Pages and JSON endpoints. Every list is what the store returned for the viewer's
//! entitlements; an object outside them is 404, like one that does not exist.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use pillar_core::RegistryKind;
use pillar_label::{Dominance, Label};
use pillar_store::RegistryRow;
use serde::Deserialize;
use serde_json::json;

use crate::auth::{cookie, new_secret, same, secret_hash, verify_password, MAX_FAILURES, WINDOW};
use crate::i18n::Key;
use crate::i18n::Lang;
use crate::request::{ApiError, Caller, Language, PageError, Signed, SignedForm, Writer};
use crate::{lang_of, now, time_text, AppState, ServerError, Viewer, SESSION_HOURS};
use pillar_store::audit::{AuditEvent, Audited};

pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The banner of a page: the dominant label of the labels shown, in the viewer's policy and
/// language, with the classification's colour.
pub(crate) async fn banner(
    state: &AppState,
    viewer: &Viewer,
    labels: &[&Label],
    lang: Lang,
) -> (String, String) {
    let Ok(set) = state.policies().await else {
        return ("?".into(), String::new());
    };
    let governing = viewer
        .person
        .clearance
        .as_ref()
        .and_then(|c| set.resolve_clearance(c).ok())
        .map(|c| c.policy);
    let resolved: Vec<_> = labels.iter().filter_map(|l| set.resolve(l).ok()).collect();
    let colour = |r: &pillar_label::Resolved| class_css(r.policy, r.class);
    if resolved.is_empty() {
        // Nothing shown: the lowest classification of the viewer's policy.
        let p = set.policy(governing.unwrap_or(0));
        let low = p.classifications.iter().min_by_key(|c| c.hierarchy);
        let text = low
            .map(|c| {
                let r = pillar_label::Resolved {
                    policy: governing.unwrap_or(0),
                    class: c.lacv,
                    cats: vec![],
                };
                set.banner(&r, lang.tag())
            })
            .unwrap_or_default();
        return (
            text,
            low.map(|c| class_css(governing.unwrap_or(0), c.lacv))
                .unwrap_or_default(),
        );
    }
    match set.dominant(&resolved, governing) {
        Dominance::Ok(d) => (set.banner(&d, lang.tag()), colour(&d)),
        Dominance::PolicyDecisionRequired {
            computed: Some(d), ..
        } => (
            format!("{} ({})", set.banner(&d, lang.tag()), lang.t(Key::Decision)),
            colour(&d),
        ),
        Dominance::PolicyDecisionRequired { computed: None, .. } => {
            (lang.t(Key::Decision).to_string(), String::new())
        }
    }
}

pub(crate) fn page(
    lang: Lang,
    banner: &(String, String),
    who: Option<(&Viewer, &str)>,
    title: &str,
    body: &str,
) -> Html<String> {
    let (text, colour) = banner;
    let other = match lang {
        Lang::En => "ko",
        Lang::Ko => "en",
    };
    let nav = match who {
        Some((v, csrf)) => format!(
            "<nav><a href=\"/\">{}</a> <a href=\"/portfolio\">{}</a> <a href=\"/committee\">{}</a> <a href=\"/supply\">{}</a> <a href=\"/landscape\">{}</a> <a href=\"/agreements\">{}</a> <a href=\"/registry/nations\">{}</a> <a href=\"/registry/organisations\">{}</a> <a href=\"/registry/people\">{}</a> <a href=\"/registry/tech-areas\">{}</a> <a href=\"/documents\">{}</a> <a href=\"/tokens\">{}</a>{} <span>{} {}</span> <form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><button>{}</button></form> <a href=\"?lang={other}\">{}</a></nav>",
            lang.t(Key::ReadinessView),
            lang.t(Key::Portfolio),
            lang.t(Key::Committee),
            lang.t(Key::Supply),
            lang.t(Key::Landscape),
            lang.t(Key::Agreements),
            kind_title(RegistryKind::Nations, lang),
            kind_title(RegistryKind::Organisations, lang),
            kind_title(RegistryKind::People, lang),
            kind_title(RegistryKind::TechAreas, lang),
            lang.t(Key::Documents),
            lang.t(Key::Tokens),
            if pillar_store::access::is_administrator(&v.person) {
                format!(" <a href=\"/audit\">{}</a>", lang.t(Key::Audit))
            } else {
                String::new()
            },
            lang.t(Key::SignedInAs),
            esc(&v.person.id),
            esc(csrf),
            lang.t(Key::SignOut),
            lang.t(Key::Language)
        ),
        None => format!("<nav><a href=\"?lang={other}\">{}</a></nav>", lang.t(Key::Language)),
    };
    let banner = format!(
        "<div class=\"banner {}\" role=\"note\">{}</div>",
        esc(colour),
        esc(text)
    );
    Html(format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{} – Pillar</title><link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\"><link rel=\"stylesheet\" href=\"/static/pillar.css\"><link rel=\"stylesheet\" href=\"/static/classifications.css\"><script src=\"/static/pillar.js\" defer></script></head><body>{banner}<header>{nav}</header><main><h1>{}</h1>{body}</main>{banner}</body></html>",
        lang.tag(),
        esc(title),
        esc(title)
    ))
}

/// A page for a signed-in reader (navigation with their sign-out form), with the language cookie
/// when the language was just chosen.
pub(crate) fn viewer_page(
    lang: Lang,
    banner: &(String, String),
    v: &Viewer,
    title: &str,
    body: &str,
) -> Response {
    let csrf = v.csrf.clone().unwrap_or_default();
    page(lang, banner, Some((v, &csrf)), title, body).into_response()
}

pub(crate) fn with_cookie(mut res: Response, cookie: Option<String>) -> Response {
    if let Some(c) = cookie {
        if let Ok(v) = c.parse() {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// The CSS class of a classification's banner colour.
fn class_css(policy: usize, lacv: i64) -> String {
    format!("cls-{policy}-{lacv}")
}

/// A colour from a SPIF, if it is a plain CSS colour (`#hex` or a name); anything else is
/// dropped rather than written into a style sheet.
fn safe_colour(c: &str) -> Option<&str> {
    let ok = (c.starts_with('#') && c.len() <= 9 && c[1..].chars().all(|x| x.is_ascii_hexdigit()))
        || (!c.is_empty() && c.len() <= 20 && c.chars().all(|x| x.is_ascii_alphabetic()));
    ok.then_some(c)
}

/// Banner colours of every classification, from the SPIFs (a style sheet, since the content
/// security policy forbids inline styles).
pub async fn classification_css(State(state): State<AppState>) -> Result<Response, ServerError> {
    let set = state.policies().await?;
    let mut css = String::new();
    for (i, p) in set.policies().iter().enumerate() {
        for c in &p.classifications {
            if let Some(colour) = c.color.as_deref().and_then(safe_colour) {
                css.push_str(&format!(
                    ".{} {{ background: {colour}; }}\n",
                    class_css(i, c.lacv)
                ));
            }
        }
    }
    Ok(([(header::CONTENT_TYPE, "text/css")], css).into_response())
}

/// The site icon (three pillars); browsers ask for one on every site, and a missing one is an
/// error in their console.
pub async fn favicon() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "image/svg+xml")],
        include_str!("favicon.svg"),
    )
}

pub async fn js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript")],
        include_str!("pillar.js"),
    )
}

/// Creates an API token for `person` (audited); returns its id and its secret, shown once.
async fn issue_token(
    state: &AppState,
    person: &str,
    name: &str,
) -> Result<(String, String), ServerError> {
    let secret = new_secret();
    let id = new_secret()[..16].to_string();
    let at = now();
    let entry = AuditEvent::new(person, "admin", &format!("token:{id}"), "create", name);
    state
        .store
        .create_token(
            &id,
            person,
            name,
            &secret_hash(&secret),
            &Audited {
                at: &at,
                event: &entry,
            },
        )
        .await?;
    Ok((id, secret))
}

/// Revokes one of `person`'s tokens (audited); false when they have no such live token.
async fn withdraw_token(state: &AppState, person: &str, id: &str) -> Result<bool, ServerError> {
    let at = now();
    let entry = AuditEvent::new(person, "admin", &format!("token:{id}"), "revoke", "");
    Ok(state
        .store
        .revoke_token(
            person,
            id,
            &Audited {
                at: &at,
                event: &entry,
            },
        )
        .await?)
}

/// The API tokens page: list, create (the secret is shown once), revoke.
pub async fn tokens_page(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
) -> Result<Response, PageError> {
    let csrf = v.csrf.clone().unwrap_or_default();
    let mut rows = String::new();
    for t in state.store.tokens(&v.person.id).await? {
        let action = match &t.revoked_at {
            Some(at) => format!("{} {}", lang.t(Key::Revoked), esc(at)),
            None => format!(
                "<form method=\"post\" action=\"/tokens/{}/revoke\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><button>{}</button></form>",
                esc(&t.id),
                esc(&csrf),
                lang.t(Key::Revoke)
            ),
        };
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{action}</td></tr>",
            esc(&t.id),
            esc(&t.name),
            esc(&t.created_at)
        ));
    }
    let body = format!(
        "<table><thead><tr><th>id</th><th>{name}</th><th>{created}</th><th></th></tr></thead><tbody>{rows}</tbody></table>\
         <form method=\"post\" action=\"/tokens\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><label>{name}<input name=\"name\" required></label><button>{create}</button></form>",
        esc(&csrf),
        name = lang.t(Key::TokenName),
        created = lang.t(Key::Created),
        create = lang.t(Key::CreateToken),
    );
    let banner = banner(&state, &v, &[], lang).await;
    Ok(viewer_page(lang, &banner, &v, lang.t(Key::Tokens), &body))
}

/// Creates a token from the page; its secret is shown once.
pub async fn tokens_create(
    State(state): State<AppState>,
    Language(lang): Language,
    SignedForm(v, form): SignedForm,
) -> Result<Response, ServerError> {
    let Some(name) = form.get("name") else {
        return Ok(bad_request("field `name`: required"));
    };
    let (_, secret) = issue_token(&state, &v.person.id, name).await?;
    let csrf = v.csrf.clone().unwrap_or_default();
    let body = format!(
        "<p role=\"status\">{}</p><p><code>{}</code></p><p><a href=\"/tokens\">{}</a></p>",
        lang.t(Key::TokenOnce),
        esc(&secret),
        lang.t(Key::Tokens)
    );
    let banner = banner(&state, &v, &[], lang).await;
    Ok((
        StatusCode::CREATED,
        page(lang, &banner, Some((&v, &csrf)), lang.t(Key::Tokens), &body),
    )
        .into_response())
}

/// Revokes a token from the page.
pub async fn tokens_revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm(v, _): SignedForm,
) -> Result<Response, PageError> {
    // Someone else's token, or one already revoked, is not found: as for the API.
    if !withdraw_token(&state, &v.person.id, &id).await? {
        return Err(PageError::NotFound);
    }
    Ok(Redirect::to("/tokens").into_response())
}

pub async fn css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css")],
        include_str!("pillar.css"),
    )
}

/// The modules later issues fill (committee, supply chain, landscape): a page that says so.
pub async fn not_built(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
) -> Result<Response, PageError> {
    let banner = banner(&state, &v, &[], lang).await;
    let body = format!("<p class=\"note\">{}</p>", lang.t(Key::NotBuilt));
    Ok(viewer_page(lang, &banner, &v, lang.t(Key::NotBuilt), &body))
}

pub async fn login_form(Language(lang): Language) -> Response {
    login_page(lang, None, None)
}

fn login_page(lang: Lang, error: Option<&str>, set_lang: Option<String>) -> Response {
    let csrf = new_secret();
    let err = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", esc(e)))
        .unwrap_or_default();
    let body = format!(
        "{err}<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><label>{}<input name=\"user\" autocomplete=\"username\" required autofocus></label><label>{}<input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label><button>{}</button></form>",
        lang.t(Key::User),
        lang.t(Key::Password),
        lang.t(Key::SignIn)
    );
    let html = page(
        lang,
        &(String::new(), String::new()),
        None,
        lang.t(Key::SignIn),
        &body,
    );
    let mut res = (
        if error.is_some() {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::OK
        },
        html,
    )
        .into_response();
    res = with_cookie(
        res,
        Some(format!(
            "pillar_login_csrf={csrf}; Path=/login; HttpOnly; SameSite=Strict"
        )),
    );
    with_cookie(res, set_lang)
}

#[derive(Deserialize)]
pub struct LoginForm {
    csrf: String,
    user: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, ServerError> {
    let lang = lang_of(&headers);
    let cookies = headers.get(header::COOKIE).and_then(|h| h.to_str().ok());
    // Double-submit CSRF check for the sign-in form (there is no session yet).
    if !cookie(cookies, "pillar_login_csrf").is_some_and(|c| same(c, &form.csrf)) {
        return Ok((StatusCode::FORBIDDEN, "missing or wrong CSRF token").into_response());
    }
    let client = state.client_address(addr.ip(), &headers);
    let user_key = format!("user:{}", form.user);
    let addr_key = format!("addr:{client}");
    // The attempt is counted before the password is checked (and taken back on success).
    let window = chrono::Duration::from_std(WINDOW).expect("the window fits");
    let expired = time_text(chrono::Utc::now() - window);
    let allowed = state
        .store
        .count_login_attempt(&[&user_key, &addr_key], &now(), &expired, MAX_FAILURES)
        .await?;
    if !allowed {
        state
            .audit(
                &form.user,
                "login",
                "session",
                None,
                "throttled",
                &client.to_string(),
            )
            .await;
        return Ok(login_page(lang, Some(lang.t(Key::Throttled)), None));
    }
    let stored = state.store.password_hash(&form.user).await?;
    if !verify_password(&form.password, stored.as_deref()) {
        state
            .audit(
                &form.user,
                "login",
                "session",
                None,
                "deny",
                &client.to_string(),
            )
            .await;
        return Ok(login_page(lang, Some(lang.t(Key::BadLogin)), None));
    }
    state.store.login_succeeded(&user_key, &[&addr_key]).await?;
    let secret = new_secret();
    let expires = time_text(chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS));
    let at = now();
    let entry = AuditEvent::new(&form.user, "login", "session", "allow", &client.to_string());
    state
        .store
        .create_session(
            &secret_hash(&secret),
            &form.user,
            &new_secret(),
            &expires,
            &Audited {
                at: &at,
                event: &entry,
            },
        )
        .await?;
    let res = Redirect::to("/").into_response();
    Ok(with_cookie(
        res,
        Some(format!(
            "pillar_session={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
            SESSION_HOURS * 3600
        )),
    ))
}

pub async fn logout(
    State(state): State<AppState>,
    SignedForm(v, _): SignedForm,
) -> Result<Response, ServerError> {
    let at = now();
    let entry = AuditEvent::new(&v.person.id, "logout", "session", "ok", "");
    let audited = Audited {
        at: &at,
        event: &entry,
    };
    match &v.session {
        Some(s) => state.store.delete_session(s, &audited).await?,
        None => {
            state.store.audit(audited.at, audited.event).await?;
        }
    }
    Ok(with_cookie(
        Redirect::to("/login").into_response(),
        Some("pillar_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0".into()),
    ))
}

/// Where a record comes from, as one line in the reader's language: the originating
/// organisation (named only when the reader may see it), nation, whether it is the committee's
/// own, and the named stewards the reader may see.
pub(crate) async fn origin_line(
    state: &AppState,
    v: &Viewer,
    lang: Lang,
    origin: &pillar_core::stewardship::Origin,
) -> Result<String, ServerError> {
    let shown = state.store.reader(&v.readable).shown_origin(origin).await?;
    let nation = if origin.is_whole_committee() {
        lang.t(Key::TheCommittee).to_string()
    } else {
        esc(shown.nation.as_str())
    };
    let mut line = match &shown.organisation {
        Some(org) => format!(
            "<a href=\"/registry/organisations/{}\">{}</a> ({nation})",
            esc(&org.id),
            esc(&org.name)
        ),
        None => nation,
    };
    if shown.committee {
        line.push_str(&format!(" · {}", lang.t(Key::CommitteeOwn)));
    }
    if !shown.stewards.is_empty() {
        let names: Vec<String> = shown
            .stewards
            .iter()
            .map(|s| format!("<a href=\"/registry/people/{0}\">{0}</a>", esc(s)))
            .collect();
        line.push_str(&format!(
            " · {}: {}",
            lang.t(Key::Stewards),
            names.join(", ")
        ));
    }
    Ok(format!(
        "<p class=\"origin\"><strong>{}:</strong> {line}</p>",
        lang.t(Key::OriginatedBy)
    ))
}

async fn visible_rows(
    state: &AppState,
    v: &Viewer,
    kind: RegistryKind,
) -> Result<Vec<RegistryRow>, ServerError> {
    Ok(state.store.reader(&v.readable).export(kind).await?)
}

fn kind_of(name: &str) -> Option<RegistryKind> {
    name.parse().ok()
}

fn kind_title(kind: RegistryKind, lang: Lang) -> &'static str {
    match (kind, lang) {
        (RegistryKind::Nations, Lang::En) => "Nations",
        (RegistryKind::Nations, Lang::Ko) => "국가",
        (RegistryKind::Organisations, Lang::En) => "Organisations",
        (RegistryKind::Organisations, Lang::Ko) => "기관",
        (RegistryKind::People, Lang::En) => "People",
        (RegistryKind::People, Lang::Ko) => "인원",
        (RegistryKind::TechAreas, Lang::En) => "Technology areas",
        (RegistryKind::TechAreas, Lang::Ko) => "기술 분야",
        (RegistryKind::Agreements, Lang::En) => "Agreements",
        (RegistryKind::Agreements, Lang::Ko) => "협정",
    }
}

/// A registry list page: every visible row of a kind, with its portion marking.
pub async fn registry_list(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
    Path(kind): Path<String>,
) -> Result<Response, PageError> {
    let Some(kind) = kind_of(&kind) else {
        return Err(PageError::NotFound);
    };
    let rows = visible_rows(&state, &v, kind).await?;
    let set = state.policies().await?;
    let labels: Vec<&Label> = rows.iter().map(|r| r.label()).collect();
    let banner = banner(&state, &v, &labels, lang).await;
    let columns: Vec<&str> = kind
        .columns()
        .iter()
        .copied()
        .filter(|c| *c != "label" && *c != "clearance")
        .collect();
    let mut body = format!(
        "<p>{} {}</p><table><thead><tr><th>{}</th>",
        rows.len(),
        lang.t(Key::Count),
        lang.t(Key::Marking)
    );
    for c in &columns {
        body.push_str(&format!("<th>{}</th>", esc(c)));
    }
    body.push_str("</tr></thead><tbody>");
    for r in &rows {
        let record = r.to_record();
        let portion = set
            .resolve(r.label())
            .map(|x| set.portion(&x, lang.tag()))
            .unwrap_or_default();
        body.push_str(&format!("<tr><td>{}</td>", esc(&portion)));
        for (i, c) in columns.iter().enumerate() {
            let value = record.get(c).unwrap_or("");
            if i == 0 {
                body.push_str(&format!(
                    "<td><a href=\"/registry/{}/{}\">{}</a></td>",
                    kind.name(),
                    esc(value),
                    esc(value)
                ));
            } else {
                body.push_str(&format!("<td>{}</td>", esc(value)));
            }
        }
        body.push_str("</tr>");
    }
    body.push_str("</tbody></table>");
    Ok(viewer_page(
        lang,
        &banner,
        &v,
        kind_title(kind, lang),
        &body,
    ))
}

/// A registry item page; 404 when the row does not exist or may not be read.
pub async fn registry_item(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
    Path((kind, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let Some(kind) = kind_of(&kind) else {
        return Err(PageError::NotFound);
    };
    let object = format!("{}:{id}", kind.name());
    let found = state.store.reader(&v.readable).registry_row(kind, &id);
    let Some(row) = state.read(&v, &object, "", found).await? else {
        return Err(PageError::NotFound);
    };
    let banner = banner(&state, &v, &[row.label()], lang).await;
    let record = row.to_record();
    let mut body = match state
        .store
        .reader(&v.readable)
        .origin_of(kind.into(), &id)
        .await?
    {
        Some(o) => origin_line(&state, &v, lang, &o).await?,
        None => String::new(),
    };
    body.push_str("<dl>");
    for c in kind
        .columns()
        .iter()
        .filter(|c| **c != "label" && **c != "clearance")
    {
        body.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>",
            esc(c),
            esc(record.get(c).unwrap_or(""))
        ));
    }
    body.push_str("</dl>");
    Ok(viewer_page(lang, &banner, &v, row.id(), &body))
}

/// A person's clearance is personnel-security data (`pillar_store::access`).
fn redact(v: &Viewer, rows: Vec<RegistryRow>) -> Vec<RegistryRow> {
    pillar_store::access::redact_clearances(&v.person, rows)
}

/// The JSON list of a kind: visible rows only, with the dominant marking.
pub async fn api_registry_list(
    State(state): State<AppState>,
    Caller(v): Caller,
    Path(kind): Path<String>,
) -> Result<Response, ApiError> {
    let Some(kind) = kind_of(&kind) else {
        return Ok((StatusCode::NOT_FOUND, Json(json!({"error": "not found"}))).into_response());
    };
    let rows = redact(&v, visible_rows(&state, &v, kind).await?);
    let labels: Vec<&Label> = rows.iter().map(|r| r.label()).collect();
    let (marking, _) = banner(&state, &v, &labels, Lang::En).await;
    state
        .audit(
            &v.person.id,
            "export",
            kind.name(),
            None,
            "allow",
            // No count: an administrator of lower clearance reads this entry.
            "via API",
        )
        .await;
    Ok(Json(json!({"marking": marking, "count": rows.len(), "items": rows})).into_response())
}

/// One row as JSON; 404 when it does not exist or may not be read.
pub async fn api_registry_item(
    State(state): State<AppState>,
    Caller(v): Caller,
    Path((kind, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let Some(kind) = kind_of(&kind) else {
        return Err(ApiError::NotFound);
    };
    let object = format!("{}:{id}", kind.name());
    let found = state.store.reader(&v.readable).registry_row(kind, &id);
    match state.read(&v, &object, "api", found).await? {
        Some(row) => {
            let row = redact(&v, vec![row]).pop().expect("one row in, one out");
            let (marking, _) = banner(&state, &v, &[row.label()], Lang::En).await;
            Ok(Json(json!({"marking": marking, "item": row})).into_response())
        }
        None => Err(ApiError::NotFound),
    }
}

/// A request the user got wrong, with what is wrong.
pub(crate) fn bad_request(msg: &str) -> Response {
    (StatusCode::BAD_REQUEST, msg.to_string()).into_response()
}

/// An action the reader may not take on something they may see.
pub(crate) fn forbidden(lang: Lang, msg: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        page(lang, &(String::new(), String::new()), None, msg, ""),
    )
        .into_response()
}

/// A change to a withdrawn document: nothing changes it any more.
pub(crate) fn withdrawn_conflict(lang: Lang) -> Response {
    (
        StatusCode::CONFLICT,
        page(
            lang,
            &(String::new(), String::new()),
            None,
            lang.t(Key::WithdrawnConflict),
            "",
        ),
    )
        .into_response()
}

pub(crate) fn not_found(lang: Lang) -> Response {
    (
        StatusCode::NOT_FOUND,
        page(
            lang,
            &(String::new(), String::new()),
            None,
            lang.t(Key::NotFound),
            "",
        ),
    )
        .into_response()
}

/// `/agreements`: the registry list of agreements (the committee's most used list).
pub async fn agreements(
    state: State<AppState>,
    signed: Signed,
    lang: Language,
) -> Result<Response, PageError> {
    registry_list(state, signed, lang, Path("agreements".into())).await
}

/// `/agreements/{id}`.
pub async fn agreement(
    state: State<AppState>,
    signed: Signed,
    lang: Language,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    registry_item(state, signed, lang, Path(("agreements".into(), id))).await
}

/// `/api/agreements`.
pub async fn api_agreements(state: State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    api_registry_list(state, caller, Path("agreements".into())).await
}

/// `/api/agreements/{id}`.
pub async fn api_agreement(
    state: State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    api_registry_item(state, caller, Path(("agreements".into(), id))).await
}

pub async fn api_tokens(
    State(state): State<AppState>,
    Caller(v): Caller,
) -> Result<Response, ApiError> {
    Ok(Json(state.store.tokens(&v.person.id).await?).into_response())
}

#[derive(Deserialize)]
pub struct NewToken {
    name: String,
}

pub async fn api_create_token(
    State(state): State<AppState>,
    Writer(v): Writer,
    Json(t): Json<NewToken>,
) -> Result<Response, ApiError> {
    let (id, secret) = issue_token(&state, &v.person.id, &t.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "name": t.name, "token": secret})),
    )
        .into_response())
}

pub async fn api_revoke_token(
    State(state): State<AppState>,
    Writer(v): Writer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if withdraw_token(&state, &v.person.id, &id).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::NotFound)
    }
}

/// The audit page, for administrators: the newest entries, those whose label the administrator
/// may read (or that carry none).
pub async fn audit_page(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
) -> Result<Response, PageError> {
    let Some(entries) = state
        .store
        .reader(&v.readable)
        .audit_entries(&v.person, 500)
        .await?
    else {
        return Err(PageError::NotFound);
    };
    state
        .audit(
            &v.person.id,
            "read",
            "audit",
            None,
            "allow",
            // No count: it would tell an administrator cleared lower how many entries this
            // one may read.
            "",
        )
        .await;
    // No positions in the chain: their gaps would count the entries this administrator may not
    // read. (`pillar audit log` shows them to operators.)
    let mut body = String::from("<table><thead><tr><th>time</th><th>actor</th><th>action</th><th>object</th><th>decision</th><th>detail</th></tr></thead><tbody>");
    for e in &entries {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&e.at),
            esc(&e.event.actor),
            esc(&e.event.action),
            esc(&e.event.object),
            esc(&e.event.decision),
            esc(&e.event.detail)
        ));
    }
    body.push_str("</tbody></table>");
    let banner = banner(&state, &v, &[], lang).await;
    Ok(viewer_page(lang, &banner, &v, lang.t(Key::Audit), &body))
}

/// The OpenAPI 3.1 description of the JSON API.
pub async fn openapi() -> impl IntoResponse {
    let kinds = json!([
        "nations",
        "organisations",
        "people",
        "tech-areas",
        "agreements"
    ]);
    let bearer = json!([{"bearer": []}, {"session": []}]);
    let list = |summary: &str| json!({"get": {"summary": summary, "security": bearer, "responses": {"200": {"description": "visible items, with the dominant marking"}, "401": {"description": "not signed in"}}}});
    let item = |summary: &str| json!({"get": {"summary": summary, "security": bearer, "responses": {"200": {"description": "the item and its marking"}, "401": {"description": "not signed in"}, "404": {"description": "no such item, or not released to you (indistinguishable)"}}}});
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "Pillar API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Every answer holds only what the caller's clearance may read; an object they may not read is 404."},
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "an API token from POST /api/tokens"},
                "session": {"type": "apiKey", "in": "cookie", "name": "pillar_session", "description": "a browser session; state-changing calls also need the X-CSRF-Token header"}
            },
            "parameters": {
                "kind": {"name": "kind", "in": "path", "required": true, "schema": {"type": "string", "enum": kinds}},
                "id": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}
            }
        },
        "paths": {
            "/api/registry/{kind}": {"parameters": [{"$ref": "#/components/parameters/kind"}], "get": list("List visible registry rows of a kind")["get"]},
            "/api/registry/{kind}/{id}": {"parameters": [{"$ref": "#/components/parameters/kind"}, {"$ref": "#/components/parameters/id"}], "get": item("One registry row")["get"]},
            "/api/agreements": list("List visible agreements"),
            "/api/agreements/{id}": {"parameters": [{"$ref": "#/components/parameters/id"}], "get": item("One agreement")["get"]},
            "/api/tokens": {
                "get": {"summary": "Your API tokens (never their secrets)", "security": bearer, "responses": {"200": {"description": "tokens"}}},
                "post": {"summary": "Create a token; its secret is shown once", "security": bearer,
                         "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}},
                         "responses": {"201": {"description": "id, name and token"}, "403": {"description": "missing CSRF header (sessions)"}}}
            },
            "/api/tokens/{id}": {"parameters": [{"$ref": "#/components/parameters/id"}],
                "delete": {"summary": "Revoke a token", "security": bearer, "responses": {"204": {"description": "revoked"}, "404": {"description": "no such live token"}}}},
            "/api/documents": {"get": {"summary": "Visible documents: newest first, or the best matches of a full-text query", "security": bearer,
                "parameters": [{"name": "q", "in": "query", "required": false, "schema": {"type": "string"}, "description": "words that must all occur in the title or the text"}],
                "responses": {"200": {"description": "marking, count, items (best first); broad is true when more than 2 000 visible documents matched, which are then listed newest first"}, "401": {"description": "not signed in"}}}},
            "/api/meetings": list("Meetings whose label you may read"),
            "/api/meetings/{id}": {"parameters": [{"$ref": "#/components/parameters/id"}], "get": item("A meeting's record, with only the agenda items, decisions and actions released to you")["get"]},
            "/api/actions": {"get": {"summary": "Open action items you may read, overdue flagged", "security": bearer,
                "parameters": [{"name": "owner", "in": "query", "required": false, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "marking, count, items"}, "401": {"description": "not signed in"}}}},
            "/api/projects": list("Visible joint R&D projects with their assessments"),
            "/api/projects/{id}": {"parameters": [{"$ref": "#/components/parameters/id"}], "get": item("One project, with its history")["get"]},
            "/api/landscapes": list("Published technology-landscape analyses the reader may read (without their bodies)"),
            "/api/landscapes/{id}": {"parameters": [{"$ref": "#/components/parameters/id"}], "get": item("One analysis: its areas and queries, indicators per area and nation, collaboration, partner suggestions")["get"]},
            "/api/portfolio": {"get": {"summary": "Portfolio views over the visible projects: chart series, stalled projects, the workstream × nation readiness matrix", "security": bearer,
                "parameters": [{"name": "stall", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 30, "maximum": 3650}, "description": "days in TRL 4–6 after which a project counts as stalled (default 730)"}],
                "responses": {"200": {"description": "marking, projects, charts, stalled, matrix"}, "401": {"description": "not signed in"}}}},
            "/healthz": {"get": {"summary": "Health", "responses": {"200": {"description": "ok"}, "503": {"description": "database unavailable"}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "text exposition format"}}}}
        }
    });
    // Answers every operation may give besides its own: a malformed request (a NUL character,
    // a parameter out of range or of the wrong type, a body that is not what is described).
    let refusals = [
        ("400", "a malformed request: a NUL character, a parameter out of range or of the wrong type, a body that cannot be read"),
        ("404", "nothing there: an unknown path value, or an object not released to you (indistinguishable)"),
        ("415", "a body that is not JSON"),
        ("422", "a JSON body without the fields described"),
    ];
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            let Some(ops) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in ops.iter_mut() {
                if method == "parameters" {
                    continue;
                }
                let Some(responses) = op["responses"].as_object_mut() else {
                    continue;
                };
                for (code, why) in refusals {
                    let applies = match code {
                        "400" => path.starts_with("/api/"),
                        "404" => path.contains('{'),
                        _ => method == "post",
                    };
                    if applies && !responses.contains_key(code) {
                        responses.insert(code.into(), json!({"description": why}));
                    }
                }
            }
        }
    }
    Json(doc)
}
