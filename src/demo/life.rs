//! The lives of demo incidents and problems: each is planned as a list of dated steps (opened,
//! handed on, taken, asked, held, linked, resolved, closed), cut at the moment the demo ends,
//! and folded into the row and the journal entries the service itself would have written.

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use uuid::Uuid;

use super::catalog::{self, Template};
use super::copy::CopyBuffer;
use super::rng::Rng;
use crate::domain::sla::Calendar;
use crate::service::sla::due_dates;
use crate::store::sla::PolicyRow;

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

fn ts(seconds: i64) -> Timestamp {
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

fn level(rank: u8) -> &'static str {
    match rank {
        0 => "high",
        1 => "medium",
        _ => "low",
    }
}

fn uuid_at(rng: &mut Rng, seconds: i64) -> Uuid {
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
fn change(pairs: &[(&str, Value, Value)]) -> Option<String> {
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
        ("impact", Value::Null, json!(level(impact_rank))),
        ("urgency", Value::Null, json!(level(urgency_rank))),
        ("priority", Value::Null, json!(priority)),
    ]
}

/// One journal entry before it is written.
struct Entry {
    at: i64,
    author: Option<Uuid>,
    kind: &'static str,
    body: Option<String>,
    changes: Option<String>,
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

// ------------------------------------------------------------------ problems

pub struct ProblemPlan {
    pub id: Uuid,
    pub number: String,
    pub template: usize,
    pub opened: i64,
    /// Until when incidents are linked to it.
    pub active_until: i64,
    /// When it became a known error (root cause and workaround), if it did before the anchor.
    pub known_error_at: Option<i64>,
    /// When it was resolved with `fix_applied`, resolving its open incidents.
    pub fixed_at: Option<i64>,
    pub manager: usize,
    pub workaround: String,
    pub fix: String,
    entries: Vec<Entry>,
    row: ProblemRow,
}

struct ProblemRow {
    title: String,
    description: String,
    state: &'static str,
    known_error: bool,
    root_cause: Option<String>,
    workaround: Option<String>,
    resolution_code: Option<&'static str>,
    fix_notes: Option<String>,
    impact: &'static str,
    urgency: &'static str,
    priority: i16,
    updated_at: i64,
    resolved_at: Option<i64>,
    closed_at: Option<i64>,
    version: i64,
}

/// The templates that have a problem definition, with their weights.
fn problem_templates() -> (Vec<usize>, Vec<u32>) {
    catalog::TEMPLATES
        .iter()
        .enumerate()
        .filter(|(_, t)| t.problem.is_some())
        .map(|(i, t)| (i, t.weight))
        .unzip()
}

/// Plans problem `n` (numbered `number`): its steps up to the anchor, its row and journal.
#[expect(clippy::too_many_lines, reason = "one life, told in order")]
pub fn plan_problem(world: &World, n: u64, number: u64) -> Option<ProblemPlan> {
    let mut rng = Rng::fork(world.seed, STREAM_PROBLEMS, n);
    let (templates, weights) = problem_templates();
    if templates.is_empty() {
        return None;
    }
    let template = templates[rng.weighted(&weights)];
    let tmpl = &catalog::TEMPLATES[template];
    let def = tmpl.problem.as_ref()?;
    let german = rng.chance(0.6);
    let pick = |de: &'static str, en: &'static str| if german { de } else { en };
    #[expect(clippy::cast_precision_loss, reason = "seconds over a few years")]
    let span = (world.anchor - world.start) as f64;
    #[expect(clippy::cast_possible_truncation, reason = "within the span")]
    let opened = world.start + (rng.unit() * span * 0.98) as i64;
    let manager = *rng.pick(&world.problem_managers);
    let manager_id = world.agents[manager].id;
    let impact_rank = tmpl.impact.saturating_sub(1).min(2);
    let urgency_rank = u8::try_from(rng.weighted(&[2, 5, 3])).unwrap_or(1);
    let priority = i16::from(impact_rank + urgency_rank + 1);
    let title = pick(def.title_de, def.title_en).to_owned();
    let description = say(&mut rng, german, tmpl.descriptions_de, tmpl.descriptions_en);
    let root_cause = pick(def.root_cause_de, def.root_cause_en).to_owned();
    let workaround = pick(def.workaround_de, def.workaround_en).to_owned();
    let fix = pick(def.fix_de, def.fix_en).to_owned();

    // The planned path, each step with its time.
    let mut steps: Vec<(i64, &'static str)> = Vec::new();
    let mut t = opened;
    let after = |rng: &mut Rng, median: f64, t: &mut i64| {
        *t += rng.lognormal(median, 0.8);
        *t
    };
    let path = rng.weighted(&[10, 15, 75]);
    let mut known_error_at = None;
    let mut fixed_at = None;
    let code: &'static str;
    steps.push((after(&mut rng, DAY, &mut t), "assessment"));
    if path == 0 {
        code = if rng.chance(0.5) {
            "duplicate"
        } else {
            "canceled"
        };
        steps.push((after(&mut rng, 2.0 * DAY, &mut t), "closed"));
    } else {
        steps.push((after(&mut rng, 3.0 * DAY, &mut t), "root_cause_analysis"));
        if rng.chance(0.75) {
            let at = t + rng.lognormal(5.0 * DAY, 0.8);
            known_error_at = Some(at);
            t = at;
        }
        if path == 1 {
            code = "risk_accepted";
        } else {
            code = "fix_applied";
            steps.push((after(&mut rng, 10.0 * DAY, &mut t), "fix_in_progress"));
        }
        let resolved = after(&mut rng, 14.0 * DAY, &mut t);
        steps.push((resolved, "resolved"));
        if code == "fix_applied" {
            fixed_at = Some(resolved);
        }
        steps.push((after(&mut rng, 7.0 * DAY, &mut t), "closed"));
    }
    let end = steps.last().map_or(opened, |s| s.0);
    let active_until = steps
        .iter()
        .find(|(_, s)| *s == "resolved" || *s == "closed")
        .map_or(end, |s| s.0)
        .min(world.anchor);
    let known_error_at = known_error_at.filter(|at| *at <= world.anchor);
    let fixed_at = fixed_at.filter(|at| *at <= world.anchor);

    // Fold the steps that happened into the row and the journal.
    let mut fields = opening_fields(&title, &description, impact_rank, urgency_rank, priority);
    fields.extend([
        ("service", Value::Null, json!(tmpl.service)),
        ("assignment_group", Value::Null, json!(tmpl.group)),
        ("assignee", Value::Null, json!(world.agents[manager].email)),
    ]);
    let created = change(&fields);
    let mut entries = vec![Entry {
        at: opened,
        author: Some(manager_id),
        kind: "change",
        body: Some("created".to_owned()),
        changes: created,
    }];
    let mut row = ProblemRow {
        title,
        description,
        state: "new",
        known_error: false,
        root_cause: None,
        workaround: None,
        resolution_code: None,
        fix_notes: None,
        impact: level(impact_rank),
        urgency: level(urgency_rank),
        priority,
        updated_at: opened,
        resolved_at: None,
        closed_at: None,
        version: 1,
    };
    if let Some(at) = known_error_at {
        steps.push((at, "known_error"));
        steps.sort_by_key(|s| s.0);
    }
    for (at, step) in steps.into_iter().filter(|(at, _)| *at <= world.anchor) {
        row.updated_at = at;
        row.version += 1;
        if step == "known_error" {
            entries.push(Entry {
                at,
                author: Some(manager_id),
                kind: "change",
                body: None,
                changes: change(&[
                    ("known_error", json!(false), json!(true)),
                    ("root_cause", Value::Null, json!(root_cause)),
                    ("workaround", Value::Null, json!(workaround)),
                ]),
            });
            row.known_error = true;
            row.root_cause = Some(root_cause.clone());
            row.workaround = Some(workaround.clone());
            continue;
        }
        let mut pairs = vec![("state", json!(row.state), json!(step))];
        let mut body = None;
        if step == "resolved" || (step == "closed" && row.resolution_code.is_none()) {
            pairs.push(("resolution_code", Value::Null, json!(code)));
            row.resolution_code = Some(code);
            if code == "fix_applied" {
                pairs.push(("fix_notes", Value::Null, json!(fix)));
                row.fix_notes = Some(fix.clone());
                body = Some(fix.clone());
            }
            if row.root_cause.is_none() && code != "duplicate" && code != "canceled" {
                pairs.push(("root_cause", Value::Null, json!(root_cause)));
                row.root_cause = Some(root_cause.clone());
            }
        }
        if step == "resolved" {
            row.resolved_at = Some(at);
        }
        if step == "closed" {
            row.closed_at = Some(at);
            row.resolved_at.get_or_insert(at);
        }
        row.state = step;
        entries.push(Entry {
            at,
            author: Some(manager_id),
            kind: "transition",
            body,
            changes: change(&pairs),
        });
    }
    Some(ProblemPlan {
        id: uuid_at(
            &mut Rng::fork(world.seed, STREAM_PROBLEM_IDS, number),
            opened,
        ),
        number: format!("PRB{number:07}"),
        template,
        opened,
        active_until,
        known_error_at,
        fixed_at,
        manager,
        workaround,
        fix,
        entries,
        row,
    })
}

/// The columns of `write_problem`, for `COPY problems (...)`.
pub const PROBLEM_COLUMNS: &str = "id, number, title, description, state, known_error, root_cause, workaround, \
     resolution_code, fix_notes, impact, urgency, priority, service_id, assignment_group_id, assignee_id, \
     opened_by_id, opened_at, updated_at, resolved_at, closed_at, version";

pub fn write_problem(world: &World, plan: &ProblemPlan, out: &mut CopyBuffer) {
    let tmpl = &catalog::TEMPLATES[plan.template];
    let row = &plan.row;
    let manager = world.agents[plan.manager].id;
    out.row()
        .value(plan.id)
        .text(&plan.number)
        .text(&row.title)
        .text(&row.description)
        .text(row.state)
        .value(row.known_error)
        .opt_text(row.root_cause.as_deref())
        .opt_text(row.workaround.as_deref())
        .opt_text(row.resolution_code)
        .opt_text(row.fix_notes.as_deref())
        .text(row.impact)
        .text(row.urgency)
        .value(row.priority)
        .value(world.services[World::service_of(tmpl.service)])
        .value(world.groups[world.group_of(tmpl.group)].id)
        .value(manager)
        .value(manager)
        .value(ts(plan.opened))
        .value(ts(row.updated_at))
        .opt_value(row.resolved_at.map(ts))
        .opt_value(row.closed_at.map(ts))
        .value(row.version);
}

/// A link as the problem's journal shows it.
pub struct LinkRecord {
    pub problem: u32,
    pub at: i64,
    pub incident_number: u32,
    pub agent: u32,
}

/// The problem's journal: its own steps and every incident linked to it, in time order.
pub fn write_problem_journal(
    world: &World,
    plan: &mut ProblemPlan,
    links: &[LinkRecord],
    out: &mut CopyBuffer,
) {
    for link in links {
        let number = format!("INC{:07}", link.incident_number);
        plan.entries.push(Entry {
            at: link.at,
            author: Some(world.agents[link.agent as usize].id),
            kind: "link",
            changes: change(&[("incidents", Value::Null, json!(number))]),
            body: Some(number),
        });
    }
    write_entries(out, None, Some(plan.id), &mut plan.entries);
}

/// Per template, the problems in order of opening: the ones an incident may be linked to.
pub struct ProblemIndex {
    by_template: HashMap<usize, Vec<usize>>,
}

impl ProblemIndex {
    pub fn new(plans: &[ProblemPlan]) -> Self {
        let mut by_template: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, plan) in plans.iter().enumerate() {
            by_template.entry(plan.template).or_default().push(i);
        }
        for list in by_template.values_mut() {
            list.sort_by_key(|i| plans[*i].opened);
        }
        Self { by_template }
    }

    /// The most recently opened problem of this template still being worked on at `at`.
    fn active(&self, plans: &[ProblemPlan], template: usize, at: i64) -> Option<usize> {
        let list = self.by_template.get(&template)?;
        let upto = list.partition_point(|i| plans[*i].opened <= at);
        list[..upto]
            .iter()
            .rev()
            .take(50)
            .find(|i| plans[**i].active_until > at)
            .copied()
    }
}

// ------------------------------------------------------------------ incidents

enum Author {
    Agent(usize),
    Caller,
}

enum Step {
    Reassign {
        to: usize,
        by: usize,
        note: String,
    },
    Start {
        by: usize,
    },
    Comment {
        author: Author,
        body: String,
        internal: bool,
    },
    Hold {
        reason: &'static str,
        by: usize,
        note: String,
    },
    Resume {
        by: usize,
    },
    Link {
        problem: usize,
        by: usize,
    },
    Workaround {
        problem: usize,
    },
    Resolve {
        code: &'static str,
        by: usize,
        notes: String,
    },
    Close {
        by: usize,
    },
    Cancel {
        by: usize,
        reason: String,
    },
}

/// Handing the incident to another group, with the note that goes with it.
fn hand_over(rng: &mut Rng, german: bool, to: usize, by: usize) -> Step {
    let note = say(
        rng,
        german,
        catalog::REASSIGN_NOTES_DE,
        catalog::REASSIGN_NOTES_EN,
    );
    Step::Reassign { to, by, note }
}

/// The columns of the staging table the incidents are copied into (`comments` becomes
/// `comments_vector` on the way into `incidents`).
pub const INCIDENT_COLUMNS: &str = "id, number, title, description, state, hold_reason, impact, urgency, \
     priority, caller_email, caller_id, service_id, category, assignment_group_id, assignee_id, major, \
     resolution_code, resolution_notes, response_due, resolution_due, responded_at, reassignment_count, \
     opened_by_id, opened_at, updated_at, resolved_at, closed_at, version, problem_id, sla_policy_id, \
     sla_paused_seconds, sla_paused_since, sla_at_risk_due, sla_at_risk_at, sla_response_breached_at, \
     sla_resolution_breached_at, sla_next_check";

/// What generating one incident produced.
pub struct Produced {
    pub journal_entries: usize,
    pub link: Option<LinkRecord>,
}

fn opened_at(world: &World, rng: &mut Rng, n: u64, total: u64) -> i64 {
    #[expect(
        clippy::cast_precision_loss,
        reason = "counts and seconds far below 2^53"
    )]
    let (span, slot, total) = (
        (world.anchor - world.start) as f64,
        n as f64 / total.max(1) as f64,
        total.max(1) as f64,
    );
    let step = span / total;
    #[expect(clippy::cast_possible_truncation, reason = "within the span")]
    let at = world.start + (slot * span + rng.unit() * step) as i64;
    at.min(world.anchor - 60)
}

/// Generates incident `n` of `total` with number `number`: a row for the staging table and its
/// journal.
#[expect(clippy::too_many_lines, reason = "one life, told in order")]
#[expect(
    clippy::too_many_arguments,
    reason = "the generator's state, passed once per incident"
)]
pub fn incident(
    world: &World,
    plans: &[ProblemPlan],
    index: &ProblemIndex,
    weights: &[u32],
    n: u64,
    total: u64,
    number: u64,
    staged: &mut CopyBuffer,
    journal: &mut CopyBuffer,
) -> Produced {
    let mut rng = Rng::fork(world.seed, STREAM_INCIDENTS, n);
    let opened = opened_at(world, &mut rng, n, total);
    let template_index = rng.weighted(weights);
    let tmpl: &Template = &catalog::TEMPLATES[template_index];
    let caller_index = rng.index(world.callers.len());
    let caller = &world.callers[caller_index];
    let german = caller.german;
    let final_group = world.group_of(tmpl.group);
    let service = World::service_of(tmpl.service);
    let department = world.groups[final_group].department;
    let via_desk = department == "IT" && final_group != world.desk && rng.chance(0.6);
    let first_group = if via_desk { world.desk } else { final_group };
    let opened_by = world.member(&mut rng, first_group);
    let impact_rank = if rng.chance(0.7) {
        tmpl.impact.saturating_sub(1).min(2)
    } else {
        u8::try_from(rng.index(3)).unwrap_or(1)
    };
    let urgency_rank = u8::try_from(rng.weighted(&[15, 55, 30])).unwrap_or(1);
    let priority = i16::from(impact_rank + urgency_rank + 1);
    let major = priority == 1 && department == "IT" && rng.chance(0.15);
    let title = say(&mut rng, german, tmpl.titles_de, tmpl.titles_en);
    let description = say(&mut rng, german, tmpl.descriptions_de, tmpl.descriptions_en);
    let prio = usize::try_from(priority - 1).unwrap_or(2);

    // ---- the plan
    let mut steps: Vec<(i64, Step)> = Vec::new();
    let mut t = opened;
    let mut handler = opened_by;
    if rng.chance(0.03) {
        t += rng.lognormal(30.0 * MINUTE, 1.0);
        let reason = say(&mut rng, german, CANCEL_DE, CANCEL_EN);
        steps.push((
            t,
            Step::Cancel {
                by: handler,
                reason,
            },
        ));
    } else {
        if via_desk {
            t += rng.lognormal(15.0 * MINUTE, 0.8);
            if rng.chance(0.1) {
                let wrong = world
                    .groups
                    .iter()
                    .enumerate()
                    .filter(|(i, g)| *i != final_group && *i != world.desk && g.department == "IT")
                    .map(|(i, _)| i)
                    .collect::<Vec<_>>();
                if !wrong.is_empty() {
                    let to = *rng.pick(&wrong);
                    steps.push((t, hand_over(&mut rng, german, to, handler)));
                    handler = world.member(&mut rng, to);
                    t += rng.lognormal(3.0 * HOUR, 1.0);
                }
            }
            steps.push((t, hand_over(&mut rng, german, final_group, handler)));
        }
        let agent = world.member(&mut rng, final_group);
        t += rng.lognormal([3.0, 8.0, 20.0, 60.0, 120.0][prio] * MINUTE, 1.0);
        steps.push((t, Step::Start { by: agent }));
        if rng.chance(0.45) {
            t += rng.lognormal(20.0 * MINUTE, 1.0);
            let body = say(
                &mut rng,
                german,
                catalog::AGENT_QUESTIONS_DE,
                catalog::AGENT_QUESTIONS_EN,
            );
            steps.push((
                t,
                Step::Comment {
                    author: Author::Agent(agent),
                    body,
                    internal: false,
                },
            ));
            if rng.chance(0.8) {
                t += rng.lognormal(2.0 * HOUR, 1.2);
                let body = say(
                    &mut rng,
                    german,
                    catalog::CALLER_REPLIES_DE,
                    catalog::CALLER_REPLIES_EN,
                );
                steps.push((
                    t,
                    Step::Comment {
                        author: Author::Caller,
                        body,
                        internal: false,
                    },
                ));
            }
        }
        if rng.chance(0.35) {
            t += rng.lognormal(HOUR, 1.0);
            let body = say(
                &mut rng,
                german,
                catalog::WORK_NOTES_DE,
                catalog::WORK_NOTES_EN,
            );
            steps.push((
                t,
                Step::Comment {
                    author: Author::Agent(agent),
                    body,
                    internal: true,
                },
            ));
        }
        let problem = index
            .active(plans, template_index, t)
            .filter(|_| rng.chance(0.35));
        if let Some(p) = problem {
            t += rng.lognormal(30.0 * MINUTE, 1.0);
            steps.push((
                t,
                Step::Link {
                    problem: p,
                    by: agent,
                },
            ));
            if let Some(at) = plans[p].known_error_at {
                steps.push((at.max(t), Step::Workaround { problem: p }));
            }
        }
        let hold = if problem.is_some() && rng.chance(0.3) {
            Some("awaiting_problem")
        } else if rng.chance(0.2) {
            Some(
                ["awaiting_caller", "awaiting_vendor", "awaiting_change"]
                    [rng.weighted(&[50, 30, 20])],
            )
        } else {
            None
        };
        if let Some(reason) = hold {
            t += rng.lognormal(HOUR, 1.0);
            let note = say(
                &mut rng,
                german,
                catalog::HOLD_NOTES_DE,
                catalog::HOLD_NOTES_EN,
            );
            steps.push((
                t,
                Step::Hold {
                    reason,
                    by: agent,
                    note,
                },
            ));
            let median = match reason {
                "awaiting_caller" => DAY,
                "awaiting_vendor" => 3.0 * DAY,
                "awaiting_change" => 5.0 * DAY,
                _ => 10.0 * DAY,
            };
            t += if rng.chance(0.02) {
                rng.lognormal(40.0 * DAY, 0.7)
            } else {
                rng.lognormal(median, 1.0)
            };
            steps.push((t, Step::Resume { by: agent }));
        }
        t += rng.lognormal([1.0, 3.0, 6.0, 16.0, 30.0][prio] * HOUR, 1.0);
        let by_problem = problem
            .and_then(|p| plans[p].fixed_at.map(|at| (p, at)))
            .filter(|(_, at)| *at < t);
        if let Some((p, at)) = by_problem {
            // The problem's fix came first: it resolves the incident wherever it stands.
            steps.retain(|(when, _)| *when <= at);
            let plan = &plans[p];
            let notes = format!("{}: {}", plan.number, plan.fix);
            steps.push((
                at,
                Step::Resolve {
                    code: "solved_by_problem",
                    by: plan.manager,
                    notes,
                },
            ));
            t = at;
        } else {
            let code = if problem.is_some_and(|p| plans[p].known_error_at.is_some_and(|k| k < t)) {
                "workaround"
            } else {
                [
                    "workaround",
                    "permanent_fix",
                    "not_reproducible",
                    "duplicate",
                ][rng.weighted(&[35, 50, 10, 5])]
            };
            let notes = say(&mut rng, german, tmpl.resolutions_de, tmpl.resolutions_en);
            steps.push((
                t,
                Step::Resolve {
                    code,
                    by: agent,
                    notes,
                },
            ));
        }
        t += rng.lognormal(2.0 * DAY, 0.7);
        if rng.chance(0.5) {
            let body = say(
                &mut rng,
                german,
                catalog::CLOSE_NOTES_DE,
                catalog::CLOSE_NOTES_EN,
            );
            steps.push((
                t - 600,
                Step::Comment {
                    author: Author::Caller,
                    body,
                    internal: false,
                },
            ));
        }
        steps.push((t, Step::Close { by: agent }));
    }
    steps.sort_by_key(|s| s.0);
    let id = uuid_at(
        &mut Rng::fork(world.seed, STREAM_INCIDENT_IDS, number),
        opened,
    );

    // ---- the fold: what had happened by the anchor
    let agent_email = |i: usize| json!(world.agents[i].email);
    let group_key = |i: usize| json!(world.groups[i].key);
    let policy = world.policy(service, final_group);
    let mut entries = vec![Entry {
        at: opened,
        author: Some(world.agents[opened_by].id),
        kind: "change",
        body: Some("created".to_owned()),
        changes: change(&{
            let mut fields =
                opening_fields(&title, &description, impact_rank, urgency_rank, priority);
            fields.extend([
                ("caller", Value::Null, json!(caller.email)),
                ("service", Value::Null, json!(tmpl.service)),
                ("category", Value::Null, json!(tmpl.category)),
                ("assignment_group", Value::Null, group_key(first_group)),
                ("major", Value::Null, json!(major)),
            ]);
            fields
        }),
    }];
    // (response, resolution, at-risk) due dates after `paused` business seconds of pauses.
    let dues = |paused: i64| {
        policy.map(|p| {
            due_dates(
                &p.row,
                &p.calendar,
                ts(opened),
                priority,
                SignedDuration::from_secs(paused),
            )
        })
    };
    let response_due = dues(0).and_then(|d| d.0);
    let resolution_due_with = |paused: i64| dues(paused).and_then(|d| d.1);
    if let Some(p) = policy {
        entries.push(Entry {
            at: opened,
            author: None,
            kind: "system",
            body: Some(format!("service level {}", p.row.key)),
            changes: change(&[
                (
                    "response_due",
                    Value::Null,
                    json!(response_due.map(|d| d.to_string())),
                ),
                (
                    "resolution_due",
                    Value::Null,
                    json!(resolution_due_with(0).map(|d| d.to_string())),
                ),
            ]),
        });
    }
    let mut state = "new";
    let mut hold_reason: Option<&'static str> = None;
    let mut group = first_group;
    let mut assignee: Option<usize> = None;
    let mut responded: Option<i64> = None;
    let mut resolved_at = None;
    let mut closed_at = None;
    let mut resolution: Option<(&'static str, String)> = None;
    let mut reassignments = 0;
    let mut linked: Option<usize> = None;
    let mut link = None;
    let mut updated = opened;
    let mut version = 1i64;
    let mut comments = String::new();
    let mut paused_secs = 0i64;
    let mut paused_since: Option<i64> = None;
    let pauses = |reason: Option<&str>| {
        policy.is_some_and(|p| reason.is_some_and(|r| p.row.pause_reasons.iter().any(|x| x == r)))
    };
    let move_to = |entries: &mut Vec<Entry>,
                   at: i64,
                   by: Option<usize>,
                   from: &'static str,
                   to: &'static str,
                   mut pairs: Vec<(&'static str, Value, Value)>,
                   body: Option<String>| {
        pairs.insert(0, ("state", json!(from), json!(to)));
        entries.push(Entry {
            at,
            author: by.map(|b| world.agents[b].id),
            kind: "transition",
            body,
            changes: change(&pairs),
        });
    };
    for (at, step) in steps {
        if at > world.anchor {
            break;
        }
        match step {
            Step::Reassign { to, by, note } => {
                let mut pairs = vec![("assignment_group", group_key(group), group_key(to))];
                if let Some(a) = assignee.take() {
                    pairs.push(("assignee", agent_email(a), Value::Null));
                }
                entries.push(Entry {
                    at,
                    author: Some(world.agents[by].id),
                    kind: "change",
                    body: None,
                    changes: change(&pairs),
                });
                entries.push(Entry {
                    at,
                    author: Some(world.agents[by].id),
                    kind: "work_note",
                    body: Some(note),
                    changes: None,
                });
                group = to;
                reassignments += 1;
            }
            Step::Start { by } => {
                let mut pairs = Vec::new();
                if assignee.is_none() {
                    pairs.push(("assignee", Value::Null, agent_email(by)));
                    assignee = Some(by);
                }
                move_to(
                    &mut entries,
                    at,
                    Some(by),
                    state,
                    "in_progress",
                    pairs,
                    None,
                );
                state = "in_progress";
                responded.get_or_insert(at);
            }
            Step::Comment {
                author,
                body,
                internal,
            } => {
                let (author_id, kind) = match author {
                    Author::Agent(a) => {
                        if !internal {
                            responded.get_or_insert(at);
                        }
                        (
                            world.agents[a].id,
                            if internal { "work_note" } else { "comment" },
                        )
                    }
                    Author::Caller => (caller.id, "comment"),
                };
                // Work notes are internal: not in the index every reader searches.
                if kind == "comment" {
                    comments.push_str(&body);
                    comments.push('\n');
                }
                entries.push(Entry {
                    at,
                    author: Some(author_id),
                    kind,
                    body: Some(body),
                    changes: None,
                });
            }
            Step::Hold { reason, by, note } => {
                if pauses(Some(reason)) {
                    paused_since = Some(at);
                }
                move_to(
                    &mut entries,
                    at,
                    Some(by),
                    state,
                    "on_hold",
                    vec![("hold_reason", Value::Null, json!(reason))],
                    Some(note),
                );
                state = "on_hold";
                hold_reason = Some(reason);
            }
            Step::Resume { by } => {
                move_to(
                    &mut entries,
                    at,
                    Some(by),
                    state,
                    "in_progress",
                    vec![("hold_reason", json!(hold_reason), Value::Null)],
                    None,
                );
                if let (Some(since), Some(p)) = (paused_since.take(), policy) {
                    let before = resolution_due_with(paused_secs);
                    paused_secs += secs(p.calendar.between(ts(since), ts(at)));
                    let after = resolution_due_with(paused_secs);
                    if before != after {
                        entries.push(Entry {
                            at,
                            author: None,
                            kind: "system",
                            body: Some(format!("service level {}", p.row.key)),
                            changes: change(&[
                                (
                                    "response_due",
                                    json!(response_due.map(|d| d.to_string())),
                                    json!(response_due.map(|d| d.to_string())),
                                ),
                                (
                                    "resolution_due",
                                    json!(before.map(|d| d.to_string())),
                                    json!(after.map(|d| d.to_string())),
                                ),
                            ]),
                        });
                    }
                }
                state = "in_progress";
                hold_reason = None;
            }
            Step::Link { problem, by } => {
                let plan = &plans[problem];
                entries.push(Entry {
                    at,
                    author: Some(world.agents[by].id),
                    kind: "link",
                    body: Some(plan.number.clone()),
                    changes: change(&[("problem", Value::Null, json!(plan.number))]),
                });
                linked = Some(problem);
                link = Some(LinkRecord {
                    problem: u32::try_from(problem).unwrap_or(0),
                    at,
                    incident_number: u32::try_from(number).unwrap_or(0),
                    agent: u32::try_from(by).unwrap_or(0),
                });
            }
            Step::Workaround { problem } => {
                if state != "closed" && state != "canceled" {
                    let plan = &plans[problem];
                    entries.push(Entry {
                        at,
                        author: None,
                        kind: "system",
                        body: Some(format!(
                            "Workaround from {}: {}",
                            plan.number, plan.workaround
                        )),
                        changes: None,
                    });
                }
                continue;
            }
            Step::Resolve { code, by, notes } => {
                let mut pairs = Vec::new();
                if let Some(reason) = hold_reason.take() {
                    pairs.push(("hold_reason", json!(reason), Value::Null));
                }
                pairs.push(("resolution_code", Value::Null, json!(code)));
                pairs.push(("resolution_notes", Value::Null, json!(notes)));
                move_to(
                    &mut entries,
                    at,
                    Some(by),
                    state,
                    "resolved",
                    pairs,
                    Some(notes.clone()),
                );
                state = "resolved";
                resolved_at = Some(at);
                resolution = Some((code, notes));
                responded.get_or_insert(at);
                if let (Some(since), Some(p)) = (paused_since.take(), policy) {
                    paused_secs += secs(p.calendar.between(ts(since), ts(at)));
                }
                if policy.is_some() {
                    paused_since = Some(at);
                }
            }
            Step::Close { by } => {
                move_to(
                    &mut entries,
                    at,
                    Some(by),
                    state,
                    "closed",
                    Vec::new(),
                    None,
                );
                state = "closed";
                closed_at = Some(at);
            }
            Step::Cancel { by, reason } => {
                move_to(
                    &mut entries,
                    at,
                    Some(by),
                    state,
                    "canceled",
                    Vec::new(),
                    Some(reason),
                );
                state = "canceled";
                if policy.is_some() {
                    paused_since = Some(at);
                }
            }
        }
        updated = at;
        version += 1;
    }

    // ---- the service level as the clock and the worker would have left it
    let open = matches!(state, "new" | "in_progress" | "on_hold");
    let resolution_due = resolution_due_with(paused_secs);
    let at_risk_due = dues(paused_secs).and_then(|d| d.2);
    let running_until = paused_since.unwrap_or(world.anchor);
    let crossed = |moment: Option<Timestamp>| {
        moment
            .map(Timestamp::as_second)
            .filter(|m| *m <= running_until)
    };
    let response_breached = response_due
        .map(Timestamp::as_second)
        .filter(|d| *d <= world.anchor && responded.is_none_or(|r| r > *d));
    let at_risk_at = crossed(at_risk_due);
    let resolution_breached = crossed(resolution_due);
    for (moment, text) in [
        (response_breached, "response target breached"),
        (at_risk_at, "resolution target at risk"),
        (resolution_breached, "resolution target breached"),
    ] {
        if let Some(at) = moment {
            entries.push(Entry {
                at,
                author: None,
                kind: "system",
                body: Some(text.to_owned()),
                changes: None,
            });
        }
    }
    let mut next_check = Vec::new();
    if responded.is_none() && response_breached.is_none() {
        next_check.extend(response_due);
    }
    if open && paused_since.is_none() {
        if at_risk_at.is_none() {
            next_check.extend(at_risk_due);
        }
        if resolution_breached.is_none() {
            next_check.extend(resolution_due);
        }
    }
    let next_check = next_check.into_iter().min();

    staged
        .row()
        .value(id)
        .text(&format!("INC{number:07}"))
        .text(&title)
        .text(&description)
        .text(state)
        .opt_text(hold_reason)
        .text(level(impact_rank))
        .text(level(urgency_rank))
        .value(priority)
        .text(&caller.email)
        .value(caller.id)
        .value(world.services[service])
        .text(tmpl.category)
        .value(world.groups[group].id)
        .opt_value(assignee.map(|a| world.agents[a].id))
        .value(major)
        .opt_text(resolution.as_ref().map(|r| r.0))
        .opt_text(resolution.as_ref().map(|r| r.1.as_str()))
        .opt_value(response_due)
        .opt_value(resolution_due)
        .opt_value(responded.map(ts))
        .value(reassignments)
        .value(world.agents[opened_by].id)
        .value(ts(opened))
        .value(ts(updated))
        .opt_value(resolved_at.map(ts))
        .opt_value(closed_at.map(ts))
        .value(version)
        .opt_value(linked.map(|p| plans[p].id))
        .opt_value(policy.map(|p| p.row.id))
        .value(paused_secs)
        .opt_value(paused_since.map(ts))
        .opt_value(at_risk_due)
        .opt_value(at_risk_at.map(ts))
        .opt_value(response_breached.map(ts))
        .opt_value(resolution_breached.map(ts))
        .opt_value(next_check)
        .text(&comments);
    let journal_entries = entries.len();
    write_entries(journal, Some(id), None, &mut entries);
    Produced {
        journal_entries,
        link,
    }
}

const CANCEL_DE: &[&str] = &[
    "Doppelt gemeldet, wird im anderen Ticket bearbeitet.",
    "Hat sich von selbst erledigt, laut Anrufer kein Handlungsbedarf mehr.",
    "Versehentlich angelegt.",
];
const CANCEL_EN: &[&str] = &[
    "Reported twice, handled in the other ticket.",
    "Solved itself, the caller no longer needs help.",
    "Logged by mistake.",
];
