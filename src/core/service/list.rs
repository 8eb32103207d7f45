//! Queries: `GET /Users`, `GET /Groups` (RFC 7644 §3.4.2), `POST /Users/.search`,
//! `/Groups/.search` and the root `/.search` (§3.4.3). The filter, sort and page are answered
//! by SQL in one round trip (the count and the page in one batch). A query never answers 404:
//! no match is 200 with `totalResults: 0`.

use super::context::{Ctx, Failure};
use super::render::resource_json;
use crate::core::db::Database;
use crate::core::error::ScimError;
use crate::core::http::{HttpResponse, SCIM_CONTENT_TYPE};
use crate::core::list::ListParams;
use crate::core::schema::ResourceType;
use crate::core::store::list::{self, ListPage};
use crate::core::store::plan::Plan;
use serde_json::{json, Map, Value};

const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

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

/// The page plan of each resource type. At the root (several types) a filter that does not
/// apply to a type — it names an attribute only the other type has — matches none of that
/// type's resources (RFC 7644 §3.4.3: the search covers every type); it is refused only when
/// it applies to none.
fn page_plans<D, K>(
    ctx: &Ctx<'_, D, K>,
    types: &[ResourceType],
    params: &ListParams,
) -> Result<Vec<Plan<ListPage>>, Failure> {
    let mut plans = Vec::new();
    let mut first_error = None;
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
        let related = ctx.wants(
            rt,
            match rt {
                ResourceType::User => "groups",
                ResourceType::Group => "members",
            },
        );
        match list::page(rt, ctx.org(), &type_params, ctx.now_ms(), related) {
            Ok(plan) => plans.push(plan),
            Err(e) if types.len() > 1 => {
                first_error.get_or_insert(e);
            }
            Err(e) => return Err(e.into()),
        }
    }
    match first_error {
        Some(e) if plans.is_empty() => Err(e.into()),
        _ => Ok(plans),
    }
}

/// Runs the query for each resource type in one batch and answers the ListResponse. With two
/// types (root search), the results are the users followed by the groups, paged as one list.
async fn run<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    types: &[ResourceType],
    params: ListParams,
) -> Result<HttpResponse, Failure> {
    let mut plans = page_plans(ctx, types, &params)?.into_iter();
    let first = plans.next().map(|p| p.map(|page| vec![page]));
    let plan = plans.fold(first, |acc, p| {
        acc.map(|acc| {
            acc.join(p).map(|(mut pages, page)| {
                pages.push(page);
                pages
            })
        })
    });
    let pages = match plan {
        Some(plan) => ctx.run(plan).await?,
        None => Vec::new(),
    };
    let total: u64 = pages.iter().map(|p| p.total).sum();
    let (start_index, skip, take) = if types.len() > 1 {
        let skip = (params.start_index as usize).saturating_sub(1);
        (params.start_index, skip, params.count)
    } else {
        let start = pages.iter().map(|p| p.start_index).next().unwrap_or(1);
        (start, 0, usize::MAX)
    };
    let mut resources = Vec::new();
    let mut cursors = (None, None);
    for page in &pages {
        for stored in &page.resources {
            resources.push(stored);
        }
        if page.next_cursor.is_some() || page.previous_cursor.is_some() {
            cursors = (page.next_cursor.clone(), page.previous_cursor.clone());
        }
    }
    let bodies: Vec<String> = resources
        .into_iter()
        .skip(skip)
        .take(take)
        .map(|stored| resource_json(ctx, stored))
        .collect::<Result<_, _>>()?;
    let mut head = Map::new();
    head.insert("schemas".into(), json!([LIST_RESPONSE]));
    head.insert("totalResults".into(), json!(total));
    head.insert("startIndex".into(), json!(start_index));
    head.insert("itemsPerPage".into(), json!(bodies.len()));
    if let Some(next) = cursors.0 {
        head.insert("nextCursor".into(), Value::String(next));
    }
    if let Some(previous) = cursors.1 {
        head.insert("previousCursor".into(), Value::String(previous));
    }
    // The resources are already JSON text: append them to the envelope as they are.
    let mut body = Value::Object(head).to_string();
    body.pop();
    body.push_str(",\"Resources\":[");
    body.push_str(&bodies.join(","));
    body.push_str("]}");
    Ok(HttpResponse {
        status: 200,
        headers: vec![("content-type".into(), SCIM_CONTENT_TYPE.into())],
        body: Some(body),
    })
}
