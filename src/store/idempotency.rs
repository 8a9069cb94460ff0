//! `Idempotency-Key` records. A key is claimed in the same transaction that creates the
//! resource, so a retry either finds the stored answer or waits for the first attempt's
//! transaction and then finds it; two attempts never both create.

use sqlx::PgConnection;
use uuid::Uuid;

/// What claiming a key found.
pub enum Claim {
    /// Nobody used the key (within 24 h): go ahead, then `complete`.
    Fresh,
    /// The same request was answered before: replay this.
    Replay {
        status: u16,
        response: serde_json::Value,
    },
    /// The key was used for a different request.
    Mismatch,
}

/// Claims `key` of `user_id` for `operation` (method and path): keys are scoped to both.
pub async fn claim(
    conn: &mut PgConnection,
    user_id: Uuid,
    operation: &str,
    key: &str,
    request_hash: &[u8],
) -> sqlx::Result<Claim> {
    // Blocks while another transaction holds the same key, until it commits or rolls back.
    let inserted = sqlx::query(
        "insert into idempotency_keys (user_id, operation, key, request_hash) values ($1, $4, $2, $3) \
         on conflict do nothing",
    )
    .bind(user_id)
    .bind(key)
    .bind(request_hash)
    .bind(operation)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(Claim::Fresh);
    }
    let (hash, status, response, expired): (Vec<u8>, Option<i16>, Option<serde_json::Value>, bool) =
        sqlx::query_as(
            "select request_hash, status, response, created_at < now() - interval '24 hours' \
         from idempotency_keys where user_id = $1 and key = $2 and operation = $3 for update",
        )
        .bind(user_id)
        .bind(key)
        .bind(operation)
        .fetch_one(&mut *conn)
        .await?;
    if expired {
        sqlx::query(
            "update idempotency_keys set request_hash = $3, status = null, response = null, created_at = now() \
             where user_id = $1 and key = $2 and operation = $4",
        )
        .bind(user_id)
        .bind(key)
        .bind(request_hash)
        .bind(operation)
        .execute(conn)
        .await?;
        return Ok(Claim::Fresh);
    }
    if hash != request_hash {
        return Ok(Claim::Mismatch);
    }
    match (status, response) {
        (Some(status), Some(response)) => Ok(Claim::Replay {
            status: u16::try_from(status).unwrap_or(200),
            response,
        }),
        // Claimed and committed without an answer cannot happen; treat it as a different request.
        _ => Ok(Claim::Mismatch),
    }
}

/// Stores the answer to replay, in the creating transaction.
pub async fn complete(
    conn: &mut PgConnection,
    user_id: Uuid,
    operation: &str,
    key: &str,
    status: u16,
    response: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query(
        "update idempotency_keys set status = $3, response = $4 \
         where user_id = $1 and key = $2 and operation = $5",
    )
    .bind(user_id)
    .bind(key)
    .bind(i16::try_from(status).unwrap_or(200))
    .bind(response)
    .bind(operation)
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets keys older than a day; called by the housekeeping task.
pub async fn prune(conn: &mut PgConnection) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("delete from idempotency_keys where created_at < now() - interval '24 hours'")
            .execute(conn)
            .await?
            .rows_affected(),
    )
}
