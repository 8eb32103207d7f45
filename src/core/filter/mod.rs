//! The SCIM filter language (RFC 7644 §3.4.2.2): AST, parser, canonical printing, evaluation
//! and translation to SQL.

pub mod ast;
mod display;
pub mod eval;
mod lexer;
mod parser;
pub mod sql;
pub(crate) mod sql_operand;

pub use parser::{
    parse_filter, parse_patch_path, MAX_FILTER_COMPARISONS, MAX_FILTER_DEPTH, MAX_FILTER_LEN,
};

#[cfg(test)]
mod parser_tests;
#[cfg(test)]
mod sql_tests;
#[cfg(test)]
pub(crate) mod test_db;
