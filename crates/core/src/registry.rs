//! The coalition registry: nations and groups, organisations, people, technology areas,
//! agreements.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use pillar_label::{Clearance, Label};
use serde::{Deserialize, Serialize};

use crate::iso::iso_alpha3;
use crate::record::{FieldError, Record};

/// The kinds of registry rows that can be imported and exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegistryKind {
    /// Nations and nation groups.
    Nations,
    /// Organisations.
    Organisations,
    /// People.
    People,
    /// Technology areas.
    TechAreas,
    /// Agreements.
    Agreements,
}

impl RegistryKind {
    /// Every kind, in the order in which a full registry must be imported (references point
    /// backwards in this list).
    pub const ALL: [RegistryKind; 5] = [
        RegistryKind::Nations,
        RegistryKind::Organisations,
        RegistryKind::People,
        RegistryKind::TechAreas,
        RegistryKind::Agreements,
    ];

    /// The name used on the command line and in file names.
    pub fn name(self) -> &'static str {
        match self {
            RegistryKind::Nations => "nations",
            RegistryKind::Organisations => "organisations",
            RegistryKind::People => "people",
            RegistryKind::TechAreas => "tech-areas",
            RegistryKind::Agreements => "agreements",
        }
    }

    /// The columns of the CSV form (and keys of the JSON form), in order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            RegistryKind::Nations => &["code", "name", "members", "label"],
            RegistryKind::Organisations => &["id", "name", "kind", "nation", "parent", "label"],
            RegistryKind::People => &[
                "id",
                "name",
                "nationality",
                "organisation",
                "roles",
                "clearance",
                "label",
            ],
            RegistryKind::TechAreas => &["id", "name", "name_ko", "taxonomy", "parent", "label"],
            RegistryKind::Agreements => &[
                "id",
                "title",
                "kind",
                "parties",
                "areas",
                "valid_from",
                "valid_to",
                "status",
                "label",
            ],
        }
    }

    /// The columns of this kind for the record reader.
    pub fn record_columns(self) -> crate::read::Columns<'static> {
        crate::read::Columns {
            what: self.name(),
            allowed: self.columns(),
            required: match self {
                RegistryKind::Nations => &["code"],
                _ => &["id"],
            },
        }
    }

    /// The column holding a row's identifier.
    pub fn id_column(self) -> &'static str {
        match self {
            RegistryKind::Nations => "code",
            _ => "id",
        }
    }
}

impl fmt::Display for RegistryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for RegistryKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        RegistryKind::ALL
            .into_iter()
            .find(|k| k.name() == s || (s == "organizations" && *k == RegistryKind::Organisations))
            .ok_or_else(|| {
                format!(
                    "unknown kind `{s}`; expected one of: {}",
                    RegistryKind::ALL.map(|k| k.name()).join(", ")
                )
            })
    }
}

fn label_field(r: &Record, default: &Label) -> Result<Label, FieldError> {
    match r.get("label") {
        None => Ok(default.clone()),
        Some(text) => Label::from_json(text).map_err(|e| FieldError::new("label", e.to_string())),
    }
}

fn id_field(r: &Record, field: &str) -> Result<String, FieldError> {
    let id = r.required(field)?;
    if id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
    {
        return Err(FieldError::new(
            field,
            format!("`{id}` is not an id: use at most 64 letters, digits, `-`, `_`, `.` or `:`"),
        ));
    }
    Ok(id.to_string())
}

fn enum_field<T: Copy>(r: &Record, field: &str, options: &[(&str, T)]) -> Result<T, FieldError> {
    let text = r.required(field)?;
    let wanted = text.to_ascii_lowercase().replace([' ', '_'], "-");
    options
        .iter()
        .find(|(n, _)| *n == wanted)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            FieldError::new(
                field,
                format!(
                    "`{text}` is not one of: {}",
                    options
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
}

fn date_field(r: &Record, field: &str) -> Result<Option<NaiveDate>, FieldError> {
    r.get(field)
        .map(|t| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
                FieldError::new(field, format!("`{t}` is not a date in the form YYYY-MM-DD"))
            })
        })
        .transpose()
}

/// A nation's ISO 3166-1 alpha-3 trigraph (`KOR`) or a group's tetragraph (`FVEY`, `AUKUS`
/// is five letters and allowed too: group codes are 4–8 capital letters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NationCode(String);

impl NationCode {
    /// Checks the form: three capital letters that ISO 3166-1 defines, or a group code of four
    /// to eight capital letters.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if !t.chars().all(|c| c.is_ascii_uppercase()) || t.is_empty() {
            return Err(format!(
                "`{t}` is not a nation code: use an ISO 3166-1 alpha-3 code in capitals (KOR) or a group code (FVEY)"
            ));
        }
        match t.len() {
            3 if iso_alpha3(t).is_some() => Ok(NationCode(t.into())),
            3 => Err(format!("`{t}` is not an ISO 3166-1 alpha-3 code")),
            4..=8 => Ok(NationCode(t.into())),
            _ => Err(format!(
                "`{t}` is not a nation code: trigraphs have 3 letters, group codes 4 to 8"
            )),
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for a single nation's trigraph, false for a group.
    pub fn is_trigraph(&self) -> bool {
        self.0.len() == 3
    }
}

impl TryFrom<String> for NationCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        NationCode::parse(&s)
    }
}

impl From<NationCode> for String {
    fn from(c: NationCode) -> String {
        c.0
    }
}

impl fmt::Display for NationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn codes_field(r: &Record, field: &str) -> Result<Vec<NationCode>, FieldError> {
    let mut out: Vec<NationCode> = Vec::new();
    for item in r.list(field) {
        let code = NationCode::parse(item).map_err(|e| FieldError::new(field, e))?;
        if out.contains(&code) {
            return Err(FieldError::new(field, format!("`{code}` is listed twice")));
        }
        out.push(code);
    }
    Ok(out)
}

/// A nation, or a group of nations (a tetragraph such as FVEY, or AUKUS, CFCK).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nation {
    /// Trigraph or group code.
    pub code: NationCode,
    /// Name in English.
    pub name: String,
    /// For a group, its member nations' trigraphs; empty for a nation.
    pub members: Vec<NationCode>,
    /// The row's label.
    pub label: Label,
}

impl Nation {
    /// Builds a nation from a record; `label` is used when the record has none.
    pub fn from_record(r: &Record, label: &Label) -> Result<Self, FieldError> {
        let code =
            NationCode::parse(r.required("code")?).map_err(|e| FieldError::new("code", e))?;
        let members = codes_field(r, "members")?;
        if code.is_trigraph() && !members.is_empty() {
            return Err(FieldError::new(
                "members",
                format!("`{code}` is a nation, not a group: only group codes have members"),
            ));
        }
        if !code.is_trigraph() && members.is_empty() {
            return Err(FieldError::new(
                "members",
                format!("group `{code}` needs at least one member trigraph"),
            ));
        }
        if let Some(m) = members.iter().find(|m| !m.is_trigraph()) {
            return Err(FieldError::new(
                "members",
                format!("`{m}` is a group; a group's members are nations"),
            ));
        }
        Ok(Nation {
            code,
            name: r.required("name")?.to_string(),
            members,
            label: label_field(r, label)?,
        })
    }

    /// The record form.
    pub fn to_record(&self) -> Record {
        [
            ("code", self.code.to_string()),
            ("name", self.name.clone()),
            ("members", join(&self.members)),
            ("label", self.label.to_json()),
        ]
        .into_iter()
        .collect()
    }
}

fn join<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(";")
}

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $text)] $variant),+ }
        impl $name {
            /// Every value with its text form.
            pub const OPTIONS: &'static [(&'static str, $name)] = &[$(($text, $name::$variant)),+];
            /// The text form.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                let mut r = Record::default();
                r.set("value", s);
                enum_field(&r, "value", Self::OPTIONS).map_err(|e| e.reason)
            }
        }
    };
}

text_enum!(
    /// What an organisation is.
    OrgKind {
        /// A ministry of government.
        Ministry = "ministry",
        /// A government agency.
        Agency = "agency",
        /// A research laboratory.
        Laboratory = "laboratory",
        /// A university.
        University = "university",
        /// A company.
        Company = "company",
    }
);

text_enum!(
    /// A person's role in Pillar.
    Role {
        /// Manages accounts and policies; reads content only within their own clearance.
        Administrator = "administrator",
        /// Runs the committee's meetings, decisions and actions.
        Secretariat = "secretariat",
        /// May lower labels (release decisions).
        ReleaseAuthority = "release-authority",
        /// A committee member.
        Member = "member",
        /// Loads data and runs analyses.
        Analyst = "analyst",
    }
);

text_enum!(
    /// The kind of an agreement.
    AgreementKind {
        /// Memorandum of understanding.
        Mou = "mou",
        /// Project arrangement under an MOU.
        ProjectArrangement = "project-arrangement",
        /// Information exchange annex.
        InformationExchangeAnnex = "information-exchange-annex",
        /// General security agreement.
        SecurityAgreement = "security-agreement",
    }
);

text_enum!(
    /// Where an agreement stands.
    AgreementStatus {
        /// Being negotiated.
        Draft = "draft",
        /// Signed and in force within its validity dates.
        InForce = "in-force",
        /// Past its end date.
        Expired = "expired",
        /// Ended early.
        Terminated = "terminated",
    }
);

/// An organisation: ministry, agency, laboratory, university or company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    /// Identifier, e.g. `kor-add`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OrgKind,
    /// The nation it belongs to.
    pub nation: NationCode,
    /// The organisation it is part of.
    pub parent: Option<String>,
    /// The row's label.
    pub label: Label,
}

impl Organisation {
    /// Builds an organisation from a record.
    pub fn from_record(r: &Record, label: &Label) -> Result<Self, FieldError> {
        let id = id_field(r, "id")?;
        let parent = r.get("parent").map(|_| id_field(r, "parent")).transpose()?;
        if parent.as_deref() == Some(id.as_str()) {
            return Err(FieldError::new(
                "parent",
                "an organisation cannot be its own parent",
            ));
        }
        Ok(Organisation {
            id,
            name: r.required("name")?.to_string(),
            kind: enum_field(r, "kind", OrgKind::OPTIONS)?,
            nation: NationCode::parse(r.required("nation")?)
                .map_err(|e| FieldError::new("nation", e))?,
            parent,
            label: label_field(r, label)?,
        })
    }

    /// The record form.
    pub fn to_record(&self) -> Record {
        [
            ("id", self.id.clone()),
            ("name", self.name.clone()),
            ("kind", self.kind.to_string()),
            ("nation", self.nation.to_string()),
            ("parent", self.parent.clone().unwrap_or_default()),
            ("label", self.label.to_json()),
        ]
        .into_iter()
        .collect()
    }
}

/// A person known to the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Identifier (also the login name).
    pub id: String,
    /// Full name.
    pub name: String,
    /// Nationality (a trigraph).
    pub nationality: NationCode,
    /// Employer.
    pub organisation: Option<String>,
    /// Roles in Pillar.
    pub roles: Vec<Role>,
    /// Security clearance, a STANAG 4774 clearance for one policy.
    pub clearance: Option<Clearance>,
    /// The row's label.
    pub label: Label,
}

impl Person {
    /// Builds a person from a record.
    pub fn from_record(r: &Record, label: &Label) -> Result<Self, FieldError> {
        let nationality = NationCode::parse(r.required("nationality")?)
            .map_err(|e| FieldError::new("nationality", e))?;
        if !nationality.is_trigraph() {
            return Err(FieldError::new(
                "nationality",
                format!("`{nationality}` is a group; a nationality is a nation's trigraph"),
            ));
        }
        let mut roles = Vec::new();
        for item in r.list("roles") {
            let role: Role = item.parse().map_err(|e| FieldError::new("roles", e))?;
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        let clearance = r
            .get("clearance")
            .map(|t| {
                Clearance::from_json(t).map_err(|e| FieldError::new("clearance", e.to_string()))
            })
            .transpose()?;
        Ok(Person {
            id: id_field(r, "id")?,
            name: r.required("name")?.to_string(),
            nationality,
            organisation: r
                .get("organisation")
                .map(|_| id_field(r, "organisation"))
                .transpose()?,
            roles,
            clearance,
            label: label_field(r, label)?,
        })
    }

    /// The record form.
    pub fn to_record(&self) -> Record {
        [
            ("id", self.id.clone()),
            ("name", self.name.clone()),
            ("nationality", self.nationality.to_string()),
            (
                "organisation",
                self.organisation.clone().unwrap_or_default(),
            ),
            ("roles", join(&self.roles)),
            (
                "clearance",
                self.clearance
                    .as_ref()
                    .map(|c| c.to_json())
                    .unwrap_or_default(),
            ),
            ("label", self.label.to_json()),
        ]
        .into_iter()
        .collect()
    }
}

/// A node of a technology-area taxonomy (several taxonomies live side by side, each a tree).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TechArea {
    /// Identifier, e.g. `p2-quantum`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Name in Korean, when the registry gives one (pages in Korean show it).
    #[serde(default)]
    pub name_ko: Option<String>,
    /// The taxonomy it belongs to, e.g. `aukus-p2`.
    pub taxonomy: String,
    /// Parent node in the same taxonomy.
    pub parent: Option<String>,
    /// The row's label.
    pub label: Label,
}

impl TechArea {
    /// Builds a technology area from a record.
    pub fn from_record(r: &Record, label: &Label) -> Result<Self, FieldError> {
        let id = id_field(r, "id")?;
        let parent = r.get("parent").map(|_| id_field(r, "parent")).transpose()?;
        if parent.as_deref() == Some(id.as_str()) {
            return Err(FieldError::new(
                "parent",
                "an area cannot be its own parent",
            ));
        }
        Ok(TechArea {
            id,
            name: r.required("name")?.to_string(),
            name_ko: r.get("name_ko").map(str::to_string),
            taxonomy: id_field(r, "taxonomy")?,
            parent,
            label: label_field(r, label)?,
        })
    }

    /// The record form.
    pub fn to_record(&self) -> Record {
        [
            ("id", self.id.clone()),
            ("name", self.name.clone()),
            ("name_ko", self.name_ko.clone().unwrap_or_default()),
            ("taxonomy", self.taxonomy.clone()),
            ("parent", self.parent.clone().unwrap_or_default()),
            ("label", self.label.to_json()),
        ]
        .into_iter()
        .collect()
    }
}

/// An agreement between nations: MOU, project arrangement, information exchange annex or
/// security agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    /// Identifier.
    pub id: String,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: AgreementKind,
    /// Parties (trigraphs or groups), at least two nations between them.
    pub parties: Vec<NationCode>,
    /// Technology areas covered.
    pub areas: Vec<String>,
    /// First day in force.
    pub valid_from: NaiveDate,
    /// Last day in force, if it ends.
    pub valid_to: Option<NaiveDate>,
    /// Status.
    pub status: AgreementStatus,
    /// The row's label.
    pub label: Label,
}

impl Agreement {
    /// Builds an agreement from a record.
    pub fn from_record(r: &Record, label: &Label) -> Result<Self, FieldError> {
        let parties = codes_field(r, "parties")?;
        if parties.is_empty() {
            return Err(FieldError::new(
                "parties",
                "an agreement needs at least one party",
            ));
        }
        let mut areas: Vec<String> = Vec::new();
        for a in r.list("areas") {
            let mut one = Record::default();
            one.set("areas", a);
            let a = id_field(&one, "areas")?;
            if !areas.contains(&a) {
                areas.push(a);
            }
        }
        let valid_from = date_field(r, "valid_from")?
            .ok_or_else(|| FieldError::new("valid_from", "is required but empty or missing"))?;
        let valid_to = date_field(r, "valid_to")?;
        if let Some(to) = valid_to {
            if to < valid_from {
                return Err(FieldError::new(
                    "valid_to",
                    format!("{to} is before valid_from {valid_from}"),
                ));
            }
        }
        Ok(Agreement {
            id: id_field(r, "id")?,
            title: r.required("title")?.to_string(),
            kind: enum_field(r, "kind", AgreementKind::OPTIONS)?,
            parties,
            areas,
            valid_from,
            valid_to,
            status: enum_field(r, "status", AgreementStatus::OPTIONS)?,
            label: label_field(r, label)?,
        })
    }

    /// True when the agreement is in force on `day`: status in force and `day` within its dates.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.status == AgreementStatus::InForce
            && self.valid_from <= day
            && self.valid_to.is_none_or(|to| day <= to)
    }

    /// The record form.
    pub fn to_record(&self) -> Record {
        [
            ("id", self.id.clone()),
            ("title", self.title.clone()),
            ("kind", self.kind.to_string()),
            ("parties", join(&self.parties)),
            ("areas", self.areas.join(";")),
            ("valid_from", self.valid_from.to_string()),
            (
                "valid_to",
                self.valid_to.map(|d| d.to_string()).unwrap_or_default(),
            ),
            ("status", self.status.to_string()),
            ("label", self.label.to_json()),
        ]
        .into_iter()
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(pairs: &[(&str, &str)]) -> Record {
        pairs.iter().map(|(k, v)| (*k, *v)).collect()
    }

    fn unclassified() -> Label {
        Label::new(Label::coalition_policy(), "UNCLASSIFIED")
    }

    #[test]
    fn nation_codes() {
        assert!(NationCode::parse("KOR").is_ok());
        assert!(NationCode::parse("FVEY").is_ok());
        assert!(NationCode::parse("XYZ").is_err());
        assert!(NationCode::parse("kor").is_err());
        assert!(NationCode::parse("K1R").is_err());
    }

    #[test]
    fn groups_need_members() {
        let l = unclassified();
        let g = rec(&[("code", "FVEY"), ("name", "Five Eyes")]);
        assert_eq!(Nation::from_record(&g, &l).unwrap_err().field, "members");
        let g = rec(&[
            ("code", "FVEY"),
            ("name", "Five Eyes"),
            ("members", "USA;GBR"),
        ]);
        assert_eq!(Nation::from_record(&g, &l).unwrap().members.len(), 2);
        let n = rec(&[("code", "USA"), ("name", "US"), ("members", "GBR")]);
        assert!(Nation::from_record(&n, &l).is_err());
    }

    #[test]
    fn agreement_dates() {
        let l = unclassified();
        let mut r = rec(&[
            ("id", "a1"),
            ("title", "T"),
            ("kind", "MOU"),
            ("parties", "USA;KOR"),
            ("valid_from", "2024-13-01"),
            ("status", "in force"),
        ]);
        let e = Agreement::from_record(&r, &l).unwrap_err();
        assert_eq!(e.field, "valid_from");
        r.set("valid_from", "2024-01-01");
        r.set("valid_to", "2023-01-01");
        assert_eq!(
            Agreement::from_record(&r, &l).unwrap_err().field,
            "valid_to"
        );
        r.set("valid_to", "2029-12-31");
        let a = Agreement::from_record(&r, &l).unwrap();
        assert!(a.in_force_on(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()));
        assert!(!a.in_force_on(NaiveDate::from_ymd_opt(2030, 1, 1).unwrap()));
        assert_eq!(Agreement::from_record(&a.to_record(), &l).unwrap(), a);
    }

    #[test]
    fn kinds_parse() {
        assert_eq!(
            "tech-areas".parse::<RegistryKind>(),
            Ok(RegistryKind::TechAreas)
        );
        assert!("widgets".parse::<RegistryKind>().is_err());
        assert_eq!(
            "Release Authority".parse::<Role>(),
            Ok(Role::ReleaseAuthority)
        );
    }
}
