//! One demo incident's life: opened, handed between groups, put on hold, resolved or linked
//! to a problem, with every journal entry and the SLA clock it would have had. What was
//! logged is drawn here; `plan` writes the dated steps of its life, `fold` replays them up to
//! the demo's end into the row and the journal.

mod fold;
mod plan;

use super::problem::{LinkRecord, ProblemIndex, ProblemPlan};
use super::{
    Person, STREAM_INCIDENT_IDS, STREAM_INCIDENTS, World, level, say, uuid_at, write_entries,
};
use crate::demo::catalog::{self, Template};
use crate::demo::copy::CopyBuffer;
use crate::demo::rng::Rng;
use crate::domain::incident::{self};
use fold::Life;
use plan::plan;

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
