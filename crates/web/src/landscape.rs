//! The technology-landscape pages: published analyses (each under its own label), a nation ×
//! area heat map, an area's ranked nations and leading institutions, the collaboration network,
//! partner suggestions, and the methodology with every area's query.

use std::collections::HashMap;
use std::fmt::Write;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use pillar_landscape::indicators::{Pair, Snapshot};
use pillar_landscape::AreaSet;
use pillar_store::landscapes::Landscape;
use serde_json::json;

use crate::i18n::Key;
use crate::i18n::Lang;
use crate::pages::{esc, marking, render, signed_chrome, signed_page, Chrome};
use crate::request::{ApiError, Caller, Language, PageError, Signed};
use crate::{AppState, ServerError, Viewer};

fn risk(lang: Lang, r: &str) -> &'static str {
    match r {
        "high" => lang.t(Key::RiskHigh),
        "medium" => lang.t(Key::RiskMedium),
        _ => lang.t(Key::RiskLow),
    }
}

/// A readable analysis and its parsed body; records the read in the audit log.
async fn open(
    state: &AppState,
    v: &Viewer,
    id: &str,
) -> Result<Option<(Landscape, Snapshot)>, ServerError> {
    let object = format!("landscape:{id}");
    let found = state.store.reader(&v.readable).landscape(id);
    let Some(l) = state.read(v, &object, "", found).await? else {
        return Ok(None);
    };
    let snapshot: Snapshot = serde_json::from_str(l.body.as_deref().unwrap_or("{}"))
        .map_err(|e| ServerError::from(format!("landscape {id}: {e}")))?;
    Ok(Some((l, snapshot)))
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
    let (cell, left, top) = (34.0, 230.0, 60.0);
    let areas: Vec<(&String, &pillar_landscape::indicators::AreaReport)> =
        s.report.areas.iter().collect();
    let w = left + cell * nations.len() as f64 + 10.0;
    let h = top + cell * areas.len() as f64 + 10.0;
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

fn pairs_table(pairs: &[Pair], lang: Lang, limit: usize) -> String {
    let rows: String = pairs
        .iter()
        .take(limit)
        .map(|p| {
            format!(
                "<tr><td>{}–{}</td><td>{}</td><td>{:.3}</td><td>{:.2}</td></tr>",
                esc(&p.nation_a),
                esc(&p.nation_b),
                p.works,
                p.salton,
                p.association_strength
            )
        })
        .collect();
    format!(
        "<table class=\"sortable\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{rows}</tbody></table>",
        lang.t(Key::NationsField),
        lang.t(Key::CoAuthored),
        lang.t(Key::Salton),
        lang.t(Key::AssociationStrength)
    )
}

fn queries(areas: &AreaSet, lang: Lang) -> String {
    let rows: String = areas
        .areas
        .iter()
        .map(|a| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code>{}</td></tr>",
                esc(&a.id),
                esc(&a.name),
                esc(&a.set),
                esc(&a.query),
                if a.topics.is_empty() {
                    String::new()
                } else {
                    format!(" + {}", esc(&a.topics.join(", ")))
                }
            )
        })
        .collect();
    format!(
        "<table class=\"sortable\"><thead><tr><th>id</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{rows}</tbody></table>",
        lang.t(Key::TechArea),
        lang.t(Key::Kind),
        lang.t(Key::Query)
    )
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
    let Some((l, s)) = open(state, v, &best.id).await? else {
        return Ok(None);
    };
    let head: String = nations
        .iter()
        .map(|n| format!("<th scope=\"col\">{n}</th>"))
        .collect();
    let mut rows = String::new();
    for (id, name) in workstreams {
        let Some(a) = s.report.areas.get(id) else {
            continue;
        };
        let _ = write!(
            rows,
            "<tr><th scope=\"row\"><a href=\"/landscape/{}/areas/{}\">{}</a></th>",
            esc(&l.id),
            esc(id),
            esc(name)
        );
        for n in nations {
            match a.nations.get(*n) {
                Some(i) => {
                    let _ = write!(
                        rows,
                        "<td class=\"{}\">RSCA {:.2}<br><small>{} {:.0} %</small></td>",
                        rsca_class(i.rsca),
                        i.rsca,
                        lang.t(Key::Top10Fractional),
                        100.0 * i.share_top10
                    );
                }
                None => rows.push_str("<td>–</td>"),
            }
        }
        rows.push_str("</tr>");
    }
    let html = format!(
        "<p><a href=\"/landscape/{}\">{}</a> ({}–{})</p><table class=\"matrix\"><thead><tr><th>{}</th>{head}</tr></thead><tbody>{rows}</tbody></table>",
        esc(&l.id),
        esc(&l.name),
        s.report.period.from,
        s.report.period.to,
        lang.t(Key::Workstream)
    );
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
/// partner suggestions for a nation (`?nation=`, by default the reader's).
pub async fn analysis(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let Some((l, s)) = open(&state, &v, &id).await? else {
        return Err(PageError::NotFound);
    };
    let own = q
        .get("nation")
        .cloned()
        .unwrap_or_else(|| v.person.nationality.to_string());
    let nations = leading_nations(&s, &own);
    let r = &s.report;
    let mut body = match state
        .store
        .reader(&v.readable)
        .origin_of(pillar_store::Kept::Landscape, &l.id)
        .await?
    {
        Some(o) => crate::pages::origin_line(&state, &v, lang, &o).await?,
        None => String::new(),
    };
    body += &format!(
        "<p>{} {}–{} · {} {}</p><h2>{}</h2>{}",
        lang.t(Key::Period),
        r.period.from,
        r.period.to,
        r.works,
        lang.t(Key::Works),
        lang.t(Key::HeatMap),
        heat_map(&s, &id, &nations, lang)
    );
    let rows: String = r
        .areas
        .iter()
        .map(|(aid, a)| {
            format!(
                "<tr><td><a href=\"/landscape/{}/areas/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&id),
                esc(aid),
                esc(&a.name),
                a.works,
                esc(a.monopoly.lead.as_deref().unwrap_or("–")),
                risk(lang, &a.monopoly_risk)
            )
        })
        .collect();
    let _ = write!(
        body,
        "<h2>{}</h2><table class=\"sortable\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{rows}</tbody></table>",
        lang.t(Key::Areas),
        lang.t(Key::TechArea),
        lang.t(Key::Works),
        lang.t(Key::LeadNation),
        lang.t(Key::MonopolyRisk)
    );
    let _ = write!(
        body,
        "<h2>{}</h2>{}{}",
        lang.t(Key::Collaboration),
        network(&r.collaboration, &nations, lang),
        pairs_table(&r.collaboration, lang, 20)
    );
    let _ = write!(
        body,
        "<h2 id=\"partners\">{} {}</h2>",
        lang.t(Key::PartnersFor),
        esc(&own)
    );
    let choices: String = s
        .partners
        .keys()
        .map(|n| {
            format!(
                "<a href=\"/landscape/{}?nation={}#partners\">{}</a> ",
                esc(&id),
                esc(n),
                esc(n)
            )
        })
        .collect();
    let _ = write!(body, "<p>{choices}</p>");
    match s.partners.get(&own) {
        Some(p) => {
            let rows: String = p
                .partners
                .iter()
                .take(10)
                .map(|x| {
                    let gaps: Vec<String> = x
                        .gaps
                        .iter()
                        .take(4)
                        .map(|g| {
                            r.areas
                                .get(&g.area)
                                .map_or(g.area.clone(), |a| a.name.clone())
                        })
                        .collect();
                    format!(
                        "<tr><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{}</td></tr>",
                        esc(&x.nation),
                        x.score,
                        x.complementarity,
                        x.collaboration,
                        esc(&gaps.join(", "))
                    )
                })
                .collect();
            let _ = write!(
                body,
                "<table class=\"sortable\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{rows}</tbody></table>",
                lang.t(Key::Nation),
                lang.t(Key::Score),
                lang.t(Key::Complementarity),
                lang.t(Key::Salton),
                lang.t(Key::FillsGaps)
            );
        }
        None => {
            let _ = write!(body, "<p>{}</p>", lang.t(Key::NoPartners));
        }
    }
    let _ = write!(
        body,
        "<h2>{}</h2>{}",
        lang.t(Key::Methodology),
        queries(&s.areas, lang)
    );
    Ok(signed_page(&state, &v, lang, &[&l.label], &l.name, &body).await)
}

/// `/landscape/{id}/areas/{area}`: ranked nations, leading institutions, collaboration.
pub async fn area(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
    Path((id, area)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let Some((l, s)) = open(&state, &v, &id).await? else {
        return Err(PageError::NotFound);
    };
    let Some(a) = s.report.areas.get(&area) else {
        return Err(PageError::NotFound);
    };
    let query = s
        .areas
        .areas
        .iter()
        .find(|x| x.id == area)
        .map(|x| x.query.clone())
        .unwrap_or_default();
    let rows: String = a
        .ranking
        .iter()
        .enumerate()
        .map(|(k, n)| {
            let i = &a.nations[n];
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td>{:.1}</td><td>{:.3}</td><td>{:.2}</td><td>{:.2}</td></tr>",
                k + 1,
                esc(n),
                i.output,
                i.output_fractional,
                i.top10_fractional,
                i.pp_top10,
                i.rca,
                i.rsca
            )
        })
        .collect();
    let m = &a.monopoly;
    let mut body = format!(
        "<p>{} <code>{}</code></p><p>{} {}–{} · {} {} · {}: <strong>{}</strong> ({} {}, ×{} , {:.0} %)</p>\
         <table class=\"sortable\"><thead><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{rows}</tbody></table>",
        lang.t(Key::Query),
        esc(&query),
        lang.t(Key::Period),
        s.report.period.from,
        s.report.period.to,
        a.works,
        lang.t(Key::Works),
        lang.t(Key::MonopolyRisk),
        risk(lang, &a.monopoly_risk),
        lang.t(Key::LeadNation),
        esc(m.lead.as_deref().unwrap_or("–")),
        m.ratio.map_or("–".to_string(), |x| format!("{x:.1}")),
        100.0 * m.lead_institutions,
        lang.t(Key::Nation),
        lang.t(Key::Output),
        lang.t(Key::OutputFractional),
        lang.t(Key::Top10Fractional),
        lang.t(Key::PpTop10),
        "RCA",
        "RSCA"
    );
    let inst: String = a
        .institutions
        .iter()
        .map(|i| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td></tr>",
                esc(&i.name),
                esc(&i.nation),
                i.works,
                i.top10
            )
        })
        .collect();
    let _ = write!(
        body,
        "<h2>{}</h2><table class=\"sortable\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{inst}</tbody></table>",
        lang.t(Key::LeadingInstitutions),
        lang.t(Key::Organisation),
        lang.t(Key::Nation),
        lang.t(Key::Works),
        lang.t(Key::Top10Fractional)
    );
    let nations: Vec<String> = a.ranking.iter().take(12).cloned().collect();
    let _ = write!(
        body,
        "<h2>{}</h2>{}{}",
        lang.t(Key::Collaboration),
        network(&a.collaboration, &nations, lang),
        pairs_table(&a.collaboration, lang, 15)
    );
    Ok(signed_page(
        &state,
        &v,
        lang,
        &[&l.label],
        &format!("{} — {}", l.name, a.name),
        &body,
    )
    .await)
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
pub async fn api_list(
    State(state): State<AppState>,
    Caller(v): Caller,
) -> Result<Response, ApiError> {
    let list = state.store.reader(&v.readable).landscapes().await?;
    let labels: Vec<&pillar_label::Label> = list.iter().map(|l| &l.label).collect();
    let marking = marking(&state, &v, &labels).await;
    let items: Vec<_> = list
        .iter()
        .map(|l| json!({"id": l.id, "name": l.name, "label": l.label, "published_at": l.published_at, "published_by": l.published_by}))
        .collect();
    Ok(Json(json!({"marking": marking, "landscapes": items})).into_response())
}

/// `GET /api/landscapes/{id}`: one analysis whole.
pub async fn api_one(
    State(state): State<AppState>,
    Caller(v): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let Some((l, s)) = open(&state, &v, &id).await? else {
        return Err(ApiError::NotFound);
    };
    let marking = marking(&state, &v, &[&l.label]).await;
    Ok(Json(
        json!({"marking": marking, "id": l.id, "name": l.name, "label": l.label, "analysis": s}),
    )
    .into_response())
}
