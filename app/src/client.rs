//! How pages get their data. Every read goes through the REST API's domain functions:
//! on the server (while rendering) in-process through [`Backend`], which the server
//! provides as context; in the browser over HTTP from the same REST routes. Writes only
//! ever happen in the browser, from event handlers.

use serde::{Serialize, de::DeserializeOwned};

use crate::api::{
    AssessmentAttempt, Assignment, AssignmentInput, Catalog, Certificate, Certification, CertificationInput,
    ChangePassword, Leaderboard, LearnerModule, LearningPath, LoginRequest, Me, Module, ModuleInput, ModuleInsights,
    ModuleSummary, ModulesReport, NewUser, PasswordResetLink, PathInput, PeopleReport, PersonReport, Preferences,
    Progress, Recognition, RequestError, ResetPassword, SyncRequest, SyncResponse, Team, TeamInput, TeamPatch, User,
    UserPatch, Verification,
};

/// Server-side access to Primer's data for rendering pages, implemented by the server
/// with the same functions (and the same role checks) as the REST handlers. `request`
/// is the page request, which carries the session cookie.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// The signed-in person, if any (`GET /api/v1/me`).
    async fn me(&self, request: &http::request::Parts) -> Result<Option<Me>, RequestError>;
    /// Every account (`GET /api/v1/users`; admins).
    async fn users(&self, request: &http::request::Parts) -> Result<Vec<User>, RequestError>;
    /// Every team (`GET /api/v1/teams`; admins).
    async fn teams(&self, request: &http::request::Parts) -> Result<Vec<Team>, RequestError>;
    /// The people a manager is responsible for (`GET /api/v1/me/people`).
    async fn my_people(&self, request: &http::request::Parts) -> Result<Vec<User>, RequestError>;
    /// Whom a one-time password link is for, if it is still usable.
    async fn reset_link_owner(&self, token: &str) -> Result<Option<crate::api::ResetLinkOwner>, RequestError>;
    /// Every module (`GET /api/v1/modules`; authors).
    async fn modules(&self, request: &http::request::Parts) -> Result<Vec<ModuleSummary>, RequestError>;
    /// One module's working copy (`GET /api/v1/modules/{id}`; authors).
    async fn module(&self, request: &http::request::Parts, id: i64) -> Result<Module, RequestError>;
    /// Every learning path (`GET /api/v1/paths`; authors).
    async fn paths(&self, request: &http::request::Parts) -> Result<Vec<LearningPath>, RequestError>;
    /// Every assignment (`GET /api/v1/assignments`; authors).
    async fn assignments(&self, request: &http::request::Parts) -> Result<Vec<Assignment>, RequestError>;
    /// The signed-in person's catalog (`GET /api/v1/catalog`).
    async fn catalog(&self, request: &http::request::Parts) -> Result<Catalog, RequestError>;
    /// One module as the signed-in person gets it (`GET /api/v1/catalog/{id}`).
    async fn catalog_module(&self, request: &http::request::Parts, id: i64) -> Result<LearnerModule, RequestError>;
    /// The signed-in person's progress (`GET /api/v1/progress`).
    async fn progress(&self, request: &http::request::Parts) -> Result<Progress, RequestError>;
    /// Every certification (`GET /api/v1/certifications`).
    async fn certifications(&self, request: &http::request::Parts) -> Result<Vec<Certification>, RequestError>;
    /// The signed-in person's certificates (`GET /api/v1/me/certificates`).
    async fn my_certificates(&self, request: &http::request::Parts) -> Result<Vec<Certificate>, RequestError>;
    /// One certificate (`GET /api/v1/certificates/{id}`; its holder, their managers, admins).
    async fn certificate(&self, request: &http::request::Parts, id: i64) -> Result<Certificate, RequestError>;
    /// What a verification code says (`GET /api/v1/verify/{code}`; public).
    async fn verification(&self, code: &str) -> Result<Verification, RequestError>;
    /// Readiness of the people the viewer is responsible for (`GET /api/v1/reports/people`
    /// with `query`, e.g. `team_id=3&overdue_only=true`).
    async fn people_report(&self, request: &http::request::Parts, query: &str) -> Result<PeopleReport, RequestError>;
    /// One person's readiness, items and quizzes (`GET /api/v1/reports/people/{id}`).
    async fn person_report(&self, request: &http::request::Parts, id: i64) -> Result<PersonReport, RequestError>;
    /// Per module and path, for everyone the viewer may see (`GET /api/v1/reports/modules`).
    async fn modules_report(&self, request: &http::request::Parts) -> Result<ModulesReport, RequestError>;
    /// What learners think of one module (`GET /api/v1/reports/modules/{id}/insights`;
    /// authors).
    async fn module_insights(&self, request: &http::request::Parts, id: i64) -> Result<ModuleInsights, RequestError>;
    /// A team's leaderboard (`GET /api/v1/leaderboard`).
    async fn leaderboard(
        &self,
        request: &http::request::Parts,
        team_id: Option<i64>,
    ) -> Result<Leaderboard, RequestError>;
    /// The signed-in person's streak and recently certified teammates
    /// (`GET /api/v1/me/recognition`).
    async fn recognition(&self, request: &http::request::Parts) -> Result<Recognition, RequestError>;
}

/// The [`Backend`] as the server provides it in context.
#[cfg(feature = "ssr")]
pub type SharedBackend = std::sync::Arc<dyn Backend>;

#[cfg(feature = "ssr")]
fn backend_and_request() -> Result<(SharedBackend, http::request::Parts), RequestError> {
    use leptos::prelude::use_context;
    let backend = use_context::<SharedBackend>()
        .ok_or_else(|| RequestError::new(crate::api::ErrorCode::Internal, "no backend in context"))?;
    let request = use_context::<http::request::Parts>()
        .ok_or_else(|| RequestError::new(crate::api::ErrorCode::Internal, "no request in context"))?;
    Ok((backend, request))
}

/// Defines a read that runs in-process on the server and over HTTP in the browser.
macro_rules! read {
    ($(#[$doc:meta])* $name:ident -> $out:ty, GET $path:literal, |$b:ident, $r:ident| $server:expr) => {
        $(#[$doc])*
        pub async fn $name() -> Result<$out, RequestError> {
            #[cfg(feature = "ssr")]
            {
                let ($b, $r) = backend_and_request()?;
                $server.await
            }
            #[cfg(not(feature = "ssr"))]
            {
                transport::get($path).await
            }
        }
    };
}

/// The signed-in person, or `None`.
pub async fn me() -> Result<Option<Me>, RequestError> {
    #[cfg(feature = "ssr")]
    {
        let (backend, request) = backend_and_request()?;
        backend.me(&request).await
    }
    #[cfg(not(feature = "ssr"))]
    {
        // Not being signed in is an answer here, not an error.
        match transport::get::<Me>("/api/v1/me").await {
            Ok(me) => Ok(Some(me)),
            Err(e) if e.code() == Some(crate::api::ErrorCode::Unauthenticated) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

read!(
    /// Every account (admins).
    users -> Vec<User>, GET "/api/v1/users", |b, r| b.users(&r)
);
read!(
    /// Every team (authors, managers, admins).
    teams -> Vec<Team>, GET "/api/v1/teams", |b, r| b.teams(&r)
);
read!(
    /// Every module (authors).
    modules -> Vec<ModuleSummary>, GET "/api/v1/modules", |b, r| b.modules(&r)
);
read!(
    /// Every learning path (authors).
    paths -> Vec<LearningPath>, GET "/api/v1/paths", |b, r| b.paths(&r)
);
read!(
    /// Every assignment (authors).
    assignments -> Vec<Assignment>, GET "/api/v1/assignments", |b, r| b.assignments(&r)
);
read!(
    /// The signed-in person's catalog.
    catalog -> Catalog, GET "/api/v1/catalog", |b, r| b.catalog(&r)
);

/// One module's working copy (authors).
pub async fn module(id: i64) -> Result<Module, RequestError> {
    #[cfg(feature = "ssr")]
    {
        let (backend, request) = backend_and_request()?;
        backend.module(&request, id).await
    }
    #[cfg(not(feature = "ssr"))]
    {
        transport::get(&format!("/api/v1/modules/{id}")).await
    }
}

/// One module as the signed-in person gets it.
pub async fn catalog_module(id: i64) -> Result<LearnerModule, RequestError> {
    #[cfg(feature = "ssr")]
    {
        let (backend, request) = backend_and_request()?;
        backend.catalog_module(&request, id).await
    }
    #[cfg(not(feature = "ssr"))]
    {
        transport::get(&format!("/api/v1/catalog/{id}")).await
    }
}

read!(
    /// The signed-in person's progress, as the server has it.
    progress -> Progress, GET "/api/v1/progress", |b, r| b.progress(&r)
);

read!(
    /// Every certification.
    certifications -> Vec<Certification>, GET "/api/v1/certifications", |b, r| b.certifications(&r)
);
read!(
    /// The signed-in person's certificates, newest first.
    my_certificates -> Vec<Certificate>, GET "/api/v1/me/certificates", |b, r| b.my_certificates(&r)
);

/// One certificate (its holder, their managers, admins).
pub async fn certificate(id: i64) -> Result<Certificate, RequestError> {
    #[cfg(feature = "ssr")]
    {
        let (backend, request) = backend_and_request()?;
        backend.certificate(&request, id).await
    }
    #[cfg(not(feature = "ssr"))]
    {
        transport::get(&format!("/api/v1/certificates/{id}")).await
    }
}

/// What a verification code says (public).
pub async fn verification(code: String) -> Result<Verification, RequestError> {
    #[cfg(feature = "ssr")]
    {
        let (backend, _) = backend_and_request()?;
        backend.verification(&code).await
    }
    #[cfg(not(feature = "ssr"))]
    {
        transport::get(&format!("/api/v1/verify/{}", crate::api::validate::url_encode(&code))).await
    }
}

/// Readiness of the people the signed-in manager is responsible for; `query` holds the
/// filters (`team_id=3&overdue_only=true`).
pub async fn people_report(query: String) -> Result<PeopleReport, RequestError> {
    #[cfg(feature = "ssr")]
    {
        let (backend, request) = backend_and_request()?;
        backend.people_report(&request, &query).await
    }
    #[cfg(not(feature = "ssr"))]
    {
        transport::get(&format!("/api/v1/reports/people?{query}")).await
    }
}

/// One person's readiness, every item assigned to them and every quiz they answered
/// (their managers, admins).
pub async fn person_report(id: i64) -> Result<PersonReport, RequestError> {
    #[cfg(feature = "ssr")]
    {
        let (backend, request) = backend_and_request()?;
        backend.person_report(&request, id).await
    }
    #[cfg(not(feature = "ssr"))]
    {
        transport::get(&format!("/api/v1/reports/people/{id}")).await
    }
}

read!(
    /// Per module and path, for everyone the viewer may see (authors, managers, admins).
    modules_report -> ModulesReport, GET "/api/v1/reports/modules", |b, r| b.modules_report(&r)
);

/// What learners think of one published module and how they answer it (authors).
pub async fn module_insights(id: i64) -> Result<ModuleInsights, RequestError> {
    #[cfg(feature = "ssr")]
    {
        let (backend, request) = backend_and_request()?;
        backend.module_insights(&request, id).await
    }
    #[cfg(not(feature = "ssr"))]
    {
        transport::get(&format!("/api/v1/reports/modules/{id}/insights")).await
    }
}

read!(
    /// The signed-in person's streak and who on their team recently got certified.
    recognition -> Recognition, GET "/api/v1/me/recognition", |b, r| b.recognition(&r)
);

/// A team's leaderboard of the last 30 days (default: the signed-in person's team).
pub async fn leaderboard(team_id: Option<i64>) -> Result<Leaderboard, RequestError> {
    #[cfg(feature = "ssr")]
    {
        let (backend, request) = backend_and_request()?;
        backend.leaderboard(&request, team_id).await
    }
    #[cfg(not(feature = "ssr"))]
    {
        match team_id {
            Some(id) => transport::get(&format!("/api/v1/leaderboard?team_id={id}")).await,
            None => transport::get("/api/v1/leaderboard").await,
        }
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

read!(
    /// The people the signed-in manager is responsible for.
    my_people -> Vec<User>, GET "/api/v1/me/people", |b, r| b.my_people(&r)
);

/// Whom a password link is for, or `None` if the link is not usable.
pub async fn reset_link_owner(token: String) -> Result<Option<crate::api::ResetLinkOwner>, RequestError> {
    #[cfg(feature = "ssr")]
    {
        let (backend, _) = backend_and_request()?;
        backend.reset_link_owner(&token).await
    }
    #[cfg(not(feature = "ssr"))]
    {
        // The page is rendered on the server; the browser never needs to ask again.
        let _ = token;
        Ok(None)
    }
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
    use crate::api::{ErrorBody, ErrorCode, ErrorDetail};

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
        } else if status == 401 && text.is_empty() {
            Err(RequestError::new(ErrorCode::Unauthenticated, "Sign in to continue."))
        } else {
            let retry_after = response.headers().get("retry-after").and_then(|v| crate::api::retry_after_seconds(&v));
            let mut error = match serde_json::from_str::<ErrorBody>(&text) {
                Ok(body) => body.error,
                Err(_) => ErrorDetail::new(ErrorCode::Internal, format!("Primer answered {status}.")),
            };
            error.retry_after = retry_after;
            Err(RequestError::Api(error))
        }
    }
}

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

    #[allow(dead_code)]
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
        _ => match serde_json::from_str::<crate::api::ErrorBody>(&text) {
            Ok(body) => Err(RequestError::Api(body.error)),
            Err(_) => Err(fail(&format!("The upload failed (Primer answered {status})."))),
        },
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
