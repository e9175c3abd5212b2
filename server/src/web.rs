//! The web pages: Leptos server rendering (with data from the same domain functions as
//! the REST API), the form posts that make sign-in and sign-out work without
//! JavaScript, and the built site's static files.

use std::sync::Arc;

use app::{
    App,
    api::{
        RequestError,
        validate::{path_segment, safe_next, url_encode},
    },
    reads::{Backend, Serves, SharedBackend},
    shell,
};
use axum::{
    Form, Router,
    extract::State,
    http::{HeaderMap, HeaderValue, header, request::Parts},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_extra::extract::CookieJar;
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{LeptosRoutes, generate_route_list};
use serde::Deserialize;
use tower_http::{services::ServeDir, set_header::SetResponseHeaderLayer};

use crate::{
    auth::{self, ClientIp, reset, session},
    error::{ApiError, Path},
    reads::{self, Serve},
    state::AppState,
};

/// The app's page routes, worked out once per process. Leptos pauses resource loading
/// process-wide while it generates a route list, and a page render that starts meanwhile
/// never finishes (leptos-rs/leptos#4773); generating it once, before any router exists,
/// rules that out even when one process builds several apps (as the tests do).
fn page_routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Pages, form posts and static files.
pub fn router(state: &AppState) -> Router<AppState> {
    let options = state.leptos_options.clone();
    let backend: SharedBackend = Arc::new(PageBackend { state: state.clone() });
    let context = move || {
        provide_context(backend.clone());
        // The nonce this render gives its inline scripts, for the page's policy
        // (`app::security_headers`).
        if let (Some(parts), Some(nonce)) = (use_context::<Parts>(), leptos::nonce::use_nonce())
            && let Some(slot) = parts.extensions.get::<PageNonce>()
        {
            slot.set(nonce.to_string());
        }
    };
    let pkg_dir = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());

    Router::new()
        .route("/login", post(form_login))
        .route("/logout", post(form_logout))
        .route("/reset/{token}", post(form_reset))
        .route("/forgot-password", post(form_forgot))
        .route(
            "/notifications",
            get(crate::reminders::prefs::settings_page).post(crate::reminders::prefs::save_settings),
        )
        .route(
            "/unsubscribe/{token}",
            get(crate::reminders::prefs::unsubscribe_page).post(crate::reminders::prefs::unsubscribe),
        )
        // Browsers ask for /favicon.ico where a document names no icon (an SVG chart
        // opened on its own, say): point them at the real one instead of a 404.
        .route("/favicon.ico", get(|| async { Redirect::permanent("/favicon.svg") }))
        .leptos_routes_with_context(state, page_routes(), context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        // The bundle's names don't change between builds yet, so browsers must revalidate
        // (Last-Modified makes that a cheap 304).
        .nest_service(
            "/pkg",
            tower::ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
                .service(ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip()),
        )
        // Other files of the site (icons, manifest) and, for anything else, the 404 page.
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell))
}

/// Where a page's render leaves the nonce its inline scripts carry (one per request, put
/// in the request by `app::security_headers`), so the response's Content-Security-Policy
/// names the same one. Set from the render's own context rather than through Leptos'
/// `ResponseOptions`: a header set that way was once missing from a page (its scripts
/// blocked, the page never hydrated), and a page's policy must not depend on it.
#[derive(Clone, Default)]
pub struct PageNonce(Arc<std::sync::Mutex<Option<String>>>);

impl PageNonce {
    fn set(&self, nonce: String) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(nonce);
    }

    /// The nonce the page was rendered with, if a page was rendered.
    pub fn get(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Serves the pages' reads while they render: each read's own admission and answer
/// (`crate::reads::Serve`), exactly as its REST route gives them.
struct PageBackend {
    state: AppState,
}

impl PageBackend {
    async fn viewer(&self, request: &Parts) -> Result<Option<auth::Viewer>, ApiError> {
        // Looked up once per request, before the page rendered (`auth::owner`).
        if let Some(auth::MaybeViewer(found)) = request.extensions.get::<auth::MaybeViewer>() {
            return Ok(found.clone());
        }
        auth::viewer_from_headers(&self.state, &request.headers).await
    }
}

#[async_trait::async_trait]
impl<R: Serve> Serves<R> for PageBackend {
    async fn serve(&self, request: &Parts, read: R) -> Result<R::Output, RequestError> {
        let answer = async { reads::answer(&self.state, self.viewer(request).await?, read).await };
        answer.await.map_err(|e| {
            if e.code().status() >= 500 {
                tracing::error!(error = ?e, "page data failed");
            }
            RequestError::Api(e.detail())
        })
    }
}

/// Every read a page makes is one the server answers (the compiler checks it here).
impl Backend for PageBackend {}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

/// `POST /login`: the sign-in form without JavaScript. Redirects (303) to where the
/// person was going, or back to the form with the error's code.
async fn form_login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    jar: CookieJar,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else { return Redirect::to("/login?error=malformed_request").into_response() };
    let next = safe_next(form.next.as_deref());
    match auth::sign_in(&state, &form.email, &form.password, ip, auth::user_agent(&headers)).await {
        Ok(signed_in) => {
            let cookie =
                session::cookie(signed_in.session.token, state.config.session_ttl, state.config.secure_cookies());
            (jar.add(cookie), Redirect::to(&next)).into_response()
        }
        Err(error) => {
            let mut back = format!("/login?error={}&email={}", error.code().as_str(), url_encode(form.email.trim()));
            if next != "/" {
                back.push_str(&format!("&next={}", url_encode(&next)));
            }
            if let Some(wait) = error.retry_after() {
                back.push_str(&format!("&retry={}", wait.as_secs()));
            }
            Redirect::to(&back).into_response()
        }
    }
}

/// `POST /logout`: signs out and returns to the sign-in page.
async fn form_logout(State(state): State<AppState>, jar: CookieJar) -> Result<Response, ApiError> {
    auth::sign_out(&state.db, &jar).await?;
    let jar = jar.add(session::removal_cookie(state.config.secure_cookies()));
    Ok((jar, Redirect::to("/login?signed_out=1")).into_response())
}

#[derive(Deserialize)]
struct ForgotForm {
    email: String,
}

/// `POST /forgot-password`: the sign-in page's "Forgot your password?" form (plain HTML,
/// no JavaScript needed). Back to the sign-in page, saying the link is on its way (the
/// same whether or not an account has the address), or with the error's code.
async fn form_forgot(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    form: Result<Form<ForgotForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else { return Redirect::to("/login?error=malformed_request").into_response() };
    let email = url_encode(form.email.trim());
    match auth::forgot::request(&state.db, state.mail.is_some(), &form.email, &ip.to_string()).await {
        Ok(()) => {
            state.jobs.wake();
            Redirect::to(&format!("/login?link_sent=1&email={email}")).into_response()
        }
        Err(error) if error.code().status() < 500 => {
            let mut back = format!("/login?error={}&email={email}", error.code().as_str());
            if let Some(wait) = error.retry_after() {
                back.push_str(&format!("&retry={}", wait.as_secs()));
            }
            Redirect::to(&back).into_response()
        }
        Err(error) => error.into_response(),
    }
}

#[derive(Deserialize)]
struct ResetForm {
    password: String,
    confirm: String,
}

/// `POST /reset/{token}`: sets a password through a one-time link without JavaScript.
async fn form_reset(
    State(state): State<AppState>,
    Path(token): Path<String>,
    form: Result<Form<ResetForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = |code: &str| Redirect::to(&format!("/reset/{}?error={code}", path_segment(&token))).into_response();
    let Ok(Form(form)) = form else { return back("malformed_request") };
    if form.password != form.confirm {
        return back("mismatch");
    }
    match reset::use_link(&state.db, &state.hasher, &token, &form.password).await {
        // Without JavaScript the person signs in next, their email already filled in.
        Ok(account) => Redirect::to(&format!("/login?reset=1&email={}", url_encode(&account.email))).into_response(),
        Err(e @ ApiError::Invalid(_)) => back(e.code().as_str()),
        // The page explains that the link is no longer valid.
        Err(ApiError::InvalidResetLink) => Redirect::to(&format!("/reset/{}", path_segment(&token))).into_response(),
        Err(e) => e.into_response(),
    }
}
