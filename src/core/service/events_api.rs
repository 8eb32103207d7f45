//! `GET /admin/orgs/{org}/events`: an org's change log, a page at a time (docs/events.md).
//! One D1 round trip: the page and the log's bounds are read in one batch, so `oldestSeq`,
//! `latestSeq`, `next` and `hasMore` describe the same instant as the events.

use super::admin::ok_json;
use super::context::{Ctx, Failure};
use crate::core::db::Database;
use crate::core::error::ScimError;
use crate::core::events::EventType;
use crate::core::http::{query_pairs, HttpResponse};
use crate::core::org::OrgName;
use crate::core::store::events as log;
use serde_json::{json, Value};

pub(crate) const DEFAULT_LIMIT: usize = 100;
pub(crate) const MAX_LIMIT: usize = 1_000;

/// The checked query: `after`, `limit`, `types`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EventsQuery {
    pub after: Option<i64>,
    pub limit: usize,
    pub types: Vec<EventType>,
}

pub(crate) fn parse_query(query: &str) -> Result<EventsQuery, ScimError> {
    let mut parsed = EventsQuery {
        after: None,
        limit: DEFAULT_LIMIT,
        types: Vec::new(),
    };
    for (name, value) in query_pairs(query) {
        match name.as_str() {
            "after" => {
                parsed.after = Some(
                    value
                        .parse::<i64>()
                        .ok()
                        .filter(|n| (0..1 << 53).contains(n))
                        .ok_or_else(|| {
                            ScimError::invalid_value(
                                "after must be a sequence number (a whole number, 0 or more).",
                            )
                        })?,
                )
            }
            "limit" => {
                parsed.limit = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| {
                        ScimError::invalid_value(format!(
                            "limit must be a whole number from 1 to {MAX_LIMIT}."
                        ))
                    })?
            }
            "types" => {
                for name in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    let kind = EventType::parse(name).ok_or_else(|| {
                        ScimError::invalid_value(format!(
                            "Unknown event type '{name}'; see docs/events.md for the catalogue."
                        ))
                    })?;
                    if !parsed.types.contains(&kind) {
                        parsed.types.push(kind);
                    }
                }
            }
            other => {
                return Err(ScimError::invalid_value(format!(
                    "Unknown query parameter '{other}'; the parameters are after, limit and types."
                )))
            }
        }
    }
    Ok(parsed)
}

pub(crate) async fn list<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
) -> Result<HttpResponse, Failure> {
    let query = parse_query(&ctx.request.query)?;
    let after = query.after.unwrap_or(0);
    // A replica may answer: a consumer reads on from its cursor, and lag only delays events.
    let (events, bounds) = ctx
        .run_replica(log::page(
            org.as_str(),
            after,
            query.limit + 1,
            &query.types,
        ))
        .await?;
    // Events up to `after` the consumer has; if the one after that is gone, it has a gap.
    if query.after.is_some() && after < bounds.oldest - 1 {
        let error = ScimError::new(
            410,
            None,
            format!(
                "Events after {after} are no longer retained; the oldest is {}. Resynchronise from \
                 the SCIM API, then read events after {}.",
                bounds.oldest, bounds.latest
            ),
        );
        let mut body = error.to_json();
        body["oldestSeq"] = Value::from(bounds.oldest);
        body["latestSeq"] = Value::from(bounds.latest);
        return Ok(ok_json(410, body));
    }
    let mut events: Vec<Value> = events.iter().map(|event| event.to_json()).collect();
    let has_more = events.len() > query.limit;
    events.truncate(query.limit);
    let last = events.last().and_then(|e| e["seq"].as_i64());
    // Without more matches, everything up to `latestSeq` has been looked at, so a filtered
    // reader moves on past events of other types.
    let next = if has_more {
        last.unwrap_or(after)
    } else {
        last.unwrap_or(after).max(bounds.latest).max(after)
    };
    Ok(ok_json(
        200,
        json!({
            "org": org.as_str(),
            "events": events,
            "next": next,
            "hasMore": has_more,
            "oldestSeq": bounds.oldest,
            "latestSeq": bounds.latest,
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_checked() {
        assert_eq!(
            parse_query("").unwrap(),
            EventsQuery {
                after: None,
                limit: 100,
                types: vec![]
            }
        );
        let q = parse_query("after=41&limit=1000&types=user.deactivated,user.deleted").unwrap();
        assert_eq!(q.after, Some(41));
        assert_eq!(q.limit, 1000);
        assert_eq!(
            q.types,
            vec![EventType::UserDeactivated, EventType::UserDeleted]
        );
        for bad in [
            "after=-1",
            "after=x",
            "limit=0",
            "limit=1001",
            "types=user.nope",
            "cursor=3",
        ] {
            assert_eq!(parse_query(bad).unwrap_err().status, 400, "{bad}");
        }
    }
}
