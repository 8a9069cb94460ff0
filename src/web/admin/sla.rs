//! Admin pages for service levels: business-hour calendars and SLA policies. They call the
//! same service functions as `/api/v1/sla`.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use crate::domain::Permission;
use crate::domain::incident::HoldReason;
use crate::error::{AppError, AppResult};
use crate::service::reference::{self, GroupView, ServiceView};
use crate::service::sla::{
    self, CalendarInput, CalendarView, HolidayView, PolicyInput, PolicyView,
};
use crate::service::sla_changes::{self, RecomputeView};
use crate::service::{Actor, PageRequest};
use crate::state::AppState;
use crate::web::form::{Choice, Fields, FormState, all, choices, error_line, field, version};
use crate::web::{Ctx, SignedIn, render, see_other};

pub fn router() -> Router<AppState> {
    use axum::routing::post;
    Router::new()
        .route("/admin/sla", get(sla_page))
        .route("/admin/sla/calendars", post(create_calendar))
        .route("/admin/sla/calendars/{key}", post(update_calendar))
        .route("/admin/sla/calendars/{key}/delete", post(delete_calendar))
        .route("/admin/sla/policies", post(create_policy))
        .route("/admin/sla/policies/{key}", post(update_policy))
        .route("/admin/sla/policies/{key}/delete", post(delete_policy))
}

const WEEKDAYS: [&str; 7] = [
    "weekday.mon",
    "weekday.tue",
    "weekday.wed",
    "weekday.thu",
    "weekday.fri",
    "weekday.sat",
    "weekday.sun",
];

#[derive(Template)]
#[template(path = "admin/sla.html")]
struct SlaPage {
    ctx: Ctx,
    calendars: Vec<CalendarView>,
    policies: Vec<PolicyView>,
    services: Vec<ServiceView>,
    groups: Vec<GroupView>,
    hold_reasons: Vec<Choice>,
    calendar_form: FormState,
    policy_form: FormState,
    /// How far the newest recompute of open incidents has come.
    recompute: Option<RecomputeView>,
}

impl SlaPage {
    /// A calendar's week as the edit form shows it, day `n`: "08:00-12:00, 13:00-17:00".
    #[expect(
        clippy::unused_self,
        clippy::trivially_copy_pass_by_ref,
        reason = "called from the template as self.day_text, with askama's loop index by reference"
    )]
    fn day_text(&self, calendar: &CalendarView, n: &usize) -> String {
        calendar
            .week
            .get(*n)
            .map(|day| {
                day.iter()
                    .map(|[a, b]| format!("{a}-{b}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    }

    /// A calendar's holidays as the edit form shows them, a line each.
    #[expect(
        clippy::unused_self,
        reason = "called from the template as self.holiday_lines"
    )]
    fn holiday_lines(&self, calendar: &CalendarView) -> String {
        calendar
            .holidays
            .iter()
            .map(|h| format!("{} {}", h.date, h.name))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// "Due dates after the change to policy default: 120 of 400 open incidents (30 %), 12 moved."
    fn recompute_text(&self, r: &RecomputeView) -> String {
        let (label, key) = r.reason_parts();
        let reason = self.ctx.tr.t1(label, key);
        self.ctx.tr.tn(
            "sla.recompute",
            &[
                &reason,
                &r.done.to_string(),
                &r.total.to_string(),
                &r.percent().to_string(),
                &r.moved.to_string(),
            ],
        )
    }

    fn recompute_state(&self, r: &RecomputeView) -> String {
        let key = match r.state.as_str() {
            "pending" => "sla.recompute_pending",
            "running" => "sla.recompute_running",
            "superseded" => "sla.recompute_superseded",
            _ => "sla.recompute_done",
        };
        self.ctx.tr.t(key).to_owned()
    }

    /// Whether the policy stops the clock for this hold reason.
    #[expect(
        clippy::unused_self,
        reason = "called from the template as self.pauses"
    )]
    fn pauses(&self, policy: &PolicyView, reason: &str) -> bool {
        policy.pause_reasons.iter().any(|r| r == reason)
    }

    /// A policy's target for priority `p` in minutes, for the edit form.
    #[expect(
        clippy::unused_self,
        reason = "called from the template as self.target"
    )]
    fn target(&self, seconds: &[i32], p: &str) -> String {
        p.parse::<usize>()
            .ok()
            .and_then(|p| seconds.get(p - 1))
            .map(|s| (s / 60).to_string())
            .unwrap_or_default()
    }

    /// Day `n` (Monday first) with its label and the field names of its form input and errors.
    fn days(&self) -> Vec<(String, String, String)> {
        WEEKDAYS
            .iter()
            .enumerate()
            .map(|(n, key)| {
                (
                    self.ctx.tr.t(key).to_owned(),
                    format!("day{n}"),
                    format!("week[{n}]"),
                )
            })
            .collect()
    }

    /// The form field of a target: `response3`.
    #[expect(
        clippy::unused_self,
        reason = "called from the template as self.field_name"
    )]
    fn field_name(&self, prefix: &str, priority: &str) -> String {
        format!("{prefix}{priority}")
    }

    /// A calendar's working week as "Mon 08:00–17:00 · …".
    fn week_text(&self, calendar: &CalendarView) -> String {
        if calendar.always {
            return self.ctx.tr.t("sla.always").to_owned();
        }
        calendar
            .week
            .iter()
            .zip(WEEKDAYS)
            .filter(|(day, _)| !day.is_empty())
            .map(|(day, key)| {
                let spans: Vec<String> = day.iter().map(|[a, b]| format!("{a}–{b}")).collect();
                format!("{} {}", self.ctx.tr.t(key), spans.join(", "))
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    calendar_form: FormState,
    policy_form: FormState,
    status: StatusCode,
) -> AppResult<Response> {
    actor.require(Permission::Administer)?;
    let page = SlaPage {
        calendars: sla::calendars(&state.db, actor).await?,
        policies: sla::policies(&state.db, actor).await?,
        services: reference::list_services(
            &state.db,
            actor,
            PageRequest {
                after: None,
                limit: 200,
            },
        )
        .await?
        .items,
        groups: reference::all_groups(&state.db, actor).await?,
        hold_reasons: choices(&ctx, HoldReason::ALL),
        calendar_form,
        policy_form,
        recompute: sla_changes::recompute_status(&state.db, actor).await?,
        ctx,
    };
    Ok(render(status, &page))
}

async fn sla_page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
) -> AppResult<Response> {
    let mut calendar_form = FormState::default();
    calendar_form.set("time_zone", "Europe/Berlin");
    for n in 0..5 {
        calendar_form.set(&format!("day{n}"), "08:00-17:00");
    }
    let mut policy_form = FormState::default();
    policy_form.set("at_risk_percent", "75");
    page(
        &state,
        ctx,
        &actor,
        calendar_form,
        policy_form,
        StatusCode::OK,
    )
    .await
}

/// "08:00-12:00, 13:00-17:00" → `[["08:00", "12:00"], ["13:00", "17:00"]]`; what does not
/// split into two times is passed on as typed, for the service to name.
fn intervals(text: &str) -> Vec<[String; 2]> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| match part.split_once(['-', '–']) {
            Some((a, b)) => [a.trim().to_owned(), b.trim().to_owned()],
            None => [part.to_owned(), String::new()],
        })
        .collect()
}

/// The calendar a form describes.
fn calendar_input(fields: &[(String, String)]) -> CalendarInput {
    let week = (0..7)
        .map(|n| intervals(&field(fields, &format!("day{n}")).unwrap_or_default()))
        .collect();
    let holidays = field(fields, "holidays")
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (date, name) = line.split_once(' ').unwrap_or((line, ""));
            HolidayView {
                date: date.to_owned(),
                name: name.trim().to_owned(),
            }
        })
        .collect();
    CalendarInput {
        key: field(fields, "key"),
        name: field(fields, "name"),
        time_zone: field(fields, "time_zone"),
        week: Some(week),
        holidays: Some(holidays),
    }
}

async fn create_calendar(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    let input = calendar_input(&fields);
    match sla::create_calendar(&state.db, &actor, input).await {
        Ok(calendar) => {
            ctx.flash("success", ctx.tr.t1("flash.saved", &calendar.name))
                .await?;
            Ok(see_other("/admin/sla"))
        }
        Err(error) => {
            let form = FormState::refused(fields, error, ctx.tr, "key")?;
            page(
                &state,
                ctx,
                &actor,
                form,
                FormState::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// The policy a form describes. The form takes minutes; the service counts seconds. What is
/// not a number is sent as 0, which the service refuses, naming the field.
fn policy_input(fields: &[(String, String)]) -> PolicyInput {
    let targets = |prefix: &str| -> Vec<i32> {
        (1..=5)
            .map(|p| {
                field(fields, &format!("{prefix}{p}"))
                    .and_then(|v| v.trim().parse::<i32>().ok())
                    .map_or(0, |m| m.saturating_mul(60))
            })
            .collect()
    };
    let text = |name: &str| field(fields, name).filter(|v| !v.trim().is_empty());
    PolicyInput {
        key: field(fields, "key"),
        name: field(fields, "name"),
        calendar: text("calendar"),
        service: text("service"),
        assignment_group: text("assignment_group"),
        response_seconds: Some(targets("response")),
        resolution_seconds: Some(targets("resolution")),
        pause_reasons: Some(all(fields, "pause_reasons")),
        at_risk_percent: text("at_risk_percent")
            .and_then(|v| v.trim().parse().ok())
            .or(Some(0)),
    }
}

async fn create_policy(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    let input = policy_input(&fields);
    match sla::create_policy(&state.db, &actor, input).await {
        Ok(policy) => {
            ctx.flash("success", ctx.tr.t1("flash.saved", &policy.name))
                .await?;
            Ok(see_other("/admin/sla"))
        }
        Err(error) => {
            let form = FormState::refused(fields, error, ctx.tr, "key")?;
            page(
                &state,
                ctx,
                &actor,
                FormState::default(),
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// After a change from the admin page: a message, and back to the page (errors are named in
/// the message; a stale form says someone else changed it first).
async fn after_change(ctx: &Ctx, result: AppResult<String>) -> AppResult<Response> {
    match result {
        Ok(name) => {
            ctx.flash("success", ctx.tr.t1("flash.saved", &name))
                .await?;
        }
        Err(AppError::PreconditionFailed(_)) => {
            ctx.flash("error", ctx.tr.t("conflict.title").to_owned())
                .await?;
        }
        Err(error @ (AppError::Validation(_) | AppError::Conflict(_) | AppError::NotFound)) => {
            ctx.flash("error", error_line(&error, ctx)).await?;
        }
        Err(other) => return Err(other),
    }
    Ok(see_other("/admin/sla"))
}

async fn update_calendar(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(key): Path<String>,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    let mut input = calendar_input(&fields);
    input.key = None;
    let result =
        sla_changes::update_calendar(&state.db, &actor, &key, input, version(&fields)).await;
    after_change(&ctx, result.map(|c| c.name)).await
}

async fn delete_calendar(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(key): Path<String>,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    let result = sla_changes::delete_calendar(&state.db, &actor, &key, version(&fields)).await;
    after_change(&ctx, result.map(|()| key)).await
}

async fn update_policy(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(key): Path<String>,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    let mut input = policy_input(&fields);
    input.key = None;
    // The edit form changes the targets, not the scope.
    input.service = None;
    input.assignment_group = None;
    let result = sla_changes::update_policy(&state.db, &actor, &key, input, version(&fields)).await;
    after_change(&ctx, result.map(|p| p.name)).await
}

async fn delete_policy(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(key): Path<String>,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    let result = sla_changes::delete_policy(&state.db, &actor, &key, version(&fields)).await;
    after_change(&ctx, result.map(|()| key)).await
}
