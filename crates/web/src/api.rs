//! The JSON API's answers as types: each handler serialises one of these, and the OpenAPI
//! document (`GET /api/openapi.json`) is generated from the handlers' annotations and these
//! types (utoipa), so the description and the answers cannot drift apart. Records inside an
//! answer (projects, meetings, registry rows …) are the engines' own types, described as
//! objects: an operation's annotation names them as `serde_json::Value`.

use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

/// One page of records the caller may read, under their dominant marking.
#[derive(Serialize, ToSchema)]
#[schema(bound = "")]
pub struct Listing<T: Serialize> {
    /// The dominant marking of the items on this page, in the caller's policy (English).
    pub marking: String,
    /// How many items follow.
    pub count: usize,
    /// Where this page is in the list, and the next page.
    #[serde(flatten)]
    pub window: Window,
    /// The items, each with its own label.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<T>,
}

impl<T: Serialize> Listing<T> {
    /// A page of items under `marking` (the marking of that page's items).
    pub fn new(marking: String, items: Vec<T>, window: Window) -> Listing<T> {
        Listing {
            marking,
            count: items.len(),
            window,
            items,
        }
    }
}

/// Where a page is in a list. Totals count what the caller may read, nothing else.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Window {
    /// How many items the whole list holds for the caller.
    pub total: usize,
    /// How many were skipped before this page.
    pub offset: usize,
    /// The most a page holds.
    pub limit: usize,
    /// The next page (path and query), when there is one.
    pub next: Option<String>,
}

/// The pages of a list: `?limit=` (1–1000, default 100) and `?offset=` (default 0).
#[derive(Debug, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// The most items to return (1–1000; default 100).
    pub limit: Option<usize>,
    /// How many items to skip (default 0).
    pub offset: Option<usize>,
}

/// The most items a page holds unless `?limit=` says otherwise.
pub const DEFAULT_LIMIT: usize = 100;
/// The most `?limit=` may ask for.
pub const MAX_LIMIT: usize = 1000;

/// Documents the caller may read: newest first, or the best matches of a query.
#[derive(Serialize, ToSchema)]
pub struct DocumentListing {
    /// The dominant marking of the items.
    pub marking: String,
    /// How many items follow.
    pub count: usize,
    /// Where this page is in the list, and the next page.
    #[serde(flatten)]
    pub window: Window,
    /// True when more than 2 000 visible documents matched; they are then listed newest first.
    pub broad: bool,
    /// The documents, each with its label and its origin as the caller may be shown it.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<serde_json::Value>,
}

/// One record with its marking; the record is under the key the operation names.
#[derive(Serialize, ToSchema)]
#[schema(bound = "")]
pub struct Project<P: Serialize, H: Serialize> {
    /// The marking of the project.
    pub marking: String,
    /// The project with its assessments, participants, milestones and risks.
    #[schema(value_type = Object)]
    pub project: P,
    /// Its change history, newest first.
    #[schema(value_type = Vec<Object>)]
    pub history: Vec<H>,
}

/// A meeting's record with only the agenda items, decisions and actions released to the caller.
#[derive(Serialize, ToSchema)]
#[schema(bound = "")]
pub struct Meeting<M: Serialize> {
    /// The dominant marking of what is shown.
    pub marking: String,
    /// The meeting.
    #[schema(value_type = Object)]
    pub meeting: M,
}

/// One registry row or agreement.
#[derive(Serialize, ToSchema)]
#[schema(bound = "")]
pub struct Item<R: Serialize> {
    /// The marking of the row.
    pub marking: String,
    /// The row (clearances shown only to those who may see them).
    #[schema(value_type = Object)]
    pub item: R,
}

/// An open action item.
#[derive(Serialize, ToSchema)]
#[schema(bound = "")]
pub struct OpenAction<A: Serialize> {
    /// The meeting that recorded it.
    pub meeting: String,
    /// The action: owner, due date, text.
    #[schema(value_type = Object)]
    pub action: A,
    /// Past its due date.
    pub overdue: bool,
}

/// A published analysis, without its body.
#[derive(Serialize, ToSchema)]
#[schema(bound = "")]
pub struct LandscapeSummary<L: Serialize> {
    pub id: String,
    pub name: String,
    /// Its label.
    #[schema(value_type = Object)]
    pub label: L,
    pub published_at: String,
    pub published_by: String,
}

/// The analyses the caller may read.
#[derive(Serialize, ToSchema)]
#[schema(bound = "")]
pub struct Landscapes<L: Serialize> {
    /// The dominant marking of the analyses.
    pub marking: String,
    /// Where this page is in the list, and the next page.
    #[serde(flatten)]
    pub window: Window,
    /// The analyses.
    #[schema(value_type = Vec<Object>)]
    pub landscapes: Vec<LandscapeSummary<L>>,
}

/// One analysis whole.
#[derive(Serialize, ToSchema)]
#[schema(bound = "")]
pub struct Landscape<L: Serialize, S: Serialize> {
    /// The marking of the analysis.
    pub marking: String,
    pub id: String,
    pub name: String,
    /// Its label.
    #[schema(value_type = Object)]
    pub label: L,
    /// Its areas and queries, indicators per area and nation, collaboration, partner
    /// suggestions.
    #[schema(value_type = Object)]
    pub analysis: S,
}

/// The portfolio views over the caller's projects.
#[derive(Serialize, ToSchema)]
#[schema(bound = "M: utoipa::ToSchema")]
pub struct Portfolio<C: Serialize, S: Serialize, M: Serialize> {
    /// The dominant marking of the projects.
    pub marking: String,
    /// How many projects the views are computed over.
    pub projects: usize,
    /// Every chart's series (id, columns, rows).
    #[schema(value_type = Vec<Object>)]
    pub charts: Vec<C>,
    /// The stalled projects.
    #[schema(value_type = Vec<Object>)]
    pub stalled: Vec<S>,
    /// The workstream × nation readiness matrix.
    pub matrix: Matrix<M>,
    /// The same matrix's supply slots: per cell, the end items of its projects in the networks
    /// you may read and the largest share of one from outside the coalition (`worst`: [share
    /// 0–1, item]), `cells[workstream][nation]`.
    #[schema(value_type = Vec<Vec<Object>>)]
    pub supply: Vec<Vec<pillar_readiness::portfolio::SupplyCell>>,
}

/// The readiness matrix: `cells[workstream][nation]`.
#[derive(Serialize, ToSchema)]
#[schema(bound = "")]
pub struct Matrix<M: Serialize> {
    pub workstreams: Vec<String>,
    pub nations: Vec<String>,
    #[schema(value_type = Vec<Vec<Object>>)]
    pub cells: Vec<Vec<M>>,
}

/// A supply network's analysis.
#[derive(Serialize, ToSchema)]
#[schema(bound = "")]
pub struct SupplyNetwork<N: Serialize, R: Serialize, W: Serialize> {
    /// The marking of the network.
    pub marking: String,
    /// The network: id, name, label, when imported, how many items.
    #[schema(value_type = Object)]
    pub network: N,
    /// End item id → exposure by country, HHI, share from countries of concern, single points
    /// of failure, independent sources, allied alternatives.
    #[schema(value_type = Object)]
    pub items: R,
    /// With `disrupt`: end item id → supply retained, time to survive, path of the loss.
    #[schema(value_type = Option<Object>)]
    pub what_if: Option<W>,
}

/// What creates an API token.
#[derive(serde::Deserialize, ToSchema)]
pub struct NewToken {
    /// A name to recognise it by.
    pub name: String,
}

/// A new token: its secret is shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub id: String,
    pub name: String,
    /// The bearer secret.
    pub token: String,
}

/// What a committee write recorded: the new meetings' ids, in the order given.
#[derive(Serialize, ToSchema)]
pub struct Recorded {
    pub ids: Vec<String>,
}

/// An item added to a meeting: its position among the meeting's items, and an action's id.
#[derive(Serialize, ToSchema)]
pub struct AddedItem {
    pub position: i64,
    /// For an action: its id (`a` and its position).
    pub action: Option<String>,
}

/// Every refusal's body.
#[derive(Serialize, ToSchema)]
pub struct Refusal {
    /// What is wrong, or "not found".
    pub error: String,
}

/// The OpenAPI document of the JSON API: the operations are the handlers annotated with
/// `#[utoipa::path]`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Pillar API",
        description = "Every answer holds only what the caller's clearance may read; an object \
                       they may not read is 404, the same answer as one that does not exist."
    ),
    paths(
        crate::pages::api_registry_list,
        crate::pages::api_registry_item,
        crate::pages::api_agreements,
        crate::pages::api_agreement,
        crate::pages::api_tokens,
        crate::pages::api_create_token,
        crate::pages::api_revoke_token,
        crate::documents::api_list,
        crate::committee::api_meetings,
        crate::committee::api_meeting,
        crate::committee::api_actions,
        crate::committee::api_create_meeting,
        crate::committee::api_import_meetings,
        crate::committee::api_edit_meeting,
        crate::committee::api_add_item,
        crate::committee::api_action_status,
        crate::portfolio::api_projects,
        crate::portfolio::api_project,
        crate::portfolio::api_portfolio,
        crate::landscape::api_list,
        crate::landscape::api_one,
        crate::supply::api_list,
        crate::supply::api_one,
        crate::tdf::download,
        crate::kas::public_key,
        crate::kas::rewrap,
        crate::kas::well_known,
        crate::kas::token,
        crate::healthz,
        crate::metrics,
    ),
    components(schemas(Refusal, NewToken, CreatedToken, Recorded, AddedItem, Window)),
    security(("bearer" = []), ("session" = [])),
    modifiers(&Security, &Refusals)
)]
pub struct ApiDoc;

/// The two ways to call the API: an API token, or a browser session.
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("an API token from POST /api/tokens"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "pillar_session",
                "a browser session; state-changing calls also need the X-CSRF-Token header",
            ))),
        );
    }
}

/// Answers every API operation may give besides its own: not signed in, a malformed request (a
/// NUL character, a parameter of the wrong type), a path value that names nothing the caller
/// may read (the same answer as one that does not exist), a body that is not JSON or lacks the
/// fields described. Pillar's own (401, 404) are a [`Refusal`].
struct Refusals;

impl Modify for Refusals {
    fn modify(&self, doc: &mut Document) {
        let refusals = [
            ("401", "not signed in, or an unknown or revoked token"),
            ("400", "a malformed request: a NUL character, a parameter out of range or of the wrong type, a body that cannot be read"),
            ("404", "nothing there: an unknown path value, or an object not released to you (indistinguishable)"),
            ("415", "a body that is not JSON"),
            ("422", "a JSON body without the fields described"),
        ];
        for (path, item) in doc.paths.paths.iter_mut() {
            let operations = [
                (false, item.get.as_mut()),
                (true, item.post.as_mut()),
                (false, item.delete.as_mut()),
            ];
            for (post, op) in operations {
                let Some(op) = op else { continue };
                for (code, why) in refusals {
                    let applies = match code {
                        "400" | "401" => path.starts_with("/api/"),
                        "404" => path.contains('{'),
                        _ => post,
                    };
                    if applies && !op.responses.responses.contains_key(code) {
                        let mut refusal = ResponseBuilder::new().description(why);
                        // Pillar's own refusals are JSON; a body the framework cannot read is
                        // refused by it, in its words.
                        if matches!(code, "401" | "404") {
                            refusal = refusal.content(
                                "application/json",
                                ContentBuilder::new()
                                    .schema(Some(Ref::from_schema_name("Refusal")))
                                    .build(),
                            );
                        }
                        op.responses
                            .responses
                            .insert(code.to_string(), refusal.build().into());
                    }
                }
            }
        }
    }
}

/// `GET /api/openapi.json`.
pub async fn openapi() -> axum::Json<Document> {
    axum::Json(ApiDoc::openapi())
}
