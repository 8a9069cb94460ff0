//! The dated steps of one incident's whole life, in order, as if the demo never ended.

use super::{Author, Opening, Step};

use super::super::problem::{ProblemIndex, ProblemPlan};
use super::super::{DAY, HOUR, MINUTE, World, say};
use crate::demo::catalog::{self};
use crate::demo::rng::Rng;

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
pub(super) fn plan(
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
        // Since the desk promised callers a quick first answer, it comes far sooner.
        let pace = if opening.opened >= world.changes.fast_response_from {
            0.35
        } else {
            1.0
        };
        p.wait(
            pace * [3.0, 8.0, 20.0, 60.0, 120.0][opening.prio()] * MINUTE,
            1.0,
        );
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
/// wrong group, which half the time sends it back to the desk (ping-pong). Since the desk's
/// triage checklist, that happens far less often.
fn route_from_the_desk(world: &World, opening: &Opening, p: &mut Planner) {
    let mut handler = opening.opened_by;
    p.wait(15.0 * MINUTE, 0.8);
    let misrouted = if opening.opened >= world.changes.triage_from {
        0.04
    } else {
        0.2
    };
    if p.chance(misrouted) {
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
            if p.chance(0.5) {
                let step = hand_over(p.rng, p.german, world.desk, handler);
                p.push(step);
                handler = world.member(p.rng, world.desk);
                p.wait(30.0 * MINUTE, 1.0);
            }
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
