//! Portfolio views over the projects a reader may see: counts by workstream, area, nation and
//! stage, TRL progression, stalled projects, cost-share balance per nation, milestone slippage,
//! and the Pillar-2 readiness matrix (workstream × nation). Every function takes the projects
//! already filtered by the reader's clearance, so every number is computed over what they see.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use pillar_core::project::Project;
use serde::Serialize;

use crate::rules::{milestone_b_flags, stalled_since, Milestone};

/// A named series of (category, value) rows: a chart, its table and its CSV.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// Chart id (`by-workstream` …).
    pub id: &'static str,
    /// Column names: the category, then one per value.
    pub columns: Vec<String>,
    /// Rows: category and values.
    pub rows: Vec<(String, Vec<f64>)>,
}

impl Series {
    /// CSV text with a header row.
    pub fn csv(&self) -> String {
        let mut out = self.columns.join(",");
        out.push('\n');
        for (k, vals) in &self.rows {
            let k = pillar_core::spreadsheet_safe(k);
            let k = if k.contains([',', '"', '\n']) {
                format!("\"{}\"", k.replace('"', "\"\""))
            } else {
                k.into_owned()
            };
            out.push_str(&k);
            for v in vals {
                out.push(',');
                out.push_str(&format_value(*v));
            }
            out.push('\n');
        }
        out
    }
}

/// A value as tables and CSV show it: whole numbers without decimals, others with two.
pub fn format_value(v: f64) -> String {
    if v.is_nan() {
        // No value (e.g. a year before a workstream's first assessment).
        String::new()
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The latest project-level TRL.
pub fn current_trl(p: &Project) -> Option<u8> {
    p.latest("TRL", None).map(|a| a.level as u8)
}

/// The project's TRL history (date, level), project-level assessments only.
pub fn trl_history(p: &Project) -> Vec<(NaiveDate, u8)> {
    let mut h: Vec<(NaiveDate, u8)> = p
        .assessments
        .iter()
        .filter(|a| a.scale == "TRL" && a.component.is_none())
        .map(|a| (a.date, a.level as u8))
        .collect();
    h.sort();
    h
}

/// The stage of a project: its acquisition milestone when it has one, else its budget
/// activity.
pub fn stage(p: &Project) -> String {
    match (&p.milestone, &p.budget_activity) {
        (Some(m), _) => format!("Milestone {m}"),
        (None, Some(b)) => format!("BA {b}"),
        (None, None) => "unstaged".into(),
    }
}

fn count_by<'a>(
    id: &'static str,
    column: &'static str,
    projects: &'a [Project],
    keys: impl Fn(&'a Project) -> Vec<String>,
) -> Series {
    let mut by: BTreeMap<String, f64> = BTreeMap::new();
    for p in projects {
        for k in keys(p) {
            *by.entry(k).or_default() += 1.0;
        }
    }
    Series {
        id,
        columns: vec![column.into(), "projects".into()],
        rows: by.into_iter().map(|(k, v)| (k, vec![v])).collect(),
    }
}

/// Projects per workstream.
pub fn by_workstream(projects: &[Project]) -> Series {
    count_by("by-workstream", "workstream", projects, |p| {
        p.workstreams.clone()
    })
}

/// Projects per critical technology area.
pub fn by_area(projects: &[Project]) -> Series {
    count_by("by-area", "area", projects, |p| p.areas.clone())
}

/// Projects per taking-part nation.
pub fn by_nation(projects: &[Project]) -> Series {
    count_by("by-nation", "nation", projects, |p| p.nations())
}

/// Projects per stage.
pub fn by_stage(projects: &[Project]) -> Series {
    count_by("by-stage", "stage", projects, |p| vec![stage(p)])
}

/// Projects per current TRL (1–9; "none" when unassessed).
pub fn by_trl(projects: &[Project]) -> Series {
    let mut s = count_by("by-trl", "trl", projects, |p| {
        vec![current_trl(p).map_or("none".into(), |t| format!("TRL {t}"))]
    });
    s.rows.sort_by_key(|(k, _)| (k == "none", k.clone()));
    s
}

/// Mean TRL per workstream at the end of each year, over the projects assessed by then.
pub fn trl_progression(projects: &[Project], years: std::ops::RangeInclusive<i32>) -> Series {
    let mut by: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let n_years = years.clone().count();
    for p in projects {
        let h = trl_history(p);
        for ws in &p.workstreams {
            let cells = by
                .entry(ws.clone())
                .or_insert_with(|| vec![(0.0, 0.0); n_years]);
            for (i, y) in years.clone().enumerate() {
                let end = NaiveDate::from_ymd_opt(y, 12, 31).expect("a valid date");
                if let Some((_, t)) = h.iter().rev().find(|(d, _)| *d <= end) {
                    cells[i].0 += f64::from(*t);
                    cells[i].1 += 1.0;
                }
            }
        }
    }
    let columns = std::iter::once("workstream".to_string())
        .chain(years.clone().map(|y| y.to_string()))
        .collect();
    Series {
        id: "trl-progression",
        columns,
        rows: by
            .into_iter()
            .map(|(k, cells)| {
                (
                    k,
                    cells
                        .into_iter()
                        .map(|(s, n)| {
                            if n > 0.0 {
                                (s / n * 10.0).round() / 10.0
                            } else {
                                // No project of the workstream was assessed by then: no
                                // value (blank in CSV, null in JSON), not a TRL of 0.
                                f64::NAN
                            }
                        })
                        .collect(),
                )
            })
            .collect(),
    }
}

/// Cost share per nation summed over projects, financial and in-kind (in project-equivalents:
/// a nation paying 40 % of one project and 60 % of another has 1.0).
pub fn cost_share_balance(projects: &[Project]) -> Series {
    let mut by: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for p in projects {
        for (n, f, k) in p.cost_shares() {
            let e = by.entry(n).or_default();
            e.0 += f / 100.0;
            e.1 += k / 100.0;
        }
    }
    Series {
        id: "cost-share",
        columns: vec!["nation".into(), "financial".into(), "in_kind".into()],
        rows: by
            .into_iter()
            .map(|(n, (f, k))| {
                (
                    n,
                    vec![(f * 100.0).round() / 100.0, (k * 100.0).round() / 100.0],
                )
            })
            .collect(),
    }
}

/// Mean slippage in days of reached milestones (actual − planned) per workstream, and how many.
pub fn slippage(projects: &[Project]) -> Series {
    let mut by: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for p in projects {
        for m in &p.milestones {
            if let Some(a) = m.actual {
                for ws in &p.workstreams {
                    let e = by.entry(ws.clone()).or_default();
                    e.0 += (a - m.planned).num_days() as f64;
                    e.1 += 1.0;
                }
            }
        }
    }
    Series {
        id: "slippage",
        columns: vec![
            "workstream".into(),
            "mean_days_late".into(),
            "milestones".into(),
        ],
        rows: by
            .into_iter()
            .map(|(k, (d, n))| (k, vec![(d / n * 10.0).round() / 10.0, n]))
            .collect(),
    }
}

/// A stalled project.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stalled {
    /// Project id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Current TRL.
    pub trl: u8,
    /// In TRL 4–6 since.
    pub since: NaiveDate,
    /// For that many days.
    pub days: i64,
}

/// Projects in TRL 4–6 for longer than `period_days`, longest first.
pub fn stalled(projects: &[Project], today: NaiveDate, period_days: i64) -> Vec<Stalled> {
    let mut out: Vec<Stalled> = projects
        .iter()
        .filter_map(|p| {
            let since = stalled_since(&trl_history(p), today, period_days)?;
            Some(Stalled {
                id: p.id.clone(),
                title: p.title.clone(),
                trl: current_trl(p)?,
                since,
                days: (today - since).num_days(),
            })
        })
        .collect();
    out.sort_by(|a, b| b.days.cmp(&a.days).then(a.id.cmp(&b.id)));
    out
}

/// The critical components of a project below TRL 6 while it is at or past Milestone B.
pub fn milestone_b(p: &Project) -> Vec<(String, u8)> {
    let critical: Vec<(String, u8)> = p
        .components
        .iter()
        .filter(|c| c.critical)
        .filter_map(|c| {
            p.latest("TRL", Some(&c.id))
                .map(|a| (c.name.clone(), a.level as u8))
        })
        .collect();
    let milestone = p.milestone.as_deref().and_then(Milestone::parse);
    // A project without components is judged on its own TRL.
    if critical.is_empty() {
        let own: Vec<(String, u8)> = current_trl(p)
            .map(|t| vec![(p.title.clone(), t)])
            .unwrap_or_default();
        return milestone_b_flags(milestone, &own)
            .into_iter()
            .cloned()
            .collect();
    }
    milestone_b_flags(milestone, &critical)
        .into_iter()
        .cloned()
        .collect()
}

/// One cell of the readiness matrix.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Cell {
    /// Joint projects of the workstream the nation takes part in.
    pub projects: usize,
    /// Median current TRL of those assessed.
    pub median_trl: Option<f64>,
    /// How many of them are stalled.
    pub stalled: usize,
}

/// The projects of a workstream × nation cell: those of the workstream the nation takes part in.
fn in_cell<'a>(
    projects: &'a [Project],
    workstream: &'a String,
    nation: &'a String,
) -> impl Iterator<Item = &'a Project> {
    projects
        .iter()
        .filter(move |p| p.workstreams.contains(workstream) && p.nations().contains(nation))
}

/// The Pillar-2 readiness matrix: for each workstream and nation, the joint projects the nation
/// takes part in, their median TRL and how many are stalled.
pub fn matrix(
    projects: &[Project],
    workstreams: &[String],
    nations: &[String],
    today: NaiveDate,
    period_days: i64,
) -> Vec<Vec<Cell>> {
    workstreams
        .iter()
        .map(|ws| {
            nations
                .iter()
                .map(|n| {
                    let here: Vec<&Project> = in_cell(projects, ws, n).collect();
                    let mut trls: Vec<f64> = here
                        .iter()
                        .filter_map(|p| current_trl(p).map(f64::from))
                        .collect();
                    trls.sort_by(f64::total_cmp);
                    let median_trl = match trls.len() {
                        0 => None,
                        k if k % 2 == 1 => Some(trls[k / 2]),
                        k => Some((trls[k / 2 - 1] + trls[k / 2]) / 2.0),
                    };
                    Cell {
                        projects: here.len(),
                        median_trl,
                        stalled: here
                            .iter()
                            .filter(|p| {
                                stalled_since(&trl_history(p), today, period_days).is_some()
                            })
                            .count(),
                    }
                })
                .collect()
        })
        .collect()
}

/// The supply slot of one workstream × nation: the end items the cell's projects deliver whose
/// exposure is known, and the largest share of any of them from outside the coalition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupplyCell {
    /// Distinct end items (network, item) of the cell's projects with a known exposure.
    pub end_items: usize,
    /// The largest share (0–1) from countries outside the coalition among them, and its item.
    pub worst: Option<(f64, String)>,
}

/// The readiness matrix's supply slots: for each workstream and nation, over the projects of
/// that cell (as in [`matrix`]), the end items they deliver and how much of the most exposed
/// one's supply comes from outside the coalition. `outside` gives that share for each end item
/// (network, item) whose network the reader may read; items without one are not counted.
pub fn supply_matrix(
    projects: &[Project],
    workstreams: &[String],
    nations: &[String],
    outside: &BTreeMap<(String, String), f64>,
) -> Vec<Vec<SupplyCell>> {
    workstreams
        .iter()
        .map(|ws| {
            nations
                .iter()
                .map(|n| {
                    let mut items: Vec<(&String, &String)> = in_cell(projects, ws, n)
                        .flat_map(|p| p.end_items.iter().map(|e| (&e.network, &e.item)))
                        .filter(|(net, item)| {
                            outside.contains_key(&((*net).clone(), (*item).clone()))
                        })
                        .collect();
                    items.sort();
                    items.dedup();
                    let worst = items
                        .iter()
                        .map(|(net, item)| {
                            (outside[&((*net).clone(), (*item).clone())], (*item).clone())
                        })
                        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(&a.1)));
                    SupplyCell {
                        end_items: items.len(),
                        worst,
                    }
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_supply_slot_shows_the_most_exposed_end_item_of_the_cell() {
        let mut a = project("a", "p2-quantum", &["USA", "KOR"], &[("2021-01-01", 4)]);
        a.end_items = vec![pillar_core::project::EndItemRef {
            network: "n".into(),
            item: "QINU".into(),
        }];
        let mut b = project("b", "p2-quantum", &["KOR"], &[("2021-01-01", 4)]);
        b.end_items = vec![
            pillar_core::project::EndItemRef {
                network: "n".into(),
                item: "MAV".into(),
            },
            // A network the reader may not read: not counted.
            pillar_core::project::EndItemRef {
                network: "hidden".into(),
                item: "X".into(),
            },
        ];
        let outside: BTreeMap<(String, String), f64> = [
            (("n".to_string(), "QINU".to_string()), 0.54),
            (("n".to_string(), "MAV".to_string()), 0.30),
        ]
        .into_iter()
        .collect();
        let m = supply_matrix(
            &[a, b],
            &["p2-quantum".into(), "p2-cyber".into()],
            &["USA".into(), "KOR".into()],
            &outside,
        );
        assert_eq!(
            m[0][0],
            SupplyCell {
                end_items: 1,
                worst: Some((0.54, "QINU".into()))
            }
        );
        assert_eq!(
            m[0][1],
            SupplyCell {
                end_items: 2,
                worst: Some((0.54, "QINU".into()))
            }
        );
        assert_eq!(
            m[1][0],
            SupplyCell {
                end_items: 0,
                worst: None
            }
        );
    }

    fn project(id: &str, ws: &str, nations: &[&str], trls: &[(&str, i64)]) -> Project {
        let participants: Vec<String> = nations
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let share = 100 / nations.len() + if i == 0 { 100 % nations.len() } else { 0 };
                format!(r#"{{"nation": "{n}", "role": "r", "financial": {share}}}"#)
            })
            .collect();
        let assessments: Vec<String> = trls
            .iter()
            .enumerate()
            .map(|(i, (d, l))| {
                format!(r#"{{"id": "a{i}", "scale": "TRL", "level": {l}, "date": "{d}", "assessor": "x", "signed": true}}"#)
            })
            .collect();
        serde_json::from_str(&format!(
            r#"{{"id": "{id}", "title": "{id}", "workstreams": ["{ws}"], "lead_nation": "{}", "start": "2020-01-01",
                "participants": [{}], "assessments": [{}],
                "milestones": [{{"name": "m", "planned": "2021-01-01", "actual": "2021-03-02"}}],
                "label": {{"policy": {{"name": "P"}}, "classification": "U"}}}}"#,
            nations[0],
            participants.join(","),
            assessments.join(",")
        ))
        .unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn views_count_what_they_are_given() {
        let ps = vec![
            project(
                "a",
                "p2-quantum",
                &["USA", "KOR"],
                &[("2021-01-01", 3), ("2022-01-01", 4)],
            ),
            project("b", "p2-quantum", &["KOR"], &[("2021-06-01", 6)]),
            project("c", "p2-ew", &["USA", "AUS", "KOR"], &[]),
        ];
        assert_eq!(
            by_workstream(&ps).rows,
            vec![
                ("p2-ew".to_string(), vec![1.0]),
                ("p2-quantum".to_string(), vec![2.0])
            ]
        );
        assert_eq!(
            by_nation(&ps).rows,
            vec![
                ("AUS".to_string(), vec![1.0]),
                ("KOR".to_string(), vec![3.0]),
                ("USA".to_string(), vec![2.0])
            ]
        );
        assert_eq!(by_trl(&ps).rows.last().unwrap().0, "none");
        // KOR pays 50 % of a, 100 % of b and 34 % of c (100 / 3 = 33 and the remainder 1 goes
        // to the first nation, USA): 0.5 + 1 + 0.33 = 1.83.
        let cs = cost_share_balance(&ps);
        let kor = cs.rows.iter().find(|(n, _)| n == "KOR").unwrap();
        assert_eq!(kor.1, vec![1.83, 0.0]);
        assert!(cs
            .csv()
            .starts_with("nation,financial,in_kind\nAUS,0.33,0\n"));
        // Every milestone is 60 days late.
        assert_eq!(slippage(&ps).rows[0].1, vec![60.0, 1.0]);
        // Quantum at the end of 2021: a at 3, b at 6 → 4.5; 2022: a at 4, b at 6 → 5.
        let prog = trl_progression(&ps, 2021..=2022);
        assert_eq!(prog.columns, vec!["workstream", "2021", "2022"]);
        assert_eq!(prog.rows[1].1, vec![4.5, 5.0]);
        // Before any assessment there is no mean, not a TRL of 0.
        let early = trl_progression(&ps, 2019..=2021);
        assert!(early.rows[1].1[0].is_nan() && early.rows[1].1[1].is_nan());
        assert_eq!(early.rows[1].1[2], 4.5);
        assert!(
            early.csv().contains("p2-quantum,,,4.50\n"),
            "{}",
            early.csv()
        );
    }

    #[test]
    fn the_matrix_counts_joint_projects_with_median_and_stalled() {
        let ps = vec![
            project("a", "p2-quantum", &["USA", "KOR"], &[("2021-01-01", 4)]),
            project("b", "p2-quantum", &["KOR"], &[("2025-06-01", 5)]),
            project("c", "p2-quantum", &["KOR", "USA"], &[("2024-06-01", 7)]),
        ];
        let m = matrix(
            &ps,
            &["p2-quantum".into(), "p2-ew".into()],
            &["KOR".into(), "USA".into(), "JPN".into()],
            d("2026-11-28"),
            730,
        );
        assert_eq!(
            m[0][0],
            Cell {
                projects: 3,
                median_trl: Some(5.0),
                stalled: 1
            }
        );
        assert_eq!(m[0][1].projects, 2);
        assert_eq!(m[0][1].median_trl, Some(5.5));
        assert_eq!(m[0][2], Cell::default());
        assert_eq!(m[1][0], Cell::default());
        let s = stalled(&ps, d("2026-11-28"), 730);
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].id.as_str(), s[0].since), ("a", d("2021-01-01")));
    }

    #[test]
    fn milestone_b_uses_critical_components_or_the_project() {
        let mut p = project("a", "p2-quantum", &["USA"], &[("2021-01-01", 5)]);
        assert!(milestone_b(&p).is_empty());
        p.milestone = Some("B".into());
        assert_eq!(milestone_b(&p), vec![("a".to_string(), 5)]);
    }
}
