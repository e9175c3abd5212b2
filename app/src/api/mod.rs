//! The JSON API's wire types, shared by the server (which produces them) and the browser
//! (which consumes them), so both sides agree on shapes and validation.

pub mod boosters;
pub mod content;
mod error;
pub mod learning;
pub mod messages;
pub mod module_rules;
pub mod practice;
pub mod readiness;
pub mod validate;

pub use content::*;
pub use error::{ErrorBody, ErrorCode, ErrorDetail, RequestError, retry_after_seconds};
pub use learning::*;
pub use module_rules::*;
pub use practice::*;
pub use readiness::*;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// What a person may do in Primer. Everyone learns; the role adds authoring, team
/// oversight or administration on top.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Takes assigned and suggested learning.
    #[default]
    Learner,
    /// Learns, and builds and publishes modules and learning paths.
    Author,
    /// Learns, and sees the readiness of the teams they are responsible for.
    Manager,
    /// Everything, including people and teams.
    Admin,
    /// A role this version of the app doesn't know (a newer server's). It allows
    /// nothing: no policy lists it, and the server refuses to give it to anyone.
    #[serde(other)]
    Unknown,
}

impl Role {
    /// Every role a person can have, least to most privileged (not [`Role::Unknown`]).
    pub const ALL: [Role; 4] = [Role::Learner, Role::Author, Role::Manager, Role::Admin];

    /// Everyone signed in, as the app's pages and menus see it: every role, and one this
    /// version of the app doesn't know yet (a newer server's role still learns; the server
    /// decides what it may read, and its policies never list [`Role::Unknown`]).
    pub const EVERYONE: [Role; 5] = [Role::Learner, Role::Author, Role::Manager, Role::Admin, Role::Unknown];

    /// Admins only: people, teams, settings.
    pub const ADMINS: &'static [Role] = &[Role::Admin];

    /// Managers and admins: oversight of people (Team, a person's readiness).
    pub const MANAGERS: &'static [Role] = &[Role::Manager, Role::Admin];

    /// Authors and admins: content (the Studio).
    pub const AUTHORS: &'static [Role] = &[Role::Author, Role::Admin];

    /// Everyone who works on content or people rather than only learning: authors,
    /// managers and admins.
    pub const STAFF: &'static [Role] = &[Role::Author, Role::Manager, Role::Admin];

    /// The roles whose menu has their own progress (admins reach it from Home: their bar
    /// is full of administration).
    pub const WITH_PROGRESS_TAB: &'static [Role] = &[Role::Learner, Role::Author, Role::Manager];

    /// The stable identifier used in the API, the database and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Learner => "learner",
            Role::Author => "author",
            Role::Manager => "manager",
            Role::Admin => "admin",
            Role::Unknown => "unknown",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Learner => "Learner",
            Role::Author => "Author",
            Role::Manager => "Manager",
            Role::Admin => "Admin",
            Role::Unknown => "Unknown role",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| format!("unknown role {s:?}: expected learner, author, manager or admin"))
    }
}

/// A team, by id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TeamRef {
    pub id: i64,
    pub name: String,
}

/// A person with a Primer account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    /// Sign-in address, stored lower-case.
    pub email: String,
    /// Display name.
    pub name: String,
    pub role: Role,
    /// The job role content is assigned by, e.g. "Account Executive".
    pub job_role: Option<String>,
    pub team_id: Option<i64>,
    /// The name of the team this person belongs to.
    pub team: Option<String>,
    /// Teams this person is responsible for (managers).
    pub manages: Vec<TeamRef>,
    /// IANA time zone, e.g. "Europe/Berlin".
    pub time_zone: String,
    /// First day at the company: the 30/60/90-day onboarding tiers count from here.
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "crate::dates::ymd_opt"))]
    pub start_date: Option<NaiveDate>,
    /// Inactive people cannot sign in.
    pub active: bool,
    /// False until the person has set a password (through a one-time link).
    pub has_password: bool,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub created_at: DateTime<Utc>,
    /// The person keeps themselves off leaderboards and "recently certified" lists.
    #[serde(default)]
    pub hide_from_leaderboards: bool,
}

impl User {
    /// Days since the start date (day 1 is the start date), if there is one and it has
    /// passed.
    pub fn onboarding_day(&self, today: NaiveDate) -> Option<i64> {
        onboarding_day(self.start_date?, today)
    }
}

/// The day of onboarding `today` is for someone who started on `start` (day 1 is the
/// start date), if it has come.
pub fn onboarding_day(start: NaiveDate, today: NaiveDate) -> Option<i64> {
    let days = (today - start).num_days();
    (days >= 0).then_some(days + 1)
}

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// The signed-in user, as returned by sign-in and `GET /api/v1/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Me {
    pub user: User,
    /// Today's date in the user's time zone (from the server's clock, so every device
    /// agrees on which day it is for this person).
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::ymd"))]
    pub today: NaiveDate,
}

/// `POST /api/v1/users`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    #[serde(default)]
    pub job_role: Option<String>,
    #[serde(default)]
    pub team_id: Option<i64>,
    #[serde(default)]
    pub manages: Vec<i64>,
    #[serde(default)]
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::ymd_opt"))]
    pub start_date: Option<NaiveDate>,
    /// Defaults to "UTC".
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Optional: without one, the person sets their own through a one-time link.
    #[serde(default)]
    pub password: Option<String>,
}

/// `PATCH /api/v1/users/{id}`: only the fields present change. For the nullable fields,
/// `null` clears the value and an absent field leaves it alone.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub job_role: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<i64>))]
    pub team_id: Option<Option<i64>>,
    /// Team ids, or the teams as `GET` returns them (`[{"id": 3, "name": …}]`).
    #[serde(default, deserialize_with = "team_ids", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Vec<i64>>))]
    pub manages: Option<Vec<i64>>,
    #[serde(default, deserialize_with = "double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<NaiveDate>))]
    pub start_date: Option<Option<NaiveDate>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// `false` deactivates the account and ends its sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// Teams by id, given as ids or as the `{id, name}` a `GET` returns, so a person read
/// from the API can be written back as it is.
fn team_ids<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<i64>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Team {
        Id(i64),
        Ref { id: i64 },
    }
    let teams = Option::<Vec<Team>>::deserialize(deserializer)?;
    Ok(teams.map(|t| {
        t.into_iter()
            .map(|t| match t {
                Team::Id(id) | Team::Ref { id } => id,
            })
            .collect()
    }))
}

/// Distinguishes an absent field (outer `None`) from an explicit `null` (`Some(None)`).
pub(crate) fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A team with its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Team {
    pub id: i64,
    pub name: String,
    /// Active members.
    pub member_count: u64,
    /// People responsible for this team.
    pub managers: Vec<String>,
    /// Whether the team's members see a leaderboard (admins turn it off per team).
    pub leaderboard_enabled: bool,
}

/// `POST /api/v1/teams` and `PATCH /api/v1/teams/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TeamInput {
    pub name: String,
}

/// `PATCH /api/v1/teams/{id}`: what to change (absent: unchanged).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TeamPatch {
    #[serde(default)]
    pub name: Option<String>,
    /// Turn the team's leaderboard on or off.
    #[serde(default)]
    pub leaderboard_enabled: Option<bool>,
}

/// A one-time link that lets a person set a new password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasswordResetLink {
    /// The link, to hand over. `None` when it was emailed: then only the person has it.
    #[serde(default)]
    pub url: Option<String>,
    /// Where the link was emailed (when Primer sends email). The link is made when the
    /// message is written, moments later; the admins' message log shows it went.
    #[serde(default)]
    pub emailed_to: Option<String>,
    /// Until when the link works (`None` when emailed: it counts from the sending).
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc_opt"))]
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// How long a link works.
    pub valid_hours: u32,
    /// An earlier link for the same person was still usable, and no longer works (when
    /// emailed: will no longer work once this one is sent).
    #[serde(default)]
    pub replaced_earlier: bool,
}

/// Whom a one-time link is for, as its page greets them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetLinkOwner {
    pub name: String,
    pub email: String,
    /// They never had a password: this sets their first.
    pub first_password: bool,
}

/// `POST /api/v1/auth/password-reset`: use a one-time link's token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ResetPassword {
    pub token: String,
    pub password: String,
}

/// `PUT /api/v1/me/password`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// `GET /healthz`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub database: String,
    pub version: String,
}

/// A learner with no team or start date, for tests (here, and the server's with the
/// `test-support` feature).
#[cfg(any(test, feature = "test-support"))]
pub fn sample_user() -> User {
    User {
        id: 1,
        email: "dana@primer.test".into(),
        name: "Dana Lee".into(),
        role: Role::Learner,
        job_role: None,
        team_id: None,
        team: None,
        manages: vec![],
        time_zone: "UTC".into(),
        start_date: None,
        active: true,
        has_password: true,
        created_at: Utc::now(),
        hide_from_leaderboards: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_round_trips_through_its_identifier() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{role}\""));
        }
        assert_eq!(" Admin ".parse::<Role>(), Ok(Role::Admin));
        assert!("owner".parse::<Role>().is_err());
    }

    /// A phone running last week's app reads this week's answers: a value it doesn't know
    /// becomes `Unknown` instead of making the whole answer unreadable.
    #[test]
    fn unknown_wire_values_read_as_unknown() {
        fn read<T: serde::de::DeserializeOwned>(value: &str) -> T {
            serde_json::from_value(serde_json::json!(value)).unwrap()
        }
        assert_eq!(read::<ModuleKind>("podcast"), ModuleKind::Unknown);
        assert_eq!(read::<ModuleStatus>("scheduled"), ModuleStatus::Unknown);
        assert_eq!(read::<RecordKind>("pitch_take"), RecordKind::Unknown);
        assert_eq!(read::<RecordStatus>("deferred"), RecordStatus::Unknown);
        assert_eq!(read::<RejectCode>("attempt_limit_v2"), RejectCode::Unknown);
        assert_eq!(read::<ErrorCode>("storage_full"), ErrorCode::Unknown);
        assert_eq!(read::<ReviewerRole>("coach"), ReviewerRole::Unknown);
        assert_eq!(read::<CertificateStatus>("revoked"), CertificateStatus::Unknown);
        assert_eq!(read::<Tier>("days120"), Tier::Unknown);
        assert_eq!(read::<Role>("coach"), Role::Unknown);
        // Known values still read as themselves.
        assert_eq!(read::<ModuleKind>("quiz"), ModuleKind::Quiz);
        assert_eq!(read::<RejectCode>("unknown_module"), RejectCode::UnknownModule);

        // Whole answers stay readable around the value they don't know.
        let module: LearnerModule = serde_json::from_value(serde_json::json!({
            "id": 4, "version": 2, "kind": "podcast", "title": "Aurora", "summary": "", "tags": [],
            "estimated_seconds": 90, "language": "en",
            "content": {"kind": "podcast", "audio_media_id": "abc", "chapters": [1, 2]},
            "media": [], "download_bytes": 0, "assigned": null,
        }))
        .unwrap();
        assert_eq!((module.kind, module.content), (ModuleKind::Unknown, ModuleContent::Unknown));
        let answer: SyncResponse = serde_json::from_value(serde_json::json!({
            "results": [
                {"id": "a", "status": "accepted"},
                {"id": "b", "status": "rejected", "code": "cooling_down"},
                {"id": "c", "status": "parked"},
            ],
            "progress": {"modules": [], "last_sync_at": null},
        }))
        .unwrap();
        assert_eq!(answer.results[1].code, Some(RejectCode::Unknown));
        assert_eq!(answer.results[2].status, RecordStatus::Unknown);
        let error: ErrorBody =
            serde_json::from_value(serde_json::json!({"error": {"code": "storage_full", "message": "Too much."}}))
                .unwrap();
        assert_eq!((error.error.code, error.error.message.as_str()), (ErrorCode::Unknown, "Too much."));
        // Every known value is still written and read as before.
        for kind in ModuleKind::ALL {
            assert_eq!(read::<ModuleKind>(kind.as_str()), kind);
        }
        assert!(!ModuleKind::ALL.contains(&ModuleKind::Unknown) && !Role::ALL.contains(&Role::Unknown));
        assert!(!ErrorCode::ALL.contains(&ErrorCode::Unknown));
    }

    #[test]
    fn retry_after_reads_seconds() {
        assert_eq!(retry_after_seconds("30"), Some(30));
        assert_eq!(retry_after_seconds(" 1 "), Some(1));
        assert_eq!(retry_after_seconds("Wed, 21 Oct 2026 07:28:00 GMT"), Some(1), "a date: soon");
        assert_eq!(retry_after_seconds(""), None);
    }

    #[test]
    fn patch_tells_null_from_absent() {
        let p: UserPatch = serde_json::from_str(r#"{"job_role": null}"#).unwrap();
        assert_eq!(p.job_role, Some(None));
        assert_eq!(p.team_id, None);
        let p: UserPatch = serde_json::from_str(r#"{"team_id": 4}"#).unwrap();
        assert_eq!(p.team_id, Some(Some(4)));
        assert_eq!(p.job_role, None);
    }

    #[test]
    fn onboarding_day_counts_from_one() {
        let mut u = sample_user();
        let today = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        assert_eq!(u.onboarding_day(today), None);
        u.start_date = NaiveDate::from_ymd_opt(2026, 3, 10);
        assert_eq!(u.onboarding_day(today), Some(1));
        u.start_date = NaiveDate::from_ymd_opt(2026, 2, 8);
        assert_eq!(u.onboarding_day(today), Some(31));
        u.start_date = NaiveDate::from_ymd_opt(2026, 4, 1);
        assert_eq!(u.onboarding_day(today), None);
    }
}
