//! Learning records as xAPI statements: one statement per record, the record's id as the
//! statement's id, so a learning record store that already has a statement recognises it.
//! The mapping is documented in `docs/xapi.md`.

use std::collections::HashMap;

use app::api::{Role, User};
use axum::extract::State;
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{
    accounts::users,
    auth::{Auth, Managers},
    db::entities::{learning_record, user},
    error::{ApiError, Json, Query},
    state::AppState,
};

/// The xAPI version the statements follow.
pub const XAPI_VERSION: &str = "1.0.3";
/// Statements per page unless asked for fewer.
const DEFAULT_LIMIT: u64 = 500;
const MAX_LIMIT: u64 = 1000;

/// Verb IRIs (ADL's, and the xAPI registry's "rated").
pub mod verbs {
    pub const COMPLETED: &str = "http://adlnet.gov/expapi/verbs/completed";
    pub const PASSED: &str = "http://adlnet.gov/expapi/verbs/passed";
    pub const FAILED: &str = "http://adlnet.gov/expapi/verbs/failed";
    pub const RATED: &str = "http://id.tincanapi.com/verb/rated";
    pub const SCORED: &str = "http://adlnet.gov/expapi/verbs/scored";
    pub const ANSWERED: &str = "http://adlnet.gov/expapi/verbs/answered";
    /// Activity Streams' "submit", as the xAPI registry lists it.
    pub const SUBMITTED: &str = "http://activitystrea.ms/schema/1.0/submit";
}

/// What a statement says about its learner and module, besides the record.
pub struct StatementContext<'a> {
    /// Where this Primer is (`https://primer.example.com`): the root of every IRI.
    pub base: &'a str,
    pub learner_name: &'a str,
    /// The module version's title and kind, if it is still known.
    pub module: Option<(&'a str, &'a str)>,
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// One record as an xAPI statement.
pub fn statement(record: &learning_record::Model, cx: &StatementContext) -> Value {
    let base = cx.base.trim_end_matches('/');
    let (verb, verb_name, result) = match record.kind.as_str() {
        "quiz_attempt" => {
            let passed = record.passed.unwrap_or(false);
            let score = record.score.unwrap_or(0);
            let (verb, name) = if passed { (verbs::PASSED, "passed") } else { (verbs::FAILED, "failed") };
            let result = json!({
                "score": {"scaled": f64::from(score) / 100.0, "raw": score, "min": 0, "max": 100},
                "success": passed,
                "completion": passed,
                "extensions": {
                    format!("{base}/xapi/extensions/answers"): record.payload.get("answers").cloned().unwrap_or(Value::Null),
                    format!("{base}/xapi/extensions/device-score"): record.payload.get("device_score").cloned().unwrap_or(Value::Null),
                },
            });
            (verb, name, result)
        }
        "feedback" => {
            let rating = record.payload.get("rating").cloned().unwrap_or(Value::Null);
            let mut result = json!({"score": {"raw": rating, "min": 1, "max": 5}});
            if let Some(comment) = record.payload.get("comment").and_then(Value::as_str).filter(|c| !c.is_empty()) {
                result["response"] = json!(comment);
            }
            (verbs::RATED, "rated", result)
        }
        "practice_review" => {
            let score = record.score.unwrap_or(0);
            // Passed or failed once a review decides; until then (more peers to review)
            // a score.
            let (verb, name) = match record.passed {
                Some(true) => (verbs::PASSED, "passed"),
                Some(false) => (verbs::FAILED, "failed"),
                None => (verbs::SCORED, "scored"),
            };
            let mut result = json!({
                "score": {"scaled": f64::from(score) / 100.0, "raw": score, "min": 0, "max": 100},
                "extensions": {
                    format!("{base}/xapi/extensions/submission"): record.about,
                    format!("{base}/xapi/extensions/reviewer"): record.payload.get("reviewer_id").cloned().unwrap_or(Value::Null),
                    format!("{base}/xapi/extensions/reviewer-role"): record.payload.get("as").cloned().unwrap_or(Value::Null),
                },
            });
            if let Some(passed) = record.passed {
                result["success"] = json!(passed);
                result["completion"] = json!(passed);
            }
            (verb, name, result)
        }
        "practice_submission" => {
            let mut result = json!({
                "completion": false,
                "extensions": {
                    format!("{base}/xapi/extensions/take"): record.payload.get("media_id").cloned().unwrap_or(Value::Null),
                },
            });
            if let Some(seconds) = record.payload.get("seconds").and_then(Value::as_u64) {
                result["duration"] = json!(format!("PT{seconds}S"));
            }
            (verbs::SUBMITTED, "submitted", result)
        }
        "booster_answer" => {
            let right = record.passed.unwrap_or(false);
            let result = json!({
                "success": right,
                "extensions": {
                    format!("{base}/xapi/extensions/picked"): record.payload.get("picked").cloned().unwrap_or(Value::Null),
                    format!("{base}/xapi/extensions/booster"): true,
                },
            });
            (verbs::ANSWERED, "answered", result)
        }
        _ => {
            let mut result = json!({"completion": true});
            if let Some(seconds) = record.payload.get("seconds_spent").and_then(Value::as_u64) {
                result["duration"] = json!(format!("PT{seconds}S"));
            }
            (verbs::COMPLETED, "completed", result)
        }
    };
    let mut object = json!({
        "objectType": "Activity",
        "id": format!("{base}/modules/{}/versions/{}", record.module_id, record.module_version),
    });
    // A booster's object is its question, an interaction of the module version.
    let question =
        (record.kind == "booster_answer").then(|| record.payload.get("index").and_then(Value::as_u64)).flatten();
    if let Some(index) = question {
        object["id"] =
            json!(format!("{base}/modules/{}/versions/{}/questions/{index}", record.module_id, record.module_version));
        let name = cx.module.map(|(title, _)| format!("{title}: question {}", index + 1)).unwrap_or_default();
        object["definition"] = json!({"name": {"und": name}, "type": "http://adlnet.gov/expapi/activities/cmi.interaction", "interactionType": "choice"});
    } else if let Some((title, kind)) = cx.module {
        let activity_type = match kind {
            "quiz" => "http://adlnet.gov/expapi/activities/assessment",
            "video" => "https://w3id.org/xapi/video/activity-type/video",
            "practice" => "http://adlnet.gov/expapi/activities/performance",
            _ => "http://adlnet.gov/expapi/activities/module",
        };
        object["definition"] = json!({"name": {"und": title}, "type": activity_type});
    }
    json!({
        "id": record.id,
        "version": XAPI_VERSION,
        "actor": {
            "objectType": "Agent",
            "name": cx.learner_name,
            "account": {"homePage": base, "name": record.user_id.to_string()},
        },
        "verb": {"id": verb, "display": {"en-US": verb_name}},
        "object": object,
        "result": result,
        "context": {
            "platform": "Primer",
            "contextActivities": {"parent": [{"objectType": "Activity", "id": format!("{base}/modules/{}", record.module_id)}]},
            "extensions": {
                format!("{base}/xapi/extensions/device-id"): record.device_id,
                format!("{base}/xapi/extensions/device-timestamp"): time(record.device_occurred_at),
            },
        },
        "timestamp": time(record.occurred_at),
        "stored": time(record.received_at),
    })
}

/// Which statements to read.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Only statements stored after this time (RFC 3339, exclusive).
    pub since: Option<DateTime<Utc>>,
    /// Statements per page, 1 to 1000 (default 500).
    pub limit: Option<u64>,
    /// Where the next page starts: only as given in `more`.
    pub cursor: Option<String>,
}

/// A page of statements, as an xAPI statement result.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatementPage {
    #[schema(value_type = Vec<Object>)]
    pub statements: Vec<Value>,
    /// The URL of the next page, or "" when this is the last.
    pub more: String,
}

/// A position in the export: after this stored time and record id.
fn parse_cursor(cursor: &str) -> Result<(DateTime<Utc>, String), ApiError> {
    let bad = || ApiError::invalid("cursor", "Use the cursor exactly as given in `more`.");
    let (micros, id) = cursor.split_once('_').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    Ok((DateTime::from_timestamp_micros(micros).ok_or_else(bad)?, id.to_string()))
}

/// Learning records as xAPI statements (one per record; the statement id is the record
/// id), oldest stored first, in pages: follow `more` until it is empty. Admins read
/// everyone's; managers the people in the teams they manage. Roles: manager, admin.
#[utoipa::path(
    get, path = "/api/v1/export/xapi", tag = "learning",
    params(ExportQuery),
    responses(
        (status = 200, body = StatementPage),
        (status = 422, description = "`invalid_input`: a bad `limit` or `cursor`", body = app::api::ErrorBody),
        (status = 403, description = "`forbidden`: learners and authors", body = app::api::ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn export(
    State(state): State<AppState>,
    auth: Auth<Managers>,
    Query(query): Query<ExportQuery>,
) -> Result<Json<StatementPage>, ApiError> {
    let me: &User = auth.user();
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid("limit", format!("limit must be between 1 and {MAX_LIMIT}.")));
    }
    let people: Option<Vec<i64>> = match me.role {
        Role::Admin => None,
        _ => Some(users::people_for(&state.db, me).await?.into_iter().map(|p| p.id).collect()),
    };

    // A second answer to an assessment attempt is kept, not counted: not a statement.
    let mut find = learning_record::Entity::find().filter(learning_record::Column::Counted.eq(true));
    if let Some(people) = &people {
        find = find.filter(learning_record::Column::UserId.is_in(people.iter().copied()));
    }
    if let Some(since) = query.since {
        find = find.filter(learning_record::Column::ReceivedAt.gt(since));
    }
    if let Some(cursor) = &query.cursor {
        let (at, id) = parse_cursor(cursor)?;
        find = find.filter(Condition::any().add(learning_record::Column::ReceivedAt.gt(at)).add(
            Condition::all().add(learning_record::Column::ReceivedAt.eq(at)).add(learning_record::Column::Id.gt(id)),
        ));
    }
    let mut rows = find
        .order_by_asc(learning_record::Column::ReceivedAt)
        .order_by_asc(learning_record::Column::Id)
        .limit(limit + 1)
        .all(&state.db)
        .await?;
    let has_more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);

    let base = state.config.link_base.clone();
    let names: HashMap<i64, String> = if rows.is_empty() {
        HashMap::new()
    } else {
        user::Entity::find()
            .filter(user::Column::Id.is_in(rows.iter().map(|r| r.user_id).collect::<std::collections::HashSet<_>>()))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    };
    let versions: HashMap<(i64, i32), _> =
        super::load_versions(&state.db, rows.iter().map(|r| (r.module_id, r.module_version)))
            .await?
            .into_iter()
            .map(|(v, _)| ((v.module_id, v.version), v))
            .collect();
    let statements = rows
        .iter()
        .map(|r| {
            let module = versions.get(&(r.module_id, r.module_version));
            statement(
                r,
                &StatementContext {
                    base: &base,
                    learner_name: names.get(&r.user_id).map(String::as_str).unwrap_or(""),
                    module: module.map(|m| (m.title.as_str(), m.kind.as_str())),
                },
            )
        })
        .collect();
    let more = match rows.last() {
        // The cursor lies after `since`, so the next page needs only the cursor.
        Some(last) if has_more => {
            format!("/api/v1/export/xapi?limit={limit}&cursor={}_{}", last.received_at.timestamp_micros(), last.id)
        }
        _ => String::new(),
    };
    Ok(Json(StatementPage { statements, more }))
}
