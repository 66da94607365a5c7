-- +goose Up
-- A worklist lists a practice's or a person's open tasks soonest due first,
-- then by priority, then oldest first, and shows the first hundred. A run of
-- stratification raises hundreds of tasks per practice with the same due
-- date and priority: these indexes hold the whole order, so the list is
-- read from the start of the index and stops at the hundredth task rather
-- than sorting all of them (and reading each one's patient) first.
CREATE INDEX tasks_worklist_org ON tasks (assignee_org, status, due, priority, created_at, id);
CREATE INDEX tasks_worklist_user ON tasks (assignee_user, status, due, priority, created_at, id);
DROP INDEX tasks_assignee_org;
DROP INDEX tasks_assignee_user;

-- +goose Down
CREATE INDEX tasks_assignee_user ON tasks (assignee_user, status, due);
CREATE INDEX tasks_assignee_org ON tasks (assignee_org, status, due);
DROP INDEX tasks_worklist_user;
DROP INDEX tasks_worklist_org;
