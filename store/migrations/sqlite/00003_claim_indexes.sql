-- +goose Up
-- A claim that skips notifiers at their cap reads the oldest pending rows
-- with their notifier, and if those are all skipped, the oldest of each
-- other notifier: both straight from an index, however many rows the
-- skipped notifiers hold (store.oldestPending). status is in both only so
-- that SQLite reads nothing but the index.
DROP INDEX notifications_due;
CREATE INDEX notifications_due ON notifications (due_at, notifier, status) WHERE status = 'pending';
CREATE INDEX notifications_notifier_due ON notifications (notifier, due_at, status) WHERE status = 'pending';

-- +goose Down
DROP INDEX notifications_notifier_due;
DROP INDEX notifications_due;
CREATE INDEX notifications_due ON notifications (due_at) WHERE status = 'pending';
