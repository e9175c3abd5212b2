//! Renditions for phones, made in the background from every kind of video phones film:
//! each output checked with ffprobe (codec, profile and level, pixel format, frame rate,
//! index at the front, duration, orientation, sound).

use std::process::Command;

use app::api::{Media, ProcessingState, Quality, Role};
use serde_json::Value;

use crate::{
    db_tests, fixtures,
    support::{
        Session, TestApp,
        build::{run_jobs, upload_as},
    },
};

fn lavfi(spec: &str) -> [&str; 4] {
    ["-f", "lavfi", "-i", spec]
}

/// What a source is, and so what its renditions must be.
struct Source {
    name: &'static str,
    bytes: Vec<u8>,
    duration_s: f64,
    portrait: bool,
    audio: bool,
    hdr: bool,
}

impl Source {
    /// Two seconds, landscape, with sound, SDR: what most fixtures are.
    fn landscape(name: &'static str, bytes: Vec<u8>) -> Source {
        Source { name, bytes, duration_s: 2.0, portrait: false, audio: true, hdr: false }
    }
}

fn sine(seconds: u32) -> String {
    format!("sine=frequency=440:sample_rate=48000:duration={seconds}")
}

fn sources() -> Vec<Source> {
    let x264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"];
    let x265 = ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-tag:v", "hvc1"];
    let aac = ["-c:a", "aac", "-shortest"];
    let video = |name: &'static str, input: &str, codec: &[&str], extra: &[&str], format: &str| {
        let s2 = sine(2);
        let mut args: Vec<&str> = lavfi(input).to_vec();
        let with_audio = !extra.contains(&"-an");
        if with_audio {
            args.extend(lavfi(&s2));
        }
        args.extend(codec);
        if with_audio && format != "webm" {
            args.extend(aac);
        } else if with_audio {
            args.extend(["-c:a", "libopus", "-shortest"]);
        }
        args.extend(extra.iter().filter(|a| **a != "-an"));
        args.extend(["-f", format]);
        fixtures::made(name, &args)
    };
    let landscape = video("h264.mp4", "testsrc2=size=640x360:rate=30:duration=2", &x264, &[], "mp4");
    // Portrait by a rotation tag, as iPhones write it (remuxed, no re-encoding).
    let rotated = {
        fixtures::made(
            "rotated.mp4",
            &["-i", &fixtures::path_of("h264.mp4"), "-c", "copy", "-metadata:s:v:0", "rotate=90", "-f", "mp4"],
        )
    };
    vec![
        Source::landscape("h264.mp4", landscape),
        Source {
            portrait: true,
            ..Source::landscape(
                "portrait.mp4",
                video("portrait.mp4", "testsrc2=size=720x1280:rate=30:duration=2", &x264, &[], "mp4"),
            )
        },
        Source { portrait: true, ..Source::landscape("rotated.mp4", rotated) },
        Source::landscape(
            "hevc.mov",
            video("hevc.mov", "testsrc2=size=1280x720:rate=30:duration=2", &x265, &["-pix_fmt", "yuv420p"], "mov"),
        ),
        Source::landscape("h264.mov", video("h264.mov", "testsrc2=size=640x360:rate=30:duration=2", &x264, &[], "mov")),
        Source::landscape(
            "hevc.mp4",
            video("hevc.mp4", "testsrc2=size=1280x720:rate=30:duration=2", &x265, &["-pix_fmt", "yuv420p"], "mp4"),
        ),
        Source {
            hdr: true,
            ..Source::landscape(
                "hlg.mov",
                video(
                    "hlg.mov",
                    "testsrc2=size=1280x720:rate=30:duration=2",
                    &x265,
                    &[
                        "-pix_fmt",
                        "yuv420p10le",
                        "-color_primaries",
                        "bt2020",
                        "-color_trc",
                        "arib-std-b67",
                        "-colorspace",
                        "bt2020nc",
                    ],
                    "mov",
                ),
            )
        },
        Source::landscape(
            "vp8.webm",
            video(
                "vp8.webm",
                "testsrc2=size=640x360:rate=30:duration=2",
                &["-c:v", "libvpx", "-b:v", "500k"],
                &[],
                "webm",
            ),
        ),
        Source::landscape(
            "vp9.webm",
            video(
                "vp9.webm",
                "testsrc2=size=640x360:rate=30:duration=2",
                &["-c:v", "libvpx-vp9", "-b:v", "500k", "-deadline", "realtime", "-cpu-used", "8"],
                &[],
                "webm",
            ),
        ),
        Source::landscape("4k.mp4", video("4k.mp4", "testsrc2=size=3840x2160:rate=30:duration=2", &x264, &[], "mp4")),
        Source::landscape(
            "60fps.mp4",
            video("60fps.mp4", "testsrc2=size=640x360:rate=60:duration=2", &x264, &[], "mp4"),
        ),
        // Variable frame rate: frames dropped unevenly, their times kept.
        Source::landscape(
            "vfr.mp4",
            video(
                "vfr.mp4",
                "testsrc2=size=640x360:rate=30:duration=2",
                &x264,
                &["-vf", "select='lt(n,15)+not(mod(n,3))'", "-fps_mode", "vfr"],
                "mp4",
            ),
        ),
        Source {
            audio: false,
            ..Source::landscape(
                "silent-picture.mp4",
                video("silent-picture.mp4", "testsrc2=size=640x360:rate=30:duration=2", &x264, &["-an"], "mp4"),
            )
        },
    ]
}

fn ffprobe(path: &str) -> Value {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json", "-show_streams", "-show_format", path])
        .output()
        .expect("ffprobe runs");
    assert!(out.status.success(), "ffprobe {path}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn fraction(s: &str) -> f64 {
    let (n, d) = s.split_once('/').unwrap();
    n.parse::<f64>().unwrap() / d.parse::<f64>().unwrap()
}

/// The top-level MP4 boxes, in order.
fn boxes(bytes: &[u8]) -> Vec<String> {
    let mut at = 0;
    let mut names = Vec::new();
    while at + 8 <= bytes.len() {
        let size = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        names.push(String::from_utf8_lossy(&bytes[at + 4..at + 8]).into_owned());
        let size =
            if size == 1 { u64::from_be_bytes(bytes[at + 8..at + 16].try_into().unwrap()) as usize } else { size };
        if size < 8 {
            break;
        }
        at += size;
    }
    names
}

/// Uploads, runs the jobs, and returns the video as authors then see it.
async fn processed(app: &TestApp, author: &Session, name: &str, bytes: &[u8]) -> Media {
    let reply = upload_as(app, author, name, bytes).await;
    reply.assert_status(201);
    let uploaded: Media = reply.json();
    let processing = uploaded.processing.clone().expect("a video has a processing state");
    assert_eq!(processing.state, ProcessingState::Queued, "{name}: answered at once, the work queued");
    assert!(uploaded.renditions.is_empty());
    run_jobs(app).await;
    let reply = app.get(&format!("/api/v1/media/{}", uploaded.id)).session(author).send().await;
    reply.assert_status(200);
    reply.json()
}

async fn every_kind_of_phone_video_becomes_renditions(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    for source in sources() {
        let media = processed(&app, &author, source.name, &source.bytes).await;
        let name = source.name;
        let processing = media.processing.as_ref().unwrap();
        assert_eq!(processing.state, ProcessingState::Ready, "{name}: {processing:?}");
        let qualities: Vec<Quality> = media.renditions.iter().map(|r| r.quality).collect();
        assert_eq!(qualities, [Quality::DataSaver, Quality::Standard], "{name}");
        for rendition in &media.renditions {
            let what = format!("{name} {:?}", rendition.quality);
            let path = app.state.media.local_path(&rendition.media_id).unwrap();
            let bytes = std::fs::read(&path).unwrap();
            assert_eq!(bytes.len() as u64, rendition.bytes, "{what}");
            let top = boxes(&bytes);
            let (moov, mdat) = (top.iter().position(|b| b == "moov"), top.iter().position(|b| b == "mdat"));
            assert!(moov.is_some() && moov < mdat, "{what}: index at the front: {top:?}");

            let probe = ffprobe(&path.to_string_lossy());
            let streams = probe["streams"].as_array().unwrap();
            let v = streams.iter().find(|s| s["codec_type"] == "video").expect("a picture");
            assert_eq!(v["codec_name"], "h264", "{what}");
            assert_eq!(v["profile"], "High", "{what}");
            assert!(v["level"].as_i64().unwrap() <= 31, "{what}: level {}", v["level"]);
            assert_eq!(v["pix_fmt"], "yuv420p", "{what}");
            assert!(fraction(v["avg_frame_rate"].as_str().unwrap()) <= 30.01, "{what}: {}", v["avg_frame_rate"]);
            let (w, h) = (v["width"].as_u64().unwrap() as u32, v["height"].as_u64().unwrap() as u32);
            assert_eq!((w, h), (rendition.width, rendition.height), "{what}");
            assert_eq!(h > w, source.portrait, "{what}: {w}×{h}");
            assert!(w.min(h) <= if rendition.quality == Quality::DataSaver { 360 } else { 720 }, "{what}: {w}×{h}");
            assert!(
                v["side_data_list"]
                    .as_array()
                    .is_none_or(|l| l.iter().all(|d| d.get("rotation").is_none_or(|r| r == 0))),
                "{what}: rotation applied, not tagged"
            );
            if source.hdr {
                assert_eq!(v["color_transfer"], "bt709", "{what}: tone-mapped");
            }
            let duration = probe["format"]["duration"].as_str().unwrap().parse::<f64>().unwrap();
            assert!((duration - source.duration_s).abs() <= 0.1, "{what}: {duration} s");
            assert!((rendition.duration_s - source.duration_s).abs() <= 0.1, "{what}");
            let audio = streams.iter().find(|s| s["codec_type"] == "audio");
            match (source.audio, audio) {
                (true, Some(a)) => {
                    assert_eq!(a["codec_name"], "aac", "{what}");
                    assert_eq!(a["profile"], "LC", "{what}");
                    assert_eq!(a["sample_rate"], "48000", "{what}");
                }
                (false, None) => {}
                (want, got) => panic!("{what}: sound wanted {want}, got {got:?}"),
            }
            let poster = rendition.poster.as_ref().expect("a poster from the rendition");
            assert_eq!(poster.content_type, "image/jpeg");
        }
        // A rendition is not itself prepared for phones again.
        let own: Media =
            app.get(&format!("/api/v1/media/{}", media.renditions[0].media_id)).session(&author).send().await.json();
        assert!(own.processing.is_none() && own.renditions.is_empty(), "{name}: {own:?}");
        // The original's size is never exceeded: small sources aren't upscaled.
        let standard = &media.renditions[1];
        assert!(standard.width <= media.width.unwrap().max(media.height.unwrap()));
    }
    // Nothing left behind in the temporary directory.
    let leftovers: Vec<_> =
        std::fs::read_dir(app.state.media.tmp_dir()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

async fn keyframes_come_every_two_seconds(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let bytes = fixtures::made(
        "six-seconds.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360:rate=30:duration=6",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "300",
            "-f",
            "mp4",
        ],
    );
    let media = processed(&app, &author, "six-seconds.mp4", &bytes).await;
    for rendition in &media.renditions {
        let path = app.state.media.local_path(&rendition.media_id).unwrap();
        let out = Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-select_streams",
                "v",
                "-skip_frame",
                "nokey",
                "-show_entries",
                "frame=pts_time",
                "-of",
                "csv=p=0",
            ])
            .arg(&path)
            .output()
            .unwrap();
        let times: Vec<f64> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.trim().trim_end_matches(',').parse().ok())
            .collect();
        assert_eq!(times.len(), 3, "{:?}: keyframes at {times:?}", rendition.quality);
        for (i, t) in times.iter().enumerate() {
            assert!((t - 2.0 * i as f64).abs() < 0.05, "{:?}: keyframes at {times:?}", rendition.quality);
        }
    }
}

async fn loud_and_quiet_sound_is_normalised_and_silence_left_alone(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let quiet = fixtures::made(
        "quiet.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x180:rate=30:duration=4",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=300:sample_rate=48000:duration=4",
            "-af",
            "volume=-30dB",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-shortest",
            "-f",
            "mp4",
        ],
    );
    let silent = fixtures::made(
        "silent-sound.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x180:rate=30:duration=4",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=48000:cl=stereo",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-t",
            "4",
            "-f",
            "mp4",
        ],
    );
    for (name, bytes, silent) in [("quiet.mp4", quiet, false), ("silent-sound.mp4", silent, true)] {
        let media = processed(&app, &author, name, &bytes).await;
        for rendition in &media.renditions {
            let path = app.state.media.local_path(&rendition.media_id).unwrap();
            let out = Command::new("ffmpeg")
                .args(["-hide_banner", "-nostats", "-i"])
                .arg(&path)
                .args(["-vn", "-af", "ebur128", "-f", "null", "-"])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stderr);
            let integrated = text
                .lines()
                .rev()
                .find_map(|l| l.trim().strip_prefix("I:").map(|v| v.trim().trim_end_matches("LUFS").trim().to_owned()))
                .unwrap();
            let what = format!("{name} {:?}", rendition.quality);
            if silent {
                let i: f64 = integrated.parse().unwrap_or(-100.0);
                assert!(i <= -70.0, "{what}: silence stays silent, got {integrated}");
            } else {
                let i: f64 = integrated.parse().unwrap();
                assert!((i - -16.0).abs() <= 1.5, "{what}: {i} LUFS");
            }
        }
    }
}

async fn videos_that_cant_be_read_are_refused_with_a_reason(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    // Sound only, in an MP4.
    let sound_only =
        fixtures::made("sound-only.mp4", &["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", "-f", "mp4"]);
    let reply = upload_as(&app, &author, "sound-only.mp4", &sound_only).await;
    reply.assert_error(422, "invalid_media");
    assert!(reply.value()["error"]["message"].as_str().unwrap().contains("no video picture"), "{}", reply.text());
    // Cut short.
    let whole = fixtures::made(
        "whole.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x180:rate=30:duration=2",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-f",
            "mp4",
        ],
    );
    let reply = upload_as(&app, &author, "cut.mp4", &whole[..whole.len() / 2]).await;
    reply.assert_error(422, "invalid_media");
    assert_eq!(run_jobs(&app).await, 0, "nothing was queued for either");
}

async fn reprocess_fills_gaps_and_is_safe_to_run_again(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let bytes = fixtures::made(
        "older.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x180:rate=30:duration=1",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-f",
            "mp4",
        ],
    );
    let reply = upload_as(&app, &author, "older.mp4", &bytes).await;
    let media: Media = reply.json();
    // As if uploaded before renditions existed: no job.
    sea_orm::ConnectionTrait::execute_unprepared(app.db(), "DELETE FROM jobs").await.unwrap();
    let first = server::media::renditions::reprocess(app.db()).await.unwrap();
    assert_eq!((first.asked, first.retried, first.ready), (1, 0, 0));
    let again = server::media::renditions::reprocess(app.db()).await.unwrap();
    assert_eq!((again.asked, again.retried, again.ready), (0, 0, 0), "asked once");
    run_jobs(&app).await;
    let done = server::media::renditions::reprocess(app.db()).await.unwrap();
    assert_eq!((done.asked, done.retried, done.ready), (0, 0, 1), "renditions aren't themselves reprocessed");
    let reply = app.get(&format!("/api/v1/media/{}", media.id)).session(&author).send().await;
    assert_eq!(reply.json::<Media>().renditions.len(), 2);
}

async fn only_authors_see_processing(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let bytes = fixtures::mp4();
    let media: Media = upload_as(&app, &author, "clip.mp4", &bytes).await.json();
    for role in [Role::Learner, Role::Manager] {
        let other = app.signed_in(role).await;
        app.get(&format!("/api/v1/media/{}", media.id)).session(&other).send().await.assert_error(403, "forbidden");
    }
    let admin = app.signed_in(Role::Admin).await;
    app.get(&format!("/api/v1/media/{}", media.id)).session(&admin).send().await.assert_status(200);
    app.get(&format!("/api/v1/media/{}", "0".repeat(64))).session(&admin).send().await.assert_error(404, "not_found");
}

/// `--drop-originals`: once the renditions are made, the upload's own file goes; its
/// record stays (versions name it), learners still get the renditions, and the same bytes
/// uploaded again bring the file back.
async fn originals_can_be_dropped_once_renditions_are_ready(app: TestApp) {
    let app = app.reconfigured(|c| c.media.drop_originals = true);
    let author = app.signed_in(Role::Author).await;
    let bytes = fixtures::mp4();
    let media: Media = upload_as(&app, &author, "dropped.mp4", &bytes).await.assert_status(201).json();
    let path = app.state.media.local_path(&media.id).unwrap();
    assert!(path.exists());
    run_jobs(&app).await;
    assert!(!path.exists(), "the original's file is deleted");
    let ready: Media = app.get(&format!("/api/v1/media/{}", media.id)).session(&author).send().await.json();
    assert_eq!(ready.renditions.len(), 2);
    app.get(&media.url).session(&author).send().await.assert_error(404, "not_found");
    for r in &ready.renditions {
        app.get(&r.url).session(&author).send().await.assert_status(200);
    }
    // Publishable, and learners get the renditions.
    let module = crate::support::build::create(
        &app,
        &author,
        &serde_json::json!({"kind": "video", "title": "Dropped", "video_media_id": media.id}),
    )
    .await;
    crate::support::build::publish(&app, &author, module.id).await;
    let learner = crate::support::build::learner_in(&app, None, None, None).await;
    app.get(&ready.renditions[0].url).session(&learner).send().await.assert_status(200);
    // Nothing for reprocess to do, and the same bytes again restore the file.
    let again = server::media::renditions::reprocess(app.db()).await.unwrap();
    assert_eq!((again.asked, again.retried), (0, 0));
    upload_as(&app, &author, "dropped.mp4", &bytes).await.assert_status(200);
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    app.get(&media.url).session(&author).send().await.assert_status(200);
}

db_tests!(
    originals_can_be_dropped_once_renditions_are_ready,
    every_kind_of_phone_video_becomes_renditions,
    keyframes_come_every_two_seconds,
    loud_and_quiet_sound_is_normalised_and_silence_left_alone,
    videos_that_cant_be_read_are_refused_with_a_reason,
    reprocess_fills_gaps_and_is_safe_to_run_again,
    only_authors_see_processing,
);
