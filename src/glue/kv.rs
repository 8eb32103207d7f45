//! `KeyValue` over a Workers KV binding.

use crate::core::kv::{KeyValue, KvError};
use worker::KvStore;

pub(crate) struct Kv(pub KvStore);

/// The shortest edge cache time KV allows for a read (see `get`).
const KV_CACHE_TTL_SECONDS: u64 = 30;

fn kv_error(e: impl std::fmt::Display) -> KvError {
    KvError {
        message: e.to_string(),
    }
}

impl KeyValue for Kv {
    async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        // `cacheTtl` is how long a location keeps a read, so it bounds how long a revoked or
        // rotated token can still be accepted there. 30 s is KV's minimum since 2026-01-30
        // (Cloudflare changelog "Reduced minimum cache TTL for Workers KV to 30 seconds"; it
        // was 60 s, the default, and the worker 0.8 doc comment still says 60).
        self.0
            .get(key)
            .cache_ttl(KV_CACHE_TTL_SECONDS)
            .text()
            .await
            .map_err(kv_error)
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

    async fn list_keys(
        &self,
        prefix: &str,
        cursor: Option<&str>,
    ) -> Result<(Vec<String>, Option<String>), KvError> {
        let mut list = self.0.list().prefix(prefix.to_owned());
        if let Some(cursor) = cursor {
            list = list.cursor(cursor.to_owned());
        }
        let page = list.execute().await.map_err(kv_error)?;
        let next = if page.list_complete {
            None
        } else {
            page.cursor
        };
        Ok((page.keys.into_iter().map(|k| k.name).collect(), next))
    }
}
