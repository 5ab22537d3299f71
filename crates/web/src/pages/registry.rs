//! The registry: nations, organisations, people, technology areas and agreements, as pages
//! and JSON, each row only when the reader may see it.

use super::*;

mod related;

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

/// A registry list page: every visible row of a kind, with its portion marking, each id a
/// name in the reader's language and each reference a link the reader may follow. Agreements
/// filter by nation (a party, or a group it belongs to), technology area (the area or one it
/// falls under) and whether in force today.
pub async fn registry_list(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
    Path(kind): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let Some(kind) = kind_of(&kind) else {
        return Err(PageError::NotFound);
    };
    let all = visible_rows(&state, &v, kind).await?;
    let total = all.len();
    let names = crate::names::Names::load(&state, &v, lang).await?;
    let filter = if kind == RegistryKind::Agreements {
        let tree = state.store.reader(&v.readable).tech_areas().await?;
        let nations = state.store.reader(&v.readable).nations().await?;
        Some(AgreementFilter::new(
            &q,
            &names,
            tree,
            nations,
            state.today(),
        ))
    } else {
        None
    };
    let rows: Vec<RegistryRow> = all
        .into_iter()
        .filter(|r| match (&filter, r) {
            (Some(f), RegistryRow::Agreement(a)) => f.matches(a),
            _ => true,
        })
        .collect();
    let set = state.policies_for(&v).await?;
    let labels: Vec<&Label> = rows.iter().map(|r| r.label()).collect();
    let columns: Vec<&'static str> = shown_fields(kind)
        .iter()
        .map(|(_, key)| lang.t(*key))
        .collect();
    let rows_shown = rows
        .iter()
        .map(|r| ListRow {
            portion: set
                .resolve(r.label())
                .map(|x| set.portion(&x, lang.tag()))
                .unwrap_or_default(),
            values: fields_of(r, &names, lang)
                .into_iter()
                .enumerate()
                .map(|(i, (_, html))| {
                    // The first column names the row: it links to the row's page.
                    if i == 0 {
                        format!(
                            "<a href=\"{}\" title=\"{}\">{html}</a>",
                            esc(&crate::names::registry_href(kind, r.id())),
                            esc(r.id())
                        )
                    } else {
                        html
                    }
                })
                .collect(),
        })
        .collect();
    Ok(render(&RegistryList {
        chrome: signed_chrome(&state, &v, lang, &labels, kind_title(kind, lang)).await,
        count: if filter.as_ref().is_some_and(AgreementFilter::active) {
            lang.t(Key::ShownOf)
                .replace("{n}", &rows.len().to_string())
                .replace("{total}", &total.to_string())
        } else {
            format!("{} {}", rows.len(), lang.t(Key::Count))
        },
        columns,
        rows: rows_shown,
        filter,
    }))
}

/// A registry list page (`templates/registry_list.html`).
#[derive(askama::Template)]
#[template(path = "registry_list.html")]
struct RegistryList {
    chrome: Chrome,
    count: String,
    columns: Vec<&'static str>,
    rows: Vec<ListRow>,
    filter: Option<AgreementFilter>,
}

/// A row of a registry list: its portion marking and its cells (HTML).
struct ListRow {
    portion: String,
    values: Vec<String>,
}

/// The agreements list's filters, as chosen, with their choices.
pub(crate) struct AgreementFilter {
    /// Chosen nation code ("" for any).
    pub nation: String,
    /// Chosen technology area id ("" for any).
    pub area: String,
    /// Only agreements in force today.
    pub in_force: bool,
    /// The nations (and groups) the reader may read: (code, name).
    pub nations: Vec<(String, String)>,
    /// The technology areas the reader may read: (id, name).
    pub areas: Vec<(String, String)>,
    tree: Vec<pillar_core::TechArea>,
    groups: Vec<pillar_core::Nation>,
    today: chrono::NaiveDate,
}

impl AgreementFilter {
    fn new(
        q: &HashMap<String, String>,
        names: &crate::names::Names,
        tree: Vec<pillar_core::TechArea>,
        groups: Vec<pillar_core::Nation>,
        today: chrono::NaiveDate,
    ) -> Self {
        let pick = |k: &str| q.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
        AgreementFilter {
            nation: pick("nation"),
            area: pick("area"),
            in_force: q.get("in_force").is_some_and(|s| !s.is_empty() && s != "0"),
            nations: names.all(RegistryKind::Nations),
            areas: names.all(RegistryKind::TechAreas),
            tree,
            groups,
            today,
        }
    }

    /// Whether any filter is chosen.
    pub fn active(&self) -> bool {
        !self.nation.is_empty() || !self.area.is_empty() || self.in_force
    }

    /// Whether `a` passes every chosen filter.
    fn matches(&self, a: &pillar_core::Agreement) -> bool {
        let nation_ok =
            self.nation.is_empty() || related::party_to(&self.groups, &a.parties, &self.nation);
        let area_ok = self.area.is_empty() || related::covers(&self.tree, &a.areas, &self.area);
        nation_ok && area_ok && (!self.in_force || a.in_force_on(self.today))
    }
}

/// The fields a page shows for a kind, in order: (field, header). The clearance is
/// personnel-security data and the label is the portion marking: neither is a field here.
fn shown_fields(kind: RegistryKind) -> &'static [(&'static str, Key)] {
    match kind {
        RegistryKind::Nations => &[
            ("name", Key::Name),
            ("code", Key::Code),
            ("members", Key::Members),
        ],
        RegistryKind::Organisations => &[
            ("name", Key::Name),
            ("kind", Key::Kind),
            ("nation", Key::Nation),
            ("parent", Key::PartOf),
        ],
        RegistryKind::People => &[
            ("name", Key::Name),
            ("nationality", Key::Nationality),
            ("organisation", Key::Organisation),
            ("roles", Key::Roles),
        ],
        RegistryKind::TechAreas => &[
            ("name", Key::Name),
            ("taxonomy", Key::Taxonomy),
            ("parent", Key::PartOf),
        ],
        RegistryKind::Agreements => &[
            ("title", Key::TitleField),
            ("kind", Key::Kind),
            ("parties", Key::Parties),
            ("areas", Key::Areas),
            ("valid_from", Key::ValidFrom),
            ("valid_to", Key::ValidTo),
            ("status", Key::Status),
        ],
    }
}

/// A row's shown fields as (header, HTML): names in `lang`, references as links the reader may
/// follow, values from fixed lists in words, dates in `lang`.
fn fields_of(
    row: &RegistryRow,
    names: &crate::names::Names,
    lang: Lang,
) -> Vec<(&'static str, String)> {
    use crate::i18n::{date, date_or_dash, term};
    let kind = row.kind();
    let values: Vec<String> = match row {
        RegistryRow::Nation(n) => vec![
            esc(&crate::i18n::nation_name(lang, n)),
            esc(n.code.as_str()),
            names.links(RegistryKind::Nations, n.members.iter().map(|m| m.as_str())),
        ],
        RegistryRow::Organisation(o) => vec![
            esc(&o.name),
            esc(&term(lang, o.kind.as_str())),
            names.link(RegistryKind::Nations, o.nation.as_str()),
            names.links(RegistryKind::Organisations, o.parent.as_deref()),
        ],
        RegistryRow::Person(p) => vec![
            esc(&p.name),
            names.link(RegistryKind::Nations, p.nationality.as_str()),
            names.links(RegistryKind::Organisations, p.organisation.as_deref()),
            esc(&p
                .roles
                .iter()
                .map(|r| term(lang, r.as_str()))
                .collect::<Vec<_>>()
                .join(", ")),
        ],
        RegistryRow::TechArea(a) => vec![
            esc(&names.name(RegistryKind::TechAreas, &a.id)),
            names.link(RegistryKind::TechAreas, &a.taxonomy),
            names.links(RegistryKind::TechAreas, a.parent.as_deref()),
        ],
        RegistryRow::Agreement(a) => vec![
            esc(&a.title),
            esc(&term(lang, a.kind.as_str())),
            names.links(RegistryKind::Nations, a.parties.iter().map(|p| p.as_str())),
            names.links(RegistryKind::TechAreas, a.areas.iter().map(String::as_str)),
            date(lang, a.valid_from),
            date_or_dash(lang, a.valid_to),
            esc(&term(lang, a.status.as_str())),
        ],
    };
    shown_fields(kind)
        .iter()
        .zip(values)
        .map(|((_, key), html)| (lang.t(*key), html))
        .collect()
}

/// A registry item page: its fields (names, links, words, dates), then the records related to
/// it that the reader may open — organisations, people, projects, agreements and documents.
/// 404 when the row does not exist or may not be read.
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
    let origin = crate::pages::kept_origin(&state, &v, lang, kind.into(), &id, None).await?;
    let names = crate::names::Names::load(&state, &v, lang).await?;
    let related = related::of(&state, &v, &row, &names, lang).await?;
    let mut labels: Vec<&Label> = vec![row.label()];
    labels.extend(related.labels.iter());
    let title = match &row {
        RegistryRow::Agreement(a) => a.title.clone(),
        _ => names.name(kind, row.id()),
    };
    Ok(render(&RegistryItem {
        chrome: signed_chrome(&state, &v, lang, &labels, &title).await,
        origin,
        id: row.id().to_string(),
        fields: fields_of(&row, &names, lang),
        sections: related.sections,
    }))
}

/// A registry item page (`templates/registry_item.html`).
#[derive(askama::Template)]
#[template(path = "registry_item.html")]
struct RegistryItem {
    chrome: Chrome,
    /// The "originated by" line (HTML, escaped by `origin_line`).
    origin: String,
    id: String,
    /// (header, HTML).
    fields: Vec<(&'static str, String)>,
    /// (heading, links as HTML), only those with links.
    sections: Vec<(&'static str, Vec<String>)>,
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
    query: Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    registry_list(state, signed, lang, Path("agreements".into()), query).await
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
