//! Service insight's facts (migration 42): what an incident's fold reads, and its rows
//! written in place of the old ones.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::insight::facts::{Facts, Span};

/// What folding one incident needs: its row's moments, its SLA clock, and its journal's
/// `change` and `transition` entries as `[id, at, changes]`, oldest first.
#[derive(Debug, sqlx::FromRow)]
pub struct FoldInput {
    pub id: Uuid,
    pub opened_at: jiff_sqlx::Timestamp,
    pub responded_at: Option<jiff_sqlx::Timestamp>,
    pub response_due: Option<jiff_sqlx::Timestamp>,
    pub resolution_due: Option<jiff_sqlx::Timestamp>,
    pub calendar_id: Option<Uuid>,
    pub pause_reasons: Option<Vec<String>>,
    pub logged_by_caller: bool,
    pub opener_group: Option<Uuid>,
    pub steps: serde_json::Value,
}

pub async fn fold_inputs(conn: &mut PgConnection, ids: &[Uuid]) -> sqlx::Result<Vec<FoldInput>> {
    sqlx::query_as(
        "select i.id, i.opened_at, i.responded_at, i.response_due, i.resolution_due, \
                p.calendar_id, p.pause_reasons, u.role = 'caller' as logged_by_caller, \
                (select min(m.group_id::text)::uuid from group_members m where m.user_id = i.opened_by_id \
                 having count(*) = 1) as opener_group, \
                coalesce((select jsonb_agg(jsonb_build_array(j.id, j.at, j.changes) order by j.at, j.id) \
                          from journal_entries j \
                          where j.incident_id = i.id and j.kind in ('change', 'transition') \
                            and j.changes is not null), '[]'::jsonb) as steps \
         from incidents i \
         join users u on u.id = i.opened_by_id \
         left join sla_policies p on p.id = i.sla_policy_id \
         where i.id = any($1) order by i.id",
    )
    .bind(ids)
    .fetch_all(conn)
    .await
}

/// The incidents with events the facts have not taken in yet (a batch of events, oldest
/// first), marking those events taken in. The caller folds them in the same transaction.
pub async fn take_unfolded(conn: &mut PgConnection, batch: i64) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "with batch as (select id from events where folded_at is null and incident_id is not null \
                        order by id limit $1 for update skip locked), \
              taken as (update events e set folded_at = now() from batch where e.id = batch.id \
                        returning e.incident_id) \
         select distinct incident_id from taken",
    )
    .bind(batch)
    .fetch_all(conn)
    .await
}

/// A page of incident ids after `after`, in id order (the rebuild's walk).
pub async fn incident_ids_after(
    conn: &mut PgConnection,
    after: Option<Uuid>,
    through: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "select id from incidents where ($1::uuid is null or id > $1) \
         and ($2::uuid is null or id <= $2) order by id limit $3",
    )
    .bind(after)
    .bind(through)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// The id halfway through the incidents (by id), to fold the two halves at once; `None` for
/// none.
pub async fn middle_incident(conn: &mut PgConnection) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar(
        "select id from incidents order by id \
         offset greatest((select count(*) / 2 from incidents) - 1, 0) limit 1",
    )
    .fetch_optional(conn)
    .await
}

/// The advisory lock whoever writes facts holds ("insight" as a number): one key for every
/// process of this database.
const FOLD_LOCK: i64 = 7_105_462_116_846;

/// Takes the folding lock for the rest of the transaction, without waiting: `false` when
/// another process holds it (it is folding or rebuilding).
pub async fn try_fold_lock(conn: &mut PgConnection) -> sqlx::Result<bool> {
    sqlx::query_scalar("select pg_try_advisory_xact_lock($1)")
        .bind(FOLD_LOCK)
        .fetch_one(conn)
        .await
}

/// Takes the folding lock for the session (a rebuild's), waiting for it when `wait`, else
/// `false` when another process holds it.
pub async fn fold_lock_session(conn: &mut PgConnection, wait: bool) -> sqlx::Result<bool> {
    if wait {
        sqlx::query("select pg_advisory_lock($1)")
            .bind(FOLD_LOCK)
            .execute(conn)
            .await?;
        return Ok(true);
    }
    sqlx::query_scalar("select pg_try_advisory_lock($1)")
        .bind(FOLD_LOCK)
        .fetch_one(conn)
        .await
}

pub async fn fold_unlock_session(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query("select pg_advisory_unlock($1)")
        .bind(FOLD_LOCK)
        .execute(conn)
        .await?;
    Ok(())
}

/// When the facts were last rebuilt from the whole journal (`None`: never).
pub async fn rebuilt_at(conn: &mut PgConnection) -> sqlx::Result<Option<jiff_sqlx::Timestamp>> {
    sqlx::query_scalar("select rebuilt_at from insight_state")
        .fetch_one(conn)
        .await
}

pub async fn record_rebuild(
    conn: &mut PgConnection,
    incidents: i64,
    seconds: f64,
) -> sqlx::Result<()> {
    sqlx::query("update insight_state set rebuilt_at = now(), incidents = $1, seconds = $2")
        .bind(incidents)
        .bind(seconds)
        .execute(conn)
        .await?;
    Ok(())
}

fn ts(t: jiff::Timestamp) -> jiff_sqlx::Timestamp {
    jiff_sqlx::Timestamp::from(t)
}

fn span_end(span: &Span) -> Option<jiff_sqlx::Timestamp> {
    span.end.map(ts)
}

/// Column arrays for one multi-row insert (`unnest`), bound in this order: uuids, times,
/// texts, integers, flags.
#[derive(Default)]
struct Columns {
    uuid: Vec<Vec<Option<Uuid>>>,
    time: Vec<Vec<Option<jiff_sqlx::Timestamp>>>,
    text: Vec<Vec<Option<String>>>,
    int: Vec<Vec<Option<i64>>>,
    flag: Vec<Vec<Option<bool>>>,
}

impl Columns {
    fn new(uuids: usize, times: usize, texts: usize, ints: usize, flags: usize) -> Self {
        Columns {
            uuid: vec![Vec::new(); uuids],
            time: vec![Vec::new(); times],
            text: vec![Vec::new(); texts],
            int: vec![Vec::new(); ints],
            flag: vec![Vec::new(); flags],
        }
    }

    fn push<T: Clone>(columns: &mut [Vec<Option<T>>], row: &[Option<T>]) {
        for (column, value) in columns.iter_mut().zip(row) {
            column.push(value.clone());
        }
    }

    /// `insert into {table} ({names}) select … from unnest(…)`, each array cast to its
    /// type; `names` lists the columns in binding order.
    async fn insert(self, conn: &mut PgConnection, table: &str, names: &str) -> sqlx::Result<()> {
        let types = [
            ("uuid", self.uuid.len()),
            ("timestamptz", self.time.len()),
            ("text", self.text.len()),
            ("bigint", self.int.len()),
            ("boolean", self.flag.len()),
        ];
        let mut arrays = Vec::new();
        for (ty, n) in types {
            for _ in 0..n {
                arrays.push(format!("${}::{ty}[]", arrays.len() + 1));
            }
        }
        // The target columns' own types convert the bigint arrays (smallint, integer).
        let sql = format!(
            "insert into {table} ({names}) select * from unnest({})",
            arrays.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for column in self.uuid {
            query = query.bind(column);
        }
        for column in self.time {
            query = query.bind(column);
        }
        for column in self.text {
            query = query.bind(column);
        }
        for column in self.int {
            query = query.bind(column);
        }
        for column in self.flag {
            query = query.bind(column);
        }
        query.execute(conn).await?;
        Ok(())
    }
}

fn seq(n: usize) -> Option<i64> {
    i64::try_from(n).ok()
}

/// Replaces the facts of these incidents (each with its facts) in seven statements, whatever
/// their number, and marks the days they count on (in `zone`) for the rollups.
pub async fn replace(
    conn: &mut PgConnection,
    folded: &[(&FoldInput, Facts)],
    zone: &str,
) -> sqlx::Result<()> {
    let ids: Vec<Uuid> = folded.iter().map(|(input, _)| input.id).collect();
    // The days the old facts counted on, and (below) the new ones', are summed up again.
    super::insight_rollups::mark_dirty(conn, &ids, zone).await?;
    sqlx::query(
        "with a as (delete from insight_spans where incident_id = any($1)), \
              b as (delete from insight_handoffs where incident_id = any($1)), \
              c as (delete from insight_resolutions where incident_id = any($1)) \
         delete from insight_incidents where incident_id = any($1)",
    )
    .bind(&ids)
    .execute(&mut *conn)
    .await?;
    incidents(folded)
        .insert(
            &mut *conn,
            "insight_incidents",
            "incident_id, department_id, group_id, service_id, opened_group_id, \
         opened_at, responded_at, response_due, resolution_due, first_resolved_at, canceled_at, \
         category, impact, state, priority, response_secs, response_business, \
         reassignments, ping_pongs, reopens, journal_id, logged_by_caller",
        )
        .await?;
    resolutions(folded)
        .insert(
            &mut *conn,
            "insight_resolutions",
            "incident_id, department_id, group_id, service_id, resolved_at, reopened_at, \
         category, impact, resolution_code, path, seq, priority, calendar_secs, business_secs, \
         reassignments, ping_pongs, first_contact",
        )
        .await?;
    spans(folded)
        .insert(
            &mut *conn,
            "insight_spans",
            "incident_id, department_id, group_id, service_id, started_at, ended_at, \
         run_started_at, category, impact, state, hold_reason, seq, priority, business_secs, \
         assigned, paused, run_ends",
        )
        .await?;
    handoffs(folded)
        .insert(
            &mut *conn,
            "insight_handoffs",
            "incident_id, from_group_id, to_group_id, department_id, service_id, at, category, \
         seq, wait_secs, priority, returned",
        )
        .await?;
    super::insight_rollups::mark_dirty(conn, &ids, zone).await
}

fn incidents(folded: &[(&FoldInput, Facts)]) -> Columns {
    let mut c = Columns::new(5, 6, 3, 7, 1);
    for (input, facts) in folded {
        let p = &facts.place;
        Columns::push(
            &mut c.uuid,
            &[
                Some(input.id),
                p.department,
                p.group,
                p.service,
                facts.opened_group,
            ],
        );
        Columns::push(
            &mut c.time,
            &[
                Some(input.opened_at),
                input.responded_at,
                input.response_due,
                input.resolution_due,
                facts.first_resolved_at.map(ts),
                facts.canceled_at.map(ts),
            ],
        );
        Columns::push(
            &mut c.text,
            &[
                p.category.clone(),
                Some(p.impact.as_str().to_owned()),
                Some(p.state.as_str().to_owned()),
            ],
        );
        Columns::push(
            &mut c.int,
            &[
                Some(i64::from(p.priority)),
                facts.first_response.map(|r| r.0),
                facts.first_response.map(|r| r.1),
                Some(i64::from(facts.reassignments)),
                Some(i64::from(facts.ping_pongs)),
                Some(i64::from(facts.reopens)),
                Some(facts.journal_id),
            ],
        );
        Columns::push(&mut c.flag, &[Some(input.logged_by_caller)]);
    }
    c
}

/// An incident's path through the groups (`facts::path`) as kept on its first resolution:
/// the groups' ids, `,`-separated, an empty part for no group; `None` for an empty path.
pub fn path_text(path: &[Option<Uuid>]) -> Option<String> {
    (!path.is_empty()).then(|| {
        path.iter()
            .map(|g| g.map(|g| g.to_string()).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(",")
    })
}

fn resolutions(folded: &[(&FoldInput, Facts)]) -> Columns {
    let mut c = Columns::new(4, 2, 4, 6, 1);
    for (input, facts) in folded {
        for (n, r) in facts.resolutions.iter().enumerate() {
            let p = &r.place;
            Columns::push(
                &mut c.uuid,
                &[Some(input.id), p.department, p.group, p.service],
            );
            Columns::push(&mut c.time, &[Some(ts(r.at)), r.reopened_at.map(ts)]);
            // The path up to the first resolution: the value stream's variants.
            let path = if n == 0 {
                path_text(&crate::domain::insight::facts::path(&facts.spans, r.at))
            } else {
                None
            };
            Columns::push(
                &mut c.text,
                &[
                    p.category.clone(),
                    Some(p.impact.as_str().to_owned()),
                    r.code.map(|code| code.as_str().to_owned()),
                    path,
                ],
            );
            Columns::push(
                &mut c.int,
                &[
                    seq(n),
                    Some(i64::from(p.priority)),
                    Some(r.calendar_secs),
                    Some(r.business_secs),
                    Some(i64::from(r.reassignments)),
                    Some(i64::from(r.ping_pongs)),
                ],
            );
            Columns::push(&mut c.flag, &[r.first_contact]);
        }
    }
    c
}

fn spans(folded: &[(&FoldInput, Facts)]) -> Columns {
    let mut c = Columns::new(4, 3, 4, 3, 3);
    for (input, facts) in folded {
        let runs = crate::domain::insight::facts::runs(&facts.spans);
        for (n, (s, run)) in facts.spans.iter().zip(runs).enumerate() {
            let p = &s.place;
            Columns::push(
                &mut c.uuid,
                &[Some(input.id), p.department, p.group, p.service],
            );
            Columns::push(
                &mut c.time,
                &[
                    Some(ts(s.start)),
                    span_end(s),
                    run.map(|r| ts(r.started_at)),
                ],
            );
            Columns::push(
                &mut c.text,
                &[
                    p.category.clone(),
                    Some(p.impact.as_str().to_owned()),
                    Some(p.state.as_str().to_owned()),
                    p.hold_reason.map(|h| h.as_str().to_owned()),
                ],
            );
            Columns::push(
                &mut c.int,
                &[seq(n), Some(i64::from(p.priority)), s.business_secs],
            );
            Columns::push(
                &mut c.flag,
                &[
                    Some(p.assigned),
                    Some(s.paused),
                    Some(run.is_some_and(|r| r.ends)),
                ],
            );
        }
    }
    c
}

/// Each handoff with the place the incident was in right after it (the stretch that holds
/// its moment), by which the handoff matrix is filtered (migration 51).
fn handoffs(folded: &[(&FoldInput, Facts)]) -> Columns {
    let mut c = Columns::new(5, 1, 1, 3, 1);
    for (input, facts) in folded {
        for (n, h) in facts.handoffs.iter().enumerate() {
            let place = facts
                .spans
                .iter()
                .find(|s| s.start <= h.at && s.end.is_none_or(|end| end > h.at))
                .map(|s| &s.place);
            Columns::push(
                &mut c.uuid,
                &[
                    Some(input.id),
                    Some(h.from),
                    Some(h.to),
                    place.and_then(|p| p.department),
                    place.and_then(|p| p.service),
                ],
            );
            Columns::push(&mut c.time, &[Some(ts(h.at))]);
            Columns::push(&mut c.text, &[place.and_then(|p| p.category.clone())]);
            Columns::push(
                &mut c.int,
                &[seq(n), h.wait_secs, place.map(|p| i64::from(p.priority))],
            );
            Columns::push(&mut c.flag, &[Some(h.returned)]);
        }
    }
    c
}
