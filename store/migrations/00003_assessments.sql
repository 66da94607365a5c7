-- +goose Up
-- A policy version is immutable: its id is the content hash of its files,
-- which are kept so the version can be shown and re-run exactly.
CREATE TABLE policy_versions (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    files      TEXT NOT NULL,
    loaded_by  TEXT NOT NULL,
    loaded_at  TIMESTAMP NOT NULL
);

-- Every assessment is kept (history). detail holds the whole assessment
-- (findings, evidence, features, rules fired, data gaps) as JSON; the columns
-- beside it are what lists and counts filter on.
CREATE TABLE assessments (
    patient_id        TEXT NOT NULL REFERENCES patients(id),
    id                TEXT NOT NULL,
    policy_version    TEXT NOT NULL REFERENCES policy_versions(id),
    as_of             DATE NOT NULL,
    eligible          BOOLEAN NOT NULL,
    suggested_tier    TEXT NOT NULL,
    ltc_count         INTEGER NOT NULL,
    risk_factor_count INTEGER NOT NULL,
    data_gap_count    INTEGER NOT NULL,
    facts_version     BIGINT NOT NULL,
    detail            TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (patient_id, id)
);

-- The latest assessment of each patient, with what the cohort views filter
-- on, so a list of a million people needs no "latest row per patient" query.
CREATE TABLE current_assessments (
    patient_id        TEXT PRIMARY KEY REFERENCES patients(id),
    assessment_id     TEXT NOT NULL,
    policy_version    TEXT NOT NULL,
    as_of             DATE NOT NULL,
    eligible          BOOLEAN NOT NULL,
    suggested_tier    TEXT NOT NULL,
    data_gap_count    INTEGER NOT NULL,
    detail_hash       TEXT NOT NULL
);
CREATE INDEX current_assessments_tier ON current_assessments (eligible, suggested_tier);

-- A clinician's confirmation or override of the suggested tier. The current
-- tier is the latest decision; earlier ones stay as history.
CREATE TABLE tier_decisions (
    patient_id     TEXT NOT NULL REFERENCES patients(id),
    id             TEXT NOT NULL,
    assessment_id  TEXT NOT NULL,
    suggested_tier TEXT NOT NULL,
    tier           TEXT NOT NULL,
    overridden     BOOLEAN NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    decided_by     TEXT NOT NULL,
    decided_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (patient_id, id)
);
CREATE INDEX tier_decisions_patient ON tier_decisions (patient_id, decided_at);

-- The current (latest) decision per patient, for lists and counts.
CREATE TABLE current_tiers (
    patient_id  TEXT PRIMARY KEY REFERENCES patients(id),
    decision_id TEXT NOT NULL,
    tier        TEXT NOT NULL,
    overridden  BOOLEAN NOT NULL,
    decided_at  TIMESTAMP NOT NULL
);

CREATE TABLE drift_events (
    patient_id TEXT NOT NULL REFERENCES patients(id),
    id         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    as_of      DATE NOT NULL,
    from_tier  TEXT NOT NULL DEFAULT '',
    to_tier    TEXT NOT NULL DEFAULT '',
    item       TEXT NOT NULL DEFAULT '',
    cause      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (patient_id, id)
);

-- Work items on worklists. An event raises its task once: the open task of a
-- kind for a patient is unique (dedupe_key), and it closes when its
-- condition is met.
CREATE TABLE tasks (
    patient_id    TEXT NOT NULL REFERENCES patients(id),
    id            TEXT NOT NULL,
    kind          TEXT NOT NULL,
    title         TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    assignee_org  TEXT,
    assignee_user TEXT,
    due           DATE,
    priority      INTEGER NOT NULL DEFAULT 2,
    status        TEXT NOT NULL DEFAULT 'open',
    dedupe_key    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    closed_at     TIMESTAMP,
    version       INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (patient_id, id),
    UNIQUE (patient_id, dedupe_key)
);
CREATE INDEX tasks_assignee_org ON tasks (assignee_org, status, due);

-- +goose Down
DROP TABLE tasks;
DROP TABLE drift_events;
DROP TABLE current_tiers;
DROP TABLE tier_decisions;
DROP TABLE current_assessments;
DROP TABLE assessments;
DROP TABLE policy_versions;
