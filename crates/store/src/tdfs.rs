//! The TDFs Pillar issued (policy UUID → what the policy carried), recorded with their audit
//! entry in one transaction, and what the key access service needs to decide on them.

use pillar_label::Label;
use sqlx::Row;

use crate::audit::AuditEvent;
use crate::{Store, StoreError};

/// A TDF Pillar issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedTdf {
    /// Its policy's UUID.
    pub policy_uuid: String,
    /// The document it carries, when it carries one (not for `pillar tdf encrypt`).
    pub document_id: Option<String>,
    /// The label it was issued under.
    pub label: Label,
    /// SHA-256 (hex) of its policy as the manifest carries it (base64 text).
    pub policy_sha256: String,
    /// To whom.
    pub issued_to: String,
    /// When (RFC 3339).
    pub issued_at: String,
}

/// A document as the key access service sees it: its current label and whether it is
/// withdrawn. For decisions only, never shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentState {
    /// Its label now.
    pub label: Label,
    /// Withdrawn since.
    pub withdrawn: bool,
}

/// An issued TDF as a decision reads it: the record, and the document it carries as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedNow {
    /// What Pillar recorded when it issued the TDF.
    pub issued: IssuedTdf,
    /// The document it carries, now: `None` when it carries none or the document no longer
    /// exists (`issued.document_id` tells which).
    pub document: Option<DocumentState>,
}

impl Store {
    /// Records an issued TDF with `entry` (which gets its label) in one transaction.
    pub async fn record_tdf(&self, t: &IssuedTdf, entry: &AuditEvent) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO tdf_issued (policy_uuid, document_id, label, policy_sha256, issued_to, issued_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&t.policy_uuid)
        .bind(&t.document_id)
        .bind(t.label.canonical())
        .bind(&t.policy_sha256)
        .bind(&t.issued_to)
        .bind(&t.issued_at)
        .execute(&mut *tx)
        .await?;
        let appended = self
            .append_audit(&mut tx, &t.issued_at, entry, Some(&t.label))
            .await?;
        self.commit_audited(tx, appended).await?;
        Ok(())
    }

    /// The issued TDF whose policy has this UUID, with the current state of the document it
    /// carries — in one statement, as the key access service reads it for every decision.
    pub async fn issued_tdf(&self, policy_uuid: &str) -> Result<Option<IssuedNow>, StoreError> {
        let row = sqlx::query(
            "SELECT t.policy_uuid, t.document_id, t.label, t.policy_sha256, t.issued_to, \
                    t.issued_at, d.id AS found, l.canonical AS label_now, d.withdrawn_at \
             FROM tdf_issued t \
             LEFT JOIN documents d ON d.id = t.document_id \
             LEFT JOIN labels l ON l.id = d.label_id \
             WHERE t.policy_uuid = $1",
        )
        .bind(policy_uuid)
        .fetch_optional(&self.pool)
        .await?;
        let corrupt = |table: &'static str, e: pillar_label::LabelError| StoreError::Corrupt {
            table,
            reason: format!("`{policy_uuid}`: {e}"),
        };
        row.map(|r| -> Result<IssuedNow, StoreError> {
            let label: String = r.try_get("label")?;
            let issued = IssuedTdf {
                policy_uuid: r.try_get("policy_uuid")?,
                document_id: r.try_get("document_id")?,
                label: Label::from_json(&label).map_err(|e| corrupt("tdf_issued", e))?,
                policy_sha256: r.try_get("policy_sha256")?,
                issued_to: r.try_get("issued_to")?,
                issued_at: r.try_get("issued_at")?,
            };
            let found: Option<String> = r.try_get("found")?;
            let document = match found {
                None => None,
                Some(_) => {
                    let now: String = r.try_get("label_now")?;
                    let withdrawn: Option<String> = r.try_get("withdrawn_at")?;
                    Some(DocumentState {
                        label: Label::from_json(&now).map_err(|e| corrupt("labels", e))?,
                        withdrawn: withdrawn.is_some(),
                    })
                }
            };
            Ok(IssuedNow { issued, document })
        })
        .transpose()
    }
}
