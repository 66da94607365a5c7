-- +goose Up
-- Organisations form a tree: ICB → LCN locality → GP practice, with trusts,
-- community, social-care and voluntary organisations beside it.
CREATE TABLE organisations (
    id            TEXT PRIMARY KEY,
    ods           TEXT UNIQUE,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    parent_id     TEXT REFERENCES organisations(id),
    source_system TEXT NOT NULL,
    source_id     TEXT NOT NULL,
    version_id    TEXT,
    last_updated  TIMESTAMP,
    content_hash  TEXT NOT NULL,
    UNIQUE (source_system, source_id)
);
CREATE INDEX organisations_parent ON organisations (parent_id);

-- facts_version counts changes to the patient's facts; assessed_version is
-- the facts_version the latest assessment saw, so "changed since the last
-- stratification" is facts_version > assessed_version, with no race against a
-- concurrent import.
CREATE TABLE patients (
    id                   TEXT PRIMARY KEY,
    nhs_number           TEXT UNIQUE,
    source_system        TEXT NOT NULL,
    source_id            TEXT NOT NULL,
    version_id           TEXT,
    last_updated         TIMESTAMP,
    given_name           TEXT NOT NULL DEFAULT '',
    family_name          TEXT NOT NULL DEFAULT '',
    birth_date           DATE,
    sex                  TEXT NOT NULL DEFAULT 'unknown',
    language             TEXT NOT NULL DEFAULT '',
    interpreter_required BOOLEAN NOT NULL DEFAULT FALSE,
    practice_id          TEXT REFERENCES organisations(id),
    postcode             TEXT NOT NULL DEFAULT '',
    phone                TEXT NOT NULL DEFAULT '',
    deceased             TIMESTAMP,
    content_hash         TEXT NOT NULL,
    facts_version        BIGINT NOT NULL DEFAULT 1,
    assessed_version     BIGINT NOT NULL DEFAULT 0,
    UNIQUE (source_system, source_id)
);
CREATE INDEX patients_practice ON patients (practice_id);
CREATE INDEX patients_family_name ON patients (family_name);

-- Source facts. Each keeps its source system and id (provenance), every
-- coding as JSON, and its primary coding in columns for indexing.
CREATE TABLE conditions (
    patient_id      TEXT NOT NULL REFERENCES patients(id),
    id              TEXT NOT NULL,
    source_system   TEXT NOT NULL,
    source_id       TEXT NOT NULL,
    version_id      TEXT,
    last_updated    TIMESTAMP,
    code_system     TEXT NOT NULL,
    code            TEXT NOT NULL,
    display         TEXT NOT NULL DEFAULT '',
    codes           TEXT NOT NULL,
    clinical_status TEXT NOT NULL DEFAULT '',
    onset           TIMESTAMP,
    recorded        TIMESTAMP,
    abated          TIMESTAMP,
    content_hash    TEXT NOT NULL,
    PRIMARY KEY (patient_id, id)
);
CREATE INDEX conditions_code ON conditions (code, code_system);

CREATE TABLE observations (
    patient_id    TEXT NOT NULL REFERENCES patients(id),
    id            TEXT NOT NULL,
    source_system TEXT NOT NULL,
    source_id     TEXT NOT NULL,
    version_id    TEXT,
    last_updated  TIMESTAMP,
    code_system   TEXT NOT NULL,
    code          TEXT NOT NULL,
    display       TEXT NOT NULL DEFAULT '',
    codes         TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT '',
    effective     TIMESTAMP,
    value         DOUBLE PRECISION,
    unit          TEXT NOT NULL DEFAULT '',
    value_code    TEXT,
    components    TEXT,
    content_hash  TEXT NOT NULL,
    PRIMARY KEY (patient_id, id)
);
CREATE INDEX observations_code ON observations (code, code_system);

CREATE TABLE medications (
    patient_id    TEXT NOT NULL REFERENCES patients(id),
    id            TEXT NOT NULL,
    source_system TEXT NOT NULL,
    source_id     TEXT NOT NULL,
    version_id    TEXT,
    last_updated  TIMESTAMP,
    kind          TEXT NOT NULL,
    code_system   TEXT NOT NULL,
    code          TEXT NOT NULL,
    display       TEXT NOT NULL DEFAULT '',
    codes         TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT '',
    authored      TIMESTAMP,
    repeat        BOOLEAN NOT NULL DEFAULT FALSE,
    content_hash  TEXT NOT NULL,
    PRIMARY KEY (patient_id, id)
);

CREATE TABLE encounters (
    patient_id       TEXT NOT NULL REFERENCES patients(id),
    id               TEXT NOT NULL,
    source_system    TEXT NOT NULL,
    source_id        TEXT NOT NULL,
    version_id       TEXT,
    last_updated     TIMESTAMP,
    class            TEXT NOT NULL DEFAULT '',
    types            TEXT NOT NULL,
    specialty        TEXT NOT NULL,
    start_time       TIMESTAMP,
    end_time         TIMESTAMP,
    admit_source     TEXT NOT NULL,
    emergency        BOOLEAN NOT NULL DEFAULT FALSE,
    service_provider TEXT NOT NULL DEFAULT '',
    content_hash     TEXT NOT NULL,
    PRIMARY KEY (patient_id, id)
);
CREATE INDEX encounters_class ON encounters (class, start_time);

CREATE TABLE appointments (
    patient_id    TEXT NOT NULL REFERENCES patients(id),
    id            TEXT NOT NULL,
    source_system TEXT NOT NULL,
    source_id     TEXT NOT NULL,
    version_id    TEXT,
    last_updated  TIMESTAMP,
    start_time    TIMESTAMP,
    end_time      TIMESTAMP,
    status        TEXT NOT NULL DEFAULT '',
    specialty     TEXT NOT NULL,
    service       TEXT NOT NULL DEFAULT '',
    content_hash  TEXT NOT NULL,
    PRIMARY KEY (patient_id, id)
);

CREATE TABLE carers (
    patient_id    TEXT NOT NULL REFERENCES patients(id),
    id            TEXT NOT NULL,
    source_system TEXT NOT NULL,
    source_id     TEXT NOT NULL,
    version_id    TEXT,
    last_updated  TIMESTAMP,
    name          TEXT NOT NULL DEFAULT '',
    relationship  TEXT NOT NULL,
    phone         TEXT NOT NULL DEFAULT '',
    content_hash  TEXT NOT NULL,
    PRIMARY KEY (patient_id, id)
);

-- +goose Down
DROP TABLE carers;
DROP TABLE appointments;
DROP TABLE encounters;
DROP TABLE medications;
DROP TABLE observations;
DROP TABLE conditions;
DROP TABLE patients;
DROP TABLE organisations;
