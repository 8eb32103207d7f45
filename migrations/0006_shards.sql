-- 0006: shards — the registry records each org's shard; the move lock and its triggers.

ALTER TABLE orgs ADD COLUMN shard TEXT;
-- Shards (docs/scaling.md): the shard holding each org, in the registry `orgs` of the control
-- shard (the first of SHARDS), next to the `shard` of the KV org record that requests read.
-- Written with the KV record by the admin API (registry first on placement, after KV on a
-- move) and counted for least-loaded placement. NULL: the control shard (orgs from before).
CREATE INDEX IF NOT EXISTS orgs_by_shard ON orgs (shard);

-- An org being moved off this shard ('moving'), or moved away with leftovers possibly still
-- here ('moved'). The triggers below refuse every write to a locked org's rows inside the
-- database itself, in the writer's own batch: no write can slip in between the copy and the
-- switch, whatever shard a stale KV read sent it to. 'purging' is set and cleared inside each
-- purge batch of the old copy, the only deletes a lock lets through.
CREATE TABLE IF NOT EXISTS org_locks (
    org       TEXT    NOT NULL PRIMARY KEY,
    state     TEXT    NOT NULL CHECK (state IN ('moving', 'moved', 'purging')),
    since_ms  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER IF NOT EXISTS users_locked_insert BEFORE INSERT ON users
WHEN EXISTS (SELECT 1 FROM org_locks WHERE org = NEW.org)
BEGIN SELECT RAISE(ABORT, 'scim-edge: org locked for a move'); END;
CREATE TRIGGER IF NOT EXISTS users_locked_update BEFORE UPDATE ON users
WHEN EXISTS (SELECT 1 FROM org_locks WHERE org = OLD.org)
BEGIN SELECT RAISE(ABORT, 'scim-edge: org locked for a move'); END;
CREATE TRIGGER IF NOT EXISTS users_locked_delete BEFORE DELETE ON users
WHEN EXISTS (SELECT 1 FROM org_locks WHERE org = OLD.org AND state <> 'purging')
BEGIN SELECT RAISE(ABORT, 'scim-edge: org locked for a move'); END;
CREATE TRIGGER IF NOT EXISTS user_emails_locked_insert BEFORE INSERT ON user_emails
WHEN EXISTS (SELECT 1 FROM org_locks WHERE org = NEW.org)
BEGIN SELECT RAISE(ABORT, 'scim-edge: org locked for a move'); END;
CREATE TRIGGER IF NOT EXISTS user_emails_locked_update BEFORE UPDATE ON user_emails
WHEN EXISTS (SELECT 1 FROM org_locks WHERE org = OLD.org)
BEGIN SELECT RAISE(ABORT, 'scim-edge: org locked for a move'); END;
CREATE TRIGGER IF NOT EXISTS user_emails_locked_delete BEFORE DELETE ON user_emails
WHEN EXISTS (SELECT 1 FROM org_locks WHERE org = OLD.org AND state <> 'purging')
BEGIN SELECT RAISE(ABORT, 'scim-edge: org locked for a move'); END;
CREATE TRIGGER IF NOT EXISTS groups_locked_insert BEFORE INSERT ON groups
WHEN EXISTS (SELECT 1 FROM org_locks WHERE org = NEW.org)
BEGIN SELECT RAISE(ABORT, 'scim-edge: org locked for a move'); END;
CREATE TRIGGER IF NOT EXISTS groups_locked_update BEFORE UPDATE ON groups
WHEN EXISTS (SELECT 1 FROM org_locks WHERE org = OLD.org)
BEGIN SELECT RAISE(ABORT, 'scim-edge: org locked for a move'); END;
CREATE TRIGGER IF NOT EXISTS groups_locked_delete BEFORE DELETE ON groups
WHEN EXISTS (SELECT 1 FROM org_locks WHERE org = OLD.org AND state <> 'purging')
BEGIN SELECT RAISE(ABORT, 'scim-edge: org locked for a move'); END;
CREATE TRIGGER IF NOT EXISTS group_members_locked_insert BEFORE INSERT ON group_members
WHEN EXISTS (SELECT 1 FROM org_locks WHERE org = NEW.org)
BEGIN SELECT RAISE(ABORT, 'scim-edge: org locked for a move'); END;
CREATE TRIGGER IF NOT EXISTS group_members_locked_update BEFORE UPDATE ON group_members
WHEN EXISTS (SELECT 1 FROM org_locks WHERE org = OLD.org)
BEGIN SELECT RAISE(ABORT, 'scim-edge: org locked for a move'); END;
CREATE TRIGGER IF NOT EXISTS group_members_locked_delete BEFORE DELETE ON group_members
WHEN EXISTS (SELECT 1 FROM org_locks WHERE org = OLD.org AND state <> 'purging')
BEGIN SELECT RAISE(ABORT, 'scim-edge: org locked for a move'); END;
