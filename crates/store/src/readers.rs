//! Reader indexes: a full-text index of the documents under a set of labels, for the readers
//! whose readable labels are all in that set.
//!
//! A broad search lists the newest readable matches and counts them up to a bound (which
//! decides between ranking and listing, counted over readable documents so that hidden ones
//! never change the answer). Over the index of every document, a reader of a quarter of the
//! documents walks four matches for each one they may read. Over a reader index, which holds
//! only the documents under (a superset of) their labels, they walk about as many as a reader
//! of everything does over the main index.
//!
//! An index is only a shortcut: the label filter of the reader is still applied to every row,
//! against the document's current label (SQLite joins the documents; PostgreSQL filters the
//! copied label and re-reads the shown rows through the filter). Invariant, kept in the
//! transaction of every document write: an index holds exactly the documents whose label is
//! in its set. Sets only grow and indexes are never dropped, so a handle's stale list of them
//! can miss an index or a label, never claim one an index does not hold.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use sqlx::Row as _;

use crate::db::{Backend, Store};
use crate::error::StoreError;
use crate::visibility::Entitlements;

/// The reader indexes a store handle knows, whether it is building one, and whether it does
/// so by itself.
#[derive(Debug)]
pub(crate) struct Known {
    list: Mutex<Vec<Index>>,
    building: AtomicBool,
    automatic: AtomicBool,
}

impl Default for Known {
    fn default() -> Known {
        Known {
            list: Mutex::default(),
            building: AtomicBool::new(false),
            automatic: AtomicBool::new(true),
        }
    }
}

/// The PostgreSQL advisory lock that reader-index builds hold, so that one server over a
/// database builds at a time (any constant other locks do not use; the audit chain's appends
/// take 7465746).
pub const READER_INDEX_LOCK: i64 = 0x7265_6164_6572;

/// What [`Store::prepare_reader_index_unless_busy`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderIndexBuild {
    /// Built or found here: the index, if one was needed and possible.
    Ready(Option<i64>),
    /// Another server (or handle) over the same PostgreSQL database was building one: left to
    /// it.
    LeftToAnother,
}

/// One reader index: its id and a byte per label id (1: the label's documents are in it).
#[derive(Debug, Clone)]
struct Index {
    id: i64,
    labels: Arc<Vec<u8>>,
    count: usize,
}

impl Index {
    fn new(id: i64, labels: Vec<u8>) -> Index {
        let count = labels.iter().filter(|&&b| b == 1).count();
        Index {
            id,
            labels: Arc::new(labels),
            count,
        }
    }

    fn holds(&self, label: i64) -> bool {
        usize::try_from(label)
            .ok()
            .and_then(|i| self.labels.get(i))
            .is_some_and(|&b| b == 1)
    }

    fn missing(&self, readable: &Entitlements) -> Vec<i64> {
        readable
            .label_ids
            .iter()
            .copied()
            .filter(|&l| !self.holds(l))
            .collect()
    }

    /// Labels in the index the reader may not read (documents a search of theirs skips).
    fn waste(&self, readable: &Entitlements) -> usize {
        let held = readable
            .label_ids
            .iter()
            .filter(|&&l| self.holds(l))
            .count();
        self.count - held
    }
}

/// True when an index holding `waste` labels the reader may not read is close enough to
/// serve them (or to be extended for them) rather than building one of their own: at most a
/// quarter as many as they may read.
fn close(waste: usize, readable: &Entitlements) -> bool {
    waste <= readable.label_ids.len() / 4
}

/// At most this many reader indexes are built (each costs the storage of its documents' index).
pub const MAX_READER_INDEXES: usize = 32;

/// True when no index may be built for the reader: [`MAX_READER_INDEXES`] exist, and none is
/// close enough to be extended.
fn full(list: &[Index], readable: &Entitlements) -> bool {
    list.len() >= MAX_READER_INDEXES && !list.iter().any(|ix| extendable(ix, readable))
}

/// True when an index may be extended with the labels a reader may read and it lacks: it holds
/// few they may not read ([`close`]), and it would grow by a quarter at most — more, and it
/// would no longer be tight for the readers it was built for.
fn extendable(ix: &Index, readable: &Entitlements) -> bool {
    close(ix.waste(readable), readable) && ix.missing(readable).len() <= ix.count / 4
}

/// A byte per label id up to the largest of `ids`.
fn bitmap(ids: impl Iterator<Item = i64> + Clone) -> Vec<u8> {
    let len = ids
        .clone()
        .filter_map(|i| usize::try_from(i).ok())
        .max()
        .map_or(0, |m| m + 1);
    let mut bytes = vec![0u8; len];
    for i in ids.filter_map(|i| usize::try_from(i).ok()) {
        bytes[i] = 1;
    }
    bytes
}

/// Entries of reader index `id` in SQLite's `reader_text` are `id << SEQ_BITS | seq`.
pub(crate) const SEQ_BITS: u32 = 40;

/// The first entry of reader index `id` in `reader_text` (SQLite).
pub(crate) fn first_entry(id: i64) -> i64 {
    id << SEQ_BITS
}

/// True when a reader index could speed up this reader's searches: they may read some labels,
/// but fewer than three in four of them.
fn worth_it(readable: &Entitlements) -> bool {
    !readable.label_ids.is_empty() && readable.label_ids.len() * 4 < readable.examined * 3
}

/// The SQL condition "the label `label` is in the set `labels`" (a byte per label id).
fn holds_sql(backend: Backend, labels: &str, label: &str) -> String {
    match backend {
        Backend::Sqlite => format!("substr({labels}, {label} + 1, 1) = x'01'"),
        Backend::Postgres => format!("substr({labels}, {label}::int + 1, 1) = '\\x01'::bytea"),
    }
}

/// One reader index, as an operator sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReaderIndexInfo {
    /// Its number.
    pub id: i64,
    /// How many labels' documents it holds.
    pub labels: usize,
    /// How many documents it holds.
    pub documents: i64,
    /// When it was built (UTC).
    pub created_at: String,
}

/// A reader index chosen for a search.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chosen {
    pub(crate) id: i64,
    /// It holds few labels the reader may not read; otherwise a tighter one is worth building.
    pub(crate) tight: bool,
}

impl Store {
    /// The reader indexes as `conn` sees them; this handle's list is refreshed too.
    async fn load_reader_indexes(
        &self,
        conn: &mut sqlx::AnyConnection,
    ) -> Result<Vec<Index>, StoreError> {
        let rows = sqlx::query("SELECT id, labels FROM reader_indexes ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
        let list: Vec<Index> = rows
            .iter()
            .map(|r| Index::new(r.get(0), r.get(1)))
            .collect();
        *self.readers.list.lock().expect("reader index lock") = list.clone();
        Ok(list)
    }

    async fn reload_reader_indexes(&self) -> Result<Vec<Index>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        self.load_reader_indexes(&mut conn).await
    }

    fn choose(list: &[Index], readable: &Entitlements) -> Option<Chosen> {
        list.iter()
            .filter(|ix| readable.label_ids.iter().all(|&l| ix.holds(l)))
            .min_by_key(|ix| ix.count)
            .map(|ix| Chosen {
                id: ix.id,
                tight: close(ix.waste(readable), readable),
            })
    }

    /// The reader index a search by `readable` may use: one that holds every label they may
    /// read, the one with the fewest labels. None for a reader of (nearly) everything.
    pub(crate) async fn reader_index(
        &self,
        readable: &Entitlements,
    ) -> Result<Option<Chosen>, StoreError> {
        if !worth_it(readable) {
            return Ok(None);
        }
        let known = self.readers.list.lock().expect("reader index lock").clone();
        if let Some(c) = Self::choose(&known, readable) {
            return Ok(Some(c));
        }
        // Another handle (or server process) may have built one since.
        Ok(Self::choose(&self.reload_reader_indexes().await?, readable))
    }

    /// The id of the reader index that searches by `readable` will use, building one (or
    /// extending the closest one with the labels it lacks) when none holds their labels with
    /// little to spare. None when the reader reads (nearly) everything, or when
    /// [`MAX_READER_INDEXES`] exist and none is close. Writes in one transaction: an index is
    /// complete or absent. Building blocks document writes meanwhile (SQLite: one writer at a
    /// time; PostgreSQL: a share lock on the documents).
    pub async fn prepare_reader_index(
        &self,
        readable: &Entitlements,
    ) -> Result<Option<i64>, StoreError> {
        match self.build_reader_index(readable, true).await? {
            ReaderIndexBuild::Ready(id) => Ok(id),
            ReaderIndexBuild::LeftToAnother => {
                unreachable!("a build that waits is never left to another")
            }
        }
    }

    /// As [`Store::prepare_reader_index`], unless another server (or handle) over the same
    /// PostgreSQL database is building one: then it is left to them (what a server does in
    /// the background after broad searches).
    pub async fn prepare_reader_index_unless_busy(
        &self,
        readable: &Entitlements,
    ) -> Result<ReaderIndexBuild, StoreError> {
        self.build_reader_index(readable, false).await
    }

    async fn build_reader_index(
        &self,
        readable: &Entitlements,
        wait: bool,
    ) -> Result<ReaderIndexBuild, StoreError> {
        if !worth_it(readable) {
            return Ok(ReaderIndexBuild::Ready(None));
        }
        let tight = |list: &[Index]| Self::choose(list, readable).filter(|c| c.tight);
        let full = |list: &[Index]| full(list, readable);
        let list = self.reload_reader_indexes().await?;
        if let Some(c) = tight(&list) {
            return Ok(ReaderIndexBuild::Ready(Some(c.id)));
        }
        if full(&list) {
            // Checked before taking any lock: searches by such readers keep asking.
            return Ok(ReaderIndexBuild::Ready(None));
        }
        let mut tx = self.begin_write().await?;
        if self.backend() == Backend::Postgres {
            // One build at a time across every server over this database: the advisory lock
            // is held to the end of the transaction (released by PostgreSQL if the server
            // dies, and then the build, never committed, leaves nothing). A server that does
            // not wait leaves the build to the one holding it.
            if wait {
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(READER_INDEX_LOCK)
                    .execute(&mut *tx)
                    .await?;
            } else {
                let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
                    .bind(READER_INDEX_LOCK)
                    .fetch_one(&mut *tx)
                    .await?;
                if !got {
                    return Ok(ReaderIndexBuild::LeftToAnother);
                }
            }
            // Document writes wait until the index is complete, and it sees every committed
            // one (SQLite: one writer at a time).
            sqlx::query("LOCK TABLE reader_indexes IN EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await?;
            sqlx::query("LOCK TABLE documents IN SHARE MODE")
                .execute(&mut *tx)
                .await?;
        }
        // Decided on the indexes as they are now: another build may have just committed.
        let list = self.load_reader_indexes(&mut tx).await?;
        if let Some(c) = tight(&list) {
            return Ok(ReaderIndexBuild::Ready(Some(c.id)));
        }
        let closest = list
            .iter()
            .filter(|ix| extendable(ix, readable))
            .min_by_key(|ix| ix.missing(readable).len());
        let (id, added) = match closest {
            Some(ix) => {
                let added = ix.missing(readable);
                let all = bitmap(
                    (0..ix.labels.len() as i64)
                        .filter(|&l| ix.holds(l))
                        .chain(added.iter().copied()),
                );
                sqlx::query("UPDATE reader_indexes SET labels = $1 WHERE id = $2")
                    .bind(all)
                    .bind(ix.id)
                    .execute(&mut *tx)
                    .await?;
                (ix.id, added)
            }
            None if !full(&list) => {
                let all = readable.label_ids.to_vec();
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO reader_indexes (labels, created_at) VALUES ($1, $2) RETURNING id",
                )
                .bind(bitmap(all.iter().copied()))
                .bind(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .fetch_one(&mut *tx)
                .await?;
                (id, all)
            }
            None => return Ok(ReaderIndexBuild::Ready(None)),
        };
        let added = bitmap(added.into_iter());
        let sql = match self.backend() {
            Backend::Sqlite => format!(
                "INSERT INTO reader_text (rowid, title, body) \
                 SELECT $1 + t.seq, t.title, t.body FROM documents d JOIN document_texts t ON t.seq = d.seq \
                 WHERE {} ORDER BY t.seq",
                holds_sql(Backend::Sqlite, "$2", "d.label_id")
            ),
            Backend::Postgres => format!(
                "INSERT INTO reader_documents (index_id, document_id, created_at, label_id, tsv) \
                 SELECT $1, d.id, d.created_at, d.label_id, d.tsv FROM documents d \
                 WHERE {} ORDER BY d.created_at, d.id",
                holds_sql(Backend::Postgres, "$2::bytea", "d.label_id")
            ),
        };
        let base = match self.backend() {
            Backend::Sqlite => first_entry(id),
            Backend::Postgres => id,
        };
        let n = sqlx::query(&sql)
            .bind(base)
            .bind(added)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        tracing::info!("reader index {id}: {n} documents added");
        if self.backend() == Backend::Postgres {
            // The new rows' visibility settled and their statistics taken now, not by the
            // first searches (which would set each row's hint bits) or by autovacuum later.
            if let Err(e) = sqlx::query("VACUUM (ANALYZE) reader_documents")
                .execute(&self.pool)
                .await
            {
                tracing::warn!("reader index {id}: VACUUM of reader_documents: {e}");
            }
        }
        self.reload_reader_indexes().await?;
        Ok(ReaderIndexBuild::Ready(Some(id)))
    }

    /// Whether this handle builds reader indexes by itself after broad searches (the
    /// default), or only through [`Store::prepare_reader_index`] — for an operator who builds
    /// them at a quiet hour, and for measurements without one.
    pub fn automatic_reader_indexes(&self, on: bool) {
        self.readers.automatic.store(on, Ordering::SeqCst);
    }

    /// The ids of the reader indexes in the database.
    pub async fn reader_index_ids(&self) -> Result<Vec<i64>, StoreError> {
        Ok(self
            .reload_reader_indexes()
            .await?
            .iter()
            .map(|ix| ix.id)
            .collect())
    }

    /// The reader indexes, for an operator: how many labels and documents each holds.
    pub async fn reader_indexes(&self) -> Result<Vec<ReaderIndexInfo>, StoreError> {
        let rows = sqlx::query("SELECT id, labels, created_at FROM reader_indexes ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        let param = match self.backend() {
            Backend::Sqlite => "$1",
            Backend::Postgres => "$1::bytea",
        };
        // The documents whose label the index holds: by its invariant, the ones it has.
        let count = format!(
            "SELECT COUNT(*) FROM documents d WHERE {}",
            holds_sql(self.backend(), param, "d.label_id")
        );
        let mut out = Vec::new();
        for r in &rows {
            let labels: Vec<u8> = r.get(1);
            let documents: i64 = sqlx::query_scalar(&count)
                .bind(&labels)
                .fetch_one(&self.pool)
                .await?;
            out.push(ReaderIndexInfo {
                id: r.get(0),
                labels: Index::new(0, labels).count,
                documents,
                created_at: r.get(2),
            });
        }
        Ok(out)
    }

    /// Builds (in the background) the reader index [`Store::prepare_reader_index`] would,
    /// unless this handle is building one already or does not build them by itself.
    pub(crate) fn prepare_reader_index_later(&self, readable: &Entitlements) {
        if !worth_it(readable)
            || !self.readers.automatic.load(Ordering::SeqCst)
            || full(
                &self.readers.list.lock().expect("reader index lock"),
                readable,
            )
            || self.readers.building.swap(true, Ordering::SeqCst)
        {
            return;
        }
        let store = self.clone();
        let readable = readable.clone();
        tokio::spawn(async move {
            tracing::info!(
                "reader index: preparing one for a reader of {} labels",
                readable.label_ids.len()
            );
            match store.build_reader_index(&readable, false).await {
                Ok(ReaderIndexBuild::LeftToAnother) => tracing::info!(
                    "reader index: another server over this database is building one; left to it"
                ),
                Ok(ReaderIndexBuild::Ready(None)) => tracing::info!(
                    "reader index: ready (none: {MAX_READER_INDEXES} exist and none is close to this reader's labels, whose broad searches use the main index)"
                ),
                Ok(ReaderIndexBuild::Ready(Some(id))) => tracing::info!("reader index: ready ({id})"),
                Err(e) => tracing::warn!("reader index: not built: {e}"),
            }
            store.readers.building.store(false, Ordering::SeqCst);
        });
    }

    /// Before a document's label or text changes (SQLite): its entries leave the reader
    /// indexes that hold it (those holding its current label). PostgreSQL does this in
    /// [`Store::index_for_readers`].
    pub(crate) async fn unindex_for_readers(
        &self,
        conn: &mut sqlx::AnyConnection,
        id: &str,
    ) -> Result<(), StoreError> {
        if self.backend() == Backend::Sqlite {
            sqlx::query(&format!(
                "DELETE FROM reader_text WHERE rowid IN \
                 (SELECT (p.id << {SEQ_BITS}) + d.seq FROM documents d JOIN reader_indexes p ON {} WHERE d.id = $1)",
                holds_sql(Backend::Sqlite, "p.labels", "d.label_id")
            ))
            .bind(id)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    /// After a document is created or its label or text changed, in the same transaction: it
    /// enters every reader index holding its label.
    pub(crate) async fn index_for_readers(
        &self,
        conn: &mut sqlx::AnyConnection,
        id: &str,
    ) -> Result<(), StoreError> {
        match self.backend() {
            Backend::Sqlite => {
                sqlx::query(&format!(
                    "INSERT INTO reader_text (rowid, title, body) \
                     SELECT (p.id << {SEQ_BITS}) + d.seq, t.title, t.body FROM documents d \
                     JOIN document_texts t ON t.seq = d.seq JOIN reader_indexes p ON {} WHERE d.id = $1",
                    holds_sql(Backend::Sqlite, "p.labels", "d.label_id")
                ))
                .bind(id)
                .execute(&mut *conn)
                .await?;
            }
            Backend::Postgres => {
                // The transaction has written the document row already, so an index being
                // built (share lock on the documents) either saw this write or waited for it.
                sqlx::query("DELETE FROM reader_documents WHERE document_id = $1")
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query(&format!(
                    "INSERT INTO reader_documents (index_id, document_id, created_at, label_id, tsv) \
                     SELECT p.id, d.id, d.created_at, d.label_id, d.tsv FROM documents d \
                     JOIN reader_indexes p ON {} WHERE d.id = $1",
                    holds_sql(Backend::Postgres, "p.labels", "d.label_id")
                ))
                .bind(id)
                .execute(&mut *conn)
                .await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(ids: &[i64], examined: usize) -> Entitlements {
        Entitlements {
            version: 1,
            label_ids: Arc::new(ids.to_vec()),
            unreadable: Arc::new(Vec::new()),
            examined,
            newest: examined as i64,
        }
    }

    #[test]
    fn an_index_serves_a_reader_only_when_it_holds_all_their_labels() {
        let wide = Index::new(1, bitmap([1, 2, 3, 4, 5, 6].into_iter()));
        let narrow = Index::new(2, bitmap([2, 3].into_iter()));
        let list = [wide, narrow];
        // Both hold {2, 3}: the one with fewer labels is chosen.
        let c = Store::choose(&list, &reader(&[2, 3], 100)).unwrap();
        assert_eq!((c.id, c.tight), (2, true));
        // Only the wide one holds 5.
        assert_eq!(Store::choose(&list, &reader(&[2, 5], 100)).unwrap().id, 1);
        // None holds 7 (nor a label id beyond every bitmap).
        assert!(Store::choose(&list, &reader(&[2, 7], 100)).is_none());
        assert!(Store::choose(&list, &reader(&[1 << 30], 100)).is_none());
        assert!(!list[0].holds(-1));
        // Readers of nothing or of nearly everything use the main index.
        assert!(!worth_it(&reader(&[], 100)));
        assert!(!worth_it(&reader(&(1..=75).collect::<Vec<_>>(), 100)));
        assert!(worth_it(&reader(&(1..=74).collect::<Vec<_>>(), 100)));
    }

    #[test]
    fn a_wasteful_index_is_not_tight() {
        let big = Index::new(1, bitmap(1..=100));
        let c = Store::choose(std::slice::from_ref(&big), &reader(&[1, 2], 1000)).unwrap();
        assert!(!c.tight);
        assert_eq!(big.waste(&reader(&[1, 2], 1000)), 98);
        assert_eq!(big.missing(&reader(&[1, 200], 1000)), [200]);
    }

    #[test]
    fn an_index_is_extended_by_a_quarter_at_most() {
        let ix = Index::new(1, bitmap(1..=8));
        // A reader of its labels and one new one: extended.
        assert!(extendable(&ix, &reader(&(1..=9).collect::<Vec<_>>(), 100)));
        // A reader of twice as many labels, its labels among them: it would double; not.
        assert!(!extendable(
            &ix,
            &reader(&(1..=16).collect::<Vec<_>>(), 100)
        ));
        // A reader of few of its labels: it holds too many they may not read; not.
        assert!(!extendable(&ix, &reader(&[1, 2, 9], 100)));
    }
}
