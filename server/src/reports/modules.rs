//! Per module and per learning path, for the people in scope: assigned, started,
//! completed, completion rate, median time to complete, average score, the question
//! most often missed, and what learners thought (rating).

use std::collections::{HashMap, HashSet};

use app::api::{
    CompletionPayload, MissedQuestion, ModuleContent, ModuleFigures, ModuleKind, ModulesReport, PathFigures, Question,
    QuizAttemptPayload, RecordKind, answered_right,
};
use futures_util::StreamExt;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, QueryTrait, sea_query::Expr};
use serde_json::value::RawValue;

use super::{
    Scope,
    people::{People, Shared},
};
use crate::{
    db::{columns::Undecodable, entities::learning_record, json},
    error::ApiError,
};

#[derive(Default)]
struct ModuleCounts {
    assigned: u32,
    started: u32,
    completed: u32,
    completed_assigned: u32,
    score_sum: u64,
    scores: u32,
    rating_sum: u64,
    ratings: u32,
    seconds: Vec<u32>,
    answers: Answers,
}

/// How the people in scope answered a quiz's published version.
#[derive(Debug, Default, Clone)]
pub(super) struct Answers {
    /// Attempts at the published version.
    pub attempts: u32,
    /// Per question, in order (empty until the first attempt).
    pub questions: Vec<QuestionTally>,
}

/// One question's answers: how many, how many weren't right, and picks per option.
#[derive(Debug, Default, Clone)]
pub(super) struct QuestionTally {
    pub answers: u32,
    pub missed: u32,
    pub picks: Vec<u32>,
}

impl Answers {
    /// Counts one attempt's answers to `questions`: to the ones `asked` (indexes in the
    /// version's order, an attempt drawn from a pool), or to every one.
    fn add(&mut self, questions: &[Question], asked: Option<&[u32]>, answers: &[Vec<u32>]) {
        if self.questions.is_empty() {
            self.questions = questions
                .iter()
                .map(|q| QuestionTally { picks: vec![0; q.options.len()], ..QuestionTally::default() })
                .collect();
        }
        self.attempts += 1;
        let every: Vec<u32>;
        let asked = match asked {
            Some(asked) => asked,
            None => {
                every = (0..questions.len() as u32).collect();
                &every
            }
        };
        for (&index, picked) in asked.iter().zip(answers) {
            let (Some(q), Some(tally)) = (questions.get(index as usize), self.questions.get_mut(index as usize)) else {
                continue;
            };
            tally.answers += 1;
            tally.missed += u32::from(!answered_right(q, picked));
            // An option picked twice in one answer counts once.
            let distinct: HashSet<u32> = picked.iter().copied().collect();
            for option in distinct {
                if let Some(p) = tally.picks.get_mut(option as usize) {
                    *p += 1;
                }
            }
        }
    }
}

#[derive(Default)]
struct PathCounts {
    assigned: u32,
    started: u32,
    completed: u32,
    completed_assigned: u32,
    days: Vec<f64>,
}

pub(super) fn percent(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| (f64::from(part) * 1000.0 / f64::from(whole)).round() / 10.0)
}

fn median_u32(values: &mut [u32]) -> Option<u32> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) { (values[mid - 1] + values[mid]).div_ceil(2) } else { values[mid] })
}

fn median_f64(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let mid = values.len() / 2;
    let m = if values.len().is_multiple_of(2) { (values[mid - 1] + values[mid]) / 2.0 } else { values[mid] };
    Some((m * 10.0).round() / 10.0)
}

/// The figures for the people in `scope` of every published module and path.
pub async fn figures(db: &DatabaseConnection, scope: &Scope, shared: &Shared) -> Result<ModulesReport, ApiError> {
    Ok(figures_and_answers(db, scope, shared, None).await?.0)
}

/// The figures for the people in `scope`: of every published module and path, or only of
/// the module `only` (no paths); and, per quiz, how its published version was answered.
pub(super) async fn figures_and_answers(
    db: &DatabaseConnection,
    scope: &Scope,
    shared: &Shared,
    only: Option<i64>,
) -> Result<(ModulesReport, HashMap<i64, Answers>), ApiError> {
    let content = &shared.content;
    let wanted = |id: i64| only.is_none_or(|only| only == id);
    let mut modules: HashMap<i64, ModuleCounts> = HashMap::new();
    let mut paths: HashMap<i64, PathCounts> = HashMap::new();
    let mut people_count = 0;

    let mut people = People::read(db, scope, only).await?;
    while let Some((person, rows)) = people.next().await? {
        people_count += 1;
        let held = shared.certificates.get(&person.id).map(Vec::as_slice).unwrap_or_default();
        let (module_assigned, path_assigned) = content.assigned_to(&person.user(), held, shared.now);
        let progress: HashMap<i64, _> = rows.iter().map(|r| (r.module_id, r)).collect();
        for (m, ..) in content.published.iter().filter(|(m, ..)| wanted(m.id)) {
            let c = modules.entry(m.id).or_default();
            let assigned = module_assigned.contains_key(&m.id);
            c.assigned += u32::from(assigned);
            let Some(r) = progress.get(&m.id) else { continue };
            c.started += 1;
            if r.completed_at.is_some() {
                c.completed += 1;
                c.completed_assigned += u32::from(assigned);
            }
            if let Some(score) = r.best_score {
                c.score_sum += u64::from(score);
                c.scores += 1;
            }
            if let Some(rating) = r.rating {
                c.rating_sum += u64::from(rating);
                c.ratings += 1;
            }
        }
        for p in content.paths.iter().filter(|_| only.is_none()) {
            let steps = content.steps.get(&p.id).map(Vec::as_slice).unwrap_or_default();
            if steps.is_empty() {
                continue;
            }
            let c = paths.entry(p.id).or_default();
            let assigned = path_assigned.get(&p.id);
            c.assigned += u32::from(assigned.is_some());
            if steps.iter().any(|s| progress.contains_key(s)) {
                c.started += 1;
            }
            let since = assigned.and_then(|a| a.since);
            let finished: Option<Vec<_>> = steps.iter().map(|s| progress.get(s)?.completed_since(since)).collect();
            if let Some(last) = finished.and_then(|times| times.into_iter().max()) {
                c.completed += 1;
                c.completed_assigned += u32::from(assigned.is_some());
                let start = person.start().and_hms_opt(0, 0, 0).map(|t| t.and_utc());
                if let Some(start) = start.filter(|s| last >= *s) {
                    c.days.push((last - start).num_minutes() as f64 / (24.0 * 60.0));
                }
            }
        }
    }

    // Time spent and answers come from the records themselves.
    let questions: HashMap<i64, (i32, Vec<Question>)> = content
        .published
        .iter()
        .filter_map(|(m, v, _)| match v.content().inspect_err(Undecodable::log_hidden) {
            Ok(ModuleContent::Quiz { questions, .. }) => Some((m.id, (v.version, questions))),
            _ => None,
        })
        .collect();
    // One row per (module, version, kind) with its payloads, not one per record (see
    // `db::json`).
    let backend = db.get_database_backend();
    let payloads = json::array_of_rows(backend, json::value(backend, Expr::col(learning_record::Column::Payload)));
    let mut groups = learning_record::Entity::find()
        .select_only()
        .columns([
            learning_record::Column::ModuleId,
            learning_record::Column::ModuleVersion,
            learning_record::Column::Kind,
        ])
        .column_as(payloads, "payloads")
        .filter(learning_record::Column::UserId.in_subquery(scope.ids()))
        .apply_if(only, |q, id| q.filter(learning_record::Column::ModuleId.eq(id)))
        .filter(
            learning_record::Column::Kind.is_in([RecordKind::Completion.as_str(), RecordKind::QuizAttempt.as_str()]),
        )
        // A second answer to an assessment attempt is kept, not counted.
        .filter(learning_record::Column::Counted.eq(true))
        .group_by(learning_record::Column::ModuleId)
        .group_by(learning_record::Column::ModuleVersion)
        .group_by(learning_record::Column::Kind)
        .into_tuple::<(i64, i32, String, String)>()
        .stream(db)
        .await?;
    while let Some(group) = groups.next().await {
        let (module_id, version, kind, payloads) = group?;
        let Some(c) = modules.get_mut(&module_id) else { continue };
        let payloads: Vec<&RawValue> = serde_json::from_str(&payloads)
            .map_err(|e| ApiError::Internal(format!("payloads of module {module_id}: {e}")))?;
        if kind == RecordKind::Completion.as_str() {
            let seconds = payloads.iter().filter_map(|p| serde_json::from_str::<CompletionPayload>(p.get()).ok());
            c.seconds.extend(seconds.filter_map(|p| p.seconds_spent));
            continue;
        }
        // Answers to the version learners get now: its questions as they now read.
        let Some((current, qs)) = questions.get(&module_id) else { continue };
        if *current != version {
            continue;
        }
        for payload in payloads {
            let Ok(attempt) = serde_json::from_str::<QuizAttemptPayload>(payload.get()) else { continue };
            c.answers.add(qs, attempt.questions.as_deref(), &attempt.answers);
        }
    }
    drop(groups);

    let mut answers = HashMap::new();
    let mut module_rows: Vec<ModuleFigures> = content
        .published
        .iter()
        .filter(|(m, ..)| wanted(m.id))
        .map(|(m, v, _)| {
            let mut c = modules.remove(&m.id).unwrap_or_default();
            let most_missed = questions.get(&m.id).and_then(|(_, qs)| {
                c.answers
                    .questions
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.answers > 0 && t.missed > 0)
                    .max_by(|(i, a), (j, b)| {
                        // The highest share missed; on a tie, the earlier question.
                        (u64::from(a.missed) * u64::from(b.answers))
                            .cmp(&(u64::from(b.missed) * u64::from(a.answers)))
                            .then(j.cmp(i))
                    })
                    .map(|(i, t)| MissedQuestion {
                        index: i as u32,
                        prompt: qs.get(i).map(|q| q.prompt.clone()).unwrap_or_default(),
                        missed_percent: percent(t.missed, t.answers).unwrap_or(0.0),
                        answers: t.answers,
                    })
            });
            answers.insert(m.id, std::mem::take(&mut c.answers));
            ModuleFigures {
                module_id: m.id,
                title: v.title.clone(),
                // Read when the content was loaded (a version whose kind can't be read
                // isn't in it).
                kind: v.kind().unwrap_or(ModuleKind::Unknown),
                assigned: c.assigned,
                started: c.started,
                completed: c.completed,
                completion_rate: percent(c.completed_assigned, c.assigned),
                median_seconds: median_u32(&mut c.seconds),
                average_score: (c.scores > 0).then(|| (c.score_sum as f64 * 10.0 / f64::from(c.scores)).round() / 10.0),
                most_missed,
                rating_average: (c.ratings > 0)
                    .then(|| (c.rating_sum as f64 * 10.0 / f64::from(c.ratings)).round() / 10.0),
                ratings: c.ratings,
            }
        })
        .collect();
    module_rows.sort_by(|a, b| a.title.to_lowercase().cmp(&b.title.to_lowercase()).then(a.module_id.cmp(&b.module_id)));
    let path_rows = content
        .paths
        .iter()
        .filter_map(|p| {
            let mut c = paths.remove(&p.id)?;
            Some(PathFigures {
                path_id: p.id,
                title: p.title.clone(),
                steps: content.steps.get(&p.id).map_or(0, |s| s.len() as u32),
                assigned: c.assigned,
                started: c.started,
                completed: c.completed,
                completion_rate: percent(c.completed_assigned, c.assigned),
                median_days: median_f64(&mut c.days),
            })
        })
        .collect();
    let report =
        ModulesReport { generated_at: shared.now, people: people_count, modules: module_rows, paths: path_rows };
    Ok((report, answers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_rates() {
        assert_eq!(median_u32(&mut []), None);
        assert_eq!(median_u32(&mut [90, 30, 60]), Some(60));
        assert_eq!(median_u32(&mut [30, 61]), Some(46));
        assert_eq!(median_f64(&mut [3.0, 1.0]), Some(2.0));
        assert_eq!(percent(1, 3), Some(33.3));
        assert_eq!(percent(0, 0), None);
    }

    #[test]
    fn answers_count_each_picked_option_once_per_attempt() {
        let option = |correct| app::api::QuizOption { text: "o".into(), correct, explanation: String::new() };
        let questions = [
            Question { prompt: "one".into(), multiple: false, options: vec![option(false), option(true)] },
            Question { prompt: "two".into(), multiple: true, options: vec![option(true), option(false), option(true)] },
        ];
        let mut answers = Answers::default();
        answers.add(&questions, None, &[vec![1], vec![2, 0]]);
        // Wrong, then an option picked twice and one out of range (neither counts twice).
        answers.add(&questions, None, &[vec![0], vec![0, 0, 7]]);
        assert_eq!(answers.attempts, 2);
        let t = &answers.questions;
        assert_eq!((t[0].answers, t[0].missed, t[0].picks.clone()), (2, 1, vec![1, 1]));
        assert_eq!((t[1].answers, t[1].missed, t[1].picks.clone()), (2, 1, vec![2, 0, 1]));
    }
}
