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

use crate::charts::{bar_chart, line_chart, Axes, Line};
use crate::i18n::Key;
use crate::i18n::Lang;
use crate::names::Names;
use crate::pages::{fragment, marking, render, signed_chrome, Chrome};
use crate::request::{ApiError, Caller, Language, PageError, Signed, SignedForm};
use crate::{AppState, ServerError, Viewer};
use pillar_core::RegistryKind;
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

/// Workstream ids and names (in `lang` where the registry has it), in taxonomy order.
async fn workstreams(
    state: &AppState,
    v: &Viewer,
    lang: Lang,
) -> Result<Vec<(String, String)>, ServerError> {
    Ok(state
        .store
        .reader(&v.readable)
        .tech_areas()
        .await?
        .into_iter()
        .filter(|a| a.taxonomy == "aukus-p2" && a.parent.is_some())
        .map(|a| match (lang, a.name_ko) {
            (Lang::Ko, Some(ko)) => (a.id, ko),
            _ => (a.id, a.name),
        })
        .collect())
}

/// A series as an HTML table (sortable by the page's script), from `templates/series_table.html`.
fn table(series: &Series) -> String {
    #[derive(askama::Template)]
    #[template(path = "series_table.html")]
    struct SeriesTable<'a> {
        columns: &'a [String],
        rows: Vec<(&'a str, Vec<String>)>,
    }
    fragment(&SeriesTable {
        columns: &series.columns,
        rows: series
            .rows
            .iter()
            .map(|(k, vals)| (k.as_str(), vals.iter().map(|v| fmt_num(*v)).collect()))
            .collect(),
    })
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
    let ws = workstreams(&state, &v, lang).await?;
    let period = stall_days(&q);
    let ws_ids: Vec<String> = ws.iter().map(|(id, _)| id.clone()).collect();
    let nations: Vec<String> = NATIONS.iter().map(|n| n.to_string()).collect();
    let m = views::matrix(&projects, &ws_ids, &nations, state.today(), period);
    let nation_list = state.store.reader(&v.readable).nations().await?;
    let tree = state.store.reader(&v.readable).tech_areas().await?;
    let rows = ws
        .iter()
        .zip(&m)
        .map(|((id, name), cells)| MatrixRow {
            name: name.clone(),
            cells: NATIONS
                .iter()
                .zip(cells)
                .map(|(n, c)| {
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
                    MatrixCell {
                        projects: c.projects,
                        median_trl: c.median_trl.map_or("–".into(), fmt_num),
                        stalled: c.stalled,
                        agreements: cover.covered.first().map_or(0, |c| c.agreements.len()),
                    }
                })
                .collect(),
        })
        .collect();
    // Reminders: the reader's own open action items, overdue ones marked.
    let mine = state
        .store
        .reader(&v.readable)
        .open_actions(Some(&v.person.id))
        .await?;
    let research = crate::landscape::research_strength(&state, &v, &ws, &NATIONS, lang).await?;
    // The supply slot: the end items each cell's projects deliver, and the most exposed one's
    // share from outside the coalition.
    let crate::supply::Exposures {
        outside,
        labels: supply_labels,
        ..
    } = crate::supply::outside_shares(&state, &v, &projects).await?;
    let supply = views::supply_matrix(&projects, &ws_ids, &nations, &outside);
    let supply_rows: Vec<(String, Vec<String>)> = ws
        .iter()
        .zip(&supply)
        .map(|((_, name), cells)| {
            (
                name.clone(),
                cells
                    .iter()
                    .map(|c| match &c.worst {
                        None => "–".to_string(),
                        Some((share, item)) => lang
                            .t(Key::OutsideShare)
                            .replace("{pct}", &format!("{:.0}", 100.0 * share))
                            .replace("{item}", item)
                            .replace("{n}", &c.end_items.to_string()),
                    })
                    .collect(),
            )
        })
        .collect();
    let mut labels = labels_of(&projects);
    labels.extend(supply_labels.iter());
    labels.extend(mine.iter().map(|a| &a.label));
    labels.extend(research.as_ref().map(|(_, label)| label));
    Ok(render(&HomePage {
        chrome: signed_chrome(&state, &v, lang, &labels, lang.t(Key::ReadinessView)).await,
        intro: lang
            .t(Key::ReadinessIntro)
            .replace("{n}", &projects.len().to_string())
            .replace("{days}", &period.to_string()),
        // Codes in English (the name on hover), names in Korean (the code on hover).
        nations: NATIONS
            .iter()
            .map(|n| {
                let name = crate::i18n::country_name(lang, n).unwrap_or_else(|| n.to_string());
                match lang {
                    Lang::En => (n.to_string(), name),
                    Lang::Ko => (name, n.to_string()),
                }
            })
            .collect(),
        rows,
        reminders: if mine.is_empty() {
            None
        } else {
            Some(crate::committee::actions_table(&state, &v, &mine, lang, "/").await?)
        },
        research: research.as_ref().map(|(html, _)| html.as_str()),
        supply: (!outside.is_empty()).then_some(supply_rows),
    }))
}

/// The readiness view (`templates/home.html`).
#[derive(askama::Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    chrome: Chrome,
    intro: String,
    /// Each nation's column header and what its hover shows.
    nations: Vec<(String, String)>,
    rows: Vec<MatrixRow>,
    /// The reader's open actions (HTML, from its template), when they have any.
    reminders: Option<String>,
    /// The research-strength table (HTML, from the landscape module), when analysed.
    research: Option<&'a str>,
    /// The supply slot per workstream (its name, a cell per nation), when any project the
    /// reader sees delivers an end item of a network they may read.
    supply: Option<Vec<(String, Vec<String>)>>,
}

/// A workstream's row of the readiness matrix.
struct MatrixRow {
    name: String,
    cells: Vec<MatrixCell>,
}

/// One workstream × nation cell.
struct MatrixCell {
    projects: usize,
    median_trl: String,
    stalled: usize,
    agreements: usize,
}

/// The project list's filters (`?workstream=&nation=&stage=&trl=`): on the portfolio page they
/// narrow every view of it (charts, stalled projects, the list), on `/api/projects` the list.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ProjectFilter {
    /// A workstream (technology-area id) the project works in.
    pub workstream: String,
    /// A nation that leads or takes part.
    pub nation: String,
    /// The stage, as [`views::stage`] gives it.
    pub stage: String,
    /// The current TRL (`none`: not yet assessed).
    pub trl: Option<Option<u8>>,
}

impl ProjectFilter {
    /// From a query; a TRL that is neither 1–9 nor `none` is an error naming `trl`.
    pub(crate) fn from_query(q: &HashMap<String, String>) -> Result<Self, String> {
        let pick = |k: &str| q.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
        let trl = match pick("trl").as_str() {
            "" => None,
            "none" => Some(None),
            t => match t.parse::<u8>() {
                Ok(n) if (1..=9).contains(&n) => Some(Some(n)),
                _ => return Err(format!("`trl`: `{t}` is not a TRL (1 to 9, or `none`)")),
            },
        };
        Ok(ProjectFilter {
            workstream: pick("workstream"),
            nation: pick("nation"),
            stage: pick("stage"),
            trl,
        })
    }

    /// Whether any filter is chosen.
    pub(crate) fn active(&self) -> bool {
        *self != ProjectFilter::default()
    }

    /// Whether `p` passes every chosen filter.
    pub(crate) fn matches(&self, p: &Project) -> bool {
        (self.workstream.is_empty() || p.workstreams.contains(&self.workstream))
            && (self.nation.is_empty() || p.nations().contains(&self.nation))
            && (self.stage.is_empty() || views::stage(p) == self.stage)
            && self.trl.is_none_or(|t| views::current_trl(p) == t)
    }
}

/// A series for a page: category ids as names in the reader's language, column names as
/// headers in it (CSV and JSON keep the ids and column names).
fn shown_series(s: &Series, names: &Names, lang: Lang) -> Series {
    let kind = match s.id {
        "by-workstream" | "by-area" | "trl-progression" | "slippage" => {
            Some(RegistryKind::TechAreas)
        }
        "by-nation" | "cost-share" => Some(RegistryKind::Nations),
        _ => None,
    };
    Series {
        id: s.id,
        columns: s
            .columns
            .iter()
            .map(|c| match c.as_str() {
                "workstream" => lang.t(Key::Workstream).to_string(),
                "area" => lang.t(Key::TechArea).to_string(),
                "nation" => lang.t(Key::Nation).to_string(),
                "stage" => lang.t(Key::Stage).to_string(),
                "trl" => "TRL".to_string(),
                "projects" => lang.t(Key::Projects).to_string(),
                "financial" => lang.t(Key::Financial).to_string(),
                "in_kind" => lang.t(Key::InKind).to_string(),
                "mean_days_late" => lang.t(Key::MeanDaysLate).to_string(),
                "milestones" => lang.t(Key::Milestones).to_string(),
                other => other.to_string(),
            })
            .collect(),
        rows: s
            .rows
            .iter()
            .map(|(k, v)| {
                let shown = match kind {
                    Some(kind) => names.name(kind, k),
                    None if s.id == "by-trl" && k == "none" => lang.t(Key::NotAssessed).to_string(),
                    None => crate::i18n::term(lang, k),
                };
                (shown, v.clone())
            })
            .collect(),
    }
}

/// The mean-TRL chart: a line per workstream over the years, broken where no project of the
/// workstream had been assessed, on a 1–9 axis.
fn progression_chart(s: &Series, title: &str) -> String {
    let years: Vec<f64> = s.columns[1..]
        .iter()
        .filter_map(|y| y.parse().ok())
        .collect();
    let (first, last) = (
        years.first().copied().unwrap_or(0.0),
        years.last().copied().unwrap_or(1.0),
    );
    let lines: Vec<Line<'_>> = s
        .rows
        .iter()
        .map(|(name, vals)| Line {
            name,
            points: years.iter().copied().zip(vals.iter().copied()).collect(),
        })
        .collect();
    line_chart(
        title,
        &Axes {
            x: (first - 0.3, last + 0.3),
            x_ticks: years.iter().map(|y| (*y, format!("{y}"))).collect(),
            y: (1.0, 9.0),
            steps: false,
        },
        &lines,
    )
}

/// The portfolio: filters, charts with their tables and CSV links, stalled projects, and the
/// list — all over the reader's projects that pass the filters.
pub async fn portfolio(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let all = visible_projects(&state, &v).await?;
    let filter = ProjectFilter::from_query(&q).map_err(PageError::BadRequest)?;
    let names = Names::load(&state, &v, lang).await?;
    // The choices: what the reader's projects hold.
    let mut workstream_ids: Vec<&str> = all
        .iter()
        .flat_map(|p| p.workstreams.iter().map(String::as_str))
        .collect();
    workstream_ids.sort();
    workstream_ids.dedup();
    let mut nation_ids: Vec<String> = all.iter().flat_map(|p| p.nations()).collect();
    nation_ids.sort();
    nation_ids.dedup();
    let mut stages: Vec<String> = all.iter().map(views::stage).collect();
    stages.sort();
    stages.dedup();
    let choices = FilterChoices {
        workstreams: workstream_ids
            .iter()
            .map(|w| (w.to_string(), names.name(RegistryKind::TechAreas, w)))
            .collect(),
        nations: nation_ids
            .iter()
            .map(|n| (n.clone(), names.name(RegistryKind::Nations, n)))
            .collect(),
        stages: stages
            .iter()
            .map(|st| (st.clone(), crate::i18n::term(lang, st)))
            .collect(),
        trl: match filter.trl {
            None => String::new(),
            Some(None) => "none".into(),
            Some(Some(t)) => t.to_string(),
        },
    };
    let total = all.len();
    let projects: Vec<Project> = all.into_iter().filter(|p| filter.matches(p)).collect();
    let period = stall_days(&q);
    let charts = charts(&projects, state.today())
        .iter()
        .map(|s| {
            let title = chart_title(s.id, lang);
            let shown = shown_series(s, &names, lang);
            ChartSection {
                id: s.id,
                title,
                svg: if s.id == "trl-progression" {
                    progression_chart(&shown, title)
                } else {
                    bar_chart(&shown, 0, title)
                },
                table: table(&shown),
            }
        })
        .collect();
    let rows = projects
        .iter()
        .map(|p| ProjectRow {
            id: &p.id,
            title: &p.title,
            workstreams: names.links(
                RegistryKind::TechAreas,
                p.workstreams.iter().map(String::as_str),
            ),
            lead: names.link(RegistryKind::Nations, &p.lead_nation),
            nations: names.links(
                RegistryKind::Nations,
                p.nations().iter().map(String::as_str),
            ),
            trl: views::current_trl(p).map_or("–".into(), |t| t.to_string()),
            stage: crate::i18n::term(lang, views::stage(p)),
        })
        .collect();
    // Filters kept in the CSV links.
    let kept = serde_urlencoded::to_string(
        q.iter()
            .filter(|(k, v)| {
                ["workstream", "nation", "stage", "trl"].contains(&k.as_str()) && !v.is_empty()
            })
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    Ok(render(&PortfolioPage {
        chrome: signed_chrome(
            &state,
            &v,
            lang,
            &labels_of(&projects),
            lang.t(Key::Portfolio),
        )
        .await,
        count: if filter.active() {
            lang.t(Key::ShownOf)
                .replace("{n}", &projects.len().to_string())
                .replace("{total}", &total.to_string())
        } else {
            format!("{} {}", projects.len(), lang.t(Key::Count))
        },
        query: if kept.is_empty() {
            String::new()
        } else {
            format!("?{kept}")
        },
        filter,
        choices,
        charts,
        stalled_intro: lang
            .t(Key::StalledIntro)
            .replace("{days}", &period.to_string()),
        stalled: views::stalled(&projects, state.today(), period),
        projects: rows,
    }))
}

/// The portfolio (`templates/portfolio.html`).
#[derive(askama::Template)]
#[template(path = "portfolio.html")]
struct PortfolioPage<'a> {
    chrome: Chrome,
    count: String,
    /// The chosen filters as a query (`?…`, or empty), for the CSV links.
    query: String,
    filter: ProjectFilter,
    choices: FilterChoices,
    charts: Vec<ChartSection>,
    stalled_intro: String,
    stalled: Vec<views::Stalled>,
    projects: Vec<ProjectRow<'a>>,
}

/// What the project filters offer: (value, name) each, and the chosen TRL as its value.
struct FilterChoices {
    workstreams: Vec<(String, String)>,
    nations: Vec<(String, String)>,
    stages: Vec<(String, String)>,
    trl: String,
}

/// A chart with its table (both HTML, from `charts` and `series_table.html`).
struct ChartSection {
    id: &'static str,
    title: &'static str,
    svg: String,
    table: String,
}

/// A project in the portfolio's list (names as HTML, from [`Names`]).
struct ProjectRow<'a> {
    id: &'a str,
    title: &'a str,
    workstreams: String,
    lead: String,
    nations: String,
    trl: String,
    stage: String,
}

/// One chart's data as CSV (`/portfolio/csv/{chart}`), over the reader's projects that pass the
/// project filters.
pub async fn portfolio_csv(
    State(state): State<AppState>,
    Caller(v): Caller,
    Path(chart): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let filter = ProjectFilter::from_query(&q).map_err(ApiError::BadRequest)?;
    let mut projects = visible_projects(&state, &v).await?;
    projects.retain(|p| filter.matches(p));
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
            None => return Err(ApiError::NotFound),
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
    let reader = state.store.reader(&v.readable);
    let history = reader.project_history(&id).await?;
    let agreements = visible_agreements(&state, &v).await?;
    let origin = crate::pages::kept_origin(
        &state,
        &v,
        lang,
        pillar_store::Kept::Project,
        &p.id,
        Some(&p.stewards),
    )
    .await?;
    // Readiness: history chart, stalled and Milestone B flags, SRL.
    let history_trl = views::trl_history(&p);
    let trl_chart = trl_history_chart(&history_trl, state.today(), lang);
    let mut flags: Vec<String> =
        pillar_readiness::rules::stalled_since(&history_trl, state.today(), stall_days(&q))
            .map(|since| {
                lang.t(Key::StalledSince)
                    .replace("{date}", &crate::i18n::date(lang, since))
            })
            .into_iter()
            .collect();
    flags.extend(views::milestone_b(&p).into_iter().map(|(name, trl)| {
        lang.t(Key::MilestoneBFlag)
            .replace("{name}", &name)
            .replace("{trl}", &trl.to_string())
    }));
    // Linked documents: those the reader may read, each under its own label.
    let mut docs = Vec::new();
    for d in &p.documents {
        if let Some(info) = reader.document(d).await? {
            docs.push(info);
        }
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
        &reader.nations().await?,
        &reader.tech_areas().await?,
        &codes,
        &areas,
        state.today(),
    );
    let names = Names::load(&state, &v, lang).await?;
    // The systems it delivers, with their supply exposure outside the coalition, each linked
    // to its end-item page when the reader may read the network.
    let crate::supply::Exposures {
        outside,
        labels: supply_labels,
        names: item_names,
    } = crate::supply::outside_shares(&state, &v, std::slice::from_ref(&p)).await?;
    let end_items: Vec<String> = p
        .end_items
        .iter()
        .map(
            |e| match outside.get(&(e.network.clone(), e.item.clone())) {
                Some(share) => format!(
                    "<a href=\"/supply/{}/items/{}\" title=\"{}\">{}</a> — {}",
                    crate::pages::esc(&e.network),
                    crate::pages::esc(&e.item),
                    crate::pages::esc(&e.item),
                    crate::pages::esc(
                        item_names
                            .get(&(e.network.clone(), e.item.clone()))
                            .map_or(e.item.as_str(), String::as_str)
                    ),
                    crate::pages::esc(
                        &lang
                            .t(Key::OutsideShareOne)
                            .replace("{pct}", &format!("{:.0}", 100.0 * share))
                    )
                ),
                None => crate::pages::esc(&e.item),
            },
        )
        .collect();
    // Its areas in the published landscape analyses the reader may read (the first that
    // covers each).
    let analyses = reader.landscapes().await?;
    let mut landscape_links = Vec::new();
    let mut shown_landscapes = Vec::new();
    for area in p.workstreams.iter().chain(&p.areas) {
        if let Some(l) = analyses.iter().find(|l| l.areas.contains(area)) {
            landscape_links.push(format!(
                "<a href=\"/landscape/{}/areas/{}\">{}</a>",
                crate::pages::esc(&l.id),
                crate::pages::esc(area),
                crate::pages::esc(&names.name(RegistryKind::TechAreas, area))
            ));
            if !shown_landscapes
                .iter()
                .any(|x: &&pillar_store::landscapes::Landscape| x.id == l.id)
            {
                shown_landscapes.push(l);
            }
        }
    }
    let mut shown: Vec<&Label> = vec![&p.label];
    shown.extend(docs.iter().map(|d| &d.label));
    shown.extend(supply_labels.iter());
    shown.extend(shown_landscapes.iter().map(|l| &l.label));
    Ok(render(&ProjectPage {
        chrome: signed_chrome(&state, &v, lang, &shown, &p.title).await,
        origin,
        stage: views::stage(&p),
        // The governing agreement is named only when the reader may see it.
        agreement: p
            .agreement
            .as_deref()
            .filter(|a| agreements.iter().any(|x| x.id == *a)),
        trl_chart,
        may_assess: state.may_write(&v.person, &p.label).await?,
        flags,
        srl: srl_of(&p),
        participants: p
            .participants
            .iter()
            .map(|x| {
                (
                    names.link(RegistryKind::Nations, &x.nation),
                    names.links(RegistryKind::Organisations, x.organisation.as_deref()),
                    crate::i18n::term(lang, &x.role),
                    fmt_num(x.financial),
                    fmt_num(x.in_kind),
                )
            })
            .collect(),
        milestones: p
            .milestones
            .iter()
            .map(|m| {
                let slip = m.actual.map(|a| (a - m.planned).num_days().to_string());
                (
                    m.name.as_str(),
                    crate::i18n::date(lang, m.planned),
                    crate::i18n::date_or_dash(lang, m.actual),
                    slip.unwrap_or_else(|| "–".into()),
                )
            })
            .collect(),
        docs: &docs,
        coverage: coverage_list(&cover, &names),
        history: &history,
        p: &p,
        names,
        end_items,
        landscape_links,
    }))
}

/// A project's page (`templates/project.html`).
#[derive(askama::Template)]
#[template(path = "project.html")]
struct ProjectPage<'a> {
    chrome: Chrome,
    /// The "originated by" line (HTML, from `origin_line`).
    origin: String,
    p: &'a Project,
    stage: String,
    agreement: Option<&'a str>,
    /// The TRL history chart (SVG, from `bar_chart`).
    trl_chart: String,
    may_assess: bool,
    /// Stalled and Milestone B warnings, in the reader's language.
    flags: Vec<String>,
    srl: Option<Result<pillar_readiness::srl::Srl, String>>,
    /// Nation and organisation (HTML, from [`Names`]), role, financial %, in-kind %.
    participants: Vec<(String, String, String, String, String)>,
    /// Name, planned and actual (HTML `<time>`), days late.
    milestones: Vec<(&'a str, String, String, String)>,
    docs: &'a [pillar_store::documents::DocumentInfo],
    /// Agreement coverage (HTML, from `templates/coverage.html`).
    coverage: String,
    history: &'a [pillar_store::projects::HistoryEntry],
    /// The names of what the project refers to, for the reader.
    names: Names,
    /// The systems it delivers (HTML: linked, with their exposure, where readable).
    end_items: Vec<String>,
    /// Its areas in the readable landscape analyses (HTML links).
    landscape_links: Vec<String>,
}

/// A project's TRL history on a 1–9 axis over time: each level held until the next
/// assessment, the last until `today`.
fn trl_history_chart(history: &[(NaiveDate, u8)], today: NaiveDate, lang: Lang) -> String {
    use chrono::Datelike;
    let title = lang.t(Key::ChartTrlHistory);
    let Some(&(first, _)) = history.first() else {
        return format!("<p class=\"note\">{}</p>", lang.t(Key::NotAssessed));
    };
    let day = |d: NaiveDate| f64::from(d.num_days_from_ce());
    let end = today.max(history.last().map_or(today, |(d, _)| *d));
    let years: Vec<i32> = (first.year() + 1..=end.year()).collect();
    let step = years.len().div_ceil(8).max(1);
    line_chart(
        title,
        &Axes {
            x: (day(first), day(end).max(day(first) + 1.0)),
            x_ticks: years
                .iter()
                .step_by(step)
                .map(|y| {
                    let jan = NaiveDate::from_ymd_opt(*y, 1, 1).expect("a valid date");
                    (day(jan), y.to_string())
                })
                .collect(),
            y: (1.0, 9.0),
            steps: true,
        },
        &[Line {
            name: "TRL",
            points: history
                .iter()
                .map(|(d, t)| (day(*d), f64::from(*t)))
                .collect(),
        }],
    )
}

/// The system readiness of a project with components: `None` without components.
fn srl_of(p: &Project) -> Option<Result<pillar_readiness::srl::Srl, String>> {
    if p.components.is_empty() {
        return None;
    }
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
    Some(pillar_readiness::srl::srl(&input).map_err(|e| e.to_string()))
}

/// `GET /api/projects`: the reader's projects with the dominant marking.
#[utoipa::path(get, path = "/api/projects", tag = "portfolio",
    params(crate::api::Paging,
           ("workstream" = Option<String>, Query, description = "only projects in this workstream (a technology-area id)"),
           ("nation" = Option<String>, Query, description = "only projects this nation leads or takes part in (a trigraph)"),
           ("stage" = Option<String>, Query, description = "only projects at this stage (`Milestone B`, `BA 6.3`, `unstaged`)"),
           ("trl" = Option<String>, Query, description = "only projects at this current TRL (1–9, or `none` for not yet assessed)")),
    responses((status = 200, description = "the visible joint R&D projects that pass the filters, with their assessments; `total` counts them", body = crate::api::Listing<serde_json::Value>),
              (status = 400, description = "a limit, offset or TRL out of range", body = crate::api::Refusal)))]
pub async fn api_projects(
    State(state): State<AppState>,
    Caller(v): Caller,
    Query(q): Query<HashMap<String, String>>,
    paged: crate::request::Paged,
) -> Result<Response, ApiError> {
    let filter = ProjectFilter::from_query(&q).map_err(ApiError::BadRequest)?;
    let mut projects = visible_projects(&state, &v).await?;
    projects.retain(|p| filter.matches(p));
    let (projects, window) = paged.slice(projects);
    let marking = marking(&state, &v, &labels_of(&projects)).await;
    Ok(Json(crate::api::Listing::new(marking, projects, window)).into_response())
}

/// `GET /api/projects/{id}`.
#[utoipa::path(get, path = "/api/projects/{id}", tag = "portfolio",
    params(("id" = String, Path)),
    responses((status = 200, description = "the project and its history", body = crate::api::Project<serde_json::Value, serde_json::Value>)))]
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
    Ok(Json(crate::api::Project {
        marking,
        project: p,
        history,
    })
    .into_response())
}

/// `GET /api/portfolio`: every chart's series, the stalled projects and the readiness matrix.
#[utoipa::path(get, path = "/api/portfolio", tag = "portfolio",
    params(("stall" = Option<i64>, Query, minimum = 30, maximum = 3650, description = "days in TRL 4–6 after which a project counts as stalled (default 730; outside the range, the default)")),
    responses((status = 200, description = "the views over the visible projects", body = crate::api::Portfolio<serde_json::Value, serde_json::Value, serde_json::Value>)))]
pub async fn api_portfolio(
    State(state): State<AppState>,
    Caller(v): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let projects = visible_projects(&state, &v).await?;
    let ws: Vec<String> = workstreams(&state, &v, Lang::En)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let nations: Vec<String> = NATIONS.iter().map(|n| n.to_string()).collect();
    let period = stall_days(&q);
    let matrix = views::matrix(&projects, &ws, &nations, state.today(), period);
    let exposures = crate::supply::outside_shares(&state, &v, &projects).await?;
    let supply = views::supply_matrix(&projects, &ws, &nations, &exposures.outside);
    let mut labels = labels_of(&projects);
    labels.extend(exposures.labels.iter());
    let marking = marking(&state, &v, &labels).await;
    Ok(Json(crate::api::Portfolio {
        marking,
        projects: projects.len(),
        charts: charts(&projects, state.today()),
        stalled: views::stalled(&projects, state.today(), period),
        matrix: crate::api::Matrix {
            workstreams: ws,
            nations,
            cells: matrix,
        },
        supply,
    })
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
        return Err(PageError::Forbidden(lang.t(Key::MayNotAssess).into()));
    }
    let scale = q
        .get("scale")
        .and_then(|s| pillar_readiness::Scale::parse(s))
        .unwrap_or(pillar_readiness::Scale::Trl);
    let variant = q.get("variant").map_or("hardware", String::as_str);
    let Some(set) = pillar_readiness::trl::question_set(scale, variant) else {
        return Err(PageError::NotFound);
    };
    let sets = pillar_readiness::trl::question_sets();
    Ok(render(&AssessPage {
        chrome: signed_chrome(&state, &v, lang, &[&p.label], &set.title).await,
        id: &id,
        sets,
        set,
        scale,
        components: &p.components,
        csrf: v.csrf.as_deref().unwrap_or_default(),
    }))
}

/// The assessment questionnaire (`templates/assess.html`).
#[derive(askama::Template)]
#[template(path = "assess.html")]
struct AssessPage<'a> {
    chrome: Chrome,
    id: &'a str,
    sets: &'a [pillar_readiness::trl::QuestionSet],
    set: &'a pillar_readiness::trl::QuestionSet,
    scale: pillar_readiness::Scale,
    components: &'a [pillar_core::project::Component],
    csrf: &'a str,
}

/// `POST /projects/{id}/assessments`: scores the questionnaire and records the assessment,
/// dated today, by the signed-in assessor; signed when asked (then fixed for good).
pub async fn assess(
    State(state): State<AppState>,
    Language(lang): Language,
    Path(id): Path<String>,
    SignedForm(v, form): SignedForm,
) -> Result<Response, PageError> {
    let Some(p) = state.store.reader(&v.readable).project(&id).await? else {
        return Err(PageError::NotFound);
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
        return Err(PageError::Forbidden(crate::i18n::refusal_text(
            lang, &refusal,
        )));
    }
    if !state.may_write(&v.person, &p.label).await? {
        return Err(PageError::Forbidden(lang.t(Key::MayNotAssess).into()));
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
                    return Err(PageError::BadRequest(format!(
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
        Err(e) => return Err(PageError::BadRequest(e.to_string())),
    };
    if result.level == 0 {
        return Err(PageError::BadRequest(
            lang.t(Key::LevelOneNotReached).into(),
        ));
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
        Ok(None) => return Err(PageError::NotFound),
        Err(pillar_store::StoreError::Input(e)) => {
            return Err(PageError::BadRequest(e.to_string()))
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("/projects/{id}")).into_response())
}

/// Agreement coverage as two lists, the covered (nation, area) pairs with their agreements and
/// the gaps (`templates/coverage.html`).
pub(crate) fn coverage_list(cover: &pillar_readiness::Coverage, names: &Names) -> String {
    #[derive(askama::Template)]
    #[template(path = "coverage.html")]
    struct CoverageList<'a> {
        cover: &'a pillar_readiness::Coverage,
        lang: Lang,
        names: &'a Names,
    }
    fragment(&CoverageList {
        cover,
        lang: names.lang(),
        names,
    })
}
