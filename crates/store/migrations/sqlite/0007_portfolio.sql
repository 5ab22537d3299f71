-- The joint R&D portfolio: projects (the whole project as JSON, with the columns queries need),
-- their readiness assessments (fixed once signed) and the history of every change.
CREATE TABLE projects (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    lead_nation TEXT NOT NULL,
    start_date  TEXT NOT NULL,
    label_id    INTEGER NOT NULL REFERENCES labels(id),
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE INDEX projects_label ON projects(label_id);

CREATE TABLE assessments (
    project_id  TEXT NOT NULL REFERENCES projects(id),
    id          TEXT NOT NULL,
    scale       TEXT NOT NULL CHECK (scale IN ('TRL', 'MRL')),
    component   TEXT,
    level       INTEGER NOT NULL,
    assessed_on TEXT NOT NULL,
    assessor    TEXT NOT NULL,
    signed      INTEGER NOT NULL CHECK (signed IN (0, 1)),
    evidence    TEXT NOT NULL,
    PRIMARY KEY (project_id, id)
);
-- A signed assessment is a record: the database itself refuses to change or remove it.
CREATE TRIGGER assessments_signed_update BEFORE UPDATE ON assessments WHEN OLD.signed = 1
BEGIN
    SELECT RAISE(ABORT, 'a signed assessment is never edited; add a new assessment that supersedes it');
END;
CREATE TRIGGER assessments_signed_delete BEFORE DELETE ON assessments WHEN OLD.signed = 1
BEGIN
    SELECT RAISE(ABORT, 'a signed assessment is never removed');
END;

CREATE TABLE project_history (
    project_id TEXT NOT NULL,
    at         TEXT NOT NULL,
    by_person  TEXT NOT NULL,
    label_id   INTEGER NOT NULL REFERENCES labels(id),
    change     TEXT NOT NULL
);
CREATE INDEX project_history_project ON project_history(project_id, at);
