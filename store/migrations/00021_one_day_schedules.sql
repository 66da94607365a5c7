-- +goose Up
-- Where an appointment is held, so that a Red person's appointments at one
-- site can be put on one day.
ALTER TABLE appointments ADD COLUMN site TEXT NOT NULL DEFAULT '';

-- A one-day schedule accepted by a coordinator: a row for each clinic
-- asked to book its appointment on the day. An appointment is asked for a
-- day once.
CREATE TABLE one_day_requests (
    schedule_id    TEXT NOT NULL,
    patient_id     TEXT NOT NULL REFERENCES patients(id),
    site           TEXT NOT NULL,
    day            DATE NOT NULL,
    appointment_id TEXT NOT NULL,
    clinic         TEXT NOT NULL DEFAULT '',
    specialty      TEXT NOT NULL DEFAULT '',
    booked_start   TIMESTAMP NOT NULL,
    moves          BOOLEAN NOT NULL,
    requested_by   TEXT NOT NULL,
    requested_at   TIMESTAMP NOT NULL,
    letter_id      TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (schedule_id, appointment_id),
    UNIQUE (patient_id, appointment_id, day)
);
CREATE INDEX one_day_requests_patient ON one_day_requests (patient_id, requested_at);

-- +goose Down
DROP TABLE one_day_requests;
ALTER TABLE appointments DROP COLUMN site;
