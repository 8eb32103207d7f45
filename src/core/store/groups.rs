//! SQL for groups (table `groups`). Membership rows are written by `store::members`, in the
//! same batch as the group row and guarded by it.

use super::member_events;
use super::members::{self, MemberChange};
use super::plan::{Applied, Plan, PlanBuilder};
use super::precondition::IfMatch;
use super::resource::{
    self, CreateOutcome, DeleteOutcome, Stored, UpdateOutcome, RESOURCE_COLUMNS,
};
use super::{counts, WriteStamp};
use crate::core::db::{SqlValue, Statement};
use crate::core::error::ScimError;
use crate::core::resource::Member;
use crate::core::schema::ResourceType;
use serde_json::Value;

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

const RT: ResourceType = ResourceType::Group;

fn applied(org: &str, id: &str, version: i64) -> Applied {
    Applied {
        table: "groups",
        org: org.to_owned(),
        id: id.to_owned(),
        version,
    }
}

/// Adds the group's members (read after everything else in the batch) to a plan's resource.
fn attach_members<T: 'static>(
    plan: Plan<T>,
    org: &str,
    id: &str,
    wanted: bool,
    attach: impl FnOnce(&mut T, Vec<super::resource::Reference>) + 'static,
) -> Plan<T> {
    if !wanted {
        return plan;
    }
    plan.join(members::select(org, id))
        .map(|(mut outcome, members)| {
            attach(&mut outcome, members);
            outcome
        })
}

/// One group by id, with its members when `with_members` (one round trip either way).
pub fn read(org: &str, id: &str, with_members: bool) -> Plan<Option<Stored>> {
    let plan = resource::read_one(
        RT,
        Statement::new(
            format!("SELECT {RESOURCE_COLUMNS} FROM groups r WHERE r.org = ?1 AND r.id = ?2"),
            vec![org.into(), id.into()],
        ),
    );
    attach_members(
        plan,
        org,
        id,
        with_members,
        |group: &mut Option<Stored>, members| {
            if let Some(group) = group {
                group.related = Some(members);
            }
        },
    )
}

/// Inserting group `id` unless its displayName is taken, with its initial members (guarded
/// on the insert) and the org's count in the side-effect slot.
pub fn create(
    org: &str,
    id: &str,
    doc: Value,
    initial: &[Member],
    stamp: &WriteStamp,
    with_members: bool,
) -> Result<Plan<CreateOutcome>, ScimError> {
    let cols = GroupColumns::from_doc(&doc)?;
    let mut b = PlanBuilder::new();
    b.push(Statement::new(
        "INSERT INTO groups (org, id, display_name, display_name_ci, external_id, data, created, last_modified, version) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8) ON CONFLICT DO NOTHING",
        vec![
            org.into(),
            id.into(),
            cols.display_name.as_str().into(),
            cols.display_name.to_lowercase().into(),
            cols.external_id.clone().into(),
            cols.data.as_str().into(),
            stamp.now.as_str().into(),
            stamp.version.into(),
        ],
    ));
    let applied = applied(org, id, stamp.version);
    b.extend(members::add(&applied, &initial.iter().collect::<Vec<_>>()));
    b.side_effect_slot(applied.clone());
    let plan = resource::created(b, &applied, RT, doc, &stamp.now, None)
        .with_side_effect(|a| counts::count_inserted(a, RT));
    Ok(attach_members(
        plan,
        org,
        id,
        with_members,
        |created, members| {
            if let CreateOutcome::Created(group) = created {
                group.related = Some(members);
            }
        },
    ))
}

/// How the group row itself is written in an update batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionCheck {
    /// Only if the row still has the version that was read (the document changed, or the
    /// client sent If-Match).
    Exact,
    /// Whatever the version (a membership-only change: membership statements commute).
    Any,
}

/// Writing group `old`: its row gets a new version and — when `doc` differs from what was
/// read — the new document; then the membership `changes`, guarded on the new version; then
/// the outcome, and the members as they now stand when `with_members`. A lost race decodes as
/// `VersionMismatch(None)`: the group is read again (with its member checks).
pub fn update(
    org: &str,
    old: &Stored,
    doc: Value,
    changes: &[MemberChange<'_>],
    check: VersionCheck,
    stamp: &WriteStamp,
    with_members: bool,
) -> Result<Plan<UpdateOutcome>, ScimError> {
    let cols = GroupColumns::from_doc(&doc)?;
    let id = old.id.as_str();
    let mut params: Vec<SqlValue> = vec![
        org.into(),
        id.into(),
        stamp.now.as_str().into(),
        stamp.version.into(),
    ];
    let mut set = String::from("last_modified = ?3, version = ?4");
    if doc != old.doc {
        set.push_str(", display_name = ?5, display_name_ci = ?6, external_id = ?7, data = ?8");
        params.push(cols.display_name.as_str().into());
        params.push(cols.display_name.to_lowercase().into());
        params.push(cols.external_id.clone().into());
        params.push(cols.data.as_str().into());
    }
    let condition = match check {
        VersionCheck::Exact => {
            params.push(old.version.into());
            format!(" AND version = ?{}", params.len())
        }
        VersionCheck::Any => String::new(),
    };
    let mut b = PlanBuilder::new();
    b.push(Statement::new(
        format!("UPDATE OR IGNORE groups SET {set} WHERE org = ?1 AND id = ?2{condition}"),
        params,
    ));
    let applied = applied(org, id, stamp.version);
    for change in changes {
        // Its events first: they compare the change with the membership before it.
        b.extend(member_events::member_change(&applied, *change, &stamp.now));
        b.extend(members::change_statements(&applied, *change));
    }
    b.side_effect_slot(applied);
    let outcome = b.push(Statement::new(
        "SELECT (SELECT version FROM groups WHERE org = ?1 AND id = ?2) AS version, \
         (SELECT id FROM groups WHERE org = ?1 AND display_name_ci = ?3 AND id <> ?2) AS holder",
        vec![
            org.into(),
            id.into(),
            cols.display_name.to_lowercase().into(),
        ],
    ));
    let written = Stored {
        doc,
        last_modified: stamp.now.clone(),
        version: stamp.version,
        related: None,
        ..old.clone()
    };
    let plan = b.finish(move |r| resource::updated(r, outcome, RT, written, false));
    Ok(attach_members(
        plan,
        org,
        id,
        with_members,
        |updated, members| {
            if let UpdateOutcome::Updated(group) = updated {
                group.related = Some(members);
            }
        },
    ))
}

/// Deleting a group (under `if_match`), its membership rows, and its rows as a member of
/// other groups.
pub fn delete(org: &str, id: &str, if_match: &IfMatch, stamp: i64) -> Plan<DeleteOutcome> {
    let applied = applied(org, id, stamp);
    resource::delete(
        &applied,
        if_match,
        vec![members::delete_with(&applied, true)],
    )
    .with_side_effect(|a| counts::count_deleted(a, RT))
}
