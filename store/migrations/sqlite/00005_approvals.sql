-- +goose Up
-- Workflow approvals (API.md §10): a step of a workflow job waiting for a person.
CREATE TABLE workflow_approvals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_job INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    timeout INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'pending',
    expires INTEGER,
    decided_by TEXT NOT NULL DEFAULT '',
    created INTEGER NOT NULL,
    modified INTEGER NOT NULL
);
-- The timeout sweep reads the pending approvals that have a deadline.
CREATE INDEX workflow_approvals_due ON workflow_approvals (expires) WHERE status = 'pending' AND expires IS NOT NULL;

-- +goose Down
DROP TABLE workflow_approvals;
