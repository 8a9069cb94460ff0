//! One incident's steps replayed up to the demo's end: its fields, its journal and its SLA
//! clock as the service and the worker would have left them, and the row.

use super::{Author, Opening, Step};

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::super::problem::{LinkRecord, ProblemPlan};
use super::super::{Entry, Policy, World, change, level, opening_fields, secs, ts};
use crate::demo::copy::CopyBuffer;
use crate::domain::incident::IncidentState;
use crate::domain::journal::SystemNote;
use crate::service::sla::due_dates;

/// The incident as its steps leave it: the fields, the journal, the SLA clock.
pub(super) struct Life<'a> {
    world: &'a World,
    opening: &'a Opening<'a>,
    policy: Option<&'a Policy>,
    response_due: Option<Timestamp>,
    pub(super) entries: Vec<Entry>,
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
    pub(super) link: Option<LinkRecord>,
    updated: i64,
    version: i64,
    comments: String,
    paused_secs: i64,
    paused_since: Option<i64>,
}

/// The service level as the clock and the worker would have left it.
pub(super) struct Clock {
    resolution_due: Option<Timestamp>,
    at_risk_due: Option<Timestamp>,
    at_risk_at: Option<i64>,
    response_breached: Option<i64>,
    resolution_breached: Option<i64>,
    next_check: Option<Timestamp>,
}

impl<'a> Life<'a> {
    /// Just logged: the creation entry and, with a service level, its due dates.
    pub(super) fn open(world: &'a World, opening: &'a Opening<'a>) -> Self {
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
    pub(super) fn apply(&mut self, plans: &[ProblemPlan], number: u64, at: i64, step: Step) {
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
    pub(super) fn service_level(&mut self) -> Clock {
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
    pub(super) fn stage(
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
