//! The Enterprise User extension, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`
//! (RFC 7643 §4.3, §8.7.1). Stored under its URN key in the user document.

use super::attribute::{AttributeDef, SchemaDef};

pub const ENTERPRISE_USER_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

static MANAGER_SUBS: [AttributeDef; 3] = [
    AttributeDef::string(
        "value",
        "The id of the SCIM resource representing the User's manager.",
    ),
    AttributeDef::reference(
        "$ref",
        &["User"],
        "The URI of the SCIM resource representing the User's manager.",
    ),
    // RFC 7643 §4.3: displayName of the manager is readOnly.
    AttributeDef::string("displayName", "The displayName of the User's manager.").read_only(),
];

static ENTERPRISE_ATTRIBUTES: [AttributeDef; 6] = [
    AttributeDef::string(
        "employeeNumber",
        "Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization.",
    ),
    AttributeDef::string("costCenter", "Identifies the name of a cost center."),
    AttributeDef::string("organization", "Identifies the name of an organization."),
    AttributeDef::string("division", "Identifies the name of a division."),
    AttributeDef::string("department", "Identifies the name of a department."),
    AttributeDef::complex(
        "manager",
        &MANAGER_SUBS,
        "The User's manager. A complex type that optionally allows service providers to represent organizational hierarchy by referencing the 'id' attribute of another User.",
    ),
];

pub static ENTERPRISE_USER_SCHEMA: SchemaDef = SchemaDef {
    id: ENTERPRISE_USER_URN,
    name: "EnterpriseUser",
    description: "Enterprise User",
    attributes: &ENTERPRISE_ATTRIBUTES,
};
