//! Admin pages for webhook endpoints: the list with their health, registering one (its secret
//! shown once), changing, disabling and removing it, rotating the secret, a test event, a
//! replay, and the delivery log. The same service functions as `/api/v1/webhooks`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use super::require_admin;
use crate::domain::webhook;
use crate::error::{AppError, AppResult};
use crate::service::webhooks::{
    self, AttemptView, DeliveryCounts, EndpointInput, EndpointView, EndpointWithSecret, ReplayInput,
};
use crate::service::{Actor, PageRequest};
use crate::state::AppState;
use crate::web::form::{Fields, FormState, all, checkbox, field, ticked};
use crate::web::{Ctx, SignedIn, render, see_other};

#[derive(Template)]
#[template(path = "admin/webhooks.html")]
struct WebhooksPage {
    ctx: Ctx,
    endpoints: Vec<EndpointView>,
    event_types: Vec<String>,
    departments: Vec<(String, String)>,
    form: FormState,
}

#[derive(Template)]
#[template(path = "admin/webhook_secret.html")]
struct SecretPage {
    ctx: Ctx,
    endpoint: EndpointWithSecret,
}

#[derive(Template)]
#[template(path = "admin/webhook_edit.html")]
struct WebhookPage {
    ctx: Ctx,
    endpoint: EndpointView,
    counts: DeliveryCounts,
    attempts: Vec<AttemptView>,
    event_types: Vec<String>,
    departments: Vec<(String, String)>,
    form: FormState,
    replay: FormState,
}

/// The departments an endpoint may be scoped to (key, name): those the admin reads.
async fn departments(state: &AppState, actor: &Actor) -> AppResult<Vec<(String, String)>> {
    let reference = crate::service::reference::data(&state.db).await?;
    let hidden = crate::service::scope::ReadScope::of(actor, &reference).hidden;
    Ok(reference
        .departments
        .iter()
        .filter(|d| !hidden.contains(&d.id))
        .map(|d| (d.key.clone(), d.name.clone()))
        .collect())
}

fn input(fields: &[(String, String)]) -> EndpointInput {
    EndpointInput {
        url: field(fields, "url"),
        description: Some(field(fields, "description").unwrap_or_default()),
        event_types: Some(all(fields, "event_types")),
        department: Some(field(fields, "department").filter(|d| !d.is_empty())),
        enabled: Some(checkbox(fields, "enabled")),
    }
}

async fn list_page(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    form: FormState,
    status: StatusCode,
) -> AppResult<Response> {
    let page = WebhooksPage {
        endpoints: webhooks::list(&state.db, actor).await?,
        event_types: webhook::event_types().collect(),
        departments: departments(state, actor).await?,
        ctx,
        form,
    };
    Ok(render(status, &page))
}

pub(super) async fn webhooks_page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let mut form = FormState::default();
    form.set("enabled", ticked(true));
    list_page(&state, ctx, &actor, form, StatusCode::OK).await
}

pub(super) async fn create_webhook(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let created = webhooks::create(
        &state.db,
        &actor,
        input(&fields),
        &state.settings.webhook_allow,
        None,
    )
    .await;
    match created {
        Ok(crate::service::idempotency::Created::New(endpoint)) => {
            Ok(render(StatusCode::CREATED, &SecretPage { ctx, endpoint }))
        }
        Ok(crate::service::idempotency::Created::Replayed { .. }) => {
            Ok(see_other("/admin/webhooks"))
        }
        Err(error) => {
            let form = refused(&fields, error, &ctx)?;
            list_page(&state, ctx, &actor, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

fn endpoint_id(id: &str) -> AppResult<Uuid> {
    id.parse().map_err(|_| AppError::NotFound)
}

/// The form as the endpoint stands.
fn current(endpoint: &EndpointView) -> FormState {
    let mut form = FormState::default();
    form.set("url", endpoint.url.clone());
    form.set("description", endpoint.description.clone());
    form.set(
        "department",
        endpoint.department.clone().unwrap_or_default(),
    );
    form.set("enabled", ticked(endpoint.enabled));
    for t in &endpoint.event_types {
        form.set(&format!("type.{t}"), ticked(true));
    }
    form
}

async fn detail_page(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    id: Uuid,
    forms: (Option<FormState>, FormState),
    status: StatusCode,
) -> AppResult<Response> {
    let endpoint = webhooks::get(&state.db, actor, id).await?;
    let page = PageRequest {
        after: None,
        limit: 50,
    };
    let (form, replay) = forms;
    let page = WebhookPage {
        counts: webhooks::delivery_counts(&state.db, actor, id).await?,
        attempts: webhooks::attempts(&state.db, actor, id, page).await?.items,
        event_types: webhook::event_types().collect(),
        departments: departments(state, actor).await?,
        form: form.unwrap_or_else(|| current(&endpoint)),
        endpoint,
        ctx,
        replay,
    };
    Ok(render(status, &page))
}

pub(super) async fn webhook_page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(id): Path<String>,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let id = endpoint_id(&id)?;
    let forms = (None, FormState::default());
    detail_page(&state, ctx, &actor, id, forms, StatusCode::OK).await
}

pub(super) async fn update_webhook(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(id): Path<String>,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let id = endpoint_id(&id)?;
    let version = crate::web::form::version(&fields);
    let settings = &state.settings.webhook_allow;
    match webhooks::update(&state.db, &actor, id, input(&fields), version, settings).await {
        Ok(endpoint) => {
            ctx.flash("success", ctx.tr.t1("flash.saved", &endpoint.url))
                .await?;
            Ok(see_other(&format!("/admin/webhooks/{id}")))
        }
        Err(AppError::PreconditionFailed(_)) => {
            ctx.flash("error", ctx.tr.t("conflict.title").to_owned())
                .await?;
            Ok(see_other(&format!("/admin/webhooks/{id}")))
        }
        Err(error) => {
            let form = refused(&fields, error, &ctx)?;
            let forms = (Some(form), FormState::default());
            detail_page(
                &state,
                ctx,
                &actor,
                id,
                forms,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub(super) async fn rotate_secret(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(id): Path<String>,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let endpoint = webhooks::rotate_secret(&state.db, &actor, endpoint_id(&id)?).await?;
    Ok(render(StatusCode::OK, &SecretPage { ctx, endpoint }))
}

pub(super) async fn send_test(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(id): Path<String>,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let id = endpoint_id(&id)?;
    let event = webhooks::send_test(&state.db, &actor, id).await?;
    ctx.flash("success", ctx.tr.t1("webhooks.test_sent", &event))
        .await?;
    Ok(see_other(&format!("/admin/webhooks/{id}")))
}

pub(super) async fn replay(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(id): Path<String>,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let id = endpoint_id(&id)?;
    let mut invalid = crate::domain::Invalid::default();
    let mut time = |name: &str| {
        let text = field(&fields, name).filter(|t| !t.trim().is_empty())?;
        let parsed = parse_local(&text);
        if parsed.is_none() {
            invalid.add(name, "error.datetime");
        }
        parsed
    };
    let (from, to) = (time("from"), time("to"));
    let result = match invalid.finish(|| ()) {
        Ok(()) => {
            let input = ReplayInput {
                event: field(&fields, "event").filter(|e| !e.trim().is_empty()),
                from,
                to,
            };
            webhooks::replay(&state.db, &actor, id, input).await
        }
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(view) => {
            let count = view.queued.to_string();
            ctx.flash("success", ctx.tr.t1("webhooks.replayed", &count))
                .await?;
            Ok(see_other(&format!("/admin/webhooks/{id}")))
        }
        Err(error) => {
            let replay = FormState::refused(fields, error, ctx.tr, "event")?;
            let forms = (None, replay);
            detail_page(
                &state,
                ctx,
                &actor,
                id,
                forms,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// A time as a `datetime-local` input sends it (`2026-12-04T10:30`), read as UTC.
fn parse_local(text: &str) -> Option<jiff::Timestamp> {
    let text = text.trim();
    if let Ok(at) = text.parse::<jiff::Timestamp>() {
        return Some(at);
    }
    let civil: jiff::civil::DateTime = text.parse().ok()?;
    civil
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

pub(super) async fn delete_webhook(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(id): Path<String>,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let id = endpoint_id(&id)?;
    let endpoint = webhooks::get(&state.db, &actor, id).await?;
    webhooks::delete(&state.db, &actor, id).await?;
    ctx.flash("success", ctx.tr.t1("webhooks.removed", &endpoint.url))
        .await?;
    Ok(see_other("/admin/webhooks"))
}

/// Whether a checkbox of the event types is ticked on the form.
impl WebhookPage {
    fn wants(&self, event_type: &str) -> bool {
        self.form.checked(&format!("type.{event_type}"))
    }
}

impl WebhooksPage {
    fn wants(&self, event_type: &str) -> bool {
        self.form.checked(&format!("type.{event_type}"))
    }
}

/// The typed form again, with its ticked event types.
fn refused(fields: &[(String, String)], error: AppError, ctx: &Ctx) -> AppResult<FormState> {
    let mut form = FormState::refused(fields.to_vec(), error, ctx.tr, "url")?;
    for t in all(fields, "event_types") {
        form.set(&format!("type.{t}"), ticked(true));
    }
    Ok(form)
}
