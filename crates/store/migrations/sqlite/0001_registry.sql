-- Coalition registry. Every row points at a label; each distinct label is stored once.
CREATE TABLE labels (
    id        INTEGER PRIMARY KEY,
    canonical TEXT NOT NULL UNIQUE
);

CREATE TABLE nations (
    code     TEXT PRIMARY KEY CHECK (length(code) BETWEEN 3 AND 8),
    name     TEXT NOT NULL,
    label_id INTEGER NOT NULL REFERENCES labels(id)
);

CREATE TABLE nation_members (
    group_code  TEXT NOT NULL REFERENCES nations(code) ON DELETE CASCADE,
    member_code TEXT NOT NULL REFERENCES nations(code),
    position    INTEGER NOT NULL,
    PRIMARY KEY (group_code, member_code)
);

CREATE TABLE organisations (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('ministry', 'agency', 'laboratory', 'university', 'company')),
    nation   TEXT NOT NULL REFERENCES nations(code),
    parent   TEXT REFERENCES organisations(id),
    label_id INTEGER NOT NULL REFERENCES labels(id)
);
CREATE INDEX organisations_nation ON organisations(nation);

CREATE TABLE people (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    nationality  TEXT NOT NULL REFERENCES nations(code),
    organisation TEXT REFERENCES organisations(id),
    clearance    TEXT,
    label_id     INTEGER NOT NULL REFERENCES labels(id)
);

CREATE TABLE person_roles (
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('administrator', 'secretariat', 'release-authority', 'member', 'analyst')),
    position  INTEGER NOT NULL,
    PRIMARY KEY (person_id, role)
);

CREATE TABLE tech_areas (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    taxonomy TEXT NOT NULL,
    parent   TEXT REFERENCES tech_areas(id),
    label_id INTEGER NOT NULL REFERENCES labels(id)
);

CREATE TABLE agreements (
    id         TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('mou', 'project-arrangement', 'information-exchange-annex', 'security-agreement')),
    valid_from TEXT NOT NULL CHECK (valid_from GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    valid_to   TEXT CHECK (valid_to GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    status     TEXT NOT NULL CHECK (status IN ('draft', 'in-force', 'expired', 'terminated')),
    label_id   INTEGER NOT NULL REFERENCES labels(id)
);

CREATE TABLE agreement_parties (
    agreement_id TEXT NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    nation       TEXT NOT NULL REFERENCES nations(code),
    position     INTEGER NOT NULL,
    PRIMARY KEY (agreement_id, nation)
);

CREATE TABLE agreement_areas (
    agreement_id TEXT NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    area_id      TEXT NOT NULL REFERENCES tech_areas(id),
    position     INTEGER NOT NULL,
    PRIMARY KEY (agreement_id, area_id)
);
