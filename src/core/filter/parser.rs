//! The recursive-descent filter and PATCH-path parser (RFC 7644 §3.4.2.2, §3.5.2).
//!
//! Grammar accepted (precedence `not` > `and` > `or`, both binary operators left-associative):
//!
//! ```text
//! filter    = or
//! or        = and *("or" and)
//! and       = unary *("and" unary)
//! unary     = "not" *WSP "(" filter ")" / "(" filter ")" / attrExp / valuePath
//! attrExp   = attrPath WSP "pr" / attrPath WSP compareOp WSP compValue
//! valuePath = attrPath "[" valFilter "]" ["." subAttr WSP ("pr" / compareOp WSP compValue)]
//! attrPath  = [URN ":"] ATTRNAME ["." subAttr]
//! ```
//!
//! The trailing `"." subAttr op value` after a value path is not RFC 7644 grammar but Entra
//! sends it (`emails[type eq "work"].value eq "x"`, [MS-TUT]); it is desugared to
//! `emails[type eq "work" and value eq "x"]`, which means the same: both conditions hold on the
//! same element.

use crate::core::error::ScimResult;
use crate::core::filter::ast::{AttrPath, CompareOp, Filter, PatchPath};
use crate::core::filter::lexer::{Mode, Scanner};

/// Longest filter accepted, in bytes. Real IdP filters are under 300 bytes; the limit bounds
/// parse time and the size of the SQL built from the filter.
pub const MAX_FILTER_LEN: usize = 4096;
/// Deepest nesting of parentheses, `not (...)` and value paths. Bounds the parser's recursion
/// (no stack overflow on hostile input) and every later walk of the tree.
pub const MAX_FILTER_DEPTH: usize = 32;
/// Most comparisons (`attr op value` or `attr pr`) in one filter. Bounds the length of `and`
/// / `or` chains, which the parser builds without recursion but later tree walks recurse over,
/// and keeps the SQL within D1's bound-parameter limit.
pub const MAX_FILTER_COMPARISONS: usize = 40;

/// Parses a `filter` query parameter (RFC 7644 §3.4.2.2). Every syntax error is
/// `400 invalidFilter` with the 1-based character position and what was expected.
pub fn parse_filter(input: &str) -> ScimResult<Filter> {
    let mut p = Parser::new(input, Mode::Filter);
    if input.len() > MAX_FILTER_LEN {
        return Err(p.s.error_at(
            0,
            &format!("the filter is longer than {MAX_FILTER_LEN} bytes"),
        ));
    }
    let filter = p.or_expr(false)?;
    p.s.skip_ws();
    if !p.s.at_end() {
        if p.s.peek() == Some(')') {
            return Err(p.s.error("unmatched \")\""));
        }
        return Err(p.s.expected("\"and\", \"or\" or the end of the filter"));
    }
    Ok(filter)
}

/// Parses a PATCH operation `path` (RFC 7644 §3.5.2: `PATH = attrPath / valuePath [subAttr]`).
/// Errors are `400 invalidPath` with a position.
pub fn parse_patch_path(input: &str) -> ScimResult<PatchPath> {
    let mut p = Parser::new(input, Mode::Path);
    if input.len() > MAX_FILTER_LEN {
        return Err(p.s.error_at(
            0,
            &format!("the path is longer than {MAX_FILTER_LEN} bytes"),
        ));
    }
    p.s.skip_ws();
    let attr = p.attr_path(false)?;
    let mut path = PatchPath {
        attr,
        filter: None,
        sub_after_filter: None,
    };
    if p.s.peek() == Some('[') {
        let (attr, filter) = p.value_filter(path.attr)?;
        path.attr = attr;
        path.filter = Some(filter);
        if p.s.eat('.') {
            path.sub_after_filter = Some(p.sub_attr_name()?);
        }
    }
    p.s.skip_ws();
    if !p.s.at_end() {
        return Err(p.s.expected("the end of the path"));
    }
    Ok(path)
}

struct Parser<'a> {
    s: Scanner<'a>,
    depth: usize,
    comparisons: usize,
}

impl<'a> Parser<'a> {
    fn new(input: &'a str, mode: Mode) -> Self {
        Parser {
            s: Scanner::new(input, mode),
            depth: 0,
            comparisons: 0,
        }
    }

    fn enter(&mut self) -> ScimResult<()> {
        self.depth += 1;
        if self.depth > MAX_FILTER_DEPTH {
            return Err(self
                .s
                .error(&format!("nesting is deeper than {MAX_FILTER_DEPTH} levels")));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn count_comparison(&mut self, at: usize) -> ScimResult<()> {
        self.comparisons += 1;
        if self.comparisons > MAX_FILTER_COMPARISONS {
            return Err(self.s.error_at(
                at,
                &format!("the filter has more than {MAX_FILTER_COMPARISONS} comparisons"),
            ));
        }
        Ok(())
    }

    /// `or = and *("or" and)`, folded to the left without recursion.
    fn or_expr(&mut self, relative: bool) -> ScimResult<Filter> {
        let mut left = self.and_expr(relative)?;
        loop {
            let before = self.s.pos();
            self.s.skip_ws();
            if !self.s.eat_keyword("or") {
                self.s.set_pos(before);
                return Ok(left);
            }
            let right = self.and_expr(relative)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
    }

    /// `and = unary *("and" unary)`.
    fn and_expr(&mut self, relative: bool) -> ScimResult<Filter> {
        let mut left = self.unary(relative)?;
        loop {
            let before = self.s.pos();
            self.s.skip_ws();
            if !self.s.eat_keyword("and") {
                self.s.set_pos(before);
                return Ok(left);
            }
            let right = self.unary(relative)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
    }

    /// `unary = "not" "(" filter ")" / "(" filter ")" / attrExp / valuePath`. `relative` is
    /// true inside `[...]`, where paths name sub-attributes and value paths may not nest
    /// (RFC 7644 §3.4.2.2 `valFilter`).
    fn unary(&mut self, relative: bool) -> ScimResult<Filter> {
        self.s.skip_ws();
        if self.s.peek() == Some('(') {
            return self.parenthesised(relative);
        }
        let before_not = self.s.pos();
        if self.s.eat_keyword("not") {
            self.s.skip_ws();
            if self.s.peek() == Some('(') {
                let inner = self.parenthesised(relative)?;
                return Ok(Filter::Not(Box::new(inner)));
            }
            // RFC 7644 requires parentheses after `not`; without them `not` is read as an
            // attribute name, and reported as such if it is not one.
            self.s.set_pos(before_not);
        }
        self.attr_exp(relative)
    }

    fn parenthesised(&mut self, relative: bool) -> ScimResult<Filter> {
        self.enter()?;
        self.s.bump(); // "("
        let inner = self.or_expr(relative)?;
        self.s.skip_ws();
        if !self.s.eat(')') {
            return Err(self.s.expected("\"and\", \"or\" or \")\""));
        }
        self.leave();
        Ok(inner)
    }

    /// `attrPath "pr"`, `attrPath compareOp compValue`, or a value path.
    fn attr_exp(&mut self, relative: bool) -> ScimResult<Filter> {
        let start = self.s.pos();
        let path = self.attr_path(relative)?;
        if self.s.peek() == Some('[') {
            if relative {
                return Err(self.s.error("value filters cannot be nested"));
            }
            let (attr, filter) = self.value_filter(path)?;
            if self.s.eat('.') {
                // Entra's `emails[type eq "work"].value eq "x"`: see the module comment.
                let sub_start = self.s.pos();
                let sub = AttrPath {
                    urn: None,
                    name: self.sub_attr_name()?,
                    sub: None,
                };
                let condition = self.operator_and_value(sub, sub_start)?;
                return Ok(Filter::ValuePath {
                    attr,
                    filter: Box::new(Filter::And(Box::new(filter), Box::new(condition))),
                });
            }
            return Ok(Filter::ValuePath {
                attr,
                filter: Box::new(filter),
            });
        }
        self.operator_and_value(path, start)
    }

    /// After a path: WSP then `pr`, or a comparison operator, WSP and a value.
    fn operator_and_value(&mut self, path: AttrPath, start: usize) -> ScimResult<Filter> {
        self.count_comparison(start)?;
        self.s.skip_ws();
        let op_start = self.s.pos();
        let word = self.s.letters().to_ascii_lowercase();
        let op = match word.as_str() {
            "pr" => return Ok(Filter::Present(path)),
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "lt" => CompareOp::Lt,
            "ge" => CompareOp::Ge,
            "le" => CompareOp::Le,
            _ => {
                self.s.set_pos(op_start);
                return Err(self.s.expected("a comparison operator or \"pr\""));
            }
        };
        if self.s.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.s.set_pos(op_start);
            return Err(self.s.expected("a comparison operator or \"pr\""));
        }
        self.s.skip_ws();
        let value = self.s.value()?;
        Ok(Filter::Compare { path, op, value })
    }

    /// `"[" valFilter "]"`, the scanner being at `[`. The path must be a whole attribute.
    fn value_filter(&mut self, attr: AttrPath) -> ScimResult<(AttrPath, Filter)> {
        if attr.sub.is_some() {
            return Err(self
                .s
                .error("a value filter must follow an attribute, not a sub-attribute"));
        }
        self.enter()?;
        self.s.bump(); // "["
        let filter = self.or_expr(true)?;
        self.s.skip_ws();
        if !self.s.eat(']') {
            return Err(self.s.expected("\"and\", \"or\" or \"]\""));
        }
        self.leave();
        Ok((attr, filter))
    }

    /// `[URN ":"] ATTRNAME ["." subAttr]`; inside a value filter only `ATTRNAME`.
    fn attr_path(&mut self, relative: bool) -> ScimResult<AttrPath> {
        let start = self.s.pos();
        let word = self.s.path_word();
        if word.is_empty() {
            return Err(self.s.expected(if relative {
                "a sub-attribute name"
            } else {
                "an attribute path"
            }));
        }
        let (urn, local, local_start) = match word.rfind(':') {
            Some(colon) => {
                let urn = &word[..colon];
                if relative || !urn.get(..4).is_some_and(|h| h.eq_ignore_ascii_case("urn:")) {
                    return Err(self.s.error_at(
                        start,
                        &format!("expected an attribute name, found \"{word}\""),
                    ));
                }
                (Some(urn.to_owned()), &word[colon + 1..], start + colon + 1)
            }
            None => (None, word, start),
        };
        let (name, sub) = match local.split_once('.') {
            Some((name, sub)) => (name, Some(sub)),
            None => (local, None),
        };
        if !is_attr_name(name) {
            return Err(self.s.error_at(
                local_start,
                &format!("expected an attribute name, found \"{local}\""),
            ));
        }
        if let Some(sub) = sub {
            if relative || !is_attr_name(sub) {
                return Err(self.s.error_at(
                    local_start + name.len() + 1,
                    &format!("expected a sub-attribute name, found \"{sub}\""),
                ));
            }
        }
        Ok(AttrPath {
            urn,
            name: name.to_owned(),
            sub: sub.map(str::to_owned),
        })
    }

    /// A bare `ATTRNAME` (after `].`).
    fn sub_attr_name(&mut self) -> ScimResult<String> {
        let start = self.s.pos();
        let word = self.s.path_word();
        if !is_attr_name(word) {
            self.s.set_pos(start);
            return Err(self.s.expected("a sub-attribute name"));
        }
        Ok(word.to_owned())
    }
}

/// RFC 7643 §2.1: `ATTRNAME = ALPHA *(nameChar)`, `nameChar = "-" / "_" / DIGIT / ALPHA`, plus
/// the `$ref` sub-attribute of references.
fn is_attr_name(s: &str) -> bool {
    if s.eq_ignore_ascii_case("$ref") {
        return true;
    }
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
