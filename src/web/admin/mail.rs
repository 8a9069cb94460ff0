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
use crate::service::imap::ImapInput;
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
    /// Notifications that have not gone out.
    outgoing: Vec<crate::service::notify::OutgoingView>,
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
        messages: mail::open_messages(&state.db, actor, None, recent.clone())
            .await?
            .items,
        outgoing: crate::service::notify::troubled(&state.db, actor, recent)
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

/// The IMAP part of a mailbox form: `None` when no server is given.
fn imap_input(fields: &[(String, String)]) -> Option<ImapInput> {
    let given = |name: &str| field(fields, name).filter(|v| !v.trim().is_empty());
    Some(ImapInput {
        host: Some(given("imap.host")?),
        // A port that is no number is named as a bad port.
        port: given("imap.port").map(|p| p.trim().parse().unwrap_or(-1)),
        security: given("imap.security"),
        username: given("imap.username"),
        auth: given("imap.auth"),
        secret: given("imap.secret"),
        folder: given("imap.folder"),
        token_url: Some(given("imap.token_url").unwrap_or_default()),
        client_id: Some(given("imap.client_id").unwrap_or_default()),
        client_secret: given("imap.client_secret"),
    })
}

fn mailbox_input(fields: &[(String, String)], key: Option<String>) -> MailboxInput {
    MailboxInput {
        key,
        name: field(fields, "name"),
        address: field(fields, "address"),
        unknown_senders: field(fields, "unknown_senders"),
        enabled: Some(checkbox(fields, "enabled")),
        imap: Some(imap_input(fields)),
    }
}

#[derive(Template)]
#[template(path = "admin/mailbox.html")]
struct MailboxPage {
    ctx: Ctx,
    mailbox: MailboxView,
    form: FormState,
}

/// The form as the mailbox stands (secrets never filled in).
fn current(mailbox: &MailboxView) -> FormState {
    let mut form = FormState::default();
    form.set("name", mailbox.name.clone());
    form.set("address", mailbox.address.clone());
    form.set("unknown_senders", mailbox.unknown_senders.clone());
    form.set("enabled", ticked(mailbox.enabled));
    if let Some(imap) = &mailbox.imap {
        let shown = [
            ("host", imap.host.clone()),
            ("port", imap.port.to_string()),
            ("security", imap.security.clone()),
            ("username", imap.username.clone()),
            ("auth", imap.auth.clone()),
            ("folder", imap.folder.clone()),
            ("token_url", imap.token_url.clone().unwrap_or_default()),
            ("client_id", imap.client_id.clone().unwrap_or_default()),
        ];
        for (name, value) in shown {
            form.set(&format!("imap.{name}"), value);
        }
    }
    form
}

async fn find_mailbox(
    state: &AppState,
    actor: &crate::service::Actor,
    key: &str,
) -> AppResult<MailboxView> {
    mail::mailboxes(&state.db, actor)
        .await?
        .into_iter()
        .find(|b| b.key == key)
        .ok_or(crate::error::AppError::NotFound)
}

pub(super) async fn mailbox_page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(key): Path<String>,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let mailbox = find_mailbox(&state, &actor, &key).await?;
    let page = MailboxPage {
        form: current(&mailbox),
        mailbox,
        ctx,
    };
    Ok(render(StatusCode::OK, &page))
}

pub(super) async fn update_mailbox(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(key): Path<String>,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let version = crate::web::form::version(&fields);
    let input = mailbox_input(&fields, None);
    match mail::update_mailbox(&state.db, &actor, &key, input, version).await {
        Ok(mailbox) => {
            ctx.flash("success", ctx.tr.t1("flash.saved", &mailbox.name))
                .await?;
            Ok(see_other("/admin/mail"))
        }
        Err(crate::error::AppError::PreconditionFailed(_)) => {
            ctx.flash("error", ctx.tr.t("conflict.title").to_owned())
                .await?;
            Ok(see_other(&format!("/admin/mail/mailboxes/{key}")))
        }
        Err(error) => {
            let mailbox = find_mailbox(&state, &actor, &key).await?;
            let form = FormState::refused(fields, error, ctx.tr, "name")?;
            let page = MailboxPage { ctx, mailbox, form };
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

pub(super) async fn create_mailbox(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let mut input = mailbox_input(&fields, field(&fields, "key"));
    // A new mailbox without a server simply has no IMAP.
    input.imap = input.imap.filter(Option::is_some);
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

/// Sends a notification that has not gone out again now.
pub(super) async fn send_again(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    crate::service::notify::send_again(&state.db, &actor, id).await?;
    ctx.flash("success", ctx.tr.t("mail.sent_again").to_owned())
        .await?;
    Ok(see_other("/admin/mail#mail-outgoing"))
}
