//! `If-Match` (RFC 7644 §3.14, RFC 7232 §3.1), parsed once and compared in one place: in
//! Rust for writes that read the resource first (PUT, PATCH), and as the SQL condition this
//! module writes for a delete, which decides in its own batch. Both take the same list.

use super::version_from_etag;
use crate::core::db::SqlValue;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// No `If-Match`, or `*`: any version.
    Any,
    /// The versions the listed tags name. Tags that are not ours name nothing, so a list of
    /// only those matches no version (412).
    Versions(Vec<i64>),
}

impl IfMatch {
    pub fn parse(header: Option<&str>) -> IfMatch {
        match header.map(str::trim) {
            None | Some("*") => IfMatch::Any,
            Some(list) => IfMatch::Versions(
                list.split(',')
                    .map(str::trim)
                    .filter_map(version_from_etag)
                    .collect(),
            ),
        }
    }

    pub fn is_conditional(&self) -> bool {
        matches!(self, IfMatch::Versions(_))
    }

    /// Whether a resource at `version` meets the precondition.
    pub fn admits(&self, version: i64) -> bool {
        match self {
            IfMatch::Any => true,
            IfMatch::Versions(versions) => versions.contains(&version),
        }
    }

    /// `admits` as SQL over column `version`, with the list bound as `?{param}`; `None` when
    /// there is nothing to check.
    pub fn sql(&self, param: usize) -> Option<(String, SqlValue)> {
        match self {
            IfMatch::Any => None,
            IfMatch::Versions(versions) => Some((
                format!("version IN (SELECT value FROM json_each(?{param}))"),
                Value::from(versions.clone()).to_string().into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::store::etag;

    #[test]
    fn every_listed_tag_counts() {
        let m = IfMatch::parse(Some(&format!("W/\"zz\", {}, {}", etag(5), etag(9))));
        assert_eq!(m, IfMatch::Versions(vec![5, 9]));
        assert!(m.admits(5) && m.admits(9) && !m.admits(6));
        assert!(IfMatch::parse(None).admits(1));
        assert!(IfMatch::parse(Some(" * ")).admits(1));
        assert!(!IfMatch::parse(Some("\"nope\"")).admits(1));
    }
}
