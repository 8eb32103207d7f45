//! The scale orgs: SQL that seeds an org with N users and one group of M members inside SQLite
//! itself (a recursive CTE, so the file is small and `wrangler d1 execute --file` is fast), and
//! the naming scheme the scale workload uses to address the seeded rows.

/// The id of seeded user `n` (1-based), UUID-shaped.
pub fn user_id(n: u64) -> String {
    format!("{n:08x}-0000-4000-8000-{n:012x}")
}

pub fn user_name(org: &str, n: u64) -> String {
    format!("user{n:06}@{org}.example.com")
}

/// Creation time of seeded user `n`: 10 ms apart, so the default sort (created, id) is `n`.
pub fn created(n: u64) -> String {
    let ms = n * 10;
    let s = ms / 1000;
    format!(
        "2025-01-01T{:02}:{:02}:{:02}.{:03}Z",
        s / 3600,
        (s / 60) % 60,
        s % 60,
        ms % 1000
    )
}

pub fn group_id(org: &str) -> String {
    let tag: u64 = org
        .bytes()
        .fold(0, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    format!("00000000-0000-4000-9000-{:012x}", tag & 0xFFFF_FFFF_FFFF)
}

/// SQL seeding `org` with `users` users and a group holding users 1..=`members`. The org name
/// must be lowercase `[a-z0-9-]` (it is inlined into the SQL and the userNames).
pub fn seed_sql(org: &str, users: u64, members: u64) -> Result<String, String> {
    if org.is_empty()
        || !org
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!("org '{org}' must be lowercase [a-z0-9-]"));
    }
    if members > users {
        return Err("a group cannot have more members than the org has users".into());
    }
    let gid = group_id(org);
    // Mirrors seed::created: ms = n * 10.
    let ts = "printf('2025-01-01T%02d:%02d:%02d.%03dZ', (n*10/1000)/3600, ((n*10/1000)/60)%60, (n*10/1000)%60, (n*10)%1000)";
    let id = "printf('%08x-0000-4000-8000-%012x', n, n)";
    Ok(format!(
        "INSERT INTO users (org, id, user_name, user_name_ci, external_id, display_name, display_name_ci, active, data, created, last_modified, version)
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {users})
SELECT '{org}', {id}, un, un, printf('ext-%06d', n), printf('User %06d', n), printf('user %06d', n), 1,
  json_object('userName', un, 'externalId', printf('ext-%06d', n),
    'name', json_object('givenName', 'User', 'familyName', printf('%06d', n)),
    'displayName', printf('User %06d', n),
    'emails', json_array(json_object('value', un, 'type', 'work', 'primary', json('true'))),
    'active', json('true')),
  ts, ts, (abs(random()) % 9007199254740990) + 1
FROM (SELECT n, printf('user%06d@{org}.example.com', n) AS un, {ts} AS ts FROM seq);
INSERT INTO user_emails (org, user_id, value_ci) SELECT org, id, user_name_ci FROM users WHERE org = '{org}';
INSERT INTO groups (org, id, display_name, display_name_ci, external_id, data, created, last_modified, version)
VALUES ('{org}', '{gid}', 'Group {org}', 'group {org}', NULL, json_object('displayName', 'Group {org}'),
  '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', 1);
INSERT INTO group_members (org, group_id, member_id, member_type)
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {members})
SELECT '{org}', '{gid}', {id}, 'User' FROM seq;
INSERT OR REPLACE INTO org_counts (org, resource, total) SELECT '{org}', 'User', COUNT(*) FROM users WHERE org = '{org}';
INSERT OR REPLACE INTO org_counts (org, resource, total) SELECT '{org}', 'Group', COUNT(*) FROM groups WHERE org = '{org}';
"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_is_ordered_by_n() {
        assert_eq!(created(1), "2025-01-01T00:00:00.010Z");
        assert_eq!(created(100_000), "2025-01-01T00:16:40.000Z");
        assert!(created(99_900) < created(99_901));
    }
}
