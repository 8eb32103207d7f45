//! Per-request state shared by the handlers: the runtime's stores, the clock, the base URL,
//! the D1 round-trip counter and notes for the log line.

use crate::core::db::{Database, DbError};
use crate::core::error::ScimError;
use crate::core::events::delivery::DeliveryMessage;
use crate::core::http::query_pairs;
use crate::core::http::HttpRequest;
use crate::core::kv::KvError;
use crate::core::org::OrgName;
use crate::core::projection::Projection;
use crate::core::rate_limit::RateLimiter;
use crate::core::refused_callers::RefusedCallers;
use crate::core::schema::ResourceType;
use crate::core::shard::ShardConfig;
use crate::core::store::plan::Plan;
use crate::core::token_cache::TokenCache;
use std::cell::{Cell, OnceCell, RefCell};

/// What the runtime provides to the core for one request.
pub struct Runtime<'a, D, K> {
    /// The shard pool (`SHARDS`) and its databases, in the same order; the first is the
    /// control shard.
    pub shards: &'a ShardConfig,
    pub dbs: &'a [D],
    pub kv: &'a K,
    /// Milliseconds since the Unix epoch.
    pub now_ms: u64,
    /// The operator secret that enables the admin API; `None` turns it off.
    pub admin_secret: Option<&'a str>,
    /// The per-org limiter of authenticated requests; `None` (no binding configured) applies
    /// no limit.
    pub rate_limiter: Option<&'a dyn RateLimiter>,
    /// `LOCAL_DEV`: this deployment runs locally (`make dev`, the tests), so webhooks may
    /// target a loopback `http://` receiver.
    pub local_dev: bool,
    /// The per-caller limiter of failed authentications; `None` applies no limit.
    pub caller_limit: Option<CallerLimit<'a>>,
    /// `documentationUri` of /ServiceProviderConfig (the `DOCUMENTATION_URI` variable); the
    /// attribute is left out when this is `None`.
    pub documentation_uri: Option<&'a str>,
    /// Verified token records of this isolate (`None`: every request reads KV).
    pub token_cache: Option<&'a TokenCache>,
    /// Statements per D1 `batch()` a `/Bulk` request may send (the `BULK_MAX_STATEMENTS`
    /// variable; `bulk::DEFAULT_BULK_MAX_STATEMENTS` when unset).
    pub bulk_max_statements: usize,
}

/// The failed-authentication budget: the limiter that counts failures per caller and the
/// isolate's memory of callers it refused (checked before the KV token lookup).
#[derive(Clone, Copy)]
pub struct CallerLimit<'a> {
    pub limiter: &'a dyn RateLimiter,
    pub refused: &'a RefusedCallers,
}

/// A handler failure: a SCIM error for the client, or an internal failure whose message is
/// logged and replaced by a generic 500 body.
#[derive(Debug)]
pub enum Failure {
    Scim(ScimError),
    Internal(String),
    /// A SCIM error answered with `Retry-After` (seconds): the org's writes are paused.
    Retry(ScimError, u32),
}

impl From<ScimError> for Failure {
    fn from(e: ScimError) -> Self {
        Failure::Scim(e)
    }
}
impl From<DbError> for Failure {
    fn from(e: DbError) -> Self {
        if e.message
            .contains(crate::core::store::org_lock::LOCKED_MESSAGE)
        {
            return Failure::Retry(
                ScimError::new(
                    503,
                    None,
                    "This org is being moved to another database: writes are paused for a few \
                     seconds, reads keep working. Retry after the time in Retry-After.",
                ),
                crate::core::store::org_lock::RETRY_AFTER_SECS,
            );
        }
        Failure::Internal(format!("d1: {}", e.message))
    }
}
impl From<KvError> for Failure {
    fn from(e: KvError) -> Self {
        Failure::Internal(format!("kv: {}", e.message))
    }
}

/// One structured log line per request (no tokens, no bodies).
#[derive(Debug, Clone)]
pub struct RequestLog {
    /// `cf-ray` or a random id: also in the `x-request-id` header and at the end of every
    /// error `detail`, so an IdP's log entry leads to this line.
    pub request_id: String,
    pub org: Option<String>,
    pub method: &'static str,
    pub route: &'static str,
    pub status: u16,
    pub d1_round_trips: u32,
    pub notes: Vec<String>,
}

pub(crate) struct Ctx<'a, D, K> {
    pub request: &'a HttpRequest,
    /// The org of a `/scim/v2/{org}` request, validated by the router (`None` elsewhere).
    org: Option<OrgName>,
    pub runtime: &'a Runtime<'a, D, K>,
    round_trips: Cell<u32>,
    /// The shard (position in `Runtime::dbs`) that `run` sends plans to: the control shard
    /// until the org's record names another.
    shard: Cell<usize>,
    notes: RefCell<Vec<String>>,
    /// The `attributes`/`excludedAttributes` of a `.search` body, once `set_projection_lists`
    /// ran (otherwise the query string's).
    projection_lists: RefCell<Option<(Option<String>, Option<String>)>>,
    /// Orgs whose log grew (or was rewound) in this request: the glue enqueues a delivery
    /// message for each once the response is on its way.
    deliveries: RefCell<Vec<DeliveryMessage>>,
    /// The request's projection per resource type, parsed once.
    projections: [OnceCell<Result<Projection, ScimError>>; 2],
}

impl<'a, D, K> Ctx<'a, D, K> {
    pub fn new(
        request: &'a HttpRequest,
        runtime: &'a Runtime<'a, D, K>,
        org: Option<OrgName>,
    ) -> Self {
        Ctx {
            request,
            runtime,
            org,
            round_trips: Cell::new(0),
            shard: Cell::new(0),
            notes: RefCell::new(Vec::new()),
            projection_lists: RefCell::new(None),
            deliveries: RefCell::new(Vec::new()),
            projections: [OnceCell::new(), OnceCell::new()],
        }
    }

    /// The request's org (empty outside `/scim/v2/{org}`).
    pub fn org(&self) -> &str {
        self.org.as_ref().map_or("", OrgName::as_str)
    }

    /// Runs a store plan as one atomic batch on the request's shard: one D1 round trip,
    /// counted for `Server-Timing`. A result the plan cannot decode is a store defect: logged,
    /// answered 500.
    pub async fn run<T: 'static>(&self, plan: Plan<T>) -> Result<T, Failure>
    where
        D: Database,
    {
        self.run_on(self.shard.get(), plan).await
    }

    /// Runs a store plan on shard `shard` (a position in `Runtime::dbs`).
    pub async fn run_on<T: 'static>(&self, shard: usize, plan: Plan<T>) -> Result<T, Failure>
    where
        D: Database,
    {
        let db = self
            .runtime
            .dbs
            .get(shard)
            .ok_or_else(|| Failure::Internal(format!("no database for shard #{shard}")))?;
        let (statements, decoder) = plan.into_parts();
        self.round_trips.set(self.round_trips.get() + 1);
        let results = db.batch(statements).await?;
        decoder
            .decode(results)
            .map_err(|e| Failure::Internal(format!("store decode: {}", e.0)))
    }

    /// Runs a read-only plan on the request's shard where a read replica may answer (see
    /// `Database::batch_replica`): console pages, the Events API, exports.
    pub async fn run_replica<T: 'static>(&self, plan: Plan<T>) -> Result<T, Failure>
    where
        D: Database,
    {
        self.run_replica_on(self.shard.get(), plan).await
    }

    /// `run_replica` on shard `shard`.
    pub async fn run_replica_on<T: 'static>(
        &self,
        shard: usize,
        plan: Plan<T>,
    ) -> Result<T, Failure>
    where
        D: Database,
    {
        let db = self
            .runtime
            .dbs
            .get(shard)
            .ok_or_else(|| Failure::Internal(format!("no database for shard #{shard}")))?;
        let (statements, decoder) = plan.into_parts();
        self.round_trips.set(self.round_trips.get() + 1);
        let results = db.batch_replica(statements).await?;
        decoder
            .decode(results)
            .map_err(|e| Failure::Internal(format!("store decode: {}", e.0)))
    }

    /// Sends this request's plans to the shard called `name` (`None`: the control shard).
    pub fn use_shard(&self, name: Option<&str>) -> Result<usize, Failure> {
        let index = self.shard_index(name)?;
        self.shard.set(index);
        Ok(index)
    }

    /// The position of the shard called `name` (`None`: the control shard); an org record
    /// naming a shard the pool does not have is a configuration fault.
    pub fn shard_index(&self, name: Option<&str>) -> Result<usize, Failure> {
        match name {
            None => Ok(0),
            Some(name) => self
                .runtime
                .shards
                .index_of(name)
                .ok_or_else(|| Failure::Internal(format!("shard '{name}' is not in SHARDS"))),
        }
    }

    pub fn round_trips(&self) -> u32 {
        self.round_trips.get()
    }

    pub fn now_ms(&self) -> u64 {
        self.runtime.now_ms
    }

    /// `scheme://host/scim/v2/{org}` for absolute locations (RFC 7643 §3.1 `meta.location`).
    pub fn base_url(&self) -> String {
        format!("{}/scim/v2/{}", self.request.origin, self.org())
    }

    /// The request's `attributes`/`excludedAttributes` (RFC 7644 §3.4.2.5, §3.9): from the
    /// query string, or from a `.search` body once `set_projection_lists` ran. Parsed once per
    /// resource type and request.
    pub fn projection(&self, rt: ResourceType) -> Result<&Projection, ScimError> {
        let slot = &self.projections[match rt {
            ResourceType::User => 0,
            ResourceType::Group => 1,
        }];
        slot.get_or_init(|| {
            let lists = self.projection_lists.borrow();
            match &*lists {
                Some((attributes, excluded)) => {
                    Projection::parse(attributes.as_deref(), excluded.as_deref(), rt)
                }
                None => {
                    let pairs = query_pairs(&self.request.query);
                    let find = |name: &str| {
                        pairs
                            .iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(name))
                            .map(|(_, v)| v.as_str())
                    };
                    Projection::parse(find("attributes"), find("excludedAttributes"), rt)
                }
            }
        })
        .as_ref()
        .map_err(Clone::clone)
    }

    /// Uses the `attributes`/`excludedAttributes` of a `.search` body instead of the query
    /// (before any projection is used).
    pub fn set_projection_lists(&self, attributes: &[String], excluded: &[String]) {
        let join = |list: &[String]| (!list.is_empty()).then(|| list.join(","));
        *self.projection_lists.borrow_mut() = Some((join(attributes), join(excluded)));
    }

    /// Whether the response needs attribute `name` at all (so storage can skip reading it,
    /// e.g. the membership rows under `excludedAttributes=members`).
    pub fn wants(&self, rt: ResourceType, name: &str) -> bool {
        self.projection(rt).map_or(true, |p| p.wants(name))
    }

    pub fn note(&self, message: String) {
        self.notes.borrow_mut().push(message);
    }

    pub fn take_notes(&self) -> Vec<String> {
        std::mem::take(&mut self.notes.borrow_mut())
    }

    /// Asks for `org`'s new events to be delivered to its webhooks (after the response; the
    /// cron sweep catches up if this never happens).
    pub fn wake_deliveries(&self, org: &str) {
        let mut list = self.deliveries.borrow_mut();
        if !list.iter().any(|m| m.org == org) {
            list.push(DeliveryMessage {
                org: org.to_owned(),
                scope: None,
            });
        }
    }

    pub fn take_deliveries(&self) -> Vec<DeliveryMessage> {
        std::mem::take(&mut self.deliveries.borrow_mut())
    }
}
