//! PATCH of a Group (RFC 7644 §3.5.2): `displayName`/`externalId` edits on the stored
//! document, and membership changes as an ordered list of `MemberOp`s that storage applies as
//! row inserts and deletes without ever reading the member list.

use serde_json::Value;

use super::engine::Work;
use super::request::{parse_patch_request, OpKind, Operation};
use super::select::member_ids_from_filter;
use super::shared::{expand, Step, Target};
use crate::core::error::{ScimError, ScimResult};
use crate::core::resource::group::check_group_doc;
use crate::core::resource::member::{parse_members, Member};
use crate::core::schema::ResourceType;

/// One membership change, applied in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberOp {
    /// Insert these members (already deduplicated; existing ones are left as they are).
    Add(Vec<Member>),
    /// Delete the members with these ids (absent ids are ignored).
    Remove(Vec<String>),
    /// Delete every member.
    RemoveAll,
    /// Make the member list exactly this.
    ReplaceAll(Vec<Member>),
}

/// The outcome of a Group PATCH.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupPatch {
    /// The new stored document.
    pub doc: Value,
    pub member_ops: Vec<MemberOp>,
}

/// Applies `ops` to a stored Group document; all or nothing.
pub fn apply_group_patch(doc: &Value, ops: &[Operation]) -> ScimResult<GroupPatch> {
    let mut work = Work::new(ResourceType::Group, doc)?;
    let mut member_ops = Vec::new();
    for op in ops {
        for step in expand(ResourceType::Group, op)? {
            if is_members(&step.target) {
                member_ops.extend(member_op(&step)?);
            } else {
                work.apply(&step)?;
            }
        }
    }
    let new = work.finish(doc)?;
    check_group_doc(&new)?;
    Ok(GroupPatch {
        doc: new,
        member_ops,
    })
}

/// The membership changes of `ops` alone. They depend only on the request, never on the
/// stored document, so the service can validate the members it is asked to add in the same
/// round trip that reads the group.
pub fn member_ops_of(ops: &[Operation]) -> ScimResult<Vec<MemberOp>> {
    let mut member_ops = Vec::new();
    for op in ops {
        for step in expand(ResourceType::Group, op)? {
            if is_members(&step.target) {
                member_ops.extend(member_op(&step)?);
            }
        }
    }
    Ok(member_ops)
}

/// Parses a PatchOp body and applies it to a stored Group document.
pub fn patch_group(doc: &Value, body: &Value) -> ScimResult<GroupPatch> {
    apply_group_patch(doc, &parse_patch_request(body)?)
}

fn is_members(target: &Target) -> bool {
    target
        .resolved()
        .is_some_and(|r| r.extension.is_none() && r.attr.name == "members")
}

/// The membership change a step on `members` means:
/// - add `members` + value list → `Add` (duplicates ignored; `display`, `$ref` incl. `null`
///   tolerated);
/// - replace `members` → `ReplaceAll` with exactly the list;
/// - remove `members` + value list (Entra's default) → `Remove` of exactly those ids;
/// - remove `members[value eq "a" or value eq "b"]` → `Remove` of those ids;
/// - remove `members` with no value and no filter → `RemoveAll` (RFC 7644 §3.5.2.2), and only
///   then: an empty list removes nothing.
///
/// A member's value is immutable (RFC 7643 §8.7.1), so editing members through a filter or a
/// sub-attribute is 400 mutability.
fn member_op(step: &Step) -> ScimResult<Option<MemberOp>> {
    /// A lone member object as a one-element list; anything else as it is.
    fn one_or_many(value: Option<&Value>) -> Value {
        match value {
            Some(Value::Object(obj)) => Value::Array(vec![Value::Object(obj.clone())]),
            Some(v) => v.clone(),
            None => Value::Null,
        }
    }
    let label = &step.label;
    let value = step.value.as_ref();
    match (&step.target, step.op) {
        (Target::Attr(r), op) if r.sub.is_none() => Ok(match op {
            // RFC 7644 §3.5.2.1: add (and remove) name values; one member object is one value.
            OpKind::Add => {
                let members = parse_members(&one_or_many(value), label)?;
                (!members.is_empty()).then_some(MemberOp::Add(members))
            }
            OpKind::Replace => Some(MemberOp::ReplaceAll(parse_members(
                value.unwrap_or(&Value::Null),
                label,
            )?)),
            OpKind::Remove => match value {
                None | Some(Value::Null) => Some(MemberOp::RemoveAll),
                Some(_) => {
                    let ids: Vec<String> = parse_members(&one_or_many(value), label)?
                        .into_iter()
                        .map(|m| m.value)
                        .collect();
                    (!ids.is_empty()).then_some(MemberOp::Remove(ids))
                }
            },
        }),
        (Target::Filtered { filter, sub: None, .. }, OpKind::Remove) => {
            let ids = member_ids_from_filter(filter, label)?;
            Ok(Some(MemberOp::Remove(ids)))
        }
        (Target::Filtered { sub: Some(_), .. }, OpKind::Remove) | (Target::Attr(_), OpKind::Remove) => {
            Err(ScimError::invalid_path(format!(
                "Cannot remove '{label}': remove whole members with 'members' and a value list, or members[value eq \"<id>\"]."
            )))
        }
        _ => Err(ScimError::mutability(format!(
            "Members cannot be edited through '{label}': add or remove them with the 'members' path."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(ops: Value) -> ScimResult<GroupPatch> {
        patch_group(
            &json!({"displayName":"G"}),
            &json!({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":ops}),
        )
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn membership_operations_become_member_ops_in_order() {
        let u = Member::user;
        let cases = [
            (
                json!([{"op":"Add","path":"members","value":[{"$ref":null,"value":"a"},{"value":"b","display":"B"},{"value":"a"}]}]),
                vec![MemberOp::Add(vec![
                    u("a"),
                    Member {
                        display: Some("B".into()),
                        ..u("b")
                    },
                ])],
            ),
            (
                json!([{"op":"Remove","path":"members","value":[{"$ref":null,"value":"a"}]}]),
                vec![MemberOp::Remove(ids(&["a"]))],
            ),
            (
                json!([{"op":"remove","path":"members[value eq \"a\"]"}]),
                vec![MemberOp::Remove(ids(&["a"]))],
            ),
            (
                json!([{"op":"remove","path":"members[value eq \"a\" or value eq \"b\"]"}]),
                vec![MemberOp::Remove(ids(&["a", "b"]))],
            ),
            (
                json!([{"op":"remove","path":"members"}]),
                vec![MemberOp::RemoveAll],
            ),
            (json!([{"op":"remove","path":"members","value":[]}]), vec![]),
            (
                json!([{"op":"replace","path":"members","value":[{"value":"c","type":"Group"}]}]),
                vec![MemberOp::ReplaceAll(vec![Member {
                    value: "c".into(),
                    kind: crate::core::resource::MemberKind::Group,
                    display: None,
                }])],
            ),
            (
                json!([{"op":"replace","path":"members","value":[]}]),
                vec![MemberOp::ReplaceAll(vec![])],
            ),
            (
                json!([{"op":"add","value":{"members":[{"value":"a"}]}},
                       {"op":"replace","value":{"members":[{"value":"b"}]}}]),
                vec![
                    MemberOp::Add(vec![u("a")]),
                    MemberOp::ReplaceAll(vec![u("b")]),
                ],
            ),
            (
                json!([{"op":"remove","path":"members[value eq \"x\"]"},
                       {"op":"add","path":"members","value":[{"value":"y","display":"y@okta"}]}]),
                vec![
                    MemberOp::Remove(ids(&["x"])),
                    MemberOp::Add(vec![Member {
                        display: Some("y@okta".into()),
                        ..u("y")
                    }]),
                ],
            ),
        ];
        for (ops, want) in cases {
            let got = run(ops.clone()).unwrap_or_else(|e| panic!("{ops}: {e}"));
            assert_eq!(got.member_ops, want, "{ops}");
            assert_eq!(got.doc, json!({"displayName":"G"}), "{ops}");
        }
    }

    #[test]
    fn okta_pathless_rename_ignores_id() {
        let got = run(json!([{"op":"replace","value":{"id":"abc","displayName":"Test SCIMv2"}}]))
            .expect("ok");
        assert_eq!(got.doc, json!({"displayName":"Test SCIMv2"}));
        assert!(got.member_ops.is_empty());
    }

    #[test]
    fn group_patch_errors() {
        let long = "x".repeat(257);
        let cases = [
            (
                json!([{"op":"remove","path":"members[display eq \"a\"]"}]),
                "invalidFilter",
            ),
            (
                json!([{"op":"remove","path":"members[value eq \"a\" and type eq \"User\"]"}]),
                "invalidFilter",
            ),
            (
                json!([{"op":"replace","path":"members[value eq \"a\"]","value":{"value":"b"}}]),
                "mutability",
            ),
            (
                json!([{"op":"add","path":"members.value","value":"b"}]),
                "mutability",
            ),
            (
                json!([{"op":"remove","path":"members.value"}]),
                "invalidPath",
            ),
            (json!([{"op":"remove","path":"displayName"}]), "mutability"),
            (
                json!([{"op":"replace","path":"displayName","value": long}]),
                "invalidValue",
            ),
            (
                json!([{"op":"add","path":"members","value":[{"value":"a","type":"Robot"}]}]),
                "invalidValue",
            ),
            (
                json!([{"op":"add","path":"userName","value":"x"}]),
                "invalidPath",
            ),
        ];
        for (ops, want) in cases {
            let err = run(ops.clone()).expect_err(&ops.to_string());
            assert_eq!(err.scim_type.map(|t| t.as_str()), Some(want), "{ops}");
        }
    }
}
