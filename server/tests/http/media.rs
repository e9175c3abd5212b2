//! Uploading and serving media.

use app::api::{Media, Role};
use axum::http::Method;

use crate::{
    db_tests, fixtures,
    support::{
        Reply, TestApp,
        build::{multipart, upload_as, walk},
    },
};

/// Files in the store and in the upload directory.
fn stored_files(app: &TestApp) -> (usize, usize) {
    let count = |dir: std::path::PathBuf| walk(&dir);
    (count(app.state.config.data_dir.join("media")), count(app.state.config.data_dir.join("tmp")))
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

async fn uploads_a_video_with_its_metadata_and_poster(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let bytes = fixtures::mp4();
    let reply = upload_as(&app, &author, "aurora-intro.mp4", &bytes).await;
    reply.assert_status(201);
    let media: Media = reply.json();
    assert_eq!(media.id, sha256(&bytes));
    assert_eq!(media.sha256, media.id);
    assert_eq!(media.url, format!("/media/{}", media.id));
    assert_eq!((media.kind.as_str(), media.content_type.as_str()), ("video", "video/mp4"));
    assert_eq!(media.bytes, bytes.len() as u64);
    assert!((media.duration_s.unwrap() - 2.0).abs() < 0.2, "{:?}", media.duration_s);
    assert_eq!((media.width, media.height), (Some(320), Some(240)));
    assert_eq!(media.original_name.as_deref(), Some("aurora-intro.mp4"));
    let poster = media.poster.expect("a poster frame");
    assert_eq!(poster.content_type, "image/jpeg");

    // Served back, byte for byte, to whoever may see it: another author here (learners
    // once a module using it is published; see trust.rs).
    let learner = app.signed_in(Role::Author).await;
    let got = app.get(&media.url).session(&learner).send().await;
    got.assert_status(200);
    assert_eq!(got.body, bytes);
    assert_eq!(got.header("content-type").as_deref(), Some("video/mp4"));
    assert_eq!(got.header("etag"), Some(format!("\"{}\"", media.id)));
    assert_eq!(got.header("cache-control").as_deref(), Some("private, max-age=31536000, immutable"));
    assert_eq!(got.header("accept-ranges").as_deref(), Some("bytes"));
    assert!(got.header("content-encoding").is_none(), "video is never re-compressed");
    let poster_image = app.get(&poster.url).session(&learner).send().await;
    poster_image.assert_status(200);
    assert_eq!(&poster_image.body[..3], b"\xFF\xD8\xFF", "a JPEG");

    // Not to strangers.
    app.get(&media.url).send().await.assert_error(401, "unauthenticated");
    app.get("/media/0000000000000000000000000000000000000000000000000000000000000000")
        .session(&learner)
        .send()
        .await
        .assert_error(404, "not_found");
    app.get("/media/not-a-hash").session(&learner).send().await.assert_error(404, "not_found");
}

/// A file to upload: name, bytes, the type Primer should find, and its size in pixels.
type UploadCase = (&'static str, Vec<u8>, &'static str, Option<(u32, u32)>);

async fn uploads_every_supported_type(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let cases: [UploadCase; 5] = [
        ("clip.webm", fixtures::webm(), "video/webm", Some((160, 120))),
        ("red.png", fixtures::png(), "image/png", Some((64, 48))),
        ("blue.jpg", fixtures::jpeg(), "image/jpeg", Some((80, 60))),
        ("green.webp", fixtures::webp(), "image/webp", Some((32, 16))),
        ("captions.vtt", fixtures::vtt(), "text/vtt", None),
    ];
    for (name, bytes, content_type, size) in cases {
        let reply = upload_as(&app, &author, name, &bytes).await;
        reply.assert_status(201);
        let media: Media = reply.json();
        assert_eq!(media.content_type, content_type, "{name}");
        assert_eq!(media.width.zip(media.height), size, "{name}");
    }
}

async fn the_same_bytes_are_stored_once(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let bytes = fixtures::png();
    let first: Media = upload_as(&app, &author, "a.png", &bytes).await.assert_status(201).json();
    let files_after_first = stored_files(&app);
    let second = upload_as(&app, &author, "renamed.png", &bytes).await;
    second.assert_status(200);
    let second: Media = second.json();
    assert_eq!(second, first, "the stored record, as it was");
    assert_eq!(stored_files(&app), files_after_first, "no second copy");
    assert_eq!(files_after_first.1, 0, "no upload left in the temporary directory");
}

async fn oversize_uploads_are_refused_while_streaming(app: TestApp) {
    let app = app.reconfigured(|c| {
        c.media.limits.image = 1024;
        c.media.limits.video = 20_000;
    });
    let author = app.signed_in(Role::Author).await;
    let reply = upload_as(&app, &author, "big.png", &fixtures::png().repeat(20)).await;
    reply.assert_error(413, "too_large");
    assert!(reply.value()["error"]["message"].as_str().unwrap().contains("1 KiB"));
    let reply = upload_as(&app, &author, "big.mp4", &fixtures::mp4()).await;
    reply.assert_error(413, "too_large");
    assert_eq!(stored_files(&app), (0, 0), "nothing left behind");
}

async fn damaged_and_cut_off_uploads_leave_nothing(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    // A video cut short: with its index at the end, the index is missing...
    let cut = &fixtures::mp4_index_at_end()[..30_000];
    upload_as(&app, &author, "cut.mp4", cut).await.assert_error(422, "invalid_media");
    // ...and with its index at the front, the frames are.
    let cut = &fixtures::mp4()[..20_000];
    upload_as(&app, &author, "cut-front.mp4", cut).await.assert_error(422, "invalid_media");
    // An image cut short.
    let png = fixtures::png();
    upload_as(&app, &author, "cut.png", &png[..20]).await.assert_error(422, "invalid_media");
    // The upload itself cut off: the multipart body ends in the middle of the file.
    let (content_type, body) = multipart("clip.mp4", &fixtures::mp4());
    let reply = app
        .post("/api/v1/media")
        .session(&author)
        .header("content-type", &content_type)
        .raw(body[..body.len() / 2].to_vec())
        .send()
        .await;
    reply.assert_error(400, "malformed_request");
    assert_eq!(stored_files(&app), (0, 0), "nothing left behind");
}

async fn wrong_and_empty_uploads_are_refused(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    // The name says PNG; the bytes say PDF.
    upload_as(&app, &author, "not-really.png", b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj")
        .await
        .assert_error(415, "unsupported_media_type");
    upload_as(&app, &author, "page.html", b"<html><script>alert(1)</script></html>")
        .await
        .assert_error(415, "unsupported_media_type");
    upload_as(&app, &author, "empty.png", b"").await.assert_error(422, "empty_upload");
    // Not multipart at all, or no `file` field.
    app.post("/api/v1/media")
        .session(&author)
        .raw(fixtures::png())
        .header("content-type", "image/png")
        .send()
        .await
        .assert_error(415, "unsupported_media_type");
    let boundary = "b";
    let body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--{boundary}--\r\n");
    app.post("/api/v1/media")
        .session(&author)
        .header("content-type", &format!("multipart/form-data; boundary={boundary}"))
        .raw(body.into_bytes())
        .send()
        .await
        .assert_error(400, "malformed_request");
    assert_eq!(stored_files(&app), (0, 0));
}

async fn only_authors_and_admins_upload(app: TestApp) {
    for role in [Role::Learner, Role::Manager] {
        let session = app.signed_in(role).await;
        upload_as(&app, &session, "a.png", &fixtures::png()).await.assert_error(403, "forbidden");
    }
    let admin = app.signed_in(Role::Admin).await;
    upload_as(&app, &admin, "a.png", &fixtures::png()).await.assert_status(201);
}

async fn serves_byte_ranges(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let bytes = fixtures::mp4();
    let len = bytes.len();
    let media: Media = upload_as(&app, &author, "clip.mp4", &bytes).await.json();
    let range = |spec: String| {
        let (app, author, url) = (app.clone(), author.clone(), media.url.clone());
        async move { app.get(&url).session(&author).header("range", &spec).send().await }
    };
    let expect = |reply: Reply, from: usize, to: usize| {
        assert_eq!(reply.status.as_u16(), 206, "{:?}", reply.headers);
        assert_eq!(reply.header("content-range"), Some(format!("bytes {from}-{to}/{len}")));
        assert_eq!(reply.body, &bytes[from..=to]);
        assert_eq!(reply.header("etag"), Some(format!("\"{}\"", media.id)));
    };
    // The first bytes (Safari asks for bytes=0-1 first).
    expect(range("bytes=0-1".into()).await, 0, 1);
    // The middle.
    expect(range("bytes=1000-4999".into()).await, 1000, 4999);
    // The last 500 bytes.
    expect(range("bytes=-500".into()).await, len - 500, len - 1);
    // From somewhere to the end (a video seeking).
    expect(range(format!("bytes={}-", len - 1234)).await, len - 1234, len - 1);
    // An end past the file is clamped.
    expect(range(format!("bytes={}-{}", len - 10, len + 1000)).await, len - 10, len - 1);
    // Outside the file.
    let outside = range(format!("bytes={len}-")).await;
    assert_eq!(outside.status.as_u16(), 416);
    assert_eq!(outside.header("content-range"), Some(format!("bytes */{len}")));

    // HEAD: the headers without the body.
    let head = app.request(Method::HEAD, &media.url).session(&author).send().await;
    head.assert_status(200);
    assert_eq!(head.header("content-length"), Some(len.to_string()));
    assert!(head.body.is_empty());

    // A cached copy is still good.
    let again = app.get(&media.url).session(&author).header("if-none-match", &format!("\"{}\"", media.id)).send().await;
    again.assert_status(304);
    assert!(again.body.is_empty());
}

db_tests!(
    uploads_a_video_with_its_metadata_and_poster,
    uploads_every_supported_type,
    the_same_bytes_are_stored_once,
    oversize_uploads_are_refused_while_streaming,
    damaged_and_cut_off_uploads_leave_nothing,
    wrong_and_empty_uploads_are_refused,
    only_authors_and_admins_upload,
    serves_byte_ranges,
);
