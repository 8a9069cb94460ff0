//! Service-level arithmetic over business-hour calendars. Pure rules, no I/O, no clock: every
//! moment is an argument. Time zones come from the IANA database through `jiff`, so working
//! hours stay at 08:00 local time across daylight-saving changes.
//!
//! Business time is real elapsed time inside working intervals: an interval 01:00–04:00 on the
//! night the clocks go forward holds two hours, not three.

use std::collections::BTreeSet;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// Working time on one day, `start` before `end` (local wall-clock times).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub start: Time,
    pub end: Time,
}

impl Interval {
    pub fn new(start: Time, end: Time) -> Result<Self, &'static str> {
        if start < end {
            Ok(Interval { start, end })
        } else {
            Err("error.interval_order")
        }
    }
}

/// A business-hour calendar: a time zone, working intervals per weekday, holidays.
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: TimeZone,
    /// Monday first; intervals sorted and not overlapping.
    week: [Vec<Interval>; 7],
    holidays: BTreeSet<Date>,
    /// 24×7: every moment counts.
    always: bool,
}

/// The longest search for working time: a calendar with none in ten years is unusable.
const MAX_DAYS: u32 = 3660;

impl Calendar {
    /// Every moment is business time.
    pub fn always() -> Self {
        Calendar {
            tz: TimeZone::UTC,
            week: Default::default(),
            holidays: BTreeSet::new(),
            always: true,
        }
    }

    /// A calendar from working intervals per weekday (Monday first). Intervals of a day are
    /// sorted; overlapping ones are refused.
    pub fn new(
        tz: TimeZone,
        mut week: [Vec<Interval>; 7],
        holidays: BTreeSet<Date>,
    ) -> Result<Self, &'static str> {
        for day in &mut week {
            day.sort_by_key(|i| i.start);
            if day.windows(2).any(|w| w[0].end > w[1].start) {
                return Err("error.interval_overlap");
            }
        }
        if week.iter().all(Vec::is_empty) {
            return Err("error.no_working_time");
        }
        Ok(Calendar {
            tz,
            week,
            holidays,
            always: false,
        })
    }

    /// The working intervals of a date, as absolute moments.
    fn intervals_on(&self, date: Date) -> Vec<(Timestamp, Timestamp)> {
        if self.holidays.contains(&date) {
            return Vec::new();
        }
        let weekday = usize::try_from(date.weekday().to_monday_zero_offset()).unwrap_or(0);
        self.week[weekday]
            .iter()
            .filter_map(|i| {
                let start = date
                    .to_datetime(i.start)
                    .to_zoned(self.tz.clone())
                    .ok()?
                    .timestamp();
                let end = date
                    .to_datetime(i.end)
                    .to_zoned(self.tz.clone())
                    .ok()?
                    .timestamp();
                (start < end).then_some((start, end))
            })
            .collect()
    }

    /// The moment `amount` of business time after `start`; `None` when the calendar has no
    /// working time within ten years.
    pub fn add(&self, start: Timestamp, amount: SignedDuration) -> Option<Timestamp> {
        if self.always {
            return start.checked_add(amount).ok();
        }
        let mut remaining = amount.max(SignedDuration::ZERO);
        let mut date = start.to_zoned(self.tz.clone()).date();
        for _ in 0..MAX_DAYS {
            for (from, to) in self.intervals_on(date) {
                let from = from.max(start);
                if from >= to {
                    continue;
                }
                let available = to.duration_since(from);
                if remaining <= available {
                    return from.checked_add(remaining).ok();
                }
                remaining -= available;
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// The end of the `days`-th working day after the day of `start` (a day with working
    /// time, not a holiday): when a resolved record closes by itself. On a 24×7 calendar,
    /// `days` × 24 hours. `None` when there is no such day within ten years.
    pub fn after_working_days(&self, start: Timestamp, days: u32) -> Option<Timestamp> {
        if self.always {
            return start
                .checked_add(SignedDuration::from_hours(24 * i64::from(days)))
                .ok();
        }
        let mut date = start.to_zoned(self.tz.clone()).date();
        let mut counted = 0;
        for _ in 0..MAX_DAYS {
            date = date.tomorrow().ok()?;
            let intervals = self.intervals_on(date);
            if let Some(&(_, end)) = intervals.last() {
                counted += 1;
                if counted >= days {
                    return Some(end);
                }
            }
        }
        None
    }

    /// Business time between two moments (zero when `to` is not after `from`).
    pub fn between(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        if to <= from {
            return SignedDuration::ZERO;
        }
        if self.always {
            return to.duration_since(from);
        }
        let mut total = SignedDuration::ZERO;
        let mut date = from.to_zoned(self.tz.clone()).date();
        let last = to.to_zoned(self.tz.clone()).date();
        while date <= last {
            for (start, end) in self.intervals_on(date) {
                let (start, end) = (start.max(from), end.min(to));
                if start < end {
                    total += end.duration_since(start);
                }
            }
            let Ok(next) = date.tomorrow() else { break };
            date = next;
        }
        total
    }
}

/// When a target is due: `target` of business time after `start`, moved on by the business
/// time the clock was paused.
pub fn due(
    calendar: &Calendar,
    start: Timestamp,
    target: SignedDuration,
    paused: SignedDuration,
) -> Option<Timestamp> {
    calendar.add(start, target + paused.max(SignedDuration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::time;

    fn berlin_office(holidays: &[Date]) -> Calendar {
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
            holidays.iter().copied().collect(),
        )
        .unwrap()
    }

    fn at(text: &str) -> Timestamp {
        let zoned: jiff::Zoned = format!("{text}[Europe/Berlin]").parse().unwrap();
        zoned.timestamp()
    }

    fn local(ts: Timestamp) -> String {
        ts.to_zoned(TimeZone::get("Europe/Berlin").unwrap())
            .strftime("%Y-%m-%d %H:%M:%S %:z")
            .to_string()
    }

    fn hours(h: i64) -> SignedDuration {
        SignedDuration::from_hours(h)
    }

    #[test]
    fn friday_afternoon_with_an_eight_hour_target_is_due_on_monday() {
        let calendar = berlin_office(&[]);
        // 2026-11-20 is a Friday: 30 minutes on Friday, 7.5 hours on Monday.
        assert_eq!(
            local(calendar.add(at("2026-11-20T16:30:00"), hours(8)).unwrap()),
            "2026-11-23 15:30:00 +01:00"
        );
    }

    #[test]
    fn a_record_resolved_on_friday_closes_after_its_working_days() {
        // 2026-11-20 is a Friday; 2026-11-24 (Tuesday) a holiday here.
        let calendar = berlin_office(&[Date::constant(2026, 11, 24)]);
        let friday = at("2026-11-20T16:30:00");
        let close = |days| local(calendar.after_working_days(friday, days).unwrap());
        assert_eq!(close(1), "2026-11-23 17:00:00 +01:00", "Monday's end");
        assert_eq!(
            close(2),
            "2026-11-25 17:00:00 +01:00",
            "the holiday does not count"
        );
        assert_eq!(close(5), "2026-11-30 17:00:00 +01:00");
        let always = Calendar::always();
        assert_eq!(
            always.after_working_days(friday, 5),
            Some(friday + SignedDuration::from_hours(120))
        );
    }

    #[test]
    fn a_holiday_in_between_moves_the_due_date_a_day() {
        let holiday = jiff::civil::date(2026, 11, 23);
        let calendar = berlin_office(&[holiday]);
        assert_eq!(
            local(calendar.add(at("2026-11-20T16:30:00"), hours(8)).unwrap()),
            "2026-11-24 15:30:00 +01:00"
        );
    }

    #[test]
    fn working_hours_stay_local_across_the_march_and_october_switches() {
        let calendar = berlin_office(&[]);
        // Clocks go forward on Sunday 2026-03-29 and back on Sunday 2026-10-25.
        assert_eq!(
            local(calendar.add(at("2026-03-27T16:30:00"), hours(8)).unwrap()),
            "2026-03-30 15:30:00 +02:00"
        );
        assert_eq!(
            local(calendar.add(at("2026-10-23T16:30:00"), hours(8)).unwrap()),
            "2026-10-26 15:30:00 +01:00"
        );
        // Over the weekend of a switch the weekend counts nothing.
        assert_eq!(
            calendar.between(at("2026-03-27T16:00:00"), at("2026-03-30T09:00:00")),
            hours(2)
        );
    }

    #[test]
    fn a_night_interval_on_the_switch_holds_the_real_elapsed_time() {
        let night = vec![Interval::new(time(1, 0, 0, 0), time(4, 0, 0, 0)).unwrap()];
        let week = [
            night.clone(),
            night.clone(),
            night.clone(),
            night.clone(),
            night.clone(),
            night.clone(),
            night,
        ];
        let calendar = Calendar::new(
            TimeZone::get("Europe/Berlin").unwrap(),
            week,
            BTreeSet::new(),
        )
        .unwrap();
        // 2026-03-29: 02:00 does not exist; 01:00 to 04:00 is two real hours.
        assert_eq!(
            calendar.between(at("2026-03-29T00:00:00"), at("2026-03-29T05:00:00")),
            hours(2)
        );
        assert_eq!(
            calendar.between(at("2026-10-25T00:00:00"), at("2026-10-25T05:00:00")),
            hours(4)
        );
    }

    #[test]
    fn a_pause_over_a_weekend_counts_only_business_time() {
        let calendar = berlin_office(&[]);
        let paused = calendar.between(at("2026-11-20T16:00:00"), at("2026-11-23T10:00:00"));
        assert_eq!(paused, hours(3), "one hour on Friday, two on Monday");
        let start = at("2026-11-19T09:00:00");
        let due = due(&calendar, start, hours(8), paused).unwrap();
        assert_eq!(
            local(due),
            "2026-11-20 11:00:00 +01:00",
            "eight hours plus three paused"
        );
    }

    #[test]
    fn targets_shorter_than_a_minute_and_longer_than_a_month() {
        let calendar = berlin_office(&[]);
        let seconds = SignedDuration::from_secs(30);
        assert_eq!(
            local(calendar.add(at("2026-11-23T10:00:00"), seconds).unwrap()),
            "2026-11-23 10:00:30 +01:00"
        );
        assert_eq!(
            local(calendar.add(at("2026-11-20T16:59:50"), seconds).unwrap()),
            "2026-11-23 08:00:20 +01:00"
        );
        // 200 business hours from Monday 2026-01-05 08:00 are 22 full days (9 hours each) and 2
        // hours: Wednesday 2026-02-04 10:00.
        assert_eq!(
            local(calendar.add(at("2026-01-05T08:00:00"), hours(200)).unwrap()),
            "2026-02-04 10:00:00 +01:00"
        );
    }

    #[test]
    fn several_intervals_a_day_and_the_year_end() {
        let split = vec![
            Interval::new(time(8, 0, 0, 0), time(12, 0, 0, 0)).unwrap(),
            Interval::new(time(13, 0, 0, 0), time(17, 0, 0, 0)).unwrap(),
        ];
        let week = [
            split.clone(),
            split.clone(),
            split.clone(),
            split.clone(),
            split,
            Vec::new(),
            Vec::new(),
        ];
        let new_year = jiff::civil::date(2027, 1, 1);
        let calendar = Calendar::new(
            TimeZone::get("Europe/Berlin").unwrap(),
            week,
            BTreeSet::from([new_year]),
        )
        .unwrap();
        assert_eq!(
            local(calendar.add(at("2026-11-23T11:30:00"), hours(1)).unwrap()),
            "2026-11-23 13:30:00 +01:00"
        );
        // Thursday 2026-12-31 16:00 + 2 h: one hour that day, New Year's Day off, the weekend off.
        assert_eq!(
            local(calendar.add(at("2026-12-31T16:00:00"), hours(2)).unwrap()),
            "2027-01-04 09:00:00 +01:00"
        );
    }

    #[test]
    fn around_the_clock_counts_everything_and_bad_calendars_are_refused() {
        let always = Calendar::always();
        let start = at("2026-11-20T16:30:00");
        assert_eq!(
            always.add(start, hours(8)).unwrap(),
            start.checked_add(hours(8)).unwrap()
        );
        assert_eq!(
            always.between(start, start.checked_add(hours(30)).unwrap()),
            hours(30)
        );
        let overlapping = vec![
            Interval::new(time(8, 0, 0, 0), time(12, 0, 0, 0)).unwrap(),
            Interval::new(time(11, 0, 0, 0), time(13, 0, 0, 0)).unwrap(),
        ];
        let week = [
            overlapping,
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        ];
        assert_eq!(
            Calendar::new(TimeZone::UTC, week, BTreeSet::new()).err(),
            Some("error.interval_overlap")
        );
        assert_eq!(
            Calendar::new(TimeZone::UTC, Default::default(), BTreeSet::new()).err(),
            Some("error.no_working_time")
        );
        assert_eq!(
            Interval::new(time(9, 0, 0, 0), time(8, 0, 0, 0)),
            Err("error.interval_order")
        );
    }

    #[test]
    fn a_calendar_of_holidays_only_never_becomes_due() {
        let day = vec![Interval::new(time(8, 0, 0, 0), time(9, 0, 0, 0)).unwrap()];
        let week = [
            day,
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        ];
        let mut holidays = BTreeSet::new();
        let mut date = jiff::civil::date(2026, 1, 1);
        for _ in 0..4000 {
            holidays.insert(date);
            date = date.tomorrow().unwrap();
        }
        let calendar = Calendar::new(TimeZone::UTC, week, holidays).unwrap();
        assert_eq!(
            calendar.add("2026-01-01T00:00:00Z".parse().unwrap(), hours(1)),
            None
        );
    }
}
