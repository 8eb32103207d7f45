//! A store operation as a value: the statements to send as one atomic batch, and the function
//! that decodes their results into a typed outcome. The service runs a plan (`Ctx::run`, one
//! round trip) and matches on the outcome; it never sees a result list.
//!
//! Decoding is by handle, not by position in the batch: `PlanBuilder::push` returns a
//! `Handle` for each of the plan's own statements, and the decoder reads those handles. A
//! write plan also has a *side-effect slot*: the place in its batch where the write has
//! happened (or, for a delete, where the row is about to go) and `Applied` — an SQL condition
//! that is true there exactly when this request's write applied. Statements added with
//! `Plan::with_side_effect` go into that slot (counts today, events tomorrow) and never move
//! the decoder's handles, so any number of them keep the batch at one round trip.
//!
//! Rows are read into `#[derive(Deserialize)]` structs, the way workers-rs reads
//! `D1Result::results::<T>()`. D1 returns every number as a JavaScript float; `read_row` turns
//! whole floats back into integers first, so `1.0` decodes into an `i64` field.

use crate::core::db::{Row, SqlValue, Statement, StatementResult};
use serde::de::DeserializeOwned;
use serde_json::{Number, Value};

/// A plan's own statement, for reading its result in the decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handle(usize);

/// A result that does not have the shape its plan expects (a store defect, logged as a 500).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError(pub String);

type Decoder<T> = Box<dyn FnOnce(&mut Results) -> Result<T, DecodeError>>;

/// The SQL condition "this request's write applied", valid at a write plan's side-effect
/// slot: the row `id` of `table` in `org` carries the write's fresh random `version` (no
/// other request can have written that version). For a delete, the row is still there at the
/// slot, stamped with the version, so side effects can read what is being deleted.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub table: &'static str,
    pub org: String,
    pub id: String,
    pub version: i64,
}

impl Applied {
    /// `EXISTS (...)` with the org, id and version bound as `?{first}`, `?{first+1}`,
    /// `?{first+2}`; bind `self.params()` there.
    pub fn condition(&self, first: usize) -> String {
        format!(
            "EXISTS (SELECT 1 FROM {} WHERE org = ?{} AND id = ?{} AND version = ?{})",
            self.table,
            first,
            first + 1,
            first + 2
        )
    }

    pub fn params(&self) -> [SqlValue; 3] {
        [
            self.org.as_str().into(),
            self.id.as_str().into(),
            self.version.into(),
        ]
    }
}

/// Statements plus their decoder. See the module documentation.
pub struct Plan<T> {
    statements: Vec<Statement>,
    /// Where in `statements` each own statement (by `Handle`) sits.
    own: Vec<usize>,
    /// The side-effect slot of a write: insertion index into `statements`, and its guard.
    slot: Option<(usize, Applied)>,
    decode: Decoder<T>,
}

/// Builds a plan: push its statements, mark the side-effect slot of a write, then `finish`
/// with the decoder.
#[derive(Default)]
pub struct PlanBuilder {
    statements: Vec<Statement>,
    slot: Option<(usize, Applied)>,
}

impl PlanBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, statement: Statement) -> Handle {
        self.statements.push(statement);
        Handle(self.statements.len() - 1)
    }

    /// Several statements whose results are read together (e.g. chunks of one query).
    pub fn extend(&mut self, statements: impl IntoIterator<Item = Statement>) -> Vec<Handle> {
        statements.into_iter().map(|s| self.push(s)).collect()
    }

    /// Marks the current position as the side-effect slot, guarded by `applied`.
    pub fn side_effect_slot(&mut self, applied: Applied) {
        self.slot = Some((self.statements.len(), applied));
    }

    pub fn finish<T>(
        self,
        decode: impl FnOnce(&mut Results) -> Result<T, DecodeError> + 'static,
    ) -> Plan<T> {
        let own = (0..self.statements.len()).collect();
        Plan {
            statements: self.statements,
            own,
            slot: self.slot,
            decode: Box::new(decode),
        }
    }
}

impl<T: 'static> Plan<T> {
    /// A plan of one statement whose result `decode` reads.
    pub fn single(
        statement: Statement,
        decode: impl FnOnce(StatementResult) -> Result<T, DecodeError> + 'static,
    ) -> Plan<T> {
        let mut b = PlanBuilder::new();
        let h = b.push(statement);
        b.finish(move |r| decode(r.take(h)))
    }

    /// The statements, in batch order (side effects included).
    #[cfg(test)]
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// Adds the statement `build` makes from the write's `Applied` guard to the side-effect
    /// slot (after those added before). The statement must guard itself with it (see
    /// `Applied::condition`) so it takes effect exactly when the write does; its result is not
    /// read, and the decoder's handles do not move. Side effects belong to writes: a plan
    /// without a slot (a read) is returned unchanged (a defect caught in debug builds).
    pub fn with_side_effect(mut self, build: impl FnOnce(&Applied) -> Statement) -> Plan<T> {
        let Some((at, applied)) = &mut self.slot else {
            debug_assert!(false, "side effects belong to write plans");
            return self;
        };
        let here = *at;
        *at += 1;
        let statement = build(applied);
        self.statements.insert(here, statement);
        for index in &mut self.own {
            if *index >= here {
                *index += 1;
            }
        }
        self
    }

    /// Changes what the plan decodes into.
    pub fn map<U: 'static>(self, f: impl FnOnce(T) -> U + 'static) -> Plan<U> {
        let decode = self.decode;
        Plan {
            statements: self.statements,
            own: self.own,
            slot: self.slot,
            decode: Box::new(move |r| decode(r).map(f)),
        }
    }

    /// Both plans in one batch (this one's statements first); decodes to both outcomes. The
    /// side-effect slot is this plan's, else `other`'s.
    pub fn join<U: 'static>(self, other: Plan<U>) -> Plan<(T, U)> {
        let offset = self.statements.len();
        let split = self.own.len();
        let mut statements = self.statements;
        statements.extend(other.statements);
        let mut own = self.own;
        own.extend(other.own.iter().map(|i| i + offset));
        let slot = self
            .slot
            .or_else(|| other.slot.map(|(at, a)| (at + offset, a)));
        let (first, second) = (self.decode, other.decode);
        Plan {
            statements,
            own,
            slot,
            decode: Box::new(move |r| {
                let mut rest = r.split_off(split);
                Ok((first(r)?, second(&mut rest)?))
            }),
        }
    }

    /// How many statements the plan sends (side effects included).
    pub fn statement_count(&self) -> usize {
        self.statements.len()
    }

    /// Several plans in one batch, in order; decodes to each one's outcome. Each plan's
    /// statements stay together and its decoder reads only its own results, so plans that
    /// guard themselves (every write plan does) do not affect each other's outcomes. The
    /// result has no side-effect slot: side effects belong to each write, added before.
    pub fn all(plans: Vec<Plan<T>>) -> Plan<Vec<T>> {
        let mut statements = Vec::new();
        let mut own = Vec::new();
        let mut parts = Vec::with_capacity(plans.len());
        for plan in plans {
            let offset = statements.len();
            own.extend(plan.own.iter().map(|i| i + offset));
            parts.push((plan.own.len(), plan.decode));
            statements.extend(plan.statements);
        }
        Plan {
            statements,
            own,
            slot: None,
            decode: Box::new(move |r| {
                let mut outcomes = Vec::with_capacity(parts.len());
                for (count, decode) in parts {
                    let mut mine = r.split_front(count);
                    outcomes.push(decode(&mut mine)?);
                }
                Ok(outcomes)
            }),
        }
    }

    /// The statements to send, and the function that decodes the batch's results.
    pub fn into_parts(self) -> (Vec<Statement>, PlanDecoder<T>) {
        (
            self.statements,
            PlanDecoder {
                own: self.own,
                decode: self.decode,
            },
        )
    }
}

/// The decoding half of a plan whose statements were sent.
pub struct PlanDecoder<T> {
    own: Vec<usize>,
    decode: Decoder<T>,
}

impl<T> PlanDecoder<T> {
    /// Decodes the results of the whole batch (one per statement sent).
    pub fn decode(self, results: Vec<StatementResult>) -> Result<T, DecodeError> {
        let mut slots: Vec<Option<StatementResult>> = results.into_iter().map(Some).collect();
        let own = self
            .own
            .iter()
            .map(|&i| {
                slots
                    .get_mut(i)
                    .and_then(Option::take)
                    .ok_or_else(|| DecodeError(format!("no result for statement {i}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut results = Results {
            results: own.into_iter().map(Some).collect(),
        };
        (self.decode)(&mut results)
    }
}

/// The results of a plan's own statements, read by `Handle`.
pub struct Results {
    results: Vec<Option<StatementResult>>,
}

impl Results {
    /// The first `count` results (taken out of `self`).
    fn split_front(&mut self, count: usize) -> Results {
        let count = count.min(self.results.len());
        Results {
            results: self.results.drain(..count).collect(),
        }
    }

    fn split_off(&mut self, at: usize) -> Results {
        Results {
            results: self.results.split_off(at),
        }
    }

    /// The result of statement `h` (each may be taken once).
    pub fn take(&mut self, h: Handle) -> StatementResult {
        self.results
            .get_mut(h.0)
            .and_then(Option::take)
            .unwrap_or_default()
    }

    /// Every row of statement `h`, decoded.
    pub fn rows<R: DeserializeOwned>(&mut self, h: Handle) -> Result<Vec<R>, DecodeError> {
        self.take(h).rows.into_iter().map(read_row).collect()
    }

    /// The first row of statement `h`, decoded; `None` when it returned no row.
    pub fn first_row<R: DeserializeOwned>(&mut self, h: Handle) -> Result<Option<R>, DecodeError> {
        self.take(h)
            .rows
            .into_iter()
            .next()
            .map(read_row)
            .transpose()
    }

    /// The single row a statement always returns (a `SELECT` of expressions).
    pub fn one_row<R: DeserializeOwned>(&mut self, h: Handle) -> Result<R, DecodeError> {
        self.first_row(h)?
            .ok_or_else(|| DecodeError("a one-row statement returned no row".into()))
    }
}

/// Reads a row into `R`, after turning whole JavaScript floats (`1.0`) back into integers.
pub fn read_row<R: DeserializeOwned>(row: Row) -> Result<R, DecodeError> {
    let row: Row = row.into_iter().map(|(k, v)| (k, whole_number(v))).collect();
    serde_json::from_value(Value::Object(row)).map_err(|e| DecodeError(format!("row: {e}")))
}

fn whole_number(value: Value) -> Value {
    match &value {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 => {
                Value::Number(Number::from(f as i64))
            }
            _ => value,
        },
        _ => value,
    }
}

/// Deserializes a column holding JSON text (an aggregated array such as `members`).
pub fn json_text<R: DeserializeOwned>(text: Option<&str>) -> Result<Option<R>, DecodeError> {
    text.map(|t| serde_json::from_str(t).map_err(|e| DecodeError(format!("json column: {e}"))))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize, Debug, PartialEq)]
    struct R {
        n: i64,
        s: Option<String>,
    }

    fn row(v: Value) -> Row {
        v.as_object().unwrap().clone()
    }

    fn result(rows: Vec<Row>) -> StatementResult {
        StatementResult {
            rows,
            changes: None,
        }
    }

    #[test]
    fn whole_floats_decode_as_integers() {
        let r: R = read_row(row(json!({"n": 1.0, "s": null}))).unwrap();
        assert_eq!(r, R { n: 1, s: None });
        let big = (1i64 << 53) - 1;
        let r: R = read_row(row(json!({"n": big as f64, "s": "x"}))).unwrap();
        assert_eq!(r.n, big);
        assert!(read_row::<R>(row(json!({"n": 1.5, "s": null}))).is_err());
    }

    #[test]
    fn side_effects_go_into_the_slot_without_moving_handles() {
        let applied = Applied {
            table: "users",
            org: "o".into(),
            id: "i".into(),
            version: 7,
        };
        let mut b = PlanBuilder::new();
        let write = b.push(Statement::new("write", vec![]));
        b.side_effect_slot(applied);
        let after = b.push(Statement::new("after", vec![]));
        let plan = b
            .finish(move |r| {
                let w: Vec<R> = r.rows(write)?;
                let a: R = r.one_row(after)?;
                Ok((w.len(), a.n))
            })
            .with_side_effect(|a| Statement::new(format!("effect on {}", a.id), vec![]))
            .with_side_effect(|a| Statement::new(format!("effect {}", a.condition(1)), vec![]));
        let sql: Vec<&str> = plan.statements().iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            sql,
            [
                "write",
                "effect on i",
                "effect EXISTS (SELECT 1 FROM users WHERE org = ?1 AND id = ?2 AND version = ?3)",
                "after"
            ]
        );
        let (_, decoder) = plan.into_parts();
        let decoded = decoder
            .decode(vec![
                result(vec![]),
                result(vec![row(json!({"n": 99, "s": null}))]),
                result(vec![]),
                result(vec![row(json!({"n": 3.0, "s": null}))]),
            ])
            .unwrap();
        assert_eq!(decoded, (0, 3));
    }

    #[test]
    fn joined_plans_decode_their_own_results() {
        let one = Plan::single(Statement::new("a", vec![]), |r| Ok(r.rows.len()));
        let two = Plan::single(Statement::new("b", vec![]), |r| Ok(r.rows.len() * 10));
        let (_, decoder) = one.join(two).into_parts();
        let decoded = decoder
            .decode(vec![
                result(vec![Row::new()]),
                result(vec![Row::new(), Row::new()]),
            ])
            .unwrap();
        assert_eq!(decoded, (1, 20));
    }

    #[test]
    fn plans_run_together_decode_their_own_results() {
        let plans: Vec<Plan<usize>> = (1..=3)
            .map(|n| {
                let mut b = PlanBuilder::new();
                let hs = b.extend((0..n).map(|_| Statement::new("s", vec![])));
                b.finish(move |r| {
                    let mut rows = 0;
                    for h in hs {
                        rows += r.rows::<Row>(h)?.len();
                    }
                    Ok(rows)
                })
            })
            .collect();
        let all = Plan::all(plans);
        assert_eq!(all.statement_count(), 6);
        let (_, decoder) = all.into_parts();
        let rows = |n: usize| result((0..n).map(|_| Row::new()).collect());
        let decoded = decoder
            .decode(vec![rows(1), rows(0), rows(2), rows(1), rows(1), rows(1)])
            .unwrap();
        assert_eq!(decoded, vec![1, 2, 3]);
    }

    #[test]
    fn a_missing_result_is_a_decode_error() {
        let plan = Plan::single(Statement::new("a", vec![]), |r| Ok(r.rows.len()));
        let (_, decoder) = plan.into_parts();
        assert!(decoder.decode(vec![]).is_err());
    }
}
