//! The core Group schema, `urn:ietf:params:scim:schemas:core:2.0:Group` (RFC 7643 §4.2,
//! §8.7.1). `members` is never stored in the group document: it lives in `group_members` rows.

use super::attribute::{AttributeDef, SchemaDef, Uniqueness};

pub const GROUP_SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// The longest group `displayName` we accept, in characters (see `resource::group`).
pub const MAX_GROUP_DISPLAY_NAME_CHARS: usize = 256;

/// RFC 7643 §8.7.1: members' value, $ref and type are immutable (a member is replaced, never
/// edited in place). `display` is readWrite here: the value a client sends with a member is
/// stored and returned as sent, and sending the member again with another `display` replaces
/// it; a member sent without one shows the member's current name (`store::members`).
static MEMBER_SUBS: [AttributeDef; 4] = [
    AttributeDef::string("value", "Identifier of the member of this Group.")
        .case_exact()
        .immutable(),
    AttributeDef::reference(
        "$ref",
        &["User", "Group"],
        "The URI corresponding to a SCIM resource that is a member of this Group.",
    )
    .immutable(),
    AttributeDef::string(
        "display",
        "A human-readable name, primarily used for display purposes. Returned as the client \
         sent it; when none was sent, the member's current displayName (for a User without \
         one, its userName).",
    ),
    AttributeDef::string(
        "type",
        "A label indicating the type of resource, e.g., 'User' or 'Group'.",
    )
    .canonical(&["User", "Group"])
    .immutable(),
];

static GROUP_ATTRIBUTES: [AttributeDef; 2] = [
    // RFC 7643 §8.7.1 marks displayName optional; we require it and keep it unique per org
    // because Entra matches groups on it (Microsoft's SCIM endpoint guide, "Groups",
    // learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups).
    AttributeDef::string("displayName", "A human-readable name for the Group.")
        .required()
        .uniqueness(Uniqueness::Server),
    AttributeDef::complex("members", &MEMBER_SUBS, "A list of members of the Group.").multi(),
];

pub static GROUP_SCHEMA: SchemaDef = SchemaDef {
    id: GROUP_SCHEMA_URN,
    name: "Group",
    description: "Group",
    attributes: &GROUP_ATTRIBUTES,
};
