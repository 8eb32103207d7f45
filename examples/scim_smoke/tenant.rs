//! One tenant URL and the requests sent to it: each printed as a provisioning-log line with
//! its status, time and request id.

use serde_json::Value;
use std::time::{Duration, Instant};

pub(crate) struct Answer {
    pub status: u16,
    pub request_id: String,
    pub body: Value,
}

pub(crate) struct Tenant {
    agent: ureq::Agent,
    /// The tenant URL without its query and without a trailing `/`.
    base: String,
    /// The tenant URL's own query (for example `aadOptscim062020`), sent with every request.
    flags: Option<String>,
    token: String,
    /// Requests sent so far (the number printed in front of each line).
    pub step: usize,
}

impl Tenant {
    pub(crate) fn new(url: &str, token: String) -> Tenant {
        let (base, flags) = match url.split_once('?') {
            Some((base, query)) if !query.is_empty() => (base, Some(query.to_owned())),
            Some((base, _)) => (base, None),
            None => (url, None),
        };
        Tenant {
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(30))
                .build(),
            base: base.trim_end_matches('/').to_owned(),
            flags,
            token,
            step: 0,
        }
    }

    /// Sends one request and prints its log line. Only a transport failure is an `Err` here;
    /// every HTTP status is an answer for the caller to judge.
    pub(crate) fn send(
        &mut self,
        action: &str,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Answer, String> {
        self.step += 1;
        let mut request = self
            .agent
            .request(method, &format!("{}{path}", self.base))
            .set("Authorization", &format!("Bearer {}", self.token))
            .set("Accept", "application/scim+json");
        if let Some(flags) = &self.flags {
            for pair in flags.split('&') {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                request = request.query(name, value);
            }
        }
        for (name, value) in query {
            request = request.query(name, value);
        }
        let shown = match query.iter().find(|(name, _)| *name == "filter") {
            Some((_, filter)) => format!("{path}?filter={filter}"),
            None => path.to_owned(),
        };
        let started = Instant::now();
        let result = match body {
            Some(body) => request
                .set("Content-Type", "application/scim+json; charset=utf-8")
                .send_string(&body.to_string()),
            None => request.call(),
        };
        let response = match result {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(e) => {
                println!("{:>3}  {action:<38} {method:<6} {shown}", self.step);
                return Err(format!("no answer from {}: {e}", self.base));
            }
        };
        let elapsed = started.elapsed().as_millis();
        let status = response.status();
        let request_id = response.header("x-request-id").unwrap_or("-").to_owned();
        let text = response.into_string().unwrap_or_default();
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        println!(
            "{:>3}  {action:<38} {method:<6} {status}  {elapsed:>5} ms  request id {request_id}  {shown}",
            self.step
        );
        Ok(Answer {
            status,
            request_id,
            body,
        })
    }
}
