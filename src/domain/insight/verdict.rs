//! Did a process change help? The values a KPI counted in the weeks before a change and the
//! weeks after, compared: the difference of their statistic (the median of durations, the
//! mean otherwise, which for a 0/100 condition is its share), with a 95 % bootstrap interval,
//! and a plain verdict. Deterministic: the resampling is seeded, so the same values always
//! give the same interval.

use crate::domain::rng::Rng;

/// The fewest values on each side before anything is said.
pub const MIN_VALUES: usize = 10;
/// Resamples drawn.
pub const RESAMPLES: usize = 1000;
/// At most this many values of a side take part in the resampling (an even spread of them
/// when there are more); the statistics themselves use all.
pub const MAX_RESAMPLED: usize = 4000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statistic {
    Median,
    Mean,
}

impl Statistic {
    /// The statistic of `values` (sorted in place for the median); `None` when empty.
    pub fn of(self, values: &mut [f64]) -> Option<f64> {
        if values.is_empty() {
            return None;
        }
        match self {
            Statistic::Median => {
                values.sort_by(f64::total_cmp);
                Some(nearest_rank(values, 0.5))
            }
            #[expect(clippy::cast_precision_loss, reason = "far fewer than 2^52 values")]
            Statistic::Mean => Some(values.iter().sum::<f64>() / values.len() as f64),
        }
    }
}

/// The value at position ⌈p·n⌉ of sorted values (nearest rank, as docs/metrics.md says).
pub fn nearest_rank(sorted: &[f64], p: f64) -> f64 {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a rank within the slice"
    )]
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Side {
    pub count: usize,
    pub statistic: Option<f64>,
    pub median: Option<f64>,
    pub p90: Option<f64>,
    pub mean: Option<f64>,
}

fn side(values: &[f64], statistic: Statistic) -> Side {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = (!sorted.is_empty()).then(|| nearest_rank(&sorted, 0.5));
    let p90 = (!sorted.is_empty()).then(|| nearest_rank(&sorted, 0.9));
    let mean = Statistic::Mean.of(&mut sorted.clone());
    Side {
        count: values.len(),
        statistic: match statistic {
            Statistic::Median => median,
            Statistic::Mean => mean,
        },
        median,
        p90,
        mean,
    }
}

/// What the comparison says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The KPI moved the good way, and the interval leaves out no change.
    Better,
    Worse,
    /// The interval includes no change: not shown either way (yet).
    NoEvidenceYet,
    /// Fewer than `MIN_VALUES` on a side.
    TooFew,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Comparison {
    pub before: Side,
    pub after: Side,
    /// After's statistic minus before's.
    pub difference: Option<f64>,
    /// The 95 % bootstrap interval of the difference.
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub verdict: Verdict,
}

/// At most `MAX_RESAMPLED` of `values`, evenly spread (deterministic).
fn thinned(values: &[f64]) -> Vec<f64> {
    if values.len() <= MAX_RESAMPLED {
        return values.to_vec();
    }
    (0..MAX_RESAMPLED)
        .map(|i| values[i * values.len() / MAX_RESAMPLED])
        .collect()
}

/// Compares the values before and after a change.
pub fn compare(
    before: &[f64],
    after: &[f64],
    statistic: Statistic,
    higher_is_better: bool,
    seed: u64,
) -> Comparison {
    let (b, a) = (side(before, statistic), side(after, statistic));
    let difference = a.statistic.zip(b.statistic).map(|(a, b)| a - b);
    if before.len() < MIN_VALUES || after.len() < MIN_VALUES {
        return Comparison {
            before: b,
            after: a,
            difference,
            low: None,
            high: None,
            verdict: Verdict::TooFew,
        };
    }
    let (pool_b, pool_a) = (thinned(before), thinned(after));
    let mut rng = Rng::new(seed);
    let mut draw = |pool: &[f64], buffer: &mut Vec<f64>| {
        buffer.clear();
        buffer.extend((0..pool.len()).map(|_| pool[rng.index(pool.len())]));
        statistic.of(buffer).unwrap_or(0.0)
    };
    let (mut buffer_b, mut buffer_a) = (Vec::new(), Vec::new());
    let mut differences: Vec<f64> = (0..RESAMPLES)
        .map(|_| draw(&pool_a, &mut buffer_a) - draw(&pool_b, &mut buffer_b))
        .collect();
    differences.sort_by(f64::total_cmp);
    let (low, high) = (
        nearest_rank(&differences, 0.025),
        nearest_rank(&differences, 0.975),
    );
    let verdict = if low <= 0.0 && high >= 0.0 {
        Verdict::NoEvidenceYet
    } else if (low > 0.0) == higher_is_better {
        Verdict::Better
    } else {
        Verdict::Worse
    };
    Comparison {
        before: b,
        after: a,
        difference,
        low: Some(low),
        high: Some(high),
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spread(centre: f64, n: usize) -> Vec<f64> {
        #[expect(clippy::cast_precision_loss, reason = "small")]
        (0..n).map(|i| centre + (i % 7) as f64 - 3.0).collect()
    }

    #[test]
    fn a_clear_drop_in_resolution_time_is_better_and_its_interval_leaves_out_zero() {
        let before = spread(20.0, 60);
        let after = spread(12.0, 60);
        let c = compare(&before, &after, Statistic::Median, false, 7);
        assert_eq!(c.verdict, Verdict::Better);
        assert_eq!(c.difference, Some(-8.0));
        assert!(c.high.unwrap() < 0.0, "{c:?}");
        assert_eq!(c.before.count, 60);
        assert_eq!(c.before.median, Some(20.0));
        // The same values, the same interval.
        assert_eq!(compare(&before, &after, Statistic::Median, false, 7), c);
        // For a KPI where higher is better, the same drop is worse.
        let c = compare(&before, &after, Statistic::Median, true, 7);
        assert_eq!(c.verdict, Verdict::Worse);
    }

    #[test]
    fn noise_is_no_evidence_and_a_handful_is_too_few() {
        let before = spread(10.0, 50);
        let mut after = spread(10.0, 50);
        after.rotate_left(3);
        let c = compare(&before, &after, Statistic::Mean, true, 1);
        assert_eq!(c.verdict, Verdict::NoEvidenceYet, "{c:?}");
        assert!(c.low.unwrap() <= 0.0 && c.high.unwrap() >= 0.0);
        let c = compare(&before[..9], &after, Statistic::Mean, true, 1);
        assert_eq!(c.verdict, Verdict::TooFew);
        assert_eq!(c.low, None);
    }

    #[test]
    fn shares_are_means_of_zero_or_a_hundred_and_large_sides_are_thinned() {
        let before: Vec<f64> = (0..10_000)
            .map(|i| if i % 2 == 0 { 100.0 } else { 0.0 })
            .collect();
        let after: Vec<f64> = (0..10_000)
            .map(|i| if i % 4 == 0 { 0.0 } else { 100.0 })
            .collect();
        let c = compare(&before, &after, Statistic::Mean, true, 3);
        assert_eq!(c.difference, Some(25.0));
        assert_eq!(c.verdict, Verdict::Better);
        assert_eq!(thinned(&before).len(), MAX_RESAMPLED);
        assert!((nearest_rank(&[1.0, 2.0, 3.0, 4.0], 0.5) - 2.0).abs() < 1e-12);
        assert!((nearest_rank(&[1.0, 2.0, 3.0, 4.0], 0.9) - 4.0).abs() < 1e-12);
    }
}
