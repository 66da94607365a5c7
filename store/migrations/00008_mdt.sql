-- +goose Up
-- Multi-disciplinary team meetings of an organisation (a locality or a
-- practice). A meeting is not about one patient, so it is keyed by id alone;
-- attendees (users by id, guests by name and organisation) are JSON.
-- repeat_weeks is the schedule (0: one-off); next_id names the meeting made
-- from it, so the next one is made once.
CREATE TABLE mdt_meetings (
    id              TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    title           TEXT NOT NULL,
    starts_at       TIMESTAMP NOT NULL,
    location        TEXT NOT NULL DEFAULT '',
    chair_id        TEXT NOT NULL,
    repeat_weeks    INTEGER NOT NULL DEFAULT 0,
    attendees       TEXT NOT NULL DEFAULT '[]',
    next_id         TEXT,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX mdt_meetings_organisation ON mdt_meetings (organisation_id, starts_at);
CREATE INDEX mdt_meetings_start ON mdt_meetings (starts_at);

-- One row per patient on a meeting's case list, with every reason (JSON)
-- and, once recorded, the outcome. The version detects two people
-- recording the same case at once.
CREATE TABLE mdt_cases (
    patient_id  TEXT NOT NULL REFERENCES patients(id),
    id          TEXT NOT NULL,
    meeting_id  TEXT NOT NULL REFERENCES mdt_meetings(id),
    position    INTEGER NOT NULL,
    reasons     TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending',
    outcome     TEXT NOT NULL DEFAULT '',
    decisions   TEXT NOT NULL DEFAULT '',
    recorded_by TEXT,
    recorded_at TIMESTAMP,
    version     INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (patient_id, id),
    UNIQUE (patient_id, meeting_id)
);
CREATE INDEX mdt_cases_meeting ON mdt_cases (meeting_id, position);

-- Requests to discuss a patient (kind 'request', from the care team, open
-- until the patient is discussed) and hand additions to one meeting's list
-- (kind 'added', meeting_id set).
CREATE TABLE mdt_requests (
    patient_id       TEXT NOT NULL REFERENCES patients(id),
    id               TEXT NOT NULL,
    kind             TEXT NOT NULL,
    meeting_id       TEXT REFERENCES mdt_meetings(id),
    reason           TEXT NOT NULL,
    requested_by     TEXT NOT NULL,
    requested_at     TIMESTAMP NOT NULL,
    answered_case_id TEXT,
    PRIMARY KEY (patient_id, id)
);
CREATE INDEX mdt_requests_open ON mdt_requests (patient_id, kind, answered_case_id);

-- +goose Down
DROP TABLE mdt_requests;
DROP TABLE mdt_cases;
DROP TABLE mdt_meetings;
