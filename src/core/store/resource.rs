//! A user or group as read back from the store, before rendering, and the outcomes of the
//! store's operations on one resource. Users and groups share these types, so the service has
//! one write skeleton and one renderer for both.

use super::plan::{json_text, read_row, Applied, DecodeError, Handle, Plan, PlanBuilder, Results};
use super::precondition::IfMatch;
use crate::core::db::{Row, SqlValue, Statement};
use crate::core::schema::ResourceType;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A reference to another resource: a `User.groups` entry or a `Group.members` entry
/// (RFC 7643 §4.1.2, §4.2): `{value, display, type}`. `$ref` is added when rendering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// "User"/"Group" for a member; "direct"/"indirect" for a `User.groups` entry.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A stored user or group.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub rt: ResourceType,
    pub id: String,
    pub doc: Value,
    pub created: String,
    pub last_modified: String,
    pub version: i64,
    /// `User.groups` or `Group.members`, when the read computed them.
    pub related: Option<Vec<Reference>>,
}

/// The columns every resource read selects (`r` is the table's alias), as a row.
#[derive(Debug, Deserialize)]
pub(crate) struct ResourceRow {
    pub id: String,
    pub data: String,
    pub created: String,
    pub last_modified: String,
    pub version: i64,
    /// JSON array text of `Reference`s (`groups` or `members` sub-select), when selected.
    #[serde(default)]
    pub related: Option<String>,
}

/// The column list of `ResourceRow`.
pub const RESOURCE_COLUMNS: &str = "r.id, r.data, r.created, r.last_modified, r.version";

impl ResourceRow {
    pub fn into_stored(self, rt: ResourceType) -> Result<Stored, DecodeError> {
        let doc = serde_json::from_str(&self.data)
            .map_err(|e| DecodeError(format!("{} {} data: {e}", rt.name(), self.id)))?;
        Ok(Stored {
            rt,
            id: self.id,
            doc,
            created: self.created,
            last_modified: self.last_modified,
            version: self.version,
            related: json_text(self.related.as_deref())?,
        })
    }
}

/// Creating a resource.
#[derive(Debug, Clone, PartialEq)]
pub enum CreateOutcome {
    Created(Stored),
    /// Another resource of the org has the unique name (userName, displayName): 409.
    NameTaken,
}

/// Writing a resource that was read at some version.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateOutcome {
    Updated(Stored),
    NameTaken,
    /// The row's version was not the one read: someone else wrote first. Carries the row as
    /// it now stands when the batch read it (a retry starts from it without another read).
    VersionMismatch(Option<Stored>),
    NotFound,
}

/// Deleting a resource (under `If-Match`, if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteOutcome {
    Deleted,
    /// The resource exists but none of the `If-Match` versions is its version: 412.
    VersionMismatch,
    NotFound,
}

/// The outcome row every write plan ends with.
#[derive(Debug, Deserialize)]
pub(crate) struct WriteOutcomeRow {
    /// The row's version after the batch (`None`: the row does not exist).
    pub version: Option<i64>,
    /// Another resource holding the unique name this write wanted.
    #[serde(default)]
    pub holder: Option<String>,
}

/// A read of at most one resource row.
pub(crate) fn read_one(rt: ResourceType, statement: Statement) -> Plan<Option<Stored>> {
    Plan::single(statement, move |result| {
        result
            .rows
            .into_iter()
            .next()
            .map(|row| read_row::<ResourceRow>(row)?.into_stored(rt))
            .transpose()
    })
}

#[derive(Deserialize)]
struct VersionRow {
    version: Option<i64>,
}

/// Finishes a create plan: an outcome statement (the row's version after the batch) decides
/// `Created` (with the resource as written) or `NameTaken`.
pub(crate) fn created(
    mut b: PlanBuilder,
    applied: &Applied,
    rt: ResourceType,
    doc: Value,
    now: &str,
    related: Option<Vec<Reference>>,
) -> Plan<CreateOutcome> {
    let mut params: Vec<SqlValue> = applied.params().into();
    params.truncate(2);
    let outcome = b.push(Statement::new(
        format!(
            "SELECT (SELECT version FROM {} WHERE org = ?1 AND id = ?2) AS version",
            applied.table
        ),
        params,
    ));
    let stored = Stored {
        rt,
        id: applied.id.clone(),
        doc,
        created: now.to_owned(),
        last_modified: now.to_owned(),
        version: applied.version,
        related,
    };
    b.finish(move |r| {
        let row: VersionRow = r.one_row(outcome)?;
        Ok(if row.version == Some(stored.version) {
            CreateOutcome::Created(stored)
        } else {
            CreateOutcome::NameTaken
        })
    })
}

/// Decodes the outcome statement of an update: a row with `version` and `holder`, and — when
/// `with_row` — the resource columns of the row as it stands after the batch.
pub(crate) fn updated(
    r: &mut Results,
    outcome: Handle,
    rt: ResourceType,
    written: Stored,
    with_row: bool,
) -> Result<UpdateOutcome, DecodeError> {
    let row: Row = r.one_row(outcome)?;
    let status: WriteOutcomeRow = read_row(row.clone())?;
    Ok(match status.version {
        None => UpdateOutcome::NotFound,
        Some(v) if v == written.version => UpdateOutcome::Updated(written),
        Some(_) if status.holder.is_some() => UpdateOutcome::NameTaken,
        Some(_) if with_row => {
            UpdateOutcome::VersionMismatch(Some(read_row::<ResourceRow>(row)?.into_stored(rt)?))
        }
        Some(_) => UpdateOutcome::VersionMismatch(None),
    })
}

#[derive(Deserialize)]
struct ExistsRow {
    present: i64,
}

/// Deleting the row `applied` names (under `if_match`): first whether it exists, then the
/// row is stamped with the delete's own version (only if `if_match` admits its version), so
/// the side-effect slot and `cleanup` can recognise "this delete applies" by
/// `applied.condition`; then the row goes, and a last statement tells whether it is still
/// there. Nothing is read from `changes`.
pub(crate) fn delete(
    applied: &Applied,
    if_match: &IfMatch,
    cleanup: Vec<Statement>,
) -> Plan<DeleteOutcome> {
    let table = applied.table;
    let key: Vec<SqlValue> = vec![applied.org.as_str().into(), applied.id.as_str().into()];
    let present =
        format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE org = ?1 AND id = ?2) AS present");
    let mut b = PlanBuilder::new();
    let before = b.push(Statement::new(present.clone(), key.clone()));
    let mut stamp_params = key.clone();
    stamp_params.push(applied.version.into());
    let condition = match if_match.sql(4) {
        Some((sql, param)) => {
            stamp_params.push(param);
            format!(" AND {sql}")
        }
        None => String::new(),
    };
    b.push(Statement::new(
        format!("UPDATE {table} SET version = ?3 WHERE org = ?1 AND id = ?2{condition}"),
        stamp_params,
    ));
    b.side_effect_slot(applied.clone());
    b.extend(cleanup);
    b.push(Statement::new(
        format!("DELETE FROM {table} WHERE org = ?1 AND id = ?2 AND version = ?3"),
        applied.params().into(),
    ));
    let after = b.push(Statement::new(present, key));
    b.finish(move |r| {
        let existed = r.one_row::<ExistsRow>(before)?.present != 0;
        let remains = r.one_row::<ExistsRow>(after)?.present != 0;
        Ok(match (existed, remains) {
            (false, _) => DeleteOutcome::NotFound,
            (true, false) => DeleteOutcome::Deleted,
            (true, true) => DeleteOutcome::VersionMismatch,
        })
    })
}
