//! Shipped data: the reference registry (nations, groups, technology-area taxonomies) and the
//! fictional demo coalition. Both are loaded through the ordinary import path, so they obey the
//! same checks as any user's file.

use pillar_core::stewardship::Origin;
use pillar_core::RegistryKind;
use pillar_label::Label;

use crate::audit::{AuditEvent, Audited};
use crate::db::Store;
use crate::error::{InputError, StoreError};
use crate::files::read_rows;
use crate::registry::ImportReport;

/// A shipped data file.
pub struct DataFile {
    /// Kind of rows.
    pub kind: RegistryKind,
    /// File name (shown in errors and reports).
    pub name: &'static str,
    /// Contents.
    pub bytes: &'static [u8],
}

/// Public reference data: nations, groups, taxonomies.
pub const REFERENCE: &[DataFile] = &[
    DataFile {
        kind: RegistryKind::Nations,
        name: "reference/nations.csv",
        bytes: include_bytes!("../data/reference/nations.csv"),
    },
    DataFile {
        kind: RegistryKind::TechAreas,
        name: "reference/tech-areas.csv",
        bytes: include_bytes!("../data/reference/tech-areas.csv"),
    },
];

/// The fictional demo coalition.
pub const DEMO: &[DataFile] = &[
    DataFile {
        kind: RegistryKind::Organisations,
        name: "demo/organisations.csv",
        bytes: include_bytes!("../data/demo/organisations.csv"),
    },
    DataFile {
        kind: RegistryKind::People,
        name: "demo/people.json",
        bytes: include_bytes!("../data/demo/people.json"),
    },
    DataFile {
        kind: RegistryKind::Agreements,
        name: "demo/agreements.json",
        bytes: include_bytes!("../data/demo/agreements.json"),
    },
];

/// Who seeds, and when. With it, every seeding transaction carries its own audit entry,
/// written in that transaction (no seeded data without its entry); without it (test fixtures,
/// a store with no audit trail) nothing is audited.
pub struct Seeding<'a> {
    /// Who runs the seeding (the operator's account).
    pub actor: &'a str,
    /// When.
    pub at: &'a str,
}

impl Seeding<'_> {
    /// The entry of seeding `object`.
    pub fn entry(&self, object: &str, detail: &str) -> AuditEvent {
        AuditEvent::new(self.actor, "seed", object, "ok", detail)
    }
}

/// Commits-with-entry for `object` when seeding is audited.
fn audited<'a>(by: Option<&'a Seeding<'a>>, entry: &'a Option<AuditEvent>) -> Option<Audited<'a>> {
    by.zip(entry.as_ref())
        .map(|(s, event)| Audited { at: s.at, event })
}

/// Loads `files` unless their kind already has rows; returns what was loaded. Shipped data is
/// the committee's own, of the committee as a whole (`pillar_core::stewardship::COMMITTEE`).
pub async fn seed(
    store: &Store,
    files: &[DataFile],
    default_label: &Label,
    by: Option<&Seeding<'_>>,
) -> Result<Vec<ImportReport>, StoreError> {
    let origin = Origin::committee(None, None);
    let mut reports = Vec::new();
    for f in files {
        if store.count(f.kind).await? > 0 {
            continue;
        }
        let rows = read_rows(f.name, f.bytes, f.kind)?;
        let entry = by.map(|s| {
            s.entry(
                &format!("{}:{}", f.kind.name(), f.name),
                &format!("{} rows", rows.len()),
            )
        });
        reports.push(
            store
                .import(
                    f.kind,
                    f.name,
                    &rows,
                    default_label,
                    &origin,
                    &mut |_, _| {},
                    audited(by, &entry).as_ref(),
                )
                .await?,
        );
    }
    Ok(reports)
}

/// The demo portfolio (`data/demo/projects.json`, written by `scripts/demo-projects.py`).
pub const DEMO_PROJECTS: (&str, &str) = (
    "demo/projects.json",
    include_str!("../data/demo/projects.json"),
);

/// Loads the demo portfolio unless projects exist; how many projects were loaded.
pub async fn seed_projects(
    store: &Store,
    at: &str,
    by: Option<&Seeding<'_>>,
) -> Result<usize, StoreError> {
    if !store.projects(None).await?.is_empty() {
        return Ok(0);
    }
    // Some demo projects deliver end items of the demo supply network: it comes first (the
    // committee's own, unclassified, unless already stored).
    let unclassified = pillar_label::Label::new(
        pillar_label::Label::coalition_policy(),
        pillar_label::COALITION_UNCLASSIFIED,
    );
    seed_supply(store, at, &unclassified, by).await?;
    let (name, text) = DEMO_PROJECTS;
    let projects = pillar_core::project::read_projects(name, text)?;
    let entry = by.map(|s| s.entry(&format!("projects:{name}"), ""));
    let report = store
        .import_projects(
            name,
            &projects,
            "operator",
            at,
            audited(by, &entry).as_ref(),
        )
        .await?;
    Ok(report.created)
}

/// The demo committee (`data/demo/committee.json`, written by `scripts/demo-committee.py`).
pub const DEMO_COMMITTEE: (&str, &str) = (
    "demo/committee.json",
    include_str!("../data/demo/committee.json"),
);

/// The demo committee's secretariat, who originates its records.
pub const DEMO_SECRETARIAT: &str = "us-secretariat";

/// Loads the demo committee and its meetings unless committees exist; how many meetings.
pub async fn seed_committee(store: &Store, by: Option<&Seeding<'_>>) -> Result<usize, StoreError> {
    if !store.committees(None).await?.is_empty() {
        return Ok(0);
    }
    let (name, text) = DEMO_COMMITTEE;
    let data: pillar_core::committee::CommitteeFile = serde_json::from_str(text)
        .map_err(|e| InputError::new(name, Some(e.line()), None, e.to_string()))?;
    // The demo committee's records originate with its secretariat (a fictional US person).
    let origin = match store.person(DEMO_SECRETARIAT).await? {
        Some(p) => Origin::of(&p, Vec::new()),
        None => Origin::committee(None, None),
    };
    let entry = by.map(|s| s.entry(&format!("committee:{name}"), ""));
    Ok(store
        .import_committee(name, &data, &origin, audited(by, &entry).as_ref())
        .await?
        .1)
}

/// The demo documents (`data/demo/documents.json`): a dozen short texts, fictional, under
/// several labels and from several nations, so that search has something to find.
pub const DEMO_DOCUMENTS: (&str, &str) = (
    "demo/documents.json",
    include_str!("../data/demo/documents.json"),
);

/// One demo document.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoDocument {
    id: String,
    title: String,
    label: pillar_label::Label,
    /// The person who uploads it (its origin is theirs).
    by: String,
    filename: String,
    text: String,
}

/// Stores the demo documents (their text as plain-text files in `blobs`) unless documents
/// exist; how many were stored. Each goes through the same write as an upload, with its audit
/// entry.
pub async fn seed_documents(
    store: &Store,
    blobs: &crate::blobs::Blobs,
    at: &str,
) -> Result<usize, StoreError> {
    if store.document_count().await? > 0 {
        return Ok(0);
    }
    let (name, text) = DEMO_DOCUMENTS;
    let docs: Vec<DemoDocument> = serde_json::from_str(text)
        .map_err(|e| InputError::new(name, Some(e.line()), None, e.to_string()))?;
    for d in &docs {
        let person = store.person(&d.by).await?.ok_or_else(|| {
            InputError::new(name, None, Some("by"), format!("no person `{}`", d.by))
        })?;
        let sha = blobs.put(d.text.as_bytes()).await.map_err(|e| {
            StoreError::Location(format!("cannot store the demo document `{}`: {e}", d.id))
        })?;
        let upload = crate::documents::Upload {
            sha256: &sha,
            size: d.text.len() as i64,
            media_type: "text/plain",
            filename: &d.filename,
            text: &d.text,
        };
        let entry = AuditEvent::new(
            &d.by,
            "create",
            &format!("document:{}", d.id),
            "allow",
            &sha,
        );
        store
            .create_document(
                &d.id,
                &d.title,
                &d.label,
                &Origin::of(&person, Vec::new()),
                &d.by,
                at,
                &upload,
                &entry,
            )
            .await?;
    }
    Ok(docs.len())
}

/// The demo technology-landscape analyses (`data/demo/landscapes.json`, written by
/// `scripts/demo-landscape.sh` from a synthetic corpus).
pub const DEMO_LANDSCAPES: (&str, &str) = (
    "demo/landscapes.json",
    include_str!("../data/demo/landscapes.json"),
);

/// Publishes the demo analyses unless some exist; how many were published.
pub async fn seed_landscapes(
    store: &Store,
    at: &str,
    by: Option<&Seeding<'_>>,
) -> Result<usize, StoreError> {
    if store.landscape_count().await? > 0 {
        return Ok(0);
    }
    let (name, text) = DEMO_LANDSCAPES;
    let file: crate::landscapes::LandscapeFile = serde_json::from_str(text)
        .map_err(|e| InputError::new(name, Some(e.line()), None, e.to_string()))?;
    for l in &file.landscapes {
        let entry = by.map(|s| s.entry(&format!("landscape:{}", l.id), ""));
        store
            .publish_landscape(
                &l.id,
                &l.name,
                &l.label,
                &l.analysis,
                "demo",
                &Origin::committee(None, None),
                at,
                audited(by, &entry).as_ref(),
            )
            .await?;
    }
    Ok(file.landscapes.len())
}

/// The shipped demo supply network (`demo-materials`, systems on critical materials), under
/// `label`, unless it is stored already; returns whether it was stored.
pub async fn seed_supply(
    store: &Store,
    at: &str,
    label: &pillar_label::Label,
    by: Option<&Seeding<'_>>,
) -> Result<bool, StoreError> {
    const ID: &str = "demo-materials";
    if store
        .supply_networks(None)
        .await?
        .iter()
        .any(|n| n.id == ID)
    {
        return Ok(false);
    }
    let net = pillar_supply::parse_bundle(&pillar_supply::demo_bundle())?;
    let entry = by.map(|s| s.entry(&format!("supply-network:{ID}"), ""));
    store
        .import_supply(
            ID,
            "Demo systems on critical materials",
            label,
            &crate::supply::rows_of(&net),
            at,
            &Origin::committee(None, None),
            audited(by, &entry).as_ref(),
        )
        .await?;
    Ok(true)
}
