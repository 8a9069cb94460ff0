//! Background upkeep shared by all processes (idempotent): expired sessions, old sign-in
//! failures, old idempotency keys, webhook attempts older than 30 days.

use std::time::Duration;

use sqlx::PgPool;

/// Runs the upkeep every ten minutes, for as long as the server runs.
pub async fn run(db: PgPool) {
    let mut tick = tokio::time::interval(Duration::from_mins(10));
    loop {
        tick.tick().await;
        if let Err(error) = tidy(&db).await {
            tracing::warn!(error = %error, "housekeeping failed; retrying later");
        }
    }
}

/// Deletes expired sessions, old sign-in failures and idempotency keys older than a day.
async fn tidy(db: &PgPool) -> sqlx::Result<()> {
    let mut conn = db.acquire().await?;
    crate::store::sessions::prune_expired(&mut conn).await?;
    crate::store::login_failures::prune(&mut conn).await?;
    crate::store::idempotency::prune(&mut conn).await?;
    crate::store::webhooks::prune_attempts(&mut conn).await?;
    Ok(())
}
