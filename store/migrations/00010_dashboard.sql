-- +goose Up
-- The LCN dashboard compares practices in the pilot with those not yet
-- rolled out: pilot_since is the date a practice joined (NULL: not yet).
ALTER TABLE organisations ADD COLUMN pilot_since DATE;
-- Tier movement is counted by month of decision.
CREATE INDEX tier_decisions_decided ON tier_decisions (decided_at);

-- +goose Down
DROP INDEX tier_decisions_decided;
ALTER TABLE organisations DROP COLUMN pilot_since;
