//! Problem management's yield (`problem_yield` of docs/metrics.md): the problems whose
//! permanent fix fell in a period, the incidents linked to each, and how often incidents of the
//! same service and category came before the fix and after it.

use sqlx::PgConnection;

use super::insight_figures::Selection;

/// A problem fixed in the period.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FixedRow {
    pub number: String,
    pub title: String,
    pub fixed_at: jiff_sqlx::Timestamp,
    /// Incidents linked to it.
    pub linked: i64,
    /// Incidents of the same services and categories as its linked ones (those with both),
    /// opened in the compared days before the fix, and after it; canceled ones left out.
    pub before: i64,
    pub after: i64,
    /// The days compared on each side: `weeks` × 7, or fewer when the fix is more recent.
    pub days: f64,
}

/// The problems fixed (`fix_applied`) within the selection's period, most linked incidents
/// first (incidents of a confidential department the reader may not see are not counted), with the recurrence over `weeks` on each side (up to now). The selection's
/// department, group, service and priority apply to the problem; its category is not used.
/// Parameters as `insight_figures::FILTERS` ($4 … $10), on the problem.
pub async fn fixed(
    conn: &mut PgConnection,
    s: &Selection,
    weeks: i32,
) -> sqlx::Result<Vec<FixedRow>> {
    let sql = "with fixed as ( \
           select p.id, p.number, p.title, p.resolved_at, \
                  least(make_interval(days => $11 * 7), $3 - p.resolved_at) as span \
           from problems p \
           where p.resolution_code = 'fix_applied' and p.resolved_at >= $1 and p.resolved_at < $2 \
             and ($4::uuid is null or p.department_id = $4) \
             and ($5::uuid is null or p.assignment_group_id = $5) \
             and ($6::uuid is null or p.service_id = $6) \
             and ($7::smallint is null or p.priority = $7) \
             and ($8::text is null or true) /* the category filter does not apply to problems */ \
             and ($9::uuid[] is null or p.assignment_group_id = any($9)) \
             and (p.department_id is null or not p.department_id = any($10))), \
         pairs as ( \
           select distinct f.id, l.service_id, l.category \
           from fixed f join incidents l on l.problem_id = f.id \
           where l.service_id is not null and l.category is not null \
             and (l.department_id is null or not l.department_id = any($10))) \
         select f.number, f.title, f.resolved_at as fixed_at, \
                (select count(*) from incidents l where l.problem_id = f.id \
                   and (l.department_id is null or not l.department_id = any($10))) as linked, \
                coalesce((select count(*) from pairs q join insight_incidents n \
                            on n.service_id = q.service_id and n.category = q.category \
                           and n.opened_at >= f.resolved_at - f.span and n.opened_at < f.resolved_at \
                           and n.canceled_at is null \
                           and (n.department_id is null or not n.department_id = any($10)) \
                          where q.id = f.id), 0) as before, \
                coalesce((select count(*) from pairs q join insight_incidents n \
                            on n.service_id = q.service_id and n.category = q.category \
                           and n.opened_at >= f.resolved_at and n.opened_at < f.resolved_at + f.span \
                           and n.canceled_at is null \
                           and (n.department_id is null or not n.department_id = any($10)) \
                          where q.id = f.id), 0) as after, \
                extract(epoch from f.span)::float8 / 86400 as days \
         from fixed f order by linked desc, f.resolved_at, f.number";
    super::insight_figures::bind(sqlx::query_as(sql), s)
        .bind(weeks)
        .fetch_all(conn)
        .await
}

/// How many resolutions in the selection's period the fix of a problem made
/// (`solved_by_problem`), with the selection's filters on the place of the resolution.
pub async fn solved_by_problem(conn: &mut PgConnection, s: &Selection) -> sqlx::Result<i64> {
    let sql = format!(
        "select count(*) from insight_resolutions x \
         where x.resolved_at >= $1 and x.resolved_at < $2 and x.resolution_code = 'solved_by_problem' \
           and $3::timestamptz is not null and {} and {}",
        super::insight_figures::FILTERS,
        super::insight_figures::not_canceled("x")
    );
    let (n,): (i64,) = super::insight_figures::bind(sqlx::query_as(&sql), s)
        .fetch_one(conn)
        .await?;
    Ok(n)
}
