//! `Database` over a D1 binding: a list of statements becomes one `batch()` call, which D1
//! runs atomically in one round trip.

use crate::core::db::{Database, DbError, Row, SqlValue, Statement, StatementResult};
use std::cell::OnceCell;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1DatabaseSession, D1PreparedStatement, D1Result, D1SessionConstraint};

pub(crate) struct D1 {
    db: D1Database,
    /// This request's read session (`first-unconstrained`), made on the first replica read.
    session: OnceCell<D1DatabaseSession>,
}

impl D1 {
    pub(crate) fn new(db: D1Database) -> D1 {
        D1 {
            db,
            session: OnceCell::new(),
        }
    }
}

fn bind_value(value: &SqlValue) -> JsValue {
    match value {
        SqlValue::Null => JsValue::NULL,
        // D1 receives JavaScript numbers; the core keeps integers within 2^53.
        SqlValue::Integer(n) => JsValue::from_f64(*n as f64),
        SqlValue::Real(x) => JsValue::from_f64(*x),
        SqlValue::Text(s) => JsValue::from_str(s),
    }
}

fn db_error(e: impl std::fmt::Display) -> DbError {
    DbError {
        message: e.to_string(),
    }
}

fn prepare(
    statements: &[Statement],
    make: impl Fn(&str) -> D1PreparedStatement,
) -> Result<Vec<D1PreparedStatement>, DbError> {
    let mut prepared = Vec::with_capacity(statements.len());
    for statement in statements {
        let params: Vec<JsValue> = statement.params.iter().map(bind_value).collect();
        prepared.push(
            make(statement.sql.as_str())
                .bind(&params)
                .map_err(db_error)?,
        );
    }
    Ok(prepared)
}

fn read_results(results: Vec<D1Result>) -> Result<Vec<StatementResult>, DbError> {
    results
        .into_iter()
        .map(|result| {
            if let Some(error) = result.error() {
                return Err(DbError { message: error });
            }
            let rows: Vec<Row> = result.results::<Row>().map_err(db_error)?;
            let changes = result
                .meta()
                .ok()
                .flatten()
                .and_then(|m| m.changes)
                .map(|n| n as u64);
            Ok(StatementResult { rows, changes })
        })
        .collect()
}

impl Database for D1 {
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<StatementResult>, DbError> {
        let prepared = prepare(&statements, |sql| self.db.prepare(sql))?;
        read_results(self.db.batch(prepared).await.map_err(db_error)?)
    }

    async fn batch_replica(
        &self,
        statements: Vec<Statement>,
    ) -> Result<Vec<StatementResult>, DbError> {
        if self.session.get().is_none() {
            let session = self
                .db
                .with_session_constraint(D1SessionConstraint::FirstUnconstrained)
                .map_err(db_error)?;
            let _ = self.session.set(session);
        }
        let session = self.session.get().expect("set above");
        let prepared = prepare(&statements, |sql| session.prepare(sql))?;
        read_results(session.batch(prepared).await.map_err(db_error)?)
    }
}
