//! The statements of a list request (RFC 7644 §3.4.2): a `COUNT(*)` for `totalResults` and a
//! page `SELECT`, paged by index (`startIndex`/`count`, LIMIT/OFFSET) or by keyset cursor
//! (RFC 9865: `WHERE (sortKey, id) > (?, ?)`, so page 1,000 costs what page 1 costs), and the
//! `nextCursor`/`previousCursor` of a fetched page.

use serde_json::Value;

use super::counts;
use crate::core::db::{Row, SqlValue, Statement, MAX_BOUND_PARAMETERS};
use crate::core::error::{ScimError, ScimResult};
use crate::core::filter::sql::{filter_to_sql, row_operand};
use crate::core::filter::sql_operand::{Fold, Kind};
use crate::core::list::cursor::{self, CursorState, Direction};
use crate::core::list::params::{ListParams, SortOrder};
use crate::core::schema::attribute::Returned;
use crate::core::schema::{resolve, ResourceType};

/// The statements to run for one list request, and what is needed to read their results.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    /// `SELECT COUNT(*) AS total ...`: `totalResults`.
    pub count: Statement,
    /// The page: columns `id, data, created, last_modified, version, sort_key`. `None` when
    /// `count=0` (RFC 7644 §3.4.2.4: only `totalResults` is wanted).
    pub page: Option<Statement>,
    /// Rows per page the client asked for (after clamping).
    pub page_size: usize,
    /// The `startIndex` of the response (1 in cursor mode).
    pub start_index: u64,
    mode: Mode,
}

#[derive(Debug, Clone, PartialEq)]
enum Mode {
    Index,
    Cursor {
        direction: Direction,
        /// Whether the request carried a position (not the first page).
        anchored: bool,
        query_hash: String,
    },
}

/// One fetched page, in the order to return it.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub rows: Vec<Row>,
    pub next_cursor: Option<String>,
    pub previous_cursor: Option<String>,
}

/// The default order: creation time, then id. `users_by_created` / `groups_by_created`
/// (`org, created, id`) deliver it without a sort step, and it is stable while paging because
/// `created` never changes.
const DEFAULT_SORT: &str = "r.created";

/// Builds the statements for `params` on `rt` in `org`. `now_ms` checks cursor expiry.
/// `extra_column` is a parameterless column expression over alias `r` added to the page
/// (the sub-select computing `User.groups` or `Group.members`, see `store::members`).
pub fn build_list_query(
    rt: ResourceType,
    org: &str,
    params: &ListParams,
    now_ms: u64,
    extra_column: Option<&str>,
) -> ScimResult<ListQuery> {
    let table = match rt {
        ResourceType::User => "users",
        ResourceType::Group => "groups",
    };
    let mut where_sql = String::from("r.org = ?");
    let mut where_params = vec![SqlValue::from(org)];
    if let Some(filter) = &params.filter {
        let cond = filter_to_sql(rt, org, filter)?;
        where_sql.push_str(" AND ");
        where_sql.push_str(&cond.sql);
        where_params.extend(cond.params);
    }
    // Room for the keyset and LIMIT/OFFSET parameters of the page statement.
    if where_params.len() + 4 > MAX_BOUND_PARAMETERS {
        return Err(ScimError::invalid_filter(
            "The filter is too complex: simplify it or split it into several requests.",
        ));
    }
    // Without a filter the org's count row answers `totalResults` (store::counts) instead of
    // counting every row of the org.
    let count = if params.filter.is_none() {
        counts::select_total(org, rt)
    } else {
        Statement::new(
            format!("SELECT COUNT(*) AS total FROM {table} r WHERE {where_sql}"),
            where_params.clone(),
        )
    };
    let SortKey { key: sort, missing } = sort_expr(rt, params)?;
    // The page order: (missing, key, id), all in one direction. `missing` is 0 for resources
    // with a value and 1 without, so ascending puts them last and descending first (RFC 7644
    // §3.4.2.3). Absent for keys that are never NULL (the default order stays on its index).
    let (missing_order, missing_keyset) = match &missing {
        Some(m) => (format!("{m} {{dir}}, "), format!("{m}, ")),
        None => (String::new(), String::new()),
    };
    let ascending = params.sort_order == SortOrder::Ascending;

    let mut page_params = where_params;
    let mut page_where = where_sql;
    let (mode, start_index, reverse) = match &params.cursor {
        None => (Mode::Index, params.start_index, false),
        Some(c) => {
            let query_hash = query_hash(rt, org, params);
            let (direction, anchored) = if c.is_empty() {
                (Direction::Next, false)
            } else {
                let state = cursor::decode(c, &query_hash, now_ms / 1000)?;
                // Rows after the position in sort order, or before it for a previous page.
                let after = (state.d == Direction::Next) == ascending;
                page_where.push_str(&format!(
                    " AND ({missing_keyset}{sort}, r.id) {} ({}?, ?)",
                    if after { ">" } else { "<" },
                    if missing.is_some() { "?, " } else { "" }
                ));
                if missing.is_some() {
                    // A position without a value is stored as a null key.
                    page_params.push(SqlValue::Integer(state.k.is_null() as i64));
                }
                page_params.push(key_param(&state.k));
                page_params.push(state.i.clone().into());
                (state.d, true)
            };
            let mode = Mode::Cursor {
                direction,
                anchored,
                query_hash,
            };
            (mode, 1, direction == Direction::Previous)
        }
    };
    let page = (params.count > 0).then(|| {
        // A previous page is read backwards from the position, then reversed in `page`.
        let dir = if ascending != reverse { "ASC" } else { "DESC" };
        let extra = extra_column.map_or(String::new(), |c| format!(", {c}"));
        let missing_column = missing
            .as_ref()
            .map_or(String::new(), |m| format!(", {m} AS sort_missing"));
        let missing_order = missing_order.replace("{dir}", dir);
        let mut sql = format!(
            "SELECT r.id, r.data, r.created, r.last_modified, r.version, {sort} AS sort_key{missing_column}{extra} \
             FROM {table} r WHERE {page_where} ORDER BY {missing_order}{sort} {dir}, r.id {dir} LIMIT ?"
        );
        match mode {
            Mode::Index => {
                page_params.push(SqlValue::Integer(params.count as i64));
                sql.push_str(" OFFSET ?");
                page_params.push(SqlValue::Integer(start_index as i64 - 1));
            }
            // One row more than the page tells whether another page follows.
            Mode::Cursor { .. } => page_params.push(SqlValue::Integer(params.count as i64 + 1)),
        }
        Statement::new(sql, page_params)
    });
    Ok(ListQuery {
        count,
        page,
        page_size: params.count,
        start_index,
        mode,
    })
}

impl ListQuery {
    /// Puts the fetched page rows in response order and computes `nextCursor` and
    /// `previousCursor` (RFC 9865 §2.2) in cursor mode.
    pub fn page(&self, mut rows: Vec<Row>, now_ms: u64) -> Page {
        let Mode::Cursor {
            direction,
            anchored,
            query_hash,
        } = &self.mode
        else {
            rows.truncate(self.page_size);
            return Page {
                rows,
                next_cursor: None,
                previous_cursor: None,
            };
        };
        let more = rows.len() > self.page_size;
        rows.truncate(self.page_size);
        if *direction == Direction::Previous {
            rows.reverse();
        }
        let (has_next, has_previous) = match direction {
            Direction::Next => (more, *anchored),
            Direction::Previous => (*anchored, more),
        };
        let make = |row: Option<&Row>, d: Direction| {
            let row = row?;
            let state = CursorState {
                v: 1,
                k: match (row.get("sort_missing"), row.get("sort_key")) {
                    (Some(m), _) if m.as_f64().is_some_and(|m| m != 0.0) => Value::Null,
                    (_, Some(k @ (Value::String(_) | Value::Number(_)))) => k.clone(),
                    _ => Value::String(String::new()),
                },
                i: row.get("id")?.as_str()?.to_owned(),
                d,
                q: query_hash.clone(),
                t: now_ms / 1000,
            };
            Some(cursor::encode(&state))
        };
        Page {
            next_cursor: if has_next {
                make(rows.last(), Direction::Next)
            } else {
                None
            },
            previous_cursor: if has_previous {
                make(rows.first(), Direction::Previous)
            } else {
                None
            },
            rows,
        }
    }
}

/// The keyset parameter of a position's key. A position without a value (`null`) sorts with
/// the key `''`, as `SortKey::key` reads it.
fn key_param(k: &Value) -> SqlValue {
    match k {
        Value::Null => SqlValue::Text(String::new()),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => SqlValue::Integer(i),
            (None, Some(f)) => SqlValue::Real(f),
            _ => SqlValue::Null,
        },
        Value::String(s) => SqlValue::Text(s.clone()),
        _ => SqlValue::Null,
    }
}

fn query_hash(rt: ResourceType, org: &str, params: &ListParams) -> String {
    let filter = params
        .filter
        .as_ref()
        .map(|f| f.to_string())
        .unwrap_or_default();
    let sort = params
        .sort_by
        .as_ref()
        .map(|s| s.to_string())
        .unwrap_or_default();
    let order = match params.sort_order {
        SortOrder::Ascending => "a",
        SortOrder::Descending => "d",
    };
    cursor::query_hash(&[rt.name(), org, &filter, &sort, order])
}

/// The SQL sort of a page: `key` is never NULL (absent values read as `''`), so row-value
/// keyset comparisons agree with ORDER BY; `missing` (when the key can be absent) is `1` for
/// resources without a value and sorts before `key`.
struct SortKey {
    key: String,
    missing: Option<String>,
}

/// The SQL sort key for `sortBy` (RFC 7644 §3.4.2.3). caseExact=false strings sort
/// case-insensitively. A multi-valued attribute sorts by its primary value, else its first.
fn sort_expr(rt: ResourceType, params: &ListParams) -> ScimResult<SortKey> {
    let Some(path) = &params.sort_by else {
        return Ok(SortKey {
            key: DEFAULT_SORT.to_owned(),
            missing: None,
        });
    };
    let unsortable =
        |why: &str| ScimError::invalid_value(format!("sortBy \"{path}\" cannot be used: {why}."));
    let res = resolve(rt, path)
        .ok_or_else(|| unsortable(&format!("{} resources have no such attribute", rt.name())))?;
    if res.target().returned == Returned::Never {
        return Err(unsortable("it is never returned"));
    }
    if res.attr.multi_valued {
        if matches!(res.attr.name, "members" | "groups") {
            return Err(unsortable("membership is not sortable"));
        }
        let sub = res.sub.map_or("value", |s| s.name);
        if res.attr.sub_attribute(sub).is_none() {
            return Err(unsortable("name a sub-attribute"));
        }
        let ext = res
            .extension
            .map_or(String::new(), |e| format!(".\"{}\"", e.id));
        // The primary element first, then array order: the primary value, else the first.
        return Ok(nullable_key(format!(
            "(SELECT lower(json_extract(j.value, '$.\"{sub}\"')) FROM json_each(r.data, '${ext}.\"{}\"') j \
             ORDER BY json_extract(j.value, '$.\"primary\"') = 1 DESC, j.key LIMIT 1)",
            res.attr.name
        )));
    }
    if res.target().is_complex() {
        return Err(unsortable("name a sub-attribute of the complex attribute"));
    }
    let op = row_operand(rt, &res).ok_or_else(|| unsortable("it is not stored for sorting"))?;
    let expr = match op.kind {
        Kind::Text(Fold::Sql) => format!("lower({})", op.expr),
        _ => op.expr,
    };
    Ok(if op.nullable {
        nullable_key(expr)
    } else {
        SortKey {
            key: expr,
            missing: None,
        }
    })
}

fn nullable_key(expr: String) -> SortKey {
    SortKey {
        key: format!("COALESCE({expr}, '')"),
        missing: Some(format!("(({expr}) IS NULL)")),
    }
}
