//! Incident lists: filters, sorts and keyset positions, built so PostgreSQL can use the
//! matching partial index (`push_filters`), and the plans `leitstand explain` shows.

use sqlx::{Connection, PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::incidents::{COLUMNS, FROM, JOINS, by_number_sql};
use super::search::{
    Slice, Tiers, as_tsquery, bitmap_plans_only, push_tsquery, week_start, within_weeks,
};
use crate::domain::incident::Incident;
use crate::domain::incident::IncidentState;

/// How a list is ordered; each order has a keyset position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Most recently changed first.
    UpdatedDesc,
    /// Most urgent first (priority 1 before 5), the longest waiting first within a priority.
    Priority,
    /// Oldest first.
    OpenedAsc,
    /// Best text match first (only with a search).
    Relevance,
    /// The resolution target that runs out first, first (incidents with a target only).
    BreachesNext,
}

/// Where the previous page ended, in the terms of its sort.
#[derive(Debug, Clone, PartialEq)]
pub enum Position {
    Time(jiff::Timestamp, Uuid),
    Priority(i16, jiff::Timestamp, Uuid),
    Rank(f32, Uuid),
    /// Breaches next: whether the clock stood still, the resolution due date, the id.
    Due(bool, jiff::Timestamp, Uuid),
}

/// The filters of a list; every present filter narrows it.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub states: Vec<IncidentState>,
    pub priority: Option<i16>,
    pub assignment_group_id: Option<Uuid>,
    /// Any of these groups ("my groups").
    pub assignment_groups: Option<Vec<Uuid>>,
    /// `Some(None)`: unassigned incidents only.
    pub assignee_id: Option<Option<Uuid>>,
    pub service_id: Option<Uuid>,
    pub problem_id: Option<Uuid>,
    pub sla: Option<SlaFilter>,
    pub text: Option<String>,
    pub updated_since: Option<jiff::Timestamp>,
    /// Only the incidents of this caller (a caller's read scope).
    pub caller_id: Option<Uuid>,
    /// Only the incidents of this caller (asked for: `?caller=`).
    pub of_caller: Option<Uuid>,
    /// Not the incidents of these (confidential) departments, unless `reader` is their caller.
    pub hidden_departments: Vec<Uuid>,
    /// The reader, for `hidden_departments`.
    pub reader: Option<Uuid>,
    /// Only the incident with this number (typed into the search).
    pub number: Option<String>,
}

/// Incidents by where they stand against their service level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaFilter {
    /// Open, marked at risk, not yet breached.
    AtRisk,
    /// A response or resolution target was breached.
    Breached,
}

/// One row of a list with the values its keyset position is made of.
pub struct ListRow {
    pub incident: Incident,
    pub rank: f32,
}

/// How many of the most recent matches a relevance search ranks.
pub const SEARCH_CANDIDATES: i64 = 200;

/// One page of incidents (`limit + 1` rows at most). Built with only the filters present and
/// the open states written as literals, so PostgreSQL can choose the matching partial index.
pub async fn list(
    conn: &mut PgConnection,
    filter: &Filter,
    sort: Sort,
    after: Option<&Position>,
    limit: i64,
) -> sqlx::Result<Vec<ListRow>> {
    let filter = prepared(&mut *conn, filter).await?;
    let tiers = Tiers::now();
    let mut q = list_query("", &filter, sort, after, limit, &tiers);
    let rows: Vec<IncidentRowWithRank> = if tiered(&filter, sort) {
        let mut tx = conn.begin().await?;
        bitmap_plans_only(&mut tx).await?;
        let rows = q.build_query_as().fetch_all(&mut *tx).await?;
        tx.commit().await?;
        rows
    } else {
        q.build_query_as().fetch_all(conn).await?
    };
    rows.into_iter()
        .map(|row| {
            Ok(ListRow {
                rank: row.rank,
                incident: row.incident,
            })
        })
        .collect()
}

/// The plan of reading one incident by its number (`EXPLAIN (ANALYZE, BUFFERS)`).
pub async fn explain_find_by_number(
    conn: &mut PgConnection,
    number: &str,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(&by_number_sql("explain (analyze, buffers) "))
        .bind(number)
        .fetch_all(conn)
        .await
}

/// The plan PostgreSQL chooses for a list query (`EXPLAIN (ANALYZE, BUFFERS)`), one line
/// per row; for checking that every list runs on an index.
pub async fn explain_list(
    conn: &mut PgConnection,
    filter: &Filter,
    sort: Sort,
    after: Option<&Position>,
    limit: i64,
) -> sqlx::Result<Vec<String>> {
    let filter = prepared(&mut *conn, filter).await?;
    let tiers = Tiers::now();
    let mut q = list_query(
        "explain (analyze, buffers) ",
        &filter,
        sort,
        after,
        limit,
        &tiers,
    );
    if tiered(&filter, sort) {
        let mut tx = conn.begin().await?;
        bitmap_plans_only(&mut tx).await?;
        let lines = q.build_query_scalar().fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(lines)
    } else {
        q.build_query_scalar().fetch_all(conn).await
    }
}

/// The list query: only the filters present, then the keyset position, order and limit.
/// `filter.text` is a tsquery here (see `prepared`).
pub(crate) fn list_query<'a>(
    prefix: &str,
    filter: &'a Filter,
    sort: Sort,
    after: Option<&'a Position>,
    limit: i64,
    tiers: &Tiers,
) -> QueryBuilder<'a, Postgres> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!("{prefix}select {COLUMNS}, "));
    // Relevance: the best matches among the most recent `SEARCH_CANDIDATES` matches, so a
    // common word costs the same as a rare one. Only the page's rows are joined.
    if let (Some(text), Sort::Relevance) = (&filter.text, sort) {
        q.push("r.rank from (select i.id, ts_rank(i.doc_vector || i.comments_vector, ");
        push_tsquery(&mut q, text);
        q.push(")::real as rank from (");
        push_tiered_matches(&mut q, filter, text, None, SEARCH_CANDIDATES, tiers);
        q.push(") c join incidents i on i.id = c.id");
        if let Some(Position::Rank(rank, id)) = after {
            q.push(" where (ts_rank(i.doc_vector || i.comments_vector, ");
            push_tsquery(&mut q, text);
            q.push(")::real, i.id) < (")
                .push_bind(*rank)
                .push(", ")
                .push_bind(*id)
                .push(")");
        }
        q.push(" order by rank desc, i.id desc limit ")
            .push_bind(limit + 1);
        q.push(") r join incidents i on i.id = r.id")
            .push(JOINS)
            .push(" order by r.rank desc, i.id desc");
        return q;
    }
    if let (Some(text), true) = (&filter.text, tiered(filter, sort)) {
        // Newest first: the page's rows from the tiers, then joined.
        let position = match after {
            Some(Position::Time(at, id)) => Some((*at, *id)),
            _ => None,
        };
        q.push("0::real as rank from (");
        push_tiered_matches(&mut q, filter, text, position, limit + 1, tiers);
        q.push(") c join incidents i on i.id = c.id")
            .push(JOINS)
            .push(" order by i.updated_at desc, i.id desc");
        return q;
    }
    {
        q.push("0::real as rank")
            .push(FROM)
            .push(JOINS)
            .push(" where true");
        push_filters(&mut q, filter);
    }
    if sort == Sort::BreachesNext {
        q.push(" and i.resolution_due is not null");
    }
    match after {
        Some(Position::Time(at, id)) if sort == Sort::UpdatedDesc => {
            q.push(" and (i.updated_at, i.id) < (")
                .push_bind(jiff_sqlx::Timestamp::from(*at))
                .push(", ")
                .push_bind(*id)
                .push(")");
        }
        Some(Position::Due(paused, at, id)) => {
            q.push(" and (i.sla_paused_since is not null, i.resolution_due, i.id) > (")
                .push_bind(*paused)
                .push(", ")
                .push_bind(jiff_sqlx::Timestamp::from(*at))
                .push(", ")
                .push_bind(*id)
                .push(")");
        }
        Some(Position::Time(at, id)) => {
            q.push(" and (i.opened_at, i.id) > (")
                .push_bind(jiff_sqlx::Timestamp::from(*at))
                .push(", ")
                .push_bind(*id)
                .push(")");
        }
        Some(Position::Priority(priority, at, id)) => {
            q.push(" and (i.priority, i.opened_at, i.id) > (")
                .push_bind(*priority)
                .push(", ")
                .push_bind(jiff_sqlx::Timestamp::from(*at))
                .push(", ")
                .push_bind(*id)
                .push(")");
        }
        Some(Position::Rank(rank, id)) => {
            q.push(" and (r.rank, i.id) < (")
                .push_bind(*rank)
                .push(", ")
                .push_bind(*id)
                .push(")");
        }
        None => {}
    }
    q.push(match sort {
        Sort::Relevance if filter.text.is_some() => " order by r.rank desc, i.id desc",
        Sort::UpdatedDesc | Sort::Relevance => " order by i.updated_at desc, i.id desc",
        Sort::Priority => " order by i.priority, i.opened_at, i.id",
        Sort::OpenedAsc => " order by i.opened_at, i.id",
        // Running clocks first, by the breach that comes next; stopped clocks after them. The
        // expressions of `incidents_breaches_next_idx` and `incidents_open_breaches_next_idx`.
        Sort::BreachesNext => " order by (i.sla_paused_since is not null), i.resolution_due, i.id",
    });
    q.push(" limit ").push_bind(limit + 1);
    q
}

/// The `and …` conditions of the filters that are present.
pub(crate) fn push_filters(q: &mut QueryBuilder<Postgres>, filter: &Filter) {
    if !filter.states.is_empty() {
        // Literal enum values (never user text), so partial indexes on the open states apply.
        let states: Vec<String> = filter
            .states
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        q.push(format!(" and i.state in ({})", states.join(", ")));
    }
    if let Some(priority) = filter.priority {
        q.push(" and i.priority = ").push_bind(priority);
    }
    if let Some(group) = filter.assignment_group_id {
        q.push(" and i.assignment_group_id = ").push_bind(group);
    }
    if let Some(groups) = &filter.assignment_groups {
        q.push(" and i.assignment_group_id = any(")
            .push_bind(groups.clone())
            .push(")");
    }
    match filter.assignee_id {
        Some(Some(user)) => {
            q.push(" and i.assignee_id = ").push_bind(user);
        }
        Some(None) => {
            q.push(" and i.assignee_id is null");
        }
        None => {}
    }
    if let Some(number) = &filter.number {
        q.push(" and i.number = ").push_bind(number.clone());
    }
    if let Some(caller) = filter.caller_id {
        q.push(" and i.caller_id = ").push_bind(caller);
    }
    if let Some(caller) = filter.of_caller {
        q.push(" and i.caller_id = ").push_bind(caller);
    }
    if !filter.hidden_departments.is_empty() {
        q.push(" and (i.department_id is null or i.department_id <> all(")
            .push_bind(filter.hidden_departments.clone())
            .push(") or i.caller_id is not distinct from ")
            .push_bind(filter.reader)
            .push(")");
    }
    if let Some(service) = filter.service_id {
        q.push(" and i.service_id = ").push_bind(service);
    }
    if let Some(problem) = filter.problem_id {
        q.push(" and i.problem_id = ").push_bind(problem);
    }
    match filter.sla {
        Some(SlaFilter::AtRisk) => {
            q.push(
                " and i.sla_at_risk_at is not null and i.sla_resolution_breached_at is null \
                 and i.state in ('new', 'in_progress', 'on_hold')",
            );
        }
        Some(SlaFilter::Breached) => {
            q.push(" and (i.sla_response_breached_at is not null or i.sla_resolution_breached_at is not null)");
        }
        None => {}
    }
    if let Some(since) = filter.updated_since {
        q.push(" and i.updated_at >= ")
            .push_bind(jiff_sqlx::Timestamp::from(since));
    }
    if let Some(text) = &filter.text {
        // The expression of `incidents_search_idx` (migration 9): the text and the week tag.
        q.push(" and (i.doc_vector || i.comments_vector || leitstand_week_tag(i.updated_at)) @@ ");
        push_tsquery(q, text);
    }
}

/// The filter with its search text turned into a tsquery.
pub(crate) async fn prepared(conn: &mut PgConnection, filter: &Filter) -> sqlx::Result<Filter> {
    let mut prepared = filter.clone();
    if let Some(text) = &filter.text {
        prepared.text = Some(as_tsquery(conn, text).await?);
    }
    Ok(prepared)
}

#[derive(sqlx::FromRow)]
pub(crate) struct IncidentRowWithRank {
    #[sqlx(flatten)]
    incident: Incident,
    rank: f32,
}

/// Text searches newest first (and the candidates of relevance searches) read their matches
/// from the GIN index in time slices, newest slice first, and stop as soon as they have enough:
/// a common word is answered from the last week, a rare one from all the years, and neither
/// reads more rows than it returns plus the slice's other matches.
pub(crate) fn tiered(filter: &Filter, sort: Sort) -> bool {
    filter.text.is_some() && matches!(sort, Sort::Relevance | Sort::UpdatedDesc)
}

/// `select id, updated_at from (slice 1 union all slice 2 ...) limit n`, newest slice first.
pub(crate) fn push_tiered_matches<'a>(
    q: &mut QueryBuilder<'a, Postgres>,
    filter: &'a Filter,
    text: &str,
    after: Option<(jiff::Timestamp, Uuid)>,
    limit: i64,
    tiers: &Tiers,
) {
    q.push("select t.id, t.updated_at from (");
    for (n, slice) in tiers.slices.iter().enumerate() {
        if n > 0 {
            q.push(" union all ");
        }
        q.push("(select i.id, i.updated_at from incidents i where true");
        match *slice {
            Slice::Weeks(first, last) => {
                let sliced = Filter {
                    text: Some(within_weeks(text, first, last)),
                    ..filter.clone()
                };
                push_filters(q, &sliced);
            }
            Slice::Before(week) => {
                push_filters(q, filter);
                q.push(" and i.updated_at < ").push_bind(week_start(week));
            }
        }
        if let Some((at, id)) = after {
            q.push(" and (i.updated_at, i.id) < (")
                .push_bind(jiff_sqlx::Timestamp::from(at))
                .push(", ")
                .push_bind(id)
                .push(")");
        }
        q.push(" order by i.updated_at desc, i.id desc limit ")
            .push_bind(limit)
            .push(")");
    }
    q.push(") t limit ").push_bind(limit);
}
