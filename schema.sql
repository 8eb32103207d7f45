-- scim-edge D1 schema: the consolidated current schema, for reading and for native tests.
-- Databases are created and upgraded by the numbered files in migrations/ (applied with
-- `wrangler d1 migrations apply DB`); every schema change is a new migration plus its edit
-- here, and tests/migrations.rs checks that applying all migrations gives exactly this schema.
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
    -- members[].display as the client sent it (NULL: none sent; the member's name is shown).
    display     TEXT,
    PRIMARY KEY (org, group_id, member_id)
) WITHOUT ROWID;

-- User.groups and cascade deletes look members up by member id.
CREATE INDEX IF NOT EXISTS group_members_by_member ON group_members (org, member_id);

-- How many users and groups each org has, kept in the same batch as every insert and delete,
-- so an unfiltered list answers `totalResults` without counting 100,000 rows.
CREATE TABLE IF NOT EXISTS org_counts (
    org      TEXT    NOT NULL,
    resource TEXT    NOT NULL CHECK (resource IN ('User', 'Group')),
    total    INTEGER NOT NULL,
    PRIMARY KEY (org, resource)
) WITHOUT ROWID;

-- The operator console (docs/console.md). `orgs` is the org registry the console lists: KV
-- stays the store of token hashes that every SCIM request reads; this table only mirrors what
-- the console shows (the token's creation time and last four characters) and is written in
-- the admin request that changes the token. Orgs made before the registry existed (or with
-- `make token`, which writes KV directly) are added by the backfill pass.
CREATE TABLE IF NOT EXISTS orgs (
    org            TEXT NOT NULL PRIMARY KEY,
    created        TEXT NOT NULL,
    token_created  TEXT,
    token_last4    TEXT,
    shard          TEXT
) WITHOUT ROWID;

-- Console sessions: only the SHA-256 of the random session id is stored. `secret_tag` ties a
-- session to the ADMIN_SECRET it was opened with, so changing the secret ends every session.
CREATE TABLE IF NOT EXISTS console_sessions (
    id_hash     TEXT    NOT NULL PRIMARY KEY,
    secret_tag  TEXT    NOT NULL,
    created_ms  INTEGER NOT NULL,
    expires_ms  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS console_sessions_by_expiry ON console_sessions (expires_ms);

-- Self-serve setup links, scoped to one org: only the SHA-256 of the link is stored.
CREATE TABLE IF NOT EXISTS setup_links (
    link_hash   TEXT    NOT NULL PRIMARY KEY,
    org         TEXT    NOT NULL,
    created_ms  INTEGER NOT NULL,
    expires_ms  INTEGER NOT NULL,
    revoked     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS setup_links_by_org ON setup_links (org, expires_ms);

-- The directory change log (docs/events.md). Each org's events are numbered 1, 2, 3, ... with
-- no gaps: an event's `seq` is computed inside the same atomic batch as the change it
-- records (the org's highest `seq` + 1), so the change and its event commit together or not
-- at all, and D1 (which runs one batch at a time) never hands out a number twice.
-- `resource`, `data` and `previous` hold JSON text.
CREATE TABLE IF NOT EXISTS events (
    org         TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    id          TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    occurred_at TEXT    NOT NULL,
    resource    TEXT,
    data        TEXT    NOT NULL,
    previous    TEXT,
    source      TEXT    NOT NULL CHECK (source IN ('scim', 'admin')),
    PRIMARY KEY (org, seq)
) WITHOUT ROWID;

-- Retention prunes across orgs by age, and the cron sweep finds orgs with recent events: the
-- one index that does not start with `org`, used only by those two maintenance jobs.
CREATE INDEX IF NOT EXISTS events_by_time ON events (occurred_at, org, seq);

-- The last `seq` of an org whose events retention removed, so numbering continues after
-- the log was emptied (a reused number would look like an event the consumer already has).
CREATE TABLE IF NOT EXISTS event_heads (
    org      TEXT    NOT NULL PRIMARY KEY,
    last_seq INTEGER NOT NULL
) WITHOUT ROWID;

-- Webhook endpoints: `scope` is '*' for the deployment-wide endpoint or an org's name.
-- `secret` is the Standard Webhooks signing secret (`whsec_...`); `types` a JSON array, or
-- NULL for every type.
CREATE TABLE IF NOT EXISTS webhooks (
    scope   TEXT NOT NULL PRIMARY KEY,
    url     TEXT NOT NULL,
    types   TEXT,
    secret  TEXT NOT NULL,
    created TEXT NOT NULL
) WITHOUT ROWID;

-- Delivery progress of one endpoint through one org's log: every event up to `delivered_seq`
-- is done (delivered, not subscribed, or failed for good). `attempts` failed tries of the
-- next one so far; no try before `next_attempt_ms` (epoch milliseconds).
CREATE TABLE IF NOT EXISTS webhook_cursors (
    org             TEXT    NOT NULL,
    scope           TEXT    NOT NULL,
    delivered_seq   INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org, scope)
) WITHOUT ROWID;

-- Every delivery attempt, for `GET /admin/orgs/{org}/deliveries`; pruned with the events.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    org           TEXT    NOT NULL,
    scope         TEXT    NOT NULL,
    seq           INTEGER NOT NULL,
    event_id      TEXT    NOT NULL,
    attempt       INTEGER NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('delivered', 'retrying', 'failed')),
    http_status   INTEGER,
    duration_ms   INTEGER NOT NULL,
    attempted_at  TEXT    NOT NULL,
    next_retry_at TEXT,
    error         TEXT
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_org ON webhook_deliveries (org, attempted_at);
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_time ON webhook_deliveries (attempted_at);

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
