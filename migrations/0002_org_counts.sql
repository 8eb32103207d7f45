-- Migration 0002: per-org resource counts (`org_counts`), which answer `totalResults` of an
-- unfiltered list from one row. The service keeps them in the same batch as every insert and
-- delete; this migration creates the table and fills it from the rows already stored, so an
-- upgraded deployment reports the right totals at once (Okta pages by `totalResults`).

CREATE TABLE IF NOT EXISTS org_counts (
    org      TEXT    NOT NULL,
    resource TEXT    NOT NULL CHECK (resource IN ('User', 'Group')),
    total    INTEGER NOT NULL,
    PRIMARY KEY (org, resource)
) WITHOUT ROWID;

-- Recount from scratch: a database that already had the table (schema.sql executed by hand
-- after org_counts was introduced) may hold counts that drifted while writes ran without it.
DELETE FROM org_counts;
INSERT INTO org_counts (org, resource, total)
    SELECT org, 'User', COUNT(*) FROM users GROUP BY org;
INSERT INTO org_counts (org, resource, total)
    SELECT org, 'Group', COUNT(*) FROM groups GROUP BY org;
