//! The portfolio pages: the Pillar-2 readiness view (the front page), the portfolio with its
//! charts (each also a table and a CSV), project pages, and their JSON API. Every number is
//! computed by `pillar-readiness` over the projects the reader may see.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use chrono::NaiveDate;
use pillar_core::project::Project;
use pillar_core::Agreement;
use pillar_label::Label;
use pillar_readiness::portfolio::{self as views, format_value as fmt_num, Series};
use serde_json::json;

use crate::i18n::Key;
use crate::i18n::Lang;
use crate::pages::{esc, marking, not_found, signed_page};
use crate::request::{ApiError, Caller, Language, PageError, Signed, SignedForm};
use crate::{AppState, ServerError, Viewer};
use pillar_store::audit::AuditEvent;

/// A project counts as stalled after this long in TRL 4–6 (two years), unless `?stall=DAYS`.
pub const STALL_DAYS: i64 = 730;

/// Nations of the readiness matrix, in the committee's order.
const NATIONS: [&str; 7] = ["USA", "KOR", "AUS", "GBR", "JPN", "CAN", "NZL"];

fn stall_days(q: &HashMap<String, String>) -> i64 {
    q.get("stall")
        .and_then(|s| s.parse().ok())
        .filter(|d: &i64| (30..=3650).contains(d))
        .unwrap_or(STALL_DAYS)
}

async fn visible_projects(state: &AppState, v: &Viewer) -> Result<Vec<Project>, ServerError> {
    Ok(state.store.reader(&v.readable).projects().await?)
}

pub(crate) async fn visible_agreements(
    state: &AppState,
    v: &Viewer,
) -> Result<Vec<Agreement>, ServerError> {
    Ok(state.store.reader(&v.readable).agreements().await?)
}

/// Workstream ids and names, in taxonomy order.
async fn workstreams(state: &AppState, v: &Viewer) -> Result<Vec<(String, String)>, ServerError> {
    Ok(state
        .store
        .reader(&v.readable)
        .tech_areas()
        .await?
        .into_iter()
        .filter(|a| a.taxonomy == "aukus-p2" && a.parent.is_some())
        .map(|a| (a.id, a.name))
        .collect())
}

/// A horizontal bar chart of one value column: SVG with a title and a text alternative, no
/// inline style (the CSP forbids it); colours come from the style sheet.
pub fn bar_chart(series: &Series, column: usize, title: &str) -> String {
    let max = series
        .rows
        .iter()
        .map(|(_, v)| v.get(column).copied().unwrap_or(0.0))
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let row_h = 22;
    let label_w = 190;
    let bar_w = 360.0;
    let h = row_h * series.rows.len().max(1) + 8;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {} {h}\" role=\"img\" aria-label=\"{}\"><title>{}</title>",
        label_w + 420,
        esc(title),
        esc(title)
    );
    for (i, (k, vals)) in series.rows.iter().enumerate() {
        let v = vals.get(column).copied().unwrap_or(0.0);
        let y = i * row_h + 4;
        let w = (v / max * bar_w).max(0.0);
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"axis\">{}</text><rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" class=\"bar\"/><text x=\"{:.1}\" y=\"{}\" class=\"value\">{}</text>",
            label_w - 6,
            y + 15,
            esc(k),
            row_h - 6,
            label_w as f64 + w + 4.0,
            y + 15,
            fmt_num(v)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// A series as an HTML table (sortable by the page's script).
fn table(series: &Series) -> String {
    let head: String = series
        .columns
        .iter()
        .map(|c| format!("<th>{}</th>", esc(c)))
        .collect();
    let rows: String = series
        .rows
        .iter()
        .map(|(k, vals)| {
            let cells: String = vals
                .iter()
                .map(|v| format!("<td class=\"num\">{}</td>", fmt_num(*v)))
                .collect();
            format!("<tr><td>{}</td>{cells}</tr>", esc(k))
        })
        .collect();
    format!("<table class=\"sortable\"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
}

/// Every chart of the portfolio page, computed over `projects`.
fn charts(projects: &[Project], today: NaiveDate) -> Vec<Series> {
    let this_year = chrono::Datelike::year(&today);
    vec![
        views::by_workstream(projects),
        views::by_area(projects),
        views::by_nation(projects),
        views::by_stage(projects),
        views::by_trl(projects),
        views::trl_progression(projects, (this_year - 5)..=this_year),
        views::cost_share_balance(projects),
        views::slippage(projects),
    ]
}

fn chart_title(id: &str, lang: Lang) -> &'static str {
    match id {
        "by-workstream" => lang.t(Key::ChartWorkstream),
        "by-area" => lang.t(Key::ChartArea),
        "by-nation" => lang.t(Key::ChartNation),
        "by-stage" => lang.t(Key::ChartStage),
        "by-trl" => lang.t(Key::ChartTrl),
        "trl-progression" => lang.t(Key::ChartProgression),
        "cost-share" => lang.t(Key::ChartCostShare),
        "slippage" => lang.t(Key::ChartSlippage),
        _ => "",
    }
}

fn labels_of(projects: &[Project]) -> Vec<&Label> {
    projects.iter().map(|p| &p.label).collect()
}

/// The front page: the Pillar-2 readiness view.
pub async fn home(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let projects = visible_projects(&state, &v).await?;
    let agreements = visible_agreements(&state, &v).await?;
    let ws = workstreams(&state, &v).await?;
    let period = stall_days(&q);
    let ws_ids: Vec<String> = ws.iter().map(|(id, _)| id.clone()).collect();
    let nations: Vec<String> = NATIONS.iter().map(|n| n.to_string()).collect();
    let m = views::matrix(&projects, &ws_ids, &nations, state.today(), period);
    let nation_list = state.store.reader(&v.readable).nations().await?;
    let tree = state.store.reader(&v.readable).tech_areas().await?;
    let mut rows = String::new();
    for (i, (id, name)) in ws.iter().enumerate() {
        rows.push_str(&format!("<tr><th scope=\"row\">{}</th>", esc(name)));
        for (j, n) in NATIONS.iter().enumerate() {
            let c = &m[i][j];
            // Agreements in force covering this workstream for this nation.
            let code = pillar_core::NationCode::parse(n).expect("matrix nations are valid");
            let cover = pillar_readiness::coverage(
                &agreements,
                &nation_list,
                &tree,
                &[code],
                std::slice::from_ref(id),
                state.today(),
            );
            let in_force = cover.covered.first().map_or(0, |c| c.agreements.len());
            rows.push_str(&format!(
                "<td><span class=\"count\">{}</span> {}<br><small>{} {} · {} {} · {} {}</small></td>",
                c.projects,
                lang.t(Key::ProjectsShort),
                lang.t(Key::MedianTrl),
                c.median_trl.map_or("–".into(), fmt_num),
                lang.t(Key::StalledShort),
                c.stalled,
                lang.t(Key::AgreementsShort),
                in_force
            ));
        }
        rows.push_str("</tr>");
    }
    let head: String = NATIONS
        .iter()
        .map(|n| format!("<th scope=\"col\">{n}</th>"))
        .collect();
    // Reminders: the reader's own open action items, overdue ones marked.
    let mine = state
        .store
        .reader(&v.readable)
        .open_actions(Some(&v.person.id))
        .await?;
    let reminders = if mine.is_empty() {
        String::new()
    } else {
        format!(
            "<section><h2>{}</h2>{}</section>",
            lang.t(Key::MyActions),
            crate::committee::actions_table(&mine, lang, state.today())
        )
    };
    let research = crate::landscape::research_strength(&state, &v, &ws, &NATIONS, lang).await?;
    let body = format!(
        "{reminders}<p>{}</p><table class=\"matrix\"><thead><tr><th>{}</th>{head}</tr></thead><tbody>{rows}</tbody></table>\
         <h2>{}</h2><p class=\"note\">{}</p><h2>{}</h2>{}\
         <p><a href=\"/portfolio\">{}</a></p>",
        esc(&lang
            .t(Key::ReadinessIntro)
            .replace("{n}", &projects.len().to_string())
            .replace("{days}", &period.to_string())),
        lang.t(Key::Workstream),
        lang.t(Key::SupplyExposure),
        lang.t(Key::NotYetAnalysed),
        lang.t(Key::ResearchStrength),
        research.as_ref().map_or_else(
            || format!("<p class=\"note\">{}</p>", lang.t(Key::NotYetAnalysed)),
            |(html, _)| html.clone()
        ),
        lang.t(Key::Portfolio),
    );
    let mut labels = labels_of(&projects);
    labels.extend(mine.iter().map(|a| &a.label));
    labels.extend(research.as_ref().map(|(_, label)| label));
    Ok(signed_page(&state, &v, lang, &labels, lang.t(Key::ReadinessView), &body).await)
}

/// The portfolio: charts with their tables and CSV links, stalled projects, and the list.
pub async fn portfolio(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let projects = visible_projects(&state, &v).await?;
    let period = stall_days(&q);
    let mut body = String::new();
    for s in charts(&projects, state.today()) {
        let title = chart_title(s.id, lang);
        body.push_str(&format!(
            "<section><h2 id=\"{id}\">{}</h2>{}<details><summary>{}</summary>{}</details><p><a href=\"/portfolio/csv/{id}\">CSV</a></p></section>",
            esc(title),
            bar_chart(&s, 0, title),
            lang.t(Key::AsTable),
            table(&s),
            id = s.id,
        ));
    }
    let stalled = views::stalled(&projects, state.today(), period);
    body.push_str(&format!(
        "<section><h2 id=\"stalled\">{}</h2><p>{}</p><table class=\"sortable\"><thead><tr><th>{}</th><th>TRL</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table><p><a href=\"/portfolio/csv/stalled\">CSV</a></p></section>",
        lang.t(Key::StalledProjects),
        esc(&lang.t(Key::StalledIntro).replace("{days}", &period.to_string())),
        lang.t(Key::TitleField),
        lang.t(Key::Since),
        lang.t(Key::Days),
        stalled
            .iter()
            .map(|s| format!(
                "<tr><td><a href=\"/projects/{}\">{}</a></td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
                esc(&s.id),
                esc(&s.title),
                s.trl,
                s.since,
                s.days
            ))
            .collect::<String>()
    ));
    body.push_str(&format!(
        "<section><h2>{}</h2>{}</section>",
        lang.t(Key::Projects),
        project_table(&projects, lang)
    ));
    Ok(signed_page(
        &state,
        &v,
        lang,
        &labels_of(&projects),
        lang.t(Key::Portfolio),
        &body,
    )
    .await)
}

fn project_table(projects: &[Project], lang: Lang) -> String {
    let rows: String = projects
        .iter()
        .map(|p| {
            format!(
                "<tr><td><a href=\"/projects/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(&p.id),
                esc(&p.title),
                esc(&p.workstreams.join(", ")),
                esc(&p.lead_nation),
                esc(&p.nations().join(", ")),
                views::current_trl(p).map_or("–".into(), |t| t.to_string()),
                esc(&views::stage(p)),
            )
        })
        .collect();
    format!(
        "<p>{} {}</p><table class=\"sortable\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>TRL</th><th>{}</th></tr></thead><tbody>{rows}</tbody></table>",
        projects.len(),
        lang.t(Key::Count),
        lang.t(Key::TitleField),
        lang.t(Key::Workstream),
        lang.t(Key::Lead),
        lang.t(Key::NationsField),
        lang.t(Key::Stage),
    )
}

/// One chart's data as CSV (`/portfolio/csv/{chart}`), over the reader's projects.
pub async fn portfolio_csv(
    State(state): State<AppState>,
    Caller(v): Caller,
    Language(lang): Language,
    Path(chart): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let projects = visible_projects(&state, &v).await?;
    let text = if chart == "stalled" {
        let mut out = String::from("id,trl,since,days\n");
        for s in views::stalled(&projects, state.today(), stall_days(&q)) {
            out.push_str(&format!(
                "{},{},{},{}\n",
                pillar_core::spreadsheet_safe(&s.id),
                s.trl,
                s.since,
                s.days
            ));
        }
        out
    } else {
        match charts(&projects, state.today())
            .into_iter()
            .find(|s| s.id == chart)
        {
            Some(s) => s.csv(),
            None => return Ok(not_found(lang)),
        }
    };
    // The marking travels with the data.
    let marking = marking(&state, &v, &labels_of(&projects)).await;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"portfolio-{chart}.csv\""),
            ),
            (header::HeaderName::from_static("x-pillar-marking"), marking),
        ],
        text,
    )
        .into_response())
}

/// A project page.
pub async fn project(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let object = format!("project:{id}");
    let found = state.store.reader(&v.readable).project(&id);
    let Some(p) = state.read(&v, &object, "", found).await? else {
        return Err(PageError::NotFound);
    };
    let history = state.store.reader(&v.readable).project_history(&id).await?;
    let agreements = visible_agreements(&state, &v).await?;
    let nation_list = state.store.reader(&v.readable).nations().await?;
    let tree = state.store.reader(&v.readable).tech_areas().await?;
    let mut body = match state
        .store
        .reader(&v.readable)
        .origin_of(pillar_store::Kept::Project, &p.id)
        .await?
    {
        Some(mut origin) => {
            origin.stewards = p.stewards.clone();
            crate::pages::origin_line(&state, &v, lang, &origin).await?
        }
        None => String::new(),
    };
    body.push_str(&format!("<p>{}</p><dl>", esc(&p.summary)));
    let field = |k: &str, v: String| format!("<dt>{}</dt><dd>{}</dd>", esc(k), esc(&v));
    body.push_str(&field(lang.t(Key::Workstream), p.workstreams.join(", ")));
    body.push_str(&field(lang.t(Key::Areas), p.areas.join(", ")));
    body.push_str(&field(
        lang.t(Key::Lead),
        format!(
            "{} {}",
            p.lead_nation,
            p.lead_organisation.clone().unwrap_or_default()
        ),
    ));
    body.push_str(&field(lang.t(Key::Stage), views::stage(&p)));
    body.push_str(&field(
        lang.t(Key::Pathway),
        p.pathway.clone().unwrap_or_else(|| "–".into()),
    ));
    body.push_str(&field(lang.t(Key::Start), p.start.to_string()));
    if let Some(t) = &p.transition {
        body.push_str(&field(
            lang.t(Key::Transition),
            format!("{} ({})", t.partner, t.status),
        ));
    }
    // The governing agreement is named only when the reader may see it.
    if let Some(a) = p
        .agreement
        .as_ref()
        .filter(|a| agreements.iter().any(|x| &x.id == *a))
    {
        body.push_str(&format!(
            "<dt>{}</dt><dd><a href=\"/agreements/{}\">{}</a></dd>",
            lang.t(Key::Agreement),
            esc(a),
            esc(a)
        ));
    }
    body.push_str("</dl>");

    // Readiness: history chart, Milestone B, stalled, SRL.
    let history_trl = views::trl_history(&p);
    let series = Series {
        id: "trl-history",
        columns: vec!["date".into(), "TRL".into()],
        rows: history_trl
            .iter()
            .map(|(d, t)| (d.to_string(), vec![f64::from(*t)]))
            .collect(),
    };
    body.push_str(&format!(
        "<h2>{}</h2>{}",
        lang.t(Key::Readiness),
        bar_chart(&series, 0, lang.t(Key::ChartTrlHistory))
    ));
    if state.may_write(&v.person, &p.label).await? {
        body.push_str(&format!(
            "<p><a href=\"/projects/{}/assess\">{}</a></p>",
            esc(&id),
            lang.t(Key::NewAssessment)
        ));
    }
    if let Some(since) =
        pillar_readiness::rules::stalled_since(&history_trl, state.today(), stall_days(&q))
    {
        body.push_str(&format!(
            "<p class=\"warning\" role=\"status\">{}</p>",
            esc(&lang
                .t(Key::StalledSince)
                .replace("{date}", &since.to_string()))
        ));
    }
    for (name, trl) in views::milestone_b(&p) {
        body.push_str(&format!(
            "<p class=\"warning\" role=\"status\">{}</p>",
            esc(&lang
                .t(Key::MilestoneBFlag)
                .replace("{name}", &name)
                .replace("{trl}", &trl.to_string()))
        ));
    }
    if !p.components.is_empty() {
        let input = pillar_readiness::srl::SrlInput {
            components: p
                .components
                .iter()
                .filter_map(|c| {
                    p.latest("TRL", Some(&c.id))
                        .map(|a| pillar_readiness::srl::ComponentTrl {
                            id: c.id.clone(),
                            trl: a.level,
                        })
                })
                .collect(),
            integrations: p
                .integrations
                .iter()
                .map(|g| pillar_readiness::srl::Integration {
                    a: g.a.clone(),
                    b: g.b.clone(),
                    irl: g.irl,
                })
                .collect(),
            irl_matrix: None,
        };
        match pillar_readiness::srl::srl(&input) {
            Ok(r) => {
                let rows: String = r
                    .components
                    .iter()
                    .map(|c| {
                        format!(
                            "<tr><td>{}</td><td class=\"num\">{:.2}</td></tr>",
                            esc(&c.id),
                            c.srl
                        )
                    })
                    .collect();
                body.push_str(&format!(
                    "<h3>SRL</h3><p>{} {:.2} — {}</p><table><thead><tr><th>{}</th><th>SRL</th></tr></thead><tbody>{rows}</tbody></table>",
                    lang.t(Key::CompositeSrl),
                    r.composite,
                    esc(r.band),
                    lang.t(Key::Component),
                ));
            }
            Err(e) => body.push_str(&format!(
                "<p class=\"warning\">SRL: {}</p>",
                esc(&e.to_string())
            )),
        }
    }
    let assessments: String = p
        .assessments
        .iter()
        .rev()
        .map(|a| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                a.date,
                esc(&a.scale),
                esc(a.component.as_deref().unwrap_or("–")),
                a.level,
                esc(&a.assessor),
                if a.signed { lang.t(Key::Signed) } else { lang.t(Key::Draft) },
                esc(&a.evidence)
            )
        })
        .collect();
    body.push_str(&format!(
        "<h3>{}</h3><table class=\"sortable\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{assessments}</tbody></table>",
        lang.t(Key::Assessments),
        lang.t(Key::Date),
        lang.t(Key::Scale),
        lang.t(Key::Component),
        lang.t(Key::Level),
        lang.t(Key::Assessor),
        lang.t(Key::Status),
        lang.t(Key::Evidence),
    ));

    // Participants and cost shares.
    let parts: String = p
        .participants
        .iter()
        .map(|x| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&x.nation),
                esc(x.organisation.as_deref().unwrap_or("–")),
                esc(&x.role),
                fmt_num(x.financial),
                fmt_num(x.in_kind)
            )
        })
        .collect();
    body.push_str(&format!(
        "<h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{} %</th><th>{} %</th></tr></thead><tbody>{parts}</tbody></table>",
        lang.t(Key::Participants),
        lang.t(Key::Nation),
        lang.t(Key::Organisation),
        lang.t(Key::Role),
        lang.t(Key::Financial),
        lang.t(Key::InKind),
    ));
    // Milestones with slippage; risks.
    let ms: String = p
        .milestones
        .iter()
        .map(|m| {
            let slip = m
                .actual
                .map(|a| (a - m.planned).num_days().to_string())
                .unwrap_or_else(|| "–".into());
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{slip}</td></tr>",
                esc(&m.name),
                m.planned,
                m.actual
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "–".into())
            )
        })
        .collect();
    body.push_str(&format!(
        "<h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{ms}</tbody></table>",
        lang.t(Key::Milestones),
        lang.t(Key::TitleField),
        lang.t(Key::Planned),
        lang.t(Key::Actual),
        lang.t(Key::DaysLate),
    ));
    let risks: String = p
        .risks
        .iter()
        .map(|r| {
            format!(
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&r.title),
                r.likelihood,
                r.consequence,
                r.likelihood * r.consequence
            )
        })
        .collect();
    body.push_str(&format!(
        "<h2>{}</h2><table class=\"sortable\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{risks}</tbody></table>",
        lang.t(Key::Risks),
        lang.t(Key::TitleField),
        lang.t(Key::Likelihood),
        lang.t(Key::Consequence),
        lang.t(Key::Score),
    ));
    // Linked documents: those the reader may read, each under its own label.
    let mut docs = Vec::new();
    for d in &p.documents {
        if let Some(info) = state.store.reader(&v.readable).document(d).await? {
            docs.push(info);
        }
    }
    if !docs.is_empty() {
        let items: String = docs
            .iter()
            .map(|d| {
                format!(
                    "<li><a href=\"/documents/{}\">{}</a></li>",
                    esc(&d.id),
                    esc(&d.title)
                )
            })
            .collect();
        body.push_str(&format!(
            "<h2>{}</h2><ul>{items}</ul>",
            lang.t(Key::Documents)
        ));
    }
    // Agreement coverage of its areas for its nations.
    let codes: Vec<pillar_core::NationCode> = p
        .nations()
        .iter()
        .filter_map(|n| pillar_core::NationCode::parse(n).ok())
        .collect();
    let mut areas = p.workstreams.clone();
    areas.extend(p.areas.iter().cloned());
    let cover = pillar_readiness::coverage(
        &agreements,
        &nation_list,
        &tree,
        &codes,
        &areas,
        state.today(),
    );
    let (covered, gaps) = coverage_items(&cover);
    body.push_str(&format!(
        "<h2>{}</h2><h3>{}</h3><ul>{covered}</ul><h3>{}</h3><ul>{gaps}</ul>",
        lang.t(Key::Coverage),
        lang.t(Key::Covered),
        lang.t(Key::Gaps),
    ));
    let hist: String = history
        .iter()
        .map(|h| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&h.at),
                esc(&h.by),
                esc(&h.change)
            )
        })
        .collect();
    body.push_str(&format!(
        "<h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{hist}</tbody></table>",
        lang.t(Key::History),
        lang.t(Key::Date),
        lang.t(Key::By),
        lang.t(Key::Change),
    ));
    let mut shown: Vec<&Label> = vec![&p.label];
    shown.extend(docs.iter().map(|d| &d.label));
    Ok(signed_page(&state, &v, lang, &shown, &p.title, &body).await)
}

/// `GET /api/projects`: the reader's projects with the dominant marking.
pub async fn api_projects(
    State(state): State<AppState>,
    Caller(v): Caller,
) -> Result<Response, ApiError> {
    let projects = visible_projects(&state, &v).await?;
    let marking = marking(&state, &v, &labels_of(&projects)).await;
    Ok(
        Json(json!({"marking": marking, "count": projects.len(), "items": projects}))
            .into_response(),
    )
}

/// `GET /api/projects/{id}`.
pub async fn api_project(
    State(state): State<AppState>,
    Caller(v): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let object = format!("project:{id}");
    let found = state.store.reader(&v.readable).project(&id);
    let Some(p) = state.read(&v, &object, "", found).await? else {
        return Err(ApiError::NotFound);
    };
    let history = state.store.reader(&v.readable).project_history(&id).await?;
    let marking = marking(&state, &v, &[&p.label]).await;
    Ok(Json(json!({"marking": marking, "project": p, "history": history})).into_response())
}

/// `GET /api/portfolio`: every chart's series, the stalled projects and the readiness matrix.
pub async fn api_portfolio(
    State(state): State<AppState>,
    Caller(v): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let projects = visible_projects(&state, &v).await?;
    let ws: Vec<String> = workstreams(&state, &v)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let nations: Vec<String> = NATIONS.iter().map(|n| n.to_string()).collect();
    let period = stall_days(&q);
    let matrix = views::matrix(&projects, &ws, &nations, state.today(), period);
    let marking = marking(&state, &v, &labels_of(&projects)).await;
    Ok(Json(json!({
        "marking": marking,
        "projects": projects.len(),
        "charts": charts(&projects, state.today()),
        "stalled": views::stalled(&projects, state.today(), period),
        "matrix": {"workstreams": ws, "nations": nations, "cells": matrix},
    }))
    .into_response())
}

/// `GET /projects/{id}/assess?scale=TRL&variant=hardware`: the questionnaire, for a reader whose
/// clearance satisfies the project's label.
pub async fn assess_form(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let Some(p) = state.store.reader(&v.readable).project(&id).await? else {
        return Err(PageError::NotFound);
    };
    if !state.may_write(&v.person, &p.label).await? {
        return Ok(crate::pages::forbidden(lang, lang.t(Key::MayNotAssess)));
    }
    let scale = q
        .get("scale")
        .and_then(|s| pillar_readiness::Scale::parse(s))
        .unwrap_or(pillar_readiness::Scale::Trl);
    let variant = q.get("variant").map_or("hardware", String::as_str);
    let Some(set) = pillar_readiness::trl::question_set(scale, variant) else {
        return Err(PageError::NotFound);
    };
    let choices: String = pillar_readiness::trl::question_sets()
        .iter()
        .map(|s| {
            format!(
                "<li><a href=\"/projects/{}/assess?scale={}&amp;variant={}\">{}</a></li>",
                esc(&id),
                s.scale.name(),
                esc(&s.variant),
                esc(&s.title)
            )
        })
        .collect();
    let components: String = p
        .components
        .iter()
        .map(|c| format!("<option value=\"{}\">{}</option>", esc(&c.id), esc(&c.name)))
        .collect();
    let mut levels = String::new();
    for l in &set.levels {
        levels.push_str(&format!(
            "<fieldset><legend>{} {} — {}</legend>",
            scale.name(),
            l.level,
            esc(scale.definition(l.level).unwrap_or(""))
        ));
        for question in &l.questions {
            levels.push_str(&format!(
                "<label>{} {}<input type=\"number\" name=\"q.{}\" min=\"0\" max=\"100\" step=\"5\" value=\"0\"></label>\
                 <label>{}<input name=\"e.{}\"></label>",
                esc(&question.id),
                esc(&question.text),
                esc(&question.id),
                lang.t(Key::Evidence),
                esc(&question.id)
            ));
        }
        levels.push_str("</fieldset>");
    }
    let csrf = v.csrf.clone().unwrap_or_default();
    let body = format!(
        "<ul>{choices}</ul><p>{}</p><form method=\"post\" action=\"/projects/{}/assessments\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"scale\" value=\"{}\">\
         <input type=\"hidden\" name=\"variant\" value=\"{}\">\
         <label>{}<select name=\"component\"><option value=\"\">{}</option>{components}</select></label>\
         {levels}<label><input type=\"checkbox\" name=\"sign\" value=\"1\"> {}</label><button>{}</button></form>",
        esc(&set.source),
        esc(&id),
        esc(&csrf),
        scale.name(),
        esc(&set.variant),
        lang.t(Key::Component),
        lang.t(Key::WholeProject),
        lang.t(Key::SignAssessment),
        lang.t(Key::SaveAssessment),
    );
    Ok(signed_page(&state, &v, lang, &[&p.label], &set.title, &body).await)
}

/// `POST /projects/{id}/assessments`: scores the questionnaire and records the assessment,
/// dated today, by the signed-in assessor; signed when asked (then fixed for good).
pub async fn assess(
    State(state): State<AppState>,
    Language(lang): Language,
    Path(id): Path<String>,
    SignedForm(v, form): SignedForm,
) -> Result<Response, ServerError> {
    let Some(p) = state.store.reader(&v.readable).project(&id).await? else {
        return Ok(not_found(lang));
    };
    // Decided on the record as it stands, not on what this reader is shown of it.
    let recorded = state
        .store
        .reader(&v.readable)
        .project_as_recorded(&id)
        .await?
        .unwrap_or_else(|| p.clone());
    if let Err(refusal) = pillar_core::stewardship::may_assess(&v.person, &recorded) {
        state
            .audit(
                &v.person.id,
                "assess",
                &format!("project:{id}"),
                state.store.label_id(&p.label).await?,
                "deny",
                &refusal.to_string(),
            )
            .await;
        return Ok(crate::pages::forbidden(
            lang,
            &crate::i18n::refusal_text(lang, &refusal),
        ));
    }
    if !state.may_write(&v.person, &p.label).await? {
        return Ok(crate::pages::forbidden(lang, lang.t(Key::MayNotAssess)));
    }
    let scale = form
        .get("scale")
        .and_then(|s| pillar_readiness::Scale::parse(s))
        .unwrap_or(pillar_readiness::Scale::Trl);
    let variant = form
        .get("variant")
        .cloned()
        .unwrap_or_else(|| "hardware".into());
    let mut answers = Vec::new();
    for (k, value) in &form {
        if let Some(q) = k.strip_prefix("q.") {
            let complete: f64 = match value.trim().parse() {
                Ok(x) => x,
                Err(_) => {
                    return Ok(crate::pages::bad_request(&format!(
                        "question {q}: `{value}` is not a percentage"
                    )))
                }
            };
            if complete > 0.0 {
                answers.push(pillar_readiness::trl::Answer {
                    question: q.to_string(),
                    complete,
                    evidence: form.get(&format!("e.{q}")).cloned().unwrap_or_default(),
                });
            }
        }
    }
    answers.sort_by(|a, b| a.question.cmp(&b.question));
    let filled = pillar_readiness::trl::Answers {
        scale,
        variant,
        thresholds: Default::default(),
        answers,
    };
    let result = match pillar_readiness::trl::calculate(&filled) {
        Ok(r) => r,
        Err(e) => return Ok(crate::pages::bad_request(&e.to_string())),
    };
    if result.level == 0 {
        return Ok(crate::pages::bad_request(lang.t(Key::LevelOneNotReached)));
    }
    let now = chrono::Utc::now();
    let a = pillar_core::project::Assessment {
        // Time to the millisecond and a random suffix: two assessments posted in the same
        // second no longer collide.
        id: format!(
            "{}-{}-{}",
            scale.name().to_ascii_lowercase(),
            now.format("%Y%m%d%H%M%S%3f"),
            &crate::auth::new_secret()[..6]
        ),
        scale: scale.name().to_string(),
        component: form.get("component").filter(|c| !c.is_empty()).cloned(),
        level: i64::from(result.level),
        date: now.date_naive(),
        assessor: v.person.id.clone(),
        signed: form.contains_key("sign"),
        evidence: format!("questionnaire ({} {})", scale.name(), filled.variant),
        answers: serde_json::to_value(&filled).ok(),
    };
    let entry = AuditEvent::new(
        &v.person.id,
        "assess",
        &format!("project:{id}"),
        "allow",
        &format!(
            "{} {} {}{}",
            a.id,
            a.scale,
            a.level,
            if a.signed { " signed" } else { "" }
        ),
    );
    match state
        .store
        .add_assessment(&id, &v.readable, &a, &crate::time_text(now), &entry)
        .await
    {
        Ok(Some(())) => {}
        Ok(None) => return Ok(not_found(lang)),
        Err(pillar_store::StoreError::Input(e)) => {
            return Ok(crate::pages::bad_request(&e.to_string()))
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("/projects/{id}")).into_response())
}

/// Agreement coverage as list items: the covered (nation, area) pairs with their agreements,
/// and the gaps.
pub(crate) fn coverage_items(cover: &pillar_readiness::Coverage) -> (String, String) {
    let covered = cover
        .covered
        .iter()
        .map(|c| {
            format!(
                "<li>{} / {}: {}</li>",
                esc(&c.nation),
                esc(&c.area),
                esc(&c.agreements.join(", "))
            )
        })
        .collect();
    let gaps = cover
        .gaps
        .iter()
        .map(|(n, a)| format!("<li>{} / {}</li>", esc(n), esc(a)))
        .collect();
    (covered, gaps)
}
