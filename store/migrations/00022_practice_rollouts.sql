-- +goose Up
-- A practice's roll-out: the date it joined the pilot (pilot_since, from
-- 00010), the date it went live, and the wave it belongs to. The columns on
-- organisations are the current values, which the dashboard reads; they are
-- written only together with a row of practice_rollouts, which keeps every
-- change: who made it, when and why.
ALTER TABLE organisations ADD COLUMN go_live DATE;
ALTER TABLE organisations ADD COLUMN rollout_wave TEXT NOT NULL DEFAULT '';

CREATE TABLE practice_rollouts (
    practice_id TEXT NOT NULL REFERENCES organisations(id),
    version     INTEGER NOT NULL,
    pilot_since DATE,
    go_live     DATE,
    wave        TEXT NOT NULL DEFAULT '',
    changed_by  TEXT NOT NULL,
    changed_at  TIMESTAMP NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (practice_id, version)
);

-- +goose Down
DROP TABLE practice_rollouts;
ALTER TABLE organisations DROP COLUMN rollout_wave;
ALTER TABLE organisations DROP COLUMN go_live;
