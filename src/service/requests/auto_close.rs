//! A fulfilled request closes by itself after a number of days unless its caller reopens it
//! first, as a resolved incident does (`incidents::close_resolved`), with the same journal
//! note. Requests have no service level of their own, so the days are counted on the 24×7
//! calendar. Requests are claimed with `SKIP LOCKED`: several `leitstand serve` processes
//! share the work without closing anything twice.

use crate::db::Db;
use crate::domain::journal::SystemNote;
use crate::domain::request::{self, RequestState, RequestTransitionRequest};
use crate::error::{AppError, AppResult};
use crate::store::{self, journal::Kind};

/// Requests looked at per pass and transaction.
const BATCH: i64 = 200;

/// Closes the requests fulfilled more than `days` days before `now`, one batch (the oldest
/// first); how many it closed. `days` 0 closes nothing.
pub async fn close_fulfilled(db: &Db, days: u32, now: jiff::Timestamp) -> AppResult<usize> {
    if days == 0 {
        return Ok(0);
    }
    let before = now - jiff::SignedDuration::from_hours(24 * i64::from(days));
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
