//! `/api/v1`: each module builds its own router with full paths; they are merged here.

pub mod attachments;
pub mod improvements;
pub mod incidents;
pub mod insight;
pub mod mail;
pub mod problems;
pub mod ratings;
pub mod reference;
pub mod requests;
pub mod shares;
pub mod sla;
pub mod tasks;
pub mod tokens;
pub mod users;
pub mod webhooks;

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;

use crate::api::extract::IdempotencyKey;
use crate::error::AppResult;
use crate::service::idempotency::{Created, Idempotency};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(incidents::router())
        .merge(attachments::router())
        .merge(insight::router())
        .merge(improvements::router())
        .merge(problems::router())
        .merge(requests::router())
        .merge(ratings::router())
        .merge(shares::router())
        .merge(reference::router())
        .merge(sla::router())
        .merge(tasks::router())
        .merge(users::router())
        .merge(tokens::router())
        .merge(webhooks::router())
        .merge(mail::router())
}

/// `status` with the body and its `version` as `ETag`.
pub fn versioned<T: Serialize>(status: StatusCode, body: T, version: i64) -> Response {
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::ETAG, crate::api::etag(version));
    response
}

/// `201 Created` with `Location` and the new resource.
pub fn created<T: Serialize>(location: &str, body: T) -> Response {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// A created resource, or the stored answer to a retried `Idempotency-Key`.
pub fn created_or_replayed<T: Serialize>(
    created: Created<T>,
    location: impl Fn(&serde_json::Value) -> Option<String>,
) -> AppResult<Response> {
    let (status, body) = match created {
        Created::New(view) => (
            StatusCode::CREATED,
            serde_json::to_value(view).map_err(anyhow::Error::from)?,
        ),
        Created::Replayed { status, body } => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::CREATED),
            body,
        ),
    };
    let mut response = (status, Json(&body)).into_response();
    if let Some(value) = location(&body).and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    if let Some(version) = body.get("version").and_then(serde_json::Value::as_i64) {
        response
            .headers_mut()
            .insert(header::ETAG, crate::api::etag(version));
    }
    Ok(response)
}

pub fn idempotency(key: IdempotencyKey, hash: Vec<u8>) -> Option<Idempotency> {
    key.0.map(|(key, operation)| Idempotency {
        key,
        operation,
        request_hash: hash,
    })
}

/// Whether the client asked for CSV (`Accept: text/csv`).
pub fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/csv"))
}

/// A view as JSON, or with `Accept: text/csv` as CSV made in one piece (no next page).
pub fn json_or_csv<T: Serialize>(
    headers: &HeaderMap,
    value: T,
    csv: impl FnOnce(&T) -> String,
) -> Response {
    if wants_csv(headers) {
        return csv_page("", &[], csv(&value), None);
    }
    Json(value).into_response()
}

/// A list page as CSV, with the next page (the same query at the next cursor) in a `Link`
/// header.
pub fn csv_page(
    path: &str,
    pairs: &[(String, String)],
    csv: String,
    next: Option<&str>,
) -> Response {
    let mut response = ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response();
    if let Some(next) = next {
        let mut link_pairs: Vec<(String, String)> = pairs
            .iter()
            .filter(|(k, _)| k != "cursor")
            .cloned()
            .collect();
        link_pairs.push((
            "cursor".to_owned(),
            crate::api::pagination::encode_cursor(next),
        ));
        let query = crate::url::query_string(&link_pairs);
        if let Ok(link) = HeaderValue::from_str(&format!("<{path}?{query}>; rel=\"next\"")) {
            response.headers_mut().insert(header::LINK, link);
        }
    }
    response
}
