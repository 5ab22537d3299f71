//! The committee's own work: committees and working groups, meetings with agenda items linked to
//! projects, decisions with their rationale, and action items (owner, due date, status). A
//! meeting carries a label; each agenda item, decision and action may carry its own (by default
//! the meeting's), so the minutes a reader gets hold only the items released to them.

use chrono::NaiveDate;
use pillar_label::Label;
use serde::{Deserialize, Serialize};

/// A committee file: `{"committees": [...], "meetings": [...]}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitteeFile {
    /// Committees and working groups.
    #[serde(default)]
    pub committees: Vec<Committee>,
    /// Meetings.
    #[serde(default)]
    pub meetings: Vec<Meeting>,
}

/// A committee or working group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Committee {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The committee it reports to.
    #[serde(default)]
    pub parent: Option<String>,
    /// Who may know of it; the coalition policy's UNCLASSIFIED when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Label>,
}

/// A meeting and its record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meeting {
    /// Id (a meeting recorded through the pages or the API gets one from Pillar).
    #[serde(default)]
    pub id: String,
    /// Committee id.
    pub committee: String,
    /// Title.
    pub title: String,
    /// Date.
    pub date: NaiveDate,
    /// Where.
    #[serde(default)]
    pub place: String,
    /// Attendees (person ids).
    #[serde(default)]
    pub attendees: Vec<String>,
    /// The meeting's label: who may know the meeting took place and read its items by default.
    pub label: Label,
    /// Agenda items.
    #[serde(default)]
    pub agenda: Vec<AgendaItem>,
    /// Decisions.
    #[serde(default)]
    pub decisions: Vec<Decision>,
    /// Action items.
    #[serde(default)]
    pub actions: Vec<Action>,
}

/// An agenda item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgendaItem {
    /// Title.
    pub title: String,
    /// Linked project.
    #[serde(default)]
    pub project: Option<String>,
    /// Discussion summary.
    #[serde(default)]
    pub notes: String,
    /// Its own label, when not the meeting's.
    #[serde(default)]
    pub label: Option<Label>,
}

/// A decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// What was decided.
    pub text: String,
    /// Why.
    #[serde(default)]
    pub rationale: String,
    /// How it was reached: `consensus`, or a vote and its count (`vote: 6 for, 1 against`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub basis: String,
    /// Linked project.
    #[serde(default)]
    pub project: Option<String>,
    /// Its own label, when not the meeting's.
    #[serde(default)]
    pub label: Option<Label>,
}

/// An action item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// Id, unique in the meeting; when absent, `a` and the item's position (see
    /// [`Meeting::number_actions`]).
    #[serde(default)]
    pub id: String,
    /// What to do.
    pub text: String,
    /// Owner (person id).
    pub owner: String,
    /// Due date.
    pub due: NaiveDate,
    /// `open` (when absent), `done` or `dropped`.
    #[serde(default = "open")]
    pub status: String,
    /// Its own label, when not the meeting's.
    #[serde(default)]
    pub label: Option<Label>,
}

fn open() -> String {
    "open".into()
}

impl Meeting {
    /// Gives each action without an id the id `a` + its position among the meeting's items
    /// (agenda items, then decisions, then actions, from 1) — the id an action added later
    /// gets too.
    pub fn number_actions(&mut self) {
        let before = self.agenda.len() + self.decisions.len();
        for (j, a) in self.actions.iter_mut().enumerate() {
            if a.id.trim().is_empty() {
                a.id = format!("a{}", before + j + 1);
            }
        }
    }
}

/// The action states.
pub const ACTION_STATUSES: [&str; 3] = ["open", "done", "dropped"];

impl Action {
    /// Open and past its due date on `today`.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.status == "open" && self.due < today
    }
}

/// What the checks need of the registry and the portfolio.
pub trait CommitteeContext {
    /// A person exists.
    fn person(&self, id: &str) -> bool;
    /// A project exists.
    fn project(&self, id: &str) -> bool;
}

/// What is wrong and where (`meetings[2].actions[0].owner`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitteeError {
    /// Field path.
    pub field: String,
    /// What.
    pub reason: String,
}

fn err(field: impl Into<String>, reason: impl Into<String>) -> CommitteeError {
    CommitteeError {
        field: field.into(),
        reason: reason.into(),
    }
}

impl CommitteeFile {
    /// Checks every rule; `known_committees` are those already stored.
    pub fn check(
        &self,
        ctx: &dyn CommitteeContext,
        known_committees: &[String],
    ) -> Result<(), CommitteeError> {
        let mut committees: Vec<&str> = known_committees.iter().map(String::as_str).collect();
        for (i, c) in self.committees.iter().enumerate() {
            if c.id.trim().is_empty() || c.name.trim().is_empty() {
                return Err(err(
                    format!("committees[{i}]"),
                    "an id and a name are needed",
                ));
            }
            committees.push(&c.id);
        }
        for (i, c) in self.committees.iter().enumerate() {
            if let Some(p) = &c.parent {
                if !committees.contains(&p.as_str()) || p == &c.id {
                    return Err(err(
                        format!("committees[{i}].parent"),
                        format!("no committee `{p}`"),
                    ));
                }
            }
        }
        let mut ids = std::collections::HashSet::new();
        for (i, m) in self.meetings.iter().enumerate() {
            let at = |f: &str| format!("meetings[{i}].{f}");
            if m.id.trim().is_empty() {
                return Err(err(at("id"), "an id is needed"));
            }
            if m.title.trim().is_empty() {
                return Err(err(at("title"), "a title is needed"));
            }
            if !ids.insert(m.id.as_str()) {
                return Err(err(at("id"), format!("`{}` appears twice", m.id)));
            }
            if !committees.contains(&m.committee.as_str()) {
                return Err(err(
                    at("committee"),
                    format!("no committee `{}`", m.committee),
                ));
            }
            for (j, a) in m.attendees.iter().enumerate() {
                if !ctx.person(a) {
                    return Err(err(
                        at(&format!("attendees[{j}]")),
                        format!("no person `{a}`"),
                    ));
                }
            }
            for (j, a) in m.agenda.iter().enumerate() {
                if let Some(p) = a.project.as_ref().filter(|p| !ctx.project(p)) {
                    return Err(err(
                        at(&format!("agenda[{j}].project")),
                        format!("no project `{p}`"),
                    ));
                }
            }
            for (j, d) in m.decisions.iter().enumerate() {
                if let Some(p) = d.project.as_ref().filter(|p| !ctx.project(p)) {
                    return Err(err(
                        at(&format!("decisions[{j}].project")),
                        format!("no project `{p}`"),
                    ));
                }
            }
            let mut action_ids = std::collections::HashSet::new();
            for (j, a) in m.actions.iter().enumerate() {
                let f = |x: &str| at(&format!("actions[{j}].{x}"));
                if !action_ids.insert(a.id.as_str()) {
                    return Err(err(f("id"), format!("`{}` appears twice", a.id)));
                }
                if !ctx.person(&a.owner) {
                    return Err(err(f("owner"), format!("no person `{}`", a.owner)));
                }
                if !ACTION_STATUSES.contains(&a.status.as_str()) {
                    return Err(err(
                        f("status"),
                        format!(
                            "`{}` is not one of {}",
                            a.status,
                            ACTION_STATUSES.join(", ")
                        ),
                    ));
                }
                if a.due < m.date {
                    return Err(err(
                        f("due"),
                        format!("{} is before the meeting ({})", a.due, m.date),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Ctx;
    impl CommitteeContext for Ctx {
        fn person(&self, id: &str) -> bool {
            ["kr-pm", "us-secretariat"].contains(&id)
        }
        fn project(&self, id: &str) -> bool {
            id == "quantum-001"
        }
    }

    fn file() -> CommitteeFile {
        serde_json::from_str(
            r#"{"committees": [{"id": "exec", "name": "Executive committee"},
                               {"id": "wg-q", "name": "Quantum working group", "parent": "exec"}],
                "meetings": [{"id": "m1", "committee": "wg-q", "title": "First", "date": "2026-03-01",
                              "attendees": ["kr-pm"],
                              "label": {"policy": {"name": "P"}, "classification": "U"},
                              "agenda": [{"title": "PNT", "project": "quantum-001"}],
                              "decisions": [{"text": "Proceed", "rationale": "TRL 5 reached"}],
                              "actions": [{"id": "a1", "text": "Draft PA", "owner": "us-secretariat", "due": "2026-04-01", "status": "open"}]}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn checks_name_the_field() {
        file().check(&Ctx, &[]).unwrap();
        let mut f = file();
        f.meetings[0].actions[0].owner = "nobody".into();
        assert_eq!(
            f.check(&Ctx, &[]).unwrap_err().field,
            "meetings[0].actions[0].owner"
        );
        let mut f = file();
        f.meetings[0].actions[0].due = "2026-01-01".parse().unwrap();
        assert_eq!(
            f.check(&Ctx, &[]).unwrap_err().field,
            "meetings[0].actions[0].due"
        );
        let mut f = file();
        f.meetings[0].agenda[0].project = Some("nope".into());
        assert_eq!(
            f.check(&Ctx, &[]).unwrap_err().field,
            "meetings[0].agenda[0].project"
        );
        let mut f = file();
        f.committees[1].parent = Some("ghost".into());
        assert_eq!(
            f.check(&Ctx, &[]).unwrap_err().field,
            "committees[1].parent"
        );
        let a = &file().meetings[0].actions[0];
        assert!(a.overdue("2026-04-02".parse().unwrap()));
        assert!(!a.overdue("2026-04-01".parse().unwrap()));
    }

    #[test]
    fn actions_without_ids_are_numbered_by_position_and_a_meeting_needs_an_id() {
        let mut f = file();
        f.meetings[0].actions[0].id = String::new();
        let copy = f.meetings[0].actions[0].clone();
        f.meetings[0].actions.push(copy);
        f.meetings[0].actions[1].id = "kept".into();
        f.meetings[0].number_actions();
        // One agenda item and one decision come first: the actions are items 3 and 4.
        assert_eq!(f.meetings[0].actions[0].id, "a3");
        assert_eq!(f.meetings[0].actions[1].id, "kept");
        assert!(f.check(&Ctx, &[]).is_ok());
        f.meetings[0].id = " ".into();
        assert_eq!(f.check(&Ctx, &[]).unwrap_err().field, "meetings[0].id");
        let status: Action =
            serde_json::from_str(r#"{"text": "x", "owner": "kr-pm", "due": "2026-04-01"}"#)
                .unwrap();
        assert_eq!(status.status, "open");
    }
}
