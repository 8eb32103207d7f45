//! The key-value boundary (Workers KV in production): token records live here, keyed by org.

/// A KV failure. The message is for the log only.
#[derive(Debug, Clone, PartialEq)]
pub struct KvError {
    pub message: String,
}

#[allow(async_fn_in_trait)]
pub trait KeyValue {
    async fn get(&self, key: &str) -> Result<Option<String>, KvError>;
    async fn put(&self, key: &str, value: &str) -> Result<(), KvError>;
    async fn delete(&self, key: &str) -> Result<(), KvError>;
    /// One page of the keys starting with `prefix` (up to 1,000, in key order) and the cursor
    /// of the next page, `None` on the last. Only the console's org backfill lists keys; a
    /// store that cannot list says so.
    async fn list_keys(
        &self,
        prefix: &str,
        cursor: Option<&str>,
    ) -> Result<(Vec<String>, Option<String>), KvError> {
        let _ = (prefix, cursor);
        Err(KvError {
            message: "this key-value store cannot list keys".into(),
        })
    }
}
