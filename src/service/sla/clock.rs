//! The SLA clock of an incident: its due dates, pauses and marks, kept in step with every
//! change, and what the pages count down to.

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgConnection;

use super::calendars::calendar_of;
use crate::db::Db;
use crate::domain::incident::{Incident, IncidentState};
use crate::domain::journal::SystemNote;
use crate::domain::sla::{Calendar, due};
use crate::error::{AppError, AppResult};
use crate::store::{
    self,
    journal::{Kind, NewEntry, Subject},
};

/// Whether the resolution clock stands still in this state under this policy.
pub(super) fn pausing(incident: &Incident, policy: &store::sla::PolicyRow) -> bool {
    match incident.state {
        IncidentState::Resolved | IncidentState::Closed | IncidentState::Canceled => true,
        IncidentState::OnHold => incident
            .hold_reason
            .is_some_and(|reason| policy.pause_reasons.iter().any(|r| r == reason.as_str())),
        IncidentState::New | IncidentState::InProgress => false,
    }
}

fn target(targets: &[i32], priority: i16) -> SignedDuration {
    let index = usize::try_from(priority - 1)
        .unwrap_or(0)
        .min(targets.len().saturating_sub(1));
    SignedDuration::from_secs(i64::from(targets.get(index).copied().unwrap_or(0)))
}

/// Brings the incident's clock up to date after a change (`before` is `None` when it was just
/// logged) and writes it, with a `system` journal entry when a due date moved.
pub(crate) async fn update_clock(
    conn: &mut PgConnection,
    before: Option<&Incident>,
    after: &mut Incident,
) -> AppResult<()> {
    let Some((policy, calendar_row)) =
        store::sla::applicable_policy(conn, after.service_id, after.assignment_group_id).await?
    else {
        // No policy applies (any more): the incident has no clock.
        if after.sla_policy_id.is_some() {
            let (old_response, old_resolution) = (after.response_due, after.resolution_due);
            after.sla_policy_id = None;
            (
                after.response_due,
                after.resolution_due,
                after.sla_at_risk_due,
            ) = (None, None, None);
            after.sla_paused_since = None;
            (after.sla_at_risk_at, after.sla_response_breached_at) = (None, None);
            after.sla_resolution_breached_at = None;
            after.sla_next_check = None;
            store::incidents::set_sla(conn, after).await?;
            let entry = moved_entry("–", (old_response, None), (old_resolution, None));
            journal_moved(conn, after, entry).await?;
        }
        return Ok(());
    };
    let calendar = calendar_of(&calendar_row)?;
    let now = jiff::Timestamp::now();
    let was_paused = before.is_some_and(|b| b.sla_paused_since.is_some());
    let pauses_now = pausing(after, &policy);
    match (was_paused, pauses_now) {
        (false, true) => after.sla_paused_since = Some(now),
        (true, false) => {
            if let Some(since) = after.sla_paused_since.take() {
                after.sla_paused_seconds += calendar.between(since, now).as_secs();
            }
        }
        _ => {}
    }
    let (old_response, old_resolution) = (after.response_due, after.resolution_due);
    after.sla_policy_id = Some(policy.id);
    let paused_total = SignedDuration::from_secs(after.sla_paused_seconds);
    (
        after.response_due,
        after.resolution_due,
        after.sla_at_risk_due,
    ) = due_dates(
        &policy,
        &calendar,
        after.opened_at,
        after.priority,
        paused_total,
    );
    follow_due_dates(after, now);
    after.sla_next_check = next_check(after);
    store::incidents::set_sla(conn, after).await?;
    if after.response_due != old_response || after.resolution_due != old_resolution {
        let entry = moved_entry(
            &policy.key,
            (old_response, after.response_due),
            (old_resolution, after.resolution_due),
        );
        journal_moved(conn, after, entry).await?;
    }
    Ok(())
}

/// The `system` journal entry of moved due dates (see `moved_entry`).
async fn journal_moved(
    conn: &mut PgConnection,
    incident: &Incident,
    (body, changes): (String, serde_json::Value),
) -> AppResult<()> {
    store::journal::append(
        conn,
        NewEntry {
            subject: Subject::Incident(incident.id),
            author_id: None,
            kind: Kind::System,
            body: Some(&body),
            changes: Some(changes),
        },
    )
    .await?;
    Ok(())
}

/// Marks that no longer hold once due dates moved out (a policy relaxed, a priority lowered):
/// the current flags follow the new dates; the journal keeps the history of the old ones.
fn follow_due_dates(incident: &mut Incident, now: jiff::Timestamp) {
    let responded_or_now = incident.responded_at.unwrap_or(now);
    if incident
        .response_due
        .is_some_and(|due| responded_or_now <= due)
    {
        incident.sla_response_breached_at = None;
    }
    if incident.sla_at_risk_due.is_some_and(|due| now < due) {
        incident.sla_at_risk_at = None;
    }
    if incident.resolution_due.is_some_and(|due| now < due) {
        incident.sla_resolution_breached_at = None;
    }
}

/// Response, resolution and at-risk due dates of a clock started at `opened_at`.
pub(crate) fn due_dates(
    policy: &store::sla::PolicyRow,
    calendar: &Calendar,
    opened_at: jiff::Timestamp,
    priority: i16,
    paused: SignedDuration,
) -> (
    Option<jiff::Timestamp>,
    Option<jiff::Timestamp>,
    Option<jiff::Timestamp>,
) {
    let response = calendar.add(opened_at, target(&policy.response_targets, priority));
    let resolution_target = target(&policy.resolution_targets, priority);
    let resolution = due(calendar, opened_at, resolution_target, paused);
    let at_risk_target = resolution_target * i32::from(policy.at_risk_percent) / 100;
    let at_risk = due(calendar, opened_at, at_risk_target, paused);
    (response, resolution, at_risk)
}

/// The body and changes of the system entry that records moved due dates.
fn moved_entry(
    policy: &str,
    response: (Option<jiff::Timestamp>, Option<jiff::Timestamp>),
    resolution: (Option<jiff::Timestamp>, Option<jiff::Timestamp>),
) -> (String, serde_json::Value) {
    let show = |t: Option<jiff::Timestamp>| t.map(|t| t.to_string());
    let changes = json!({
        "response_due": {"from": show(response.0), "to": show(response.1)},
        "resolution_due": {"from": show(resolution.0), "to": show(resolution.1)},
    });
    (
        SystemNote::ServiceLevel {
            policy: policy.to_owned(),
        }
        .text(),
        changes,
    )
}

/// The clock of an incident about to be logged, computed before the insert so the row is
/// written once; with the body and changes of its "service level" journal entry.
pub(crate) async fn opening_clock(
    conn: &mut PgConnection,
    service_id: Option<uuid::Uuid>,
    group_id: Option<uuid::Uuid>,
    priority: i16,
    opened_at: jiff::Timestamp,
) -> AppResult<Option<(store::incidents::NewClock, (String, serde_json::Value))>> {
    let Some((policy, calendar_row)) =
        store::sla::applicable_policy(conn, service_id, group_id).await?
    else {
        return Ok(None);
    };
    let calendar = calendar_of(&calendar_row)?;
    let (response_due, resolution_due, at_risk_due) = due_dates(
        &policy,
        &calendar,
        opened_at,
        priority,
        SignedDuration::ZERO,
    );
    let clock = store::incidents::NewClock {
        policy_id: policy.id,
        response_due,
        resolution_due,
        at_risk_due,
        // Nothing is responded, paused or marked yet: the earliest of the three.
        next_check: [response_due, at_risk_due, resolution_due]
            .into_iter()
            .flatten()
            .min(),
    };
    let entry = moved_entry(&policy.key, (None, response_due), (None, resolution_due));
    Ok(Some((clock, entry)))
}

/// Whether the resolution clock stands still right now (for the API's `sla.paused`).
pub fn paused(incident: &Incident) -> bool {
    // Without a policy there is no clock; an incident on hold still reads as paused.
    incident.state == IncidentState::OnHold
        && (incident.sla_paused_since.is_some() || incident.sla_policy_id.is_none())
}

/// The next moment the worker has to look at the incident: a response or resolution target
/// running out, or the at-risk point; nothing while the resolution clock stands still.
pub(crate) fn next_check(incident: &Incident) -> Option<jiff::Timestamp> {
    incident.clock().next_check()
}

/// An incident's service level as API.md shows it (the `sla` object), with what the pages
/// count down from.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[expect(clippy::struct_excessive_bools, reason = "the sla object of API.md")]
pub struct SlaView {
    /// When a first response is due; `null` until service levels are configured.
    pub response_due: Option<jiff::Timestamp>,
    pub resolution_due: Option<jiff::Timestamp>,
    pub responded_at: Option<jiff::Timestamp>,
    pub response_breached: bool,
    pub resolution_breached: bool,
    /// The clock stops while the incident is on hold.
    pub paused: bool,
    /// The resolution target is mostly used up (the policy's at-risk percentage).
    pub at_risk: bool,
    /// The policy whose calendar counts business time (for countdowns in the pages).
    #[serde(skip)]
    pub policy_id: Option<uuid::Uuid>,
    /// Business seconds the resolution clock stood still so far.
    #[serde(skip)]
    pub paused_seconds: i64,
    /// Whether the incident is open (its clocks can run).
    #[serde(skip)]
    pub open: bool,
    #[serde(skip)]
    pub opened_at: jiff::Timestamp,
    #[serde(skip)]
    pub resolved_at: Option<jiff::Timestamp>,
}

/// What a queue row counts down to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Countdown {
    /// Business time left to the first response (negative once past), while none was given.
    Response(SignedDuration),
    /// Business time left to the resolution target (negative once past).
    Resolution(SignedDuration),
    /// The resolution clock stands still (on a pausing hold).
    Paused,
}

/// The calendars of the policies, loaded once for a page of incidents.
pub(crate) struct PolicyCalendars {
    reference: std::sync::Arc<store::reference::Reference>,
    calendars: std::collections::HashMap<uuid::Uuid, Calendar>,
}

impl PolicyCalendars {
    pub(crate) async fn load(db: &Db) -> AppResult<Self> {
        let reference = crate::service::reference::data(db).await?;
        let mut calendars = std::collections::HashMap::new();
        for row in &reference.calendars {
            calendars.insert(row.id, calendar_of(row)?);
        }
        Ok(Self {
            reference,
            calendars,
        })
    }

    /// The calendar of a record's policy; 24×7 without one (or for a retired policy).
    pub(crate) fn of_policy(&self, policy_id: Option<uuid::Uuid>) -> Calendar {
        policy_id
            .and_then(|p| self.of(p))
            .cloned()
            .unwrap_or_else(Calendar::always)
    }

    fn of(&self, policy_id: uuid::Uuid) -> Option<&Calendar> {
        self.reference
            .policies
            .iter()
            .find(|p| p.id == policy_id)
            .and_then(|p| self.calendars.get(&p.calendar_id))
    }
}

/// Business time from `now` to `due` in `calendar`, negative once `due` has passed.
fn signed_left(calendar: &Calendar, now: jiff::Timestamp, due: jiff::Timestamp) -> SignedDuration {
    if due > now {
        calendar.between(now, due)
    } else {
        -calendar.between(due, now)
    }
}

/// Business time left until each incident's resolution target, counted in its policy's
/// calendar (negative once past); `None` without a target, when closed, or while paused.
pub async fn time_left(
    db: &Db,
    clocks: &[&SlaView],
    now: jiff::Timestamp,
) -> AppResult<Vec<Option<SignedDuration>>> {
    let calendars = PolicyCalendars::load(db).await?;
    Ok(clocks
        .iter()
        .map(|clock| {
            let calendar = calendars.of(clock.policy_id?)?;
            let due = clock.resolution_due?;
            if !clock.open || clock.paused {
                return None;
            }
            Some(signed_left(calendar, now, due))
        })
        .collect())
}

/// What each open incident of a queue counts down to: the first response while none was
/// given (a P1 waiting for its response is not shown as fine because its resolution is far),
/// else the resolution target, or `Paused` while that clock stands still.
pub async fn countdowns(
    db: &Db,
    clocks: &[&SlaView],
    now: jiff::Timestamp,
) -> AppResult<Vec<Option<Countdown>>> {
    let calendars = PolicyCalendars::load(db).await?;
    Ok(clocks
        .iter()
        .map(|clock| {
            let calendar = calendars.of(clock.policy_id?)?;
            if !clock.open {
                return None;
            }
            if clock.responded_at.is_none()
                && let Some(due) = clock.response_due
            {
                return Some(Countdown::Response(signed_left(calendar, now, due)));
            }
            let due = clock.resolution_due?;
            Some(if clock.paused {
                Countdown::Paused
            } else {
                Countdown::Resolution(signed_left(calendar, now, due))
            })
        })
        .collect())
}

/// "2d 4h", "3h 20m", "45m" for a business-time span (its absolute value).
pub fn short_span(span: SignedDuration) -> String {
    let minutes = span.as_secs().abs() / 60;
    let (days, hours, mins) = (minutes / (24 * 60), (minutes / 60) % 24, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{mins}m"),
        (0, _) => format!("{hours}h {mins}m"),
        _ => format!("{days}d {hours}h"),
    }
}

/// An incident's service level for its page: the policy, and business time used, left and
/// paused on the resolution target.
pub struct Summary {
    pub policy: String,
    pub used: SignedDuration,
    pub left: Option<SignedDuration>,
    pub paused: SignedDuration,
}

impl Summary {
    pub fn used_text(&self) -> String {
        short_span(self.used)
    }

    pub fn paused_text(&self) -> String {
        short_span(self.paused)
    }
}

pub async fn summary(db: &Db, clock: &SlaView, now: jiff::Timestamp) -> AppResult<Option<Summary>> {
    let Some(policy_id) = clock.policy_id else {
        return Ok(None);
    };
    let mut conn = db.read().await?;
    let Some(policy) = store::sla::policy_by_id(&mut conn, policy_id).await? else {
        conn.done();
        return Ok(None);
    };
    let calendar_row = store::sla::calendar_by_id(&mut conn, policy.calendar_id)
        .await?
        .ok_or(AppError::NotFound)?;
    conn.done();
    let calendar = calendar_of(&calendar_row)?;
    let end = clock.resolved_at.unwrap_or(now);
    let paused = SignedDuration::from_secs(clock.paused_seconds);
    let used = (calendar.between(clock.opened_at, end) - paused).max(SignedDuration::ZERO);
    let left = time_left(db, &[clock], now)
        .await?
        .into_iter()
        .next()
        .flatten();
    Ok(Some(Summary {
        policy: policy.name,
        used,
        left,
        paused,
    }))
}

/// Writes the marks made on a record: an event and a `system` journal entry each.
pub(crate) async fn record_marks(
    conn: &mut PgConnection,
    subject: Subject,
    payload: &serde_json::Value,
    marks: &[(&str, SystemNote)],
) -> AppResult<()> {
    for (kind, note) in marks {
        store::events::add_event(conn, kind, subject, payload.clone()).await?;
        store::journal::append(
            conn,
            NewEntry {
                subject,
                author_id: None,
                kind: Kind::System,
                body: Some(&note.text()),
                changes: None,
            },
        )
        .await?;
    }
    Ok(())
}

/// The event kind and the journal note of a mark the SLA worker makes.
pub(crate) fn mark_event(mark: crate::domain::sla_clock::Mark) -> (&'static str, SystemNote) {
    use crate::domain::sla_clock::Mark;
    match mark {
        Mark::ResponseBreached => ("sla_response_breached", SystemNote::ResponseBreached),
        Mark::AtRisk => ("sla_at_risk", SystemNote::ResolutionAtRisk),
        Mark::ResolutionBreached => ("sla_resolution_breached", SystemNote::ResolutionBreached),
    }
}
