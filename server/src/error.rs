//! The API's error type. Every handler returns `Result<_, ApiError>`; the response is
//! always `{"error": {"code", "message"}}` with the code's status.

use std::time::Duration;

use app::api::{ErrorBody, ErrorCode, ErrorDetail, validate::FieldError};
use axum::{
    extract::rejection::{JsonRejection, PathRejection, QueryRejection},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sea_orm::DbErr;

/// Everything an API request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Invalid(#[from] FieldError),
    #[error("{0}")]
    Malformed(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("Sign in to continue.")]
    Unauthenticated,
    #[error("That email and password don't match an account.")]
    InvalidCredentials,
    #[error("This account has been deactivated. Ask your administrator to reactivate it.")]
    AccountInactive,
    #[error("Your role doesn't allow this.")]
    Forbidden,
    #[error("This request came from another site and was refused.")]
    Csrf,
    #[error("{0}")]
    NotFound(String),
    #[error("This address doesn't accept that method.")]
    MethodNotAllowed,
    #[error("Another account already uses {0}.")]
    EmailTaken(String),
    #[error("There is already a team called {0}.")]
    TeamNameTaken(String),
    #[error("Primer needs at least one active admin; make someone else an admin first.")]
    LastAdmin,
    #[error(
        "This link is not valid any more: it was used, replaced or has expired. Ask your administrator for a new one."
    )]
    InvalidResetLink,
    #[error("Too many failed sign-ins. Try again in {} minute(s).", retry_after.as_secs().div_ceil(60).max(1))]
    TooManyAttempts { retry_after: Duration },
    #[error("Too many requests for a password link from here. Try again in {} minute(s).", retry_after.as_secs().div_ceil(60).max(1))]
    TooManyLinkRequests { retry_after: Duration },
    #[error("Primer here doesn't send email. Ask your administrator for a new sign-in link.")]
    MailNotConfigured,
    #[error("Primer is busy checking other sign-ins. Try again in a moment.")]
    Busy,
    #[error("You've used all {0} attempts at this assessment. Ask the author if you need another.")]
    AttemptsUsed(u32),
    #[error("Your next attempt at this assessment opens in {} minute(s).", retry_after.as_secs().div_ceil(60).max(1))]
    CoolingDown { retry_after: Duration },
    #[error("Primer is catching up with what you sent; the rest goes by itself in a moment.")]
    RateLimited { retry_after: Duration },
    #[error("{0}")]
    TooLarge(String),
    #[error("The file is empty. Choose a file with something in it.")]
    EmptyUpload,
    #[error("{0}")]
    InvalidMedia(String),
    #[error("{0}")]
    NotPublishable(String),
    #[error("{0}")]
    RenditionsPending(String),
    #[error("A sync batch holds at most {max} records; this one has {got}. Send it in smaller batches.")]
    BatchTooLarge { max: usize, got: usize },
    #[error("These records were made by another person than the one signed in. Sign in as them to send them.")]
    WrongUser,
    #[error("You have reviewed this take already.")]
    AlreadyReviewed,
    #[error("This take can't be featured: its person hasn't agreed to share it with their team.")]
    NotShared,
    #[error("This upload has {have} bytes, not {sent}: ask where it stands (HEAD) and send from there.")]
    UploadOffsetMismatch { have: u64, sent: u64 },
    #[error("This upload is being sent by another request right now. Try again in a moment.")]
    UploadLocked,
    #[error("{0}")]
    QuotaExceeded(String),
    #[error("Send resumable uploads with Tus-Resumable: 1.0.0 (the version this server speaks).")]
    UnsupportedTusVersion,
    #[error("The database is not available right now.")]
    Unavailable(#[source] DbErr),
    #[error("Something went wrong on our side. Please try again.")]
    Database(#[from] DbErr),
    #[error("Something went wrong on our side. Please try again.")]
    Internal(String),
}

impl ApiError {
    pub fn not_found(what: &str) -> Self {
        ApiError::NotFound(format!("{what} not found."))
    }

    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        ApiError::Invalid(FieldError::new(field, message))
    }

    /// The stable code clients branch on.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Invalid(_) => ErrorCode::InvalidInput,
            ApiError::Malformed(_) => ErrorCode::MalformedRequest,
            ApiError::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            ApiError::Unauthenticated => ErrorCode::Unauthenticated,
            ApiError::InvalidCredentials => ErrorCode::InvalidCredentials,
            ApiError::AccountInactive => ErrorCode::AccountInactive,
            ApiError::Forbidden => ErrorCode::Forbidden,
            ApiError::Csrf => ErrorCode::Csrf,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            ApiError::EmailTaken(_) => ErrorCode::EmailTaken,
            ApiError::TeamNameTaken(_) => ErrorCode::TeamNameTaken,
            ApiError::LastAdmin => ErrorCode::LastAdmin,
            ApiError::InvalidResetLink => ErrorCode::InvalidResetLink,
            ApiError::TooManyAttempts { .. } | ApiError::TooManyLinkRequests { .. } => ErrorCode::TooManyAttempts,
            ApiError::MailNotConfigured => ErrorCode::MailNotConfigured,
            ApiError::Busy => ErrorCode::Busy,
            ApiError::AttemptsUsed(_) => ErrorCode::AttemptsUsed,
            ApiError::CoolingDown { .. } => ErrorCode::CoolingDown,
            ApiError::RateLimited { .. } => ErrorCode::RateLimited,
            ApiError::TooLarge(_) => ErrorCode::TooLarge,
            ApiError::EmptyUpload => ErrorCode::EmptyUpload,
            ApiError::InvalidMedia(_) => ErrorCode::InvalidMedia,
            ApiError::NotPublishable(_) => ErrorCode::NotPublishable,
            ApiError::RenditionsPending(_) => ErrorCode::RenditionsPending,
            ApiError::BatchTooLarge { .. } => ErrorCode::BatchTooLarge,
            ApiError::WrongUser => ErrorCode::WrongUser,
            ApiError::AlreadyReviewed => ErrorCode::AlreadyReviewed,
            ApiError::NotShared => ErrorCode::NotShared,
            ApiError::UploadOffsetMismatch { .. } => ErrorCode::UploadOffsetMismatch,
            ApiError::UploadLocked => ErrorCode::UploadLocked,
            ApiError::QuotaExceeded(_) => ErrorCode::QuotaExceeded,
            ApiError::UnsupportedTusVersion => ErrorCode::UnsupportedTusVersion,
            ApiError::Unavailable(_) => ErrorCode::Unavailable,
            ApiError::Database(_) | ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// When to try again, for answers that say so (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ApiError::TooManyAttempts { retry_after }
            | ApiError::TooManyLinkRequests { retry_after }
            | ApiError::CoolingDown { retry_after }
            | ApiError::RateLimited { retry_after } => Some(*retry_after),
            ApiError::Busy | ApiError::UploadLocked => Some(Duration::from_secs(1)),
            _ => None,
        }
    }

    /// The body sent to the client. Internal details stay in the log.
    pub fn detail(&self) -> ErrorDetail {
        let field = match self {
            ApiError::Invalid(e) => Some(e.field.to_string()),
            _ => None,
        };
        ErrorDetail { code: self.code(), message: self.to_string(), field, retry_after: None }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Database(e) | ApiError::Unavailable(e) => tracing::error!(error = %e, "database error"),
            ApiError::Internal(e) => tracing::error!(error = %e, "internal error"),
            _ => {}
        }
        let status = StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(ErrorBody { error: self.detail() })).into_response();
        if let Some(wait) = self.retry_after() {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => {
                ApiError::UnsupportedMediaType("Send the body as JSON with Content-Type: application/json.".into())
            }
            JsonRejection::BytesRejection(_) => ApiError::TooLarge("The request body is too large.".into()),
            other => ApiError::Malformed(format!("The request body is not valid: {}", other.body_text())),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::NotFound(format!("Not found: {}", rejection.body_text()))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::Malformed(format!("The query string is not valid: {}", rejection.body_text()))
    }
}

/// `axum::Json`, with rejections in Primer's error format.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Path`, with rejections in Primer's error format.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// `axum::extract::Query`, with rejections in Primer's error format.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_message_rounds_up_to_minutes() {
        let e = ApiError::TooManyAttempts { retry_after: Duration::from_secs(61) };
        assert!(e.to_string().contains("2 minute"), "{e}");
        let e = ApiError::TooManyAttempts { retry_after: Duration::from_secs(1) };
        assert!(e.to_string().contains("1 minute"), "{e}");
    }

    #[test]
    fn internal_errors_do_not_leak_details() {
        let e = ApiError::Internal("disk /var/secret full".into());
        assert!(!e.detail().message.contains("secret"));
        assert_eq!(e.code(), ErrorCode::Internal);
    }
}
