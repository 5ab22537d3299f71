//! The audit chain: append-only entries, each carrying an HMAC-SHA-256 over its own fields and
//! its predecessor's hash. The key lives outside the database (see the CLI), so someone with
//! only SQL access cannot rewrite history and recompute the chain; `verify` names the first
//! entry that was modified, deleted, inserted or moved. Every entry is appended in the
//! transaction of the action it records, and after every commit the newest entry is recorded in
//! an [`Anchor`] file outside the database, so that cutting the end of the chain is noticed.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use sqlx::Row as _;

use crate::db::{Backend, Store};
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

impl AuditEvent {
    /// An event without a label (the store sets it where the event records a change of a
    /// labelled object).
    pub fn new(actor: &str, action: &str, object: &str, decision: &str, detail: &str) -> Self {
        AuditEvent {
            actor: actor.into(),
            action: action.into(),
            object: object.into(),
            label_id: None,
            decision: decision.into(),
            detail: detail.into(),
        }
    }
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

fn head_mac(key: &AuditKey, seq: i64, hash: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key.0).expect("HMAC takes any key length");
    mac.update(b"pillar audit head\0");
    mac.update(&seq.to_be_bytes());
    mac.update(hash.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The audit trail a store writes to: the chain's key and the anchor of its newest entry.
#[derive(Debug, Clone)]
pub struct AuditTrail {
    key: AuditKey,
    anchor: Option<Anchor>,
}

impl AuditTrail {
    /// A trail with its key, anchored (after every append) in `anchor` when given.
    pub fn new(key: AuditKey, anchor: Option<Anchor>) -> Self {
        AuditTrail { key, anchor }
    }

    /// The chain's key.
    pub fn key(&self) -> &AuditKey {
        &self.key
    }

    /// The anchor, if any.
    pub fn anchor(&self) -> Option<&Anchor> {
        self.anchor.as_ref()
    }
}

/// A file outside the database recording the position and hash of the chain's newest entry, so
/// that entries cut from the end are noticed. One file per database: it names the database it
/// anchors, and reading it for another database is an error, not a tamper report.
#[derive(Debug, Clone)]
pub struct Anchor {
    path: PathBuf,
    database: String,
    progress: Arc<Mutex<Progress>>,
    writer: Arc<Mutex<()>>,
}

/// How far this process's anchor has come.
#[derive(Debug, Default)]
struct Progress {
    /// The newest committed head asked for.
    wanted: Option<Head>,
    /// The position the file is known to record (written by this process, or found there).
    written: i64,
}

/// The head recorded in an anchor: (position, hash).
pub type Head = (i64, String);

impl Anchor {
    /// The anchor of `database` (a description naming it, e.g. its path or URL without
    /// password) kept at `path`.
    pub fn new(path: impl Into<PathBuf>, database: impl Into<String>) -> Self {
        Anchor {
            path: path.into(),
            database: database.into(),
            progress: Arc::default(),
            writer: Arc::default(),
        }
    }

    /// Where it is kept.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The head it records; `None` when nothing was anchored yet. An anchor written for another
    /// database, or one that cannot be parsed, is an error naming the file.
    pub fn read(&self) -> Result<Option<Head>, StoreError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(StoreError::Location(format!(
                    "{}: cannot read the audit anchor: {e}",
                    self.path.display()
                )))
            }
        };
        let bad = |why: &str| {
            StoreError::Location(format!(
                "{}: not an audit anchor ({why})",
                self.path.display()
            ))
        };
        let mut database = None;
        let mut head = None;
        for line in text.lines() {
            if let Some(d) = line.strip_prefix("database ") {
                database = Some(d.to_string());
            } else if let Some(h) = line.strip_prefix("head ") {
                let (seq, hash) = h.split_once(' ').ok_or_else(|| bad("head line"))?;
                head = Some((
                    seq.parse::<i64>().map_err(|_| bad("head position"))?,
                    hash.to_string(),
                ));
            }
        }
        match database {
            Some(d) if d == self.database => Ok(head),
            Some(d) => Err(StoreError::Location(format!(
                "{}: this anchor is for database {d}, not {}",
                self.path.display(),
                self.database
            ))),
            None => Err(bad("no database line")),
        }
    }

    /// Records a head at least as new as (`seq`, `hash`), an entry already committed, unless
    /// a later one is recorded already (another process appended after this one). Written
    /// aside and renamed, so that a crash leaves the old or the new. Commits that arrive while
    /// the file is being written are covered by one write after it: the newest head asked for
    /// so far (each is committed, and a head covers every entry before it), so that under
    /// load the file is written once per group of commits rather than once per commit.
    pub fn advance(&self, seq: i64, hash: &str) -> Result<(), StoreError> {
        {
            let mut p = self.progress.lock().expect("anchor progress");
            if p.written >= seq {
                return Ok(());
            }
            if p.wanted.as_ref().is_none_or(|(s, _)| *s < seq) {
                p.wanted = Some((seq, hash.to_string()));
            }
        }
        let _one_at_a_time = self.writer.lock().expect("anchor lock");
        // A writer before this one may have covered `seq` while this one waited.
        let (target, target_hash) = {
            let p = self.progress.lock().expect("anchor progress");
            if p.written >= seq {
                return Ok(());
            }
            p.wanted.clone().expect("asked for above")
        };
        let done = |upto: i64| {
            let mut p = self.progress.lock().expect("anchor progress");
            p.written = p.written.max(upto);
        };
        if let Ok(Some((recorded, _))) = self.read() {
            if recorded >= target {
                done(recorded);
                return Ok(());
            }
        }
        let io = |e: std::io::Error| {
            StoreError::Location(format!(
                "{}: cannot write the audit anchor: {e}",
                self.path.display()
            ))
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = self
            .path
            .with_extension(format!("tmp{}", std::process::id()));
        let text = format!(
            "pillar audit anchor\ndatabase {}\nhead {target} {target_hash}\n",
            self.database
        );
        write_private(&tmp, &text).map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)?;
        done(target);
        Ok(())
    }
}

/// Writes a file readable by its owner only.
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// An audit entry to write with a change, in the change's transaction: when, and what.
#[derive(Debug, Clone, Copy)]
pub struct Audited<'a> {
    /// When (RFC 3339, UTC).
    pub at: &'a str,
    /// What.
    pub event: &'a AuditEvent,
}

/// An entry appended inside a transaction, to anchor once that transaction has committed.
#[must_use = "anchor it after the commit"]
pub(crate) struct Appended {
    seq: i64,
    hash: String,
}

impl Store {
    fn trail(&self) -> Result<&AuditTrail, StoreError> {
        self.audit.as_deref().ok_or_else(|| {
            StoreError::Location(
                "no audit trail is configured for this store (Store::with_audit)".into(),
            )
        })
    }

    /// Appends `event` inside `tx`, as its last statement: the entry commits with the action it
    /// records or not at all. `label`, when given, is interned and becomes the entry's label.
    pub(crate) async fn append_audit(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        at: &str,
        event: &AuditEvent,
        label: Option<&pillar_label::Label>,
    ) -> Result<Appended, StoreError> {
        let trail = self.trail()?;
        let mut event = event.clone();
        if let Some(l) = label {
            let (ids, _) = crate::registry::intern_labels(tx, std::iter::once(l)).await?;
            event.label_id = Some(ids[l]);
        }
        if self.backend() == Backend::Postgres {
            // One appender at a time, to the end of its transaction: positions never collide,
            // so an action is never undone because its entry lost a race.
            sqlx::query("SELECT pg_advisory_xact_lock(7465746) ")
                .execute(&mut **tx)
                .await?;
        }
        let last = sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
        let (seq, prev) = match last {
            Some(r) => (r.get::<i64, _>(0) + 1, r.get::<String, _>(1)),
            None => (1, GENESIS.to_string()),
        };
        let hash = digest(&trail.key, seq, at, &event, &prev);
        sqlx::query(
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
        .execute(&mut **tx)
        .await?;
        // The database's record of the head, for every server over it (see `audit_head`).
        sqlx::query(
            "INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, $1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac",
        )
        .bind(seq)
        .bind(&hash)
        .bind(head_mac(&trail.key, seq, &hash))
        .execute(&mut **tx)
        .await?;
        Ok(Appended { seq, hash })
    }

    /// The head of the chain as the database records it (advanced with every append, by
    /// whichever server appends): `Ok(None)` when none is recorded (an empty chain, or one
    /// written before the record existed); an error when its MAC does not verify under `key`
    /// (altered, or another key).
    pub async fn audit_head(&self, key: &AuditKey) -> Result<Option<Head>, StoreError> {
        let Some(r) = sqlx::query("SELECT seq, hash, mac FROM audit_head WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let (seq, hash, mac): (i64, String, String) = (r.get(0), r.get(1), r.get(2));
        if head_mac(key, seq, &hash) != mac {
            return Err(StoreError::Corrupt {
                table: "audit_head",
                reason: format!(
                    "the recorded head (entry {seq}) does not verify under this audit key: altered, or written with another key"
                ),
            });
        }
        Ok(Some((seq, hash)))
    }

    /// What a server checks before it starts on this database: that the database's record of
    /// the head and the chain's newest entry verify under `key` (every server of one database
    /// must read the same key), and that the chain still holds that head (entries cut from the
    /// end are noticed at once). Returns the newest entry's (position, hash), to advance this
    /// host's witness to once [`Store::audit_holds`] has checked the witness. Cheap: a few rows,
    /// not the chain (`pillar audit verify` walks it all).
    pub async fn audit_check_start(&self, key: &AuditKey) -> Result<Option<Head>, StoreError> {
        let refuse = |why: String| Err(StoreError::Refused(why));
        // The head first: entries other servers append meanwhile come after it.
        let head = match self.audit_head(key).await {
            Ok(h) => h,
            Err(StoreError::Corrupt { .. }) => {
                return refuse(
                    "the database's record of the audit chain's head does not verify under this audit key: every server over one database must read the same key file (audit_key_file), and the record may have been altered".into(),
                )
            }
            Err(e) => return Err(e),
        };
        let newest = sqlx::query(
            "SELECT seq, at, actor, action, object, label_id, decision, detail, prev_hash, hash \
             FROM audit ORDER BY seq DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?
        .map(|r| entry(&r));
        if let Some(e) = &newest {
            if digest(key, e.seq, &e.at, &e.event, &e.prev_hash) != e.hash {
                return refuse(format!(
                    "the audit chain's newest entry ({}) does not verify under this audit key: every server over one database must read the same key file (audit_key_file), and the chain may have been altered",
                    e.seq
                ));
            }
        }
        let last = newest.map(|e| (e.seq, e.hash));
        if let Some((seq, hash)) = &head {
            if !self.audit_holds(*seq, hash).await? {
                return refuse(format!(
                    "the database records entry {seq} as the audit chain's head, but the chain ends at {}: entries were removed from the end",
                    last.as_ref().map(|(s, _)| *s).unwrap_or(0)
                ));
            }
        }
        Ok(last)
    }

    /// Whether the chain holds entry `seq` with hash `hash` (as a witness recorded it).
    pub async fn audit_holds(&self, seq: i64, hash: &str) -> Result<bool, StoreError> {
        let held: Option<String> = sqlx::query_scalar("SELECT hash FROM audit WHERE seq = $1")
            .bind(seq)
            .fetch_optional(&self.pool)
            .await?;
        Ok(held.as_deref() == Some(hash))
    }

    /// Commits `tx` and anchors the entry it appended.
    pub(crate) async fn commit_audited(
        &self,
        tx: sqlx::Transaction<'static, sqlx::Any>,
        appended: Appended,
    ) -> Result<i64, StoreError> {
        tx.commit().await?;
        if let Some(anchor) = self.trail()?.anchor.as_ref() {
            anchor.advance(appended.seq, &appended.hash)?;
        }
        Ok(appended.seq)
    }

    /// Commits `tx`, with `audit`'s entry appended as its last statement when given (test
    /// fixtures give none).
    pub(crate) async fn commit_with(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Any>,
        audit: Option<&Audited<'_>>,
    ) -> Result<(), StoreError> {
        match audit {
            Some(a) => {
                let appended = self.append_audit(&mut tx, a.at, a.event, None).await?;
                self.commit_audited(tx, appended).await?;
            }
            None => tx.commit().await?,
        }
        Ok(())
    }

    /// As [`Store::commit_with`], for an action that touched records under `touched` labels:
    /// the entry carries their dominant label, so that the audit page shows it (its object and
    /// detail, e.g. how many rows) only to administrators cleared for what was touched. When the
    /// labels have no common dominant label (several policies), the entry keeps no detail.
    pub(crate) async fn commit_touching(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Any>,
        audit: Option<&Audited<'_>>,
        touched: &[&pillar_label::Label],
    ) -> Result<(), StoreError> {
        let Some(a) = audit else {
            tx.commit().await?;
            return Ok(());
        };
        let appended = match self.dominant_label(touched).await? {
            Some(label) => {
                self.append_audit(&mut tx, a.at, a.event, Some(&label))
                    .await?
            }
            None if touched.is_empty() => self.append_audit(&mut tx, a.at, a.event, None).await?,
            None => {
                let mut event = a.event.clone();
                event.detail = "records under labels with no common dominant label".into();
                self.append_audit(&mut tx, a.at, &event, None).await?
            }
        };
        self.commit_audited(tx, appended).await?;
        Ok(())
    }

    /// The dominant label of `labels` under the loaded policies (the lowest label that
    /// dominates them all); `None` when there are none, or when they have no common dominant
    /// label (labels of several policies that need a policy decision, or labels the loaded
    /// policies do not resolve).
    pub async fn dominant_label(
        &self,
        labels: &[&pillar_label::Label],
    ) -> Result<Option<pillar_label::Label>, StoreError> {
        if labels.is_empty() {
            return Ok(None);
        }
        let (set, _) = self.policy_set().await?;
        // Distinct labels only: an import of many rows has few labels.
        let mut distinct: Vec<&pillar_label::Label> = Vec::new();
        for l in labels {
            if !distinct.contains(l) {
                distinct.push(l);
            }
        }
        let resolved: Vec<_> = distinct
            .iter()
            .filter_map(|l| set.resolve(l).ok())
            .collect();
        if resolved.len() != distinct.len() {
            return Ok(None);
        }
        if let [one] = distinct.as_slice() {
            // One label dominates itself, as it was written.
            return Ok(Some((*one).clone()));
        }
        Ok(match set.dominant(&resolved, None) {
            pillar_label::Dominance::Ok(r)
            | pillar_label::Dominance::PolicyDecisionRequired {
                computed: Some(r), ..
            } => Some(set.to_label(&r)),
            pillar_label::Dominance::PolicyDecisionRequired { computed: None, .. } => None,
        })
    }

    /// Appends an entry at time `at` that accompanies no change (a read, a refusal, a sign-in);
    /// returns its position. The anchor advances with it.
    pub async fn audit(&self, at: &str, event: &AuditEvent) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let appended = self.append_audit(&mut tx, at, event, None).await?;
        self.commit_audited(tx, appended).await
    }

    /// As [`Store::audit`], with the entry carrying `label` (interned if new).
    pub async fn audit_labelled(
        &self,
        at: &str,
        event: &AuditEvent,
        label: &pillar_label::Label,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let appended = self.append_audit(&mut tx, at, event, Some(label)).await?;
        self.commit_audited(tx, appended).await
    }

    /// The last `limit` entries, newest first.
    pub(crate) async fn audit_entries(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, object, label_id, decision, detail, prev_hash, hash \
             FROM audit ORDER BY seq DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(entry).collect())
    }

    /// A page of the entries `readable` allows (or that carry no label), newest first, and how
    /// many there are: the filter is in the query, so offsets count readable entries only.
    pub(crate) async fn readable_audit_entries(
        &self,
        readable: &crate::visibility::Entitlements,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<AuditEntry>, i64), StoreError> {
        let page = crate::visibility::Labelled::new(
            self.backend(),
            readable,
            "SELECT seq, at, actor, action, object, label_id, decision, detail, prev_hash, hash \
             FROM audit WHERE (label_id IS NULL OR {label:label_id}) \
             ORDER BY seq DESC LIMIT $1 OFFSET $2",
        );
        let rows = page
            .bind_rows(sqlx::query(page.sql()).bind(limit).bind(offset))
            .fetch_all(&self.pool)
            .await?;
        let total = crate::visibility::Labelled::new(
            self.backend(),
            readable,
            "SELECT COUNT(*) FROM audit WHERE (label_id IS NULL OR {label:label_id})",
        );
        let count: i64 = total
            .bind_scalar(sqlx::query_scalar(total.sql()))
            .fetch_one(&self.pool)
            .await?;
        Ok((rows.iter().map(entry).collect(), count))
    }

    /// Walks the whole chain and names the first entry that is not as it was written. `head`,
    /// the (position, hash) of the newest entry as recorded outside the database, also catches
    /// entries removed from the end.
    pub async fn audit_verify(
        &self,
        key: &AuditKey,
        head: Option<(i64, &str)>,
    ) -> Result<AuditVerdict, StoreError> {
        // The database's record of the head first: entries appended meanwhile come after it.
        let recorded = self.audit_head(key).await;
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
        let last = expected_seq - 1;
        match recorded {
            Err(_) => {
                return Ok(AuditVerdict {
                    entries: rows.len() as i64,
                    first_bad: Some((
                        last + 1,
                        "the database's record of the chain's head does not verify under this key (altered, or another key)".into(),
                    )),
                })
            }
            Ok(Some((seq, hash)))
                if !rows
                    .iter()
                    .any(|r| r.get::<i64, _>(0) == seq && r.get::<String, _>(9) == hash) =>
            {
                return Ok(AuditVerdict {
                    entries: rows.len() as i64,
                    first_bad: Some((
                        last + 1,
                        format!("the chain ends at entry {last} but the database records entry {seq} as its head (entries removed from the end)"),
                    )),
                });
            }
            Ok(_) => {}
        }
        if let Some((seq, hash)) = head {
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

#[cfg(test)]
mod tests {
    use super::Anchor;

    /// Heads asked for out of order and from many threads at once: the file ends at the newest
    /// asked for, never goes back, and does not go behind what another process wrote.
    #[test]
    fn the_anchor_records_the_newest_head_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.anchor");
        let a = Anchor::new(&path, "db");
        a.advance(5, "h5").unwrap();
        a.advance(3, "h3").unwrap();
        assert_eq!(a.read().unwrap(), Some((5, "h5".to_string())));
        std::thread::scope(|s| {
            for t in 0..8 {
                let a = a.clone();
                s.spawn(move || {
                    for i in 0..50 {
                        let seq = 10 + i * 8 + t;
                        a.advance(seq, &format!("h{seq}")).unwrap();
                        let (recorded, _) = a.read().unwrap().unwrap();
                        assert!(recorded >= seq, "{recorded} < {seq}");
                    }
                });
            }
        });
        assert_eq!(a.read().unwrap(), Some((409, "h409".to_string())));
        // Another process's handle on the same file wrote further on.
        Anchor::new(&path, "db").advance(500, "h500").unwrap();
        a.advance(450, "h450").unwrap();
        assert_eq!(a.read().unwrap(), Some((500, "h500".to_string())));
    }
}
