-- Reader indexes: the documents under a set of labels, with their text vectors, in creation
-- order, so that a broad search by a reader whose readable labels are all in the set walks their
-- documents only (over the whole table it skips every match the reader may not see). The store
-- builds one for a group of readers when they run broad searches, keeps each up to date in the
-- transaction of every document write, and still applies the reader's label filter to every
-- row it returns.

-- `labels`: a byte per label id, 1 when the documents under that label are in the index.
CREATE TABLE reader_indexes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    labels     BYTEA NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE reader_documents (
    index_id    BIGINT NOT NULL REFERENCES reader_indexes(id),
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    label_id    BIGINT NOT NULL,
    tsv         TSVECTOR,
    -- Keyed by document first (a write finds a document's entries by it), so that the one
    -- index led by `index_id` is the one in creation order: a plan cannot read a whole index's
    -- documents by key and sort them instead of walking the newest.
    PRIMARY KEY (document_id, index_id)
);
CREATE INDEX reader_documents_created ON reader_documents (index_id, created_at, document_id);
