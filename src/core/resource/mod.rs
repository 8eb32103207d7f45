//! Validation and normalisation of resource bodies (RFC 7644 §3.3 POST, §3.5.1 PUT).
//!
//! The stored-document convention every module relies on: a resource is a JSON object whose
//! keys are the CANONICAL attribute names of the schema table (client casing is normalised on
//! input); extension attributes live under a key that is the extension URN, e.g.
//! `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"x"}}`.
//! The stored document never holds `id`, `meta`, `schemas`, `password`, User `groups` or Group
//! `members`; the service adds those on output.

pub(crate) mod body;
pub mod group;
pub mod immutable;
pub mod member;
pub(crate) mod schemas;
pub(crate) mod text;
pub mod user;
pub mod value;

pub use group::{parse_group_body, ParsedGroup};
pub use immutable::check_immutable;
pub use member::{Member, MemberKind};
pub use user::{parse_user_body, ParsedUser};
