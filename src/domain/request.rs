//! Service requests (ITIL request fulfilment): numbers, the workflow and what each move
//! changes. Pure rules, no I/O.

use uuid::Uuid;

use super::{FieldError, Invalid};

/// `REQ` followed by 7 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestNumber(String);

impl RequestNumber {
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let value = value.trim().to_ascii_uppercase();
        let digits = value.strip_prefix("REQ").ok_or("error.request_number")?;
        if digits.len() == 7 && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(value))
        } else {
            Err("error.request_number")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_enum! {
    pub enum RequestState (error = "error.request_state", label = "request_state") {
        New = "new",
        AwaitingApproval = "awaiting_approval",
        Approved = "approved",
        Rejected = "rejected",
        InProgress = "in_progress",
        Fulfilled = "fulfilled",
        Closed = "closed",
        Canceled = "canceled",
    }
}

impl RequestState {
    /// The workflow table: where a request may go from here.
    pub fn allowed_next(self) -> &'static [RequestState] {
        use RequestState::{
            Approved, AwaitingApproval, Canceled, Closed, Fulfilled, InProgress, New, Rejected,
        };
        match self {
            New => &[AwaitingApproval, InProgress, Canceled],
            AwaitingApproval => &[Approved, Rejected, Canceled],
            Approved => &[InProgress, Canceled],
            // A rejected request is over: closed as rejected, the reason shown to the caller.
            Closed | Canceled | Rejected => &[],
            InProgress => &[Fulfilled, Canceled],
            Fulfilled => &[Closed, InProgress],
        }
    }

    /// Still being worked on (or waiting to be): what queues show by default.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            RequestState::New
                | RequestState::AwaitingApproval
                | RequestState::Approved
                | RequestState::InProgress
        )
    }

    /// No change is possible any more.
    pub fn is_final(self) -> bool {
        self.allowed_next().is_empty()
    }

    /// Reached through approvals only, never moved to by hand: waiting for approval,
    /// approved and rejected follow from the approvers' decisions.
    pub fn decided_by_approval(self) -> bool {
        matches!(
            self,
            RequestState::AwaitingApproval | RequestState::Approved | RequestState::Rejected
        )
    }
}

/// A service request as the service layer works with it; names of what it points at come
/// with it for the faces.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRequest {
    pub id: Uuid,
    pub number: String,
    pub request_type_id: Uuid,
    pub request_type: String,
    pub department_id: Uuid,
    pub department: String,
    pub title: String,
    pub description: String,
    pub state: RequestState,
    pub values: serde_json::Map<String, serde_json::Value>,
    pub caller_id: Uuid,
    pub caller: String,
    pub assignment_group_id: Option<Uuid>,
    pub assignment_group: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub assignee: Option<String>,
    pub outcome: Option<String>,
    /// The approval stage it awaits (0 the first), while it awaits one.
    pub approval_stage: Option<i16>,
    /// Of its tasks, how many there are and how many are done.
    pub tasks_total: i64,
    pub tasks_done: i64,
    pub opened_by: String,
    pub opened_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    pub fulfilled_at: Option<jiff::Timestamp>,
    pub closed_at: Option<jiff::Timestamp>,
    pub version: i64,
    /// The service level of its type, when it has one: the policy, the due dates, the
    /// desk's first response, and the business time the fulfilment clock stood still (while
    /// approvals were awaited).
    pub sla_policy_id: Option<Uuid>,
    pub response_due: Option<jiff::Timestamp>,
    pub resolution_due: Option<jiff::Timestamp>,
    pub responded_at: Option<jiff::Timestamp>,
    pub sla_paused_seconds: i64,
    pub sla_paused_since: Option<jiff::Timestamp>,
    /// The SLA worker's marks (each made once) and when it looks again.
    pub sla_response_breached_at: Option<jiff::Timestamp>,
    pub sla_resolution_breached_at: Option<jiff::Timestamp>,
    pub sla_next_check: Option<jiff::Timestamp>,
    /// When the fulfilment target is mostly used up (the policy's at-risk percentage), and
    /// when the worker marked it so.
    pub sla_at_risk_due: Option<jiff::Timestamp>,
    pub sla_at_risk_at: Option<jiff::Timestamp>,
}

/// A requested move, as sent.
#[derive(Debug, Clone, Default)]
pub struct RequestTransitionRequest {
    pub to: String,
    /// Why it is rejected, canceled or reopened; how it was fulfilled.
    pub reason: Option<String>,
}

/// What a permitted move changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestTransition {
    pub from: RequestState,
    pub to: RequestState,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestTransitionError {
    NotAllowed {
        from: RequestState,
        to: RequestState,
    },
    Invalid(Vec<FieldError>),
}

/// Checks a move against the workflow table: rejecting, canceling, fulfilling and reopening
/// need a `reason` (the caller is shown it).
pub fn plan_transition(
    from: RequestState,
    request: &RequestTransitionRequest,
) -> Result<RequestTransition, RequestTransitionError> {
    use RequestState::{Canceled, Fulfilled, InProgress, Rejected};
    let mut invalid = Invalid::default();
    let Some(to) = invalid.check("to", RequestState::parse(&request.to)) else {
        return Err(RequestTransitionError::Invalid(invalid.0));
    };
    if !from.allowed_next().contains(&to) {
        return Err(RequestTransitionError::NotAllowed { from, to });
    }
    let reason = request
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    let needs_reason =
        matches!(to, Rejected | Canceled | Fulfilled) || (from == Fulfilled && to == InProgress);
    if needs_reason && reason.is_none() {
        invalid.add("reason", "error.request_reason");
    }
    if reason
        .as_deref()
        .is_some_and(|r| r.chars().count() > 100_000)
    {
        invalid.add("reason", "error.too_long");
    }
    invalid
        .finish(|| RequestTransition { from, to, reason })
        .map_err(|invalid| RequestTransitionError::Invalid(invalid.0))
}

impl ServiceRequest {
    /// What the SLA clock's rules decide on (`sla_clock`): fulfilment is the resolution; the
    /// clock runs until then and stands still while approvals are awaited.
    pub fn clock(&self) -> crate::domain::sla_clock::ClockFacts {
        use RequestState::{AwaitingApproval, Fulfilled};
        crate::domain::sla_clock::ClockFacts {
            open: !self.state.is_final() && self.state != Fulfilled,
            paused: self.sla_paused_since.is_some() || self.state == AwaitingApproval,
            responded_at: self.responded_at,
            resolved_at: self.fulfilled_at,
            response_due: self.response_due,
            resolution_due: self.resolution_due,
            response_breached_at: self.sla_response_breached_at,
            resolution_breached_at: self.sla_resolution_breached_at,
            at_risk_due: self.sla_at_risk_due,
            at_risk_at: self.sla_at_risk_at,
        }
    }

    /// The effects of a permitted move: the state, the outcome the caller is shown, and the
    /// moments it was fulfilled and closed.
    pub fn apply(&mut self, transition: &RequestTransition, now: jiff::Timestamp) {
        use RequestState::{Canceled, Closed, Fulfilled, InProgress, Rejected};
        self.state = transition.to;
        match transition.to {
            Fulfilled => {
                self.outcome.clone_from(&transition.reason);
                self.fulfilled_at = Some(now);
            }
            Rejected | Canceled => {
                self.outcome.clone_from(&transition.reason);
                self.closed_at = Some(now);
                self.approval_stage = None;
            }
            Closed => self.closed_at = Some(now),
            InProgress if transition.from == Fulfilled => {
                self.outcome = None;
                self.fulfilled_at = None;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RequestState::*;

    fn plan(
        from: RequestState,
        to: &str,
        reason: Option<&str>,
    ) -> Result<RequestTransition, RequestTransitionError> {
        plan_transition(
            from,
            &RequestTransitionRequest {
                to: to.to_owned(),
                reason: reason.map(str::to_owned),
            },
        )
    }

    #[test]
    fn numbers_are_req_and_seven_digits() {
        assert_eq!(
            RequestNumber::parse(" req0000042 ").unwrap().as_str(),
            "REQ0000042"
        );
        for bad in ["REQ42", "INC0000042", "REQ00000420", "REQ000004a"] {
            assert!(RequestNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_workflow_table_is_the_contract() {
        assert!(plan(New, "in_progress", None).is_ok());
        assert!(plan(New, "awaiting_approval", None).is_ok());
        assert_eq!(
            plan(New, "fulfilled", Some("done")),
            Err(RequestTransitionError::NotAllowed {
                from: New,
                to: Fulfilled
            })
        );
        assert!(plan(Rejected, "closed", None).is_err(), "rejected is final");
        for state in [Closed, Canceled, Rejected] {
            assert!(state.is_final());
            assert!(!state.is_open());
        }
        assert!(matches!(
            plan(New, "someday", None),
            Err(RequestTransitionError::Invalid(fields)) if fields[0].field == "to"
        ));
    }

    #[test]
    fn rejecting_canceling_fulfilling_and_reopening_say_why() {
        for (from, to) in [
            (AwaitingApproval, "rejected"),
            (New, "canceled"),
            (InProgress, "fulfilled"),
            (Fulfilled, "in_progress"),
        ] {
            assert!(
                matches!(plan(from, to, Some("  ")), Err(RequestTransitionError::Invalid(f)) if f[0].field == "reason"),
                "{from:?} -> {to}"
            );
            assert!(plan(from, to, Some("because")).is_ok());
        }
    }
}
