//! Webhook endpoint configuration: the operator's `{"url", "types"}` body, checked before it
//! is stored. Production endpoints must be `https`; plain `http` is allowed only to a loopback
//! receiver, and only when the deployment says it is local (`LOCAL_DEV`), so `make dev` and
//! the tests can run a receiver on 127.0.0.1 while no deployed worker ever posts in clear.

use super::model::EventType;
use crate::core::error::ScimError;
use serde_json::Value;

pub const MAX_URL_LEN: usize = 2048;
const MAX_BODY_BYTES: usize = 16 * 1024;

/// Which events an endpoint receives: every org's (`*`) or one org's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Deployment,
    Org(String),
}

impl Scope {
    /// The `scope` column value.
    pub fn key(&self) -> &str {
        match self {
            Scope::Deployment => "*",
            Scope::Org(org) => org,
        }
    }

    pub fn from_key(key: &str) -> Scope {
        if key == "*" {
            Scope::Deployment
        } else {
            Scope::Org(key.to_owned())
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EndpointConfig {
    pub url: String,
    /// `None`: every type.
    pub types: Option<Vec<EventType>>,
}

impl EndpointConfig {
    pub fn types_json(&self) -> Option<String> {
        self.types.as_ref().map(|types| {
            Value::from(types.iter().map(|t| t.name()).collect::<Vec<_>>()).to_string()
        })
    }

    /// Whether an event of type `kind` (its wire name) goes to this endpoint.
    pub fn wants(&self, kind: &str) -> bool {
        self.types
            .as_ref()
            .is_none_or(|types| types.iter().any(|t| t.name() == kind))
    }
}

/// Parses a stored `types` column.
pub fn types_from_json(text: Option<&str>) -> Option<Vec<EventType>> {
    let list: Vec<String> = serde_json::from_str(text?).ok()?;
    Some(list.iter().filter_map(|t| EventType::parse(t)).collect())
}

/// Whether `url` may receive deliveries: `https://host...`, or with `local`,
/// `http://127.0.0.1`, `http://localhost` or `http://[::1]` (any port and path).
pub fn check_url(url: &str, local: bool) -> Result<(), String> {
    if url.len() > MAX_URL_LEN {
        return Err(format!("url is longer than {MAX_URL_LEN} characters"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("url contains whitespace".into());
    }
    let (rest, https) = if let Some(rest) = url.strip_prefix("https://") {
        (rest, true)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (rest, false)
    } else {
        return Err("url must start with https://".into());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return Err("url needs a host and no user name or password".into());
    }
    if https {
        return Ok(());
    }
    let host = if authority.starts_with('[') {
        authority.split(']').next().map(|h| format!("{h}]"))
    } else {
        authority.split(':').next().map(str::to_owned)
    }
    .unwrap_or_default();
    let loopback = matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]");
    match (loopback, local) {
        (true, true) => Ok(()),
        (true, false) => Err(
            "http:// is allowed only to a loopback receiver on a local deployment (LOCAL_DEV); use https://"
                .into(),
        ),
        (false, _) => Err("url must start with https://".into()),
    }
}

/// The body of `PUT .../webhook`: `{"url": "...", "types": ["user.deactivated", ...]?}`.
pub fn parse_config(body: &[u8], local: bool) -> Result<EndpointConfig, ScimError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ScimError::payload_too_large(MAX_BODY_BYTES));
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| ScimError::invalid_syntax("The request body is not valid UTF-8."))?;
    let Value::Object(body) = crate::core::json::parse_strict(text)? else {
        return Err(ScimError::invalid_syntax(
            "The body must be a JSON object such as {\"url\": \"https://example.com/hook\"}.",
        ));
    };
    if let Some(unknown) = body.keys().find(|k| !matches!(k.as_str(), "url" | "types")) {
        return Err(ScimError::invalid_value(format!(
            "Unknown member '{unknown}': the members are url and types."
        )));
    }
    let url = body
        .get("url")
        .and_then(Value::as_str)
        .ok_or_else(|| ScimError::invalid_value("url (a string) is required."))?;
    check_url(url, local)
        .map_err(|why| ScimError::invalid_value(format!("Invalid url: {why}.")))?;
    let types = match body.get("types") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            let mut types = Vec::new();
            for item in items {
                let kind = item.as_str().and_then(EventType::parse).ok_or_else(|| {
                    ScimError::invalid_value(format!(
                        "Unknown event type {item}; see docs/events.md for the catalogue."
                    ))
                })?;
                if !types.contains(&kind) {
                    types.push(kind);
                }
            }
            if types.is_empty() {
                return Err(ScimError::invalid_value(
                    "types must name at least one event type (omit it for every type).",
                ));
            }
            Some(types)
        }
        Some(_) => {
            return Err(ScimError::invalid_value(
                "types must be an array of event type names.",
            ))
        }
    };
    Ok(EndpointConfig {
        url: url.to_owned(),
        types,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_accepts_only_https() {
        assert!(check_url("https://hooks.example.com/scim", false).is_ok());
        for bad in [
            "http://hooks.example.com/x",
            "http://127.0.0.1:9000/",
            "ftp://x",
            "https://",
            "https://user:pw@example.com/",
            "https://exa mple.com",
            "//example.com",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn local_deployments_accept_loopback_http_only() {
        for ok in [
            "http://127.0.0.1:9000/hook",
            "http://localhost:8080",
            "http://[::1]:1/x",
        ] {
            assert!(check_url(ok, true).is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1/",
            "http://127.0.0.1.evil.com/",
            "http://localhost.evil.com/",
        ] {
            assert!(check_url(bad, true).is_err(), "{bad}");
        }
    }

    #[test]
    fn config_bodies_are_checked() {
        let config = parse_config(
            br#"{"url": "https://a.example/h", "types": ["user.deactivated", "user.deactivated"]}"#,
            false,
        )
        .unwrap();
        assert_eq!(config.types, Some(vec![EventType::UserDeactivated]));
        assert!(config.wants("user.deactivated"));
        assert!(!config.wants("user.created"));
        assert_eq!(
            types_from_json(config.types_json().as_deref()),
            config.types
        );
        for bad in [
            &br#"{"url": "https://a.example", "types": ["user.nope"]}"#[..],
            br#"{"url": "https://a.example", "types": []}"#,
            br#"{"url": "https://a.example", "extra": 1}"#,
            br#"{"types": null}"#,
            br#"[]"#,
        ] {
            assert!(
                parse_config(bad, false).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
