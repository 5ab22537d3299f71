-- Reader indexes: full-text indexes of the documents under a set of labels, so that a search by
-- a reader whose readable labels are all in the set walks their documents only (a broad query
-- otherwise skips every match the reader may not see). The store builds one for a group of
-- readers when they run broad searches, keeps each up to date in the transaction of every
-- document write, and still applies the reader's label filter to every row it returns.

-- The extracted text of each document's current version (the full-text index keeps none), from
-- which a reader index is built. Existing documents get it back from the index's own token
-- lists: the words in order, which index the same.
CREATE TABLE document_texts (
    seq   INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    body  TEXT NOT NULL
);
CREATE VIRTUAL TABLE temp.documents_words USING fts5vocab(main, documents_text, instance);
INSERT INTO document_texts (seq, title, body)
    SELECT doc,
           COALESCE(group_concat(term, ' ' ORDER BY offset) FILTER (WHERE col = 'title'), ''),
           COALESCE(group_concat(term, ' ' ORDER BY offset) FILTER (WHERE col = 'body'), '')
    FROM temp.documents_words GROUP BY doc;
DROP TABLE temp.documents_words;

-- `labels`: a byte per label id, 1 when the documents under that label are in the index.
CREATE TABLE reader_indexes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    labels     BLOB NOT NULL,
    created_at TEXT NOT NULL
);
-- Every reader index in one table: a document is entry `index id << 40 | document seq`, so that
-- each index is one range of rows, walked newest first like the main index.
CREATE VIRTUAL TABLE reader_text USING fts5(title, body, content='', contentless_delete=1);
