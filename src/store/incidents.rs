//! Incidents: reading, writing (with the optimistic `version`), and the queue queries.

use sqlx::{Connection, PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::domain::incident::{HoldReason, IncidentState, Level, ResolutionCode};

/// An incident as stored, with the keys and e-mails of what it points at.
#[derive(Debug, Clone)]
pub struct Incident {
    pub id: Uuid,
    pub number: String,
    pub title: String,
    pub description: String,
    pub state: IncidentState,
    pub hold_reason: Option<HoldReason>,
    pub impact: Level,
    pub urgency: Level,
    pub priority: i16,
    pub caller_email: Option<String>,
    pub caller_id: Option<Uuid>,
    pub service_id: Option<Uuid>,
    pub service: Option<String>,
    pub category: Option<String>,
    pub assignment_group_id: Option<Uuid>,
    pub assignment_group: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub assignee: Option<String>,
    pub parent_id: Option<Uuid>,
    pub parent: Option<String>,
    pub problem_id: Option<Uuid>,
    pub problem: Option<String>,
    pub major: bool,
    pub resolution_code: Option<ResolutionCode>,
    pub resolution_notes: Option<String>,
    pub response_due: Option<jiff::Timestamp>,
    pub resolution_due: Option<jiff::Timestamp>,
    pub responded_at: Option<jiff::Timestamp>,
    pub sla_policy_id: Option<Uuid>,
    /// Business seconds the resolution clock stood still so far.
    pub sla_paused_seconds: i64,
    /// Since when the resolution clock stands still (on a pausing hold, or resolved).
    pub sla_paused_since: Option<jiff::Timestamp>,
    /// When the resolution target will be `at_risk_percent` used up.
    pub sla_at_risk_due: Option<jiff::Timestamp>,
    pub sla_at_risk_at: Option<jiff::Timestamp>,
    pub sla_response_breached_at: Option<jiff::Timestamp>,
    pub sla_resolution_breached_at: Option<jiff::Timestamp>,
    pub sla_next_check: Option<jiff::Timestamp>,
    pub reassignment_count: i32,
    pub opened_by: String,
    pub opened_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    pub resolved_at: Option<jiff::Timestamp>,
    pub closed_at: Option<jiff::Timestamp>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct IncidentRow {
    id: Uuid,
    number: String,
    title: String,
    description: String,
    state: String,
    hold_reason: Option<String>,
    impact: String,
    urgency: String,
    priority: i16,
    caller_email: Option<String>,
    caller_id: Option<Uuid>,
    service_id: Option<Uuid>,
    service: Option<String>,
    category: Option<String>,
    assignment_group_id: Option<Uuid>,
    assignment_group: Option<String>,
    assignee_id: Option<Uuid>,
    assignee: Option<String>,
    parent_id: Option<Uuid>,
    parent: Option<String>,
    problem_id: Option<Uuid>,
    problem: Option<String>,
    major: bool,
    resolution_code: Option<String>,
    resolution_notes: Option<String>,
    response_due: Option<jiff_sqlx::Timestamp>,
    resolution_due: Option<jiff_sqlx::Timestamp>,
    responded_at: Option<jiff_sqlx::Timestamp>,
    sla_policy_id: Option<Uuid>,
    sla_paused_seconds: i64,
    sla_paused_since: Option<jiff_sqlx::Timestamp>,
    sla_at_risk_due: Option<jiff_sqlx::Timestamp>,
    sla_at_risk_at: Option<jiff_sqlx::Timestamp>,
    sla_response_breached_at: Option<jiff_sqlx::Timestamp>,
    sla_resolution_breached_at: Option<jiff_sqlx::Timestamp>,
    sla_next_check: Option<jiff_sqlx::Timestamp>,
    reassignment_count: i32,
    opened_by: String,
    opened_at: jiff_sqlx::Timestamp,
    updated_at: jiff_sqlx::Timestamp,
    resolved_at: Option<jiff_sqlx::Timestamp>,
    closed_at: Option<jiff_sqlx::Timestamp>,
    version: i64,
}

fn decode<T>(what: &str, value: &str, parsed: Result<T, &'static str>) -> sqlx::Result<T> {
    parsed.map_err(|_| sqlx::Error::Decode(format!("bad {what} {value:?} in incidents").into()))
}

impl TryFrom<IncidentRow> for Incident {
    type Error = sqlx::Error;

    fn try_from(row: IncidentRow) -> sqlx::Result<Self> {
        let ts = |t: Option<jiff_sqlx::Timestamp>| t.map(jiff_sqlx::Timestamp::to_jiff);
        Ok(Incident {
            state: decode("state", &row.state, IncidentState::parse(&row.state))?,
            hold_reason: row
                .hold_reason
                .as_deref()
                .map(|h| decode("hold_reason", h, HoldReason::parse(h)))
                .transpose()?,
            impact: decode("impact", &row.impact, Level::parse(&row.impact))?,
            urgency: decode("urgency", &row.urgency, Level::parse(&row.urgency))?,
            resolution_code: row
                .resolution_code
                .as_deref()
                .map(|r| decode("resolution_code", r, ResolutionCode::parse(r)))
                .transpose()?,
            id: row.id,
            number: row.number,
            title: row.title,
            description: row.description,
            priority: row.priority,
            caller_email: row.caller_email,
            caller_id: row.caller_id,
            service_id: row.service_id,
            service: row.service,
            category: row.category,
            assignment_group_id: row.assignment_group_id,
            assignment_group: row.assignment_group,
            assignee_id: row.assignee_id,
            assignee: row.assignee,
            parent_id: row.parent_id,
            parent: row.parent,
            problem_id: row.problem_id,
            problem: row.problem,
            major: row.major,
            resolution_notes: row.resolution_notes,
            response_due: ts(row.response_due),
            resolution_due: ts(row.resolution_due),
            responded_at: ts(row.responded_at),
            sla_policy_id: row.sla_policy_id,
            sla_paused_seconds: row.sla_paused_seconds,
            sla_paused_since: ts(row.sla_paused_since),
            sla_at_risk_due: ts(row.sla_at_risk_due),
            sla_at_risk_at: ts(row.sla_at_risk_at),
            sla_response_breached_at: ts(row.sla_response_breached_at),
            sla_resolution_breached_at: ts(row.sla_resolution_breached_at),
            sla_next_check: ts(row.sla_next_check),
            reassignment_count: row.reassignment_count,
            opened_by: row.opened_by,
            opened_at: row.opened_at.to_jiff(),
            updated_at: row.updated_at.to_jiff(),
            resolved_at: ts(row.resolved_at),
            closed_at: ts(row.closed_at),
            version: row.version,
        })
    }
}

const COLUMNS: &str = "i.id, i.number, i.title, i.description, i.state, i.hold_reason, i.impact, i.urgency, \
     i.priority, i.caller_email, i.caller_id, i.service_id, s.key as service, i.category, \
     i.assignment_group_id, g.key as assignment_group, i.assignee_id, a.email as assignee, \
     i.parent_id, p.number as parent, i.problem_id, pr.number as problem, i.major, i.resolution_code, i.resolution_notes, \
     i.response_due, i.resolution_due, i.responded_at, i.sla_policy_id, i.sla_paused_seconds, i.sla_paused_since, i.sla_at_risk_due, i.sla_at_risk_at, \
     i.sla_response_breached_at, i.sla_resolution_breached_at, i.sla_next_check, i.reassignment_count, o.email as opened_by, \
     i.opened_at, i.updated_at, i.resolved_at, i.closed_at, i.version";

const FROM: &str = " from incidents i";

/// What every incident row shows besides its own columns.
const JOINS: &str = " \
     left join services s on s.id = i.service_id \
     left join groups g on g.id = i.assignment_group_id \
     left join users a on a.id = i.assignee_id \
     left join incidents p on p.id = i.parent_id \
     left join problems pr on pr.id = i.problem_id \
     join users o on o.id = i.opened_by_id";

/// The fields of a new incident.
pub struct NewIncident<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub impact: Level,
    pub urgency: Level,
    pub priority: i16,
    pub caller_email: Option<&'a str>,
    pub caller_id: Option<Uuid>,
    pub service_id: Option<Uuid>,
    pub category: Option<&'a str>,
    pub assignment_group_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub major: bool,
    pub opened_by_id: Uuid,
    pub opened_at: jiff::Timestamp,
    /// The service level's clock, computed before the insert so the row is written once.
    pub sla: Option<NewClock>,
}

/// A new incident's service level: its policy and due dates.
#[derive(Debug, Clone, Copy)]
pub struct NewClock {
    pub policy_id: Uuid,
    pub response_due: Option<jiff::Timestamp>,
    pub resolution_due: Option<jiff::Timestamp>,
    pub at_risk_due: Option<jiff::Timestamp>,
    pub next_check: Option<jiff::Timestamp>,
}

/// Inserts the incident and reads it back with its references, in one round trip.
pub async fn insert(conn: &mut PgConnection, new: &NewIncident<'_>) -> sqlx::Result<Incident> {
    let id = Uuid::now_v7();
    let row: IncidentRow = sqlx::query_as(&format!(
        "with i as (insert into incidents (id, title, description, impact, urgency, priority, caller_email, caller_id, \
         service_id, category, assignment_group_id, assignee_id, parent_id, major, opened_by_id, opened_at, updated_at, \
         sla_policy_id, response_due, resolution_due, sla_at_risk_due, sla_next_check) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17, $18, $19, $20, $21) \
         returning *) \
         select {COLUMNS} from i{JOINS}"
    ))
    .bind(id)
    .bind(new.title)
    .bind(new.description)
    .bind(new.impact.as_str())
    .bind(new.urgency.as_str())
    .bind(new.priority)
    .bind(new.caller_email)
    .bind(new.caller_id)
    .bind(new.service_id)
    .bind(new.category)
    .bind(new.assignment_group_id)
    .bind(new.assignee_id)
    .bind(new.parent_id)
    .bind(new.major)
    .bind(new.opened_by_id)
    .bind(jiff_sqlx::Timestamp::from(new.opened_at))
    .bind(new.sla.map(|c| c.policy_id))
    .bind(new.sla.and_then(|c| c.response_due).map(jiff_sqlx::Timestamp::from))
    .bind(new.sla.and_then(|c| c.resolution_due).map(jiff_sqlx::Timestamp::from))
    .bind(new.sla.and_then(|c| c.at_risk_due).map(jiff_sqlx::Timestamp::from))
    .bind(new.sla.and_then(|c| c.next_check).map(jiff_sqlx::Timestamp::from))
    .fetch_one(conn)
    .await?;
    Incident::try_from(row)
}

pub async fn find_by_number(
    conn: &mut PgConnection,
    number: &str,
) -> sqlx::Result<Option<Incident>> {
    let row: Option<IncidentRow> = sqlx::query_as(&by_number_sql(""))
        .bind(number)
        .fetch_optional(conn)
        .await?;
    row.map(Incident::try_from).transpose()
}

pub async fn find_by_id(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<Incident>> {
    let row: Option<IncidentRow> =
        sqlx::query_as(&format!("select {COLUMNS}{FROM}{JOINS} where i.id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await?;
    row.map(Incident::try_from).transpose()
}

/// Locks the incident's row until the transaction ends, so two writers take turns.
pub async fn lock_by_number(
    conn: &mut PgConnection,
    number: &str,
) -> sqlx::Result<Option<Incident>> {
    let id: Option<Uuid> =
        sqlx::query_scalar("select id from incidents where number = $1 for update")
            .bind(number)
            .fetch_optional(&mut *conn)
            .await?;
    match id {
        Some(id) => find_by_id(conn, id).await,
        None => Ok(None),
    }
}

/// Writes `incident` back over version `expected`, bumping the version. `false` when the
/// stored version is no longer `expected`.
pub async fn update(
    conn: &mut PgConnection,
    incident: &Incident,
    expected: i64,
) -> sqlx::Result<bool> {
    let ts = |t: Option<jiff::Timestamp>| t.map(jiff_sqlx::Timestamp::from);
    let done = sqlx::query(
        "update incidents set title = $2, description = $3, state = $4, hold_reason = $5, impact = $6, \
         urgency = $7, priority = $8, caller_email = $9, caller_id = $10, service_id = $11, category = $12, \
         assignment_group_id = $13, assignee_id = $14, parent_id = $15, major = $16, resolution_code = $17, \
         resolution_notes = $18, responded_at = $19, reassignment_count = $20, resolved_at = $21, \
         closed_at = $22, updated_at = now(), version = version + 1 \
         where id = $1 and version = $23",
    )
    .bind(incident.id)
    .bind(&incident.title)
    .bind(&incident.description)
    .bind(incident.state.as_str())
    .bind(incident.hold_reason.map(HoldReason::as_str))
    .bind(incident.impact.as_str())
    .bind(incident.urgency.as_str())
    .bind(incident.priority)
    .bind(&incident.caller_email)
    .bind(incident.caller_id)
    .bind(incident.service_id)
    .bind(&incident.category)
    .bind(incident.assignment_group_id)
    .bind(incident.assignee_id)
    .bind(incident.parent_id)
    .bind(incident.major)
    .bind(incident.resolution_code.map(ResolutionCode::as_str))
    .bind(&incident.resolution_notes)
    .bind(ts(incident.responded_at))
    .bind(incident.reassignment_count)
    .bind(ts(incident.resolved_at))
    .bind(ts(incident.closed_at))
    .bind(expected)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the incident active after a comment, adding a public comment's words (`body`) to
/// the search index; work notes (`None`) stay out of it, since every reader searches it.
pub async fn index_comment(
    conn: &mut PgConnection,
    id: Uuid,
    body: Option<&str>,
    responded: bool,
) -> sqlx::Result<()> {
    sqlx::query(
        "update incidents set comments_vector = case when $2::text is null then comments_vector \
         else comments_vector || leitstand_tsvector('C', $2) end, \
         updated_at = now(), responded_at = case when $3 then coalesce(responded_at, now()) else responded_at end \
         where id = $1",
    )
    .bind(id)
    .bind(body)
    .bind(responded)
    .execute(conn)
    .await?;
    Ok(())
}

/// Numbers and titles of the incidents whose parent is `id`.
pub async fn children(
    conn: &mut PgConnection,
    id: Uuid,
) -> sqlx::Result<Vec<(String, String, String)>> {
    sqlx::query_as(
        "select number, title, state from incidents where parent_id = $1 order by number",
    )
    .bind(id)
    .fetch_all(conn)
    .await
}

pub async fn has_children(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar("select exists (select 1 from incidents where parent_id = $1)")
        .bind(id)
        .fetch_one(conn)
        .await
}

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
                incident: Incident::try_from(row.incident)?,
            })
        })
        .collect()
}

fn by_number_sql(prefix: &str) -> String {
    format!("{prefix}select {COLUMNS}{FROM}{JOINS} where i.number = $1")
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

/// Text searches newest first (and the candidates of relevance searches) read their matches
/// from the GIN index in time slices, newest slice first, and stop as soon as they have enough:
/// a common word is answered from the last week, a rare one from all the years, and neither
/// reads more rows than it returns plus the slice's other matches.
fn tiered(filter: &Filter, sort: Sort) -> bool {
    filter.text.is_some() && matches!(sort, Sort::Relevance | Sort::UpdatedDesc)
}

/// The time slices of a text search, in weeks of `leitstand_week_tag` (migration 9), newest
/// first: this week, the last, the 8 weeks before, the rest of the year, and all older. A
/// slice reads all its matches (to take the newest), so the first ones are short.
pub struct Tiers {
    slices: Vec<Slice>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slice {
    /// Updated in these weeks (first, last), named in the tsquery.
    Weeks(i64, i64),
    /// Updated before this week began.
    Before(i64),
}

/// Seconds in the weeks of `leitstand_week_tag` (migration 9).
const WEEK_SECONDS: i64 = 604_800;

impl Tiers {
    pub fn now() -> Self {
        Self::at(jiff::Timestamp::now())
    }

    fn at(now: jiff::Timestamp) -> Self {
        let week = now.as_second().div_euclid(WEEK_SECONDS);
        Self {
            slices: vec![
                Slice::Weeks(week, week),
                Slice::Weeks(week - 1, week - 1),
                Slice::Weeks(week - 9, week - 2),
                Slice::Weeks(week - 52, week - 10),
                Slice::Before(week - 52),
            ],
        }
    }
}

/// The tsquery of a text search restricted to the weeks `first..=last`: GIN then walks the
/// few weeks' entries and skips through the words' long lists. The tag names the week exactly,
/// so the slices need no other time condition. Empty text stays empty (it matches nothing).
fn within_weeks(tsquery: &str, first: i64, last: i64) -> String {
    if tsquery.trim().is_empty() {
        return tsquery.to_owned();
    }
    let weeks: Vec<String> = (first..=last).map(|w| format!("'~w{w}'")).collect();
    format!("({tsquery}) & ({})", weeks.join(" | "))
}

/// Plans for the tiered query that only use bitmap scans from the search index, and the
/// slices run in order (no parallel append), so the limit stops the older ones. The older
/// slices' estimates are high, and JIT compiling for them would cost more than the search
/// (~40 ms).
async fn bitmap_plans_only(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query(
        "select set_config('enable_indexscan', 'off', true), set_config('enable_seqscan', 'off', true), \
         set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true)",
    )
    .execute(conn)
    .await
    .map(|_| ())
}

/// `select id, updated_at from (slice 1 union all slice 2 ...) limit n`, newest slice first.
fn push_tiered_matches<'a>(
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

fn week_start(week: i64) -> jiff_sqlx::Timestamp {
    jiff_sqlx::Timestamp::from(
        jiff::Timestamp::from_second(week * WEEK_SECONDS).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
    )
}

/// The list query: only the filters present, then the keyset position, order and limit.
/// `filter.text` is a tsquery here (see `prepared`).
fn list_query<'a>(
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
fn push_filters(q: &mut QueryBuilder<Postgres>, filter: &Filter) {
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

/// Binds a tsquery given as text (see `as_tsquery`).
fn push_tsquery(q: &mut QueryBuilder<Postgres>, tsquery: &str) {
    q.push("(").push_bind(tsquery.to_owned()).push("::tsquery)");
}

/// What a person typed as a tsquery matching German or English word forms, as text. Bound as
/// a constant, it lets the planner estimate from the index's statistics how many rows match,
/// and so choose the GIN index for rare words and the recency index for common ones.
pub async fn as_tsquery(conn: &mut PgConnection, text: &str) -> sqlx::Result<String> {
    sqlx::query_scalar(
        "select (websearch_to_tsquery('german', $1) || websearch_to_tsquery('english', $1))::text",
    )
    .bind(text)
    .fetch_one(conn)
    .await
}

/// The filter with its search text turned into a tsquery.
async fn prepared(conn: &mut PgConnection, filter: &Filter) -> sqlx::Result<Filter> {
    let mut prepared = filter.clone();
    if let Some(text) = &filter.text {
        prepared.text = Some(as_tsquery(conn, text).await?);
    }
    Ok(prepared)
}

#[derive(sqlx::FromRow)]
struct IncidentRowWithRank {
    #[sqlx(flatten)]
    incident: IncidentRow,
    rank: f32,
}

/// Links the incident to a problem (or unlinks it with `None`): a change like any other, so
/// the version moves on.
pub async fn set_problem(
    conn: &mut PgConnection,
    id: Uuid,
    problem_id: Option<Uuid>,
) -> sqlx::Result<()> {
    sqlx::query("update incidents set problem_id = $2, updated_at = now(), version = version + 1 where id = $1")
        .bind(id)
        .bind(problem_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Locks and returns the incidents linked to a problem, those waiting for it first.
pub async fn lock_linked(conn: &mut PgConnection, problem_id: Uuid) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "select id from incidents where problem_id = $1 \
         order by (hold_reason = 'awaiting_problem') desc nulls last, opened_at, id for update",
    )
    .bind(problem_id)
    .fetch_all(conn)
    .await
}

/// Any word of `text` as a tsquery (German or English forms): for finding known errors that
/// share words with an incident, best match first.
pub async fn as_any_word_tsquery(conn: &mut PgConnection, text: &str) -> sqlx::Result<String> {
    sqlx::query_scalar(
        "select coalesce(nullif(replace((plainto_tsquery('german', $1) || plainto_tsquery('english', $1))::text, \
         ' & ', ' | '), ''), '')",
    )
    .bind(text)
    .fetch_one(conn)
    .await
}

/// The columns `recent_unlinked` reads: id, number, service id and key, title, state, opened.
type CandidateColumns = (
    Uuid,
    String,
    Option<Uuid>,
    Option<String>,
    String,
    String,
    jiff_sqlx::Timestamp,
);

/// An incident as problem candidates see it.
#[derive(Debug, Clone)]
pub struct CandidateRow {
    pub id: Uuid,
    pub number: String,
    pub service_id: Option<Uuid>,
    pub service: Option<String>,
    pub title: String,
    pub state: IncidentState,
    pub opened_at: jiff_sqlx::Timestamp,
}

/// Incidents opened since `since`, not linked to a problem and not canceled: walks
/// `incidents_opened_idx` over the window only.
pub async fn recent_unlinked(
    conn: &mut PgConnection,
    since: jiff::Timestamp,
    limit: i64,
) -> sqlx::Result<Vec<CandidateRow>> {
    let rows: Vec<CandidateColumns> = sqlx::query_as(
        "select i.id, i.number, i.service_id, s.key as service, i.title, i.state, i.opened_at \
         from incidents i left join services s on s.id = i.service_id \
         where i.opened_at >= $1 and i.problem_id is null and i.state <> 'canceled' \
         order by i.opened_at desc, i.id desc limit $2",
    )
    .bind(jiff_sqlx::Timestamp::from(since))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(
            |(id, number, service_id, service, title, state, opened_at)| {
                Ok(CandidateRow {
                    state: decode("state", &state, IncidentState::parse(&state))?,
                    id,
                    number,
                    service_id,
                    service,
                    title,
                    opened_at,
                })
            },
        )
        .collect()
}

/// Writes the service-level clock of an incident (its policy, due dates and pauses).
pub async fn set_sla(conn: &mut PgConnection, incident: &Incident) -> sqlx::Result<()> {
    let ts = |t: Option<jiff::Timestamp>| t.map(jiff_sqlx::Timestamp::from);
    sqlx::query(
        "update incidents set sla_policy_id = $2, response_due = $3, resolution_due = $4, \
         sla_paused_seconds = $5, sla_paused_since = $6, sla_at_risk_due = $7, sla_at_risk_at = $8, \
         sla_response_breached_at = $9, sla_resolution_breached_at = $10, sla_next_check = $11 where id = $1",
    )
    .bind(incident.id)
    .bind(incident.sla_policy_id)
    .bind(ts(incident.response_due))
    .bind(ts(incident.resolution_due))
    .bind(incident.sla_paused_seconds)
    .bind(ts(incident.sla_paused_since))
    .bind(ts(incident.sla_at_risk_due))
    .bind(ts(incident.sla_at_risk_at))
    .bind(ts(incident.sla_response_breached_at))
    .bind(ts(incident.sla_resolution_breached_at))
    .bind(ts(incident.sla_next_check))
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a change made by the system (an SLA mark): a new version and `updated_at`.
pub async fn touch(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("update incidents set version = version + 1, updated_at = now() where id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Claims up to `limit` incidents whose next SLA check is due, locking them; rows another
/// worker holds are skipped, so two workers never mark the same incident.
pub async fn claim_sla_checks(
    conn: &mut PgConnection,
    now: jiff::Timestamp,
    limit: i64,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "select id from incidents where sla_next_check <= $1 order by sla_next_check limit $2 for update skip locked",
    )
    .bind(jiff_sqlx::Timestamp::from(now))
    .bind(limit)
    .fetch_all(conn)
    .await
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_name_their_weeks() {
        assert_eq!(
            within_weeks("'vpn'", 2915, 2917),
            "('vpn') & ('~w2915' | '~w2916' | '~w2917')"
        );
        assert_eq!(
            within_weeks("'vpn' | 'drucker'", 1, 1),
            "('vpn' | 'drucker') & ('~w1')"
        );
        assert_eq!(within_weeks("", 1, 2), "");
        // 1970-01-01 is a Thursday: week 0 ends on Wednesday, 1970-01-07 24:00.
        let tiers = Tiers::at("1970-03-05T12:00:00Z".parse().unwrap());
        assert_eq!(
            tiers.slices,
            vec![
                Slice::Weeks(9, 9),
                Slice::Weeks(8, 8),
                Slice::Weeks(0, 7),
                Slice::Weeks(-43, -1),
                Slice::Before(-43)
            ]
        );
    }
}
