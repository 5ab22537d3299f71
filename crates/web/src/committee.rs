//! The committee pages: committees, meetings, printable minutes carrying the dominant label of
//! what they show, and action items with the overdue ones highlighted — all through the store's
//! label-filtered queries.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use pillar_label::Label;
use pillar_store::committee::OpenAction;
use serde_json::json;

use crate::i18n::Key;
use crate::i18n::Lang;
use crate::pages::{esc, marking, signed_page};
use crate::request::{ApiError, Caller, Language, PageError, Signed};
use crate::AppState;
use chrono::NaiveDate;

/// Open actions as a table; overdue rows are marked (class and text, not colour alone).
pub(crate) fn actions_table(actions: &[OpenAction], lang: Lang, today: NaiveDate) -> String {
    let rows: String = actions
        .iter()
        .map(|a| {
            let overdue = a.action.overdue(today);
            format!(
                "<tr{}><td>{}{}</td><td>{}</td><td>{}</td><td><a href=\"/committee/meetings/{}\">{}</a></td></tr>",
                if overdue { " class=\"overdue\"" } else { "" },
                a.action.due,
                if overdue {
                    format!(" <strong>{}</strong>", lang.t(Key::Overdue))
                } else {
                    String::new()
                },
                esc(&a.action.text),
                esc(&a.action.owner),
                esc(&a.meeting),
                esc(&a.meeting_title)
            )
        })
        .collect();
    format!(
        "<table class=\"sortable\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{rows}</tbody></table>",
        lang.t(Key::Due),
        lang.t(Key::Action),
        lang.t(Key::Owner),
        lang.t(Key::Meeting),
    )
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
    let tree: String = committees
        .iter()
        .map(|c| {
            format!(
                "<li>{}{}</li>",
                esc(&c.name),
                c.parent
                    .as_ref()
                    .and_then(|p| committees.iter().find(|x| &x.id == p))
                    .map(|p| format!(" — {} {}", lang.t(Key::ReportsTo), esc(&p.name)))
                    .unwrap_or_default()
            )
        })
        .collect();
    let rows: String = meetings
        .iter()
        .map(|m| {
            format!(
                "<tr><td>{}</td><td><a href=\"/committee/meetings/{}\">{}</a></td><td>{}</td></tr>",
                esc(&m.date),
                esc(&m.id),
                esc(&m.title),
                esc(&m.committee)
            )
        })
        .collect();
    let body = format!(
        "<h2>{}</h2><ul>{tree}</ul><h2>{}</h2><table class=\"sortable\"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{rows}</tbody></table><h2>{}</h2>{}",
        lang.t(Key::Committees),
        lang.t(Key::Meetings),
        lang.t(Key::Date),
        lang.t(Key::TitleField),
        lang.t(Key::Committee),
        lang.t(Key::OpenActions),
        actions_table(&actions, lang, state.today()),
    );
    let mut labels: Vec<&Label> = meetings.iter().map(|m| &m.label).collect();
    labels.extend(committees.iter().filter_map(|c| c.label.as_ref()));
    labels.extend(actions.iter().map(|a| &a.label));
    Ok(signed_page(&state, &v, lang, &labels, lang.t(Key::Committee), &body).await)
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
    let project_link = |p: &Option<String>| {
        p.as_ref()
            .map(|p| format!(" (<a href=\"/projects/{}\">{}</a>)", esc(p), esc(p)))
            .unwrap_or_default()
    };
    let agenda: String = m
        .agenda
        .iter()
        .map(|a| {
            format!(
                "<li><strong>{}</strong>{}<p>{}</p></li>",
                esc(&a.title),
                project_link(&a.project),
                esc(&a.notes)
            )
        })
        .collect();
    let decisions: String = m
        .decisions
        .iter()
        .map(|d| {
            format!(
                "<li>{}{}<p><em>{}</em> {}</p></li>",
                esc(&d.text),
                project_link(&d.project),
                lang.t(Key::Rationale),
                esc(&d.rationale)
            )
        })
        .collect();
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
    let origin = match state
        .store
        .reader(&v.readable)
        .origin_of(pillar_store::Kept::Meeting, &m.id)
        .await?
    {
        Some(o) => crate::pages::origin_line(&state, &v, lang, &o).await?,
        None => String::new(),
    };
    let body = format!(
        "{origin}<p>{} · {} · {}</p><p>{}: {}</p><h2>{}</h2><ol>{agenda}</ol><h2>{}</h2><ol>{decisions}</ol><h2>{}</h2>{}",
        m.date,
        esc(&m.place),
        esc(&m.committee),
        lang.t(Key::Attendees),
        esc(&m.attendees.join(", ")),
        lang.t(Key::Agenda),
        lang.t(Key::Decisions),
        lang.t(Key::Actions),
        actions_table(&actions, lang, state.today()),
    );
    let refs: Vec<&Label> = labels.iter().collect();
    Ok(signed_page(&state, &v, lang, &refs, &m.title, &body).await)
}

/// `GET /api/meetings`.
pub async fn api_meetings(
    State(state): State<AppState>,
    Caller(v): Caller,
) -> Result<Response, ApiError> {
    let meetings = state.store.reader(&v.readable).meetings().await?;
    let labels: Vec<&Label> = meetings.iter().map(|m| &m.label).collect();
    let marking = marking(&state, &v, &labels).await;
    Ok(
        Json(json!({"marking": marking, "count": meetings.len(), "items": meetings}))
            .into_response(),
    )
}

/// `GET /api/meetings/{id}`.
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
    Ok(Json(json!({"marking": marking, "meeting": m})).into_response())
}

/// `GET /api/actions?owner=ID`: open action items, overdue flagged.
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
        .map(|a| json!({"meeting": a.meeting, "action": a.action, "overdue": a.action.overdue(state.today())}))
        .collect();
    Ok(Json(json!({"marking": marking, "count": items.len(), "items": items})).into_response())
}
