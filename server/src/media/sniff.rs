//! What a file is, from its first bytes, never from its name or the client's header.

/// How much of a file's beginning is enough to tell its type.
pub const SNIFF_BYTES: usize = 4096;

/// The kinds of media a module can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Video,
    Image,
    Captions,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Video => "video",
            MediaKind::Image => "image",
            MediaKind::Captions => "captions",
        }
    }

    pub fn parse(s: &str) -> Option<MediaKind> {
        [MediaKind::Video, MediaKind::Image, MediaKind::Captions].into_iter().find(|k| k.as_str() == s)
    }
}

/// A recognised file type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    pub kind: MediaKind,
    pub content_type: &'static str,
}

/// The types Primer takes: MP4, WebM and QuickTime video; PNG, JPEG and WebP images;
/// WebVTT captions.
pub fn sniff(head: &[u8]) -> Option<Sniffed> {
    if is_webvtt(head) {
        return Some(Sniffed { kind: MediaKind::Captions, content_type: "text/vtt" });
    }
    let (kind, content_type) = match infer::get(head)?.mime_type() {
        "video/mp4" => (MediaKind::Video, "video/mp4"),
        "video/webm" => (MediaKind::Video, "video/webm"),
        "video/quicktime" => (MediaKind::Video, "video/quicktime"),
        "image/png" => (MediaKind::Image, "image/png"),
        "image/jpeg" => (MediaKind::Image, "image/jpeg"),
        "image/webp" => (MediaKind::Image, "image/webp"),
        _ => return None,
    };
    Some(Sniffed { kind, content_type })
}

/// A WebVTT file starts with "WEBVTT" (after an optional byte order mark), followed by a
/// space, a tab or a line break, or nothing at all.
fn is_webvtt(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    match head.strip_prefix(b"WEBVTT") {
        Some(rest) => matches!(rest.first(), None | Some(b' ' | b'\t' | b'\n' | b'\r')),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mp4_head(brand: &[u8; 4]) -> Vec<u8> {
        let mut b = vec![0, 0, 0, 0x18];
        b.extend_from_slice(b"ftyp");
        b.extend_from_slice(brand);
        b.extend_from_slice(&[0, 0, 2, 0]);
        b.extend_from_slice(b"isomiso2avc1mp41");
        b
    }

    #[test]
    fn recognises_supported_types() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (mp4_head(b"isom"), "video/mp4"),
            (mp4_head(b"qt  "), "video/quicktime"),
            (
                // (WebM is only recognised from 256 bytes on; uploads are sniffed 4 KiB at a time.)
                [&b"\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\xF7\x81\x01\x42\xF2\x81\x04\x42\xF3\x81\x08\x42\x82\x84webm"[..], &[0u8; 300]].concat(),
                "video/webm",
            ),
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(), "image/png"),
            (b"\xFF\xD8\xFF\xE0\0\x10JFIF\0".to_vec(), "image/jpeg"),
            (b"RIFF\x24\0\0\0WEBPVP8 ".to_vec(), "image/webp"),
            (b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello".to_vec(), "text/vtt"),
            (b"\xEF\xBB\xBFWEBVTT - captions\n".to_vec(), "text/vtt"),
            (b"WEBVTT".to_vec(), "text/vtt"),
        ];
        for (bytes, expected) in cases {
            assert_eq!(sniff(&bytes).map(|s| s.content_type), Some(expected), "{expected}");
        }
    }

    #[test]
    fn refuses_everything_else() {
        for bytes in [
            &b"%PDF-1.7"[..],
            b"GIF89a",
            b"PK\x03\x04",
            b"<html><script>",
            b"WEBVTTX",
            b"",
            b"\x00\x00\x00\x00",
            b"MZ\x90\x00",
        ] {
            assert_eq!(sniff(bytes), None, "{bytes:?}");
        }
    }
}
