-- +goose Up
-- Letters sent to patients: which kind, in which language and format, when
-- and by whom, and the SHA-256 of the file, so the copy sent can be
-- recognised later. The letter itself is not kept: it is regenerated from
-- the record when needed, and the hash shows whether it matches.
CREATE TABLE letters (
    patient_id   TEXT NOT NULL REFERENCES patients(id),
    id           TEXT NOT NULL,
    kind         TEXT NOT NULL,
    language     TEXT NOT NULL,
    format       TEXT NOT NULL,
    large_print  BOOLEAN NOT NULL DEFAULT FALSE,
    generated_at TIMESTAMP NOT NULL,
    generated_by TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    PRIMARY KEY (patient_id, id)
);
CREATE INDEX letters_patient ON letters (patient_id, generated_at);

-- +goose Down
DROP TABLE letters;
