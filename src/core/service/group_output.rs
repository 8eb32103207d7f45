//! How a group looks on the wire: rendering, `$ref`s for members, and the `members` array
//! written straight from membership rows so a large group is never held as `Value` objects.

use super::context::{Ctx, Failure};
use super::resource_meta::{render, MetaParts};
use crate::core::db::Row;
use crate::core::http::HttpResponse;
use crate::core::schema::ResourceType;
use crate::core::store::groups::StoredGroup;
use crate::core::store::{etag, rows};
use serde_json::Value;

/// The `members` JSON array, written straight from the rows (a 50,000-member group never
/// becomes 50,000 `Value` objects).
pub(crate) fn members_json<D, K>(ctx: &Ctx<'_, D, K>, rows: &[Row]) -> String {
    let mut out = String::with_capacity(rows.len() * 120 + 2);
    out.push('[');
    let base = ctx.base_url();
    for (i, row) in rows.iter().enumerate() {
        let (Some(value), Some(kind)) = (rows::text(row, "value"), rows::text(row, "type")) else {
            continue;
        };
        if i > 0 {
            out.push(',');
        }
        let endpoint = if kind == "Group" { "Groups" } else { "Users" };
        let mut member = serde_json::Map::new();
        member.insert("value".into(), Value::from(value.as_str()));
        member.insert(
            "$ref".into(),
            Value::from(format!("{base}/{endpoint}/{value}")),
        );
        member.insert("type".into(), Value::from(kind));
        if let Some(display) = rows::text(row, "display") {
            member.insert("display".into(), Value::from(display));
        }
        out.push_str(&Value::Object(member).to_string());
    }
    out.push(']');
    out
}

/// The correlated sub-select giving a group's members as a JSON array (for list pages).
pub(crate) const GROUP_MEMBERS_COLUMN: &str =
    "(SELECT json_group_array(json_object('value', m.member_id, 'type', m.member_type, \
     'display', COALESCE(u.display_name, u.user_name, g.display_name))) FROM group_members m \
     LEFT JOIN users u ON m.member_type = 'User' AND u.org = m.org AND u.id = m.member_id \
     LEFT JOIN groups g ON m.member_type = 'Group' AND g.org = m.org AND g.id = m.member_id \
     WHERE m.org = r.org AND m.group_id = r.id) AS members";

/// A group as output, before projection and without `members`.
pub(crate) fn render_group<D, K>(ctx: &Ctx<'_, D, K>, group: &StoredGroup) -> Value {
    let parts = MetaParts {
        id: &group.id,
        created: &group.created,
        last_modified: &group.last_modified,
        version: group.version,
    };
    render(ctx, ResourceType::Group, &group.doc, &parts, Vec::new())
}

/// Adds `$ref` to member objects read from SQL and drops null `display` values.
pub(crate) fn with_refs<D, K>(ctx: &Ctx<'_, D, K>, members: Value) -> Value {
    let base = ctx.base_url();
    let Value::Array(items) = members else {
        return Value::Array(Vec::new());
    };
    let items = items
        .into_iter()
        .map(|mut item| {
            if let Value::Object(map) = &mut item {
                if map.get("display").is_some_and(Value::is_null) {
                    map.remove("display");
                }
                let endpoint = if map.get("type").and_then(Value::as_str) == Some("Group") {
                    "Groups"
                } else {
                    "Users"
                };
                if let Some(id) = map.get("value").and_then(Value::as_str).map(str::to_owned) {
                    map.insert(
                        "$ref".into(),
                        Value::from(format!("{base}/{endpoint}/{id}")),
                    );
                }
            }
            item
        })
        .collect();
    Value::Array(items)
}

/// Renders a group, projected, with `members` spliced in as raw JSON when it was read.
pub(crate) fn group_body<D, K>(
    ctx: &Ctx<'_, D, K>,
    group: &StoredGroup,
    members: Option<&[Row]>,
) -> Result<String, Failure> {
    let parts = MetaParts {
        id: &group.id,
        created: &group.created,
        last_modified: &group.last_modified,
        version: group.version,
    };
    let projected = ctx.project(
        ResourceType::Group,
        render(ctx, ResourceType::Group, &group.doc, &parts, Vec::new()),
    )?;
    let mut body = projected.to_string();
    if let Some(rows) = members {
        if body.ends_with('}') {
            body.pop();
            body.push_str(if body.len() > 1 {
                ",\"members\":"
            } else {
                "\"members\":"
            });
            body.push_str(&members_json(ctx, rows));
            body.push('}');
        }
    }
    Ok(body)
}

pub(crate) fn group_response(
    status: u16,
    body: String,
    version: i64,
    location: Option<&str>,
) -> HttpResponse {
    let mut response = HttpResponse {
        status,
        headers: vec![(
            "content-type".into(),
            crate::core::http::SCIM_CONTENT_TYPE.into(),
        )],
        body: Some(body),
    }
    .with_header("etag", etag(version));
    if let Some(location) = location {
        response = response.with_header("location", location);
    }
    response
}
