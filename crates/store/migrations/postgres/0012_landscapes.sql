-- Technology-landscape analyses, published with a label like any other data. The body is the
-- analysis as JSON (areas and their queries, indicators, partner suggestions).
CREATE TABLE landscapes (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    label_id     BIGINT NOT NULL REFERENCES labels(id),
    body         TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL
);
CREATE INDEX landscapes_label ON landscapes(label_id);
