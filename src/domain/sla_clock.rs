//! The SLA clock's decisions about one incident, as pure rules: whether a target is breached,
//! which marks the worker makes now, and when it has to look again. The incident page, the
//! API's `sla` object and the SLA worker all ask here, so a breach is decided in one place.
//! No I/O, no clock: `now` is an argument.

use jiff::Timestamp;

/// What the decisions depend on (from the incident row).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClockFacts {
    /// New, in progress or on hold.
    pub open: bool,
    /// The resolution clock stands still (a pausing hold, or resolved).
    pub paused: bool,
    pub responded_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub response_due: Option<Timestamp>,
    pub resolution_due: Option<Timestamp>,
    pub at_risk_due: Option<Timestamp>,
    /// The marks the worker made, when it made them.
    pub response_breached_at: Option<Timestamp>,
    pub at_risk_at: Option<Timestamp>,
    pub resolution_breached_at: Option<Timestamp>,
}

/// A mark the worker makes once, with a journal entry and an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    ResponseBreached,
    AtRisk,
    ResolutionBreached,
}

impl ClockFacts {
    /// The resolution clock is running.
    pub fn running(&self) -> bool {
        self.open && !self.paused
    }

    /// The first response came after its target, or has not come and the target has passed.
    fn response_late(&self, now: Timestamp) -> bool {
        self.response_due
            .is_some_and(|due| self.responded_at.map_or(now >= due, |at| at > due))
    }

    /// The resolution came after its target, or has not come and the running clock has
    /// passed it.
    fn resolution_late(&self, now: Timestamp) -> bool {
        self.resolution_due
            .is_some_and(|due| match self.resolved_at {
                Some(at) => at > due,
                None => self.running() && now >= due,
            })
    }

    /// The response target is breached: marked, or visibly past before the worker's next pass.
    pub fn response_breached(&self, now: Timestamp) -> bool {
        self.response_breached_at.is_some() || self.response_late(now)
    }

    /// The resolution target is breached: marked, or visibly past before the worker's next pass.
    pub fn resolution_breached(&self, now: Timestamp) -> bool {
        self.resolution_breached_at.is_some() || self.resolution_late(now)
    }

    /// The marks due at `now` that are not made yet, in the order they are journaled.
    pub fn due_marks(&self, now: Timestamp) -> Vec<Mark> {
        let mut marks = Vec::new();
        if self.response_breached_at.is_none()
            && self.responded_at.is_none()
            && self.response_late(now)
        {
            marks.push(Mark::ResponseBreached);
        }
        if self.running() {
            if self.at_risk_at.is_none() && self.at_risk_due.is_some_and(|due| due <= now) {
                marks.push(Mark::AtRisk);
            }
            if self.resolution_breached_at.is_none() && self.resolution_late(now) {
                marks.push(Mark::ResolutionBreached);
            }
        }
        marks
    }

    /// The next moment the worker has to look: a target running out or the at-risk point;
    /// nothing for the resolution while its clock stands still.
    pub fn next_check(&self) -> Option<Timestamp> {
        let mut moments = Vec::new();
        if self.responded_at.is_none() && self.response_breached_at.is_none() {
            moments.extend(self.response_due);
        }
        if self.running() {
            if self.at_risk_at.is_none() {
                moments.extend(self.at_risk_due);
            }
            if self.resolution_breached_at.is_none() {
                moments.extend(self.resolution_due);
            }
        }
        moments.into_iter().min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + hour * 3600).unwrap()
    }

    /// Opened at hour 0: response due at 1, at risk at 6, resolution due at 8.
    fn open() -> ClockFacts {
        ClockFacts {
            open: true,
            response_due: Some(at(1)),
            at_risk_due: Some(at(6)),
            resolution_due: Some(at(8)),
            ..ClockFacts::default()
        }
    }

    #[test]
    fn a_target_is_breached_from_its_due_moment_until_met() {
        let clock = open();
        assert!(!clock.response_breached(at(0)));
        assert!(clock.response_breached(at(1)), "at the due moment");
        let answered = ClockFacts {
            responded_at: Some(at(1)),
            ..clock
        };
        assert!(
            !answered.response_breached(at(5)),
            "answered at the due moment"
        );
        let late = ClockFacts {
            responded_at: Some(at(2)),
            ..clock
        };
        assert!(
            late.response_breached(at(3)),
            "answered late stays breached"
        );
        assert!(clock.resolution_breached(at(8)));
        let resolved_in_time = ClockFacts {
            open: false,
            paused: true,
            resolved_at: Some(at(7)),
            ..clock
        };
        assert!(!resolved_in_time.resolution_breached(at(100)));
        let resolved_late = ClockFacts {
            resolved_at: Some(at(9)),
            ..resolved_in_time
        };
        assert!(resolved_late.resolution_breached(at(100)));
    }

    #[test]
    fn a_stopped_clock_does_not_breach_the_resolution_and_marks_come_once() {
        let held = ClockFacts {
            paused: true,
            ..open()
        };
        assert!(
            !held.resolution_breached(at(20)),
            "paused past the old due date"
        );
        assert_eq!(
            held.due_marks(at(20)),
            [Mark::ResponseBreached],
            "the response still counts"
        );
        assert_eq!(
            open().due_marks(at(9)),
            [
                Mark::ResponseBreached,
                Mark::AtRisk,
                Mark::ResolutionBreached
            ]
        );
        let marked = ClockFacts {
            response_breached_at: Some(at(1)),
            at_risk_at: Some(at(6)),
            resolution_breached_at: Some(at(8)),
            ..open()
        };
        assert!(marked.due_marks(at(9)).is_empty(), "each mark once");
        assert!(marked.resolution_breached(at(9)));
        let answered = ClockFacts {
            responded_at: Some(at(2)),
            ..open()
        };
        assert_eq!(
            answered.due_marks(at(3)),
            [],
            "a late answer is breached but not marked after the fact"
        );
    }

    #[test]
    fn the_worker_looks_again_at_the_next_moment_that_matters() {
        assert_eq!(open().next_check(), Some(at(1)));
        let answered = ClockFacts {
            responded_at: Some(at(0)),
            ..open()
        };
        assert_eq!(answered.next_check(), Some(at(6)));
        let at_risk = ClockFacts {
            at_risk_at: Some(at(6)),
            ..answered
        };
        assert_eq!(at_risk.next_check(), Some(at(8)));
        let held = ClockFacts {
            paused: true,
            ..answered
        };
        assert_eq!(
            held.next_check(),
            None,
            "nothing while the clock stands still"
        );
    }
}
