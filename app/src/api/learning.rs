//! Learning records on the wire: what a learner does (completed a module, attempted a
//! quiz, rated a module), as the device writes them to its outbox and sends them to
//! `POST /api/v1/sync`, and the progress the server folds them into.
//!
//! The rules that turn records into progress live here, so the phone shows what the
//! server will compute before the server has seen the records.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::content::Question;

/// The most records one `POST /api/v1/sync` may carry.
pub const MAX_BATCH: usize = 5000;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// The learner finished a video or a tip card (payload `{}` or `{seconds_spent}`).
    Completion,
    /// The learner answered a quiz (payload `{answers, device_score}`).
    QuizAttempt,
    /// The learner rated a module (payload `{rating, comment}`); the latest one counts.
    Feedback,
    /// The learner submitted a take of a practice module for review (payload
    /// `{media_id, seconds}`: the take, uploaded first, and its length).
    PracticeSubmission,
    /// A reviewer scored a submitted take (made by the server, never by a phone; payload
    /// `{submission_id, reviewer_id, as, scores, comments, summary, got, of}`; `passed`
    /// says whether the submission stands passed after it).
    PracticeReview,
    /// The learner answered a booster: a quiz question coming back (payload `{index,
    /// picked}`; the record names the question's module and version). It counts for
    /// retention only, never for attempts, scores or completion.
    BoosterAnswer,
    /// A kind this version doesn't know: read so the rest of a list stays readable; the
    /// server rejects records of it (`invalid_payload`) and never stores one.
    #[serde(other)]
    Unknown,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Completion => "completion",
            RecordKind::QuizAttempt => "quiz_attempt",
            RecordKind::Feedback => "feedback",
            RecordKind::PracticeSubmission => "practice_submission",
            RecordKind::PracticeReview => "practice_review",
            RecordKind::BoosterAnswer => "booster_answer",
            RecordKind::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<RecordKind> {
        [
            RecordKind::Completion,
            RecordKind::QuizAttempt,
            RecordKind::Feedback,
            RecordKind::PracticeSubmission,
            RecordKind::PracticeReview,
            RecordKind::BoosterAnswer,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One learning record, made on the device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LearningRecord {
    /// Made by the device (a UUID, v7): sending a record twice never counts it twice.
    pub id: String,
    pub kind: RecordKind,
    pub module_id: i64,
    /// The published version the learner used.
    pub module_version: i32,
    /// When it happened, by the device's clock.
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub occurred_at: DateTime<Utc>,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub payload: serde_json::Value,
}

/// `POST /api/v1/sync`: a batch of records from one device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SyncRequest {
    /// A random id the device keeps (one per browser profile).
    pub device_id: String,
    /// Whose records these are. If given and not the signed-in person, nothing is stored
    /// (`409 wrong_user`): records of one person never count under another's session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    /// The device's clock when it sent the batch: the server corrects record times by
    /// the difference to its own.
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub device_time: DateTime<Utc>,
    pub records: Vec<LearningRecord>,
}

/// What became of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// Stored now.
    Accepted,
    /// Stored before, with the same content: nothing changed.
    Duplicate,
    /// A different record was stored under this id before; that one is kept.
    Conflict,
    /// Not stored; `code` says why. Sending it again won't help.
    Rejected,
    /// An answer this version of the app doesn't know (a newer server's): the record
    /// stays in the outbox and is sent again later (the server keeps a record once,
    /// however often it is sent).
    #[serde(other)]
    Unknown,
}

/// Why a record was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RejectCode {
    /// No such module, or no such published version of it.
    UnknownModule,
    /// A module this learner can't open.
    NotVisible,
    /// The record or its payload is not what its kind takes.
    InvalidPayload,
    /// Over a year old, more than a day ahead, or before its module version was
    /// published, after correcting the device's clock.
    AbsurdTime,
    /// A second answer to an assessment attempt: only the first one received counts.
    /// The record is kept, not counted; sending it again gets the same answer.
    AttemptLimit,
    /// A reason this version of the app doesn't know (a newer server's).
    #[serde(other)]
    Unknown,
}

impl RejectCode {
    /// What it means, for the learner.
    pub fn message(self) -> &'static str {
        match self {
            RejectCode::UnknownModule => "This module no longer exists.",
            RejectCode::NotVisible => "This module isn't available to you any more.",
            RejectCode::InvalidPayload => "This record couldn't be read.",
            RejectCode::AbsurdTime => "This record's date is impossible; check the phone's clock.",
            RejectCode::AttemptLimit => {
                "These answers didn't count: that attempt was already answered. Start a new attempt to try again."
            }
            RejectCode::Unknown => "Primer didn't count it; reload the app to see why.",
        }
    }
}

/// The answer for one record, in the order they were sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RecordResult {
    pub id: String,
    pub status: RecordStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<RejectCode>,
}

/// `POST /api/v1/sync`'s answer: per record what happened, and the learner's merged
/// progress (so a second device converges).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SyncResponse {
    pub results: Vec<RecordResult>,
    pub progress: Progress,
}

/// Payload of a completion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompletionPayload {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds_spent: Option<u32>,
}

/// Payload of a practice submission: the take (media uploaded before) and how long it
/// is by the phone (the server keeps its own measure of the file instead).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PracticeSubmissionPayload {
    pub media_id: String,
    pub seconds: u32,
    /// The learner agrees that a reviewer may feature this take for their team (given on
    /// the phone when submitting, offline too; withdrawn with `PUT /api/v1/me/takes/{id}`).
    /// Left out when not given, so records without it read and fingerprint as before.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub share: bool,
}

/// Payload of a quiz attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuizAttemptPayload {
    /// Per question asked, the indexes of the options picked: questions and options in
    /// the version's own order, whatever order they were shown in.
    pub answers: Vec<Vec<u32>>,
    /// An assessment's attempt (`POST /api/v1/assessments/{id}/attempts`): only the first
    /// record received for it counts, and it says which questions were asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_id: Option<String>,
    /// A practice quiz that draws from a pool: the version's question indexes asked
    /// (ascending); none: every question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questions: Option<Vec<u32>>,
    /// The score the device showed, in percent (the server scores again and keeps both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_score: Option<u8>,
}

/// Payload of a rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackPayload {
    /// 1 to 5.
    pub rating: u8,
    #[serde(default)]
    pub comment: String,
}

/// The longest feedback comment.
pub const COMMENT_CHARS: usize = 2000;

/// A record's payload, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    Completion(CompletionPayload),
    QuizAttempt(QuizAttemptPayload),
    Feedback(FeedbackPayload),
    PracticeSubmission(PracticeSubmissionPayload),
    BoosterAnswer(super::boosters::BoosterAnswerPayload),
}

impl Payload {
    /// Reads and checks the payload of a record of `kind` (the device and the server
    /// apply the same rules).
    pub fn parse(kind: RecordKind, value: &serde_json::Value) -> Result<Payload, String> {
        let value = if value.is_null() { serde_json::json!({}) } else { value.clone() };
        match kind {
            RecordKind::Completion => serde_json::from_value(value).map(Payload::Completion).map_err(|e| e.to_string()),
            RecordKind::QuizAttempt => {
                let p: QuizAttemptPayload = serde_json::from_value(value).map_err(|e| e.to_string())?;
                if p.answers.is_empty() || p.answers.len() > super::module_rules::limits::QUESTIONS {
                    return Err("a quiz attempt answers 1 to 5 questions".into());
                }
                if p.attempt_id.as_ref().is_some_and(|id| id.is_empty() || id.len() > 64) {
                    return Err("attempt_id is an attempt's id".into());
                }
                if let Some(asked) = &p.questions
                    && (asked.len() != p.answers.len()
                        || asked.windows(2).any(|w| w[0] >= w[1])
                        || asked.iter().any(|&i| i as usize >= super::module_rules::limits::POOL_QUESTIONS))
                {
                    return Err("questions lists each question asked once, in order".into());
                }
                if p.answers.iter().any(|picked| picked.len() > super::module_rules::limits::OPTIONS) {
                    return Err("an answer picks more options than a question has".into());
                }
                if p.device_score.is_some_and(|s| s > 100) {
                    return Err("device_score is a percentage".into());
                }
                Ok(Payload::QuizAttempt(p))
            }
            RecordKind::Feedback => {
                let p: FeedbackPayload = serde_json::from_value(value).map_err(|e| e.to_string())?;
                if !(1..=5).contains(&p.rating) {
                    return Err("a rating is 1 to 5".into());
                }
                if p.comment.chars().count() > COMMENT_CHARS {
                    return Err(format!("keep comments under {COMMENT_CHARS} characters"));
                }
                Ok(Payload::Feedback(p))
            }
            RecordKind::PracticeSubmission => {
                let p: PracticeSubmissionPayload = serde_json::from_value(value).map_err(|e| e.to_string())?;
                if p.media_id.len() != 64 || !p.media_id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                    return Err("media_id is a take's id".into());
                }
                if p.seconds > super::module_rules::limits::TAKE_SECONDS {
                    return Err("a take is at most 6 minutes long".into());
                }
                Ok(Payload::PracticeSubmission(p))
            }
            RecordKind::BoosterAnswer => {
                let p: super::boosters::BoosterAnswerPayload =
                    serde_json::from_value(value).map_err(|e| e.to_string())?;
                if p.index as usize >= super::module_rules::limits::POOL_QUESTIONS {
                    return Err("a booster is one of a quiz's questions".into());
                }
                if p.picked.len() > super::module_rules::limits::OPTIONS {
                    return Err("an answer picks more options than a question has".into());
                }
                Ok(Payload::BoosterAnswer(p))
            }
            RecordKind::PracticeReview => Err("reviews are given on the server, not synced".into()),
            RecordKind::Unknown => Err("this kind of record is not known".into()),
        }
    }

    /// The payload as stored and compared (fields in a fixed order).
    pub fn to_value(&self) -> serde_json::Value {
        match self {
            Payload::Completion(p) => serde_json::to_value(p),
            Payload::QuizAttempt(p) => serde_json::to_value(p),
            Payload::Feedback(p) => serde_json::to_value(p),
            Payload::PracticeSubmission(p) => serde_json::to_value(p),
            Payload::BoosterAnswer(p) => serde_json::to_value(p),
        }
        .unwrap_or_default()
    }
}

/// A quiz scored: percent right and whether that passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizScore {
    pub percent: u8,
    pub passed: bool,
}

/// Whether `picked` (option indexes, in any order) is exactly the question's right options.
pub fn answered_right(question: &Question, picked: &[u32]) -> bool {
    let mut picked = picked.to_vec();
    picked.sort_unstable();
    picked.dedup();
    let correct = question.options.iter().enumerate().filter(|(_, o)| o.correct).map(|(i, _)| i as u32);
    picked.into_iter().eq(correct)
}

/// Scores answers against a quiz: a question counts as right when exactly its correct
/// options were picked. `asked` are the version's question indexes the answers are for,
/// ascending (an attempt drawn from a pool); none: every question. Fails if the answers
/// don't fit the quiz.
pub fn score_quiz(
    questions: &[Question],
    pass_percent: u8,
    asked: Option<&[u32]>,
    answers: &[Vec<u32>],
) -> Result<QuizScore, String> {
    let asked: Vec<&Question> = match asked {
        None => questions.iter().collect(),
        Some(indexes) => indexes
            .iter()
            .map(|&i| questions.get(i as usize).ok_or_else(|| format!("the quiz has no question {}", i + 1)))
            .collect::<Result<_, _>>()?,
    };
    if asked.is_empty() || answers.len() != asked.len() {
        return Err(format!("{} questions were asked, the attempt answers {}", asked.len(), answers.len()));
    }
    let mut right = 0;
    for (q, picked) in asked.iter().copied().zip(answers) {
        if picked.iter().any(|&i| i as usize >= q.options.len()) {
            return Err("an answer picks an option the question doesn't have".into());
        }
        if answered_right(q, picked) {
            right += 1;
        }
    }
    let percent = (right * 100 / asked.len()) as u8;
    Ok(QuizScore { percent, passed: percent >= pass_percent })
}

/// What a record means for progress, once checked (and, for quizzes, scored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    Completed,
    QuizAttempted(QuizScore),
    /// A certification's assessment, answered on the phone: only the server can score it
    /// (the phone has no answer key), so until it syncs it is one more attempt.
    QuizSubmitted,
    Rated(u8),
    /// A take sent for review (practice.js writes it): activity, and nothing else until a
    /// review passes it.
    Submitted,
    /// A booster answered: nothing in progress changes (boosters never change attempts,
    /// scores, completion, nor the module's last activity, which dates its latest quiz).
    Answered,
}

/// Where a learner stands on one module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ModuleProgress {
    pub module_id: i64,
    /// When it was first completed (a passed quiz completes it). Never goes back.
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "crate::dates::utc_opt"))]
    pub completed_at: Option<DateTime<Utc>>,
    /// When it was last completed: a recertification asks for it again after a date.
    #[serde(default)]
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc_opt"))]
    pub last_completed_at: Option<DateTime<Utc>>,
    /// The newest version completed.
    pub completed_version: Option<i32>,
    /// The best quiz score, in percent.
    pub best_score: Option<u8>,
    pub attempts: u32,
    /// The latest rating, and when it was given.
    pub rating: Option<u8>,
    #[serde(default)]
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc_opt"))]
    pub rated_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub last_activity_at: DateTime<Utc>,
}

impl ModuleProgress {
    /// Nothing done yet, active at `at`: what the fold starts a module from. Records at
    /// or after `at` applied to it give what they give applied to nothing.
    pub fn blank(module_id: i64, at: DateTime<Utc>) -> ModuleProgress {
        ModuleProgress {
            module_id,
            completed_at: None,
            last_completed_at: None,
            completed_version: None,
            best_score: None,
            attempts: 0,
            rating: None,
            rated_at: None,
            last_activity_at: at,
        }
    }

    /// The completion that counts: the first one, or, for a recertification (`since`),
    /// the last one if it came after `since`.
    pub fn completed_since(&self, since: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        match since {
            None => self.completed_at,
            Some(since) => self.last_completed_at.filter(|at| *at > since),
        }
    }
}

/// `GET /api/v1/progress`: a learner's progress, folded from their records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Progress {
    /// One entry per module with any record, by module id.
    pub modules: Vec<ModuleProgress>,
    /// When a device of this learner last synced.
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "crate::dates::utc_opt"))]
    pub last_sync_at: Option<DateTime<Utc>>,
}

impl Progress {
    /// Folds records (in any order) into progress: completion only moves forward, quiz
    /// attempts add up and the best score counts, the latest rating counts.
    pub fn fold(
        records: impl IntoIterator<Item = (i64, i32, DateTime<Utc>, Effect)>,
        last_sync_at: Option<DateTime<Utc>>,
    ) -> Progress {
        let mut progress = Progress { modules: Vec::new(), last_sync_at };
        for (module_id, version, at, effect) in records {
            progress.apply(module_id, version, at, effect);
        }
        progress
    }

    /// Adds one record (the phone adds the ones still waiting in its outbox).
    pub fn apply(&mut self, module_id: i64, version: i32, at: DateTime<Utc>, effect: Effect) {
        if effect == Effect::Answered {
            return;
        }
        let index = match self.modules.binary_search_by_key(&module_id, |m| m.module_id) {
            Ok(i) => i,
            Err(i) => {
                self.modules.insert(i, ModuleProgress::blank(module_id, at));
                i
            }
        };
        let p = &mut self.modules[index];
        p.last_activity_at = p.last_activity_at.max(at);
        let completed = match effect {
            Effect::Completed => true,
            Effect::QuizAttempted(score) => {
                p.attempts += 1;
                p.best_score = Some(p.best_score.unwrap_or(0).max(score.percent));
                score.passed
            }
            Effect::QuizSubmitted => {
                p.attempts += 1;
                false
            }
            Effect::Submitted | Effect::Answered => false,
            Effect::Rated(rating) => {
                // The latest rating counts, whatever order records arrive in (two at the
                // very same moment: the higher, so the order never matters).
                let newer = match p.rated_at {
                    None => true,
                    Some(t) => at > t || (at == t && Some(rating) > p.rating),
                };
                if newer {
                    p.rating = Some(rating);
                    p.rated_at = Some(at);
                }
                false
            }
        };
        if completed {
            p.completed_at = Some(p.completed_at.map_or(at, |c| c.min(at)));
            p.last_completed_at = Some(p.last_completed_at.map_or(at, |c| c.max(at)));
            p.completed_version = Some(p.completed_version.map_or(version, |v| v.max(version)));
        }
    }

    /// Takes in another snapshot of the same learner's progress (an older copy kept on
    /// the phone, a newer one a sync answered with): whichever is older, nothing moves
    /// back, so a copy cached at first sign-in never hides what was done since.
    pub fn merge(&mut self, other: &Progress) {
        fn earliest<T: Ord + Copy>(a: Option<T>, b: Option<T>) -> Option<T> {
            match (a, b) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        }
        self.last_sync_at = self.last_sync_at.max(other.last_sync_at);
        for theirs in &other.modules {
            match self.modules.binary_search_by_key(&theirs.module_id, |m| m.module_id) {
                Err(i) => self.modules.insert(i, theirs.clone()),
                Ok(i) => {
                    let ours = &mut self.modules[i];
                    ours.completed_at = earliest(ours.completed_at, theirs.completed_at);
                    ours.last_completed_at = ours.last_completed_at.max(theirs.last_completed_at);
                    ours.completed_version = ours.completed_version.max(theirs.completed_version);
                    ours.best_score = ours.best_score.max(theirs.best_score);
                    ours.attempts = ours.attempts.max(theirs.attempts);
                    if (theirs.rated_at, theirs.rating) > (ours.rated_at, ours.rating) {
                        (ours.rating, ours.rated_at) = (theirs.rating, theirs.rated_at);
                    }
                    ours.last_activity_at = ours.last_activity_at.max(theirs.last_activity_at);
                }
            }
        }
    }

    /// One module's progress, if it has any.
    pub fn module(&self, id: i64) -> Option<&ModuleProgress> {
        self.modules.iter().find(|m| m.module_id == id)
    }

    /// Whether a module is completed.
    pub fn is_completed(&self, id: i64) -> bool {
        self.module(id).is_some_and(|m| m.completed_at.is_some())
    }

    /// Whether a module is completed, and, if `since` is given (a recertification), was
    /// completed again after it.
    pub fn is_completed_since(&self, id: i64, since: Option<DateTime<Utc>>) -> bool {
        self.module(id).is_some_and(|m| m.completed_since(since).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::QuizOption;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn question(correct: &[usize], options: usize) -> Question {
        Question {
            prompt: "?".into(),
            multiple: correct.len() > 1,
            options: (0..options)
                .map(|i| QuizOption { text: format!("{i}"), correct: correct.contains(&i), explanation: String::new() })
                .collect(),
        }
    }

    #[test]
    fn payloads_are_checked_by_kind() {
        use serde_json::json;
        assert!(Payload::parse(RecordKind::Completion, &json!({})).is_ok());
        assert!(Payload::parse(RecordKind::Completion, &serde_json::Value::Null).is_ok());
        assert!(Payload::parse(RecordKind::Completion, &json!({"seconds_spent": 80})).is_ok());
        assert!(Payload::parse(RecordKind::Completion, &json!({"seconds_spent": -1})).is_err());
        assert!(Payload::parse(RecordKind::Completion, &json!({"hack": 1})).is_err());
        assert!(Payload::parse(RecordKind::QuizAttempt, &json!({"answers": [[0]], "device_score": 100})).is_ok());
        assert!(Payload::parse(RecordKind::QuizAttempt, &json!({"answers": []})).is_err());
        assert!(Payload::parse(RecordKind::QuizAttempt, &json!({"answers": [[0, 0, 0, 0, 0, 0, 0]]})).is_err());
        assert!(Payload::parse(RecordKind::QuizAttempt, &json!({"answers": [[0]], "device_score": 101})).is_err());
        assert!(Payload::parse(RecordKind::Feedback, &json!({"rating": 5, "comment": "useful"})).is_ok());
        assert!(Payload::parse(RecordKind::Feedback, &json!({"rating": 0})).is_err());
        assert!(Payload::parse(RecordKind::Feedback, &json!({"rating": 3, "comment": "x".repeat(2001)})).is_err());
    }

    #[test]
    fn quizzes_score_exact_answers() {
        let qs = [question(&[1], 3), question(&[0, 2], 3)];
        assert_eq!(
            score_quiz(&qs, 100, None, &[vec![1], vec![2, 0]]).unwrap(),
            QuizScore { percent: 100, passed: true }
        );
        assert_eq!(score_quiz(&qs, 60, None, &[vec![1], vec![0]]).unwrap(), QuizScore { percent: 50, passed: false });
        assert_eq!(
            score_quiz(&qs, 50, None, &[vec![1], vec![0, 1, 2]]).unwrap(),
            QuizScore { percent: 50, passed: true }
        );
        assert!(score_quiz(&qs, 50, None, &[vec![1]]).is_err(), "too few answers");
        assert!(score_quiz(&qs, 50, None, &[vec![1], vec![7]]).is_err(), "no such option");
        // A drawn subset: only its questions count.
        assert_eq!(score_quiz(&qs, 100, Some(&[1]), &[vec![0, 2]]).unwrap(), QuizScore { percent: 100, passed: true });
        assert!(score_quiz(&qs, 100, Some(&[5]), &[vec![0]]).is_err(), "no such question");
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        fn effect() -> impl Strategy<Value = Effect> {
            prop_oneof![
                Just(Effect::Completed),
                (0u8..=100, any::<bool>())
                    .prop_map(|(percent, passed)| Effect::QuizAttempted(QuizScore { percent, passed })),
                (1u8..=5).prop_map(Effect::Rated),
                Just(Effect::QuizSubmitted),
            ]
        }

        fn records() -> impl Strategy<Value = Vec<(i64, i32, DateTime<Utc>, Effect)>> {
            // Few modules, versions and moments, so records collide on each.
            let record = (1i64..4, 1i32..3, 0i64..6, effect()).prop_map(|(module, version, minute, effect)| {
                (module, version, at("2026-05-01T10:00:00Z") + chrono::TimeDelta::minutes(minute), effect)
            });
            prop::collection::vec(record, 0..24)
        }

        proptest! {
            /// Records arrive in any order, on any device: the progress is the same.
            #[test]
            fn progress_does_not_depend_on_order(records in records().prop_flat_map(|r| (Just(r.clone()), Just(r).prop_shuffle()))) {
                let (a, b) = records;
                prop_assert_eq!(Progress::fold(a, None), Progress::fold(b, None));
            }

            /// Folding from a blank row per module (active at its earliest record, as the
            /// server writes one before it reads) equals folding from nothing.
            #[test]
            fn folding_from_blank_rows_equals_folding_from_nothing(records in records()) {
                let mut blank = Progress::default();
                for (module, _, at, _) in &records {
                    match blank.modules.binary_search_by_key(module, |m| m.module_id) {
                        Ok(i) => blank.modules[i].last_activity_at = blank.modules[i].last_activity_at.min(*at),
                        Err(i) => blank.modules.insert(i, ModuleProgress::blank(*module, *at)),
                    }
                }
                for (module, version, at, effect) in records.clone() {
                    blank.apply(module, version, at, effect);
                }
                prop_assert_eq!(blank, Progress::fold(records, None));
            }

            /// Adding records never un-completes a module or lowers a best score.
            #[test]
            fn progress_only_moves_forward(records in records(), more in records()) {
                let before = Progress::fold(records.clone(), None);
                let after = Progress::fold(records.into_iter().chain(more), None);
                for m in &before.modules {
                    let later = after.module(m.module_id).unwrap();
                    prop_assert!(m.completed_at.is_none() || later.completed_at.is_some_and(|c| c <= m.completed_at.unwrap()));
                    prop_assert!(later.best_score >= m.best_score);
                    prop_assert!(later.attempts >= m.attempts);
                }
            }

            /// An older snapshot merged into a newer one, or the newer into the older,
            /// gives the newer: a stale copy never hides what was done since.
            #[test]
            fn merging_an_older_snapshot_keeps_the_newer(records in records(), more in records()) {
                let older = Progress::fold(records.clone(), None);
                let newer = Progress::fold(records.into_iter().chain(more), Some(at("2026-05-02T10:00:00Z")));
                let mut a = older.clone();
                a.merge(&newer);
                prop_assert_eq!(&a, &newer);
                let mut b = newer.clone();
                b.merge(&older);
                prop_assert_eq!(&b, &newer);
            }
        }
    }

    #[test]
    fn progress_only_moves_forward() {
        let fail = Effect::QuizAttempted(QuizScore { percent: 50, passed: false });
        let pass = Effect::QuizAttempted(QuizScore { percent: 100, passed: true });
        let p = Progress::fold(
            [
                (2, 1, at("2026-05-03T10:00:00Z"), fail),
                (2, 2, at("2026-05-02T10:00:00Z"), pass),
                (2, 2, at("2026-05-04T10:00:00Z"), fail),
                (1, 1, at("2026-05-01T10:00:00Z"), Effect::Completed),
                (1, 2, at("2026-05-05T10:00:00Z"), Effect::Completed),
                (1, 2, at("2026-05-06T10:00:00Z"), Effect::Rated(2)),
                (1, 2, at("2026-05-05T12:00:00Z"), Effect::Rated(5)),
            ],
            None,
        );
        let quiz = p.module(2).unwrap();
        assert_eq!((quiz.attempts, quiz.best_score), (3, Some(100)));
        assert_eq!(quiz.completed_at, Some(at("2026-05-02T10:00:00Z")), "a later failed attempt doesn't un-complete");
        let video = p.module(1).unwrap();
        assert_eq!(video.completed_at, Some(at("2026-05-01T10:00:00Z")));
        assert_eq!(video.last_completed_at, Some(at("2026-05-05T10:00:00Z")));
        assert!(p.is_completed_since(1, Some(at("2026-05-04T00:00:00Z"))));
        assert!(!p.is_completed_since(1, Some(at("2026-05-05T10:00:00Z"))), "after, not at");
        assert!(!p.is_completed_since(3, None));
        assert_eq!(video.completed_version, Some(2));
        assert_eq!(video.rating, Some(2), "the latest rating counts, whatever the order");
        assert_eq!(video.last_activity_at, at("2026-05-06T10:00:00Z"));
        assert!(p.is_completed(1) && p.is_completed(2) && !p.is_completed(3));
    }
}
