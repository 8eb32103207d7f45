//! A native test harness for the whole service: SQLite with `schema.sql`, in-memory KV, a
//! seeded org and token. Requests go through `handle` exactly as the Workers glue sends them.

use super::{handle, CallerLimit, RequestLog, Runtime};
use crate::core::http::{HttpRequest, HttpResponse, Method};
use crate::core::kv::KeyValue;
use crate::core::rate_limit::RateLimiter;
use crate::core::testing::{block_on, MemoryKv, SqliteDb};
use crate::core::token::{kv_key, NewToken};
use serde_json::Value;

pub(crate) struct TestApp {
    pub db: SqliteDb,
    pub kv: MemoryKv,
    pub org: String,
    pub token: String,
    pub now_ms: u64,
    /// The deployment's `ADMIN_SECRET`: `Some(ADMIN_SECRET)` unless `without_admin_secret`.
    pub admin_secret: Option<&'static str>,
    /// The shard pool: the single default shard (`db`).
    pub shards: crate::core::shard::ShardConfig,
    /// The deployment's `BULK_MAX_STATEMENTS`.
    pub bulk_max_statements: usize,
    /// `LOCAL_DEV`: true, as under `make dev` and the e2e suite.
    pub local_dev: bool,
}

/// The admin secret native tests configure.
pub(crate) const ADMIN_SECRET: &str = "operator-secret";
/// The `DOCUMENTATION_URI` native tests configure.
pub(crate) const DOCUMENTATION_URI: &str = "https://docs.example.com/scim-edge";

pub(crate) struct Reply {
    pub status: u16,
    pub response: HttpResponse,
    /// The structured log line the glue would print for this request.
    pub log: RequestLog,
    /// The delivery messages the glue would enqueue after the response.
    pub deliveries: Vec<crate::core::events::delivery::DeliveryMessage>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(self.response.body.as_deref().unwrap_or("null")).expect("JSON body")
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.response.header(name)
    }
    pub fn scim_type(&self) -> Option<String> {
        self.json()
            .get("scimType")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }
}

impl TestApp {
    pub fn new() -> TestApp {
        let app = TestApp {
            db: SqliteDb::new(),
            kv: MemoryKv::default(),
            org: "acme".into(),
            token: String::new(),
            now_ms: 1_795_873_500_000,
            admin_secret: Some(ADMIN_SECRET),
            shards: crate::core::shard::ShardConfig::single(),
            bulk_max_statements: super::DEFAULT_BULK_MAX_STATEMENTS,
            local_dev: true,
        };
        app.with_org("acme")
    }

    /// Seeds `org` with a fresh token and makes it this app's org.
    pub fn with_org(mut self, org: &str) -> TestApp {
        let token = NewToken::generate().expect("rng");
        let record = serde_json::to_string(&token.record("2026-11-28T00:00:00.000Z")).unwrap();
        block_on(self.kv.put(&kv_key(org), &record)).unwrap();
        self.org = org.to_owned();
        self.token = token.expose().to_owned();
        self
    }

    /// A deployment with no `ADMIN_SECRET` configured (admin API off).
    pub fn without_admin_secret(mut self) -> TestApp {
        self.admin_secret = None;
        self
    }

    /// An admin API request with the configured secret. `path` is below `/admin/orgs/`.
    pub fn admin(&self, method: Method, path: &str, body: Option<&str>) -> Reply {
        let auth = format!("Bearer {ADMIN_SECRET}");
        self.raw(
            method,
            &format!("/admin/orgs/{path}"),
            vec![("authorization", auth.as_str())],
            body,
        )
    }

    /// A SCIM request to `org` with an explicit bearer token.
    pub fn scim_as(&self, org: &str, token: &str, method: Method, path: &str) -> Reply {
        let auth = format!("Bearer {token}");
        self.raw(
            method,
            &format!("/scim/v2/{org}{path}"),
            vec![("authorization", auth.as_str())],
            None,
        )
    }

    pub fn raw(
        &self,
        method: Method,
        path: &str,
        headers: Vec<(&str, &str)>,
        body: Option<&str>,
    ) -> Reply {
        self.raw_bytes(method, path, headers, body.unwrap_or("").as_bytes(), None)
    }

    /// `raw` with a body of any bytes and the per-org limiter requests see (`None`: no limit,
    /// as without the binding).
    pub fn raw_bytes(
        &self,
        method: Method,
        path: &str,
        headers: Vec<(&str, &str)>,
        body: &[u8],
        rate_limiter: Option<&dyn RateLimiter>,
    ) -> Reply {
        self.limited(method, path, headers, body, rate_limiter, None)
    }

    /// `raw_bytes` with both limiters: per org and per caller (failed authentications).
    pub fn limited(
        &self,
        method: Method,
        path: &str,
        headers: Vec<(&str, &str)>,
        body: &[u8],
        rate_limiter: Option<&dyn RateLimiter>,
        caller_limit: Option<CallerLimit<'_>>,
    ) -> Reply {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let request = HttpRequest {
            method,
            origin: "https://scim.example.com".into(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers: headers
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
                .collect(),
            body: body.to_vec(),
        };
        let runtime = Runtime {
            shards: &self.shards,
            dbs: std::slice::from_ref(&self.db),
            kv: &self.kv,
            now_ms: self.now_ms,
            admin_secret: self.admin_secret,
            rate_limiter,
            local_dev: self.local_dev,
            caller_limit,
            documentation_uri: Some(DOCUMENTATION_URI),
            token_cache: None,
            bulk_max_statements: self.bulk_max_statements,
        };
        let outcome = block_on(handle(&request, &runtime));
        Reply {
            status: outcome.response.status,
            response: outcome.response,
            log: outcome.log,
            deliveries: outcome.deliveries,
        }
    }

    pub fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        extra: Vec<(&str, &str)>,
    ) -> Reply {
        let auth = format!("Bearer {}", self.token);
        let mut headers = vec![
            ("authorization", auth.as_str()),
            ("content-type", "application/scim+json"),
        ];
        headers.extend(extra);
        let body = body.map(Value::to_string);
        let path = format!("/scim/v2/{}{}", self.org, path);
        self.raw(method, &path, headers, body.as_deref())
    }

    pub fn get(&self, path: &str) -> Reply {
        self.call(Method::Get, path, None, vec![])
    }
    pub fn post(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::Post, path, Some(body), vec![])
    }
    pub fn put(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::Put, path, Some(body), vec![])
    }
    pub fn patch(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::Patch, path, Some(body), vec![])
    }
    pub fn delete(&self, path: &str) -> Reply {
        self.call(Method::Delete, path, None, vec![])
    }

    /// Creates a user and returns its id.
    pub fn create_user(&self, user_name: &str) -> String {
        let reply = self.post(
            "/Users",
            &serde_json::json!({"userName": user_name, "active": true}),
        );
        assert_eq!(reply.status, 201, "{:?}", reply.response.body);
        reply.json()["id"].as_str().expect("id").to_owned()
    }
}
