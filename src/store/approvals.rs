//! Approvals: who was asked to approve a request in which stage, and what they decided.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use super::codec::{at, maybe_at};
use crate::domain::approval::Decision;

#[derive(Debug, Clone)]
pub struct ApprovalRow {
    pub id: Uuid,
    pub request_id: Uuid,
    pub request: String,
    pub request_title: String,
    pub request_type: String,
    pub caller: String,
    pub stage: i16,
    pub stage_name: String,
    pub approver_id: Uuid,
    pub approver: String,
    pub decision: Decision,
    pub comment: Option<String>,
    pub asked_at: jiff::Timestamp,
    pub decided_at: Option<jiff::Timestamp>,
}

impl<'r> sqlx::FromRow<'r, PgRow> for ApprovalRow {
    fn from_row(row: &'r PgRow) -> sqlx::Result<Self> {
        Ok(ApprovalRow {
            id: row.try_get("id")?,
            request_id: row.try_get("request_id")?,
            request: row.try_get("request")?,
            request_title: row.try_get("request_title")?,
            request_type: row.try_get("request_type")?,
            caller: row.try_get("caller")?,
            stage: row.try_get("stage")?,
            stage_name: row.try_get("stage_name")?,
            approver_id: row.try_get("approver_id")?,
            approver: row.try_get("approver")?,
            decision: row.try_get("decision")?,
            comment: row.try_get("comment")?,
            asked_at: at(row, "asked_at")?,
            decided_at: maybe_at(row, "decided_at")?,
        })
    }
}

const SELECT: &str = "select p.id, p.request_id, r.number as request, r.title as request_title, t.key as request_type, \
     c.email as caller, p.stage, p.stage_name, p.approver_id, u.email as approver, p.decision, p.comment, \
     p.asked_at, p.decided_at \
     from approvals p join requests r on r.id = p.request_id join request_types t on t.id = r.request_type_id \
     join users c on c.id = r.caller_id join users u on u.id = p.approver_id";

/// Asks each of `approvers` in one stage of a request.
pub async fn ask(
    conn: &mut PgConnection,
    request_id: Uuid,
    stage: i16,
    stage_name: &str,
    approvers: &[Uuid],
) -> sqlx::Result<()> {
    let ids: Vec<Uuid> = approvers.iter().map(|_| Uuid::now_v7()).collect();
    sqlx::query(
        "insert into approvals (id, request_id, stage, stage_name, approver_id) \
         select a.id, $2, $3, $4, a.approver from unnest($1::uuid[], $5::uuid[]) as a(id, approver) \
         on conflict on constraint approvals_approver_key do nothing",
    )
    .bind(ids)
    .bind(request_id)
    .bind(stage)
    .bind(stage_name)
    .bind(approvers)
    .execute(conn)
    .await?;
    Ok(())
}

/// Every approval of a request, stage by stage, in the order asked.
pub async fn for_request(
    conn: &mut PgConnection,
    request_id: Uuid,
) -> sqlx::Result<Vec<ApprovalRow>> {
    sqlx::query_as(&format!(
        "{SELECT} where p.request_id = $1 order by p.stage, p.asked_at, u.email"
    ))
    .bind(request_id)
    .fetch_all(conn)
    .await
}

/// Whether `user` was asked to approve the request (in any stage).
pub async fn is_approver(
    conn: &mut PgConnection,
    request_id: Uuid,
    user: Uuid,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "select exists (select 1 from approvals where request_id = $1 and approver_id = $2)",
    )
    .bind(request_id)
    .bind(user)
    .fetch_one(conn)
    .await
}

/// Writes a decision on a pending approval; `false` when it is not pending (any more).
pub async fn decide(
    conn: &mut PgConnection,
    id: Uuid,
    decision: Decision,
    comment: Option<&str>,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update approvals set decision = $2, comment = $3, decided_at = now() \
         where id = $1 and decision = 'pending'",
    )
    .bind(id)
    .bind(decision)
    .bind(comment)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Withdraws what is still pending of a request (its stage was decided, or it was canceled).
pub async fn withdraw_pending(conn: &mut PgConnection, request_id: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "update approvals set decision = 'withdrawn', decided_at = now() \
         where request_id = $1 and decision = 'pending'",
    )
    .bind(request_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// An approver's approvals after `(asked_at, id)`, oldest first; only the pending ones unless
/// `all`; `limit + 1` rows at most.
pub async fn of_approver(
    conn: &mut PgConnection,
    approver: Uuid,
    all: bool,
    after: Option<(jiff::Timestamp, Uuid)>,
    limit: i64,
) -> sqlx::Result<Vec<ApprovalRow>> {
    let (at, id) = after.map_or((None, None), |(at, id)| {
        (Some(jiff_sqlx::Timestamp::from(at)), Some(id))
    });
    // Written out for each case, so each plan uses its own index.
    let pending = if all {
        ""
    } else {
        " and p.decision = 'pending'"
    };
    sqlx::query_as(&format!(
        "{SELECT} where p.approver_id = $1{pending} \
         and ($2::timestamptz is null or (p.asked_at, p.id) > ($2, $3)) \
         order by p.asked_at, p.id limit $4"
    ))
    .bind(approver)
    .bind(at)
    .bind(id)
    .bind(limit + 1)
    .fetch_all(conn)
    .await
}

/// How many approvals wait for `approver`'s decision.
pub async fn pending_count(conn: &mut PgConnection, approver: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "select count(*) from approvals where approver_id = $1 and decision = 'pending'",
    )
    .bind(approver)
    .fetch_one(conn)
    .await
}

/// The active members of a group, by its key.
pub async fn group_members(conn: &mut PgConnection, group: &str) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "select u.id from group_members m join groups g on g.id = m.group_id join users u on u.id = m.user_id \
         where g.key = $1 and u.active order by u.email",
    )
    .bind(group)
    .fetch_all(conn)
    .await
}

/// The active users behind these e-mail addresses.
pub async fn active_users(conn: &mut PgConnection, emails: &[String]) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar("select id from users where email = any($1) and active order by email")
        .bind(emails)
        .fetch_all(conn)
        .await
}
