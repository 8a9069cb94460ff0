//! Attachments as pure rules: what a file is (sniffed from its first bytes, never taken from
//! the upload's word), which types a browser may show inline, how a file name is cleaned, and
//! the `Content-Disposition` a download is sent with (RFC 6266, `filename*` per RFC 8187).

/// How many leading bytes the sniffer looks at.
pub const SNIFF_BYTES: usize = 512;

/// The limits on what may be attached, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// One file.
    pub file: u64,
    /// All files of one comment (or one mail).
    pub comment: u64,
    /// All files of one record.
    pub record: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            file: 25 * 1024 * 1024,
            comment: 50 * 1024 * 1024,
            record: 200 * 1024 * 1024,
        }
    }
}

/// Which limit a file broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    File,
    Comment,
    Record,
}

impl Limit {
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::File => "file",
            Limit::Comment => "comment",
            Limit::Record => "record",
        }
    }

    /// The limit's size in bytes under `limits`.
    pub fn bytes(self, limits: &Limits) -> u64 {
        match self {
            Limit::File => limits.file,
            Limit::Comment => limits.comment,
            Limit::Record => limits.record,
        }
    }
}

/// A size as people read it: `25 MB`, `1.5 KB`, `12 B` (powers of 1024, one decimal
/// where it is not whole).
pub fn human_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * KB;
    let (unit, name) = match bytes {
        b if b >= MB => (MB, "MB"),
        b if b >= KB => (KB, "KB"),
        _ => return format!("{bytes} B"),
    };
    let tenths = (bytes * 10 + unit / 2) / unit;
    if tenths.is_multiple_of(10) {
        format!("{} {name}", tenths / 10)
    } else {
        format!("{}.{} {name}", tenths / 10, tenths % 10)
    }
}

/// The media type of content, from its first bytes. Raster images, PDF and the common archive
/// and office formats by their signatures; text by its markup: anything that could be read as
/// HTML, SVG or XML is named so (and never shown inline); other text is `text/plain`; the rest
/// `application/octet-stream`.
pub fn sniff(head: &[u8]) -> &'static str {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"%PDF-", "application/pdf"),
        (b"PK\x03\x04", "application/zip"),
        (b"\x1f\x8b", "application/gzip"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            "application/x-ole-storage",
        ),
        (b"BM", "image/bmp"),
    ];
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return "image/webp";
    }
    for (signature, kind) in SIGNATURES {
        if head.starts_with(signature) {
            // "BM" alone is weak: a bitmap's header says its own size right after it.
            if *kind == "image/bmp" && head.len() < 14 {
                continue;
            }
            return kind;
        }
    }
    if head.contains(&0) {
        return "application/octet-stream";
    }
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let markup = |tags: &[&str]| tags.iter().any(|t| text.contains(t));
    if markup(&["<svg"]) {
        "image/svg+xml"
    } else if markup(&[
        "<html",
        "<!doctype",
        "<script",
        "<body",
        "<head",
        "<iframe",
        "<a ",
        "<img",
        "<div",
        "<table",
        "<style",
        "<title",
        "<meta",
        "<b>",
        "<br",
        "<p>",
        "<h1",
        "<font",
        "<!--",
    ]) {
        "text/html"
    } else if text.trim_start().starts_with("<?xml") {
        "application/xml"
    } else if std::str::from_utf8(head).map_or_else(|e| e.error_len().is_none(), |_| true) {
        // (A character cut off at the end of the sniffed bytes is still text.)
        "text/plain"
    } else {
        "application/octet-stream"
    }
}

/// Whether a browser may show content of this (sniffed) type in the page: raster images only.
/// SVG, HTML, XML and everything else is a download.
pub fn shown_inline(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

/// A file name as stored and sent: the last part of a path, without control characters,
/// without leading dots and spaces (no hidden or relative names), at most 255 characters
/// (the extension kept); `attachment` when nothing is left.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    let cleaned = cleaned
        .trim()
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' ']);
    if cleaned.is_empty() {
        return "attachment".to_owned();
    }
    if cleaned.chars().count() <= 255 {
        return cleaned.to_owned();
    }
    let (stem, ext) = match cleaned.rfind('.') {
        Some(dot) if cleaned.len() - dot <= 16 => cleaned.split_at(dot),
        _ => (cleaned, ""),
    };
    let keep = 255 - ext.chars().count();
    stem.chars().take(keep).chain(ext.chars()).collect()
}

/// The `Content-Disposition` of a download (RFC 6266): `inline` only where `inline` says so,
/// an ASCII `filename` for old clients and the exact name as `filename*` (RFC 8187).
pub fn content_disposition(filename: &str, inline: bool) -> String {
    use std::fmt::Write as _;
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%' | ';') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(filename.len() * 3);
    for byte in filename.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    let disposition = if inline { "inline" } else { "attachment" };
    format!("{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_named_by_its_bytes_not_its_claim() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF"), "image/jpeg");
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), "image/gif");
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), "image/webp");
        assert_eq!(sniff(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(sniff(b"PK\x03\x04\x14\0"), "application/zip");
        assert_eq!(
            sniff(b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"),
            "image/svg+xml"
        );
        assert_eq!(sniff(b"  <SVG onload=alert(1)>"), "image/svg+xml");
        assert_eq!(
            sniff(b"<!DOCTYPE html><html><script>x</script>"),
            "text/html"
        );
        assert_eq!(sniff(b"hello <script>alert(1)</script>"), "text/html");
        assert_eq!(sniff(b"<?xml version=\"1.0\"?><note/>"), "application/xml");
        assert_eq!(sniff("Grüße aus Köln\n".as_bytes()), "text/plain");
        assert_eq!(sniff(b"\x00\x01\x02\x03"), "application/octet-stream");
        assert_eq!(sniff(b""), "text/plain");
        // A GIF that is also HTML is a GIF: shown as an image (nosniff), never as a page.
        assert_eq!(
            sniff(b"GIF89a/*<html><script>alert(1)</script>*/"),
            "image/gif"
        );
    }

    #[test]
    fn only_raster_images_are_shown_inline() {
        for inline in ["image/png", "image/jpeg", "image/gif", "image/webp"] {
            assert!(shown_inline(inline), "{inline}");
        }
        for download in [
            "image/svg+xml",
            "text/html",
            "application/xml",
            "text/plain",
            "application/pdf",
            "image/bmp",
            "application/octet-stream",
        ] {
            assert!(!shown_inline(download), "{download}");
        }
    }

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_filename("C:\\Users\\anna\\screen.png"), "screen.png");
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename(".htaccess"), "htaccess");
        assert_eq!(clean_filename("a\r\nb\u{0}.txt"), "ab.txt");
        assert_eq!(clean_filename("evil\u{202e}gpj.exe"), "evilgpj.exe");
        assert_eq!(clean_filename("  "), "attachment");
        assert_eq!(clean_filename("..."), "attachment");
        let long = format!("{}.pdf", "x".repeat(400));
        let cleaned = clean_filename(&long);
        assert_eq!(cleaned.chars().count(), 255);
        assert!(std::path::Path::new(&cleaned).extension() == Some(std::ffi::OsStr::new("pdf")));
    }

    #[test]
    fn downloads_name_the_file_in_ascii_and_exactly() {
        assert_eq!(
            content_disposition("Bericht März \"final\".pdf", false),
            "attachment; filename=\"Bericht M_rz _final_.pdf\"; filename*=UTF-8''Bericht%20M%C3%A4rz%20%22final%22.pdf"
        );
        assert_eq!(
            content_disposition("a;b.png", true),
            "inline; filename=\"a_b.png\"; filename*=UTF-8''a%3Bb.png"
        );
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(human_size(25 * 1024 * 1024), "25 MB");
        assert_eq!(human_size(1024 * 1024 + 1024 * 512), "1.5 MB");
        assert_eq!(human_size(2048), "2 KB");
        assert_eq!(human_size(1536), "1.5 KB");
        assert_eq!(human_size(12), "12 B");
    }
}
