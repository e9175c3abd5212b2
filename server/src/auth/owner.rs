//! Whose answer this is, for phones that are shared: every personal answer (a page or
//! API answer rendered for a signed-in person) says whose it is (`Primer-Owner`, and
//! until when their session runs: `Primer-Session-Expires`), and an answer to a request
//! whose session has ended, or any 401, says so (`Primer-Session: ended`, the dead
//! cookie removed). The service worker keeps a copy only for its owner, serves it only
//! while that person is the one signed in on the device, and forgets a person's pages
//! and data when it learns that their session ended (expiry, deactivation, a password
//! change elsewhere), so the next person to pick up the phone doesn't see them.

use axum::{
    extract::{FromRequestParts, Request, State},
    http::{HeaderName, HeaderValue, StatusCode, header},
    middleware::Next,
    response::Response,
};

use super::{MaybeViewer, session};
use crate::state::AppState;

/// Whose personal answer this is: their user id.
pub const OWNER: HeaderName = HeaderName::from_static("primer-owner");
/// When the owner's session ends unless used again (Unix seconds).
pub const SESSION_EXPIRES: HeaderName = HeaderName::from_static("primer-session-expires");
/// `ended`: the request's session isn't (any more) a live one.
pub const SESSION: HeaderName = HeaderName::from_static("primer-session");

/// Files that are the same for everyone: no session is looked up for them.
fn is_static(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path.starts_with("/icons/")
        || path.starts_with("/media/")
        || path == "/sw.js"
        || path.starts_with("/api/docs")
        || path.ends_with(".js")
        || path.ends_with(".css")
        || path.ends_with(".svg")
        || path.ends_with(".webmanifest")
        || path.ends_with(".html")
}

/// Marks answers with their owner, or with the end of the session (see the module docs).
/// The session is looked up once here and kept in the request for the handlers.
pub async fn mark(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_static(request.uri().path()) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let had_cookie = session::token_from_headers(&parts.headers).is_some();
    let viewer = match MaybeViewer::from_request_parts(&mut parts, &state).await {
        Ok(MaybeViewer(viewer)) => viewer,
        // The session couldn't be looked up (the database, say): the handler reports it,
        // and nothing is marked: a passing fault must not end anyone's session.
        Err(_) => return next.run(Request::from_parts(parts, body)).await,
    };
    let mut response = next.run(Request::from_parts(parts, body)).await;
    let unauthorized = response.status() == StatusCode::UNAUTHORIZED;
    // A service worker can't read a redirect's headers (a navigation sees it opaque): the
    // dead cookie is kept for the page redirected to, whose answer says it all again.
    let redirect = response.status().is_redirection();
    let headers = response.headers_mut();
    let signs_in = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|c| c.to_str().is_ok_and(|c| c.starts_with(&format!("{}=", session::COOKIE_NAME))));
    if signs_in {
        // A sign-in (or sign-out) answers for the session it sets.
        return response;
    }
    match viewer {
        Some(viewer) if !unauthorized => {
            headers.insert(OWNER, HeaderValue::from(viewer.user.id));
            headers.insert(SESSION_EXPIRES, HeaderValue::from(viewer.session_expires_at.timestamp()));
        }
        _ if had_cookie || unauthorized => {
            headers.insert(SESSION, HeaderValue::from_static("ended"));
            if had_cookie && !redirect {
                let removal = session::removal_cookie(state.config.secure_cookies()).to_string();
                if let Ok(value) = HeaderValue::from_str(&removal) {
                    headers.append(header::SET_COOKIE, value);
                }
            }
        }
        _ => {}
    }
    response
}
