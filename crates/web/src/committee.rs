//! The committee pages: committees, meetings, printable minutes carrying the dominant label of
//! what they show, and action items with the overdue ones highlighted — all through the store's
//! label-filtered queries.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use pillar_core::stewardship;
use pillar_label::Label;
use pillar_store::audit::{AuditEvent, Audited};
use pillar_store::committee::{MeetingItem, OpenAction};

use crate::i18n::Key;
use crate::i18n::Lang;
use crate::pages::{marking, render, signed_chrome, Chrome};
use crate::request::{ApiError, Caller, Language, PageError, Signed, SignedForm};
use crate::AppState;
use chrono::NaiveDate;

/// Open actions as a table (`templates/actions_table.html`); overdue rows are marked (class and
/// text, not colour alone); owners by name; a "mark done" button where `v` may close the
/// action (its owner, the secretariat), returning to `back`.
pub(crate) async fn actions_table(
    state: &AppState,
    v: &crate::Viewer,
    actions: &[OpenAction],
    lang: Lang,
    back: &str,
) -> Result<String, PageError> {
    let names = people_names(state, v).await?;
    Ok(actions_table_named(state, v, actions, lang, back, &names))
}

/// [`actions_table`] with the names of the people `v` may read already at hand.
fn actions_table_named(
    state: &AppState,
    v: &crate::Viewer,
    actions: &[OpenAction],
    lang: Lang,
    back: &str,
    names: &HashMap<String, String>,
) -> String {
    crate::pages::fragment(&ActionsTable {
        lang,
        actions,
        today: state.today(),
        names,
        closer: v.csrf.as_ref().map(|csrf| Closer {
            person: v.person.id.clone(),
            secretariat: stewardship::may_keep_committee(&v.person).is_ok(),
            csrf: csrf.clone(),
        }),
        back,
    })
}

/// The names of the people `v` may read, by id.
async fn people_names(
    state: &AppState,
    v: &crate::Viewer,
) -> Result<HashMap<String, String>, PageError> {
    Ok(state
        .store
        .reader(&v.readable)
        .export(pillar_core::RegistryKind::People)
        .await?
        .into_iter()
        .filter_map(|r| match r {
            pillar_store::RegistryRow::Person(p) => Some((p.id, p.name)),
            _ => None,
        })
        .collect())
}

/// A person's name when known, else the id as given (empty for one the reader may not see).
fn owner_name<'a>(names: &'a HashMap<String, String>, id: &'a str) -> &'a str {
    names.get(id).map_or(id, String::as_str)
}

#[derive(askama::Template)]
#[template(path = "actions_table.html")]
struct ActionsTable<'a> {
    lang: Lang,
    actions: &'a [OpenAction],
    today: NaiveDate,
    names: &'a HashMap<String, String>,
    /// Who may close which action, and the form token (signed-in pages only).
    closer: Option<Closer>,
    back: &'a str,
}

/// The reader, as the "mark done" buttons need them.
struct Closer {
    person: String,
    secretariat: bool,
    csrf: String,
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
        actions: actions_table(&state, &v, &actions, lang, "/committee").await?,
        keeper: stewardship::may_keep_committee(&v.person).is_ok(),
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
    /// The reader keeps the committee's records (is offered to record a meeting).
    keeper: bool,
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
    let set = state.policies().await?;
    let portion = |l: Option<&Label>| {
        set.resolve(l.unwrap_or(&m.label))
            .map(|r| set.portion(&r, lang.tag()))
            .unwrap_or_default()
    };
    let actions: Vec<OpenAction> = m
        .actions
        .iter()
        .map(|a| OpenAction {
            meeting: m.id.clone(),
            meeting_title: m.title.clone(),
            action: pillar_core::committee::Action {
                // Each action's text carries its portion marking.
                text: format!("{} {}", portion(a.label.as_ref()), a.text),
                ..a.clone()
            },
            label: a.label.clone().unwrap_or_else(|| m.label.clone()),
        })
        .collect();
    let origin =
        crate::pages::kept_origin(&state, &v, lang, pillar_store::Kept::Meeting, &m.id, None)
            .await?;
    let refs: Vec<&Label> = labels.iter().collect();
    let names = people_names(&state, &v).await?;
    let committee = state
        .store
        .reader(&v.readable)
        .committees()
        .await?
        .into_iter()
        .find(|c| c.id == m.committee)
        .map_or_else(|| m.committee.clone(), |c| c.name);
    let keeper = match stewardship::may_keep_committee(&v.person) {
        Ok(()) => {
            let offer = offer(&state, &v, &names).await?;
            let chosen = crate::picker::Chosen::of_label(&set, &m.label);
            Some(Keeper {
                csrf: v.csrf.clone().unwrap_or_default(),
                people: offer.people,
                projects: offer.projects,
                picker: crate::picker::picker(&set, &v, lang, &chosen, None),
            })
        }
        Err(_) => None,
    };
    let back = format!("/committee/meetings/{}", m.id);
    Ok(render(&MinutesPage {
        chrome: signed_chrome(&state, &v, lang, &refs, &m.title).await,
        origin,
        actions: actions_table_named(&state, &v, &actions, lang, &back, &names),
        agenda: m
            .agenda
            .iter()
            .map(|a| (portion(a.label.as_ref()), a))
            .collect(),
        decisions: m
            .decisions
            .iter()
            .map(|d| (portion(d.label.as_ref()), d))
            .collect(),
        attendees: m
            .attendees
            .iter()
            .map(|a| owner_name(&names, a).to_string())
            .collect(),
        committee,
        keeper,
        m: &m,
    }))
}

/// The minutes of a meeting (`templates/minutes.html`): each paragraph with its portion
/// marking.
#[derive(askama::Template)]
#[template(path = "minutes.html")]
struct MinutesPage<'a> {
    chrome: Chrome,
    /// The "originated by" line (HTML, from `origin_line`).
    origin: String,
    /// The actions table (HTML, from its template).
    actions: String,
    agenda: Vec<(String, &'a pillar_core::committee::AgendaItem)>,
    decisions: Vec<(String, &'a pillar_core::committee::Decision)>,
    attendees: Vec<String>,
    committee: String,
    /// The secretariat's forms (add an item, change the meeting).
    keeper: Option<Keeper>,
    m: &'a pillar_core::committee::Meeting,
}

/// What the secretariat's forms on the minutes offer.
struct Keeper {
    csrf: String,
    people: Vec<(String, String)>,
    projects: Vec<(String, String)>,
    /// The label picker (HTML), at the meeting's label.
    picker: String,
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

/// What a failed committee change tells the person: the field and what is wrong with it, or
/// the refusal; anything else is the server's fault.
fn form_failure(e: pillar_store::StoreError) -> Result<String, PageError> {
    match e {
        pillar_store::StoreError::Input(i) => Ok(match i.field {
            Some(f) => format!("field `{f}`: {}", i.reason),
            None => i.reason,
        }),
        pillar_store::StoreError::Refused(r) => Ok(r),
        other => Err(other.into()),
    }
}

/// The secretariat keeps the committee's records: anyone else is refused (audited).
async fn keeper(
    state: &AppState,
    v: &crate::Viewer,
    lang: Lang,
    action: &str,
    object: &str,
) -> Result<(), PageError> {
    if let Err(refusal) = stewardship::may_keep_committee(&v.person) {
        state
            .audit(
                &v.person.id,
                action,
                object,
                None,
                "deny",
                &refusal.to_string(),
            )
            .await;
        return Err(PageError::Forbidden(crate::i18n::refusal_text(
            lang, &refusal,
        )));
    }
    Ok(())
}

/// Who and what a committee form offers: the committees, people and projects the writer may
/// read (a form never names what its writer may not see).
struct Offer {
    committees: Vec<(String, String)>,
    people: Vec<(String, String)>,
    projects: Vec<(String, String)>,
}

async fn offer(
    state: &AppState,
    v: &crate::Viewer,
    names: &HashMap<String, String>,
) -> Result<Offer, PageError> {
    let reader = state.store.reader(&v.readable);
    let committees = reader
        .committees()
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let mut people: Vec<(String, String)> = names
        .iter()
        .map(|(id, n)| (id.clone(), n.clone()))
        .collect();
    people.sort();
    let projects = reader
        .projects()
        .await?
        .into_iter()
        .map(|p| (p.id, p.title))
        .collect();
    Ok(Offer {
        committees,
        people,
        projects,
    })
}

/// The new-meeting form (`templates/meeting_form.html`).
#[derive(askama::Template)]
#[template(path = "meeting_form.html")]
struct MeetingForm<'a> {
    chrome: Chrome,
    csrf: String,
    offer: Offer,
    form: &'a HashMap<String, String>,
    /// The label picker (HTML).
    picker: String,
    error: Option<String>,
}

impl MeetingForm<'_> {
    fn value(&self, field: &str) -> &str {
        self.form.get(field).map_or("", String::as_str)
    }
    fn checked(&self, field: &str) -> bool {
        self.form.contains_key(field)
    }
}

async fn meeting_form_page(
    state: &AppState,
    v: &crate::Viewer,
    lang: Lang,
    form: &HashMap<String, String>,
    preview: Option<Result<String, String>>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let set = state.policies().await?;
    let chosen = crate::picker::Chosen::from_fields(&set, form);
    Ok(render(&MeetingForm {
        chrome: signed_chrome(state, v, lang, &[], lang.t(Key::NewMeeting)).await,
        csrf: v.csrf.clone().unwrap_or_default(),
        offer: offer(state, v, &people_names(state, v).await?).await?,
        form,
        picker: crate::picker::picker(&set, v, lang, &chosen, preview),
        error,
    }))
}

/// `GET /committee/meetings/new`: the form that records a meeting (the secretariat's).
pub async fn new_meeting(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
) -> Result<Response, PageError> {
    keeper(&state, &v, lang, "create", "meeting").await?;
    let mut form = HashMap::new();
    form.insert("date".to_string(), state.today().to_string());
    meeting_form_page(&state, &v, lang, &form, None, None).await
}

/// The attendees ticked in a form (`attendee_{id}` check boxes).
fn attendees(form: &HashMap<String, String>) -> Vec<String> {
    let mut a: Vec<String> = form
        .keys()
        .filter_map(|k| k.strip_prefix("attendee_"))
        .map(str::to_string)
        .collect();
    a.sort();
    a
}

fn date_field(form: &HashMap<String, String>, field: &str) -> Result<NaiveDate, String> {
    let text = form.get(field).map_or("", |d| d.trim());
    text.parse()
        .map_err(|_| format!("field `{field}`: `{text}` is not a date (YYYY-MM-DD)"))
}

/// `POST /committee/meetings`: records a meeting under the label picked (which the writer's
/// clearance must satisfy); the form comes back with what is wrong, or the preview.
pub async fn create_meeting(
    State(state): State<AppState>,
    Language(lang): Language,
    SignedForm(v, form): SignedForm,
) -> Result<Response, PageError> {
    keeper(&state, &v, lang, "create", "meeting").await?;
    let set = state.policies().await?;
    let chosen = crate::picker::Chosen::from_fields(&set, &form);
    if form.contains_key("preview") {
        let preview = Some(chosen.preview(&set, lang));
        return meeting_form_page(&state, &v, lang, &form, preview, None).await;
    }
    let again =
        |status: StatusCode, preview: Option<Result<String, String>>, error: Option<String>| {
            let (state, v, form) = (&state, &v, &form);
            async move {
                let page = meeting_form_page(state, v, lang, form, preview, error).await?;
                Ok::<Response, PageError>((status, page).into_response())
            }
        };
    let label = match chosen.label(&set) {
        Ok(l) => l,
        Err(e) => return again(StatusCode::BAD_REQUEST, Some(Err(e)), None).await,
    };
    let date = match date_field(&form, "date") {
        Ok(d) => d,
        Err(e) => return again(StatusCode::BAD_REQUEST, None, Some(e)).await,
    };
    let title = form.get("title").map_or("", |t| t.trim()).to_string();
    if title.is_empty() {
        let e = "field `title`: a title is needed".to_string();
        return again(StatusCode::BAD_REQUEST, None, Some(e)).await;
    }
    if !state.may_write(&v.person, &label).await? {
        state
            .audit(
                &v.person.id,
                "create",
                "meeting",
                None,
                "deny",
                "clearance does not satisfy the label",
            )
            .await;
        let refused = Some(Err(lang.t(Key::ClearanceShort).to_string()));
        return again(StatusCode::FORBIDDEN, refused, None).await;
    }
    let id = format!("m-{date}-{}", &crate::auth::new_secret()[..6]);
    let meeting = pillar_core::committee::Meeting {
        id: id.clone(),
        committee: form.get("committee").cloned().unwrap_or_default(),
        title,
        date,
        place: form.get("place").map_or("", |p| p.trim()).to_string(),
        attendees: attendees(&form),
        label,
        agenda: Vec::new(),
        decisions: Vec::new(),
        actions: Vec::new(),
    };
    let object = format!("meeting:{id}");
    let event = AuditEvent::new(&v.person.id, "create", &object, "allow", &meeting.title);
    let at = crate::now();
    let audited = Audited {
        at: &at,
        event: &event,
    };
    let origin = stewardship::Origin::of(&v.person, Vec::new());
    match state
        .store
        .create_meeting(&meeting, &v.readable, &origin, &audited)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/committee/meetings/{id}")).into_response()),
        Err(e) => {
            let message = form_failure(e)?;
            again(StatusCode::BAD_REQUEST, None, Some(message)).await
        }
    }
}

/// `POST /committee/meetings/{id}`: changes a meeting's title, date, place and attendees.
pub async fn edit_meeting(
    State(state): State<AppState>,
    Language(lang): Language,
    Path(id): Path<String>,
    SignedForm(v, form): SignedForm,
) -> Result<Response, PageError> {
    let object = format!("meeting:{id}");
    if state
        .store
        .reader(&v.readable)
        .meeting(&id)
        .await?
        .is_none()
    {
        return Err(PageError::NotFound);
    }
    keeper(&state, &v, lang, "edit", &object).await?;
    let date = date_field(&form, "date").map_err(PageError::BadRequest)?;
    let title = form.get("title").map_or("", |t| t.trim());
    let place = form.get("place").map_or("", |t| t.trim());
    let event = AuditEvent::new(&v.person.id, "edit", &object, "allow", title);
    let at = crate::now();
    let audited = Audited {
        at: &at,
        event: &event,
    };
    match state
        .store
        .edit_meeting(
            &id,
            &v.readable,
            &pillar_store::committee::MeetingHeader {
                title: title.to_string(),
                date,
                place: place.to_string(),
                attendees: attendees(&form),
            },
            &audited,
        )
        .await
    {
        Ok(true) => Ok(Redirect::to(&format!("/committee/meetings/{id}")).into_response()),
        Ok(false) => Err(PageError::NotFound),
        Err(e) => Err(PageError::BadRequest(form_failure(e)?)),
    }
}

/// `POST /committee/meetings/{id}/items`: adds an agenda item, a decision or an action item
/// (`kind`), under the label picked (the meeting's when it is the same).
pub async fn add_item(
    State(state): State<AppState>,
    Language(lang): Language,
    Path(id): Path<String>,
    SignedForm(v, form): SignedForm,
) -> Result<Response, PageError> {
    let object = format!("meeting:{id}");
    let Some((m, _)) = state.store.reader(&v.readable).meeting(&id).await? else {
        return Err(PageError::NotFound);
    };
    keeper(&state, &v, lang, "add item", &object).await?;
    let set = state.policies().await?;
    let label = crate::picker::Chosen::from_fields(&set, &form)
        .label(&set)
        .map_err(PageError::BadRequest)?;
    if !state.may_write(&v.person, &label).await? {
        state
            .audit(
                &v.person.id,
                "add item",
                &object,
                None,
                "deny",
                "clearance does not satisfy the label",
            )
            .await;
        return Err(PageError::Forbidden(
            lang.t(Key::ClearanceShort).to_string(),
        ));
    }
    let own = (label != m.label).then_some(label);
    let text = form.get("text").map_or("", |t| t.trim()).to_string();
    let details = form.get("details").map_or("", |t| t.trim()).to_string();
    let project = form
        .get("project")
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    let item = match form.get("kind").map(String::as_str) {
        Some("agenda") => MeetingItem::Agenda(pillar_core::committee::AgendaItem {
            title: text,
            project,
            notes: details,
            label: own,
        }),
        Some("decision") => MeetingItem::Decision(pillar_core::committee::Decision {
            text,
            rationale: details,
            basis: form.get("basis").map_or("", |b| b.trim()).to_string(),
            project,
            label: own,
        }),
        Some("action") => MeetingItem::Action(pillar_core::committee::Action {
            id: String::new(),
            text,
            owner: form.get("owner").cloned().unwrap_or_default(),
            due: date_field(&form, "due").map_err(PageError::BadRequest)?,
            status: "open".into(),
            label: own,
        }),
        other => {
            return Err(PageError::BadRequest(format!(
                "field `kind`: `{}` is not one of agenda, decision, action",
                other.unwrap_or("")
            )))
        }
    };
    let event = AuditEvent::new(&v.person.id, "add item", &object, "allow", item.kind());
    let at = crate::now();
    let audited = Audited {
        at: &at,
        event: &event,
    };
    match state
        .store
        .add_meeting_item(&id, &v.readable, item, &audited)
        .await
    {
        Ok(Some(_)) => Ok(Redirect::to(&format!("/committee/meetings/{id}")).into_response()),
        Ok(None) => Err(PageError::NotFound),
        Err(e) => Err(PageError::BadRequest(form_failure(e)?)),
    }
}

/// `POST /committee/meetings/{id}/actions/{action}/status`: marks an action done (or sets
/// another `status`) — its owner or the secretariat, in one click.
pub async fn action_status(
    State(state): State<AppState>,
    Language(lang): Language,
    Path((id, action)): Path<(String, String)>,
    SignedForm(v, form): SignedForm,
) -> Result<Response, PageError> {
    let object = format!("meeting:{id}/action:{action}");
    let Some((_, a, _)) = state.store.reader(&v.readable).action(&id, &action).await? else {
        return Err(PageError::NotFound);
    };
    if let Err(refusal) = stewardship::may_update_action(&v.person, &a.owner) {
        state
            .audit(
                &v.person.id,
                "action status",
                &object,
                None,
                "deny",
                &refusal.to_string(),
            )
            .await;
        return Err(PageError::Forbidden(crate::i18n::refusal_text(
            lang, &refusal,
        )));
    }
    let status = form.get("status").map_or("done", String::as_str);
    let event = AuditEvent::new(&v.person.id, "action status", &object, "allow", status);
    let at = crate::now();
    let audited = Audited {
        at: &at,
        event: &event,
    };
    match state
        .store
        .set_action_status(&id, &action, &v.readable, status, &audited)
        .await
    {
        Ok(true) => {
            let back = form
                .get("back")
                .filter(|b| *b == "/committee" || *b == "/")
                .map_or_else(|| format!("/committee/meetings/{id}"), String::clone);
            Ok(Redirect::to(&back).into_response())
        }
        Ok(false) => Err(PageError::NotFound),
        Err(e) => Err(PageError::BadRequest(form_failure(e)?)),
    }
}
