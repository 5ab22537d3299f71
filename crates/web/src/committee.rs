//! The committee pages: committees, meetings, printable minutes carrying the dominant label of
//! what they show, and action items with the overdue ones highlighted — all through the store's
//! label-filtered queries.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use pillar_label::Label;
use pillar_store::committee::OpenAction;

use crate::i18n::Key;
use crate::i18n::Lang;
use crate::pages::{marking, render, signed_chrome, Chrome};
use crate::request::{ApiError, Caller, Language, PageError, Signed};
use crate::AppState;
use chrono::NaiveDate;

/// Open actions as a table (`templates/actions_table.html`); overdue rows are marked (class and
/// text, not colour alone).
pub(crate) fn actions_table(actions: &[OpenAction], lang: Lang, today: NaiveDate) -> String {
    use askama::Template;
    ActionsTable {
        lang,
        actions,
        today,
    }
    .render()
    .unwrap_or_else(|e| {
        tracing::error!("template: {e}");
        String::new()
    })
}

#[derive(askama::Template)]
#[template(path = "actions_table.html")]
struct ActionsTable<'a> {
    lang: Lang,
    actions: &'a [OpenAction],
    today: NaiveDate,
}

/// `/committee`: committees, meetings, and open action items.
pub async fn index(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
) -> Result<Response, PageError> {
    let committees = state.store.reader(&v.readable).committees().await?;
    let meetings = state.store.reader(&v.readable).meetings().await?;
    let actions = state.store.reader(&v.readable).open_actions(None).await?;
    let mut labels: Vec<&Label> = meetings.iter().map(|m| &m.label).collect();
    labels.extend(committees.iter().filter_map(|c| c.label.as_ref()));
    labels.extend(actions.iter().map(|a| &a.label));
    let chrome = signed_chrome(&state, &v, lang, &labels, lang.t(Key::Committee)).await;
    // Each committee with the name of the one it reports to, when readable.
    let tree = committees
        .iter()
        .map(|c| CommitteeLine {
            name: &c.name,
            parent: c
                .parent
                .as_ref()
                .and_then(|p| committees.iter().find(|x| &x.id == p))
                .map(|p| p.name.as_str()),
        })
        .collect();
    Ok(render(&CommitteePage {
        chrome,
        committees: tree,
        meetings: &meetings,
        actions: actions_table(&actions, lang, state.today()),
    }))
}

/// The committee page (`templates/committee.html`).
#[derive(askama::Template)]
#[template(path = "committee.html")]
struct CommitteePage<'a> {
    chrome: Chrome,
    committees: Vec<CommitteeLine<'a>>,
    meetings: &'a [pillar_store::committee::MeetingSummary],
    /// The open actions table (HTML, from its template).
    actions: String,
}

/// A committee and the one it reports to.
struct CommitteeLine<'a> {
    name: &'a str,
    parent: Option<&'a str>,
}

/// `/committee/meetings/{id}`: the minutes, printable, with only the items the reader may see.
pub async fn minutes(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let object = format!("meeting:{id}");
    let found = state.store.reader(&v.readable).meeting(&id);
    let Some((m, labels)) = state.read(&v, &object, "", found).await? else {
        return Err(PageError::NotFound);
    };
    let actions: Vec<OpenAction> = m
        .actions
        .iter()
        .map(|a| OpenAction {
            meeting: m.id.clone(),
            meeting_title: m.title.clone(),
            action: a.clone(),
            label: m.label.clone(),
        })
        .collect();
    let origin =
        crate::pages::kept_origin(&state, &v, lang, pillar_store::Kept::Meeting, &m.id, None)
            .await?;
    let refs: Vec<&Label> = labels.iter().collect();
    Ok(render(&MinutesPage {
        chrome: signed_chrome(&state, &v, lang, &refs, &m.title).await,
        origin,
        actions: actions_table(&actions, lang, state.today()),
        m: &m,
    }))
}

/// The minutes of a meeting (`templates/minutes.html`).
#[derive(askama::Template)]
#[template(path = "minutes.html")]
struct MinutesPage<'a> {
    chrome: Chrome,
    /// The "originated by" line (HTML, from `origin_line`).
    origin: String,
    /// The actions table (HTML, from its template).
    actions: String,
    m: &'a pillar_core::committee::Meeting,
}

/// `GET /api/meetings`.
#[utoipa::path(get, path = "/api/meetings", tag = "committee",
    responses((status = 200, description = "the meetings whose label you may read", body = crate::api::Listing<serde_json::Value>)))]
pub async fn api_meetings(
    State(state): State<AppState>,
    Caller(v): Caller,
) -> Result<Response, ApiError> {
    let meetings = state.store.reader(&v.readable).meetings().await?;
    let labels: Vec<&Label> = meetings.iter().map(|m| &m.label).collect();
    let marking = marking(&state, &v, &labels).await;
    Ok(Json(crate::api::Listing::new(marking, meetings)).into_response())
}

/// `GET /api/meetings/{id}`.
#[utoipa::path(get, path = "/api/meetings/{id}", tag = "committee",
    params(("id" = String, Path)),
    responses((status = 200, description = "the meeting's record, with only the agenda items, decisions and actions released to you", body = crate::api::Meeting<serde_json::Value>)))]
pub async fn api_meeting(
    State(state): State<AppState>,
    Caller(v): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let object = format!("meeting:{id}");
    let found = state.store.reader(&v.readable).meeting(&id);
    let Some((m, labels)) = state.read(&v, &object, "", found).await? else {
        return Err(ApiError::NotFound);
    };
    let refs: Vec<&Label> = labels.iter().collect();
    let marking = marking(&state, &v, &refs).await;
    Ok(Json(crate::api::Meeting {
        marking,
        meeting: m,
    })
    .into_response())
}

/// `GET /api/actions?owner=ID`: open action items, overdue flagged.
#[utoipa::path(get, path = "/api/actions", tag = "committee",
    params(("owner" = Option<String>, Query, description = "only this person's (a person id)")),
    responses((status = 200, description = "the open action items you may read", body = crate::api::Listing<crate::api::OpenAction<serde_json::Value>>)))]
pub async fn api_actions(
    State(state): State<AppState>,
    Caller(v): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let actions = state
        .store
        .reader(&v.readable)
        .open_actions(q.get("owner").map(String::as_str))
        .await?;
    let labels: Vec<&Label> = actions.iter().map(|a| &a.label).collect();
    let marking = marking(&state, &v, &labels).await;
    let items: Vec<_> = actions
        .iter()
        .map(|a| crate::api::OpenAction {
            meeting: a.meeting.clone(),
            action: &a.action,
            overdue: a.action.overdue(state.today()),
        })
        .collect();
    Ok(Json(crate::api::Listing::new(marking, items)).into_response())
}
