//! The JSON face, `/api/v1` (API.md is the contract): request extractors that answer in
//! problem+json, bearer-token authentication, keyset pagination, and the OpenAPI document
//! generated from the handlers.

pub mod extract;
pub mod openapi;
pub mod pagination;
pub mod v1;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::error::{ErrorInfo, bare_problem, problem_response};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Leitstand API",
        version = "1",
        description = "The JSON API of Leitstand, an ITIL service desk. Authenticate with \
                       `Authorization: Bearer <token>`; errors are RFC 9457 problem+json."
    ),
    components(schemas(crate::error::Problem, crate::error::ProblemField,
        crate::service::webhooks::WebhookEvent)),
    modifiers(&BearerAuth),
    tags(
        (name = "incidents", description = "Incident management: restore service fast"),
        (name = "problems", description = "Problem management and known errors: remove the cause"),
        (name = "service levels", description = "Business-hour calendars and SLA policies (admins)"),
        (name = "reference", description = "Groups and services (admins change them)"),
        (name = "users", description = "User accounts (admins)"),
        (name = "tokens", description = "API tokens"),
        (name = "mail", description = "Inbound e-mail: mailboxes, messages from relays, the ones not read through (admins)"),
        (name = "webhooks", description = "Endpoints told of every event, signed as Standard Webhooks (admins)"),
        (name = "insight", description = "Service insight: the KPI catalogue (docs/metrics.md) the figures follow"),
        (name = "improvements", description = "The improvement register: ideas to improve the way the desk works, triaged by process owners"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every `/api/v1` route with its OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(v1::router())
}

/// The served OpenAPI document: the generated one, completed by `openapi::complete`.
pub fn document(generated: &utoipa::openapi::OpenApi) -> anyhow::Result<utoipa::openapi::OpenApi> {
    let mut doc = serde_json::to_value(generated)?;
    openapi::complete(&mut doc);
    Ok(serde_json::from_value(doc)?)
}

/// Gives every API error response the problem+json shape, including the framework's own
/// rejections (unknown route, wrong method, unreadable path or query) and layer responses.
pub async fn problem_json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.extensions().get::<ErrorInfo>().is_some()
    {
        return response;
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if is_problem {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let detail = String::from_utf8_lossy(&text).trim().to_owned();
    let mut problem = problem_response(
        status,
        &bare_problem(status, (!detail.is_empty()).then_some(detail)),
    );
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            problem.headers_mut().insert(name.clone(), value.clone());
        }
    }
    problem
}

/// `ETag`-style header value for a version number.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\""))
        .expect("digits and quotes are a valid header value")
}

/// An empty `204 No Content`.
pub fn no_content() -> Response {
    Response::builder()
        .status(204)
        .body(Body::empty())
        .expect("a static response is valid")
}
