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

    /// The issued TDF whose policy has this UUID.
    pub async fn issued_tdf(&self, policy_uuid: &str) -> Result<Option<IssuedTdf>, StoreError> {
        let row = sqlx::query(
            "SELECT policy_uuid, document_id, label, policy_sha256, issued_to, issued_at \
             FROM tdf_issued WHERE policy_uuid = $1",
        )
        .bind(policy_uuid)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| -> Result<IssuedTdf, StoreError> {
            let label: String = r.try_get("label")?;
            Ok(IssuedTdf {
                policy_uuid: r.try_get("policy_uuid")?,
                document_id: r.try_get("document_id")?,
                label: Label::from_json(&label).map_err(|e| StoreError::Corrupt {
                    table: "tdf_issued",
                    reason: format!("`{policy_uuid}`: {e}"),
                })?,
                policy_sha256: r.try_get("policy_sha256")?,
                issued_to: r.try_get("issued_to")?,
                issued_at: r.try_get("issued_at")?,
            })
        })
        .transpose()
    }

    /// A document's current label and whether it is withdrawn, whoever asks (the key access
    /// service's revocation check; never shown to anyone).
    pub async fn document_state(&self, id: &str) -> Result<Option<DocumentState>, StoreError> {
        let row = sqlx::query(
            "SELECT l.canonical AS label, d.withdrawn_at AS withdrawn_at FROM documents d \
             JOIN labels l ON l.id = d.label_id WHERE d.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| -> Result<DocumentState, StoreError> {
            let label: String = r.try_get("label")?;
            let withdrawn: Option<String> = r.try_get("withdrawn_at")?;
            Ok(DocumentState {
                label: Label::from_json(&label).map_err(|e| StoreError::Corrupt {
                    table: "labels",
                    reason: format!("document `{id}`: {e}"),
                })?,
                withdrawn: withdrawn.is_some(),
            })
        })
        .transpose()
    }
}
