//! Where labelled records come from: the origin columns (`origin_org`, `origin_nation`,
//! `committee_own`) that every labelled table carries, written once when a row is created and
//! read back for the stewardship rules (`pillar_core::stewardship`) and for pages.

use pillar_core::stewardship::Origin;
use pillar_core::NationCode;
use sqlx::Row;

use crate::db::Store;
use crate::error::StoreError;
use crate::sql::Val;

/// The kinds of labelled record that keep an origin (documents with their named stewards too;
/// meeting items share their meeting's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// A nation or group of the registry.
    Nation,
    /// An organisation of the registry.
    Organisation,
    /// A person of the registry.
    Person,
    /// A technology area.
    TechArea,
    /// An agreement.
    Agreement,
    /// A supply network.
    SupplyNetwork,
    /// A joint project.
    Project,
    /// A committee or working group.
    Committee,
    /// A meeting, with its agenda, decisions and actions.
    Meeting,
    /// A published technology-landscape analysis.
    Landscape,
    /// A document.
    Document,
}

impl Kept {
    /// Every kind, for checks that walk them all.
    pub const ALL: [Kept; 11] = [
        Kept::Nation,
        Kept::Organisation,
        Kept::Person,
        Kept::TechArea,
        Kept::Agreement,
        Kept::SupplyNetwork,
        Kept::Project,
        Kept::Committee,
        Kept::Meeting,
        Kept::Landscape,
        Kept::Document,
    ];

    /// Its table and key column.
    pub fn table(self) -> (&'static str, &'static str) {
        match self {
            Kept::Nation => ("nations", "code"),
            Kept::Organisation => ("organisations", "id"),
            Kept::Person => ("people", "id"),
            Kept::TechArea => ("tech_areas", "id"),
            Kept::Agreement => ("agreements", "id"),
            Kept::SupplyNetwork => ("supply_networks", "id"),
            Kept::Project => ("projects", "id"),
            Kept::Committee => ("committees", "id"),
            Kept::Meeting => ("meetings", "id"),
            Kept::Landscape => ("landscapes", "id"),
            Kept::Document => ("documents", "id"),
        }
    }
}

impl From<pillar_core::RegistryKind> for Kept {
    fn from(kind: pillar_core::RegistryKind) -> Kept {
        use pillar_core::RegistryKind as R;
        match kind {
            R::Nations => Kept::Nation,
            R::Organisations => Kept::Organisation,
            R::People => Kept::Person,
            R::TechAreas => Kept::TechArea,
            R::Agreements => Kept::Agreement,
        }
    }
}

/// The origin columns, in the order of [`vals`].
pub(crate) const COLUMNS: [&str; 3] = ["origin_org", "origin_nation", "committee_own"];

/// The values of the origin columns for `origin`.
pub(crate) fn vals(origin: &Origin) -> [Val; 3] {
    [
        Val::N(origin.organisation.clone()),
        Val::T(origin.nation.to_string()),
        Val::I(i64::from(origin.committee)),
    ]
}

/// Reads an origin from columns `at`, `at + 1`, `at + 2` (organisation, nation, committee) of a
/// row of `table`.
pub(crate) fn read(
    row: &sqlx::any::AnyRow,
    at: usize,
    table: &'static str,
) -> Result<Origin, StoreError> {
    read_at(row, [at, at + 1, at + 2], table)
}

/// Reads an origin from the columns `[organisation, nation, committee]` of a row of `table`
/// (no stewards).
pub(crate) fn read_at(
    row: &sqlx::any::AnyRow,
    [org, nation, committee]: [usize; 3],
    table: &'static str,
) -> Result<Origin, StoreError> {
    Ok(Origin {
        organisation: row.get(org),
        nation: NationCode::parse(&row.get::<String, _>(nation)).map_err(|e| {
            StoreError::Corrupt {
                table,
                reason: format!("origin_nation: {e}"),
            }
        })?,
        stewards: Vec::new(),
        committee: row.get::<i64, _>(committee) != 0,
    })
}

impl Store {
    /// The origin of record `id` of `kind`, if it exists (and `readable` allows it, when
    /// given: `None` is the operator's view).
    pub(crate) async fn origin_of(
        &self,
        kind: Kept,
        id: &str,
        readable: Option<&crate::Entitlements>,
    ) -> Result<Option<Origin>, StoreError> {
        let (table, key) = kind.table();
        let stewards = if kind == Kept::Document {
            "stewards"
        } else {
            "''"
        };
        let q = crate::visibility::Labelled::filtered(
            self.backend(),
            readable,
            &format!(
                "SELECT origin_org, origin_nation, committee_own, {stewards} FROM {table} \
                 WHERE {key} = $1 AND {{label:label_id}}"
            ),
        );
        let row = q
            .bind_rows(sqlx::query(q.sql()).bind(id))
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let mut o = read(&r, 0, table)?;
            o.stewards = r
                .get::<String, _>(3)
                .split_whitespace()
                .map(str::to_string)
                .collect();
            Ok(o)
        })
        .transpose()
    }

    /// How many records of `kind` have no recorded origin (should be none: a check for tests and
    /// `db check`-style tools).
    pub(crate) async fn records_without_origin(&self, kind: Kept) -> Result<i64, StoreError> {
        let (table, _) = kind.table();
        Ok(sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM {table} WHERE origin_nation = ''"
        ))
        .fetch_one(&self.pool)
        .await?)
    }
}

/// An origin as one reader may be shown it: the organisation and stewards only when the reader
/// may see their registry rows (else the organisation's existence would leak through a record
/// the reader may read).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ShownOrigin {
    /// The originating organisation, when visible.
    pub organisation: Option<ShownOrganisation>,
    /// The originating nation (or the committee as a whole).
    pub nation: NationCode,
    /// The committee's own record.
    pub committee: bool,
    /// The named stewards the reader may see.
    pub stewards: Vec<String>,
}

/// An organisation named in a [`ShownOrigin`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ShownOrganisation {
    /// Its registry id.
    pub id: String,
    /// Its name.
    pub name: String,
}

impl Store {
    /// `origin` as `readable` may be shown it.
    pub(crate) async fn shown_origin(
        &self,
        origin: &Origin,
        readable: &crate::Entitlements,
    ) -> Result<ShownOrigin, StoreError> {
        let organisation = match &origin.organisation {
            None => None,
            Some(id) => {
                let q = crate::visibility::Labelled::filtered(
                    self.backend(),
                    Some(readable),
                    "SELECT name FROM organisations WHERE id = $1 AND {label:label_id}",
                );
                q.bind_scalar(sqlx::query_scalar::<_, String>(q.sql()).bind(id))
                    .fetch_optional(&self.pool)
                    .await?
                    .map(|name| ShownOrganisation {
                        id: id.clone(),
                        name,
                    })
            }
        };
        let mut stewards = Vec::new();
        for s in &origin.stewards {
            if let Some(id) = self.person_visible(s, readable).await? {
                stewards.push(id);
            }
        }
        Ok(ShownOrigin {
            organisation,
            nation: origin.nation.clone(),
            committee: origin.committee,
            stewards,
        })
    }
}
