//! Admin page for inbound mail: the mailboxes (make one, change what unknown senders become)
//! and the messages not read through (failed with the reason, quarantined), each with a
//! retry. The same service functions as `/api/v1/mailboxes` and `/api/v1/mail/messages`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::require_admin;
use crate::error::AppResult;
use crate::service::PageRequest;
use crate::service::mail::{self, MailboxInput, MailboxView, MessageView};
use crate::state::AppState;
use crate::web::form::{Fields, FormState, checkbox, error_line, field, ticked};
use crate::web::{Ctx, SignedIn, render, see_other};

#[derive(Template)]
#[template(path = "admin/mail.html")]
struct MailPage {
    ctx: Ctx,
    mailboxes: Vec<MailboxView>,
    messages: Vec<MessageView>,
    form: FormState,
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    actor: &crate::service::Actor,
    form: FormState,
    status: StatusCode,
) -> AppResult<Response> {
    let recent = PageRequest {
        after: None,
        limit: 100,
    };
    let page = MailPage {
        mailboxes: mail::mailboxes(&state.db, actor).await?,
        messages: mail::open_messages(&state.db, actor, None, recent)
            .await?
            .items,
        ctx,
        form,
    };
    Ok(render(status, &page))
}

pub(super) async fn mail_page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let mut form = FormState::default();
    form.set("enabled", ticked(true));
    page(&state, ctx, &actor, form, StatusCode::OK).await
}

pub(super) async fn create_mailbox(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let input = MailboxInput {
        key: field(&fields, "key"),
        name: field(&fields, "name"),
        address: field(&fields, "address"),
        unknown_senders: field(&fields, "unknown_senders"),
        enabled: Some(checkbox(&fields, "enabled")),
    };
    match mail::create_mailbox(&state.db, &actor, input).await {
        Ok(mailbox) => {
            ctx.flash("success", ctx.tr.t1("flash.saved", &mailbox.name))
                .await?;
            Ok(see_other("/admin/mail"))
        }
        Err(error) => {
            let form = FormState::refused(fields, error, ctx.tr, "key")?;
            page(&state, ctx, &actor, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub(super) async fn retry_message(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    require_admin(&actor)?;
    match mail::retry(&state.db, &actor, id).await {
        Ok(message) => {
            let text = match &message.record {
                Some(record) => ctx.tr.t1("mail.retried_to", record),
                None => ctx.tr.t1("mail.retried", &message.state),
            };
            ctx.flash("success", text).await?;
        }
        Err(error @ crate::error::AppError::Conflict(_)) => {
            ctx.flash("error", error_line(&error, &ctx)).await?;
        }
        Err(other) => return Err(other),
    }
    Ok(see_other("/admin/mail"))
}
