-- +goose Up
-- A GP's cohort list and worklist order the practice's cohort by name and
-- leave out those who have died. Holding the name, and whether the patient
-- has died, beside the current assessment with the practice (migration 13)
-- lets a list count, filter and order the cohort from the index of eligible
-- assessments and read the patient rows of the page it shows alone, not of
-- every patient it counts. The patient row stays the authority: every
-- write of a patient row keeps these copies in step (store.write), and
-- lists recheck each row they show on the patient row itself.
ALTER TABLE current_assessments ADD COLUMN family_name TEXT NOT NULL DEFAULT '';
ALTER TABLE current_assessments ADD COLUMN given_name TEXT NOT NULL DEFAULT '';
ALTER TABLE current_assessments ADD COLUMN deceased BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE current_assessments SET family_name = p.family_name, given_name = p.given_name, deceased = p.deceased IS NOT NULL
    FROM patients p WHERE p.id = current_assessments.patient_id;
DROP INDEX current_assessments_practice;
CREATE INDEX current_assessments_practice ON current_assessments
    (practice_id, patient_id, suggested_tier, data_gap_count, eligible, deceased, family_name, given_name) WHERE eligible = TRUE;
DROP INDEX current_assessments_eligible;
CREATE INDEX current_assessments_eligible ON current_assessments
    (patient_id, suggested_tier, data_gap_count, eligible, deceased, family_name, given_name, practice_id) WHERE eligible = TRUE;

-- +goose Down
DROP INDEX current_assessments_eligible;
CREATE INDEX current_assessments_eligible ON current_assessments (patient_id, suggested_tier, data_gap_count, eligible)
    WHERE eligible = TRUE;
DROP INDEX current_assessments_practice;
CREATE INDEX current_assessments_practice ON current_assessments (practice_id, patient_id, suggested_tier, data_gap_count, eligible)
    WHERE eligible = TRUE;
ALTER TABLE current_assessments DROP COLUMN deceased;
ALTER TABLE current_assessments DROP COLUMN given_name;
ALTER TABLE current_assessments DROP COLUMN family_name;
