//! Test doubles for native tests: `Database` on bundled SQLite loaded with the real
//! `schema.sql`, an in-memory `KeyValue`, and a `block_on` for the core's futures (which never
//! wait on anything when these doubles back them).

use crate::core::db::{Database, DbError, Row, SqlValue, Statement, StatementResult};
use crate::core::kv::{KeyValue, KvError};
use rusqlite::types::ValueRef;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

pub const SCHEMA_SQL: &str = include_str!("../../schema.sql");

pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

pub struct SqliteDb {
    pub conn: RefCell<rusqlite::Connection>,
    /// When set, the batch whose index (0-based, counted over this db's life) matches fails
    /// midway, after running its first statement: for atomicity tests.
    pub fail_batch: RefCell<Option<usize>>,
    pub batches: RefCell<usize>,
    /// The number of statements of each batch sent, in order.
    pub batch_sizes: RefCell<Vec<usize>>,
    /// When set, results look like D1's at their leanest: every number a float (`1.0`), and
    /// no `meta` (so `changes` is unknown).
    pub d1_shaped: std::cell::Cell<bool>,
    /// Batches sent with `batch_replica` (reads a replica may answer on D1).
    pub replica_batches: std::cell::Cell<usize>,
}

/// An in-memory SQLite database with `schema.sql` applied.
pub fn open_connection() -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().expect("open sqlite");
    conn.execute_batch(SCHEMA_SQL).expect("schema.sql applies");
    conn
}

impl SqliteDb {
    pub fn new() -> SqliteDb {
        let conn = open_connection();
        SqliteDb {
            conn: RefCell::new(conn),
            fail_batch: RefCell::new(None),
            batches: RefCell::new(0),
            batch_sizes: RefCell::new(Vec::new()),
            d1_shaped: std::cell::Cell::new(false),
            replica_batches: std::cell::Cell::new(0),
        }
    }

    /// Runs one statement outside any batch (test setup and assertions).
    pub fn query(&self, sql: &str, params: Vec<SqlValue>) -> Vec<Row> {
        let conn = self.conn.borrow();
        run(&conn, &Statement::new(sql, params))
            .expect("query")
            .rows
    }
}

impl Default for SqliteDb {
    fn default() -> Self {
        Self::new()
    }
}

pub fn to_sql(value: &SqlValue) -> rusqlite::types::Value {
    match value {
        SqlValue::Null => rusqlite::types::Value::Null,
        SqlValue::Integer(n) => rusqlite::types::Value::Integer(*n),
        SqlValue::Real(x) => rusqlite::types::Value::Real(*x),
        SqlValue::Text(s) => rusqlite::types::Value::Text(s.clone()),
    }
}

/// Runs one statement, returning rows in D1's shape (column name → JSON value).
pub fn run(conn: &rusqlite::Connection, statement: &Statement) -> Result<StatementResult, DbError> {
    let err = |e: rusqlite::Error| DbError {
        message: format!("{e} in: {}", statement.sql),
    };
    let mut prepared = conn.prepare(&statement.sql).map_err(err)?;
    let names: Vec<String> = prepared
        .column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let params: Vec<rusqlite::types::Value> = statement.params.iter().map(to_sql).collect();
    let mut rows = prepared
        .query(rusqlite::params_from_iter(params.iter()))
        .map_err(err)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(err)? {
        let mut map = Row::new();
        for (i, name) in names.iter().enumerate() {
            let value = match row.get_ref(i).map_err(err)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(n) => Value::from(n),
                ValueRef::Real(x) => Value::from(x),
                ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(_) => Value::Null,
            };
            map.insert(name.clone(), value);
        }
        out.push(map);
    }
    drop(rows);
    let changes = Some(if names.is_empty() { conn.changes() } else { 0 });
    Ok(StatementResult { rows: out, changes })
}

impl Database for SqliteDb {
    async fn batch_replica(
        &self,
        statements: Vec<Statement>,
    ) -> Result<Vec<StatementResult>, DbError> {
        self.replica_batches.set(self.replica_batches.get() + 1);
        self.batch(statements).await
    }

    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<StatementResult>, DbError> {
        let index = {
            let mut n = self.batches.borrow_mut();
            *n += 1;
            *n - 1
        };
        self.batch_sizes.borrow_mut().push(statements.len());
        let fail = *self.fail_batch.borrow() == Some(index);
        let mut conn = self.conn.borrow_mut();
        let tx = conn.transaction().map_err(|e| DbError {
            message: e.to_string(),
        })?;
        let mut results = Vec::with_capacity(statements.len());
        for (i, statement) in statements.iter().enumerate() {
            if fail && i == 1 {
                // Dropping `tx` rolls back what ran so far, as D1 does for a failed batch.
                return Err(DbError {
                    message: "injected failure".into(),
                });
            }
            results.push(run(&tx, statement)?);
        }
        tx.commit().map_err(|e| DbError {
            message: e.to_string(),
        })?;
        if self.d1_shaped.get() {
            for result in &mut results {
                result.changes = None;
                for row in &mut result.rows {
                    for value in row.values_mut() {
                        if let Some(n) = value.as_i64() {
                            *value = Value::from(n as f64);
                        }
                    }
                }
            }
        }
        Ok(results)
    }
}

/// Runs a store plan on `db` as the service would (one batch) and decodes it.
pub fn run_plan<T: 'static>(db: &SqliteDb, plan: crate::core::store::plan::Plan<T>) -> T {
    let (statements, decoder) = plan.into_parts();
    decoder
        .decode(block_on(db.batch(statements)).expect("batch"))
        .expect("decodes")
}

#[derive(Default)]
pub struct MemoryKv {
    pub map: RefCell<HashMap<String, String>>,
    /// How many `get`s reached the store (to see which requests cost a KV read).
    pub reads: std::cell::Cell<usize>,
}

impl KeyValue for MemoryKv {
    async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        self.reads.set(self.reads.get() + 1);
        Ok(self.map.borrow().get(key).cloned())
    }
    async fn put(&self, key: &str, value: &str) -> Result<(), KvError> {
        self.map
            .borrow_mut()
            .insert(key.to_owned(), value.to_owned());
        Ok(())
    }
    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.map.borrow_mut().remove(key);
        Ok(())
    }
    /// Pages of two keys, so callers' paging is exercised; the cursor is the last key given.
    async fn list_keys(
        &self,
        prefix: &str,
        cursor: Option<&str>,
    ) -> Result<(Vec<String>, Option<String>), KvError> {
        let map = self.map.borrow();
        let mut keys: Vec<String> = map
            .keys()
            .filter(|k| k.starts_with(prefix) && cursor.is_none_or(|c| k.as_str() > c))
            .cloned()
            .collect();
        keys.sort();
        let more = keys.len() > 2;
        keys.truncate(2);
        let next = more.then(|| keys[1].clone());
        Ok((keys, next))
    }
}
