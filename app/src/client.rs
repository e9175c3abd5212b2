//! How the browser talks to Primer: the writes (only ever from event handlers), the
//! requests that aren't a page's read (sync, attempts, uploads), and the one transport
//! and error decoding beneath them and beneath [`crate::reads`], the pages' reads.

use serde::{Serialize, de::DeserializeOwned};

use crate::api::{
    AssessmentAttempt, Assignment, AssignmentInput, Certification, CertificationInput, ChangePassword, LearningPath,
    LoginRequest, Me, Module, ModuleInput, NewUser, PasswordResetLink, PathInput, Preferences, RequestError,
    ResetPassword, SyncRequest, SyncResponse, Team, TeamInput, TeamPatch, User, UserPatch,
};

/// The signed-in person, or `None`: not being signed in is an answer here, not an error.
pub async fn me() -> Result<Option<Me>, RequestError> {
    match crate::reads::read(crate::reads::Me).await {
        Ok(me) => Ok(Some(me)),
        Err(e) if e.code() == Some(crate::api::ErrorCode::Unauthenticated) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Change the signed-in person's preferences.
pub async fn update_preferences(preferences: Preferences) -> Result<Preferences, RequestError> {
    transport::send("PUT", "/api/v1/me/preferences", Some(&preferences)).await
}

/// Turn a learning path into a certification (authors).
pub async fn create_certification(input: CertificationInput) -> Result<Certification, RequestError> {
    transport::send("POST", "/api/v1/certifications", Some(&input)).await
}

/// Change a certification (authors).
pub async fn update_certification(id: i64, input: CertificationInput) -> Result<Certification, RequestError> {
    transport::send("PUT", &format!("/api/v1/certifications/{id}"), Some(&input)).await
}

/// The attempt to answer an assessment with: from the server, the open one or a new one
/// (`attempts_used`, `cooling_down` when it won't issue one); without a connection, the
/// one saved with the module on this phone.
pub async fn assessment_attempt(module_id: i64) -> Result<AssessmentAttempt, RequestError> {
    match start_attempt(module_id).await {
        Err(RequestError::Network) => transport::get(&crate::device::saved::attempt_url(module_id)).await,
        other => other,
    }
}

/// Asks the server for an attempt at an assessment (the open one if there is one).
pub async fn start_attempt(module_id: i64) -> Result<AssessmentAttempt, RequestError> {
    transport::send::<(), _>("POST", &format!("/api/v1/assessments/{module_id}/attempts"), None).await
}

/// Sends learning records (the outbox's batches).
pub async fn sync(request: &SyncRequest) -> Result<SyncResponse, RequestError> {
    transport::send("POST", "/api/v1/sync", Some(request)).await
}

/// Sign in (the browser's version of the sign-in form).
pub async fn login(email: String, password: String) -> Result<Me, RequestError> {
    transport::send("POST", "/api/v1/auth/login", Some(&LoginRequest { email, password })).await
}

/// Set a password through a one-time link.
pub async fn reset_password(token: String, password: String) -> Result<(), RequestError> {
    transport::send("POST", "/api/v1/auth/password-reset", Some(&ResetPassword { token, password })).await
}

/// Change one's own password.
pub async fn change_password(current_password: String, new_password: String) -> Result<(), RequestError> {
    transport::send("PUT", "/api/v1/me/password", Some(&ChangePassword { current_password, new_password })).await
}

/// Create an account (admins).
pub async fn create_user(new_user: NewUser) -> Result<User, RequestError> {
    transport::send("POST", "/api/v1/users", Some(&new_user)).await
}

/// Change an account (admins).
pub async fn update_user(id: i64, patch: UserPatch) -> Result<User, RequestError> {
    transport::send("PATCH", &format!("/api/v1/users/{id}"), Some(&patch)).await
}

/// Make a one-time password link for an account (admins).
pub async fn create_reset_link(id: i64) -> Result<PasswordResetLink, RequestError> {
    transport::send::<(), _>("POST", &format!("/api/v1/users/{id}/password-reset"), None).await
}

/// Create a team (admins).
pub async fn create_team(name: String) -> Result<Team, RequestError> {
    transport::send("POST", "/api/v1/teams", Some(&TeamInput { name })).await
}

/// Rename a team, or turn its leaderboard on or off (admins).
pub async fn update_team(id: i64, patch: TeamPatch) -> Result<Team, RequestError> {
    transport::send("PATCH", &format!("/api/v1/teams/{id}"), Some(&patch)).await
}

/// Create a module (authors).
pub async fn create_module(input: ModuleInput) -> Result<Module, RequestError> {
    transport::send("POST", "/api/v1/modules", Some(&input)).await
}

/// Save a module's working copy (authors).
pub async fn update_module(id: i64, input: ModuleInput) -> Result<Module, RequestError> {
    transport::send("PUT", &format!("/api/v1/modules/{id}"), Some(&input)).await
}

/// Publish a module's working copy (authors).
pub async fn publish_module(id: i64) -> Result<Module, RequestError> {
    transport::send::<(), _>("POST", &format!("/api/v1/modules/{id}/publish"), None).await
}

/// Archive a module (authors).
pub async fn archive_module(id: i64) -> Result<Module, RequestError> {
    transport::send::<(), _>("POST", &format!("/api/v1/modules/{id}/archive"), None).await
}

/// Create a learning path (authors).
pub async fn create_path(input: PathInput) -> Result<LearningPath, RequestError> {
    transport::send("POST", "/api/v1/paths", Some(&input)).await
}

/// Change a learning path (authors).
pub async fn update_path(id: i64, input: PathInput) -> Result<LearningPath, RequestError> {
    transport::send("PUT", &format!("/api/v1/paths/{id}"), Some(&input)).await
}

/// Assign a module or path (authors).
pub async fn create_assignment(input: AssignmentInput) -> Result<Assignment, RequestError> {
    transport::send("POST", "/api/v1/assignments", Some(&input)).await
}

/// Who an assignment would make overdue at once, before it is saved (authors).
pub async fn preview_assignment(input: AssignmentInput) -> Result<crate::api::AssignmentPreview, RequestError> {
    transport::send("POST", "/api/v1/assignments/preview", Some(&input)).await
}

/// Send a review of a submitted take (its reviewers).
pub async fn send_review(input: &crate::api::ReviewInput) -> Result<crate::api::Review, RequestError> {
    transport::send("POST", "/api/v1/reviews", Some(input)).await
}

/// Feature a take for its person's team, or stop featuring it (its reviewers).
pub async fn feature_take(submission_id: &str, featured: bool) -> Result<crate::api::TakeSharing, RequestError> {
    let path = format!("/api/v1/reviews/{}/feature", crate::api::validate::path_segment(submission_id));
    transport::send("PUT", &path, Some(&crate::api::FeatureInput { featured })).await
}

/// Remove an assignment (authors).
pub async fn delete_assignment(id: i64) -> Result<(), RequestError> {
    transport::send::<(), _>("DELETE", &format!("/api/v1/assignments/{id}"), None).await
}

/// Lets a future that is not `Send` (browser fetches) be used where Leptos asks for
/// `Send`. The browser runs everything on one thread, so nothing is ever sent.
#[cfg(feature = "hydrate")]
pub fn sendable<F: std::future::Future>(f: F) -> send_wrapper::SendWrapper<F> {
    send_wrapper::SendWrapper::new(f)
}

/// On the server, futures are already `Send`.
#[cfg(not(feature = "hydrate"))]
pub fn sendable<F: std::future::Future>(f: F) -> F {
    f
}

#[cfg(feature = "hydrate")]
mod transport {
    use gloo_net::http::{Request, RequestBuilder, Response};

    use super::*;
    use crate::api::ErrorCode;

    pub async fn get<T: DeserializeOwned>(url: &str) -> Result<T, RequestError> {
        finish(Request::get(url).header("Accept", "application/json").send().await).await
    }

    pub async fn send<B: Serialize, T: DeserializeOwned>(
        method: &str,
        url: &str,
        body: Option<&B>,
    ) -> Result<T, RequestError> {
        let builder = RequestBuilder::new(url).method(method.parse().unwrap_or(gloo_net::http::Method::POST));
        let builder = builder.header("Accept", "application/json");
        let result = match body {
            Some(body) => match builder.json(body) {
                Ok(request) => request.send().await,
                Err(_) => return Err(RequestError::new(ErrorCode::MalformedRequest, "Could not encode the request.")),
            },
            None => builder.send().await,
        };
        finish(result).await
    }

    async fn finish<T: DeserializeOwned>(result: Result<Response, gloo_net::Error>) -> Result<T, RequestError> {
        let response = result.map_err(|_| RequestError::Network)?;
        let status = response.status();
        // The session ended on the server: this person's pages and data on this device go
        // (the service worker does the same for what passes through it).
        if response.headers().get("primer-session").as_deref() == Some("ended") {
            crate::device::saved::session_ended();
        }
        // The worker answered from this phone's copy because the network didn't answer in
        // time (`slow`; offline copies are `offline`, and the phone knows it is offline).
        if let Some(device) = crate::device::current() {
            device.heard(response.headers().get("primer-copy").as_deref() == Some("slow"));
        }
        let text = response.text().await.map_err(|_| RequestError::Network)?;
        if response.ok() {
            let text = if text.is_empty() { "null" } else { text.as_str() };
            serde_json::from_str(text)
                .map_err(|e| RequestError::new(ErrorCode::Internal, format!("Unexpected answer from Primer: {e}")))
        } else {
            let retry_after = response.headers().get("retry-after").and_then(|v| crate::api::retry_after_seconds(&v));
            Err(error_from(status, &text, retry_after))
        }
    }
}

/// The error a failed answer carries: Primer's JSON error body (with how long to wait,
/// from `Retry-After`), or, for an answer without one, what its status says. Every
/// request of the browser's (fetches and uploads) decodes errors here.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn error_from(status: u16, text: &str, retry_after: Option<u32>) -> RequestError {
    use crate::api::{ErrorBody, ErrorCode, ErrorDetail};
    if status == 401 && text.is_empty() {
        return RequestError::new(ErrorCode::Unauthenticated, "Sign in to continue.");
    }
    let mut error = match serde_json::from_str::<ErrorBody>(text) {
        Ok(body) => body.error,
        Err(_) => ErrorDetail::new(ErrorCode::Internal, format!("Primer answered {status}.")),
    };
    error.retry_after = retry_after;
    RequestError::Api(error)
}

/// A `GET` of Primer's JSON (the pages' reads, in the browser).
#[cfg(not(feature = "ssr"))]
pub(crate) use transport::get;

/// A stored file as authors see it, with how its renditions for phones are going
/// (authors; read in the browser, where the Studio follows it).
pub async fn media(id: String) -> Result<crate::api::Media, RequestError> {
    transport::get(&format!("/api/v1/media/{id}")).await
}

/// Writes and browser reads happen only in the browser (event handlers and resources
/// that re-run after hydration); a server render never reaches these.
#[cfg(not(feature = "hydrate"))]
mod transport {
    use super::*;

    pub async fn get<T: DeserializeOwned>(_url: &str) -> Result<T, RequestError> {
        Err(RequestError::Network)
    }

    pub async fn send<B: Serialize, T: DeserializeOwned>(
        _method: &str,
        _url: &str,
        _body: Option<&B>,
    ) -> Result<T, RequestError> {
        Err(RequestError::Network)
    }
}

/// Uploads a file (authors), reporting `(bytes sent, total)` as it goes: `fetch` can't
/// report upload progress, so this uses `XMLHttpRequest`.
#[cfg(feature = "hydrate")]
pub async fn upload_media(
    file: web_sys::File,
    on_progress: impl Fn(f64, f64) + 'static,
) -> Result<crate::api::Media, RequestError> {
    use wasm_bindgen::{JsCast, closure::Closure};
    let fail = |m: &str| RequestError::new(crate::api::ErrorCode::Internal, m);
    let xhr = web_sys::XmlHttpRequest::new().map_err(|_| fail("This browser can't upload files."))?;
    xhr.open("POST", "/api/v1/media").map_err(|_| fail("Could not start the upload."))?;
    xhr.set_request_header("Accept", "application/json").ok();
    let form = web_sys::FormData::new().map_err(|_| fail("Could not prepare the upload."))?;
    form.append_with_blob_and_filename("file", &file, &file.name())
        .map_err(|_| fail("Could not prepare the upload."))?;
    let progress = Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
        if e.length_computable() {
            on_progress(e.loaded(), e.total());
        }
    });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    // Resolves when the request ends, however it ends; the status says how.
    let done = web_sys::js_sys::Promise::new(&mut |resolve, _reject| {
        // Called once, then freed.
        let on_end = Closure::once_into_js(move || {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        });
        xhr.set_onloadend(Some(on_end.unchecked_ref()));
    });
    xhr.send_with_opt_form_data(Some(&form)).map_err(|_| RequestError::Network)?;
    let _ = wasm_bindgen_futures::JsFuture::from(done).await;
    drop(progress);
    let status = xhr.status().unwrap_or(0);
    let text = xhr.response_text().ok().flatten().unwrap_or_default();
    match status {
        0 => Err(RequestError::Network),
        200 | 201 => serde_json::from_str(&text).map_err(|e| fail(&format!("Unexpected answer from Primer: {e}"))),
        _ => {
            let retry_after =
                xhr.get_response_header("retry-after").ok().flatten().and_then(|v| crate::api::retry_after_seconds(&v));
            Err(error_from(status, &text, retry_after))
        }
    }
}

/// Uploads happen only in the browser, from event handlers; a server render never
/// reaches this.
#[cfg(not(feature = "hydrate"))]
pub async fn upload_media(
    _file: web_sys::File,
    _on_progress: impl Fn(f64, f64) + 'static,
) -> Result<crate::api::Media, RequestError> {
    Err(RequestError::Network)
}
