//! The demo's request history at scale: requests of the demo's request types spread over the
//! demo's days, copied in with `COPY` like the incidents, each with the journal entries the
//! service would have written for its life (created, taken, fulfilled, closed by itself, or
//! canceled by its caller). So the portal and the queues can be measured at 200,000 requests
//! instead of the few hundred the service operations make in `requests::load`.
//!
//! Only lives that need no approval and no task rows are written in bulk: a request older
//! than two weeks is closed (or canceled), a recent one of a type without approvals and
//! tasks may still be new, in progress or fulfilled; recent ones of the other types are
//! closed too. Requests waiting for approvers or tasks come from `requests::load`, which
//! makes them through the service.

use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::copy::CopyBuffer;
use super::life::{Entry, change, ts, uuid_at};
use super::rng::Rng;
use super::{DOMAIN, Progress, copy_in, drop_indexes, next_number};
use crate::domain::journal::SystemNote;
use crate::domain::sla::Calendar;
use crate::domain::sla_clock::{ClockFacts, Mark};
use crate::store::sla::PolicyRow;

const STREAM_HISTORY: u64 = 8;
const BATCH: u64 = 10_000;
const DAY: i64 = 86_400;

const REQUEST_COLUMNS: &str = "id, number, request_type_id, department_id, title, description, state, \
     form_values, caller_id, assignment_group_id, assignee_id, outcome, opened_by_id, opened_at, \
     updated_at, fulfilled_at, closed_at, version, sla_policy_id, response_due, resolution_due, responded_at, \
     sla_response_breached_at, sla_resolution_breached_at, sla_next_check, sla_at_risk_due, sla_at_risk_at";
const JOURNAL_COLUMNS: &str = "request_id, author_id, at, kind, body, changes";

/// A request type as the history needs it.
struct Kind {
    key: String,
    id: Uuid,
    department_id: Uuid,
    group: Option<(Uuid, String)>,
    /// Members of the type's group (id, e-mail), who take and fulfil its requests.
    staff: Vec<(Uuid, String)>,
    /// Neither approvals nor tasks: its recent requests may be open.
    simple: bool,
    /// Its service level: the policy, its calendar, and the priority whose targets apply.
    level: Option<(Uuid, PolicyRow, Calendar, i16)>,
}

struct Caller {
    id: Uuid,
    email: String,
}

/// Adds `count` requests to the demo's history between `start` and `anchor` (Unix seconds);
/// how many it wrote. The request types must exist (`requests::ensure_types`).
pub(super) async fn load(
    pool: &PgPool,
    seed: u64,
    count: u64,
    start: i64,
    anchor: i64,
) -> anyhow::Result<u64> {
    if count == 0 {
        return Ok(0);
    }
    let mut tx = pool.begin().await?;
    sqlx::query("set local maintenance_work_mem = '256MB'")
        .execute(&mut *tx)
        .await?;
    sqlx::query("lock table requests in share row exclusive mode")
        .execute(&mut *tx)
        .await?;
    let kinds = kinds(&mut tx).await?;
    let callers: Vec<Caller> = sqlx::query_as::<_, (Uuid, String)>(
        "select id, email from users where role = 'caller' and email like $1 order by email",
    )
    .bind(format!("%@{DOMAIN}"))
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|(id, email)| Caller { id, email })
    .collect();
    if kinds.is_empty() || callers.is_empty() {
        return Ok(0);
    }
    let empty: bool = sqlx::query_scalar("select not exists (select 1 from requests)")
        .fetch_one(&mut *tx)
        .await?;
    let deferred = if empty {
        drop_indexes(&mut tx, &["requests"]).await?
    } else {
        Vec::new()
    };
    let base = next_number(&mut tx, "requests", "REQ").await?;
    let simple = kinds.iter().find(|k| k.simple);
    let progress = Progress::new("requests", count);
    let span = (anchor - start).max(DAY);
    let mut first = 0;
    while first < count {
        let last = (first + BATCH).min(count);
        let (mut rows, mut journal) = (CopyBuffer::default(), CopyBuffer::default());
        for n in first..last {
            let mut rng = Rng::fork(seed, STREAM_HISTORY, n);
            // Spread evenly over the span, so numbers rise with time.
            let offset =
                i64::try_from(u128::from(n) * u128::from(span.unsigned_abs()) / u128::from(count))
                    .unwrap_or(0);
            let opened = start + offset;
            let kind = &kinds[rng.index(kinds.len())];
            let caller = &callers[rng.index(callers.len())];
            let times = Timeline::draw(&mut rng, opened, anchor, kind.simple);
            // A life still open at the end is given a type that needs no approvals or tasks.
            let kind = match simple {
                Some(simple) if !kind.simple && !times.end.is_final() => simple,
                _ => kind,
            };
            let life = Life {
                number: base + n,
                opened,
                anchor,
                kind,
                caller,
            };
            write(&mut rng, &life, times, &mut rows, &mut journal);
        }
        copy_in(&mut tx, "requests", REQUEST_COLUMNS, rows.finish()).await?;
        copy_in(
            &mut tx,
            "journal_entries",
            JOURNAL_COLUMNS,
            journal.finish(),
        )
        .await?;
        progress.advance(last - first);
        first = last;
    }
    progress.finish();
    for statement in &deferred {
        sqlx::query(statement).execute(&mut *tx).await?;
    }
    sqlx::query("select setval('request_number_seq', $1)")
        .bind(i64::try_from(base + count).unwrap_or(i64::MAX) - 1)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    sqlx::query("analyze requests").execute(pool).await?;
    Ok(count)
}

async fn kinds(conn: &mut PgConnection) -> anyhow::Result<Vec<Kind>> {
    type Row = (
        String,
        Uuid,
        Uuid,
        Option<Uuid>,
        Option<String>,
        bool,
        Option<Uuid>,
        i16,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "select t.key, t.id, t.department_id, g.id, g.key, \
                t.approval_stages = '[]'::jsonb and t.tasks = '[]'::jsonb, t.sla_policy_id, t.sla_priority \
         from request_types t left join groups g on g.id = t.assignment_group_id \
         where t.active order by t.key",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut kinds = Vec::new();
    for (key, id, department_id, group_id, group_key, simple, policy_id, priority) in rows {
        let level = match policy_id {
            Some(policy_id) => level_of(conn, policy_id)
                .await?
                .map(|(p, c)| (policy_id, p, c, priority)),
            None => None,
        };
        let staff: Vec<(Uuid, String)> =
            match group_id {
                Some(group) => sqlx::query_as(
                    "select u.id, u.email from group_members m join users u on u.id = m.user_id \
                 where m.group_id = $1 and u.active and u.role <> 'caller' order by u.email",
                )
                .bind(group)
                .fetch_all(&mut *conn)
                .await?,
                None => Vec::new(),
            };
        kinds.push(Kind {
            key,
            id,
            department_id,
            group: group_id.zip(group_key),
            staff,
            simple,
            level,
        });
    }
    Ok(kinds)
}

/// A policy with its calendar, for the due dates of the history's requests.
async fn level_of(
    conn: &mut PgConnection,
    policy_id: Uuid,
) -> anyhow::Result<Option<(PolicyRow, Calendar)>> {
    let Some(policy) = crate::store::sla::policy_by_id(conn, policy_id).await? else {
        return Ok(None);
    };
    let Some(row) = crate::store::sla::calendar_by_id(conn, policy.calendar_id).await? else {
        return Ok(None);
    };
    let calendar = crate::service::sla::calendar_of(&row)
        .map_err(|e| anyhow::anyhow!("calendar {}: {e}", row.key))?;
    Ok(Some((policy, calendar)))
}

/// One request's life: who, what, when.
struct Life<'a> {
    number: u64,
    opened: i64,
    /// The end of the demo's history.
    anchor: i64,
    kind: &'a Kind,
    caller: &'a Caller,
}

/// Where a life stops by the end of the demo.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    New,
    InProgress,
    Fulfilled,
    Closed,
    Canceled,
}

impl End {
    fn state(self) -> &'static str {
        match self {
            End::New => "new",
            End::InProgress => "in_progress",
            End::Fulfilled => "fulfilled",
            End::Closed => "closed",
            End::Canceled => "canceled",
        }
    }

    fn outcome(self) -> Option<&'static str> {
        match self {
            End::Fulfilled | End::Closed => Some("Done as asked."),
            End::Canceled => Some("No longer needed"),
            End::New | End::InProgress => None,
        }
    }

    fn taken(self) -> bool {
        matches!(self, End::InProgress | End::Fulfilled | End::Closed)
    }

    fn fulfilled(self) -> bool {
        matches!(self, End::Fulfilled | End::Closed)
    }

    fn is_final(self) -> bool {
        matches!(self, End::Closed | End::Canceled)
    }
}

/// The moments of a life (Unix seconds) and where it stands at the end of the demo.
struct Timeline {
    end: End,
    taken: i64,
    fulfilled: i64,
    closed: i64,
    canceled: i64,
}

impl Timeline {
    /// Taken within hours, fulfilled within days, closed by itself five days later, or
    /// canceled by the caller; cut at the end of the demo, where the life is still open.
    fn draw(rng: &mut Rng, opened: i64, anchor: i64, simple: bool) -> Timeline {
        let recent = anchor - opened < 14 * DAY;
        let wanted = match (recent && simple, rng.unit()) {
            (_, u) if u < 0.08 => End::Canceled,
            (true, u) if u < 0.2 => End::New,
            (true, u) if u < 0.5 => End::InProgress,
            (true, u) if u < 0.75 => End::Fulfilled,
            _ => End::Closed,
        };
        let taken = opened + rng.lognormal(3.0 * 3600.0, 0.8);
        let fulfilled = taken + rng.lognormal(2.0 * 86_400.0, 0.9);
        let closed = fulfilled + 5 * DAY;
        let canceled = opened + rng.lognormal(86_400.0, 1.0);
        let past = |at: i64| at <= anchor;
        let end = match wanted {
            End::Canceled if past(canceled) => End::Canceled,
            End::Closed if past(closed) => End::Closed,
            End::Closed | End::Fulfilled if past(fulfilled) => End::Fulfilled,
            End::Closed | End::Fulfilled | End::InProgress if past(taken) => End::InProgress,
            _ => End::New,
        };
        Timeline {
            end,
            taken,
            fulfilled,
            closed,
            canceled,
        }
    }
}

/// The entries the service writes for the life: created; canceled, or taken, fulfilled and
/// closed by itself.
fn entries(
    life: &Life<'_>,
    times: &Timeline,
    staff: Option<&(Uuid, String)>,
    title: &str,
    values: &Value,
) -> Vec<Entry> {
    let none = Value::Null;
    let mut created = vec![
        ("request_type", none.clone(), json!(life.kind.key)),
        ("title", none.clone(), json!(title)),
        ("state", none.clone(), json!("new")),
        ("values", none.clone(), values.clone()),
        ("caller", none.clone(), json!(life.caller.email)),
    ];
    if let Some((_, group)) = &life.kind.group {
        created.push(("assignment_group", none.clone(), json!(group)));
    }
    let mut entries = vec![Entry {
        author: Some(life.caller.id),
        at: life.opened,
        kind: "change",
        body: Some(SystemNote::Created.text()),
        changes: change(&created),
    }];
    let outcome = json!(times.end.outcome());
    if times.end == End::Canceled {
        entries.push(Entry {
            author: Some(life.caller.id),
            at: times.canceled,
            kind: "transition",
            body: None,
            changes: change(&[
                ("state", json!("new"), json!("canceled")),
                ("outcome", none.clone(), outcome.clone()),
            ]),
        });
    }
    if let (Some((staff_id, staff_email)), true) = (staff, times.end.taken()) {
        entries.push(Entry {
            author: Some(*staff_id),
            at: times.taken,
            kind: "transition",
            body: None,
            changes: change(&[
                ("state", json!("new"), json!("in_progress")),
                ("assignee", none.clone(), json!(staff_email)),
            ]),
        });
        if times.end.fulfilled() {
            entries.push(Entry {
                author: Some(*staff_id),
                at: times.fulfilled,
                kind: "transition",
                body: None,
                changes: change(&[
                    ("state", json!("in_progress"), json!("fulfilled")),
                    ("outcome", none.clone(), outcome),
                ]),
            });
        }
    }
    if times.end == End::Closed {
        entries.push(Entry {
            author: None,
            at: times.closed,
            kind: "system",
            body: Some(SystemNote::AutoClosed { days: 5 }.text()),
            changes: change(&[("state", json!("fulfilled"), json!("closed"))]),
        });
    }
    entries
}

/// Writes the request's row and its journal entries.
fn write(
    rng: &mut Rng,
    life: &Life<'_>,
    times: Timeline,
    rows: &mut CopyBuffer,
    journal: &mut CopyBuffer,
) {
    let (title, values) = super::requests::ask(rng, &life.kind.key);
    let staff = (!life.kind.staff.is_empty()).then(|| rng.pick(&life.kind.staff));
    // A type without a group has nobody to take its requests: they wait.
    let times = match (staff, times.end.taken()) {
        (None, true) => Timeline {
            end: End::New,
            ..times
        },
        _ => times,
    };
    let assignee = staff.filter(|_| times.end.taken());
    let id = uuid_at(rng, life.opened);
    let mut entries = entries(life, &times, staff, &title, &values);
    let level = service_level(life, &times, assignee.is_some());
    if let Some(level) = &level {
        for (at, note) in &level.marks {
            entries.push(Entry {
                author: None,
                at: *at,
                kind: "system",
                body: Some(note.text()),
                changes: None,
            });
        }
    }
    entries.sort_by_key(|e| e.at);
    let updated = entries.last().map_or(life.opened, |e| e.at);
    rows.row()
        .value(id)
        .text(&format!("REQ{:07}", life.number))
        .value(life.kind.id)
        .value(life.kind.department_id)
        .text(&title)
        .text("")
        .text(times.end.state())
        .text(&values.to_string())
        .value(life.caller.id)
        .opt_value(life.kind.group.as_ref().map(|(id, _)| *id))
        .opt_value(assignee.map(|(id, _)| *id))
        .opt_text(times.end.outcome())
        .value(life.caller.id)
        .value(ts(life.opened))
        .value(ts(updated))
        .opt_value(times.end.fulfilled().then(|| ts(times.fulfilled)))
        .opt_value(match times.end {
            End::Closed => Some(ts(times.closed)),
            End::Canceled => Some(ts(times.canceled)),
            _ => None,
        })
        .value(entries.len());
    if let Some(level) = &level {
        rows.value(level.policy_id)
            .opt_value(level.facts.response_due)
            .opt_value(level.facts.resolution_due)
            .opt_value(level.facts.responded_at)
            .opt_value(level.facts.response_breached_at)
            .opt_value(level.facts.resolution_breached_at)
            .opt_value(level.facts.next_check())
            .opt_value(level.facts.at_risk_due)
            .opt_value(level.facts.at_risk_at);
    } else {
        rows.null().null().null();
        rows.opt_value(assignee.is_some().then(|| ts(times.taken)));
        rows.null().null().null().null().null();
    }
    for entry in entries {
        journal
            .row()
            .value(id)
            .opt_value(entry.author)
            .value(ts(entry.at))
            .text(entry.kind)
            .opt_text(entry.body.as_deref())
            .opt_text(entry.changes.as_deref());
    }
}

/// A history request's service level: due dates by the service's rules, and the marks the
/// SLA worker made by the end of the demo (at the moment each target ran out).
struct Level {
    policy_id: Uuid,
    facts: ClockFacts,
    marks: Vec<(i64, SystemNote)>,
}

fn service_level(life: &Life<'_>, times: &Timeline, taken: bool) -> Option<Level> {
    let (policy_id, policy, calendar, priority) = life.kind.level.as_ref()?;
    let (response_due, resolution_due, at_risk_due) = crate::service::sla::due_dates(
        policy,
        calendar,
        ts(life.opened),
        *priority,
        jiff::SignedDuration::ZERO,
    );
    let mut facts = ClockFacts {
        open: matches!(times.end, End::New | End::InProgress),
        responded_at: taken.then(|| ts(times.taken)),
        resolved_at: times.end.fulfilled().then(|| ts(times.fulfilled)),
        response_due,
        resolution_due,
        at_risk_due,
        ..ClockFacts::default()
    };
    let mut marks = Vec::new();
    for mark in facts.due_marks(ts(life.anchor)) {
        let (due, marked) = match mark {
            Mark::ResponseBreached => (facts.response_due, &mut facts.response_breached_at),
            Mark::ResolutionBreached => (facts.resolution_due, &mut facts.resolution_breached_at),
            Mark::AtRisk => (facts.at_risk_due, &mut facts.at_risk_at),
        };
        let Some(due) = due else { continue };
        *marked = Some(due);
        marks.push((due.as_second(), crate::service::sla::mark_event(mark).1));
    }
    Some(Level {
        policy_id: *policy_id,
        facts,
        marks,
    })
}
