//! Agreement coverage: which agreements in force cover releasing an item in some technology
//! areas to some nations, and which (nation, area) pairs no agreement covers.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use pillar_core::{Agreement, Nation, NationCode, TechArea};
use serde::Serialize;

/// The coverage of (nation, area) pairs by agreements in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Covered pairs with the agreements that cover them.
    pub covered: Vec<CoveredPair>,
    /// Pairs no agreement in force covers.
    pub gaps: Vec<(String, String)>,
}

/// A covered (nation, area) pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoveredPair {
    /// Nation (trigraph).
    pub nation: String,
    /// Technology area id.
    pub area: String,
    /// Agreements in force covering it.
    pub agreements: Vec<String>,
}

impl Coverage {
    /// True when every pair is covered.
    pub fn complete(&self) -> bool {
        self.gaps.is_empty()
    }
}

/// Which agreements in force on `day` cover each (nation, area) pair. An agreement covers a
/// pair when it is in force, the nation is a party (directly or through a group such as AUKUS
/// or FVEY), and the area or one of its ancestors in its taxonomy is among its areas. Groups
/// given as `nations` stand for their members.
pub fn coverage(
    agreements: &[Agreement],
    nations: &[Nation],
    areas_tree: &[TechArea],
    release_to: &[NationCode],
    areas: &[String],
    day: NaiveDate,
) -> Coverage {
    let members: HashMap<&str, Vec<&str>> = nations
        .iter()
        .filter(|n| !n.members.is_empty())
        .map(|n| {
            (
                n.code.as_str(),
                n.members.iter().map(|m| m.as_str()).collect(),
            )
        })
        .collect();
    let expand = |codes: &[NationCode]| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in codes {
            match members.get(c.as_str()) {
                Some(ms) => out.extend(ms.iter().map(|m| m.to_string())),
                None => out.push(c.to_string()),
            }
        }
        out.sort();
        out.dedup();
        out
    };
    let parent: HashMap<&str, &str> = areas_tree
        .iter()
        .filter_map(|a| a.parent.as_deref().map(|p| (a.id.as_str(), p)))
        .collect();
    let ancestors = |area: &str| -> Vec<String> {
        let mut out = vec![area.to_string()];
        let mut cur = area;
        while let Some(p) = parent.get(cur) {
            if out.iter().any(|x| x == p) {
                break;
            }
            out.push(p.to_string());
            cur = p;
        }
        out
    };
    let in_force: Vec<(&Agreement, Vec<String>)> = agreements
        .iter()
        .filter(|a| a.in_force_on(day))
        .map(|a| (a, expand(&a.parties)))
        .collect();
    let mut covered: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut gaps = Vec::new();
    for nation in expand(release_to) {
        for area in areas {
            let chain = ancestors(area);
            let ids: Vec<String> = in_force
                .iter()
                .filter(|(a, parties)| {
                    parties.contains(&nation) && a.areas.iter().any(|x| chain.contains(x))
                })
                .map(|(a, _)| a.id.clone())
                .collect();
            if ids.is_empty() {
                gaps.push((nation.clone(), area.clone()));
            } else {
                covered.insert((nation.clone(), area.clone()), ids);
            }
        }
    }
    Coverage {
        covered: covered
            .into_iter()
            .map(|((nation, area), agreements)| CoveredPair {
                nation,
                area,
                agreements,
            })
            .collect(),
        gaps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pillar_core::Record;
    use pillar_label::Label;

    fn label() -> Label {
        Label::new(Label::coalition_policy(), "UNCLASSIFIED")
    }

    fn agreement(
        id: &str,
        parties: &str,
        areas: &str,
        from: &str,
        to: &str,
        status: &str,
    ) -> Agreement {
        let r: Record = [
            ("id", id),
            ("title", id),
            ("kind", "mou"),
            ("parties", parties),
            ("areas", areas),
            ("valid_from", from),
            ("valid_to", to),
            ("status", status),
        ]
        .into_iter()
        .collect();
        Agreement::from_record(&r, &label()).unwrap()
    }

    fn nation(code: &str, members: &str) -> Nation {
        let r: Record = [("code", code), ("name", code), ("members", members)]
            .into_iter()
            .collect();
        Nation::from_record(&r, &label()).unwrap()
    }

    fn area(id: &str, parent: &str) -> TechArea {
        let r: Record = [
            ("id", id),
            ("name", id),
            ("taxonomy", "t"),
            ("parent", parent),
        ]
        .into_iter()
        .collect();
        TechArea::from_record(&r, &label()).unwrap()
    }

    #[test]
    fn coverage_through_groups_and_area_ancestors() {
        let nations = [
            nation("USA", ""),
            nation("AUS", ""),
            nation("GBR", ""),
            nation("KOR", ""),
            nation("AUKUS", "AUS;GBR;USA"),
        ];
        let areas = [
            area("p2", ""),
            area("p2-quantum", "p2"),
            area("p2-qs", "p2-quantum"),
            area("p2-ew", "p2"),
        ];
        let agreements = [
            agreement(
                "a1",
                "AUKUS",
                "p2-quantum",
                "2024-01-01",
                "2030-01-01",
                "in-force",
            ),
            agreement("a2", "USA;KOR", "p2-ew", "2024-01-01", "", "in-force"),
            agreement(
                "a3",
                "USA;KOR",
                "p2-quantum",
                "2024-01-01",
                "2025-01-01",
                "in-force",
            ),
            agreement("a4", "KOR", "p2-quantum", "2026-01-01", "", "draft"),
        ];
        let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let to = [
            NationCode::parse("AUS").unwrap(),
            NationCode::parse("KOR").unwrap(),
        ];
        let c = coverage(&agreements, &nations, &areas, &to, &["p2-qs".into()], day);
        assert_eq!(c.covered.len(), 1);
        assert_eq!(
            (
                c.covered[0].nation.as_str(),
                c.covered[0].agreements.clone()
            ),
            ("AUS", vec!["a1".to_string()])
        );
        // KOR: a3 expired, a4 is a draft, a2 is another area.
        assert_eq!(c.gaps, vec![("KOR".to_string(), "p2-qs".to_string())]);
        assert!(!c.complete());
        let to = [NationCode::parse("AUKUS").unwrap()];
        let c = coverage(
            &agreements,
            &nations,
            &areas,
            &to,
            &["p2-quantum".into()],
            day,
        );
        assert!(c.complete(), "{c:?}");
        assert_eq!(c.covered.len(), 3);
    }
}
