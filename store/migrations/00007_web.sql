-- +goose Up
-- What the web pages' lists filter and sort on, so a worklist or a cohort
-- page stays fast at a million patients.
CREATE INDEX current_tiers_tier ON current_tiers (tier, overridden);
CREATE INDEX patients_practice_name ON patients (practice_id, family_name, given_name, id);
CREATE INDEX referrals_organisation_open ON referrals (organisation_id, closed_at);

-- +goose Down
DROP INDEX referrals_organisation_open;
DROP INDEX patients_practice_name;
DROP INDEX current_tiers_tier;
