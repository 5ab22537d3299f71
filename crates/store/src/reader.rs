//! The two ways into labelled data. A [`Reader`] is a person's view: every read of labelled
//! rows made for a signed-in person (or a command run `--as` one) goes through one, and shows
//! only what their entitlements allow — lists, counts, search hits, exports, and the people,
//! organisations and agreements a record links. An [`Operator`] is the unfiltered view of the
//! one who runs the installation (the CLI's operator commands, seeding, checks); nothing a
//! signed-in person reaches holds one.

use pillar_core::committee::{Committee, Meeting};
use pillar_core::project::Project;
use pillar_core::stewardship::Origin;
use pillar_core::RegistryKind;

use crate::committee::{MeetingSummary, OpenAction};
use crate::db::Store;
use crate::documents::{DocumentInfo, SearchHits};
use crate::error::StoreError;
use crate::landscapes::Landscape;
use crate::origins::ShownOrigin;
use crate::projects::HistoryEntry;
use crate::registry::RegistryRow;
use crate::visibility::Entitlements;

/// A person's view of the store: what `entitlements` allow, and nothing else.
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    store: &'a Store,
    readable: &'a Entitlements,
}

/// The operator's unfiltered view (see the module's documentation).
#[derive(Clone, Copy)]
pub struct Operator<'a> {
    store: &'a Store,
}

impl Store {
    /// The view of a person who may read what `readable` allows.
    pub fn reader<'a>(&'a self, readable: &'a Entitlements) -> Reader<'a> {
        Reader {
            store: self,
            readable,
        }
    }

    /// The operator's unfiltered view: for the CLI's operator commands, never for a request.
    pub fn operator(&self) -> Operator<'_> {
        Operator { store: self }
    }
}

impl<'a> Reader<'a> {
    /// The store read.
    pub(crate) fn store(self) -> &'a Store {
        self.store
    }

    /// What this reader may read.
    pub fn entitlements(self) -> &'a Entitlements {
        self.readable
    }

    /// A document, if it exists and is readable.
    pub async fn document(self, id: &str) -> Result<Option<DocumentInfo>, StoreError> {
        self.store.document(id, self.readable).await
    }

    /// The versions of a readable document, newest first: (version, sha256, size, uploader,
    /// when).
    pub async fn document_versions(
        self,
        id: &str,
    ) -> Result<Vec<(i64, String, i64, String, String)>, StoreError> {
        self.store.document_versions(id, self.readable).await
    }

    /// Readable documents matching `query`, best first (the newest when it is empty); see
    /// [`Store::search_documents`].
    pub async fn search_documents(self, query: &str, limit: i64) -> Result<SearchHits, StoreError> {
        self.store
            .search_documents(query, self.readable, limit)
            .await
    }

    /// The text of the current version of each of `docs`, by id — for the snippets of a
    /// search's results. Only documents this reader may read are looked up.
    pub async fn document_texts(
        self,
        docs: &[DocumentInfo],
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let readable: Vec<DocumentInfo> = docs
            .iter()
            .filter(|d| self.readable.allows(d.label_id))
            .cloned()
            .collect();
        self.store.current_texts(&readable).await
    }

    /// [`Reader::search_documents`] with another bound on the candidates ranked.
    pub async fn search_documents_among(
        self,
        query: &str,
        limit: i64,
        candidates: i64,
    ) -> Result<SearchHits, StoreError> {
        self.store
            .search_documents_among(query, self.readable, limit, candidates)
            .await
    }

    /// The readable projects, with their assessments, by id.
    pub async fn projects(self) -> Result<Vec<Project>, StoreError> {
        self.store.projects(Some(self.readable)).await
    }

    /// One project, if it exists and is readable.
    pub async fn project(self, id: &str) -> Result<Option<Project>, StoreError> {
        self.store.project(id, self.readable).await
    }

    /// The history of a readable project, oldest first.
    pub async fn project_history(self, id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        self.store.project_history(id, self.readable).await
    }

    /// The readable committees and working groups.
    pub async fn committees(self) -> Result<Vec<Committee>, StoreError> {
        self.store.committees(Some(self.readable)).await
    }

    /// The readable meetings, newest first.
    pub async fn meetings(self) -> Result<Vec<MeetingSummary>, StoreError> {
        self.store.meetings(self.readable).await
    }

    /// A readable meeting with the items this reader may see, and their labels.
    pub async fn meeting(
        self,
        id: &str,
    ) -> Result<Option<(Meeting, Vec<pillar_label::Label>)>, StoreError> {
        self.store.meeting(id, self.readable).await
    }

    /// A readable action item of a readable meeting: its position, record (the owner as
    /// stored) and label.
    pub async fn action(
        self,
        meeting: &str,
        action: &str,
    ) -> Result<Option<(i64, pillar_core::committee::Action, pillar_label::Label)>, StoreError>
    {
        self.store.action(meeting, action, self.readable).await
    }

    /// Open action items this reader may see, by due date; only `owner`'s when given.
    pub async fn open_actions(self, owner: Option<&str>) -> Result<Vec<OpenAction>, StoreError> {
        self.store.open_actions(self.readable, owner).await
    }

    /// The readable landscape analyses (without their bodies).
    pub async fn landscapes(self) -> Result<Vec<Landscape>, StoreError> {
        self.store.landscapes(self.readable).await
    }

    /// One readable landscape analysis, with its body.
    pub async fn landscape(self, id: &str) -> Result<Option<Landscape>, StoreError> {
        self.store.landscape(id, self.readable).await
    }

    /// The readable supply networks (each under one label), by id.
    pub async fn supply_networks(self) -> Result<Vec<crate::SupplyNetworkInfo>, StoreError> {
        self.store.supply_networks(Some(self.readable)).await
    }

    /// One readable supply network as the supply engine's network.
    pub async fn supply_network(
        self,
        id: &str,
    ) -> Result<Option<(crate::SupplyNetworkInfo, pillar_supply::Network)>, StoreError> {
        let Some((info, rows)) = self.store.load_supply(id, Some(self.readable)).await? else {
            return Ok(None);
        };
        let net = crate::supply::network_of(&rows).map_err(|reason| StoreError::Corrupt {
            table: "supply_networks",
            reason: format!("{id}: {reason}"),
        })?;
        Ok(Some((info, net)))
    }

    /// The readable agreements.
    pub async fn agreements(self) -> Result<Vec<pillar_core::Agreement>, StoreError> {
        Ok(crate::registry::picked(
            self.export(RegistryKind::Agreements).await?,
        ))
    }

    /// The readable nations and groups.
    pub async fn nations(self) -> Result<Vec<pillar_core::Nation>, StoreError> {
        Ok(crate::registry::picked(
            self.export(RegistryKind::Nations).await?,
        ))
    }

    /// The readable technology areas.
    pub async fn tech_areas(self) -> Result<Vec<pillar_core::TechArea>, StoreError> {
        Ok(crate::registry::picked(
            self.export(RegistryKind::TechAreas).await?,
        ))
    }

    /// The readable rows of a registry kind.
    pub async fn export(self, kind: RegistryKind) -> Result<Vec<RegistryRow>, StoreError> {
        self.store.export_visible(kind, self.readable).await
    }

    /// One readable row of a registry kind.
    pub async fn registry_row(
        self,
        kind: RegistryKind,
        id: &str,
    ) -> Result<Option<RegistryRow>, StoreError> {
        Ok(self.export(kind).await?.into_iter().find(|r| r.id() == id))
    }

    /// The id of a readable person, if one exists (naming stewards and assessors).
    pub async fn person_id(self, id: &str) -> Result<Option<String>, StoreError> {
        self.store.person_visible(id, self.readable).await
    }

    /// Where readable record `id` of `kind` comes from (`None` when it does not exist or is not
    /// readable).
    pub async fn origin_of(
        self,
        kind: crate::Kept,
        id: &str,
    ) -> Result<Option<Origin>, StoreError> {
        self.store.origin_of(kind, id, Some(self.readable)).await
    }

    /// A readable project as recorded, every link named: for decisions about it (who may
    /// assess it), never for display.
    pub async fn project_as_recorded(self, id: &str) -> Result<Option<Project>, StoreError> {
        if self.project(id).await?.is_none() {
            return Ok(None);
        }
        self.store.project_as_recorded(id).await
    }

    /// `origin` as this reader may be shown it.
    pub async fn shown_origin(self, origin: &Origin) -> Result<ShownOrigin, StoreError> {
        self.store.shown_origin(origin, self.readable).await
    }
}

impl Operator<'_> {
    /// Every project, with its assessments (operator export).
    pub async fn projects(&self) -> Result<Vec<Project>, StoreError> {
        self.store.projects(None).await
    }

    /// Every committee and working group.
    pub async fn committees(&self) -> Result<Vec<Committee>, StoreError> {
        self.store.committees(None).await
    }

    /// How many rows of a registry kind there are.
    pub async fn count(&self, kind: RegistryKind) -> Result<i64, StoreError> {
        self.store.count(kind).await
    }

    /// How many distinct labels are stored.
    pub async fn label_count(&self) -> Result<i64, StoreError> {
        self.store.label_count().await
    }

    /// How many landscape analyses are published.
    pub async fn landscape_count(&self) -> Result<i64, StoreError> {
        self.store.landscape_count().await
    }

    /// How many records of `kind` have no recorded origin (none, normally).
    pub async fn records_without_origin(&self, kind: crate::Kept) -> Result<i64, StoreError> {
        self.store.records_without_origin(kind).await
    }

    /// Every stored supply network.
    pub async fn supply_networks(&self) -> Result<Vec<crate::SupplyNetworkInfo>, StoreError> {
        self.store.supply_networks(None).await
    }

    /// A stored supply network with its rows.
    pub async fn load_supply(
        &self,
        id: &str,
    ) -> Result<Option<(crate::SupplyNetworkInfo, crate::SupplyRows)>, StoreError> {
        self.store.load_supply(id, None).await
    }

    /// Where record `id` of `kind` comes from.
    pub async fn origin_of(
        &self,
        kind: crate::Kept,
        id: &str,
    ) -> Result<Option<Origin>, StoreError> {
        self.store.origin_of(kind, id, None).await
    }

    /// Every row of a registry kind, ordered by id.
    pub async fn export(&self, kind: RegistryKind) -> Result<Vec<RegistryRow>, StoreError> {
        self.store.export(kind).await
    }

    /// The newest `limit` audit entries, every one (`pillar audit log`).
    pub async fn audit_entries(
        &self,
        limit: i64,
    ) -> Result<Vec<crate::audit::AuditEntry>, StoreError> {
        self.store.audit_entries(limit).await
    }
}
