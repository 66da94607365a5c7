-- +goose Up
-- The community and voluntary service directory (Open Referral UK). Each
-- service is kept whole as JSON (the domain shape), with the columns lists
-- and edits need; version counts edits so concurrent edits are detected.
CREATE TABLE directory_services (
    id              TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    name            TEXT NOT NULL,
    status          TEXT NOT NULL,
    document        TEXT NOT NULL,
    version         INTEGER NOT NULL,
    updated_by      TEXT,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX directory_services_organisation ON directory_services (organisation_id);

-- Information about a service given to the patient; nothing is sent.
CREATE TABLE signposts (
    patient_id TEXT NOT NULL REFERENCES patients(id),
    id         TEXT NOT NULL,
    service_id TEXT NOT NULL REFERENCES directory_services(id),
    note       TEXT NOT NULL DEFAULT '',
    given_by   TEXT NOT NULL REFERENCES users(id),
    given_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (patient_id, id)
);

-- Referrals to a directory service follow a closed loop: the service, its
-- status and version, what the consent let it see, and the outcome.
ALTER TABLE referrals ADD COLUMN service_id TEXT REFERENCES directory_services(id);
ALTER TABLE referrals ADD COLUMN status TEXT NOT NULL DEFAULT 'sent';
ALTER TABLE referrals ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE referrals ADD COLUMN shared_fields TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN updated_by TEXT;
ALTER TABLE referrals ADD COLUMN updated_at TIMESTAMP;
CREATE INDEX referrals_service ON referrals (service_id, status);

-- Which fields a consent to share with voluntary organisations covers
-- (comma-separated; empty: every shareable field).
ALTER TABLE consents ADD COLUMN voluntary_fields TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE consents DROP COLUMN voluntary_fields;
DROP INDEX referrals_service;
ALTER TABLE referrals DROP COLUMN updated_at;
ALTER TABLE referrals DROP COLUMN updated_by;
ALTER TABLE referrals DROP COLUMN outcome;
ALTER TABLE referrals DROP COLUMN note;
ALTER TABLE referrals DROP COLUMN shared_fields;
ALTER TABLE referrals DROP COLUMN version;
ALTER TABLE referrals DROP COLUMN status;
ALTER TABLE referrals DROP COLUMN service_id;
DROP TABLE signposts;
DROP TABLE directory_services;
