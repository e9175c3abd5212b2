//! The whole HTTP application: [`app`] composes every domain's router and the middleware
//! around them from an [`AppState`], with no socket, so tests drive exactly what
//! `primer serve` serves.

use app::api::{ErrorBody, Health};
use axum::{
    Router,
    extract::State,
    http::{HeaderName, HeaderValue, Request, StatusCode, header},
    middleware,
    response::IntoResponse,
    routing::any,
};
use sea_orm::DbBackend;
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{
        CompressionLayer,
        predicate::{DefaultPredicate, NotForContentType, Predicate},
    },
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};
use utoipa_swagger_ui::SwaggerUi;

use crate::{
    accounts, auth, boosters, certifications, error::ApiError, media, messages, modules, offline, openapi::ApiDoc,
    practice, recognition, reminders, reports, state::AppState, sync, uploads, web,
};

/// The REST API (with its OpenAPI document) on its own, without pages.
pub fn api(state: &AppState) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(healthz))
        .merge(auth::router())
        .merge(accounts::router())
        .merge(media::router(state))
        .merge(modules::router())
        .merge(sync::router())
        .merge(certifications::router())
        .merge(reports::router())
        .merge(recognition::router())
        .merge(uploads::router())
        .merge(practice::router())
        .merge(boosters::router())
        .merge(messages::router())
        .merge(reminders::router())
        .split_for_parts()
}

/// Builds Primer's HTTP application.
pub fn app(state: AppState) -> Router {
    let (api, openapi) = api(&state);
    let routes = Router::new()
        .merge(api)
        // Unknown API paths get a JSON 404, not the HTML page.
        .route("/api/{*rest}", any(api_not_found))
        .merge(SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", openapi))
        .merge(offline::router(&state))
        .merge(web::router(&state))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed });
    with_middleware(routes, state)
}

/// Wraps routes in the middleware every request passes through: request ids, tracing,
/// panic handling, security headers, compression, and the cross-site check.
pub fn with_middleware(routes: Router<AppState>, state: AppState) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    routes
        .layer(middleware::from_fn_with_state(state.clone(), auth::owner::mark))
        .layer(middleware::from_fn_with_state(state.clone(), auth::csrf::reject_cross_site))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(x_request_id.clone(), MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|request: &Request<_>| {
                            let id = request
                                .extensions()
                                .get::<RequestId>()
                                .and_then(|id| id.header_value().to_str().ok())
                                .unwrap_or("-");
                            tracing::info_span!(
                                "request",
                                request_id = %id,
                                method = %request.method(),
                                path = %loggable_path(request.uri().path()),
                            )
                        })
                        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
                )
                .layer(PropagateRequestIdLayer::new(x_request_id))
                .layer(middleware::from_fn(friendly_server_errors))
                .layer(middleware::from_fn_with_state(state.clone(), security_headers))
                .layer(CatchPanicLayer::custom(panic_response))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("same-origin"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::X_FRAME_OPTIONS,
                    HeaderValue::from_static("DENY"),
                ))
                // Media is already compressed, and a compressed video can't answer ranges.
                .layer(
                    CompressionLayer::new().compress_when(
                        DefaultPredicate::new()
                            .and(NotForContentType::const_new("video/"))
                            .and(NotForContentType::const_new("image/"))
                            .and(NotForContentType::const_new("application/octet-stream")),
                    ),
                ),
        )
        .with_state(state)
}

/// The Content-Security-Policy of HTML Primer doesn't render (the offline page, the
/// error page): nothing inline runs or styles.
const STATIC_PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// Of everything that isn't a page (JSON, CSV, media, scripts): nothing may run in it.
const NOT_A_PAGE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
/// Swagger UI's own (it styles inline and draws icons from `data:` images).
const SWAGGER_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A page's Content-Security-Policy: scripts from Primer and its own inline ones (by this
/// response's nonce; hashes can't work, the inline scripts differ per page), the wasm
/// compiled, styles only from Primer's stylesheet (no inline styles), media, images and
/// requests from Primer, `blob:` and the bucket (`media_origin`, for presigned links); no
/// plugins, no `<base>`, forms only to Primer, and never inside another site's frame.
pub fn page_policy(nonce: &str, media_origin: Option<&str>) -> String {
    let media = match media_origin {
        Some(origin) => format!("'self' blob: {origin}"),
        None => "'self' blob:".to_string(),
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src {media}; media-src {media}; connect-src {media}; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// Headers for every response: a Content-Security-Policy (a rendered page's names the
/// nonce its render used, `web::PageNonce`), `Cache-Control: no-store` on personal answers
/// (pages and the API, unless a route says otherwise: media and the bundle do), and HSTS
/// when Primer is served over https.
async fn security_headers(
    State(state): State<AppState>,
    mut request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path().to_owned();
    let rendered = web::PageNonce::default();
    request.extensions_mut().insert(rendered.clone());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let html =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
    let swagger = path.starts_with("/api/docs");
    if let Some(nonce) = rendered.get().filter(|_| html)
        && let Ok(policy) = HeaderValue::from_str(&page_policy(&nonce, state.media.origin()))
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    } else if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let policy = match (swagger, html) {
            (true, _) => SWAGGER_POLICY,
            (false, true) => STATIC_PAGE_POLICY,
            (false, false) => NOT_A_PAGE_POLICY,
        };
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
    }
    // Personal: rendered pages (a person's team, progress, certificates) and the API.
    // Cache Storage doesn't read Cache-Control, so saved and offline copies still work.
    let personal =
        (path.starts_with("/api/") && !swagger && path != "/api/v1/openapi.json") || (html && !path.ends_with(".html"));
    if personal && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.config.public_origin.as_ref().is_some_and(|o| o.https) {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    response
}

/// A bug (a panic) answers like any other internal error, and is logged.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = %detail, "a request handler panicked");
    let mut response = ApiError::Internal("a request handler panicked".into()).into_response();
    response.extensions_mut().insert(Panicked);
    response
}

/// Marks a response made from a panic.
#[derive(Clone, Copy)]
struct Panicked;

/// People who navigated to a page that failed see a page, not JSON.
async fn friendly_server_errors(request: axum::extract::Request, next: middleware::Next) -> axum::response::Response {
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let response = next.run(request).await;
    if wants_html && response.extensions().get::<Panicked>().is_some() {
        return (StatusCode::INTERNAL_SERVER_ERROR, axum::response::Html(SERVER_ERROR_PAGE)).into_response();
    }
    response
}

const SERVER_ERROR_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Something went wrong · Primer</title><link rel="stylesheet" href="/pkg/primer.css"></head>
<body><main id="main"><div class="state"><div class="code">500</div><h1>Something went wrong on our side</h1>
<p class="muted">It's not you. Please try again in a moment; if it keeps happening, tell your administrator.</p>
<a class="button" href="/">Go to Primer's home</a></div></main></body></html>"#;

/// Paths as they may appear in logs: one-time link tokens are secrets.
fn loggable_path(path: &str) -> &str {
    if path.starts_with("/reset/") { "/reset/[token]" } else { path }
}

async fn api_not_found() -> ApiError {
    ApiError::NotFound("There is no such API route.".into())
}

/// Liveness and database check, for load balancers and monitoring.
#[utoipa::path(
    get, path = "/healthz", tag = "operations",
    responses(
        (status = 200, description = "Serving, and the database answers", body = Health),
        (status = 503, description = "`unavailable`: the database does not answer", body = ErrorBody),
    )
)]
async fn healthz(State(state): State<AppState>) -> Result<axum::response::Response, ApiError> {
    state.db.ping().await.map_err(ApiError::Unavailable)?;
    let database = match state.db.get_database_backend() {
        DbBackend::Postgres => "postgres",
        DbBackend::Sqlite => "sqlite",
        _ => "other",
    };
    let health = Health { status: "ok".into(), database: database.into(), version: env!("CARGO_PKG_VERSION").into() };
    Ok((StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], axum::Json(health)).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn reset_tokens_stay_out_of_logs() {
        assert_eq!(super::loggable_path("/reset/abc123"), "/reset/[token]");
        assert_eq!(super::loggable_path("/api/v1/me"), "/api/v1/me");
    }
}
