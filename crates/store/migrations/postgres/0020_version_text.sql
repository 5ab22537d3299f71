-- The text extracted from each version, kept for the snippet a search result shows around the
-- match (the full-text index holds tokens only). Versions stored before this have none.
ALTER TABLE document_versions ADD COLUMN text TEXT;
