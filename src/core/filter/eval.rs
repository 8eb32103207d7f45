//! In-memory evaluation of a filter against a JSON resource or one element of a multi-valued
//! attribute (RFC 7644 §3.4.2.2), as PATCH needs for `emails[type eq "work"]` (§3.5.2).
//!
//! Semantics, kept the same as the SQL translation in `sql.rs`:
//! - a path that reaches a multi-valued attribute matches if any value matches; a multi-valued
//!   complex attribute without a sub-attribute compares its elements' `value`;
//! - strings compare by `caseExact` (the caller's callback decides, from the schema), with
//!   `co`/`sw`/`ew` string-only and `gt`/`ge`/`lt`/`le` lexicographic, or chronological when
//!   both sides are dateTimes;
//! - booleans compare with `eq`/`ne` only; ordering a boolean never matches (the SQL
//!   translation rejects it with 400 invalidFilter);
//! - `ne` is `not eq`: an absent attribute is "not equal";
//! - `pr`: null, `""`, `[]` and `{}` are absent (RFC 7644 §3.4.2.2 "pr").
//!
//! Names match case-insensitively (RFC 7643 §2.1). Type mismatches never match.

use std::cmp::Ordering;

use serde_json::Value;

use crate::core::datetime::parse_datetime_ms;
use crate::core::filter::ast::{AttrPath, CompareOp, Filter, Literal};

/// Whether `object` (a whole resource document) matches `filter`. `is_case_exact` receives each
/// compared path as written; inside a value path it receives `attr.sub`, e.g. `emails.type`.
pub fn matches(filter: &Filter, object: &Value, is_case_exact: &dyn Fn(&AttrPath) -> bool) -> bool {
    eval(filter, object, None, is_case_exact)
}

/// Whether one `element` of the multi-valued attribute `attr` matches the value filter
/// `filter` (whose paths are relative to `attr`), as in PATCH `emails[type eq "work"]`.
pub fn matches_element(
    attr: &AttrPath,
    filter: &Filter,
    element: &Value,
    is_case_exact: &dyn Fn(&AttrPath) -> bool,
) -> bool {
    eval(filter, element, Some(attr), is_case_exact)
}

fn eval(
    filter: &Filter,
    object: &Value,
    parent: Option<&AttrPath>,
    case_exact: &dyn Fn(&AttrPath) -> bool,
) -> bool {
    match filter {
        Filter::Compare { path, op, value } => {
            let exact = case_exact(&qualified(parent, path));
            let values = lookup(object, path);
            match op {
                CompareOp::Ne => !any_matches(&values, CompareOp::Eq, value, exact),
                _ => any_matches(&values, *op, value, exact),
            }
        }
        Filter::Present(path) => lookup(object, path).into_iter().any(is_present),
        Filter::And(l, r) => {
            eval(l, object, parent, case_exact) && eval(r, object, parent, case_exact)
        }
        Filter::Or(l, r) => {
            eval(l, object, parent, case_exact) || eval(r, object, parent, case_exact)
        }
        Filter::Not(inner) => !eval(inner, object, parent, case_exact),
        Filter::ValuePath { attr, filter } => {
            let Some(v) = container(object, attr).and_then(|c| get_ci(c, &attr.name)) else {
                return false;
            };
            let elements: Vec<&Value> = match v {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            elements
                .into_iter()
                .any(|el| eval(filter, el, Some(attr), case_exact))
        }
    }
}

/// The path the case-exactness callback sees: `parent.name` inside a value filter.
fn qualified(parent: Option<&AttrPath>, path: &AttrPath) -> AttrPath {
    match parent {
        Some(p) => AttrPath {
            urn: p.urn.clone(),
            name: p.name.clone(),
            sub: Some(path.name.clone()),
        },
        None => path.clone(),
    }
}

fn get_ci<'v>(object: &'v Value, key: &str) -> Option<&'v Value> {
    let map = object.as_object()?;
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The object holding the path's attribute: the extension object for an extension URN, the
/// document itself for a core schema URN or none.
fn container<'v>(object: &'v Value, path: &AttrPath) -> Option<&'v Value> {
    match &path.urn {
        None => Some(object),
        Some(urn) => get_ci(object, urn).or_else(|| {
            const CORE: &str = "urn:ietf:params:scim:schemas:core:";
            let core = urn
                .get(..CORE.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(CORE));
            core.then_some(object)
        }),
    }
}

/// Every value the path reaches, flattened over multi-valued attributes.
fn lookup<'v>(object: &'v Value, path: &AttrPath) -> Vec<&'v Value> {
    let Some(v) = container(object, path).and_then(|c| get_ci(c, &path.name)) else {
        return Vec::new();
    };
    let items: Vec<&Value> = match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let multi = v.is_array();
    items
        .into_iter()
        .filter_map(|item| match (&path.sub, item) {
            (Some(sub), _) => get_ci(item, sub),
            // RFC 7644 §3.4.2.2: `emails co "example.com"` compares each email's value.
            (None, Value::Object(_)) if multi => get_ci(item, "value"),
            (None, _) => Some(item),
        })
        .flat_map(|v| match v {
            Value::Array(inner) => inner.iter().collect::<Vec<_>>(),
            other => vec![other],
        })
        .collect()
}

fn is_present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => a.iter().any(is_present),
        Value::Object(o) => o.values().any(is_present),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

fn any_matches(values: &[&Value], op: CompareOp, literal: &Literal, exact: bool) -> bool {
    if let Literal::Null = literal {
        // `eq null` asks for absence; no other operator means anything with null.
        return op == CompareOp::Eq && !values.iter().any(|v| is_present(v));
    }
    values.iter().any(|v| compare(v, op, literal, exact))
}

fn compare(value: &Value, op: CompareOp, literal: &Literal, exact: bool) -> bool {
    match (value, literal) {
        (Value::String(a), Literal::String(b)) => compare_strings(a, b, op, exact),
        (Value::Number(a), Literal::Number(b)) => match (a.as_f64(), b.as_f64()) {
            (Some(a), Some(b)) => a.partial_cmp(&b).is_some_and(|o| ordering_matches(o, op)),
            _ => false,
        },
        (Value::Bool(a), Literal::Bool(b)) => op == CompareOp::Eq && a == b,
        // Lenient like the SQL side: a boolean compared with "true"/"false".
        (Value::Bool(a), Literal::String(b)) => {
            op == CompareOp::Eq && parse_bool(b).is_some_and(|b| b == *a)
        }
        _ => false,
    }
}

/// `"true"`/`"false"` in any case, as IdPs send booleans as strings (Entra sends "False":
/// AzureAD/SCIMReferenceCode#21).
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn compare_strings(a: &str, b: &str, op: CompareOp, exact: bool) -> bool {
    // dateTimes compare as instants, read before any case folding (`T` and `Z` are upper-case
    // in the one dateTime grammar, `core::datetime`).
    let instants = (parse_datetime_ms(a), parse_datetime_ms(b));
    let (a, b) = if exact {
        (a.to_owned(), b.to_owned())
    } else {
        (a.to_lowercase(), b.to_lowercase())
    };
    match op {
        CompareOp::Eq => a == b,
        CompareOp::Ne => a != b,
        CompareOp::Co => a.contains(&b),
        CompareOp::Sw => a.starts_with(&b),
        CompareOp::Ew => a.ends_with(&b),
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => {
            let ordering = match instants {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => a.cmp(&b),
            };
            ordering_matches(ordering, op)
        }
    }
}

fn ordering_matches(o: Ordering, op: CompareOp) -> bool {
    match op {
        CompareOp::Eq => o == Ordering::Equal,
        CompareOp::Ne => o != Ordering::Equal,
        CompareOp::Gt => o == Ordering::Greater,
        CompareOp::Ge => o != Ordering::Less,
        CompareOp::Lt => o == Ordering::Less,
        CompareOp::Le => o != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::filter::parse_filter;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "userName": "BJensen",
            "externalId": "Ext-1",
            "active": true,
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "title": "",
            "meta": {"lastModified": "2011-05-13T04:42:34.000Z"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "department": "Sales",
                "manager": {"value": "m-1"}
            },
            "x509Certificates": []
        })
    }

    /// externalId and id are caseExact; everything else here is not.
    fn case_exact(p: &AttrPath) -> bool {
        p.name.eq_ignore_ascii_case("externalId") || p.name.eq_ignore_ascii_case("id")
    }

    fn check(filter: &str) -> bool {
        let f = parse_filter(filter).unwrap_or_else(|e| panic!("{filter}: {}", e.detail));
        matches(&f, &doc(), &case_exact)
    }

    #[test]
    fn matching_filters() {
        for f in [
            "userName eq \"bjensen\"",
            "USERNAME eq \"BJENSEN\"",
            "externalId eq \"Ext-1\"",
            "externalId ne \"ext-1\"",
            "userName co \"jens\"",
            "userName sw \"bj\"",
            "userName ew \"SEN\"",
            "userName gt \"a\"",
            "active eq true",
            "active eq \"True\"",
            "name.givenName eq \"barbara\"",
            "emails.type eq \"home\"",
            "emails co \"jensen.org\"",
            "emails[type eq \"work\" and value ew \"example.com\"]",
            "emails[type eq \"work\"].value eq \"BJENSEN@example.com\"",
            "emails[primary eq true]",
            "meta.lastModified gt \"2011-05-13T04:42:33Z\"",
            "meta.lastModified ge \"2011-05-13T06:42:34+02:00\"",
            "meta.lastModified lt \"2011-05-14T00:00:00Z\"",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \"sales\"",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"m-1\"",
            "urn:ietf:params:scim:schemas:core:2.0:User:userName eq \"bjensen\"",
            "name pr and emails pr and userName pr",
            "not (title pr)",
            "not (x509Certificates pr)",
            "nickName eq null",
            "nickName ne \"x\"",
            "userName eq \"nobody\" or active eq true",
        ] {
            assert!(check(f), "{f} should match");
        }
    }

    #[test]
    fn non_matching_filters() {
        for f in [
            "userName eq \"bjensen2\"",
            "externalId eq \"ext-1\"",
            "userName co \"xyz\"",
            "active eq false",
            "active gt false",
            "active eq \"yes\"",
            "emails[type eq \"work\" and value eq \"babs@jensen.org\"]",
            "emails[type eq \"work\"].value eq \"babs@jensen.org\"",
            "meta.lastModified gt \"2011-05-13T04:42:34Z\"",
            "title pr",
            "nickName pr",
            "userName eq 5",
            "userName ne \"BJENSEN\"",
            "userName eq null",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \"hr\"",
        ] {
            assert!(!check(f), "{f} should not match");
        }
    }

    #[test]
    fn element_matching_uses_the_parent_for_case_exactness() {
        let f = parse_filter("type eq \"WORK\"").unwrap();
        let attr = AttrPath {
            urn: None,
            name: "emails".into(),
            sub: None,
        };
        let el = json!({"value": "a@b", "type": "work"});
        let seen = std::cell::RefCell::new(Vec::new());
        let ce = |p: &AttrPath| {
            seen.borrow_mut().push(p.to_string());
            false
        };
        assert!(matches_element(&attr, &f, &el, &ce));
        assert_eq!(seen.borrow().as_slice(), ["emails.type"]);
        let exact = |_: &AttrPath| true;
        assert!(!matches_element(&attr, &f, &el, &exact));
    }
}
