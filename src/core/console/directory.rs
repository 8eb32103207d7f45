//! Directory browsing for the console: users and groups of one org, searched by prefix of
//! userName, displayName or email (users) or displayName (groups), a user's groups, and a
//! group's members. Every read is one page (keyset-paged on an indexed column), so a group of
//! 100,000 members is never loaded whole. Values are returned as plain JSON strings; the page
//! renders them as text.

use crate::core::db::{Row, Statement};
use serde_json::{json, Value};

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

/// Users whose userName, displayName or an email starts with `search` (case-insensitively;
/// all users when empty), in userName order after `after` (a case-folded userName).
pub fn users(org: &str, search: &str, after: &str) -> Statement {
    let (low, high) = prefix_range(search);
    Statement::new(
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
    )
}

/// A user's groups (direct memberships), in displayName order after `after`.
pub fn user_groups(org: &str, user_id: &str, after: &str) -> Statement {
    Statement::new(
        format!(
            "SELECT g.id, g.display_name, g.display_name_ci FROM group_members m \
             JOIN groups g ON g.org = m.org AND g.id = m.group_id \
             WHERE m.org = ?1 AND m.member_id = ?2 AND g.display_name_ci > ?3 \
             ORDER BY g.display_name_ci LIMIT {}",
            PAGE_SIZE + 1
        ),
        vec![org.into(), user_id.into(), after.into()],
    )
}

/// Groups whose displayName starts with `search` (all when empty), after `after`.
pub fn groups(org: &str, search: &str, after: &str) -> Statement {
    let (low, high) = prefix_range(search);
    Statement::new(
        format!(
            "SELECT id, display_name, display_name_ci, external_id FROM groups \
             WHERE org = ?1 AND display_name_ci > ?4 \
               AND (?2 = '' OR (display_name_ci >= ?2 AND display_name_ci < ?3)) \
             ORDER BY display_name_ci LIMIT {}",
            PAGE_SIZE + 1
        ),
        vec![org.into(), low.into(), high.into(), after.into()],
    )
}

/// One page of a group's members in member-id order after `after` (the primary key's order:
/// each page is an index range, whatever the group's size).
pub fn members(org: &str, group_id: &str, after: &str) -> Statement {
    Statement::new(
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
    )
}

/// The group itself (to tell an unknown group from an empty one).
pub fn group(org: &str, group_id: &str) -> Statement {
    Statement::new(
        "SELECT id, display_name FROM groups WHERE org = ?1 AND id = ?2",
        vec![org.into(), group_id.into()],
    )
}

fn text<'r>(row: &'r Row, name: &str) -> Option<&'r str> {
    row.get(name).and_then(Value::as_str)
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

pub fn user_json(row: &Row) -> Value {
    json!({
        "id": text(row, "id"),
        "userName": text(row, "user_name"),
        "displayName": text(row, "display_name"),
        "email": email(text(row, "data")),
        "active": row.get("active").and_then(Value::as_i64).unwrap_or(1) != 0,
    })
}

pub fn group_json(row: &Row) -> Value {
    json!({"id": text(row, "id"), "displayName": text(row, "display_name")})
}

pub fn member_json(row: &Row) -> Value {
    let display = text(row, "user_name")
        .or_else(|| text(row, "group_display"))
        .map(str::to_owned);
    json!({
        "value": text(row, "member_id"),
        "type": text(row, "member_type"),
        "display": display,
        "displayName": text(row, "user_display"),
    })
}

/// Cuts the extra row a page statement reads: the page, and the key to continue after (taken
/// from `key_column` of the page's last row) when another page follows.
pub fn page(mut rows: Vec<Row>, key_column: &str) -> (Vec<Row>, Option<String>) {
    if rows.len() <= PAGE_SIZE {
        return (rows, None);
    }
    rows.truncate(PAGE_SIZE);
    let next = rows
        .last()
        .and_then(|r| text(r, key_column))
        .map(str::to_owned);
    (rows, next)
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
