//! `bulkId` references (RFC 7644 §3.7.2) and the order they impose. A value `bulkId:qwerty`
//! anywhere in an operation's `data` or `path` stands for the id of the resource the POST
//! with `bulkId` "qwerty" creates. Ids are generated before anything runs, so references are
//! resolved up front, and the operations are arranged in *waves*: an operation runs in a
//! later wave than every POST it references, and than every earlier operation on the same
//! resource. The operations of one wave are independent and may share D1 batches.
//!
//! RFC 7644 §3.7.1: the service provider "MUST try to resolve circular cross-references ...
//! but MAY stop after a failed attempt and instead return HTTP status code 409 (Conflict)".
//! Operations on a reference cycle fail with 409; so does an operation that references one
//! that failed.

use serde_json::Value;
use std::collections::HashMap;

const PREFIX: &str = "bulkId:";

/// Characters that end a `bulkId:` reference inside a longer string (a path such as
/// `/Groups/bulkId:g1` or a filter such as `members[value eq "bulkId:u1"]`).
fn ends_reference(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '/' | '[' | ']' | ',' | '(' | ')' | '?' | '#' | '&')
}

/// The bulkIds referenced in `text`, in order.
fn references_in(text: &str, out: &mut Vec<String>) {
    let mut rest = text;
    while let Some(at) = rest.find(PREFIX) {
        let tail = &rest[at + PREFIX.len()..];
        let end = tail.find(ends_reference).unwrap_or(tail.len());
        if end > 0 {
            out.push(tail[..end].to_owned());
        }
        rest = &tail[end..];
    }
}

/// Every bulkId referenced in a path and a JSON value (string values, at any depth).
pub(crate) fn references(path: &str, data: Option<&Value>) -> Vec<String> {
    let mut out = Vec::new();
    references_in(path, &mut out);
    if let Some(data) = data {
        collect(data, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

fn collect(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => references_in(s, out),
        Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect(v, out)),
        _ => {}
    }
}

/// `text` with each `bulkId:x` replaced by `ids[x]` (references not in `ids` are kept).
pub(crate) fn substitute(text: &str, ids: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(PREFIX) {
        out.push_str(&rest[..at]);
        let tail = &rest[at + PREFIX.len()..];
        let end = tail.find(ends_reference).unwrap_or(tail.len());
        match ids.get(&tail[..end]) {
            Some(id) => out.push_str(id),
            None => out.push_str(&rest[at..at + PREFIX.len() + end]),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// `value` with every string's references substituted.
pub(crate) fn substitute_value(value: &Value, ids: &HashMap<String, String>) -> Value {
    match value {
        Value::String(s) if s.contains(PREFIX) => Value::String(substitute(s, ids)),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| substitute_value(v, ids)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute_value(v, ids)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The wave of each operation (`None`: on a reference cycle). `edges[i]` are the operations
/// `i` must run after: the POSTs it references and the earlier operation on its resource.
pub(crate) fn waves(edges: &[Vec<usize>]) -> Vec<Option<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done(Option<usize>),
    }
    let mut marks = vec![Mark::New; edges.len()];
    let mut cyclic = vec![false; edges.len()];
    // Iterative depth-first search (a request of 1,000 chained references must not overflow
    // the stack): the frame is (operation, next edge to look at).
    for start in 0..edges.len() {
        if marks[start] != Mark::New {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        marks[start] = Mark::Open;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&dep) = edges[node].get(*next) {
                *next += 1;
                match marks[dep] {
                    Mark::New => {
                        marks[dep] = Mark::Open;
                        stack.push((dep, 0));
                    }
                    Mark::Open => {
                        // A back edge: everything on the stack from `dep` up is on the cycle.
                        let from = stack.iter().position(|&(n, _)| n == dep).unwrap_or(0);
                        for &(n, _) in &stack[from..] {
                            cyclic[n] = true;
                        }
                    }
                    Mark::Done(_) => {}
                }
                continue;
            }
            stack.pop();
            let wave = if cyclic[node] {
                None
            } else {
                // Dependencies on a cycle fail before this runs; wave 0 is after nothing.
                Some(
                    edges[node]
                        .iter()
                        .map(|&d| match marks[d] {
                            Mark::Done(Some(w)) => w + 1,
                            _ => 1,
                        })
                        .max()
                        .unwrap_or(0),
                )
            };
            marks[node] = Mark::Done(wave);
        }
    }
    marks
        .into_iter()
        .map(|m| match m {
            Mark::Done(w) => w,
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_are_found_in_values_and_paths() {
        let data = json!({"members": [{"value": "bulkId:u1"}, {"value": "bulkId:u2"}],
            "Operations": [{"path": "members[value eq \"bulkId:u3\"]"}]});
        assert_eq!(
            references("/Groups/bulkId:g1", Some(&data)),
            ["g1", "u1", "u2", "u3"]
        );
        assert!(references("/Users/abc", Some(&json!({"userName": "bulkId"}))).is_empty());
    }

    #[test]
    fn substitution_replaces_known_references_only() {
        let ids: HashMap<String, String> = [("u1".to_owned(), "id-1".to_owned())].into();
        assert_eq!(substitute("/Users/bulkId:u1", &ids), "/Users/id-1");
        assert_eq!(
            substitute("members[value eq \"bulkId:u1\"] bulkId:zz", &ids),
            "members[value eq \"id-1\"] bulkId:zz"
        );
        let v = substitute_value(&json!({"m": [{"value": "bulkId:u1"}], "n": 3}), &ids);
        assert_eq!(v, json!({"m": [{"value": "id-1"}], "n": 3}));
    }

    #[test]
    fn waves_follow_references_and_cycles_are_found() {
        // 0 -> 2 (references a later POST), 1 independent, 3 <-> 4 a cycle, 5 -> 3.
        let edges = vec![vec![2], vec![], vec![], vec![4], vec![3], vec![3]];
        assert_eq!(
            waves(&edges),
            [Some(1), Some(0), Some(0), None, None, Some(1)]
        );
        // A chain longer than any stack would like.
        let chain: Vec<Vec<usize>> = (0..10_000)
            .map(|i| if i == 0 { vec![] } else { vec![i - 1] })
            .collect();
        assert_eq!(waves(&chain)[9_999], Some(9_999));
        // A self-reference is a cycle.
        assert_eq!(waves(&[vec![0]]), [None]);
    }
}
