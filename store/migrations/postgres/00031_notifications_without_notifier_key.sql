-- +goose Up
-- A notification's foreign key on its notifier made every inserted row lock
-- the notifier's row (FOR KEY SHARE) until its status change committed: a
-- row every concurrent status change locked, one WAL record a row, and a
-- multixact once two held it. Without it PostgreSQL spends 10-18 % less CPU
-- a notification (heraldbench, ten notifiers a job). Deleting a notifier or
-- its organization deletes its notifications in the same transaction
-- instead (store.DeleteNotifier, store.DeleteObject); a notification a
-- status change writes for a notifier deleted at that moment fails once
-- claimed ("notifier N no longer exists"). SQLite keeps the key: it takes
-- no lock there.
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_notifier_fkey;

-- +goose Down
DELETE FROM notifications WHERE notifier NOT IN (SELECT id FROM notifiers);
ALTER TABLE notifications ADD CONSTRAINT notifications_notifier_fkey FOREIGN KEY (notifier) REFERENCES notifiers(id) ON DELETE CASCADE;
