//! Maps a request path to a route. Everything under `/scim/v2/{org}` is a SCIM route of that
//! org; `/health` and `/admin/...` stand outside it.

use crate::core::http::{percent_decode, Method};
use crate::core::org::OrgName;
use crate::core::schema::ResourceType;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Health,
    /// `/scim/v2/{org}/...` with a valid org name.
    Scim {
        org: OrgName,
        endpoint: ScimEndpoint,
    },
    /// `/scim/v2/{org}/...` whose org segment is not a valid org name: a 404 before any
    /// storage access.
    InvalidOrg,
    /// `/scim/v2/Users` and the like: the org segment is missing and an endpoint name stands
    /// in its place (a tenant URL entered without `{org}`). A 404 that says so.
    MissingOrg {
        endpoint: String,
    },
    /// `/admin/orgs/{org}` and below (operator API).
    Admin {
        org: Option<OrgName>,
        rest: Vec<String>,
    },
    /// `/admin`, `/admin/session` and `/admin/backfill`: the operator console.
    Console {
        rest: Vec<String>,
    },
    /// `/setup/{link}/...`: the self-serve setup page of one setup link.
    Setup {
        link: String,
        rest: Vec<String>,
    },
    /// `/assets/{name}`: a static file of the console and setup pages.
    Asset(String),
    NotFound,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScimEndpoint {
    ServiceProviderConfig,
    ResourceTypes,
    ResourceTypeByName(String),
    Schemas,
    SchemaById(String),
    /// `/Users` or `/Groups`.
    Collection(ResourceType),
    /// `/Users/.search` or `/Groups/.search` (RFC 7644 §3.4.3).
    CollectionSearch(ResourceType),
    /// `/Users/{id}` or `/Groups/{id}`.
    Resource(ResourceType, String),
    /// `/.search` at the root (RFC 7644 §3.4.3).
    RootSearch,
    /// `/Bulk` (RFC 7644 §3.7).
    Bulk,
    /// `/Me`: an RFC 7644 feature this server does not offer (501).
    NotImplemented(&'static str),
    Unknown,
}

impl ScimEndpoint {
    /// The methods this endpoint answers, for the method gate and the `Allow` header of a
    /// 405 or OPTIONS answer (RFC 9110 §15.5.6, §9.3.7). `None`: every method gets the
    /// endpoint's one answer (404 for unknown paths, 501 for unsupported features).
    ///
    /// HEAD is offered wherever GET is (RFC 9110 §9.3.2: the same answer without content);
    /// OPTIONS everywhere.
    pub fn allowed_methods(&self) -> Option<&'static [Method]> {
        use Method::{Delete, Get, Head, Options, Patch, Post, Put};
        match self {
            ScimEndpoint::ServiceProviderConfig
            | ScimEndpoint::ResourceTypes
            | ScimEndpoint::ResourceTypeByName(_)
            | ScimEndpoint::Schemas
            | ScimEndpoint::SchemaById(_) => Some(&[Get, Head, Options]),
            ScimEndpoint::Collection(_) => Some(&[Get, Head, Post, Options]),
            ScimEndpoint::CollectionSearch(_) | ScimEndpoint::RootSearch | ScimEndpoint::Bulk => {
                Some(&[Post, Options])
            }
            ScimEndpoint::Resource(..) => Some(&[Get, Head, Put, Patch, Delete, Options]),
            ScimEndpoint::NotImplemented(_) | ScimEndpoint::Unknown => None,
        }
    }
}

/// Routes a raw path. Segment names (`Users`, `ServiceProviderConfig`, ...) match
/// case-insensitively and a trailing `/` is tolerated; ids and URNs are percent-decoded.
pub fn route(raw_path: &str) -> Route {
    let segments: Vec<String> = raw_path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["health"] => Route::Health,
        [scim, v2, org, rest @ ..]
            if scim.eq_ignore_ascii_case("scim") && v2.eq_ignore_ascii_case("v2") =>
        {
            if crate::core::org::is_reserved(org) {
                return Route::MissingOrg {
                    endpoint: (*org).to_owned(),
                };
            }
            match OrgName::parse(org) {
                Some(org) => Route::Scim {
                    org,
                    endpoint: scim_endpoint(rest),
                },
                None => Route::InvalidOrg,
            }
        }
        // The deployment-wide webhook endpoint (docs/events.md): not under any org.
        ["admin", "webhook"] => Route::Admin {
            org: None,
            rest: vec!["webhook".to_owned()],
        },
        ["admin", "orgs", rest @ ..] => {
            let org = rest.first().and_then(|o| OrgName::parse(o));
            if !rest.is_empty() && org.is_none() {
                return Route::InvalidOrg;
            }
            Route::Admin {
                org,
                rest: rest.iter().skip(1).map(|s| (*s).to_owned()).collect(),
            }
        }
        ["admin"] => Route::Console { rest: Vec::new() },
        ["admin", page @ ("session" | "backfill")] => Route::Console {
            rest: vec![(*page).to_owned()],
        },
        ["setup", link, rest @ ..] => Route::Setup {
            link: (*link).to_owned(),
            rest: rest.iter().map(|s| (*s).to_owned()).collect(),
        },
        ["assets", name] => Route::Asset((*name).to_owned()),
        _ => Route::NotFound,
    }
}

fn scim_endpoint(rest: &[&str]) -> ScimEndpoint {
    let is = |seg: &str, name: &str| seg.eq_ignore_ascii_case(name);
    let resource_type = |seg: &str| {
        if is(seg, "Users") {
            Some(ResourceType::User)
        } else if is(seg, "Groups") {
            Some(ResourceType::Group)
        } else {
            None
        }
    };
    match rest {
        [seg] if is(seg, "ServiceProviderConfig") => ScimEndpoint::ServiceProviderConfig,
        [seg] if is(seg, "ResourceTypes") => ScimEndpoint::ResourceTypes,
        [seg, name] if is(seg, "ResourceTypes") => {
            ScimEndpoint::ResourceTypeByName((*name).to_owned())
        }
        [seg] if is(seg, "Schemas") => ScimEndpoint::Schemas,
        [seg, urn] if is(seg, "Schemas") => ScimEndpoint::SchemaById((*urn).to_owned()),
        [seg] if is(seg, ".search") => ScimEndpoint::RootSearch,
        [seg] if is(seg, "Bulk") => ScimEndpoint::Bulk,
        [seg, ..] if is(seg, "Me") => ScimEndpoint::NotImplemented("Me"),
        [seg] => resource_type(seg).map_or(ScimEndpoint::Unknown, ScimEndpoint::Collection),
        [seg, search] if is(search, ".search") => {
            resource_type(seg).map_or(ScimEndpoint::Unknown, ScimEndpoint::CollectionSearch)
        }
        [seg, id] => resource_type(seg).map_or(ScimEndpoint::Unknown, |rt| {
            ScimEndpoint::Resource(rt, (*id).to_owned())
        }),
        _ => ScimEndpoint::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scim(path: &str) -> ScimEndpoint {
        match route(path) {
            Route::Scim { endpoint, .. } => endpoint,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn routes_discovery_endpoints_with_or_without_trailing_slash() {
        assert_eq!(
            scim("/scim/v2/acme/ServiceProviderConfig"),
            ScimEndpoint::ServiceProviderConfig
        );
        assert_eq!(
            scim("/scim/v2/acme/ServiceProviderConfig/"),
            ScimEndpoint::ServiceProviderConfig
        );
        assert_eq!(scim("/scim/v2/acme/schemas"), ScimEndpoint::Schemas);
        assert_eq!(
            scim("/scim/v2/acme/Schemas/urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Acore%3A2.0%3AUser"),
            ScimEndpoint::SchemaById("urn:ietf:params:scim:schemas:core:2.0:User".into())
        );
        assert_eq!(
            scim("/scim/v2/acme/ResourceTypes/User"),
            ScimEndpoint::ResourceTypeByName("User".into())
        );
    }

    #[test]
    fn routes_resources() {
        assert_eq!(
            scim("/scim/v2/acme/Users"),
            ScimEndpoint::Collection(ResourceType::User)
        );
        assert_eq!(
            scim("/scim/v2/acme/Groups/"),
            ScimEndpoint::Collection(ResourceType::Group)
        );
        assert_eq!(
            scim("/scim/v2/acme/Users/abc"),
            ScimEndpoint::Resource(ResourceType::User, "abc".into())
        );
        assert_eq!(
            scim("/scim/v2/acme/Users/.search"),
            ScimEndpoint::CollectionSearch(ResourceType::User)
        );
        assert_eq!(scim("/scim/v2/acme/.search"), ScimEndpoint::RootSearch);
        assert_eq!(scim("/scim/v2/acme/Bulk"), ScimEndpoint::Bulk);
        assert_eq!(scim("/scim/v2/acme/Widgets"), ScimEndpoint::Unknown);
        assert_eq!(scim("/scim/v2/acme"), ScimEndpoint::Unknown);
        assert_eq!(scim("/scim/v2/acme/Users/a/b"), ScimEndpoint::Unknown);
    }

    #[test]
    fn bad_org_names_never_reach_storage() {
        assert_eq!(route("/scim/v2/-bad/Users"), Route::InvalidOrg);
        assert_eq!(route("/scim/v2/a%20b/Users"), Route::InvalidOrg);
        assert_eq!(route("/scim/v2/%2E%2E/Users"), Route::InvalidOrg);
    }

    #[test]
    fn the_deployment_webhook_is_an_admin_route_without_an_org() {
        assert_eq!(
            route("/admin/webhook"),
            Route::Admin {
                org: None,
                rest: vec!["webhook".into()]
            }
        );
        assert_eq!(route("/admin/webhook/x"), Route::NotFound);
    }

    #[test]
    fn an_endpoint_name_in_the_org_place_is_a_missing_org() {
        for path in [
            "/scim/v2/Users",
            "/scim/v2/users/",
            "/scim/v2/Users/abc",
            "/scim/v2/Groups?filter=x",
            "/scim/v2/ServiceProviderConfig",
            "/scim/v2/Schemas/urn:x",
        ] {
            assert!(
                matches!(
                    route(path.split('?').next().unwrap()),
                    Route::MissingOrg { .. }
                ),
                "{path}"
            );
        }
        assert_eq!(
            route("/scim/v2/users"),
            Route::MissingOrg {
                endpoint: "users".into()
            }
        );
        // An org whose name merely starts like an endpoint is an org.
        assert!(matches!(route("/scim/v2/Users2/Users"), Route::Scim { .. }));
    }

    #[test]
    fn console_setup_and_asset_paths() {
        assert_eq!(route("/admin/"), Route::Console { rest: vec![] });
        assert_eq!(
            route("/admin/session"),
            Route::Console {
                rest: vec!["session".into()]
            }
        );
        assert_eq!(route("/admin/other"), Route::NotFound);
        assert_eq!(
            route("/setup/abc/api/info"),
            Route::Setup {
                link: "abc".into(),
                rest: vec!["api".into(), "info".into()]
            }
        );
        assert_eq!(
            route("/assets/console.js"),
            Route::Asset("console.js".into())
        );
        assert_eq!(route("/assets/a/b"), Route::NotFound);
    }

    #[test]
    fn health_and_unknown_paths() {
        assert_eq!(route("/health"), Route::Health);
        assert_eq!(route("/"), Route::NotFound);
        assert_eq!(route("/scim/v1/acme/Users"), Route::NotFound);
    }
}
