-- What several servers over one database share.

-- Document contents, content-addressed (SHA-256), in chunks of at most 1 MiB: a blob row is
-- written in the same transaction as its chunks, after them, so that a blob that has a row is
-- whole. Deduplicated by the primary key.
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size   BIGINT NOT NULL,
    chunks INTEGER NOT NULL
);
CREATE TABLE blob_chunks (
    sha256 TEXT NOT NULL,
    n      INTEGER NOT NULL,
    bytes  BYTEA NOT NULL,
    PRIMARY KEY (sha256, n)
);

-- The audit chain's newest entry, advanced in the transaction of every append by whichever
-- server appends, with an HMAC under the chain's key (so that it cannot be set to a head that
-- was never written).
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL,
    mac  TEXT NOT NULL
);
