//! Wire types of practice: takes (a person's recordings of a practice module) and the
//! resumable uploads (tus 1.0) that bring them to the server.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The tus protocol version Primer speaks (`Tus-Resumable`).
pub const TUS_VERSION: &str = "1.0.0";

/// Where resumable uploads are created (`POST`), and each one's URL is under.
pub const UPLOADS_PATH: &str = "/api/v1/uploads";

/// A resumable upload of a take, as `GET /api/v1/uploads/{id}` answers: how far it is,
/// and once whole the media it became.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Upload {
    pub id: String,
    /// Where to send its bytes (`PATCH`) and ask how far it is (`HEAD`).
    pub url: String,
    /// The practice module the take is of.
    pub module_id: i64,
    /// The file's size.
    pub length: u64,
    /// The bytes the server has kept, from the start.
    pub offset: u64,
    /// Once whole: the take's media id (`/media/{id}`).
    #[serde(default)]
    pub media_id: Option<String>,
    /// An unfinished upload is deleted if no bytes arrive before then.
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub expires_at: DateTime<Utc>,
}

use super::content::Rubric;

/// Limits of a review.
pub mod review_limits {
    /// Comments at points in the take.
    pub const COMMENTS: usize = 30;
    pub const COMMENT_CHARS: usize = 500;
    pub const SUMMARY_CHARS: usize = 2000;
}

/// How a reviewer stands to the learner, which decides what their review counts for:
/// the manager's review decides when there is one, otherwise the mean of the peers'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewerRole {
    /// A manager of the learner's team, or an admin.
    Manager,
    /// A teammate.
    Peer,
    #[serde(other)]
    Unknown,
}

impl ReviewerRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewerRole::Manager => "manager",
            ReviewerRole::Peer => "peer",
            ReviewerRole::Unknown => "unknown",
        }
    }
}

/// One criterion's score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CriterionScore {
    /// The criterion's name, as the rubric has it.
    pub criterion: String,
    /// 1 to the rubric's `scale_max`.
    pub score: u8,
}

/// A comment at a point in the take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TimedComment {
    /// Seconds from the take's start.
    pub at_seconds: f64,
    pub text: String,
}

/// `POST /api/v1/reviews`: a reviewer's scores of a submitted take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReviewInput {
    /// The `practice_submission` record's id.
    pub submission_id: String,
    /// Every criterion of the rubric, once.
    pub scores: Vec<CriterionScore>,
    #[serde(default)]
    pub comments: Vec<TimedComment>,
    #[serde(default)]
    pub summary: String,
}

/// A review as stored: what the reviewer gave, and what it made of the submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Review {
    pub id: String,
    pub submission_id: String,
    pub reviewer_id: i64,
    pub reviewer_name: String,
    #[serde(rename = "as")]
    pub as_role: ReviewerRole,
    pub scores: Vec<CriterionScore>,
    pub comments: Vec<TimedComment>,
    pub summary: String,
    /// The weighted score, 0–100.
    pub percent: u8,
    /// Whether the submission stands passed after this review (`None`: not decided yet,
    /// e.g. more peers are to review).
    pub passed: Option<bool>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub created_at: DateTime<Utc>,
}

/// A submitted take waiting for the signed-in reviewer (`GET /api/v1/reviews`). Other
/// reviewers' scores are never in it: a peer gives theirs first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WaitingReview {
    pub submission_id: String,
    pub learner_id: i64,
    pub learner_name: String,
    pub module_id: i64,
    pub module_version: i32,
    pub title: String,
    pub prompt: String,
    pub rubric: Rubric,
    pub pass_percent: u8,
    /// The take (`/media/{id}`) and its length.
    pub media_id: String,
    pub media_url: String,
    pub seconds: u32,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub submitted_at: DateTime<Utc>,
    /// What this reviewer's review would count as.
    #[serde(rename = "as")]
    pub as_role: ReviewerRole,
    /// The learner agrees that it may be featured for their team.
    #[serde(default)]
    pub shared: bool,
}

/// One of the signed-in person's submitted takes, with the feedback on it
/// (`GET /api/v1/me/practice`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Submission {
    pub submission_id: String,
    pub module_id: i64,
    pub module_version: i32,
    pub title: String,
    pub media_id: String,
    pub media_url: String,
    pub seconds: u32,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub submitted_at: DateTime<Utc>,
    /// Whether it stands passed (`None`: not decided yet).
    pub passed: Option<bool>,
    /// Oldest first.
    pub reviews: Vec<Review>,
    /// The learner agrees that a reviewer may feature the take for their team.
    pub shared: bool,
    /// A reviewer featured it: teammates see it on their Home.
    pub featured: bool,
}

/// `PUT /api/v1/me/takes/{id}`: whether a reviewer may feature the take for the team
/// (`false` also stops it being featured).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TakeConsent {
    pub shared: bool,
}

/// `PUT /api/v1/reviews/{id}/feature` (a submission's id): feature a take for the learner's team,
/// or stop featuring it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FeatureInput {
    pub featured: bool,
}

/// Where a take stands for the team, as both `PUT`s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TakeSharing {
    pub media_id: String,
    pub shared: bool,
    pub featured: bool,
}

/// A weighted score of a take against a rubric: each criterion once, from 1 to the
/// scale's top. Answers the points got and the points possible (percent = got / of).
pub fn weigh(rubric: &Rubric, scores: &[CriterionScore]) -> Result<(u32, u32), String> {
    if scores.len() != rubric.criteria.len() {
        return Err(format!("Score each of the {} criteria once.", rubric.criteria.len()));
    }
    let (mut got, mut of) = (0u32, 0u32);
    for criterion in &rubric.criteria {
        let mut matching = scores.iter().filter(|s| s.criterion.trim().eq_ignore_ascii_case(criterion.name.trim()));
        let (Some(score), None) = (matching.next(), matching.next()) else {
            return Err(format!("Score \"{}\" once.", criterion.name));
        };
        if !(1..=rubric.scale_max).contains(&score.score) {
            return Err(format!("Score \"{}\" from 1 to {}.", criterion.name, rubric.scale_max));
        }
        got += u32::from(criterion.weight) * u32::from(score.score);
        of += u32::from(criterion.weight) * u32::from(rubric.scale_max);
    }
    Ok((got, of))
}

/// A weighted score as a whole percentage (rounded down: 74.9 % is not 75 %).
pub fn percent((got, of): (u32, u32)) -> u8 {
    (got * 100).checked_div(of).map_or(0, |p| p.min(100) as u8)
}

/// Whether a submission stands passed after these reviews (the decision's rule, shared
/// by the server and the phone's view of it): the latest manager's review decides when
/// there is one; otherwise, once `peer_reviews` peers have reviewed, the mean of their
/// scores against the pass mark; otherwise not decided yet. Each review is (who,
/// points got, points possible), oldest first.
pub fn decide(reviews: &[(ReviewerRole, u32, u32)], peer_reviews: u8, pass_percent: u8) -> Option<bool> {
    if let Some((_, got, of)) = reviews.iter().rev().find(|(who, ..)| *who == ReviewerRole::Manager) {
        return Some(u64::from(*got) * 100 >= u64::from(pass_percent) * u64::from(*of));
    }
    let peers: Vec<(u32, u32)> =
        reviews.iter().filter(|(who, ..)| *who == ReviewerRole::Peer).map(|(_, g, o)| (*g, *o)).collect();
    if peers.is_empty() || peers.len() < usize::from(peer_reviews) {
        return None;
    }
    // The mean of the fractions, compared without rounding.
    let mean: f64 = peers.iter().map(|(g, o)| f64::from(*g) / f64::from((*o).max(1))).sum::<f64>() / peers.len() as f64;
    Some(mean * 100.0 + 1e-9 >= f64::from(pass_percent))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::content::Criterion;

    fn rubric() -> Rubric {
        let c = |name: &str, weight| Criterion { name: name.into(), description: String::new(), weight };
        Rubric { scale_max: 4, criteria: vec![c("Opening", 1), c("Close", 3)] }
    }

    fn s(criterion: &str, score: u8) -> CriterionScore {
        CriterionScore { criterion: criterion.into(), score }
    }

    #[test]
    fn takes_are_weighed_against_the_rubric() {
        assert_eq!(weigh(&rubric(), &[s("opening", 4), s("Close", 2)]), Ok((10, 16)));
        assert_eq!(percent((10, 16)), 62);
        assert_eq!(percent((0, 0)), 0);
        for bad in [
            vec![s("Opening", 4)],
            vec![s("Opening", 4), s("Opening", 2)],
            vec![s("Opening", 5), s("Close", 1)],
            vec![s("Opening", 0), s("Close", 1)],
            vec![s("Opening", 1), s("Ending", 1)],
        ] {
            assert!(weigh(&rubric(), &bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_manager_decides_else_the_peers_mean() {
        use ReviewerRole::{Manager, Peer};
        // Two peers asked: one is not enough.
        assert_eq!(decide(&[(Peer, 4, 4)], 2, 75), None);
        // Their mean: 100 % and 50 % make 75 %.
        assert_eq!(decide(&[(Peer, 4, 4), (Peer, 2, 4)], 2, 75), Some(true));
        assert_eq!(decide(&[(Peer, 4, 4), (Peer, 1, 4)], 2, 75), Some(false));
        // A manager's review decides, whatever the peers said, and the latest one counts.
        assert_eq!(decide(&[(Peer, 4, 4), (Peer, 4, 4), (Manager, 1, 4)], 2, 75), Some(false));
        assert_eq!(decide(&[(Manager, 1, 4), (Manager, 3, 4)], 2, 75), Some(true));
        // Exactly the pass mark passes.
        assert_eq!(decide(&[(Manager, 3, 4)], 2, 75), Some(true));
        assert_eq!(decide(&[], 2, 75), None);
    }
}
