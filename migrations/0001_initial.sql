-- Migration 0001: the first released scim-edge schema (users, emails, groups, memberships).
--
-- Applied by `wrangler d1 migrations apply DB --local|--remote`, which records each applied
-- file in the `d1_migrations` table. Every statement keeps `IF NOT EXISTS`, so a database set
-- up before migrations existed (by executing schema.sql by hand) takes this file as a no-op.
-- Never edit a released migration: add the next numbered file instead, and update schema.sql,
-- the consolidated current schema (tests/migrations.rs checks the two agree).
--
-- Every table is keyed by `org` first: `org` leads every primary key and every index, so each
-- lookup is confined to one organisation by the index itself. No statement the service runs
-- omits `org`.
--
-- A resource is stored as its JSON document in `data` (the attributes the client set, without
-- `id`, `meta`, `password` or the computed `groups`), plus the columns that indexes, uniqueness
-- and sorting need. Timestamps are RFC 3339 UTC strings with milliseconds
-- (`2026-11-28T13:45:00.123Z`), so text order is time order. `*_ci` columns hold the
-- case-folded value (Rust `str::to_lowercase`) of attributes whose `caseExact` is false.

CREATE TABLE IF NOT EXISTS users (
    org            TEXT    NOT NULL,
    id             TEXT    NOT NULL,
    user_name      TEXT    NOT NULL,
    user_name_ci   TEXT    NOT NULL,
    external_id    TEXT,
    display_name   TEXT,
    display_name_ci TEXT,
    active         INTEGER NOT NULL DEFAULT 1,
    data           TEXT    NOT NULL,
    created        TEXT    NOT NULL,
    last_modified  TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    PRIMARY KEY (org, id)
) WITHOUT ROWID;

-- userName is unique per org, case-insensitively (RFC 7643 §4.1.1: caseExact false,
-- uniqueness server). The `userName eq` filter reads the same column, so the filter and the
-- uniqueness check always agree.
CREATE UNIQUE INDEX IF NOT EXISTS users_by_user_name ON users (org, user_name_ci);
CREATE INDEX IF NOT EXISTS users_by_external_id ON users (org, external_id);
CREATE INDEX IF NOT EXISTS users_by_display_name ON users (org, display_name_ci);
CREATE INDEX IF NOT EXISTS users_by_created ON users (org, created, id);
CREATE INDEX IF NOT EXISTS users_by_last_modified ON users (org, last_modified, id);

-- One row per email value of a user, so `emails.value eq` and `emails[...]` filters are
-- answered from an index. Rewritten with the user in the same batch.
CREATE TABLE IF NOT EXISTS user_emails (
    org       TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    value_ci  TEXT NOT NULL,
    PRIMARY KEY (org, user_id, value_ci)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS user_emails_by_value ON user_emails (org, value_ci);

CREATE TABLE IF NOT EXISTS groups (
    org             TEXT    NOT NULL,
    id              TEXT    NOT NULL,
    display_name    TEXT    NOT NULL,
    display_name_ci TEXT    NOT NULL,
    external_id     TEXT,
    data            TEXT    NOT NULL,
    created         TEXT    NOT NULL,
    last_modified   TEXT    NOT NULL,
    version         INTEGER NOT NULL,
    PRIMARY KEY (org, id)
) WITHOUT ROWID;

-- Group displayName is unique per org, case-insensitively (Entra matches groups on it).
CREATE UNIQUE INDEX IF NOT EXISTS groups_by_display_name ON groups (org, display_name_ci);
CREATE INDEX IF NOT EXISTS groups_by_external_id ON groups (org, external_id);
CREATE INDEX IF NOT EXISTS groups_by_created ON groups (org, created, id);
CREATE INDEX IF NOT EXISTS groups_by_last_modified ON groups (org, last_modified, id);

-- Membership as rows: adding one member to a group of 50,000 is one insert, and reading a
-- group without its members never touches this table.
CREATE TABLE IF NOT EXISTS group_members (
    org         TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    member_type TEXT NOT NULL CHECK (member_type IN ('User', 'Group')),
    PRIMARY KEY (org, group_id, member_id)
) WITHOUT ROWID;

-- User.groups and cascade deletes look members up by member id.
CREATE INDEX IF NOT EXISTS group_members_by_member ON group_members (org, member_id);
