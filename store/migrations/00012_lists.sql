-- +goose Up
-- The worklist and the cohort list only the eligible patients (about one in
-- eighty). This partial index holds just them, with what the lists show of
-- their assessment, so a list reads neither the others nor the table.
CREATE INDEX current_assessments_eligible ON current_assessments (patient_id, suggested_tier, data_gap_count, eligible)
    WHERE eligible = TRUE;

-- +goose Down
DROP INDEX current_assessments_eligible;
