//! Insights for authors: what learners think of one module (Kirkpatrick level 1: ratings
//! and comments) and how they answer it (level 2: per quiz question, the share of each
//! option picked, so a confusing question stands out).

use std::collections::HashSet;

use app::api::{
    FeedbackComment, FeedbackPayload, INSIGHT_COMMENTS, ModuleContent, ModuleInsights, OptionShare, QuestionInsight,
    RecordKind,
};
use futures_util::StreamExt;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{Scope, modules, people::Shared};
use crate::{db::entities::learning_record, error::ApiError};

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
    let questions = match version.content()? {
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
    })
}
