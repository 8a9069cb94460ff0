//! The incident queues: tabs, filters, saved views, bulk edit and the CSV download.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use super::{EXPORT_PAGE, QUEUE_PAGE};
use crate::domain::Permission;
use crate::domain::incident::{HoldReason, IncidentState, ResolutionCode};
use crate::error::{AppError, AppResult};
use crate::service::incidents::{self, IncidentPatch, IncidentView, ListQuery, TransitionInput};
use crate::service::problems::{self};
use crate::service::reference::{self, GroupView, ServiceView};
use crate::service::saved_views;
use crate::state::AppState;
use crate::web::form::{Choice, Fields, FormState, all, choices, error_line, field};
use crate::web::{Ctx, SignedIn, render, see_other};

/// The named queues agents live in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Queue {
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

pub(super) struct QueueTab {
    key: &'static str,
    label: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "incidents/queue.html")]
pub(super) struct QueuePage {
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
pub(super) fn resolution_choices(ctx: &Ctx) -> Vec<Choice> {
    let codes = ResolutionCode::ALL
        .into_iter()
        .filter(|r| *r != ResolutionCode::SolvedByProblem);
    choices(ctx, codes)
}

pub(super) async fn queue(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(pairs): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    let value = |name: &str| crate::http::last_value(&pairs, name);
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
            // Requests have no agent page yet: the number is searched for as text.
            TicketRef::Request(_) => {}
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
    let clocks: Vec<_> = result.items.iter().map(|incident| &incident.sla).collect();
    let left = crate::service::sla::countdowns(&state.db, &clocks, jiff::Timestamp::now()).await?;
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
pub(super) async fn export_csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(pairs): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    let value = |name: &str| crate::http::last_value(&pairs, name);
    let mut query = ListQuery::from_pairs(&pairs);
    Queue::parse(value("queue").as_deref()).apply(&mut query);
    // The first page is read here, so a bad filter is an error page, not a broken download.
    let first = incidents::list(&state.db, &actor, &query, None, EXPORT_PAGE).await?;
    let db = state.db.clone();
    Ok(crate::web::csv_download(
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

pub(super) async fn save_view(
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

pub(super) async fn delete_view(
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
pub(super) async fn bulk(
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
