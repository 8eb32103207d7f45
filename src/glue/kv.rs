//! `KeyValue` over a Workers KV binding.

use crate::core::kv::{KeyValue, KvError};
use worker::KvStore;

pub(crate) struct Kv(pub KvStore);

fn kv_error(e: impl std::fmt::Display) -> KvError {
    KvError {
        message: e.to_string(),
    }
}

impl KeyValue for Kv {
    async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        // KV's minimum edge cache TTL (30 s) bounds how long a revoked or rotated token can
        // still be read at a location that had it cached.
        self.0.get(key).cache_ttl(30).text().await.map_err(kv_error)
    }

    async fn put(&self, key: &str, value: &str) -> Result<(), KvError> {
        self.0
            .put(key, value)
            .map_err(kv_error)?
            .execute()
            .await
            .map_err(kv_error)
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.0.delete(key).await.map_err(kv_error)
    }
}
