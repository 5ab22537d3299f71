//! Documents: labelled metadata and versions in the database, content in a content-addressed
//! directory (SHA-256), full-text search with the visibility filter inside the query.

use std::path::{Path, PathBuf};

use pillar_label::Label;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row as _;

use crate::db::{Backend, Store};
use crate::error::StoreError;
use crate::registry::intern_labels;
use crate::sql::placeholders;
use crate::visibility::Entitlements;

/// Content-addressed file storage: a blob lives at `dir/ab/abcdef…` (its SHA-256).
#[derive(Debug, Clone)]
pub struct Blobs {
    dir: PathBuf,
}

impl Blobs {
    /// Blobs under `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Blobs { dir: dir.into() }
    }

    fn path(&self, sha: &str) -> PathBuf {
        self.dir.join(&sha[..2]).join(sha)
    }

    /// Stores bytes (atomically: written aside, then renamed); returns their SHA-256.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha = hex::encode(Sha256::digest(bytes));
        let path = self.path(&sha);
        if !path.exists() {
            std::fs::create_dir_all(path.parent().expect("blob paths have a parent"))?;
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            std::fs::write(&tmp, bytes)?;
            std::fs::rename(&tmp, &path)?;
        }
        Ok(sha)
    }

    /// Reads a blob back, checking its hash.
    pub fn get(&self, sha: &str) -> std::io::Result<Vec<u8>> {
        if sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a SHA-256",
            ));
        }
        let bytes = std::fs::read(self.path(sha))?;
        if hex::encode(Sha256::digest(&bytes)) != sha {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("blob {sha} is corrupt"),
            ));
        }
        Ok(bytes)
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

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

const SELECT: &str = "SELECT d.id, d.title, d.label_id, l.canonical, d.version, v.sha256, v.size, v.media_type, v.filename, v.uploaded_by, v.uploaded_at \
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
    fn visible_filter(&self, column: &str, param: usize) -> String {
        match self.backend() {
            Backend::Sqlite => format!("{column} IN (SELECT value FROM json_each(${param}))"),
            Backend::Postgres => {
                format!("{column} IN (SELECT jsonb_array_elements_text(${param}::jsonb)::bigint)")
            }
        }
    }

    async fn index_document(
        &self,
        conn: &mut sqlx::AnyConnection,
        id: &str,
        title: &str,
        text: &str,
    ) -> Result<(), StoreError> {
        match self.backend() {
            Backend::Sqlite => {
                sqlx::query("DELETE FROM documents_fts WHERE document_id = $1")
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query(
                    "INSERT INTO documents_fts (document_id, title, body) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(title)
                .bind(text)
                .execute(&mut *conn)
                .await?;
            }
            Backend::Postgres => {
                sqlx::query("DELETE FROM documents_search WHERE document_id = $1")
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query(
                    "INSERT INTO documents_search (document_id, tsv) VALUES ($1, setweight(to_tsvector('simple', $2), 'A') || to_tsvector('simple', $3))",
                )
                .bind(id)
                .bind(title)
                .bind(text)
                .execute(&mut *conn)
                .await?;
            }
        }
        Ok(())
    }

    /// Creates a document with its first version, in one transaction.
    pub async fn create_document(
        &self,
        id: &str,
        title: &str,
        label: &Label,
        by: &str,
        at: &str,
        file: &Upload<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let (labels, _) = intern_labels(&mut tx, std::iter::once(label)).await?;
        sqlx::query("INSERT INTO documents (id, title, label_id, version, created_by, created_at) VALUES ($1, $2, $3, 1, $4, $5)")
            .bind(id)
            .bind(title)
            .bind(labels[label])
            .bind(by)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        self.add_version(&mut tx, id, 1, by, at, file).await?;
        self.index_document(&mut tx, id, title, file.text).await?;
        tx.commit().await?;
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
            "INSERT INTO document_versions (document_id, version, sha256, size, media_type, filename, uploaded_by, uploaded_at) VALUES ({})",
            placeholders(conn, 0, 8)
        ))
        .bind(id)
        .bind(version)
        .bind(f.sha256)
        .bind(f.size)
        .bind(f.media_type)
        .bind(f.filename)
        .bind(by)
        .bind(at)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Adds a version to a document the caller may read (None when it is not visible).
    pub async fn new_document_version(
        &self,
        id: &str,
        readable: &Entitlements,
        by: &str,
        at: &str,
        file: &Upload<'_>,
    ) -> Result<Option<i64>, StoreError> {
        let Some(doc) = self.document(id, readable).await? else {
            return Ok(None);
        };
        let mut tx = self.pool.begin().await?;
        let version = doc.version + 1;
        self.add_version(&mut tx, id, version, by, at, file).await?;
        sqlx::query("UPDATE documents SET version = $1 WHERE id = $2")
            .bind(version)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        self.index_document(&mut tx, id, &doc.title, file.text)
            .await?;
        tx.commit().await?;
        Ok(Some(version))
    }

    /// Gives a readable document a new label; returns false when it is not visible. The caller
    /// has made the release decision (see the web crate); this only records it.
    pub async fn relabel_document(
        &self,
        id: &str,
        readable: &Entitlements,
        label: &Label,
    ) -> Result<bool, StoreError> {
        if self.document(id, readable).await?.is_none() {
            return Ok(false);
        }
        let mut tx = self.pool.begin().await?;
        let (labels, _) = intern_labels(&mut tx, std::iter::once(label)).await?;
        sqlx::query("UPDATE documents SET label_id = $1 WHERE id = $2")
            .bind(labels[label])
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A document, if it exists and is readable.
    pub async fn document(
        &self,
        id: &str,
        readable: &Entitlements,
    ) -> Result<Option<DocumentInfo>, StoreError> {
        let sql = format!(
            "{SELECT} WHERE d.id = $1 AND {}",
            self.visible_filter("d.label_id", 2)
        );
        let ids = serde_json::to_string(&*readable.label_ids).expect("ids serialise");
        let row = sqlx::query(&sql)
            .bind(id)
            .bind(ids)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(info).transpose()
    }

    /// The versions of a readable document, newest first.
    pub async fn document_versions(
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
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
            .collect())
    }

    /// Readable documents matching `query` (every word, in the title or the text), best first;
    /// all readable documents, newest first, when the query is empty. The visibility filter is
    /// part of the search query itself.
    pub async fn search_documents(
        &self,
        query: &str,
        readable: &Entitlements,
        limit: i64,
    ) -> Result<Vec<DocumentInfo>, StoreError> {
        let ids = serde_json::to_string(&*readable.label_ids).expect("ids serialise");
        let filter = self.visible_filter("d.label_id", 2);
        let rows = if query.trim().is_empty() {
            // Which index should lead: when the reader may see a fair share of the labels, walk
            // the documents newest first and keep the readable ones (`+label_id` keeps the
            // planner off the label index); when they see few labels, start from those labels.
            let column = if readable.label_ids.len() * 20 >= readable.examined.max(1) {
                "+d.label_id"
            } else {
                "d.label_id"
            };
            let sql = format!(
                "{SELECT} WHERE {} ORDER BY d.created_at DESC, d.id DESC LIMIT $1",
                self.visible_filter(column, 2)
            );
            sqlx::query(&sql)
                .bind(limit)
                .bind(ids)
                .fetch_all(&self.pool)
                .await?
        } else {
            match self.backend() {
                Backend::Sqlite => {
                    let sql = format!(
                        "{SELECT} JOIN documents_fts f ON f.document_id = d.id WHERE f.documents_fts MATCH $1 AND {filter} ORDER BY f.rank LIMIT $3"
                    );
                    sqlx::query(&sql)
                        .bind(fts5_query(query))
                        .bind(ids)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?
                }
                Backend::Postgres => {
                    let sql = format!(
                        "{SELECT} JOIN documents_search s ON s.document_id = d.id WHERE s.tsv @@ plainto_tsquery('simple', $1) AND {filter} \
                         ORDER BY ts_rank(s.tsv, plainto_tsquery('simple', $1)) DESC, d.id LIMIT $3"
                    );
                    sqlx::query(&sql)
                        .bind(query)
                        .bind(ids)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?
                }
            }
        };
        rows.iter().map(info).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_content_addressed_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let b = Blobs::new(dir.path());
        let sha = b.put(b"hello").unwrap();
        assert_eq!(
            sha,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(b.get(&sha).unwrap(), b"hello");
        assert_eq!(b.put(b"hello").unwrap(), sha);
        std::fs::write(dir.path().join(&sha[..2]).join(&sha), b"tampered").unwrap();
        assert!(b.get(&sha).is_err());
        assert!(b.get("../../etc/passwd").is_err());
    }

    #[test]
    fn fts_queries_are_quoted() {
        assert_eq!(
            fts5_query(r#"quantum "sens OR x"#),
            r#""quantum" """sens" "OR" "x""#
        );
    }
}
