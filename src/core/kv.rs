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
}
