//! The incident page: fields edited in place (with the conflict form), workflow buttons,
//! comments and the journal timeline.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::new::active_services;
use super::queue::resolution_choices;
use crate::domain::Permission;
use crate::domain::incident::{HoldReason, IncidentState, Level};
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::incidents::{self, IncidentPatch, IncidentView, TransitionInput};
use crate::service::journal::JournalView;
use crate::service::known_errors;
use crate::service::problems::{self, ProblemView};
use crate::service::record::RecordKind;
use crate::service::reference::{self, GroupView, ServiceView};
use crate::service::shares::{self, ShareView};
use crate::state::AppState;
use crate::web::form::{
    Choice, Fields, FormState, checkbox, choices, error_line, field, if_changed, text, ticked,
    version,
};
use crate::web::{Ctx, SignedIn, render, see_other};

/// Someone else saved first: what they changed, shown above the form that keeps the typing.
pub(super) struct Conflict {
    entries: Vec<JournalView>,
}

#[derive(Template)]
#[template(path = "incidents/show.html")]
pub(super) struct IncidentPage {
    ctx: Ctx,
    incident: IncidentView,
    journal: Vec<JournalView>,
    children: Vec<(String, String, String)>,
    /// The linked problem, with its workaround.
    problem: Option<ProblemView>,
    /// Known errors matching this incident, offered while it has no problem.
    suggestions: Vec<ProblemView>,
    groups: Vec<GroupView>,
    services: Vec<ServiceView>,
    assignable: Vec<(String, String)>,
    levels: Vec<Choice>,
    hold_reasons: Vec<Choice>,
    resolution_codes: Vec<Choice>,
    form: FormState,
    /// Errors of a workflow move, shown at its button.
    move_form: FormState,
    comment_form: FormState,
    conflict: Option<Conflict>,
    can_work: bool,
    /// The newest journal entry the reader has seen (for conflicts).
    seen: i64,
    /// The service level, when a policy applies.
    sla: Option<crate::service::sla::Summary>,
    /// The caller's other incidents, most recently changed first (their journey), for agents.
    journey: Vec<IncidentView>,
    /// The people it is shared with, and the form that shares it.
    shares: Vec<ShareView>,
    share_form: FormState,
}

impl IncidentPage {
    /// Where the share forms post (`templates/shares.html`).
    fn share_base(&self) -> String {
        format!("/incidents/{}", self.incident.number)
    }

    fn share_state(&self) -> &FormState {
        &self.share_form
    }

    fn state_label(&self) -> &str {
        self.ctx.tr.t(self.incident.state.label_key())
    }

    /// The moves the workflow allows now, with what each needs.
    fn moves(&self) -> Vec<Move> {
        self.incident
            .allowed_next()
            .iter()
            .map(|s| {
                let reopen = *s == IncidentState::InProgress
                    && self.incident.state == IncidentState::Resolved;
                Move {
                    to: s.as_str(),
                    label: self
                        .ctx
                        .tr
                        .t(if reopen {
                            "incident.reopen"
                        } else {
                            move_key(*s)
                        })
                        .to_owned(),
                    open: self.move_form.value("to") == s.as_str(),
                    needs: match s {
                        IncidentState::OnHold => Needs::HoldReason,
                        IncidentState::Resolved => Needs::Resolution,
                        IncidentState::Canceled => Needs::Reason,
                        _ if reopen => Needs::Reason,
                        _ => Needs::Nothing,
                    },
                }
            })
            .collect()
    }

    fn assignee_listed(&self) -> bool {
        self.assignable
            .iter()
            .any(|(email, _)| email == self.form.value("assignee"))
    }

    /// The countdown to the resolution target, as in the queues.
    fn left_label(&self) -> Option<(String, &'static str)> {
        let left = self.sla.as_ref()?.left?;
        let text = crate::service::sla::short_span(left);
        Some(
            if left.is_negative() || self.incident.sla.resolution_breached {
                (self.ctx.tr.t1("sla.overdue", text), "sla-breached")
            } else if self.incident.sla.at_risk {
                (text, "sla-at-risk")
            } else {
                (text, "sla-ok")
            },
        )
    }
}

/// The catalogue key of the button that moves an incident into `state`.
fn move_key(state: IncidentState) -> &'static str {
    match state {
        IncidentState::New => "state.new",
        IncidentState::InProgress => "move.in_progress",
        IncidentState::OnHold => "move.on_hold",
        IncidentState::Resolved => "move.resolved",
        IncidentState::Closed => "move.closed",
        IncidentState::Canceled => "move.canceled",
    }
}

/// A workflow button and the fields its move needs.
pub(super) struct Move {
    to: &'static str,
    label: String,
    /// Re-shown with errors after a refused attempt.
    open: bool,
    needs: Needs,
}

/// The fields a workflow move asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Needs {
    Nothing,
    HoldReason,
    Resolution,
    Reason,
}

impl Move {
    fn needs_hold_reason(&self) -> bool {
        self.needs == Needs::HoldReason
    }

    fn needs_resolution(&self) -> bool {
        self.needs == Needs::Resolution
    }

    fn needs_reason(&self) -> bool {
        self.needs == Needs::Reason
    }
}

fn view_form(incident: &IncidentView) -> FormState {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut form = FormState::based_on([
        ("title", incident.title.clone()),
        ("description", incident.description.clone()),
        ("impact", incident.impact.as_str().to_owned()),
        ("urgency", incident.urgency.as_str().to_owned()),
        ("caller", text(&incident.caller)),
        ("service", text(&incident.service)),
        ("category", text(&incident.category)),
        ("assignment_group", text(&incident.assignment_group)),
        ("assignee", text(&incident.assignee)),
        ("parent", text(&incident.parent)),
        ("major", ticked(incident.major)),
    ]);
    form.set("version", incident.version.to_string());
    form
}

pub(super) struct PageParts {
    form: Option<FormState>,
    move_form: FormState,
    comment_form: FormState,
    share_form: FormState,
    conflict: Option<Conflict>,
}

async fn show(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    number: &str,
    parts: PageParts,
    status: StatusCode,
) -> AppResult<Response> {
    let incident = incidents::get(&state.db, actor, number).await?;
    let journal = incidents::journal(&state.db, actor, number).await?;
    let form = match (parts.form, &parts.conflict) {
        // Saving again applies the reader's own changes on top of the newest version.
        (Some(typed), Some(_)) => FormState::rebase(&typed.pairs(), &view_form(&incident), ctx.tr),
        (Some(form), None) => form,
        (None, _) => view_form(&incident),
    };
    // What a reader without agent rights sees: the record and its public journal; the
    // pickers, the problem and known errors are for those who work incidents (and the problem
    // for staff who read problems).
    let can_work = actor.can(Permission::WorkIncidents);
    let group = form.value("assignment_group").to_owned();
    let assignable = if group.is_empty() || !can_work {
        Vec::new()
    } else {
        incidents::assignable(&state.db, actor, &group).await?
    };
    let problem = match &incident.problem {
        // A problem of a confidential department the reader is not in is not shown.
        Some(problem) if actor.can(Permission::Read) => {
            match problems::get(&state.db, actor, problem).await {
                Ok(problem) => Some(problem),
                Err(AppError::NotFound) => None,
                Err(error) => return Err(error),
            }
        }
        _ => None,
    };
    let suggestions = if can_work && problem.is_none() && incident.state.is_open() {
        known_errors::suggestions(&state.db, actor, number).await?
    } else {
        Vec::new()
    };
    let (groups, services) = if can_work {
        (
            reference::all_groups(&state.db, actor).await?,
            active_services(state, actor).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let sla =
        crate::service::sla::summary(&state.db, &incident.sla, jiff::Timestamp::now()).await?;
    let journey = match &incident.caller {
        Some(caller) if can_work => caller_journey(state, actor, caller, &incident.number).await?,
        _ => Vec::new(),
    };
    let shares = shares::of(&state.db, actor, RecordKind::Incident, number).await?;
    let page = IncidentPage {
        shares,
        share_form: parts.share_form,
        sla,
        journey,
        problem,
        suggestions,
        children: incidents::children(&state.db, actor, number).await?,
        groups,
        services,
        assignable,
        levels: choices(&ctx, Level::ALL),
        hold_reasons: choices(&ctx, HoldReason::ALL),
        resolution_codes: resolution_choices(&ctx),
        seen: journal.last().map_or(0, |e| e.id),
        form,
        move_form: parts.move_form,
        comment_form: parts.comment_form,
        conflict: parts.conflict,
        can_work,
        journal,
        incident,
        ctx,
    };
    Ok(render(status, &page))
}

/// How many of the caller's other incidents (requests) a record's page shows.
pub(crate) const JOURNEY: usize = 5;

/// The caller's other incidents in the reader's scope, most recently changed first; nothing
/// when the caller has no account.
pub(crate) async fn caller_journey(
    state: &AppState,
    actor: &Actor,
    caller: &str,
    this: &str,
) -> AppResult<Vec<IncidentView>> {
    let query = incidents::ListQuery {
        caller: Some(caller.to_owned()),
        ..Default::default()
    };
    let limit = i64::try_from(JOURNEY + 1).unwrap_or(6);
    match incidents::list(&state.db, actor, &query, None, limit).await {
        Ok(page) => Ok(page
            .items
            .into_iter()
            .filter(|i| i.number != this)
            .take(JOURNEY)
            .collect()),
        // A caller without an account (any address) has no journey to show.
        Err(AppError::Validation(_)) => Ok(Vec::new()),
        Err(error) => Err(error),
    }
}

fn fresh() -> PageParts {
    PageParts {
        form: None,
        move_form: FormState::default(),
        comment_form: FormState::default(),
        share_form: FormState::default(),
        conflict: None,
    }
}

/// The incident page with a refused share form (`web::record::share`).
pub(crate) async fn page_with_share_form(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    number: &str,
    share_form: FormState,
    status: StatusCode,
) -> AppResult<Response> {
    let parts = PageParts {
        share_form,
        ..fresh()
    };
    show(state, ctx, actor, number, parts, status).await
}

pub(super) async fn incident_page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
) -> AppResult<Response> {
    show(&state, ctx, &actor, &number, fresh(), StatusCode::OK).await
}

/// The journal entries the reader had not seen when the write was refused.
async fn conflict(
    state: &AppState,
    actor: &Actor,
    number: &str,
    fields: &[(String, String)],
) -> AppResult<Conflict> {
    let seen: i64 = field(fields, "seen")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let journal = incidents::journal(&state.db, actor, number).await?;
    Ok(Conflict {
        entries: journal.into_iter().filter(|e| e.id > seen).collect(),
    })
}

/// Saves the edit form; a stale version shows the other changes and keeps the typing.
pub(super) async fn update(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    // Only the fields the reader changed: a stale form never reverts someone else's change.
    let f = &fields;
    let patch = IncidentPatch {
        title: if_changed(f, "title", field(f, "title")),
        description: if_changed(f, "description", field(f, "description")),
        impact: if_changed(f, "impact", text(f, "impact")),
        urgency: if_changed(f, "urgency", text(f, "urgency")),
        caller: if_changed(f, "caller", text(f, "caller")),
        service: if_changed(f, "service", text(f, "service")),
        category: if_changed(f, "category", text(f, "category")),
        assignment_group: if_changed(f, "assignment_group", text(f, "assignment_group")),
        assignee: if_changed(f, "assignee", text(f, "assignee")),
        parent: if_changed(f, "parent", text(f, "parent")),
        major: if_changed(f, "major", Some(checkbox(f, "major"))),
        ..Default::default()
    };
    match incidents::update(&state.db, &actor, &number, patch, version(&fields)).await {
        Ok(view) => {
            ctx.flash("success", ctx.tr.t1("flash.saved", &view.number))
                .await?;
            Ok(see_other(&format!("/incidents/{}", view.number)))
        }
        Err(AppError::PreconditionFailed(_)) => {
            let conflict = conflict(&state, &actor, &number, &fields).await?;
            let parts = PageParts {
                form: Some(FormState::with_values(fields)),
                conflict: Some(conflict),
                ..fresh()
            };
            show(&state, ctx, &actor, &number, parts, StatusCode::CONFLICT).await
        }
        Err(error) => {
            let form = FormState::refused(fields, error, ctx.tr, "title")?;
            let parts = PageParts {
                form: Some(form),
                ..fresh()
            };
            show(
                &state,
                ctx,
                &actor,
                &number,
                parts,
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
    let input = TransitionInput {
        to: field(&fields, "to").unwrap_or_default(),
        hold_reason: text(&fields, "hold_reason"),
        resolution_code: text(&fields, "resolution_code"),
        resolution_notes: field(&fields, "resolution_notes"),
        reason: field(&fields, "reason"),
    };
    match incidents::transition(&state.db, &actor, &number, input, version(&fields)).await {
        Ok(view) => {
            let label = ctx.tr.t(view.state.label_key()).to_owned();
            ctx.flash("success", ctx.tr.tn("flash.moved", &[&view.number, &label]))
                .await?;
            Ok(see_other(&format!("/incidents/{}", view.number)))
        }
        Err(AppError::PreconditionFailed(_)) => {
            let conflict = conflict(&state, &actor, &number, &fields).await?;
            show(
                &state,
                ctx,
                &actor,
                &number,
                PageParts {
                    conflict: Some(conflict),
                    ..fresh()
                },
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(error @ AppError::Transition { .. }) => {
            ctx.flash("error", error_line(&error, &ctx)).await?;
            Ok(see_other(&format!("/incidents/{number}")))
        }
        Err(error) => {
            let move_form = FormState::refused(fields, error, ctx.tr, "to")?;
            show(
                &state,
                ctx,
                &actor,
                &number,
                PageParts {
                    move_form,
                    ..fresh()
                },
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
    let (fields, input) = form.comment();
    let result = match input {
        Ok(input) => incidents::comment(&state.db, &actor, &number, input, None).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(_) => Ok(see_other(&format!(
            "/incidents/{}#journal",
            number.to_ascii_uppercase()
        ))),
        Err(error) => {
            let comment_form = FormState::refused(fields, error, ctx.tr, "body")?;
            show(
                &state,
                ctx,
                &actor,
                &number,
                PageParts {
                    comment_form,
                    ..fresh()
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
