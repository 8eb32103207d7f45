//! List request parameters (RFC 7644 §3.4.2, §3.4.3; RFC 9865 `cursor`) from a GET query
//! string or a `POST .search` body, validated into `ListParams`.

use serde_json::Value;

use crate::core::error::{ScimError, ScimResult};
use crate::core::filter::ast::{AttrPath, Filter};
use crate::core::filter::parse_filter;

/// Page size when the client gives no `count` (RFC 7644 §3.4.2.4 leaves it to the provider).
pub const DEFAULT_COUNT: usize = 100;
/// Largest page served; a larger `count` is served as this many (RFC 7644 §3.4.2.4: the
/// provider may return fewer results than asked).
pub const MAX_COUNT: usize = 200;
/// Largest `startIndex` honoured: D1 binds integers as 32-bit, and OFFSET is bound.
pub const MAX_START_INDEX: u64 = i32::MAX as u64;

const SEARCH_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    Ascending,
    Descending,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListParams {
    pub filter: Option<Filter>,
    /// `sortBy`, resolved against the schema when the query is built.
    pub sort_by: Option<AttrPath>,
    pub sort_order: SortOrder,
    /// 1-based (RFC 7644 §3.4.2.4); values below 1 are read as 1.
    pub start_index: u64,
    /// Page size, already clamped to `0..=MAX_COUNT`.
    pub count: usize,
    /// `attributes`, one raw path per entry, for the projection module.
    pub attributes: Vec<String>,
    /// `excludedAttributes`, one raw path per entry.
    pub excluded_attributes: Vec<String>,
    /// RFC 9865 `cursor`: `Some("")` asks for the first page in cursor mode.
    pub cursor: Option<String>,
}

impl Default for ListParams {
    fn default() -> Self {
        ListParams {
            filter: None,
            sort_by: None,
            sort_order: SortOrder::Ascending,
            start_index: 1,
            count: DEFAULT_COUNT,
            attributes: Vec::new(),
            excluded_attributes: Vec::new(),
            cursor: None,
        }
    }
}

impl ListParams {
    /// Parses a form-urlencoded query string (`+` is a space, `%XX` escapes: Entra sends
    /// `filter=userName+eq+%22…%22`). Names are matched case-insensitively; unknown names such
    /// as `aadOptscim062020` (a flag admins append to Entra's tenant URL) are ignored; a known
    /// name given twice is 400 invalidValue, so no two
    /// components can disagree on which filter was applied.
    pub fn from_query(query: &str) -> ScimResult<Self> {
        let mut seen: Vec<&'static str> = Vec::new();
        let mut raw = RawParams::default();
        for pair in query.trim_start_matches('?').split('&') {
            if pair.is_empty() {
                continue;
            }
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let key = form_decode(k)?;
            let Some(name) = known_name(&key) else {
                continue;
            };
            if seen.contains(&name) {
                return Err(ScimError::invalid_value(format!(
                    "The query parameter {name} appears more than once."
                )));
            }
            seen.push(name);
            raw.set(name, RawValue::Text(form_decode(v)?));
        }
        raw.into_params()
    }

    /// Parses a `POST .search` body (RFC 7644 §3.4.3). This is the one SearchRequest check:
    /// `schemas` is required and must list the SearchRequest URN (compared without regard
    /// to case, as the service compares every schema URN).
    pub fn from_search_body(body: &Value) -> ScimResult<Self> {
        let Some(obj) = body.as_object() else {
            return Err(ScimError::invalid_syntax(
                "The search request body must be a JSON object.",
            ));
        };
        let named = obj
            .get("schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| {
                s.iter().any(|v| {
                    v.as_str()
                        .is_some_and(|u| u.eq_ignore_ascii_case(SEARCH_REQUEST))
                })
            });
        if !named {
            return Err(ScimError::invalid_syntax(format!(
                "The search request's schemas must include \"{SEARCH_REQUEST}\"."
            )));
        }
        let mut raw = RawParams::default();
        for (key, value) in obj {
            let Some(name) = known_name(key) else {
                continue;
            };
            let v = match value {
                Value::Null => continue,
                Value::String(s) => RawValue::Text(s.clone()),
                Value::Number(n) => RawValue::Text(n.to_string()),
                Value::Array(items) => {
                    let mut list = Vec::new();
                    for item in items {
                        match item.as_str() {
                            Some(s) => list.push(s.to_owned()),
                            None => return Err(wrong_type(name)),
                        }
                    }
                    RawValue::List(list)
                }
                _ => return Err(wrong_type(name)),
            };
            raw.set(name, v);
        }
        raw.into_params()
    }
}

fn wrong_type(name: &str) -> ScimError {
    ScimError::invalid_value(format!(
        "The search request's {name} has the wrong JSON type."
    ))
}

const NAMES: [&str; 8] = [
    "filter",
    "sortBy",
    "sortOrder",
    "startIndex",
    "count",
    "attributes",
    "excludedAttributes",
    "cursor",
];

fn known_name(key: &str) -> Option<&'static str> {
    NAMES.iter().copied().find(|n| n.eq_ignore_ascii_case(key))
}

enum RawValue {
    Text(String),
    List(Vec<String>),
}

impl RawValue {
    fn text(self, name: &str) -> ScimResult<String> {
        match self {
            RawValue::Text(s) => Ok(s),
            RawValue::List(_) => Err(wrong_type(name)),
        }
    }

    /// A comma-separated list (GET) or a JSON array (POST), trimmed, empties dropped.
    fn list(self) -> Vec<String> {
        let items = match self {
            RawValue::Text(s) => s.split(',').map(str::to_owned).collect(),
            RawValue::List(l) => l,
        };
        items
            .into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    }
}

#[derive(Default)]
struct RawParams {
    values: Vec<(&'static str, RawValue)>,
}

impl RawParams {
    fn set(&mut self, name: &'static str, v: RawValue) {
        self.values.retain(|(n, _)| *n != name);
        self.values.push((name, v));
    }

    fn into_params(self) -> ScimResult<ListParams> {
        let mut p = ListParams::default();
        let mut start_index_given = false;
        for (name, v) in self.values {
            match name {
                "filter" => {
                    let text = v.text(name)?;
                    if !text.trim().is_empty() {
                        p.filter = Some(parse_filter(&text)?);
                    }
                }
                "sortBy" => {
                    let text = v.text(name)?;
                    let text = text.trim();
                    if !text.is_empty() {
                        p.sort_by =
                            Some(crate::core::schema::split_key(text).ok_or_else(|| {
                                ScimError::invalid_value(format!(
                                    "sortBy \"{text}\" is not an attribute path."
                                ))
                            })?);
                    }
                }
                "sortOrder" => {
                    let text = v.text(name)?;
                    p.sort_order = match text.trim().to_ascii_lowercase().as_str() {
                        "" | "ascending" => SortOrder::Ascending,
                        "descending" => SortOrder::Descending,
                        _ => {
                            return Err(ScimError::invalid_value(format!(
                                "sortOrder must be \"ascending\" or \"descending\", not \"{text}\"."
                            )))
                        }
                    };
                }
                "startIndex" => {
                    start_index_given = true;
                    // RFC 7644 §3.4.2.4: a value less than 1 is interpreted as 1.
                    let n = integer(name, &v.text(name)?)?;
                    p.start_index = (n.max(1) as u64).min(MAX_START_INDEX);
                }
                "count" => {
                    // RFC 7644 §3.4.2.4: a negative value is interpreted as 0.
                    let n = integer(name, &v.text(name)?)?;
                    p.count = (n.max(0) as u64).min(MAX_COUNT as u64) as usize;
                }
                "attributes" => p.attributes = v.list(),
                "excludedAttributes" => p.excluded_attributes = v.list(),
                "cursor" => p.cursor = Some(v.text(name)?.trim().to_owned()),
                _ => {}
            }
        }
        if p.cursor.is_some() && start_index_given {
            // The two paging methods cannot be combined (RFC 9865 §2).
            return Err(ScimError::invalid_value(
                "Use either cursor or startIndex to page, not both.",
            ));
        }
        Ok(p)
    }
}

/// A decimal integer, saturating beyond i64 so absurd values clamp rather than fail.
fn integer(name: &str, text: &str) -> ScimResult<i64> {
    let t = text.trim();
    let digits = t.strip_prefix('-').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ScimError::invalid_value(format!(
            "{name} must be an integer, not \"{text}\"."
        )));
    }
    Ok(t.parse::<i64>().unwrap_or(if t.starts_with('-') {
        i64::MIN
    } else {
        i64::MAX
    }))
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte; a `%` not
/// followed by two hex digits is kept literally. The bytes must be UTF-8.
pub(crate) fn form_decode(s: &str) -> ScimResult<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (
                    bytes.get(i + 1).copied().and_then(hex),
                    bytes.get(i + 2).copied().and_then(hex),
                ) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| {
        ScimError::invalid_value("The query string is not valid UTF-8 after percent-decoding.")
    })
}
