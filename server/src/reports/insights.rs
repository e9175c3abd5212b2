//! Insights for authors: what learners think of one module (Kirkpatrick level 1: ratings
//! and comments) and how they answer it (level 2: per quiz question, the share of each
//! option picked, so a confusing question stands out; for practice modules, the takes
//! reviewed, the pass rate and the mean score per rubric criterion).

use std::collections::{HashMap, HashSet};

use app::api::{
    CriterionInsight, FeedbackComment, FeedbackPayload, INSIGHT_COMMENTS, ModuleContent, ModuleInsights, OptionShare,
    PracticeInsight, QuestionInsight, RecordKind, Rubric, boosters::retention,
};
use futures_util::StreamExt;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{Scope, modules, people::Shared};
use crate::{boosters, db::entities::learning_record, error::ApiError};

/// One published module's insights, from the records of the people in `scope`.
pub async fn of_module(
    db: &DatabaseConnection,
    scope: &Scope,
    shared: &Shared,
    module_id: i64,
) -> Result<ModuleInsights, ApiError> {
    let Some((_, version, _)) = shared.content.published.iter().find(|(m, ..)| m.id == module_id) else {
        return Err(ApiError::not_found("Published module"));
    };
    let (report, mut answered) = modules::figures_and_answers(db, scope, shared, Some(module_id)).await?;
    let figures = report.modules.into_iter().next().ok_or_else(|| ApiError::not_found("Published module"))?;

    // Feedback: each learner's latest counts (a learner may change their mind later).
    let mut feedback = learning_record::Entity::find()
        .select_only()
        .columns([
            learning_record::Column::UserId,
            learning_record::Column::ModuleVersion,
            learning_record::Column::OccurredAt,
            learning_record::Column::Payload,
        ])
        .filter(learning_record::Column::ModuleId.eq(module_id))
        .filter(learning_record::Column::Kind.eq(RecordKind::Feedback.as_str()))
        .filter(learning_record::Column::UserId.in_subquery(scope.ids()))
        .order_by_desc(learning_record::Column::OccurredAt)
        .order_by_desc(learning_record::Column::Id)
        .into_tuple::<(i64, i32, chrono::DateTime<chrono::Utc>, serde_json::Value)>()
        .stream(db)
        .await?;
    let mut seen = HashSet::new();
    let mut rating_counts = [0u32; 5];
    let (mut comments, mut comments_total) = (Vec::new(), 0u32);
    while let Some(row) = feedback.next().await {
        let (user_id, module_version, at, payload) = row?;
        if !seen.insert(user_id) {
            continue;
        }
        let Ok(feedback) = serde_json::from_value::<FeedbackPayload>(payload) else { continue };
        let Some(count) = feedback.rating.checked_sub(1).and_then(|i| rating_counts.get_mut(usize::from(i))) else {
            continue;
        };
        *count += 1;
        let comment = feedback.comment.trim();
        if !comment.is_empty() {
            comments_total += 1;
            if comments.len() < INSIGHT_COMMENTS {
                comments.push(FeedbackComment {
                    rating: feedback.rating,
                    comment: comment.to_string(),
                    module_version,
                    at,
                });
            }
        }
    }
    drop(feedback);

    // Answers to the published version, as its questions now read.
    let content = version.content()?;
    let practice = match &content {
        ModuleContent::Practice { rubric, .. } => Some(practice(db, scope, module_id, rubric).await?),
        _ => None,
    };
    // An assessment's questions never come back as boosters.
    let retention = match &content {
        ModuleContent::Quiz { .. } if !shared.content.assessments.contains(&module_id) => {
            let answers = boosters::answers(db, boosters::Whose::Among(Box::new(scope.ids())), Some(module_id)).await?;
            Some(retention(&answers.answers))
        }
        _ => None,
    };
    let questions = match content {
        ModuleContent::Quiz { questions, .. } => questions,
        _ => Vec::new(),
    };
    let answers = answered.remove(&module_id).unwrap_or_default();
    let tallies = answers.questions.into_iter().chain(std::iter::repeat_with(modules::QuestionTally::default));
    let questions = questions
        .into_iter()
        .zip(tallies)
        .enumerate()
        .map(|(index, (q, tally))| QuestionInsight {
            index: index as u32,
            prompt: q.prompt,
            multiple: q.multiple,
            answers: tally.answers,
            missed_percent: modules::percent(tally.missed, tally.answers),
            options: q
                .options
                .into_iter()
                .enumerate()
                .map(|(i, o)| {
                    // No attempts yet: no tally, no picks.
                    let picks = tally.picks.get(i).copied().unwrap_or(0);
                    OptionShare {
                        text: o.text,
                        correct: o.correct,
                        picks,
                        percent: modules::percent(picks, tally.answers),
                    }
                })
                .collect(),
        })
        .collect();
    Ok(ModuleInsights {
        generated_at: shared.now,
        version: version.version,
        figures,
        rating_counts,
        comments,
        comments_total,
        attempts: answers.attempts,
        questions,
        practice,
        retention,
    })
}

/// A practice module's submissions and reviews by the people in `scope`: how many were
/// reviewed, how many of those decided passed, and per criterion of `rubric` (the
/// published one, matched by name, ignoring case) the mean score reviewers gave.
async fn practice(
    db: &DatabaseConnection,
    scope: &Scope,
    module_id: i64,
    rubric: &Rubric,
) -> Result<PracticeInsight, ApiError> {
    let of_kind = |kind: RecordKind| {
        learning_record::Entity::find()
            .filter(learning_record::Column::ModuleId.eq(module_id))
            .filter(learning_record::Column::Kind.eq(kind.as_str()))
            .filter(learning_record::Column::UserId.in_subquery(scope.ids()))
    };
    let submissions: Vec<String> = of_kind(RecordKind::PracticeSubmission)
        .select_only()
        .column(learning_record::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let reviews: Vec<(Option<String>, Option<bool>, serde_json::Value)> = of_kind(RecordKind::PracticeReview)
        .select_only()
        .columns([learning_record::Column::About, learning_record::Column::Passed, learning_record::Column::Payload])
        .order_by_asc(learning_record::Column::OccurredAt)
        .order_by_asc(learning_record::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let submitted: HashSet<&str> = submissions.iter().map(String::as_str).collect();
    // Each submission's standing after its latest review (reviews oldest first).
    let mut outcome: HashMap<&str, Option<bool>> = HashMap::new();
    let mut sums = vec![(0u32, 0u32); rubric.criteria.len()];
    for (about, passed, payload) in &reviews {
        let Some(about) = about.as_deref().filter(|a| submitted.contains(a)) else { continue };
        let decided = outcome.entry(about).or_insert(None);
        if passed.is_some() {
            *decided = *passed;
        }
        let scores = payload.get("scores").and_then(|s| s.as_array()).map(Vec::as_slice).unwrap_or_default();
        for score in scores {
            let (Some(name), Some(value)) =
                (score.get("criterion").and_then(|c| c.as_str()), score.get("score").and_then(|s| s.as_u64()))
            else {
                continue;
            };
            if let Some(i) = rubric.criteria.iter().position(|c| c.name.eq_ignore_ascii_case(name)) {
                sums[i].0 += value as u32;
                sums[i].1 += 1;
            }
        }
    }
    let decided = outcome.values().filter(|o| o.is_some()).count() as u32;
    let passed = outcome.values().filter(|o| **o == Some(true)).count() as u32;
    Ok(PracticeInsight {
        submissions: submissions.len() as u32,
        reviewed: outcome.len() as u32,
        decided,
        passed,
        pass_rate: modules::percent(passed, decided),
        scale_max: rubric.scale_max,
        criteria: rubric
            .criteria
            .iter()
            .zip(sums)
            .map(|(c, (sum, n))| CriterionInsight {
                name: c.name.clone(),
                reviews: n,
                average: (n > 0).then(|| (f64::from(sum) / f64::from(n) * 10.0).round() / 10.0),
            })
            .collect(),
    })
}
