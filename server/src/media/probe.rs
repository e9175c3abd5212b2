//! What is inside a file: a video's duration and size (ffprobe) and a poster frame
//! (ffmpeg), an image's size, whether captions are readable text.

use std::{path::Path, process::Stdio, time::Duration};

use serde::Deserialize;
use tokio::process::Command;

use crate::error::ApiError;

/// How long ffprobe or ffmpeg may take on one file.
const TOOL_TIMEOUT: Duration = Duration::from_secs(120);

/// A video's properties.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoInfo {
    pub duration_s: f64,
    pub width: i32,
    pub height: i32,
}

#[derive(Deserialize)]
struct FfprobeOutput {
    #[serde(default)]
    streams: Vec<FfprobeStream>,
    format: Option<FfprobeFormat>,
}

#[derive(Deserialize)]
struct FfprobeStream {
    codec_type: Option<String>,
    width: Option<i32>,
    height: Option<i32>,
}

#[derive(Deserialize)]
struct FfprobeFormat {
    duration: Option<String>,
}

fn unreadable_video() -> ApiError {
    ApiError::InvalidMedia(
        "This video can't be read: it may be damaged or incomplete. Export it again and upload it.".into(),
    )
}

async fn run(command: &mut Command) -> Result<std::process::Output, ApiError> {
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    let child = command
        .spawn()
        .map_err(|e| ApiError::Internal(format!("could not start {command:?}: {e} (is ffmpeg installed?)")))?;
    tokio::time::timeout(TOOL_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| ApiError::InvalidMedia("This file took too long to read.".into()))?
        .map_err(|e| ApiError::Internal(format!("media tool failed: {e}")))
}

/// A video's length: what its header says, or else where its last packet ends (a
/// browser's recording, MediaRecorder's WebM, is written as it goes and may never say).
async fn duration(format: Option<FfprobeFormat>, path: &Path) -> Result<f64, ApiError> {
    let header = format.and_then(|f| f.duration).and_then(|d| d.parse::<f64>().ok());
    match header.filter(|d| d.is_finite() && *d > 0.0) {
        Some(d) => Ok(d),
        None => last_packet_end(path).await?.ok_or_else(unreadable_video),
    }
}

/// Where a file's last packet ends, in seconds (`None`: it has no timed packets).
async fn last_packet_end(path: &Path) -> Result<Option<f64>, ApiError> {
    let output = run(Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "packet=pts_time,duration_time", "-of", "csv=p=0"])
        .arg(path))
    .await?;
    if !output.status.success() {
        return Err(unreadable_video());
    }
    Ok(packets_end(&String::from_utf8_lossy(&output.stdout)))
}

/// The latest `pts + duration` of ffprobe's `pts_time,duration_time` lines.
fn packets_end(csv: &str) -> Option<f64> {
    csv.lines()
        .filter_map(|line| {
            let mut fields = line.split(',');
            let pts = fields.next()?.trim().parse::<f64>().ok()?;
            let duration = fields.next().and_then(|d| d.trim().parse::<f64>().ok()).unwrap_or(0.0);
            Some(pts + duration)
        })
        .filter(|end| end.is_finite() && *end > 0.0)
        .reduce(f64::max)
}

/// Reads a video's duration and frame size, and checks that its frames decode (a file
/// cut short fails here even though its header looks right).
pub async fn video(path: &Path) -> Result<VideoInfo, ApiError> {
    let output = run(Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_entries",
            "format=duration:stream=codec_type,width,height",
        ])
        .arg(path))
    .await?;
    if !output.status.success() {
        return Err(unreadable_video());
    }
    let parsed: FfprobeOutput = serde_json::from_slice(&output.stdout).map_err(|_| unreadable_video())?;
    let stream = parsed
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("video"))
        .ok_or_else(|| ApiError::InvalidMedia("This file has no video picture in it.".into()))?;
    let (Some(width), Some(height)) = (stream.width, stream.height) else { return Err(unreadable_video()) };
    let duration_s = duration(parsed.format, path).await?;
    // Read every packet without decoding (fast, disk-bound even for 1 GiB): a file cut
    // short, or with damaged packets, reports errors here even when its header is intact.
    let decoded = run(Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-map", "0", "-c", "copy", "-f", "null", "-"]))
    .await?;
    if !decoded.status.success() || !decoded.stderr.is_empty() {
        return Err(unreadable_video());
    }
    Ok(VideoInfo { duration_s: (duration_s * 1000.0).round() / 1000.0, width, height })
}

/// Writes a JPEG poster frame taken a little into the video (or from its middle, for very
/// short ones).
pub async fn poster(video: &Path, duration_s: f64, out: &Path) -> Result<(), ApiError> {
    let at = if duration_s > 2.0 { 1.0 } else { duration_s / 2.0 };
    let output = run(Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-ss", &format!("{at:.3}"), "-i"])
        .arg(video)
        .args(["-frames:v", "1", "-q:v", "3", "-f", "image2", "-c:v", "mjpeg"])
        .arg(out))
    .await?;
    if !output.status.success() {
        return Err(ApiError::Internal(format!("poster frame failed: {}", String::from_utf8_lossy(&output.stderr))));
    }
    Ok(())
}

/// The most pixels an image may have: a 48-megapixel phone photo fits; a header that
/// claims a billion by a billion (a decompression bomb, to whatever decodes it: ffmpeg
/// for posters, the phone's browser) doesn't.
pub const MAX_IMAGE_PIXELS: u64 = 50_000_000;
/// The longest side an image may have, in pixels.
pub const MAX_IMAGE_SIDE: u64 = 16_384;

/// An image's width and height: read from its header, capped, and then the image decoded
/// whole, so one that claims a size it doesn't have, or is damaged, is refused.
pub async fn image(path: &Path) -> Result<(i32, i32), ApiError> {
    let unreadable = || ApiError::InvalidMedia("This image can't be read: it may be damaged or incomplete.".into());
    let header_path = path.to_owned();
    let size = tokio::task::spawn_blocking(move || imagesize::size(header_path))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|_| unreadable())?;
    let (w, h) = (size.width as u64, size.height as u64);
    if w == 0 || h == 0 {
        return Err(ApiError::InvalidMedia("This image has no pixels.".into()));
    }
    if w > MAX_IMAGE_SIDE || h > MAX_IMAGE_SIDE || w.saturating_mul(h) > MAX_IMAGE_PIXELS {
        return Err(ApiError::InvalidMedia(format!(
            "This image is {w} × {h} pixels; Primer takes up to {} megapixels ({MAX_IMAGE_SIDE} on the longest side). \
             Make it smaller and upload it again.",
            MAX_IMAGE_PIXELS / 1_000_000
        )));
    }
    // Decoded within the cap: a header that lies, or a file cut short, fails here.
    let decoded =
        run(Command::new("ffmpeg").args(["-v", "error", "-i"]).arg(path).args(["-frames:v", "1", "-f", "null", "-"]))
            .await?;
    if !decoded.status.success() || !decoded.stderr.is_empty() {
        return Err(unreadable());
    }
    Ok((w as i32, h as i32))
}

/// Captions must be UTF-8 text (WebVTT requires it).
pub async fn captions(path: &Path) -> Result<(), ApiError> {
    let text = tokio::fs::read(path).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    std::str::from_utf8(&text)
        .map_err(|_| ApiError::InvalidMedia("Captions must be a WebVTT file saved as UTF-8 text.".into()))?;
    Ok(())
}

/// What making renditions needs to know of a source video.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceInfo {
    /// As shown: a rotation tag of ±90° is applied (a portrait phone video stays portrait).
    pub width: u32,
    pub height: u32,
    pub duration_s: f64,
    /// Average frames per second (variable frame rate included), as a fraction.
    pub fps: (u32, u32),
    /// `smpte2084` (PQ) or `arib-std-b67` (HLG) for HDR; anything else is SDR.
    pub color_transfer: Option<String>,
    pub has_audio: bool,
}

impl SourceInfo {
    /// True for HDR (PQ or HLG) video, which needs tone-mapping to BT.709.
    pub fn is_hdr(&self) -> bool {
        matches!(self.color_transfer.as_deref(), Some("smpte2084" | "arib-std-b67"))
    }
}

#[derive(Deserialize)]
struct SourceProbe {
    #[serde(default)]
    streams: Vec<SourceStream>,
    format: Option<FfprobeFormat>,
}

#[derive(Deserialize)]
struct SourceStream {
    codec_type: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    avg_frame_rate: Option<String>,
    r_frame_rate: Option<String>,
    color_transfer: Option<String>,
    #[serde(default)]
    side_data_list: Vec<serde_json::Value>,
    #[serde(default)]
    tags: std::collections::HashMap<String, String>,
}

/// A frame rate like `30000/1001`; none for `0/0`.
fn fraction(s: &str) -> Option<(u32, u32)> {
    let (n, d) = s.split_once('/')?;
    let (n, d) = (n.trim().parse::<u32>().ok()?, d.trim().parse::<u32>().ok()?);
    (n > 0 && d > 0).then_some((n, d))
}

/// Reads what renditions need of a video (see [`SourceInfo`]).
pub async fn source(path: &Path) -> Result<SourceInfo, ApiError> {
    let output = run(Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json", "-show_streams", "-show_format"])
        .arg(path))
    .await?;
    if !output.status.success() {
        return Err(unreadable_video());
    }
    let parsed: SourceProbe = serde_json::from_slice(&output.stdout).map_err(|_| unreadable_video())?;
    let video = parsed
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("video"))
        .ok_or_else(|| ApiError::InvalidMedia("This file has no video picture in it.".into()))?;
    let (Some(width), Some(height)) = (video.width, video.height) else { return Err(unreadable_video()) };
    let rotation = video
        .side_data_list
        .iter()
        .find_map(|d| d.get("rotation").and_then(|r| r.as_f64()))
        .or_else(|| video.tags.get("rotate").and_then(|r| r.parse::<f64>().ok()))
        .unwrap_or(0.0);
    let quarter_turn = (rotation.round() as i64).rem_euclid(180) == 90;
    let (width, height) = if quarter_turn { (height, width) } else { (width, height) };
    let duration_s = duration(parsed.format, path).await?;
    let fps = video
        .avg_frame_rate
        .as_deref()
        .and_then(fraction)
        .or_else(|| video.r_frame_rate.as_deref().and_then(fraction))
        .unwrap_or((30, 1));
    Ok(SourceInfo {
        width,
        height,
        duration_s,
        fps,
        color_transfer: video.color_transfer.clone(),
        has_audio: parsed.streams.iter().any(|s| s.codec_type.as_deref() == Some("audio")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recordings_length_is_where_its_last_packet_ends() {
        // Packets out of order (B-frames, audio and video interleaved), one without a
        // duration, and lines ffprobe prints for packets with no time.
        let csv = "0.000000,0.033000\n0.066000,0.033000\n0.033000,0.033000\n1.980000,0.021000\nN/A,N/A\n1.990000\n";
        assert!((packets_end(csv).unwrap() - 2.001).abs() < 1e-9, "{:?}", packets_end(csv));
        assert_eq!(packets_end(""), None);
        assert_eq!(packets_end("N/A,N/A\n"), None);
    }
}
