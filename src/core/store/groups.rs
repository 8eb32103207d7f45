//! SQL for groups (table `groups`) and their membership rows (`group_members`). Members are
//! never rewritten as a list: adding one member is one insert, removing one is one delete,
//! whatever the group's size. Member lists travel as one JSON parameter read with
//! `json_each`, chunked so no statement carries more than `MEMBERS_PER_STATEMENT` ids and no
//! statement binds more than a handful of parameters (D1 allows 100).

use super::{counts, rows};
use crate::core::db::{Row, SqlValue, Statement};
use crate::core::error::ScimError;
use crate::core::resource::Member;
use crate::core::schema::ResourceType;
use serde_json::Value;

/// Member ids per statement: keeps each bound JSON parameter well under D1's 2 MB value limit.
pub const MEMBERS_PER_STATEMENT: usize = 2_000;

#[derive(Debug, Clone, PartialEq)]
pub struct GroupColumns {
    pub display_name: String,
    pub external_id: Option<String>,
    pub data: String,
}

impl GroupColumns {
    pub fn from_doc(doc: &Value) -> Result<GroupColumns, ScimError> {
        let display_name = doc
            .get("displayName")
            .and_then(Value::as_str)
            .ok_or_else(|| ScimError::invalid_value("Attribute 'displayName' is required."))?
            .to_owned();
        Ok(GroupColumns {
            display_name,
            external_id: doc
                .get("externalId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            data: doc.to_string(),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredGroup {
    pub id: String,
    pub doc: Value,
    pub created: String,
    pub last_modified: String,
    pub version: i64,
}

pub const GROUP_COLUMNS: &str = "r.id, r.data, r.created, r.last_modified, r.version";

pub fn decode(row: &Row) -> Option<StoredGroup> {
    Some(StoredGroup {
        id: rows::text(row, "id")?,
        doc: rows::json(row, "data")?,
        created: rows::text(row, "created")?,
        last_modified: rows::text(row, "last_modified")?,
        version: rows::int(row, "version")?,
    })
}

pub fn select_by_id(org: &str, id: &str) -> Statement {
    Statement::new(
        format!("SELECT {GROUP_COLUMNS} FROM groups r WHERE r.org = ?1 AND r.id = ?2"),
        vec![org.into(), id.into()],
    )
}

/// The members of one group, with a display name from the member's own row.
pub fn select_members(org: &str, group_id: &str) -> Statement {
    Statement::new(
        "SELECT m.member_id AS value, m.member_type AS type, \
         COALESCE(u.display_name, u.user_name, g.display_name) AS display \
         FROM group_members m \
         LEFT JOIN users u ON m.member_type = 'User' AND u.org = m.org AND u.id = m.member_id \
         LEFT JOIN groups g ON m.member_type = 'Group' AND g.org = m.org AND g.id = m.member_id \
         WHERE m.org = ?1 AND m.group_id = ?2 ORDER BY m.member_id",
        vec![org.into(), group_id.into()],
    )
}

/// A member list as the JSON parameter `json_each` reads.
fn ids_json(ids: &[&str]) -> String {
    Value::from(ids.to_vec()).to_string()
}

/// The ids among `ids` that are neither a user nor a group of the org (chunked).
pub fn select_unknown_members(org: &str, ids: &[&str]) -> Vec<Statement> {
    ids.chunks(MEMBERS_PER_STATEMENT)
        .map(|chunk| {
            Statement::new(
                "SELECT j.value AS id FROM json_each(?2) j \
                 WHERE NOT EXISTS (SELECT 1 FROM users WHERE org = ?1 AND id = j.value) \
                 AND NOT EXISTS (SELECT 1 FROM groups WHERE org = ?1 AND id = j.value)",
                vec![org.into(), ids_json(chunk).into()],
            )
        })
        .collect()
}

/// Whether adding `group_ids` as members of `group_id` would close a cycle: true when
/// `group_id` is one of them or is reachable from them through nested group memberships.
/// Only ids that are groups seed the walk, so adding users (all Entra and Okta traffic) does
/// no recursion; `CROSS JOIN` fixes the join order so each step looks members up by the
/// `group_members` primary key instead of scanning the org's memberships.
pub fn select_would_cycle(org: &str, group_id: &str, group_ids: &[&str]) -> Statement {
    Statement::new(
        "WITH RECURSIVE reach(id) AS ( \
           SELECT j.value FROM json_each(?3) j \
           WHERE EXISTS (SELECT 1 FROM groups WHERE org = ?1 AND id = j.value) \
           UNION SELECT m.member_id FROM reach CROSS JOIN group_members m \
           ON m.org = ?1 AND m.group_id = reach.id WHERE m.member_type = 'Group') \
         SELECT EXISTS (SELECT 1 FROM reach WHERE id = ?2) AS cycle",
        vec![org.into(), group_id.into(), ids_json(group_ids).into()],
    )
}

/// The guard that makes membership statements apply only if this request's group write did.
const GUARD: &str = "EXISTS (SELECT 1 FROM groups WHERE org = ?1 AND id = ?2 AND version = ?3)";

fn guarded(
    sql: String,
    org: &str,
    group_id: &str,
    version: i64,
    extra: Option<String>,
) -> Statement {
    let mut params: Vec<SqlValue> = vec![org.into(), group_id.into(), version.into()];
    if let Some(extra) = extra {
        params.push(extra.into());
    }
    Statement::new(sql, params)
}

/// Adds members (existing ones are kept as they are). Each id's type is taken from the table
/// it lives in; ids that vanished since validation are skipped.
pub fn add_members(org: &str, group_id: &str, version: i64, ids: &[&str]) -> Vec<Statement> {
    ids.chunks(MEMBERS_PER_STATEMENT)
        .map(|chunk| {
            guarded(
                format!(
                    "INSERT OR IGNORE INTO group_members (org, group_id, member_id, member_type) \
                     SELECT ?1, ?2, j.value, CASE WHEN EXISTS (SELECT 1 FROM users WHERE org = ?1 AND id = j.value) \
                     THEN 'User' ELSE 'Group' END FROM json_each(?4) j \
                     WHERE {GUARD} AND (EXISTS (SELECT 1 FROM users WHERE org = ?1 AND id = j.value) \
                     OR EXISTS (SELECT 1 FROM groups WHERE org = ?1 AND id = j.value))"
                ),
                org,
                group_id,
                version,
                Some(ids_json(chunk)),
            )
        })
        .collect()
}

pub fn remove_members(org: &str, group_id: &str, version: i64, ids: &[&str]) -> Vec<Statement> {
    ids.chunks(MEMBERS_PER_STATEMENT)
        .map(|chunk| {
            guarded(
                format!(
                    "DELETE FROM group_members WHERE org = ?1 AND group_id = ?2 \
                     AND member_id IN (SELECT j.value FROM json_each(?4) j) AND {GUARD}"
                ),
                org,
                group_id,
                version,
                Some(ids_json(chunk)),
            )
        })
        .collect()
}

pub fn remove_all_members(org: &str, group_id: &str, version: i64) -> Statement {
    guarded(
        format!("DELETE FROM group_members WHERE org = ?1 AND group_id = ?2 AND {GUARD}"),
        org,
        group_id,
        version,
        None,
    )
}

/// Inserting a group: statement 0 inserts it unless its displayName is taken (`changes == 0`
/// → 409), then its initial members.
pub fn insert(
    org: &str,
    id: &str,
    cols: &GroupColumns,
    now: &str,
    version: i64,
    members: &[Member],
) -> Vec<Statement> {
    let mut statements = vec![Statement::new(
        "INSERT INTO groups (org, id, display_name, display_name_ci, external_id, data, created, last_modified, version) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8) ON CONFLICT DO NOTHING",
        vec![
            org.into(),
            id.into(),
            cols.display_name.as_str().into(),
            cols.display_name.to_lowercase().into(),
            cols.external_id.clone().into(),
            cols.data.as_str().into(),
            now.into(),
            version.into(),
        ],
    )];
    let ids: Vec<&str> = members.iter().map(|m| m.value.as_str()).collect();
    statements.extend(add_members(org, id, version, &ids));
    statements.push(counts::count_inserted(
        org,
        ResourceType::Group,
        id,
        version,
    ));
    statements
}

/// How the group row itself is written in an update batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionCheck {
    /// Only if the row still has the version that was read (the document changed, or the
    /// client sent If-Match).
    Exact(i64),
    /// Whatever the version (a membership-only change: membership statements commute).
    Any,
}

/// Statement 0 of an update batch: the group row with its new version and, when given, new
/// columns. Membership statements follow (guarded on the new version), then `outcome`.
pub fn update_row(
    org: &str,
    id: &str,
    cols: Option<&GroupColumns>,
    now: &str,
    check: VersionCheck,
    new_version: i64,
) -> Statement {
    let mut params: Vec<SqlValue> = vec![org.into(), id.into(), now.into(), new_version.into()];
    let mut set = String::from("last_modified = ?3, version = ?4");
    if let Some(cols) = cols {
        set.push_str(", display_name = ?5, display_name_ci = ?6, external_id = ?7, data = ?8");
        params.push(cols.display_name.as_str().into());
        params.push(cols.display_name.to_lowercase().into());
        params.push(cols.external_id.clone().into());
        params.push(cols.data.as_str().into());
    }
    let condition = match check {
        VersionCheck::Exact(v) => {
            params.push(v.into());
            format!(" AND version = ?{}", params.len())
        }
        VersionCheck::Any => String::new(),
    };
    Statement::new(
        format!("UPDATE OR IGNORE groups SET {set} WHERE org = ?1 AND id = ?2{condition}"),
        params,
    )
}

/// The last statement of an update batch: the row's version now and who holds the new
/// display name (see `users::update_outcome`).
pub fn outcome(org: &str, id: &str, display_name_ci: Option<String>) -> Statement {
    Statement::new(
        "SELECT (SELECT version FROM groups WHERE org = ?1 AND id = ?2) AS version, \
         (SELECT id FROM groups WHERE org = ?1 AND display_name_ci = ?3 AND id <> ?2) AS holder",
        vec![org.into(), id.into(), display_name_ci.into()],
    )
}

/// Which statement of `delete` is the delete itself.
pub const DELETE_AT: usize = 1;

/// Deleting a group, its membership rows, and its rows as a member of other groups.
pub fn delete(org: &str, id: &str, if_version: Option<i64>) -> Vec<Statement> {
    let (condition, params): (&str, Vec<SqlValue>) = match if_version {
        Some(v) => (" AND version = ?3", vec![org.into(), id.into(), v.into()]),
        None => ("", vec![org.into(), id.into()]),
    };
    let key: Vec<SqlValue> = vec![org.into(), id.into()];
    let gone = "NOT EXISTS (SELECT 1 FROM groups WHERE org = ?1 AND id = ?2)";
    vec![
        counts::count_deleted(org, ResourceType::Group, id, if_version),
        Statement::new(format!("DELETE FROM groups WHERE org = ?1 AND id = ?2{condition}"), params),
        Statement::new(
            format!("DELETE FROM group_members WHERE org = ?1 AND (group_id = ?2 OR member_id = ?2) AND {gone}"),
            key.clone(),
        ),
        Statement::new("SELECT EXISTS (SELECT 1 FROM groups WHERE org = ?1 AND id = ?2) AS remaining", key),
    ]
}
