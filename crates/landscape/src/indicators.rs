//! Indicators from the rows the SQL returns: pure arithmetic, no engine. The formulas and their
//! sources are in `docs/landscape.md`.

use crate::areas::{AreaSet, MonopolyThresholds};
use crate::sql::Period;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaNationRow {
    pub area: String,
    pub nation: String,
    pub output: i64,
    pub output_fractional: f64,
    pub top10_fractional: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NationTotalRow {
    pub nation: String,
    pub output: i64,
    pub output_fractional: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollaborationRow {
    pub area: String,
    pub nation_a: String,
    pub nation_b: String,
    pub works: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstitutionRow {
    pub area: String,
    pub institution_id: String,
    pub name: String,
    pub nation: String,
    pub works: i64,
    pub top10: f64,
    pub place: i64,
}

/// Everything the statements of [`crate::sql::statements`] return.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tables {
    pub area_nation: Vec<AreaNationRow>,
    pub nation_totals: Vec<NationTotalRow>,
    pub collaboration: Vec<CollaborationRow>,
    pub institutions: Vec<InstitutionRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NationIndicators {
    /// Works with at least one authorship in the nation (full counting).
    pub output: i64,
    /// The nation's fractional count.
    pub output_fractional: f64,
    /// The nation's fractional count of the area's top-10 % works.
    pub top10_fractional: f64,
    /// Share of the nation's (fractional) output among the area's top 10 %.
    pub pp_top10: f64,
    /// Revealed comparative advantage (Balassa 1965) on fractional counts.
    pub rca: f64,
    /// (RCA − 1) / (RCA + 1), in [−1, 1].
    pub rsca: f64,
    /// The nation's share of the area's top-10 % works.
    pub share_top10: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pair {
    pub nation_a: String,
    pub nation_b: String,
    pub works: i64,
    /// Co-authored works over the number expected if the two nations published independently.
    pub association_strength: f64,
    /// Co-authored works over the geometric mean of the two nations' outputs.
    pub salton: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadingInstitution {
    pub id: String,
    pub name: String,
    pub nation: String,
    pub works: i64,
    pub top10: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Monopoly {
    pub lead: Option<String>,
    pub runner_up: Option<String>,
    /// Lead's top-10 % output over the runner-up's; absent when there is no runner-up.
    pub ratio: Option<f64>,
    /// Share of the area's leading institutions in the lead nation.
    pub lead_institutions: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaReport {
    pub name: String,
    pub set: String,
    pub query: String,
    pub works: i64,
    pub top10_works: f64,
    pub nations: BTreeMap<String, NationIndicators>,
    /// Nations by top-10 % output, strongest first (only those shown).
    pub ranking: Vec<String>,
    pub monopoly_risk: String,
    pub monopoly: Monopoly,
    pub institutions: Vec<LeadingInstitution>,
    pub collaboration: Vec<Pair>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub period: Period,
    pub works: i64,
    pub areas: BTreeMap<String, AreaReport>,
    /// Collaboration over all works of the period.
    pub collaboration: Vec<Pair>,
}

fn rsca(rca: f64) -> f64 {
    (rca - 1.0) / (rca + 1.0)
}

fn pairs(
    rows: &[&CollaborationRow],
    sizes: &HashMap<&str, i64>,
    total: i64,
    shown: &dyn Fn(&str) -> bool,
) -> Vec<Pair> {
    let mut out: Vec<Pair> = rows
        .iter()
        .filter(|r| shown(&r.nation_a) && shown(&r.nation_b))
        .map(|r| {
            let si = sizes.get(r.nation_a.as_str()).copied().unwrap_or(0) as f64;
            let sj = sizes.get(r.nation_b.as_str()).copied().unwrap_or(0) as f64;
            let c = r.works as f64;
            Pair {
                nation_a: r.nation_a.clone(),
                nation_b: r.nation_b.clone(),
                works: r.works,
                association_strength: if si > 0.0 && sj > 0.0 {
                    c * total as f64 / (si * sj)
                } else {
                    0.0
                },
                salton: if si > 0.0 && sj > 0.0 {
                    c / (si * sj).sqrt()
                } else {
                    0.0
                },
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.works
            .cmp(&a.works)
            .then(a.nation_a.cmp(&b.nation_a))
            .then(a.nation_b.cmp(&b.nation_b))
    });
    out
}

/// Per area, each nation's RSCA (all nations, whatever is shown); a nation absent from an area
/// has RCA 0, RSCA −1.
pub fn rsca_table(tables: &Tables) -> HashMap<(String, String), f64> {
    let world = tables
        .nation_totals
        .iter()
        .find(|r| r.nation.is_empty())
        .map_or(0.0, |r| r.output_fractional);
    let totals: HashMap<&str, f64> = tables
        .nation_totals
        .iter()
        .map(|r| (r.nation.as_str(), r.output_fractional))
        .collect();
    let area_works: HashMap<&str, f64> = tables
        .area_nation
        .iter()
        .filter(|r| r.nation.is_empty())
        .map(|r| (r.area.as_str(), r.output_fractional))
        .collect();
    tables
        .area_nation
        .iter()
        .filter(|r| !r.nation.is_empty())
        .map(|r| {
            let xn = totals.get(r.nation.as_str()).copied().unwrap_or(0.0);
            let xa = area_works.get(r.area.as_str()).copied().unwrap_or(0.0);
            let rca = if xn > 0.0 && xa > 0.0 {
                (r.output_fractional / xn) / (xa / world)
            } else {
                0.0
            };
            ((r.area.clone(), r.nation.clone()), rca)
        })
        .collect()
}

/// The report: indicators per area and nation. `nations`, when given, limits which nations are
/// shown; every figure is still computed against the whole world.
pub fn report(
    areas: &AreaSet,
    period: Period,
    tables: &Tables,
    nations: Option<&[String]>,
    thresholds: &MonopolyThresholds,
) -> Report {
    let shown = |n: &str| nations.is_none_or(|list| list.iter().any(|x| x == n));
    let world = tables
        .nation_totals
        .iter()
        .find(|r| r.nation.is_empty())
        .map_or(0, |r| r.output);
    let rca = rsca_table(tables);
    let mut out = BTreeMap::new();
    for area in &areas.areas {
        let rows: Vec<&AreaNationRow> = tables
            .area_nation
            .iter()
            .filter(|r| r.area == area.id)
            .collect();
        let all = rows.iter().find(|r| r.nation.is_empty());
        let (works, top10_works) = all.map_or((0, 0.0), |r| (r.output, r.top10_fractional));
        let mut by_top: Vec<&&AreaNationRow> =
            rows.iter().filter(|r| !r.nation.is_empty()).collect();
        by_top.sort_by(|a, b| {
            b.top10_fractional
                .total_cmp(&a.top10_fractional)
                .then(a.nation.cmp(&b.nation))
        });
        let mut indicators = BTreeMap::new();
        for r in rows
            .iter()
            .filter(|r| !r.nation.is_empty() && shown(&r.nation))
        {
            let rca = rca
                .get(&(area.id.clone(), r.nation.clone()))
                .copied()
                .unwrap_or(0.0);
            indicators.insert(
                r.nation.clone(),
                NationIndicators {
                    output: r.output,
                    output_fractional: r.output_fractional,
                    top10_fractional: r.top10_fractional,
                    pp_top10: if r.output_fractional > 0.0 {
                        r.top10_fractional / r.output_fractional
                    } else {
                        0.0
                    },
                    rca,
                    rsca: rsca(rca),
                    share_top10: if top10_works > 0.0 {
                        r.top10_fractional / top10_works
                    } else {
                        0.0
                    },
                },
            );
        }
        let institutions: Vec<LeadingInstitution> = {
            let mut list: Vec<&InstitutionRow> = tables
                .institutions
                .iter()
                .filter(|r| r.area == area.id)
                .collect();
            list.sort_by_key(|r| r.place);
            list.into_iter()
                .map(|r| LeadingInstitution {
                    id: r.institution_id.clone(),
                    name: r.name.clone(),
                    nation: r.nation.clone(),
                    works: r.works,
                    top10: r.top10,
                })
                .collect()
        };
        let lead = by_top.first().filter(|r| r.top10_fractional > 0.0);
        let runner = by_top.get(1).filter(|r| r.top10_fractional > 0.0);
        let lead_institutions = match lead {
            Some(l) if !institutions.is_empty() => {
                institutions.iter().filter(|i| i.nation == l.nation).count() as f64
                    / institutions.len() as f64
            }
            _ => 0.0,
        };
        let ratio = match (lead, runner) {
            (Some(l), Some(r)) => Some(l.top10_fractional / r.top10_fractional),
            _ => None,
        };
        let at_least = |t: crate::areas::Threshold| {
            lead.is_some()
                && ratio.is_none_or(|x| x >= t.ratio)
                && lead_institutions >= t.institutions
        };
        let risk = if at_least(thresholds.high) {
            "high"
        } else if at_least(thresholds.medium) {
            "medium"
        } else {
            "low"
        };
        let sizes: HashMap<&str, i64> =
            rows.iter().map(|r| (r.nation.as_str(), r.output)).collect();
        let collab: Vec<&CollaborationRow> = tables
            .collaboration
            .iter()
            .filter(|r| r.area == area.id)
            .collect();
        out.insert(
            area.id.clone(),
            AreaReport {
                name: area.name.clone(),
                set: area.set.clone(),
                query: area.query.clone(),
                works,
                top10_works,
                ranking: by_top
                    .iter()
                    .filter(|r| shown(&r.nation))
                    .map(|r| r.nation.clone())
                    .collect(),
                nations: indicators,
                monopoly_risk: risk.to_string(),
                monopoly: Monopoly {
                    lead: lead.map(|r| r.nation.clone()),
                    runner_up: runner.map(|r| r.nation.clone()),
                    ratio,
                    lead_institutions,
                },
                institutions,
                collaboration: pairs(&collab, &sizes, works, &shown),
            },
        );
    }
    let sizes: HashMap<&str, i64> = tables
        .nation_totals
        .iter()
        .map(|r| (r.nation.as_str(), r.output))
        .collect();
    let collab: Vec<&CollaborationRow> = tables
        .collaboration
        .iter()
        .filter(|r| r.area.is_empty())
        .collect();
    Report {
        period,
        works: world,
        areas: out,
        collaboration: pairs(&collab, &sizes, world, &shown),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    pub area: String,
    pub own_rsca: f64,
    pub partner_rsca: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partner {
    pub nation: String,
    /// complementarity × collaboration weight.
    pub score: f64,
    /// How strong the partner is where the nation is weak, in [0, 1].
    pub complementarity: f64,
    /// Salton's cosine of the two nations' co-authorship over all works of the period.
    pub collaboration: f64,
    /// `collaboration` over the nation's strongest collaboration, in [0, 1].
    pub weight: f64,
    /// The areas where the nation is weak (RSCA < 0) and the partner strong (RSCA > 0),
    /// largest gap first.
    pub gaps: Vec<Gap>,
    /// Not a nation of the coalition (shown only on request: see [`scoped`]).
    #[serde(default)]
    pub outside: bool,
    /// A nation of concern (see [`DEFAULT_CONCERN`]).
    #[serde(default)]
    pub concern: bool,
}

/// The nations of concern unless configured otherwise: the "covered nations" of
/// 10 U.S.C. § 4872 (acquisition restrictions on covered nations) — North Korea, China, Russia
/// and Iran — as ISO 3166-1 alpha-3 codes.
pub const DEFAULT_CONCERN: [&str; 4] = ["PRK", "CHN", "RUS", "IRN"];

/// `p`'s suggestions as a coalition reads them: only the `coalition`'s nations unless
/// `outside`, and then every candidate, those outside the coalition and those in `concern`
/// flagged. The ranking is kept.
pub fn scoped(p: &Partners, coalition: &[String], concern: &[String], outside: bool) -> Partners {
    let partners = p
        .partners
        .iter()
        .map(|x| Partner {
            outside: !coalition.contains(&x.nation),
            concern: concern.contains(&x.nation),
            ..x.clone()
        })
        .filter(|x| outside || !x.outside)
        .collect();
    Partners {
        nation: p.nation.clone(),
        period: p.period,
        partners,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partners {
    pub nation: String,
    pub period: Period,
    pub partners: Vec<Partner>,
}

/// Partners for `nation`: strong where it is weak, weighted by existing collaboration.
///
/// With weakness w(a) = max(0, −RSCA_N,a) and strength s_P(a) = max(0, RSCA_P,a):
/// complementarity C = Σ w(a)·s_P(a) / Σ w(a); weight W = Salton(N, P) / max_Q Salton(N, Q);
/// score = C · W. Candidates are the nations with at least 0.1 % of the period's works (or those
/// in `among`).
pub fn partners(
    areas: &AreaSet,
    period: Period,
    tables: &Tables,
    nation: &str,
    among: Option<&[String]>,
) -> Partners {
    let rsca_of = rsca_table(tables);
    let r = |area: &str, n: &str| {
        rsca(
            rsca_of
                .get(&(area.to_string(), n.to_string()))
                .copied()
                .unwrap_or(0.0),
        )
    };
    let world = tables
        .nation_totals
        .iter()
        .find(|r| r.nation.is_empty())
        .map_or(0, |r| r.output);
    let sizes: HashMap<&str, i64> = tables
        .nation_totals
        .iter()
        .map(|r| (r.nation.as_str(), r.output))
        .collect();
    let overall: Vec<&CollaborationRow> = tables
        .collaboration
        .iter()
        .filter(|r| r.area.is_empty())
        .collect();
    let salton: HashMap<&str, f64> = pairs(&overall, &sizes, world, &|_| true)
        .into_iter()
        .filter_map(|p| {
            let other = if p.nation_a == nation {
                p.nation_b
            } else if p.nation_b == nation {
                p.nation_a
            } else {
                return None;
            };
            Some((sizes.get_key_value(other.as_str())?.0.to_owned(), p.salton))
        })
        .collect();
    let strongest = salton.values().copied().fold(0.0, f64::max);
    let weakness: Vec<(&str, f64)> = areas
        .areas
        .iter()
        .map(|a| (a.id.as_str(), (-r(&a.id, nation)).max(0.0)))
        .collect();
    let total_weakness: f64 = weakness.iter().map(|w| w.1).sum();
    let mut list: Vec<Partner> = tables
        .nation_totals
        .iter()
        .filter(|t| !t.nation.is_empty() && t.nation != nation)
        .filter(|t| match among {
            Some(list) => list.iter().any(|n| n == &t.nation),
            None => t.output as f64 >= 0.001 * world as f64,
        })
        .map(|t| {
            let p = t.nation.as_str();
            let mut gaps: Vec<Gap> = weakness
                .iter()
                .filter(|(a, w)| *w > 0.0 && r(a, p) > 0.0)
                .map(|(a, _)| Gap {
                    area: a.to_string(),
                    own_rsca: r(a, nation),
                    partner_rsca: r(a, p),
                })
                .collect();
            gaps.sort_by(|x, y| {
                (y.partner_rsca - y.own_rsca)
                    .total_cmp(&(x.partner_rsca - x.own_rsca))
                    .then(x.area.cmp(&y.area))
            });
            let c = if total_weakness > 0.0 {
                weakness
                    .iter()
                    .map(|(a, w)| w * r(a, p).max(0.0))
                    .sum::<f64>()
                    / total_weakness
            } else {
                0.0
            };
            let s = salton.get(p).copied().unwrap_or(0.0);
            let weight = if strongest > 0.0 { s / strongest } else { 0.0 };
            Partner {
                nation: p.to_string(),
                score: c * weight,
                complementarity: c,
                collaboration: s,
                weight,
                gaps,
                outside: false,
                concern: false,
            }
        })
        .collect();
    list.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.complementarity.total_cmp(&a.complementarity))
            .then(a.nation.cmp(&b.nation))
    });
    Partners {
        nation: nation.to_string(),
        period,
        partners: list,
    }
}

/// A published analysis: the areas and queries used, the report over every nation, and partner
/// suggestions for the nations asked for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub areas: AreaSet,
    pub report: Report,
    pub partners: BTreeMap<String, Partners>,
}

pub fn snapshot(
    areas: &AreaSet,
    period: Period,
    tables: &Tables,
    partners_for: &[String],
) -> Snapshot {
    Snapshot {
        areas: areas.clone(),
        report: report(areas, period, tables, None, &areas.monopoly),
        partners: partners_for
            .iter()
            .filter(|n| tables.nation_totals.iter().any(|t| &t.nation == *n))
            .map(|n| (n.clone(), partners(areas, period, tables, n, None)))
            .collect(),
    }
}

#[cfg(test)]
mod scope_tests {
    use super::*;

    fn partner(nation: &str, score: f64) -> Partner {
        Partner {
            nation: nation.into(),
            score,
            complementarity: score,
            collaboration: 0.1,
            weight: 1.0,
            gaps: Vec::new(),
            outside: false,
            concern: false,
        }
    }

    #[test]
    fn suggestions_stay_in_the_coalition_unless_asked_and_then_flag_outsiders() {
        let p = Partners {
            nation: "KOR".into(),
            period: Period {
                from: 2020,
                to: 2024,
            },
            partners: vec![
                partner("CHN", 0.9),
                partner("RUS", 0.8),
                partner("USA", 0.7),
                partner("IND", 0.6),
                partner("JPN", 0.5),
            ],
        };
        let coalition: Vec<String> = ["USA", "KOR", "JPN", "AUS"].map(String::from).to_vec();
        let concern: Vec<String> = DEFAULT_CONCERN.map(String::from).to_vec();
        let inside = scoped(&p, &coalition, &concern, false);
        let names: Vec<&str> = inside.partners.iter().map(|x| x.nation.as_str()).collect();
        assert_eq!(names, ["USA", "JPN"]);
        assert!(inside.partners.iter().all(|x| !x.outside && !x.concern));
        let all = scoped(&p, &coalition, &concern, true);
        let flags: Vec<(&str, bool, bool)> = all
            .partners
            .iter()
            .map(|x| (x.nation.as_str(), x.outside, x.concern))
            .collect();
        assert_eq!(
            flags,
            [
                ("CHN", true, true),
                ("RUS", true, true),
                ("USA", false, false),
                ("IND", true, false),
                ("JPN", false, false)
            ]
        );
    }
}
