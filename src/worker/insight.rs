//! Keeps service insight's facts current: builds them from the whole journal once if they
//! never were (the first start after upgrading), then folds the incidents whose events
//! arrived, a second's worth at a time, and sums up the days that ended or changed once a
//! minute (`rollups`). One process folds at a time; the others find the lock taken and wait
//! their turn.

use std::time::{Duration, Instant};

use sqlx::PgPool;

use crate::service::insight::{facts, rollups};

/// How often the rollups take in the days that ended or changed.
const ROLL_UP_EVERY: Duration = Duration::from_mins(1);

pub async fn run(db: PgPool) {
    loop {
        match facts::rebuild_if_never(&db).await {
            Ok(_) => break,
            Err(error) => {
                tracing::warn!(error = %error, "building the insight facts failed; retrying");
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
        }
    }
    let mut rolled: Option<Instant> = None;
    loop {
        if let Err(error) = facts::fold_pending(&db).await {
            tracing::warn!(error = %error, "folding insight facts failed; retrying");
        }
        // The days that ended or whose facts changed are summed up once a minute, a batch of
        // days between folds while there are more (the first start after an upgrade sums up
        // the whole history); until then their figures are counted from the facts.
        if rolled.is_none_or(|at| at.elapsed() >= ROLL_UP_EVERY) {
            match rollups::roll_up(&db, Some(1), &|_| {}).await {
                Ok(days) if days >= rollups::BATCH.unsigned_abs() => {}
                Ok(_) => rolled = Some(Instant::now()),
                Err(error) => {
                    tracing::warn!(error = %error, "summing up insight days failed; retrying");
                    rolled = Some(Instant::now());
                }
            }
        }
        // A pass takes in everything that arrived (in batches); then a second's pause, so a
        // busy desk's events are folded a second's worth at a time instead of one incident
        // per pass (at 1,000 incidents created a second, folding each as it came cost the
        // desk 13 % of its create rate). The figures lag by about that second.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
