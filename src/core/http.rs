//! The HTTP shapes the core works with, independent of the Workers runtime: a request with its
//! body already read, a response to be converted by the glue, and the content rules of
//! RFC 7644 §3.1 and §8.1.

use crate::core::error::ScimError;
use serde_json::Value;

/// `application/scim+json` is what every response carries (RFC 7644 §3.1).
pub const SCIM_CONTENT_TYPE: &str = "application/scim+json";
/// Largest request body accepted; anything bigger is answered 413. It leaves room for one
/// PATCH adding 10,000 members with `display` and `$ref` values.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The request method. `Other` stands for every method this service does not answer
/// (PROPFIND, TRACE, CONNECT, a lower-case `patch`, ...): the glue reads the raw method the
/// client sent, never a runtime's guess, so none of them is ever served as GET.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
    Other,
}

impl Method {
    /// RFC 9110 §9.1: "The method token is case-sensitive"; the standard methods are
    /// upper-case, so `get` or `Patch` is some other method, not GET or PATCH.
    pub fn parse(raw: &str) -> Method {
        match raw {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "HEAD" => Method::Head,
            "OPTIONS" => Method::Options,
            _ => Method::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
            Method::Other => "OTHER",
        }
    }
}

/// The value of an `Allow` header listing `methods` (RFC 9110 §10.2.1).
pub fn allow_header(methods: &[Method]) -> String {
    methods
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: Method,
    /// `scheme://host[:port]` of the request, used for absolute `meta.location` values.
    pub origin: String,
    /// The raw (still percent-encoded) path.
    pub path: String,
    /// The raw query string without `?`.
    pub query: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Parses the body as JSON after checking its media type and size.
    ///
    /// RFC 7644 §3.1 / §8.1: clients send `application/scim+json`; `application/json` is also
    /// accepted (many IdPs and tools send it), with any parameters such as `charset=utf-8`.
    /// A request without `Content-Type` is read as JSON too. Anything else is 415.
    pub fn json_body(&self) -> Result<Value, ScimError> {
        if let Some(content_type) = self.header("content-type") {
            let media_type = content_type
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if media_type != "application/scim+json" && media_type != "application/json" {
                return Err(ScimError::unsupported_media_type(format!(
                    "Content-Type '{media_type}' is not supported; send application/scim+json or application/json."
                )));
            }
        }
        if self.body.len() > MAX_BODY_BYTES {
            return Err(ScimError::payload_too_large(MAX_BODY_BYTES));
        }
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(ScimError::invalid_syntax(
                "The request body is empty; a JSON object is required.",
            ));
        }
        let text = std::str::from_utf8(&self.body).map_err(|e| {
            ScimError::invalid_syntax(format!(
                "The request body is not valid UTF-8 (byte {}).",
                e.valid_up_to()
            ))
        })?;
        crate::core::json::parse_strict(text)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl HttpResponse {
    pub fn json(status: u16, body: &Value) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("content-type".into(), SCIM_CONTENT_TYPE.into())],
            body: Some(body.to_string()),
        }
    }

    pub fn empty(status: u16) -> HttpResponse {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn error(error: &ScimError) -> HttpResponse {
        let mut response = HttpResponse::json(error.status, &error.to_json());
        if error.status == 401 {
            // RFC 6750 §3: a 401 names the scheme it expects.
            response
                .headers
                .push(("www-authenticate".into(), "Bearer realm=\"scim\"".into()));
        }
        response
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> HttpResponse {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Decodes `application/x-www-form-urlencoded` text: `+` is a space, `%XX` a byte. Invalid
/// escapes are kept literally; invalid UTF-8 is replaced, never a panic.
pub fn form_decode(raw: &str) -> String {
    percent_decode(&raw.replace('+', " "))
}

/// Decodes `%XX` escapes (path segments: `+` stays `+`).
pub fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The query string as decoded `(name, value)` pairs, in order.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| match part.split_once('=') {
            Some((k, v)) => (form_decode(k), form_decode(v)),
            None => (form_decode(part), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(content_type: Option<&str>, body: &str) -> HttpRequest {
        HttpRequest {
            method: Method::Post,
            origin: "http://localhost".into(),
            path: "/".into(),
            query: String::new(),
            headers: content_type
                .map(|c| vec![("content-type".to_owned(), c.to_owned())])
                .unwrap_or_default(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn methods_are_case_sensitive_and_unknown_ones_are_other() {
        for (raw, method) in [
            ("GET", Method::Get),
            ("HEAD", Method::Head),
            ("POST", Method::Post),
            ("PUT", Method::Put),
            ("PATCH", Method::Patch),
            ("DELETE", Method::Delete),
            ("OPTIONS", Method::Options),
        ] {
            assert_eq!(Method::parse(raw), method, "{raw}");
            assert_eq!(method.as_str(), raw);
        }
        for raw in [
            "PROPFIND", "TRACE", "CONNECT", "REPORT", "MKCOL", "QUERY", "get", "patch", "Delete",
            "GET ", "", "G\u{0}ET",
        ] {
            assert_eq!(Method::parse(raw), Method::Other, "{raw:?}");
        }
    }

    #[test]
    fn allow_header_lists_methods_in_order() {
        assert_eq!(
            allow_header(&[Method::Get, Method::Head, Method::Options]),
            "GET, HEAD, OPTIONS"
        );
    }

    #[test]
    fn form_decoding_turns_plus_into_space() {
        assert_eq!(
            form_decode("userName+eq+%22a%40b.c%22"),
            "userName eq \"a@b.c\""
        );
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn query_pairs_keep_order_and_flags() {
        let pairs = query_pairs("aadOptscim062020&filter=a+eq+%22b%22&count=2");
        assert_eq!(pairs[0], ("aadOptscim062020".into(), "".into()));
        assert_eq!(pairs[1], ("filter".into(), "a eq \"b\"".into()));
        assert_eq!(pairs[2], ("count".into(), "2".into()));
    }

    #[test]
    fn accepts_scim_json_and_json_with_charset() {
        for ct in [
            "application/scim+json",
            "application/scim+json; charset=utf-8",
            "Application/JSON",
            "application/json;charset=UTF-8",
        ] {
            assert!(request(Some(ct), "{}").json_body().is_ok(), "{ct}");
        }
        assert!(request(None, "{}").json_body().is_ok());
    }

    #[test]
    fn refuses_other_media_types_with_415() {
        let err = request(Some("text/plain"), "{}").json_body().unwrap_err();
        assert_eq!(err.status, 415);
    }

    #[test]
    fn invalid_json_is_invalid_syntax() {
        let err = request(Some("application/json"), "{\"a\":")
            .json_body()
            .unwrap_err();
        assert_eq!(
            (err.status, err.scim_type),
            (400, Some(crate::core::error::ScimType::InvalidSyntax))
        );
    }
}
