//! Signing in and out, sessions, one-time password links, and the rules that protect
//! them: throttling, cross-site request checks, and per-route role policies.

pub mod client_ip;
pub mod csrf;
pub mod forgot;
pub mod owner;
pub mod password;
pub mod policy;
pub mod reset;
pub mod session;
pub mod throttle;
pub mod tokens;

use std::net::IpAddr;

use app::api::{ChangePassword, ErrorBody, LoginRequest, Me, ResetPassword, User};
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
};
use axum_extra::extract::CookieJar;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::reads::{Gate, Serve, respond};
use crate::{
    accounts,
    db::{self, entities::user},
    error::{ApiError, Json},
    state::AppState,
};
use app::reads;
pub use client_ip::ClientIp;
pub use policy::{Access, Admins, AnyRole, Auth, Authors, Managers, MaybeViewer, Policy, Staff, Viewer};

/// The `/api/v1/auth` and `/api/v1/me` routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(reset_password))
        .routes(routes!(forgot_password))
        .routes(routes!(me))
        .routes(routes!(change_password))
}

/// Resolves the signed-in person from a request's session cookie.
pub async fn viewer_from_headers(state: &AppState, headers: &HeaderMap) -> Result<Option<Viewer>, ApiError> {
    let Some(token) = session::token_from_headers(headers) else { return Ok(None) };
    let Some((session, account)) = session::resolve(&state.db, &token, state.config.session_ttl).await? else {
        return Ok(None);
    };
    let user = accounts::users::view(&state.db, account).await?;
    Ok(Some(Viewer { user, session_hash: session.token_hash, session_expires_at: session.expires_at }))
}

/// A successful sign-in.
pub struct SignedIn {
    pub user: User,
    pub session: session::NewSession,
}

/// The longest sign-in address Primer keeps (RFC 5321's limit on a forward path).
const MAX_EMAIL_BYTES: usize = 254;

/// Checks a password for `email` from `ip` under the throttle: the attempt is counted
/// before the password is checked (so parallel guesses can't all pass the limit), waits
/// if the account has many failures from elsewhere, and is taken back if the password
/// is right or was never checked (busy). `Ok(false)`: a wrong password, counted.
pub async fn check_password(
    state: &AppState,
    email: &str,
    ip: &str,
    password: String,
    stored_hash: Option<String>,
) -> Result<bool, ApiError> {
    let reservation = throttle::reserve(&state.db, &state.config.throttle, email, ip).await?;
    if !reservation.delay.is_zero() {
        tracing::info!(%ip, delay_ms = reservation.delay.as_millis() as u64, "sign-in slowed: many failures on this account");
        tokio::time::sleep(reservation.delay).await;
    }
    match state.hasher.verify(password, stored_hash).await {
        Ok(true) => {
            throttle::succeeded(&state.db, reservation, email, ip).await?;
            Ok(true)
        }
        Ok(false) => Ok(false),
        Err(e) => {
            // Never checked (or failed on our side): not the person's failure.
            throttle::release(&state.db, reservation).await?;
            Err(e)
        }
    }
}

/// Signs a person in: throttling first, then the password, then a new session. A wrong
/// email and a wrong password fail the same way, in the same time.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: &str,
    ip: IpAddr,
    user_agent: Option<String>,
) -> Result<SignedIn, ApiError> {
    let db = &state.db;
    let email = email.trim().to_lowercase();
    if email.len() > MAX_EMAIL_BYTES {
        // No account has such an address; nothing worth counting or hashing.
        return Err(ApiError::InvalidCredentials);
    }
    let ip = ip.to_string();
    let account = user::Entity::find().filter(user::Column::Email.eq(&email)).one(db).await?;
    let stored_hash = account.as_ref().and_then(|a| a.password_hash.clone());
    let matches = check_password(state, &email, &ip, password.to_owned(), stored_hash).await?;
    let Some(account) = account.filter(|_| matches) else {
        tracing::info!(%ip, "sign-in failed");
        return Err(ApiError::InvalidCredentials);
    };
    if !account.active {
        return Err(ApiError::AccountInactive);
    }
    let session = session::start(db, account.id, state.config.session_ttl, user_agent, Some(ip)).await?;
    tracing::info!(user_id = account.id, "signed in");
    let user = accounts::users::view(db, account).await?;
    Ok(SignedIn { user, session })
}

/// The `User-Agent` header, for the session list.
pub fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Sign in with email and password. Sets the `primer_session` cookie.
#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = Me),
        (status = 401, description = "`invalid_credentials`: wrong email or password", body = ErrorBody),
        (status = 403, description = "`account_inactive` or `csrf`", body = ErrorBody),
        (status = 429, description = "`too_many_attempts`; see `Retry-After`", body = ErrorBody),
    )
)]
async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    jar: CookieJar,
    Json(body): Json<LoginRequest>,
) -> Result<(CookieJar, Json<Me>), ApiError> {
    let signed_in = sign_in(&state, &body.email, &body.password, ip, user_agent(&headers)).await?;
    let cookie = session::cookie(signed_in.session.token, state.config.session_ttl, state.config.secure_cookies());
    Ok((jar.add(cookie), Json(accounts::me(signed_in.user))))
}

/// Sign out: ends this session (if any) and clears the cookie. Always 204.
#[utoipa::path(
    post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out"), (status = 403, description = "`csrf`", body = ErrorBody))
)]
async fn logout(State(state): State<AppState>, jar: CookieJar) -> Result<(StatusCode, CookieJar), ApiError> {
    sign_out(&state.db, &jar).await?;
    Ok((StatusCode::NO_CONTENT, jar.add(session::removal_cookie(state.config.secure_cookies()))))
}

/// Ends the session in the request's cookie, if any.
pub async fn sign_out(db: &DatabaseConnection, jar: &CookieJar) -> Result<(), ApiError> {
    if let Some(cookie) = jar.get(session::COOKIE_NAME) {
        session::end(db, cookie.value()).await?;
    }
    Ok(())
}

/// Set a password with a one-time link's token. Ends every session of the account.
#[utoipa::path(
    post, path = "/api/v1/auth/password-reset", tag = "auth",
    request_body = ResetPassword,
    responses(
        (status = 204, description = "Password set; sign in with it"),
        (status = 400, description = "`invalid_reset_link`", body = ErrorBody),
        (status = 422, description = "`invalid_input`: the password is too short or too long", body = ErrorBody),
    )
)]
async fn reset_password(
    State(state): State<AppState>,
    Json(body): Json<ResetPassword>,
) -> Result<StatusCode, ApiError> {
    let account = reset::use_link(&state.db, &state.hasher, &body.token, &body.password).await?;
    tracing::info!(user_id = account.id, "password set through a one-time link");
    Ok(StatusCode::NO_CONTENT)
}

/// The answer to every forgot-password request that isn't refused.
pub const FORGOT_ANSWER: &str =
    "If an account uses that address, a link to set a new password is on its way. It works once, for a few days.";

/// Ask for a link to set a new password, emailed to the account's address. The answer is
/// the same whether or not an account has the address; at most a few links an hour go
/// to one account, and one client address may ask a few times an hour.
#[utoipa::path(
    post, path = "/api/v1/auth/forgot-password", tag = "auth",
    request_body = app::api::messages::ForgotPassword,
    responses(
        (status = 202, description = "Whether or not an account has it", body = app::api::messages::ForgotPasswordAnswer),
        (status = 409, description = "`mail_not_configured`: this Primer sends no email", body = ErrorBody),
        (status = 422, description = "`invalid_input`: not an email address", body = ErrorBody),
        (status = 429, description = "`too_many_attempts`; see `Retry-After`", body = ErrorBody),
    )
)]
async fn forgot_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<app::api::messages::ForgotPassword>,
) -> Result<(StatusCode, Json<app::api::messages::ForgotPasswordAnswer>), ApiError> {
    forgot::request(&state.db, state.mail.is_some(), &body.email, &ip.to_string()).await?;
    state.jobs.wake();
    Ok((StatusCode::ACCEPTED, Json(app::api::messages::ForgotPasswordAnswer { message: FORGOT_ANSWER.into() })))
}

/// The signed-in person. Roles: any.
#[utoipa::path(
    get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, description = "`unauthenticated`", body = ErrorBody)),
    security(("primer_session" = []))
)]
async fn me(State(state): State<AppState>, who: Gate<reads::Me>) -> Result<Json<Me>, ApiError> {
    respond(&state, who, reads::Me).await
}

/// Whom a one-time password link is for, for the page that sets the password (`None`:
/// the link is used, replaced or expired). No REST route serves it: the token stays out
/// of API paths and their logs.
impl Serve for reads::ResetLink {
    type Access = MaybeViewer;
    async fn serve(self, state: &AppState, _: MaybeViewer) -> Result<Option<app::api::ResetLinkOwner>, ApiError> {
        match reset::check(&state.db, &self.token).await {
            Ok(account) => Ok(Some(app::api::ResetLinkOwner {
                first_password: account.password_hash.is_none(),
                name: account.name,
                email: account.email,
            })),
            Err(ApiError::InvalidResetLink) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl Serve for reads::Me {
    type Access = Auth<AnyRole>;
    async fn serve(self, _: &AppState, who: Auth<AnyRole>) -> Result<Me, ApiError> {
        Ok(accounts::me(who.viewer.user))
    }
}

/// Change one's own password. Other sessions of the account end; this one stays.
/// Roles: any.
#[utoipa::path(
    put, path = "/api/v1/me/password", tag = "auth",
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 422, description = "`invalid_input`: wrong current password, or the new one is too short", body = ErrorBody),
        (status = 429, description = "`too_many_attempts`: too many wrong current passwords; see `Retry-After`", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
async fn change_password(
    State(state): State<AppState>,
    auth: Auth<AnyRole>,
    ClientIp(ip): ClientIp,
    Json(body): Json<ChangePassword>,
) -> Result<StatusCode, ApiError> {
    let new_password = app::api::validate::new_password("new_password", &body.new_password)?;
    let account = user::Entity::find_by_id(auth.user().id).one(&state.db).await?.ok_or(ApiError::Unauthenticated)?;
    // Wrong current passwords count like failed sign-ins: a borrowed or stolen session
    // must not become a way to guess the password itself.
    let ip = ip.to_string();
    if !check_password(&state, &account.email, &ip, body.current_password, account.password_hash.clone()).await? {
        return Err(ApiError::invalid("current_password", "That is not your current password."));
    }
    let hash = state.hasher.hash(new_password).await?;
    let mut active = account.into_active_model();
    active.password_hash = Set(Some(hash));
    active.updated_at = Set(db::now());
    active.update(&state.db).await?;
    session::end_all_for_user(&state.db, auth.user().id, Some(&auth.viewer.session_hash)).await?;
    Ok(StatusCode::NO_CONTENT)
}
