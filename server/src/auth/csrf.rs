//! Protection against cross-site request forgery. A state-changing request (anything but
//! GET, HEAD, OPTIONS) whose `Origin` names another site, or, without `Origin`, whose
//! `Sec-Fetch-Site` says `cross-site` or `same-site`, is refused with 403 `csrf`.
//! Same-origin requests pass, and so do non-browser clients, which send neither header.
//! (Browsers always send one of them on such requests; session cookies are also
//! `SameSite=Lax` as a second line.)

use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{config::Origin, error::ApiError, state::AppState};

/// Middleware: refuses cross-site state-changing requests.
pub async fn reject_cross_site(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_safe(request.method()) || is_same_site(request.headers(), state.config.public_origin.as_ref()) {
        next.run(request).await
    } else {
        tracing::warn!(
            origin = ?request.headers().get(header::ORIGIN),
            sec_fetch_site = ?request.headers().get("sec-fetch-site"),
            "refused a cross-site request"
        );
        ApiError::Csrf.into_response()
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}

/// Decides from the request's headers whether it comes from Primer's own pages.
pub fn is_same_site(headers: &HeaderMap, public_origin: Option<&Origin>) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let Ok(origin) = origin.to_str() else { return false };
        return match public_origin {
            // Configured: only that origin.
            Some(expected) => Origin::parse(origin).is_ok_and(|o| o == *expected),
            // Not configured: the origin must name the host the request was sent to.
            None => {
                let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
                match (Origin::parse(origin), host) {
                    (Ok(o), Some(host)) => {
                        authority(&o.origin).eq_ignore_ascii_case(&default_port_stripped(host, o.https))
                    }
                    _ => false,
                }
            }
        };
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some("cross-site") | Some("same-site") => false,
        // "same-origin", "none" (typed URL, bookmark) or absent (not a browser).
        _ => true,
    }
}

fn authority(origin: &str) -> &str {
    origin.split_once("://").map_or(origin, |(_, rest)| rest)
}

fn default_port_stripped(host: &str, https: bool) -> String {
    let default = if https { ":443" } else { ":80" };
    host.strip_suffix(default).unwrap_or(host).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn same_origin_passes_without_configuration() {
        assert!(is_same_site(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]), None));
        assert!(is_same_site(&headers(&[("origin", "https://p.example"), ("host", "p.example:443")]), None));
    }

    #[test]
    fn other_origins_are_refused() {
        assert!(!is_same_site(&headers(&[("origin", "https://evil.example"), ("host", "127.0.0.1:3000")]), None));
        assert!(!is_same_site(&headers(&[("origin", "http://127.0.0.1:3001"), ("host", "127.0.0.1:3000")]), None));
        assert!(!is_same_site(&headers(&[("origin", "null"), ("host", "127.0.0.1:3000")]), None));
    }

    #[test]
    fn configured_origin_is_the_only_one() {
        let public = Origin::parse("https://primer.example.com").unwrap();
        assert!(is_same_site(&headers(&[("origin", "https://primer.example.com")]), Some(&public)));
        // Behind a proxy the Host header may be internal; the configured origin decides.
        assert!(is_same_site(
            &headers(&[("origin", "https://primer.example.com"), ("host", "10.0.0.5:3000")]),
            Some(&public)
        ));
        assert!(!is_same_site(&headers(&[("origin", "http://primer.example.com")]), Some(&public)));
    }

    #[test]
    fn fetch_metadata_decides_without_origin() {
        assert!(!is_same_site(&headers(&[("sec-fetch-site", "cross-site")]), None));
        assert!(!is_same_site(&headers(&[("sec-fetch-site", "same-site")]), None));
        assert!(is_same_site(&headers(&[("sec-fetch-site", "same-origin")]), None));
        assert!(is_same_site(&headers(&[("sec-fetch-site", "none")]), None));
        assert!(is_same_site(&headers(&[]), None), "non-browser clients send neither");
    }
}
