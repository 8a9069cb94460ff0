//! Keeps service insight's facts current: builds them from the whole journal once if they
//! never were (the first start after upgrading), then folds each incident whose events
//! arrived. One process folds at a time; the others find the lock taken and wait their turn.

use std::time::Duration;

use sqlx::PgPool;

use crate::service::insight::facts;

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
    loop {
        let busy = match facts::fold_pending(&db).await {
            Ok(folded) => folded > 0,
            Err(error) => {
                tracing::warn!(error = %error, "folding insight facts failed; retrying");
                false
            }
        };
        if !busy {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}
