//! A resumable upload's bytes until they are whole, kept where every server can continue
//! them: a file under the data directory for a local store (one server), or the bucket
//! for S3 (several servers).
//!
//! In S3 an upload is a multipart upload of fixed 5 MiB parts: part `n` always holds
//! bytes `[n × 5 MiB, (n + 1) × 5 MiB)`, so a part sent again after a crash is the same
//! part with the same bytes. Bytes past the last whole part (a connection cut mid-part)
//! are kept as an object of their own, named by where they end (`tail-<offset>`), so a
//! request that stopped half-way can't overwrite the tail a later one relies on. What the
//! database's `offset` says is the truth; anything stored beyond it is ignored and
//! written again.

use bytes::{Bytes, BytesMut};
use object_store::{
    ObjectStore, ObjectStoreExt, PutPayload,
    multipart::{MultipartStore, PartId},
    path::Path as ObjectPath,
};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

use crate::{
    error::ApiError,
    media::{AsyncChunks, FileChunks, store::PartialPlace, store::StoreError},
};

/// The size of every S3 part but the last: S3's smallest.
pub const PART: usize = 5 << 20;

/// Where an upload's bytes are, as its row keeps it (`uploads.parts`, JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parts {
    /// S3: the multipart upload's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multipart: Option<String>,
    /// S3: the ETag of each part stored, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub etags: Vec<String>,
}

impl Parts {
    /// Reads the column; fails closed (a row that can't be read is not guessed at).
    pub fn parse(json: &str) -> Result<Parts, ApiError> {
        serde_json::from_str(json).map_err(|e| ApiError::Internal(format!("upload parts {json:?}: {e}")))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("parts serialize")
    }

    /// The bytes the whole parts hold.
    fn stored(&self) -> u64 {
        (self.etags.len() * PART) as u64
    }
}

fn key(prefix: Option<&str>, id: &str, name: &str) -> ObjectPath {
    match prefix {
        Some(prefix) => ObjectPath::from(format!("{prefix}/uploads/{id}/{name}")),
        None => ObjectPath::from(format!("uploads/{id}/{name}")),
    }
}

/// The object the parts become.
fn whole(prefix: Option<&str>, id: &str) -> ObjectPath {
    key(prefix, id, "whole")
}

fn tail(prefix: Option<&str>, id: &str, end: u64) -> ObjectPath {
    key(prefix, id, &format!("tail-{end}"))
}

/// Makes room for a new upload: an empty file, or a multipart upload in the bucket.
pub async fn begin(place: PartialPlace<'_>, id: &str) -> Result<Parts, StoreError> {
    match place {
        PartialPlace::Local { dir } => {
            tokio::fs::File::create(dir.join(id)).await?;
            Ok(Parts::default())
        }
        PartialPlace::S3 { store, prefix } => {
            let multipart = store.create_multipart(&whole(prefix, id)).await?;
            Ok(Parts { multipart: Some(multipart), etags: Vec::new() })
        }
    }
}

/// Deletes an upload's bytes (all there are, whatever the row says). Gone already is fine.
pub async fn discard(place: PartialPlace<'_>, id: &str, parts: &Parts) -> Result<(), StoreError> {
    match place {
        PartialPlace::Local { dir } => match tokio::fs::remove_file(dir.join(id)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        },
        PartialPlace::S3 { store, prefix } => {
            use futures_util::TryStreamExt;
            if let Some(multipart) = &parts.multipart {
                // Completed or aborted before: nothing to abort.
                match store.abort_multipart(&whole(prefix, id), multipart).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => tracing::warn!(error = %e, "could not abort an upload's multipart upload"),
                }
            }
            let folder = match prefix {
                Some(prefix) => ObjectPath::from(format!("{prefix}/uploads/{id}")),
                None => ObjectPath::from(format!("uploads/{id}")),
            };
            let objects: Vec<ObjectPath> = store.list(Some(&folder)).map_ok(|o| o.location).try_collect().await?;
            for object in objects {
                match store.delete(&object).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(())
        }
    }
}

/// The bytes of one request (`PATCH`), written on from where the upload stands.
pub struct Sink<'a> {
    place: PartialPlace<'a>,
    id: String,
    length: u64,
    /// Where this request's bytes are up to.
    received: u64,
    /// Up to where they are kept for good (what may be committed).
    kept: u64,
    /// Where the upload stood when this request began (its tail, in S3, is replaced).
    started_at: u64,
    pub parts: Parts,
    inner: Inner,
}

enum Inner {
    Local {
        file: tokio::fs::File,
    },
    /// The bytes after the last whole part.
    S3 {
        buffer: BytesMut,
    },
}

/// A whole upload, to read once.
pub enum Whole {
    File(std::path::PathBuf),
    Object(ObjectPath),
}

impl<'a> Sink<'a> {
    /// Opens an upload to write from `offset` (where its row says it stands).
    pub async fn open(
        place: PartialPlace<'a>,
        id: &str,
        length: u64,
        offset: u64,
        parts: Parts,
    ) -> Result<Sink<'a>, StoreError> {
        let inner = match place {
            PartialPlace::Local { dir } => {
                let mut file =
                    tokio::fs::OpenOptions::new().write(true).create(true).truncate(false).open(dir.join(id)).await?;
                // Bytes past the offset were never acknowledged (a request cut before it
                // could say so): they are written again.
                file.set_len(offset).await?;
                file.seek(std::io::SeekFrom::Start(offset)).await?;
                Inner::Local { file }
            }
            PartialPlace::S3 { store, prefix } => {
                let stored = parts.stored();
                let mut buffer = BytesMut::with_capacity(PART);
                if offset > stored {
                    let bytes = store.get(&tail(prefix, id, offset)).await?.bytes().await?;
                    if bytes.len() as u64 != offset - stored {
                        return Err(StoreError::Io(std::io::Error::other(format!(
                            "upload {id}: its tail holds {} bytes, not {}",
                            bytes.len(),
                            offset - stored
                        ))));
                    }
                    buffer.extend_from_slice(&bytes);
                }
                Inner::S3 { buffer }
            }
        };
        let kept = offset;
        Ok(Sink { place, id: id.to_string(), length, received: offset, kept, started_at: offset, parts, inner })
    }

    /// Where this request's bytes are up to.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Up to where the bytes are kept for good: what the row may say.
    pub fn kept(&self) -> u64 {
        self.kept
    }

    /// Writes the next bytes (never past the upload's length: the caller cuts them).
    pub async fn write(&mut self, chunk: Bytes) -> Result<(), StoreError> {
        debug_assert!(self.received + chunk.len() as u64 <= self.length);
        self.received += chunk.len() as u64;
        match (&mut self.inner, self.place) {
            (Inner::Local { file }, _) => file.write_all(&chunk).await?,
            (Inner::S3 { buffer }, PartialPlace::S3 { store, prefix }) => {
                buffer.extend_from_slice(&chunk);
                // Whole parts go now; the one that ends the file waits for `finish`, so the
                // row never says "whole" before the file is.
                while buffer.len() >= PART && self.parts.stored() + (PART as u64) < self.length {
                    let part = buffer.split_to(PART).freeze();
                    let multipart = self.parts.multipart.as_deref().ok_or_else(no_multipart)?;
                    let index = self.parts.etags.len();
                    let id = store
                        .put_part(&whole(prefix, &self.id), &multipart.to_string(), index, PutPayload::from(part))
                        .await?;
                    self.parts.etags.push(id.content_id);
                    self.kept = self.parts.stored();
                }
            }
            (Inner::S3 { .. }, PartialPlace::Local { .. }) => unreachable!("an S3 sink has an S3 place"),
        }
        Ok(())
    }

    /// Makes what was received so far kept for good, where that is cheap to do often (a
    /// local file: flushed to disk). In S3 only whole parts are kept along the way.
    pub async fn keep_so_far(&mut self) -> Result<(), StoreError> {
        if let Inner::Local { file } = &mut self.inner {
            file.sync_data().await?;
            self.kept = self.received;
        }
        Ok(())
    }

    /// The request ended before the file did: keeps everything received. Answers the
    /// tail object the upload no longer needs (to delete once the row moved on).
    pub async fn pause(&mut self) -> Result<Option<ObjectPath>, StoreError> {
        match (&mut self.inner, self.place) {
            (Inner::Local { file }, _) => {
                file.sync_data().await?;
                self.kept = self.received;
                Ok(None)
            }
            (Inner::S3 { buffer }, PartialPlace::S3 { store, prefix }) => {
                if !buffer.is_empty() {
                    store
                        .put(&tail(prefix, &self.id, self.received), PutPayload::from(buffer.clone().freeze()))
                        .await?;
                }
                self.kept = self.received;
                let old_tail = (self.started_at > 0 && self.started_at != self.received)
                    .then(|| tail(prefix, &self.id, self.started_at));
                Ok(old_tail)
            }
            (Inner::S3 { .. }, PartialPlace::Local { .. }) => unreachable!("an S3 sink has an S3 place"),
        }
    }

    /// Every byte arrived: puts the file together (in S3, the last part and the
    /// multipart upload completed) and answers where to read it from.
    pub async fn finish(&mut self) -> Result<Whole, StoreError> {
        debug_assert_eq!(self.received, self.length);
        match (&mut self.inner, self.place) {
            (Inner::Local { file }, PartialPlace::Local { dir }) => {
                file.sync_data().await?;
                Ok(Whole::File(dir.join(&self.id)))
            }
            (Inner::S3 { buffer }, PartialPlace::S3 { store, prefix }) => {
                let target = whole(prefix, &self.id);
                // Completed before, by a request that stopped before it could say so: the
                // same bytes, put together already.
                if store.head(&target).await.is_ok() {
                    return Ok(Whole::Object(target));
                }
                let multipart = self.parts.multipart.clone().ok_or_else(no_multipart)?;
                if !buffer.is_empty() {
                    let last = buffer.split().freeze();
                    let index = self.parts.etags.len();
                    let id = store.put_part(&target, &multipart, index, PutPayload::from(last)).await?;
                    self.parts.etags.push(id.content_id);
                }
                let parts = self.parts.etags.iter().map(|e| PartId { content_id: e.clone() }).collect();
                store.complete_multipart(&target, &multipart, parts).await?;
                Ok(Whole::Object(target))
            }
            _ => unreachable!("a sink's place doesn't change"),
        }
    }
}

fn no_multipart() -> StoreError {
    StoreError::Io(std::io::Error::other("an S3 upload without its multipart upload"))
}

/// Deletes a tail an upload no longer needs (best effort: `discard` deletes any left).
pub async fn drop_tail(place: PartialPlace<'_>, tail: ObjectPath) {
    if let PartialPlace::S3 { store, .. } = place
        && let Err(e) = store.delete(&tail).await
    {
        tracing::warn!(error = %e, "could not delete an upload's old tail");
    }
}

/// A whole upload's bytes, in chunks, to receive as media.
pub async fn read(place: PartialPlace<'_>, whole: &Whole) -> Result<WholeChunks, StoreError> {
    match (whole, place) {
        (Whole::File(path), _) => Ok(WholeChunks::File(FileChunks(tokio::fs::File::open(path).await?))),
        (Whole::Object(path), PartialPlace::S3 { store, .. }) => {
            Ok(WholeChunks::Object(store.get(path).await?.into_stream()))
        }
        (Whole::Object(_), PartialPlace::Local { .. }) => unreachable!("objects are S3's"),
    }
}

/// A whole upload's bytes as upload chunks.
pub enum WholeChunks {
    File(FileChunks),
    Object(futures_util::stream::BoxStream<'static, object_store::Result<Bytes>>),
}

impl AsyncChunks for WholeChunks {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, ApiError> {
        use futures_util::StreamExt;
        match self {
            WholeChunks::File(file) => file.next_chunk().await,
            WholeChunks::Object(stream) => match stream.next().await {
                None => Ok(None),
                Some(Ok(bytes)) => Ok(Some(bytes)),
                Some(Err(e)) => Err(ApiError::Internal(format!("reading an upload back: {e}"))),
            },
        }
    }
}
