-- Security policies (SPIF XML), versioned: every change bumps the version, which keys the
-- cached entitlement sets.
CREATE TABLE policies (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    spif       TEXT NOT NULL,
    loaded_at  TEXT NOT NULL
);

CREATE TABLE policy_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO policy_version (id, version) VALUES (1, 0);

-- The audit chain: append-only, each entry keyed-hashed over its fields and its predecessor's
-- hash.
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL,
    label_id  INTEGER REFERENCES labels(id),
    decision  TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
