//! One SQL comparison: an operand (a column or a `json_extract` of the stored document) with
//! the SCIM type that decides which operators apply, compiled to a two-valued SQL predicate
//! with bound parameters only (RFC 7644 §3.4.2.2 operator semantics).
//!
//! Every predicate this module writes is 0 or 1, never NULL: a nullable operand is guarded
//! with `x IS NOT NULL AND ...`. That keeps `not (...)` and `ne` (= `not eq`) exact under
//! SQL's three-valued logic: an absent attribute is "not equal" to anything.

use crate::core::datetime::normalize_datetime;
use crate::core::db::SqlValue;
use crate::core::error::{ScimError, ScimResult};
use crate::core::filter::ast::{CompareOp, Literal};
use crate::core::filter::eval::parse_bool;

/// How a string operand is case-folded for a `caseExact: false` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fold {
    /// caseExact: compare as stored.
    Exact,
    /// A `*_ci` column holding Rust `to_lowercase()` of the value: fold the parameter the same
    /// way, and the column's index answers the comparison.
    Column,
    /// A JSON value: compare `lower(x)`. SQLite's `lower()` folds ASCII only (no ICU in D1), so
    /// the parameter is folded with `to_ascii_lowercase` to match exactly what `lower()` does;
    /// non-ASCII letters compare case-sensitively.
    Sql,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Text(Fold),
    Binary,
    Bool,
    Number,
    DateTime,
}

/// A value the filter can compare: SQL expression text built from schema names only.
#[derive(Debug, Clone)]
pub(crate) struct Operand {
    pub expr: String,
    pub kind: Kind,
    pub nullable: bool,
    /// The canonical attribute name, for error details.
    pub name: String,
}

impl Operand {
    /// `attr pr`: null, `""` (and for JSON objects/arrays `{}`/`[]`) are absent.
    pub fn present(&self) -> String {
        let e = &self.expr;
        match (self.kind, self.nullable) {
            (Kind::Text(_) | Kind::Binary, true) => format!("({e} IS NOT NULL AND {e} <> '')"),
            (Kind::Text(_) | Kind::Binary, false) => format!("({e} <> '')"),
            (_, true) => format!("({e} IS NOT NULL)"),
            (_, false) => "1".to_owned(),
        }
    }

    /// `attr op value`. `ne` is compiled as `NOT (eq)`.
    pub fn compare(
        &self,
        op: CompareOp,
        literal: &Literal,
        params: &mut Vec<SqlValue>,
    ) -> ScimResult<String> {
        if let Literal::Null = literal {
            return match op {
                CompareOp::Eq => Ok(format!("NOT {}", self.present())),
                CompareOp::Ne => Ok(self.present()),
                _ => Err(ScimError::invalid_filter(format!(
                    "The filter compares {} with null using \"{op}\"; null only works with \"eq\" and \"ne\".",
                    self.name
                ))),
            };
        }
        if op == CompareOp::Ne {
            return Ok(format!(
                "NOT {}",
                self.compare(CompareOp::Eq, literal, params)?
            ));
        }
        let cmp = match self.kind {
            Kind::Text(fold) => self.text(fold, op, self.string(literal)?, params),
            Kind::Binary => {
                let v = self.string(literal)?;
                self.only_eq(op, "binary")?;
                params.push(v.into());
                format!("{} = ?", self.expr)
            }
            Kind::Bool => {
                let b = match literal {
                    Literal::Bool(b) => *b,
                    // IdPs send booleans as strings (Entra's "False":
                    // AzureAD/SCIMReferenceCode#21); accept "true"/"false".
                    Literal::String(s) => {
                        parse_bool(s).ok_or_else(|| self.mismatch("a boolean", literal))?
                    }
                    _ => return Err(self.mismatch("a boolean", literal)),
                };
                // RFC 7644 §3.4.2.2: gt/ge/lt/le on a boolean is 400 invalidFilter.
                self.only_eq(op, "boolean")?;
                params.push(SqlValue::Integer(b as i64));
                format!("{} = ?", self.expr)
            }
            Kind::Number => {
                let Literal::Number(n) = literal else {
                    return Err(self.mismatch("a number", literal));
                };
                self.ordered_only(op, "number")?;
                params.push(match (n.as_i64(), n.as_f64()) {
                    (Some(i), _) => SqlValue::Integer(i),
                    (None, Some(f)) => SqlValue::Real(f),
                    (None, None) => return Err(self.mismatch("a number", literal)),
                });
                format!("{} {} ?", self.expr, sql_operator(op))
            }
            Kind::DateTime => {
                let s = self.string(literal)?;
                let Some(normal) = normalize_datetime(&s) else {
                    return Err(ScimError::invalid_filter(format!(
                        "The filter compares {} with {literal}, which is not a dateTime such as \"2024-01-31T12:00:00Z\".",
                        self.name
                    )));
                };
                self.ordered_only(op, "dateTime")?;
                params.push(normal.into());
                format!("{} {} ?", self.expr, sql_operator(op))
            }
        };
        Ok(if self.nullable {
            format!("({} IS NOT NULL AND {cmp})", self.expr)
        } else {
            format!("({cmp})")
        })
    }

    fn text(&self, fold: Fold, op: CompareOp, v: String, params: &mut Vec<SqlValue>) -> String {
        let e = &self.expr;
        let v = match fold {
            Fold::Exact => v,
            Fold::Column => v.to_lowercase(),
            Fold::Sql => v.to_ascii_lowercase(),
        };
        let folded = match fold {
            Fold::Sql => format!("lower({e})"),
            _ => e.clone(),
        };
        match op {
            CompareOp::Co | CompareOp::Sw | CompareOp::Ew if v.is_empty() => "1".to_owned(),
            // LIKE ignores ASCII case, so caseExact matching uses instr/substr; so does a
            // pattern longer than D1 allows in LIKE (50 bytes), on the folded expression.
            CompareOp::Co | CompareOp::Sw | CompareOp::Ew
                if fold == Fold::Exact || escape_like(&v).len() + 2 > MAX_LIKE_PATTERN_BYTES =>
            {
                let len = v.chars().count() as i64;
                match op {
                    CompareOp::Co => {
                        params.push(v.into());
                        format!("instr({folded}, ?) > 0")
                    }
                    CompareOp::Sw => {
                        params.push(SqlValue::Integer(len));
                        params.push(v.into());
                        format!("substr({folded}, 1, ?) = ?")
                    }
                    _ => {
                        params.push(SqlValue::Integer(-len));
                        params.push(v.into());
                        format!("substr({folded}, ?) = ?")
                    }
                }
            }
            CompareOp::Co | CompareOp::Sw | CompareOp::Ew => {
                let escaped = escape_like(&v);
                params.push(
                    match op {
                        CompareOp::Co => format!("%{escaped}%"),
                        CompareOp::Sw => format!("{escaped}%"),
                        _ => format!("%{escaped}"),
                    }
                    .into(),
                );
                format!("{e} LIKE ? ESCAPE '\\'")
            }
            _ => {
                params.push(v.into());
                format!("{folded} {} ?", sql_operator(op))
            }
        }
    }

    fn string(&self, literal: &Literal) -> ScimResult<String> {
        match literal {
            Literal::String(s) => Ok(s.clone()),
            _ => Err(self.mismatch("a string", literal)),
        }
    }

    fn only_eq(&self, op: CompareOp, what: &str) -> ScimResult<()> {
        if op == CompareOp::Eq {
            return Ok(());
        }
        Err(ScimError::invalid_filter(format!(
            "The operator \"{op}\" cannot be used with the {what} attribute {}; use \"eq\", \"ne\" or \"pr\".",
            self.name
        )))
    }

    fn ordered_only(&self, op: CompareOp, what: &str) -> ScimResult<()> {
        if matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew) {
            return Err(ScimError::invalid_filter(format!(
                "The operator \"{op}\" cannot be used with the {what} attribute {}; it applies to strings.",
                self.name
            )));
        }
        Ok(())
    }

    fn mismatch(&self, expected: &str, literal: &Literal) -> ScimError {
        ScimError::invalid_filter(format!(
            "The filter compares {} with {literal}, but {} takes {expected}.",
            self.name, self.name
        ))
    }
}

fn sql_operator(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => "=",
        CompareOp::Ne => "<>",
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => "=",
    }
}

/// D1 refuses LIKE and GLOB patterns longer than 50 bytes (D1 platform limits).
pub(crate) const MAX_LIKE_PATTERN_BYTES: usize = 50;

/// Escapes `\`, `%` and `_` for `LIKE ... ESCAPE '\'`.
pub(crate) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
