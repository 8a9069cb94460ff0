//! `leitstand demo`: fills a database with realistic, reproducible demo data — departments,
//! groups, agents, callers, services, service levels, problems with known errors, incidents
//! in German and English whose journals tell how they went, and request types for every
//! department with requests in every state. The same seed and size give the
//! same data; run at another time, the same data moved in time to end at the current hour.
//!
//! A million incidents load in minutes: rows are generated on a second thread while the
//! previous batch is copied in with `COPY`, and on an empty database the secondary indexes are
//! built once at the end instead of row by row. Everything happens in one transaction, so an
//! interrupted run leaves nothing behind.

mod catalog;
mod copy;
mod life;
mod progress;
mod reference;
mod request_history;
mod requests;
use crate::domain::rng;

use std::time::Instant;

use anyhow::Context;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use copy::CopyBuffer;
use life::{ProblemIndex, World};
pub use progress::Progress;
use reference::{load_policies, reference_data};

/// Demo accounts have addresses in this (reserved, undeliverable) domain.
pub const DOMAIN: &str = "leitstand-demo.example";
/// Every demo account's password, so the demo can be browsed.
pub const PASSWORD: &str = "leitstand-demo";
/// The demo administrator.
pub const ADMIN: &str = "admin@leitstand-demo.example";

const BATCH: u64 = 10_000;

#[derive(Debug, Clone)]
pub struct Options {
    pub incidents: u64,
    /// Default: one problem per 200 incidents.
    pub problems: Option<u64>,
    /// Requests in the history, copied in like the incidents (default: one per five
    /// incidents); a few hundred more are made through the service operations.
    pub requests: Option<u64>,
    pub seed: u64,
    /// Add demo data even to a database holding other data.
    pub force: bool,
    /// Where the demo's history ends (rounded down to the hour); now, for the command.
    pub until: jiff::Timestamp,
}

#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub incidents: u64,
    pub problems: u64,
    pub journal_entries: u64,
    pub users: u64,
    /// Service requests: the history's and those made through the service operations.
    pub requests: u64,
    pub seconds: f64,
}

#[expect(clippy::too_many_lines, reason = "the steps of the load, in order")]
pub async fn run(db: &PgPool, options: &Options) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let mut tx = db.begin().await?;
    sqlx::query("set local maintenance_work_mem = '256MB'")
        .execute(&mut *tx)
        .await?;
    sqlx::query("lock table incidents, problems in share row exclusive mode")
        .execute(&mut *tx)
        .await?;
    refuse_foreign_data(&mut tx, options.force).await?;

    let anchor = options.until.as_second() / 3600 * 3600;
    // Eighteen months of history, enough to measure and to compare before and after the
    // process changes; a small demo (tests) keeps a dense month.
    let days = if options.incidents >= HISTORY_FROM_INCIDENTS {
        HISTORY_DAYS
    } else {
        i64::try_from(options.requests.unwrap_or_default() / 280)
            .unwrap_or(HISTORY_DAYS)
            .clamp(30, HISTORY_DAYS)
    };
    let mut world = reference_data(&mut tx, options.seed, anchor, anchor - days * 86_400).await?;
    let users: i64 = sqlx::query_scalar("select count(*) from users where email like $1")
        .bind(format!("%@{DOMAIN}"))
        .fetch_one(&mut *tx)
        .await?;
    load_policies(&mut tx, &mut world).await?;

    let empty: bool = sqlx::query_scalar("select not exists (select 1 from incidents)")
        .fetch_one(&mut *tx)
        .await?;
    let deferred = if empty {
        drop_indexes(&mut tx, &["incidents", "journal_entries"]).await?
    } else {
        Vec::new()
    };

    // Problems first: incidents link to them.
    let problem_count = options
        .problems
        .unwrap_or(options.incidents / 200)
        .min(options.incidents.max(1));
    let problem_base = next_number(&mut tx, "problems", "PRB").await?;
    let mut plans: Vec<life::ProblemPlan> = (0..problem_count)
        .filter_map(|n| life::plan_problem(&world, n, problem_base + n))
        .collect();
    let mut buffer = CopyBuffer::default();
    for plan in &plans {
        life::write_problem(&world, plan, &mut buffer);
    }
    copy_in(&mut tx, "problems", life::PROBLEM_COLUMNS, buffer.finish()).await?;

    // Incidents, generated on a thread while the previous batch is copied in.
    let incident_base = next_number(&mut tx, "incidents", "INC").await?;
    sqlx::query(&format!(
        "create temp table demo_incidents on commit drop as select {}, ''::text as comments from incidents with no data",
        life::INCIDENT_COLUMNS
    ))
    .execute(&mut *tx)
    .await?;
    let progress = Progress::new("incidents", options.incidents);
    let world = std::sync::Arc::new(world);
    let shared_plans = std::sync::Arc::new(std::mem::take(&mut plans));
    let (sender, mut batches) = tokio::sync::mpsc::channel::<Batch>(2);
    let generator = {
        let (world, plans, total) = (world.clone(), shared_plans.clone(), options.incidents);
        std::thread::spawn(move || generate(&world, &plans, total, incident_base, &sender))
    };
    let mut journal_entries = 0u64;
    let mut links = Vec::new();
    while let Some(batch) = batches.recv().await {
        copy_in(
            &mut tx,
            "demo_incidents",
            &format!("{}, comments", life::INCIDENT_COLUMNS),
            batch.incidents,
        )
        .await?;
        sqlx::query(&format!(
            "insert into incidents ({columns}, comments_vector) \
             select {columns}, case when comments = '' then ''::tsvector else leitstand_tsvector('C', comments) end \
             from demo_incidents order by number",
            columns = life::INCIDENT_COLUMNS
        ))
        .execute(&mut *tx)
        .await?;
        sqlx::query("truncate demo_incidents")
            .execute(&mut *tx)
            .await?;
        copy_in(
            &mut tx,
            "journal_entries",
            life::JOURNAL_COLUMNS,
            batch.journal,
        )
        .await?;
        journal_entries += batch.journal_entries;
        links.extend(batch.links);
        progress.advance(batch.count);
    }
    generator
        .join()
        .map_err(|_| anyhow::anyhow!("the demo generator stopped unexpectedly"))?;
    progress.finish();
    let mut plans = std::sync::Arc::try_unwrap(shared_plans)
        .map_err(|_| anyhow::anyhow!("the demo generator still holds the problems"))?;

    // The problems' journals, with every link in time order.
    links.sort_by_key(|l| (l.problem, l.at));
    let mut start = 0;
    for (i, plan) in plans.iter_mut().enumerate() {
        let end = start + links[start..].partition_point(|l| l.problem as usize == i);
        life::write_problem_journal(&world, plan, &links[start..end], &mut buffer);
        journal_entries += u64::try_from(end - start).unwrap_or(0);
        start = end;
    }
    copy_in(
        &mut tx,
        "journal_entries",
        life::JOURNAL_COLUMNS,
        buffer.finish(),
    )
    .await?;

    if !deferred.is_empty() {
        let progress = Progress::new("indexes", deferred.len() as u64);
        for statement in &deferred {
            sqlx::query(statement).execute(&mut *tx).await?;
            progress.advance(1);
        }
        progress.finish();
    }
    record_process_changes(&mut tx, &world).await?;
    sqlx::query("select setval('incident_number_seq', $1), setval('problem_number_seq', $2)")
        .bind(i64::try_from(incident_base + options.incidents).unwrap_or(i64::MAX) - 1)
        .bind(i64::try_from(problem_base + problem_count).unwrap_or(i64::MAX) - 1)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    sqlx::query("analyze").execute(db).await?;
    requests::ensure_types(db).await?;
    let history = request_history::load(
        db,
        options.seed,
        options.requests.unwrap_or(options.incidents / 5),
        world.start,
        world.anchor,
    )
    .await?;
    let requests =
        requests::load(db, options.seed, (options.incidents / 50).clamp(10, 400)).await?;
    Ok(Summary {
        requests: history + requests,
        incidents: options.incidents,
        problems: problem_count,
        journal_entries,
        users: u64::try_from(users).unwrap_or(0),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Days of history of a demo of at least `HISTORY_FROM_INCIDENTS` incidents: 18 months.
const HISTORY_DAYS: i64 = 548;
const HISTORY_FROM_INCIDENTS: u64 = 10_000;

/// Records the history's process changes (`life::ProcessChanges`) as the PDCA markers a
/// process owner would have written, by the demo administrator; those before the history
/// began are left out.
async fn record_process_changes(conn: &mut PgConnection, world: &World) -> anyhow::Result<()> {
    let changes = world.changes;
    let markers = [
        (
            changes.triage_from,
            "Triage-Checkliste am Service Desk",
            "Der Service Desk prüft vor jeder Weitergabe Dienst, Kategorie und Zuständigkeit \
             anhand einer Checkliste. / The service desk checks service, category and the \
             responsible group against a checklist before handing an incident on.",
            "ping_pong",
            Some("it"),
        ),
        (
            changes.fast_response_from,
            "Erstantwort innerhalb von 30 Minuten",
            "Jede neue Störung bekommt eine erste Antwort, bevor sie bearbeitet wird. / Every \
             new incident gets a first answer before it is worked on.",
            "mtta",
            None,
        ),
    ];
    for (from, title, description, kpi, department) in markers {
        if from < world.start {
            continue;
        }
        let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap_or(jiff::tz::TimeZone::UTC);
        let day = life::ts(from).to_zoned(tz).date();
        sqlx::query(
            "insert into insight_markers (id, effective_on, title, description, kpi, expected, \
                    weeks, department_id, created_by_id, created_at) \
             select $1, $2, $3, $4, $5, 'down', 6, \
                    (select d.id from departments d where d.key = $8), u.id, $6 \
             from users u where u.email = $7",
        )
        .bind(Uuid::now_v7())
        .bind(jiff_sqlx::Date::from(day))
        .bind(title)
        .bind(description)
        .bind(kpi)
        .bind(jiff_sqlx::Timestamp::from(life::ts(from)))
        .bind(ADMIN)
        .bind(department)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

struct Batch {
    count: u64,
    incidents: Vec<u8>,
    journal: Vec<u8>,
    journal_entries: u64,
    links: Vec<life::LinkRecord>,
}

fn generate(
    world: &World,
    plans: &[life::ProblemPlan],
    total: u64,
    base: u64,
    sender: &tokio::sync::mpsc::Sender<Batch>,
) {
    let index = ProblemIndex::new(plans);
    let weights: Vec<u32> = catalog::TEMPLATES.iter().map(|t| t.weight).collect();
    let mut first = 0;
    while first < total {
        let last = (first + BATCH).min(total);
        let (mut stage, mut journal) = (CopyBuffer::default(), CopyBuffer::default());
        let mut batch = Batch {
            count: last - first,
            incidents: Vec::new(),
            journal: Vec::new(),
            journal_entries: 0,
            links: Vec::new(),
        };
        for n in first..last {
            let produced = life::incident(
                world,
                plans,
                &index,
                &weights,
                n,
                total,
                base + n,
                &mut stage,
                &mut journal,
            );
            batch.journal_entries += produced.journal_entries as u64;
            batch.links.extend(produced.link);
        }
        batch.incidents = stage.finish();
        batch.journal = journal.finish();
        if sender.blocking_send(batch).is_err() {
            return; // the loader gave up; its error is reported there
        }
        first = last;
    }
}

async fn copy_in(
    conn: &mut PgConnection,
    table: &str,
    columns: &str,
    rows: Vec<u8>,
) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut copy = conn
        .copy_in_raw(&format!("copy {table} ({columns}) from stdin"))
        .await?;
    copy.send(rows).await?;
    copy.finish()
        .await
        .with_context(|| format!("while copying into {table}"))?;
    Ok(())
}

/// The next free number of `INC…`/`PRB…` (numbers are given here, not by the sequence, so the
/// same seed gives the same numbers).
async fn next_number(conn: &mut PgConnection, table: &str, prefix: &str) -> anyhow::Result<u64> {
    let max: Option<String> = sqlx::query_scalar(&format!("select max(number) from {table}"))
        .fetch_one(&mut *conn)
        .await?;
    let used = max
        .and_then(|m| m.strip_prefix(prefix).and_then(|n| n.parse::<u64>().ok()))
        .unwrap_or(0);
    Ok(used + 1)
}

/// Refuses when the database holds anything that is not demo data, unless forced.
async fn refuse_foreign_data(conn: &mut PgConnection, force: bool) -> anyhow::Result<()> {
    let (users, incidents, problems): (i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from users where email not like $1), \
                (select count(*) from incidents i join users u on u.id = i.opened_by_id where u.email not like $1), \
                (select count(*) from problems p join users u on u.id = p.opened_by_id where u.email not like $1)",
    )
    .bind(format!("%@{DOMAIN}"))
    .fetch_one(conn)
    .await?;
    if (users, incidents, problems) != (0, 0, 0) && !force {
        anyhow::bail!(
            "this database holds data that is not demo data ({users} users, {incidents} incidents, \
             {problems} problems); run the demo on an empty database, or add --force to add demo data anyway"
        );
    }
    Ok(())
}

/// Drops the secondary indexes of `tables` (not those behind constraints) and returns the
/// statements that build them again, with their statistics targets.
async fn drop_indexes(conn: &mut PgConnection, tables: &[&str]) -> anyhow::Result<Vec<String>> {
    let indexes: Vec<(String, String, Vec<String>)> = sqlx::query_as(
        "select i.relname::text, pg_get_indexdef(i.oid), \
                coalesce(array(select format('alter index %I alter column %s set statistics %s', i.relname, a.attnum, a.attstattarget) \
                               from pg_attribute a where a.attrelid = i.oid and a.attstattarget > 0), '{}') \
         from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid \
         where t.relname = any($1) and t.relnamespace = 'public'::regnamespace \
           and not exists (select 1 from pg_constraint c where c.conindid = i.oid) \
         order by i.relname",
    )
    .bind(tables)
    .fetch_all(&mut *conn)
    .await?;
    let mut rebuild = Vec::new();
    for (name, definition, statistics) in indexes {
        sqlx::query(&format!("drop index \"{name}\""))
            .execute(&mut *conn)
            .await?;
        rebuild.push(definition);
        rebuild.extend(statistics);
    }
    Ok(rebuild)
}
