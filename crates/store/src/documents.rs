//! Documents: labelled metadata and versions in the database, content in [`crate::blobs`]
//! (content-addressed by SHA-256), full-text search with the visibility filter inside the query.

use std::collections::HashMap;

use pillar_core::stewardship::Origin;
use pillar_label::Label;
use serde::Serialize;

use crate::audit::AuditEvent;
use sqlx::Row as _;

use crate::db::{Backend, Store};
use crate::error::StoreError;
use crate::readers::{first_entry, Chosen};
use crate::registry::intern_labels;
use crate::sql::placeholders;
use crate::visibility::{Entitlements, Labelled};

/// A document as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentInfo {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Label id.
    #[serde(skip)]
    pub label_id: i64,
    /// Label.
    pub label: Label,
    /// Current version.
    pub version: i64,
    /// SHA-256 of the current version's content.
    pub sha256: String,
    /// Size in bytes.
    pub size: i64,
    /// Media type.
    pub media_type: String,
    /// Original file name.
    pub filename: String,
    /// Who uploaded the current version.
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: String,
    /// Where it comes from and who keeps it.
    pub origin: Origin,
    /// When withdrawn: by whom, when and why. A withdrawn document stays readable, marked, and
    /// nothing changes it afterwards.
    pub withdrawn: Option<Withdrawal>,
}

/// A document's withdrawal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Withdrawal {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who (blank when the reader may not see that person).
    pub by: String,
    /// Why, in the withdrawer's words.
    pub reason: String,
}

/// A new version's file.
#[derive(Debug, Clone)]
pub struct Upload<'a> {
    /// SHA-256 of the content (already in [`Blobs`]).
    pub sha256: &'a str,
    /// Size in bytes.
    pub size: i64,
    /// Media type.
    pub media_type: &'a str,
    /// Original file name.
    pub filename: &'a str,
    /// Extracted text for search.
    pub text: &'a str,
}

const SELECT: &str = "SELECT d.id, d.title, d.label_id, l.canonical, d.version, v.sha256, v.size, v.media_type, v.filename, v.uploaded_by, v.uploaded_at, \
    d.origin_org, d.origin_nation, d.stewards, d.committee_own, d.withdrawn_at, d.withdrawn_by, d.withdrawn_reason \
    FROM documents d JOIN labels l ON l.id = d.label_id \
    JOIN document_versions v ON v.document_id = d.id AND v.version = d.version";

fn info(r: &sqlx::any::AnyRow) -> Result<DocumentInfo, StoreError> {
    let canonical: String = r.get(3);
    Ok(DocumentInfo {
        id: r.get(0),
        title: r.get(1),
        label_id: r.get(2),
        label: Label::from_json(&canonical).map_err(|e| StoreError::Corrupt {
            table: "labels",
            reason: e.to_string(),
        })?,
        version: r.get(4),
        sha256: r.get(5),
        size: r.get(6),
        media_type: r.get(7),
        filename: r.get(8),
        uploaded_by: r.get(9),
        uploaded_at: r.get(10),
        origin: Origin {
            stewards: r
                .get::<String, _>(13)
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            ..crate::origins::read_at(r, [11, 12, 14], "documents")?
        },
        withdrawn: r.get::<Option<String>, _>(15).map(|at| Withdrawal {
            at,
            by: r.get::<Option<String>, _>(16).unwrap_or_default(),
            reason: r.get::<Option<String>, _>(17).unwrap_or_default(),
        }),
    })
}

/// An FTS5 query matching every word of the user's text (each quoted: no operators).
fn fts5_query(text: &str) -> String {
    text.split_whitespace()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Store {
    async fn index_document(
        &self,
        conn: &mut sqlx::AnyConnection,
        id: &str,
        title: &str,
        text: &str,
    ) -> Result<(), StoreError> {
        self.unindex_for_readers(conn, id).await?;
        match self.backend() {
            Backend::Sqlite => {
                sqlx::query(
                    "INSERT INTO document_texts (seq, title, body) SELECT seq, $2, $3 FROM documents WHERE id = $1 \
                     ON CONFLICT (seq) DO UPDATE SET title = excluded.title, body = excluded.body",
                )
                .bind(id)
                .bind(title)
                .bind(text)
                .execute(&mut *conn)
                .await?;
                sqlx::query(
                    "DELETE FROM documents_text WHERE rowid = (SELECT seq FROM documents WHERE id = $1)",
                )
                .bind(id)
                .execute(&mut *conn)
                .await?;
                sqlx::query(
                    "INSERT INTO documents_text (rowid, title, body) SELECT seq, $2, $3 FROM documents WHERE id = $1",
                )
                .bind(id)
                .bind(title)
                .bind(text)
                .execute(&mut *conn)
                .await?;
            }
            Backend::Postgres => {
                // Keep the word counts: the old text's words out, the new text's in.
                sqlx::query(
                    "UPDATE document_terms SET docs = docs - 1 WHERE term IN \
                     (SELECT lexeme FROM documents, unnest(tsv) WHERE id = $1)",
                )
                .bind(id)
                .execute(&mut *conn)
                .await?;
                sqlx::query(
                    "UPDATE documents SET tsv = setweight(to_tsvector('simple', $2), 'A') || to_tsvector('simple', $3) WHERE id = $1",
                )
                .bind(id)
                .bind(title)
                .bind(text)
                .execute(&mut *conn)
                .await?;
                sqlx::query(
                    "INSERT INTO document_terms (term, docs) SELECT lexeme, 1 FROM documents, unnest(tsv) WHERE id = $1 \
                     ON CONFLICT (term) DO UPDATE SET docs = document_terms.docs + 1",
                )
                .bind(id)
                .execute(&mut *conn)
                .await?;
            }
        }
        self.index_for_readers(conn, id).await
    }

    /// Creates a document with its first version and the audit entry `entry` (which gets the
    /// document's label), in one transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_document(
        &self,
        id: &str,
        title: &str,
        label: &Label,
        origin: &Origin,
        by: &str,
        at: &str,
        file: &Upload<'_>,
        entry: &AuditEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let (labels, _) = intern_labels(&mut tx, std::iter::once(label)).await?;
        sqlx::query(&format!("INSERT INTO documents (id, title, label_id, version, created_by, created_at, origin_org, origin_nation, stewards, committee_own) VALUES ({})", placeholders(&tx, 0, 10)))
            .bind(id)
            .bind(title)
            .bind(labels[label])
            .bind(1_i64)
            .bind(by)
            .bind(at)
            .bind(origin.organisation.as_deref())
            .bind(origin.nation.as_str())
            .bind(origin.stewards.join(" "))
            .bind(i64::from(origin.committee))
            .execute(&mut *tx)
            .await?;
        self.add_version(&mut tx, id, 1, by, at, file).await?;
        self.index_document(&mut tx, id, title, file.text).await?;
        let appended = self.append_audit(&mut tx, at, entry, Some(label)).await?;
        self.commit_audited(tx, appended).await?;
        Ok(())
    }

    async fn add_version(
        &self,
        conn: &mut sqlx::AnyConnection,
        id: &str,
        version: i64,
        by: &str,
        at: &str,
        f: &Upload<'_>,
    ) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO document_versions (document_id, version, sha256, size, media_type, filename, uploaded_by, uploaded_at, text) VALUES ({})",
            placeholders(conn, 0, 9)
        ))
        .bind(id)
        .bind(version)
        .bind(f.sha256)
        .bind(f.size)
        .bind(f.media_type)
        .bind(f.filename)
        .bind(by)
        .bind(at)
        .bind(f.text)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// How many documents are stored (operator view: for seeding).
    pub(crate) async fn document_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM documents")
            .fetch_one(&self.pool)
            .await?)
    }

    /// The text of the current version of each of `docs` (documents a reader's search
    /// returned), by id; none for a version stored without it.
    pub(crate) async fn current_texts(
        &self,
        docs: &[DocumentInfo],
    ) -> Result<HashMap<String, String>, StoreError> {
        let mut out = HashMap::new();
        for d in docs {
            let text: Option<Option<String>> = sqlx::query_scalar(
                "SELECT text FROM document_versions WHERE document_id = $1 AND version = $2",
            )
            .bind(&d.id)
            .bind(d.version)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(Some(t)) = text {
                out.insert(d.id.clone(), t);
            }
        }
        Ok(out)
    }

    /// Adds a version to a document the caller may read (None when it is not visible), with the
    /// audit entry `entry` (which gets the document's label), in one transaction. Whether the
    /// caller may change it is decided before (`pillar_core::stewardship`).
    pub async fn new_document_version(
        &self,
        id: &str,
        readable: &Entitlements,
        by: &str,
        at: &str,
        file: &Upload<'_>,
        entry: &AuditEvent,
    ) -> Result<Option<i64>, StoreError> {
        let Some(doc) = self.document(id, readable).await? else {
            return Ok(None);
        };
        let mut tx = self.begin_write().await?;
        // The version is read again inside the transaction: two uploads at once get two numbers.
        // A document withdrawn meanwhile takes none.
        let (current, withdrawn): (i64, Option<String>) =
            sqlx::query_as("SELECT version, withdrawn_at FROM documents WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if withdrawn.is_some() {
            return Err(StoreError::Refused(format!("document `{id}` is withdrawn")));
        }
        let version = current + 1;
        self.add_version(&mut tx, id, version, by, at, file).await?;
        sqlx::query("UPDATE documents SET version = $1 WHERE id = $2")
            .bind(version)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        self.index_document(&mut tx, id, &doc.title, file.text)
            .await?;
        let appended = self
            .append_audit(&mut tx, at, entry, Some(&doc.label))
            .await?;
        self.commit_audited(tx, appended).await?;
        Ok(Some(version))
    }

    /// Gives a readable document a new label, with the audit entry `entry` carrying
    /// `entry_label` (the higher of the two labels, so that the entry is shown only to those
    /// who could read the document before and after); returns false when it is not visible.
    /// The caller has made the release decision (see the web crate); this only records it.
    pub async fn relabel_document(
        &self,
        id: &str,
        readable: &Entitlements,
        label: &Label,
        at: &str,
        entry: &AuditEvent,
        entry_label: &Label,
    ) -> Result<bool, StoreError> {
        if self.document(id, readable).await?.is_none() {
            return Ok(false);
        }
        let mut tx = self.begin_write().await?;
        let (labels, _) = intern_labels(&mut tx, std::iter::once(label)).await?;
        self.unindex_for_readers(&mut tx, id).await?;
        let changed = sqlx::query(
            "UPDATE documents SET label_id = $1 WHERE id = $2 AND withdrawn_at IS NULL",
        )
        .bind(labels[label])
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            // Withdrawn meanwhile: nothing changes (the transaction is dropped).
            return Err(StoreError::Refused(format!("document `{id}` is withdrawn")));
        }
        self.index_for_readers(&mut tx, id).await?;
        let appended = self
            .append_audit(&mut tx, at, entry, Some(entry_label))
            .await?;
        self.commit_audited(tx, appended).await?;
        Ok(true)
    }

    /// Withdraws a readable document that is not withdrawn yet, with `entry` (which gets the
    /// document's label) in the same transaction. `Ok(false)` when it is not readable or already
    /// withdrawn (nothing is written then). Whether `by` may withdraw it is decided before
    /// (`pillar_core::stewardship::may_change`).
    pub async fn withdraw_document(
        &self,
        id: &str,
        readable: &Entitlements,
        by: &str,
        at: &str,
        reason: &str,
        entry: &AuditEvent,
    ) -> Result<bool, StoreError> {
        let Some(d) = self.document(id, readable).await? else {
            return Ok(false);
        };
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE documents SET withdrawn_at = $1, withdrawn_by = $2, withdrawn_reason = $3 \
             WHERE id = $4 AND withdrawn_at IS NULL",
        )
        .bind(at)
        .bind(by)
        .bind(reason)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        let appended = self
            .append_audit(&mut tx, at, entry, Some(&d.label))
            .await?;
        self.commit_audited(tx, appended).await?;
        Ok(true)
    }

    /// A document, if it exists and is readable.
    pub(crate) async fn document(
        &self,
        id: &str,
        readable: &Entitlements,
    ) -> Result<Option<DocumentInfo>, StoreError> {
        let q = Labelled::filtered(
            self.backend(),
            Some(readable),
            &format!("{SELECT} WHERE d.id = $1 AND {{label:d.label_id}}"),
        );
        let row = q
            .bind_rows(sqlx::query(q.sql()).bind(id))
            .fetch_optional(&self.pool)
            .await?;
        let Some(mut d) = row.as_ref().map(info).transpose()? else {
            return Ok(None);
        };
        self.hide_uploaders(std::slice::from_mut(&mut d), readable)
            .await?;
        Ok(Some(d))
    }

    /// Blanks the uploaders `readable` may not see: people are labelled records too, and one
    /// a reader may not know of is not named through a document they may read. (A document's
    /// origin stays as recorded, for the stewardship decisions; pages and the API show it
    /// through [`Store::shown_origin`].)
    async fn hide_uploaders(
        &self,
        docs: &mut [DocumentInfo],
        readable: &Entitlements,
    ) -> Result<(), StoreError> {
        if docs.is_empty() {
            return Ok(());
        }
        let people = self.readable_ids("people", readable).await?;
        for d in docs {
            if !people.contains(&d.uploaded_by) {
                d.uploaded_by.clear();
            }
            if let Some(w) = &mut d.withdrawn {
                if !people.contains(&w.by) {
                    w.by.clear();
                }
            }
        }
        Ok(())
    }

    /// The versions of a readable document, newest first.
    pub(crate) async fn document_versions(
        &self,
        id: &str,
        readable: &Entitlements,
    ) -> Result<Vec<(i64, String, i64, String, String)>, StoreError> {
        if self.document(id, readable).await?.is_none() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query("SELECT version, sha256, size, uploaded_by, uploaded_at FROM document_versions WHERE document_id = $1 ORDER BY version DESC")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        let people = self.readable_ids("people", readable).await?;
        Ok(rows
            .iter()
            .map(|r| {
                let by: String = r.get(3);
                let by = if people.contains(&by) {
                    by
                } else {
                    String::new()
                };
                (r.get(0), r.get(1), r.get(2), by, r.get(4))
            })
            .collect())
    }

    /// Readable documents matching `query` (every word, in the title or the text), best first;
    /// all readable documents, newest first, when the query is empty. The visibility filter is
    /// part of the search query itself.
    ///
    /// A query matching up to [`SEARCH_CANDIDATES`] readable documents is ranked by relevance
    /// (BM25 in SQLite, `ts_rank` in PostgreSQL); a broader one (a word in most documents)
    /// lists its newest matches and says so through [`SearchHits::broad`]: ranking a million
    /// matches on every query would cost seconds, and newest-first is what a user scanning a
    /// broad result wants first.
    pub(crate) async fn search_documents(
        &self,
        query: &str,
        readable: &Entitlements,
        limit: i64,
    ) -> Result<SearchHits, StoreError> {
        self.search_documents_among(query, readable, limit, SEARCH_CANDIDATES)
            .await
    }

    /// [`Store::search_documents`] with another bound than [`SEARCH_CANDIDATES`].
    pub(crate) async fn search_documents_among(
        &self,
        query: &str,
        readable: &Entitlements,
        limit: i64,
        candidates: i64,
    ) -> Result<SearchHits, StoreError> {
        let mut hits = self
            .search(query, Some(readable), limit, candidates)
            .await?;
        self.hide_uploaders(&mut hits.documents, readable).await?;
        Ok(hits)
    }

    /// The same search without the visibility filter, to measure what the filter costs. Built
    /// only with the `measure` feature (benchmarks); no adapter can call it.
    #[cfg(feature = "measure")]
    pub async fn search_documents_unfiltered(
        &self,
        query: &str,
        limit: i64,
    ) -> Result<SearchHits, StoreError> {
        self.search(query, None, limit, SEARCH_CANDIDATES).await
    }

    async fn search(
        &self,
        query: &str,
        readable: Option<&Entitlements>,
        limit: i64,
        candidates: i64,
    ) -> Result<SearchHits, StoreError> {
        // Every query below writes its label filter through `Labelled` (unfiltered, for
        // measurement only, when there is no reader); the caller's parameters come first.
        let labelled = |sql: String| Labelled::filtered(self.backend(), readable, &sql);
        if query.trim().is_empty() {
            // Which index should lead: when the reader may see a fair share of the labels, walk
            // the documents newest first and keep the readable ones (`+label_id` keeps the
            // planner off the label index); when they see few labels, start from those labels.
            let column = match readable {
                Some(r) if r.few() => "d.label_id",
                _ => "+d.label_id",
            };
            let q = labelled(format!(
                "{SELECT} WHERE {{label_walk:{column}}} ORDER BY d.created_at DESC, d.id DESC LIMIT $1"
            ));
            let rows = q
                .bind_rows(sqlx::query(q.sql()).bind(limit))
                .fetch_all(&self.pool)
                .await?;
            return Ok(SearchHits {
                documents: rows.iter().map(info).collect::<Result<_, _>>()?,
                broad: false,
            });
        }
        // The full-text index drives these queries: `+` keeps the planner off the label index.
        let filter = "{label:+d.label_id}";
        let text = match self.backend() {
            Backend::Sqlite => fts5_query(query),
            Backend::Postgres => query.to_string(),
        };
        // First the readable matches, most recent first, one more than `candidates`: walking
        // the index in that order stops early, however many documents match. A broad query
        // (more matches than candidates) lists its newest `limit` matches; a selective one
        // ranks all its matches by relevance.
        //
        // A reader index holding every label the reader may read (crate::readers) walks their
        // documents only; a broad search without one (or with a loose one) has one built.
        let reader_index = || async {
            match readable {
                Some(r) => self.reader_index(r).await,
                None => Ok(None),
            }
        };
        let build_later = |walked_broad: bool, used: Option<Chosen>| {
            if let Some(r) = readable.filter(|_| walked_broad && !used.is_some_and(|c| c.tight)) {
                self.prepare_reader_index_later(r);
            }
        };
        let q = match self.backend() {
            Backend::Sqlite => {
                let chosen = reader_index().await?;
                // The matches walked, from sequence number `from` on (an SQL expression; all
                // of them when None).
                let walk = |from: Option<&str>| match chosen {
                    Some(c) => {
                        let (first, last) = (first_entry(c.id), first_entry(c.id + 1) - 1);
                        format!(
                            "reader_text f JOIN documents d ON d.seq = f.rowid - {first} \
                             WHERE f.reader_text MATCH $1 AND f.rowid BETWEEN {first} + {} AND {last}",
                            from.unwrap_or("0")
                        )
                    }
                    None => format!(
                        "documents_text f JOIN documents d ON d.seq = f.rowid \
                         WHERE f.documents_text MATCH $1{}",
                        from.map(|f| format!(" AND f.rowid >= {f}"))
                            .unwrap_or_default()
                    ),
                };
                // One row back: how many, the oldest, and the `limit`-th newest sequence number.
                let recent = labelled(format!(
                    "WITH c AS (SELECT d.seq AS r FROM {} AND {filter} ORDER BY f.rowid DESC LIMIT $2) \
                     SELECT (SELECT COUNT(*) FROM c), (SELECT MIN(r) FROM c), \
                     (SELECT r FROM c ORDER BY r DESC LIMIT 1 OFFSET $3)",
                    walk(None)
                ));
                let row = recent
                    .bind_rows(
                        sqlx::query(recent.sql())
                            .bind(&text)
                            .bind((candidates + 1).max(limit))
                            .bind((limit - 1).max(0)),
                    )
                    .fetch_one(&self.pool)
                    .await?;
                let (found, oldest, nth): (i64, Option<i64>, Option<i64>) =
                    (row.get(0), row.get(1), row.get(2));
                let broad = found > candidates;
                build_later(broad, chosen);
                let Some(oldest) = oldest else {
                    return Ok(SearchHits::default());
                };
                // The rowid bound keeps FTS5's scoring to the rows the first pass walked; the
                // columns are read for the rows shown only. A broad query lists the newest
                // (through the reader index when there is one); a selective one is ranked over
                // the main index, whose statistics BM25 uses whoever searches.
                let sql = if broad {
                    format!(
                        "WITH hit AS (SELECT d.seq AS seq, -d.seq AS score FROM {} AND {filter} \
                         ORDER BY f.rowid DESC LIMIT $3) \
                         {SELECT} JOIN hit ON hit.seq = d.seq ORDER BY hit.score, d.id",
                        walk(Some("$2"))
                    )
                } else {
                    format!(
                        "WITH hit AS (SELECT f.rowid AS seq, f.rank AS score FROM documents_text f JOIN documents d ON d.seq = f.rowid \
                         WHERE f.documents_text MATCH $1 AND f.rowid >= $2 AND {filter} ORDER BY f.rank LIMIT $3) \
                         {SELECT} JOIN hit ON hit.seq = d.seq ORDER BY hit.score, d.id"
                    )
                };
                let bound = if broad { nth.unwrap_or(oldest) } else { oldest };
                (sql, broad, Among::From(bound))
            }
            Backend::Postgres => {
                // The rarest word bounds the matches. When it may match many more documents
                // than the candidates, walk the documents newest first (the planner is told not
                // to build a bitmap of every match); otherwise start from the GIN index.
                let rarest: i64 = sqlx::query_scalar(
                    "SELECT COALESCE(MIN(COALESCE(t.docs, 0)), 0) FROM \
                     unnest(tsvector_to_array(to_tsvector('simple', $1))) AS w(term) \
                     LEFT JOIN document_terms t ON t.term = w.term",
                )
                .bind(&text)
                .fetch_one(&self.pool)
                .await?;
                let walked = rarest > WALK_FACTOR * candidates;
                // Walking, a reader index holding the reader's labels stands for the documents
                // (looked for only then: elsewhere the GIN index leads).
                let used = if walked { reader_index().await? } else { None };
                let (id, from) = match used {
                    Some(c) => (
                        "d.document_id",
                        format!("reader_documents d WHERE d.index_id = {} AND", c.id),
                    ),
                    None => ("d.id", "documents d WHERE".to_string()),
                };
                let recent = labelled(format!(
                    "SELECT {id}, ts_rank(d.tsv, plainto_tsquery('simple', $1)) FROM {from} \
                     d.tsv @@ plainto_tsquery('simple', $1) AND {filter} \
                     ORDER BY d.created_at DESC, {id} DESC LIMIT $2"
                ));
                let mut tx = self.pool.begin().await?;
                if walked {
                    // Planned for this query's words and bound, every time: the statement is
                    // prepared once per connection, and a generic plan (after five runs),
                    // blind to the bound, may read every candidate and sort them.
                    for setting in [
                        "SET LOCAL enable_bitmapscan = off",
                        "SET LOCAL enable_seqscan = off",
                        "SET LOCAL plan_cache_mode = force_custom_plan",
                    ] {
                        sqlx::query(setting).execute(&mut *tx).await?;
                    }
                }
                let found = recent
                    .bind_rows(
                        sqlx::query(recent.sql())
                            .bind(&text)
                            .bind((candidates + 1).max(limit)),
                    )
                    .fetch_all(&mut *tx)
                    .await?;
                tx.commit().await?;
                let broad = found.len() as i64 > candidates;
                build_later(walked && broad, used);
                // The first pass scored each match (cheap: the row is at hand); the second
                // reads the columns of the rows shown only.
                let mut keep: Vec<(String, f32)> =
                    found.iter().map(|r| (r.get(0), r.get(1))).collect();
                if !broad {
                    keep.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                }
                keep.truncate(limit.max(0) as usize);
                if keep.is_empty() {
                    return Ok(SearchHits {
                        documents: Vec::new(),
                        broad,
                    });
                }
                let sql = format!(
                    "{SELECT} WHERE d.id IN (SELECT jsonb_array_elements_text($2::jsonb)) AND {filter} LIMIT $3"
                );
                let keep: Vec<String> = keep.into_iter().map(|(id, _)| id).collect();
                (sql, broad, Among::Ids(keep))
            }
        };
        let (sql, broad, bound) = q;
        let second = labelled(sql);
        let q = sqlx::query(second.sql()).bind(text);
        let q = match &bound {
            Among::From(seq) => q.bind(*seq),
            Among::Ids(ids) => q.bind(serde_json::to_string(ids).expect("ids serialise")),
        };
        let rows = second
            .bind_rows(q.bind(limit))
            .fetch_all(&self.pool)
            .await?;
        let mut documents: Vec<DocumentInfo> = rows.iter().map(info).collect::<Result<_, _>>()?;
        if let Among::Ids(order) = &bound {
            // In the order the first pass chose.
            let at: HashMap<&str, usize> = order
                .iter()
                .enumerate()
                .map(|(i, id)| (id.as_str(), i))
                .collect();
            documents.sort_by_key(|d| at.get(d.id.as_str()).copied().unwrap_or(usize::MAX));
        }
        Ok(SearchHits { documents, broad })
    }
}

/// Which matches the second pass of a search reads: from a sequence number on (SQLite), or
/// these ids, in this order (PostgreSQL).
enum Among {
    From(i64),
    Ids(Vec<String>),
}

/// PostgreSQL walks the documents newest first when the rarest word of a query is in more than
/// this many times the candidates (else it starts from the GIN index).
const WALK_FACTOR: i64 = 20;

/// A full-text query matching more readable documents than this is *broad*: its newest
/// matches are listed instead of ranking them all (see [`Store::search_documents`]).
pub const SEARCH_CANDIDATES: i64 = 2_000;

/// The documents a search returns.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchHits {
    /// Best first; newest first for an empty or a broad query.
    pub documents: Vec<DocumentInfo>,
    /// More than [`SEARCH_CANDIDATES`] readable documents matched: they are listed newest first.
    pub broad: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_queries_are_quoted() {
        assert_eq!(
            fts5_query(r#"quantum "sens OR x"#),
            r#""quantum" """sens" "OR" "x""#
        );
    }
}
