//! Who may change what: the one place where Pillar decides whether a person may create, change,
//! relabel, release or withdraw a record, or assess a project. Reading is decided by labels
//! (`pillar-label`, applied by the store); these rules come on top of it — a person must first be
//! able to read a record, and their clearance must satisfy any label they give it.
//!
//! The table (also in `docs/platform.md`):
//!
//! | action | who |
//! |---|---|
//! | create a labelled record | a person with a writing role (secretariat, member, release authority, analyst) |
//! | change it (new version, edit, raise or keep its label, withdraw) | its stewards; people of its originating organisation with a writing role; the secretariat when it is the committee's own |
//! | lower its label (a release) | a release authority **of its originating nation** (and an agreement covering the release) |
//! | assess a project | people of its lead or participating organisations with a writing role, or its named assessors |
//! | change committee records (meetings, decisions, actions) | the secretariat |
//! | set an action item's status (mark it done) | the secretariat, and the action's owner |
//!
//! Every labelled record has an [`Origin`], recorded when it is created and never changed
//! afterwards: its creator's organisation and nation (a project's lead organisation and nation).
//! Records the operator loads from files without naming a person are the committee's own,
//! originated by the nation (and organisation) the operator names, else by the committee as a
//! whole ([`COMMITTEE`]).
//!
//! Administrators manage accounts; they write content only if they also hold a writing role.

use serde::{Deserialize, Serialize};

use crate::project::Project;
use crate::registry::{NationCode, Person, Role};

/// Where a record comes from and who keeps it: recorded when it is created, from its creator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The creator's organisation.
    pub organisation: Option<String>,
    /// The creator's nation: releasing the record is this nation's decision.
    pub nation: NationCode,
    /// People named as its stewards (person ids), besides its organisation.
    #[serde(default)]
    pub stewards: Vec<String>,
    /// The committee's own record (created by its secretariat): the secretariat keeps it.
    #[serde(default)]
    pub committee: bool,
}

/// The origin nation of records the committee keeps as a whole: loaded by the operator for the
/// committee without naming a nation. A group code no person holds, so no release authority
/// releases them on their own; the operator does, by loading them again.
pub const COMMITTEE: &str = "PILLAR";

impl Origin {
    /// Records the operator loads for the committee: the committee's own (its secretariat keeps
    /// them), originated by `nation` and `organisation` when the operator names them, else by
    /// the committee as a whole ([`COMMITTEE`]).
    pub fn committee(nation: Option<NationCode>, organisation: Option<String>) -> Origin {
        Origin {
            organisation,
            nation: nation.unwrap_or_else(|| NationCode::parse(COMMITTEE).expect("a group code")),
            stewards: Vec::new(),
            committee: true,
        }
    }

    /// Parses the operator's `NATION` or `NATION:ORGANISATION` (for whom records are loaded).
    pub fn parse_operator(spec: &str) -> Result<Origin, String> {
        let (nation, org) = match spec.split_once(':') {
            Some((n, o)) if !o.trim().is_empty() => (n, Some(o.trim().to_string())),
            Some((n, _)) => (n, None),
            None => (spec, None),
        };
        let nation = NationCode::parse(nation)?;
        Ok(Origin::committee(Some(nation), org))
    }

    /// True when the committee as a whole originated the record (no one nation).
    pub fn is_whole_committee(&self) -> bool {
        self.nation.as_str() == COMMITTEE
    }

    /// The origin of a record `creator` creates now, naming `stewards`.
    pub fn of(creator: &Person, stewards: Vec<String>) -> Origin {
        Origin {
            organisation: creator.organisation.clone(),
            nation: creator.nationality.clone(),
            stewards,
            committee: creator.roles.contains(&Role::Secretariat),
        }
    }
}

/// Where a joint project's record comes from: its lead organisation and nation, which the
/// project file names when the project is created, and the stewards it names.
pub fn project_origin(p: &Project) -> Origin {
    Origin {
        organisation: p.lead_organisation.clone(),
        // A checked project always names a valid lead nation; an unchecked one is nobody's.
        nation: NationCode::parse(&p.lead_nation)
            .unwrap_or_else(|_| NationCode::parse("UNKNOWN").expect("a group code")),
        stewards: p.stewards.clone(),
        committee: false,
    }
}

/// Why a change is refused. The person can read the record (else they would get "not found").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// None of the person's roles writes content.
    NoWritingRole,
    /// The record is kept by others.
    NotSteward {
        /// Its originating organisation.
        organisation: Option<String>,
        /// Its originating nation.
        nation: NationCode,
    },
    /// Lowering a label is a release decision, and the person is not a release authority.
    NotReleaseAuthority {
        /// Whose decision it is.
        nation: NationCode,
    },
    /// The person is a release authority, but of another nation than the record's originator.
    OtherNation {
        /// Whose decision it is.
        nation: NationCode,
    },
    /// Only the project's participating organisations and named assessors assess it.
    NotAssessor,
    /// Committee records are the secretariat's.
    NotSecretariat,
}

impl std::fmt::Display for Origin {
    /// `us-ousd-re (USA)`, `USA`, or `the committee`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.organisation, self.is_whole_committee()) {
            (Some(o), true) => write!(f, "{o} (the committee)"),
            (Some(o), false) => write!(f, "{o} ({})", self.nation),
            (None, true) => f.write_str("the committee"),
            (None, false) => write!(f, "{}", self.nation),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NoWritingRole => f.write_str(
                "Your roles do not include writing (secretariat, member, release authority or analyst).",
            ),
            Refusal::NotSteward {
                organisation,
                nation,
            } if nation.as_str() == COMMITTEE && organisation.is_none() => f.write_str(
                "This record is the committee's own: its secretariat keeps it.",
            ),
            Refusal::NotSteward {
                organisation,
                nation,
            } => match organisation {
                Some(o) => write!(
                    f,
                    "This record is kept by {o} ({nation}) and its named stewards: ask them to change it."
                ),
                None => write!(
                    f,
                    "This record is kept by its originator ({nation}) and its named stewards: ask them to change it."
                ),
            },
            Refusal::NotReleaseAuthority { nation } => write!(
                f,
                "Lowering this label is a release decision of {nation}: it needs a release authority of {nation}."
            ),
            Refusal::OtherNation { nation } => write!(
                f,
                "This record originated in {nation}: releasing it is {nation}'s decision, not your nation's. Ask a release authority of {nation}."
            ),
            Refusal::NotAssessor => f.write_str(
                "A project is assessed by people of its lead and participating organisations, or by its named assessors.",
            ),
            Refusal::NotSecretariat => f.write_str("Committee records are kept by the secretariat."),
        }
    }
}

impl std::error::Error for Refusal {}

/// The roles that write content.
pub const WRITING_ROLES: [Role; 4] = [
    Role::Secretariat,
    Role::Member,
    Role::ReleaseAuthority,
    Role::Analyst,
];

fn writes(person: &Person) -> bool {
    person.roles.iter().any(|r| WRITING_ROLES.contains(r))
}

/// May `person` create a labelled record (a document, an assessment's project aside)?
pub fn may_create(person: &Person) -> Result<(), Refusal> {
    if writes(person) {
        Ok(())
    } else {
        Err(Refusal::NoWritingRole)
    }
}

/// May `person` change a record of `origin`: a new version, an edit, a label raised or kept, a
/// withdrawal. Raising is a change like any other: it locks others out.
pub fn may_change(person: &Person, origin: &Origin) -> Result<(), Refusal> {
    if !writes(person) {
        return Err(Refusal::NoWritingRole);
    }
    let steward = origin.stewards.contains(&person.id);
    let same_org = origin.organisation.is_some() && person.organisation == origin.organisation;
    let secretariat = origin.committee && person.roles.contains(&Role::Secretariat);
    if steward || same_org || secretariat {
        Ok(())
    } else {
        Err(Refusal::NotSteward {
            organisation: origin.organisation.clone(),
            nation: origin.nation.clone(),
        })
    }
}

/// May `person` lower the label of a record of `origin` (a release)? Only a release authority
/// of the originating nation: the originator's release rule (the "third-party rule" of coalition
/// sharing). Agreement coverage is checked on top of this, by the caller.
pub fn may_release(person: &Person, origin: &Origin) -> Result<(), Refusal> {
    if !person.roles.contains(&Role::ReleaseAuthority) {
        return Err(Refusal::NotReleaseAuthority {
            nation: origin.nation.clone(),
        });
    }
    if person.nationality != origin.nation {
        return Err(Refusal::OtherNation {
            nation: origin.nation.clone(),
        });
    }
    Ok(())
}

/// May `person` record an assessment of `project`?
pub fn may_assess(person: &Person, project: &Project) -> Result<(), Refusal> {
    if !writes(person) {
        return Err(Refusal::NoWritingRole);
    }
    if project.assessors.contains(&person.id) {
        return Ok(());
    }
    let Some(org) = &person.organisation else {
        return Err(Refusal::NotAssessor);
    };
    let participates = project.lead_organisation.as_ref() == Some(org)
        || project
            .participants
            .iter()
            .any(|p| p.organisation.as_ref() == Some(org));
    if participates {
        Ok(())
    } else {
        Err(Refusal::NotAssessor)
    }
}

/// May `person` change the committee's meetings, decisions and action items?
pub fn may_keep_committee(person: &Person) -> Result<(), Refusal> {
    if person.roles.contains(&Role::Secretariat) {
        Ok(())
    } else {
        Err(Refusal::NotSecretariat)
    }
}

/// May `person` set the status of an action item owned by `owner` (mark it done, drop it)?
/// The secretariat, and the owner for their own actions.
pub fn may_update_action(person: &Person, owner: &str) -> Result<(), Refusal> {
    if person.id == owner {
        Ok(())
    } else {
        may_keep_committee(person)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pillar_label::Label;

    fn person(id: &str, nation: &str, org: &str, roles: &[Role]) -> Person {
        Person {
            id: id.into(),
            name: id.into(),
            nationality: NationCode::parse(nation).unwrap(),
            organisation: Some(org.into()),
            roles: roles.to_vec(),
            clearance: None,
            label: Label::new(
                Label::coalition_policy(),
                pillar_label::COALITION_UNCLASSIFIED,
            ),
        }
    }

    fn origin(org: &str, nation: &str, committee: bool) -> Origin {
        Origin {
            organisation: Some(org.into()),
            nation: NationCode::parse(nation).unwrap(),
            stewards: vec!["named-steward".into()],
            committee,
        }
    }

    #[test]
    fn changes_are_for_the_originating_organisation_stewards_and_secretariat() {
        let us_doc = origin("us-ousd-re", "USA", true);
        let colleague = person("a", "USA", "us-ousd-re", &[Role::Member]);
        let other_us = person("b", "USA", "us-darpa", &[Role::Analyst]);
        let japanese = person("c", "JPN", "jp-atla", &[Role::Member]);
        let kr_secretariat = person("d", "KOR", "kr-add", &[Role::Secretariat]);
        let steward = person("named-steward", "GBR", "gb-dstl", &[Role::Analyst]);
        let admin = person("e", "USA", "us-ousd-re", &[Role::Administrator]);
        assert_eq!(may_change(&colleague, &us_doc), Ok(()));
        assert!(matches!(
            may_change(&other_us, &us_doc),
            Err(Refusal::NotSteward { .. })
        ));
        assert!(may_change(&japanese, &us_doc).is_err());
        assert_eq!(may_change(&kr_secretariat, &us_doc), Ok(()));
        assert_eq!(may_change(&steward, &us_doc), Ok(()));
        assert_eq!(may_change(&admin, &us_doc), Err(Refusal::NoWritingRole));
        // Not the committee's own: the secretariat of another organisation may not.
        let own = origin("us-ousd-re", "USA", false);
        assert!(may_change(&kr_secretariat, &own).is_err());
    }

    #[test]
    fn the_operator_loads_records_for_the_committee() {
        let whole = Origin::parse_operator("PILLAR").unwrap();
        assert!(whole.is_whole_committee() && whole.committee);
        assert_eq!(whole.to_string(), "the committee");
        let us = Origin::parse_operator("USA:us-ousd-re").unwrap();
        assert_eq!(us.to_string(), "us-ousd-re (USA)");
        assert!(us.committee && !us.is_whole_committee());
        assert!(Origin::parse_operator("usa").is_err());
        assert!(Origin::parse_operator("XXX:org").is_err());
        // The secretariat keeps the committee's records; nobody's nation releases them.
        let kr_secretariat = person("d", "KOR", "kr-add", &[Role::Secretariat]);
        let us_ra = person("u", "USA", "us-ousd-re", &[Role::ReleaseAuthority]);
        assert_eq!(may_change(&kr_secretariat, &whole), Ok(()));
        assert!(may_change(&us_ra, &whole)
            .unwrap_err()
            .to_string()
            .contains("committee's own"));
        assert!(may_release(&us_ra, &whole).is_err());
        assert_eq!(may_release(&us_ra, &us), Ok(()));
    }

    #[test]
    fn releases_are_the_originating_nations() {
        let kr_doc = origin("kr-add", "KOR", false);
        let us_ra = person("u", "USA", "us-ousd-re", &[Role::ReleaseAuthority]);
        let kr_ra = person("k", "KOR", "kr-dapa", &[Role::ReleaseAuthority]);
        let kr_member = person("m", "KOR", "kr-add", &[Role::Member]);
        assert_eq!(
            may_release(&us_ra, &kr_doc),
            Err(Refusal::OtherNation {
                nation: NationCode::parse("KOR").unwrap()
            })
        );
        assert_eq!(may_release(&kr_ra, &kr_doc), Ok(()));
        assert!(matches!(
            may_release(&kr_member, &kr_doc),
            Err(Refusal::NotReleaseAuthority { .. })
        ));
        assert!(may_release(&us_ra, &kr_doc)
            .unwrap_err()
            .to_string()
            .contains("KOR's decision"));
    }
}
