//! Attachments as pure rules: what a file is (sniffed from its first bytes, never taken from
//! the upload's word), which types a browser may show inline, how a file name is cleaned, and
//! the `Content-Disposition` a download is sent with (RFC 6266, `filename*` per RFC 8187);
//! and the virus scan: where clamd is, what its answer means, and what may be served.

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

/// Where clamd listens: `unix:/run/clamav/clamd.ctl` (or just the path) or `host:3310`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClamdAddress {
    Unix(std::path::PathBuf),
    Tcp(String),
}

impl std::str::FromStr for ClamdAddress {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if let Some(path) = text.strip_prefix("unix:") {
            return Ok(ClamdAddress::Unix(path.trim_start_matches("//").into()));
        }
        if text.starts_with('/') {
            return Ok(ClamdAddress::Unix(text.into()));
        }
        let host_port = text.strip_prefix("tcp://").unwrap_or(text);
        match host_port.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0) => {
                Ok(ClamdAddress::Tcp(host_port.to_owned()))
            }
            _ => Err(format!(
                "{text}: not a clamd address (unix:/run/clamav/clamd.ctl, or host:3310)"
            )),
        }
    }
}

impl std::fmt::Display for ClamdAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClamdAddress::Unix(path) => write!(f, "unix:{}", path.display()),
            ClamdAddress::Tcp(address) => f.write_str(address),
        }
    }
}

/// Virus scanning, when configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanner {
    pub clamd: ClamdAddress,
    /// Serve nothing that clamd has not called clean (pending and scanner errors included).
    pub fail_closed: bool,
}

text_enum! {
    /// Where a content's virus scan stands. None at all: stored while no scanner was
    /// configured.
    pub enum ScanStatus (error = "error.scan", label = "attachments.scan") {
        /// Waiting for clamd.
        Pending = "pending",
        Clean = "clean",
        /// Quarantined: served to nobody.
        Infected = "infected",
        /// The scanner could not say (unreachable, or refused the file); tried again later.
        Error = "error",
    }
}

/// What clamd found in a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    /// The signature's name.
    Infected(String),
}

/// clamd's answer to `INSTREAM` (`stream: OK`, `stream: <signature> FOUND`, `<why> ERROR`);
/// `Err` says why it gave none.
pub fn clamd_verdict(reply: &str) -> Result<Verdict, String> {
    let reply = reply.trim_end_matches(['\0', '\n', '\r', ' ']);
    let answer = reply.strip_prefix("stream: ").unwrap_or(reply);
    if answer == "OK" {
        Ok(Verdict::Clean)
    } else if let Some(signature) = answer.strip_suffix(" FOUND") {
        Ok(Verdict::Infected(signature.trim().to_owned()))
    } else if let Some(why) = answer.strip_suffix(" ERROR") {
        Err(why.trim().to_owned())
    } else if answer.is_empty() {
        Err("clamd closed the connection without an answer".to_owned())
    } else {
        Err(format!("unexpected answer from clamd: {answer}"))
    }
}

/// Why a content is not served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withheld {
    /// clamd found a virus: quarantined, for everyone.
    Infected,
    /// Fail closed: not (yet) called clean.
    NotScanned,
}

/// Whether content with this scan may be served: never when infected; with a fail-closed
/// scanner only when clean.
pub fn may_serve(scan: Option<ScanStatus>, scanner: Option<&Scanner>) -> Result<(), Withheld> {
    match (scan, scanner) {
        (Some(ScanStatus::Infected), _) => Err(Withheld::Infected),
        (Some(ScanStatus::Clean), _) | (_, None) => Ok(()),
        (_, Some(scanner)) if scanner.fail_closed => Err(Withheld::NotScanned),
        _ => Ok(()),
    }
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

    #[test]
    fn clamd_addresses_are_a_socket_path_or_host_and_port() {
        use super::ClamdAddress;
        assert_eq!(
            "unix:/run/clamav/clamd.ctl".parse::<ClamdAddress>(),
            Ok(ClamdAddress::Unix("/run/clamav/clamd.ctl".into()))
        );
        assert_eq!(
            "/tmp/clamd.sock".parse::<ClamdAddress>(),
            Ok(ClamdAddress::Unix("/tmp/clamd.sock".into()))
        );
        assert_eq!(
            "tcp://scanner:3310".parse::<ClamdAddress>(),
            Ok(ClamdAddress::Tcp("scanner:3310".into()))
        );
        assert_eq!(
            "127.0.0.1:3310".parse::<ClamdAddress>(),
            Ok(ClamdAddress::Tcp("127.0.0.1:3310".into()))
        );
        for wrong in ["scanner", ":3310", "scanner:0", "scanner:x", ""] {
            assert!(wrong.parse::<ClamdAddress>().is_err(), "{wrong}");
        }
    }

    #[test]
    fn clamds_answers_are_read_as_clamd_writes_them() {
        use super::{Verdict, clamd_verdict};
        assert_eq!(clamd_verdict("stream: OK\0"), Ok(Verdict::Clean));
        assert_eq!(
            clamd_verdict("stream: Eicar-Test-Signature FOUND\0"),
            Ok(Verdict::Infected("Eicar-Test-Signature".into()))
        );
        assert_eq!(
            clamd_verdict("INSTREAM size limit exceeded. ERROR\0"),
            Err("INSTREAM size limit exceeded.".into())
        );
        assert!(clamd_verdict("").is_err());
        assert!(clamd_verdict("stream: maybe\0").is_err());
    }

    #[test]
    fn infected_content_is_served_to_nobody_and_fail_closed_serves_only_clean() {
        use super::{ClamdAddress, ScanStatus as S, Scanner, Withheld, may_serve};
        let open = Scanner {
            clamd: ClamdAddress::Tcp("x:1".into()),
            fail_closed: false,
        };
        let closed = Scanner {
            fail_closed: true,
            ..open.clone()
        };
        for scanner in [None, Some(&open), Some(&closed)] {
            assert_eq!(
                may_serve(Some(S::Infected), scanner),
                Err(Withheld::Infected)
            );
            assert_eq!(may_serve(Some(S::Clean), scanner), Ok(()));
        }
        for scan in [None, Some(S::Pending), Some(S::Error)] {
            assert_eq!(may_serve(scan, None), Ok(()));
            assert_eq!(may_serve(scan, Some(&open)), Ok(()));
            assert_eq!(may_serve(scan, Some(&closed)), Err(Withheld::NotScanned));
        }
    }
}
