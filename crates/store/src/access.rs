//! Every access decision about a person, beside their entitlements (`crate::visibility`) and
//! their reader (`crate::reader`): may they write under a label, are they an administrator, may
//! they see a person's clearance, which audit entries may they read. Who may change a record
//! (stewardship) is decided in `pillar_core::stewardship`; the adapters ask here and there and
//! decide nothing themselves.

use std::sync::Arc;

use pillar_core::{Person, Role};
use pillar_label::{Label, PolicySet};

use crate::audit::AuditEntry;
use crate::db::Store;
use crate::error::StoreError;
use crate::reader::Reader;
use crate::registry::RegistryRow;

/// True when `person` administers accounts (and may read the audit log).
pub fn is_administrator(person: &Person) -> bool {
    person.roles.contains(&Role::Administrator)
}

/// A person's clearance is personnel-security data: shown to that person and to
/// administrators only, whatever the row's label.
pub fn may_see_clearance(viewer: &Person, of: &str) -> bool {
    viewer.id == of || is_administrator(viewer)
}

/// `rows` with the clearances `viewer` may not see left out.
pub fn redact_clearances(viewer: &Person, rows: Vec<RegistryRow>) -> Vec<RegistryRow> {
    rows.into_iter()
        .map(|r| match r {
            RegistryRow::Person(mut p) if !may_see_clearance(viewer, &p.id) => {
                p.clearance = None;
                RegistryRow::Person(p)
            }
            other => other,
        })
        .collect()
}

impl Store {
    /// The policies, parsed once per policy version (the cache is shared by this handle's
    /// clones).
    pub async fn policies(&self) -> Result<Arc<PolicySet>, StoreError> {
        let version = self.policy_version().await?;
        if let Some((v, s)) = &*self.policies.lock().expect("policies lock") {
            if *v == version {
                return Ok(s.clone());
            }
        }
        let (set, version) = self.policy_set().await?;
        let set = Arc::new(set);
        *self.policies.lock().expect("policies lock") = Some((version, set.clone()));
        Ok(set)
    }

    /// The policies at `version`, a version this request has already read (its viewer's
    /// [`Entitlements`](crate::Entitlements)): the cached set when it is that version, without
    /// asking the database again; otherwise as [`Store::policies`].
    pub async fn policies_at(&self, version: i64) -> Result<Arc<PolicySet>, StoreError> {
        if let Some((v, s)) = &*self.policies.lock().expect("policies lock") {
            if *v == version {
                return Ok(s.clone());
            }
        }
        self.policies().await
    }

    /// True when `person`'s clearance satisfies `label`: the label resolves, translates into
    /// the clearance's policy, is valid there, and the access decision grants it. Needed to
    /// create or change anything under that label (on top of stewardship).
    pub async fn may_write(&self, person: &Person, label: &Label) -> Result<bool, StoreError> {
        let set = self.policies().await?;
        let Some(c) = person
            .clearance
            .as_ref()
            .and_then(|c| set.resolve_clearance(c).ok())
        else {
            return Ok(false);
        };
        let Ok(r) = set.resolve(label) else {
            return Ok(false);
        };
        Ok(set.permits(&r, &c))
    }
}

impl Reader<'_> {
    /// Whether agreements in force on `day` cover releasing a record under `label` in `areas`:
    /// to the nations `label` releases to (its Releasable To values, groups expanded; every
    /// registry nation when it has none). Only agreements this reader may read count or are
    /// named. The release decision's second half, after `pillar_core::stewardship::may_release`.
    pub async fn release_coverage(
        self,
        label: &Label,
        areas: &[String],
        day: chrono::NaiveDate,
    ) -> Result<pillar_readiness::Coverage, StoreError> {
        let store = self.store();
        let set = store.policies().await?;
        let nations = store.nations().await?;
        let resolved = set.resolve(label).map_err(|e| {
            StoreError::Input(crate::InputError::new("label", None, None, e.to_string()))
        })?;
        let mut release_to: Vec<pillar_core::NationCode> = set
            .to_label(&resolved)
            .categories
            .iter()
            .filter(|c| c.tag_name == "Releasable To")
            .flat_map(|c| c.values.iter())
            .filter_map(|v| match v {
                pillar_label::CategoryValue::Generic(g) => pillar_core::NationCode::parse(g).ok(),
                _ => None,
            })
            .collect();
        if release_to.is_empty() {
            release_to = nations
                .iter()
                .filter(|n| n.members.is_empty())
                .map(|n| n.code.clone())
                .collect();
        }
        let agreements = self.agreements().await?;
        let tree = store.tech_areas().await?;
        Ok(pillar_readiness::coverage(
            &agreements,
            &nations,
            &tree,
            &release_to,
            areas,
            day,
        ))
    }

    /// A page of the audit entries `viewer` may read, newest first — `limit` entries after
    /// skipping `offset` of them — with how many there are in all: none at all (`None`) unless
    /// `viewer` is an administrator, and then only entries whose label this reader may read or
    /// that carry none. Offsets count readable entries only, so that no page boundary tells of
    /// the entries between. (This reader must be `viewer`'s.)
    pub async fn audit_entries(
        self,
        viewer: &Person,
        limit: i64,
        offset: i64,
    ) -> Result<Option<(Vec<AuditEntry>, i64)>, StoreError> {
        if !is_administrator(viewer) {
            return Ok(None);
        }
        Ok(Some(
            self.store()
                .readable_audit_entries(self.entitlements(), limit, offset)
                .await?,
        ))
    }
}
