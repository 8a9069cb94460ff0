//! A resolved incident closes by itself after a number of working days of its service level's
//! calendar (24×7 without one) unless someone reopens it first: the caller had their time to
//! object. Every `leitstand serve` runs it (`worker::auto_close`); incidents are claimed with
//! `SKIP LOCKED`, so processes share the work without closing anything twice.

use crate::db::Db;
use crate::domain::incident::{self, IncidentState, TransitionRequest};
use crate::domain::journal::SystemNote;
use crate::error::{AppError, AppResult};
use crate::service::incidents::update::changes;
use crate::service::sla::PolicyCalendars;
use crate::store::{self, journal::Kind};

/// Incidents looked at per pass and transaction.
const BATCH: i64 = 200;

/// Closes the resolved incidents whose `days` working days have passed by `now`, one batch
/// (oldest resolution first); how many it closed. `days` 0 closes nothing.
pub async fn close_resolved(db: &Db, days: u32, now: jiff::Timestamp) -> AppResult<usize> {
    if days == 0 {
        return Ok(0);
    }
    let calendars = PolicyCalendars::load(db).await?;
    // No calendar's working days end sooner than (days - 1) calendar days after the day of
    // the resolution: older resolutions are the only candidates.
    let before = now - jiff::SignedDuration::from_hours(24 * i64::from(days - 1));
    let mut tx = db.begin().await?;
    let ids = store::incidents::lock_resolved_before(&mut tx, before, BATCH).await?;
    let note = SystemNote::AutoClosed { days }.text();
    let mut closed = 0;
    for id in ids {
        let Some(before) = store::incidents::find_by_id(&mut tx, id).await? else {
            continue;
        };
        let Some(resolved_at) = before.resolved_at else {
            continue;
        };
        let calendar = calendars.of_policy(before.sla_policy_id);
        if calendar
            .after_working_days(resolved_at, days)
            .is_none_or(|due| due > now)
        {
            continue;
        }
        let request = TransitionRequest {
            to: IncidentState::Closed.as_str().to_owned(),
            ..TransitionRequest::default()
        };
        let planned = incident::plan_transition(before.state, &request).map_err(|error| {
            AppError::Internal(anyhow::anyhow!("closing a resolved incident: {error:?}"))
        })?;
        let mut after = before.clone();
        after.apply(&planned, now);
        let changed = changes(Some(&before), &after);
        super::save_change(
            &mut tx,
            None,
            &before,
            &after,
            Kind::System,
            Some(&note),
            changed,
        )
        .await?;
        closed += 1;
    }
    tx.commit().await?;
    if closed > 0 {
        tracing::info!(closed, days, "resolved incidents closed by themselves");
    }
    Ok(closed)
}
