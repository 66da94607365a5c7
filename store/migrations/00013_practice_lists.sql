-- +goose Up
-- A GP's lists start from the practice's eligible patients. Holding the
-- practice on the current assessment, indexed among the eligible alone,
-- finds them without walking the whole practice list (tens of thousands of
-- patients for a few hundred in the cohort). The patient row stays the
-- authority: lists recheck the practice there, and every write of a
-- patient row keeps this copy in step (store.write).
ALTER TABLE current_assessments ADD COLUMN practice_id TEXT;
UPDATE current_assessments SET practice_id = (SELECT p.practice_id FROM patients p WHERE p.id = current_assessments.patient_id);
CREATE INDEX current_assessments_practice ON current_assessments (practice_id, patient_id, suggested_tier, data_gap_count, eligible)
    WHERE eligible = TRUE;

-- +goose Down
DROP INDEX current_assessments_practice;
ALTER TABLE current_assessments DROP COLUMN practice_id;
