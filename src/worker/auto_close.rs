//! Closes resolved incidents whose working days have passed (`service::incidents::
//! close_resolved`), every minute, a batch at a time until none is due.

use std::time::Duration;

use crate::db::Db;

/// Runs for as long as the server runs; `days` 0 does nothing.
pub async fn run(db: Db, days: u32) {
    if days == 0 {
        return;
    }
    let mut tick = tokio::time::interval(Duration::from_mins(1));
    loop {
        tick.tick().await;
        loop {
            match crate::service::incidents::close_resolved(&db, days, jiff::Timestamp::now()).await
            {
                // A full batch may have more behind it.
                Ok(closed) if closed > 0 => {}
                Ok(_) => break,
                Err(error) => {
                    tracing::warn!(error = %error, "closing resolved incidents failed; retrying later");
                    break;
                }
            }
        }
    }
}
