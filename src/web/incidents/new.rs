//! The new-incident form, with known errors suggested while the agent types.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::Permission;
use crate::domain::incident::Level;
use crate::error::AppResult;
use crate::service::Actor;
use crate::service::idempotency::Created;
use crate::service::incidents::{self, NewIncidentInput};
use crate::service::known_errors::{self, ApplyKnownErrorInput};
use crate::service::problems::ProblemView;
use crate::service::reference::{self, GroupView, ServiceView};
use crate::state::AppState;
use crate::web::form::{Choice, Fields, FormState, checkbox, choices, error_line, field, text};
use crate::web::{Ctx, SignedIn, render, see_other};

#[derive(Template)]
#[template(path = "incidents/new.html")]
pub(super) struct NewPage {
    ctx: Ctx,
    form: FormState,
    groups: Vec<GroupView>,
    services: Vec<ServiceView>,
    assignable: Vec<(String, String)>,
    levels: Vec<Choice>,
}

impl NewPage {
    fn assignee_listed(&self) -> bool {
        self.assignable
            .iter()
            .any(|(email, _)| email == self.form.value("assignee"))
    }
}

async fn new_page(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    form: FormState,
    status: StatusCode,
) -> AppResult<Response> {
    actor.require(Permission::WorkIncidents)?;
    let group = form.value("assignment_group").to_owned();
    let assignable = if group.is_empty() {
        Vec::new()
    } else {
        incidents::assignable(&state.db, actor, &group).await?
    };
    let page = NewPage {
        groups: reference::all_groups(&state.db, actor)
            .await?
            .into_iter()
            .filter(|g| g.active)
            .collect(),
        services: active_services(state, actor).await?,
        assignable,
        levels: choices(&ctx, Level::ALL),
        form,
        ctx,
    };
    Ok(render(status, &page))
}

pub(super) async fn active_services(
    state: &AppState,
    actor: &Actor,
) -> AppResult<Vec<ServiceView>> {
    let page = reference::list_services(
        &state.db,
        actor,
        crate::service::PageRequest {
            after: None,
            limit: 200,
        },
    )
    .await?;
    Ok(page.items.into_iter().filter(|s| s.active).collect())
}

pub(super) async fn new_form(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
) -> AppResult<Response> {
    let mut form = FormState::default();
    form.set("impact", "medium");
    form.set("urgency", "medium");
    if let [group] = actor.groups.as_slice() {
        form.set("assignment_group", group.clone());
    }
    new_page(&state, ctx, &actor, form, StatusCode::OK).await
}

pub(super) async fn create(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    let input = NewIncidentInput {
        title: field(&fields, "title"),
        description: field(&fields, "description"),
        impact: text(&fields, "impact"),
        urgency: text(&fields, "urgency"),
        caller: text(&fields, "caller"),
        service: text(&fields, "service"),
        category: text(&fields, "category"),
        assignment_group: text(&fields, "assignment_group"),
        assignee: text(&fields, "assignee"),
        parent: text(&fields, "parent"),
        major: Some(checkbox(&fields, "major")),
        files: Vec::new(),
    };
    match incidents::create(&state.db, &actor, input, None).await {
        Ok(Created::New(view)) => {
            ctx.flash("success", ctx.tr.t1("flash.incident_created", &view.number))
                .await?;
            if let Some(known_error) = text(&fields, "apply_known_error") {
                apply_known_error(&state, &ctx, &actor, &view.number, &known_error).await?;
            }
            Ok(see_other(&format!("/incidents/{}", view.number)))
        }
        Ok(Created::Replayed { .. }) => Ok(see_other("/incidents")),
        Err(error) => {
            let form = FormState::refused(fields, error, ctx.tr, "title")?;
            new_page(&state, ctx, &actor, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// Applies a known error to a just-logged incident (linked and resolved with the workaround
/// in one transaction): the caller is helped while still on the line. A refusal is reported;
/// the incident stays as logged.
async fn apply_known_error(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    number: &str,
    problem: &str,
) -> AppResult<()> {
    let input = ApplyKnownErrorInput {
        problem: Some(problem.to_owned()),
    };
    let result = known_errors::apply(&state.db, actor, number, input, None).await;
    match result {
        Ok(_) => {
            ctx.flash("success", ctx.tr.t1("flash.workaround_applied", problem))
                .await
        }
        Err(error) => ctx.flash("error", error_line(&error, ctx)).await,
    }
}

#[derive(Template)]
#[template(path = "incidents/suggestions.html")]
pub(super) struct SuggestionsFragment {
    ctx: Ctx,
    known_errors: Vec<ProblemView>,
}

#[derive(serde::Deserialize)]
pub(super) struct SuggestParams {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
}

/// Known errors matching what the agent is typing (htmx, debounced in the form).
pub(super) async fn suggest(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(params): Query<SuggestParams>,
) -> AppResult<Response> {
    let text = format!("{} {}", params.title, params.description);
    let known_errors = if text.trim().chars().count() < 3 {
        Vec::new()
    } else {
        known_errors::known_errors(&state.db, &actor, &text, 5).await?
    };
    Ok(render(
        StatusCode::OK,
        &SuggestionsFragment { ctx, known_errors },
    ))
}
