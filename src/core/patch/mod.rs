//! The PATCH engine (RFC 7644 §3.5.2): request parsing, one module per operation, and the
//! User and Group entry points. Works on stored documents (see `core::resource`).

mod add;
mod engine;
pub mod group;
mod remove;
mod replace;
pub mod request;
mod select;
mod shared;
pub mod user;
mod write;

pub use group::{apply_group_patch, member_ops_of, patch_group, GroupPatch, MemberOp};
pub use request::{parse_patch_request, OpKind, Operation, PATCH_OP_URN};
pub use user::{apply_user_patch, patch_user, UserPatch};
