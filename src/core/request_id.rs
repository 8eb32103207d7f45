//! The request id that ties an IdP's log entry to one worker log line: Cloudflare's `cf-ray`
//! when the request carries one, else a random id. Every response carries it in
//! `x-request-id`, and every SCIM error body's `detail` ends with it, because the detail is
//! what Entra, Okta and OneLogin show in their provisioning logs.

use crate::core::error::ScimError;
use crate::core::http::{HttpResponse, SCIM_CONTENT_TYPE};
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};

/// The response header carrying the id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// Longer or stranger `cf-ray` values are replaced by a random id rather than echoed.
const MAX_RAY_LEN: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// `cf-ray` (e.g. `8c1a2b3c4d5e6f70-LHR`) if present and plain, else 16 random hex digits.
    pub fn new(cf_ray: Option<&str>) -> RequestId {
        match cf_ray.map(str::trim) {
            Some(ray)
                if !ray.is_empty()
                    && ray.len() <= MAX_RAY_LEN
                    && ray.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
            {
                RequestId(ray.to_owned())
            }
            _ => RequestId::random(),
        }
    }

    fn random() -> RequestId {
        let mut bytes = [0u8; 8];
        if getrandom::getrandom(&mut bytes).is_err() {
            // Without randomness a per-instance sequence still tells requests apart in a log.
            static FALLBACK: AtomicU64 = AtomicU64::new(1);
            bytes = FALLBACK.fetch_add(1, Ordering::Relaxed).to_be_bytes();
        }
        RequestId(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The error's detail with this id at its end.
    pub fn error_detail(&self, detail: &str) -> String {
        format!("{detail} Request id: {}", self.0)
    }

    /// `response` with the id header, and, when it is a SCIM error, the id at the end of its
    /// `detail`. Applied once to every response, so no handler has to remember it.
    pub fn stamp(&self, mut response: HttpResponse) -> HttpResponse {
        if response.status >= 400 && response.header("content-type") == Some(SCIM_CONTENT_TYPE) {
            if let Some(body) = response.body.as_deref().and_then(|b| self.stamped_error(b)) {
                response.body = Some(body);
            }
        }
        response
            .headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case(REQUEST_ID_HEADER));
        response.with_header(REQUEST_ID_HEADER, self.0.clone())
    }

    /// The error response for `error`, stamped (for paths that build one directly).
    pub fn error_response(&self, error: &ScimError) -> HttpResponse {
        self.stamp(HttpResponse::error(error))
    }

    fn stamped_error(&self, body: &str) -> Option<String> {
        let mut json: Value = serde_json::from_str(body).ok()?;
        let is_error = json
            .get("schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().any(|u| u == ERROR_SCHEMA));
        if !is_error {
            return None;
        }
        let detail = json.get("detail").and_then(Value::as_str).unwrap_or("");
        if detail.ends_with(&self.0) {
            return None;
        }
        json["detail"] = Value::String(self.error_detail(detail).trim_start().to_owned());
        Some(json.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_cf_ray_when_present_and_plain() {
        assert_eq!(
            RequestId::new(Some("8c1a2b3c4d5e6f70-LHR")).as_str(),
            "8c1a2b3c4d5e6f70-LHR"
        );
    }

    #[test]
    fn makes_a_random_id_without_cf_ray_or_for_a_strange_one() {
        for ray in [
            None,
            Some(""),
            Some("a b"),
            Some("<script>"),
            Some(&*"a".repeat(65)),
        ] {
            let id = RequestId::new(ray);
            assert_eq!(id.as_str().len(), 16, "{ray:?}");
            assert!(id.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
        }
        assert_ne!(RequestId::new(None), RequestId::new(None));
    }

    #[test]
    fn stamps_the_header_and_ends_an_error_detail_with_the_id() {
        let id = RequestId::new(Some("abc-FRA"));
        let response = id.stamp(HttpResponse::error(&ScimError::uniqueness(
            "User with userName alice already exists.",
        )));
        assert_eq!(response.header(REQUEST_ID_HEADER), Some("abc-FRA"));
        let body: Value = serde_json::from_str(response.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            body["detail"],
            "User with userName alice already exists. Request id: abc-FRA"
        );
        assert_eq!(body["scimType"], "uniqueness");
        assert_eq!(body["status"], "409");
    }

    #[test]
    fn stamping_twice_changes_nothing_more() {
        let id = RequestId::new(Some("abc"));
        let once = id.stamp(HttpResponse::error(&ScimError::internal()));
        let twice = id.stamp(once.clone());
        assert_eq!(once, twice);
    }

    #[test]
    fn leaves_success_bodies_alone() {
        let id = RequestId::new(Some("abc"));
        let ok = HttpResponse::json(200, &serde_json::json!({"detail": "x"}));
        let stamped = id.stamp(ok.clone());
        assert_eq!(stamped.body, ok.body);
        assert_eq!(stamped.header(REQUEST_ID_HEADER), Some("abc"));
        let empty = id.stamp(HttpResponse::empty(204));
        assert_eq!(empty.body, None);
    }
}
