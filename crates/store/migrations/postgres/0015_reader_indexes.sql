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
    PRIMARY KEY (index_id, document_id)
);
CREATE INDEX reader_documents_created ON reader_documents (index_id, created_at, document_id);
CREATE INDEX reader_documents_document ON reader_documents (document_id);
