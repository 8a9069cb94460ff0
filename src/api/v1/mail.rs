//! Inbound e-mail over HTTP (`service::mail`), for relays: `POST /api/v1/mail/inbound` with the
//! raw message; mailboxes; and the messages not read through, with retry (admins).

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::versioned;
use crate::api::extract::{ApiActor, ApiJson, IfMatch};
use crate::api::pagination::{ListResponse, PageParams};
use crate::domain::Permission;
use crate::error::{AppError, AppResult, Problem};
use crate::service::mail::{self, MailboxInput, MailboxView, MessageView, Via};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(inbound))
        .routes(routes!(list_mailboxes, create_mailbox))
        .routes(routes!(update_mailbox))
        .routes(routes!(open_messages))
        .routes(routes!(retry_message))
        .routes(routes!(outbound_trouble))
        .routes(routes!(send_again))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboundParams {
    /// The mailbox's key; `default` when absent.
    mailbox: Option<String>,
}

/// Takes one raw RFC 5322 message (`Content-Type: message/rfc822`, up to 25 MB) into a
/// mailbox, for relays and MTAs that speak HTTP (admins' tokens). Stored first, then read
/// through: `201` with the new message, `200` with the earlier one when the mailbox had it
/// already (the same bytes or Message-ID: nothing is done twice). A message that cannot be
/// read is kept as `failed`, never dropped.
#[utoipa::path(post, path = "/api/v1/mail/inbound", tag = "mail", params(InboundParams),
    request_body(description = "the raw message, as the MTA received it",
        content((Vec<u8> = "message/rfc822"), (Vec<u8> = "application/octet-stream"))),
    security(("bearer" = [])),
    responses((status = 201, body = MessageView), (status = 200, description = "a message the mailbox had already", body = MessageView),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 413, description = "over 25 MB", body = Problem), (status = 422, body = Problem)))]
async fn inbound(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<InboundParams>,
    body: Body,
) -> AppResult<Response> {
    actor.require(Permission::Administer)?;
    let raw = axum::body::to_bytes(body, mail::MAX_MESSAGE)
        .await
        .map_err(|_| AppError::MailTooLarge)?;
    let mailbox = params.mailbox.as_deref().unwrap_or("default");
    let message = mail::receive(&state.db, mailbox, Via::Api, &raw).await?;
    let status = if message.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(message)).into_response())
}

#[utoipa::path(get, path = "/api/v1/mailboxes", tag = "mail", security(("bearer" = [])),
    responses((status = 200, body = Vec<MailboxView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn list_mailboxes(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> AppResult<Json<Vec<MailboxView>>> {
    Ok(Json(mail::mailboxes(&state.db, &actor).await?))
}

/// Makes a mailbox: the address callers write to and what happens to unknown senders.
#[utoipa::path(post, path = "/api/v1/mailboxes", tag = "mail", request_body = MailboxInput, security(("bearer" = [])),
    responses((status = 201, body = MailboxView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_mailbox(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<MailboxInput>,
) -> AppResult<Response> {
    let view = mail::create_mailbox(&state.db, &actor, input).await?;
    Ok(super::created(
        &format!("/api/v1/mailboxes/{}", view.key),
        view,
    ))
}

#[utoipa::path(patch, path = "/api/v1/mailboxes/{key}", tag = "mail", request_body = MailboxInput,
    params(("key" = String, Path), ("If-Match" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 200, body = MailboxView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 412, body = MailboxView), (status = 422, body = Problem)))]
async fn update_mailbox(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(key): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(input): ApiJson<MailboxInput>,
) -> AppResult<Response> {
    let view = mail::update_mailbox(&state.db, &actor, &key, input, if_match).await?;
    Ok(versioned(StatusCode::OK, &view, view.version))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessageParams {
    /// `received`, `failed` or `quarantined`; all three when absent.
    #[param(pattern = "^(received|failed|quarantined)?$")]
    state: Option<String>,
}

/// The messages not read through: still being read, failed (with the reason) or quarantined
/// (an unknown sender), the newest first.
#[utoipa::path(get, path = "/api/v1/mail/messages", tag = "mail", params(MessageParams, PageParams), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<MessageView>), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn open_messages(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<MessageParams>,
    Query(page): Query<PageParams>,
) -> AppResult<Json<ListResponse<MessageView>>> {
    let page = page.parse()?;
    Ok(Json(
        mail::open_messages(&state.db, &actor, params.state.as_deref(), page)
            .await?
            .into(),
    ))
}

/// Reads a failed or quarantined message through again (after fixing the cause).
#[utoipa::path(post, path = "/api/v1/mail/messages/{id}/retry", tag = "mail", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = MessageView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn retry_message(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<MessageView>> {
    Ok(Json(mail::retry(&state.db, &actor, id).await?))
}

/// Notifications that have not gone out: refused for good (`failed`, with the server's
/// answer) or being retried after a failure (`pending`), the newest first.
#[utoipa::path(get, path = "/api/v1/mail/outbound", tag = "mail", params(PageParams), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<crate::service::notify::OutgoingView>), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn outbound_trouble(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(page): Query<PageParams>,
) -> AppResult<Json<ListResponse<crate::service::notify::OutgoingView>>> {
    let page = page.parse()?;
    Ok(Json(
        crate::service::notify::troubled(&state.db, &actor, page)
            .await?
            .into(),
    ))
}

/// Sends a notification that has not gone out again now (after fixing the mail server).
#[utoipa::path(post, path = "/api/v1/mail/outbound/{id}/retry", tag = "mail", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 204, description = "queued to go out now"), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn send_again(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    crate::service::notify::send_again(&state.db, &actor, id).await?;
    Ok(crate::api::no_content())
}
