-- Documents: metadata and versions here, content on disk addressed by SHA-256, full text in
-- an FTS5 index (title and extracted text of the current version).
CREATE TABLE documents (
    id         TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    label_id   INTEGER NOT NULL REFERENCES labels(id),
    version    INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX documents_label ON documents(label_id);

CREATE TABLE document_versions (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    media_type  TEXT NOT NULL,
    filename    TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    PRIMARY KEY (document_id, version)
);

CREATE VIRTUAL TABLE documents_fts USING fts5(document_id UNINDEXED, title, body);
CREATE INDEX documents_created ON documents(created_at, id);
