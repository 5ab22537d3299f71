-- The TDFs Pillar issued: each policy it bound (by UUID) with what it carried, so that the key
-- access service decides on Pillar's own record — and a document withdrawn or relabelled since
-- changes the decision for its TDFs already out there.
CREATE TABLE tdf_issued (
    policy_uuid   TEXT PRIMARY KEY,
    document_id   TEXT,
    label         TEXT NOT NULL,
    policy_sha256 TEXT NOT NULL,
    issued_to     TEXT NOT NULL,
    issued_at     TEXT NOT NULL
);
CREATE INDEX tdf_issued_document ON tdf_issued (document_id);
