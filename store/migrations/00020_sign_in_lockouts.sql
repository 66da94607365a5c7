-- +goose Up
-- Lock-out, one row per username typed at sign-in (whether or not it
-- exists): how many attempts in a row have failed, each within the lock-out
-- period of the one before, and when the latest was made. An attempt is
-- counted here as a failure before its password is checked, by one
-- statement that also checks the count (store.ClaimSignIn), so attempts
-- made at the same moment cannot all pass the check; a success sets the
-- count back to nought.
CREATE TABLE sign_in_lockouts (
    username TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_at  TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE sign_in_lockouts;
