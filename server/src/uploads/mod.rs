//! Resumable uploads of practice takes: tus 1.0 (core, creation, termination) at
//! `/api/v1/uploads`, so a take recorded in a lobby reaches the server over a connection
//! that keeps dropping, each try going on from where the last one stopped.
//!
//! - **State in the database** (`uploads`): how many bytes are kept (`offset`, what a
//!   `HEAD` answers) and where they are; the bytes in the shared media store
//!   ([`partial`]), so any server can continue an upload another began.
//! - **One writer at a time**: a `PATCH` takes a lease on the row and commits its progress
//!   only while it holds it (`WHERE lease_token = mine`). A request whose client went
//!   silent gives up after [`IDLE`] and keeps what it received; meanwhile another `PATCH`
//!   answers 423 `upload_locked` with `Retry-After`, which tus clients retry.
//! - **Nothing acknowledged is lost**: a cut request keeps every byte it received (in
//!   S3, bytes short of a whole part as a tail object) and commits before answering.
//! - **Whole**: the last bytes are not committed until the file is stored as media
//!   (typed from its bytes, probed, content-addressed, renditions asked for), so an upload
//!   the row calls whole is always media; a take sent twice is stored once.
//! - **Bound to its person**: another person's upload is a 404, as if it weren't there.

pub mod partial;

use std::time::{Duration, Instant};

use app::api::{
    ErrorBody, Upload,
    practice::{TUS_VERSION, UPLOADS_PATH},
};
use axum::{
    body::Body,
    extract::State,
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use futures_util::StreamExt;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr,
};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::{AnyRole, Auth},
    db::{self, entities::upload},
    error::{ApiError, Path},
    media::{self, MediaKind, store::PartialPlace},
    practice::takes,
    state::AppState,
};

use partial::{Parts, Sink};

/// How long a `PATCH` waits for more bytes before it keeps what it has and ends (a client
/// whose connection died without a word).
pub const IDLE: Duration = Duration::from_secs(15);
/// How long a `PATCH`'s hold on an upload lasts unless renewed (it is, as bytes come).
const LEASE: TimeDelta = TimeDelta::seconds(30);
/// How often a `PATCH` keeps what it received and says so, at least.
const COMMIT_EVERY: Duration = Duration::from_secs(5);
/// An unfinished upload no bytes reached for this long is deleted by housekeeping.
pub const EXPIRES_AFTER: TimeDelta = TimeDelta::hours(24);

const TUS_RESUMABLE: HeaderName = HeaderName::from_static("tus-resumable");
const UPLOAD_OFFSET: HeaderName = HeaderName::from_static("upload-offset");
const UPLOAD_LENGTH: HeaderName = HeaderName::from_static("upload-length");
const UPLOAD_EXPIRES: HeaderName = HeaderName::from_static("upload-expires");
/// Once an upload is whole: the media it became.
const MEDIA_ID: HeaderName = HeaderName::from_static("primer-media-id");

/// The tus routes. Every answer says which tus version it speaks, and none is cached.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(capabilities, create))
        .routes(routes!(status, progress, send, terminate))
        .layer(SetResponseHeaderLayer::overriding(TUS_RESUMABLE, HeaderValue::from_static(TUS_VERSION)))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("tus-version"),
            HeaderValue::from_static(TUS_VERSION),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
}

/// Every tus request but `OPTIONS` says the version it speaks.
fn check_version(headers: &HeaderMap) -> Result<(), ApiError> {
    match headers.get(&TUS_RESUMABLE) {
        Some(v) if v == TUS_VERSION => Ok(()),
        _ => Err(ApiError::UnsupportedTusVersion),
    }
}

fn number(headers: &HeaderMap, name: &HeaderName) -> Result<Option<u64>, ApiError> {
    let Some(value) = headers.get(name) else { return Ok(None) };
    let text = value.to_str().unwrap_or("");
    // Digits only: no sign, no spaces, no "1e6".
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::Malformed(format!("{name} must be a whole number of bytes.")));
    }
    text.parse().map(Some).map_err(|_| ApiError::Malformed(format!("{name} is too large.")))
}

/// What `Upload-Metadata` says: `key base64(value)` pairs, comma-separated.
#[derive(Debug, Default, PartialEq, Eq)]
struct Metadata {
    module: Option<String>,
    filename: Option<String>,
}

fn metadata(headers: &HeaderMap) -> Result<Metadata, ApiError> {
    let mut found = Metadata::default();
    let Some(value) = headers.get("upload-metadata") else { return Ok(found) };
    let text = value.to_str().map_err(|_| ApiError::Malformed("Upload-Metadata must be ASCII.".into()))?;
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, encoded) = pair.split_once(' ').unwrap_or((pair, ""));
        let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).map_err(|_| {
            ApiError::Malformed(format!(
                "Upload-Metadata's {key:?} is not base64.",
                key = key.chars().take(40).collect::<String>()
            ))
        })?;
        let value = String::from_utf8(decoded)
            .map_err(|_| ApiError::Malformed("Upload-Metadata's values must be UTF-8 text.".into()))?;
        match key {
            "module" => found.module = Some(value),
            // Kept as the file's original name, never shown without escaping.
            "filename" | "name" => found.filename = Some(value.chars().filter(|c| !c.is_control()).take(255).collect()),
            // `filetype` and the rest: the type is read from the bytes.
            _ => {}
        }
    }
    Ok(found)
}

fn expires_at(row: &upload::Model) -> DateTime<Utc> {
    row.updated_at + EXPIRES_AFTER
}

fn to_api(row: &upload::Model) -> Upload {
    Upload {
        id: row.id.clone(),
        url: format!("{UPLOADS_PATH}/{}", row.id),
        module_id: row.module_id,
        length: row.length as u64,
        offset: row.offset as u64,
        media_id: row.media_sha256.clone(),
        expires_at: expires_at(row),
    }
}

/// The person's own upload (anyone else's is not there).
async fn own(db: &impl ConnectionTrait, id: &str, user_id: i64) -> Result<upload::Model, ApiError> {
    upload::Entity::find_by_id(id.to_string())
        .filter(upload::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("Upload"))
}

/// What the server speaks: tus 1.0 with creation and termination, and the largest take.
/// Roles: anyone (no sign-in needed to ask).
#[utoipa::path(
    options, path = "/api/v1/uploads", tag = "uploads",
    responses((status = 204, description = "`Tus-Version`, `Tus-Extension`, `Tus-Max-Size`")),
)]
async fn capabilities(State(state): State<AppState>) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert("tus-extension", HeaderValue::from_static("creation,termination"));
    headers.insert("tus-max-size", HeaderValue::from(state.media.limits.video));
    (StatusCode::NO_CONTENT, headers).into_response()
}

/// Starts a resumable upload of a take (tus creation): `Upload-Length` (the file's size)
/// and `Upload-Metadata` naming the practice module (`module`, its id) and optionally
/// `filename`. The take must be of a practice module the person may open, within the
/// video limit and their quota. Answers `Location`, where the bytes go. Roles: any.
#[utoipa::path(
    post, path = "/api/v1/uploads", tag = "uploads",
    responses(
        (status = 201, description = "Created: `Location` is the upload's URL", body = Upload),
        (status = 400, description = "`malformed_request`: a header missing or not valid", body = ErrorBody),
        (status = 404, description = "`not_found`: no practice module this person may open", body = ErrorBody),
        (status = 412, description = "`unsupported_tus_version`", body = ErrorBody),
        (status = 413, description = "`too_large` (over the video limit) or `quota_exceeded`", body = ErrorBody),
        (status = 422, description = "`empty_upload`", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
async fn create(
    State(state): State<AppState>,
    auth: Auth<AnyRole>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_version(&headers)?;
    let user = auth.user();
    // Creation-with-upload is not offered: bytes come by PATCH.
    if number(&headers, &header::CONTENT_LENGTH)?.unwrap_or(0) > 0 || !is_empty(body).await {
        return Err(ApiError::Malformed(
            "Create the upload with an empty body, then send its bytes with PATCH.".into(),
        ));
    }
    if headers.contains_key("upload-defer-length") {
        return Err(ApiError::Malformed("Say the take's size in Upload-Length: deferred lengths aren't taken.".into()));
    }
    let length = number(&headers, &UPLOAD_LENGTH)?
        .ok_or_else(|| ApiError::Malformed("Say the take's size in bytes in Upload-Length.".into()))?;
    if length == 0 {
        return Err(ApiError::EmptyUpload);
    }
    let limit = state.media.limits.video;
    if length > limit {
        return Err(ApiError::TooLarge(format!(
            "This take is larger than the limit of {}. Record a shorter one.",
            media::human_bytes(limit)
        )));
    }
    let meta = metadata(&headers)?;
    let module = meta
        .module
        .as_deref()
        .ok_or_else(|| ApiError::Malformed("Name the practice module in Upload-Metadata (`module`).".into()))?;
    let module_id = takes::practice_module(&state.db, user, module).await?;
    takes::check_quota(&state.db, user.id, length, state.media.limits.takes_per_person).await?;

    let id = uuid::Uuid::new_v4().simple().to_string();
    let parts = partial::begin(state.media.partial_place(), &id).await.map_err(store_error)?;
    let now = db::now();
    let row = upload::ActiveModel {
        id: Set(id.clone()),
        user_id: Set(user.id),
        module_id: Set(module_id),
        length: Set(length as i64),
        offset: Set(0),
        filename: Set(meta.filename),
        parts: Set(parts.to_json()),
        lease_token: Set(None),
        lease_until: Set(None),
        media_sha256: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&state.db)
    .await?;
    let upload = to_api(&row);
    let mut response = (StatusCode::CREATED, axum::Json(&upload)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, HeaderValue::from_str(&upload.url).expect("ascii"));
    headers.insert(UPLOAD_OFFSET, HeaderValue::from(0u64));
    headers.insert(UPLOAD_EXPIRES, http_date(upload.expires_at));
    Ok(response)
}

/// True for a body with no bytes (read no further than one byte past nothing).
async fn is_empty(body: Body) -> bool {
    axum::body::to_bytes(body, 0).await.is_ok_and(|b| b.is_empty())
}

fn http_date(at: DateTime<Utc>) -> HeaderValue {
    HeaderValue::from_str(&at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()).expect("ascii")
}

fn progress_headers(row: &upload::Model) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(UPLOAD_OFFSET, HeaderValue::from(row.offset));
    headers.insert(UPLOAD_LENGTH, HeaderValue::from(row.length));
    match &row.media_sha256 {
        Some(sha) => {
            headers.insert(MEDIA_ID, HeaderValue::from_str(sha).expect("hex"));
        }
        None => {
            headers.insert(UPLOAD_EXPIRES, http_date(expires_at(row)));
        }
    }
    headers
}

/// How far an upload is (tus `HEAD`): `Upload-Offset`, `Upload-Length`, and once whole
/// `Primer-Media-Id`. Roles: its person.
#[utoipa::path(
    head, path = "/api/v1/uploads/{id}", tag = "uploads",
    params(("id" = String, Path, description = "The upload's id")),
    responses(
        (status = 200, description = "`Upload-Offset` and `Upload-Length`"),
        (status = 404, description = "No such upload of this person's"),
    ),
    security(("primer_session" = []))
)]
async fn status(
    State(state): State<AppState>,
    auth: Auth<AnyRole>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_version(&headers)?;
    let row = own(&state.db, &id, auth.user().id).await?;
    Ok((StatusCode::OK, progress_headers(&row)).into_response())
}

/// How far an upload is, as JSON, with the take's media id once whole. Roles: its person.
#[utoipa::path(
    get, path = "/api/v1/uploads/{id}", tag = "uploads",
    params(("id" = String, Path, description = "The upload's id")),
    responses(
        (status = 200, description = "The upload", body = Upload),
        (status = 404, description = "`not_found`", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
async fn progress(
    State(state): State<AppState>,
    auth: Auth<AnyRole>,
    Path(id): Path<String>,
) -> Result<axum::Json<Upload>, ApiError> {
    Ok(axum::Json(to_api(&own(&state.db, &id, auth.user().id).await?)))
}

/// Sends bytes of an upload (tus `PATCH`, `Content-Type: application/offset+octet-stream`)
/// from `Upload-Offset`, which must be where the server has it. A request cut short keeps
/// what arrived: ask where it stands (`HEAD`) and go on from there. The request that
/// brings the last byte stores the take (typed from its bytes, probed) and answers
/// `Primer-Media-Id`. Roles: its person.
#[utoipa::path(
    patch, path = "/api/v1/uploads/{id}", tag = "uploads",
    params(("id" = String, Path, description = "The upload's id")),
    request_body(content_type = "application/offset+octet-stream", description = "The next bytes"),
    responses(
        (status = 204, description = "Kept: `Upload-Offset` is where the upload now stands"),
        (status = 400, description = "`malformed_request`: no `Upload-Offset`, or more bytes than the upload's length", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`upload_offset_mismatch`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not `application/offset+octet-stream`, or the take isn't a video", body = ErrorBody),
        (status = 422, description = "`invalid_media`: the whole file can't be read as a video", body = ErrorBody),
        (status = 423, description = "`upload_locked`: another request is sending it (see `Retry-After`)", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
async fn send(
    State(state): State<AppState>,
    auth: Auth<AnyRole>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_version(&headers)?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.eq_ignore_ascii_case("application/offset+octet-stream") {
        return Err(ApiError::UnsupportedMediaType(
            "Send an upload's bytes with Content-Type: application/offset+octet-stream.".into(),
        ));
    }
    let sent = number(&headers, &UPLOAD_OFFSET)?
        .ok_or_else(|| ApiError::Malformed("Say where these bytes start in Upload-Offset.".into()))?;
    let user_id = auth.user().id;
    let row = own(&state.db, &id, user_id).await?;
    if row.media_sha256.is_some() {
        // Whole already: a client that didn't hear the last answer asks again.
        if sent == row.length as u64 {
            return Ok((StatusCode::NO_CONTENT, progress_headers(&row)).into_response());
        }
        return Err(ApiError::UploadOffsetMismatch { have: row.length as u64, sent });
    }
    if sent != row.offset as u64 {
        return Err(ApiError::UploadOffsetMismatch { have: row.offset as u64, sent });
    }
    let lease = Lease::take(&state.db, &row).await?;
    let outcome = write(&state, &lease, &row, body).await;
    match outcome {
        Ok(Sent::Paused(row)) => Ok((StatusCode::NO_CONTENT, progress_headers(&row)).into_response()),
        Ok(Sent::Whole(row)) => {
            state.jobs.wake();
            Ok((StatusCode::NO_CONTENT, progress_headers(&row)).into_response())
        }
        Err(Failed::Refused(error)) => {
            // The file is whole but can't be a take: nothing of it is kept.
            let parts = Parts::parse(&row.parts)?;
            if let Err(e) = partial::discard(state.media.partial_place(), &row.id, &parts).await {
                tracing::warn!(error = %e, "could not delete a refused upload's bytes");
            }
            upload::Entity::delete_by_id(row.id.clone()).exec(&state.db).await?;
            Err(error)
        }
        Err(Failed::Other(error)) => {
            lease.release(&state.db).await;
            Err(error)
        }
    }
}

/// How a `PATCH` ended.
enum Sent {
    /// The request ended before the file: its bytes are kept and the row says so.
    Paused(upload::Model),
    /// The last byte came: the take is stored.
    Whole(upload::Model),
}

enum Failed {
    /// The whole file can't be a take (not a video, damaged, too large): the upload is
    /// deleted, trying again would fail the same way.
    Refused(ApiError),
    /// Anything else (the store, the database, the lease lost): the row keeps what it had.
    Other(ApiError),
}

impl From<ApiError> for Failed {
    fn from(e: ApiError) -> Self {
        Failed::Other(e)
    }
}

impl From<sea_orm::DbErr> for Failed {
    fn from(e: sea_orm::DbErr) -> Self {
        Failed::Other(e.into())
    }
}

fn store_error(e: media::store::StoreError) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// One request's hold on an upload.
struct Lease {
    id: String,
    token: String,
}

impl Lease {
    /// Takes the upload if nobody holds it (a lease past its time is nobody's).
    async fn take(db: &impl ConnectionTrait, row: &upload::Model) -> Result<Lease, ApiError> {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let now = db::now();
        let taken = upload::Entity::update_many()
            .col_expr(upload::Column::LeaseToken, Expr::value(token.clone()))
            .col_expr(upload::Column::LeaseUntil, Expr::value(now + LEASE))
            .filter(upload::Column::Id.eq(row.id.clone()))
            .filter(upload::Column::Offset.eq(row.offset))
            .filter(upload::Column::MediaSha256.is_null())
            .filter(
                sea_orm::Condition::any()
                    .add(upload::Column::LeaseUntil.is_null())
                    .add(upload::Column::LeaseUntil.lt(now)),
            )
            .exec(db)
            .await?
            .rows_affected;
        if taken == 1 {
            return Ok(Lease { id: row.id.clone(), token });
        }
        // Moved on meanwhile, or someone holds it.
        match upload::Entity::find_by_id(row.id.clone()).one(db).await? {
            Some(now) if now.offset != row.offset || now.media_sha256.is_some() => {
                Err(ApiError::UploadOffsetMismatch { have: now.offset as u64, sent: row.offset as u64 })
            }
            Some(_) => Err(ApiError::UploadLocked),
            None => Err(ApiError::not_found("Upload")),
        }
    }

    /// Says how far the upload is, renewing the hold; an error if it was lost (held past
    /// its time and taken by another request).
    async fn commit(&self, db: &impl ConnectionTrait, offset: u64, parts: &Parts, hold: bool) -> Result<(), ApiError> {
        let now = db::now();
        let (token, until) = if hold { (Some(self.token.clone()), Some(now + LEASE)) } else { (None, None) };
        let done = upload::Entity::update_many()
            .col_expr(upload::Column::Offset, Expr::value(offset as i64))
            .col_expr(upload::Column::Parts, Expr::value(parts.to_json()))
            .col_expr(upload::Column::LeaseToken, Expr::value(token))
            .col_expr(upload::Column::LeaseUntil, Expr::value(until))
            .col_expr(upload::Column::UpdatedAt, Expr::value(now))
            .filter(upload::Column::Id.eq(self.id.clone()))
            .filter(upload::Column::LeaseToken.eq(self.token.clone()))
            .exec(db)
            .await?
            .rows_affected;
        if done == 1 { Ok(()) } else { Err(ApiError::UploadLocked) }
    }

    /// Lets go without moving on (best effort: the lease ends by itself anyway).
    async fn release(&self, db: &impl ConnectionTrait) {
        let released = upload::Entity::update_many()
            .col_expr(upload::Column::LeaseToken, Expr::value(Option::<String>::None))
            .col_expr(upload::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(upload::Column::Id.eq(self.id.clone()))
            .filter(upload::Column::LeaseToken.eq(self.token.clone()))
            .exec(db)
            .await;
        if let Err(e) = released {
            tracing::warn!(error = %e, "could not release an upload's lease");
        }
    }
}

/// Writes a request's bytes, committing as they are kept, and stores the take when the
/// last one comes.
async fn write(state: &AppState, lease: &Lease, row: &upload::Model, body: Body) -> Result<Sent, Failed> {
    let place = state.media.partial_place();
    let length = row.length as u64;
    let mut sink =
        Sink::open(place, &row.id, length, row.offset as u64, Parts::parse(&row.parts)?).await.map_err(store_error)?;
    let mut stream = body.into_data_stream();
    let mut committed = row.offset as u64;
    let mut last_commit = Instant::now();
    loop {
        let chunk = match tokio::time::timeout(IDLE, stream.next()).await {
            Ok(Some(Ok(chunk))) => chunk,
            // The body ended, the connection broke, or it went quiet: keep what came.
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                tracing::info!(error = %e, upload = %row.id, "an upload's request was cut; keeping what arrived");
                break;
            }
            Err(_) => {
                tracing::info!(upload = %row.id, "an upload's request went quiet; keeping what arrived");
                break;
            }
        };
        if chunk.len() as u64 > length - sink.received() {
            // Not this upload's bytes: nothing of this request past what was committed is
            // kept (a local file's extra bytes are cut off by the next request).
            return Err(ApiError::Malformed(format!(
                "These bytes go past the upload's length ({length} bytes). It stands at {committed}: send from there."
            ))
            .into());
        }
        if !chunk.is_empty() {
            sink.write(chunk).await.map_err(store_error)?;
        }
        if sink.received() == length {
            break;
        }
        if last_commit.elapsed() >= COMMIT_EVERY {
            sink.keep_so_far().await.map_err(store_error)?;
        }
        if sink.kept() > committed || last_commit.elapsed() >= COMMIT_EVERY {
            lease.commit(&state.db, sink.kept(), &sink.parts, true).await?;
            committed = sink.kept();
            last_commit = Instant::now();
        }
    }
    if sink.received() < length {
        let old_tail = sink.pause().await.map_err(store_error)?;
        lease.commit(&state.db, sink.kept(), &sink.parts, false).await?;
        if let Some(tail) = old_tail {
            partial::drop_tail(place, tail).await;
        }
        let row = upload::Entity::find_by_id(row.id.clone())
            .one(&state.db)
            .await?
            .ok_or_else(|| ApiError::not_found("Upload"))?;
        return Ok(Sent::Paused(row));
    }
    // Every byte is here: store the take.
    let whole = sink.finish().await.map_err(store_error)?;
    let chunks = partial::read(place, &whole).await.map_err(store_error)?;
    let received = media::receive(&state.media, chunks).await.map_err(refused_or_not)?;
    if received.sniffed.kind != MediaKind::Video {
        return Err(Failed::Refused(ApiError::UnsupportedMediaType(
            "A take must be a video (MP4, WebM or QuickTime).".into(),
        )));
    }
    let (media, _) = media::accept(&state.db, &state.media, received, row.filename.clone(), Some(row.user_id))
        .await
        .map_err(refused_or_not)?;
    takes::record(&state.db, row.user_id, row.module_id, &media).await?;
    let now = db::now();
    let done = upload::Entity::update_many()
        .col_expr(upload::Column::Offset, Expr::value(row.length))
        .col_expr(upload::Column::Parts, Expr::value(Parts::default().to_json()))
        .col_expr(upload::Column::MediaSha256, Expr::value(media.sha256.clone()))
        .col_expr(upload::Column::LeaseToken, Expr::value(Option::<String>::None))
        .col_expr(upload::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(upload::Column::UpdatedAt, Expr::value(now))
        .filter(upload::Column::Id.eq(row.id.clone()))
        .filter(upload::Column::LeaseToken.eq(lease.token.clone()))
        .exec(&state.db)
        .await
        .map_err(ApiError::from)?
        .rows_affected;
    if done != 1 {
        return Err(ApiError::UploadLocked.into());
    }
    if let Err(e) = partial::discard(place, &row.id, &sink.parts).await {
        tracing::warn!(error = %e, upload = %row.id, "could not delete a whole upload's parts");
    }
    tracing::info!(upload = %row.id, sha256 = %media.sha256, bytes = media.bytes, "take uploaded");
    let row = upload::Entity::find_by_id(row.id.clone())
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("Upload"))?;
    Ok(Sent::Whole(row))
}

/// A whole file refused for what it is (trying again would fail the same way), or
/// another failure.
fn refused_or_not(e: ApiError) -> Failed {
    match e {
        ApiError::TooLarge(_)
        | ApiError::UnsupportedMediaType(_)
        | ApiError::EmptyUpload
        | ApiError::InvalidMedia(_) => Failed::Refused(e),
        other => Failed::Other(other),
    }
}

/// Stops an upload and deletes its bytes (tus termination). A whole upload's take stays
/// (deleting a take is its own request). Roles: its person.
#[utoipa::path(
    delete, path = "/api/v1/uploads/{id}", tag = "uploads",
    params(("id" = String, Path, description = "The upload's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 423, description = "`upload_locked`: a request is sending it now", body = ErrorBody),
    ),
    security(("primer_session" = []))
)]
async fn terminate(
    State(state): State<AppState>,
    auth: Auth<AnyRole>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    check_version(&headers)?;
    let row = own(&state.db, &id, auth.user().id).await?;
    if row.media_sha256.is_none() {
        // Held so that no request writes while the bytes go.
        Lease::take(&state.db, &row).await?;
        partial::discard(state.media.partial_place(), &row.id, &Parts::parse(&row.parts)?)
            .await
            .map_err(store_error)?;
    }
    upload::Entity::delete_by_id(row.id).exec(&state.db).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes unfinished uploads no bytes reached for [`EXPIRES_AFTER`] (housekeeping), and
/// whole ones' rows after as long (their takes stay). Answers how many.
pub async fn purge_stale(db: &impl ConnectionTrait, place: PartialPlace<'_>) -> Result<u64, sea_orm::DbErr> {
    let before = db::now() - EXPIRES_AFTER;
    let stale = upload::Entity::find()
        .filter(upload::Column::UpdatedAt.lt(before))
        .filter(
            sea_orm::Condition::any()
                .add(upload::Column::LeaseUntil.is_null())
                .add(upload::Column::LeaseUntil.lt(db::now())),
        )
        .all(db)
        .await?;
    let mut purged = 0;
    for row in stale {
        if row.media_sha256.is_none() {
            let parts = Parts::parse(&row.parts).unwrap_or_default();
            if let Err(e) = partial::discard(place, &row.id, &parts).await {
                // Kept for the next round rather than leaving bytes nobody knows of.
                tracing::warn!(error = %e, upload = %row.id, "could not delete a stale upload's bytes");
                continue;
            }
        }
        purged += upload::Entity::delete_by_id(row.id).exec(db).await?.rows_affected;
    }
    Ok(purged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn metadata_is_read_from_base64_pairs() {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let value =
            format!("filename {},module {},filetype {},empty", b64("take\u{7}.webm"), b64("42"), b64("video/webm"));
        let h = headers(&[("upload-metadata", value.as_str())]);
        assert_eq!(metadata(&h).unwrap(), Metadata { module: Some("42".into()), filename: Some("take.webm".into()) });
        assert!(metadata(&headers(&[("upload-metadata", "module !!!")])).is_err());
        assert_eq!(metadata(&HeaderMap::new()).unwrap(), Metadata::default());
    }

    #[test]
    fn numbers_are_digits_only() {
        assert_eq!(number(&headers(&[("upload-offset", "1024")]), &UPLOAD_OFFSET).unwrap(), Some(1024));
        for bad in ["-1", " 1", "1e6", "", "99999999999999999999999"] {
            assert!(number(&headers(&[("upload-offset", bad)]), &UPLOAD_OFFSET).is_err(), "{bad:?}");
        }
        assert_eq!(number(&HeaderMap::new(), &UPLOAD_OFFSET).unwrap(), None);
    }
}
