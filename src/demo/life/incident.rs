//! One demo incident's life: opened, handed between groups, put on hold, resolved or linked
//! to a problem, with every journal entry and the SLA clock it would have had.

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::problem::{LinkRecord, ProblemIndex, ProblemPlan};
use super::{
    DAY, Entry, HOUR, MINUTE, Person, Policy, STREAM_INCIDENT_IDS, STREAM_INCIDENTS, World, change,
    level, opening_fields, say, secs, ts, uuid_at, write_entries,
};
use crate::demo::catalog::{self, Template};
use crate::demo::copy::CopyBuffer;
use crate::demo::rng::Rng;
use crate::domain::incident::{self, IncidentState};
use crate::domain::journal::SystemNote;
use crate::service::sla::due_dates;

pub(super) enum Author {
    Agent(usize),
    Caller,
}

pub(super) enum Step {
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

pub(super) fn opened_at(world: &World, rng: &mut Rng, n: u64, total: u64) -> i64 {
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
/// journal. Four phases, each drawing from the incident's own stream in turn: what was logged
/// ([`Opening::draw`]), the dated steps of its life ([`plan`]), what had happened by the
/// demo's end ([`Life::apply`], [`Life::service_level`]), and the row ([`Life::stage`]).
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
    let opening = Opening::draw(world, weights, n, total, &mut rng);
    let steps = plan(world, plans, index, &opening, &mut rng);
    let id = uuid_at(
        &mut Rng::fork(world.seed, STREAM_INCIDENT_IDS, number),
        opening.opened,
    );
    let mut life = Life::open(world, &opening);
    for (at, step) in steps {
        if at > world.anchor {
            break;
        }
        life.apply(plans, number, at, step);
    }
    let clock = life.service_level();
    life.stage(staged, id, number, plans, &clock);
    let journal_entries = life.entries.len();
    write_entries(journal, Some(id), None, &mut life.entries);
    Produced {
        journal_entries,
        link: life.link,
    }
}

/// What was logged: the template, the caller, the groups, impact, urgency and the words.
struct Opening<'w> {
    opened: i64,
    template_index: usize,
    tmpl: &'static Template,
    caller: &'w Person,
    german: bool,
    final_group: usize,
    service: usize,
    via_desk: bool,
    first_group: usize,
    opened_by: usize,
    impact_rank: u8,
    urgency_rank: u8,
    priority: i16,
    major: bool,
    title: String,
    description: String,
}

impl<'w> Opening<'w> {
    fn draw(world: &'w World, weights: &[u32], n: u64, total: u64, rng: &mut Rng) -> Self {
        let opened = opened_at(world, rng, n, total);
        let template_index = rng.weighted(weights);
        let tmpl: &'static Template = &catalog::TEMPLATES[template_index];
        let caller_index = rng.index(world.callers.len());
        let caller = &world.callers[caller_index];
        let german = caller.german;
        let final_group = world.group_of(tmpl.group);
        let service = World::service_of(tmpl.service);
        let department = world.groups[final_group].department;
        let via_desk = department == "IT" && final_group != world.desk && rng.chance(0.6);
        let first_group = if via_desk { world.desk } else { final_group };
        let opened_by = world.member(rng, first_group);
        let impact_rank = if rng.chance(0.7) {
            tmpl.impact.saturating_sub(1).min(2)
        } else {
            u8::try_from(rng.index(3)).unwrap_or(1)
        };
        let urgency_rank = u8::try_from(rng.weighted(&[15, 55, 30])).unwrap_or(1);
        let priority = incident::priority(level(impact_rank), level(urgency_rank));
        let major = priority == 1 && department == "IT" && rng.chance(0.15);
        let title = say(rng, german, tmpl.titles_de, tmpl.titles_en);
        let description = say(rng, german, tmpl.descriptions_de, tmpl.descriptions_en);
        Opening {
            opened,
            template_index,
            tmpl,
            caller,
            german,
            final_group,
            service,
            via_desk,
            first_group,
            opened_by,
            impact_rank,
            urgency_rank,
            priority,
            major,
            title,
            description,
        }
    }

    /// The priority as an index into per-priority tables (0 for P1).
    fn prio(&self) -> usize {
        usize::try_from(self.priority - 1).unwrap_or(2)
    }
}

/// The plan being written: the clock moves on with each step.
struct Planner<'r> {
    rng: &'r mut Rng,
    german: bool,
    t: i64,
    steps: Vec<(i64, Step)>,
}

impl Planner<'_> {
    /// Time passes: a log-normal wait with this median and spread.
    fn wait(&mut self, median: f64, spread: f64) {
        self.t += self.rng.lognormal(median, spread);
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.chance(p)
    }

    fn say(&mut self, de: &[&str], en: &[&str]) -> String {
        say(self.rng, self.german, de, en)
    }

    /// `step`, now.
    fn push(&mut self, step: Step) {
        self.steps.push((self.t, step));
    }
}

/// The dated steps of the incident's whole life, in order, as if the demo never ended.
fn plan(
    world: &World,
    plans: &[ProblemPlan],
    index: &ProblemIndex,
    opening: &Opening,
    rng: &mut Rng,
) -> Vec<(i64, Step)> {
    let mut p = Planner {
        rng,
        german: opening.german,
        t: opening.opened,
        steps: Vec::new(),
    };
    if p.chance(0.03) {
        p.wait(30.0 * MINUTE, 1.0);
        let reason = p.say(CANCEL_DE, CANCEL_EN);
        p.push(Step::Cancel {
            by: opening.opened_by,
            reason,
        });
    } else {
        if opening.via_desk {
            route_from_the_desk(world, opening, &mut p);
        }
        let agent = world.member(p.rng, opening.final_group);
        p.wait([3.0, 8.0, 20.0, 60.0, 120.0][opening.prio()] * MINUTE, 1.0);
        p.push(Step::Start { by: agent });
        talk(&mut p, agent);
        let problem = index
            .active(plans, opening.template_index, p.t)
            .filter(|_| p.rng.chance(0.35));
        if let Some(problem) = problem {
            p.wait(30.0 * MINUTE, 1.0);
            p.push(Step::Link { problem, by: agent });
            if let Some(at) = plans[problem].known_error_at {
                p.steps.push((at.max(p.t), Step::Workaround { problem }));
            }
        }
        hold(&mut p, agent, problem.is_some());
        resolve_and_close(plans, opening, &mut p, agent, problem);
    }
    p.steps.sort_by_key(|s| s.0);
    p.steps
}

/// Logged by the service desk for another IT group: handed on, now and then first to the
/// wrong group.
fn route_from_the_desk(world: &World, opening: &Opening, p: &mut Planner) {
    let mut handler = opening.opened_by;
    p.wait(15.0 * MINUTE, 0.8);
    if p.chance(0.1) {
        let wrong = world
            .groups
            .iter()
            .enumerate()
            .filter(|(i, g)| *i != opening.final_group && *i != world.desk && g.department == "IT")
            .map(|(i, _)| i)
            .collect::<Vec<_>>();
        if !wrong.is_empty() {
            let to = *p.rng.pick(&wrong);
            let step = hand_over(p.rng, p.german, to, handler);
            p.push(step);
            handler = world.member(p.rng, to);
            p.wait(3.0 * HOUR, 1.0);
        }
    }
    let step = hand_over(p.rng, p.german, opening.final_group, handler);
    p.push(step);
}

/// A question to the caller and their answer, and a work note.
fn talk(p: &mut Planner, agent: usize) {
    if p.chance(0.45) {
        p.wait(20.0 * MINUTE, 1.0);
        let body = p.say(catalog::AGENT_QUESTIONS_DE, catalog::AGENT_QUESTIONS_EN);
        p.push(Step::Comment {
            author: Author::Agent(agent),
            body,
            internal: false,
        });
        if p.chance(0.8) {
            p.wait(2.0 * HOUR, 1.2);
            let body = p.say(catalog::CALLER_REPLIES_DE, catalog::CALLER_REPLIES_EN);
            p.push(Step::Comment {
                author: Author::Caller,
                body,
                internal: false,
            });
        }
    }
    if p.chance(0.35) {
        p.wait(HOUR, 1.0);
        let body = p.say(catalog::WORK_NOTES_DE, catalog::WORK_NOTES_EN);
        p.push(Step::Comment {
            author: Author::Agent(agent),
            body,
            internal: true,
        });
    }
}

/// On hold for the problem, the caller, a vendor or a change, and back.
fn hold(p: &mut Planner, agent: usize, linked: bool) {
    let reason = if linked && p.chance(0.3) {
        "awaiting_problem"
    } else if p.chance(0.2) {
        ["awaiting_caller", "awaiting_vendor", "awaiting_change"][p.rng.weighted(&[50, 30, 20])]
    } else {
        return;
    };
    p.wait(HOUR, 1.0);
    let note = p.say(catalog::HOLD_NOTES_DE, catalog::HOLD_NOTES_EN);
    p.push(Step::Hold {
        reason,
        by: agent,
        note,
    });
    let median = match reason {
        "awaiting_caller" => DAY,
        "awaiting_vendor" => 3.0 * DAY,
        "awaiting_change" => 5.0 * DAY,
        _ => 10.0 * DAY,
    };
    if p.chance(0.02) {
        p.wait(40.0 * DAY, 0.7);
    } else {
        p.wait(median, 1.0);
    }
    p.push(Step::Resume { by: agent });
}

/// Resolved by the agent, or by the problem's fix when that came first; then closed, half
/// the time after a word from the caller.
fn resolve_and_close(
    plans: &[ProblemPlan],
    opening: &Opening,
    p: &mut Planner,
    agent: usize,
    problem: Option<usize>,
) {
    p.wait([1.0, 3.0, 6.0, 16.0, 30.0][opening.prio()] * HOUR, 1.0);
    let by_problem = problem
        .and_then(|i| plans[i].fixed_at.map(|at| (i, at)))
        .filter(|(_, at)| *at < p.t);
    if let Some((i, at)) = by_problem {
        // The problem's fix came first: it resolves the incident wherever it stands.
        p.steps.retain(|(when, _)| *when <= at);
        let plan = &plans[i];
        let notes = format!("{}: {}", plan.number, plan.fix);
        p.t = at;
        p.push(Step::Resolve {
            code: "solved_by_problem",
            by: plan.manager,
            notes,
        });
    } else {
        let code = if problem.is_some_and(|i| plans[i].known_error_at.is_some_and(|k| k < p.t)) {
            "workaround"
        } else {
            [
                "workaround",
                "permanent_fix",
                "not_reproducible",
                "duplicate",
            ][p.rng.weighted(&[35, 50, 10, 5])]
        };
        let notes = p.say(opening.tmpl.resolutions_de, opening.tmpl.resolutions_en);
        p.push(Step::Resolve {
            code,
            by: agent,
            notes,
        });
    }
    p.wait(2.0 * DAY, 0.7);
    if p.chance(0.5) {
        let body = p.say(catalog::CLOSE_NOTES_DE, catalog::CLOSE_NOTES_EN);
        p.steps.push((
            p.t - 600,
            Step::Comment {
                author: Author::Caller,
                body,
                internal: false,
            },
        ));
    }
    p.push(Step::Close { by: agent });
}

/// The incident as its steps leave it: the fields, the journal, the SLA clock.
struct Life<'a> {
    world: &'a World,
    opening: &'a Opening<'a>,
    policy: Option<&'a Policy>,
    response_due: Option<Timestamp>,
    entries: Vec<Entry>,
    state: IncidentState,
    hold_reason: Option<&'static str>,
    group: usize,
    assignee: Option<usize>,
    responded: Option<i64>,
    resolved_at: Option<i64>,
    closed_at: Option<i64>,
    resolution: Option<(&'static str, String)>,
    reassignments: i32,
    linked: Option<usize>,
    link: Option<LinkRecord>,
    updated: i64,
    version: i64,
    comments: String,
    paused_secs: i64,
    paused_since: Option<i64>,
}

/// The service level as the clock and the worker would have left it.
struct Clock {
    resolution_due: Option<Timestamp>,
    at_risk_due: Option<Timestamp>,
    at_risk_at: Option<i64>,
    response_breached: Option<i64>,
    resolution_breached: Option<i64>,
    next_check: Option<Timestamp>,
}

impl<'a> Life<'a> {
    /// Just logged: the creation entry and, with a service level, its due dates.
    fn open(world: &'a World, opening: &'a Opening<'a>) -> Self {
        let policy = world.policy(opening.service, opening.final_group);
        let mut life = Life {
            world,
            opening,
            policy,
            response_due: None,
            entries: Vec::new(),
            state: IncidentState::New,
            hold_reason: None,
            group: opening.first_group,
            assignee: None,
            responded: None,
            resolved_at: None,
            closed_at: None,
            resolution: None,
            reassignments: 0,
            linked: None,
            link: None,
            updated: opening.opened,
            version: 1,
            comments: String::new(),
            paused_secs: 0,
            paused_since: None,
        };
        life.response_due = life.dues(0).and_then(|d| d.0);
        let mut fields = opening_fields(
            &opening.title,
            &opening.description,
            opening.impact_rank,
            opening.urgency_rank,
            opening.priority,
        );
        fields.extend([
            ("caller", Value::Null, json!(opening.caller.email)),
            ("service", Value::Null, json!(opening.tmpl.service)),
            ("category", Value::Null, json!(opening.tmpl.category)),
            (
                "assignment_group",
                Value::Null,
                life.group_key(opening.first_group),
            ),
            ("major", Value::Null, json!(opening.major)),
        ]);
        life.entries.push(Entry {
            at: opening.opened,
            author: Some(world.agents[opening.opened_by].id),
            kind: "change",
            body: Some(SystemNote::Created.text()),
            changes: change(&fields),
        });
        if let Some(p) = policy {
            let resolution_due = life.resolution_due(0);
            life.entries.push(Entry {
                at: opening.opened,
                author: None,
                kind: "system",
                body: Some(
                    SystemNote::ServiceLevel {
                        policy: p.row.key.clone(),
                    }
                    .text(),
                ),
                changes: change(&[
                    (
                        "response_due",
                        Value::Null,
                        json!(life.response_due.map(|d| d.to_string())),
                    ),
                    (
                        "resolution_due",
                        Value::Null,
                        json!(resolution_due.map(|d| d.to_string())),
                    ),
                ]),
            });
        }
        life
    }

    fn agent_email(&self, i: usize) -> Value {
        json!(self.world.agents[i].email)
    }

    fn group_key(&self, i: usize) -> Value {
        json!(self.world.groups[i].key)
    }

    /// (response, resolution, at-risk) due dates after `paused` business seconds of pauses.
    fn dues(
        &self,
        paused: i64,
    ) -> Option<(Option<Timestamp>, Option<Timestamp>, Option<Timestamp>)> {
        self.policy.map(|p| {
            due_dates(
                &p.row,
                &p.calendar,
                ts(self.opening.opened),
                self.opening.priority,
                SignedDuration::from_secs(paused),
            )
        })
    }

    fn resolution_due(&self, paused: i64) -> Option<Timestamp> {
        self.dues(paused).and_then(|d| d.1)
    }

    /// Whether holding for `reason` stops the clock.
    fn pauses(&self, reason: &str) -> bool {
        self.policy
            .is_some_and(|p| p.row.pause_reasons.iter().any(|x| x == reason))
    }

    /// A transition entry from the current state to `to`, with `pairs` after the state.
    fn move_to(
        &mut self,
        at: i64,
        by: usize,
        to: IncidentState,
        mut pairs: Vec<(&'static str, Value, Value)>,
        body: Option<String>,
    ) {
        pairs.insert(0, ("state", json!(self.state.as_str()), json!(to.as_str())));
        self.entries.push(Entry {
            at,
            author: Some(self.world.agents[by].id),
            kind: "transition",
            body,
            changes: change(&pairs),
        });
        self.state = to;
    }

    /// The clock stood still from `paused_since` to `at`: count it.
    fn count_pause(&mut self, at: i64) {
        if let (Some(since), Some(p)) = (self.paused_since.take(), self.policy) {
            self.paused_secs += secs(p.calendar.between(ts(since), ts(at)));
        }
    }

    /// What `step` at `at` does to the incident and its journal.
    fn apply(&mut self, plans: &[ProblemPlan], number: u64, at: i64, step: Step) {
        match step {
            Step::Reassign { to, by, note } => self.reassign(at, to, by, note),
            Step::Start { by } => {
                let mut pairs = Vec::new();
                if self.assignee.is_none() {
                    pairs.push(("assignee", Value::Null, self.agent_email(by)));
                    self.assignee = Some(by);
                }
                self.move_to(at, by, IncidentState::InProgress, pairs, None);
                self.responded.get_or_insert(at);
            }
            Step::Comment {
                author,
                body,
                internal,
            } => self.comment(at, &author, body, internal),
            Step::Hold { reason, by, note } => {
                if self.pauses(reason) {
                    self.paused_since = Some(at);
                }
                self.move_to(
                    at,
                    by,
                    IncidentState::OnHold,
                    vec![("hold_reason", Value::Null, json!(reason))],
                    Some(note),
                );
                self.hold_reason = Some(reason);
            }
            Step::Resume { by } => {
                self.move_to(
                    at,
                    by,
                    IncidentState::InProgress,
                    vec![("hold_reason", json!(self.hold_reason), Value::Null)],
                    None,
                );
                self.resume_clock(at);
                self.hold_reason = None;
            }
            Step::Link { problem, by } => self.link(plans, number, at, problem, by),
            Step::Workaround { problem } => {
                self.workaround(plans, at, problem);
                // A note on the incident, not a change to it.
                return;
            }
            Step::Resolve { code, by, notes } => self.resolve(at, code, by, notes),
            Step::Close { by } => {
                self.move_to(at, by, IncidentState::Closed, Vec::new(), None);
                self.closed_at = Some(at);
            }
            Step::Cancel { by, reason } => {
                self.move_to(at, by, IncidentState::Canceled, Vec::new(), Some(reason));
                if self.policy.is_some() {
                    self.paused_since = Some(at);
                }
            }
        }
        self.updated = at;
        self.version += 1;
    }

    /// Handed to another group: the change (the assignee goes with it) and the note.
    fn reassign(&mut self, at: i64, to: usize, by: usize, note: String) {
        let mut pairs = vec![(
            "assignment_group",
            self.group_key(self.group),
            self.group_key(to),
        )];
        if let Some(a) = self.assignee.take() {
            pairs.push(("assignee", self.agent_email(a), Value::Null));
        }
        let author = Some(self.world.agents[by].id);
        self.entries.push(Entry {
            at,
            author,
            kind: "change",
            body: None,
            changes: change(&pairs),
        });
        self.entries.push(Entry {
            at,
            author,
            kind: "work_note",
            body: Some(note),
            changes: None,
        });
        self.group = to;
        self.reassignments += 1;
    }

    /// Linked to a problem (remembered for the problem's journal).
    fn link(&mut self, plans: &[ProblemPlan], number: u64, at: i64, problem: usize, by: usize) {
        let plan = &plans[problem];
        self.entries.push(Entry {
            at,
            author: Some(self.world.agents[by].id),
            kind: "link",
            body: Some(plan.number.clone()),
            changes: change(&[("problem", Value::Null, json!(plan.number))]),
        });
        self.linked = Some(problem);
        self.link = Some(LinkRecord {
            problem: u32::try_from(problem).unwrap_or(0),
            at,
            incident_number: u32::try_from(number).unwrap_or(0),
            agent: u32::try_from(by).unwrap_or(0),
        });
    }

    /// The linked problem's workaround, noted while the incident is still open.
    fn workaround(&mut self, plans: &[ProblemPlan], at: i64, problem: usize) {
        if !matches!(self.state, IncidentState::Closed | IncidentState::Canceled) {
            let plan = &plans[problem];
            self.entries.push(Entry {
                at,
                author: None,
                kind: "system",
                body: Some(
                    SystemNote::Workaround {
                        problem: plan.number.clone(),
                        text: plan.workaround.clone(),
                    }
                    .text(),
                ),
                changes: None,
            });
        }
    }

    /// Resolved: a hold ends, the clock stops (and stays stopped).
    fn resolve(&mut self, at: i64, code: &'static str, by: usize, notes: String) {
        let mut pairs = Vec::new();
        if let Some(reason) = self.hold_reason.take() {
            pairs.push(("hold_reason", json!(reason), Value::Null));
        }
        pairs.push(("resolution_code", Value::Null, json!(code)));
        pairs.push(("resolution_notes", Value::Null, json!(notes)));
        self.move_to(at, by, IncidentState::Resolved, pairs, Some(notes.clone()));
        self.resolved_at = Some(at);
        self.resolution = Some((code, notes));
        self.responded.get_or_insert(at);
        self.count_pause(at);
        if self.policy.is_some() {
            self.paused_since = Some(at);
        }
    }

    /// A comment or work note; an agent's public comment is the first response.
    fn comment(&mut self, at: i64, author: &Author, body: String, internal: bool) {
        let (author_id, kind) = match author {
            Author::Agent(a) => {
                if !internal {
                    self.responded.get_or_insert(at);
                }
                (
                    self.world.agents[*a].id,
                    if internal { "work_note" } else { "comment" },
                )
            }
            Author::Caller => (self.opening.caller.id, "comment"),
        };
        // Work notes are internal: not in the index every reader searches.
        if kind == "comment" {
            self.comments.push_str(&body);
            self.comments.push('\n');
        }
        self.entries.push(Entry {
            at,
            author: Some(author_id),
            kind,
            body: Some(body),
            changes: None,
        });
    }

    /// Back from a hold: a pause moves the resolution due date, journaled when it moved.
    fn resume_clock(&mut self, at: i64) {
        let Some(p) = self.policy else { return };
        if self.paused_since.is_none() {
            return;
        }
        let before = self.resolution_due(self.paused_secs);
        self.count_pause(at);
        let after = self.resolution_due(self.paused_secs);
        if before != after {
            let response_due = json!(self.response_due.map(|d| d.to_string()));
            self.entries.push(Entry {
                at,
                author: None,
                kind: "system",
                body: Some(
                    SystemNote::ServiceLevel {
                        policy: p.row.key.clone(),
                    }
                    .text(),
                ),
                changes: change(&[
                    ("response_due", response_due.clone(), response_due),
                    (
                        "resolution_due",
                        json!(before.map(|d| d.to_string())),
                        json!(after.map(|d| d.to_string())),
                    ),
                ]),
            });
        }
    }

    /// The marks the SLA worker would have made by the demo's end (journaled), and when it
    /// would look next.
    fn service_level(&mut self) -> Clock {
        let anchor = self.world.anchor;
        let open = self.state.is_open();
        let resolution_due = self.resolution_due(self.paused_secs);
        let at_risk_due = self.dues(self.paused_secs).and_then(|d| d.2);
        let running_until = self.paused_since.unwrap_or(anchor);
        let crossed = |moment: Option<Timestamp>| {
            moment
                .map(Timestamp::as_second)
                .filter(|m| *m <= running_until)
        };
        let response_breached = self
            .response_due
            .map(Timestamp::as_second)
            .filter(|d| *d <= anchor && self.responded.is_none_or(|r| r > *d));
        let at_risk_at = crossed(at_risk_due);
        let resolution_breached = crossed(resolution_due);
        for (moment, text) in [
            (response_breached, SystemNote::ResponseBreached),
            (at_risk_at, SystemNote::ResolutionAtRisk),
            (resolution_breached, SystemNote::ResolutionBreached),
        ] {
            if let Some(at) = moment {
                self.entries.push(Entry {
                    at,
                    author: None,
                    kind: "system",
                    body: Some(text.text()),
                    changes: None,
                });
            }
        }
        let mut next_check = Vec::new();
        if self.responded.is_none() && response_breached.is_none() {
            next_check.extend(self.response_due);
        }
        if open && self.paused_since.is_none() {
            if at_risk_at.is_none() {
                next_check.extend(at_risk_due);
            }
            if resolution_breached.is_none() {
                next_check.extend(resolution_due);
            }
        }
        Clock {
            resolution_due,
            at_risk_due,
            at_risk_at,
            response_breached,
            resolution_breached,
            next_check: next_check.into_iter().min(),
        }
    }

    /// The row for the staging table, in `INCIDENT_COLUMNS` order.
    fn stage(
        &self,
        staged: &mut CopyBuffer,
        id: uuid::Uuid,
        number: u64,
        plans: &[ProblemPlan],
        clock: &Clock,
    ) {
        let (world, o) = (self.world, self.opening);
        staged
            .row()
            .value(id)
            .text(&format!("INC{number:07}"))
            .text(&o.title)
            .text(&o.description)
            .text(self.state.as_str())
            .opt_text(self.hold_reason)
            .text(level(o.impact_rank).as_str())
            .text(level(o.urgency_rank).as_str())
            .value(o.priority)
            .text(&o.caller.email)
            .value(o.caller.id)
            .value(world.services[o.service])
            .text(o.tmpl.category)
            .value(world.groups[self.group].id)
            .opt_value(self.assignee.map(|a| world.agents[a].id))
            .value(o.major)
            .opt_text(self.resolution.as_ref().map(|r| r.0))
            .opt_text(self.resolution.as_ref().map(|r| r.1.as_str()))
            .opt_value(self.response_due)
            .opt_value(clock.resolution_due)
            .opt_value(self.responded.map(ts))
            .value(self.reassignments)
            .value(world.agents[o.opened_by].id)
            .value(ts(o.opened))
            .value(ts(self.updated))
            .opt_value(self.resolved_at.map(ts))
            .opt_value(self.closed_at.map(ts))
            .value(self.version)
            .opt_value(self.linked.map(|p| plans[p].id))
            .opt_value(self.policy.map(|p| p.row.id))
            .value(self.paused_secs)
            .opt_value(self.paused_since.map(ts))
            .opt_value(clock.at_risk_due)
            .opt_value(clock.at_risk_at.map(ts))
            .opt_value(clock.response_breached.map(ts))
            .opt_value(clock.resolution_breached.map(ts))
            .opt_value(clock.next_check)
            .text(&self.comments);
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
