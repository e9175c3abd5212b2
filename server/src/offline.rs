//! The service worker: `/sw.js`, filled in at start-up from the site being served, so
//! its precache list names exactly this build's files and its cache is versioned by
//! them (a hash of their bytes). Served with `Cache-Control: no-cache`, so browsers
//! check for a new worker on every visit.

use std::path::Path;

use axum::{
    Router,
    http::{HeaderValue, header},
    response::IntoResponse,
    routing::get,
};
use sha2::{Digest, Sha256};

use crate::state::AppState;

const TEMPLATE: &str = include_str!("../assets/service-worker.js");

/// What a phone needs to start Primer with no signal: the bundle, the styles, the
/// scripts the pages load, the manifest and icons, and the page shown for anything not
/// saved. Paths under the site root.
pub const PRECACHE: &[&str] = &[
    "/pkg/primer.js",
    "/pkg/primer_bg.wasm",
    "/pkg/primer.css",
    "/sw-range.js",
    "/sw-register.js",
    "/offline-store.js",
    "/offline.html",
    "/manifest.webmanifest",
    "/favicon.svg",
    "/icons/icon-192.png",
    "/icons/icon-512.png",
    "/icons/maskable-512.png",
    "/icons/apple-touch-icon.png",
];

/// The staff's bundle (`app::Bundle::Staff`): cached by the worker the first time a staff
/// page loads it, and carried into each new build's cache where it was cached before, so
/// a learner's phone never downloads it and a manager's starts Studio or Team offline.
pub const STAFF: &[&str] = &["/pkg/primer-staff.js", "/pkg/primer-staff_bg.wasm", "/pkg/primer-staff.css"];

/// The practice screens' script (public/practice.js): kept by the worker like the staff's
/// bundle, the first time a page loads it, so only phones that open practice modules
/// download it, and they can record a take offline afterwards.
pub const PRACTICE: &[&str] = &["/practice.js"];

/// The service worker for one build of the site.
#[derive(Debug, Clone)]
pub struct ServiceWorker {
    /// A hash of the precached files, the staff's bundle and practice.js: changes whenever any of them
    /// does.
    pub build: String,
    pub script: String,
}

impl ServiceWorker {
    /// Reads the site's files (those that exist: a test server may have no bundle).
    pub fn for_site(site_root: &Path) -> ServiceWorker {
        let mut hash = Sha256::new();
        let mut present = |paths: &[&'static str]| {
            let mut found = Vec::new();
            for path in paths {
                if let Ok(bytes) = std::fs::read(site_root.join(path.trim_start_matches('/'))) {
                    hash.update(path.as_bytes());
                    hash.update(&bytes);
                    found.push(*path);
                }
            }
            serde_json::to_string(&found).expect("paths are JSON")
        };
        let precache = present(PRECACHE);
        let staff = present(STAFF);
        let practice = present(PRACTICE);
        let build = hex::encode(&hash.finalize()[..6]);
        let script = TEMPLATE
            .replace("__PRIMER_BUILD__", &build)
            .replace("__PRIMER_PRECACHE__", &precache)
            .replace("__PRIMER_STAFF__", &staff)
            .replace("__PRIMER_PRACTICE__", &practice);
        ServiceWorker { build, script }
    }
}

/// `/sw.js`.
pub fn router(state: &AppState) -> Router<AppState> {
    let worker = ServiceWorker::for_site(Path::new(state.leptos_options.site_root.as_ref()));
    tracing::debug!(build = %worker.build, "service worker ready");
    let script = axum::body::Bytes::from(worker.script);
    // A worker runs under its script's policy: it imports Primer's scripts and fetches
    // from Primer (and, in S3 mode, media from the bucket), nothing else.
    let connect = match state.media.origin() {
        Some(origin) => format!("'self' blob: {origin}"),
        None => "'self' blob:".to_string(),
    };
    let policy = HeaderValue::from_str(&format!(
        "default-src 'self'; script-src 'self'; connect-src {connect}; object-src 'none'; base-uri 'none'"
    ))
    .expect("a policy of plain characters");
    Router::new().route(
        "/sw.js",
        get(move || async move {
            (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8")),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                    (header::CONTENT_SECURITY_POLICY, policy),
                ],
                script,
            )
                .into_response()
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_id_and_precache_list_follow_the_site() {
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(site.path().join("pkg")).unwrap();
        std::fs::write(site.path().join("pkg/primer.js"), "one").unwrap();
        std::fs::write(site.path().join("offline.html"), "<p>offline</p>").unwrap();
        let first = ServiceWorker::for_site(site.path());
        assert!(first.script.contains(r#"const PRECACHE = ["/pkg/primer.js","/offline.html"];"#), "{}", first.script);
        assert!(first.script.contains(&format!("const BUILD = '{}';", first.build)));
        assert!(first.script.contains("const STAFF = [];"), "{}", first.script);
        assert!(!first.script.contains("__PRIMER_"));

        // Same files, same build; any change, a new one.
        assert_eq!(ServiceWorker::for_site(site.path()).build, first.build);
        std::fs::write(site.path().join("pkg/primer.js"), "two").unwrap();
        let second = ServiceWorker::for_site(site.path());
        assert_ne!(second.build, first.build);

        // The staff's bundle is listed apart from the precache, and a new one is a new build.
        std::fs::write(site.path().join("pkg/primer-staff.js"), "staff").unwrap();
        let third = ServiceWorker::for_site(site.path());
        assert!(third.script.contains(r#"const PRECACHE = ["/pkg/primer.js","/offline.html"];"#), "{}", third.script);
        assert!(third.script.contains(r#"const STAFF = ["/pkg/primer-staff.js"];"#), "{}", third.script);
        assert_ne!(third.build, second.build);

        // So is the practice script.
        assert!(third.script.contains("const PRACTICE = [];"), "{}", third.script);
        std::fs::write(site.path().join("practice.js"), "practice").unwrap();
        let fourth = ServiceWorker::for_site(site.path());
        assert!(fourth.script.contains(r#"const PRACTICE = ["/practice.js"];"#), "{}", fourth.script);
        assert_ne!(fourth.build, third.build);
    }
}
