-- +goose Up
-- Systems registered to read the FHIR API (OAuth 2.0 client credentials,
-- SMART Backend Services): the public keys their signed assertions are
-- checked against, and the scopes they may be granted.
CREATE TABLE api_clients (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    jwks       TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    disabled   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);

-- Short-lived access tokens. Only the SHA-256 of the token is kept, so a
-- copy of the database gives no one a working token.
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES api_clients(id),
    scopes     TEXT NOT NULL,
    issued_at  TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX api_tokens_expiry ON api_tokens (expires_at);

-- The ids (jti) of assertions already used, kept until they expire, so an
-- intercepted assertion cannot be replayed for a second token.
CREATE TABLE api_assertions (
    client_id  TEXT NOT NULL REFERENCES api_clients(id),
    jti        TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (client_id, jti)
);

-- Bulk Data export jobs. A job's state lives here, so a finished manifest
-- survives a restart; a job running when the server stopped is marked
-- failed at the next start and the client asks again.
CREATE TABLE export_jobs (
    id               TEXT PRIMARY KEY,
    client_id        TEXT NOT NULL REFERENCES api_clients(id),
    request          TEXT NOT NULL,
    level            TEXT NOT NULL,
    types            TEXT NOT NULL,
    since            TIMESTAMP,
    status           TEXT NOT NULL,
    progress         TEXT NOT NULL DEFAULT '',
    error            TEXT NOT NULL DEFAULT '',
    transaction_time TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP
);

CREATE TABLE export_files (
    job_id        TEXT NOT NULL REFERENCES export_jobs(id),
    seq           INTEGER NOT NULL,
    resource_type TEXT NOT NULL,
    name          TEXT NOT NULL,
    count         INTEGER NOT NULL,
    PRIMARY KEY (job_id, seq)
);

-- A FHIR read names a resource by id alone; these find its patient without
-- scanning tables keyed by (patient_id, id).
CREATE INDEX conditions_id ON conditions (id);
CREATE INDEX observations_id ON observations (id);
CREATE INDEX medications_id ON medications (id);
CREATE INDEX encounters_id ON encounters (id);
CREATE INDEX appointments_id ON appointments (id);
CREATE INDEX carers_id ON carers (id);
CREATE INDEX assessments_id ON assessments (id);
CREATE INDEX tier_decisions_id ON tier_decisions (id);
CREATE INDEX tasks_id ON tasks (id);
CREATE INDEX referrals_id ON referrals (id);
CREATE INDEX consents_id ON consents (id);

-- +goose Down
DROP INDEX consents_id;
DROP INDEX referrals_id;
DROP INDEX tasks_id;
DROP INDEX tier_decisions_id;
DROP INDEX assessments_id;
DROP INDEX carers_id;
DROP INDEX appointments_id;
DROP INDEX encounters_id;
DROP INDEX medications_id;
DROP INDEX observations_id;
DROP INDEX conditions_id;
DROP TABLE export_files;
DROP TABLE export_jobs;
DROP TABLE api_assertions;
DROP TABLE api_tokens;
DROP TABLE api_clients;
