//! Where media bytes live, through the `object_store` crate: a directory under the data
//! directory by default, or an S3-compatible bucket (`PRIMER_MEDIA_STORE=s3://...`), so
//! organisations running several servers switch by configuration.
//!
//! Objects are content-addressed: `ab/abcdef…` for a file whose SHA-256 is `abcdef…`, so
//! the same bytes are stored once and a stored object never changes.

use std::{path::PathBuf, sync::Arc, time::Duration};

use object_store::{
    ObjectStore, ObjectStoreExt, WriteMultipart, aws::AmazonS3, aws::AmazonS3Builder, local::LocalFileSystem,
    path::Path as ObjectPath, signer::Signer,
};
use tempfile::NamedTempFile;
use tokio::io::AsyncReadExt;

use crate::config::{MediaConfig, MediaLimits};

/// The origin of the URLs the bucket's presigned links point at, by the rules
/// `object_store` builds them with: the endpoint given (`AWS_ENDPOINT_URL`, the bucket in
/// its host for virtual-hosted requests, or after it), or AWS's own.
fn bucket_origin(builder: &AmazonS3Builder) -> Option<String> {
    use object_store::aws::AmazonS3ConfigKey as Key;
    let endpoint = builder.get_config_value(&Key::S3Endpoint).or_else(|| builder.get_config_value(&Key::Endpoint));
    let url = match endpoint {
        Some(endpoint) => endpoint,
        None => {
            let region = builder.get_config_value(&Key::Region).unwrap_or_else(|| "us-east-1".into());
            let virtual_hosted = builder.get_config_value(&Key::VirtualHostedStyleRequest).as_deref() == Some("true");
            match (virtual_hosted, builder.get_config_value(&Key::Bucket)) {
                (true, Some(bucket)) => format!("https://{bucket}.s3.{region}.amazonaws.com"),
                _ => format!("https://s3.{region}.amazonaws.com"),
            }
        }
    };
    let uri: http::Uri = url.parse().ok()?;
    Some(format!("{}://{}", uri.scheme_str()?, uri.authority()?))
}

/// Errors of the media store (configuration and I/O).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("PRIMER_MEDIA_STORE {0:?} is not a media store: use an s3://BUCKET[/PREFIX] URL, or leave it empty")]
    BadUrl(String),
    #[error("media store: {0}")]
    ObjectStore(#[from] object_store::Error),
    #[error("media store: {0}")]
    Io(#[from] std::io::Error),
}

enum Backend {
    Local {
        store: Arc<LocalFileSystem>,
    },
    /// `prefix`: the path after the bucket in `s3://bucket/prefix`, so several
    /// organisations (or environments) can share a bucket.
    S3 {
        store: Arc<AmazonS3>,
        prefix: Option<String>,
    },
}

/// Where resumable uploads' bytes are kept until they are whole.
#[derive(Clone, Copy)]
pub enum PartialPlace<'a> {
    /// A directory on this server's disk (one server: a local store is not shared).
    Local { dir: &'a std::path::Path },
    /// The bucket, under the store's prefix: shared by every server.
    S3 { store: &'a AmazonS3, prefix: Option<&'a str> },
}

/// The media store, with the upload limits and a place for files being received.
pub struct MediaStore {
    backend: Backend,
    /// Where browsers fetch media from besides Primer itself: the bucket's origin, for
    /// presigned URLs (S3 only). Pages' Content-Security-Policy allows it.
    origin: Option<String>,
    /// Uploads in progress; on the same file system as a local store, so finished uploads
    /// are moved into place by an atomic rename.
    tmp_dir: PathBuf,
    /// A local store's resumable uploads' bytes so far (in S3 mode they are in the
    /// bucket, so any server can continue them).
    partial_dir: PathBuf,
    pub limits: MediaLimits,
    /// Delete a video's uploaded file once its renditions are ready.
    pub drop_originals: bool,
    /// The content type of files recently served, by hash. A file's bytes (and so its
    /// type) never change under its hash, so entries never go stale; this saves a
    /// database query on every range a video player asks for.
    served_types: quick_cache::sync::Cache<String, mime::Mime>,
    /// Files a person may fetch, checked at (see `media::may_fetch`), so the many range
    /// requests of one video don't read the catalog each time.
    grants: quick_cache::sync::Cache<(i64, String), std::time::Instant>,
}

impl std::fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaStore").field("s3", &self.is_s3()).field("tmp_dir", &self.tmp_dir).finish()
    }
}

impl MediaStore {
    /// Opens the store the configuration names.
    pub fn open(config: &MediaConfig, data_dir: &std::path::Path) -> Result<MediaStore, StoreError> {
        match config.store_url.as_deref() {
            None => {
                let root = data_dir.join("media");
                std::fs::create_dir_all(&root)?;
                let backend = Backend::Local { store: Arc::new(LocalFileSystem::new_with_prefix(&root)?) };
                MediaStore::with_backend(backend, config, data_dir)
            }
            // Region, credentials and (for S3-compatible stores) AWS_ENDPOINT_URL come from
            // the environment, as every AWS tool reads them.
            Some(url) if url.starts_with("s3://") => MediaStore::s3(AmazonS3Builder::from_env(), url, config, data_dir),
            Some(other) => Err(StoreError::BadUrl(other.to_string())),
        }
    }

    /// An S3 store at `s3://bucket[/prefix]`, with connection settings already in
    /// `builder` (tests give an endpoint and keys here rather than through the process
    /// environment).
    pub fn s3(
        builder: AmazonS3Builder,
        url: &str,
        config: &MediaConfig,
        data_dir: &std::path::Path,
    ) -> Result<MediaStore, StoreError> {
        let Some(rest) = url.strip_prefix("s3://") else { return Err(StoreError::BadUrl(url.to_string())) };
        let builder = builder.with_url(url);
        let origin = bucket_origin(&builder);
        let store = builder.build()?;
        // The builder takes only the bucket from the URL; the rest is our prefix.
        let prefix = rest.split_once('/').map(|(_, p)| p.trim_matches('/').to_string()).filter(|p| !p.is_empty());
        let mut media = MediaStore::with_backend(Backend::S3 { store: Arc::new(store), prefix }, config, data_dir)?;
        media.origin = origin;
        Ok(media)
    }

    /// The origin browsers fetch media from besides Primer's own (the bucket's, in S3
    /// mode), as a Content-Security-Policy source.
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    fn with_backend(
        backend: Backend,
        config: &MediaConfig,
        data_dir: &std::path::Path,
    ) -> Result<MediaStore, StoreError> {
        let tmp_dir = data_dir.join("tmp");
        std::fs::create_dir_all(&tmp_dir)?;
        let partial_dir = data_dir.join("uploads");
        std::fs::create_dir_all(&partial_dir)?;
        Ok(MediaStore {
            backend,
            origin: None,
            tmp_dir,
            partial_dir,
            limits: config.limits,
            drop_originals: config.drop_originals,
            served_types: quick_cache::sync::Cache::new(10_000),
            grants: quick_cache::sync::Cache::new(100_000),
        })
    }

    pub fn is_s3(&self) -> bool {
        matches!(self.backend, Backend::S3 { .. })
    }

    fn objects(&self) -> &dyn ObjectStore {
        match &self.backend {
            Backend::Local { store } => store.as_ref(),
            Backend::S3 { store, .. } => store.as_ref(),
        }
    }

    /// Where a file with this SHA-256 lives in the store: `ab/abcdef…`, under the
    /// bucket's prefix if there is one.
    pub fn location(&self, sha256: &str) -> ObjectPath {
        let key = format!("{}/{sha256}", &sha256[..2.min(sha256.len())]);
        match &self.backend {
            Backend::S3 { prefix: Some(prefix), .. } => ObjectPath::from(format!("{prefix}/{key}")),
            _ => ObjectPath::from(key),
        }
    }

    /// Where a resumable upload's bytes so far are kept (see `uploads::partial`).
    pub fn partial_place(&self) -> PartialPlace<'_> {
        match &self.backend {
            Backend::Local { .. } => PartialPlace::Local { dir: &self.partial_dir },
            Backend::S3 { store, prefix } => PartialPlace::S3 { store: store.as_ref(), prefix: prefix.as_deref() },
        }
    }

    /// Where files being received or worked on go.
    pub fn tmp_dir(&self) -> &std::path::Path {
        &self.tmp_dir
    }

    /// A stored file on this machine's disk, to read: the file itself in a local store;
    /// from S3, a copy downloaded into `dir`.
    pub async fn local_copy(&self, sha256: &str, dir: &std::path::Path) -> Result<PathBuf, StoreError> {
        match &self.backend {
            Backend::Local { store } => Ok(store.path_to_filesystem(&self.location(sha256))?),
            Backend::S3 { store, .. } => {
                use futures_util::StreamExt;
                use tokio::io::AsyncWriteExt;
                let target = dir.join(sha256);
                let mut out = tokio::fs::File::create(&target).await?;
                let mut chunks = store.get(&self.location(sha256)).await?.into_stream();
                while let Some(chunk) = chunks.next().await {
                    out.write_all(&chunk?).await?;
                }
                out.flush().await?;
                Ok(target)
            }
        }
    }

    /// A new temporary file for an upload; deleted when dropped unless kept.
    pub fn temp_file(&self) -> std::io::Result<NamedTempFile> {
        tempfile::Builder::new().prefix("upload-").tempfile_in(&self.tmp_dir)
    }

    /// Deletes a stored file (gone already is fine), and forgets its served type.
    pub async fn delete(&self, sha256: &str) -> Result<(), StoreError> {
        self.served_types.remove(sha256);
        match self.objects().delete(&self.location(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// True if the store holds this file.
    pub async fn contains(&self, sha256: &str) -> Result<bool, StoreError> {
        match self.objects().head(&self.location(sha256)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Moves a received file into the store under its hash. Locally that is a rename
    /// (atomic: the file is either wholly there or not at all); for S3 a streamed multipart
    /// upload, which S3 only makes visible when complete.
    pub async fn put_file(&self, sha256: &str, file: NamedTempFile) -> Result<(), StoreError> {
        let location = self.location(sha256);
        match &self.backend {
            Backend::Local { store } => {
                let target = store.path_to_filesystem(&location)?;
                if let Some(parent) = target.parent() {
                    tokio::fs::create_dir_all(parent).await?;
                }
                file.persist(&target).map_err(|e| StoreError::Io(e.error))?;
            }
            Backend::S3 { store, .. } => {
                let mut upload = WriteMultipart::new(store.put_multipart(&location).await?);
                let mut reader = tokio::fs::File::open(file.path()).await?;
                let mut buffer = vec![0u8; 8 << 20];
                loop {
                    let n = reader.read(&mut buffer).await?;
                    if n == 0 {
                        break;
                    }
                    upload.wait_for_capacity(4).await?;
                    upload.write(&buffer[..n]);
                }
                upload.finish().await?;
            }
        }
        Ok(())
    }

    /// The content type of a stored file, from the cache or else from `lookup` (which
    /// answers `None` for a hash Primer doesn't know).
    pub async fn served_type<E>(
        &self,
        sha256: &str,
        lookup: impl Future<Output = Result<Option<mime::Mime>, E>>,
    ) -> Result<Option<mime::Mime>, E> {
        if let Some(found) = self.served_types.get(sha256) {
            return Ok(Some(found));
        }
        let found = lookup.await?;
        if let Some(mime) = &found {
            self.served_types.insert(sha256.to_string(), mime.clone());
        }
        Ok(found)
    }

    /// Whether `user_id` was found, within `within`, to be allowed `sha256`.
    pub fn granted(&self, user_id: i64, sha256: &str, within: Duration) -> bool {
        self.grants.get(&(user_id, sha256.to_string())).is_some_and(|at| at.elapsed() < within)
    }

    /// Notes the files `user_id` was found allowed, now.
    pub fn grant<'a>(&self, user_id: i64, sha256s: impl IntoIterator<Item = &'a String>) {
        let now = std::time::Instant::now();
        for sha in sha256s {
            self.grants.insert((user_id, sha.clone()), now);
        }
    }

    /// The file on disk, for a local store.
    pub fn local_path(&self, sha256: &str) -> Option<PathBuf> {
        match &self.backend {
            Backend::Local { store } => store.path_to_filesystem(&self.location(sha256)).ok(),
            Backend::S3 { .. } => None,
        }
    }

    /// A URL that lets a browser fetch the file straight from the bucket for a while
    /// (S3 only).
    pub async fn presigned_url(&self, sha256: &str, valid_for: Duration) -> Result<Option<String>, StoreError> {
        match &self.backend {
            Backend::Local { .. } => Ok(None),
            Backend::S3 { store, .. } => {
                let url = store.signed_url(http::Method::GET, &self.location(sha256), valid_for).await?;
                Ok(Some(url.to_string()))
            }
        }
    }
}
