//! A request's service level: the due dates of its type's SLA policy at the type's
//! priority, counted in the policy's calendar with the same rules as an incident's
//! (`service::sla`), the desk's first response, and a fulfilment clock that stands still
//! while approvals are awaited (the desk cannot act then); the due date moves on by the
//! business time it stood still.

use jiff::{SignedDuration, Timestamp};
use sqlx::PgConnection;

use crate::domain::journal::SystemNote;
use crate::domain::request::{RequestState, ServiceRequest};
use crate::domain::sla_clock::Mark;
use crate::error::AppResult;
use crate::service::sla::{SlaView, calendar_of, due_dates, mark_event, record_marks};
use crate::store::journal::Subject;
use crate::store::reference::Reference;
use crate::store::{self, request_types::RequestTypeRow, requests::NewClock};

/// The clock a request of `kind` starts with when opened at `opened_at`, from the policies
/// kept in memory; none when the type names no policy.
pub(super) fn opening(
    reference: &Reference,
    kind: &RequestTypeRow,
    opened_at: Timestamp,
) -> AppResult<Option<NewClock>> {
    let Some(policy_id) = kind.sla_policy_id else {
        return Ok(None);
    };
    let Some(policy) = reference.policies.iter().find(|p| p.id == policy_id) else {
        return Ok(None);
    };
    let Some(calendar) = reference
        .calendars
        .iter()
        .find(|c| c.id == policy.calendar_id)
    else {
        return Ok(None);
    };
    let calendar = calendar_of(calendar)?;
    let (response_due, resolution_due, at_risk_due) = due_dates(
        policy,
        &calendar,
        opened_at,
        kind.sla_priority,
        SignedDuration::ZERO,
    );
    Ok(Some(NewClock {
        policy_id,
        opened_at,
        response_due,
        resolution_due,
        at_risk_due,
    }))
}

/// Follows a change from `before` to `after`: the clock stands still from the moment the
/// request awaits approval and runs again after it (the due date moving on by the business
/// time in between); `responds`: the desk acted on it, the first time is its response.
pub(super) async fn follow(
    conn: &mut PgConnection,
    before: &ServiceRequest,
    after: &mut ServiceRequest,
    responds: bool,
    now: Timestamp,
) -> AppResult<()> {
    if responds && after.responded_at.is_none() {
        after.responded_at = Some(now);
    }
    let Some(policy_id) = after.sla_policy_id else {
        return Ok(());
    };
    let waits = after.state == RequestState::AwaitingApproval;
    match (before.sla_paused_since, waits) {
        (None, true) => after.sla_paused_since = Some(now),
        (Some(since), false) => {
            after.sla_paused_since = None;
            let Some(policy) = store::sla::policy_by_id(conn, policy_id).await? else {
                return Ok(());
            };
            let Some(row) = store::sla::calendar_by_id(conn, policy.calendar_id).await? else {
                return Ok(());
            };
            let calendar = calendar_of(&row)?;
            let stood = calendar.between(since, now);
            after.sla_paused_seconds += stood.as_secs();
            after.resolution_due = after
                .resolution_due
                .and_then(|due| calendar.add(due, stood));
            after.sla_at_risk_due = after
                .sla_at_risk_due
                .and_then(|due| calendar.add(due, stood));
        }
        _ => {}
    }
    after.sla_next_check = after.clock().next_check();
    Ok(())
}

/// One pass of the SLA worker over requests: claims those whose clock is due for a look
/// (skipping those another process holds), marks a breached response or fulfilment target
/// once (journaled, with an event, as for incidents) and sets the next look; repeats while
/// there is work. Returns the marks made.
pub async fn check_sla(db: &crate::db::Db, now: Timestamp) -> AppResult<usize> {
    const BATCH: i64 = 500;
    let mut marked = 0;
    loop {
        let mut tx = db.begin().await?;
        let ids = store::requests::claim_sla_checks(&mut tx, now, BATCH).await?;
        for id in &ids {
            let Some(mut request) = store::requests::find_by_id(&mut tx, *id).await? else {
                continue;
            };
            let marks: Vec<(&str, SystemNote)> = request
                .clock()
                .due_marks(now)
                .into_iter()
                .map(|mark| {
                    let marked = match mark {
                        Mark::ResponseBreached => &mut request.sla_response_breached_at,
                        Mark::ResolutionBreached => &mut request.sla_resolution_breached_at,
                        Mark::AtRisk => &mut request.sla_at_risk_at,
                    };
                    *marked = Some(now);
                    mark_event(mark)
                })
                .collect();
            request.sla_next_check = request.clock().next_check();
            store::requests::set_sla_marks(&mut tx, &request).await?;
            let payload = serde_json::json!({"number": request.number,
                "response_due": request.response_due, "resolution_due": request.resolution_due});
            record_marks(&mut tx, Subject::Request(request.id), &payload, &marks).await?;
            marked += marks.len();
        }
        tx.commit().await?;
        if ids.len() < usize::try_from(BATCH).unwrap_or(usize::MAX) {
            return Ok(marked);
        }
    }
}

/// The request's service level as the API shows it (the `sla` object of incidents).
pub(super) fn view(request: &ServiceRequest, now: Timestamp) -> SlaView {
    let clock = request.clock();
    SlaView {
        response_due: request.response_due,
        resolution_due: request.resolution_due,
        responded_at: request.responded_at,
        response_breached: clock.response_breached(now),
        resolution_breached: clock.resolution_breached(now),
        paused: clock.paused && clock.open,
        at_risk: request.sla_at_risk_at.is_some(),
        policy_id: request.sla_policy_id,
        paused_seconds: request.sla_paused_seconds,
        open: clock.open,
        opened_at: request.opened_at,
        resolved_at: request.fulfilled_at,
    }
}
