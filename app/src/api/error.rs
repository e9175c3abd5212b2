//! The API's error vocabulary: stable codes that clients can branch on, each with its HTTP
//! status, and the JSON body every error response carries.

use serde::{Deserialize, Serialize};

/// A stable, machine-readable error code. The wire form is the snake_case name; never
/// rename one, clients depend on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not valid JSON, or not the expected shape.
    MalformedRequest,
    /// The request's content type is not the one the route takes.
    UnsupportedMediaType,
    /// A field failed validation; `field` names it.
    InvalidInput,
    /// No session, or it expired.
    Unauthenticated,
    /// Wrong email or password (deliberately not saying which).
    InvalidCredentials,
    /// The account exists but has been deactivated.
    AccountInactive,
    /// Signed in, but this role may not do this.
    Forbidden,
    /// A state-changing request came from another site.
    Csrf,
    NotFound,
    MethodNotAllowed,
    /// Another account already uses this email address.
    EmailTaken,
    /// Another team already has this name.
    TeamNameTaken,
    /// The change would leave Primer without an active admin.
    LastAdmin,
    /// The one-time link is unknown, used or expired.
    InvalidResetLink,
    /// Too many failed sign-ins (or requests for a password link); see `Retry-After`.
    TooManyAttempts,
    /// This Primer sends no email, so it can't email a password link: an admin makes one.
    MailNotConfigured,
    /// The server is checking as many passwords as it may at once; try again after
    /// `Retry-After` (the attempt didn't count as a failure).
    Busy,
    /// Every attempt at this assessment allowed for this certificate has been used.
    AttemptsUsed,
    /// The next attempt at this assessment is issued after a wait; see `Retry-After`.
    CoolingDown,
    /// More syncing than one person does in a minute: nothing was stored; send again
    /// after `Retry-After` (the phone keeps the records meanwhile).
    RateLimited,
    /// The body or the uploaded file is over its size limit.
    TooLarge,
    /// An upload with no bytes in it.
    EmptyUpload,
    /// A file of a supported type that can't be read (damaged, or cut short).
    InvalidMedia,
    /// The module can't be published yet (e.g. its media is missing).
    NotPublishable,
    /// The module's video is still being made ready for phones (or that failed): it can be
    /// published once its renditions are ready.
    RenditionsPending,
    /// A sync batch with more records than one request may carry.
    BatchTooLarge,
    /// A sync batch made by another person than the one signed in (someone else signed in
    /// on this browser meanwhile): nothing was stored.
    WrongUser,
    /// This reviewer has reviewed this submission already.
    AlreadyReviewed,
    /// The learner hasn't agreed that this take may be featured for their team.
    NotShared,
    /// A resumable upload's `Upload-Offset` is not where the server has it: ask where
    /// it stands (`HEAD`) and send from there.
    UploadOffsetMismatch,
    /// Another request is sending this upload's bytes now; try again in a moment.
    UploadLocked,
    /// The person's takes would pass their storage quota: delete an old take first.
    QuotaExceeded,
    /// A resumable-upload request without `Tus-Resumable: 1.0.0`.
    UnsupportedTusVersion,
    /// The server or its database is not available.
    Unavailable,
    /// Answered by the service worker, not the server: the phone is offline and has no
    /// saved copy of what was asked for.
    Offline,
    Internal,
    /// A code this version of the app doesn't know (a newer server's): the phone shows
    /// the error's message, which the server always writes for people. Never sent.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// Every code the server sends (add new ones here too: the tests check each of them).
    pub const ALL: [ErrorCode; 36] = [
        ErrorCode::MalformedRequest,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::InvalidInput,
        ErrorCode::Unauthenticated,
        ErrorCode::InvalidCredentials,
        ErrorCode::AccountInactive,
        ErrorCode::Forbidden,
        ErrorCode::Csrf,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::EmailTaken,
        ErrorCode::TeamNameTaken,
        ErrorCode::LastAdmin,
        ErrorCode::InvalidResetLink,
        ErrorCode::TooManyAttempts,
        ErrorCode::MailNotConfigured,
        ErrorCode::Busy,
        ErrorCode::AttemptsUsed,
        ErrorCode::CoolingDown,
        ErrorCode::RateLimited,
        ErrorCode::TooLarge,
        ErrorCode::EmptyUpload,
        ErrorCode::InvalidMedia,
        ErrorCode::NotPublishable,
        ErrorCode::RenditionsPending,
        ErrorCode::BatchTooLarge,
        ErrorCode::WrongUser,
        ErrorCode::AlreadyReviewed,
        ErrorCode::NotShared,
        ErrorCode::UploadOffsetMismatch,
        ErrorCode::UploadLocked,
        ErrorCode::QuotaExceeded,
        ErrorCode::UnsupportedTusVersion,
        ErrorCode::Unavailable,
        ErrorCode::Offline,
        ErrorCode::Internal,
    ];

    /// The HTTP status that goes with the code.
    pub fn status(self) -> u16 {
        use ErrorCode::*;
        match self {
            MalformedRequest | InvalidResetLink => 400,
            Unauthenticated | InvalidCredentials => 401,
            AccountInactive | Forbidden | Csrf => 403,
            NotFound => 404,
            MethodNotAllowed => 405,
            EmailTaken | TeamNameTaken | LastAdmin | NotPublishable | RenditionsPending | WrongUser | AttemptsUsed
            | UploadOffsetMismatch | AlreadyReviewed | NotShared | MailNotConfigured => 409,
            UnsupportedTusVersion => 412,
            TooLarge | BatchTooLarge | QuotaExceeded => 413,
            UnsupportedMediaType => 415,
            InvalidInput | EmptyUpload | InvalidMedia => 422,
            UploadLocked => 423,
            TooManyAttempts | Busy | CoolingDown | RateLimited => 429,
            Internal | Unknown => 500,
            Unavailable | Offline => 503,
        }
    }

    /// The wire name, e.g. `email_taken`.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            MalformedRequest => "malformed_request",
            UnsupportedMediaType => "unsupported_media_type",
            InvalidInput => "invalid_input",
            Unauthenticated => "unauthenticated",
            InvalidCredentials => "invalid_credentials",
            AccountInactive => "account_inactive",
            Forbidden => "forbidden",
            Csrf => "csrf",
            NotFound => "not_found",
            MethodNotAllowed => "method_not_allowed",
            EmailTaken => "email_taken",
            TeamNameTaken => "team_name_taken",
            LastAdmin => "last_admin",
            InvalidResetLink => "invalid_reset_link",
            TooManyAttempts => "too_many_attempts",
            MailNotConfigured => "mail_not_configured",
            Busy => "busy",
            AttemptsUsed => "attempts_used",
            CoolingDown => "cooling_down",
            RateLimited => "rate_limited",
            TooLarge => "too_large",
            EmptyUpload => "empty_upload",
            InvalidMedia => "invalid_media",
            NotPublishable => "not_publishable",
            RenditionsPending => "renditions_pending",
            BatchTooLarge => "batch_too_large",
            WrongUser => "wrong_user",
            AlreadyReviewed => "already_reviewed",
            NotShared => "not_shared",
            UploadOffsetMismatch => "upload_offset_mismatch",
            UploadLocked => "upload_locked",
            QuotaExceeded => "quota_exceeded",
            UnsupportedTusVersion => "unsupported_tus_version",
            Unavailable => "unavailable",
            Offline => "offline",
            Internal => "internal",
            Unknown => "unknown",
        }
    }
}

/// `{"error": {...}}`: the body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong, for programs (`code`) and for people (`message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    /// The input field at fault, for `invalid_input`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// How long to wait before trying again, in seconds: the response's `Retry-After`
    /// header, filled in by the browser's client (never part of the body).
    #[serde(skip)]
    pub retry_after: Option<u32>,
}

impl ErrorDetail {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorDetail { code, message: message.into(), field: None, retry_after: None }
    }
}

/// Reads a `Retry-After` header's delay in seconds (the delay form; a date is read as
/// "soon", one second, since the phone's clock may be wrong).
pub fn retry_after_seconds(value: &str) -> Option<u32> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    Some(value.parse::<u32>().unwrap_or(1))
}

/// A request to the API that did not succeed, as a page sees it: the API's error, or no
/// answer at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum RequestError {
    #[error("{}", .0.message)]
    Api(ErrorDetail),
    /// The request never got an answer (offline, or the server is down).
    #[error("Primer can't be reached right now. Check your connection and try again.")]
    Network,
}

impl RequestError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        RequestError::Api(ErrorDetail::new(code, message))
    }

    /// How long the server asked to wait before trying again (`Retry-After`), in seconds.
    pub fn retry_after(&self) -> Option<u32> {
        match self {
            RequestError::Api(d) => d.retry_after,
            RequestError::Network => None,
        }
    }

    /// The error code, if the server answered.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            RequestError::Api(d) => Some(d.code),
            RequestError::Network => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_name_matches_serde() {
        for code in ErrorCode::ALL {
            assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{}\"", code.as_str()));
            assert!((400..600).contains(&code.status()), "{code:?} is an error status");
        }
        let names: std::collections::HashSet<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len(), "codes are distinct");
    }

    #[test]
    fn body_shape_is_stable() {
        let body = ErrorBody {
            error: ErrorDetail { code: ErrorCode::EmailTaken, message: "taken".into(), field: None, retry_after: None },
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"error": {"code": "email_taken", "message": "taken"}})
        );
    }
}
