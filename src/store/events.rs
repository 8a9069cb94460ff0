//! The outbox: events recorded in the transaction of their cause, for notifications and
//! integrations to read.

use sqlx::PgConnection;

use super::journal::Subject;

/// Records an event about an incident or a request for notifications, in the transaction of
/// its cause.
pub async fn add_event(
    conn: &mut PgConnection,
    kind: &str,
    subject: Subject,
    payload: serde_json::Value,
) -> sqlx::Result<()> {
    let (incident, request) = subject.record_columns();
    sqlx::query(
        "insert into events (kind, incident_id, request_id, payload) values ($1, $2, $3, $4)",
    )
    .bind(kind)
    .bind(incident)
    .bind(request)
    .bind(payload)
    .execute(conn)
    .await?;
    Ok(())
}
