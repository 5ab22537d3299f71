-- How many documents hold each word: before a search, the rarest word of the query bounds how
-- many documents can match. A query that may match many is answered by walking the documents
-- newest first (stopping early); a rarer one from the GIN index. PostgreSQL's planner cannot
-- tell the two apart well enough when the label filter is in the same query.
CREATE TABLE document_terms (
    term TEXT PRIMARY KEY,
    docs BIGINT NOT NULL
);
INSERT INTO document_terms (term, docs)
    SELECT word, ndoc FROM ts_stat('SELECT tsv FROM documents WHERE tsv IS NOT NULL');
