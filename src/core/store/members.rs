//! All SQL on membership rows (`group_members`): reading a group's members, a user's groups,
//! checking members before a write, and adding or removing them. Members are never rewritten
//! as a list: adding one member is one insert, removing one is one delete, whatever the
//! group's size. Member lists travel as one JSON parameter read with `json_each`, chunked so
//! no statement carries more than `MEMBERS_PER_STATEMENT` members (D1 allows 100 bound
//! parameters and 2 MB per value).
//!
//! `members[].display` (RFC 7643 §4.2) follows one rule: the `display` a client sends with a
//! member is stored with the membership row and returned as sent; a member sent without one
//! is returned with the member's current name (a User's `displayName`, else its `userName`;
//! a Group's `displayName`).

use super::plan::{Applied, DecodeError, Plan, PlanBuilder};
use super::resource::Reference;
use crate::core::db::{SqlValue, Statement};
use crate::core::resource::Member;
use serde::Deserialize;
use serde_json::{json, Value};

/// Members per statement: keeps each bound JSON parameter well under D1's 2 MB value limit.
pub const MEMBERS_PER_STATEMENT: usize = 2_000;

/// The `display` of a membership row `m`: as sent, else the member's current name.
const MEMBER_DISPLAY: &str = "COALESCE(m.display, \
     (SELECT COALESCE(u.display_name, u.user_name) FROM users u WHERE m.member_type = 'User' AND u.org = m.org AND u.id = m.member_id), \
     (SELECT g.display_name FROM groups g WHERE m.member_type = 'Group' AND g.org = m.org AND g.id = m.member_id))";

/// The correlated sub-select giving group `r`'s members as a JSON array of `Reference`s,
/// as column `related` (list pages).
pub fn group_members_column() -> String {
    format!(
        "(SELECT json_group_array(json_object('value', m.member_id, 'type', m.member_type, \
         'display', {MEMBER_DISPLAY})) FROM group_members m \
         WHERE m.org = r.org AND m.group_id = r.id) AS related"
    )
}

/// The correlated sub-select computing user `r`'s `groups` (RFC 7643 §4.1.2) as column
/// `related`: every group the user belongs to, directly or through nested groups, as
/// `{value, display, type}` with type "direct" or "indirect", direct ones first. `CROSS JOIN`
/// keeps the recursive step on the `group_members_by_member` index: D1's planner otherwise
/// scans the org's memberships for each step (measured: 550 ms for a page of members of a
/// 50,000-member group). Nesting is followed at most 16 levels (cycles are refused on write).
pub const USER_GROUPS_COLUMN: &str = "(WITH RECURSIVE anc(gid, depth) AS ( \
     SELECT m.group_id, 0 FROM group_members m WHERE m.org = r.org AND m.member_id = r.id \
     UNION SELECT m.group_id, anc.depth + 1 FROM anc CROSS JOIN group_members m ON m.org = r.org AND m.member_id = anc.gid \
     WHERE anc.depth < 16) \
     SELECT json_group_array(json_object('value', g.id, 'display', g.display_name, 'type', \
     CASE WHEN g.depth = 0 THEN 'direct' ELSE 'indirect' END)) \
     FROM (SELECT a.depth, g.id, g.display_name FROM (SELECT gid, MIN(depth) AS depth FROM anc GROUP BY gid) a \
     JOIN groups g ON g.org = r.org AND g.id = a.gid ORDER BY a.depth, g.display_name_ci, g.id) g) AS related";

/// The members of one group, as `Reference`s ordered by id.
pub fn select(org: &str, group_id: &str) -> Plan<Vec<Reference>> {
    let statement = Statement::new(
        format!(
            "SELECT m.member_id AS value, m.member_type AS type, {MEMBER_DISPLAY} AS display \
             FROM group_members m WHERE m.org = ?1 AND m.group_id = ?2 ORDER BY m.member_id"
        ),
        vec![org.into(), group_id.into()],
    );
    let mut b = PlanBuilder::new();
    let h = b.push(statement);
    b.finish(move |r| r.rows(h))
}

/// A member list as the JSON parameter `json_each` reads: `[{"v": id, "d": display}]`.
fn members_json(members: &[&Member]) -> String {
    Value::Array(
        members
            .iter()
            .map(|m| json!({"v": m.value, "d": m.display}))
            .collect(),
    )
    .to_string()
}

fn ids_json(ids: &[&str]) -> String {
    Value::from(ids.to_vec()).to_string()
}

/// What checking the members a write adds found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberCheck {
    Valid,
    /// Ids that are neither a user nor a group of the org.
    Unknown(Vec<String>),
    /// Adding the groups would make the group a member of itself.
    Cycle,
}

#[derive(Deserialize)]
struct IdRow {
    id: String,
}

#[derive(Deserialize)]
struct CycleRow {
    cycle: i64,
}

/// Checks the members a write adds: unknown ids (chunked), and — for an existing group
/// (`group_id`) — whether adding the groups among them would close a cycle. Only ids that
/// are groups seed the walk, so adding users (all Entra and Okta traffic) does no recursion;
/// `CROSS JOIN` keeps each step on the `group_members` primary key.
pub fn check(org: &str, group_id: Option<&str>, added: &[&Member]) -> Plan<MemberCheck> {
    let ids: Vec<&str> = added.iter().map(|m| m.value.as_str()).collect();
    let mut b = PlanBuilder::new();
    let unknown = b.extend(ids.chunks(MEMBERS_PER_STATEMENT).map(|chunk| {
        Statement::new(
            "SELECT j.value AS id FROM json_each(?2) j \
             WHERE NOT EXISTS (SELECT 1 FROM users WHERE org = ?1 AND id = j.value) \
             AND NOT EXISTS (SELECT 1 FROM groups WHERE org = ?1 AND id = j.value)",
            vec![org.into(), ids_json(chunk).into()],
        )
    }));
    let cycle = group_id.filter(|_| !ids.is_empty()).map(|group_id| {
        b.push(Statement::new(
            "WITH RECURSIVE reach(id) AS ( \
               SELECT j.value FROM json_each(?3) j \
               WHERE EXISTS (SELECT 1 FROM groups WHERE org = ?1 AND id = j.value) \
               UNION SELECT m.member_id FROM reach CROSS JOIN group_members m \
               ON m.org = ?1 AND m.group_id = reach.id WHERE m.member_type = 'Group') \
             SELECT EXISTS (SELECT 1 FROM reach WHERE id = ?2) AS cycle",
            vec![org.into(), group_id.into(), ids_json(&ids).into()],
        ))
    });
    b.finish(move |r| {
        let mut missing = Vec::new();
        for h in unknown {
            missing.extend(r.rows::<IdRow>(h)?.into_iter().map(|row| row.id));
        }
        if !missing.is_empty() {
            return Ok(MemberCheck::Unknown(missing));
        }
        if let Some(h) = cycle {
            if r.one_row::<CycleRow>(h)?.cycle != 0 {
                return Ok(MemberCheck::Cycle);
            }
        }
        Ok::<_, DecodeError>(MemberCheck::Valid)
    })
}

/// A change to a group's membership, as the store applies it.
#[derive(Debug, Clone, Copy)]
pub enum MemberChange<'a> {
    Add(&'a [Member]),
    Remove(&'a [String]),
    RemoveAll,
    ReplaceAll(&'a [Member]),
}

/// The statements of one membership change, each guarded by `applied` (the group write of
/// the same batch), so they take effect only if that write did.
pub fn change_statements(applied: &Applied, change: MemberChange<'_>) -> Vec<Statement> {
    match change {
        MemberChange::Add(members) => add(applied, &members.iter().collect::<Vec<_>>()),
        MemberChange::Remove(ids) => {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            ids.chunks(MEMBERS_PER_STATEMENT)
                .map(|chunk| {
                    guarded(
                        "DELETE FROM group_members WHERE org = ?1 AND group_id = ?2 \
                         AND member_id IN (SELECT j.value FROM json_each(?4) j) AND {GUARD}",
                        applied,
                        Some(ids_json(chunk)),
                    )
                })
                .collect()
        }
        MemberChange::RemoveAll => vec![remove_all(applied)],
        MemberChange::ReplaceAll(members) => {
            let mut statements = vec![remove_all(applied)];
            statements.extend(add(applied, &members.iter().collect::<Vec<_>>()));
            statements
        }
    }
}

/// `sql` with `{GUARD}` replaced by the applied-write condition on `?1`–`?3`, and `extra` as
/// `?4`.
fn guarded(sql: &str, applied: &Applied, extra: Option<String>) -> Statement {
    let mut params: Vec<SqlValue> = applied.params().into();
    if let Some(extra) = extra {
        params.push(extra.into());
    }
    Statement::new(sql.replace("{GUARD}", &applied.condition(1)), params)
}

fn remove_all(applied: &Applied) -> Statement {
    guarded(
        "DELETE FROM group_members WHERE org = ?1 AND group_id = ?2 AND {GUARD}",
        applied,
        None,
    )
}

/// Adds members; each one's type is taken from the table it lives in, and ids that vanished
/// since they were checked are skipped. A member already there keeps its row, and takes the
/// newly sent `display` when one was sent.
pub fn add(applied: &Applied, members: &[&Member]) -> Vec<Statement> {
    members
        .chunks(MEMBERS_PER_STATEMENT)
        .map(|chunk| {
            guarded(
                "INSERT INTO group_members (org, group_id, member_id, member_type, display) \
                 SELECT ?1, ?2, j.id, CASE WHEN EXISTS (SELECT 1 FROM users WHERE org = ?1 AND id = j.id) \
                 THEN 'User' ELSE 'Group' END, j.display \
                 FROM (SELECT json_extract(value, '$.v') AS id, json_extract(value, '$.d') AS display FROM json_each(?4)) j \
                 WHERE {GUARD} AND (EXISTS (SELECT 1 FROM users WHERE org = ?1 AND id = j.id) \
                 OR EXISTS (SELECT 1 FROM groups WHERE org = ?1 AND id = j.id)) \
                 ON CONFLICT (org, group_id, member_id) DO UPDATE SET display = COALESCE(excluded.display, display)",
                applied,
                Some(members_json(chunk)),
            )
        })
        .collect()
}

/// When user or group `id` is deleted (at its delete plan's slot): its rows as a member, and
/// a group's own membership rows.
pub fn delete_with(applied: &Applied, as_group: bool) -> Statement {
    let own = if as_group { "group_id = ?2 OR " } else { "" };
    guarded(
        &format!(
            "DELETE FROM group_members WHERE org = ?1 AND ({own}member_id = ?2) AND {{GUARD}}"
        ),
        applied,
        None,
    )
}
