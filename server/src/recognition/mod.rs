//! Recognition: streaks (days in a row with a completed module, in the learner's time
//! zone), a team leaderboard of the last 30 days, and who on the team recently got
//! certified. All of it from synced records; learners can hide themselves, and admins
//! can turn a team's leaderboard off.

use std::collections::{HashMap, HashSet};

use app::api::{
    ErrorBody, LEADERBOARD_DAYS, Leaderboard, LeaderboardEntry, Preferences, RECENTLY_CERTIFIED_DAYS,
    RecentlyCertified, Recognition, RecordKind, Role, TeamRef, User, streak,
};
use axum::extract::State;
use chrono::{DateTime, TimeDelta, Utc};
use futures_util::StreamExt;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    sea_query::{Expr, IntoCondition},
};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::reads::{Gate, Serve, respond};
use crate::{
    accounts::date_in,
    auth::{AnyRole, Auth},
    db::{
        self,
        entities::{certificate, learning_record, team, user},
    },
    error::{ApiError, Json, Query},
    state::AppState,
};
use app::reads;

/// `/api/v1/leaderboard`, `/api/v1/me/recognition` and `/api/v1/me/preferences`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_leaderboard))
        .routes(routes!(my_recognition))
        .routes(routes!(update_preferences))
}

/// How many recently certified people the home screen lists.
const RECENTLY_CERTIFIED_SHOWN: u64 = 10;

/// Records that complete a module: a completion, or a passed quiz.
fn completes_a_module() -> Condition {
    Condition::any().add(learning_record::Column::Kind.eq(RecordKind::Completion.as_str())).add(
        Condition::all()
            .add(learning_record::Column::Kind.eq(RecordKind::QuizAttempt.as_str()))
            .add(learning_record::Column::Passed.eq(true)),
    )
}

/// Per person (`people`: a condition on `learning_records.user_id`), when they completed
/// which module: (module, when), from their records.
async fn completions_of(
    db: &DatabaseConnection,
    people: Condition,
) -> Result<HashMap<i64, Vec<(i64, DateTime<Utc>)>>, ApiError> {
    let mut rows = learning_record::Entity::find()
        .select_only()
        .columns([
            learning_record::Column::UserId,
            learning_record::Column::ModuleId,
            learning_record::Column::OccurredAt,
        ])
        .filter(people)
        .filter(completes_a_module())
        .into_tuple::<(i64, i64, DateTime<Utc>)>()
        .stream(db)
        .await?;
    let mut out: HashMap<i64, Vec<(i64, DateTime<Utc>)>> = HashMap::new();
    while let Some(row) = rows.next().await {
        let (user_id, module_id, at) = row?;
        out.entry(user_id).or_default().push((module_id, at));
    }
    Ok(out)
}

/// A person's streak on `now`, from their completions, in their time zone.
fn streak_of(time_zone: &str, completions: &[(i64, DateTime<Utc>)], now: DateTime<Utc>) -> app::api::Streak {
    streak(completions.iter().map(|(_, at)| date_in(time_zone, *at)), date_in(time_zone, now))
}

/// Which team's leaderboard.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeaderboardQuery {
    /// A team: your own, one you manage, or any (admins). Default: your own team (a
    /// manager without one: the first they manage).
    pub team_id: Option<i64>,
}

/// The teams a person may see a leaderboard of: their own and those they manage (admins:
/// all).
async fn visible_teams(db: &DatabaseConnection, viewer: &User) -> Result<Vec<TeamRef>, ApiError> {
    if viewer.role == Role::Admin {
        let all = team::Entity::find().order_by_asc(team::Column::Name).all(db).await?;
        return Ok(all.into_iter().map(|t| TeamRef { id: t.id, name: t.name }).collect());
    }
    let mut teams: Vec<TeamRef> = viewer
        .team_id
        .zip(viewer.team.clone())
        .map(|(id, name)| TeamRef { id, name })
        .into_iter()
        .chain(if viewer.role == Role::Manager { viewer.manages.clone() } else { Vec::new() })
        .collect();
    let mut seen = HashSet::new();
    teams.retain(|t| seen.insert(t.id));
    Ok(teams)
}

/// Ranks entries: most modules completed first, then the longer streak; equal figures
/// share a place ("1, 1, 3").
fn rank(entries: &mut [LeaderboardEntry]) {
    entries.sort_by(|a, b| {
        (b.completed, b.streak)
            .cmp(&(a.completed, a.streak))
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    let mut place = 0;
    let mut previous = None;
    for (i, e) in entries.iter_mut().enumerate() {
        if previous != Some((e.completed, e.streak)) {
            place = i as u32 + 1;
            previous = Some((e.completed, e.streak));
        }
        e.rank = place;
    }
}

/// A team's leaderboard as `viewer` sees it.
pub async fn leaderboard(
    db: &DatabaseConnection,
    viewer: &User,
    team_id: Option<i64>,
) -> Result<Leaderboard, ApiError> {
    let teams = visible_teams(db, viewer).await?;
    let chosen = match team_id {
        Some(id) => match teams.iter().find(|t| t.id == id) {
            Some(t) => Some(t.clone()),
            None if viewer.role == Role::Admin => return Err(ApiError::not_found("Team")),
            None => return Err(ApiError::Forbidden),
        },
        None => teams.first().cloned(),
    };
    let empty = |team, enabled| Leaderboard {
        team,
        enabled,
        days: LEADERBOARD_DAYS,
        entries: Vec::new(),
        you_hidden: viewer.hide_from_leaderboards,
        teams: teams.clone(),
    };
    let Some(chosen) = chosen else { return Ok(empty(None, true)) };
    let enabled = team::Entity::find_by_id(chosen.id).one(db).await?.is_some_and(|t| t.leaderboard_enabled);
    if !enabled {
        return Ok(empty(Some(chosen), false));
    }

    // Members who don't hide: their completions (all of them, for the streak).
    let members = user::Entity::find()
        .filter(user::Column::TeamId.eq(chosen.id))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::HideFromLeaderboards.eq(false));
    let people: Vec<user::Model> = members.clone().all(db).await?;
    let ids = members.select_only().column(user::Column::Id).into_query();
    let mut completions = completions_of(db, learning_record::Column::UserId.in_subquery(ids).into_condition()).await?;
    let now = db::now();
    let since = now - TimeDelta::days(i64::from(LEADERBOARD_DAYS));
    let mut entries: Vec<LeaderboardEntry> = people
        .into_iter()
        .filter_map(|p| {
            let done = completions.remove(&p.id)?;
            let recent: HashSet<i64> = done.iter().filter(|(_, at)| *at >= since).map(|(m, _)| *m).collect();
            (!recent.is_empty()).then(|| LeaderboardEntry {
                rank: 0,
                user_id: p.id,
                completed: recent.len() as u32,
                streak: streak_of(&p.time_zone, &done, now).current,
                you: p.id == viewer.id,
                name: p.name,
            })
        })
        .collect();
    rank(&mut entries);
    Ok(Leaderboard { entries, ..empty(Some(chosen), true) })
}

/// A team's leaderboard of the last 30 days: modules completed (each once) and current
/// streak, for members who don't hide themselves. An admin can turn a team's leaderboard
/// off (`enabled: false`, nobody listed). Learners see their own team; managers also the
/// teams they manage (403 for others); admins any team.
#[utoipa::path(
    get, path = "/api/v1/leaderboard", tag = "readiness",
    params(LeaderboardQuery),
    responses(
        (status = 200, body = Leaderboard),
        (status = 403, description = "`forbidden`: not a team of yours", body = ErrorBody),
        (status = 404, description = "`not_found`: no such team (admins)", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn get_leaderboard(
    State(state): State<AppState>,
    who: Gate<reads::Leaderboard>,
    Query(query): Query<LeaderboardQuery>,
) -> Result<Json<Leaderboard>, ApiError> {
    respond(&state, who, reads::Leaderboard { team_id: query.team_id }).await
}

impl Serve for reads::Leaderboard {
    type Access = Auth<AnyRole>;
    async fn serve(self, state: &AppState, who: Auth<AnyRole>) -> Result<Leaderboard, ApiError> {
        leaderboard(&state.db, who.user(), self.team_id).await
    }
}

/// The signed-in person's streak, who on their teams recently got certified, and their
/// teammates' featured takes.
pub async fn recognition(db: &DatabaseConnection, viewer: &User) -> Result<Recognition, ApiError> {
    let now = db::now();
    let own = completions_of(db, learning_record::Column::UserId.eq(viewer.id).into_condition())
        .await?
        .remove(&viewer.id)
        .unwrap_or_default();
    let streak = streak_of(&viewer.time_zone, &own, now);

    // Admins may look at every team's leaderboard, but their home celebrates their own team.
    let teams: Vec<i64> = if viewer.role == Role::Admin {
        viewer.team_id.into_iter().collect()
    } else {
        visible_teams(db, viewer).await?.into_iter().map(|t| t.id).collect()
    };
    let mut recently_certified = Vec::new();
    if !teams.is_empty() {
        let teammates = user::Entity::find()
            .filter(user::Column::TeamId.is_in(teams.clone()))
            .filter(user::Column::Active.eq(true))
            .filter(user::Column::HideFromLeaderboards.eq(false));
        let ids = teammates.select_only().column(user::Column::Id).into_query();
        let recent = certificate::Entity::find()
            .filter(certificate::Column::UserId.in_subquery(ids))
            .filter(certificate::Column::IssuedAt.gte(now - TimeDelta::days(RECENTLY_CERTIFIED_DAYS)))
            .order_by_desc(certificate::Column::IssuedAt)
            .order_by_desc(certificate::Column::Id)
            .limit(RECENTLY_CERTIFIED_SHOWN)
            .all(db)
            .await?;
        // Names of the (at most ten) people listed, not of the whole team.
        let names: HashMap<i64, String> = user::Entity::find()
            .select_only()
            .columns([user::Column::Id, user::Column::Name])
            .filter(user::Column::Id.is_in(recent.iter().map(|c| c.user_id)))
            .into_tuple::<(i64, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        recently_certified = recent
            .into_iter()
            .map(|c| RecentlyCertified {
                name: names.get(&c.user_id).cloned().unwrap_or_default(),
                you: c.user_id == viewer.id,
                user_id: c.user_id,
                certification_title: c.certification_title,
                issued_at: c.issued_at,
            })
            .collect();
    }
    let featured = crate::practice::takes::featured_among(db, viewer, &teams).await?;
    Ok(Recognition { streak, recently_certified, featured })
}

/// Your streak (days in a row with a completed module, in your time zone, from synced
/// records), who on your team got certified in the last 30 days (people who hide
/// from leaderboards aren't listed), and teammates' takes a reviewer featured with their
/// consent. Roles: everyone.
#[utoipa::path(
    get, path = "/api/v1/me/recognition", tag = "readiness",
    responses((status = 200, body = Recognition)),
    security(("primer_session" = []))
)]
pub async fn my_recognition(
    State(state): State<AppState>,
    who: Gate<reads::Recognition>,
) -> Result<Json<Recognition>, ApiError> {
    respond(&state, who, reads::Recognition).await
}

impl Serve for reads::Recognition {
    type Access = Auth<AnyRole>;
    async fn serve(self, state: &AppState, who: Auth<AnyRole>) -> Result<Recognition, ApiError> {
        recognition(&state.db, who.user()).await
    }
}

/// Your preferences: `hide_from_leaderboards` keeps you off your team's leaderboard and
/// its "recently certified" list. Roles: everyone.
#[utoipa::path(
    put, path = "/api/v1/me/preferences", tag = "readiness",
    request_body = Preferences,
    responses(
        (status = 200, body = Preferences),
        (status = 400, description = "`malformed_request`", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn update_preferences(
    State(state): State<AppState>,
    auth: Auth<AnyRole>,
    Json(body): Json<Preferences>,
) -> Result<Json<Preferences>, ApiError> {
    let id = auth.user().id;
    user::Entity::update_many()
        .col_expr(user::Column::HideFromLeaderboards, Expr::value(body.hide_from_leaderboards))
        .filter(user::Column::Id.eq(id))
        .exec(&state.db)
        .await?;
    tracing::info!(user_id = id, hide = body.hide_from_leaderboards, "preferences changed");
    Ok(Json(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, completed: u32, streak: u32) -> LeaderboardEntry {
        LeaderboardEntry { rank: 0, user_id: 0, name: name.into(), completed, streak, you: false }
    }

    #[test]
    fn equal_figures_share_a_place() {
        let mut list =
            vec![entry("Cy", 3, 1), entry("ab", 5, 0), entry("Bo", 3, 1), entry("Di", 3, 4), entry("Ed", 1, 9)];
        rank(&mut list);
        let ranked: Vec<(&str, u32)> = list.iter().map(|e| (e.name.as_str(), e.rank)).collect();
        assert_eq!(ranked, [("ab", 1), ("Di", 2), ("Bo", 3), ("Cy", 3), ("Ed", 5)]);
    }
}
