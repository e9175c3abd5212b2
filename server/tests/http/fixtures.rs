//! Media files for tests, made once per test run with ffmpeg (nothing binary is kept in
//! the repository).

use std::{path::PathBuf, process::Command, sync::OnceLock};

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("primer-fixtures-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

fn ffmpeg(name: &str, args: &[&str]) -> Vec<u8> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let path = dir().join(name);
    if !path.exists() {
        let tmp = dir().join(format!("tmp-{name}"));
        let status = Command::new("ffmpeg")
            .args(["-v", "error", "-y"])
            .args(args)
            .arg(&tmp)
            .status()
            .expect("ffmpeg is installed (make test installs it)");
        assert!(status.success(), "ffmpeg made {name}");
        std::fs::rename(&tmp, &path).unwrap();
    }
    std::fs::read(&path).unwrap()
}

/// A 2-second 320×240 MP4 with sound, its index at the front (`faststart`).
pub fn mp4() -> Vec<u8> {
    ffmpeg(
        "clip.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=2:size=320x240:rate=25",
            "-f",
            "lavfi",
            "-i",
            "sine=duration=2",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-movflags",
            "+faststart",
            "-shortest",
            "-f",
            "mp4",
        ],
    )
}

/// A 1-second WebM.
pub fn webm() -> Vec<u8> {
    ffmpeg(
        "clip.webm",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=1:size=160x120:rate=10",
            "-c:v",
            "libvpx",
            "-b:v",
            "100k",
            "-f",
            "webm",
        ],
    )
}

/// The same kind of MP4, with its index at the end (as cameras write them).
pub fn mp4_index_at_end() -> Vec<u8> {
    ffmpeg(
        "clip-end.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=2:size=320x240:rate=25",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-f",
            "mp4",
        ],
    )
}

pub fn png() -> Vec<u8> {
    ffmpeg("pic.png", &["-f", "lavfi", "-i", "color=c=red:s=64x48", "-frames:v", "1", "-f", "image2", "-c:v", "png"])
}

pub fn jpeg() -> Vec<u8> {
    ffmpeg("pic.jpg", &["-f", "lavfi", "-i", "color=c=blue:s=80x60", "-frames:v", "1", "-f", "image2", "-c:v", "mjpeg"])
}

pub fn webp() -> Vec<u8> {
    ffmpeg(
        "pic.webp",
        &["-f", "lavfi", "-i", "color=c=green:s=32x16", "-frames:v", "1", "-c:v", "libwebp", "-f", "webp"],
    )
}

pub fn vtt() -> Vec<u8> {
    b"WEBVTT\n\n00:00.000 --> 00:01.500\nHello from Primer\n".to_vec()
}

/// A video made by ffmpeg from `args` (inputs and codec settings; the output name's
/// extension is added by the caller through `name`), once per test run.
pub fn made(name: &str, args: &[&str]) -> Vec<u8> {
    ffmpeg(name, args)
}

/// The path of a fixture made before (for remuxing one into another).
pub fn path_of(name: &str) -> String {
    dir().join(name).to_string_lossy().into_owned()
}
