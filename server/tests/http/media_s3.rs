//! The media store on an S3-compatible bucket: `make test` runs a throwaway moto server
//! (scripts/with-s3.sh), so the real object_store S3 client, multipart uploads and
//! presigned URLs are exercised, not a stand-in.

use app::api::{Media, Role};
use futures_util::TryStreamExt;
use object_store::{ObjectStore, aws::AmazonS3Builder, path::Path};
use server::media::MediaStore;

use crate::{
    db_tests, fixtures,
    support::{TestApp, build::upload_as, s3_endpoint},
};

const BUCKET: &str = "primer-test";

fn connection(endpoint: &str) -> AmazonS3Builder {
    AmazonS3Builder::new()
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .with_access_key_id("primer-test")
        .with_secret_access_key("primer-test")
        .with_region("us-east-1")
}

/// The app with its media in the test bucket, under a prefix of its own.
pub fn on_s3(app: &TestApp) -> (TestApp, String) {
    let prefix = format!("run-{}", uuid::Uuid::new_v4().simple());
    (on_s3_at(app, &prefix), prefix)
}

/// The app with its media in the test bucket under `prefix` (another server of the same
/// organisation, say).
pub fn on_s3_at(app: &TestApp, prefix: &str) -> TestApp {
    let url = format!("s3://{BUCKET}/{prefix}");
    let store = MediaStore::s3(connection(&s3_endpoint()), &url, &app.state.config.media, &app.state.config.data_dir)
        .expect("opening the S3 store");
    app.with_media(store)
}

pub async fn keys_under(prefix: &str) -> Vec<String> {
    let bucket = connection(&s3_endpoint()).with_bucket_name(BUCKET).build().unwrap();
    let mut keys: Vec<String> = bucket
        .list(Some(&Path::from(prefix)))
        .map_ok(|o| o.location.to_string())
        .try_collect()
        .await
        .expect("listing the bucket");
    keys.sort();
    keys
}

fn query_param(url: &str, name: &str) -> Option<String> {
    url.split_once('?')?.1.split('&').find_map(|kv| kv.strip_prefix(&format!("{name}=")).map(str::to_string))
}

async fn stores_in_the_bucket_once_and_serves_through_presigned_urls(app: TestApp) {
    let (app, prefix) = on_s3(&app);
    let author = app.signed_in(Role::Author).await;
    let bytes = fixtures::mp4();
    let first = upload_as(&app, &author, "pitch.mp4", &bytes).await;
    first.assert_status(201);
    let media: Media = first.json();
    let poster = media.poster.clone().expect("a poster frame");
    // The same bytes again: the stored record, nothing new in the bucket.
    let again = upload_as(&app, &author, "pitch-copy.mp4", &bytes).await;
    again.assert_status(200);
    assert_eq!(again.json::<Media>().id, media.id);

    let key = |id: &str| format!("{prefix}/{}/{id}", &id[..2]);
    let mut expected = vec![key(&media.id), key(&poster.id)];
    expected.sort();
    assert_eq!(keys_under(&prefix).await, expected, "the video and its poster, once each, under the prefix");
    let leftovers = std::fs::read_dir(app.state.config.data_dir.join("tmp")).unwrap().count();
    assert_eq!(leftovers, 0, "no temporary files are left behind");

    // Someone who may see it (an author; learners once a module uses it) is redirected to
    // a presigned URL; the redirect is cached privately for less time than the URL is valid.
    let learner = app.signed_in(Role::Author).await;
    let reply = app.get(&media.url).session(&learner).send().await;
    reply.assert_status(302);
    let location = reply.header("location").expect("a Location header");
    assert!(location.starts_with(&format!("{}/{BUCKET}/{}", s3_endpoint(), key(&media.id))), "{location}");
    let valid_for: u64 = query_param(&location, "X-Amz-Expires").expect("a presigned URL").parse().unwrap();
    let cache_control = reply.header("cache-control").unwrap();
    let cached_for: u64 = cache_control.strip_prefix("private, max-age=").expect(&cache_control).parse().unwrap();
    assert!(0 < cached_for && cached_for < valid_for, "cached {cached_for}s, valid {valid_for}s");

    // The bucket serves the bytes, whole and in ranges, to a client with no credentials.
    let http = reqwest::Client::new();
    let whole = http.get(&location).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.bytes().await.unwrap().as_ref(), bytes.as_slice());
    let part = http.get(&location).header("range", "bytes=100-199").send().await.unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.unwrap().as_ref(), &bytes[100..200]);

    // Strangers get no redirect at all.
    app.get(&media.url).send().await.assert_error(401, "unauthenticated");
}

async fn a_rejected_upload_leaves_nothing_in_the_bucket(app: TestApp) {
    let (app, prefix) = on_s3(&app);
    let author = app.signed_in(Role::Author).await;
    let mut cut = fixtures::mp4();
    cut.truncate(cut.len() / 3);
    let reply = upload_as(&app, &author, "cut-off.mp4", &cut).await;
    assert!(reply.status.is_client_error(), "{}", reply.text());
    upload_as(&app, &author, "notes.mp4", b"not a video at all").await.assert_error(415, "unsupported_media_type");
    assert_eq!(keys_under(&prefix).await, Vec::<String>::new());
    assert_eq!(std::fs::read_dir(app.state.config.data_dir.join("tmp")).unwrap().count(), 0);
}

/// Pages allow media, images and requests from the bucket the presigned links point at
/// (and nothing else outside Primer).
async fn pages_allow_the_buckets_origin(app: TestApp) {
    let (app, _) = on_s3(&app);
    let author = app.signed_in(Role::Author).await;
    let media: Media = upload_as(&app, &author, "pitch.mp4", &fixtures::mp4()).await.assert_status(201).json();
    let location = app.get(&media.url).session(&author).send().await.header("location").unwrap();
    let uri: http::Uri = location.parse().unwrap();
    let origin = format!("{}://{}", uri.scheme_str().unwrap(), uri.authority().unwrap());
    let page = app.get("/").session(&author).html().send().await;
    let policy = page.header("content-security-policy").expect("a policy");
    for directive in ["media-src", "img-src", "connect-src"] {
        let sources = policy.split(';').map(str::trim).find(|d| d.starts_with(directive)).unwrap();
        assert!(sources.split(' ').any(|s| s == origin), "{directive} allows {origin}: {policy}");
    }
    let scripts = policy.split(';').map(str::trim).find(|d| d.starts_with("script-src")).unwrap();
    assert!(!scripts.contains(&origin), "scripts never come from the bucket: {policy}");
}

/// The background job reads the upload from the bucket (a copy in its own temporary
/// directory), stores the renditions and their posters there, and leaves nothing on disk.
async fn renditions_are_made_from_and_stored_in_the_bucket(app: TestApp) {
    let (app, prefix) = on_s3(&app);
    let author = app.signed_in(Role::Author).await;
    let media: Media = upload_as(&app, &author, "pitch.mp4", &fixtures::mp4()).await.assert_status(201).json();
    assert_eq!(crate::support::build::run_jobs(&app).await, 1);
    let ready: Media = app.get(&format!("/api/v1/media/{}", media.id)).session(&author).send().await.json();
    assert_eq!(ready.renditions.len(), 2, "{:?}", ready.processing);
    let key = |id: &str| format!("{prefix}/{}/{id}", &id[..2]);
    let mut expected = vec![key(&media.id), key(&media.poster.unwrap().id)];
    for r in &ready.renditions {
        expected.push(key(&r.media_id));
        expected.push(key(&r.poster.as_ref().unwrap().id));
    }
    expected.sort();
    expected.dedup();
    assert_eq!(keys_under(&prefix).await, expected, "the upload, the renditions and their posters");
    let leftovers: Vec<_> =
        std::fs::read_dir(app.state.config.data_dir.join("tmp")).unwrap().flatten().map(|e| e.path()).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

db_tests!(
    renditions_are_made_from_and_stored_in_the_bucket,
    stores_in_the_bucket_once_and_serves_through_presigned_urls,
    a_rejected_upload_leaves_nothing_in_the_bucket,
    pages_allow_the_buckets_origin,
);
