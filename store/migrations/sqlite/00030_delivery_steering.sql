-- +goose Up
-- Seeing and steering delivery (API.md §6): a notifier may be paused and
-- rate limited; every attempt is logged; each notifier's circuit breaker
-- state is shared by every instance.
ALTER TABLE notifiers ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;
ALTER TABLE notifiers ADD COLUMN rate_limit REAL;

-- attempt_base counts the attempts of earlier series (before a retry), so
-- that the log numbers attempts on from them.
ALTER TABLE notifications ADD COLUMN attempt_base INTEGER NOT NULL DEFAULT 0;

CREATE TABLE notification_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- No foreign key: checking it cost every attempt a lookup; the rows
    -- of a deleted notification go with the retention.
    notification INTEGER NOT NULL,
    number INTEGER NOT NULL,
    started INTEGER NOT NULL,
    duration REAL NOT NULL,
    outcome TEXT NOT NULL,
    status_code INTEGER,
    error TEXT NOT NULL DEFAULT '',
    response TEXT NOT NULL DEFAULT '',
    destinations TEXT NOT NULL DEFAULT '',
    instance TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notification_attempts_notification ON notification_attempts (notification, number);

CREATE TABLE notifier_delivery (
    notifier INTEGER PRIMARY KEY REFERENCES notifiers(id) ON DELETE CASCADE,
    circuit TEXT NOT NULL DEFAULT 'closed',
    since INTEGER,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    opened INTEGER NOT NULL DEFAULT 0, -- openings since it last closed: the cool-down doubles with each
    open_until INTEGER,
    rate_limited_until INTEGER
);

-- +goose Down
DROP TABLE notifier_delivery;
DROP TABLE notification_attempts;
ALTER TABLE notifications DROP COLUMN attempt_base;
ALTER TABLE notifiers DROP COLUMN rate_limit;
ALTER TABLE notifiers DROP COLUMN enabled;
