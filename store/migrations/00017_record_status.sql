-- +goose Up
-- A condition's verification status (confirmed, provisional, refuted,
-- entered-in-error, …) and an encounter's status (planned, finished,
-- cancelled, entered-in-error, …): which records count is the policy's to
-- say, so both are kept as the source sent them.
ALTER TABLE conditions ADD COLUMN verification_status TEXT NOT NULL DEFAULT '';
ALTER TABLE encounters ADD COLUMN status TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE encounters DROP COLUMN status;
ALTER TABLE conditions DROP COLUMN verification_status;
