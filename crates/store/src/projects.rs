//! The joint R&D portfolio in the database: projects, their readiness assessments (fixed once
//! signed — the database refuses to change them) and the history of every change. Reads take
//! the reader's entitlements and filter inside the query; a project's label covers all of it.

use std::collections::{HashMap, HashSet};

use pillar_core::project::{Assessment, Project, ProjectContext};
use pillar_core::{InputError, RegistryKind};
use serde::Serialize;
use sqlx::Row as _;

use crate::db::Store;
use crate::error::StoreError;
use crate::registry::{intern_labels, RegistryRow};
use crate::visibility::{label_problem, Entitlements, Labelled};

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProjectImport {
    /// Projects created.
    pub created: usize,
    /// Projects changed.
    pub changed: usize,
    /// Projects identical to what was stored.
    pub unchanged: usize,
    /// Assessments added.
    pub assessments: usize,
}

/// One entry of a project's history.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    /// When.
    pub at: String,
    /// Who.
    pub by: String,
    /// What changed (`created`, or the fields).
    pub change: String,
}

/// The registry as the project checks see it.
struct Registry {
    nations: HashSet<String>,
    organisations: HashSet<String>,
    areas: HashMap<String, String>,
    agreements: HashSet<String>,
    /// (network, item) → kind, of every stored supply network.
    supply_items: HashMap<(String, String), String>,
}

impl ProjectContext for Registry {
    fn nation(&self, code: &str) -> bool {
        self.nations.contains(code)
    }
    fn organisation(&self, id: &str) -> bool {
        self.organisations.contains(id)
    }
    fn area_taxonomy(&self, id: &str) -> Option<String> {
        self.areas.get(id).cloned()
    }
    fn agreement(&self, id: &str) -> bool {
        self.agreements.contains(id)
    }
    fn supply_item(&self, network: &str, item: &str) -> Option<String> {
        self.supply_items
            .get(&(network.to_string(), item.to_string()))
            .cloned()
    }
}

/// The top-level fields whose values differ, for the history.
fn changed_fields(old: &Project, new: &Project) -> Vec<String> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return vec!["project".into()];
    };
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| k.as_str() != "assessments" && a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

const SELECT: &str = "SELECT p.id, p.body FROM projects p";
const ASSESSMENTS: &str = "SELECT project_id, id, scale, component, level, assessed_on, assessor, signed, evidence, answers FROM assessments";

impl Store {
    async fn project_registry(&self) -> Result<Registry, StoreError> {
        let mut r = Registry {
            nations: HashSet::new(),
            organisations: HashSet::new(),
            areas: HashMap::new(),
            agreements: HashSet::new(),
            supply_items: HashMap::new(),
        };
        for row in sqlx::query("SELECT network_id, id, kind FROM supply_items")
            .fetch_all(&self.pool)
            .await?
        {
            r.supply_items.insert((row.get(0), row.get(1)), row.get(2));
        }
        for kind in [
            RegistryKind::Nations,
            RegistryKind::Organisations,
            RegistryKind::TechAreas,
            RegistryKind::Agreements,
        ] {
            for row in self.export(kind).await? {
                match row {
                    RegistryRow::Nation(n) => {
                        r.nations.insert(n.code.to_string());
                    }
                    RegistryRow::Organisation(o) => {
                        r.organisations.insert(o.id);
                    }
                    RegistryRow::TechArea(a) => {
                        r.areas.insert(a.id, a.taxonomy);
                    }
                    RegistryRow::Agreement(a) => {
                        r.agreements.insert(a.id);
                    }
                    _ => {}
                }
            }
        }
        Ok(r)
    }

    /// Imports projects (each with the line it starts on in `file`): every project is checked
    /// against the registry and the policies first; then all are written in one transaction,
    /// or none. A project that exists is updated and the fields that changed go to its
    /// history; assessments are added, and a signed one is never changed.
    pub async fn import_projects(
        &self,
        file: &str,
        projects: &[(usize, Project)],
        by: &str,
        at: &str,
        audit: Option<&crate::audit::Audited<'_>>,
    ) -> Result<ProjectImport, StoreError> {
        let registry = self.project_registry().await?;
        let (set, _) = self.policy_set().await?;
        let mut ids = HashMap::new();
        for (line, p) in projects {
            let bad = |field: &str, reason: String| {
                StoreError::Input(InputError::new(
                    file,
                    Some(*line),
                    Some(&format!("projects[{}].{field}", p.id)),
                    reason,
                ))
            };
            if let Some(first) = ids.insert(p.id.as_str(), *line) {
                return Err(bad(
                    "id",
                    format!("project `{}` is also on line {first}", p.id),
                ));
            }
            p.check(&registry).map_err(|e| bad(&e.field, e.reason))?;
            if let Some(why) = label_problem(&set, &p.label) {
                return Err(bad("label", why));
            }
        }
        // Linked documents must exist.
        for (line, p) in projects {
            for (i, d) in p.documents.iter().enumerate() {
                let found: Option<String> =
                    sqlx::query_scalar("SELECT id FROM documents WHERE id = $1")
                        .bind(d)
                        .fetch_optional(&self.pool)
                        .await?;
                if found.is_none() {
                    return Err(StoreError::Input(InputError::new(
                        file,
                        Some(*line),
                        Some(&format!("projects[{}].documents[{i}]", p.id)),
                        format!("no document `{d}`"),
                    )));
                }
            }
        }
        self.check_project_stewardship(file, projects, by, &set)
            .await?;
        let mut tx = self.begin_write().await?;
        let (labels, _) = intern_labels(&mut tx, projects.iter().map(|(_, p)| &p.label)).await?;
        let mut report = ProjectImport::default();
        for (line, p) in projects {
            let label = labels[&p.label];
            let mut body = p.clone();
            body.assessments.clear();
            let text = serde_json::to_string(&body).expect("projects serialise");
            let old: Option<String> = sqlx::query_scalar("SELECT body FROM projects WHERE id = $1")
                .bind(&p.id)
                .fetch_optional(&mut *tx)
                .await?;
            // A project originates with its lead organisation and nation, recorded once.
            let origin = pillar_core::stewardship::project_origin(p);
            let change = match &old {
                None => {
                    sqlx::query(
                        "INSERT INTO projects (id, title, lead_nation, start_date, label_id, body, updated_at, updated_by, \
                         origin_org, origin_nation, committee_own) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    )
                    .bind(&p.id)
                    .bind(&p.title)
                    .bind(&p.lead_nation)
                    .bind(p.start.to_string())
                    .bind(label)
                    .bind(&text)
                    .bind(at)
                    .bind(by)
                    .bind(origin.organisation.as_deref())
                    .bind(origin.nation.as_str())
                    .bind(i64::from(origin.committee))
                    .execute(&mut *tx)
                    .await?;
                    report.created += 1;
                    Some("created".to_string())
                }
                Some(old) => {
                    let before: Project =
                        serde_json::from_str(old).map_err(|e| StoreError::Corrupt {
                            table: "projects",
                            reason: e.to_string(),
                        })?;
                    let fields = changed_fields(&before, &body);
                    if fields.is_empty() {
                        None
                    } else {
                        sqlx::query(
                            "UPDATE projects SET title = $2, lead_nation = $3, start_date = $4, label_id = $5, body = $6, updated_at = $7, updated_by = $8 WHERE id = $1",
                        )
                        .bind(&p.id)
                        .bind(&p.title)
                        .bind(&p.lead_nation)
                        .bind(p.start.to_string())
                        .bind(label)
                        .bind(&text)
                        .bind(at)
                        .bind(by)
                        .execute(&mut *tx)
                        .await?;
                        report.changed += 1;
                        Some(format!("changed: {}", fields.join(", ")))
                    }
                }
            };
            let stored: HashMap<String, (Assessment, bool)> =
                sqlx::query(&format!("{ASSESSMENTS} WHERE project_id = $1"))
                    .bind(&p.id)
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| {
                        let a = assessment(r);
                        (a.id.clone(), (a, r.get::<i64, _>(7) == 1))
                    })
                    .collect();
            let mut added = Vec::new();
            for (i, a) in p.assessments.iter().enumerate() {
                match stored.get(&a.id) {
                    Some((s, _)) if s == a => {}
                    Some((_, true)) => {
                        return Err(StoreError::Input(InputError::new(
                            file,
                            Some(*line),
                            Some(&format!("projects[{}].assessments[{i}]", p.id)),
                            format!(
                                "assessment `{}` is signed and is never edited; add a new assessment that supersedes it",
                                a.id
                            ),
                        )))
                    }
                    Some((_, false)) => {
                        sqlx::query(
                            "UPDATE assessments SET scale = $3, component = $4, level = $5, assessed_on = $6, assessor = $7, signed = $8, evidence = $9 \
                             WHERE project_id = $1 AND id = $2",
                        )
                        .bind(&p.id)
                        .bind(&a.id)
                        .bind(&a.scale)
                        .bind(a.component.clone())
                        .bind(a.level)
                        .bind(a.date.to_string())
                        .bind(&a.assessor)
                        .bind(i64::from(a.signed))
                        .bind(&a.evidence)
                        .execute(&mut *tx)
                        .await?;
                        added.push(format!("{} revised", a.id));
                    }
                    None => {
                        insert_assessment(&mut tx, &p.id, a).await?;
                        report.assessments += 1;
                        added.push(format!("{} added", a.id));
                    }
                }
            }
            let change = match (change, added.is_empty()) {
                (None, true) => {
                    report.unchanged += 1;
                    None
                }
                (None, false) => Some(format!("assessments: {}", added.join(", "))),
                (Some(c), true) => Some(c),
                (Some(c), false) if old.is_none() => {
                    Some(format!("{c} with {} assessment(s)", added.len()))
                }
                (Some(c), false) => Some(format!("{c}; assessments: {}", added.join(", "))),
            };
            if let Some(change) = change {
                sqlx::query(
                    "INSERT INTO project_history (project_id, at, by_person, label_id, change) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&p.id)
                .bind(at)
                .bind(by)
                .bind(label)
                .bind(change)
                .execute(&mut *tx)
                .await?;
            }
        }
        let touched: Vec<&pillar_label::Label> = projects.iter().map(|(_, p)| &p.label).collect();
        self.commit_touching(tx, audit, &touched).await?;
        Ok(report)
    }

    /// Who may make an import's changes. The operator (`by` = `operator`, the command line's
    /// default) imports as the platform's keeper of record; a person named with `--by` is held
    /// to the stewardship table: creating needs a writing role, changing a project needs its
    /// stewardship (its lead organisation or named stewards), lowering its label a release
    /// authority of its lead nation, adding assessments a participating organisation.
    async fn check_project_stewardship(
        &self,
        file: &str,
        projects: &[(usize, Project)],
        by: &str,
        set: &pillar_label::PolicySet,
    ) -> Result<(), StoreError> {
        use pillar_core::stewardship::{
            may_assess, may_change, may_create, may_release, project_origin,
        };
        if by == "operator" {
            return Ok(());
        }
        let Some(person) = self.person(by).await? else {
            return Err(StoreError::Input(InputError::new(
                file,
                None,
                None,
                format!("--by: no person `{by}` in the registry (or `operator`)"),
            )));
        };
        for (line, p) in projects {
            let refused = |why: pillar_core::stewardship::Refusal| {
                StoreError::Refused(format!("{file}:{line}: project `{}`: {why}", p.id))
            };
            let old: Option<String> = sqlx::query_scalar("SELECT body FROM projects WHERE id = $1")
                .bind(&p.id)
                .fetch_optional(&self.pool)
                .await?;
            let Some(old) = old else {
                may_create(&person).map_err(refused)?;
                continue;
            };
            let before: Project = serde_json::from_str(&old).map_err(|e| StoreError::Corrupt {
                table: "projects",
                reason: e.to_string(),
            })?;
            // The origin recorded at creation; the stewards the project names now.
            let mut origin = self
                .origin_of(crate::Kept::Project, &p.id, None)
                .await?
                .unwrap_or_else(|| project_origin(&before));
            origin.stewards = before.stewards.clone();
            let mut body = p.clone();
            body.assessments.clear();
            if !changed_fields(&before, &body).is_empty() {
                may_change(&person, &origin).map_err(refused)?;
            }
            if let (Ok(a), Ok(b)) = (set.resolve(&before.label), set.resolve(&p.label)) {
                if set.is_lowering(&a, &b).unwrap_or(true) {
                    may_release(&person, &origin).map_err(refused)?;
                }
            }
            let known: HashSet<String> =
                sqlx::query_scalar::<_, String>("SELECT id FROM assessments WHERE project_id = $1")
                    .bind(&p.id)
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .collect();
            if p.assessments.iter().any(|a| !known.contains(&a.id)) {
                may_assess(&person, &before).map_err(refused)?;
            }
        }
        Ok(())
    }

    /// Adds one assessment to a project the author may read (the web calculator). The same
    /// checks as an import: a level inside its scale, a known component, a date not before the
    /// start, an id not used yet. Recorded in the project's history. `Ok(None)` when the project
    /// is not readable. The audit entry `entry` (which gets the project's label) is written in
    /// the same transaction. Whether the author may assess it is decided before
    /// (`pillar_core::stewardship::may_assess`).
    pub async fn add_assessment(
        &self,
        project: &str,
        readable: &Entitlements,
        a: &Assessment,
        at: &str,
        entry: &crate::audit::AuditEvent,
    ) -> Result<Option<()>, StoreError> {
        let Some(mut p) = self.project(project, readable).await? else {
            return Ok(None);
        };
        if p.assessments.iter().any(|x| x.id == a.id) {
            return Err(StoreError::Input(InputError::new(
                "assessment",
                None,
                Some("id"),
                format!("`{}` is already used in this project", a.id),
            )));
        }
        p.assessments.push(a.clone());
        let registry = self.project_registry().await?;
        p.check(&registry).map_err(|e| {
            StoreError::Input(InputError::new(
                "assessment",
                None,
                Some(&e.field),
                e.reason,
            ))
        })?;
        let label = self
            .label_id(&p.label)
            .await?
            .ok_or_else(|| StoreError::Corrupt {
                table: "projects",
                reason: "a project's label is not interned".into(),
            })?;
        let mut tx = self.begin_write().await?;
        insert_assessment(&mut tx, project, a).await?;
        sqlx::query(
            "INSERT INTO project_history (project_id, at, by_person, label_id, change) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(project)
        .bind(at)
        .bind(&a.assessor)
        .bind(label)
        .bind(format!(
            "assessments: {} added ({} {}{})",
            a.id,
            a.scale,
            a.level,
            if a.signed { ", signed" } else { "" }
        ))
        .execute(&mut *tx)
        .await?;
        let appended = self
            .append_audit(&mut tx, at, entry, Some(&p.label))
            .await?;
        self.commit_audited(tx, appended).await?;
        Ok(Some(()))
    }

    /// The projects `readable` allows, with their assessments, by id. `None` reads every
    /// project (operator export).
    pub(crate) async fn projects(
        &self,
        readable: Option<&Entitlements>,
    ) -> Result<Vec<Project>, StoreError> {
        self.read_projects(readable, None).await
    }

    /// One project, if it exists and is readable.
    pub(crate) async fn project(
        &self,
        id: &str,
        readable: &Entitlements,
    ) -> Result<Option<Project>, StoreError> {
        Ok(self
            .read_projects(Some(readable), Some(id))
            .await?
            .into_iter()
            .next())
    }

    /// One project as recorded, every link named: for decisions about it (who may assess
    /// it), never for display. Callers decide first that the person may read it.
    pub(crate) async fn project_as_recorded(
        &self,
        id: &str,
    ) -> Result<Option<Project>, StoreError> {
        Ok(self.read_projects(None, Some(id)).await?.into_iter().next())
    }

    async fn read_projects(
        &self,
        readable: Option<&Entitlements>,
        id: Option<&str>,
    ) -> Result<Vec<Project>, StoreError> {
        let one = if id.is_some() { " AND p.id = $1" } else { "" };
        let labelled = Labelled::filtered(
            self.backend(),
            readable,
            &format!("{SELECT} WHERE {{label:p.label_id}}{one} ORDER BY p.id"),
        );
        let mut q = sqlx::query_as::<_, (String, String)>(labelled.sql());
        if let Some(id) = id {
            q = q.bind(id);
        }
        let q = labelled.bind(q);
        let rows = q.fetch_all(&self.pool).await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let wanted: HashSet<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
        let mut assessments: HashMap<String, Vec<Assessment>> = HashMap::new();
        let sql = match id {
            Some(_) => format!("{ASSESSMENTS} WHERE project_id = $1 ORDER BY assessed_on, id"),
            None => format!("{ASSESSMENTS} ORDER BY assessed_on, id"),
        };
        let mut q = sqlx::query(&sql);
        if let Some(id) = id {
            q = q.bind(id);
        }
        for r in q.fetch_all(&self.pool).await? {
            let project: String = r.get(0);
            if wanted.contains(project.as_str()) {
                assessments.entry(project).or_default().push(assessment(&r));
            }
        }
        // Agreements, organisations and people the reader may not read are not named either.
        let (agreements, organisations, people) = match readable {
            Some(r) => (
                Some(self.readable_ids("agreements", r).await?),
                Some(self.readable_ids("organisations", r).await?),
                Some(self.readable_ids("people", r).await?),
            ),
            None => (None, None, None),
        };
        let mut projects = Vec::with_capacity(rows.len());
        for (id, body) in rows {
            let mut p: Project = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
                table: "projects",
                reason: e.to_string(),
            })?;
            p.assessments = assessments.remove(&id).unwrap_or_default();
            // Linked documents the reader may not read are not named.
            if let Some(r) = readable {
                let mut shown = Vec::with_capacity(p.documents.len());
                for d in std::mem::take(&mut p.documents) {
                    if self.document(&d, r).await?.is_some() {
                        shown.push(d);
                    }
                }
                p.documents = shown;
            }
            if let Some(a) = &agreements {
                p.agreement = p.agreement.filter(|x| a.contains(x));
            }
            if let Some(o) = &organisations {
                let seen = |x: &Option<String>| x.clone().filter(|x| o.contains(x));
                p.lead_organisation = seen(&p.lead_organisation);
                for part in &mut p.participants {
                    part.organisation = seen(&part.organisation);
                }
                p.transition = p.transition.filter(|t| o.contains(&t.partner));
            }
            if let Some(people) = &people {
                p.stewards.retain(|s| people.contains(s));
                p.assessors.retain(|s| people.contains(s));
                for a in &mut p.assessments {
                    if !people.contains(&a.assessor) {
                        a.assessor.clear();
                    }
                }
            }
            projects.push(p);
        }
        Ok(projects)
    }

    /// The history of a readable project, oldest first; empty when it is not readable. Each
    /// entry is shown only when its own label (the project's label at the time) is readable.
    pub(crate) async fn project_history(
        &self,
        id: &str,
        readable: &Entitlements,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        if self.project(id, readable).await?.is_none() {
            return Ok(Vec::new());
        }
        let q = Labelled::filtered(
            self.backend(),
            Some(readable),
            "SELECT at, by_person, change FROM project_history WHERE project_id = $1 \
             AND {label:label_id} ORDER BY at, change",
        );
        let rows = q
            .bind_rows(sqlx::query(q.sql()).bind(id))
            .fetch_all(&self.pool)
            .await?;
        // People the reader may not see are not named (the operator is nobody's secret).
        let people = self.readable_ids("people", readable).await?;
        Ok(rows
            .iter()
            .map(|r| {
                let by: String = r.get(1);
                HistoryEntry {
                    at: r.get(0),
                    by: if by == "operator" || people.contains(&by) {
                        by
                    } else {
                        String::new()
                    },
                    change: r.get(2),
                }
            })
            .collect())
    }
}

async fn insert_assessment(
    conn: &mut sqlx::AnyConnection,
    project: &str,
    a: &Assessment,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO assessments (project_id, id, scale, component, level, assessed_on, assessor, signed, evidence, answers) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(project)
    .bind(&a.id)
    .bind(&a.scale)
    .bind(a.component.clone())
    .bind(a.level)
    .bind(a.date.to_string())
    .bind(&a.assessor)
    .bind(i64::from(a.signed))
    .bind(&a.evidence)
    .bind(a.answers.as_ref().map(|v| v.to_string()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn assessment(r: &sqlx::any::AnyRow) -> Assessment {
    let date: String = r.get(5);
    Assessment {
        id: r.get(1),
        scale: r.get(2),
        component: r.get(3),
        level: r.get(4),
        date: date.parse().unwrap_or_default(),
        assessor: r.get(6),
        signed: r.get::<i64, _>(7) == 1,
        evidence: r.get(8),
        answers: r
            .get::<Option<String>, _>(9)
            .and_then(|a| serde_json::from_str(&a).ok()),
    }
}
