//! Readiness on the wire: certifications and the certificates learners earn, and the
//! reports managers and authors read.

use chrono::{DateTime, Months, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::validate::FieldError;

/// How long before it expires a certificate counts as expiring (and its path is
/// assigned again, so there is time to renew).
pub const EXPIRING_DAYS: i64 = 30;
/// The longest validity a certification may have (ten years).
pub const MAX_VALIDITY_MONTHS: u32 = 120;
/// The pass mark a new certification's assessment starts with.
pub const DEFAULT_PASSING_SCORE: u8 = 80;
/// Assessment attempts a learner gets per certificate, unless the author says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// The most attempts an author may allow.
pub const MAX_MAX_ATTEMPTS: u32 = 20;
/// The longest cooldown between attempts (a week), in minutes.
pub const MAX_COOLDOWN_MINUTES: u32 = 7 * 24 * 60;

/// `POST /api/v1/certifications` and `PUT /api/v1/certifications/{id}`: a learning path
/// turned into a certification.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CertificationInput {
    pub path_id: Option<i64>,
    /// Defaults to the path's title.
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The path's modules a learner must complete. Defaults to every step of the path
    /// that isn't part of the assessment.
    #[serde(default)]
    pub required_module_ids: Option<Vec<i64>>,
    /// The final assessment: one or more quizzes of the path. Their answer key never
    /// reaches a learner's device; the server scores the answers when they sync.
    #[serde(default)]
    pub assessment_module_ids: Vec<i64>,
    /// The score every assessment quiz must reach, in percent. Defaults to 80.
    #[serde(default)]
    pub passing_score: Option<u8>,
    /// How long a certificate stays valid, in months; none: it doesn't expire.
    #[serde(default)]
    pub validity_months: Option<u32>,
    /// Attempts at the assessment a learner gets per certificate (default 3).
    #[serde(default)]
    pub max_attempts: Option<u32>,
    /// Minutes a learner waits after an attempt before the next is issued (default 0).
    #[serde(default)]
    pub cooldown_minutes: Option<u32>,
}

/// A certification: what a learner must complete and pass to hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Certification {
    pub id: i64,
    pub title: String,
    pub description: String,
    /// The learning path it is built on (and assigned again when a certificate expires).
    pub path_id: i64,
    pub path_title: String,
    /// Goes up by one each time the requirements change; a certificate names the version
    /// it was earned under.
    pub version: i32,
    pub required_module_ids: Vec<i64>,
    pub assessment_module_ids: Vec<i64>,
    pub passing_score: u8,
    pub validity_months: Option<u32>,
    pub max_attempts: u32,
    pub cooldown_minutes: u32,
    /// People holding a certificate that hasn't expired.
    pub holders: u64,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub updated_at: DateTime<Utc>,
}

/// Where a certificate stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    Valid,
    /// Valid, but expires within 30 days.
    Expiring,
    Expired,
    /// A status this version of the app doesn't know (a newer server's).
    #[serde(other)]
    Unknown,
}

impl CertificateStatus {
    /// A certificate's status at `now`.
    pub fn at(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> CertificateStatus {
        match expires_at {
            Some(e) if e <= now => CertificateStatus::Expired,
            Some(e) if e - now <= TimeDelta::days(EXPIRING_DAYS) => CertificateStatus::Expiring,
            _ => CertificateStatus::Valid,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "Valid",
            CertificateStatus::Expiring => "Expiring soon",
            CertificateStatus::Expired => "Expired",
            CertificateStatus::Unknown => "Status unknown",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "valid",
            CertificateStatus::Expiring => "expiring",
            CertificateStatus::Expired => "expired",
            CertificateStatus::Unknown => "unknown",
        }
    }
}

/// When a certificate issued at `issued_at` expires.
pub fn expiry(issued_at: DateTime<Utc>, validity_months: Option<u32>) -> Option<DateTime<Utc>> {
    issued_at.checked_add_months(Months::new(validity_months?))
}

/// A certificate a learner earned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Certificate {
    pub id: i64,
    /// What anyone can check it with, at `/verify/{code}`.
    pub code: String,
    pub certification_id: i64,
    /// The certification's title.
    pub certification: String,
    /// The certification's version it was earned under.
    pub version: i32,
    pub user_id: i64,
    /// The holder's name.
    pub holder: String,
    /// When the last requirement was met (by the learner's corrected clock).
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub issued_at: DateTime<Utc>,
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "crate::dates::utc_opt"))]
    pub expires_at: Option<DateTime<Utc>>,
    /// The assessment score it was earned with (the average over its quizzes), in percent.
    pub score: Option<u8>,
    pub status: CertificateStatus,
    /// A newer certificate of the same certification replaces this one.
    pub renewed: bool,
}

impl Certificate {
    /// The public page that verifies it.
    pub fn verify_path(&self) -> String {
        format!("/verify/{}", self.code)
    }
}

/// `GET /api/v1/verify/{code}`: what anyone with the code may learn about a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Verification {
    pub code: String,
    pub holder: String,
    pub certification: String,
    pub version: i32,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub issued_at: DateTime<Utc>,
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "crate::dates::utc_opt"))]
    pub expires_at: Option<DateTime<Utc>>,
    pub status: CertificateStatus,
    pub renewed: bool,
}

impl From<Certificate> for Verification {
    fn from(c: Certificate) -> Verification {
        Verification {
            code: c.code,
            holder: c.holder,
            certification: c.certification,
            version: c.version,
            issued_at: c.issued_at,
            expires_at: c.expires_at,
            status: c.status,
            renewed: c.renewed,
        }
    }
}

/// The characters of a verification code: no 0/O or 1/I/L to misread from paper.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A verification code as typed or printed ("k7q2 m9xd-p4ab"), in its stored form
/// ("K7Q2-M9XD-P4AB"), or `None` if it can't be one.
pub fn normalise_code(code: &str) -> Option<String> {
    let chars: Vec<char> = code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if chars.len() != 12
        || !chars.iter().all(|c| c.is_ascii() && CODE_ALPHABET.contains(&(c.to_ascii_uppercase() as u8)))
    {
        return None;
    }
    let upper: String = chars.iter().map(|c| c.to_ascii_uppercase()).collect();
    Some(format!("{}-{}-{}", &upper[0..4], &upper[4..8], &upper[8..12]))
}

/// Attempts allowed per certificate: 1 to 20.
pub fn max_attempts(attempts: Option<u32>) -> Result<u32, FieldError> {
    match attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS) {
        n @ 1..=MAX_MAX_ATTEMPTS => Ok(n),
        _ => Err(FieldError::new("max_attempts", format!("Allow 1 to {MAX_MAX_ATTEMPTS} attempts."))),
    }
}

/// Minutes between attempts: 0 to a week.
pub fn cooldown_minutes(minutes: Option<u32>) -> Result<u32, FieldError> {
    match minutes.unwrap_or(0) {
        m if m <= MAX_COOLDOWN_MINUTES => Ok(m),
        _ => Err(FieldError::new("cooldown_minutes", "Keep the wait between attempts under a week (10080 minutes).")),
    }
}

/// `POST /api/v1/assessments/{module_id}/attempts`: an attempt at a certification's
/// assessment quiz, issued by the server to one learner. Saved with the module, it is
/// answered offline like any quiz; only the first answers received for it count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AssessmentAttempt {
    pub id: String,
    pub module_id: i64,
    /// The version it is for (its questions).
    pub module_version: i32,
    /// The version's question indexes drawn for this attempt, in the order to show them.
    /// The answers are sent in the version's own order (see `QuizAttemptPayload`).
    pub questions: Vec<u32>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub issued_at: DateTime<Utc>,
    /// Attempts answered so far (this certificate), and how many are allowed.
    pub attempts_used: u32,
    pub attempts_allowed: u32,
}

impl AssessmentAttempt {
    /// The questions asked, in the version's own order (how answers are sent).
    pub fn asked(&self) -> Vec<u32> {
        let mut asked = self.questions.clone();
        asked.sort_unstable();
        asked
    }
}

/// A passing score in percent.
pub fn passing_score(score: u8) -> Result<u8, FieldError> {
    if !(1..=100).contains(&score) {
        return Err(FieldError::new("passing_score", "Set a passing score between 1 and 100 percent."));
    }
    Ok(score)
}

/// A validity in months (none: doesn't expire).
pub fn validity_months(months: Option<u32>) -> Result<Option<u32>, FieldError> {
    match months {
        Some(0) => Err(FieldError::new(
            "validity_months",
            "A certificate is valid for at least a month; leave it empty if it never expires.",
        )),
        Some(m) if m > MAX_VALIDITY_MONTHS => {
            Err(FieldError::new("validity_months", format!("Use at most {MAX_VALIDITY_MONTHS} months (ten years).")))
        }
        m => Ok(m),
    }
}

/// How many days after their start someone has to finish a required item: the usual
/// 30/60/90-day onboarding tiers, and everything due later (or on a date of its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Days30,
    Days60,
    Days90,
    Later,
    /// A tier this version of the app doesn't know (a newer server's).
    #[serde(other)]
    Unknown,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::Days30, Tier::Days60, Tier::Days90, Tier::Later];

    /// The tier of something due `days` after the start date.
    pub fn of(days: Option<i64>) -> Tier {
        match days {
            Some(d) if d <= 30 => Tier::Days30,
            Some(d) if d <= 60 => Tier::Days60,
            Some(d) if d <= 90 => Tier::Days90,
            _ => Tier::Later,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Tier::Days30 => "30 days",
            Tier::Days60 => "60 days",
            Tier::Days90 => "90 days",
            Tier::Later => "Later",
            Tier::Unknown => "Other",
        }
    }
}

/// One tier's required items for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TierProgress {
    pub tier: Tier,
    pub done: u32,
    pub total: u32,
}

/// A required item not done yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DueItem {
    pub module_id: i64,
    pub title: String,
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "crate::dates::ymd_opt"))]
    pub due_date: Option<NaiveDate>,
}

/// A certification a person holds (their newest certificate of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HeldCertification {
    pub certification_id: i64,
    pub title: String,
    pub status: CertificateStatus,
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "crate::dates::utc_opt"))]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A person's most recent quiz.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QuizResult {
    pub module_id: i64,
    pub title: String,
    /// Their best score on it, in percent.
    pub best_score: u8,
    pub attempts: u32,
    pub passed: bool,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub at: DateTime<Utc>,
}

/// One person's readiness: a row of `GET /api/v1/reports/people`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PersonReadiness {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub team_id: Option<i64>,
    pub team: Option<String>,
    pub job_role: Option<String>,
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "crate::dates::ymd_opt"))]
    pub start_date: Option<NaiveDate>,
    pub required_done: u32,
    pub required_total: u32,
    /// Required items past their due date and not done, soonest due first.
    pub overdue: Vec<DueItem>,
    /// Required items due within the next 14 days and not done.
    pub due_soon: Vec<DueItem>,
    /// Required items per onboarding tier.
    pub tiers: Vec<TierProgress>,
    pub certifications: Vec<HeldCertification>,
    pub latest_quiz: Option<QuizResult>,
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "crate::dates::utc_opt"))]
    pub last_activity_at: Option<DateTime<Utc>>,
    /// When a phone of theirs last synced: what they did offline since isn't here yet.
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "crate::dates::utc_opt"))]
    pub last_sync_at: Option<DateTime<Utc>>,
}

/// How many days ahead "due soon" looks.
pub const DUE_SOON_DAYS: i64 = 14;

/// `GET /api/v1/reports/people`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PeopleReport {
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub generated_at: DateTime<Utc>,
    /// The teams the viewer may filter by.
    pub teams: Vec<super::TeamRef>,
    pub people: Vec<PersonReadiness>,
    /// Modules the people in scope completed per week, the last [`CHART_WEEKS`] weeks,
    /// oldest first (every person in scope, whatever the other filters).
    #[serde(default)]
    pub completions_per_week: Vec<WeekCount>,
}

/// How many weeks the completions chart covers.
pub const CHART_WEEKS: u32 = 12;

/// Completions in one week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WeekCount {
    /// Its Monday.
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::ymd"))]
    pub week_of: NaiveDate,
    pub completed: u32,
}

/// Where one of a person's items stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// Required, past its due date, not done.
    Overdue,
    /// Required, due within [`DUE_SOON_DAYS`] days, not done.
    DueSoon,
    /// Not done, nothing pressing.
    ToDo,
    Done,
    /// A state this version of the app doesn't know (a newer server's).
    #[serde(other)]
    Unknown,
}

impl ItemState {
    pub fn label(self) -> &'static str {
        match self {
            ItemState::Overdue => "Overdue",
            ItemState::DueSoon => "Due soon",
            ItemState::ToDo => "To do",
            ItemState::Done => "Done",
            ItemState::Unknown => "Other",
        }
    }
}

/// One module assigned to a person (required or suggested), as their manager sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PersonItem {
    pub module_id: i64,
    pub title: String,
    pub kind: super::ModuleKind,
    pub required: bool,
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "crate::dates::ymd_opt"))]
    pub due_date: Option<NaiveDate>,
    pub state: ItemState,
    /// When it was completed (for a renewal, completed again).
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "crate::dates::utc_opt"))]
    pub completed_at: Option<DateTime<Utc>>,
}

/// `GET /api/v1/reports/people/{id}`: one person's readiness, every item assigned to
/// them, and every quiz they answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PersonReport {
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub generated_at: DateTime<Utc>,
    pub person: PersonReadiness,
    /// Overdue first (soonest due first), then due soon, to do and done.
    pub items: Vec<PersonItem>,
    /// Newest first.
    pub quizzes: Vec<QuizResult>,
}

/// One team's figures: required items done of how many, and people with something
/// overdue of how many.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamFigures {
    pub name: String,
    pub done: u32,
    pub total: u32,
    pub people: u32,
    pub overdue_people: u32,
}

impl TeamFigures {
    /// The share of required items done, in percent (nothing required: 100).
    pub fn percent(&self) -> u32 {
        (self.done * 100).checked_div(self.total).unwrap_or(100)
    }
}

/// People's readiness per team, teams in alphabetical order (any case; people without a
/// team under "No team"): the team page's chart, the SVG chart and the weekly digest.
pub fn by_team(people: &[PersonReadiness]) -> Vec<TeamFigures> {
    let mut teams: std::collections::BTreeMap<String, TeamFigures> = Default::default();
    for p in people {
        let name = p.team.as_deref().unwrap_or("No team");
        let t = teams
            .entry(name.to_lowercase())
            .or_insert_with(|| TeamFigures { name: name.to_string(), ..TeamFigures::default() });
        t.done += p.required_done;
        t.total += p.required_total;
        t.people += 1;
        t.overdue_people += u32::from(!p.overdue.is_empty());
    }
    teams.into_values().collect()
}

/// After how long without a sync a person's data counts as stale: what they did on a
/// phone that hasn't synced isn't in any report yet.
pub const STALE_DAYS: i64 = 2;

/// Whether a person's data is stale at `now` (never synced counts).
pub fn is_stale(last_sync_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last_sync_at.is_none_or(|at| now - at >= TimeDelta::days(STALE_DAYS))
}

/// "Never synced", "Synced 2 h ago".
pub fn sync_label(last_sync_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match last_sync_at {
        None => "Never synced".to_string(),
        at => format!("Synced {}", ago(at, now)),
    }
}

/// The question of a quiz missed most often.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MissedQuestion {
    /// 0-based.
    pub index: u32,
    pub prompt: String,
    /// Share of answers to it that were wrong, in percent.
    pub missed_percent: f64,
    pub answers: u32,
}

/// One module's figures: a row of `GET /api/v1/reports/modules`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ModuleFigures {
    pub module_id: i64,
    pub title: String,
    pub kind: super::ModuleKind,
    /// People it is assigned to (required or suggested).
    pub assigned: u32,
    /// People with any record on it.
    pub started: u32,
    pub completed: u32,
    /// Completed among those it is assigned to, in percent (none if assigned to nobody).
    pub completion_rate: Option<f64>,
    /// Median time spent, from completions that say (videos and tip cards).
    pub median_seconds: Option<u32>,
    /// Average of each person's best score (quizzes).
    pub average_score: Option<f64>,
    pub most_missed: Option<MissedQuestion>,
    pub rating_average: Option<f64>,
    pub ratings: u32,
}

/// One learning path's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PathFigures {
    pub path_id: i64,
    pub title: String,
    pub steps: u32,
    pub assigned: u32,
    pub started: u32,
    /// Every step completed.
    pub completed: u32,
    pub completion_rate: Option<f64>,
    /// Median days from a person's start date to their last step.
    pub median_days: Option<f64>,
}

/// `GET /api/v1/reports/modules`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ModulesReport {
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub generated_at: DateTime<Utc>,
    pub people: u32,
    pub modules: Vec<ModuleFigures>,
    pub paths: Vec<PathFigures>,
}

/// One option of a quiz question, and how often it was picked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OptionShare {
    pub text: String,
    pub correct: bool,
    /// Answers that picked it.
    pub picks: u32,
    /// Share of the question's answers that picked it, in percent (none before any
    /// answer). Options of a question with several right answers may add up to more
    /// than 100.
    pub percent: Option<f64>,
}

/// One question of a quiz's current version, as learners answered it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QuestionInsight {
    /// 0-based.
    pub index: u32,
    pub prompt: String,
    pub multiple: bool,
    pub answers: u32,
    /// Share of answers that weren't right, in percent.
    pub missed_percent: Option<f64>,
    pub options: Vec<OptionShare>,
}

/// A learner's comment on a module: their latest feedback, without their name (people
/// say more when they know the author reads the words, not who wrote them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FeedbackComment {
    /// 1 to 5.
    pub rating: u8,
    pub comment: String,
    /// The module version the learner rated.
    pub module_version: i32,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub at: DateTime<Utc>,
}

/// How many comments an insights page lists (the newest).
pub const INSIGHT_COMMENTS: usize = 200;

/// `GET /api/v1/reports/modules/{id}/insights`: what learners think of one module and
/// how they answer it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ModuleInsights {
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub generated_at: DateTime<Utc>,
    /// The published version.
    pub version: i32,
    /// Assigned, started, completed, completion rate, rating… as in the module report.
    pub figures: ModuleFigures,
    /// Each learner's latest rating, counted per star: index 0 is one star.
    pub rating_counts: [u32; 5],
    /// The newest comments first (at most [`INSIGHT_COMMENTS`]), each learner's latest.
    pub comments: Vec<FeedbackComment>,
    /// Every learner comment, also those beyond the list.
    pub comments_total: u32,
    /// Quiz attempts on the published version.
    pub attempts: u32,
    /// Per question of the published version (quizzes).
    pub questions: Vec<QuestionInsight>,
    /// A practice module's takes and how reviewers judged them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub practice: Option<PracticeInsight>,
    /// A quiz's questions answered right the first time against as boosters later (none
    /// for other kinds and for assessments, which never come back as boosters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<super::boosters::Retention>,
}

/// A practice module's submitted takes, as reviewers judged them (every version's, by the
/// people in the report's scope).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PracticeInsight {
    /// Takes submitted (a new take is a new submission).
    pub submissions: u32,
    /// Submissions with at least one review.
    pub reviewed: u32,
    /// Submissions a review decided, and those of them that passed.
    pub decided: u32,
    pub passed: u32,
    /// `passed` of `decided`, in percent.
    pub pass_rate: Option<f64>,
    /// The published rubric's scale (4 or 5).
    pub scale_max: u8,
    /// Per criterion of the published rubric, the scores reviewers gave it.
    pub criteria: Vec<CriterionInsight>,
}

/// One rubric criterion across reviews.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CriterionInsight {
    pub name: String,
    /// Reviews that scored it.
    pub reviews: u32,
    /// Their mean score, to one decimal.
    pub average: Option<f64>,
}

/// `PUT /api/v1/me/preferences`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Preferences {
    /// Keep me off leaderboards and "recently certified" lists.
    pub hide_from_leaderboards: bool,
}

/// Days in a row with a completed module, in the learner's time zone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Streak {
    /// The run that ends today, or yesterday (today still counts if they learn later).
    pub current: u32,
    pub longest: u32,
    /// Whether today already has a completion.
    pub today: bool,
}

/// The streak of a learner who completed modules on `days` (any order, repeats allowed),
/// as it stands on `today`. Days after today (a device clock ahead) don't count.
pub fn streak(days: impl IntoIterator<Item = NaiveDate>, today: NaiveDate) -> Streak {
    let mut days: Vec<NaiveDate> = days.into_iter().filter(|d| *d <= today).collect();
    days.sort_unstable();
    days.dedup();
    let (mut longest, mut run) = (0u32, 0u32);
    let mut previous: Option<NaiveDate> = None;
    for day in &days {
        run = match previous {
            Some(p) if p.succ_opt() == Some(*day) => run + 1,
            _ => 1,
        };
        longest = longest.max(run);
        previous = Some(*day);
    }
    let last = days.last().copied();
    let alive = last.is_some_and(|l| l == today || l.succ_opt() == Some(today));
    Streak { current: if alive { run } else { 0 }, longest, today: last == Some(today) }
}

/// How many days a leaderboard looks back.
pub const LEADERBOARD_DAYS: u32 = 30;

/// One place on a team's leaderboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LeaderboardEntry {
    /// 1 for the most; people with the same figures share a place.
    pub rank: u32,
    pub user_id: i64,
    pub name: String,
    /// Modules completed in the last 30 days (each module once).
    pub completed: u32,
    /// Their current streak, in days.
    pub streak: u32,
    /// This is the person asking.
    pub you: bool,
}

/// `GET /api/v1/leaderboard`: a team's last 30 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Leaderboard {
    /// The team shown (none: the person asking isn't in a team).
    pub team: Option<super::TeamRef>,
    /// False when an admin turned the team's leaderboard off (then nobody is listed).
    pub enabled: bool,
    pub days: u32,
    /// Everyone with a completion in the window who doesn't hide, most first.
    pub entries: Vec<LeaderboardEntry>,
    /// The person asking hides from leaderboards.
    pub you_hidden: bool,
    /// The teams the person asking may look at.
    pub teams: Vec<super::TeamRef>,
}

/// Someone on the team who recently earned a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RecentlyCertified {
    pub user_id: i64,
    pub name: String,
    pub certification_title: String,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub issued_at: DateTime<Utc>,
    pub you: bool,
}

/// How many days "recently certified" looks back.
pub const RECENTLY_CERTIFIED_DAYS: i64 = 30;

/// `GET /api/v1/me/recognition`: the signed-in person's streak, and who on their team
/// recently got certified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Recognition {
    pub streak: Streak,
    /// Newest first, the last 30 days, people who don't hide.
    pub recently_certified: Vec<RecentlyCertified>,
    /// Teammates' takes a reviewer featured for the team (with their consent), newest
    /// first, at most [`FEATURED_SHOWN`].
    #[serde(default)]
    pub featured: Vec<FeaturedTake>,
}

/// How many featured takes Home lists.
pub const FEATURED_SHOWN: usize = 3;

/// A teammate's take featured for the team: who, of what, and where to watch it (the
/// take's data-saver rendition once made, else the file as recorded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FeaturedTake {
    pub name: String,
    /// The practice module's title.
    pub title: String,
    pub url: String,
}

/// "2 h ago", "3 days ago", "never": how fresh a person's data is.
pub fn ago(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(at) = at else { return "never".to_string() };
    let d = now - at;
    if d < TimeDelta::minutes(1) {
        "just now".to_string()
    } else if d < TimeDelta::hours(1) {
        format!("{} min ago", d.num_minutes())
    } else if d < TimeDelta::days(1) {
        format!("{} h ago", d.num_hours())
    } else if d < TimeDelta::days(2) {
        "yesterday".to_string()
    } else {
        format!("{} days ago", d.num_days())
    }
}

#[cfg(test)]
mod tests {
    use super::{Streak, streak};

    fn d(day: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 3, day).unwrap()
    }

    #[test]
    fn streaks_count_days_in_a_row() {
        assert_eq!(streak([], d(10)), Streak::default());
        // Today done: the run through today.
        assert_eq!(streak([d(8), d(9), d(10), d(10)], d(10)), Streak { current: 3, longest: 3, today: true });
        // Not yet today: yesterday's run is still alive.
        assert_eq!(streak([d(9), d(8), d(3)], d(10)), Streak { current: 2, longest: 2, today: false });
        // A day missed: broken, but the longest is kept.
        assert_eq!(streak([d(1), d(2), d(3), d(4), d(8)], d(10)), Streak { current: 0, longest: 4, today: false });
        // The future (a clock ahead) doesn't count.
        assert_eq!(streak([d(10), d(11)], d(10)), Streak { current: 1, longest: 1, today: true });
        // Across a month's end.
        let feb28 = chrono::NaiveDate::from_ymd_opt(2026, 2, 28).unwrap();
        assert_eq!(streak([feb28, d(1)], d(1)).current, 2);
    }

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn status_follows_the_expiry() {
        let now = at("2026-06-01T12:00:00Z");
        assert_eq!(CertificateStatus::at(None, now), CertificateStatus::Valid);
        assert_eq!(CertificateStatus::at(Some(at("2026-08-01T00:00:00Z")), now), CertificateStatus::Valid);
        assert_eq!(CertificateStatus::at(Some(at("2026-07-01T12:00:00Z")), now), CertificateStatus::Expiring);
        assert_eq!(CertificateStatus::at(Some(at("2026-06-01T12:00:01Z")), now), CertificateStatus::Expiring);
        assert_eq!(CertificateStatus::at(Some(now), now), CertificateStatus::Expired);
    }

    #[test]
    fn validity_counts_calendar_months() {
        assert_eq!(expiry(at("2026-01-31T09:00:00Z"), Some(1)), Some(at("2026-02-28T09:00:00Z")));
        assert_eq!(expiry(at("2026-03-15T09:00:00Z"), Some(12)), Some(at("2027-03-15T09:00:00Z")));
        assert_eq!(expiry(at("2026-03-15T09:00:00Z"), None), None);
        assert!(validity_months(Some(0)).is_err());
        assert!(validity_months(Some(121)).is_err());
        assert_eq!(validity_months(Some(12)).unwrap(), Some(12));
    }

    #[test]
    fn freshness_reads_naturally() {
        let now = at("2026-06-01T12:00:00Z");
        assert_eq!(ago(None, now), "never");
        assert_eq!(ago(Some(at("2026-06-01T11:59:30Z")), now), "just now");
        assert_eq!(ago(Some(at("2026-06-01T10:00:00Z")), now), "2 h ago");
        assert_eq!(ago(Some(at("2026-05-31T10:00:00Z")), now), "yesterday");
        assert_eq!(ago(Some(at("2026-05-28T12:00:00Z")), now), "4 days ago");
        assert_eq!(Tier::of(Some(30)), Tier::Days30);
        assert_eq!(Tier::of(Some(31)), Tier::Days60);
        assert_eq!(Tier::of(Some(90)), Tier::Days90);
        assert_eq!(Tier::of(None), Tier::Later);
        assert_eq!(sync_label(None, now), "Never synced");
        assert_eq!(sync_label(Some(at("2026-06-01T10:00:00Z")), now), "Synced 2 h ago");
        assert!(is_stale(None, now));
        assert!(!is_stale(Some(at("2026-05-30T12:00:01Z")), now));
        assert!(is_stale(Some(at("2026-05-30T12:00:00Z")), now), "two days without a sync");
    }

    #[test]
    fn codes_read_forgivingly() {
        assert_eq!(normalise_code("k7q2 m9xd-p4ab").as_deref(), Some("K7Q2-M9XD-P4AB"));
        assert_eq!(normalise_code("K7Q2-M9XD-P4AB").as_deref(), Some("K7Q2-M9XD-P4AB"));
        assert_eq!(normalise_code("K7Q2-M9XD-P4A"), None, "too short");
        assert_eq!(normalise_code("K7Q2-M9XD-P4A0"), None, "0 is never used");
        assert_eq!(normalise_code("K7Q2-M9XD-P4AÉ"), None);
    }
}
