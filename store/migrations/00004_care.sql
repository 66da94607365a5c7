-- +goose Up
-- The care team grows from "who may see the record" into the people who look
-- after the patient: a named place (display name, contact) and who added or
-- ended it. The access rules keep reading user_id, organisation_id and the
-- period, unchanged.
ALTER TABLE care_team_members ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE care_team_members ADD COLUMN contact TEXT NOT NULL DEFAULT '';
ALTER TABLE care_team_members ADD COLUMN added_by TEXT;
ALTER TABLE care_team_members ADD COLUMN ended_by TEXT;
CREATE INDEX care_team_members_caseload ON care_team_members (user_id, role, period_end);

-- Carers and family on the care team: people, not users, so they live apart
-- from care_team_members and can never grant access to the record.
CREATE TABLE care_team_people (
    patient_id   TEXT NOT NULL REFERENCES patients(id),
    id           TEXT NOT NULL,
    role         TEXT NOT NULL,
    name         TEXT NOT NULL,
    relationship TEXT NOT NULL DEFAULT '',
    contact      TEXT NOT NULL DEFAULT '',
    period_start TIMESTAMP NOT NULL,
    period_end   TIMESTAMP,
    added_by     TEXT,
    ended_by     TEXT,
    PRIMARY KEY (patient_id, id)
);

-- Every save of a care plan is a row: status 'saved' rows are the versions
-- (1, 2, …); a save from a stale version is kept as a 'rejected' draft with
-- the version it was based on, so no one's text is ever lost. content is the
-- whole plan as JSON.
CREATE TABLE care_plans (
    patient_id   TEXT NOT NULL REFERENCES patients(id),
    id           TEXT NOT NULL,
    status       TEXT NOT NULL,
    version      INTEGER,
    base_version INTEGER NOT NULL,
    next_review  DATE,
    content      TEXT NOT NULL,
    saved_by     TEXT NOT NULL,
    saved_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (patient_id, id),
    UNIQUE (patient_id, version)
);

-- The current version per patient: a save moves it from base_version to
-- base_version + 1 in one conditional update, which is what detects a
-- concurrent edit on both engines.
CREATE TABLE current_care_plans (
    patient_id  TEXT PRIMARY KEY REFERENCES patients(id),
    plan_id     TEXT NOT NULL,
    version     INTEGER NOT NULL,
    next_review DATE,
    saved_at    TIMESTAMP NOT NULL
);

-- Reviews and contacts held with the patient (holistic annual review, care
-- plan review, contact after discharge): what closes the review tasks.
CREATE TABLE care_reviews (
    patient_id  TEXT NOT NULL REFERENCES patients(id),
    id          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    held_on     DATE NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (patient_id, id)
);
CREATE INDEX care_reviews_patient ON care_reviews (patient_id, kind, held_on);

-- Tasks raised by hand as well as by events, with who changed them last and
-- why an event closed them.
ALTER TABLE tasks ADD COLUMN assignee_role TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN source TEXT NOT NULL DEFAULT 'event';
ALTER TABLE tasks ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN close_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN created_by TEXT;
ALTER TABLE tasks ADD COLUMN updated_by TEXT;
ALTER TABLE tasks ADD COLUMN updated_at TIMESTAMP;
CREATE INDEX tasks_assignee_user ON tasks (assignee_user, status, due);
CREATE INDEX tasks_status_due ON tasks (status, due);

-- +goose Down
DROP INDEX tasks_status_due;
DROP INDEX tasks_assignee_user;
ALTER TABLE tasks DROP COLUMN updated_at;
ALTER TABLE tasks DROP COLUMN updated_by;
ALTER TABLE tasks DROP COLUMN created_by;
ALTER TABLE tasks DROP COLUMN close_reason;
ALTER TABLE tasks DROP COLUMN note;
ALTER TABLE tasks DROP COLUMN source;
ALTER TABLE tasks DROP COLUMN assignee_role;
DROP TABLE care_reviews;
DROP TABLE current_care_plans;
DROP TABLE care_plans;
DROP TABLE care_team_people;
DROP INDEX care_team_members_caseload;
ALTER TABLE care_team_members DROP COLUMN ended_by;
ALTER TABLE care_team_members DROP COLUMN added_by;
ALTER TABLE care_team_members DROP COLUMN contact;
ALTER TABLE care_team_members DROP COLUMN display_name;
