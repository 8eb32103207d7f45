//! Queries: `GET /Users`, `GET /Groups` (RFC 7644 §3.4.2), `POST /Users/.search`,
//! `/Groups/.search` and the root `/.search` (§3.4.3). The filter, sort and page are answered
//! by SQL in one round trip (the count and the page in one batch). A query never answers 404:
//! no match is 200 with `totalResults: 0`.

use super::context::{Ctx, Failure};
use super::group_output::{render_group, with_refs, GROUP_MEMBERS_COLUMN};
use crate::core::db::{Database, Row};
use crate::core::error::ScimError;
use crate::core::http::HttpResponse;
use crate::core::list::{build_list_query, ListParams};
use crate::core::schema::ResourceType;
use crate::core::store::{groups, rows, users};
use serde_json::{json, Map, Value};

const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const SEARCH_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// GET on a collection: parameters from the query string.
pub(crate) async fn list<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    rt: ResourceType,
) -> Result<HttpResponse, Failure> {
    let params = ListParams::from_query(&ctx.request.query)?;
    run(ctx, &[rt], params).await
}

/// POST `.search`: parameters from a SearchRequest body; `rt` is `None` at the root, which
/// searches users and groups.
pub(crate) async fn search<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    rt: Option<ResourceType>,
) -> Result<HttpResponse, Failure> {
    let body = ctx.request.json_body()?;
    check_search_schema(&body)?;
    let params = ListParams::from_search_body(&body)?;
    ctx.set_projection_lists(&params.attributes, &params.excluded_attributes);
    match rt {
        Some(rt) => run(ctx, &[rt], params).await,
        None => {
            if params.cursor.is_some() {
                return Err(ScimError::invalid_value("Cursor paging is not available for a search at the service root; search /Users or /Groups.").into());
            }
            run(ctx, &[ResourceType::User, ResourceType::Group], params).await
        }
    }
}

/// RFC 7644 §3.4.3: the body's `schemas` names the SearchRequest message.
fn check_search_schema(body: &Value) -> Result<(), Failure> {
    let named = body
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter().any(|u| {
                u.as_str()
                    .is_some_and(|u| u.eq_ignore_ascii_case(SEARCH_REQUEST))
            })
        });
    if named {
        Ok(())
    } else {
        Err(ScimError::invalid_syntax(format!(
            "A search body must list the schema {SEARCH_REQUEST} in 'schemas'."
        ))
        .into())
    }
}

/// Runs the query for each resource type in one batch and answers the ListResponse. With two
/// types (root search), the results are the users followed by the groups, paged as one list.
async fn run<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    types: &[ResourceType],
    params: ListParams,
) -> Result<HttpResponse, Failure> {
    let mut per_type = Vec::new();
    let mut statements = Vec::new();
    for &rt in types {
        let mut type_params = params.clone();
        if types.len() > 1 {
            // Page across the concatenation: each type supplies up to startIndex-1+count rows.
            type_params.count = (params.start_index as usize - 1)
                .saturating_add(params.count)
                .min(10_000);
            type_params.start_index = 1;
            if params.count == 0 {
                type_params.count = 0;
            }
        }
        let mut query = build_list_query(rt, &ctx.org, &type_params, ctx.now_ms())?;
        if rt == ResourceType::User && ctx.wants(rt, "groups") {
            query.add_page_column(users::USER_GROUPS_COLUMN);
        }
        if rt == ResourceType::Group && ctx.wants(rt, "members") {
            query.add_page_column(GROUP_MEMBERS_COLUMN);
        }
        statements.push(query.count.clone());
        if let Some(page) = &query.page {
            statements.push(page.clone());
        }
        per_type.push((rt, query));
    }
    let mut results = ctx.batch(statements).await?.into_iter();
    let mut total = 0u64;
    let mut resources = Vec::new();
    let mut cursors = (None, None);
    for (rt, query) in &per_type {
        let count_rows = results.next().map(|r| r.rows).unwrap_or_default();
        total += count_rows
            .first()
            .and_then(|row| rows::int(row, "total"))
            .unwrap_or(0) as u64;
        if query.page.is_some() {
            let page = query.page(
                results.next().map(|r| r.rows).unwrap_or_default(),
                ctx.now_ms(),
            );
            for row in &page.rows {
                resources.push(render_row(ctx, *rt, row)?);
            }
            cursors = (page.next_cursor, page.previous_cursor);
        }
    }
    let start_index = per_type.first().map_or(1, |(_, q)| q.start_index);
    if types.len() > 1 {
        let skip = (params.start_index as usize).saturating_sub(1);
        resources = resources
            .into_iter()
            .skip(skip)
            .take(params.count)
            .collect();
    }
    let mut body = Map::new();
    body.insert("schemas".into(), json!([LIST_RESPONSE]));
    body.insert("totalResults".into(), json!(total));
    body.insert(
        "startIndex".into(),
        json!(if types.len() > 1 {
            params.start_index
        } else {
            start_index
        }),
    );
    body.insert("itemsPerPage".into(), json!(resources.len()));
    if let Some(next) = cursors.0 {
        body.insert("nextCursor".into(), Value::String(next));
    }
    if let Some(previous) = cursors.1 {
        body.insert("previousCursor".into(), Value::String(previous));
    }
    body.insert("Resources".into(), Value::Array(resources));
    Ok(HttpResponse::json(200, &Value::Object(body)))
}

fn render_row<D, K>(ctx: &Ctx<'_, D, K>, rt: ResourceType, row: &Row) -> Result<Value, Failure> {
    let broken = || Failure::Internal(format!("undecodable {} row", rt.name()));
    let rendered = match rt {
        ResourceType::User => {
            super::users::render_user(ctx, &users::decode(row).ok_or_else(broken)?)
        }
        ResourceType::Group => {
            let group = groups::decode(row).ok_or_else(broken)?;
            let mut value = render_group(ctx, &group);
            if let (Some(members), Value::Object(map)) = (rows::json(row, "members"), &mut value) {
                map.insert("members".into(), with_refs(ctx, members));
            }
            value
        }
    };
    ctx.project(rt, rendered)
}
