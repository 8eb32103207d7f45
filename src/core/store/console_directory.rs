//! Directory browsing for the console: users and groups of one org, searched by prefix of
//! userName, displayName or email (users) or displayName (groups), a user's groups, and a
//! group's members. Every read is one page (keyset-paged on an indexed column), so a group of
//! 100,000 members is never loaded whole. Each read is a plan decoding into a
//! `KeysetPage` of summaries; the console renders their values as text.

use super::keyset_page::KeysetPage;
use super::plan::{Plan, PlanBuilder};
use crate::core::db::Statement;
use serde::Deserialize;
use serde_json::Value;

/// Rows per page of every directory read.
pub const PAGE_SIZE: usize = 50;

/// The half-open range of case-folded values starting with `prefix`: `[prefix, prefix+U+10FFFF)`.
/// Text compares bytewise in SQLite, and U+10FFFF is the largest UTF-8 sequence, so the range
/// holds exactly the values with that prefix (and an index answers it).
fn prefix_range(prefix: &str) -> (String, String) {
    let low = prefix.to_lowercase();
    let high = format!("{low}\u{10FFFF}");
    (low, high)
}

/// A user as the console lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct UserSummary {
    pub id: String,
    pub user_name: String,
    pub display_name: Option<String>,
    /// The primary email, else the first one.
    pub email: Option<String>,
    pub active: bool,
}

/// A group as the console lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSummary {
    pub id: String,
    pub display_name: String,
}

/// A member of a group as the console lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberSummary {
    pub id: String,
    /// `User` or `Group`.
    pub member_type: String,
    /// The member's name: a user's userName, a group's displayName (`None` when the member
    /// row points at nothing).
    pub display: Option<String>,
    /// A user member's displayName.
    pub display_name: Option<String>,
}

/// A group and one page of its members.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupMembers {
    pub group: GroupSummary,
    pub members: KeysetPage<MemberSummary>,
}

#[derive(Deserialize)]
struct UserRow {
    id: String,
    user_name: String,
    user_name_ci: String,
    display_name: Option<String>,
    active: i64,
    data: Option<String>,
}

#[derive(Deserialize)]
struct GroupRow {
    id: String,
    display_name: String,
    display_name_ci: String,
}

#[derive(Deserialize)]
struct MemberRow {
    member_id: String,
    member_type: String,
    user_name: Option<String>,
    user_display: Option<String>,
    group_display: Option<String>,
}

impl From<GroupRow> for GroupSummary {
    fn from(row: GroupRow) -> Self {
        GroupSummary {
            id: row.id,
            display_name: row.display_name,
        }
    }
}

/// A page of groups in displayName order (`statement` selects `GroupRow`'s columns).
fn group_page(statement: Statement) -> Plan<KeysetPage<GroupSummary>> {
    let mut b = PlanBuilder::new();
    let page = b.push(statement);
    b.finish(move |r| {
        let rows: Vec<GroupRow> = r.rows(page)?;
        Ok(KeysetPage::cut(
            rows,
            PAGE_SIZE,
            |g| g.display_name_ci.clone(),
            GroupSummary::from,
        ))
    })
}

/// Users whose userName, displayName or an email starts with `search` (case-insensitively;
/// all users when empty), in userName order after `after` (a case-folded userName).
pub fn users(org: &str, search: &str, after: &str) -> Plan<KeysetPage<UserSummary>> {
    let (low, high) = prefix_range(search);
    let mut b = PlanBuilder::new();
    let page = b.push(Statement::new(
        format!(
            "SELECT id, user_name, user_name_ci, display_name, active, data FROM users \
             WHERE org = ?1 AND user_name_ci > ?4 AND (?2 = '' \
               OR (user_name_ci >= ?2 AND user_name_ci < ?3) \
               OR (display_name_ci >= ?2 AND display_name_ci < ?3) \
               OR id IN (SELECT user_id FROM user_emails WHERE org = ?1 AND value_ci >= ?2 AND value_ci < ?3)) \
             ORDER BY user_name_ci LIMIT {}",
            PAGE_SIZE + 1
        ),
        vec![org.into(), low.into(), high.into(), after.into()],
    ));
    b.finish(move |r| {
        let rows: Vec<UserRow> = r.rows(page)?;
        Ok(KeysetPage::cut(
            rows,
            PAGE_SIZE,
            |u| u.user_name_ci.clone(),
            |u| UserSummary {
                email: email(u.data.as_deref()),
                id: u.id,
                user_name: u.user_name,
                display_name: u.display_name,
                active: u.active != 0,
            },
        ))
    })
}

/// A user's groups (direct memberships), in displayName order after `after`.
pub fn user_groups(org: &str, user_id: &str, after: &str) -> Plan<KeysetPage<GroupSummary>> {
    group_page(Statement::new(
        format!(
            "SELECT g.id, g.display_name, g.display_name_ci FROM group_members m \
             JOIN groups g ON g.org = m.org AND g.id = m.group_id \
             WHERE m.org = ?1 AND m.member_id = ?2 AND g.display_name_ci > ?3 \
             ORDER BY g.display_name_ci LIMIT {}",
            PAGE_SIZE + 1
        ),
        vec![org.into(), user_id.into(), after.into()],
    ))
}

/// Groups whose displayName starts with `search` (all when empty), after `after`.
pub fn groups(org: &str, search: &str, after: &str) -> Plan<KeysetPage<GroupSummary>> {
    let (low, high) = prefix_range(search);
    group_page(Statement::new(
        format!(
            "SELECT id, display_name, display_name_ci, external_id FROM groups \
             WHERE org = ?1 AND display_name_ci > ?4 \
               AND (?2 = '' OR (display_name_ci >= ?2 AND display_name_ci < ?3)) \
             ORDER BY display_name_ci LIMIT {}",
            PAGE_SIZE + 1
        ),
        vec![org.into(), low.into(), high.into(), after.into()],
    ))
}

/// The group and one page of its members in member-id order after `after` (the primary key's
/// order: each page is an index range, whatever the group's size), in one batch. `None` when
/// the group does not exist, so an unknown group is told from an empty one.
pub fn members(org: &str, group_id: &str, after: &str) -> Plan<Option<GroupMembers>> {
    let mut b = PlanBuilder::new();
    let group = b.push(Statement::new(
        "SELECT id, display_name, display_name_ci FROM groups WHERE org = ?1 AND id = ?2",
        vec![org.into(), group_id.into()],
    ));
    let page = b.push(Statement::new(
        format!(
            "SELECT m.member_id, m.member_type, u.user_name, u.display_name AS user_display, \
             g.display_name AS group_display FROM group_members m \
             LEFT JOIN users u ON m.member_type = 'User' AND u.org = m.org AND u.id = m.member_id \
             LEFT JOIN groups g ON m.member_type = 'Group' AND g.org = m.org AND g.id = m.member_id \
             WHERE m.org = ?1 AND m.group_id = ?2 AND m.member_id > ?3 \
             ORDER BY m.member_id LIMIT {}",
            PAGE_SIZE + 1
        ),
        vec![org.into(), group_id.into(), after.into()],
    ));
    b.finish(move |r| {
        let Some(group) = r.first_row::<GroupRow>(group)? else {
            return Ok(None);
        };
        let rows: Vec<MemberRow> = r.rows(page)?;
        let members = KeysetPage::cut(
            rows,
            PAGE_SIZE,
            |m| m.member_id.clone(),
            |m| MemberSummary {
                id: m.member_id,
                member_type: m.member_type,
                display: m.user_name.or(m.group_display),
                display_name: m.user_display,
            },
        );
        Ok(Some(GroupMembers {
            group: group.into(),
            members,
        }))
    })
}

/// The user's primary email, or its first one, from the stored document.
fn email(data: Option<&str>) -> Option<String> {
    let doc: Value = serde_json::from_str(data?).ok()?;
    let emails = doc.get("emails")?.as_array()?;
    let primary = emails
        .iter()
        .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
        .or_else(|| emails.first())?;
    primary.get("value")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ranges_are_case_folded() {
        let (low, high) = prefix_range("Ad");
        assert_eq!(low, "ad");
        assert!(high.as_str() > "adzzzz" && high.as_str() < "ae");
    }

    #[test]
    fn email_prefers_the_primary_one() {
        let data = r#"{"emails":[{"value":"a@x"},{"value":"b@x","primary":true}]}"#;
        assert_eq!(email(Some(data)).as_deref(), Some("b@x"));
        assert_eq!(
            email(Some(r#"{"emails":[{"value":"a@x"}]}"#)).as_deref(),
            Some("a@x")
        );
        assert_eq!(email(Some("{}")), None);
    }
}
