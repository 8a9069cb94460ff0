//! The improvement register: ideas to improve the way the desk works, submitted by anyone on
//! it and triaged by the process owners. An idea moves `new` → `accepted` → `planned` →
//! `done`, or is `declined` with a reason its submitter reads (and may be taken up again:
//! declined → new). Done is the end: a done idea can become a PDCA marker.

text_enum! {
    /// Where an idea stands.
    pub enum ImprovementState (error = "error.improvement_state", label = "improvement.state") {
        New = "new",
        Accepted = "accepted",
        Planned = "planned",
        Done = "done",
        Declined = "declined",
    }
}

impl ImprovementState {
    /// The states an idea may move to from this one.
    pub fn next(self) -> &'static [ImprovementState] {
        use ImprovementState::{Accepted, Declined, Done, New, Planned};
        match self {
            New => &[Accepted, Planned, Done, Declined],
            Accepted => &[Planned, Done, Declined],
            Planned => &[Accepted, Done, Declined],
            Declined => &[New],
            Done => &[],
        }
    }

    /// Whether the idea is still open (not done, not declined).
    pub fn open(self) -> bool {
        !matches!(self, ImprovementState::Done | ImprovementState::Declined)
    }
}

/// Checks a move: the target must be reachable from `from`, and a decline needs its reason.
/// Errors name the field: `state`, `reason`.
pub fn check_move(
    from: ImprovementState,
    to: ImprovementState,
    reason: Option<&str>,
) -> Result<(), (&'static str, &'static str)> {
    if !from.next().contains(&to) {
        return Err(("state", "error.improvement_move"));
    }
    if to == ImprovementState::Declined && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(("reason", "error.decline_reason"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ImprovementState::{Accepted, Declined, Done, New, Planned};
    use super::*;

    #[test]
    fn ideas_move_forward_or_are_declined_with_a_reason() {
        assert_eq!(check_move(New, Accepted, None), Ok(()));
        assert_eq!(check_move(Accepted, Planned, None), Ok(()));
        assert_eq!(check_move(Planned, Done, None), Ok(()));
        assert_eq!(check_move(Declined, New, None), Ok(()), "taken up again");
        assert_eq!(
            check_move(New, Declined, Some("  ")),
            Err(("reason", "error.decline_reason"))
        );
        assert_eq!(check_move(New, Declined, Some("Out of scope")), Ok(()));
        assert_eq!(
            check_move(Done, New, None),
            Err(("state", "error.improvement_move")),
            "done is the end"
        );
        assert_eq!(
            check_move(New, New, None),
            Err(("state", "error.improvement_move"))
        );
        assert!(New.open() && Planned.open() && !Done.open() && !Declined.open());
    }
}
