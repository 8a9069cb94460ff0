//! An incident's journey as its caller lived it and the desk worked it: one lane per group
//! (with its department) it passed through, a bar for each stretch (work, waiting in the
//! queue, on hold by reason, resolved), and every public comment, the caller's and the
//! desk's. From the facts; for staff who may read the incident.

use serde::Serialize;

use crate::db::Db;
use crate::domain::Permission;
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::store;

/// What a stretch of time was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stretch {
    /// In progress with a person assigned.
    Work,
    /// New, or in progress with no one: waiting in the queue.
    Queue,
    AwaitingCaller,
    AwaitingVendor,
    AwaitingChange,
    AwaitingProblem,
    Resolved,
    Closed,
    Canceled,
}

impl Stretch {
    fn of(state: &str, hold: Option<&str>, assigned: bool) -> Stretch {
        match (state, hold, assigned) {
            ("in_progress", _, true) => Stretch::Work,
            ("new" | "in_progress", _, _) => Stretch::Queue,
            ("on_hold", Some("awaiting_caller"), _) => Stretch::AwaitingCaller,
            ("on_hold", Some("awaiting_vendor"), _) => Stretch::AwaitingVendor,
            ("on_hold", Some("awaiting_change"), _) => Stretch::AwaitingChange,
            ("on_hold", _, _) => Stretch::AwaitingProblem,
            ("resolved", _, _) => Stretch::Resolved,
            ("closed", _, _) => Stretch::Closed,
            _ => Stretch::Canceled,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Stretch::Work => "work",
            Stretch::Queue => "queue",
            Stretch::AwaitingCaller => "awaiting_caller",
            Stretch::AwaitingVendor => "awaiting_vendor",
            Stretch::AwaitingChange => "awaiting_change",
            Stretch::AwaitingProblem => "awaiting_problem",
            Stretch::Resolved => "resolved",
            Stretch::Closed => "closed",
            Stretch::Canceled => "canceled",
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Bar {
    pub kind: Stretch,
    pub from: jiff::Timestamp,
    /// `null`: it still lasts.
    pub to: Option<jiff::Timestamp>,
}

/// One group's lane (`group` null: while the incident had none).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Lane {
    pub group: Option<String>,
    pub department: Option<String>,
    pub bars: Vec<Bar>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Contact {
    pub at: jiff::Timestamp,
    /// The caller wrote (else the desk answered).
    pub by_caller: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Journey {
    pub number: String,
    pub lanes: Vec<Lane>,
    pub contacts: Vec<Contact>,
}

/// The journey of one incident; `404` when the reader may not read it.
pub async fn incident(db: &Db, actor: &Actor, number: &str) -> AppResult<Journey> {
    actor.require(Permission::Read)?;
    // The incident's own read rules decide (confidential departments, callers).
    crate::service::incidents::get(db, actor, number).await?;
    let mut conn = db.read().await?;
    let incident = store::incidents::find_by_number(&mut conn, number)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(journey_of(&mut conn, incident.id, number).await?)
}

/// The lanes and contacts of the incident with this id, from the facts.
async fn journey_of(
    conn: &mut sqlx::PgConnection,
    id: uuid::Uuid,
    number: &str,
) -> sqlx::Result<Journey> {
    let spans = store::insight_flow::journey(conn, id).await?;
    let contacts = store::insight_flow::contacts(conn, id).await?;
    let mut lanes: Vec<Lane> = Vec::new();
    for span in spans {
        let bar = Bar {
            kind: Stretch::of(&span.state, span.hold_reason.as_deref(), span.assigned),
            from: span.started_at.to_jiff(),
            to: span.ended_at.map(jiff_sqlx::Timestamp::to_jiff),
        };
        match lanes.iter_mut().find(|l| l.group == span.group_key) {
            Some(lane) => lane.bars.push(bar),
            None => lanes.push(Lane {
                group: span.group_key,
                department: span.department,
                bars: vec![bar],
            }),
        }
    }
    Ok(Journey {
        number: number.to_owned(),
        lanes,
        contacts: contacts
            .into_iter()
            .map(|(at, by_caller)| Contact {
                at: at.to_jiff(),
                by_caller,
            })
            .collect(),
    })
}

/// One of a caller's incidents on their journey.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CallerIncident {
    pub title: String,
    pub journey: Journey,
}

/// A caller's journey: their incidents open at some moment of a period, each with its lanes
/// and contacts, on one time axis.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CallerJourney {
    /// The caller's e-mail.
    pub caller: String,
    pub period: super::figures::PeriodView,
    /// The desk's time zone, whose midnight the period's days begin at.
    pub time_zone: String,
    /// Oldest first; only those the reader may read; at most `CALLER_INCIDENTS`.
    pub incidents: Vec<CallerIncident>,
    /// Whether the caller had more incidents in the period than shown.
    pub more: bool,
}

/// The most incidents one caller's journey shows.
pub const CALLER_INCIDENTS: i64 = 50;

/// The journey of a caller over a period (default: the last 28 days; the dashboard's `from`
/// and `to`; its other filters are not used): every incident of theirs open at some moment
/// of it that the reader may read. For agents and up; an unknown caller is `404`.
pub async fn caller(
    db: &Db,
    actor: &Actor,
    email: &str,
    query: &super::figures::FigureQuery,
) -> AppResult<CallerJourney> {
    // Who called about what is internal: agents and up.
    actor.require(Permission::ReadInternal)?;
    let period_only = super::figures::FigureQuery {
        from: query.from.clone(),
        to: query.to.clone(),
        ..Default::default()
    };
    let chosen = super::figures::choose(db, actor, &period_only).await?;
    let (from, to) = chosen.period.instants(&chosen.time_zone);
    let mut conn = db.read().await?;
    let person = store::users::find_by_email(&mut conn, email.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    let hidden = crate::service::reference::data(db)
        .await?
        .hidden_departments(&actor.groups);
    let found = store::insight_flow::caller_incidents(
        &mut conn,
        person.id,
        from,
        to.min(jiff::Timestamp::now()),
        &hidden,
        CALLER_INCIDENTS,
    )
    .await?;
    let more = found.len() > usize::try_from(CALLER_INCIDENTS).unwrap_or(usize::MAX);
    drop(conn);
    let mut incidents = Vec::new();
    for (id, number, title) in found
        .into_iter()
        .take(usize::try_from(CALLER_INCIDENTS).unwrap_or(0))
    {
        // Each incident's own read rules decide (confidential departments, scope).
        match crate::service::incidents::get(db, actor, &number).await {
            Ok(_) => {}
            Err(AppError::NotFound | AppError::Forbidden) => continue,
            Err(e) => return Err(e),
        }
        let mut conn = db.read().await?;
        incidents.push(CallerIncident {
            title,
            journey: journey_of(&mut conn, id, &number).await?,
        });
    }
    Ok(CallerJourney {
        caller: person.email,
        period: chosen.period.into(),
        time_zone: chosen.time_zone_name,
        incidents,
        more,
    })
}
