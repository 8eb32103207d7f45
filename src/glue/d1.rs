//! `Database` over a D1 binding: a list of statements becomes one `batch()` call, which D1
//! runs atomically in one round trip.

use crate::core::db::{Database, DbError, Row, SqlValue, Statement, StatementResult};
use wasm_bindgen::JsValue;
use worker::D1Database;

pub(crate) struct D1(pub D1Database);

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

impl Database for D1 {
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<StatementResult>, DbError> {
        let mut prepared = Vec::with_capacity(statements.len());
        for statement in &statements {
            let params: Vec<JsValue> = statement.params.iter().map(bind_value).collect();
            prepared.push(
                self.0
                    .prepare(statement.sql.as_str())
                    .bind(&params)
                    .map_err(db_error)?,
            );
        }
        let results = self.0.batch(prepared).await.map_err(db_error)?;
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
}
