-- Migration 0005: the change log, event numbering, webhook endpoints and deliveries
-- (docs/events.md). The same statements as schema.sql; safe to apply repeatedly.

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
