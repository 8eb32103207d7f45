//! The core User schema, `urn:ietf:params:scim:schemas:core:2.0:User` (RFC 7643 §4.1, with the
//! characteristics of the §8.7.1 schema representation).

use super::attribute::{AttributeDef, Returned, SchemaDef, Uniqueness};

pub const USER_SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// The `value`, `display`, `type`, `primary` sub-attributes shared by the multi-valued
/// attributes of RFC 7643 §2.4 / §4.1.2.
const fn multi_subs(value: AttributeDef, types: &'static [&'static str]) -> [AttributeDef; 4] {
    [
        value,
        AttributeDef::string("display", "A human-readable name, primarily used for display purposes."),
        AttributeDef::string("type", "A label indicating the attribute's function.").canonical(types),
        AttributeDef::boolean(
            "primary",
            "A Boolean value indicating the 'primary' or preferred attribute value for this attribute.",
        ),
    ]
}

static NAME_SUBS: [AttributeDef; 6] = [
    AttributeDef::string(
        "formatted",
        "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display.",
    ),
    AttributeDef::string("familyName", "The family name of the User, or last name."),
    AttributeDef::string("givenName", "The given name of the User, or first name."),
    AttributeDef::string("middleName", "The middle name(s) of the User."),
    AttributeDef::string("honorificPrefix", "The honorific prefix(es) of the User, or title."),
    AttributeDef::string("honorificSuffix", "The honorific suffix(es) of the User, or suffix."),
];

static EMAIL_SUBS: [AttributeDef; 4] = multi_subs(
    AttributeDef::string("value", "Email addresses for the user."),
    &["work", "home", "other"],
);
static PHONE_SUBS: [AttributeDef; 4] = multi_subs(
    AttributeDef::string("value", "Phone number of the User."),
    &["work", "home", "mobile", "fax", "pager", "other"],
);
static IM_SUBS: [AttributeDef; 4] = multi_subs(
    AttributeDef::string("value", "Instant messaging address for the User."),
    &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
);
static PHOTO_SUBS: [AttributeDef; 4] = multi_subs(
    AttributeDef::reference("value", &["external"], "URL of a photo of the User."),
    &["photo", "thumbnail"],
);
static ENTITLEMENT_SUBS: [AttributeDef; 4] = multi_subs(
    AttributeDef::string("value", "The value of an entitlement."),
    &[],
);
static ROLE_SUBS: [AttributeDef; 4] =
    multi_subs(AttributeDef::string("value", "The value of a role."), &[]);
static X509_SUBS: [AttributeDef; 4] = multi_subs(
    AttributeDef::binary("value", "The value of an X.509 certificate."),
    &[],
);

static ADDRESS_SUBS: [AttributeDef; 8] = [
    // RFC 7643 §4.1.2: `formatted` and `streetAddress` "MAY contain newlines".
    AttributeDef::string(
        "formatted",
        "The full mailing address, formatted for display or use with a mailing label.",
    )
    .multi_line(),
    AttributeDef::string("streetAddress", "The full street address component.").multi_line(),
    AttributeDef::string("locality", "The city or locality component."),
    AttributeDef::string("region", "The state or region component."),
    AttributeDef::string("postalCode", "The zip code or postal code component."),
    AttributeDef::string("country", "The country name component."),
    AttributeDef::string("type", "A label indicating the attribute's function.")
        .canonical(&["work", "home", "other"]),
    AttributeDef::boolean(
        "primary",
        "A Boolean value indicating the preferred address.",
    ),
];

/// RFC 7643 §4.1.2 "groups": readOnly, computed from Group membership.
static GROUP_SUBS: [AttributeDef; 4] = [
    AttributeDef::string("value", "The identifier of the User's group.").read_only(),
    AttributeDef::reference(
        "$ref",
        &["User", "Group"],
        "The URI of the corresponding 'Group' resource to which the user belongs.",
    )
    .read_only(),
    AttributeDef::string(
        "display",
        "A human-readable name, primarily used for display purposes.",
    )
    .read_only(),
    AttributeDef::string("type", "A label indicating the attribute's function.")
        .canonical(&["direct", "indirect"])
        .read_only(),
];

static USER_ATTRIBUTES: [AttributeDef; 21] = [
    // RFC 7643 §4.1.1: required, caseExact false, uniqueness server.
    AttributeDef::string(
        "userName",
        "Unique identifier for the User, typically used by the user to directly authenticate to the service provider.",
    )
    .required()
    .uniqueness(Uniqueness::Server),
    AttributeDef::complex("name", &NAME_SUBS, "The components of the user's real name."),
    AttributeDef::string("displayName", "The name of the User, suitable for display to end-users."),
    AttributeDef::string("nickName", "The casual way to address the user in real life."),
    AttributeDef::reference(
        "profileUrl",
        &["external"],
        "A fully qualified URL pointing to a page representing the User's online profile.",
    ),
    AttributeDef::string("title", "The user's title, such as \"Vice President\"."),
    AttributeDef::string(
        "userType",
        "Used to identify the relationship between the organization and the user.",
    ),
    AttributeDef::string(
        "preferredLanguage",
        "Indicates the User's preferred written or spoken language.",
    ),
    AttributeDef::string(
        "locale",
        "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations.",
    ),
    AttributeDef::string(
        "timezone",
        "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'.",
    ),
    AttributeDef::boolean("active", "A Boolean value indicating the User's administrative status."),
    // RFC 7643 §4.1.1: writeOnly, returned never.
    AttributeDef::string("password", "The User's cleartext password.")
        .mutability(super::attribute::Mutability::WriteOnly)
        .returned(Returned::Never),
    AttributeDef::complex("emails", &EMAIL_SUBS, "Email addresses for the user.").multi(),
    AttributeDef::complex("phoneNumbers", &PHONE_SUBS, "Phone numbers for the User.").multi(),
    AttributeDef::complex("ims", &IM_SUBS, "Instant messaging addresses for the User.").multi(),
    AttributeDef::complex("photos", &PHOTO_SUBS, "URLs of photos of the User.").multi(),
    AttributeDef::complex("addresses", &ADDRESS_SUBS, "A physical mailing address for this User.")
        .multi(),
    AttributeDef::complex(
        "groups",
        &GROUP_SUBS,
        "A list of groups to which the user belongs, either through direct membership, through nested groups, or dynamically calculated.",
    )
    .multi()
    .read_only(),
    AttributeDef::complex("entitlements", &ENTITLEMENT_SUBS, "A list of entitlements for the User.")
        .multi(),
    AttributeDef::complex("roles", &ROLE_SUBS, "A list of roles for the User.").multi(),
    AttributeDef::complex(
        "x509Certificates",
        &X509_SUBS,
        "A list of certificates issued to the User.",
    )
    .multi(),
];

pub static USER_SCHEMA: SchemaDef = SchemaDef {
    id: USER_SCHEMA_URN,
    name: "User",
    description: "User Account",
    attributes: &USER_ATTRIBUTES,
};
