-- The committee's work: committees and working groups, meetings (labelled), and their agenda
-- items, decisions and action items, each with its own label.
CREATE TABLE committees (
    id     TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    parent TEXT REFERENCES committees(id)
);

CREATE TABLE meetings (
    id           TEXT PRIMARY KEY,
    committee_id TEXT NOT NULL REFERENCES committees(id),
    title        TEXT NOT NULL,
    held_on      TEXT NOT NULL,
    place        TEXT NOT NULL,
    attendees    TEXT NOT NULL,
    label_id     BIGINT NOT NULL REFERENCES labels(id)
);
CREATE INDEX meetings_label ON meetings(label_id);

CREATE TABLE meeting_items (
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    seq        BIGINT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('agenda', 'decision', 'action')),
    label_id   BIGINT NOT NULL REFERENCES labels(id),
    body       TEXT NOT NULL,
    owner      TEXT,
    due        TEXT,
    status     TEXT,
    PRIMARY KEY (meeting_id, seq)
);
CREATE INDEX meeting_items_actions ON meeting_items(kind, status, due);
