-- Full text in the documents row itself: a broad query walks the documents newest first and
-- checks each row's tsvector in place; a selective one starts from the GIN index. (It lived in a
-- side table, which made the walk a join per row.)
ALTER TABLE documents ADD COLUMN tsv TSVECTOR;
UPDATE documents d SET tsv = s.tsv FROM documents_search s WHERE s.document_id = d.id;
CREATE INDEX documents_tsv ON documents USING GIN (tsv);
DROP TABLE documents_search;
