//! A fulfilled request closes by itself after a number of working days of its service
//! level's calendar (24×7 without one) unless its caller reopens it first, as a resolved
//! incident does (`incidents::close_resolved`), with the same journal note. Requests are
//! claimed with `SKIP LOCKED`: several `leitstand serve` processes share the work without
//! closing anything twice.

use crate::db::Db;
use crate::domain::journal::SystemNote;
use crate::domain::request::{self, RequestState, RequestTransitionRequest};
use crate::error::{AppError, AppResult};
use crate::service::sla::PolicyCalendars;
use crate::store::{self, journal::Kind};

/// Requests looked at per pass and transaction.
const BATCH: i64 = 200;

/// Closes the fulfilled requests whose `days` working days have passed by `now`, one batch
/// (the oldest fulfilment first); how many it closed. `days` 0 closes nothing.
pub async fn close_fulfilled(db: &Db, days: u32, now: jiff::Timestamp) -> AppResult<usize> {
    if days == 0 {
        return Ok(0);
    }
    let calendars = PolicyCalendars::load(db).await?;
    // No calendar's working days end sooner than (days - 1) calendar days after the day of
    // the fulfilment: older fulfilments are the only candidates.
    let before = now - jiff::SignedDuration::from_hours(24 * i64::from(days - 1));
    let mut tx = db.begin().await?;
    let ids = store::requests::lock_fulfilled_before(&mut tx, before, BATCH).await?;
    let note = SystemNote::AutoClosed { days }.text();
    let close = RequestTransitionRequest {
        to: RequestState::Closed.as_str().to_owned(),
        reason: None,
    };
    let mut closed = 0;
    for id in ids {
        let Some(fulfilled) = store::requests::find_by_id(&mut tx, id).await? else {
            continue;
        };
        let Some(fulfilled_at) = fulfilled.fulfilled_at else {
            continue;
        };
        if calendars
            .of_policy(fulfilled.sla_policy_id)
            .after_working_days(fulfilled_at, days)
            .is_none_or(|due| due > now)
        {
            continue;
        }
        let planned = request::plan_transition(fulfilled.state, &close).map_err(|error| {
            AppError::Internal(anyhow::anyhow!("closing a fulfilled request: {error:?}"))
        })?;
        let mut after = fulfilled.clone();
        after.apply(&planned, now);
        super::save_change(&mut tx, None, &fulfilled, &after, Kind::System, Some(&note)).await?;
        closed += 1;
    }
    tx.commit().await?;
    if closed > 0 {
        tracing::info!(closed, days, "fulfilled requests closed by themselves");
    }
    Ok(closed)
}
