//! Files over HTTP, for both faces. Uploads: a `multipart/form-data` body's text fields, and
//! its files streamed into the attachment store as they arrive
//! (`service::attachments::stage`), so a large file is never held in memory and a file over
//! a limit is refused with `413` naming it. Downloads: streamed, with the headers that keep a
//! hostile file from running in the browser.

use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use crate::db::Db;
use crate::error::{AppError, AppResult, bare_problem, problem_response};
use crate::service::attachments::{self, Staged};

/// An upload (`multipart/form-data`) may take this long in all: a 50 MB comment over a slow
/// uplink takes minutes, not the 30 s any other request gets.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_mins(15);
/// An upload whose client sends nothing for this long is ended (`400`, nothing kept).
pub const UPLOAD_IDLE: Duration = Duration::from_secs(30);

/// Answers `408` for a request that takes longer than `app::REQUEST_TIMEOUT`, or, for an upload,
/// `UPLOAD_TIMEOUT` in all or `UPLOAD_IDLE` between two pieces of its body.
pub async fn time_limit(request: Request, next: Next) -> Response {
    let upload = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    let (limit, request) = if upload {
        let (parts, body) = request.into_parts();
        (
            UPLOAD_TIMEOUT,
            Request::from_parts(parts, Body::from_stream(idle_limited(body))),
        )
    } else {
        (crate::app::REQUEST_TIMEOUT, request)
    };
    if let Ok(response) = tokio::time::timeout(limit, next.run(request)).await {
        response
    } else {
        let status = StatusCode::REQUEST_TIMEOUT;
        problem_response(status, &bare_problem(status, None))
    }
}

/// The body's pieces, ended with an error when the next does not come within `UPLOAD_IDLE`.
fn idle_limited(
    body: Body,
) -> impl futures_util::Stream<Item = Result<axum::body::Bytes, std::io::Error>> + Send {
    let stream = body.into_data_stream();
    futures_util::stream::unfold(Some(stream), |stream| async move {
        let mut stream = stream?;
        match tokio::time::timeout(UPLOAD_IDLE, stream.next()).await {
            Ok(Some(Ok(piece))) => Some((Ok(piece), Some(stream))),
            Ok(Some(Err(error))) => Some((Err(std::io::Error::other(error)), None)),
            Ok(None) => None,
            Err(_) => Some((
                Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("nothing arrived for {} s", UPLOAD_IDLE.as_secs()),
                )),
                None,
            )),
        }
    })
}

/// The name of the file fields (one part per file).
pub const FILE_FIELD: &str = "file";
/// The most a text field may hold.
const MAX_TEXT_FIELD: usize = 256 * 1024;
/// The most parts a body may have.
const MAX_PARTS: usize = 64;

/// A multipart body read through.
#[derive(Debug, Default)]
pub struct Upload {
    /// The text fields, in order.
    pub fields: Vec<(String, String)>,
    /// The files, stored.
    pub files: Vec<Staged>,
    /// Why a file was refused (a limit), when one was: the rest of the body was still read,
    /// so a browser gets the answer instead of a broken connection, and the fields with it.
    pub refused: Option<AppError>,
}

impl Upload {
    /// The fields, and the files or the error that refused one (a form keeps the fields to
    /// show again).
    pub fn into_parts(self) -> (Vec<(String, String)>, AppResult<Vec<Staged>>) {
        let files = match self.refused {
            Some(error) => Err(error),
            None => Ok(self.files),
        };
        (self.fields, files)
    }
}

/// The multipart boundary when the body is `multipart/form-data`.
pub fn boundary(headers: &HeaderMap) -> Option<String> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    multer::parse_boundary(content_type).ok()
}

/// Reads the fields and stores the files of a multipart body.
pub async fn read(db: &Db, boundary: String, body: Body) -> AppResult<Upload> {
    let limits = db.storage().limits;
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(limits.comment + 4 * 1024 * 1024)
            .per_field(limits.file + 1024),
    );
    let mut multipart =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut upload = Upload::default();
    let mut parts = 0;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => return Err(refusal(&error, &limits)),
        };
        parts += 1;
        if parts > MAX_PARTS {
            return Err(AppError::BadRequest(format!(
                "at most {MAX_PARTS} parts in one upload"
            )));
        }
        let name = field.name().unwrap_or_default().to_owned();
        if name == FILE_FIELD {
            let filename = field.file_name().unwrap_or_default().to_owned();
            let already: u64 = upload.files.iter().map(|f| f.size).sum();
            let mut pieces = Box::pin(field);
            // A browser sends an empty file part when no file was picked: not a file.
            let first = match pieces.next().await {
                None => continue,
                Some(Err(error)) => return Err(refusal(&error, &limits)),
                Some(Ok(first)) => first,
            };
            if first.is_empty() && filename.is_empty() {
                continue;
            }
            let mut rest = Box::pin(futures_util::stream::iter([Ok(first)]).chain(pieces));
            if upload.refused.is_some() {
                drain(&mut rest).await;
                continue;
            }
            let pieces = (&mut rest).map(|piece| piece.map_err(|e| refusal(&e, &limits)));
            match attachments::stage(db, &filename, false, already, pieces).await {
                Ok(staged) => upload.files.push(staged),
                Err(error @ AppError::AttachmentTooLarge { .. }) => {
                    upload.refused = Some(error);
                    drain(&mut rest).await;
                }
                Err(other) => return Err(other),
            }
        } else {
            let mut text = Vec::new();
            let mut pieces = Box::pin(field);
            while let Some(piece) = pieces.next().await {
                let piece = piece.map_err(|e| refusal(&e, &limits))?;
                if text.len() + piece.len() > MAX_TEXT_FIELD {
                    return Err(AppError::PayloadTooLarge);
                }
                text.extend_from_slice(&piece);
            }
            let text = String::from_utf8(text)
                .map_err(|_| AppError::BadRequest(format!("the field {name} is not UTF-8")))?;
            upload.fields.push((name, text));
        }
    }
    Ok(upload)
}

/// Reads the rest of a refused file and throws it away, until it ends or the body breaks off
/// (multer's limit on the whole body still holds); the refusal stands either way.
async fn drain<S>(rest: &mut S)
where
    S: futures_util::Stream<Item = Result<axum::body::Bytes, multer::Error>> + Unpin,
{
    while let Some(Ok(_)) = rest.next().await {}
}

/// A body multer could not read: over a size it enforces (`413`), or malformed (`400`).
fn refusal(error: &multer::Error, limits: &crate::domain::attachment::Limits) -> AppError {
    match error {
        multer::Error::FieldSizeExceeded { .. } => AppError::AttachmentTooLarge {
            limit: crate::domain::attachment::Limit::File,
            max: limits.file,
        },
        multer::Error::StreamSizeExceeded { .. } => AppError::AttachmentTooLarge {
            limit: crate::domain::attachment::Limit::Comment,
            max: limits.comment,
        },
        other => AppError::BadRequest(format!("the multipart body cannot be read: {other}")),
    }
}

/// A download as the browser must treat it: the sniffed type; `attachment` unless it is a
/// raster image (never SVG, HTML or XML inline); `nosniff`; a policy that runs nothing and
/// sandboxes whatever a browser might still render; its content's hash as `ETag` (`304` for
/// `If-None-Match`); kept privately for a while.
pub fn download_response(download: attachments::Download, request: &HeaderMap) -> Response {
    use crate::domain::attachment::{content_disposition, shown_inline};
    let view = &download.view;
    let etag = format!("\"{}\"", hex::encode(&download.sha256));
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = Body::from_stream(download.body).into_response();
        let headers = response.headers_mut();
        if let Ok(length) = HeaderValue::from_str(&view.size.to_string()) {
            headers.insert(header::CONTENT_LENGTH, length);
        }
        let content_type = if view.content_type == "text/plain" {
            "text/plain; charset=utf-8".to_owned()
        } else {
            view.content_type.clone()
        };
        if let Ok(value) = HeaderValue::from_str(&content_type) {
            headers.insert(header::CONTENT_TYPE, value);
        }
        let disposition = content_disposition(&view.filename, shown_inline(&view.content_type));
        if let Ok(value) = HeaderValue::from_str(&disposition) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        response
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    response
}
