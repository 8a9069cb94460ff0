//! One demo incident's life: opened, handed between groups, put on hold, resolved or linked
//! to a problem, with every journal entry and the SLA clock it would have had.

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::problem::{LinkRecord, ProblemIndex, ProblemPlan};
use super::{
    DAY, Entry, HOUR, MINUTE, STREAM_INCIDENT_IDS, STREAM_INCIDENTS, World, change, level,
    opening_fields, say, secs, ts, uuid_at, write_entries,
};
use crate::demo::catalog::{self, Template};
use crate::demo::copy::CopyBuffer;
use crate::demo::rng::Rng;
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
