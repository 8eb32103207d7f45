//! Reading value filters in PATCH paths (RFC 7644 §3.5.2: `attr[valFilter]`): which elements
//! of a multi-valued attribute match, which element to create when none does, and which
//! member ids a `members[...]` filter names.

use serde_json::{Map, Value};

use crate::core::error::{ScimError, ScimResult};
use crate::core::filter::ast::{AttrPath, CompareOp, Filter, Literal};
use crate::core::filter::eval::matches_element;
use crate::core::resource::value::normalize_scalar;
use crate::core::schema::attribute::AttributeDef;

/// Whether one element (a stored complex value, canonical keys) of `attr` matches `filter`,
/// by the filter module's evaluation; string comparisons follow each sub-attribute's
/// `caseExact` (RFC 7643 §2.2).
pub(crate) fn element_matches(attr: &AttributeDef, filter: &Filter, element: &Value) -> bool {
    let parent = AttrPath {
        urn: None,
        name: attr.name.to_owned(),
        sub: None,
    };
    let case_exact = |p: &AttrPath| {
        p.sub
            .as_deref()
            .and_then(|s| attr.sub_attribute(s))
            .is_some_and(|d| d.case_exact)
    };
    matches_element(&parent, filter, element, &case_exact)
}

/// The element to create when an add/replace on `attr[filter]…` matches nothing, as Entra
/// expects for `emails[type eq "work"].value` (Microsoft's SCIM endpoint guide, "Update User
/// [Multi-valued properties]", learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups; a deliberate deviation
/// from RFC 7644 §3.5.2.3's noTarget, as in wire-server PR#5419). Only a filter made of
/// `sub eq literal` joined by `and` says what to create; anything else is noTarget.
pub(crate) fn element_from_filter(
    attr: &AttributeDef,
    filter: &Filter,
    raw_path: &str,
) -> ScimResult<Map<String, Value>> {
    let mut out = Map::new();
    collect_eq(attr, filter, &mut out).ok_or_else(|| {
        ScimError::no_target(format!(
            "No value of '{}' matches the filter in '{raw_path}'.",
            attr.name
        ))
    })??;
    Ok(out)
}

/// `None` when the filter is not a conjunction of equalities.
fn collect_eq(
    attr: &AttributeDef,
    filter: &Filter,
    out: &mut Map<String, Value>,
) -> Option<ScimResult<()>> {
    match filter {
        Filter::And(l, r) => match collect_eq(attr, l, out)? {
            Ok(()) => collect_eq(attr, r, out),
            Err(e) => Some(Err(e)),
        },
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.urn.is_none() && path.sub.is_none() => {
            let sub = attr.sub_attribute(&path.name)?;
            let json = match value {
                Literal::String(s) => Value::String(s.clone()),
                Literal::Bool(b) => Value::Bool(*b),
                Literal::Number(n) => Value::Number(n.clone()),
                Literal::Null => return None,
            };
            let label = format!("{}.{}", attr.name, sub.name);
            Some(normalize_scalar(sub, &json, &label).map(|v| {
                if let Some(v) = v {
                    out.insert(sub.name.to_owned(), v);
                }
            }))
        }
        _ => None,
    }
}

/// The ids named by a `members[...]` filter: `value eq "a"`, or several joined by `or`
/// (Entra with aadOptscim062020, Okta). Any other shape is 400 invalidFilter: removing
/// members by, say, `display co "x"` would need the whole member list, and guessing could
/// remove the wrong people.
pub(crate) fn member_ids_from_filter(filter: &Filter, raw_path: &str) -> ScimResult<Vec<String>> {
    let mut ids = Vec::new();
    if collect_member_ids(filter, &mut ids) {
        Ok(ids)
    } else {
        Err(ScimError::invalid_filter(format!(
            "The filter in '{raw_path}' must be 'value eq \"<id>\"', or several joined by 'or'."
        )))
    }
}

fn collect_member_ids(filter: &Filter, ids: &mut Vec<String>) -> bool {
    match filter {
        Filter::Or(l, r) => collect_member_ids(l, ids) && collect_member_ids(r, ids),
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: Literal::String(id),
        } if path.urn.is_none()
            && path.sub.is_none()
            && path.name.eq_ignore_ascii_case("value") =>
        {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::filter::parse_filter;
    use crate::core::schema::user::USER_SCHEMA;
    use serde_json::json;

    fn emails() -> &'static AttributeDef {
        USER_SCHEMA.attribute("emails").expect("emails")
    }

    #[test]
    fn matches_elements_by_sub_attribute() {
        let work = json!({"value":"A@x.com","type":"work","primary":true});
        let cases = [
            ("type eq \"work\"", true),
            ("TYPE eq \"WORK\"", true),
            ("type eq \"home\"", false),
            ("type ne \"home\"", true),
            ("value ew \"@X.COM\"", true),
            ("value sw \"b\"", false),
            ("primary eq true", true),
            ("primary eq false", false),
            ("display pr", false),
            ("type eq \"work\" and primary eq true", true),
            ("type eq \"home\" or value co \"a@\"", true),
            ("not (type eq \"work\")", false),
        ];
        for (filter, want) in cases {
            let f = parse_filter(filter).expect(filter);
            assert_eq!(element_matches(emails(), &f, &work), want, "{filter}");
        }
    }

    #[test]
    fn builds_the_element_to_create_from_equalities_only() {
        let f = parse_filter("type eq \"work\" and primary eq true").expect("f");
        let el = element_from_filter(emails(), &f, "p").expect("ok");
        assert_eq!(Value::Object(el), json!({"type":"work","primary":true}));
        for bad in [
            "type ne \"work\"",
            "type eq \"a\" or type eq \"b\"",
            "nope eq \"x\"",
        ] {
            let f = parse_filter(bad).expect(bad);
            let err = element_from_filter(emails(), &f, "p").expect_err(bad);
            assert_eq!(err.scim_type, Some(crate::core::error::ScimType::NoTarget));
        }
    }

    #[test]
    fn extracts_member_ids_from_a_disjunction_of_value_equalities() {
        let cases = [
            ("value eq \"a\"", Some(vec!["a"])),
            (
                "value eq \"a\" or VALUE eq \"b\" or value eq \"a\"",
                Some(vec!["a", "b"]),
            ),
            ("value eq \"a\" and value eq \"b\"", None),
            ("display eq \"a\"", None),
            ("value ne \"a\"", None),
            ("value eq true", None),
        ];
        for (filter, want) in cases {
            let f = parse_filter(filter).expect(filter);
            let got = member_ids_from_filter(&f, "members[…]").ok();
            let want = want.map(|w| w.into_iter().map(str::to_owned).collect::<Vec<_>>());
            assert_eq!(got, want, "{filter}");
        }
    }
}
