//! The lives of demo incidents and problems: each is planned as a list of dated steps (opened,
//! handed on, taken, asked, held, linked, resolved, closed), cut at the moment the demo ends,
//! and folded into the row and the journal entries the service itself would have written.

mod incident;
mod problem;

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::demo::catalog;
use crate::demo::copy::CopyBuffer;
use crate::demo::rng::Rng;
use crate::domain::incident::Level;
use crate::domain::sla::Calendar;
use crate::store::sla::PolicyRow;
pub use incident::{INCIDENT_COLUMNS, incident};
pub use problem::{
    LinkRecord, PROBLEM_COLUMNS, ProblemIndex, ProblemPlan, plan_problem, write_problem,
    write_problem_journal,
};

const MINUTE: f64 = 60.0;
const HOUR: f64 = 3600.0;
const DAY: f64 = 86_400.0;

/// Streams of the seeded generator, so incidents and problems draw independently.
pub const STREAM_INCIDENTS: u64 = 1;
pub const STREAM_PROBLEMS: u64 = 2;
pub const STREAM_PEOPLE: u64 = 3;
/// Ids are drawn per number, so a second run on the same database gets new ones.
const STREAM_INCIDENT_IDS: u64 = 4;
const STREAM_PROBLEM_IDS: u64 = 5;

pub struct Person {
    pub id: Uuid,
    pub email: String,
    pub german: bool,
}

pub struct Group {
    pub id: Uuid,
    pub key: &'static str,
    pub department: &'static str,
    /// Indices into `World::agents`.
    pub members: Vec<usize>,
}

/// A service level as stored, with its calendar, for the same due-date rules the service uses.
pub struct Policy {
    pub row: PolicyRow,
    pub calendar: Calendar,
}

/// Everything the generator needs from the reference data.
pub struct World {
    pub seed: u64,
    /// The moment the demo's history ends (the start of the current hour).
    pub anchor: i64,
    /// The moment it begins.
    pub start: i64,
    pub groups: Vec<Group>,
    pub services: Vec<Uuid>,
    pub agents: Vec<Person>,
    pub callers: Vec<Person>,
    /// Indices into `agents`.
    pub problem_managers: Vec<usize>,
    pub desk: usize,
    pub policies: Vec<Policy>,
    /// Per service index, per group index: the policy index that applies.
    pub policy_by_service: HashMap<usize, usize>,
    pub policy_by_group: HashMap<usize, usize>,
    pub default_policy: Option<usize>,
    /// The dated process changes the history shows (see [`ProcessChanges`]).
    pub changes: ProcessChanges,
}

/// Two changes to the way the desk works, each from a Monday (midnight, Berlin) of the
/// history, whose effect the insight figures show and the demo records as PDCA markers.
#[derive(Debug, Clone, Copy)]
pub struct ProcessChanges {
    /// A triage checklist at the service desk: from then on far fewer incidents are handed
    /// to the wrong group, so fewer bounce back to the desk (ping-pong).
    pub triage_from: i64,
    /// Callers get a first answer quickly: the first response comes much sooner (MTTA).
    pub fast_response_from: i64,
}

impl ProcessChanges {
    /// Weeks before the end of the history that each change took effect.
    pub const TRIAGE_WEEKS_AGO: i64 = 30;
    pub const FAST_RESPONSE_WEEKS_AGO: i64 = 12;

    /// The changes for a history ending at `anchor`: each on the Monday (Berlin) of the week
    /// that many weeks back.
    pub fn before(anchor: i64) -> Self {
        let monday = |weeks: i64| -> i64 {
            let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap_or(jiff::tz::TimeZone::UTC);
            let day = ts(anchor - weeks * 7 * 86_400).to_zoned(tz.clone()).date();
            let monday = day
                .checked_sub(
                    jiff::Span::new().days(i64::from(day.weekday().to_monday_zero_offset())),
                )
                .unwrap_or(day);
            monday
                .to_zoned(tz)
                .map_or(anchor, |z| z.timestamp().as_second())
        };
        ProcessChanges {
            triage_from: monday(Self::TRIAGE_WEEKS_AGO),
            fast_response_from: monday(Self::FAST_RESPONSE_WEEKS_AGO),
        }
    }
}

impl World {
    fn group_of(&self, key: &str) -> usize {
        self.groups
            .iter()
            .position(|g| g.key == key)
            .unwrap_or(self.desk)
    }

    fn service_of(key: &str) -> usize {
        catalog::SERVICES
            .iter()
            .position(|s| s.key == key)
            .unwrap_or(0)
    }

    fn member(&self, rng: &mut Rng, group: usize) -> usize {
        let members = &self.groups[group].members;
        if members.is_empty() {
            rng.index(self.agents.len())
        } else {
            *rng.pick(members)
        }
    }

    fn policy(&self, service: usize, group: usize) -> Option<&Policy> {
        self.policy_by_service
            .get(&service)
            .or_else(|| self.policy_by_group.get(&group))
            .copied()
            .or(self.default_policy)
            .map(|i| &self.policies[i])
    }
}

pub(super) fn ts(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn secs(duration: SignedDuration) -> i64 {
    duration.as_secs()
}

fn words<'a>(german: bool, de: &'a [&'a str], en: &'a [&'a str]) -> &'a [&'a str] {
    if german { de } else { en }
}

/// A text with its placeholders filled.
fn fill(rng: &mut Rng, german: bool, text: &str) -> String {
    let mut out = text.to_owned();
    if out.contains("{location}") {
        let place = rng.index(catalog::LOCATIONS_DE.len());
        let location = if german {
            catalog::LOCATIONS_DE[place]
        } else {
            catalog::LOCATIONS_EN[place]
        };
        out = out.replace("{location}", location);
    }
    if out.contains("{asset}") {
        out = out.replace("{asset}", &format!("INV-{}", 10_000 + rng.below(90_000)));
    }
    out
}

fn say(rng: &mut Rng, german: bool, de: &[&str], en: &[&str]) -> String {
    let text = *rng.pick(words(german, de, en));
    fill(rng, german, text)
}

/// Impact or urgency by rank: 0 high, 1 medium, 2 (or more) low.
fn level(rank: u8) -> Level {
    Level::ALL[usize::from(rank.min(2))]
}

/// A v7 id for a moment, drawn from the item's own generator.
pub(super) fn uuid_at(rng: &mut Rng, seconds: i64) -> Uuid {
    let mut bytes = [0u8; 10];
    for chunk in bytes.chunks_mut(5) {
        chunk.copy_from_slice(&rng.next_u64().to_le_bytes()[..5]);
    }
    let millis = u64::try_from(seconds.max(0)).unwrap_or(0) * 1000 + rng.below(1000);
    uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
}

#[expect(
    clippy::unnecessary_wraps,
    reason = "the shape of a journal entry's changes"
)]
pub(super) fn change(pairs: &[(&str, Value, Value)]) -> Option<String> {
    let mut map = serde_json::Map::new();
    for (field, from, to) in pairs {
        map.insert((*field).to_owned(), json!({"from": from, "to": to}));
    }
    Some(Value::Object(map).to_string())
}

/// The fields every new incident and problem records in its "created" entry.
fn opening_fields(
    title: &str,
    description: &str,
    impact_rank: u8,
    urgency_rank: u8,
    priority: i16,
) -> Vec<(&'static str, Value, Value)> {
    vec![
        ("title", Value::Null, json!(title)),
        ("description", Value::Null, json!(description)),
        ("state", Value::Null, json!("new")),
        ("impact", Value::Null, json!(level(impact_rank).as_str())),
        ("urgency", Value::Null, json!(level(urgency_rank).as_str())),
        ("priority", Value::Null, json!(priority)),
    ]
}

/// One journal entry before it is written.
pub(super) struct Entry {
    pub at: i64,
    pub author: Option<Uuid>,
    pub kind: &'static str,
    pub body: Option<String>,
    pub changes: Option<String>,
}

fn write_entries(
    out: &mut CopyBuffer,
    incident: Option<Uuid>,
    problem: Option<Uuid>,
    entries: &mut [Entry],
) {
    entries.sort_by_key(|e| e.at);
    for e in entries.iter() {
        out.row()
            .opt_value(incident)
            .opt_value(problem)
            .opt_value(e.author)
            .value(ts(e.at))
            .text(e.kind)
            .opt_text(e.body.as_deref())
            .opt_text(e.changes.as_deref());
    }
}

/// The columns of `write_entries`, for `COPY journal_entries (...)`.
pub const JOURNAL_COLUMNS: &str = "incident_id, problem_id, author_id, at, kind, body, changes";
