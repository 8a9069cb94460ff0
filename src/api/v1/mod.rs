//! `/api/v1`: each module builds its own router with full paths; they are merged here.

pub mod incidents;
pub mod problems;
pub mod reference;
pub mod sla;
pub mod tokens;
pub mod users;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(incidents::router())
        .merge(problems::router())
        .merge(reference::router())
        .merge(sla::router())
        .merge(users::router())
        .merge(tokens::router())
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
