//! Renditions: every uploaded video becomes small H.264 MP4s a phone can save over one
//! bar of signal and play anywhere, made in the background (a `renditions` job).
//!
//! Both renditions come from one ffmpeg run (the source decoded once, split): H.264
//! High profile at level 3.1, yuv420p, at most 30 frames a second, a keyframe every 2 s
//! (quick seeking), AAC-LC at 48 kHz, the index at the front (`+faststart`), metadata
//! dropped (phones write the place a video was filmed). Never upscaled; a rotation tag
//! is applied, so portrait stays portrait; HDR (HLG or PQ) is tone-mapped to BT.709;
//! sound is normalised to −16 LUFS and −1.5 dBTP with two-pass `loudnorm`, unless it is
//! quieter than −70 LUFS (silence stays silence).
//!
//! The sizes are held by a capped bitrate (x264's VBV: over any stretch, at most
//! `maxrate × seconds + bufsize`), not by CRF alone, so a busy picture can't blow the
//! budget; CRF picks the quality below the cap. Settings measured on real footage are in
//! docs/architecture.md.

use std::{collections::HashMap, path::Path, process::Stdio, time::Duration};

use app::api::{Processing, ProcessingState, Quality, Rendition, media_url};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use super::{FileChunks, MediaStore, probe};
use crate::{
    db::{
        self,
        entities::{media, rendition},
    },
    error::ApiError,
    jobs::{
        JobError, Kind, State, child,
        queue::{self, NewJob},
        runner::Context,
    },
};

/// One rendition's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rung {
    pub quality: Quality,
    /// The shorter side, in pixels (smaller sources keep theirs).
    pub short_side: u32,
    /// The quality asked of x264 below the cap.
    pub crf: u8,
    /// The cap: kbit/s over any stretch, with this much buffer (kbit).
    pub maxrate_k: u32,
    pub bufsize_k: u32,
    pub audio_k: u32,
    pub audio_channels: u8,
}

/// The renditions every video gets. Data saver: 190 + 48 kbit/s is 1.79 MB a minute at
/// most (plus a 47 KB buffer), under the 1.9 MB budget with the MP4's overhead; a
/// 90-second module with its poster stays under 3 MB. Mono sound: talking heads, and
/// the bits go to the picture. Standard: 900 + 96 kbit/s, at most 7.5 MB a minute.
pub const LADDER: [Rung; 2] = [
    Rung {
        quality: Quality::DataSaver,
        short_side: 360,
        crf: 26,
        maxrate_k: 190,
        bufsize_k: 380,
        audio_k: 48,
        audio_channels: 1,
    },
    Rung {
        quality: Quality::Standard,
        short_side: 720,
        crf: 23,
        maxrate_k: 900,
        bufsize_k: 1800,
        audio_k: 96,
        audio_channels: 2,
    },
];

/// x264's speed preset: `faster` costs 0.004 SSIM against `medium` on the benchmark's
/// footage and takes 1.6× real time on one core instead of about 2× (measured).
const PRESET: &str = "faster";

/// H.264 level 3.1: at most 3,600 macroblocks a frame (1280 × 720) at 30 fps.
const MAX_MACROBLOCKS: u32 = 3_600;

/// The key of a video's renditions job.
pub fn job_key(source: &str) -> String {
    format!("renditions:{source}")
}

#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    source: String,
}

/// Asks for a video's renditions (nothing happens if they were asked for before).
pub async fn request(db: &impl ConnectionTrait, source: &str) -> Result<bool, DbErr> {
    // Transcoding may hit a full disk or a store hiccup: a few tries, backing off.
    queue::enqueue(
        db,
        NewJob::new(Kind::Renditions, job_key(source), &Payload { source: source.to_owned() }).attempts(4),
    )
    .await
}

/// A frame size with the shorter side at most `short` (never upscaled), within H.264
/// level 3.1, both sides even.
pub fn frame_size(width: u32, height: u32, short: u32) -> (u32, u32) {
    let (width, height) = (width.max(2) as f64, height.max(2) as f64);
    let mut scale = (short as f64 / width.min(height)).min(1.0);
    let even = |x: f64| ((x / 2.0).round() as u32).max(1) * 2;
    loop {
        let (w, h) = (even(width * scale), even(height * scale));
        if w.div_ceil(16) * h.div_ceil(16) <= MAX_MACROBLOCKS {
            return (w, h);
        }
        scale *= 0.98;
    }
}

/// At most 30 frames a second: 50 and 60 halve (no judder), other rates above 30 become
/// 30; a variable rate becomes its average.
pub fn frame_rate((num, den): (u32, u32)) -> (u32, u32) {
    let fps = num as f64 / den.max(1) as f64;
    if fps <= 30.5 {
        (num, den)
    } else if fps / 2.0 <= 30.5 {
        if num % 2 == 0 { (num / 2, den) } else { (num, den * 2) }
    } else {
        (30, 1)
    }
}

/// What the first `loudnorm` pass measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Loudness {
    pub input_i: f64,
    pub input_tp: f64,
    pub input_lra: f64,
    pub input_thresh: f64,
    pub target_offset: f64,
}

/// Sound quieter than this is left as it is (silence would otherwise be amplified noise).
const QUIETEST_NORMALISED: f64 = -70.0;

const LOUDNORM: &str = "loudnorm=I=-16:TP=-1.5:LRA=11";

/// Reads the measurement `loudnorm` prints (`print_format=json`) at the end of its
/// output; none for silence (`-inf`) or sound quieter than −70 LUFS.
pub fn parse_loudness(stderr: &str) -> Option<Loudness> {
    let start = stderr.rfind("{")?;
    let end = start + stderr[start..].find('}')? + 1;
    let json: HashMap<String, String> = serde_json::from_str(&stderr[start..end]).ok()?;
    let get = |k: &str| json.get(k).and_then(|v| v.parse::<f64>().ok()).filter(|v| v.is_finite());
    let loudness = Loudness {
        input_i: get("input_i")?,
        input_tp: get("input_tp")?,
        input_lra: get("input_lra")?,
        input_thresh: get("input_thresh")?,
        target_offset: get("target_offset")?,
    };
    (loudness.input_i >= QUIETEST_NORMALISED).then_some(loudness)
}

/// The filter graph: frame rate, tone-mapping, one branch per rendition.
fn filter_graph(info: &probe::SourceInfo, rungs: &[Rung], loudness: Option<&Loudness>) -> String {
    let (num, den) = frame_rate(info.fps);
    let mut graph = format!("[0:v:0]fps={num}/{den}");
    if info.is_hdr() {
        let tin = info.color_transfer.as_deref().unwrap_or("smpte2084");
        graph.push_str(&format!(
            ",zscale=tin={tin}:min=bt2020nc:pin=bt2020:t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,\
             tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv"
        ));
    }
    graph.push_str(&format!(",split={}", rungs.len()));
    graph.extend((0..rungs.len()).map(|i| format!("[s{i}]")));
    for (i, rung) in rungs.iter().enumerate() {
        let (w, h) = frame_size(info.width, info.height, rung.short_side);
        graph.push_str(&format!(";[s{i}]scale={w}:{h}:flags=bicubic,setsar=1,format=yuv420p[v{i}]"));
    }
    if info.has_audio {
        graph.push_str(";[0:a:0]");
        if let Some(l) = loudness {
            graph.push_str(&format!(
                "{LOUDNORM}:measured_I={:.2}:measured_TP={:.2}:measured_LRA={:.2}:measured_thresh={:.2}:offset={:.2}:linear=true,",
                l.input_i, l.input_tp, l.input_lra, l.input_thresh, l.target_offset
            ));
        }
        graph.push_str(&format!("aresample=48000,asplit={}", rungs.len()));
        graph.extend((0..rungs.len()).map(|i| format!("[a{i}]")));
    }
    graph
}

/// ffmpeg's arguments for making `outputs` from `input` in one run.
pub fn encode_args(
    input: &Path,
    info: &probe::SourceInfo,
    outputs: &[(Rung, &Path)],
    loudness: Option<&Loudness>,
    threads: usize,
) -> Vec<String> {
    let rungs: Vec<Rung> = outputs.iter().map(|(r, _)| *r).collect();
    let (num, den) = frame_rate(info.fps);
    // A keyframe every 2 s, exactly (the rate is constant after the fps filter).
    let gop = ((2 * num) as f64 / den as f64).round().max(1.0) as u32;
    let threads = threads.max(1).to_string();
    let mut args: Vec<String> =
        ["-hide_banner", "-nostdin", "-v", "error", "-nostats", "-progress", "pipe:1", "-y"].map(String::from).into();
    args.extend(["-threads".into(), threads.clone(), "-i".into(), input.to_string_lossy().into_owned()]);
    args.extend(["-filter_complex_threads".into(), threads.clone()]);
    args.extend(["-filter_complex".into(), filter_graph(info, &rungs, loudness)]);
    for (i, (rung, out)) in outputs.iter().enumerate() {
        args.extend(["-map".into(), format!("[v{i}]")]);
        if info.has_audio {
            args.extend(["-map".into(), format!("[a{i}]")]);
        }
        let video =
            ["-c:v", "libx264", "-preset", PRESET, "-profile:v", "high", "-level:v", "3.1", "-pix_fmt", "yuv420p"];
        args.extend(video.map(String::from));
        args.extend([
            "-threads".into(),
            threads.clone(),
            "-crf".into(),
            rung.crf.to_string(),
            "-maxrate".into(),
            format!("{}k", rung.maxrate_k),
            "-bufsize".into(),
            format!("{}k", rung.bufsize_k),
            "-g".into(),
            gop.to_string(),
            "-keyint_min".into(),
            gop.to_string(),
            "-sc_threshold".into(),
            "0".into(),
        ]);
        if info.is_hdr() {
            args.extend(["-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709"].map(String::from));
        }
        if info.has_audio {
            args.extend([
                "-c:a".into(),
                "aac".into(),
                "-b:a".into(),
                format!("{}k", rung.audio_k),
                "-ac".into(),
                rung.audio_channels.to_string(),
                "-ar".into(),
                "48000".into(),
            ]);
        }
        args.extend(
            ["-map_metadata", "-1", "-map_chapters", "-1", "-movflags", "+faststart", "-f", "mp4"].map(String::from),
        );
        args.push(out.to_string_lossy().into_owned());
    }
    args
}

/// Runs ffmpeg to the end, reporting its progress (`out_time_us` against `duration_s`)
/// as `from + share × done`. Its last error lines if it fails.
async fn ffmpeg(
    args: &[String],
    nice: i32,
    duration_s: f64,
    limit: Duration,
    progress: impl Fn(f64),
) -> Result<String, String> {
    let mut child = child::command("ffmpeg", nice)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start ffmpeg: {e} (is it installed?)"))?;
    let stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let errors = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });
    let run = async {
        let mut lines = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(us) = line.strip_prefix("out_time_us=").and_then(|v| v.parse::<f64>().ok()) {
                progress((us / 1e6 / duration_s).clamp(0.0, 1.0));
            }
        }
        child.wait().await
    };
    let status = tokio::time::timeout(limit, run)
        .await
        .map_err(|_| format!("ffmpeg took longer than {} s", limit.as_secs()))?
        .map_err(|e| format!("ffmpeg: {e}"))?;
    let stderr = errors.await.unwrap_or_default();
    if status.success() {
        Ok(stderr)
    } else {
        let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
        Err(format!("ffmpeg failed ({status}): {}", tail.into_iter().rev().collect::<Vec<_>>().join(" / ")))
    }
}

/// Whether this file is itself a rendition (made by Primer, not uploaded).
pub async fn is_rendition(db: &impl ConnectionTrait, sha256: &str) -> Result<bool, DbErr> {
    Ok(rendition::Entity::find().filter(rendition::Column::MediaSha256.eq(sha256)).one(db).await?.is_some())
}

/// The qualities a video has renditions of.
async fn made(db: &impl ConnectionTrait, source: &str) -> Result<Vec<Quality>, DbErr> {
    let rows = rendition::Entity::find().filter(rendition::Column::SourceSha256.eq(source)).all(db).await?;
    Ok(rows.iter().filter_map(|r| Quality::parse(&r.quality)).collect())
}

/// The `renditions` job: makes the renditions a video doesn't have yet, stores them
/// (with their posters) as media, and links them to it.
pub async fn make(db: &DatabaseConnection, store: &MediaStore, cx: &Context) -> Result<(), JobError> {
    let payload: Payload = serde_json::from_str(&cx.job.payload)
        .map_err(|e| JobError::Permanent(format!("unreadable job payload: {e}")))?;
    let source = media::Entity::find_by_id(payload.source.clone())
        .one(db)
        .await?
        .ok_or_else(|| JobError::Permanent("The video is no longer stored.".into()))?;
    let have = made(db, &source.sha256).await?;
    let missing: Vec<Rung> = LADDER.into_iter().filter(|r| !have.contains(&r.quality)).collect();
    if missing.is_empty() {
        return drop_original(db, store, &source).await;
    }
    if source.dropped_at.is_some() {
        return Err(JobError::Permanent(
            "The uploaded file was deleted after its first renditions were made; upload it again.".into(),
        ));
    }
    let input = store
        .local_copy(&source.sha256, &cx.tmp)
        .await
        .map_err(|e| JobError::Transient(format!("reading the video from the store: {e}")))?;
    let info = probe::source(&input).await.map_err(|e| JobError::Permanent(describe(e)))?;
    let limit = Duration::from_secs_f64((info.duration_s * 30.0).max(600.0));

    // Pass 1: how loud it is (a tenth of the work, as progress goes).
    let loudness = if info.has_audio {
        let args: Vec<String> = ["-hide_banner", "-nostdin", "-nostats", "-progress", "pipe:1", "-threads", "1", "-i"]
            .map(String::from)
            .into_iter()
            .chain([input.to_string_lossy().into_owned()])
            .chain(["-vn", "-map", "0:a:0", "-af"].map(String::from))
            .chain([format!("{LOUDNORM}:print_format=json"), "-f".into(), "null".into(), "-".into()])
            .collect();
        let stderr = ffmpeg(&args, cx.nice, info.duration_s, limit, |p| cx.progress(p * 0.1))
            .await
            .map_err(JobError::Transient)?;
        parse_loudness(&stderr)
    } else {
        None
    };

    // Pass 2: every missing rendition from one decode.
    let outputs: Vec<(Rung, std::path::PathBuf)> =
        missing.iter().map(|r| (*r, cx.tmp.join(format!("{}.mp4", r.quality.as_str())))).collect();
    let refs: Vec<(Rung, &Path)> = outputs.iter().map(|(r, p)| (*r, p.as_path())).collect();
    let args = encode_args(&input, &info, &refs, loudness.as_ref(), cx.threads);
    ffmpeg(&args, cx.nice, info.duration_s, limit, |p| cx.progress(0.1 + p * 0.85))
        .await
        .map_err(JobError::Transient)?;

    // Stored like an upload: hashed, checked, a poster taken from it.
    let stem = source.original_name.as_deref().and_then(|n| n.rsplit_once('.').map(|(s, _)| s).or(Some(n)));
    for (rung, path) in &outputs {
        let file = tokio::fs::File::open(path).await.map_err(|e| JobError::Transient(format!("rendition: {e}")))?;
        let received = super::receive(store, FileChunks(file)).await.map_err(|e| JobError::Transient(describe(e)))?;
        let name = format!("{} ({}).mp4", stem.unwrap_or("video"), rung.quality.label().to_lowercase());
        let (stored, _) = super::ingest(db, store, received, Some(name), source.uploaded_by)
            .await
            .map_err(|e| JobError::Transient(describe(e)))?;
        let row = rendition::ActiveModel {
            source_sha256: Set(source.sha256.clone()),
            quality: Set(rung.quality.as_str().to_owned()),
            media_sha256: Set(stored.sha256),
            created_at: Set(db::now()),
        };
        // Never replaced: a version may already play the one there.
        rendition::Entity::insert(row)
            .on_conflict_do_nothing_on([rendition::Column::SourceSha256, rendition::Column::Quality])
            .exec_without_returning(db)
            .await?;
    }
    cx.progress(1.0);
    tracing::info!(source = %source.sha256, made = outputs.len(), "renditions ready");
    drop_original(db, store, &source).await
}

/// With `--drop-originals`, deletes a video's uploaded file once every rendition is there
/// (the record stays: versions name it, and the catalog resolves it to the renditions).
async fn drop_original(db: &DatabaseConnection, store: &MediaStore, source: &media::Model) -> Result<(), JobError> {
    if !store.drop_originals || source.dropped_at.is_some() {
        return Ok(());
    }
    if made(db, &source.sha256).await?.len() < LADDER.len() {
        return Ok(());
    }
    // Recorded first: a file that is gone while its record says it's there is served as
    // an error, a record saying dropped while the file lingers only wastes space.
    media::Entity::update_many()
        .col_expr(media::Column::DroppedAt, sea_orm::sea_query::Expr::value(db::now()))
        .filter(media::Column::Sha256.eq(&source.sha256))
        .exec(db)
        .await?;
    store.delete(&source.sha256).await.map_err(|e| JobError::Transient(format!("deleting the original: {e}")))?;
    tracing::info!(source = %source.sha256, "original dropped after its renditions");
    Ok(())
}

/// Makes these videos' renditions here (one-off commands such as `primer import`), or
/// waits while a server that claimed them first does; returns once none is waiting or
/// running. A failure is left for the caller to find (publishing says why).
pub async fn wait_ready(
    db: &DatabaseConnection,
    store: &std::sync::Arc<MediaStore>,
    videos: &[String],
) -> Result<(), DbErr> {
    use crate::jobs::{Runner, RunnerConfig, runner::Work};
    let work = Work::media_only(db.clone(), store.clone());
    let config = RunnerConfig { kinds: vec![Kind::Renditions], ..RunnerConfig::default() };
    let runner = Runner::new(work, config, Default::default());
    loop {
        runner.drain().await?;
        let made = of(db, videos).await?;
        let mut waiting = false;
        for video in videos {
            let have = made.get(video).map_or(0, Vec::len);
            let state = processing(db, video, have).await?.state;
            waiting |= matches!(state, ProcessingState::Queued | ProcessingState::Running);
        }
        if !waiting {
            return Ok(());
        }
        // Another server holds it, or a retry's back-off hasn't passed.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// What `primer media reprocess` did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reprocessed {
    /// Videos whose renditions were asked for now.
    pub asked: usize,
    /// Videos whose failed job was queued again.
    pub retried: usize,
    /// Videos that have every rendition.
    pub ready: usize,
}

/// Fills the gaps: asks for the renditions of every uploaded video that lacks some, and
/// queues failed ones again. Safe to run again (asking twice does nothing).
pub async fn reprocess(db: &impl ConnectionTrait) -> Result<Reprocessed, DbErr> {
    let made: Vec<rendition::Model> = rendition::Entity::find().all(db).await?;
    let outputs: std::collections::HashSet<&str> = made.iter().map(|r| r.media_sha256.as_str()).collect();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for r in &made {
        *count.entry(r.source_sha256.as_str()).or_default() += 1;
    }
    let videos = media::Entity::find().filter(media::Column::Kind.eq(super::MediaKind::Video.as_str())).all(db).await?;
    let mut done = Reprocessed::default();
    for video in videos.iter().filter(|v| !outputs.contains(v.sha256.as_str())) {
        if count.get(video.sha256.as_str()).copied().unwrap_or(0) >= LADDER.len() {
            done.ready += 1;
        } else if video.dropped_at.is_some() {
            // Nothing to make them from.
        } else if request(db, &video.sha256).await? {
            done.asked += 1;
        } else if queue::retry_failed(db, &job_key(&video.sha256)).await? {
            done.retried += 1;
        }
    }
    Ok(done)
}

fn describe(e: ApiError) -> String {
    match e {
        ApiError::InvalidMedia(message) => message,
        other => other.to_string(),
    }
}

/// The renditions of each of these videos, data saver first (videos without any are
/// left out).
pub async fn of(db: &impl ConnectionTrait, sources: &[String]) -> Result<HashMap<String, Vec<Rendition>>, DbErr> {
    if sources.is_empty() {
        return Ok(HashMap::new());
    }
    let rows =
        rendition::Entity::find().filter(rendition::Column::SourceSha256.is_in(sources.to_vec())).all(db).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.media_sha256.clone()).collect();
    let files: HashMap<String, media::Model> = media::Entity::find()
        .filter(media::Column::Sha256.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.sha256.clone(), m))
        .collect();
    let posters: Vec<String> = files.values().filter_map(|m| m.poster_sha256.clone()).collect();
    let posters: HashMap<String, media::Model> = media::Entity::find()
        .filter(media::Column::Sha256.is_in(posters))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.sha256.clone(), m))
        .collect();
    let mut by_source: HashMap<String, Vec<Rendition>> = HashMap::new();
    for row in rows {
        // Fail closed: a row that can't be read is left out, not guessed at.
        let (Some(quality), Some(file)) = (Quality::parse(&row.quality), files.get(&row.media_sha256)) else {
            tracing::error!(source = %row.source_sha256, quality = %row.quality, "unreadable rendition row");
            continue;
        };
        let poster = file.poster_sha256.as_ref().and_then(|p| posters.get(p)).cloned().map(super::media_ref);
        by_source.entry(row.source_sha256).or_default().push(Rendition {
            quality,
            media_id: file.sha256.clone(),
            url: media_url(&file.sha256),
            bytes: file.bytes as u64,
            width: file.width.unwrap_or(0) as u32,
            height: file.height.unwrap_or(0) as u32,
            duration_s: file.duration_s.unwrap_or(0.0),
            poster,
        });
    }
    for list in by_source.values_mut() {
        list.sort_by_key(|r| r.quality);
    }
    Ok(by_source)
}

/// How a video's renditions are going: ready once every rendition is there; else the
/// job's state, progress and failure.
pub async fn processing(db: &impl ConnectionTrait, source: &str, have: usize) -> Result<Processing, DbErr> {
    if have >= LADDER.len() {
        return Ok(Processing { state: ProcessingState::Ready, progress: None, error: None });
    }
    let Some(job) = queue::find(db, &job_key(source)).await? else {
        // Asked for at upload; one not there yet (an old video) is waiting for
        // `primer media reprocess`.
        return Ok(Processing { state: ProcessingState::Queued, progress: None, error: None });
    };
    let state = match State::parse(&job.state)? {
        // Waiting, perhaps to try again after a failed attempt.
        State::Queued => ProcessingState::Queued,
        State::Running => ProcessingState::Running,
        // Done, but a rendition is missing: counted as failed rather than ready.
        State::Done | State::Failed => ProcessingState::Failed,
    };
    let error = match state {
        ProcessingState::Failed => {
            Some(job.last_error.unwrap_or_else(|| "The versions for phones could not be made.".into()))
        }
        _ => None,
    };
    Ok(Processing { state, progress: job.progress.filter(|_| state == ProcessingState::Running), error })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_never_upscaled_and_stay_even() {
        assert_eq!(frame_size(1920, 1080, 360), (640, 360));
        assert_eq!(frame_size(1080, 1920, 360), (360, 640));
        assert_eq!(frame_size(1920, 1080, 720), (1280, 720));
        assert_eq!(frame_size(320, 240, 360), (320, 240));
        assert_eq!(frame_size(3840, 2160, 720), (1280, 720));
        assert_eq!(frame_size(175, 143, 360), (176, 144));
    }

    #[test]
    fn frames_fit_level_3_1() {
        // 21:9 at 720 would be 1680 × 720: too many macroblocks for level 3.1.
        let (w, h) = frame_size(2520, 1080, 720);
        assert!(w.div_ceil(16) * h.div_ceil(16) <= MAX_MACROBLOCKS, "{w}×{h}");
        assert!(w > h && w % 2 == 0 && h % 2 == 0);
    }

    #[test]
    fn frame_rates_are_at_most_30() {
        assert_eq!(frame_rate((30, 1)), (30, 1));
        assert_eq!(frame_rate((30000, 1001)), (30000, 1001));
        assert_eq!(frame_rate((60, 1)), (30, 1));
        assert_eq!(frame_rate((60000, 1001)), (30000, 1001));
        assert_eq!(frame_rate((50, 1)), (25, 1));
        assert_eq!(frame_rate((120, 1)), (30, 1));
        assert_eq!(frame_rate((25, 1)), (25, 1));
    }

    #[test]
    fn loudness_is_read_and_silence_left_alone() {
        let out = "[Parsed_loudnorm_0 @ 0x1] \n{\n\t\"input_i\" : \"-34.11\",\n\t\"input_tp\" : \"-10.61\",\n\t\"input_lra\" : \"5.80\",\n\t\"input_thresh\" : \"-44.59\",\n\t\"output_i\" : \"-17.05\",\n\t\"target_offset\" : \"1.05\"\n}\n";
        let l = parse_loudness(out).unwrap();
        assert_eq!((l.input_i, l.target_offset), (-34.11, 1.05));
        let silent = out.replace("-34.11", "-inf");
        assert_eq!(parse_loudness(&silent), None);
        let quiet = out.replace("-34.11", "-75.00");
        assert_eq!(parse_loudness(&quiet), None);
        assert_eq!(parse_loudness("no json here"), None);
    }

    #[test]
    fn the_data_saver_cap_fits_its_budget() {
        // 1.9 MB a minute, all in, with 2% for the container.
        let ds = LADDER[0];
        let per_minute = ((ds.maxrate_k + ds.audio_k) as f64 * 60.0 + ds.bufsize_k as f64) * 1000.0 / 8.0 * 1.02;
        assert!(per_minute <= 1_900_000.0, "{per_minute}");
        let st = LADDER[1];
        let per_minute = ((st.maxrate_k + st.audio_k) as f64 * 60.0 + st.bufsize_k as f64) * 1000.0 / 8.0 * 1.02;
        assert!(per_minute <= 8_000_000.0, "{per_minute}");
    }
}
