-- +goose Up
-- Users, teams and roles (API.md §9). Roles are rows per object and name,
-- made when first listed or granted, so that their ids are stable, as AWX's.
ALTER TABLE users ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN last_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN is_system_auditor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN last_login INTEGER;
ALTER TABLE tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'write';
ALTER TABLE tokens ADD COLUMN expires INTEGER;
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE teams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    organization INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    created INTEGER NOT NULL,
    modified INTEGER NOT NULL,
    UNIQUE (organization, name)
);

CREATE TABLE roles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_type TEXT NOT NULL,
    resource_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (resource_type, resource_id, name)
);

CREATE TABLE role_users (
    role_id INTEGER NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, user_id)
);
CREATE INDEX role_users_user ON role_users (user_id);

CREATE TABLE role_teams (
    role_id INTEGER NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, team_id)
);
CREATE INDEX role_teams_team ON role_teams (team_id);

-- Failed logins in a row per username and client address (login throttling).
CREATE TABLE login_failures (
    username TEXT NOT NULL,
    address TEXT NOT NULL,
    failures INTEGER NOT NULL,
    last_failed INTEGER NOT NULL,
    PRIMARY KEY (username, address)
);

-- +goose Down
DROP TABLE login_failures;
DROP TABLE role_teams;
DROP TABLE role_users;
DROP TABLE roles;
DROP TABLE teams;
DROP INDEX tokens_user;
ALTER TABLE tokens DROP COLUMN expires;
ALTER TABLE tokens DROP COLUMN scope;
ALTER TABLE users DROP COLUMN last_login;
ALTER TABLE users DROP COLUMN is_system_auditor;
ALTER TABLE users DROP COLUMN email;
ALTER TABLE users DROP COLUMN last_name;
ALTER TABLE users DROP COLUMN first_name;
