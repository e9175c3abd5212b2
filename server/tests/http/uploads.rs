//! Resumable uploads of takes (tus 1.0): requests cut at random points and resumed, on
//! this server and another sharing the database (and, in S3 mode, the bucket); the bytes
//! stored once under their hash; and who may do what with an upload and see a take.

use app::api::{Media, Role, Upload};
use axum::body::Body;
use base64::Engine;
use bytes::Bytes;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use serde_json::json;
use server::db::entities::{media, take, upload};
use sha2::{Digest, Sha256};

use crate::{
    db_tests, fixtures,
    media_s3::{keys_under, on_s3, on_s3_at},
    practice::practice,
    support::{
        Reply, Session, TestApp,
        build::{create, learner_in, manager_of, publish, tip, walk},
    },
};

/// A deterministic stream of choices, from a seed a failing run prints.
struct Dice(u64);

impl Dice {
    fn seeded() -> Dice {
        let seed = std::env::var("PRIMER_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
        });
        eprintln!("uploads: PRIMER_TEST_SEED={seed}");
        Dice(seed | 1)
    }

    /// 0..n (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// `POST /api/v1/uploads` for a take of `module` of `length` bytes.
pub async fn start(app: &TestApp, who: &Session, module: i64, length: usize) -> Reply {
    app.post("/api/v1/uploads")
        .session(who)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", &length.to_string())
        .header(
            "upload-metadata",
            &format!("filename {},module {}", b64("take <b>1</b>.mp4"), b64(&module.to_string())),
        )
        .send()
        .await
}

/// Where the server has an upload (`HEAD`).
async fn offset_of(app: &TestApp, who: &Session, url: &str) -> u64 {
    let reply = app.request(axum::http::Method::HEAD, url).session(who).header("tus-resumable", "1.0.0").send().await;
    reply.assert_status(200);
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
    reply.header("upload-offset").expect("Upload-Offset").parse().unwrap()
}

/// A `PATCH` of `bytes` from `offset`, arriving in pieces of `piece` bytes; if `cut_after`,
/// the connection breaks after that many.
pub async fn send(
    app: &TestApp,
    who: &Session,
    url: &str,
    offset: u64,
    bytes: &[u8],
    piece: usize,
    cut_after: Option<usize>,
) -> Reply {
    let upto = cut_after.unwrap_or(bytes.len()).min(bytes.len());
    let mut pieces: Vec<Result<Bytes, std::io::Error>> =
        bytes[..upto].chunks(piece.max(1)).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    if cut_after.is_some() {
        pieces.push(Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "the lift doors closed")));
    }
    app.patch(url)
        .session(who)
        .header("tus-resumable", "1.0.0")
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", &offset.to_string())
        .streamed(Body::from_stream(futures_util::stream::iter(pieces)))
        .send()
        .await
}

/// A published practice module and a learner (in a team) who may record it.
async fn setup(app: &TestApp) -> (i64, Session) {
    let author = app.signed_in(Role::Author).await;
    let module = create(app, &author, &practice()).await;
    publish(app, &author, module.id).await;
    let learner = app.signed_in(Role::Learner).await;
    (module.id, learner)
}

/// A video of about 14 MB (three S3 parts, the last one short), made once per run.
fn big_take() -> Vec<u8> {
    fixtures::made(
        "take-big.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=duration=4:size=640x360:rate=25",
            "-vf",
            "noise=alls=60:allf=t",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-b:v",
            "30M",
            "-maxrate",
            "30M",
            "-bufsize",
            "4M",
            "-pix_fmt",
            "yuv420p",
            "-f",
            "mp4",
        ],
    )
}

/// Sends `bytes` through `servers` (taking turns at random), each request cut at a random
/// point most of the time, until the upload is whole. Every answer's offset is exactly
/// what the server kept; answers the media id.
async fn upload_through(servers: &[&TestApp], who: &Session, module: i64, bytes: &[u8], dice: &mut Dice) -> String {
    let created = start(servers[0], who, module, bytes.len()).await;
    created.assert_status(201);
    let url = created.header("location").expect("Location");
    assert_eq!(created.json::<Upload>().url, url);
    let mut requests = 0;
    loop {
        requests += 1;
        assert!(requests < 200, "the upload ends");
        let server = servers[dice.below(servers.len() as u64) as usize];
        let offset = offset_of(server, who, &url).await;
        let rest = &bytes[offset as usize..];
        let piece = 1 + dice.below(256 << 10) as usize;
        let cut = (dice.below(10) < 7).then(|| dice.below(rest.len() as u64) as usize);
        let reply = send(server, who, &url, offset, rest, piece, cut).await;
        reply.assert_status(204);
        let said: u64 = reply.header("upload-offset").unwrap().parse().unwrap();
        match cut {
            Some(n) => assert_eq!(said, offset + n as u64, "a cut request keeps every byte that arrived"),
            None => assert_eq!(said, bytes.len() as u64),
        }
        assert_eq!(offset_of(servers[0], who, &url).await, said, "what it said is what is kept");
        if let Some(media) = reply.header("primer-media-id") {
            let progress: Upload = servers[0].get(&url).session(who).send().await.assert_status(200).json();
            assert_eq!(progress.media_id.as_deref(), Some(media.as_str()));
            return media;
        }
    }
}

async fn assert_stored_once(app: &TestApp, who: &Session, module: i64, bytes: &[u8], media_id: &str) {
    assert_eq!(media_id, hex::encode(Sha256::digest(bytes)), "stored under the hash of the bytes sent");
    let takes = take::Entity::find().filter(take::Column::UserId.eq(who.user.id)).all(app.db()).await.unwrap();
    assert_eq!(takes.len(), 1, "one take");
    assert_eq!(
        (takes[0].media_sha256.as_str(), takes[0].module_id, takes[0].bytes),
        (media_id, module, bytes.len() as i64)
    );
    let row = media::Entity::find_by_id(media_id.to_string()).one(app.db()).await.unwrap().expect("a media row");
    assert_eq!((row.kind.as_str(), row.uploaded_by), ("video", Some(who.user.id)));
    assert_eq!(row.original_name.as_deref(), Some("take <b>1</b>.mp4"));
    // The take is theirs to watch.
    let watched = app.get(&format!("/media/{media_id}")).session(who).send().await;
    assert!(matches!(watched.status.as_u16(), 200 | 302), "{}", watched.status);
}

async fn cut_uploads_resume_here_and_on_another_server(app: TestApp) {
    let (module, learner) = setup(&app).await;
    let other = app.reconfigured(|_| {});
    let mut dice = Dice::seeded();
    let bytes = fixtures::mp4();
    let media_id = upload_through(&[&app, &other], &learner, module, &bytes, &mut dice).await;
    assert_stored_once(&app, &learner, module, &bytes, &media_id).await;
    // The same take again (a phone that didn't hear the answer starts over): stored once.
    let again = upload_through(&[&other], &learner, module, &bytes, &mut dice).await;
    assert_eq!(again, media_id);
    assert_stored_once(&app, &learner, module, &bytes, &media_id).await;
    let data = &app.state.config.data_dir;
    assert_eq!(walk(&data.join("uploads")), 0, "no partial bytes are left");
    assert_eq!(walk(&data.join("tmp")), 0, "no temporary files are left");
}

async fn cut_uploads_resume_on_another_server_through_the_bucket(app: TestApp) {
    let (app, prefix) = on_s3(&app);
    let (module, learner) = setup(&app).await;
    // Another server: the same database and bucket, its own disk.
    let disk = tempfile::tempdir().unwrap();
    let other = on_s3_at(&app.reconfigured(|c| c.data_dir = disk.path().to_path_buf()), &prefix);
    let mut dice = Dice::seeded();
    let bytes = big_take();
    assert!(bytes.len() > 2 * server::uploads::partial::PART, "the take spans parts: {} bytes", bytes.len());
    let media_id = upload_through(&[&app, &other], &learner, module, &bytes, &mut dice).await;
    assert_stored_once(&app, &learner, module, &bytes, &media_id).await;
    let left: Vec<String> = keys_under(&prefix).await.into_iter().filter(|k| k.contains("/uploads/")).collect();
    assert!(left.is_empty(), "no parts or tails are left in the bucket: {left:?}");
    for data in [&app.state.config.data_dir, &other.state.config.data_dir] {
        assert_eq!(walk(&data.join("uploads")) + walk(&data.join("tmp")), 0, "nothing is left on either disk");
    }
}

async fn uploads_are_checked_and_bound_to_their_person(app: TestApp) {
    let (module, learner) = setup(&app).await;
    let bytes = fixtures::mp4();

    // What the server speaks, to anyone.
    let options = app.request(axum::http::Method::OPTIONS, "/api/v1/uploads").send().await;
    options.assert_status(204);
    assert_eq!(options.header("tus-version").as_deref(), Some("1.0.0"));
    assert_eq!(options.header("tus-resumable").as_deref(), Some("1.0.0"));
    assert_eq!(options.header("tus-extension").as_deref(), Some("creation,termination"));
    assert_eq!(options.header("tus-max-size"), Some((1u64 << 30).to_string()));

    // Creation: each bad header refused with its reason, nothing made.
    let post = || app.post("/api/v1/uploads").session(&learner);
    post().header("upload-length", "10").send().await.assert_error(412, "unsupported_tus_version");
    let tus = || post().header("tus-resumable", "1.0.0");
    let meta = format!("module {}", b64(&module.to_string()));
    tus().header("upload-metadata", &meta).send().await.assert_error(400, "malformed_request");
    tus()
        .header("upload-length", "-5")
        .header("upload-metadata", &meta)
        .send()
        .await
        .assert_error(400, "malformed_request");
    tus().header("upload-length", "0").header("upload-metadata", &meta).send().await.assert_error(422, "empty_upload");
    tus()
        .header("upload-length", &((1u64 << 30) + 1).to_string())
        .header("upload-metadata", &meta)
        .send()
        .await
        .assert_error(413, "too_large");
    tus().header("upload-length", "10").send().await.assert_error(400, "malformed_request");
    tus()
        .header("upload-length", "10")
        .header("upload-metadata", "module ***")
        .send()
        .await
        .assert_error(400, "malformed_request");
    tus()
        .header("upload-length", "10")
        .header("upload-defer-length", "1")
        .header("upload-metadata", &meta)
        .send()
        .await
        .assert_error(400, "malformed_request");
    // Only takes of a practice module the person may open.
    let author = app.signed_in(Role::Author).await;
    let card = create(&app, &author, &tip("Card", "Body")).await;
    publish(&app, &author, card.id).await;
    let draft = create(&app, &author, &practice()).await;
    for id in [card.id.to_string(), draft.id.to_string(), "99999".into(), "<script>".into()] {
        let reply =
            tus().header("upload-length", "10").header("upload-metadata", &format!("module {}", b64(&id))).send().await;
        reply.assert_error(404, "not_found");
    }
    assert_eq!(upload::Entity::find().count(app.db()).await.unwrap(), 0, "nothing was made");

    // Bound to its person: anyone else finds nothing there.
    let created = start(&app, &learner, module, bytes.len()).await;
    created.assert_status(201);
    let url = created.header("location").unwrap();
    assert!(url.starts_with("/api/v1/uploads/"), "{url}");
    assert_eq!(created.header("upload-offset").as_deref(), Some("0"));
    assert!(created.header("upload-expires").is_some());
    let stranger = app.signed_in(Role::Learner).await;
    let admin = app.signed_in(Role::Admin).await;
    for who in [&stranger, &admin] {
        app.request(axum::http::Method::HEAD, &url)
            .session(who)
            .header("tus-resumable", "1.0.0")
            .send()
            .await
            .assert_status(404);
        app.get(&url).session(who).send().await.assert_error(404, "not_found");
        send(&app, who, &url, 0, &bytes, 4096, None).await.assert_error(404, "not_found");
        app.request(axum::http::Method::DELETE, &url)
            .session(who)
            .header("tus-resumable", "1.0.0")
            .send()
            .await
            .assert_error(404, "not_found");
    }

    // Sending: the right type, from where it stands, no further than its length.
    let patch = |offset: &str, content_type: &str| {
        app.patch(&url)
            .session(&learner)
            .header("tus-resumable", "1.0.0")
            .header("content-type", content_type)
            .header("upload-offset", offset)
            .raw(bytes[..100].to_vec())
    };
    patch("0", "application/octet-stream").send().await.assert_error(415, "unsupported_media_type");
    patch("5", "application/offset+octet-stream").send().await.assert_error(409, "upload_offset_mismatch");
    app.patch(&url)
        .session(&learner)
        .header("tus-resumable", "1.0.0")
        .header("content-type", "application/offset+octet-stream")
        .raw(vec![1])
        .send()
        .await
        .assert_error(400, "malformed_request");
    send(&app, &learner, &url, 0, &bytes[..1000], 100, None).await.assert_status(204);
    let mut too_much = bytes[1000..].to_vec();
    too_much.extend_from_slice(b"and then some");
    send(&app, &learner, &url, 1000, &too_much, 64 << 10, None).await.assert_error(400, "malformed_request");
    assert_eq!(offset_of(&app, &learner, &url).await, 1000, "nothing past its length, nor of that request, was kept");

    // One writer at a time: while a request holds it, another waits (423, Retry-After);
    // a hold past its time is nobody's.
    let hold = |until: chrono::DateTime<chrono::Utc>| {
        upload::Entity::update_many()
            .col_expr(upload::Column::LeaseToken, Expr::value("someone-else"))
            .col_expr(upload::Column::LeaseUntil, Expr::value(until))
            .filter(upload::Column::UserId.eq(learner.user.id))
            .exec(app.db())
    };
    hold(server::db::now() + chrono::TimeDelta::seconds(20)).await.unwrap();
    let locked = send(&app, &learner, &url, 1000, &bytes[1000..2000], 100, None).await;
    locked.assert_error(423, "upload_locked");
    assert_eq!(locked.header("retry-after").as_deref(), Some("1"));
    hold(server::db::now() - chrono::TimeDelta::seconds(1)).await.unwrap();
    send(&app, &learner, &url, 1000, &bytes[1000..2000], 100, None).await.assert_status(204);

    // Whole: the take is stored; sending the end again is answered the same.
    let done = send(&app, &learner, &url, 2000, &bytes[2000..], 512, None).await;
    done.assert_status(204);
    let media_id = done.header("primer-media-id").expect("the take's media id");
    let again = send(&app, &learner, &url, bytes.len() as u64, &[], 1, None).await;
    again.assert_status(204);
    assert_eq!(again.header("primer-media-id").as_deref(), Some(media_id.as_str()));
    send(&app, &learner, &url, 10, &bytes[10..20], 10, None).await.assert_error(409, "upload_offset_mismatch");
    let media: Media =
        app.get(&format!("/api/v1/media/{media_id}")).session(&admin).send().await.assert_status(200).json();
    assert_eq!(media.kind, "video");
    // Authors don't see people's takes, not even what they are.
    app.get(&format!("/api/v1/media/{media_id}")).session(&author).send().await.assert_error(404, "not_found");

    // A whole file that isn't a video is refused, and nothing of it kept.
    let png = fixtures::png();
    let refused = start(&app, &learner, module, png.len()).await;
    let refused_url = refused.header("location").unwrap();
    send(&app, &learner, &refused_url, 0, &png, 1024, None).await.assert_error(415, "unsupported_media_type");
    app.get(&refused_url).session(&learner).send().await.assert_error(404, "not_found");
    let png_id = hex::encode(Sha256::digest(&png));
    assert!(media::Entity::find_by_id(png_id).one(app.db()).await.unwrap().is_none(), "the image wasn't stored");

    // Termination: an unfinished upload and its bytes go.
    let stopped = start(&app, &learner, module, bytes.len()).await.header("location").unwrap();
    send(&app, &learner, &stopped, 0, &bytes, 1024, Some(700)).await.assert_status(204);
    app.request(axum::http::Method::DELETE, &stopped)
        .session(&learner)
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .assert_status(204);
    app.get(&stopped).session(&learner).send().await.assert_error(404, "not_found");
    assert_eq!(walk(&app.state.config.data_dir.join("uploads")), 0, "its bytes are gone");

    // The quota counts takes stored and uploads coming in at their whole size.
    let tight = app.reconfigured(|c| c.media.limits.takes_per_person = bytes.len() as u64 * 2 + 10);
    let coming = start(&tight, &learner, module, bytes.len()).await;
    coming.assert_status(201);
    let over = start(&tight, &learner, module, 11).await;
    over.assert_error(413, "quota_exceeded");
    assert!(over.value()["error"]["message"].as_str().unwrap().contains("Delete takes you no longer need"));

    // Housekeeping deletes what nobody finished for a day, with its bytes; takes stay.
    upload::Entity::update_many()
        .col_expr(upload::Column::UpdatedAt, Expr::value(server::db::now() - chrono::TimeDelta::hours(25)))
        .exec(app.db())
        .await
        .unwrap();
    let purged = server::uploads::purge_stale(app.db(), app.state.media.partial_place()).await.unwrap();
    assert_eq!(purged, 2, "the unfinished upload and the finished one's row");
    assert_eq!(upload::Entity::find().count(app.db()).await.unwrap(), 0);
    assert_eq!(walk(&app.state.config.data_dir.join("uploads")), 0);
    assert_eq!(take::Entity::find().count(app.db()).await.unwrap(), 1, "the take stays");
}

/// A take goes to its person, their reviewers (the module asks teammates too), managers
/// of their team and admins; not to authors, nor to anyone else.
async fn takes_are_seen_only_by_their_people(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let team = |name: &'static str| {
        let admin = admin.clone();
        let app = &app;
        async move {
            app.post("/api/v1/teams")
                .session(&admin)
                .json(&json!({"name": name}))
                .send()
                .await
                .assert_status(201)
                .value()["id"]
                .as_i64()
                .unwrap()
        }
    };
    let (mine, theirs) = (team("North").await, team("South").await);
    let author = app.signed_in(Role::Author).await;
    let module = create(&app, &author, &practice()).await;
    publish(&app, &author, module.id).await;
    let learner = learner_in(&app, None, Some(mine), None).await;
    let bytes = fixtures::mp4();
    let url = start(&app, &learner, module.id, bytes.len()).await.header("location").unwrap();
    let media_id = send(&app, &learner, &url, 0, &bytes, 8192, None).await.header("primer-media-id").unwrap();
    let media: Media = app.get(&format!("/api/v1/media/{media_id}")).session(&admin).send().await.json();
    let poster = media.poster.expect("a poster").id;

    let teammate = learner_in(&app, None, Some(mine), None).await;
    let outsider = learner_in(&app, None, Some(theirs), None).await;
    let my_manager = manager_of(&app, &admin, mine).await;
    let other_manager = manager_of(&app, &admin, theirs).await;
    for (who, name, allowed) in [
        (&learner, "its person", true),
        (&teammate, "a teammate (peers review)", true),
        (&my_manager, "their manager", true),
        (&admin, "an admin", true),
        (&author, "an author", false),
        (&outsider, "someone of another team", false),
        (&other_manager, "another team's manager", false),
    ] {
        for file in [&media_id, &poster] {
            let status = app.get(&format!("/media/{file}")).session(who).send().await.status.as_u16();
            assert_eq!(status == 200, allowed, "{name} fetching the take's {file}: {status}");
            if !allowed {
                assert_eq!(status, 404, "as if it weren't there");
            }
        }
    }
}

/// A multipart body with a `module` field, then the file.
fn take_form(module: &str, name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "primer-take-boundary-3c9a";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"module\"\r\n\r\n{module}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A whole take through `POST /api/v1/media` is a take like a resumable one: of a
/// practice module the person may open, a video, within the quota.
async fn whole_takes_go_through_post_media_too(app: TestApp) {
    let (module, learner) = setup(&app).await;
    let post = |app: &TestApp, module: &str, bytes: &[u8]| {
        let (content_type, body) = take_form(module, "take <b>1</b>.mp4", bytes);
        let (app, learner) = (app.clone(), learner.clone());
        async move {
            app.post("/api/v1/media").session(&learner).header("content-type", &content_type).raw(body).send().await
        }
    };
    let bytes = fixtures::mp4();
    let stored: Media = post(&app, &module.to_string(), &bytes).await.assert_status(201).json();
    assert_stored_once(&app, &learner, module, &bytes, &stored.id).await;
    post(&app, "999999", &bytes).await.assert_error(404, "not_found");
    post(&app, &module.to_string(), &fixtures::png()).await.assert_error(415, "unsupported_media_type");
    let tight = app.reconfigured(|c| c.media.limits.takes_per_person = bytes.len() as u64 + 100);
    post(&tight, &module.to_string(), &fixtures::webm()).await.assert_error(413, "quota_exceeded");
    assert_eq!(take::Entity::find().count(app.db()).await.unwrap(), 1, "one take");
}

db_tests!(
    whole_takes_go_through_post_media_too,
    cut_uploads_resume_here_and_on_another_server,
    cut_uploads_resume_on_another_server_through_the_bucket,
    uploads_are_checked_and_bound_to_their_person,
    takes_are_seen_only_by_their_people,
);
