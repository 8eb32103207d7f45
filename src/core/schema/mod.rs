//! The schema table: User, Enterprise User and Group attributes with their characteristics,
//! the resource types that use them, and name resolution of attribute paths against them.

pub mod attribute;
pub mod common;
pub mod discovery;
pub mod enterprise_user;
pub mod group;
pub mod user;

use crate::core::filter::ast::AttrPath;
use attribute::{AttributeDef, SchemaDef};

/// The resource types this service provider offers (RFC 7643 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceType {
    User,
    Group,
}

impl ResourceType {
    pub const ALL: [ResourceType; 2] = [ResourceType::User, ResourceType::Group];

    /// The resource type's `name`, also `meta.resourceType` (RFC 7643 §3.1, §6).
    pub fn name(self) -> &'static str {
        match self {
            ResourceType::User => "User",
            ResourceType::Group => "Group",
        }
    }

    /// The endpoint relative to the base URL (RFC 7643 §6).
    pub fn endpoint(self) -> &'static str {
        match self {
            ResourceType::User => "/Users",
            ResourceType::Group => "/Groups",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            ResourceType::User => "User Account",
            ResourceType::Group => "Group",
        }
    }

    pub fn core_schema(self) -> &'static SchemaDef {
        match self {
            ResourceType::User => &user::USER_SCHEMA,
            ResourceType::Group => &group::GROUP_SCHEMA,
        }
    }

    /// Schema extensions of the resource type; none is required (RFC 7643 §6).
    pub fn extensions(self) -> &'static [&'static SchemaDef] {
        static USER_EXTENSIONS: [&SchemaDef; 1] = [&enterprise_user::ENTERPRISE_USER_SCHEMA];
        match self {
            ResourceType::User => &USER_EXTENSIONS,
            ResourceType::Group => &[],
        }
    }

    /// The extension whose URN is `urn` (case-insensitive), if this type has it.
    pub fn extension(self, urn: &str) -> Option<&'static SchemaDef> {
        self.extensions()
            .iter()
            .copied()
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }
}

/// An attribute path resolved against the schema table.
#[derive(Debug, Clone, Copy)]
pub struct Resolved {
    /// The schema the attribute belongs to (the core schema for common attributes).
    pub schema: &'static SchemaDef,
    /// `Some` for an extension attribute: the stored document keeps it under `schema.id`.
    pub extension: Option<&'static SchemaDef>,
    /// True for `id`, `externalId`, `meta` (RFC 7643 §3.1).
    pub common: bool,
    /// The top-level attribute.
    pub attr: &'static AttributeDef,
    /// The sub-attribute, when the path names one.
    pub sub: Option<&'static AttributeDef>,
}

impl Resolved {
    /// The attribute the path designates: the sub-attribute if any, else the top-level one.
    pub fn target(&self) -> &'static AttributeDef {
        self.sub.unwrap_or(self.attr)
    }

    /// The canonical dotted name, e.g. `name.givenName` or
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
    pub fn canonical_name(&self) -> String {
        let mut s = String::new();
        if let Some(ext) = self.extension {
            s.push_str(ext.id);
            s.push(':');
        }
        s.push_str(self.attr.name);
        if let Some(sub) = self.sub {
            s.push('.');
            s.push_str(sub.name);
        }
        s
    }
}

/// Resolves `path` for resource type `rt`. Names are case-insensitive (RFC 7643 §2.1). A URN
/// prefix must be the core schema or one of `rt`'s extensions; an unqualified name is looked up
/// in the core schema and the common attributes only (RFC 7644 §3.10). A path whose `name`
/// still carries a URN (`urn:…:User:manager` left unsplit) is split here.
pub fn resolve(rt: ResourceType, path: &AttrPath) -> Option<Resolved> {
    let (urn, name) = match (&path.urn, path.name.rfind(':')) {
        (Some(urn), _) => (Some(urn.as_str()), path.name.as_str()),
        (None, Some(i)) => (Some(&path.name[..i]), &path.name[i + 1..]),
        (None, None) => (None, path.name.as_str()),
    };
    let core = rt.core_schema();
    let (extension, attr, common) = match urn {
        Some(urn) if !core.id.eq_ignore_ascii_case(urn) => {
            let ext = rt.extension(urn)?;
            (Some(ext), ext.attribute(name)?, false)
        }
        _ => match core.attribute(name) {
            Some(a) => (None, a, false),
            None => (None, common::common_attribute(name)?, true),
        },
    };
    let sub = match &path.sub {
        Some(s) => Some(attr.sub_attribute(s)?),
        None => None,
    };
    Some(Resolved {
        schema: extension.unwrap_or(core),
        extension,
        common,
        attr,
        sub,
    })
}

/// Splits a JSON key or path string such as `name.givenName` or
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value` into an
/// `AttrPath`. The URN ends at the last `:` (URNs contain dots, names contain no colons).
/// Returns `None` for an empty name or more than one dot.
pub fn split_key(key: &str) -> Option<AttrPath> {
    let (urn, rest) = match key.rfind(':') {
        Some(i) => (Some(key[..i].to_owned()), &key[i + 1..]),
        None => (None, key),
    };
    let (name, sub) = match rest.split_once('.') {
        Some((n, s)) => (n, Some(s)),
        None => (rest, None),
    };
    let valid = |s: &str| !s.is_empty() && !s.contains('.');
    if !valid(name) || !sub.is_none_or(valid) {
        return None;
    }
    Some(AttrPath {
        urn,
        name: name.to_owned(),
        sub: sub.map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &str) -> AttrPath {
        split_key(s).expect("test path")
    }

    #[test]
    fn resolves_names_case_insensitively_to_canonical_names() {
        let cases = [
            (ResourceType::User, "USERNAME", "userName"),
            (ResourceType::User, "name.GIVENNAME", "name.givenName"),
            (ResourceType::User, "emails.value", "emails.value"),
            (ResourceType::User, "id", "id"),
            (ResourceType::User, "meta.lastmodified", "meta.lastModified"),
            (ResourceType::User, "externalid", "externalId"),
            (
                ResourceType::User,
                "urn:ietf:params:scim:schemas:core:2.0:User:userName",
                "userName",
            ),
            (
                ResourceType::User,
                "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:manager.value",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            ),
            (ResourceType::Group, "members.value", "members.value"),
            (
                ResourceType::Group,
                "urn:ietf:params:scim:schemas:core:2.0:Group:displayname",
                "displayName",
            ),
            (ResourceType::Group, "groups", "unresolved"),
            (ResourceType::User, "department", "unresolved"),
            (ResourceType::User, "name.nope", "unresolved"),
            (ResourceType::User, "userName.sub", "unresolved"),
            (
                ResourceType::Group,
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                "unresolved",
            ),
            (
                ResourceType::User,
                "urn:ietf:params:scim:schemas:core:2.0:Group:displayName",
                "unresolved",
            ),
        ];
        for (rt, input, want) in cases {
            let got =
                resolve(rt, &path(input)).map_or("unresolved".to_owned(), |r| r.canonical_name());
            assert_eq!(got, want, "{rt:?} {input}");
        }
    }

    #[test]
    fn resolves_an_unsplit_urn_in_the_name() {
        let p = AttrPath {
            urn: None,
            name: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager".into(),
            sub: Some("value".into()),
        };
        let r = resolve(ResourceType::User, &p).expect("resolves");
        assert_eq!(
            r.extension.map(|s| s.id),
            Some(enterprise_user::ENTERPRISE_USER_URN)
        );
        assert_eq!(r.target().name, "value");
    }

    #[test]
    fn common_attributes_are_flagged() {
        let r = resolve(ResourceType::Group, &path("meta.created")).expect("resolves");
        assert!(r.common);
        assert_eq!(r.schema.id, group::GROUP_SCHEMA_URN);
        assert!(
            !resolve(ResourceType::Group, &path("displayName"))
                .expect("x")
                .common
        );
    }

    #[test]
    fn split_key_rejects_malformed_keys() {
        for bad in ["", "a..b", "name.", ".x", "a.b.c", "urn:x:"] {
            assert!(split_key(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn schema_tables_have_the_rfc_characteristics() {
        use attribute::{AttrType, Mutability, Returned, Uniqueness};
        let user = ResourceType::User.core_schema();
        let user_name = user.attribute("userName").expect("userName");
        assert!(user_name.required && !user_name.case_exact);
        assert_eq!(user_name.uniqueness, Uniqueness::Server);
        let password = user.attribute("password").expect("password");
        assert_eq!(password.mutability, Mutability::WriteOnly);
        assert_eq!(password.returned, Returned::Never);
        let groups = user.attribute("groups").expect("groups");
        assert_eq!(groups.mutability, Mutability::ReadOnly);
        assert!(groups.multi_valued);
        let cert = user.attribute("x509Certificates").expect("x509");
        assert_eq!(
            cert.sub_attribute("value").map(|v| v.ty),
            Some(AttrType::Binary)
        );
        let id = common::common_attribute("id").expect("id");
        assert_eq!(id.returned, Returned::Always);
        assert!(id.case_exact);
        let members = ResourceType::Group
            .core_schema()
            .attribute("members")
            .expect("m");
        assert_eq!(
            members.sub_attribute("value").map(|v| v.mutability),
            Some(Mutability::Immutable)
        );
        assert_eq!(
            members.sub_attribute("type").map(|t| t.canonical_values),
            Some(&["User", "Group"][..])
        );
        assert_eq!(user.attributes.len(), 21);
    }
}
