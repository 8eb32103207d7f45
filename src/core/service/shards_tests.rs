//! Orgs over three shards (three SQLite databases): placement, routing and isolation, the
//! write lock, export → import, online moves (also interrupted ones) and deletion across
//! shards.

use super::test_app::ADMIN_SECRET;
use super::{handle, Runtime};
use crate::core::http::{HttpRequest, HttpResponse, Method};
use crate::core::kv::KeyValue;
use crate::core::shard::ShardConfig;
use crate::core::testing::{block_on, MemoryKv, SqliteDb};
use crate::core::token::{kv_key, TokenRecord};
use crate::core::token_cache::TokenCache;
use serde_json::{json, Value};

const POOL: &str = r#"[
    {"name": "main", "binding": "DB"},
    {"name": "s2", "binding": "DB_S2"},
    {"name": "eu1", "binding": "DB_EU1", "labels": ["eu"]}
]"#;

struct Pool {
    dbs: Vec<SqliteDb>,
    kv: MemoryKv,
    shards: ShardConfig,
    cache: TokenCache,
    now_ms: u64,
}

struct Answer {
    status: u16,
    response: HttpResponse,
    notes: Vec<String>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(self.response.body.as_deref().unwrap_or("null")).expect("JSON")
    }
    fn body(&self) -> &str {
        self.response.body.as_deref().unwrap_or("")
    }
    /// The body and the log notes, for assertion messages.
    fn why(&self) -> String {
        format!("{} {:?}", self.body(), self.notes)
    }
}

impl Pool {
    fn new() -> Pool {
        Pool {
            dbs: (0..3).map(|_| SqliteDb::new()).collect(),
            kv: MemoryKv::default(),
            shards: ShardConfig::parse(Some(POOL)).unwrap(),
            cache: TokenCache::new(),
            now_ms: 1_795_873_500_000,
        }
    }

    fn request(&self, method: Method, path: &str, auth: &str, body: &str) -> Answer {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let request = HttpRequest {
            method,
            origin: "https://scim.example.com".into(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers: vec![
                ("authorization".into(), format!("Bearer {auth}")),
                ("content-type".into(), "application/scim+json".into()),
            ],
            body: body.as_bytes().to_vec(),
        };
        let runtime = Runtime {
            shards: &self.shards,
            dbs: &self.dbs,
            kv: &self.kv,
            now_ms: self.now_ms,
            admin_secret: Some(ADMIN_SECRET),
            rate_limiter: None,
            caller_limit: None,
            documentation_uri: None,
            token_cache: Some(&self.cache),
            local_dev: true,
            bulk_max_statements: super::DEFAULT_BULK_MAX_STATEMENTS,
        };
        let outcome = block_on(handle(&request, &runtime));
        Answer {
            status: outcome.response.status,
            response: outcome.response,
            notes: outcome.log.notes,
        }
    }

    fn admin(&self, method: Method, path: &str, body: &str) -> Answer {
        self.request(method, &format!("/admin/orgs/{path}"), ADMIN_SECRET, body)
    }

    /// A new org's token (placed per `body`); returns the token and the shard it got.
    fn org(&self, org: &str, body: &str) -> (String, String) {
        let answer = self.admin(Method::Post, &format!("{org}/token"), body);
        assert_eq!(answer.status, 201, "{}", answer.body());
        let json = answer.json();
        (
            json["token"].as_str().unwrap().to_owned(),
            json["shard"].as_str().unwrap().to_owned(),
        )
    }

    fn scim(
        &self,
        org: &str,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        self.request(method, &format!("/scim/v2/{org}{path}"), token, &body)
    }

    fn record(&self, org: &str) -> TokenRecord {
        serde_json::from_str(&block_on(self.kv.get(&kv_key(org))).unwrap().unwrap()).unwrap()
    }

    fn rows(&self, shard: usize, org: &str) -> i64 {
        ["users", "user_emails", "groups", "group_members"]
            .iter()
            .map(|t| {
                self.dbs[shard].query(
                    &format!("SELECT COUNT(*) AS n FROM {t} WHERE org = ?1"),
                    vec![org.into()],
                )[0]["n"]
                    .as_i64()
                    .unwrap()
            })
            .sum()
    }

    fn registry(&self, org: &str) -> Option<String> {
        self.dbs[0]
            .query("SELECT shard FROM orgs WHERE org = ?1", vec![org.into()])
            .first()
            .map(|row| row["shard"].as_str().unwrap().to_owned())
    }

    /// A small directory: `users` users with emails, two groups holding all of them.
    fn seed(&self, org: &str, token: &str, users: usize) -> Vec<String> {
        let mut ids = Vec::new();
        for i in 0..users {
            let answer = self.scim(
                org,
                token,
                Method::Post,
                "/Users",
                Some(json!({"userName": format!("u{i}@{org}"), "emails": [{"value": format!("u{i}@{org}.test")}]})),
            );
            assert_eq!(answer.status, 201, "{}", answer.body());
            ids.push(answer.json()["id"].as_str().unwrap().to_owned());
        }
        let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
        for g in ["Staff", "Admins"] {
            let answer = self.scim(
                org,
                token,
                Method::Post,
                "/Groups",
                Some(json!({"displayName": g, "members": members})),
            );
            assert_eq!(answer.status, 201, "{}", answer.body());
        }
        ids
    }

    /// The org as an IdP sees it: every user and group, as GET answers them.
    fn snapshot(&self, org: &str, token: &str) -> (String, String) {
        let users = self.scim(
            org,
            token,
            Method::Get,
            "/Users?count=1000&sortBy=userName",
            None,
        );
        let groups = self.scim(
            org,
            token,
            Method::Get,
            "/Groups?count=1000&sortBy=displayName",
            None,
        );
        assert_eq!((users.status, groups.status), (200, 200));
        (users.body().to_owned(), groups.body().to_owned())
    }
}

#[test]
fn new_orgs_go_to_the_least_loaded_eligible_shard_and_stay_isolated() {
    let pool = Pool::new();
    let (_, a) = pool.org("a", "");
    let (_, b) = pool.org("b", "");
    let (_, c) = pool.org("c", "");
    let mut placed = vec![a, b, c];
    placed.sort();
    assert_eq!(placed, ["eu1", "main", "s2"]);
    let (_, eu) = pool.org("d", r#"{"placement": "eu"}"#);
    assert_eq!(eu, "eu1");
    let (token_e, named) = pool.org("e", r#"{"shard": "s2"}"#);
    assert_eq!(named, "s2");
    assert_eq!(pool.registry("e").as_deref(), Some("s2"));
    assert_eq!(pool.record("e").shard.as_deref(), Some("s2"));

    for bad in [
        r#"{"shard": "nope"}"#,
        r#"{"placement": "us"}"#,
        r#"{"shard": "s2", "placement": "eu"}"#,
    ] {
        assert_eq!(
            pool.admin(Method::Post, "f/token", bad).status,
            400,
            "{bad}"
        );
    }
    // A rotation keeps the shard; asking for another one is a conflict (moves are explicit).
    assert_eq!(
        pool.admin(Method::Post, "e/token", r#"{"shard": "main"}"#)
            .status,
        409
    );
    let rotated = pool.admin(Method::Post, "e/token", r#"{"shard": "s2"}"#);
    assert_eq!(rotated.json()["shard"], "s2");
    assert_ne!(rotated.json()["token"], token_e);
    let token_e = rotated.json()["token"].as_str().unwrap().to_owned();

    // e's data lives on s2 only, and nobody else sees it.
    pool.seed("e", &token_e, 3);
    assert_eq!(pool.rows(1, "e"), 3 + 3 + 2 + 6);
    assert_eq!(pool.rows(0, "e") + pool.rows(2, "e"), 0);
    let (token_d, _) = (
        pool.admin(Method::Post, "d/token", "").json()["token"]
            .as_str()
            .unwrap()
            .to_owned(),
        (),
    );
    let other = pool.scim("d", &token_d, Method::Get, "/Users", None);
    assert_eq!(other.json()["totalResults"], 0);
    assert_eq!(
        pool.scim("d", &token_e, Method::Get, "/Users", None).status,
        401
    );
}

#[test]
fn a_locked_org_refuses_writes_with_retry_after_and_keeps_serving_reads() {
    let pool = Pool::new();
    let (token, shard) = pool.org("acme", r#"{"shard": "s2"}"#);
    assert_eq!(shard, "s2");
    let ids = pool.seed("acme", &token, 2);
    pool.dbs[1].query(
        "INSERT INTO org_locks (org, state, since_ms) VALUES ('acme', 'moving', 0)",
        vec![],
    );
    let write = pool.scim(
        "acme",
        &token,
        Method::Post,
        "/Users",
        Some(json!({"userName": "late"})),
    );
    assert_eq!(write.status, 503, "{}", write.body());
    assert_eq!(write.response.header("retry-after"), Some("5"));
    let delete = pool.scim(
        "acme",
        &token,
        Method::Delete,
        &format!("/Users/{}", ids[0]),
        None,
    );
    assert_eq!(delete.status, 503);
    let read = pool.scim(
        "acme",
        &token,
        Method::Get,
        &format!("/Users/{}", ids[0]),
        None,
    );
    assert_eq!(read.status, 200);
    // Another org on the same shard is not affected.
    let (other, _) = pool.org("other", r#"{"shard": "s2"}"#);
    let write = pool.scim(
        "other",
        &other,
        Method::Post,
        "/Users",
        Some(json!({"userName": "x"})),
    );
    assert_eq!(write.status, 201);
}

#[test]
fn a_move_carries_everything_flips_the_record_and_purges_the_old_copy() {
    let pool = Pool::new();
    let (token, _) = pool.org("acme", r#"{"shard": "main"}"#);
    pool.seed("acme", &token, 12);
    let before = pool.snapshot("acme", &token);
    let rows = pool.rows(0, "acme");
    let events = pool.admin(Method::Get, "acme/events?limit=100", "");
    assert_eq!(events.status, 200, "{}", events.why());
    let log_rows = |shard: usize| {
        pool.dbs[shard].query(
            "SELECT COUNT(*) AS n FROM events WHERE org = 'acme'",
            vec![],
        )[0]["n"]
            .as_i64()
            .unwrap()
    };
    let logged = log_rows(0);
    assert!(logged >= 14, "{logged}");

    let moved = pool.admin(Method::Post, "acme/move", r#"{"to": "eu1"}"#);
    assert_eq!(moved.status, 200, "{}", moved.why());
    let body = moved.json();
    assert_eq!(body["moved"], true);
    assert_eq!(body["oldCopyPurged"], true);
    assert_eq!(body["copied"]["users"], 12);
    assert_eq!(body["copied"]["group_members"], 24);

    let record = pool.record("acme");
    assert_eq!(record.shard.as_deref(), Some("eu1"));
    assert_eq!(record.moved_from, None);
    assert_eq!(pool.registry("acme").as_deref(), Some("eu1"));
    assert_eq!(pool.rows(2, "acme"), rows);
    assert_eq!(pool.rows(0, "acme"), 0);
    // The same token, the same answers, now from eu1; the event log came along.
    assert_eq!(pool.snapshot("acme", &token), before);
    assert_eq!((log_rows(0), log_rows(2)), (0, logged));
    assert_eq!(
        pool.admin(Method::Get, "acme/events?limit=100", "").body(),
        events.body()
    );
    let write = pool.scim(
        "acme",
        &token,
        Method::Post,
        "/Users",
        Some(json!({"userName": "after"})),
    );
    assert_eq!(write.status, 201);
    // The old shard keeps a tombstone lock: a write routed there by a stale record is refused.
    let tomb = pool.dbs[0].query("SELECT state FROM org_locks WHERE org = 'acme'", vec![]);
    assert_eq!(tomb[0]["state"], "moved");

    // And back again: the tombstone goes, the data returns.
    let back = pool.admin(Method::Post, "acme/move", r#"{"to": "main"}"#);
    assert_eq!(back.status, 200, "{}", back.why());
    assert_eq!(pool.rows(0, "acme"), rows + 1);
    assert_eq!(pool.rows(2, "acme"), 0);
    assert_eq!(
        pool.dbs[0]
            .query("SELECT * FROM org_locks WHERE org = 'acme'", vec![])
            .len(),
        0
    );

    // Moving to where it is changes nothing; unknown shards are refused.
    let same = pool.admin(Method::Post, "acme/move", r#"{"to": "main"}"#);
    assert_eq!(
        (same.status, same.json()["moved"].clone()),
        (200, json!(false))
    );
    assert_eq!(
        pool.admin(Method::Post, "acme/move", r#"{"to": "mars"}"#)
            .status,
        400
    );
    assert_eq!(pool.admin(Method::Post, "acme/move", r#"{}"#).status, 400);
    assert_eq!(
        pool.admin(Method::Post, "ghost/move", r#"{"to": "s2"}"#)
            .status,
        404
    );
}

#[test]
fn an_interrupted_move_leaves_the_org_whole_on_one_shard() {
    let pool = Pool::new();
    let (token, _) = pool.org("acme", r#"{"shard": "main"}"#);
    pool.seed("acme", &token, 12);
    let before = pool.snapshot("acme", &token);
    let rows = pool.rows(0, "acme");

    // The copy fails midway through its first write batch on the target (12 users take two
    // INSERTs; the unlock and the purge round come first): the move answers 500,
    // the target is emptied, writes resume on the source.
    let done = *pool.dbs[1].batches.borrow();
    *pool.dbs[1].fail_batch.borrow_mut() = Some(done + 2);
    let failed = pool.admin(Method::Post, "acme/move", r#"{"to": "s2"}"#);
    assert_eq!(failed.status, 500, "{}", failed.why());
    assert_eq!(pool.record("acme").shard.as_deref(), Some("main"));
    assert_eq!(pool.rows(0, "acme"), rows);
    assert_eq!(pool.rows(1, "acme"), 0);
    assert_eq!(pool.snapshot("acme", &token), before);
    let write = pool.scim(
        "acme",
        &token,
        Method::Post,
        "/Users",
        Some(json!({"userName": "w"})),
    );
    assert_eq!(write.status, 201);

    // Stopped after the flip, before the purge (`purge: false`): whole on the target, the
    // source locked; running the move again finishes it.
    let flipped = pool.admin(Method::Post, "acme/move", r#"{"to": "s2", "purge": false}"#);
    assert_eq!(flipped.status, 200, "{}", flipped.why());
    assert_eq!(flipped.json()["oldCopyPurged"], false);
    let record = pool.record("acme");
    assert_eq!(record.shard.as_deref(), Some("s2"));
    assert_eq!(record.moved_from.as_deref(), Some("main"));
    assert_eq!(pool.rows(1, "acme"), rows + 1);
    let finished = pool.admin(Method::Post, "acme/move", r#"{"to": "s2"}"#);
    assert_eq!(finished.json()["oldCopyPurged"], true);
    assert_eq!(pool.rows(0, "acme"), 0);
    assert_eq!(pool.record("acme").moved_from, None);

    // A lock left by a move that died mid-copy is lifted by moving to the current shard.
    pool.dbs[1].query(
        "INSERT INTO org_locks (org, state, since_ms) VALUES ('acme', 'moving', 0)",
        vec![],
    );
    assert_eq!(
        pool.scim(
            "acme",
            &token,
            Method::Post,
            "/Users",
            Some(json!({"userName": "x"}))
        )
        .status,
        503
    );
    pool.admin(Method::Post, "acme/move", r#"{"to": "s2"}"#);
    assert_eq!(
        pool.scim(
            "acme",
            &token,
            Method::Post,
            "/Users",
            Some(json!({"userName": "x"}))
        )
        .status,
        201
    );
}

#[test]
fn export_then_import_gives_the_same_directory() {
    let pool = Pool::new();
    let (token, _) = pool.org("acme", r#"{"shard": "s2"}"#);
    pool.seed("acme", &token, 30);
    let before = pool.snapshot("acme", &token);
    let export = pool.admin(Method::Get, "acme/export", "");
    assert_eq!(export.status, 200);
    assert_eq!(
        export.response.header("content-type"),
        Some("application/x-ndjson")
    );
    let file = export.body().to_owned();
    let lines: Vec<Value> = file
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["format"], "scim-edge-export");
    assert_eq!(lines.last().unwrap()["end"]["rows"]["users"], 30);

    // Into a non-empty org: refused.
    assert_eq!(pool.admin(Method::Post, "acme/import", &file).status, 409);
    // Restore: delete the org, give it a token (on another shard), import.
    assert_eq!(pool.admin(Method::Delete, "acme", "").status, 200);
    assert_eq!(pool.registry("acme"), None);
    let (token, shard) = pool.org("acme", r#"{"placement": "eu"}"#);
    assert_eq!(shard, "eu1");
    let imported = pool.admin(Method::Post, "acme/import", &file);
    assert_eq!(imported.status, 200, "{}", imported.why());
    assert_eq!(imported.json()["imported"]["users"], 30);
    assert_eq!(pool.snapshot("acme", &token), before);

    // A cut-off or tampered file is refused and writes nothing.
    let (_, _) = pool.org("copy", "");
    let cut: String = file.lines().take(10).map(|l| format!("{l}\n")).collect();
    assert_eq!(pool.admin(Method::Post, "copy/import", &cut).status, 400);
    let tampered = file.replace("\"user_name\"", "\"user_name; DROP TABLE users\"");
    assert_eq!(
        pool.admin(Method::Post, "copy/import", &tampered).status,
        400
    );
    assert_eq!(
        pool.admin(Method::Post, "copy/import", "{\"format\": \"other\"}\n")
            .status,
        400
    );
    assert_eq!(pool.admin(Method::Post, "ghost/import", &file).status, 404);
}

#[test]
fn deleting_an_org_clears_every_shard_and_the_registry() {
    let pool = Pool::new();
    let (token, _) = pool.org("acme", r#"{"shard": "main"}"#);
    pool.seed("acme", &token, 3);
    // Leftovers of an interrupted move on another shard, locked.
    pool.dbs[2].query(
        "INSERT INTO users (org, id, user_name, user_name_ci, data, created, last_modified, version) \
         VALUES ('acme', 'x', 'x', 'x', '{}', 't', 't', 1)",
        vec![],
    );
    pool.dbs[2].query(
        "INSERT INTO org_locks (org, state, since_ms) VALUES ('acme', 'moving', 0)",
        vec![],
    );
    let deleted = pool.admin(Method::Delete, "acme", "");
    assert_eq!(deleted.status, 200, "{}", deleted.body());
    assert_eq!(deleted.json()["deleted"]["users"], 4);
    assert_eq!(deleted.json()["complete"], true);
    for shard in 0..3 {
        assert_eq!(pool.rows(shard, "acme"), 0);
    }
    assert_eq!(pool.registry("acme"), None);
    // The token is gone from this isolate's cache too.
    assert_eq!(
        pool.scim("acme", &token, Method::Get, "/Users", None)
            .status,
        401
    );
}

#[test]
fn the_token_cache_skips_kv_and_forgets_a_revoked_token_in_its_isolate() {
    let pool = Pool::new();
    let (token, _) = pool.org("acme", "");
    assert_eq!(
        pool.scim("acme", &token, Method::Get, "/Users", None)
            .status,
        200
    );
    assert_eq!(pool.cache.len(), 1);
    // KV changed behind the cache's back (another isolate's admin request): the cached record
    // is still used until it expires.
    block_on(pool.kv.delete(&kv_key("acme"))).unwrap();
    assert_eq!(
        pool.scim("acme", &token, Method::Get, "/Users", None)
            .status,
        200
    );
    // Revoked through this isolate: forgotten at once.
    let (token, _) = pool.org("acme", "");
    assert_eq!(pool.admin(Method::Delete, "acme/token", "").status, 204);
    assert_eq!(
        pool.scim("acme", &token, Method::Get, "/Users", None)
            .status,
        401
    );
}

#[test]
fn the_registry_lists_each_org_with_its_shard_and_counts_from_that_shard() {
    let pool = Pool::new();
    let (a, _) = pool.org("alpha", r#"{"shard": "main"}"#);
    let (b, _) = pool.org("beta", r#"{"shard": "eu1"}"#);
    pool.seed("alpha", &a, 2);
    pool.seed("beta", &b, 3);
    let list = pool.request(Method::Get, "/admin/orgs", ADMIN_SECRET, "");
    assert_eq!(list.status, 200, "{}", list.why());
    let orgs = list.json()["orgs"].clone();
    let find = |name: &str| {
        orgs.as_array()
            .unwrap()
            .iter()
            .find(|o| o["org"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        (
            find("alpha")["shard"].clone(),
            find("alpha")["users"].clone()
        ),
        (json!("main"), json!(2))
    );
    assert_eq!(
        (find("beta")["shard"].clone(), find("beta")["users"].clone()),
        (json!("eu1"), json!(3))
    );
    assert_eq!(find("beta")["groups"], 2);
    assert!(find("beta")["lastActivity"].is_string());
}

#[test]
fn exports_events_and_console_pages_may_read_replicas_but_scim_reads_and_moves_do_not() {
    let pool = Pool::new();
    let (token, _) = pool.org("acme", r#"{"shard": "s2"}"#);
    let ids = pool.seed("acme", &token, 3);
    let replica = |shard: usize| pool.dbs[shard].replica_batches.get();
    pool.scim(
        "acme",
        &token,
        Method::Get,
        &format!("/Users/{}", ids[0]),
        None,
    );
    pool.scim("acme", &token, Method::Get, "/Users", None);
    assert_eq!(replica(1), 0, "SCIM reads stay on the primary");
    assert_eq!(pool.admin(Method::Get, "acme/export", "").status, 200);
    let after_export = replica(1);
    assert!(after_export >= 9, "{after_export}");
    assert_eq!(pool.admin(Method::Get, "acme/events", "").status, 200);
    assert_eq!(pool.admin(Method::Get, "acme/users", "").status, 200);
    assert_eq!(replica(1), after_export + 2);
    assert_eq!(
        pool.admin(Method::Post, "acme/move", r#"{"to": "main"}"#)
            .status,
        200
    );
    assert_eq!(
        replica(1),
        after_export + 2,
        "a move copies from the primary"
    );
    assert_eq!(replica(0), 0);
}
