//! The coalition registry: import (all rows or none), export, counts.

use std::collections::{HashMap, HashSet};

use pillar_core::{
    Agreement, FieldError, Nation, Organisation, Person, Record, RegistryKind, TechArea,
};
use pillar_label::Label;
use serde::Serialize;
use sqlx::{AnyConnection, Row as _};

use crate::db::Store;
use crate::error::{InputError, StoreError};
use crate::sql::{insert_rows, placeholders, Val};
use crate::visibility::Entitlements;
use pillar_core::Row;

/// One row of the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum RegistryRow {
    /// A nation or group.
    Nation(Nation),
    /// An organisation.
    Organisation(Organisation),
    /// A person.
    Person(Person),
    /// A technology area.
    TechArea(TechArea),
    /// An agreement.
    Agreement(Agreement),
}

impl RegistryRow {
    /// Builds a row of `kind` from a record.
    pub fn from_record(kind: RegistryKind, r: &Record, label: &Label) -> Result<Self, FieldError> {
        Ok(match kind {
            RegistryKind::Nations => RegistryRow::Nation(Nation::from_record(r, label)?),
            RegistryKind::Organisations => {
                RegistryRow::Organisation(Organisation::from_record(r, label)?)
            }
            RegistryKind::People => RegistryRow::Person(Person::from_record(r, label)?),
            RegistryKind::TechAreas => RegistryRow::TechArea(TechArea::from_record(r, label)?),
            RegistryKind::Agreements => RegistryRow::Agreement(Agreement::from_record(r, label)?),
        })
    }

    /// The row's kind.
    pub fn kind(&self) -> RegistryKind {
        match self {
            RegistryRow::Nation(_) => RegistryKind::Nations,
            RegistryRow::Organisation(_) => RegistryKind::Organisations,
            RegistryRow::Person(_) => RegistryKind::People,
            RegistryRow::TechArea(_) => RegistryKind::TechAreas,
            RegistryRow::Agreement(_) => RegistryKind::Agreements,
        }
    }

    /// The row's identifier.
    pub fn id(&self) -> &str {
        match self {
            RegistryRow::Nation(n) => n.code.as_str(),
            RegistryRow::Organisation(o) => &o.id,
            RegistryRow::Person(p) => &p.id,
            RegistryRow::TechArea(a) => &a.id,
            RegistryRow::Agreement(a) => &a.id,
        }
    }

    /// The row's label.
    pub fn label(&self) -> &Label {
        match self {
            RegistryRow::Nation(n) => &n.label,
            RegistryRow::Organisation(o) => &o.label,
            RegistryRow::Person(p) => &p.label,
            RegistryRow::TechArea(a) => &a.label,
            RegistryRow::Agreement(a) => &a.label,
        }
    }

    /// The record form (CSV columns).
    pub fn to_record(&self) -> Record {
        match self {
            RegistryRow::Nation(n) => n.to_record(),
            RegistryRow::Organisation(o) => o.to_record(),
            RegistryRow::Person(p) => p.to_record(),
            RegistryRow::TechArea(a) => a.to_record(),
            RegistryRow::Agreement(a) => a.to_record(),
        }
    }

    /// A row of the same kind this row must come after when inserted (its parent, or for a
    /// group its members).
    fn depends_on(&self) -> Box<dyn Iterator<Item = &str> + '_> {
        match self {
            RegistryRow::Nation(n) => Box::new(n.members.iter().map(|m| m.as_str())),
            RegistryRow::Organisation(o) => Box::new(o.parent.as_deref().into_iter()),
            RegistryRow::TechArea(a) => Box::new(a.parent.as_deref().into_iter()),
            _ => Box::new(std::iter::empty()),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// The kind imported.
    pub kind: RegistryKind,
    /// Rows written.
    pub rows: usize,
    /// Distinct labels that were new to the database.
    pub new_labels: usize,
}

/// The rows of a file checked against each other and the database, in insertion order.
struct Checked {
    rows: Vec<RegistryRow>,
}

async fn ids(conn: &mut AnyConnection, sql: &str) -> Result<HashSet<String>, StoreError> {
    let rows = sqlx::query(sql).fetch_all(&mut *conn).await?;
    Ok(rows.iter().map(|r| r.get::<String, _>(0)).collect())
}

impl Store {
    /// Imports rows of `kind` read from `source` in one transaction: every row is written or,
    /// on the first error, none is. `default_label` labels rows that carry no label; every row
    /// records `origin` (whose records these are, `pillar_core::stewardship`).
    /// `progress(done, total)` is called as rows are written.
    #[allow(clippy::too_many_arguments)]
    pub async fn import(
        &self,
        kind: RegistryKind,
        source: &str,
        rows: &[Row],
        default_label: &Label,
        origin: &pillar_core::stewardship::Origin,
        progress: &mut (dyn FnMut(u64, u64) + Send),
        audit: Option<&crate::audit::Audited<'_>>,
    ) -> Result<ImportReport, StoreError> {
        let err = |line: usize, field: Option<&str>, reason: String| {
            StoreError::Input(InputError::new(source, Some(line), field, reason))
        };
        // 1. Build and check each row on its own.
        let mut built = Vec::with_capacity(rows.len());
        let mut lines: HashMap<String, usize> = HashMap::with_capacity(rows.len());
        for (line, record) in rows {
            let row = RegistryRow::from_record(kind, record, default_label)
                .map_err(|e| err(*line, Some(&e.field), e.reason))?;
            if let Some(first) = lines.insert(row.id().to_string(), *line) {
                return Err(err(
                    *line,
                    Some(kind.id_column()),
                    format!("duplicate id `{}` (first on line {first})", row.id()),
                ));
            }
            built.push((*line, row));
        }

        let mut tx = self.begin_write().await?;
        // 2. Check against the database and each other.
        let checked = check_references(&mut tx, kind, source, built).await?;
        // 3. Intern labels.
        let (label_ids, new_labels) =
            intern_labels(&mut tx, checked.rows.iter().map(|r| r.label())).await?;
        // 4. Write.
        let total = checked.rows.len() as u64;
        let mut done = 0u64;
        for chunk in checked.rows.chunks(5_000) {
            write_rows(&mut tx, kind, chunk, &label_ids, origin).await?;
            done += chunk.len() as u64;
            progress(done, total);
        }
        let touched: Vec<&Label> = checked.rows.iter().map(|r| r.label()).collect();
        self.commit_touching(tx, audit, &touched).await?;
        Ok(ImportReport {
            kind,
            rows: checked.rows.len(),
            new_labels,
        })
    }

    /// Every row of `kind`, ordered by id. Unfiltered: an operator's view; people get
    /// [`Store::export_visible`].
    pub(crate) async fn export(&self, kind: RegistryKind) -> Result<Vec<RegistryRow>, StoreError> {
        self.export_filtered(kind, None).await
    }

    /// Rows of `kind` whose label id is in `readable` (all rows when `None`), with the filter
    /// inside the query.
    pub(crate) async fn export_filtered(
        &self,
        kind: RegistryKind,
        readable: Option<&crate::Entitlements>,
    ) -> Result<Vec<RegistryRow>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let conn = &mut *conn;
        let (sql, cols, lists): (&str, &[&str], &[(&str, &str)]) = match kind {
            RegistryKind::Nations => (
                "SELECT t.code, t.name, l.canonical FROM nations t JOIN labels l ON l.id = t.label_id ORDER BY t.code",
                &["code", "name", "label"],
                &[("members", "SELECT group_code, member_code FROM nation_members ORDER BY group_code, position")],
            ),
            RegistryKind::Organisations => (
                "SELECT t.id, t.name, t.kind, t.nation, t.parent, l.canonical FROM organisations t JOIN labels l ON l.id = t.label_id ORDER BY t.id",
                &["id", "name", "kind", "nation", "parent", "label"],
                &[],
            ),
            RegistryKind::People => (
                "SELECT t.id, t.name, t.nationality, t.organisation, t.clearance, l.canonical FROM people t JOIN labels l ON l.id = t.label_id ORDER BY t.id",
                &["id", "name", "nationality", "organisation", "clearance", "label"],
                &[("roles", "SELECT person_id, role FROM person_roles ORDER BY person_id, position")],
            ),
            RegistryKind::TechAreas => (
                "SELECT t.id, t.name, t.name_ko, t.taxonomy, t.parent, l.canonical FROM tech_areas t JOIN labels l ON l.id = t.label_id ORDER BY t.id",
                &["id", "name", "name_ko", "taxonomy", "parent", "label"],
                &[],
            ),
            RegistryKind::Agreements => (
                "SELECT t.id, t.title, t.kind, t.valid_from, t.valid_to, t.status, l.canonical FROM agreements t JOIN labels l ON l.id = t.label_id ORDER BY t.id",
                &["id", "title", "kind", "valid_from", "valid_to", "status", "label"],
                &[
                    ("parties", "SELECT agreement_id, nation FROM agreement_parties ORDER BY agreement_id, position"),
                    ("areas", "SELECT agreement_id, area_id FROM agreement_areas ORDER BY agreement_id, position"),
                ],
            ),
        };
        let mut list_values: Vec<(&str, HashMap<String, Vec<String>>)> = Vec::new();
        for (field, sql) in lists {
            let mut map: HashMap<String, Vec<String>> = HashMap::new();
            for r in sqlx::query(sql).fetch_all(&mut *conn).await? {
                map.entry(r.get(0)).or_default().push(r.get(1));
            }
            list_values.push((field, map));
        }
        let table = kind.name();
        let fallback = Label::new(Label::coalition_policy(), "UNCLASSIFIED");
        let mut out = Vec::new();
        let (head, order) = sql
            .split_once(" ORDER BY ")
            .expect("every export query is ordered");
        let labelled = crate::visibility::Labelled::filtered(
            self.backend(),
            readable,
            &format!("{head} WHERE {{label:t.label_id}} ORDER BY {order}"),
        );
        for r in labelled
            .bind_rows(sqlx::query(labelled.sql()))
            .fetch_all(&mut *conn)
            .await?
        {
            let mut record = Record::default();
            for (i, c) in cols.iter().enumerate() {
                let v: Option<String> = r.get(i);
                record.set(c, v.unwrap_or_default());
            }
            let id: String = r.get(0);
            for (field, map) in &list_values {
                record.set(field, map.get(&id).map(|v| v.join(";")).unwrap_or_default());
            }
            let row = RegistryRow::from_record(kind, &record, &fallback).map_err(|e| {
                StoreError::Corrupt {
                    table: match kind {
                        RegistryKind::Nations => "nations",
                        _ => "registry",
                    },
                    reason: format!("{table} `{id}`: {e}"),
                }
            })?;
            out.push(row);
        }
        Ok(out)
    }

    /// The number of rows of `kind`.
    pub(crate) async fn count(&self, kind: RegistryKind) -> Result<i64, StoreError> {
        let sql = format!("SELECT COUNT(*) FROM {}", table_of(kind));
        Ok(sqlx::query_scalar(&sql).fetch_one(&self.pool).await?)
    }

    /// Every nation and group (operator view, unfiltered: used for release checks).
    pub(crate) async fn nations(&self) -> Result<Vec<Nation>, StoreError> {
        Ok(picked(self.export(RegistryKind::Nations).await?))
    }

    /// Every technology area (operator view, unfiltered: used for release checks).
    pub(crate) async fn tech_areas(&self) -> Result<Vec<TechArea>, StoreError> {
        Ok(picked(self.export(RegistryKind::TechAreas).await?))
    }

    /// The id of a person `readable` allows, if one exists (naming stewards and assessors).
    pub(crate) async fn person_visible(
        &self,
        id: &str,
        readable: &Entitlements,
    ) -> Result<Option<String>, StoreError> {
        let q = crate::visibility::Labelled::filtered(
            self.backend(),
            Some(readable),
            "SELECT id FROM people WHERE id = $1 AND {label:label_id}",
        );
        Ok(q.bind_scalar(sqlx::query_scalar(q.sql()).bind(id))
            .fetch_optional(&self.pool)
            .await?)
    }

    /// One person by id (with roles and clearance), without reading the whole list.
    pub async fn person(&self, id: &str) -> Result<Option<pillar_core::Person>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {PERSON_COLUMNS} {PERSON_FROM} WHERE t.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| person_of(&r)).transpose()
    }

    /// The person an API token belongs to, when the token is known and not revoked: one
    /// statement (it runs for every request signed with a token).
    pub async fn token_holder(
        &self,
        token_hash: &str,
    ) -> Result<Option<pillar_core::Person>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {PERSON_COLUMNS} {PERSON_FROM} \
             JOIN api_tokens k ON k.person_id = t.id \
             WHERE k.token_hash = $1 AND k.revoked_at IS NULL"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| person_of(&r)).transpose()
    }

    /// The id under which a label is stored, if it is.
    pub async fn label_id(&self, label: &Label) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM labels WHERE canonical = $1")
                .bind(label.canonical())
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The number of distinct labels stored.
    pub(crate) async fn label_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM labels")
            .fetch_one(&self.pool)
            .await?)
    }
}

fn table_of(kind: RegistryKind) -> &'static str {
    match kind {
        RegistryKind::Nations => "nations",
        RegistryKind::Organisations => "organisations",
        RegistryKind::People => "people",
        RegistryKind::TechAreas => "tech_areas",
        RegistryKind::Agreements => "agreements",
    }
}

async fn check_references(
    conn: &mut AnyConnection,
    kind: RegistryKind,
    source: &str,
    built: Vec<(usize, RegistryRow)>,
) -> Result<Checked, StoreError> {
    let err = |line: usize, field: &str, reason: String| {
        StoreError::Input(InputError::new(source, Some(line), Some(field), reason))
    };
    let existing = ids(
        conn,
        &format!("SELECT {} FROM {}", kind.id_column(), table_of(kind)),
    )
    .await?;
    for (line, row) in &built {
        if existing.contains(row.id()) {
            return Err(err(
                *line,
                kind.id_column(),
                format!("duplicate id `{}`: it is already in the database", row.id()),
            ));
        }
    }
    let in_file: HashSet<&str> = built.iter().map(|(_, r)| r.id()).collect();
    let nations = if kind == RegistryKind::Nations {
        HashSet::new()
    } else {
        ids(conn, "SELECT code FROM nations").await?
    };
    let nation_exists = |code: &str| nations.contains(code);
    let organisations = if kind == RegistryKind::People {
        ids(conn, "SELECT id FROM organisations").await?
    } else {
        HashSet::new()
    };
    let mut area_taxonomy: HashMap<String, String> = HashMap::new();
    if matches!(kind, RegistryKind::TechAreas | RegistryKind::Agreements) {
        for r in sqlx::query("SELECT id, taxonomy FROM tech_areas")
            .fetch_all(&mut *conn)
            .await?
        {
            area_taxonomy.insert(r.get(0), r.get(1));
        }
    }
    let file_taxonomy: HashMap<&str, &str> = built
        .iter()
        .filter_map(|(_, r)| match r {
            RegistryRow::TechArea(a) => Some((a.id.as_str(), a.taxonomy.as_str())),
            _ => None,
        })
        .collect();
    let existing_nations = if kind == RegistryKind::Nations {
        ids(conn, "SELECT code FROM nations WHERE LENGTH(code) = 3").await?
    } else {
        HashSet::new()
    };

    for (line, row) in &built {
        let line = *line;
        match row {
            RegistryRow::Nation(n) => {
                for m in &n.members {
                    if !existing_nations.contains(m.as_str()) && !in_file.contains(m.as_str()) {
                        return Err(err(
                            line,
                            "members",
                            format!("unknown nation code `{m}`: import the nation first"),
                        ));
                    }
                }
            }
            RegistryRow::Organisation(o) => {
                if !nation_exists(o.nation.as_str()) {
                    return Err(err(
                        line,
                        "nation",
                        format!("unknown nation code `{}`", o.nation),
                    ));
                }
                if let Some(p) = &o.parent {
                    if !existing.contains(p) && !in_file.contains(p.as_str()) {
                        return Err(err(line, "parent", format!("unknown organisation `{p}`")));
                    }
                }
            }
            RegistryRow::Person(p) => {
                if !nation_exists(p.nationality.as_str()) {
                    return Err(err(
                        line,
                        "nationality",
                        format!("unknown nation code `{}`", p.nationality),
                    ));
                }
                if let Some(o) = &p.organisation {
                    if !organisations.contains(o) {
                        return Err(err(
                            line,
                            "organisation",
                            format!("unknown organisation `{o}`"),
                        ));
                    }
                }
            }
            RegistryRow::TechArea(a) => {
                if let Some(p) = &a.parent {
                    let parent_tax = area_taxonomy
                        .get(p)
                        .map(String::as_str)
                        .or_else(|| file_taxonomy.get(p.as_str()).copied());
                    match parent_tax {
                        None => {
                            return Err(err(
                                line,
                                "parent",
                                format!("unknown technology area `{p}`"),
                            ))
                        }
                        Some(t) if t != a.taxonomy => {
                            return Err(err(
                                line,
                                "parent",
                                format!("`{p}` belongs to taxonomy `{t}`, not `{}`", a.taxonomy),
                            ))
                        }
                        _ => {}
                    }
                }
            }
            RegistryRow::Agreement(a) => {
                for n in &a.parties {
                    if !nation_exists(n.as_str()) {
                        return Err(err(line, "parties", format!("unknown nation code `{n}`")));
                    }
                }
                for t in &a.areas {
                    if !area_taxonomy.contains_key(t) {
                        return Err(err(line, "areas", format!("unknown technology area `{t}`")));
                    }
                }
            }
        }
    }
    Ok(Checked {
        rows: dependency_order(source, built, &existing)?,
    })
}

/// Orders rows so that each comes after the rows of the same file it depends on.
fn dependency_order(
    source: &str,
    built: Vec<(usize, RegistryRow)>,
    existing: &HashSet<String>,
) -> Result<Vec<RegistryRow>, StoreError> {
    let mut placed: HashSet<String> = HashSet::with_capacity(built.len());
    let mut pending = built;
    let mut out = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for (line, row) in pending {
            let ready = row
                .depends_on()
                .all(|d| existing.contains(d) || placed.contains(d));
            if ready {
                placed.insert(row.id().to_string());
                out.push(row);
            } else {
                rest.push((line, row));
            }
        }
        if rest.len() == before {
            let (line, row) = &rest[0];
            let field = match row {
                RegistryRow::Nation(_) => "members",
                _ => "parent",
            };
            return Err(StoreError::Input(InputError::new(
                source,
                Some(*line),
                Some(field),
                format!("`{}` is part of a cycle of references", row.id()),
            )));
        }
        pending = rest;
    }
    Ok(out)
}

/// Stores each distinct label once; returns canonical form → id, and how many were new.
pub(crate) async fn intern_labels<'a>(
    conn: &mut AnyConnection,
    labels: impl Iterator<Item = &'a Label>,
) -> Result<(HashMap<Label, i64>, usize), StoreError> {
    let mut canon: HashMap<Label, String> = HashMap::new();
    for l in labels {
        if !canon.contains_key(l) {
            canon.insert(l.clone(), l.canonical());
        }
    }
    let wanted: Vec<String> = {
        let set: HashSet<&String> = canon.values().collect();
        set.into_iter().cloned().collect()
    };
    let mut found: HashMap<String, i64> = HashMap::new();
    select_labels(conn, &wanted, &mut found).await?;
    if found.len() < wanted.len() && conn.backend_name() != "SQLite" {
        // New labels on PostgreSQL: one writer of labels at a time, held to the end of the
        // transaction, so that label ids become visible in the order they are numbered (as
        // they always do in SQLite). The entitlement filter relies on it: an id at or below
        // the newest examined can never appear later. Then look again: another writer may
        // have added some of them while this one waited.
        sqlx::query("LOCK TABLE labels IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *conn)
            .await?;
        select_labels(conn, &wanted, &mut found).await?;
    }
    let missing: Vec<Vec<Val>> = wanted
        .iter()
        .filter(|c| !found.contains_key(*c))
        .map(|c| vec![Val::T(c.clone())])
        .collect();
    let new = missing.len();
    if new > 0 {
        insert_rows(conn, "labels", &["canonical"], missing).await?;
        select_labels(conn, &wanted, &mut found).await?;
    }
    let ids = canon.into_iter().map(|(l, c)| (l, found[&c])).collect();
    Ok((ids, new))
}

async fn select_labels(
    conn: &mut AnyConnection,
    wanted: &[String],
    found: &mut HashMap<String, i64>,
) -> Result<(), StoreError> {
    for chunk in wanted.chunks(500) {
        let sql = format!(
            "SELECT id, canonical FROM labels WHERE canonical IN ({})",
            placeholders(conn, 0, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for c in chunk {
            q = q.bind(c);
        }
        for r in q.fetch_all(&mut *conn).await? {
            found.insert(r.get(1), r.get(0));
        }
    }
    Ok(())
}

async fn write_rows(
    conn: &mut AnyConnection,
    kind: RegistryKind,
    rows: &[RegistryRow],
    label_ids: &HashMap<Label, i64>,
    origin: &pillar_core::stewardship::Origin,
) -> Result<(), StoreError> {
    let mut main: Vec<Vec<Val>> = Vec::with_capacity(rows.len());
    let mut list_a: Vec<Vec<Val>> = Vec::new();
    let mut list_b: Vec<Vec<Val>> = Vec::new();
    for row in rows {
        let label = Val::I(label_ids[row.label()]);
        match row {
            RegistryRow::Nation(n) => {
                main.push(vec![
                    Val::T(n.code.to_string()),
                    Val::T(n.name.clone()),
                    label,
                ]);
                for (i, m) in n.members.iter().enumerate() {
                    list_a.push(vec![
                        Val::T(n.code.to_string()),
                        Val::T(m.to_string()),
                        Val::I(i as i64),
                    ]);
                }
            }
            RegistryRow::Organisation(o) => main.push(vec![
                Val::T(o.id.clone()),
                Val::T(o.name.clone()),
                Val::T(o.kind.to_string()),
                Val::T(o.nation.to_string()),
                Val::N(o.parent.clone()),
                label,
            ]),
            RegistryRow::Person(p) => {
                main.push(vec![
                    Val::T(p.id.clone()),
                    Val::T(p.name.clone()),
                    Val::T(p.nationality.to_string()),
                    Val::N(p.organisation.clone()),
                    Val::N(p.clearance.as_ref().map(|c| c.to_json())),
                    label,
                ]);
                for (i, r) in p.roles.iter().enumerate() {
                    list_a.push(vec![
                        Val::T(p.id.clone()),
                        Val::T(r.to_string()),
                        Val::I(i as i64),
                    ]);
                }
            }
            RegistryRow::TechArea(a) => main.push(vec![
                Val::T(a.id.clone()),
                Val::T(a.name.clone()),
                Val::N(a.name_ko.clone()),
                Val::T(a.taxonomy.clone()),
                Val::N(a.parent.clone()),
                label,
            ]),
            RegistryRow::Agreement(a) => {
                main.push(vec![
                    Val::T(a.id.clone()),
                    Val::T(a.title.clone()),
                    Val::T(a.kind.to_string()),
                    Val::T(a.valid_from.to_string()),
                    Val::N(a.valid_to.map(|d| d.to_string())),
                    Val::T(a.status.to_string()),
                    label,
                ]);
                for (i, n) in a.parties.iter().enumerate() {
                    list_a.push(vec![
                        Val::T(a.id.clone()),
                        Val::T(n.to_string()),
                        Val::I(i as i64),
                    ]);
                }
                for (i, t) in a.areas.iter().enumerate() {
                    list_b.push(vec![
                        Val::T(a.id.clone()),
                        Val::T(t.clone()),
                        Val::I(i as i64),
                    ]);
                }
            }
        }
    }
    // Every main row ends with its origin.
    let origin_vals = crate::origins::vals(origin);
    for row in &mut main {
        row.extend(origin_vals.iter().cloned());
    }
    let with_origin = |cols: &[&'static str]| -> Vec<&'static str> {
        cols.iter()
            .copied()
            .chain(crate::origins::COLUMNS)
            .collect()
    };
    match kind {
        RegistryKind::Nations => {
            insert_rows(
                conn,
                "nations",
                &with_origin(&["code", "name", "label_id"]),
                main,
            )
            .await?;
            insert_rows(
                conn,
                "nation_members",
                &["group_code", "member_code", "position"],
                list_a,
            )
            .await?;
        }
        RegistryKind::Organisations => {
            insert_rows(
                conn,
                "organisations",
                &with_origin(&["id", "name", "kind", "nation", "parent", "label_id"]),
                main,
            )
            .await?;
        }
        RegistryKind::People => {
            insert_rows(
                conn,
                "people",
                &with_origin(&[
                    "id",
                    "name",
                    "nationality",
                    "organisation",
                    "clearance",
                    "label_id",
                ]),
                main,
            )
            .await?;
            insert_rows(
                conn,
                "person_roles",
                &["person_id", "role", "position"],
                list_a,
            )
            .await?;
        }
        RegistryKind::TechAreas => {
            insert_rows(
                conn,
                "tech_areas",
                &with_origin(&["id", "name", "name_ko", "taxonomy", "parent", "label_id"]),
                main,
            )
            .await?;
        }
        RegistryKind::Agreements => {
            insert_rows(
                conn,
                "agreements",
                &with_origin(&[
                    "id",
                    "title",
                    "kind",
                    "valid_from",
                    "valid_to",
                    "status",
                    "label_id",
                ]),
                main,
            )
            .await?;
            insert_rows(
                conn,
                "agreement_parties",
                &["agreement_id", "nation", "position"],
                list_a,
            )
            .await?;
            insert_rows(
                conn,
                "agreement_areas",
                &["agreement_id", "area_id", "position"],
                list_b,
            )
            .await?;
        }
    }
    Ok(())
}

/// One kind of registry row, taken out of a [`RegistryRow`].
pub(crate) trait Pick: Sized {
    /// The row, when it is of this kind.
    fn pick(row: RegistryRow) -> Option<Self>;
}

impl Pick for Nation {
    fn pick(row: RegistryRow) -> Option<Self> {
        match row {
            RegistryRow::Nation(n) => Some(n),
            _ => None,
        }
    }
}

impl Pick for TechArea {
    fn pick(row: RegistryRow) -> Option<Self> {
        match row {
            RegistryRow::TechArea(a) => Some(a),
            _ => None,
        }
    }
}

impl Pick for pillar_core::Agreement {
    fn pick(row: RegistryRow) -> Option<Self> {
        match row {
            RegistryRow::Agreement(a) => Some(a),
            _ => None,
        }
    }
}

/// The rows of kind `T` among `rows`.
pub(crate) fn picked<T: Pick>(rows: Vec<RegistryRow>) -> Vec<T> {
    rows.into_iter().filter_map(T::pick).collect()
}

/// A person's columns, their roles in order as one `;`-separated text (the record's form).
const PERSON_COLUMNS: &str = "t.id, t.name, t.nationality, t.organisation, t.clearance, l.canonical, \
     (SELECT string_agg(r.role, ';' ORDER BY r.position) FROM person_roles r WHERE r.person_id = t.id)";
const PERSON_FROM: &str = "FROM people t JOIN labels l ON l.id = t.label_id";

/// A person from a row of [`PERSON_COLUMNS`].
fn person_of(r: &sqlx::any::AnyRow) -> Result<pillar_core::Person, StoreError> {
    let mut record = Record::default();
    for (i, c) in [
        "id",
        "name",
        "nationality",
        "organisation",
        "clearance",
        "label",
        "roles",
    ]
    .iter()
    .enumerate()
    {
        let v: Option<String> = r.try_get(i)?;
        record.set(c, v.unwrap_or_default());
    }
    let fallback = Label::new(Label::coalition_policy(), "UNCLASSIFIED");
    pillar_core::Person::from_record(&record, &fallback).map_err(|e| StoreError::Corrupt {
        table: "people",
        reason: format!("`{}`: {e}", record.get("id").unwrap_or_default()),
    })
}
