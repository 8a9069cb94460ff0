//! Background upkeep shared by all processes (idempotent): expired sessions, old sign-in
//! failures, old idempotency keys, webhook attempts older than 30 days, and attachment content
//! nothing refers to any more.

use std::time::Duration;

use sqlx::PgPool;

/// Runs the upkeep every ten minutes, for as long as the server runs.
pub async fn run(db: crate::db::Db) {
    let mut tick = tokio::time::interval(Duration::from_mins(10));
    loop {
        tick.tick().await;
        if let Err(error) = tidy(&db).await {
            tracing::warn!(error = %error, "housekeeping failed; retrying later");
        }
        match crate::service::attachments::collect_garbage(&db).await {
            Ok(0) => {}
            Ok(deleted) => {
                tracing::info!(
                    blobs = deleted,
                    "attachment content nobody refers to deleted"
                );
            }
            Err(error) => {
                tracing::warn!(error = %error, "attachment clean-up failed; retrying later");
            }
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
