//! Modules as authors work on them: a working copy (draft) that they save as often as
//! they like, and publishing, which freezes the working copy as the next immutable
//! version. Learners only ever see published versions.

use std::collections::HashMap;

use app::api::{
    Audience, ErrorBody, MediaRef, Module, ModuleContent, ModuleInput, ModuleKind, ModuleStatus, ModuleSummary,
    ProcessingState, Reviewers, module_rules as rules,
};
use axum::{extract::State, http::StatusCode};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};
use serde::Deserialize;

use super::{Saving, markdown};
use crate::reads::{Gate, Serve, respond};
use crate::{
    auth::{Auth, Authors},
    db::{
        self,
        columns::Undecodable,
        entities::{media, module, module_version},
    },
    error::{ApiError, Json, Path, Query},
    media::{MediaStore, media_ref},
    state::AppState,
};
use app::reads;

/// A module's working copy, checked and ready to store.
#[derive(Debug, Clone)]
pub struct Draft {
    pub kind: ModuleKind,
    pub title: String,
    pub summary: String,
    pub tags: Vec<String>,
    pub estimated_seconds: u32,
    pub language: String,
    pub content: ModuleContent,
    pub audience: Audience,
}

fn optional_id(id: &Option<String>) -> Option<String> {
    id.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_lowercase)
}

/// The content fields a body carries, from `content` (as `GET` returns it) or the flat
/// fields older clients send; `None` if it carries none.
#[derive(Default)]
struct ContentFields {
    video: Option<String>,
    poster: Option<String>,
    captions: Option<String>,
    body: Option<String>,
    questions: Option<Vec<app::api::Question>>,
    pass_percent: Option<u8>,
    draw: Option<u8>,
    prompt: Option<String>,
    max_seconds: Option<u32>,
    rubric: Option<app::api::Rubric>,
    reviewers: Option<Reviewers>,
    peer_reviews: Option<u8>,
}

fn content_fields(input: &ModuleInput, kind: ModuleKind) -> Result<Option<ContentFields>, ApiError> {
    let empty = ContentFields::default();
    if let Some(content) = &input.content {
        if content.kind() != kind {
            return Err(ApiError::invalid(
                "content",
                format!("The content is of a {} and the module a {}.", content.kind().label(), kind.label()),
            ));
        }
        return Ok(Some(match content.clone() {
            ModuleContent::Video { video_media_id, poster_media_id, captions_media_id, .. } => {
                ContentFields { video: video_media_id, poster: poster_media_id, captions: captions_media_id, ..empty }
            }
            ModuleContent::Tip { body_markdown, .. } => ContentFields { body: Some(body_markdown), ..empty },
            ModuleContent::Quiz { questions, pass_percent, draw } => {
                ContentFields { questions: Some(questions), pass_percent: Some(pass_percent), draw, ..empty }
            }
            ModuleContent::Practice { prompt, max_seconds, rubric, pass_percent, reviewers, peer_reviews } => {
                ContentFields {
                    prompt: Some(prompt),
                    max_seconds: Some(max_seconds),
                    rubric: Some(rubric),
                    pass_percent: Some(pass_percent),
                    reviewers: Some(reviewers),
                    peer_reviews: Some(peer_reviews),
                    ..empty
                }
            }
            ModuleContent::Unknown => {
                return Err(ApiError::invalid("content", "Primer doesn't know that kind of content."));
            }
        }));
    }
    let present = match kind {
        ModuleKind::Video => {
            input.video_media_id.is_some() || input.poster_media_id.is_some() || input.captions_media_id.is_some()
        }
        ModuleKind::Tip => input.body_markdown.is_some(),
        ModuleKind::Quiz => input.questions.is_some() || input.pass_percent.is_some(),
        ModuleKind::Practice => {
            input.prompt.is_some()
                || input.max_seconds.is_some()
                || input.rubric.is_some()
                || input.pass_percent.is_some()
                || input.reviewers.is_some()
                || input.peer_reviews.is_some()
        }
        ModuleKind::Unknown => false,
    };
    Ok(present.then(|| ContentFields {
        video: input.video_media_id.clone().flatten(),
        poster: input.poster_media_id.clone().flatten(),
        captions: input.captions_media_id.clone().flatten(),
        body: input.body_markdown.clone(),
        questions: input.questions.clone(),
        pass_percent: input.pass_percent,
        // Pools are new: only `content` carries one.
        draw: None,
        prompt: input.prompt.clone(),
        max_seconds: input.max_seconds,
        rubric: input.rubric.clone(),
        reviewers: input.reviewers,
        peer_reviews: input.peer_reviews,
    }))
}

/// Checks a working copy field by field (the shape, lengths, and that the media it
/// names exist and are of the right kind). Completeness is checked when publishing.
pub async fn parse_draft(db: &impl ConnectionTrait, input: ModuleInput, saving: Saving) -> Result<Draft, ApiError> {
    let choose_kind = || ApiError::invalid("kind", "Choose a kind: video, tip, quiz or practice.");
    let kind = input.kind.or(input.content.as_ref().map(ModuleContent::kind)).ok_or_else(choose_kind)?;
    if kind == ModuleKind::Unknown {
        return Err(choose_kind());
    }
    let fields = match content_fields(&input, kind)? {
        Some(fields) => fields,
        None if saving == Saving::New => ContentFields::default(),
        None => {
            return Err(ApiError::invalid(
                "content",
                "Send the module's content (as GET returns it, in `content`); saving without it would erase it.",
            ));
        }
    };
    let title = rules::module_title(&input.title)?;
    let summary = rules::module_summary(&input.summary)?;
    let tags = rules::tags(&input.tags)?;
    let language = rules::language(input.language.as_deref())?;
    let content = match kind {
        ModuleKind::Video => {
            let video = optional_id(&fields.video);
            let poster = optional_id(&fields.poster);
            let captions = optional_id(&fields.captions);
            check_media(db, "video_media_id", video.as_deref(), "video").await?;
            check_media(db, "poster_media_id", poster.as_deref(), "image").await?;
            check_media(db, "captions_media_id", captions.as_deref(), "captions").await?;
            ModuleContent::Video {
                video_media_id: video,
                poster_media_id: poster,
                captions_media_id: captions,
                renditions: Vec::new(),
            }
        }
        ModuleKind::Tip => {
            let body = rules::markdown(fields.body.as_deref().unwrap_or(""))?;
            let rendered = markdown::render(&body);
            for id in &rendered.media_ids {
                check_media(db, "body_markdown", Some(id), "image").await?;
            }
            ModuleContent::Tip { body_markdown: body, body_html: rendered.html }
        }
        ModuleKind::Quiz => {
            let draw = rules::draw(fields.draw)?;
            ModuleContent::Quiz {
                questions: rules::questions(fields.questions.as_deref().unwrap_or(&[]), draw)?,
                pass_percent: rules::pass_percent(fields.pass_percent.unwrap_or(80))?,
                draw,
            }
        }
        ModuleKind::Practice => ModuleContent::Practice {
            prompt: rules::practice_prompt(fields.prompt.as_deref().unwrap_or(""))?,
            max_seconds: rules::max_seconds(fields.max_seconds.unwrap_or(60))?,
            rubric: rules::rubric(&fields.rubric.unwrap_or(app::api::Rubric { scale_max: 4, criteria: Vec::new() }))?,
            pass_percent: rules::pass_percent(fields.pass_percent.unwrap_or(75))?,
            reviewers: match fields.reviewers.unwrap_or(Reviewers::Manager) {
                Reviewers::Unknown => {
                    return Err(ApiError::invalid("reviewers", "Choose who reviews takes: manager, peers or both."));
                }
                known => known,
            },
            peer_reviews: rules::peer_reviews(fields.peer_reviews.unwrap_or(2))?,
        },
        ModuleKind::Unknown => return Err(choose_kind()),
    };
    // A video's length is the natural estimate; elsewhere the author says.
    let estimated_seconds = match (&content, input.estimated_seconds) {
        (ModuleContent::Video { video_media_id: Some(id), .. }, 0) => {
            let video = media::Entity::find_by_id(id.clone()).one(db).await?;
            video.and_then(|v| v.duration_s).map(|d| d.ceil().max(1.0) as u32).unwrap_or(0)
        }
        (_, seconds) => seconds,
    };
    let estimated_seconds = rules::estimated_seconds(estimated_seconds)?;
    let audience = Audience {
        job_roles: input.audience.job_roles.iter().map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect(),
        team_ids: input.audience.team_ids.clone(),
    };
    Ok(Draft { kind, title, summary, tags, estimated_seconds, language, content, audience })
}

async fn check_media(
    db: &impl ConnectionTrait,
    field: &'static str,
    id: Option<&str>,
    kind: &str,
) -> Result<(), ApiError> {
    let Some(id) = id else { return Ok(()) };
    match media::Entity::find_by_id(id.to_string()).one(db).await? {
        Some(m) if m.kind == kind => Ok(()),
        Some(m) => Err(ApiError::invalid(
            field,
            format!("That file is {} {}, not {} {kind}.", article(&m.kind), m.kind, article(kind)),
        )),
        None => Err(ApiError::invalid(field, "That file isn't in Primer; upload it first.")),
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" }
}

/// The version number of the working copy.
fn working_version(m: &module::Model) -> i32 {
    match m.published_version {
        None => 1,
        Some(v) if m.has_unpublished_changes => v + 1,
        Some(v) => v,
    }
}

/// The media a module's content uses, in a stable order.
pub fn media_ids(content: &ModuleContent, poster_fallback: Option<&str>) -> Vec<String> {
    match content {
        ModuleContent::Video { video_media_id, poster_media_id, captions_media_id, .. } => {
            let poster = poster_media_id.clone().or(poster_fallback.map(str::to_string));
            [video_media_id.clone(), poster, captions_media_id.clone()].into_iter().flatten().collect()
        }
        ModuleContent::Tip { body_markdown, .. } => markdown::render(body_markdown).media_ids,
        ModuleContent::Quiz { .. } | ModuleContent::Practice { .. } | ModuleContent::Unknown => Vec::new(),
    }
}

/// What stops a working copy from being published, in words.
async fn problems(store: &MediaStore, db: &impl ConnectionTrait, m: &module::Model) -> Result<Vec<String>, ApiError> {
    let content = m.content()?;
    let mut problems = Vec::new();
    match &content {
        ModuleContent::Video { video_media_id: None, .. } => problems.push("Add the video.".to_string()),
        ModuleContent::Video { .. } => {}
        ModuleContent::Tip { body_markdown, .. } => {
            if body_markdown.trim().is_empty() {
                problems.push("Write the card.".to_string());
            }
            for url in markdown::render(body_markdown).foreign_images {
                problems.push(format!("Upload the image {url} to Primer, so the card works offline."));
            }
        }
        ModuleContent::Quiz { questions, draw, .. } => problems.extend(rules::quiz_problems(questions, *draw)),
        ModuleContent::Practice { prompt, rubric, .. } => problems.extend(rules::practice_problems(prompt, rubric)),
        // Never stored (db::columns refuses to read it).
        ModuleContent::Unknown => problems.push("Its content can't be read.".to_string()),
    }
    let ids = media_ids(&content, None);
    let found: HashMap<String, media::Model> =
        crate::media::find_many(db, &ids).await?.into_iter().map(|m| (m.sha256.clone(), m)).collect();
    for id in &ids {
        let missing = match found.get(id) {
            None => true,
            // A video dropped after its renditions were made: phones get those (checked
            // when publishing), so its own file isn't needed.
            Some(m) if m.dropped_at.is_some() => false,
            Some(_) => !store.contains(id).await.map_err(|e| ApiError::Internal(e.to_string()))?,
        };
        if missing {
            problems.push(format!("A file it uses is missing from the media store ({}…); upload it again.", &id[..12]));
        }
    }
    Ok(problems)
}

/// A module as authors see it.
pub async fn view(db: &impl ConnectionTrait, store: &MediaStore, m: module::Model) -> Result<Module, ApiError> {
    let content = m.content()?;
    let poster_fallback = video_poster(db, &content).await?;
    let ids = media_ids(&content, poster_fallback.as_deref());
    let media: Vec<MediaRef> = ordered_refs(db, &ids).await?;
    let problems = problems(store, db, &m).await?;
    Ok(Module {
        id: m.id,
        kind: m.kind()?,
        status: m.status()?,
        version: working_version(&m),
        published_version: m.published_version,
        has_unpublished_changes: m.has_unpublished_changes,
        title: m.title.clone(),
        summary: m.summary.clone(),
        tags: m.tags()?,
        estimated_seconds: m.estimated_seconds as u32,
        language: m.language.clone(),
        audience: m.audience()?,
        download_bytes: media.iter().map(|r| r.bytes).sum(),
        media,
        content,
        problems,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// For a video without its own poster: the frame taken from the video at upload.
async fn video_poster(db: &impl ConnectionTrait, content: &ModuleContent) -> Result<Option<String>, ApiError> {
    if let ModuleContent::Video { video_media_id: Some(id), poster_media_id: None, .. } = content {
        return Ok(media::Entity::find_by_id(id.clone()).one(db).await?.and_then(|v| v.poster_sha256));
    }
    Ok(None)
}

/// Media references in the order of `ids`.
pub async fn ordered_refs(db: &impl ConnectionTrait, ids: &[String]) -> Result<Vec<MediaRef>, ApiError> {
    let mut found: HashMap<String, media::Model> =
        crate::media::find_many(db, ids).await?.into_iter().map(|m| (m.sha256.clone(), m)).collect();
    Ok(ids.iter().filter_map(|id| found.remove(id)).map(media_ref).collect())
}

fn summary_of(m: &module::Model) -> Result<ModuleSummary, Undecodable> {
    Ok(ModuleSummary {
        id: m.id,
        kind: m.kind()?,
        status: m.status()?,
        version: working_version(m),
        published_version: m.published_version,
        has_unpublished_changes: m.has_unpublished_changes,
        title: m.title.clone(),
        summary: m.summary.clone(),
        tags: m.tags()?,
        estimated_seconds: m.estimated_seconds as u32,
        language: m.language.clone(),
        updated_at: m.updated_at,
    })
}

fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).expect("serialisable")
}

/// Creates a module from a checked draft.
pub async fn create(
    db: &impl ConnectionTrait,
    draft: Draft,
    by: Option<i64>,
    source_key: Option<String>,
) -> Result<module::Model, ApiError> {
    let now = db::now();
    Ok(module::ActiveModel {
        kind: Set(draft.kind.as_str().to_string()),
        status: Set(ModuleStatus::Draft.as_str().to_string()),
        title: Set(draft.title),
        summary: Set(draft.summary),
        tags: Set(json(&draft.tags)),
        estimated_seconds: Set(draft.estimated_seconds as i32),
        language: Set(draft.language),
        content: Set(json(&draft.content)),
        audience: Set(json(&draft.audience)),
        published_version: Set(None),
        has_unpublished_changes: Set(true),
        source_key: Set(source_key),
        created_by: Set(by),
        updated_by: Set(by),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Replaces a module's working copy. Learners keep seeing the published version.
pub async fn update(
    db: &impl ConnectionTrait,
    id: i64,
    draft: Draft,
    by: Option<i64>,
) -> Result<module::Model, ApiError> {
    let existing = module::Entity::find_by_id(id).one(db).await?.ok_or_else(|| ApiError::not_found("Module"))?;
    if existing.kind()? != draft.kind {
        return Err(ApiError::invalid("kind", "A module's kind can't change; make a new module instead."));
    }
    let changed = existing.title != draft.title
        || existing.summary != draft.summary
        || existing.tags != json(&draft.tags)
        || existing.estimated_seconds != draft.estimated_seconds as i32
        || existing.language != draft.language
        || existing.content != json(&draft.content)
        || existing.audience != json(&draft.audience);
    if !changed {
        return Ok(existing);
    }
    let mut active = existing.into_active_model();
    active.title = Set(draft.title);
    active.summary = Set(draft.summary);
    active.tags = Set(json(&draft.tags));
    active.estimated_seconds = Set(draft.estimated_seconds as i32);
    active.language = Set(draft.language);
    active.content = Set(json(&draft.content));
    active.audience = Set(json(&draft.audience));
    active.has_unpublished_changes = Set(true);
    active.updated_by = Set(by);
    active.updated_at = Set(db::now());
    Ok(active.update(db).await?)
}

/// Publishes the working copy as the next version (nothing new if it has no changes; an
/// archived module with no changes comes back as it was).
pub async fn publish(
    db: &DatabaseConnection,
    store: &MediaStore,
    id: i64,
    by: Option<i64>,
) -> Result<module::Model, ApiError> {
    let txn = db::begin_write(db).await?;
    let m = publish_in(&txn, store, id, by).await?;
    txn.commit().await?;
    Ok(m)
}

/// [`publish`], inside the caller's transaction.
pub async fn publish_in(
    txn: &impl ConnectionTrait,
    store: &MediaStore,
    id: i64,
    by: Option<i64>,
) -> Result<module::Model, ApiError> {
    let m = module::Entity::find_by_id(id).one(txn).await?.ok_or_else(|| ApiError::not_found("Module"))?;
    if !m.has_unpublished_changes && m.published_version.is_some() {
        let mut active = m.into_active_model();
        active.status = Set(ModuleStatus::Published.as_str().to_string());
        return Ok(active.update(txn).await?);
    }
    let problems = problems(store, txn, &m).await?;
    if !problems.is_empty() {
        return Err(ApiError::NotPublishable(format!("It can't be published yet: {}", problems.join(" "))));
    }
    let mut content = m.content()?;
    if let ModuleContent::Video { video_media_id: Some(video), .. } = &content {
        renditions_ready(txn, video).await?;
    }
    // A video without a chosen poster gets the frame taken from it at upload.
    if let Some(poster) = video_poster(txn, &content).await?
        && let ModuleContent::Video { poster_media_id, .. } = &mut content
    {
        *poster_media_id = Some(poster);
    }
    let ids = media_ids(&content, None);
    let media_bytes: i64 = crate::media::find_many(txn, &ids).await?.iter().map(|m| m.bytes).sum();
    let version = m.published_version.unwrap_or(0) + 1;
    let now = db::now();
    module_version::ActiveModel {
        module_id: Set(m.id),
        version: Set(version),
        kind: Set(m.kind.clone()),
        title: Set(m.title.clone()),
        summary: Set(m.summary.clone()),
        tags: Set(m.tags.clone()),
        estimated_seconds: Set(m.estimated_seconds),
        language: Set(m.language.clone()),
        content: Set(json(&content)),
        audience: Set(m.audience.clone()),
        media: Set(json(&ids)),
        media_bytes: Set(media_bytes),
        published_by: Set(by),
        published_at: Set(now),
    }
    .insert(txn)
    .await?;
    let mut active = m.into_active_model();
    active.status = Set(ModuleStatus::Published.as_str().to_string());
    active.published_version = Set(Some(version));
    active.has_unpublished_changes = Set(false);
    active.content = Set(json(&content));
    active.updated_at = Set(now);
    let m = active.update(txn).await?;
    tracing::info!(module_id = id, version, "module published");
    Ok(m)
}

/// A learner never gets a module whose video isn't ready for phones: refused
/// (`renditions_pending`) until both renditions are made, saying how it is going.
async fn renditions_ready(db: &impl ConnectionTrait, video: &str) -> Result<(), ApiError> {
    let have = crate::media::renditions::of(db, &[video.to_owned()]).await?.remove(video).unwrap_or_default();
    let processing = crate::media::renditions::processing(db, video, have.len()).await?;
    let message = match processing.state {
        ProcessingState::Ready => return Ok(()),
        ProcessingState::Running => format!(
            "The video is still being prepared for phones ({} %). Publish it when that is done.",
            (processing.progress.unwrap_or(0.0) * 100.0).floor()
        ),
        ProcessingState::Failed => format!(
            "The video couldn't be prepared for phones: {} Upload it again, or another file.",
            processing.error.unwrap_or_default()
        ),
        ProcessingState::Queued | ProcessingState::Unknown => {
            "The video is waiting to be prepared for phones. Publish it when that is done.".to_owned()
        }
    };
    Err(ApiError::RenditionsPending(message))
}

/// Withdraws a module from learners. Its versions (and what learners recorded) stay.
pub async fn archive(db: &impl ConnectionTrait, id: i64) -> Result<module::Model, ApiError> {
    let m = module::Entity::find_by_id(id).one(db).await?.ok_or_else(|| ApiError::not_found("Module"))?;
    let mut active = m.into_active_model();
    active.status = Set(ModuleStatus::Archived.as_str().to_string());
    active.updated_at = Set(db::now());
    Ok(active.update(db).await?)
}

/// Filters for `GET /api/v1/modules`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ModuleFilter {
    pub status: Option<ModuleStatus>,
    pub kind: Option<ModuleKind>,
    /// A tag, e.g. `product:Aurora`.
    pub tag: Option<String>,
    /// Part of the title or summary (any case).
    pub q: Option<String>,
}

/// Every module, newest change first.
pub async fn list(db: &impl ConnectionTrait, filter: &ModuleFilter) -> Result<Vec<ModuleSummary>, ApiError> {
    let mut query = module::Entity::find().order_by_desc(module::Column::UpdatedAt).order_by_desc(module::Column::Id);
    if let Some(status) = filter.status {
        query = query.filter(module::Column::Status.eq(status.as_str()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(module::Column::Kind.eq(kind.as_str()));
    }
    let q = filter.q.as_deref().map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
    let tag = filter.tag.as_deref().map(str::trim).filter(|t| !t.is_empty());
    Ok(query
        .all(db)
        .await?
        .iter()
        .filter_map(|m| summary_of(m).inspect_err(Undecodable::log_hidden).ok())
        .filter(|m| tag.is_none_or(|t| m.tags.iter().any(|x| x.eq_ignore_ascii_case(t))))
        .filter(|m| {
            q.as_deref().is_none_or(|q| m.title.to_lowercase().contains(q) || m.summary.to_lowercase().contains(q))
        })
        .collect())
}

/// Every module with where it stands (filter by status, kind, tag, text).
/// Roles: author, admin.
#[utoipa::path(
    get, path = "/api/v1/modules", tag = "authoring",
    params(ModuleFilter),
    responses((status = 200, body = Vec<ModuleSummary>), (status = 403, description = "`forbidden`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn list_modules(
    State(state): State<AppState>,
    _who: Gate<reads::Modules>,
    Query(filter): Query<ModuleFilter>,
) -> Result<Json<Vec<ModuleSummary>>, ApiError> {
    Ok(Json(list(&state.db, &filter).await?))
}

/// Create a module (a draft). Roles: author, admin.
#[utoipa::path(
    post, path = "/api/v1/modules", tag = "authoring",
    request_body = ModuleInput,
    responses(
        (status = 201, description = "Created as a draft (version 1)", body = Module),
        (status = 422, description = "`invalid_input`, naming the field", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn create_module(
    State(state): State<AppState>,
    auth: Auth<Authors>,
    Json(input): Json<ModuleInput>,
) -> Result<(StatusCode, Json<Module>), ApiError> {
    let draft = parse_draft(&state.db, input, Saving::New).await?;
    let m = create(&state.db, draft, Some(auth.user().id), None).await?;
    Ok((StatusCode::CREATED, Json(view(&state.db, &state.media, m).await?)))
}

/// One module: its working copy, where it stands, and what stops it being published.
/// Roles: author, admin.
#[utoipa::path(
    get, path = "/api/v1/modules/{id}", tag = "authoring",
    params(("id" = i64, Path, description = "Module id")),
    responses((status = 200, body = Module), (status = 404, description = "`not_found`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn get_module(
    State(state): State<AppState>,
    who: Gate<reads::Module>,
    Path(id): Path<i64>,
) -> Result<Json<Module>, ApiError> {
    respond(&state, who, reads::Module { id }).await
}

/// The page's read of every module: the route without filters.
impl Serve for reads::Modules {
    type Access = Auth<Authors>;
    async fn serve(self, state: &AppState, _: Auth<Authors>) -> Result<Vec<ModuleSummary>, ApiError> {
        list(&state.db, &ModuleFilter::default()).await
    }
}

impl Serve for reads::Module {
    type Access = Auth<Authors>;
    async fn serve(self, state: &AppState, _: Auth<Authors>) -> Result<Module, ApiError> {
        let m =
            module::Entity::find_by_id(self.id).one(&state.db).await?.ok_or_else(|| ApiError::not_found("Module"))?;
        view(&state.db, &state.media, m).await
    }
}

/// Save the working copy (the whole of it). A published module keeps serving its
/// published version to learners until this is published. Roles: author, admin.
#[utoipa::path(
    put, path = "/api/v1/modules/{id}", tag = "authoring",
    params(("id" = i64, Path, description = "Module id")),
    request_body = ModuleInput,
    responses(
        (status = 200, body = Module),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_input`, naming the field", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn update_module(
    State(state): State<AppState>,
    auth: Auth<Authors>,
    Path(id): Path<i64>,
    Json(input): Json<ModuleInput>,
) -> Result<Json<Module>, ApiError> {
    let draft = parse_draft(&state.db, input, Saving::Whole).await?;
    let m = update(&state.db, id, draft, Some(auth.user().id)).await?;
    Ok(Json(view(&state.db, &state.media, m).await?))
}

/// Publish the working copy as the next version. Roles: author, admin.
#[utoipa::path(
    post, path = "/api/v1/modules/{id}/publish", tag = "authoring",
    params(("id" = i64, Path, description = "Module id")),
    responses(
        (status = 200, body = Module),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`not_publishable`: incomplete, or its media is missing; `renditions_pending`: its video is not ready for phones yet", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
pub async fn publish_module(
    State(state): State<AppState>,
    auth: Auth<Authors>,
    Path(id): Path<i64>,
) -> Result<Json<Module>, ApiError> {
    let m = publish(&state.db, &state.media, id, Some(auth.user().id)).await?;
    Ok(Json(view(&state.db, &state.media, m).await?))
}

/// Withdraw a module from learners (publishing brings it back). Roles: author, admin.
#[utoipa::path(
    post, path = "/api/v1/modules/{id}/archive", tag = "authoring",
    params(("id" = i64, Path, description = "Module id")),
    responses((status = 200, body = Module), (status = 404, description = "`not_found`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn archive_module(
    State(state): State<AppState>,
    _auth: Auth<Authors>,
    Path(id): Path<i64>,
) -> Result<Json<Module>, ApiError> {
    let m = archive(&state.db, id).await?;
    Ok(Json(view(&state.db, &state.media, m).await?))
}

/// The latest published version of a module, if it has one.
pub async fn latest_version(
    db: &impl ConnectionTrait,
    m: &module::Model,
) -> Result<Option<module_version::Model>, ApiError> {
    let Some(version) = m.published_version else { return Ok(None) };
    Ok(module_version::Entity::find_by_id((m.id, version)).one(db).await?)
}
