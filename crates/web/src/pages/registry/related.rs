//! The records related to a registry row, as its page lists them: each a link to a record the
//! reader may open (every list here comes from the reader's own view of the store), with the
//! labels of what is shown so that the page's banner covers them.

use std::collections::BTreeSet;

use pillar_core::project::Project;
use pillar_core::{Nation, RegistryKind, TechArea};
use pillar_label::Label;
use pillar_store::RegistryRow;

use crate::i18n::{Key, Lang};
use crate::names::Names;
use crate::pages::esc;
use crate::{AppState, ServerError, Viewer};

/// What a registry page shows below its fields.
pub(crate) struct Related {
    /// (heading, links as HTML), only headings with links.
    pub sections: Vec<(&'static str, Vec<String>)>,
    /// The labels of the records linked.
    pub labels: Vec<Label>,
}

/// Whether an agreement on `areas` covers `area`: it names the area or one the area falls
/// under in its taxonomy.
pub(crate) fn covers(tree: &[TechArea], areas: &[String], area: &str) -> bool {
    let mut at = Some(area);
    // A taxonomy is a tree; the bound only guards against a cycle in bad data.
    for _ in 0..=tree.len() {
        let Some(id) = at else { break };
        if areas.iter().any(|a| a == id) {
            return true;
        }
        at = tree
            .iter()
            .find(|t| t.id == id)
            .and_then(|t| t.parent.as_deref());
    }
    false
}

/// Whether `nation` is one of `parties`, directly or as a member of a group among them.
pub(crate) fn party_to(
    groups: &[Nation],
    parties: &[pillar_core::NationCode],
    nation: &str,
) -> bool {
    parties.iter().any(|p| {
        p.as_str() == nation
            || groups
                .iter()
                .any(|g| g.code == *p && g.members.iter().any(|m| m.as_str() == nation))
    })
}

/// The records related to `row` that `v` may open.
pub(crate) async fn of(
    state: &AppState,
    v: &Viewer,
    row: &RegistryRow,
    names: &Names,
    lang: Lang,
) -> Result<Related, ServerError> {
    let reader = state.store.reader(&v.readable);
    let projects = reader.projects().await?;
    let agreements = reader.agreements().await?;
    let nations = reader.nations().await?;
    let tree = reader.tech_areas().await?;
    let mut out = Related {
        sections: Vec::new(),
        labels: Vec::new(),
    };
    let id = row.id();
    // Registry rows of a kind that relate to this one.
    let mut rows_of = |kind: RegistryKind,
                       heading: Key,
                       rows: Vec<RegistryRow>,
                       keep: &dyn Fn(&RegistryRow) -> bool| {
        let kept: Vec<&RegistryRow> = rows.iter().filter(|r| keep(r)).collect();
        out.labels.extend(kept.iter().map(|r| r.label().clone()));
        let links = kept.iter().map(|r| names.link(kind, r.id())).collect();
        out.sections.push((lang.t(heading), links));
    };
    let related_projects: Vec<&Project> = match row {
        RegistryRow::Nation(n) => {
            let code = n.code.as_str();
            rows_of(
                RegistryKind::Nations,
                Key::MemberOf,
                reader.export(RegistryKind::Nations).await?,
                &|r| matches!(r, RegistryRow::Nation(g) if g.members.iter().any(|m| m.as_str() == code)),
            );
            rows_of(
                RegistryKind::Organisations,
                Key::Organisations,
                reader.export(RegistryKind::Organisations).await?,
                &|r| matches!(r, RegistryRow::Organisation(o) if o.nation.as_str() == code),
            );
            rows_of(
                RegistryKind::People,
                Key::People,
                reader.export(RegistryKind::People).await?,
                &|r| matches!(r, RegistryRow::Person(p) if p.nationality.as_str() == code),
            );
            projects
                .iter()
                .filter(|p| p.nations().iter().any(|x| x == code))
                .collect()
        }
        RegistryRow::Organisation(_) => {
            rows_of(
                RegistryKind::Organisations,
                Key::SubOrganisations,
                reader.export(RegistryKind::Organisations).await?,
                &|r| matches!(r, RegistryRow::Organisation(c) if c.parent.as_deref() == Some(id)),
            );
            rows_of(
                RegistryKind::People,
                Key::People,
                reader.export(RegistryKind::People).await?,
                &|r| matches!(r, RegistryRow::Person(p) if p.organisation.as_deref() == Some(id)),
            );
            projects
                .iter()
                .filter(|p| {
                    p.lead_organisation.as_deref() == Some(id)
                        || p.participants
                            .iter()
                            .any(|x| x.organisation.as_deref() == Some(id))
                        || p.transition.as_ref().is_some_and(|t| t.partner == id)
                })
                .collect()
        }
        RegistryRow::Person(_) => {
            // Their open action items, in the meetings the reader may read.
            let actions = reader.open_actions(Some(id)).await?;
            out.labels.extend(actions.iter().map(|a| a.label.clone()));
            let links = actions
                .iter()
                .map(|a| {
                    format!(
                        "<a href=\"/committee/meetings/{}\">{}</a> — {}",
                        esc(&a.meeting),
                        esc(&a.meeting_title),
                        esc(&a.action.text)
                    )
                })
                .collect();
            out.sections.push((lang.t(Key::OpenActions), links));
            projects
                .iter()
                .filter(|p| {
                    p.stewards.iter().any(|s| s == id)
                        || p.assessments.iter().any(|a| a.assessor == id)
                })
                .collect()
        }
        RegistryRow::TechArea(_) => {
            rows_of(
                RegistryKind::TechAreas,
                Key::SubAreas,
                reader.export(RegistryKind::TechAreas).await?,
                &|r| matches!(r, RegistryRow::TechArea(c) if c.parent.as_deref() == Some(id)),
            );
            // Projects in the area or in one under it.
            projects
                .iter()
                .filter(|p| {
                    p.workstreams
                        .iter()
                        .chain(&p.areas)
                        .any(|a| covers(&tree, std::slice::from_ref(&id.to_string()), a))
                })
                .collect()
        }
        RegistryRow::Agreement(_) => projects
            .iter()
            .filter(|p| p.agreement.as_deref() == Some(id))
            .collect(),
    };
    // The agreements it relates to: a nation's (a party, or in a group that is one), an
    // organisation's (governing its projects), an area's (covering it or an area above it).
    let governing: BTreeSet<&str> = related_projects
        .iter()
        .filter_map(|p| p.agreement.as_deref())
        .collect();
    let kept: Vec<_> = agreements
        .iter()
        .filter(|a| match row {
            RegistryRow::Nation(n) => party_to(&nations, &a.parties, n.code.as_str()),
            RegistryRow::Organisation(_) => governing.contains(a.id.as_str()),
            RegistryRow::TechArea(_) => covers(&tree, &a.areas, id),
            _ => false,
        })
        .collect();
    out.labels.extend(kept.iter().map(|a| a.label.clone()));
    out.sections.push((
        lang.t(Key::Agreements),
        kept.iter()
            .map(|a| names.link(RegistryKind::Agreements, &a.id))
            .collect(),
    ));
    out.labels
        .extend(related_projects.iter().map(|p| p.label.clone()));
    out.sections.push((
        lang.t(Key::Projects),
        related_projects
            .iter()
            .map(|p| {
                format!(
                    "<a href=\"/projects/{}\" title=\"{}\">{}</a>",
                    esc(&p.id),
                    esc(&p.id),
                    esc(&p.title)
                )
            })
            .collect(),
    ));
    // The documents of those projects, each only when the reader may read it.
    let mut seen = BTreeSet::new();
    let mut docs = Vec::new();
    for d in related_projects.iter().flat_map(|p| &p.documents) {
        if seen.insert(d.as_str()) {
            if let Some(info) = reader.document(d).await? {
                docs.push(info);
            }
        }
    }
    out.labels.extend(docs.iter().map(|d| d.label.clone()));
    out.sections.push((
        lang.t(Key::Documents),
        docs.iter()
            .map(|d| {
                format!(
                    "<a href=\"/documents/{}\">{}</a>",
                    esc(&d.id),
                    esc(&d.title)
                )
            })
            .collect(),
    ));
    out.sections.retain(|(_, links)| !links.is_empty());
    Ok(out)
}
