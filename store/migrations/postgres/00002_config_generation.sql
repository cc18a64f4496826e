-- +goose Up
-- config_generation counts the changes to what a status change reads besides
-- the job: the objects (their names and links up the hierarchy), the
-- notifiers and their attachments. The store caches that configuration per
-- template and uses an entry only while the counter is unchanged, so a
-- change made through any instance counts from the next status change on.
CREATE TABLE config_generation (n BIGINT NOT NULL);
INSERT INTO config_generation (n) VALUES (0);

-- +goose StatementBegin
CREATE FUNCTION bump_config_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE config_generation SET n = n + 1;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER organizations_config AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organizations FOR EACH STATEMENT EXECUTE FUNCTION bump_config_generation();
CREATE TRIGGER projects_config AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON projects FOR EACH STATEMENT EXECUTE FUNCTION bump_config_generation();
CREATE TRIGGER inventories_config AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON inventories FOR EACH STATEMENT EXECUTE FUNCTION bump_config_generation();
CREATE TRIGGER inventory_sources_config AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON inventory_sources FOR EACH STATEMENT EXECUTE FUNCTION bump_config_generation();
CREATE TRIGGER job_templates_config AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON job_templates FOR EACH STATEMENT EXECUTE FUNCTION bump_config_generation();
CREATE TRIGGER workflow_job_templates_config AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON workflow_job_templates FOR EACH STATEMENT EXECUTE FUNCTION bump_config_generation();
CREATE TRIGGER system_job_templates_config AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON system_job_templates FOR EACH STATEMENT EXECUTE FUNCTION bump_config_generation();
CREATE TRIGGER notifiers_config AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON notifiers FOR EACH STATEMENT EXECUTE FUNCTION bump_config_generation();
CREATE TRIGGER attachments_config AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON attachments FOR EACH STATEMENT EXECUTE FUNCTION bump_config_generation();

-- +goose Down
DROP TRIGGER organizations_config ON organizations;
DROP TRIGGER projects_config ON projects;
DROP TRIGGER inventories_config ON inventories;
DROP TRIGGER inventory_sources_config ON inventory_sources;
DROP TRIGGER job_templates_config ON job_templates;
DROP TRIGGER workflow_job_templates_config ON workflow_job_templates;
DROP TRIGGER system_job_templates_config ON system_job_templates;
DROP TRIGGER notifiers_config ON notifiers;
DROP TRIGGER attachments_config ON attachments;
DROP FUNCTION bump_config_generation();
DROP TABLE config_generation;
