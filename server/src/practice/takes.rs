//! Takes: the recordings people make of practice modules. A take is media like any other
//! (content-addressed, with renditions for phones), but it is its person's: only they,
//! admins, managers of their team and, when the module asks teammates to review, their
//! teammates may fetch it. Authors may not: they see modules, not people's rehearsals.

use app::api::{ModuleContent, Reviewers, Role, User};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::{
    db::{
        self,
        entities::{media, module, module_version, rendition, take, upload, user},
    },
    error::ApiError,
    media::human_bytes,
};

/// How much longer than the module's longest take a take may be, by the file's own
/// measure (a recorder stops at the limit; a container's length runs a little over).
pub const SLACK_SECONDS: u32 = 2;

/// A take as a practice submission is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub module_id: i64,
    /// Its length by the server's probe of the file, rounded.
    pub seconds: u32,
}

/// Which of these media ids are `user_id`'s takes (two queries, whatever the number).
pub async fn known(
    db: &impl ConnectionTrait,
    user_id: i64,
    media_ids: &[String],
) -> Result<std::collections::HashMap<String, Known>, ApiError> {
    if media_ids.is_empty() {
        return Ok(Default::default());
    }
    let takes = take::Entity::find()
        .filter(take::Column::UserId.eq(user_id))
        .filter(take::Column::MediaSha256.is_in(media_ids.to_vec()))
        .all(db)
        .await?;
    let ids: Vec<String> = takes.iter().map(|t| t.media_sha256.clone()).collect();
    let lengths: std::collections::HashMap<String, Option<f64>> =
        crate::media::find_many(db, &ids).await?.into_iter().map(|m| (m.sha256, m.duration_s)).collect();
    Ok(takes
        .into_iter()
        .filter_map(|t| {
            // A take without a length (not a probed video) can't be checked: left out.
            let seconds = lengths.get(&t.media_sha256).copied().flatten()?;
            Some((t.media_sha256, Known { module_id: t.module_id, seconds: seconds.round().max(0.0) as u32 }))
        })
        .collect())
}

/// The practice module a take is said to be of (its id as sent), if `user` may open it:
/// anything else is a 404, as if it weren't there.
pub async fn practice_module(db: &impl ConnectionTrait, user: &User, raw_id: &str) -> Result<i64, ApiError> {
    let not_found = || ApiError::not_found("Practice module");
    let id: i64 = raw_id.trim().parse().map_err(|_| not_found())?;
    let module = crate::modules::catalog::module_for(db, user, id).await.map_err(|_| not_found())?;
    if module.kind != app::api::ModuleKind::Practice {
        return Err(not_found());
    }
    Ok(id)
}

/// Notes that `media` is `user_id`'s take of `module_id` (the same bytes again: once).
pub async fn record(
    db: &impl ConnectionTrait,
    user_id: i64,
    module_id: i64,
    media: &media::Model,
) -> Result<(), ApiError> {
    let row = take::ActiveModel {
        user_id: Set(user_id),
        media_sha256: Set(media.sha256.clone()),
        module_id: Set(module_id),
        bytes: Set(media.bytes),
        created_at: Set(db::now()),
        ..Default::default()
    };
    take::Entity::insert(row)
        .on_conflict_do_nothing_on([take::Column::UserId, take::Column::MediaSha256])
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// What a person's takes take up: the takes stored, and the uploads still coming in at
/// their whole size.
pub async fn used(db: &impl ConnectionTrait, user_id: i64) -> Result<u64, ApiError> {
    // Summed here rather than by SUM(), whose type differs by database (PostgreSQL's is
    // NUMERIC); a person has a few hundred takes at most.
    let takes: Vec<i64> = take::Entity::find()
        .select_only()
        .column(take::Column::Bytes)
        .filter(take::Column::UserId.eq(user_id))
        .into_tuple()
        .all(db)
        .await?;
    let uploading: Vec<i64> = upload::Entity::find()
        .select_only()
        .column(upload::Column::Length)
        .filter(upload::Column::UserId.eq(user_id))
        .filter(upload::Column::MediaSha256.is_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(takes.iter().chain(&uploading).map(|&b| b.max(0) as u64).sum())
}

/// Refuses a new take of `bytes` that would pass the person's quota.
pub async fn check_quota(db: &impl ConnectionTrait, user_id: i64, bytes: u64, quota: u64) -> Result<(), ApiError> {
    let used = used(db, user_id).await?;
    if used.saturating_add(bytes) > quota {
        return Err(ApiError::QuotaExceeded(format!(
            "Your takes already use {} of the {} you have, and this one ({}) doesn't fit. Delete takes you no longer need, or ask your administrator for more room.",
            human_bytes(used),
            human_bytes(quota),
            human_bytes(bytes)
        )));
    }
    Ok(())
}

/// Whose take a file is, if it is one: the take itself, one of its renditions, or the
/// poster frame of either. Answers the take's rows (the same bytes may be two people's).
pub async fn owners_of(db: &impl ConnectionTrait, sha256: &str) -> Result<Vec<take::Model>, ApiError> {
    // The file itself, the video a rendition was made from, and the videos whose poster it is.
    let mut candidates = vec![sha256.to_string()];
    let sources: Vec<String> = rendition::Entity::find()
        .select_only()
        .column(rendition::Column::SourceSha256)
        .filter(rendition::Column::MediaSha256.eq(sha256))
        .into_tuple()
        .all(db)
        .await?;
    candidates.extend(sources);
    let postered: Vec<String> = media::Entity::find()
        .select_only()
        .column(media::Column::Sha256)
        .filter(media::Column::PosterSha256.eq(sha256))
        .into_tuple()
        .all(db)
        .await?;
    if !postered.is_empty() {
        // A rendition's poster: the rendition's source too.
        let sources: Vec<String> = rendition::Entity::find()
            .select_only()
            .column(rendition::Column::SourceSha256)
            .filter(rendition::Column::MediaSha256.is_in(postered.clone()))
            .into_tuple()
            .all(db)
            .await?;
        candidates.extend(postered);
        candidates.extend(sources);
    }
    Ok(take::Entity::find().filter(take::Column::MediaSha256.is_in(candidates)).all(db).await?)
}

/// Whether `viewer` may see a take: its person, admins, managers of the person's team,
/// and the person's teammates when the module asks peers to review, or when a reviewer
/// featured it for the team with the person's consent.
pub async fn may_see(db: &impl ConnectionTrait, viewer: &User, take: &take::Model) -> Result<bool, ApiError> {
    Ok(sight(db, viewer, take).await? != Sight::None)
}

/// How a viewer may see a take (see [`may_see`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    None,
    /// As its person, an admin, a manager or a peer reviewer: for as long as they are.
    Lasting,
    /// As a teammate, only while it is featured: its person may withdraw their consent at
    /// any moment, so this is never remembered (each request asks again).
    WhileFeatured,
}

/// How `viewer` may see `take`.
pub async fn sight(db: &impl ConnectionTrait, viewer: &User, take: &take::Model) -> Result<Sight, ApiError> {
    if viewer.id == take.user_id || viewer.role == Role::Admin {
        return Ok(Sight::Lasting);
    }
    let Some(owner) = user::Entity::find_by_id(take.user_id).one(db).await? else { return Ok(Sight::None) };
    let Some(team) = owner.team_id else { return Ok(Sight::None) };
    if viewer.role == Role::Manager && viewer.manages.iter().any(|t| t.id == team) {
        return Ok(Sight::Lasting);
    }
    if viewer.team_id != Some(team) {
        return Ok(Sight::None);
    }
    if matches!(reviewers_of(db, take.module_id).await?, Some(Reviewers::Peers | Reviewers::Both)) {
        return Ok(Sight::Lasting);
    }
    // Featured for this team, its person still active, and never for authors (they see
    // modules, not people's rehearsals).
    let featured = is_featured(take) && take.featured_team_id == Some(team) && owner.active;
    Ok(if featured && viewer.role != Role::Author { Sight::WhileFeatured } else { Sight::None })
}

/// Whether a take shows to its person's team: featured, and its person still agrees.
pub fn is_featured(take: &take::Model) -> bool {
    take.shared_at.is_some() && take.featured_at.is_some()
}

/// Where a take stands for the team.
pub fn sharing_of(take: &take::Model) -> app::api::TakeSharing {
    app::api::TakeSharing {
        media_id: take.media_sha256.clone(),
        shared: take.shared_at.is_some(),
        featured: is_featured(take),
    }
}

/// The consent given by submissions just stored (each its take and when it was given):
/// the take may be featured, unless its person decided otherwise since.
pub async fn consent_given(
    db: &impl ConnectionTrait,
    user_id: i64,
    given: &[(String, chrono::DateTime<chrono::Utc>)],
) -> Result<(), ApiError> {
    use sea_orm::{Condition, sea_query::Expr};
    for (media_id, at) in given {
        // A take shared already keeps its first date (and its feature, if any); one not
        // shared starts unfeatured.
        take::Entity::update_many()
            .col_expr(take::Column::SharedAt, Expr::value(*at))
            .col_expr(take::Column::ConsentChangedAt, Expr::value(*at))
            .col_expr(take::Column::FeaturedAt, Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None))
            .col_expr(take::Column::FeaturedBy, Expr::value(Option::<i64>::None))
            .col_expr(take::Column::FeaturedTeamId, Expr::value(Option::<i64>::None))
            .filter(take::Column::UserId.eq(user_id))
            .filter(take::Column::MediaSha256.eq(media_id.as_str()))
            .filter(take::Column::SharedAt.is_null())
            .filter(
                Condition::any()
                    .add(take::Column::ConsentChangedAt.is_null())
                    .add(take::Column::ConsentChangedAt.lt(*at)),
            )
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Gives or withdraws the signed-in person's consent that a reviewer may feature one of
/// their takes for their team; withdrawing also stops it being featured (a reviewer may
/// feature it again only after a new yes). Roles: its person.
#[utoipa::path(
    put, path = "/api/v1/me/takes/{id}", tag = "practice",
    params(("id" = String, Path, description = "The take's media id")),
    request_body = app::api::TakeConsent,
    responses(
        (status = 200, description = "Where the take stands", body = app::api::TakeSharing),
        (status = 404, description = "`not_found`: no take of this person's", body = app::api::ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn put_take(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    auth: crate::auth::Auth<crate::auth::AnyRole>,
    crate::error::Path(media_id): crate::error::Path<String>,
    crate::error::Json(input): crate::error::Json<app::api::TakeConsent>,
) -> Result<axum::Json<app::api::TakeSharing>, ApiError> {
    let user_id = auth.user().id;
    let txn = db::begin_write(&state.db).await?;
    let mut row: take::ActiveModel = take::Entity::find_by_id((user_id, media_id.clone()))
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("Take"))?
        .into();
    let now = db::now();
    row.consent_changed_at = Set(Some(now));
    let was_shared = !matches!(row.shared_at, sea_orm::ActiveValue::Unchanged(None));
    if !(input.shared && was_shared) {
        // A new yes starts unfeatured (a reviewer features it again); a no ends the
        // feature. A yes given again keeps the first date and the feature.
        row.shared_at = Set(input.shared.then_some(now));
        row.featured_by = Set(None);
        row.featured_at = Set(None);
        row.featured_team_id = Set(None);
    }
    let row = sea_orm::ActiveModelTrait::update(row, &txn).await?;
    txn.commit().await?;
    tracing::info!(user_id, take = %row.media_sha256, shared = input.shared, "take's consent changed");
    Ok(axum::Json(sharing_of(&row)))
}

/// The takes featured for `teams` that `viewer` may see on Home (not their own), newest
/// first: who, of which module, and the take's data-saver rendition once made.
pub async fn featured_among(
    db: &impl ConnectionTrait,
    viewer: &User,
    teams: &[i64],
) -> Result<Vec<app::api::FeaturedTake>, ApiError> {
    use sea_orm::{QueryOrder, sea_query::Query};
    // Authors see modules, not people's rehearsals.
    if teams.is_empty() || viewer.role == Role::Author {
        return Ok(Vec::new());
    }
    let members = Query::select()
        .column(user::Column::Id)
        .from(user::Entity)
        .and_where(user::Column::TeamId.is_in(teams.to_vec()))
        .and_where(user::Column::Active.eq(true))
        .to_owned();
    let featured = take::Entity::find()
        .filter(take::Column::UserId.in_subquery(members))
        .filter(take::Column::UserId.ne(viewer.id))
        .filter(take::Column::SharedAt.is_not_null())
        .filter(take::Column::FeaturedAt.is_not_null())
        .filter(take::Column::FeaturedTeamId.is_in(teams.to_vec()))
        .order_by_desc(take::Column::FeaturedAt)
        .order_by_asc(take::Column::MediaSha256)
        // A few more than shown: those of people since moved to another of these teams
        // are left out below.
        .limit(4 * app::api::FEATURED_SHOWN as u64)
        .all(db)
        .await?;
    if featured.is_empty() {
        return Ok(Vec::new());
    }
    let people: std::collections::HashMap<i64, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(featured.iter().map(|t| t.user_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    // Featured for the team its person is in now.
    let featured: Vec<take::Model> = featured
        .into_iter()
        .filter(|t| people.get(&t.user_id).is_some_and(|u| u.team_id.is_some() && u.team_id == t.featured_team_id))
        .take(app::api::FEATURED_SHOWN)
        .collect();
    let names: std::collections::HashMap<i64, String> = people.into_iter().map(|(id, u)| (id, u.name)).collect();
    let mut titles = std::collections::HashMap::new();
    for m in
        module::Entity::find().filter(module::Column::Id.is_in(featured.iter().map(|t| t.module_id))).all(db).await?
    {
        // The title learners were shown: the published version's.
        let title = match m.published_version {
            Some(v) => module_version::Entity::find_by_id((m.id, v)).one(db).await?.map(|v| v.title),
            None => None,
        };
        titles.insert(m.id, title.unwrap_or(m.title));
    }
    let sources: Vec<String> = featured.iter().map(|t| t.media_sha256.clone()).collect();
    let renditions = crate::media::renditions::of(db, &sources).await?;
    Ok(featured
        .into_iter()
        .map(|t| {
            let small = renditions
                .get(&t.media_sha256)
                .and_then(|r| r.iter().find(|r| r.quality == app::api::Quality::DataSaver))
                .map(|r| r.url.clone());
            app::api::FeaturedTake {
                name: names.get(&t.user_id).cloned().unwrap_or_default(),
                title: titles.get(&t.module_id).cloned().unwrap_or_default(),
                url: small.unwrap_or_else(|| app::api::media_url(&t.media_sha256)),
            }
        })
        .collect())
}

/// Who reviews a practice module's takes, by its latest published version (`None`: not
/// a published practice module).
async fn reviewers_of(db: &impl ConnectionTrait, module_id: i64) -> Result<Option<Reviewers>, ApiError> {
    let Some(m) = module::Entity::find_by_id(module_id).one(db).await? else { return Ok(None) };
    let Some(version) = m.published_version else { return Ok(None) };
    let Some(v) = module_version::Entity::find_by_id((module_id, version)).one(db).await? else { return Ok(None) };
    Ok(match v.content()? {
        ModuleContent::Practice { reviewers, .. } => Some(reviewers),
        _ => None,
    })
}

/// Deletes one of the signed-in person's takes that no review has scored yet (and its
/// file, when nothing else uses it). Its submissions stay in their history but no longer
/// wait for review. Roles: its person.
#[utoipa::path(
    delete, path = "/api/v1/me/takes/{id}", tag = "practice",
    params(("id" = String, Path, description = "The take's media id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "`not_found`: no take of this person's", body = app::api::ErrorBody),
        (status = 409, description = "`already_reviewed`: a reviewed take stays with its feedback", body = app::api::ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn delete_take(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    auth: crate::auth::Auth<crate::auth::AnyRole>,
    crate::error::Path(media_id): crate::error::Path<String>,
) -> Result<axum::http::StatusCode, ApiError> {
    delete(&state.db, &state.media, auth.user().id, &media_id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Deletes `user_id`'s take `media_id` if no review has scored it (a reviewed take stays
/// with its feedback), and then its file, renditions and posters when nothing else uses
/// them (another person's take of the same bytes, a module). The rows go in one
/// transaction; the bytes after it, so nothing refers to bytes that are gone.
pub async fn delete(
    db: &sea_orm::DatabaseConnection,
    store: &crate::media::MediaStore,
    user_id: i64,
    media_id: &str,
) -> Result<(), ApiError> {
    use crate::db::entities::learning_record;
    if media_id.len() != 64 || !media_id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(ApiError::not_found("Take"));
    }
    let txn = db::begin_write(db).await?;
    let deleted = take::Entity::delete_many()
        .filter(take::Column::UserId.eq(user_id))
        .filter(take::Column::MediaSha256.eq(media_id))
        .exec(&txn)
        .await?
        .rows_affected;
    if deleted == 0 {
        return Err(ApiError::not_found("Take"));
    }
    // Its submissions (a submission is `about` its take), and whether any was reviewed.
    let submissions: Vec<String> = learning_record::Entity::find()
        .select_only()
        .column(learning_record::Column::Id)
        .filter(learning_record::Column::UserId.eq(user_id))
        .filter(learning_record::Column::Kind.eq(app::api::RecordKind::PracticeSubmission.as_str()))
        .filter(learning_record::Column::About.eq(media_id))
        .into_tuple()
        .all(&txn)
        .await?;
    if !submissions.is_empty() {
        let reviewed = learning_record::Entity::find()
            .filter(learning_record::Column::Kind.eq(app::api::RecordKind::PracticeReview.as_str()))
            .filter(learning_record::Column::About.is_in(submissions))
            .one(&txn)
            .await?;
        if reviewed.is_some() {
            return Err(ApiError::AlreadyReviewed);
        }
    }
    let mut gone = Vec::new();
    let used_elsewhere = take::Entity::find().filter(take::Column::MediaSha256.eq(media_id)).one(&txn).await?.is_some()
        || in_content(&txn, media_id).await?;
    if !used_elsewhere {
        gone = drop_media(&txn, media_id).await?;
    }
    txn.commit().await?;
    for sha in &gone {
        if let Err(e) = store.delete(sha).await {
            // Unreferenced bytes are only space; the rows are what count.
            tracing::warn!(error = %e, sha256 = %sha, "could not delete a take's file from the store");
        }
    }
    Ok(())
}

/// Whether a module's draft or a published version names this file.
async fn in_content(db: &impl ConnectionTrait, sha256: &str) -> Result<bool, ApiError> {
    use sea_orm::sea_query::Expr;
    // Written into the SQL, so only ever a hash (checked by the caller; again here).
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(true);
    }
    let in_version = module_version::Entity::find()
        .filter(Expr::cust(format!("CAST(media AS TEXT) LIKE '%{sha256}%'")))
        .one(db)
        .await?
        .is_some();
    let in_draft = module::Entity::find()
        .filter(Expr::cust(format!("CAST(content AS TEXT) LIKE '%{sha256}%'")))
        .one(db)
        .await?
        .is_some();
    Ok(in_version || in_draft)
}

/// Deletes a video's rows (its renditions, their posters and its own poster unless
/// another file shares them) and answers the files to delete from the store.
async fn drop_media(db: &impl ConnectionTrait, sha256: &str) -> Result<Vec<String>, ApiError> {
    let renditions: Vec<String> = rendition::Entity::find()
        .select_only()
        .column(rendition::Column::MediaSha256)
        .filter(rendition::Column::SourceSha256.eq(sha256))
        .into_tuple()
        .all(db)
        .await?;
    rendition::Entity::delete_many().filter(rendition::Column::SourceSha256.eq(sha256)).exec(db).await?;
    let mut files: Vec<String> = renditions.clone();
    files.push(sha256.to_string());
    let posters: Vec<String> =
        crate::media::find_many(db, &files).await?.into_iter().filter_map(|m| m.poster_sha256).collect();
    media::Entity::delete_many().filter(media::Column::Sha256.is_in(files.clone())).exec(db).await?;
    for poster in posters {
        // The same frame may be another video's poster too (content-addressed).
        let shared =
            media::Entity::find().filter(media::Column::PosterSha256.eq(poster.clone())).one(db).await?.is_some();
        if !shared && !files.contains(&poster) {
            media::Entity::delete_many().filter(media::Column::Sha256.eq(poster.clone())).exec(db).await?;
            files.push(poster);
        }
    }
    Ok(files)
}
