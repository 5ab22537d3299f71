-- Documents: metadata and versions here, content on disk addressed by SHA-256, full text as a
-- tsvector (title and extracted text of the current version) with a GIN index.
CREATE TABLE documents (
    id         TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    label_id   BIGINT NOT NULL REFERENCES labels(id),
    version    BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX documents_label ON documents(label_id);

CREATE TABLE document_versions (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    version     BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    size        BIGINT NOT NULL,
    media_type  TEXT NOT NULL,
    filename    TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    PRIMARY KEY (document_id, version)
);

CREATE TABLE documents_search (
    document_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    tsv         TSVECTOR NOT NULL
);
CREATE INDEX documents_search_tsv ON documents_search USING GIN (tsv);
CREATE INDEX documents_created ON documents(created_at, id);
