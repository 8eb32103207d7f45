"""EXPLAIN QUERY PLAN and native timings of the statements behind the scale operations, on a
local D1 database seeded like the bench's 100,000-user org (see docs/benchmarks.md):

    python3 bench/explain.py PATH/TO/d1.sqlite ORG

The SQL is copied from src/core/store and src/core/list (keep it in step). SQLite here is
Python's, not workerd's; the plans are what matter, the timings are indicative."""

import sqlite3
import sys
import time

db, org = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db)
gid = con.execute("SELECT id FROM groups WHERE org = ?", (org,)).fetchone()[0]
n_users = con.execute("SELECT COUNT(*) FROM users WHERE org = ?", (org,)).fetchone()[0]
outsider = con.execute("SELECT id FROM users WHERE org = ? ORDER BY created DESC LIMIT 1", (org,)).fetchone()[0]
members_json = f'["{outsider}"]'
groups_col = ("(SELECT json_group_array(json_object('value', g.id, 'display', g.display_name, 'type', 'direct')) "
              "FROM group_members m JOIN groups g ON g.org = m.org AND g.id = m.group_id "
              "WHERE m.org = r.org AND m.member_id = r.id) AS groups")
GUARD = "EXISTS (SELECT 1 FROM groups WHERE org = ?1 AND id = ?2 AND version = ?3)"
cases = [
    ("list: COUNT(*) for totalResults", "SELECT COUNT(*) AS total FROM users r WHERE r.org = ?", (org,)),
    ("list: index page startIndex=501 count=100",
     f"SELECT {groups_col}, r.id, r.data, r.created, r.last_modified, r.version, r.created AS sort_key FROM users r "
     "WHERE r.org = ? ORDER BY r.created ASC, r.id ASC LIMIT ? OFFSET ?", (org, 100, 500)),
    ("list: cursor page after row 99,900",
     f"SELECT {groups_col}, r.id, r.data, r.created, r.last_modified, r.version, r.created AS sort_key FROM users r "
     "WHERE r.org = ? AND (r.created, r.id) > (?, ?) ORDER BY r.created ASC, r.id ASC LIMIT ?",
     (org, "2025-01-01T00:16:39.000Z", "0001863c-0000-4000-8000-00000001863c", 101)),
    ("filter: userName eq", "SELECT r.id, r.data FROM users r WHERE r.org = ? AND r.user_name_ci = ?",
     (org, "user050000@%s.example.com" % org)),
    ("group add: unknown members",
     "SELECT j.value AS id FROM json_each(?2) j WHERE NOT EXISTS (SELECT 1 FROM users WHERE org = ?1 AND id = j.value) "
     "AND NOT EXISTS (SELECT 1 FROM groups WHERE org = ?1 AND id = j.value)", (org, members_json)),
    ("group add: would cycle",
     "WITH RECURSIVE reach(id) AS (SELECT j.value FROM json_each(?3) j UNION SELECT m.member_id FROM group_members m "
     "JOIN reach ON m.org = ?1 AND m.group_id = reach.id WHERE m.member_type = 'Group') "
     "SELECT EXISTS (SELECT 1 FROM reach WHERE id = ?2) AS cycle", (org, gid, members_json)),
    ("group add: insert member (guarded)",
     "INSERT OR IGNORE INTO group_members (org, group_id, member_id, member_type) SELECT ?1, ?2, j.value, "
     "CASE WHEN EXISTS (SELECT 1 FROM users WHERE org = ?1 AND id = j.value) THEN 'User' ELSE 'Group' END "
     f"FROM json_each(?4) j WHERE {GUARD} AND (EXISTS (SELECT 1 FROM users WHERE org = ?1 AND id = j.value) "
     "OR EXISTS (SELECT 1 FROM groups WHERE org = ?1 AND id = j.value))", (org, gid, 1, members_json)),
    ("group remove: delete member (guarded)",
     "DELETE FROM group_members WHERE org = ?1 AND group_id = ?2 AND member_id IN (SELECT j.value FROM json_each(?4) j) "
     f"AND {GUARD}", (org, gid, 1, members_json)),
]
print(f"org {org}: {n_users} users, group {gid}")
for name, sql, params in cases:
    plan = con.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    runs = 20
    start = time.perf_counter()
    for _ in range(runs):
        con.execute(sql, params).fetchall()
    ms = (time.perf_counter() - start) / runs * 1000
    con.rollback()
    print(f"\n## {name}: {ms:.3f} ms")
    for row in plan:
        print("   ", row[-1])
