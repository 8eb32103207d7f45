//! The common attributes every resource carries (RFC 7643 §3.1): `id`, `externalId`, `meta`.
//! They belong to no schema's attribute list (RFC 7643 §3.1: their characteristics "SHALL take
//! precedence" over any schema), so `/Schemas` does not list them; `resolve` finds them under
//! the core schema URN or bare.

use super::attribute::{AttributeDef, Returned, Uniqueness};

/// RFC 7643 §3.1 "meta" sub-attributes, all readOnly.
static META_SUBS: [AttributeDef; 5] = [
    AttributeDef::string(
        "resourceType",
        "The name of the resource type of the resource.",
    )
    .case_exact()
    .read_only(),
    AttributeDef::date_time(
        "created",
        "The DateTime that the resource was added to the service provider.",
    )
    .read_only(),
    AttributeDef::date_time(
        "lastModified",
        "The most recent DateTime that the details of this resource were updated.",
    )
    .read_only(),
    AttributeDef::reference(
        "location",
        &["uri"],
        "The URI of the resource being returned.",
    )
    .case_exact()
    .read_only(),
    AttributeDef::string(
        "version",
        "The version (ETag) of the resource being returned.",
    )
    .case_exact()
    .read_only(),
];

pub static COMMON_ATTRIBUTES: [AttributeDef; 3] = [
    // RFC 7643 §3.1: "id" is readOnly, returned always, caseExact, unique.
    AttributeDef::string(
        "id",
        "Unique identifier for the SCIM resource as defined by the service provider.",
    )
    .case_exact()
    .read_only()
    .returned(Returned::Always)
    .uniqueness(Uniqueness::Server),
    // RFC 7643 §3.1: "externalId" is caseExact, issued by the provisioning client.
    AttributeDef::string(
        "externalId",
        "A String that is an identifier for the resource as defined by the provisioning client.",
    )
    .case_exact(),
    AttributeDef::complex(
        "meta",
        &META_SUBS,
        "A complex attribute containing resource metadata.",
    )
    .read_only(),
];

/// The common attribute called `name` (case-insensitive).
pub fn common_attribute(name: &str) -> Option<&'static AttributeDef> {
    COMMON_ATTRIBUTES
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(name))
}
