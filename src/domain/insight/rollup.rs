//! A KPI's counted rows summed up so that sums can be added: per day and place in the
//! rollups (migration 47), and per period and week when the dashboard reads them. Durations
//! are kept by bucket (catalogue version 2): whole minutes below 64 minutes, then 32 steps
//! per doubling, so a percentile read from buckets is the value rounded down by at most
//! 3.1 %. The same rounding is applied when a figure is counted from the facts
//! (`insight_rounded` in SQL), so both ways give the same figure.

use std::collections::BTreeMap;

/// Whole minutes below this many are their own bucket.
const EXACT_MINUTES: i64 = 64;
/// Steps per doubling above them.
const STEPS: i64 = 32;
/// Longer durations count as this many minutes (63 years).
const MAX_MINUTES: i64 = (1 << 25) - 1;

/// A duration's whole minutes `m` (capped) and the doublings `e` above 32 minutes (0 below
/// 64 minutes): its bucket is `32·e + (m >> e)`, its lower end `(m >> e) << e` minutes.
fn minutes_and_doublings(secs: i64) -> (i64, u32) {
    let m = (secs.max(0) / 60).min(MAX_MINUTES);
    let e = if m < EXACT_MINUTES { 0 } else { m.ilog2() - 5 };
    (m, e)
}

/// The bucket of a duration in seconds (`insight_bucket` in SQL).
pub fn bucket(secs: i64) -> u16 {
    let (m, e) = minutes_and_doublings(secs);
    u16::try_from(STEPS * i64::from(e) + (m >> e)).unwrap_or(u16::MAX)
}

/// The lower end of a bucket, in seconds (`insight_rounded` in SQL gives it for a duration).
pub fn lower_end(bucket: u16) -> i64 {
    let b = i64::from(bucket);
    if b < EXACT_MINUTES {
        return b * 60;
    }
    let e = b / STEPS - 1;
    ((b - STEPS * e) << e) * 60
}

/// A duration rounded down to its bucket's lower end.
pub fn rounded(secs: i64) -> i64 {
    let (m, e) = minutes_and_doublings(secs);
    ((m >> e) << e) * 60
}

/// What a KPI's values are, for their buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    /// Seconds, kept by bucket.
    Durations,
    /// Small counts (reassignments, returns), each its own bucket.
    Counts,
    /// None: the KPI counts conditions met.
    Nothing,
}

impl Values {
    /// The value a bucket stands for.
    pub fn of_bucket(self, bucket: u16) -> i64 {
        match self {
            Values::Durations => lower_end(bucket),
            Values::Counts | Values::Nothing => i64::from(bucket),
        }
    }
}

/// Values by bucket: how many fell into each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram(BTreeMap<u16, u64>);

impl Histogram {
    pub fn add(&mut self, bucket: u16, n: u64) {
        *self.0.entry(bucket).or_default() += n;
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (b, n) in &other.0 {
            self.add(*b, *n);
        }
    }

    /// How many values.
    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }

    /// The nearest-rank percentile (`percentile_disc`: the first value at position
    /// ⌈p·n⌉ or beyond), as its bucket.
    pub fn percentile(&self, p: f64) -> Option<u16> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        #[expect(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "counts far below 2^52; the rank is positive"
        )]
        let rank = ((p * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (b, n) in &self.0 {
            seen += n;
            if seen >= rank {
                return Some(*b);
            }
        }
        self.0.keys().next_back().copied()
    }

    /// As stored: a little-endian u16 bucket and u32 count per bucket that has values (a
    /// count above u32 is split over several pairs).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.0.len() * 6);
        for (b, n) in &self.0 {
            let mut left = *n;
            while left > 0 {
                let part = u32::try_from(left).unwrap_or(u32::MAX);
                out.extend_from_slice(&b.to_le_bytes());
                out.extend_from_slice(&part.to_le_bytes());
                left -= u64::from(part);
            }
        }
        out
    }

    /// Adds what `encode` wrote; a trailing partial pair is ignored.
    pub fn add_encoded(&mut self, bytes: &[u8]) {
        for pair in bytes.chunks_exact(6) {
            let b = u16::from_le_bytes([pair[0], pair[1]]);
            let n = u32::from_le_bytes([pair[2], pair[3], pair[4], pair[5]]);
            self.add(b, u64::from(n));
        }
    }
}

/// A KPI's rows summed up: the part of `Aggregate` that adds up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: i64,
    pub met: i64,
    pub calendar_sum: i64,
    pub business_sum: i64,
    pub calendar: Histogram,
    pub business: Histogram,
}

impl Tally {
    pub fn merge(&mut self, other: &Tally) {
        self.count += other.count;
        self.met += other.met;
        self.calendar_sum += other.calendar_sum;
        self.business_sum += other.business_sum;
        self.calendar.merge(&other.calendar);
        self.business.merge(&other.business);
    }

    /// One clock's median, p90, mean and total, as `Aggregate` has them (`None` where no row
    /// had a value).
    pub fn stats(&self, values: Values, business: bool) -> ClockStats {
        let (hist, sum) = if business {
            (&self.business, self.business_sum)
        } else {
            (&self.calendar, self.calendar_sum)
        };
        let n = hist.total();
        if n == 0 {
            return ClockStats::default();
        }
        #[expect(clippy::cast_precision_loss, reason = "sums far below 2^52")]
        let mean = sum as f64 / n as f64;
        ClockStats {
            median: hist.percentile(0.5).map(|b| values.of_bucket(b)),
            p90: hist.percentile(0.9).map(|b| values.of_bucket(b)),
            mean: Some(mean),
            total: Some(sum),
        }
    }
}

/// A clock's statistics from a tally.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ClockStats {
    pub median: Option<i64>,
    pub p90: Option<i64>,
    pub mean: Option<f64>,
    pub total: Option<i64>,
}

/// One day's open stretches of one impact weight, as `insight_lost_days` keeps them
/// (migration 50): how many began and ended that day, the sums of those instants (whole
/// epoch seconds), and how many runs began and ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LostDay {
    pub day: jiff::civil::Date,
    pub weight: i64,
    pub began: i64,
    pub began_sum: i64,
    pub ended: i64,
    pub ended_sum: i64,
    pub runs_began: i64,
    pub runs_ended: i64,
}

/// Caller hours lost from the start of day `from_day` (the instant `from`, epoch seconds) to
/// `to` (before day `to_day`): the runs counted, the open seconds and the seconds weighted by
/// impact. Each stretch's time within is C(to) − C(from), C(t) the time before t of the
/// stretches begun before it (`to_day`, `from_day`) less that of those ended by then; a run
/// counts when it began before `to` and had not ended by `from`. Exact (integers).
pub fn lost_within(
    days: &[LostDay],
    (from, from_day): (i64, jiff::civil::Date),
    (to, to_day): (i64, jiff::civil::Date),
) -> (i64, i64, i64) {
    let c = |at: i64, before: jiff::civil::Date| {
        let (mut plain, mut weighted) = (0i128, 0i128);
        for d in days.iter().filter(|d| d.day < before) {
            let open = i128::from(at) * i128::from(d.began - d.ended)
                - (i128::from(d.began_sum) - i128::from(d.ended_sum));
            plain += open;
            weighted += open * i128::from(d.weight);
        }
        (plain, weighted)
    };
    let (to_plain, to_weighted) = c(to, to_day);
    let (from_plain, from_weighted) = c(from, from_day);
    let runs = days
        .iter()
        .filter(|d| d.day < to_day)
        .map(|d| d.runs_began)
        .sum::<i64>()
        - days
            .iter()
            .filter(|d| d.day < from_day)
            .map(|d| d.runs_ended)
            .sum::<i64>();
    let whole = |n: i128| i64::try_from(n).unwrap_or(i64::MAX);
    (
        runs,
        whole(to_plain - from_plain),
        whole(to_weighted - from_weighted),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_time_within_a_window_is_the_difference_of_two_sums() {
        use jiff::civil::date;
        // A stretch of weight 10 from day 1 at 100 s to day 3 at 400 s, and one of weight 1
        // begun on day 2 at 250 s and still open.
        let row = |day, weight, began, began_sum, ended, ended_sum| LostDay {
            day,
            weight,
            began,
            began_sum,
            ended,
            ended_sum,
            runs_began: began,
            runs_ended: ended,
        };
        let days = [
            row(date(2026, 3, 1), 10, 1, 100, 0, 0),
            row(date(2026, 3, 2), 1, 1, 250, 0, 0),
            row(date(2026, 3, 3), 10, 0, 0, 1, 400),
        ];
        // [200, 300) from day 2 to day 3: 100 s of the first (×10), 50 s of the second.
        assert_eq!(
            lost_within(&days, (200, date(2026, 3, 2)), (300, date(2026, 3, 3))),
            (2, 150, 1_050)
        );
        // [0, 1000) over every day: 300 s and 750 s.
        assert_eq!(
            lost_within(&days, (0, date(2026, 2, 28)), (1_000, date(2026, 3, 4))),
            (2, 1_050, 3_750)
        );
        // After the first ended: the second alone.
        assert_eq!(
            lost_within(&days, (400, date(2026, 3, 4)), (500, date(2026, 3, 5))),
            (1, 100, 100)
        );
    }

    #[test]
    fn durations_round_down_to_the_minute_then_to_a_32nd_of_a_doubling() {
        assert_eq!(rounded(59), 0);
        assert_eq!(rounded(1_200), 1_200);
        assert_eq!(rounded(3_839), 3_780, "63 minutes");
        assert_eq!(rounded(3_840), 3_840);
        assert_eq!(rounded(5_400), 5_400, "90 minutes: a step of 2");
        assert_eq!(rounded(14_400), 14_400, "4 hours: a step of 4");
        assert_eq!(rounded(108_000), 107_520, "30 hours: 1,792 minutes");
        assert_eq!(rounded(608_400), 599_040);
        assert_eq!(rounded(-5), 0);
        // Every bucket's lower end is in it, and the next value below it is not.
        for b in 0..=671u16 {
            assert_eq!(bucket(lower_end(b)), b, "{b}");
            assert_eq!(rounded(lower_end(b)), lower_end(b), "{b}");
            if b > 0 {
                assert_eq!(bucket(lower_end(b) - 1), b - 1, "{b}");
            }
        }
        // Never more than 1/32 below the value.
        for secs in (3_840..40_000_000).step_by(7_919) {
            let r = rounded(secs);
            assert!(r <= secs && (secs - r) * 32 <= secs, "{secs} → {r}");
        }
    }

    #[test]
    fn percentiles_are_nearest_rank_over_buckets() {
        let mut h = Histogram::default();
        for secs in [3_600, 5_400, 14_400, 21_600, 608_400] {
            h.add(bucket(secs), 1);
        }
        assert_eq!(h.percentile(0.5).map(lower_end), Some(14_400));
        assert_eq!(h.percentile(0.9).map(lower_end), Some(599_040));
        assert_eq!(Histogram::default().percentile(0.5), None);
        let mut again = Histogram::default();
        again.add_encoded(&h.encode());
        assert_eq!(again, h);
        let mut big = Histogram::default();
        big.add(3, u64::from(u32::MAX) + 2);
        let mut read = Histogram::default();
        read.add_encoded(&big.encode());
        assert_eq!(read, big, "counts beyond u32 split into pairs");
    }

    #[test]
    fn tallies_add_up() {
        let mut a = Tally {
            count: 2,
            met: 1,
            calendar_sum: 3_000,
            ..Tally::default()
        };
        a.calendar.add(bucket(1_200), 1);
        a.calendar.add(bucket(1_800), 1);
        let mut b = Tally {
            count: 1,
            calendar_sum: 1_200,
            ..Tally::default()
        };
        b.calendar.add(bucket(1_200), 1);
        a.merge(&b);
        let s = a.stats(Values::Durations, false);
        assert_eq!(
            (s.median, s.p90, s.mean, s.total),
            (Some(1_200), Some(1_800), Some(1_400.0), Some(4_200))
        );
        assert_eq!(a.stats(Values::Durations, true), ClockStats::default());
    }
}
