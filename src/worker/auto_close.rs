//! Closes resolved incidents whose working days have passed (`service::incidents::
//! close_resolved`) and fulfilled requests whose days have (`service::requests::
//! close_fulfilled`), and reminds the callers half-way (`service::reminders`), every minute,
//! a batch at a time until none is due.

use std::time::Duration;

use crate::db::Db;
use crate::error::AppResult;

/// One batch of each kind; how many it closed.
async fn close_due(db: &Db, days: u32) -> AppResult<usize> {
    let now = jiff::Timestamp::now();
    let incidents = crate::service::incidents::close_resolved(db, days, now).await?;
    let requests = crate::service::requests::close_fulfilled(db, days, now).await?;
    let reminded = crate::service::reminders::remind_before_close(db, days, now).await?;
    Ok(incidents + requests + reminded)
}

/// Runs for as long as the server runs; `days` 0 does nothing.
pub async fn run(db: Db, days: u32) {
    if days == 0 {
        return;
    }
    let mut tick = tokio::time::interval(Duration::from_mins(1));
    loop {
        tick.tick().await;
        loop {
            match close_due(&db, days).await {
                // A full batch may have more behind it.
                Ok(closed) if closed > 0 => {}
                Ok(_) => break,
                Err(error) => {
                    tracing::warn!(error = %error, "closing resolved records failed; retrying later");
                    break;
                }
            }
        }
    }
}
