-- 0004: the operator console — org registry, console sessions, setup links (docs/console.md).
-- The same statements as the end of schema.sql; safe to apply repeatedly.

-- The operator console (docs/console.md). `orgs` is the org registry the console lists: KV
-- stays the store of token hashes that every SCIM request reads; this table only mirrors what
-- the console shows (the token's creation time and last four characters) and is written in
-- the admin request that changes the token. Orgs made before the registry existed (or with
-- `make token`, which writes KV directly) are added by the backfill pass.
CREATE TABLE IF NOT EXISTS orgs (
    org            TEXT NOT NULL PRIMARY KEY,
    created        TEXT NOT NULL,
    token_created  TEXT,
    token_last4    TEXT
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
