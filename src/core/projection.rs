//! `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9) applied to an output
//! resource (which carries `schemas`, `id`, `meta`, User `groups`, Group `members`),
//! honouring each attribute's `returned` characteristic (RFC 7643 §2.2, §7):
//! - `always` (`id`) is never removed, even by `excludedAttributes` (RFC 7644 §3.9: it "SHALL
//!   have no effect on attributes whose schema 'returned' setting is 'always'");
//! - `never` (`password`) is never returned;
//! - `request` only when named in `attributes`;
//! - `default` unless `attributes` is given and does not name it, or `excludedAttributes`
//!   names it. `userName` is `default` (RFC 7643 §8.7.1), and so is `meta`.
//!
//! `schemas` is envelope, part of the "minimum set of resource attributes" (RFC 7644 §3.9),
//! and always kept. Decisions RFC 7644 leaves open:
//! - names that do not resolve against the schema are ignored, as are empty list items: the
//!   RFC defines no error for them, and a client asking for an attribute we lack should still
//!   get the resource;
//! - both parameters at once are applied together: `attributes` selects, then
//!   `excludedAttributes` removes from that selection.

use serde_json::{Map, Value};

use crate::core::error::ScimResult;
use crate::core::schema::attribute::{AttributeDef, Returned};
use crate::core::schema::common::common_attribute;
use crate::core::schema::{resolve, split_key, ResourceType};

/// One name from a list: a whole extension, an attribute, or an attribute's sub-attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sel {
    /// The extension URN, for extension attributes (or a whole extension).
    ext: Option<&'static str>,
    /// `None` for a whole extension.
    attr: Option<&'static str>,
    sub: Option<&'static str>,
}

/// A parsed `attributes` / `excludedAttributes` pair for one resource type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projection {
    rt: ResourceType,
    /// `Some` when `attributes` was given (even if none of its names resolved).
    include: Option<Vec<Sel>>,
    exclude: Vec<Sel>,
}

impl Projection {
    /// Parses the two comma-separated query parameters. Never fails today (unknown names are
    /// ignored); the `ScimResult` leaves room for limits without changing callers.
    pub fn parse(
        attributes: Option<&str>,
        excluded: Option<&str>,
        rt: ResourceType,
    ) -> ScimResult<Projection> {
        Ok(Projection {
            rt,
            include: attributes.map(|list| parse_list(rt, list)),
            exclude: excluded
                .map(|list| parse_list(rt, list))
                .unwrap_or_default(),
        })
    }

    /// No projection: the default set.
    #[cfg(test)]
    pub fn all(rt: ResourceType) -> Projection {
        Projection {
            rt,
            include: None,
            exclude: Vec::new(),
        }
    }

    /// Whether the top-level attribute `name` (core or common attribute name, or an extension
    /// URN) can appear in the output at all, so the service can skip reading, e.g., `members`
    /// rows when `excludedAttributes=members`.
    pub fn wants(&self, name: &str) -> bool {
        if name.eq_ignore_ascii_case("schemas") {
            return true;
        }
        if let Some(ext) = self.rt.extension(name) {
            return ext.attributes.iter().any(|a| self.keeps(Some(ext.id), a));
        }
        match top_level_def(self.rt, name) {
            Some(def) => self.keeps(None, def),
            None => self.include.is_none(),
        }
    }

    /// Whether the projection names sub-attributes of core attribute `name` (e.g.
    /// `attributes=members.value`), so its values must be trimmed one by one; otherwise a
    /// wanted attribute is returned whole.
    pub fn trims_sub_attributes(&self, name: &str) -> bool {
        let Some(def) = top_level_def(self.rt, name) else {
            return false;
        };
        self.include
            .iter()
            .flatten()
            .chain(&self.exclude)
            .any(|s| s.ext.is_none() && s.attr == Some(def.name) && s.sub.is_some())
    }

    /// Applies the projection to an output resource.
    pub fn apply(&self, resource: Value) -> Value {
        let Value::Object(obj) = resource else {
            return resource;
        };
        let mut out = Map::new();
        for (key, value) in obj {
            if key.eq_ignore_ascii_case("schemas") {
                out.insert(key, value);
            } else if let Some(ext) = self.rt.extension(&key) {
                let Value::Object(inner) = value else {
                    continue;
                };
                let mut kept = Map::new();
                for (k, v) in inner {
                    if let Some(def) = ext.attribute(&k) {
                        if let Some(v) = self.project(Some(ext.id), def, v) {
                            kept.insert(k, v);
                        }
                    }
                }
                if !kept.is_empty() {
                    out.insert(key, Value::Object(kept));
                }
            } else if let Some(def) = top_level_def(self.rt, &key) {
                if let Some(v) = self.project(None, def, value) {
                    out.insert(key, v);
                }
            } else if self.include.is_none() {
                // Not in the schema (nothing the service emits today): default treatment.
                out.insert(key, value);
            }
        }
        Value::Object(out)
    }

    /// Whether the attribute survives at all (before sub-attribute trimming).
    fn keeps(&self, ext: Option<&'static str>, def: &AttributeDef) -> bool {
        match def.returned {
            Returned::Always => true,
            Returned::Never => false,
            Returned::Request | Returned::Default => {
                let named = |list: &[Sel], whole_only: bool| {
                    list.iter().any(|s| {
                        s.ext == ext
                            && s.attr.is_none_or(|a| a == def.name)
                            && (!whole_only || s.sub.is_none())
                    })
                };
                let included = match &self.include {
                    Some(list) => named(list, false),
                    None => def.returned == Returned::Default,
                };
                included && !named(&self.exclude, true)
            }
        }
    }

    fn project(
        &self,
        ext: Option<&'static str>,
        def: &AttributeDef,
        value: Value,
    ) -> Option<Value> {
        if !self.keeps(ext, def) {
            return None;
        }
        if !def.is_complex() || def.returned == Returned::Always {
            return Some(value);
        }
        // Sub-attributes: `attributes=emails.value` keeps only the named ones;
        // `excludedAttributes=emails.display` drops those; `never` ones always go.
        let subs_of = |list: &[Sel]| -> Vec<&'static str> {
            list.iter()
                .filter(|s| s.ext == ext && s.attr == Some(def.name))
                .filter_map(|s| s.sub)
                .collect()
        };
        let whole_included = self.include.as_ref().is_none_or(|list| {
            list.iter()
                .any(|s| s.ext == ext && s.attr.is_none_or(|a| a == def.name) && s.sub.is_none())
        });
        let only: Option<Vec<&str>> = match &self.include {
            Some(list) if !whole_included => Some(subs_of(list)),
            _ => None,
        };
        let drop = subs_of(&self.exclude);
        let trim = |v: Value| -> Option<Value> {
            let Value::Object(m) = v else {
                return Some(v);
            };
            let kept: Map<String, Value> = m
                .into_iter()
                .filter(|(k, _)| {
                    let Some(sub) = def.sub_attribute(k) else {
                        return only.is_none();
                    };
                    sub.returned == Returned::Always
                        || (sub.returned != Returned::Never
                            && only.as_ref().is_none_or(|o| o.contains(&sub.name))
                            && !drop.contains(&sub.name))
                })
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        };
        match value {
            Value::Array(items) => {
                let items: Vec<Value> = items.into_iter().filter_map(trim).collect();
                (!items.is_empty()).then_some(Value::Array(items))
            }
            other => trim(other),
        }
    }
}

/// A core or common top-level attribute by (case-insensitive) name.
fn top_level_def(rt: ResourceType, name: &str) -> Option<&'static AttributeDef> {
    rt.core_schema()
        .attribute(name)
        .or_else(|| common_attribute(name))
}

fn parse_list(rt: ResourceType, list: &str) -> Vec<Sel> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .filter_map(|name| {
            if let Some(ext) = rt.extension(name) {
                return Some(Sel {
                    ext: Some(ext.id),
                    attr: None,
                    sub: None,
                });
            }
            let r = resolve(rt, &split_key(name)?)?;
            Some(Sel {
                ext: r.extension.map(|e| e.id),
                attr: Some(r.attr.name),
                sub: r.sub.map(|s| s.name),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn user() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
            "id": "u1",
            "meta": {"resourceType": "User", "created": "2018-03-27T19:59:26.000Z"},
            "userName": "alice",
            "password": "leaked?",
            "name": {"givenName": "A", "familyName": "L"},
            "emails": [{"value": "a@x", "type": "work", "primary": true}, {"value": "b@x", "type": "home"}],
            "groups": [{"value": "g1", "display": "G"}],
            ENT: {"department": "D", "manager": {"value": "m1", "displayName": "Boss"}}
        })
    }

    fn project(attrs: Option<&str>, excluded: Option<&str>) -> Value {
        Projection::parse(attrs, excluded, ResourceType::User)
            .expect("parses")
            .apply(user())
    }

    #[test]
    fn projections_select_and_exclude_by_returned_characteristic() {
        let schemas = json!(["urn:ietf:params:scim:schemas:core:2.0:User", ENT]);
        let mut default = user();
        if let Some(o) = default.as_object_mut() {
            o.remove("password");
        }
        let cases = [
            (None, None, default.clone()),
            (
                Some("userName"),
                None,
                json!({"schemas": schemas, "id": "u1", "userName": "alice"}),
            ),
            (
                Some("USERNAME, name.givenName,,nonsense,emails.value"),
                None,
                json!({"schemas": schemas, "id": "u1", "userName": "alice",
                       "name": {"givenName": "A"}, "emails": [{"value": "a@x"}, {"value": "b@x"}]}),
            ),
            (
                Some("password,id"),
                None,
                json!({"schemas": schemas, "id": "u1"}),
            ),
            (
                Some(&format!("{ENT}:department")),
                None,
                json!({"schemas": schemas, "id": "u1", ENT: {"department": "D"}}),
            ),
            (
                Some(ENT),
                None,
                json!({"schemas": schemas, "id": "u1", ENT: {"department": "D", "manager": {"value": "m1", "displayName": "Boss"}}}),
            ),
            (
                Some("emails"),
                Some("emails.type"),
                json!({"schemas": schemas, "id": "u1", "emails": [{"value": "a@x", "primary": true}, {"value": "b@x"}]}),
            ),
            (
                None,
                Some("id,meta,groups,emails,name.familyName,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName"),
                json!({"schemas": schemas, "id": "u1", "userName": "alice", "name": {"givenName": "A"},
                       ENT: {"department": "D", "manager": {"value": "m1"}}}),
            ),
            (
                None,
                Some(ENT),
                json!({"schemas": schemas, "id": "u1", "userName": "alice", "name": {"givenName": "A", "familyName": "L"},
                       "meta": {"resourceType": "User", "created": "2018-03-27T19:59:26.000Z"},
                       "emails": [{"value": "a@x", "type": "work", "primary": true}, {"value": "b@x", "type": "home"}],
                       "groups": [{"value": "g1", "display": "G"}]}),
            ),
            (Some("nonsense"), None, json!({"schemas": schemas, "id": "u1"})),
            (
                Some("meta.created"),
                None,
                json!({"schemas": schemas, "id": "u1", "meta": {"created": "2018-03-27T19:59:26.000Z"}}),
            ),
        ];
        for (attrs, excluded, want) in cases {
            assert_eq!(project(attrs, excluded), want, "{attrs:?} / {excluded:?}");
        }
    }

    #[test]
    fn wants_tells_the_service_whether_to_read_members() {
        let g = ResourceType::Group;
        let p = |a: Option<&str>, e: Option<&str>| Projection::parse(a, e, g).expect("parses");
        assert!(Projection::all(g).wants("members"));
        assert!(!p(None, Some("members")).wants("members"));
        assert!(!p(None, Some("MEMBERS")).wants("Members"));
        assert!(p(None, Some("members.display")).wants("members"));
        assert!(!p(Some("displayName"), None).wants("members"));
        assert!(p(Some("members.value"), None).wants("members"));
        assert!(p(None, Some("id")).wants("id"));
        assert!(p(Some("displayName"), None).wants("id"));
        assert!(!p(Some("displayName"), None).wants("meta"));
        let u = Projection::parse(None, None, ResourceType::User).expect("parses");
        assert!(!u.wants("password"));
        assert!(u.wants(ENT));
        let u = Projection::parse(Some("userName"), None, ResourceType::User).expect("parses");
        assert!(!u.wants(ENT));
        assert!(!u.wants("groups"));
    }

    #[test]
    fn entra_group_get_without_members() {
        let group = json!({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"40734ae655284ad3abcc",
            "externalId":"60f1bb27","meta":{"resourceType":"Group"},"displayName":"displayName",
            "members":[{"value":"u1"}]});
        let p = Projection::parse(None, Some("members"), ResourceType::Group).expect("parses");
        assert_eq!(
            p.apply(group),
            json!({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"40734ae655284ad3abcc",
                "externalId":"60f1bb27","meta":{"resourceType":"Group"},"displayName":"displayName"})
        );
    }
}
