//! The audit chain: append-only entries, each carrying an HMAC-SHA-256 over its own fields and
//! its predecessor's hash. The key lives outside the database (see the CLI), so someone with
//! only SQL access cannot rewrite history and recompute the chain; `verify` names the first
//! entry that was modified, deleted, inserted or moved.

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use sqlx::Row as _;

use crate::db::Store;
use crate::error::StoreError;

/// The secret key of the chain.
#[derive(Clone)]
pub struct AuditKey(Vec<u8>);

impl AuditKey {
    /// A key from bytes (at least 32).
    pub fn new(bytes: Vec<u8>) -> Result<Self, String> {
        if bytes.len() < 32 {
            return Err(format!(
                "an audit key needs at least 32 bytes, got {}",
                bytes.len()
            ));
        }
        Ok(AuditKey(bytes))
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(…)")
    }
}

/// What happened, for a new entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// Who (a person id, or `system`).
    pub actor: String,
    /// What kind of action (`login`, `read`, `release`, `export`, `admin` …).
    pub action: String,
    /// On what (`document:42`, `agreement:mou-us-kor-dst` …).
    pub object: String,
    /// The object's label id, when it has one.
    pub label_id: Option<i64>,
    /// The decision (`allow`, `deny`, `ok`, `fail` …).
    pub decision: String,
    /// Free text (e.g. before and after labels of a release).
    pub detail: String,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The event.
    #[serde(flatten)]
    pub event: AuditEvent,
    /// The predecessor's hash (`genesis` for the first).
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// The result of verifying the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditVerdict {
    /// Entries read.
    pub entries: i64,
    /// The first bad entry and why, if any.
    pub first_bad: Option<(i64, String)>,
}

const GENESIS: &str = "genesis";

fn digest(key: &AuditKey, seq: i64, at: &str, e: &AuditEvent, prev: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key.0).expect("HMAC takes any key length");
    let label = e.label_id.map(|l| l.to_string()).unwrap_or_default();
    for part in [
        &seq.to_string(),
        at,
        &e.actor,
        &e.action,
        &e.object,
        &label,
        &e.decision,
        &e.detail,
        prev,
    ] {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part.as_bytes());
    }
    hex::encode(mac.finalize().into_bytes())
}

impl Store {
    /// Appends an entry at time `at`; returns its position.
    pub async fn audit(
        &self,
        key: &AuditKey,
        at: &str,
        event: &AuditEvent,
    ) -> Result<i64, StoreError> {
        let mut last_err = None;
        for _ in 0..8 {
            let mut tx = self.begin_write().await?;
            let last = sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?;
            let (seq, prev) = match last {
                Some(r) => (r.get::<i64, _>(0) + 1, r.get::<String, _>(1)),
                None => (1, GENESIS.to_string()),
            };
            let hash = digest(key, seq, at, event, &prev);
            let inserted = sqlx::query(
                "INSERT INTO audit (seq, at, actor, action, object, label_id, decision, detail, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(seq)
            .bind(at)
            .bind(&event.actor)
            .bind(&event.action)
            .bind(&event.object)
            .bind(event.label_id)
            .bind(&event.decision)
            .bind(&event.detail)
            .bind(&prev)
            .bind(&hash)
            .execute(&mut *tx)
            .await;
            match inserted {
                Ok(_) => {
                    tx.commit().await?;
                    return Ok(seq);
                }
                // Another writer took this position first: read the new end and retry.
                Err(e) => last_err = Some(e),
            }
        }
        Err(StoreError::Db(last_err.expect("at least one attempt")))
    }

    /// The last `limit` entries, newest first.
    pub async fn audit_entries(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, object, label_id, decision, detail, prev_hash, hash \
             FROM audit ORDER BY seq DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(entry).collect())
    }

    /// Walks the whole chain and names the first entry that is not as it was written. `head`,
    /// the (position, hash) of the newest entry as recorded outside the database, also catches
    /// entries removed from the end.
    pub async fn audit_verify(
        &self,
        key: &AuditKey,
        head: Option<(i64, &str)>,
    ) -> Result<AuditVerdict, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, object, label_id, decision, detail, prev_hash, hash \
             FROM audit ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut expected_seq = 1;
        let mut prev = GENESIS.to_string();
        for r in &rows {
            let e = entry(r);
            let bad = |seq: i64, why: String| {
                Ok(AuditVerdict {
                    entries: rows.len() as i64,
                    first_bad: Some((seq, why)),
                })
            };
            if e.seq > expected_seq {
                let range = if e.seq - 1 == expected_seq {
                    format!("entry {expected_seq} is")
                } else {
                    format!("entries {expected_seq}–{} are", e.seq - 1)
                };
                return bad(expected_seq, format!("{range} missing (deleted)"));
            }
            if e.seq < expected_seq {
                return bad(
                    e.seq,
                    "its position repeats an earlier one (inserted)".into(),
                );
            }
            if e.prev_hash != prev {
                return bad(
                    e.seq,
                    "it does not follow the entry before it (inserted, deleted or reordered)"
                        .into(),
                );
            }
            if digest(key, e.seq, &e.at, &e.event, &e.prev_hash) != e.hash {
                return bad(
                    e.seq,
                    "its contents do not match its hash (modified, or a different key)".into(),
                );
            }
            prev = e.hash.clone();
            expected_seq += 1;
        }
        if let Some((seq, hash)) = head {
            let last = expected_seq - 1;
            let known = rows
                .iter()
                .any(|r| r.get::<i64, _>(0) == seq && r.get::<String, _>(9) == hash);
            if !known {
                return Ok(AuditVerdict {
                    entries: rows.len() as i64,
                    first_bad: Some((
                        last + 1,
                        format!("the chain ends at entry {last} but entry {seq} was recorded as its head (entries removed from the end)"),
                    )),
                });
            }
        }
        Ok(AuditVerdict {
            entries: rows.len() as i64,
            first_bad: None,
        })
    }
}

fn entry(r: &sqlx::any::AnyRow) -> AuditEntry {
    AuditEntry {
        seq: r.get(0),
        at: r.get(1),
        event: AuditEvent {
            actor: r.get(2),
            action: r.get(3),
            object: r.get(4),
            label_id: r.get(5),
            decision: r.get(6),
            detail: r.get(7),
        },
        prev_hash: r.get(8),
        hash: r.get(9),
    }
}
