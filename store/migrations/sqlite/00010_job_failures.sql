-- +goose Up
-- A job's failed and unreachable tasks (API.md §3), as JSON text: NULL is none.
ALTER TABLE jobs ADD COLUMN failures TEXT;
-- Each host's result takes AWX's shape: "failed" is a boolean, true when the
-- host was unreachable (dark) or had failures. Rows written before held an
-- integer there.
UPDATE jobs SET hosts = (
    SELECT COALESCE(json_group_object(key, json_set(value, '$.failed',
        json(CASE WHEN COALESCE(json_extract(value, '$.dark'), 0) > 0 OR COALESCE(json_extract(value, '$.failures'), 0) > 0
            OR COALESCE(json_extract(value, '$.failed'), 0) > 0 THEN 'true' ELSE 'false' END))), '{}')
    FROM json_each(jobs.hosts))
WHERE hosts IS NOT NULL AND json_valid(hosts);

-- +goose Down
UPDATE jobs SET hosts = (
    SELECT COALESCE(json_group_object(key, json_set(value, '$.failed', COALESCE(json_extract(value, '$.failures'), 0))), '{}')
    FROM json_each(jobs.hosts))
WHERE hosts IS NOT NULL AND json_valid(hosts);
ALTER TABLE jobs DROP COLUMN failures;
