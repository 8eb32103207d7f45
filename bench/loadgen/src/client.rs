//! One bench target over loopback HTTP: its base URL and token, and a timed request that
//! returns the status, the D1 round trips from `Server-Timing`, and the body.

use serde_json::Value;
use std::time::{Duration, Instant};

/// Every request gives up after this long; a stuck target cannot stall the run.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Edge,
    Floor,
    /// python-scim's scim2-server: in memory.
    Peer,
    /// Ory Polis (@boxyhq/saml-jackson directory sync) on SQLite, via bench/polis/server.mjs.
    Polis,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Edge => "scim-edge",
            Kind::Floor => "floor",
            Kind::Peer => "scim2-server",
            Kind::Polis => "polis",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Target {
    pub kind: Kind,
    /// The SCIM base URL (ends before `/Users`), or the floor's URL.
    pub base: String,
    pub token: Option<String>,
}

pub struct Reply {
    pub status: u16,
    pub latency: Duration,
    pub d1: Option<u32>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(64)
        .build()
        .expect("an HTTP client without TLS always builds")
}

/// Refuses anything but loopback: the bench never sends traffic elsewhere.
pub fn check_loopback(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: only http:// loopback URLs are allowed"))?;
    if rest.starts_with("127.") || rest.starts_with("localhost:") || rest.starts_with("[::1]") {
        Ok(())
    } else {
        Err(format!("{url}: not a loopback address"))
    }
}

/// `d1;desc="queries=N"` → N.
fn d1_round_trips(header: &str) -> Option<u32> {
    header.split(',').find_map(|part| {
        let part = part.trim();
        if !part.starts_with("d1") {
            return None;
        }
        let at = part.find("queries=")? + "queries=".len();
        part[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .ok()
    })
}

impl Target {
    /// Sends `method` to base + `path` and reads the whole body. A transport failure is a
    /// reply with status 0.
    pub async fn send(
        &self,
        http: &reqwest::Client,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Reply {
        let url = format!("{}{}", self.base, path);
        let mut req = http.request(method, &url);
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        let started = Instant::now();
        match req.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let d1 = resp
                    .headers()
                    .get("server-timing")
                    .and_then(|v| v.to_str().ok())
                    .and_then(d1_round_trips);
                let body = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
                Reply {
                    status,
                    latency: started.elapsed(),
                    d1,
                    body,
                }
            }
            Err(e) => Reply {
                status: 0,
                latency: started.elapsed(),
                d1: None,
                body: e.to_string().into_bytes(),
            },
        }
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass).
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_d1_count() {
        assert_eq!(d1_round_trips("d1;desc=\"queries=2\""), Some(2));
        assert_eq!(d1_round_trips("kv;dur=1, d1;desc=\"queries=13\""), Some(13));
        assert_eq!(d1_round_trips("kv;dur=1"), None);
    }

    #[test]
    fn only_loopback_passes() {
        assert!(check_loopback("http://127.0.0.1:8787/x").is_ok());
        assert!(check_loopback("http://10.0.0.1:80/").is_err());
        assert!(check_loopback("https://127.0.0.1/").is_err());
    }
}
