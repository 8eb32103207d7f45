//! Test harness: each test takes its own freshly seeded org (so tests never see each other's
//! data) and talks to the wrangler dev instance started by scripts/e2e.sh.

#![allow(dead_code)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

struct Env {
    base_url: String,
    tokens: BTreeMap<String, String>,
    persist: String,
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let base_url = std::env::var("SCIM_E2E_BASE_URL").expect(
            "SCIM_E2E_BASE_URL is not set: run the e2e suite with `make test` or scripts/e2e.sh",
        );
        let tokens_file = std::env::var("SCIM_E2E_TOKENS").expect("SCIM_E2E_TOKENS is not set");
        let persist = std::env::var("SCIM_E2E_PERSIST").expect("SCIM_E2E_PERSIST is not set");
        let text = std::fs::read_to_string(&tokens_file).expect("read the seeded tokens");
        let tokens: BTreeMap<String, String> = serde_json::from_str(&text).expect("tokens JSON");
        Env {
            base_url,
            tokens,
            persist,
        }
    })
}

pub fn base_url() -> &'static str {
    &env().base_url
}

pub fn persist_dir() -> &'static str {
    &env().persist
}

pub fn admin_secret() -> String {
    std::env::var("SCIM_E2E_ADMIN_SECRET").expect("SCIM_E2E_ADMIN_SECRET is not set")
}

/// A response as the tests see it: status, headers (lower-cased names) and body text.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.text))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
    /// Asserts the RFC 7644 §3.12 error shape and returns the body.
    pub fn scim_error(&self, status: u16) -> Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        let body = self.json();
        assert_eq!(
            body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error",
            "{body}"
        );
        assert_eq!(body["status"], status.to_string(), "{body}");
        assert!(
            self.header("content-type")
                .is_some_and(|c| c.starts_with("application/scim+json")),
            "content-type: {:?}",
            self.header("content-type")
        );
        // Traceability: the detail an IdP logs ends with the id of the worker's log line.
        let id = self.header("x-request-id").expect("x-request-id header");
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|d| d.ends_with(&format!(" Request id: {id}"))),
            "detail does not end with the request id {id}: {body}"
        );
        body
    }
}

/// This test thread's client address (in the 2001:db8::/32 documentation prefix).
pub fn caller_address() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    thread_local! {
        static ADDRESS: String = format!("2001:db8::{:x}", NEXT.fetch_add(1, Ordering::SeqCst));
    }
    ADDRESS.with(Clone::clone)
}

/// What `wrangler dev`'s own proxy answers (plain text, never the worker's SCIM JSON) when its
/// pooled connection to the local worker closes just as a request is written: kj's 5 s idle
/// timeouts on both ends collide (workers-sdk issue 14641). The worker never sees that request,
/// and the proxy retries only GET and HEAD itself.
const DEV_PROXY_DROPPED: &str = "Your worker restarted mid-request.";

/// Sends a request. `headers` are added as given; no implicit auth. A request the local dev
/// proxy dropped before the worker saw it (`DEV_PROXY_DROPPED`) is sent again, at most twice:
/// had the worker seen it, the resend would show (a 409, a second resource) in the test.
pub fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Reply {
    let mut reply = send_once(method, url, headers, body);
    for _ in 0..2 {
        if !(reply.status == 503 && reply.text.starts_with(DEV_PROXY_DROPPED)) {
            break;
        }
        eprintln!("{method} {url}: dropped by the wrangler dev proxy, sent again");
        reply = send_once(method, url, headers, body);
    }
    reply
}

fn send_once(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Reply {
    let agent = ureq::AgentBuilder::new()
        .timeout(std::time::Duration::from_secs(60))
        .build();
    let mut request = agent.request(method, url);
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("cf-connecting-ip"))
    {
        // Each test thread is its own caller, as each test is its own org: the
        // failed-authentication budget is per caller address, and `wrangler dev` keeps a
        // CF-Connecting-IP the client sends.
        request = request.set("cf-connecting-ip", &caller_address());
    }
    for (name, value) in headers {
        request = request.set(name, value);
    }
    let result = match body {
        Some(body) => request.send_string(body),
        None => request.call(),
    };
    let response = match result {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(e) => panic!("{method} {url}: {e}"),
    };
    let status = response.status();
    let headers = response
        .headers_names()
        .into_iter()
        .filter_map(|name| {
            response
                .header(&name)
                .map(|v| (name.to_ascii_lowercase(), v.to_owned()))
        })
        .collect();
    let text = response.into_string().unwrap_or_default();
    Reply {
        status,
        headers,
        text,
    }
}

/// One test's view of the service: its own org and that org's token.
pub struct TestApp {
    pub org: String,
    pub token: String,
}

static NEXT_ORG: AtomicUsize = AtomicUsize::new(1);

impl TestApp {
    /// A fresh org nobody else uses in this run.
    pub fn new() -> TestApp {
        let n = NEXT_ORG.fetch_add(1, Ordering::SeqCst);
        let org = format!("e2e-{n}");
        let token = env()
            .tokens
            .get(&org)
            .unwrap_or_else(|| panic!("no seeded token for {org}: raise E2E_ORGS"))
            .clone();
        TestApp { org, token }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/scim/v2/{}{}", base_url(), self.org, path)
    }

    pub fn auth(&self) -> String {
        format!("Bearer {}", self.token)
    }

    pub fn get(&self, path: &str) -> Reply {
        send(
            "GET",
            &self.url(path),
            &[("authorization", &self.auth())],
            None,
        )
    }

    pub fn delete(&self, path: &str) -> Reply {
        send(
            "DELETE",
            &self.url(path),
            &[("authorization", &self.auth())],
            None,
        )
    }

    pub fn send_json(&self, method: &str, path: &str, body: &Value) -> Reply {
        send(
            method,
            &self.url(path),
            &[
                ("authorization", &self.auth()),
                ("content-type", "application/scim+json"),
            ],
            Some(&body.to_string()),
        )
    }

    pub fn post(&self, path: &str, body: &Value) -> Reply {
        self.send_json("POST", path, body)
    }

    pub fn put(&self, path: &str, body: &Value) -> Reply {
        self.send_json("PUT", path, body)
    }

    pub fn patch(&self, path: &str, body: &Value) -> Reply {
        self.send_json("PATCH", path, body)
    }
}

/// Runs `scripts/token.sh --new ORG` against the running instance's state and returns the new
/// token (the last line of stdout), as `make token ORG=... PERSIST=...` does.
pub fn make_token(org: &str) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let output = std::process::Command::new("bash")
        .arg(format!("{root}/scripts/token.sh"))
        .args(["--new", org, "--persist", persist_dir()])
        .output()
        .expect("run scripts/token.sh");
    assert!(
        output.status.success(),
        "token.sh failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .last()
        .expect("a token line")
        .trim()
        .to_owned()
}

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// Form-urlencodes a query value the way IdPs send it (space as `+`, quotes as `%22`).
pub fn enc(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A PatchOp body with the given operations.
pub fn patch_body(operations: Value) -> Value {
    serde_json::json!({"schemas": [PATCH_OP], "Operations": operations})
}

/// The D1 round trips the worker reports in `Server-Timing`.
pub fn queries(reply: &Reply) -> u32 {
    let header = reply.header("server-timing").expect("Server-Timing header");
    header
        .split("queries=")
        .nth(1)
        .and_then(|rest| rest.trim_end_matches('"').parse().ok())
        .unwrap_or_else(|| panic!("Server-Timing: {header}"))
}

impl TestApp {
    /// Sends with extra headers (auth and JSON content type added).
    pub fn send_with(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Reply {
        let auth = self.auth();
        let mut all = vec![
            ("authorization", auth.as_str()),
            ("content-type", "application/scim+json"),
        ];
        all.extend_from_slice(headers);
        let text = body.map(Value::to_string);
        send(method, &self.url(path), &all, text.as_deref())
    }

    /// Creates a user with that userName (and a work email) and returns the 201 body.
    pub fn create_user(&self, user_name: &str) -> Value {
        let reply = self.post(
            "/Users",
            &serde_json::json!({
                "schemas": [USER_SCHEMA],
                "userName": user_name,
                "name": {"givenName": "Given", "familyName": "Family"},
                "emails": [{"value": format!("{user_name}@example.com"), "type": "work", "primary": true}],
                "active": true
            }),
        );
        assert_eq!(reply.status, 201, "create user: {}", reply.text);
        reply.json()
    }

    pub fn create_user_id(&self, user_name: &str) -> String {
        self.create_user(user_name)["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// Creates a group with these member ids and returns the 201 body.
    pub fn create_group(&self, display_name: &str, members: &[&str]) -> Value {
        let members: Vec<Value> = members
            .iter()
            .map(|id| serde_json::json!({"value": id}))
            .collect();
        let reply = self.post(
            "/Groups",
            &serde_json::json!({
                "schemas": [GROUP_SCHEMA],
                "displayName": display_name,
                "members": members
            }),
        );
        assert_eq!(reply.status, 201, "create group: {}", reply.text);
        reply.json()
    }

    pub fn create_group_id(&self, display_name: &str, members: &[&str]) -> String {
        self.create_group(display_name, members)["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// GET that must answer 200; returns the body.
    pub fn get_ok(&self, path: &str) -> Value {
        let reply = self.get(path);
        assert_eq!(reply.status, 200, "GET {path}: {}", reply.text);
        reply.json()
    }

    /// The sorted member ids of a group.
    pub fn member_ids(&self, group_id: &str) -> Vec<String> {
        let body = self.get_ok(&format!("/Groups/{group_id}"));
        let mut ids: Vec<String> = body["members"]
            .as_array()
            .map(|m| {
                m.iter()
                    .filter_map(|x| x["value"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    }

    /// The ids a user filter finds (sorted).
    pub fn filter_ids(&self, resource: &str, filter: &str) -> Vec<String> {
        let body = self.get_ok(&format!("/{resource}?filter={}", enc(filter)));
        let mut ids: Vec<String> = body["Resources"]
            .as_array()
            .expect("Resources")
            .iter()
            .map(|r| r["id"].as_str().expect("id").to_owned())
            .collect();
        ids.sort();
        ids
    }
}

/// Sorted copy of string ids.
pub fn sorted(ids: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    v.sort();
    v
}

/// An admin API request (`/admin/orgs/{path}`) with the suite's ADMIN_SECRET.
pub fn admin(method: &str, path: &str, body: Option<&str>) -> Reply {
    let auth = format!("Bearer {}", admin_secret());
    let mut headers = vec![("authorization", auth.as_str())];
    if body.is_some() {
        headers.push(("content-type", "application/json"));
    }
    send(
        method,
        &format!("{}/admin/orgs/{path}", base_url()),
        &headers,
        body,
    )
}

/// Runs the worker's Cron Trigger (retention and the delivery sweep), as `wrangler dev
/// --test-scheduled` allows.
pub fn run_cron() {
    let url = format!("{}/__scheduled?cron=*/5+*+*+*+*", base_url());
    let reply = send("GET", &url, &[], None);
    assert_eq!(reply.status, 200, "cron: {}", reply.text);
}

/// An admin request to any path under `/admin` (e.g. `/admin/webhook`).
pub fn admin_at(method: &str, path: &str, body: Option<&str>) -> Reply {
    let auth = format!("Bearer {}", admin_secret());
    send(
        method,
        &format!("{}{path}", base_url()),
        &[
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
        ],
        body,
    )
}
