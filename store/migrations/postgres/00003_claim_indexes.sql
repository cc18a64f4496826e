-- +goose Up
-- A claim that skips notifiers at their cap reads the oldest pending rows
-- with their notifier, and if those are all skipped, the oldest of each
-- other notifier: both straight from an index, however many rows the
-- skipped notifiers hold (store.oldestPending). Rows due at the same time
-- go oldest first (id); status is there only so that SQLite reads nothing
-- but the index.
DROP INDEX notifications_due;
CREATE INDEX notifications_due ON notifications (due_at, id, notifier, status) WHERE status = 'pending';
CREATE INDEX notifications_notifier_due ON notifications (notifier, due_at, id, status) WHERE status = 'pending';

-- +goose Down
DROP INDEX notifications_notifier_due;
DROP INDEX notifications_due;
CREATE INDEX notifications_due ON notifications (due_at) WHERE status = 'pending';
