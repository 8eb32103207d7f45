//! A webhook receiver on a loopback port, run inside the test: it records every request and
//! answers from a script of statuses (200 once the script runs out). Signatures are checked
//! the way an application would (Standard Webhooks: HMAC-SHA256 of "{id}.{timestamp}.{body}"
//! keyed with the base64-decoded secret), with the crates, not with the worker's own code.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Delivery {
    pub headers: BTreeMap<String, String>,
    pub body: String,
    /// The status this request was answered with.
    pub answered: u16,
}

impl Delivery {
    pub fn event(&self) -> Value {
        serde_json::from_str(&self.body).expect("a delivery body is JSON")
    }
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }
}

pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<Delivery>>>,
}

impl Receiver {
    /// Starts a receiver that answers `script` in order, then 200.
    pub fn start(script: &[u16]) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(
            script.iter().copied().collect::<VecDeque<u16>>(),
        ));
        let sink = Arc::clone(&got);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                let mut headers = BTreeMap::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':') {
                        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
                    }
                }
                let length: usize = headers
                    .get("content-length")
                    .and_then(|l| l.parse().ok())
                    .unwrap_or(0);
                let mut body = vec![0u8; length];
                if reader.read_exact(&mut body).is_err() {
                    continue;
                }
                let status = script.lock().unwrap().pop_front().unwrap_or(200);
                sink.lock().unwrap().push(Delivery {
                    headers,
                    body: String::from_utf8_lossy(&body).into_owned(),
                    answered: status,
                });
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
            }
        });
        Receiver { url, got }
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (up to `within`) until `done` holds for what arrived, running the events cron
    /// every few seconds so a delivery that waits on the sweep also arrives.
    pub fn wait_for(&self, within: Duration, done: impl Fn(&[Delivery]) -> bool) -> Vec<Delivery> {
        let started = Instant::now();
        let mut last_cron = Instant::now();
        loop {
            let got = self.deliveries();
            if done(&got) {
                return got;
            }
            if started.elapsed() > within {
                panic!(
                    "timed out; received {} deliveries: {:#?}",
                    got.len(),
                    got.iter()
                        .map(|d| (d.answered, d.body.clone()))
                        .collect::<Vec<_>>()
                );
            }
            if last_cron.elapsed() > Duration::from_secs(3) {
                crate::helpers::run_cron();
                last_cron = Instant::now();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The receiver's check: does `webhook-signature` hold a `v1` signature of this delivery
/// under `secret` (`whsec_...`)?
pub fn signature_is_valid(secret: &str, delivery: &Delivery) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64 secret");
    let signed = format!(
        "{}.{}.{}",
        delivery.header("webhook-id"),
        delivery.header("webhook-timestamp"),
        delivery.body
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(signed.as_bytes());
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    delivery
        .header("webhook-signature")
        .split(' ')
        .any(|entry| entry == format!("v1,{expected}"))
}
