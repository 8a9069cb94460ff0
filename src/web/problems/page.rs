//! The problem page: fields edited in place (with the conflict form), workflow buttons, linked
//! incidents, comments and the journal timeline.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::Permission;
use crate::domain::incident::Level;
use crate::domain::problem::{ProblemResolution, ProblemState};
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::incidents::IncidentView;
use crate::service::journal::JournalView;
use crate::service::problems::{
    self, LinkInput, ProblemPatch, ProblemTransitionInput, ProblemView,
};
use crate::service::reference::{self, GroupView};
use crate::state::AppState;
use crate::web::form::{
    Choice, Fields, FormState, changed, checkbox, choices, error_line, field, if_changed, text,
    ticked, version,
};
use crate::web::{Ctx, SignedIn, render, see_other};

#[derive(Template)]
#[template(path = "problems/show.html")]
pub(super) struct ProblemPage {
    ctx: Ctx,
    problem: ProblemView,
    incidents: Vec<IncidentView>,
    journal: Vec<JournalView>,
    groups: Vec<GroupView>,
    levels: Vec<Choice>,
    resolutions: Vec<Choice>,
    form: FormState,
    move_form: FormState,
    can_work: bool,
    can_manage: bool,
}

impl ProblemPage {
    fn moves(&self) -> Vec<ProblemMove> {
        self.problem
            .state
            .allowed_next()
            .iter()
            .map(|s| ProblemMove {
                to: s.as_str(),
                label: self.ctx.tr.t(s.label_key()).to_owned(),
                open: self.move_form.value("to") == s.as_str(),
            })
            .collect()
    }

    fn needs_resolution(&self, to: &str) -> bool {
        to == "resolved" || (to == "closed" && self.problem.state != ProblemState::Resolved)
    }

    fn is_reopen(&self, to: &str) -> bool {
        to == "root_cause_analysis" && self.problem.state == ProblemState::Resolved
    }

    /// Resolution codes a move to `to` accepts: closing early is only canceled or duplicate.
    fn codes_for(&self, to: &str) -> Vec<&Choice> {
        self.resolutions
            .iter()
            .filter(|c| to == "resolved" || matches!(c.value, "canceled" | "duplicate"))
            .collect()
    }
}

/// A workflow button of the problem page.
pub(super) struct ProblemMove {
    to: &'static str,
    label: String,
    open: bool,
}

impl ProblemMove {
    fn is_resolve(&self) -> bool {
        self.to == "resolved"
    }
}

fn view_form(problem: &ProblemView) -> FormState {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    FormState::based_on([
        ("title", problem.title.clone()),
        ("description", problem.description.clone()),
        ("impact", problem.impact.as_str().to_owned()),
        ("urgency", problem.urgency.as_str().to_owned()),
        ("assignment_group", text(&problem.assignment_group)),
        ("root_cause", text(&problem.root_cause)),
        ("workaround", text(&problem.workaround)),
        ("known_error", ticked(problem.known_error)),
    ])
}

async fn show(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    number: &str,
    form: Option<FormState>,
    move_form: FormState,
    status: StatusCode,
) -> AppResult<Response> {
    let problem = problems::get(&state.db, actor, number).await?;
    let page = ProblemPage {
        incidents: problems::linked_incidents(&state.db, actor, number).await?,
        journal: problems::journal(&state.db, actor, number).await?,
        groups: reference::all_groups(&state.db, actor).await?,
        levels: choices(&ctx, Level::ALL),
        resolutions: choices(&ctx, ProblemResolution::ALL),
        form: form.unwrap_or_else(|| view_form(&problem)),
        move_form,
        can_work: actor.can(Permission::WorkIncidents),
        can_manage: actor.can(Permission::ManageProblems),
        problem,
        ctx,
    };
    Ok(render(status, &page))
}

pub(super) async fn problem_page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
) -> AppResult<Response> {
    show(
        &state,
        ctx,
        &actor,
        &number,
        None,
        FormState::default(),
        StatusCode::OK,
    )
    .await
}

pub(super) async fn update(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    let manages = actor.can(Permission::ManageProblems);
    // Only the fields the reader changed: a stale form never reverts someone else's change.
    // Only problem managers see (and send) the root-cause fields.
    let f = &fields;
    let send_rca = |name: &str| manages && changed(f, name);
    let patch = ProblemPatch {
        title: if_changed(f, "title", field(f, "title")),
        description: if_changed(f, "description", field(f, "description")),
        impact: if_changed(f, "impact", text(f, "impact")),
        urgency: if_changed(f, "urgency", text(f, "urgency")),
        assignment_group: if_changed(f, "assignment_group", text(f, "assignment_group")),
        root_cause: send_rca("root_cause").then(|| text(f, "root_cause")),
        workaround: send_rca("workaround").then(|| text(f, "workaround")),
        known_error: send_rca("known_error").then(|| Some(checkbox(f, "known_error"))),
        ..ProblemPatch::default()
    };
    let version = version(&fields);
    match problems::update(&state.db, &actor, &number, patch, version).await {
        Ok(view) => {
            ctx.flash("success", ctx.tr.t1("flash.saved", &view.number))
                .await?;
            Ok(see_other(&format!("/problems/{}", view.number)))
        }
        Err(AppError::PreconditionFailed(_)) => {
            let current = problems::get(&state.db, &actor, &number).await?;
            let mut form = FormState::rebase(&fields, &view_form(&current), ctx.tr);
            form.message = Some(format!(
                "{} {}",
                ctx.tr.t("conflict.title"),
                ctx.tr.t("conflict.explain_problem")
            ));
            show(
                &state,
                ctx,
                &actor,
                &number,
                Some(form),
                FormState::default(),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(error) => {
            let form = FormState::refused(fields, error, ctx.tr, "title")?;
            show(
                &state,
                ctx,
                &actor,
                &number,
                Some(form),
                FormState::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub(super) async fn transition(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    let input = ProblemTransitionInput {
        to: field(&fields, "to").unwrap_or_default(),
        resolution_code: text(&fields, "resolution_code"),
        fix_notes: field(&fields, "fix_notes"),
        reason: field(&fields, "reason"),
        resolve_incidents: Some(checkbox(&fields, "resolve_incidents")),
    };
    let version = version(&fields);
    match problems::transition(&state.db, &actor, &number, input, version).await {
        Ok(view) => {
            let label = ctx.tr.t(view.state.label_key()).to_owned();
            ctx.flash("success", ctx.tr.tn("flash.moved", &[&view.number, &label]))
                .await?;
            Ok(see_other(&format!("/problems/{}", view.number)))
        }
        Err(error @ (AppError::Transition { .. } | AppError::PreconditionFailed(_))) => {
            ctx.flash("error", error_line(&error, &ctx)).await?;
            Ok(see_other(&format!("/problems/{number}")))
        }
        Err(error) => {
            let move_form = FormState::refused(fields, error, ctx.tr, "to")?;
            show(
                &state,
                ctx,
                &actor,
                &number,
                None,
                move_form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub(super) async fn comment(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    form: crate::web::form::FilesForm,
) -> AppResult<Response> {
    let (_, input) = form.comment();
    let result = match input {
        Ok(input) => problems::comment(&state.db, &actor, &number, input, None).await,
        Err(error) => Err(error),
    };
    if let Err(error) = result {
        ctx.flash("error", error_line(&error, &ctx)).await?;
    }
    Ok(see_other(&format!(
        "/problems/{}#journal",
        number.to_ascii_uppercase()
    )))
}

/// Links an incident; from the incident page (a suggested known error) it goes back there.
pub(super) async fn link(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    let incident = text(&fields, "incident").unwrap_or_default();
    match problems::link(
        &state.db,
        &actor,
        &number,
        LinkInput {
            incident: Some(incident.clone()),
        },
    )
    .await
    {
        Ok(view) => {
            ctx.flash(
                "success",
                ctx.tr.tn(
                    "flash.linked",
                    &[&view.number, &number.to_ascii_uppercase()],
                ),
            )
            .await?;
            Ok(see_other(&format!("/incidents/{}", view.number)))
        }
        Err(error @ (AppError::LinkedElsewhere(_) | AppError::Validation(_))) => {
            ctx.flash("error", error_line(&error, &ctx)).await?;
            Ok(see_other(&format!(
                "/problems/{}",
                number.to_ascii_uppercase()
            )))
        }
        Err(other) => Err(other),
    }
}

pub(super) async fn unlink(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path((number, incident)): Path<(String, String)>,
) -> AppResult<Response> {
    problems::unlink(&state.db, &actor, &number, &incident).await?;
    ctx.flash("success", ctx.tr.t1("flash.unlinked", &incident))
        .await?;
    Ok(see_other(&format!(
        "/problems/{}",
        number.to_ascii_uppercase()
    )))
}
