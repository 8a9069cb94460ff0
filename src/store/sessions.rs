//! Browser sessions (the `tower_sessions` table): only their upkeep lives here; the session
//! layer reads and writes them itself.

use sqlx::PgConnection;

/// Deletes sessions past their expiry.
pub async fn prune_expired(conn: &mut PgConnection) -> sqlx::Result<u64> {
    let done = sqlx::query("delete from tower_sessions.session where expiry_date < now()")
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
