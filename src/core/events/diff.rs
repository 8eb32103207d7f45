//! What an update changed: the event type it deserves and `previous`, the old values of
//! exactly the top-level attributes that changed. Both compare the stored documents (the
//! attributes the client set), never the rendered output whose `meta` changes on every write.

use super::model::EventType;
use serde_json::{Map, Value};

/// The previous value of every top-level attribute that differs between `old` and `new`
/// (`null` for an attribute the old document did not have); `None` when nothing changed.
/// An extension (`urn:...:enterprise:2.0:User`) is one top-level attribute.
pub fn previous(old: &Value, new: &Value) -> Option<Value> {
    let empty = Map::new();
    let old = old.as_object().unwrap_or(&empty);
    let new = new.as_object().unwrap_or(&empty);
    let mut changed = Map::new();
    for (key, value) in old {
        if new.get(key) != Some(value) {
            changed.insert(key.clone(), value.clone());
        }
    }
    for key in new.keys() {
        if !old.contains_key(key) {
            changed.insert(key.clone(), Value::Null);
        }
    }
    (!changed.is_empty()).then_some(Value::Object(changed))
}

/// `active` as stored; absent means active (RFC 7643 §4.1.1 leaves the default to the
/// provider, and this one creates users active).
fn is_active(doc: &Value) -> bool {
    doc.get("active").and_then(Value::as_bool).unwrap_or(true)
}

/// The event a user update deserves, with its `previous`; `None` when nothing changed. A
/// deactivation (or reactivation) that changes other attributes too is still one event of
/// that type, whose `previous` lists every change. The PATCH engine has already turned
/// Entra's `"False"` into `false`, so every form of deactivation looks the same here.
pub fn user_update(old: &Value, new: &Value) -> Option<(EventType, Value)> {
    let previous = previous(old, new)?;
    let kind = match (is_active(old), is_active(new)) {
        (true, false) => EventType::UserDeactivated,
        (false, true) => EventType::UserReactivated,
        _ => EventType::UserUpdated,
    };
    Some((kind, previous))
}

/// `previous` of a group update (displayName, externalId, ...); members have their own events.
pub fn group_update(old: &Value, new: &Value) -> Option<Value> {
    let strip = |doc: &Value| {
        let mut doc = doc.clone();
        if let Value::Object(map) = &mut doc {
            map.remove("members");
        }
        doc
    };
    previous(&strip(old), &strip(new))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::patch::{apply_user_patch, parse_patch_request};
    use serde_json::json;

    fn patched(old: &Value, body: Value) -> Value {
        let ops = parse_patch_request(&body).expect("patch parses");
        apply_user_patch(old, &ops).expect("patch applies").doc
    }

    #[test]
    fn unchanged_documents_have_no_event() {
        let doc = json!({"userName": "a", "active": true});
        assert_eq!(user_update(&doc, &doc.clone()), None);
        assert_eq!(previous(&doc, &doc), None);
    }

    #[test]
    fn previous_lists_exactly_the_changed_attributes() {
        let old = json!({"userName": "a", "displayName": "A", "title": "x", "nickName": "n"});
        let new = json!({"userName": "a", "displayName": "B", "nickName": "n", "locale": "fr"});
        assert_eq!(
            previous(&old, &new),
            Some(json!({"displayName": "A", "title": "x", "locale": null}))
        );
    }

    #[test]
    fn deactivation_with_other_changes_is_one_deactivated_event() {
        let old = json!({"userName": "a", "active": true, "title": "x"});
        let new = json!({"userName": "a", "active": false, "title": "y"});
        assert_eq!(
            user_update(&old, &new),
            Some((
                EventType::UserDeactivated,
                json!({"active": true, "title": "x"})
            ))
        );
        assert_eq!(
            user_update(&new, &old).map(|(k, _)| k),
            Some(EventType::UserReactivated)
        );
    }

    #[test]
    fn absent_active_counts_as_active() {
        let old = json!({"userName": "a"});
        let new = json!({"userName": "a", "active": false});
        assert_eq!(
            user_update(&old, &new),
            Some((EventType::UserDeactivated, json!({"active": null})))
        );
    }

    #[test]
    fn every_idp_form_of_deactivation_is_detected() {
        let old = json!({"userName": "a", "active": true});
        let forms = [
            // Entra ID: a string, capitalised, with a path.
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                   "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}),
            // Entra ID without a path.
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                   "Operations": [{"op": "replace", "value": {"active": "False"}}]}),
            // Okta.
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                   "Operations": [{"op": "replace", "value": {"active": false}}]}),
            // OneLogin and others: a path and a boolean.
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                   "Operations": [{"op": "replace", "path": "active", "value": false}]}),
        ];
        for form in forms {
            let new = patched(&old, form.clone());
            assert_eq!(
                user_update(&old, &new).map(|(k, _)| k),
                Some(EventType::UserDeactivated),
                "{form}"
            );
        }
    }

    #[test]
    fn group_members_are_not_a_group_update() {
        let old = json!({"displayName": "G", "members": [{"value": "1"}]});
        let new = json!({"displayName": "G", "members": []});
        assert_eq!(group_update(&old, &new), None);
        let renamed = json!({"displayName": "H"});
        assert_eq!(
            group_update(&old, &renamed),
            Some(json!({"displayName": "G"}))
        );
    }
}
