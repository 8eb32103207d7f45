//! SQL for users (table `users`, with `user_emails` kept in step in the same batch).

use super::members::USER_GROUPS_COLUMN;
use super::plan::{Applied, Plan, PlanBuilder};
use super::precondition::IfMatch;
use super::resource::{
    self, CreateOutcome, DeleteOutcome, Stored, UpdateOutcome, RESOURCE_COLUMNS,
};
use super::{counts, WriteStamp};
use crate::core::db::{SqlValue, Statement};
use crate::core::error::ScimError;
use crate::core::schema::ResourceType;
use serde_json::Value;

/// The indexed columns derived from a stored User document.
#[derive(Debug, Clone, PartialEq)]
pub struct UserColumns {
    pub user_name: String,
    pub external_id: Option<String>,
    pub display_name: Option<String>,
    pub active: bool,
    /// Case-folded email values, for `user_emails`.
    pub emails_ci: Vec<String>,
    pub data: String,
}

impl UserColumns {
    pub fn from_doc(doc: &Value) -> Result<UserColumns, ScimError> {
        let user_name = doc
            .get("userName")
            .and_then(Value::as_str)
            .ok_or_else(|| ScimError::invalid_value("Attribute 'userName' is required."))?
            .to_owned();
        let text = |key: &str| doc.get(key).and_then(Value::as_str).map(str::to_owned);
        let mut emails_ci: Vec<String> = doc
            .get("emails")
            .and_then(Value::as_array)
            .map(|emails| {
                emails
                    .iter()
                    .filter_map(|e| e.get("value").and_then(Value::as_str))
                    .map(str::to_lowercase)
                    .collect()
            })
            .unwrap_or_default();
        emails_ci.sort();
        emails_ci.dedup();
        Ok(UserColumns {
            user_name,
            external_id: text("externalId"),
            display_name: text("displayName"),
            active: doc.get("active").and_then(Value::as_bool).unwrap_or(true),
            emails_ci,
            data: doc.to_string(),
        })
    }

    /// `?1`–`?10` of the insert and update statements: org, id, the indexed columns, `data`
    /// and the write time, followed by `extra`.
    fn params<const N: usize>(
        &self,
        org: &str,
        id: &str,
        now: &str,
        extra: [SqlValue; N],
    ) -> Vec<SqlValue> {
        let mut params: Vec<SqlValue> = vec![
            org.into(),
            id.into(),
            self.user_name.as_str().into(),
            self.user_name.to_lowercase().into(),
            self.external_id.clone().into(),
            self.display_name.clone().into(),
            self.display_name.as_ref().map(|d| d.to_lowercase()).into(),
            self.active.into(),
            self.data.as_str().into(),
            now.into(),
        ];
        params.extend(extra);
        params
    }

    fn emails_json(&self) -> String {
        Value::from(self.emails_ci.clone()).to_string()
    }
}

const RT: ResourceType = ResourceType::User;

fn groups_column(with_groups: bool) -> String {
    if with_groups {
        format!(", {USER_GROUPS_COLUMN}")
    } else {
        String::new()
    }
}

fn applied(org: &str, id: &str, version: i64) -> Applied {
    Applied {
        table: "users",
        org: org.to_owned(),
        id: id.to_owned(),
        version,
    }
}

/// One user by id, with `groups` when `with_groups`.
pub fn read(org: &str, id: &str, with_groups: bool) -> Plan<Option<Stored>> {
    resource::read_one(
        RT,
        Statement::new(
            format!(
                "SELECT {RESOURCE_COLUMNS}{} FROM users r WHERE r.org = ?1 AND r.id = ?2",
                groups_column(with_groups)
            ),
            vec![org.into(), id.into()],
        ),
    )
}

/// Inserting user `id` with document `doc`, unless its userName is taken in the org; its
/// email rows and the org's count follow in the side-effect slot.
pub fn create(
    org: &str,
    id: &str,
    doc: Value,
    stamp: &WriteStamp,
) -> Result<Plan<CreateOutcome>, ScimError> {
    let cols = UserColumns::from_doc(&doc)?;
    let mut b = PlanBuilder::new();
    b.push(Statement::new(
        "INSERT INTO users (org, id, user_name, user_name_ci, external_id, display_name, display_name_ci, \
         active, data, created, last_modified, version) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11) ON CONFLICT DO NOTHING",
        cols.params(org, id, &stamp.now, [stamp.version.into()]),
    ));
    let applied = applied(org, id, stamp.version);
    b.push(insert_emails(&applied, &cols));
    b.side_effect_slot(applied.clone());
    let plan = resource::created(b, &applied, RT, doc, &stamp.now, Some(Vec::new()));
    Ok(plan.with_side_effect(|a| counts::count_inserted(a, RT)))
}

fn insert_emails(applied: &Applied, cols: &UserColumns) -> Statement {
    let mut params: Vec<SqlValue> = applied.params().into();
    params.push(cols.emails_json().into());
    Statement::new(
        format!(
            "INSERT OR IGNORE INTO user_emails (org, user_id, value_ci) \
             SELECT ?1, ?2, e.value FROM json_each(?4) e WHERE {}",
            applied.condition(1)
        ),
        params,
    )
}

/// Replacing the document of `old` with `doc`, conditional on the version that was read
/// (optimistic concurrency: a writer that read version N never overwrites N+1). The email
/// rows are rewritten only if this very UPDATE applied. A writer that lost a race gets the
/// row as it now stands (`VersionMismatch(Some(..))`, with `groups` when `with_groups`) and
/// retries without another round trip.
pub fn update(
    org: &str,
    old: &Stored,
    doc: Value,
    stamp: &WriteStamp,
    with_groups: bool,
) -> Result<Plan<UpdateOutcome>, ScimError> {
    let cols = UserColumns::from_doc(&doc)?;
    let id = old.id.as_str();
    let mut b = PlanBuilder::new();
    b.push(Statement::new(
        "UPDATE OR IGNORE users SET user_name = ?3, user_name_ci = ?4, external_id = ?5, display_name = ?6, \
         display_name_ci = ?7, active = ?8, data = ?9, last_modified = ?10, version = ?11 \
         WHERE org = ?1 AND id = ?2 AND version = ?12",
        cols.params(org, id, &stamp.now, [stamp.version.into(), old.version.into()]),
    ));
    let applied = applied(org, id, stamp.version);
    let mut params: Vec<SqlValue> = applied.params().into();
    b.push(Statement::new(
        format!(
            "DELETE FROM user_emails WHERE org = ?1 AND user_id = ?2 AND {}",
            applied.condition(1)
        ),
        std::mem::take(&mut params),
    ));
    b.push(insert_emails(&applied, &cols));
    b.side_effect_slot(applied);
    let outcome = b.push(Statement::new(
        format!(
            "SELECT {RESOURCE_COLUMNS}{}, \
             (SELECT id FROM users WHERE org = ?1 AND user_name_ci = ?3 AND id <> ?2) AS holder \
             FROM (SELECT 1) LEFT JOIN users r ON r.org = ?1 AND r.id = ?2",
            groups_column(with_groups)
        ),
        vec![org.into(), id.into(), cols.user_name.to_lowercase().into()],
    ));
    let written = Stored {
        doc,
        last_modified: stamp.now.clone(),
        version: stamp.version,
        ..old.clone()
    };
    Ok(b.finish(move |r| resource::updated(r, outcome, RT, written, true)))
}

/// Deleting a user (under `if_match`) with its email rows and its memberships.
pub fn delete(org: &str, id: &str, if_match: &IfMatch, stamp: i64) -> Plan<DeleteOutcome> {
    let applied = applied(org, id, stamp);
    let mut params: Vec<SqlValue> = applied.params().into();
    let cleanup = vec![
        Statement::new(
            format!(
                "DELETE FROM user_emails WHERE org = ?1 AND user_id = ?2 AND {}",
                applied.condition(1)
            ),
            std::mem::take(&mut params),
        ),
        super::members::delete_with(&applied, false),
    ];
    resource::delete(&applied, if_match, cleanup).with_side_effect(|a| counts::count_deleted(a, RT))
}
