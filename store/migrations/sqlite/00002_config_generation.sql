-- +goose Up
-- config_generation counts the changes to what a status change reads besides
-- the job: the objects (their names and links up the hierarchy), the
-- notifiers and their attachments. The store caches that configuration per
-- template and uses an entry only while the counter is unchanged, so a
-- change made through any instance counts from the next status change on.
CREATE TABLE config_generation (n INTEGER NOT NULL);
INSERT INTO config_generation (n) VALUES (0);

-- +goose StatementBegin
CREATE TRIGGER organizations_insert_config AFTER INSERT ON organizations BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER organizations_update_config AFTER UPDATE ON organizations BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER organizations_delete_config AFTER DELETE ON organizations BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER projects_insert_config AFTER INSERT ON projects BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER projects_update_config AFTER UPDATE ON projects BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER projects_delete_config AFTER DELETE ON projects BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER inventories_insert_config AFTER INSERT ON inventories BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER inventories_update_config AFTER UPDATE ON inventories BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER inventories_delete_config AFTER DELETE ON inventories BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER inventory_sources_insert_config AFTER INSERT ON inventory_sources BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER inventory_sources_update_config AFTER UPDATE ON inventory_sources BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER inventory_sources_delete_config AFTER DELETE ON inventory_sources BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER job_templates_insert_config AFTER INSERT ON job_templates BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER job_templates_update_config AFTER UPDATE ON job_templates BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER job_templates_delete_config AFTER DELETE ON job_templates BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER workflow_job_templates_insert_config AFTER INSERT ON workflow_job_templates BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER workflow_job_templates_update_config AFTER UPDATE ON workflow_job_templates BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER workflow_job_templates_delete_config AFTER DELETE ON workflow_job_templates BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER system_job_templates_insert_config AFTER INSERT ON system_job_templates BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER system_job_templates_update_config AFTER UPDATE ON system_job_templates BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER system_job_templates_delete_config AFTER DELETE ON system_job_templates BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER notifiers_insert_config AFTER INSERT ON notifiers BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER notifiers_update_config AFTER UPDATE ON notifiers BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER notifiers_delete_config AFTER DELETE ON notifiers BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER attachments_insert_config AFTER INSERT ON attachments BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER attachments_update_config AFTER UPDATE ON attachments BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER attachments_delete_config AFTER DELETE ON attachments BEGIN UPDATE config_generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER organizations_insert_config;
DROP TRIGGER organizations_update_config;
DROP TRIGGER organizations_delete_config;
DROP TRIGGER projects_insert_config;
DROP TRIGGER projects_update_config;
DROP TRIGGER projects_delete_config;
DROP TRIGGER inventories_insert_config;
DROP TRIGGER inventories_update_config;
DROP TRIGGER inventories_delete_config;
DROP TRIGGER inventory_sources_insert_config;
DROP TRIGGER inventory_sources_update_config;
DROP TRIGGER inventory_sources_delete_config;
DROP TRIGGER job_templates_insert_config;
DROP TRIGGER job_templates_update_config;
DROP TRIGGER job_templates_delete_config;
DROP TRIGGER workflow_job_templates_insert_config;
DROP TRIGGER workflow_job_templates_update_config;
DROP TRIGGER workflow_job_templates_delete_config;
DROP TRIGGER system_job_templates_insert_config;
DROP TRIGGER system_job_templates_update_config;
DROP TRIGGER system_job_templates_delete_config;
DROP TRIGGER notifiers_insert_config;
DROP TRIGGER notifiers_update_config;
DROP TRIGGER notifiers_delete_config;
DROP TRIGGER attachments_insert_config;
DROP TRIGGER attachments_update_config;
DROP TRIGGER attachments_delete_config;
DROP TABLE config_generation;
