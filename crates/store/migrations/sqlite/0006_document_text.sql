-- Full text keyed by an integer document sequence number instead of a text id column: search
-- joins the index to the documents by integer key without reading the indexed text back, and
-- walks matches newest first by that key. The index keeps no copy of the text (contentless),
-- the extracted text lives only in the index's token lists.
ALTER TABLE documents ADD COLUMN seq INTEGER;
UPDATE documents SET seq = rowid;
CREATE UNIQUE INDEX documents_seq ON documents(seq);
CREATE TRIGGER documents_number AFTER INSERT ON documents WHEN NEW.seq IS NULL
BEGIN
    UPDATE documents SET seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM documents) WHERE id = NEW.id;
END;

CREATE VIRTUAL TABLE documents_text USING fts5(title, body, content='', contentless_delete=1);
INSERT INTO documents_text (rowid, title, body)
    SELECT d.seq, f.title, f.body FROM documents_fts f JOIN documents d ON d.id = f.document_id;
DROP TABLE documents_fts;
-- A word in the title weighs four times a word in the text (PostgreSQL: weight A).
INSERT INTO documents_text (documents_text, rank) VALUES ('rank', 'bm25(4.0, 1.0)');
