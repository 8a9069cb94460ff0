//! Agent pages for incidents: queues (with saved views, bulk edit and CSV), the new-incident
//! form, and the incident page (edit in place, workflow buttons, comments, journal timeline).
//! Every write goes through `service::incidents`, exactly like the API.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use uuid::Uuid;

use super::form::{
    Choice, Fields, FormState, all, checkbox, choices, error_line, field, if_changed, text,
};
use super::{Ctx, SignedIn, render, see_other};
use crate::domain::Permission;
use crate::domain::incident::{HoldReason, IncidentState, Level, ResolutionCode};
use crate::error::{AppError, AppResult};
use crate::service::idempotency::Created;
use crate::service::incidents::{
    self, IncidentPatch, IncidentView, ListQuery, NewIncidentInput, TransitionInput,
};
use crate::service::journal::{CommentInput, JournalView};
use crate::service::known_errors;
use crate::service::problems::{self, LinkInput, ProblemView};
use crate::service::reference::{self, GroupView, ServiceView};
use crate::service::{Actor, saved_views};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(queue).post(create))
        .route("/incidents.csv", get(export_csv))
        .route("/incidents/new", get(new_form))
        .route("/incidents/bulk", post(bulk))
        .route("/incidents/views", post(save_view))
        .route("/incidents/views/{id}/delete", post(delete_view))
        .route("/incidents/{number}", get(incident_page).post(update))
        .route("/incidents/{number}/transitions", post(transition))
        .route("/incidents/{number}/comments", post(comment))
        .route("/incidents/suggest", get(suggest))
        .route("/lookup/people", get(lookup_people))
        .route("/lookup/assignees", get(lookup_assignees))
}

/// Rows per queue page.
const QUEUE_PAGE: i64 = 50;
/// Most rows a CSV export of a queue holds.
/// Rows read per query while a CSV download streams.
const EXPORT_PAGE: i64 = 500;

// ------------------------------------------------------------------ queues

/// The named queues agents live in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queue {
    Mine,
    MyGroups,
    Unassigned,
    Open,
    All,
}

impl Queue {
    const ALL: [Queue; 5] = [
        Queue::Mine,
        Queue::MyGroups,
        Queue::Unassigned,
        Queue::Open,
        Queue::All,
    ];

    fn parse(value: Option<&str>) -> Queue {
        match value {
            Some("mine") => Queue::Mine,
            Some("groups") => Queue::MyGroups,
            Some("unassigned") => Queue::Unassigned,
            Some("all") => Queue::All,
            _ => Queue::Open,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Queue::Mine => "mine",
            Queue::MyGroups => "groups",
            Queue::Unassigned => "unassigned",
            Queue::Open => "open",
            Queue::All => "all",
        }
    }

    fn label_key(self) -> &'static str {
        match self {
            Queue::Mine => "queue.mine",
            Queue::MyGroups => "queue.groups",
            Queue::Unassigned => "queue.unassigned",
            Queue::Open => "queue.open",
            Queue::All => "queue.all",
        }
    }

    /// The queue's own filters; filters chosen on the page come on top.
    fn apply(self, query: &mut ListQuery) {
        let open = || {
            IncidentState::OPEN
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect()
        };
        if query.states.is_empty() && self != Queue::All {
            query.states = open();
        }
        match self {
            Queue::Mine => query.assignee = Some("me".to_owned()),
            Queue::MyGroups => query.my_groups = true,
            Queue::Unassigned => query.assignee = Some("none".to_owned()),
            Queue::Open | Queue::All => {}
        }
    }
}

struct QueueTab {
    key: &'static str,
    label: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "incidents/queue.html")]
struct QueuePage {
    ctx: Ctx,
    tabs: Vec<QueueTab>,
    queue: &'static str,
    rows: Vec<IncidentView>,
    /// What each row counts down to (response, resolution, or paused).
    left: Vec<Option<crate::service::sla::Countdown>>,
    next: Option<String>,
    /// The query string of this view without the page position.
    query: String,
    form: FormState,
    chosen_states: Vec<String>,
    groups: Vec<GroupView>,
    services: Vec<ServiceView>,
    can_work: bool,
    states: Vec<Choice>,
    hold_reasons: Vec<Choice>,
    resolution_codes: Vec<Choice>,
}

impl QueuePage {
    fn state_chosen(&self, state: &str) -> bool {
        self.chosen_states.iter().any(|s| s == state)
    }

    /// The countdown of row `n`: text and a class that colours it (breached, at risk).
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "askama passes loop indexes by reference"
    )]
    fn due(&self, n: &usize) -> Option<(String, &'static str)> {
        use crate::service::sla::{Countdown, short_span};
        let row = self.rows.get(*n)?;
        let tr = &self.ctx.tr;
        Some(match (*self.left.get(*n)?)? {
            Countdown::Paused => (tr.t("sla.paused").to_owned(), "sla-paused"),
            Countdown::Response(left) if left.is_negative() || row.sla.response_breached => (
                tr.t1("sla.response_overdue", short_span(left)),
                "sla-breached",
            ),
            Countdown::Response(left) => (tr.t1("sla.respond_in", short_span(left)), "sla-ok"),
            Countdown::Resolution(left) if left.is_negative() || row.sla.resolution_breached => {
                (tr.t1("sla.overdue", short_span(left)), "sla-breached")
            }
            Countdown::Resolution(left) if row.sla.at_risk => (short_span(left), "sla-at-risk"),
            Countdown::Resolution(left) => (short_span(left), "sla-ok"),
        })
    }
}

/// Resolution codes an agent picks; `solved_by_problem` is set by problem management.
fn resolution_choices(ctx: &Ctx) -> Vec<Choice> {
    let codes = ResolutionCode::ALL
        .into_iter()
        .filter(|r| *r != ResolutionCode::SolvedByProblem);
    choices(ctx, codes)
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
    // A ticket number typed into the search opens the ticket.
    if let Some(found) = value("q")
        .as_deref()
        .and_then(crate::domain::ticket::ticket_ref)
    {
        use crate::domain::ticket::TicketRef;
        match found {
            TicketRef::Incident(number) => {
                if incidents::get(&state.db, &actor, &number).await.is_ok() {
                    return Ok(see_other(&format!("/incidents/{number}")));
                }
            }
            TicketRef::Problem(number) => {
                if problems::get(&state.db, &actor, &number).await.is_ok() {
                    return Ok(see_other(&format!("/problems/{number}")));
                }
            }
        }
    }
    let queue = Queue::parse(value("queue").as_deref());
    let mut query = ListQuery::from_pairs(&pairs);
    queue.apply(&mut query);
    let result = incidents::list(
        &state.db,
        &actor,
        &query,
        value("after").as_deref(),
        QUEUE_PAGE,
    )
    .await?;
    let kept: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "after")
        .cloned()
        .collect();
    let form = FormState::with_values(kept.iter().filter(|(k, _)| k != "state").cloned());
    let tabs = Queue::ALL
        .iter()
        .map(|q| QueueTab {
            key: q.key(),
            label: ctx.tr.t(q.label_key()).to_owned(),
            active: *q == queue,
        })
        .collect();
    let left =
        crate::service::sla::countdowns(&state.db, &result.items, jiff::Timestamp::now()).await?;
    let page = QueuePage {
        tabs,
        queue: queue.key(),
        left,
        rows: result.items,
        next: result.next,
        query: crate::url::query_string(&kept),
        form,
        chosen_states: all(&pairs, "state"),
        groups: reference::all_groups(&state.db, &actor).await?,
        services: reference::list_services(
            &state.db,
            &actor,
            crate::service::PageRequest {
                after: None,
                limit: 200,
            },
        )
        .await?
        .items,
        can_work: actor.can(Permission::WorkIncidents),
        states: choices(&ctx, IncidentState::ALL),
        hold_reasons: choices(&ctx, HoldReason::ALL),
        resolution_codes: resolution_choices(&ctx),
        ctx,
    };
    Ok(render(StatusCode::OK, &page))
}

/// The current view as CSV: every row of the filter, up to `EXPORT_LIMIT`.
async fn export_csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(pairs): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    let value = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut query = ListQuery::from_pairs(&pairs);
    Queue::parse(value("queue").as_deref()).apply(&mut query);
    // The first page is read here, so a bad filter is an error page, not a broken download.
    let first = incidents::list(&state.db, &actor, &query, None, EXPORT_PAGE).await?;
    let db = state.db.clone();
    Ok(super::csv_download(
        "incidents.csv",
        incidents::CSV_HEADER,
        first.fold_items(|rows| incidents::csv_rows(&rows)),
        move |after| {
            let (db, actor, query) = (db.clone(), actor.clone(), query.clone());
            async move {
                let page = incidents::list(&db, &actor, &query, Some(&after), EXPORT_PAGE).await?;
                Ok(page.fold_items(|rows| incidents::csv_rows(&rows)))
            }
        },
    ))
}

async fn save_view(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    let query = field(&fields, "query").unwrap_or_default();
    match saved_views::save(
        &state.db,
        &actor,
        &field(&fields, "name").unwrap_or_default(),
        &query,
    )
    .await
    {
        Ok(name) => {
            ctx.flash("success", ctx.tr.t1("flash.view_saved", &name))
                .await?;
        }
        Err(AppError::Validation(_)) => {
            ctx.flash("error", ctx.tr.t("error.view_name").to_owned())
                .await?;
        }
        Err(other) => return Err(other),
    }
    Ok(see_other(&format!("/incidents?{query}")))
}

async fn delete_view(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    saved_views::delete(&state.db, &actor, id).await?;
    ctx.flash("success", ctx.tr.t("flash.view_deleted").to_owned())
        .await?;
    Ok(see_other("/incidents"))
}

/// Bulk edit: each selected incident is its own transaction; failures are listed by number.
async fn bulk(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    let numbers = all(&fields, "numbers");
    let back = format!("/incidents?{}", field(&fields, "back").unwrap_or_default());
    if numbers.is_empty() {
        ctx.flash("error", ctx.tr.t("bulk.none_selected").to_owned())
            .await?;
        return Ok(see_other(&back));
    }
    let action = field(&fields, "action").unwrap_or_default();
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for number in &numbers {
        let result = match action.as_str() {
            "assign" => {
                let patch = IncidentPatch {
                    assignment_group: field(&fields, "assignment_group")
                        .filter(|g| !g.is_empty())
                        .map(Some),
                    assignee: field(&fields, "assignee")
                        .filter(|a| !a.is_empty())
                        .map(Some),
                    ..Default::default()
                };
                incidents::update(&state.db, &actor, number, patch, None)
                    .await
                    .map(|_| ())
            }
            "transition" => {
                let input = TransitionInput {
                    to: field(&fields, "to").unwrap_or_default(),
                    hold_reason: field(&fields, "hold_reason").filter(|v| !v.is_empty()),
                    resolution_code: field(&fields, "resolution_code").filter(|v| !v.is_empty()),
                    resolution_notes: field(&fields, "resolution_notes"),
                    reason: field(&fields, "reason"),
                };
                incidents::transition(&state.db, &actor, number, input, None)
                    .await
                    .map(|_| ())
            }
            _ => Err(AppError::field("action", "error.required")),
        };
        match result {
            Ok(()) => done.push(number.clone()),
            Err(error) => failed.push(format!("{number}: {}", error_line(&error, &ctx))),
        }
    }
    if !done.is_empty() {
        ctx.flash("success", ctx.tr.t1("bulk.done", done.join(", ")))
            .await?;
    }
    for failure in failed {
        ctx.flash("error", failure).await?;
    }
    Ok(see_other(&back))
}

// ------------------------------------------------------------------ new incident

#[derive(Template)]
#[template(path = "incidents/new.html")]
struct NewPage {
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

async fn active_services(state: &AppState, actor: &Actor) -> AppResult<Vec<ServiceView>> {
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

async fn new_form(
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

async fn create(
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
            let mut form = FormState::with_values(fields);
            form.absorb(error, ctx.tr, "title")?;
            new_page(&state, ctx, &actor, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// Links a just-logged incident to a known error and resolves it with the workaround: the
/// caller is helped while still on the line. A failure is reported; the incident stays.
async fn apply_known_error(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    number: &str,
    problem: &str,
) -> AppResult<()> {
    let link = LinkInput {
        incident: Some(number.to_owned()),
    };
    let result = match problems::link(&state.db, actor, problem, link).await {
        Ok(_) => {
            let known = problems::get(&state.db, actor, problem).await?;
            let input = TransitionInput {
                to: "resolved".to_owned(),
                resolution_code: Some("workaround".to_owned()),
                resolution_notes: Some(format!(
                    "{}: {}",
                    known.number,
                    known.workaround.unwrap_or_default()
                )),
                ..TransitionInput::default()
            };
            incidents::transition(&state.db, actor, number, input, None)
                .await
                .map(|_| ())
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => {
            ctx.flash("success", ctx.tr.t1("flash.workaround_applied", problem))
                .await
        }
        Err(error) => ctx.flash("error", error_line(&error, ctx)).await,
    }
}

#[derive(Template)]
#[template(path = "incidents/suggestions.html")]
struct SuggestionsFragment {
    ctx: Ctx,
    known_errors: Vec<ProblemView>,
}

#[derive(serde::Deserialize)]
struct SuggestParams {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
}

/// Known errors matching what the agent is typing (htmx, debounced in the form).
async fn suggest(
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

// ------------------------------------------------------------------ the incident page

/// Someone else saved first: what they changed, shown above the form that keeps the typing.
struct Conflict {
    entries: Vec<JournalView>,
}

#[derive(Template)]
#[template(path = "incidents/show.html")]
struct IncidentPage {
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
}

impl IncidentPage {
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
struct Move {
    to: &'static str,
    label: String,
    /// Re-shown with errors after a refused attempt.
    open: bool,
    needs: Needs,
}

/// The fields a workflow move asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Needs {
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
    let mut form = FormState::default();
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    for (name, value) in [
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
        (
            "major",
            if incident.major {
                "on".to_owned()
            } else {
                String::new()
            },
        ),
    ] {
        form.set_base(name, value);
    }
    form.set("version", incident.version.to_string());
    form
}

struct PageParts {
    form: Option<FormState>,
    move_form: FormState,
    comment_form: FormState,
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
        Some(problem) if actor.can(Permission::Read) => {
            Some(problems::get(&state.db, actor, problem).await?)
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
    let sla = crate::service::sla::summary(&state.db, &incident, jiff::Timestamp::now()).await?;
    let page = IncidentPage {
        sla,
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

fn fresh() -> PageParts {
    PageParts {
        form: None,
        move_form: FormState::default(),
        comment_form: FormState::default(),
        conflict: None,
    }
}

async fn incident_page(
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

fn version(fields: &[(String, String)]) -> Option<i64> {
    field(fields, "version").and_then(|v| v.parse().ok())
}

/// Saves the edit form; a stale version shows the other changes and keeps the typing.
async fn update(
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
            let mut form = FormState::with_values(fields);
            form.absorb(error, ctx.tr, "title")?;
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

async fn transition(
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
            let mut move_form = FormState::with_values(fields);
            move_form.absorb(error, ctx.tr, "to")?;
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
    match incidents::comment(&state.db, &actor, &number, input, None).await {
        Ok(_) => Ok(see_other(&format!(
            "/incidents/{}#journal",
            number.to_ascii_uppercase()
        ))),
        Err(error) => {
            let mut comment_form = FormState::with_values(fields);
            comment_form.absorb(error, ctx.tr, "body")?;
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

// ------------------------------------------------------------------ pickers (htmx)

#[derive(Template)]
#[template(path = "incidents/options.html")]
struct Options {
    choices: Vec<(String, String)>,
    /// Offer an empty first choice.
    blank: bool,
    selected: String,
}

#[derive(serde::Deserialize)]
struct LookupParams {
    #[serde(default)]
    caller: String,
    #[serde(default)]
    assignment_group: String,
    #[serde(default)]
    assignee: String,
}

async fn lookup_people(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(params): Query<LookupParams>,
) -> AppResult<Response> {
    let options = if params.caller.trim().len() < 2 {
        Vec::new()
    } else {
        incidents::find_people(&state.db, &actor, &params.caller).await?
    };
    Ok(render(
        StatusCode::OK,
        &Options {
            choices: options,
            blank: false,
            selected: String::new(),
        },
    ))
}

async fn lookup_assignees(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(params): Query<LookupParams>,
) -> AppResult<Response> {
    let options = if params.assignment_group.is_empty() {
        Vec::new()
    } else {
        incidents::assignable(&state.db, &actor, &params.assignment_group).await?
    };
    Ok(render(
        StatusCode::OK,
        &Options {
            choices: options,
            blank: true,
            selected: params.assignee,
        },
    ))
}
