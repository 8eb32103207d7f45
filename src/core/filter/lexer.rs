//! The filter scanner: reads words, JSON literals and punctuation from the raw filter text and
//! knows where it is, so every error can name a character position (RFC 7644 §3.4.2.2 grammar).
//!
//! The parser asks for the token it expects next (a path, an operator, a value), in the manner
//! of dtolnay/semver `parse.rs`: the scanner is context-driven rather than a token stream,
//! because the same characters mean different things in path and value position
//! (`2.0` inside a URN, `2.0` as a number).

use crate::core::error::{ScimError, ScimResult};
use crate::core::filter::ast::Literal;

/// Which error a syntax failure becomes: filters answer `invalidFilter` (RFC 7644 §3.4.2.2),
/// PATCH paths answer `invalidPath` (RFC 7644 §3.5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Filter,
    Path,
}

pub(crate) struct Scanner<'a> {
    input: &'a str,
    pos: usize,
    mode: Mode,
}

/// Characters that may appear in an attribute path word: ATTRNAME characters (RFC 7643 §2.1),
/// `$` for `$ref`, and `:`/`.` for schema URNs and sub-attributes.
fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '$' | ':' | '.')
}

/// Characters that end an unquoted (bare-word) value.
fn ends_bare_value(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '"')
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(input: &'a str, mode: Mode) -> Self {
        Scanner {
            input,
            pos: 0,
            mode,
        }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.input.len()
    }

    pub(crate) fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// Moves back (or forward) to a position returned by `pos`.
    pub(crate) fn set_pos(&mut self, pos: usize) {
        self.pos = pos;
    }

    pub(crate) fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.pos += c.len_utf8();
        }
    }

    /// Consumes `c` if it is next.
    pub(crate) fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// Skips whitespace; returns whether any was skipped. RFC 7644 asks for single spaces;
    /// IdPs and humans send runs of them, so any whitespace counts.
    pub(crate) fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if !c.is_whitespace() {
                break;
            }
            self.bump();
        }
        self.pos > start
    }

    /// A maximal run of path characters (possibly empty).
    pub(crate) fn path_word(&mut self) -> &'a str {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if !is_path_char(c) {
                break;
            }
            self.bump();
        }
        &self.input[start..self.pos]
    }

    /// A maximal run of ASCII letters (operators and keywords), possibly empty.
    pub(crate) fn letters(&mut self) -> &'a str {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if !c.is_ascii_alphabetic() {
                break;
            }
            self.bump();
        }
        &self.input[start..self.pos]
    }

    /// If the next word (case-insensitively) is `keyword` and is not followed by another word
    /// character, consumes it.
    pub(crate) fn eat_keyword(&mut self, keyword: &str) -> bool {
        let rest = self.rest();
        let Some(head) = rest.get(..keyword.len()) else {
            return false;
        };
        if !head.eq_ignore_ascii_case(keyword) {
            return false;
        }
        let next = rest[keyword.len()..].chars().next();
        if next.is_some_and(is_path_char) {
            return false;
        }
        self.pos += keyword.len();
        true
    }

    /// A comparison value. RFC 7644 §3.4.2.2:
    ///
    /// ```text
    /// compValue = false / null / true / number / string
    ///             ; rules from JSON (RFC 7159)
    /// ```
    ///
    /// So a value is exactly a JSON literal: a double-quoted string, a number, or one of the
    /// lower-case keywords (JSON keywords are case-sensitive: `True` is not `true`). A bare
    /// word (`bob`, an unquoted date or GUID) or a single-quoted string (`'bob'`) is refused:
    /// guessing what it meant would make `userName eq true` and `userName eq bob` follow
    /// different rules, and real IdP traffic quotes its values.
    pub(crate) fn value(&mut self) -> ScimResult<Literal> {
        let start = self.pos;
        match self.peek() {
            None => Err(self.expected("a value")),
            Some('"') => self.string().map(Literal::String),
            Some(c) if ends_bare_value(c) => Err(self.expected("a value")),
            Some(_) => {
                while let Some(c) = self.peek() {
                    if ends_bare_value(c) {
                        break;
                    }
                    self.bump();
                }
                let word = &self.input[start..self.pos];
                bare_literal(word).ok_or_else(|| self.error_at(start, &not_a_value(word)))
            }
        }
    }

    /// A JSON string (RFC 8259 §7) with every escape, starting at the opening quote.
    fn string(&mut self) -> ScimResult<String> {
        let start = self.pos;
        self.bump(); // opening quote
        loop {
            match self.peek() {
                None => {
                    self.pos = start;
                    return Err(self.error("unterminated string"));
                }
                Some('"') => {
                    self.bump();
                    break;
                }
                Some('\\') => {
                    self.bump();
                    self.bump();
                }
                Some(_) => self.bump(),
            }
        }
        let raw = &self.input[start..self.pos];
        serde_json::from_str::<String>(raw).map_err(|e| {
            self.error_at(
                start,
                &format!("invalid string literal ({})", serde_reason(&e)),
            )
        })
    }

    /// `Invalid filter at position N: <what>.`
    pub(crate) fn error(&self, what: &str) -> ScimError {
        self.error_at(self.pos, what)
    }

    /// As `error`, at byte offset `at` of the input.
    pub(crate) fn error_at(&self, at: usize, what: &str) -> ScimError {
        let position = self.input.get(..at).map_or(0, |s| s.chars().count()) + 1;
        let detail = match self.mode {
            Mode::Filter => format!("Invalid filter at position {position}: {what}."),
            Mode::Path => format!("Invalid path at position {position}: {what}."),
        };
        match self.mode {
            Mode::Filter => ScimError::invalid_filter(detail),
            Mode::Path => ScimError::invalid_path(detail),
        }
    }

    /// `expected <what>, found "<next word>"` (or `found the end of the input`).
    pub(crate) fn expected(&self, what: &str) -> ScimError {
        self.error(&format!("expected {what}, found {}", self.found()))
    }

    /// A short quotation of the input at the current position.
    pub(crate) fn found(&self) -> String {
        let rest = self.rest();
        if rest.is_empty() {
            return "the end of the input".to_owned();
        }
        let mut word: String = rest
            .chars()
            .take_while(|c| !c.is_whitespace())
            .take(20)
            .collect();
        if word.is_empty() {
            word = rest.chars().take(1).collect();
        }
        format!("\"{word}\"")
    }
}

/// The literal an unquoted word denotes: a JSON keyword (case-sensitively, as JSON has them)
/// or a JSON number; anything else is no value at all.
fn bare_literal(word: &str) -> Option<Literal> {
    match word {
        "true" => Some(Literal::Bool(true)),
        "false" => Some(Literal::Bool(false)),
        "null" => Some(Literal::Null),
        _ => parse_json_number(word).map(Literal::Number),
    }
}

/// Why `word` is not a comparison value, with the likely fix.
fn not_a_value(word: &str) -> String {
    let quoted: String = word
        .chars()
        .take(20)
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    let hint = if word.starts_with('\'') {
        "strings are enclosed in double quotes, not single quotes"
    } else if ["true", "false", "null"]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(word))
    {
        "true, false and null are lower-case"
    } else {
        "a value is a double-quoted string, a number, true, false or null"
    };
    format!("\"{quoted}\" is not a value ({hint})")
}

/// A JSON number (RFC 8259 §6), or `None` if `word` is not exactly one.
fn parse_json_number(word: &str) -> Option<serde_json::Number> {
    let first = word.chars().next()?;
    if !(first == '-' || first.is_ascii_digit()) {
        return None;
    }
    match serde_json::from_str::<serde_json::Value>(word) {
        // serde_json (without `float_roundtrip`) may round a long decimal to a neighbouring
        // f64, so a printed filter would re-parse to a different value; Rust's parser rounds
        // correctly. serde_json still decides what is a JSON number.
        Ok(serde_json::Value::Number(n)) if n.is_f64() => word
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64),
        Ok(serde_json::Value::Number(n)) => Some(n),
        _ => None,
    }
}

/// serde_json's message without its "at line 1 column N" suffix (we give our own position).
fn serde_reason(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(s: &str) -> ScimResult<Literal> {
        Scanner::new(s, Mode::Filter).value()
    }

    /// Found by fuzz/fuzz_targets/filter_roundtrip.rs when bare words were still taken as
    /// strings: a bare value full of control characters printed quoted and escaped, longer than
    /// the input limit. Bare values are no values now; the input is refused for that.
    #[test]
    fn the_fuzz_input_of_escaped_bare_values_is_refused() {
        use crate::core::filter::parse_filter;
        let input = include_bytes!("fuzz_long_escapes.bin");
        let err = parse_filter(std::str::from_utf8(input).unwrap()).unwrap_err();
        assert!(err.detail.contains("is not a value"), "{}", err.detail);
        // The control characters are quoted escaped, not raw, in the message.
        assert!(!err.detail.contains('\u{0}'), "{}", err.detail);
        // Quoted, control characters round-trip through the printed form.
        let quoted = parse_filter("userName sw \"a\\u0001b\"").unwrap();
        assert_eq!(parse_filter(&quoted.to_string()).unwrap(), quoted);
    }

    /// Found by fuzz/fuzz_targets/filter_roundtrip.rs and patch_path.rs: long decimals were
    /// rounded to a neighbouring f64, so the printed filter re-parsed to another value.
    #[test]
    fn long_numbers_round_trip_through_their_printed_form() {
        use crate::core::filter::{parse_filter, parse_patch_path};
        for input in [
            "rAamszg  le 30030303000000879660488",
            "aarsp-v[e eq 13777777777777777778]",
            "x eq 0.1000000000000000055511151231257827",
            "x eq 179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        ] {
            let filter = parse_filter(input).unwrap();
            let printed = filter.to_string();
            assert_eq!(parse_filter(&printed).unwrap(), filter, "{printed}");
        }
        let path = parse_patch_path("aarsp-v[e eq 13777777777777777778]").unwrap();
        assert_eq!(parse_patch_path(&path.to_string()).unwrap(), path);
        assert_eq!(
            value("30030303000000879660488").unwrap(),
            Literal::Number(serde_json::Number::from_f64(3.003030300000088e22).unwrap())
        );
    }

    #[test]
    fn strings_decode_every_json_escape() {
        assert_eq!(
            value(r#""a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00""#).unwrap(),
            Literal::String("a\"b\\c/d\u{8}\u{c}\n\r\té😀".into())
        );
    }

    #[test]
    fn bare_words_are_json_keywords_or_numbers_or_nothing() {
        assert_eq!(value("true").unwrap(), Literal::Bool(true));
        assert_eq!(value("false").unwrap(), Literal::Bool(false));
        assert_eq!(value("null").unwrap(), Literal::Null);
        assert_eq!(value("12").unwrap(), Literal::Number(12.into()));
        assert_eq!(
            value("-1.5e3").unwrap(),
            Literal::Number(serde_json::Number::from_f64(-1500.0).unwrap())
        );
        for word in [
            "jyoung",
            "9edf3db5-7a1e",
            "TRUE",
            "Null",
            "'x'",
            "1e999",
            "00",
        ] {
            let e = value(word).unwrap_err();
            assert!(e.detail.contains("is not a value"), "{word}: {}", e.detail);
        }
    }

    #[test]
    fn bad_escapes_and_unterminated_strings_name_the_string_start() {
        let e = value(r#""abc\x""#).unwrap_err();
        assert!(
            e.detail
                .starts_with("Invalid filter at position 1: invalid string literal"),
            "{}",
            e.detail
        );
        let e = value(r#""abc"#).unwrap_err();
        assert_eq!(
            e.detail,
            "Invalid filter at position 1: unterminated string."
        );
        let e = value("\"a\u{1}\"").unwrap_err();
        assert!(e.detail.contains("invalid string literal"));
    }

    #[test]
    fn keywords_need_a_word_boundary() {
        let mut s = Scanner::new("andx", Mode::Filter);
        assert!(!s.eat_keyword("and"));
        let mut s = Scanner::new("AND(", Mode::Filter);
        assert!(s.eat_keyword("and"));
        assert_eq!(s.rest(), "(");
    }
}
