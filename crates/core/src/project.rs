//! Joint R&D projects as the portfolio files and the API carry them, and the rules every
//! project must satisfy before anything is saved: cost shares summing to 100 %, levels inside
//! their scales, dates not before the project's start, components and integrations that refer
//! to each other. Errors name the record (`projects[3]`) and the field path.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use pillar_label::Label;

/// A project file: `{"projects": [...]}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectFile {
    /// The projects.
    pub projects: Vec<Project>,
}

/// A joint R&D project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Id, e.g. `p2-uw-004`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Summary.
    #[serde(default)]
    pub summary: String,
    /// AUKUS Pillar 2 workstreams (technology-area ids of the `aukus-p2` taxonomy).
    pub workstreams: Vec<String>,
    /// Critical technology areas (technology-area ids of any taxonomy).
    #[serde(default)]
    pub areas: Vec<String>,
    /// Lead nation (trigraph).
    pub lead_nation: String,
    /// Lead organisation id.
    #[serde(default)]
    pub lead_organisation: Option<String>,
    /// RDT&E budget activity, `6.1`–`6.8`.
    #[serde(default)]
    pub budget_activity: Option<String>,
    /// Adaptive Acquisition Framework pathway (`urgent`, `middle-tier`, `major-capability`,
    /// `software`, `business-systems`, `services`).
    #[serde(default)]
    pub pathway: Option<String>,
    /// Acquisition milestone reached: `MDD`, `A`, `B`, `C`.
    #[serde(default)]
    pub milestone: Option<String>,
    /// Governing agreement id.
    #[serde(default)]
    pub agreement: Option<String>,
    /// Start date.
    pub start: NaiveDate,
    /// Transition partner (organisation id) and the state of the transition agreement.
    #[serde(default)]
    pub transition: Option<Transition>,
    /// Participants with their cost shares.
    #[serde(default)]
    pub participants: Vec<Participant>,
    /// Milestones.
    #[serde(default)]
    pub milestones: Vec<ProjectMilestone>,
    /// Risks.
    #[serde(default)]
    pub risks: Vec<Risk>,
    /// Components (for integration readiness); critical ones are the critical technologies.
    #[serde(default)]
    pub components: Vec<Component>,
    /// Integration readiness between components.
    #[serde(default)]
    pub integrations: Vec<ComponentIntegration>,
    /// Readiness assessments, oldest first.
    #[serde(default)]
    pub assessments: Vec<Assessment>,
    /// The systems the project delivers, as end items of supply networks in the store: their
    /// supply exposure is the project's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub end_items: Vec<EndItemRef>,
    /// Documents of the platform about the project (ids); each keeps its own label.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<String>,
    /// People (ids) named to assess the project besides those of its participating
    /// organisations (see [`crate::stewardship::may_assess`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assessors: Vec<String>,
    /// People (ids) named as the project record's stewards besides its lead organisation (see
    /// [`crate::stewardship::project_origin`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stewards: Vec<String>,
    /// The project's label (4774 JSON form); it covers everything in the project.
    pub label: Label,
}

/// An end item of a supply network: the network's id and the item's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndItemRef {
    /// Supply network id.
    pub network: String,
    /// Item id in that network (a system).
    pub item: String,
}

/// Transition to an acquisition or operational partner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// Organisation id.
    pub partner: String,
    /// `none`, `planned`, `negotiating`, `signed`.
    pub status: String,
}

/// The transition agreement states.
pub const TRANSITION_STATUSES: [&str; 4] = ["none", "planned", "negotiating", "signed"];

/// A participant and its share of the cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Participant {
    /// Nation (trigraph).
    pub nation: String,
    /// Organisation id.
    #[serde(default)]
    pub organisation: Option<String>,
    /// Role (`lead`, `partner`, `observer`, …).
    pub role: String,
    /// Financial contribution, percent of the project's total cost.
    #[serde(default)]
    pub financial: f64,
    /// In-kind contribution, percent of the project's total cost.
    #[serde(default)]
    pub in_kind: f64,
}

/// A project milestone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectMilestone {
    /// Name.
    pub name: String,
    /// Planned date.
    pub planned: NaiveDate,
    /// Actual date, once reached.
    #[serde(default)]
    pub actual: Option<NaiveDate>,
}

/// A risk, scored likelihood × consequence on 1–5 scales.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    /// Title.
    pub title: String,
    /// Likelihood 1–5.
    pub likelihood: i64,
    /// Consequence 1–5.
    pub consequence: i64,
}

/// A component of the project's system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// Id within the project.
    pub id: String,
    /// Name.
    pub name: String,
    /// A critical technology (checked against TRL 6 at Milestone B).
    #[serde(default)]
    pub critical: bool,
}

/// Integration readiness between two components.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentIntegration {
    /// One component.
    pub a: String,
    /// The other.
    pub b: String,
    /// IRL 1–9.
    pub irl: i64,
}

/// A dated, signed readiness assessment; never edited once signed (a later one supersedes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    /// Id, unique in the project.
    pub id: String,
    /// `TRL` or `MRL`.
    pub scale: String,
    /// The component assessed; the project as a whole when absent.
    #[serde(default)]
    pub component: Option<String>,
    /// Achieved level.
    pub level: i64,
    /// Date of the assessment.
    pub date: NaiveDate,
    /// Assessor (person id).
    pub assessor: String,
    /// Signed: from then on the assessment is fixed.
    #[serde(default)]
    pub signed: bool,
    /// Evidence or the questionnaire reference.
    #[serde(default)]
    pub evidence: String,
    /// The filled-in questionnaire, when the calculator made the assessment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<serde_json::Value>,
}

/// What is wrong with a project and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectError {
    /// The field path inside the project (`participants[1].financial`).
    pub field: String,
    /// What.
    pub reason: String,
}

fn err(field: impl Into<String>, reason: impl Into<String>) -> ProjectError {
    ProjectError {
        field: field.into(),
        reason: reason.into(),
    }
}

/// What the checks need to know of the registry.
pub trait ProjectContext {
    /// A nation or group code exists.
    fn nation(&self, code: &str) -> bool;
    /// An organisation exists.
    fn organisation(&self, id: &str) -> bool;
    /// A technology area exists, and its taxonomy.
    fn area_taxonomy(&self, id: &str) -> Option<String>;
    /// An agreement exists.
    fn agreement(&self, id: &str) -> bool;
    /// The kind of item `item` of supply network `network` (`system`, …), if both exist.
    fn supply_item(&self, _network: &str, _item: &str) -> Option<String> {
        None
    }
}

const BUDGET_ACTIVITIES: [&str; 8] = ["6.1", "6.2", "6.3", "6.4", "6.5", "6.6", "6.7", "6.8"];
const PATHWAYS: [&str; 6] = [
    "urgent",
    "middle-tier",
    "major-capability",
    "software",
    "business-systems",
    "services",
];
const MILESTONES: [&str; 4] = ["MDD", "A", "B", "C"];

impl Project {
    /// Checks every rule; the first error found, with its field path.
    pub fn check(&self, ctx: &dyn ProjectContext) -> Result<(), ProjectError> {
        if self.id.trim().is_empty() || self.id.contains(char::is_whitespace) {
            return Err(err("id", "an id is needed, without spaces"));
        }
        if self.title.trim().is_empty() {
            return Err(err("title", "a title is needed"));
        }
        if self.workstreams.is_empty() {
            return Err(err("workstreams", "at least one workstream"));
        }
        for (i, w) in self.workstreams.iter().enumerate() {
            match ctx.area_taxonomy(w) {
                Some(t) if t == "aukus-p2" => {}
                Some(t) => {
                    return Err(err(
                        format!("workstreams[{i}]"),
                        format!("`{w}` is in the {t} taxonomy, not a Pillar 2 workstream"),
                    ))
                }
                None => {
                    return Err(err(
                        format!("workstreams[{i}]"),
                        format!("no technology area `{w}`"),
                    ))
                }
            }
        }
        for (i, a) in self.areas.iter().enumerate() {
            if ctx.area_taxonomy(a).is_none() {
                return Err(err(
                    format!("areas[{i}]"),
                    format!("no technology area `{a}`"),
                ));
            }
        }
        if !ctx.nation(&self.lead_nation) {
            return Err(err(
                "lead_nation",
                format!("no nation `{}`", self.lead_nation),
            ));
        }
        let org = |field: String, id: &str| {
            if ctx.organisation(id) {
                Ok(())
            } else {
                Err(err(field, format!("no organisation `{id}`")))
            }
        };
        if let Some(o) = &self.lead_organisation {
            org("lead_organisation".into(), o)?;
        }
        let one_of = |field: &str, v: &Option<String>, allowed: &[&str]| match v {
            Some(v) if !allowed.contains(&v.as_str()) => Err(err(
                field,
                format!("`{v}` is not one of {}", allowed.join(", ")),
            )),
            _ => Ok(()),
        };
        one_of("budget_activity", &self.budget_activity, &BUDGET_ACTIVITIES)?;
        one_of("pathway", &self.pathway, &PATHWAYS)?;
        one_of("milestone", &self.milestone, &MILESTONES)?;
        if let Some(a) = &self.agreement {
            if !ctx.agreement(a) {
                return Err(err("agreement", format!("no agreement `{a}`")));
            }
        }
        for (i, e) in self.end_items.iter().enumerate() {
            match ctx.supply_item(&e.network, &e.item).as_deref() {
                Some("system") => {}
                Some(kind) => {
                    return Err(err(
                        format!("end_items[{i}].item"),
                        format!(
                            "`{}` of network `{}` is a {kind}; an end item is a system",
                            e.item, e.network
                        ),
                    ))
                }
                None => {
                    return Err(err(
                        format!("end_items[{i}]"),
                        format!("no item `{}` in supply network `{}`", e.item, e.network),
                    ))
                }
            }
        }
        if let Some(t) = &self.transition {
            org("transition.partner".into(), &t.partner)?;
            one_of(
                "transition.status",
                &Some(t.status.clone()),
                &TRANSITION_STATUSES,
            )?;
        }
        let mut total = 0.0;
        for (i, p) in self.participants.iter().enumerate() {
            let at = |f: &str| format!("participants[{i}].{f}");
            if !ctx.nation(&p.nation) {
                return Err(err(at("nation"), format!("no nation `{}`", p.nation)));
            }
            if let Some(o) = &p.organisation {
                org(at("organisation"), o)?;
            }
            for (f, v) in [("financial", p.financial), ("in_kind", p.in_kind)] {
                if !(0.0..=100.0).contains(&v) {
                    return Err(err(at(f), format!("{v} is not a percentage 0–100")));
                }
            }
            total += p.financial + p.in_kind;
        }
        if !self.participants.is_empty() && (total - 100.0).abs() > 0.01 {
            return Err(err(
                "participants",
                format!("cost shares (financial + in-kind) sum to {total:.2} %, not 100 %"),
            ));
        }
        let not_before_start = |field: String, d: NaiveDate| {
            if d < self.start {
                Err(err(
                    field,
                    format!("{d} is before the project's start {}", self.start),
                ))
            } else {
                Ok(())
            }
        };
        for (i, m) in self.milestones.iter().enumerate() {
            not_before_start(format!("milestones[{i}].planned"), m.planned)?;
            if let Some(a) = m.actual {
                not_before_start(format!("milestones[{i}].actual"), a)?;
            }
        }
        for (i, r) in self.risks.iter().enumerate() {
            for (f, v) in [("likelihood", r.likelihood), ("consequence", r.consequence)] {
                if !(1..=5).contains(&v) {
                    return Err(err(
                        format!("risks[{i}].{f}"),
                        format!("{v} is outside 1–5"),
                    ));
                }
            }
        }
        let mut ids = std::collections::HashSet::new();
        for (i, c) in self.components.iter().enumerate() {
            if !ids.insert(c.id.as_str()) {
                return Err(err(
                    format!("components[{i}].id"),
                    format!("`{}` appears twice", c.id),
                ));
            }
        }
        let mut seen: std::collections::HashMap<(String, String), i64> = Default::default();
        for (i, g) in self.integrations.iter().enumerate() {
            for (f, c) in [("a", &g.a), ("b", &g.b)] {
                if !ids.contains(c.as_str()) {
                    return Err(err(
                        format!("integrations[{i}].{f}"),
                        format!("no component `{c}`"),
                    ));
                }
            }
            if !(1..=9).contains(&g.irl) {
                return Err(err(
                    format!("integrations[{i}].irl"),
                    format!("IRL {} is outside 1–9", g.irl),
                ));
            }
            let key = if g.a <= g.b {
                (g.a.clone(), g.b.clone())
            } else {
                (g.b.clone(), g.a.clone())
            };
            if let Some(before) = seen.insert(key, g.irl) {
                if before != g.irl {
                    return Err(err(
                        format!("integrations[{i}].irl"),
                        format!(
                            "{}–{} is listed with IRL {before} and IRL {}: integrations are symmetric",
                            g.a, g.b, g.irl
                        ),
                    ));
                }
            }
        }
        let mut assessment_ids = std::collections::HashSet::new();
        for (i, a) in self.assessments.iter().enumerate() {
            let at = |f: &str| format!("assessments[{i}].{f}");
            if !assessment_ids.insert(a.id.as_str()) {
                return Err(err(at("id"), format!("`{}` appears twice", a.id)));
            }
            let max = match a.scale.as_str() {
                "TRL" => 9,
                "MRL" => 10,
                other => return Err(err(at("scale"), format!("`{other}` is not TRL or MRL"))),
            };
            if !(1..=max).contains(&a.level) {
                return Err(err(
                    at("level"),
                    format!("{} {} is outside 1–{max}", a.scale, a.level),
                ));
            }
            if let Some(c) = &a.component {
                if !ids.contains(c.as_str()) {
                    return Err(err(at("component"), format!("no component `{c}`")));
                }
            }
            not_before_start(at("date"), a.date)?;
            if a.assessor.trim().is_empty() {
                return Err(err(at("assessor"), "an assessor is needed"));
            }
        }
        Ok(())
    }

    /// The current level of the project as a whole (or of `component`) on `scale`: the latest
    /// signed assessment by date (a draft never replaces a signed one); the latest draft only
    /// while none is signed. Of two on one date, the later recorded.
    pub fn latest(&self, scale: &str, component: Option<&str>) -> Option<&Assessment> {
        let of = |signed: bool| {
            self.assessments
                .iter()
                .filter(|a| a.scale == scale && a.component.as_deref() == component)
                .filter(|a| a.signed == signed)
                .max_by_key(|a| a.date)
        };
        of(true).or_else(|| of(false))
    }

    /// The project's cost share per nation: (nation, financial %, in-kind %), nations sorted.
    pub fn cost_shares(&self) -> Vec<(String, f64, f64)> {
        let mut by: std::collections::BTreeMap<&str, (f64, f64)> = Default::default();
        for p in &self.participants {
            let e = by.entry(p.nation.as_str()).or_default();
            e.0 += p.financial;
            e.1 += p.in_kind;
        }
        by.into_iter()
            .map(|(n, (f, k))| (n.to_string(), f, k))
            .collect()
    }

    /// Every nation taking part (lead and participants), sorted, once each.
    pub fn nations(&self) -> Vec<String> {
        let mut n: Vec<String> = std::iter::once(self.lead_nation.clone())
            .chain(self.participants.iter().map(|p| p.nation.clone()))
            .collect();
        n.sort();
        n.dedup();
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Ctx;
    impl ProjectContext for Ctx {
        fn nation(&self, code: &str) -> bool {
            ["USA", "KOR", "AUS"].contains(&code)
        }
        fn organisation(&self, id: &str) -> bool {
            ["us-onr", "kr-add"].contains(&id)
        }
        fn area_taxonomy(&self, id: &str) -> Option<String> {
            match id {
                "p2-undersea" => Some("aukus-p2".into()),
                "cta-quantum" => Some("dod-cta-2023".into()),
                _ => None,
            }
        }
        fn agreement(&self, id: &str) -> bool {
            id == "mou-us-kor-dst"
        }
    }

    fn project() -> Project {
        serde_json::from_str(
            r#"{"id": "p1", "title": "Autonomous undersea sensing", "workstreams": ["p2-undersea"],
                "areas": ["cta-quantum"], "lead_nation": "KOR", "lead_organisation": "kr-add",
                "budget_activity": "6.3", "pathway": "middle-tier", "milestone": "A",
                "agreement": "mou-us-kor-dst", "start": "2023-01-01",
                "transition": {"partner": "us-onr", "status": "planned"},
                "participants": [{"nation": "KOR", "role": "lead", "financial": 40, "in_kind": 20},
                                 {"nation": "USA", "organisation": "us-onr", "role": "partner", "financial": 30, "in_kind": 10}],
                "milestones": [{"name": "Sea trial", "planned": "2025-06-01"}],
                "risks": [{"title": "Battery supply", "likelihood": 3, "consequence": 4}],
                "components": [{"id": "sensor", "name": "Quantum magnetometer", "critical": true},
                               {"id": "auv", "name": "Vehicle"}],
                "integrations": [{"a": "sensor", "b": "auv", "irl": 4}],
                "assessments": [{"id": "a1", "scale": "TRL", "level": 4, "date": "2023-06-01", "assessor": "kr-pm", "signed": true},
                                {"id": "a2", "scale": "TRL", "level": 5, "date": "2024-06-01", "assessor": "kr-pm"}],
                "label": {"policy": {"name": "PILLAR COALITION"}, "classification": "UNCLASSIFIED"}}"#,
        )
        .unwrap()
    }

    #[test]
    fn a_good_project_passes_and_summarises() {
        let p = project();
        p.check(&Ctx).unwrap();
        // The later draft (a2, TRL 5) does not replace the signed TRL 4.
        assert_eq!(p.latest("TRL", None).unwrap().level, 4);
        let mut signed = p.clone();
        signed.assessments[1].signed = true;
        assert_eq!(signed.latest("TRL", None).unwrap().level, 5);
        let mut drafts = p.clone();
        drafts.assessments[0].signed = false;
        assert_eq!(drafts.latest("TRL", None).unwrap().level, 5);
        assert_eq!(
            p.cost_shares(),
            vec![("KOR".into(), 40.0, 20.0), ("USA".into(), 30.0, 10.0)]
        );
        assert_eq!(p.nations(), ["KOR", "USA"]);
    }

    #[test]
    fn each_bad_field_is_named() {
        type Change = Box<dyn Fn(&mut Project)>;
        let cases: Vec<(Change, &str)> = vec![
            (
                Box::new(|p| p.participants[0].financial = 50.0),
                "participants",
            ),
            (
                Box::new(|p| p.participants[1].in_kind = -1.0),
                "participants[1].in_kind",
            ),
            (
                Box::new(|p| p.assessments[1].level = 10),
                "assessments[1].level",
            ),
            (
                Box::new(|p| p.assessments[0].date = "2022-12-31".parse().unwrap()),
                "assessments[0].date",
            ),
            (
                Box::new(|p| p.milestones[0].planned = "2020-01-01".parse().unwrap()),
                "milestones[0].planned",
            ),
            (
                Box::new(|p| p.integrations[0].b = "radar".into()),
                "integrations[0].b",
            ),
            (
                Box::new(|p| p.integrations[0].irl = 0),
                "integrations[0].irl",
            ),
            (
                Box::new(|p| p.workstreams[0] = "cta-quantum".into()),
                "workstreams[0]",
            ),
            (Box::new(|p| p.lead_nation = "XXX".into()), "lead_nation"),
            (
                Box::new(|p| p.budget_activity = Some("6.9".into())),
                "budget_activity",
            ),
            (Box::new(|p| p.milestone = Some("D".into())), "milestone"),
            (
                Box::new(|p| p.risks[0].consequence = 6),
                "risks[0].consequence",
            ),
            (Box::new(|p| p.agreement = Some("nope".into())), "agreement"),
            (
                Box::new(|p| {
                    p.integrations.push(ComponentIntegration {
                        a: "auv".into(),
                        b: "sensor".into(),
                        irl: 6,
                    })
                }),
                "integrations[1].irl",
            ),
        ];
        for (change, field) in cases {
            let mut p = project();
            change(&mut p);
            assert_eq!(p.check(&Ctx).unwrap_err().field, field);
        }
    }
}

/// Reads a project file (`{"projects": [...]}`): each project with the line it starts on.
/// A syntax error or a project that does not fit the shape is an [`crate::InputError`] naming
/// the file, the line and, where serde can tell, the field.
pub fn read_projects(file: &str, text: &str) -> Result<Vec<(usize, Project)>, crate::InputError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Raw<'a> {
        #[serde(borrow)]
        projects: Vec<&'a serde_json::value::RawValue>,
    }
    let line_of = |offset: usize| text[..offset].bytes().filter(|&b| b == b'\n').count() + 1;
    let raw: Raw = serde_json::from_str(text).map_err(|e| {
        crate::InputError::new(
            file,
            Some(e.line()),
            None,
            format!("not a project file: {e}"),
        )
    })?;
    raw.projects
        .iter()
        .map(|r| {
            let offset = r.get().as_ptr() as usize - text.as_ptr() as usize;
            let line = line_of(offset);
            let p: Project = serde_json::from_str(r.get()).map_err(|e| {
                // serde's line is relative to the project's text.
                let field = e.to_string();
                let field = field
                    .split('`')
                    .nth(1)
                    .filter(|_| e.classify() == serde_json::error::Category::Data);
                crate::InputError::new(file, Some(line + e.line() - 1), field, e.to_string())
            })?;
            Ok((line, p))
        })
        .collect()
}

#[cfg(test)]
mod read_tests {
    use super::*;

    #[test]
    fn projects_carry_their_line_and_errors_name_it() {
        let text = "{\"projects\": [\n {\"id\": \"a\", \"title\": \"A\", \"workstreams\": [\"w\"], \"lead_nation\": \"USA\", \"start\": \"2024-01-01\", \"label\": {\"policy\": {\"name\": \"P\"}, \"classification\": \"U\"}},\n {\"id\": \"b\", \"title\": \"B\", \"workstreams\": [\"w\"], \"lead_nation\": \"USA\", \"start\": \"2024-13-01\", \"label\": {\"policy\": {\"name\": \"P\"}, \"classification\": \"U\"}}\n]}";
        let e = read_projects("p.json", text).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        let ok = text.replace("2024-13-01", "2024-12-01");
        let read = read_projects("p.json", &ok).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!((read[0].0, read[1].0), (2, 3));
        let e = read_projects("p.json", "{\"projects\": [}").unwrap_err();
        assert!(e.to_string().starts_with("p.json:1"), "{e}");
    }
}
