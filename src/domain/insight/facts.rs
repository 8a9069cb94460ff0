//! An incident's facts, folded from its journal: the spans it spent in each state and group,
//! its handoffs between groups, each resolution with its durations in both clocks, and the
//! first response. Every figure of `docs/metrics.md` is counted from these. Pure: the
//! journal's steps, the calendar and the pause rule are arguments, so the worker that keeps
//! the facts current and `leitstand insight rebuild` fold alike.

use std::collections::BTreeSet;

use jiff::Timestamp;
use uuid::Uuid;

use crate::domain::incident::{HoldReason, IncidentState, Level, ResolutionCode};
use crate::domain::sla::Calendar;

/// How an incident began, from its row: what its journal's steps do not say.
#[derive(Debug, Clone)]
pub struct Opening {
    pub opened_at: Timestamp,
    /// The first public answer by the desk (the SLA's response moment).
    pub responded_at: Option<Timestamp>,
    /// Logged by the caller (portal, e-mail): no first contact with the desk.
    pub logged_by_caller: bool,
    /// The one group of the agent who logged it, when they belong to exactly one: the group
    /// that logged an incident opened without a group.
    pub opener_group: Option<Uuid>,
}

/// What one journal entry (`change` or `transition`) set, for the fields the figures follow;
/// `None`: left as it was.
#[derive(Debug, Clone, Default)]
pub struct Step {
    pub journal_id: i64,
    pub at: Option<Timestamp>,
    pub state: Option<IncidentState>,
    pub hold_reason: Option<Option<HoldReason>>,
    pub group: Option<Option<Uuid>>,
    /// Whether a person is assigned.
    pub assigned: Option<bool>,
    pub impact: Option<Level>,
    pub service: Option<Option<Uuid>>,
    pub category: Option<Option<String>>,
    pub priority: Option<i16>,
    pub resolution_code: Option<Option<ResolutionCode>>,
}

/// Where an incident is at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub state: IncidentState,
    pub hold_reason: Option<HoldReason>,
    pub group: Option<Uuid>,
    pub assigned: bool,
    pub impact: Level,
    pub service: Option<Uuid>,
    pub category: Option<String>,
    pub priority: i16,
    pub department: Option<Uuid>,
}

/// One stretch of time in one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub start: Timestamp,
    /// `None`: it still lasts.
    pub end: Option<Timestamp>,
    pub place: Place,
    /// Whether the resolution clock stood still (a pausing hold, resolved, closed).
    pub paused: bool,
    /// Working time of the calendar inside the span (seconds); `None` while it lasts.
    pub business_secs: Option<i64>,
}

/// The groups an incident was open in before `until`, in order, a group repeated only after
/// another (`None` for stretches without a group): its path through the groups, as the value
/// stream's variants count it. Empty when it was never open before then.
pub fn path(spans: &[Span], until: Timestamp) -> Vec<Option<Uuid>> {
    let mut path: Vec<Option<Uuid>> = Vec::new();
    for span in spans
        .iter()
        .filter(|s| s.place.state.is_open() && s.start < until)
    {
        if path.last() != Some(&span.place.group) {
            path.push(span.place.group);
        }
    }
    path
}

/// Where an open stretch stands in its run: an incident's uninterrupted open time at one
/// place (department and group), as caller hours lost counts it (catalogue version 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunMark {
    /// When the run this stretch belongs to began.
    pub started_at: Timestamp,
    /// Whether the run ends where this stretch ends (not while it lasts).
    pub ends: bool,
}

/// Each stretch's place in its run (`None` for stretches not open): consecutive open
/// stretches at the same department and group, each beginning where the one before ended,
/// are one run.
pub fn runs(spans: &[Span]) -> Vec<Option<RunMark>> {
    let continues = |before: &Span, after: &Span| {
        before.place.state.is_open()
            && after.place.state.is_open()
            && before.place.department == after.place.department
            && before.place.group == after.place.group
            && before.end == Some(after.start)
    };
    let mut marks: Vec<Option<RunMark>> = Vec::with_capacity(spans.len());
    for (n, span) in spans.iter().enumerate() {
        if !span.place.state.is_open() {
            marks.push(None);
            continue;
        }
        let started_at = match (n.checked_sub(1).and_then(|b| spans.get(b)), marks.last()) {
            (Some(before), Some(Some(mark))) if continues(before, span) => mark.started_at,
            _ => span.start,
        };
        let ends = span.end.is_some() && spans.get(n + 1).is_none_or(|next| !continues(span, next));
        marks.push(Some(RunMark { started_at, ends }));
    }
    marks
}

/// A change of assignment group from one group to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff {
    pub at: Timestamp,
    pub from: Uuid,
    pub to: Uuid,
    /// The incident came back to a group it had left before (ping-pong).
    pub returned: bool,
    /// Calendar seconds until work began in the new group (in progress with a person
    /// assigned); `None` when it has not (yet).
    pub wait_secs: Option<i64>,
}

/// A move into `resolved`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub at: Timestamp,
    pub place: Place,
    pub code: Option<ResolutionCode>,
    /// Opened → resolved, calendar seconds.
    pub calendar_secs: i64,
    /// Opened → resolved, business seconds with paused time left out.
    pub business_secs: i64,
    /// Changes of group before this resolution.
    pub reassignments: i32,
    /// Returns to a group already left, before this resolution.
    pub ping_pongs: i32,
    /// Resolved by the group that logged it without a reassignment (whether it stays a
    /// first-contact resolution depends on a reopen within 7 days); `None` for incidents
    /// logged by the caller.
    pub first_contact: Option<bool>,
    /// The reopen that followed this resolution, if any.
    pub reopened_at: Option<Timestamp>,
}

/// Everything counted about one incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// Where it is now.
    pub place: Place,
    /// The group that logged it (see `Opening::opener_group`).
    pub opened_group: Option<Uuid>,
    pub first_resolved_at: Option<Timestamp>,
    pub canceled_at: Option<Timestamp>,
    /// Opened → first response: (calendar, business) seconds.
    pub first_response: Option<(i64, i64)>,
    pub reassignments: i32,
    pub ping_pongs: i32,
    pub reopens: i32,
    pub spans: Vec<Span>,
    pub handoffs: Vec<Handoff>,
    pub resolutions: Vec<Resolution>,
    /// The last journal entry folded.
    pub journal_id: i64,
}

/// The clock an incident is measured on: its SLA calendar and which holds pause it.
pub struct Clock<'a> {
    pub calendar: &'a Calendar,
    pub pause_reasons: &'a [String],
}

impl Clock<'_> {
    fn paused(&self, state: IncidentState, hold: Option<HoldReason>) -> bool {
        match state {
            IncidentState::Resolved | IncidentState::Closed | IncidentState::Canceled => true,
            IncidentState::OnHold => {
                hold.is_some_and(|r| self.pause_reasons.iter().any(|p| p == r.as_str()))
            }
            IncidentState::New | IncidentState::InProgress => false,
        }
    }

    fn business(&self, from: Timestamp, to: Timestamp) -> i64 {
        self.calendar.between(from, to).as_secs()
    }
}

fn secs(from: Timestamp, to: Timestamp) -> i64 {
    to.duration_since(from).as_secs().max(0)
}

impl Place {
    fn logged() -> Self {
        Place {
            state: IncidentState::New,
            hold_reason: None,
            group: None,
            assigned: false,
            impact: Level::Medium,
            service: None,
            category: None,
            priority: 3,
            department: None,
        }
    }

    /// The place after `step`.
    fn after(&self, step: &Step) -> Place {
        let mut place = self.clone();
        if let Some(state) = step.state {
            place.state = state;
        }
        if let Some(hold) = step.hold_reason {
            place.hold_reason = hold;
        }
        if let Some(group) = step.group {
            place.group = group;
        }
        if let Some(assigned) = step.assigned {
            place.assigned = assigned;
        }
        if let Some(impact) = step.impact {
            place.impact = impact;
        }
        if let Some(service) = step.service {
            place.service = service;
        }
        if let Some(category) = &step.category {
            place.category.clone_from(category);
        }
        if let Some(priority) = step.priority {
            place.priority = priority;
        }
        place
    }
}

/// The fold under way: the facts so far and what the next step needs to know.
struct Folder<'a> {
    opening: &'a Opening,
    clock: &'a Clock<'a>,
    facts: Facts,
    code: Option<ResolutionCode>,
    /// The last group it had (a group taken away is not a handoff yet).
    last_group: Option<Uuid>,
    /// Groups it was handed away from.
    left: BTreeSet<Uuid>,
    /// Since when it is where it is.
    since: Timestamp,
}

impl Folder<'_> {
    /// The span in the place before ends at `at` (a place left at the moment it was entered
    /// lasted no time and leaves no span).
    fn end_span(&mut self, before: &Place, at: Timestamp) {
        if at > self.since {
            self.facts.spans.push(Span {
                start: self.since,
                end: Some(at),
                paused: self.clock.paused(before.state, before.hold_reason),
                business_secs: Some(self.clock.business(self.since, at)),
                place: before.clone(),
            });
            self.since = at;
        }
    }

    fn handoff(&mut self, to: Uuid, at: Timestamp) {
        if self.last_group == Some(to) {
            return;
        }
        if let Some(from) = self.last_group {
            let returned = self.left.contains(&to);
            self.left.insert(from);
            self.facts.reassignments += 1;
            self.facts.ping_pongs += i32::from(returned);
            self.facts.handoffs.push(Handoff {
                at,
                from,
                to,
                returned,
                wait_secs: None,
            });
        }
        self.last_group = Some(to);
    }

    fn resolved(&mut self, place: &Place, at: Timestamp) {
        let facts = &mut self.facts;
        let business = facts
            .spans
            .iter()
            .filter(|s| !s.paused)
            .filter_map(|s| s.business_secs)
            .sum();
        let first_contact = (!self.opening.logged_by_caller)
            .then(|| facts.reassignments == 0 && place.group == facts.opened_group);
        facts.first_resolved_at.get_or_insert(at);
        facts.resolutions.push(Resolution {
            at,
            place: place.clone(),
            code: self.code,
            calendar_secs: secs(self.opening.opened_at, at),
            business_secs: business,
            reassignments: facts.reassignments,
            ping_pongs: facts.ping_pongs,
            first_contact,
            reopened_at: None,
        });
    }

    fn step(&mut self, before: &Place, place: &Place, at: Timestamp) {
        self.end_span(before, at);
        if let Some(to) = place.group {
            self.handoff(to, at);
        }
        let open = matches!(
            place.state,
            IncidentState::New | IncidentState::InProgress | IncidentState::OnHold
        );
        if before.state == IncidentState::Resolved && open {
            self.facts.reopens += 1;
            if let Some(last) = self.facts.resolutions.last_mut()
                && last.reopened_at.is_none()
            {
                last.reopened_at = Some(at);
            }
        }
        if place.state == IncidentState::Resolved && before.state != IncidentState::Resolved {
            self.resolved(place, at);
        }
        if place.state == IncidentState::Canceled && before.state != IncidentState::Canceled {
            self.facts.canceled_at = Some(at);
        }
    }

    /// The last span, still lasting; the waits after handoffs; the first response.
    fn finish(mut self, place: Place) -> Facts {
        let clock = self.clock;
        let facts = &mut self.facts;
        facts.spans.push(Span {
            start: self.since,
            end: None,
            paused: clock.paused(place.state, place.hold_reason),
            business_secs: None,
            place: place.clone(),
        });
        // The wait after each handoff: until the new group first works on it.
        for handoff in &mut facts.handoffs {
            handoff.wait_secs = facts
                .spans
                .iter()
                .find(|s| {
                    s.start >= handoff.at
                        && s.place.group == Some(handoff.to)
                        && s.place.state == IncidentState::InProgress
                        && s.place.assigned
                })
                .map(|s| secs(handoff.at, s.start));
        }
        facts.first_response = self.opening.responded_at.map(|answered| {
            let business = facts
                .spans
                .iter()
                .filter(|s| !s.paused && s.start < answered)
                .map(|s| {
                    let end = s.end.map_or(answered, |e| e.min(answered));
                    clock.business(s.start, end)
                })
                .sum();
            (secs(self.opening.opened_at, answered), business)
        });
        facts.place = place;
        self.facts
    }
}

/// Folds the steps (the first one is the entry that logged the incident, with every field)
/// into the incident's facts. `department_of(service, group)` names the department a record
/// of that service and group belongs to.
pub fn fold(
    opening: &Opening,
    steps: &[Step],
    clock: &Clock<'_>,
    department_of: &dyn Fn(Option<Uuid>, Option<Uuid>) -> Option<Uuid>,
) -> Facts {
    let mut place = Place::logged();
    let mut folder = Folder {
        opening,
        clock,
        facts: Facts {
            place: place.clone(),
            opened_group: None,
            first_resolved_at: None,
            canceled_at: None,
            first_response: None,
            reassignments: 0,
            ping_pongs: 0,
            reopens: 0,
            spans: Vec::new(),
            handoffs: Vec::new(),
            resolutions: Vec::new(),
            journal_id: 0,
        },
        code: None,
        last_group: None,
        left: BTreeSet::new(),
        since: opening.opened_at,
    };
    for (index, step) in steps.iter().enumerate() {
        // A step never goes back before the one it follows (nor before the opening).
        let at = step.at.unwrap_or(folder.since).max(folder.since);
        let before = place;
        place = before.after(step);
        place.department = department_of(place.service, place.group);
        if let Some(code) = step.resolution_code {
            folder.code = code;
        }
        folder.facts.journal_id = folder.facts.journal_id.max(step.journal_id);
        if index == 0 {
            folder.facts.opened_group = place.group.or(opening.opener_group);
            folder.last_group = place.group;
        } else if place != before {
            folder.step(&before, &place, at);
        }
    }
    folder.finish(place)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sla::Interval;
    use jiff::civil::time;
    use jiff::tz::TimeZone;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn g(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn opened(state: IncidentState, group: Option<Uuid>, at_: &str) -> Step {
        Step {
            journal_id: 1,
            at: Some(at(at_)),
            state: Some(state),
            hold_reason: Some(None),
            group: Some(group),
            assigned: Some(false),
            impact: Some(Level::Medium),
            service: Some(None),
            category: Some(None),
            priority: Some(3),
            resolution_code: Some(None),
        }
    }

    fn step(id: i64, at_: &str) -> Step {
        Step {
            journal_id: id,
            at: Some(at(at_)),
            ..Step::default()
        }
    }

    fn opening(at_: &str) -> Opening {
        Opening {
            opened_at: at(at_),
            responded_at: None,
            logged_by_caller: false,
            opener_group: None,
        }
    }

    fn no_department(_: Option<Uuid>, _: Option<Uuid>) -> Option<Uuid> {
        None
    }

    fn always() -> Calendar {
        Calendar::always()
    }

    /// Mon–Fri 08:00–17:00, Europe/Berlin.
    fn office() -> Calendar {
        let day = vec![Interval::new(time(8, 0, 0, 0), time(17, 0, 0, 0)).unwrap()];
        let week = [
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day,
            Vec::new(),
            Vec::new(),
        ];
        Calendar::new(
            TimeZone::get("Europe/Berlin").unwrap(),
            week,
            BTreeSet::new(),
        )
        .unwrap()
    }

    #[test]
    fn a_run_is_open_time_at_one_place_without_a_break() {
        let (a, b) = (g(1), g(2));
        let steps = vec![
            opened(IncidentState::New, Some(a), "2026-03-02T09:00:00Z"),
            // Taken up in A: the same run.
            Step {
                state: Some(IncidentState::InProgress),
                assigned: Some(true),
                ..step(2, "2026-03-02T10:00:00Z")
            },
            // Handed to B: a new run; A's ends.
            Step {
                group: Some(Some(b)),
                ..step(3, "2026-03-02T11:00:00Z")
            },
            Step {
                state: Some(IncidentState::Resolved),
                ..step(4, "2026-03-02T12:00:00Z")
            },
            // Reopened in B: a new run, which still lasts.
            Step {
                state: Some(IncidentState::InProgress),
                ..step(5, "2026-03-03T08:00:00Z")
            },
        ];
        let calendar = always();
        let clock = Clock {
            calendar: &calendar,
            pause_reasons: &[],
        };
        let facts = fold(
            &opening("2026-03-02T09:00:00Z"),
            &steps,
            &clock,
            &no_department,
        );
        let mark = |started: &str, ends: bool| {
            Some(RunMark {
                started_at: at(started),
                ends,
            })
        };
        assert_eq!(
            runs(&facts.spans),
            [
                mark("2026-03-02T09:00:00Z", false),
                mark("2026-03-02T09:00:00Z", true),
                mark("2026-03-02T11:00:00Z", true),
                None,
                mark("2026-03-03T08:00:00Z", false),
            ]
        );
    }

    #[test]
    fn a_ping_pong_is_a_return_to_a_group_already_left() {
        let (a, b, c) = (g(1), g(2), g(3));
        let mut steps = vec![opened(IncidentState::New, Some(a), "2026-03-02T09:00:00Z")];
        for (n, (group, t)) in [
            (b, "2026-03-02T10:00:00Z"),
            (c, "2026-03-02T11:00:00Z"),
            (a, "2026-03-02T12:00:00Z"),
            (b, "2026-03-02T13:00:00Z"),
        ]
        .into_iter()
        .enumerate()
        {
            steps.push(Step {
                group: Some(Some(group)),
                ..step(i64::try_from(n).unwrap() + 2, t)
            });
        }
        let calendar = always();
        let clock = Clock {
            calendar: &calendar,
            pause_reasons: &[],
        };
        let facts = fold(
            &opening("2026-03-02T09:00:00Z"),
            &steps,
            &clock,
            &no_department,
        );
        assert_eq!(facts.reassignments, 4);
        assert_eq!(facts.ping_pongs, 2, "A→B→C→A returns to A, then to B");
        let returned: Vec<bool> = facts.handoffs.iter().map(|h| h.returned).collect();
        assert_eq!(returned, [false, false, true, true]);
        assert_eq!(facts.spans.len(), 5);
        assert_eq!(facts.journal_id, 5);
        assert_eq!(facts.opened_group, Some(a));
    }

    #[test]
    fn a_first_assignment_is_no_reassignment_and_the_opener_group_logs() {
        let (a, b) = (g(1), g(2));
        let steps = vec![
            opened(IncidentState::New, None, "2026-03-02T09:00:00Z"),
            Step {
                group: Some(Some(a)),
                ..step(2, "2026-03-02T09:05:00Z")
            },
            Step {
                state: Some(IncidentState::InProgress),
                assigned: Some(true),
                ..step(3, "2026-03-02T09:10:00Z")
            },
            Step {
                state: Some(IncidentState::Resolved),
                resolution_code: Some(Some(ResolutionCode::Workaround)),
                ..step(4, "2026-03-02T10:00:00Z")
            },
        ];
        let calendar = always();
        let clock = Clock {
            calendar: &calendar,
            pause_reasons: &[],
        };
        let mut open = opening("2026-03-02T09:00:00Z");
        open.opener_group = Some(a);
        let facts = fold(&open, &steps, &clock, &no_department);
        assert_eq!(facts.reassignments, 0);
        let resolution = &facts.resolutions[0];
        assert_eq!(resolution.first_contact, Some(true));
        assert_eq!(resolution.calendar_secs, 3600);
        assert_eq!(resolution.business_secs, 3600);
        assert_eq!(resolution.code, Some(ResolutionCode::Workaround));
        // Logged by another group's agent: not first contact.
        open.opener_group = Some(b);
        let facts = fold(&open, &steps, &clock, &no_department);
        assert_eq!(facts.resolutions[0].first_contact, Some(false));
        // Logged by the caller: not counted.
        open.logged_by_caller = true;
        let facts = fold(&open, &steps, &clock, &no_department);
        assert_eq!(facts.resolutions[0].first_contact, None);
    }

    #[test]
    fn a_reopen_measures_again_from_opened_with_the_resolved_time_paused() {
        let steps = vec![
            opened(
                IncidentState::InProgress,
                Some(g(1)),
                "2026-03-02T09:00:00Z",
            ),
            Step {
                state: Some(IncidentState::Resolved),
                ..step(2, "2026-03-02T11:00:00Z")
            },
            Step {
                state: Some(IncidentState::InProgress),
                ..step(3, "2026-03-03T11:00:00Z")
            },
            Step {
                state: Some(IncidentState::Resolved),
                ..step(4, "2026-03-03T12:00:00Z")
            },
        ];
        let calendar = always();
        let clock = Clock {
            calendar: &calendar,
            pause_reasons: &[],
        };
        let facts = fold(
            &opening("2026-03-02T09:00:00Z"),
            &steps,
            &clock,
            &no_department,
        );
        assert_eq!(facts.reopens, 1);
        assert_eq!(facts.resolutions.len(), 2);
        assert_eq!(
            facts.resolutions[0].reopened_at,
            Some(at("2026-03-03T11:00:00Z"))
        );
        assert_eq!(facts.resolutions[1].calendar_secs, 27 * 3600);
        assert_eq!(facts.resolutions[1].business_secs, 3 * 3600);
        assert_eq!(facts.first_resolved_at, Some(at("2026-03-02T11:00:00Z")));
    }

    #[test]
    fn a_pausing_hold_over_a_dst_weekend_is_left_out_of_business_time() {
        // Friday 27 March 2026, 16:00 Berlin (15:00 UTC); clocks go forward on Sunday the 29th.
        let steps = vec![
            opened(
                IncidentState::InProgress,
                Some(g(1)),
                "2026-03-27T15:00:00Z",
            ),
            Step {
                state: Some(IncidentState::OnHold),
                hold_reason: Some(Some(HoldReason::AwaitingCaller)),
                ..step(2, "2026-03-27T15:30:00Z")
            },
            // Monday 10:00 Berlin (CEST, UTC+2).
            Step {
                state: Some(IncidentState::InProgress),
                hold_reason: Some(None),
                ..step(3, "2026-03-30T08:00:00Z")
            },
            // Monday 11:00 Berlin.
            Step {
                state: Some(IncidentState::Resolved),
                ..step(4, "2026-03-30T09:00:00Z")
            },
        ];
        let calendar = office();
        let pauses = vec!["awaiting_caller".to_owned()];
        let clock = Clock {
            calendar: &calendar,
            pause_reasons: &pauses,
        };
        let mut open = opening("2026-03-27T15:00:00Z");
        open.responded_at = Some(at("2026-03-30T08:30:00Z"));
        let facts = fold(&open, &steps, &clock, &no_department);
        let resolution = &facts.resolutions[0];
        // 30 min on Friday + 1 h on Monday; the hold (Fri 16:30 → Mon 10:00, 2 business
        // hours) paused.
        assert_eq!(resolution.business_secs, 90 * 60);
        // Calendar: 15:00Z Friday to 09:00Z Monday.
        assert_eq!(resolution.calendar_secs, (2 * 24 + 18) * 3600);
        let (calendar_secs, business_secs) = facts.first_response.unwrap();
        assert_eq!(calendar_secs, (2 * 24 + 17) * 3600 + 30 * 60);
        assert_eq!(business_secs, 60 * 60, "30 min Friday + 30 min Monday");
        let hold = &facts.spans[1];
        assert!(hold.paused);
        assert_eq!(hold.business_secs, Some(30 * 60 + 2 * 3600));
        // Not pausing for this policy: the hold counts.
        let clock = Clock {
            calendar: &calendar,
            pause_reasons: &[],
        };
        let facts = fold(&open, &steps, &clock, &no_department);
        assert_eq!(
            facts.resolutions[0].business_secs,
            90 * 60 + 30 * 60 + 2 * 3600
        );
    }

    #[test]
    fn the_wait_after_a_handoff_lasts_until_the_new_group_works() {
        let (a, b) = (g(1), g(2));
        let steps = vec![
            opened(IncidentState::InProgress, Some(a), "2026-03-02T09:00:00Z"),
            Step {
                group: Some(Some(b)),
                state: Some(IncidentState::New),
                assigned: Some(false),
                ..step(2, "2026-03-02T10:00:00Z")
            },
            Step {
                state: Some(IncidentState::InProgress),
                assigned: Some(true),
                ..step(3, "2026-03-02T10:45:00Z")
            },
            Step {
                state: Some(IncidentState::Canceled),
                ..step(4, "2026-03-02T11:00:00Z")
            },
        ];
        let calendar = always();
        let clock = Clock {
            calendar: &calendar,
            pause_reasons: &[],
        };
        let department = |_: Option<Uuid>, group: Option<Uuid>| group.map(|_| g(99));
        let facts = fold(
            &opening("2026-03-02T09:00:00Z"),
            &steps,
            &clock,
            &department,
        );
        assert_eq!(facts.handoffs[0].wait_secs, Some(45 * 60));
        assert_eq!(facts.canceled_at, Some(at("2026-03-02T11:00:00Z")));
        assert_eq!(facts.place.department, Some(g(99)));
        assert_eq!(facts.spans.last().unwrap().end, None);
    }
}
