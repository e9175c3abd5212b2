//! Media: uploading (streamed to disk, hashed as it arrives, typed from its bytes,
//! limited while streaming), storing content-addressed, and serving to signed-in people
//! with byte ranges and long-lived caching.

pub mod probe;
pub mod renditions;
pub mod sniff;
pub mod store;

use std::{path::Path as FsPath, time::Duration};

use app::api::{ErrorBody, Media, MediaRef, media_url};
use axum::{
    body::Body,
    extract::{DefaultBodyLimit, Multipart, Request, State, multipart::Field},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;
use tokio::io::AsyncWriteExt;
use tower::ServiceExt;
use tower_http::services::ServeFile;
use utoipa_axum::{router::OpenApiRouter, routes};

pub use sniff::{MediaKind, Sniffed};
pub use store::MediaStore;

use crate::practice::takes::Sight;
use crate::{
    auth::{AnyRole, Auth, Authors},
    db::{self, entities::media},
    error::{ApiError, Path},
    state::AppState,
};

/// How long a presigned S3 URL stays valid; the redirect to it is cached for less.
const PRESIGNED_FOR: Duration = Duration::from_secs(15 * 60);
const REDIRECT_CACHED_FOR: Duration = Duration::from_secs(10 * 60);
/// How long a presigned URL to a featured take lasts for a teammate (their right ends
/// when its person withdraws consent).
const REVOCABLE_FOR: Duration = Duration::from_secs(60);

/// `POST /api/v1/media` and `GET /media/{id}`.
pub fn router(state: &AppState) -> OpenApiRouter<AppState> {
    // The body may be as large as the largest allowed file, plus the multipart framing;
    // the real limit per type is enforced while streaming.
    let largest = state.media.limits.video.max(state.media.limits.image).max(state.media.limits.captions);
    OpenApiRouter::new()
        .routes(routes!(upload))
        .layer(DefaultBodyLimit::max(usize::try_from(largest).unwrap_or(usize::MAX).saturating_add(64 << 10)))
        .routes(routes!(serve))
        .routes(routes!(describe))
}

/// A file received from an upload, not yet stored.
pub struct Received {
    pub file: NamedTempFile,
    pub sha256: String,
    pub bytes: u64,
    pub sniffed: Sniffed,
}

fn limit_for(store: &MediaStore, kind: MediaKind) -> u64 {
    match kind {
        MediaKind::Video => store.limits.video,
        MediaKind::Image => store.limits.image,
        MediaKind::Captions => store.limits.captions,
    }
}

fn too_large(kind: MediaKind, limit: u64) -> ApiError {
    ApiError::TooLarge(format!(
        "This {} is larger than the limit of {}. Make it smaller (shorter, or exported at a lower quality) and try again.",
        match kind {
            MediaKind::Video => "video",
            MediaKind::Image => "image",
            MediaKind::Captions => "captions file",
        },
        human_bytes(limit)
    ))
}

/// A size for people: "1 GiB", "10 MiB", "512 KiB".
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// How much of a media file is read at a time while serving it.
const MEDIA_READ_CHUNK: usize = 256 * 1024;

fn unsupported() -> ApiError {
    ApiError::UnsupportedMediaType(
        "That file is not one Primer can use: it takes MP4, WebM or QuickTime videos, PNG, JPEG or WebP images, and WebVTT captions.".into(),
    )
}

/// Streams one file to a temporary file on disk, hashing it and telling its type from its
/// first bytes. Refuses it as soon as it passes its type's limit. If anything fails (or
/// the client goes away), the temporary file is deleted.
pub async fn receive<S>(store: &MediaStore, mut next_chunk: S) -> Result<Received, ApiError>
where
    S: AsyncChunks,
{
    let file = store.temp_file().map_err(|e| ApiError::Internal(format!("temporary file: {e}")))?;
    let mut out = tokio::fs::File::create(file.path()).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut hasher = Sha256::new();
    let mut bytes: u64 = 0;
    let mut head: Vec<u8> = Vec::with_capacity(sniff::SNIFF_BYTES);
    let mut sniffed: Option<Sniffed> = None;
    let largest = store.limits.video.max(store.limits.image).max(store.limits.captions);
    while let Some(chunk) = next_chunk.next_chunk().await? {
        bytes += chunk.len() as u64;
        if sniffed.is_none() && head.len() < sniff::SNIFF_BYTES {
            let take = (sniff::SNIFF_BYTES - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
            if head.len() >= sniff::SNIFF_BYTES {
                sniffed = Some(sniff::sniff(&head).ok_or_else(unsupported)?);
            }
        }
        match sniffed {
            Some(s) if bytes > limit_for(store, s.kind) => return Err(too_large(s.kind, limit_for(store, s.kind))),
            None if bytes > largest => return Err(unsupported()),
            _ => {}
        }
        hasher.update(&chunk);
        out.write_all(&chunk).await.map_err(|e| ApiError::Internal(format!("writing upload: {e}")))?;
    }
    if bytes == 0 {
        return Err(ApiError::EmptyUpload);
    }
    let sniffed = match sniffed {
        Some(s) => s,
        None => sniff::sniff(&head).ok_or_else(unsupported)?,
    };
    if bytes > limit_for(store, sniffed.kind) {
        return Err(too_large(sniffed.kind, limit_for(store, sniffed.kind)));
    }
    // On disk before anything refers to it.
    out.sync_all().await.map_err(|e| ApiError::Internal(e.to_string()))?;
    drop(out);
    Ok(Received { file, sha256: hex::encode(hasher.finalize()), bytes, sniffed })
}

/// A source of upload chunks (a multipart field, or a file for imports).
pub trait AsyncChunks: Send {
    fn next_chunk(&mut self) -> impl Future<Output = Result<Option<bytes::Bytes>, ApiError>> + Send;
}

impl AsyncChunks for Field<'_> {
    async fn next_chunk(&mut self) -> Result<Option<bytes::Bytes>, ApiError> {
        self.chunk().await.map_err(|e| {
            ApiError::Malformed(format!("The upload was cut off or malformed ({e}). Nothing was kept; try again."))
        })
    }
}

/// Reads a file from disk in chunks (for `primer import`).
pub struct FileChunks(pub tokio::fs::File);

impl AsyncChunks for FileChunks {
    async fn next_chunk(&mut self) -> Result<Option<bytes::Bytes>, ApiError> {
        use tokio::io::AsyncReadExt;
        let mut buffer = vec![0u8; 256 << 10];
        let n = self.0.read(&mut buffer).await.map_err(|e| ApiError::Internal(e.to_string()))?;
        buffer.truncate(n);
        Ok((n > 0).then(|| bytes::Bytes::from(buffer)))
    }
}

/// Whether an upload made something new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    Created,
    AlreadyThere,
}

/// Checks what is inside a received file, stores it (a video's poster frame too) and
/// records it. The same bytes again return the stored record.
pub async fn ingest(
    db: &DatabaseConnection,
    store: &MediaStore,
    received: Received,
    original_name: Option<String>,
    uploaded_by: Option<i64>,
) -> Result<(media::Model, Stored), ApiError> {
    if let Some(existing) = media::Entity::find_by_id(received.sha256.clone()).one(db).await? {
        // Stored before; the store may have lost the bytes (e.g. a restore), or they were
        // dropped after the renditions were made: put them back.
        if existing.dropped_at.is_some() || !store.contains(&existing.sha256).await.map_err(internal)? {
            store.put_file(&existing.sha256, received.file).await.map_err(internal)?;
        }
        if existing.dropped_at.is_some() {
            let mut back = existing.into_active_model();
            back.dropped_at = Set(None);
            return Ok((back.update(db).await?, Stored::AlreadyThere));
        }
        return Ok((existing, Stored::AlreadyThere));
    }
    let path = received.file.path().to_owned();
    let (mut duration_s, mut width, mut height, mut poster_sha256) = (None, None, None, None);
    match received.sniffed.kind {
        MediaKind::Video => {
            let info = probe::video(&path).await?;
            (duration_s, width, height) = (Some(info.duration_s), Some(info.width), Some(info.height));
            poster_sha256 = Some(Box::pin(poster_for(db, store, &path, info.duration_s, uploaded_by)).await?);
        }
        MediaKind::Image => {
            let (w, h) = probe::image(&path).await?;
            (width, height) = (Some(w), Some(h));
        }
        MediaKind::Captions => probe::captions(&path).await?,
    }
    store.put_file(&received.sha256, received.file).await.map_err(internal)?;
    let record = media::ActiveModel {
        sha256: Set(received.sha256.clone()),
        kind: Set(received.sniffed.kind.as_str().to_string()),
        content_type: Set(received.sniffed.content_type.to_string()),
        bytes: Set(received.bytes as i64),
        duration_s: Set(duration_s),
        width: Set(width),
        height: Set(height),
        poster_sha256: Set(poster_sha256),
        original_name: Set(original_name.map(|n| n.chars().take(255).collect())),
        uploaded_by: Set(uploaded_by),
        created_at: Set(db::now()),
        dropped_at: Set(None),
    };
    match record.insert(db).await {
        Ok(model) => {
            tracing::info!(sha256 = %model.sha256, kind = %model.kind, bytes = model.bytes, "media stored");
            Ok((model, Stored::Created))
        }
        // The same bytes arrived twice at once: the other upload recorded them.
        Err(e) if db::is_unique_violation(&e) => {
            let existing = media::Entity::find_by_id(received.sha256).one(db).await?.ok_or(e)?;
            Ok((existing, Stored::AlreadyThere))
        }
        Err(e) => Err(e.into()),
    }
}

/// Stores an uploaded (or imported) file, and for a video asks for its renditions (once:
/// the same video again asks for nothing new).
pub async fn accept(
    db: &DatabaseConnection,
    store: &MediaStore,
    received: Received,
    original_name: Option<String>,
    uploaded_by: Option<i64>,
) -> Result<(media::Model, Stored), ApiError> {
    let (model, stored) = ingest(db, store, received, original_name, uploaded_by).await?;
    // (A rendition uploaded back, byte for byte, is one already.)
    if model.kind == MediaKind::Video.as_str() && !renditions::is_rendition(db, &model.sha256).await? {
        renditions::request(db, &model.sha256).await?;
    }
    Ok((model, stored))
}

/// Takes a poster frame from a video and stores it as an image.
async fn poster_for(
    db: &DatabaseConnection,
    store: &MediaStore,
    video: &FsPath,
    duration_s: f64,
    uploaded_by: Option<i64>,
) -> Result<String, ApiError> {
    let out = store.temp_file().map_err(|e| ApiError::Internal(e.to_string()))?;
    // ffmpeg picks the format from the name; write next to the temp file under .jpg.
    let jpg = out.path().with_extension("jpg");
    probe::poster(video, duration_s, &jpg).await?;
    let file = tokio::fs::File::open(&jpg).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    let received = receive(store, FileChunks(file)).await;
    let _ = tokio::fs::remove_file(&jpg).await;
    let (poster, _) = ingest(db, store, received?, Some("poster.jpg".into()), uploaded_by).await?;
    Ok(poster.sha256)
}

fn internal(e: store::StoreError) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// The API form of a stored file.
pub async fn to_api(db: &impl ConnectionTrait, model: media::Model) -> Result<Media, ApiError> {
    let poster = match &model.poster_sha256 {
        Some(sha) => media::Entity::find_by_id(sha.clone()).one(db).await?.map(media_ref),
        None => None,
    };
    // A video's renditions and how they are going; a rendition itself has neither.
    let (renditions, processing) = if model.kind == MediaKind::Video.as_str()
        && !renditions::is_rendition(db, &model.sha256).await?
    {
        let renditions =
            renditions::of(db, std::slice::from_ref(&model.sha256)).await?.remove(&model.sha256).unwrap_or_default();
        let processing = renditions::processing(db, &model.sha256, renditions.len()).await?;
        (renditions, Some(processing))
    } else {
        (Vec::new(), None)
    };
    Ok(Media {
        url: media_url(&model.sha256),
        id: model.sha256.clone(),
        kind: model.kind,
        content_type: model.content_type,
        bytes: model.bytes as u64,
        sha256: model.sha256,
        duration_s: model.duration_s,
        width: model.width.map(|w| w as u32),
        height: model.height.map(|h| h as u32),
        poster,
        original_name: model.original_name,
        created_at: model.created_at,
        renditions,
        processing,
    })
}

/// A stored file as modules refer to it.
pub fn media_ref(model: media::Model) -> MediaRef {
    MediaRef {
        url: media_url(&model.sha256),
        id: model.sha256,
        content_type: model.content_type,
        bytes: model.bytes as u64,
    }
}

/// The stored files with these ids (unknown ids are left out).
pub async fn find_many(db: &impl ConnectionTrait, ids: &[String]) -> Result<Vec<media::Model>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(media::Entity::find().filter(media::Column::Sha256.is_in(ids.to_vec())).all(db).await?)
}

/// Upload a video, image or captions file (multipart, field `file`). The type is read
/// from the bytes. The same bytes again answer 200 with the stored record. A practice
/// take, whole: a `module` field (the practice module's id) before `file`; it must be a
/// video of a practice module the person may open, within their quota (resumable
/// uploads are `/api/v1/uploads`). Roles: author, admin; anyone for a take.
#[utoipa::path(
    post, path = "/api/v1/media", tag = "media",
    request_body(content_type = "multipart/form-data", description = "A `file` field with the file (after a `module` field, for a take)"),
    responses(
        (status = 201, description = "Stored", body = Media),
        (status = 200, description = "These bytes were stored before", body = Media),
        (status = 400, description = "`malformed_request`: no `file` field, or the upload was cut off", body = ErrorBody),
        (status = 403, description = "`forbidden`: not an author or admin, and not a take", body = ErrorBody),
        (status = 404, description = "`not_found`: a take of no practice module this person may open", body = ErrorBody),
        (status = 413, description = "`too_large` (over the limit for its type) or `quota_exceeded` (a take)", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type` (a take must be a video)", body = ErrorBody),
        (status = 422, description = "`empty_upload` or `invalid_media` (damaged or incomplete)", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
async fn upload(
    State(state): State<AppState>,
    auth: Auth<AnyRole>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    let user = auth.user();
    let mut multipart = multipart.map_err(|_| {
        ApiError::UnsupportedMediaType("Send the file as multipart/form-data, in a field called `file`.".into())
    })?;
    let mut take_of: Option<i64> = None;
    loop {
        let mut field = multipart
            .next_field()
            .await
            .map_err(|e| ApiError::Malformed(format!("The upload was cut off or malformed ({e}).")))?
            .ok_or_else(|| ApiError::Malformed("Send the file in a field called `file`.".into()))?;
        match field.name() {
            Some("module") => {
                let mut raw = Vec::new();
                while let Some(chunk) = field.next_chunk().await? {
                    raw.extend_from_slice(&chunk);
                    if raw.len() > 32 {
                        return Err(ApiError::not_found("Practice module"));
                    }
                }
                let raw = String::from_utf8(raw).map_err(|_| ApiError::not_found("Practice module"))?;
                take_of = Some(crate::practice::takes::practice_module(&state.db, user, &raw).await?);
                continue;
            }
            Some("file") => {}
            _ => continue,
        }
        let authors = matches!(user.role, app::api::Role::Author | app::api::Role::Admin);
        if take_of.is_none() && !authors {
            return Err(ApiError::Forbidden);
        }
        let quota = state.media.limits.takes_per_person;
        if take_of.is_some() {
            // Full already: refused before any byte is read.
            crate::practice::takes::check_quota(&state.db, user.id, 1, quota).await?;
        }
        let name = field.file_name().map(str::to_owned);
        let received = receive(&state.media, field).await?;
        if let Some(module_id) = take_of {
            if received.sniffed.kind != MediaKind::Video {
                return Err(ApiError::UnsupportedMediaType("A take must be a video (MP4, WebM or QuickTime).".into()));
            }
            crate::practice::takes::check_quota(&state.db, user.id, received.bytes, quota).await?;
            let (model, stored) = accept(&state.db, &state.media, received, name, Some(user.id)).await?;
            crate::practice::takes::record(&state.db, user.id, module_id, &model).await?;
            state.jobs.wake();
            let status = if stored == Stored::Created { StatusCode::CREATED } else { StatusCode::OK };
            return Ok((status, axum::Json(to_api(&state.db, model).await?)).into_response());
        }
        let (model, stored) = accept(&state.db, &state.media, received, name, Some(user.id)).await?;
        state.jobs.wake();
        let status = if stored == Stored::Created { StatusCode::CREATED } else { StatusCode::OK };
        return Ok((status, axum::Json(to_api(&state.db, model).await?)).into_response());
    }
}

/// A stored file as authors see it: for a video, its renditions for phones and how making
/// them is going (`processing`: queued, running with `progress` 0–1, ready, or failed with
/// the reason in words). Someone's practice take is not there for authors. Roles: author,
/// admin.
#[utoipa::path(
    get, path = "/api/v1/media/{id}", tag = "media",
    params(("id" = String, Path, description = "The file's SHA-256")),
    responses(
        (status = 200, description = "The file", body = Media),
        (status = 404, description = "`not_found`", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
async fn describe(
    State(state): State<AppState>,
    auth: Auth<Authors>,
    Path(id): Path<String>,
) -> Result<axum::Json<Media>, ApiError> {
    // Someone's take is not content: only those who may watch it may know of it.
    for take in crate::practice::takes::owners_of(&state.db, &id).await? {
        if !crate::practice::takes::may_see(&state.db, auth.user(), &take).await? {
            return Err(ApiError::not_found("Media"));
        }
    }
    let model = media::Entity::find_by_id(id).one(&state.db).await?.ok_or_else(|| ApiError::not_found("Media"))?;
    Ok(axum::Json(to_api(&state.db, model).await?))
}

/// How long a learner's right to a file is remembered before it is checked again (a video
/// seeks in many range requests; the catalog isn't read for each).
const GRANT_FOR: Duration = Duration::from_secs(60);

/// Whether `user` may fetch the file `sha256`. Someone's practice take (or its
/// renditions, or their posters) goes only to those `practice::takes::may_see` lets see
/// it, authors not among them. Other files: authors and admins any (drafts' included,
/// they work on them); anyone else only files of a module version they may open (its
/// video, poster, captions, a tip card's images; a video's poster frame is in its
/// version's list). Everything else is a 404, as if it weren't there.
async fn may_fetch(
    db: &DatabaseConnection,
    store: &MediaStore,
    user: &app::api::User,
    sha256: &str,
) -> Result<Sight, ApiError> {
    if store.granted(user.id, sha256, GRANT_FOR) {
        return Ok(Sight::Lasting);
    }
    let takes = crate::practice::takes::owners_of(db, sha256).await?;
    if !takes.is_empty() {
        let mut seen = Sight::None;
        for take in &takes {
            match crate::practice::takes::sight(db, user, take).await? {
                Sight::Lasting => {
                    store.grant(user.id, [&sha256.to_string()]);
                    return Ok(Sight::Lasting);
                }
                // Not remembered: consent can be withdrawn at any moment.
                Sight::WhileFeatured => seen = Sight::WhileFeatured,
                Sight::None => {}
            }
        }
        return Ok(seen);
    }
    if matches!(user.role, app::api::Role::Author | app::api::Role::Admin) {
        store.grant(user.id, [&sha256.to_string()]);
        return Ok(Sight::Lasting);
    }
    let visible = crate::modules::catalog::visible_media(db, user).await?;
    store.grant(user.id, &visible);
    Ok(if visible.contains(sha256) { Sight::Lasting } else { Sight::None })
}

/// A stored file, to signed-in people who may see it (see `may_fetch`): byte ranges,
/// `HEAD`, a strong `ETag`, and cached for a year (the bytes behind a URL never change).
/// With an S3 store, a redirect to a short-lived presigned URL. Roles: any (authors and
/// admins any file; others the files of modules they may open).
#[utoipa::path(
    get, path = "/media/{id}", tag = "media",
    params(("id" = String, Path, description = "The file's SHA-256")),
    responses(
        (status = 200, description = "The file"),
        (status = 206, description = "Part of the file (`Range`)"),
        (status = 302, description = "S3 store: the file's presigned URL"),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 416, description = "The range is outside the file"),
    ),
    security(("primer_session" = []))
)]
async fn serve(
    State(state): State<AppState>,
    auth: Auth<AnyRole>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
        return Err(ApiError::not_found("Media"));
    }
    let sight = may_fetch(&state.db, &state.media, auth.user(), &id).await?;
    if sight == Sight::None {
        return Err(ApiError::not_found("Media"));
    }
    // A teammate's right to a featured take ends when its person withdraws: nothing of it
    // is kept (no cached copy, no redirect to reuse), and a presigned URL lasts a minute.
    let revocable = sight == Sight::WhileFeatured;
    let lookup = async {
        let record = media::Entity::find_by_id(id.clone()).one(&state.db).await?;
        // An original dropped after its renditions were made is gone, as if never stored.
        let record = record.filter(|r| r.dropped_at.is_none());
        Ok::<_, ApiError>(record.map(|r| r.content_type.parse().unwrap_or(mime::APPLICATION_OCTET_STREAM)))
    };
    let mime = state.media.served_type(&id, lookup).await?.ok_or_else(|| ApiError::not_found("Media"))?;
    let etag = HeaderValue::from_str(&format!("\"{id}\"")).expect("hex is a valid header");

    let presigned_for = if revocable { REVOCABLE_FOR } else { PRESIGNED_FOR };
    if let Some(url) = state.media.presigned_url(&id, presigned_for).await.map_err(internal)? {
        let mut response = Redirect::to(&url).into_response();
        *response.status_mut() = StatusCode::FOUND;
        let cache = if revocable {
            "no-store".to_string()
        } else {
            format!("private, max-age={}", REDIRECT_CACHED_FOR.as_secs())
        };
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_str(&cache).expect("ascii"));
        return Ok(response);
    }

    let cache = HeaderValue::from_static(if revocable { "no-store" } else { "private, max-age=31536000, immutable" });
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    if if_none_match.is_some_and(|v| v.split(',').any(|t| t.trim() == etag.to_str().unwrap_or("") || t.trim() == "*")) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag), (header::CACHE_CONTROL, cache)]).into_response());
    }
    let path = state.media.local_path(&id).ok_or_else(|| ApiError::not_found("Media"))?;
    // The file service answers ranges (206, suffix and open ranges, 416) and HEAD.
    let mut response = ServeFile::new_with_mime(&path, &mime)
        // Bigger reads than the default 64 KiB: fewer trips to the blocking pool per
        // range (see `make bench`).
        .with_buf_chunk_size(MEDIA_READ_CHUNK)
        .oneshot(request)
        .await
        .map_err(|e| ApiError::Internal(format!("serving media: {e}")))?
        .map(Body::new);
    if response.status() == StatusCode::NOT_FOUND {
        tracing::error!(sha256 = %id, "media recorded but missing from the store");
        return Err(ApiError::not_found("Media"));
    }
    let headers = response.headers_mut();
    headers.insert(header::ETAG, etag);
    headers.insert(header::CACHE_CONTROL, cache);
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    Ok(response)
}
