//! Pages and JSON endpoints: the layout every page shares (banner, navigation, language
//! switch), static files and error pages here; sign-in and tokens, the registry, the audit page
//! and the OpenAPI document in their own modules. Every list is what the store's reader returned
//! for the viewer's entitlements; an object outside them is 404, like one that does not exist.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use pillar_core::RegistryKind;
use pillar_label::{Dominance, Label};
use pillar_store::RegistryRow;
use serde::Deserialize;
use std::collections::HashMap;

use crate::auth::{cookie, new_secret, same, secret_hash, verify_password, MAX_FAILURES, WINDOW};
use crate::i18n::Key;
use crate::i18n::Lang;
use crate::request::{ApiError, Caller, Language, PageError, Signed, SignedForm, Writer};
use crate::{lang_of, now, time_text, AppState, ServerError, Viewer, SESSION_HOURS};
use pillar_store::audit::{AuditEvent, Audited};

mod audit;
mod registry;
mod signin;

pub use audit::*;
pub use registry::*;
pub use signin::*;

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
    dominant_marking(state, viewer, labels, lang, true).await
}

/// The dominant label of `labels` as a marking and its colour class; where it needs a policy
/// decision, the most restrictive reading when `for_page`, else the computed label saying so.
async fn dominant_marking(
    state: &AppState,
    viewer: &Viewer,
    labels: &[&Label],
    lang: Lang,
    for_page: bool,
) -> (String, String) {
    let Ok(set) = state.policies_for(viewer).await else {
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
    // A page's banner is a marking the reader can act on: where the rules need a policy
    // decision, the most restrictive reading (the API's marking keeps the decision).
    let dominance = set.dominant(&resolved, governing);
    let shown = match &dominance {
        Dominance::Ok(d) => Some(d.clone()),
        Dominance::PolicyDecisionRequired { .. } if !for_page => None,
        Dominance::PolicyDecisionRequired { .. } => {
            // Groups (AUKUS, FVEY) read as their member nations, as the registry has them.
            let groups = match state.store.reader(&viewer.readable).nations().await {
                Ok(nations) => nations
                    .into_iter()
                    .filter(|n| !n.members.is_empty())
                    .map(|n| {
                        let members = n.members.iter().map(|m| m.as_str().to_string()).collect();
                        (n.code.as_str().to_string(), members)
                    })
                    .collect(),
                Err(e) => {
                    tracing::error!("nations for the banner: {e}");
                    std::collections::BTreeMap::new()
                }
            };
            set.most_restrictive(&resolved, governing, &groups)
        }
    };
    match (shown, dominance) {
        (Some(d), _) => (set.banner(&d, lang.tag()), colour(&d)),
        (
            None,
            Dominance::PolicyDecisionRequired {
                computed: Some(d), ..
            },
        ) => (
            format!("{} ({})", set.banner(&d, lang.tag()), lang.t(Key::Decision)),
            colour(&d),
        ),
        (None, _) => (lang.t(Key::Decision).to_string(), String::new()),
    }
}

/// What the one layout every page shares (`templates/layout.html`) shows around a page's
/// content: the banner (top and bottom), the navigation with the signed-in person's sign-out
/// form, the language switch and the title. A page template extends the layout and fills its
/// `content` block; its struct carries a `chrome`.
pub(crate) struct Chrome {
    pub(crate) lang: Lang,
    pub(crate) other_lang: &'static str,
    pub(crate) banner_text: String,
    pub(crate) banner_class: String,
    pub(crate) who: Option<Who>,
    pub(crate) registry: Vec<(&'static str, &'static str)>,
    pub(crate) title: String,
}

/// The signed-in person, as the navigation shows them.
pub(crate) struct Who {
    pub(crate) person: String,
    pub(crate) csrf: String,
    pub(crate) administrator: bool,
}

impl Chrome {
    /// The chrome of a page titled `title`, in `lang`, under `banner`, for `who` (with the
    /// session's CSRF token) when signed in.
    pub(crate) fn new(
        lang: Lang,
        banner: &(String, String),
        who: Option<(&Viewer, &str)>,
        title: &str,
    ) -> Chrome {
        let registry = [
            ("/registry/nations", RegistryKind::Nations),
            ("/registry/organisations", RegistryKind::Organisations),
            ("/registry/people", RegistryKind::People),
            ("/registry/tech-areas", RegistryKind::TechAreas),
        ]
        .into_iter()
        .map(|(href, kind)| (href, kind_title(kind, lang)))
        .collect();
        Chrome {
            lang,
            other_lang: match lang {
                Lang::En => "ko",
                Lang::Ko => "en",
            },
            banner_text: banner.0.clone(),
            banner_class: banner.1.clone(),
            who: who.map(|(v, csrf)| Who {
                person: v.person.id.clone(),
                csrf: csrf.to_string(),
                administrator: pillar_store::access::is_administrator(&v.person),
            }),
            registry,
            title: title.to_string(),
        }
    }
}

/// The chrome of a signed-in reader's page showing records under `labels` (its banner their
/// dominant label): what a page template's struct carries.
pub(crate) async fn signed_chrome(
    state: &AppState,
    v: &Viewer,
    lang: Lang,
    labels: &[&Label],
    title: &str,
) -> Chrome {
    let banner = banner(state, v, labels, lang).await;
    let csrf = v.csrf.clone().unwrap_or_default();
    Chrome::new(lang, &banner, Some((v, &csrf)), title)
}

/// A page whose content was built as HTML (`templates/page.html`).
/// A page that only says something (`templates/message.html`): a note under its title, or the
/// title alone.
#[derive(askama::Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    chrome: Chrome,
    note: Option<&'a str>,
}

/// Renders a page template (a template error is a bug: logged, and a 500).
pub(crate) fn render(t: &impl askama::Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => ServerError::from(format!("template: {e}")).into_response(),
    }
}

/// Renders a part of a page (a table, a list) from its template, for a page template to embed.
pub(crate) fn fragment(t: &impl askama::Template) -> String {
    t.render().unwrap_or_else(|e| {
        tracing::error!("template: {e}");
        String::new()
    })
}

/// An error page for a signed-in reader: their navigation, the banner of a page showing
/// nothing (the lowest classification of their policy), the title saying what went wrong.
pub(crate) async fn error_page(state: &AppState, v: &Viewer, lang: Lang, title: &str) -> Response {
    render(&MessagePage {
        chrome: signed_chrome(state, v, lang, &[], title).await,
        note: None,
    })
}

/// A page with a title only, outside any signed-in context (no banner, no navigation): what
/// an error answers with.
pub(crate) fn bare_page(lang: Lang, title: &str) -> Response {
    render(&MessagePage {
        chrome: Chrome::new(lang, &(String::new(), String::new()), None, title),
        note: None,
    })
}

/// The marking of a JSON answer holding records under `labels` (the banner's text, in English).
pub(crate) async fn marking(state: &AppState, v: &Viewer, labels: &[&Label]) -> String {
    dominant_marking(state, v, labels, Lang::En, false).await.0
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
        include_str!("../favicon.svg"),
    )
}

pub async fn js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript")],
        include_str!("../pillar.js"),
    )
}

pub async fn css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css")],
        include_str!("../pillar.css"),
    )
}

/// The "originated by" line of a kept record (`kind`, `id`), naming `stewards` when the record
/// keeps them itself (a project): empty when the record has no recorded origin.
pub(crate) async fn kept_origin(
    state: &AppState,
    v: &Viewer,
    lang: Lang,
    kind: pillar_store::Kept,
    id: &str,
    stewards: Option<&[String]>,
) -> Result<String, ServerError> {
    match state.store.reader(&v.readable).origin_of(kind, id).await? {
        Some(mut origin) => {
            if let Some(stewards) = stewards {
                origin.stewards = stewards.to_vec();
            }
            origin_line(state, v, lang, &origin).await
        }
        None => Ok(String::new()),
    }
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
