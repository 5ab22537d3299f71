//! The technology-landscape pages: published analyses (each under its own label), a nation ×
//! area heat map, an area's ranked nations and leading institutions, the collaboration network,
//! partner suggestions, and the methodology with every area's query.

use std::collections::HashMap;
use std::fmt::Write;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use pillar_landscape::indicators::{Pair, Snapshot};
use pillar_landscape::AreaSet;
use pillar_store::landscapes::Landscape;

use crate::i18n::Key;
use crate::i18n::Lang;
use crate::pages::{esc, fragment, marking, render, signed_chrome, Chrome};
use crate::request::{ApiError, Caller, Language, PageError, Signed};
use crate::{AppState, ServerError, Viewer};

fn risk(lang: Lang, r: &str) -> &'static str {
    match r {
        "high" => lang.t(Key::RiskHigh),
        "medium" => lang.t(Key::RiskMedium),
        _ => lang.t(Key::RiskLow),
    }
}

/// A readable analysis and its parsed body; records the read in the audit log. In Korean, the
/// areas the registry names in Korean (the analysis's areas are technology areas by id) are
/// named so.
async fn open(
    state: &AppState,
    v: &Viewer,
    id: &str,
    lang: Lang,
) -> Result<Option<(Landscape, Snapshot)>, ServerError> {
    let object = format!("landscape:{id}");
    let found = state.store.reader(&v.readable).landscape(id);
    let Some(l) = state.read(v, &object, "", found).await? else {
        return Ok(None);
    };
    let mut snapshot: Snapshot = serde_json::from_str(l.body.as_deref().unwrap_or("{}"))
        .map_err(|e| ServerError::from(format!("landscape {id}: {e}")))?;
    if lang == Lang::Ko {
        for area in state.store.reader(&v.readable).tech_areas().await? {
            let Some(ko) = area.name_ko else { continue };
            if let Some(a) = snapshot.report.areas.get_mut(&area.id) {
                a.name = ko.clone();
            }
            for a in snapshot.areas.areas.iter_mut().filter(|a| a.id == area.id) {
                a.name = ko.clone();
            }
        }
    }
    Ok(Some((l, snapshot)))
}

/// "1.6 times the runner-up's top-10 % output", in `lang`.
fn monopoly_ratio(lang: &Lang, ratio: &f64) -> String {
    lang.t(Key::TimesRunnerUp)
        .replace("{x}", &format!("{ratio:.1}"))
}

/// "40 % of the ten leading institutions", in `lang`.
fn monopoly_institutions(lang: &Lang, share: &f64) -> String {
    lang.t(Key::ShareLeadingInstitutions)
        .replace("{p}", &format!("{:.0}", 100.0 * share))
}

/// Colour class for an RSCA in [−1, 1], in nine steps: blue (weak) through white to orange
/// (strong). The colours are in the style sheet (`.rsca-0` … `.rsca-8`; the CSP allows no inline
/// style), for table cells and SVG shapes alike.
fn rsca_class(x: f64) -> String {
    format!("rsca-{}", ((x.clamp(-1.0, 1.0) + 1.0) * 4.0).round() as u8)
}

/// Nations shown on the heat map: the fifteen with the most works in the analysed areas, plus
/// the viewer's own nation.
fn leading_nations(s: &Snapshot, own: &str) -> Vec<String> {
    let mut totals: HashMap<&str, f64> = HashMap::new();
    for a in s.report.areas.values() {
        for (n, i) in &a.nations {
            *totals.entry(n).or_default() += i.output_fractional;
        }
    }
    let mut list: Vec<(&str, f64)> = totals.into_iter().collect();
    list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let mut out: Vec<String> = list.iter().take(15).map(|(n, _)| n.to_string()).collect();
    if !out.iter().any(|n| n == own) && list.iter().any(|(n, _)| *n == own) {
        out.push(own.to_string());
    }
    out
}

fn heat_map(s: &Snapshot, id: &str, nations: &[String], lang: Lang) -> String {
    let areas: Vec<(&String, &pillar_landscape::indicators::AreaReport)> =
        s.report.areas.iter().collect();
    // Room for the longest area name at 11 px (about 6 px a character; Korean ones double).
    let longest = areas
        .iter()
        .map(|(_, a)| {
            a.name
                .chars()
                .map(|c| if c.is_ascii() { 1 } else { 2 })
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0);
    let (cell, top) = (34.0, 60.0);
    let left = (longest as f64 * 6.2 + 14.0).clamp(80.0, 420.0);
    let w = (left + cell * nations.len() as f64 + 10.0).max(9.0 * 40.0 + 20.0);
    let legend_top = top + cell * areas.len() as f64 + 16.0;
    let h = legend_top + 40.0;
    let mut svg = format!(
        "<svg class=\"chart heat\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{0}\"><title>{0}</title>",
        esc(lang.t(Key::HeatMap))
    );
    for (j, n) in nations.iter().enumerate() {
        let x = left + cell * j as f64 + cell / 2.0;
        let _ = write!(
            svg,
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
            top - 8.0,
            esc(n)
        );
    }
    for (i, (aid, a)) in areas.iter().enumerate() {
        let y = top + cell * i as f64;
        let _ = write!(
            svg,
            "<a href=\"/landscape/{}/areas/{}\"><text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"11\">{}</text></a>",
            esc(id),
            esc(aid),
            left - 6.0,
            y + cell / 2.0 + 4.0,
            esc(&a.name)
        );
        for (j, n) in nations.iter().enumerate() {
            let x = left + cell * j as f64;
            let rsca = a.nations.get(n).map_or(-1.0, |i| i.rsca);
            let _ = write!(
                svg,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{}\" class=\"{}\" stroke=\"#fff\"><title>{} · {}: RSCA {rsca:.2}</title></rect><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"9\">{:.1}</text>",
                cell,
                cell,
                rsca_class(rsca),
                esc(n),
                esc(&a.name),
                x + cell / 2.0,
                y + cell / 2.0 + 3.0,
                rsca
            );
        }
    }
    // The legend: the nine shades with the RSCA each stands for (−1 … 1).
    let _ = write!(
        svg,
        "<text x=\"10\" y=\"{:.1}\" font-size=\"11\">RSCA</text>",
        legend_top + 12.0
    );
    for k in 0..9u8 {
        let value = f64::from(k) / 4.0 - 1.0;
        let x = 50.0 + 34.0 * f64::from(k);
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{legend_top}\" width=\"34\" height=\"16\" class=\"rsca-{k}\" stroke=\"#999\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"10\">{value:+.2}</text>",
            x + 17.0,
            legend_top + 30.0
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The collaboration network: nations on a circle, lines as thick as Salton's cosine.
fn network(pairs: &[Pair], nations: &[String], lang: Lang) -> String {
    let (cx, cy, r) = (260.0, 230.0, 180.0);
    let pos = |k: usize| {
        let a = std::f64::consts::TAU * k as f64 / nations.len().max(1) as f64
            - std::f64::consts::FRAC_PI_2;
        (cx + r * a.cos(), cy + r * a.sin())
    };
    let index: HashMap<&str, usize> = nations
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let shown: Vec<&Pair> = pairs
        .iter()
        .filter(|p| {
            index.contains_key(p.nation_a.as_str()) && index.contains_key(p.nation_b.as_str())
        })
        .collect();
    let strongest = shown.iter().map(|p| p.salton).fold(0.0, f64::max);
    let mut svg = format!(
        "<svg class=\"chart network\" viewBox=\"0 0 520 460\" role=\"img\" aria-label=\"{0}\"><title>{0}</title>",
        esc(lang.t(Key::Collaboration))
    );
    for p in &shown {
        let (x1, y1) = pos(index[p.nation_a.as_str()]);
        let (x2, y2) = pos(index[p.nation_b.as_str()]);
        let width = if strongest > 0.0 {
            0.3 + 6.0 * p.salton / strongest
        } else {
            0.3
        };
        let _ = write!(
            svg,
            "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"#4a6fa5\" stroke-opacity=\"0.6\" stroke-width=\"{width:.2}\"><title>{}–{}: {} · Salton {:.3}</title></line>",
            esc(&p.nation_a),
            esc(&p.nation_b),
            p.works,
            p.salton
        );
    }
    for (k, n) in nations.iter().enumerate() {
        let (x, y) = pos(k);
        let _ = write!(
            svg,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"16\" fill=\"#fff\" stroke=\"#333\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"10\">{}</text>",
            y + 3.5,
            esc(n)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The strongest collaborations (`templates/pairs_table.html`).
fn pairs_table(pairs: &[Pair], lang: Lang, limit: usize) -> String {
    #[derive(askama::Template)]
    #[template(path = "pairs_table.html")]
    struct PairsTable<'a> {
        pairs: &'a [Pair],
        lang: Lang,
    }
    fragment(&PairsTable {
        pairs: &pairs[..pairs.len().min(limit)],
        lang,
    })
}

/// Every area's query (`templates/queries_table.html`).
fn queries(areas: &AreaSet, lang: Lang) -> String {
    #[derive(askama::Template)]
    #[template(path = "queries_table.html")]
    struct QueriesTable<'a> {
        areas: &'a AreaSet,
        lang: Lang,
    }
    fragment(&QueriesTable { areas, lang })
}

/// The research-strength part of the readiness view: for each workstream that an area of the
/// broadest readable analysis (the most works) shares its id with, each nation's RSCA and share
/// of the top-10 % works. Returns the section and the analysis's label (for the banner), or
/// `None` when no readable analysis covers a workstream.
pub(crate) async fn research_strength(
    state: &AppState,
    v: &Viewer,
    workstreams: &[(String, String)],
    nations: &[&str],
    lang: Lang,
) -> Result<Option<(String, pillar_label::Label)>, ServerError> {
    // The broadest readable analysis that covers a workstream; only its body is read.
    let broadest = state
        .store
        .reader(&v.readable)
        .landscapes()
        .await?
        .into_iter()
        .filter(|l| workstreams.iter().any(|(id, _)| l.areas.contains(id)))
        .reduce(|best, l| if l.works > best.works { l } else { best });
    let Some(best) = broadest else {
        return Ok(None);
    };
    let Some((l, s)) = open(state, v, &best.id, lang).await? else {
        return Ok(None);
    };
    // Per workstream the analysis covers: (id, name, per nation (colour class, RSCA, top-10 %)).
    type Cells = Vec<Option<(String, f64, f64)>>;
    let rows: Vec<(&str, &str, Cells)> = workstreams
        .iter()
        .filter_map(|(id, name)| {
            let a = s.report.areas.get(id)?;
            let cells = nations
                .iter()
                .map(|n| {
                    a.nations
                        .get(*n)
                        .map(|i| (rsca_class(i.rsca), i.rsca, 100.0 * i.share_top10))
                })
                .collect();
            Some((id.as_str(), name.as_str(), cells))
        })
        .collect();
    #[derive(askama::Template)]
    #[template(path = "research_strength.html")]
    struct ResearchStrength<'a> {
        l: &'a Landscape,
        period: &'a pillar_landscape::Period,
        nations: &'a [&'a str],
        rows: Vec<(&'a str, &'a str, Cells)>,
        lang: Lang,
    }
    let html = fragment(&ResearchStrength {
        l: &l,
        period: &s.report.period,
        nations,
        rows,
        lang,
    });
    Ok(Some((html, l.label)))
}

/// `/landscape`: the analyses the reader may read.
pub async fn index(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
) -> Result<Response, PageError> {
    let list = state.store.reader(&v.readable).landscapes().await?;
    let labels: Vec<&pillar_label::Label> = list.iter().map(|l| &l.label).collect();
    Ok(render(&LandscapesPage {
        chrome: signed_chrome(&state, &v, lang, &labels, lang.t(Key::Landscape)).await,
        list: &list,
    }))
}

/// The list of published analyses (`templates/landscapes.html`).
#[derive(askama::Template)]
#[template(path = "landscapes.html")]
struct LandscapesPage<'a> {
    chrome: Chrome,
    list: &'a [Landscape],
}

/// `/landscape/{id}`: heat map, areas with their lead and monopoly risk, collaboration network,
/// partner suggestions for a nation (`?nation=`, by default the reader's) among the coalition's
/// nations (the registry's), or those ticked (`?among=USA&among=JPN`); nations outside the
/// coalition only with `?outside=1`, flagged, the nations of concern marked.
pub async fn analysis(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
    Path(id): Path<String>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, PageError> {
    let Some((l, s)) = open(&state, &v, &id, lang).await? else {
        return Err(PageError::NotFound);
    };
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| PageError::BadRequest(format!("the query: {e}")))?;
    let value = |k: &str| pairs.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v);
    let own = value("nation")
        .cloned()
        .unwrap_or_else(|| v.person.nationality.to_string());
    let outside = value("outside").is_some_and(|o| o == "1" || o == "on");
    let among: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "among")
        .map(|(_, v)| v.clone())
        .collect();
    // The coalition: the registry's nations (groups are not candidates), with their names.
    let registry = state.store.reader(&v.readable).nations().await?;
    let coalition: Vec<(String, String)> = registry
        .iter()
        .filter(|n| n.members.is_empty())
        .map(|n| (n.code.to_string(), crate::i18n::nation_name(lang, n)))
        .collect();
    let coalition_codes: Vec<String> = coalition.iter().map(|(c, _)| c.clone()).collect();
    let nations = leading_nations(&s, &own);
    let r = &s.report;
    let origin =
        crate::pages::kept_origin(&state, &v, lang, pillar_store::Kept::Landscape, &l.id, None)
            .await?;
    let scoped = s.partners.get(&own).map(|p| {
        let mut p = pillar_landscape::indicators::scoped(
            p,
            &coalition_codes,
            state.concern_nations(),
            outside,
        );
        if !among.is_empty() {
            p.partners.retain(|x| among.contains(&x.nation));
        }
        p
    });
    let partners = scoped.as_ref().map(|p| {
        p.partners
            .iter()
            .take(10)
            .map(|x| {
                let gaps: Vec<&str> = x
                    .gaps
                    .iter()
                    .take(4)
                    .map(|g| r.areas.get(&g.area).map_or(g.area.as_str(), |a| &a.name))
                    .collect();
                (x, gaps.join(", "))
            })
            .collect()
    });
    Ok(render(&AnalysisPage {
        chrome: signed_chrome(&state, &v, lang, &[&l.label], &l.name).await,
        origin,
        id: &id,
        r,
        heat_map: heat_map(&s, &id, &nations, lang),
        network: network(&r.collaboration, &nations, lang),
        pairs: pairs_table(&r.collaboration, lang, 20),
        own: &own,
        partner_nations: s.partners.keys().collect(),
        partners,
        coalition: coalition
            .into_iter()
            .filter(|(c, _)| c != &own)
            .map(|(c, n)| {
                let ticked = among.contains(&c);
                (c, n, ticked)
            })
            .collect(),
        outside,
        queries: queries(&s.areas, lang),
    }))
}

/// A nation's name by code in `lang`, else the code.
fn nation(lang: Lang, code: &str) -> String {
    crate::i18n::country_name(lang, code).unwrap_or_else(|| code.to_string())
}

/// An analysis (`templates/landscape_analysis.html`); the SVG and table parts are HTML from their
/// own builders.
#[derive(askama::Template)]
#[template(path = "landscape_analysis.html")]
struct AnalysisPage<'a> {
    chrome: Chrome,
    origin: String,
    id: &'a str,
    r: &'a pillar_landscape::indicators::Report,
    heat_map: String,
    network: String,
    pairs: String,
    own: &'a str,
    partner_nations: Vec<&'a String>,
    /// The best ten partners with the areas each fills, when the nation has suggestions.
    partners: Option<Vec<(&'a pillar_landscape::indicators::Partner, String)>>,
    /// The coalition's other nations (code, name, ticked in `among`), for the form.
    coalition: Vec<(String, String, bool)>,
    /// Nations outside the coalition asked for.
    outside: bool,
    queries: String,
}

/// `/landscape/{id}/areas/{area}`: ranked nations, leading institutions, collaboration.
pub async fn area(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
    Path((id, area)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let Some((l, s)) = open(&state, &v, &id, lang).await? else {
        return Err(PageError::NotFound);
    };
    let Some(a) = s.report.areas.get(&area) else {
        return Err(PageError::NotFound);
    };
    let nations: Vec<String> = a.ranking.iter().take(12).cloned().collect();
    Ok(render(&AreaPage {
        chrome: signed_chrome(
            &state,
            &v,
            lang,
            &[&l.label],
            &format!("{} — {}", l.name, a.name),
        )
        .await,
        query: s
            .areas
            .areas
            .iter()
            .find(|x| x.id == area)
            .map_or("", |x| x.query.as_str()),
        period: &s.report.period,
        ranking: a
            .ranking
            .iter()
            .map(|n| (n.as_str(), &a.nations[n]))
            .collect(),
        network: network(&a.collaboration, &nations, lang),
        pairs: pairs_table(&a.collaboration, lang, 15),
        a,
    }))
}

/// An area of an analysis (`templates/landscape_area.html`).
#[derive(askama::Template)]
#[template(path = "landscape_area.html")]
struct AreaPage<'a> {
    chrome: Chrome,
    query: &'a str,
    period: &'a pillar_landscape::Period,
    a: &'a pillar_landscape::indicators::AreaReport,
    /// Nations in rank order with their indicators.
    ranking: Vec<(&'a str, &'a pillar_landscape::indicators::NationIndicators)>,
    network: String,
    pairs: String,
}

/// `/landscape/methodology`: the shipped areas with their queries, and the formulas.
pub async fn methodology(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
) -> Result<Response, PageError> {
    Ok(render(&MethodologyPage {
        chrome: signed_chrome(&state, &v, lang, &[], lang.t(Key::Methodology)).await,
        queries: queries(&AreaSet::shipped(), lang),
    }))
}

/// How the indicators are computed, and the shipped areas' queries
/// (`templates/methodology.html`).
#[derive(askama::Template)]
#[template(path = "methodology.html")]
struct MethodologyPage {
    chrome: Chrome,
    /// The areas' queries (HTML, from `queries`).
    queries: String,
}

/// `GET /api/landscapes`: the readable analyses.
#[utoipa::path(get, path = "/api/landscapes", tag = "landscape",
    params(crate::api::Paging),
    responses((status = 200, description = "the published analyses you may read, without their bodies", body = crate::api::Landscapes<serde_json::Value>),
              (status = 400, description = "a limit or offset out of range", body = crate::api::Refusal)))]
pub async fn api_list(
    State(state): State<AppState>,
    Caller(v): Caller,
    paged: crate::request::Paged,
) -> Result<Response, ApiError> {
    let (list, window) = paged.slice(state.store.reader(&v.readable).landscapes().await?);
    let labels: Vec<&pillar_label::Label> = list.iter().map(|l| &l.label).collect();
    let marking = marking(&state, &v, &labels).await;
    let items: Vec<_> = list
        .iter()
        .map(|l| crate::api::LandscapeSummary {
            id: l.id.clone(),
            name: l.name.clone(),
            label: &l.label,
            published_at: l.published_at.clone(),
            published_by: l.published_by.clone(),
        })
        .collect();
    Ok(Json(crate::api::Landscapes {
        marking,
        window,
        landscapes: items,
    })
    .into_response())
}

/// `GET /api/landscapes/{id}`: one analysis whole.
#[utoipa::path(get, path = "/api/landscapes/{id}", tag = "landscape",
    params(("id" = String, Path)),
    responses((status = 200, description = "the analysis", body = crate::api::Landscape<serde_json::Value, serde_json::Value>)))]
pub async fn api_one(
    State(state): State<AppState>,
    Caller(v): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let Some((l, s)) = open(&state, &v, &id, Lang::En).await? else {
        return Err(ApiError::NotFound);
    };
    let marking = marking(&state, &v, &[&l.label]).await;
    Ok(Json(crate::api::Landscape {
        marking,
        id: l.id,
        name: l.name,
        label: l.label,
        analysis: s,
    })
    .into_response())
}
