//! The outbox: events recorded in the transaction of their cause, for notifications and
//! integrations to read.

use sqlx::PgConnection;
use uuid::Uuid;

/// Records an event for notifications, in the transaction of its cause.
pub async fn add_event(
    conn: &mut PgConnection,
    kind: &str,
    incident_id: Uuid,
    payload: serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query("insert into events (kind, incident_id, payload) values ($1, $2, $3)")
        .bind(kind)
        .bind(incident_id)
        .bind(payload)
        .execute(conn)
        .await?;
    Ok(())
}
