//! Reading values out of result rows. D1 returns numbers as JavaScript numbers (floats), SQLite
//! as integers; these accessors accept both.

use crate::core::db::Row;
use serde_json::Value;

pub fn text(row: &Row, column: &str) -> Option<String> {
    row.get(column).and_then(Value::as_str).map(str::to_owned)
}

pub fn int(row: &Row, column: &str) -> Option<i64> {
    let value = row.get(column)?;
    value.as_i64().or_else(|| value.as_f64().map(|f| f as i64))
}

/// A column holding JSON text (a `data` document or an aggregated array).
pub fn json(row: &Row, column: &str) -> Option<Value> {
    match row.get(column)? {
        Value::String(s) => serde_json::from_str(s).ok(),
        Value::Null => None,
        other => Some(other.clone()),
    }
}
