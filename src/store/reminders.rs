//! Resolved incidents and fulfilled requests whose caller has not been reminded yet that the
//! record closes by itself: the reminder is a `system` journal entry after the resolution.

use sqlx::PgConnection;
use uuid::Uuid;

use super::codec::at;
use super::journal::Subject;

/// The body every reminder note begins with (`SystemNote::CloseReminder`).
pub const PREFIX: &str = "reminder: ";

/// A record waiting for its caller's word.
pub struct Waiting {
    pub subject: Subject,
    pub resolved_at: jiff::Timestamp,
    pub sla_policy_id: Option<Uuid>,
}

/// Locks up to `limit` resolved incidents (`requests`: fulfilled requests) resolved between
/// `after` and `before` that have no reminder since, the oldest first, skipping those another
/// process holds.
pub async fn lock_unreminded(
    conn: &mut PgConnection,
    requests: bool,
    after: jiff::Timestamp,
    before: jiff::Timestamp,
    limit: i64,
) -> sqlx::Result<Vec<Waiting>> {
    // Written out per kind, so each plan uses its kind's partial index.
    let sql = if requests {
        "select r.id, r.fulfilled_at as resolved_at, r.sla_policy_id from requests r \
         where r.state = 'fulfilled' and r.fulfilled_at >= $1 and r.fulfilled_at < $2 \
         and not exists (select 1 from journal_entries j where j.request_id = r.id and j.kind = 'system' \
                         and j.at >= r.fulfilled_at and starts_with(j.body, $4)) \
         order by r.fulfilled_at, r.id limit $3 for update of r skip locked"
    } else {
        "select i.id, i.resolved_at, i.sla_policy_id from incidents i \
         where i.state = 'resolved' and i.resolved_at >= $1 and i.resolved_at < $2 \
         and not exists (select 1 from journal_entries j where j.incident_id = i.id and j.kind = 'system' \
                         and j.at >= i.resolved_at and starts_with(j.body, $4)) \
         order by i.resolved_at, i.id limit $3 for update of i skip locked"
    };
    let rows = sqlx::query(sql)
        .bind(jiff_sqlx::Timestamp::from(after))
        .bind(jiff_sqlx::Timestamp::from(before))
        .bind(limit)
        .bind(PREFIX)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| {
            use sqlx::Row;
            let id: Uuid = row.try_get("id")?;
            Ok(Waiting {
                subject: if requests {
                    Subject::Request(id)
                } else {
                    Subject::Incident(id)
                },
                resolved_at: at(row, "resolved_at")?,
                sla_policy_id: row.try_get("sla_policy_id")?,
            })
        })
        .collect()
}
