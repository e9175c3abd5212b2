//! Messages Primer sends people (email), as admins see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// A new account's link to choose a first password.
    Invitation,
    /// A link to set a new password (asked for by an admin, or from the sign-in page).
    PasswordReset,
    /// A kind this version doesn't know (a newer server's).
    #[serde(other)]
    Unknown,
}

impl MessageKind {
    pub const ALL: [MessageKind; 2] = [MessageKind::Invitation, MessageKind::PasswordReset];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Invitation => "invitation",
            MessageKind::PasswordReset => "password_reset",
            MessageKind::Unknown => "unknown",
        }
    }

    /// Fails closed: `None` for a value this version doesn't know.
    pub fn parse(s: &str) -> Option<MessageKind> {
        MessageKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            MessageKind::Invitation => "Invitation",
            MessageKind::PasswordReset => "Password link",
            MessageKind::Unknown => "Other",
        }
    }
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageState {
    /// Waiting to go, or to be tried again (`last_error` says why the last try failed).
    Queued,
    /// The mail server took it.
    Sent,
    /// It won't go: the mail server refused it, or every try failed.
    Failed,
}

impl MessageState {
    pub const ALL: [MessageState; 3] = [MessageState::Queued, MessageState::Sent, MessageState::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Queued => "queued",
            MessageState::Sent => "sent",
            MessageState::Failed => "failed",
        }
    }

    /// Fails closed: `None` for a value this version doesn't know.
    pub fn parse(s: &str) -> Option<MessageState> {
        MessageState::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One message (`GET /api/v1/admin/messages`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SentMessage {
    pub id: i64,
    pub kind: MessageKind,
    /// `email`.
    pub channel: String,
    pub user_id: i64,
    pub to_name: String,
    /// The address it went (or goes) to.
    pub to_address: String,
    /// Known once it is written, just before it is first sent.
    pub subject: Option<String>,
    pub state: MessageState,
    /// Times it was handed to the mail server. More than one means it may have arrived
    /// more than once (a server stopped between the mail server's acceptance and
    /// recording it).
    pub attempts: i32,
    /// Why the last try failed.
    pub last_error: Option<String>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc_opt"))]
    #[serde(default)]
    pub sent_at: Option<DateTime<Utc>>,
}

/// `GET /api/v1/admin/messages` filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
pub struct MessageFilter {
    /// Only messages in this state.
    #[serde(default)]
    pub state: Option<MessageState>,
    /// At most this many, newest first (default 100, at most 500).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// `POST /api/v1/auth/forgot-password`: ask for a link to set a new password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ForgotPassword {
    pub email: String,
}

/// The answer to a forgot-password request: the same whether or not an account has the
/// address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ForgotPasswordAnswer {
    pub message: String,
}
