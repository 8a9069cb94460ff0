//! The SLA clock's worker: claims incidents whose next check is due, marks at-risk and breached
//! targets (each mark once, journaled, with an event), and runs the recompute jobs that
//! service-level changes leave (`service::sla_changes`).

use serde_json::json;
use sqlx::{PgConnection, PgPool};

use crate::domain::incident::Incident;
use crate::domain::sla_clock::Mark;
use crate::error::AppResult;
use crate::store;
use crate::store::journal::Subject;

/// Marks what is due on a claimed incident, each mark once, with a journal entry and an event.
async fn mark(
    conn: &mut PgConnection,
    incident: &mut Incident,
    now: jiff::Timestamp,
) -> AppResult<usize> {
    let marks: Vec<_> = incident
        .clock()
        .due_marks(now)
        .into_iter()
        .map(|mark| {
            let marked = match mark {
                Mark::ResponseBreached => &mut incident.sla_response_breached_at,
                Mark::AtRisk => &mut incident.sla_at_risk_at,
                Mark::ResolutionBreached => &mut incident.sla_resolution_breached_at,
            };
            *marked = Some(now);
            crate::service::sla::mark_event(mark)
        })
        .collect();
    let payload = json!({"number": incident.number, "response_due": incident.response_due, "resolution_due": incident.resolution_due});
    crate::service::sla::record_marks(conn, Subject::Incident(incident.id), &payload, &marks)
        .await?;
    incident.sla_next_check = crate::service::sla::next_check(incident);
    store::incidents::set_sla(conn, incident).await?;
    if !marks.is_empty() {
        // A mark is a change: clients syncing with `updated_since` or holding an ETag see it.
        store::incidents::touch(conn, incident.id).await?;
    }
    Ok(marks.len())
}

/// One pass of the SLA worker: claims incidents whose next check is due (skipping those another
/// process holds), marks them, and repeats while there is work. Returns the marks made.
pub async fn run_checks(db: &PgPool, now: jiff::Timestamp) -> AppResult<usize> {
    const BATCH: i64 = 500;
    let mut marked = 0;
    loop {
        let mut tx = db.begin().await?;
        let ids = store::incidents::claim_sla_checks(&mut tx, now, BATCH).await?;
        for id in &ids {
            if let Some(mut incident) = store::incidents::find_by_id(&mut tx, *id).await? {
                marked += mark(&mut tx, &mut incident, now).await?;
            }
        }
        tx.commit().await?;
        if ids.len() < usize::try_from(BATCH).unwrap_or(usize::MAX) {
            return Ok(marked);
        }
    }
}

/// The worker in the server process: a pass every `tick`, for as long as the server runs.
pub async fn worker(db: PgPool, tick: std::time::Duration) {
    let mut interval = tokio::time::interval(tick);
    let requests_db = crate::db::Db::new(db.clone());
    loop {
        interval.tick().await;
        let now = jiff::Timestamp::now();
        match run_checks(&db, now).await {
            Ok(0) => {}
            Ok(marked) => tracing::info!(marked, "SLA marks"),
            Err(error) => tracing::warn!(error = %error, "SLA check failed; retrying next tick"),
        }
        match crate::service::requests::check_sla(&requests_db, now).await {
            Ok(0) => {}
            Ok(marked) => tracing::info!(marked, "SLA marks on requests"),
            Err(error) => {
                tracing::warn!(error = %error, "SLA check of requests failed; retrying next tick");
            }
        }
        if let Err(error) = crate::service::sla_changes::recompute_for(&db, tick).await {
            tracing::warn!(error = %error, "SLA recompute failed; resuming next tick");
        }
    }
}
