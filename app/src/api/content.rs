//! Authoring and learning content on the wire: media, modules (video, tip card, quiz),
//! learning paths, assignments, and the learner's catalog.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The kinds of micro-module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ModuleKind {
    /// One short video, with a poster image and optional captions.
    Video,
    /// A tip card: Markdown with images.
    Tip,
    /// A quick quiz: 1–5 questions with explanations and a pass mark.
    Quiz,
    /// A pitch to practise: the learner records a take on the phone, reviewers score it
    /// against a rubric.
    Practice,
    /// A kind this version of the app doesn't know (a newer server's): shown as a module
    /// to update the app for, never opened. The server never stores it.
    #[serde(other)]
    Unknown,
}

impl ModuleKind {
    /// Every kind a module can be (not [`ModuleKind::Unknown`]).
    pub const ALL: [ModuleKind; 4] = [ModuleKind::Video, ModuleKind::Tip, ModuleKind::Quiz, ModuleKind::Practice];

    pub fn as_str(self) -> &'static str {
        match self {
            ModuleKind::Video => "video",
            ModuleKind::Tip => "tip",
            ModuleKind::Quiz => "quiz",
            ModuleKind::Practice => "practice",
            ModuleKind::Unknown => "unknown",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ModuleKind::Video => "Video",
            ModuleKind::Tip => "Tip card",
            ModuleKind::Quiz => "Quiz",
            ModuleKind::Practice => "Practice",
            ModuleKind::Unknown => "New kind of module",
        }
    }

    pub fn parse(s: &str) -> Option<ModuleKind> {
        ModuleKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a module stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ModuleStatus {
    /// Never published; only authors see it.
    Draft,
    /// Learners see its latest published version.
    Published,
    /// Withdrawn: learners no longer get it (what they recorded stays).
    Archived,
    /// A status this version of the app doesn't know (a newer server's).
    #[serde(other)]
    Unknown,
}

impl ModuleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ModuleStatus::Draft => "draft",
            ModuleStatus::Published => "published",
            ModuleStatus::Archived => "archived",
            ModuleStatus::Unknown => "unknown",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ModuleStatus::Draft => "Draft",
            ModuleStatus::Published => "Published",
            ModuleStatus::Archived => "Archived",
            ModuleStatus::Unknown => "Unknown status",
        }
    }

    pub fn parse(s: &str) -> Option<ModuleStatus> {
        [ModuleStatus::Draft, ModuleStatus::Published, ModuleStatus::Archived].into_iter().find(|k| k.as_str() == s)
    }
}

/// An uploaded file. Its id is the SHA-256 of its bytes; its URL never changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Media {
    pub id: String,
    pub url: String,
    /// `video`, `image` or `captions`.
    pub kind: String,
    pub content_type: String,
    pub bytes: u64,
    pub sha256: String,
    /// Videos only.
    pub duration_s: Option<f64>,
    /// Videos and images.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Videos: a poster frame taken from the video, ready to use.
    pub poster: Option<MediaRef>,
    pub original_name: Option<String>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub created_at: DateTime<Utc>,
    /// Videos: the versions made for phones, once they are ready (`data_saver` first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renditions: Vec<Rendition>,
    /// Videos, to authors: how making the renditions is going.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing: Option<Processing>,
}

/// Which of a video's renditions: what a phone saves by default is the data saver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Quality {
    /// About 360p, at most 1.9 MB a minute with its sound.
    DataSaver,
    /// About 720p, at most 8 MB a minute.
    Standard,
}

impl Quality {
    pub const ALL: [Quality; 2] = [Quality::DataSaver, Quality::Standard];

    pub fn as_str(self) -> &'static str {
        match self {
            Quality::DataSaver => "data_saver",
            Quality::Standard => "standard",
        }
    }

    pub fn parse(s: &str) -> Option<Quality> {
        Quality::ALL.into_iter().find(|q| q.as_str() == s)
    }

    /// In people's words.
    pub fn label(self) -> &'static str {
        match self {
            Quality::DataSaver => "Data saver",
            Quality::Standard => "Standard",
        }
    }
}

/// A video made for phones from an uploaded one (H.264 in MP4, plays everywhere).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Rendition {
    pub quality: Quality,
    /// The rendition's own media id (and so its URL).
    pub media_id: String,
    pub url: String,
    pub bytes: u64,
    pub width: u32,
    pub height: u32,
    pub duration_s: f64,
    /// Its poster frame, taken from the rendition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poster: Option<MediaRef>,
}

impl From<&Rendition> for MediaRef {
    /// The rendition as a file to save (renditions are MP4).
    fn from(r: &Rendition) -> MediaRef {
        MediaRef { id: r.media_id.clone(), url: r.url.clone(), content_type: "video/mp4".into(), bytes: r.bytes }
    }
}

// Durations are finite (ffprobe's, checked at upload), so equality is total.
impl Eq for Rendition {}

/// Which rendition a phone plays: the one saved on it (so offline play and seeking use
/// what is there); else, online, the data saver when the browser asks to save data or the
/// connection is slow, the standard otherwise. `None`: the video has no renditions (it
/// plays the file its content names).
pub fn rendition_to_play<'a>(
    renditions: &'a [Rendition],
    saved_urls: &[String],
    save_data: bool,
) -> Option<&'a Rendition> {
    let saved = |q: Quality| renditions.iter().find(|r| r.quality == q && saved_urls.contains(&r.url));
    let wanted = if save_data { Quality::DataSaver } else { Quality::Standard };
    saved(wanted)
        .or_else(|| saved(Quality::DataSaver))
        .or_else(|| saved(Quality::Standard))
        .or_else(|| renditions.iter().find(|r| r.quality == wanted))
        .or_else(|| renditions.first())
}

/// How making a video's renditions is going.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Processing {
    pub state: ProcessingState,
    /// 0–1 while running.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<f64>,
    /// Why it failed, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProcessingState {
    /// Waiting for a server to take it (or to try again after a failure).
    Queued,
    Running,
    Ready,
    Failed,
    /// A state this version of the app doesn't know.
    #[serde(other)]
    Unknown,
}

/// A media file as a module refers to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MediaRef {
    pub id: String,
    pub url: String,
    pub content_type: String,
    pub bytes: u64,
}

impl From<Media> for MediaRef {
    fn from(m: Media) -> MediaRef {
        MediaRef { id: m.id, url: m.url, content_type: m.content_type, bytes: m.bytes }
    }
}

/// The URL a media file is served at.
pub fn media_url(id: &str) -> String {
    format!("/media/{id}")
}

/// One answer of a quiz question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QuizOption {
    pub text: String,
    #[serde(default)]
    pub correct: bool,
    /// Shown after answering: why this answer is right or wrong.
    #[serde(default)]
    pub explanation: String,
}

/// A quiz question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Question {
    pub prompt: String,
    /// Several answers may be right (otherwise exactly one is).
    #[serde(default)]
    pub multiple: bool,
    pub options: Vec<QuizOption>,
}

/// Who may see a published module when it isn't assigned to them: everyone, unless the
/// author limits it to job roles and/or teams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Audience {
    #[serde(default)]
    pub job_roles: Vec<String>,
    #[serde(default)]
    pub team_ids: Vec<i64>,
}

impl Audience {
    pub fn is_everyone(&self) -> bool {
        self.job_roles.is_empty() && self.team_ids.is_empty()
    }
}

/// A module's content, by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModuleContent {
    Video {
        video_media_id: Option<String>,
        poster_media_id: Option<String>,
        captions_media_id: Option<String>,
        /// Learners: the versions made for phones, data saver first (the catalog fills
        /// them in; authors' copies and stored versions never carry them).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        renditions: Vec<Rendition>,
    },
    Tip {
        body_markdown: String,
        /// The Markdown rendered to sanitised HTML, as learners see it.
        #[serde(default)]
        body_html: String,
    },
    Quiz {
        questions: Vec<Question>,
        /// The share of questions to answer right to pass, in percent.
        pass_percent: u8,
        /// A pool: this many of the questions are drawn for each attempt (an assessment's
        /// questions may then number up to 30); none: every question, every time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        draw: Option<u8>,
    },
    Practice {
        /// What to say, to whom: "Pitch Aurora to a retail store manager in 60 seconds".
        prompt: String,
        /// The longest a take may be (at most 360).
        max_seconds: u32,
        rubric: Rubric,
        /// The weighted share of the rubric's points a take needs to pass, in percent.
        pass_percent: u8,
        reviewers: Reviewers,
        /// How many teammates review a take when peers do (2 unless set).
        #[serde(default = "default_peer_reviews")]
        peer_reviews: u8,
    },
    /// Content of a kind this version of the app doesn't know (a newer server's): the
    /// phone asks for an update instead of failing to read the whole answer. The server
    /// never stores it, and refuses to serve a stored content it can't read.
    #[serde(other)]
    Unknown,
}

impl ModuleContent {
    pub fn kind(&self) -> ModuleKind {
        match self {
            ModuleContent::Video { .. } => ModuleKind::Video,
            ModuleContent::Tip { .. } => ModuleKind::Tip,
            ModuleContent::Quiz { .. } => ModuleKind::Quiz,
            ModuleContent::Practice { .. } => ModuleKind::Practice,
            ModuleContent::Unknown => ModuleKind::Unknown,
        }
    }
}

fn default_peer_reviews() -> u8 {
    2
}

/// What a practice module's takes are scored on: each criterion from 1 to `scale_max`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Rubric {
    /// 4 or 5.
    pub scale_max: u8,
    /// 2 to 8 of them (a draft may have fewer).
    pub criteria: Vec<Criterion>,
}

/// One thing a take is scored on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Criterion {
    pub name: String,
    /// What a reviewer looks for.
    #[serde(default)]
    pub description: String,
    /// How much it counts against the others (1 unless set).
    #[serde(default = "default_weight")]
    pub weight: u8,
}

fn default_weight() -> u8 {
    1
}

/// Who reviews a practice module's takes. The manager's review decides when there is
/// one; otherwise the mean of the peers' reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Reviewers {
    /// The learner's managers.
    Manager,
    /// Teammates of the learner.
    Peers,
    /// Both.
    Both,
    /// A choice this version of the app doesn't know (a newer server's).
    #[serde(other)]
    Unknown,
}

impl Reviewers {
    pub fn as_str(self) -> &'static str {
        match self {
            Reviewers::Manager => "manager",
            Reviewers::Peers => "peers",
            Reviewers::Both => "both",
            Reviewers::Unknown => "unknown",
        }
    }
}

/// `POST /api/v1/modules` and `PUT /api/v1/modules/{id}`: the whole working copy.
///
/// The module as `GET /api/v1/modules/{id}` returns it is accepted as it is (its
/// read-only fields, such as `id`, `status`, `media` or `problems`, are ignored), so a
/// module can be read, changed and written back. The content goes in `content`
/// (`{"kind": "tip", "body_markdown": …}`), or, as older clients send it, in the flat
/// fields below (those of other kinds are ignored). A `PUT` without any content is
/// refused (`invalid_input`, field `content`) rather than stored as empty.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ModuleInput {
    /// Defaults to the kind of `content`.
    #[serde(default)]
    pub kind: Option<ModuleKind>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub estimated_seconds: u32,
    /// Defaults to `en`.
    #[serde(default)]
    pub language: Option<String>,
    /// The content, as `GET` returns it (`body_html` is ignored: the server renders it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<ModuleContent>,
    /// Flat content of a video: absent leaves the field out of the body, `null` is no file.
    #[serde(default, deserialize_with = "super::double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub video_media_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub poster_media_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub captions_media_id: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_markdown: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questions: Option<Vec<Question>>,
    /// A quiz's or a practice module's pass mark; defaults to 80 (a quiz) or 75 (practice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_percent: Option<u8>,
    /// Flat content of a practice module: what to say, to whom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Flat content of a practice module: the longest take (defaults to 60, at most 360).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rubric: Option<Rubric>,
    /// Defaults to `manager`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewers: Option<Reviewers>,
    /// Defaults to 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_reviews: Option<u8>,
    #[serde(default)]
    pub audience: Audience,
}

/// A module as authors see it: the working copy and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Module {
    pub id: i64,
    pub kind: ModuleKind,
    pub status: ModuleStatus,
    /// The version of the working copy: the published one, or the next one if there are
    /// unpublished changes (or nothing was published yet).
    pub version: i32,
    pub published_version: Option<i32>,
    pub has_unpublished_changes: bool,
    pub title: String,
    pub summary: String,
    pub tags: Vec<String>,
    pub estimated_seconds: u32,
    pub language: String,
    pub content: ModuleContent,
    pub audience: Audience,
    /// The media the working copy uses.
    pub media: Vec<MediaRef>,
    /// What a learner downloads to have it offline.
    pub download_bytes: u64,
    /// What stops it being published, in words (empty when it can be).
    pub problems: Vec<String>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub updated_at: DateTime<Utc>,
}

/// A line of the authors' module list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ModuleSummary {
    pub id: i64,
    pub kind: ModuleKind,
    pub status: ModuleStatus,
    pub version: i32,
    pub published_version: Option<i32>,
    pub has_unpublished_changes: bool,
    pub title: String,
    pub summary: String,
    pub tags: Vec<String>,
    pub estimated_seconds: u32,
    pub language: String,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub updated_at: DateTime<Utc>,
}

/// `POST /api/v1/paths` and `PUT /api/v1/paths/{id}`. The path as `GET` returns it is
/// accepted as it is (its steps give the modules; read-only fields are ignored). A `PUT`
/// that names no modules (neither `module_ids` nor `steps`) is refused rather than
/// emptying the path.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PathInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The modules, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_ids: Option<Vec<i64>>,
    /// The modules as `GET` lists them, when `module_ids` isn't given (only each step's
    /// `module_id` is read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<StepRef>>,
}

/// A step as a path's input names it: its module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StepRef {
    pub module_id: i64,
}

impl PathInput {
    /// The modules it names, in order, if it names any.
    pub fn modules(&self) -> Option<Vec<i64>> {
        self.module_ids.clone().or_else(|| self.steps.as_ref().map(|s| s.iter().map(|s| s.module_id).collect()))
    }
}

/// One step of a learning path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PathStep {
    pub module_id: i64,
    pub title: String,
    pub kind: ModuleKind,
    pub status: ModuleStatus,
    pub estimated_seconds: u32,
}

/// A learning path: an ordered list of modules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LearningPath {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub archived: bool,
    pub steps: Vec<PathStep>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub updated_at: DateTime<Utc>,
}

/// `POST /api/v1/assignments` and `PUT /api/v1/assignments/{id}`: a module or a path, to
/// a job role and/or a team, required or suggested, due some days after each person's
/// start date or on a date (or neither).
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AssignmentInput {
    #[serde(default)]
    pub module_id: Option<i64>,
    #[serde(default)]
    pub path_id: Option<i64>,
    #[serde(default)]
    pub job_role: Option<String>,
    #[serde(default)]
    pub team_id: Option<i64>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub due_days: Option<u32>,
    #[serde(default)]
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::ymd_opt"))]
    pub due_date: Option<NaiveDate>,
    /// `due_days` count from the later of each person's start and the day it was
    /// assigned: nobody is overdue the moment it is saved.
    #[serde(default)]
    pub grace: bool,
}

/// Who an assignment would make overdue at once, before it is saved
/// (`POST /api/v1/assignments/preview`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AssignmentPreview {
    /// People it reaches.
    pub people: u32,
    /// Of them, those it would make overdue the day it is saved (not done yet, due
    /// before today).
    pub overdue_at_once: u32,
    /// Their names, the first 10 by name (admins only: authors get the counts).
    pub overdue_names: Vec<String>,
    /// How many would be overdue at once with the grace period instead (none, unless a
    /// date of its own has passed).
    pub overdue_with_grace: u32,
}

/// An assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Assignment {
    pub id: i64,
    pub module_id: Option<i64>,
    pub path_id: Option<i64>,
    /// The module's or path's title.
    pub title: String,
    pub job_role: Option<String>,
    pub team_id: Option<i64>,
    pub team: Option<String>,
    pub required: bool,
    pub due_days: Option<u32>,
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "crate::dates::ymd_opt"))]
    pub due_date: Option<NaiveDate>,
    /// `due_days` count from the later of each person's start and `created_at`.
    #[serde(default)]
    pub grace: bool,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub created_at: DateTime<Utc>,
}

/// How something reached a learner, if by assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Assigned {
    pub required: bool,
    /// This learner's due date (from their start date, or the assignment's date).
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "crate::dates::ymd_opt"))]
    pub due_date: Option<NaiveDate>,
    /// A recertification: only completions after this moment count (the learner's last
    /// certificate was earned then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc_opt"))]
    pub since: Option<DateTime<Utc>>,
}

impl Assigned {
    /// Whether `progress` counts `module_id` as done for this assignment.
    pub fn is_done(&self, progress: &super::Progress, module_id: i64) -> bool {
        progress.is_completed_since(module_id, self.since)
    }
}

/// A module in a learner's catalog: its latest published version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CatalogModule {
    pub id: i64,
    pub version: i32,
    pub kind: ModuleKind,
    pub title: String,
    pub summary: String,
    pub tags: Vec<String>,
    pub estimated_seconds: u32,
    pub language: String,
    /// What to download to have it offline (the data saver's list).
    pub media: Vec<MediaRef>,
    pub download_bytes: u64,
    /// What saving it takes at each quality.
    #[serde(default)]
    pub downloads: Downloads,
    /// Set when it is assigned to this learner (directly or through a path).
    pub assigned: Option<Assigned>,
    /// A certification's final assessment: answered without feedback, scored by the
    /// server when the answers sync.
    #[serde(default)]
    pub assessment: bool,
}

impl CatalogModule {
    /// What saving it takes at `quality` (an older server's answer has only `media`).
    pub fn media_at(&self, quality: Quality) -> &[MediaRef] {
        self.downloads.at(quality, &self.media)
    }

    /// How many bytes saving it takes at `quality`.
    pub fn bytes_at(&self, quality: Quality) -> u64 {
        self.media_at(quality).iter().map(|m| m.bytes).sum()
    }

    /// Whether `progress` counts this module as done (completed, and completed again for
    /// a recertification).
    pub fn is_done(&self, progress: &super::Progress) -> bool {
        match &self.assigned {
            Some(a) => a.is_done(progress, self.id),
            None => progress.is_completed(self.id),
        }
    }
}

/// What saving a module takes at each quality: a video's rendition (and poster) differ,
/// its captions and a tip card's images are in both. Originals never go to phones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Downloads {
    pub data_saver: Download,
    pub standard: Download,
}

impl Downloads {
    /// The list at `quality` (an answer from an older server has none: its `media`).
    pub fn at<'a>(&'a self, quality: Quality, fallback: &'a [MediaRef]) -> &'a [MediaRef] {
        let list = match quality {
            Quality::DataSaver => &self.data_saver.media,
            Quality::Standard => &self.standard.media,
        };
        if list.is_empty() { fallback } else { list }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Download {
    pub media: Vec<MediaRef>,
    pub bytes: u64,
}

impl Download {
    pub fn of(media: Vec<MediaRef>) -> Download {
        Download { bytes: media.iter().map(|m| m.bytes).sum(), media }
    }
}

/// A learning path in a learner's catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CatalogPath {
    pub id: i64,
    pub title: String,
    pub description: String,
    /// The path's modules this learner can open, in order.
    pub module_ids: Vec<i64>,
    pub assigned: Option<Assigned>,
}

/// `GET /api/v1/catalog`: everything the signed-in learner may open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Catalog {
    pub modules: Vec<CatalogModule>,
    pub paths: Vec<CatalogPath>,
}

/// `GET /api/v1/catalog/{id}`: one module as the learner gets it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LearnerModule {
    pub id: i64,
    pub version: i32,
    pub kind: ModuleKind,
    pub title: String,
    pub summary: String,
    pub tags: Vec<String>,
    pub estimated_seconds: u32,
    pub language: String,
    pub content: ModuleContent,
    pub media: Vec<MediaRef>,
    pub download_bytes: u64,
    #[serde(default)]
    pub downloads: Downloads,
    pub assigned: Option<Assigned>,
    /// A certification's final assessment: `content` carries no answer key.
    #[serde(default)]
    pub assessment: bool,
}

impl From<&LearnerModule> for CatalogModule {
    /// The catalog entry of a module opened on its own (what saving it needs).
    fn from(m: &LearnerModule) -> CatalogModule {
        CatalogModule {
            id: m.id,
            version: m.version,
            kind: m.kind,
            title: m.title.clone(),
            summary: m.summary.clone(),
            tags: m.tags.clone(),
            estimated_seconds: m.estimated_seconds,
            language: m.language.clone(),
            media: m.media.clone(),
            download_bytes: m.download_bytes,
            downloads: m.downloads.clone(),
            assigned: m.assigned.clone(),
            assessment: m.assessment,
        }
    }
}

#[cfg(test)]
mod playing {
    use super::*;

    fn rendition(quality: Quality) -> Rendition {
        let id = if quality == Quality::DataSaver { "d".repeat(64) } else { "s".repeat(64) };
        Rendition {
            quality,
            url: media_url(&id),
            media_id: id,
            bytes: 1,
            width: 2,
            height: 2,
            duration_s: 1.0,
            poster: None,
        }
    }

    #[test]
    fn the_saved_rendition_plays_first_then_the_one_the_connection_suits() {
        let both = [rendition(Quality::DataSaver), rendition(Quality::Standard)];
        let pick = |saved: &[&Rendition], save_data| {
            let urls: Vec<String> = saved.iter().map(|r| r.url.clone()).collect();
            rendition_to_play(&both, &urls, save_data).map(|r| r.quality)
        };
        // Nothing saved: the connection decides.
        assert_eq!(pick(&[], false), Some(Quality::Standard));
        assert_eq!(pick(&[], true), Some(Quality::DataSaver));
        // Saved: what is on the phone, whatever the connection (offline, seeking).
        assert_eq!(pick(&[&both[0]], false), Some(Quality::DataSaver));
        assert_eq!(pick(&[&both[1]], true), Some(Quality::Standard));
        assert_eq!(pick(&[&both[0], &both[1]], false), Some(Quality::Standard));
        assert_eq!(pick(&[&both[0], &both[1]], true), Some(Quality::DataSaver));
        // Only one rendition: that one. None: the content's own file.
        assert_eq!(rendition_to_play(&both[..1], &[], false).map(|r| r.quality), Some(Quality::DataSaver));
        assert_eq!(rendition_to_play(&[], &[], false), None);
    }
}
