//! The storage boundary: the core builds SQL statements with bound parameters; a `Database`
//! runs a list of them as one atomic batch (one D1 round trip). The D1 adapter lives in the
//! Workers glue; tests run the same statements on bundled SQLite against `schema.sql`.

use serde_json::{Map, Value};

/// A bound parameter. D1 binds JavaScript values, so integers must stay within 2^53.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
}

impl From<&str> for SqlValue {
    fn from(s: &str) -> Self {
        SqlValue::Text(s.to_owned())
    }
}
impl From<String> for SqlValue {
    fn from(s: String) -> Self {
        SqlValue::Text(s)
    }
}
impl From<i64> for SqlValue {
    fn from(n: i64) -> Self {
        SqlValue::Integer(n)
    }
}
impl From<bool> for SqlValue {
    fn from(b: bool) -> Self {
        SqlValue::Integer(b as i64)
    }
}
impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(v: Option<T>) -> Self {
        v.map_or(SqlValue::Null, Into::into)
    }
}

/// D1 allows at most 100 bound parameters in one statement.
pub const MAX_BOUND_PARAMETERS: usize = 100;

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<SqlValue>,
}

impl Statement {
    pub fn new(sql: impl Into<String>, params: Vec<SqlValue>) -> Self {
        Statement {
            sql: sql.into(),
            params,
        }
    }
}

/// One row as column name → JSON value (the shape D1 returns).
pub type Row = Map<String, Value>;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatementResult {
    pub rows: Vec<Row>,
    /// Rows changed by an INSERT, UPDATE or DELETE; `None` when the driver did not say (a D1
    /// result without `meta`). No write outcome is read from it: plans report outcomes in
    /// rows (see `store::plan`), so an unknown count can never pass for "nothing changed".
    pub changes: Option<u64>,
}

/// A storage failure. The message is for the log only; clients see a generic SCIM 500/503.
#[derive(Debug, Clone, PartialEq)]
pub struct DbError {
    pub message: String,
}

/// Runs statements as one atomic batch: all of them apply, or none does. Each call is one
/// round trip to the database.
#[allow(async_fn_in_trait)]
pub trait Database {
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<StatementResult>, DbError>;

    /// Runs read-only statements where a read replica may answer: on D1, through this
    /// handle's session (Sessions API, `first-unconstrained`), so every read of one request
    /// sees the same or a later state than the previous one, possibly behind the primary. For
    /// reads that can take replica lag (console pages, the Events API, exports); never for
    /// SCIM reads, since an IdP reads its own writes. Without replicas: `batch`.
    async fn batch_replica(
        &self,
        statements: Vec<Statement>,
    ) -> Result<Vec<StatementResult>, DbError> {
        self.batch(statements).await
    }
}
