//! Inbound mail a process stored but did not read through (it died, the database went away
//! half-way) is read through again by every `leitstand serve`, once a minute: stored mail is
//! never left behind.

use std::time::Duration;

use crate::db::Db;

pub async fn run(db: Db) {
    let mut tick = tokio::time::interval(Duration::from_mins(1));
    loop {
        tick.tick().await;
        match crate::service::mail::resume_stalled(&db).await {
            Ok(0) => {}
            Ok(resumed) => tracing::info!(resumed, "inbound mail read through again"),
            Err(error) => tracing::warn!(error = %error, "inbound mail: retrying later"),
        }
    }
}
