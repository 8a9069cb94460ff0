//! Service levels: calendars and policies (admins), and the clock on every incident. The clock
//! is kept in the transaction of each incident change: due dates are set when an incident is
//! logged, move when a pausing hold ends or when the priority or the policy changes, stop while
//! the incident is resolved, and every move is a `system` journal entry.

use std::collections::BTreeSet;

use jiff::SignedDuration;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use super::Actor;
use crate::domain::incident::IncidentState;
use crate::domain::sla::{Calendar, Interval, due};
use crate::domain::{Invalid, Permission, Slug, validation::required_text};
use crate::error::{AppError, AppResult};
use crate::store::{
    self,
    incidents::Incident,
    journal::{Kind, NewEntry, Subject},
};

// ------------------------------------------------------------------ calendars

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HolidayView {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CalendarView {
    pub key: String,
    pub name: String,
    /// An IANA time zone such as `Europe/Berlin`.
    pub time_zone: String,
    /// Seven lists, Monday first, of `["HH:MM", "HH:MM"]` working intervals.
    pub week: Vec<Vec<[String; 2]>>,
    pub holidays: Vec<HolidayView>,
    /// Around the clock (the built-in `24x7`).
    pub always: bool,
    /// Counts up with every change; sent as `ETag`, checked against `If-Match`.
    pub version: i64,
}

impl From<store::sla::CalendarRow> for CalendarView {
    fn from(row: store::sla::CalendarRow) -> Self {
        CalendarView {
            week: serde_json::from_value(row.week).unwrap_or_default(),
            holidays: serde_json::from_value(row.holidays).unwrap_or_default(),
            key: row.key,
            name: row.name,
            time_zone: row.time_zone,
            always: row.always,
            version: row.version,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarInput {
    pub key: Option<String>,
    pub name: Option<String>,
    pub time_zone: Option<String>,
    /// Seven lists, Monday first, of `["HH:MM", "HH:MM"]`; several intervals a day allowed.
    pub week: Option<Vec<Vec<[String; 2]>>>,
    pub holidays: Option<Vec<HolidayView>>,
}

fn parse_time(text: &str) -> Option<Time> {
    let (h, m) = text.trim().split_once(':')?;
    Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

/// The domain calendar of a stored one.
pub(crate) fn calendar_of(row: &store::sla::CalendarRow) -> AppResult<Calendar> {
    if row.always {
        return Ok(Calendar::always());
    }
    let view = CalendarView::from(row.clone());
    let (calendar, errors) = build_calendar(&view.time_zone, &view.week, &view.holidays);
    calendar.ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "stored calendar {} is invalid: {errors:?}",
            row.key
        ))
    })
}

/// Checks a calendar's parts; the calendar, or the field errors.
pub(super) fn build_calendar(
    time_zone: &str,
    week: &[Vec<[String; 2]>],
    holidays: &[HolidayView],
) -> (Option<Calendar>, Invalid) {
    let mut invalid = Invalid::default();
    let tz = TimeZone::get(time_zone.trim()).ok();
    if tz.is_none() {
        invalid.add("time_zone", "error.time_zone");
    }
    if week.len() != 7 {
        invalid.add("week", "error.week");
    }
    let mut days: [Vec<Interval>; 7] = Default::default();
    for (n, day) in week.iter().take(7).enumerate() {
        for [start, end] in day {
            match (parse_time(start), parse_time(end)) {
                (Some(start), Some(end)) => match Interval::new(start, end) {
                    Ok(interval) => days[n].push(interval),
                    Err(key) => invalid.add(format!("week[{n}]"), key),
                },
                _ => invalid.add(format!("week[{n}]"), "error.time_of_day"),
            }
        }
    }
    let mut dates = BTreeSet::new();
    for (n, holiday) in holidays.iter().enumerate() {
        match holiday.date.parse::<Date>() {
            Ok(date) => {
                dates.insert(date);
            }
            Err(_) => invalid.add(format!("holidays[{n}].date"), "error.date"),
        }
    }
    let calendar = match (tz, invalid.is_empty()) {
        (Some(tz), true) => match Calendar::new(tz, days, dates) {
            Ok(calendar) => Some(calendar),
            Err(key) => {
                invalid.add("week", key);
                None
            }
        },
        _ => None,
    };
    (calendar, invalid)
}

pub async fn create_calendar(
    db: &PgPool,
    actor: &Actor,
    input: CalendarInput,
) -> AppResult<CalendarView> {
    actor.require(Permission::Administer)?;
    let mut invalid = Invalid::default();
    let key = invalid.check("key", Slug::parse(input.key.as_deref().unwrap_or_default()));
    let name = invalid.check(
        "name",
        required_text(input.name.as_deref().unwrap_or_default(), 200),
    );
    let time_zone = input.time_zone.unwrap_or_default();
    let week = input.week.unwrap_or_default();
    let holidays = input.holidays.unwrap_or_default();
    let (_, problems) = build_calendar(&time_zone, &week, &holidays);
    invalid.0.extend(problems.0);
    let (Some(key), Some(name), true) = (key, name, invalid.is_empty()) else {
        return Err(invalid.into());
    };
    let mut tx = db.begin().await?;
    let new = store::sla::NewCalendar {
        key: key.as_str(),
        name: &name,
        time_zone: time_zone.trim(),
        week: json!(week),
        holidays: json!(holidays),
    };
    store::sla::insert_calendar(&mut tx, new)
        .await
        .map_err(|e| unique_to_conflict(e, "error.calendar_key_taken"))?;
    let row = store::sla::calendar_by_key(&mut tx, key.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row.into())
}

pub async fn calendars(db: &PgPool, actor: &Actor) -> AppResult<Vec<CalendarView>> {
    actor.require(Permission::Read)?;
    let mut conn = db.acquire().await?;
    Ok(store::sla::calendars(&mut conn)
        .await?
        .into_iter()
        .map(CalendarView::from)
        .collect())
}

pub(super) fn unique_to_conflict(error: sqlx::Error, key: &'static str) -> AppError {
    match &error {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") => {
            AppError::Conflict(key)
        }
        _ => error.into(),
    }
}

// ------------------------------------------------------------------ policies

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PolicyView {
    pub key: String,
    pub name: String,
    /// The calendar's key.
    pub calendar: String,
    /// The service it applies to; with neither service nor group, it is the default.
    pub service: Option<String>,
    pub assignment_group: Option<String>,
    /// Business seconds to the first response, for priorities 1 to 5.
    pub response_seconds: Vec<i32>,
    /// Business seconds to resolution, for priorities 1 to 5.
    pub resolution_seconds: Vec<i32>,
    /// Hold reasons that stop the resolution clock.
    pub pause_reasons: Vec<String>,
    pub at_risk_percent: i16,
    /// Counts up with every change; sent as `ETag`, checked against `If-Match`.
    pub version: i64,
}

impl From<store::sla::PolicyRow> for PolicyView {
    fn from(row: store::sla::PolicyRow) -> Self {
        PolicyView {
            key: row.key,
            name: row.name,
            calendar: row.calendar,
            service: row.service,
            assignment_group: row.assignment_group,
            response_seconds: row.response_targets,
            resolution_seconds: row.resolution_targets,
            pause_reasons: row.pause_reasons,
            at_risk_percent: row.at_risk_percent,
            version: row.version,
        }
    }
}

impl PolicyView {
    /// Response targets in business minutes, priority 1 first: "30 / 60 / 120 / 240 / 480".
    pub fn response_minutes(&self) -> String {
        minutes(&self.response_seconds)
    }

    pub fn resolution_minutes(&self) -> String {
        minutes(&self.resolution_seconds)
    }
}

fn minutes(seconds: &[i32]) -> String {
    seconds
        .iter()
        .map(|s| (s / 60).to_string())
        .collect::<Vec<_>>()
        .join(" / ")
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyInput {
    pub key: Option<String>,
    pub name: Option<String>,
    /// A calendar key (`24x7` is built in).
    pub calendar: Option<String>,
    pub service: Option<String>,
    pub assignment_group: Option<String>,
    /// Five positive numbers of business seconds, priority 1 first.
    pub response_seconds: Option<Vec<i32>>,
    pub resolution_seconds: Option<Vec<i32>>,
    /// Default `awaiting_caller` and `awaiting_vendor`.
    pub pause_reasons: Option<Vec<String>>,
    /// Default 75.
    pub at_risk_percent: Option<i16>,
}

fn targets(invalid: &mut Invalid, field: &str, value: Option<&Vec<i32>>) -> Vec<i32> {
    match value {
        Some(v) if v.len() == 5 && v.iter().all(|s| *s > 0) => v.clone(),
        _ => {
            invalid.add(field, "error.targets");
            Vec::new()
        }
    }
}

pub async fn create_policy(
    db: &PgPool,
    actor: &Actor,
    input: PolicyInput,
) -> AppResult<PolicyView> {
    actor.require(Permission::Administer)?;
    let mut tx = db.begin().await?;
    let valid = validate_policy(&mut tx, &input).await?;
    let new = valid.as_new();
    store::sla::insert_policy(&mut tx, new)
        .await
        .map_err(|e| unique_to_conflict(e, "error.policy_taken"))?;
    let row = store::sla::policy_by_key(&mut tx, valid.key.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row.into())
}

/// A policy input checked in full: every field valid, every key resolved.
pub(super) struct ValidPolicy {
    key: Slug,
    name: String,
    calendar_id: uuid::Uuid,
    service_id: Option<uuid::Uuid>,
    group_id: Option<uuid::Uuid>,
    response: Vec<i32>,
    resolution: Vec<i32>,
    pause_reasons: Vec<String>,
    at_risk: i16,
}

impl ValidPolicy {
    pub(super) fn as_new(&self) -> store::sla::NewPolicy<'_> {
        store::sla::NewPolicy {
            key: self.key.as_str(),
            name: &self.name,
            calendar_id: self.calendar_id,
            service_id: self.service_id,
            assignment_group_id: self.group_id,
            response_targets: &self.response,
            resolution_targets: &self.resolution,
            pause_reasons: &self.pause_reasons,
            at_risk_percent: self.at_risk,
        }
    }
}

/// Checks a whole policy input, naming every invalid field.
pub(super) async fn validate_policy(
    tx: &mut PgConnection,
    input: &PolicyInput,
) -> AppResult<ValidPolicy> {
    let mut invalid = Invalid::default();
    let key = invalid.check("key", Slug::parse(input.key.as_deref().unwrap_or_default()));
    let name = invalid.check(
        "name",
        required_text(input.name.as_deref().unwrap_or_default(), 200),
    );
    let response = targets(
        &mut invalid,
        "response_seconds",
        input.response_seconds.as_ref(),
    );
    let resolution = targets(
        &mut invalid,
        "resolution_seconds",
        input.resolution_seconds.as_ref(),
    );
    let pause_reasons = input
        .pause_reasons
        .clone()
        .unwrap_or_else(|| vec!["awaiting_caller".into(), "awaiting_vendor".into()]);
    if pause_reasons
        .iter()
        .any(|r| crate::domain::incident::HoldReason::parse(r).is_err())
    {
        invalid.add("pause_reasons", "error.hold_reason");
    }
    let at_risk = input.at_risk_percent.unwrap_or(75);
    if !(1..=99).contains(&at_risk) {
        invalid.add("at_risk_percent", "error.percent");
    }
    if input.service.is_some() && input.assignment_group.is_some() {
        invalid.add("assignment_group", "error.one_scope");
    }
    let calendar =
        store::sla::calendar_by_key(&mut *tx, input.calendar.as_deref().unwrap_or("24x7")).await?;
    if calendar.is_none() {
        invalid.add("calendar", "error.unknown_calendar");
    }
    let service_id = match input.service.as_deref() {
        Some(key) => {
            if let Some(service) = store::services::find_by_key(&mut *tx, key).await? {
                Some(service.id)
            } else {
                invalid.add("service", "error.unknown_service");
                None
            }
        }
        None => None,
    };
    let group_id = match input.assignment_group.as_deref() {
        Some(key) => {
            if let Some(group) = store::groups::find_by_key(&mut *tx, key).await? {
                Some(group.id)
            } else {
                invalid.add("assignment_group", "error.unknown_group");
                None
            }
        }
        None => None,
    };
    let (Some(key), Some(name), Some(calendar), true) = (key, name, calendar, invalid.is_empty())
    else {
        return Err(invalid.into());
    };
    Ok(ValidPolicy {
        key,
        name,
        calendar_id: calendar.id,
        service_id,
        group_id,
        response,
        resolution,
        pause_reasons,
        at_risk,
    })
}

pub async fn policies(db: &PgPool, actor: &Actor) -> AppResult<Vec<PolicyView>> {
    actor.require(Permission::Read)?;
    let mut conn = db.acquire().await?;
    Ok(store::sla::policies(&mut conn)
        .await?
        .into_iter()
        .map(PolicyView::from)
        .collect())
}

// ------------------------------------------------------------------ the clock

/// Whether the resolution clock stands still in this state under this policy.
fn pausing(incident: &Incident, policy: &store::sla::PolicyRow) -> bool {
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
pub(super) async fn update_clock(
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
    (format!("service level {policy}"), changes)
}

/// The clock of an incident about to be logged, computed before the insert so the row is
/// written once; with the body and changes of its "service level" journal entry.
pub(super) async fn opening_clock(
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
    let mut moments = Vec::new();
    if incident.responded_at.is_none() && incident.sla_response_breached_at.is_none() {
        moments.extend(incident.response_due);
    }
    if incident.state.is_open() && incident.sla_paused_since.is_none() {
        if incident.sla_at_risk_at.is_none() {
            moments.extend(incident.sla_at_risk_due);
        }
        if incident.sla_resolution_breached_at.is_none() {
            moments.extend(incident.resolution_due);
        }
    }
    moments.into_iter().min()
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
struct PolicyCalendars {
    policies: Vec<store::sla::PolicyRow>,
    calendars: std::collections::HashMap<uuid::Uuid, Calendar>,
}

impl PolicyCalendars {
    async fn load(db: &PgPool) -> AppResult<Self> {
        let mut conn = db.acquire().await?;
        let policies = store::sla::policies(&mut conn).await?;
        let mut calendars = std::collections::HashMap::new();
        for row in store::sla::calendars(&mut conn).await? {
            calendars.insert(row.id, calendar_of(&row)?);
        }
        Ok(Self {
            policies,
            calendars,
        })
    }

    fn of(&self, policy_id: uuid::Uuid) -> Option<&Calendar> {
        self.policies
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
    db: &PgPool,
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
    db: &PgPool,
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

pub async fn summary(
    db: &PgPool,
    clock: &SlaView,
    now: jiff::Timestamp,
) -> AppResult<Option<Summary>> {
    let Some(policy_id) = clock.policy_id else {
        return Ok(None);
    };
    let mut conn = db.acquire().await?;
    let Some(policy) = store::sla::policy_by_id(&mut conn, policy_id).await? else {
        return Ok(None);
    };
    let calendar_row = store::sla::calendar_by_id(&mut conn, policy.calendar_id)
        .await?
        .ok_or(AppError::NotFound)?;
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
