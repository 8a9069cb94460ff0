//! Changing and removing service levels, and bringing open incidents in line afterwards.
//!
//! A calendar or policy is changed with `If-Match` (its `version`). Each change queues a
//! recompute job in its own transaction; every `leitstand serve` works on the job in batches
//! between its SLA checks (claimed with `SKIP LOCKED`, so two processes never take the same
//! batch), records its position after each batch (so a restart resumes where it stopped), and
//! writes each moved due date to the incident's journal as any other change of the clock.
//! Flags follow the new dates: a breach whose target moved out again is no longer current.

use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;

use super::Actor;
use super::sla::{
    CalendarInput, CalendarView, PolicyInput, PolicyView, build_calendar, unique_to_conflict,
    validate_policy,
};
use crate::domain::{Invalid, Permission, validation::required_text};
use crate::error::{AppError, AppResult};
use crate::store;

/// Open incidents recomputed per transaction.
const BATCH: i64 = 500;

/// The state of the newest recompute, for the admin.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecomputeView {
    /// What changed, as `kind:key`: `policy:default`, `policy-removed:default`,
    /// `calendar:berlin`.
    pub reason: String,
    /// `pending`, `running`, `done` or `superseded` (a later change started over).
    pub state: String,
    /// Open incidents when the change was made.
    pub total: i64,
    pub done: i64,
    /// Incidents whose due dates moved.
    pub moved: i64,
    pub created_at: jiff::Timestamp,
    pub finished_at: Option<jiff::Timestamp>,
}

impl From<store::sla::RecomputeJob> for RecomputeView {
    fn from(job: store::sla::RecomputeJob) -> Self {
        RecomputeView {
            reason: job.reason,
            state: job.state,
            total: job.total,
            done: job.done,
            moved: job.moved,
            created_at: job.created_at.to_jiff(),
            finished_at: job.finished_at.map(jiff_sqlx::Timestamp::to_jiff),
        }
    }
}

impl RecomputeView {
    /// The catalogue key of the change's kind, and the key of what changed.
    pub fn reason_parts(&self) -> (&'static str, &str) {
        let (kind, key) = self.reason.split_once(':').unwrap_or(("", &self.reason));
        let label = match kind {
            "calendar" => "sla.reason_calendar",
            "policy-removed" => "sla.reason_policy_removed",
            _ => "sla.reason_policy",
        };
        (label, key)
    }

    /// Done, in percent of the total (100 for an empty desk).
    pub fn percent(&self) -> i64 {
        if self.total == 0 {
            100
        } else {
            (self.done * 100 / self.total).min(100)
        }
    }
}

pub async fn calendar(db: &PgPool, actor: &Actor, key: &str) -> AppResult<CalendarView> {
    actor.require(Permission::Read)?;
    let mut conn = db.acquire().await?;
    store::sla::calendar_by_key(&mut conn, key)
        .await?
        .map(CalendarView::from)
        .ok_or(AppError::NotFound)
}

/// An admin's transaction with the calendar locked and its version checked (the built-in
/// `24x7` is `409`).
async fn locked_calendar(
    db: &PgPool,
    actor: &Actor,
    key: &str,
    if_match: Option<i64>,
) -> AppResult<(
    sqlx::Transaction<'static, sqlx::Postgres>,
    store::sla::CalendarRow,
)> {
    actor.require(Permission::Administer)?;
    let mut tx = db.begin().await?;
    let row = store::sla::calendar_for_update(&mut tx, key)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.always {
        return Err(AppError::Conflict("error.calendar_builtin"));
    }
    super::check_version(row.version, if_match, || CalendarView::from(row.clone()))?;
    Ok((tx, row))
}

/// An admin's transaction with the live policy locked and its version checked.
async fn locked_policy(
    db: &PgPool,
    actor: &Actor,
    key: &str,
    if_match: Option<i64>,
) -> AppResult<(
    sqlx::Transaction<'static, sqlx::Postgres>,
    store::sla::PolicyRow,
)> {
    actor.require(Permission::Administer)?;
    let mut tx = db.begin().await?;
    let row = store::sla::policy_for_update(&mut tx, key)
        .await?
        .ok_or(AppError::NotFound)?;
    super::check_version(row.version, if_match, || PolicyView::from(row.clone()))?;
    Ok((tx, row))
}

/// Changes a calendar (not its key, not the built-in `24x7`); fields left out stay.
pub async fn update_calendar(
    db: &PgPool,
    actor: &Actor,
    key: &str,
    input: CalendarInput,
    if_match: Option<i64>,
) -> AppResult<CalendarView> {
    let (mut tx, row) = locked_calendar(db, actor, key, if_match).await?;
    let current = CalendarView::from(row.clone());
    let mut invalid = Invalid::default();
    if input.key.as_deref().is_some_and(|k| k != current.key) {
        invalid.add("key", "error.key_fixed");
    }
    let name = invalid.check(
        "name",
        required_text(input.name.as_deref().unwrap_or(&current.name), 200),
    );
    let time_zone = input.time_zone.unwrap_or(current.time_zone);
    let week = input.week.unwrap_or(current.week);
    let holidays = input.holidays.unwrap_or(current.holidays);
    let (_, problems) = build_calendar(&time_zone, &week, &holidays);
    invalid.0.extend(problems.0);
    let (Some(name), true) = (name, invalid.is_empty()) else {
        return Err(invalid.into());
    };
    let change = store::sla::NewCalendar {
        key,
        name: &name,
        time_zone: time_zone.trim(),
        week: json!(week),
        holidays: json!(holidays),
    };
    store::sla::update_calendar(&mut tx, row.id, change).await?;
    store::sla::queue_recompute(&mut tx, &format!("calendar:{key}")).await?;
    let row = store::sla::calendar_by_key(&mut tx, key)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row.into())
}

/// Deletes a calendar no policy uses (`409` while one does, and for the built-in `24x7`).
pub async fn delete_calendar(
    db: &PgPool,
    actor: &Actor,
    key: &str,
    if_match: Option<i64>,
) -> AppResult<()> {
    let (mut tx, row) = locked_calendar(db, actor, key, if_match).await?;
    store::sla::delete_calendar(&mut tx, row.id)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.code().as_deref() == Some("23503") => {
                AppError::Conflict("error.calendar_in_use")
            }
            _ => e.into(),
        })?;
    tx.commit().await?;
    Ok(())
}

pub async fn policy(db: &PgPool, actor: &Actor, key: &str) -> AppResult<PolicyView> {
    actor.require(Permission::Read)?;
    let mut conn = db.acquire().await?;
    store::sla::policy_by_key(&mut conn, key)
        .await?
        .map(PolicyView::from)
        .ok_or(AppError::NotFound)
}

/// Changes a policy (not its key); fields left out stay. Open incidents follow in the
/// background (`recompute_for`).
pub async fn update_policy(
    db: &PgPool,
    actor: &Actor,
    key: &str,
    input: PolicyInput,
    if_match: Option<i64>,
) -> AppResult<PolicyView> {
    let (mut tx, row) = locked_policy(db, actor, key, if_match).await?;
    if input.key.as_deref().is_some_and(|k| k != row.key) {
        return Err(AppError::field("key", "error.key_fixed"));
    }
    // Given fields over the current ones; a scope given replaces the scope.
    let scope_given = input.service.is_some() || input.assignment_group.is_some();
    let merged = PolicyInput {
        key: Some(row.key.clone()),
        name: input.name.or_else(|| Some(row.name.clone())),
        calendar: input.calendar.or_else(|| Some(row.calendar.clone())),
        service: if scope_given {
            input.service.filter(|s| !s.is_empty())
        } else {
            row.service.clone()
        },
        assignment_group: if scope_given {
            input.assignment_group.filter(|g| !g.is_empty())
        } else {
            row.assignment_group.clone()
        },
        response_seconds: input
            .response_seconds
            .or_else(|| Some(row.response_targets.clone())),
        resolution_seconds: input
            .resolution_seconds
            .or_else(|| Some(row.resolution_targets.clone())),
        pause_reasons: input
            .pause_reasons
            .or_else(|| Some(row.pause_reasons.clone())),
        at_risk_percent: input.at_risk_percent.or(Some(row.at_risk_percent)),
    };
    let valid = validate_policy(&mut tx, &merged).await?;
    store::sla::update_policy(&mut tx, row.id, valid.as_new())
        .await
        .map_err(|e| unique_to_conflict(e, "error.policy_taken"))?;
    store::sla::queue_recompute(&mut tx, &format!("policy:{key}")).await?;
    let row = store::sla::policy_by_key(&mut tx, key)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row.into())
}

/// Removes a policy: it is retired (closed incidents keep it as the level they were measured
/// by) and open incidents move to the policy that applies now, in the background.
pub async fn delete_policy(
    db: &PgPool,
    actor: &Actor,
    key: &str,
    if_match: Option<i64>,
) -> AppResult<()> {
    let (mut tx, row) = locked_policy(db, actor, key, if_match).await?;
    store::sla::retire_policy(&mut tx, row.id).await?;
    store::sla::queue_recompute(&mut tx, &format!("policy-removed:{key}")).await?;
    tx.commit().await?;
    Ok(())
}

/// The newest recompute, when there was one.
pub async fn recompute_status(db: &PgPool, actor: &Actor) -> AppResult<Option<RecomputeView>> {
    actor.require(Permission::Read)?;
    let mut conn = db.acquire().await?;
    Ok(store::sla::latest_recompute(&mut conn)
        .await?
        .map(RecomputeView::from))
}

/// Works on the pending recompute for up to `budget`, a batch per transaction; returns the
/// incidents done. The desk keeps working meanwhile: each batch locks 500 open incidents for
/// a few milliseconds, and batches yield between them.
pub async fn recompute_for(db: &PgPool, budget: std::time::Duration) -> AppResult<i64> {
    let started = std::time::Instant::now();
    let mut done = 0;
    while started.elapsed() < budget {
        match recompute_batch(db).await? {
            Some(n) => done += n,
            None => break,
        }
        tokio::task::yield_now().await;
    }
    Ok(done)
}

/// One batch of the pending job; `None` when there is no job to work on.
pub async fn recompute_batch(db: &PgPool) -> AppResult<Option<i64>> {
    let mut tx = db.begin().await?;
    let Some(job) = store::sla::claim_recompute(&mut tx).await? else {
        return Ok(None);
    };
    let ids = store::sla::recompute_batch(&mut tx, &job, BATCH).await?;
    let mut moved = 0;
    let mut last = None;
    for id in &ids {
        let Some(before) = store::incidents::find_by_id(&mut tx, *id).await? else {
            continue;
        };
        let mut after = before.clone();
        super::sla::update_clock(&mut tx, Some(&before), &mut after).await?;
        let changed = after.response_due != before.response_due
            || after.resolution_due != before.resolution_due
            || after.sla_policy_id != before.sla_policy_id
            || after.sla_resolution_breached_at != before.sla_resolution_breached_at
            || after.sla_response_breached_at != before.sla_response_breached_at
            || after.sla_at_risk_at != before.sla_at_risk_at;
        if changed {
            // A moved due date is a change: integrations syncing with `updated_since` see it.
            store::incidents::touch(&mut tx, *id).await?;
            moved += 1;
        }
        last = Some((before.opened_at, before.id));
    }
    let finished = ids.len() < usize::try_from(BATCH).unwrap_or(usize::MAX);
    let count = i64::try_from(ids.len()).unwrap_or(i64::MAX);
    store::sla::advance_recompute(
        &mut tx,
        job.id,
        if finished { None } else { last },
        count,
        moved,
    )
    .await?;
    tx.commit().await?;
    if finished {
        tracing::info!(job = job.id, reason = %job.reason, moved = job.moved + moved, "SLA recompute done");
    }
    Ok(Some(count))
}
