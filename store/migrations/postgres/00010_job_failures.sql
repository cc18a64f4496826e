-- +goose Up
-- A job's failed and unreachable tasks (API.md §3), as JSON text: NULL is none.
ALTER TABLE jobs ADD COLUMN failures TEXT;
-- Each host's result takes AWX's shape: "failed" is a boolean, true when the
-- host was unreachable (dark) or had failures. Rows written before held an
-- integer there.
UPDATE jobs SET hosts = COALESCE((
    SELECT jsonb_object_agg(key, value || jsonb_build_object('failed',
        COALESCE((value->>'dark')::bigint, 0) > 0 OR COALESCE((value->>'failures')::bigint, 0) > 0
        OR (jsonb_typeof(value->'failed') = 'number' AND (value->>'failed')::bigint > 0)))
    FROM jsonb_each(jobs.hosts::jsonb)), '{}'::jsonb)::text
WHERE hosts IS NOT NULL;

-- +goose Down
UPDATE jobs SET hosts = COALESCE((
    SELECT jsonb_object_agg(key, value || jsonb_build_object('failed', COALESCE((value->>'failures')::bigint, 0)))
    FROM jsonb_each(jobs.hosts::jsonb)), '{}'::jsonb)::text
WHERE hosts IS NOT NULL;
ALTER TABLE jobs DROP COLUMN failures;
