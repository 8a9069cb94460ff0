//! Keeping service insight's facts (migration 42) current: each incident's journal folded
//! (`domain::insight::facts::fold`) by the worker as its events arrive, all of them again by
//! `leitstand insight rebuild`, and `leitstand insight check`, which folds everything afresh
//! beside the kept facts and counts the rows that differ.

use std::collections::HashMap;
use std::time::Instant;

use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::incident::{HoldReason, IncidentState, Level, ResolutionCode};
use crate::domain::insight::facts::{Clock, Facts, Opening, Step, fold};
use crate::domain::sla::Calendar;
use crate::error::AppResult;
use crate::service::sla::calendar_of;
use crate::store::{self, insight::FoldInput, reference::Reference};

/// Incidents folded in one transaction.
const BATCH: usize = 1000;

/// What one field's `to` says: absent (`None`), or set to a value (`Some`), which may be null.
fn to<'a>(changes: &'a Value, field: &str) -> Option<&'a Value> {
    changes.get(field).map(|change| &change["to"])
}

/// One journal entry's `[id, at, changes]` as the fold's step. Names become ids through the
/// reference data; a name that no longer resolves (it cannot: keys never change) counts as
/// none.
fn step_of(entry: &Value, reference: &Reference) -> Option<Step> {
    let id = entry.get(0)?.as_i64()?;
    let at = entry.get(1)?.as_str()?.parse::<jiff::Timestamp>().ok();
    let changes = entry.get(2)?;
    let group = |key: &str| reference.group(key).map(|g| g.id);
    let service = |key: &str| reference.service(key).map(|s| s.id);
    Some(Step {
        journal_id: id,
        at,
        state: to(changes, "state")
            .and_then(Value::as_str)
            .and_then(|s| IncidentState::parse(s).ok()),
        hold_reason: to(changes, "hold_reason")
            .map(Value::as_str)
            .map(|hold| hold.and_then(|h| HoldReason::parse(h).ok())),
        group: to(changes, "assignment_group")
            .map(Value::as_str)
            .map(|key| key.and_then(group)),
        assigned: to(changes, "assignee").map(|person| !person.is_null()),
        impact: to(changes, "impact")
            .and_then(Value::as_str)
            .and_then(|i| Level::parse(i).ok()),
        service: to(changes, "service")
            .map(Value::as_str)
            .map(|key| key.and_then(service)),
        category: to(changes, "category")
            .map(Value::as_str)
            .map(|c| c.map(str::to_owned)),
        priority: to(changes, "priority")
            .and_then(Value::as_i64)
            .and_then(|p| i16::try_from(p).ok()),
        resolution_code: to(changes, "resolution_code")
            .map(Value::as_str)
            .map(|code| code.and_then(|c| ResolutionCode::parse(c).ok())),
    })
}

/// Folds each incident of `inputs` with the reference data; calendars are built once.
fn fold_all<'a>(
    inputs: &'a [FoldInput],
    reference: &Reference,
) -> AppResult<Vec<(&'a FoldInput, Facts)>> {
    let mut calendars: HashMap<Uuid, Calendar> = HashMap::new();
    for row in &reference.calendars {
        calendars.insert(row.id, calendar_of(row)?);
    }
    let always = Calendar::always();
    let department_of = |service, group| reference.department_of(service, group);
    Ok(inputs
        .iter()
        .map(|input| {
            let steps: Vec<Step> = input
                .steps
                .as_array()
                .map(|entries| {
                    entries
                        .iter()
                        .filter_map(|e| step_of(e, reference))
                        .collect()
                })
                .unwrap_or_default();
            let calendar = input
                .calendar_id
                .and_then(|id| calendars.get(&id))
                .unwrap_or(&always);
            let clock = Clock {
                calendar,
                pause_reasons: input.pause_reasons.as_deref().unwrap_or_default(),
            };
            let opening = Opening {
                opened_at: input.opened_at.to_jiff(),
                responded_at: input.responded_at.map(jiff_sqlx::Timestamp::to_jiff),
                logged_by_caller: input.logged_by_caller,
                opener_group: input.opener_group,
            };
            (input, fold(&opening, &steps, &clock, &department_of))
        })
        .collect())
}

/// Folds these incidents afresh and writes their facts in place of the old ones.
pub async fn refold(conn: &mut PgConnection, ids: &[Uuid], reference: &Reference) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let inputs = store::insight::fold_inputs(conn, ids).await?;
    let folded = fold_all(&inputs, reference)?;
    let zone = crate::service::insight::figures::desk_time_zone_name(reference);
    store::insight::replace(conn, &folded, &zone).await?;
    Ok(())
}

/// Folds the next batch of incidents in id order after `after` (the walk of a rebuild or a
/// check); returns the last id and how many, `None` when none are left.
async fn refold_batch(
    conn: &mut PgConnection,
    (after, through): (Option<Uuid>, Option<Uuid>),
    reference: &Reference,
) -> AppResult<Option<(Uuid, u64)>> {
    let limit = i64::try_from(BATCH).unwrap_or(1000);
    let ids = store::insight::incident_ids_after(conn, after, through, limit).await?;
    let Some(last) = ids.last().copied() else {
        return Ok(None);
    };
    refold(conn, &ids, reference).await?;
    Ok(Some((last, u64::try_from(ids.len()).unwrap_or(0))))
}

/// Takes in the events not yet folded, a batch per transaction, while there are any. Only
/// one process folds at a time (the others find the lock taken and return 0). Returns the
/// incidents folded.
pub async fn fold_pending(db: &PgPool) -> AppResult<usize> {
    let mut folded = 0;
    loop {
        let mut tx = db.begin().await?;
        if !store::insight::try_fold_lock(&mut tx).await? {
            return Ok(folded);
        }
        let ids =
            store::insight::take_unfolded(&mut tx, i64::try_from(BATCH).unwrap_or(1000)).await?;
        if ids.is_empty() {
            return Ok(folded);
        }
        let reference = store::reference::load(&mut tx).await?;
        refold(&mut tx, &ids, &reference).await?;
        tx.commit().await?;
        folded += ids.len();
    }
}

/// What a rebuild did.
#[derive(Debug, Clone, Copy)]
pub struct Rebuilt {
    pub incidents: u64,
    pub seconds: f64,
}

/// Folds every incident afresh from its journal, a batch per transaction (the figures stay
/// readable meanwhile), calling `advance` with each batch's size. It waits for the folding
/// lock and holds it throughout, so the worker pauses meanwhile and takes in the events that
/// arrived afterwards; folding twice gives the same facts.
pub async fn rebuild(db: &PgPool, advance: &(dyn Fn(u64) + Sync)) -> AppResult<Rebuilt> {
    let mut lock = db.acquire().await?;
    store::insight::fold_lock_session(&mut lock, true).await?;
    let rebuilt = rebuild_locked(db, advance).await;
    release(lock).await;
    rebuilt
}

/// Gives the folding lock back; a connection that cannot is closed, which releases it too.
async fn release(mut lock: sqlx::pool::PoolConnection<sqlx::Postgres>) {
    if store::insight::fold_unlock_session(&mut lock)
        .await
        .is_err()
    {
        drop(lock.detach());
    }
}

async fn rebuild_locked(db: &PgPool, advance: &(dyn Fn(u64) + Sync)) -> AppResult<Rebuilt> {
    let started = Instant::now();
    let reference = {
        let mut conn = db.acquire().await?;
        store::reference::load(&mut conn).await?
    };
    // The two halves of the incidents at once, each a batch per transaction: one folds while
    // the other's rows are read and written (a batch marks its days in order, so two never
    // wait on each other in a circle).
    let middle = {
        let mut conn = db.acquire().await?;
        store::insight::middle_incident(&mut conn).await?
    };
    let halves = match middle {
        Some(middle) => vec![(None, Some(middle)), (Some(middle), None)],
        None => vec![(None, None)],
    };
    let folded = futures_util::future::try_join_all(halves.into_iter().map(|(from, through)| {
        let reference = &reference;
        async move {
            let mut after = from;
            let mut incidents = 0u64;
            loop {
                let mut tx = db.begin().await?;
                let Some((last, n)) = refold_batch(&mut tx, (after, through), reference).await?
                else {
                    break;
                };
                tx.commit().await?;
                incidents += n;
                advance(n);
                after = Some(last);
            }
            AppResult::Ok(incidents)
        }
    }))
    .await?;
    let incidents: u64 = folded.iter().sum();
    let seconds = started.elapsed().as_secs_f64();
    let mut conn = db.acquire().await?;
    store::insight::record_rebuild(&mut conn, i64::try_from(incidents).unwrap_or(0), seconds)
        .await?;
    Ok(Rebuilt { incidents, seconds })
}

/// The incidents the figures count; the rebuild's progress bar uses it.
pub async fn incident_count(db: &PgPool) -> AppResult<u64> {
    let count: i64 = sqlx::query_scalar("select count(*) from incidents")
        .fetch_one(db)
        .await?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Rebuilds once if the facts were never built (the first start after upgrading, or after a
/// demo load): the worker's first step. `None` when they were, or another process is at it.
pub async fn rebuild_if_never(db: &PgPool) -> AppResult<Option<Rebuilt>> {
    let mut lock = db.acquire().await?;
    if !store::insight::fold_lock_session(&mut lock, false).await? {
        return Ok(None);
    }
    let rebuilt = match store::insight::rebuilt_at(&mut lock).await {
        Ok(Some(_)) => Ok(None),
        Ok(None) => rebuild_locked(db, &|_| {}).await.map(Some),
        Err(error) => Err(error.into()),
    };
    release(lock).await;
    if let Ok(Some(rebuilt)) = &rebuilt {
        tracing::info!(
            incidents = rebuilt.incidents,
            seconds = format!("{:.1}", rebuilt.seconds),
            "insight facts built from the journal"
        );
    }
    rebuilt
}

/// Rows that differ between the kept facts and facts folded afresh, per table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Differences {
    pub incidents: u64,
    pub tables: Vec<(&'static str, i64)>,
}

impl Differences {
    pub fn agree(&self) -> bool {
        self.tables.iter().all(|(_, n)| *n == 0)
    }
}

/// The tables of facts with the columns compared (all but when a row was written).
const FACT_TABLES: [(&str, &str); 4] = [
    (
        "insight_incidents",
        "incident_id, department_id, group_id, service_id, category, priority, impact, state, \
         opened_group_id, logged_by_caller, opened_at, responded_at, response_due, resolution_due, \
         first_resolved_at, canceled_at, response_secs, response_business, reassignments, \
         ping_pongs, reopens, journal_id",
    ),
    ("insight_resolutions", "*"),
    ("insight_spans", "*"),
    ("insight_handoffs", "*"),
];

/// Folds every incident afresh into temporary tables that shadow the kept ones (the same
/// code writes them) and counts the rows in either that the other lacks. Pending events are
/// folded first, so a desk at rest must agree exactly.
pub async fn check(db: &PgPool) -> AppResult<Differences> {
    fold_pending(db).await?;
    super::rollups::roll_up(db, None, &|_| {}).await?;
    let mut tx = db.begin().await?;
    // The kept facts, read in this snapshot, against the journal in the same snapshot.
    sqlx::query("set transaction isolation level repeatable read")
        .execute(&mut *tx)
        .await?;
    let shadowed = FACT_TABLES.iter().map(|(table, _)| *table).chain([
        "insight_rollups",
        "insight_span_days",
        "insight_lost_days",
        "insight_dirty_days",
    ]);
    for table in shadowed {
        sqlx::query(&format!(
            "create temporary table {table} (like public.{table} including defaults) on commit drop"
        ))
        .execute(&mut *tx)
        .await?;
    }
    let reference = store::reference::load(&mut tx).await?;
    let mut after = None;
    let mut incidents = 0u64;
    // Unqualified names find the temporary tables first.
    while let Some((last, n)) = refold_batch(&mut tx, (after, None), &reference).await? {
        incidents += n;
        after = Some(last);
    }
    let mut tables = Vec::new();
    for (table, columns) in FACT_TABLES {
        tables.push((table, differing_rows(&mut tx, table, columns, None).await?));
    }
    tables.push(("insight_rollups", super::rollups::differing(&mut tx).await?));
    tx.rollback().await?;
    Ok(Differences { incidents, tables })
}

/// The rows of the temporary table `table` that the kept one lacks and the other way round,
/// compared on `columns`; only the days `days` (a `day` column) when given.
pub(crate) async fn differing_rows(
    conn: &mut PgConnection,
    table: &str,
    columns: &str,
    days: Option<&[jiff::civil::Date]>,
) -> AppResult<i64> {
    let only = if days.is_some() {
        "where day = any($1)"
    } else {
        ""
    };
    let sql = format!(
        "select (select count(*) from (select {columns} from pg_temp.{table} {only} \
                 except all select {columns} from public.{table} {only}) a) \
              + (select count(*) from (select {columns} from public.{table} {only} \
                 except all select {columns} from pg_temp.{table} {only}) b)"
    );
    let mut query = sqlx::query_scalar(&sql);
    if let Some(days) = days {
        query = query.bind(crate::store::insight_rollups::dates(days));
    }
    Ok(query.fetch_one(conn).await?)
}
