//! User accounts: listing, creating, editing, deactivating, and one-time password links.

use std::collections::HashMap;

use app::api::{
    ErrorBody, NewUser, PasswordResetLink, Role, TeamRef, User, UserPatch,
    messages::MessageKind,
    validate::{self, Email},
};
use axum::{extract::State, http::StatusCode};
use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, ExprTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Select, TransactionSession, TransactionTrait,
    sea_query::{Expr, Func, LikeExpr},
};
use serde::Deserialize;

use crate::reads::{Gate, Serve};
use crate::{
    auth::{Admins, Auth, Managers, password, reset, session},
    db::{
        self,
        entities::{password_reset, team, team_manager, user},
    },
    error::{ApiError, Json, Path, Query},
    messages::{self, NewMessage},
    state::AppState,
};
use app::reads;

/// Turns stored accounts into their API form, loading teams in two queries for all.
pub async fn views(db: &impl ConnectionTrait, accounts: Vec<user::Model>) -> Result<Vec<User>, DbErr> {
    let ids: Vec<i64> = accounts.iter().map(|a| a.id).collect();
    let managed = team_manager::Entity::find()
        .filter(team_manager::Column::UserId.is_in(ids))
        .find_also_related(team::Entity)
        .all(db)
        .await?;
    let team_ids: Vec<i64> = accounts.iter().filter_map(|a| a.team_id).collect();
    let team_names: HashMap<i64, String> = team::Entity::find()
        .filter(team::Column::Id.is_in(team_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let mut manages: HashMap<i64, Vec<TeamRef>> = HashMap::new();
    for (link, team) in managed {
        if let Some(team) = team {
            manages.entry(link.user_id).or_default().push(TeamRef { id: team.id, name: team.name });
        }
    }
    Ok(accounts
        .into_iter()
        .map(|a| {
            let mut teams = manages.remove(&a.id).unwrap_or_default();
            teams.sort_by(|x, y| x.name.cmp(&y.name));
            User {
                id: a.id,
                role: role_of(&a),
                team: a.team_id.and_then(|id| team_names.get(&id).cloned()),
                email: a.email,
                name: a.name,
                job_role: a.job_role,
                team_id: a.team_id,
                manages: teams,
                time_zone: a.time_zone,
                start_date: a.start_date,
                active: a.active,
                has_password: a.password_hash.is_some(),
                created_at: a.created_at,
                hide_from_leaderboards: a.hide_from_leaderboards,
            }
        })
        .collect())
}

/// One account in its API form.
pub async fn view(db: &impl ConnectionTrait, account: user::Model) -> Result<User, DbErr> {
    Ok(views(db, vec![account]).await?.pop().expect("one in, one out"))
}

/// The stored role. One that can't be read allows nothing ([`Role::Unknown`] is in no
/// policy): failing closed, never defaulting to some role.
fn role_of(account: &user::Model) -> Role {
    account.role.parse().unwrap_or_else(|_| {
        tracing::error!(user_id = account.id, role = %account.role, "unreadable role stored; it allows nothing");
        Role::Unknown
    })
}

/// A new account, checked.
#[derive(Debug, Clone)]
pub struct UserDraft {
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub job_role: Option<String>,
    pub team_id: Option<i64>,
    pub manages: Vec<i64>,
    pub start_date: Option<NaiveDate>,
    pub time_zone: String,
    pub password: Option<String>,
}

impl UserDraft {
    /// Checks what can be checked without the database.
    pub fn parse(input: NewUser) -> Result<UserDraft, ApiError> {
        let role = validate::role(input.role)?;
        let manages = dedup(input.manages);
        if role != Role::Manager && !manages.is_empty() {
            return Err(ApiError::invalid("manages", "Only managers are responsible for teams."));
        }
        Ok(UserDraft {
            email: Email::parse(&input.email)?,
            name: validate::display_name(&input.name)?,
            role,
            job_role: validate::job_role(input.job_role.as_deref())?,
            team_id: input.team_id,
            manages,
            start_date: input.start_date,
            time_zone: super::parse_time_zone(input.time_zone.as_deref().unwrap_or("UTC"))?,
            password: input.password.map(|p| validate::new_password("password", &p)).transpose()?,
        })
    }
}

fn dedup(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Checks that teams exist, naming the field at fault.
async fn check_teams(db: &impl ConnectionTrait, field: &'static str, ids: &[i64]) -> Result<(), ApiError> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = team::Entity::find().filter(team::Column::Id.is_in(ids.to_vec())).count(db).await?;
    if found != ids.len() as u64 {
        return Err(ApiError::invalid(field, "That team does not exist (any more)."));
    }
    Ok(())
}

/// Creates an account. The password (if any) is hashed before the transaction starts.
pub async fn create<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    hasher: &password::Hasher,
    draft: UserDraft,
) -> Result<User, ApiError> {
    let password_hash = match draft.password.clone() {
        Some(p) => Some(hasher.hash(p).await?),
        None => None,
    };
    let txn = crate::db::begin_write(db).await?;
    let account = insert(&txn, &draft, password_hash).await?;
    let user = view(&txn, account).await?;
    txn.commit().await?;
    tracing::info!(user_id = user.id, role = %user.role, "account created");
    Ok(user)
}

/// Inserts an account and its team responsibilities (inside the caller's transaction).
pub async fn insert(
    txn: &impl ConnectionTrait,
    draft: &UserDraft,
    password_hash: Option<String>,
) -> Result<user::Model, ApiError> {
    check_teams(txn, "team_id", draft.team_id.as_slice()).await?;
    check_teams(txn, "manages", &draft.manages).await?;
    let now = db::now();
    let account = user::ActiveModel {
        email: Set(draft.email.as_str().to_owned()),
        name: Set(draft.name.clone()),
        role: Set(draft.role.as_str().to_owned()),
        job_role: Set(draft.job_role.clone()),
        team_id: Set(draft.team_id),
        time_zone: Set(draft.time_zone.clone()),
        start_date: Set(draft.start_date),
        active: Set(true),
        password_hash: Set(password_hash),
        created_at: Set(now),
        updated_at: Set(now),
        hide_from_leaderboards: Set(false),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| {
        if db::is_unique_violation(&e) { ApiError::EmailTaken(draft.email.as_str().to_owned()) } else { e.into() }
    })?;
    set_manages(txn, account.id, &draft.manages).await?;
    Ok(account)
}

async fn set_manages(txn: &impl ConnectionTrait, user_id: i64, teams: &[i64]) -> Result<(), DbErr> {
    team_manager::Entity::delete_many().filter(team_manager::Column::UserId.eq(user_id)).exec(txn).await?;
    if !teams.is_empty() {
        team_manager::Entity::insert_many(
            teams.iter().map(|&team_id| team_manager::ActiveModel { user_id: Set(user_id), team_id: Set(team_id) }),
        )
        .exec(txn)
        .await?;
    }
    Ok(())
}

/// Applies a change to an account. `by` is the admin making it. Deactivating ends the
/// account's sessions; Primer always keeps at least one active admin.
pub async fn update<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    id: i64,
    patch: UserPatch,
    by: Option<i64>,
) -> Result<User, ApiError> {
    let txn = crate::db::begin_write(db).await?;
    let account = user::Entity::find_by_id(id).one(&txn).await?.ok_or_else(|| ApiError::not_found("Person"))?;
    let was_active_admin = account.active && role_of(&account) == Role::Admin;
    let current_role = role_of(&account);
    let mut active = account.clone().into_active_model();

    if let Some(email) = &patch.email {
        active.email = Set(Email::parse(email)?.into_inner());
    }
    if let Some(name) = &patch.name {
        active.name = Set(validate::display_name(name)?);
    }
    let role = match patch.role {
        Some(role) => {
            let role = validate::role(role)?;
            active.role = Set(role.as_str().to_owned());
            role
        }
        None => current_role,
    };
    if let Some(job_role) = &patch.job_role {
        active.job_role = Set(validate::job_role(job_role.as_deref())?);
    }
    if let Some(team_id) = patch.team_id {
        check_teams(&txn, "team_id", team_id.as_slice()).await?;
        active.team_id = Set(team_id);
    }
    if let Some(start_date) = patch.start_date {
        active.start_date = Set(start_date);
    }
    if let Some(tz) = &patch.time_zone {
        active.time_zone = Set(super::parse_time_zone(tz)?);
    }
    let deactivating = patch.active == Some(false) && account.active;
    if let Some(is_active) = patch.active {
        if !is_active && by == Some(id) {
            return Err(ApiError::invalid("active", "You can't deactivate your own account."));
        }
        active.active = Set(is_active);
    }
    let stays_active_admin = role == Role::Admin && patch.active.unwrap_or(account.active);
    if was_active_admin && !stays_active_admin {
        let mut admins = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::Role.eq(Role::Admin.as_str()))
            .filter(user::Column::Active.eq(true));
        if txn.get_database_backend() == DbBackend::Postgres {
            // Lock the admins' rows, so two admins can't both step down at the same moment.
            // (SQLite's write transactions already run one at a time.)
            admins = admins.lock_exclusive();
        }
        let admin_ids: Vec<i64> = admins.into_tuple().all(&txn).await?;
        if !admin_ids.iter().any(|&other| other != id) {
            return Err(ApiError::LastAdmin);
        }
    }
    // Responsibilities: only managers have them; a role change away from manager drops them.
    match (&patch.manages, role) {
        (Some(teams), Role::Manager) => {
            let teams = dedup(teams.clone());
            check_teams(&txn, "manages", &teams).await?;
            set_manages(&txn, id, &teams).await?;
        }
        (Some(teams), _) if !teams.is_empty() => {
            return Err(ApiError::invalid("manages", "Only managers are responsible for teams."));
        }
        (_, Role::Manager) => {}
        _ => set_manages(&txn, id, &[]).await?,
    }
    active.updated_at = Set(db::now());
    let new_email = active.email.clone().unwrap();
    let account = active
        .update(&txn)
        .await
        .map_err(|e| if db::is_unique_violation(&e) { ApiError::EmailTaken(new_email) } else { e.into() })?;
    if deactivating {
        let ended = session::end_all_for_user(&txn, id, None).await?;
        // A link made before must not work again if the account is reactivated.
        password_reset::Entity::delete_many().filter(password_reset::Column::UserId.eq(id)).exec(&txn).await?;
        tracing::info!(user_id = id, sessions_ended = ended, "account deactivated");
    }
    let user = view(&txn, account).await?;
    txn.commit().await?;
    Ok(user)
}

/// Filters for `GET /api/v1/users`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// Part of a name or email address (any case).
    pub q: Option<String>,
    pub role: Option<Role>,
    pub team_id: Option<i64>,
    pub active: Option<bool>,
}

/// Accounts matching a filter, by name.
pub async fn list(db: &impl ConnectionTrait, filter: &UserFilter) -> Result<Vec<User>, ApiError> {
    let mut query = user::Entity::find().order_by_asc(user::Column::Name).order_by_asc(user::Column::Id);
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", q.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let like = |col: user::Column| {
            Expr::expr(Func::lower(Expr::col(col))).like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        query = query.filter(Condition::any().add(like(user::Column::Name)).add(like(user::Column::Email)));
    }
    if let Some(role) = filter.role {
        query = query.filter(user::Column::Role.eq(role.as_str()));
    }
    if let Some(team_id) = filter.team_id {
        query = query.filter(user::Column::TeamId.eq(team_id));
    }
    if let Some(active) = filter.active {
        query = query.filter(user::Column::Active.eq(active));
    }
    Ok(views(db, query.all(db).await?).await?)
}

/// People as reports and oversight see them: active, not the viewer themself, and, if
/// `teams` is given, in those teams. The one rule for "the people someone looks after".
pub fn people_in(query: Select<user::Entity>, viewer_id: i64, teams: Option<&[i64]>) -> Select<user::Entity> {
    let query = query.filter(user::Column::Active.eq(true)).filter(user::Column::Id.ne(viewer_id));
    match teams {
        Some(teams) => query.filter(user::Column::TeamId.is_in(teams.iter().copied())),
        None => query,
    }
}

/// The people a manager is responsible for, as a query: the active members of the teams
/// they manage (admins: everyone active), without the viewer themself.
fn responsible_for(viewer: &User) -> Select<user::Entity> {
    let managed: Vec<i64> = viewer.manages.iter().map(|t| t.id).collect();
    let teams = (viewer.role != Role::Admin).then_some(managed.as_slice());
    people_in(user::Entity::find(), viewer.id, teams)
}

/// The people a manager is responsible for (admins: everyone active), by name.
pub async fn people_for(db: &impl ConnectionTrait, viewer: &User) -> Result<Vec<User>, ApiError> {
    let people = responsible_for(viewer).order_by_asc(user::Column::Name).all(db).await?;
    Ok(views(db, people).await?)
}

/// Whether `viewer` (a manager or admin) is responsible for the person `person_id`.
pub async fn is_responsible_for(db: &impl ConnectionTrait, viewer: &User, person_id: i64) -> Result<bool, ApiError> {
    if !Role::MANAGERS.contains(&viewer.role) {
        return Ok(false);
    }
    Ok(responsible_for(viewer).filter(user::Column::Id.eq(person_id)).count(db).await? > 0)
}

/// Every account (filterable). Roles: admin.
#[utoipa::path(
    get, path = "/api/v1/users", tag = "people",
    params(UserFilter),
    responses(
        (status = 200, body = Vec<User>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn list_users(
    State(state): State<AppState>,
    _who: Gate<reads::Users>,
    Query(filter): Query<UserFilter>,
) -> Result<Json<Vec<User>>, ApiError> {
    Ok(Json(list(&state.db, &filter).await?))
}

/// The page's read of every account: the route without filters.
impl Serve for reads::Users {
    type Access = Auth<Admins>;
    async fn serve(self, state: &AppState, _: Auth<Admins>) -> Result<Vec<User>, ApiError> {
        list(&state.db, &UserFilter::default()).await
    }
}

/// Create an account. Without a password, make a one-time link next
/// (`POST /api/v1/users/{id}/password-reset`) for the person to set their own.
/// Roles: admin.
#[utoipa::path(
    post, path = "/api/v1/users", tag = "people",
    request_body = NewUser,
    responses(
        (status = 201, description = "Created", body = User),
        (status = 409, description = "`email_taken`", body = ErrorBody),
        (status = 422, description = "`invalid_input`", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn create_user(
    State(state): State<AppState>,
    _auth: Auth<Admins>,
    Json(body): Json<NewUser>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let draft = UserDraft::parse(body)?;
    Ok((StatusCode::CREATED, Json(create(&state.db, &state.hasher, draft).await?)))
}

/// One account. Roles: admin.
#[utoipa::path(
    get, path = "/api/v1/users/{id}", tag = "people",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, body = User), (status = 404, description = "`not_found`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn get_user(
    State(state): State<AppState>,
    _auth: Auth<Admins>,
    Path(id): Path<i64>,
) -> Result<Json<User>, ApiError> {
    let account = user::Entity::find_by_id(id).one(&state.db).await?.ok_or_else(|| ApiError::not_found("Person"))?;
    Ok(Json(view(&state.db, account).await?))
}

/// Change an account: only the fields sent change. `"active": false` deactivates it and
/// ends its sessions. Roles: admin.
#[utoipa::path(
    patch, path = "/api/v1/users/{id}", tag = "people",
    params(("id" = i64, Path, description = "Account id")),
    request_body = UserPatch,
    responses(
        (status = 200, body = User),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`email_taken` or `last_admin`", body = ErrorBody),
        (status = 422, description = "`invalid_input`", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn update_user(
    State(state): State<AppState>,
    auth: Auth<Admins>,
    Path(id): Path<i64>,
    Json(patch): Json<UserPatch>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(update(&state.db, id, patch, Some(auth.user().id)).await?))
}

/// Make a one-time link for the person to set a password (earlier links stop working).
/// When Primer sends email, the link is emailed to the person (202: it is made as the
/// message is written, and only they get it); otherwise it is answered (201) for the
/// admin to hand over. Roles: admin.
#[utoipa::path(
    post, path = "/api/v1/users/{id}/password-reset", tag = "people",
    params(("id" = i64, Path, description = "Account id")),
    responses(
        (status = 201, description = "The link, to hand over (no email)", body = PasswordResetLink),
        (status = 202, description = "The link is being emailed (`emailed_to`)", body = PasswordResetLink),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_input`: the account is deactivated", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn create_password_reset(
    State(state): State<AppState>,
    auth: Auth<Admins>,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<PasswordResetLink>), ApiError> {
    let account = user::Entity::find_by_id(id).one(&state.db).await?.ok_or_else(|| ApiError::not_found("Person"))?;
    if !account.active {
        return Err(ApiError::invalid("active", "Reactivate the account before making a link."));
    }
    let valid_hours = (state.config.reset_link_ttl.as_secs() / 3600) as u32;
    if state.mail.is_some() {
        let replaced_earlier = reset::has_usable_link(&state.db, id).await?;
        let kind = if account.password_hash.is_some() { MessageKind::PasswordReset } else { MessageKind::Invitation };
        messages::queue(
            &state.db,
            NewMessage {
                // Each request is its own message: an admin asking again means send again.
                key: format!("password-link:{id}:{}", uuid::Uuid::now_v7().simple()),
                user_id: id,
                to_address: account.email.clone(),
                kind,
                created_by: Some(auth.user().id),
                payload: None,
                send_at: None,
            },
        )
        .await?;
        state.jobs.wake();
        let emailed = PasswordResetLink {
            url: None,
            emailed_to: Some(account.email),
            expires_at: None,
            valid_hours,
            replaced_earlier,
        };
        return Ok((StatusCode::ACCEPTED, Json(emailed)));
    }
    let link =
        reset::create_link(&state.db, &state.config.link_base, state.config.reset_link_ttl, id, Some(auth.user().id))
            .await?;
    let link = PasswordResetLink {
        url: Some(link.url),
        emailed_to: None,
        expires_at: Some(link.expires_at),
        valid_hours,
        replaced_earlier: link.replaced_earlier,
    };
    Ok((StatusCode::CREATED, Json(link)))
}

/// The people the signed-in manager is responsible for (admins: everyone).
/// Roles: manager, admin.
#[utoipa::path(
    get, path = "/api/v1/me/people", tag = "people",
    responses((status = 200, body = Vec<User>), (status = 403, description = "`forbidden`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn my_people(State(state): State<AppState>, auth: Auth<Managers>) -> Result<Json<Vec<User>>, ApiError> {
    Ok(Json(people_for(&state.db, auth.user()).await?))
}
