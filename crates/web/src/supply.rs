//! The supply-chain pages: the networks the reader may read (each under its own label), a
//! network's end items with their exposure to countries of concern, concentration and single
//! points of failure, one end item's exposure by country through every tier (a chart and a
//! table) with allied alternatives, and what-if disruptions; and their JSON API. Every number
//! is computed by `pillar-supply` over the stored network.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, Query, State};
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
    /// The largest country and its share (%), when anything below the item has sources.
    largest: Option<(&'a str, f64)>,
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
    disrupt: String,
    capacity: String,
    outcome: Option<Result<Vec<WhatIfRow>, String>>,
}

/// Runs the disruption the query asks for (`disrupt`, `capacity`): `None` without one.
fn asked_what_if(net: &Network, q: &HashMap<String, String>) -> Option<Result<WhatIf, String>> {
    let disrupt = q
        .get("disrupt")
        .map(|d| d.trim())
        .filter(|d| !d.is_empty())?;
    let capacity = match q
        .get("capacity")
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
    {
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
    Some(Target::parse_list(disrupt).and_then(|targets| {
        what_if(
            net,
            &Disruption {
                targets,
                remaining: capacity,
            },
        )
    }))
}

/// `/supply/{id}`: a network's end items, and a what-if disruption (`?disrupt=…&capacity=…`).
pub async fn network(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let Some((info, net)) = open(&state, &v, &id).await? else {
        return Err(PageError::NotFound);
    };
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
    let rows = reports
        .iter()
        .map(|(item, r)| EndItemRow {
            id: item,
            name: name_of(&net, item),
            largest: r
                .exposure
                .iter()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(c, s)| (c.as_str(), 100.0 * s)),
            concern: 100.0 * r.concern_share,
            hhi: r.hhi,
            spof: r.spof.len(),
            independent: r.independent_sources,
        })
        .collect();
    let asked = asked_what_if(&net, &q);
    let failed = matches!(asked, Some(Err(_)));
    let what_if = WhatIfAsked {
        disrupt: q.get("disrupt").cloned().unwrap_or_default(),
        capacity: q.get("capacity").cloned().unwrap_or_else(|| "0".into()),
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
    let page = NetworkPage {
        chrome: signed_chrome(&state, &v, lang, &[&info.label], &info.name).await,
        origin,
        info: &info,
        intro: lang
            .t(Key::EndItemsIntro)
            .replace("{concern}", &COUNTRIES_OF_CONCERN.join(", ")),
        rows,
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
    rows: Vec<EndItemRow<'a>>,
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
    let series = Series {
        id: "exposure",
        columns: vec!["country".into(), "%".into()],
        rows: exposure
            .iter()
            .map(|(c, s)| (c.to_string(), vec![100.0 * **s]))
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
            .map(|(c, s)| (c.as_str(), 100.0 * **s))
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
    /// Country and share (%), largest first.
    exposure: Vec<(&'a str, f64)>,
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
           ("capacity" = Option<f64>, Query, minimum = 0.0, maximum = 1.0, description = "the fraction of their capacity that remains (default 0)")),
    responses((status = 200, description = "the analysis", body = crate::api::SupplyNetwork<serde_json::Value, serde_json::Value, serde_json::Value>),
              (status = 400, description = "a disruption the network cannot answer (an unknown target, a capacity outside 0–1), or a malformed request")))]
pub async fn api_one(
    State(state): State<AppState>,
    Caller(v): Caller,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let Some((info, net)) = open(&state, &v, &id).await? else {
        return Err(ApiError::NotFound);
    };
    let what_if = match asked_what_if(&net, &q) {
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
