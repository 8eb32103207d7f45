//! What a right answer is: status, ListResponse contents, equal values, traceable errors.

use crate::tenant::Answer;
use serde_json::{json, Value};

const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

pub(crate) type Check = Result<(), String>;

/// Fails unless the status is one of `expected`; the message carries the server's detail.
pub(crate) fn expect_status(answer: &Answer, expected: &[u16]) -> Check {
    if expected.contains(&answer.status) {
        return Ok(());
    }
    let detail = answer.body.get("detail").and_then(Value::as_str);
    // scim-edge ends every detail with the request id; other servers may not.
    let id = match detail {
        Some(d) if d.ends_with(&answer.request_id) => String::new(),
        _ => format!(" (request id {})", answer.request_id),
    };
    Err(format!(
        "expected HTTP {}, got {}{}{id}",
        expected
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(" or "),
        answer.status,
        detail.map(|d| format!(": {d}")).unwrap_or_default(),
    ))
}

/// A SCIM error body whose `detail` ends with the answer's request id (scim-edge's
/// traceability: the id an IdP logs leads to the worker's log line).
pub(crate) fn expect_traceable_error(answer: &Answer, status: u16) -> Check {
    expect_status(answer, &[status])?;
    let detail = answer.body["detail"].as_str().unwrap_or("");
    if answer.request_id == "-" {
        return Err("the answer has no x-request-id header".into());
    }
    if !detail.ends_with(&answer.request_id) {
        return Err(format!(
            "the error detail does not end with the request id {}: {detail:?}",
            answer.request_id
        ));
    }
    Ok(())
}

pub(crate) fn expect_eq(what: &str, got: &Value, want: &Value) -> Check {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: expected {want}, got {got}"))
    }
}

/// A ListResponse with exactly `ids` (RFC 7644 §3.4.2), in any order.
pub(crate) fn expect_list(answer: &Answer, ids: &[&str]) -> Check {
    expect_status(answer, &[200])?;
    expect_eq(
        "ListResponse schemas",
        &answer.body["schemas"],
        &json!([LIST_RESPONSE]),
    )?;
    expect_eq(
        "totalResults",
        &answer.body["totalResults"],
        &json!(ids.len()),
    )?;
    let mut got: Vec<&str> = answer.body["Resources"]
        .as_array()
        .map(|r| r.iter().filter_map(|x| x["id"].as_str()).collect())
        .unwrap_or_default();
    got.sort_unstable();
    let mut want = ids.to_vec();
    want.sort_unstable();
    if got == want {
        Ok(())
    } else {
        Err(format!("expected resources {want:?}, got {got:?}"))
    }
}
