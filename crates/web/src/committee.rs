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
use pillar_store::committee::{MeetingHeader, MeetingItem, OpenAction};

use crate::i18n::Key;
use crate::i18n::Lang;
use crate::pages::{marking, render, signed_chrome, Chrome};
use crate::request::{ApiError, Body, Caller, Language, PageError, Signed, SignedForm, Writer};
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

/// `/committee`: committees, meetings, and open action items; `?imported=ID,…` lists the
/// meetings an import just recorded (those the reader may read).
pub async fn index(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
    Query(q): Query<HashMap<String, String>>,
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
            id: &c.id,
            name: &c.name,
            parent: c
                .parent
                .as_ref()
                .and_then(|p| committees.iter().find(|x| &x.id == p))
                .map(|p| p.name.as_str()),
        })
        .collect();
    let imported: Vec<&str> = q
        .get("imported")
        .map(|i| i.split(',').collect())
        .unwrap_or_default();
    let keeper = stewardship::may_keep_committee(&v.person)
        .is_ok()
        .then(|| v.csrf.clone().unwrap_or_default());
    Ok(render(&CommitteePage {
        chrome,
        committees: tree,
        imported: meetings
            .iter()
            .filter(|m| imported.contains(&m.id.as_str()))
            .collect(),
        meetings: &meetings,
        actions: actions_table(&state, &v, &actions, lang, "/committee").await?,
        keeper,
    }))
}

/// The committee page (`templates/committee.html`).
#[derive(askama::Template)]
#[template(path = "committee.html")]
struct CommitteePage<'a> {
    chrome: Chrome,
    committees: Vec<CommitteeLine<'a>>,
    meetings: &'a [pillar_store::committee::MeetingSummary],
    /// Meetings an import just recorded.
    imported: Vec<&'a pillar_store::committee::MeetingSummary>,
    /// The open actions table (HTML, from its template).
    actions: String,
    /// The reader keeps the committee's records (is offered to record or import meetings):
    /// their form token.
    keeper: Option<String>,
}

/// A committee's name by id, else the id.
fn committee_name<'a>(committees: &'a [CommitteeLine<'a>], id: &'a str) -> &'a str {
    committees
        .iter()
        .find(|c| c.id == id)
        .map_or(id, |c| c.name)
}

/// A committee and the one it reports to.
struct CommitteeLine<'a> {
    id: &'a str,
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
    let set = state.policies_for(&v).await?;
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
    params(crate::api::Paging),
    responses((status = 200, description = "the meetings whose label you may read, newest first", body = crate::api::Listing<serde_json::Value>),
              (status = 400, description = "a limit or offset out of range", body = crate::api::Refusal)))]
pub async fn api_meetings(
    State(state): State<AppState>,
    Caller(v): Caller,
    paged: crate::request::Paged,
) -> Result<Response, ApiError> {
    let (meetings, window) = paged.slice(state.store.reader(&v.readable).meetings().await?);
    let labels: Vec<&Label> = meetings.iter().map(|m| &m.label).collect();
    let marking = marking(&state, &v, &labels).await;
    Ok(Json(crate::api::Listing::new(marking, meetings, window)).into_response())
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
    params(("owner" = Option<String>, Query, description = "only this person's (a person id)"), crate::api::Paging),
    responses((status = 200, description = "the open action items you may read", body = crate::api::Listing<crate::api::OpenAction<serde_json::Value>>),
              (status = 400, description = "a limit or offset out of range", body = crate::api::Refusal)))]
pub async fn api_actions(
    State(state): State<AppState>,
    Caller(v): Caller,
    Query(q): Query<HashMap<String, String>>,
    paged: crate::request::Paged,
) -> Result<Response, ApiError> {
    let (actions, window) = paged.slice(
        state
            .store
            .reader(&v.readable)
            .open_actions(q.get("owner").map(String::as_str))
            .await?,
    );
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
    Ok(Json(crate::api::Listing::new(marking, items, window)).into_response())
}

/// Why a committee change was not made, for a page or the API to say.
pub(crate) enum Unwritten {
    /// No such meeting or action, or not one the writer may read.
    NotFound,
    /// The writer may not do this: why (in their language).
    Forbidden(String),
    /// What is wrong with what was sent: the field (as the store names it) and why.
    Invalid {
        field: Option<String>,
        reason: String,
    },
    /// The server failed.
    Server(crate::ServerError),
}

impl Unwritten {
    /// What is wrong, the field named as a form names it (`owner`), or as a file does
    /// (`meetings[0].actions[1].owner`) when `full`.
    fn text(field: &Option<String>, reason: &str, full: bool) -> String {
        match field {
            Some(f) if full => format!("field `{f}`: {reason}"),
            Some(f) => {
                let short = f.rsplit_once("].").map_or(f.as_str(), |(_, s)| s);
                format!("field `{short}`: {reason}")
            }
            None => reason.to_string(),
        }
    }
}

impl From<pillar_store::StoreError> for Unwritten {
    fn from(e: pillar_store::StoreError) -> Self {
        match e {
            pillar_store::StoreError::Input(i) => Unwritten::Invalid {
                field: i.field,
                reason: i.reason,
            },
            pillar_store::StoreError::Refused(r) => Unwritten::Invalid {
                field: None,
                reason: r,
            },
            other => Unwritten::Server(other.into()),
        }
    }
}

impl From<Unwritten> for PageError {
    fn from(u: Unwritten) -> Self {
        match u {
            Unwritten::NotFound => PageError::NotFound,
            Unwritten::Forbidden(m) => PageError::Forbidden(m),
            Unwritten::Invalid { field, reason } => {
                PageError::BadRequest(Unwritten::text(&field, &reason, false))
            }
            Unwritten::Server(e) => PageError::Internal(e),
        }
    }
}

impl From<Unwritten> for ApiError {
    fn from(u: Unwritten) -> Self {
        match u {
            Unwritten::NotFound => ApiError::NotFound,
            Unwritten::Forbidden(m) => ApiError::Forbidden(m),
            Unwritten::Invalid { field, reason } => {
                ApiError::BadRequest(Unwritten::text(&field, &reason, true))
            }
            Unwritten::Server(e) => ApiError::Internal(e),
        }
    }
}

/// The secretariat keeps the committee's records: anyone else is refused (audited).
async fn keeper(
    state: &AppState,
    v: &crate::Viewer,
    lang: Lang,
    action: &str,
    object: &str,
) -> Result<(), Unwritten> {
    match stewardship::may_keep_committee(&v.person) {
        Ok(()) => Ok(()),
        Err(refusal) => Err(refused(state, v, lang, action, object, &refusal).await),
    }
}

/// A stewardship refusal, audited, in the writer's language.
async fn refused(
    state: &AppState,
    v: &crate::Viewer,
    lang: Lang,
    action: &str,
    object: &str,
    refusal: &stewardship::Refusal,
) -> Unwritten {
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
    Unwritten::Forbidden(crate::i18n::refusal_text(lang, refusal))
}

/// Refuses (audited) a label the writer's clearance does not satisfy: no one writes what they
/// could not read.
async fn writable(
    state: &AppState,
    v: &crate::Viewer,
    lang: Lang,
    action: &str,
    object: &str,
    label: &Label,
) -> Result<(), Unwritten> {
    if state.may_write(&v.person, label).await? {
        return Ok(());
    }
    state
        .audit(
            &v.person.id,
            action,
            object,
            None,
            "deny",
            "clearance does not satisfy the label",
        )
        .await;
    Err(Unwritten::Forbidden(
        lang.t(Key::ClearanceShort).to_string(),
    ))
}

/// Records meetings, with the items they hold, in one transaction (all or none): the
/// secretariat's, under labels the writer's clearance satisfies, each meeting given a new id
/// (returned in order) whatever id `meetings` carry — so that nothing written through the
/// pages or the API replaces, or tells of, a meeting the writer may not see. `source` names
/// the file in errors. Each meeting's creation is audited under its label in the transaction.
pub(crate) async fn record_meetings(
    state: &AppState,
    v: &crate::Viewer,
    lang: Lang,
    source: &str,
    mut meetings: Vec<pillar_core::committee::Meeting>,
) -> Result<Vec<String>, Unwritten> {
    keeper(state, v, lang, "create", "meeting").await?;
    if meetings.is_empty() {
        return Err(Unwritten::Invalid {
            field: Some("meetings".into()),
            reason: "no meeting to record".into(),
        });
    }
    for m in &meetings {
        let items = m
            .agenda
            .iter()
            .filter_map(|a| a.label.as_ref())
            .chain(m.decisions.iter().filter_map(|d| d.label.as_ref()))
            .chain(m.actions.iter().filter_map(|a| a.label.as_ref()));
        for label in std::iter::once(&m.label).chain(items) {
            writable(state, v, lang, "create", "meeting", label).await?;
        }
    }
    for m in &mut meetings {
        m.id = format!("m-{}-{}", m.date, &crate::auth::new_secret()[..6]);
    }
    let events: Vec<AuditEvent> = meetings
        .iter()
        .map(|m| {
            AuditEvent::new(
                &v.person.id,
                "create",
                &format!("meeting:{}", m.id),
                "allow",
                &m.title,
            )
        })
        .collect();
    let at = crate::now();
    let audits: Vec<Audited> = events
        .iter()
        .map(|event| Audited { at: &at, event })
        .collect();
    let origin = stewardship::Origin::of(&v.person, Vec::new());
    state
        .store
        .create_meetings(source, &meetings, &v.readable, &origin, &audits)
        .await?;
    Ok(meetings.into_iter().map(|m| m.id).collect())
}

/// Changes a readable meeting's title, date, place and attendees (the secretariat's).
pub(crate) async fn change_meeting(
    state: &AppState,
    v: &crate::Viewer,
    lang: Lang,
    id: &str,
    header: &pillar_store::committee::MeetingHeader,
) -> Result<(), Unwritten> {
    let object = format!("meeting:{id}");
    if state.store.reader(&v.readable).meeting(id).await?.is_none() {
        return Err(Unwritten::NotFound);
    }
    keeper(state, v, lang, "edit", &object).await?;
    let event = AuditEvent::new(&v.person.id, "edit", &object, "allow", &header.title);
    let at = crate::now();
    let audited = Audited {
        at: &at,
        event: &event,
    };
    match state
        .store
        .edit_meeting(id, &v.readable, header, &audited)
        .await?
    {
        true => Ok(()),
        false => Err(Unwritten::NotFound),
    }
}

/// Adds an agenda item, a decision or an action to a readable meeting (the secretariat's),
/// under its own label when it gives one other than the meeting's; returns the item's
/// position (an action's id is `a` and that position).
pub(crate) async fn add_meeting_item(
    state: &AppState,
    v: &crate::Viewer,
    lang: Lang,
    id: &str,
    mut item: MeetingItem,
) -> Result<i64, Unwritten> {
    let object = format!("meeting:{id}");
    let Some((m, _)) = state.store.reader(&v.readable).meeting(id).await? else {
        return Err(Unwritten::NotFound);
    };
    keeper(state, v, lang, "add item", &object).await?;
    let own = match &mut item {
        MeetingItem::Agenda(a) => &mut a.label,
        MeetingItem::Decision(d) => &mut d.label,
        MeetingItem::Action(a) => &mut a.label,
    };
    if let Some(label) = own.take() {
        writable(state, v, lang, "add item", &object, &label).await?;
        *own = (label != m.label).then_some(label);
    } else {
        writable(state, v, lang, "add item", &object, &m.label).await?;
    }
    let event = AuditEvent::new(&v.person.id, "add item", &object, "allow", item.kind());
    let at = crate::now();
    let audited = Audited {
        at: &at,
        event: &event,
    };
    state
        .store
        .add_meeting_item(id, &v.readable, item, &audited)
        .await?
        .ok_or(Unwritten::NotFound)
}

/// Sets an action's status (`open`, `done`, `dropped`): its owner or the secretariat.
pub(crate) async fn set_action_status(
    state: &AppState,
    v: &crate::Viewer,
    lang: Lang,
    id: &str,
    action: &str,
    status: &str,
) -> Result<(), Unwritten> {
    let object = format!("meeting:{id}/action:{action}");
    let Some((_, a, _)) = state.store.reader(&v.readable).action(id, action).await? else {
        return Err(Unwritten::NotFound);
    };
    if let Err(refusal) = stewardship::may_update_action(&v.person, &a.owner) {
        return Err(refused(state, v, lang, "action status", &object, &refusal).await);
    }
    let event = AuditEvent::new(&v.person.id, "action status", &object, "allow", status);
    let at = crate::now();
    let audited = Audited {
        at: &at,
        event: &event,
    };
    match state
        .store
        .set_action_status(id, action, &v.readable, status, &audited)
        .await?
    {
        true => Ok(()),
        false => Err(Unwritten::NotFound),
    }
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
    let meeting = pillar_core::committee::Meeting {
        id: String::new(),
        committee: form.get("committee").cloned().unwrap_or_default(),
        title: form.get("title").map_or("", |t| t.trim()).to_string(),
        date,
        place: form.get("place").map_or("", |p| p.trim()).to_string(),
        attendees: attendees(&form),
        label,
        agenda: Vec::new(),
        decisions: Vec::new(),
        actions: Vec::new(),
    };
    match record_meetings(&state, &v, lang, "form", vec![meeting]).await {
        Ok(ids) => Ok(Redirect::to(&format!("/committee/meetings/{}", ids[0])).into_response()),
        Err(Unwritten::Forbidden(m)) => again(StatusCode::FORBIDDEN, Some(Err(m)), None).await,
        Err(Unwritten::Invalid { field, reason }) => {
            let message = Unwritten::text(&field, &reason, false);
            again(StatusCode::BAD_REQUEST, None, Some(message)).await
        }
        Err(other) => Err(other.into()),
    }
}

/// The header fields of a meeting form.
fn header_fields(form: &HashMap<String, String>) -> Result<MeetingHeader, PageError> {
    Ok(MeetingHeader {
        title: form.get("title").map_or("", |t| t.trim()).to_string(),
        date: date_field(form, "date").map_err(PageError::BadRequest)?,
        place: form.get("place").map_or("", |t| t.trim()).to_string(),
        attendees: attendees(form),
    })
}

/// `POST /committee/meetings/{id}`: changes a meeting's title, date, place and attendees.
pub async fn edit_meeting(
    State(state): State<AppState>,
    Language(lang): Language,
    Path(id): Path<String>,
    SignedForm(v, form): SignedForm,
) -> Result<Response, PageError> {
    let header = header_fields(&form)?;
    change_meeting(&state, &v, lang, &id, &header).await?;
    Ok(Redirect::to(&format!("/committee/meetings/{id}")).into_response())
}

/// `POST /committee/meetings/{id}/items`: adds an agenda item, a decision or an action item
/// (`kind`), under the label picked (the meeting's when it is the same).
pub async fn add_item(
    State(state): State<AppState>,
    Language(lang): Language,
    Path(id): Path<String>,
    SignedForm(v, form): SignedForm,
) -> Result<Response, PageError> {
    let set = state.policies().await?;
    let label = crate::picker::Chosen::from_fields(&set, &form)
        .label(&set)
        .map_err(PageError::BadRequest)?;
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
            label: Some(label),
        }),
        Some("decision") => MeetingItem::Decision(pillar_core::committee::Decision {
            text,
            rationale: details,
            basis: form.get("basis").map_or("", |b| b.trim()).to_string(),
            project,
            label: Some(label),
        }),
        Some("action") => MeetingItem::Action(pillar_core::committee::Action {
            id: String::new(),
            text,
            owner: form.get("owner").cloned().unwrap_or_default(),
            due: date_field(&form, "due").map_err(PageError::BadRequest)?,
            status: "open".into(),
            label: Some(label),
        }),
        other => {
            return Err(PageError::BadRequest(format!(
                "field `kind`: `{}` is not one of agenda, decision, action",
                other.unwrap_or("")
            )))
        }
    };
    add_meeting_item(&state, &v, lang, &id, item).await?;
    Ok(Redirect::to(&format!("/committee/meetings/{id}")).into_response())
}

/// `POST /committee/meetings/{id}/actions/{action}/status`: marks an action done (or sets
/// another `status`) — its owner or the secretariat, in one click.
pub async fn action_status(
    State(state): State<AppState>,
    Language(lang): Language,
    Path((id, action)): Path<(String, String)>,
    SignedForm(v, form): SignedForm,
) -> Result<Response, PageError> {
    let status = form.get("status").map_or("done", String::as_str);
    set_action_status(&state, &v, lang, &id, &action, status).await?;
    let back = form
        .get("back")
        .filter(|b| *b == "/committee" || *b == "/")
        .map_or_else(|| format!("/committee/meetings/{id}"), String::clone);
    Ok(Redirect::to(&back).into_response())
}

/// `POST /committee/import`: meetings from a committee file (JSON, as `pillar committee
/// import` reads, meetings only), recorded all or none under new ids; the committee page
/// lists them, or the import form says what is wrong, naming the file and the field.
pub async fn import(
    State(state): State<AppState>,
    Language(lang): Language,
    crate::documents::SignedUpload(v, parts): crate::documents::SignedUpload,
) -> Result<Response, PageError> {
    keeper(&state, &v, lang, "import", "meeting").await?;
    let Some((name, _, bytes)) = parts.file else {
        return Err(PageError::BadRequest(
            "field `file`: choose a committee file (JSON)".into(),
        ));
    };
    let file = parse_file(&name, &bytes).map_err(PageError::BadRequest)?;
    let ids = record_meetings(&state, &v, lang, &name, file.meetings)
        .await
        .map_err(|u| match u {
            Unwritten::Invalid { field, reason } => PageError::BadRequest(format!(
                "{name}: {}",
                Unwritten::text(&field, &reason, true)
            )),
            other => other.into(),
        })?;
    Ok(Redirect::to(&format!("/committee?imported={}", ids.join(","))).into_response())
}

/// A committee file for the pages and the API: meetings only (committees are set up by an
/// administrator with `pillar committee import`), errors naming the file, line and column.
fn parse_file(name: &str, bytes: &[u8]) -> Result<pillar_core::committee::CommitteeFile, String> {
    let file: pillar_core::committee::CommitteeFile = serde_json::from_slice(bytes)
        .map_err(|e| format!("{name}:{}:{}: {e}", e.line(), e.column()))?;
    if !file.committees.is_empty() {
        return Err(format!(
            "{name}: field `committees`: committees are set up by an administrator (`pillar committee import`); give meetings only"
        ));
    }
    Ok(file)
}

/// What `PUT /api/meetings/{id}` changes: the meeting's header (its label and items stay).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingChange {
    title: String,
    date: NaiveDate,
    #[serde(default)]
    place: String,
    /// Person ids; those the caller may not see stay on the record.
    #[serde(default)]
    attendees: Vec<String>,
}

/// An item added through the API: `{"kind": "agenda"|"decision"|"action", …}` with the
/// fields of that item in a committee file.
#[derive(serde::Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum NewItem {
    Agenda(pillar_core::committee::AgendaItem),
    Decision(pillar_core::committee::Decision),
    Action(pillar_core::committee::Action),
}

/// `POST /api/meetings`: records a meeting (the secretariat's).
#[utoipa::path(post, path = "/api/meetings", tag = "committee",
    request_body(content = Object, description = "a meeting as a committee file gives it (docs/portfolio.md, Committee workflow): committee, title, date, place, attendees, label, and optionally agenda, decisions, actions; an `id` given is replaced by a new one"),
    responses((status = 201, description = "recorded; its new id", body = crate::api::Recorded),
              (status = 400, description = "what is wrong, the field named", body = crate::api::Refusal),
              (status = 403, description = "not the secretariat, a label your clearance does not satisfy, or a session without X-CSRF-Token", body = crate::api::Refusal)))]
pub async fn api_create_meeting(
    State(state): State<AppState>,
    Writer(v): Writer,
    Body(m): Body<pillar_core::committee::Meeting>,
) -> Result<Response, ApiError> {
    let ids = record_meetings(&state, &v, Lang::En, "request body", vec![m]).await?;
    Ok((StatusCode::CREATED, Json(crate::api::Recorded { ids })).into_response())
}

/// `POST /api/meetings/import`: records the meetings of a committee file, all or none.
#[utoipa::path(post, path = "/api/meetings/import", tag = "committee",
    request_body(content = Object, description = "a committee file with meetings only: `{\"meetings\": [...]}`; each meeting gets a new id"),
    responses((status = 201, description = "recorded; their new ids, in the file's order", body = crate::api::Recorded),
              (status = 400, description = "what is wrong, the field named (`meetings[2].actions[0].owner`); nothing was recorded", body = crate::api::Refusal),
              (status = 403, description = "not the secretariat, or a label your clearance does not satisfy", body = crate::api::Refusal)))]
pub async fn api_import_meetings(
    State(state): State<AppState>,
    Writer(v): Writer,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let file = parse_file("request body", &body).map_err(ApiError::BadRequest)?;
    let ids = record_meetings(&state, &v, Lang::En, "request body", file.meetings).await?;
    Ok((StatusCode::CREATED, Json(crate::api::Recorded { ids })).into_response())
}

/// `PUT /api/meetings/{id}`: changes a meeting's title, date, place and attendees.
#[utoipa::path(put, path = "/api/meetings/{id}", tag = "committee",
    params(("id" = String, Path)),
    request_body(content = Object, description = "`{\"title\", \"date\", \"place\", \"attendees\"}`"),
    responses((status = 204, description = "changed"),
              (status = 400, description = "what is wrong", body = crate::api::Refusal),
              (status = 403, description = "not the secretariat", body = crate::api::Refusal),
              (status = 404, description = "no such meeting you may read", body = crate::api::Refusal)))]
pub async fn api_edit_meeting(
    State(state): State<AppState>,
    Writer(v): Writer,
    Path(id): Path<String>,
    Body(c): Body<MeetingChange>,
) -> Result<Response, ApiError> {
    let header = MeetingHeader {
        title: c.title.trim().to_string(),
        date: c.date,
        place: c.place.trim().to_string(),
        attendees: c.attendees,
    };
    change_meeting(&state, &v, Lang::En, &id, &header).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/meetings/{id}/items`: adds an agenda item, a decision or an action.
#[utoipa::path(post, path = "/api/meetings/{id}/items", tag = "committee",
    params(("id" = String, Path)),
    request_body(content = Object, description = "`{\"kind\": \"agenda\"|\"decision\"|\"action\", …}` with the item's fields as in a committee file; without `label`, the meeting's"),
    responses((status = 201, description = "added; its position (an action's id is `a` and it)", body = crate::api::AddedItem),
              (status = 400, description = "what is wrong, the field named", body = crate::api::Refusal),
              (status = 403, description = "not the secretariat, or a label your clearance does not satisfy", body = crate::api::Refusal),
              (status = 404, description = "no such meeting you may read", body = crate::api::Refusal)))]
pub async fn api_add_item(
    State(state): State<AppState>,
    Writer(v): Writer,
    Path(id): Path<String>,
    Body(item): Body<NewItem>,
) -> Result<Response, ApiError> {
    let item = match item {
        NewItem::Agenda(a) => MeetingItem::Agenda(a),
        NewItem::Decision(d) => MeetingItem::Decision(d),
        NewItem::Action(a) => MeetingItem::Action(pillar_core::committee::Action {
            id: String::new(),
            ..a
        }),
    };
    let action = matches!(item, MeetingItem::Action(_));
    let position = add_meeting_item(&state, &v, Lang::En, &id, item).await?;
    Ok((
        StatusCode::CREATED,
        Json(crate::api::AddedItem {
            position,
            action: action.then(|| format!("a{position}")),
        }),
    )
        .into_response())
}

/// What `POST /api/meetings/{id}/actions/{action}/status` sets.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    status: String,
}

/// `POST /api/meetings/{id}/actions/{action}/status`: `{"status": "done"}` (or `open`,
/// `dropped`) — the action's owner or the secretariat.
#[utoipa::path(post, path = "/api/meetings/{id}/actions/{action}/status", tag = "committee",
    params(("id" = String, Path), ("action" = String, Path)),
    request_body(content = Object, description = "`{\"status\": \"open\"|\"done\"|\"dropped\"}`"),
    responses((status = 204, description = "set"),
              (status = 400, description = "not a status", body = crate::api::Refusal),
              (status = 403, description = "neither its owner nor the secretariat", body = crate::api::Refusal),
              (status = 404, description = "no such action you may read", body = crate::api::Refusal)))]
pub async fn api_action_status(
    State(state): State<AppState>,
    Writer(v): Writer,
    Path((id, action)): Path<(String, String)>,
    Body(s): Body<StatusChange>,
) -> Result<Response, ApiError> {
    set_action_status(&state, &v, Lang::En, &id, &action, &s.status).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
