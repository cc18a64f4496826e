-- +goose Up
-- Times are Unix microseconds (UTC) in both dialects so one set of queries serves both.
-- AUTOINCREMENT: an id is never given again after its row is deleted (as PostgreSQL identities).
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_superuser INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL,
    modified INTEGER NOT NULL
);

CREATE TABLE tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created INTEGER NOT NULL
);

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created INTEGER NOT NULL,
    modified INTEGER NOT NULL
);

CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    organization INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    scm_type TEXT NOT NULL DEFAULT '',
    scm_url TEXT NOT NULL DEFAULT '',
    created INTEGER NOT NULL,
    modified INTEGER NOT NULL,
    UNIQUE (organization, name)
);

CREATE TABLE inventories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    organization INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    created INTEGER NOT NULL,
    modified INTEGER NOT NULL,
    UNIQUE (organization, name)
);

CREATE TABLE inventory_sources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    inventory INTEGER NOT NULL REFERENCES inventories(id) ON DELETE CASCADE,
    source TEXT NOT NULL DEFAULT '',
    created INTEGER NOT NULL,
    modified INTEGER NOT NULL,
    UNIQUE (inventory, name)
);

CREATE TABLE job_templates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    project INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    inventory INTEGER REFERENCES inventories(id) ON DELETE SET NULL,
    playbook TEXT NOT NULL DEFAULT '',
    organization INTEGER REFERENCES organizations(id) ON DELETE CASCADE,
    created INTEGER NOT NULL,
    modified INTEGER NOT NULL,
    UNIQUE (project, name)
);

CREATE TABLE workflow_job_templates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    organization INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    created INTEGER NOT NULL,
    modified INTEGER NOT NULL,
    UNIQUE (organization, name)
);

CREATE TABLE system_job_templates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    job_type TEXT NOT NULL DEFAULT '',
    created INTEGER NOT NULL,
    modified INTEGER NOT NULL
);

CREATE TABLE notifiers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    organization INTEGER REFERENCES organizations(id) ON DELETE CASCADE,
    notification_type TEXT NOT NULL,
    config TEXT NOT NULL,
    messages TEXT NOT NULL DEFAULT '{}',
    created INTEGER NOT NULL,
    modified INTEGER NOT NULL
);
-- Names are unique within the organization; orphan notifiers (superuser only) share one name space.
CREATE UNIQUE INDEX notifiers_org_name ON notifiers (COALESCE(organization, 0), name);

-- Which notifier is attached to which object for which trigger list.
CREATE TABLE attachments (
    object_type TEXT NOT NULL,
    object_id INTEGER NOT NULL,
    event TEXT NOT NULL,
    notifier INTEGER NOT NULL REFERENCES notifiers(id) ON DELETE CASCADE,
    PRIMARY KEY (object_type, object_id, event, notifier)
);
CREATE INDEX attachments_notifier ON attachments (notifier);

-- Every kind of job in one table: ids are unique across kinds, as AWX's unified jobs.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    failed INTEGER NOT NULL DEFAULT 0,
    template INTEGER NOT NULL,
    organization INTEGER,
    launch_type TEXT NOT NULL DEFAULT 'manual',
    created_by TEXT NOT NULL DEFAULT '',
    result_traceback TEXT NOT NULL DEFAULT '',
    job_explanation TEXT NOT NULL DEFAULT '',
    extra_vars TEXT NOT NULL DEFAULT '{}',
    job_limit TEXT NOT NULL DEFAULT '',
    module_name TEXT NOT NULL DEFAULT '',
    module_args TEXT NOT NULL DEFAULT '',
    host_status_counts TEXT,
    hosts TEXT,
    started INTEGER,
    finished INTEGER,
    idempotency_key TEXT,
    created INTEGER NOT NULL,
    modified INTEGER NOT NULL
);
CREATE INDEX jobs_kind ON jobs (kind, id);
CREATE UNIQUE INDEX jobs_idempotency ON jobs (created_by, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- The notifications table is also the delivery queue (a transactional outbox).
-- due_at is when a worker may claim the row: now for a new row, the retry
-- time after a transient failure, the lease expiry while an instance holds it.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    notifier INTEGER NOT NULL REFERENCES notifiers(id) ON DELETE CASCADE,
    notification_type TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    notifications_sent INTEGER NOT NULL DEFAULT 0,
    recipients TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    job_kind TEXT NOT NULL DEFAULT '',
    job_id INTEGER,
    event TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_attempt_at INTEGER,
    delivered TEXT NOT NULL DEFAULT '',
    due_at INTEGER NOT NULL,
    lease_owner TEXT,
    created INTEGER NOT NULL,
    modified INTEGER NOT NULL
);
CREATE INDEX notifications_due ON notifications (due_at) WHERE status = 'pending';
CREATE INDEX notifications_notifier ON notifications (notifier, id);
CREATE INDEX notifications_job ON notifications (job_id) WHERE job_id IS NOT NULL;

-- +goose Down
DROP TABLE notifications;
DROP TABLE jobs;
DROP TABLE attachments;
DROP TABLE notifiers;
DROP TABLE system_job_templates;
DROP TABLE workflow_job_templates;
DROP TABLE job_templates;
DROP TABLE inventory_sources;
DROP TABLE inventories;
DROP TABLE projects;
DROP TABLE organizations;
DROP TABLE tokens;
DROP TABLE users;
DROP TABLE settings;
