//! Service levels: calendars and policies (admins), and the clock on every incident. The clock
//! is kept in the transaction of each incident change: due dates are set when an incident is
//! logged, move when a pausing hold ends or when the priority or the policy changes, stop while
//! the incident is resolved, and every move is a `system` journal entry.

mod calendars;
mod clock;
mod policies;

pub use calendars::{CalendarInput, CalendarView, HolidayView, calendars, create_calendar};
pub(crate) use calendars::{build_calendar, calendar_of, unique_to_conflict};
pub use clock::{Countdown, SlaView, Summary, countdowns, paused, short_span, summary, time_left};
pub(crate) use clock::{
    PolicyCalendars, due_dates, mark_event, next_check, opening_clock, record_marks, update_clock,
};
pub(crate) use policies::validate_policy;
pub use policies::{PolicyInput, PolicyView, create_policy, policies};
