//! What a string attribute may hold. JSON can carry any code point (`"\u0000"`), but SCIM
//! strings are identifiers, names, addresses and labels shown to people and matched by other
//! systems: a control character in a `userName` or `displayName` is never data, only a way
//! to make two values look alike, break a log line or truncate at a C string boundary.
//!
//! The rule, per attribute of the schema table: no control character (Unicode category Cc:
//! U+0000–U+001F, U+007F and the C1 range U+0080–U+009F) in any string or reference value;
//! attributes the RFC says may span lines (`AttributeDef::multi_line`) may hold tab, line feed
//! and carriage return. Refused with 400 `invalidValue` naming the attribute (RFC 7644 §3.12:
//! a value "not compatible with the … resource schema").

use crate::core::error::{ScimError, ScimResult};
use crate::core::schema::attribute::AttributeDef;

/// Checks `text`, the value of `def` labelled `label` in error messages.
pub(crate) fn check_text(def: &AttributeDef, text: &str, label: &str) -> ScimResult<()> {
    let allowed = |c: char| def.multi_line && matches!(c, '\t' | '\n' | '\r');
    match text
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() && !allowed(*c))
    {
        None => Ok(()),
        Some((at, c)) => Err(ScimError::invalid_value(format!(
            "Attribute '{label}' must not contain control characters (U+{:04X} at character {}).",
            u32::from(c),
            at + 1
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::schema::attribute::AttributeDef;

    const LINE: AttributeDef = AttributeDef::string("userName", "");
    const LINES: AttributeDef = AttributeDef::string("formatted", "").multi_line();

    #[test]
    fn every_control_character_is_refused_in_one_line_text() {
        let controls = (0u32..0x20).chain([0x7f]).chain(0x80..0xa0);
        for code in controls {
            let c = char::from_u32(code).unwrap();
            let err = check_text(&LINE, &format!("ab{c}"), "userName").unwrap_err();
            assert_eq!(
                err.detail,
                format!(
                    "Attribute 'userName' must not contain control characters (U+{code:04X} at character 3)."
                )
            );
            assert_eq!(err.status, 400);
        }
    }

    #[test]
    fn printable_text_of_any_script_passes() {
        for text in [
            "bob",
            "Zoë Ångström",
            "山田太郎",
            "\u{a0}non-breaking\u{a0}",
            "emoji 😀",
            "O'Brien-Smith, Jr.",
            "",
        ] {
            assert!(check_text(&LINE, text, "x").is_ok(), "{text:?}");
        }
    }

    #[test]
    fn multi_line_attributes_take_line_breaks_and_tabs_but_no_other_control() {
        assert!(check_text(&LINES, "1 Main St\r\nSuite 2\tRear", "x").is_ok());
        assert!(check_text(&LINE, "1 Main St\nSuite 2", "x").is_err());
        assert!(check_text(&LINES, "a\u{0}b", "x").is_err());
        assert!(check_text(&LINES, "a\u{85}b", "x").is_err());
    }
}
