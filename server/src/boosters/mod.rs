//! Boosters: quiz questions coming back, spaced, until they stick (`app::api::boosters`
//! has the rule). The server reads every answer a person gave to a quiz's questions, in
//! quizzes and as boosters, and answers `GET /api/v1/me/boosters` with the questions
//! still to come back and their history; the phone computes the day's boosters from it,
//! offline too. Booster answers are learning records (`booster_answer`) that the sync
//! stores and scores; they count for retention only (the reports read them here too).
//!
//! Never from an assessment: its quizzes' records (and any record with an attempt) are
//! left out, and so is any module that is a certification's assessment now.

use std::collections::{HashMap, HashSet};

use app::{
    api::{
        ModuleContent, Question, QuizAttemptPayload, RecordKind, User,
        boosters::{
            Answer, BoosterAnswerPayload, BoosterQuestion, PastAnswer, QuestionKey, Source, Standing, schedule,
        },
    },
    reads,
};
use axum::extract::State;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::SelectStatement};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::{AnyRole, Auth},
    db::entities::{certification, learning_record},
    error::{ApiError, Json},
    modules::catalog,
    reads::{Gate, Serve, respond},
    state::AppState,
};

/// `GET /api/v1/me/boosters`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(my_boosters))
}

/// Whose answers to read.
pub enum Whose {
    One(i64),
    /// The people a subquery of user ids selects (a report's scope).
    Among(Box<SelectStatement>),
}

/// A quiz question's answers, read from stored records.
pub struct Answers {
    /// (person, answer), in no particular order.
    pub answers: Vec<(i64, Answer)>,
    /// The quizzes the answers are about, by (module, version): each version's title and
    /// questions, decoded once.
    pub quizzes: HashMap<(i64, i32), (String, Vec<Question>)>,
}

/// Every answer `whose` gave to a question of a quiz that isn't an assessment (of
/// `module` only, if given): each question of each quiz attempt (right if exactly its
/// right options were picked), and each booster answer (as the sync scored it). A
/// version whose content can't be read gives no answers (it is logged), nor does a
/// record whose payload can't: they are refused, not guessed.
pub async fn answers(db: &impl ConnectionTrait, whose: Whose, module: Option<i64>) -> Result<Answers, ApiError> {
    let mut query = learning_record::Entity::find()
        .filter(
            learning_record::Column::Kind.is_in([RecordKind::QuizAttempt.as_str(), RecordKind::BoosterAnswer.as_str()]),
        )
        .filter(learning_record::Column::Counted.eq(true))
        .filter(learning_record::Column::AttemptId.is_null());
    query = match whose {
        Whose::One(id) => query.filter(learning_record::Column::UserId.eq(id)),
        Whose::Among(ids) => query.filter(learning_record::Column::UserId.in_subquery(*ids)),
    };
    if let Some(id) = module {
        query = query.filter(learning_record::Column::ModuleId.eq(id));
    }
    let records = query.order_by_asc(learning_record::Column::OccurredAt).all(db).await?;
    let assessments = catalog::assessment_modules(&certification::Entity::find().all(db).await?)?;
    let named: HashSet<(i64, i32)> = records
        .iter()
        .filter(|r| !assessments.contains(&r.module_id))
        .map(|r| (r.module_id, r.module_version))
        .collect();
    let mut quizzes = HashMap::new();
    for (v, _) in crate::sync::load_versions(db, named.into_iter()).await? {
        match v.content() {
            Ok(ModuleContent::Quiz { questions, .. }) => {
                quizzes.insert((v.module_id, v.version), (v.title, questions));
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "its answers aren't counted as boosters"),
        }
    }
    let mut out = Vec::new();
    for mut r in records {
        let Some((_, quiz)) = quizzes.get(&(r.module_id, r.module_version)) else { continue };
        let payload = std::mem::take(&mut r.payload);
        let key = |index: u32| QuestionKey { module_id: r.module_id, version: r.module_version, index };
        let answer = |index: u32, correct: bool, source: Source| Answer {
            key: key(index),
            at: r.occurred_at,
            record_id: r.id.clone(),
            correct,
            source,
        };
        if r.kind == RecordKind::BoosterAnswer.as_str() {
            match serde_json::from_value::<BoosterAnswerPayload>(payload) {
                Ok(p) => out.push((r.user_id, answer(p.index, r.passed == Some(true), Source::Booster))),
                Err(e) => tracing::error!(record = %r.id, error = %e, "a booster answer that can't be read"),
            }
            continue;
        }
        let p = match serde_json::from_value::<QuizAttemptPayload>(payload) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(record = %r.id, error = %e, "a quiz attempt that can't be read");
                continue;
            }
        };
        let asked: Vec<u32> = p.questions.unwrap_or_else(|| (0..p.answers.len() as u32).collect());
        for (index, picked) in asked.into_iter().zip(&p.answers) {
            if let Some(q) = quiz.get(index as usize) {
                out.push((r.user_id, answer(index, app::api::answered_right(q, picked), Source::Quiz)));
            }
        }
    }
    Ok(Answers { answers: out, quizzes })
}

/// How long a retired question stays listed after its last booster answer: so that any
/// phone, in any time zone, still counts that answer among the day's.
const RETIRED_LISTED: chrono::TimeDelta = chrono::TimeDelta::hours(48);

/// A person's boosters: each question still to come back (or retired in the last two
/// days), of modules they may open now, with its content and every answer to it.
pub async fn boosters_of(db: &impl ConnectionTrait, user: &User) -> Result<Vec<BoosterQuestion>, ApiError> {
    let Answers { answers, quizzes } = answers(db, Whose::One(user.id), None).await?;
    let mut answers: Vec<Answer> = answers.into_iter().map(|(_, a)| a).collect();
    // By question, each in the order given (the rule's order), so each history is a run.
    answers.sort_by(|a, b| (a.key, a.at, &a.record_id).cmp(&(b.key, b.at, &b.record_id)));
    // The offset doesn't change which questions are retired, only the days.
    let plan = schedule(user.id, answers.clone(), 0);
    let visible = catalog::visible_module_ids(db, user).await?;
    let recent = crate::db::now() - RETIRED_LISTED;
    let mut out = Vec::new();
    for history in answers.chunk_by(|a, b| a.key == b.key) {
        let key = history[0].key;
        // The schedule is by question too.
        let listed = match plan.binary_search_by_key(&key, |(k, _)| *k).ok().map(|i| &plan[i].1) {
            Some(Standing::Due(_)) => true,
            Some(Standing::Retired) => history[history.len() - 1].at >= recent,
            None => false,
        };
        if !listed || !visible.contains(&key.module_id) {
            continue;
        }
        let Some((title, questions)) = quizzes.get(&(key.module_id, key.version)) else { continue };
        let Some(question) = questions.get(key.index as usize) else { continue };
        out.push(BoosterQuestion {
            module_id: key.module_id,
            version: key.version,
            index: key.index,
            title: title.clone(),
            question: question.clone(),
            answers: history
                .iter()
                .map(|a| PastAnswer {
                    at: a.at,
                    record_id: a.record_id.clone(),
                    correct: a.correct,
                    booster: a.source == Source::Booster,
                })
                .collect(),
        });
    }
    Ok(out)
}

/// Your boosters: quiz questions you missed, and one in four you got right, coming back
/// until you answer them right twice in a row (never an assessment's). Each question
/// still to come back (and those retired in the last two days), with its answers and
/// explanations and your answers to it so far; the phone works out today's (at most 2)
/// from these and the answers it hasn't sent yet. Roles: everyone.
#[utoipa::path(
    get, path = "/api/v1/me/boosters", tag = "learning",
    responses((status = 200, body = Vec<BoosterQuestion>)),
    security(("primer_session" = []))
)]
pub async fn my_boosters(
    State(state): State<AppState>,
    who: Gate<reads::Boosters>,
) -> Result<Json<Vec<BoosterQuestion>>, ApiError> {
    respond(&state, who, reads::Boosters).await
}

impl Serve for reads::Boosters {
    type Access = Auth<AnyRole>;
    async fn serve(self, state: &AppState, who: Auth<AnyRole>) -> Result<Vec<BoosterQuestion>, ApiError> {
        boosters_of(&state.db, who.user()).await
    }
}
