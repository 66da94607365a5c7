-- +goose Up
-- Every message a hospital sends is stored as received, in the same
-- transaction as its effects, before it is acknowledged; a message sent
-- again (the same id) is found here and applied once. Messages that could
-- not be matched to a patient wait here for review.
CREATE TABLE hospital_messages (
    id          TEXT PRIMARY KEY,
    sender      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    nhs_number  TEXT NOT NULL DEFAULT '',
    patient_id  TEXT,
    status      TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    received_at TIMESTAMP NOT NULL,
    raw         TEXT NOT NULL
);
CREATE INDEX hospital_messages_status ON hospital_messages (status, received_at);

-- +goose Down
DROP TABLE hospital_messages;
