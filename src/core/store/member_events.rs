//! SQL for member events (`group.member_added`, `group.member_removed`): one statement per
//! chunk of members, whatever the group's size, each run just before the membership statement
//! it describes and compared with the membership as it stands, so only real joins and
//! departures are recorded. Numbered like every event (`events::LAST_SEQ`), guarded on the
//! group write of the same batch (`g.version = ?3`).

use super::events::{COLUMNS, LAST_SEQ, NEW_EVENT_ID};
use super::members::{MemberChange, MEMBERS_PER_STATEMENT};
use super::plan::Applied;
use crate::core::db::Statement;
use crate::core::events::model::EventType;
use crate::core::resource::Member;
use serde_json::Value;

/// A member list as the JSON parameter `json_each` reads.
fn ids_json(ids: &[&str]) -> String {
    Value::from(ids.to_vec()).to_string()
}

/// The group `g` (this request's write of it, at `?3`) and the member `c.value` as event
/// columns: the member's type from the table it lives in, and its `display` by the rule of
/// `members[].display` (docs/groups.md): as the client sent it (`c.d`), else its own name.
const MEMBER_EVENT_COLUMNS: &str =
    "json_object('type', 'Group', 'id', g.id, 'externalId', g.external_id, 'displayName', g.display_name), \
     json_object('group', json_object('id', g.id, 'displayName', g.display_name), \
       'member', json_object('type', CASE WHEN u.id IS NOT NULL THEN 'User' ELSE 'Group' END, \
       'value', c.value, 'display', COALESCE(c.d, u.display_name, u.user_name, mg.display_name)))";

/// Which ids of a chunk an event is about, relative to the membership as it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selection {
    /// Ids of the list that exist in the org and are not members yet.
    NotYetMembers,
    /// Ids of the list that are members now.
    Members,
}

/// A member list as `[{"v": id, "d": display}]` (`d` as the request sent it, or null).
fn members_json(members: &[(&str, Option<&str>)]) -> String {
    Value::from(
        members
            .iter()
            .map(|(v, d)| serde_json::json!({"v": v, "d": d}))
            .collect::<Vec<_>>(),
    )
    .to_string()
}

fn member_events_for(
    org: &str,
    group_id: &str,
    version: i64,
    members: &[(&str, Option<&str>)],
    selection: Selection,
    occurred_at: &str,
) -> Vec<Statement> {
    let (kind, condition) = match selection {
        Selection::NotYetMembers => (
            EventType::GroupMemberAdded,
            "(u.id IS NOT NULL OR mg.id IS NOT NULL) AND gm.member_id IS NULL",
        ),
        Selection::Members => (EventType::GroupMemberRemoved, "gm.member_id IS NOT NULL"),
    };
    members.chunks(MEMBERS_PER_STATEMENT)
        .map(|chunk| {
            Statement::new(
                format!(
                    "INSERT INTO events ({COLUMNS}) \
                     SELECT ?1, b.last + ROW_NUMBER() OVER (ORDER BY c.k), {NEW_EVENT_ID}, '{kind}', ?5, \
                     {MEMBER_EVENT_COLUMNS}, NULL, 'scim' \
                     FROM (SELECT l.v AS value, MIN(l.k) AS k, COALESCE(l.d, gm.display) AS d \
                       FROM (SELECT json_extract(value, '$.v') AS v, json_extract(value, '$.d') AS d, key AS k \
                       FROM json_each(?4)) l \
                       LEFT JOIN group_members gm ON gm.org = ?1 AND gm.group_id = ?2 AND gm.member_id = l.v \
                       GROUP BY l.v) c \
                     JOIN groups g ON g.org = ?1 AND g.id = ?2 AND g.version = ?3 \
                     CROSS JOIN (SELECT {LAST_SEQ} AS last) b \
                     LEFT JOIN group_members gm ON gm.org = ?1 AND gm.group_id = ?2 AND gm.member_id = c.value \
                     LEFT JOIN users u ON u.org = ?1 AND u.id = c.value \
                     LEFT JOIN groups mg ON mg.org = ?1 AND mg.id = c.value \
                     WHERE {condition}",
                    kind = kind.name()
                ),
                vec![
                    org.into(),
                    group_id.into(),
                    version.into(),
                    members_json(chunk).into(),
                    occurred_at.into(),
                ],
            )
        })
        .collect()
}

/// After a new group's insert and its initial members (all of which are new):
/// `group.member_added` for each, in member id order.
pub fn initial_members_added(
    org: &str,
    group_id: &str,
    version: i64,
    occurred_at: &str,
) -> Statement {
    current_members_event(
        org,
        group_id,
        version,
        "group.member_added",
        &[],
        occurred_at,
    )
}

/// Before the membership statement that adds `members` (id, display as sent):
/// `group.member_added` for each that is about to become a member (exists in the org, not a
/// member yet; duplicates count once).
pub fn members_added(
    org: &str,
    group_id: &str,
    version: i64,
    members: &[(&str, Option<&str>)],
    occurred_at: &str,
) -> Vec<Statement> {
    member_events_for(
        org,
        group_id,
        version,
        members,
        Selection::NotYetMembers,
        occurred_at,
    )
}

/// Before `groups::remove_members` (same ids): `group.member_removed` for each id that is a
/// member now.
pub fn members_removed(
    org: &str,
    group_id: &str,
    version: i64,
    ids: &[&str],
    occurred_at: &str,
) -> Vec<Statement> {
    let members: Vec<(&str, Option<&str>)> = ids.iter().map(|id| (*id, None)).collect();
    member_events_for(
        org,
        group_id,
        version,
        &members,
        Selection::Members,
        occurred_at,
    )
}

/// Before `groups::remove_all_members`: `group.member_removed` for every member, except the
/// ids in `keep` (a replacement list: those stay members, so nothing happens to them).
pub fn all_members_removed(
    org: &str,
    group_id: &str,
    version: i64,
    keep: &[&str],
    occurred_at: &str,
) -> Statement {
    current_members_event(
        org,
        group_id,
        version,
        "group.member_removed",
        keep,
        occurred_at,
    )
}

/// One `event_type` event for each current member of the group, in member id order, except the
/// ids in `keep`; only if the group row has `version` (this request's write applied).
fn current_members_event(
    org: &str,
    group_id: &str,
    version: i64,
    event_type: &str,
    keep: &[&str],
    occurred_at: &str,
) -> Statement {
    Statement::new(
        format!(
            "INSERT INTO events ({COLUMNS}) \
             SELECT ?1, b.last + ROW_NUMBER() OVER (ORDER BY c.value), {NEW_EVENT_ID}, \
             ?6, ?5, {MEMBER_EVENT_COLUMNS}, NULL, 'scim' \
             FROM (SELECT member_id AS value, display AS d FROM group_members WHERE org = ?1 AND group_id = ?2) c \
             JOIN groups g ON g.org = ?1 AND g.id = ?2 AND g.version = ?3 \
             CROSS JOIN (SELECT {LAST_SEQ} AS last) b \
             LEFT JOIN users u ON u.org = ?1 AND u.id = c.value \
             LEFT JOIN groups mg ON mg.org = ?1 AND mg.id = c.value \
             WHERE c.value NOT IN (SELECT value FROM json_each(?4))"
        ),
        vec![
            org.into(),
            group_id.into(),
            version.into(),
            ids_json(keep).into(),
            occurred_at.into(),
            event_type.into(),
        ],
    )
}

/// Each member's id and the display the request sent.
fn listed(members: &[Member]) -> Vec<(&str, Option<&str>)> {
    members
        .iter()
        .map(|m| (m.value.as_str(), m.display.as_deref()))
        .collect()
}

/// The member events of one membership change of a group write (`applied`), to run just
/// before `members::change_statements` of the same change: each compares the list with the
/// membership as it stands, so only real joins and departures are recorded.
pub fn member_change(
    applied: &Applied,
    change: MemberChange<'_>,
    occurred_at: &str,
) -> Vec<Statement> {
    let (org, group, version) = (applied.org.as_str(), applied.id.as_str(), applied.version);
    match change {
        MemberChange::Add(members) => {
            members_added(org, group, version, &listed(members), occurred_at)
        }
        MemberChange::Remove(ids) => {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            members_removed(org, group, version, &ids, occurred_at)
        }
        MemberChange::RemoveAll => vec![all_members_removed(org, group, version, &[], occurred_at)],
        MemberChange::ReplaceAll(members) => {
            let listed = listed(members);
            let ids: Vec<&str> = listed.iter().map(|(id, _)| *id).collect();
            let mut statements = vec![all_members_removed(org, group, version, &ids, occurred_at)];
            statements.extend(members_added(org, group, version, &listed, occurred_at));
            statements
        }
    }
}
