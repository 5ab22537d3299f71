//! Published technology-landscape analyses: a JSON body under one label, read only by those the
//! label allows. The body is the landscape engine's; the store keeps two facts of it in columns
//! for listings (`report.works`, the number of works analysed, and the ids of `report.areas`).

use pillar_label::Label;
use sqlx::Row;

use crate::db::Store;
use crate::error::StoreError;
use crate::registry::intern_labels;
use crate::visibility::{label_problem, Entitlements, Labelled};
use crate::InputError;

/// An analysis as published from the command line or a file: the analysis itself is opaque to
/// the store (the landscape engine's JSON).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LandscapeRecord {
    pub id: String,
    pub name: String,
    pub label: Label,
    pub analysis: serde_json::Value,
}

/// A file of analyses (`{"landscapes": [...]}`), as the demo ships.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LandscapeFile {
    pub landscapes: Vec<LandscapeRecord>,
}

/// A published analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Landscape {
    pub id: String,
    pub name: String,
    pub label: Label,
    pub published_at: String,
    pub published_by: String,
    /// Works analysed.
    pub works: i64,
    /// Ids of the technology areas analysed, sorted.
    pub areas: Vec<String>,
    /// The analysis (JSON); `None` in listings.
    pub body: Option<String>,
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        table: "landscapes",
        reason: e.to_string(),
    }
}

impl Store {
    /// Publishes (or replaces) an analysis under `label`, which must be valid under its policy.
    /// A new analysis records `origin`; a replaced one keeps the origin it was first published
    /// with.
    #[allow(clippy::too_many_arguments)]
    pub async fn publish_landscape(
        &self,
        id: &str,
        name: &str,
        label: &Label,
        analysis: &serde_json::Value,
        by: &str,
        origin: &pillar_core::stewardship::Origin,
        at: &str,
        audit: Option<&crate::audit::Audited<'_>>,
    ) -> Result<(), StoreError> {
        let bad = |field: &str, reason: String| {
            StoreError::Input(InputError::new("landscape", None, Some(field), reason))
        };
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(bad(
                "id",
                format!("`{id}` must be made of letters, digits, - and _"),
            ));
        }
        if name.trim().is_empty() {
            return Err(bad("name", "is empty".into()));
        }
        let (set, _) = self.policy_set().await?;
        if let Some(why) = label_problem(&set, label) {
            return Err(bad("label", why));
        }
        let works = analysis
            .pointer("/report/works")
            .and_then(|w| w.as_i64())
            .ok_or_else(|| bad("analysis", "has no `report.works` count".into()))?;
        let mut areas: Vec<&str> = analysis
            .pointer("/report/areas")
            .and_then(|a| a.as_object())
            .ok_or_else(|| bad("analysis", "has no `report.areas`".into()))?
            .keys()
            .map(String::as_str)
            .collect();
        areas.sort_unstable();
        let mut tx = self.begin_write().await?;
        let (labels, _) = intern_labels(&mut tx, std::iter::once(label)).await?;
        let kept = sqlx::query(
            "SELECT origin_org, origin_nation, committee_own FROM landscapes WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| crate::origins::read(&r, 0, "landscapes"))
        .transpose()?;
        let origin = kept.as_ref().unwrap_or(origin);
        sqlx::query("DELETE FROM landscapes WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO landscapes \
             (id, name, label_id, body, published_at, published_by, works, areas, \
              origin_org, origin_nation, committee_own) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id)
        .bind(name)
        .bind(labels[label])
        .bind(analysis.to_string())
        .bind(at)
        .bind(by)
        .bind(works)
        .bind(areas.join(" "))
        .bind(origin.organisation.as_deref())
        .bind(origin.nation.as_str())
        .bind(i64::from(origin.committee))
        .execute(&mut *tx)
        .await?;
        self.commit_touching(tx, audit, &[label]).await?;
        Ok(())
    }

    /// How many analyses are published (all of them: for seeding, not for readers).
    pub(crate) async fn landscape_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM landscapes")
            .fetch_one(&self.pool)
            .await?)
    }

    /// The analyses `readable` allows, newest first, without their bodies.
    pub(crate) async fn landscapes(
        &self,
        readable: &Entitlements,
    ) -> Result<Vec<Landscape>, StoreError> {
        self.read_landscapes(readable, None).await
    }

    /// One analysis with its body, if it exists and is readable.
    pub(crate) async fn landscape(
        &self,
        id: &str,
        readable: &Entitlements,
    ) -> Result<Option<Landscape>, StoreError> {
        Ok(self
            .read_landscapes(readable, Some(id))
            .await?
            .into_iter()
            .next())
    }

    async fn read_landscapes(
        &self,
        readable: &Entitlements,
        id: Option<&str>,
    ) -> Result<Vec<Landscape>, StoreError> {
        let (body, one) = if id.is_some() {
            ("s.body", " AND s.id = $1")
        } else {
            ("NULL", "")
        };
        let labelled = Labelled::filtered(
            self.backend(),
            Some(readable),
            &format!(
                "SELECT s.id, s.name, l.canonical, s.published_at, s.published_by, s.works, s.areas, \
                 {body} \
                 FROM landscapes s JOIN labels l ON l.id = s.label_id WHERE {{label:s.label_id}}{one} \
                 ORDER BY s.published_at DESC, s.id"
            ),
        );
        let mut q = sqlx::query(labelled.sql());
        if let Some(id) = id {
            q = q.bind(id);
        }
        labelled
            .bind_rows(q)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(Landscape {
                    id: r.get(0),
                    name: r.get(1),
                    label: Label::from_json(&r.get::<String, _>(2)).map_err(corrupt)?,
                    published_at: r.get(3),
                    published_by: r.get(4),
                    works: r.get(5),
                    areas: r
                        .get::<String, _>(6)
                        .split_whitespace()
                        .map(str::to_string)
                        .collect(),
                    body: r.get(7),
                })
            })
            .collect()
    }
}
