//! The SCIM filter language (RFC 7644 §3.4.2.2): AST, parser, canonical printing, evaluation
//! and translation to SQL.

pub mod ast;
