-- +goose Up
-- Staff accounts. A local account has a password hash (argon2id, PHC
-- format); an account used through OpenID Connect is matched by its subject
-- or email and may have no password at all.
CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    role            TEXT NOT NULL,
    organisation_id TEXT REFERENCES organisations(id),
    email           TEXT UNIQUE,
    oidc_subject    TEXT UNIQUE,
    password_hash   TEXT,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMP NOT NULL
);

-- Server-side sessions. Only the SHA-256 of the token is kept, so a copy of
-- the database does not let anyone sign in as its users.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Every sign-in attempt, by the username typed (whether or not it exists),
-- for throttling and lock-out.
CREATE TABLE sign_in_attempts (
    id        TEXT PRIMARY KEY,
    username  TEXT NOT NULL,
    at        TIMESTAMP NOT NULL,
    succeeded BOOLEAN NOT NULL
);
CREATE INDEX sign_in_attempts_username ON sign_in_attempts (username, at);

-- The patient's sharing decisions, as recorded; the latest row is in force
-- and earlier rows are the history.
CREATE TABLE consents (
    patient_id   TEXT NOT NULL REFERENCES patients(id),
    id           TEXT NOT NULL,
    social_care  BOOLEAN NOT NULL,
    voluntary    BOOLEAN NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    recorded_by  TEXT NOT NULL REFERENCES users(id),
    recorded_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (patient_id, id)
);
CREATE INDEX consents_latest ON consents (patient_id, recorded_at);

-- Emergency access, time-limited, with the reason typed at the time.
CREATE TABLE break_glass_grants (
    patient_id TEXT NOT NULL REFERENCES patients(id),
    id         TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users(id),
    reason     TEXT NOT NULL,
    granted_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (patient_id, id)
);
CREATE INDEX break_glass_grants_user ON break_glass_grants (user_id, patient_id, expires_at);

-- Who looks after the patient: a user or a whole organisation, in a role,
-- for a period (period_end NULL while current).
CREATE TABLE care_team_members (
    patient_id      TEXT NOT NULL REFERENCES patients(id),
    id              TEXT NOT NULL,
    user_id         TEXT REFERENCES users(id),
    organisation_id TEXT REFERENCES organisations(id),
    role            TEXT NOT NULL,
    period_start    TIMESTAMP NOT NULL,
    period_end      TIMESTAMP,
    PRIMARY KEY (patient_id, id),
    CHECK (user_id IS NOT NULL OR organisation_id IS NOT NULL)
);
CREATE INDEX care_team_members_user ON care_team_members (user_id);
CREATE INDEX care_team_members_organisation ON care_team_members (organisation_id);

-- A referral of the patient to an organisation: the least a referral needs
-- for access decisions and for what a link worker is shown (reason and what
-- matters to the patient). closed_at is set when the referral ends.
CREATE TABLE referrals (
    patient_id      TEXT NOT NULL REFERENCES patients(id),
    id              TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    reason          TEXT NOT NULL,
    what_matters    TEXT NOT NULL DEFAULT '',
    created_by      TEXT REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    closed_at       TIMESTAMP,
    PRIMARY KEY (patient_id, id)
);
CREATE INDEX referrals_organisation ON referrals (organisation_id);

-- The audit log: append-only and hash-chained. No foreign keys, so an entry
-- outlives whatever it names. patient_id is empty for entries not about one
-- patient.
CREATE TABLE audit_log (
    seq             BIGINT PRIMARY KEY,
    at              TIMESTAMP NOT NULL,
    user_id         TEXT NOT NULL,
    username        TEXT NOT NULL,
    role            TEXT NOT NULL,
    organisation_id TEXT NOT NULL,
    patient_id      TEXT NOT NULL,
    action          TEXT NOT NULL,
    what            TEXT NOT NULL,
    reason          TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    break_glass     BOOLEAN NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);
CREATE INDEX audit_log_patient ON audit_log (patient_id, seq);

-- The head of the chain, one row. Appends lock it, so the chain stays linear
-- however many appends run at once, and deleting the newest entries is
-- detected because the head still names them.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP TABLE referrals;
DROP TABLE care_team_members;
DROP TABLE break_glass_grants;
DROP TABLE consents;
DROP TABLE sign_in_attempts;
DROP TABLE sessions;
DROP TABLE users;
