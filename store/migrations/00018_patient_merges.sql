-- +goose Up
-- A patient record that arrived with an NHS number already held for
-- another record waits here for someone to say whether the two are one
-- person; until then the second record and its facts are not written.
CREATE TABLE patient_merges (
    id               TEXT PRIMARY KEY,
    nhs_number       TEXT NOT NULL,
    patient_id       TEXT NOT NULL, -- the record held (it may be written in the same import, after this)
    source_system    TEXT NOT NULL,
    source_id        TEXT NOT NULL,
    other_name       TEXT NOT NULL DEFAULT '',
    other_birth_date DATE,
    file             TEXT NOT NULL DEFAULT '',
    found_at         TIMESTAMP NOT NULL,
    resolution       TEXT NOT NULL DEFAULT '',
    resolved_by      TEXT NOT NULL DEFAULT '',
    resolved_at      TIMESTAMP,
    note             TEXT NOT NULL DEFAULT '',
    UNIQUE (source_system, source_id)
);
CREATE INDEX patient_merges_patient ON patient_merges (patient_id);

-- +goose Down
DROP TABLE patient_merges;
