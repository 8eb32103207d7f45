//! A list request as a plan (RFC 7644 §3.4.2): the count and the page of one resource type in
//! one batch, decoded into stored resources with the cursors of the page. The statements come
//! from `list::query` (filter, sort and paging SQL).

use super::list_query::build_list_query;
use super::members::{group_members_column, USER_GROUPS_COLUMN};
use super::plan::{read_row, Plan, PlanBuilder};
use super::resource::{ResourceRow, Stored};
use crate::core::db::Row;
use crate::core::error::ScimResult;
use crate::core::list::ListParams;
use crate::core::schema::ResourceType;
use serde::Deserialize;

/// One page of one resource type.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage {
    pub total: u64,
    pub resources: Vec<Stored>,
    /// The page's `startIndex` (1 in cursor mode).
    pub start_index: u64,
    pub next_cursor: Option<String>,
    pub previous_cursor: Option<String>,
}

#[derive(Deserialize)]
struct TotalRow {
    total: i64,
}

/// The page of `rt` that `params` asks for; `with_related` also computes `User.groups` or
/// `Group.members` for each resource on the page.
pub fn page(
    rt: ResourceType,
    org: &str,
    params: &ListParams,
    now_ms: u64,
    with_related: bool,
) -> ScimResult<Plan<ListPage>> {
    let related = with_related.then(|| match rt {
        ResourceType::User => USER_GROUPS_COLUMN.to_owned(),
        ResourceType::Group => group_members_column(),
    });
    let query = build_list_query(rt, org, params, now_ms, related.as_deref())?;
    let mut b = PlanBuilder::new();
    let count = b.push(query.count.clone());
    let page = query.page.clone().map(|page| b.push(page));
    Ok(b.finish(move |r| {
        let total = r.one_row::<TotalRow>(count)?.total.max(0) as u64;
        let mut out = ListPage {
            total,
            resources: Vec::new(),
            start_index: query.start_index,
            next_cursor: None,
            previous_cursor: None,
        };
        if let Some(h) = page {
            let rows: Vec<Row> = r.take(h).rows;
            let page = query.page(rows, now_ms);
            out.resources = page
                .rows
                .into_iter()
                .map(|row| read_row::<ResourceRow>(row)?.into_stored(rt))
                .collect::<Result<_, _>>()?;
            out.next_cursor = page.next_cursor;
            out.previous_cursor = page.previous_cursor;
        }
        Ok(out)
    }))
}
