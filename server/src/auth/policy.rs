//! Who may call what. Every handler that needs a signed-in person takes an [`Auth<P>`]
//! argument whose policy `P` names the roles it allows, so the rule is part of the
//! handler's signature; the role-matrix test checks every route against it.

use std::marker::PhantomData;

use app::api::{Role, User};
use axum::{extract::FromRequestParts, http::request::Parts};

use crate::{error::ApiError, state::AppState};

/// The signed-in person making a request.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: User,
    /// The hash of the session's token (to end or keep this session).
    pub session_hash: String,
    /// When the session ends unless it is used again.
    pub session_expires_at: chrono::DateTime<chrono::Utc>,
}

/// A set of roles allowed to do something.
pub trait Policy: Send + Sync + 'static {
    /// The roles allowed.
    const ROLES: &'static [Role];
}

/// Anyone signed in: every role learns.
pub struct AnyRole;
impl Policy for AnyRole {
    const ROLES: &'static [Role] = &Role::ALL;
}

/// Admins only: people, teams, settings.
pub struct Admins;
impl Policy for Admins {
    const ROLES: &'static [Role] = Role::ADMINS;
}

/// Managers and admins: oversight of people.
pub struct Managers;
impl Policy for Managers {
    const ROLES: &'static [Role] = Role::MANAGERS;
}

/// Everyone who works on content or people rather than only learning: authors,
/// managers and admins.
pub struct Staff;
impl Policy for Staff {
    const ROLES: &'static [Role] = Role::STAFF;
}

/// Authors and admins: content.
pub struct Authors;
impl Policy for Authors {
    const ROLES: &'static [Role] = Role::AUTHORS;
}

/// Proof that the request comes from a signed-in person whose role `P` allows.
/// Rejects with 401 `unauthenticated` without a live session and 403 `forbidden` for
/// other roles.
pub struct Auth<P: Policy> {
    pub viewer: Viewer,
    _policy: PhantomData<P>,
}

impl<P: Policy> Auth<P> {
    /// Checks an (optional) viewer against the policy.
    pub fn check(viewer: Option<Viewer>) -> Result<Self, ApiError> {
        let viewer = viewer.ok_or(ApiError::Unauthenticated)?;
        if !P::ROLES.contains(&viewer.user.role) {
            return Err(ApiError::Forbidden);
        }
        Ok(Auth { viewer, _policy: PhantomData })
    }

    pub fn user(&self) -> &User {
        &self.viewer.user
    }
}

impl<P: Policy> FromRequestParts<AppState> for Auth<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let MaybeViewer(viewer) = MaybeViewer::from_request_parts(parts, state).await?;
        Auth::check(viewer)
    }
}

/// The signed-in person, if any (for routes open to everyone).
#[derive(Debug, Clone)]
pub struct MaybeViewer(pub Option<Viewer>);

impl FromRequestParts<AppState> for MaybeViewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // Resolved once per request, however many extractors ask.
        if let Some(found) = parts.extensions.get::<MaybeViewer>() {
            return Ok(found.clone());
        }
        let viewer = super::viewer_from_headers(state, &parts.headers).await?;
        let found = MaybeViewer(viewer);
        parts.extensions.insert(found.clone());
        Ok(found)
    }
}

/// Who may do something, as a proof made from the (optional) viewer: [`Auth<P>`] for the
/// roles of a policy, [`MaybeViewer`] for everyone. A handler that takes one as an
/// extractor and a page read (`crate::reads`) both check it with [`Access::admit`].
pub trait Access: Sized + Send + FromRequestParts<AppState, Rejection = ApiError> {
    /// Admits the viewer, or refuses (401 `unauthenticated`, 403 `forbidden`).
    fn admit(viewer: Option<Viewer>) -> Result<Self, ApiError>;
}

impl<P: Policy> Access for Auth<P> {
    fn admit(viewer: Option<Viewer>) -> Result<Self, ApiError> {
        Auth::check(viewer)
    }
}

impl Access for MaybeViewer {
    fn admit(viewer: Option<Viewer>) -> Result<Self, ApiError> {
        Ok(MaybeViewer(viewer))
    }
}
