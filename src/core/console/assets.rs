//! The console's static files, embedded in the worker with `include_str!` (docs/console.md
//! explains why: one deployable, no asset binding, no build step, and the files are small).
//! Every page and file goes out with the same security headers: a strict Content-Security-Policy
//! (scripts only from this origin, no inline script, no eval, no framing), no referrer (setup
//! links live in the path), no MIME sniffing.

use crate::core::http::HttpResponse;

/// Scripts, styles and API calls only from this origin; nothing inline, no `eval` (no
/// `'unsafe-eval'`), no plugins, no framing, forms only to this origin.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
base-uri 'none'; frame-ancestors 'none'";

pub const CONSOLE_HTML: &str = include_str!("assets/console.html");
pub const SETUP_HTML: &str = include_str!("assets/setup.html");
pub const LINK_INVALID_HTML: &str = include_str!("assets/link-invalid.html");

/// `/assets/{name}`: the files the pages load, with their media types.
const FILES: [(&str, &str, &str); 4] = [
    (
        "console.css",
        "text/css; charset=utf-8",
        include_str!("assets/console.css"),
    ),
    (
        "common.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/common.js"),
    ),
    (
        "console.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/console.js"),
    ),
    (
        "setup.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/setup.js"),
    ),
];

/// The headers every console or setup response carries (JSON answers included).
pub fn secure(response: HttpResponse) -> HttpResponse {
    response
        .with_header("content-security-policy", CONTENT_SECURITY_POLICY)
        .with_header("referrer-policy", "no-referrer")
        .with_header("x-content-type-options", "nosniff")
        .with_header("x-frame-options", "DENY")
}

/// An HTML page (never cached: it may be a sign-in page one moment and the console the next).
pub fn html(status: u16, body: &str) -> HttpResponse {
    secure(HttpResponse {
        status,
        headers: vec![
            ("content-type".into(), "text/html; charset=utf-8".into()),
            ("cache-control".into(), "no-store".into()),
        ],
        body: Some(body.to_owned()),
    })
}

/// A static file by name, or `None`.
pub fn file(name: &str) -> Option<HttpResponse> {
    let (_, media_type, body) = FILES.iter().find(|(n, _, _)| *n == name)?;
    Some(secure(HttpResponse {
        status: 200,
        headers: vec![
            ("content-type".into(), (*media_type).into()),
            ("cache-control".into(), "public, max-age=300".into()),
        ],
        body: Some((*body).to_owned()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_forbids_inline_script_eval_and_framing() {
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
        assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
        assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self'"));
    }

    #[test]
    fn pages_hold_no_inline_script_or_style_and_no_third_party_url() {
        let mut texts = vec![CONSOLE_HTML, SETUP_HTML, LINK_INVALID_HTML];
        texts.extend(FILES.iter().map(|(_, _, body)| *body));
        for html in [CONSOLE_HTML, SETUP_HTML, LINK_INVALID_HTML] {
            // Every <script> has a src; no on* handler attributes, no style attributes.
            for (i, _) in html.match_indices("<script") {
                let tag = &html[i..i + html[i..].find('>').unwrap()];
                assert!(tag.contains(" src=\"/assets/"), "inline script: {tag}");
            }
            assert!(!html.contains(" onclick=") && !html.contains(" onload="));
            assert!(!html.contains(" style="));
        }
        for text in texts {
            assert!(
                !text.contains("http://") && !text.contains("https://"),
                "external URL"
            );
            assert!(!text.contains("innerHTML") && !text.contains("eval("));
        }
    }

    #[test]
    fn files_are_served_with_security_headers() {
        let css = file("console.css").unwrap();
        assert_eq!(
            css.header("content-security-policy"),
            Some(CONTENT_SECURITY_POLICY)
        );
        assert_eq!(css.header("referrer-policy"), Some("no-referrer"));
        assert!(file("../schema.sql").is_none());
    }
}
