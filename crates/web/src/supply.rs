//! The supply-chain pages: the networks the reader may read (each under its own label), a
//! network's end items with their exposure to countries of concern, concentration and single
//! points of failure, one end item's exposure by country through every tier (a chart and a
//! table) with allied alternatives, and what-if disruptions; and their JSON API. Every number
//! is computed by `pillar-supply` over the stored network.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use pillar_store::SupplyNetworkInfo;
use pillar_supply::{
    what_if, Analysis, Disruption, EndItemReport, Network, Target, WhatIf, COUNTRIES_OF_CONCERN,
    PARTNERS,
};

use crate::charts::bar_chart;
use crate::i18n::Key;
use crate::pages::{marking, render, signed_chrome, Chrome};
use crate::request::{ApiError, Caller, Language, PageError, Signed};
use crate::{AppState, LabelledRecord, ServerError, Viewer};
use pillar_readiness::portfolio::Series;

impl LabelledRecord for (SupplyNetworkInfo, Network) {
    fn label(&self) -> &pillar_label::Label {
        &self.0.label
    }
}

/// A readable network, its read audited; `None` when it does not exist or may not be read.
async fn open(
    state: &AppState,
    v: &Viewer,
    id: &str,
) -> Result<Option<(SupplyNetworkInfo, Network)>, ServerError> {
    let found = state.store.reader(&v.readable).supply_network(id);
    state
        .read(v, &format!("supply-network:{id}"), "", found)
        .await
}

/// The analysis of every end item, against the default countries of concern and partners.
fn report(net: &Network) -> BTreeMap<String, EndItemReport> {
    let list = |codes: &[&str]| codes.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    Analysis::run(net).report(net, &list(&COUNTRIES_OF_CONCERN), &list(&PARTNERS))
}

/// For the end items `projects` deliver, in the networks `v` may read: the share (0–1) of each
/// one's supply from countries outside the coalition (the registry's nations, not its groups),
/// through every tier; with the labels of the networks read (what a page showing the shares
/// must be marked with) and the items' names.
pub(crate) async fn outside_shares(
    state: &AppState,
    v: &Viewer,
    projects: &[pillar_core::project::Project],
) -> Result<Exposures, ServerError> {
    let coalition: Vec<String> = state
        .store
        .reader(&v.readable)
        .nations()
        .await?
        .iter()
        .filter(|n| n.members.is_empty())
        .map(|n| n.code.to_string())
        .collect();
    let mut wanted: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in projects.iter().flat_map(|p| &p.end_items) {
        wanted.entry(&e.network).or_default().push(&e.item);
    }
    let (mut out, mut labels, mut names) = (BTreeMap::new(), Vec::new(), BTreeMap::new());
    for (id, items) in wanted {
        let Some((info, net)) = state.store.reader(&v.readable).supply_network(id).await? else {
            continue;
        };
        let reports = report(&net);
        let mut used = false;
        for item in items {
            if let Some(r) = reports.get(item) {
                let share: f64 = r
                    .exposure
                    .iter()
                    .filter(|(c, _)| !coalition.contains(c))
                    .map(|(_, s)| *s)
                    .sum();
                out.insert((id.to_string(), item.to_string()), share);
                names.insert(
                    (id.to_string(), item.to_string()),
                    name_of(&net, item).to_string(),
                );
                used = true;
            }
        }
        if used {
            labels.push(info.label);
        }
    }
    Ok(Exposures {
        outside: out,
        labels,
        names,
    })
}

/// What [`outside_shares`] found.
pub(crate) struct Exposures {
    /// (network, item) → share of its supply from outside the coalition (0–1).
    pub outside: BTreeMap<(String, String), f64>,
    /// The labels of the networks read.
    pub labels: Vec<pillar_label::Label>,
    /// (network, item) → the item's name.
    pub names: BTreeMap<(String, String), String>,
}

/// An item's name as the network records it (its id when unknown).
fn name_of<'a>(net: &'a Network, id: &'a str) -> &'a str {
    net.item(id)
        .map_or(id, |i| net.item_names[i as usize].as_str())
}

/// `/supply`: the networks the reader may read.
pub async fn index(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
) -> Result<Response, PageError> {
    let list = state.store.reader(&v.readable).supply_networks().await?;
    let labels: Vec<&pillar_label::Label> = list.iter().map(|n| &n.label).collect();
    Ok(render(&IndexPage {
        chrome: signed_chrome(&state, &v, lang, &labels, lang.t(Key::SupplyNetworks)).await,
        list: &list,
    }))
}

/// The list of networks (`templates/supply_index.html`).
#[derive(askama::Template)]
#[template(path = "supply_index.html")]
struct IndexPage<'a> {
    chrome: Chrome,
    list: &'a [SupplyNetworkInfo],
}

/// One end item in a network's table.
struct EndItemRow<'a> {
    id: &'a str,
    name: &'a str,
    /// The largest country (its name) and its share (%), when anything below the item has
    /// sources.
    largest: Option<(String, f64)>,
    /// The share (%) from the country the list is filtered by.
    exposed: Option<f64>,
    concern: f64,
    hhi: f64,
    spof: usize,
    independent: u32,
}

/// The what-if outcome of one end item.
struct WhatIfRow {
    name: String,
    retained: f64,
    tts_days: Option<f64>,
    path: String,
}

/// What the what-if form asked, and its answer or what is wrong with it.
struct WhatIfAsked {
    /// The targets as one list (`country:CHN, site:S1`), as the text field shows them.
    disrupt: String,
    capacity: String,
    outcome: Option<Result<Vec<WhatIfRow>, String>>,
}

/// The query's parameters in order, repeated keys kept (`?country=CHN&country=RUS`).
fn pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default()
}

/// The first value of `key` among `pairs`.
fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim())
}

/// The targets a query names: the `disrupt` list (`country:CHN,supplier:ID,site:ID`) and the
/// picker's check boxes (`country=CHN`, `supplier=ID`, `site=ID`, each repeatable), as one
/// comma-separated list in that order, without repeats.
fn asked_targets(pairs: &[(String, String)]) -> String {
    let mut out: Vec<String> = Vec::new();
    for (k, v) in pairs {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        let named: Vec<String> = match k.as_str() {
            "disrupt" => v
                .split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect(),
            "country" | "supplier" | "site" => vec![format!("{k}:{v}")],
            _ => continue,
        };
        for t in named {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out.join(", ")
}

/// Runs the disruption the query asks for (its targets, `capacity`): `None` without one.
fn asked_what_if(net: &Network, pairs: &[(String, String)]) -> Option<Result<WhatIf, String>> {
    let disrupt = asked_targets(pairs);
    if disrupt.is_empty() {
        return None;
    }
    let capacity = match first(pairs, "capacity").filter(|c| !c.is_empty()) {
        None => 0.0,
        Some(c) => match c.parse::<f64>() {
            Ok(x) if (0.0..=1.0).contains(&x) => x,
            _ => {
                return Some(Err(format!(
                    "capacity `{c}`: give the remaining fraction, between 0 and 1"
                )))
            }
        },
    };
    Some(Target::parse_list(&disrupt).and_then(|targets| {
        what_if(
            net,
            &Disruption {
                targets,
                remaining: capacity,
            },
        )
    }))
}

/// What the what-if picker offers: the network's countries (code, name in the reader's
/// language, of concern), suppliers and sites (id, name), each with whether it is chosen.
struct Picker {
    countries: Vec<(String, String, bool, bool)>,
    suppliers: Vec<(String, bool)>,
    sites: Vec<(String, String, bool)>,
    /// A supplier or site is chosen (their part of the form opens).
    beyond_countries: bool,
}

impl Picker {
    fn new(net: &Network, chosen: &str, lang: crate::i18n::Lang) -> Self {
        let chosen: Vec<&str> = chosen.split(',').map(str::trim).collect();
        let is = |kind: &str, id: &str| chosen.contains(&format!("{kind}:{id}").as_str());
        let mut countries: Vec<(String, String, bool, bool)> = net
            .countries
            .iter()
            .map(|c| {
                (
                    c.clone(),
                    crate::i18n::country_name(lang, c).unwrap_or_else(|| c.clone()),
                    COUNTRIES_OF_CONCERN.contains(&c.as_str()),
                    is("country", c),
                )
            })
            .collect();
        countries.sort_by(|a, b| a.1.cmp(&b.1));
        let mut suppliers: Vec<(String, bool)> = net
            .supplier_ids
            .iter()
            .map(|s| (s.clone(), is("supplier", s)))
            .collect();
        suppliers.sort();
        let mut sites: Vec<(String, String, bool)> = net
            .site_ids
            .iter()
            .zip(&net.site_names)
            .map(|(id, name)| (id.clone(), name.clone(), is("site", id)))
            .collect();
        sites.sort_by(|a, b| a.1.cmp(&b.1));
        let beyond_countries = suppliers.iter().any(|s| s.1) || sites.iter().any(|s| s.2);
        Picker {
            countries,
            suppliers,
            sites,
            beyond_countries,
        }
    }
}

/// `/supply/{id}`: a network's end items (all, or `?exposed=XXX`: those that depend on that
/// country, most exposed first) with a chart of their share from countries of concern, and a
/// what-if disruption (`?disrupt=…` and/or the picker's `country`, `supplier`, `site`;
/// `capacity`).
pub async fn network(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
    Path(id): Path<String>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, PageError> {
    let Some((info, net)) = open(&state, &v, &id).await? else {
        return Err(PageError::NotFound);
    };
    let q = pairs(raw.as_deref());
    let origin = crate::pages::kept_origin(
        &state,
        &v,
        lang,
        pillar_store::Kept::SupplyNetwork,
        &id,
        None,
    )
    .await?;
    let reports = report(&net);
    let exposed = first(&q, "exposed").unwrap_or("").to_string();
    if !exposed.is_empty() && !net.countries.contains(&exposed) {
        return Err(PageError::BadRequest(format!(
            "`exposed`: no site in country `{exposed}` in the network (its countries: {})",
            net.countries.join(", ")
        )));
    }
    let country = |c: &str| crate::i18n::country_name(lang, c).unwrap_or_else(|| c.to_string());
    let mut rows: Vec<EndItemRow> = reports
        .iter()
        .filter(|(_, r)| exposed.is_empty() || r.exposure.get(&exposed).is_some_and(|s| *s > 0.0))
        .map(|(item, r)| EndItemRow {
            id: item,
            name: name_of(&net, item),
            largest: r
                .exposure
                .iter()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(c, s)| (country(c), 100.0 * s)),
            exposed: r.exposure.get(&exposed).map(|s| 100.0 * s),
            concern: 100.0 * r.concern_share,
            hhi: r.hhi,
            spof: r.spof.len(),
            independent: r.independent_sources,
        })
        .collect();
    if !exposed.is_empty() {
        rows.sort_by(|a, b| {
            b.exposed
                .unwrap_or(0.0)
                .total_cmp(&a.exposed.unwrap_or(0.0))
        });
    }
    let chart_title = lang.t(Key::ConcernByEndItem);
    let chart = bar_chart(
        &Series {
            id: "concern-by-end-item",
            columns: vec!["end item".into(), "%".into()],
            rows: rows
                .iter()
                .map(|r| (r.name.to_string(), vec![r.concern.round()]))
                .collect(),
        },
        0,
        chart_title,
    );
    let asked = asked_what_if(&net, &q);
    let failed = matches!(asked, Some(Err(_)));
    let disrupt = asked_targets(&q);
    let picker = Picker::new(&net, &disrupt, lang);
    let what_if = WhatIfAsked {
        capacity: first(&q, "capacity").unwrap_or("0").to_string(),
        disrupt,
        outcome: asked.map(|a| {
            a.map(|w| {
                w.items
                    .iter()
                    .map(|(item, r)| WhatIfRow {
                        name: name_of(&net, item).to_string(),
                        retained: 100.0 * r.retained,
                        tts_days: r.tts_days,
                        path: r
                            .path
                            .iter()
                            .map(|p| name_of(&net, p))
                            .collect::<Vec<_>>()
                            .join(" → "),
                    })
                    .collect()
            })
        }),
    };
    let exposed_choices = {
        let mut c: Vec<(String, String)> = net
            .countries
            .iter()
            .map(|c| (c.clone(), country(c)))
            .collect();
        c.sort_by(|a, b| a.1.cmp(&b.1));
        c
    };
    let page = NetworkPage {
        chrome: signed_chrome(&state, &v, lang, &[&info.label], &info.name).await,
        origin,
        info: &info,
        intro: lang.t(Key::EndItemsIntro).replace(
            "{concern}",
            &COUNTRIES_OF_CONCERN
                .iter()
                .map(|c| country(c))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        imported: crate::i18n::timestamp(lang, &info.imported_at),
        exposed_name: (!exposed.is_empty()).then(|| country(&exposed)),
        exposed,
        exposed_choices,
        chart_title,
        chart,
        rows,
        picker,
        what_if,
    };
    // A what-if the network cannot answer (an unknown country, a bad capacity) is the form
    // again with what is wrong: 400.
    let status = if failed {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((status, render(&page)).into_response())
}

/// A network (`templates/supply_network.html`).
#[derive(askama::Template)]
#[template(path = "supply_network.html")]
struct NetworkPage<'a> {
    chrome: Chrome,
    /// The "originated by" line (HTML, from `origin_line`).
    origin: String,
    info: &'a SupplyNetworkInfo,
    intro: String,
    /// When it was imported (HTML `<time>`).
    imported: String,
    /// The country end items are filtered by (`?exposed=`), or empty; its name.
    exposed: String,
    exposed_name: Option<String>,
    /// The network's countries: (code, name).
    exposed_choices: Vec<(String, String)>,
    chart_title: &'static str,
    /// Share from countries of concern per end item (SVG, from `bar_chart`).
    chart: String,
    rows: Vec<EndItemRow<'a>>,
    picker: Picker,
    what_if: WhatIfAsked,
}

/// `/supply/{id}/items/{item}`: one end item's exposure by country, its single points of
/// failure and the allied alternatives.
pub async fn item(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
    Path((id, item)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let Some((info, net)) = open(&state, &v, &id).await? else {
        return Err(PageError::NotFound);
    };
    let mut reports = report(&net);
    let Some(r) = reports.remove(&item) else {
        return Err(PageError::NotFound);
    };
    let mut exposure: Vec<(&String, &f64)> = r.exposure.iter().collect();
    exposure.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
    let title = lang.t(Key::ExposureByCountry);
    let country = |c: &str| crate::i18n::country_name(lang, c).unwrap_or_else(|| c.to_string());
    let series = Series {
        id: "exposure",
        columns: vec!["country".into(), "%".into()],
        rows: exposure
            .iter()
            .map(|(c, s)| (country(c), vec![100.0 * **s]))
            .collect(),
    };
    let name = name_of(&net, &item).to_string();
    Ok(render(&ItemPage {
        chrome: signed_chrome(
            &state,
            &v,
            lang,
            &[&info.label],
            &format!("{} — {name}", info.name),
        )
        .await,
        info: &info,
        chart: bar_chart(&series, 0, title),
        exposure: exposure
            .iter()
            .map(|(c, s)| (c.as_str(), country(c), 100.0 * **s))
            .collect(),
        r: &r,
    }))
}

/// One end item (`templates/supply_item.html`).
#[derive(askama::Template)]
#[template(path = "supply_item.html")]
struct ItemPage<'a> {
    chrome: Chrome,
    info: &'a SupplyNetworkInfo,
    /// The exposure chart (SVG, from `bar_chart`).
    chart: String,
    /// Country code, its name and share (%), largest first.
    exposure: Vec<(&'a str, String, f64)>,
    r: &'a EndItemReport,
}

/// `GET /api/supply`: the readable networks.
#[utoipa::path(get, path = "/api/supply", tag = "supply",
    params(crate::api::Paging),
    responses((status = 200, description = "the supply networks you may read", body = crate::api::Listing<serde_json::Value>),
              (status = 400, description = "a limit or offset out of range", body = crate::api::Refusal)))]
pub async fn api_list(
    State(state): State<AppState>,
    Caller(v): Caller,
    paged: crate::request::Paged,
) -> Result<Response, ApiError> {
    let (list, window) = paged.slice(state.store.reader(&v.readable).supply_networks().await?);
    let labels: Vec<&pillar_label::Label> = list.iter().map(|n| &n.label).collect();
    let marking = marking(&state, &v, &labels).await;
    Ok(Json(crate::api::Listing::new(marking, list, window)).into_response())
}

/// `GET /api/supply/{id}`: every end item's exposure, concentration, single points of failure
/// and allied alternatives; with `disrupt`, also what the disruption does.
#[utoipa::path(get, path = "/api/supply/{id}", tag = "supply",
    params(("id" = String, Path),
           ("disrupt" = Option<String>, Query, description = "targets lost together: country:XXX, supplier:ID or site:ID, separated by commas"),
           ("country" = Option<Vec<String>>, Query, description = "a country lost (repeatable; with the others, lost together)"),
           ("supplier" = Option<Vec<String>>, Query, description = "a supplier lost (repeatable)"),
           ("site" = Option<Vec<String>>, Query, description = "a site lost (repeatable)"),
           ("capacity" = Option<f64>, Query, minimum = 0.0, maximum = 1.0, description = "the fraction of their capacity that remains (default 0)")),
    responses((status = 200, description = "the analysis", body = crate::api::SupplyNetwork<serde_json::Value, serde_json::Value, serde_json::Value>),
              (status = 400, description = "a disruption the network cannot answer (an unknown target, a capacity outside 0–1), or a malformed request")))]
pub async fn api_one(
    State(state): State<AppState>,
    Caller(v): Caller,
    Path(id): Path<String>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, ApiError> {
    let Some((info, net)) = open(&state, &v, &id).await? else {
        return Err(ApiError::NotFound);
    };
    let what_if = match asked_what_if(&net, &pairs(raw.as_deref())) {
        None => None,
        Some(Ok(w)) => Some(w),
        Some(Err(e)) => return Err(ApiError::BadRequest(format!("disrupt: {e}"))),
    };
    let marking = marking(&state, &v, &[&info.label]).await;
    Ok(Json(crate::api::SupplyNetwork {
        marking,
        network: &info,
        items: report(&net),
        what_if,
    })
    .into_response())
}
