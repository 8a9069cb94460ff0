//! Pages for problem management: the problem queue, the problem page (workflow, root cause
//! analysis, linked incidents, journal), known errors, and problem candidates. Every write
//! goes through `service::problems`, like the API.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};

use super::form::{
    Choice, Fields, FormState, changed, checkbox, choices, error_line, field, if_changed, text,
};
use super::{Ctx, SignedIn, render, see_other};
use crate::domain::Permission;
use crate::domain::incident::Level;
use crate::domain::problem::{ProblemResolution, ProblemState};
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::idempotency::Created;
use crate::service::incidents::IncidentView;
use crate::service::journal::{CommentInput, JournalView};
use crate::service::known_errors;
use crate::service::problem_candidates::{self, CandidateSettings, CandidateView};
use crate::service::problems::{
    self, LinkInput, NewProblemInput, ProblemPatch, ProblemQuery, ProblemTransitionInput,
    ProblemView,
};
use crate::service::reference::{self, GroupView};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/problems", get(queue).post(create))
        .route("/problems/new", get(new_form))
        .route("/problems.csv", get(export_csv))
        .route(
            "/problems/candidates",
            get(candidates_page).post(create_from_cluster),
        )
        .route("/problems/{number}", get(problem_page).post(update))
        .route("/problems/{number}/transitions", post(transition))
        .route("/problems/{number}/comments", post(comment))
        .route("/problems/{number}/incidents", post(link))
        .route(
            "/problems/{number}/incidents/{incident}/unlink",
            post(unlink),
        )
        .route("/incidents/{number}/problem", post(from_incident))
        .route("/known-errors", get(known_errors_page))
}

// ------------------------------------------------------------------ queue

#[derive(Template)]
#[template(path = "problems/queue.html")]
struct QueuePage {
    ctx: Ctx,
    rows: Vec<ProblemView>,
    next: Option<String>,
    query: String,
    form: FormState,
    states: Vec<Choice>,
    can_work: bool,
}

async fn queue(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(pairs): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    let value = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let query = ProblemQuery::from_pairs(&pairs);
    let page = problems::list(&state.db, &actor, &query, value("after").as_deref(), 50).await?;
    let kept: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "after")
        .cloned()
        .collect();
    let page = QueuePage {
        rows: page.items,
        next: page.next,
        query: crate::url::query_string(&kept),
        form: FormState::with_values(kept),
        states: choices(&ctx, ProblemState::ALL),
        can_work: actor.can(Permission::WorkIncidents),
        ctx,
    };
    Ok(render(StatusCode::OK, &page))
}

/// The filtered problems as CSV, streamed page by page: any size, flat memory.
async fn export_csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(pairs): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    const PAGE: i64 = 500;
    let query = ProblemQuery::from_pairs(&pairs);
    let first = problems::list(&state.db, &actor, &query, None, PAGE).await?;
    let db = state.db.clone();
    Ok(super::csv_download(
        "problems.csv",
        problems::CSV_HEADER,
        first.fold_items(|rows| problems::csv_rows(&rows)),
        move |after| {
            let (db, actor, query) = (db.clone(), actor.clone(), query.clone());
            async move {
                let page = problems::list(&db, &actor, &query, Some(&after), PAGE).await?;
                Ok(page.fold_items(|rows| problems::csv_rows(&rows)))
            }
        },
    ))
}

// ------------------------------------------------------------------ new problem

#[derive(Template)]
#[template(path = "problems/new.html")]
struct NewPage {
    ctx: Ctx,
    form: FormState,
    groups: Vec<GroupView>,
    levels: Vec<Choice>,
}

async fn new_page(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    form: FormState,
    status: StatusCode,
) -> AppResult<Response> {
    actor.require(Permission::WorkIncidents)?;
    let groups = reference::all_groups(&state.db, actor)
        .await?
        .into_iter()
        .filter(|g| g.active)
        .collect();
    let levels = choices(&ctx, Level::ALL);
    Ok(render(
        status,
        &NewPage {
            ctx,
            form,
            groups,
            levels,
        },
    ))
}

async fn new_form(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
) -> AppResult<Response> {
    let mut form = FormState::default();
    form.set("impact", "medium");
    form.set("urgency", "medium");
    new_page(&state, ctx, &actor, form, StatusCode::OK).await
}

async fn create(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    let input = NewProblemInput {
        title: field(&fields, "title"),
        description: field(&fields, "description"),
        impact: text(&fields, "impact"),
        urgency: text(&fields, "urgency"),
        service: None,
        assignment_group: text(&fields, "assignment_group"),
        assignee: None,
    };
    match problems::create(&state.db, &actor, input, None).await {
        Ok(Created::New(view)) => Ok(see_other(&format!("/problems/{}", view.number))),
        Ok(Created::Replayed { .. }) => Ok(see_other("/problems")),
        Err(error) => {
            let mut form = FormState::with_values(fields);
            form.absorb(error, ctx.tr, "title")?;
            new_page(&state, ctx, &actor, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

async fn from_incident(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
) -> AppResult<Response> {
    match problems::create_from_incident(&state.db, &actor, &number).await {
        Ok(problem) => {
            ctx.flash(
                "success",
                ctx.tr.t1("flash.problem_created", &problem.number),
            )
            .await?;
            Ok(see_other(&format!("/problems/{}", problem.number)))
        }
        Err(error @ (AppError::LinkedElsewhere(_) | AppError::Validation(_))) => {
            ctx.flash("error", error_line(&error, &ctx)).await?;
            Ok(see_other(&format!("/incidents/{number}")))
        }
        Err(other) => Err(other),
    }
}

// ------------------------------------------------------------------ the problem page

#[derive(Template)]
#[template(path = "problems/show.html")]
struct ProblemPage {
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
struct ProblemMove {
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
    let mut form = FormState::default();
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    for (name, value) in [
        ("title", problem.title.clone()),
        ("description", problem.description.clone()),
        ("impact", problem.impact.as_str().to_owned()),
        ("urgency", problem.urgency.as_str().to_owned()),
        ("assignment_group", text(&problem.assignment_group)),
        ("root_cause", text(&problem.root_cause)),
        ("workaround", text(&problem.workaround)),
        (
            "known_error",
            if problem.known_error {
                "on".to_owned()
            } else {
                String::new()
            },
        ),
    ] {
        form.set_base(name, value);
    }
    form
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

async fn problem_page(
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

async fn update(
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
    let version = field(&fields, "version").and_then(|v| v.parse().ok());
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
            let mut form = FormState::with_values(fields);
            form.absorb(error, ctx.tr, "title")?;
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

async fn transition(
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
    let version = field(&fields, "version").and_then(|v| v.parse().ok());
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
            let mut move_form = FormState::with_values(fields);
            move_form.absorb(error, ctx.tr, "to")?;
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

async fn comment(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    let input = CommentInput {
        body: field(&fields, "body"),
        internal: checkbox(&fields, "internal"),
    };
    if let Err(error) = problems::comment(&state.db, &actor, &number, input, None).await {
        ctx.flash("error", error_line(&error, &ctx)).await?;
    }
    Ok(see_other(&format!(
        "/problems/{}#journal",
        number.to_ascii_uppercase()
    )))
}

/// Links an incident; from the incident page (a suggested known error) it goes back there.
async fn link(
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

async fn unlink(
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

// ------------------------------------------------------------------ known errors

#[derive(Template)]
#[template(path = "problems/known_errors.html")]
struct KnownErrorsPage {
    ctx: Ctx,
    q: String,
    found: Vec<ProblemView>,
}

#[derive(serde::Deserialize)]
struct KnownErrorParams {
    #[serde(default)]
    q: String,
}

async fn known_errors_page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(params): Query<KnownErrorParams>,
) -> AppResult<Response> {
    let found = if params.q.trim().is_empty() {
        let query = ProblemQuery {
            known_error: Some("true".to_owned()),
            ..ProblemQuery::default()
        };
        problems::list(&state.db, &actor, &query, None, 50)
            .await?
            .items
    } else {
        known_errors::known_errors(&state.db, &actor, &params.q, 50).await?
    };
    Ok(render(
        StatusCode::OK,
        &KnownErrorsPage {
            ctx,
            q: params.q,
            found,
        },
    ))
}

// ------------------------------------------------------------------ problem candidates

/// Clusters on one candidates page.
const CANDIDATES_PER_PAGE: i64 = 20;

#[derive(Template)]
#[template(path = "problems/candidates.html")]
struct CandidatesPage {
    ctx: Ctx,
    clusters: Vec<CandidateView>,
    /// The query string of the next page, when there is one.
    next: Option<String>,
    days: i64,
    min_size: usize,
    can_work: bool,
}

#[derive(serde::Deserialize)]
struct CandidateParams {
    days: Option<i64>,
    min_size: Option<usize>,
    after: Option<String>,
}

async fn candidates_page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(params): Query<CandidateParams>,
) -> AppResult<Response> {
    let defaults = CandidateSettings::default();
    let settings = CandidateSettings {
        days: params.days.unwrap_or(defaults.days),
        min_size: params.min_size.unwrap_or(defaults.min_size),
        ..defaults
    };
    let found = problem_candidates::candidates(
        &state.db,
        &actor,
        settings,
        crate::service::PageRequest {
            after: params.after.filter(|a| !a.is_empty()),
            limit: CANDIDATES_PER_PAGE,
        },
    )
    .await?;
    let next = found.next.map(|after| {
        crate::url::query_string(&[
            ("days".to_owned(), settings.days.to_string()),
            ("min_size".to_owned(), settings.min_size.to_string()),
            ("after".to_owned(), after),
        ])
    });
    let page = CandidatesPage {
        clusters: found.items,
        next,
        days: settings.days,
        min_size: settings.min_size,
        can_work: actor.can(Permission::WorkIncidents),
        ctx,
    };
    Ok(render(StatusCode::OK, &page))
}

async fn create_from_cluster(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    let numbers = super::form::all(&fields, "incidents");
    match problem_candidates::create_from_cluster(&state.db, &actor, &numbers).await {
        Ok(problem) => {
            ctx.flash(
                "success",
                ctx.tr.t1("flash.problem_created", &problem.number),
            )
            .await?;
            Ok(see_other(&format!("/problems/{}", problem.number)))
        }
        Err(error @ (AppError::LinkedElsewhere(_) | AppError::Validation(_))) => {
            ctx.flash("error", error_line(&error, &ctx)).await?;
            Ok(see_other("/problems/candidates"))
        }
        Err(other) => Err(other),
    }
}
