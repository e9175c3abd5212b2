//! The OpenAPI document, generated from the handlers' annotations and served at
//! `/api/v1/openapi.json` (browsable at `/api/docs/`).

use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, SecurityScheme},
};

use crate::auth::session::COOKIE_NAME;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Primer API",
        description = "Primer's JSON API. Errors are `{\"error\": {\"code\", \"message\"}}` with a stable `code`. \
            Sign in with `POST /api/v1/auth/login`; the session travels in the `primer_session` cookie. \
            State-changing requests from another site's pages are refused (`csrf`).",
    ),
    tags(
        (name = "auth", description = "Signing in and out, one's own account"),
        (name = "people", description = "Accounts and teams"),
        (name = "media", description = "Uploading and serving videos, images and captions"),
        (name = "practice", description = "Reviews of practice takes, and the feedback learners get"),
        (name = "uploads", description = "Resumable uploads of practice takes (tus 1.0: core, creation, termination)"),
        (name = "authoring", description = "Modules, learning paths and assignments"),
        (name = "learning", description = "What learners get (the catalog), and what they do (learning records, progress)"),
        (name = "readiness", description = "Certifications and certificates, reports, recognition"),
        (name = "operations", description = "Health"),
    ),
    modifiers(&SessionCookie)
)]
pub struct ApiDoc;

/// Declares the session cookie as the API's security scheme.
struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.components.get_or_insert_with(Default::default).add_security_scheme(
            "primer_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(COOKIE_NAME))),
        );
    }
}
