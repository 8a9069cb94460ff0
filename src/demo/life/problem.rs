//! The demo's problems: planned from the catalogue's problem templates, written with their
//! journals, and indexed so incidents can find the problem behind their symptom.

use std::collections::HashMap;

use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    DAY, Entry, STREAM_PROBLEM_IDS, STREAM_PROBLEMS, World, change, level, opening_fields, say, ts,
    uuid_at, write_entries,
};
use crate::demo::catalog;
use crate::demo::copy::CopyBuffer;
use crate::demo::rng::Rng;
use crate::domain::journal::SystemNote;

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

pub(super) struct ProblemRow {
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
    let priority = crate::domain::incident::priority(level(impact_rank), level(urgency_rank));
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
        body: Some(SystemNote::Created.text()),
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
        impact: level(impact_rank).as_str(),
        urgency: level(urgency_rank).as_str(),
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
    pub(super) fn active(&self, plans: &[ProblemPlan], template: usize, at: i64) -> Option<usize> {
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
