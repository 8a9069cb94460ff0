//! The HTML face: askama pages over the same service functions as the API. Sessions live in
//! PostgreSQL; forms post and redirect (303), or re-render with field errors (422).

pub mod admin;
pub mod attachments;
pub mod auth;
pub mod chart;
pub mod context;
pub mod form;
pub mod home;
pub mod improvements;
pub mod incidents;
pub mod insight;
pub mod portal;
pub mod problems;
pub(crate) mod record;
pub mod requests;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::domain::Locale;
use crate::error::{AppError, ErrorInfo};
use crate::i18n::Tr;
use crate::state::AppState;

pub use context::{Ctx, SignedIn};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(home::router())
        .merge(admin::router())
        .merge(attachments::router())
        .merge(incidents::router())
        .merge(insight::router())
        .merge(improvements::router())
        .merge(problems::router())
        .merge(portal::router())
        .merge(requests::router())
        .route("/static/{file}", get(static_file))
}

/// A CSV made in one piece, as a download.
pub fn csv_file(filename: &'static str, csv: String) -> Response {
    csv_download(filename, "", (csv, None), |_| async {
        Ok((String::new(), None))
    })
}

/// A page's CSV lines without their header line (`csv_download` writes the header once).
pub fn csv_lines(csv: &str) -> String {
    csv.split_once("\r\n")
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or_default()
}

/// A CSV download streamed page by page: `first` is the first page's lines and the key to
/// continue after; `next` reads the page after a key. Memory stays flat at any size. A failure
/// after the first page ends the download early (the connection is closed).
pub fn csv_download<F, Fut>(
    filename: &'static str,
    header: &'static str,
    first: (String, Option<String>),
    next: F,
) -> Response
where
    F: Fn(String) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = crate::error::AppResult<(String, Option<String>)>> + Send,
{
    let (lines, after) = first;
    let head = futures_util::stream::once(std::future::ready(Ok::<_, std::io::Error>(
        axum::body::Bytes::from(format!("{header}{lines}")),
    )));
    let rest = futures_util::stream::unfold((after, next), |(after, next)| async move {
        let after = after?;
        match next(after).await {
            Ok((lines, after)) => Some((Ok(axum::body::Bytes::from(lines)), (after, next))),
            Err(error) => Some((Err(std::io::Error::other(error.to_string())), (None, next))),
        }
    });
    let body = axum::body::Body::from_stream(futures_util::StreamExt::chain(head, rest));
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// The files in `static/`, compiled in so the binary needs nothing beside it.
const STATIC_FILES: &[(&str, &str, &[u8])] = &[
    (
        "htmx-2.0.11.min.js",
        "text/javascript",
        include_bytes!("../../static/htmx-2.0.11.min.js"),
    ),
    (
        "app.css",
        "text/css",
        include_bytes!("../../static/app.css"),
    ),
    (
        "app.js",
        "text/javascript",
        include_bytes!("../../static/app.js"),
    ),
];

/// The version of each static file: the start of its SHA-256, computed once.
static VERSIONS: std::sync::LazyLock<Vec<(&'static str, String)>> =
    std::sync::LazyLock::new(|| {
        use sha2::{Digest, Sha256};
        STATIC_FILES
            .iter()
            .map(|(name, _, body)| (*name, hex::encode(&Sha256::digest(body)[..6])))
            .collect()
    });

/// The URL pages load a static file from: `/static/<file>?v=<version>`. A build with changed
/// files gives them new URLs, so browsers may keep each for a year and never run yesterday's
/// script against today's page.
pub fn asset_url(file: &str) -> String {
    match VERSIONS.iter().find(|(name, _)| *name == file) {
        Some((name, version)) => format!("/static/{name}?v={version}"),
        None => format!("/static/{file}"),
    }
}

#[derive(serde::Deserialize)]
struct AssetQuery {
    v: Option<String>,
}

async fn static_file(
    Path(file): Path<String>,
    axum::extract::Query(query): axum::extract::Query<AssetQuery>,
) -> Response {
    let Some((name, mime, body)) = STATIC_FILES.iter().find(|(name, _, _)| *name == file) else {
        return AppError::NotFound.into_response();
    };
    // Only the current version's URL is immutable; other addresses may change under it.
    let current = VERSIONS
        .iter()
        .any(|(n, version)| n == name && query.v.as_deref() == Some(version.as_str()));
    let cache = if current {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    (
        [
            (header::CONTENT_TYPE, *mime),
            (header::CACHE_CONTROL, cache),
        ],
        *body,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: Ctx,
    status: u16,
    message: String,
}

/// Renders errors that reach a browser as a page in the reader's language. API paths keep
/// their problem+json; pages that handle their own errors (forms) are left alone.
pub async fn error_pages(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/api/") || path == "/api" || path == "/metrics" {
        return next.run(request).await;
    }
    let path = path.to_owned();
    let locale = context::anonymous_locale(request.headers());
    let response = next.run(request).await;
    let Some(ErrorInfo(error)) = response.extensions().get::<ErrorInfo>().cloned() else {
        return response;
    };
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !is_problem {
        return response;
    }
    let status = response.status();
    let tr = Tr::new(locale);
    let message = error.problem(tr).detail.unwrap_or_default();
    let page = ErrorPage {
        ctx: Ctx::bare(tr, path),
        status: status.as_u16(),
        message,
    };
    let mut page_response = match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => return response,
    };
    for name in [
        header::RETRY_AFTER,
        header::HeaderName::from_static("x-request-id"),
    ] {
        if let Some(value) = response.headers().get(&name) {
            page_response.headers_mut().insert(name, value.clone());
        }
    }
    page_response
}

/// `303 See Other` to `location` (post/redirect/get).
pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Renders a page, or a 500 when the template fails.
pub fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => AppError::Internal(anyhow::anyhow!("template: {error}")).into_response(),
    }
}

/// Only a local path may be a redirect target (no `//host` or scheme).
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(next) if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') => {
            next
        }
        _ => "/",
    }
}

/// The default language for people who have not chosen one.
pub fn default_locale() -> Locale {
    Locale::En
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_redirect_targets() {
        assert_eq!(
            safe_next(Some("/admin/groups?after=x")),
            "/admin/groups?after=x"
        );
        for bad in [
            "//evil.example",
            "https://evil.example",
            "evil",
            "/\\evil.example",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
