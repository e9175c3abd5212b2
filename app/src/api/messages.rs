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
    /// A reminder of one's own required items, before and after they are due.
    Reminder,
    /// To a manager: a copy of one of their people's overdue reminders.
    OverdueCopy,
    /// To a manager who was told an item had slid: it's done.
    Completed,
    /// To a manager, weekly: their teams' readiness, who is overdue, certificates
    /// expiring, reviews waiting, whose data is stale.
    Digest,
    /// A kind this version doesn't know (a newer server's).
    #[serde(other)]
    Unknown,
}

impl MessageKind {
    pub const ALL: [MessageKind; 6] = [
        MessageKind::Invitation,
        MessageKind::PasswordReset,
        MessageKind::Reminder,
        MessageKind::OverdueCopy,
        MessageKind::Completed,
        MessageKind::Digest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Invitation => "invitation",
            MessageKind::PasswordReset => "password_reset",
            MessageKind::Reminder => "reminder",
            MessageKind::OverdueCopy => "overdue_copy",
            MessageKind::Completed => "completed",
            MessageKind::Digest => "digest",
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
            MessageKind::Reminder => "Reminder",
            MessageKind::OverdueCopy => "Overdue copy",
            MessageKind::Completed => "Done",
            MessageKind::Digest => "Weekly digest",
            MessageKind::Unknown => "Other",
        }
    }

    /// Whether a person may turn it off (sign-in links they may not: that's how they sign
    /// in).
    pub fn optional(self) -> bool {
        matches!(self, MessageKind::Reminder | MessageKind::OverdueCopy | MessageKind::Completed | MessageKind::Digest)
    }

    /// Whether it is for people who manage a team (their people's news).
    pub fn for_managers(self) -> bool {
        matches!(self, MessageKind::OverdueCopy | MessageKind::Completed | MessageKind::Digest)
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
    /// Not sent: the recipient turned this kind off after it was queued.
    Withheld,
}

impl MessageState {
    pub const ALL: [MessageState; 4] =
        [MessageState::Queued, MessageState::Sent, MessageState::Failed, MessageState::Withheld];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Queued => "queued",
            MessageState::Sent => "sent",
            MessageState::Failed => "failed",
            MessageState::Withheld => "withheld",
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

/// Quiet hours, whole hours in the person's time zone: nothing is sent from `from` until
/// `to` (across midnight when `from` is later).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QuietHours {
    pub from: u8,
    pub to: u8,
}

/// When a manager's weekly digest goes: a day of the week and a whole hour, in their
/// time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DigestTime {
    /// 1 = Monday … 7 = Sunday (ISO 8601).
    pub weekday: u8,
    /// 0–23.
    pub hour: u8,
}

impl Default for DigestTime {
    /// Monday, 8:00: the week's plan before the week's meetings.
    fn default() -> Self {
        DigestTime { weekday: 1, hour: 8 }
    }
}

/// The days of the week, as [`DigestTime::weekday`] numbers them.
pub const WEEKDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// `GET|PUT /api/v1/me/notifications`: what reaches a person, and when not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NotificationPrefs {
    /// Kinds turned off (only `reminder`, `overdue_copy`, `completed` and `digest` may be).
    #[serde(default)]
    pub off: Vec<MessageKind>,
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    /// When the weekly digest goes to someone who manages a team (left out: Monday, 8:00).
    #[serde(default)]
    pub digest: Option<DigestTime>,
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
