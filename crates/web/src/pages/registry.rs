//! The registry: nations, organisations, people, technology areas and agreements, as pages
//! and JSON, each row only when the reader may see it.

use super::*;

pub(crate) async fn visible_rows(
    state: &AppState,
    v: &Viewer,
    kind: RegistryKind,
) -> Result<Vec<RegistryRow>, ServerError> {
    Ok(state.store.reader(&v.readable).export(kind).await?)
}

pub(crate) fn kind_of(name: &str) -> Option<RegistryKind> {
    name.parse().ok()
}

pub(crate) fn kind_title(kind: RegistryKind, lang: Lang) -> &'static str {
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
    let columns: Vec<&str> = kind
        .columns()
        .iter()
        .copied()
        .filter(|c| *c != "label" && *c != "clearance")
        .collect();
    let rows_shown = rows
        .iter()
        .map(|r| {
            let record = r.to_record();
            ListRow {
                portion: set
                    .resolve(r.label())
                    .map(|x| set.portion(&x, lang.tag()))
                    .unwrap_or_default(),
                values: columns
                    .iter()
                    .map(|c| record.get(c).unwrap_or("").to_string())
                    .collect(),
            }
        })
        .collect();
    Ok(render(&RegistryList {
        chrome: signed_chrome(&state, &v, lang, &labels, kind_title(kind, lang)).await,
        kind: kind.name(),
        columns,
        rows: rows_shown,
    }))
}

/// A registry list page (`templates/registry_list.html`).
#[derive(askama::Template)]
#[template(path = "registry_list.html")]
struct RegistryList<'a> {
    chrome: Chrome,
    kind: &'a str,
    columns: Vec<&'a str>,
    rows: Vec<ListRow>,
}

/// A row of a registry list: its portion marking and its column values.
struct ListRow {
    portion: String,
    values: Vec<String>,
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
    let record = row.to_record();
    let origin = crate::pages::kept_origin(&state, &v, lang, kind.into(), &id, None).await?;
    let fields = kind
        .columns()
        .iter()
        .filter(|c| **c != "label" && **c != "clearance")
        .map(|c| (*c, record.get(c).unwrap_or("").to_string()))
        .collect();
    Ok(render(&RegistryItem {
        chrome: signed_chrome(&state, &v, lang, &[row.label()], row.id()).await,
        origin,
        fields,
    }))
}

/// A registry item page (`templates/registry_item.html`).
#[derive(askama::Template)]
#[template(path = "registry_item.html")]
struct RegistryItem {
    chrome: Chrome,
    /// The "originated by" line (HTML, escaped by `origin_line`).
    origin: String,
    fields: Vec<(&'static str, String)>,
}

/// A person's clearance is personnel-security data (`pillar_store::access`).
pub(crate) fn redact(v: &Viewer, rows: Vec<RegistryRow>) -> Vec<RegistryRow> {
    pillar_store::access::redact_clearances(&v.person, rows)
}

/// The JSON list of a kind: visible rows only, with the dominant marking.
#[utoipa::path(get, path = "/api/registry/{kind}", tag = "registry",
    params(("kind" = String, Path, description = "nations, organisations, people, tech-areas or agreements"), crate::api::Paging),
    responses((status = 200, description = "the visible rows of the kind", body = crate::api::Listing<serde_json::Value>),
              (status = 400, description = "a limit or offset out of range", body = crate::api::Refusal),
              (status = 404, description = "no such kind", body = crate::api::Refusal)))]
pub async fn api_registry_list(
    State(state): State<AppState>,
    Caller(v): Caller,
    Path(kind): Path<String>,
    paged: crate::request::Paged,
) -> Result<Response, ApiError> {
    let Some(kind) = kind_of(&kind) else {
        return Err(ApiError::NotFound);
    };
    let (rows, window) = paged.slice(redact(&v, visible_rows(&state, &v, kind).await?));
    let labels: Vec<&Label> = rows.iter().map(|r| r.label()).collect();
    let marking = marking(&state, &v, &labels).await;
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
    Ok(Json(crate::api::Listing::new(marking, rows, window)).into_response())
}

/// One row as JSON; 404 when it does not exist or may not be read.
#[utoipa::path(get, path = "/api/registry/{kind}/{id}", tag = "registry",
    params(("kind" = String, Path, description = "nations, organisations, people, tech-areas or agreements"),
           ("id" = String, Path)),
    responses((status = 200, description = "the row and its marking", body = crate::api::Item<serde_json::Value>)))]
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
            let marking = marking(&state, &v, &[row.label()]).await;
            Ok(Json(crate::api::Item { marking, item: row }).into_response())
        }
        None => Err(ApiError::NotFound),
    }
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
#[utoipa::path(get, path = "/api/agreements", tag = "registry",
    params(crate::api::Paging),
    responses((status = 200, description = "the visible agreements", body = crate::api::Listing<serde_json::Value>),
              (status = 400, description = "a limit or offset out of range", body = crate::api::Refusal)))]
pub async fn api_agreements(
    state: State<AppState>,
    caller: Caller,
    paged: crate::request::Paged,
) -> Result<Response, ApiError> {
    api_registry_list(state, caller, Path("agreements".into()), paged).await
}

/// `/api/agreements/{id}`.
#[utoipa::path(get, path = "/api/agreements/{id}", tag = "registry",
    params(("id" = String, Path)),
    responses((status = 200, description = "the agreement and its marking", body = crate::api::Item<serde_json::Value>)))]
pub async fn api_agreement(
    state: State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    api_registry_item(state, caller, Path(("agreements".into(), id))).await
}
